//! Destructive migrations: statements that remove stored rows, columns, tables or schemas.
//! A real backup taken earlier in the same file mitigates them (design §3).

use super::ops::{Op, OpKind};
use super::{finding, Context};
use crate::code_rule;
use crate::model::Finding;

code_rule! {
    /// ## What it does
    /// Finds `DROP TABLE` (and Rails `drop_table`, Django `DeleteModel`, Alembic `op.drop_table`,
    /// Knex `dropTable`) on a table this migration did not create.
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
    pub static DROPS_TABLE: "migration-drops-table", "migration", High, ["destructive"], gating = DataLoss;
}

code_rule! {
    /// ## What it does
    /// Finds a dropped column (`ALTER TABLE … DROP COLUMN`, `remove_column`, `RemoveField`,
    /// `op.drop_column`, `dropColumn`) that this migration did not add.
    ///
    /// ## Why is this risky?
    /// The column's values are discarded for every row, and the release you would roll back to
    /// still reads the column.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE customers DROP COLUMN fax;
    /// ```
    ///
    /// ## How to roll back
    /// Copy the column first (`CREATE TABLE customers_fax_backup AS SELECT id, fax FROM
    /// customers;`), stop using it in one release and drop it in the next.
    pub static DROPS_COLUMN: "migration-drops-column", "migration", High, ["destructive"], gating = DataLoss;
}

code_rule! {
    /// ## What it does
    /// Finds `DROP SCHEMA`.
    ///
    /// ## Why is this risky?
    /// A schema drop (especially with `CASCADE`) removes every table, view and function in it at
    /// once.
    ///
    /// ## Example
    /// ```sql
    /// DROP SCHEMA reporting CASCADE;
    /// ```
    ///
    /// ## How to roll back
    /// Only a dump or a point-in-time restore brings it back: take one and name it in the plan.
    pub static DROPS_SCHEMA: "migration-drops-schema", "migration", Critical, ["destructive"], gating = DataLoss;
}

code_rule! {
    /// ## What it does
    /// Finds `TRUNCATE` of a table this migration did not create.
    ///
    /// ## Why is this risky?
    /// It empties the table instantly, takes an exclusive lock, and is not undone by any
    /// down-migration.
    ///
    /// ## Example
    /// ```sql
    /// TRUNCATE audit_events;
    /// ```
    ///
    /// ## How to roll back
    /// Copy the rows first (`CREATE TABLE … AS SELECT`) or `COPY (SELECT …) TO` a file.
    pub static TRUNCATES_TABLE: "migration-truncates-table", "migration", High, ["destructive"], gating = DataLoss;
}

code_rule! {
    /// ## What it does
    /// Finds `DELETE` without a real filter: no `WHERE`, or a tautology such as `WHERE 1 = 1`
    /// or `WHERE true`.
    ///
    /// ## Why is this risky?
    /// It removes every row, often by mistake (a lost `WHERE` in review), and nothing can bring
    /// them back but a backup.
    ///
    /// ## Example
    /// ```sql
    /// DELETE FROM sessions WHERE 1 = 1;
    /// ```
    ///
    /// ## How to roll back
    /// Copy the rows first; delete in bounded batches with a real condition.
    pub static DELETES_ALL_ROWS: "migration-deletes-all-rows", "migration", High, ["destructive"], gating = DataLoss;
}

const COPY_HELP: &str = "copy the rows first in this migration (CREATE TABLE … AS SELECT, INSERT INTO … SELECT, COPY (…) TO) or keep the data until the next release";

pub fn check(op: &Op, kind: &OpKind, ctx: &Context) -> Vec<Finding> {
    let mut out = Vec::new();
    match kind {
        OpKind::DropTable { tables } => {
            for t in tables.iter().filter(|t| !ctx.is_new_table(t)) {
                let f = finding(
                    &DROPS_TABLE,
                    ctx,
                    op,
                    format!("DROP TABLE {t} discards every row"),
                    COPY_HELP,
                );
                out.push(ctx.judge_backup(f, t, None, op.line));
            }
        }
        OpKind::DropSchema { names } => {
            for s in names {
                out.push(finding(
                    &DROPS_SCHEMA,
                    ctx,
                    op,
                    format!("DROP SCHEMA {s} removes every object in it"),
                    "take a dump or snapshot first and name it in the rollback plan",
                ));
            }
        }
        OpKind::DropColumn { table, column } if !ctx.is_new_column(table, column) => {
            let f = finding(
                &DROPS_COLUMN,
                ctx,
                op,
                format!("DROP COLUMN {table}.{column} discards every stored value"),
                "copy the column first (CREATE TABLE … AS SELECT id, column FROM …), stop reading it in one release and drop it in the next",
            );
            let mut f = ctx.judge_backup(f, table, Some(column), op.line);
            if f.mitigated_by.is_empty() {
                if let Some(into) = ctx.moved_before(table, column, op.line) {
                    f.mitigated_by = vec!["backup".to_string()];
                    f.severity = crate::model::Severity::Info;
                    f.message = format!(
                        "DROP COLUMN {table}.{column}: its values were moved into {table}.{into} earlier in this migration"
                    );
                }
            }
            out.push(f);
        }
        OpKind::Truncate { tables } => {
            for t in tables.iter().filter(|t| !ctx.is_new_table(t)) {
                let f = finding(
                    &TRUNCATES_TABLE,
                    ctx,
                    op,
                    format!("TRUNCATE {t} empties the table"),
                    COPY_HELP,
                );
                out.push(ctx.judge_backup(f, t, None, op.line));
            }
        }
        OpKind::Delete { table, filter } if filter.is_all_rows() && !ctx.is_new_table(table) => {
            let how = if *filter == super::ops::Filter::None {
                "has no WHERE"
            } else {
                "has a WHERE that is always true"
            };
            let f = finding(
                &DELETES_ALL_ROWS,
                ctx,
                op,
                format!("DELETE FROM {table} {how}: every row is removed"),
                COPY_HELP,
            );
            out.push(ctx.judge_backup(f, table, None, op.line));
        }
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::testing::{rules, sql};

    #[test]
    fn drops_fire_on_existing_objects_only() {
        assert_eq!(
            rules("ALTER TABLE customers DROP COLUMN fax;"),
            vec!["migration-drops-column"]
        );
        assert_eq!(rules("DROP TABLE invoices_2019;"), vec!["migration-drops-table"]);
        assert_eq!(rules("DROP SCHEMA reporting CASCADE;"), vec!["migration-drops-schema"]);
        assert_eq!(rules("TRUNCATE audit_events;"), vec!["migration-truncates-table"]);
        assert!(
            rules("CREATE TABLE scratch (id int);\nINSERT INTO scratch VALUES (1);\nDROP TABLE scratch;").is_empty()
        );
        assert!(rules("ALTER TABLE customers ADD COLUMN tmp int;\nALTER TABLE customers DROP COLUMN tmp;").is_empty());
    }

    #[test]
    fn delete_needs_a_real_filter() {
        assert_eq!(rules("DELETE FROM sessions;"), vec!["migration-deletes-all-rows"]);
        assert_eq!(
            rules("DELETE FROM sessions WHERE 1 = 1;"),
            vec!["migration-deletes-all-rows"]
        );
        assert_eq!(
            rules("DELETE FROM sessions WHERE true;"),
            vec!["migration-deletes-all-rows"]
        );
        // A real filter is the narrower rule's: the rows it matches are still gone.
        assert_eq!(
            rules("DELETE FROM sessions WHERE expires_at < now();"),
            vec!["migration-deletes-rows"]
        );
    }

    #[test]
    fn words_in_comments_and_strings_never_fire() {
        assert!(rules("-- DROP TABLE customers;\n/* TRUNCATE x; */\nINSERT INTO notes (body) VALUES ('DROP TABLE customers; DELETE FROM x');\nCOMMENT ON TABLE customers IS 'we never DROP COLUMN fax';").is_empty());
    }

    #[test]
    fn real_backup_earlier_in_the_file_mitigates() {
        let got = sql("CREATE TABLE customers_fax_backup AS SELECT id, fax FROM customers;\nALTER TABLE customers DROP COLUMN fax;");
        assert_eq!(got, vec![("migration-drops-column".to_string(), 2, true)]);
        let got = sql("CREATE TABLE old_sessions LIKE sessions;\nINSERT INTO old_sessions SELECT * FROM sessions;\nTRUNCATE sessions;");
        assert_eq!(got, vec![("migration-truncates-table".to_string(), 3, true)]);
        let got = sql("COPY (SELECT * FROM invoices) TO '/backups/invoices.csv';\nDROP TABLE invoices;");
        assert_eq!(got, vec![("migration-drops-table".to_string(), 2, true)]);
    }

    #[test]
    fn fake_backups_are_rejected_and_say_why() {
        let msg = |text: &str| {
            super::super::testing::run(&[("db/migrations/1.sql", text)])
                .into_iter()
                .next()
                .unwrap()
        };
        let f = msg("CREATE TABLE orders_backup AS SELECT * FROM orders;\nALTER TABLE customers DROP COLUMN fax;");
        assert!(f.mitigated_by.is_empty());
        assert!(
            f.message
                .ends_with("not backed up: the copy at line 1 is of `orders`, not `customers`"),
            "{}",
            f.message
        );
        let f = msg("CREATE TABLE customers_backup (LIKE customers);\nALTER TABLE customers DROP COLUMN fax;");
        assert!(f.mitigated_by.is_empty(), "{f:?}");
        let f = msg("CREATE TABLE customers_backup AS SELECT * FROM customers WITH NO DATA;\nALTER TABLE customers DROP COLUMN fax;");
        assert!(f.message.contains("copies the structure only"), "{}", f.message);
        let f =
            msg("ALTER TABLE customers DROP COLUMN fax;\nCREATE TABLE customers_backup AS SELECT * FROM customers;");
        assert!(f.message.contains("is taken after this statement"), "{}", f.message);
        let f = msg(
            "CREATE TABLE customers_backup AS SELECT id, name FROM customers;\nALTER TABLE customers DROP COLUMN fax;",
        );
        assert!(f.message.contains("does not include column `fax`"), "{}", f.message);
    }
}
