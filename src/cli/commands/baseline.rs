//! `baseline write`: accept today's findings so that only new ones count.

use crate::cli::args::*;
use crate::cli::output::say;
use crate::cli::session::*;
use crate::cli::ExitStatus;
use crate::policy::PolicyChoice;
use anyhow::{Context, Result};

pub fn baseline_write(cli: &Cli, args: &AnalysisArgs) -> Result<ExitStatus> {
    let Some((report, _, root)) = report_for(cli, args, None, PolicyChoice::Base, None)? else {
        return Ok(ExitStatus::Passed);
    };
    // Findings already baselined stay baselined: they are recorded again.
    let mut all = report.findings.clone();
    for f in all
        .iter_mut()
        .filter(|f| f.suppressed.as_ref().is_some_and(|s| s.source.starts_with("baseline:")))
    {
        f.suppressed = None;
    }
    let baseline = crate::baseline::Baseline::from_findings(&all);
    let path = root.join(crate::baseline::FILE_NAME);
    std::fs::write(&path, serde_json::to_string_pretty(&baseline)? + "\n")
        .with_context(|| format!("cannot write {}", path.display()))?;
    if !cli.quiet {
        say(&format!(
            "wrote {} with {} findings",
            path.display(),
            baseline.findings.len()
        ))?;
    }
    Ok(ExitStatus::Passed)
}
