//! `calibrate`: how well the score ranks this repository's history, and fitted weights.

use crate::cli::args::*;
use crate::cli::output::*;
use crate::cli::session::*;
use crate::cli::ExitStatus;
use crate::registry::RuleSet;
use anyhow::{Context, Result};
use std::io::IsTerminal;

pub fn calibrate(
    cli: &Cli,
    head: &str,
    limit: usize,
    write: bool,
    samples: Option<&std::path::Path>,
    format: RulesFormat,
) -> Result<ExitStatus> {
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
            note(&format!("\rscoring change {i}/{n}…"));
        }
    };
    let cal = crate::calibrate::run(&repo, config, rules, head, limit, &progress)?;
    drop(reading);
    if show {
        note("\r\x1b[K");
    }
    let weights = &config.score.context;
    if let Some(path) = samples {
        let mut lines = String::new();
        for s in &cal.samples {
            lines.push_str(&serde_json::to_string(s)?);
            lines.push('\n');
        }
        std::fs::write(path, lines).with_context(|| format!("cannot write {}", path.display()))?;
    }
    let mut text = match format {
        RulesFormat::Json => serde_json::to_string_pretty(&crate::calibrate::to_json(&cal, weights))? + "\n",
        _ => crate::calibrate::render(&cal, weights),
    };
    if write {
        let (fitted, judged) = crate::calibrate::fit_and_judge(&cal.samples, *weights);
        let figures = format!(
            "ROC AUC {:.3} → {:.3} on {} changes of the rolling splits, gain {:+.3}, 95% CI {:+.3} to {:+.3}",
            judged.defaults_auc, judged.fitted_auc, judged.tested, judged.gain, judged.gain_ci.0, judged.gain_ci.1
        );
        if judged.better() {
            // The file the policy was read from when one was named, else the repository's own.
            let path = cli
                .config
                .clone()
                .unwrap_or_else(|| repo.root().join(crate::config::FILE_NAME));
            crate::calibrate::write_weights(&path, &fitted)?;
            text.push_str(&format!(
                "\nfitted context weights beat the current ones on changes they were not fitted on ({figures}); written to {}\n",
                path.display()
            ));
        } else {
            text.push_str(&format!(
                "\nfitted context weights do not clearly beat the current ones on changes they were not fitted on ({figures}); nothing written\n"
            ));
        }
    }
    emit(&text, None)?;
    Ok(ExitStatus::Passed)
}
