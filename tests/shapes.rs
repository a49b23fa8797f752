//! `riskgate shapes`: a serde type against samples of stored JSON, from files and from a real
//! PostgreSQL (given by RISKGATE_TEST_POSTGRES_URL; marked ignored, so a plain `cargo test`
//! says it did not run, and `--include-ignored` runs it).

mod common;
use common::*;

const MODEL_V1: &str = "use serde::{Deserialize, Serialize};\n\n#[derive(Serialize, Deserialize)]\n#[serde(rename_all = \"snake_case\")]\npub enum Status {\n    Active,\n    AwaitingPayment,\n}\n\n#[derive(Serialize, Deserialize)]\npub struct Order {\n    pub id: u64,\n    pub status: Status,\n    pub note: Option<String>,\n}\n";
// v2 drops a variant, adds one (old readers cannot read it) and adds a required field.
const MODEL_V2: &str = "use serde::{Deserialize, Serialize};\n\n#[derive(Serialize, Deserialize)]\n#[serde(rename_all = \"snake_case\")]\npub enum Status {\n    Active,\n    Refunded,\n}\n\n#[derive(Serialize, Deserialize)]\npub struct Order {\n    pub id: u64,\n    pub status: Status,\n    pub note: Option<String>,\n    pub currency: String,\n}\n";

fn repo() -> TestRepo {
    let t = TestRepo::new();
    t.write("src/model.rs", MODEL_V1);
    t.commit("v1");
    t.branch("feature");
    t.write("src/model.rs", MODEL_V2);
    t.commit("v2");
    t
}

fn records() -> String {
    let mut s = String::new();
    for i in 0..10 {
        s.push_str(&format!(
            "{{\"id\": {i}, \"status\": \"active\", \"currency\": \"EUR\"}}\n"
        ));
    }
    for i in 10..13 {
        s.push_str(&format!(
            "{{\"id\": {i}, \"status\": \"awaiting_payment\", \"currency\": \"EUR\", \"legacy\": 1}}\n"
        ));
    }
    s.push_str("{\"id\": 13, \"status\": \"active\"}\n");
    s
}

#[test]
fn a_sample_file_with_counts_examples_and_the_old_type() {
    let t = repo();
    t.write("sample.jsonl", records());
    let (code, out, err) = run(t.riskgate().args([
        "shapes",
        "--type",
        "src/model.rs::Order",
        "--sample",
        "sample.jsonl",
        "--base",
        "main",
        "--format",
        "json",
    ]));
    assert_eq!(code, 1, "{err}");
    let r = json(&out);
    assert_eq!(r["schema_version"], 1);
    assert_eq!(r["type"], "src/model.rs::Order");
    assert_eq!(
        (r["records"].as_u64(), r["accepted"].as_u64(), r["rejected"].as_u64()),
        (Some(14), Some(10), Some(4))
    );
    assert_eq!(r["distinct_shapes"], 3);
    let failures = r["failures"].as_array().unwrap();
    assert_eq!(failures[0]["kind"], "unknown-variant");
    assert_eq!(failures[0]["path"], "$.status");
    assert_eq!(failures[0]["count"], 3);
    assert_eq!(
        failures[0]["examples"][0],
        serde_json::json!({"record": 11, "value": "awaiting_payment"})
    );
    assert_eq!(failures[1]["kind"], "missing-field");
    assert_eq!(failures[1]["path"], "$.currency");
    assert_eq!(
        r["dropped_on_rewrite"],
        serde_json::json!([{"path": "$.legacy", "count": 3}])
    );
    assert_eq!(r["newly_rejected"], 4, "the old type read all of them");
    let old_readers = r["old_readers"].as_array().unwrap();
    // What v2 can write that v1, the release you would roll back to, cannot read: the new
    // variant of the nested enum. (The new required field and the removed variant break
    // new readers of old data, which the counts above cover.)
    let kinds: Vec<(&str, &str)> = old_readers
        .iter()
        .map(|o| (o["kind"].as_str().unwrap(), o["path"].as_str().unwrap()))
        .collect();
    assert_eq!(kinds, vec![("variant-added", "Status::Refunded")], "{old_readers:?}");
    // Text: one line per path with counts and values.
    let (_, text, _) = run(t
        .riskgate()
        .args(["shapes", "--type", "src/model.rs::Order", "--sample", "sample.jsonl"]));
    assert!(
        text.contains("status: 3 of 14 records would fail: \"awaiting_payment\" (3, unknown-variant)"),
        "{text}"
    );
    // The old type accepts every record.
    let (code, out, _) = run(t.riskgate().args([
        "shapes",
        "--type",
        "src/model.rs::Order",
        "--rev",
        "main",
        "--sample",
        "sample.jsonl",
        "--format",
        "json",
    ]));
    assert_eq!(code, 0);
    assert_eq!(json(&out)["rejected"], 0);
}

#[test]
fn a_json_array_sample_and_bad_arguments() {
    let t = repo();
    t.write("sample.json", "[{\"id\": 1, \"status\": \"active\", \"currency\": \"EUR\"}, {\"id\": 1.5, \"status\": \"active\", \"currency\": \"EUR\"}]");
    let (code, out, _) = run(t.riskgate().args([
        "shapes",
        "--type",
        "src/model.rs::Order",
        "--sample",
        "sample.json",
        "--format",
        "json",
    ]));
    assert_eq!(code, 1);
    assert_eq!(json(&out)["failures"][0]["kind"], "float-into-integer");
    let (code, _, err) = run(t
        .riskgate()
        .args(["shapes", "--type", "src/model.rs", "--sample", "sample.json"]));
    assert_eq!(code, 2);
    assert!(err.contains("--type takes PATH::TYPE"), "{err}");
    let (code, _, err) = run(t
        .riskgate()
        .args(["shapes", "--type", "src/model.rs::Nope", "--sample", "sample.json"]));
    assert_eq!(code, 2);
    assert!(err.contains("has no Serialize/Deserialize type `Nope`"), "{err}");
}

#[test]
fn check_runs_configured_samples_for_touched_types() {
    let t = TestRepo::new();
    t.write("src/model.rs", MODEL_V1);
    t.write("samples/orders.jsonl", records());
    t.write(
        "riskgate.toml",
        "[[shapes]]\ntype = \"src/model.rs::Order\"\nsample = \"samples/orders.jsonl\"\n",
    );
    t.commit("v1");
    t.branch("feature");
    t.write("src/model.rs", MODEL_V2);
    t.commit("v2");
    let (code, out, _) = run(t.riskgate().args(["check", "--base", "main", "--format", "json"]));
    assert_eq!(code, 1);
    let r = json(&out);
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "json-sample-rejected")
        .expect("a rejected-sample finding")
        .clone();
    assert_eq!(f["severity"], "critical");
    assert_eq!(f["needs_plan"], true);
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("4 of 14 sampled records would be rejected"),
        "{}",
        f["message"]
    );
    // A policy change in the change itself does not judge it: the base's sample still runs.
    t.write("riskgate.toml", "");
    t.commit("drop the shapes check");
    let (code, out, _) = run(t.riskgate().args(["check", "--base", "main", "--format", "json"]));
    assert_eq!(code, 1);
    let rules: Vec<String> = hits(&json(&out)).into_iter().map(|h| h.0).collect();
    assert!(rules.contains(&"json-sample-rejected".to_string()), "{rules:?}");
    assert!(rules.contains(&"policy-changed".to_string()), "{rules:?}");
    // Without a sample in the base policy, nothing runs and nothing is invented.
    t.checkout("main");
    t.write("riskgate.toml", "[[shapes]]\ntype = \"src/model.rs::Order\"\npostgres_url_env = \"RISKGATE_NO_SUCH_VARIABLE\"\nquery = \"SELECT 1\"\n");
    t.commit("no sample");
    t.checkout("feature");
    let (_, out, _) = run(t.riskgate().args(["check", "--base", "main", "--format", "json"]));
    assert!(json(&out)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["rule"] != "json-sample-rejected"));
}

#[test]
#[ignore = "needs PostgreSQL: set RISKGATE_TEST_POSTGRES_URL and run with --include-ignored (as .ci/run does)"]
fn postgres_is_read_in_a_read_only_transaction() {
    let url = std::env::var("RISKGATE_TEST_POSTGRES_URL")
        .expect("RISKGATE_TEST_POSTGRES_URL names the PostgreSQL this test runs against");
    let schema = format!("riskgate_test_{}", std::process::id());
    let mut db = postgres::Client::connect(&url, postgres::NoTls).expect("connect to RISKGATE_TEST_POSTGRES_URL");
    db.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}; CREATE TABLE {schema}.orders (id serial PRIMARY KEY, payload jsonb NOT NULL, raw json);")).unwrap();
    for line in records().lines() {
        db.execute(
            &format!("INSERT INTO {schema}.orders (payload, raw) VALUES ($1::text::jsonb, $1::text::json)"),
            &[&line],
        )
        .unwrap();
    }
    db.execute(&format!("INSERT INTO {schema}.orders (payload, raw) VALUES ('{{}}', '{{\"id\": 1, \"id\": 2, \"status\": \"active\", \"currency\": \"X\"}}')"), &[]).unwrap();
    // The least-privileged role the README recommends: it can read the sampled table, nothing more.
    let role = format!("riskgate_reader_{}", std::process::id());
    db.batch_execute(&format!(
        "DROP ROLE IF EXISTS {role}; CREATE ROLE {role} LOGIN NOSUPERUSER; GRANT USAGE ON SCHEMA {schema} TO {role}; GRANT SELECT ON {schema}.orders TO {role};"
    ))
    .unwrap();
    let (scheme, rest) = url.split_once("://").unwrap();
    let reader = format!(
        "{scheme}://{role}@{}",
        rest.rsplit_once('@').map_or(rest, |(_, host)| host)
    );
    let t = repo();
    let query = format!("SELECT payload FROM {schema}.orders ORDER BY id");
    let shapes = |url: &str, extra: &[&str]| {
        let mut args = vec![
            "shapes",
            "--type",
            "src/model.rs::Order",
            "--postgres",
            url,
            "--query",
            &query,
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        run(t.riskgate().args(&args))
    };
    // A superuser is refused: READ ONLY does not bind it.
    let (code, _, err) = shapes(&url, &[]);
    assert_eq!(code, 2);
    assert!(err.contains("refusing to sample as `postgres`, a superuser"), "{err}");
    let (code, _, err) = shapes(&url, &["--allow-superuser"]);
    assert_eq!(code, 1, "{err}");
    // Values read from the database are hidden unless asked for.
    let (code, out, err) = shapes(&reader, &[]);
    assert_eq!(code, 1, "{err}");
    let r = json(&out);
    assert_eq!(r["records"], 15);
    assert_eq!(r["rejected"], 5);
    assert!(r["source"].as_str().unwrap().ends_with("(read-only transaction)"));
    assert!(!out.contains("password"), "no credentials in the report");
    let values: Vec<&serde_json::Value> = r["failures"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["examples"].as_array().unwrap().iter().map(|e| &e["value"]))
        .collect();
    assert!(
        !values.is_empty()
            && values
                .iter()
                .all(|v| v.as_str() == Some("(hidden: read from a database; --show-values shows it)")),
        "{r}"
    );
    let (_, out, _) = shapes(&reader, &["--show-values"]);
    assert!(!out.contains("(hidden: read from a database"), "{out}");
    // The role cannot read the server's files.
    let file_query = "SELECT to_jsonb(pg_read_file('/etc/hostname'))";
    let (code, _, err) = run(t.riskgate().args([
        "shapes",
        "--type",
        "src/model.rs::Order",
        "--postgres",
        &reader,
        "--query",
        file_query,
    ]));
    assert_eq!(code, 2);
    assert!(err.contains("permission denied"), "{err}");
    let superuser = url.clone();
    let url = reader.clone();
    // --limit, and duplicate keys kept by the json (not jsonb) column.
    let raw = format!("SELECT raw FROM {schema}.orders WHERE raw IS NOT NULL AND id > 14 ORDER BY id");
    let (_, out, _) = run(t.riskgate().args([
        "shapes",
        "--type",
        "src/model.rs::Order",
        "--postgres",
        &url,
        "--query",
        &raw,
        "--limit",
        "5",
        "--format",
        "json",
    ]));
    let r = json(&out);
    assert_eq!(r["records"], 1);
    assert!(
        r["failures"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["kind"] == "duplicate-key"),
        "{r}"
    );
    // A statement that writes cannot even be expressed: the query is wrapped as a subquery.
    let write = format!("INSERT INTO {schema}.orders (payload) VALUES ('{{}}') RETURNING payload");
    let (code, _, _) = run(t.riskgate().args([
        "shapes",
        "--type",
        "src/model.rs::Order",
        "--postgres",
        &url,
        "--query",
        &write,
    ]));
    assert_eq!(code, 2);
    // A SELECT with a side effect fails inside the READ ONLY transaction, and nothing changes.
    let state = |db: &mut postgres::Client| -> (i64, i64) {
        let count: i64 = db
            .query_one(&format!("SELECT count(*) FROM {schema}.orders"), &[])
            .unwrap()
            .get(0);
        let seq: i64 = db
            .query_one(&format!("SELECT last_value FROM {schema}.orders_id_seq"), &[])
            .unwrap()
            .get(0);
        (count, seq)
    };
    let before = state(&mut db);
    let sneaky = format!("SELECT to_jsonb(nextval('{schema}.orders_id_seq'))");
    let (code, _, err) = run(t.riskgate().args([
        "shapes",
        "--type",
        "src/model.rs::Order",
        "--postgres",
        &url,
        "--query",
        &sneaky,
    ]));
    assert_eq!(code, 2);
    assert!(err.contains("permission denied for sequence"), "{err}");
    // Even a superuser, when allowed, is held by the READ ONLY transaction here.
    let (code, _, err) = run(t.riskgate().args([
        "shapes",
        "--type",
        "src/model.rs::Order",
        "--postgres",
        &superuser,
        "--allow-superuser",
        "--query",
        &sneaky,
    ]));
    assert_eq!(code, 2);
    assert!(err.contains("read-only transaction"), "{err}");
    assert_eq!(before, state(&mut db), "riskgate wrote nothing");
    db.batch_execute(&format!("DROP SCHEMA {schema} CASCADE; DROP ROLE {role};"))
        .unwrap();
}

#[test]
fn every_record_is_judged_whatever_came_before() {
    let t = TestRepo::new();
    t.write(
        "src/prefs.rs",
        "#[derive(serde::Deserialize)]\npub struct Prefs { pub theme: String, pub newsletter: bool }\n",
    );
    t.commit("prefs");
    let good = "{\"theme\":\"x\",\"newsletter\":true}";
    let bad = "{\"theme\":\"x\",\"newsletter\":\"yes\"}";
    for (label, sample) in [
        ("valid first", format!("{good}\n{bad}\n")),
        ("invalid first", format!("{bad}\n{good}\n")),
    ] {
        t.write("s.jsonl", &sample);
        let (code, out, err) = run(t.riskgate().args([
            "shapes",
            "--type",
            "src/prefs.rs::Prefs",
            "--sample",
            "s.jsonl",
            "--rev",
            "HEAD",
            "--format",
            "json",
        ]));
        assert_eq!(code, 1, "{label}: {err}");
        let r = json(&out);
        assert_eq!(
            (r["records"].as_u64(), r["rejected"].as_u64()),
            (Some(2), Some(1)),
            "{label}: {r}"
        );
        assert_eq!(r["failures"][0]["kind"], "wrong-type", "{label}");
    }
}
