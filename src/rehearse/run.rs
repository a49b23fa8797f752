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
    let started = Instant::now();
    let db = Throwaway::create(&options.url, options.allow_superuser)?;
    let mut client = db.connect()?;
    let mut observer = db.connect()?;
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
        client
            .batch_execute(schema)
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
    let before = catalog::snapshot(&mut client)?;
    let mut plan_tables = BTreeSet::new();
    if !options.plan_backup.is_empty() {
        for block in &options.plan_backup {
            if let Err(e) = client.batch_execute(block) {
                out.not_rehearsed.push(NotRehearsed {
                    file: "the plan's Backup section".into(),
                    reason: format!("its SQL failed: {}", db_message(&e)),
                });
            }
        }
        let now = catalog::snapshot(&mut client)?;
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
        match apply(&db, &mut observer, &step.up) {
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
    let after = catalog::snapshot(&mut client)?;
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
            match apply(&db, &mut observer, down) {
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
            let restored = catalog::snapshot(&mut client)?;
            let last_down = script.change.first().and_then(|s| s.down_path.clone());
            (out.rollback.lost, out.rollback.schema_differences) =
                compare(&before, &after, &restored, &plan_tables, last_down);
            rerun(&db, &mut observer, &script.change, &mut out.steps);
        } else {
            out.rollback.reason = Some("a down migration failed".into());
        }
    }
    drop(client);
    drop(observer);
    drop(db);
    out.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(out)
}

/// The up migrations again, after the rollback: a deploy that is rolled back and retried.
fn rerun(db: &Throwaway, observer: &mut Client, change: &[Step], steps: &mut [StepReport]) {
    for (i, step) in change.iter().enumerate() {
        match apply(db, observer, &step.up) {
            Ok(applied) => {
                steps[i].rerun = Outcome::Applied {
                    elapsed_ms: applied.elapsed_ms,
                }
            }
            Err(outcome) => {
                steps[i].rerun = outcome;
                return;
            }
        }
    }
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
        _ => return None,
    };
    Some(format!(
        "{} at line {} reaches beyond the rehearsal's database; the rehearsal does not run it",
        what.to_uppercase(),
        stmt.line
    ))
}

/// Runs a file in one transaction (or statement by statement when it must run outside one).
fn run_sql(client: &mut Client, sql: &str) -> std::result::Result<(), Outcome> {
    let stmts = statements(sql);
    if let Some(reason) = stmts.iter().find_map(reaches_beyond) {
        return Err(Outcome::Skipped { reason });
    }
    if Step::outside_transaction(sql) {
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

/// Applies one file on a connection of its own while `observer` reads the locks it holds:
/// inside a transaction after each statement (locks are held to the commit), outside one by
/// polling while the statement runs.
fn apply(db: &Throwaway, observer: &mut Client, sql: &str) -> std::result::Result<Applied, Outcome> {
    let mut conn = db.connect().map_err(|e| failure(e.to_string(), "", 0))?;
    let pid: i32 = conn
        .query_one("SELECT pg_backend_pid()", &[])
        .map_err(|e| failure(db_message(&e), "", 0))?
        .get(0);
    let stmts = statements(sql);
    if let Some(reason) = stmts.iter().find_map(reaches_beyond) {
        return Err(Outcome::Skipped { reason });
    }
    let mut held: BTreeMap<String, (String, Instant, u32)> = BTreeMap::new();
    // The last line at which each table was read in full or rewritten (outside a transaction
    // it cannot be told, so a write-blocking lock is assumed to scan).
    let mut scanned: BTreeMap<String, u32> = BTreeMap::new();
    let mut keep = |table: String, mode: String, at: Instant, line: u32| {
        let stronger = held
            .get(&table)
            .is_none_or(|(m, _, _)| catalog::strength(&mode) > catalog::strength(m));
        if stronger {
            held.insert(table, (mode, at, line));
        }
    };
    let started = Instant::now();
    let mut ends: BTreeMap<String, Instant> = BTreeMap::new();
    let mut rewrites = Vec::new();
    // The connection sees its own uncommitted catalog: a new storage file after a statement
    // is a rewrite by that statement.
    let mut rewritten =
        |nodes: &mut BTreeMap<u32, (String, u32)>, now: BTreeMap<u32, (String, u32)>, s: &lex::Stmt, took: Duration| {
            for (oid, (table, node)) in nodes.iter() {
                if now.get(oid).is_some_and(|(_, n)| n != node) {
                    rewrites.push(Rewrite {
                        table: table.clone(),
                        line: s.line,
                        statement_ms: ms(took),
                        ..Rewrite::default()
                    });
                }
            }
            *nodes = now;
        };
    let storage_failed = |e: anyhow::Error| failure(e.to_string(), "", 0);
    if Step::outside_transaction(sql) {
        let mut nodes = catalog::storage(&mut conn).map_err(storage_failed)?;
        for s in &stmts {
            let at = Instant::now();
            let seen = run_watched(&mut conn, observer, pid, &s.text).map_err(|e| db_failure(&e, &s.text, s.line))?;
            let end = Instant::now();
            for (table, mode) in seen {
                ends.insert(table.clone(), end);
                if catalog::blocks_writes(&mode) {
                    scanned.insert(table.clone(), s.line);
                }
                keep(table, mode, at, s.line);
            }
            let now = catalog::storage(&mut conn).map_err(storage_failed)?;
            rewritten(&mut nodes, now, s, end.duration_since(at));
        }
    } else {
        let mut tx = conn.transaction().map_err(|e| failure(db_message(&e), "BEGIN", 0))?;
        let mut nodes = catalog::storage(&mut tx).map_err(storage_failed)?;
        let mut seq = catalog::scans(&mut tx).map_err(storage_failed)?;
        for s in &stmts {
            let at = Instant::now();
            tx.batch_execute(&s.text).map_err(|e| db_failure(&e, &s.text, s.line))?;
            let took = at.elapsed();
            let locks = catalog::locks_of(observer, pid).map_err(|e| failure(e.to_string(), &s.text, s.line))?;
            for (table, mode) in locks {
                keep(table, mode, at, s.line);
            }
            let now = catalog::storage(&mut tx).map_err(storage_failed)?;
            rewritten(&mut nodes, now, s, took);
            let after = catalog::scans(&mut tx).map_err(storage_failed)?;
            for (table, n) in &after {
                if seq.get(table).is_none_or(|before| n > before) {
                    scanned.insert(table.clone(), s.line);
                }
            }
            seq = after;
        }
        tx.commit().map_err(|e| failure(db_message(&e), "COMMIT", 0))?;
    }
    let end = Instant::now();
    for rw in &rewrites {
        let last = scanned.entry(rw.table.clone()).or_insert(rw.line);
        *last = (*last).max(rw.line);
    }
    let locks = held
        .into_iter()
        .map(|(relation, (mode, at, line))| LockHeld {
            // Only work done while the lock was held makes it wait longer.
            scans_table: scanned.get(&relation).is_some_and(|l| *l >= line),
            held_ms: ms(ends.get(&relation).copied().unwrap_or(end).duration_since(at)),
            blocks_writes: catalog::blocks_writes(&mode),
            blocks_reads: catalog::blocks_reads(&mode),
            relation,
            mode,
            line,
            estimated_production_ms: None,
        })
        .collect();
    Ok(Applied {
        elapsed_ms: ms(end.duration_since(started)),
        locks,
        rewrites,
    })
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
            if c.values == 0 || kept.is_some_and(|k| k.checksum == c.checksum) {
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
            if rc.checksum != c.checksum && r.rows == t.rows {
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
