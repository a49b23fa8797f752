//! Which earlier changes turned out bad, for the labels `calibrate` scores against: reverts and
//! recorded incidents (L1), and the changes a later fix points at (L2) — by blaming the lines the
//! fix removes or rewrites (SZZ), or, for a fix that only adds lines, the last change to its
//! files when that change landed at most a week before it (a follow-up fix).
//!
//! `check`'s history factor keeps the cheaper file-level guess (`history::bad_commits`): it runs
//! on every push, and a feature that differed between `check` and `calibrate` would make the
//! fitted weights describe a score nobody sees.

use crate::diff::git::Repo;
use crate::history::{self, szz, Bad, Facts, FileCommits, DAY, LABEL_WINDOW};
use crate::incidents::Incident;
use anyhow::Result;
use std::collections::{BTreeMap, HashMap};

/// A fix that lands this soon after the last change to its files labels that change, even when
/// blame has no removed line to follow.
pub const FOLLOW_UP: i64 = 7 * DAY;

/// The bad changes, and how the fixes were read.
#[derive(Debug, Clone, Default)]
pub struct Labels {
    pub bad: BTreeMap<String, Bad>,
    /// Fixes read (non-merge commits by people whose message says they fix a defect).
    pub fixes: usize,
    /// Of those, fixes whose removed lines blamed at least one earlier change.
    pub blamed: usize,
    /// Fixes with a file that could not be blamed (too large, or blame too slow).
    pub partial: usize,
    /// Every fix that pointed at a change, (when, which): a change whose first fix is one of its
    /// own commits is still labelled by a later fix from outside.
    pub fixes_of: HashMap<String, Vec<(i64, String)>>,
}

/// Labels the `history` (newest first, as scanned); fixes older than `from` are not blamed,
/// since they cannot label a change that was scored.
pub fn label(
    repo: &Repo,
    history: &[(String, Facts)],
    ignore: &[String],
    incidents: &[Incident],
    from: i64,
) -> Result<Labels> {
    // Reverts and incidents; the file-level guess is left to the follow-ups below.
    let mut labels = Labels {
        bad: history::recorded_bad(history, incidents),
        ..Labels::default()
    };
    let facts: HashMap<&str, &Facts> = history.iter().map(|(s, f)| (s.as_str(), f)).collect();
    let commits = FileCommits::of(history, ignore);
    // Oldest fix first, so that a change fixed twice is known bad from its first fix.
    for (sha, f) in history.iter().rev() {
        if !f.fix || f.bot || f.parents.len() != 1 || f.time < from {
            continue;
        }
        labels.fixes += 1;
        let blamed = szz::fix_inducing(repo, sha, &f.parents[0], ignore)?;
        labels.partial += usize::from(blamed.partial);
        let mut causes: Vec<(&str, i64)> = blamed
            .causes
            .iter()
            // Not in the history read: older, it labels no change scored.
            .filter_map(|c| facts.get(c.as_str()).map(|cf| (c.as_str(), cf.time)))
            .filter(|(c, t)| *c != sha.as_str() && *t <= f.time && f.time - t <= LABEL_WINDOW)
            .collect();
        labels.blamed += usize::from(!causes.is_empty());
        if blamed.causes.is_empty() && !blamed.partial && !blamed.sweep {
            // Nothing to blame: the last change to each of its code files, if it came within a
            // week.
            let code = f
                .files
                .iter()
                .filter(|p| !szz::is_bookkeeping(p) && !szz::is_manifest(p));
            for file in code {
                causes.extend(commits.last_before(file, f.time, sha, FOLLOW_UP).map(|(t, c)| (c, t)));
            }
        }
        for (cause, time) in causes {
            labels
                .fixes_of
                .entry(cause.to_string())
                .or_default()
                .push((f.time, sha.clone()));
            // Known bad from its first fix; a revert or an incident keeps its own record.
            labels
                .bad
                .entry(cause.to_string())
                .and_modify(|b| {
                    if !b.reverted && f.time < b.known_at {
                        b.known_at = f.time;
                        b.by = sha.clone();
                    }
                })
                .or_insert(Bad {
                    time,
                    known_at: f.time,
                    by: sha.clone(),
                    reverted: false,
                    incident: false,
                });
        }
    }
    Ok(labels)
}
