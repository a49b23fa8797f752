//! `migration-deletes-rows`: rows deleted for good, by a filtered `DELETE` or by code.

use crate::analyzers::migration::context::{finding, Context};
use crate::analyzers::migration::ops::{Op, OpKind};
use crate::code_rule;
use crate::model::Finding;

code_rule! {
    /// ## What it does
    /// Finds rows deleted by a migration on a table it did not create: a `DELETE … WHERE …`
    /// (a `DELETE` of every row is `migration-deletes-all-rows`), a Rails `delete_all`,
    /// `destroy_all` or `destroy` in `up`/`change`, or a Django `RunPython` function that calls
    /// `.delete()`. A copy of the table taken earlier in the same migration mitigates it.
    /// Rows of the migration tool's own table (`schema_migrations`, `django_migrations`,
    /// `alembic_version`, …) are bookkeeping: their deletion is medium, whatever the filter.
    ///
    /// ## Why is this risky?
    /// Deduplicating or purging rows in a migration is irreversible: the down-migration cannot
    /// bring them back, a filter that matches more than intended loses data nobody meant to
    /// lose, and rows that other rows referenced take those with them (`ON DELETE CASCADE`).
    ///
    /// ## Example
    /// ```sql
    /// DELETE FROM person WHERE id NOT IN (SELECT min(id) FROM person GROUP BY lower(name));
    /// ```
    ///
    /// ## How to roll back
    /// Copy the rows first in the same migration (`CREATE TABLE person_deleted AS SELECT * FROM
    /// person WHERE …;`), then delete; to roll back, insert them back from that copy.
    pub static DELETES_ROWS: "migration-deletes-rows", Migration, High, [Destructive], gating = DataLoss;
}

const HELP: &str =
    "copy the rows you delete into a backup table in the same migration, and say in the plan how to put them back";

pub fn check(op: &Op, kind: &OpKind, ctx: &Context) -> Vec<Finding> {
    match kind {
        OpKind::Delete { table, .. } if Context::is_bookkeeping(table) && !ctx.is_new_table(table) => {
            let mut f = finding(
                &DELETES_ROWS,
                ctx,
                op,
                format!(
                    "DELETE FROM {table} removes the migration tool's own records, not application data; a migration whose record is gone runs again on the next deploy"
                ),
                "check that every migration whose record is deleted is safe to run again, or is renamed in the same change",
            );
            f.severity = crate::model::Severity::Medium;
            vec![f]
        }
        OpKind::Delete { table, filter } if !filter.is_all_rows() && !ctx.is_new_table(table) => {
            if let Some(at) = ctx.reinserted(table, &op.statement, op.line) {
                let mut f = finding(
                    &DELETES_ROWS,
                    ctx,
                    op,
                    format!("DELETE FROM {table} removes rows that line {at} inserts again under the same keys: an update written as delete and insert; columns the insert leaves out, and rows that reference them with ON DELETE CASCADE, do not come back"),
                    "check that the insert writes every column, and that nothing references these rows with ON DELETE CASCADE (or write an UPDATE)",
                );
                f.severity = crate::model::Severity::Medium;
                return vec![f];
            }
            let f = finding(
                &DELETES_ROWS,
                ctx,
                op,
                format!("DELETE FROM {table} with a filter removes the rows it matches for good"),
                HELP,
            );
            vec![ctx.judge_backup(f, table, None, op.line)]
        }
        OpKind::CodeDelete {
            what,
            table: Some(table),
            ..
        } if table == "django_content_type" => {
            let mut f = finding(
                &DELETES_ROWS,
                ctx,
                op,
                format!("the migration deletes Django's bookkeeping in code ({what}): content types of models that are gone; permissions granted on them go with them"),
                "check that no model still in use has its content type deleted (its permissions and generic relations cascade)",
            );
            f.severity = crate::model::Severity::Medium;
            vec![f]
        }
        // Each row was read into another row the code saved first: moved, as far as the code
        // shows; whether every value went along is for the plan to say.
        OpKind::CodeDelete {
            what, after_copy: true, ..
        } => {
            let mut f = finding(
                &DELETES_ROWS,
                ctx,
                op,
                format!("the migration deletes rows in code ({what}) after reading their values into other rows it saves: moved, unless a value is left behind"),
                "check that every value of the deleted rows is in the rows saved before the delete",
            );
            f.severity = crate::model::Severity::Medium;
            vec![f]
        }
        OpKind::CodeDelete { what, table, .. } => {
            let f = finding(
                &DELETES_ROWS,
                ctx,
                op,
                format!("the migration deletes rows in code ({what}): they are gone for good"),
                HELP,
            );
            match table {
                // Rows copied into another table in code earlier (a Rails loop) back it up.
                Some(table) => vec![ctx.judge_backup(f, table, None, op.line)],
                None => vec![f],
            }
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    /// Rows written again into another schema's table, or with the key in another column, are
    /// not the rows deleted: still a loss.
    #[test]
    fn a_key_written_elsewhere_is_no_reinsert() {
        for insert in [
            "INSERT INTO archive.tenants (id) VALUES ('acme');",
            "INSERT INTO tenants (name, note) VALUES ('x', 'acme');",
        ] {
            let text = format!("DELETE FROM tenants WHERE id = 'acme';\n{insert}\n");
            let f = crate::analyzers::migration::testing::first("migration-deletes-rows", &text).expect("reported");
            assert_eq!(f.severity, crate::model::Severity::High, "{insert}: {}", f.message);
        }
        let same = "DELETE FROM tenants WHERE id = 'acme';\nINSERT INTO tenants (id, name) VALUES ('acme', 'Acme');\n";
        let f = crate::analyzers::migration::testing::first("migration-deletes-rows", same).expect("reported");
        assert_eq!(f.severity, crate::model::Severity::Medium, "{}", f.message);
    }

    use crate::analyzers::migration::testing::{rules, run};

    #[test]
    fn filtered_deletes_fire_and_deletes_of_new_tables_do_not() {
        assert_eq!(
            rules("DELETE FROM person WHERE id NOT IN (SELECT min(id) FROM person GROUP BY name);"),
            vec!["migration-deletes-rows"]
        );
        assert!(rules("CREATE TABLE tmp (id int);\nDELETE FROM tmp WHERE id > 3;").is_empty());
        // Every row is the other rule's.
        assert_eq!(rules("DELETE FROM person;"), vec!["migration-deletes-all-rows"]);
    }

    #[test]
    fn a_copy_taken_first_mitigates() {
        let f = run(&[(
            "db/migrations/1.sql",
            "CREATE TABLE person_backup AS SELECT * FROM person;\nDELETE FROM person WHERE banned;",
        )]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].mitigated_by, vec!["backup"]);
    }

    #[test]
    fn rails_and_django_code_deletes() {
        let rails = "class Purge < ActiveRecord::Migration[7.0]\n  def up\n    Domain.where(domain: 'x').destroy_all\n  end\n\n  def down\n    raise ActiveRecord::IrreversibleMigration\n  end\nend\n";
        let f = run(&[("db/migrate/20240101000000_purge.rb", rails)]);
        assert_eq!(
            f.iter().map(|f| (f.rule.as_str(), f.line)).collect::<Vec<_>>(),
            vec![
                ("migration-deletes-rows", Some(3)),
                ("migration-rollback-missing", Some(7))
            ]
        );
        // SQL in a heredoc through the connection is read as SQL.
        let heredoc = "class Purge < ActiveRecord::Migration[8.0]\n  def up\n    ActiveRecord::Base.connection.execute <<~SQL\n      delete from keystores where `key` like 'user:%';\n    SQL\n  end\nend\n";
        let f = run(&[("db/migrate/20250701121655_purge.rb", heredoc)]);
        assert_eq!(
            f.iter()
                .filter(|f| f.rule == "migration-deletes-rows")
                .map(|f| f.line)
                .collect::<Vec<_>>(),
            vec![Some(4)]
        );
        let django = "from django.db import migrations\n\ndef purge(apps, schema_editor):\n    Channel = apps.get_model('api', 'Channel')\n    Channel.objects.filter(kind='hipchat').delete()\n\nclass Migration(migrations.Migration):\n    operations = [migrations.RunPython(purge, migrations.RunPython.noop)]\n";
        let f = run(&[("hc/api/migrations/0100_purge.py", django)]);
        let got: Vec<_> = f.iter().map(|f| (f.rule.as_str(), f.line)).collect();
        assert!(got.contains(&("migration-deletes-rows", Some(5))), "{got:?}");
    }
}
