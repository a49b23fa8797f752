//! The kinds of JSON-shape change: how a serde type, a JSON document or a schema changed, as
//! reported in a finding's tags.

crate::vocabulary! {
    pub enum ShapeChange {
        FieldRemoved,
        FieldRenamed,
        FieldAddedRequired,
        TypeChanged,
        TypeNarrowed,
        TypeWidened,
        CardinalityChanged,
        OptionalityTightened,
        OptionalityLoosened,
        NestingChanged,
        VariantAdded,
        VariantRemoved,
        VariantRenamed,
        EnumReprChanged,
        RenameAllChanged,
        DenyUnknownAdded,
        TransparentChanged,
        TupleOrderChanged,
        UntaggedOrderChanged,
        CustomCodecChanged,
    }
}

impl ShapeChange {
    /// The safe pattern for this kind of change.
    pub fn help(self) -> &'static str {
        use ShapeChange::*;
        match self {
            FieldRemoved => "keep the field as Option for a release (skip_serializing), back up the column, remove it once no reader needs it",
            FieldRenamed | RenameAllChanged | VariantRenamed => "read both names first (#[serde(alias = \"old\")]) while writing the old one, switch writers once every reader is upgraded",
            FieldAddedRequired => "add it as Option or with #[serde(default)] until stored documents are backfilled",
            OptionalityTightened => "keep it optional (Option or default) until every stored document has a value",
            OptionalityLoosened => "keep writing a value until the release you would roll back to accepts null",
            VariantAdded => "ship readers that know the variant (or #[serde(other)]) one release before writers use it",
            VariantRemoved => "keep the variant, or add #[serde(other)], until stored documents no longer use it",
            DenyUnknownAdded => "drop deny_unknown_fields, or strip unknown keys from stored documents first",
            EnumReprChanged | TransparentChanged | NestingChanged | TupleOrderChanged | CardinalityChanged => {
                "write a new field or type with the new layout, migrate stored documents, then retire the old one"
            }
            UntaggedOrderChanged => "put the richest variant first and deny unknown fields on the subsets",
            CustomCodecChanged => "make the new codec accept what the old one wrote; test it on stored samples",
            TypeChanged | TypeNarrowed | TypeWidened => {
                "make the reader accept both shapes for a release, and check it against real stored data (riskgate shapes)"
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twenty_kinds_in_kebab_case() {
        assert_eq!(ShapeChange::ALL.len(), 20);
        assert_eq!(ShapeChange::FieldAddedRequired.as_str(), "field-added-required");
        assert_eq!(
            "deny-unknown-added".parse::<ShapeChange>(),
            Ok(ShapeChange::DenyUnknownAdded)
        );
    }
}
