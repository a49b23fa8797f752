//! Checking a rollback plan (design §5): the plan rules, in order, over the plan document.

use super::plan_doc::{meaningful, PlanDoc, SECTIONS};
use super::rules::*;
use crate::model::Finding;

pub use super::plan_doc::{add_to_scope, template, TEMPLATE_MARKER};

/// What the change needs the plan to cover.
pub struct Needs<'a> {
    pub findings: &'a [Finding],
}

/// Checks a plan; returns one finding per failed check, pointing at the plan's source.
pub fn validate(raw: &str, source: &str, required: &[String]) -> Vec<Finding> {
    validate_for(raw, source, required, &Needs { findings: &[] })
}

/// Checks a plan against the change's findings.
pub fn validate_for(raw: &str, source: &str, required: &[String], needs: &Needs<'_>) -> Vec<Finding> {
    let plan = &PlanDoc::parse(raw);
    let mut problems = Vec::new();
    if let Some(f) = plan_template_unchanged::check(plan, raw) {
        return vec![f.at(source, None)];
    }
    for name in required {
        let label = SECTIONS
            .iter()
            .find(|(n, _)| n == name)
            .map_or(name.as_str(), |(_, s)| s[0]);
        let Some(body) = plan.section(name) else {
            problems.push(plan_missing_section::check(label));
            continue;
        };
        let text = meaningful(body);
        problems.extend(plan_placeholder::check(label, &text).or_else(|| plan_too_thin::check(name, label, &text)));
    }
    if !needs.findings.is_empty() {
        let active: Vec<&Finding> = needs
            .findings
            .iter()
            .filter(|f| f.is_active() && f.analyzer != crate::model::Analyzer::Gate)
            .collect();
        let data_or_schema = active.iter().any(|f| f.analyzer.is_about_data());
        let data_loss = active.iter().any(|f| f.tags.iter().any(|t| t.is_data_risk()));
        let needing: Vec<&Finding> = active.iter().copied().filter(|f| f.needs_plan).collect();
        // A rollback that by choice leaves changed data as it is (a declared no-op reverse of
        // code that overwrites values): the plan must say how the data comes back.
        let data_stays_changed = active.iter().any(|f| {
            use crate::model::Tag;
            f.tags.contains(&Tag::Irreversible) && f.tags.contains(&Tag::DataRewrite)
        });
        if data_stays_changed && !required.iter().any(|r| r == "data") && plan.section("data").is_none() {
            problems.push(plan_missing_section::check("data"));
        }
        let text = meaningful(raw);
        problems.extend(plan_only_revert::check(plan, data_or_schema));
        problems.extend(plan_uncovered_change::check(&text, &needing));
        problems.extend(plan_no_backup_evidence::check(plan, &text, data_loss));
        problems.extend(plan_no_verification::check(plan));
        problems.extend(plan_no_owner::check(plan));
    }
    problems.into_iter().map(|f| f.at(source, None)).collect()
}

#[cfg(test)]
pub mod testing {
    use crate::model::Finding;

    /// The plan rules that fire on `plan` with these required sections and nothing to cover.
    pub fn problems(plan: &str, required: &[&str]) -> Vec<String> {
        let required: Vec<String> = required.iter().map(|s| s.to_string()).collect();
        super::validate(plan, "ROLLBACK.md", &required)
            .into_iter()
            .map(|f| f.rule)
            .collect()
    }

    /// The plan rules that fire on `plan` for a change that drops `customers.fax`.
    pub fn problems_for(plan: &str) -> Vec<String> {
        let mut drop = crate::analyzers::migration::rules::migration_drops_column::DROPS_COLUMN
            .finding("DROP COLUMN customers.fax discards every stored value")
            .at("db/migrations/0042_drop_fax.sql", Some(1));
        drop.needs_plan = true;
        drop.target = Some("customers.fax".to_string());
        let findings: Vec<Finding> = vec![drop];
        super::validate_for(plan, "ROLLBACK.md", &[], &super::Needs { findings: &findings })
            .into_iter()
            .map(|f| f.rule)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gate::plan_doc::names;

    fn req(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    const GOOD: &str = "# Rollback plan\n\n## Rollback steps\n1. Run `psql -f down.sql` (2 min)\n2. Redeploy v1.4.2 (10 min)\n\n## Verification\nRun `SELECT count(*) FROM customers WHERE fax IS NOT NULL` and compare with the backup.\n";

    #[test]
    fn a_complete_plan_passes() {
        assert_eq!(
            validate(GOOD, "ROLLBACK.md", &req(&["rollback", "verification"])),
            vec![]
        );
    }

    #[test]
    fn synonyms_are_accepted() {
        let plan = "## Backout\n- revert the deploy (5 min)\n## Validation\nThe smoke test `make smoke` passes.\n";
        assert!(validate(plan, "p", &req(&["rollback", "verification"])).is_empty());
    }

    #[test]
    fn each_failed_check_is_a_finding() {
        let plan = "## Rollback steps\nRevert if needed.\n## Verification\nTBD\n";
        let found = validate(plan, "p.md", &req(&["rollback", "verification", "backup"]));
        let rules: Vec<_> = found.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(rules, vec!["plan-too-thin", "plan-placeholder", "plan-missing-section"]);
        assert_eq!(found[2].message, "the rollback plan has no `backup` section");
        assert_eq!(found[0].file.as_deref(), Some("p.md"));
    }

    #[test]
    fn the_unchanged_skeleton_is_one_finding_and_a_filled_one_is_valid() {
        let skeleton = template(&["`migration-drops-column` at `db/m.sql:3`".to_string()]);
        let found = validate(&skeleton, "ROLLBACK.md", &req(&["rollback", "verification"]));
        let rules: Vec<_> = found.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(rules, vec!["plan-template-unchanged"]);
        let filled = skeleton
            .replace("1.\n", "1. Run `psql -f restore.sql` (5 min)\n")
            .replace(
                "## Verification\n",
                "## Verification\nRun `SELECT count(*) FROM customers` and compare.\n",
            );
        assert!(validate(&filled, "ROLLBACK.md", &req(&["rollback", "verification"])).is_empty());
    }

    #[test]
    fn headings_inside_code_blocks_are_not_sections() {
        let plan = PlanDoc::parse("## Rollback steps\n```sh\n# Verification\npsql -f down.sql\n```\n");
        assert!(plan.section("verification").is_none());
        assert!(plan.section("rollback").unwrap().contains("psql"));
    }

    #[test]
    fn a_title_of_any_wording_is_a_title_not_a_section() {
        let plan = "# Rollback plan: drop customers.fax\nWhy this plan exists.\n\n## Rollback\n1. Restore the column from `customers_fax_backup` (5 min)\n\n## Backup\n`CREATE TABLE customers_fax_backup AS SELECT id, fax FROM customers` before the deploy.\n\n## Verification\nRun `SELECT count(*) FROM customers WHERE fax IS NOT NULL` and compare with the backup.\n";
        let required = req(&["rollback", "verification", "backup"]);
        assert_eq!(validate(plan, "ROLLBACK.md", &required), Vec::<Finding>::new());
        // A placeholder in the steps is named as one.
        let todo = plan.replace("1. Restore the column from `customers_fax_backup` (5 min)", "TODO");
        let rules: Vec<String> = validate(&todo, "ROLLBACK.md", &required)
            .into_iter()
            .map(|f| f.rule)
            .collect();
        assert_eq!(rules, vec!["plan-placeholder"]);
        // Without a title, the first heading is a section like the others.
        let untitled = PlanDoc::parse("## Rollback steps\n1. revert\n## Verification\nok\n");
        assert!(!untitled.titled);
        assert!(untitled.section("rollback").is_some());
    }

    #[test]
    fn a_new_risk_is_added_to_the_scope_and_nothing_written_is_lost() {
        let plan = "# Rollback plan: fax\n\n## Scope\n- `migration-drops-column` at `db/m.sql:3`: DROP COLUMN fax (our words)\n\n## Rollback steps\n1. restore (5 min)\n";
        let scope = [
            "`migration-drops-column` at `db/m.sql:3`: DROP COLUMN customers.fax discards every stored value"
                .to_string(),
            "`migration-drops-table` at `db/n.sql:1`: DROP TABLE t discards every row".to_string(),
        ];
        let (text, added) = add_to_scope(plan, &scope);
        assert_eq!(added, 1);
        assert_eq!(
            text,
            "# Rollback plan: fax\n\n## Scope\n- `migration-drops-column` at `db/m.sql:3`: DROP COLUMN fax (our words)\n- `migration-drops-table` at `db/n.sql:1`: DROP TABLE t discards every row\n\n## Rollback steps\n1. restore (5 min)\n"
        );
        assert_eq!(add_to_scope(&text, &scope), (text.clone(), 0));
        let (appended, n) = add_to_scope("## Rollback steps\n1. x\n", &scope[1..]);
        assert_eq!(n, 1);
        assert!(
            appended
                .ends_with("## Scope\n- `migration-drops-table` at `db/n.sql:1`: DROP TABLE t discards every row\n"),
            "{appended}"
        );
    }

    #[test]
    fn a_risk_named_in_words_is_covered() {
        let mut f = Finding::new(
            "migration-drops-column",
            crate::model::Analyzer::Migration,
            crate::model::Severity::High,
            "DROP COLUMN customers.fax discards every stored value",
        )
        .at("db/migrations/0042_drop_fax.sql", Some(1))
        .evidence("ALTER TABLE customers DROP COLUMN fax;");
        f.needs_plan = true;
        let named = |plan: &str| names(&meaningful(plan), &f);
        assert!(named("## Scope\nWe drop the fax column of the customers table.\n"));
        assert!(!named("## Scope\nWe drop the total column of the orders table.\n"));
        assert!(
            !named("## Scope\nWe drop a column of the customers table.\n"),
            "the column must be named too"
        );
    }
}
