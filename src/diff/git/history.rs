//! Reading history: earlier commits, their paths and messages, files at a revision.

use super::{is_mode, PolicyBlob, PolicyBytes, Repo};
use crate::diff::TreeFile;
use anyhow::Result;
use git2::Oid;
use std::path::{Path, PathBuf};

/// One commit of the history, as the history scan needs it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HistoryCommit {
    pub sha: String,
    pub time: i64,
    pub parents: Vec<String>,
    pub message: String,
    pub author: String,
}

impl Repo {
    /// Where riskgate keeps its caches: `.git/riskgate/` (never the work tree, refs or objects).
    pub fn cache_dir(&self) -> PathBuf {
        self.repo.path().join("riskgate")
    }

    /// One commit, as the history scan records it.
    pub fn history_commit(&self, sha: &str) -> Result<HistoryCommit> {
        let c = self.repo.find_commit(Oid::from_str(sha)?)?;
        let author = String::from_utf8_lossy(c.author().name_bytes()).into_owned();
        Ok(HistoryCommit {
            sha: sha.to_string(),
            time: c.time().seconds(),
            parents: c.parent_ids().map(|p| p.to_string()).collect(),
            message: String::from_utf8_lossy(c.message_bytes()).into_owned(),
            author,
        })
    }

    /// The first-parent chain from `head`, newest first: the changes as they landed.
    pub fn first_parents(&self, head: &str, limit: usize) -> Result<Vec<String>> {
        let start = self.resolve_commit(head, "head")?;
        let mut walk = self.repo.revwalk()?;
        walk.simplify_first_parent()?;
        walk.push(start.id())?;
        walk.take(limit).map(|o| Ok(o?.to_string())).collect()
    }

    /// Up to `limit` commits reachable from `rev`, newest first by commit time (ids only).
    pub fn commits_by_time(&self, rev: &str, limit: usize) -> Result<Vec<String>> {
        let start = self.resolve_commit(rev, "head")?;
        let mut walk = self.repo.revwalk()?;
        walk.set_sorting(git2::Sort::TIME)?;
        walk.push(start.id())?;
        walk.take(limit).map(|o| Ok(o?.to_string())).collect()
    }

    /// The repository's git directory, to open it again on another thread.
    pub fn git_dir(&self) -> PathBuf {
        self.repo.path().to_path_buf()
    }

    /// Paths a commit changes against its first parent (names only; no content is read).
    /// Trees are compared entry by entry and only subtrees whose ids differ are opened:
    /// libgit2's tree diff walks every path of both trees, ten times git's own cost on a
    /// repository with large vendored folders.
    pub fn paths_changed(&self, sha: &str) -> Result<Vec<String>> {
        let commit = self.repo.find_commit(Oid::from_str(sha)?)?;
        let new_tree = commit.tree()?;
        let old_tree = commit.parent(0).ok().map(|p| p.tree()).transpose()?;
        let mut out = Vec::new();
        self.tree_changes(old_tree.as_ref(), Some(&new_tree), "", &mut out)?;
        Ok(out)
    }

    /// The blob paths under `prefix` that differ between two trees (either may be absent).
    fn tree_changes(
        &self,
        old: Option<&git2::Tree<'_>>,
        new: Option<&git2::Tree<'_>>,
        prefix: &str,
        out: &mut Vec<String>,
    ) -> Result<()> {
        use std::collections::BTreeMap;
        let entries = |t: Option<&git2::Tree<'_>>| -> BTreeMap<Vec<u8>, (Oid, i32, bool)> {
            t.map(|t| {
                t.iter()
                    .map(|e| {
                        let is_tree = e.kind() == Some(git2::ObjectType::Tree);
                        (e.name_bytes().to_vec(), (e.id(), e.filemode(), is_tree))
                    })
                    .collect()
            })
            .unwrap_or_default()
        };
        let (a, b) = (entries(old), entries(new));
        let mut names: Vec<&Vec<u8>> = a.keys().chain(b.keys()).collect();
        names.sort();
        names.dedup();
        for name in names {
            let (x, y) = (a.get(name), b.get(name));
            if x == y {
                continue;
            }
            let path = format!("{prefix}{}", String::from_utf8_lossy(name));
            let subtree = |e: Option<&(Oid, i32, bool)>| -> Result<Option<git2::Tree<'_>>> {
                match e {
                    Some((id, _, true)) => Ok(Some(self.repo.find_tree(*id)?)),
                    _ => Ok(None),
                }
            };
            let (old_sub, new_sub) = (subtree(x)?, subtree(y)?);
            // A blob on either side is a changed path; a tree on either side holds some.
            if x.is_some_and(|e| !e.2) || y.is_some_and(|e| !e.2) {
                out.push(path.clone());
            }
            if old_sub.is_some() || new_sub.is_some() {
                self.tree_changes(old_sub.as_ref(), new_sub.as_ref(), &format!("{path}/"), out)?;
            }
        }
        Ok(())
    }

    /// The commits a merge brought in (reachable from it, not from its first parent).
    pub fn merged_commits(&self, sha: &str, limit: usize) -> Result<Vec<String>> {
        let commit = self.repo.find_commit(Oid::from_str(sha)?)?;
        let Ok(first) = commit.parent_id(0) else {
            return Ok(Vec::new());
        };
        let mut walk = self.repo.revwalk()?;
        walk.push(commit.id())?;
        walk.hide(first)?;
        walk.take(limit).map(|o| Ok(o?.to_string())).collect()
    }

    /// The text files of the tree at a revision, read on demand.
    pub fn files_at(&self, rev: &str) -> Result<Vec<TreeFile>> {
        let commit = self.resolve_commit(rev, "revision")?;
        self.tree_files(&commit.tree()?, 4 * 1024 * 1024)
    }

    /// A policy file (`riskgate.toml`, a rule pack, the baseline, `.gitattributes`) as the
    /// tree at `rev` holds it: only a regular file of at most `max` bytes of UTF-8 is read; a
    /// link, a submodule or anything else is refused, so policy never reaches outside the tree.
    pub fn policy_file(&self, rev: &str, path: &str, max: u64) -> Result<PolicyBlob> {
        Ok(match self.regular_file_at(rev, path, max)? {
            PolicyBytes::Bytes(bytes) => match String::from_utf8(bytes) {
                Ok(text) => PolicyBlob::Text(text),
                Err(_) => PolicyBlob::Refused(format!("{path} is not UTF-8")),
            },
            PolicyBytes::Absent => PolicyBlob::Absent,
            PolicyBytes::Refused(why) => PolicyBlob::Refused(why),
        })
    }

    /// The bytes of a regular file of the tree at `rev`, read as `policy_file` reads it.
    pub fn regular_file_at(&self, rev: &str, path: &str, max: u64) -> Result<PolicyBytes> {
        let tree = self.resolve_commit(rev, "policy revision")?.tree()?;
        let entry = match tree.get_path(Path::new(path)) {
            Ok(e) => e,
            Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(PolicyBytes::Absent),
            Err(e) => return Err(e.into()),
        };
        let mode = entry.filemode() as u32;
        if !is_mode(mode, 0o100000) {
            let what = if is_mode(mode, 0o120000) {
                "a symbolic link"
            } else {
                "not a regular file"
            };
            return Ok(PolicyBytes::Refused(format!(
                "{path} is {what}; policy files must be regular files"
            )));
        }
        let (size, _) = self.repo.odb()?.read_header(entry.id())?;
        if size as u64 > max {
            return Ok(PolicyBytes::Refused(format!("{path} is over {max} bytes")));
        }
        Ok(PolicyBytes::Bytes(self.repo.find_blob(entry.id())?.content().to_vec()))
    }

    /// Paths of the regular files of the tree at `rev` that `wanted` accepts.
    /// Only the folder `under` is walked (`""` for the whole tree): a push must not walk a large
    /// tree to find a rule pack.
    pub fn regular_files_at(&self, rev: &str, under: &str, wanted: &dyn Fn(&str) -> bool) -> Result<Vec<String>> {
        let root = self.resolve_commit(rev, "policy revision")?.tree()?;
        let tree = if under.is_empty() {
            root
        } else {
            match root.get_path(Path::new(under)) {
                Ok(e) if e.kind() == Some(git2::ObjectType::Tree) => self.repo.find_tree(e.id())?,
                _ => return Ok(Vec::new()),
            }
        };
        let prefix = if under.is_empty() {
            String::new()
        } else {
            format!("{under}/")
        };
        let mut out = Vec::new();
        tree.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
            if is_mode(entry.filemode() as u32, 0o100000) {
                if let Some(name) = entry.name() {
                    let path = format!("{prefix}{dir}{name}");
                    if wanted(&path) {
                        out.push(path);
                    }
                }
            }
            git2::TreeWalkResult::Ok
        })?;
        out.sort();
        Ok(out)
    }

    /// `.git-blame-ignore-revs` at the head, if any.
    pub fn blame_ignore_revs(&self, head: &str) -> Vec<String> {
        let Ok(commit) = self.resolve_commit(head, "head") else {
            return Vec::new();
        };
        let Ok(tree) = commit.tree() else { return Vec::new() };
        let Some(entry) = tree.get_name(".git-blame-ignore-revs") else {
            return Vec::new();
        };
        let Ok(blob) = self.repo.find_blob(entry.id()) else {
            return Vec::new();
        };
        String::from_utf8_lossy(blob.content())
            .lines()
            .map(str::trim)
            .filter(|l| l.len() >= 7 && !l.starts_with('#'))
            .map(str::to_string)
            .collect()
    }
}
