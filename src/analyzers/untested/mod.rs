//! The `untested` analyzer: which changed functions nothing tests — from references in test
//! code, from a coverage report, or both — and changes that weaken the tests themselves.

pub mod health;
pub mod other;
pub mod rust;

use crate::classify::{FileKind, Language};
use crate::code_rule;
use crate::coverage::{Coverage, Lines};
use crate::diff::{ChangeSet, ChangedFile, FileStatus, LineKind};
use crate::model::CodeRule;
use crate::model::Finding;
use rust::{RustFn, TestCode};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

code_rule! {
    /// ## What it does
    /// Retired: riskgate now reports the untested functions of a changed file together, as
    /// `untested-file-changed` with the functions in `symbols`. The id stays so that
    /// configurations, waivers and baselines that name it still load; it no longer fires.
    ///
    /// ## Why is this risky?
    /// See `untested-file-changed`.
    ///
    /// ## Example
    /// ```text
    /// [rules] disable = ["untested-function-changed"]   # still loads; means nothing now
    /// ```
    ///
    /// ## How to roll back
    /// Nothing to undo; replace the id with `untested-file-changed` in your configuration.
    pub static UNTESTED_FUNCTION: "untested-function-changed", "untested", Medium, ["untested"], gating = None;
}

code_rule! {
    /// ## What it does
    /// Reports once per changed source file the changed functions that no test refers to, in
    /// the message and in the finding's `symbols`. For Rust it maps each changed line to the
    /// function around it (closures count for their function) and looks for references in
    /// inline `#[cfg(test)]` modules, files under `tests/` and doc tests, resolved through `use`
    /// paths, renames and re-exports; methods are reached through their type, trait methods
    /// (`Display::fmt`, `From::from`, operators) through their `Self` type, and a private helper
    /// counts as tested when a tested function of its file calls it. For Python,
    /// JavaScript/TypeScript, Go, Java/Kotlin, C# and Ruby it finds the changed functions by
    /// their declaration syntax and searches the conventional test files for their names.
    /// With a coverage report for the file, the report decides instead. Not changed: comments,
    /// docs and formatting only; a function moved or renamed with the same body (another file,
    /// module or indentation); a caller whose only change is a renamed function's new name;
    /// test code and generated files. A function whose test this change deletes or disables is
    /// untested, and the finding names the test. `medium` when a public function is among them,
    /// else `low`; it never gates, and all of a change's untested files count as one finding in
    /// the score.
    ///
    /// ## Why is this risky?
    /// Without a reference from any test, nothing would notice if the change broke them.
    ///
    /// ## Example
    /// ```python
    /// def vat_rate(country):  # changed; no file under tests/ mentions vat_rate
    /// ```
    ///
    /// ## How to roll back
    /// Add a test that calls the functions, or pass a coverage report (`--coverage`).
    pub static UNTESTED_FILE: "untested-file-changed", "untested", Low, ["untested"], gating = None;
}

code_rule! {
    /// ## What it does
    /// With a coverage report (`--coverage FILE` or `[tests] coverage`; lcov, Cobertura XML or
    /// llvm-cov JSON), reports changed lines with zero hits, grouped by function. A changed line
    /// without a record takes the hits of the nearest recorded line above it in the same
    /// function (the lines of a multi-line statement). The report also shows patch coverage.
    ///
    /// ## Why is this risky?
    /// The tests ran and never executed these lines.
    ///
    /// ## Example
    /// ```text
    /// src/vat.rs:5  + "NL" => 21,   hits 0
    /// ```
    ///
    /// ## How to roll back
    /// Add a test that reaches the lines.
    pub static UNCOVERED_LINES: "uncovered-lines-changed", "untested", Medium, ["uncovered"], gating = None;
}

code_rule! {
    /// ## What it does
    /// Reports a changed source file that the coverage report does not mention (excluded,
    /// behind a feature, or a path the report spells differently). Such a file is not
    /// covered; riskgate falls back to looking for test references.
    ///
    /// ## Why is this risky?
    /// Missing from the report usually means never run by the tests.
    ///
    /// ## Example
    /// ```text
    /// src/export.rs changed; lcov.info has no SF record for it
    /// ```
    ///
    /// ## How to roll back
    /// Include the file in the coverage run.
    pub static UNMEASURED: "coverage-unmeasured", "untested", Low, ["unmeasured"], gating = None;
}

code_rule! {
    /// ## What it does
    /// Reports a coverage report that does not match the head tree: records beyond the end of a
    /// file, or no file of the report in the tree. Its data is not used for those files.
    ///
    /// ## Why is this risky?
    /// A stale report would call new code covered or uncovered at random.
    ///
    /// ## Example
    /// ```text
    /// lcov.info: src/vat.rs has records up to line 120, the file has 80 lines
    /// ```
    ///
    /// ## How to roll back
    /// Regenerate the report from the head commit.
    pub static STALE_COVERAGE: "coverage-report-stale", "untested", Info, [], gating = None;
}

code_rule! {
    /// ## What it does
    /// Reports a test function (or test file) that existed before the change and is gone,
    /// naming the changed functions it referenced.
    ///
    /// ## Why is this risky?
    /// Deleting the test that would catch a regression in the same change removes the safety
    /// net exactly where it is needed.
    ///
    /// ## Example
    /// ```rust
    /// #[test] fn vat_for_nl() { … }  // deleted while vat_rate changes
    /// ```
    ///
    /// ## How to roll back
    /// Restore the test from the base commit.
    pub static TEST_REMOVED: "test-removed", "untested", Medium, ["test-removed"], gating = None;
}

code_rule! {
    /// ## What it does
    /// Reports a test that is disabled (`#[ignore]`, `@pytest.mark.skip`, `xit`, `it.skip`,
    /// `t.Skip`, `@Disabled`, `skip`) or that focuses the run on itself (`.only`, `fit`), which
    /// disables every other test in the file.
    ///
    /// ## Why is this risky?
    /// A disabled test passes silently; CI stays green while it checks nothing.
    ///
    /// ## Example
    /// ```python
    /// @pytest.mark.skip
    /// def test_vat(): ...
    /// ```
    ///
    /// ## How to roll back
    /// Remove the skip or focus marker and fix the test.
    pub static TEST_DISABLED: "test-disabled", "untested", Medium, ["test-disabled"], gating = None;
}

code_rule! {
    /// ## What it does
    /// Reports a test that stays but loses its assertions: none left, or half or more removed.
    ///
    /// ## Why is this risky?
    /// A test without assertions runs the code but checks nothing.
    ///
    /// ## Example
    /// ```rust
    /// #[test] fn vat() { vat_rate("NL"); } // was: assert_eq!(vat_rate("NL"), 21);
    /// ```
    ///
    /// ## How to roll back
    /// Restore the assertions from the base commit.
    pub static ASSERTIONS_REMOVED: "test-assertions-removed", "untested", Medium, ["assertions-removed"], gating = None;
}

pub const RULES: &[&CodeRule] = &[
    &UNTESTED_FUNCTION,
    &UNTESTED_FILE,
    &UNCOVERED_LINES,
    &UNMEASURED,
    &STALE_COVERAGE,
    &TEST_REMOVED,
    &TEST_DISABLED,
    &ASSERTIONS_REMOVED,
];

/// The lines a change touches in the new file: added lines, and for pure deletions the line
/// where the removed text stood.
fn touched_lines(file: &ChangedFile) -> Vec<(u32, String)> {
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

fn is_rust_source(f: &ChangedFile) -> bool {
    matches!(
        f.kind,
        FileKind::Source {
            language: Language::Rust
        }
    )
}

/// Changed lines grouped by the function around them. Lines of one function come in a run, so
/// each run is one map entry rather than one per line.
fn group_by_function(touched: Vec<(u32, String)>, decls: &[(String, u32)]) -> BTreeMap<String, Vec<(u32, String)>> {
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
fn hits_at(lines: &Lines, line: u32, floor: u32) -> Option<u64> {
    lines.range(floor.max(1)..=line).next_back().map(|(_, h)| *h)
}

/// Whether the report fits the head file (no record beyond its end).
fn fits(lines: &Lines, text: &str) -> bool {
    let count = text.lines().count() as u32;
    lines.keys().next_back().is_none_or(|last| *last <= count)
}

fn evidence(lines: &[(u32, String)]) -> String {
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

fn span_text(lines: &[(u32, String)]) -> String {
    match (lines.first(), lines.last()) {
        (Some(a), Some(b)) if a.0 != b.0 => format!("lines {}-{}", a.0, b.0),
        (Some(a), _) => format!("line {}", a.0),
        _ => String::new(),
    }
}

struct ChangedRustFn<'a> {
    file: &'a ChangedFile,
    f: RustFn,
    lines: Vec<(u32, String)>,
}

/// Changed production functions of the change's Rust files, after exemptions.
/// Old and new functions of every changed Rust file, parsed once for all the checks.
struct Parsed {
    old: Vec<RustFn>,
    new: Option<Vec<RustFn>>,
}

fn parse_rust_files(change: &ChangeSet) -> BTreeMap<String, Parsed> {
    let mut out = BTreeMap::new();
    for file in change
        .files
        .iter()
        .filter(|f| f.skipped.is_none() && f.path.ends_with(".rs"))
    {
        let old = if file.status == FileStatus::Added {
            Vec::new()
        } else {
            file.old_text.get().and_then(rust::functions).unwrap_or_default()
        };
        let new = if file.status == FileStatus::Deleted {
            Some(Vec::new())
        } else {
            file.new_text.get().and_then(rust::functions)
        };
        out.insert(file.path.clone(), Parsed { old, new });
    }
    out
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

fn changed_rust_fns<'a>(
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
fn test_carriers(change: &ChangeSet, names: &BTreeSet<String>) -> Vec<TestCode> {
    let roots = crate_roots(change);
    // One automaton for all the names: a file is read further only if it mentions one.
    let finder = aho_corasick::AhoCorasick::new(names.iter()).ok();
    let mut out = Vec::new();
    for t in change
        .tree
        .iter()
        .filter(|t| t.path.ends_with(".rs") && roots.iter().any(|r| t.path.starts_with(r.as_str())))
    {
        let whole = matches!(t.kind, FileKind::Test { .. });
        if !whole && !matches!(t.kind, FileKind::Source { .. }) {
            continue;
        }
        let Some(text) = t.text.get() else { continue };
        // Cheap checks first: a source file matters only if it carries tests or doc tests.
        if !whole && !text.contains("#[test]") && !text.contains("cfg(test)") && !text.contains("```") {
            continue;
        }
        if !finder.as_ref().is_some_and(|f| f.is_match(text)) {
            continue;
        }
        if let Some(code) = rust::test_code(&t.path, text, whole) {
            out.push(code);
        }
    }
    out
}

/// Re-export names: `pub use path::name as alias` in the crate.
fn aliases(change: &ChangeSet, names: &BTreeSet<String>) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let finder = aho_corasick::AhoCorasick::new(names.iter()).ok();
    for t in change
        .tree
        .iter()
        .filter(|t| t.path.ends_with(".rs") && matches!(t.kind, FileKind::Source { .. }))
    {
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
fn weakened_tests(parsed: &BTreeMap<String, Parsed>) -> Vec<(String, &'static str, &BTreeSet<String>)> {
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

/// One untested function of a file, for its file's finding.
struct Untested {
    symbol: String,
    public: bool,
    lines: Vec<(u32, String)>,
    /// Tests of the base that called it and that this change deletes or disables.
    lost_tests: Vec<String>,
}

fn rust_findings(
    change: &ChangeSet,
    coverage: Option<&Coverage>,
    (changed, all): (Vec<ChangedRustFn<'_>>, BTreeMap<String, Vec<RustFn>>),
    weakened: &[(String, &'static str, &BTreeSet<String>)],
    out: &mut Vec<Finding>,
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
    let alias = aliases(change, &names);
    let mut lookup_names = names.clone();
    lookup_names.extend(alias.values().flatten().cloned());
    let carriers = test_carriers(change, &lookup_names);
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
    let mut per_file: BTreeMap<String, Vec<Untested>> = BTreeMap::new();
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
                    let mut f = UNCOVERED_LINES
                        .finding(format!(
                            "{symbol}: {} of {coverable} changed lines have zero hits in the coverage report",
                            zero.len()
                        ))
                        .at(&c.file.path, Some(zero[0].0))
                        .help("add a test that reaches these lines")
                        .evidence(evidence(&zero));
                    f.end_line = zero.last().map(|z| z.0);
                    f.symbol = Some(symbol);
                    out.push(f);
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
        per_file.entry(c.file.path.clone()).or_default().push(Untested {
            symbol: c.f.item_path(),
            public: c.f.public,
            lines: c.lines,
            lost_tests,
        });
    }
    // One finding per file, listing its untested functions: a large change is a few lines to
    // read, not one per function.
    for (path, fns) in per_file {
        let public = fns.iter().filter(|u| u.public).count();
        let mut listed: Vec<String> = fns
            .iter()
            .take(5)
            .map(|u| {
                format!(
                    "{}{} ({})",
                    if u.public { "pub " } else { "" },
                    u.symbol,
                    span_text(&u.lines)
                )
            })
            .collect();
        if fns.len() > 5 {
            listed.push(format!("{} more", fns.len() - 5));
        }
        let mut message = format!(
            "{} changed function{} no test refers to: {}",
            fns.len(),
            if fns.len() == 1 { "" } else { "s" },
            listed.join(", ")
        );
        let lost: Vec<&String> = fns.iter().flat_map(|u| u.lost_tests.iter()).collect();
        if !lost.is_empty() {
            message.push_str(&format!(
                "; their tests are gone: {}",
                lost.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
            ));
        }
        let others: Vec<String> = changed_tests
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
        if !others.is_empty() {
            message.push_str(&format!("; {}", others.join("; ")));
        }
        let first = &fns[0];
        let mut f = UNTESTED_FILE
            .finding(message)
            .at(&path, Some(first.lines[0].0))
            .help("add a test that calls them (an inline #[cfg(test)] module or a file under tests/)")
            .evidence(evidence(&first.lines));
        f.end_line = first.lines.last().map(|l| l.0);
        f.symbol = Some(format!("{path}::{}", first.symbol));
        f.symbols = fns.iter().map(|u| format!("{path}::{}", u.symbol)).collect();
        f.severity = if public > 0 {
            crate::model::Severity::Medium
        } else {
            crate::model::Severity::Low
        };
        out.push(f);
    }
}

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

fn other_findings(
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

fn stale_findings(change: &ChangeSet, coverage: &Coverage, out: &mut Vec<Finding>) {
    let tree_paths: BTreeSet<&str> = change.tree.iter().map(|t| t.path.as_str()).collect();
    let matched = coverage
        .files
        .keys()
        .any(|p| tree_paths.iter().any(|t| p == t || p.ends_with(&format!("/{t}"))));
    if !matched && !coverage.files.is_empty() {
        out.push(
            STALE_COVERAGE
                .finding(format!(
                    "coverage report {} names no file of this tree; it is ignored",
                    coverage.sources.join(", ")
                ))
                .help("regenerate the coverage report from the head commit"),
        );
        return;
    }
    for file in change
        .files
        .iter()
        .filter(|f| matches!(f.kind, FileKind::Source { .. }) && f.status != FileStatus::Deleted)
    {
        if let (Some(lines), Some(text)) = (coverage.lines_of(&file.path), file.new_text.get()) {
            if !fits(lines, text) {
                let last = lines.keys().next_back().copied().unwrap_or(0);
                out.push(
                    STALE_COVERAGE
                        .finding(format!("{} has coverage records up to line {last}, but the file has {} lines: the report is for another version; it is ignored for this file", file.path, text.lines().count()))
                        .at(&file.path, None)
                        .help("regenerate the coverage report from the head commit"),
                );
            }
        }
    }
}

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
        stale_findings(change, c, &mut out);
    }
    let parsed = parse_rust_files(change);
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
    let (changed_fns, all_fns) = changed_rust_fns(change, &parsed);
    let mut changed_names: BTreeSet<String> = changed_fns.iter().map(|c| c.f.name.clone()).collect();
    let weakened = weakened_tests(&parsed);
    rust_findings(
        change,
        coverage,
        (changed_fns, all_fns),
        &weakened,
        &mut out,
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
    other_findings(change, coverage, &decls_by_path, &mut out, &mut unmeasured);
    for path in unmeasured {
        out.push(
            UNMEASURED
                .finding(format!("{path} changed but the coverage report does not measure it"))
                .at(&path, None)
                .help("include the file in the coverage run; riskgate falls back to test references for it"),
        );
    }
    // Test health: the names of the functions this change touches, to say what a test covered.
    {
        let n = &mut changed_names;
        for file in change
            .files
            .iter()
            .filter(|f| matches!(f.kind, FileKind::Source { .. }))
        {
            if let Some(decls) = decls_by_path.get(&file.path) {
                n.extend(group_by_function(touched_lines(file), decls).into_keys());
            }
        }
    }
    for file in change.files.iter().filter(|f| f.skipped.is_none()) {
        match file.kind {
            FileKind::Test {
                language: Some(Language::Rust),
            }
            | FileKind::Source {
                language: Language::Rust,
            } => {
                if let Some(p) = parsed.get(&file.path) {
                    out.extend(health::rust(
                        file,
                        &p.old,
                        p.new.as_deref().unwrap_or_default(),
                        &changed_names,
                    ));
                }
            }
            FileKind::Test { .. } => out.extend(health::other(file, &changed_names)),
            _ => {}
        }
    }
    out
}
