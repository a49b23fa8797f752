//! The `pattern` analyzer: runs the declarative rule packs over the diff lines.

use crate::classify::Classifier;
use crate::config::Config;
use crate::diff::{ChangeSet, ChangedFile, DiffLine, FileStatus};
use crate::model::Finding;
use crate::packs::{Example, PackRule};
use std::collections::HashMap;

/// At most this many findings of one rule in one file; the rest are summarised.
const MAX_PER_FILE: usize = 20;

pub fn analyze(change: &ChangeSet, rules: &[PackRule]) -> Vec<Finding> {
    let index = KeywordIndex::new(rules);
    let live: Vec<bool> = rules
        .iter()
        .map(|rule| {
            rule.without_changed
                .as_ref()
                .is_none_or(|without| !change.files.iter().any(|f| without.is_match(&f.path)))
        })
        .collect();
    // File by file, so that only one file's keyword index is held; findings kept by rule, in
    // the order a rule-by-rule pass gives them.
    let mut by_rule: Vec<Vec<Finding>> = rules.iter().map(|_| Vec::new()).collect();
    for file in &change.files {
        let applying: Vec<usize> = (0..rules.len())
            .filter(|r| live[*r] && applies_to(&rules[*r], file))
            .collect();
        if applying.is_empty() {
            continue;
        }
        // Which rules' keywords each changed line holds.
        let lines = index.as_ref().map(|index| index.hits(file));
        for r in applying {
            let rule = &rules[r];
            let keys = match &lines {
                Some(lines) => Keys::Indexed { lines, bit: 1 << r },
                None => Keys::PerRule,
            };
            let others = Others {
                change,
                rule,
                file,
                keys,
            };
            by_rule[r].extend(rule_findings(rule, file, &others));
        }
    }
    by_rule.into_iter().flatten().collect()
}

/// Every rule's keywords in one automaton, so that a line is searched once rather than once
/// per rule (a search per rule and line was a sixth of a large audit). Up to 128 rules.
struct KeywordIndex {
    automaton: aho_corasick::AhoCorasick,
    /// The rule of each keyword.
    rule_of: Vec<usize>,
    /// Rules without keywords: every line is theirs to test.
    always: u128,
}

impl KeywordIndex {
    fn new(rules: &[PackRule]) -> Option<KeywordIndex> {
        if rules.len() > 128 {
            return None;
        }
        let (mut words, mut rule_of, mut always) = (Vec::new(), Vec::new(), 0u128);
        for (r, rule) in rules.iter().enumerate() {
            if rule.keywords.is_empty() {
                always |= 1 << r;
            }
            for k in &rule.keywords {
                words.push(k.as_str());
                rule_of.push(r);
            }
        }
        let automaton = aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(&words)
            .ok()?;
        Some(KeywordIndex {
            automaton,
            rule_of,
            always,
        })
    }

    /// The rules whose keywords each changed line holds, in the order of `added_lines` and
    /// `removed_lines`.
    fn hits(&self, file: &ChangedFile) -> LineKeys {
        let mask = |line: &DiffLine| {
            self.automaton
                .find_overlapping_iter(line.text.as_str())
                .fold(self.always, |m, hit| m | 1 << self.rule_of[hit.pattern().as_usize()])
        };
        let added: Vec<u128> = file.added_lines().map(mask).collect();
        let removed: Vec<u128> = file.removed_lines().map(mask).collect();
        let any = added.iter().chain(&removed).fold(0, |m, l| m | l);
        LineKeys { added, removed, any }
    }
}

/// Per changed line of a file, the rules whose keywords it holds (a bit per rule).
struct LineKeys {
    added: Vec<u128>,
    removed: Vec<u128>,
    /// Every rule any line holds.
    any: u128,
}

/// How a line is tested for a rule's keywords: read from the file's index, or searched.
#[derive(Clone, Copy)]
enum Keys<'a> {
    Indexed { lines: &'a LineKeys, bit: u128 },
    PerRule,
}

impl Keys<'_> {
    /// The added (or removed) lines of `file` that hold one of the rule's keywords.
    fn lines<'f>(
        self,
        rule: &'f PackRule,
        file: &'f ChangedFile,
        added: bool,
    ) -> Box<dyn Iterator<Item = &'f DiffLine> + 'f>
    where
        Self: 'f,
    {
        let all: Box<dyn Iterator<Item = &'f DiffLine> + 'f> = if added {
            Box::new(file.added_lines())
        } else {
            Box::new(file.removed_lines())
        };
        match self {
            Keys::Indexed { lines, bit } if lines.any & bit == 0 => Box::new(std::iter::empty()),
            Keys::Indexed { lines, bit } => {
                let masks = if added { &lines.added } else { &lines.removed };
                Box::new(
                    all.zip(masks.iter())
                        .filter(move |(_, m)| *m & bit != 0)
                        .map(|(l, _)| l),
                )
            }
            Keys::PerRule => Box::new(all.filter(move |l| rule.keywords_match(&l.text))),
        }
    }
}

/// The change's other files the rule reads: a line moved between them (a Terraform block to
/// another file of its module, code to another file) is not new, and not gone.
struct Others<'a> {
    change: &'a ChangeSet,
    rule: &'a PackRule,
    file: &'a ChangedFile,
    keys: Keys<'a>,
}

impl Others<'_> {
    /// Another file of the change that adds (`added`) or removes the line, up to whitespace:
    /// for a removed line, only in the same folder (a Terraform module's address stays).
    fn moved(&self, line: &str, added: bool) -> Option<&str> {
        let bare = |t: &str| -> String { t.chars().filter(|c| !c.is_whitespace()).collect() };
        let want = bare(line);
        let folder = |p: &str| p.rsplit_once('/').map_or("", |(d, _)| d).to_string();
        self.change
            .files
            .iter()
            .filter(|f| f.path != self.file.path && applies_to(self.rule, f))
            .filter(|f| !added || folder(&f.path) == folder(&self.file.path))
            .find(|f| {
                let mut lines: Box<dyn Iterator<Item = &DiffLine>> = if added {
                    Box::new(f.added_lines())
                } else {
                    Box::new(f.removed_lines())
                };
                lines.any(|l| bare(&l.text) == want)
            })
            .map(|f| f.path.as_str())
    }
}

fn applies_to(rule: &PackRule, file: &ChangedFile) -> bool {
    if file.kind.name() == "ignored" {
        return false;
    }
    if let Some(paths) = &rule.paths {
        if !paths.is_match(&file.path) {
            return false;
        }
    }
    if !rule.kinds.is_empty() && !rule.kinds.iter().any(|k| k == file.kind.name()) {
        return false;
    }
    if !rule.status.is_empty() && !rule.status.contains(&file.status) {
        return false;
    }
    if rule.allow_paths.iter().any(|set| set.is_match(&file.path)) {
        return false;
    }
    if rule.min_lines_added.is_some_and(|n| file.lines_added < n)
        || rule.min_lines_removed.is_some_and(|n| file.lines_removed < n)
    {
        return false;
    }
    true
}

/// A line that holds one of the rule's keywords: whether the rule's pattern matches it.
fn line_matches(rule: &PackRule, regex: &crate::packs::LazyRegex, line: &DiffLine) -> bool {
    regex.is_match(&line.text) && !rule.allow_regex.iter().any(|a| a.is_match(&line.text))
}

/// How often each match, without its whitespace, occurs in `text` (for `new_to_file`).
fn match_counts(rule: &PackRule, regex: &crate::packs::LazyRegex, text: &str) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for line in text.lines() {
        if rule.keywords_match(line) {
            for t in regex.matched_texts(line) {
                *counts.entry(t).or_insert(0) += 1;
            }
        }
    }
    counts
}

fn base_finding(rule: &PackRule, file: &ChangedFile, line: Option<u32>) -> Finding {
    let doc = &rule.doc;
    let mut f = Finding::new(
        &doc.id,
        crate::model::Analyzer::Pattern,
        doc.severity,
        doc.description.clone(),
    )
    .at(&file.path, line)
    .help(doc.rollback.clone());
    f.tags = doc.tags.clone();
    f.gating = doc.gating;
    f
}

fn rule_findings(rule: &PackRule, file: &ChangedFile, others: &Others) -> Vec<Finding> {
    let mut out = Vec::new();
    if rule.added.is_none() && rule.removed.is_none() {
        let mut f = base_finding(rule, file, file.first_changed_line());
        f.message = format!(
            "{} ({}, +{} −{})",
            rule.doc.description,
            file.status.as_str(),
            file.lines_added,
            file.lines_removed
        );
        out.push(f);
        return out;
    }
    let mut matched = 0usize;
    // Read only once a line matches: the test code of the file as the change leaves it, Rust
    // test modules and functions or a rule pack's examples.
    let test_lines = std::cell::OnceCell::new();
    let in_test_code = |line: &DiffLine| {
        let read: fn(&str) -> Vec<(usize, usize)> = if file.path.ends_with(".rs") {
            crate::text::rust_test_lines
        } else if file.path.ends_with(".toml") {
            crate::packs::example_lines
        } else {
            return false;
        };
        rule.allow_test_code
            && line.new_lineno.is_some_and(|n| {
                test_lines
                    .get_or_init(|| read(file.new_text.get().unwrap_or("")))
                    .iter()
                    .any(|(from, to)| (*from..=*to).contains(&(n as usize)))
            })
    };
    if let Some(regex) = &rule.added {
        // A matching line the removed lines already held, up to whitespace, only moved or was
        // reindented: for a rule that allows it (a token is as exposed as before), not new.
        let bare = |t: &str| -> String { t.chars().filter(|c| !c.is_whitespace()).collect() };
        let mut held: HashMap<String, usize> = HashMap::new();
        if rule.allow_moved_lines {
            for l in others
                .keys
                .lines(rule, file, false)
                .filter(|l| line_matches(rule, regex, l))
            {
                *held.entry(bare(&l.text)).or_insert(0) += 1;
            }
        }
        let mut moved = |line: &DiffLine| match held.get_mut(&bare(&line.text)) {
            Some(n) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        };
        // Counted once per file, and only once a line matches: each match before and after.
        let counts = std::cell::OnceCell::new();
        let held_before = |line: &str| {
            let Some((before, after)) = counts.get_or_init(|| {
                let (old, new) = (file.old_text.get()?, file.new_text.get()?);
                Some((match_counts(rule, regex, old), match_counts(rule, regex, new)))
            }) else {
                // A new file held nothing before.
                return false;
            };
            let texts = regex.matched_texts(line);
            !texts.is_empty()
                && texts
                    .iter()
                    .all(|t| before.get(t).copied().unwrap_or(0) >= after.get(t).copied().unwrap_or(0))
        };
        for line in others
            .keys
            .lines(rule, file, true)
            .filter(|l| line_matches(rule, regex, l) && !in_test_code(l) && !moved(l))
        {
            matched += 1;
            if out.len() < MAX_PER_FILE {
                let mut f = base_finding(rule, file, line.new_lineno).evidence(line.text.trim());
                if let Some(hint) = rule.hints.iter().find(|h| h.applies(&file.path, &line.text)) {
                    f.severity = f.severity.min(crate::model::Severity::Medium);
                    f.message.push_str(&format!(" (a hint: {})", hint.reason));
                } else if rule.new_to_file && held_before(&line.text) {
                    // The change edits or moves what the file already did: a hint, not new.
                    f.severity = f.severity.min(crate::model::Severity::Medium);
                    f.message.push_str(
                        " (the file held this before the change as often: a line that holds it was edited or moved)",
                    );
                } else if let Some(from) = rule.new_to_file.then(|| others.moved(&line.text, false)).flatten() {
                    f.severity = f.severity.min(crate::model::Severity::Medium);
                    f.message
                        .push_str(&format!(" (moved from `{from}`, which held it before the change)"));
                }
                out.push(f);
            }
        }
    }
    if let Some(regex) = &rule.removed {
        // A line another file of the same folder adds moved there: still declared.
        for line in others
            .keys
            .lines(rule, file, false)
            .filter(|l| line_matches(rule, regex, l) && others.moved(&l.text, true).is_none())
        {
            matched += 1;
            if out.len() < MAX_PER_FILE {
                let at = file.new_side_line_of_removal(line);
                let mut f = base_finding(rule, file, at).evidence(format!("-{}", line.text.trim()));
                f.message = format!(
                    "{} (removed line {})",
                    rule.doc.description,
                    line.old_lineno.unwrap_or(0)
                );
                out.push(f);
            }
        }
    }
    let unlisted = matched - out.len();
    if unlisted > 0 {
        if let Some(last) = out.last_mut() {
            last.message
                .push_str(&format!(" ({unlisted} more matches in this file not listed)"));
        }
    }
    out
}

/// Runs one of a rule's examples: whether the rule fires on it.
pub fn example_fires(rule: &PackRule, example: &Example) -> bool {
    !example_findings(rule, example).is_empty()
}

/// The rule's findings on an example's path.
fn example_findings(rule: &PackRule, example: &Example) -> Vec<Finding> {
    let status = example
        .status
        .as_deref()
        .and_then(FileStatus::parse)
        .unwrap_or(FileStatus::Modified);
    let repeat =
        |lines: &[String]| -> Vec<String> { (0..example.repeat.max(1)).flat_map(|_| lines.iter().cloned()).collect() };
    let (removed, added) = (repeat(&example.removed), repeat(&example.added));
    let removed: Vec<&str> = removed.iter().map(String::as_str).collect();
    let added: Vec<&str> = added.iter().map(String::as_str).collect();
    let mut files = vec![ChangedFile::from_lines(&example.path, status, &removed, &added)];
    for other in &example.also_changed {
        files.push(ChangedFile::from_lines(other, FileStatus::Modified, &[], &["x"]));
    }
    let change = ChangeSet {
        files,
        ..Default::default()
    };
    let classifier = Classifier::new(&Config::default()).expect("default classifier builds");
    let change = classifier.classify(change);
    rule_findings_in(rule, &change)
        .into_iter()
        .filter(|f| f.file.as_deref() == Some(example.path.as_str()))
        .collect()
}

fn rule_findings_in(rule: &PackRule, change: &ChangeSet) -> Vec<Finding> {
    analyze(change, std::slice::from_ref(rule))
}

/// Checks that every example of the rule behaves as declared; used when loading a repository's
/// own packs and by the test of the built-in ones.
pub fn check_examples(rule: &PackRule) -> Result<(), String> {
    for (i, example) in rule.examples.iter().enumerate() {
        let findings = example_findings(rule, example);
        let fired = !findings.is_empty();
        if let (Some(expected), true) = (&example.severity, fired) {
            let got: Vec<&str> = findings.iter().map(|f| f.severity.as_str()).collect();
            if !got.contains(&expected.as_str()) {
                return Err(format!(
                    "{}: example {} of rule `{}` ({}) fires at {} where it says {expected}",
                    rule.doc.source,
                    i + 1,
                    rule.doc.id,
                    example.path,
                    got.join(", ")
                ));
            }
        }
        if fired != example.fires {
            return Err(format!(
                "{}: example {} of rule `{}` ({}) {}",
                rule.doc.source,
                i + 1,
                rule.doc.id,
                example.path,
                if example.fires {
                    "should fire but does not"
                } else {
                    "fires but should not"
                }
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Severity;

    fn pack(text: &str) -> Vec<PackRule> {
        crate::packs::load("test.toml", text).unwrap()
    }

    const RULE: &str = r#"
[[rule]]
id = "thing-added"
description = "A thing was added."
why = "w"
rollback = "r"
severity = "medium"
[rule.match]
paths = ["src/**"]
keywords = ["thing"]
added = 'thing\('
[[rule.allow]]
regex = '^\s*//'
"#;

    #[test]
    fn reports_each_added_line_with_its_number() {
        let file = ChangedFile::from_lines(
            "src/a.rs",
            FileStatus::Added,
            &[],
            &["x", "thing(1)", "// thing(2)", "thing(3)"],
        );
        let change = ChangeSet {
            files: vec![file],
            ..Default::default()
        };
        let found = analyze(&change, &pack(RULE));
        let at: Vec<_> = found.iter().map(|f| (f.rule.as_str(), f.line)).collect();
        assert_eq!(at, vec![("thing-added", Some(2)), ("thing-added", Some(4))]);
        assert_eq!(found[0].evidence.as_deref(), Some("thing(1)"));
    }

    /// One automaton holds every rule's keywords: each rule still tests only the lines that
    /// hold its own (any case), a rule without keywords tests every line, and removed lines
    /// are read as added ones are.
    #[test]
    fn each_rule_tests_the_lines_that_hold_its_own_keywords() {
        let other = r#"
[[rule]]
id = "gadget-removed"
description = "A gadget was removed."
why = "w"
rollback = "r"
severity = "low"
[rule.match]
keywords = ["GADGET"]
removed = 'gadget\('
[[rule]]
id = "todo-added"
description = "A todo was added."
why = "w"
rollback = "r"
severity = "low"
[rule.match]
added = 'TODO'
"#;
        let file = ChangedFile::from_lines(
            "src/a.rs",
            FileStatus::Modified,
            &["gadget(1)", "thing(0)"],
            &["Thing(9) gadget(2)", "thing(3) TODO", "TODO"],
        );
        let change = ChangeSet {
            files: vec![file],
            ..Default::default()
        };
        let mut rules = pack(RULE);
        rules.extend(pack(other));
        let found = analyze(&change, &rules);
        let at: Vec<_> = found.iter().map(|f| (f.rule.as_str(), f.line)).collect();
        // `Thing(9)` holds the keyword (any case) but not the pattern `thing\(`.
        assert_eq!(
            at,
            vec![
                ("thing-added", Some(2)),
                ("gadget-removed", Some(1)),
                ("todo-added", Some(2)),
                ("todo-added", Some(3)),
            ]
        );
    }
    #[test]
    fn a_line_only_reindented_or_moved_is_not_new_where_the_rule_allows_it() {
        // The same `f(thing(1))` reindented and `f(thing(2))` moved: not new to the file;
        // `f(thing(3))` is, and so is a second `f(thing(1))` (the removed lines held one).
        let file = ChangedFile::from_lines(
            "src/a.rs",
            FileStatus::Modified,
            &["  f(thing(1))", "f(thing(2))"],
            &["    f(thing( 1 ))", "x", "f(thing(2))", "f(thing(3))", "f(thing(1))"],
        );
        let change = ChangeSet {
            files: vec![file],
            ..Default::default()
        };
        let moved_allowed = format!("{RULE}[[rule.allow]]\nmoved_lines = true\n");
        let at: Vec<_> = analyze(&change, &pack(&moved_allowed)).iter().map(|f| f.line).collect();
        assert_eq!(at, vec![Some(4), Some(5)]);
        // Without the allowance every matching added line counts: moving `verify=False` into
        // another call, or out of an `if`, changes what it does.
        let at: Vec<_> = analyze(&change, &pack(RULE)).iter().map(|f| f.line).collect();
        assert_eq!(at, vec![Some(1), Some(3), Some(4), Some(5)]);
    }

    #[test]
    fn a_match_the_file_held_before_is_medium_where_the_rule_says_so() {
        // `thing(1)` reformatted: the file held it once before and once after, so medium;
        // `thing(2)` is new to the file: the rule's own severity.
        let file = ChangedFile::from_lines(
            "src/a.rs",
            FileStatus::Modified,
            &["call(a, thing(1))"],
            &["call(", "    a,", "    thing(1),", ")", "thing(2)"],
        );
        let change = ChangeSet {
            files: vec![file],
            ..Default::default()
        };
        let rule = RULE
            .replace("severity = \"medium\"", "severity = \"high\"")
            .replace("added = 'thing\\('", "added = 'thing\\(\\d\\)'\nnew_to_file = true");
        let found = analyze(&change, &pack(&rule));
        let at: Vec<_> = found.iter().map(|f| (f.line, f.severity)).collect();
        assert_eq!(at, vec![(Some(3), Severity::Medium), (Some(5), Severity::High)]);
        assert!(found[0].message.ends_with("a line that holds it was edited or moved)"));
        // A new file held nothing before: its match is new.
        let added = ChangeSet {
            files: vec![ChangedFile::from_lines(
                "src/b.rs",
                FileStatus::Added,
                &[],
                &["thing(1)"],
            )],
            ..Default::default()
        };
        let severities: Vec<_> = analyze(&added, &pack(&rule)).iter().map(|f| f.severity).collect();
        assert_eq!(severities, vec![Severity::High]);
    }

    #[test]
    fn paths_filter_the_files() {
        let file = ChangedFile::from_lines("docs/a.md", FileStatus::Added, &[], &["thing(1)"]);
        let change = ChangeSet {
            files: vec![file],
            ..Default::default()
        };
        assert!(analyze(&change, &pack(RULE)).is_empty());
    }

    #[test]
    fn many_matches_are_capped_and_counted() {
        let lines: Vec<String> = (0..25).map(|i| format!("thing({i})")).collect();
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let file = ChangedFile::from_lines("src/a.rs", FileStatus::Added, &[], &refs);
        let change = ChangeSet {
            files: vec![file],
            ..Default::default()
        };
        let found = analyze(&change, &pack(RULE));
        assert_eq!(found.len(), MAX_PER_FILE);
        assert!(found.last().unwrap().message.contains("5 more matches"));
    }
}
