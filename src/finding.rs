//! The one `Finding` type every analyzer returns and every report renders.

use serde::{Deserialize, Serialize};
use std::fmt;

/// How bad one finding is on its own. Ordered from harmless to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a finding may hold a change until it has a rollback plan: the risk is to data or to a
/// contract, not merely to code. Findings without a class rank and explain, never gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GatingClass {
    /// Stored data is deleted: a dropped table or column, a truncate, a removed JSON key.
    DataLoss,
    /// Stored data is rewritten in place, so the old values are gone unless backed up.
    DataRewrite,
    /// A contract of stored or wire data breaks: a schema, a serde type, a renamed column.
    BrokenContract,
    /// A file that holds data or a contract could not be read, so its risk is unknown.
    NotAnalyzed,
    /// The change weakens the policy that judges it.
    PolicyWeakened,
    /// A credential is committed: it must be rotated, which no revert undoes.
    SecretExposed,
}

impl GatingClass {
    pub const ALL: [GatingClass; 6] = [
        GatingClass::DataLoss,
        GatingClass::DataRewrite,
        GatingClass::BrokenContract,
        GatingClass::NotAnalyzed,
        GatingClass::PolicyWeakened,
        GatingClass::SecretExposed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            GatingClass::DataLoss => "data-loss",
            GatingClass::DataRewrite => "data-rewrite",
            GatingClass::BrokenContract => "broken-contract",
            GatingClass::NotAnalyzed => "not-analyzed",
            GatingClass::PolicyWeakened => "policy-weakened",
            GatingClass::SecretExposed => "secret-exposed",
        }
    }

    pub fn parse(s: &str) -> Option<GatingClass> {
        GatingClass::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

impl fmt::Display for GatingClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

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
    pub analyzer: String,
    pub severity: Severity,
    pub tags: Vec<String>,
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
    pub fn new(rule: &str, analyzer: &str, severity: Severity, message: impl Into<String>) -> Self {
        Finding {
            rule: rule.to_string(),
            analyzer: analyzer.to_string(),
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

    pub fn tags(mut self, tags: &[&str]) -> Self {
        self.tags = tags.iter().map(|t| t.to_string()).collect();
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
