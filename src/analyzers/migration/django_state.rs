//! What the app's earlier migrations say about one Django migration's operations: Django
//! restates a whole field in `AlterField`, names fields apart from their columns
//! (`db_column`), and keeps many-to-many links and proxies outside any column.

use super::frameworks::django::{self, FieldDefinition};
use super::ops::{Op, OpKind};
use super::schema_state::Retyped;
use crate::diff::{ChangeSet, FileStatus, TreeFile};
use std::collections::{HashMap, HashSet};

/// A (model, field) pair, lowercased.
type FieldKey = (String, String);

#[derive(Default)]
pub struct DjangoState {
    /// The fields this migration's `AlterField`s retype: (type before, type after).
    pub retyped: Retyped,
    /// The fields its `AlterField`s restate with the type they had.
    unchanged: HashSet<FieldKey>,
    /// What it may remove that has no table or column: a proxy model as `(model, "")`, a
    /// generic relation, tag manager or many-to-many field `through` a model of its own.
    nothing_stored: HashSet<FieldKey>,
    /// Many-to-many fields Django keeps in a join table of their own.
    join_tables: HashSet<FieldKey>,
    /// The app's label (the folder that holds `migrations/`): join tables are `app_model_field`.
    app: String,
    /// Fields whose column is named by `db_column`, with the line of this migration from
    /// which that holds (0: from earlier migrations): renaming the field keeps the column.
    fixed_columns: HashMap<FieldKey, u32>,
    /// A squash the change adds of migrations the base already has: it runs only where none
    /// of them ran (a fresh database, built anew); databases with data recorded the originals.
    squashes_applied: bool,
}

/// The label an app's `AppConfig` sets (`label = "rpm"` in `apps.py` or `__init__.py` beside
/// `migrations/`): Django names the app's tables after it, not after the folder.
fn app_label(change: &ChangeSet, app_dir: &str) -> Option<String> {
    static LABEL: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let label = LABEL.get_or_init(|| regex::Regex::new(r#"(?m)^\s+label\s*=\s*["'](\w+)["']"#).expect("valid"));
    ["apps.py", "__init__.py"].iter().find_map(|name| {
        let path = if app_dir.is_empty() {
            name.to_string()
        } else {
            format!("{app_dir}/{name}")
        };
        let file = change.tree.iter().find(|t| t.path == path)?;
        let text = change.text_before_change(file)?;
        if !text.contains("AppConfig") {
            return None;
        }
        Some(label.captures(text)?[1].to_lowercase())
    })
}

/// `RenameField(model, from, to)`: the field keeps its definition under its new name.
fn rename(fields: &mut HashMap<FieldKey, FieldDefinition>, model: String, from: String, to: String) {
    if let Some(mut definition) = fields.remove(&(model.clone(), from)) {
        definition.key = (model.clone(), to.clone());
        fields.insert((model, to), definition);
    }
}

impl DjangoState {
    /// The app's earlier migrations, read from the head tree in name order, then `text`.
    pub fn before(change: &ChangeSet, path: &str, text: &str) -> DjangoState {
        let Some((dir, name)) = path.rsplit_once('/') else {
            return DjangoState::default();
        };
        let mut earlier: Vec<&TreeFile> = change
            .tree
            .iter()
            .filter(|t| {
                t.path
                    .rsplit_once('/')
                    .is_some_and(|(d, n)| d == dir && n.ends_with(".py") && n < name && n != "__init__.py")
            })
            .collect();
        earlier.sort_by(|a, b| a.path.cmp(&b.path));
        let replaced = django::replaced(text);
        let added = |p: &str| {
            change
                .files
                .iter()
                .any(|f| f.path == p && f.status == FileStatus::Added)
        };
        // A replaced migration the change deletes may come back paired with the squash or another
        // file as a rename: it existed in the base all the same.
        let applied = |name: &str| {
            let p = format!("{dir}/{name}.py");
            let kept = change.tree.iter().any(|t| t.path == p) && !added(&p);
            kept || change.files.iter().any(|f| {
                (f.path == p && f.status == FileStatus::Deleted)
                    || (f.status == FileStatus::Renamed && f.old_path.as_deref() == Some(p.as_str()))
            })
        };
        // A squash git paired with one of the migrations it replaces is new all the same.
        let new_squash = |p: &str| {
            added(p)
                || change.files.iter().any(|f| {
                    f.path == p
                        && f.status == FileStatus::Renamed
                        && f.old_path.as_deref().is_some_and(|old| {
                            let old_name = old.rsplit('/').next().unwrap_or(old).trim_end_matches(".py");
                            replaced.iter().any(|(_, name)| name == old_name)
                        })
                })
        };
        let folder = dir.rsplit('/').nth(1).unwrap_or("");
        let app =
            app_label(change, dir.rsplit_once('/').map_or("", |(d, _)| d)).unwrap_or_else(|| folder.to_lowercase());
        let squashes_applied = new_squash(path)
            && !replaced.is_empty()
            && replaced
                .iter()
                .all(|(a, name)| (a.eq_ignore_ascii_case(&app) || a.eq_ignore_ascii_case(folder)) && applied(name));
        let mut fields: HashMap<FieldKey, FieldDefinition> = HashMap::new();
        let mut state = DjangoState {
            app,
            squashes_applied,
            ..DjangoState::default()
        };
        for t in earlier {
            let text = change.text_before_change(t).unwrap_or("");
            for definition in django::field_definitions(text) {
                fields.insert(definition.key.clone(), definition);
            }
            for (model, from, to, _) in django::renamed_fields(text) {
                rename(&mut fields, model, from, to);
            }
            for model in django::proxy_models(text) {
                state.nothing_stored.insert((model, String::new()));
            }
        }
        for (key, definition) in &fields {
            if django::has_no_column(&definition.type_name) {
                state.nothing_stored.insert(key.clone());
            } else if definition.type_name == "manytomany" {
                state.join_tables.insert(key.clone());
            }
            if definition.db_column {
                state.fixed_columns.insert(key.clone(), 0);
            }
        }
        // This migration's own operations in their order: an `AlterField` compares with the
        // field as the operations before it leave it (added, renamed or removed here).
        let mut renames = django::renamed_fields(text).into_iter().peekable();
        for definition in django::field_definitions(text) {
            while let Some((model, from, to, _)) = renames.next_if(|r| r.3 < definition.line) {
                rename(&mut fields, model, from, to);
            }
            if definition.db_column {
                state
                    .fixed_columns
                    .entry(definition.key.clone())
                    .or_insert(definition.line);
            }
            let key = definition.key.clone();
            if definition.alters {
                let ty = definition.type_name.clone();
                match fields.get(&key).map(|d| &d.type_name) {
                    Some(before) if *before == ty => {
                        state.unchanged.insert(key.clone());
                    }
                    // A longer limit rewrites nothing; the way back may not fit: a hint, as restated.
                    Some(before) if django::only_lengthens(before, &ty) => {}
                    // An integer made a foreign key (or back) keeps an integer column whose
                    // width the referenced key decides: not known here. A `smallint` narrows.
                    Some(before)
                        if [before.as_str(), ty.as_str()].contains(&"foreign key")
                            && [before.as_str(), ty.as_str()]
                                .iter()
                                .any(|t| ["integer", "bigint"].contains(t)) => {}
                    // A project's own field class, or a size named by a constant, hides the
                    // column: a restatement, as if unknown.
                    Some(before)
                        if !django::is_known_field(before)
                            || !django::is_known_field(&ty)
                            || before.contains("=?")
                            || ty.contains("=?") => {}
                    Some(before) => {
                        state.retyped.insert(key.clone(), (before.clone(), ty));
                    }
                    None => {}
                }
            }
            fields.insert(key, definition);
        }
        state
    }

    /// The operations as the database sees them: restated fields, proxies, relations kept
    /// elsewhere and renames of a field whose column keeps its name leave; removing a
    /// many-to-many field drops its join table.
    pub fn judged(&self, ops: Vec<Op>) -> Vec<Op> {
        let key = |t: &str, c: &str| (t.to_lowercase(), c.to_lowercase());
        let stores = |t: &str, c: &str| !self.nothing_stored.contains(&key(t, c));
        if self.squashes_applied {
            return ops
                .into_iter()
                .filter(|op| matches!(op.kind, OpKind::CreateTable { .. } | OpKind::AddColumn { .. }))
                .collect();
        }
        ops.into_iter()
            .filter_map(|mut op| {
                let keep = match &op.kind {
                    OpKind::AlterColumnType { table, column, .. } => !self.unchanged.contains(&key(table, column)),
                    OpKind::DropTable { tables } => tables.iter().any(|t| stores(t, "")),
                    OpKind::DropColumn { table, column } => stores(table, column),
                    OpKind::RenameColumn { table, from, .. } => self
                        .fixed_columns
                        .get(&key(table, from))
                        .is_none_or(|from_line| *from_line > op.line),
                    _ => true,
                };
                if let OpKind::DropColumn { table, column } = &op.kind {
                    if self.join_tables.contains(&key(table, column)) {
                        op.kind = OpKind::DropTable {
                            tables: vec![format!("{}_{table}_{column}", self.app)
                                .trim_start_matches('_')
                                .to_string()],
                        };
                    }
                }
                keep.then_some(op)
            })
            .collect()
    }
}
