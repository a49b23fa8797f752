//! `riskgate calibrate`: scores the repository's own first-parent history as each change looked
//! when it landed, labels the changes that were later reverted (L1) or also fixed (L2), and
//! reports how well the score ranks them against simple baselines. With `--write`, fits the
//! context weights and keeps them only when they beat the defaults on the later, held-back part.

use crate::config::{Config, ContextWeights};
use crate::diff::git::{Loaded, Repo};
use crate::history::{self, Bad, Facts, LABEL_WINDOW};
use crate::pipeline::{self, Computed, RangeSpec};
use crate::registry::RuleSet;
use crate::score::{features, ChangeFacts};
use anyhow::Result;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// One landed change, as scored when it landed, with its labels.
#[derive(Debug, Clone, Serialize)]
pub struct Sample {
    pub sha: String,
    pub time: i64,
    pub score: f64,
    pub finding_risk: f64,
    pub lines: f64,
    pub dirs: f64,
    pub features: [f64; 5],
    pub l1: bool,
    pub l2: bool,
    /// Labelled by an incident recorded in `.riskgate/incidents.toml`.
    pub incident: bool,
    pub bot: bool,
}

/// Ranking quality of one scorer against one label.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Metrics {
    pub auc: f64,
    pub auc_ci: (f64, f64),
    pub pr_auc: f64,
    pub pr_auc_ci: (f64, f64),
    pub precision_top5: f64,
    pub recall_at: [f64; 3],
}

/// ROC AUC by the Mann–Whitney statistic, ties counted half.
pub fn auc(scores: &[f64], labels: &[bool]) -> f64 {
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    idx.sort_by(|a, b| scores[*a].total_cmp(&scores[*b]));
    let (pos, neg) = (
        labels.iter().filter(|l| **l).count() as f64,
        labels.iter().filter(|l| !**l).count() as f64,
    );
    if pos == 0.0 || neg == 0.0 {
        return f64::NAN;
    }
    // Average ranks over ties.
    let mut ranks = vec![0.0; scores.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && scores[idx[j + 1]] == scores[idx[i]] {
            j += 1;
        }
        let r = (i + j) as f64 / 2.0 + 1.0;
        for k in i..=j {
            ranks[idx[k]] = r;
        }
        i = j + 1;
    }
    let sum: f64 = (0..scores.len()).filter(|k| labels[*k]).map(|k| ranks[k]).sum();
    (sum - pos * (pos + 1.0) / 2.0) / (pos * neg)
}

/// Average precision (area under the precision–recall curve), ranking by score descending.
pub fn average_precision(scores: &[f64], labels: &[bool]) -> f64 {
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    idx.sort_by(|a, b| scores[*b].total_cmp(&scores[*a]));
    let pos = labels.iter().filter(|l| **l).count();
    if pos == 0 {
        return f64::NAN;
    }
    let (mut hits, mut sum) = (0.0, 0.0);
    for (rank, k) in idx.iter().enumerate() {
        if labels[*k] {
            hits += 1.0;
            sum += hits / (rank + 1) as f64;
        }
    }
    sum / pos as f64
}

/// Share of positives among the top `share` of changes, and share of positives caught. Changes
/// tied at the cut are taken in expectation (as a random tie-break would on average), not in
/// history order, which would credit whichever label happens to come first.
fn at_top(scores: &[f64], labels: &[bool], share: f64) -> (f64, f64) {
    if scores.is_empty() {
        return (0.0, 0.0);
    }
    let n = ((scores.len() as f64 * share).ceil() as usize).max(1).min(scores.len());
    let mut sorted: Vec<f64> = scores.to_vec();
    sorted.sort_by(|a, b| b.total_cmp(a));
    let cut = sorted[n - 1];
    let (mut above, mut above_pos, mut tied, mut tied_pos) = (0usize, 0usize, 0usize, 0usize);
    for (s, l) in scores.iter().zip(labels) {
        if *s > cut {
            above += 1;
            above_pos += usize::from(*l);
        } else if *s == cut {
            tied += 1;
            tied_pos += usize::from(*l);
        }
    }
    let taken = (n - above) as f64;
    let caught = above_pos as f64 + tied_pos as f64 * taken / tied.max(1) as f64;
    let pos = labels.iter().filter(|l| **l).count().max(1) as f64;
    (caught / n as f64, caught / pos)
}

/// riskgate's ROC AUC minus another scorer's, with the 95 % interval of that difference from
/// 1,000 paired resamples (both scorers on the same resampled changes): the question "is
/// riskgate better than size here" is answered only when the interval excludes zero.
pub fn paired_auc_difference(ours: &[f64], theirs: &[f64], labels: &[bool]) -> (f64, (f64, f64)) {
    let mut rng = XorShift(0x6a09_e667_f3bc_c909);
    let n = labels.len();
    let diff = auc(ours, labels) - auc(theirs, labels);
    let mut values = Vec::with_capacity(1000);
    let (mut a, mut b, mut l) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    for _ in 0..1000 {
        a.clear();
        b.clear();
        l.clear();
        for _ in 0..n {
            let k = (rng.next() % n.max(1) as u64) as usize;
            a.push(ours[k]);
            b.push(theirs[k]);
            l.push(labels[k]);
        }
        let v = auc(&a, &l) - auc(&b, &l);
        if v.is_finite() {
            values.push(v);
        }
    }
    values.sort_by(f64::total_cmp);
    if values.is_empty() {
        return (diff, (f64::NAN, f64::NAN));
    }
    let ci = (
        values[values.len() * 25 / 1000],
        values[(values.len() * 975 / 1000).min(values.len() - 1)],
    );
    (diff, ci)
}

/// A small deterministic generator, so that reruns print the same intervals.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn float(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn bootstrap(scores: &[f64], labels: &[bool], f: fn(&[f64], &[bool]) -> f64) -> (f64, f64) {
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let n = scores.len();
    let mut values = Vec::new();
    for _ in 0..200 {
        let (mut s, mut l) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for _ in 0..n {
            let k = (rng.next() % n as u64) as usize;
            s.push(scores[k]);
            l.push(labels[k]);
        }
        let v = f(&s, &l);
        if v.is_finite() {
            values.push(v);
        }
    }
    values.sort_by(f64::total_cmp);
    if values.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    (
        values[values.len() * 25 / 1000],
        values[(values.len() * 975 / 1000).min(values.len() - 1)],
    )
}

pub fn metrics(scores: &[f64], labels: &[bool]) -> Metrics {
    let (p5, r5) = at_top(scores, labels, 0.05);
    let (_, r10) = at_top(scores, labels, 0.10);
    let (_, r25) = at_top(scores, labels, 0.25);
    Metrics {
        auc: auc(scores, labels),
        auc_ci: bootstrap(scores, labels, auc),
        pr_auc: average_precision(scores, labels),
        pr_auc_ci: bootstrap(scores, labels, average_precision),
        precision_top5: p5,
        recall_at: [r5, r10, r25],
    }
}

/// The score as `P = 1 − (1 − R_find)(1 − R_ctx(w))`, for fitting and held-out comparison.
fn predict(s: &Sample, w: &ContextWeights) -> f64 {
    let z = w.intercept
        + w.size * s.features[0]
        + w.spread * s.features[1]
        + w.entropy * s.features[2]
        + w.no_tests * s.features[3]
        + w.history * s.features[4];
    let ctx = w.cap * (1.0 / (1.0 + (-z).exp()));
    1.0 - (1.0 - s.finding_risk) * (1.0 - ctx)
}

/// L2-regularised maximum likelihood of the context weights, by gradient descent with
/// numerical gradients (six parameters; the samples are few).
pub fn fit(train: &[Sample], label: fn(&Sample) -> bool, start: ContextWeights) -> ContextWeights {
    let loss = |w: &ContextWeights| -> f64 {
        let nll: f64 = train
            .iter()
            .map(|s| {
                let p = predict(s, w).clamp(1e-6, 1.0 - 1e-6);
                if label(s) {
                    -p.ln()
                } else {
                    -(1.0 - p).ln()
                }
            })
            .sum::<f64>()
            / train.len().max(1) as f64;
        let reg =
            0.01 * (w.size.powi(2) + w.spread.powi(2) + w.entropy.powi(2) + w.no_tests.powi(2) + w.history.powi(2));
        nll + reg
    };
    let get = |w: &ContextWeights, i: usize| [w.intercept, w.size, w.spread, w.entropy, w.no_tests, w.history][i];
    let set = |w: &mut ContextWeights, i: usize, v: f64| match i {
        0 => w.intercept = v,
        1 => w.size = v,
        2 => w.spread = v,
        3 => w.entropy = v,
        4 => w.no_tests = v,
        _ => w.history = v,
    };
    let mut w = start;
    let mut rate = 0.5;
    let mut current = loss(&w);
    for _ in 0..400 {
        let mut grad = [0.0; 6];
        for (i, g) in grad.iter_mut().enumerate() {
            let mut up = w;
            set(&mut up, i, get(&w, i) + 1e-4);
            *g = (loss(&up) - current) / 1e-4;
        }
        let mut next = w;
        for (i, g) in grad.iter().enumerate() {
            set(&mut next, i, get(&w, i) - rate * g);
        }
        let l = loss(&next);
        if l < current {
            w = next;
            current = l;
        } else {
            rate /= 2.0;
            if rate < 1e-6 {
                break;
            }
        }
    }
    w
}

pub struct Calibration {
    pub samples: Vec<Sample>,
    pub skipped: usize,
    /// Changes from the last 90 days before the head, not (yet) known bad: their label window
    /// has not closed, so they are left out rather than counted as negatives.
    pub censored: usize,
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
    let mut cache = history::Cache::load(repo);
    let hist = history::scan(repo, head, history_limit, &mut cache)?;
    let ignore = repo.blame_ignore_revs(head);
    let incidents = crate::incidents::at_revision(repo, head)?;
    let bad: BTreeMap<String, Bad> = history::bad_commits(&hist, &ignore, &incidents);
    let facts: HashMap<&str, &Facts> = hist.iter().map(|(s, f)| (s.as_str(), f)).collect();
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
        let label = |reverted_only: bool| {
            members.iter().any(|m| {
                bad.get(m).is_some_and(|b| {
                    (b.incident || !members.contains(&b.by))
                        && (b.incident
                            || ((!reverted_only || b.reverted)
                                && b.known_at - f.time <= LABEL_WINDOW
                                && b.known_at >= f.time))
                })
            })
        };
        let (l1, l2) = (label(true), label(false));
        if !l2 && f.time > head_time.saturating_sub(LABEL_WINDOW) {
            censored += 1;
            continue;
        }
        let incident = members.iter().any(|m| bad.get(m).is_some_and(|b| b.incident));
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
            history::file_risk(&hist, &bad, &files, f.time)
        };
        let computed = Computed {
            history: Some(history_value),
            ..Default::default()
        };
        let report = pipeline::analyze(change.clone(), config, rules, None, None, &computed)?;
        let mut cf = ChangeFacts::of(&change);
        cf.history = history_value;
        let mut no_ctx = config.score.clone();
        no_ctx.no_context = true;
        let finding_risk = crate::score::score(&report.findings, &cf, &no_ctx).value as f64 / 100.0;
        samples.push(Sample {
            sha: (*sha).clone(),
            time: f.time,
            score: report.score.value as f64,
            finding_risk,
            lines: (1.0 + (report.stats.lines_added + report.stats.lines_removed) as f64).ln(),
            dirs: cf.directories as f64,
            features: features(&cf),
            l1,
            l2,
            incident,
            bot: f.bot,
        });
    }
    Ok(Calibration {
        samples,
        skipped,
        censored,
    })
}

/// Scores of each scorer for the samples: riskgate, log(LA+LD), directories, not a bot ×
/// (1 + directories) (a zero-parameter baseline that beat riskgate on three histories), random.
pub fn scorers(samples: &[Sample]) -> Vec<(&'static str, Vec<f64>)> {
    let mut rng = XorShift(0x2545_f491_4f6c_dd1d);
    vec![
        ("riskgate", samples.iter().map(|s| s.score).collect()),
        ("log(LA+LD)", samples.iter().map(|s| s.lines).collect()),
        ("directories", samples.iter().map(|s| s.dirs).collect()),
        (
            "not-bot×dirs",
            samples.iter().map(|s| if s.bot { 0.0 } else { 1.0 + s.dirs }).collect(),
        ),
        ("random", samples.iter().map(|_| rng.float()).collect()),
    ]
}

fn fmt(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.3}")
    } else {
        "n/a".into()
    }
}

/// The text report: one table per label.
pub fn render(cal: &Calibration) -> String {
    let s = &cal.samples;
    let mut out = format!(
        "{} landed changes scored ({} skipped, {} of the last 90 days left out: their window is open); L1 (reverted within 90 days, or a recorded incident): {} ({} by bots, {} recorded incidents); L2 (L1 or fixed within 90 days): {} ({} by bots)\n",
        s.len(),
        cal.skipped,
        cal.censored,
        s.iter().filter(|x| x.l1).count(),
        s.iter().filter(|x| x.l1 && x.bot).count(),
        s.iter().filter(|x| x.incident).count(),
        s.iter().filter(|x| x.l2).count(),
        s.iter().filter(|x| x.l2 && x.bot).count(),
    );
    for (name, label) in [
        ("L1", (|x: &Sample| x.l1) as fn(&Sample) -> bool),
        ("L2", |x: &Sample| x.l2),
    ] {
        let labels: Vec<bool> = s.iter().map(label).collect();
        out.push_str(&format!("\n{name}\n| scorer | ROC AUC (95% CI) | PR-AUC (95% CI) | precision top 5% | caught gating top 5% / 10% / 25% |\n|---|---|---|---|---|\n"));
        for (scorer, scores) in scorers(s) {
            let m = metrics(&scores, &labels);
            out.push_str(&format!(
                "| {scorer} | {} ({}–{}) | {} ({}–{}) | {} | {} / {} / {} |\n",
                fmt(m.auc),
                fmt(m.auc_ci.0),
                fmt(m.auc_ci.1),
                fmt(m.pr_auc),
                fmt(m.pr_auc_ci.0),
                fmt(m.pr_auc_ci.1),
                fmt(m.precision_top5),
                fmt(m.recall_at[0]),
                fmt(m.recall_at[1]),
                fmt(m.recall_at[2])
            ));
        }
        out.push('\n');
        let positives = labels.iter().filter(|l| **l).count();
        if positives < 30 {
            out.push_str(&format!(
                "warning: only {positives} {name} positives; intervals this wide decide little (about 30 are needed)\n"
            ));
        }
        out.push_str(&paired_lines(s, &labels));
    }
    out.push('\n');
    out.push_str(&block_on_score_advice(cal));
    out
}

/// One line per baseline: riskgate's AUC minus the baseline's, its paired interval, the verdict.
fn paired_lines(samples: &[Sample], labels: &[bool]) -> String {
    let all = scorers(samples);
    let ours = &all[0].1;
    let mut out = String::new();
    for (name, theirs) in all.iter().skip(1).filter(|(n, _)| *n != "random") {
        let (d, (lo, hi)) = paired_auc_difference(ours, theirs, labels);
        let verdict = if lo > 0.0 {
            "riskgate ranks better"
        } else if hi < 0.0 {
            "riskgate ranks worse"
        } else {
            "no difference shown"
        };
        out.push_str(&format!(
            "riskgate − {name}: ΔAUC {d:+.3} (95% CI {lo:+.3} to {hi:+.3}, 1,000 paired resamples): {verdict}\n"
        ));
    }
    out
}

/// Whether this history supports `[gate] block_on_score`: the score must separate the changes
/// that were later reverted or fixed clearly (the lower end of its ROC AUC interval at 0.6 or
/// more) and better than the size of the change alone does. Says which, with the figures.
pub fn block_on_score_advice(cal: &Calibration) -> String {
    let s = &cal.samples;
    let (name, labels): (&str, Vec<bool>) = if s.iter().filter(|x| x.l2).count() >= 5 {
        ("L2", s.iter().map(|x| x.l2).collect())
    } else {
        ("L1", s.iter().map(|x| x.l1).collect())
    };
    let positives = labels.iter().filter(|l| **l).count();
    if positives < 5 {
        return format!(
            "gate.block_on_score: not supported by this history ({positives} reverted or fixed changes; at least 5 are needed to judge the score)\n"
        );
    }
    let all = scorers(s);
    let ours = metrics(&all[0].1, &labels);
    // Better than the size of the change and than not-bot × directories, each on the same
    // resampled changes; a point estimate above them is not enough.
    let (vs_size, (size_lo, size_hi)) = paired_auc_difference(&all[0].1, &all[1].1, &labels);
    let (vs_dirs, (dirs_lo, dirs_hi)) = paired_auc_difference(&all[0].1, &all[3].1, &labels);
    let supported = ours.auc_ci.0 >= 0.6 && size_lo > 0.0 && dirs_lo > 0.0;
    format!(
        "gate.block_on_score: {} by this history ({name}: riskgate's ROC AUC {} (95% CI {}–{}); against the size of the change {vs_size:+.3} ({size_lo:+.3} to {size_hi:+.3}), against not-bot × directories {vs_dirs:+.3} ({dirs_lo:+.3} to {dirs_hi:+.3}), paired{})\n",
        if supported { "supported" } else { "not supported" },
        fmt(ours.auc),
        fmt(ours.auc_ci.0),
        fmt(ours.auc_ci.1),
        if supported {
            "; a level where the top 5 % of changes start is a reasonable setting"
        } else {
            "; keep it off: the score ranks and explains, gating findings block"
        }
    )
}

/// Fits the context weights on the earlier 70 % and compares them with the defaults on the
/// later 30 %; `Some(weights)` only when they rank the held-back changes better.
pub fn fit_and_compare(cal: &Calibration, defaults: ContextWeights) -> (Option<ContextWeights>, f64, f64) {
    let mut samples = cal.samples.clone();
    samples.sort_by_key(|s| s.time);
    let cut = samples.len() * 7 / 10;
    let (train, test) = samples.split_at(cut);
    let label: fn(&Sample) -> bool = if train.iter().filter(|s| s.l2).count() >= 5 {
        |s| s.l2
    } else {
        |s| s.l1
    };
    let labels: Vec<bool> = test.iter().map(label).collect();
    let fitted = fit(train, label, defaults);
    let base = auc(&test.iter().map(|s| predict(s, &defaults)).collect::<Vec<_>>(), &labels);
    let new = auc(&test.iter().map(|s| predict(s, &fitted)).collect::<Vec<_>>(), &labels);
    let better = new.is_finite() && base.is_finite() && new > base;
    (better.then_some(fitted), base, new)
}

/// Writes `[score.context]` into riskgate.toml, replacing an earlier one.
pub fn write_weights(path: &std::path::Path, w: &ContextWeights) -> Result<()> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut kept = Vec::new();
    let mut skipping = false;
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with('[') {
            skipping = t == "[score.context]";
        }
        if !skipping {
            kept.push(line);
        }
    }
    let mut out = kept.join("\n").trim_end().to_string();
    out.push_str(&format!(
        "\n\n# Fitted by `riskgate calibrate --write` on this repository's history.\n[score.context]\nintercept = {:.4}\nsize = {:.4}\nspread = {:.4}\nentropy = {:.4}\nno_tests = {:.4}\nhistory = {:.4}\ncap = {:.4}\n",
        w.intercept, w.size, w.spread, w.entropy, w.no_tests, w.history, w.cap
    ));
    std::fs::write(path, out.trim_start())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_and_average_precision() {
        let labels = [false, false, true, true];
        assert_eq!(auc(&[0.1, 0.2, 0.8, 0.9], &labels), 1.0);
        // A paired difference: the same scorer is no better than itself; a perfect ranking is
        // better than a reversed one with an interval that excludes zero.
        let labels20: Vec<bool> = (0..20).map(|i| i % 4 == 0).collect();
        let perfect: Vec<f64> = labels20.iter().map(|l| f64::from(u8::from(*l))).collect();
        let reversed: Vec<f64> = perfect.iter().map(|p| 1.0 - p).collect();
        assert_eq!(paired_auc_difference(&perfect, &perfect, &labels20), (0.0, (0.0, 0.0)));
        let (d, (lo, _)) = paired_auc_difference(&perfect, &reversed, &labels20);
        assert_eq!(d, 1.0);
        assert!(lo > 0.0, "{lo}");
        // Ties at the cut count in expectation, not in history order.
        assert_eq!(at_top(&[1.0; 4], &[true, false, false, false], 0.25), (0.25, 0.25));
        assert_eq!(
            at_top(&[0.9, 0.5, 0.5, 0.1], &[false, true, false, true], 0.5),
            (0.25, 0.25)
        );
        assert_eq!(auc(&[0.9, 0.8, 0.2, 0.1], &labels), 0.0);
        assert_eq!(auc(&[0.5, 0.5, 0.5, 0.5], &labels), 0.5);
        assert_eq!(average_precision(&[0.1, 0.2, 0.8, 0.9], &labels), 1.0);
        assert!((average_precision(&[0.9, 0.1, 0.8, 0.2], &labels) - (0.5 + 2.0 / 3.0) / 2.0).abs() < 1e-9);
        assert!(auc(&[0.1], &[true]).is_nan());
    }

    fn sample(score: f64, lines: f64, bad: bool) -> Sample {
        Sample {
            sha: String::new(),
            time: 0,
            score,
            finding_risk: 0.0,
            lines,
            dirs: 0.0,
            features: [0.0; 5],
            l1: bad,
            l2: bad,
            incident: false,
            bot: false,
        }
    }

    #[test]
    fn block_on_score_is_supported_only_when_the_score_separates_bad_changes() {
        // The score puts every bad change on top; size is noise.
        let good: Vec<Sample> = (0..60)
            .map(|i| sample(if i % 6 == 0 { 90.0 } else { 10.0 }, (i % 7) as f64, i % 6 == 0))
            .collect();
        let cal = Calibration {
            samples: good,
            skipped: 0,
            censored: 0,
        };
        assert!(
            block_on_score_advice(&cal).starts_with("gate.block_on_score: supported"),
            "{}",
            block_on_score_advice(&cal)
        );
        // A score that is noise.
        let noise: Vec<Sample> = (0..60)
            .map(|i| sample((i * 37 % 11) as f64, (i % 7) as f64, i % 6 == 0))
            .collect();
        let cal = Calibration {
            samples: noise,
            skipped: 0,
            censored: 0,
        };
        assert!(
            block_on_score_advice(&cal).starts_with("gate.block_on_score: not supported"),
            "{}",
            block_on_score_advice(&cal)
        );
        // A score no better than not-bot × directories, which sees the same bad changes.
        let as_good_as_dirs: Vec<Sample> = (0..60)
            .map(|i| {
                let mut s = sample(if i % 6 == 0 { 90.0 } else { 10.0 }, (i % 7) as f64, i % 6 == 0);
                s.dirs = if i % 6 == 0 { 5.0 } else { 1.0 };
                s
            })
            .collect();
        let cal = Calibration {
            samples: as_good_as_dirs,
            skipped: 0,
            censored: 0,
        };
        assert!(
            block_on_score_advice(&cal).starts_with("gate.block_on_score: not supported"),
            "{}",
            block_on_score_advice(&cal)
        );
        let none = Calibration {
            samples: vec![sample(1.0, 1.0, false); 10],
            skipped: 0,
            censored: 0,
        };
        assert!(block_on_score_advice(&none).contains("at least 5 are needed"));
    }

    #[test]
    fn fitting_improves_likelihood_on_separable_data() {
        let mk = |size: f64, y: bool| Sample {
            sha: String::new(),
            time: 0,
            score: 0.0,
            finding_risk: 0.0,
            lines: 0.0,
            dirs: 0.0,
            features: [size, 0.0, 0.0, 0.0, 0.0],
            l1: y,
            l2: y,
            incident: false,
            bot: false,
        };
        let train: Vec<Sample> = (0..40).map(|i| mk(i as f64 / 4.0, i >= 30)).collect();
        let w = fit(&train, |s| s.l2, ContextWeights::default());
        assert!(w.size > ContextWeights::default().size, "{w:?}");
    }
}
