//! `test-assertions-removed`: a test that stays loses its assertions.
//! The test-health reader (`health.rs`) finds weakened tests; this judges them.

use crate::analyzers::untested::health::{TestEvent, Weakening};
use crate::code_rule;
use crate::model::Finding;

code_rule! {
    /// ## What it does
    /// Reports a test that stays but loses its assertions: none left, or half or more removed.
    ///
    /// ## Why is this risky?
    /// A test without assertions runs the code but checks nothing.
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
    ///     fn vat_for_nl() {
    ///         super::vat("NL");
    ///     }
    /// }
    /// ```
    ///
    /// ## How to roll back
    /// Restore the assertions from the base commit.
    pub static ASSERTIONS_REMOVED: "test-assertions-removed", Untested, Medium, [AssertionsRemoved], gating = None;
}

/// The finding for a test that keeps too few of its assertions.
pub fn check(event: &TestEvent) -> Option<Finding> {
    let Weakening::AssertionsRemoved { kept, had } = event.weakening else {
        return None;
    };
    let what = format!("{} keeps {kept} of its {had} assertions", event.subject);
    let help = "keep the assertions, or replace them with equivalent checks";
    Some(event.finding(&ASSERTIONS_REMOVED, &what, help))
}

#[cfg(test)]
mod tests {
    use crate::analyzers::untested::testing::{fires_on_change_only, TESTED};

    #[test]
    fn fires_when_the_test_changes_so_and_not_when_it_stays() {
        fires_on_change_only(
            "test-assertions-removed",
            &TESTED.replace("assert_eq!(super::a(), 1);", "super::a();"),
        );
    }
}
