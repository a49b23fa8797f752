//! `untested-file-changed`: a changed file's functions that no test refers to, one finding per
//! file. `rust_changes.rs` and `other_changes.rs` find the gaps; this reports them.

use crate::analyzers::untested::changed_lines::{evidence, span_text, Gap};
use crate::code_rule;
use crate::model::{Finding, Severity};

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

/// One finding per file: its untested functions, the tests of theirs the change removed, and
/// what the change's test files refer to instead.
pub fn check(gap: &Gap) -> Option<Finding> {
    match gap {
        Gap::Unreferenced { path, fns, notes } => {
            let mut listed: Vec<String> = fns
                .iter()
                .take(5)
                .map(|u| {
                    format!(
                        "{}{} ({})",
                        if u.public { "pub " } else { "" },
                        u.symbol,
                        span_text(&u.lines)
                    )
                })
                .collect();
            if fns.len() > 5 {
                listed.push(format!("{} more", fns.len() - 5));
            }
            let mut message = format!(
                "{} changed function{} no test refers to: {}",
                fns.len(),
                if fns.len() == 1 { "" } else { "s" },
                listed.join(", ")
            );
            let lost: Vec<&str> = fns
                .iter()
                .flat_map(|u| u.lost_tests.iter())
                .map(String::as_str)
                .collect();
            if !lost.is_empty() {
                message.push_str(&format!("; their tests are gone: {}", lost.join(", ")));
            }
            if !notes.is_empty() {
                message.push_str(&format!("; {}", notes.join("; ")));
            }
            let first = fns.first()?;
            let mut f = UNTESTED_FILE
                .finding(message)
                .at(path, first.lines.first().map(|l| l.0))
                .help("add a test that calls them (an inline #[cfg(test)] module or a file under tests/)")
                .evidence(evidence(&first.lines));
            f.end_line = first.lines.last().map(|l| l.0);
            f.symbol = Some(format!("{path}::{}", first.symbol));
            f.symbols = fns.iter().map(|u| format!("{path}::{}", u.symbol)).collect();
            // A public function is a contract others call; a private one is a hint.
            f.severity = if fns.iter().any(|u| u.public) {
                Severity::Medium
            } else {
                Severity::Low
            };
            Some(f)
        }
        Gap::Unnamed {
            path,
            names,
            first,
            lines,
        } => {
            let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
            let mut f = UNTESTED_FILE
                .finding(format!("{path} changed and no test file names {}", quoted.join(", ")))
                .at(path, Some(*first))
                .help("add a test that calls them, or pass a coverage report with --coverage")
                .evidence(evidence(lines));
            f.symbol = names.first().map(|n| format!("{path}::{n}"));
            Some(f)
        }
        Gap::Uncovered { .. } => None,
    }
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
