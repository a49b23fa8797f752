//! Stage 1: the change between two revisions, as owned, git-free data.
//!
//! `git/` is the only module in riskgate that talks to git2; everything downstream sees the
//! types defined here and can be tested without a repository.

pub mod git;

use crate::model::FileKind;
pub use crate::model::FileStatus;
use std::sync::{Arc, OnceLock};

/// Everything the later stages know about one range.
#[derive(Debug, Clone, Default)]
pub struct ChangeSet {
    pub range: RangeInfo,
    pub commits: Vec<Commit>,
    pub files: Vec<ChangedFile>,
    /// `.gitattributes` at the repository root of the head, for `linguist-generated`.
    pub gitattributes: Option<String>,
    /// Every file of the head tree (paths only; text on demand), for analyzers that look
    /// beyond the changed files, such as the test files that reference changed code.
    pub tree: Vec<TreeFile>,
    /// Which files a release holds, asked only when an analyzer needs it.
    pub releases: Option<Arc<dyn ReleaseLookup>>,
    /// What analyzers derived from blobs on earlier runs (none outside git).
    pub memo: Option<Arc<dyn Memo>>,
}

/// What an analyzer derived from a blob, kept between runs under the blob's id: a blob never
/// changes, so neither does what one build of riskgate reads from it. A miss, an unreadable
/// entry or a failed write only costs the time to derive it again.
pub trait Memo: Send + Sync + std::fmt::Debug {
    fn get(&self, kind: &str, blob: &str) -> Option<Vec<u8>>;
    fn put(&self, kind: &str, blob: &str, value: &[u8]);
}

/// Whether a release tag of the repository holds a file: then databases of users ran a
/// migration of that path, and an edit of it drifts from them.
pub trait ReleaseLookup: Send + Sync + std::fmt::Debug {
    /// Whether a tag holds `path` with exactly the blob `blob` (the content the base had, which
    /// the databases of that release applied). `None` when the repository has no tags (it
    /// deploys from its branch: what is there ran).
    fn released(&self, path: &str, blob: &str) -> Option<bool>;
}

impl ChangeSet {
    pub fn memo(&self) -> Option<&dyn Memo> {
        self.memo.as_deref()
    }

    /// Whether a release tag holds `path` as `blob`; `None` when that is not known (no tags,
    /// no git).
    pub fn released(&self, path: &str, blob: &str) -> Option<bool> {
        self.releases.as_ref()?.released(path, blob)
    }

    /// A head-tree file as it was before this change edited it: the old text of a file the
    /// change modifies, else the tree's (a file the change adds is new either way). Earlier
    /// history is judged as it was: the change cannot rewrite what it is judged against.
    pub fn text_before_change<'a>(&'a self, file: &'a TreeFile) -> Option<&'a str> {
        match self
            .files
            .iter()
            .find(|f| f.path == file.path && f.status != FileStatus::Added)
        {
            Some(edited) => edited.old_text.get(),
            None => file.text.get(),
        }
    }
}

/// A file of the head tree, read only when an analyzer asks for it.
#[derive(Debug, Clone)]
pub struct TreeFile {
    pub path: String,
    pub text: LazyText,
    /// Set by `classify`, from the path alone.
    pub kind: FileKind,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RangeInfo {
    pub base: String,
    pub head: String,
    pub merge_base: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Commit {
    pub sha: String,
    pub summary: String,
    pub message: String,
    pub author: String,
    /// Seconds since the epoch, author time.
    pub time: i64,
    pub trailers: Vec<(String, String)>,
}

/// Why a file's content was not analysed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    Binary,
    TooLarge {
        size: u64,
        limit: u64,
    },
    LfsPointer,
    NotUtf8,
    PathNotUtf8,
    Submodule,
    Symlink,
    /// The blob is not in the local object store (a partial or filtered clone).
    Missing,
    /// The base policy's `.gitattributes` says so (`binary`, `-diff`).
    Attribute(String),
}

impl SkipReason {
    pub fn describe(&self) -> String {
        match self {
            SkipReason::Binary => "binary file".to_string(),
            SkipReason::TooLarge { size, limit } => {
                format!("file of {size} bytes is over the {limit}-byte limit (diff.max_file_size)")
            }
            SkipReason::LfsPointer => "Git LFS pointer; the content is not in git".to_string(),
            SkipReason::NotUtf8 => "content is not valid UTF-8".to_string(),
            SkipReason::PathNotUtf8 => "path is not valid UTF-8".to_string(),
            SkipReason::Submodule => "submodule commit change".to_string(),
            SkipReason::Symlink => "symbolic link".to_string(),
            SkipReason::Missing => "content is not in the local repository (partial clone?)".to_string(),
            SkipReason::Attribute(what) => format!("marked {what} in .gitattributes"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    Added,
    Removed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffLine {
    pub kind: LineKind,
    pub old_lineno: Option<u32>,
    pub new_lineno: Option<u32>,
    /// The line without its end-of-line characters.
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hunk {
    pub old_start: u32,
    pub old_lines: u32,
    pub new_start: u32,
    pub new_lines: u32,
    pub lines: Vec<DiffLine>,
}

/// Loads a blob's text on demand, so that files no analyzer reads are never held in memory.
pub trait BlobLoader: Send + Sync + std::fmt::Debug {
    fn load(&self, id: &str) -> Option<String>;
    /// The largest blob it reads (larger ones read as absent).
    fn max_size(&self) -> Option<u64> {
        None
    }
}

/// File content that is read the first time someone asks for it.
#[derive(Debug, Clone, Default)]
pub struct LazyText {
    cell: Arc<OnceLock<Option<String>>>,
    source: Option<(Arc<dyn BlobLoader>, String)>,
}

impl LazyText {
    pub fn loaded(text: impl Into<String>) -> Self {
        let cell = OnceLock::new();
        let _ = cell.set(Some(text.into()));
        LazyText {
            cell: Arc::new(cell),
            source: None,
        }
    }

    pub fn absent() -> Self {
        let cell = OnceLock::new();
        let _ = cell.set(None);
        LazyText {
            cell: Arc::new(cell),
            source: None,
        }
    }

    /// The id of the blob this text is read from, when it comes from git.
    pub fn blob_id(&self) -> Option<&str> {
        self.source.as_ref().map(|(_, id)| id.as_str())
    }

    pub fn from_blob(loader: Arc<dyn BlobLoader>, id: String) -> Self {
        LazyText {
            cell: Arc::new(OnceLock::new()),
            source: Some((loader, id)),
        }
    }

    /// `derive(text)`, remembered in `memo` under `kind` (which names the derivation and its
    /// version) when the text is a blob. `None` when the text cannot be read.
    pub fn derived<T>(&self, memo: Option<&dyn Memo>, kind: &str, derive: impl FnOnce(&str) -> T) -> Option<T>
    where
        T: serde::Serialize + serde::de::DeserializeOwned,
    {
        let Some((memo, (loader, id))) = memo.zip(self.source.as_ref()) else {
            return self.get().map(derive);
        };
        // A blob too large under one size limit is absent under it, whatever another remembered.
        let kind = match loader.max_size() {
            Some(max) => format!("{kind}.{max}"),
            None => kind.to_string(),
        };
        if let Some(value) = memo.get(&kind, id).and_then(|b| serde_json::from_slice(&b).ok()) {
            return Some(value);
        }
        let value = derive(self.get()?);
        if let Ok(bytes) = serde_json::to_vec(&value) {
            memo.put(&kind, id, &bytes);
        }
        Some(value)
    }

    pub fn get(&self) -> Option<&str> {
        self.cell
            .get_or_init(|| self.source.as_ref().and_then(|(loader, id)| loader.load(id)))
            .as_deref()
    }
}

#[derive(Debug, Clone)]
pub struct ChangedFile {
    /// The new path, or the old one for a deleted file.
    pub path: String,
    /// Set when the path changed (renames and copies).
    pub old_path: Option<String>,
    pub status: FileStatus,
    pub old_mode: u32,
    pub new_mode: u32,
    pub hunks: Vec<Hunk>,
    pub lines_added: u32,
    pub lines_removed: u32,
    pub skipped: Option<SkipReason>,
    pub kind: FileKind,
    pub old_text: LazyText,
    pub new_text: LazyText,
}

impl ChangedFile {
    /// A text file built in memory, for analyzer tests and rule examples.
    pub fn from_lines(path: &str, status: FileStatus, removed: &[&str], added: &[&str]) -> Self {
        let mut lines = Vec::new();
        for (i, text) in removed.iter().enumerate() {
            lines.push(DiffLine {
                kind: LineKind::Removed,
                old_lineno: Some(i as u32 + 1),
                new_lineno: None,
                text: text.to_string(),
            });
        }
        for (i, text) in added.iter().enumerate() {
            lines.push(DiffLine {
                kind: LineKind::Added,
                old_lineno: None,
                new_lineno: Some(i as u32 + 1),
                text: text.to_string(),
            });
        }
        let hunks = if lines.is_empty() {
            Vec::new()
        } else {
            vec![Hunk {
                old_start: u32::from(!removed.is_empty()),
                old_lines: removed.len() as u32,
                new_start: u32::from(!added.is_empty()),
                new_lines: added.len() as u32,
                lines,
            }]
        };
        let join = |ls: &[&str]| -> String { ls.iter().map(|l| format!("{l}\n")).collect() };
        ChangedFile {
            path: path.to_string(),
            old_path: None,
            status,
            old_mode: 0o100644,
            new_mode: 0o100644,
            hunks,
            lines_added: added.len() as u32,
            lines_removed: removed.len() as u32,
            skipped: None,
            kind: FileKind::Other,
            old_text: if status == FileStatus::Added {
                LazyText::absent()
            } else {
                LazyText::loaded(join(removed))
            },
            new_text: if status == FileStatus::Deleted {
                LazyText::absent()
            } else {
                LazyText::loaded(join(added))
            },
        }
    }

    pub fn added_lines(&self) -> impl Iterator<Item = &DiffLine> {
        self.hunks
            .iter()
            .flat_map(|h| h.lines.iter())
            .filter(|l| l.kind == LineKind::Added)
    }

    pub fn removed_lines(&self) -> impl Iterator<Item = &DiffLine> {
        self.hunks
            .iter()
            .flat_map(|h| h.lines.iter())
            .filter(|l| l.kind == LineKind::Removed)
    }

    /// The line in the new file where a removed line used to be, so that reports point into
    /// what a reviewer sees.
    pub fn new_side_line_of_removal(&self, line: &DiffLine) -> Option<u32> {
        if self.status == FileStatus::Deleted {
            return None;
        }
        self.hunks
            .iter()
            .find(|h| h.lines.iter().any(|l| std::ptr::eq(l, line)))
            .map(|h| h.new_start.max(1))
    }

    /// Where an edit is best shown in the new file: its first added line, else where its first
    /// removal was.
    pub fn first_edit_line(&self) -> u32 {
        self.added_lines()
            .filter_map(|l| l.new_lineno)
            .next()
            .or_else(|| self.first_changed_line())
            .unwrap_or(1)
    }

    pub fn first_changed_line(&self) -> Option<u32> {
        if self.status == FileStatus::Deleted {
            return None;
        }
        self.hunks.first().map(|h| h.new_start.max(1))
    }
}
