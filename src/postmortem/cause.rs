//! Which change caused the incident and which one fixed it, from what the user named.

use super::CauseFrom;
use crate::diff::git::blame::CommitStamp;
use crate::diff::git::{Loaded, Repo};
use crate::diff::{ChangeSet, FileStatus};
use crate::history::szz::{
    behaviour_lines, is_bookkeeping, is_cosmetic, is_manifest, touched_old_lines, MAX_BLAMED_BYTES,
};
use anyhow::{anyhow, bail, Result};
use std::collections::BTreeMap;

/// At most this many files of a fix are blamed (a fix is small; a huge one is not a fix).
const MAX_BLAMED_FILES: usize = 50;

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
        if repo.is_ancestor(&fix.sha, &named.sha) {
            bail!(
                "--fixed-by {} is older than the cause {} (its ancestor): swap them?",
                crate::text::short_sha(&fix.sha),
                crate::text::short_sha(&named.sha)
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
        if !repo.is_ancestor(&cause.sha, &named.sha) {
            bail!(
                "{} says it reverts commit {}, which is not in its history (a squashed branch that reverted one of its own commits?); name the cause and use --fixed-by",
                crate::text::short_sha(&named.sha),
                crate::text::short_sha(&cause.sha)
            );
        }
        return Ok((cause, CauseFrom::RevertMessage, Some(named)));
    }
    if crate::history::is_fix_message(&named.summary) {
        return match blamed_cause(repo, &named)? {
            Some((cause, evidence)) => Ok((cause, CauseFrom::Blame(evidence), Some(named))),
            None => bail!(
                "{} looks like a fix, but the lines it changes point at no earlier change that is not formatting, a lint pass or a version bump; name the cause: riskgate postmortem CAUSE --fixed-by {}",
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
    let history = crate::history::scan(
        repo,
        &head,
        crate::history::DEFAULT_LIMIT,
        crate::history::Cache::load(repo),
    )?;
    let revert = history
        .iter()
        .filter(|(_, f)| f.reverts.iter().any(|r| cause.starts_with(r.as_str())))
        .min_by_key(|(_, f)| f.time);
    revert.map(|(sha, _)| repo.commit_stamp(sha)).transpose()
}

/// Why the blamed cause is named: how many of the lines the fix removes or rewrites point at
/// it (`removed`: the evidence SZZ trusts), or, when the fix only adds, how many of the lines
/// beside its additions do (`beside`: a guess). `others` are the next candidates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    pub removed: usize,
    pub beside: usize,
    pub others: Vec<(CommitStamp, usize)>,
    /// Another candidate has as many lines.
    pub tied: bool,
    /// The cause is more than a year older than the fix: the defect may have been there from
    /// the start rather than brought by a change.
    pub long_standing: bool,
    /// Files of the fix that could not be blamed (too large, or blame too slow).
    pub unread: Vec<String>,
}

/// A year: a cause older than this is more likely a long-standing defect than a regression.
const LONG_STANDING: i64 = 365 * 86_400;

/// sha → (lines the fix removes or rewrites, lines beside its additions) that it last changed;
/// and the files that could not be blamed (too large, too slow), which the draft names.
type Votes = (BTreeMap<String, (usize, usize)>, Vec<String>);

/// How long blame may take for one postmortem, all files together.
const BLAME_BUDGET: std::time::Duration = std::time::Duration::from_secs(30);

struct BlameRun<'a> {
    repo: &'a Repo,
    parent: &'a str,
    deadline: std::time::Instant,
}

fn blame_votes(run: &BlameRun<'_>, files: &[&crate::diff::ChangedFile], ignore: &[String], skip: &[String]) -> Votes {
    let mut votes: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut unread = Vec::new();
    for file in files {
        if skip.contains(&file.path) {
            unread.push(file.path.clone());
            continue;
        }
        let old_path = file.old_path.as_deref().unwrap_or(&file.path);
        let old_text = file.old_text.get().unwrap_or("");
        if old_text.len() > MAX_BLAMED_BYTES {
            unread.push(file.path.clone());
            continue;
        }
        let (removed, beside) = touched_old_lines(file);
        for (lines, strong) in [(removed, true), (beside, false)] {
            let lines = behaviour_lines(old_text, lines);
            let Ok(blamed) = run.repo.blame_lines(run.parent, old_path, &lines, ignore, run.deadline) else {
                unread.push(file.path.clone());
                continue;
            };
            for (_, sha) in blamed {
                let v = votes.entry(sha).or_default();
                if strong {
                    v.0 += 1;
                } else {
                    v.1 += 1;
                }
            }
        }
    }
    unread.dedup();
    (votes, unread)
}

/// The last earlier change to the lines `fix` removes or rewrites (or, when it only adds, to
/// the lines beside its additions), leaving out bookkeeping files, lines that carry no
/// behaviour and cosmetic commits; the candidate with the most lines wins, the newest on a tie.
pub fn blamed_cause(repo: &Repo, fix: &CommitStamp) -> Result<Option<(CommitStamp, Evidence)>> {
    let Some(parent) = fix.parents.first() else {
        return Ok(None);
    };
    let config = crate::config::Config::default();
    let change: ChangeSet = match repo.read_range(parent, &fix.sha, config.diff.max_file_size)? {
        Loaded::Change(c) => c,
        Loaded::Empty(_) => return Ok(None),
    };
    let readable = |f: &&crate::diff::ChangedFile| {
        f.skipped.is_none() && !matches!(f.status, FileStatus::Added) && !is_bookkeeping(&f.path)
    };
    let code: Vec<&crate::diff::ChangedFile> = change
        .files
        .iter()
        .filter(readable)
        .filter(|f| !is_manifest(&f.path))
        .take(MAX_BLAMED_FILES)
        .collect();
    let manifests: Vec<&crate::diff::ChangedFile> = change
        .files
        .iter()
        .filter(readable)
        .filter(|f| is_manifest(&f.path))
        .take(MAX_BLAMED_FILES)
        .collect();
    let run = BlameRun {
        repo,
        parent,
        deadline: std::time::Instant::now() + BLAME_BUDGET,
    };
    let mut ignore = repo.blame_ignore_revs(parent);
    let mut files = code;
    let (mut votes, mut unread) = blame_votes(&run, &files, &ignore, &[]);
    if votes.is_empty() {
        files = manifests;
        (votes, unread) = blame_votes(&run, &files, &ignore, &[]);
    }
    // Look through cosmetic commits to what they reformatted, once (git's --ignore-rev).
    let mut cosmetic = Vec::new();
    for sha in votes.keys() {
        if is_cosmetic(&repo.commit_stamp(sha)?.summary) {
            cosmetic.push(sha.clone());
        }
    }
    if !cosmetic.is_empty() {
        ignore.extend(cosmetic);
        let skip = unread.clone();
        (votes, unread) = blame_votes(&run, &files, &ignore, &skip);
    }
    let strong = votes.values().any(|v| v.0 > 0);
    let mut ranked: Vec<(CommitStamp, usize, usize)> = Vec::new();
    for (sha, (removed, beside)) in votes {
        let stamp = repo.commit_stamp(&sha)?;
        if is_cosmetic(&stamp.summary) || (strong && removed == 0) {
            continue;
        }
        ranked.push((stamp, removed, beside));
    }
    ranked.sort_by(|a, b| {
        let key = |c: &(CommitStamp, usize, usize)| (if strong { c.1 } else { c.2 }, c.0.committed);
        key(b).cmp(&key(a))
    });
    let count = |c: &(CommitStamp, usize, usize)| if strong { c.1 } else { c.2 };
    let tied = ranked.len() > 1 && count(&ranked[0]) == count(&ranked[1]);
    let mut ranked = ranked.into_iter();
    Ok(ranked.next().map(|(cause, removed, beside)| {
        let others = ranked.take(3).map(|c| (c.0.clone(), count(&c))).collect();
        let long_standing = fix.committed - cause.committed > LONG_STANDING;
        (
            cause,
            Evidence {
                removed,
                beside: if strong { 0 } else { beside },
                others,
                tied,
                long_standing,
                unread,
            },
        )
    }))
}
