//! `.riskgate-baseline.json`: findings recorded once, by rule, path and a hash of their
//! content (not their line), so that they stay in reports but no longer count toward the gate.

use crate::model::{Finding, Suppression};
use anyhow::{anyhow, Context, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

pub const FILE_NAME: &str = ".riskgate-baseline.json";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub rule: String,
    pub path: String,
    pub hash: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline {
    pub schema_version: u32,
    pub findings: Vec<Entry>,
}

/// FNV-1a, 64 bits: stable across platforms and releases, unlike std's hasher.
fn fnv(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// What a finding is, independent of where in the file it moved to.
pub fn entry(f: &Finding) -> Entry {
    let content = f
        .evidence
        .as_deref()
        .unwrap_or(&f.message)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let content = content.trim_start_matches(|c: char| c.is_ascii_digit() || c == '+' || c == ' ');
    Entry {
        rule: f.rule.clone(),
        path: f.file.clone().unwrap_or_default(),
        hash: fnv(&format!("{}\u{0}{}", f.symbol.as_deref().unwrap_or(""), content)),
    }
}

impl Baseline {
    pub fn from_findings(findings: &[Finding]) -> Baseline {
        let mut entries: Vec<Entry> = findings
            .iter()
            .filter(|f| f.is_active() && f.analyzer != crate::model::Analyzer::Gate)
            .map(entry)
            .collect();
        entries.sort_by(|a, b| (&a.path, &a.rule, &a.hash).cmp(&(&b.path, &b.rule, &b.hash)));
        entries.dedup();
        Baseline {
            schema_version: 1,
            findings: entries,
        }
    }

    pub fn load(root: &Path) -> Result<Option<Baseline>> {
        let path = root.join(FILE_NAME);
        if !path.is_file() {
            return Ok(None);
        }
        let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {FILE_NAME}"))?;
        Baseline::parse(&text).map(Some)
    }

    pub fn parse(text: &str) -> Result<Baseline> {
        serde_json::from_str(text).map_err(|e| anyhow!("{FILE_NAME}:{}:{}: {e}", e.line(), e.column()))
    }

    /// Marks findings recorded in the baseline; they stay in the report.
    pub fn apply(&self, findings: &mut [Finding]) {
        for f in findings.iter_mut().filter(|f| f.suppressed.is_none()) {
            if self.findings.contains(&entry(f)) {
                f.suppressed = Some(Suppression {
                    reason: "recorded in the baseline".to_string(),
                    source: format!("baseline:{FILE_NAME}"),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Severity;

    #[test]
    fn entries_survive_a_line_move_but_not_a_content_change() {
        let f = Finding::new("a-b", crate::model::Analyzer::Migration, Severity::High, "m")
            .at("x.sql", Some(3))
            .evidence("DROP TABLE t;");
        let mut moved = f.clone();
        moved.line = Some(30);
        assert_eq!(entry(&f), entry(&moved));
        let mut other = f.clone();
        other.evidence = Some("DROP TABLE u;".into());
        assert_ne!(entry(&f), entry(&other));
        let b = Baseline::from_findings(std::slice::from_ref(&f));
        let mut list = vec![moved, other];
        b.apply(&mut list);
        assert!(list[0].suppressed.is_some() && list[1].suppressed.is_none());
    }
}
