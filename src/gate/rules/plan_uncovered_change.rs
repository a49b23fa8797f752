//! `plan-uncovered-change`: the plan does not name a change that needs it.

use crate::code_rule;
use crate::gate::plan_doc::names;
use crate::model::Finding;

code_rule! {
    /// ## What it does
    /// Reports a finding that needs a plan but that the plan does not name: not its rule id,
    /// file, table, column, symbol or type.
    ///
    /// ## Why is this risky?
    /// A plan written for one risk gives false comfort about the others in the same change.
    ///
    /// ## Example
    /// ```sql db/migrations/0042_drop_fax.sql
    /// ALTER TABLE customers DROP COLUMN fax;
    /// ```
    /// ```markdown ROLLBACK.md
    /// ## Scope
    /// The orders.total column.
    /// ```
    /// The plan is about `orders.total`; the change also drops `customers.fax`.
    ///
    /// ## How to roll back
    /// Name each risky change in the Scope section (`riskgate plan init` lists them).
    pub static PLAN_UNCOVERED_CHANGE: "plan-uncovered-change", Gate, Medium, [Plan], gating = None;
}

/// One finding per gating finding the plan's text does not name.
pub fn check(text: &str, needing: &[&Finding]) -> Vec<Finding> {
    needing
        .iter()
        .filter(|f| !names(text, f))
        .map(|f| {
            PLAN_UNCOVERED_CHANGE
                .finding(format!(
                    "the plan does not name `{}` at {} ({})",
                    f.rule,
                    f.location(),
                    f.message
                ))
                .help("name each risky change in the Scope section: its rule id, file, table or type")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::gate::plan::testing::problems_for;

    #[test]
    fn a_plan_about_something_else_fires() {
        let plan = "## Scope\nThe orders.total column.\n## Owner\nThe platform team.\n";
        assert!(problems_for(plan).contains(&"plan-uncovered-change".to_string()));
        let named = "## Scope\nDrops customers.fax (migration-drops-column).\n## Owner\nThe platform team.\n";
        assert!(!problems_for(named).contains(&"plan-uncovered-change".to_string()));
    }
}
