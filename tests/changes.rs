//! Scenarios as old/new pairs: each `tests/fixtures/changes/<scenario>.md` holds a change (its
//! files before and after, in the blocks `tests/examples.rs` reads) under a title that says
//! what riskgate should make of it. The real binary checks each change, and what the user sees
//! of every finding (rule, severity, location, tags, direction, gating, message) is a snapshot.
//! A title that promises silence ("no finding", "no JSON-shape finding") is checked too.

mod common;
use common::*;
use std::path::Path;

/// One line per finding, as a reviewer reads it.
fn summary(report: &serde_json::Value) -> String {
    let mut out = String::new();
    for f in report["findings"].as_array().unwrap() {
        let tags: Vec<&str> = f["tags"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|t| t.as_str())
            .collect();
        out.push_str(&format!(
            "{} {} at {}:{} symbol={} [{}] direction={} gating={} needs_plan={}\n  {}\n",
            f["rule"].as_str().unwrap(),
            f["severity"].as_str().unwrap(),
            f["file"].as_str().unwrap_or("-"),
            f["line"],
            f["symbol"].as_str().unwrap_or("-"),
            tags.join(", "),
            f["direction"].as_str().unwrap_or("-"),
            f["gating"].as_str().unwrap_or("-"),
            f["needs_plan"],
            f["message"].as_str().unwrap(),
        ));
    }
    out
}

#[test]
fn every_scenario_matches_its_snapshot() {
    let mut scenarios: Vec<_> = std::fs::read_dir(Path::new("tests/fixtures/changes"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    scenarios.sort();
    assert!(scenarios.len() >= 20, "{} scenarios", scenarios.len());
    for path in scenarios {
        let text = std::fs::read_to_string(&path).unwrap();
        let title = text.lines().next().unwrap_or("").trim_start_matches("# ").to_string();
        let t = repository(&blocks(&text));
        let (code, out, err) = run(t.riskgate().args(["check", "--base", "main", "--format", "json"]));
        assert!(code == 0 || code == 1, "{}: exit {code}\n{err}", path.display());
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let shown = summary(&json(&out));
        // A title that promises silence is checked, not only snapshotted: "no finding" means
        // none but hints about untested code; "no JSON-shape finding" and "no compound
        // finding" narrow it to that analyzer or that rule.
        let report = json(&out);
        let speaks: Vec<&str> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| {
                if title.contains("no compound finding") {
                    f["rule"] == "json-column-contract-changed"
                } else if title.contains("no JSON-shape finding") {
                    f["analyzer"] == "json-shape"
                } else if title.contains("no finding") {
                    f["analyzer"] != "untested"
                } else {
                    false
                }
            })
            .filter_map(|f| f["rule"].as_str())
            .collect();
        assert!(speaks.is_empty(), "{name}: {title}\n{shown}");
        insta::with_settings!({ description => title.clone() }, {
            insta::assert_snapshot!(name, shown);
        });
    }
}
