//! `untested-file-changed`: a changed file's functions that no test refers to, one finding per file.
//! Found by `rust_changes.rs` and `other_changes.rs`; this is the rule's identity and tests.

use crate::code_rule;

code_rule! {
    /// ## What it does
    /// Reports once per changed source file the changed functions that no test refers to, in
    /// the message and in the finding's `symbols`. For Rust it maps each changed line to the
    /// function around it (closures count for their function) and looks for references in
    /// inline `#[cfg(test)]` modules, files under `tests/` and doc tests, resolved through `use`
    /// paths, renames and re-exports; methods are reached through their type, trait methods
    /// (`Display::fmt`, `From::from`, operators) through their `Self` type, and a private helper
    /// counts as tested when a tested function of its file calls it. For Python,
    /// JavaScript/TypeScript, Go, Java/Kotlin, C# and Ruby it finds the changed functions by
    /// their declaration syntax and searches the conventional test files for their names.
    /// With a coverage report for the file, the report decides instead. Not changed: comments,
    /// docs and formatting only; a function moved or renamed with the same body (another file,
    /// module or indentation); a caller whose only change is a renamed function's new name;
    /// test code and generated files. A function whose test this change deletes or disables is
    /// untested, and the finding names the test. `medium` when a public function is among them,
    /// else `low`; it never gates, and all of a change's untested files count as one finding in
    /// the score.
    ///
    /// ## Why is this risky?
    /// Without a reference from any test, nothing would notice if the change broke them.
    ///
    /// ## Example
    /// ```python app/vat.py (before)
    /// def vat_rate(country):
    ///     return 20
    /// ```
    /// ```python app/vat.py
    /// def vat_rate(country):  # no file under tests/ mentions vat_rate
    ///     return 21 if country == "NL" else 20
    /// ```
    ///
    /// ## How to roll back
    /// Add a test that calls the functions, or pass a coverage report (`--coverage`).
    pub static UNTESTED_FILE: "untested-file-changed", Untested, Low, [Untested], gating = None;
}

#[cfg(test)]
mod tests {
    use crate::analyzers::untested::testing::rules_for;

    #[test]
    fn fires_without_a_test_and_not_with_one() {
        let code = "pub fn vat(c: &str) -> u32 {\n    if c == \"NL\" { 21 } else { 20 }\n}\n";
        let old = "pub fn vat(c: &str) -> u32 {\n    20\n}\n";
        assert_eq!(rules_for(&[("src/vat.rs", old, code)]), vec!["untested-file-changed"]);
        let tested = format!("{code}\n#[cfg(test)]\nmod tests {{\n    #[test]\n    fn nl() {{\n        assert_eq!(super::vat(\"NL\"), 21);\n    }}\n}}\n");
        assert!(rules_for(&[("src/vat.rs", old, &tested)]).is_empty());
    }
}
