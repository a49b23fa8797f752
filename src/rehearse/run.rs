//! The rehearsal's steps, in order, against the throwaway database.

use super::catalog::{self, Snapshot};
use super::database::{db_message, Throwaway};
use super::migrations::{Script, Step};
use super::*;
use crate::analyzers::migration::sql::{lex, one_line};
use crate::model::Dialect;
use anyhow::{anyhow, bail, Result};
use postgres::Client;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

pub fn rehearse(script: &Script, options: &Options) -> Result<Rehearsal> {
    let db = Throwaway::create(
        &options.url,
        options.allow_superuser,
        Duration::from_secs(options.timeout_seconds),
    )?;
    let result = steps(&db, script, options);
    if db.expired() {
        bail!(
            "the rehearsal was stopped after {} s ([rehearse] timeout_seconds, --timeout); its database is dropped",
            options.timeout_seconds
        );
    }
    result
}

fn steps(db: &Throwaway, script: &Script, options: &Options) -> Result<Rehearsal> {
    let started = Instant::now();
    let mut client = db.connect()?;
    let mut observer = db.connect()?;
    // What the database holds is read on a connection of riskgate's own, whose search path no
    // migration and no plan set.
    let mut inspector = db.connect_inspector()?;
    let mut out = Rehearsal {
        server: db.server.clone(),
        server_version: db.version.clone(),
        base_migrations: script.base.len(),
        json_documents: options.document_sources.clone(),
        not_rehearsed: script
            .not_rehearsed
            .iter()
            .map(|(file, reason)| NotRehearsed {
                file: file.clone(),
                reason: reason.clone(),
            })
            .collect(),
        ..Rehearsal::default()
    };

    // 1. The base.
    if let Some(schema) = &options.schema {
        // psql's meta-commands (`\connect`, `\restrict` in newer dumps) are not SQL.
        let sql: String = schema
            .lines()
            .filter(|l| !l.trim_start().starts_with('\\'))
            .map(|l| format!("{l}\n"))
            .collect();
        client
            .batch_execute(&sql)
            .map_err(|e| anyhow!("the schema does not load: {}", db_message(&e)))?;
    } else {
        for step in &script.base {
            match run_sql(&mut client, &step.up) {
                Err(Outcome::Failed { error, line, .. }) => bail!(
                    "the base's migrations do not apply on PostgreSQL ({}:{line}: {error}); rehearse with --schema FILE (pg_dump --schema-only)",
                    step.up_path
                ),
                Err(Outcome::Skipped { reason }) => bail!(
                    "the base's migrations cannot be rehearsed ({}: {reason}); rehearse with --schema FILE (pg_dump --schema-only)",
                    step.up_path
                ),
                _ => {}
            }
        }
    }

    // 2. Synthetic rows, then what the base holds.
    out.tables = fill::fill(
        &mut client,
        &|table| options.table_rows.get(table).copied().unwrap_or(options.rows),
        &options.documents,
    )?;
    let before = catalog::snapshot(&mut inspector)?;
    let mut plan_tables = BTreeSet::new();
    if !options.plan_backup.is_empty() {
        // On a connection of their own, guarded like a migration.
        let mut planner = db.connect()?;
        for block in &options.plan_backup {
            let reason = match run_sql(&mut planner, block) {
                Ok(()) => continue,
                Err(Outcome::Failed { error, line, .. }) => format!("its SQL failed at line {line}: {error}"),
                Err(Outcome::Skipped { reason }) => reason,
                Err(_) => "its SQL did not run".to_string(),
            };
            out.not_rehearsed.push(NotRehearsed {
                file: "the plan's Backup section".into(),
                reason,
            });
        }
        let now = catalog::snapshot(&mut inspector)?;
        plan_tables = now
            .tables
            .keys()
            .filter(|t| !before.tables.contains_key(*t))
            .cloned()
            .collect();
    }

    // 3. The change, one migration at a time, each in its own connection.
    let rows_of = |table: &str| before.tables.get(table).map_or(0, |t| t.rows);
    let mut failed = false;
    // The database after each applied step, to tell which step a loss comes from.
    let mut after_step: Vec<(Option<String>, Snapshot)> = Vec::new();
    for step in &script.change {
        let mut report = StepReport {
            version: step.version.clone(),
            up_file: step.up_path.clone(),
            down_file: step.down_path.clone(),
            ..StepReport::default()
        };
        if failed {
            out.steps.push(report);
            continue;
        }
        match apply(db, &mut observer, &step.up)? {
            Ok(applied) => {
                report.up = Outcome::Applied {
                    elapsed_ms: applied.elapsed_ms,
                };
                let production = |table: &str| options.production_rows.get(table).copied();
                report.locks = applied
                    .locks
                    .into_iter()
                    .map(|mut lock| {
                        lock.estimated_production_ms =
                            estimate(lock.held_ms, rows_of(&lock.relation), production(&lock.relation));
                        lock
                    })
                    .collect();
                report.rewrites = applied
                    .rewrites
                    .into_iter()
                    .map(|mut rw| {
                        rw.rows = rows_of(&rw.table);
                        rw.estimated_production_ms = estimate(rw.statement_ms, rw.rows, production(&rw.table));
                        rw
                    })
                    .collect();
                if script.change.len() > 1 {
                    after_step.push((step.down_path.clone(), catalog::snapshot(&mut inspector)?));
                }
            }
            Err(outcome) => {
                if let Outcome::Skipped { reason } = &outcome {
                    out.not_rehearsed.push(NotRehearsed {
                        file: step.up_path.clone(),
                        reason: reason.clone(),
                    });
                }
                report.up = outcome;
                failed = true;
            }
        }
        out.steps.push(report);
    }
    let after = catalog::snapshot(&mut inspector)?;
    out.backups = backups(&before, &after, &plan_tables);

    // 4. The rollback, the comparison with the base, and the ups again.
    let missing_down = script.change.iter().find(|s| s.down.is_none());
    out.rollback.reason = if script.change.is_empty() {
        Some("the change adds no SQL migration".into())
    } else if failed {
        Some("an up migration failed or was not run".into())
    } else {
        missing_down.map(|s| format!("{} has no down migration", s.up_path))
    };
    if out.rollback.reason.is_none() {
        let mut rolled_back = true;
        for (i, step) in script.change.iter().enumerate().rev() {
            let down = step.down.as_deref().unwrap_or_default();
            match apply(db, &mut observer, down)? {
                Ok(applied) => {
                    out.steps[i].down = Outcome::Applied {
                        elapsed_ms: applied.elapsed_ms,
                    }
                }
                Err(outcome) => {
                    out.steps[i].down = outcome;
                    rolled_back = false;
                    break;
                }
            }
        }
        if rolled_back {
            out.rollback.rehearsed = true;
            let restored = catalog::snapshot(&mut inspector)?;
            let last_down = script.change.first().and_then(|s| s.down_path.clone());
            (out.rollback.lost, out.rollback.schema_differences) =
                compare(&before, &after, &restored, &plan_tables, last_down);
            for lost in &mut out.rollback.lost {
                if let Some(down) = responsible(&before, &after_step, &lost.what) {
                    lost.down_file = down;
                }
            }
            rerun(db, &mut observer, &script.change, &mut out.steps)?;
        } else {
            out.rollback.reason = Some("a down migration failed".into());
        }
    }
    drop(client);
    drop(observer);
    drop(inspector);
    out.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(out)
}

/// The up migrations again, after the rollback: a deploy that is rolled back and retried.
fn rerun(db: &Throwaway, observer: &mut Client, change: &[Step], steps: &mut [StepReport]) -> Result<()> {
    for (i, step) in change.iter().enumerate() {
        match apply(db, observer, &step.up)? {
            Ok(applied) => {
                steps[i].rerun = Outcome::Applied {
                    elapsed_ms: applied.elapsed_ms,
                }
            }
            Err(outcome) => {
                steps[i].rerun = outcome;
                return Ok(());
            }
        }
    }
    Ok(())
}

struct Applied {
    elapsed_ms: f64,
    locks: Vec<LockHeld>,
    rewrites: Vec<Rewrite>,
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1000.0 * 100.0).round() / 100.0
}

fn failure(error: String, statement: &str, line: u32) -> Outcome {
    Outcome::Failed {
        error,
        statement: one_line(statement),
        line,
        on_rows: false,
    }
}

/// A statement the database refused, with whether the refusal is about the rows.
fn db_failure(e: &postgres::Error, statement: &str, line: u32) -> Outcome {
    let on_rows = e
        .code()
        .is_some_and(|c| c.code().starts_with("22") || c.code().starts_with("23"));
    Outcome::Failed {
        error: db_message(e),
        statement: one_line(statement),
        line,
        on_rows,
    }
}

/// The statements a file holds, without its own transaction control: the rehearsal owns it.
fn statements(sql: &str) -> Vec<lex::Stmt> {
    lex::split(sql, Dialect::Postgres, 1)
        .into_iter()
        .filter(|s| {
            let first = lex::word_at(&s.tokens, 0).unwrap_or("");
            !(matches!(first, "begin" | "commit" | "end" | "start" | "rollback") && s.tokens.len() <= 3)
        })
        .collect()
}

/// Statements that reach beyond the throwaway database (other databases, roles, the server's
/// settings): a migration that holds one is not rehearsed.
fn reaches_beyond(stmt: &lex::Stmt) -> Option<String> {
    let w = |i| lex::word_at(&stmt.tokens, i).unwrap_or("");
    let program = stmt.tokens.iter().any(|t| t.is_word("program"));
    let what = match (w(0), w(1)) {
        ("create" | "drop" | "alter", "database" | "role" | "user" | "group" | "tablespace" | "subscription")
        | ("alter", "system") => format!("{} {}", w(0), w(1)),
        ("copy", _) if program => "copy … program".to_string(),
        ("reassign", _) => "reassign owned".to_string(),
        // The same statements run from a DO block or a function's EXECUTE.
        _ => stmt.tokens.iter().find_map(|t| match &t.tok {
            lex::Tok::Str(body) | lex::Tok::Dollar(body) => {
                let text = body.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
                BEYOND
                    .iter()
                    .find(|p| text.contains(*p))
                    .map(|p| format!("{p} (inside {})", w(0)))
            }
            _ => None,
        })?,
    };
    Some(format!(
        "{} at line {} reaches beyond the rehearsal's database; the rehearsal does not run it",
        what.to_uppercase(),
        stmt.line
    ))
}

/// What a quoted body must not hold: SQL about other databases, roles, or the server.
const BEYOND: &[&str] = &[
    "create database",
    "drop database",
    "alter role",
    "create role",
    "drop role",
    "alter user",
    "create user",
    "drop user",
    "alter system",
    "reassign owned",
    "create tablespace",
    "from program",
    "to program",
];

/// Runs a file in one transaction (or statement by statement when it must run outside one).
fn run_sql(client: &mut Client, sql: &str) -> std::result::Result<(), Outcome> {
    let stmts = statements(sql);
    if let Some(reason) = stmts.iter().find_map(reaches_beyond) {
        return Err(Outcome::Skipped { reason });
    }
    if Step::outside_transaction(sql) || stmts.iter().any(needs_autocommit) {
        for s in &stmts {
            client
                .batch_execute(&s.text)
                .map_err(|e| db_failure(&e, &s.text, s.line))?;
        }
        return Ok(());
    }
    let mut tx = client.transaction().map_err(|e| failure(db_message(&e), "BEGIN", 0))?;
    for s in &stmts {
        tx.batch_execute(&s.text).map_err(|e| db_failure(&e, &s.text, s.line))?;
    }
    tx.commit().map_err(|e| failure(db_message(&e), "COMMIT", 0))
}

/// PostgreSQL refuses these inside a transaction block (`CREATE INDEX CONCURRENTLY`, `VACUUM`):
/// a file that holds one runs statement by statement, as the migration tools run it.
fn needs_autocommit(stmt: &lex::Stmt) -> bool {
    stmt.tokens.iter().any(|t| t.is_word("concurrently")) || lex::word_at(&stmt.tokens, 0) == Some("vacuum")
}

/// What running one file showed: the strongest lock per table (mode, when and by which line it
/// was taken, when it was released), the last line that read each table in full, rewrites.
#[derive(Default)]
struct Observation {
    held: BTreeMap<String, (String, Instant, u32, Option<Instant>)>,
    scanned: BTreeMap<String, u32>,
    rewrites: Vec<Rewrite>,
}

impl Observation {
    fn keep(&mut self, table: String, mode: String, at: Instant, line: u32) {
        let stronger = self
            .held
            .get(&table)
            .is_none_or(|(m, ..)| catalog::strength(&mode) > catalog::strength(m));
        if stronger {
            self.held.insert(table, (mode, at, line, None));
        }
    }

    /// The locks taken at `line` were released (its own transaction committed).
    fn released(&mut self, line: u32, at: Instant) {
        for (_, _, taken, end) in self.held.values_mut() {
            if *taken == line && end.is_none() {
                *end = Some(at);
            }
        }
    }
}

/// Runs one statement inside `tx` and records what it did: locks (read by `observer` while the
/// transaction is open), new storage files (the connection sees its own catalog), full reads.
fn run_observed(
    tx: &mut postgres::Transaction<'_>,
    observer: &mut Client,
    pid: i32,
    s: &lex::Stmt,
    seen: &mut Observation,
) -> Result<std::result::Result<(), Outcome>> {
    let nodes = catalog::storage(tx)?;
    let scans = catalog::scans(tx)?;
    let at = Instant::now();
    if let Err(e) = tx.batch_execute(&s.text) {
        return Ok(Err(db_failure(&e, &s.text, s.line)));
    }
    let took = at.elapsed();
    for (table, mode) in catalog::locks_of(observer, pid)? {
        seen.keep(table, mode, at, s.line);
    }
    let now = catalog::storage(tx)?;
    for (oid, before) in &nodes {
        let Some(after) = now.get(oid).filter(|a| a.node != before.node) else {
            continue;
        };
        // TRUNCATE also gives a table new storage, empty: that is not a rewrite.
        if catalog::is_empty(tx, &after.quoted)? {
            continue;
        }
        seen.rewrites.push(Rewrite {
            table: before.table.clone(),
            line: s.line,
            statement_ms: ms(took),
            ..Rewrite::default()
        });
        seen.scanned.insert(before.table.clone(), s.line);
    }
    for (table, n) in catalog::scans(tx)? {
        if scans.get(&table).is_none_or(|before| n > *before) {
            seen.scanned.insert(table, s.line);
        }
    }
    Ok(Ok(()))
}

/// Applies one file on a connection of its own while `observer` reads the locks it holds: in
/// one transaction, statement by statement; a file with a statement PostgreSQL refuses inside a
/// transaction (or sqlx's `-- no-transaction`) runs each statement in its own, and those
/// statements alone with the observer polling while they run. The outer error is riskgate's
/// own (a lost connection, the catalog unreadable), the inner one the migration's.
fn apply(db: &Throwaway, observer: &mut Client, sql: &str) -> Result<std::result::Result<Applied, Outcome>> {
    let mut conn = db.connect()?;
    let pid: i32 = conn.query_one("SELECT pg_catalog.pg_backend_pid()", &[])?.get(0);
    let stmts = statements(sql);
    if let Some(reason) = stmts.iter().find_map(reaches_beyond) {
        return Ok(Err(Outcome::Skipped { reason }));
    }
    let mut seen = Observation::default();
    let started = Instant::now();
    let one_by_one = Step::outside_transaction(sql) || stmts.iter().any(needs_autocommit);
    if one_by_one {
        for s in &stmts {
            if needs_autocommit(s) {
                let nodes = catalog::storage(&mut conn)?;
                let at = Instant::now();
                let locks = match run_watched(&mut conn, observer, pid, &s.text) {
                    Ok(locks) => locks,
                    Err(e) => return Ok(Err(db_failure(&e, &s.text, s.line))),
                };
                let end = Instant::now();
                for (table, mode) in locks {
                    // Whether it read every row cannot be told after the commit: a lock that
                    // blocks writes is taken to (CREATE INDEX CONCURRENTLY's does not block).
                    if catalog::blocks_writes(&mode) {
                        seen.scanned.insert(table.clone(), s.line);
                    }
                    seen.keep(table, mode, at, s.line);
                }
                seen.released(s.line, end);
                let now = catalog::storage(&mut conn)?;
                for (oid, before) in &nodes {
                    if now.get(oid).is_some_and(|a| a.node != before.node) {
                        seen.rewrites.push(Rewrite {
                            table: before.table.clone(),
                            line: s.line,
                            statement_ms: ms(end.duration_since(at)),
                            ..Rewrite::default()
                        });
                    }
                }
            } else {
                let mut tx = conn.transaction()?;
                if let Err(failed) = run_observed(&mut tx, observer, pid, s, &mut seen)? {
                    return Ok(Err(failed));
                }
                if let Err(e) = tx.commit() {
                    return Ok(Err(db_failure(&e, &s.text, s.line)));
                }
                seen.released(s.line, Instant::now());
            }
        }
    } else {
        let mut tx = conn.transaction()?;
        for s in &stmts {
            if let Err(failed) = run_observed(&mut tx, observer, pid, s, &mut seen)? {
                return Ok(Err(failed));
            }
        }
        // A deferred constraint fails at the commit: the last statement is the nearest line.
        if let Err(e) = tx.commit() {
            let (text, line) = stmts.last().map_or(("COMMIT", 0), |s| (s.text.as_str(), s.line));
            return Ok(Err(db_failure(&e, text, line)));
        }
    }
    let end = Instant::now();
    let Observation {
        held,
        scanned,
        rewrites,
    } = seen;
    let locks = held
        .into_iter()
        .map(|(relation, (mode, at, line, released))| LockHeld {
            // Only work done while the lock was held makes writers wait longer.
            scans_table: scanned.get(&relation).is_some_and(|l| *l >= line),
            held_ms: ms(released.unwrap_or(end).duration_since(at)),
            blocks_writes: catalog::blocks_writes(&mode),
            blocks_reads: catalog::blocks_reads(&mode),
            relation,
            mode,
            line,
            estimated_production_ms: None,
        })
        .collect();
    Ok(Ok(Applied {
        elapsed_ms: ms(end.duration_since(started)),
        locks,
        rewrites,
    }))
}

/// A statement that runs outside a transaction: its locks are gone when it returns, so the
/// observer polls `pg_locks` while it runs.
fn run_watched(
    conn: &mut Client,
    observer: &mut Client,
    pid: i32,
    sql: &str,
) -> std::result::Result<Vec<(String, String)>, postgres::Error> {
    let done = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let watcher = scope.spawn(|| {
            let mut seen = Vec::new();
            while !done.load(Ordering::Acquire) {
                if let Ok(locks) = catalog::locks_of(observer, pid) {
                    for l in locks {
                        if !seen.contains(&l) {
                            seen.push(l);
                        }
                    }
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            seen
        });
        let result = conn.batch_execute(sql);
        done.store(true, Ordering::Release);
        let seen = watcher.join().unwrap_or_default();
        result.map(|()| seen)
    })
}

/// Columns with values before the change that are gone or different after it, and another
/// column that holds exactly those values (a backup), when one does.
fn backups(before: &Snapshot, after: &Snapshot, plan_tables: &BTreeSet<String>) -> Vec<BackupCheck> {
    let mut out = Vec::new();
    for (table, t) in &before.tables {
        for (name, c) in &t.columns {
            let kept = after.tables.get(table).and_then(|a| a.columns.get(name));
            if c.values == 0 || kept.is_some_and(|k| k.checksum == c.checksum || (k.clock && !c.clock)) {
                continue;
            }
            // A copy is a column the base did not have (in a new table, or a renamed or added
            // column); the same name first.
            let mut candidates: Vec<(bool, String, String)> = after
                .tables
                .iter()
                .flat_map(|(other, o)| {
                    let old = before.tables.get(other);
                    o.columns
                        .iter()
                        .filter(move |(ocn, _)| old.is_none_or(|t| !t.columns.contains_key(*ocn)))
                        .filter(|(_, oc)| oc.checksum == c.checksum && oc.values == c.values)
                        .map(move |(ocn, _)| (ocn != name, other.clone(), ocn.clone()))
                })
                .collect();
            candidates.sort();
            let found = candidates.first();
            out.push(BackupCheck {
                column: format!("{table}.{name}"),
                values: c.values,
                kept_in: found.map(|(_, t, c)| format!("{t}.{c}")),
                from_plan: found.is_some_and(|(_, t, _)| plan_tables.contains(t)),
            });
        }
    }
    out
}

/// The down file of the first step after which `what` (`table` or `table.column`) is no longer
/// what the base held: the migration that changed it is the one whose down must bring it back.
fn responsible(before: &Snapshot, after_step: &[(Option<String>, Snapshot)], what: &str) -> Option<Option<String>> {
    let (table, column) = match before.tables.get(what) {
        Some(_) => (what, None),
        None => {
            let (t, c) = what.rsplit_once('.')?;
            (t, Some(c))
        }
    };
    let base = before.tables.get(table)?;
    after_step
        .iter()
        .find(|(_, snap)| match (snap.tables.get(table), column) {
            (None, _) => true,
            (Some(t), None) => t.rows != base.rows,
            (Some(t), Some(c)) => t.columns.get(c).map(|x| &x.checksum) != base.columns.get(c).map(|x| &x.checksum),
        })
        .map(|(down, _)| down.clone())
}

/// What the rollback did not bring back, and schema that differs from the base.
fn compare(
    before: &Snapshot,
    after: &Snapshot,
    restored: &Snapshot,
    plan_tables: &BTreeSet<String>,
    down_file: Option<String>,
) -> (Vec<DataLost>, Vec<String>) {
    let mut lost = Vec::new();
    let mut schema = Vec::new();
    let mut lose = |what: String, detail: String, certain: bool| {
        lost.push(DataLost {
            what,
            detail,
            certain,
            down_file: down_file.clone(),
        })
    };
    for (name, t) in &before.tables {
        let Some(r) = restored.tables.get(name) else {
            lose(
                name.clone(),
                format!("the table is not restored ({} rows before)", t.rows),
                true,
            );
            continue;
        };
        if r.rows != t.rows {
            lose(
                name.clone(),
                format!("{} rows before, {} after the rollback", t.rows, r.rows),
                true,
            );
        }
        for (col, c) in &t.columns {
            let Some(rc) = r.columns.get(col) else {
                lose(
                    format!("{name}.{col}"),
                    format!("the column is not restored ({} values before)", c.values),
                    true,
                );
                continue;
            };
            if rc.type_name != c.type_name {
                schema.push(format!(
                    "{name}.{col} is {} after the rollback, {} before",
                    rc.type_name, c.type_name
                ));
            }
            if rc.not_null != c.not_null {
                let state = |n: bool| if n { "NOT NULL" } else { "nullable" };
                schema.push(format!(
                    "{name}.{col} is {} after the rollback, {} before",
                    state(rc.not_null),
                    state(c.not_null)
                ));
            }
            if rc.default != c.default {
                schema.push(format!(
                    "{name}.{col} defaults to {} after the rollback, {} before",
                    rc.default.as_deref().unwrap_or("nothing"),
                    c.default.as_deref().unwrap_or("nothing")
                ));
            }
            // A trigger that stamps `updated_at` on every write is not a loss of data.
            let stamped = rc.clock && !c.clock;
            if rc.checksum != c.checksum && r.rows == t.rows && !stamped {
                let (detail, certain) = if rc.values == 0 {
                    (format!("{} values before; the column comes back empty", c.values), true)
                } else if after
                    .tables
                    .get(name)
                    .and_then(|a| a.columns.get(col))
                    .is_some_and(|a| a.checksum == rc.checksum)
                {
                    (
                        format!(
                            "the up migration rewrites its {} values and the down leaves them rewritten",
                            c.values
                        ),
                        true,
                    )
                } else if rc.distinct == 1 && c.distinct > 1 {
                    (
                        format!(
                            "{} distinct values before; the column comes back with one value in every row",
                            c.distinct
                        ),
                        true,
                    )
                } else {
                    (
                        format!("the down migration writes {} values that differ from the {} before on synthetic rows; check that what it recomputes them from holds them in production", rc.values, c.values),
                        false,
                    )
                };
                lose(format!("{name}.{col}"), detail, certain);
            }
        }
        for col in r.columns.keys().filter(|c| !t.columns.contains_key(*c)) {
            schema.push(format!("column {name}.{col} is left behind"));
        }
        for (what, old, new) in [
            ("constraint", &t.constraints, &r.constraints),
            ("index", &t.indexes, &r.indexes),
        ] {
            for gone in old.difference(new) {
                schema.push(format!("{what} not restored: {gone}"));
            }
            for extra in new.difference(old) {
                schema.push(format!("{what} left behind: {extra}"));
            }
        }
    }
    for name in restored.tables.keys() {
        if !before.tables.contains_key(name) && !plan_tables.contains(name) {
            schema.push(format!("table {name} is left behind"));
        }
    }
    (lost, schema)
}
