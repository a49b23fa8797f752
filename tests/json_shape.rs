//! The json-shape analyzer through `riskgate check` on real repositories: serde types, moved
//! types, fixtures, JSON Schema, OpenAPI, and the compound JSON-column finding.

mod common;
use common::*;
use serde_json::Value;

const PREFS_V1: &str = "use serde::{Deserialize, Serialize};\n\n#[derive(Debug, Serialize, Deserialize)]\npub struct UserPrefs {\n    pub color: String,\n    pub newsletter: bool,\n}\n";
const PREFS_V2: &str = "use serde::{Deserialize, Serialize};\n\n#[derive(Debug, Serialize, Deserialize)]\npub struct UserPrefs {\n    pub theme: String,\n    pub newsletter: bool,\n}\n";

/// A repository whose main holds `base` and whose feature branch holds `head` (None deletes).
fn change(base: &[(&str, &str)], head: &[(&str, Option<&str>)]) -> Vec<Value> {
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
    analyzer_findings(&t, "json-shape", &[])
}

fn brief(found: &[Value]) -> Vec<(String, String, String)> {
    found
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().into(),
                f["tags"][0].as_str().unwrap().into(),
                f["direction"].as_str().unwrap_or("").into(),
            )
        })
        .collect()
}

#[test]
fn a_renamed_serde_field_is_reported_with_type_field_and_direction() {
    let found = change(&[("src/prefs.rs", PREFS_V1)], &[("src/prefs.rs", Some(PREFS_V2))]);
    assert_eq!(
        brief(&found),
        vec![("serde-shape-changed".into(), "field-renamed".into(), "both".into())]
    );
    let f = &found[0];
    assert_eq!(f["symbol"], "src/prefs.rs::UserPrefs");
    assert_eq!(f["file"], "src/prefs.rs");
    assert_eq!(f["line"], 5);
    assert_eq!(f["severity"], "high");
    assert_eq!(f["message"], "UserPrefs.color is renamed to `theme`");
    assert_eq!(f["needs_plan"], true);
}

#[test]
fn harmless_changes_are_silent() {
    let harmless = PREFS_V1
        .replace(
            "    pub newsletter: bool,\n",
            "    pub newsletter: bool,\n    /// Added later.\n    #[serde(default)]\n    pub bio: Option<String>,\n",
        )
        .replace(
            "pub color: String",
            "#[serde(alias = \"colour\")]\n    pub color: String",
        );
    assert!(change(&[("src/prefs.rs", PREFS_V1)], &[("src/prefs.rs", Some(&harmless))]).is_empty());
    let renamed_type = PREFS_V1.replace("UserPrefs", "Preferences");
    assert!(
        change(&[("src/prefs.rs", PREFS_V1)], &[("src/prefs.rs", Some(&renamed_type))]).is_empty(),
        "a Rust-only type rename"
    );
}

#[test]
fn a_type_moved_to_another_file_is_still_compared() {
    let moved = PREFS_V1.replace(
        "    pub newsletter: bool,\n",
        "    pub newsletter: bool,\n    pub locale: String,\n",
    );
    let found = change(
        &[("src/prefs.rs", PREFS_V1), ("src/lib.rs", "pub mod prefs;\n")],
        &[("src/prefs.rs", None), ("src/model/prefs.rs", Some(&moved))],
    );
    assert_eq!(
        brief(&found),
        vec![(
            "serde-shape-changed".into(),
            "field-added-required".into(),
            "reads-old-data".into()
        )]
    );
    assert_eq!(found[0]["symbol"], "src/model/prefs.rs::UserPrefs");
}

#[test]
fn fixtures_schemas_and_openapi() {
    let found = change(
        &[(
            "tests/fixtures/order.json",
            "{\"id\": 1, \"total\": 9.5, \"items\": [{\"sku\": \"a\"}]}\n",
        )],
        &[(
            "tests/fixtures/order.json",
            Some("{\"id\": \"1\", \"total\": 9.5, \"items\": [{\"sku\": \"a\"}]}\n"),
        )],
    );
    assert_eq!(
        brief(&found),
        vec![("json-sample-shape-changed".into(), "type-changed".into(), "both".into())]
    );
    assert_eq!(found[0]["symbol"], "tests/fixtures/order.json::$.id");

    let schema_v1 = "{\n  \"type\": \"object\",\n  \"required\": [\"id\"],\n  \"properties\": {\n    \"id\": {\"type\": \"integer\"}\n  }\n}\n";
    let schema_v2 = "{\n  \"type\": \"object\",\n  \"required\": [\"id\", \"email\"],\n  \"properties\": {\n    \"id\": {\"type\": \"integer\"},\n    \"email\": {\"type\": \"string\"}\n  }\n}\n";
    let found = change(
        &[("schemas/user.schema.json", schema_v1)],
        &[("schemas/user.schema.json", Some(schema_v2))],
    );
    assert_eq!(
        brief(&found),
        vec![(
            "json-schema-changed".into(),
            "field-added-required".into(),
            "reads-old-data".into()
        )]
    );

    let api_v1 = "openapi: 3.0.0\ncomponents:\n  schemas:\n    User:\n      type: object\n      properties:\n        id:\n          type: integer\n";
    let api_v2 = api_v1.replace("          type: integer", "          type: string");
    let found = change(&[("api/openapi.yaml", api_v1)], &[("api/openapi.yaml", Some(&api_v2))]);
    assert_eq!(
        brief(&found),
        vec![("json-schema-changed".into(), "type-changed".into(), "both".into())]
    );
    let metadata_only = api_v1.replace("      type: object", "      type: object\n      description: A user.");
    assert!(change(
        &[("api/openapi.yaml", api_v1)],
        &[("api/openapi.yaml", Some(&metadata_only))]
    )
    .is_empty());
}

#[test]
fn the_json_column_incident_raises_one_critical_finding() {
    let sql = "UPDATE users SET prefs = jsonb_set(prefs - 'color', '{theme}', prefs->'color');\n";
    let found = change(
        &[("src/prefs.rs", PREFS_V1)],
        &[
            ("src/prefs.rs", Some(PREFS_V2)),
            ("db/migrations/0002_prefs.sql", Some(sql)),
        ],
    );
    let compound: Vec<&Value> = found
        .iter()
        .filter(|f| f["rule"] == "json-column-contract-changed")
        .collect();
    assert_eq!(compound.len(), 1, "{found:#?}");
    let f = compound[0];
    assert_eq!(f["severity"], "critical");
    assert_eq!(f["file"], "db/migrations/0002_prefs.sql");
    assert_eq!(f["symbol"], "src/prefs.rs::UserPrefs");
    assert_eq!(f["needs_plan"], true);
    assert_eq!(f["direction"], "both");
    assert!(f["message"].as_str().unwrap().starts_with("the migration reshapes users.prefs while UserPrefs, stored in it, changes: UserPrefs.color is renamed to `theme`"), "{}", f["message"]);

    // A reshape of another table's column does not pair with this type.
    let other = "UPDATE orders SET meta = jsonb_set(meta, '{v}', '2');\n";
    let found = change(
        &[("src/prefs.rs", PREFS_V1)],
        &[
            ("src/prefs.rs", Some(PREFS_V2)),
            ("db/migrations/0002_orders.sql", Some(other)),
        ],
    );
    assert!(found.iter().all(|f| f["rule"] != "json-column-contract-changed"));

    // An explicit mapping pairs names that do not match.
    let found = change(
        &[
            ("src/prefs.rs", PREFS_V1),
            (
                "riskgate.toml",
                "[[json_column]]\ntable = \"accounts\"\ncolumn = \"settings\"\ntype = \"UserPrefs\"\n",
            ),
        ],
        &[
            ("src/prefs.rs", Some(PREFS_V2)),
            (
                "db/migrations/0002_a.sql",
                Some("UPDATE accounts SET settings = settings || '{\"v\": 2}'::jsonb;\n"),
            ),
        ],
    );
    assert!(
        found.iter().any(|f| f["rule"] == "json-column-contract-changed"),
        "{found:#?}"
    );
}
