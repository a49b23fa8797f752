//! `plan-missing-section`: a section the plan needs is not there.

use crate::code_rule;
use crate::gate::plan_doc::capitalise;
use crate::model::Finding;

code_rule! {
    /// ## What it does
    /// Reports a rollback plan that lacks a required section: Rollback steps and Verification
    /// always, Backup when a destructive, data-rewrite or json-reshape finding is unmitigated,
    /// plus any heading listed in `plan.required_sections`. Synonyms count (Backout or Revert
    /// for Rollback, Validation for Verification).
    ///
    /// ## Why is this risky?
    /// A plan without steps or without a way to confirm the rollback worked is a hope, not a plan.
    ///
    /// ## Example
    /// ```sql db/migrations/0042_drop_fax.sql
    /// ALTER TABLE customers DROP COLUMN fax;
    /// ```
    /// ```markdown ROLLBACK.md
    /// ## Rollback steps
    /// 1. `ALTER TABLE customers ADD COLUMN fax text;` then restore it from customers_fax_backup (10 min)
    /// ```
    /// (no Verification section)
    ///
    /// ## How to roll back
    /// Add the missing section; `riskgate plan init` writes a skeleton with every section.
    pub static PLAN_MISSING_SECTION: "plan-missing-section", Gate, Medium, [Plan], gating = None;
}

pub fn check(label: &str) -> Finding {
    PLAN_MISSING_SECTION
        .finding(format!("the rollback plan has no `{label}` section"))
        .help(format!("add a `## {}` section", capitalise(label)))
}

#[cfg(test)]
mod tests {
    use crate::gate::plan::testing::problems;

    #[test]
    fn a_missing_required_section_fires() {
        let plan = "## Rollback steps\n1. Restore the table from the dump (5 min)\n";
        assert_eq!(
            problems(plan, &["rollback", "verification"]),
            vec!["plan-missing-section"]
        );
        assert!(problems(plan, &["rollback"]).is_empty());
    }
}
