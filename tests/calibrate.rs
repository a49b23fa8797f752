//! `riskgate calibrate` on a generated history with known reverts.

mod common;
use common::*;

/// 40 changes on main; every fifth drops a column and is reverted two changes later.
fn history() -> (TestRepo, usize) {
    let t = TestRepo::new();
    let mut reverted = 0;
    for i in 0..40 {
        if i % 5 == 0 {
            t.write(
                &format!("db/migrations/{i:04}_drop.sql"),
                format!("ALTER TABLE t{i} DROP COLUMN c;\n"),
            );
            let sha = t.commit(&format!("Drop t{i}.c"));
            t.write(&format!("docs/note{i}.md"), "note\n");
            t.commit("notes");
            t.remove(&format!("db/migrations/{i:04}_drop.sql"));
            t.commit(&format!("Revert \"Drop t{i}.c\"\n\nThis reverts commit {sha}."));
            reverted += 1;
        } else {
            t.write(&format!("src/mod{i}.py"), format!("x = {i}\n"));
            t.commit(&format!("Change {i}"));
        }
    }
    (t, reverted)
}

#[test]
fn calibrate_counts_labels_and_ranks_the_risky_changes_first() {
    let (t, reverted) = history();
    let (code, out, err) = run(t.riskgate().args(["calibrate", "--limit", "200"]));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with(&format!("{} landed changes scored", 32 + 3 * reverted)),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "L1 (reverted within 90 days, or a recorded incident): {reverted} (0 by bots, 0 recorded incidents)"
        )),
        "{out}"
    );
    let l1 = out.split("\nL1\n").nth(1).unwrap();
    let row = l1.lines().find(|l| l.starts_with("| riskgate |")).unwrap();
    let auc: f64 = row
        .split('|')
        .nth(2)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(auc > 0.9, "the dropped columns are the reverted changes: {row}");
    for scorer in ["log(LA+LD)", "directories", "random"] {
        assert!(l1.contains(&format!("| {scorer} |")), "{out}");
    }
    let (_, json_out, _) = run(t.riskgate().args(["calibrate", "--limit", "200", "--format", "json"]));
    let v = json(&json_out);
    assert!(v["metrics"]["L1"]["riskgate"]["auc"].as_f64().unwrap() > 0.9);
    // --write stores weights only when they beat the defaults on the later part; either way it says so.
    let (code, out, _) = run(t.riskgate().args(["calibrate", "--limit", "200", "--write"]));
    assert_eq!(code, 0);
    let wrote = out.contains("written to");
    assert!(wrote || out.contains("nothing written"), "{out}");
    assert_eq!(t.file("riskgate.toml").exists(), wrote);
    if wrote {
        let (code, _, err) = run(t.riskgate().args(["rules"]));
        assert_eq!(code, 0, "the written config loads: {err}");
    }
}

#[test]
fn the_history_factor_raises_the_score_of_files_reverted_before() {
    let (t, _) = history();
    t.branch("feature");
    // A large enough change that the context term shows in whole points.
    t.write("db/migrations/0000_drop.sql", "SELECT 1;\n".repeat(300));
    t.write("db/migrations/0005_drop.sql", "SELECT 2;\n".repeat(300));
    t.commit("touch a file with a history of reverts");
    let score = |extra: &[&str]| -> u64 {
        let (_, out, _) = run(t
            .riskgate()
            .args(["check", "--base", "main", "--format", "json"])
            .args(extra));
        json(&out)["score"]["value"].as_u64().unwrap()
    };
    let with = score(&[]);
    let without = score(&["--no-history"]);
    assert!(with > without, "{with} vs {without}");
    let (_, out, _) = run(t.riskgate().args(["check", "--base", "main", "--format", "json"]));
    let r = json(&out);
    assert!(
        r["score"]["contributions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["factor"] == "history"),
        "{r}"
    );
    assert!(
        t.path().join(".git/riskgate/history.tsv").exists(),
        "the scan is cached under .git/riskgate"
    );
}
