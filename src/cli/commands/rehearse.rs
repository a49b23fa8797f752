//! `rehearse`: the change's SQL migrations on a throwaway PostgreSQL database, and the report.

use crate::cli::args::RulesFormat;
use crate::cli::output::*;
use crate::cli::session::*;
use crate::cli::{args::Cli, ExitStatus};
use crate::diff::git::Loaded;
use crate::model::{Finding, Severity};
use crate::pipeline::{self, RangeSpec};
use crate::policy::PolicyChoice;
use crate::rehearse::rules::duration;
use crate::rehearse::{self, Outcome, Rehearsal};
use crate::report::escape::terminal;
use anyhow::{bail, Context, Result};
use serde::Serialize;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// A schema file is read whole; bounded like every input.
const MAX_SCHEMA: u64 = 16 * 1024 * 1024;

pub struct Request {
    pub base: Option<String>,
    pub head: String,
    pub postgres_url: Option<String>,
    pub allow_superuser: bool,
    pub schema: Option<PathBuf>,
    pub rows: Option<u64>,
    pub timeout: Option<u64>,
    pub plan: Option<PathBuf>,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    schema_version: u32,
    tool: crate::report::Tool,
    range: crate::report::RangeOut,
    rehearsal: &'a Rehearsal,
    findings: &'a [Finding],
}

pub fn rehearse(cli: &Cli, request: &Request, format: RulesFormat, output: Option<&Path>) -> Result<ExitStatus> {
    let repo = open_repo(cli)?;
    let range = RangeSpec::Revisions {
        base: request.base.clone(),
        head: request.head.clone(),
    };
    let policy = pipeline::policy_for(&repo, &range, PolicyChoice::Base, cli.config.as_deref())?;
    let config = &policy.config;
    if let Some(d) = config
        .migrations
        .dialect
        .filter(|d| *d != crate::model::Dialect::Postgres)
    {
        bail!(
            "the rehearsal runs PostgreSQL, and [migrations] dialect is {}",
            <&str>::from(d)
        );
    }
    let change = match pipeline::read_change(&repo, config, &range)? {
        Loaded::Empty(msg) => {
            if !cli.quiet {
                note(&format!("riskgate: {msg}\n"));
            }
            return Ok(ExitStatus::Passed);
        }
        Loaded::Change(c) => c,
    };
    let script = rehearse::scripts_of(&repo, config, &change)?;
    if script.is_empty() {
        if !cli.quiet {
            let mut text = "riskgate: the change adds no SQL migration to rehearse\n".to_string();
            for (file, reason) in &script.not_rehearsed() {
                let _ = writeln!(text, "  not rehearsed: {} ({})", terminal(file), terminal(reason));
            }
            note(&text);
        }
        return Ok(ExitStatus::Passed);
    }
    let url = match &request.postgres_url {
        Some(url) => url.clone(),
        None => match config.rehearse.postgres_url_env.as_deref() {
            Some(var) => std::env::var(var)
                .ok()
                .filter(|u| !u.is_empty())
                .with_context(|| format!("the variable {var} that [rehearse] postgres_url_env names is not set"))?,
            None => match std::env::var(crate::rehearse::URL_VARIABLE).ok().filter(|u| !u.is_empty()) {
                Some(url) => url,
                None => bail!("give --postgres-url URL (a server meant for it: a CI service container), set {}, or name its variable in [rehearse] postgres_url_env", crate::rehearse::URL_VARIABLE),
            },
        },
    };
    let mut options = rehearse::options_of(&repo, config, &change, url)?;
    options.allow_superuser = request.allow_superuser;
    if let Some(rows) = request.rows {
        if rows > 1_000_000 {
            bail!("--rows: at most 1000000 synthetic rows per table");
        }
        options.rows = rows;
    }
    if let Some(seconds) = request.timeout {
        options.timeout_seconds = seconds;
    }
    if let Some(path) = &request.schema {
        let size = std::fs::metadata(path)
            .with_context(|| format!("cannot read schema {}", path.display()))?
            .len();
        if size > MAX_SCHEMA {
            bail!("schema {} is over {MAX_SCHEMA} bytes", path.display());
        }
        options.schema =
            Some(std::fs::read_to_string(path).with_context(|| format!("cannot read schema {}", path.display()))?);
    }
    if let Some(path) = &request.plan {
        options.plan_backup = rehearse::plan_backup_sql(
            &std::fs::read_to_string(path).with_context(|| format!("cannot read plan {}", path.display()))?,
        );
    }
    let progress = if cli.quiet {
        None
    } else {
        Progress::start("riskgate: rehearsing the migrations…")
    };
    let result = rehearse::rehearse_all(&script, &options);
    drop(progress);
    let rehearsal = result?;
    let findings = rehearse::rules::findings(&rehearsal);
    let text = match format {
        RulesFormat::Json => {
            let report = JsonReport {
                schema_version: crate::report::SCHEMA_VERSION,
                tool: crate::report::Tool {
                    name: "riskgate",
                    version: env!("CARGO_PKG_VERSION"),
                },
                range: crate::report::RangeOut {
                    base: change.range.base.clone(),
                    head: change.range.head.clone(),
                    merge_base: change.range.merge_base.clone(),
                },
                rehearsal: &rehearsal,
                findings: &findings,
            };
            serde_json::to_string_pretty(&report)? + "\n"
        }
        _ => render(&rehearsal, &findings),
    };
    emit(&text, output)?;
    Ok(ExitStatus::blocked_if(
        findings.iter().any(|f| f.is_active() && f.severity >= Severity::High),
    ))
}

fn outcome(o: &Outcome) -> String {
    match o {
        Outcome::Applied { elapsed_ms } => format!("applied in {}", duration(*elapsed_ms)),
        Outcome::Failed { error, line, .. } => format!("FAILED at line {line}: {}", terminal(error)),
        Outcome::NotRun => "not run".to_string(),
        Outcome::Skipped { reason } => format!("skipped: {}", terminal(reason)),
    }
}

/// The report as text: what ran, what was measured, what came back, and the findings.
pub fn render(r: &Rehearsal, findings: &[Finding]) -> String {
    let mut out = String::new();
    let filled = r.tables.iter().filter(|t| t.rows > 0).count();
    let _ = writeln!(
        out,
        "riskgate rehearse: {} migration(s) of the change on PostgreSQL {} ({}), after {} of the base; {} of {} table(s) filled with synthetic rows; {}",
        r.steps.len(),
        terminal(&r.server_version),
        terminal(&r.server),
        r.base_migrations,
        filled,
        r.tables.len(),
        duration(r.elapsed_ms as f64)
    );
    for d in &r.json_documents {
        let _ = writeln!(
            out,
            "  {} holds {} JSON document(s): {}",
            terminal(&d.column),
            d.documents,
            terminal(&d.source)
        );
    }
    for t in r.tables.iter().filter(|t| t.problem.is_some()) {
        let _ = writeln!(
            out,
            "  table {}: {}",
            terminal(&t.table),
            terminal(t.problem.as_deref().unwrap_or(""))
        );
    }
    for step in &r.steps {
        let _ = writeln!(out, "\n{}", terminal(&step.up_file));
        let _ = writeln!(out, "  up        {}", outcome(&step.up));
        for lock in &step.locks {
            let blocks = match (lock.blocks_reads, lock.blocks_writes) {
                (true, _) => "blocks reads and writes",
                (false, true) => "blocks writes",
                _ => "blocks neither reads nor writes",
            };
            let _ = writeln!(
                out,
                "  lock      {} {} ({blocks}) for {} from line {}{}",
                terminal(&lock.relation),
                lock.mode,
                duration(lock.held_ms),
                lock.line,
                crate::rehearse::rules::at_production(lock.estimated_production_ms)
            );
        }
        for rw in &step.rewrites {
            let _ = writeln!(
                out,
                "  rewrite   {} ({} rows) by line {} in {}{}",
                terminal(&rw.table),
                rw.rows,
                rw.line,
                duration(rw.statement_ms),
                crate::rehearse::rules::at_production(rw.estimated_production_ms)
            );
        }
        let down = match &step.down_file {
            Some(file) => format!("{} ({})", outcome(&step.down), terminal(file)),
            None => "no down migration".to_string(),
        };
        let _ = writeln!(out, "  down      {down}");
        let _ = writeln!(out, "  up again  {}", outcome(&step.rerun));
    }
    if !r.backups.is_empty() {
        let _ = writeln!(out, "\nbackups");
        for b in &r.backups {
            let kept = match &b.kept_in {
                Some(k) if b.from_plan => format!("kept in {} by the plan's backup (verified)", terminal(k)),
                Some(k) => format!("kept in {} (verified)", terminal(k)),
                None => "no copy found".to_string(),
            };
            let _ = writeln!(out, "  {} ({} values): {kept}", terminal(&b.column), b.values);
        }
    }
    let _ = writeln!(out, "\nrollback");
    match (&r.rollback.reason, r.rollback.rehearsed) {
        (Some(reason), _) => {
            let _ = writeln!(out, "  not rehearsed: {}", terminal(reason));
        }
        (None, true) if r.rollback.lost.is_empty() && r.rollback.schema_differences.is_empty() => {
            let _ = writeln!(out, "  schema and data restored");
        }
        _ => {
            for lost in &r.rollback.lost {
                let _ = writeln!(out, "  lost {}: {}", terminal(&lost.what), terminal(&lost.detail));
            }
            for diff in &r.rollback.schema_differences {
                let _ = writeln!(out, "  schema: {}", terminal(diff));
            }
        }
    }
    for n in &r.not_rehearsed {
        let _ = writeln!(out, "  not rehearsed: {} ({})", terminal(&n.file), terminal(&n.reason));
    }
    let _ = writeln!(out, "\nfindings");
    if findings.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for f in findings {
        let _ = writeln!(
            out,
            "  {:<6} {}  {}\n         {}",
            <&str>::from(f.severity),
            f.rule,
            terminal(&f.location()),
            terminal(&f.message)
        );
    }
    out
}
