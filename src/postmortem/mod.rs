//! `riskgate postmortem`: after an incident, what changed, what riskgate saw at merge time, what
//! the fix touched that no finding pointed at, and what to add so the next one is caught.
//! Blameless: it names commits, never people's judgement.

pub mod cause;
pub mod remedies;
pub mod render;

use crate::diff::git::blame::CommitStamp;
use crate::diff::git::{Loaded, Repo};
use crate::diff::ChangeSet;
use crate::model::Finding;
use crate::pipeline::{self, Inputs, Outcome, RangeSpec};
use crate::policy::{Policy, PolicyChoice};
use crate::registry::RuleSet;
use crate::report::Report;
use anyhow::{anyhow, Result};
use std::path::Path;

/// How far back the first-parent chain is searched for the merge that landed a change.
const LANDING_SEARCH: usize = 100_000;

/// What the command line asks.
#[derive(Debug, Clone)]
pub struct Request {
    /// The cause, or the revert or fix of it.
    pub rev: String,
    pub fixed_by: Option<String>,
}

/// How the causing change was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CauseFrom {
    /// Named on the command line.
    Given,
    /// The revert says `This reverts commit …`.
    RevertMessage,
    /// The last earlier change to the lines the fix touches, and how sure that is.
    Blame(cause::Evidence),
}

/// How the change reached the first-parent line.
#[derive(Debug, Clone)]
pub enum Landing {
    Direct,
    Merge(CommitStamp),
    /// Not on the first-parent line of the fix (or of `HEAD`).
    Unknown,
}

/// A file the fix changed, and which findings of the cause's report pointed at it.
#[derive(Debug, Clone)]
pub struct FixedFile {
    pub path: String,
    pub lines_added: u32,
    pub lines_removed: u32,
    /// `rule:line` of the findings on this file (waived ones included, marked).
    pub findings: Vec<String>,
    /// A finding other than "no test refers to it" pointed at the file.
    pub seen: bool,
}

/// A postmortem, before rendering.
pub struct Postmortem {
    pub cause: CommitStamp,
    pub cause_from: CauseFrom,
    pub fix: Option<CommitStamp>,
    pub fix_is_revert: bool,
    pub landing: Landing,
    /// The range riskgate judged at merge time.
    pub range: (String, String),
    /// The report at merge time, under the base's policy; or why there is none.
    pub report: std::result::Result<Box<Report>, String>,
    /// The committed plan's text, when the report found one in a file.
    pub plan_text: Option<String>,
    /// The files of the change judged at merge time: path, lines added, lines removed.
    pub changed_files: Vec<(String, u32, u32)>,
    pub fixed_files: Vec<FixedFile>,
    pub remedies: Vec<remedies::Remedy>,
}

impl Postmortem {
    /// Whether the cause is known, not a candidate from blame: named, or named by the revert.
    /// Read blind against 24 real fixes, blame's best candidate was the cause 2 times in 11
    /// even with its strongest evidence (docs/postmortem.md): never recorded, never the
    /// source of a rule, until someone names it.
    pub fn cause_is_known(&self) -> bool {
        cause_is_known(&self.cause_from)
    }

    /// The files the fix changed that no finding pointed at.
    pub fn gap(&self) -> impl Iterator<Item = &FixedFile> {
        self.fixed_files.iter().filter(|f| !f.seen)
    }
}

/// Works out the incident from git and replays riskgate on the causing change. `explicit` is
/// `--config`, as for `check`.
pub fn investigate(repo: &Repo, request: &Request, explicit: Option<&Path>) -> Result<Postmortem> {
    let named = repo
        .commit_stamp(&request.rev)
        .map_err(|_| anyhow!("`{}` does not name a commit here", request.rev))?;
    let (cause, cause_from, fix) = cause::resolve(repo, named, request.fixed_by.as_deref())?;
    let fix_is_revert = fix
        .as_ref()
        .is_some_and(|f| !crate::history::reverted_by_message(&f.message).is_empty());
    // The mainline first (a fix branch that pulled main in would show its sync merge as the
    // landing), then HEAD, then the fix's own line.
    let lines: Vec<String> = [
        repo.default_base().ok(),
        Some("HEAD".to_string()),
        fix.as_ref().map(|f| f.sha.clone()),
    ]
    .into_iter()
    .flatten()
    .filter(|rev| {
        repo.commit_sha(rev)
            .is_some_and(|sha| repo.is_ancestor(&cause.sha, &sha))
    })
    .collect();
    let landing = landing(repo, &cause, lines.first().map_or("HEAD", String::as_str))?;
    let range = judged_range(&cause, &landing);
    let judged = judge(repo, &range, explicit);
    let cause_change = read(repo, &range).ok().flatten();
    let fix_change = match &fix {
        Some(f) => read(repo, &(f.parents.first().cloned().unwrap_or_default(), f.sha.clone()))?,
        None => None,
    };
    let (report, plan_text, policy) = match judged {
        Ok((report, plan_text, policy)) => (Ok(report), plan_text, Some(policy)),
        Err(e) => (Err(format!("{e:#}")), None, None),
    };
    let findings: &[Finding] = report.as_ref().map_or(&[], |r| r.findings.as_slice());
    let fixed_files = fix_change.as_ref().map_or_else(Vec::new, |c| fixed_files(c, findings));
    let cause_known = cause_is_known(&cause_from);
    let context = remedies::Context {
        cause: &cause,
        cause_known,
        fix: fix.as_ref(),
        findings,
        fixed_files: &fixed_files,
        cause_change: cause_change.as_ref(),
        fix_change: fix_change.as_ref(),
        config: policy.as_ref().map(|p| &p.config),
    };
    let remedies = remedies::propose(&context);
    let changed_files = cause_change.as_ref().map_or_else(Vec::new, |c| {
        c.files
            .iter()
            .map(|f| (f.path.clone(), f.lines_added, f.lines_removed))
            .collect()
    });
    Ok(Postmortem {
        cause,
        cause_from,
        fix,
        fix_is_revert,
        landing,
        range,
        report,
        plan_text,
        changed_files,
        fixed_files,
        remedies,
    })
}

fn cause_is_known(from: &CauseFrom) -> bool {
    !matches!(from, CauseFrom::Blame(_))
}

fn landing(repo: &Repo, cause: &CommitStamp, head: &str) -> Result<Landing> {
    if cause.parents.len() > 1 {
        return Ok(Landing::Merge(cause.clone()));
    }
    Ok(match repo.landed_by(&cause.sha, head, LANDING_SEARCH)? {
        Some(sha) if sha == cause.sha => Landing::Direct,
        Some(sha) => {
            let merge = repo.commit_stamp(&sha)?;
            if merge.parents.len() > 1 {
                Landing::Merge(merge)
            } else {
                // Landed inside a fast-forwarded or squashed run: judged on its own.
                Landing::Direct
            }
        }
        None => Landing::Unknown,
    })
}

/// What a check saw when the change was merged: the pull request (merge base of the merge's
/// parents to its second parent), or the commit on its own.
fn judged_range(cause: &CommitStamp, landing: &Landing) -> (String, String) {
    match landing {
        Landing::Merge(m) if m.parents.len() > 1 => (m.parents[0].clone(), m.parents[1].clone()),
        _ => (cause.parents.first().cloned().unwrap_or_default(), cause.sha.clone()),
    }
}

fn spec((base, head): &(String, String)) -> RangeSpec {
    if base.is_empty() {
        RangeSpec::FromRoot { head: head.clone() }
    } else {
        RangeSpec::Revisions {
            base: Some(base.clone()),
            head: head.clone(),
        }
    }
}

fn read(repo: &Repo, range: &(String, String)) -> Result<Option<ChangeSet>> {
    let config = crate::config::Config::default();
    Ok(match pipeline::read_change(repo, &config, &spec(range))? {
        Loaded::Change(c) => Some(c),
        Loaded::Empty(_) => None,
    })
}

/// The report under the base's policy, as `check` in CI would have made it: committed plans
/// only, no coverage, the history known at the base.
fn judge(
    repo: &Repo,
    range: &(String, String),
    explicit: Option<&Path>,
) -> Result<(Box<Report>, Option<String>, Policy)> {
    let spec = spec(range);
    let policy = pipeline::policy_for(repo, &spec, PolicyChoice::Base, explicit)?;
    let rules = RuleSet::of(&policy)?;
    let report = match pipeline::run(repo, &policy, &rules, &spec, &Inputs::default())? {
        Outcome::Report(r) => r,
        Outcome::Nothing(msg) => return Err(anyhow!("{msg}")),
    };
    let plan_text = report
        .plan
        .source
        .as_deref()
        .and_then(|s| committed_plan(repo, &report, &range.1, s));
    Ok((report, plan_text, policy))
}

/// The text of the plan the report found: a committed file, or a `Rollback-Plan:` trailer
/// (its value, or the file it names). A plan from a PR body was not kept in git.
fn committed_plan(repo: &Repo, report: &Report, head: &str, source: &str) -> Option<String> {
    let file = |path: &str| match repo.policy_file(head, path, crate::policy::MAX_POLICY_FILE).ok()? {
        crate::diff::git::PolicyBlob::Text(t) => Some(t),
        _ => None,
    };
    if let Some(path) = source.strip_prefix("file:") {
        return file(path);
    }
    let short = source.strip_prefix("trailer:")?;
    let commit = report.commits.iter().find(|c| c.sha.starts_with(short))?;
    let message = repo.commit_stamp(&commit.sha).ok()?.message;
    let value = message
        .lines()
        .rev()
        .find_map(|l| {
            l.split_once(':')
                .filter(|(k, _)| k.trim().eq_ignore_ascii_case("Rollback-Plan"))
        })?
        .1
        .trim()
        .to_string();
    file(&value).or(Some(value))
}

fn fixed_files(fix: &ChangeSet, findings: &[Finding]) -> Vec<FixedFile> {
    fix.files
        .iter()
        .map(|file| {
            let names = [Some(file.path.as_str()), file.old_path.as_deref()];
            let on_file: Vec<&Finding> = findings
                .iter()
                .filter(|f| f.file.is_some() && names.contains(&f.file.as_deref()))
                .collect();
            let seen = on_file.iter().any(|f| f.analyzer != crate::model::Analyzer::Untested);
            let findings = on_file
                .iter()
                .map(|f| {
                    let at = f.line.map(|l| format!(":{l}")).unwrap_or_default();
                    let waived = if f.suppressed.is_some() { " (waived)" } else { "" };
                    format!("{}{at}{waived}", f.rule)
                })
                .collect();
            FixedFile {
                path: file.path.clone(),
                lines_added: file.lines_added,
                lines_removed: file.lines_removed,
                findings,
                seen,
            }
        })
        .collect()
}
