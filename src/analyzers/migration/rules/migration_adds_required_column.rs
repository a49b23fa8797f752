//! `migration-adds-required-column`: a `NOT NULL` column without a default on an existing table.

use crate::analyzers::migration::context::{finding, Context};
use crate::analyzers::migration::ops::{Op, OpKind};
use crate::code_rule;
use crate::model::Finding;

code_rule! {
    /// ## What it does
    /// Finds a `NOT NULL` column without a default added to an existing table (`add_column …
    /// null: false`, Django `AddField` without `null=True` or a default, Alembic
    /// `nullable=False` without `server_default`). After the migration deletes every row of the
    /// table (and before it fills it again) no row can fail: medium, for the old code's inserts.
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
    pub static ADDS_REQUIRED_COLUMN: "migration-adds-required-column", Migration, High, [Breaking], gating = BrokenContract;
}

pub fn check(op: &Op, kind: &OpKind, ctx: &Context) -> Vec<Finding> {
    let OpKind::AddColumn {
        table,
        column,
        not_null: true,
        default: None,
        ..
    } = kind
    else {
        return Vec::new();
    };
    if ctx.is_new_table(table) {
        return Vec::new();
    }
    let mut f = finding(
        &ADDS_REQUIRED_COLUMN,
        ctx,
        op,
        format!("new column {table}.{column} is NOT NULL without a default: existing rows and old inserts fail"),
        "add it nullable or with a default, backfill, then add NOT NULL",
    );
    if ctx.emptied_tables.contains(table) {
        // No row is left to fail; old code's inserts still do.
        f.severity = crate::model::Severity::Medium;
        f.message = format!(
            "new column {table}.{column} is NOT NULL without a default: the migration deletes every row of {table} first, but inserts by the code still running fail until it is replaced"
        );
    } else if ctx.backfills_new_columns {
        // Existing rows get a value; old code's inserts still fail while both versions run.
        f.severity = crate::model::Severity::Medium;
        f.message = format!(
            "new column {table}.{column} is NOT NULL without a database default: the framework fills existing rows, but inserts by the code still running fail until it is replaced"
        );
        f.help = "add it with null=True (or db_default) first, deploy, then make it required".to_string();
    }
    vec![f]
}

#[cfg(test)]
mod tests {
    use crate::analyzers::migration::testing::rules;

    #[test]
    fn a_table_emptied_first_has_no_row_to_fail() {
        use crate::analyzers::migration::testing::first;
        use crate::model::Severity;
        let severity = |text: &str| first("migration-adds-required-column", text).map(|f| f.severity);
        let add = "ALTER TABLE profiles ADD COLUMN slug text NOT NULL;";
        assert_eq!(
            severity(&format!("DELETE FROM profiles;\n{add}")),
            Some(Severity::Medium)
        );
        assert_eq!(
            severity(&format!("DELETE FROM profiles WHERE id < 10;\n{add}")),
            Some(Severity::High)
        );
        assert_eq!(severity(add), Some(Severity::High));
        let refilled = format!("DELETE FROM profiles;\nINSERT INTO profiles SELECT * FROM profiles_bak;\n{add}");
        assert_eq!(severity(&refilled), Some(Severity::High));
    }

    #[test]
    fn fires_without_a_default_only() {
        assert_eq!(
            rules("ALTER TABLE customers ADD COLUMN country text NOT NULL;"),
            vec!["migration-adds-required-column"]
        );
        assert!(rules("ALTER TABLE customers ADD COLUMN country text NOT NULL DEFAULT 'NL';").is_empty());
        assert!(rules("ALTER TABLE customers ADD COLUMN country text;").is_empty());
    }
}
