//! `--format text`: coloured, grouped by file, with the offending line.

use super::escape::terminal;
use super::{next_steps, RenderContext, Report};
use crate::gate::Verdict;
use crate::model::{Finding, Severity};
use crate::text::short_sha as short;
use colored::{ColoredString, Colorize};
use std::collections::BTreeSet;
use std::fmt::Write;

fn severity_label(s: Severity) -> ColoredString {
    let label = format!("{:<8}", s.as_str());
    match s {
        Severity::Critical => label.red().bold(),
        Severity::High => label.red(),
        Severity::Medium => label.yellow(),
        Severity::Low => label.cyan(),
        Severity::Info => label.dimmed(),
    }
}

fn verdict_label(v: Verdict) -> ColoredString {
    match v {
        Verdict::Passed => "PASSED".green().bold(),
        Verdict::PassedWithPlan => "PASSED WITH PLAN".green().bold(),
        Verdict::Blocked => "BLOCKED".red().bold(),
    }
}

fn finding_block(out: &mut String, f: &Finding) {
    let line = terminal(&f.location());
    let _ = writeln!(
        out,
        "  {} {}  {}",
        severity_label(f.severity),
        terminal(&f.rule).bold(),
        line.dimmed()
    );
    let _ = writeln!(out, "           {}", terminal(&f.message));
    if let Some(e) = &f.evidence {
        if e.contains('\n') {
            // Already numbered lines (the changed lines of a function).
            for line in e.lines() {
                let _ = writeln!(out, "           {} {}", "│".dimmed(), terminal(line));
            }
        } else {
            let gutter = f.line.map(|l| l.to_string()).unwrap_or_default();
            let _ = writeln!(out, "           {} {} {}", gutter.dimmed(), "│".dimmed(), terminal(e));
        }
    }
    if let Some(s) = &f.suppressed {
        let _ = writeln!(
            out,
            "           {} {} ({})",
            "waived:".dimmed(),
            terminal(&s.reason),
            terminal(&s.source)
        );
    } else if !f.mitigated_by.is_empty() {
        let _ = writeln!(
            out,
            "           {} {}",
            "mitigated by:".green(),
            terminal(&f.mitigated_by.join(", "))
        );
    } else if !f.help.is_empty() {
        let _ = writeln!(out, "           {} {}", "help:".cyan(), terminal(&f.help));
    }
}

pub fn render(report: &Report, ctx: &RenderContext<'_>) -> String {
    let mut out = String::new();
    let verdict = format!(
        "{} {} — {}",
        "Verdict".bold(),
        verdict_label(report.gate.verdict),
        terminal(&report.gate.reason)
    );
    if ctx.quiet {
        let _ = writeln!(out, "{verdict}");
        return out;
    }
    let _ = writeln!(
        out,
        "{} {} ({}..{})\n",
        "riskgate".bold(),
        report.size_line(),
        short(&report.range.merge_base),
        short(&report.range.head),
    );
    // The point first: the verdict, the score with the counts, what needs a plan, what to do.
    let _ = writeln!(out, "{verdict}");
    let counts = report.counts_by_severity();
    let _ = writeln!(
        out,
        "{} {} ({}){}",
        "Score".bold(),
        report.score.value,
        report.score.level,
        if counts.is_empty() {
            String::new()
        } else {
            format!(" · {}", counts.join(", "))
        }
    );
    if let Some(r) = &report.rehearsal {
        let _ = writeln!(out, "{} {}", "Rehearsal".bold(), terminal(&r.summary()));
    }
    let gating: Vec<&Finding> = report
        .ranked()
        .into_iter()
        .filter(|f| f.needs_plan && f.is_active())
        .collect();
    for f in gating.iter().take(5) {
        let _ = writeln!(
            out,
            "  needs a plan: {} at {}",
            terminal(&f.rule),
            terminal(&f.location())
        );
    }
    if gating.len() > 5 {
        let _ = writeln!(out, "  … and {} more that need a plan", gating.len() - 5);
    }
    for step in next_steps(report, super::Audience::Terminal) {
        let _ = writeln!(out, "  • {step}");
    }
    out.push('\n');

    // Then the findings, most severe first; low and info folded to a line per rule unless -v.
    let detailed = |f: &&Finding| ctx.verbose || ctx.full || f.severity >= Severity::Medium;
    let mut shown: Vec<&Finding> = report.findings.iter().filter(detailed).collect();
    shown.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.file.cmp(&b.file))
            .then(a.line.cmp(&b.line))
    });
    if report.findings.is_empty() {
        let _ = writeln!(out, "No findings.\n");
    }
    let mut current: Option<Severity> = None;
    for f in &shown {
        if current != Some(f.severity) {
            let _ = writeln!(out, "{}", f.severity.as_str().to_uppercase().underline());
            current = Some(f.severity);
        }
        finding_block(&mut out, f);
    }
    let mut folded: std::collections::BTreeMap<(std::cmp::Reverse<Severity>, &str), Vec<&str>> = Default::default();
    for f in report.findings.iter().filter(|f| !detailed(f)) {
        folded
            .entry((std::cmp::Reverse(f.severity), f.rule.as_str()))
            .or_default()
            .push(f.file.as_deref().unwrap_or("(whole change)"));
    }
    if !folded.is_empty() {
        let _ = writeln!(out, "{}", "LOW AND INFO (-v shows each)".underline());
        for ((severity, rule), files) in &folded {
            let mut names: Vec<&str> = files.clone();
            names.dedup();
            let more = if names.len() > 3 {
                format!(", … {} more", names.len() - 3)
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "  {} {} ×{}: {}{more}",
                severity_label(severity.0),
                terminal(rule),
                files.len(),
                terminal(&names.iter().take(3).copied().collect::<Vec<_>>().join(", "))
            );
        }
    }
    if !shown.is_empty() || !folded.is_empty() {
        out.push('\n');
    }
    if ctx.full {
        let rules: BTreeSet<&str> = report.findings.iter().map(|f| f.rule.as_str()).collect();
        if !rules.is_empty() {
            let _ = writeln!(out, "{}", "Why these rules fire".bold());
            for id in rules {
                if let Some(doc) = ctx.doc(id) {
                    let _ = writeln!(out, "  {}: {}", id.bold(), doc.why);
                    if !doc.rollback.is_empty() {
                        let _ = writeln!(out, "    {} {}", "roll back:".cyan(), doc.rollback.replace('\n', " "));
                    }
                }
            }
            out.push('\n');
        }
    }
    if let Some(pc) = report.stats.patch_coverage {
        let _ = writeln!(out, "{} {pc}", "Patch coverage".bold());
    }
    // What makes up the score: rows that add nothing are left out.
    let limit = if ctx.full { usize::MAX } else { 3 };
    let contributions: Vec<_> = report.score.contributions.iter().filter(|c| c.points > 0).collect();
    if !contributions.is_empty() {
        let _ = writeln!(out, "{}", "Why the score".bold());
        let _ = writeln!(out, "  {}", report.score.meaning.dimmed());
    }
    for c in contributions.iter().take(limit) {
        let what = c.rule.as_deref().or(c.factor.as_deref()).unwrap_or("");
        let loc = match (&c.file, c.line) {
            (Some(f), Some(l)) => format!("{f}:{l}"),
            (Some(f), None) => f.clone(),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "  +{:<3} {} {} {}",
            c.points,
            terminal(what),
            terminal(&loc).dimmed(),
            terminal(&c.hint).dimmed()
        );
    }
    if contributions.len() > limit {
        let _ = writeln!(
            out,
            "  … {} more factors (riskgate audit or --format json lists all)",
            contributions.len() - limit
        );
    }
    let plan = &report.plan;
    let plan_line = match (plan.required, plan.found, plan.valid) {
        (_, true, true) => format!("valid ({})", plan.source.as_deref().unwrap_or("")),
        // The problems are findings of the plan's file, shown above: said once.
        (_, true, false) => format!(
            "invalid ({}): {} problem{}, listed with the findings above",
            plan.source.as_deref().unwrap_or(""),
            plan.problems.len(),
            if plan.problems.len() == 1 { "" } else { "s" }
        ),
        (true, false, _) => "required, none found".to_string(),
        (false, false, _) => "not required".to_string(),
    };
    let _ = writeln!(out, "{} {}", "Rollback plan".bold(), terminal(&plan_line));
    out
}
