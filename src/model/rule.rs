//! What a rule is: a code rule's declaration and any rule's documentation, so that `riskgate
//! rules`, `riskgate explain` and `docs/rules.md` read one source.

use super::{Analyzer, Finding, GatingClass, Severity, Tag};
use serde::Serialize;

/// A rule implemented in Rust. Its documentation is its doc comment, captured by `code_rule!`.
#[derive(Debug)]
pub struct CodeRule {
    pub id: &'static str,
    pub analyzer: Analyzer,
    pub severity: Severity,
    pub tags: &'static [Tag],
    /// What kind of risk lets this rule's findings hold a change; `None`: it never gates.
    pub gating: Option<GatingClass>,
    pub doc: &'static str,
}

impl CodeRule {
    /// A finding of this rule with its identity, severity and tags filled in.
    pub fn finding(&self, message: impl Into<String>) -> Finding {
        let mut f = Finding::new(self.id, self.analyzer, self.severity, message).tags(self.tags);
        f.gating = self.gating;
        f
    }

    pub fn doc(&self) -> RuleDoc {
        let section = |name: &str| doc_section(self.doc, name);
        RuleDoc {
            id: self.id.to_string(),
            analyzer: self.analyzer,
            severity: self.severity,
            tags: self.tags.to_vec(),
            gating: self.gating,
            description: section("What it does"),
            why: section("Why is this risky?"),
            example: section("Example"),
            rollback: section("How to roll back"),
            source: "built-in".to_string(),
            hints: Vec::new(),
        }
    }
}

/// Declares a code rule whose `///` comment, in the sections What it does / Why is this
/// risky? / Example / How to roll back, is its documentation.
#[macro_export]
macro_rules! code_rule {
    (
        $(#[doc = $doc:literal])*
        $vis:vis static $name:ident: $id:literal, $analyzer:ident, $sev:ident, [$($tag:ident),*], gating = $gating:ident;
    ) => {
        $vis static $name: $crate::model::CodeRule = $crate::model::CodeRule {
            id: $id,
            analyzer: $crate::model::Analyzer::$analyzer,
            severity: $crate::model::Severity::$sev,
            tags: &[$($crate::model::Tag::$tag),*],
            gating: $crate::code_rule!(@gating $gating),
            doc: concat!($($doc, "\n"),*),
        };
    };
    (@gating None) => { None };
    (@gating $class:ident) => { Some($crate::model::GatingClass::$class) };
}

/// One rule's documentation, whichever way it is implemented.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RuleDoc {
    pub id: String,
    pub analyzer: Analyzer,
    pub severity: Severity,
    pub tags: Vec<Tag>,
    /// The gating class; findings of a rule without one never hold a change.
    pub gating: Option<GatingClass>,
    pub description: String,
    pub why: String,
    pub example: String,
    pub rollback: String,
    /// `built-in`, or the pack file a repository's own rule came from.
    pub source: String,
    /// Where a match is only a hint (medium at most), each as "where: why".
    pub hints: Vec<String>,
}

/// The text under `## name` in a doc comment, up to the next `##` heading.
fn doc_section(doc: &str, name: &str) -> String {
    let mut out = Vec::new();
    let mut inside = false;
    // An example may be markdown with `## ` headings of its own: inside a fence they are text.
    let mut fenced = false;
    for line in doc.lines() {
        let line = line.strip_prefix(' ').unwrap_or(line);
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        }
        if let (false, Some(heading)) = (fenced, line.strip_prefix("## ")) {
            inside = heading.trim() == name;
            continue;
        }
        if inside {
            out.push(line);
        }
    }
    out.join("\n").trim().to_string()
}

/// A valid rule id: lowercase kebab-case words, at least two, naming the risky pattern.
pub fn is_valid_id(id: &str) -> bool {
    let words: Vec<&str> = id.split('-').collect();
    words.len() >= 2
        && words
            .iter()
            .all(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()))
        && !["avoid", "prefer", "use", "no", "ban"].contains(&words[0])
}

impl RuleDoc {
    /// The tags, each through `quote`, after `lead`; nothing without tags.
    fn tags_text(&self, lead: &str, quote: &str) -> String {
        if self.tags.is_empty() {
            return String::new();
        }
        let words: Vec<String> = self.tags.iter().map(|t| format!("{quote}{t}{quote}")).collect();
        format!("{lead}tags: {}", words.join(", "))
    }

    /// The sections after the description, each under `heading(title)`.
    fn sections(&self, heading: impl Fn(&str) -> String) -> String {
        let mut s = String::new();
        for (title, body) in [
            ("Why is this risky?", &self.why),
            ("Example", &self.example),
            ("How to roll back", &self.rollback),
        ] {
            if !body.is_empty() {
                s.push_str(&format!("\n{}\n{body}\n", heading(title)));
            }
        }
        s
    }

    /// The plain-text page `riskgate explain` prints.
    pub fn explain(&self) -> String {
        let gates = match self.gating {
            Some(class) => format!(", gates as {class}"),
            None => ", ranks only (never gates)".to_string(),
        };
        let mut s = format!(
            "{}  ({} analyzer, severity {}{}{gates})\n\n{}\n",
            self.id,
            self.analyzer,
            self.severity,
            self.tags_text(", ", ""),
            self.description
        );
        s.push_str(&self.sections(|title| title.to_string()));
        if !self.hints.is_empty() {
            s.push_str("\nOnly a hint (medium at most, never gates)\n");
            for h in &self.hints {
                s.push_str(&format!("- {h}\n"));
            }
        }
        if self.source != "built-in" {
            s.push_str(&format!("\nDefined in {}\n", self.source));
        }
        s
    }

    /// This rule's section of `docs/rules.md`.
    pub fn markdown(&self) -> String {
        let gates = match self.gating {
            Some(class) => format!(" · gates as `{class}`"),
            None => " · ranks only, never gates".to_string(),
        };
        let mut s = format!(
            "## `{}`\n\nAnalyzer: `{}` · severity: `{}`{}{gates}\n\n{}\n",
            self.id,
            self.analyzer,
            self.severity,
            self.tags_text(" · ", "`"),
            self.description
        );
        s.push_str(&self.sections(|title| format!("**{title}**\n")));
        if !self.hints.is_empty() {
            s.push_str("\n**Only a hint (medium at most, never gates)**\n\n");
            for h in &self.hints {
                s.push_str(&format!("- {h}\n"));
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_kebab_case_and_name_the_pattern() {
        assert!(is_valid_id("migration-drops-column"));
        assert!(!is_valid_id("Migration-Drops"));
        assert!(!is_valid_id("drop"));
        assert!(!is_valid_id("avoid-drop-column"));
        assert!(!is_valid_id("a--b"));
    }

    #[test]
    fn sections_are_read_from_the_doc() {
        let doc = " ## What it does\n Finds X.\n ## Why is this risky?\n Y.\n";
        assert_eq!(doc_section(doc, "What it does"), "Finds X.");
        assert_eq!(doc_section(doc, "Why is this risky?"), "Y.");
        assert_eq!(doc_section(doc, "Example"), "");
    }
}
