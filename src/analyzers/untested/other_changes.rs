//! The other languages: changed functions no test file names, or whose lines a coverage
//! report shows unreached.

use super::changed_lines::{fits, group_by_function, hits_at, touched_line_texts, Coverable, Gap};
use super::other;
use crate::classify::{FileKind, Language};
use crate::coverage::Coverage;
use crate::diff::{ChangeSet, FileStatus};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// The test files a changed file of one extension may be named in (JavaScript and TypeScript
/// test each other), with the words they hold.
struct TestWords<'a> {
    texts: Vec<&'a str>,
    words: HashSet<&'a str>,
}

impl<'a> TestWords<'a> {
    fn of(change: &'a ChangeSet, ext: &str) -> TestWords<'a> {
        let texts: Vec<&str> = change
            .tree
            .iter()
            .filter(|t| {
                matches!(t.kind, FileKind::Test { .. })
                    && t.path.rsplit_once('.').is_some_and(|(_, e)| {
                        e == ext
                            || (ext.starts_with('t') && e.starts_with('j'))
                            || (ext.starts_with('j') && e.starts_with('t'))
                    })
            })
            .filter_map(|t| t.text.get())
            .collect();
        let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$';
        let words = texts
            .iter()
            .flat_map(|t| t.split(|c: char| !is_word(c)))
            .filter(|w| !w.is_empty())
            .collect();
        TestWords { texts, words }
    }

    /// As `other::mentions` over every text: a name that is one word is looked up.
    fn mention(&self, name: &str) -> bool {
        if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$') {
            self.words.contains(name)
        } else {
            self.texts.iter().any(|t| other::mentions(t, name))
        }
    }
}

/// The gaps of the other languages' changed files.
pub fn other_gaps(
    change: &ChangeSet,
    coverage: Option<&Coverage>,
    decls_by_path: &BTreeMap<String, Vec<(String, u32)>>,
    out: &mut Vec<Gap>,
    unmeasured: &mut BTreeSet<String>,
) {
    // The test files of each extension, read once per run rather than once per changed file.
    let mut tests_by_ext: HashMap<String, TestWords> = HashMap::new();
    for file in change
        .files
        .iter()
        .filter(|f| f.skipped.is_none() && f.status != FileStatus::Deleted)
    {
        let FileKind::Source { language } = file.kind else {
            continue;
        };
        if language == Language::Rust {
            continue;
        }
        let Some(text) = file.new_text.get() else { continue };
        let Some(decls) = decls_by_path.get(&file.path) else {
            continue;
        };
        let changed = group_by_function(touched_line_texts(file), decls);
        if changed.is_empty() {
            continue;
        }
        let report = coverage.and_then(|c| c.lines_of(&file.path)).filter(|l| fits(l, text));
        if coverage.is_some() && report.is_none() {
            unmeasured.insert(file.path.clone());
        }
        if let Some(lines) = report {
            let mut uncovered = Vec::new();
            let mut any_coverable = false;
            for (name, ls) in &changed {
                let start = decls.iter().find(|(n, _)| n == name).map_or(1, |d| d.1);
                for (n, t) in ls {
                    match hits_at(lines, *n, start) {
                        Some(0) => uncovered.push((*n, t.to_string(), name.to_string())),
                        Some(_) => any_coverable = true,
                        None => {}
                    }
                }
            }
            if !uncovered.is_empty() {
                let fns: BTreeSet<&str> = uncovered.iter().map(|u| u.2.as_str()).collect();
                let zero: Vec<(u32, String)> = uncovered.iter().map(|(n, t, _)| (*n, t.clone())).collect();
                out.push(Gap::Uncovered {
                    path: file.path.clone(),
                    symbol: format!("{}::{}", file.path, uncovered[0].2),
                    zero,
                    of: Coverable::In(fns.into_iter().collect::<Vec<_>>().join(", ")),
                });
            }
            if any_coverable || !uncovered.is_empty() {
                continue;
            }
        }
        let ext = file.path.rsplit_once('.').map_or("", |(_, e)| e);
        let tests = tests_by_ext
            .entry(ext.to_string())
            .or_insert_with(|| TestWords::of(change, ext));
        let untested: Vec<&str> = changed.keys().copied().filter(|name| !tests.mention(name)).collect();
        if untested.is_empty() {
            continue;
        }
        let first = untested
            .iter()
            .filter_map(|n| changed.get(*n))
            .flat_map(|l| l.first())
            .map(|l| l.0)
            .min()
            .unwrap_or(1);
        let lines: Vec<(u32, String)> = untested
            .iter()
            .flat_map(|n| changed[*n].iter().map(|(l, t)| (*l, t.to_string())))
            .collect();
        out.push(Gap::Unnamed {
            path: file.path.clone(),
            names: untested.into_iter().map(str::to_string).collect(),
            first,
            lines,
        });
    }
}
