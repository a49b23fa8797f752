//! The only file that uses git2. It resolves revisions and reads a range into a `ChangeSet`.
//! It never writes to the repository.

use super::{
    BlobLoader, ChangeSet, ChangedFile, Commit, DiffLine, FileStatus, Hunk, LazyText, LineKind, RangeInfo,
    ReleaseLookup, SkipReason, TreeFile,
};
pub mod blame;
pub mod history;
mod memo;
mod refs;
pub mod scratch;

use crate::model::FileKind;
use anyhow::{anyhow, bail, Context, Result};
use git2::{Delta, DiffOptions, Oid, Repository, Sort};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

const LFS_HEADER: &[u8] = b"version https://git-lfs.github.com/spec/";

/// A policy file read from a tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyBlob {
    Text(String),
    Absent,
    /// Present but not readable as policy, and why.
    Refused(String),
}

/// A regular file's bytes read from a tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyBytes {
    Bytes(Vec<u8>),
    Absent,
    Refused(String),
}

/// What reading a range produced: a change to analyse, or a reason there is nothing to do.
pub enum Loaded {
    Change(ChangeSet),
    Empty(String),
}

pub struct Repo {
    repo: Repository,
}

struct GitBlobLoader {
    repo: Mutex<Repository>,
    /// Blobs over this size are not loaded (tree files: the size is checked only when read).
    max_size: Option<u64>,
}

impl std::fmt::Debug for GitBlobLoader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GitBlobLoader")
    }
}

/// Answers from the trees of the repository's tags (at most `MAX_TAGS`), once per path and
/// blob: a tag whose tree holds the migration as the base has it shipped that text, whenever
/// the tag was made; one that holds another version (the edit, merged later) did not.
struct GitReleases {
    /// Opened on the first question: most changes never ask.
    git_dir: PathBuf,
    repo: Mutex<Option<Repository>>,
    answers: Mutex<std::collections::HashMap<(String, String), Option<bool>>>,
}

/// Bounds the lookup on repositories with very many tags.
const MAX_TAGS: usize = 2_000;

impl std::fmt::Debug for GitReleases {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GitReleases")
    }
}

impl ReleaseLookup for GitReleases {
    fn released(&self, path: &str, blob: &str) -> Option<bool> {
        let key = (path.to_string(), blob.to_string());
        if let Some(known) = self.answers.lock().ok()?.get(&key) {
            return *known;
        }
        let wanted = Oid::from_str(blob).ok()?;
        let mut opened = self.repo.lock().ok()?;
        if opened.is_none() {
            *opened = Repository::open(&self.git_dir).ok();
        }
        let repo = opened.as_ref()?;
        let names = repo.tag_names(None).ok()?;
        let answer = if names.is_empty() {
            None
        } else {
            Some(names.iter().flatten().take(MAX_TAGS).any(|name| {
                repo.revparse_single(&format!("refs/tags/{name}"))
                    .and_then(|o| o.peel_to_tree())
                    .is_ok_and(|tree| tree.get_path(Path::new(path)).is_ok_and(|e| e.id() == wanted))
            }))
        };
        self.answers.lock().ok()?.insert(key, answer);
        answer
    }
}

impl BlobLoader for GitBlobLoader {
    fn load(&self, id: &str) -> Option<String> {
        let repo = self.repo.lock().ok()?;
        let oid = Oid::from_str(id).ok()?;
        if let Some(max) = self.max_size {
            let (size, _) = repo.odb().ok()?.read_header(oid).ok()?;
            if size as u64 > max {
                return None;
            }
        }
        let blob = repo.find_blob(oid).ok()?;
        String::from_utf8(blob.content().to_vec()).ok()
    }

    fn max_size(&self) -> Option<u64> {
        self.max_size
    }
}

impl Repo {
    pub fn discover(path: &Path) -> Result<Repo> {
        // Objects were checked when git fetched or wrote them; hashing every blob again on each
        // read (libgit2's default, which git itself does not do) is a sixth of a hook run.
        git2::opts::strict_hash_verification(false);
        let repo = Repository::discover(path).map_err(|_| anyhow!("not a git repository: {}", path.display()))?;
        // A patch looks up each file's diff driver in `.gitattributes`, and libgit2 reads the
        // whole index for that (a tenth of a one-commit check on a large tree). The change is
        // between two commits, so the index has nothing to say: an empty one in memory. The
        // staged diff opens the real index itself.
        if !repo.is_bare() {
            if let Ok(mut empty) = git2::Index::new() {
                let _ = repo.set_index(&mut empty);
            }
        }
        Ok(Repo { repo })
    }

    /// The working tree root, where `riskgate.toml` lives.
    pub fn root(&self) -> PathBuf {
        match self.repo.workdir() {
            Some(dir) => dir.to_path_buf(),
            None => self.repo.path().to_path_buf(),
        }
    }

    /// `--base` when it is not given: the upstream of the current branch, `origin/HEAD`,
    /// `main`, `master`, in that order.
    pub fn default_base(&self) -> Result<String> {
        if let Ok(head) = self.repo.head() {
            if let Some(name) = head.name() {
                if let Ok(upstream) = self.repo.branch_upstream_name(name) {
                    if let Some(up) = upstream.as_str() {
                        if self.repo.revparse_single(up).is_ok() {
                            return Ok(up.trim_start_matches("refs/remotes/").to_string());
                        }
                    }
                }
            }
        }
        for candidate in ["origin/HEAD", "main", "master"] {
            if self.repo.revparse_single(candidate).is_ok() {
                return Ok(candidate.to_string());
            }
        }
        bail!("no base revision found (no upstream, origin/HEAD, main or master); pass --base REV")
    }

    fn resolve_commit(&self, rev: &str, role: &str) -> Result<git2::Commit<'_>> {
        let object = self.repo.revparse_single(rev).map_err(|_| {
            if role == "base" {
                anyhow!("base `{rev}` not found; fetch it or run with fetch-depth: 0")
            } else {
                anyhow!("{role} `{rev}` not found")
            }
        })?;
        object
            .peel_to_commit()
            .map_err(|_| anyhow!("{role} `{rev}` does not name a commit"))
    }

    /// Reads `merge-base(base, head)..head`, which is what a pull request shows.
    pub fn read_range(&self, base: &str, head: &str, max_file_size: u64) -> Result<Loaded> {
        let base_commit = self.resolve_commit(base, "base")?;
        let head_commit = self.resolve_commit(head, "head")?;
        let merge_base = match self.repo.merge_base(base_commit.id(), head_commit.id()) {
            Ok(oid) => oid,
            Err(_) if self.repo.is_shallow() => bail!(
                "no merge base between `{base}` and `{head}` in this shallow clone; fetch more history (git fetch --unshallow) or use fetch-depth: 0"
            ),
            Err(_) => bail!("`{base}` and `{head}` share no history (no merge base)"),
        };
        let commits = self.commits_between(merge_base, head_commit.id())?;
        if commits.is_empty() {
            return Ok(Loaded::Empty(format!(
                "nothing to check: `{head}` has no commits that are not in `{base}`"
            )));
        }
        let old_tree = self.repo.find_commit(merge_base)?.tree()?;
        let new_tree = head_commit.tree()?;
        let mut opts = diff_options(max_file_size);
        let diff = self
            .repo
            .diff_tree_to_tree(Some(&old_tree), Some(&new_tree), Some(&mut opts))
            .context("reading the diff")?;
        let files = self.files_of(diff, max_file_size)?;
        let tree = self.tree_files(&new_tree, max_file_size)?;
        Ok(Loaded::Change(ChangeSet {
            tree,
            range: RangeInfo {
                base: base_commit.id().to_string(),
                head: head_commit.id().to_string(),
                merge_base: merge_base.to_string(),
            },
            commits,
            files,
            gitattributes: self.gitattributes(Some(&new_tree)),
            releases: self.releases(),
            memo: self.memo(),
        }))
    }

    /// Reads the index against `HEAD` (`--staged`).
    pub fn read_staged(&self, max_file_size: u64) -> Result<Loaded> {
        if self.repo.is_bare() {
            bail!("--staged needs a working tree; this repository is bare (use --base and --head)");
        }
        let head_tree = match self.repo.head() {
            Ok(head) => Some(head.peel_to_tree()?),
            Err(_) => None,
        };
        let index = git2::Index::open(&self.repo.path().join("index")).context("reading the index")?;
        let mut opts = diff_options(max_file_size);
        let diff = self
            .repo
            .diff_tree_to_index(head_tree.as_ref(), Some(&index), Some(&mut opts))
            .context("reading the staged diff")?;
        if diff.deltas().len() == 0 {
            return Ok(Loaded::Empty("nothing to check: no staged changes".to_string()));
        }
        let head_sha = head_tree
            .as_ref()
            .and_then(|_| self.repo.head().ok()?.target())
            .map(|oid| oid.to_string())
            .unwrap_or_default();
        let files = self.files_of(diff, max_file_size)?;
        // The index is not a tree without writing one; the head tree stands in for unchanged files.
        let tree = match &head_tree {
            Some(t) => self.tree_files(t, max_file_size)?,
            None => Vec::new(),
        };
        Ok(Loaded::Change(ChangeSet {
            tree,
            range: RangeInfo {
                base: head_sha.clone(),
                head: "index".to_string(),
                merge_base: head_sha,
            },
            commits: Vec::new(),
            files,
            gitattributes: self.gitattributes(head_tree.as_ref()),
            releases: self.releases(),
            memo: self.memo(),
        }))
    }

    fn commits_between(&self, from: Oid, to: Oid) -> Result<Vec<Commit>> {
        let mut walk = self.repo.revwalk()?;
        walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
        walk.push(to)?;
        walk.hide(from)?;
        let mut commits = Vec::new();
        for oid in walk {
            commits.push(self.commit_record(oid?)?);
        }
        Ok(commits)
    }

    fn commit_record(&self, oid: Oid) -> Result<Commit> {
        let commit = self.repo.find_commit(oid)?;
        let message = String::from_utf8_lossy(commit.message_bytes()).into_owned();
        let trailers = git2::message_trailers_strs(&message)
            .map(|t| t.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
            .unwrap_or_default();
        let author = commit.author();
        Ok(Commit {
            sha: oid.to_string(),
            summary: message.lines().next().unwrap_or("").to_string(),
            author: String::from_utf8_lossy(author.name_bytes()).into_owned(),
            time: author.when().seconds(),
            message,
            trailers,
        })
    }

    fn gitattributes(&self, tree: Option<&git2::Tree<'_>>) -> Option<String> {
        let entry = tree?.get_name(".gitattributes")?;
        let blob = self.repo.find_blob(entry.id()).ok()?;
        Some(String::from_utf8_lossy(blob.content()).into_owned())
    }

    /// The text files of a tree, each loaded only when asked for; files over the size limit and
    /// links are left out.
    fn tree_files(&self, tree: &git2::Tree<'_>, max_file_size: u64) -> Result<Vec<TreeFile>> {
        // Sizes are checked when a file is read, not for every file of the tree on every run.
        let loader = self.loader_with_limit(Some(max_file_size))?;
        let mut out = Vec::new();
        tree.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
            if entry.kind() == Some(git2::ObjectType::Blob) && entry.filemode() & 0o170000 == 0o100000 {
                if let Some(name) = entry.name() {
                    // Built by hand: formatting cost a tenth of a one-file check on a 4,000-file tree.
                    let mut path = String::with_capacity(dir.len() + name.len());
                    path.push_str(dir);
                    path.push_str(name);
                    out.push(TreeFile {
                        path,
                        text: LazyText::from_blob(loader.clone(), hex(entry.id().as_bytes())),
                        kind: FileKind::Other,
                    });
                }
            }
            git2::TreeWalkResult::Ok
        })?;
        Ok(out)
    }

    /// What analyzers derived from blobs on earlier runs in this repository.
    pub(super) fn memo(&self) -> Option<Arc<dyn super::Memo>> {
        memo::FileMemo::open(&self.cache_dir()).map(|m| Arc::new(m) as Arc<dyn super::Memo>)
    }

    /// What release tags hold.
    pub(super) fn releases(&self) -> Option<Arc<dyn ReleaseLookup>> {
        Some(Arc::new(GitReleases {
            git_dir: self.repo.path().to_path_buf(),
            repo: Mutex::new(None),
            answers: Mutex::new(std::collections::HashMap::new()),
        }))
    }

    fn loader(&self) -> Result<Arc<dyn BlobLoader>> {
        self.loader_with_limit(None)
    }

    fn loader_with_limit(&self, max_size: Option<u64>) -> Result<Arc<dyn BlobLoader>> {
        let repo = Repository::open(self.repo.path()).context("reopening the repository")?;
        Ok(Arc::new(GitBlobLoader {
            repo: Mutex::new(repo),
            max_size,
        }))
    }

    fn blob_size(&self, oid: Oid) -> u64 {
        if oid.is_zero() {
            return 0;
        }
        self.repo
            .odb()
            .and_then(|odb| odb.read_header(oid))
            .map(|(size, _)| size as u64)
            .unwrap_or(0)
    }

    /// Binary as git decides it: a NUL byte in the first 8,000 bytes.
    fn has_nul(&self, oid: Oid) -> bool {
        if oid.is_zero() {
            return false;
        }
        self.repo
            .find_blob(oid)
            .map(|b| b.content().iter().take(8000).any(|c| *c == 0))
            .unwrap_or(false)
    }

    fn is_lfs_pointer(&self, oid: Oid, size: u64) -> bool {
        if oid.is_zero() || size > 1024 {
            return false;
        }
        self.repo
            .find_blob(oid)
            .map(|b| b.content().starts_with(LFS_HEADER))
            .unwrap_or(false)
    }

    fn files_of(&self, mut diff: git2::Diff<'_>, max_file_size: u64) -> Result<Vec<ChangedFile>> {
        let mut find = git2::DiffFindOptions::new();
        find.renames(true).copies(false).rename_limit(2000);
        // Rename detection reads blobs; one missing from a partial clone must not stop the
        // run: the files stay a deletion and an addition, and the missing blob is reported.
        let _ = diff.find_similar(Some(&mut find));
        let loader = self.loader()?;
        let mut files = Vec::with_capacity(diff.deltas().len());
        for index in 0..diff.deltas().len() {
            let delta = diff.get_delta(index).expect("index within deltas");
            let status = match delta.status() {
                Delta::Added | Delta::Untracked => FileStatus::Added,
                Delta::Deleted => FileStatus::Deleted,
                Delta::Renamed => FileStatus::Renamed,
                Delta::Copied => FileStatus::Copied,
                Delta::Typechange => FileStatus::TypeChanged,
                Delta::Modified | Delta::Conflicted => FileStatus::Modified,
                Delta::Unmodified | Delta::Ignored | Delta::Unreadable => continue,
            };
            let old = delta.old_file();
            let new = delta.new_file();
            let side = if status == FileStatus::Deleted { &old } else { &new };
            let raw_path = side.path_bytes().unwrap_or_default();
            let (path, path_ok) = match std::str::from_utf8(raw_path) {
                Ok(p) => (p.to_string(), true),
                Err(_) => (String::from_utf8_lossy(raw_path).into_owned(), false),
            };
            let old_path = match status {
                FileStatus::Renamed | FileStatus::Copied => {
                    old.path_bytes().map(|p| String::from_utf8_lossy(p).into_owned())
                }
                _ => None,
            };
            let old_mode = u32::from(old.mode());
            let new_mode = u32::from(new.mode());
            let mut skipped = None;
            if !path_ok {
                skipped = Some(SkipReason::PathNotUtf8);
            } else if is_mode(old_mode, 0o160000) || is_mode(new_mode, 0o160000) {
                skipped = Some(SkipReason::Submodule);
            } else if is_mode(old_mode, 0o120000) || is_mode(new_mode, 0o120000) {
                skipped = Some(SkipReason::Symlink);
            }
            let present = |oid: Oid| oid.is_zero() || self.repo.odb().map(|o| o.exists(oid)).unwrap_or(false);
            if skipped.is_none() && (!present(old.id()) || !present(new.id())) {
                skipped = Some(SkipReason::Missing);
            }
            let (old_size, new_size) = (self.blob_size(old.id()), self.blob_size(new.id()));
            if skipped.is_none() && old_size.max(new_size) > max_file_size {
                skipped = Some(SkipReason::TooLarge {
                    size: old_size.max(new_size),
                    limit: max_file_size,
                });
            }
            if skipped.is_none() && (self.is_lfs_pointer(new.id(), new_size) || self.is_lfs_pointer(old.id(), old_size))
            {
                skipped = Some(SkipReason::LfsPointer);
            }
            // An added or deleted file's patch holds all of it: its first 8,000 bytes are
            // checked there, without inflating the blob a second time.
            let whole_in_patch = matches!(status, FileStatus::Added | FileStatus::Deleted);
            if skipped.is_none() && !whole_in_patch && (self.has_nul(old.id()) || self.has_nul(new.id())) {
                skipped = Some(SkipReason::Binary);
            }
            let mut hunks = Vec::new();
            let (mut added, mut removed) = (0u32, 0u32);
            if skipped.is_none() {
                match read_hunks(&diff, index)? {
                    HunkRead::Text(h, _, _) if whole_in_patch && starts_with_nul(&h) => {
                        skipped = Some(SkipReason::Binary);
                    }
                    HunkRead::Text(h, a, r) => {
                        hunks = h;
                        added = a;
                        removed = r;
                    }
                    HunkRead::Binary => skipped = Some(SkipReason::Binary),
                    // Not text either way: a NUL byte says which (the patch stopped early).
                    HunkRead::NotUtf8 if whole_in_patch && (self.has_nul(old.id()) || self.has_nul(new.id())) => {
                        skipped = Some(SkipReason::Binary)
                    }
                    HunkRead::NotUtf8 => skipped = Some(SkipReason::NotUtf8),
                }
            }
            let text_of = |oid: Oid, present: bool| {
                if skipped.is_some() || !present {
                    LazyText::absent()
                } else {
                    LazyText::from_blob(loader.clone(), oid.to_string())
                }
            };
            files.push(ChangedFile {
                path,
                old_path,
                status,
                old_mode,
                new_mode,
                hunks,
                lines_added: added,
                lines_removed: removed,
                old_text: text_of(old.id(), status != FileStatus::Added),
                new_text: text_of(new.id(), status != FileStatus::Deleted),
                skipped,
                kind: FileKind::Other,
            });
        }
        pair_exact_renames(&mut files);
        Ok(files)
    }
}

/// Whether the first 8,000 bytes of a file whose patch holds all its lines hold a NUL byte:
/// binary, as git decides it.
fn starts_with_nul(hunks: &[Hunk]) -> bool {
    let mut seen = 0usize;
    for line in hunks.iter().flat_map(|h| &h.lines) {
        if seen >= 8000 {
            return false;
        }
        let take = line.text.len().min(8000 - seen);
        if line.text.as_bytes()[..take].contains(&0) {
            return true;
        }
        seen += line.text.len() + 1;
    }
    false
}

/// An object id as git writes it, lowercase hex.
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 15)] as char);
    }
    out
}

/// Pairs a deleted file with an added one of the same content as a rename, as git does even
/// past its rename limit (libgit2 gives up on a change of thousands of files): a folder moved
/// whole is moved files, not new ones.
fn pair_exact_renames(files: &mut Vec<ChangedFile>) {
    let mut deleted: std::collections::HashMap<&str, Vec<usize>> = std::collections::HashMap::new();
    for (i, f) in files.iter().enumerate() {
        if let (FileStatus::Deleted, None, Some(id)) = (f.status, &f.skipped, f.old_text.blob_id()) {
            deleted.entry(id).or_default().push(i);
        }
    }
    if deleted.is_empty() {
        return;
    }
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    for (i, f) in files.iter().enumerate() {
        if let (FileStatus::Added, None, Some(id)) = (f.status, &f.skipped, f.new_text.blob_id()) {
            if let Some(d) = deleted.get_mut(id).and_then(|d| (!d.is_empty()).then(|| d.remove(0))) {
                pairs.push((i, d));
            }
        }
    }
    let mut gone = vec![false; files.len()];
    for (added, from) in pairs {
        let old_path = files[from].path.clone();
        let old_text = files[from].old_text.clone();
        let old_mode = files[from].old_mode;
        let f = &mut files[added];
        f.status = FileStatus::Renamed;
        f.old_path = Some(old_path);
        f.old_text = old_text;
        f.old_mode = old_mode;
        f.hunks.clear();
        f.lines_added = 0;
        f.lines_removed = 0;
        gone[from] = true;
    }
    let mut i = 0;
    files.retain(|_| {
        i += 1;
        !gone[i - 1]
    });
}

pub(crate) fn is_mode(mode: u32, kind: u32) -> bool {
    mode & 0o170000 == kind
}

pub(crate) fn diff_options(max_file_size: u64) -> DiffOptions {
    let mut opts = DiffOptions::new();
    opts.context_lines(0)
        .interhunk_lines(0)
        .include_typechange(true)
        .ignore_submodules(false)
        // Attributes in the working tree are the change's word; riskgate decides what is
        // binary itself (a NUL byte, as git does) and honours only the base policy's.
        .force_text(true)
        .max_size(i64::try_from(max_file_size).unwrap_or(i64::MAX));
    opts
}

enum HunkRead {
    Text(Vec<Hunk>, u32, u32),
    Binary,
    NotUtf8,
}

fn read_hunks(diff: &git2::Diff<'_>, index: usize) -> Result<HunkRead> {
    let Some(patch) = git2::Patch::from_diff(diff, index).context("reading a file's patch")? else {
        return Ok(HunkRead::Binary);
    };
    if patch.delta().flags().is_binary() {
        return Ok(HunkRead::Binary);
    }
    let (mut added, mut removed) = (0u32, 0u32);
    let mut hunks = Vec::with_capacity(patch.num_hunks());
    for h in 0..patch.num_hunks() {
        let (hunk, line_count) = patch.hunk(h)?;
        let mut lines = Vec::with_capacity(line_count);
        for l in 0..line_count {
            let line = patch.line_in_hunk(h, l)?;
            let kind = match line.origin() {
                '+' => LineKind::Added,
                '-' => LineKind::Removed,
                _ => continue,
            };
            let Ok(text) = std::str::from_utf8(line.content()) else {
                return Ok(HunkRead::NotUtf8);
            };
            match kind {
                LineKind::Added => added += 1,
                LineKind::Removed => removed += 1,
            }
            lines.push(DiffLine {
                kind,
                old_lineno: line.old_lineno(),
                new_lineno: line.new_lineno(),
                text: text.trim_end_matches(['\n', '\r']).to_string(),
            });
        }
        hunks.push(Hunk {
            old_start: hunk.old_start(),
            old_lines: hunk.old_lines(),
            new_start: hunk.new_start(),
            new_lines: hunk.new_lines(),
            lines,
        });
    }
    Ok(HunkRead::Text(hunks, added, removed))
}

#[cfg(test)]
mod tests {
    #[test]
    fn hex_writes_ids_as_git_does() {
        let id = git2::Oid::from_str("0a1b2c3d4e5f60718293a4b5c6d7e8f90a0b0c0d").unwrap();
        assert_eq!(super::hex(id.as_bytes()), id.to_string());
    }
}
