//! The serde types of both versions of a change, read and matched by name: what the rules
//! compare. Emits no findings of its own beyond the files it could not read.

use super::roles::ChangeNews;
use super::serde_diff::{self, Change, Types};
use super::serde_model::{self, SerdeType};
use crate::analyzers::file_not_analyzed::not_analyzed;
use crate::classify::{FileKind, Language};
use crate::diff::{ChangeSet, FileStatus};
use crate::model::{Direction, Finding};
use std::collections::{BTreeMap, BTreeSet};

/// The serde types of the old and the new version of the change.
pub struct Models {
    pub old: Vec<SerdeType>,
    pub new: Vec<SerdeType>,
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
        if file.status != FileStatus::Added && file.old_text.get().is_some_and(mentions_serde) {
            let read = serde_model::read_types_of(old_path, &file.old_text, change.memo());
            old.extend(read.and_then(Result::ok).unwrap_or_default());
        }
        if file.status != FileStatus::Deleted && file.new_text.get().is_some_and(mentions_serde) {
            match serde_model::read_types_of(&file.path, &file.new_text, change.memo()).unwrap_or(Ok(Vec::new())) {
                Ok(types) => new.extend(types),
                Err(e) => unread.push(not_analyzed(
                    file,
                    &format!("Rust with serde derives that does not parse ({e})"),
                    true,
                )),
            }
        }
    }
    (old, new, unread)
}

/// Identifiers on the added lines of the change's migrations and Diesel `schema.rs` files:
/// the columns this change adds, among other words.
pub fn added_schema_words(change: &ChangeSet) -> BTreeSet<String> {
    change
        .files
        .iter()
        .filter(|f| matches!(f.kind, FileKind::Migration { .. }) || f.path.ends_with("schema.rs"))
        .flat_map(|f| f.added_lines())
        .flat_map(|l| crate::text::words(&l.text).map(str::to_lowercase).collect::<Vec<_>>())
        .collect()
}

/// What the change adds that a role may rest on: functions, and serde types or the types they
/// hold (from the old models of the change's files).
pub fn change_news(change: &ChangeSet, old: &[SerdeType]) -> ChangeNews {
    let mut old_holds: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for t in old {
        old_holds.entry(t.name.clone()).or_default().extend(t.held_names());
    }
    ChangeNews {
        functions: functions_added(change),
        changed_files: change
            .files
            .iter()
            .filter(|f| f.path.ends_with(".rs"))
            .map(|f| f.path.clone())
            .collect(),
        old_holds,
    }
}

/// Per changed Rust file, the functions its new version declares that no old version of the
/// change's files did.
fn functions_added(change: &ChangeSet) -> BTreeMap<String, BTreeSet<String>> {
    let declared = |text: Option<&str>| -> BTreeSet<String> {
        let words: Vec<&str> = crate::text::words(text.unwrap_or("")).collect();
        words
            .windows(2)
            .filter(|w| w[0] == "fn")
            .map(|w| w[1].to_string())
            .collect()
    };
    let rust = || change.files.iter().filter(|f| f.path.ends_with(".rs"));
    // Declared anywhere in the change's old files: a handler moved to another file is not new.
    let before: BTreeSet<String> = rust().flat_map(|f| declared(f.old_text.get())).collect();
    rust()
        .filter_map(|f| {
            let added: BTreeSet<String> = declared(f.new_text.get()).difference(&before).cloned().collect();
            (!added.is_empty()).then(|| (f.path.clone(), added))
        })
        .collect()
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
