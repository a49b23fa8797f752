//! `coverage-unmeasured`: a changed source file the coverage report does not measure.

use crate::code_rule;
use crate::model::Finding;
use std::collections::BTreeSet;

code_rule! {
    /// ## What it does
    /// Reports a changed source file that the coverage report does not mention (excluded,
    /// behind a feature, or a path the report spells differently). Such a file is not
    /// covered; riskgate falls back to looking for test references.
    ///
    /// ## Why is this risky?
    /// Missing from the report usually means never run by the tests.
    ///
    /// ## Example
    /// ```rust src/vat.rs (base)
    /// pub fn vat(country: &str) -> u32 {
    ///     20
    /// }
    /// ```
    /// ```rust src/export.rs (before)
    /// pub fn export() -> &'static str {
    ///     "csv"
    /// }
    /// ```
    /// ```rust src/export.rs
    /// pub fn export() -> &'static str {
    ///     "json"
    /// }
    /// ```
    /// ```text lcov.info
    /// SF:src/vat.rs
    /// DA:1,3
    /// DA:2,3
    /// end_of_record
    /// ```
    /// ```console
    /// $ riskgate check --base main --coverage lcov.info
    /// ```
    ///
    /// ## How to roll back
    /// Include the file in the coverage run.
    pub static UNMEASURED: "coverage-unmeasured", Untested, Low, [Unmeasured], gating = None;
}

/// One finding per changed file the report leaves out.
pub fn check(unmeasured: BTreeSet<String>) -> Vec<Finding> {
    unmeasured
        .into_iter()
        .map(|path| {
            UNMEASURED
                .finding(format!("{path} changed but the coverage report does not measure it"))
                .at(&path, None)
                .help("include the file in the coverage run; riskgate falls back to test references for it")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_finding_per_file() {
        let got = check(["src/a.rs".to_string(), "src/b.rs".to_string()].into());
        let files: Vec<_> = got
            .iter()
            .map(|f| (f.rule.as_str(), f.file.as_deref().unwrap()))
            .collect();
        assert_eq!(
            files,
            vec![("coverage-unmeasured", "src/a.rs"), ("coverage-unmeasured", "src/b.rs")]
        );
        assert!(check(BTreeSet::new()).is_empty());
    }
}
