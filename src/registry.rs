//! The registry: every rule in force, listed once. Code rules are declared in their own files
//! (named after their ids) beside the stage that checks them; this lists them, adds the packs,
//! and checks the config's rule ids against the whole set.

use crate::analyzers::{self, file_not_analyzed, json_shape, migration, untested};
use crate::config::Config;
use crate::model::{CodeRule, RuleDoc};
use crate::packs::{self, PackRule};
use crate::policy::Policy;
use anyhow::{anyhow, Result};
use std::collections::HashSet;

/// Every rule implemented in code. A test checks that each `code_rule!` is listed here.
pub fn code_rules() -> Vec<&'static CodeRule> {
    let mut all: Vec<&'static CodeRule> = CORE_RULES.to_vec();
    all.extend_from_slice(migration::RULES);
    all.extend_from_slice(json_shape::RULES);
    all.extend_from_slice(untested::RULES);
    all.push(&crate::shapes::SAMPLE_REJECTED);
    all
}

const CORE_RULES: &[&CodeRule] = &[
    &file_not_analyzed::FILE_NOT_ANALYZED,
    &crate::policy::POLICY_CHANGED,
    &crate::suppress::UNUSED_WAIVER,
    &crate::gate::PLAN_MISSING_SECTION,
    &crate::gate::PLAN_PLACEHOLDER,
    &crate::gate::PLAN_TOO_THIN,
    &crate::gate::PLAN_TEMPLATE_UNCHANGED,
    &crate::gate::PLAN_ONLY_REVERT,
    &crate::gate::PLAN_UNCOVERED_CHANGE,
    &crate::gate::PLAN_NO_BACKUP_EVIDENCE,
    &crate::gate::PLAN_NO_VERIFICATION,
    &crate::gate::PLAN_NO_OWNER,
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
