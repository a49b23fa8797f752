//! `test-assertions-removed`: a test that stays loses its assertions.
//! Found by the test-health reader (`health.rs`); this is the rule's identity and tests.

use crate::code_rule;

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

#[cfg(test)]
mod tests {
    use crate::analyzers::untested::testing::rules_for;

    #[test]
    fn fires_when_the_test_changes_so_and_not_when_it_stays() {
        let (old, new) = ("pub fn a() -> u32 {\n    1\n}\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn a_is_one() {\n        assert_eq!(super::a(), 1);\n    }\n}\n", "pub fn a() -> u32 {\n    1\n}\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn a_is_one() {\n        super::a();\n    }\n}\n");
        assert!(rules_for(&[("src/lib.rs", old, new)]).contains(&"test-assertions-removed".to_string()));
        assert!(!rules_for(&[("src/lib.rs", old, old)]).contains(&"test-assertions-removed".to_string()));
    }
}
