//! Framework migrations read without starting the application: Rails, Django, Alembic and Knex
//! calls become `Op`s, their embedded SQL goes through the SQL reader, and each file's rollback
//! is judged by its framework's convention.

mod alembic;
pub mod django;
mod knex;
pub mod rails;
pub mod rails_models;
pub mod scan;

use super::ops::{Rollback, Script};
use crate::classify::MigrationFormat;
use crate::config::Dialect;

/// Whether a format is a framework's code (read here) rather than SQL.
pub fn is_framework(format: MigrationFormat) -> bool {
    matches!(
        format,
        MigrationFormat::Rails | MigrationFormat::Django | MigrationFormat::Alembic | MigrationFormat::Knex
    )
}

/// Reads a framework file (anything but plain SQL).
pub fn read(format: MigrationFormat, text: &str, dialect: Dialect) -> Script {
    match format {
        MigrationFormat::Rails => rails::rails(text, dialect),
        MigrationFormat::Django => django::django(text, dialect),
        MigrationFormat::Alembic => alembic::alembic(text, dialect),
        MigrationFormat::Knex => knex::knex(text, dialect),
        _ => Script::read(Vec::new(), Rollback::Fine),
    }
}

#[cfg(test)]
mod tests {
    use super::alembic::alembic;
    use super::django::django;
    use super::knex::knex;
    use super::rails::rails;
    use super::*;
    use crate::analyzers::migration::ops::{Filter, OpKind};

    fn kinds(s: &Script) -> Vec<&OpKind> {
        s.ops.iter().map(|o| &o.kind).collect()
    }

    #[test]
    fn rails_dsl_and_embedded_sql() {
        let text = "class DropFax < ActiveRecord::Migration[7.1]\n  def change\n    # remove_column :ignored, :col\n    remove_column :customers, :fax, :string\n    execute <<~SQL\n      UPDATE customers SET prefs = prefs - 'fax';\n    SQL\n  end\nend\n";
        let s = rails(text, Dialect::Postgres);
        let k = kinds(&s);
        assert_eq!(
            k[0],
            &OpKind::DropColumn {
                table: "customers".into(),
                column: "fax".into()
            }
        );
        assert!(
            matches!(k[1], OpKind::Update { json, .. } if json == &vec!["-".to_string()]),
            "{k:?}"
        );
        assert_eq!(s.ops[1].line, 6);
        assert_eq!(
            s.rollback,
            Rollback::Missing {
                line: 5,
                why: "`execute` in `change` outside `reversible`, which Rails cannot reverse"
                    .replace(", which Rails cannot reverse", "")
            }
        );
    }

    #[test]
    fn rails_up_without_down_and_irreversible() {
        let s = rails(
            "class A < ActiveRecord::Migration[7.1]\n  def up\n    drop_table :legacy\n  end\nend\n",
            Dialect::Postgres,
        );
        assert!(matches!(s.rollback, Rollback::Missing { .. }));
        let s = rails("class A < ActiveRecord::Migration[7.1]\n  def up\n    drop_table :legacy\n  end\n  def down\n    raise ActiveRecord::IrreversibleMigration\n  end\nend\n", Dialect::Postgres);
        assert!(matches!(&s.rollback, Rollback::Missing { why, .. } if why.contains("IrreversibleMigration")));
        let s = rails(
            "class A < ActiveRecord::Migration[7.1]\n  def change\n    add_column :users, :age, :integer\n  end\nend\n",
            Dialect::Postgres,
        );
        assert_eq!(s.rollback, Rollback::Fine);
    }

    #[test]
    fn django_operations_and_run_python() {
        let text = "class Migration(migrations.Migration):\n    operations = [\n        # migrations.DeleteModel(name='Ghost'),\n        migrations.RemoveField(\n            model_name='customer',\n            name='fax',\n        ),\n        migrations.RunPython(forwards, migrations.RunPython.noop),\n        migrations.RunSQL(\"UPDATE shop_customer SET flags = '{}'::jsonb\", reverse_sql=\"SELECT 1\"),\n    ]\n";
        let s = django(text, Dialect::Postgres);
        let k = kinds(&s);
        assert_eq!(
            k[0],
            &OpKind::DropColumn {
                table: "customer".into(),
                column: "fax".into()
            }
        );
        assert_eq!(s.ops[0].line, 4);
        assert!(matches!(k[1], OpKind::CodeBackfill { .. }));
        assert!(matches!(k[2], OpKind::Update { .. }));
        assert!(matches!(&s.rollback, Rollback::Missing { why, .. } if why.contains("noop")));
    }

    #[test]
    fn django_run_sql_by_keyword_is_read_too() {
        let text = "class Migration(migrations.Migration):\n    operations = [\n        migrations.RunSQL(\n            sql=\"DROP TABLE legacy_audit\",\n            reverse_sql=migrations.RunSQL.noop,\n        ),\n    ]\n";
        let s = django(text, Dialect::Postgres);
        let k = kinds(&s);
        assert_eq!(k.len(), 1, "{k:?}");
        assert!(matches!(k[0], OpKind::DropTable { .. }), "{k:?}");
        assert_eq!(s.ops[0].line, 4);
        assert!(matches!(&s.rollback, Rollback::Missing { why, .. } if why.contains("noop")));
        // `sqlparse=` or any other keyword is not the SQL.
        let other = "class Migration(migrations.Migration):\n    operations = [\n        migrations.RunSQL(sqlx_hint=1),\n    ]\n";
        assert!(kinds(&django(other, Dialect::Postgres)).is_empty());
    }

    #[test]
    fn django_run_sql_reads_each_statement_of_a_list_and_a_reverse_by_position() {
        let text = "class Migration(migrations.Migration):\n    operations = [\n        migrations.RunSQL(\n            [\"DROP TABLE legacy_audit\", (\"DELETE FROM sessions WHERE id = %s\", [1])],\n            [\"SELECT 1\"],\n        ),\n    ]\n";
        let s = django(text, Dialect::Postgres);
        let k = kinds(&s);
        assert_eq!(k.len(), 2, "{k:?}");
        assert!(matches!(k[0], OpKind::DropTable { .. }), "{k:?}");
        assert!(matches!(k[1], OpKind::Delete { .. }), "{k:?}");
        assert_eq!(s.rollback, Rollback::Fine);
        let noop = "class Migration(migrations.Migration):\n    operations = [\n        migrations.RunSQL(\"DELETE FROM sessions\", migrations.RunSQL.noop),\n    ]\n";
        assert!(
            matches!(&django(noop, Dialect::Postgres).rollback, Rollback::Missing { why, .. } if why.contains("noop"))
        );
    }
    #[test]
    fn alembic_upgrade_only_and_empty_downgrade() {
        let text = "def upgrade():\n    op.drop_column('customers', 'fax')\n    op.execute(\"DELETE FROM sessions\")\n\n\ndef downgrade():\n    pass\n";
        let s = alembic(text, Dialect::Postgres);
        let k = kinds(&s);
        assert_eq!(
            k[0],
            &OpKind::DropColumn {
                table: "customers".into(),
                column: "fax".into()
            }
        );
        assert!(matches!(
            k[1],
            OpKind::Delete {
                filter: Filter::None,
                ..
            }
        ));
        assert_eq!(
            s.rollback,
            Rollback::Missing {
                line: 6,
                why: "`downgrade()` is empty or `pass`".into()
            }
        );
    }

    #[test]
    fn knex_up_and_down() {
        let text = "exports.up = function(knex) {\n  return knex.schema.alterTable('users', (t) => {\n    t.dropColumn('fax');\n  });\n};\nexports.down = function(knex) {\n  return knex.schema.alterTable('users', (t) => { t.string('fax'); });\n};\n";
        let s = knex(text, Dialect::Postgres);
        assert_eq!(
            kinds(&s),
            vec![&OpKind::DropColumn {
                table: "users".into(),
                column: "fax".into()
            }]
        );
        assert_eq!(s.rollback, Rollback::Fine);
    }
}
