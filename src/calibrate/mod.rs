//! `riskgate calibrate`: scores the repository's own first-parent history as each change looked
//! when it landed, labels the changes that were later reverted (L1) or also fixed (L2), and
//! reports how well the score ranks them against simple baselines, on the whole history and on
//! rolling time splits where the context weights are fitted to the past only. With `--write`,
//! stores the fitted weights when they beat the defaults there with an interval above zero.

use crate::config::Config;
use crate::diff::git::{Loaded, Repo};
use crate::history::{self, Facts, FileCommits, LABEL_WINDOW};
use crate::pipeline::{self, Computed, RangeSpec};
use crate::registry::RuleSet;
use crate::score::{features, ChangeFacts};
use anyhow::Result;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};

pub mod labels;
pub mod metrics;
pub mod model;
mod render;

pub use metrics::{auc, average_precision, metrics, paired_auc_difference, Metrics};
pub use model::{fit_and_judge, write_weights};
pub use render::{block_on_score_advice, render, scorers, to_json};

/// One landed change, as scored when it landed, with its labels.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Sample {
    pub sha: String,
    pub time: i64,
    /// The score `check` gives, before rounding to a whole number (ranking by the rounded score
    /// would tie changes the model tells apart).
    pub score: f64,
    pub finding_risk: f64,
    pub lines: f64,
    pub dirs: f64,
    pub features: [f64; 5],
    /// `ln(1 + earlier commits by the change's author)`.
    pub experience: f64,
    /// `ln(1 + commits to the touched files in the 90 days before)`, the change's own aside.
    pub churn: f64,
    pub l1: bool,
    pub l2: bool,
    /// Labelled by an incident recorded in `.riskgate/incidents.toml`.
    pub incident: bool,
    pub bot: bool,
}

pub struct Calibration {
    pub samples: Vec<Sample>,
    pub skipped: usize,
    /// Changes from the last 90 days before the head, not (yet) known bad: their label window
    /// has not closed, so they are left out rather than counted as negatives.
    pub censored: usize,
    /// Fixes read for L2, fixes whose removed lines blamed an earlier change, fixes with a file
    /// blame could not read.
    pub fixes: (usize, usize, usize),
}

/// Per author, the times of their non-merge commits, oldest first; per file, the commits to it.
struct Activity<'h> {
    by_author: HashMap<String, Vec<i64>>,
    by_file: FileCommits<'h>,
}

impl<'h> Activity<'h> {
    fn of(repo: &Repo, hist: &'h [(String, Facts)]) -> Activity<'h> {
        let mut by_author: HashMap<String, Vec<i64>> = HashMap::new();
        for (sha, f) in hist.iter().filter(|(_, f)| f.parents.len() <= 1) {
            if let Ok(c) = repo.history_commit(sha) {
                by_author.entry(c.author).or_default().push(f.time);
            }
        }
        by_author.values_mut().for_each(|v| v.sort_unstable());
        Activity {
            by_author,
            by_file: FileCommits::of(hist, &[]),
        }
    }

    /// `ln(1 + n)`, `n` the author's commits before `at` that are not the change's own.
    fn experience(&self, author: &str, at: i64, own: usize) -> f64 {
        let before = self.by_author.get(author).map_or(0, |t| t.partition_point(|x| *x < at));
        (1.0 + before.saturating_sub(own) as f64).ln()
    }

    /// `ln(1 + n)`, `n` the distinct commits to `files` in the 90 days before `at`, not `own`.
    fn churn(&self, files: &[String], at: i64, own: &HashSet<&str>) -> f64 {
        let mut seen: HashSet<&str> = HashSet::new();
        for file in files.iter().take(500) {
            let recent = self.by_file.between(file, at - LABEL_WINDOW, at);
            seen.extend(recent.iter().map(|(_, s)| *s).filter(|s| !own.contains(s)));
        }
        (1.0 + seen.len() as f64).ln()
    }
}

/// Scores the first-parent history from `head`, oldest first.
pub fn run(
    repo: &Repo,
    config: &Config,
    rules: &RuleSet,
    head: &str,
    limit: usize,
    progress: &dyn Fn(usize, usize),
) -> Result<Calibration> {
    let chain = repo.first_parents(head, limit + 1)?;
    let history_limit = config
        .score
        .history_limit
        .unwrap_or(history::DEFAULT_LIMIT)
        .max(limit * 4);
    let hist = history::scan(repo, head, history_limit, history::Cache::load(repo))?;
    let ignore = repo.blame_ignore_revs(head);
    let incidents = crate::incidents::at_revision(repo, head)?;
    let facts: HashMap<&str, &Facts> = hist.iter().map(|(s, f)| (s.as_str(), f)).collect();
    // The history feature is the one `check` computes; the labels blame lines.
    let known_bad = history::bad_commits(&hist, &ignore, &incidents);
    let oldest = chain.last().and_then(|s| facts.get(s.as_str())).map_or(0, |f| f.time);
    let labels = labels::label(repo, &hist, &ignore, &incidents, oldest)?;
    let bad = &labels.bad;
    let activity = Activity::of(repo, &hist);
    let mut samples = Vec::new();
    let (mut skipped, mut censored) = (0, 0);
    let head_time = chain
        .first()
        .and_then(|h| facts.get(h.as_str()))
        .map_or(i64::MAX, |f| f.time);
    let landed: Vec<&String> = chain.iter().rev().collect();
    for (i, sha) in landed.iter().enumerate() {
        progress(i + 1, landed.len());
        let Some(f) = facts.get(sha.as_str()) else {
            skipped += 1;
            continue;
        };
        let Some(parent) = f.parents.first() else { continue };
        // Labels: this change, or a commit it merged, reverted (L1) or fixed (L2) within 90 days,
        // or recorded as the cause of an incident (both, whenever it was found).
        let mut members = vec![(*sha).clone()];
        if f.parents.len() > 1 {
            members.extend(repo.merged_commits(sha, 200)?);
        }
        // A change's own commits never label it (a pull request that fixes its own bug); a
        // recorded incident does, even one recorded without its fix.
        let within = |at: i64| at >= f.time && at - f.time <= LABEL_WINDOW;
        let label = |reverted_only: bool| {
            members.iter().any(|m| {
                let recorded = bad.get(m).is_some_and(|b| {
                    (b.incident || !members.contains(&b.by))
                        && (b.incident || ((!reverted_only || b.reverted) && within(b.known_at)))
                });
                // Any fix from outside the change, not only the first one.
                let fixed = !reverted_only
                    && labels
                        .fixes_of
                        .get(m)
                        .is_some_and(|list| list.iter().any(|(at, by)| !members.contains(by) && within(*at)));
                recorded || fixed
            })
        };
        // Every change of the last 90 days is left out, bad or not: keeping the ones already
        // known bad would make that stretch all positives. A recorded incident is a label
        // people wrote, whatever the delay, and stays.
        let incident = members.iter().any(|m| bad.get(m).is_some_and(|b| b.incident));
        if f.time > head_time.saturating_sub(LABEL_WINDOW) && !incident {
            censored += 1;
            continue;
        }
        let (l1, l2) = (label(true), label(false));
        let range = RangeSpec::Revisions {
            base: Some(parent.clone()),
            head: (*sha).clone(),
        };
        // A change that cannot be read (objects missing from a shallow or partial clone) is
        // counted as skipped, not fatal.
        let change = match pipeline::read_change(repo, config, &range) {
            Ok(Loaded::Change(c)) => c,
            Ok(Loaded::Empty(_)) | Err(_) => {
                skipped += 1;
                continue;
            }
        };
        // Classified as `check` sees it: the no-tests feature reads the files' kinds.
        let change = crate::classify::Classifier::new(config)?.classify(change);
        let files: Vec<String> = change.files.iter().map(|f| f.path.clone()).collect();
        let history_value = if config.score.no_history || config.score.no_context {
            0.0
        } else {
            history::file_risk(&hist, &known_bad, &files, f.time)
        };
        let computed = Computed {
            history: Some(history_value),
            ..Default::default()
        };
        let report = pipeline::analyze(change.clone(), config, rules, None, None, &computed, || {
            Ok(computed.history)
        })?;
        let mut cf = ChangeFacts::of(&change);
        cf.history = history_value;
        // A bot's pull request merged by a person is the bot's, as `check` sees the branch.
        if f.parents.len() > 1 {
            let branch: Vec<&String> = members
                .iter()
                .filter(|m| **m != **sha && facts.get(m.as_str()).is_some_and(|mf| mf.parents.len() <= 1))
                .collect();
            cf.bot = !branch.is_empty() && branch.iter().all(|m| facts.get(m.as_str()).is_some_and(|mf| mf.bot));
        }
        // The findings unscaled: the model applies the weight of `[score.context] findings`.
        let mut no_ctx = config.score.clone();
        no_ctx.no_context = true;
        no_ctx.context.findings = 1.0;
        let finding_risk = crate::score::score(&report.findings, &cf, &no_ctx).value as f64 / 100.0;
        // A merge is its branch's: the author of the branch's tip, its commits not counted.
        let author_of = f.parents.get(1).unwrap_or(sha);
        let author = repo.history_commit(author_of).map(|c| c.author).unwrap_or_default();
        let own: HashSet<&str> = members.iter().map(String::as_str).collect();
        let own_by_author = own
            .iter()
            .filter(|m| **m != sha.as_str() && facts.get(*m).is_some_and(|mf| mf.parents.len() <= 1))
            .filter(|m| repo.history_commit(m).is_ok_and(|c| c.author == author))
            .count();
        let mut sample = Sample {
            sha: (*sha).clone(),
            time: f.time,
            score: 0.0,
            finding_risk,
            lines: (1.0 + (report.stats.lines_added + report.stats.lines_removed) as f64).ln(),
            dirs: cf.directories as f64,
            features: features(&cf),
            experience: activity.experience(&author, f.time, own_by_author),
            churn: activity.churn(&files, f.time, &own),
            l1,
            l2,
            incident,
            bot: cf.bot,
        };
        sample.score = if config.score.no_context {
            100.0 * finding_risk
        } else {
            100.0 * model::Model::of(&config.score.context).predict(&sample)
        };
        samples.push(sample);
    }
    Ok(Calibration {
        samples,
        skipped,
        censored,
        fixes: (labels.fixes, labels.blamed, labels.partial),
    })
}

/// Counts of the samples a label marks.
fn count(samples: &[Sample], f: fn(&Sample) -> bool) -> usize {
    samples.iter().filter(|s| f(s)).count()
}

/// Per label, the scores of one scorer, for the JSON report.
type PerLabel<T> = BTreeMap<&'static str, BTreeMap<String, T>>;
