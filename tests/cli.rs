//! The commands, formats and exit codes as a user meets them, on real repositories.

mod common;
use common::*;

#[test]
fn check_blocks_a_risky_change_without_a_plan() {
    let t = feature(&[(RISKY_PATH, RISKY_MIGRATION)]);
    let (code, out, err) = run(t.riskgate().args(["check", "--base", "main"]));
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("migration-drops-column"), "{out}");
    assert!(out.contains(RISKY_PATH), "{out}");
    assert!(
        out.contains("Verdict BLOCKED — because of: migration-drops-column (high, data-loss) at db/migrations/0042_drop_fax.sql:1; needs a rollback plan"),
        "{out}"
    );
    assert!(out.contains("riskgate plan init"), "{out}");
}

#[test]
fn check_passes_a_harmless_change() {
    let t = feature(&[(
        "src/lib.rs",
        "pub fn add(a: i32, b: i32) -> i32 {\n    a + b\n}\n\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn adds() {\n        assert_eq!(super::add(1, 2), 3);\n    }\n}\n",
    )]);
    let (code, out, _) = run(t.riskgate().args(["check", "--base", "main"]));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("No findings."), "{out}");
    assert!(
        out.contains("Verdict PASSED — no finding of a gating class at high or above (risk "),
        "{out}"
    );
}

#[test]
fn a_valid_plan_lets_the_risky_change_through() {
    let t = feature(&[(RISKY_PATH, RISKY_MIGRATION)]);
    let plan = t.dir.path().join("../plan-for-test.md");
    std::fs::write(&plan, GOOD_PLAN).unwrap();
    let (code, out, _) = run(t.riskgate().args(["check", "--base", "main", "--plan"]).arg(&plan));
    std::fs::remove_file(&plan).unwrap();
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Verdict PASSED WITH PLAN"), "{out}");
}

#[test]
fn a_plan_committed_in_the_range_is_found() {
    let t = feature(&[(RISKY_PATH, RISKY_MIGRATION), ("ROLLBACK.md", GOOD_PLAN)]);
    let (code, out, _) = run(t.riskgate().args(["check", "--base", "main", "--format", "json"]));
    assert_eq!(code, 0, "{out}");
    let r = json(&out);
    assert_eq!(r["plan"]["source"], "file:ROLLBACK.md");
    assert_eq!(r["gate"]["verdict"], "passed-with-plan");
}

#[test]
fn a_placeholder_plan_is_rejected_with_findings() {
    let t = feature(&[
        (RISKY_PATH, RISKY_MIGRATION),
        (
            "ROLLBACK.md",
            "## Scope\nmigration-drops-column on customers.fax\n## Backup\n`pg_dump --table=customers > /backups/customers.sql` before the deploy (5 min)\n## Rollback steps\nTODO\n## Verification\nTBD\n",
        ),
    ]);
    let (code, out, _) = run(t.riskgate().args(["check", "--base", "main", "--format", "json"]));
    assert_eq!(code, 1, "{out}");
    let r = json(&out);
    assert_eq!(r["plan"]["valid"], false);
    let rules: Vec<_> = hits(&r)
        .into_iter()
        .filter(|h| h.1 == "ROLLBACK.md")
        .map(|h| h.0)
        .collect();
    assert_eq!(rules, vec!["plan-placeholder", "plan-placeholder", "plan-no-owner"]);
    let problems = r["plan"]["problems"].as_array().unwrap();
    assert_eq!(
        problems.len(),
        2,
        "a missing owner is a warning, not a problem: {problems:?}"
    );
}

#[test]
fn plans_must_answer_for_the_findings() {
    let sql = "ALTER TABLE customers DROP COLUMN fax;\n";
    let check = |plan: &str| -> Vec<String> {
        let t = feature(&[("db/migrations/0042_drop_fax.sql", sql), ("ROLLBACK.md", plan)]);
        let (_, out, _) = run(t.riskgate().args(["check", "--base", "main", "--format", "json"]));
        let r = json(&out);
        hits(&r)
            .into_iter()
            .filter(|h| h.1 == "ROLLBACK.md")
            .map(|h| h.0)
            .collect()
    };
    let only_revert = "## Scope\nmigration-drops-column on customers.fax.\n## Backup\nTable customers_fax_backup, taken before deploy.\n## Rollback steps\n1. Revert the PR.\n## Verification\nRun `SELECT count(*) FROM customers_fax_backup`.\n## Owner\nThe billing team.\n";
    assert_eq!(check(only_revert), vec!["plan-only-revert"]);
    let no_backup = only_revert
        .replace(
            "Table customers_fax_backup, taken before deploy.",
            "We have backups somewhere.",
        )
        .replace("1. Revert the PR.", "1. Re-add the column and restore it (10 min).");
    assert_eq!(check(&no_backup), vec!["plan-no-backup-evidence"]);
    let forward = no_backup.replace(
        "We have backups somewhere.",
        "None: irreversible, so the forward fix re-imports fax from the CRM.",
    );
    assert!(
        check(&forward).is_empty(),
        "an explicit irreversible: forward fix is accepted"
    );
    let vague = only_revert
        .replace(
            "1. Revert the PR.",
            "1. Re-add the column from customers_fax_backup (10 min).",
        )
        .replace(
            "Run `SELECT count(*) FROM customers_fax_backup`.",
            "Make sure everything is fine again.",
        );
    assert_eq!(check(&vague), vec!["plan-no-verification"]);
    let other_scope = only_revert
        .replace("1. Revert the PR.", "1. Restore from the backup table (10 min).")
        .replace("migration-drops-column on customers.fax.", "The orders table.")
        .replace("customers_fax_backup", "orders_backup");
    assert_eq!(check(&other_scope), vec!["plan-uncovered-change"]);
}

#[test]
fn plan_from_pr_body_and_commit_trailer() {
    let t = feature(&[(RISKY_PATH, RISKY_MIGRATION)]);
    let body = t.file("body.md");
    std::fs::write(
        &body,
        format!(
            "## Summary\nAdds labels.\n\n## Rollback plan\n{}\n## Notes\nnone\n",
            GOOD_PLAN.replace("# Rollback plan\n", "").replace("## ", "### ")
        ),
    )
    .unwrap();
    let (code, out, _) = run(t
        .riskgate()
        .args(["check", "--base", "main", "--format", "json", "--pr-body"])
        .arg(&body));
    assert_eq!(code, 0, "{out}");
    assert_eq!(json(&out)["plan"]["source"], "pr-body");

    let t = TestRepo::new();
    t.branch("feature");
    t.write(RISKY_PATH, RISKY_MIGRATION);
    t.write("docs/rollback-label.md", GOOD_PLAN);
    t.commit("Label PRs\n\nRollback-Plan: docs/rollback-label.md\n");
    let (code, out, _) = run(t.riskgate().args(["check", "--base", "main", "--format", "json"]));
    assert_eq!(code, 0, "{out}");
    let r = json(&out);
    assert!(r["plan"]["source"].as_str().unwrap().starts_with("trailer:"), "{r}");
}

#[test]
fn audit_explains_everything_and_never_gates() {
    let t = feature(&[(RISKY_PATH, RISKY_MIGRATION)]);
    let (code, out, _) = run(t.riskgate().args(["audit", "--base", "main"]));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Why these rules fire"), "{out}");
    assert!(out.contains("discards every stored value"), "{out}");
    assert!(out.contains("roll back:"), "{out}");
    assert!(out.contains("Verdict BLOCKED"), "{out}");
}

#[test]
fn audit_takes_a_branch_argument() {
    let t = feature(&[(RISKY_PATH, RISKY_MIGRATION)]);
    t.checkout("main");
    let (code, out, _) = run(t
        .riskgate()
        .args(["audit", "feature", "--base", "main", "--format", "json"]));
    assert_eq!(code, 0);
    assert!(
        hits(&json(&out)).iter().any(|h| h.0 == "migration-drops-column"),
        "{out}"
    );
}

#[test]
fn base_defaults_to_main_and_c_flag_changes_directory() {
    let t = feature(&[(RISKY_PATH, RISKY_MIGRATION)]);
    let mut cmd = assert_cmd::Command::cargo_bin("riskgate").unwrap();
    cmd.env("NO_COLOR", "1")
        .arg("-C")
        .arg(t.path())
        .args(["check", "--format", "json"]);
    let (code, out, _) = run(&mut cmd);
    assert_eq!(code, 1);
    let r = json(&out);
    assert_eq!(r["range"]["merge_base"], r["range"]["base"]);
    assert_eq!(r["commits"].as_array().unwrap().len(), 1);
    assert_eq!(r["commits"][0]["summary"], "feature work");
}

#[test]
fn merge_base_is_used_when_main_moved_on() {
    let t = TestRepo::new();
    t.branch("feature");
    t.write("src/app.py", "import os\n");
    t.commit("feature");
    t.checkout("main");
    t.write(RISKY_PATH, RISKY_MIGRATION);
    t.commit("main moves on");
    let (code, out, _) = run(t
        .riskgate()
        .args(["check", "--base", "main", "--head", "feature", "--format", "json"]));
    assert_eq!(code, 0, "{out}");
    let r = json(&out);
    assert_ne!(r["range"]["merge_base"], r["range"]["base"]);
    assert!(hits(&r).iter().all(|h| h.1 != ".github/workflows/label.yml"), "{r}");
}

#[test]
fn staged_changes_are_checked_against_head() {
    let t = TestRepo::new();
    t.write(RISKY_PATH, RISKY_MIGRATION);
    t.stage();
    let (code, out, _) = run(t.riskgate().args(["check", "--staged", "--format", "json"]));
    assert_eq!(code, 1, "{out}");
    let r = json(&out);
    assert_eq!(r["range"]["head"], "index");
    assert!(hits(&r)
        .iter()
        .any(|h| h.0 == "migration-drops-column" && h.2 == Some(1)));
}

#[test]
fn json_report_follows_the_contract() {
    let t = feature(&[
        (RISKY_PATH, RISKY_MIGRATION),
        ("src/buf.rs", "fn get(p: *const u8) -> u8 {\n    unsafe { *p }\n}\n"),
    ]);
    let (code, out, _) = run(t.riskgate().args(["check", "--base", "main", "--format", "json"]));
    assert_eq!(code, 1);
    let r = json(&out);
    assert_eq!(r["schema_version"], 1);
    assert_eq!(r["tool"]["name"], "riskgate");
    for key in ["base", "head", "merge_base"] {
        assert_eq!(r["range"][key].as_str().unwrap().len(), 40);
    }
    assert_eq!(r["stats"]["files_changed"], 2);
    assert_eq!(r["stats"]["lines_added"], 4);
    let f = &r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "rust-unsafe-added")
        .unwrap();
    let keys: Vec<_> = f.as_object().unwrap().keys().cloned().collect();
    let mut expected = vec![
        "rule",
        "analyzer",
        "severity",
        "tags",
        "file",
        "line",
        "end_line",
        "symbol",
        "symbols",
        "direction",
        "message",
        "help",
        "evidence",
        "mitigated_by",
        "gating",
        "needs_plan",
        "suppressed",
    ];
    expected.sort();
    let mut keys_sorted = keys.clone();
    keys_sorted.sort();
    assert_eq!(keys_sorted, expected);
    assert_eq!(f["file"], "src/buf.rs");
    assert_eq!(f["line"], 2);
    assert_eq!(f["severity"], "medium");
    assert_eq!(f["tags"], serde_json::json!(["unsafe"]));
    assert_eq!(f["evidence"], "unsafe { *p }");
    assert!(f["suppressed"].is_null());
    assert_eq!(r["score"]["level"], "high");
    let top = &r["score"]["contributions"][0];
    assert_eq!(top["rule"], "migration-drops-column");
    assert!(top["points"].as_u64().unwrap() > 0);
    assert_eq!(r["plan"]["required"], true);
    assert_eq!(r["plan"]["found"], false);
    assert_eq!(r["gate"]["verdict"], "blocked");
    assert_eq!(
        r["gate"]["gating"],
        serde_json::json!([{"rule": "migration-drops-column", "class": "data-loss", "severity": "high", "file": RISKY_PATH, "line": 1}])
    );
    insta::assert_snapshot!("json_report", out);
}

#[test]
fn sarif_is_2_1_0_with_rules_and_locations() {
    let t = feature(&[(RISKY_PATH, RISKY_MIGRATION)]);
    let (code, out, _) = run(t.riskgate().args(["check", "--base", "main", "--format", "sarif"]));
    assert_eq!(code, 1);
    let s = json(&out);
    assert_eq!(s["version"], "2.1.0");
    let run0 = &s["runs"][0];
    assert_eq!(run0["tool"]["driver"]["name"], "riskgate");
    let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run0["results"].as_array().unwrap();
    let r = results
        .iter()
        .find(|r| r["ruleId"] == "migration-drops-column")
        .unwrap();
    assert_eq!(r["level"], "error");
    let loc = &r["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], RISKY_PATH);
    assert_eq!(loc["region"]["startLine"], 1);
    let idx = r["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(rules[idx]["id"], "migration-drops-column");
    assert!(rules[idx]["help"]["text"]
        .as_str()
        .unwrap()
        .contains("How to roll back"));
}

#[test]
fn markdown_and_github_formats() {
    let t = feature(&[(RISKY_PATH, RISKY_MIGRATION)]);
    let (code, md, _) = run(t.riskgate().args(["check", "--base", "main", "--format", "markdown"]));
    assert_eq!(code, 1);
    assert!(md.starts_with("## ⛔ riskgate: blocked — risk 41 (high)"), "{md}");
    assert!(
        md.contains("because of: migration-drops-column (high, data-loss)"),
        "{md}"
    );
    assert!(
        md.contains("| high | `migration-drops-column` | `db/migrations/0042_drop_fax.sql:1` |"),
        "{md}"
    );
    assert!(md.contains("### What to do next"), "{md}");
    let (code, gh, _) = run(t.riskgate().args(["check", "--base", "main", "--format", "github"]));
    assert_eq!(code, 1);
    let first = gh.lines().next().unwrap();
    assert!(
        first.starts_with("::error file=db/migrations/0042_drop_fax.sql,line=1,endLine=1,title=riskgate migration-drops-column (high)::"),
        "{first}"
    );
    assert!(gh.contains("## ⛔ riskgate: blocked"), "{gh}");
}

#[test]
fn github_annotations_are_capped_with_a_pointer_to_the_rest() {
    let lines: String = (0..12)
        .map(|i| format!("TOKEN_{i} = \"AKIA2E0A8F3B244C99{i:02}\"\n"))
        .collect();
    let files: Vec<(String, String)> = (0..12).map(|i| (format!("src/k{i}.py"), lines.clone())).collect();
    let refs: Vec<(&str, &str)> = files.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let t = feature(&refs);
    let (_, gh, _) = run(t.riskgate().args(["check", "--base", "main", "--format", "github"]));
    assert_eq!(gh.lines().filter(|l| l.starts_with("::error ")).count(), 10, "{gh}");
    assert!(gh.contains("more findings are not annotated"), "{gh}");
}

#[test]
fn output_file_and_colour() {
    let t = feature(&[(RISKY_PATH, RISKY_MIGRATION)]);
    let (code, out, _) =
        run(t
            .riskgate()
            .args(["check", "--base", "main", "--format", "json", "--output", "report.json"]));
    assert_eq!((code, out.as_str()), (1, ""));
    let written = std::fs::read_to_string(t.file("report.json")).unwrap();
    assert_eq!(json(&written)["gate"]["verdict"], "blocked");
    let (_, plain, _) = run(t.riskgate().args(["check", "--base", "main"]));
    assert!(!plain.contains('\u{1b}'));
    let (_, coloured, _) = run(t.riskgate().args(["--color", "always", "check", "--base", "main"]));
    assert!(coloured.contains("\u{1b}["), "{coloured}");
    let (_, quiet, _) = run(t.riskgate().args(["-q", "check", "--base", "main"]));
    assert_eq!(quiet.lines().count(), 1, "{quiet}");
}

#[test]
fn fail_level_overrides_the_threshold() {
    // A medium finding of a gating class: it holds the change only from --fail-level medium.
    let t = feature(&[(
        "db/migrations/0050_email.sql",
        "ALTER TABLE users ALTER COLUMN email SET NOT NULL;\n",
    )]);
    let (code, _, _) = run(t.riskgate().args(["check", "--base", "main"]));
    assert_eq!(code, 0);
    let (code, out, _) = run(t.riskgate().args(["check", "--base", "main", "--fail-level", "medium"]));
    assert_eq!(code, 1, "{out}");
    let (code, _, err) = run(t.riskgate().args(["check", "--base", "main", "--fail-level", "huge"]));
    assert_eq!(code, 2, "{err}");
}

#[test]
fn github_event_gives_range_and_plan() {
    let t = feature(&[(RISKY_PATH, RISKY_MIGRATION)]);
    let base = t.repo.revparse_single("main").unwrap().id().to_string();
    let head = t.repo.revparse_single("feature").unwrap().id().to_string();
    let body = format!(
        "Adds labels.\n\n## Rollback plan\n{}",
        GOOD_PLAN.replace("# Rollback plan\n", "").replace("## ", "### ")
    );
    let event = serde_json::json!({"action": "edited", "pull_request": {"body": body, "base": {"sha": base}, "head": {"sha": head}}});
    std::fs::write(t.file("event.json"), event.to_string()).unwrap();
    t.checkout("main");
    let (code, out, _) = run(t
        .riskgate()
        .args(["check", "--github-event", "event.json", "--format", "json"]));
    assert_eq!(code, 0, "{out}");
    let r = json(&out);
    assert_eq!(r["range"]["head"], head.as_str());
    assert_eq!(r["gate"]["verdict"], "passed-with-plan");
}

#[test]
fn inline_and_config_waivers() {
    let t = with_base_policy(
        &[("riskgate.toml", "[[waiver]]\nrule = \"ci-pipeline-changed\"\npath = \".github/workflows/*.yml\"\nreason = \"reviewed by platform team\"\n")],
        &[
            (".github/workflows/label.yml", "on:\n  # riskgate: allow(ci-workflow-runs-untrusted-code) reason=\"no checkout of PR code, labels only\"\n  pull_request_target:\n"),
            ("src/util.py", "# riskgate: allow(secret-token-added) reason=\"stale\"\nx = 1\n"),
        ],
    );
    let (code, out, _) = run(t.riskgate().args(["check", "--base", "main", "--format", "json"]));
    assert_eq!(code, 0, "{out}");
    let r = json(&out);
    let findings = r["findings"].as_array().unwrap();
    let by_rule = |id: &str| {
        findings
            .iter()
            .find(|f| f["rule"] == id)
            .unwrap_or_else(|| panic!("{id} missing: {r}"))
    };
    assert_eq!(
        by_rule("ci-workflow-runs-untrusted-code")["suppressed"]["reason"],
        "no checkout of PR code, labels only"
    );
    assert_eq!(
        by_rule("ci-workflow-runs-untrusted-code")["suppressed"]["source"],
        "inline:.github/workflows/label.yml:2"
    );
    assert_eq!(
        by_rule("ci-pipeline-changed")["suppressed"]["source"],
        format!(
            "config:riskgate.toml (at {}):1",
            &t.repo.revparse_single("main").unwrap().id().to_string()[..7]
        )
    );
    let unused = by_rule("unused-waiver");
    assert_eq!(
        (unused["file"].as_str(), unused["line"].as_u64()),
        (Some("src/util.py"), Some(1))
    );
    assert_eq!(r["score"]["contributions"][0]["rule"], "unused-waiver");
}

#[test]
fn disabled_rules_do_not_run() {
    let t = with_base_policy(
        &[(
            "riskgate.toml",
            "[rules]\ndisable = [\"migration-drops-column\", \"ci-pipeline-changed\"]\n",
        )],
        &[
            (RISKY_PATH, RISKY_MIGRATION),
            (".github/workflows/label.yml", RISKY_WORKFLOW),
        ],
    );
    let (code, out, _) = run(t.riskgate().args(["check", "--base", "main", "--format", "json"]));
    assert_eq!(code, 0, "{out}");
    let found = hits(&json(&out));
    assert!(
        found
            .iter()
            .all(|h| h.0 != "migration-drops-column" && h.0 != "ci-pipeline-changed"),
        "{out}"
    );
    assert!(found.iter().any(|h| h.0 == "ci-workflow-runs-untrusted-code"), "{out}");
}

#[test]
fn repository_packs_add_rules() {
    let pack = r#"
[[rule]]
id = "payments-client-changed"
description = "The payments client changed."
why = "Money moves through it."
rollback = "Redeploy the previous release."
severity = "high"
gating = "broken-contract"
tags = ["payments"]
[rule.match]
paths = ["src/payments/**"]
[[rule.example]]
path = "src/payments/client.py"
added = ["x = 1"]
fires = true
"#;
    let t = with_base_policy(
        &[
            ("riskgate/rules/payments.toml", pack),
            ("riskgate.toml", "[rules]\npacks = [\"riskgate/rules/*.toml\"]\n"),
        ],
        &[("src/payments/client.py", "RETRIES = 3\n")],
    );
    let (code, out, _) = run(t.riskgate().args(["check", "--base", "main", "--format", "json"]));
    assert_eq!(code, 1, "{out}");
    assert!(hits(&json(&out)).contains(&(
        "payments-client-changed".into(),
        "src/payments/client.py".into(),
        Some(1)
    )));
    let (code, out, _) = run(t.riskgate().args(["explain", "payments-client-changed"]));
    assert_eq!(code, 0);
    assert!(out.contains("Defined in riskgate/rules/payments.toml"), "{out}");
    let (_, out, _) = run(t.riskgate().args(["rules"]));
    assert!(out.lines().any(|l| l.starts_with("payments-client-changed")), "{out}");
}

#[test]
fn rules_and_explain() {
    let t = TestRepo::new();
    let (code, out, _) = run(t.riskgate().args(["rules"]));
    assert_eq!(code, 0);
    assert!(out.lines().count() >= 20, "{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("secret-token-added") && l.contains("high")),
        "{out}"
    );
    let (_, out, _) = run(t.riskgate().args(["rules", "--format", "json"]));
    let list = json(&out);
    let ids: Vec<_> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    assert!(ids.contains(&"unused-waiver".to_string()) && ids.contains(&"file-not-analyzed".to_string()));
    let (_, out, _) = run(t.riskgate().args(["rules", "--format", "markdown"]));
    assert!(out.starts_with("# riskgate rules"));
    let (code, out, _) = run(t.riskgate().args(["explain", "unused-waiver"]));
    assert_eq!(code, 0);
    assert!(
        out.starts_with("unused-waiver  (suppress analyzer, severity low"),
        "{out}"
    );
    assert!(
        out.contains("Why is this risky?") && out.contains("How to roll back"),
        "{out}"
    );
    let (code, _, err) = run(t.riskgate().args(["explain", "no-such-rule"]));
    assert_eq!(code, 2);
    assert_eq!(
        err.trim(),
        "riskgate: error: unknown rule `no-such-rule`; `riskgate rules` lists them"
    );
}

#[test]
fn init_writes_a_config_that_loads() {
    let t = TestRepo::new();
    t.write("manage.py", "");
    // JSON examples of data are proposed as fixtures; translations and one-off files are not.
    t.write("assets/payloads/order.json", "{\"id\": 1}\n");
    t.write("assets/payloads/refund.json", "{\"id\": 2}\n");
    t.write("config/locales/en.json", "{}\n");
    t.write("config/locales/fr.json", "{}\n");
    t.write("config/app.json", "{}\n");
    t.write("config/production.json", "{}\n");
    let (code, out, _) = run(t.riskgate().args(["init"]));
    assert_eq!(code, 0, "{out}");
    let written = std::fs::read_to_string(t.file("riskgate.toml")).unwrap();
    assert!(written.contains("# Frameworks detected: django"), "{written}");
    assert!(
        written.contains("\njson_fixtures = [\"assets/payloads/*.json\"]  # folders of JSON found here"),
        "{written}"
    );
    let (code, _, err) = run(t.riskgate().args(["init"]));
    assert_eq!(code, 2);
    assert!(err.contains("already exists; pass --force"), "{err}");
    let (code, _, _) = run(t.riskgate().args(["init", "--force"]));
    assert_eq!(code, 0);
    t.commit("add config");
    t.branch("feature");
    t.write("src/a.py", "x = 1\n");
    t.commit("work");
    let (code, _, err) = run(t.riskgate().args(["check", "--base", "main"]));
    assert_eq!(code, 0, "{err}");
}

#[test]
fn plan_init_writes_a_skeleton_that_is_not_yet_valid() {
    let t = feature(&[(RISKY_PATH, RISKY_MIGRATION)]);
    let (code, out, _) = run(t.riskgate().args(["plan", "init", "--base", "main"]));
    assert_eq!(code, 0, "{out}");
    let plan = std::fs::read_to_string(t.file("ROLLBACK.md")).unwrap();
    assert!(
        plan.contains("- `migration-drops-column` at `db/migrations/0042_drop_fax.sql:1`"),
        "{plan}"
    );
    let (code, out, _) = run(t
        .riskgate()
        .args(["plan", "check", "--base", "main", "--plan", "ROLLBACK.md"]));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("still the `riskgate plan init` skeleton"), "{out}");
    let filled = plan
        .replace(
            "1.\n",
            "1. Redeploy the previous release (5 min)\n2. Re-add customers.fax and restore it from /backups/customers.sql (15 min)\n",
        )
        .replace(
            "## Backup\n",
            "## Backup\n`pg_dump --table=customers > /backups/customers.sql` before the deploy, kept 30 days.\n",
        )
        .replace(
            "## Verification\n",
            "## Verification\nRun `SELECT count(*) FROM customers WHERE fax IS NOT NULL` and compare it with the dump.\n",
        );
    std::fs::write(t.file("ROLLBACK.md"), filled).unwrap();
    let (code, out, _) = run(t
        .riskgate()
        .args(["plan", "check", "--base", "main", "--plan", "ROLLBACK.md"]));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("gate: passed-with-plan"), "{out}");
}

#[test]
fn audit_per_commit_names_the_riskiest_commit() {
    let t = TestRepo::new();
    t.branch("feature");
    t.write("src/a.py", "a = 1\n");
    t.commit("harmless start");
    t.write("db/migrations/0001.sql", "DROP TABLE invoices;\n");
    t.commit("drop invoices");
    t.write("docs/notes.md", "notes\n");
    t.commit("notes");
    let (code, out, _) = run(t.riskgate().args(["audit", "--base", "main", "--per-commit"]));
    assert_eq!(code, 0, "{out}");
    let table: Vec<&str> = out.lines().skip(1).take(3).collect();
    assert!(
        table[1].contains("migration-drops-table") && table[1].ends_with("drop invoices ⬅ riskiest"),
        "{out}"
    );
    assert!(
        !table[0].contains("riskiest") && !table[2].contains("riskiest"),
        "{out}"
    );
    let (_, out, _) = run(t
        .riskgate()
        .args(["audit", "--base", "main", "--per-commit", "--format", "json"]));
    let r = json(&out);
    let rows = r["per_commit"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[1]["summary"], "drop invoices");
    assert_eq!(rows[1]["top_rule"], "migration-drops-table");
    assert!(rows[1]["score"].as_u64() > rows[0]["score"].as_u64());
}

#[test]
fn demo_shows_the_block_then_the_pass_and_cleans_up() {
    let cwd = tempfile::tempdir().unwrap();
    let mut cmd = assert_cmd::Command::cargo_bin("riskgate").unwrap();
    cmd.current_dir(cwd.path()).env("NO_COLOR", "1").arg("demo");
    let (code, out, err) = run(&mut cmd);
    assert_eq!(code, 0, "{out}{err}");
    let blocked = out.find("Verdict BLOCKED").expect("blocked first");
    let passed = out.find("Verdict PASSED WITH PLAN").expect("then passed with plan");
    assert!(blocked < passed, "{out}");
    assert!(out.contains("migration-removes-json-key"), "{out}");
    assert!(out.contains("$ riskgate plan init --base main"), "{out}");
    // After the incident, the postmortem: riskgate held the change until a plan was written.
    let postmortem = out.find("$ riskgate postmortem ").expect("ends with the postmortem");
    assert!(out[postmortem..].contains(" --fixed-by HEAD --output "), "{out}");
    assert!(
        err.contains("riskgate: incident recorded in .riskgate/incidents.toml"),
        "{err}"
    );
    assert!(passed < postmortem, "{out}");
    assert!(
        out.contains("- **Would riskgate have blocked it?** **no, with a plan**: the gate required a rollback plan, and it passed with the plan in `ROLLBACK.md`"),
        "{out}"
    );
    for what in ["| authored |", "| merged |", "| fixed |"] {
        assert!(out[postmortem..].contains(what), "{what} in\n{out}");
    }
    assert_eq!(
        std::fs::read_dir(cwd.path()).unwrap().count(),
        0,
        "the demo writes nothing where it runs"
    );
    let dir = out.lines().next().unwrap().rsplit(' ').next().unwrap();
    assert!(!std::path::Path::new(dir).exists(), "the demo repository is removed");
}

#[test]
fn baseline_write_records_findings_that_then_stop_counting() {
    let t = feature(&[(RISKY_PATH, RISKY_MIGRATION)]);
    let (code, out, _) = run(t.riskgate().args(["baseline", "write", "--base", "main"]));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("with 1 findings"), "{out}");
    let text = std::fs::read_to_string(t.file(".riskgate-baseline.json")).unwrap();
    let written = json(&text);
    assert_eq!(written["findings"][0]["path"], RISKY_PATH);
    // The baseline judges changes once it is on the base.
    t.remove(".riskgate-baseline.json");
    t.checkout("main");
    t.write(".riskgate-baseline.json", &text);
    t.commit("record the baseline");
    t.checkout("feature");
    let (code, out, _) = run(t.riskgate().args(["check", "--base", "main", "--format", "json"]));
    assert_eq!(code, 0, "baselined findings do not count: {out}");
    let r = json(&out);
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "migration-drops-column")
        .unwrap()
        .clone();
    assert_eq!(f["suppressed"]["source"], "baseline:.riskgate-baseline.json");
    // A new finding of the same rule elsewhere still counts.
    t.write(
        "db/migrations/0043_drop_phone.sql",
        "ALTER TABLE customers DROP COLUMN phone;\n",
    );
    t.commit("another");
    let (code, _, _) = run(t.riskgate().args(["check", "--base", "main"]));
    assert_eq!(code, 1);
    // A malformed baseline on the base is an error with line and column.
    t.checkout("main");
    t.write(
        ".riskgate-baseline.json",
        "{\"schema_version\": 1, \"findings\": [\n  {\"rule\": 1}\n]}\n",
    );
    t.commit("break the baseline");
    t.checkout("feature");
    let (code, _, err) = run(t.riskgate().args(["check", "--base", "main"]));
    assert_eq!(code, 2);
    assert!(err.contains(".riskgate-baseline.json:2:"), "{err}");
}

#[test]
fn sarif_file_is_written_beside_any_format_from_the_same_analysis() {
    let t = feature(&[(
        "db/migrations/0042_drop_fax.sql",
        "ALTER TABLE customers DROP COLUMN fax;\n",
    )]);
    let (code, out, err) = run(t.riskgate().args([
        "check",
        "--base",
        "main",
        "--format",
        "json",
        "--sarif-file",
        "out/r.sarif",
    ]));
    assert_eq!(code, 2, "a missing folder is an error");
    assert_eq!(out, "", "and nothing half-done is printed");
    assert!(err.starts_with("riskgate: error: cannot write out/r.sarif"), "{err}");
    let (code, out, err) =
        run(t
            .riskgate()
            .args(["check", "--base", "main", "--format", "json", "--sarif-file", "r.sarif"]));
    assert_eq!(code, 1, "{err}");
    assert_eq!(json(&out)["findings"][0]["rule"], "migration-drops-column");
    let sarif = json(&std::fs::read_to_string(t.file("r.sarif")).unwrap());
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(sarif["runs"][0]["results"][0]["ruleId"], "migration-drops-column");
    assert_eq!(
        sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "db/migrations/0042_drop_fax.sql"
    );
}

#[test]
fn the_readme_config_example_works_when_pasted() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let start = readme.find("```toml\n[gate]").expect("the README's config example") + "```toml\n".len();
    let example = &readme[start..start + readme[start..].find("```").unwrap()];
    let t = with_base_policy(&[("riskgate.toml", example)], &[("src/app.py", "x = 1\n")]);
    let (code, out, err) = run(t.riskgate().args(["check", "--base", "main", "--format", "json"]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(json(&out)["gate"]["verdict"], "passed");
}

#[test]
fn each_plan_problem_is_said_once_and_advice_fits_where_it_is_read() {
    let t = feature(&[
        (
            "db/migrations/0042_drop_fax.sql",
            "ALTER TABLE customers DROP COLUMN fax;\n",
        ),
        ("ROLLBACK.md", "## Rollback steps\nTODO\n## Verification\nTBD\n"),
    ]);
    let (code, out, _) = run(t.riskgate().args(["check", "--base", "main"]));
    assert_eq!(code, 1, "{out}");
    let problem = "the rollback plan has no `backup` section";
    assert_eq!(out.matches(problem).count(), 1, "{out}");
    assert!(
        out.contains("invalid (file:ROLLBACK.md): 5 problems, listed with the findings above"),
        "{out}"
    );
    assert!(
        !out.contains("--plan"),
        "a flag git push cannot pass is no advice: {out}"
    );
    let (_, md, _) = run(t.riskgate().args(["check", "--base", "main", "--format", "markdown"]));
    assert_eq!(md.matches("has no \\`backup\\` section").count(), 1, "{md}");
    // The pull request's own advice: the description is where a plan goes.
    t.remove("ROLLBACK.md");
    t.commit("no plan");
    let (_, md, _) = run(t.riskgate().args(["check", "--base", "main", "--format", "markdown"]));
    assert!(
        md.contains("add a `## Rollback plan` section to the pull request description"),
        "{md}"
    );
    // Rows lead with the most severe.
    let rows: Vec<&str> = md
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| Severity"))
        .collect();
    assert!(rows[0].starts_with("| high |"), "{rows:?}");
}

#[test]
fn reports_lead_with_the_point_and_fold_what_is_minor() {
    let t = feature(&[
        (
            "db/migrations/0042_drop_fax.sql",
            "ALTER TABLE customers DROP COLUMN fax;\n",
        ),
        ("assets/a.png", "\0png"),
        ("assets/b.png", "\0png"),
    ]);
    let (_, out, _) = run(t.riskgate().args(["check", "--base", "main"]));
    let verdict = out.find("Verdict BLOCKED").expect("a verdict");
    let first_finding = out.find("migration-drops-column  db/").expect("the finding");
    assert!(verdict < first_finding, "the verdict comes first:\n{out}");
    assert!(out.contains("Score 41 (high) · 1 high, 2 info\n  needs a plan: migration-drops-column at db/migrations/0042_drop_fax.sql:1\n"), "{out}");
    assert!(
        out.contains("info     file-not-analyzed ×2: assets/a.png, assets/b.png"),
        "{out}"
    );
    assert!(!out.contains("+0 "), "no rows that add nothing: {out}");
    let (_, verbose, _) = run(t.riskgate().args(["check", "--base", "main", "-v"]));
    assert_eq!(verbose.matches("file-not-analyzed  assets/").count(), 2, "{verbose}");
    let (_, md, _) = run(t.riskgate().args(["check", "--base", "main", "--format", "markdown"]));
    assert!(md.contains("Findings: 1 high, 2 info."), "{md}");
    assert!(
        md.contains("| info | `file-not-analyzed` | 2 findings | `assets/a.png`, `assets/b.png` |"),
        "{md}"
    );
    assert!(!md.contains("**+0**"), "{md}");
}

#[test]
fn the_rules_list_lines_up_and_flags_belong_where_they_work() {
    let t = TestRepo::new();
    let (code, out, _) = run(t.riskgate().arg("rules"));
    assert_eq!(code, 0);
    let column = |l: &str| l.find(|c: char| c.is_uppercase()).unwrap_or(0);
    let starts: std::collections::BTreeSet<usize> = out.lines().map(column).collect();
    assert_eq!(starts.len(), 1, "descriptions start in one column:\n{out}");
    for line in out.lines() {
        let description = &line[column(line)..];
        assert!(
            description.ends_with('.') || description.ends_with(')') || description.ends_with('`'),
            "a whole sentence: {line}"
        );
    }
    // --fail-level is a gate's flag: audit never gates.
    let (code, _, err) = run(t.riskgate().args(["audit", "--fail-level", "high"]));
    assert_eq!(code, 2);
    assert!(err.contains("unexpected argument '--fail-level'"), "{err}");
    let (_, help, _) = run(t.riskgate().arg("--help"));
    assert!(!help.contains("Print only the verdict"), "{help}");
}

#[test]
fn the_readme_quick_start_runs_as_written() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let section = &readme[readme.find("## Quick start").unwrap()..];
    let start = section.find("```sh\n").unwrap() + "```sh\n".len();
    let block = &section[start..start + section[start..].find("```").unwrap()];
    let t = feature(&[(
        "db/migrations/0042_drop_fax.sql",
        "ALTER TABLE customers DROP COLUMN fax;\n",
    )]);
    let mut ran = 0;
    for line in block.lines() {
        let command = line.split('#').next().unwrap().trim();
        let args: Vec<&str> = command.split_whitespace().skip(1).collect();
        assert_eq!(command.split_whitespace().next(), Some("riskgate"), "{line}");
        let (code, out, err) = run(t.riskgate().args(&args));
        // check and plan check may block (exit 1); nothing may be a usage or repository error.
        assert!(code == 0 || code == 1, "`{command}` exited {code}: {err}");
        assert!(!err.contains("error"), "`{command}`: {err}");
        if args == ["plan", "init"] {
            assert!(out.starts_with("wrote "), "{out}");
        }
        ran += 1;
    }
    assert_eq!(ran, 7);
}

#[test]
fn a_declared_no_op_reverse_of_a_rewrite_needs_the_plan_to_say_how_data_comes_back() {
    let migration = "from django.db import migrations\n\n\ndef reset_theme(apps, schema_editor):\n    Profile = apps.get_model(\"accounts\", \"Profile\")\n    Profile.objects.filter(theme=\"dark\").update(theme=\"system\")\n\n\nclass Migration(migrations.Migration):\n    dependencies = [(\"accounts\", \"0001_initial\")]\n    operations = [migrations.RunPython(reset_theme, migrations.RunPython.noop)]\n";
    let plan = "## Scope\nmigration-backfills-in-code and migration-rollback-missing on accounts_profile.theme.\n## Backup\nTable profile_theme_backup (id, theme), copied before deploy.\n## Rollback steps\n1. Deploy the previous release (5 min).\n## Verification\nRun `SELECT count(*) FROM accounts_profile WHERE theme = 'dark'` and compare with the backup.\n## Owner\nThe accounts team.\n";
    let plan_problems = |plan: &str| -> Vec<(String, String)> {
        let t = feature(&[
            ("accounts/migrations/0002_reset_theme.py", migration),
            ("ROLLBACK.md", plan),
        ]);
        let (_, out, _) = run(t.riskgate().args(["check", "--base", "main", "--format", "json"]));
        let r = json(&out);
        let noop = r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == "migration-rollback-missing")
            .expect("the declared no-op reverse is reported");
        assert!(
            noop["tags"].as_array().unwrap().contains(&"data-rewrite".into()),
            "{noop}"
        );
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["file"] == "ROLLBACK.md")
            .map(|f| {
                (
                    f["rule"].as_str().unwrap().to_string(),
                    f["message"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let without = plan_problems(plan);
    assert_eq!(without.len(), 1, "{without:?}");
    assert_eq!(without[0].0, "plan-missing-section");
    assert!(without[0].1.contains("data"), "{}", without[0].1);
    let with_data =
        format!("{plan}## Data\nThe down migration is a no-op: restore theme from profile_theme_backup by id.\n");
    assert!(plan_problems(&with_data).is_empty(), "{:?}", plan_problems(&with_data));
}

/// A pack rule's hint: a token in the documentation is reported at medium with its reason and
/// does not hold the change; the same token in deployed config does.
#[test]
fn a_token_in_the_docs_is_a_hint_and_in_config_it_blocks() {
    let token = "AKIA2E0A8F3B244C9986";
    let findings = |t: &TestRepo| -> (i32, Vec<(String, String, String)>) {
        let (code, out, err) = run(t.riskgate().args(["check", "--base", "main", "--format", "json"]));
        let r = json(&out);
        let list = r["findings"]
            .as_array()
            .unwrap_or_else(|| panic!("{out}{err}"))
            .iter()
            .filter(|f| f["rule"] == "secret-token-added")
            .map(|f| {
                (
                    f["file"].as_str().unwrap().to_string(),
                    f["severity"].as_str().unwrap().to_string(),
                    f["message"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        (code, list)
    };
    let docs = format!("Set the key:\n\n    AWS_ACCESS_KEY_ID = \"{token}\"\n");
    let t = feature(&[("docs/storage.md", docs.as_str())]);
    let (code, found) = findings(&t);
    assert_eq!(code, 0, "a hint does not hold the change: {found:?}");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        (found[0].0.as_str(), found[0].1.as_str()),
        ("docs/storage.md", "medium")
    );
    assert!(found[0].2.contains("(a hint: it is in documentation"), "{found:?}");
    let config = format!("aws:\n  access_key_id: {token}\n");
    let t = feature(&[("docs/storage.md", docs.as_str()), ("config/s3.yml", config.as_str())]);
    let (code, found) = findings(&t);
    assert_eq!(code, 1, "{found:?}");
    assert!(
        found.iter().any(|f| f.0 == "config/s3.yml" && f.1 == "high"),
        "{found:?}"
    );
    // Where a rule only hints is on its page.
    let (code, out, _) = run(t.riskgate().args(["explain", "secret-token-added"]));
    assert_eq!(code, 0);
    assert!(
        out.contains("Only a hint (medium at most, never gates)\n- in `**/*.{md,rst,adoc}`, `**/docs/**`"),
        "{out}"
    );
}
