//! Column types from the schema files frameworks keep beside their migrations (Rails
//! `db/schema.rb` or `db/structure.sql`, Diesel `schema.rs`), old and new, and from the earlier SQL migrations of a
//! folder, so that a statement that restates a whole column (`change_column`, MySQL `MODIFY`)
//! can be told apart from a real type change, and a widening from a narrowing.

use super::ops::{Op, OpKind};
use crate::classify::{migration_root, FileKind, MigrationFormat, MigrationRole};
use crate::config::Dialect;
use crate::diff::{ChangeSet, FileStatus, TreeFile};
use crate::text::natural;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::rc::Rc;

/// (table, column) → the column's type as the schema file writes it (with limit, unsigned).
pub type ColumnTypes = HashMap<(String, String), String>;

/// (table, column) → (type before, type after), for the columns whose type changes.
pub type Retyped = HashMap<(String, String), (String, String)>;

/// Rails `db/schema.rb`: `create_table "tags"` blocks of `t.string "tag", limit: 25`.
fn rails(text: &str) -> ColumnTypes {
    let mut out = ColumnTypes::new();
    let mut table: Option<String> = None;
    for line in text.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("create_table ") {
            table = quoted(rest).map(str::to_lowercase);
            continue;
        }
        if line == "end" {
            table = None;
            continue;
        }
        let (Some(t), Some(rest)) = (&table, line.strip_prefix("t.")) else {
            continue;
        };
        let Some((ty, args)) = rest.split_once(' ') else {
            continue;
        };
        // `t.index [...]`, `t.check_constraint "…"`: not columns.
        if matches!(ty, "index" | "check_constraint" | "foreign_key" | "timestamps") {
            continue;
        }
        let Some(column) = quoted(args) else { continue };
        let mut key = ty.to_string();
        for part in args.split(',').map(str::trim) {
            if part.starts_with("limit:")
                || part.starts_with("unsigned:")
                || part.starts_with("precision:")
                || part.starts_with("scale:")
            {
                key.push(' ');
                key.push_str(part);
            }
        }
        out.insert((t.clone(), column.to_lowercase()), key);
    }
    out
}

/// Diesel `schema.rs`: `table! { users (id) { name -> Varchar, } }`.
fn diesel(text: &str) -> ColumnTypes {
    let mut out = ColumnTypes::new();
    let mut table: Option<String> = None;
    // `#[max_length = 20]` above a column sizes it (Diesel 2.1).
    let mut max_length: Option<String> = None;
    for line in text.lines().map(str::trim) {
        if line.ends_with('{') && line.contains('(') && !line.contains("table!") {
            table = line.split(['(', ' ']).next().map(|t| t.trim().to_lowercase());
            continue;
        }
        if let Some(n) = line.strip_prefix("#[max_length").and_then(|r| r.split_once('=')) {
            max_length = Some(n.1.trim().trim_end_matches(']').trim().to_string());
            continue;
        }
        if line.starts_with('}') {
            table = None;
            continue;
        }
        let (Some(t), Some((column, ty))) = (&table, line.split_once("->")) else {
            continue;
        };
        let column = column.trim().trim_start_matches("r#").to_lowercase();
        let ty = ty.trim().trim_end_matches(',').trim();
        let ty = ty
            .strip_prefix("Nullable<")
            .and_then(|t| t.strip_suffix('>'))
            .unwrap_or(ty);
        let ty = match max_length.take() {
            Some(n) => format!("{ty}({n})"),
            None => ty.to_string(),
        };
        out.insert((t.clone(), column), ty);
    }
    out
}

/// Rails `db/structure.sql`: the `pg_dump` of the schema, `CREATE TABLE public.users (…)`.
fn structure(text: &str) -> ColumnTypes {
    super::sql::column_types(text, Dialect::Postgres).into_iter().collect()
}

/// An integer type's width in bytes and whether it is unsigned, as SQL, a Rails schema
/// (`integer limit: 8`, `bigint unsigned: true`) or Diesel (`Int4`, `BigInt`) writes it.
pub fn integer_width(type_name: &str) -> Option<(u8, bool)> {
    let t = type_name.to_lowercase();
    let unsigned = t.contains("unsigned");
    let base = t.split([' ', '(', ',']).next().unwrap_or("");
    let width = match base {
        "tinyint" => 1,
        "smallint" | "int2" | "smallserial" => 2,
        "mediumint" => 3,
        "int" | "integer" | "int4" | "serial" => 4,
        "bigint" | "int8" | "bigserial" => 8,
        _ => return None,
    };
    // Rails writes the width of an `integer` as its byte limit.
    let limit = t
        .split("limit:")
        .nth(1)
        .and_then(|r| r.trim().split(|c: char| !c.is_ascii_digit()).next()?.parse().ok());
    Some((limit.filter(|_| base == "integer").unwrap_or(width), unsigned))
}

fn quoted(s: &str) -> Option<&str> {
    let start = s.find('"')? + 1;
    let end = s[start..].find('"')? + start;
    Some(&s[start..end])
}

/// The columns whose type the change's schema files show changing: (table, column) → (old, new);
/// and every column the new schema files know, to tell "unchanged" from "not known".
pub fn retyped(change: &ChangeSet) -> (Retyped, ColumnTypes) {
    let mut changed = HashMap::new();
    let mut known = ColumnTypes::new();
    for file in &change.files {
        let read: fn(&str) -> ColumnTypes = if file.path.ends_with("schema.rb") {
            rails
        } else if file.path.ends_with("schema.rs") {
            diesel
        } else if file.path.ends_with("db/structure.sql") {
            structure
        } else {
            continue;
        };
        let (Some(old), Some(new)) = (file.old_text.get(), file.new_text.get()) else {
            continue;
        };
        let (old, new) = (read(old), read(new));
        for (key, ty) in &new {
            if let Some(before) = old.get(key).filter(|b| *b != ty) {
                changed.insert(key.clone(), (before.clone(), ty.clone()));
            }
        }
        known.extend(new);
    }
    (changed, known)
}

/// Whether every Rails schema file the change updates is a PostgreSQL dump (it enables
/// `plpgsql`; Rails 7.2 writes `pg_catalog.plpgsql`). A multi-database app with one MySQL
/// schema among them is not.
pub fn postgres_schema(change: &ChangeSet) -> bool {
    let mut schemas = change
        .files
        .iter()
        .filter(|f| f.path.ends_with("schema.rb"))
        .filter_map(|f| f.old_text.get())
        .peekable();
    schemas.peek().is_some() && schemas.all(|t| t.contains("plpgsql\""))
}

/// Crates that decode each column into a fixed Rust type (Diesel's `i32` refuses an `int8`,
/// sqlx checks the column type): code built for an old column type fails on the new one.
pub const TYPED_ROW_CRATES: &[&str] = &["diesel", "sqlx", "sea-orm", "tokio-postgres", "rusqlite"];

/// Whether a `Cargo.toml` of the tree, or one the change edits as it was before, names one of
/// `crates`. The base counts too: the change under review cannot drop a dependency to hide.
pub fn manifests_mention(change: &ChangeSet, crates: &[&str]) -> bool {
    let manifest = |p: &str| p == "Cargo.toml" || p.ends_with("/Cargo.toml");
    let mentions = |t: Option<&str>| t.is_some_and(|t| crates.iter().any(|c| t.contains(c)));
    change
        .tree
        .iter()
        .filter(|f| manifest(&f.path))
        .any(|f| mentions(f.text.get()))
        || change
            .files
            .iter()
            .filter(|f| manifest(&f.path))
            .any(|f| mentions(f.old_text.get()))
}

/// The column types each earlier migration sets, parsed once per file for the whole change:
/// many files of one folder ask for the state before them.
#[derive(Default)]
pub struct ParsedMigrations(std::cell::RefCell<HashMap<String, Rc<ColumnList>>>);

/// The (table, column) → type pairs one migration sets, in its order.
type ColumnList = Vec<((String, String), String)>;

impl ParsedMigrations {
    fn column_types(
        &self,
        change: &ChangeSet,
        file: &TreeFile,
        dialect: Dialect,
    ) -> std::rc::Rc<Vec<((String, String), String)>> {
        if let Some(known) = self.0.borrow().get(&file.path) {
            return known.clone();
        }
        let parsed = Rc::new(super::sql::column_types(
            change.text_before_change(file).unwrap_or(""),
            dialect,
        ));
        self.0.borrow_mut().insert(file.path.clone(), parsed.clone());
        parsed
    }
}

/// The up-migrations of `path`'s folder that the tool applies before it, in that order.
fn earlier_ups<'a>(change: &'a ChangeSet, path: &str, format: MigrationFormat) -> Vec<&'a TreeFile> {
    let root = format!("{}/", migration_root(path, format));
    let mut earlier: Vec<&TreeFile> = change
        .tree
        .iter()
        .filter(|t| t.path.starts_with(&root) && natural(&t.path, path) == Ordering::Less)
        // `x.mysql.up.sql` and `x.postgres.up.sql` (gobuffalo/pop) run against other databases.
        .filter(|t| match (database_in_name(&t.path), database_in_name(path)) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        })
        .filter(|t| {
            matches!(
                t.kind,
                FileKind::Migration {
                    role: MigrationRole::Up,
                    ..
                }
            )
        })
        .collect();
    // Where a version has a file for this database, the tool runs it in place of the generic one.
    if database_in_name(path).is_some() {
        let version = |p: &str| {
            p.rsplit('/')
                .next()
                .unwrap_or(p)
                .split(['_', '.'])
                .next()
                .map(str::to_string)
        };
        // Only a database's file the base has: one the change adds never ran where the version
        // already did, and cannot stand in for the generic file there.
        let added = |p: &str| {
            change
                .files
                .iter()
                .any(|f| f.path == p && f.status == crate::model::FileStatus::Added)
        };
        let specific: Vec<Option<String>> = earlier
            .iter()
            .filter(|t| database_in_name(&t.path).is_some() && !added(&t.path))
            .map(|t| version(&t.path))
            .collect();
        earlier.retain(|t| database_in_name(&t.path).is_some() || !specific.contains(&version(&t.path)));
    }
    earlier.sort_by(|a, b| natural(&a.path, &b.path));
    earlier
}

/// The database a migration's file name says it is for (`…_fks.mysql.up.sql`), if any.
fn database_in_name(path: &str) -> Option<&'static str> {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    name.split('.').find_map(|part| match part {
        "mysql" | "mariadb" => Some("mysql"),
        "postgres" | "postgresql" | "pg" => Some("postgres"),
        "sqlite" | "sqlite3" => Some("sqlite"),
        "cockroach" | "cockroachdb" | "crdb" => Some("cockroach"),
        _ => None,
    })
}

/// Column types as the earlier up-migrations of `path`'s folder leave them (those the change
/// edits as they were), in the order the tool applies them: the state a retyping statement
/// starts from.
pub fn sql_state_before(
    change: &ChangeSet,
    path: &str,
    format: MigrationFormat,
    dialect: Dialect,
    parsed: &ParsedMigrations,
) -> ColumnTypes {
    let mut state = ColumnTypes::new();
    for t in earlier_ups(change, path, format) {
        for (key, ty) in parsed.column_types(change, t, dialect).iter() {
            state.insert(key.clone(), ty.clone());
        }
    }
    state
}

/// Each column a statement retypes: (table, column) lowercased, the statement's type, the op.
pub fn retypes(ops: &[Op]) -> impl Iterator<Item = (String, String, &str, &Op)> {
    ops.iter().filter_map(|op| match &op.kind {
        OpKind::AlterColumnType {
            table,
            column,
            type_name,
            ..
        } => Some((table.to_lowercase(), column.to_lowercase(), type_name.as_str(), op)),
        _ => None,
    })
}

/// With no schema file in the change, the base tree's Rails `db/schema.rb` says what each
/// column a `change_column` retypes was: (old, new) where the kind of type changes (`integer`
/// → `string`, `integer` → `bigint`). The same kind with other options stays a restatement
/// whose effect is not known.
pub fn rails_base_retypes(change: &ChangeSet, ops: &[Op]) -> Retyped {
    let mut out = Retyped::new();
    // The options that make a Rails type (`limit: 8`, `unsigned: true`), written as the schema
    // file writes them.
    let with_options = |type_name: &str, statement: &str| {
        let mut ty = type_name.to_lowercase();
        let lower = statement.to_lowercase();
        for option in ["limit:", "unsigned:"] {
            if let Some(rest) = lower.split(option).nth(1) {
                let value: String = rest
                    .trim_start()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric())
                    .collect();
                ty.push_str(&format!(" {option} {value}"));
            }
        }
        ty
    };
    let wanted: Vec<(String, String, String)> = retypes(ops)
        .map(|(table, column, type_name, op)| (table, column, with_options(type_name, &op.statement)))
        .collect();
    let schema_file = |p: &str| p.ends_with("db/schema.rb") || p.ends_with("db/structure.sql");
    if wanted.is_empty() || change.files.iter().any(|f| schema_file(&f.path)) {
        return out;
    }
    let Some(text) = change
        .tree
        .iter()
        .find(|t| t.path.ends_with("db/schema.rb"))
        .and_then(|t| t.text.get())
    else {
        return out;
    };
    let types = rails(text);
    let kind = |t: &str| {
        integer_width(t).map_or_else(
            || t.split_whitespace().next().unwrap_or("").to_string(),
            |w| format!("{w:?}"),
        )
    };
    for (table, column, new) in wanted {
        if let Some(old) = types.get(&(table.clone(), column.clone())) {
            if kind(old) != kind(&new) {
                out.insert((table, column), (old.clone(), new));
            }
        }
    }
    out
}

/// Tables the file drops `IF EXISTS` and then creates again (`DROP TABLE IF EXISTS t; CREATE
/// TABLE t …`) that no earlier migration of its folder names at all: there was nothing in them
/// to lose. A plain `DROP TABLE` only succeeds on a table that exists.
pub fn recreated_new_tables(change: &ChangeSet, path: &str, format: MigrationFormat, ops: &[Op]) -> Vec<String> {
    let recreated: Vec<&String> = ops
        .iter()
        .enumerate()
        .filter(|(_, op)| op.statement.to_lowercase().contains(" if exists"))
        .flat_map(|(i, op)| match &op.kind {
            OpKind::DropTable { tables } => tables
                .iter()
                .filter(|t| {
                    ops[i + 1..]
                        .iter()
                        .any(|later| matches!(&later.kind, OpKind::CreateTable { table, .. } if table == *t))
                })
                .collect(),
            _ => Vec::new(),
        })
        .collect();
    if recreated.is_empty() {
        return Vec::new();
    }
    // Any mention counts (CREATE TABLE … AS, LIKE, RENAME TO, SQL no parser reads).
    let earlier: Vec<&str> = earlier_ups(change, path, format)
        .into_iter()
        .filter_map(|t| change.text_before_change(t))
        .collect();
    recreated
        .into_iter()
        .filter(|t| {
            !earlier
                .iter()
                .any(|text| crate::text::words(text).any(|w| w.eq_ignore_ascii_case(t)))
        })
        .cloned()
        .collect()
}

/// The views (plain or materialized) the base's migrations of `path`'s folder create and do not
/// drop again, when that folder is ClickHouse's (a `clickhouse` folder, or `ENGINE = …MergeTree`
/// tables): only ClickHouse drops a view with `DROP TABLE`; elsewhere a `DROP TABLE` that runs
/// dropped a table. Names keep their database (`analytics.stats_mv`); comments are not read.
/// Read only when the file drops a table.
pub fn clickhouse_views(change: &ChangeSet, path: &str, format: MigrationFormat) -> std::collections::HashSet<String> {
    static VIEW: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    static DROP: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let view = VIEW.get_or_init(|| {
        regex::Regex::new(
            r#"(?i)\bcreate\s+(?:or\s+replace\s+)?(?:materialized\s+)?view\s+(?:if\s+not\s+exists\s+)?([\w"`.]+)"#,
        )
        .expect("view regex compiles")
    });
    let drop = DROP.get_or_init(|| {
        regex::Regex::new(r#"(?i)\bdrop\s+(?:table|view)\s+(?:if\s+exists\s+)?([\w"`.]+)"#)
            .expect("drop regex compiles")
    });
    let folder = super::versions::versions_folder(path, format);
    let mut texts: Vec<(&str, String)> = change
        .tree
        .iter()
        .filter(|t| {
            matches!(
                t.kind,
                FileKind::Migration {
                    role: MigrationRole::Up,
                    ..
                }
            ) && super::versions::versions_folder(&t.path, format) == folder
                && !change
                    .files
                    .iter()
                    .any(|f| f.path == t.path && f.status == FileStatus::Added)
        })
        .filter_map(|t| {
            let code: String = change
                .text_before_change(t)?
                .lines()
                .map(|l| l.split("--").next().unwrap_or(""))
                .collect::<Vec<_>>()
                .join("\n");
            Some((t.path.as_str(), code))
        })
        .collect();
    let clickhouse = path.to_lowercase().contains("clickhouse")
        || texts.iter().any(|(_, code)| code.to_lowercase().contains("mergetree"));
    if !clickhouse {
        return Default::default();
    }
    texts.sort_by(|a, b| natural(a.0, b.0));
    let name = |n: &str| n.trim_matches(['"', '`']).replace(['"', '`'], "").to_lowercase();
    let mut views = std::collections::HashSet::new();
    for (_, code) in &texts {
        // In file order: a view dropped again (or a table of its name made) no longer is one.
        let mut events: Vec<(usize, String, bool)> = view
            .captures_iter(code)
            .map(|c| (c.get(0).map_or(0, |m| m.start()), name(&c[1]), true))
            .chain(
                drop.captures_iter(code)
                    .map(|c| (c.get(0).map_or(0, |m| m.start()), name(&c[1]), false)),
            )
            .collect();
        events.sort();
        for (_, n, created) in events {
            if created {
                views.insert(n);
            } else {
                views.remove(&n);
            }
        }
    }
    views
}

/// The columns a Rails migration drops `if_exists: true` that the base's `db/schema.rb` does not
/// show in a table it knows (a column added outside migrations, or already gone): whether there
/// is anything to drop is not known, so no loss is.
///
/// Only for `db/migrate/` at the root, whose schema that file is (not another database's
/// `db/<name>_migrate/`, not an engine's).
pub fn rails_drops_of_unknown_columns(
    change: &ChangeSet,
    path: &str,
    ops: &[Op],
) -> std::collections::HashSet<(String, String)> {
    if !path.starts_with("db/migrate/") {
        return Default::default();
    }
    let guarded: Vec<(&String, &String)> = ops
        .iter()
        .filter(|op| {
            let code = super::code_reads::without_strings(&op.statement);
            let squashed: String = code.chars().filter(|c| !c.is_whitespace()).collect();
            squashed.contains("if_exists:true") || squashed.contains(":if_exists=>true")
        })
        .filter_map(|op| match &op.kind {
            OpKind::DropColumn { table, column } => Some((table, column)),
            _ => None,
        })
        .collect();
    if guarded.is_empty() {
        return Default::default();
    }
    let Some(text) = change
        .tree
        .iter()
        .find(|t| t.path == "db/schema.rb")
        .and_then(|t| change.text_before_change(t))
    else {
        return Default::default();
    };
    let known = rails(text);
    guarded
        .into_iter()
        .filter(|(table, column)| {
            known.keys().any(|(t, _)| t == *table) && !known.contains_key(&((*table).clone(), (*column).clone()))
        })
        .map(|(t, c)| (t.clone(), c.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rails_and_diesel_schemas() {
        let r = rails("ActiveRecord::Schema.define do\n  create_table \"tags\", force: :cascade do |t|\n    t.string \"tag\", limit: 25, null: false, collation: \"NOCASE\"\n    t.bigint \"user_id\", unsigned: true\n    t.index [\"tag\"], name: \"index_tags_on_tag\"\n  end\nend\n");
        assert_eq!(r.len(), 2, "an index is not a column: {r:?}");
        assert_eq!(r[&("tags".into(), "tag".into())], "string limit: 25");
        assert_eq!(r[&("tags".into(), "user_id".into())], "bigint unsigned: true");
        let d = diesel("diesel::table! {\n    users (uuid) {\n        uuid -> Text,\n        name -> Nullable<Varchar>,\n    }\n}\n");
        assert_eq!(d[&("users".into(), "name".into())], "Varchar");
        assert_eq!(d[&("users".into(), "uuid".into())], "Text");
        let s = structure("SET statement_timeout = 0;\nCREATE TABLE public.users (\n    id bigint NOT NULL,\n    name character varying(50)\n);\nCREATE INDEX index_users_on_name ON public.users USING btree (name);\n");
        assert_eq!(s[&("users".into(), "name".into())], "character varying(50)");
        assert_eq!(s[&("users".into(), "id".into())], "bigint");
    }
}
