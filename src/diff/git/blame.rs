//! What a postmortem asks of git: when a commit was written and landed, and which commit last
//! changed given lines.

use super::Repo;
use anyhow::Result;
use git2::Oid;
use std::path::Path;

/// One commit's times and words, for a timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitStamp {
    pub sha: String,
    pub summary: String,
    pub message: String,
    pub author: String,
    pub authored: i64,
    pub committed: i64,
    pub parents: Vec<String>,
}

impl Repo {
    /// The stamp of the commit `rev` names.
    pub fn commit_stamp(&self, rev: &str) -> Result<CommitStamp> {
        let c = self.resolve_commit(rev, "revision")?;
        let message = String::from_utf8_lossy(c.message_bytes()).into_owned();
        let author = c.author();
        let stamp = CommitStamp {
            sha: c.id().to_string(),
            summary: message.lines().next().unwrap_or("").trim().to_string(),
            author: String::from_utf8_lossy(author.name_bytes()).into_owned(),
            authored: author.when().seconds(),
            committed: c.time().seconds(),
            parents: c.parent_ids().map(|p| p.to_string()).collect(),
            message,
        };
        Ok(stamp)
    }

    /// The first-parent commit of `head` that brought `sha` in: `sha` itself when it landed
    /// directly, the merge otherwise; `None` when `head` does not contain it. Containment only
    /// grows along the first-parent chain, so a binary search over it suffices.
    pub fn landed_by(&self, sha: &str, head: &str, limit: usize) -> Result<Option<String>> {
        let chain = self.first_parents(head, limit)?;
        let contains = |i: usize| self.is_ancestor(sha, &chain[i]);
        if chain.is_empty() || !contains(0) {
            return Ok(None);
        }
        // chain[..=lo] contain it; find the last such index.
        let (mut lo, mut hi) = (0, chain.len());
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if contains(mid) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        Ok(Some(chain[lo].clone()))
    }

    /// For each of `lines` (1-based) of `path` at `rev`, the commit that last changed it.
    /// Lines past the end of the file are left out.
    pub fn blame_lines(&self, rev: &str, path: &str, lines: &[u32]) -> Result<Vec<(u32, String)>> {
        let commit = self.resolve_commit(rev, "revision")?;
        let mut opts = git2::BlameOptions::new();
        opts.newest_commit(commit.id());
        let blame = self.repo.blame_file(Path::new(path), Some(&mut opts))?;
        Ok(lines
            .iter()
            .filter_map(|&line| {
                let hunk = blame.get_line(line as usize)?;
                Some((line, hunk.final_commit_id().to_string()))
            })
            .collect())
    }

    /// Whether the commit `sha` exists here.
    pub fn has_commit(&self, sha: &str) -> bool {
        Oid::from_str(sha).is_ok_and(|o| self.repo.find_commit(o).is_ok())
    }
}
