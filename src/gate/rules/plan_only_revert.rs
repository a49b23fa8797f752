//! `plan-only-revert`: the only rollback step reverts code, but data or a data contract changes.

use crate::code_rule;
use crate::gate::plan_doc::{re, PlanDoc};
use crate::model::Finding;
use regex::Regex;
use std::sync::OnceLock;

code_rule! {
    /// ## What it does
    /// Reports a plan whose only rollback step is to revert the commit or pull request, while
    /// the change holds a data or schema finding (migration or JSON shape).
    ///
    /// ## Why is this risky?
    /// Reverting code does not revert data: dropped columns stay dropped and rewritten rows
    /// stay rewritten, and the reverted code then meets the new data.
    ///
    /// ## Example
    /// ```sql db/migrations/0042_drop_fax.sql
    /// ALTER TABLE customers DROP COLUMN fax;
    /// ```
    /// ```markdown ROLLBACK.md
    /// ## Rollback steps
    /// 1. Revert the PR.
    /// ```
    ///
    /// ## How to roll back
    /// Add the data steps: restore from the backup, run the down migration, or the forward fix.
    pub static PLAN_ONLY_REVERT: "plan-only-revert", Gate, Medium, [Plan], gating = None;
}

/// `data_or_schema`: an active finding of the change is about data or its contract.
pub fn check(plan: &PlanDoc, data_or_schema: bool) -> Option<Finding> {
    static REVERT: OnceLock<Regex> = OnceLock::new();
    static STEP: OnceLock<Regex> = OnceLock::new();
    let steps = plan.section("rollback")?;
    let step = re(&STEP, r"(?m)^\s*(?:\d+[.)]|[-*+])\s+(.+)$");
    let list: Vec<&str> = step
        .captures_iter(steps)
        .filter_map(|c| c.get(1).map(|m| m.as_str()))
        .collect();
    let revert = re(
        &REVERT,
        r"(?i)\b(revert|roll ?back the (pr|commit|deploy)|git revert|redeploy the previous)",
    );
    (data_or_schema && !list.is_empty() && list.iter().all(|s| revert.is_match(s))).then(|| {
        PLAN_ONLY_REVERT
            .finding("the plan's only rollback step reverts the code, but this change alters data or a data contract")
            .help("add the data steps: restore from the backup, run the down migration, or the forward fix")
    })
}

#[cfg(test)]
mod tests {
    use crate::gate::plan::testing::problems_for;

    #[test]
    fn a_revert_alone_fires_for_a_data_change() {
        let plan = "## Rollback steps\n1. Revert the PR.\n## Owner\nThe platform team.\n";
        assert!(problems_for(plan).contains(&"plan-only-revert".to_string()));
        let with_data = "## Rollback steps\n1. Revert the PR.\n2. Restore customers.fax from customers_fax_backup.\n## Owner\nThe platform team.\n";
        assert!(!problems_for(with_data).contains(&"plan-only-revert".to_string()));
    }
}
