//! `plan-no-verification`: the Verification section names nothing to run or look at.

use crate::code_rule;
use crate::gate::plan_doc::{is_placeholder, meaningful, re, PlanDoc};
use crate::model::Finding;
use regex::Regex;
use std::sync::OnceLock;

code_rule! {
    /// ## What it does
    /// Reports a Verification section that names no command, query, URL or check.
    ///
    /// ## Why is this risky?
    /// "Check that it works" cannot tell a successful rollback from a failed one.
    ///
    /// ## Example
    /// ```sql db/migrations/0042_drop_fax.sql
    /// ALTER TABLE customers DROP COLUMN fax;
    /// ```
    /// ```markdown ROLLBACK.md
    /// ## Verification
    /// Make sure everything is fine again.
    /// ```
    ///
    /// ## How to roll back
    /// Name the query, the dashboard URL, the smoke test or the command to run.
    pub static PLAN_NO_VERIFICATION: "plan-no-verification", Gate, Medium, [Plan], gating = None;
}

pub fn check(plan: &PlanDoc) -> Option<Finding> {
    static VERIFY: OnceLock<Regex> = OnceLock::new();
    let v = plan.section("verification")?;
    let verify = re(
        &VERIFY,
        r"(?i)(`[^`]+`|\bselect\b|https?://|\bcurl\b|dashboard|smoke[- ]test|health ?check|\balert\b|\bmetric|\bquery\b|\btest\b)",
    );
    let v_text = meaningful(v);
    (!v_text.is_empty() && !is_placeholder(&v_text) && !verify.is_match(v)).then(|| {
        PLAN_NO_VERIFICATION
            .finding("the Verification section names no command, query, URL or check")
            .help("name the query, dashboard URL, smoke test or command that shows the rollback worked")
    })
}

#[cfg(test)]
mod tests {
    use crate::gate::plan::testing::problems_for;

    #[test]
    fn a_vague_verification_fires_and_a_query_does_not() {
        assert!(problems_for("## Verification\nMake sure everything is fine again.\n")
            .contains(&"plan-no-verification".to_string()));
        assert!(
            !problems_for("## Verification\nRun `SELECT count(*) FROM customers`.\n")
                .contains(&"plan-no-verification".to_string())
        );
    }
}
