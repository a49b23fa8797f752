//! `riskgate demo`: replays the incident riskgate exists for in a throwaway repository — a
//! migration reshapes a JSON column and drops a key, the Rust type stored in it changes, no
//! test covers it — then shows the block, the plan, and the pass; and after the incident, the
//! postmortem.

use crate::diff::git::scratch::Scratch;
use anyhow::{Context, Result};
use std::io::Write;
use std::path::Path;
use std::process::Command;

const MIGRATION_INIT: &str =
    "CREATE TABLE users (\n    id bigint PRIMARY KEY,\n    prefs jsonb NOT NULL DEFAULT '{}'\n);\n";
const TYPE_BEFORE: &str = "use serde::{Deserialize, Serialize};\n\n/// Stored as JSON in users.prefs.\n#[derive(Serialize, Deserialize)]\npub struct UserPrefs {\n    pub color: String,\n    pub newsletter: bool,\n}\n\npub fn css_class(prefs: &UserPrefs) -> String {\n    format!(\"theme-{}\", prefs.color)\n}\n";
const TYPE_AFTER: &str = "use serde::{Deserialize, Serialize};\n\n/// Stored as JSON in users.prefs.\n#[derive(Serialize, Deserialize)]\npub struct UserPrefs {\n    pub theme: String,\n    pub newsletter: bool,\n}\n\npub fn css_class(prefs: &UserPrefs) -> String {\n    format!(\"theme-{}\", prefs.theme)\n}\n";
const TYPE_FIXED: &str = "use serde::{Deserialize, Serialize};\n\n/// Stored as JSON in users.prefs.\n#[derive(Serialize, Deserialize)]\npub struct UserPrefs {\n    #[serde(alias = \"color\")]\n    pub theme: String,\n    pub newsletter: bool,\n}\n\npub fn css_class(prefs: &UserPrefs) -> String {\n    format!(\"theme-{}\", prefs.theme)\n}\n";
const SETTINGS: &str = "pub fn newsletter_label(on: bool) -> &'static str {\n    if on { \"Subscribed\" } else { \"Not subscribed\" }\n}\n";
const MIGRATION_UP: &str = "-- Move prefs.color into prefs.theme.\nUPDATE users\n   SET prefs = jsonb_set(prefs - 'color', '{theme}', to_jsonb(prefs->>'color'));\n";
/// The team's policy: which type users.prefs stores (the rehearsal writes its documents from it).
const POLICY: &str = "[[json_column]]\ntable = \"users\"\ncolumn = \"prefs\"\ntype = \"UserPrefs\"\n";
const MIGRATION_DOWN: &str = "-- nothing to undo\nSELECT 1;\n";

const PLAN_BODY: &[(&str, &str)] = &[
    ("## Trigger\n", "## Trigger\nThe `prefs_decode_errors` alert above 1 per minute for 5 minutes, or any 5xx spike on /settings; the on-call engineer decides.\n"),
    ("## Backup\n", "## Backup\nBefore deploying, the table users_prefs_backup, taken at deploy time:\n\n```sql\nCREATE TABLE users_prefs_backup AS SELECT id, prefs FROM users;\n```\n"),
    ("1.\n", "1. Redeploy the previous release, v1.4.2 (10 min).\n2. `UPDATE users u SET prefs = b.prefs FROM users_prefs_backup b WHERE b.id = u.id;` (5 min)\n"),
    ("## Data\n", "## Data\nPreferences changed between the deploy and the rollback are lost on restore; the forward fix re-applies them from the audit log.\n"),
    ("## Verification\n", "## Verification\nRun `SELECT count(*) FROM users WHERE prefs ? 'color'` and compare with the backup; the settings smoke test passes.\n"),
    ("## Owner\n", "## Owner\nThe accounts team on call.\n"),
];

/// A line of the demo; a closed pipe (`riskgate demo | head`) ends the output, not the demo.
fn say(text: &str) {
    let _ = writeln!(std::io::stdout(), "{text}");
}

/// Runs this riskgate binary in the demo repository, echoing the command first.
fn riskgate(dir: &Path, args: &[&str], colour: &str) -> Result<i32> {
    say(&format!("\n$ riskgate {}", args.join(" ")));
    let exe = std::env::current_exe().context("finding the riskgate binary")?;
    let status = Command::new(exe)
        .arg("-C")
        .arg(dir)
        .arg("--color")
        .arg(colour)
        .args(args)
        .status()
        .context("running riskgate")?;
    Ok(status.code().unwrap_or(2))
}

/// Runs the demo; `false` when riskgate did not behave as the demo shows (a bug to report).
pub fn run(keep: bool, colour: &str) -> Result<bool> {
    let tmp = tempfile::Builder::new()
        .prefix("riskgate-demo-")
        .tempdir()
        .context("creating a temporary directory")?;
    let dir = tmp.path().to_path_buf();
    say(&format!(
        "riskgate demo: replaying the JSON-column incident in {}",
        dir.display()
    ));
    let repo = Scratch::init(&dir)?;
    repo.commit(
        &[
            ("migrations/2026-01-01-000000_users/up.sql", MIGRATION_INIT),
            ("migrations/2026-01-01-000000_users/down.sql", "DROP TABLE users;\n"),
            ("src/prefs.rs", TYPE_BEFORE),
            ("riskgate.toml", POLICY),
        ],
        "Users with JSON preferences",
    )?;
    repo.branch("reshape-prefs")?;
    let cause = repo.commit(
        &[
            ("migrations/2026-02-01-000000_prefs_theme/up.sql", MIGRATION_UP),
            ("migrations/2026-02-01-000000_prefs_theme/down.sql", MIGRATION_DOWN),
            ("src/prefs.rs", TYPE_AFTER),
        ],
        "Rename prefs.color to prefs.theme",
    )?;
    say("\nOn branch reshape-prefs, a migration rewrites users.prefs with jsonb_set and drops the key `color`;");
    say("the Rust type stored in the column renames the field to match; nothing tests it; the down migration does nothing.");
    say(&format!("\n$ cd {}", dir.display()));
    let first = riskgate(&dir, &["check", "--base", "main"], colour)?;
    say(&format!("(exit code {first}: the gate blocks this push or merge)"));

    riskgate(&dir, &["plan", "init", "--base", "main"], colour)?;
    let plan_path = dir.join("ROLLBACK.md");
    let mut plan = std::fs::read_to_string(&plan_path).context("reading ROLLBACK.md")?;
    for (from, to) in PLAN_BODY {
        plan = plan.replacen(from, to, 1);
    }
    plan = plan
        .lines()
        .filter(|l| !l.trim_start().starts_with("<!--"))
        .collect::<Vec<_>>()
        .join("\n")
        + "\n";
    std::fs::write(&plan_path, &plan)?;
    say("\n(the demo fills in ROLLBACK.md for you: trigger, backup table, numbered steps, data, verification query, owner)");
    say("$ git add ROLLBACK.md && git commit -m \"Add the rollback plan\"");
    repo.commit(&[], "Add the rollback plan")?;
    let second = riskgate(&dir, &["check", "--base", "main"], colour)?;
    say(&format!(
        "(exit code {second}: the change may merge, and the team knows how to undo it)"
    ));
    let rehearsed = rehearsal(&dir, colour)?;
    let postmortem = incident(&repo, &dir, &cause, colour)?;
    if keep {
        let kept = tmp.keep();
        say(&format!("\nThe demo repository is kept at {}", kept.display()));
    } else {
        say("\nThe demo repository was removed; run `riskgate demo --keep` to look around in it.");
    }
    Ok(first == 1 && second == 0 && rehearsed && postmortem)
}

/// With a PostgreSQL server meant for it (`RISKGATE_REHEARSE_URL`, a role with CREATEDB), the
/// migrations run for real: the plan's backup is verified and the rollback's loss measured.
fn rehearsal(dir: &Path, colour: &str) -> Result<bool> {
    let var = crate::rehearse::URL_VARIABLE;
    if std::env::var(var).ok().filter(|u| !u.is_empty()).is_none() {
        say(&format!("
(set {var} to a PostgreSQL server meant for it, a role with CREATEDB, and the demo also rehearses the migrations: `riskgate rehearse`)"));
        return Ok(true);
    }
    let code = riskgate(dir, &["rehearse", "--base", "main"], colour)?;
    say(&format!(
        "(exit code {code}: the plan's backup holds every value the rollback would lose)"
    ));
    Ok(code == 0)
}

/// The rest of the story: merged and deployed, old rows break the settings page, the team
/// follows the plan and fixes forward; `riskgate postmortem` writes the draft.
fn incident(repo: &Scratch, dir: &Path, cause: &str, colour: &str) -> Result<bool> {
    repo.merge_into("main", "Merge branch 'reshape-prefs'")?;
    repo.commit(
        &[("src/settings.rs", SETTINGS)],
        "Settings page: show the newsletter toggle",
    )?;
    repo.commit(
        &[("src/prefs.rs", TYPE_FIXED)],
        "Fix settings crash: read preferences stored under the old key",
    )?;
    say("\nThe branch was merged and deployed. A worker still on the old release kept writing `color`;");
    say("those rows broke the settings page. The team followed the plan, then fixed forward two commits later.");
    let path = dir.join("POSTMORTEM.md");
    let code = riskgate(
        dir,
        &[
            "postmortem",
            &cause[..7],
            "--fixed-by",
            "HEAD",
            "--output",
            &path.to_string_lossy(),
        ],
        colour,
    )?;
    let draft = std::fs::read_to_string(&path).unwrap_or_default();
    // The summary and the timeline; the rest is in the file.
    let shown: Vec<&str> = draft
        .lines()
        .skip_while(|l| !l.starts_with("## Summary"))
        .take_while(|l| !l.starts_with("## What changed"))
        .collect();
    say(&format!("\n{}", shown.join("\n").trim_end()));
    say("\n(the rest of POSTMORTEM.md: what changed, what riskgate saw at merge time, the gap, remedies, and sections for people)");
    Ok(code == 0 && draft.contains("**Would riskgate have blocked it?** **no, with a plan**"))
}
