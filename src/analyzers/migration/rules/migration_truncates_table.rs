//! `migration-truncates-table`: a table the migration did not create is emptied.

use crate::analyzers::migration::context::{rows_lost, Context};
use crate::analyzers::migration::ops::{Op, OpKind};
use crate::code_rule;
use crate::model::Finding;

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
    pub static TRUNCATES_TABLE: "migration-truncates-table", Migration, High, [Destructive], gating = DataLoss;
}

pub fn check(op: &Op, kind: &OpKind, ctx: &Context) -> Vec<Finding> {
    match kind {
        OpKind::Truncate { tables } => {
            rows_lost(&TRUNCATES_TABLE, ctx, op, tables, "TRUNCATE {table} empties the table")
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use crate::analyzers::migration::testing::{rules, sql};

    #[test]
    fn fires_on_existing_tables_only() {
        assert_eq!(rules("TRUNCATE audit_events;"), vec!["migration-truncates-table"]);
        assert!(rules("CREATE TABLE scratch (id int);\nTRUNCATE scratch;").is_empty());
        assert!(rules("/* TRUNCATE x; */\nSELECT 1;").is_empty());
    }

    #[test]
    fn a_copy_of_the_rows_first_mitigates() {
        let got = sql("CREATE TABLE old_sessions LIKE sessions;\nINSERT INTO old_sessions SELECT * FROM sessions;\nTRUNCATE sessions;");
        assert_eq!(got, vec![("migration-truncates-table".to_string(), 3, true)]);
    }
}
