//! Stage 6: the gate. The score, the thresholds and the rollback plan give the verdict.

pub mod plan;

pub use plan::{
    PLAN_MISSING_SECTION, PLAN_NO_BACKUP_EVIDENCE, PLAN_NO_OWNER, PLAN_NO_VERIFICATION, PLAN_ONLY_REVERT,
    PLAN_PLACEHOLDER, PLAN_TEMPLATE_UNCHANGED, PLAN_TOO_THIN, PLAN_UNCOVERED_CHANGE,
};

use crate::config::{GateConfig, Threshold};
use crate::finding::{Finding, Severity};
use crate::score::Score;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Passed,
    PassedWithPlan,
    Blocked,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Passed => "passed",
            Verdict::PassedWithPlan => "passed-with-plan",
            Verdict::Blocked => "blocked",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanStatus {
    pub required: bool,
    pub found: bool,
    pub source: Option<String>,
    pub valid: bool,
    pub problems: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GateResult {
    pub verdict: Verdict,
    pub reason: String,
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
    let data_risk = findings.iter().any(|f| {
        f.is_active()
            && f.tags
                .iter()
                .any(|t| matches!(t.as_str(), "destructive" | "data-rewrite" | "json-reshape"))
    });
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

/// Decides the verdict. Plan problems are appended to `findings` so every report shows them.
pub fn decide(
    score: &Score,
    findings: &mut Vec<Finding>,
    plan: Option<&PlanInput>,
    config: &GateConfig,
    extra_sections: &[String],
) -> (PlanStatus, GateResult) {
    let waived_critical = findings
        .iter()
        .any(|f| f.severity == Severity::Critical && f.suppressed.is_some());
    let over = |t: Threshold| matches!(t, Threshold::At(level) if score.level >= level);
    let required = over(config.require_plan_at) || waived_critical;
    let mut status = PlanStatus {
        required,
        found: plan.is_some(),
        source: None,
        valid: false,
        problems: Vec::new(),
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
        let blocking: Vec<&Finding> = problems.iter().filter(|p| p.rule != "plan-no-owner").collect();
        status.valid = blocking.is_empty();
        status.problems = blocking.iter().map(|p| p.message.clone()).collect();
        findings.extend(problems);
    }
    let level = format!("risk {} ({})", score.value, score.level);
    let result = if over(config.block_at) {
        GateResult {
            verdict: Verdict::Blocked,
            reason: format!("{level} is at or above gate.block_at; a plan cannot unblock it"),
        }
    } else if required && status.valid {
        GateResult {
            verdict: Verdict::PassedWithPlan,
            reason: format!("{level} is covered by a valid rollback plan"),
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
        let level = if waived_critical && !over(config.require_plan_at) {
            format!("{level} with a waived critical finding")
        } else {
            level
        };
        GateResult {
            verdict: Verdict::Blocked,
            reason: format!("{level} {why}"),
        }
    } else {
        GateResult {
            verdict: Verdict::Passed,
            reason: format!("{level} is below the plan threshold"),
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
        }
    }

    const PLAN: &str =
        "## Rollback steps\n1. redeploy v1 (5 min)\n## Verification\nThe health check `/healthz` returns 200.\n";

    #[test]
    fn verdicts() {
        let cfg = GateConfig::default();
        let good = PlanInput {
            source: "file:ROLLBACK.md".into(),
            text: PLAN.into(),
        };
        let bad = PlanInput {
            source: "file:ROLLBACK.md".into(),
            text: "## Rollback steps\nTODO\n".into(),
        };
        assert_eq!(
            decide(&score(10), &mut vec![], None, &cfg, &[]).1.verdict,
            Verdict::Passed
        );
        assert_eq!(
            decide(&score(40), &mut vec![], None, &cfg, &[]).1.verdict,
            Verdict::Blocked
        );
        assert_eq!(
            decide(&score(40), &mut vec![], Some(&good), &cfg, &[]).1.verdict,
            Verdict::PassedWithPlan
        );
        let mut findings = vec![];
        let (status, gate) = decide(&score(75), &mut findings, Some(&bad), &cfg, &[]);
        assert_eq!(gate.verdict, Verdict::Blocked);
        assert!(!status.valid && status.found);
        assert_eq!(findings.len(), 2, "{findings:?}");
    }

    #[test]
    fn block_at_blocks_even_with_a_plan() {
        let cfg = GateConfig {
            block_at: Threshold::At(Level::Critical),
            ..Default::default()
        };
        let good = PlanInput {
            source: "file:p".into(),
            text: PLAN.into(),
        };
        assert_eq!(
            decide(&score(90), &mut vec![], Some(&good), &cfg, &[]).1.verdict,
            Verdict::Blocked
        );
    }

    #[test]
    fn a_waived_critical_still_needs_a_plan() {
        let mut f = Finding::new("a-b", "pattern", Severity::Critical, "m");
        f.suppressed = Some(crate::finding::Suppression {
            reason: "r".into(),
            source: "s".into(),
        });
        let (status, gate) = decide(&score(0), &mut vec![f], None, &GateConfig::default(), &[]);
        assert!(status.required);
        assert_eq!(gate.verdict, Verdict::Blocked);
    }
}
