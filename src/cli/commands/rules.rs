//! `rules` and `explain`: the rules in force and their documentation.

use crate::cli::args::*;
use crate::cli::output::*;
use crate::cli::session::*;
use crate::cli::ExitStatus;
use crate::registry::rules_markdown;
use anyhow::{anyhow, Result};

pub fn list_rules(cli: &Cli, format: RulesFormat) -> Result<ExitStatus> {
    let rules = rule_set(cli)?;
    let text = match format {
        RulesFormat::Json => serde_json::to_string_pretty(&rules.docs)? + "\n",
        RulesFormat::Markdown => rules_markdown(&rules),
        RulesFormat::Text => {
            let width = rules.docs.iter().map(|d| d.id.len()).max().unwrap_or(0);
            let analyzers = rules.docs.iter().map(|d| d.analyzer.as_str().len()).max().unwrap_or(0);
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
    Ok(ExitStatus::Passed)
}

/// The description's first sentence, on one line: a list shows whole sentences.
fn first_sentence(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match one_line.find(". ") {
        Some(end) => one_line[..=end].to_string(),
        None => one_line,
    }
}

pub fn explain(cli: &Cli, id: &str) -> Result<ExitStatus> {
    let rules = rule_set(cli)?;
    let doc = rules
        .docs
        .iter()
        .find(|d| d.id == id)
        .ok_or_else(|| anyhow!("unknown rule `{id}`; `riskgate rules` lists them"))?;
    emit(&doc.explain(), None)?;
    Ok(ExitStatus::Passed)
}
