//! `json-sample-shape-changed`: a JSON fixture or sample changes shape. The comparison is the
//! document reader's (`documents.rs`); this weighs what it found.

use crate::analyzers::json_shape::documents::{finding, DocKind, LocatedChange};
use crate::code_rule;
use crate::model::{Finding, Severity};

code_rule! {
    /// ## What it does
    /// Compares changed JSON fixtures and samples (`*.json` under fixtures, samples, examples,
    /// testdata) with their previous version: paths removed, types changed (integers, floats
    /// and null told apart), scalars turned into arrays, keys renamed (same value under a new
    /// key), subtrees moved under a new parent. Paths added are optional, since a sample cannot
    /// show that a key is required; key order and whitespace are ignored.
    ///
    /// ## Why is this risky?
    /// Fixtures and samples record the JSON that real producers send; when they change shape,
    /// the stored data and the other side of the contract usually did not.
    ///
    /// ## Example
    /// ```json tests/fixtures/user.json (before)
    /// {"user": {"id": 7, "color": "blue"}}
    /// ```
    /// ```json tests/fixtures/user.json
    /// {"user": {"id": "7", "theme": "blue"}}
    /// ```
    ///
    /// ## How to roll back
    /// Accept both shapes in the reader for a release, and migrate stored documents explicitly.
    pub static JSON_SAMPLE_SHAPE_CHANGED: "json-sample-shape-changed", JsonShape, Medium, [], gating = BrokenContract;
}

/// The finding for one change of a fixture or sample.
pub fn check(c: &LocatedChange) -> Option<Finding> {
    (c.kind == DocKind::Sample).then(|| finding(&JSON_SAMPLE_SHAPE_CHANGED, c, Severity::Medium))
}

#[cfg(test)]
mod tests {
    use crate::analyzers::json_shape::documents::testing::rules_for;

    #[test]
    fn a_retyped_value_fires_and_a_changed_value_does_not() {
        let old = r#"{"user": {"id": 7, "color": "blue"}}"#;
        assert_eq!(
            rules_for(
                "tests/fixtures/user.json",
                old,
                r#"{"user": {"id": "7", "color": "blue"}}"#
            ),
            vec!["json-sample-shape-changed"]
        );
        assert!(rules_for(
            "tests/fixtures/user.json",
            old,
            r#"{"user": {"id": 8, "color": "red"}}"#
        )
        .is_empty());
    }
}
