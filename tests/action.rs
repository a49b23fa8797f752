//! The GitHub Action: its step script run exactly as the runner runs it, with a realistic
//! `pull_request` payload, and a check of `action.yml` itself.

mod common;
use common::*;
use std::collections::BTreeSet;
use std::process::Command;

fn action_yml() -> String {
    std::fs::read_to_string("action.yml").unwrap()
}

#[test]
fn action_yml_uses_every_input_sets_every_output_and_never_interpolates_the_body() {
    let yml = action_yml();
    assert!(!yml.contains("github.event.pull_request.body"));
    let section = |name: &str| -> Vec<String> {
        let start = yml.find(&format!("\n{name}:\n")).unwrap() + name.len() + 3;
        yml[start..]
            .lines()
            .take_while(|l| l.is_empty() || l.starts_with(' '))
            .filter(|l| l.starts_with("  ") && !l.starts_with("   ") && l.trim_end().ends_with(':'))
            .map(|l| l.trim().trim_end_matches(':').to_string())
            .collect()
    };
    let inputs = section("inputs");
    assert_eq!(
        inputs,
        vec![
            "base",
            "head",
            "fail-level",
            "format",
            "sarif-file",
            "working-directory",
            "comment",
            "github-token",
            "config"
        ]
    );
    for input in &inputs {
        assert!(
            yml.contains(&format!("${{{{ inputs.{input} }}}}")),
            "input {input} is never used"
        );
    }
    let outputs: BTreeSet<_> = section("outputs").into_iter().collect();
    assert_eq!(
        outputs,
        ["level", "sarif-file", "score", "verdict"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    );
    // Every `run:` line is free of `${{ }}`: inputs reach the shell through `env:` only.
    for line in yml.lines().filter(|l| l.trim_start().starts_with("run:")) {
        assert!(!line.contains("${{"), "interpolation in a run line: {line}");
    }
    let script = std::fs::read_to_string("action/check.sh").unwrap();
    assert!(!script.contains("${{"));
    assert!(script.contains("--github-event \"$GITHUB_EVENT_PATH\""));
}

#[test]
fn the_check_step_writes_annotations_summary_outputs_and_sarif() {
    let t = feature(&[(
        "db/migrations/0042_drop_fax.sql",
        "ALTER TABLE customers DROP COLUMN fax;\n",
    )]);
    let base = t.repo.revparse_single("main").unwrap().id().to_string();
    let head = t.repo.revparse_single("feature").unwrap().id().to_string();
    let runner = tempfile::tempdir().unwrap();
    let file = |n: &str| runner.path().join(n);
    let body = "Drops the unused fax column.\n\n$(touch /tmp/riskgate-should-not-exist) `rm -rf ~`\n";
    let event = serde_json::json!({
        "action": "synchronize",
        "number": 7,
        "pull_request": {"number": 7, "title": "Drop fax", "body": body, "base": {"ref": "main", "sha": base}, "head": {"ref": "feature", "sha": head}},
        "repository": {"full_name": "acme/shop"}
    });
    std::fs::write(file("event.json"), event.to_string()).unwrap();
    for f in ["summary.md", "output.txt"] {
        std::fs::write(file(f), "").unwrap();
    }
    // A `riskgate` on the PATH that counts its runs, then runs the real binary.
    let bin = assert_cmd::cargo::cargo_bin("riskgate");
    let wrapper = runner.path().join("bin");
    std::fs::create_dir(&wrapper).unwrap();
    std::fs::write(
        wrapper.join("riskgate"),
        format!(
            "#!/bin/sh\necho run >> '{}'\nexec '{}' \"$@\"\n",
            file("runs.txt").display(),
            bin.display()
        ),
    )
    .unwrap();
    Command::new("chmod")
        .arg("+x")
        .arg(wrapper.join("riskgate"))
        .status()
        .unwrap();
    let out = Command::new("bash")
        .arg(std::fs::canonicalize("action/check.sh").unwrap())
        .current_dir(t.path())
        .env("PATH", format!("{}:/usr/local/bin:/usr/bin:/bin", wrapper.display()))
        .env("HOME", runner.path())
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", "pull_request")
        .env("GITHUB_EVENT_PATH", file("event.json"))
        .env("GITHUB_STEP_SUMMARY", file("summary.md"))
        .env("GITHUB_OUTPUT", file("output.txt"))
        .env("RISKGATE_BASE", "")
        .env("RISKGATE_HEAD", "")
        .env("RISKGATE_FAIL_LEVEL", "")
        .env("RISKGATE_FORMAT", "github")
        .env("RISKGATE_SARIF_FILE", file("riskgate.sarif"))
        .env("RISKGATE_CONFIG", "")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stdout.lines().next().unwrap().starts_with("::error file=db/migrations/0042_drop_fax.sql,line=1,endLine=1,title=riskgate migration-drops-column (high)::"),
        "{stdout}"
    );
    let summary = std::fs::read_to_string(file("summary.md")).unwrap();
    assert!(summary.starts_with("## ⛔ riskgate: blocked — risk"), "{summary}");
    assert!(
        summary.contains("| high | `migration-drops-column` | `db/migrations/0042_drop_fax.sql:1` |"),
        "{summary}"
    );
    let outputs = std::fs::read_to_string(file("output.txt")).unwrap();
    let sarif_line = format!("sarif-file={}", file("riskgate.sarif").display());
    assert!(outputs.contains(&sarif_line), "{outputs}");
    assert!(outputs.contains("\nlevel=high\nverdict=blocked\n"), "{outputs}");
    assert!(outputs.lines().any(|l| l.starts_with("score=")), "{outputs}");
    let sarif = json(&std::fs::read_to_string(file("riskgate.sarif")).unwrap());
    assert_eq!(sarif["runs"][0]["results"][0]["ruleId"], "migration-drops-column");
    assert_eq!(
        std::fs::read_to_string(file("runs.txt")).unwrap(),
        "run\n",
        "one analysis for both outputs"
    );
    assert!(!std::path::Path::new("/tmp/riskgate-should-not-exist").exists());
}

#[test]
fn a_push_event_and_a_missing_base_say_what_to_do() {
    let t = feature(&[("src/a.py", "a = 1\n")]);
    let head = t.repo.revparse_single("feature").unwrap().id().to_string();
    let base = t.repo.revparse_single("main").unwrap().id().to_string();
    t.write(
        "push.json",
        serde_json::json!({"before": base, "after": head}).to_string(),
    );
    let (code, out, err) = run(t
        .riskgate()
        .args(["check", "--github-event", "push.json", "--format", "json"]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(json(&out)["range"]["head"], head.as_str());
    let missing = "1234567890123456789012345678901234567890";
    t.write(
        "pr.json",
        serde_json::json!({"pull_request": {"body": null, "base": {"sha": missing}, "head": {"sha": head}}})
            .to_string(),
    );
    let (code, _, err) = run(t.riskgate().args(["check", "--github-event", "pr.json"]));
    assert_eq!(code, 2);
    assert_eq!(
        err.trim(),
        format!("riskgate: error: base `{missing}` not found; fetch it or run with fetch-depth: 0")
    );
}

/// A directory laid out like a GitHub release (`<version>/<archive>` and its `.sha256`), made
/// by the release workflow's own packing script from the binary under test.
fn fake_release(version: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("riskgate");
    let out = Command::new("bash")
        .arg("release/archive.sh")
        .arg(&bin)
        .arg(version)
        .arg("x86_64-unknown-linux-musl")
        .arg(dir.path().join(version))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    dir
}

/// Runs `action/install.sh` as the runner would on a Linux x64 machine.
fn install(action_ref: &str, releases: &std::path::Path, runner: &std::path::Path) -> (i32, String, String) {
    for f in ["output.txt", "path.txt"] {
        std::fs::write(runner.join(f), "").unwrap();
    }
    let out = Command::new("bash")
        .arg(std::fs::canonicalize("action/install.sh").unwrap())
        .env("ACTION_REF", action_ref)
        .env("RUNNER_OS", "Linux")
        .env("RUNNER_ARCH", "X64")
        .env("RUNNER_TEMP", runner)
        .env("GITHUB_OUTPUT", runner.join("output.txt"))
        .env("GITHUB_PATH", runner.join("path.txt"))
        .env("GITHUB_ACTION_PATH", std::env::current_dir().unwrap())
        .env("RISKGATE_RELEASE_URL", format!("file://{}", releases.display()))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_install_step_takes_the_release_binary_when_its_checksum_matches() {
    let releases = fake_release("v9.8.7");
    let runner = tempfile::tempdir().unwrap();
    let (code, _, err) = install("v9.8.7", releases.path(), runner.path());
    assert_eq!(code, 0, "{err}");
    let dest = runner.path().join("riskgate-v9.8.7");
    let path = std::fs::read_to_string(runner.path().join("path.txt")).unwrap();
    assert_eq!(path, format!("{}\n", dest.display()));
    assert_eq!(
        std::fs::read_to_string(runner.path().join("output.txt")).unwrap(),
        format!("mode=release\nbin={}\n", dest.join("riskgate").display())
    );
    let version = Command::new(dest.join("riskgate")).arg("--version").output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("riskgate {}", env!("CARGO_PKG_VERSION"))
    );
    assert!(err.contains("installed riskgate"), "{err}");
}

#[test]
fn a_wrong_checksum_stops_the_install_and_installs_nothing() {
    let releases = fake_release("v9.8.7");
    let sum = releases
        .path()
        .join("v9.8.7/riskgate-v9.8.7-x86_64-unknown-linux-musl.tar.gz.sha256");
    let text = std::fs::read_to_string(&sum).unwrap();
    let flipped = if text.starts_with('0') { "1" } else { "0" };
    std::fs::write(&sum, format!("{flipped}{}", &text[1..])).unwrap();
    let runner = tempfile::tempdir().unwrap();
    let (code, _, err) = install("v9.8.7", releases.path(), runner.path());
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("checksum mismatch for riskgate-v9.8.7-x86_64-unknown-linux-musl.tar.gz"),
        "{err}"
    );
    assert!(!runner.path().join("riskgate-v9.8.7").exists());
    assert_eq!(std::fs::read_to_string(runner.path().join("path.txt")).unwrap(), "");
    // A sum file that holds no sum is refused too, as is a missing release.
    std::fs::write(&sum, "<html>not found</html>").unwrap();
    let (code, _, err) = install("v9.8.7", releases.path(), runner.path());
    assert_eq!(code, 1);
    assert!(err.contains("does not hold a SHA-256 sum"), "{err}");
    let (code, _, err) = install("v1.0.0", releases.path(), runner.path());
    assert_eq!(code, 1);
    assert!(err.contains("cannot download"), "{err}");
}

#[test]
fn a_branch_ref_builds_from_source_under_a_key_of_the_source() {
    let releases = tempfile::tempdir().unwrap();
    let runner = tempfile::tempdir().unwrap();
    let (code, _, err) = install("main", releases.path(), runner.path());
    assert_eq!(code, 0, "{err}");
    let outputs = std::fs::read_to_string(runner.path().join("output.txt")).unwrap();
    let lines: Vec<&str> = outputs.lines().collect();
    assert_eq!(lines[0], "mode=source");
    let key = lines[1].strip_prefix("key=").unwrap();
    assert!(key.len() == 32 && key.chars().all(|c| c.is_ascii_hexdigit()), "{key}");
    // The same source gives the same key.
    let (_, _, _) = install("", releases.path(), runner.path());
    let again = std::fs::read_to_string(runner.path().join("output.txt")).unwrap();
    assert_eq!(again, outputs);
}

#[test]
fn cargo_binstall_metadata_names_the_archives_the_release_makes() {
    let manifest: toml::Value = toml::from_str(&std::fs::read_to_string("Cargo.toml").unwrap()).unwrap();
    let meta = &manifest["package"]["metadata"]["binstall"];
    let version = env!("CARGO_PKG_VERSION");
    let expand = |template: &str, target: &str| {
        template
            .replace("{ repo }", "https://github.com/riskgate/riskgate")
            .replace("{ version }", version)
            .replace("{ name }", "riskgate")
            .replace("{ target }", target)
            .replace("{ bin }", "riskgate")
            .replace("{ binary-ext }", if target.contains("windows") { ".exe" } else { "" })
    };
    let target = "x86_64-unknown-linux-musl";
    let releases = fake_release(&format!("v{version}"));
    let url = expand(meta["pkg-url"].as_str().unwrap(), target);
    let archive = url.rsplit('/').next().unwrap();
    assert!(url.contains(&format!("/releases/download/v{version}/")), "{url}");
    let path = releases.path().join(format!("v{version}")).join(archive);
    assert!(
        path.is_file(),
        "binstall would fetch {archive}, which the release does not make"
    );
    let listing = Command::new("tar").arg("-tzf").arg(&path).output().unwrap();
    let bin_dir = expand(meta["bin-dir"].as_str().unwrap(), target);
    assert!(
        String::from_utf8_lossy(&listing.stdout).lines().any(|l| l == bin_dir),
        "{bin_dir} is not in the archive"
    );
    let windows = &meta["overrides"]["x86_64-pc-windows-msvc"];
    assert_eq!(windows["pkg-fmt"].as_str(), Some("zip"));
    assert!(
        expand(windows["pkg-url"].as_str().unwrap(), "x86_64-pc-windows-msvc").ends_with("-x86_64-pc-windows-msvc.zip")
    );
}

#[test]
fn in_a_merge_queue_the_plan_in_the_pull_request_description_counts() {
    let t = feature(&[(
        "db/migrations/0042_drop_fax.sql",
        "ALTER TABLE customers DROP COLUMN fax;\n",
    )]);
    let base = t.repo.revparse_single("main").unwrap().id().to_string();
    let head = t.repo.revparse_single("feature").unwrap().id().to_string();
    let runner = tempfile::tempdir().unwrap();
    let file = |n: &str| runner.path().join(n);
    let event = serde_json::json!({
        "action": "checks_requested",
        "merge_group": {"base_sha": base, "head_sha": head, "head_ref": format!("refs/heads/gh-readonly-queue/main/pr-7-{head}")},
        "repository": {"full_name": "acme/shop"}
    });
    std::fs::write(file("event.json"), event.to_string()).unwrap();
    // A `gh` that answers as the API would for pull request 7, and records what it was asked.
    let plan = "Drops fax.\n\n## Rollback plan\n### Scope\nmigration-drops-column on customers.fax.\n### Backup\nThe table customers_fax_backup holds id and fax.\n### Rollback steps\n1. `UPDATE customers c SET fax = b.fax FROM customers_fax_backup b WHERE b.id = c.id;` (5 min)\n### Verification\nRun `SELECT count(*) FROM customers WHERE fax IS NOT NULL`.\n### Owner\nThe billing team.\n";
    let bin = runner.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    std::fs::write(file("body.md"), plan).unwrap();
    std::fs::write(
        bin.join("gh"),
        format!(
            "#!/bin/sh\necho \"$@\" >> '{}'\ncat '{}'\n",
            file("gh-calls.txt").display(),
            file("body.md").display()
        ),
    )
    .unwrap();
    Command::new("chmod").arg("+x").arg(bin.join("gh")).status().unwrap();
    let run_step = |event_name: &str| {
        Command::new("bash")
            .arg(std::fs::canonicalize("action/check.sh").unwrap())
            .current_dir(t.path())
            .env("PATH", format!("{}:/usr/local/bin:/usr/bin:/bin", bin.display()))
            .env("RISKGATE_BIN", assert_cmd::cargo::cargo_bin("riskgate"))
            .env("GITHUB_EVENT_NAME", event_name)
            .env("GITHUB_EVENT_PATH", file("event.json"))
            .env("GITHUB_REPOSITORY", "acme/shop")
            .env("RUNNER_TEMP", runner.path())
            .env("RISKGATE_FORMAT", "json")
            .output()
            .unwrap()
    };
    let out = run_step("merge_group");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = json(&stdout);
    assert_eq!(r["gate"]["verdict"], "passed-with-plan");
    assert_eq!(r["plan"]["source"], "pr-body");
    assert_eq!(
        std::fs::read_to_string(file("gh-calls.txt")).unwrap(),
        "api repos/acme/shop/pulls/7 --jq .body // \"\"\n"
    );
}

#[test]
fn one_pull_request_comment_is_kept_up_to_date() {
    let t = feature(&[(
        "db/migrations/0042_drop_fax.sql",
        "ALTER TABLE customers DROP COLUMN fax;\n",
    )]);
    let base = t.repo.revparse_single("main").unwrap().id().to_string();
    let head = t.repo.revparse_single("feature").unwrap().id().to_string();
    let runner = tempfile::tempdir().unwrap();
    let file = |n: &str| runner.path().join(n);
    let event =
        serde_json::json!({"pull_request": {"number": 7, "body": "", "base": {"sha": base}, "head": {"sha": head}}});
    std::fs::write(file("event.json"), event.to_string()).unwrap();
    // A `gh` with the API's memory: listing prints the id of the comment once one was posted.
    let bin = runner.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let script = format!(
        r#"#!/bin/bash
echo "$*" >> '{calls}'
case "$*" in
  *"-X POST"*) echo 42 > '{state}'; for a in "$@"; do [[ "$a" == body=@* ]] && cp "${{a#body=@}}" '{posted}'; done ;;
  *"-X PATCH"*) for a in "$@"; do [[ "$a" == body=@* ]] && cp "${{a#body=@}}" '{posted}'; done ;;
  *--paginate*) [ -f '{state}' ] && cat '{state}' ;;
esac
exit 0
"#,
        calls = file("gh-calls.txt").display(),
        state = file("comment-id").display(),
        posted = file("posted.md").display()
    );
    std::fs::write(bin.join("gh"), script).unwrap();
    Command::new("chmod").arg("+x").arg(bin.join("gh")).status().unwrap();
    std::fs::write(file("summary.md"), "").unwrap();
    let run_step = || {
        Command::new("bash")
            .arg(std::fs::canonicalize("action/check.sh").unwrap())
            .current_dir(t.path())
            .env("PATH", format!("{}:/usr/local/bin:/usr/bin:/bin", bin.display()))
            .env("RISKGATE_BIN", assert_cmd::cargo::cargo_bin("riskgate"))
            .env("GITHUB_EVENT_NAME", "pull_request")
            .env("GITHUB_EVENT_PATH", file("event.json"))
            .env("GITHUB_REPOSITORY", "acme/shop")
            .env("GITHUB_STEP_SUMMARY", file("summary.md"))
            .env("RUNNER_TEMP", runner.path())
            .env("RISKGATE_FORMAT", "github")
            .env("RISKGATE_COMMENT", "true")
            .output()
            .unwrap()
    };
    assert_eq!(run_step().status.code(), Some(1));
    assert_eq!(run_step().status.code(), Some(1));
    let calls = std::fs::read_to_string(file("gh-calls.txt")).unwrap();
    let kinds: Vec<&str> = calls
        .lines()
        .map(|l| {
            if l.contains("-X POST") {
                "post"
            } else if l.contains("-X PATCH") {
                "patch"
            } else {
                "list"
            }
        })
        .collect();
    assert_eq!(kinds, ["list", "post", "list", "patch"], "{calls}");
    assert!(calls.contains("repos/acme/shop/issues/comments/42"), "{calls}");
    let posted = std::fs::read_to_string(file("posted.md")).unwrap();
    assert!(
        posted.starts_with("<!-- riskgate report -->\n## ⛔ riskgate: blocked"),
        "{posted}"
    );
    let summary = std::fs::read_to_string(file("summary.md")).unwrap();
    assert_eq!(
        summary.matches("## ⛔ riskgate: blocked").count(),
        2,
        "the job summary still gets the report"
    );
}
