//! The tables the migrations a change adds create, directly or by renaming a table created
//! earlier in the change: to the change's other migrations they are new, so dropping or
//! renaming them loses nothing.

use super::frameworks;
use super::ops::OpKind;
use super::{MigrationFormat, MigrationRole, Read};
use crate::diff::FileStatus;
use std::collections::HashSet;

/// Whether a migration the base already has (in the folder of `path`) creates `table`: then a
/// migration the change adds that creates it again (with an old version, say) does not make it
/// new to the other files of the change. Read once per folder, only when an added migration
/// creates a table.
pub(super) struct BaseCreates<'c> {
    change: &'c crate::diff::ChangeSet,
    texts: std::cell::RefCell<std::collections::HashMap<String, std::rc::Rc<String>>>,
}

impl<'c> BaseCreates<'c> {
    pub(super) fn new(change: &'c crate::diff::ChangeSet) -> Self {
        BaseCreates {
            change,
            texts: Default::default(),
        }
    }

    pub(super) fn creates(&self, path: &str, format: MigrationFormat, table: &str) -> bool {
        let root = format!("{}/", crate::classify::migration_root(path, format));
        let text = self
            .texts
            .borrow_mut()
            .entry(root.clone())
            .or_insert_with(|| {
                let added = |p: &str| {
                    self.change
                        .files
                        .iter()
                        .any(|f| f.path == p && f.status == FileStatus::Added)
                };
                let mut all = String::new();
                for t in self.change.tree.iter().filter(|t| {
                    t.path.starts_with(&root)
                        && matches!(t.kind, crate::model::FileKind::Migration { .. })
                        && !added(&t.path)
                }) {
                    if let Some(text) = self.change.text_before_change(t) {
                        all.push_str(&text.to_lowercase());
                        all.push('\n');
                    }
                }
                std::rc::Rc::new(all)
            })
            .clone();
        let t = table
            .rsplit('.')
            .next()
            .unwrap_or(table)
            .trim_matches(['"', '`'])
            .to_lowercase();
        [
            "create table ",
            "create table if not exists ",
            "create_table :",
            "create_table \"",
            "create_table '",
        ]
        .iter()
        .flat_map(|lead| ["", "\"", "`", "["].map(|q| format!("{lead}{q}{t}")))
        .any(|needle| {
            text.match_indices(&needle)
                .any(|(at, _)| !text[at + needle.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_'))
        })
    }
}

/// Per added up-migration, the tables it makes new; `same_database` says which of them see each
/// other's tables.
pub(super) fn created_by_added<'r, 'a>(
    reads: &'r [Read<'a>],
    same_database: impl Fn(&Read<'_>, &Read<'_>) -> bool,
) -> Vec<(&'r Read<'a>, HashSet<String>)> {
    let mut created_by_added: Vec<(&Read, HashSet<String>)> = reads
        .iter()
        .filter(|r| r.file.status == FileStatus::Added && r.role == MigrationRole::Up)
        .map(|r| {
            let tables = r
                .script
                .ops
                .iter()
                .filter_map(|op| match &op.kind {
                    OpKind::CreateTable { table, .. } | OpKind::CreateTableAs { table, .. } => Some(table.clone()),
                    _ => None,
                })
                .collect();
            (r, tables)
        })
        .collect();
    // A table one of them renames a new table to is new as well (a vendored engine's whole
    // migration history added at once: `create_table :systems`, then `rename_table :systems,
    // :applications`, then `drop_table :applications`). In path order and per database: a rename
    // of a table that existed before, even one an added migration creates again later (a
    // rebuild), stays a rename of data. A squash runs only on fresh databases.
    let mut order: Vec<usize> = (0..created_by_added.len()).collect();
    order.sort_by(|a, b| created_by_added[*a].0.file.path.cmp(&created_by_added[*b].0.file.path));
    let mut walked: Vec<(&Read, HashSet<String>)> = Vec::new();
    for i in order {
        let r = created_by_added[i].0;
        let squashed = r.format == MigrationFormat::Django
            && !frameworks::django::replaced(r.file.new_text.get().unwrap_or("")).is_empty();
        let mut known: HashSet<String> = walked
            .iter()
            .filter(|(other, _)| same_database(other, r))
            .flat_map(|(_, t)| t.iter().cloned())
            .collect();
        let mut renamed = HashSet::new();
        for op in &r.script.ops {
            match &op.kind {
                OpKind::CreateTable { table, .. } | OpKind::CreateTableAs { table, .. } => {
                    known.insert(table.clone());
                }
                OpKind::RenameTable { from, to } if !squashed && known.contains(from) => {
                    known.insert(to.clone());
                    renamed.insert(to.clone());
                }
                _ => {}
            }
        }
        created_by_added[i].1.extend(renamed);
        walked.push((r, created_by_added[i].1.clone()));
    }
    created_by_added
}

/// (table, column) that edits of the change's earlier up-migrations add: not in their old text,
/// and added by no migration of the folder as the base has it (an edit cannot make an existing
/// column look new to hide its drop).
pub(super) fn columns_edits_add<'r>(
    change: &'r crate::diff::ChangeSet,
    reads: &'r [Read],
    judged: &'r Read,
    same_database: impl Fn(&Read, &Read) -> bool + 'r,
) -> impl Iterator<Item = (String, String)> + 'r {
    // Read only when an edit adds a column, which is rare.
    // Any migration, or the schema file (`db/schema.rb`, `structure.sql`, `schema.rs`), of the
    // base that names the column (or what makes it: `t.references :account` for `account_id`,
    // `t.timestamps` for `created_at`) knows it.
    let schema_file = |p: &str| {
        let name = p.rsplit('/').next().unwrap_or(p);
        matches!(name, "schema.rb" | "structure.sql" | "schema.rs")
    };
    let named_in_base = move |table: &str, column: &str| {
        let mut names = vec![format!("\"{column}\""), format!("'{column}'"), format!(":{column}")];
        if let Some(stem) = column.strip_suffix("_id") {
            names.extend([format!("\"{stem}\""), format!("'{stem}'"), format!(":{stem}")]);
        }
        if matches!(column, "created_at" | "updated_at") {
            names.push("timestamps".to_string());
        }
        change.tree.iter().any(|t| {
            (matches!(t.kind, crate::model::FileKind::Migration { .. }) || schema_file(&t.path))
                && !change
                    .files
                    .iter()
                    .any(|f| f.path == t.path && f.status == FileStatus::Added)
                && change.text_before_change(t).is_some_and(|text| {
                    // Django's `CreateModel` lists its fields as quoted names; Rails names symbols.
                    names.iter().any(|quoted| text.contains(quoted.as_str()))
                        || super::read_file(judged.format, text, judged.dialect)
                            .ops
                            .iter()
                            .any(|op| match &op.kind {
                                OpKind::AddColumn {
                                    table: t, column: c, ..
                                }
                                | OpKind::RenameColumn { table: t, to: c, .. } => t == table && c == column,
                                OpKind::CreateTable { table: t, columns } => {
                                    t == table && columns.iter().any(|c| c == column)
                                }
                                _ => false,
                            })
                })
        })
    };
    reads
        .iter()
        .filter(move |e| e.role == MigrationRole::Up && e.file.path < judged.file.path && same_database(e, judged))
        .filter_map(|e| Some((e, e.old.as_ref()?)))
        .flat_map(|(e, old)| {
            e.script.ops.iter().filter_map(move |op| match &op.kind {
                OpKind::AddColumn { table, column, .. } if !old.ops.iter().any(|o| o.kind == op.kind) => {
                    Some((table.clone(), column.clone()))
                }
                _ => None,
            })
        })
        .filter(move |(table, column)| !named_in_base(table, column))
}
