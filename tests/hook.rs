//! The pre-push hook through a real `git push` to a real bare remote, with the hook installed
//! by `riskgate install`.

mod common;
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

const RISKY_SQL: &str = "ALTER TABLE customers DROP COLUMN fax;\n";
const PLAN: &str = "# Rollback plan\n\n## Scope\nmigration-drops-column on customers.fax in db/migrations/0042_drop_fax.sql.\n\n## Backup\nThe table customers_fax_backup holds id and fax, written at 2026-11-20 10:00 UTC.\n\n## Rollback steps\n1. `ALTER TABLE customers ADD COLUMN fax text;` (1 min)\n2. `UPDATE customers c SET fax = b.fax FROM customers_fax_backup b WHERE b.id = c.id;` (5 min)\n\n## Verification\nRun `SELECT count(*) FROM customers WHERE fax IS NOT NULL` and compare with the backup's count.\n\n## Owner\nThe billing team on call.\n";

fn bin_dir() -> PathBuf {
    assert_cmd::cargo::cargo_bin("riskgate").parent().unwrap().to_path_buf()
}

struct Setup {
    repo: TestRepo,
    _remote_dir: tempfile::TempDir,
    remote: PathBuf,
}

/// A repository with `main` pushed to a bare `origin`.
fn setup() -> Setup {
    let repo = TestRepo::new();
    let remote_dir = tempfile::tempdir().unwrap();
    let remote = remote_dir.path().join("origin.git");
    git2::Repository::init_bare(&remote).unwrap();
    repo.repo.remote("origin", remote.to_str().unwrap()).unwrap();
    let s = Setup {
        repo,
        _remote_dir: remote_dir,
        remote,
    };
    assert!(s.git(&["push", "-q", "origin", "main"], true).0 == 0);
    s
}

impl Setup {
    /// Runs git in the repository with riskgate on the PATH (or not); (code, stderr).
    fn git(&self, args: &[&str], with_riskgate: bool) -> (i32, String) {
        let path = if with_riskgate {
            format!("{}:/usr/local/bin:/usr/bin:/bin", bin_dir().display())
        } else {
            "/usr/local/bin:/usr/bin:/bin".to_string()
        };
        let out = Command::new("git")
            .args(args)
            .current_dir(self.repo.path())
            .env("PATH", path)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn push(&self, args: &[&str]) -> (i32, String) {
        let mut all = vec!["push", "origin"];
        all.extend_from_slice(args);
        self.git(&all, true)
    }

    fn install(&self, extra: &[&str]) -> (i32, String, String) {
        run(self.repo.riskgate().arg("install").args(extra))
    }

    fn remote_sha(&self, branch: &str) -> Option<String> {
        let remote = git2::Repository::open_bare(&self.remote).unwrap();
        remote
            .refname_to_id(&format!("refs/heads/{branch}"))
            .ok()
            .map(|o| o.to_string())
    }

    fn commit_on(&self, branch: &str, files: &[(&str, &str)], message: &str) -> String {
        if self.repo.repo.find_branch(branch, git2::BranchType::Local).is_err() {
            self.repo.branch(branch);
        } else {
            self.repo.checkout(branch);
        }
        for (p, c) in files {
            self.repo.write(p, c);
        }
        self.repo.commit(message)
    }
}

#[test]
fn harmless_push_passes_risky_push_is_refused_and_a_plan_lets_it_through() {
    let s = setup();
    let (code, out, _) = s.install(&[]);
    assert_eq!(code, 0, "{out}");
    assert!(s.repo.path().join(".git/hooks/pre-push").exists());

    s.commit_on("docs", &[("docs/guide.md", "How to use it.\n")], "docs");
    let (code, err) = s.push(&["docs"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("riskgate: docs: passed"), "{err}");

    let sha = s.commit_on(
        "drop-fax",
        &[("db/migrations/0042_drop_fax.sql", RISKY_SQL)],
        "Drop the fax column",
    );
    let (code, err) = s.push(&["drop-fax"]);
    assert_ne!(code, 0, "{err}");
    assert!(
        err.contains("riskgate: push of drop-fax blocked — because of: migration-drops-column (high, data-loss)"),
        "{err}"
    );
    assert!(
        err.contains("migration-drops-column  db/migrations/0042_drop_fax.sql:1"),
        "{err}"
    );
    assert!(err.contains("riskgate plan init"), "{err}");
    assert!(err.contains("git push --no-verify"), "{err}");
    assert_eq!(s.remote_sha("drop-fax"), None, "the remote ref must not change");

    s.commit_on("drop-fax", &[("ROLLBACK.md", PLAN)], "Add the rollback plan");
    let (code, err) = s.push(&["drop-fax"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("passed-with-plan"), "{err}");
    assert_ne!(s.remote_sha("drop-fax"), Some(sha));
    assert!(s.remote_sha("drop-fax").is_some());
}

#[test]
fn an_update_is_checked_over_what_it_adds() {
    let s = setup();
    s.install(&[]);
    s.commit_on("feature", &[("src/app.py", "x = 1\n")], "start");
    assert_eq!(s.push(&["feature"]).0, 0);
    s.commit_on(
        "feature",
        &[("db/migrations/0001.sql", "TRUNCATE events;\n")],
        "truncate",
    );
    let (code, err) = s.push(&["feature"]);
    assert_ne!(code, 0, "{err}");
    assert!(err.contains("migration-truncates-table"), "{err}");
}

#[test]
fn deletes_tags_and_no_verify_are_not_checked() {
    let s = setup();
    s.install(&[]);
    s.commit_on("risky", &[("db/migrations/0042_drop_fax.sql", RISKY_SQL)], "drop");
    let (code, err) = s.git(&["push", "--no-verify", "origin", "risky"], true);
    assert_eq!(code, 0, "{err}");
    let (code, err) = s.push(&["--delete", "risky"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("skipped (deleted)"), "{err}");
    assert_eq!(s.git(&["tag", "v1.0"], true).0, 0);
    let (code, err) = s.push(&["v1.0"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("skipped (tag"), "{err}");
}

#[test]
fn two_refs_in_one_push_are_each_reported() {
    let s = setup();
    s.install(&[]);
    s.commit_on("safe", &[("src/a.py", "a = 1\n")], "safe");
    s.repo.checkout("main");
    s.commit_on("risky", &[("db/migrations/0042_drop_fax.sql", RISKY_SQL)], "risky");
    let (code, err) = s.push(&["safe", "risky"]);
    assert_ne!(code, 0, "{err}");
    assert!(err.contains("riskgate: safe: passed"), "{err}");
    assert!(err.contains("push of risky blocked"), "{err}");
    assert_eq!(s.remote_sha("safe"), None, "git refuses the whole push");
}

#[test]
fn core_hooks_path_is_respected() {
    let s = setup();
    s.repo
        .repo
        .config()
        .unwrap()
        .set_str("core.hooksPath", ".githooks")
        .unwrap();
    let (code, out, _) = s.install(&[]);
    assert_eq!(code, 0);
    assert!(out.contains(".githooks/pre-push"), "{out}");
    assert!(!s.repo.path().join(".git/hooks/pre-push").exists());
    s.commit_on("risky", &[("db/migrations/0042_drop_fax.sql", RISKY_SQL)], "risky");
    let (code, err) = s.push(&["risky"]);
    assert_ne!(code, 0, "{err}");
}

#[test]
fn a_foreign_hook_is_never_overwritten_without_force_or_chain() {
    let s = setup();
    let hook = s.repo.path().join(".git/hooks/pre-push");
    std::fs::write(&hook, "#!/bin/sh\necho foreign-hook-ran >&2\nexit 0\n").unwrap();
    make_exec(&hook);
    let (code, _, err) = s.install(&[]);
    assert_eq!(code, 2);
    assert!(err.contains("is not riskgate's; pass --chain"), "{err}");
    assert!(std::fs::read_to_string(&hook).unwrap().contains("foreign-hook-ran"));

    let (code, _, _) = s.install(&["--chain"]);
    assert_eq!(code, 0);
    s.commit_on("risky", &[("db/migrations/0042_drop_fax.sql", RISKY_SQL)], "risky");
    let (code, err) = s.push(&["risky"]);
    assert_ne!(code, 0);
    assert!(err.contains("foreign-hook-ran") && err.contains("blocked"), "{err}");

    let (code, out, _) = run(s.repo.riskgate().arg("uninstall"));
    assert_eq!(code, 0, "{out}");
    assert!(
        std::fs::read_to_string(&hook).unwrap().contains("foreign-hook-ran"),
        "the foreign hook is restored"
    );

    let (code, _, _) = s.install(&["--force"]);
    assert_eq!(code, 0);
    assert!(std::fs::read_to_string(&hook)
        .unwrap()
        .contains("riskgate-managed-hook"));
}

#[test]
fn uninstall_leaves_foreign_hooks_alone() {
    let s = setup();
    let hook = s.repo.path().join(".git/hooks/pre-push");
    std::fs::write(&hook, "#!/bin/sh\nexit 0\n").unwrap();
    let (code, _, err) = run(s.repo.riskgate().arg("uninstall"));
    assert_eq!(code, 2);
    assert!(err.contains("not riskgate's hook"), "{err}");
    assert!(hook.exists());
}

#[test]
fn riskgate_missing_from_path_refuses_with_instructions() {
    let s = setup();
    s.install(&[]);
    s.commit_on("x", &[("a.txt", "a\n")], "x");
    let (code, err) = s.git(&["push", "origin", "x"], false);
    assert_ne!(code, 0);
    assert!(
        err.contains("riskgate: not installed") && err.contains("--no-verify"),
        "{err}"
    );
}

#[test]
fn hook_command_reads_stdin_directly() {
    let s = setup();
    let sha = s.commit_on("risky", &[("db/migrations/0042_drop_fax.sql", RISKY_SQL)], "risky");
    let zero = "0".repeat(40);
    let line = format!("refs/heads/risky {sha} refs/heads/risky {zero}\n");
    let (code, _, err) = run(s
        .repo
        .riskgate()
        .args(["hook", "pre-push", "origin", "x"])
        .write_stdin(line));
    assert_eq!(code, 1, "{err}");
    let (code, _, _) = run(s
        .repo
        .riskgate()
        .args(["hook", "pre-push", "origin", "x"])
        .write_stdin(""));
    assert_eq!(code, 0);
    let (code, _, err) = run(s
        .repo
        .riskgate()
        .args(["hook", "pre-push", "origin", "x"])
        .write_stdin("garbage\n"));
    assert_eq!(code, 2);
    assert!(
        err.starts_with("riskgate: error: riskgate failed to check this push (this is not a verdict on the change)"),
        "{err}"
    );
    // The pre-commit framework passes the range in variables.
    let (code, _, err) = run(s
        .repo
        .riskgate()
        .args(["hook", "pre-push", "origin", "x"])
        .env("PRE_COMMIT_TO_REF", &sha)
        .env("PRE_COMMIT_FROM_REF", "main")
        .write_stdin(""));
    assert_eq!(code, 1, "{err}");
}

fn make_exec(p: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn a_pushed_root_commit_gets_advice_that_runs() {
    // A repository whose first push holds a risky migration: there is no base to name.
    let t = TestRepo::new();
    t.write("db/migrations/0001_drop.sql", RISKY_SQL);
    t.commit("first");
    let sha = t.repo.head().unwrap().target().unwrap().to_string();
    let zero = "0".repeat(40);
    let (code, _, err) = run(t
        .riskgate()
        .args(["hook", "pre-push", "origin", "x"])
        .write_stdin(format!("refs/heads/main {sha} refs/heads/main {zero}\n")));
    assert_eq!(code, 1, "{err}");
    assert!(!err.contains("--base 0000000"), "{err}");
    assert!(
        err.contains(&format!("`riskgate plan init --head {}`", &sha[..7])),
        "{err}"
    );
}

#[test]
fn the_plan_workflow_helps_from_init_to_push() {
    let s = setup();
    assert_eq!(s.install(&[]).0, 0);
    s.commit_on(
        "drop-fax",
        &[("db/migrations/0042_drop_fax.sql", RISKY_SQL)],
        "Drop the fax column",
    );
    // plan init writes the skeleton; the user fills it in and checks it before committing.
    let (code, out, err) = run(s.repo.riskgate().args(["plan", "init", "--base", "main"]));
    assert_eq!(code, 0, "{out}{err}");
    let skeleton = std::fs::read_to_string(s.repo.file("ROLLBACK.md")).unwrap();
    assert!(
        skeleton.contains("`migration-drops-column` at `db/migrations/0042_drop_fax.sql:1`"),
        "{skeleton}"
    );
    let filled = PLAN.replacen(
        "## Scope\n",
        "## Scope\n- `migration-drops-column` at `db/migrations/0042_drop_fax.sql:1`: the fax column\n",
        1,
    );
    s.repo.write("ROLLBACK.md", &filled);
    let (code, out, err) = run(s.repo.riskgate().args(["plan", "check", "--base", "main"]));
    assert_eq!(code, 0, "the plan being written counts for plan check: {out}{err}");
    assert!(out.contains("rollback plan worktree:ROLLBACK.md is valid"), "{out}");
    // The hook reads committed plans only: an uncommitted plan does not open the push.
    let (code, err) = s.push(&["drop-fax"]);
    assert_ne!(code, 0, "{err}");
    assert!(!err.contains("--plan"), "advice a push cannot follow: {err}");
    // A committed plan that is not valid yet: each problem on a line of its own.
    s.repo
        .write("ROLLBACK.md", "## Rollback steps\nTODO\n## Verification\nTBD\n");
    s.repo.commit("a first draft");
    let (code, err) = s.push(&["drop-fax"]);
    assert_ne!(code, 0, "{err}");
    assert!(
        err.contains("is not valid yet; fix it, commit it on this branch, and push again:\n    - "),
        "{err}"
    );
    assert!(
        err.lines().all(|l| l.chars().count() <= 200),
        "lines that fit a terminal: {err}"
    );
    // A second risky commit: plan init adds it to the Scope and keeps what was written.
    s.commit_on(
        "drop-fax",
        &[(
            "db/migrations/0043_drop_telex.sql",
            "ALTER TABLE customers DROP COLUMN telex;\n",
        )],
        "Drop telex",
    );
    s.repo.write("ROLLBACK.md", &filled);
    let (code, out, err) = run(s.repo.riskgate().args(["plan", "init", "--base", "main"]));
    assert_eq!(code, 0, "{err}");
    let plan = std::fs::read_to_string(s.repo.file("ROLLBACK.md")).unwrap();
    assert!(out.contains("added 1 risky change to its Scope"), "{out}\n{plan}");
    assert!(
        plan.contains("The billing team on call."),
        "what was written stays: {plan}"
    );
    assert!(
        plan.contains("`migration-drops-column` at `db/migrations/0043_drop_telex.sql:1`"),
        "{plan}"
    );
    s.repo.commit("Add the rollback plan");
    let (code, err) = s.push(&["drop-fax"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("passed-with-plan"), "{err}");
}
