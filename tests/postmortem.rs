//! `riskgate postmortem` on real repositories: the incident riskgate exists for, a change it
//! missed, and what recording an incident does to later changes and to `calibrate`.

mod common;
use common::*;

const TYPE_BEFORE: &str = "use serde::{Deserialize, Serialize};\n\n/// Stored as JSON in users.prefs.\n#[derive(Serialize, Deserialize)]\npub struct UserPrefs {\n    pub color: String,\n    pub newsletter: bool,\n}\n";
const TYPE_AFTER: &str = "use serde::{Deserialize, Serialize};\n\n/// Stored as JSON in users.prefs.\n#[derive(Serialize, Deserialize)]\npub struct UserPrefs {\n    pub theme: String,\n    pub newsletter: bool,\n}\n";
const TYPE_FIXED: &str = "use serde::{Deserialize, Serialize};\n\n/// Stored as JSON in users.prefs.\n#[derive(Serialize, Deserialize)]\npub struct UserPrefs {\n    #[serde(alias = \"color\")]\n    pub theme: String,\n    pub newsletter: bool,\n}\n";

/// The demo's incident: a JSON column reshaped and its serde type renamed on a branch, merged
/// without a plan, then fixed two commits later. Returns (repo, cause, merge, fix).
fn json_column_incident() -> (TestRepo, String, String, String) {
    let t = TestRepo::new();
    t.write(
        "migrations/2026-01-01-000000_users/up.sql",
        "CREATE TABLE users (\n    id bigint PRIMARY KEY,\n    prefs jsonb NOT NULL DEFAULT '{}'\n);\n",
    );
    t.write("migrations/2026-01-01-000000_users/down.sql", "DROP TABLE users;\n");
    t.write("src/prefs.rs", TYPE_BEFORE);
    t.commit("Users with JSON preferences");
    t.branch("reshape-prefs");
    t.write(
        "migrations/2026-02-01-000000_prefs_theme/up.sql",
        "UPDATE users\n   SET prefs = jsonb_set(prefs - 'color', '{theme}', to_jsonb(prefs->>'color'));\n",
    );
    t.write("migrations/2026-02-01-000000_prefs_theme/down.sql", "SELECT 1;\n");
    t.write("src/prefs.rs", TYPE_AFTER);
    let cause = t.commit("Rename prefs.color to prefs.theme");
    t.checkout("main");
    let merge = t.merge("reshape-prefs", "Merge branch 'reshape-prefs'");
    t.write("docs/settings.md", "# Settings\n");
    t.commit("Document the settings page");
    t.write("src/prefs.rs", TYPE_FIXED);
    let fix = t.commit("Fix settings crash: read preferences stored under the old key");
    (t, cause, merge, fix)
}

/// The draft without the line that carries today's date.
fn dated_out(draft: &str) -> String {
    draft
        .lines()
        .map(|l| {
            if l.starts_with("_A draft by `riskgate postmortem`, ") {
                "_A draft by `riskgate postmortem`, [today]. …_"
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_json_column_incident_would_have_been_blocked_and_its_timeline_has_three_commits() {
    let (t, cause, merge, fix) = json_column_incident();
    let (code, out, err) = run(t.riskgate().args(["postmortem", &cause, "--fixed-by", &fix]));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("- **Would riskgate have blocked it?** **yes**: the gate blocked it"),
        "{out}"
    );
    let timeline: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.starts_with("## Timeline"))
        .filter(|l| l.starts_with("| 20"))
        .collect();
    let commits: Vec<(&str, &str)> = timeline
        .iter()
        .map(|row| {
            let cells: Vec<&str> = row.split(" | ").collect();
            (cells[1], &cells[2][1..8])
        })
        .collect();
    assert_eq!(
        commits,
        vec![
            ("authored", &cause[..7]),
            ("committed", &cause[..7]),
            ("merged", &merge[..7]),
            ("fixed", &fix[..7]),
        ],
        "{out}"
    );
    insta::assert_snapshot!("postmortem_json_column_incident", dated_out(&out));
    // Recorded with full shas, once.
    let recorded = std::fs::read_to_string(t.file(".riskgate/incidents.toml")).unwrap();
    assert!(recorded.contains(&format!("cause = \"{cause}\"\nfixed_by = \"{fix}\"\nsummary = \"Fix settings crash: read preferences stored under the old key\"\n")), "{recorded}");
    let (_, _, err) = run(t.riskgate().args(["postmortem", &cause, "--fixed-by", &fix]));
    assert!(err.contains("already recorded"), "{err}");
    assert_eq!(
        std::fs::read_to_string(t.file(".riskgate/incidents.toml")).unwrap(),
        recorded
    );
    // Named by its fix alone, the fix only adds a line: the cause is a candidate from the lines
    // beside it, the verdict is the candidate's, and nothing is recorded or proposed.
    std::fs::remove_file(t.file(".riskgate/incidents.toml")).unwrap();
    let (code, guessed, err) = run(t.riskgate().args(["postmortem", "HEAD"]));
    assert_eq!(code, 0, "{err}");
    assert!(
        guessed.contains(&format!("- **Cause:** `{}` “Rename prefs.color to prefs.theme” (**a candidate, not a finding**: the fix only adds lines, and 1 of the lines beside them were last changed there, and as many in another change.", &cause[..7])),
        "{guessed}"
    );
    assert!(
        guessed.contains("- **Would riskgate have blocked the candidate?** **yes**"),
        "{guessed}"
    );
    assert!(guessed.contains("None until the cause is named"), "{guessed}");
    assert!(
        err.contains("the incident is not recorded: the cause is a candidate from blame"),
        "{err}"
    );
    assert!(!t.file(".riskgate/incidents.toml").exists());
    // The merge named as the cause: the pull request it landed is what was judged.
    let (code, by_merge, err) = run(t
        .riskgate()
        .args(["postmortem", &merge, "--fixed-by", &fix, "--no-record"]));
    assert_eq!(code, 0, "{err}");
    assert!(
        by_merge.contains(&format!("| merged | `{}` “Merge branch 'reshape-prefs'”", &merge[..7])),
        "{by_merge}"
    );
    assert!(
        by_merge.contains(&format!("..{}`, 1 commit, 3 files", &cause[..7])),
        "{by_merge}"
    );
    assert!(
        by_merge.contains("- **Would riskgate have blocked it?** **yes**"),
        "{by_merge}"
    );
    assert!(!t.file(".riskgate/incidents.toml").exists(), "--no-record");
}

#[test]
fn without_git_on_the_path_libgit2_finds_the_same_cause() {
    let (t, cause, _, fix) = json_column_incident();
    let empty = tempfile::tempdir().unwrap();
    let (code, out, err) = run(t
        .riskgate()
        .env("PATH", empty.path())
        .args(["postmortem", "HEAD", "--no-record"]));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(&format!("- **Cause:** `{}` “Rename prefs.color to prefs.theme” (**a candidate, not a finding**: the fix only adds lines, and 1 of the lines beside them were last changed there, and as many in another change. Read blind on 24 real fixes, blame's best candidate was the cause 2 times; confirm it and record the incident with `riskgate postmortem CAUSE --fixed-by {}`)", &cause[..7], &fix[..7])),
        "{out}"
    );
}

#[test]
fn a_revert_names_its_cause_and_a_plan_that_was_committed_is_shown() {
    let (t, cause, _, _) = json_column_incident();
    t.branch_at("planned", &format!("{cause}~1"));
    std::fs::write(t.file("src/prefs.rs"), TYPE_AFTER).unwrap();
    t.write(
        "migrations/2026-02-01-000000_prefs_theme/up.sql",
        "UPDATE users\n   SET prefs = jsonb_set(prefs - 'color', '{theme}', to_jsonb(prefs->>'color'));\n",
    );
    t.write("migrations/2026-02-01-000000_prefs_theme/down.sql", "SELECT 1;\n");
    t.write(
        "ROLLBACK.md",
        "# Rollback plan\n\n## Trigger\nThe prefs_decode_errors alert above 1 per minute for 5 minutes.\n\n## Backup\n`CREATE TABLE users_prefs_backup AS SELECT id, prefs FROM users;` before the deploy.\n\n## Rollback steps\n1. Redeploy v1.4.2 (10 min).\n2. `UPDATE users u SET prefs = b.prefs FROM users_prefs_backup b WHERE b.id = u.id;` (5 min)\n\n## Data\nPreferences changed after the deploy are lost on restore.\n\n## Verification\n`SELECT count(*) FROM users WHERE prefs ? 'color'` matches the backup.\n\n## Owner\nThe accounts team on call.\n",
    );
    let planned = t.commit("Rename prefs.color to prefs.theme, with a plan");
    t.write("src/prefs.rs", TYPE_BEFORE);
    t.remove("migrations/2026-02-01-000000_prefs_theme/up.sql");
    t.remove("migrations/2026-02-01-000000_prefs_theme/down.sql");
    t.commit(&format!(
        "Revert \"Rename prefs.color to prefs.theme, with a plan\"\n\nThis reverts commit {planned}."
    ));
    let (code, out, err) = run(t.riskgate().args(["postmortem", "HEAD", "--no-record"]));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(&format!(
            "- **Cause:** `{}` “Rename prefs.color to prefs.theme, with a plan” (the revert names it)",
            &planned[..7]
        )),
        "{out}"
    );
    assert!(
        out.contains(
            "**no, with a plan**: the gate required a rollback plan, and it passed with the plan in `ROLLBACK.md`"
        ),
        "{out}"
    );
    assert!(out.contains("| reverted |"), "{out}");
    assert!(
        out.contains("<details><summary>The plan as committed</summary>"),
        "{out}"
    );
    assert!(out.contains("It landed on the first-parent line directly"), "{out}");
    assert!(
        !t.file(".riskgate/incidents.toml").exists(),
        "--no-record writes nothing"
    );
}

#[test]
fn a_waived_finding_and_an_untested_function_on_the_fixed_file_become_remedies() {
    let t = TestRepo::new();
    t.write("src/prefs.rs", format!("{TYPE_BEFORE}\npub fn css_class(prefs: &UserPrefs) -> String {{\n    format!(\"theme-{{}}\", prefs.color)\n}}\n"));
    t.commit("Preferences");
    let waived = TYPE_AFTER.replace(
        "    pub theme: String,",
        "    // riskgate: allow(serde-shape-changed) reason=\"nothing stores it yet\"\n    pub theme: String,",
    );
    t.write("src/prefs.rs", format!("{waived}\npub fn css_class(prefs: &UserPrefs) -> String {{\n    format!(\"theme-{{}}\", prefs.theme)\n}}\n"));
    let cause = t.commit("Rename the colour preference");
    t.write(
        "src/prefs.rs",
        format!(
            "{}\npub fn css_class(prefs: &UserPrefs) -> String {{\n    format!(\"theme-{{}}\", prefs.theme)\n}}\n",
            waived.replace(
                "    pub theme: String,",
                "    #[serde(alias = \"color\")]\n    pub theme: String,"
            )
        ),
    );
    let fix = t.commit("Read the old name too");
    let (code, out, err) = run(t
        .riskgate()
        .args(["postmortem", &cause, "--fixed-by", &fix, "--no-record"]));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("| `src/prefs.rs` | +1 −0 | `serde-shape-changed:7 (waived)`, `untested-file-changed:"),
        "{out}"
    );
    assert!(
        out.contains("`serde-shape-changed at src/prefs.rs:7` was waived (`inline:src/prefs.rs:6`, reason: nothing stores it yet) on a file the fix had to change."),
        "{out}"
    );
    assert!(
        out.contains("No test referred to `css_class` in `src/prefs.rs` when the change was merged"),
        "{out}"
    );
}

/// A change riskgate says nothing about: an upload limit cut a thousandfold, fixed a day later.
fn missed_change(fix_message: &str) -> (TestRepo, String, String) {
    let t = TestRepo::new();
    t.write(
        "src/limits.rs",
        "pub const MAX_UPLOAD_BYTES: usize = 10_000_000;\n\npub fn allowed(size: usize) -> bool {\n    size <= MAX_UPLOAD_BYTES\n}\n",
    );
    t.write(
        "tests/limits.rs",
        "use app::limits::allowed;\n\n#[test]\nfn allows_small_uploads() {\n    assert!(allowed(10));\n}\n",
    );
    t.commit("Upload limits");
    t.write(
        "src/limits.rs",
        "pub const MAX_UPLOAD_BYTES: usize = 1_000;\n\npub fn allowed(size: usize) -> bool {\n    size <= MAX_UPLOAD_BYTES\n}\n",
    );
    let cause = t.commit("Tighten uploads");
    t.write(
        "src/limits.rs",
        "pub const MAX_UPLOAD_BYTES: usize = 10_000_000;\n\npub fn allowed(size: usize) -> bool {\n    size <= MAX_UPLOAD_BYTES\n}\n",
    );
    let fix = t.commit(fix_message);
    (t, cause, fix)
}

fn toml_block_after<'a>(draft: &'a str, heading: &str) -> &'a str {
    let rest = &draft[draft
        .find(heading)
        .unwrap_or_else(|| panic!("no `{heading}` in\n{draft}"))..];
    let start = rest.find("```toml\n").unwrap() + "```toml\n".len();
    &rest[start..start + rest[start..].find("\n```").unwrap()]
}

const STORE_BEFORE: &str = "pub fn store(upload: &[u8]) -> std::io::Result<()> {\n    write_to_disk(upload)\n}\n";
const STORE_CAUSE: &str = "pub fn store(upload: &[u8]) -> std::io::Result<()> {\n    let upload = compress_in_place(upload)?;\n    write_to_disk(&upload)\n}\n";

/// A change riskgate says nothing about that brings in something new (compressing uploads
/// on the fly), taken out by the fix.
fn missed_construct() -> (TestRepo, String, String) {
    let t = TestRepo::new();
    t.write("src/uploads.rs", STORE_BEFORE);
    t.write(
        "tests/uploads.rs",
        "use app::uploads::store;\n\n#[test]\nfn stores() {\n    store(b\"x\").unwrap();\n}\n",
    );
    t.commit("Uploads");
    t.write("src/uploads.rs", STORE_CAUSE);
    let cause = t.commit("Compress uploads on the fly");
    t.write("src/uploads.rs", STORE_BEFORE);
    let fix = t.commit("Fix corrupted uploads");
    (t, cause, fix)
}

#[test]
fn a_missed_change_gets_a_pack_rule_that_makes_check_report_it() {
    let (t, cause, fix) = missed_construct();
    let range = ["--base", &format!("{cause}~1"), "--head", &cause, "--format", "json"];
    let (code, before, err) = run(t.riskgate().arg("check").args(range));
    assert_eq!(code, 0, "{err}");
    assert!(json(&before)["findings"].as_array().unwrap().is_empty(), "{before}");

    // Named by its fix alone, the cause is a candidate from blame, and no rule comes of it.
    let (code, out, err) = run(t.riskgate().args(["postmortem", &fix, "--no-record"]));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(&format!("- **Cause:** `{}` “Compress uploads on the fly” (**a candidate, not a finding**: 2 of the lines the fix removes or rewrites were last changed there.", &cause[..7])),
        "{out}"
    );
    assert!(!out.contains("A rule for the repository's own pack"), "{out}");
    // Named, it is.
    let (code, out, err) = run(t
        .riskgate()
        .args(["postmortem", &cause, "--fixed-by", &fix, "--no-record"]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("- **Would riskgate have blocked it?** **no**"), "{out}");
    assert!(out.contains("| `src/uploads.rs` | +1 −2 | **none** |"), "{out}");
    let id = format!("incident-{}-uploads", &cause[..7]);
    let rule = toml_block_after(&out, &format!("A rule for the repository's own pack: `{id}`"));
    assert!(rule.contains("added = '\\bcompress_in_place\\b'"), "{rule}");

    // The team adopts the rule, and the same change, made again on top, is reported.
    t.branch_at("adopt", &format!("{cause}~1"));
    t.write(".riskgate/rules/incidents.toml", rule);
    t.write("riskgate.toml", "[rules]\npacks = [\".riskgate/rules/*.toml\"]\n");
    let policy = t.commit("Adopt the incident's rule");
    t.write("src/uploads.rs", STORE_CAUSE);
    t.commit("Compress uploads again");
    let (code, report, err) = run(t.riskgate().args(["check", "--base", &policy, "--format", "json"]));
    assert_eq!(code, 0, "a medium rule ranks and explains, it does not block: {err}");
    let hits = hits(&json(&report));
    assert_eq!(
        hits,
        vec![(id.clone(), "src/uploads.rs".to_string(), Some(2))],
        "{report}"
    );
}

#[test]
fn a_value_put_back_gives_no_rule() {
    // The fix restores a constant the file always named: a rule on its name would flag every
    // edit of the limit, the fix included.
    let (t, cause, fix) = missed_change("Fix uploads failing over 1 kB");
    let (code, out, err) = run(t
        .riskgate()
        .args(["postmortem", &cause, "--fixed-by", &fix, "--no-record"]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("| `src/limits.rs` | +1 −1 | **none** |"), "{out}");
    assert!(!out.contains("A rule for the repository's own pack"), "{out}");
}

#[test]
fn blame_looks_through_a_lint_pass_to_the_change_it_reformatted() {
    let (t, cause, _) = missed_change("Restore the upload limit");
    t.branch_at("linted", &cause);
    t.write(
        "src/limits.rs",
        "pub const MAX_UPLOAD_BYTES: usize = 1000;\n\npub fn allowed(size: usize) -> bool {\n    size <= MAX_UPLOAD_BYTES\n}\n",
    );
    t.commit("Fix clippy lints: inconsistent digit grouping");
    t.write(
        "src/limits.rs",
        "pub const MAX_UPLOAD_BYTES: usize = 10_000_000;\n\npub fn allowed(size: usize) -> bool {\n    size <= MAX_UPLOAD_BYTES\n}\n",
    );
    t.commit("Fix uploads failing over 1 kB");
    let (code, out, err) = run(t.riskgate().args(["postmortem", "HEAD"]));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(&format!(
            "- **Cause:** `{}` “Tighten uploads” (**a candidate, not a finding**: 1 of the lines the fix removes or rewrites were last changed there.",
            &cause[..7]
        )),
        "{out}"
    );
    assert!(err.contains("the incident is not recorded"), "{err}");
}

#[test]
fn an_old_cause_or_a_tie_is_said_beside_the_candidate() {
    // A line written two years before the fix: likely there from the start.
    let t = TestRepo::new();
    t.write(
        "src/rate.py",
        "def limit(user):\n    return 100 if user.is_staff else 10\n",
    );
    let old = t.commit("Rate limits");
    t.advance(2 * 365 * 86_400);
    t.write(
        "src/rate.py",
        "def limit(user):\n    return 100 if user.is_staff and user.is_active else 10\n",
    );
    t.commit("Fix rate limit for deactivated staff");
    let (code, out, err) = run(t.riskgate().args(["postmortem", "HEAD"]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&format!("- **Cause:** `{}` “Rate limits” (**a candidate, not a finding**: 1 of the lines the fix removes or rewrites were last changed there; it is more than a year older than the fix, so the defect may have been there from the start.", &old[..7])), "{out}");
    assert!(
        err.contains("the incident is not recorded: the cause is a candidate from blame"),
        "{err}"
    );

    // Two changes, one line each: neither is the cause for sure.
    let t = TestRepo::new();
    t.write(
        "src/rate.py",
        "def limit(user):\n    return 10\n\n\ndef burst(user):\n    return 5\n",
    );
    t.commit("Rate limits");
    t.write(
        "src/rate.py",
        "def limit(user):\n    return 1\n\n\ndef burst(user):\n    return 5\n",
    );
    let first = t.commit("Tighten the limit");
    t.write(
        "src/rate.py",
        "def limit(user):\n    return 1\n\n\ndef burst(user):\n    return 0\n",
    );
    let second = t.commit("Tighten the burst");
    t.write(
        "src/rate.py",
        "def limit(user):\n    return 10\n\n\ndef burst(user):\n    return 5\n",
    );
    t.commit("Fix requests rejected for everyone");
    let (code, out, err) = run(t.riskgate().args(["postmortem", "HEAD", "--no-record"]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&format!("- **Cause:** `{}` “Tighten the burst” (**a candidate, not a finding**: 1 of the lines the fix removes or rewrites were last changed there, and as many in another change.", &second[..7])), "{out}");
    assert!(
        out.contains(&format!(
            "- **Other candidates:** `{}` “Tighten the limit” (1 line)",
            &first[..7]
        )),
        "{out}"
    );
}

#[test]
fn a_plan_named_by_a_trailer_is_quoted() {
    let (t, cause, _) = missed_construct();
    t.branch_at("planned", &format!("{cause}~1"));
    t.write("src/uploads.rs", STORE_CAUSE);
    t.write(
        "plans/compression.md",
        "# Rollback plan\n\n## Trigger\nUpload errors above 1%.\n",
    );
    let planned = t.commit("Compress uploads on the fly\n\nRollback-Plan: plans/compression.md");
    t.write("src/uploads.rs", STORE_BEFORE);
    let again = t.commit("Fix corrupted uploads");
    let (code, out, err) = run(t
        .riskgate()
        .args(["postmortem", &planned, "--fixed-by", &again, "--no-record"]));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(&format!("Rollback plan: `trailer:{}`", &planned[..7])),
        "{out}"
    );
    assert!(out.contains("<details><summary>The plan as committed</summary>\n\n```markdown\n# Rollback plan\n\n## Trigger\nUpload errors above 1%.\n```"), "{out}");
}

#[test]
fn a_vendored_bundle_is_not_blamed_and_the_draft_says_so() {
    let t = TestRepo::new();
    let bundle = |v: &str| format!("var version = \"{v}\";\n{}", "function f(){return 1;}\n".repeat(12_000));
    t.write("static/vendor.js", bundle("1"));
    t.write("src/app.py", "TIMEOUT = 5\n");
    t.commit("App");
    t.write("static/vendor.js", bundle("2"));
    t.write("src/app.py", "TIMEOUT = 1\n");
    let cause = t.commit("Shorter timeout, new bundle");
    t.write("static/vendor.js", bundle("3"));
    t.write("src/app.py", "TIMEOUT = 5\n");
    t.commit("Fix timeouts under load");
    let (code, out, err) = run(t.riskgate().args(["postmortem", "HEAD", "--no-record"]));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(&format!("- **Cause:** `{}` “Shorter timeout, new bundle”", &cause[..7])),
        "{out}"
    );
    assert!(
        out.contains("not blamed (too large, or blame too slow): `static/vendor.js`"),
        "{out}"
    );
}

#[test]
fn hostile_words_and_files_cannot_forge_the_draft_or_the_record() {
    let t = TestRepo::new();
    t.write("src/uploads.rs", STORE_BEFORE);
    // A blame-ignore list with a short sha and a sha nobody has must not switch blame off.
    t.write(
        ".git-blame-ignore-revs",
        "abcdef1\n1111111111111111111111111111111111111111\n",
    );
    t.commit("Uploads");
    t.write("src/uploads.rs", STORE_CAUSE);
    t.write(
        "ROLLBACK.md",
        "# Rollback plan\n\n## Trigger\n\u{1b}]8;;http://evil\u{7}click\u{1b}[2J\n",
    );
    let subject = format!("Compress | `x` **bold** <b>{}", "long ".repeat(100));
    let cause = t.commit(&subject);
    t.write("src/uploads.rs", STORE_BEFORE);
    let fix = t.commit("Fix corrupted uploads");
    let (code, out, err) = run(t.riskgate().args(["postmortem", "HEAD", "--no-record"]));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(&format!(
            "- **Cause:** `{}` “Compress \\| \\`x\\` \\*\\*bold\\*\\* &lt;b&gt;",
            &cause[..7]
        )),
        "{out}"
    );
    let (code, out, err) = run(t.riskgate().args(["postmortem", &cause, "--fixed-by", &fix]));
    assert_eq!(code, 0, "{err}");
    assert!(
        !out.contains('\u{1b}') && !out.contains('\u{7}'),
        "no terminal escapes reach the draft"
    );
    let recorded = std::fs::read_to_string(t.file(".riskgate/incidents.toml")).unwrap();
    let summary = recorded.lines().find(|l| l.starts_with("summary = ")).unwrap();
    assert!(summary.chars().count() < 220, "{summary}");
    // Swapped arguments, and a record that cannot be written through a link.
    let (code, _, err) = run(t.riskgate().args(["postmortem", &fix, "--fixed-by", &cause]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is older than the cause"), "{err}");
    std::fs::remove_dir_all(t.file(".riskgate")).unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(elsewhere.path(), t.file(".riskgate")).unwrap();
    let (code, _, err) = run(t.riskgate().args(["postmortem", &cause, "--fixed-by", &fix]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is a symbolic link"), "{err}");
    assert_eq!(std::fs::read_dir(elsewhere.path()).unwrap().count(), 0);
}

#[test]
fn a_revert_of_a_commit_outside_its_history_is_refused() {
    let t = TestRepo::new();
    t.branch("topic");
    t.write("src/a.py", "x = 1\n");
    let elsewhere = t.commit("Try a thing");
    t.checkout("main");
    t.write("src/b.py", "y = 2\n");
    t.commit(&format!(
        "Squashed topic\n\n* Revert \"Try a thing\"\n\nThis reverts commit {elsewhere}."
    ));
    let (code, _, err) = run(t.riskgate().args(["postmortem", "HEAD"]));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&format!(
            "says it reverts commit {}, which is not in its history",
            &elsewhere[..7]
        )),
        "{err}"
    );
}

#[test]
fn a_recorded_incident_raises_the_history_factor_and_labels_calibrate() {
    // A fix message riskgate's heuristics do not read as a fix: only the record marks the cause.
    let (t, cause, fix) = missed_change("Restore the upload limit");
    t.write("riskgate.toml", "[score.context]\nhistory = 8.0\n");
    t.commit("Weigh history heavily");
    let runs = std::cell::Cell::new(0);
    let history_points = |t: &TestRepo| -> u64 {
        runs.set(runs.get() + 1);
        t.branch(&format!("later-{}", runs.get()));
        t.write("src/limits.rs", "pub const MAX_UPLOAD_BYTES: usize = 10_000_000;\n\npub fn allowed(size: usize) -> bool {\n    size <= MAX_UPLOAD_BYTES // inclusive\n}\n");
        t.commit("Say the limit is inclusive");
        let (_, out, err) = run(t.riskgate().args(["check", "--base", "main", "--format", "json"]));
        t.checkout("main");
        let report = json(&out);
        assert!(report["score"].is_object(), "{err}");
        report["score"]["contributions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["factor"] == "history")
            .map(|c| c["points"].as_u64().unwrap())
            .sum()
    };
    let calibrate =
        |t: &TestRepo| json(&run(t.riskgate().args(["calibrate", "--format", "json"])).1)["positives"].clone();
    assert_eq!(history_points(&t), 0);
    assert_eq!(calibrate(&t), serde_json::json!({"L1": 0, "L2": 0, "incidents": 0}));

    let (code, _, err) = run(t.riskgate().args([
        "postmortem",
        &cause,
        "--fixed-by",
        &fix,
        "--summary",
        "Uploads over 1 kB failed for a day",
    ]));
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("incident recorded in .riskgate/incidents.toml"), "{err}");
    t.commit("Record the upload incident");
    // Dropping the record later is a policy change that weakens the gate.
    t.branch("forget");
    t.remove(".riskgate/incidents.toml");
    t.commit("Forget the incident");
    let (code, out, _) = run(t.riskgate().args(["check", "--base", "main", "--format", "json"]));
    assert_eq!(code, 1, "{out}");
    let dropped = json(&out)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "policy-changed")
        .cloned()
        .unwrap_or_default();
    assert_eq!(dropped["severity"], "high", "{out}");
    assert!(
        dropped["message"]
            .as_str()
            .unwrap_or("")
            .contains("drops the recorded 1 incident"),
        "{out}"
    );
    t.checkout("main");
    assert!(
        history_points(&t) > 0,
        "the recorded incident counts for later changes to src/limits.rs"
    );
    assert_eq!(calibrate(&t), serde_json::json!({"L1": 1, "L2": 1, "incidents": 1}));
}

#[test]
fn bad_input_is_a_clear_line_and_exit_2() {
    let (t, cause, _) = missed_change("Restore the upload limit");
    let (code, _, err) = run(t.riskgate().args(["postmortem", "no-such-rev"]));
    assert_eq!(
        (code, err.trim()),
        (2, "riskgate: error: `no-such-rev` does not name a commit here")
    );
    let (code, _, err) = run(t.riskgate().args(["postmortem", &cause, "--fixed-by", &cause]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("the cause and the fix are the same commit"), "{err}");
    // A broken incidents file at the base stops `check` with its line, not silently.
    t.write(
        ".riskgate/incidents.toml",
        "[[incident]]\ncause = \"HEAD~1\"\nsummary = \"x\"\n",
    );
    t.commit("A hand-written record");
    t.branch("later");
    t.write("src/limits.rs", "pub const MAX_UPLOAD_BYTES: usize = 5;\n");
    t.commit("later");
    let (code, _, err) = run(t.riskgate().args(["check", "--base", "main"]));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(".riskgate/incidents.toml: incident 1 names `HEAD~1`, which is not a commit sha"),
        "{err}"
    );
}
