//! The json-shape analyzer through `riskgate check` on real repositories: serde types, moved
//! types, fixtures, JSON Schema, OpenAPI, and the compound JSON-column finding.

mod common;
use common::*;
use serde_json::Value;

const PREFS_V1: &str = "use serde::{Deserialize, Serialize};\n\n#[derive(Debug, Serialize, Deserialize)]\npub struct UserPrefs {\n    pub color: String,\n    pub newsletter: bool,\n}\n";
const PREFS_V2: &str = "use serde::{Deserialize, Serialize};\n\n#[derive(Debug, Serialize, Deserialize)]\npub struct UserPrefs {\n    pub theme: String,\n    pub newsletter: bool,\n}\n";

/// A repository whose main holds `base` and whose feature branch holds `head` (None deletes).
fn change(base: &[(&str, &str)], head: &[(&str, Option<&str>)]) -> Vec<Value> {
    analyzer_findings(&base_and_feature(base, head), "json-shape", &[])
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

/// A Diesel row that stores `UserPrefs` in a JSON column: the type's role is stored JSON.
const PREFS_ROW: &str = "use diesel::prelude::*;\nuse diesel::pg::sql_types::Jsonb;\n\n#[derive(Queryable, Selectable)]\npub struct User {\n    pub id: i32,\n    pub prefs: Json<UserPrefs>,\n}\n";

#[test]
fn a_renamed_serde_field_is_reported_with_type_field_and_direction() {
    let found = change(
        &[("src/prefs.rs", PREFS_V1), ("src/user.rs", PREFS_ROW)],
        &[("src/prefs.rs", Some(PREFS_V2))],
    );
    assert_eq!(
        brief(&found),
        vec![("serde-shape-changed".into(), "field-renamed".into(), "both".into())]
    );
    let f = &found[0];
    assert_eq!(f["symbol"], "src/prefs.rs::UserPrefs");
    assert_eq!(f["file"], "src/prefs.rs");
    assert_eq!(f["line"], 5);
    assert_eq!(f["severity"], "high");
    assert_eq!(
        f["message"],
        "UserPrefs.color is renamed to `theme` (stored JSON: a JSON column of the row `User` (src/user.rs:5))"
    );
    assert_eq!(f["gating"], "broken-contract");
    assert_eq!(f["needs_plan"], true);
}

#[test]
fn a_type_whose_role_is_unknown_gets_a_medium_hint_that_says_so() {
    let found = change(&[("src/prefs.rs", PREFS_V1)], &[("src/prefs.rs", Some(PREFS_V2))]);
    assert_eq!(found.len(), 1, "{found:?}");
    let f = &found[0];
    assert_eq!(f["severity"], "medium");
    assert_eq!(f["needs_plan"], false);
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("role unknown: no request, response or database use"),
        "{f}"
    );
}

const LOGIN_V1: &str = "#[derive(Deserialize)]\npub struct Login {\n    pub user: String,\n}\n\n#[derive(Serialize)]\npub struct Token {\n    pub token: String,\n    pub expires: i64,\n}\n\npub async fn login(Json(req): Json<Login>) -> Result<Json<Token>, Error> {\n    issue(req).await\n}\n";

#[test]
fn request_bodies_break_on_renamed_fields_and_responses_on_removed_ones() {
    let v2 = LOGIN_V1
        .replace(
            "    pub user: String,\n",
            "    pub user: String,\n    pub otp: String,\n",
        )
        .replace("    pub expires: i64,\n", "");
    let found = change(&[("src/api.rs", LOGIN_V1)], &[("src/api.rs", Some(&v2))]);
    let got: Vec<(String, String, String)> = found
        .iter()
        .map(|f| {
            (
                f["symbol"].as_str().unwrap().to_string(),
                f["tags"][0].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            // Whether old clients already send it is not visible here: a hint.
            (
                "src/api.rs::Login".into(),
                "field-added-required".into(),
                "medium".into()
            ),
            // A Serialize-only response: old clients that read `expires` break.
            ("src/api.rs::Token".into(), "field-removed".into(), "high".into()),
        ],
        "{found:?}"
    );
    assert!(found[0]["message"]
        .as_str()
        .unwrap()
        .contains("`login` takes it as a request body (src/api.rs:12)"));
    assert_eq!(
        found[1]["message"],
        "Token.expires (i64) is removed: old clients that read it no longer get it (response to clients: `login` returns it as a response (src/api.rs:12))"
    );
    // Renaming what clients send breaks them.
    let renamed = LOGIN_V1.replace("    pub user: String,\n", "    pub username: String,\n");
    let found = change(&[("src/api.rs", LOGIN_V1)], &[("src/api.rs", Some(&renamed))]);
    assert_eq!(
        brief(&found),
        vec![(
            "serde-shape-changed".into(),
            "field-renamed".into(),
            "reads-old-data".into()
        )]
    );
    assert_eq!(found[0]["severity"], "high");
    // Adding a field to a response breaks nobody.
    let added = LOGIN_V1.replace(
        "    pub expires: i64,\n",
        "    pub expires: i64,\n    pub scope: String,\n",
    );
    assert!(change(&[("src/api.rs", LOGIN_V1)], &[("src/api.rs", Some(&added))]).is_empty());
}

const ROW_V1: &str = "#[cfg_attr(feature = \"full\", derive(Queryable, Selectable, Identifiable))]\n#[derive(Clone, Serialize, Deserialize)]\npub struct Post {\n    pub id: i32,\n    pub name: String,\n}\n";

#[test]
fn a_row_field_added_with_its_column_is_no_finding() {
    let v2 = ROW_V1.replace(
        "    pub name: String,\n",
        "    pub name: String,\n    pub url_content_type: String,\n",
    );
    let migration = "ALTER TABLE post ADD COLUMN url_content_type text NOT NULL DEFAULT '';\n";
    let found = change(
        &[("src/post.rs", ROW_V1)],
        &[
            ("src/post.rs", Some(&v2)),
            ("migrations/2024-01-01_add/up.sql", Some(migration)),
        ],
    );
    assert!(found.is_empty(), "{found:?}");
    // Without the column in the change the role is still a row: a medium hint, never gating.
    let found = change(&[("src/post.rs", ROW_V1)], &[("src/post.rs", Some(&v2))]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["severity"], "medium");
    assert!(
        found[0]["message"].as_str().unwrap().contains("database row"),
        "{found:?}"
    );
}

#[test]
fn an_optional_field_removed_from_stored_json_is_a_medium_break_for_old_readers() {
    let v1 = PREFS_V1.replace(
        "    pub newsletter: bool,\n",
        "    pub newsletter: bool,\n    pub nick: Option<String>,\n",
    );
    let found = change(
        &[("src/prefs.rs", &v1), ("src/user.rs", PREFS_ROW)],
        &[("src/prefs.rs", Some(PREFS_V1))],
    );
    assert_eq!(
        brief(&found),
        vec![(
            "serde-shape-changed".into(),
            "field-removed".into(),
            "old-readers".into()
        )]
    );
    assert_eq!(found[0]["severity"], "medium");
    assert!(
        found[0]["message"].as_str().unwrap().contains("silently lose the data"),
        "{found:?}"
    );
}

#[test]
fn serde_types_declared_inside_functions_are_read() {
    let v1 = "pub async fn login(Json(req): Json<Login>) -> Status {\n    #[derive(Deserialize)]\n    struct Login {\n        user: String,\n    }\n    check(req)\n}\n";
    let v2 = v1.replace("        user: String,\n", "        username: String,\n");
    let found = change(&[("src/api.rs", v1)], &[("src/api.rs", Some(&v2))]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["symbol"], "src/api.rs::login::Login");
    assert_eq!(found[0]["severity"], "high");
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

#[test]
fn a_field_retyped_to_a_type_defined_elsewhere_is_only_a_hint() {
    let v1 = "#[derive(Serialize, Deserialize)]\npub struct Record {\n    pub id: String,\n}\n\npub async fn put(Json(r): Json<Record>) -> Status {\n    store(r).await\n}\n";
    let v2 = v1.replace("pub id: String,", "pub id: RecordId,");
    let found = change(&[("src/record.rs", v1)], &[("src/record.rs", Some(&v2))]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["severity"], "medium");
    assert!(
        found[0]["message"]
            .as_str()
            .unwrap()
            .contains("it may write the same JSON"),
        "{found:?}"
    );
}

#[test]
fn a_primitive_wrapped_in_a_newtype_writes_the_same_json() {
    let v1 = "#[derive(Serialize, Deserialize)]\npub struct ModAdd {\n    pub id: i32,\n}\n\npub async fn get(Json(m): Json<ModAdd>) -> Status {\n    record(m).await\n}\n";
    let v2 = v1.replace("pub id: i32,", "pub id: ModAddId,")
        + "\n#[derive(Serialize, Deserialize)]\npub struct ModAddId(pub i32);\n";
    assert!(change(&[("src/modlog.rs", v1)], &[("src/modlog.rs", Some(&v2))]).is_empty());
    // A newtype around another type is a change.
    let v3 = v1.replace("pub id: i32,", "pub id: ModAddId,")
        + "\n#[derive(Serialize, Deserialize)]\npub struct ModAddId(pub String);\n";
    let found = change(&[("src/modlog.rs", v1)], &[("src/modlog.rs", Some(&v3))]);
    assert_eq!(brief(&found)[0].1, "type-changed", "{found:?}");
}
