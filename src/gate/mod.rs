//! Stage 6: the gate. Gating findings, the thresholds and the rollback plan give the verdict;
//! the score ranks and explains, and gates only through `[gate] block_on_score`.

pub mod plan;
pub mod plan_doc;
pub mod rules;

use crate::config::{GateConfig, Threshold};
pub use crate::model::Verdict;
use crate::model::{Finding, GatingClass, Severity};
use crate::score::Score;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanStatus {
    pub required: bool,
    pub found: bool,
    pub source: Option<String>,
    pub valid: bool,
    pub problems: Vec<String>,
    /// Set when the rehearsal ran the plan's Backup SQL: whether the copy held the values.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backup_verified: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GateResult {
    pub verdict: Verdict,
    pub reason: String,
    /// The gating findings the verdict rests on (empty when the change passed plainly).
    pub gating: Vec<GatingFinding>,
}

/// A plan handed to the gate: where it came from and its text.
#[derive(Debug, Clone)]
pub struct PlanInput {
    pub source: String,
    pub text: String,
}

/// The sections a plan needs for these findings (design §5).
pub fn required_sections(findings: &[Finding], extra: &[String]) -> Vec<String> {
    let mut needed = vec!["rollback".to_string(), "verification".to_string()];
    let data_risk = findings
        .iter()
        .any(|f| f.is_active() && f.tags.iter().any(|t| t.is_data_risk()));
    if data_risk {
        needed.push("backup".to_string());
    }
    for e in extra {
        let e = e.to_lowercase();
        if !needed.contains(&e) {
            needed.push(e);
        }
    }
    needed
}

/// A finding that holds the change, as the gate names it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GatingFinding {
    pub rule: String,
    pub class: GatingClass,
    pub severity: Severity,
    pub file: Option<String>,
    pub line: Option<u32>,
}

impl GatingFinding {
    fn of(f: &Finding, class: GatingClass) -> GatingFinding {
        GatingFinding {
            rule: f.rule.clone(),
            class,
            severity: f.severity,
            file: f.file.clone(),
            line: f.line,
        }
    }

    fn describe(&self) -> String {
        let at = match (&self.file, self.line) {
            (Some(f), Some(l)) => format!(" at {f}:{l}"),
            (Some(f), None) => format!(" at {f}"),
            _ => String::new(),
        };
        format!("{} ({}, {}){at}", self.rule, self.severity, self.class)
    }
}

/// Is `severity` at or above the threshold?
pub fn reaches(severity: Severity, threshold: Threshold) -> bool {
    matches!(threshold, Threshold::At(level) if severity >= level.severity())
}

/// "because of: a, b and 2 more", naming at most three findings.
fn because_of(list: &[GatingFinding]) -> String {
    let mut names: Vec<String> = list.iter().take(3).map(GatingFinding::describe).collect();
    if list.len() > 3 {
        names.push(format!("{} more", list.len() - 3));
    }
    names.join("; ")
}

/// Decides the verdict from the evidence: a plan is required when a gating finding reaches
/// `require_plan_at` (or a critical one was waived, or the score reaches `block_on_score`);
/// a gating finding at `block_at` blocks whatever the plan. Marks the findings a plan must
/// cover (`needs_plan`); plan problems are appended to `findings` so every report shows them.
pub fn decide(
    score: &Score,
    findings: &mut Vec<Finding>,
    plan: Option<&PlanInput>,
    config: &GateConfig,
    extra_sections: &[String],
) -> (PlanStatus, GateResult) {
    let mut holding = Vec::new();
    let mut hard = Vec::new();
    let mut waived_critical = Vec::new();
    for f in findings.iter_mut() {
        f.needs_plan = false;
        let Some(class) = f.gating else { continue };
        if f.is_active() && reaches(f.severity, config.require_plan_at) {
            f.needs_plan = true;
            holding.push(GatingFinding::of(f, class));
        }
        if f.is_active() && reaches(f.severity, config.block_at) {
            hard.push(GatingFinding::of(f, class));
        }
        if f.severity == Severity::Critical && f.suppressed.is_some() {
            waived_critical.push(GatingFinding::of(f, class));
        }
    }
    let by_score = matches!(config.block_on_score, Threshold::At(level) if score.level >= level);
    let required = !holding.is_empty() || !waived_critical.is_empty() || by_score;
    let mut status = PlanStatus {
        required,
        found: plan.is_some(),
        source: None,
        valid: false,
        problems: Vec::new(),
        backup_verified: None,
    };
    if let Some(plan) = plan {
        status.source = Some(plan.source.clone());
        let needed = required_sections(findings, extra_sections);
        let file = plan
            .source
            .strip_prefix("file:")
            .or_else(|| plan.source.strip_prefix("worktree:"))
            .unwrap_or(&plan.source);
        let problems = plan::validate_for(&plan.text, file, &needed, &plan::Needs { findings });
        // A missing owner is a warning: reported, but the plan stays valid.
        let blocking: Vec<&Finding> = problems
            .iter()
            .filter(|p| p.rule != rules::plan_no_owner::PLAN_NO_OWNER.id)
            .collect();
        status.valid = blocking.is_empty();
        status.problems = blocking.iter().map(|p| p.message.clone()).collect();
        findings.extend(problems);
    }
    // What the verdict rests on, in words: the gating findings first, the score only if it gates.
    let mut grounds = Vec::new();
    if !holding.is_empty() {
        grounds.push(because_of(&holding));
    }
    if !waived_critical.is_empty() {
        grounds.push(format!("waived {}", because_of(&waived_critical)));
    }
    if by_score {
        grounds.push(format!(
            "risk {} ({}) reaches gate.block_on_score",
            score.value, score.level
        ));
    }
    let mut gating = holding.clone();
    gating.extend(waived_critical);
    let result = if !hard.is_empty() {
        GateResult {
            verdict: Verdict::Blocked,
            reason: format!(
                "because of: {}; at or above gate.block_at, a plan cannot unblock it",
                because_of(&hard)
            ),
            gating: hard,
        }
    } else if required && status.valid {
        GateResult {
            verdict: Verdict::PassedWithPlan,
            reason: format!("{} is covered by a valid rollback plan", grounds.join("; ")),
            gating,
        }
    } else if required {
        // The problems themselves are listed once, with the plan (every format shows them).
        let why = if !status.found {
            "needs a rollback plan".to_string()
        } else {
            let n = status.problems.len();
            format!(
                "needs a valid rollback plan ({n} problem{} with the plan)",
                if n == 1 { "" } else { "s" }
            )
        };
        GateResult {
            verdict: Verdict::Blocked,
            reason: format!("because of: {}; {why}", grounds.join("; ")),
            gating,
        }
    } else {
        GateResult {
            verdict: Verdict::Passed,
            reason: format!(
                "no finding of a gating class at {} or above (risk {}, {})",
                match config.require_plan_at {
                    Threshold::At(level) => level.as_str(),
                    Threshold::Never => "any level: require_plan_at is never",
                },
                score.value,
                score.level
            ),
            gating: Vec::new(),
        }
    };
    (status, result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::score::Level;

    fn score(value: u8) -> Score {
        Score {
            value,
            level: Level::from_score(value),
            contributions: vec![],
            meaning: crate::score::MEANING,
        }
    }

    const PLAN: &str =
        "## Scope\nmigration-drops-column and migration-drops-schema in db/1.sql.\n## Rollback steps\n1. redeploy v1 (5 min)\n## Verification\nThe health check `/healthz` returns 200.\n";

    fn gating(rule: &str, severity: Severity, class: Option<GatingClass>) -> Finding {
        let mut f = Finding::new(rule, crate::model::Analyzer::Migration, severity, "m").at("db/1.sql", Some(3));
        f.gating = class;
        f
    }

    fn drop_column() -> Finding {
        gating("migration-drops-column", Severity::High, Some(GatingClass::DataLoss))
    }

    #[test]
    fn a_gating_finding_needs_a_plan_and_the_reason_names_it() {
        let cfg = GateConfig::default();
        let good = PlanInput {
            source: "file:ROLLBACK.md".into(),
            text: PLAN.into(),
        };
        let bad = PlanInput {
            source: "file:ROLLBACK.md".into(),
            text: "## Rollback steps\nTODO\n".into(),
        };
        let mut findings = vec![drop_column()];
        let (status, gate) = decide(&score(40), &mut findings, None, &cfg, &[]);
        assert_eq!(gate.verdict, Verdict::Blocked);
        assert!(status.required && findings[0].needs_plan);
        assert_eq!(
            gate.reason,
            "because of: migration-drops-column (high, data-loss) at db/1.sql:3; needs a rollback plan"
        );
        assert_eq!(gate.gating.len(), 1);
        assert_eq!(gate.gating[0].class, GatingClass::DataLoss);
        let (_, gate) = decide(&score(40), &mut vec![drop_column()], Some(&good), &cfg, &[]);
        assert_eq!(gate.verdict, Verdict::PassedWithPlan);
        let mut findings = vec![drop_column()];
        let (status, gate) = decide(&score(75), &mut findings, Some(&bad), &cfg, &[]);
        assert_eq!(gate.verdict, Verdict::Blocked);
        assert!(!status.valid && status.found);
        assert!(findings.len() > 1, "{findings:?}");
    }

    #[test]
    fn context_and_findings_without_a_class_never_block() {
        let cfg = GateConfig::default();
        // A critical score made of a high finding that only ranks, and context.
        let mut findings = vec![
            gating("untested-function-changed", Severity::High, None),
            gating("ci-workflow-runs-untrusted-code", Severity::Critical, None),
        ];
        let (status, gate) = decide(&score(95), &mut findings, None, &cfg, &[]);
        assert_eq!(gate.verdict, Verdict::Passed, "{}", gate.reason);
        assert!(!status.required && findings.iter().all(|f| !f.needs_plan));
        assert!(gate.gating.is_empty());
        // A gating class below require_plan_at ranks too.
        let mut findings = vec![gating(
            "migration-sets-not-null",
            Severity::Medium,
            Some(GatingClass::BrokenContract),
        )];
        assert_eq!(
            decide(&score(40), &mut findings, None, &cfg, &[]).1.verdict,
            Verdict::Passed
        );
    }

    #[test]
    fn block_on_score_is_the_only_way_the_score_gates() {
        let cfg = GateConfig {
            block_on_score: Threshold::At(Level::High),
            ..Default::default()
        };
        let (status, gate) = decide(&score(45), &mut vec![], None, &cfg, &[]);
        assert!(status.required);
        assert_eq!(gate.verdict, Verdict::Blocked);
        assert!(gate.reason.contains("reaches gate.block_on_score"), "{}", gate.reason);
        assert_eq!(
            decide(&score(39), &mut vec![], None, &cfg, &[]).1.verdict,
            Verdict::Passed
        );
    }

    #[test]
    fn block_at_compares_gating_severity_and_blocks_even_with_a_plan() {
        let cfg = GateConfig {
            block_at: Threshold::At(Level::Critical),
            ..Default::default()
        };
        let good = PlanInput {
            source: "file:p".into(),
            text: PLAN.into(),
        };
        let critical = gating(
            "migration-drops-schema",
            Severity::Critical,
            Some(GatingClass::DataLoss),
        );
        let (_, gate) = decide(&score(80), &mut vec![critical], Some(&good), &cfg, &[]);
        assert_eq!(gate.verdict, Verdict::Blocked);
        assert!(gate.reason.contains("a plan cannot unblock it"), "{}", gate.reason);
        // A critical score without a critical gating finding is not a hard block.
        let (_, gate) = decide(&score(90), &mut vec![drop_column()], Some(&good), &cfg, &[]);
        assert_eq!(gate.verdict, Verdict::PassedWithPlan, "{}", gate.reason);
    }

    #[test]
    fn a_waived_critical_still_needs_a_plan() {
        let mut f = gating(
            "migration-drops-schema",
            Severity::Critical,
            Some(GatingClass::DataLoss),
        );
        f.suppressed = Some(crate::model::Suppression {
            reason: "r".into(),
            source: "s".into(),
        });
        let (status, gate) = decide(&score(0), &mut vec![f], None, &GateConfig::default(), &[]);
        assert!(status.required);
        assert_eq!(gate.verdict, Verdict::Blocked);
        assert!(gate.reason.contains("waived migration-drops-schema"), "{}", gate.reason);
    }
}
