//! `check` and `audit`: the report of a range, rendered, and (for `check`) gated.

use crate::cli::args::*;
use crate::cli::output::*;
use crate::cli::session::*;
use crate::cli::ExitStatus;
use crate::config::Threshold;
use crate::policy::PolicyChoice;
use crate::report::{self, Format, RenderContext};
use anyhow::{Context, Result};
use std::io::Write;

/// `gate`: `Some` for `check` (with its `--fail-level`, if any), `None` for `audit`.
pub fn analyse(
    cli: &Cli,
    args: &AnalysisArgs,
    branch: Option<&str>,
    choice: PolicyChoice,
    gate: Option<Option<Threshold>>,
) -> Result<ExitStatus> {
    let fail_level = gate.flatten();
    let gate = gate.is_some();
    // An audit that takes over a second says it is working, on a terminal only.
    let progress = if gate || cli.quiet {
        None
    } else {
        Progress::start("riskgate: reading and analysing the range…")
    };
    let result = report_for(cli, args, branch, choice, fail_level);
    drop(progress);
    let Some((report, rules, _)) = result? else {
        return Ok(ExitStatus::Passed);
    };
    let ctx = RenderContext {
        docs: &rules.docs,
        full: !gate,
        quiet: cli.quiet,
        verbose: cli.verbose,
    };
    // The SARIF file first, so that a path that cannot be written leaves no half-done output.
    if let Some(path) = &args.sarif_file {
        emit(&report::render(&report, Format::Sarif, &ctx), Some(path))?;
    }
    let rendered = report::render(&report, args.format, &ctx);
    emit(&rendered, args.output.as_deref())?;
    if args.format == Format::Github {
        write_github_files(&report, &ctx)?;
    }
    Ok(ExitStatus::blocked_if(
        gate && report.gate.verdict == crate::gate::Verdict::Blocked,
    ))
}

/// In GitHub Actions (`--format github`): the markdown goes to the job summary and the score,
/// level and verdict to the step outputs, when the runner provides those files.
fn write_github_files(report: &report::Report, ctx: &RenderContext<'_>) -> Result<()> {
    use std::fs::OpenOptions;
    let append = |var: &str, text: &str| -> Result<()> {
        if let Some(path) = std::env::var_os(var).filter(|p| !p.is_empty()) {
            let mut f = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .with_context(|| format!("cannot write ${var}"))?;
            f.write_all(text.as_bytes())?;
        }
        Ok(())
    };
    append("GITHUB_STEP_SUMMARY", &report::markdown::render(report, ctx))?;
    append(
        "GITHUB_OUTPUT",
        &format!(
            "score={}\nlevel={}\nverdict={}\n",
            report.score.value,
            report.score.level,
            report.gate.verdict.as_str()
        ),
    )
}
