//! Declarative rule packs (`rules/*.toml`): the format, loading with line-and-column errors,
//! and compilation into matchers for the `pattern` analyzer.

use crate::config::{glob, parse_toml, SourceText};
use crate::diff::FileStatus;
use crate::model::{is_valid_id, RuleDoc};
use crate::model::{GatingClass, Severity, Tag};
use anyhow::Result;
use globset::GlobSet;
use regex::Regex;
use serde::Deserialize;
use toml::Spanned;

/// The packs compiled into the binary.
pub const BUILT_IN: &[(&str, &str)] = &[
    ("rules/ci-and-infra.toml", include_str!("../rules/ci-and-infra.toml")),
    ("rules/dependencies.toml", include_str!("../rules/dependencies.toml")),
    ("rules/security.toml", include_str!("../rules/security.toml")),
    ("rules/code.toml", include_str!("../rules/code.toml")),
    ("rules/config.toml", include_str!("../rules/config.toml")),
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PackFile {
    #[serde(default)]
    rule: Vec<RuleDef>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleDef {
    id: Spanned<String>,
    description: String,
    why: String,
    rollback: String,
    severity: Spanned<String>,
    #[serde(default)]
    tags: Vec<Spanned<String>>,
    /// The gating class (`data-loss`, `data-rewrite`, `broken-contract`, `not-analyzed`,
    /// `policy-weakened`, `secret-exposed`); without one the rule ranks but never gates.
    #[serde(default)]
    gating: Option<Spanned<String>>,
    /// Before gating classes: `true` gates, with the class read from the tags.
    #[serde(default)]
    needs_plan: bool,
    #[serde(rename = "match")]
    matcher: Spanned<MatchDef>,
    #[serde(default)]
    allow: Vec<AllowDef>,
    #[serde(default)]
    hint: Vec<HintDef>,
    #[serde(default)]
    example: Vec<Example>,
}

/// Where a match is only a hint: the finding stays, at medium at most, with the reason.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HintDef {
    #[serde(default)]
    paths: Vec<Spanned<String>>,
    regex: Option<Spanned<String>>,
    reason: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MatchDef {
    #[serde(default)]
    paths: Vec<Spanned<String>>,
    #[serde(default)]
    kinds: Vec<Spanned<String>>,
    #[serde(default)]
    status: Vec<Spanned<String>>,
    #[serde(default)]
    keywords: Vec<String>,
    added: Option<Spanned<String>>,
    removed: Option<Spanned<String>>,
    #[serde(default)]
    without_changed: Vec<Spanned<String>>,
    min_lines_added: Option<u32>,
    min_lines_removed: Option<u32>,
    /// Full severity only for a match the file did not hold as often before the change.
    #[serde(default)]
    new_to_file: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AllowDef {
    #[serde(default)]
    paths: Vec<Spanned<String>>,
    regex: Option<Spanned<String>>,
    /// Lines inside Rust test code (`#[cfg(test)]` modules, `#[test]` functions).
    #[serde(default)]
    test_code: bool,
    /// An added line that a removed line of the same file held, up to whitespace: for values
    /// whole on their line (a token, a password), which moving does not expose anew.
    #[serde(default)]
    moved_lines: bool,
}

/// An example a rule ships with; tests run every one.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    pub path: String,
    #[serde(default)]
    pub added: Vec<String>,
    #[serde(default)]
    pub removed: Vec<String>,
    /// `added`, `modified` (default) or `deleted`.
    pub status: Option<String>,
    /// Repeats the lines, for size thresholds.
    #[serde(default = "one")]
    pub repeat: usize,
    /// Other paths changed in the same example change.
    #[serde(default)]
    pub also_changed: Vec<String>,
    pub fires: bool,
    /// The severity it fires at, when a hint lowers it.
    pub severity: Option<String>,
}

fn one() -> usize {
    1
}

/// A pack rule ready to run.
#[derive(Debug)]
pub struct PackRule {
    pub doc: RuleDoc,
    pub paths: Option<LazyGlobs>,
    pub kinds: Vec<String>,
    pub status: Vec<FileStatus>,
    pub keywords: Vec<String>,
    /// The keywords as one case-insensitive matcher, built at first use: the cheap prefilter
    /// before the regexes.
    keyword_matcher: std::sync::OnceLock<Option<aho_corasick::AhoCorasick>>,
    pub added: Option<LazyRegex>,
    pub removed: Option<LazyRegex>,
    pub without_changed: Option<LazyGlobs>,
    pub min_lines_added: Option<u32>,
    pub min_lines_removed: Option<u32>,
    /// A match the base file held as often (reformatted, commented, moved) is medium.
    pub new_to_file: bool,
    pub allow_paths: Vec<LazyGlobs>,
    pub allow_regex: Vec<LazyRegex>,
    /// Lines inside Rust test code are exempt.
    pub allow_test_code: bool,
    /// Lines only moved or reindented within their file are exempt.
    pub allow_moved_lines: bool,
    /// Where a match is a hint (medium at most), and why.
    pub hints: Vec<Hint>,
    pub examples: Vec<Example>,
}

impl PackRule {
    /// Whether `text` holds one of the rule's keywords (any case); true for a rule without any.
    pub fn keywords_match(&self, text: &str) -> bool {
        if self.keywords.is_empty() {
            return true;
        }
        self.keyword_matcher
            .get_or_init(|| {
                aho_corasick::AhoCorasick::builder()
                    .ascii_case_insensitive(true)
                    .build(&self.keywords)
                    .ok()
            })
            .as_ref()
            .is_none_or(|k| k.is_match(text))
    }
}

/// Paths and a line pattern, each optional, under which a match is a hint; both must hold when
/// both are given.
#[derive(Debug)]
pub struct Hint {
    pub paths: Option<LazyGlobs>,
    pub regex: Option<LazyRegex>,
    pub reason: String,
}

impl Hint {
    pub fn applies(&self, path: &str, line: &str) -> bool {
        self.paths.as_ref().is_none_or(|p| p.is_match(path)) && self.regex.as_ref().is_none_or(|r| r.is_match(line))
    }
}

/// The line ranges (1-based, inclusive) of a rule pack's `[[rule.example]]` tables: the pack's
/// own test data. Empty for a TOML file that is no rule pack.
pub fn example_lines(source: &str) -> Vec<(usize, usize)> {
    if !(source.contains("[[rule]]") && source.contains("[[rule.example]]")) {
        return Vec::new();
    }
    let mut ranges = Vec::new();
    let mut open: Option<usize> = None;
    for (i, line) in source.lines().enumerate() {
        let header = line.trim_start().starts_with('[');
        if header {
            if let Some(start) = open.take() {
                ranges.push((start, i));
            }
            if line.trim() == "[[rule.example]]" {
                open = Some(i + 1);
            }
        }
    }
    if let Some(start) = open {
        ranges.push((start, source.lines().count()));
    }
    ranges
}

/// A regex checked when the pack loads and compiled at its first use: most rules never meet a
/// line that passes their path and keyword filters, and compiling every pattern on every push
/// would cost more than the push's whole analysis. A pattern that parses but exceeds the regex
/// engine's size limits never matches.
#[derive(Debug)]
pub struct LazyRegex {
    pattern: String,
    compiled: std::sync::OnceLock<Option<Regex>>,
}

impl LazyRegex {
    fn regex(&self) -> Option<&Regex> {
        self.compiled.get_or_init(|| Regex::new(&self.pattern).ok()).as_ref()
    }

    pub fn is_match(&self, text: &str) -> bool {
        self.regex().is_some_and(|r| r.is_match(text))
    }

    /// The texts it matches in `text`, without their whitespace.
    pub fn matched_texts(&self, text: &str) -> Vec<String> {
        self.regex().map_or_else(Vec::new, |r| {
            r.find_iter(text)
                .map(|m| m.as_str().chars().filter(|c| !c.is_whitespace()).collect())
                .collect()
        })
    }
}

fn regex_at(src: &SourceText, pattern: &Spanned<String>, checks: Checks) -> Result<LazyRegex> {
    if checks == Checks::Trusted {
        return Ok(LazyRegex {
            pattern: pattern.get_ref().clone(),
            compiled: std::sync::OnceLock::new(),
        });
    }
    regex_syntax::Parser::new().parse(pattern.get_ref()).map_err(|e| {
        let first = e
            .to_string()
            .lines()
            .last()
            .unwrap_or("invalid regex")
            .trim()
            .to_string();
        src.error_at(pattern.span(), format!("bad regex `{}`: {first}", pattern.get_ref()))
    })?;
    Ok(LazyRegex {
        pattern: pattern.get_ref().clone(),
        compiled: std::sync::OnceLock::new(),
    })
}

/// Globs checked when the pack loads and built into one set at their first use: building
/// every rule's sets on every run cost a tenth of a one-commit check.
#[derive(Debug)]
pub struct LazyGlobs {
    globs: Vec<String>,
    set: std::sync::OnceLock<Option<GlobSet>>,
    /// What globs that parse but exceed the regex engine's limits answer: a rule's scope
    /// matches every path (the rule still runs), an exemption none.
    unbuildable_matches: bool,
}

impl LazyGlobs {
    pub fn is_match(&self, path: &str) -> bool {
        self.set().map_or(self.unbuildable_matches, |set| set.is_match(path))
    }

    #[cfg(test)]
    fn builds(&self) -> bool {
        self.set().is_some()
    }

    fn set(&self) -> Option<&GlobSet> {
        self.set
            .get_or_init(|| {
                let mut builder = globset::GlobSetBuilder::new();
                for g in &self.globs {
                    builder.add(glob(g).ok()?);
                }
                builder.build().ok()
            })
            .as_ref()
    }
}

fn lazy_globs(
    src: &SourceText,
    globs: &[Spanned<String>],
    unbuildable_matches: bool,
    checks: Checks,
) -> Result<LazyGlobs> {
    if checks == Checks::Full {
        for p in globs {
            glob(p.get_ref())
                .map_err(|e| src.error_at(p.span(), format!("bad glob `{}`: {}", p.get_ref(), e.kind())))?;
        }
    }
    Ok(LazyGlobs {
        globs: globs.iter().map(|p| p.get_ref().clone()).collect(),
        set: std::sync::OnceLock::new(),
        unbuildable_matches,
    })
}

fn optional_globs(
    src: &SourceText,
    globs: &[Spanned<String>],
    unbuildable_matches: bool,
    checks: Checks,
) -> Result<Option<LazyGlobs>> {
    if globs.is_empty() {
        Ok(None)
    } else {
        lazy_globs(src, globs, unbuildable_matches, checks).map(Some)
    }
}

/// How much of a pack is checked as it loads. A user's pack gets every check; the built-in
/// packs are checked by their tests (`built_in_packs_pass_every_check`), so a run does not
/// parse their patterns twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Checks {
    Full,
    Trusted,
}

/// The class a rule written before gating classes (`needs_plan = true`) gates as, by its tags.
fn legacy_gating(tags: &[Tag]) -> GatingClass {
    let has = |t: Tag| tags.contains(&t);
    if has(Tag::Destructive) {
        GatingClass::DataLoss
    } else if has(Tag::DataRewrite) || has(Tag::JsonReshape) {
        GatingClass::DataRewrite
    } else if has(Tag::Secrets) {
        GatingClass::SecretExposed
    } else {
        GatingClass::BrokenContract
    }
}

/// A tag that steers riskgate within two edits of `word` (and not `word` itself): a typo of
/// one must not pass as a word of the repository's own. The plan reads the data-risk tags (a
/// backup is needed); a rule in the older `needs_plan` form takes its class from them and from
/// `secrets` (`legacy`). Near misses of other tags change nothing, and stay words of one's own.
fn near_known_tag(word: &str, legacy: bool) -> Option<&'static str> {
    Tag::known()
        .filter(|known| {
            let tag = Tag::parse(known);
            tag.is_data_risk() || (legacy && tag == Tag::Secrets)
        })
        .find(|known| *known != word && edit_distance(known, word) <= 2)
}

/// Levenshtein distance, for short words.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (row[j + 1] + 1).min(row[j] + 1).min(prev + usize::from(ca != *cb));
            prev = cur;
        }
    }
    row[b.len()]
}

/// Loads one pack file. `name` is how messages refer to it.
pub fn load(name: &str, text: &str) -> Result<Vec<PackRule>> {
    load_with(name, text, Checks::Full)
}

fn load_with(name: &str, text: &str, checks: Checks) -> Result<Vec<PackRule>> {
    let src = SourceText {
        name: name.to_string(),
        text: text.to_string(),
    };
    let pack: PackFile = parse_toml(&src)?;
    let mut rules = Vec::with_capacity(pack.rule.len());
    for def in pack.rule {
        let id = def.id.get_ref().clone();
        if !is_valid_id(&id) {
            return Err(src.error_at(
                def.id.span(),
                format!("rule id `{id}` must be kebab-case words naming the risky pattern"),
            ));
        }
        let severity = Severity::parse(def.severity.get_ref()).ok_or_else(|| {
            src.error_at(
                def.severity.span(),
                format!("unknown severity `{}`", def.severity.get_ref()),
            )
        })?;
        let mut tags = Vec::new();
        for t in &def.tags {
            let tag = Tag::parse(t.get_ref());
            let legacy = def.needs_plan && def.gating.is_none();
            if let (Tag::Custom(word), Some(known)) = (&tag, near_known_tag(t.get_ref(), legacy)) {
                return Err(src.error_at(
                    t.span(),
                    format!("tag `{word}` is one letter or two from riskgate's `{known}` (it steers the plan or the gate); write `{known}`, or a word of your own that is not so close"),
                ));
            }
            tags.push(tag);
        }
        let gating = match &def.gating {
            Some(class) => Some(GatingClass::parse(class.get_ref()).ok_or_else(|| {
                src.error_at(
                    class.span(),
                    format!(
                        "unknown gating class `{}`, expected one of {}",
                        class.get_ref(),
                        GatingClass::ALL
                            .iter()
                            .map(|c| format!("`{c}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })?),
            None if def.needs_plan => Some(legacy_gating(&tags)),
            None => None,
        };
        let m = def.matcher.get_ref();
        for kind in &m.kinds {
            if !crate::classify::FileKind::NAMES.contains(&kind.get_ref().as_str()) {
                return Err(src.error_at(kind.span(), format!("unknown file kind `{}`", kind.get_ref())));
            }
        }
        let mut status = Vec::new();
        for s in &m.status {
            status.push(
                FileStatus::parse(s.get_ref())
                    .ok_or_else(|| src.error_at(s.span(), format!("unknown file status `{}`", s.get_ref())))?,
            );
        }
        if m.paths.is_empty() && m.added.is_none() && m.removed.is_none() && m.kinds.is_empty() {
            return Err(src.error_at(
                def.matcher.span(),
                format!("rule `{id}` matches everything; give paths, kinds, added or removed"),
            ));
        }
        let mut allow_paths = Vec::new();
        let mut allow_regex = Vec::new();
        for a in &def.allow {
            if let Some(set) = optional_globs(&src, &a.paths, false, checks)? {
                allow_paths.push(set);
            }
            if let Some(r) = &a.regex {
                allow_regex.push(regex_at(&src, r, checks)?);
            }
        }
        let mut hints = Vec::new();
        let mut hint_docs = Vec::new();
        for h in &def.hint {
            let mut at = Vec::new();
            if !h.paths.is_empty() {
                let paths: Vec<String> = h.paths.iter().map(|p| format!("`{}`", p.get_ref())).collect();
                at.push(format!("in {}", paths.join(", ")));
            }
            if let Some(r) = &h.regex {
                at.push(format!("on lines matching `{}`", r.get_ref()));
            }
            hint_docs.push(format!("{}: {}", at.join(", "), h.reason.trim()));
            if h.paths.is_empty() && h.regex.is_none() {
                return Err(src.error_at(
                    def.id.span(),
                    format!("rule `{id}`: a [[rule.hint]] needs paths, a regex or both"),
                ));
            }
            hints.push(Hint {
                paths: optional_globs(&src, &h.paths, false, checks)?,
                regex: h.regex.as_ref().map(|r| regex_at(&src, r, checks)).transpose()?,
                reason: h.reason.trim().to_string(),
            });
        }
        let example = render_example(&def.example);
        rules.push(PackRule {
            doc: RuleDoc {
                id,
                analyzer: crate::model::Analyzer::Pattern,
                severity,
                tags,
                gating,
                description: def.description.trim().to_string(),
                why: def.why.trim().to_string(),
                example,
                rollback: def.rollback.trim().to_string(),
                source: name.to_string(),
                hints: hint_docs,
            },
            paths: optional_globs(&src, &m.paths, true, checks)?,
            kinds: m.kinds.iter().map(|k| k.get_ref().clone()).collect(),
            status,
            keywords: m.keywords.clone(),
            keyword_matcher: std::sync::OnceLock::new(),
            added: m.added.as_ref().map(|r| regex_at(&src, r, checks)).transpose()?,
            removed: m.removed.as_ref().map(|r| regex_at(&src, r, checks)).transpose()?,
            without_changed: optional_globs(&src, &m.without_changed, false, checks)?,
            min_lines_added: m.min_lines_added,
            min_lines_removed: m.min_lines_removed,
            new_to_file: m.new_to_file,
            allow_paths,
            allow_regex,
            allow_test_code: def.allow.iter().any(|a| a.test_code),
            allow_moved_lines: def.allow.iter().any(|a| a.moved_lines),
            hints,
            examples: def.example,
        });
    }
    Ok(rules)
}

/// The first example that fires, as the documentation shows it.
fn render_example(examples: &[Example]) -> String {
    let Some(e) = examples.iter().find(|e| e.fires) else {
        return String::new();
    };
    let mut s = format!("In `{}`:\n\n```diff\n", e.path);
    for l in &e.removed {
        s.push_str(&format!("-{l}\n"));
    }
    for l in &e.added {
        s.push_str(&format!("+{l}\n"));
    }
    if e.repeat > 1 {
        s.push_str(&format!("(… {} times)\n", e.repeat));
    }
    s.push_str("```");
    s
}

/// Every built-in pack, compiled. The packs are tested, so a failure here is a build defect.
pub fn built_in() -> Result<Vec<PackRule>> {
    let mut all = Vec::new();
    for (name, text) in BUILT_IN {
        all.extend(load_with(name, text, Checks::Trusted)?);
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_packs_pass_every_check() {
        // A run loads them trusted: this is where their regexes and globs are checked.
        for (name, text) in BUILT_IN {
            let rules = load(name, text).unwrap_or_else(|e| panic!("{name}: {e:#}"));
            for rule in &rules {
                let hints = rule.hints.iter().filter_map(|h| h.regex.as_ref());
                for r in rule
                    .added
                    .iter()
                    .chain(&rule.removed)
                    .chain(&rule.allow_regex)
                    .chain(hints)
                {
                    assert!(r.regex().is_some(), "{}: `{}` does not compile", rule.doc.id, r.pattern);
                }
                let globs = rule.paths.iter().chain(&rule.without_changed).chain(&rule.allow_paths);
                for g in globs.chain(rule.hints.iter().filter_map(|h| h.paths.as_ref())) {
                    assert!(g.builds(), "{}: globs {:?} do not build", rule.doc.id, g.globs);
                }
            }
        }
    }

    #[test]
    fn a_packs_examples_are_its_test_lines() {
        let pack = "[[rule]]\nid = \"x\"\n[rule.match]\nadded = 'k'\n[[rule.example]]\npath = \"a\"\nadded = [\"k\"]\n\n[[rule]]\nid = \"y\"\n[[rule.example]]\nadded = [\"k\"]\n";
        assert_eq!(example_lines(pack), vec![(5, 8), (11, 12)]);
        // A TOML file that is no rule pack has none.
        assert!(example_lines("[[rule.example]]\nadded = [\"k\"]\n").is_empty());
    }

    #[test]
    fn own_words_are_tags_and_near_misses_of_known_ones_are_refused() {
        let pack = |tags: &str| {
            format!("[[rule]]\nid = \"payments-client-changed\"\ndescription = \"d\"\nwhy = \"w\"\nrollback = \"r\"\nseverity = \"high\"\ntags = {tags}\n[rule.match]\npaths = [\"src/payments/**\"]\n")
        };
        let rules = load("p.toml", &pack(r#"["payments", "destructive"]"#)).unwrap();
        assert_eq!(
            rules[0].doc.tags,
            vec![Tag::Custom("payments".into()), Tag::Destructive]
        );
        let err = load("p.toml", &pack(r#"["destrutive"]"#)).unwrap_err().to_string();
        assert!(
            err.contains("tag `destrutive` is one letter or two from riskgate's `destructive`"),
            "{err}"
        );
        assert!(err.contains("p.toml:7"), "{err}");
        assert_eq!(edit_distance("data-rewrite", "data-rewrtie"), 2);
        for own in ["ui", "cli", "db", "draft", "secret", "safe"] {
            assert_eq!(near_known_tag(own, false), None, "`{own}` is a word of the team's own");
        }
        assert_eq!(near_known_tag("data-rewirte", false), Some("data-rewrite"));
        // In the older form the tags choose the gating class: `secret` would gate as a broken
        // contract instead of an exposed secret.
        assert_eq!(near_known_tag("secret", true), Some("secrets"));
    }

    #[test]
    fn malformed_pack_names_line_and_column() {
        let err = load("p.toml", "[[rule]]\nid = \"x-y\"\nbogus = 1\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("p.toml:"), "{err}");
        assert!(err.contains("bogus") || err.contains("missing field"), "{err}");
    }

    #[test]
    fn bad_regex_points_at_the_regex() {
        let text = "[[rule]]\nid = \"bad-regex-rule\"\ndescription = \"d\"\nwhy = \"w\"\nrollback = \"r\"\nseverity = \"low\"\n[rule.match]\nadded = \"(unclosed\"\n";
        let err = load("p.toml", text).unwrap_err().to_string();
        assert!(err.starts_with("p.toml:8:9: bad regex `(unclosed`"), "{err}");
    }

    #[test]
    fn bad_id_and_severity_are_rejected() {
        let base = "description = \"d\"\nwhy = \"w\"\nrollback = \"r\"\n[rule.match]\npaths = [\"x\"]\n";
        let err = load("p.toml", &format!("[[rule]]\nid = \"Bad\"\nseverity = \"low\"\n{base}")).unwrap_err();
        assert!(err.to_string().contains("p.toml:2:6: rule id `Bad`"), "{err}");
        let err = load(
            "p.toml",
            &format!("[[rule]]\nid = \"ok-id\"\nseverity = \"severe\"\n{base}"),
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("p.toml:3:12: unknown severity `severe`"),
            "{err}"
        );
    }
}
