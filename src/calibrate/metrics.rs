//! How well a scorer ranks the changes a label marks: ROC AUC, average precision, the share
//! caught when gating the top of the ranking, bootstrap intervals, and the paired difference of
//! two scorers on the same resampled changes.

use serde::Serialize;

/// Ranking quality of one scorer against one label.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Metrics {
    pub auc: f64,
    pub auc_ci: (f64, f64),
    pub pr_auc: f64,
    pub pr_auc_ci: (f64, f64),
    pub precision_top5: f64,
    pub recall_at: [f64; 3],
    /// The 95 % interval of the share caught when gating the top 10 %.
    pub recall_at10_ci: (f64, f64),
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
pub fn at_top(scores: &[f64], labels: &[bool], share: f64) -> (f64, f64) {
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
    if n == 0 {
        return (f64::NAN, (f64::NAN, f64::NAN));
    }
    let diff = auc(ours, labels) - auc(theirs, labels);
    let mut values = Vec::with_capacity(1000);
    let (mut a, mut b, mut l) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    for _ in 0..1000 {
        a.clear();
        b.clear();
        l.clear();
        for _ in 0..n {
            let k = (rng.next_u64() % n.max(1) as u64) as usize;
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
pub struct XorShift(pub u64);

impl XorShift {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn float(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

pub fn bootstrap(scores: &[f64], labels: &[bool], f: fn(&[f64], &[bool]) -> f64) -> (f64, f64) {
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let n = scores.len();
    let mut values = Vec::new();
    for _ in 0..200 {
        let (mut s, mut l) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for _ in 0..n {
            let k = (rng.next_u64() % n as u64) as usize;
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

/// The share of positives caught when gating the top 10 % of changes.
fn recall_at10(scores: &[f64], labels: &[bool]) -> f64 {
    if labels.iter().any(|l| *l) {
        at_top(scores, labels, 0.10).1
    } else {
        f64::NAN
    }
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
        recall_at10_ci: bootstrap(scores, labels, recall_at10),
    }
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
}
