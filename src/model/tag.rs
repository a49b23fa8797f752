//! What a finding is about, as its tags say. riskgate's own tags are typed (the plan reads
//! some of them: data destroyed or rewritten); a repository's pack may add words of its own,
//! and one that is a near miss of a known tag is refused where it is written (see `packs`).

use super::ShapeChange;
use serde::{Serialize, Serializer};
use strum::{AsRefStr, Display, EnumString, VariantNames};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Display, EnumString, AsRefStr, VariantNames)]
#[strum(serialize_all = "kebab-case")]
pub enum Tag {
    // Data and contracts: what the rollback plan must answer for.
    Destructive,
    DataRewrite,
    JsonReshape,
    Breaking,
    Locking,
    Irreversible,
    // Tests and coverage.
    Untested,
    Uncovered,
    Unmeasured,
    TestRemoved,
    TestDisabled,
    AssertionsRemoved,
    // The plan and waivers.
    Plan,
    Waiver,
    // Rule packs.
    Ci,
    Config,
    Dependencies,
    Drift,
    FeatureFlag,
    Infra,
    Resilience,
    Secrets,
    Security,
    Size,
    SqlInjection,
    Unsafe,
    // The kinds of JSON-shape change (`ShapeChange`).
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
    /// A word of a repository's own pack.
    #[strum(default)]
    Custom(String),
}

impl Tag {
    pub fn as_str(&self) -> &str {
        match self {
            Tag::Custom(word) => word,
            known => known.as_ref(),
        }
    }

    /// riskgate's own tags, by name.
    pub fn known() -> impl Iterator<Item = &'static str> {
        Tag::VARIANTS.iter().copied().filter(|n| *n != "custom")
    }

    /// Stored data is destroyed or rewritten: the plan needs a backup.
    pub fn is_data_risk(&self) -> bool {
        matches!(self, Tag::Destructive | Tag::DataRewrite | Tag::JsonReshape)
    }
}

impl Serialize for Tag {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Tests and reports compare a tag with its name.
impl PartialEq<&str> for Tag {
    fn eq(&self, name: &&str) -> bool {
        self.as_str() == *name
    }
}

impl From<ShapeChange> for Tag {
    fn from(kind: ShapeChange) -> Tag {
        kind.as_str().parse().expect("every shape change is a tag (tested)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shape_change_is_a_tag_of_the_same_name() {
        for kind in <ShapeChange as strum::VariantArray>::VARIANTS {
            let tag = Tag::from(*kind);
            assert!(!matches!(tag, Tag::Custom(_)), "{kind}");
            assert_eq!(tag.as_str(), kind.as_str());
        }
        assert_eq!("sql-injection".parse::<Tag>(), Ok(Tag::SqlInjection));
        assert_eq!("payments".parse::<Tag>(), Ok(Tag::Custom("payments".to_string())));
        assert_eq!(
            serde_json::to_string(&Tag::Custom("payments".into())).unwrap(),
            "\"payments\""
        );
        assert_eq!(serde_json::to_string(&Tag::JsonReshape).unwrap(), "\"json-reshape\"");
        assert!(!Tag::known().any(|n| n == "custom"));
    }
}
