//! `test-disabled`: a test is disabled (`#[ignore]`, `skip`, or others focused away).
//! Found by the test-health reader (`health.rs`); this is the rule's identity and tests.

use crate::code_rule;

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

#[cfg(test)]
mod tests {
    use crate::analyzers::untested::testing::rules_for;

    #[test]
    fn fires_when_the_test_changes_so_and_not_when_it_stays() {
        let (old, new) = ("pub fn a() -> u32 {\n    1\n}\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn a_is_one() {\n        assert_eq!(super::a(), 1);\n    }\n}\n", "pub fn a() -> u32 {\n    1\n}\n#[cfg(test)]\nmod tests {\n    #[test]\n    #[ignore]\n    fn a_is_one() {\n        assert_eq!(super::a(), 1);\n    }\n}\n");
        assert!(rules_for(&[("src/lib.rs", old, new)]).contains(&"test-disabled".to_string()));
        assert!(!rules_for(&[("src/lib.rs", old, old)]).contains(&"test-disabled".to_string()));
    }
}
