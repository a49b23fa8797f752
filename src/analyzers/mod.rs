//! Stage 3: analyzers. Each is a pure function from the classified change to findings.

pub mod file_not_analyzed;
pub mod json_shape;
pub mod migration;
pub mod pattern;
pub mod untested;

use crate::config::JsonColumn;
use crate::coverage::Coverage;
use crate::diff::ChangeSet;
use crate::finding::Finding;
use crate::packs::PackRule;
use crate::rules::CodeRule;

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

/// Runs every analyzer over the change. They are independent, so they run on separate threads.
/// What the analyzers need beyond the change itself.
pub struct Inputs<'a> {
    pub packs: &'a [PackRule],
    pub json_columns: &'a [JsonColumn],
    pub coverage: Option<&'a Coverage>,
}

pub fn run(change: &ChangeSet, inputs: &Inputs<'_>) -> Vec<Finding> {
    let mut findings = std::thread::scope(|s| {
        let patterns = s.spawn(|| pattern::analyze(change, inputs.packs));
        let shapes = s.spawn(|| json_shape::analyze(change));
        let untested = s.spawn(|| untested::analyze(change, inputs.coverage));
        let mut findings = migration::analyze(change);
        findings.extend(file_not_analyzed::analyze(change));
        findings.extend(shapes.join().unwrap_or_default());
        findings.extend(untested.join().unwrap_or_default());
        findings.extend(patterns.join().unwrap_or_default());
        findings
    });
    // Correlation across analyzers, once each has spoken.
    let compound = json_shape::contract::compound(&findings, inputs.json_columns);
    findings.extend(compound);
    findings
}
