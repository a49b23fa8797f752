//! `test-removed`: a test is deleted.
//! The test-health reader (`health.rs`) finds weakened tests; this judges them.

use crate::analyzers::untested::health::{TestEvent, Weakening};
use crate::code_rule;
use crate::model::Finding;

code_rule! {
    /// ## What it does
    /// Reports a test function (or test file) that existed before the change and is gone,
    /// naming the changed functions it referenced. A test added under the same name to another
    /// file of the change moved, and is not reported.
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
    use crate::analyzers::untested::testing::{fires_on_change_only, rules_for, TESTED};

    #[test]
    fn fires_when_the_test_changes_so_and_not_when_it_stays() {
        fires_on_change_only("test-removed", "pub fn a() -> u32 {\n    1\n}\n");
    }

    #[test]
    fn a_test_moved_to_another_file_of_the_change_is_not_removed() {
        let bare = "pub fn a() -> u32 {\n    1\n}\n";
        let moved = "#[cfg(test)]\nmod tests {\n    #[test]\n    fn a_is_one() {\n        assert_eq!(crate::a(), 1);\n    }\n}\n";
        let removed = |files: &[(&str, &str, &str)]| rules_for(files).iter().any(|r| r == "test-removed");
        assert!(removed(&[("src/lib.rs", TESTED, bare)]), "the control");
        assert!(!removed(&[("src/lib.rs", TESTED, bare), ("src/tests.rs", "", moved)]));
        // Another test added elsewhere does not excuse the deletion.
        let other = moved.replace("a_is_one", "b_is_two");
        assert!(removed(&[
            ("src/lib.rs", TESTED, bare),
            ("src/tests.rs", "", other.as_str())
        ]));
        // The same in Python: a test function moved to another test file.
        let py = "def test_total():\n    assert total([1, 2]) == 3\n";
        assert!(removed(&[("tests/test_cart.py", py, "")]));
        assert!(!removed(&[
            ("tests/test_cart.py", py, ""),
            ("tests/test_totals.py", "", py)
        ]));
    }
}
