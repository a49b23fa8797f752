//! The score's model fitted to this repository's history: the weights `check` uses (the
//! findings' weight, the cap, and the context's size, spread, entropy, no tests, history and bot
//! author), and the same model with two more of Kamei's change metrics (the author's experience,
//! the touched files' recent churn) to show what they would add. A fit is judged only on changes it has not seen: rolling time splits, each
//! trained on the changes whose label windows had closed before its block began.

use super::metrics::{auc, paired_auc_difference};
use super::Sample;
use crate::config::ContextWeights;
use crate::history::LABEL_WINDOW;
use anyhow::Result;

/// The intercept, `check`'s five context weights and its bot weight, then experience and churn;
/// then the log of the findings' weight and the logit of the cap.
const PARAMS: usize = 11;
const FINDINGS: usize = 9;
const CAP: usize = 10;

/// Which parameters a fit may move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Features {
    /// Those `check` computes: a fit of these can be written to `riskgate.toml`.
    Check,
    /// Those and two change metrics `check` does not compute (experience, churn).
    WithChangeMetrics,
}

impl Features {
    fn moves(self, i: usize) -> bool {
        match self {
            Features::Check => !(7..FINDINGS).contains(&i),
            Features::WithChangeMetrics => true,
        }
    }
}

/// `P = 1 − (1 − R_find)^findings · (1 − cap · σ(w · x))`, the score's own form.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Model {
    p: [f64; PARAMS],
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

impl Model {
    pub fn of(c: &ContextWeights) -> Model {
        let cap = c.cap.clamp(1e-6, 1.0 - 1e-6);
        Model {
            p: [
                c.intercept,
                c.size,
                c.spread,
                c.entropy,
                c.no_tests,
                c.history,
                c.bot,
                0.0,
                0.0,
                c.findings.clamp(1e-6, 10.0).ln(),
                (cap / (1.0 - cap)).ln(),
            ],
        }
    }

    /// The weights `check` reads; the change metrics' are not among them.
    pub fn context(&self) -> ContextWeights {
        ContextWeights {
            intercept: self.p[0],
            size: self.p[1],
            spread: self.p[2],
            entropy: self.p[3],
            no_tests: self.p[4],
            history: self.p[5],
            cap: sigmoid(self.p[CAP]),
            findings: self.p[FINDINGS].exp(),
            bot: self.p[6],
        }
    }

    fn inputs(s: &Sample) -> [f64; FINDINGS] {
        let f = s.features;
        [
            1.0,
            f[0],
            f[1],
            f[2],
            f[3],
            f[4],
            f64::from(u8::from(s.bot)),
            s.experience,
            s.churn,
        ]
    }

    /// The finding part's survival `(1 − R_find)^findings` and `ln(1 − R_find)`, the context's
    /// `σ(w · x)`, the cap.
    fn parts(&self, s: &Sample) -> (f64, f64, f64, f64) {
        let z: f64 = Model::inputs(s).iter().zip(self.p).map(|(x, w)| x * w).sum();
        let log_survival = (1.0 - s.finding_risk.clamp(0.0, 0.999_999)).ln();
        let beta = self.p[FINDINGS].exp();
        (
            (beta * log_survival).exp(),
            log_survival,
            sigmoid(z),
            sigmoid(self.p[CAP]),
        )
    }

    pub fn predict(&self, s: &Sample) -> f64 {
        let (a, _, sigma, cap) = self.parts(s);
        1.0 - a * (1.0 - cap * sigma)
    }
}

/// Mean negative log-likelihood plus an L2 penalty on every weight but the intercept (the
/// findings' weight and the cap towards the defaults' 1 and 0.35), and its gradient over the
/// parameters the fit may move.
fn loss_and_gradient(
    train: &[&Sample],
    label: fn(&Sample) -> bool,
    m: &Model,
    features: Features,
) -> (f64, [f64; PARAMS]) {
    const PENALTY: f64 = 0.01;
    let (mut loss, mut grad) = (0.0, [0.0; PARAMS]);
    let beta = m.p[FINDINGS].exp();
    for s in train {
        let x = Model::inputs(s);
        let (a, log_survival, sigma, cap) = m.parts(s);
        let b = 1.0 - cap * sigma;
        let p = (1.0 - a * b).clamp(1e-9, 1.0 - 1e-9);
        let y = label(s);
        loss -= if y { p.ln() } else { (1.0 - p).ln() };
        let dl_dp = if y { -1.0 / p } else { 1.0 / (1.0 - p) };
        let dp_dz = a * cap * sigma * (1.0 - sigma);
        for (i, xi) in x.iter().enumerate() {
            grad[i] += dl_dp * dp_dz * xi;
        }
        // dP/dβ = −B·A·ln(1 − F), and β = e^b.
        grad[FINDINGS] += dl_dp * (-b * a * log_survival) * beta;
        // dP/dcap = A·σ, and cap = σ(c).
        grad[CAP] += dl_dp * a * sigma * cap * (1.0 - cap);
    }
    let count = train.len().max(1) as f64;
    loss /= count;
    grad.iter_mut().for_each(|g| *g /= count);
    let centre = Model::of(&ContextWeights::default()).p;
    for i in 1..PARAMS {
        let c = if i >= FINDINGS { centre[i] } else { 0.0 };
        loss += PENALTY * (m.p[i] - c).powi(2);
        grad[i] += 2.0 * PENALTY * (m.p[i] - c);
    }
    for (i, g) in grad.iter_mut().enumerate() {
        if !features.moves(i) {
            *g = 0.0;
        }
    }
    (loss, grad)
}

/// L2-regularised maximum likelihood from `start`, by gradient descent with a step that grows
/// while the loss falls and halves when it would not.
pub fn fit(train: &[&Sample], label: fn(&Sample) -> bool, start: Model, features: Features) -> Model {
    let mut m = start;
    let (mut current, mut grad) = loss_and_gradient(train, label, &m, features);
    let mut rate = 0.5;
    for _ in 0..1000 {
        let mut next = m;
        for (w, g) in next.p.iter_mut().zip(grad) {
            *w -= rate * g;
        }
        let (l, g) = loss_and_gradient(train, label, &next, features);
        if l < current {
            (m, current, grad) = (next, l, g);
            rate *= 1.2;
        } else {
            rate /= 2.0;
            if rate < 1e-8 {
                break;
            }
        }
    }
    m
}

/// Test blocks over the later 60 % of the changes, in time order.
const FOLDS: usize = 5;

/// Out-of-sample predictions: `tested` are indices into the samples (oldest first), `fitted`
/// and `defaults` their predictions by the fold's fit and by the starting weights.
#[derive(Debug, Clone, Default)]
pub struct Rolling {
    /// Per block: its first change, the one after its last, and how many changes it was fitted on.
    pub folds: Vec<(usize, usize, usize)>,
    pub tested: Vec<usize>,
    pub fitted: Vec<f64>,
    pub defaults: Vec<f64>,
}

/// Each block is predicted by a fit on the changes that landed at least 90 days before its first
/// change: their labels were settled by then. A block whose training part has fewer than 100
/// changes or 5 positives is left out.
pub fn rolling(samples: &[Sample], label: fn(&Sample) -> bool, start: Model, features: Features) -> Rolling {
    let n = samples.len();
    let first = n * 2 / 5;
    let mut out = Rolling::default();
    for k in 0..FOLDS {
        let (lo, hi) = (first + (n - first) * k / FOLDS, first + (n - first) * (k + 1) / FOLDS);
        if lo >= hi {
            continue;
        }
        let cut = samples[lo].time - LABEL_WINDOW;
        let train: Vec<&Sample> = samples.iter().filter(|s| s.time <= cut).collect();
        if train.len() < 100 || train.iter().filter(|s| label(s)).count() < 5 {
            continue;
        }
        let fitted = fit(&train, label, start, features);
        out.folds.push((lo, hi, train.len()));
        for (i, s) in samples.iter().enumerate().take(hi).skip(lo) {
            out.tested.push(i);
            out.fitted.push(fitted.predict(s));
            out.defaults.push(start.predict(s));
        }
    }
    out
}

/// A fit judged on the rolling splits: its AUC and the defaults' on the changes tested, and the
/// paired interval of the gain.
#[derive(Debug, Clone, PartialEq)]
pub struct Judged {
    pub tested: usize,
    pub defaults_auc: f64,
    pub fitted_auc: f64,
    pub gain: f64,
    pub gain_ci: (f64, f64),
}

impl Judged {
    /// Kept only when the gain's interval lies above zero: a fit that may be no better than the
    /// defaults is noise learned from this history.
    pub fn better(&self) -> bool {
        self.gain_ci.0 > 0.0
    }
}

pub fn judge(samples: &[Sample], label: fn(&Sample) -> bool, start: Model, features: Features) -> (Rolling, Judged) {
    let r = rolling(samples, label, start, features);
    let labels: Vec<bool> = r.tested.iter().map(|i| label(&samples[*i])).collect();
    let (gain, gain_ci) = paired_auc_difference(&r.fitted, &r.defaults, &labels);
    let judged = Judged {
        tested: r.tested.len(),
        defaults_auc: auc(&r.defaults, &labels),
        fitted_auc: auc(&r.fitted, &labels),
        gain,
        gain_ci,
    };
    (r, judged)
}

/// The label a fit learns: L2 when it has enough positives, else L1.
pub fn fit_label(samples: &[Sample]) -> (&'static str, fn(&Sample) -> bool) {
    if samples.iter().filter(|s| s.l2).count() >= 5 {
        ("L2", |s| s.l2)
    } else {
        ("L1", |s| s.l1)
    }
}

/// `check`'s weights fitted on the whole history, with the rolling judgement that decides
/// whether to keep them.
pub fn fit_and_judge(samples: &[Sample], defaults: ContextWeights) -> (ContextWeights, Judged) {
    let (_, label) = fit_label(samples);
    let start = Model::of(&defaults);
    let (_, judged) = judge(samples, label, start, Features::Check);
    let all: Vec<&Sample> = samples.iter().collect();
    (fit(&all, label, start, Features::Check).context(), judged)
}

/// Writes `[score.context]` into riskgate.toml, replacing an earlier one.
pub fn write_weights(path: &std::path::Path, w: &ContextWeights) -> Result<()> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut kept = Vec::new();
    let mut skipping = false;
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with('[') {
            // The header with or without a comment after it, however spaced inside its brackets.
            let header: String = t
                .split('#')
                .next()
                .unwrap_or("")
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            skipping = header == "[score.context]";
        }
        if !skipping {
            kept.push(line);
        }
    }
    let mut out = kept.join("\n").trim_end().to_string();
    out.push_str(&format!(
        "\n\n# Fitted by `riskgate calibrate --write` on this repository's history.\n[score.context]\nintercept = {:.4}\nsize = {:.4}\nspread = {:.4}\nentropy = {:.4}\nno_tests = {:.4}\nhistory = {:.4}\ncap = {:.4}\nfindings = {:.4}\nbot = {:.4}\n",
        w.intercept, w.size, w.spread, w.entropy, w.no_tests, w.history, w.cap, w.findings, w.bot
    ));
    std::fs::write(path, out.trim_start())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::DAY;

    /// One change a day; `churn` and `size` as given; the label as given.
    fn sample(day: i64, size: f64, churn: f64, bad: bool) -> Sample {
        Sample {
            sha: String::new(),
            time: day * DAY,
            score: 0.0,
            finding_risk: 0.0,
            lines: 0.0,
            dirs: 0.0,
            features: [size, 0.0, 0.0, 0.0, 0.0],
            experience: 0.0,
            churn,
            l1: bad,
            l2: bad,
            incident: false,
            bot: false,
        }
    }

    #[test]
    fn fitting_raises_the_weight_of_a_feature_that_separates() {
        let train: Vec<Sample> = (0..40).map(|i| sample(i, i as f64 / 4.0, 0.0, i >= 30)).collect();
        let refs: Vec<&Sample> = train.iter().collect();
        let start = Model::of(&ContextWeights::default());
        let m = fit(&refs, |s| s.l2, start, Features::Check);
        assert!(m.context().size > ContextWeights::default().size, "{m:?}");
        // The change metrics stay at zero when the fit may not move them.
        assert_eq!(m.p[7..FINDINGS], [0.0; 2]);
    }

    /// 1,000 changes, one a day; the bad ones are those whose files churned, which `check`'s
    /// features do not see; size is noise.
    fn churned() -> Vec<Sample> {
        (0..1000)
            .map(|i| {
                let churn = if i % 5 == 0 { 2.0 } else { 0.0 };
                sample(i, ((i * 37) % 11) as f64 / 3.0, churn, i % 5 == 0 && i % 3 != 0)
            })
            .collect()
    }

    #[test]
    fn each_block_is_fitted_on_changes_whose_window_had_closed() {
        let samples = churned();
        let r = rolling(
            &samples,
            |s| s.l2,
            Model::of(&ContextWeights::default()),
            Features::Check,
        );
        // Blocks over the later 60 %: the first starts at day 400 and is fitted on days 0-310.
        assert_eq!(r.folds.len(), 5);
        assert_eq!(r.folds[0], (400, 520, 311));
        assert_eq!(r.folds[4], (880, 1000, 791));
        assert_eq!(r.tested.len(), 600);
        assert_eq!(r.tested[0], 400);
    }

    #[test]
    fn a_fit_is_kept_only_when_its_gain_on_unseen_changes_is_clear() {
        let samples = churned();
        let start = Model::of(&ContextWeights::default());
        let (_, check) = judge(&samples, |s| s.l2, start, Features::Check);
        assert!(!check.better(), "size is noise: {check:?}");
        let (_, wider) = judge(&samples, |s| s.l2, start, Features::WithChangeMetrics);
        assert!(wider.better(), "churn separates: {wider:?}");
        assert!(wider.fitted_auc > 0.8, "{wider:?}");
        // Too little history before the later 60 %: nothing is tested, nothing is kept.
        let (_, short) = judge(&samples[..150], |s| s.l2, start, Features::WithChangeMetrics);
        assert_eq!(short.tested, 0);
        assert!(!short.better());
    }

    #[test]
    fn written_weights_replace_the_section_whatever_its_header_says() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("riskgate.toml");
        std::fs::write(
            &path,
            "[gate]\nrequire_plan_at = \"high\"\n\n[ score.context ] # fitted last year\nsize = 9.0\n\n[score]\nno_history = false\n",
        )
        .unwrap();
        write_weights(&path, &ContextWeights::default()).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.matches("score.context").count(), 1, "{text}");
        assert!(
            !text.contains("size = 9.0") && text.contains("no_history = false"),
            "{text}"
        );
        crate::config::Config::parse(crate::config::SourceText {
            name: "riskgate.toml".into(),
            text,
        })
        .unwrap();
    }
}
