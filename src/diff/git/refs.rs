//! Revisions and refs: what a push sends, what a remote has, where hooks live.

use super::{diff_options, Loaded, Repo};
use crate::diff::{ChangeSet, RangeInfo};
use anyhow::Result;
use git2::{Oid, Sort};
use std::path::PathBuf;

/// Facts the pre-push hook and `install` need; still read-only except `hooks_dir` callers.
impl Repo {
    /// The full sha a revision names, if it exists locally as a commit.
    pub fn commit_sha(&self, rev: &str) -> Option<String> {
        let obj = self.repo.revparse_single(rev).ok()?;
        obj.peel_to_commit().ok().map(|c| c.id().to_string())
    }

    /// Whether `ancestor` is reachable from `descendant` (or equal to it).
    pub fn is_ancestor(&self, ancestor: &str, descendant: &str) -> bool {
        match (Oid::from_str(ancestor), Oid::from_str(descendant)) {
            (Ok(a), Ok(d)) => a == d || self.repo.graph_descendant_of(d, a).unwrap_or(false),
            _ => false,
        }
    }

    /// Whether a ref name or sha names a tag object or a `refs/tags/` ref.
    pub fn is_tag(&self, refname: &str, sha: &str) -> bool {
        refname.starts_with("refs/tags/")
            || Oid::from_str(sha)
                .ok()
                .and_then(|o| self.repo.find_object(o, None).ok())
                .and_then(|o| o.kind())
                == Some(git2::ObjectType::Tag)
    }

    /// The remote's default branch as known locally: `<remote>/HEAD`, `<remote>/main`,
    /// `<remote>/master`, then local `main`, `master`.
    pub fn remote_default(&self, remote: &str) -> Option<String> {
        [
            format!("refs/remotes/{remote}/HEAD"),
            format!("refs/remotes/{remote}/main"),
            format!("refs/remotes/{remote}/master"),
            "refs/heads/main".into(),
            "refs/heads/master".into(),
        ]
        .into_iter()
        .find_map(|r| self.commit_sha(&r))
    }

    /// The oldest commit reachable from `sha` that no remote-tracking ref of `remote` reaches,
    /// and its first parent (if any): the range a push of a new branch adds.
    pub fn first_unpushed(&self, sha: &str, remote: &str) -> Result<Option<(String, Option<String>)>> {
        let mut walk = self.repo.revwalk()?;
        walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
        walk.push(Oid::from_str(sha)?)?;
        let prefix = format!("refs/remotes/{remote}/");
        for reference in self.repo.references()?.flatten() {
            if reference.name().is_some_and(|n| n.starts_with(&prefix)) {
                if let Ok(c) = reference.peel_to_commit() {
                    walk.hide(c.id())?;
                }
            }
        }
        let Some(first) = walk.next().transpose()? else {
            return Ok(None);
        };
        let commit = self.repo.find_commit(first)?;
        Ok(Some((
            first.to_string(),
            commit.parent_id(0).ok().map(|p| p.to_string()),
        )))
    }

    /// Reads `head` against the empty tree: for a push whose first commit is a root commit.
    pub fn read_from_root(&self, head: &str, max_file_size: u64) -> Result<Loaded> {
        let head_commit = self.resolve_commit(head, "head")?;
        let mut walk = self.repo.revwalk()?;
        walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
        walk.push(head_commit.id())?;
        let mut commits = Vec::new();
        for oid in walk {
            commits.push(self.commit_record(oid?)?);
        }
        let mut opts = diff_options(max_file_size);
        let new_tree = head_commit.tree()?;
        let diff = self.repo.diff_tree_to_tree(None, Some(&new_tree), Some(&mut opts))?;
        let files = self.files_of(diff, max_file_size)?;
        let tree = self.tree_files(&new_tree, max_file_size)?;
        let empty = "0".repeat(40);
        Ok(Loaded::Change(ChangeSet {
            tree,
            range: RangeInfo {
                base: empty.clone(),
                head: head_commit.id().to_string(),
                merge_base: empty,
            },
            commits,
            files,
            gitattributes: self.gitattributes(Some(&new_tree)),
            releases: self.releases(),
            memo: self.memo(),
        }))
    }

    /// The commits of `merge-base(base, head)..head`, oldest first, with their first parents:
    /// what `audit --per-commit` scores one by one.
    pub fn commits_with_parents(&self, base: &str, head: &str) -> Result<Vec<(String, Option<String>)>> {
        let base_commit = self.resolve_commit(base, "base")?;
        let head_commit = self.resolve_commit(head, "head")?;
        let merge_base = self.repo.merge_base(base_commit.id(), head_commit.id())?;
        let mut walk = self.repo.revwalk()?;
        walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
        walk.push(head_commit.id())?;
        walk.hide(merge_base)?;
        let mut out = Vec::new();
        for oid in walk {
            let c = self.repo.find_commit(oid?)?;
            out.push((c.id().to_string(), c.parent_id(0).ok().map(|p| p.to_string())));
        }
        Ok(out)
    }

    /// Where git runs hooks from: `core.hooksPath` (relative to the work tree), else the common
    /// git directory's `hooks/` (shared by all worktrees).
    pub fn hooks_dir(&self) -> PathBuf {
        let configured = self.repo.config().ok().and_then(|c| c.get_path("core.hooksPath").ok());
        match configured {
            Some(p) if p.is_absolute() => p,
            Some(p) => self.root().join(p),
            None => {
                // A linked worktree's git dir names the common dir that holds the hooks.
                let git_dir = self.repo.path();
                let common = std::fs::read_to_string(git_dir.join("commondir"))
                    .map(|c| git_dir.join(c.trim()))
                    .unwrap_or_else(|_| git_dir.to_path_buf());
                common.join("hooks")
            }
        }
    }
}
