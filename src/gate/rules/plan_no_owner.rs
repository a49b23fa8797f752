//! `plan-no-owner`: the plan names no person, team or role to run it.

use crate::code_rule;
use crate::gate::plan_doc::{meaningful, re, PlanDoc};
use crate::model::Finding;
use regex::Regex;
use std::sync::OnceLock;

code_rule! {
    /// ## What it does
    /// Reports a plan that names no owner: no person, team or role runs the rollback. This is a
    /// warning: it does not make the plan invalid.
    ///
    /// ## Why is this risky?
    /// In an incident, a plan nobody owns waits for someone to notice it.
    ///
    /// ## Example
    /// ```sql db/migrations/0042_drop_fax.sql
    /// ALTER TABLE customers DROP COLUMN fax;
    /// ```
    /// ```markdown ROLLBACK.md
    /// ## Rollback steps
    /// 1. Restore customers.fax from customers_fax_backup (10 min)
    /// ```
    /// (no Owner section)
    ///
    /// ## How to roll back
    /// Add `## Owner` with a person, team or on-call role.
    pub static PLAN_NO_OWNER: "plan-no-owner", Gate, Low, [Plan], gating = None;
}

pub fn check(plan: &PlanDoc) -> Option<Finding> {
    static OWNER: OnceLock<Regex> = OnceLock::new();
    let owner = re(
        &OWNER,
        r"(?i)(@[\w-]+|\bteam\b|on[- ]call|\b[A-Z][a-z]+ [A-Z][a-z]+\b|\bsre\b|\bdba\b|engineer|lead|owner)",
    );
    let owner_text = plan.section("owner").map(meaningful).unwrap_or_default();
    (owner_text.is_empty() || !owner.is_match(&owner_text)).then(|| {
        PLAN_NO_OWNER
            .finding("the plan names no owner (person, team or role)")
            .help("add an Owner section naming who runs the rollback")
    })
}

#[cfg(test)]
mod tests {
    use crate::gate::plan::testing::problems_for;

    #[test]
    fn no_owner_fires_and_a_team_does_not() {
        assert!(
            problems_for("## Rollback steps\n1. Restore customers_fax_backup (5 min)\n")
                .contains(&"plan-no-owner".to_string())
        );
        assert!(!problems_for("## Owner\nThe platform team.\n").contains(&"plan-no-owner".to_string()));
    }
}
