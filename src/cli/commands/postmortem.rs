//! `postmortem`: the draft, and the incident recorded for the history factor and `calibrate`.

use crate::cli::output::*;
use crate::cli::session::*;
use crate::cli::{args::Cli, ExitStatus};
use crate::incidents::{self, Incident};
use crate::postmortem::{self, render, Request};
use anyhow::{bail, Context, Result};
use std::path::Path;

pub fn postmortem(
    cli: &Cli,
    request: &Request,
    output: Option<&Path>,
    summary: Option<&str>,
    record: bool,
) -> Result<ExitStatus> {
    let repo = open_repo(cli)?;
    let pm = postmortem::investigate(&repo, request, cli.config.as_deref())?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let today = render::utc_day(now);
    emit(&render::render(&pm, &today), output)?;
    if let Some(path) = output {
        if !cli.quiet {
            note(&format!("riskgate: postmortem draft written to {}\n", path.display()));
        }
    }
    if record && !pm.cause_is_known() {
        if !cli.quiet {
            note("riskgate: the incident is not recorded: the cause is a candidate from blame (see the draft); name it to record it: riskgate postmortem CAUSE --fixed-by FIX\n");
        }
    } else if record {
        let incident = Incident {
            cause: pm.cause.sha.clone(),
            fixed_by: pm.fix.as_ref().map(|f| f.sha.clone()),
            summary: one_line(summary.unwrap_or(&pm.fix.as_ref().unwrap_or(&pm.cause).summary)),
            recorded: Some(today),
        };
        let done = record_incident(&repo.root(), &incident)?;
        if !cli.quiet {
            note(&format!("riskgate: {done}\n"));
        }
    }
    Ok(ExitStatus::Passed)
}

/// A summary is one line of at most 200 characters: a commit subject can be any length.
fn one_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or("").trim();
    match line.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line.to_string(),
    }
}

/// Appends the incident to the working tree's file, unless its cause is already there. Never
/// through a link, and never over a file riskgate cannot read back.
fn record_incident(root: &Path, incident: &Incident) -> Result<String> {
    let path = root.join(incidents::PATH);
    let dir = path.parent().context("the incidents file has a folder")?;
    for p in [dir, path.as_path()] {
        if std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink()) {
            bail!("cannot record the incident: {} is a symbolic link", p.display());
        }
    }
    let existing = match std::fs::symlink_metadata(&path) {
        Ok(m) if m.len() > incidents::MAX_BYTES => bail!(
            "cannot record the incident: {} is over {} bytes",
            path.display(),
            incidents::MAX_BYTES
        ),
        Ok(_) => std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?,
        Err(_) => String::new(),
    };
    let known = incidents::parse(&crate::config::SourceText {
        name: incidents::PATH.to_string(),
        text: existing.clone(),
    })?;
    if known.iter().any(|k| incident.cause.starts_with(&k.cause)) {
        return Ok(format!("the incident is already recorded in {}", incidents::PATH));
    }
    // Written only if riskgate reads it back with exactly this one more incident.
    let text = incidents::append(&existing, incident);
    let read_back = incidents::parse(&crate::config::SourceText {
        name: incidents::PATH.to_string(),
        text: text.clone(),
    });
    if !read_back.is_ok_and(|all| all.len() == known.len() + 1) {
        bail!(
            "cannot record the incident: {} would not read back with it (too large, or not written as [[incident]] tables); add it by hand",
            incidents::PATH
        );
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(format!(
        "incident recorded in {} (commit it: the history factor and calibrate read it from the base)",
        incidents::PATH
    ))
}
