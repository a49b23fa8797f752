//! Every built-in code rule's `## Example` runs: its code blocks are files of a real change
//! (a block's info string names the file after the language; `(base)` marks a file of the base
//! that the change keeps, `(before)` the base version of a file the change edits, or deletes
//! when no later block names it again; a SQL block without a path is a migration), the real
//! binary checks that change, and the rule must fire (or stay silent, for a block marked
//! `silent`). What the user sees for each example is a snapshot.

mod common;
use common::*;

#[test]
fn every_code_rule_example_runs_and_fires() {
    let rules = riskgate::registry::code_rules();
    let mut failures = Vec::new();
    for rule in &rules {
        // The rehearsal's examples need a PostgreSQL server: tests/rehearse.rs runs them.
        if rule.analyzer == riskgate::model::Analyzer::Rehearsal {
            continue;
        }
        let doc = rule.doc();
        let blocks = blocks(&doc.example);
        let runs = blocks
            .iter()
            .any(|b| b.path.is_some() || (b.lang == "sql" && b.side == Side::Head));
        if !runs {
            failures.push(format!("{}: the example names no file of a change", doc.id));
            continue;
        }
        let silent = blocks.iter().any(|b| b.silent);
        let args: Vec<String> = blocks
            .iter()
            .find(|b| b.lang == "console")
            .and_then(|b| b.text.trim().strip_prefix("$ riskgate "))
            .map(|a| a.split_whitespace().map(str::to_string).collect())
            .unwrap_or_else(|| vec!["check".into(), "--base".into(), "main".into()]);
        let t = repository(&blocks);
        let (code, out, err) = run(t.riskgate().args(&args).args(["--format", "json"]));
        if code == 2 {
            failures.push(format!("{}: the example fails to run: {err}", doc.id));
            continue;
        }
        let fired = json(&out)["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == doc.id.as_str());
        if fired == silent {
            let verb = if silent { "fires" } else { "does not fire" };
            failures.push(format!("{}: its example {verb}\n{out}", doc.id));
            continue;
        }
        let (_, text, _) = run(t.riskgate().args(&args).args(["--format", "text"]));
        insta::assert_snapshot!(format!("example__{}", doc.id), text);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(rules.len() >= 40);
}
