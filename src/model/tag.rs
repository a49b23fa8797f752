//! What a finding is about, as its tags say. riskgate's own tags are typed (the plan reads
//! some of them: data destroyed or rewritten); a repository's pack may add words of its own,
//! and one that is a near miss of a known tag is refused where it is written (see `packs`).

use super::ShapeChange;
use serde::{Serialize, Serializer};
use std::fmt;
use strum::{AsRefStr, EnumString, VariantNames};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, EnumString, AsRefStr, VariantNames)]
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
    /// The kind of a JSON-shape change, named as the change kind.
    #[strum(disabled)]
    Shape(ShapeChange),
    /// A word of a repository's own pack.
    #[strum(default)]
    Custom(String),
}

impl Tag {
    pub fn as_str(&self) -> &str {
        match self {
            Tag::Shape(kind) => kind.as_str(),
            Tag::Custom(word) => word,
            known => known.as_ref(),
        }
    }

    /// The tag a word names: one of riskgate's, or a word of the repository's own.
    pub fn parse(word: &str) -> Tag {
        match ShapeChange::parse(word) {
            Some(kind) => Tag::Shape(kind),
            None => word.parse().unwrap_or_else(|_| Tag::Custom(word.to_string())),
        }
    }

    /// riskgate's own tags, by name.
    pub fn known() -> impl Iterator<Item = &'static str> {
        Tag::VARIANTS
            .iter()
            .copied()
            .filter(|n| !matches!(*n, "custom" | "shape"))
            .chain(ShapeChange::ALL.iter().map(|k| k.as_str()))
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
        Tag::Shape(kind)
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_name_tags_and_every_tag_reads_back_as_its_word() {
        assert_eq!(Tag::parse("sql-injection"), Tag::SqlInjection);
        assert_eq!(Tag::parse("field-removed"), Tag::Shape(ShapeChange::FieldRemoved));
        assert_eq!(Tag::parse("payments"), Tag::Custom("payments".to_string()));
        for word in Tag::known() {
            assert!(!matches!(Tag::parse(word), Tag::Custom(_)), "{word}");
            assert_eq!(Tag::parse(word).as_str(), word);
        }
        assert_eq!(Tag::known().count(), 26 + ShapeChange::ALL.len());
        assert_eq!(
            serde_json::to_string(&Tag::Custom("payments".into())).unwrap(),
            "\"payments\""
        );
        assert_eq!(
            serde_json::to_string(&Tag::from(ShapeChange::TypeChanged)).unwrap(),
            "\"type-changed\""
        );
    }
}
