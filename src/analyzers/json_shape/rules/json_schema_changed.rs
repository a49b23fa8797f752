//! `json-schema-changed`: a JSON Schema or OpenAPI contract changes so that a reader breaks.
//! The document reader (`documents.rs`) compares; this weighs what it found.

use crate::analyzers::json_shape::documents::{finding, DocKind, LocatedChange};
use crate::code_rule;
use crate::model::{Finding, Severity};

code_rule! {
    /// ## What it does
    /// Compares changed JSON Schemas (`*.schema.json`, `schemas/`) and OpenAPI specs
    /// (`components/schemas`, request and response bodies; Swagger 2.0's `definitions`, `in:
    /// body` parameters and responses' schemas) in both directions: a document valid under the old schema and
    /// invalid under the new one breaks readers of old data (`reads-old-data`); the reverse
    /// breaks old readers. It compares `required`, `properties`, `type`, `enum`, `items` and
    /// `additionalProperties`, and ignores metadata (`description`, `title`, `examples`). An
    /// OpenAPI schema that only responses use (no `requestBody` or parameter refers to it,
    /// directly or through other schemas) is what the server writes: made stricter, it
    /// promises clients more and breaks nobody, so only its loosening is reported.
    ///
    /// ## Why is this risky?
    /// The schema is the contract other teams and stored documents rely on.
    ///
    /// ## Example
    /// ```json schemas/user.schema.json (before)
    /// {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
    ///  "properties": {"id": {"type": "integer"}, "email": {"type": "string"}}, "required": ["id"]}
    /// ```
    /// ```json schemas/user.schema.json
    /// {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
    ///  "properties": {"id": {"type": "integer"}, "email": {"type": "string"}}, "required": ["id", "email"]}
    /// ```
    ///
    /// ## How to roll back
    /// Add new requirements as optional first; remove properties only after no producer
    /// writes them.
    pub static JSON_SCHEMA_CHANGED: "json-schema-changed", JsonShape, High, [], gating = BrokenContract;
}

/// The finding for one change of a contract.
pub fn check(c: &LocatedChange) -> Option<Finding> {
    (c.kind == DocKind::Contract).then(|| finding(&JSON_SCHEMA_CHANGED, c, Severity::High))
}

#[cfg(test)]
mod tests {
    use crate::analyzers::json_shape::documents::testing::rules_for;

    #[test]
    fn a_newly_required_property_fires_and_a_new_optional_one_does_not() {
        let old = r#"{"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "properties": {"id": {"type": "integer"}, "email": {"type": "string"}}, "required": ["id"]}"#;
        let new = old.replace(r#""required": ["id"]"#, r#""required": ["id", "email"]"#);
        assert_eq!(
            rules_for("schemas/user.schema.json", old, &new),
            vec!["json-schema-changed"]
        );
        let added = old.replace(
            r#""email": {"type": "string"}"#,
            r#""email": {"type": "string"}, "nick": {"type": "string"}"#,
        );
        assert!(rules_for("schemas/user.schema.json", old, &added).is_empty());
    }
}
