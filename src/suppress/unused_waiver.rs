//! `unused-waiver`: a waiver that silences no finding.

use crate::code_rule;
use crate::model::Finding;

code_rule! {
    /// ## What it does
    /// Reports a waiver that silences no finding: an inline `riskgate: allow(…)` comment added
    /// in this change, or a `[[waiver]]` whose path matches a changed file, that matched nothing.
    ///
    /// ## Why is this risky?
    /// Stale waivers pile up and later hide a real finding that happens to match them.
    ///
    /// ## Example
    /// ```sql
    /// -- riskgate: allow(migration-drops-column) reason="column unused since 2024-03"
    /// ALTER TABLE customers ADD COLUMN fax text;
    /// ```
    ///
    /// ## How to roll back
    /// Delete the waiver, or point it at the line or path it was meant for.
    pub static UNUSED_WAIVER: "unused-waiver", Suppress, Low, [Waiver], gating = None;
}

/// The finding for a waiver of `rules`, written at `source` (and at `file:line` when inline).
pub fn check(rules: &[String], source: &str, file: Option<&str>, line: Option<u32>) -> Finding {
    let mut f = UNUSED_WAIVER
        .finding(format!("waiver for {} silences no finding", rules.join(", ")))
        .help("remove the waiver or move it next to the finding it is meant for")
        .evidence(source);
    f.file = file.map(str::to_string);
    f.line = line;
    f.end_line = line;
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_rules_and_points_at_the_waiver() {
        let f = check(
            &["migration-drops-column".to_string()],
            "inline:db/1.sql:1",
            Some("db/1.sql"),
            Some(1),
        );
        assert_eq!(f.rule, "unused-waiver");
        assert_eq!(f.message, "waiver for migration-drops-column silences no finding");
        assert_eq!((f.file.as_deref(), f.line), (Some("db/1.sql"), Some(1)));
    }
}
