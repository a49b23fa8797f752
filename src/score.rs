//! Stage 5: turn findings and change facts into a 0–100 risk score that explains itself.
//!
//! The model is documented in `docs/scoring.md`: findings combine by a noisy-OR, the change's
//! size and spread add a bounded context term, and each factor shows its share of the hazard,
//! so the points add up to the score.

use crate::analyzers::untested::rules::uncovered_lines_changed::UNCOVERED_LINES;
use crate::analyzers::untested::rules::untested_file_changed::UNTESTED_FILE;
use crate::analyzers::untested::rules::untested_function_changed::UNTESTED_FUNCTION;
use crate::config::{ContextWeights, ScoreConfig};
use crate::diff::ChangeSet;
pub use crate::model::Level;
use crate::model::{CodeRule, FileKind};
use crate::model::{Finding, Severity};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// One factor's share of the score: the score minus the score without it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contribution {
    pub rule: Option<String>,
    pub factor: Option<String>,
    pub file: Option<String>,
    pub line: Option<u32>,
    pub points: u32,
    pub hint: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Score {
    pub value: u8,
    pub level: Level,
    pub contributions: Vec<Contribution>,
    /// What the points mean, said in every report.
    pub meaning: &'static str,
}

/// What a score and its points mean, for every report.
pub const MEANING: &str = "the points add up to the score: each is its factor's share of the combined risk (docs/scoring.md); the score ranks and explains, and only gating findings hold a change unless gate.block_on_score is set";

/// Default probability that a finding of this severity precedes an incident.
pub fn default_weight(severity: Severity) -> f64 {
    match severity {
        Severity::Info => 0.0,
        Severity::Low => 0.05,
        Severity::Medium => 0.15,
        Severity::High => 0.40,
        Severity::Critical => 0.80,
    }
}

/// At most this many (rule, file) groups of one rule count, so repetition cannot pose as severity.
const MAX_GROUPS_PER_RULE: usize = 3;

/// Missing tests inform and rank; however many files lack them, they count as one medium
/// finding at most.
const UNTESTED_RULES: &[&CodeRule] = &[&UNTESTED_FILE, &UNTESTED_FUNCTION, &UNCOVERED_LINES];
const UNTESTED_CAP: f64 = 0.15;

struct Factor {
    rule: Option<String>,
    factor: Option<String>,
    file: Option<String>,
    line: Option<u32>,
    hint: String,
    probability: f64,
}

fn noisy_or(ps: impl Iterator<Item = f64>) -> f64 {
    1.0 - ps.fold(1.0, |acc, p| acc * (1.0 - p.clamp(0.0, 1.0)))
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// Change-size facts the context term reads.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ChangeFacts {
    pub lines: u64,
    pub directories: usize,
    pub entropy: f64,
    pub source_without_tests: bool,
    /// `ln(1 + Σ decayed bad commits)` over the touched files; 0 without history.
    pub history: f64,
    /// Every commit of the change was written by a bot (dependabot, renovate, …).
    pub bot: bool,
}

impl ChangeFacts {
    pub fn of(change: &ChangeSet) -> ChangeFacts {
        // Lockfiles and generated files are written by tools: their lines say nothing of how
        // much a person changed (a dependency bump rewrites hundreds of lockfile lines).
        let written = |f: &&crate::diff::ChangedFile| !matches!(f.kind, FileKind::Lockfile | FileKind::Generated);
        let lines: u64 = change
            .files
            .iter()
            .filter(written)
            .map(|f| u64::from(f.lines_added + f.lines_removed))
            .sum();
        let directories = change
            .files
            .iter()
            .map(|f| f.path.rsplit_once('/').map_or("", |(d, _)| d))
            .collect::<BTreeSet<_>>()
            .len();
        let entropy = if lines == 0 {
            0.0
        } else {
            change
                .files
                .iter()
                .filter(written)
                .map(|f| f64::from(f.lines_added + f.lines_removed) / lines as f64)
                .filter(|p| *p > 0.0)
                .map(|p| -p * p.log2())
                .sum()
        };
        let has = |name: &str| change.files.iter().any(|f| f.kind.name() == name);
        ChangeFacts {
            lines,
            directories,
            entropy,
            source_without_tests: has("source") && !has("test"),
            history: 0.0,
            bot: !change.commits.is_empty() && change.commits.iter().all(|c| crate::history::is_bot(&c.author)),
        }
    }
}

/// The context features, in the order of `ContextWeights` (after the intercept).
pub fn features(facts: &ChangeFacts) -> [f64; 5] {
    [
        (1.0 + facts.lines as f64).ln(),
        (1.0 + facts.directories as f64).ln(),
        facts.entropy,
        if facts.source_without_tests { 1.0 } else { 0.0 },
        facts.history,
    ]
}

/// The context term's parts, each a logit increment, so that each can be left out.
fn context_terms(facts: &ChangeFacts, w: &ContextWeights) -> Vec<(&'static str, f64, String)> {
    let x = features(facts);
    vec![
        ("size", w.size * x[0], format!("{} lines changed", facts.lines)),
        (
            "spread",
            w.spread * x[1],
            format!("{} directories touched", facts.directories),
        ),
        (
            "entropy",
            w.entropy * x[2],
            format!("change entropy {:.2} bits across files", facts.entropy),
        ),
        (
            "no-tests-changed",
            w.no_tests * x[3],
            "source changed with no test changed".to_string(),
        ),
        (
            "history",
            w.history * x[4],
            "touched files were reverted or fixed recently (90-day half-life)".to_string(),
        ),
    ]
}

fn context_probability(terms: &[(&str, f64, String)], skip: Option<usize>, w: &ContextWeights) -> f64 {
    let z = w.intercept
        + terms
            .iter()
            .enumerate()
            .filter(|(i, _)| Some(*i) != skip)
            .map(|(_, t)| t.1)
            .sum::<f64>();
    w.cap.clamp(0.0, 1.0) * sigmoid(z)
}

/// Exact Shapley values of `n` players (n ≤ 16) for a set function given as a bit mask.
fn shapley(n: usize, value: impl Fn(u32) -> f64) -> Vec<f64> {
    let full = 1u32 << n;
    let memo: Vec<f64> = (0..full).map(&value).collect();
    let fact = |k: usize| (1..=k).map(|x| x as f64).product::<f64>();
    (0..n)
        .map(|i| {
            (0..full)
                .filter(|set| set & (1 << i) == 0)
                .map(|set| {
                    let k = set.count_ones() as usize;
                    let weight = fact(k) * fact(n - k - 1) / fact(n);
                    weight * (memo[(set | (1 << i)) as usize] - memo[set as usize])
                })
                .sum()
        })
        .collect()
}

/// Rounds `parts` to whole numbers that add up to `total` (Hamilton's method).
fn largest_remainder(parts: &[f64], total: u32) -> Vec<u32> {
    let mut out: Vec<u32> = parts.iter().map(|p| p.max(0.0).floor() as u32).collect();
    let given: u32 = out.iter().sum();
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|&a, &b| {
        (parts[b] - parts[b].floor())
            .total_cmp(&(parts[a] - parts[a].floor()))
            .then(a.cmp(&b))
    });
    for &i in order.iter().take(total.saturating_sub(given) as usize) {
        out[i] += 1;
    }
    out
}

/// Scores the findings that count (not waived, not mitigated, not informative) in context.
pub fn score(findings: &[Finding], facts: &ChangeFacts, config: &ScoreConfig) -> Score {
    let weight = |f: &Finding| -> f64 {
        let p = config
            .severity
            .get(f.severity.as_str())
            .map_or_else(|| default_weight(f.severity), |w| *w.get_ref());
        let c = config.confidence.get(&f.rule).map_or(1.0, |c| *c.get_ref());
        (c * p).clamp(0.0, 1.0)
    };
    // Deduplicate per (rule, file), keeping the heaviest; then at most three groups per rule.
    let mut groups: BTreeMap<(String, Option<String>), (f64, &Finding)> = BTreeMap::new();
    for f in findings.iter().filter(|f| f.is_active()) {
        let w = weight(f);
        let key = (f.rule.clone(), f.file.clone());
        if groups.get(&key).is_none_or(|(old, _)| w > *old) {
            groups.insert(key, (w, f));
        }
    }
    let mut per_rule: BTreeMap<&str, Vec<(f64, &Finding)>> = BTreeMap::new();
    for (w, f) in groups.values() {
        per_rule.entry(f.rule.as_str()).or_default().push((*w, f));
    }
    let mut factors = Vec::new();
    for (_, mut list) in per_rule {
        list.sort_by(|a, b| b.0.total_cmp(&a.0));
        let untested = UNTESTED_RULES.iter().any(|r| r.id == list[0].1.rule);
        let limit = if untested { 1 } else { MAX_GROUPS_PER_RULE };
        for (w, f) in list.into_iter().take(limit) {
            let w = if untested { w.min(UNTESTED_CAP) } else { w };
            factors.push(Factor {
                rule: Some(f.rule.clone()),
                factor: None,
                file: f.file.clone(),
                line: f.line,
                hint: if f.help.is_empty() {
                    f.message.clone()
                } else {
                    f.help.clone()
                },
                probability: w,
            });
        }
    }
    // A fitted `findings` weight scales each finding's hazard; 1 leaves the severity weights be.
    // A change whose every commit a bot wrote starts from a lower base rate; its findings count
    // in full.
    let mut context = config.context;
    if facts.bot {
        context.intercept += context.bot;
    }
    let scale = context.findings.clamp(0.0, 10.0);
    if scale != 1.0 {
        for f in &mut factors {
            f.probability = 1.0 - (1.0 - f.probability.min(0.999_999)).powf(scale);
        }
    }
    let finding_risk = noisy_or(factors.iter().map(|f| f.probability));
    let terms = if config.no_context {
        Vec::new()
    } else {
        context_terms(facts, &context)
    };
    let context_risk = if terms.is_empty() {
        0.0
    } else {
        context_probability(&terms, None, &context)
    };
    let total = |find: f64, ctx: f64| 1.0 - (1.0 - find) * (1.0 - ctx);
    let p = total(finding_risk, context_risk);
    let value = (100.0 * p).round().clamp(0.0, 100.0) as u8;

    // Additive explanation: the noisy-OR adds hazards, −ln(1 − P) = Σ −ln(1 − pᵢ) + −ln(1 − R_ctx),
    // so each factor gets the score's share that its hazard has of the whole. The context's
    // hazard is split exactly among its terms by Shapley values, the intercept as `baseline`.
    let hazard = |q: f64| -(1.0 - q.clamp(0.0, 0.999_999)).ln();
    let mut shares: Vec<(Contribution, f64)> = Vec::new();
    for f in &factors {
        shares.push((
            Contribution {
                rule: f.rule.clone(),
                factor: f.factor.clone(),
                file: f.file.clone(),
                line: f.line,
                points: 0,
                hint: f.hint.clone(),
            },
            hazard(f.probability),
        ));
    }
    if !terms.is_empty() {
        let w = &context;
        let context_hazard = |set: u32| {
            let z = w.intercept
                + terms
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| set & (1 << i) != 0)
                    .map(|(_, t)| t.1)
                    .sum::<f64>();
            hazard(w.cap.clamp(0.0, 1.0) * sigmoid(z))
        };
        let baseline = context_hazard(0);
        shares.push((
            Contribution {
                rule: None,
                factor: Some("baseline".to_string()),
                file: None,
                line: None,
                points: 0,
                hint: if facts.bot {
                    "the base rate of a change a bot wrote (the context model's intercept and bot weight)"
                } else {
                    "the base rate of any change (the context model's intercept)"
                }
                .to_string(),
            },
            baseline,
        ));
        for (i, share) in shapley(terms.len(), context_hazard).into_iter().enumerate() {
            let (name, _, detail) = &terms[i];
            shares.push((
                Contribution {
                    rule: None,
                    factor: Some(name.to_string()),
                    file: None,
                    line: None,
                    points: 0,
                    hint: detail.clone(),
                },
                share,
            ));
        }
    }
    let whole: f64 = shares.iter().map(|s| s.1).sum();
    let exact: Vec<f64> = shares
        .iter()
        .map(|s| {
            if whole > 0.0 {
                f64::from(value) * s.1 / whole
            } else {
                0.0
            }
        })
        .collect();
    let points = largest_remainder(&exact, u32::from(value));
    let mut contributions: Vec<Contribution> = shares
        .into_iter()
        .zip(points)
        .filter(|(_, pts)| *pts > 0)
        .map(|((mut c, _), pts)| {
            c.points = pts;
            c
        })
        .collect();
    contributions.sort_by(|a, b| {
        b.points
            .cmp(&a.points)
            .then_with(|| a.rule.cmp(&b.rule))
            .then_with(|| a.file.cmp(&b.file))
    });
    Score {
        value,
        level: Level::from_score(value),
        contributions,
        meaning: MEANING,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(rule: &str, severity: Severity, file: &str) -> Finding {
        Finding::new(rule, crate::model::Analyzer::Pattern, severity, "m").at(file, Some(1))
    }

    fn no_context() -> ScoreConfig {
        ScoreConfig {
            no_context: true,
            ..Default::default()
        }
    }

    #[test]
    fn one_high_is_high_and_one_critical_is_critical() {
        let s = score(
            &[finding("a-b", Severity::High, "x")],
            &ChangeFacts::default(),
            &no_context(),
        );
        assert_eq!((s.value, s.level), (40, Level::High));
        let s = score(
            &[finding("a-b", Severity::Critical, "x")],
            &ChangeFacts::default(),
            &no_context(),
        );
        assert_eq!((s.value, s.level), (80, Level::Critical));
    }

    #[test]
    fn repetition_of_one_rule_is_capped() {
        let many: Vec<_> = (0..10)
            .map(|i| finding("a-b", Severity::Low, &format!("f{i}")))
            .collect();
        let s = score(&many, &ChangeFacts::default(), &no_context());
        // Three groups of 5 %: 1 − 0.95³ ≈ 14 %.
        assert_eq!((s.value, s.level), (14, Level::Low));
    }

    #[test]
    fn ten_different_lows_stay_below_critical() {
        let many: Vec<_> = (0..10)
            .map(|i| finding(&format!("rule-{i}"), Severity::Low, "f"))
            .collect();
        let s = score(&many, &ChangeFacts::default(), &no_context());
        assert!(s.level < Level::Critical, "{s:?}");
    }

    #[test]
    fn adding_a_finding_never_lowers_the_score() {
        let facts = ChangeFacts {
            lines: 120,
            directories: 3,
            entropy: 1.5,
            source_without_tests: true,
            history: 1.0,
            bot: false,
        };
        let mut list = Vec::new();
        let mut last = score(&list, &facts, &ScoreConfig::default()).value;
        for (i, sev) in [
            Severity::Low,
            Severity::High,
            Severity::Info,
            Severity::Medium,
            Severity::Critical,
        ]
        .into_iter()
        .enumerate()
        {
            list.push(finding(&format!("rule-{i}"), sev, "f"));
            let now = score(&list, &facts, &ScoreConfig::default()).value;
            assert!(now >= last, "{now} < {last}");
            last = now;
        }
        assert!(last <= 100);
    }

    #[test]
    fn context_alone_stays_below_high_and_a_small_change_is_about_five_percent() {
        let small = ChangeFacts {
            lines: 50,
            directories: 2,
            entropy: 1.0,
            source_without_tests: false,
            history: 0.0,
            bot: false,
        };
        let s = score(&[], &small, &ScoreConfig::default());
        assert!((4..=7).contains(&s.value), "{s:?}");
        let huge = ChangeFacts {
            lines: 300_000,
            directories: 900,
            entropy: 11.0,
            source_without_tests: true,
            history: 1.0,
            bot: false,
        };
        let s = score(&[], &huge, &ScoreConfig::default());
        assert!(s.level < Level::High, "{s:?}");
    }

    #[test]
    fn waived_and_mitigated_findings_do_not_count_but_are_explained_away() {
        let mut waived = finding("a-b", Severity::Critical, "x");
        waived.suppressed = Some(crate::model::Suppression {
            reason: "r".into(),
            source: "s".into(),
        });
        let mut mitigated = finding("c-d", Severity::High, "x");
        mitigated.mitigated_by = vec!["backup".into()];
        let s = score(&[waived, mitigated], &ChangeFacts::default(), &no_context());
        assert_eq!(s.value, 0);
        assert!(s.contributions.is_empty());
    }

    #[test]
    fn contributions_are_shares_of_the_hazard_and_sorted() {
        let s = score(
            &[
                finding("a-b", Severity::High, "x"),
                finding("c-d", Severity::Medium, "y"),
            ],
            &ChangeFacts::default(),
            &no_context(),
        );
        // P = 1 − 0.6·0.85 = 0.49; hazards −ln 0.6 = 0.511 and −ln 0.85 = 0.163 share the 49.
        assert_eq!(s.value, 49);
        let pts: Vec<_> = s
            .contributions
            .iter()
            .map(|c| (c.rule.as_deref().unwrap(), c.points))
            .collect();
        assert_eq!(pts, vec![("a-b", 37), ("c-d", 12)]);
    }

    #[test]
    fn contributions_add_up_to_the_score_exactly() {
        let facts = ChangeFacts {
            lines: 3_000,
            directories: 40,
            entropy: 4.0,
            source_without_tests: true,
            history: 1.5,
            bot: false,
        };
        let sets: Vec<Vec<Finding>> = vec![
            vec![],
            vec![finding("a-b", Severity::Low, "x")],
            vec![
                finding("a-b", Severity::High, "x"),
                finding("c-d", Severity::Medium, "y"),
            ],
            (0..9)
                .map(|i| finding(&format!("r-{i}"), Severity::Critical, "x"))
                .collect(),
        ];
        for findings in &sets {
            for config in [ScoreConfig::default(), no_context()] {
                let s = score(findings, &facts, &config);
                let sum: u32 = s.contributions.iter().map(|c| c.points).sum();
                assert_eq!(sum, u32::from(s.value), "{s:?}");
            }
        }
        // Even at 100 every factor keeps a share, instead of +0 each.
        let s = score(&sets[3], &facts, &ScoreConfig::default());
        assert_eq!(s.value, 100);
        assert!(
            s.contributions
                .iter()
                .filter(|c| c.rule.is_some())
                .all(|c| c.points > 0),
            "{s:?}"
        );
    }

    #[test]
    fn context_shares_are_shapley_values() {
        // Two players, v(∅)=0, v(a)=1, v(b)=2, v(ab)=6: φa = (1 + 4)/2, φb = (2 + 5)/2.
        let v = |set: u32| [0.0, 1.0, 2.0, 6.0][set as usize];
        assert_eq!(shapley(2, v), vec![2.5, 3.5]);
        assert_eq!(largest_remainder(&[2.5, 3.5, 1.0], 7), vec![3, 3, 1]);
    }

    #[test]
    fn a_bot_change_starts_lower_and_the_findings_weight_scales_only_findings() {
        let person = ChangeFacts {
            lines: 400,
            directories: 3,
            entropy: 1.0,
            source_without_tests: false,
            history: 0.0,
            bot: false,
        };
        let bot = ChangeFacts { bot: true, ..person };
        let config = ScoreConfig::default();
        let (by_person, by_bot) = (score(&[], &person, &config), score(&[], &bot, &config));
        assert!(by_bot.value < by_person.value, "{by_bot:?} {by_person:?}");
        let baseline = |s: &Score| {
            s.contributions
                .iter()
                .find(|c| c.factor.as_deref() == Some("baseline"))
                .map(|c| c.hint.clone())
        };
        assert!(baseline(&by_person).is_none_or(|h| h.contains("any change")));
        // The explanation still adds up, a bot's included.
        for s in [&by_person, &by_bot] {
            assert_eq!(
                s.contributions.iter().map(|c| c.points).sum::<u32>(),
                u32::from(s.value),
                "{s:?}"
            );
        }
        // Findings count in full for a bot.
        let high = [finding("a-b", Severity::High, "x")];
        assert!(score(&high, &bot, &config).value >= 40);
        // `findings = 0` leaves the context alone; 1 is the severity weights as they are.
        let mut none = config.clone();
        none.context.findings = 0.0;
        assert_eq!(score(&high, &person, &none).value, by_person.value);
        let mut one = config.clone();
        one.context.findings = 1.0;
        assert_eq!(score(&high, &person, &one), score(&high, &person, &config));
        let mut half = config.clone();
        half.context.findings = 0.5;
        let halved = score(&high, &person, &half).value;
        assert!(by_person.value < halved && halved < score(&high, &person, &config).value);
    }
}
