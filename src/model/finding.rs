//! The one `Finding` type every analyzer returns and every report renders.

use super::{Analyzer, GatingClass, Severity, Tag};
use serde::{Deserialize, Serialize};

/// Which readers a JSON-shape change breaks (design §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    ReadsOldData,
    OldReaders,
    Both,
}

/// Where a waiver that silenced a finding stands, and why it was granted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suppression {
    pub reason: String,
    /// `inline:<path>:<line>`, `config:<file>:<line>` or `baseline:<file>`.
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub rule: String,
    pub analyzer: Analyzer,
    pub severity: Severity,
    pub tags: Vec<Tag>,
    pub file: Option<String>,
    pub line: Option<u32>,
    pub end_line: Option<u32>,
    pub symbol: Option<String>,
    /// Every symbol a finding about several (a file's untested functions) is about.
    pub symbols: Vec<String>,
    pub direction: Option<Direction>,
    pub message: String,
    pub help: String,
    pub evidence: Option<String>,
    pub mitigated_by: Vec<String>,
    /// The rule's gating class; `None` for findings that only rank and explain.
    pub gating: Option<GatingClass>,
    /// Set by the gate: a gating finding at or above `require_plan_at` that a plan must cover.
    pub needs_plan: bool,
    pub suppressed: Option<Suppression>,
    /// What the finding is about, for correlating analyzers (`table.column` for migrations);
    /// not part of the report.
    #[serde(skip)]
    pub target: Option<String>,
}

impl Finding {
    /// A finding with the rule's identity and a message; the rest is filled by builder calls.
    pub fn new(rule: &str, analyzer: Analyzer, severity: Severity, message: impl Into<String>) -> Self {
        Finding {
            rule: rule.to_string(),
            analyzer,
            severity,
            tags: Vec::new(),
            file: None,
            line: None,
            end_line: None,
            symbol: None,
            symbols: Vec::new(),
            direction: None,
            message: message.into(),
            help: String::new(),
            evidence: None,
            mitigated_by: Vec::new(),
            gating: None,
            needs_plan: false,
            suppressed: None,
            target: None,
        }
    }

    pub fn at(mut self, file: &str, line: Option<u32>) -> Self {
        self.file = Some(file.to_string());
        self.line = line;
        self.end_line = line;
        self
    }

    pub fn tags(mut self, tags: &[Tag]) -> Self {
        self.tags = tags.to_vec();
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = help.into();
        self
    }

    pub fn evidence(mut self, evidence: impl Into<String>) -> Self {
        self.evidence = Some(evidence.into());
        self
    }

    /// Counts toward the score and the gate: not waived, not mitigated, not merely informative.
    pub fn is_active(&self) -> bool {
        self.suppressed.is_none() && self.mitigated_by.is_empty() && self.severity > Severity::Info
    }

    /// `file:line` for one-line summaries.
    pub fn location(&self) -> String {
        match (&self.file, self.line) {
            (Some(f), Some(l)) => format!("{f}:{l}"),
            (Some(f), None) => f.clone(),
            _ => "(change)".to_string(),
        }
    }
}
