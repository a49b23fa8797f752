//! `plan init` and `plan check`: write the rollback plan's skeleton, and check a plan.

use crate::cli::args::*;
use crate::cli::output::*;
use crate::cli::session::*;
use crate::cli::ExitStatus;
use crate::policy::PolicyChoice;
use crate::report::escape::terminal;
use anyhow::{Context, Result};

pub fn plan_init(cli: &Cli, args: &AnalysisArgs, force: bool) -> Result<ExitStatus> {
    let Some((report, _, root)) = report_for(cli, args, None, PolicyChoice::Base, None)? else {
        return Ok(ExitStatus::Passed);
    };
    let mut scope: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.needs_plan && f.is_active())
        .map(|f| format!("`{}` at `{}`: {}", f.rule, f.location(), f.message))
        .collect();
    if scope.is_empty() {
        scope = report
            .findings
            .iter()
            .filter(|f| f.is_active() && f.analyzer != crate::model::Analyzer::Gate)
            .map(|f| format!("`{}` at `{}`: {}", f.rule, f.location(), f.message))
            .collect();
    }
    scope.dedup();
    let path = args.output.clone().unwrap_or_else(|| root.join("ROLLBACK.md"));
    // An existing plan is the user's work: new risks join its Scope, nothing written is lost.
    if path.exists() && !force {
        let existing = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let (text, added) = crate::gate::plan::add_to_scope(&existing, &scope);
        if added > 0 {
            emit(&text, Some(&path))?;
        }
        if !cli.quiet {
            say(&format!(
                "{}: {} kept as written; run `riskgate plan check` (--force starts over from the skeleton)",
                path.display(),
                match added {
                    0 => "every risky change is already in its Scope,".to_string(),
                    n => format!(
                        "added {n} risky change{} to its Scope, the rest",
                        if n == 1 { "" } else { "s" }
                    ),
                }
            ))?;
        }
        return Ok(ExitStatus::Passed);
    }
    emit(&crate::gate::plan::template(&scope), Some(&path))?;
    if !cli.quiet {
        say(&format!(
            "wrote {} with {} scope line(s); fill in every section, then run `riskgate plan check`",
            path.display(),
            scope.len()
        ))?;
    }
    Ok(ExitStatus::Passed)
}

pub fn plan_check(cli: &Cli, args: &AnalysisArgs) -> Result<ExitStatus> {
    let Some((report, _, _)) = report_for(cli, args, None, PolicyChoice::Base, None)? else {
        return Ok(ExitStatus::Passed);
    };
    let plan = &report.plan;
    let mut out = String::new();
    match (&plan.source, plan.valid) {
        (None, _) => out.push_str(
            "no rollback plan found (--plan FILE, a changed ROLLBACK.md, the PR body or a Rollback-Plan: trailer)\n",
        ),
        (Some(src), true) => out.push_str(&format!("rollback plan {} is valid\n", terminal(src))),
        (Some(src), false) => {
            out.push_str(&format!("rollback plan {} is not valid:\n", terminal(src)));
            for p in &plan.problems {
                out.push_str(&format!("  - {}\n", terminal(p)));
            }
        }
    }
    out.push_str(&format!(
        "gate: {} — {}\n",
        report.gate.verdict.as_str(),
        terminal(&report.gate.reason)
    ));
    emit(&out, None)?;
    Ok(ExitStatus::blocked_if(!plan.valid))
}
