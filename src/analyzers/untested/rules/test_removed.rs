//! `test-removed`: a test is deleted.
//! Found by the test-health reader (`health.rs`); this is the rule's identity and tests.

use crate::code_rule;

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

#[cfg(test)]
mod tests {
    use crate::analyzers::untested::testing::rules_for;

    #[test]
    fn fires_when_the_test_changes_so_and_not_when_it_stays() {
        let (old, new) = ("pub fn a() -> u32 {\n    1\n}\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn a_is_one() {\n        assert_eq!(super::a(), 1);\n    }\n}\n", "pub fn a() -> u32 {\n    1\n}\n");
        assert!(rules_for(&[("src/lib.rs", old, new)]).contains(&"test-removed".to_string()));
        assert!(!rules_for(&[("src/lib.rs", old, old)]).contains(&"test-removed".to_string()));
    }
}
