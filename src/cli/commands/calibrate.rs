//! `calibrate`: how well the score ranks this repository's history, and fitted weights.

use crate::cli::args::*;
use crate::cli::output::*;
use crate::cli::session::*;
use crate::cli::ExitStatus;
use crate::registry::RuleSet;
use anyhow::Result;
use std::io::IsTerminal;

pub fn calibrate(cli: &Cli, head: &str, limit: usize, write: bool, format: RulesFormat) -> Result<ExitStatus> {
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
    let mut text = match format {
        RulesFormat::Json => {
            let mut metrics = std::collections::BTreeMap::new();
            let mut paired = std::collections::BTreeMap::new();
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
                let all = crate::calibrate::scorers(&cal.samples);
                let pairs: std::collections::BTreeMap<String, serde_json::Value> = all
                    .iter()
                    .skip(1)
                    .map(|(name, theirs)| {
                        let (d, ci) = crate::calibrate::paired_auc_difference(&all[0].1, theirs, &labels);
                        (
                            name.to_string(),
                            serde_json::json!({"auc_difference": d, "ci": [ci.0, ci.1]}),
                        )
                    })
                    .collect();
                paired.insert(label, pairs);
            }
            let count = |f: fn(&crate::calibrate::Sample) -> bool| cal.samples.iter().filter(|s| f(s)).count();
            let positives =
                serde_json::json!({"L1": count(|s| s.l1), "L2": count(|s| s.l2), "incidents": count(|s| s.incident)});
            let value = serde_json::json!({"samples": cal.samples.len(), "skipped": cal.skipped, "censored": cal.censored, "positives": positives, "metrics": metrics, "paired": paired});
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
    Ok(ExitStatus::Passed)
}
