//! `audit --per-commit`: each commit of a branch scored on its own.

use crate::cli::args::*;
use crate::cli::output::*;
use crate::cli::session::*;
use crate::cli::ExitStatus;
use crate::pipeline::{self, Inputs, Outcome, RangeSpec};
use crate::policy::PolicyChoice;
use crate::registry::RuleSet;
use crate::report::escape::terminal;
use crate::report::{self, Format, RenderContext};
use crate::score::Level;
use anyhow::Result;
use std::io::IsTerminal;

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

pub fn audit_per_commit(
    cli: &Cli,
    args: &AnalysisArgs,
    branch: Option<&str>,
    choice: PolicyChoice,
) -> Result<ExitStatus> {
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
            note(&format!("\rscoring commit {}/{}…", i + 1, commits.len()));
        }
        let range = match parent {
            Some(p) => RangeSpec::Revisions {
                base: Some(p.clone()),
                head: sha.clone(),
            },
            None => RangeSpec::FromRoot { head: sha.clone() },
        };
        let policy = pipeline::policy_for(&repo, &range, choice, cli.config.as_deref())?;
        if let Outcome::Report(r) = pipeline::run(&repo, &policy, &RuleSet::of(&policy)?, &range, &Inputs::default())? {
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
        note("\r\x1b[K");
    }
    let Some((report, rules, _)) = report_for(cli, args, branch, choice, None)? else {
        return Ok(ExitStatus::Passed);
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
    Ok(ExitStatus::Passed)
}
