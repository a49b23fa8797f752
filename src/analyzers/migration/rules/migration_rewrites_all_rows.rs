//! `migration-rewrites-all-rows`: an `UPDATE` overwrites every row.

use crate::analyzers::migration::context::{finding, Context};
use crate::analyzers::migration::ops::{Op, OpKind};
use crate::code_rule;
use crate::model::Finding;

code_rule! {
    /// ## What it does
    /// Finds an `UPDATE` over all rows: no `WHERE`, or a tautology. A bounded batch (`LIMIT`,
    /// `BETWEEN`) is not a bulk rewrite, and neither is the backfill of columns the change
    /// adds: nothing that existed is overwritten. A filtered `UPDATE` is
    /// `migration-rewrites-rows`.
    ///
    /// ## Why is this risky?
    /// The old values are overwritten everywhere at once and the update holds row locks on the
    /// whole table until it commits.
    ///
    /// ## Example
    /// ```sql
    /// UPDATE accounts SET plan = 'basic';
    /// ```
    ///
    /// ## How to roll back
    /// Copy the affected columns first; backfill in bounded batches with a real condition.
    pub static REWRITES_ALL_ROWS: "migration-rewrites-all-rows", Migration, Medium, [DataRewrite], gating = DataRewrite;
}

pub fn check(op: &Op, kind: &OpKind, ctx: &Context) -> Vec<Finding> {
    let OpKind::Update {
        table,
        columns,
        filter,
        json,
    } = kind
    else {
        return Vec::new();
    };
    // A backfill of columns the change adds overwrites nothing that existed.
    let new_columns_only = !columns.is_empty() && columns.iter().all(|c| ctx.is_new_column(table, c));
    if !json.is_empty() || !filter.is_all_rows() || ctx.is_new_table(table) || new_columns_only {
        return Vec::new();
    }
    let f = finding(
        &REWRITES_ALL_ROWS,
        ctx,
        op,
        format!("UPDATE {table} SET {} overwrites every row", columns.join(", ")),
        "copy the columns first, and backfill in bounded batches (WHERE id BETWEEN … or LIMIT) with a real condition",
    );
    let column = if columns.len() == 1 {
        columns.first().map(String::as_str)
    } else {
        None
    };
    vec![ctx.judge_backup(f, table, column, op.line)]
}

#[cfg(test)]
mod tests {
    use crate::analyzers::migration::testing::rules;

    #[test]
    fn bulk_updates_fire_and_batches_do_not() {
        assert_eq!(
            rules("UPDATE accounts SET plan = 'basic';"),
            vec!["migration-rewrites-all-rows"]
        );
        assert_eq!(
            rules("UPDATE accounts SET plan = 'basic' WHERE 1 = 1;"),
            vec!["migration-rewrites-all-rows"]
        );
        assert!(rules("UPDATE accounts SET plan = 'basic' WHERE id = 7;").is_empty());
        assert!(rules(
            "UPDATE accounts SET plan = 'basic' WHERE id IN (SELECT id FROM accounts WHERE plan IS NULL LIMIT 1000);"
        )
        .is_empty());
    }
}
