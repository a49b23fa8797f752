//! Rust: the changed functions of the change, after the exemptions (moved code, renamed
//! callers), and which of them no test reaches, by reference or by a coverage report.

use super::changed_lines::{fits, hits_at, is_rust_source, touched_lines, Coverable, Gap, Unreached};
use super::rust::{self, RustFn, TestCode};
use crate::classify::FileKind;
use crate::coverage::Coverage;
use crate::diff::{ChangeSet, ChangedFile, FileStatus};
use std::collections::{BTreeMap, BTreeSet};

pub struct ChangedRustFn<'a> {
    pub file: &'a ChangedFile,
    pub f: RustFn,
    pub lines: Vec<(u32, String)>,
}

/// Changed production functions of the change's Rust files, after exemptions.
/// Old and new functions of every changed Rust file, parsed once for all the checks.
pub struct Parsed {
    pub old: Vec<RustFn>,
    pub new: Option<Vec<RustFn>>,
}

pub fn parse_rust_files(change: &ChangeSet) -> BTreeMap<String, Parsed> {
    let files: Vec<&ChangedFile> = change
        .files
        .iter()
        .filter(|f| f.skipped.is_none() && f.path.ends_with(".rs"))
        .collect();
    let parse = |file: &&ChangedFile| {
        let old = if file.status == FileStatus::Added {
            Vec::new()
        } else {
            rust::functions_of(&file.old_text, change.memo()).unwrap_or_default()
        };
        let new = if file.status == FileStatus::Deleted {
            Some(Vec::new())
        } else {
            rust::functions_of(&file.new_text, change.memo())
        };
        (file.path.clone(), Parsed { old, new })
    };
    // Parsing is most of this analyzer's time: a second thread takes every other file.
    if files.len() < 4 {
        return files.iter().map(parse).collect();
    }
    std::thread::scope(|s| {
        let odd = s.spawn(|| files.iter().skip(1).step_by(2).map(parse).collect::<Vec<_>>());
        let mut out: BTreeMap<String, Parsed> = files.iter().step_by(2).map(parse).collect();
        // A panic in the helper is the analyzer's panic: the run fails, never passes partly.
        out.extend(odd.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        out
    })
}

/// Functions of the base that are gone from where they were: candidates for a move or rename.
fn vanished(parsed: &BTreeMap<String, Parsed>) -> Vec<&RustFn> {
    parsed
        .values()
        .flat_map(|p| {
            let new = p.new.as_deref().unwrap_or_default();
            p.old
                .iter()
                .filter(move |o| !o.is_test && !new.iter().any(|n| n.item_path() == o.item_path()))
        })
        .collect()
}

/// `tokens` with whole-word `from` replaced by `to`, for every renamed function.
fn apply_renames(tokens: &str, renames: &[(String, String)]) -> String {
    tokens
        .split(' ')
        .map(|t| {
            renames
                .iter()
                .find(|(from, _)| from == t)
                .map_or(t, |(_, to)| to.as_str())
        })
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn changed_rust_fns<'a>(
    change: &'a ChangeSet,
    parsed: &BTreeMap<String, Parsed>,
) -> (Vec<ChangedRustFn<'a>>, BTreeMap<String, Vec<RustFn>>) {
    let mut out = Vec::new();
    let mut all = BTreeMap::new();
    let gone = vanished(parsed);
    // Renames and moves across the whole change: a new function whose body a vanished one had.
    let new_fns: Vec<&RustFn> = parsed
        .values()
        .flat_map(|p| p.new.as_deref().unwrap_or_default())
        .collect();
    let renames: Vec<(String, String)> = new_fns
        .iter()
        .filter_map(|n| {
            gone.iter()
                .find(|o| o.body_tokens == n.body_tokens && o.name != n.name)
                .map(|o| (o.name.clone(), n.name.clone()))
        })
        .collect();
    for file in change
        .files
        .iter()
        .filter(|f| is_rust_source(f) && f.skipped.is_none() && f.status != FileStatus::Deleted)
    {
        let Some(Parsed { old, new: Some(new) }) = parsed.get(&file.path) else {
            continue;
        };
        let (old, new) = (old.clone(), new.clone());
        let touched = touched_lines(file);
        for f in new.iter().filter(|f| !f.is_test) {
            let lines: Vec<(u32, String)> = touched
                .iter()
                .filter(|(n, _)| (f.start..=f.end).contains(n))
                .cloned()
                .collect();
            if lines.is_empty() {
                continue;
            }
            let before = old.iter().find(|o| o.item_path() == f.item_path());
            // Comments, docs and formatting only: the same tokens once doc attributes are gone.
            if before.is_some_and(|o| o.tokens == f.tokens) {
                continue;
            }
            // A pure rename or move: a function of the base that is gone from where it was had
            // exactly this body (tokens, so indentation and module path do not matter).
            if before.is_none() && gone.iter().any(|o| o.body_tokens == f.body_tokens) {
                continue;
            }
            // A caller whose only change is a renamed function's new name.
            if before.is_some_and(|o| !renames.is_empty() && apply_renames(&o.tokens, &renames) == f.tokens) {
                continue;
            }
            out.push(ChangedRustFn {
                file,
                f: f.clone(),
                lines,
            });
        }
        all.insert(file.path.clone(), new);
    }
    (out, all)
}

/// The crate directories (with a `Cargo.toml`) of the changed Rust files: tests of a crate
/// live inside it, so only those are searched.
fn crate_roots(change: &ChangeSet) -> Vec<String> {
    let manifests: BTreeSet<&str> = change
        .tree
        .iter()
        .filter(|t| t.path == "Cargo.toml" || t.path.ends_with("/Cargo.toml"))
        .map(|t| t.path.as_str())
        .collect();
    let mut roots = BTreeSet::new();
    for f in change.files.iter().filter(|f| f.path.ends_with(".rs")) {
        let mut dir = f.path.as_str();
        let root = loop {
            match dir.rsplit_once('/') {
                Some((parent, _)) => {
                    if manifests.contains(format!("{parent}/Cargo.toml").as_str()) {
                        break format!("{parent}/");
                    }
                    dir = parent;
                }
                None => break String::new(),
            }
        };
        roots.insert(root);
    }
    roots.into_iter().collect()
}

/// Test code of the repository that may refer to any of `names`.
fn test_carriers(change: &ChangeSet, roots: &[String], names: &BTreeSet<String>) -> Vec<TestCode> {
    // One automaton for all the names: a file is read further only if it mentions one.
    let finder = aho_corasick::AhoCorasick::new(names.iter()).ok();
    let candidates: Vec<(&crate::diff::TreeFile, bool)> = change
        .tree
        .iter()
        .filter(|t| t.path.ends_with(".rs") && roots.iter().any(|r| t.path.starts_with(r.as_str())))
        .filter_map(|t| {
            let whole = matches!(t.kind, FileKind::Test { .. });
            if !whole && !matches!(t.kind, FileKind::Source { .. }) {
                return None;
            }
            let text = t.text.get()?;
            // Cheap checks first: a source file matters only if it carries tests or doc tests.
            if !whole && !text.contains("#[test]") && !text.contains("cfg(test)") && !text.contains("```") {
                return None;
            }
            finder.as_ref().is_some_and(|f| f.is_match(text)).then_some((t, whole))
        })
        .collect();
    let read =
        |(t, whole): &(&crate::diff::TreeFile, bool)| rust::test_code_of(&t.path, &t.text, *whole, change.memo());
    if candidates.len() < 4 {
        return candidates.iter().filter_map(read).collect();
    }
    // Parsing the test code is the other large part: a second thread takes every other file.
    std::thread::scope(|s| {
        let half = |from: usize| {
            candidates
                .iter()
                .enumerate()
                .skip(from)
                .step_by(2)
                .filter_map(|(i, c)| read(c).map(|code| (i, code)))
                .collect::<Vec<_>>()
        };
        let odd = s.spawn(move || half(1));
        let mut out = half(0);
        out.extend(odd.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        // In the tree's order, as one thread would give them.
        out.sort_by_key(|(i, _)| *i);
        out.into_iter().map(|(_, code)| code).collect()
    })
}

/// Re-export names: `pub use path::name as alias` in the crate.
/// Only the changed files' crates are read: the tests that may name a changed function live
/// there (`test_carriers`), and so do the re-exports they import it by (reading every Rust
/// file of the repository for them was a quarter of a hook run).
fn aliases(change: &ChangeSet, roots: &[String], names: &BTreeSet<String>) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let finder = aho_corasick::AhoCorasick::new(names.iter()).ok();
    for t in change.tree.iter().filter(|t| {
        t.path.ends_with(".rs")
            && matches!(t.kind, FileKind::Source { .. })
            && roots.iter().any(|r| t.path.starts_with(r.as_str()))
    }) {
        let Some(text) = t.text.get() else { continue };
        if !text.contains("pub use") || !text.contains(" as ") || !finder.as_ref().is_some_and(|f| f.is_match(text)) {
            continue;
        }
        for import in rust::aliases_in(text) {
            if let Some(original) = import.path.last().filter(|o| names.contains(*o)) {
                out.entry(original.clone()).or_default().insert(import.name.clone());
            }
        }
    }
    out
}

/// The functions whose tested-ness matters: the changed ones, and the callers (two levels up)
/// of changed private helpers, which lend them their tests.
fn relevant(changed: &[ChangedRustFn<'_>], all: &BTreeMap<String, Vec<RustFn>>) -> BTreeSet<(String, String)> {
    let mut set: BTreeSet<(String, String)> = changed.iter().map(|c| (c.file.path.clone(), c.f.item_path())).collect();
    for _ in 0..2 {
        let mut more = Vec::new();
        for (path, fns) in all {
            for f in fns
                .iter()
                .filter(|f| !f.public && set.contains(&(path.clone(), f.item_path())))
            {
                for g in fns.iter().filter(|g| !g.is_test && g.calls.contains(&f.name)) {
                    more.push((path.clone(), g.item_path()));
                }
            }
        }
        set.extend(more);
    }
    set
}

/// Tests of the base this change deletes or disables, with what they call: `file::test`.
pub fn weakened_tests(parsed: &BTreeMap<String, Parsed>) -> Vec<(String, &'static str, &BTreeSet<String>)> {
    let mut out = Vec::new();
    for (path, p) in parsed {
        let new = p.new.as_deref().unwrap_or_default();
        for o in p.old.iter().filter(|o| o.is_test && !o.ignored) {
            match new.iter().find(|n| n.is_test && n.item_path() == o.item_path()) {
                None => out.push((format!("{path}::{}", o.item_path()), "deleted", &o.calls)),
                Some(n) if n.ignored => out.push((format!("{path}::{}", o.item_path()), "disabled", &o.calls)),
                Some(_) => {}
            }
        }
    }
    out
}

/// The calls through which a test reaches a standard trait's method without naming it, by
/// method name; an empty list means any use of the type does (operators, comparisons, deref).
const STD_TRAIT_METHODS: &[(&str, &[&str])] = &[
    (
        "fmt",
        &[
            "to_string",
            "format",
            "print",
            "println",
            "eprintln",
            "write",
            "writeln",
            "panic",
        ],
    ),
    ("from", &["into", "from", "try_into"]),
    ("try_from", &["try_into", "try_from"]),
    ("from_str", &["parse", "from_str"]),
    ("deref", &[]),
    ("deref_mut", &[]),
    ("as_ref", &[]),
    ("eq", &[]),
    ("ne", &[]),
    ("partial_cmp", &[]),
    ("cmp", &[]),
    ("hash", &[]),
    ("clone", &[]),
    ("default", &[]),
    ("drop", &[]),
    ("next", &[]),
    ("index", &[]),
    ("index_mut", &[]),
    ("add", &[]),
    ("sub", &[]),
    ("mul", &[]),
    ("div", &[]),
    ("rem", &[]),
    ("neg", &[]),
    ("not", &[]),
    ("add_assign", &[]),
    ("sub_assign", &[]),
    ("mul_assign", &[]),
    ("div_assign", &[]),
];

/// A standard trait's method (`Display::fmt`, `From::from`, an operator) on a type the test
/// uses, through the calls that invoke it (`to_string`, `format!`, `into`, `+`).
fn reached_through_std_trait(test: &TestCode, f: &RustFn) -> bool {
    let Some(ty) = f.self_ty.as_deref() else { return false };
    let Some((_, forms)) = STD_TRAIT_METHODS.iter().find(|(name, _)| *name == f.name) else {
        return false;
    };
    test.mentions.contains(ty) && (forms.is_empty() || forms.iter().any(|m| test.mentions.contains(*m)))
}

/// The gaps of the change's Rust files: functions no test refers to, one `Gap` per file, and
/// changed lines a coverage report shows unreached, one per function.
pub fn rust_gaps(
    change: &ChangeSet,
    coverage: Option<&Coverage>,
    (changed, all): (Vec<ChangedRustFn<'_>>, BTreeMap<String, Vec<RustFn>>),
    weakened: &[(String, &'static str, &BTreeSet<String>)],
    out: &mut Vec<Gap>,
    unmeasured: &mut BTreeSet<String>,
) {
    if changed.is_empty() {
        return;
    }
    let wanted = relevant(&changed, &all);
    let mut names: BTreeSet<String> = all
        .iter()
        .flat_map(|(p, fns)| {
            fns.iter()
                .filter(|f| wanted.contains(&(p.clone(), f.item_path())))
                .map(|f| f.name.clone())
        })
        .collect();
    names.extend(changed.iter().filter_map(|c| c.f.self_ty.clone()));
    let roots = crate_roots(change);
    let alias = aliases(change, &roots, &names);
    let mut lookup_names = names.clone();
    lookup_names.extend(alias.values().flatten().cloned());
    let carriers = test_carriers(change, &roots, &lookup_names);
    let no_alias = BTreeSet::new();
    // Which functions of the changed files are tested, directly or through a tested caller.
    let mut tested: BTreeSet<(String, String)> = BTreeSet::new();
    for (path, fns) in &all {
        for f in fns
            .iter()
            .filter(|f| !f.is_test && wanted.contains(&(path.clone(), f.item_path())))
        {
            let a = alias.get(&f.name).unwrap_or(&no_alias);
            let mut module = rust::module_of(path);
            module.extend(f.modules.iter().cloned());
            if carriers
                .iter()
                .any(|c| rust::refers_to_in(c, f, path, &module, a) || reached_through_std_trait(c, f))
            {
                tested.insert((path.clone(), f.item_path()));
            }
        }
        loop {
            let before = tested.len();
            for f in fns.iter().filter(|f| !f.is_test && !f.public) {
                let called_by_tested = fns
                    .iter()
                    .any(|g| tested.contains(&(path.clone(), g.item_path())) && g.calls.contains(&f.name));
                if called_by_tested {
                    tested.insert((path.clone(), f.item_path()));
                }
            }
            if tested.len() == before {
                break;
            }
        }
    }
    let changed_tests: Vec<&TestCode> = carriers
        .iter()
        .filter(|c| {
            change
                .files
                .iter()
                .any(|f| f.path == c.file && matches!(f.kind, FileKind::Test { .. }))
        })
        .collect();
    let mut per_file: BTreeMap<String, Vec<Unreached>> = BTreeMap::new();
    for c in changed {
        let symbol = format!("{}::{}", c.file.path, c.f.item_path());
        let report = coverage
            .and_then(|cov| cov.lines_of(&c.file.path))
            .filter(|l| c.file.new_text.get().is_some_and(|t| fits(l, t)));
        if coverage.is_some() && report.is_none() {
            unmeasured.insert(c.file.path.clone());
        }
        if let Some(lines) = report {
            let zero: Vec<(u32, String)> = c
                .lines
                .iter()
                .filter(|(n, _)| hits_at(lines, *n, c.f.start) == Some(0))
                .cloned()
                .collect();
            let coverable = c
                .lines
                .iter()
                .filter(|(n, _)| hits_at(lines, *n, c.f.start).is_some())
                .count();
            if coverable > 0 {
                if !zero.is_empty() {
                    out.push(Gap::Uncovered {
                        path: c.file.path.clone(),
                        symbol,
                        zero,
                        of: Coverable::Counted(coverable),
                    });
                }
                continue;
            }
        }
        if tested.contains(&(c.file.path.clone(), c.f.item_path())) {
            continue;
        }
        let lost_tests = weakened
            .iter()
            .filter(|(_, _, calls)| calls.contains(&c.f.name))
            .map(|(test, how, _)| format!("{test} ({how} by this change)"))
            .collect();
        per_file.entry(c.file.path.clone()).or_default().push(Unreached {
            symbol: c.f.item_path(),
            public: c.f.public,
            lines: c.lines,
            lost_tests,
        });
    }
    // One gap per file, listing its untested functions: a large change is a few lines to read,
    // not one per function.
    for (path, fns) in per_file {
        let notes: Vec<String> = changed_tests
            .iter()
            .map(|t| {
                let known: Vec<String> = all
                    .get(&path)
                    .into_iter()
                    .flatten()
                    .filter(|g| rust::refers_to(t, g, &path, &no_alias))
                    .map(|g| g.name.clone())
                    .collect();
                if known.is_empty() {
                    format!("{} changed but refers to nothing in {path}", t.file)
                } else {
                    format!("{} changed but only refers to {}", t.file, known.join(", "))
                }
            })
            .collect();
        out.push(Gap::Unreferenced { path, fns, notes });
    }
}
