//! The command line (design §2). Every command returns its exit code: 0 passed, 1 blocked,
//! 2 error; errors print as one line on stderr.

mod args;
mod commands;
mod output;
mod session;

pub use args::*;
use commands::{audit, baseline, calibrate, check, hook, init, plan, postmortem, rehearse, rules};
use output::{emit, note, say};
use session::start_dir;

use crate::diff::git::Repo;
use crate::policy::PolicyChoice;
use crate::report::escape::terminal;
use anyhow::Result;
use clap::Parser;
use std::io::IsTerminal;
use std::process::ExitCode;

/// How a command ends; the exit code is a contract (design §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: passed, or nothing to do.
    Passed,
    /// 1: blocked by the gate, findings at `--fail-level`, or records a type would reject.
    Blocked,
    /// 2: the command could not do its work (printed as one line on stderr).
    Error,
}

impl ExitStatus {
    pub fn blocked_if(blocked: bool) -> ExitStatus {
        if blocked {
            ExitStatus::Blocked
        } else {
            ExitStatus::Passed
        }
    }

    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Passed => 0,
            ExitStatus::Blocked => 1,
            ExitStatus::Error => 2,
        }
    }
}

impl From<ExitStatus> for ExitCode {
    fn from(s: ExitStatus) -> ExitCode {
        ExitCode::from(s.code())
    }
}

pub fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        let msg = terminal(&info.to_string());
        note(&format!("riskgate: internal error, please report it: {msg}\n"));
    }));
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitStatus::Error
            } else {
                ExitStatus::Passed
            }
            .into();
        }
    };
    // The work runs on a thread with a large stack: parsers recurse over what the change
    // wrote, and bounded input must never find the main thread's 8 MiB too small.
    let worker = std::thread::Builder::new()
        .name("riskgate".to_string())
        .stack_size(256 << 20)
        .spawn(move || run(cli));
    match worker.map(|w| w.join()) {
        Ok(Ok(Ok(status))) => status.into(),
        Ok(Ok(Err(e))) => {
            // One line, with nothing in it (a path, a waiver from the change) that a terminal
            // or a CI runner would act on.
            note(&format!("riskgate: error: {}\n", terminal(&format!("{e:#}"))));
            ExitStatus::Error.into()
        }
        // A panic: the hook has said what it was, in one line.
        Ok(Err(_)) => ExitStatus::Error.into(),
        Err(e) => {
            note(&format!("riskgate: error: cannot start: {e}\n"));
            ExitStatus::Error.into()
        }
    }
}

pub fn run(cli: Cli) -> Result<ExitStatus> {
    let to_terminal = std::io::stdout().is_terminal();
    let writes_file = matches!(&cli.command, Command::Check(CheckArgs { analysis: a, .. }) | Command::Audit { analysis: a, .. } if a.output.is_some());
    let colour = match cli.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && to_terminal && !writes_file,
    };
    colored::control::set_override(colour);
    match &cli.command {
        Command::Check(args) => check::analyse(&cli, &args.analysis, None, PolicyChoice::Base, Some(args.fail_level)),
        Command::Audit {
            branch,
            analysis,
            per_commit,
            policy,
        } => {
            if *per_commit {
                audit::audit_per_commit(&cli, analysis, branch.as_deref(), *policy)
            } else {
                check::analyse(&cli, analysis, branch.as_deref(), *policy, None)
            }
        }
        Command::Rules { format } => rules::list_rules(&cli, *format),
        Command::Explain { rule } => rules::explain(&cli, rule),
        Command::Init { force, stdout } => init::init(&cli, *force, *stdout),
        Command::Hook {
            hook: HookCommand::PrePush { remote, .. },
        } => hook::pre_push(&cli, remote.as_deref().unwrap_or("origin")),
        Command::Install { force, chain } => {
            let repo = Repo::discover(&start_dir(&cli))?;
            let done = crate::install::install(&repo, *force, *chain)?;
            if !cli.quiet {
                say(&format!("riskgate: {done}"))?;
            }
            Ok(ExitStatus::Passed)
        }
        Command::Baseline {
            action: BaselineCommand::Write { analysis },
        } => baseline::baseline_write(&cli, analysis),
        Command::Calibrate {
            head,
            limit,
            write,
            samples,
            format,
        } => calibrate::calibrate(&cli, head, *limit, *write, samples.as_deref(), *format),
        Command::Shapes {
            type_spec,
            rev,
            base,
            sample,
            postgres,
            query,
            limit,
            show_values,
            allow_superuser,
            format,
        } => {
            let repo = Repo::discover(&start_dir(&cli))?;
            let input = crate::shapes::source::Input {
                sample: sample.clone(),
                sample_blob: None,
                postgres: postgres.clone(),
                query: query.clone(),
                limit: *limit,
                show_values: *show_values,
                allow_superuser: *allow_superuser,
            };
            let report = crate::shapes::source::run(&repo, type_spec, rev, base.as_deref(), &input)?;
            let text = match format {
                RulesFormat::Json => serde_json::to_string_pretty(&report)? + "\n",
                _ => crate::shapes::render_text(&report),
            };
            emit(&text, None)?;
            Ok(ExitStatus::blocked_if(report.rejected > 0))
        }
        Command::Rehearse {
            base,
            head,
            postgres_url,
            allow_superuser,
            schema,
            rows,
            timeout,
            plan,
            format,
            output,
        } => rehearse::rehearse(
            &cli,
            &rehearse::Request {
                base: base.clone(),
                head: head.clone(),
                postgres_url: postgres_url.clone(),
                allow_superuser: *allow_superuser,
                schema: schema.clone(),
                rows: *rows,
                timeout: *timeout,
                plan: plan.clone(),
            },
            *format,
            output.as_deref(),
        ),
        Command::Postmortem {
            rev,
            fixed_by,
            output,
            summary,
            no_record,
        } => postmortem::postmortem(
            &cli,
            &crate::postmortem::Request {
                rev: rev.clone(),
                fixed_by: fixed_by.clone(),
            },
            output.as_deref(),
            summary.as_deref(),
            !*no_record,
        ),
        Command::Demo { keep } => Ok(if crate::demo::run(*keep, if colour { "always" } else { "never" })? {
            ExitStatus::Passed
        } else {
            ExitStatus::Error
        }),
        Command::Uninstall => {
            let repo = Repo::discover(&start_dir(&cli))?;
            let done = crate::install::uninstall(&repo)?;
            if !cli.quiet {
                say(&format!("riskgate: {done}"))?;
            }
            Ok(ExitStatus::Passed)
        }
        Command::Plan {
            action: PlanCommand::Init { analysis, force },
        } => plan::plan_init(&cli, analysis, *force),
        Command::Plan {
            action: PlanCommand::Check { analysis },
        } => plan::plan_check(&cli, analysis),
    }
}
