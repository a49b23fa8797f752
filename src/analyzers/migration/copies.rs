//! The copies a migration takes before it loses data: tables copied with their rows
//! (`CREATE TABLE … AS SELECT`, `INSERT … SELECT`, `COPY … TO`), values moved by an `UPDATE … FROM`
//! or by code. The drop rules ask the context for them.

use super::ops::{Op, OpKind};
use super::{frameworks, sql, Copy};
use crate::config::Dialect;

/// Every copy the ops take, and every `UPDATE person SET … FROM person_counts` that moves the
/// values of the table it reads into another; `file` names another migration that took them.
pub(super) fn copies_in(ops: &[Op], file: Option<&str>) -> Vec<Copy> {
    let mut copies = Vec::new();
    for op in ops {
        let before = copies.len();
        collect_copies(&op.kind, op.line, &mut copies);
        // A copy of rows that a WHERE picks: which columns pick them.
        if matches!(
            op.kind,
            OpKind::CreateTableAs { .. } | OpKind::InsertSelect { .. } | OpKind::CopyTo { .. }
        ) {
            let picked_by = sql::where_columns(&op.statement).filter(|_| !keeps_every_row(&op.statement));
            for c in &mut copies[before..] {
                c.picked_by = picked_by.clone();
            }
        }
        // A Ruby loop over `Model.where(…)` copies the rows that filter picks.
        if matches!(op.kind, OpKind::CodeCopy { moved: false, .. }) {
            // A filter it cannot name the columns of (`where("…")`, `where.not`) still picks
            // some rows: no backup of a table dropped whole.
            let picked_by = frameworks::rails::where_columns(&op.statement)
                .or_else(|| op.statement.contains(".where").then(Vec::new));
            for c in &mut copies[before..] {
                c.picked_by = picked_by.clone();
            }
        }
        if let OpKind::Update { table, .. } = &op.kind {
            let text = op.statement.to_lowercase();
            for source in sql::tables_read(&text).into_iter().filter(|s| s != table) {
                copies.push(Copy {
                    of: source,
                    into: table.clone(),
                    line: op.line,
                    with_data: true,
                    // The columns the UPDATE reads, loosely: every word of it.
                    columns: Some(crate::text::words(&text).map(str::to_string).collect()),
                    moved: true,
                    file: None,
                    picked_by: None,
                });
            }
        }
    }
    if let Some(file) = file {
        for c in &mut copies {
            c.file = Some(file.to_string());
            // Taken before any line of the file being judged.
            c.line = 0;
        }
    }
    copies
}

/// A copy's WHERE that every row meets: `id IS NOT NULL` (SQLite's `id NOT NULL`, `id NOTNULL`)
/// on the key every row has, as SQLite table rebuilds write it.
fn keeps_every_row(statement: &str) -> bool {
    let toks: Vec<sql::Token> = sql::split(statement, Dialect::Postgres, 1)
        .into_iter()
        .flat_map(|s| s.tokens)
        .collect();
    let count = |w: &str| toks.iter().filter(|t| t.is_word(w)).count();
    // One plain SELECT: a join or a subquery can drop rows whatever the last WHERE says.
    if count("join") > 0 || count("select") != 1 || count("where") != 1 {
        return false;
    }
    let Some(at) = toks.iter().position(|t| t.is_word("where")) else {
        return false;
    };
    let filter: Vec<String> = toks[at + 1..]
        .iter()
        .filter(|t| !t.is_sym(";"))
        .filter_map(sql::Token::name)
        .collect();
    matches!(
        filter.iter().map(String::as_str).collect::<Vec<_>>().as_slice(),
        ["id", "is", "not", "null"] | ["id", "not", "null"] | ["id", "notnull"]
    )
}

fn collect_copies(kind: &OpKind, line: u32, copies: &mut Vec<Copy>) {
    // Every source table of a copy gets its own record, pointing at where the rows went.
    let mut record = |sources: &[String], into: &str, with_data: bool, columns: &Option<Vec<String>>, moved: bool| {
        for s in sources {
            copies.push(Copy {
                of: s.clone(),
                into: into.to_string(),
                line,
                with_data,
                columns: columns.clone(),
                moved,
                file: None,
                picked_by: None,
            });
        }
    };
    match kind {
        OpKind::CreateTableAs {
            table,
            sources,
            columns,
            with_data,
        } => record(sources, table, *with_data, columns, false),
        OpKind::CreateTableLike { table, source } => record(std::slice::from_ref(source), table, false, &None, false),
        OpKind::InsertSelect {
            table,
            sources,
            columns,
        } => record(sources, table, true, columns, false),
        OpKind::CopyTo { sources, columns } => record(sources, "a file (COPY … TO)", true, columns, false),
        OpKind::CodeCopy {
            of,
            into,
            columns,
            moved,
        } => record(std::slice::from_ref(of), into, true, columns, *moved),
        OpKind::LoopCopy {
            of,
            into,
            columns,
            moved,
            filtered,
        } => {
            record(std::slice::from_ref(of), into, true, &Some(columns.clone()), *moved);
            if *filtered {
                // Which rows, an `IF` or the loop's `WHERE` decides: no column to name.
                if let Some(c) = copies.last_mut() {
                    c.picked_by = Some(Vec::new());
                }
            }
        }
        OpKind::DoBlock { nested, .. } => nested.iter().for_each(|k| collect_copies(k, line, copies)),
        _ => {}
    }
}
