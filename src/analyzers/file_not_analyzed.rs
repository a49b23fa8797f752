//! `file-not-analyzed`: says which changed files riskgate could not read, and why.

use crate::classify::{FileKind, Language};
use crate::code_rule;
use crate::diff::{ChangeSet, ChangedFile, SkipReason};
use crate::model::{Finding, Severity};

code_rule! {
    /// ## What it does
    /// Reports each changed file whose content riskgate did not analyse: binary files, files
    /// over `diff.max_file_size` (1 MiB by default), Git LFS pointers, content or paths that are
    /// not valid UTF-8, submodule bumps and symbolic links, files the base policy's
    /// `.gitattributes` marks `binary` or `-diff`, and files whose parser gave up (a syntax
    /// error, nesting too deep, an unsupported YAML feature).
    ///
    /// ## Why is this risky?
    /// A gate should never pass a change silently because it could not read part of it. For a
    /// migration, a JSON Schema or OpenAPI document, or a Rust source (which may hold serde
    /// types), the finding is `high` and needs a plan: that is where data and contracts break,
    /// and a change could otherwise hide there by padding or corrupting the file. A Python,
    /// TypeScript or Go file whose API types were read before and that does not parse now is
    /// `high` when those types are seen in a request, a response or storage, and a `medium`
    /// hint otherwise (the grammars lag the languages: valid new syntax fails them). For other
    /// files it is informative (`info`, no points) so reviewers know what nobody checked.
    ///
    /// ## Example
    /// A serde type that does not parse: its JSON contract cannot be read.
    /// ```rust src/model.rs
    /// #[derive(serde::Deserialize)]
    /// pub struct Order {
    ///     pub id: u64,
    ///     pub total:
    /// }
    /// ```
    ///
    /// ## How to roll back
    /// Nothing to roll back; review the file by hand, or raise `diff.max_file_size` in
    /// `riskgate.toml` if a large text file should be analysed.
    pub static FILE_NOT_ANALYZED: "file-not-analyzed", Diff, Info, [], gating = NotAnalyzed;
}

pub fn analyze(change: &ChangeSet) -> Vec<Finding> {
    change
        .files
        .iter()
        .filter_map(|file| {
            let reason = file.skipped.as_ref()?;
            // A link is followed by the tools that run migrations: its target is not read here.
            let risky = holds_data_or_contract(file) && !matches!(reason, SkipReason::Submodule);
            Some(not_analyzed(file, &reason.describe(), risky))
        })
        .collect()
}

/// Migrations, JSON Schema and OpenAPI documents, Rust sources: where stored data and wire
/// contracts change.
pub fn holds_data_or_contract(file: &ChangedFile) -> bool {
    matches!(
        file.kind,
        FileKind::Migration { .. }
            | FileKind::JsonSchema
            | FileKind::OpenApi
            | FileKind::Source {
                language: Language::Rust
            }
    )
}

/// The finding for a file no analyzer could read, and why; `high` and gating when `risky`.
pub fn not_analyzed(file: &ChangedFile, why: &str, risky: bool) -> Finding {
    let mut f = FILE_NOT_ANALYZED
        .finding(format!("{why}; not analysed"))
        .at(&file.path, None)
        .help(if risky {
            "this file can change stored data or a contract and nobody checked it: make it readable (or split it), or review it by hand and name it in the rollback plan"
        } else {
            "review this file by hand"
        });
    if risky {
        f.severity = Severity::High;
    } else {
        f.gating = None;
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::{ChangedFile, FileStatus, SkipReason};

    #[test]
    fn fires_for_skipped_files_only() {
        let mut binary = ChangedFile::from_lines("a.bin", FileStatus::Added, &[], &[]);
        binary.skipped = Some(SkipReason::Binary);
        let text = ChangedFile::from_lines("a.txt", FileStatus::Added, &[], &["x"]);
        let change = ChangeSet {
            files: vec![binary, text],
            ..Default::default()
        };
        let found = analyze(&change);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].rule, "file-not-analyzed");
        assert_eq!(found[0].file.as_deref(), Some("a.bin"));
        assert_eq!(found[0].message, "binary file; not analysed");
    }
}
