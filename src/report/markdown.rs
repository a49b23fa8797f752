//! `--format markdown`: a PR comment or job summary.

use super::escape::{code, markdown};
use super::{next_steps, RenderContext, Report};
use crate::gate::Verdict;
use crate::model::Severity;
use crate::text::short_sha as short;
use std::fmt::Write;

/// Escapes text for a table cell.
pub fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

pub fn render(report: &Report, ctx: &RenderContext<'_>) -> String {
    let mut out = String::new();
    let icon = match report.gate.verdict {
        Verdict::Passed => "✅",
        Verdict::PassedWithPlan => "🟡",
        Verdict::Blocked => "⛔",
    };
    let _ = writeln!(
        out,
        "## {icon} riskgate: {} — risk {} ({})\n",
        report.gate.verdict.as_str(),
        report.score.value,
        report.score.level
    );
    let _ = writeln!(out, "{}\n", markdown(&report.gate.reason));
    let counts = report.counts_by_severity();
    if !counts.is_empty() {
        let _ = writeln!(out, "Findings: {}.\n", counts.join(", "));
    }
    let _ = writeln!(
        out,
        "{} (`{}..{}`).\n",
        report.size_line(),
        short(&report.range.merge_base),
        short(&report.range.head)
    );
    if let Some(pc) = report.stats.patch_coverage {
        let _ = writeln!(out, "Patch coverage: {pc}.\n");
    }
    if let Some(r) = &report.rehearsal {
        let _ = writeln!(out, "Rehearsal: {}.\n", markdown(&r.summary()));
    }
    if report.findings.is_empty() {
        let _ = writeln!(out, "No findings.\n");
    } else {
        let _ = writeln!(out, "| Severity | Rule | Location | Finding |\n|---|---|---|---|");
        // Most severe first: a summary is read from the top.
        // Low and info findings fold into one row per rule unless -v.
        let detailed = |f: &&crate::model::Finding| ctx.verbose || ctx.full || f.severity >= Severity::Medium;
        let mut rows: Vec<&crate::model::Finding> = report.findings.iter().filter(detailed).collect();
        rows.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then(a.file.cmp(&b.file))
                .then(a.line.cmp(&b.line))
        });
        for f in rows {
            let mut what = markdown(&f.message);
            if let Some(e) = &f.evidence {
                for line in e.lines() {
                    let _ = write!(what, "<br>`{}`", code(line));
                }
            }
            if let Some(s) = &f.suppressed {
                let _ = write!(what, "<br>_waived: {}_", markdown(&s.reason));
            } else if !f.mitigated_by.is_empty() {
                let _ = write!(what, "<br>_mitigated by {}_", markdown(&f.mitigated_by.join(", ")));
            }
            let _ = writeln!(
                out,
                "| {} | `{}` | `{}` | {} |",
                f.severity,
                code(&f.rule),
                code(&f.location()),
                what
            );
        }
        let mut folded: std::collections::BTreeMap<(std::cmp::Reverse<Severity>, &str), Vec<String>> =
            Default::default();
        for f in report.findings.iter().filter(|f| !detailed(f)) {
            folded
                .entry((std::cmp::Reverse(f.severity), f.rule.as_str()))
                .or_default()
                .push(f.location());
        }
        for ((severity, rule), places) in &folded {
            let more = if places.len() > 3 {
                format!(", … {} more", places.len() - 3)
            } else {
                String::new()
            };
            let shown: Vec<String> = places.iter().take(3).map(|p| format!("`{}`", code(p))).collect();
            let _ = writeln!(
                out,
                "| {} | `{}` | {} finding{} | {}{more} |",
                severity.0,
                code(rule),
                places.len(),
                if places.len() == 1 { "" } else { "s" },
                shown.join(", ")
            );
        }
        out.push('\n');
    }
    // What makes up the score: rows that add nothing are left out.
    let contributions: Vec<_> = report.score.contributions.iter().filter(|c| c.points > 0).collect();
    if !contributions.is_empty() {
        let _ = writeln!(out, "### Why the score is {}\n", report.score.value);
        let _ = writeln!(out, "_{}_\n", markdown(report.score.meaning));
        let limit = if ctx.full { usize::MAX } else { 10 };
        for c in contributions.iter().take(limit) {
            let what = c.rule.as_deref().or(c.factor.as_deref()).unwrap_or("");
            let loc = match (&c.file, c.line) {
                (Some(f), Some(l)) => format!(" `{}:{l}`", code(f)),
                (Some(f), None) => format!(" `{}`", code(f)),
                _ => String::new(),
            };
            let _ = writeln!(out, "- **+{}** `{}`{loc}: {}", c.points, code(what), markdown(&c.hint));
        }
        out.push('\n');
    }
    let plan = &report.plan;
    let _ = writeln!(out, "### Rollback plan\n");
    let _ = writeln!(
        out,
        "Required: {} · found: {}{} · valid: {}\n",
        if plan.required { "yes" } else { "no" },
        if plan.found { "yes" } else { "no" },
        plan.source
            .as_ref()
            .map(|s| format!(" (`{}`)", code(s)))
            .unwrap_or_default(),
        if plan.valid { "yes" } else { "no" }
    );
    if !plan.problems.is_empty() {
        // Each problem is a row of the findings table above: said once.
        let n = plan.problems.len();
        let _ = writeln!(
            out,
            "{n} problem{} with the plan, in the table above (rules `plan-*`).",
            if n == 1 { "" } else { "s" }
        );
    }
    let steps = next_steps(report, super::Audience::PullRequest);
    if !steps.is_empty() {
        let _ = writeln!(out, "\n### What to do next\n");
        for s in steps {
            let _ = writeln!(out, "- {s}");
        }
    }
    out
}
