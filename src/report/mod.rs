//! Stage 7: render one `Report` in every format. Renderers never decide anything.

pub mod escape;
pub mod github;
pub mod json;
pub mod markdown;
pub mod sarif;
pub mod text;

use crate::diff::ChangeSet;
use crate::gate::{GateResult, PlanStatus};
use crate::model::Finding;
use crate::model::RuleDoc;
use crate::score::Score;
use serde::Serialize;

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
    Markdown,
    Github,
}

#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct RangeOut {
    pub base: String,
    pub head: String,
    pub merge_base: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CommitOut {
    pub sha: String,
    pub summary: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    pub files_changed: usize,
    pub lines_added: u64,
    pub lines_removed: u64,
    /// Changed lines the coverage report measures, and how many of them ran; only with a report.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patch_coverage: Option<PatchCoverage>,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct PatchCoverage {
    pub covered: usize,
    pub coverable: usize,
}

impl std::fmt::Display for PatchCoverage {
    /// `3/4 changed lines covered (75%)`; no coverable line counts as fully covered.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let pct = if self.coverable == 0 {
            100.0
        } else {
            100.0 * self.covered as f64 / self.coverable as f64
        };
        write!(
            f,
            "{}/{} changed lines covered ({pct:.0}%)",
            self.covered, self.coverable
        )
    }
}

/// The JSON report of design §3, and what every other format renders.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    pub range: RangeOut,
    pub commits: Vec<CommitOut>,
    pub stats: Stats,
    pub findings: Vec<Finding>,
    pub score: Score,
    pub plan: PlanStatus,
    pub gate: GateResult,
    /// Present when the policy asks for a rehearsal (`[rehearse]`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rehearsal: Option<crate::rehearse::InCheck>,
}

impl Report {
    pub fn new(
        change: &ChangeSet,
        mut findings: Vec<Finding>,
        score: Score,
        plan: PlanStatus,
        gate: GateResult,
    ) -> Report {
        findings.sort_by(|a, b| {
            a.file
                .cmp(&b.file)
                .then(a.line.cmp(&b.line))
                .then(b.severity.cmp(&a.severity))
                .then(a.rule.cmp(&b.rule))
        });
        Report {
            schema_version: SCHEMA_VERSION,
            tool: Tool {
                name: "riskgate",
                version: env!("CARGO_PKG_VERSION"),
            },
            range: RangeOut {
                base: change.range.base.clone(),
                head: change.range.head.clone(),
                merge_base: change.range.merge_base.clone(),
            },
            commits: change
                .commits
                .iter()
                .map(|c| CommitOut {
                    sha: c.sha.clone(),
                    summary: c.summary.clone(),
                })
                .collect(),
            stats: Stats {
                files_changed: change.files.len(),
                lines_added: change.files.iter().map(|f| u64::from(f.lines_added)).sum(),
                lines_removed: change.files.iter().map(|f| u64::from(f.lines_removed)).sum(),
                patch_coverage: None,
            },
            findings,
            score,
            plan,
            gate,
            rehearsal: None,
        }
    }

    /// Findings that count, most severe first: what summaries and annotations lead with.
    /// "3 files changed, +40 −2 in 1 commit": the change's size, as every report opens.
    pub fn size_line(&self) -> String {
        let n = self.commits.len();
        format!(
            "{} files changed, +{} −{} in {n} commit{}",
            self.stats.files_changed,
            self.stats.lines_added,
            self.stats.lines_removed,
            if n == 1 { "" } else { "s" }
        )
    }

    /// "1 high, 5 medium, 2 info": findings neither waived nor mitigated, per severity.
    pub fn counts_by_severity(&self) -> Vec<String> {
        use crate::model::Severity;
        [
            Severity::Critical,
            Severity::High,
            Severity::Medium,
            Severity::Low,
            Severity::Info,
        ]
        .iter()
        .filter_map(|s| {
            let n = self
                .findings
                .iter()
                .filter(|f| f.severity == *s && f.suppressed.is_none() && f.mitigated_by.is_empty())
                .count();
            (n > 0).then(|| format!("{n} {}", s.as_str()))
        })
        .collect()
    }

    pub fn ranked(&self) -> Vec<&Finding> {
        let mut v: Vec<&Finding> = self.findings.iter().filter(|f| f.suppressed.is_none()).collect();
        v.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then(a.file.cmp(&b.file))
                .then(a.line.cmp(&b.line))
        });
        v
    }
}

/// What a renderer may need beyond the report itself.
pub struct RenderContext<'a> {
    pub docs: &'a [RuleDoc],
    /// `audit`: explain every rule that fired and list every contribution.
    pub full: bool,
    pub quiet: bool,
    pub verbose: bool,
}

impl RenderContext<'_> {
    pub fn doc(&self, id: &str) -> Option<&RuleDoc> {
        self.docs.iter().find(|d| d.id == id)
    }
}

pub fn render(report: &Report, format: Format, ctx: &RenderContext<'_>) -> String {
    match format {
        Format::Text => text::render(report, ctx),
        Format::Json => json::render(report),
        Format::Sarif => sarif::render(report, ctx),
        Format::Markdown => markdown::render(report, ctx),
        Format::Github => github::render(report, ctx),
    }
}

/// Where the advice is read: a terminal (a person who can run commands and commit) or a pull
/// request (where the plan can live in the description).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Terminal,
    PullRequest,
}

/// What a blocked author can do, in the order they should try it. The plan's problems are
/// listed with the plan, not repeated here.
pub fn next_steps(report: &Report, audience: Audience) -> Vec<String> {
    use crate::gate::Verdict;
    let mut steps = Vec::new();
    if report.gate.verdict == Verdict::Blocked {
        if !report.plan.found {
            steps.push(match audience {
                Audience::Terminal => "run `riskgate plan init` to write ROLLBACK.md naming each risky change, fill it in (`riskgate plan check` reads it before you commit), then commit it".to_string(),
                Audience::PullRequest => "add a `## Rollback plan` section to the pull request description (with `### Rollback steps`, `### Verification` and, when data is at risk, `### Backup`), or commit a ROLLBACK.md (`riskgate plan init` writes one)".to_string(),
            });
        } else if !report.plan.valid {
            steps.push("fix the problems listed with the rollback plan".to_string());
        }
        steps.push("or make the change safer: each finding's help says how".to_string());
        steps.push("a finding that is wrong can be waived with a reason: `riskgate: allow(RULE) reason=\"…\"` in a comment, or a [[waiver]] in riskgate.toml".to_string());
    }
    steps
}
