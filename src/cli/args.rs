//! The command line's arguments (design §2), as clap reads them.

use crate::config::Threshold;
use crate::policy::PolicyChoice;
use crate::report::Format;
use crate::score::Level;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

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
    /// Apply the change's SQL migrations to a throwaway database on a real PostgreSQL: locks,
    /// rewrites, rollback fidelity and backups, measured.
    Rehearse {
        /// Base revision (default: the branch's upstream, origin/HEAD, main or master).
        #[arg(long, value_name = "REV")]
        base: Option<String>,
        /// Head revision.
        #[arg(long, value_name = "REV", default_value = "HEAD")]
        head: String,
        /// The server to rehearse on: a CI service container, never a shared server (default:
        /// the variable that `[rehearse] postgres_url_env` names, else RISKGATE_REHEARSE_URL).
        #[arg(long, value_name = "URL")]
        postgres_url: Option<String>,
        /// Rehearse as a role with more than CREATEDB: a superuser, CREATEROLE, the server's
        /// file and program roles (refused by default).
        #[arg(long)]
        allow_superuser: bool,
        /// Load this schema (pg_dump --schema-only) instead of applying the base's migrations.
        #[arg(long, value_name = "FILE")]
        schema: Option<std::path::PathBuf>,
        /// Synthetic rows per table (default: [rehearse] rows, or 1000).
        #[arg(long, value_name = "N")]
        rows: Option<u64>,
        /// Stop the whole rehearsal after this many seconds (default: [rehearse] timeout_seconds, or 600).
        #[arg(long, value_name = "SECONDS")]
        timeout: Option<u64>,
        /// The rollback plan whose Backup section's SQL blocks run before the migrations
        /// (default: a plan the change commits).
        #[arg(long, value_name = "FILE")]
        plan: Option<std::path::PathBuf>,
        /// `text` or `json` (`markdown` prints the text).
        #[arg(long, value_enum, default_value = "text")]
        format: RulesFormat,
        /// Write the report to this file instead of stdout.
        #[arg(long, short = 'o')]
        output: Option<std::path::PathBuf>,
    },
    /// Write a postmortem draft for an incident: timeline, what riskgate saw at merge time, the
    /// gap, remedies; and record the incident in .riskgate/incidents.toml.
    Postmortem {
        /// The commit (or merge) that caused the incident, or the revert or fix of it.
        rev: String,
        /// The commit that fixed or reverted it (REV is then the cause).
        #[arg(long, value_name = "REV")]
        fixed_by: Option<String>,
        /// Write the draft to this file instead of stdout.
        #[arg(long, short = 'o')]
        output: Option<std::path::PathBuf>,
        /// The one-line summary recorded with the incident (default: the fix's subject).
        #[arg(long)]
        summary: Option<String>,
        /// Do not record the incident in .riskgate/incidents.toml.
        #[arg(long)]
        no_record: bool,
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
        /// Also write each scored change (its features, score and labels) to FILE, one JSON
        /// object per line, for your own analysis.
        #[arg(long, value_name = "FILE")]
        samples: Option<std::path::PathBuf>,
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
