//! What users see, in every output format, for a set of scenarios: a snapshot each, so that a
//! change to the code's structure is checked against the reports it renders. Commit ids are
//! fixed (test repositories use a fixed author and clock), so the snapshots are exact.

mod common;
use common::*;

const FORMATS: &[&str] = &["text", "markdown", "github", "sarif", "json"];

/// Base files and head files (`None` deletes) of each scenario.
type Scenario = (
    &'static str,
    Vec<(&'static str, &'static str)>,
    Vec<(&'static str, Option<&'static str>)>,
);

fn scenarios() -> Vec<Scenario> {
    let prefs_old = "use serde::{Deserialize, Serialize};\n\n#[derive(Serialize, Deserialize)]\npub struct UserPrefs {\n    pub color: String,\n}\n";
    let prefs_new = "use serde::{Deserialize, Serialize};\n\n#[derive(Serialize, Deserialize)]\npub struct UserPrefs {\n    pub theme: String,\n}\n";
    let column = "[[json_column]]\ntable = \"users\"\ncolumn = \"prefs\"\ntype = \"UserPrefs\"\n";
    vec![
        (
            "drop_without_plan",
            vec![],
            vec![(RISKY_PATH, Some(RISKY_MIGRATION))],
        ),
        (
            "drop_with_plan",
            vec![],
            vec![(RISKY_PATH, Some(RISKY_MIGRATION)), ("ROLLBACK.md", Some(GOOD_PLAN))],
        ),
        (
            "stored_json_renamed",
            vec![("riskgate.toml", column), ("src/prefs.rs", prefs_old)],
            vec![("src/prefs.rs", Some(prefs_new))],
        ),
        (
            "untested_and_workflow",
            vec![("src/vat.rs", "pub fn vat_rate(c: &str) -> u32 {\n    match c {\n        _ => 20,\n    }\n}\n")],
            vec![
                ("src/vat.rs", Some("pub fn vat_rate(c: &str) -> u32 {\n    match c {\n        \"NL\" => 21,\n        _ => 20,\n    }\n}\n")),
                (".github/workflows/ci.yml", Some(RISKY_WORKFLOW)),
            ],
        ),
        ("docs_only", vec![("docs/a.md", "# A\n")], vec![("docs/a.md", Some("# A\n\nMore.\n"))]),
    ]
}

#[test]
fn every_format_of_every_scenario_matches_its_snapshot() {
    for (name, base, head) in scenarios() {
        let t = base_and_feature(&base, &head);
        for format in FORMATS {
            let (code, out, err) = run(t.riskgate().args(["check", "--base", "main", "--format", format]));
            assert!(code == 0 || code == 1, "{name} {format}: exit {code}\n{err}");
            let shown = format!("exit code: {code}\n---\n{out}");
            insta::assert_snapshot!(format!("{name}__{format}"), shown);
        }
    }
}
