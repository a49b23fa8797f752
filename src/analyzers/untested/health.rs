//! Test health, all languages: a test deleted, a test disabled (or others focused away), and
//! assertions removed from a test that stays.

use super::rules::test_assertions_removed::ASSERTIONS_REMOVED;
use super::rules::test_disabled::TEST_DISABLED;
use super::rules::test_removed::TEST_REMOVED;
use super::rust;
use crate::classify::{FileKind, Language};
use crate::diff::{ChangedFile, FileStatus};
use crate::model::Finding;
use regex::Regex;
use std::collections::BTreeSet;
use std::sync::OnceLock;

fn names_referenced(calls: &BTreeSet<String>, changed: &BTreeSet<String>) -> Vec<String> {
    calls.iter().filter(|c| changed.contains(*c)).cloned().collect()
}

fn referencing(list: &[String]) -> String {
    if list.is_empty() {
        String::new()
    } else {
        format!("; it referenced {}, changed in this change", list.join(", "))
    }
}

/// Rust tests: `#[test]` functions and `#[cfg(test)]` modules, old against new.
pub fn rust(
    file: &ChangedFile,
    old: &[rust::RustFn],
    new: &[rust::RustFn],
    changed: &BTreeSet<String>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for o in old
        .iter()
        .filter(|f| f.is_test && (f.assertions > 0 || f.name.starts_with("test")))
    {
        let refs = names_referenced(&o.calls, changed);
        let symbol = format!("{}::{}", file.path, o.item_path());
        match new.iter().find(|n| n.is_test && n.item_path() == o.item_path()) {
            None => {
                let mut f = TEST_REMOVED
                    .finding(format!("test {} is deleted{}", o.item_path(), referencing(&refs)))
                    .at(&file.path, file.first_changed_line())
                    .help("keep the test, or replace it with one that covers the same behaviour");
                f.symbol = Some(symbol);
                out.push(f);
            }
            Some(n) => {
                if n.ignored && !o.ignored {
                    let mut f = TEST_DISABLED
                        .finding(format!(
                            "test {} is disabled with #[ignore]{}",
                            n.item_path(),
                            referencing(&refs)
                        ))
                        .at(&file.path, Some(n.start))
                        .help("fix the test instead of ignoring it, or say in the plan why it is safe");
                    f.symbol = Some(symbol);
                    out.push(f);
                } else if o.assertions > 0
                    && (n.assertions == 0 || (o.assertions >= 2 && n.assertions * 2 <= o.assertions))
                {
                    let mut f = ASSERTIONS_REMOVED
                        .finding(format!(
                            "test {} keeps {} of its {} assertions{}",
                            n.item_path(),
                            n.assertions,
                            o.assertions,
                            referencing(&refs)
                        ))
                        .at(&file.path, Some(n.start))
                        .help("keep the assertions, or replace them with equivalent checks");
                    f.symbol = Some(symbol);
                    out.push(f);
                }
            }
        }
    }
    out
}

fn test_names(lang: Option<Language>, text: &str) -> Vec<(String, u32)> {
    static PY: OnceLock<Regex> = OnceLock::new();
    static JS: OnceLock<Regex> = OnceLock::new();
    static GO: OnceLock<Regex> = OnceLock::new();
    static RB: OnceLock<Regex> = OnceLock::new();
    static JVM: OnceLock<Regex> = OnceLock::new();
    let re = |cell: &'static OnceLock<Regex>, p: &str| cell.get_or_init(|| Regex::new(p).expect("test regex compiles"));
    let pattern = match lang {
        Some(Language::Python) => re(&PY, r"^\s*(?:async\s+)?def\s+(test\w*)"),
        Some(Language::JavaScript | Language::TypeScript) => re(
            &JS,
            r#"\b(?:it|test|specify)(?:\.\w+)?\s*\(\s*(?:'([^']+)'|"([^"]+)"|`([^`]+)`)"#,
        ),
        Some(Language::Go) => re(&GO, r"^func\s+(Test\w+)\s*\("),
        Some(Language::Ruby) => re(&RB, r#"^\s*(?:it\s+['"]([^'"]+)['"]|def\s+(test_\w+))"#),
        Some(Language::Java | Language::Kotlin | Language::CSharp | Language::Php) => re(
            &JVM,
            r"^\s*(?:public\s+|fun\s+|void\s+|async\s+|function\s+)+(?:\w+\s+)?(test\w*|\w+Test\w*|should\w+)\s*\(",
        ),
        _ => return Vec::new(),
    };
    text.lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let c = pattern.captures(l)?;
            let name = (1..c.len()).find_map(|g| c.get(g))?.as_str().to_string();
            Some((name, i as u32 + 1))
        })
        .collect()
}

fn disabling() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r#"(@pytest\.mark\.skip|@unittest\.skip|pytest\.skip\(|\bxit\s*\(|\bxdescribe\s*\(|\b(?:it|test|describe)\.(?:skip|only)\s*\(|\bfit\s*\(|\bfdescribe\s*\(|\bt\.Skip(?:Now|f)?\(|@Disabled\b|@Ignore\b|\[Fact\(Skip|^\s*skip\s*(?:\(|['"]))"#).expect("regex compiles")
    })
}

fn assertion_count(text: &str) -> usize {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| Regex::new(r"\bassert\w*|\bexpect\s*\(|\.should\b|\bt\.(?:Error|Errorf|Fatal|Fatalf)\(|\brequire\.\w+\(|\bassertThat\(|\bverify\(").expect("regex compiles"));
    text.lines()
        .filter(|l| !l.trim_start().starts_with(['#', '/']))
        .map(|l| re.find_iter(l).count())
        .sum()
}

/// Other languages: test names, skip and focus markers, assertion counts.
pub fn other<'a>(file: &'a ChangedFile, changed: &BTreeSet<String>) -> Vec<Finding> {
    let FileKind::Test { language } = file.kind else {
        return Vec::new();
    };
    if language == Some(Language::Rust) {
        return Vec::new();
    }
    let old = if file.status == FileStatus::Added {
        ""
    } else {
        file.old_text.get().unwrap_or("")
    };
    let new = if file.status == FileStatus::Deleted {
        ""
    } else {
        file.new_text.get().unwrap_or("")
    };
    let (old_tests, new_tests) = (test_names(language, old), test_names(language, new));
    // A test's body: from its line to the next test's line.
    let body = |text: &'a str, tests: &[(String, u32)], name: &str| -> String {
        let Some(i) = tests.iter().position(|(n, _)| n == name) else {
            return text.to_string();
        };
        let from = tests[i].1 as usize - 1;
        let to = tests.get(i + 1).map_or(usize::MAX, |t| t.1 as usize - 1);
        text.lines()
            .skip(from)
            .take(to.saturating_sub(from))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let refs_in = |text: &str| -> Vec<String> {
        changed
            .iter()
            .filter(|c| super::other::mentions(text, c))
            .cloned()
            .collect()
    };
    let mut out = Vec::new();
    for (name, _) in old_tests.iter().filter(|(n, _)| !new_tests.iter().any(|(m, _)| m == n)) {
        let mut f = TEST_REMOVED
            .finding(format!(
                "test `{name}` is deleted{}",
                referencing(&refs_in(&body(old, &old_tests, name)))
            ))
            .at(&file.path, file.first_changed_line())
            .help("keep the test, or replace it with one that covers the same behaviour");
        f.symbol = Some(format!("{}::{name}", file.path));
        out.push(f);
    }
    for line in file.added_lines().filter(|l| disabling().is_match(&l.text)) {
        let at = line.new_lineno.unwrap_or(1);
        let found = new_tests
            .iter()
            .find(|(_, l)| *l >= at)
            .or_else(|| new_tests.iter().rev().find(|(_, l)| *l <= at));
        let test = found.map_or("a test".to_string(), |(n, _)| format!("`{n}`"));
        let refs = found
            .map(|(n, _)| refs_in(&body(new, &new_tests, n)))
            .unwrap_or_default();
        let focus = line.text.contains(".only") || line.text.contains("fit(") || line.text.contains("fdescribe(");
        let what = if focus {
            format!(
                "{test} is focused with `{}`, which disables every other test in the file",
                line.text.trim()
            )
        } else {
            format!("{test} is disabled: `{}`", line.text.trim())
        };
        let mut f = TEST_DISABLED
            .finding(format!("{what}{}", referencing(&refs)))
            .at(&file.path, Some(at))
            .help("fix the test instead of skipping it; never commit a focused test");
        f.symbol = Some(format!("{}::{}", file.path, test.trim_matches('`')));
        out.push(f);
    }
    if file.status == FileStatus::Modified {
        let (before, after) = (assertion_count(old), assertion_count(new));
        if before > 0 && (after == 0 || (before >= 2 && after * 2 <= before)) {
            let f = ASSERTIONS_REMOVED
                .finding(format!(
                    "{} keeps {after} of its {before} assertions{}",
                    file.path,
                    referencing(&refs_in(new))
                ))
                .at(&file.path, file.first_changed_line())
                .help("keep the assertions, or replace them with equivalent checks");
            out.push(f);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn test_file(path: &str, lang: Language, old: &[&str], new: &[&str]) -> ChangedFile {
        let mut f = ChangedFile::from_lines(path, FileStatus::Modified, old, new);
        f.kind = FileKind::Test { language: Some(lang) };
        f
    }

    #[test]
    fn python_removed_disabled_and_weakened() {
        let changed: BTreeSet<String> = ["vat".to_string()].into();
        let f = test_file(
            "tests/test_vat.py",
            Language::Python,
            &[
                "def test_vat():",
                "    assert vat(1) == 2",
                "    assert vat(2) == 4",
                "def test_other():",
                "    assert True",
            ],
            &["@pytest.mark.skip", "def test_vat():", "    vat(1)"],
        );
        let rules: Vec<_> = other(&f, &changed).into_iter().map(|f| (f.rule, f.message)).collect();
        assert_eq!(
            rules[0],
            ("test-removed".to_string(), "test `test_other` is deleted".to_string())
        );
        assert_eq!(rules[1].0, "test-disabled");
        assert!(
            rules[1]
                .1
                .starts_with("`test_vat` is disabled: `@pytest.mark.skip`; it referenced vat"),
            "{}",
            rules[1].1
        );
        assert_eq!(rules[2].0, "test-assertions-removed");
    }

    #[test]
    fn focus_disables_the_rest() {
        let f = test_file(
            "web/a.test.js",
            Language::JavaScript,
            &["it('adds', () => {})"],
            &["it.only('adds', () => {})"],
        );
        let found = other(&f, &BTreeSet::new());
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("focused"), "{}", found[0].message);
    }
}
