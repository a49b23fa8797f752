//! `coverage-report-stale`: the coverage report is for another version of the code.

use crate::analyzers::untested::changed_lines::fits;
use crate::classify::FileKind;
use crate::code_rule;
use crate::coverage::Coverage;
use crate::diff::{ChangeSet, FileStatus};
use crate::model::Finding;
use std::collections::BTreeSet;

code_rule! {
    /// ## What it does
    /// Reports a coverage report that does not match the head tree: records beyond the end of a
    /// file, or no file of the report in the tree. Its data is not used for those files.
    ///
    /// ## Why is this risky?
    /// A stale report would call new code covered or uncovered at random.
    ///
    /// ## Example
    /// The report records line 120 of a three-line file: it is for another version.
    /// ```rust src/vat.rs (before)
    /// pub fn vat(country: &str) -> u32 {
    ///     20
    /// }
    /// ```
    /// ```rust src/vat.rs
    /// pub fn vat(country: &str) -> u32 {
    ///     if country == "NL" { 21 } else { 20 }
    /// }
    /// ```
    /// ```text lcov.info
    /// SF:src/vat.rs
    /// DA:1,1
    /// DA:120,1
    /// end_of_record
    /// ```
    /// ```console
    /// $ riskgate check --base main --coverage lcov.info
    /// ```
    ///
    /// ## How to roll back
    /// Regenerate the report from the head commit.
    pub static STALE_COVERAGE: "coverage-report-stale", Untested, Info, [], gating = None;
}

/// The report names no file of the tree, or records lines beyond a changed file's end.
pub fn check(change: &ChangeSet, coverage: &Coverage) -> Vec<Finding> {
    let mut out = Vec::new();
    let tree_paths: BTreeSet<&str> = change.tree.iter().map(|t| t.path.as_str()).collect();
    let matched = coverage
        .files
        .keys()
        .any(|p| tree_paths.iter().any(|t| p == t || p.ends_with(&format!("/{t}"))));
    if !matched && !coverage.files.is_empty() {
        out.push(
            STALE_COVERAGE
                .finding(format!(
                    "coverage report {} names no file of this tree; it is ignored",
                    coverage.sources.join(", ")
                ))
                .help("regenerate the coverage report from the head commit"),
        );
        return out;
    }
    for file in change
        .files
        .iter()
        .filter(|f| matches!(f.kind, FileKind::Source { .. }) && f.status != FileStatus::Deleted)
    {
        if let (Some(lines), Some(text)) = (coverage.lines_of(&file.path), file.new_text.get()) {
            if !fits(lines, text) {
                let last = lines.keys().next_back().copied().unwrap_or(0);
                out.push(
                    STALE_COVERAGE
                        .finding(format!("{} has coverage records up to line {last}, but the file has {} lines: the report is for another version; it is ignored for this file", file.path, text.lines().count()))
                        .at(&file.path, None)
                        .help("regenerate the coverage report from the head commit"),
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::analyzers::untested::testing::{rules_with_coverage, VAT_NEW as NEW, VAT_OLD as OLD};

    #[test]
    fn a_report_past_the_end_of_the_file_is_stale_and_one_that_fits_is_not() {
        let stale = rules_with_coverage(
            &[("src/vat.rs", OLD, NEW)],
            "SF:src/vat.rs\nDA:1,1\nDA:120,1\nend_of_record\n",
        );
        assert!(stale.contains(&"coverage-report-stale".to_string()), "{stale:?}");
        let fits = rules_with_coverage(
            &[("src/vat.rs", OLD, NEW)],
            "SF:src/vat.rs\nDA:1,1\nDA:2,1\nend_of_record\n",
        );
        assert!(!fits.contains(&"coverage-report-stale".to_string()), "{fits:?}");
    }
}
