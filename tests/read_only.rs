//! riskgate never writes to the repository: refs, index, HEAD, objects and the working tree
//! are the same before and after `check`, `audit` and `hook pre-push` (its history cache lives
//! under `.git/riskgate/`, outside all of them).

mod common;
use common::*;
use std::collections::BTreeMap;
use std::path::Path;

/// Refs, index, HEAD, object count and working tree.
type Snapshot = (
    BTreeMap<String, String>,
    Vec<u8>,
    String,
    usize,
    BTreeMap<String, Vec<u8>>,
);

fn snapshot(t: &TestRepo) -> Snapshot {
    let repo = &t.repo;
    let refs: BTreeMap<String, String> = repo
        .references()
        .unwrap()
        .flatten()
        .map(|r| {
            (
                r.name().unwrap_or("").to_string(),
                r.target()
                    .map(|o| o.to_string())
                    .unwrap_or_else(|| r.symbolic_target().unwrap_or("").to_string()),
            )
        })
        .collect();
    let index = std::fs::read(t.path().join(".git/index")).unwrap_or_default();
    let head = std::fs::read_to_string(t.path().join(".git/HEAD")).unwrap();
    let mut objects = 0;
    repo.odb()
        .unwrap()
        .foreach(|_| {
            objects += 1;
            true
        })
        .unwrap();
    let mut tree = BTreeMap::new();
    walk(t.path(), t.path(), &mut tree);
    (refs, index, head, objects, tree)
}

fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let p = entry.path();
        if p.file_name().is_some_and(|n| n == ".git") {
            continue;
        }
        if p.is_dir() {
            walk(root, &p, out);
        } else {
            out.insert(
                p.strip_prefix(root).unwrap().display().to_string(),
                std::fs::read(&p).unwrap(),
            );
        }
    }
}

#[test]
fn check_audit_and_the_hook_change_nothing() {
    let t = feature(&[
        (
            "db/migrations/0042_drop_fax.sql",
            "ALTER TABLE customers DROP COLUMN fax;\n",
        ),
        (
            "src/prefs.rs",
            "#[derive(serde::Serialize, serde::Deserialize)]\npub struct P { pub a: u8 }\n",
        ),
        ("tests/fixtures/a.json", "{\"a\": 1}\n"),
    ]);
    t.write("scratch.txt", "uncommitted work\n");
    let before = snapshot(&t);
    for args in [
        vec!["check", "--base", "main"],
        vec!["check", "--base", "main", "--format", "sarif"],
        vec!["audit", "--base", "main", "--per-commit"],
        vec!["check", "--staged"],
        vec!["plan", "check", "--base", "main"],
    ] {
        let (code, _, err) = run(t.riskgate().args(&args));
        assert!(code == 0 || code == 1, "{args:?}: {err}");
    }
    let sha = t.repo.revparse_single("feature").unwrap().id().to_string();
    let line = format!("refs/heads/feature {sha} refs/heads/feature {}\n", "0".repeat(40));
    let (code, _, err) = run(t.riskgate().args(["hook", "pre-push", "origin", "x"]).write_stdin(line));
    assert!(code == 0 || code == 1, "{err}");
    let after = snapshot(&t);
    assert_eq!(before.0, after.0, "refs");
    assert_eq!(before.1, after.1, "index");
    assert_eq!(before.2, after.2, "HEAD");
    assert_eq!(before.3, after.3, "object count");
    assert_eq!(before.4, after.4, "working tree");
}
