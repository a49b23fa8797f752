//! Stage 3: analyzers. Each is a pure function from the classified change to findings.

pub mod file_not_analyzed;
pub mod pattern;

use crate::diff::ChangeSet;
use crate::finding::Finding;
use crate::packs::PackRule;
use crate::rules::CodeRule;

/// Every rule implemented in code. A test checks that each `code_rule!` is listed here.
pub const CODE_RULES: &[&CodeRule] = &[
    &file_not_analyzed::FILE_NOT_ANALYZED,
    &crate::suppress::UNUSED_WAIVER,
    &crate::gate::PLAN_MISSING_SECTION,
    &crate::gate::PLAN_PLACEHOLDER,
    &crate::gate::PLAN_TOO_THIN,
    &crate::gate::PLAN_TEMPLATE_UNCHANGED,
];

/// Runs every analyzer over the change. They are independent, so they run on separate threads.
pub fn run(change: &ChangeSet, packs: &[PackRule]) -> Vec<Finding> {
    let (mut findings, skipped) = std::thread::scope(|s| {
        let patterns = s.spawn(|| pattern::analyze(change, packs));
        let skipped = file_not_analyzed::analyze(change);
        (patterns.join().unwrap_or_default(), skipped)
    });
    findings.extend(skipped);
    findings
}
