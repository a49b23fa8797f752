//! `migration-drops-schema`: a whole schema is dropped.

use crate::analyzers::migration::context::{finding, Context};
use crate::analyzers::migration::ops::{Op, OpKind};
use crate::code_rule;
use crate::model::Finding;

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
    pub static DROPS_SCHEMA: "migration-drops-schema", Migration, Critical, [Destructive], gating = DataLoss;
}

pub fn check(op: &Op, kind: &OpKind, ctx: &Context) -> Vec<Finding> {
    let OpKind::DropSchema { names } = kind else {
        return Vec::new();
    };
    names
        .iter()
        .map(|s| {
            finding(
                &DROPS_SCHEMA,
                ctx,
                op,
                format!("DROP SCHEMA {s} removes every object in it"),
                "take a dump or snapshot first and name it in the rollback plan",
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::analyzers::migration::testing::rules;

    #[test]
    fn fires_on_drop_schema_and_not_in_comments() {
        assert_eq!(rules("DROP SCHEMA reporting CASCADE;"), vec!["migration-drops-schema"]);
        assert!(rules("-- DROP SCHEMA reporting CASCADE;\nSELECT 1;").is_empty());
    }
}
