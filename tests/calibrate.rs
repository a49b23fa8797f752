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
    // 91 days on: every change above has had its 90 days; this last one has not.
    t.advance(91 * 86_400);
    t.write("src/late.py", "late = 1\n");
    t.commit("A late change");
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
    for scorer in ["log(LA+LD)", "directories", "not-bot×dirs", "random"] {
        assert!(l1.contains(&format!("| {scorer} |")), "{out}");
    }
    assert!(l1.contains(&format!("warning: only {reverted} L1 positives;")), "{out}");
    // The comparison that decides: riskgate against each baseline on the same resamples.
    assert!(l1.contains("riskgate − log(LA+LD): ΔAUC +"), "{out}");
    assert!(l1.contains("1,000 paired resamples): riskgate ranks better"), "{out}");
    let (_, json_out, _) = run(t.riskgate().args(["calibrate", "--limit", "200", "--format", "json"]));
    let v = json(&json_out);
    assert!(v["metrics"]["L1"]["riskgate"]["auc"].as_f64().unwrap() > 0.9);
    let vs_size = &v["paired"]["L1"]["log(LA+LD)"];
    assert!(vs_size["auc_difference"].as_f64().unwrap() > 0.0, "{vs_size}");
    assert!(vs_size["ci"][0].as_f64().unwrap() > 0.0, "{vs_size}");
    assert!(v["paired"]["L2"]["not-bot×dirs"]["ci"].is_array(), "{json_out}");
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
    // What is known at the merge base is remembered: the next run reads it, not the history,
    // and gets the same score; a different history limit is another question.
    let base = std::process::Command::new("git")
        .args(["rev-parse", "main"])
        .current_dir(t.path())
        .output()
        .unwrap();
    let base = String::from_utf8_lossy(&base.stdout).trim().to_string();
    let known = t.path().join(format!(".git/riskgate/known/{base}.tsv"));
    assert!(known.exists(), "the merge base's result is remembered");
    std::fs::remove_file(t.path().join(".git/riskgate/history.tsv")).unwrap();
    assert_eq!(score(&[]), with);
    assert!(
        !t.path().join(".git/riskgate/history.tsv").exists(),
        "the remembered result was read, not the history"
    );
    let elsewhere = tempfile::tempdir().unwrap();
    let config = elsewhere.path().join("riskgate.toml");
    std::fs::write(&config, "[score]\nhistory_limit = 3\n").unwrap();
    let (code, _, err) = run(t.riskgate().args(["check", "--base", "main", "--config"]).arg(&config));
    assert!(code != 2, "{err}");
    assert!(
        t.path().join(".git/riskgate/history.tsv").exists(),
        "another key scans again"
    );
}

/// Labels and features known by construction, read through the library as `calibrate` does.
mod flaws {
    use super::*;
    use riskgate::calibrate::{run as calibrate, Sample};
    use riskgate::config::{Config, SourceText};

    fn samples(t: &TestRepo, config: &str) -> Vec<Sample> {
        let repo = riskgate::diff::git::Repo::discover(t.path()).unwrap();
        let config = Config::parse(SourceText {
            name: "riskgate.toml".into(),
            text: config.into(),
        })
        .unwrap();
        let rules = riskgate::registry::RuleSet::load(&config, &[]).unwrap();
        calibrate(&repo, &config, &rules, "HEAD", 100, &|_, _| {})
            .unwrap()
            .samples
    }

    fn summary_of(t: &TestRepo, sha: &str) -> String {
        t.repo
            .find_commit(git2::Oid::from_str(sha).unwrap())
            .unwrap()
            .summary()
            .unwrap()
            .to_string()
    }

    /// Source changed without a test; then with one; a revert; a late change.
    fn repository() -> TestRepo {
        let t = TestRepo::new();
        t.write("src/app.py", "x = 1\n");
        let bare = t.commit("Source without a test");
        t.write("src/app.py", "x = 2\n");
        t.write("tests/test_app.py", "def test_x():\n    assert True\n");
        t.commit("Source with its test");
        t.commit(&format!(
            "Revert \"Source without a test\"\n\nThis reverts commit {bare}."
        ));
        t.advance(91 * 86_400);
        t.write("docs/late.md", "late\n");
        t.commit("A late change");
        t
    }

    #[test]
    fn the_no_tests_feature_reads_the_kinds_check_reads() {
        let t = repository();
        let by_summary: Vec<(String, f64)> = samples(&t, "")
            .iter()
            .map(|s| (summary_of(&t, &s.sha), s.features[3]))
            .collect();
        assert!(
            by_summary.contains(&("Source without a test".to_string(), 1.0)),
            "{by_summary:?}"
        );
        assert!(
            by_summary.contains(&("Source with its test".to_string(), 0.0)),
            "{by_summary:?}"
        );
    }

    #[test]
    fn changes_whose_window_is_open_are_left_out_unless_already_bad() {
        let t = repository();
        let kept: Vec<String> = samples(&t, "").iter().map(|s| summary_of(&t, &s.sha)).collect();
        assert!(!kept.contains(&"A late change".to_string()), "{kept:?}");
        assert!(kept.contains(&"Source without a test".to_string()), "{kept:?}");
    }

    #[test]
    fn a_pull_request_that_fixes_its_own_bug_is_not_labelled_by_it() {
        let t = TestRepo::new();
        t.write("src/pay.py", "def pay():\n    return 1\n");
        t.commit("Payments");
        t.branch("fix-crash");
        t.write("src/pay.py", "def pay():\n    return retry(1)\n");
        t.commit("Add retries");
        t.write("src/pay.py", "def pay():\n    return retry(1, limit=3)\n");
        t.commit("Fix crash in retries");
        t.checkout("main");
        let merge = t.merge("fix-crash", "Merge pull request #1 from dev/fix-crash");
        t.advance(91 * 86_400);
        t.write("docs/late.md", "late\n");
        t.commit("A late change");
        let labelled: Vec<(String, bool)> = samples(&t, "").iter().map(|s| (summary_of(&t, &s.sha), s.l2)).collect();
        assert!(
            labelled.contains(&(summary_of(&t, &merge), false)),
            "the merge is not fix-inducing by its own commits: {labelled:?}"
        );
    }

    #[test]
    fn an_incident_recorded_without_its_fix_still_labels_its_cause() {
        let t = repository();
        let cause = t.repo.revparse_single("HEAD~2").unwrap().id().to_string();
        t.write(
            ".riskgate/incidents.toml",
            format!("[[incident]]\ncause = \"{cause}\"\nsummary = \"outage\"\n"),
        );
        t.commit("Record an incident");
        let labelled: Vec<(String, bool, bool)> = samples(&t, "")
            .iter()
            .map(|s| (summary_of(&t, &s.sha), s.l1, s.incident))
            .collect();
        assert!(
            labelled.contains(&("Source with its test".to_string(), true, true)),
            "{labelled:?}"
        );
    }

    #[test]
    fn no_history_in_the_policy_is_no_history_in_calibrate() {
        let t = repository();
        t.write("src/app.py", "x = 3\n");
        t.commit("Touch the reverted file again");
        t.advance(91 * 86_400);
        t.write("docs/later.md", "later\n");
        t.commit("Later still");
        let history = |config: &str| -> f64 {
            samples(&t, config)
                .iter()
                .find(|s| summary_of(&t, &s.sha) == "Touch the reverted file again")
                .map(|s| s.features[4])
                .unwrap()
        };
        assert!(history("") > 0.0);
        assert_eq!(history("[score]\nno_history = true\n"), 0.0);
    }

    /// SZZ by blame: a fix labels the change that wrote the lines it rewrites, not the last
    /// change to its file; looks through a formatting pass; and a fix that only adds lines labels
    /// the last change to its file only when it follows within a week.
    #[test]
    fn fixes_label_the_changes_their_rewritten_lines_come_from() {
        let t = TestRepo::new();
        t.write("src/pay.py", "def pay(amount, rate):\n    return amount * rate\n");
        t.commit("Add payments");
        t.write("src/pay.py", "def pay(amount, rate):\n    return amount * rate * 2\n");
        t.commit("Charge the fee twice");
        t.write(
            "src/pay.py",
            "def pay(amount, rate):\n    return amount * rate * 2\n\n\ndef refund(amount):\n    return -amount\n",
        );
        t.commit("Add refunds to payments");
        t.write("src/tax.py", "def tax(amount):\n    return amount*0.2\n");
        t.commit("Add tax");
        t.write("src/tax.py", "def tax(amount):\n    return amount * 0.2\n");
        t.commit("Run ruff formatting");
        t.write("src/export.py", "def export(rows):\n    return list(rows)\n");
        t.commit("Add export");
        t.advance(2 * 86_400);
        t.write("src/notify.py", "def notify(user):\n    send(user)\n");
        t.commit("Add notifications");
        t.advance(2 * 86_400);
        t.write(
            "src/pay.py",
            "def pay(amount, rate):\n    return amount * rate\n\n\ndef refund(amount):\n    return -amount\n",
        );
        t.commit("Fix double charge");
        t.write("src/tax.py", "def tax(amount):\n    return amount * 0.25\n");
        t.commit("Fix tax rate");
        // Only adds lines: no line to blame; the last change to the file came 4 days before.
        t.write(
            "src/notify.py",
            "def notify(user):\n    assert user is not None\n    send(user)\n",
        );
        t.commit("Fix crash when notifying nobody");
        t.advance(20 * 86_400);
        // Only adds lines, 24 days after the last change to its file: labels nothing.
        t.write(
            "src/export.py",
            "def export(rows):\n    rows = rows or []\n    return list(rows)\n",
        );
        t.commit("Fix export of no rows");
        // A feature that closes an issue is no fix, though it rewrites a line.
        t.write(
            "src/export.py",
            "def export(rows):\n    rows = rows or []\n    return list(rows) + extra(rows)\n",
        );
        t.commit("Export extra columns too (fixes #31)");
        t.advance(91 * 86_400);
        t.write("docs/late.md", "late\n");
        t.commit("A late change");
        let labelled: Vec<(String, bool)> = samples(&t, "").iter().map(|s| (summary_of(&t, &s.sha), s.l2)).collect();
        let l2 = |summary: &str| {
            labelled
                .iter()
                .find(|(s, _)| s == summary)
                .unwrap_or_else(|| panic!("{summary} scored: {labelled:?}"))
                .1
        };
        assert!(l2("Charge the fee twice"), "{labelled:?}");
        assert!(
            !l2("Add refunds to payments"),
            "the last change to the file is not blamed: {labelled:?}"
        );
        assert!(!l2("Add payments"), "{labelled:?}");
        assert!(l2("Add tax"), "through the formatting pass: {labelled:?}");
        assert!(!l2("Run ruff formatting"), "{labelled:?}");
        assert!(l2("Add notifications"), "a follow-up fix within a week: {labelled:?}");
        assert!(
            !l2("Add export"),
            "a fix that only adds lines, weeks later: {labelled:?}"
        );
        // The text says how the fixes were read.
        let (code, out, err) = run(t.riskgate().args(["calibrate", "--limit", "100"]));
        assert_eq!(code, 0, "{err}");
        assert!(
            out.contains("L2's fixes: 4 read, 2 whose removed or rewritten lines blame an earlier change (SZZ), 0 with a file blame could not read"),
            "{out}"
        );
    }

    #[test]
    fn a_later_fix_from_outside_labels_a_pull_request_that_also_fixed_itself() {
        let t = TestRepo::new();
        t.write("src/pay.py", "def pay():\n    return 1\n");
        t.commit("Payments");
        t.branch("retries");
        t.write("src/pay.py", "def pay():\n    n = retry(1)\n    return n\n");
        t.commit("Add retries");
        t.write("src/pay.py", "def pay():\n    n = retry(1, limit=3)\n    return n\n");
        t.commit("Fix crash in retries");
        t.checkout("main");
        let merge = t.merge("retries", "Merge pull request #1 from dev/retries");
        t.advance(86_400);
        // Rewrites the line "Add retries" wrote, which the branch's own fix left alone.
        t.write(
            "src/pay.py",
            "def pay():\n    n = retry(1, limit=3)\n    return n or 0\n",
        );
        t.commit("Fix crash when retries run out");
        t.advance(91 * 86_400);
        t.write("docs/late.md", "late\n");
        t.commit("A late change");
        let labelled: Vec<(String, bool)> = samples(&t, "").iter().map(|s| (summary_of(&t, &s.sha), s.l2)).collect();
        assert!(
            labelled.contains(&(summary_of(&t, &merge), true)),
            "the outside fix labels the merge its own fix did not: {labelled:?}"
        );
    }
}

#[test]
fn a_cold_history_scan_read_on_two_threads_equals_one_read_as_it_walks() {
    // 300 commits: more than the cold scan reads ahead on two threads.
    let t = TestRepo::new();
    for i in 0..300 {
        t.write(&format!("src/m{}.py", i % 7), format!("x = {i}\n"));
        let sha = t.commit(&format!("Change {i}"));
        if i % 50 == 49 {
            t.remove(&format!("src/m{}.py", i % 7));
            t.commit(&format!("Revert \"Change {i}\"\n\nThis reverts commit {sha}."));
        }
    }
    let repo = riskgate::diff::git::Repo::discover(t.path()).unwrap();
    use riskgate::history::{scan, Cache};
    // Read ahead: every commit is missing from the cache.
    let read_ahead = scan(&repo, "HEAD", 1_000, Cache::default()).unwrap();
    let ahead = Cache::load(&repo);
    // One thread, as the walk goes: two scans that each miss fewer commits than read-ahead needs.
    scan(&repo, "HEAD~150", 1_000, Cache::default()).unwrap();
    let as_walked = scan(&repo, "HEAD", 1_000, Cache::load(&repo)).unwrap();
    let walked = Cache::load(&repo);
    assert_eq!(read_ahead.len(), 307, "300 changes, 6 reverts and the first commit");
    assert_eq!(read_ahead, as_walked);
    assert_eq!(ahead.commits.len(), 307);
    assert_eq!(ahead.commits, walked.commits);
}

#[test]
fn the_paths_a_commit_changes_are_read_from_the_trees_that_differ() {
    let t = TestRepo::new();
    t.write("a/b/keep.txt", "same\n");
    t.write("a/b/edit.txt", "1\n");
    t.write("a/gone.txt", "x\n");
    t.write("tool.sh", "echo\n");
    t.write("vendor/big/1.svg", "<svg/>\n");
    t.commit("base");
    t.write("a/b/edit.txt", "2\n");
    t.remove("a/gone.txt");
    t.write("a/c/new.txt", "n\n");
    t.remove("tool.sh");
    t.write("tool.sh/run.sh", "echo\n");
    let head = t.commit("change");
    let repo = riskgate::diff::git::Repo::discover(t.path()).unwrap();
    let mut paths = repo.paths_changed(&head).unwrap();
    paths.sort();
    // The untouched `vendor/` tree and `a/b/keep.txt` are not read; a file that became a folder
    // counts on both sides.
    assert_eq!(
        paths,
        vec!["a/b/edit.txt", "a/c/new.txt", "a/gone.txt", "tool.sh", "tool.sh/run.sh"]
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(t.path().join("a/b/keep.txt"), std::fs::Permissions::from_mode(0o755)).unwrap();
        let head = t.commit("mode only");
        assert_eq!(repo.paths_changed(&head).unwrap(), vec!["a/b/keep.txt"]);
    }
}

/// The context of `check`'s score: a lockfile's lines are not the size of a change, and a change
/// every commit of which a bot wrote starts from a lower base rate.
#[test]
fn a_bots_lockfile_bump_is_neither_large_nor_a_persons_change() {
    let t = TestRepo::new();
    let lock = |v: u32| -> String {
        (0..600)
            .map(|i| format!("name = \"crate{i}\"\nversion = \"1.{v}.{i}\"\n"))
            .collect()
    };
    t.write("Cargo.lock", lock(0));
    t.write("Cargo.toml", "[dependencies]\nserde = \"1.0.1\"\n");
    t.commit("Lock");
    t.branch("bump");
    t.write("Cargo.lock", lock(1));
    t.write("Cargo.toml", "[dependencies]\nserde = \"1.0.2\"\n");
    // A vendored source the bump rewrites, so that the context shows in whole points.
    t.write("vendor/serde/src/lib.rs", "pub fn f() {}\n".repeat(400));
    t.stage();
    let git = |name: &str| {
        let out = std::process::Command::new("git")
            .args(["-c", &format!("user.name={name}"), "-c", "user.email=bot@example.com"])
            .args(["commit", "-q", "-m", "Bump serde from 1.0.1 to 1.0.2"])
            .current_dir(t.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    };
    git("dependabot[bot]");
    let contributions = || -> (u64, Vec<(String, String)>) {
        let (_, out, err) = run(t.riskgate().args(["check", "--base", "main", "--format", "json"]));
        let r = json(&out);
        let list = r["score"]["contributions"]
            .as_array()
            .unwrap_or_else(|| panic!("{out}{err}"))
            .iter()
            .filter_map(|c| Some((c["factor"].as_str()?.to_string(), c["hint"].as_str()?.to_string())))
            .collect();
        (r["score"]["value"].as_u64().unwrap(), list)
    };
    let (bot_score, by_bot) = contributions();
    assert!(
        by_bot.iter().any(|(f, h)| f == "size" && h == "402 lines changed"),
        "the lockfile's 2,400 lines are not the change's size: {by_bot:?}"
    );
    // The same change by a person.
    let amend = |name: &str| {
        let out = std::process::Command::new("git")
            .args(["-c", &format!("user.name={name}"), "-c", "user.email=bot@example.com"])
            .args(["commit", "-q", "--amend", "--reset-author", "--no-edit"])
            .current_dir(t.path())
            .output()
            .unwrap();
        assert!(out.status.success());
    };
    amend("Dana");
    let (person_score, by_person) = contributions();
    assert!(person_score > bot_score, "{person_score} {bot_score}");
    assert!(
        by_person.contains(&("size".to_string(), "402 lines changed".to_string())),
        "{by_person:?}"
    );
    // When the score gates, an author's name, which the change chooses, lowers nothing.
    let elsewhere = tempfile::tempdir().unwrap();
    let gating = elsewhere.path().join("riskgate.toml");
    std::fs::write(&gating, "[gate]\nblock_on_score = \"critical\"\n").unwrap();
    let score_with = |config: &std::path::Path| -> u64 {
        let (_, out, _) = run(t
            .riskgate()
            .args(["check", "--base", "main", "--format", "json", "--config"])
            .arg(config));
        json(&out)["score"]["value"].as_u64().unwrap()
    };
    amend("dependabot[bot]");
    assert_eq!(score_with(&gating), person_score);
}
