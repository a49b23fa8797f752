//! The other languages: changed functions no test file names, or whose lines a coverage
//! report shows unreached.

use super::changed_lines::{evidence, fits, group_by_function, hits_at, touched_lines};
use super::other;
use super::rules::uncovered_lines_changed::UNCOVERED_LINES;
use super::rules::untested_file_changed::UNTESTED_FILE;
use crate::classify::{FileKind, Language};
use crate::coverage::Coverage;
use crate::diff::{ChangeSet, FileStatus};
use crate::model::Finding;
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

pub fn other_findings(
    change: &ChangeSet,
    coverage: Option<&Coverage>,
    decls_by_path: &BTreeMap<String, Vec<(String, u32)>>,
    out: &mut Vec<Finding>,
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
        let changed = group_by_function(touched_lines(file), decls);
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
                        Some(0) => uncovered.push((*n, t.clone(), name.clone())),
                        Some(_) => any_coverable = true,
                        None => {}
                    }
                }
            }
            if !uncovered.is_empty() {
                let fns: BTreeSet<&str> = uncovered.iter().map(|u| u.2.as_str()).collect();
                let plain: Vec<(u32, String)> = uncovered.iter().map(|(n, t, _)| (*n, t.clone())).collect();
                let mut f = UNCOVERED_LINES
                    .finding(format!(
                        "{}: {} changed lines in {} have zero hits in the coverage report",
                        file.path,
                        plain.len(),
                        fns.into_iter().collect::<Vec<_>>().join(", ")
                    ))
                    .at(&file.path, Some(plain[0].0))
                    .help("add a test that reaches these lines")
                    .evidence(evidence(&plain));
                f.symbol = Some(format!("{}::{}", file.path, uncovered[0].2));
                out.push(f);
            }
            if any_coverable || !uncovered.is_empty() {
                continue;
            }
        }
        let ext = file.path.rsplit_once('.').map_or("", |(_, e)| e);
        let tests = tests_by_ext
            .entry(ext.to_string())
            .or_insert_with(|| TestWords::of(change, ext));
        let untested: Vec<&String> = changed.keys().filter(|name| !tests.mention(name)).collect();
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
        let lines: Vec<(u32, String)> = untested.iter().flat_map(|n| changed[*n].clone()).collect();
        let mut f = UNTESTED_FILE
            .finding(format!(
                "{} changed and no test file names {}",
                file.path,
                untested.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
            ))
            .at(&file.path, Some(first))
            .help("add a test that calls them, or pass a coverage report with --coverage")
            .evidence(evidence(&lines));
        f.symbol = Some(format!("{}::{}", file.path, untested[0]));
        out.push(f);
    }
}
