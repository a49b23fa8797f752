//! `plan-too-thin`: the rollback steps have no step, or a section is a word or two.

use crate::code_rule;
use crate::gate::plan_doc::has_step;
use crate::model::Finding;

code_rule! {
    /// ## What it does
    /// Reports a plan whose Rollback steps section has neither a numbered or bulleted step nor a
    /// code block, or whose other required sections hold less than one real sentence.
    ///
    /// ## Why is this risky?
    /// "Revert if needed" is not executable at 3 a.m.; steps must be concrete enough to follow.
    ///
    /// ## Example
    /// ```sql db/migrations/0042_drop_fax.sql
    /// ALTER TABLE customers DROP COLUMN fax;
    /// ```
    /// ```markdown ROLLBACK.md
    /// ## Rollback steps
    /// Revert if needed.
    /// ```
    ///
    /// ## How to roll back
    /// Write numbered steps, each a command or action with its expected duration.
    pub static PLAN_TOO_THIN: "plan-too-thin", Gate, Medium, [Plan], gating = None;
}

/// `name` is the section's canonical name, `label` how the plan is told about it.
pub fn check(name: &str, label: &str, text: &str) -> Option<Finding> {
    if name == "rollback" && !has_step(text) {
        return Some(
            PLAN_TOO_THIN
                .finding("the rollback steps have no numbered or bulleted step and no code block")
                .help("write numbered steps, each a command or action with an estimated time"),
        );
    }
    (name != "rollback" && text.split_whitespace().count() < 3).then(|| {
        PLAN_TOO_THIN
            .finding(format!(
                "the `{label}` section is too thin: {}",
                if text.is_empty() { "empty" } else { text }
            ))
            .help("write at least one real sentence")
    })
}

#[cfg(test)]
mod tests {
    use crate::gate::plan::testing::problems;

    #[test]
    fn steps_without_a_step_fire_and_numbered_steps_do_not() {
        assert_eq!(
            problems("## Rollback steps\nRevert if needed.\n", &["rollback"]),
            vec!["plan-too-thin"]
        );
        assert!(problems("## Rollback steps\n1. Revert the deploy (5 min)\n", &["rollback"]).is_empty());
    }
}
