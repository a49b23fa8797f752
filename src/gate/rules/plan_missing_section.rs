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

    #[test]
    fn a_declared_no_op_reverse_of_rewritten_data_requires_a_data_section() {
        use crate::analyzers::migration::rules::migration_rollback_missing::ROLLBACK_MISSING;
        use crate::gate::plan::{validate_for, Needs};
        use crate::model::Tag;
        let mut noop = ROLLBACK_MISSING
            .finding("rollback missing, empty or a no-op: `RunPython` reverses with `RunPython.noop`, leaving the data as changed")
            .at("hc/api/migrations/0107_fix_legacy_timezones.py", Some(20));
        noop.tags.push(Tag::DataRewrite);
        let plan = "## Rollback
1. Deploy the previous release (5 min)
## Backup
`pg_dump --table=api_check prod > check.sql` before the deploy
## Verification
`SELECT count(*) FROM api_check WHERE tz = 'Europe/Kyiv'` matches the dump
## Owner
@ops
";
        let rules = |plan: &str, findings: &[crate::model::Finding]| -> Vec<String> {
            validate_for(plan, "ROLLBACK.md", &[], &Needs { findings })
                .into_iter()
                .map(|f| format!("{}: {}", f.rule, f.message))
                .collect()
        };
        assert_eq!(
            rules(plan, &[noop.clone()]),
            vec!["plan-missing-section: the rollback plan has no `data` section"]
        );
        let with_data = format!("{plan}## Data\nThe old names come back from `check.sql` with an UPDATE by id.\n");
        assert!(rules(&with_data, &[noop.clone()]).is_empty());
        // A missing rollback that leaves no data changed asks for no Data section.
        let mut plain = noop;
        plain.tags.retain(|t| *t != Tag::DataRewrite);
        assert!(rules(plan, &[plain]).is_empty());
    }
}
