//! `riskgate rehearse` and `check` with `[rehearse]`, against the real PostgreSQL
//! (RISKGATE_TEST_REHEARSE_URL, a NOSUPERUSER CREATEDB role that `.ci/run` creates; or derived
//! from RISKGATE_TEST_POSTGRES_URL). Marked ignored, so a plain `cargo test` says it did not
//! run them; `--include-ignored` (as `.ci/run` does) runs them.

mod common;
use common::*;
use serde_json::Value;

fn admin_url() -> String {
    std::env::var("RISKGATE_TEST_POSTGRES_URL")
        .expect("RISKGATE_TEST_POSTGRES_URL names the PostgreSQL these tests run against")
}

/// `postgres://user@host/db` with another user.
fn as_role(url: &str, role: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap();
    format!(
        "{scheme}://{role}@{}",
        rest.rsplit_once('@').map_or(rest, |(_, host)| host)
    )
}

/// Creates a login role with these attributes, once.
fn ensure_role(role: &str, attributes: &str) -> String {
    let admin = admin_url();
    let mut db = postgres::Client::connect(&admin, postgres::NoTls).expect("connect to RISKGATE_TEST_POSTGRES_URL");
    // Two test threads may create it at once: the loser's error is harmless.
    let _ = db.batch_execute(&format!(
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN CREATE ROLE {role} LOGIN {attributes}; END IF; END $$;"
    ));
    as_role(&admin, role)
}

/// The role the README recommends: it can create databases, nothing more.
fn url() -> String {
    std::env::var("RISKGATE_TEST_REHEARSE_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| ensure_role("riskgate_rehearse", "NOSUPERUSER CREATEDB"))
}

const USERS: &str = "CREATE TABLE accounts (id bigserial PRIMARY KEY, name text NOT NULL UNIQUE);
CREATE TYPE role AS ENUM ('admin', 'member');
CREATE TABLE users (
  id bigint PRIMARY KEY,
  account_id bigint NOT NULL REFERENCES accounts (id),
  email varchar(20) NOT NULL,
  fax text,
  visits int NOT NULL DEFAULT 0,
  role role NOT NULL,
  prefs jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  tags text[]
);
";

/// A Diesel repository whose base has `users` and `accounts`; the change adds one migration.
fn change(up: &str, down: Option<&str>) -> TestRepo {
    change_with(up, down, &[])
}

fn change_with(up: &str, down: Option<&str>, base_files: &[(&str, &str)]) -> TestRepo {
    let t = TestRepo::new();
    t.write("migrations/2024-01-01-000000_users/up.sql", USERS);
    t.write(
        "migrations/2024-01-01-000000_users/down.sql",
        "DROP TABLE users; DROP TYPE role; DROP TABLE accounts;",
    );
    for (path, text) in base_files {
        t.write(path, text);
    }
    t.commit("base");
    t.branch("feature");
    t.write("migrations/2024-02-01-000000_change/up.sql", up);
    if let Some(down) = down {
        t.write("migrations/2024-02-01-000000_change/down.sql", down);
    }
    t.commit("the change");
    t
}

fn rehearse(t: &TestRepo, extra: &[&str]) -> (i32, Value, String) {
    let url = url();
    let mut args = vec!["rehearse", "--base", "main", "--postgres-url", &url, "--format", "json"];
    args.extend_from_slice(extra);
    let (code, out, err) = run(t.riskgate().args(&args));
    assert!(code != 2, "rehearse failed: {err}");
    (code, json(&out), err)
}

fn rules(report: &Value) -> Vec<(String, String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let at = match f["line"].as_u64() {
                Some(l) => format!("{}:{l}", f["file"].as_str().unwrap_or("")),
                None => f["file"].as_str().unwrap_or("").to_string(),
            };
            (
                f["rule"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
                at,
            )
        })
        .collect()
}

fn message<'a>(report: &'a Value, rule: &str) -> &'a str {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == rule)
        .and_then(|f| f["message"].as_str())
        .unwrap_or_else(|| panic!("no {rule} finding in {report:#}"))
}

const UP: &str = "migrations/2024-02-01-000000_change/up.sql";
const DOWN: &str = "migrations/2024-02-01-000000_change/down.sql";

#[test]
#[ignore = "needs PostgreSQL: set RISKGATE_TEST_POSTGRES_URL and run with --include-ignored (as .ci/run does)"]
fn a_dropped_column_whose_down_readds_it_empty_loses_its_data() {
    let t = change(
        "ALTER TABLE users DROP COLUMN fax;\n",
        Some("ALTER TABLE users ADD COLUMN fax text;\n"),
    );
    let (code, r, _) = rehearse(&t, &[]);
    assert_eq!(code, 1);
    // DROP COLUMN takes ACCESS EXCLUSIVE for a moment: a change to the catalog, not reported.
    assert_eq!(r["rehearsal"]["steps"][0]["locks"][0]["mode"], "AccessExclusiveLock");
    assert_eq!(r["rehearsal"]["steps"][0]["locks"][0]["scans_table"], false);
    assert_eq!(
        rules(&r),
        vec![("rehearsal-rollback-loses-data".into(), "high".into(), DOWN.to_string())]
    );
    assert_eq!(
        message(&r, "rehearsal-rollback-loses-data"),
        "the rollback does not bring back users.fax: 1000 values before; the column comes back empty"
    );
    let rb = &r["rehearsal"]["rollback"];
    assert_eq!(rb["rehearsed"], true);
    assert_eq!(rb["schema_differences"], serde_json::json!([]));
    assert_eq!(r["rehearsal"]["backups"][0]["column"], "users.fax");
    assert_eq!(r["rehearsal"]["backups"][0]["kept_in"], Value::Null);
    // Every table was filled, the enum, the array, the JSON and the foreign key included.
    for table in r["rehearsal"]["tables"].as_array().unwrap() {
        assert_eq!(table["rows"], 1000, "{table}");
    }
}

#[test]
#[ignore = "needs PostgreSQL: set RISKGATE_TEST_POSTGRES_URL and run with --include-ignored (as .ci/run does)"]
fn a_backup_that_the_down_restores_is_verified() {
    let t = change(
        "CREATE TABLE users_fax AS SELECT id, fax FROM users;\nALTER TABLE users DROP COLUMN fax;\n",
        Some("ALTER TABLE users ADD COLUMN fax text;\nUPDATE users SET fax = b.fax FROM users_fax b WHERE b.id = users.id;\nDROP TABLE users_fax;\n"),
    );
    let (code, r, _) = rehearse(&t, &[]);
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(rules(&r), vec![], "{r:#}");
    let backup = &r["rehearsal"]["backups"][0];
    assert_eq!(
        (backup["column"].as_str(), backup["kept_in"].as_str()),
        (Some("users.fax"), Some("users_fax.fax"))
    );
    assert_eq!(backup["values"], 1000);
    assert_eq!(r["rehearsal"]["rollback"]["lost"], serde_json::json!([]));
    assert_eq!(r["rehearsal"]["steps"][0]["rerun"]["status"], "applied");

    // The same copy with a down that forgets to restore from it: the loss is reported,
    // mitigated, and says where the values are.
    let t = change(
        "CREATE TABLE users_fax AS SELECT id, fax FROM users;\nALTER TABLE users DROP COLUMN fax;\n",
        Some("ALTER TABLE users ADD COLUMN fax text;\n"),
    );
    let (code, r, _) = rehearse(&t, &[]);
    assert_eq!(code, 0);
    let lost = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "rehearsal-rollback-loses-data")
        .unwrap();
    assert_eq!(lost["severity"], "info");
    assert_eq!(lost["mitigated_by"], serde_json::json!(["backup"]));
    assert!(lost["message"]
        .as_str()
        .unwrap()
        .ends_with("(its values are kept in users_fax.fax by the change: checked)"));
    // …and the copy the down leaves behind is named.
    assert!(
        message(&r, "rehearsal-rollback-incomplete").contains("table users_fax is left behind"),
        "{r:#}"
    );
}

#[test]
#[ignore = "needs PostgreSQL: set RISKGATE_TEST_POSTGRES_URL and run with --include-ignored (as .ci/run does)"]
fn int_to_bigint_rewrites_and_varchar_to_text_does_not() {
    let t = change(
        "ALTER TABLE users ALTER COLUMN email TYPE text;\nALTER TABLE users ALTER COLUMN visits TYPE bigint;\n",
        Some(
            "ALTER TABLE users ALTER COLUMN visits TYPE int;\nALTER TABLE users ALTER COLUMN email TYPE varchar(20);\n",
        ),
    );
    let (code, r, _) = rehearse(&t, &[]);
    assert_eq!(code, 0);
    let rewrites = &r["rehearsal"]["steps"][0]["rewrites"];
    assert_eq!(rewrites.as_array().unwrap().len(), 1, "{rewrites:#}");
    assert_eq!(
        (rewrites[0]["table"].as_str(), rewrites[0]["line"].as_u64()),
        (Some("users"), Some(2))
    );
    assert!(rules(&r).contains(&("rehearsal-rewrites-table".into(), "medium".into(), format!("{UP}:2"))));
    assert_eq!(r["rehearsal"]["rollback"]["lost"], serde_json::json!([]));
}

#[test]
#[ignore = "needs PostgreSQL: set RISKGATE_TEST_POSTGRES_URL and run with --include-ignored (as .ci/run does)"]
fn a_plain_index_blocks_writes_and_a_concurrent_one_does_not() {
    let t = change(
        "CREATE INDEX users_email ON users (email);\n",
        Some("DROP INDEX users_email;\n"),
    );
    let (_, r, _) = rehearse(&t, &[]);
    let locks = &r["rehearsal"]["steps"][0]["locks"];
    let users = locks
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["relation"] == "users")
        .unwrap();
    assert_eq!(users["mode"], "ShareLock");
    assert_eq!(users["blocks_writes"], true);
    assert_eq!(users["blocks_reads"], false);
    assert!(users["held_ms"].as_f64().unwrap() > 0.0);
    assert_eq!(users["scans_table"], true);
    assert!(message(&r, "rehearsal-blocks-writes").starts_with(&format!(
        "{UP} holds ShareLock on users, which blocks writes, while it reads every row: "
    )));

    let t = change(
        "CREATE INDEX CONCURRENTLY users_email ON users (email);\n",
        Some("DROP INDEX CONCURRENTLY users_email;\n"),
    );
    let (code, r, _) = rehearse(&t, &[]);
    assert_eq!(code, 0);
    assert_eq!(rules(&r), vec![], "{r:#}");
    assert_eq!(r["rehearsal"]["steps"][0]["up"]["status"], "applied");
    assert_eq!(r["rehearsal"]["rollback"]["schema_differences"], serde_json::json!([]));
}

#[test]
#[ignore = "needs PostgreSQL: set RISKGATE_TEST_POSTGRES_URL and run with --include-ignored (as .ci/run does)"]
fn a_failing_down_a_failing_up_and_an_up_that_cannot_run_twice() {
    let t = change(
        "ALTER TABLE users ADD COLUMN nick text;\n",
        Some("ALTER TABLE users DROP COLUMN nickname;\n"),
    );
    let (code, r, _) = rehearse(&t, &[]);
    assert_eq!(code, 1);
    assert_eq!(
        rules(&r),
        vec![("rehearsal-rollback-fails".into(), "high".into(), format!("{DOWN}:1"))]
    );
    assert_eq!(
        message(&r, "rehearsal-rollback-fails"),
        format!("the rollback {DOWN} fails after {UP} ran: column \"nickname\" of relation \"users\" does not exist")
    );
    assert_eq!(r["rehearsal"]["rollback"]["reason"], "a down migration failed");

    let t = change(
        "ALTER TABLE users ADD COLUMN nick text;\nALTER TABLE users ADD COLUMN owner bigint REFERENCES owners (id);\n",
        Some("SELECT 1;\n"),
    );
    let (code, r, _) = rehearse(&t, &[]);
    assert_eq!(code, 1);
    assert_eq!(
        rules(&r),
        vec![("rehearsal-up-fails".into(), "high".into(), format!("{UP}:2"))]
    );
    assert!(
        message(&r, "rehearsal-up-fails").ends_with("fails on the base's schema: relation \"owners\" does not exist")
    );
    assert_eq!(
        r["findings"][0]["evidence"],
        "ALTER TABLE users ADD COLUMN owner bigint REFERENCES owners (id);"
    );

    let t = change("CREATE TABLE audit (id bigint PRIMARY KEY);\n", Some("SELECT 1;\n"));
    let (code, r, _) = rehearse(&t, &[]);
    assert_eq!(code, 0);
    assert_eq!(
        rules(&r),
        vec![
            (
                "rehearsal-rollback-incomplete".into(),
                "medium".into(),
                DOWN.to_string()
            ),
            ("rehearsal-not-rerunnable".into(), "medium".into(), format!("{UP}:1")),
        ]
    );
    assert!(message(&r, "rehearsal-not-rerunnable")
        .ends_with("cannot run again after its rollback: relation \"audit\" already exists"));
}

#[test]
#[ignore = "needs PostgreSQL: set RISKGATE_TEST_POSTGRES_URL and run with --include-ignored (as .ci/run does)"]
fn the_plans_backup_sql_runs_and_is_verified_in_check() {
    let plan = "# Rollback plan\n\n## Scope\nusers.fax, dropped by migrations/2024-02-01-000000_change/up.sql (migration-drops-column, rehearsal-rollback-loses-data).\n\n## Backup\nBefore the deploy:\n\n```sql\nCREATE TABLE fax_backup AS SELECT id, fax FROM users;\n```\n\n## Rollback steps\n1. Run the down migration (1 min).\n2. `UPDATE users SET fax = b.fax FROM fax_backup b WHERE b.id = users.id;` (5 min)\n\n## Verification\nRun `SELECT count(*) FROM users WHERE fax IS NOT NULL` and compare it with fax_backup.\n\n## Owner\nThe platform team.\n";
    let t = change_with(
        "ALTER TABLE users DROP COLUMN fax;\n",
        Some("ALTER TABLE users ADD COLUMN fax text;\n"),
        &[("riskgate.toml", "[rehearse]\npostgres_url_env = \"RG_TEST_REHEARSE\"\n")],
    );
    t.write("ROLLBACK.md", plan);
    t.commit("the plan");
    let check = |env: Option<&str>| {
        let mut cmd = t.riskgate();
        cmd.args(["check", "--base", "main", "--format", "json"])
            .env_remove("RG_TEST_REHEARSE");
        if let Some(url) = env {
            cmd.env("RG_TEST_REHEARSE", url);
        }
        let (code, out, err) = run(&mut cmd);
        assert!(code != 2, "{err}");
        (code, json(&out))
    };
    let (code, r) = check(Some(&url()));
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(r["gate"]["verdict"], "passed-with-plan");
    assert_eq!(r["plan"]["backup_verified"], true);
    assert_eq!(r["rehearsal"]["status"], "rehearsed");
    assert_eq!(r["rehearsal"]["backups"][0]["kept_in"], "fax_backup.fax");
    assert_eq!(r["rehearsal"]["backups"][0]["from_plan"], true);
    let lost = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "rehearsal-rollback-loses-data")
        .unwrap();
    assert_eq!(lost["severity"], "info");
    assert!(lost["message"]
        .as_str()
        .unwrap()
        .ends_with("(its values are kept in fax_backup.fax by the plan's backup: checked)"));

    // Without the variable the report says the rehearsal did not run, and why.
    let (_, r) = check(None);
    assert_eq!(
        r["rehearsal"],
        serde_json::json!({"status": "not-rehearsed", "reason": "RG_TEST_REHEARSE, which [rehearse] postgres_url_env names, is not set"})
    );
    assert!(r["plan"].get("backup_verified").is_none());
}

#[test]
#[ignore = "needs PostgreSQL: set RISKGATE_TEST_POSTGRES_URL and run with --include-ignored (as .ci/run does)"]
fn check_confirms_or_refutes_a_predicted_rewrite() {
    let t = change_with(
        "ALTER TABLE users ADD COLUMN seen_at timestamptz DEFAULT now();\nALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();\nALTER TABLE users ALTER COLUMN created_at TYPE timestamptz;\n",
        Some("ALTER TABLE users DROP COLUMN token;\nALTER TABLE users DROP COLUMN seen_at;\n"),
        &[("riskgate.toml", "[rehearse]\npostgres_url_env = \"RG_TEST_REHEARSE\"\n")],
    );
    let (_, out, err) = run(t
        .riskgate()
        .args(["check", "--base", "main", "--format", "json"])
        .env("RG_TEST_REHEARSE", url()));
    let r = json(&out);
    assert_eq!(r["rehearsal"]["status"], "rehearsed", "{err}");
    let found = |rule: &str| -> Vec<(String, String)> {
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == rule)
            .map(|f| {
                (
                    f["severity"].as_str().unwrap().to_string(),
                    f["message"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    // now() is stable: no static finding, and the rehearsal sees no rewrite at line 1.
    let defaults = found("migration-adds-volatile-default");
    assert_eq!(defaults.len(), 1, "{defaults:?}");
    assert_eq!(defaults[0].0, "medium");
    assert!(defaults[0].1.contains("gen_random_uuid()"), "{defaults:?}");
    assert!(
        defaults[0]
            .1
            .contains("; the rehearsal saw users rewritten (1000 rows in "),
        "{defaults:?}"
    );
    let rewrites: Vec<u64> = r["rehearsal"]["steps"][0]["rewrites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["line"].as_u64().unwrap())
        .collect();
    assert_eq!(rewrites, vec![2]);
    // A type set to what it already is: predicted to rewrite, refuted; it still gates (the
    // contract is its reason), and says what the rehearsal saw.
    let retype = found("migration-changes-column-type");
    assert_eq!(retype[0].0, "high");
    assert!(
        retype[0]
            .1
            .ends_with("; the rehearsal on PostgreSQL saw no rewrite of users"),
        "{retype:?}"
    );
    let (_, text, _) = run(t
        .riskgate()
        .args(["check", "--base", "main"])
        .env("RG_TEST_REHEARSE", url())
        .env("NO_COLOR", "1"));
    assert!(text.contains("Rehearsal rehearsed on PostgreSQL "), "{text}");
    assert!(text.contains(": 1 of 1 migration(s) applied; the rollback "), "{text}");
}

#[test]
#[ignore = "needs PostgreSQL: set RISKGATE_TEST_POSTGRES_URL and run with --include-ignored (as .ci/run does)"]
fn bad_servers_roles_and_statements_get_one_line_and_leave_nothing_behind() {
    let t = change(
        "ALTER TABLE users DROP COLUMN fax;\n",
        Some("ALTER TABLE users ADD COLUMN fax text;\n"),
    );
    let attempt = |url: &str, extra: &[&str]| {
        let mut args = vec!["rehearse", "--base", "main", "--postgres-url", url];
        args.extend_from_slice(extra);
        run(t.riskgate().args(&args))
    };
    let one_line = |code: i32, err: &str, expected: &str| {
        assert_eq!(code, 2, "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(expected), "{err}");
    };
    let admin = admin_url();
    let (code, _, err) = attempt(&admin, &[]);
    one_line(code, &err, "refusing to rehearse as `postgres`, a superuser");
    let (code, _, err) = attempt(&as_role(&admin, "riskgate_no_such_role"), &[]);
    one_line(code, &err, "role \"riskgate_no_such_role\" does not exist");
    assert!(
        !err.contains("riskgate_no_such_role@"),
        "credentials are never shown: {err}"
    );
    let (code, _, err) = attempt("postgres://riskgate_rehearse@127.0.0.1:1/test", &[]);
    one_line(code, &err, "cannot connect to postgres://127.0.0.1:1/test");
    let (code, _, err) = attempt(&ensure_role("riskgate_cannot_create", "NOSUPERUSER NOCREATEDB"), &[]);
    one_line(code, &err, "`riskgate_cannot_create` cannot create databases");
    let (code, _, err) = attempt("not a url", &[]);
    one_line(code, &err, "not a PostgreSQL URL");

    // A role of its own, so that counting its databases is not disturbed by other tests.
    let solo = ensure_role("riskgate_rehearse_solo", "NOSUPERUSER CREATEDB");
    let t = change(
        "CREATE DATABASE other;\nALTER TABLE users DROP COLUMN fax;\n",
        Some("ALTER TABLE users ADD COLUMN fax text;\n"),
    );
    let (code, out, err) = run(t.riskgate().args([
        "rehearse",
        "--base",
        "main",
        "--postgres-url",
        &solo,
        "--format",
        "json",
    ]));
    assert_eq!(code, 0, "{err}");
    let r = json(&out);
    assert_eq!(r["rehearsal"]["steps"][0]["up"]["status"], "skipped");
    assert_eq!(
        r["rehearsal"]["not_rehearsed"][0]["reason"],
        "CREATE DATABASE at line 1 reaches beyond the rehearsal's database; the rehearsal does not run it"
    );
    // A base that does not migrate is one line, and the database is dropped all the same.
    let t = change_with(
        "SELECT 1;\n",
        Some("SELECT 1;\n"),
        &[(
            "migrations/2024-01-02-000000_broken/up.sql",
            "ALTER TABLE nowhere ADD COLUMN x int;\n",
        )],
    );
    let (code, _, err) = run(t
        .riskgate()
        .args(["rehearse", "--base", "main", "--postgres-url", &solo]));
    one_line(code, &err, "the base's migrations do not apply on PostgreSQL (migrations/2024-01-02-000000_broken/up.sql:1: relation \"nowhere\" does not exist)");
    assert_eq!(
        databases_of("riskgate_rehearse_solo"),
        0,
        "a rehearsal left a database behind"
    );
}

#[test]
#[ignore = "needs PostgreSQL: set RISKGATE_TEST_POSTGRES_URL and run with --include-ignored (as .ci/run does)"]
fn every_rehearsal_rule_example_runs_and_fires() {
    let url = url();
    let mut failures = Vec::new();
    let rehearsal_rules: Vec<_> = riskgate::registry::code_rules()
        .into_iter()
        .filter(|r| r.analyzer == riskgate::model::Analyzer::Rehearsal)
        .collect();
    assert_eq!(rehearsal_rules.len(), 7);
    for rule in rehearsal_rules {
        let doc = rule.doc();
        let t = repository(&blocks(&doc.example));
        let (code, out, err) =
            run(t
                .riskgate()
                .args(["rehearse", "--base", "main", "--postgres-url", &url, "--format", "json"]));
        if code == 2 {
            failures.push(format!("{}: the example fails to run: {err}", doc.id));
            continue;
        }
        if !json(&out)["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == doc.id.as_str())
        {
            failures.push(format!("{}: its example does not fire\n{out}", doc.id));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn without_a_server_the_command_says_what_it_needs() {
    let t = change(
        "ALTER TABLE users DROP COLUMN fax;\n",
        Some("ALTER TABLE users ADD COLUMN fax text;\n"),
    );
    let (code, _, err) = run(t
        .riskgate()
        .args(["rehearse", "--base", "main"])
        .env_remove("RISKGATE_REHEARSE_URL"));
    assert_eq!(code, 2);
    assert_eq!(
        err.trim(),
        "riskgate: error: give --postgres-url URL (a server meant for it: a CI service container), set RISKGATE_REHEARSE_URL, or name its variable in [rehearse] postgres_url_env"
    );
    // A change without SQL migrations has nothing to rehearse, and says so.
    let t = feature(&[("src/lib.rs", "pub fn f() {}\n")]);
    let (code, _, err) = run(t.riskgate().args([
        "rehearse",
        "--base",
        "main",
        "--postgres-url",
        "postgres://nobody@127.0.0.1:1/x",
    ]));
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("the change adds no SQL migration to rehearse"), "{err}");
}

/// The databases a role owns.
fn databases_of(role: &str) -> i64 {
    let mut db = postgres::Client::connect(&admin_url(), postgres::NoTls).unwrap();
    db.query_one(
        "SELECT count(*) FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba WHERE r.rolname = $1",
        &[&role],
    )
    .unwrap()
    .get(0)
}

#[cfg(unix)]
#[test]
#[ignore = "needs PostgreSQL: set RISKGATE_TEST_POSTGRES_URL and run with --include-ignored (as .ci/run does)"]
fn an_interrupted_rehearsal_drops_its_database() {
    let role = "riskgate_rehearse_interrupted";
    let url = ensure_role(role, "NOSUPERUSER CREATEDB");
    let t = change("SELECT pg_sleep(60);\n", Some("SELECT 1;\n"));
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("riskgate"))
        .current_dir(t.path())
        .args(["rehearse", "--base", "main", "--postgres-url", &url])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while databases_of(role) == 0 {
        assert!(
            started.elapsed().as_secs() < 30,
            "the rehearsal never created its database"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // Into the migration's pg_sleep, then Ctrl-C.
    std::thread::sleep(std::time::Duration::from_millis(500));
    let pid = child.id().to_string();
    assert!(std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap()
        .success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert!(
        started.elapsed().as_secs() < 30,
        "the interrupt waited for the migration"
    );
    assert_eq!(
        databases_of(role),
        0,
        "the interrupted rehearsal left its database behind"
    );
}

#[test]
#[ignore = "needs PostgreSQL: set RISKGATE_TEST_POSTGRES_URL and run with --include-ignored (as .ci/run does)"]
fn a_rename_the_down_does_not_undo_keeps_the_values_and_breaks_the_schema() {
    // As vaultwarden's empty down migrations do (95e24ffc: sends.key renamed to akey).
    let t = change(
        "ALTER TABLE users RENAME COLUMN fax TO facsimile;\n",
        Some("SELECT 1;\n"),
    );
    let (code, r, _) = rehearse(&t, &[]);
    assert_eq!(code, 0, "{r:#}");
    let lost = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "rehearsal-rollback-loses-data")
        .unwrap();
    assert_eq!(lost["severity"], "info");
    assert_eq!(
        lost["message"],
        "the rollback does not bring back users.fax: the column is not restored (1000 values before) (its values are kept in users.facsimile by the change: checked)"
    );
    assert!(message(&r, "rehearsal-rollback-incomplete").contains("column users.facsimile is left behind"));
    assert!(message(&r, "rehearsal-not-rerunnable").ends_with("column \"fax\" does not exist"));
}

#[test]
#[ignore = "needs PostgreSQL: set RISKGATE_TEST_POSTGRES_URL and run with --include-ignored (as .ci/run does)"]
fn a_json_rewrite_whose_down_does_nothing_loses_the_old_documents() {
    let t = change(
        "UPDATE users SET prefs = prefs - 'name';\n",
        Some("-- nothing to undo\nSELECT 1;\n"),
    );
    let (code, r, _) = rehearse(&t, &[]);
    assert_eq!(code, 1);
    assert_eq!(
        rules(&r),
        vec![("rehearsal-rollback-loses-data".into(), "high".into(), DOWN.to_string())]
    );
    assert_eq!(
        message(&r, "rehearsal-rollback-loses-data"),
        "the rollback does not bring back users.prefs: the up migration rewrites its 1000 values and the down leaves them rewritten"
    );
}

#[test]
#[ignore = "needs PostgreSQL: set RISKGATE_TEST_POSTGRES_URL and run with --include-ignored (as .ci/run does)"]
fn the_demo_rehearses_when_a_server_is_given() {
    let (code, out, err) = run(assert_cmd::Command::cargo_bin("riskgate")
        .unwrap()
        .args(["demo", "--color", "never"])
        .env("RISKGATE_REHEARSE_URL", url()));
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("$ riskgate rehearse --base main"), "{out}");
    assert!(
        out.contains("users.prefs holds 10 JSON document(s): written from src/prefs.rs::UserPrefs"),
        "{out}"
    );
    assert!(
        out.contains("users.prefs (1000 values): kept in users_prefs_backup.prefs by the plan's backup (verified)"),
        "{out}"
    );
    // The migration cannot run twice: once `color` is gone, jsonb_set gets NULL.
    assert!(out.contains("rehearsal-not-rerunnable"), "{out}");
}

#[test]
#[ignore = "needs PostgreSQL: set RISKGATE_TEST_POSTGRES_URL and run with --include-ignored (as .ci/run does)"]
fn json_columns_hold_the_stored_samples_or_documents_of_their_type() {
    let policy = "[[json_column]]\ntable = \"users\"\ncolumn = \"prefs\"\ntype = \"UserPrefs\"\n";
    let model = "use serde::{Deserialize, Serialize};\n#[derive(Serialize, Deserialize)]\npub struct UserPrefs {\n    pub color: String,\n}\n";
    // The migration moves `color` to `theme`: rows without `color` would get NULL.
    let up = "UPDATE users SET prefs = (prefs - 'color') || jsonb_build_object('theme', prefs->'color') WHERE prefs ? 'color';\n";
    let down = "UPDATE users SET prefs = (prefs - 'theme') || jsonb_build_object('color', prefs->'theme') WHERE prefs ? 'theme';\n";
    let t = change_with(up, Some(down), &[("riskgate.toml", policy), ("src/model.rs", model)]);
    let (code, r, _) = rehearse(&t, &[]);
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(
        r["rehearsal"]["json_documents"],
        serde_json::json!([{"column": "users.prefs", "source": "written from src/model.rs::UserPrefs", "documents": 10}])
    );
    // The documents have the key the migration moves (so it rewrote them), and the down moves
    // it back: no loss.
    assert_eq!(r["rehearsal"]["backups"][0]["column"], "users.prefs", "{r:#}");
    assert_eq!(r["rehearsal"]["rollback"]["lost"], serde_json::json!([]), "{r:#}");
    assert!(r["rehearsal"]["steps"][0]["locks"][0]["mode"] == "RowExclusiveLock");

    let samples = "{\"color\": \"red\", \"legacy\": 1}\n{\"color\": \"blue\"}\nnot json\n";
    let shapes =
        format!("{policy}\n[[shapes]]\ntype = \"src/model.rs::UserPrefs\"\nsample = \"samples/prefs.jsonl\"\n");
    let t = change_with(
        up,
        Some(down),
        &[
            ("riskgate.toml", &shapes),
            ("src/model.rs", model),
            ("samples/prefs.jsonl", samples),
        ],
    );
    let (_, r, _) = rehearse(&t, &[]);
    assert_eq!(
        r["rehearsal"]["json_documents"][0],
        serde_json::json!({"column": "users.prefs", "source": "the samples in samples/prefs.jsonl", "documents": 2})
    );
}

#[test]
#[ignore = "needs PostgreSQL: set RISKGATE_TEST_POSTGRES_URL and run with --include-ignored (as .ci/run does)"]
fn flyway_pairs_and_sqlx_files_without_downs() {
    let t = TestRepo::new();
    t.write(
        "db/V1__users.sql",
        "CREATE TABLE users (id bigint PRIMARY KEY, fax text);\n",
    );
    t.write("db/U1__users.sql", "DROP TABLE users;\n");
    t.commit("base");
    t.branch("feature");
    // V10 sorts after V2 (versions are numbers); U10 is V10's undo.
    t.write("db/V2__nick.sql", "ALTER TABLE users ADD COLUMN nick text;\n");
    t.write("db/U2__nick.sql", "ALTER TABLE users DROP COLUMN nick;\n");
    t.write("db/V10__drop_fax.sql", "ALTER TABLE users DROP COLUMN fax;\n");
    t.write("db/U10__drop_fax.sql", "ALTER TABLE users ADD COLUMN fax text;\n");
    t.commit("the change");
    let (code, r, _) = rehearse(&t, &[]);
    assert_eq!(code, 1);
    let steps: Vec<(&str, &str)> = r["rehearsal"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["up_file"].as_str().unwrap(), s["down_file"].as_str().unwrap()))
        .collect();
    assert_eq!(
        steps,
        vec![
            ("db/V2__nick.sql", "db/U2__nick.sql"),
            ("db/V10__drop_fax.sql", "db/U10__drop_fax.sql")
        ]
    );
    assert_eq!(
        rules(&r),
        vec![(
            "rehearsal-rollback-loses-data".into(),
            "high".into(),
            "db/U10__drop_fax.sql".into()
        )]
    );

    // sqlx's plain files have no down: the rollback is not rehearsed, and the report says why.
    let t = TestRepo::new();
    t.write(
        "migrations/20240101000000_users.sql",
        "CREATE TABLE users (id bigint PRIMARY KEY);\n",
    );
    t.commit("base");
    t.branch("feature");
    t.write(
        "migrations/20240201000000_nick.sql",
        "ALTER TABLE users ADD COLUMN nick text;\n",
    );
    t.commit("the change");
    let (code, r, _) = rehearse(&t, &[]);
    assert_eq!(code, 0);
    assert_eq!(
        r["rehearsal"]["rollback"]["reason"],
        "migrations/20240201000000_nick.sql has no down migration"
    );
    assert_eq!(r["rehearsal"]["steps"][0]["up"]["status"], "applied");
}

#[test]
#[ignore = "needs PostgreSQL: set RISKGATE_TEST_POSTGRES_URL and run with --include-ignored (as .ci/run does)"]
fn what_reaches_beyond_the_database_is_not_run_from_a_block_or_the_plan() {
    let t = change(
        "DO $$ BEGIN EXECUTE 'ALTER ROLE ' || current_user || ' SET default_transaction_read_only = on'; END $$;\n",
        Some("SELECT 1;\n"),
    );
    let (_, r, _) = rehearse(&t, &[]);
    assert_eq!(r["rehearsal"]["steps"][0]["up"]["status"], "skipped");
    assert_eq!(
        r["rehearsal"]["not_rehearsed"][0]["reason"],
        "ALTER ROLE (INSIDE DO) at line 1 reaches beyond the rehearsal's database; the rehearsal does not run it"
    );
    let plan = t.path().join("plan.md");
    std::fs::write(
        &plan,
        "# Rollback plan\n\n## Backup\n\n```sql\nDROP DATABASE test;\n```\n",
    )
    .unwrap();
    let t = change(
        "ALTER TABLE users ADD COLUMN nick text;\n",
        Some("ALTER TABLE users DROP COLUMN nick;\n"),
    );
    let (_, r, _) = rehearse(&t, &["--plan", plan.to_str().unwrap()]);
    assert_eq!(r["rehearsal"]["not_rehearsed"][0]["file"], "the plan's Backup section");
    assert!(r["rehearsal"]["not_rehearsed"][0]["reason"]
        .as_str()
        .unwrap()
        .starts_with("DROP DATABASE at line 1"));
}

#[test]
#[ignore = "needs PostgreSQL: set RISKGATE_TEST_POSTGRES_URL and run with --include-ignored (as .ci/run does)"]
fn a_migration_that_lifts_its_timeout_is_stopped_by_the_deadline() {
    let role = "riskgate_rehearse_deadline";
    let url = ensure_role(role, "NOSUPERUSER CREATEDB");
    let t = change(
        "SET statement_timeout = 0;\nSELECT pg_sleep(60);\n",
        Some("SELECT 1;\n"),
    );
    let started = std::time::Instant::now();
    let (code, _, err) =
        run(t
            .riskgate()
            .args(["rehearse", "--base", "main", "--postgres-url", &url, "--timeout", "3"]));
    assert_eq!(code, 2, "{err}");
    assert_eq!(
        err.trim(),
        "riskgate: error: the rehearsal was stopped after 3 s ([rehearse] timeout_seconds, --timeout); its database is dropped"
    );
    assert!(started.elapsed().as_secs() < 20);
    assert_eq!(databases_of(role), 0);
}

#[test]
#[ignore = "needs PostgreSQL: set RISKGATE_TEST_POSTGRES_URL and run with --include-ignored (as .ci/run does)"]
fn a_role_that_can_create_roles_is_refused() {
    let url = ensure_role("riskgate_rehearse_createrole", "NOSUPERUSER CREATEDB CREATEROLE");
    let t = change("ALTER TABLE users ADD COLUMN nick text;\n", Some("SELECT 1;\n"));
    let (code, _, err) = run(t
        .riskgate()
        .args(["rehearse", "--base", "main", "--postgres-url", &url]));
    assert_eq!(code, 2);
    assert!(
        err.contains("refusing to rehearse as `riskgate_rehearse_createrole`, allowed to create roles"),
        "{err}"
    );
}

#[test]
#[ignore = "needs PostgreSQL: set RISKGATE_TEST_POSTGRES_URL and run with --include-ignored (as .ci/run does)"]
fn truncation_catalog_only_locks_and_clock_stamps_are_not_what_they_look_like() {
    // TRUNCATE gives the table new storage, empty: rows lost, not a rewrite.
    let t = change("TRUNCATE users;\n", Some("SELECT 1;\n"));
    let (_, r, _) = rehearse(&t, &[]);
    assert_eq!(r["rehearsal"]["steps"][0]["rewrites"], serde_json::json!([]));
    assert_eq!(
        message(&r, "rehearsal-rollback-loses-data"),
        "the rollback does not bring back users: 1000 rows before, 0 after the rollback"
    );

    // A file with CONCURRENTLY runs statement by statement: the ADD COLUMN before it is a
    // momentary catalog change, the concurrent build blocks no writes.
    let t = change(
        "ALTER TABLE users ADD COLUMN nick text;\nCREATE INDEX CONCURRENTLY users_nick ON users (nick);\n",
        Some("DROP INDEX CONCURRENTLY users_nick;\nALTER TABLE users DROP COLUMN nick;\n"),
    );
    let (code, r, _) = rehearse(&t, &[]);
    assert_eq!(code, 0);
    assert_eq!(rules(&r), vec![], "{r:#}");

    // A trigger that stamps updated_at on every write: the backfill's stamps are no loss.
    let trigger = "ALTER TABLE users ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
CREATE FUNCTION stamp() RETURNS trigger AS $$ BEGIN NEW.updated_at = now(); RETURN NEW; END $$ LANGUAGE plpgsql;
CREATE TRIGGER users_stamp BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION stamp();
";
    let t = change_with(
        "UPDATE users SET visits = visits + 1;\n",
        Some("UPDATE users SET visits = visits - 1;\n"),
        &[("migrations/2024-01-02-000000_stamp/up.sql", trigger)],
    );
    let (code, r, _) = rehearse(&t, &[]);
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(r["rehearsal"]["rollback"]["lost"], serde_json::json!([]), "{r:#}");
}

#[test]
#[ignore = "needs PostgreSQL: set RISKGATE_TEST_POSTGRES_URL and run with --include-ignored (as .ci/run does)"]
fn each_migration_folder_is_its_own_database_and_the_policy_can_skip_one() {
    let t = TestRepo::new();
    // Two services, two databases, both with a `users` table: rehearsed apart, or they collide.
    t.write(
        "server/migrations/1_users.up.sql",
        "CREATE TABLE users (id bigint PRIMARY KEY, fax text);\n",
    );
    t.write("server/migrations/1_users.down.sql", "DROP TABLE users;\n");
    t.write(
        "worker/migrations/1_users.up.sql",
        "CREATE TABLE users (id bigint PRIMARY KEY);\n",
    );
    t.write("worker/migrations/1_users.down.sql", "DROP TABLE users;\n");
    t.write(
        "client/migrations/1_history.up.sql",
        "CREATE TABLE history (id integer PRIMARY KEY AUTOINCREMENT);\n",
    );
    t.write("client/migrations/1_history.down.sql", "DROP TABLE history;\n");
    t.write("riskgate.toml", "[rehearse]\nskip = [\"worker/**\"]\n");
    t.commit("base");
    t.branch("feature");
    t.write("server/migrations/2_fax.up.sql", "ALTER TABLE users DROP COLUMN fax;\n");
    t.write(
        "server/migrations/2_fax.down.sql",
        "ALTER TABLE users ADD COLUMN fax text;\n",
    );
    t.write(
        "worker/migrations/2_nick.up.sql",
        "ALTER TABLE users ADD COLUMN nick text;\n",
    );
    t.write(
        "worker/migrations/2_nick.down.sql",
        "ALTER TABLE users DROP COLUMN nick;\n",
    );
    t.write("client/migrations/2_idx.up.sql", "CREATE INDEX h ON history (id);\n");
    t.write("client/migrations/2_idx.down.sql", "DROP INDEX h;\n");
    t.commit("the change");
    let (code, r, _) = rehearse(&t, &[]);
    assert_eq!(code, 1);
    let steps: Vec<&str> = r["rehearsal"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["up_file"].as_str().unwrap())
        .collect();
    assert_eq!(steps, vec!["server/migrations/2_fax.up.sql"]);
    assert_eq!(r["rehearsal"]["base_migrations"], 1);
    let skipped: Vec<(&str, &str)> = r["rehearsal"]["not_rehearsed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["file"].as_str().unwrap(), n["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(
        skipped,
        vec![
            (
                "client/migrations/2_idx.up.sql",
                "client/migrations holds SQLite migrations; the rehearsal runs PostgreSQL"
            ),
            (
                "worker/migrations/2_nick.up.sql",
                "[rehearse] skip names worker/migrations"
            ),
        ]
    );
    assert_eq!(
        rules(&r),
        vec![(
            "rehearsal-rollback-loses-data".into(),
            "high".into(),
            "server/migrations/2_fax.down.sql".into()
        )]
    );
}
