//! Why a stored JSON record fails a serde type (`riskgate shapes`), with serde's own rules.

use serde::Serialize;
use strum::{Display, EnumString, IntoStaticStr, VariantArray};

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Display,
    EnumString,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum SampleFailure {
    MissingField,
    NullNotAllowed,
    WrongType,
    FloatIntoInteger,
    UnknownField,
    UnknownVariant,
    DuplicateKey,
    EscapedIntoBorrowed,
    /// Read, but as another variant of an untagged enum: misread, not rejected.
    UntaggedOtherVariant,
    InvalidJson,
}

impl SampleFailure {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The record is rejected (every failure but a misread).
    pub fn rejects(self) -> bool {
        self != SampleFailure::UntaggedOtherVariant
    }
}
