//! Every built-in rule runs its examples: each must fire where it says and stay silent where
//! it says, and each rule ships at least one of both.

use riskgate::analyzers::pattern::{check_examples, example_fires};
use riskgate::packs;

#[test]
fn every_example_of_every_built_in_rule_behaves_as_declared() {
    let rules = packs::built_in().expect("built-in packs load");
    assert!(rules.len() >= 15, "only {} built-in pack rules", rules.len());
    let mut failures = Vec::new();
    for rule in &rules {
        if let Err(e) = check_examples(rule) {
            failures.push(e);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_rule_has_an_example_that_fires_and_one_that_does_not() {
    for rule in packs::built_in().unwrap() {
        assert!(
            rule.examples.iter().any(|e| e.fires),
            "{} has no firing example",
            rule.doc.id
        );
        assert!(
            rule.examples.iter().any(|e| !e.fires),
            "{} has no silent example",
            rule.doc.id
        );
        assert!(!rule.doc.why.is_empty() && !rule.doc.rollback.is_empty() && !rule.doc.description.is_empty());
    }
}

#[test]
fn a_wrong_example_is_caught() {
    let text = r#"
[[rule]]
id = "thing-added"
description = "d"
why = "w"
rollback = "r"
severity = "low"
[rule.match]
added = 'thing'
[[rule.example]]
path = "a.txt"
added = ["other text"]
fires = true
"#;
    let rules = packs::load("mine.toml", text).unwrap();
    assert!(!example_fires(&rules[0], &rules[0].examples[0]));
    assert_eq!(
        check_examples(&rules[0]).unwrap_err(),
        "mine.toml: example 1 of rule `thing-added` (a.txt) should fire but does not"
    );
}
