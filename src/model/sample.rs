//! Why a stored JSON record fails a serde type (`riskgate shapes`), with serde's own rules.

crate::vocabulary! {
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
}

impl SampleFailure {
    /// The record is rejected (every failure but a misread).
    pub fn rejects(self) -> bool {
        self != SampleFailure::UntaggedOtherVariant
    }
}
