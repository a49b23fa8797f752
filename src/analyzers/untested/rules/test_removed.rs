//! `test-removed`: a test is deleted.
//! The test-health reader (`health.rs`) finds weakened tests; this judges them.

use crate::analyzers::untested::health::{TestEvent, Weakening};
use crate::code_rule;
use crate::model::Finding;

code_rule! {
    /// ## What it does
    /// Reports a test function (or test file) that existed before the change and is gone,
    /// naming the changed functions it referenced.
    ///
    /// ## Why is this risky?
    /// Deleting the test that would catch a regression in the same change removes the safety
    /// net exactly where it is needed.
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
    /// ```
    ///
    /// ## How to roll back
    /// Restore the test from the base commit.
    pub static TEST_REMOVED: "test-removed", Untested, Medium, [TestRemoved], gating = None;
}

/// The finding for a deleted test.
pub fn check(event: &TestEvent) -> Option<Finding> {
    if event.weakening != Weakening::Removed {
        return None;
    }
    let what = format!("{} is deleted", event.subject);
    let help = "keep the test, or replace it with one that covers the same behaviour";
    Some(event.finding(&TEST_REMOVED, &what, help))
}

#[cfg(test)]
mod tests {
    use crate::analyzers::untested::testing::fires_on_change_only;

    #[test]
    fn fires_when_the_test_changes_so_and_not_when_it_stays() {
        fires_on_change_only("test-removed", "pub fn a() -> u32 {\n    1\n}\n");
    }
}
