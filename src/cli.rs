//! The command line (design §2). Every command returns its exit code: 0 passed, 1 blocked,
//! 2 error; errors print as one line on stderr.

use crate::config::Threshold;
use crate::diff::git::Repo;
use crate::pipeline::{self, Extras, Outcome, RangeSpec};
use crate::policy::{Policy, PolicyChoice};
use crate::registry::RuleSet;
use crate::report::escape::terminal;
use crate::report::{self, Format, RenderContext};
use crate::score::Level;
use anyhow::{anyhow, bail, Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "riskgate",
    version,
    about = "Pre-merge risk checker: scores a change's risk and gates it on a real rollback plan."
)]
pub struct Cli {
    /// Run as if started in this directory.
    #[arg(short = 'C', global = true, value_name = "PATH")]
    pub dir: Option<PathBuf>,
    /// Config file (default: riskgate.toml at the repository root, when present).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// When to use colour. `auto` honours NO_COLOR and whether output is a terminal.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Quieter: `check` and `audit` print only the verdict; other commands leave out their notes.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Print informative findings too.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Analyse the range and apply the gate; exits 1 when the gate blocks.
    Check(CheckArgs),
    /// Analyse a branch with full explanations, without gating (exit 0 unless error).
    Audit {
        /// The branch to audit (default: --head).
        branch: Option<String>,
        /// Also score every commit of the branch on its own, so the riskiest stands out.
        #[arg(long)]
        per_commit: bool,
        /// Whose policy judges the range: the base revision's (as `check` always does) or the
        /// working tree's, to try a policy before committing it.
        #[arg(long, value_enum, default_value_t = PolicyChoice::Base)]
        policy: PolicyChoice,
        #[command(flatten)]
        analysis: AnalysisArgs,
    },
    /// List every rule: built-in, from configured packs, and code analyzers.
    Rules {
        #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
        format: RulesFormat,
    },
    /// Print one rule's documentation.
    Explain {
        /// The rule id, as `riskgate rules` lists it.
        rule: String,
    },
    /// Write a rollback-plan skeleton, or check a plan, against the current findings.
    Plan {
        #[command(subcommand)]
        action: PlanCommand,
    },
    /// Git hook entry points.
    Hook {
        #[command(subcommand)]
        hook: HookCommand,
    },
    /// Install the pre-push hook into the hooks directory git uses.
    Install {
        /// Replace a pre-push hook that is not riskgate's.
        #[arg(long, conflicts_with = "chain")]
        force: bool,
        /// Keep an existing pre-push hook and run it before riskgate.
        #[arg(long)]
        chain: bool,
    },
    /// Remove the hook riskgate installed, and only that hook.
    Uninstall,
    /// Replay the JSON-column incident in a throwaway repository: blocked, then passed with a plan.
    Demo {
        /// Keep the demo repository instead of removing it.
        #[arg(long)]
        keep: bool,
    },
    /// Record the current findings in .riskgate-baseline.json; they stop counting toward the gate.
    Baseline {
        #[command(subcommand)]
        action: BaselineCommand,
    },
    /// Score the repository's own history against its reverts and fixes, and print the metrics.
    Calibrate {
        /// Head of the history to score.
        #[arg(long, default_value = "HEAD")]
        head: String,
        /// How many landed (first-parent) changes to score.
        #[arg(long, default_value_t = 1000)]
        limit: usize,
        /// Fit the context weights and store them in riskgate.toml, only if they beat the defaults.
        #[arg(long)]
        write: bool,
        #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
        format: RulesFormat,
    },
    /// Check a serde type against samples of stored JSON: which records it would reject or misread.
    Shapes {
        /// The type, as PATH::TYPE (src/model.rs::UserPrefs).
        #[arg(long = "type", value_name = "PATH::TYPE")]
        type_spec: String,
        /// The revision whose type to check (default HEAD).
        #[arg(long, default_value = "HEAD")]
        rev: String,
        /// Also compare with the type at this revision (the release you would roll back to).
        #[arg(long, value_name = "REV")]
        base: Option<String>,
        /// A JSON Lines file or a JSON array of records.
        #[arg(
            long,
            value_name = "FILE",
            conflicts_with = "postgres",
            required_unless_present = "postgres"
        )]
        sample: Option<PathBuf>,
        /// A PostgreSQL URL; the query runs in a READ ONLY transaction.
        #[arg(long, value_name = "URL", requires = "query")]
        postgres: Option<String>,
        /// The query whose one column holds the JSON (SELECT payload FROM … TABLESAMPLE SYSTEM (1)).
        #[arg(long, value_name = "SQL")]
        query: Option<String>,
        /// At most this many rows.
        #[arg(long, value_name = "N")]
        limit: Option<u64>,
        /// Show the values read from the database (hidden by default).
        #[arg(long)]
        show_values: bool,
        /// Sample as a superuser role (refused by default).
        #[arg(long)]
        allow_superuser: bool,
        #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
        format: RulesFormat,
    },
    /// Write a commented riskgate.toml suited to the frameworks found.
    Init {
        /// Replace an existing riskgate.toml.
        #[arg(long)]
        force: bool,
        /// Print the config instead of writing it.
        #[arg(long)]
        stdout: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum BaselineCommand {
    /// Write .riskgate-baseline.json at the repository root from the current findings.
    Write {
        #[command(flatten)]
        analysis: AnalysisArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum HookCommand {
    /// Read git's pre-push lines on stdin and check each pushed ref; exit 1 refuses the push.
    PrePush {
        /// The remote's name, as git passes it.
        remote: Option<String>,
        /// The remote's URL, as git passes it.
        url: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum PlanCommand {
    /// Write the plan template with one scope line per finding that needs a plan
    /// (to ROLLBACK.md at the repository root, or --output).
    Init {
        #[command(flatten)]
        analysis: AnalysisArgs,
        /// Replace an existing plan file.
        #[arg(long)]
        force: bool,
    },
    /// Validate a plan against the current findings; exits 1 when it is missing or invalid.
    Check {
        #[command(flatten)]
        analysis: AnalysisArgs,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Debug, Args)]
pub struct AnalysisArgs {
    /// Base revision (default: the branch's upstream, origin/HEAD, main or master).
    #[arg(long, value_name = "REV")]
    pub base: Option<String>,
    /// Head revision.
    #[arg(long, value_name = "REV")]
    pub head: Option<String>,
    /// Analyse the index against HEAD instead of a range.
    #[arg(long, conflicts_with_all = ["base", "head"])]
    pub staged: bool,
    /// A rollback plan file.
    #[arg(long, value_name = "FILE")]
    pub plan: Option<PathBuf>,
    /// A pull-request body whose "Rollback plan" section is the plan.
    #[arg(long, value_name = "FILE")]
    pub pr_body: Option<PathBuf>,
    /// A GitHub event payload: the range and PR body come from it.
    #[arg(long, value_name = "FILE")]
    pub github_event: Option<PathBuf>,
    /// Leave out the history factor (no scan of earlier commits, no cache).
    #[arg(long)]
    pub no_history: bool,
    /// A coverage report (lcov, Cobertura XML or llvm-cov JSON); repeatable.
    #[arg(long, value_name = "FILE")]
    pub coverage: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write the report here instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write a SARIF 2.1.0 report to this file, from the same analysis.
    #[arg(long, value_name = "FILE")]
    pub sarif_file: Option<PathBuf>,
    /// Show values that [[shapes]] checks read from a database (hidden by default).
    #[arg(long)]
    pub show_values: bool,
    /// Let [[shapes]] checks sample as a superuser role (refused by default).
    #[arg(long)]
    pub allow_superuser: bool,
}

/// `check`: the analysis flags, and the one that only a gate has.
#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub analysis: AnalysisArgs,
    /// Level from which a valid rollback plan is required (overrides gate.require_plan_at).
    #[arg(long, value_name = "LEVEL", value_parser = parse_threshold)]
    pub fail_level: Option<Threshold>,
}

fn parse_threshold(s: &str) -> std::result::Result<Threshold, String> {
    if s == "never" {
        return Ok(Threshold::Never);
    }
    Level::parse(s)
        .map(Threshold::At)
        .ok_or_else(|| format!("expected low, medium, high, critical or never, got `{s}`"))
}

/// The binary's entry point.
pub fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        let msg = terminal(&info.to_string());
        eprintln!("riskgate: internal error, please report it: {msg}");
    }));
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    // The work runs on a thread with a large stack: parsers recurse over what the change
    // wrote, and bounded input must never find the main thread's 8 MiB too small.
    let worker = std::thread::Builder::new()
        .name("riskgate".to_string())
        .stack_size(256 << 20)
        .spawn(move || run(cli));
    match worker.map(|w| w.join()) {
        Ok(Ok(Ok(code))) => ExitCode::from(code),
        Ok(Ok(Err(e))) => {
            // One line, with nothing in it (a path, a waiver from the change) that a terminal
            // or a CI runner would act on.
            eprintln!("riskgate: error: {}", terminal(&format!("{e:#}")));
            ExitCode::from(2)
        }
        // A panic: the hook has said what it was, in one line.
        Ok(Err(_)) => ExitCode::from(2),
        Err(e) => {
            eprintln!("riskgate: error: cannot start: {e}");
            ExitCode::from(2)
        }
    }
}

fn start_dir(cli: &Cli) -> PathBuf {
    cli.dir.clone().unwrap_or_else(|| PathBuf::from("."))
}

pub fn run(cli: Cli) -> Result<u8> {
    let to_terminal = std::io::stdout().is_terminal();
    let writes_file = matches!(&cli.command, Command::Check(CheckArgs { analysis: a, .. }) | Command::Audit { analysis: a, .. } if a.output.is_some());
    let colour = match cli.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && to_terminal && !writes_file,
    };
    colored::control::set_override(colour);
    match &cli.command {
        Command::Check(args) => analyse(&cli, &args.analysis, None, PolicyChoice::Base, Some(args.fail_level)),
        Command::Audit {
            branch,
            analysis,
            per_commit,
            policy,
        } => {
            if *per_commit {
                audit_per_commit(&cli, analysis, branch.as_deref(), *policy)
            } else {
                analyse(&cli, analysis, branch.as_deref(), *policy, None)
            }
        }
        Command::Rules { format } => list_rules(&cli, *format),
        Command::Explain { rule } => explain(&cli, rule),
        Command::Init { force, stdout } => init(&cli, *force, *stdout),
        Command::Hook {
            hook: HookCommand::PrePush { remote, .. },
        } => pre_push(&cli, remote.as_deref().unwrap_or("origin")),
        Command::Install { force, chain } => {
            let repo = Repo::discover(&start_dir(&cli))?;
            let done = crate::install::install(&repo, *force, *chain)?;
            if !cli.quiet {
                println!("riskgate: {done}");
            }
            Ok(0)
        }
        Command::Baseline {
            action: BaselineCommand::Write { analysis },
        } => baseline_write(&cli, analysis),
        Command::Calibrate {
            head,
            limit,
            write,
            format,
        } => calibrate(&cli, head, *limit, *write, *format),
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
            Ok(u8::from(report.rejected > 0))
        }
        Command::Demo { keep } => crate::demo::run(*keep, if colour { "always" } else { "never" }),
        Command::Uninstall => {
            let repo = Repo::discover(&start_dir(&cli))?;
            let done = crate::install::uninstall(&repo)?;
            if !cli.quiet {
                println!("riskgate: {done}");
            }
            Ok(0)
        }
        Command::Plan {
            action: PlanCommand::Init { analysis, force },
        } => plan_init(&cli, analysis, *force),
        Command::Plan {
            action: PlanCommand::Check { analysis },
        } => plan_check(&cli, analysis),
    }
}

fn open_repo(cli: &Cli) -> Result<Repo> {
    let dir = start_dir(cli);
    if !dir.exists() {
        bail!("no such directory: {}", dir.display());
    }
    Repo::discover(&dir)
}

/// The repository and the working tree's policy: for the commands that never gate.
fn open(cli: &Cli) -> Result<(Repo, Policy)> {
    let repo = open_repo(cli)?;
    let policy = Policy::work_tree(&repo, cli.config.as_deref())?;
    Ok((repo, policy))
}

/// Runs the pipeline for the analysis flags; `None` when the range is empty (already said).
fn report_for(
    cli: &Cli,
    args: &AnalysisArgs,
    branch: Option<&str>,
    choice: PolicyChoice,
    fail_level: Option<Threshold>,
) -> Result<Option<(Box<report::Report>, RuleSet, PathBuf)>> {
    let repo = open_repo(cli)?;
    let event = args
        .github_event
        .as_deref()
        .map(crate::event::read)
        .transpose()?
        .unwrap_or_default();
    let range = if args.staged {
        RangeSpec::Staged
    } else {
        let head = branch
            .map(str::to_string)
            .or_else(|| args.head.clone())
            .or(event.head.clone())
            .unwrap_or_else(|| "HEAD".to_string());
        RangeSpec::Revisions {
            base: args.base.clone().or(event.base.clone()),
            head,
        }
    };
    let mut policy = pipeline::policy_for(&repo, &range, choice, cli.config.as_deref())?;
    if let Some(level) = fail_level {
        policy.config.gate.require_plan_at = level;
    }
    let pr_body = match &args.pr_body {
        Some(path) => {
            Some(std::fs::read_to_string(path).with_context(|| format!("cannot read PR body {}", path.display()))?)
        }
        None => event.pr_body.clone(),
    };
    let coverage = pipeline::load_coverage(&policy.config, &repo.root(), &args.coverage)?;
    let plans = Extras {
        plan_file: args.plan.clone(),
        pr_body,
        coverage,
        baseline: None,
        history: None,
        no_history: args.no_history,
        work_tree_plan: args.github_event.is_none(),
        show_values: args.show_values,
        allow_superuser: args.allow_superuser,
        extra_findings: Vec::new(),
    };
    match pipeline::run(&repo, &policy, &range, &plans)? {
        Outcome::Nothing(msg) => {
            if !cli.quiet {
                eprintln!("riskgate: {msg}");
            }
            Ok(None)
        }
        Outcome::Report(r) => Ok(Some((r, RuleSet::of(&policy)?, repo.root()))),
    }
}

/// `gate`: `Some` for `check` (with its `--fail-level`, if any), `None` for `audit`.
fn analyse(
    cli: &Cli,
    args: &AnalysisArgs,
    branch: Option<&str>,
    choice: PolicyChoice,
    gate: Option<Option<Threshold>>,
) -> Result<u8> {
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
        return Ok(0);
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
    Ok(if gate && report.gate.verdict == crate::gate::Verdict::Blocked {
        1
    } else {
        0
    })
}

fn pre_push(cli: &Cli, remote: &str) -> Result<u8> {
    let run = || -> Result<(u8, String)> {
        let repo = open_repo(cli)?;
        let mut input = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut input).context("reading git's pre-push input")?;
        crate::hook::pre_push(&repo, cli.config.as_deref(), remote, &input, cli.quiet)
    };
    match run() {
        Ok((code, text)) => {
            eprint!("{text}");
            Ok(code)
        }
        Err(e) => Err(e.context("riskgate failed to check this push (this is not a verdict on the change)")),
    }
}

fn plan_init(cli: &Cli, args: &AnalysisArgs, force: bool) -> Result<u8> {
    let Some((report, _, root)) = report_for(cli, args, None, PolicyChoice::Base, None)? else {
        return Ok(0);
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
            .filter(|f| f.is_active() && f.analyzer != "gate")
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
            println!(
                "{}: {} kept as written; run `riskgate plan check` (--force starts over from the skeleton)",
                path.display(),
                match added {
                    0 => "every risky change is already in its Scope,".to_string(),
                    n => format!(
                        "added {n} risky change{} to its Scope, the rest",
                        if n == 1 { "" } else { "s" }
                    ),
                }
            );
        }
        return Ok(0);
    }
    emit(&crate::gate::plan::template(&scope), Some(&path))?;
    if !cli.quiet {
        println!(
            "wrote {} with {} scope line(s); fill in every section, then run `riskgate plan check`",
            path.display(),
            scope.len()
        );
    }
    Ok(0)
}

fn baseline_write(cli: &Cli, args: &AnalysisArgs) -> Result<u8> {
    let Some((report, _, root)) = report_for(cli, args, None, PolicyChoice::Base, None)? else {
        return Ok(0);
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
        println!("wrote {} with {} findings", path.display(), baseline.findings.len());
    }
    Ok(0)
}

fn calibrate(cli: &Cli, head: &str, limit: usize, write: bool, format: RulesFormat) -> Result<u8> {
    let (repo, policy) = open(cli)?;
    let rules = &RuleSet::of(&policy)?;
    let config = &policy.config;
    let show = std::io::stderr().is_terminal() && !cli.quiet;
    // Reading and labelling the history comes before the first change is scored: say so.
    let reading = if show {
        Progress::start("riskgate: reading the history and labelling past changes…")
    } else {
        None
    };
    let reading = std::cell::RefCell::new(reading);
    let progress = |i: usize, n: usize| {
        reading.borrow_mut().take();
        if show && (i.is_multiple_of(10) || i == n) {
            eprint!("\rscoring change {i}/{n}…");
        }
    };
    let cal = crate::calibrate::run(&repo, config, rules, head, limit, &progress)?;
    drop(reading);
    if show {
        eprint!("\r\x1b[K");
    }
    let mut text = match format {
        RulesFormat::Json => {
            let mut metrics = std::collections::BTreeMap::new();
            for label in ["L1", "L2"] {
                let labels: Vec<bool> = cal
                    .samples
                    .iter()
                    .map(|s| if label == "L1" { s.l1 } else { s.l2 })
                    .collect();
                let per: std::collections::BTreeMap<String, crate::calibrate::Metrics> =
                    crate::calibrate::scorers(&cal.samples)
                        .into_iter()
                        .map(|(n, sc)| (n.to_string(), crate::calibrate::metrics(&sc, &labels)))
                        .collect();
                metrics.insert(label, per);
            }
            let value = serde_json::json!({"samples": cal.samples.len(), "skipped": cal.skipped, "metrics": metrics});
            serde_json::to_string_pretty(&value)? + "\n"
        }
        _ => crate::calibrate::render(&cal),
    };
    if write {
        let (fitted, base, new) = crate::calibrate::fit_and_compare(&cal, config.score.context);
        match fitted {
            Some(w) => {
                let path = repo.root().join(crate::config::FILE_NAME);
                crate::calibrate::write_weights(&path, &w)?;
                text.push_str(&format!("\nfitted context weights beat the defaults on the later 30% (ROC AUC {base:.3} → {new:.3}); written to {}\n", path.display()));
            }
            None => text.push_str(&format!("\nfitted context weights do not beat the defaults on the later 30% (ROC AUC {base:.3} vs {new:.3}); nothing written\n")),
        }
    }
    emit(&text, None)?;
    Ok(0)
}

fn plan_check(cli: &Cli, args: &AnalysisArgs) -> Result<u8> {
    let Some((report, _, _)) = report_for(cli, args, None, PolicyChoice::Base, None)? else {
        return Ok(0);
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
    Ok(if plan.valid { 0 } else { 1 })
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

/// One row per commit of the branch, each scored over its own diff.
#[derive(serde::Serialize)]
struct CommitScore {
    sha: String,
    summary: String,
    score: u8,
    level: Level,
    top_rule: Option<String>,
}

fn commit_table(rows: &[CommitScore], markdown: bool) -> String {
    let riskiest = rows.iter().map(|r| r.score).max().unwrap_or(0);
    let mut s = if markdown {
        String::from("### Commits, each scored on its own\n\n| Commit | Score | Level | Top rule | Summary |\n|---|---|---|---|---|\n")
    } else {
        String::from("Commits, each scored on its own:\n")
    };
    for r in rows {
        let mark = if r.score == riskiest && riskiest > 0 {
            " ⬅ riskiest"
        } else {
            ""
        };
        let top = r.top_rule.as_deref().unwrap_or("-");
        if markdown {
            s.push_str(&format!(
                "| `{}` | {}{mark} | {} | `{top}` | {} |\n",
                crate::text::short_sha(&r.sha),
                r.score,
                r.level,
                crate::report::escape::markdown(&r.summary)
            ));
        } else {
            s.push_str(&format!(
                "  {}  {:>3} {:<8} {:<40} {}{mark}\n",
                crate::text::short_sha(&r.sha),
                r.score,
                r.level.as_str(),
                top,
                terminal(&r.summary)
            ));
        }
    }
    s
}

fn audit_per_commit(cli: &Cli, args: &AnalysisArgs, branch: Option<&str>, choice: PolicyChoice) -> Result<u8> {
    let repo = open_repo(cli)?;
    let head = branch
        .map(str::to_string)
        .or_else(|| args.head.clone())
        .unwrap_or_else(|| "HEAD".to_string());
    let base = match &args.base {
        Some(b) => b.clone(),
        None => repo.default_base()?,
    };
    let commits = repo.commits_with_parents(&base, &head)?;
    let progress = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none() && !cli.quiet;
    let mut rows = Vec::new();
    for (i, (sha, parent)) in commits.iter().enumerate() {
        if progress {
            eprint!("\rscoring commit {}/{}…", i + 1, commits.len());
        }
        let range = match parent {
            Some(p) => RangeSpec::Revisions {
                base: Some(p.clone()),
                head: sha.clone(),
            },
            None => RangeSpec::FromRoot { head: sha.clone() },
        };
        let policy = pipeline::policy_for(&repo, &range, choice, cli.config.as_deref())?;
        if let Outcome::Report(r) = pipeline::run(&repo, &policy, &range, &Extras::default())? {
            let top_rule = r.score.contributions.iter().find_map(|c| c.rule.clone());
            let summary = r.commits.last().map(|c| c.summary.clone()).unwrap_or_default();
            rows.push(CommitScore {
                sha: sha.clone(),
                summary,
                score: r.score.value,
                level: r.score.level,
                top_rule,
            });
        }
    }
    if progress {
        eprint!("\r\x1b[K");
    }
    let Some((report, rules, _)) = report_for(cli, args, branch, choice, None)? else {
        return Ok(0);
    };
    let ctx = RenderContext {
        docs: &rules.docs,
        full: true,
        quiet: cli.quiet,
        verbose: cli.verbose,
    };
    let rendered = report::render(&report, args.format, &ctx);
    let text = match args.format {
        Format::Json => {
            let mut value = serde_json::to_value(&*report)?;
            value["per_commit"] = serde_json::to_value(&rows)?;
            serde_json::to_string_pretty(&value)? + "\n"
        }
        Format::Sarif => rendered,
        Format::Markdown | Format::Github => format!("{rendered}\n{}", commit_table(&rows, true)),
        Format::Text => format!("{}\n{rendered}", commit_table(&rows, false)),
    };
    emit(&text, args.output.as_deref())?;
    if let Some(path) = &args.sarif_file {
        emit(&report::render(&report, Format::Sarif, &ctx), Some(path))?;
    }
    Ok(0)
}

/// A status line on stderr that appears only if the work takes over a second, and only on a
/// terminal outside CI; it is erased when dropped.
struct Progress {
    done: std::sync::Arc<std::sync::atomic::AtomicBool>,
    shown: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Progress {
    fn start(message: &'static str) -> Option<Progress> {
        use std::sync::atomic::{AtomicBool, Ordering};
        use std::sync::Arc;
        if !std::io::stderr().is_terminal() || std::env::var_os("CI").is_some() {
            return None;
        }
        let (done, shown) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)));
        let (d, sh) = (done.clone(), shown.clone());
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_secs(1));
            if !d.load(Ordering::SeqCst) {
                eprint!("{message}");
                sh.store(true, Ordering::SeqCst);
            }
        });
        Some(Progress { done, shown })
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        use std::sync::atomic::Ordering;
        self.done.store(true, Ordering::SeqCst);
        if self.shown.load(Ordering::SeqCst) {
            eprint!("\r\x1b[K");
        }
    }
}

/// Writes to the file, or to stdout where a closed pipe is not an error.
fn emit(text: &str, output: Option<&Path>) -> Result<()> {
    match output {
        // A link at the path may have been committed by the change under review: never write
        // through one.
        Some(path) if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) => {
            bail!("cannot write {}: it is a symbolic link", path.display())
        }
        Some(path) => std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display())),
        None => {
            let mut out = std::io::stdout().lock();
            match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
                _ => Ok(()),
            }
        }
    }
}

/// Rules in force: with the repository's packs when run inside one, built-ins otherwise.
fn rule_set(cli: &Cli) -> Result<RuleSet> {
    match Repo::discover(&start_dir(cli)) {
        Ok(repo) => RuleSet::of(&Policy::work_tree(&repo, cli.config.as_deref())?),
        Err(_) if cli.config.is_none() => crate::registry::built_in_rules(),
        Err(e) => Err(e),
    }
}

/// `docs/rules.md`: generated from the rule documentation; a test keeps the file fresh.
pub fn rules_markdown(rules: &RuleSet) -> String {
    let mut s = String::from(
        "# riskgate rules\n\n<!-- Generated by `riskgate rules --format markdown`; do not edit by hand. -->\n\n| Rule | Analyzer | Severity | Description |\n|---|---|---|---|\n",
    );
    for d in &rules.docs {
        s.push_str(&format!(
            "| [`{}`](#{}) | {} | {} | {} |\n",
            d.id,
            d.id,
            d.analyzer,
            d.severity,
            crate::report::markdown::cell(&d.description)
        ));
    }
    for d in &rules.docs {
        s.push('\n');
        s.push_str(&d.markdown());
    }
    s
}

fn list_rules(cli: &Cli, format: RulesFormat) -> Result<u8> {
    let rules = rule_set(cli)?;
    let text = match format {
        RulesFormat::Json => serde_json::to_string_pretty(&rules.docs)? + "\n",
        RulesFormat::Markdown => rules_markdown(&rules),
        RulesFormat::Text => {
            let width = rules.docs.iter().map(|d| d.id.len()).max().unwrap_or(0);
            let analyzers = rules.docs.iter().map(|d| d.analyzer.len()).max().unwrap_or(0);
            rules
                .docs
                .iter()
                .map(|d| {
                    format!(
                        "{:<width$}  {:<8}  {:<analyzers$}  {}\n",
                        d.id,
                        d.severity.as_str(),
                        d.analyzer,
                        first_sentence(&d.description)
                    )
                })
                .collect()
        }
    };
    emit(&text, None)?;
    Ok(0)
}

/// The description's first sentence, on one line: a list shows whole sentences.
fn first_sentence(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match one_line.find(". ") {
        Some(end) => one_line[..=end].to_string(),
        None => one_line,
    }
}

fn explain(cli: &Cli, id: &str) -> Result<u8> {
    let rules = rule_set(cli)?;
    let doc = rules
        .docs
        .iter()
        .find(|d| d.id == id)
        .ok_or_else(|| anyhow!("unknown rule `{id}`; `riskgate rules` lists them"))?;
    emit(&doc.explain(), None)?;
    Ok(0)
}

fn init(cli: &Cli, force: bool, stdout: bool) -> Result<u8> {
    let dir = start_dir(cli);
    let root = Repo::discover(&dir).map(|r| r.root()).unwrap_or(dir);
    let text = crate::init::template_with(&crate::init::detect(&root), &crate::init::detect_dialects(&root));
    if stdout {
        emit(&text, None)?;
        return Ok(0);
    }
    let path = root.join(crate::config::FILE_NAME);
    if path.exists() && !force {
        bail!("{} already exists; pass --force to replace it", path.display());
    }
    std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    if !cli.quiet {
        println!("wrote {}", path.display());
    }
    Ok(0)
}
