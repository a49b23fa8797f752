//! What the migration analyzer knows while it reads a file: the objects the file and the
//! change created, the copies taken, the checks validated. Rules read it; only the reader
//! (`mod.rs`) updates it.

use super::ops::{Filter, Op};
use super::schema_state;
use crate::model::{CodeRule, Dialect, Finding, Severity};
use std::collections::{HashMap, HashSet};

/// A copy of a table's rows (or only its structure) taken in the file.
#[derive(Debug, Clone)]
pub struct Copy {
    pub of: String,
    pub into: String,
    pub line: u32,
    pub with_data: bool,
    /// `None`: every column.
    pub columns: Option<Vec<String>>,
    /// An `UPDATE into … FROM of` (or a subquery of `of`), or code that rewrites the rows a
    /// filter on the column picks: the values moved into `into`'s columns, not copied as rows.
    pub moved: bool,
    /// Another migration of the change that took it, before this one (`line` is then 0).
    pub file: Option<String>,
    /// The columns a `WHERE` of the copy picks rows by (`… WHERE local = true`); `None`: every
    /// row. Such a copy keeps a column's values only where the filter names that column.
    pub picked_by: Option<Vec<String>>,
}

/// What the file has done before the op being judged.
#[derive(Debug, Default)]
pub struct Context {
    pub path: String,
    pub dialect: Dialect,
    pub created_tables: HashSet<String>,
    pub added_columns: HashSet<(String, String)>,
    /// Every copy in the file, before or after the op: a late copy is explained as such.
    pub copies: Vec<Copy>,
    /// (table, column) with a `CHECK (column IS NOT NULL)`, and whether it is validated.
    pub not_null_checks: Vec<(String, String, bool)>,
    /// Objects the matching up-migration creates, when judging a down-migration.
    pub reverted: HashSet<String>,
    /// The framework fills existing rows when it adds a NOT NULL column (Django does, with the
    /// field's default or empty value), so only old code's inserts are at risk.
    pub backfills_new_columns: bool,
    /// A type change restates the whole field (Django `AlterField`), so whether the type
    /// changed at all is not known from this file alone.
    pub restates_fields: bool,
    /// Tables this file creates anywhere: renaming the old table away and creating it again is
    /// a rebuild, not a rename.
    pub created_in_file: HashSet<String>,
    /// Tables that other migrations added by the same change create: new to every database.
    pub created_by_other_files: HashSet<String>,
    /// (table, column) that other migrations added by the same change add: new columns too.
    pub added_by_other_files: HashSet<(String, String)>,
    /// `UPDATE table SET …` statements of the file: (table, columns set, the statement in
    /// lower case, line), to see values moved into another column before a drop.
    pub updates: Vec<(String, Vec<String>, String, u32)>,
    /// `INSERT INTO table … VALUES` statements of the file: (table, the statement in lower
    /// case, line), to see rows deleted and written again under the same keys.
    pub inserts: Vec<(String, String, u32)>,
    /// The migration's text, for what its data code reads in strings (Rails `select_all`).
    pub text: String,
    /// Column types the change's schema files show changing, and every column they know.
    pub schema_retyped: schema_state::Retyped,
    pub schema_known: schema_state::ColumnTypes,
    /// The schema file is PostgreSQL's (Rails dumps `enable_extension "plpgsql"`): a `string`
    /// with no limit is an unbounded `varchar` there, not MySQL's `varchar(255)`.
    pub schema_postgres: bool,
    /// The project decodes rows into fixed Rust types (Diesel, sqlx): old code cannot read a
    /// column whose type changes, even to a wider one.
    pub typed_rows: bool,
    /// Django: (model, field) → (type before, type after) where the app's earlier migrations
    /// define the field with another type than an `AlterField` of this file gives it.
    pub earlier_retyped: schema_state::Retyped,
    /// `earlier_retyped` comes from the schema file as the base has it (the change leaves it
    /// untouched), not from earlier migrations.
    pub retyped_by_base_schema: bool,
    /// Tables the file fills from a query (`CREATE TABLE t AS SELECT …`), and where: dropping
    /// one first throws away a cache the file rebuilds.
    pub rebuilt_by_query: std::collections::HashMap<String, u32>,
    /// Tables dropped so far in this file.
    pub dropped_tables: HashSet<String>,
    /// Tables whose every row the file has deleted so far (`DELETE FROM t`, `TRUNCATE t`).
    pub emptied_tables: HashSet<String>,
    /// ClickHouse views the base's migrations of the folder create (lower case, with their
    /// database when named): dropping one loses no stored row.
    pub views: HashSet<String>,
    /// Columns dropped `if_exists` that the base schema file does not show.
    pub unknown_to_base_schema: HashSet<(String, String)>,
    /// Every column the file drops, wherever in it.
    pub dropped_in_file: HashSet<(String, String)>,
    /// Every column the file adds, wherever in it.
    pub added_in_file: HashSet<(String, String)>,
    /// (table, new name) → old name of every column rename in the file, before or after the op.
    pub renamed_into_in_file: HashMap<(String, String), String>,
    /// Table names the file renames another table to, and the line of the first such rename.
    pub tables_renamed_into: HashMap<String, u32>,
    /// The data code of this file and of the change's earlier migrations, by what it names.
    pub code_mentions: Vec<super::code_reads::CodeMention>,
    /// (table, column) → the name the file renamed the column from (`node` → `node_deprecated`).
    pub former_names: std::collections::HashMap<(String, String), String>,
}

impl Context {
    pub fn is_new_table(&self, table: &str) -> bool {
        self.created_tables.contains(table) || self.reverted.contains(table) || self.created_elsewhere(table)
    }

    /// A conversion to JSON of a column whose earlier type is known and held no JSON text (an
    /// integer array, a number): a type change, not stored JSON reshaped.
    pub fn converts_non_json_to_json(&self, table: &str, column: &str, type_name: &str) -> bool {
        const TEXT_OR_JSON: &[&str] = &[
            "json",
            "text",
            "varchar",
            "character varying",
            "char",
            "string",
            "longtext",
            "mediumtext",
            "clob",
        ];
        type_name.to_lowercase().contains("json")
            && self
                .earlier_retyped
                .get(&(table.to_lowercase(), column.to_lowercase()))
                .is_some_and(|(old, _)| {
                    let old = old.trim().to_lowercase();
                    !TEXT_OR_JSON.iter().any(|t| old.starts_with(t))
                })
    }

    /// An array of JSON values (`json[]`, `ARRAY(JSON)`): making a column one changes its type;
    /// no stored document is reshaped.
    pub fn is_json_array(type_name: &str) -> bool {
        let t = type_name.to_lowercase();
        t.contains("json") && (t.contains("[]") || t.contains("array"))
    }

    /// `table` (as the op names it, its database dropped) is a ClickHouse view: the statement's
    /// qualified name, or the bare one, is a view the base created.
    pub fn is_view(&self, table: &str, statement: &str) -> bool {
        let lower = statement.to_lowercase().replace(['"', '`'], "");
        let table = table.to_lowercase();
        self.views.iter().any(|v| match v.rsplit_once('.') {
            Some((_, bare)) => bare == table && lower.contains(v.as_str()),
            None => *v == table && !lower.contains(&format!(".{table}")),
        })
    }

    /// A table the migration tool keeps its own records in (which migrations ran): rows
    /// deleted there are bookkeeping, not the application's data.
    pub fn is_bookkeeping(table: &str) -> bool {
        const TOOLS_OWN: &[&str] = &[
            "schema_migrations",
            "ar_internal_metadata",
            "django_migrations",
            "alembic_version",
            "__diesel_schema_migrations",
            "_sqlx_migrations",
            "seaql_migrations",
            "flyway_schema_history",
            "knex_migrations",
        ];
        let bare = table.rsplit('.').next().unwrap_or(table).trim_matches(['"', '`']);
        TOOLS_OWN.iter().any(|t| bare.eq_ignore_ascii_case(t))
    }

    fn created_elsewhere(&self, table: &str) -> bool {
        self.created_by_other_files.contains(table)
    }

    /// The file creates `table` at some point: renaming the old one away is half a rebuild.
    pub fn recreates(&self, table: &str) -> bool {
        self.created_in_file.contains(table)
    }

    /// The columns this file or another migration of the change adds to `table`.
    pub fn columns_added_to(&self, table: &str) -> Vec<&str> {
        self.added_columns
            .iter()
            .chain(&self.added_by_other_files)
            .filter(|(t, _)| t == table)
            .map(|(_, c)| c.as_str())
            .collect()
    }

    pub fn is_new_column(&self, table: &str, column: &str) -> bool {
        self.is_new_table(table)
            || self.added_columns.contains(&(table.to_string(), column.to_string()))
            || self
                .added_by_other_files
                .contains(&(table.to_string(), column.to_string()))
            || self.reverted.contains(&format!("{table}.{column}"))
    }

    /// An `UPDATE` before `line` that sets another column of `table` from `column`: its values
    /// move, they are not lost. The column they moved into, and whether the UPDATE only picks
    /// rows by `column` (`SET flag = false WHERE old = 'x'`): then it converts the values it
    /// names, and the others may be lost.
    pub fn moved_before(&self, table: &str, column: &str, line: u32) -> Option<(&str, bool)> {
        use crate::analyzers::migration::sql;
        let column = column.to_lowercase();
        self.updates.iter().find_map(|(t, set, text, l)| {
            if !self.same_table(t, table) || *l >= line || set.iter().any(|c| c.to_lowercase() == column) {
                return None;
            }
            // Names only: a string literal that spells the column reads nothing.
            let toks: Vec<sql::Token> = sql::split(text, crate::config::Dialect::Postgres, 1)
                .into_iter()
                .flat_map(|s| s.tokens)
                .collect();
            let reads = |part: &[sql::Token]| part.iter().any(|t| t.name().as_deref() == Some(column.as_str()));
            // Read in the SET's values carries the values; read only in a join before the SET
            // (MySQL's `UPDATE t JOIN u ON u.id = t.col SET …`), a FROM or the WHERE picks rows.
            let values = sql::lex::set_clause(&toks);
            let only_filter = if reads(values) {
                false
            } else if reads(&toks) {
                true
            } else {
                return None;
            };
            let target = set.iter().find(|c| c.to_lowercase() != column)?;
            Some((target.as_str(), only_filter))
        })
    }

    /// Data code before `line` (here, or in an earlier migration of the change) that names
    /// `column` of `table`: its values were read, most likely to be moved, before the drop.
    /// A column renamed earlier in the file is read under its former name too.
    /// The mention, and the name it reads the column by.
    pub fn code_read_before<'a>(
        &'a self,
        table: &str,
        column: &'a str,
        line: u32,
    ) -> Option<(&'a super::code_reads::CodeMention, &'a str)> {
        let former = self.former_names.get(&(table.to_string(), column.to_string()));
        std::iter::once(column)
            .chain(former.map(String::as_str))
            .find_map(|name| {
                Some((
                    super::code_reads::read_before(&self.code_mentions, table, name, line)?,
                    name,
                ))
            })
    }

    /// Whether `named` (in SQL) is `table` (as the migration names it): in a Django migration
    /// the model `motion` of app `motions` is the table `motions_motion` that `RunSQL` names.
    fn same_table(&self, named: &str, table: &str) -> bool {
        named == table
            || self.restates_fields
                && self
                    .path
                    .split_once("/migrations/")
                    .and_then(|(dir, _)| dir.rsplit('/').next())
                    .and_then(|app| named.strip_prefix(app)?.strip_prefix('_'))
                    == Some(table)
    }

    /// A real backup of `table` (and `column`) taken before `line`, or why there is none.
    /// `every_row`: the statement loses every row (DROP TABLE, TRUNCATE, DELETE of all rows),
    /// so a copy of the rows a `WHERE` picks is no backup of it.
    pub fn backup(&self, table: &str, column: Option<&str>, line: u32, every_row: bool) -> Result<&Copy, String> {
        let has =
            |cols: &Option<Vec<String>>, col: &str| cols.as_ref().is_none_or(|cols| cols.iter().any(|x| x == col));
        // A filter on the column itself, or on a column the file drops with it (`WHERE banned`
        // before dropping `banned` and `ban_expires`), picks the rows whose values matter; a
        // filter on another column (`WHERE local`) keeps a subset.
        let picks_what_matters = |c: &Copy, col: &str| {
            c.picked_by.as_ref().is_none_or(|by| {
                by.iter()
                    .all(|b| b == col || self.dropped_in_file.contains(&(table.to_string(), b.clone())))
            })
        };
        // Values moved within the table (data code rewriting its own rows) are gone with it:
        // no backup of a table dropped whole.
        let covers = |c: &Copy| {
            column.is_none_or(|col| has(&c.columns, col) && picks_what_matters(c, col))
                && !(every_row && c.picked_by.is_some())
                && !(every_row && column.is_none() && c.moved && self.same_table(&c.into, table))
        };
        if let Some(c) = self
            .copies
            .iter()
            .find(|c| self.same_table(&c.of, table) && c.line < line && c.with_data && covers(c))
        {
            return Ok(c);
        }
        // Why not, from this file's own copies (another migration's are named only when they count).
        let own = || self.copies.iter().filter(|c| c.file.is_none());
        let subset = |c: &&Copy| {
            column.is_some_and(|col| has(&c.columns, col) && !picks_what_matters(c, col))
                || (every_row && column.is_none() && c.picked_by.is_some())
        };
        let why = if let Some(c) =
            own().find(|c| self.same_table(&c.of, table) && c.line < line && c.with_data && subset(c))
        {
            format!(
                "the copy into `{}` at line {} keeps only the rows its WHERE picks (by {}), not every {}",
                c.into,
                c.line,
                match c.picked_by.as_deref().unwrap_or_default() {
                    [] => "a condition it does not name by column".to_string(),
                    by => by.join(", "),
                },
                column.map_or("row".to_string(), |col| format!("value of `{col}`"))
            )
        } else if let Some(c) = own().find(|c| self.same_table(&c.of, table) && c.line < line && c.with_data) {
            format!(
                "the copy into `{}` at line {} does not include column `{}`",
                c.into,
                c.line,
                column.unwrap_or("")
            )
        } else if let Some(c) = own().find(|c| self.same_table(&c.of, table) && c.line < line) {
            format!(
                "the copy into `{}` at line {} copies the structure only (LIKE / WITH NO DATA), not the rows",
                c.into, c.line
            )
        } else if let Some(c) = own().find(|c| self.same_table(&c.of, table) && c.with_data) {
            format!(
                "the copy into `{}` at line {} is taken after this statement",
                c.into, c.line
            )
        } else if let Some(c) = own().find(|c| c.line < line) {
            format!("the copy at line {} is of `{}`, not `{table}`", c.line, c.of)
        } else {
            format!("no copy of `{table}` is taken earlier in this file")
        };
        Err(why)
    }

    /// The line of a later `INSERT … VALUES` into `table` that writes every key a
    /// `DELETE … WHERE id = … / id IN (…)` names again: an update written as delete and insert.
    pub fn reinserted(&self, table: &str, delete: &str, line: u32) -> Option<u32> {
        static KEYS: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
        let keys = KEYS.get_or_init(|| {
            regex::Regex::new(r#"(?is)\bwhere\s+"?id"?\s*(?:=\s*('[^']*'|\d+)|in\s*\(([^)]*)\))\s*;?\s*$"#)
                .expect("valid")
        });
        let c = keys.captures(delete)?;
        let listed = c.get(1).or(c.get(2))?.as_str().to_lowercase();
        let wanted: Vec<&str> = listed.split(',').map(str::trim).filter(|k| !k.is_empty()).collect();
        if wanted.is_empty() || wanted.iter().any(|k| !k.starts_with('\'')) {
            // Numbers are too common in a VALUES list to count as the same keys.
            return None;
        }
        // The same table as named (schema and all), an `id` column listed, every key written.
        let lists_id = |text: &str| {
            text.split_once("values").is_some_and(|(head, _)| {
                head.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .any(|w| w == "id")
            })
        };
        self.inserts
            .iter()
            .find(|(t, text, at)| {
                *at > line && t.eq_ignore_ascii_case(table) && lists_id(text) && wanted.iter().all(|k| text.contains(k))
            })
            .map(|(_, _, at)| *at)
    }

    /// Turns a finding about data on `table` into a mitigated one when a real backup exists,
    /// or adds why the copies in the file do not count.
    pub fn judge_backup(&self, f: Finding, table: &str, column: Option<&str>, line: u32) -> Finding {
        self.judge_copy(f, table, column, line, false)
    }

    /// `judge_backup` for a statement that loses every row of `table`.
    pub fn judge_backup_of_every_row(&self, f: Finding, table: &str, line: u32) -> Finding {
        self.judge_copy(f, table, None, line, true)
    }

    fn judge_copy(&self, mut f: Finding, table: &str, column: Option<&str>, line: u32, every_row: bool) -> Finding {
        match self.backup(table, column, line, every_row) {
            Ok(copy) => {
                f.mitigated_by = vec!["backup".to_string()];
                f.severity = Severity::Info;
                let place = match &copy.file {
                    Some(file) => format!("by `{file}`"),
                    None => format!("at line {}", copy.line),
                };
                // Only data code moves a table's values within it (a `RunPython` step, a Rails
                // loop): where they went (other columns, related rows, a file) it decides.
                let how = if copy.moved && copy.into == table {
                    format!(" (read by the data step {place} before the drop, which moves its values into other columns, related rows or files)")
                } else if copy.moved {
                    format!(" (its values moved into `{}` {place})", copy.into)
                } else {
                    format!(" (backed up into `{}` {place})", copy.into)
                };
                f.message.push_str(&how);
            }
            Err(why) => {
                if self.copies.iter().all(|c| c.file.is_some()) {
                    return f;
                }
                f.message.push_str(&format!("; not backed up: {why}"));
            }
        }
        f
    }
}

/// Builds a finding of `rule` at the op, naming the fallback when the token scan read it.
pub fn finding(rule: &CodeRule, ctx: &Context, op: &Op, message: String, help: &str) -> Finding {
    let mut f = rule
        .finding(message)
        .at(&ctx.path, Some(op.line))
        .help(help)
        .evidence(op.evidence.clone());
    f.end_line = Some(op.end_line.max(op.line));
    if op.sql && !op.parsed {
        f.message
            .push_str(" (sqlparser could not parse this statement; found by the token scan)");
    }
    f
}

/// One finding of `rule` per table of `tables` the change did not create, saying `what` the
/// statement does to it, each judged against the copies taken before it.
pub fn rows_lost(rule: &CodeRule, ctx: &Context, op: &Op, tables: &[String], what: &str) -> Vec<Finding> {
    tables
        .iter()
        .filter(|t| !ctx.is_new_table(t))
        .map(|t| {
            let f = finding(rule, ctx, op, what.replace("{table}", t), COPY_HELP);
            ctx.judge_backup_of_every_row(f, t, op.line)
        })
        .collect()
}

/// The help of every rule whose rows are gone unless copied first.
pub const COPY_HELP: &str = "copy the rows first in this migration (CREATE TABLE … AS SELECT, INSERT INTO … SELECT, COPY (…) TO) or keep the data until the next release";

/// Operators and functions that delete keys from JSON.
pub const JSON_KEY_REMOVERS: &[&str] = &["-", "#-", "json_remove", "jsonb_delete", "jsonb_delete_path"];

/// The finding of an `UPDATE` that changes stored JSON (`what` says how), for a table it
/// does not create: a whole-table one rewrites data too, and a copy taken first mitigates it.
pub fn json_update(
    rule: &CodeRule,
    what: &str,
    ctx: &Context,
    op: &Op,
    (table, columns, filter, json): (&str, &[String], &Filter, &[String]),
) -> Finding {
    let scope = if filter.is_all_rows() {
        "every row of"
    } else {
        "rows of"
    };
    let mut f = finding(
        rule,
        ctx,
        op,
        format!("UPDATE {what} {table}.{} ({}) for {scope} the table", columns.join(", "), json.join(", ")),
        "copy the column first, check the new shape against real rows (riskgate shapes), and make the reading code accept both shapes",
    );
    if filter.is_all_rows() {
        f.tags.push(crate::model::Tag::DataRewrite);
    }
    f.target = columns.first().map(|c| format!("{table}.{c}"));
    ctx.judge_backup(f, table, columns.first().map(String::as_str), op.line)
}
