//! The registry: every rule in force, listed once. Code rules are declared in their own files
//! (named after their ids) beside the stage that checks them; this lists them, adds the packs,
//! and checks the config's rule ids against the whole set.

use crate::analyzers::json_shape::rules as js;
use crate::analyzers::migration::rules as m;
use crate::analyzers::untested::rules as ut;
use crate::analyzers::{self, file_not_analyzed};
use crate::config::Config;
use crate::model::{CodeRule, RuleDoc};
use crate::packs::{self, PackRule};
use crate::policy::Policy;
use anyhow::{anyhow, Result};
use std::collections::HashSet;

/// Every rule implemented in code, each listed once. A test checks that every `code_rule!`
/// in the source is listed here and lives in a file named after its id.
pub fn code_rules() -> Vec<&'static CodeRule> {
    CODE_RULES.to_vec()
}

const CODE_RULES: &[&CodeRule] = &[
    // The change itself.
    &file_not_analyzed::FILE_NOT_ANALYZED,
    // Migrations.
    &m::applied_migration_edited::APPLIED_MIGRATION_EDITED,
    &m::migration_adds_required_column::ADDS_REQUIRED_COLUMN,
    &m::migration_adds_volatile_default::ADDS_VOLATILE_DEFAULT,
    &m::migration_backfills_in_code::BACKFILLS_IN_CODE,
    &m::migration_changes_column_type::CHANGES_COLUMN_TYPE,
    &m::migration_creates_index_without_concurrently::CREATES_INDEX_WITHOUT_CONCURRENTLY,
    &m::migration_deletes_all_rows::DELETES_ALL_ROWS,
    &m::migration_deletes_rows::DELETES_ROWS,
    &m::migration_does_not_parse::MIGRATION_DOES_NOT_PARSE,
    &m::migration_checksum_changed::MIGRATION_CHECKSUM_CHANGED,
    &m::migration_drops_column::DROPS_COLUMN,
    &m::migration_drops_schema::DROPS_SCHEMA,
    &m::migration_drops_table::DROPS_TABLE,
    &m::migration_rebuilds_table::REBUILDS_TABLE,
    &m::migration_removes_json_key::REMOVES_JSON_KEY,
    &m::migration_renames_column::RENAMES_COLUMN,
    &m::migration_renames_table::RENAMES_TABLE,
    &m::migration_reshapes_json::RESHAPES_JSON,
    &m::migration_rewrites_all_rows::REWRITES_ALL_ROWS,
    &m::migration_rewrites_rows::REWRITES_ROWS,
    &m::migration_rollback_missing::ROLLBACK_MISSING,
    &m::migration_runs_dynamic_sql::RUNS_DYNAMIC_SQL,
    &m::migration_sets_not_null::SETS_NOT_NULL,
    &m::migration_truncates_table::TRUNCATES_TABLE,
    &m::migration_validates_constraint_inline::VALIDATES_CONSTRAINT_INLINE,
    // JSON shapes.
    &js::api_type_changed::API_TYPE_CHANGED,
    &js::json_column_contract_changed::JSON_COLUMN_CONTRACT_CHANGED,
    &js::json_sample_shape_changed::JSON_SAMPLE_SHAPE_CHANGED,
    &js::json_schema_changed::JSON_SCHEMA_CHANGED,
    &js::serde_shape_changed::SERDE_SHAPE_CHANGED,
    &crate::shapes::json_sample_rejected::SAMPLE_REJECTED,
    // Tests.
    &ut::test_assertions_removed::ASSERTIONS_REMOVED,
    &ut::coverage_report_stale::STALE_COVERAGE,
    &ut::test_disabled::TEST_DISABLED,
    &ut::test_removed::TEST_REMOVED,
    &ut::uncovered_lines_changed::UNCOVERED_LINES,
    &ut::coverage_unmeasured::UNMEASURED,
    &ut::untested_file_changed::UNTESTED_FILE,
    &ut::untested_function_changed::UNTESTED_FUNCTION,
    // The rehearsal on a real PostgreSQL.
    &crate::rehearse::rules::rehearsal_blocks_writes::BLOCKS_WRITES,
    &crate::rehearse::rules::rehearsal_not_rerunnable::NOT_RERUNNABLE,
    &crate::rehearse::rules::rehearsal_rewrites_table::REWRITES_TABLE,
    &crate::rehearse::rules::rehearsal_rollback_fails::ROLLBACK_FAILS,
    &crate::rehearse::rules::rehearsal_rollback_incomplete::ROLLBACK_INCOMPLETE,
    &crate::rehearse::rules::rehearsal_rollback_loses_data::ROLLBACK_LOSES_DATA,
    &crate::rehearse::rules::rehearsal_up_fails::UP_FAILS,
    // Waivers, the policy and the plan.
    &crate::suppress::unused_waiver::UNUSED_WAIVER,
    &crate::policy::policy_changed::POLICY_CHANGED,
    &crate::gate::rules::plan_missing_section::PLAN_MISSING_SECTION,
    &crate::gate::rules::plan_placeholder::PLAN_PLACEHOLDER,
    &crate::gate::rules::plan_too_thin::PLAN_TOO_THIN,
    &crate::gate::rules::plan_template_unchanged::PLAN_TEMPLATE_UNCHANGED,
    &crate::gate::rules::plan_only_revert::PLAN_ONLY_REVERT,
    &crate::gate::rules::plan_uncovered_change::PLAN_UNCOVERED_CHANGE,
    &crate::gate::rules::plan_no_backup_evidence::PLAN_NO_BACKUP_EVIDENCE,
    &crate::gate::rules::plan_no_verification::PLAN_NO_VERIFICATION,
    &crate::gate::rules::plan_no_owner::PLAN_NO_OWNER,
];

/// The rules in force for a run: built-in packs, the repository's packs, and code rules.
pub struct RuleSet {
    pub packs: Vec<PackRule>,
    pub docs: Vec<RuleDoc>,
    pub known: HashSet<String>,
    pub disabled: HashSet<String>,
}

impl RuleSet {
    /// The rules a policy puts in force.
    pub fn of(policy: &Policy) -> Result<RuleSet> {
        RuleSet::load(&policy.config, &policy.pack_files)
    }

    /// The built-in rules plus the repository's packs, given as (path, text).
    pub fn load(config: &Config, pack_files: &[(String, String)]) -> Result<RuleSet> {
        let mut all = packs::built_in()?;
        for (file, text) in pack_files {
            let loaded = packs::load(file, text)?;
            for rule in &loaded {
                analyzers::pattern::check_examples(rule).map_err(|e| anyhow!(e))?;
            }
            all.extend(loaded);
        }
        let mut docs: Vec<RuleDoc> = code_rules().iter().map(|r| r.doc()).collect();
        let mut known: HashSet<String> = docs.iter().map(|d| d.id.clone()).collect();
        for rule in &all {
            if !known.insert(rule.doc.id.clone()) {
                return Err(anyhow!(
                    "{}: rule id `{}` is defined twice",
                    rule.doc.source,
                    rule.doc.id
                ));
            }
            docs.push(rule.doc.clone());
        }
        let mut disabled = HashSet::new();
        for id in &config.rules.disable {
            if !known.contains(id.get_ref()) {
                return Err(config.error_at(
                    id.span(),
                    format!("unknown rule id `{}` (see `riskgate rules`)", id.get_ref()),
                ));
            }
            disabled.insert(id.get_ref().clone());
        }
        for (id, c) in &config.score.confidence {
            if !known.contains(id) {
                return Err(config.error_at(c.span(), format!("unknown rule id `{id}` in [score.confidence]")));
            }
        }
        all.retain(|r| !disabled.contains(&r.doc.id));
        docs.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(RuleSet {
            packs: all,
            docs,
            known,
            disabled,
        })
    }
}

/// Used by `explain` and `rules` outside a repository: only what is built in.
pub fn built_in_rules() -> Result<RuleSet> {
    RuleSet::load(&Config::default(), &[])
}

/// `docs/rules.md`: generated from the rule documentation; a test keeps the file fresh.
pub fn rules_markdown(rules: &RuleSet) -> String {
    let mut s = String::from(
        "# riskgate rules\n\n<!-- Generated by `riskgate rules --format markdown`; do not edit by hand. -->\n\n| Rule | Analyzer | Severity | Description |\n|---|---|---|---|\n",
    );
    for d in &rules.docs {
        s.push_str(&format!(
            "| [`{}`](#{}) | {} | {} | {} |\n",
            d.id,
            d.id,
            d.analyzer,
            d.severity,
            crate::report::markdown::cell(&d.description)
        ));
    }
    for d in &rules.docs {
        s.push('\n');
        s.push_str(&d.markdown());
    }
    s
}
