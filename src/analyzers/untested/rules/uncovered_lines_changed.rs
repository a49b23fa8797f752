//! `uncovered-lines-changed`: changed lines a coverage report shows unreached.
//! `rust_changes.rs` and `other_changes.rs` find them when a report is given; this reports them.

use crate::analyzers::untested::changed_lines::{evidence, Coverable, Gap};
use crate::code_rule;
use crate::model::Finding;

code_rule! {
    /// ## What it does
    /// With a coverage report (`--coverage FILE` or `[tests] coverage`; lcov, Cobertura XML or
    /// llvm-cov JSON), reports changed lines with zero hits, grouped by function. A changed line
    /// without a record takes the hits of the nearest recorded line above it in the same
    /// function (the lines of a multi-line statement). The report also shows patch coverage.
    ///
    /// ## Why is this risky?
    /// The tests ran and never executed these lines.
    ///
    /// ## Example
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
    /// DA:1,3
    /// DA:2,0
    /// DA:3,3
    /// end_of_record
    /// ```
    /// ```console
    /// $ riskgate check --base main --coverage lcov.info
    /// ```
    ///
    /// ## How to roll back
    /// Add a test that reaches the lines.
    pub static UNCOVERED_LINES: "uncovered-lines-changed", Untested, Medium, [Uncovered], gating = None;
}

/// The finding for changed lines with zero hits.
pub fn check(gap: &Gap) -> Option<Finding> {
    let Gap::Uncovered { path, symbol, zero, of } = gap else {
        return None;
    };
    let message = match of {
        Coverable::Counted(measured) => format!(
            "{}: {} of {measured} changed lines have zero hits in the coverage report",
            symbol,
            zero.len()
        ),
        Coverable::In(names) => format!(
            "{path}: {} changed lines in {names} have zero hits in the coverage report",
            zero.len()
        ),
    };
    let mut f = UNCOVERED_LINES
        .finding(message)
        .at(path, zero.first().map(|z| z.0))
        .help("add a test that reaches these lines")
        .evidence(evidence(zero));
    f.end_line = match of {
        Coverable::Counted(_) => zero.last().map(|z| z.0),
        Coverable::In(_) => f.line,
    };
    f.symbol = Some(symbol.clone());
    Some(f)
}

#[cfg(test)]
mod tests {
    use crate::analyzers::untested::testing::{rules_with_coverage, VAT_NEW as NEW, VAT_OLD as OLD};

    #[test]
    fn a_changed_line_with_zero_hits_fires_and_a_reached_one_does_not() {
        let zero = rules_with_coverage(
            &[("src/vat.rs", OLD, NEW)],
            "SF:src/vat.rs\nDA:1,3\nDA:2,0\nDA:3,3\nend_of_record\n",
        );
        assert!(zero.contains(&"uncovered-lines-changed".to_string()), "{zero:?}");
        let hit = rules_with_coverage(
            &[("src/vat.rs", OLD, NEW)],
            "SF:src/vat.rs\nDA:1,3\nDA:2,3\nDA:3,3\nend_of_record\n",
        );
        assert!(!hit.contains(&"uncovered-lines-changed".to_string()), "{hit:?}");
    }
}
