//! Test health, all languages: a test deleted, a test disabled (or others focused away), and
//! assertions removed from a test that stays.

use super::rust;
use crate::classify::{FileKind, Language};
use crate::diff::{ChangedFile, FileStatus};
use crate::model::{CodeRule, Finding};
use regex::Regex;
use std::collections::BTreeSet;
use std::sync::OnceLock;

fn names_referenced(calls: &BTreeSet<String>, changed: &BTreeSet<String>) -> Vec<String> {
    calls.iter().filter(|c| changed.contains(*c)).cloned().collect()
}

/// How a test was weakened.
#[derive(Debug, Clone, PartialEq)]
pub enum Weakening {
    Removed,
    /// `#[ignore]` on a Rust test.
    Ignored,
    /// A skip marker (`@pytest.mark.skip`, `it.skip`, …), the line as written.
    Skipped(String),
    /// A focus marker (`it.only`, `fit`, …) that disables every other test in the file.
    Focused(String),
    AssertionsRemoved {
        kept: usize,
        had: usize,
    },
}

/// One test weakened by the change: what the rules of test health judge.
#[derive(Debug, Clone, PartialEq)]
pub struct TestEvent {
    /// How the message names it: "test tests::adds", "test `test_vat`", "a test", a path.
    pub subject: String,
    pub weakening: Weakening,
    /// The functions this change touches that the test referred to.
    pub refs: Vec<String>,
    pub file: String,
    pub line: Option<u32>,
    pub symbol: Option<String>,
}

impl TestEvent {
    /// The finding of `rule` for this event: `what` happened, then the changed functions the
    /// test referred to, where it is.
    pub fn finding(&self, rule: &CodeRule, what: &str, help: &str) -> Finding {
        let mut f = rule
            .finding(format!("{what}{}", referencing(&self.refs)))
            .at(&self.file, self.line)
            .help(help);
        f.symbol = self.symbol.clone();
        f
    }
}

/// "; it referenced a, b, changed in this change", or nothing.
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
) -> Vec<TestEvent> {
    let mut out = Vec::new();
    for o in old
        .iter()
        .filter(|f| f.is_test && (f.assertions > 0 || f.name.starts_with("test")))
    {
        let event = |weakening, line| TestEvent {
            subject: format!("test {}", o.item_path()),
            weakening,
            refs: names_referenced(&o.calls, changed),
            file: file.path.clone(),
            line,
            symbol: Some(format!("{}::{}", file.path, o.item_path())),
        };
        match new.iter().find(|n| n.is_test && n.item_path() == o.item_path()) {
            None => out.push(event(Weakening::Removed, file.first_changed_line())),
            Some(n) if n.ignored && !o.ignored => out.push(event(Weakening::Ignored, Some(n.start))),
            Some(n)
                if o.assertions > 0
                    && (n.assertions == 0 || (o.assertions >= 2 && n.assertions * 2 <= o.assertions)) =>
            {
                let weakening = Weakening::AssertionsRemoved {
                    kept: n.assertions,
                    had: o.assertions,
                };
                out.push(event(weakening, Some(n.start)));
            }
            Some(_) => {}
        }
    }
    out
}

/// The names of the tests a file holds after the change and did not before: where a test the
/// change deletes elsewhere may have moved.
pub fn tests_added(file: &ChangedFile, rust_fns: Option<(&[rust::RustFn], &[rust::RustFn])>) -> Vec<String> {
    if let Some((old, new)) = rust_fns {
        return new
            .iter()
            .filter(|n| n.is_test && !old.iter().any(|o| o.is_test && o.name == n.name))
            .map(|n| n.name.clone())
            .collect();
    }
    let FileKind::Test { language } = file.kind else {
        return Vec::new();
    };
    let old = if file.status == FileStatus::Added {
        ""
    } else {
        file.old_text.get().unwrap_or("")
    };
    let before: Vec<String> = test_names(language, old).into_iter().map(|t| t.0).collect();
    test_names(language, file.new_text.get().unwrap_or(""))
        .into_iter()
        .map(|t| t.0)
        .filter(|n| !before.contains(n))
        .collect()
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
pub fn other<'a>(file: &'a ChangedFile, changed: &BTreeSet<String>) -> Vec<TestEvent> {
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
        out.push(TestEvent {
            subject: format!("test `{name}`"),
            weakening: Weakening::Removed,
            refs: refs_in(&body(old, &old_tests, name)),
            file: file.path.clone(),
            line: file.first_changed_line(),
            symbol: Some(format!("{}::{name}", file.path)),
        });
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
        let marker = line.text.trim().to_string();
        out.push(TestEvent {
            symbol: Some(format!("{}::{}", file.path, test.trim_matches('`'))),
            subject: test,
            weakening: if focus {
                Weakening::Focused(marker)
            } else {
                Weakening::Skipped(marker)
            },
            refs,
            file: file.path.clone(),
            line: Some(at),
        });
    }
    if file.status == FileStatus::Modified {
        let (before, after) = (assertion_count(old), assertion_count(new));
        if before > 0 && (after == 0 || (before >= 2 && after * 2 <= before)) {
            out.push(TestEvent {
                subject: file.path.clone(),
                weakening: Weakening::AssertionsRemoved {
                    kept: after,
                    had: before,
                },
                refs: refs_in(new),
                file: file.path.clone(),
                line: file.first_changed_line(),
                symbol: None,
            });
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
        let rules: Vec<_> = judged(other(&f, &changed))
            .into_iter()
            .map(|f| (f.rule, f.message))
            .collect();
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
        let found = judged(other(&f, &BTreeSet::new()));
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("focused"), "{}", found[0].message);
    }

    /// The events as the test-health rules report them.
    fn judged(events: Vec<TestEvent>) -> Vec<crate::model::Finding> {
        use crate::analyzers::untested::rules::{test_assertions_removed, test_disabled, test_removed};
        events
            .iter()
            .flat_map(|e| {
                [
                    test_removed::check(e),
                    test_disabled::check(e),
                    test_assertions_removed::check(e),
                ]
            })
            .flatten()
            .collect()
    }
}
