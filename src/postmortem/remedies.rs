//! What to change so that the next incident like this one is caught: config that links a JSON
//! column to its type, a rule for the repository's own pack (checked against its own examples
//! before it is proposed), waivers to remove, tests to add.

use super::FixedFile;
use crate::config::Config;
use crate::diff::git::blame::CommitStamp;
use crate::diff::{ChangeSet, LineKind};
use crate::model::{Analyzer, Finding};
use crate::text::short_sha;
use std::collections::BTreeSet;

/// What the remedies are worked out from.
pub struct Context<'a> {
    pub cause: &'a CommitStamp,
    /// Named or reverted, not a candidate from blame: only then are rules proposed from it.
    pub cause_known: bool,
    pub fix: Option<&'a CommitStamp>,
    /// The cause's findings at merge time.
    pub findings: &'a [Finding],
    pub fixed_files: &'a [FixedFile],
    pub cause_change: Option<&'a ChangeSet>,
    pub fix_change: Option<&'a ChangeSet>,
    /// The policy at merge time.
    pub config: Option<&'a Config>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Remedy {
    /// Name the type stored in a JSON column (and check real rows against it).
    JsonColumn {
        table: String,
        column: String,
        /// `path::Type`, as riskgate names it.
        symbol: String,
        /// A `[[json_column]]` entry already names it.
        column_named: bool,
        /// A `[[shapes]]` entry already checks the type.
        shapes_configured: bool,
    },
    /// A rule for the repository's own pack, whose examples riskgate ran.
    PackRule {
        path: String,
        id: String,
        /// The word the rule watches for.
        word: String,
        toml: String,
    },
    /// A waiver silenced a finding on a file the fix had to change.
    RemoveWaiver {
        finding: String,
        source: String,
        reason: String,
    },
    /// Functions of the files the fix changed that no test referred to: (file, function).
    AddTest { functions: Vec<(String, String)> },
}

pub fn propose(cx: &Context<'_>) -> Vec<Remedy> {
    // Remedies from a candidate cause would be about another change.
    if !cx.cause_known {
        return Vec::new();
    }
    let mut out = json_columns(cx);
    out.extend(pack_rules(cx));
    let touched: BTreeSet<&str> = cx.fixed_files.iter().map(|f| f.path.as_str()).collect();
    let on_touched = |f: &&Finding| f.file.as_deref().is_some_and(|p| touched.contains(p));
    for f in cx.findings.iter().filter(on_touched) {
        if let Some(s) = &f.suppressed {
            out.push(Remedy::RemoveWaiver {
                finding: format!(
                    "{} at {}:{}",
                    f.rule,
                    f.file.as_deref().unwrap_or(""),
                    f.line.unwrap_or(0)
                ),
                source: s.source.clone(),
                reason: s.reason.clone(),
            });
        }
    }
    let mut functions = Vec::new();
    for f in cx
        .findings
        .iter()
        .filter(on_touched)
        .filter(|f| f.analyzer == Analyzer::Untested)
    {
        let file = f.file.clone().unwrap_or_default();
        let names = if f.symbols.is_empty() {
            f.symbol.iter().cloned().collect()
        } else {
            f.symbols.clone()
        };
        // `src/a.rs::name` reads as `name` beside the file.
        let prefix = format!("{file}::");
        for name in names {
            let name = name.strip_prefix(&prefix).map_or(name.clone(), str::to_string);
            functions.push((file.clone(), name));
        }
    }
    if !functions.is_empty() {
        out.push(Remedy::AddTest { functions });
    }
    out
}

/// A JSON column the change reshaped while a type stored in it changed, unless the policy
/// already names that type for the column.
fn json_columns(cx: &Context<'_>) -> Vec<Remedy> {
    let mut out = Vec::new();
    for f in cx.findings.iter().filter(|f| f.rule == "json-column-contract-changed") {
        let (Some(target), Some(symbol)) = (&f.target, &f.symbol) else {
            continue;
        };
        // `schema.table.column`: the column is after the last dot.
        let Some((table, column)) = target.rsplit_once('.') else {
            continue;
        };
        let type_name = symbol.rsplit("::").next().unwrap_or(symbol);
        let named = cx.config.is_some_and(|c| {
            c.json_column
                .iter()
                .any(|j| j.table == table && j.column == column && symbol.ends_with(j.type_name.as_str()))
        });
        let shapes_configured = cx.config.is_some_and(|c| {
            c.shapes
                .iter()
                .any(|s| s.type_spec == *symbol || s.type_spec.rsplit("::").next() == Some(type_name))
        });
        let remedy = Remedy::JsonColumn {
            table: table.to_string(),
            column: column.to_string(),
            symbol: symbol.clone(),
            column_named: named,
            shapes_configured,
        };
        let configured = named && shapes_configured;
        if !configured && !out.contains(&remedy) {
            out.push(remedy);
        }
    }
    out
}

/// Words too common to tell one change from another.
const COMMON: &str = "self true false none null nil return const static string async await impl \
    struct enum class def function import from public private this else elif while with type \
    crate super where match usize isize bool char option result some into clone unwrap value \
    data print list dict integer float number boolean object undefined";

/// At most this many rules are proposed: a few good ones for the files the fix changed most.
const MAX_RULES: usize = 3;

/// The words of a line that could tell its change from others: five characters or more, not
/// a number, not a common word, not a test's name (it says what was tested, not what breaks).
fn identifiers(line: &str) -> impl Iterator<Item = &str> {
    crate::text::words(line).filter(|w| {
        let lower = w.to_ascii_lowercase();
        w.len() >= 5
            && !w.starts_with(|c: char| c.is_ascii_digit())
            && !lower.starts_with("test")
            && !lower.ends_with("_test")
            && !COMMON.split_whitespace().any(|c| c == lower)
    })
}

/// For each file the fix changed with no finding, where the fix took back lines the cause
/// added: a rule that fires when a change adds the most telling word of those lines to that
/// file again. A word is telling when the cause brought it (the file did not name it before),
/// the fix's code does not name it again, and the file named it on at most two lines; without
/// such a word, or without a line taken back, no rule is proposed (read on real reverts, rules
/// from looser words fired on the repair or on every edit of the file). Only for a cause that was named
/// or reverted: a candidate from blame is too often another change.
fn pack_rules(cx: &Context<'_>) -> Vec<Remedy> {
    let (Some(cause_change), Some(fix_change)) = (cx.cause_change, cx.fix_change) else {
        return Vec::new();
    };
    let mut gaps: Vec<&FixedFile> = cx
        .fixed_files
        .iter()
        .filter(|f| !f.seen && !crate::history::szz::is_bookkeeping(&f.path))
        .collect();
    // The files the fix changed most first: where the incident was.
    gaps.sort_by_key(|f| std::cmp::Reverse(f.lines_added + f.lines_removed));
    let mut out: Vec<Remedy> = Vec::new();
    for gap in gaps {
        if out.len() == MAX_RULES {
            break;
        }
        let (Some(caused), Some(fix_file)) = (
            cause_change.files.iter().find(|f| f.path == gap.path),
            fix_change.files.iter().find(|f| f.path == gap.path),
        ) else {
            continue;
        };
        let taken_back: BTreeSet<&str> = fix_file
            .hunks
            .iter()
            .flat_map(|h| h.lines.iter())
            .filter(|l| l.kind == LineKind::Removed)
            .map(|l| l.text.trim())
            .collect();
        let before_fix = fix_file.old_text.get().unwrap_or("");
        let lines_naming = |w: &str| before_fix.lines().filter(|l| l.contains(w)).count();
        // The word must be new with the cause (the base of the file did not name it) and gone
        // with the fix (no code the fix adds names it): a word the fix writes again would flag
        // the repair as the risk, and one the file always had flags every edit of the file.
        let fix_code: Vec<String> = added_lines(fix_file).map(code_of).collect();
        let in_fix = |w: &str| fix_code.iter().any(|l| l.contains(w));
        let old_text = caused.old_text.get().unwrap_or("");
        let Some((line, word)) = added_lines(caused)
            .filter(|line| taken_back.contains(line.trim()) && !crate::history::szz::is_trivial(line))
            .flat_map(|line| {
                identifiers(&code_of(line))
                    .map(|w| (line, w.to_string()))
                    .collect::<Vec<_>>()
            })
            .filter(|(_, w)| lines_naming(w) <= 2 && !in_fix(w) && !old_text.contains(w.as_str()))
            .min_by_key(|(_, w)| std::cmp::Reverse(w.len()))
        else {
            continue;
        };
        let old_text = before_fix;
        let quiet_line = added_lines(fix_file)
            .chain(old_text.lines())
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.contains(word.as_str()))
            .unwrap_or("unrelated = 1");
        if let Some(rule @ Remedy::PackRule { .. }) = pack_rule(cx, &gap.path, line.trim(), &word, quiet_line) {
            // Two files with one stem would give one id twice; one word, one rule.
            let taken = out.iter().any(|r| {
                matches!((r, &rule), (Remedy::PackRule { id: a, word: wa, .. }, Remedy::PackRule { id: b, word: wb, .. }) if a == b || wa == wb)
            });
            if !taken {
                out.push(rule);
            }
        }
    }
    out
}

/// The line without its string literals' contents and its trailing comment: an error message
/// or a remark says nothing about the code.
fn code_of(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut quote: Option<char> = None;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            Some(_) if c == '\\' => {
                chars.next();
            }
            Some(q) if c == q => {
                quote = None;
                out.push(c);
            }
            Some(_) => {}
            None if c == '"' || c == '\'' || c == '`' => {
                quote = Some(c);
                out.push(c);
            }
            None if c == '#' || (c == '/' && chars.peek() == Some(&'/')) => break,
            None => out.push(c),
        }
    }
    out
}

fn added_lines(file: &crate::diff::ChangedFile) -> impl Iterator<Item = &str> {
    file.hunks
        .iter()
        .flat_map(|h| h.lines.iter())
        .filter(|l| l.kind == LineKind::Added)
        .map(|l| l.text.as_str())
        .filter(|t| !t.trim().is_empty())
}

/// A path as a glob that matches only itself.
fn literal_glob(path: &str) -> String {
    path.chars()
        .map(|c| match c {
            '*' | '?' | '[' | ']' | '{' | '}' | '\\' => format!("[{c}]"),
            c => c.to_string(),
        })
        .collect()
}

fn toml_string(s: &str) -> String {
    // A TOML literal string holds anything but a single quote and control characters.
    if !s.contains('\'') && !s.chars().any(char::is_control) {
        return format!("'{s}'");
    }
    crate::text::toml_basic(s)
}

/// The rule's text, kept only if riskgate loads it and its examples behave.
fn pack_rule(cx: &Context<'_>, path: &str, line: &str, word: &str, quiet_line: &str) -> Option<Remedy> {
    let cause = short_sha(&cx.cause.sha);
    let stem: String = path
        .rsplit('/')
        .next()
        .unwrap_or(path)
        .split('.')
        .next()
        .unwrap_or("")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect::<String>()
        .split('-')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    let id = format!("incident-{cause}-{}", if stem.is_empty() { "file" } else { &stem });
    let fixed = cx
        .fix
        .map(|f| format!(" and {} had to fix it", short_sha(&f.sha)))
        .unwrap_or_default();
    let toml = format!(
        "[[rule]]\nid = {id}\ndescription = {description}\nwhy = {why}\nrollback = {rollback}\n# Medium ranks and explains; make it high with a gating class to require a plan.\nseverity = \"medium\"\ntags = [\"incident\"]\n\n[rule.match]\npaths = [{glob_q}]\nkeywords = [{word_q}]\nadded = {regex}\n\n[[rule.example]]\npath = {path_q}\nadded = [{line_q}]\nfires = true\n\n[[rule.example]]\npath = {path_q}\nadded = [{quiet_q}]\nfires = false\n",
        id = toml_string(&id),
        description = toml_string(&format!("A line naming `{word}` is added to {path}, as in the change behind incident {cause}.")),
        why = toml_string(&format!(
            "Commit {cause} (\"{}\") added it{fixed}; no finding pointed at this file then.",
            cx.cause.summary
        )),
        rollback = toml_string("Follow the rollback plan; check what the postmortem of the incident says went wrong."),
        path_q = toml_string(path),
        glob_q = toml_string(&literal_glob(path)),
        word_q = toml_string(word),
        regex = toml_string(&format!(r"\b{}\b", regex::escape(word))),
        line_q = toml_string(line),
        quiet_q = toml_string(quiet_line),
    );
    let rules = crate::packs::load("proposed rule", &toml).ok()?;
    if rules
        .iter()
        .all(|r| crate::analyzers::pattern::check_examples(r).is_ok())
    {
        Some(Remedy::PackRule {
            word: word.to_string(),
            path: path.to_string(),
            id,
            toml,
        })
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_come_from_code_not_from_strings_or_comments() {
        assert_eq!(
            code_of(r#"raise Invalid("SignatureExpired: \"late\"") # retry_budget"#),
            r#"raise Invalid("") "#
        );
        assert_eq!(
            code_of("let limit = MAX_UPLOAD_BYTES; // was smaller"),
            "let limit = MAX_UPLOAD_BYTES; "
        );
        assert_eq!(code_of("x = 'a # b' + y"), "x = '' + y");
    }
}
