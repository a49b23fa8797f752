//! What `calibrate` prints: per label, each scorer's ranking quality and riskgate's paired
//! difference from each baseline; then the rolling time splits, where the weights are fitted to
//! the past only; then whether this history supports `[gate] block_on_score`. Text and JSON say
//! the same.

use super::metrics::{at_top, metrics, paired_auc_difference, Metrics, XorShift};
use super::model::{self, Features, Model};
use super::{count, Calibration, PerLabel, Sample};
use crate::config::ContextWeights;
use std::collections::BTreeMap;

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
pub fn render(cal: &Calibration, weights: &ContextWeights) -> String {
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
    out.push_str(&format!(
        "L2's fixes: {} read, {} whose removed or rewritten lines blame an earlier change (SZZ), {} with a file blame could not read; a fix that only adds lines labels the last change to its files when it came at most 7 days before\n",
        cal.fixes.0, cal.fixes.1, cal.fixes.2
    ));
    for (name, label) in [
        ("L1", (|x: &Sample| x.l1) as fn(&Sample) -> bool),
        ("L2", |x: &Sample| x.l2),
    ] {
        let labels: Vec<bool> = s.iter().map(label).collect();
        out.push_str(&format!("\n{name}\n| scorer | ROC AUC (95% CI) | PR-AUC (95% CI) | precision top 5% | caught gating top 5% / 10% (95% CI) / 25% |\n|---|---|---|---|---|\n"));
        for (scorer, scores) in scorers(s) {
            let m = metrics(&scores, &labels);
            out.push_str(&format!(
                "| {scorer} | {} ({}–{}) | {} ({}–{}) | {} | {} / {} ({}–{}) / {} |\n",
                fmt(m.auc),
                fmt(m.auc_ci.0),
                fmt(m.auc_ci.1),
                fmt(m.pr_auc),
                fmt(m.pr_auc_ci.0),
                fmt(m.pr_auc_ci.1),
                fmt(m.precision_top5),
                fmt(m.recall_at[0]),
                fmt(m.recall_at[1]),
                fmt(m.recall_at10_ci.0),
                fmt(m.recall_at10_ci.1),
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
    out.push_str(&rolling_text(&cal.samples, weights));
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
    let (name, label) = model::fit_label(s);
    let labels: Vec<bool> = s.iter().map(label).collect();
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

/// The rolling splits of the label a fit learns: each scorer on the changes tested, and the
/// paired differences that decide whether fitting helps and whether it beats the baselines.
struct RollingFigures {
    label: &'static str,
    tested: usize,
    /// (scorer, ROC AUC, share caught gating the top 10 %), on the changes tested.
    rows: Vec<(&'static str, f64, f64)>,
    /// (first, second, ΔAUC, interval).
    paired: Vec<(&'static str, &'static str, f64, (f64, f64))>,
}

fn rolling_figures(samples: &[Sample], weights: &ContextWeights) -> RollingFigures {
    let (name, label) = model::fit_label(samples);
    let start = Model::of(weights);
    let check = model::rolling(samples, label, start, Features::Check);
    let wider = model::rolling(samples, label, start, Features::WithChangeMetrics);
    let labels: Vec<bool> = check.tested.iter().map(|i| label(&samples[*i])).collect();
    let all = scorers(samples);
    let pick = |scores: &Vec<f64>| -> Vec<f64> { check.tested.iter().map(|i| scores[*i]).collect() };
    let mut columns: Vec<(&'static str, Vec<f64>)> = vec![
        ("riskgate, default weights", check.defaults.clone()),
        ("riskgate, fitted", check.fitted.clone()),
        ("riskgate + change metrics, fitted", wider.fitted.clone()),
    ];
    columns.extend(
        all.iter()
            .skip(1)
            .filter(|(n, _)| *n != "random")
            .map(|(n, s)| (*n, pick(s))),
    );
    let rows = columns
        .iter()
        .map(|(n, s)| (*n, super::metrics::auc(s, &labels), at_top(s, &labels, 0.10).1))
        .collect();
    let mut paired = Vec::new();
    let mut pair = |a: usize, b: usize| {
        let (d, ci) = paired_auc_difference(&columns[a].1, &columns[b].1, &labels);
        paired.push((columns[a].0, columns[b].0, d, ci));
    };
    pair(1, 0);
    pair(2, 1);
    for baseline in 3..columns.len() {
        pair(1, baseline);
        pair(2, baseline);
    }
    RollingFigures {
        label: name,
        tested: labels.len(),
        rows,
        paired,
    }
}

fn verdict(lo: f64, hi: f64) -> &'static str {
    if lo > 0.0 {
        "better"
    } else if hi < 0.0 {
        "worse"
    } else {
        "no difference shown"
    }
}

fn rolling_text(samples: &[Sample], weights: &ContextWeights) -> String {
    let r = rolling_figures(samples, weights);
    if r.tested == 0 {
        return "Rolling time splits: too few changes, or positives, before the later 60 % to fit on (at least 100 changes and 5 positives 90 days before a block)\n".into();
    }
    let mut out = format!(
        "Rolling time splits ({}; 5 blocks over the later 60 % of the changes, each fitted on the changes that landed at least 90 days before it): {} changes tested\n| scorer | ROC AUC | caught gating top 10% |\n|---|---|---|\n",
        r.label, r.tested
    );
    for (name, auc, caught) in &r.rows {
        out.push_str(&format!("| {name} | {} | {} |\n", fmt(*auc), fmt(*caught)));
    }
    for (a, b, d, (lo, hi)) in &r.paired {
        out.push_str(&format!(
            "{a} − {b}: ΔAUC {d:+.3} (95% CI {lo:+.3} to {hi:+.3}): {}\n",
            verdict(*lo, *hi)
        ));
    }
    out.push_str("(the change metrics — the author's earlier commits, the touched files' commits in the 90 days before — are not part of `check`'s score; `--write` fits only the weights `check` reads)\n");
    out
}

/// The JSON report: the same figures as the text.
pub fn to_json(cal: &Calibration, weights: &ContextWeights) -> serde_json::Value {
    let mut per: PerLabel<Metrics> = BTreeMap::new();
    let mut paired: PerLabel<serde_json::Value> = BTreeMap::new();
    let all = scorers(&cal.samples);
    for (label, f) in [("L1", (|s: &Sample| s.l1) as fn(&Sample) -> bool), ("L2", |s| s.l2)] {
        let labels: Vec<bool> = cal.samples.iter().map(f).collect();
        per.insert(
            label,
            all.iter()
                .map(|(n, sc)| (n.to_string(), metrics(sc, &labels)))
                .collect(),
        );
        paired.insert(
            label,
            all.iter()
                .skip(1)
                .map(|(name, theirs)| {
                    let (d, ci) = paired_auc_difference(&all[0].1, theirs, &labels);
                    (
                        name.to_string(),
                        serde_json::json!({"auc_difference": d, "ci": [ci.0, ci.1]}),
                    )
                })
                .collect(),
        );
    }
    let r = rolling_figures(&cal.samples, weights);
    let rolling = serde_json::json!({
        "label": r.label,
        "tested": r.tested,
        "scorers": r.rows.iter().map(|(n, auc, caught)| (n.to_string(), serde_json::json!({"auc": auc, "recall_at_10": caught}))).collect::<BTreeMap<_, _>>(),
        "paired": r.paired.iter().map(|(a, b, d, ci)| serde_json::json!({"first": a, "second": b, "auc_difference": d, "ci": [ci.0, ci.1]})).collect::<Vec<_>>(),
    });
    serde_json::json!({
        "samples": cal.samples.len(),
        "skipped": cal.skipped,
        "censored": cal.censored,
        "fixes": {"read": cal.fixes.0, "blamed": cal.fixes.1, "partly_unread": cal.fixes.2},
        "positives": {"L1": count(&cal.samples, |s| s.l1), "L2": count(&cal.samples, |s| s.l2), "incidents": count(&cal.samples, |s| s.incident)},
        "metrics": per,
        "paired": paired,
        "rolling": rolling,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(score: f64, lines: f64, bad: bool) -> Sample {
        Sample {
            sha: String::new(),
            time: 0,
            score,
            finding_risk: 0.0,
            lines,
            dirs: 0.0,
            features: [0.0; 5],
            experience: 0.0,
            churn: 0.0,
            l1: bad,
            l2: bad,
            incident: false,
            bot: false,
        }
    }

    #[test]
    fn block_on_score_is_supported_only_when_the_score_separates_bad_changes() {
        let advice = |samples: Vec<Sample>| {
            block_on_score_advice(&Calibration {
                samples,
                skipped: 0,
                censored: 0,
                fixes: (0, 0, 0),
            })
        };
        let bad = |i: i32| i % 6 == 0;
        // The score puts every bad change on top; size is noise.
        let good = (0..60)
            .map(|i| sample(if bad(i) { 90.0 } else { 10.0 }, f64::from(i % 7), bad(i)))
            .collect();
        // A score that is noise.
        let noise = (0..60)
            .map(|i| sample(f64::from(i * 37 % 11), f64::from(i % 7), bad(i)))
            .collect();
        // A score no better than not-bot × directories, which sees the same bad changes.
        let as_good_as_dirs = (0..60)
            .map(|i| {
                let mut s = sample(if bad(i) { 90.0 } else { 10.0 }, f64::from(i % 7), bad(i));
                s.dirs = if bad(i) { 5.0 } else { 1.0 };
                s
            })
            .collect();
        for (samples, expected) in [
            (good, "gate.block_on_score: supported"),
            (noise, "gate.block_on_score: not supported"),
            (as_good_as_dirs, "gate.block_on_score: not supported"),
        ] {
            let said = advice(samples);
            assert!(said.starts_with(expected), "{said}");
        }
        assert!(advice(vec![sample(1.0, 1.0, false); 10]).contains("at least 5 are needed"));
    }
}
