//! Which change caused the incident and which one fixed it, from what the user named.

use super::CauseFrom;
use crate::diff::git::blame::CommitStamp;
use crate::diff::git::{Loaded, Repo};
use crate::diff::{ChangeSet, FileStatus, LineKind};
use anyhow::{anyhow, bail, Result};
use std::collections::BTreeMap;

/// At most this many files of a fix are blamed (a fix is small; a huge one is not a fix).
const MAX_BLAMED_FILES: usize = 50;

/// Blame looks back this many landed (first-parent) changes before the fix: a cause older
/// than that is named with `--fixed-by`, and the walk stays bounded on long histories.
const BLAME_DEPTH: usize = 1000;

/// `named` is the cause unless it reverts something or says it fixes something (and no
/// `--fixed-by` was given): then it is the fix, and the cause is what it undoes.
pub fn resolve(
    repo: &Repo,
    named: CommitStamp,
    fixed_by: Option<&str>,
) -> Result<(CommitStamp, CauseFrom, Option<CommitStamp>)> {
    if let Some(fix) = fixed_by {
        let fix = repo
            .commit_stamp(fix)
            .map_err(|_| anyhow!("--fixed-by `{fix}` does not name a commit here"))?;
        if fix.sha == named.sha {
            bail!(
                "the cause and the fix are the same commit ({})",
                crate::text::short_sha(&fix.sha)
            );
        }
        return Ok((named, CauseFrom::Given, Some(fix)));
    }
    if let Some(target) = crate::history::reverted_by_message(&named.message).first() {
        let cause = repo.commit_stamp(target).map_err(|_| {
            anyhow!(
                "{} reverts commit {target}, which this repository does not have (fetch it, or name the cause and use --fixed-by)",
                crate::text::short_sha(&named.sha)
            )
        })?;
        return Ok((cause, CauseFrom::RevertMessage, Some(named)));
    }
    if crate::history::is_fix_message(&named.summary) {
        return match blamed_cause(repo, &named)? {
            Some((cause, lines)) => Ok((cause, CauseFrom::Blame { lines }, Some(named))),
            None => bail!(
                "{} looks like a fix, but the lines it changes have no earlier change to blame; name the cause: riskgate postmortem CAUSE --fixed-by {}",
                crate::text::short_sha(&named.sha),
                crate::text::short_sha(&named.sha)
            ),
        };
    }
    let fix = later_revert(repo, &named.sha)?;
    Ok((named, CauseFrom::Given, fix))
}

/// A later commit of `HEAD`'s history that reverts `cause`, if any.
fn later_revert(repo: &Repo, cause: &str) -> Result<Option<CommitStamp>> {
    let Some(head) = repo.commit_sha("HEAD") else {
        return Ok(None);
    };
    let mut cache = crate::history::Cache::load(repo);
    let history = crate::history::scan(repo, &head, crate::history::DEFAULT_LIMIT, &mut cache)?;
    let revert = history
        .iter()
        .filter(|(_, f)| f.reverts.iter().any(|r| cause.starts_with(r.as_str())))
        .min_by_key(|(_, f)| f.time);
    revert.map(|(sha, _)| repo.commit_stamp(sha)).transpose()
}

/// The old lines a file's change touches: the lines it removes, or, where it only adds, the
/// lines on either side of the addition.
pub(super) fn touched_old_lines(change: &crate::diff::ChangedFile) -> Vec<u32> {
    let mut lines = Vec::new();
    for hunk in &change.hunks {
        let removed: Vec<u32> = hunk
            .lines
            .iter()
            .filter(|l| l.kind == LineKind::Removed)
            .filter_map(|l| l.old_lineno)
            .collect();
        if removed.is_empty() {
            // A pure addition after old line `old_start` (0: at the top).
            lines.extend([hunk.old_start, hunk.old_start + 1].into_iter().filter(|&l| l > 0));
        } else {
            lines.extend(removed);
        }
    }
    lines.sort_unstable();
    lines.dedup();
    lines
}

/// The last earlier change to the lines `fix` touches, and how many of them point at it.
pub fn blamed_cause(repo: &Repo, fix: &CommitStamp) -> Result<Option<(CommitStamp, usize)>> {
    let Some(parent) = fix.parents.first() else {
        return Ok(None);
    };
    let config = crate::config::Config::default();
    let change: ChangeSet = match repo.read_range(parent, &fix.sha, config.diff.max_file_size)? {
        Loaded::Change(c) => c,
        Loaded::Empty(_) => return Ok(None),
    };
    let oldest = repo.first_parents(parent, BLAME_DEPTH)?.pop();
    let mut votes: BTreeMap<String, usize> = BTreeMap::new();
    let files = change
        .files
        .iter()
        .filter(|f| f.skipped.is_none() && !matches!(f.status, FileStatus::Added))
        .take(MAX_BLAMED_FILES);
    for file in files {
        let old_path = file.old_path.as_deref().unwrap_or(&file.path);
        let lines = touched_old_lines(file);
        // A file blame cannot read (gone, binary, a submodule) just gives no votes.
        for (_, sha) in repo
            .blame_lines(parent, old_path, &lines, oldest.as_deref())
            .unwrap_or_default()
        {
            *votes.entry(sha).or_default() += 1;
        }
    }
    let mut best: Option<(CommitStamp, usize)> = None;
    for (sha, n) in votes {
        let stamp = repo.commit_stamp(&sha)?;
        let newer = best
            .as_ref()
            .is_none_or(|(b, bn)| (stamp.committed, n) > (b.committed, *bn));
        if newer {
            best = Some((stamp, n));
        }
    }
    Ok(best)
}
