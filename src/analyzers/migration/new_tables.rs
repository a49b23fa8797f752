//! The tables the migrations a change adds create, directly or by renaming a table created
//! earlier in the change: to the change's other migrations they are new, so dropping or
//! renaming them loses nothing.

use super::frameworks;
use super::ops::OpKind;
use super::{MigrationFormat, MigrationRole, Read};
use crate::diff::FileStatus;
use std::collections::HashSet;

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
