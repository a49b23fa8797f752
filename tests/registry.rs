//! The registry checks itself: every code rule is registered and documented, ids are unique
//! and well named, and `docs/rules.md` is what the rule documentation generates.

use riskgate::model::is_valid_id;
use riskgate::registry::built_in_rules;
use riskgate::registry::code_rules;
use std::collections::BTreeSet;
use std::path::Path;

mod common;
use common::rust_files;

/// Where each `code_rule!` is declared: (rule id, file).
fn declarations() -> Vec<(String, std::path::PathBuf)> {
    let decl = regex::Regex::new(r#"pub static [A-Z_]+: "([a-z0-9-]+)", [A-Z]"#).unwrap();
    let mut files = Vec::new();
    rust_files(Path::new("src"), &mut files);
    files
        .iter()
        .flat_map(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            decl.captures_iter(&text)
                .map(|c| (c[1].to_string(), f.clone()))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn every_code_rule_is_registered_once_in_a_file_named_after_it() {
    let declared = declarations();
    let ids: BTreeSet<String> = declared.iter().map(|(id, _)| id.clone()).collect();
    assert_eq!(ids.len(), declared.len(), "a rule id is declared twice: {declared:?}");
    let listed: Vec<String> = code_rules().iter().map(|r| r.id.to_string()).collect();
    let registered: BTreeSet<String> = listed.iter().cloned().collect();
    assert_eq!(registered.len(), listed.len(), "the registry lists a rule twice");
    assert_eq!(ids, registered);
    assert!(declared.len() >= 40);
    for (id, file) in &declared {
        let stem = file.file_stem().unwrap().to_string_lossy();
        assert_eq!(stem, id.replace('-', "_"), "{id} is declared in {}", file.display());
        let text = std::fs::read_to_string(file).unwrap();
        assert_eq!(
            text.matches("code_rule! {").count(),
            1,
            "{} declares more than its rule",
            file.display()
        );
    }
}

#[test]
fn code_rules_are_documented_in_every_section() {
    for rule in code_rules() {
        let doc = rule.doc();
        assert!(is_valid_id(&doc.id), "{}", doc.id);
        for (name, body) in [
            ("What it does", &doc.description),
            ("Why is this risky?", &doc.why),
            ("Example", &doc.example),
            ("How to roll back", &doc.rollback),
        ] {
            assert!(!body.is_empty(), "{} lacks `## {name}`", doc.id);
        }
    }
}

#[test]
fn ids_are_unique_and_well_named() {
    let rules = built_in_rules().unwrap();
    let ids: BTreeSet<_> = rules.docs.iter().map(|d| d.id.clone()).collect();
    assert_eq!(ids.len(), rules.docs.len());
    for id in ids {
        assert!(is_valid_id(&id), "{id}");
    }
}

#[test]
fn docs_rules_md_is_fresh() {
    let generated = riskgate::registry::rules_markdown(&built_in_rules().unwrap());
    if std::env::var_os("RISKGATE_BLESS").is_some() {
        std::fs::write("docs/rules.md", &generated).unwrap();
    }
    let on_disk = std::fs::read_to_string("docs/rules.md").unwrap_or_default();
    assert!(
        on_disk == generated,
        "docs/rules.md is stale; regenerate it with `cargo run -- rules --format markdown > docs/rules.md` (or RISKGATE_BLESS=1 cargo test --test registry)"
    );
}

#[test]
fn every_explanation_closes_its_code_fences() {
    let rules = riskgate::registry::built_in_rules().unwrap();
    for doc in &rules.docs {
        let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("riskgate"))
            .args(["explain", &doc.id])
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let fences = text.lines().filter(|l| l.trim_start().starts_with("```")).count();
        assert_eq!(fences % 2, 0, "{}: an unclosed code fence\n{text}", doc.id);
        assert!(!doc.example.is_empty(), "{} has no example", doc.id);
    }
    let md = std::fs::read_to_string("docs/rules.md").unwrap();
    assert_eq!(md.lines().filter(|l| l.trim_start().starts_with("```")).count() % 2, 0);
}
