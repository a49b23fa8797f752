//! Stage 4: waivers. Inline comments and `[[waiver]]` entries silence findings, each with a
//! reason; a waiver that silences nothing is itself reported.

pub mod acknowledged;
pub mod unused_waiver;

use crate::baseline::Baseline;
use crate::config::{glob, Config};
use crate::diff::{ChangeSet, LineKind};
use crate::model::{Finding, Suppression};
use anyhow::{anyhow, Result};
use regex::Regex;
use std::collections::HashSet;
use std::sync::OnceLock;

/// One waiver, wherever it was written.
#[derive(Debug, Clone)]
struct Waiver {
    rules: Vec<String>,
    reason: String,
    source: String,
    target: Target,
    /// Report it when it silences nothing.
    report_unused: bool,
    /// Where an unused-waiver finding points.
    file: Option<String>,
    line: Option<u32>,
}

#[derive(Debug, Clone)]
enum Target {
    /// Findings of this file at these lines.
    Lines { path: String, lines: Vec<u32> },
    /// Findings of files matching this glob (every file when `None`).
    Paths(Option<globset::GlobMatcher>),
}

fn inline_pattern() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r#"(?:--|#|//|/\*|<!--)\s*riskgate:\s*allow\(([^)]*)\)\s*(?:reason\s*=\s*"([^"]*)")?"#)
            .expect("waiver regex compiles")
    })
}

/// Every waiver in one place: lock risks a migration acknowledges, inline and config waivers
/// (appending an `unused-waiver` finding for each that silences nothing), then the baseline.
pub fn apply(
    change: &ChangeSet,
    config: &Config,
    known: &HashSet<String>,
    baseline: Option<&Baseline>,
    mut findings: Vec<Finding>,
) -> Result<Vec<Finding>> {
    acknowledged::apply(change, &mut findings);
    let waivers = collect(change, config, known)?;
    let mut used = vec![false; waivers.len()];
    for finding in &mut findings {
        for (i, w) in waivers.iter().enumerate() {
            if w.rules.iter().any(|r| r == &finding.rule) && w.target.covers(finding) {
                used[i] = true;
                if finding.suppressed.is_none() {
                    finding.suppressed = Some(Suppression {
                        reason: w.reason.clone(),
                        source: w.source.clone(),
                    });
                }
            }
        }
    }
    for (w, used) in waivers.iter().zip(used) {
        if !used && w.report_unused {
            findings.push(unused_waiver::check(&w.rules, &w.source, w.file.as_deref(), w.line));
        }
    }
    if let Some(b) = baseline {
        b.apply(&mut findings);
    }
    Ok(findings)
}

impl Target {
    fn covers(&self, finding: &Finding) -> bool {
        match self {
            Target::Lines { path, lines } => {
                finding.file.as_deref() == Some(path.as_str()) && finding.line.is_some_and(|l| lines.contains(&l))
            }
            Target::Paths(None) => true,
            Target::Paths(Some(glob)) => finding.file.as_deref().is_some_and(|f| glob.is_match(f)),
        }
    }
}

fn collect(change: &ChangeSet, config: &Config, known: &HashSet<String>) -> Result<Vec<Waiver>> {
    let mut waivers = Vec::new();
    for file in &change.files {
        let Some(text) = file.new_text.get() else { continue };
        if !text.contains("riskgate:") {
            continue;
        }
        let added: HashSet<u32> = file
            .hunks
            .iter()
            .flat_map(|h| &h.lines)
            .filter(|l| l.kind == LineKind::Added)
            .filter_map(|l| l.new_lineno)
            .collect();
        let lines: Vec<&str> = text.lines().collect();
        for (idx, line) in lines.iter().enumerate() {
            let Some(cap) = inline_pattern().captures(line) else {
                continue;
            };
            let lineno = idx as u32 + 1;
            let at = format!("{}:{lineno}", file.path);
            let rules = parse_rule_list(&cap[1]);
            if rules.is_empty() {
                return Err(anyhow!(
                    "{at}: waiver names no rule; write riskgate: allow(rule-id) reason=\"…\""
                ));
            }
            for r in &rules {
                if !known.contains(r) {
                    return Err(anyhow!("{at}: waiver names unknown rule `{r}` (see `riskgate rules`)"));
                }
            }
            let reason = cap.get(2).map(|m| m.as_str().trim()).unwrap_or("");
            if reason.is_empty() {
                return Err(anyhow!(
                    "{at}: waiver for `{}` has no reason; add reason=\"…\"",
                    rules.join(", ")
                ));
            }
            // A trailing comment covers its own line; a comment on its own line covers the next code line.
            let mut covered = vec![lineno];
            let own_line = line.trim_start().starts_with(['-', '#', '/', '<']);
            if own_line {
                if let Some(next) = (idx + 1..lines.len())
                    .find(|&j| !lines[j].trim().is_empty() && !inline_pattern().is_match(lines[j]))
                {
                    covered.push(next as u32 + 1);
                }
            }
            waivers.push(Waiver {
                rules,
                reason: reason.to_string(),
                source: format!("inline:{at}"),
                target: Target::Lines {
                    path: file.path.clone(),
                    lines: covered,
                },
                report_unused: added.contains(&lineno),
                file: Some(file.path.clone()),
                line: Some(lineno),
            });
        }
    }
    let lines = config.source.as_ref().map(|s| crate::config::LineIndex::of(&s.text));
    for entry in &config.waivers {
        let w = entry.get_ref();
        let rule = w.rule.get_ref();
        if !known.contains(rule) {
            return Err(config.error_at(
                w.rule.span(),
                format!("waiver names unknown rule `{rule}` (see `riskgate rules`)"),
            ));
        }
        let matcher = match &w.path {
            Some(p) => Some(
                glob(p.get_ref())
                    .map_err(|e| config.error_at(p.span(), format!("bad glob `{}`: {}", p.get_ref(), e.kind())))?
                    .compile_matcher(),
            ),
            None => None,
        };
        let touches_change = matcher
            .as_ref()
            .is_some_and(|m| change.files.iter().any(|f| m.is_match(&f.path)));
        let line = lines.as_ref().map(|index| index.line(entry.span().start) as u32);
        waivers.push(Waiver {
            rules: vec![rule.clone()],
            reason: w.reason.clone().unwrap_or_default(),
            source: format!("config:{}:{}", config.name(), line.unwrap_or(0)),
            target: Target::Paths(matcher),
            report_unused: touches_change,
            file: Some(config.name().to_string()),
            line,
        });
    }
    Ok(waivers)
}

fn parse_rule_list(list: &str) -> Vec<String> {
    list.split(',')
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::{ChangedFile, FileStatus};
    use crate::model::Severity;

    fn known() -> HashSet<String> {
        ["thing-added", "unused-waiver"].iter().map(|s| s.to_string()).collect()
    }

    fn finding(line: u32) -> Finding {
        Finding::new("thing-added", crate::model::Analyzer::Pattern, Severity::High, "m").at("a.sql", Some(line))
    }

    fn change(lines: &[&str]) -> ChangeSet {
        ChangeSet {
            files: vec![ChangedFile::from_lines("a.sql", FileStatus::Added, &[], lines)],
            ..Default::default()
        }
    }

    #[test]
    fn comment_on_its_own_line_covers_the_next_line() {
        let c = change(&[
            "-- riskgate: allow(thing-added) reason=\"scratch table\"",
            "",
            "DROP TABLE tmp;",
        ]);
        let out = apply(&c, &Config::default(), &known(), None, vec![finding(3)]).unwrap();
        assert_eq!(out.len(), 1);
        let s = out[0].suppressed.as_ref().unwrap();
        assert_eq!(
            (s.reason.as_str(), s.source.as_str()),
            ("scratch table", "inline:a.sql:1")
        );
    }

    #[test]
    fn unused_inline_waiver_is_reported() {
        let c = change(&["-- riskgate: allow(thing-added) reason=\"x\"", "SELECT 1;"]);
        let out = apply(&c, &Config::default(), &known(), None, vec![finding(9)]).unwrap();
        assert!(out[0].suppressed.is_none());
        assert_eq!(out[1].rule, "unused-waiver");
        assert_eq!((out[1].file.as_deref(), out[1].line), (Some("a.sql"), Some(1)));
    }

    #[test]
    fn waiver_without_reason_or_with_unknown_rule_is_an_error() {
        let c = change(&["# riskgate: allow(thing-added)"]);
        let err = apply(&c, &Config::default(), &known(), None, vec![])
            .unwrap_err()
            .to_string();
        assert_eq!(err, "a.sql:1: waiver for `thing-added` has no reason; add reason=\"…\"");
        let c = change(&["# riskgate: allow(no-such-rule) reason=\"r\""]);
        let err = apply(&c, &Config::default(), &known(), None, vec![])
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown rule `no-such-rule`"), "{err}");
    }

    #[test]
    fn waiver_words_in_plain_text_are_not_waivers() {
        let c = change(&["riskgate: allow(thing-added) is how you waive"]);
        let out = apply(&c, &Config::default(), &known(), None, vec![finding(1)]).unwrap();
        assert!(out[0].suppressed.is_none());
        assert_eq!(out.len(), 1);
    }
}
