//! The `migration` analyzer: reads every migration format into `Op`s, follows the state of
//! each file (objects it created, copies it took, checks it validated) and judges each op.
//!
//! The reader (`sql`, `frameworks`, `ops`) emits no findings; the rules under `rules/`, one
//! file per rule id, judge its ops against the file's `context`.

mod backends;
mod code_reads;
mod copies;
use copies::copies_in;
mod versions;
mod edits;
use edits::keep_what_the_edit_adds;
use preprocess::{one_file_tools_in_base, without_down_sections, without_templates};
use versions::{arrived_from_elsewhere, reversioned_from, version_key};
pub mod context;
mod django_state;
mod new_tables;
pub mod frameworks;
pub mod ops;
pub mod rules;
mod preprocess;
pub mod schema_state;
pub mod sql;

use crate::classify::{FileKind, MigrationFormat, MigrationRole};
use crate::config::Dialect;
use crate::diff::{ChangeSet, ChangedFile, FileStatus};
use crate::model::{Finding, Severity, Tag};
pub use context::{Context, Copy};
use ops::{Op, OpKind};
use ops::{Rollback, Script};
use std::collections::HashSet;

/// A backend's own folder says most (`migrations/mysql/…` in a multi-backend layout), then the
/// configured dialect, then the file's content.
fn dialect_of(file: &ChangedFile, text: &str) -> Dialect {
    if let Some(d) = sql::dialect_from_path(&file.path) {
        return d;
    }
    match file.kind {
        FileKind::Migration { dialect: Some(d), .. } => d,
        _ => sql::detect_dialect(text),
    }
}

/// Reads one migration file into ops and its rollback fact.
pub fn read_file(format: MigrationFormat, text: &str, dialect: Dialect) -> Script {
    match format {
        f if frameworks::is_framework(f) => frameworks::read(format, text, dialect),
        // Liquibase changelogs are XML/YAML; only their SQL form is read.
        MigrationFormat::Liquibase if !text.trim_start().starts_with("--") => Script::read(Vec::new(), Rollback::Fine),
        _ => {
            let (mut ops, mut unparsed) = (Vec::new(), Vec::new());
            let text = without_templates(text);
            for stmt in sql::split(&text, dialect, 1) {
                let (found, rejected) = sql::read_statement(&stmt, dialect);
                ops.extend(found);
                if rejected {
                    unparsed.push(stmt.line);
                }
            }
            let mut script = Script::read(ops, Rollback::Fine);
            script.unparsed = unparsed;
            script
        }
    }
}

/// The line ranges where a migration file acknowledges lock risks: Rails `safety_assured`
/// blocks, and the SQL formats' `-- safety-assured` blocks. `suppress` acts on them.
pub fn acknowledged(format: MigrationFormat, text: &str) -> Vec<(u32, u32)> {
    match format {
        MigrationFormat::Rails => frameworks::rails::safety_assured_blocks(text),
        MigrationFormat::Django | MigrationFormat::Alembic | MigrationFormat::Knex => Vec::new(),
        MigrationFormat::Liquibase if !text.trim_start().starts_with("--") => Vec::new(),
        _ => safety_assured_blocks(text),
    }
}

/// `-- safety-assured:start` … `-- safety-assured:end` blocks (the diesel-guard convention):
/// the author acknowledged the lock risk of the statements inside.
fn safety_assured_blocks(text: &str) -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim().trim_start_matches('-').trim().to_lowercase();
        if t.starts_with("safety-assured:start") {
            start = Some(i as u32 + 1);
        } else if t.starts_with("safety-assured:end") {
            if let Some(s) = start.take() {
                out.push((s, i as u32 + 1));
            }
        }
    }
    out
}

/// Judges a list of ops in order, following the file's state.
pub fn judge(ops: &[Op], ctx: &mut Context) -> Vec<Finding> {
    // Copies are known for the whole file up front, so a late copy can be named as late.
    ctx.copies.extend(copies_in(ops, None));
    for op in ops {
        if let OpKind::CreateTable { table, .. } | OpKind::CreateTableAs { table, .. } = &op.kind {
            ctx.created_in_file.insert(table.clone());
        }
        // A table the file creates, renamed into a name, is a swap (`a` → `a_old`, `a_new` → `a`):
        // the name keeps a table. Renames among existing tables (`a` → `tmp`, `b` → `a`) are not.
        if let OpKind::RenameTable { from, to } = &op.kind {
            if ctx.created_in_file.contains(from) {
                ctx.created_in_file.insert(to.clone());
            }
        }
        if let OpKind::CreateTableAs {
            table, with_data: true, ..
        } = &op.kind
        {
            ctx.rebuilt_by_query.entry(table.clone()).or_insert(op.line);
        }
        if let OpKind::Update { table, columns, .. } = &op.kind {
            ctx.updates
                .push((table.clone(), columns.clone(), op.statement.to_lowercase(), op.line));
        }
        if let Some(table) = values_inserted_into(&op.statement).filter(|_| op.sql) {
            ctx.inserts.push((table, op.statement.to_lowercase(), op.line));
        }
        // Rails' `Model.where(flag: true).update_all(kind: 2)` is `UPDATE … SET kind = … WHERE
        // flag`, when it picks rows by a flag (`true`/`false`): a flag converted into another
        // column is kept as far as code can say. A filter on values of another kind
        // (`where('env != ?', x)`) keeps only what it names: the drop stays high.
        if let OpKind::CodeBackfill {
            what,
            table: Some(table),
            columns,
            ..
        } = &op.kind
        {
            let flags = frameworks::rails::flags_filtered(&op.statement);
            if what == "update_all" && !columns.is_empty() && !flags.is_empty() {
                let read: Vec<String> = flags
                    .iter()
                    .filter(|w| !columns.iter().any(|c| c.eq_ignore_ascii_case(w)))
                    .map(|w| format!("\"{w}\" = 1"))
                    .collect();
                let statement = format!("update {table} set {} = 0 where {}", columns[0], read.join(" and "));
                ctx.updates.push((table.clone(), columns.clone(), statement, op.line));
            }
        }
        if let OpKind::DropColumn { table, column } = &op.kind {
            ctx.dropped_in_file.insert((table.clone(), column.clone()));
        }
        if let OpKind::AddColumn { table, column, .. } = &op.kind {
            ctx.added_in_file.insert((table.clone(), column.clone()));
        }
        if let OpKind::RenameColumn { table, from, to } = &op.kind {
            ctx.renamed_into_in_file
                .insert((table.clone(), to.clone()), from.clone());
        }
        if let OpKind::RenameTable { to, .. } = &op.kind {
            ctx.tables_renamed_into.entry(to.clone()).or_insert(op.line);
        }
    }
    let mut out = Vec::new();
    for op in ops {
        judge_op(op, &op.kind, ctx, &mut out);
        learn(&op.kind, ctx);
    }
    out
}

fn judge_op(op: &Op, kind: &OpKind, ctx: &mut Context, out: &mut Vec<Finding>) {
    if let OpKind::DoBlock { dynamic, nested } = kind {
        if *dynamic {
            out.push(rules::migration_runs_dynamic_sql::dynamic(ctx, op));
        }
        for k in nested {
            let inner = Op {
                kind: k.clone(),
                parsed: false,
                ..op.clone()
            };
            judge_op(&inner, k, ctx, out);
            learn(k, ctx);
        }
        return;
    }
    out.extend(rules::check_op(op, kind, ctx));
}

/// What an op teaches about the file's state, after it has been judged.
fn learn(kind: &OpKind, ctx: &mut Context) {
    match kind {
        OpKind::CreateTable { table, .. }
        | OpKind::CreateTableAs { table, .. }
        | OpKind::CreateTableLike { table, .. } => {
            ctx.created_tables.insert(table.clone());
        }
        OpKind::AddColumn { table, column, .. } => {
            ctx.added_columns.insert((table.clone(), column.clone()));
        }
        OpKind::RenameTable { from, to } if ctx.created_tables.contains(from) => {
            ctx.created_tables.insert(to.clone());
        }
        OpKind::DropTable { tables } => {
            ctx.dropped_tables.extend(tables.iter().cloned());
        }
        OpKind::Truncate { tables } => ctx.emptied_tables.extend(tables.iter().cloned()),
        // Filled again: rows are back.
        OpKind::InsertSelect { table, .. } => {
            ctx.emptied_tables.remove(table);
        }
        OpKind::Delete { table, filter } if filter.is_all_rows() => {
            ctx.emptied_tables.insert(table.clone());
        }
        OpKind::RenameColumn { table, from, to } => {
            ctx.former_names.insert((table.clone(), to.clone()), from.clone());
        }
        OpKind::AddConstraint {
            table,
            kind,
            not_valid,
            check,
        } if kind == "check" => {
            if let Some(col) = not_null_column(check) {
                ctx.not_null_checks.push((table.clone(), col, !not_valid));
            }
        }
        OpKind::ValidateConstraint { table } => {
            for c in ctx.not_null_checks.iter_mut().filter(|c| &c.0 == table) {
                c.2 = true;
            }
        }
        _ => {}
    }
}

/// The column of `CHECK (column IS NOT NULL)`.
fn not_null_column(check: &str) -> Option<String> {
    let words: Vec<&str> = crate::text::words(check).collect();
    words
        .windows(4)
        .find(|w| w[1] == "is" && w[2] == "not" && w[3] == "null")
        .map(|w| w[0].to_string())
}

/// The objects an up-migration creates, so its down-migration may drop them.
fn created_by(ops: &[Op]) -> HashSet<String> {
    let mut set = HashSet::new();
    for op in ops {
        match &op.kind {
            OpKind::CreateTable { table, .. }
            | OpKind::CreateTableAs { table, .. }
            | OpKind::CreateTableLike { table, .. } => {
                set.insert(table.clone());
            }
            OpKind::AddColumn { table, column, .. } => {
                set.insert(format!("{table}.{column}"));
            }
            OpKind::RenameColumn { table, to, .. } => {
                set.insert(format!("{table}.{to}"));
            }
            OpKind::RenameTable { to, .. } => {
                set.insert(to.clone());
            }
            _ => {}
        }
    }
    set
}

/// The path of the up-migration a down-migration reverts, by the format's naming convention.
fn matching_up(path: &str, format: MigrationFormat) -> Option<String> {
    match format {
        MigrationFormat::Diesel => Some(format!("{}up.sql", path.strip_suffix("down.sql")?)),
        MigrationFormat::GolangMigrate => Some(format!("{}.up.sql", path.strip_suffix(".down.sql")?)),
        MigrationFormat::Flyway => {
            let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
            let up = format!("V{}", name.strip_prefix('U')?);
            Some(if dir.is_empty() { up } else { format!("{dir}/{up}") })
        }
        _ => None,
    }
}

fn matching_down(path: &str, format: MigrationFormat) -> Option<String> {
    match format {
        MigrationFormat::Diesel => Some(format!("{}down.sql", path.strip_suffix("up.sql")?)),
        MigrationFormat::GolangMigrate => Some(format!("{}.down.sql", path.strip_suffix(".up.sql")?)),
        _ => None,
    }
}

/// One migration file of the change, read once for every check.
struct Read<'a> {
    file: &'a ChangedFile,
    format: MigrationFormat,
    role: MigrationRole,
    dialect: Dialect,
    /// The backend folder it lies in (`mysql/`, `sqlite/`), if any: another database.
    backend: Option<Dialect>,
    script: Script,
    /// The previous version of an edited file.
    old: Option<Script>,
}

fn read_migrations(change: &ChangeSet) -> Vec<Read<'_>> {
    let one_file_tools = std::cell::OnceCell::new();
    let read_file = |format: MigrationFormat, text: &str, dialect: Dialect| {
        // A `-- +goose Down` line is a comment to every other tool: only a project whose base
        // already uses a tool that honours it has its Down sections set aside. (goose's and
        // sql-migrate's `NNN_name.sql` files are classified as sqlx's.)
        let one_file = matches!(format, MigrationFormat::Sql | MigrationFormat::Sqlx)
            && ["-- +goose", "-- +migrate", "-- migrate:"]
                .iter()
                .any(|m| text.contains(m));
        let tools: &[usize] = if one_file {
            one_file_tools.get_or_init(|| one_file_tools_in_base(change))
        } else {
            &[]
        };
        if tools.is_empty() {
            read_file(format, text, dialect)
        } else {
            read_file(format, &without_down_sections(text, tools), dialect)
        }
    };
    change
        .files
        .iter()
        .filter(|f| f.status != FileStatus::Deleted && f.skipped.is_none())
        .filter_map(|file| {
            let FileKind::Migration { format, role, .. } = file.kind else {
                return None;
            };
            let text = file.new_text.get()?;
            let dialect = dialect_of(file, text);
            // An edited file whose old text cannot be read compares against nothing: its added
            // lines still decide. A migration renamed to another version is new to every
            // database: all of it runs again.
            let old =
                (file.status != FileStatus::Added && reversioned_from(file).is_none() && !arrived_from_elsewhere(file))
                    .then(|| {
                        file.old_text
                            .get()
                            .map_or_else(|| read_file(format, "", dialect), |old| read_file(format, old, dialect))
                    });
            Some(Read {
                file,
                format,
                role,
                dialect,
                backend: sql::dialect_from_path(&file.path),
                script: read_file(format, text, dialect),
                old,
            })
        })
        .collect()
}

pub fn analyze(change: &ChangeSet) -> Vec<Finding> {
    let by_path = |p: &str| change.files.iter().find(|f| f.path == p);
    let reads = read_migrations(change);
    // `mysql/` and `sqlite/` copies of a project's migrations run against other databases:
    // they do not see each other's tables.
    let same_database = |a: &Read, b: &Read| a.backend == b.backend;
    // Tables each up-migration the change adds creates: new to the other files of the change.
    let created_by_added = new_tables::created_by_added(&reads, same_database);
    let base_creates = new_tables::BaseCreates::new(change);
    let added_ups: Vec<&Read> = reads
        .iter()
        .filter(|r| r.file.status == FileStatus::Added && r.role == MigrationRole::Up)
        .collect();
    let (schema_retyped, schema_known) = schema_state::retyped(change);
    let schema_postgres = schema_state::postgres_schema(change);
    // Each added migration's copies, read once: later files of the change count them.
    let copies_by_file: Vec<(&Read, Vec<Copy>)> = added_ups
        .iter()
        .map(|u| (*u, copies_in(&u.script.ops, Some(&u.file.path))))
        .collect();
    // Read only when an applied migration is edited (never on the common path), and from the
    // base too: the change under review cannot drop the dependency to hide its edit.
    let depends_on_sqlx = std::cell::OnceCell::new();
    let depends_on_sqlx = || *depends_on_sqlx.get_or_init(|| schema_state::manifests_mention(change, &["sqlx"]));
    // Read only when a column is retyped: whether rows are decoded into fixed Rust types.
    let typed_rows = std::cell::OnceCell::new();
    let typed_rows =
        || *typed_rows.get_or_init(|| schema_state::manifests_mention(change, schema_state::TYPED_ROW_CRATES));
    let parsed = schema_state::ParsedMigrations::default();
    // Each added migration's data code, read once: a later drop of a column it reads is a question.
    // Renumbered ones too: they run again wherever they ran.
    let code_by_file: Vec<(&Read, Vec<code_reads::CodeMention>)> = reads
        .iter()
        .filter(|u| u.role == MigrationRole::Up && u.old.is_none())
        .map(|u| {
            let text = u.file.new_text.get().unwrap_or("");
            let mut code = code_reads::mentions(u.format, text, Some(&u.file.path));
            if u.format == MigrationFormat::Django {
                code.extend(code_reads::imported_steps(change, text));
            }
            (u, code)
        })
        .collect();
    let data_migrations = code_reads::data_migrations(change);
    let mut out = Vec::new();
    for r in &reads {
        let (file, format, role, dialect, script) = (r.file, r.format, r.role, r.dialect, &r.script);
        // The words of this file, for the tables it could act on (read only when another added
        // migration creates a table).
        let words = std::cell::OnceCell::new();
        let names = |t: &str| {
            words
                .get_or_init(|| {
                    crate::text::words(file.new_text.get().unwrap_or(""))
                        .map(str::to_lowercase)
                        .collect::<HashSet<String>>()
                })
                .contains(
                    &t.rsplit('.')
                        .next()
                        .unwrap_or(t)
                        .trim_matches(['"', '`'])
                        .to_lowercase(),
                )
        };
        let mut ctx = Context {
            path: file.path.clone(),
            dialect,
            backfills_new_columns: format == MigrationFormat::Django,
            restates_fields: format == MigrationFormat::Django,
            // A table the base's own migrations create is not new, whatever an added one says.
            created_by_other_files: created_by_added
                .iter()
                .filter(|(other, _)| other.file.path != file.path && same_database(other, r))
                .flat_map(|(other, tables)| {
                    tables
                        .iter()
                        // Only a table this file names can matter to it: the base is read then.
                        .filter(|t| !names(t) || !base_creates.creates(&other.file.path, other.format, t))
                        .cloned()
                })
                .collect(),
            added_by_other_files: added_ups
                .iter()
                .filter(|u| u.file.path != file.path && same_database(u, r))
                .flat_map(|u| &u.script.ops)
                .filter_map(|op| match &op.kind {
                    OpKind::AddColumn { table, column, .. } => Some((table.clone(), column.clone())),
                    _ => None,
                })
                // An earlier migration the change edits to add a column: the column holds no data
                // yet anywhere (databases that ran the old version never get it).
                .chain(new_tables::columns_edits_add(change, &reads, r, same_database))
                .collect(),
            // Copies an earlier migration of the same change took run before this one.
            copies: copies_by_file
                .iter()
                .filter(|(other, _)| other.file.path < file.path && same_database(other, r))
                .flat_map(|(_, copies)| copies.iter().cloned())
                .collect(),
            schema_retyped: schema_retyped.clone(),
            schema_known: schema_known.clone(),
            schema_postgres,
            typed_rows: schema_state::retypes(&script.ops).next().is_some() && typed_rows(),
            text: file.new_text.get().unwrap_or("").to_string(),
            // In a Rails file, the loops `copies_in` reads decide (a loop that only prints keeps nothing).
            code_mentions: code_reads::mentions(format, file.new_text.get().unwrap_or(""), None)
                .into_iter()
                .filter(|_| format != MigrationFormat::Rails)
                // The steps a Django migration imports from a module of the repository.
                .chain(if format == MigrationFormat::Django {
                    code_reads::imported_steps(change, file.new_text.get().unwrap_or(""))
                } else {
                    Vec::new()
                })
                .chain(
                    code_by_file
                        .iter()
                        .filter(|(other, _)| other.file.path < file.path && same_database(other, r))
                        .flat_map(|(_, code)| code.iter().cloned()),
                )
                .chain(
                    data_migrations
                        .iter()
                        .filter(|(version, _)| {
                            format == MigrationFormat::Rails && *version < version_key(&file.path, format)
                        })
                        .flat_map(|(_, code)| code.iter().cloned()),
                )
                .collect(),
            ..Default::default()
        };
        if script.ops.iter().any(|op| matches!(op.kind, OpKind::DropTable { .. })) {
            ctx.views = schema_state::clickhouse_views(change, &file.path, format);
        }
        // Django restates a whole field in `AlterField`: the app's earlier migrations say
        // whether its type changed. Unchanged, the operation is no type change at all.
        let mut ops_judged = script.ops.clone();
        if format == MigrationFormat::Django {
            let state = django_state::DjangoState::before(change, &file.path, file.new_text.get().unwrap_or(""));
            ops_judged = state.judged(ops_judged);
            ctx.earlier_retyped = state.retyped;
        } else if format == MigrationFormat::Rails {
            ctx.unknown_to_base_schema = schema_state::rails_drops_of_unknown_columns(change, &file.path, &script.ops);
            ctx.earlier_retyped = schema_state::rails_base_retypes(change, &script.ops);
            ctx.retyped_by_base_schema = true;
        } else if !frameworks::is_framework(format) {
            // A retyped column the schema files do not show: its type from the earlier
            // migrations of the same folder (read only when a statement retypes something).
            let wanted: Vec<(String, String, String)> = schema_state::retypes(&script.ops)
                .map(|(t, c, type_name, _)| (t, c, type_name.to_lowercase()))
                .filter(|(t, c, _)| !schema_retyped.contains_key(&(t.clone(), c.clone())))
                .collect();
            ctx.created_by_other_files.extend(schema_state::recreated_new_tables(
                change,
                &file.path,
                format,
                &script.ops,
            ));
            if !wanted.is_empty() {
                let before = schema_state::sql_state_before(change, &file.path, format, dialect, &parsed);
                for (t, c, new) in wanted {
                    if let Some(old) = before.get(&(t.clone(), c.clone())).filter(|old| **old != new) {
                        ctx.earlier_retyped.insert((t, c), (old.clone(), new));
                    }
                }
            }
        }
        if role == MigrationRole::Down {
            if let Some(up) = matching_up(&file.path, format).and_then(|p| reads.iter().find(|u| u.file.path == p)) {
                ctx.reverted = created_by(&up.script.ops);
            }
        }
        let mut found = judge(&ops_judged, &mut ctx);
        found.extend(rules::migration_does_not_parse::check(&file.path, script, dialect));
        if let Some(old) = &r.old {
            keep_what_the_edit_adds(file, script, old, &mut found);
        }
        // Any byte of an applied migration is part of its recorded checksum, not only new ops.
        let checksum = (file.status == FileStatus::Modified && role == MigrationRole::Up)
            .then(|| rules::migration_checksum_changed::checksummed(format, depends_on_sqlx))
            .flatten()
            .and_then(|tool| {
                let released = file
                    .old_text
                    .blob_id()
                    .and_then(|blob| change.released(file.old_path.as_deref().unwrap_or(&file.path), blob));
                rules::migration_checksum_changed::check(file, tool, released)
            });
        // Elsewhere the edit drifts: what it changes, compared operation by operation.
        if let (None, Some(old)) = (&checksum, &r.old) {
            found.extend(rules::applied_migration_edited::check(
                file, format, dialect, script, old,
            ));
        }
        found.extend(checksum);
        if let Some(old_path) = reversioned_from(file) {
            for f in &mut found {
                f.message.push_str(&format!(
                    " (the migration is renamed from `{old_path}`: databases that applied it under that name run it again)"
                ));
            }
        }
        // A down-migration runs only on rollback: what it loses is the plan's business, not a
        // reason to hold the change.
        // Values a down-migration rewrites are the up's changes put back: the way back, not
        // new work.
        if role == MigrationRole::Down {
            let puts_back = [
                rules::migration_rewrites_all_rows::REWRITES_ALL_ROWS.id,
                rules::migration_rewrites_rows::REWRITES_ROWS.id,
                rules::migration_backfills_in_code::BACKFILLS_IN_CODE.id,
            ];
            found.retain(|f| !puts_back.contains(&f.rule.as_str()));
            for f in &mut found {
                f.severity = f.severity.min(Severity::Medium);
            }
        }
        out.extend(found);
        if role == MigrationRole::Up {
            let down = matching_down(&file.path, format);
            let down_file = down
                .as_deref()
                .and_then(by_path)
                .filter(|f| f.status != FileStatus::Deleted);
            // An edited migration that already had no rollback did not lose it in this change.
            let had_none = file.old_text.get().is_some()
                && r.old
                    .as_ref()
                    .is_some_and(|old| !matches!(old.rollback, Rollback::Fine));
            // A no-op reverse of code that only fills columns other migrations of the change
            // add loses nothing that existed.
            let overwrites = script.noop_reverse_overwrites.as_deref().unwrap_or_default();
            let fills_new = !overwrites.is_empty()
                && overwrites.iter().all(|qualified| {
                    ctx.added_by_other_files
                        .iter()
                        .any(|(table, column)| qualified.eq_ignore_ascii_case(&format!("{table}.{column}")))
                });
            if let Some(f) =
                rules::migration_rollback_missing::check(file, format, script, down.as_deref(), down_file, dialect)
            {
                if !had_none && !fills_new {
                    // The team chose to keep changed data on rollback: the plan's Data section
                    // must say how it comes back.
                    let mut f = f;
                    if script.noop_reverse_overwrites.is_some() {
                        f.tags.push(Tag::DataRewrite);
                    }
                    out.push(f);
                }
            }
        }
    }
    backends::group(out)
}

/// The table an `INSERT INTO table (…) VALUES …` writes (not `INSERT … SELECT`).
fn values_inserted_into(statement: &str) -> Option<String> {
    let lower = statement.trim_start().to_lowercase();
    let rest = lower.strip_prefix("insert into")?.trim_start();
    if !lower.contains("values") || lower.contains("select") {
        return None;
    }
    let name = rest.split(|c: char| c.is_whitespace() || c == '(').next()?;
    // The name as written, schema and all: `archive.tenants` is another table.
    let name = name.replace(['"', '`'], "");
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
pub mod testing {
    //! Runs the analyzer over one in-memory migration, for the rule files' examples.
    use super::*;
    use crate::classify::Classifier;
    use crate::config::Config;

    /// A classified change that adds these files.
    pub fn change_of(files: &[(&str, &str)]) -> ChangeSet {
        let files = files.iter().map(|(p, t)| {
            let lines: Vec<&str> = t.lines().collect();
            ChangedFile::from_lines(p, FileStatus::Added, &[], &lines)
        });
        let change = ChangeSet {
            files: files.collect(),
            ..Default::default()
        };
        Classifier::new(&Config::default()).unwrap().classify(change)
    }

    pub fn run(files: &[(&str, &str)]) -> Vec<Finding> {
        analyze(&change_of(files))
    }

    /// (rule, line, mitigated) of the findings for one SQL migration.
    pub fn sql(text: &str) -> Vec<(String, u32, bool)> {
        run(&[("db/migrations/0042_change.sql", text)])
            .into_iter()
            .map(|f| (f.rule, f.line.unwrap_or(0), !f.mitigated_by.is_empty()))
            .collect()
    }

    /// The first finding of `rule` on one SQL migration.
    pub fn first(rule: &str, text: &str) -> Option<Finding> {
        run(&[("db/migrations/1.sql", text)])
            .into_iter()
            .find(|f| f.rule == rule)
    }

    pub fn rules(text: &str) -> Vec<String> {
        sql(text)
            .into_iter()
            .filter(|(_, _, m)| !m)
            .map(|(r, _, _)| r)
            .collect()
    }
}
