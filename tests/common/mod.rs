//! Test repositories built with git2 in temporary directories, with a fixed author and dates
//! so that commit ids are the same on every run.
#![allow(dead_code)]

use assert_cmd::Command;
use git2::{IndexAddOption, Repository, Signature, Time};
use std::cell::Cell;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

pub struct TestRepo {
    /// Kept alive for the whole test; the directory goes when the repo does.
    pub dir: TempDir,
    pub repo: Repository,
    clock: Cell<i64>,
}

impl TestRepo {
    /// A repository on branch `main` with one commit holding a README.
    pub fn new() -> TestRepo {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut opts = git2::RepositoryInitOptions::new();
        opts.initial_head("main");
        let repo = Repository::init_opts(dir.path(), &opts).expect("git init");
        let t = TestRepo {
            dir,
            repo,
            clock: Cell::new(1_700_000_000),
        };
        t.write("README.md", "# project\n");
        t.commit("initial commit");
        t
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, path: &str, content: impl AsRef<[u8]>) {
        let full = self.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, content).unwrap();
    }

    pub fn remove(&self, path: &str) {
        std::fs::remove_file(self.path().join(path)).unwrap();
    }

    /// Moves the clock of the next commits forward.
    pub fn advance(&self, seconds: i64) {
        self.clock.set(self.clock.get() + seconds);
    }

    fn signature(&self) -> Signature<'static> {
        let now = self.clock.get() + 60;
        self.clock.set(now);
        Signature::new("Test Author", "author@example.com", &Time::new(now, 0)).unwrap()
    }

    /// Stages everything in the working tree and commits it; returns the sha.
    pub fn commit(&self, message: &str) -> String {
        let mut index = self.repo.index().unwrap();
        index.add_all(["*"], IndexAddOption::DEFAULT, None).unwrap();
        index.update_all(["*"], None).unwrap();
        index.write().unwrap();
        let tree = self.repo.find_tree(index.write_tree().unwrap()).unwrap();
        let sig = self.signature();
        let parent = self.repo.head().ok().and_then(|h| h.peel_to_commit().ok());
        let parents: Vec<&git2::Commit> = parent.iter().collect();
        self.repo
            .commit(Some("HEAD"), &sig, &sig, message, &tree, &parents)
            .unwrap()
            .to_string()
    }

    /// Merges `branch` into the current branch with a merge commit (no conflicts expected), as
    /// `git merge --no-ff` does; returns the merge's sha.
    pub fn merge(&self, branch: &str, message: &str) -> String {
        let ours = self.repo.head().unwrap().peel_to_commit().unwrap();
        let theirs = self
            .repo
            .revparse_single(&format!("refs/heads/{branch}"))
            .unwrap()
            .peel_to_commit()
            .unwrap();
        let mut index = self.repo.merge_commits(&ours, &theirs, None).unwrap();
        assert!(!index.has_conflicts(), "the test merge has conflicts");
        let tree = self.repo.find_tree(index.write_tree_to(&self.repo).unwrap()).unwrap();
        let sig = self.signature();
        let sha = self
            .repo
            .commit(Some("HEAD"), &sig, &sig, message, &tree, &[&ours, &theirs])
            .unwrap();
        self.repo
            .checkout_head(Some(git2::build::CheckoutBuilder::new().force()))
            .unwrap();
        sha.to_string()
    }

    /// Stages everything without committing.
    pub fn stage(&self) {
        let mut index = self.repo.index().unwrap();
        index.add_all(["*"], IndexAddOption::DEFAULT, None).unwrap();
        index.update_all(["*"], None).unwrap();
        index.write().unwrap();
    }

    /// Creates a branch at HEAD and switches to it.
    pub fn branch(&self, name: &str) {
        let head = self.repo.head().unwrap().peel_to_commit().unwrap();
        self.repo.branch(name, &head, false).unwrap();
        self.checkout(name);
    }

    /// Creates a branch at `rev` and switches to it.
    pub fn branch_at(&self, name: &str, rev: &str) {
        let commit = self.repo.revparse_single(rev).unwrap().peel_to_commit().unwrap();
        self.repo.branch(name, &commit, false).unwrap();
        self.checkout(name);
    }

    pub fn checkout(&self, name: &str) {
        let refname = format!("refs/heads/{name}");
        let obj = self.repo.revparse_single(&refname).unwrap();
        self.repo
            .checkout_tree(&obj, Some(git2::build::CheckoutBuilder::new().force()))
            .unwrap();
        self.repo.set_head(&refname).unwrap();
    }

    /// The built binary, run inside the repository with colour off.
    pub fn riskgate(&self) -> Command {
        let mut cmd = Command::cargo_bin("riskgate").unwrap();
        cmd.current_dir(self.path())
            .env("NO_COLOR", "1")
            .env_remove("GITHUB_EVENT_PATH");
        cmd
    }

    pub fn file(&self, name: &str) -> PathBuf {
        self.path().join(name)
    }
}

/// Runs and returns (exit code, stdout, stderr).
pub fn run(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A feature branch off `main` holding the given files in one commit.
pub fn feature(files: &[(&str, &str)]) -> TestRepo {
    let t = TestRepo::new();
    t.branch("feature");
    for (path, content) in files {
        t.write(path, content);
    }
    t.commit("feature work");
    t
}

/// `policy` committed on `main` (the base, whose policy judges the change), then a feature
/// branch holding `files` in one commit.
pub fn with_base_policy(policy: &[(&str, &str)], files: &[(&str, &str)]) -> TestRepo {
    let t = TestRepo::new();
    for (path, content) in policy {
        t.write(path, content);
    }
    t.commit("policy");
    t.branch("feature");
    for (path, content) in files {
        t.write(path, content);
    }
    t.commit("feature work");
    t
}

/// A repository whose main holds `base` and whose branch `feature` changes it to `head`
/// (`None` deletes a file), one commit each.
pub fn base_and_feature(base: &[(&str, &str)], head: &[(&str, Option<&str>)]) -> TestRepo {
    let t = TestRepo::new();
    for (p, c) in base {
        t.write(p, c);
    }
    t.commit("base");
    t.branch("feature");
    for (p, c) in head {
        match c {
            Some(c) => t.write(p, c),
            None => t.remove(p),
        }
    }
    t.commit("change");
    t
}

/// Parses a JSON report.
pub fn json(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}"))
}

/// (rule, file, line) of every finding of a JSON report.
pub fn hits(report: &serde_json::Value) -> Vec<(String, String, Option<u64>)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["file"].as_str().unwrap_or("").to_string(),
                f["line"].as_u64(),
            )
        })
        .collect()
}

pub const GOOD_PLAN: &str = "# Rollback plan\n\n## Scope\nThe fax column of the customers table, dropped by db/migrations/0042_drop_fax.sql (migration-drops-column).\n\n## Backup\nBefore the deploy: `pg_dump --table=customers --column-inserts prod > customers.sql` (5 min); the dump is kept for 30 days.\n\n## Rollback steps\n1. Redeploy the previous release (5 min).\n2. `ALTER TABLE customers ADD COLUMN fax text;` then restore the values from customers.sql (15 min).\n\n## Verification\nRun `SELECT count(*) FROM customers WHERE fax IS NOT NULL` and compare it with the count in the dump.\n\n## Owner\nThe platform team.\n";

/// A change that gates: a migration that drops a column, at high, of class data-loss.
pub const RISKY_PATH: &str = "db/migrations/0042_drop_fax.sql";
pub const RISKY_MIGRATION: &str = "ALTER TABLE customers DROP COLUMN fax;\n";

/// A workflow hazard: ranks high, but is no data or contract risk, so it never gates.
pub const RISKY_WORKFLOW: &str = "on:\n  pull_request_target:\n    types: [opened]\njobs: {}\n";

/// The findings of one analyzer from `check --base main --format json` (plus `extra` flags);
/// the check may pass or block, but must not fail.
pub fn analyzer_findings(t: &TestRepo, analyzer: &str, extra: &[&str]) -> Vec<serde_json::Value> {
    let (code, out, err) = run(t
        .riskgate()
        .args(["check", "--base", "main", "--format", "json"])
        .args(extra));
    assert!(code == 0 || code == 1, "{err}");
    json(&out)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["analyzer"] == analyzer)
        .cloned()
        .collect()
}

/// Every `.rs` file under `dir`.
pub fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let p = entry.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

#[derive(Debug, PartialEq)]
pub enum Side {
    Base,
    Before,
    Head,
}

#[derive(Debug)]
pub struct Block {
    pub path: Option<String>,
    pub side: Side,
    pub silent: bool,
    pub lang: String,
    pub text: String,
}

/// The fenced blocks of a change written as markdown (a rule's example, a scenario file):
/// a block's info string names the file after the language; `(base)` marks a file of the
/// base the change keeps, `(before)` the base version of a file the change edits (or deletes,
/// when no later block names it), and a SQL block without a path is a migration.
pub fn blocks(example: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut current: Option<Block> = None;
    for line in example.lines() {
        let trimmed = line.trim_start();
        if let Some(info) = trimmed.strip_prefix("```") {
            match current.take() {
                Some(b) => out.push(b),
                None => {
                    let words: Vec<&str> = info.split_whitespace().collect();
                    let lang = words.first().copied().unwrap_or("").to_string();
                    let path = words.get(1).filter(|w| !w.starts_with('(') && **w != "silent");
                    current = Some(Block {
                        path: path.map(|p| p.to_string()),
                        side: if words.contains(&"(base)") {
                            Side::Base
                        } else if words.contains(&"(before)") {
                            Side::Before
                        } else {
                            Side::Head
                        },
                        silent: words.contains(&"silent"),
                        lang,
                        text: String::new(),
                    });
                }
            }
            continue;
        }
        if let Some(b) = current.as_mut() {
            b.text.push_str(line);
            b.text.push('\n');
        }
    }
    // A block left open would silently drop a file from the example.
    assert!(current.is_none(), "a code block is not closed");
    out
}

/// The repository an example describes: `main` holds the base, `feature` the change.
pub fn repository(blocks: &[Block]) -> TestRepo {
    let file_blocks: Vec<&Block> = blocks.iter().filter(|b| b.lang != "console").collect();
    let path_of = |b: &Block| {
        b.path
            .clone()
            .unwrap_or_else(|| "db/migrations/0042_example.sql".to_string())
    };
    let t = TestRepo::new();
    for b in file_blocks.iter().filter(|b| b.side != Side::Head) {
        t.write(&path_of(b), &b.text);
    }
    t.commit("base");
    t.branch("feature");
    for b in file_blocks.iter().filter(|b| b.side == Side::Before) {
        let path = path_of(b);
        if !file_blocks.iter().any(|h| h.side == Side::Head && path_of(h) == path) {
            t.remove(&path);
        }
    }
    for b in file_blocks.iter().filter(|b| b.side == Side::Head) {
        t.write(&path_of(b), &b.text);
    }
    t.commit("the example's change");
    t
}
