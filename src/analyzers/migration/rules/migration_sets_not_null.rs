//! `migration-sets-not-null`: `SET NOT NULL` on an existing column without a validated check.

use crate::analyzers::migration::context::{finding, Context};
use crate::analyzers::migration::ops::{Op, OpKind};
use crate::code_rule;
use crate::model::Finding;

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
    pub static SETS_NOT_NULL: "migration-sets-not-null", Migration, Medium, [Locking, Breaking], gating = BrokenContract;
}

pub fn check(op: &Op, kind: &OpKind, ctx: &Context) -> Vec<Finding> {
    let OpKind::SetNotNull { table, column } = kind else {
        return Vec::new();
    };
    let validated = ctx
        .not_null_checks
        .iter()
        .any(|(t, c, v)| t == table && c == column && *v);
    if ctx.is_new_column(table, column) || validated {
        return Vec::new();
    }
    vec![finding(
        &SETS_NOT_NULL,
        ctx,
        op,
        format!("SET NOT NULL on {table}.{column} scans the table under lock and rejects nulls old code writes"),
        "add CHECK (column IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT, then SET NOT NULL",
    )]
}

#[cfg(test)]
mod tests {
    use crate::analyzers::migration::testing::rules;

    #[test]
    fn a_validated_check_first_makes_it_safe() {
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
