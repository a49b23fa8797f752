//! `untested-function-changed`: retired (one finding per file now); the id stays registered
//! so that configurations, waivers and baselines naming it still load.

use crate::code_rule;

code_rule! {
    /// ## What it does
    /// Retired: riskgate now reports the untested functions of a changed file together, as
    /// `untested-file-changed` with the functions in `symbols`. The id stays so that
    /// configurations, waivers and baselines that name it still load; it no longer fires.
    ///
    /// ## Why is this risky?
    /// See `untested-file-changed`.
    ///
    /// ## Example
    /// A policy that still names the retired rule loads, and on a change to an untested function
    /// the rule stays silent (`untested-file-changed` reports it):
    /// ```toml riskgate.toml (base) silent
    /// [score.confidence]
    /// "untested-function-changed" = 0.5
    /// ```
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
    ///
    /// ## How to roll back
    /// Nothing to undo; replace the id with `untested-file-changed` in your configuration.
    pub static UNTESTED_FUNCTION: "untested-function-changed", Untested, Medium, [Untested], gating = None;
}

#[cfg(test)]
mod tests {
    use crate::analyzers::untested::testing::rules_for;

    #[test]
    fn never_fires() {
        let old = "pub fn a() -> u32 {\n    1\n}\npub fn b() -> u32 {\n    2\n}\n";
        let new = "pub fn a() -> u32 {\n    3\n}\npub fn b() -> u32 {\n    4\n}\n";
        assert_eq!(rules_for(&[("src/lib.rs", old, new)]), vec!["untested-file-changed"]);
    }
}
