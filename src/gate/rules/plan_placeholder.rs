//! `plan-placeholder`: a section holds only a placeholder (TODO, TBD, N/A, …).

use crate::code_rule;
use crate::gate::plan_doc::is_placeholder;
use crate::model::Finding;

code_rule! {
    /// ## What it does
    /// Reports a plan section whose content is only a placeholder: `TODO`, `TBD`, `N/A`,
    /// `none`, `-`, `?`, `xxx`, `<…>`, `lorem`, "same as above".
    ///
    /// ## Why is this risky?
    /// A placeholder passes a glance in review but leaves the on-call engineer with nothing to do
    /// when the rollback is needed.
    ///
    /// ## Example
    /// ```sql db/migrations/0042_drop_fax.sql
    /// ALTER TABLE customers DROP COLUMN fax;
    /// ```
    /// ```markdown ROLLBACK.md
    /// ## Rollback steps
    /// 1. Restore customers.fax from customers_fax_backup (10 min)
    ///
    /// ## Verification
    /// TBD
    /// ```
    ///
    /// ## How to roll back
    /// Replace the placeholder with the real content.
    pub static PLAN_PLACEHOLDER: "plan-placeholder", Gate, Medium, [Plan], gating = None;
}

pub fn check(label: &str, text: &str) -> Option<Finding> {
    is_placeholder(text).then(|| {
        PLAN_PLACEHOLDER
            .finding(format!(
                "the `{label}` section is only a placeholder: {}",
                text.lines().next().unwrap_or("")
            ))
            .help("replace the placeholder with the real content")
    })
}

#[cfg(test)]
mod tests {
    use crate::gate::plan::testing::problems;

    #[test]
    fn tbd_fires_and_a_real_check_does_not() {
        let steps = "## Rollback steps\n1. Restore the table from the dump (5 min)\n";
        assert_eq!(
            problems(&format!("{steps}## Verification\nTBD\n"), &["rollback", "verification"]),
            vec!["plan-placeholder"]
        );
        assert!(problems(
            &format!("{steps}## Verification\nRun `SELECT count(*) FROM customers`.\n"),
            &["rollback", "verification"]
        )
        .is_empty());
    }
}
