//! `plan-template-unchanged`: the plan is still the skeleton `riskgate plan init` wrote.

use crate::code_rule;
use crate::gate::plan_doc::{meaningful, normalise, PlanDoc, TEMPLATE_MARKER};
use crate::model::Finding;

code_rule! {
    /// ## What it does
    /// Reports a plan that is still the text `riskgate plan init` wrote: every section other
    /// than Scope holds only the guidance comments or empty steps.
    ///
    /// ## Why is this risky?
    /// Committing the skeleton satisfies nothing; it only looks like a plan.
    ///
    /// ## Example
    /// ```sql db/migrations/0042_drop_fax.sql
    /// ALTER TABLE customers DROP COLUMN fax;
    /// ```
    /// ```markdown ROLLBACK.md
    /// # Rollback plan
    /// <!-- riskgate plan init: fill in every section -->
    ///
    /// ## Scope
    /// - migration-drops-column at db/migrations/0042_drop_fax.sql:1
    ///
    /// ## Rollback steps
    /// <!-- Numbered, executable steps with an estimated time each. -->
    /// 1.
    /// ```
    ///
    /// ## How to roll back
    /// Fill in each section, then run `riskgate plan check`.
    pub static PLAN_TEMPLATE_UNCHANGED: "plan-template-unchanged", Gate, Medium, [Plan], gating = None;
}

pub fn check(plan: &PlanDoc, raw: &str) -> Option<Finding> {
    let unchanged = raw.contains(TEMPLATE_MARKER)
        && plan
            .sections
            .iter()
            .filter(|(h, _)| normalise(h) != "scope")
            .all(|(_, body)| {
                meaningful(body).lines().all(|l| {
                    l.trim_end_matches(['.', ')'])
                        .chars()
                        .all(|c| c.is_ascii_digit() || c == '-' || c == '*')
                })
            });
    unchanged.then(|| {
        PLAN_TEMPLATE_UNCHANGED
            .finding("the rollback plan is still the `riskgate plan init` skeleton")
            .help("fill in every section, then run `riskgate plan check`")
    })
}

#[cfg(test)]
mod tests {
    use crate::gate::plan::testing::problems;

    #[test]
    fn the_skeleton_fires_and_a_filled_one_does_not() {
        let skeleton = crate::gate::plan_doc::template(&["migration-drops-column at db/1.sql:1".to_string()]);
        assert_eq!(problems(&skeleton, &[]), vec!["plan-template-unchanged"]);
        let filled = skeleton.replace("1.\n", "1. Restore customers from customers_fax_backup (5 min)\n");
        assert!(!problems(&filled, &[]).contains(&"plan-template-unchanged".to_string()));
    }
}
