//! `test-disabled`: a test is disabled (`#[ignore]`, `skip`, or others focused away).
//! The test-health reader (`health.rs`) finds weakened tests; this judges them.

use crate::analyzers::untested::health::{TestEvent, Weakening};
use crate::code_rule;
use crate::model::Finding;

code_rule! {
    /// ## What it does
    /// Reports a test that is disabled (`#[ignore]`, `@pytest.mark.skip`, `xit`, `it.skip`,
    /// `t.Skip`, `@Disabled`, `skip`) or that focuses the run on itself (`.only`, `fit`), which
    /// disables every other test in the file.
    ///
    /// ## Why is this risky?
    /// A disabled test passes silently; CI stays green while it checks nothing.
    ///
    /// ## Example
    /// ```rust src/vat.rs (before)
    /// pub fn vat(country: &str) -> u32 {
    ///     if country == "NL" { 21 } else { 20 }
    /// }
    ///
    /// #[cfg(test)]
    /// mod tests {
    ///     #[test]
    ///     fn vat_for_nl() {
    ///         assert_eq!(super::vat("NL"), 21);
    ///     }
    /// }
    /// ```
    /// ```rust src/vat.rs
    /// pub fn vat(country: &str) -> u32 {
    ///     if country == "NL" { 21 } else { 20 }
    /// }
    ///
    /// #[cfg(test)]
    /// mod tests {
    ///     #[test]
    ///     #[ignore]
    ///     fn vat_for_nl() {
    ///         assert_eq!(super::vat("NL"), 21);
    ///     }
    /// }
    /// ```
    ///
    /// ## How to roll back
    /// Remove the skip or focus marker and fix the test.
    pub static TEST_DISABLED: "test-disabled", Untested, Medium, [TestDisabled], gating = None;
}

/// The finding for a test ignored, skipped, or switched off by another's focus.
pub fn check(event: &TestEvent) -> Option<Finding> {
    let (what, help) = match &event.weakening {
        Weakening::Ignored => (
            format!("{} is disabled with #[ignore]", event.subject),
            "fix the test instead of ignoring it, or say in the plan why it is safe",
        ),
        Weakening::Skipped(marker) => (
            format!("{} is disabled: `{marker}`", event.subject),
            "fix the test instead of skipping it; never commit a focused test",
        ),
        Weakening::Focused(marker) => (
            format!(
                "{} is focused with `{marker}`, which disables every other test in the file",
                event.subject
            ),
            "fix the test instead of skipping it; never commit a focused test",
        ),
        _ => return None,
    };
    Some(event.finding(&TEST_DISABLED, &what, help))
}

#[cfg(test)]
mod tests {
    use crate::analyzers::untested::testing::{fires_on_change_only, TESTED};

    #[test]
    fn fires_when_the_test_changes_so_and_not_when_it_stays() {
        fires_on_change_only(
            "test-disabled",
            &TESTED.replace("    #[test]\n", "    #[test]\n    #[ignore]\n"),
        );
    }
}
