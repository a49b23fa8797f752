//! The `pattern` analyzer: runs the declarative rule packs over the diff lines.

use crate::classify::Classifier;
use crate::config::Config;
use crate::diff::{ChangeSet, ChangedFile, DiffLine, FileStatus};
use crate::model::Finding;
use crate::packs::{Example, PackRule};

/// At most this many findings of one rule in one file; the rest are summarised.
const MAX_PER_FILE: usize = 20;

pub fn analyze(change: &ChangeSet, rules: &[PackRule]) -> Vec<Finding> {
    let mut findings = Vec::new();
    for rule in rules {
        if let Some(without) = &rule.without_changed {
            if change.files.iter().any(|f| without.is_match(&f.path)) {
                continue;
            }
        }
        for file in &change.files {
            if applies_to(rule, file) {
                findings.extend(rule_findings(rule, file));
            }
        }
    }
    findings
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

fn line_matches(rule: &PackRule, regex: &crate::packs::LazyRegex, line: &DiffLine) -> bool {
    if let Some(keywords) = &rule.keyword_matcher {
        if !keywords.is_match(&line.text) {
            return false;
        }
    }
    regex.is_match(&line.text) && !rule.allow_regex.iter().any(|a| a.is_match(&line.text))
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

fn rule_findings(rule: &PackRule, file: &ChangedFile) -> Vec<Finding> {
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
    // Read only once a line matches: the Rust test code of the file as the change leaves it.
    let test_lines = std::cell::OnceCell::new();
    let in_test_code = |line: &DiffLine| {
        rule.allow_test_code
            && file.path.ends_with(".rs")
            && line.new_lineno.is_some_and(|n| {
                test_lines
                    .get_or_init(|| crate::text::rust_test_lines(file.new_text.get().unwrap_or("")))
                    .iter()
                    .any(|(from, to)| (*from..=*to).contains(&(n as usize)))
            })
    };
    if let Some(regex) = &rule.added {
        // A matching line the removed lines already held, up to whitespace, only moved or was
        // reindented: it is not new to the file. A line that is nothing but the match (a key's
        // `-----BEGIN … KEY-----`) says nothing of what follows it, so it always counts.
        let bare = |t: &str| -> String { t.chars().filter(|c| !c.is_whitespace()).collect() };
        let mut held: Vec<String> = file
            .removed_lines()
            .filter(|l| line_matches(rule, regex, l))
            .map(|l| bare(&l.text))
            .collect();
        let mut moved = |line: &DiffLine| {
            let text = bare(&line.text);
            if regex.matched_texts(&line.text).concat() == text {
                return false;
            }
            match held.iter().position(|h| *h == text) {
                Some(i) => {
                    held.swap_remove(i);
                    true
                }
                None => false,
            }
        };
        for line in file
            .added_lines()
            .filter(|l| line_matches(rule, regex, l) && !in_test_code(l) && !moved(l))
        {
            matched += 1;
            if out.len() < MAX_PER_FILE {
                out.push(base_finding(rule, file, line.new_lineno).evidence(line.text.trim()));
            }
        }
    }
    if let Some(regex) = &rule.removed {
        for line in file.removed_lines().filter(|l| line_matches(rule, regex, l)) {
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
        .iter()
        .any(|f| f.file.as_deref() == Some(example.path.as_str()))
}

fn rule_findings_in(rule: &PackRule, change: &ChangeSet) -> Vec<Finding> {
    analyze(change, std::slice::from_ref(rule))
}

/// Checks that every example of the rule behaves as declared; used when loading a repository's
/// own packs and by the test of the built-in ones.
pub fn check_examples(rule: &PackRule) -> Result<(), String> {
    for (i, example) in rule.examples.iter().enumerate() {
        let fired = example_fires(rule, example);
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

    #[test]
    fn a_match_only_reindented_or_moved_is_not_new() {
        // The same `f(thing(1))` reindented, and `f(thing(2))` moved: neither is new;
        // `f(thing(3))` is, and so is a second `f(thing(1))` (the removed lines held one).
        // A line that is only the match counts even when the removed lines held it.
        let file = ChangedFile::from_lines(
            "src/a.rs",
            FileStatus::Modified,
            &["  f(thing(1))", "f(thing(2))", "thing("],
            &[
                "    f(thing( 1 ))",
                "x",
                "f(thing(2))",
                "f(thing(3))",
                "f(thing(1))",
                "thing(",
            ],
        );
        let change = ChangeSet {
            files: vec![file],
            ..Default::default()
        };
        let at: Vec<_> = analyze(&change, &pack(RULE)).iter().map(|f| f.line).collect();
        assert_eq!(at, vec![Some(4), Some(5), Some(6)]);
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
