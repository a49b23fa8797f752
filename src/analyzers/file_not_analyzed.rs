//! `file-not-analyzed`: says which changed files riskgate could not read, and why.

use crate::code_rule;
use crate::diff::ChangeSet;
use crate::finding::Finding;

code_rule! {
    /// ## What it does
    /// Reports each changed file whose content riskgate did not analyse: binary files, files
    /// over `diff.max_file_size` (1 MiB by default), Git LFS pointers, content or paths that are
    /// not valid UTF-8, submodule bumps and symbolic links.
    ///
    /// ## Why is this risky?
    /// A gate should never pass a change silently because it could not read part of it. The
    /// finding is informative (severity `info`, no points) so reviewers know what nobody checked.
    ///
    /// ## Example
    /// ```text
    /// assets/model.bin: binary file; not analysed
    /// ```
    ///
    /// ## How to roll back
    /// Nothing to roll back; review the file by hand, or raise `diff.max_file_size` in
    /// `riskgate.toml` if a large text file should be analysed.
    pub static FILE_NOT_ANALYZED: "file-not-analyzed", "diff", Info, [], needs_plan = false;
}

pub fn analyze(change: &ChangeSet) -> Vec<Finding> {
    change
        .files
        .iter()
        .filter_map(|file| {
            let reason = file.skipped.as_ref()?;
            Some(
                FILE_NOT_ANALYZED
                    .finding(format!("{}; not analysed", reason.describe()))
                    .at(&file.path, None)
                    .help("review this file by hand"),
            )
        })
        .collect()
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
