//! The replay script of `bench/` on a real repository with the real binary: what it counts,
//! per label, and one line with exit 2 for a history it cannot read.

mod common;
use common::*;

fn replay(args: &[&str]) -> (i32, String, String) {
    let mut cmd = std::process::Command::new("python3");
    cmd.arg(concat!(env!("CARGO_MANIFEST_DIR"), "/bench/replay"))
        .args(args)
        .args(["--riskgate", env!("CARGO_BIN_EXE_riskgate")]);
    let out = cmd.output().expect("python3 runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn replay_counts_blocked_commits_overall_and_per_label() {
    let t = TestRepo::new();
    t.write(
        "db/migrations/0001_create.sql",
        "CREATE TABLE customers (id int, fax text);\n",
    );
    t.commit("create");
    t.write(
        "db/migrations/0002_index.sql",
        "CREATE INDEX CONCURRENTLY customers_fax ON customers (fax);\n",
    );
    let additive = t.commit("index");
    t.write(RISKY_PATH, RISKY_MIGRATION);
    let destructive = t.commit("drop fax");
    let (code, out, err) = replay(&[t.path().to_str().unwrap(), "--commits", "5"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("3 commits replayed, 0 errors"), "{out}");
    assert!(out.contains("blocked:                             1   33.3 %"), "{out}");
    assert!(out.contains("migration-drops-column"), "{out}");
    let labels = t.path().join("labels.tsv");
    let name = t.path().file_name().unwrap().to_str().unwrap().to_string();
    std::fs::write(
        &labels,
        format!(
            "{name}\t{}\tadditive\tindex\n{name}\t{}\tdestructive\tdrop\n",
            &additive[..12],
            &destructive[..12]
        ),
    )
    .unwrap();
    let (code, out, err) = replay(&[t.path().to_str().unwrap(), "--labels", labels.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("additive        0 of    1    0.0 %"), "{out}");
    assert!(out.contains("destructive     1 of    1  100.0 %"), "{out}");
}

#[test]
fn a_history_that_cannot_be_read_is_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = replay(&[dir.path().to_str().unwrap(), "--commits", "3"]);
    assert_eq!(code, 2, "{out}");
    assert!(err.starts_with("replay: cannot read the history of "), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
}
