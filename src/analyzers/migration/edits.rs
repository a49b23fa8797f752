//! An edited migration compared with its old version statement by statement: what the edit
//! only reformats, moves or wraps was there before; what it adds is judged.

use super::ops::{Op, OpKind, Script};
use super::sql;
use crate::diff::ChangedFile;
use crate::model::{Dialect, Finding};

/// A statement as its tokens: comments, spacing, case and quote style do not count (a formatter
/// changes them all).
fn squash(s: &str) -> Vec<String> {
    let tokens: Vec<String> = sql::split(s, Dialect::Postgres, 1)
        .iter()
        .flat_map(|stmt| squash_tokens(&stmt.tokens))
        .collect();
    if tokens.is_empty() {
        vec![s
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_lowercase()]
    } else {
        tokens
    }
}

fn squash_tokens(tokens: &[sql::Token]) -> Vec<String> {
    tokens
        .iter()
        .map(|t| match &t.tok {
            // Ruby and Python quote either way; a formatter picks one. A quoted name
            // (`profiles`, "profiles") is the bare one: MySQL quoting dropped for Postgres.
            sql::Tok::Ident(x) | sql::Tok::Word(x) => format!("'{}'", x.to_lowercase()),
            sql::Tok::Str(x) => format!("'{x}'"),
            other => format!("{other:?}"),
        })
        .filter(|t| t != "Sym(\";\")")
        .collect()
}

/// The statements one statement stands for, squashed: itself, or for a `DO` block the SQL
/// statements of its body without the PL/pgSQL around them (`BEGIN`, `IF … THEN`), so a
/// statement an edit wraps in a block (or takes out of one) compares with itself.
fn squashed_statements(statement: &str, guarded_too: bool) -> Vec<Vec<String>> {
    let body = do_body(statement);
    // A block that decides what runs (`IF`, loops, `EXECUTE`) is compared whole, unless
    // `guarded_too`: a statement now under a guard runs at most where it ran before.
    let Some(body) = body.filter(|b| guarded_too || !decides_what_runs(b)) else {
        return vec![squash(statement)];
    };
    let inner: Vec<Vec<String>> = sql::split(&body, Dialect::Postgres, 1)
        .iter()
        .filter_map(|s| sql::sql_in_block(&s.tokens).map(squash_tokens))
        .collect();
    if inner.is_empty() {
        vec![squash(statement)]
    } else {
        inner
    }
}

/// The body of a statement that is one `DO` block.
fn do_body(statement: &str) -> Option<String> {
    match sql::split(statement, Dialect::Postgres, 1).as_slice() {
        [only] if only.tokens.first().is_some_and(|t| t.is_word("do")) => {
            only.tokens.iter().find_map(|t| match &t.tok {
                sql::Tok::Dollar(body) => Some(body.clone()),
                _ => None,
            })
        }
        _ => None,
    }
}

/// A PL/pgSQL body whose statements run only under a condition, in a loop, or as built text:
/// its statements are not the same as the same statements written plainly.
fn decides_what_runs(body: &str) -> bool {
    sql::split(body, Dialect::Postgres, 1).iter().any(|s| {
        s.tokens.iter().any(|t| {
            [
                "if",
                "case",
                "loop",
                "while",
                "for",
                "foreach",
                "execute",
                "exception",
                "return",
                "exit",
                "perform",
            ]
            .iter()
            .any(|k| t.is_word(k))
        })
    })
}

/// An op as single-object operations; a `DO` block that runs its statements plainly stands for
/// them, one that decides what runs stands for itself unless `guarded_too` (the new side of an
/// edit: a guard added around a statement narrows where it runs). One that builds text to run
/// always stands for itself.
fn single_of(op: &Op, guarded_too: bool) -> Vec<OpKind> {
    match &op.kind {
        OpKind::DoBlock { dynamic: false, nested }
            if guarded_too || !do_body(&op.statement).is_some_and(|b| decides_what_runs(&b)) =>
        {
            nested.iter().flat_map(single).collect()
        }
        OpKind::DoBlock { .. } => vec![op.kind.clone()],
        other => single(other),
    }
}

/// Two statements' tokens are the same statement. Evidence is cut at a length (`…`), at a
/// place that depends on formatting: a cut one compares up to the shorter cut, less the word
/// the cut split.
fn same_statement(a: &[String], b: &[String]) -> bool {
    let cut = |t: &[String]| t.last().is_some_and(|l| l.contains('…'));
    if !cut(a) && !cut(b) {
        return a == b;
    }
    let whole = |t: &[String]| if cut(t) { t.len().saturating_sub(2) } else { t.len() };
    // An uncut statement shorter than the other's kept part is another statement.
    if (!cut(a) && a.len() < whole(b)) || (!cut(b) && b.len() < whole(a)) {
        return false;
    }
    let n = whole(a).min(whole(b));
    n > 0 && a[..n] == b[..n]
}

/// An op as single-object operations, to compare two versions of a file statement by statement.
fn single(kind: &OpKind) -> Vec<OpKind> {
    match kind {
        OpKind::DropTable { tables } => tables
            .iter()
            .map(|t| OpKind::DropTable {
                tables: vec![t.clone()],
            })
            .collect(),
        OpKind::Truncate { tables } => tables
            .iter()
            .map(|t| OpKind::Truncate {
                tables: vec![t.clone()],
            })
            .collect(),
        // An edit that only changes where a rename goes or which type a column gets never runs
        // where the migration ran: the op was there (the edit is drift, reported as such).
        OpKind::RenameColumn { table, from, .. } => vec![OpKind::RenameColumn {
            table: table.clone(),
            from: from.clone(),
            to: String::new(),
        }],
        OpKind::RenameTable { from, .. } => vec![OpKind::RenameTable {
            from: from.clone(),
            to: String::new(),
        }],
        OpKind::AlterColumnType { table, column, .. } => vec![OpKind::AlterColumnType {
            table: table.clone(),
            column: column.clone(),
            type_name: String::new(),
            using: None,
        }],
        // A reformatted call may lose its receiver to the line before: compare what it does.
        OpKind::CodeDelete { what, after_copy, .. } => vec![OpKind::CodeDelete {
            what: what.clone(),
            table: None,
            after_copy: *after_copy,
        }],
        OpKind::Other => Vec::new(),
        other => vec![other.clone()],
    }
}

/// Keeps the findings of an edited migration that stand on what the edit adds: a statement that
/// was there before (moved, reformatted, folded into one `DROP TABLE a, b`) is not new.
pub(super) fn keep_what_the_edit_adds(file: &ChangedFile, script: &Script, old: &Script, found: &mut Vec<Finding>) {
    let added: Vec<u32> = file.added_lines().filter_map(|l| l.new_lineno).collect();
    let before: Vec<OpKind> = old.ops.iter().flat_map(|op| single_of(op, false)).collect();
    // Only statements whose text decides are normalised: a seed file's thousands of INSERTs are not.
    let by_text = |kinds: &[OpKind]| {
        kinds
            .iter()
            .any(|k| matches!(k, OpKind::Delete { .. } | OpKind::Update { .. }))
    };
    let old_text: Vec<Vec<String>> = old
        .ops
        .iter()
        .filter(|op| by_text(&single_of(op, false)))
        .flat_map(|op| squashed_statements(&op.statement, false))
        .collect();
    // The same text is the same statement, however it was read (sqlparser outside a `DO`
    // block, the token scan inside one).
    let (there, fresh): (Vec<&Op>, Vec<&Op>) = script.ops.iter().partition(|op| {
        let kinds = single_of(op, true);
        // A DELETE or UPDATE is its filter too, which the op does not hold: its text decides.
        !kinds.is_empty()
            && if by_text(&kinds) {
                squashed_statements(&op.statement, true)
                    .iter()
                    .all(|new| old_text.iter().any(|old| same_statement(old, new)))
            } else {
                kinds.iter().all(|k| before.contains(k))
            }
    });
    let lines = |ops: &[&Op]| -> Vec<(u32, u32)> { ops.iter().map(|op| (op.line, op.end_line.max(op.line))).collect() };
    // A new statement on a line an old one shares (`CREATE TABLE a (…); DROP TABLE users;`) is new.
    let (old_lines, new_lines) = (lines(&there), lines(&fresh));
    found.retain(|f| {
        let on_added = match (f.line, f.end_line) {
            (Some(start), end) => added.iter().any(|l| (start..=end.unwrap_or(start)).contains(l)),
            (None, _) => !added.is_empty(),
        };
        let within = |ranges: &[(u32, u32)], l: u32| ranges.iter().any(|(a, b)| (*a..=*b).contains(&l));
        let was_there = f.line.is_some_and(|l| within(&old_lines, l) && !within(&new_lines, l));
        on_added && !was_there
    });
}
