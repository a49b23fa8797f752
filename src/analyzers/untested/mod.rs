//! The `untested` analyzer: which changed functions nothing tests — from references in test
//! code, from a coverage report, or both — and changes that weaken the tests themselves.

//!
//! Readers: `changed_lines`, `rust` and `other` (declarations and tests), `rust_changes` and
//! `other_changes` (what no test reaches), `health` (tests weakened); the rules, one file per
//! rule id, are under `rules/`.

pub mod changed_lines;
pub mod health;
pub mod other;
pub mod other_changes;
pub mod rules;
pub mod rust;
pub mod rust_changes;

use crate::classify::{FileKind, Language};
use crate::coverage::Coverage;
use crate::diff::{ChangeSet, FileStatus};
use crate::model::Finding;
use changed_lines::{fits, hits_at, touched_names};
use std::collections::{BTreeMap, BTreeSet};

/// (covered, coverable) changed lines of source files the report measures.
pub fn patch_coverage(change: &ChangeSet, coverage: &Coverage) -> (usize, usize) {
    let (mut covered, mut coverable) = (0, 0);
    for file in change
        .files
        .iter()
        .filter(|f| matches!(f.kind, FileKind::Source { .. }) && f.status != FileStatus::Deleted)
    {
        let (Some(lines), Some(text)) = (coverage.lines_of(&file.path), file.new_text.get()) else {
            continue;
        };
        if !fits(lines, text) {
            continue;
        }
        for l in file.added_lines() {
            let n = l.new_lineno.unwrap_or(0);
            match hits_at(lines, n, n.saturating_sub(3)) {
                Some(0) => coverable += 1,
                Some(_) => {
                    coverable += 1;
                    covered += 1;
                }
                None => {}
            }
        }
    }
    (covered, coverable)
}

pub fn analyze(change: &ChangeSet, coverage: Option<&Coverage>) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut unmeasured = BTreeSet::new();
    if let Some(c) = coverage {
        out.extend(rules::coverage_report_stale::check(change, c));
    }
    let parsed = rust_changes::parse_rust_files(change);
    // A Rust file that does not parse is said once: here, unless it has serde derives (then
    // the json-shape analyzer reports it, as gating).
    for file in change
        .files
        .iter()
        .filter(|f| parsed.get(&f.path).is_some_and(|p| p.new.is_none()))
    {
        if let Some(text) = file
            .new_text
            .get()
            .filter(|t| !t.contains("Serialize") && !t.contains("Deserialize"))
        {
            let why = crate::text::parse_rust(text).err().unwrap_or_default();
            out.push(crate::analyzers::file_not_analyzed::not_analyzed(
                file,
                &format!("Rust that does not parse ({why}); untested code not checked"),
                false,
            ));
        }
    }
    let (changed_fns, all_fns) = rust_changes::changed_rust_fns(change, &parsed);
    let mut changed_names: BTreeSet<String> = changed_fns.iter().map(|c| c.f.name.clone()).collect();
    let weakened = rust_changes::weakened_tests(&parsed);
    let mut gaps = Vec::new();
    rust_changes::rust_gaps(
        change,
        coverage,
        (changed_fns, all_fns),
        &weakened,
        &mut gaps,
        &mut unmeasured,
    );
    // Declarations of the other languages' changed files, read once for every check below.
    let decls_by_path: BTreeMap<String, Vec<(String, u32)>> = change
        .files
        .iter()
        .filter_map(|f| match (f.kind, f.new_text.get()) {
            (FileKind::Source { language }, Some(text)) if language != Language::Rust && f.skipped.is_none() => {
                Some((f.path.clone(), other::declarations(language, text)))
            }
            _ => None,
        })
        .collect();
    other_changes::other_gaps(change, coverage, &decls_by_path, &mut gaps, &mut unmeasured);
    for gap in &gaps {
        out.extend(rules::uncovered_lines_changed::check(gap));
        out.extend(rules::untested_file_changed::check(gap));
    }
    out.extend(rules::coverage_unmeasured::check(unmeasured));
    // Test health: the names of the functions this change touches, to say what a test covered.
    {
        let n = &mut changed_names;
        for file in change
            .files
            .iter()
            .filter(|f| matches!(f.kind, FileKind::Source { .. }))
        {
            if let Some(decls) = decls_by_path.get(&file.path) {
                n.extend(touched_names(file, decls).into_iter().map(str::to_string));
            }
        }
    }
    let mut events = Vec::new();
    let mut added_tests: Vec<(String, &str)> = Vec::new();
    for file in change.files.iter().filter(|f| f.skipped.is_none()) {
        match file.kind {
            FileKind::Test {
                language: Some(Language::Rust),
            }
            | FileKind::Source {
                language: Language::Rust,
            } => {
                if let Some(p) = parsed.get(&file.path) {
                    let new = p.new.as_deref().unwrap_or_default();
                    events.extend(health::rust(file, &p.old, new, &changed_names));
                    let added = health::tests_added(file, Some((&p.old, new)));
                    added_tests.extend(added.into_iter().map(|n| (n, file.path.as_str())));
                }
            }
            FileKind::Test { .. } => {
                events.extend(health::other(file, &changed_names));
                let added = health::tests_added(file, None);
                added_tests.extend(added.into_iter().map(|n| (n, file.path.as_str())));
            }
            _ => {}
        }
    }
    // A test deleted from one file and added under its name to another moved with its code.
    events.retain(|e| {
        let name = e.symbol.as_deref().and_then(|s| s.rsplit("::").next()).unwrap_or("");
        e.weakening != health::Weakening::Removed || !added_tests.iter().any(|(n, path)| n == name && *path != e.file)
    });
    // Each weakened test, judged by the test-health rules.
    for event in &events {
        out.extend(rules::test_removed::check(event));
        out.extend(rules::test_disabled::check(event));
        out.extend(rules::test_assertions_removed::check(event));
    }
    out
}

#[cfg(test)]
pub mod testing {
    use crate::diff::{ChangeSet, ChangedFile, FileStatus, LazyText, TreeFile};

    /// The rule ids the analyzer reports for files changed from old to new text, with the new
    /// texts as the head tree (where tests are looked for).
    pub fn rules_for(files: &[(&str, &str, &str)]) -> Vec<String> {
        rules_with(files, None)
    }

    /// A Rust file with one tested function, `a`, and its test `a_is_one`.
    pub const TESTED: &str = "pub fn a() -> u32 {\n    1\n}\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn a_is_one() {\n        assert_eq!(super::a(), 1);\n    }\n}\n";

    /// `rule` fires when `src/lib.rs` goes from `TESTED` to `new`, and not when it stays.
    pub fn fires_on_change_only(rule: &str, new: &str) {
        let fired = |to: &str| rules_for(&[("src/lib.rs", TESTED, to)]).iter().any(|r| r == rule);
        assert!(fired(new), "{rule} does not fire on:\n{new}");
        assert!(!fired(TESTED), "{rule} fires on a file that did not change");
    }

    /// `src/vat.rs` before and after a change to its one function (lines 1 to 3).
    pub const VAT_OLD: &str = "pub fn vat(c: &str) -> u32 {\n    20\n}\n";
    pub const VAT_NEW: &str = "pub fn vat(c: &str) -> u32 {\n    if c == \"NL\" { 21 } else { 20 }\n}\n";

    /// The same, with an lcov coverage report.
    pub fn rules_with_coverage(files: &[(&str, &str, &str)], lcov: &str) -> Vec<String> {
        let coverage = crate::coverage::parse("lcov.info", lcov).unwrap();
        rules_with(files, Some(&coverage))
    }

    fn rules_with(files: &[(&str, &str, &str)], coverage: Option<&crate::coverage::Coverage>) -> Vec<String> {
        let changed = files
            .iter()
            .map(|(path, old, new)| {
                let (o, n): (Vec<&str>, Vec<&str>) = (old.lines().collect(), new.lines().collect());
                ChangedFile::from_lines(path, FileStatus::Modified, &o, &n)
            })
            .collect();
        let change = ChangeSet {
            files: changed,
            tree: files
                .iter()
                .map(|(path, _, new)| TreeFile {
                    path: path.to_string(),
                    text: LazyText::loaded(*new),
                    kind: Default::default(),
                })
                .collect(),
            ..Default::default()
        };
        let change = crate::classify::Classifier::new(&crate::config::Config::default())
            .unwrap()
            .classify(change);
        super::analyze(&change, coverage).into_iter().map(|f| f.rule).collect()
    }
}
