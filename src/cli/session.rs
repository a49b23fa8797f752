//! What every command starts from: the repository, its policy, and the report of a range.

use crate::cli::args::*;
use crate::cli::output::note;
use crate::config::Threshold;
use crate::diff::git::Repo;
use crate::pipeline::{self, Inputs, Outcome, RangeSpec};
use crate::policy::{Policy, PolicyChoice};
use crate::registry::RuleSet;
use crate::report::{self};
use anyhow::{bail, Context, Result};
use std::path::PathBuf;

pub fn start_dir(cli: &Cli) -> PathBuf {
    cli.dir.clone().unwrap_or_else(|| PathBuf::from("."))
}

pub fn open_repo(cli: &Cli) -> Result<Repo> {
    let dir = start_dir(cli);
    if !dir.exists() {
        bail!("no such directory: {}", dir.display());
    }
    Repo::discover(&dir)
}

/// The repository and the working tree's policy: for the commands that never gate.
pub fn open(cli: &Cli) -> Result<(Repo, Policy)> {
    let repo = open_repo(cli)?;
    let policy = Policy::work_tree(&repo, cli.config.as_deref())?;
    Ok((repo, policy))
}

/// Runs the pipeline for the analysis flags; `None` when the range is empty (already said).
pub fn report_for(
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
    let inputs = Inputs {
        plan_file: args.plan.clone(),
        pr_body,
        coverage,
        no_history: args.no_history,
        work_tree_plan: args.github_event.is_none(),
        show_values: args.show_values,
        allow_superuser: args.allow_superuser,
        // Only a policy the change did not write may point riskgate at a database.
        rehearse: choice == PolicyChoice::Base,
    };
    let rules = RuleSet::of(&policy)?;
    match pipeline::run(&repo, &policy, &rules, &range, &inputs)? {
        Outcome::Nothing(msg) => {
            if !cli.quiet {
                note(&format!("riskgate: {msg}\n"));
            }
            Ok(None)
        }
        Outcome::Report(r) => Ok(Some((r, rules, repo.root()))),
    }
}

/// Rules in force: with the repository's packs when run inside one, built-ins otherwise.
pub fn rule_set(cli: &Cli) -> Result<RuleSet> {
    match Repo::discover(&start_dir(cli)) {
        Ok(repo) => RuleSet::of(&Policy::work_tree(&repo, cli.config.as_deref())?),
        Err(_) if cli.config.is_none() => crate::registry::built_in_rules(),
        Err(e) => Err(e),
    }
}
