//! `migration-drops-table`: a table the migration did not create is dropped.

use crate::analyzers::migration::code_reads::rows_selected_before;
use crate::analyzers::migration::context::{finding, rows_lost, Context, COPY_HELP};
use crate::analyzers::migration::ops::{Op, OpKind};
use crate::code_rule;
use crate::model::{Finding, Severity};

code_rule! {
    /// ## What it does
    /// Finds `DROP TABLE` (and Rails `drop_table`, Django `DeleteModel`, Alembic `op.drop_table`,
    /// Knex `dropTable`) on a table this migration did not create. In a ClickHouse folder (which
    /// drops views with `DROP TABLE`), a view the base's migrations create and keep stores no row
    /// and is not reported; elsewhere a `DROP TABLE` that runs dropped a table.
    ///
    /// ## Why is this risky?
    /// Every row is gone the moment it runs; a down-migration can recreate the table but never
    /// the data, and code still deployed that reads the table fails.
    ///
    /// ## Example
    /// ```sql
    /// DROP TABLE invoices_2019;
    /// ```
    ///
    /// ## How to roll back
    /// Copy the rows first in the same migration (`CREATE TABLE invoices_2019_backup AS SELECT *
    /// FROM invoices_2019;`) or keep the table until the next release; restore from that copy.
    pub static DROPS_TABLE: "migration-drops-table", Migration, High, [Destructive], gating = DataLoss;
}

pub fn check(op: &Op, kind: &OpKind, ctx: &Context) -> Vec<Finding> {
    match kind {
        OpKind::DropTable { tables } => {
            // A table the file fills again from a query after the drop is a cache of others.
            // A view (ClickHouse drops one with `DROP TABLE`) stores no row of its own.
            // `DROP TABLE IF EXISTS _memo_old` before `ALTER TABLE memo RENAME TO _memo_old`
            // clears the name for a rebuild: what it may find is an interrupted run's leftover.
            let clears_name = |t: &String| {
                op.statement.to_lowercase().contains("if exists")
                    && ctx.tables_renamed_into.get(t).is_some_and(|at| *at > op.line)
            };
            let (rebuilt, lost): (Vec<String>, Vec<String>) = tables
                .iter()
                .filter(|t| !ctx.is_view(t, &op.statement) && !clears_name(t))
                .cloned()
                .partition(|t| ctx.rebuilt_by_query.get(t).is_some_and(|at| *at > op.line));
            let mut out = rows_lost(&DROPS_TABLE, ctx, op, &lost, "DROP TABLE {table} discards every row");
            // Rows the data code of a framework's migration (Rails, Django, Alembic) selected
            // first and wrote elsewhere: a question. Plain SQL's copies are read as statements.
            let kept = lost.iter().filter(|t| !ctx.is_new_table(t));
            for (f, table) in out.iter_mut().zip(kept) {
                if op.sql || !f.mitigated_by.is_empty() || f.severity <= Severity::Medium {
                    continue;
                }
                if let Some(at) = rows_selected_before(&ctx.text, table, op.line) {
                    f.severity = Severity::Medium;
                    f.message = format!(
                        "DROP TABLE {table}: data code at line {at} of this migration selects its rows before the drop and writes them elsewhere; riskgate cannot follow where they go, so check that every row is kept"
                    );
                }
            }
            for t in rebuilt.iter().filter(|t| !ctx.is_new_table(t)) {
                let mut f = finding(
                    &DROPS_TABLE,
                    ctx,
                    op,
                    format!(
                        "DROP TABLE {t} discards every row (rebuilt from a query at line {}: its rows are derived from other tables)",
                        ctx.rebuilt_by_query[t]
                    ),
                    COPY_HELP,
                );
                f.severity = Severity::Info;
                f.mitigated_by = vec!["backup".to_string()];
                out.push(f);
            }
            out
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use crate::analyzers::migration::testing::{rules, sql};

    #[test]
    fn plain_sql_that_reads_a_table_before_dropping_it_is_still_a_loss() {
        let text = "CREATE VIEW recent AS SELECT * FROM invoices;\nUPDATE totals SET n = 0;\nDROP TABLE invoices;\n";
        let f = crate::analyzers::migration::testing::first("migration-drops-table", text).expect("reported");
        assert_eq!(f.severity, crate::model::Severity::High, "{}", f.message);
    }

    /// What a hostile author would write to turn a drop into a question: words in a revision's
    /// docstring or in comments, a count, a write to standard output. Each stays high.
    #[test]
    fn words_that_run_nothing_do_not_move_rows() {
        let high = |path: &str, text: &str| {
            let found = crate::analyzers::migration::testing::run(&[(path, text)]);
            let f = found
                .iter()
                .find(|f| f.rule == "migration-drops-table")
                .expect("reported");
            assert_eq!(f.severity, crate::model::Severity::High, "{path}: {}", f.message);
        };
        high(
            "migrations/versions/1a2b_drop.py",
            "\"\"\"drop invoices\n\nexecute: data moved from invoices to ledger\nCreate Date: 2024-05-01\n\"\"\"\nfrom alembic import op\n\n\ndef upgrade():\n    op.drop_table(\"invoices\")\n",
        );
        high(
            "db/migrate/20240101000000_drop_invoices.rb",
            "class DropInvoices < ActiveRecord::Migration[7.0]\n  def up\n    # execute: exported from invoices\n    # update the runbook\n    say select_value(\"SELECT count(*) FROM invoices\")\n    execute \"UPDATE totals SET n = 0\"\n    drop_table :invoices\n  end\nend\n",
        );
        high(
            "billing/migrations/0002_drop_invoice.py",
            "import sys\nfrom django.db import migrations\n\n\ndef forwards(apps, schema_editor):\n    Invoice = apps.get_model(\"billing\", \"Invoice\")\n    for i in Invoice.objects.all():\n        sys.stdout.write(str(i.total))\n\n\nclass Migration(migrations.Migration):\n    operations = [\n        migrations.RunPython(forwards, migrations.RunPython.noop),\n        migrations.DeleteModel(\"Invoice\"),\n    ]\n",
        );
    }

    #[test]
    fn fires_on_existing_tables_only() {
        assert_eq!(rules("DROP TABLE invoices_2019;"), vec!["migration-drops-table"]);
        assert!(
            rules("CREATE TABLE scratch (id int);\nINSERT INTO scratch VALUES (1);\nDROP TABLE scratch;").is_empty()
        );
        assert!(
            rules("-- DROP TABLE customers;\nINSERT INTO notes (body) VALUES ('DROP TABLE customers');").is_empty()
        );
    }

    /// SQLite's rebuild (memos): `DROP TABLE IF EXISTS _memo_old` clears the name the table is
    /// renamed to next; only the drop after the copy back touches the rows, and the copy keeps
    /// them. Without `IF EXISTS` the table must exist, and it is replaced: still a loss.
    #[test]
    fn clearing_the_name_a_rebuild_renames_to_is_no_loss() {
        let rebuild = "DROP TABLE IF EXISTS _memo_old;\nALTER TABLE memo RENAME TO _memo_old;\nCREATE TABLE memo (id INTEGER PRIMARY KEY, content TEXT NOT NULL);\nINSERT INTO memo (id, content) SELECT id, content FROM _memo_old;\nDROP TABLE IF EXISTS _memo_old;\n";
        let drops: Vec<u32> = sql(rebuild)
            .into_iter()
            .filter(|(rule, _, _)| rule == "migration-drops-table")
            .map(|(_, line, _)| line)
            .collect();
        assert!(!drops.contains(&1), "{drops:?}");
        let replaced = rebuild.replacen("DROP TABLE IF EXISTS _memo_old;", "DROP TABLE _memo_old;", 1);
        let drops: Vec<u32> = sql(&replaced)
            .into_iter()
            .filter(|(rule, _, _)| rule == "migration-drops-table")
            .map(|(_, line, _)| line)
            .collect();
        assert!(drops.contains(&1), "{drops:?}");
    }

    #[test]
    fn a_copy_taken_first_mitigates() {
        let got = sql("COPY (SELECT * FROM invoices) TO '/backups/invoices.csv';\nDROP TABLE invoices;");
        assert_eq!(got, vec![("migration-drops-table".to_string(), 2, true)]);
    }
}
