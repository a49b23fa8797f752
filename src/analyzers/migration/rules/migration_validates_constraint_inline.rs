//! `migration-validates-constraint-inline`: a constraint checked against every row under lock.

use crate::analyzers::migration::context::{finding, Context};
use crate::analyzers::migration::ops::{Op, OpKind};
use crate::code_rule;
use crate::model::Finding;

code_rule! {
    /// ## What it does
    /// Finds a foreign key or check constraint added to an existing table without `NOT VALID`,
    /// a unique or primary key constraint added in place, and inline `REFERENCES` on a new
    /// column of an existing table.
    ///
    /// ## Why is this risky?
    /// The table is locked while every existing row is checked (and, for unique constraints,
    /// while the index is built).
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);
    /// ```
    ///
    /// ## How to roll back
    /// Add it `NOT VALID`, then `VALIDATE CONSTRAINT` in a later migration; build unique indexes
    /// `CONCURRENTLY` and attach them with `USING INDEX`.
    pub static VALIDATES_CONSTRAINT_INLINE: "migration-validates-constraint-inline", Migration, Medium, [Locking], gating = None;
}

pub fn check(op: &Op, kind: &OpKind, ctx: &Context) -> Vec<Finding> {
    match kind {
        OpKind::AddConstraint {
            table, kind, not_valid, ..
        } if !ctx.is_new_table(table) => {
            let locks = match kind.as_str() {
                "foreign key" | "check" => !not_valid,
                "unique" | "primary key" => true,
                _ => false,
            };
            if !locks {
                return Vec::new();
            }
            vec![finding(
                &VALIDATES_CONSTRAINT_INLINE,
                ctx,
                op,
                format!("{kind} constraint on existing table {table} is checked against every row under lock"),
                "add it NOT VALID, then VALIDATE CONSTRAINT in a later migration (unique: build the index CONCURRENTLY first)",
            )]
        }
        OpKind::AddColumn {
            table,
            column,
            references: true,
            ..
        } if !ctx.is_new_table(table) => vec![finding(
            &VALIDATES_CONSTRAINT_INLINE,
            ctx,
            op,
            format!("new column {table}.{column} references another table and validates under lock"),
            "add the column first, then the foreign key NOT VALID, then VALIDATE CONSTRAINT",
        )],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use crate::analyzers::migration::testing::rules;

    #[test]
    fn constraints_need_not_valid() {
        assert_eq!(
            rules("ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (customer_id) REFERENCES customers (id);"),
            vec!["migration-validates-constraint-inline"]
        );
        assert!(rules(
            "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;"
        )
        .is_empty());
        assert_eq!(
            rules("ALTER TABLE orders ADD COLUMN customer_id bigint REFERENCES customers (id);"),
            vec!["migration-validates-constraint-inline"]
        );
    }
}
