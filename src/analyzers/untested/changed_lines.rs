//! The lines a change touches, grouped by the function around them, and how a coverage
//! report's hits read against them.

use super::other;
use crate::classify::{FileKind, Language};
use crate::coverage::Lines;
use crate::diff::{ChangedFile, LineKind};
use std::collections::BTreeMap;

/// The lines a change touches in the new file: added lines, and for pure deletions the line
/// where the removed text stood.
pub fn touched_lines(file: &ChangedFile) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    for h in &file.hunks {
        let added: Vec<_> = h.lines.iter().filter(|l| l.kind == LineKind::Added).collect();
        if added.is_empty() {
            out.push((h.new_start.max(1), "(lines removed)".to_string()));
        }
        for l in added {
            out.push((l.new_lineno.unwrap_or(0), l.text.clone()));
        }
    }
    out
}

pub fn is_rust_source(f: &ChangedFile) -> bool {
    matches!(
        f.kind,
        FileKind::Source {
            language: Language::Rust
        }
    )
}

/// Changed lines grouped by the function around them. Lines of one function come in a run, so
/// each run is one map entry rather than one per line.
pub fn group_by_function(touched: Vec<(u32, String)>, decls: &[(String, u32)]) -> BTreeMap<String, Vec<(u32, String)>> {
    let mut runs: Vec<(&str, Vec<(u32, String)>)> = Vec::new();
    for (n, t) in touched {
        let Some((name, _)) = other::enclosing(decls, n) else {
            continue;
        };
        match runs.last_mut() {
            Some((last, lines)) if *last == name.as_str() => lines.push((n, t)),
            _ => runs.push((name.as_str(), vec![(n, t)])),
        }
    }
    let mut out: BTreeMap<String, Vec<(u32, String)>> = BTreeMap::new();
    for (name, lines) in runs {
        out.entry(name.to_string()).or_default().extend(lines);
    }
    out
}

/// Hits of a line: its own record, else the nearest record above it down to `floor`.
pub fn hits_at(lines: &Lines, line: u32, floor: u32) -> Option<u64> {
    lines.range(floor.max(1)..=line).next_back().map(|(_, h)| *h)
}

/// Whether the report fits the head file (no record beyond its end).
pub fn fits(lines: &Lines, text: &str) -> bool {
    let count = text.lines().count() as u32;
    lines.keys().next_back().is_none_or(|last| *last <= count)
}

pub fn evidence(lines: &[(u32, String)]) -> String {
    if let [(_, text)] = lines {
        // One line: the report's gutter already shows its number.
        return format!("+ {}", text.trim());
    }
    let mut s: Vec<String> = lines
        .iter()
        .take(6)
        .map(|(n, t)| format!("{n} + {}", t.trim()))
        .collect();
    if lines.len() > 6 {
        s.push(format!("… {} more changed lines", lines.len() - 6));
    }
    s.join("\n")
}

pub fn span_text(lines: &[(u32, String)]) -> String {
    match (lines.first(), lines.last()) {
        (Some(a), Some(b)) if a.0 != b.0 => format!("lines {}-{}", a.0, b.0),
        (Some(a), _) => format!("line {}", a.0),
        _ => String::new(),
    }
}

/// A changed function no test reaches, as the walks found it.
#[derive(Debug, Clone, PartialEq)]
pub struct Unreached {
    /// Its path inside the file (`Type::method`), or its name.
    pub symbol: String,
    pub public: bool,
    pub lines: Vec<(u32, String)>,
    /// Tests of the base that called it and that this change deletes or disables.
    pub lost_tests: Vec<String>,
}

/// What the walks found untested in one file: the untested rules' input.
#[derive(Debug, Clone, PartialEq)]
pub enum Gap {
    /// Changed lines a coverage report shows with zero hits: of one Rust function (`Counted`:
    /// how many of its changed lines the report measures), or of the named declarations of
    /// another language's file (`In`).
    Uncovered {
        path: String,
        symbol: String,
        zero: Vec<(u32, String)>,
        of: Coverable,
    },
    /// Rust: changed functions no test refers to, and what the change's test files do refer to.
    Unreferenced {
        path: String,
        fns: Vec<Unreached>,
        notes: Vec<String>,
    },
    /// Other languages: changed declarations no test file names.
    Unnamed {
        path: String,
        names: Vec<String>,
        first: u32,
        lines: Vec<(u32, String)>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Coverable {
    Counted(usize),
    In(String),
}
