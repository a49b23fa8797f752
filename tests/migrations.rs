//! The migration analyzer through `riskgate check` on real repositories: every format, the
//! checks, and the tricky cases (comments and strings, same-file objects, real and fake
//! backups, tautologies, dynamic SQL).

mod common;
use common::*;
use serde_json::Value;

/// Findings of the migration analyzer for a feature branch holding `files`.
fn migration_findings(files: &[(&str, &str)]) -> Vec<Value> {
    analyzer_findings(&feature(files), "migration", &[])
}

fn summary(files: &[(&str, &str)]) -> Vec<(String, String, u64)> {
    migration_findings(files)
        .into_iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["file"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

fn rules(files: &[(&str, &str)]) -> Vec<String> {
    summary(files).into_iter().map(|s| s.0).collect()
}

#[test]
fn drop_column_blocks_and_a_real_backup_mitigates() {
    let t = feature(&[(
        "db/migrations/0042_drop_fax.sql",
        "-- fax is unused\nALTER TABLE customers DROP COLUMN fax;\n",
    )]);
    let (code, out, _) = run(t.riskgate().args(["check", "--base", "main", "--format", "json"]));
    assert_eq!(code, 1);
    let r = json(&out);
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "migration-drops-column")
        .unwrap();
    assert_eq!(f["file"], "db/migrations/0042_drop_fax.sql");
    assert_eq!(f["line"], 2);
    assert_eq!(f["severity"], "high");
    assert_eq!(f["tags"], serde_json::json!(["destructive"]));
    assert_eq!(f["needs_plan"], true);
    assert_eq!(f["message"], "DROP COLUMN customers.fax discards every stored value");
    assert_eq!(f["evidence"], "ALTER TABLE customers DROP COLUMN fax;");
    assert_eq!(r["gate"]["verdict"], "blocked");

    let backed = migration_findings(&[(
        "db/migrations/0042_drop_fax.sql",
        "CREATE TABLE customers_fax_backup AS SELECT id, fax FROM customers;\nALTER TABLE customers DROP COLUMN fax;\n",
    )]);
    assert_eq!(backed.len(), 1);
    assert_eq!(backed[0]["mitigated_by"], serde_json::json!(["backup"]));
    assert_eq!(backed[0]["severity"], "info");
}

#[test]
fn fake_backups_do_not_count() {
    for (sql, why) in [
        (
            "CREATE TABLE orders_backup AS SELECT * FROM orders;\nALTER TABLE customers DROP COLUMN fax;\n",
            "is of `orders`, not `customers`",
        ),
        (
            "CREATE TABLE customers_backup (LIKE customers);\nALTER TABLE customers DROP COLUMN fax;\n",
            "structure only",
        ),
        (
            "ALTER TABLE customers DROP COLUMN fax;\nCREATE TABLE customers_backup AS SELECT * FROM customers;\n",
            "taken after this statement",
        ),
    ] {
        let found = migration_findings(&[("db/migrations/0042.sql", sql)]);
        assert_eq!(found[0]["rule"], "migration-drops-column", "{sql}");
        assert_eq!(found[0]["mitigated_by"], serde_json::json!([]), "{sql}");
        assert!(
            found[0]["message"].as_str().unwrap().contains(why),
            "{sql}: {}",
            found[0]["message"]
        );
    }
}

#[test]
fn comments_strings_and_new_objects_stay_silent() {
    let sql = "-- DROP TABLE customers;\n/* ALTER TABLE customers DROP COLUMN fax; */\nCREATE TABLE import_tmp (id int, payload jsonb);\nCREATE INDEX import_tmp_idx ON import_tmp (id);\nINSERT INTO audit (note) VALUES ('TRUNCATE customers; DELETE FROM customers');\nDROP TABLE import_tmp;\nDELETE FROM import_tmp WHERE id < 3;\n";
    assert_eq!(rules(&[("db/migrations/0043.sql", sql)]), Vec::<String>::new());
}

#[test]
fn tautologies_batches_and_dynamic_sql() {
    let sql = "DELETE FROM sessions WHERE 1 = 1;\nUPDATE accounts SET plan = 'basic' WHERE true;\nUPDATE accounts SET plan = 'pro' WHERE id IN (SELECT id FROM accounts WHERE plan IS NULL LIMIT 500);\nDO $$ BEGIN EXECUTE 'DROP TABLE ' || quote_ident('x'); END $$;\n";
    assert_eq!(
        summary(&[("db/migrations/0044.sql", sql)]),
        vec![
            ("migration-deletes-all-rows".into(), "db/migrations/0044.sql".into(), 1),
            ("migration-rewrites-all-rows".into(), "db/migrations/0044.sql".into(), 2),
            ("migration-runs-dynamic-sql".into(), "db/migrations/0044.sql".into(), 4),
        ]
    );
}

#[test]
fn the_json_column_incident_is_caught() {
    let sql = "UPDATE users SET prefs = jsonb_set(prefs - 'color', '{theme}', to_jsonb(prefs->>'color'));\n";
    let found = migration_findings(&[
        ("migrations/2024-05-01-000000_prefs/up.sql", sql),
        ("migrations/2024-05-01-000000_prefs/down.sql", "SELECT 1;\n"),
    ]);
    let rules: Vec<_> = found.iter().map(|f| f["rule"].as_str().unwrap()).collect();
    // Sorted by file: the empty down.sql comes first.
    assert_eq!(rules, vec!["migration-rollback-missing", "migration-removes-json-key"]);
    assert_eq!(found[0]["file"], "migrations/2024-05-01-000000_prefs/down.sql");
    assert_eq!(
        found[1]["tags"],
        serde_json::json!(["destructive", "json-reshape", "data-rewrite"])
    );
}

#[test]
fn mysql_dialect_from_markers() {
    let sql = "ALTER TABLE `orders` MODIFY COLUMN `total` DECIMAL(10,2) NOT NULL;\nALTER TABLE `orders` CHANGE `note` `notes` TEXT;\n";
    let found = summary(&[("db/migrations/0045.sql", sql)]);
    assert_eq!(
        found.iter().map(|f| f.0.as_str()).collect::<Vec<_>>(),
        vec!["migration-changes-column-type", "migration-renames-column"]
    );
}

#[test]
fn rails_migrations() {
    let rb = "class DropFax < ActiveRecord::Migration[7.1]\n  def change\n    # remove_column :users, :ignored\n    remove_column :customers, :fax, :string\n    add_index :orders, :customer_id\n    safety_assured do\n      add_index :orders, :created_at\n    end\n    add_index :orders, :state, algorithm: :concurrently\n  end\nend\n";
    let found = migration_findings(&[("db/migrate/20240501000000_drop_fax.rb", rb)]);
    let got: Vec<_> = found
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap(),
                f["line"].as_u64().unwrap(),
                f["suppressed"].is_null(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("migration-drops-column", 4, true),
            ("migration-creates-index-without-concurrently", 5, true),
            ("migration-creates-index-without-concurrently", 7, false),
        ]
    );
    // The same acknowledgement written on one line, with braces.
    let one_line = "class Idx < ActiveRecord::Migration[7.1]\n  def change\n    safety_assured { add_index :orders, :created_at }\n    add_index :orders, :state\n  end\nend\n";
    let found = migration_findings(&[("db/migrate/20240501000001_idx.rb", one_line)]);
    let got: Vec<_> = found
        .iter()
        .map(|f| (f["line"].as_u64().unwrap(), f["suppressed"].is_null()))
        .collect();
    assert_eq!(got, vec![(3, false), (4, true)]);
    let up_only =
        "class Purge < ActiveRecord::Migration[7.1]\n  def up\n    execute \"DELETE FROM sessions\"\n  end\nend\n";
    assert_eq!(
        rules(&[("db/migrate/20240502000000_purge.rb", up_only)]),
        vec!["migration-rollback-missing", "migration-deletes-all-rows"]
    );
}

#[test]
fn django_migrations() {
    let py = "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n    operations = [\n        migrations.RemoveField(model_name='customer', name='fax'),\n        migrations.RenameField(model_name='customer', old_name='mail', new_name='email'),\n        migrations.AddField(model_name='customer', name='country', field=models.CharField(max_length=2)),\n        migrations.AddField(model_name='customer', name='note', field=models.TextField(null=True)),\n        migrations.RunSQL(\"UPDATE shop_customer SET prefs = prefs || '{\\\"v\\\": 2}'::jsonb\"),\n        migrations.RunPython(backfill, migrations.RunPython.noop),\n    ]\n";
    let found = summary(&[("shop/migrations/0042_customer_changes.py", py)]);
    let got: Vec<_> = found.iter().map(|f| (f.0.as_str(), f.2)).collect();
    assert_eq!(
        got,
        vec![
            ("migration-drops-column", 6),
            ("migration-renames-column", 7),
            ("migration-adds-required-column", 8),
            ("migration-reshapes-json", 10),
            // The RunSQL without reverse_sql is the first way back missing; it is the one named.
            ("migration-rollback-missing", 10),
            ("migration-backfills-in-code", 11),
        ]
    );
}

#[test]
fn alembic_migrations() {
    let py = "\"\"\"drop fax\"\"\"\nfrom alembic import op\n\n\ndef upgrade():\n    op.drop_column('customers', 'fax')\n    op.alter_column('orders', 'customer_id', nullable=False)\n    op.execute(\"UPDATE orders SET total = 0\")\n\n\ndef downgrade():\n    pass\n";
    let found = summary(&[("alembic/versions/ab12_drop_fax.py", py)]);
    let got: Vec<_> = found.iter().map(|f| (f.0.as_str(), f.2)).collect();
    assert_eq!(
        got,
        vec![
            ("migration-drops-column", 6),
            ("migration-sets-not-null", 7),
            ("migration-rewrites-all-rows", 8),
            ("migration-rollback-missing", 11)
        ]
    );
}

#[test]
fn knex_flyway_prisma_and_sqlx() {
    let js = "exports.up = function(knex) {\n  return knex.schema.alterTable('users', (t) => {\n    t.dropColumn('fax');\n  });\n};\nexports.down = function(knex) {};\n";
    assert_eq!(
        rules(&[("migrations/20240501_drop_fax.js", js)]),
        vec!["migration-drops-column", "migration-rollback-missing"]
    );
    assert_eq!(
        rules(&[(
            "src/main/resources/db/migration/V3__drop_fax.sql",
            "ALTER TABLE users DROP COLUMN fax;\n"
        )]),
        vec!["migration-drops-column"]
    );
    // Flyway undo files are rollbacks: dropping what V3 added is intended.
    assert!(rules(&[
        ("sql/V4__add_age.sql", "ALTER TABLE users ADD COLUMN age int;\n"),
        ("sql/U4__add_age.sql", "ALTER TABLE users DROP COLUMN age;\n"),
    ])
    .is_empty());
    assert_eq!(
        rules(&[(
            "prisma/migrations/20240501_init/migration.sql",
            "DROP TABLE \"Legacy\";\n"
        )]),
        vec!["migration-drops-table"]
    );
    assert_eq!(
        rules(&[("migrations/20240501120000_purge.sql", "TRUNCATE events;\n")]),
        vec!["migration-truncates-table"]
    );
}

#[test]
fn diesel_pair_with_real_down_passes_the_gate() {
    let t = feature(&[
        (
            "migrations/2024-05-01-000000_add_age/up.sql",
            "ALTER TABLE users ADD COLUMN age integer;\n",
        ),
        (
            "migrations/2024-05-01-000000_add_age/down.sql",
            "ALTER TABLE users DROP COLUMN age;\n",
        ),
    ]);
    let (code, out, _) = run(t.riskgate().args(["check", "--base", "main", "--format", "json"]));
    assert_eq!(code, 0, "{out}");
    assert!(json(&out)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["analyzer"] != "migration"));
}

#[test]
fn migration_explain_pages_exist() {
    let t = TestRepo::new();
    let (code, out, _) = run(t.riskgate().args(["explain", "migration-reshapes-json"]));
    assert_eq!(code, 0);
    assert!(out.contains("A JSON column's schema lives only in the data"), "{out}");
}

/// Migration findings of a change from `base` files to `head` files (None deletes), but the
/// drift hint every edit of an applied migration gets (`applied_migration_edits_say_what_changed`).
fn between(base: &[(&str, &str)], head: &[(&str, Option<&str>)]) -> Vec<(String, String, u64, String)> {
    let t = base_and_feature(base, head);
    analyzer_findings(&t, "migration", &[])
        .into_iter()
        .filter(|f| f["rule"] != "applied-migration-edited")
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["file"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap_or(0),
                f["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

const OLD_DROP: &str = "ALTER TABLE person DROP COLUMN fax;\nCREATE INDEX person_name ON person (name);\n";

#[test]
fn an_edited_migration_is_judged_by_what_the_edit_adds() {
    let dir = "migrations/2024-01-01-000000_cleanup";
    let up = format!("{dir}/up.sql");
    // Only the second line changes: the drop ran long ago and does not run again; the index on
    // other columns of the same table is the same kind of statement as before.
    let edited = OLD_DROP.replace("(name)", "(name, id)");
    assert_eq!(between(&[(&up, OLD_DROP)], &[(&up, Some(&edited))]), vec![]);
    let edited = OLD_DROP.replace(
        "CREATE INDEX person_name ON person (name);",
        "ALTER TABLE person ALTER COLUMN name SET NOT NULL;",
    );
    assert_eq!(
        between(&[(&up, OLD_DROP)], &[(&up, Some(&edited))]),
        vec![("migration-sets-not-null".into(), up.clone(), 2, "medium".into())]
    );
    // A drop the edit adds is judged: the migration may not have reached production yet.
    let more = format!("{OLD_DROP}ALTER TABLE person DROP COLUMN phone;\n");
    assert_eq!(
        between(&[(&up, OLD_DROP)], &[(&up, Some(&more))]),
        vec![("migration-drops-column".into(), up.clone(), 3, "high".into())]
    );
    // Drops folded into one statement were there before.
    let two = "DROP TABLE a_aggregates;\nDROP TABLE b_aggregates;\n";
    let folded = "DROP TABLE a_aggregates, b_aggregates;\n";
    assert_eq!(between(&[(&up, two)], &[(&up, Some(folded))]), vec![]);
}

#[test]
fn a_moved_migration_adds_nothing_and_a_redated_one_runs_again() {
    let old = "server/migrations/2024-01-01-000000_cleanup/up.sql";
    let moved = "crates/server/migrations/2024-01-01-000000_cleanup/up.sql";
    assert_eq!(
        between(&[(old, OLD_DROP)], &[(old, None), (moved, Some(OLD_DROP))]),
        vec![]
    );
    // Diesel keys applied migrations by the folder's version: a new date runs it again.
    let redated = "server/migrations/2025-06-01-000000_cleanup/up.sql";
    assert_eq!(
        between(&[(old, OLD_DROP)], &[(old, None), (redated, Some(OLD_DROP))]),
        vec![
            ("migration-drops-column".into(), redated.to_string(), 1, "high".into()),
            (
                "migration-creates-index-without-concurrently".into(),
                redated.to_string(),
                2,
                "medium".into()
            )
        ]
    );
}

#[test]
fn a_down_migration_never_holds_a_change() {
    let dir = "migrations/mysql/2024-01-01-000000_add_fax";
    let found = between(
        &[],
        &[
            (
                &format!("{dir}/up.sql"),
                Some("CREATE INDEX person_name ON person (name);\n"),
            ),
            (
                &format!("{dir}/down.sql"),
                Some("ALTER TABLE person DROP COLUMN fax;\n"),
            ),
        ],
    );
    let down: Vec<_> = found.iter().filter(|f| f.1.ends_with("down.sql")).collect();
    assert!(!down.is_empty(), "{found:?}");
    assert!(
        down.iter().all(|f| f.3 == "medium" || f.3 == "low" || f.3 == "info"),
        "{found:?}"
    );
}

#[test]
fn real_history_edges_rebuilds_moves_reformats_and_restated_columns() {
    // SQLite's rebuild: the old table is renamed away, created again and copied back.
    let rebuild = "ALTER TABLE devices RENAME TO devices_old;\nCREATE TABLE devices (uuid TEXT PRIMARY KEY, name TEXT);\nINSERT INTO devices (uuid, name) SELECT uuid, name FROM devices_old;\nDROP TABLE devices_old;\n";
    assert!(
        !rules(&[("db/migrations/0007_rebuild.sql", rebuild)]).contains(&"migration-renames-table".to_string()),
        "{:?}",
        rules(&[("db/migrations/0007_rebuild.sql", rebuild)])
    );
    // Values moved into another column before the drop are not lost.
    let moved = "UPDATE person SET person_id = (SELECT id FROM p WHERE p.name = person.local_user_name);\nALTER TABLE person DROP COLUMN local_user_name;\n";
    let found = migration_findings(&[("db/migrations/0008_move.sql", moved)]);
    let drop = found.iter().find(|f| f["rule"] == "migration-drops-column").unwrap();
    assert_eq!(drop["mitigated_by"], serde_json::json!(["backup"]), "{drop}");
    assert!(
        drop["message"]
            .as_str()
            .unwrap()
            .contains("moved into person.person_id"),
        "{drop}"
    );
    // A table another migration of the same change creates is new.
    assert!(rules(&[
        ("db/migrations/0009_create.sql", "CREATE TABLE tag (id int);\n"),
        (
            "db/migrations/0010_rename.sql",
            "ALTER TABLE tag RENAME TO community_tag;\n"
        ),
    ])
    .is_empty());
    // Reformatting an applied migration adds nothing.
    let old = "class Widen < ActiveRecord::Migration[5.2]\n  def up\n    change_column :stories, :title, :string, limit: 150\n  end\nend\n";
    let reformatted = old.replace(":string, limit: 150", ":string,   limit: 150");
    assert_eq!(
        between(
            &[("db/migrate/20180101000000_widen.rb", old)],
            &[("db/migrate/20180101000000_widen.rb", Some(&reformatted))]
        ),
        vec![]
    );
    // Restated columns stay hints; a type change gates; a widening to text loses nothing and
    // old code reads it as before, so it stays a hint unless `USING` rewrites the values.
    for (sql, severity) in [
        ("ALTER TABLE users MODIFY name TEXT NULL;", "medium"),
        ("ALTER TABLE users ALTER COLUMN name TYPE text;", "medium"),
        (
            "ALTER TABLE users ALTER COLUMN name TYPE text USING upper(name);",
            "high",
        ),
        ("ALTER TABLE users ALTER COLUMN age TYPE bigint;", "high"),
    ] {
        let found = migration_findings(&[("db/migrations/0011_type.sql", sql)]);
        assert_eq!(found[0]["rule"], "migration-changes-column-type", "{sql}");
        assert_eq!(found[0]["severity"], severity, "{sql}");
    }
    let rails = "class Ids < ActiveRecord::Migration[5.2]\n  def up\n    change_column :tags, :hotness_mod, :float\n  end\nend\n";
    let found = migration_findings(&[("db/migrate/20180101000001_ids.rb", rails)]);
    assert_eq!(found[0]["severity"], "medium", "{found:?}");
}

#[test]
fn the_schema_file_says_whether_a_restated_column_changes_type() {
    let schema = |ty: &str| {
        format!("ActiveRecord::Schema[7.0].define(version: 1) do\n  create_table \"tags\", force: :cascade do |t|\n    t.{ty} \"hotness_mod\"\n    t.string \"tag\", limit: 25\n  end\nend\n")
    };
    let migration = "class Hot < ActiveRecord::Migration[7.0]\n  def up\n    change_column :tags, :hotness_mod, :float\n  end\nend\n";
    let path = "db/migrate/20200101000000_hot.rb";
    let found = between(
        &[("db/schema.rb", &schema("integer"))],
        &[(path, Some(migration)), ("db/schema.rb", Some(&schema("float")))],
    );
    let f = found
        .iter()
        .find(|f| f.0 == "migration-changes-column-type")
        .expect("retype");
    assert_eq!(f.3, "high", "{found:?}");
    // Restated with the same type (a default or null change): a hint that says so.
    let same = migration.replace(":float", ":integer, default: 0");
    let restated = schema("integer").replace("\"hotness_mod\"", "\"hotness_mod\", default: 0");
    let t = base_and_feature(
        &[("db/schema.rb", &schema("integer"))],
        &[(path, Some(&same)), ("db/schema.rb", Some(&restated))],
    );
    let found = analyzer_findings(&t, "migration", &[]);
    let f = found
        .iter()
        .find(|f| f["rule"] == "migration-changes-column-type")
        .expect("restated");
    assert_eq!(f["severity"], "medium");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("the schema file shows its type unchanged"),
        "{f}"
    );
}

#[test]
fn rails_variables_are_named_in_their_places() {
    for (call, message) in [
        (
            "rename_column table, :slug, :token",
            "column <table>.slug is renamed to token: deployed code still uses `slug`",
        ),
        (
            "rename_column :users, col, \"old_#{col}\"",
            "column users.<col> is renamed to old_#{col}: deployed code still uses `<col>`",
        ),
    ] {
        let rails = format!(
            "class Loop < ActiveRecord::Migration[6.0]\n  def up\n    %w[a b].each do |table|\n      {call}\n    end\n  end\nend\n"
        );
        let found = migration_findings(&[("db/migrate/20200101000000_loop.rb", &rails)]);
        let rename = found
            .iter()
            .find(|f| f["rule"] == "migration-renames-column")
            .expect("rename");
        assert_eq!(rename["message"], message, "{call}");
    }
}

#[test]
fn applied_migration_edits_say_what_changed() {
    let t = base_and_feature(
        &[
            ("migrations/2024-01-01-000000_cleanup/up.sql", OLD_DROP),
            (
                "hc/api/migrations/0042_code.py",
                "from django.db import models, migrations\nimport uuid\n\n\nclass Migration(migrations.Migration):\n    operations = [migrations.AddField('check', 'code', models.UUIDField(null=True),)]\n",
            ),
        ],
        &[
            (
                "migrations/2024-01-01-000000_cleanup/up.sql",
                Some(&OLD_DROP.replace("(name)", "(name, id)")),
            ),
            (
                "hc/api/migrations/0042_code.py",
                Some("import uuid\n\nfrom django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    operations = [\n        migrations.AddField(\"check\", \"code\", models.UUIDField(null=True))\n    ]\n"),
            ),
        ],
    );
    let edits: Vec<(String, u64, String, String)> = analyzer_findings(&t, "migration", &[])
        .into_iter()
        .filter(|f| f["rule"] == "applied-migration-edited")
        .map(|f| {
            (
                f["file"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap_or(0),
                f["severity"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        edits,
        vec![
            (
                "hc/api/migrations/0042_code.py".to_string(),
                3,
                "info".to_string(),
                "`hc/api/migrations/0042_code.py` existed before this change: the edit changes no code (formatting, comments or import order); databases that already ran it never see the edit, fresh ones do".to_string()
            ),
            (
                "migrations/2024-01-01-000000_cleanup/up.sql".to_string(),
                2,
                "medium".to_string(),
                "`migrations/2024-01-01-000000_cleanup/up.sql` existed before this change: the edit adds `CREATE INDEX person_name ON person (name, id)` and removes `CREATE INDEX person_name ON person (name)`; databases that already ran it never see the edit, fresh ones do".to_string()
            ),
        ]
    );
}

#[test]
fn a_rewritten_delete_in_an_edited_migration_is_new() {
    let up = "migrations/2024-02-01-000000_dedupe/up.sql";
    let v1 = "DELETE FROM person WHERE id IN (SELECT id FROM dupes);\n";
    let v2 = "DELETE FROM person p USING person q WHERE p.id > q.id AND p.name = q.name;\n";
    assert_eq!(
        between(&[(up, v1)], &[(up, Some(v2))]),
        vec![("migration-deletes-rows".into(), up.into(), 1, "high".into())]
    );
    // Only reformatted: nothing new.
    let v3 = "DELETE FROM person\n  WHERE id IN (SELECT id FROM dupes);\n";
    assert_eq!(between(&[(up, v1)], &[(up, Some(v3))]), vec![]);
}

#[test]
fn an_edit_of_a_migration_no_release_holds_is_a_hint() {
    let t = TestRepo::new();
    t.write("Cargo.toml", "[package]\nname = \"app\"\nversion = \"0.1.0\"\n\n[dependencies]\nsqlx = { version = \"0.8\", features = [\"postgres\", \"migrate\"] }\n");
    t.write(
        "migrations/20240101000000_users.sql",
        "CREATE TABLE users (id bigint PRIMARY KEY);\n",
    );
    t.commit("release 1.0");
    let tagged = std::process::Command::new("git")
        .args(["tag", "v1.0"])
        .current_dir(t.path())
        .status()
        .unwrap();
    assert!(tagged.success());
    t.write(
        "migrations/20240201000000_flags.sql",
        "CREATE TABLE flags (id bigint PRIMARY KEY);\n",
    );
    t.commit("flags, not released yet");
    t.branch("feature");
    t.write(
        "migrations/20240101000000_users.sql",
        "CREATE TABLE users (id bigint PRIMARY KEY, name text);\n",
    );
    t.write(
        "migrations/20240201000000_flags.sql",
        "CREATE TABLE flags (id bigint PRIMARY KEY, name text);\n",
    );
    t.commit("edit both");
    // A release that holds the edited text (the edit merged, then tagged) shipped no other.
    t.advance(60);
    t.write("NEWS", "2.0\n");
    t.commit("release 2.0");
    let tagged = std::process::Command::new("git")
        .args(["tag", "v2.0"])
        .current_dir(t.path())
        .status()
        .unwrap();
    assert!(tagged.success());
    let checksum: Vec<(String, String, String)> = analyzer_findings(&t, "migration", &[])
        .into_iter()
        .filter(|f| f["rule"] == "migration-checksum-changed")
        .map(|f| {
            (
                f["file"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(checksum.len(), 2, "{checksum:?}");
    // v1.0 holds the users migration: every database of that release refuses to migrate.
    assert_eq!(
        (checksum[0].0.as_str(), checksum[0].1.as_str()),
        ("migrations/20240101000000_users.sql", "high")
    );
    // No release holds the flags migration yet: only development databases ran it.
    assert_eq!(
        (checksum[1].0.as_str(), checksum[1].1.as_str()),
        ("migrations/20240201000000_flags.sql", "medium")
    );
    assert!(
        checksum[1]
            .2
            .ends_with("so only databases that ran a development build refuse"),
        "{}",
        checksum[1].2
    );
    // A release cut from main after the branch point ships the flags migration as the base has
    // it: its databases applied that text, so the edit breaks them.
    t.checkout("main");
    t.advance(60);
    t.write("NEWS", "1.1\n");
    t.commit("release 1.1, after the branch point");
    let tagged = std::process::Command::new("git")
        .args(["tag", "v1.1"])
        .current_dir(t.path())
        .status()
        .unwrap();
    assert!(tagged.success());
    t.checkout("feature");
    let severities: Vec<String> = analyzer_findings(&t, "migration", &[])
        .into_iter()
        .filter(|f| f["rule"] == "migration-checksum-changed")
        .map(|f| f["severity"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(severities, vec!["high", "high"]);
}

#[test]
fn a_folder_moved_whole_moves_its_migrations() {
    // Thousands of files moved at once (an engine moved into another folder): libgit2 stops
    // pairing renames past its limit, and riskgate pairs the ones whose content is the same.
    // The moved migration deletes rows and drops a column, as it did before: nothing new.
    let t = TestRepo::new();
    let migration = "class AddUniqueIndex < ActiveRecord::Migration[7.0]\n  def up\n    execute \"DELETE FROM spree_line_items WHERE id NOT IN (SELECT min(id) FROM spree_line_items GROUP BY order_id)\"\n    remove_column :spree_orders, :legacy_notes\n  end\n\n  def down\n    raise ActiveRecord::IrreversibleMigration\n  end\nend\n";
    t.write("core/db/migrate/20250313175830_add_unique_index.rb", migration);
    for i in 0..2_100 {
        t.write(
            &format!("core/app/models/model_{i}.rb"),
            format!("class Model{i}; end\n"),
        );
    }
    t.commit("base");
    t.branch("feature");
    std::fs::create_dir_all(t.path().join("engines")).unwrap();
    std::fs::rename(t.path().join("core"), t.path().join("engines/core")).unwrap();
    t.commit("move the engine");
    let found: Vec<String> = analyzer_findings(&t, "migration", &[])
        .into_iter()
        .map(|f| format!("{} {}", f["rule"].as_str().unwrap(), f["severity"].as_str().unwrap()))
        .collect();
    assert!(found.is_empty(), "{found:?}");
}
