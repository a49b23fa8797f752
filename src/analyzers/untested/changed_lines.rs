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
    touched_line_texts(file)
        .into_iter()
        .map(|(n, t)| (n, t.to_string()))
        .collect()
}

/// `touched_lines`, borrowed from the file.
pub fn touched_line_texts(file: &ChangedFile) -> Vec<(u32, &str)> {
    let mut out = Vec::new();
    for h in &file.hunks {
        let before = out.len();
        for l in h.lines.iter().filter(|l| l.kind == LineKind::Added) {
            out.push((l.new_lineno.unwrap_or(0), l.text.as_str()));
        }
        if out.len() == before {
            out.push((h.new_start.max(1), "(lines removed)"));
        }
    }
    out
}

/// The names of the declarations whose lines the change touches.
pub fn touched_names<'d>(file: &ChangedFile, decls: &'d [(String, u32)]) -> std::collections::BTreeSet<&'d str> {
    let mut out = std::collections::BTreeSet::new();
    let mut last: Option<&str> = None;
    for (n, _) in touched_line_texts(file) {
        if let Some((name, _)) = other::enclosing(decls, n) {
            if last != Some(name.as_str()) {
                out.insert(name.as_str());
                last = Some(name.as_str());
            }
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
pub fn group_by_function<'d, 'f>(
    touched: Vec<(u32, &'f str)>,
    decls: &'d [(String, u32)],
) -> BTreeMap<&'d str, Vec<(u32, &'f str)>> {
    let mut runs: Vec<(&str, Vec<(u32, &str)>)> = Vec::new();
    for (n, t) in touched {
        let Some((name, _)) = other::enclosing(decls, n) else {
            continue;
        };
        match runs.last_mut() {
            Some((last, lines)) if *last == name.as_str() => lines.push((n, t)),
            _ => runs.push((name.as_str(), vec![(n, t)])),
        }
    }
    let mut out: BTreeMap<&str, Vec<(u32, &str)>> = BTreeMap::new();
    for (name, lines) in runs {
        out.entry(name).or_default().extend(lines);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::{DiffLine, FileStatus, Hunk};

    #[test]
    fn names_and_numbers_agree_with_the_touched_lines() {
        let mut file = ChangedFile::from_lines("a.py", FileStatus::Modified, &[], &[]);
        let line = |kind, n: u32, text: &str| DiffLine {
            kind,
            old_lineno: (kind == LineKind::Removed).then_some(n),
            new_lineno: (kind == LineKind::Added).then_some(n),
            text: text.to_string(),
        };
        file.hunks = vec![
            Hunk {
                old_start: 2,
                old_lines: 1,
                new_start: 2,
                new_lines: 0,
                lines: vec![line(LineKind::Removed, 2, "    gone = 1")],
            },
            Hunk {
                old_start: 9,
                old_lines: 0,
                new_start: 9,
                new_lines: 2,
                lines: vec![
                    line(LineKind::Added, 9, "    b = 2"),
                    line(LineKind::Added, 12, "    c = 3"),
                ],
            },
        ];
        let numbers: Vec<u32> = touched_lines(&file).into_iter().map(|(n, _)| n).collect();
        assert_eq!(numbers, vec![2, 9, 12]);
        let decls = vec![
            ("first".to_string(), 1),
            ("second".to_string(), 8),
            ("third".to_string(), 11),
        ];
        assert_eq!(
            touched_names(&file, &decls).into_iter().collect::<Vec<_>>(),
            vec!["first", "second", "third"]
        );
        assert_eq!(other::enclosing(&decls, 10).map(|d| d.0.as_str()), Some("second"));
        assert_eq!(other::enclosing(&decls, 0), None);
        assert_eq!(
            group_by_function(touched_line_texts(&file), &decls)
                .into_keys()
                .collect::<Vec<_>>(),
            vec!["first", "second", "third"]
        );
    }
}
