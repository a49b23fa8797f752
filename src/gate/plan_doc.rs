//! The rollback plan as a document: its sections (by canonical name and synonyms), the
//! skeleton `riskgate plan init` writes, and the text helpers the plan rules read it with.

use crate::model::Finding;
use regex::Regex;
use std::sync::OnceLock;

pub fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("plan regex compiles"))
}

/// Whether the plan names a finding: its rule, file, table or column, symbol or type.
pub fn names(plan: &str, f: &Finding) -> bool {
    let lower = plan.to_lowercase();
    let mut keys: Vec<String> = vec![f.rule.clone()];
    if let Some(file) = &f.file {
        keys.push(file.clone());
        keys.push(file.rsplit('/').next().unwrap_or(file).to_string());
    }
    if let Some(t) = &f.target {
        keys.push(t.clone());
        keys.extend(t.split('.').filter(|p| p.len() > 2).map(str::to_string));
    }
    if let Some(s) = &f.symbol {
        keys.push(s.clone());
        keys.push(s.rsplit("::").next().unwrap_or(s).to_string());
    }
    if keys.iter().any(|k| !k.is_empty() && lower.contains(&k.to_lowercase())) {
        return true;
    }
    // What a person writes: the tables and columns of the statement, in words. Every name the
    // evidence holds (SQL words aside) must appear as a word of the plan.
    let names = statement_names(f.evidence.as_deref().unwrap_or(""));
    let words: std::collections::HashSet<&str> = crate::text::words(&lower).collect();
    !names.is_empty() && names.iter().all(|n| words.contains(n.as_str()))
}

/// The identifiers of a statement, SQL keywords and types left out, lowercased.
pub fn statement_names(evidence: &str) -> Vec<String> {
    const SQL: &[&str] = &[
        "add",
        "alter",
        "and",
        "as",
        "bigint",
        "boolean",
        "by",
        "cascade",
        "column",
        "constraint",
        "create",
        "default",
        "delete",
        "drop",
        "exists",
        "false",
        "foreign",
        "from",
        "if",
        "in",
        "index",
        "insert",
        "int",
        "integer",
        "into",
        "is",
        "json",
        "jsonb",
        "key",
        "not",
        "null",
        "on",
        "or",
        "primary",
        "references",
        "rename",
        "restrict",
        "schema",
        "select",
        "set",
        "table",
        "text",
        "timestamp",
        "timestamptz",
        "to",
        "true",
        "truncate",
        "type",
        "unique",
        "update",
        "using",
        "values",
        "varchar",
        "where",
        "with",
    ];
    let mut out: Vec<String> = crate::text::words(evidence)
        .map(str::to_lowercase)
        .filter(|w| w.len() > 2 && !w.chars().all(|c| c.is_ascii_digit()) && !SQL.contains(&w.as_str()))
        .collect();
    out.dedup();
    out
}

/// The checks that depend on the change's findings.
/// Marks text written by `riskgate plan init`.
pub const TEMPLATE_MARKER: &str = "<!-- riskgate plan init:";

/// The skeleton `riskgate plan init` writes, with one scope line per finding that needs a plan.
pub fn template(scope: &[String]) -> String {
    let scope = if scope.is_empty() {
        "<!-- No finding needs a plan right now; name the risky changes this plan covers. -->\n".to_string()
    } else {
        scope.iter().map(|s| format!("- {s}\n")).collect()
    };
    format!(
        "# Rollback plan\n\n{TEMPLATE_MARKER} fill in every section and delete the comments; a section left as written is not valid. -->\n\n\
## Trigger\n<!-- A measurable signal and who decides: metric or alert name, threshold, window. -->\n\n\
## Scope\n{scope}\n\
## Backup\n<!-- What was saved before the change and where: backup table, dump path and timestamp, snapshot id, PITR window. -->\n\n\
## Rollback steps\n<!-- Numbered, executable steps, each with an estimated time: commands, a down-migration target, a flag flip, a redeploy. -->\n1.\n\n\
## Data\n<!-- What cannot be undone, and the forward fix for it. -->\n\n\
## Verification\n<!-- How to confirm the rollback worked: a query, a dashboard, a smoke test. -->\n\n\
## Owner\n<!-- Who runs the rollback: a person, team or role. -->\n"
    )
}

/// Adds to an existing plan's Scope the lines it does not name yet (by rule and place), keeping
/// everything written; a plan without a Scope section gets one at the end. Returns the new text
/// and how many lines were added.
pub fn add_to_scope(existing: &str, scope: &[String]) -> (String, usize) {
    let new: Vec<&String> = scope
        .iter()
        .filter(|s| {
            // `rule` at `place`: the part a person would keep when editing the line.
            let key = s.split(": ").next().unwrap_or(s);
            !existing.contains(key)
        })
        .collect();
    if new.is_empty() {
        return (existing.to_string(), 0);
    }
    let lines: String = new.iter().map(|s| format!("- {s}\n")).collect();
    let mut out = Vec::new();
    let mut in_scope = false;
    let mut added = false;
    for line in existing.lines() {
        let heading = atx_heading(line);
        if in_scope && heading.is_some() && !added {
            // Right after the section's last line, before the blank lines that end it.
            let blanks = out.iter().rev().take_while(|l: &&String| l.trim().is_empty()).count();
            let at = out.len() - blanks;
            out.insert(at, lines.trim_end().to_string());
            added = true;
        }
        if let Some((_, h)) = heading {
            in_scope = matches!(normalise(h).as_str(), "scope" | "covers");
        }
        out.push(line.to_string());
    }
    let mut text = out.join("\n");
    text.push('\n');
    if !added {
        if !in_scope {
            text.push_str("\n## Scope\n");
        }
        text.push_str(&lines);
    }
    (text, new.len())
}

/// The sections riskgate knows, with the headings accepted for each.
pub const SECTIONS: &[(&str, &[&str])] = &[
    ("trigger", &["trigger", "triggers", "when to roll back"]),
    ("scope", &["scope", "covers"]),
    ("backup", &["backup", "backups", "snapshot"]),
    (
        "rollback",
        &[
            "rollback steps",
            "rollback",
            "roll back",
            "backout",
            "back out",
            "revert",
            "rollback procedure",
        ],
    ),
    ("data", &["data", "data loss", "irreversible"]),
    (
        "verification",
        &["verification", "verify", "validation", "how to verify"],
    ),
    ("owner", &["owner", "owners", "contact", "on call", "on-call"]),
];

#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlanDoc {
    /// (heading as written, body)
    pub sections: Vec<(String, String)>,
    /// The first heading is the document's title (a level above every other heading), whatever
    /// it says: "# Rollback plan: drop customers.fax" is a title, not the steps.
    pub titled: bool,
}

impl PlanDoc {
    pub fn parse(text: &str) -> PlanDoc {
        let mut sections: Vec<(String, String)> = Vec::new();
        let mut levels = Vec::new();
        let mut in_code = false;
        for line in text.lines() {
            if line.trim_start().starts_with("```") {
                in_code = !in_code;
            }
            if !in_code {
                if let Some((level, heading)) = atx_heading(line) {
                    sections.push((heading.to_string(), String::new()));
                    levels.push(level);
                    continue;
                }
            }
            if let Some((_, body)) = sections.last_mut() {
                body.push_str(line);
                body.push('\n');
            }
        }
        let titled = levels.len() > 1 && levels[1..].iter().all(|l| *l > levels[0]);
        PlanDoc { sections, titled }
    }

    /// The body of a known section (by canonical name) or of any heading equal to `name`:
    /// a heading that says exactly that first, then one that starts with it.
    pub fn section(&self, name: &str) -> Option<&str> {
        let synonyms: Vec<&str> = SECTIONS
            .iter()
            .find(|(n, _)| *n == name)
            .map_or_else(|| vec![name], |(_, s)| s.to_vec());
        let candidates: Vec<(String, &str)> = self
            .sections
            .iter()
            .skip(usize::from(self.titled))
            .map(|(heading, body)| (normalise(heading), body.as_str()))
            .filter(|(h, _)| h != "rollback plan")
            .collect();
        let exact = candidates.iter().find(|(h, _)| synonyms.contains(&h.as_str()));
        exact
            .or_else(|| {
                candidates
                    .iter()
                    .find(|(h, _)| synonyms.iter().any(|s| h.starts_with(&format!("{s} "))))
            })
            .map(|(_, body)| *body)
    }
}

/// `## Heading` → (2, "Heading").
pub fn atx_heading(line: &str) -> Option<(usize, &str)> {
    let t = line.trim_start();
    let hashes = t.chars().take_while(|c| *c == '#').count();
    if (1..=6).contains(&hashes) && t[hashes..].starts_with(' ') {
        Some((hashes, t[hashes..].trim().trim_end_matches('#').trim()))
    } else {
        None
    }
}

pub fn normalise(heading: &str) -> String {
    let cleaned: String = heading
        .to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() || c == '-' { c } else { ' ' })
        .collect();
    cleaned.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Section text without HTML comments and blank lines.
pub fn meaningful(body: &str) -> String {
    static COMMENT: OnceLock<Regex> = OnceLock::new();
    let re = COMMENT.get_or_init(|| Regex::new(r"(?s)<!--.*?-->").expect("regex compiles"));
    re.replace_all(body, "")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn is_placeholder(text: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(r"(?i)^([-*+]|\d+[.)])?\s*(todo|tbd|n/?a|none|-+|\?+|x{3,}|<[^>]*>|lorem\b.*|same as above|\.\.\.|…)[.!]?\s*$")
            .expect("regex compiles")
    });
    !text.is_empty() && text.lines().all(|l| re.is_match(l.trim()))
}

pub fn has_step(body: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| Regex::new(r"(?m)^\s*(\d+[.)]|[-*+])\s+\S").expect("regex compiles"));
    re.is_match(body) || body.contains("```")
}

pub fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}
