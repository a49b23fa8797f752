//! The vocabulary every stage shares. A leaf: nothing here imports the rest of the crate, so
//! any stage may use it and none can form a cycle through it. String forms are derived
//! (strum, serde), never hand-written tables.

mod analyzer;
mod finding;
mod kind;
mod rule;
mod sample;
mod severity;
mod shape;
mod tag;
mod vocabulary;

pub use analyzer::Analyzer;
pub use finding::{Direction, Finding, Suppression};
pub use kind::{Dialect, FileKind, FileStatus, Language, MigrationFormat, MigrationRole};
pub use rule::{is_valid_id, CodeRule, RuleDoc};
pub use sample::SampleFailure;
pub use severity::{GatingClass, Level, Severity, Verdict};
pub use shape::ShapeChange;
pub use tag::Tag;
