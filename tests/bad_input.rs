//! Bad input never panics: one clear line on stderr and exit 2, or an `info` finding where the
//! rest of the change can still be checked.

mod common;
use common::*;

/// Exit 2 with exactly one line on stderr, and no panic.
fn fails_with(cmd: &mut assert_cmd::Command, expected: &str) {
    let (code, out, err) = run(cmd);
    assert_eq!(code, 2, "stdout: {out}\nstderr: {err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(!err.contains("panicked") && !err.contains("internal error"), "{err}");
    assert!(err.contains(expected), "expected `{expected}` in: {err}");
}

/// The policy files of the working tree, where a bad one is an error at once; `check` reads
/// the base's, where a bad one in the change is a `policy-changed` finding (tests/security.rs).
const WORKTREE_POLICY: [&str; 5] = ["audit", "--base", "main", "--policy", "worktree"];

fn not_analyzed(t: &TestRepo) -> Vec<(String, String)> {
    let (code, out, err) = run(t.riskgate().args(["check", "--base", "main", "--format", "json"]));
    assert_eq!(code, 0, "{out}{err}");
    let r = json(&out);
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "file-not-analyzed")
        .map(|f| {
            (
                f["file"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn not_a_repository() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = assert_cmd::Command::cargo_bin("riskgate").unwrap();
    cmd.current_dir(dir.path()).args(["check", "--base", "main"]);
    fails_with(&mut cmd, "riskgate: error: not a git repository: .");
}

#[test]
fn base_or_head_that_does_not_resolve() {
    let t = feature(&[("a.txt", "x\n")]);
    fails_with(
        t.riskgate().args(["check", "--base", "origin/main"]),
        "base `origin/main` not found; fetch it or run with fetch-depth: 0",
    );
    fails_with(
        t.riskgate().args(["check", "--base", "main", "--head", "nope"]),
        "head `nope` not found",
    );
}

#[test]
fn no_default_base() {
    let t = TestRepo::new();
    t.branch("feature");
    t.repo
        .find_branch("main", git2::BranchType::Local)
        .unwrap()
        .delete()
        .unwrap();
    fails_with(t.riskgate().args(["check"]), "no base revision found");
}

#[test]
fn empty_range_is_nothing_to_check() {
    let t = TestRepo::new();
    let (code, out, err) = run(t.riskgate().args(["check", "--base", "main"]));
    assert_eq!((code, out.as_str()), (0, ""));
    assert_eq!(
        err.trim(),
        "riskgate: nothing to check: `HEAD` has no commits that are not in `main`"
    );
    let (code, _, err) = run(t.riskgate().args(["check", "--staged"]));
    assert_eq!(code, 0);
    assert_eq!(err.trim(), "riskgate: nothing to check: no staged changes");
}

#[test]
fn shallow_clone_without_the_merge_base_says_how_to_fix_it() {
    let origin = TestRepo::new();
    origin.write("a.txt", "1\n");
    origin.commit("second on main");
    origin.branch("feature");
    origin.write("b.txt", "feature\n");
    origin.commit("feature");
    origin.checkout("main");
    origin.write("a.txt", "2\n");
    origin.commit("third on main");
    let clone_dir = tempfile::tempdir().unwrap();
    let url = format!("file://{}", origin.path().display());
    let status = std::process::Command::new("git")
        .args(["clone", "-q", "--depth", "1", "--no-single-branch", &url])
        .arg(clone_dir.path().join("c"))
        .status()
        .unwrap();
    assert!(status.success());
    let mut cmd = assert_cmd::Command::cargo_bin("riskgate").unwrap();
    cmd.current_dir(clone_dir.path().join("c"))
        .args(["check", "--base", "origin/main", "--head", "origin/feature"]);
    fails_with(
        &mut cmd,
        "shallow clone; fetch more history (git fetch --unshallow) or use fetch-depth: 0",
    );
}

#[test]
fn unrelated_histories() {
    let t = TestRepo::new();
    let sig = git2::Signature::new("x", "x@example.com", &git2::Time::new(1_700_000_000, 0)).unwrap();
    let tree = t
        .repo
        .find_tree(t.repo.treebuilder(None).unwrap().write().unwrap())
        .unwrap();
    t.repo
        .commit(Some("refs/heads/orphan"), &sig, &sig, "orphan", &tree, &[])
        .unwrap();
    fails_with(t.riskgate().args(["check", "--base", "orphan"]), "share no history");
}

#[test]
fn invalid_utf8_binary_large_and_lfs_files_are_reported_not_fatal() {
    let t = TestRepo::new();
    t.branch("feature");
    t.write("latin1.txt", b"caf\xe9\n");
    t.write("image.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR");
    t.write("big.sql", "SELECT 1;\n".repeat(120_000));
    t.write("model.bin", "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n");
    t.write("ok.txt", "fine\n");
    t.commit("odd files");
    let mut found = not_analyzed(&t);
    found.sort();
    assert_eq!(
        found,
        vec![
            (
                "big.sql".to_string(),
                "file of 1200000 bytes is over the 1048576-byte limit (diff.max_file_size); not analysed".to_string()
            ),
            ("image.png".to_string(), "binary file; not analysed".to_string()),
            (
                "latin1.txt".to_string(),
                "content is not valid UTF-8; not analysed".to_string()
            ),
            (
                "model.bin".to_string(),
                "Git LFS pointer; the content is not in git; not analysed".to_string()
            ),
        ]
    );
}

/// A NUL byte in the first 8,000 bytes makes a file binary, as git decides it, whether the
/// file is added (read from its patch) or modified (read from its blobs); one further in is
/// text.
#[test]
fn a_nul_byte_early_in_a_file_makes_it_binary() {
    let t = TestRepo::new();
    t.write("blob.dat", "header\n");
    t.commit("base");
    t.branch("feature");
    t.write("added.dat", "valid text\n\0 and a NUL\n");
    t.write("blob.dat", "header\n\0 now with a NUL\n");
    t.write(
        "late.txt",
        format!("{}\0 past the first 8,000 bytes\n", "x".repeat(9000)),
    );
    t.commit("nul bytes");
    let mut found = not_analyzed(&t);
    found.sort();
    assert_eq!(
        found,
        vec![
            ("added.dat".to_string(), "binary file; not analysed".to_string()),
            ("blob.dat".to_string(), "binary file; not analysed".to_string()),
        ]
    );
}

#[test]
fn invalid_utf8_path_is_reported_not_fatal() {
    use std::os::unix::ffi::OsStrExt;
    let t = TestRepo::new();
    t.branch("feature");
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.txt");
    std::fs::write(t.path().join(name), "x\n").unwrap();
    t.commit("odd name");
    let found = not_analyzed(&t);
    assert_eq!(
        found,
        vec![(
            "caf\u{fffd}.txt".to_string(),
            "path is not valid UTF-8; not analysed".to_string()
        )]
    );
}

#[test]
fn symlinks_and_crlf_and_renames() {
    let t = TestRepo::new();
    t.write("src/old_name.py", "def f():\n    return 1\n");
    t.commit("base file");
    t.branch("feature");
    std::os::unix::fs::symlink("README.md", t.path().join("link.md")).unwrap();
    t.write("win.yml", "on:\r\n  pull_request_target:\r\n");
    t.remove("src/old_name.py");
    t.write("src/new_name.py", "def f():\n    return 1\n");
    t.commit("odd changes");
    let (code, out, _) =
        run(t
            .riskgate()
            .args(["check", "--base", "main", "--format", "json", "--fail-level", "never"]));
    assert_eq!(code, 0, "{out}");
    let r = json(&out);
    let found = hits(&r);
    assert!(
        found.contains(&("file-not-analyzed".into(), "link.md".into(), None)),
        "{found:?}"
    );
    let findings = r["findings"].as_array().unwrap();
    let win: Vec<_> = findings.iter().filter(|f| f["file"] == "win.yml").collect();
    assert!(win.is_empty(), "win.yml is not a workflow path: {win:?}");
    assert_eq!(
        r["stats"]["files_changed"], 3,
        "a rename with no edits is one file: {r}"
    );
}

#[test]
fn crlf_lines_match_like_lf_lines() {
    let t = feature(&[(".github/workflows/w.yml", "on:\r\n  pull_request_target:\r\n")]);
    let (code, out, _) = run(t.riskgate().args(["check", "--base", "main", "--format", "json"]));
    // A workflow hazard ranks high but is no data or contract risk: it does not gate.
    assert_eq!(code, 0);
    let r = json(&out);
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "ci-workflow-runs-untrusted-code")
        .unwrap()
        .clone();
    assert_eq!(f["evidence"], "pull_request_target:");
}

#[test]
fn malformed_config() {
    let t = feature(&[("riskgate.toml", "[gate]\nrequire_plan_at = \"high\"\nbogus = true\n")]);
    fails_with(
        t.riskgate().args(WORKTREE_POLICY),
        "riskgate.toml:3:1: unknown field `bogus`",
    );
    t.write("riskgate.toml", "[gate\n");
    fails_with(t.riskgate().args(WORKTREE_POLICY), "riskgate.toml:1:6:");
    t.write("riskgate.toml", "[diff]\nmax_file_size = \"big\"\n");
    fails_with(t.riskgate().args(WORKTREE_POLICY), "riskgate.toml:2:17:");
    t.write("riskgate.toml", "[migrations]\npaths = [\"db/[\"]\n");
    fails_with(
        t.riskgate().args(WORKTREE_POLICY),
        "riskgate.toml:2:10: bad glob `db/[`",
    );
}

#[test]
fn explicit_config_that_does_not_exist() {
    let t = feature(&[("a.txt", "x\n")]);
    fails_with(
        t.riskgate()
            .args(["--config", "missing.toml", "check", "--base", "main"]),
        "cannot read config missing.toml",
    );
}

#[test]
fn unknown_rule_id_in_config() {
    let t = feature(&[(
        "riskgate.toml",
        "[rules]\ndisable = [\"ci-pipeline-changed\", \"no-such-rule\"]\n",
    )]);
    fails_with(
        t.riskgate().args(WORKTREE_POLICY),
        "riskgate.toml:2:35: unknown rule id `no-such-rule`",
    );
    t.write("riskgate.toml", "[[waiver]]\nrule = \"no-such-rule\"\nreason = \"r\"\n");
    fails_with(
        t.riskgate().args(WORKTREE_POLICY),
        "riskgate.toml:2:8: waiver names unknown rule `no-such-rule`",
    );
}

#[test]
fn waiver_without_reason() {
    let t = feature(&[("riskgate.toml", "[[waiver]]\nrule = \"ci-pipeline-changed\"\n")]);
    fails_with(
        t.riskgate().args(WORKTREE_POLICY),
        "riskgate.toml:1:1: waiver for `ci-pipeline-changed` has no reason",
    );
    let t = feature(&[("db/x.sql", "-- riskgate: allow(ci-pipeline-changed)\nSELECT 1;\n")]);
    fails_with(
        t.riskgate().args(["check", "--base", "main"]),
        "db/x.sql:1: waiver for `ci-pipeline-changed` has no reason",
    );
}

#[test]
fn malformed_rule_pack() {
    let t = feature(&[
        ("riskgate.toml", "[rules]\npacks = [\"packs/*.toml\"]\n"),
        ("packs/mine.toml", "[[rule]]\nid = \"my-rule\"\ndescription = \"d\"\nwhy = \"w\"\nrollback = \"r\"\nseverity = \"low\"\n[rule.match]\nadded = \"([\"\n"),
    ]);
    fails_with(
        t.riskgate().args(WORKTREE_POLICY),
        "packs/mine.toml:8:9: bad regex `([`",
    );
    t.write("packs/mine.toml", "[[rule]\n");
    fails_with(t.riskgate().args(WORKTREE_POLICY), "packs/mine.toml:1:");
    t.write("riskgate.toml", "[rules]\npacks = [\"nowhere/*.toml\"]\n");
    fails_with(
        t.riskgate().args(WORKTREE_POLICY),
        "riskgate.toml:2:10: no rule pack matches `nowhere/*.toml`",
    );
}

#[test]
fn truncated_event_payload() {
    let t = feature(&[("a.txt", "x\n")]);
    t.write("event.json", "{\"pull_request\": {\"base\": ");
    fails_with(
        t.riskgate().args(["check", "--github-event", "event.json"]),
        "GitHub event event.json: not valid JSON",
    );
}

#[test]
fn usage_errors_exit_2() {
    let t = TestRepo::new();
    let (code, _, err) = run(t.riskgate().args(["check", "--format", "yaml"]));
    assert_eq!(code, 2, "{err}");
    let (code, _, _) = run(t.riskgate().args(["frobnicate"]));
    assert_eq!(code, 2);
    let (code, out, _) = run(t.riskgate().args(["--version"]));
    assert_eq!((code, out.trim()), (0, "riskgate 0.1.0"));
}

#[test]
fn a_fifty_megabyte_file_is_skipped_without_reading_it_whole() {
    let t = TestRepo::new();
    t.branch("feature");
    t.write("data/dump.sql", "INSERT INTO t VALUES (1);\n".repeat(2_000_000));
    t.commit("huge");
    let found = not_analyzed(&t);
    assert_eq!(found.len(), 1);
    assert!(
        found[0]
            .1
            .starts_with("file of 52000000 bytes is over the 1048576-byte limit"),
        "{found:?}"
    );
}

#[test]
fn a_submodule_bump_is_reported_not_fatal() {
    let t = TestRepo::new();
    t.branch("feature");
    // A gitlink entry, as `git submodule add` leaves in the index.
    let mut index = t.repo.index().unwrap();
    let entry = git2::IndexEntry {
        ctime: git2::IndexTime::new(0, 0),
        mtime: git2::IndexTime::new(0, 0),
        dev: 0,
        ino: 0,
        mode: 0o160000,
        uid: 0,
        gid: 0,
        file_size: 0,
        id: git2::Oid::from_str("1234567890123456789012345678901234567890").unwrap(),
        flags: 0,
        flags_extended: 0,
        path: b"vendor/lib".to_vec(),
    };
    index.add(&entry).unwrap();
    let tree = t.repo.find_tree(index.write_tree().unwrap()).unwrap();
    let sig = git2::Signature::new("T", "t@example.com", &git2::Time::new(1_700_100_000, 0)).unwrap();
    let head = t.repo.head().unwrap().peel_to_commit().unwrap();
    t.repo
        .commit(Some("HEAD"), &sig, &sig, "add submodule", &tree, &[&head])
        .unwrap();
    let found = not_analyzed(&t);
    assert_eq!(
        found,
        vec![(
            "vendor/lib".to_string(),
            "submodule commit change; not analysed".to_string()
        )]
    );
}

#[test]
fn a_file_deleted_and_re_added_and_a_rename_with_edits() {
    let t = TestRepo::new();
    t.write("db/migrations/0001.sql", "CREATE TABLE a (id int);\n");
    t.write("src/old.py", "def f():\n    return 1\n".repeat(20));
    t.commit("base");
    t.branch("feature");
    t.remove("db/migrations/0001.sql");
    t.commit("delete");
    t.write("db/migrations/0001.sql", "CREATE TABLE a (id bigint);\n");
    t.remove("src/old.py");
    t.write(
        "src/new.py",
        format!("{}def g():\n    return 2\n", "def f():\n    return 1\n".repeat(20)),
    );
    t.commit("re-add and rename");
    let (code, out, err) = run(t.riskgate().args(["check", "--base", "main", "--format", "json"]));
    assert!(code == 0 || code == 1, "{err}");
    let r = json(&out);
    let found = hits(&r);
    assert!(
        found
            .iter()
            .any(|h| h.0 == "applied-migration-edited" && h.1 == "db/migrations/0001.sql"),
        "deleted and re-added is an edit: {found:?}"
    );
    assert_eq!(r["stats"]["files_changed"], 2, "{r}");
    assert!(
        found.iter().any(|h| h.1 == "src/new.py"),
        "the renamed file is analysed under its new name: {found:?}"
    );
}

#[test]
fn a_missing_object_is_reported_not_fatal() {
    let t = TestRepo::new();
    t.branch("feature");
    t.write("db/x.sql", "DROP TABLE t;\n");
    t.commit("drop");
    // Remove the blob's loose object, as a partial clone would lack it.
    let blob = t.repo.revparse_single("HEAD:db/x.sql").unwrap().id().to_string();
    std::fs::remove_file(t.path().join(".git/objects").join(&blob[..2]).join(&blob[2..])).unwrap();
    let found = not_analyzed(&t);
    assert_eq!(
        found,
        vec![(
            "db/x.sql".to_string(),
            "content is not in the local repository (partial clone?); not analysed".to_string()
        )]
    );
}

#[test]
fn a_coverage_report_for_another_tree_is_reported_not_fatal() {
    let t = feature(&[("src/app.py", "def f():\n    return 1\n")]);
    t.write(
        "lcov.info",
        "SF:/elsewhere/other_project/main.go\nDA:1,1\nend_of_record\n",
    );
    let (code, out, err) =
        run(t
            .riskgate()
            .args(["check", "--base", "main", "--format", "json", "--coverage", "lcov.info"]));
    assert!(code == 0, "{err}");
    let found = hits(&json(&out));
    assert!(found.iter().any(|h| h.0 == "coverage-report-stale"), "{found:?}");
    t.write("bad.info", "this is not a report\n");
    fails_with(
        t.riskgate().args(["check", "--base", "main", "--coverage", "bad.info"]),
        "coverage report bad.info: not lcov, Cobertura XML or llvm-cov JSON",
    );
}

/// `check` of a change holding `files`: never an abort, and the report.
fn report_of(files: &[(&str, &str)]) -> serde_json::Value {
    let t = feature(files);
    let (code, out, err) = run(t.riskgate().args(["check", "--base", "main", "--format", "json"]));
    assert!(code == 0 || code == 1, "exit {code}: {err}");
    assert!(!err.contains("panicked") && !err.contains("internal error"), "{err}");
    json(&out)
}

fn finding<'a>(r: &'a serde_json::Value, rule: &str, file: &str) -> &'a serde_json::Value {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == rule && f["file"] == file)
        .unwrap_or_else(|| panic!("no {rule} on {file}: {r}"))
}

#[test]
fn deeply_nested_rust_is_not_analysed_and_never_overflows() {
    let parens = format!("fn f() -> u32 {{ {}1{} }}\n", "(".repeat(700), ")".repeat(700));
    let blocks = format!("fn g() {{ {}{} }}\n", "{".repeat(2000), "}".repeat(2000));
    let flat = format!("fn h() -> u32 {{ {} }}\n", vec!["1"; 5000].join(" + "));
    let generics = format!(
        "#[derive(serde::Deserialize)]\npub struct Deep {{ pub v: {}u8{} }}\n",
        "Vec<".repeat(2000),
        ">".repeat(2000)
    );
    let r = report_of(&[
        ("src/parens.rs", &parens),
        ("src/blocks.rs", &blocks),
        ("src/flat.rs", &flat),
        ("src/model.rs", &generics),
    ]);
    for (file, why) in [
        ("src/parens.rs", "brackets nested more than 128 deep"),
        ("src/blocks.rs", "brackets nested more than 128 deep"),
        ("src/flat.rs", "one expression with more than 2000 operators"),
    ] {
        let f = finding(&r, "file-not-analyzed", file);
        assert_eq!(f["severity"], "info", "{f}");
        assert!(f["message"].as_str().unwrap().contains(why), "{f}");
    }
    let serde = finding(&r, "file-not-analyzed", "src/model.rs");
    assert_eq!(serde["severity"], "high", "a serde file nobody read gates: {serde}");
    assert!(
        serde["message"]
            .as_str()
            .unwrap()
            .contains("generics nested more than 128 deep"),
        "{serde}"
    );
}

#[test]
fn a_rust_file_that_does_not_parse_is_said() {
    let r = report_of(&[("src/broken.rs", "fn f( {\n")]);
    let f = finding(&r, "file-not-analyzed", "src/broken.rs");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .starts_with("Rust that does not parse (line 1:"),
        "{f}"
    );
}

#[test]
fn shapes_on_a_deeply_nested_type_is_an_error_not_an_abort() {
    let t = TestRepo::new();
    t.write(
        "src/model.rs",
        format!(
            "#[derive(serde::Deserialize)]\npub struct Deep {{ pub v: {}u8{} }}\n",
            "Vec<".repeat(3000),
            ">".repeat(3000)
        ),
    );
    t.write("sample.jsonl", "{\"v\": []}\n");
    t.commit("deep");
    fails_with(
        t.riskgate()
            .args(["shapes", "--type", "src/model.rs::Deep", "--sample", "sample.jsonl"]),
        "generics nested more than 128 deep",
    );
}

#[test]
fn a_migration_with_a_huge_expression_is_read_by_the_token_scan() {
    let sql = format!("UPDATE accounts SET a = {};\n", vec!["1"; 200_000].join("+"));
    let r = report_of(&[("db/migrations/0001_x.sql", &sql)]);
    assert!(
        hits(&r).iter().any(|h| h.1 == "db/migrations/0001_x.sql"),
        "the rewrite is still found: {}",
        r["findings"]
    );
}

#[test]
fn a_coverage_segment_far_past_any_file_is_dropped() {
    let t = feature(&[("src/lib.rs", "pub fn f() -> u32 { 1 }\n")]);
    t.write(
        "cov.json",
        r#"{"data":[{"files":[{"filename":"src/lib.rs","segments":[[1,1,1,true,true,false],[4000000000,1,0,true,true,false]]}]}]}"#,
    );
    let started = std::time::Instant::now();
    let (code, _, err) =
        run(t
            .riskgate()
            .args(["check", "--base", "main", "--coverage", "cov.json", "--format", "json"]));
    assert!(code == 0 || code == 1, "{err}");
    assert!(started.elapsed().as_secs() < 20, "the report was walked line by line");
}

#[test]
fn samples_are_regular_files_inside_the_repository() {
    let t = TestRepo::new();
    t.write(
        "src/model.rs",
        "#[derive(serde::Deserialize)]\npub struct Order { pub id: u64 }\n",
    );
    t.commit("model");
    fails_with(
        t.riskgate()
            .args(["shapes", "--type", "src/model.rs::Order", "--sample", "/dev/zero"]),
        "sample /dev/zero is not a regular file",
    );
    for sample in ["/dev/zero", "../outside.jsonl"] {
        let t = with_base_policy(
            &[
                (
                    "src/model.rs",
                    "#[derive(serde::Deserialize)]\npub struct Order { pub id: u64 }\n",
                ),
                (
                    "riskgate.toml",
                    &format!("[[shapes]]\ntype = \"src/model.rs::Order\"\nsample = \"{sample}\"\n"),
                ),
            ],
            &[(
                "src/model.rs",
                "#[derive(serde::Deserialize)]\npub struct Order { pub id: String }\n",
            )],
        );
        fails_with(
            t.riskgate().args(["check", "--base", "main"]),
            "is not a relative path inside the repository",
        );
    }
}

#[test]
fn a_sample_line_that_is_not_utf8_is_a_rejected_record() {
    let t = TestRepo::new();
    t.write(
        "src/model.rs",
        "#[derive(serde::Deserialize)]\npub struct Order { pub id: u64 }\n",
    );
    t.write("s.jsonl", b"{\"id\": 1}\n{\"id\": \xff}\n{\"id\": 2}\n");
    t.commit("model");
    let (code, out, err) = run(t.riskgate().args([
        "shapes",
        "--type",
        "src/model.rs::Order",
        "--sample",
        "s.jsonl",
        "--format",
        "json",
    ]));
    assert_eq!(code, 1, "{err}");
    let r = json(&out);
    assert_eq!((r["records"].as_u64(), r["rejected"].as_u64()), (Some(3), Some(1)));
    assert_eq!(r["failures"][0]["kind"], "invalid-json");
    assert_eq!(r["failures"][0]["examples"][0]["value"], "not UTF-8");
}

#[test]
fn openapi_in_any_real_yaml_form_is_read_and_a_broken_one_is_not_passed() {
    let v1 = "openapi: 3.0.0\ncomponents:\n  schemas:\n    User:\n      type: object\n";
    let v2 = v1.replace("type: object", "type: string");
    for (label, new) in [
        ("trailing document marker", format!("{v2}---\n")),
        ("a second document", format!("{v2}---\nx-note: a second document\n")),
        (
            "merge key",
            format!(
                "base: &b\n  type: string\n{}",
                v2.replace("      type: string\n", "      <<: *b\n")
            ),
        ),
        ("custom tag", v2.replace("type: string", "type: !Str string")),
        ("byte-order mark", format!("\u{feff}{v2}")),
    ] {
        let t = TestRepo::new();
        t.write("api/openapi.yaml", v1);
        t.commit("v1");
        t.branch("feature");
        t.write("api/openapi.yaml", &new);
        t.commit("v2");
        let (_, out, err) = run(t.riskgate().args(["check", "--base", "main", "--format", "json"]));
        let rules: Vec<String> = hits(&json(&out)).into_iter().map(|h| h.0).collect();
        assert!(
            rules.contains(&"json-schema-changed".to_string()),
            "{label}: {out}{err}"
        );
    }
    let t = TestRepo::new();
    t.write("api/openapi.yaml", v1);
    t.commit("v1");
    t.branch("feature");
    t.write("api/openapi.yaml", format!("{v2}  bad: [\n"));
    t.commit("broken");
    let (code, out, _) = run(t.riskgate().args(["check", "--base", "main", "--format", "json"]));
    assert_eq!(code, 1, "{out}");
    let r = json(&out);
    let f = finding(&r, "file-not-analyzed", "api/openapi.yaml");
    assert_eq!(f["severity"], "high");
    assert!(f["message"].as_str().unwrap().starts_with("YAML does not parse"), "{f}");
    assert!(f["message"].as_str().unwrap().contains("(after the change)"), "{f}");
    // A change that repairs a broken contract cannot be compared with it: said, not gating.
    let t = TestRepo::new();
    t.write("schemas/archive.schema.json", "{\"pattern\": \"^2\\.0$\"}");
    t.commit("broken");
    t.branch("feature");
    t.write("schemas/archive.schema.json", "{\"pattern\": \"^2\\\\.0$\"}");
    t.commit("repaired");
    let (code, out, _) = run(t.riskgate().args(["check", "--base", "main", "--format", "json"]));
    assert_eq!(code, 0, "{out}");
    let r = json(&out);
    let f = finding(&r, "file-not-analyzed", "schemas/archive.schema.json");
    assert_eq!(f["severity"], "medium", "{f}");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("before the change, which makes it parse"),
        "{f}"
    );
    // A JSON Schema with a byte-order mark is read like any other.
    let t = TestRepo::new();
    t.write("schemas/user.schema.json", "{\"type\": \"object\"}");
    t.commit("v1");
    t.branch("feature");
    t.write("schemas/user.schema.json", "\u{feff}{\"type\": \"string\"}");
    t.commit("v2");
    let (_, out, _) = run(t.riskgate().args(["check", "--base", "main", "--format", "json"]));
    assert!(hits(&json(&out)).iter().any(|h| h.0 == "json-schema-changed"), "{out}");
}

#[cfg(unix)]
#[test]
fn the_history_cache_follows_no_link_and_reads_no_device() {
    let t = feature(&[("a.py", "x = 1\n")]);
    let cache = t.path().join(".git/riskgate");
    std::fs::create_dir_all(&cache).unwrap();
    let victim = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(victim.path(), "untouched").unwrap();
    std::os::unix::fs::symlink("/dev/zero", cache.join("history.tsv")).unwrap();
    std::os::unix::fs::symlink(victim.path(), cache.join("history.tsv.tmp")).unwrap();
    let started = std::time::Instant::now();
    let (code, _, err) = run(t.riskgate().args(["check", "--base", "main"]));
    assert_eq!(code, 0, "{err}");
    assert!(started.elapsed().as_secs() < 30, "the cache link was read");
    assert_eq!(std::fs::read_to_string(victim.path()).unwrap(), "untouched");
    let meta = std::fs::symlink_metadata(cache.join("history.tsv")).unwrap();
    assert!(meta.is_file(), "the link was replaced by a fresh cache file");
}

#[test]
fn staged_in_a_bare_repository_is_an_error() {
    let t = TestRepo::new();
    let bare = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("git")
        .args(["clone", "-q", "--bare"])
        .arg(t.path())
        .arg(bare.path().join("b.git"))
        .status()
        .unwrap();
    assert!(status.success());
    let mut cmd = assert_cmd::Command::cargo_bin("riskgate").unwrap();
    cmd.current_dir(bare.path().join("b.git")).args(["check", "--staged"]);
    fails_with(&mut cmd, "--staged needs a working tree; this repository is bare");
}

#[test]
fn a_merge_group_event_without_shas_is_an_error_not_the_default_range() {
    let t = feature(&[("a.py", "x = 1\n")]);
    t.write(
        "mg.json",
        r#"{"merge_group": {"head_ref": "refs/heads/gh-readonly-queue/main/pr-7-abc"}}"#,
    );
    fails_with(
        t.riskgate().args(["check", "--github-event", "mg.json"]),
        "merge_group event without base_sha and head_sha",
    );
}

#[test]
fn a_rename_whose_old_blob_is_missing_is_reported_not_fatal() {
    let t = TestRepo::new();
    let body: String = (0..40).map(|i| format!("line {i} of the migration\n")).collect();
    t.write("db/old.sql", &body);
    t.commit("add");
    t.branch("feature");
    t.remove("db/old.sql");
    t.write("db/new.sql", format!("{body}DROP TABLE t;\n"));
    t.commit("rename and edit");
    let blob = t.repo.revparse_single("main:db/old.sql").unwrap().id().to_string();
    std::fs::remove_file(t.path().join(".git/objects").join(&blob[..2]).join(&blob[2..])).unwrap();
    let found = not_analyzed(&t);
    assert!(
        found.contains(&(
            "db/old.sql".to_string(),
            "content is not in the local repository (partial clone?); not analysed".to_string()
        )),
        "{found:?}"
    );
}

#[test]
fn fuzz_found_inputs_are_read_without_aborting() {
    // rust_nesting: generics around long runs of reference types, found by cargo fuzz; on an
    // 8 MiB stack it overflowed syn's type parser.
    let nested = std::fs::read_to_string("tests/fixtures/fuzz/rust_nesting_types.rs.txt").unwrap();
    let r = report_of(&[("src/types.rs", &nested)]);
    assert!(r["findings"].is_array());
}

#[test]
fn shapes_cuts_example_values_and_counts_records_not_failures() {
    let t = TestRepo::new();
    t.write(
        "src/model.rs",
        "#[derive(serde::Deserialize)]\npub struct Order { pub id: u64, pub tags: Vec<u32> }\n",
    );
    let huge = "x".repeat(1_000_000);
    t.write(
        "s.jsonl",
        format!("{{\"id\": \"{huge}\", \"tags\": []}}\n{{\"id\": 1, \"tags\": [\"a\", \"b\", \"c\"]}}\n"),
    );
    t.commit("model");
    let (code, out, err) = run(t
        .riskgate()
        .args(["shapes", "--type", "src/model.rs::Order", "--sample", "s.jsonl"]));
    assert_eq!(code, 1, "{err}");
    assert!(
        out.len() < 20_000,
        "a 1 MB value is cut, not echoed: {} bytes",
        out.len()
    );
    assert!(out.contains("… (1000000 bytes)"), "{}", &out[..out.len().min(2000)]);
    // Failures inside one record's array are counted as failures, not as records.
    let model = "#[derive(serde::Deserialize)]\npub struct Order { pub tags: Vec<u32> }\n";
    let t = with_base_policy(
        &[
            ("src/model.rs", model),
            ("s.jsonl", "{\"tags\": [\"a\", \"b\", \"c\"]}\n{\"tags\": [\"d\"]}\n"),
            (
                "riskgate.toml",
                "[[shapes]]\ntype = \"src/model.rs::Order\"\nsample = \"s.jsonl\"\n",
            ),
        ],
        &[("src/model.rs", &format!("// orders\n{model}"))],
    );
    let (_, out, _) = run(t.riskgate().args(["check", "--base", "main", "--format", "json"]));
    let r = json(&out);
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "json-sample-rejected")
        .unwrap();
    let message = f["message"].as_str().unwrap();
    assert!(message.contains("tags[]: 4 failures in 2 records"), "{message}");
}
