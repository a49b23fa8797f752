//! Breaking: an object that stays changes its contract, so code already deployed fails.
//! Nothing mitigates these; the safe pattern is expand and contract.

use super::ops::{Op, OpKind};
use super::{finding, Context};
use crate::code_rule;
use crate::model::Finding;

code_rule! {
    /// ## What it does
    /// Finds a renamed column (`RENAME COLUMN`, MySQL `CHANGE`, `rename_column`, `RenameField`,
    /// `alter_column(new_column_name=…)`, Knex `renameColumn`).
    ///
    /// ## Why is this risky?
    /// Every running instance of the current release reads and writes the old name; between the
    /// migration and the deploy, and after a rollback of the code, queries fail.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE customers RENAME COLUMN fax TO fax_number;
    /// ```
    ///
    /// ## How to roll back
    /// Expand and contract: add the new column, write both, backfill, switch reads, drop the old
    /// one in a later release. Rolling back is the reverse rename.
    pub static RENAMES_COLUMN: "migration-renames-column", "migration", High, ["breaking"], gating = BrokenContract;
}

code_rule! {
    /// ## What it does
    /// Finds a renamed table (`ALTER TABLE … RENAME TO`, `rename_table`, `RenameModel`).
    ///
    /// ## Why is this risky?
    /// Deployed code still queries the old name and fails until the new release is everywhere.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE customers RENAME TO clients;
    /// ```
    ///
    /// ## How to roll back
    /// Create a view with the old name for the transition, or expand and contract; the rollback
    /// is the reverse rename.
    pub static RENAMES_TABLE: "migration-renames-table", "migration", High, ["breaking"], gating = BrokenContract;
}

code_rule! {
    /// ## What it does
    /// Finds a `NOT NULL` column without a default added to an existing table (`add_column …
    /// null: false`, Django `AddField` without `null=True` or a default, Alembic
    /// `nullable=False` without `server_default`).
    ///
    /// ## Why is this risky?
    /// On a table with rows it fails outright; once it succeeds, every insert by the release you
    /// would roll back to fails because it does not set the column.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE customers ADD COLUMN country text NOT NULL;
    /// ```
    ///
    /// ## How to roll back
    /// Add it nullable or with a default, backfill, then add the constraint; rolling back drops
    /// the new column.
    pub static ADDS_REQUIRED_COLUMN: "migration-adds-required-column", "migration", High, ["breaking"], gating = BrokenContract;
}

code_rule! {
    /// ## What it does
    /// Finds `SET NOT NULL` on an existing column (`change_column_null … false`, Alembic
    /// `nullable=False`) with no validated `CHECK (column IS NOT NULL)` earlier in the file.
    ///
    /// ## Why is this risky?
    /// PostgreSQL scans the whole table under an exclusive lock to verify it, and any code that
    /// still writes nulls starts failing.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE orders ALTER COLUMN customer_id SET NOT NULL;
    /// ```
    ///
    /// ## How to roll back
    /// Add `CHECK (customer_id IS NOT NULL) NOT VALID`, `VALIDATE CONSTRAINT`, then `SET NOT
    /// NULL` (no scan); the rollback is `DROP NOT NULL`.
    pub static SETS_NOT_NULL: "migration-sets-not-null", "migration", Medium, ["locking", "breaking"], gating = BrokenContract;
}

pub fn check(op: &Op, kind: &OpKind, ctx: &Context) -> Vec<Finding> {
    let mut out = Vec::new();
    match kind {
        OpKind::RenameColumn { table, from, to } if !ctx.is_new_column(table, from) => {
            out.push(finding(
                &RENAMES_COLUMN,
                ctx,
                op,
                format!("column {table}.{from} is renamed to {to}: deployed code still uses `{from}`"),
                "expand and contract: add the new column, write both, backfill, switch reads, drop the old column later",
            ));
        }
        OpKind::RenameTable { from, to } if !ctx.is_new_table(from) && !ctx.recreates(from) => {
            out.push(finding(
                &RENAMES_TABLE,
                ctx,
                op,
                format!("table {from} is renamed to {to}: deployed code still uses `{from}`"),
                "keep a view named after the old table during the transition, or expand and contract",
            ));
        }
        OpKind::AddColumn {
            table,
            column,
            not_null: true,
            default: None,
            ..
        } if !ctx.is_new_table(table) => {
            let mut f = finding(
                &ADDS_REQUIRED_COLUMN,
                ctx,
                op,
                format!(
                    "new column {table}.{column} is NOT NULL without a default: existing rows and old inserts fail"
                ),
                "add it nullable or with a default, backfill, then add NOT NULL",
            );
            if ctx.backfills_new_columns {
                // Existing rows get a value; old code's inserts still fail while both versions run.
                f.severity = crate::model::Severity::Medium;
                f.message = format!(
                    "new column {table}.{column} is NOT NULL without a database default: the framework fills existing rows, but inserts by the code still running fail until it is replaced"
                );
                f.help = "add it with null=True (or db_default) first, deploy, then make it required".to_string();
            }
            out.push(f);
        }
        OpKind::SetNotNull { table, column } if !ctx.is_new_column(table, column) => {
            let validated = ctx
                .not_null_checks
                .iter()
                .any(|(t, c, v)| t == table && c == column && *v);
            if !validated {
                out.push(finding(
                    &SETS_NOT_NULL,
                    ctx,
                    op,
                    format!(
                        "SET NOT NULL on {table}.{column} scans the table under lock and rejects nulls old code writes"
                    ),
                    "add CHECK (column IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT, then SET NOT NULL",
                ));
            }
        }
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::testing::rules;

    #[test]
    fn renames() {
        assert_eq!(
            rules("ALTER TABLE customers RENAME COLUMN fax TO fax_number;"),
            vec!["migration-renames-column"]
        );
        assert_eq!(
            rules("ALTER TABLE customers RENAME TO clients;"),
            vec!["migration-renames-table"]
        );
        assert!(rules("CREATE TABLE drafts (id int);\nALTER TABLE drafts RENAME TO posts;").is_empty());
    }

    #[test]
    fn required_columns() {
        assert_eq!(
            rules("ALTER TABLE customers ADD COLUMN country text NOT NULL;"),
            vec!["migration-adds-required-column"]
        );
        assert!(rules("ALTER TABLE customers ADD COLUMN country text NOT NULL DEFAULT 'NL';").is_empty());
        assert!(rules("ALTER TABLE customers ADD COLUMN country text;").is_empty());
    }

    #[test]
    fn set_not_null_after_validated_check_is_safe() {
        assert_eq!(
            rules("ALTER TABLE orders ALTER COLUMN customer_id SET NOT NULL;"),
            vec!["migration-sets-not-null"]
        );
        assert!(rules(
            "ALTER TABLE orders ADD CONSTRAINT c CHECK (customer_id IS NOT NULL) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT c;\nALTER TABLE orders ALTER COLUMN customer_id SET NOT NULL;"
        )
        .is_empty());
        // Not validated: still a full scan.
        assert_eq!(
            rules("ALTER TABLE orders ADD CONSTRAINT c CHECK (customer_id IS NOT NULL) NOT VALID;\nALTER TABLE orders ALTER COLUMN customer_id SET NOT NULL;"),
            vec!["migration-sets-not-null"]
        );
    }
}
