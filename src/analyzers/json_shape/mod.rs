//! The `json-shape` analyzer: breaking changes to the JSON a change's code reads and writes —
//! serde types (old blob against new blob of every changed `.rs` file), JSON fixtures and
//! samples, JSON Schemas and OpenAPI specs — each with the direction it breaks, plus the
//! compound finding when a migration reshapes the JSON column that a changed type is stored in.

pub mod contract;
pub mod documents;
pub mod roles;
pub mod serde_diff;
pub mod serde_model;
pub mod yaml;

use crate::analyzers::file_not_analyzed::not_analyzed;
use crate::classify::{FileKind, Language};
use crate::code_rule;
use crate::diff::{ChangeSet, FileStatus};
use crate::model::CodeRule;
use crate::model::{Direction, Finding, Severity};
use roles::{Evidence, Role};
use serde_diff::{Change, Types};
use serde_model::SerdeType;
use std::collections::BTreeSet;

code_rule! {
    /// ## What it does
    /// Compares every type deriving `Serialize` or `Deserialize` in a changed Rust file with its
    /// previous version, by wire name (after `rename`, `rename_all`, `alias`, `tag`, …), and
    /// reports each change that breaks a reader, tagged with its kind (`field-removed`,
    /// `field-renamed`, `field-added-required`, `type-changed`, `type-narrowed`, `type-widened`,
    /// `cardinality-changed`, `optionality-tightened`, `optionality-loosened`, `nesting-changed`,
    /// `enum-repr-changed`, `variant-added`, `variant-removed`, `variant-renamed`,
    /// `untagged-order-changed`, `rename-all-changed`, `deny-unknown-added`,
    /// `custom-codec-changed`, `transparent-changed`, `tuple-order-changed`) and its direction:
    /// `reads-old-data` (new code cannot read stored data) or `old-readers` (the release you
    /// would roll back to cannot read what new code writes). Only directions that the derives
    /// make possible count; harmless changes (reordering, an optional field or alias added, a
    /// Rust-only rename) are silent.
    ///
    /// ## Why is this risky?
    /// Stored JSON outlives the code that wrote it: rows, caches and queues hold documents of
    /// every past version, and the first one the new type cannot read is an incident.
    ///
    /// ## Example
    /// ```rust
    /// #[derive(Serialize, Deserialize)]
    /// pub struct UserPrefs {
    ///     pub theme: String, // was `color`: stored documents have no `theme`
    /// }
    /// ```
    ///
    /// ## How to roll back
    /// Keep reading the old shape (`#[serde(alias = "color")]`, `Option`, `default`), write the
    /// old shape until every reader is upgraded, and check the new type against a sample of real
    /// data with `riskgate shapes`.
    pub static SERDE_SHAPE_CHANGED: "serde-shape-changed", "json-shape", High, [], gating = BrokenContract;
}

code_rule! {
    /// ## What it does
    /// Compares changed JSON fixtures and samples (`*.json` under fixtures, samples, examples,
    /// testdata) with their previous version: paths removed, types changed (integers, floats
    /// and null told apart), scalars turned into arrays, keys renamed (same value under a new
    /// key), subtrees moved under a new parent. Paths added are optional, since a sample cannot
    /// show that a key is required; key order and whitespace are ignored.
    ///
    /// ## Why is this risky?
    /// Fixtures and samples record the JSON that real producers send; when they change shape,
    /// the stored data and the other side of the contract usually did not.
    ///
    /// ## Example
    /// ```json
    /// {"user": {"id": 7, "color": "blue"}}   →   {"user": {"id": "7", "theme": "blue"}}
    /// ```
    ///
    /// ## How to roll back
    /// Accept both shapes in the reader for a release, and migrate stored documents explicitly.
    pub static JSON_SAMPLE_SHAPE_CHANGED: "json-sample-shape-changed", "json-shape", Medium, [], gating = BrokenContract;
}

code_rule! {
    /// ## What it does
    /// Compares changed JSON Schemas (`*.schema.json`, `schemas/`) and OpenAPI specs
    /// (`components/schemas`) in both directions: a document valid under the old schema and
    /// invalid under the new one breaks readers of old data (`reads-old-data`); the reverse
    /// breaks old readers. It compares `required`, `properties`, `type`, `enum`, `items` and
    /// `additionalProperties`, and ignores metadata (`description`, `title`, `examples`).
    ///
    /// ## Why is this risky?
    /// The schema is the contract other teams and stored documents rely on.
    ///
    /// ## Example
    /// ```json
    /// "required": ["id"]   →   "required": ["id", "email"]
    /// ```
    ///
    /// ## How to roll back
    /// Add new requirements as optional first; remove properties only after no producer
    /// writes them.
    pub static JSON_SCHEMA_CHANGED: "json-schema-changed", "json-shape", High, [], gating = BrokenContract;
}

code_rule! {
    /// ## What it does
    /// Fires when one change both reshapes a JSON column in a migration and breaks the serde type
    /// stored in that column, matched through table, column, type and field names, or through a
    /// `[[json_column]]` entry in `riskgate.toml` (`table`, `column`, `type`).
    ///
    /// ## Why is this risky?
    /// This is the incident riskgate exists for: the migration rewrites stored documents while
    /// the code that reads them changes at the same time, so edge cases in the data (old shapes,
    /// nulls, odd types) hit both at once, and rolling back the code meets rewritten data.
    ///
    /// ## Example
    /// ```sql
    /// UPDATE users SET prefs = jsonb_set(prefs - 'color', '{theme}', prefs->'color');
    /// ```
    /// together with `UserPrefs.color` renamed to `theme` in `src/prefs.rs`.
    ///
    /// ## How to roll back
    /// Split the change: make the type read both shapes first, migrate the data, then stop
    /// writing the old shape; back up the column before the migration and check real rows with
    /// `riskgate shapes`.
    pub static JSON_COLUMN_CONTRACT_CHANGED: "json-column-contract-changed", "json-shape", Critical, ["json-reshape"], gating = BrokenContract;
}

pub const RULES: &[&CodeRule] = &[
    &SERDE_SHAPE_CHANGED,
    &JSON_SAMPLE_SHAPE_CHANGED,
    &JSON_SCHEMA_CHANGED,
    &JSON_COLUMN_CONTRACT_CHANGED,
];

struct Models {
    old: Vec<SerdeType>,
    new: Vec<SerdeType>,
}

impl Types for Models {
    fn old_type(&self, name: &str) -> Option<&SerdeType> {
        self.old.iter().find(|t| t.name == name)
    }
    fn new_type(&self, name: &str) -> Option<&SerdeType> {
        self.new.iter().find(|t| t.name == name)
    }
}

/// The direction of a change given which derives each version has; `None` when no reader can
/// break.
pub fn direction(change: &Change, new: &SerdeType) -> Option<Direction> {
    let reads_old = change.reads_old && new.de;
    // Old readers are the old code (when it deserialises) or, for what is written out, clients;
    // which of them exist is the type's role to say.
    let old_readers = change.old_readers && new.ser;
    match (reads_old, old_readers) {
        (true, true) => Some(Direction::Both),
        (true, false) => Some(Direction::ReadsOldData),
        (false, true) => Some(Direction::OldReaders),
        _ => None,
    }
}

/// Severity and whether a plan is needed, by direction: new code failing on stored data is the
/// incident; old readers failing is a rollback hazard.
pub fn weigh(f: &mut Finding, dir: Direction, high: Severity) {
    f.direction = Some(dir);
    let (severity, plan) = match dir {
        Direction::ReadsOldData | Direction::Both => (high, true),
        Direction::OldReaders => (Severity::Medium, false),
    };
    f.severity = severity;
    f.needs_plan = plan;
}

fn is_rust_source(kind: &FileKind) -> bool {
    matches!(
        kind,
        FileKind::Source {
            language: Language::Rust
        }
    )
}

fn mentions_serde(text: &str) -> bool {
    text.contains("Serialize") || text.contains("Deserialize")
}

/// Serde types of the change's Rust files, old and new versions, and a `file-not-analyzed`
/// finding for each file with serde derives that does not parse.
pub fn models(change: &ChangeSet) -> (Vec<SerdeType>, Vec<SerdeType>, Vec<Finding>) {
    let (mut old, mut new, mut unread) = (Vec::new(), Vec::new(), Vec::new());
    for file in change
        .files
        .iter()
        .filter(|f| is_rust_source(&f.kind) && f.skipped.is_none())
    {
        let old_path = file.old_path.as_deref().unwrap_or(&file.path);
        if file.status != FileStatus::Added {
            if let Some(text) = file.old_text.get().filter(|t| mentions_serde(t)) {
                old.extend(serde_model::read_types(old_path, text).unwrap_or_default());
            }
        }
        if file.status != FileStatus::Deleted {
            if let Some(text) = file.new_text.get().filter(|t| mentions_serde(t)) {
                match serde_model::read_types(&file.path, text) {
                    Ok(types) => new.extend(types),
                    Err(e) => unread.push(not_analyzed(
                        file,
                        &format!("Rust with serde derives that does not parse ({e})"),
                        true,
                    )),
                }
            }
        }
    }
    (old, new, unread)
}

/// Identifiers on the added lines of the change's migrations and Diesel `schema.rs` files:
/// the columns this change adds, among other words.
fn added_schema_words(change: &ChangeSet) -> BTreeSet<String> {
    change
        .files
        .iter()
        .filter(|f| matches!(f.kind, FileKind::Migration { .. }) || f.path.ends_with("schema.rs"))
        .flat_map(|f| f.added_lines())
        .flat_map(|l| {
            l.text
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .filter(|w| !w.is_empty())
                .map(str::to_lowercase)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The severity of one change given the roles of its type; `None` when no reader of that
/// role can break. With several roles, the strongest claim wins.
fn severity_for(
    c: &Change,
    dir: Direction,
    old_de: bool,
    evidence: &[Evidence],
    column_added: bool,
    unknown_why: &str,
) -> Option<(Severity, Role, String)> {
    let reads_old = matches!(dir, Direction::ReadsOldData | Direction::Both);
    let old_readers = matches!(dir, Direction::OldReaders | Direction::Both);
    let mut best: Option<(Severity, Role, String)> = None;
    let mut consider = |sev: Severity, role: Role, why: String| {
        if best.as_ref().is_none_or(|(s, _, _)| sev > *s) {
            best = Some((sev, role, why));
        }
    };
    let mut seen_role = false;
    for e in evidence {
        seen_role = true;
        let (new_fails, old_fails) = match e.role {
            // New code fails on stored documents: the incident. Old code failing is a rollback hazard.
            Role::Stored => (Severity::High, Severity::Medium),
            // Whether old clients send a newly required field is not visible in this code (a
            // server often catches up with its clients): a hint. Removing, renaming or retyping
            // what they send breaks them.
            Role::WireInput if matches!(c.kind, "field-added-required" | "optionality-tightened") => {
                (Severity::Medium, Severity::Medium)
            }
            // A new server rejects old clients' requests; an old server (after a rollback) new ones.
            Role::WireInput => (Severity::High, Severity::Medium),
            // Old clients read new responses; nobody reads old responses with new code.
            // A new enum value is a string old clients may not know: worth a look, not a break.
            // A new enum value or a value that may now be null: old clients may mishandle it,
            // but nothing they read is gone.
            Role::WireOutput if matches!(c.kind, "variant-added" | "optionality-loosened") => {
                (Severity::Info, Severity::Medium)
            }
            Role::WireOutput => (Severity::Info, Severity::High),
            // Serde on a row is incidental: a field added with its column is the normal pattern.
            Role::Row if column_added && c.kind == "field-added-required" => (Severity::Info, Severity::Info),
            Role::Row | Role::Unknown => (Severity::Medium, Severity::Medium),
        };
        // Only clients read what old code did not deserialise.
        let old_readers = old_readers && (old_de || e.role == Role::WireOutput);
        if reads_old && new_fails > Severity::Info {
            consider(new_fails, e.role, format!("{}: {}", e.role.describe(), e.why));
        }
        if old_readers && old_fails > Severity::Info {
            consider(old_fails, e.role, format!("{}: {}", e.role.describe(), e.why));
        }
    }
    if !seen_role && (reads_old || old_de) {
        consider(Severity::Medium, Role::Unknown, unknown_why.to_string());
    }
    best.map(|(sev, role, why)| (if c.soft { sev.min(Severity::Medium) } else { sev }, role, why))
}

fn serde_findings(change: &ChangeSet, stored: &[String]) -> Vec<Finding> {
    let (old, new, unread) = models(change);
    if old.is_empty() || new.is_empty() {
        return unread;
    }
    let models = Models { old, new };
    let mut out = unread;
    let mut candidates = Vec::new();
    for n in &models.new {
        // Same name, same file first; a type moved to another file of the change matches too.
        let o = models
            .old
            .iter()
            .find(|o| {
                o.name == n.name
                    && o.item_path == n.item_path
                    && (o.file == n.file
                        || change
                            .files
                            .iter()
                            .any(|f| f.old_path.as_deref() == Some(o.file.as_str()) && f.path == n.file))
            })
            .or_else(|| {
                let same: Vec<&SerdeType> = models.old.iter().filter(|o| o.name == n.name).collect();
                (same.len() == 1).then(|| same[0])
            });
        let Some(o) = o else { continue };
        for c in serde_diff::compare(o, n, &models) {
            if let Some(dir) = direction(&c, n) {
                candidates.push((n, c, dir));
            }
        }
    }
    if candidates.is_empty() {
        return out;
    }
    let wanted: BTreeSet<String> = candidates.iter().map(|(n, _, _)| n.name.clone()).collect();
    let roles = roles::find(&models.new, &wanted, &change.tree, stored);
    let schema_words = added_schema_words(change);
    for (n, c, dir) in candidates {
        let field = c.subject.rsplit('.').next().unwrap_or("").to_lowercase();
        let column_added = !field.is_empty() && schema_words.contains(&field);
        let old_de = models.old_type(&n.name).is_some_and(|o| o.de);
        let unknown_why = match roles.ambiguous(&n.name) {
            Some(count) => format!(
                "role unknown: {count} serde types are named `{}`, and a use by name cannot tell them apart, so this is a hint",
                n.name
            ),
            None => "role unknown: no request, response or database use of the type was found, so this is a hint".to_string(),
        };
        let Some((severity, role, why)) = severity_for(&c, dir, old_de, roles.of(&n.name), column_added, &unknown_why)
        else {
            continue;
        };
        let message = match role {
            Role::Stored => c.message.clone(),
            Role::WireOutput => c
                .message
                .replace(
                    "old code requires it; new code stops writing it and drops it on every read-modify-write",
                    "old clients that read it no longer get it",
                )
                .replace("stored documents", "data written before this change"),
            _ => c.message.replace("stored documents", "data written before this change"),
        };
        let mut f = SERDE_SHAPE_CHANGED
            .finding(format!("{message} ({why})"))
            .at(&n.file, Some(c.line))
            .help(help_for(c.kind))
            .tags(&[c.kind]);
        f.symbol = Some(format!("{}::{}", n.file, n.item_path));
        let source_line = change
            .files
            .iter()
            .find(|file| file.path == n.file)
            .and_then(|file| file.new_text.get())
            .and_then(|text| text.lines().nth(c.line.saturating_sub(1) as usize))
            .map(|l| l.trim().to_string());
        f.evidence = Some(source_line.unwrap_or_else(|| c.subject.clone()));
        f.target = Some(c.subject.clone());
        f.direction = Some(dir);
        f.severity = severity;
        out.push(f);
    }
    out
}

/// The safe pattern for each kind of change.
pub fn help_for(kind: &str) -> &'static str {
    match kind {
        "field-removed" => "keep the field as Option for a release (skip_serializing), back up the column, remove it once no reader needs it",
        "field-renamed" | "rename-all-changed" | "variant-renamed" => "read both names first (#[serde(alias = \"old\")]) while writing the old one, switch writers once every reader is upgraded",
        "field-added-required" => "add it as Option or with #[serde(default)] until stored documents are backfilled",
        "optionality-tightened" => "keep it optional (Option or default) until every stored document has a value",
        "optionality-loosened" => "keep writing a value until the release you would roll back to accepts null",
        "variant-added" => "ship readers that know the variant (or #[serde(other)]) one release before writers use it",
        "variant-removed" => "keep the variant, or add #[serde(other)], until stored documents no longer use it",
        "deny-unknown-added" => "drop deny_unknown_fields, or strip unknown keys from stored documents first",
        "enum-repr-changed" | "transparent-changed" | "nesting-changed" | "tuple-order-changed" | "cardinality-changed" => {
            "write a new field or type with the new layout, migrate stored documents, then retire the old one"
        }
        "untagged-order-changed" => "put the richest variant first and deny unknown fields on the subsets",
        "custom-codec-changed" => "make the new codec accept what the old one wrote; test it on stored samples",
        _ => "make the reader accept both shapes for a release, and check it against real stored data (riskgate shapes)",
    }
}

/// Compares the serde types of two versions of one file, by type name.
pub fn compare_sources(old: &str, new: &str) -> Vec<Change> {
    let (Ok(old), Ok(new)) = (
        serde_model::read_types("a.rs", old),
        serde_model::read_types("a.rs", new),
    ) else {
        return Vec::new();
    };
    let models = Models { old, new };
    let mut out = Vec::new();
    for n in &models.new {
        for o in models.old.iter().filter(|o| o.name == n.name) {
            out.extend(serde_diff::compare(o, n, &models));
        }
    }
    out
}

/// `stored`: type names the config says are stored JSON (`[[json_column]]`, `[[shapes]]`).
pub fn analyze(change: &ChangeSet, stored: &[String]) -> Vec<Finding> {
    let mut out = serde_findings(change, stored);
    out.extend(documents::analyze(change));
    out
}

#[cfg(test)]
pub mod testing {
    use super::*;
    use crate::diff::ChangedFile;

    /// (kind, direction, subject) for one Rust file changed from `old` to `new`.
    pub fn serde_changes(old: &str, new: &str) -> Vec<(String, Direction, String)> {
        let old_lines: Vec<&str> = old.lines().collect();
        let new_lines: Vec<&str> = new.lines().collect();
        let mut f = ChangedFile::from_lines("src/model.rs", FileStatus::Modified, &old_lines, &new_lines);
        f.kind = FileKind::Source {
            language: Language::Rust,
        };
        let change = ChangeSet {
            files: vec![f],
            ..Default::default()
        };
        serde_findings(&change, &[])
            .into_iter()
            .map(|f| (f.tags[0].clone(), f.direction.unwrap(), f.evidence.unwrap()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::testing::serde_changes;
    use crate::model::Direction::*;

    const BASE: &str = "#[derive(Serialize, Deserialize)]\npub struct UserPrefs {\n    pub color: String,\n    pub newsletter: bool,\n    pub limit: i32,\n    pub nick: Option<String>,\n}\n";

    fn with(from: &str, to: &str) -> Vec<(String, crate::model::Direction, String)> {
        serde_changes(BASE, &BASE.replace(from, to))
    }

    fn kinds(v: &[(String, crate::model::Direction, String)]) -> Vec<(&str, crate::model::Direction)> {
        v.iter().map(|(k, d, _)| (k.as_str(), *d)).collect()
    }

    #[test]
    fn harmless_changes_are_silent() {
        assert!(
            with(
                "    pub newsletter: bool,\n    pub limit: i32,\n",
                "    pub limit: i32,\n    pub newsletter: bool,\n"
            )
            .is_empty(),
            "reorder"
        );
        assert!(
            with(
                "    pub nick: Option<String>,\n",
                "    pub nick: Option<String>,\n    pub bio: Option<String>,\n"
            )
            .is_empty(),
            "optional added"
        );
        assert!(
            with(
                "    pub color: String,",
                "    #[serde(alias = \"colour\")]\n    pub color: String,"
            )
            .is_empty(),
            "alias"
        );
        assert!(
            with(
                "    pub color: String,",
                "    #[serde(rename = \"color\")]\n    pub colour: String,"
            )
            .is_empty(),
            "Rust-only rename"
        );
        assert!(
            with("    pub color: String,", "    /// The colour.\n    pub color: String,").is_empty(),
            "comment"
        );
        assert!(
            with(
                "pub struct UserPrefs {",
                "#[serde(rename_all = \"lowercase\")]\npub struct UserPrefs {"
            )
            .is_empty(),
            "no-op rename_all"
        );
        assert!(
            with("    pub color: String,", "    pub color: Box<String>,").is_empty(),
            "wrapper"
        );
        assert!(
            with(
                "    pub color: String,",
                "    #[serde(default)]\n    pub color: String,"
            )
            .is_empty(),
            "default added"
        );
    }

    #[test]
    fn fields() {
        assert_eq!(
            kinds(&with("    pub color: String,", "    pub theme: String,")),
            vec![("field-renamed", Both)]
        );
        assert_eq!(
            kinds(&with(
                "    pub color: String,",
                "    #[serde(alias = \"color\")]\n    pub theme: String,"
            )),
            vec![("field-renamed", OldReaders)]
        );
        assert_eq!(
            kinds(&with("    pub newsletter: bool,\n", "")),
            vec![("field-removed", OldReaders)]
        );
        assert_eq!(
            kinds(&with(
                "    pub nick: Option<String>,\n",
                "    pub nick: Option<String>,\n    pub tz: String,\n"
            )),
            vec![("field-added-required", ReadsOldData)]
        );
        assert_eq!(
            kinds(&with("pub nick: Option<String>", "pub nick: String")),
            vec![("optionality-tightened", ReadsOldData)]
        );
        assert_eq!(
            kinds(&with("pub color: String", "pub color: Option<String>")),
            vec![("optionality-loosened", OldReaders)]
        );
    }

    #[test]
    fn types() {
        assert_eq!(
            kinds(&with("pub limit: i32", "pub limit: i64")),
            vec![("type-widened", OldReaders)]
        );
        assert_eq!(
            kinds(&with("pub limit: i32", "pub limit: i16")),
            vec![("type-narrowed", ReadsOldData)]
        );
        assert_eq!(
            kinds(&with("pub limit: i32", "pub limit: f64")),
            vec![("type-widened", OldReaders)]
        );
        assert_eq!(
            kinds(&with("pub limit: i32", "pub limit: String")),
            vec![("type-changed", Both)]
        );
        assert_eq!(
            kinds(&with("pub color: String", "pub color: Vec<String>")),
            vec![("cardinality-changed", Both)]
        );
        assert_eq!(
            kinds(&with("pub color: String", "pub color: &'a str")),
            vec![("type-narrowed", ReadsOldData)]
        );
    }

    #[test]
    fn container_attributes() {
        assert_eq!(
            kinds(&with(
                "pub struct UserPrefs {",
                "#[serde(deny_unknown_fields)]\npub struct UserPrefs {"
            )),
            vec![("deny-unknown-added", ReadsOldData)]
        );
        let renamed = with(
            "pub struct UserPrefs {",
            "#[serde(rename_all = \"camelCase\")]\npub struct UserPrefs {\n    pub dark_mode: bool,",
        );
        assert!(
            renamed.iter().any(|(k, _, _)| k == "field-added-required"),
            "{renamed:?}"
        );
        let base = "#[derive(Serialize, Deserialize)]\npub struct A {\n    pub dark_mode: bool,\n}\n";
        let got = serde_changes(
            base,
            &base.replace("pub struct A {", "#[serde(rename_all = \"camelCase\")]\npub struct A {"),
        );
        assert_eq!(kinds(&got), vec![("rename-all-changed", Both)]);
        let got = serde_changes(
            base,
            &base.replace("pub struct A {", "#[serde(transparent)]\npub struct A {"),
        );
        assert_eq!(kinds(&got), vec![("transparent-changed", Both)]);
        let got = serde_changes(
            base,
            &base.replace(
                "    pub dark_mode: bool,",
                "    #[serde(with = \"flag\")]\n    pub dark_mode: bool,",
            ),
        );
        assert_eq!(kinds(&got), vec![("custom-codec-changed", Both)]);
        let got = serde_changes(
            base,
            &base.replace(
                "    pub dark_mode: bool,",
                "    #[serde(flatten)]\n    pub dark_mode: Extra,",
            ),
        );
        assert_eq!(kinds(&got)[0].0, "nesting-changed");
    }

    #[test]
    fn only_directions_the_derives_allow() {
        let ser_only = BASE.replace("Serialize, Deserialize", "Serialize");
        let got = serde_changes(
            &ser_only,
            &ser_only.replace(
                "    pub nick: Option<String>,\n",
                "    pub nick: Option<String>,\n    pub tz: String,\n",
            ),
        );
        assert!(
            got.is_empty(),
            "a Serialize-only type cannot fail to read old data: {got:?}"
        );
    }

    #[test]
    fn enums() {
        let e = "#[derive(Serialize, Deserialize)]\n#[serde(rename_all = \"snake_case\")]\npub enum Status {\n    Active,\n    AwaitingPayment,\n}\n";
        assert_eq!(
            kinds(&serde_changes(
                e,
                &e.replace("    AwaitingPayment,\n", "    AwaitingPayment,\n    Refunded,\n")
            )),
            vec![("variant-added", OldReaders)]
        );
        assert_eq!(
            kinds(&serde_changes(e, &e.replace("    AwaitingPayment,\n", ""))),
            vec![("variant-removed", ReadsOldData)]
        );
        assert_eq!(
            kinds(&serde_changes(
                e,
                &e.replace(
                    "    AwaitingPayment,",
                    "    #[serde(rename = \"awaiting\")]\n    AwaitingPayment,"
                )
            )),
            vec![("variant-renamed", Both)]
        );
        assert_eq!(
            kinds(&serde_changes(
                e,
                &e.replace(
                    "#[serde(rename_all = \"snake_case\")]",
                    "#[serde(rename_all = \"snake_case\", tag = \"t\")]"
                )
            )),
            vec![("enum-repr-changed", Both)]
        );
        let u = "#[derive(Serialize, Deserialize)]\n#[serde(untagged)]\npub enum V {\n    Rich { a: i32, b: i32 },\n    Poor { a: i32 },\n}\n";
        let swapped = "#[derive(Serialize, Deserialize)]\n#[serde(untagged)]\npub enum V {\n    Poor { a: i32 },\n    Rich { a: i32, b: i32 },\n}\n";
        assert_eq!(
            kinds(&serde_changes(u, swapped)),
            vec![("untagged-order-changed", ReadsOldData)]
        );
        let t = "#[derive(Serialize, Deserialize)]\npub struct P(pub String, pub i32);\n";
        assert_eq!(
            kinds(&serde_changes(
                t,
                &t.replace("(pub String, pub i32)", "(pub i32, pub String)")
            )),
            vec![("tuple-order-changed", Both)]
        );
    }

    #[test]
    fn a_generic_wrapper_of_the_old_type_only_risks_old_readers() {
        let base = "#[derive(Serialize, Deserialize)]\npub struct Undo {\n    pub object: Follow,\n}\n";
        let wrapped = base.replace("pub object: Follow", "pub object: IdOrNestedObject<Follow>");
        assert_eq!(
            kinds(&serde_changes(base, &wrapped)),
            vec![("type-widened", OldReaders)]
        );
        let other = base.replace("pub object: Follow", "pub object: Vote");
        assert_eq!(kinds(&serde_changes(base, &other)), vec![("type-changed", Both)]);
    }

    #[test]
    fn more_field_attributes() {
        let base = "#[derive(Serialize, Deserialize)]\npub struct A {\n    pub name: String,\n    pub age: u8,\n}\n";
        let edit = |from: &str, to: &str| {
            kinds(&serde_changes(base, &base.replace(from, to)))
                .into_iter()
                .map(|(k, d)| (k.to_string(), d))
                .collect::<Vec<_>>()
        };
        // skip_serializing_if: the key may be left out, which old readers require.
        assert_eq!(
            edit(
                "    pub name: String,",
                "    #[serde(skip_serializing_if = \"String::is_empty\")]\n    pub name: String,"
            ),
            vec![("optionality-loosened".to_string(), OldReaders)]
        );
        // skip: the key is neither read nor written any more.
        assert_eq!(
            edit("    pub age: u8,", "    #[serde(skip)]\n    pub age: u8,"),
            vec![("field-removed".to_string(), OldReaders)]
        );
        // skip_deserializing: new code ignores the stored key; nothing breaks a reader.
        assert_eq!(
            edit("    pub age: u8,", "    #[serde(skip_deserializing)]\n    pub age: u8,"),
            vec![]
        );
        // rename(deserialize = …) only: reads a new key, still writes the old one.
        assert_eq!(
            edit(
                "    pub name: String,",
                "    #[serde(rename(deserialize = \"full_name\"))]\n    pub name: String,"
            ),
            vec![("field-renamed".to_string(), ReadsOldData)]
        );
        // from: the shape is another type's.
        assert_eq!(
            edit("pub struct A {", "#[serde(from = \"RawA\")]\npub struct A {"),
            vec![("custom-codec-changed".to_string(), Both)]
        );
        // container default: missing keys are filled, so a new field is not required.
        let with_default = base.replace("pub struct A {", "#[serde(default)]\npub struct A {");
        assert!(serde_changes(
            &with_default,
            &with_default.replace("    pub age: u8,\n", "    pub age: u8,\n    pub city: String,\n")
        )
        .is_empty());
    }

    #[test]
    fn more_enum_attributes() {
        let e = "#[derive(Serialize, Deserialize)]\n#[serde(tag = \"t\", content = \"c\")]\npub enum E {\n    A { x: i32 },\n    #[serde(other)]\n    Unknown,\n}\n";
        // The old enum has #[serde(other)]: a new variant does not break old readers.
        assert!(serde_changes(
            e,
            &e.replace("    #[serde(other)]", "    B { y: i32 },\n    #[serde(other)]")
        )
        .is_empty());
        // content key renamed: every stored value changes layout.
        assert_eq!(
            kinds(&serde_changes(e, &e.replace("content = \"c\"", "content = \"data\""))),
            vec![("enum-repr-changed", Both)]
        );
        // rename_all_fields renames the fields of struct variants.
        let f = "#[derive(Serialize, Deserialize)]\npub enum F {\n    Move { dest_x: i32 },\n}\n";
        let got = serde_changes(
            f,
            &f.replace(
                "pub enum F {",
                "#[serde(rename_all_fields = \"camelCase\")]\npub enum F {",
            ),
        );
        assert_eq!(got.len(), 1, "{got:?}");
        // A variant alias keeps old data readable.
        let g = "#[derive(Serialize, Deserialize)]\npub enum G {\n    Old,\n}\n";
        assert_eq!(
            kinds(&serde_changes(
                g,
                &g.replace("    Old,", "    #[serde(alias = \"Old\")]\n    New,")
            )),
            vec![("variant-renamed", OldReaders)]
        );
    }

    #[test]
    fn string_to_enum_narrows() {
        let old = "#[derive(Serialize, Deserialize)]\npub struct O { pub status: String }\n";
        let new = "#[derive(Serialize, Deserialize)]\npub enum Status { Active }\n#[derive(Serialize, Deserialize)]\npub struct O { pub status: Status }\n";
        assert_eq!(kinds(&serde_changes(old, new)), vec![("type-narrowed", ReadsOldData)]);
    }
}
