//! The token scan: recognises the same forms as the AST path from keywords alone, for
//! statements sqlparser cannot parse (dialect extensions, `DO` blocks).

use super::lex::{
    has_seq, json_functions, qualified_name, select_columns, set_clause, split, tables_read, tokens_text, word_at, Tok,
    Token,
};
use crate::analyzers::migration::ops::{Filter, OpKind};
use crate::config::Dialect;

/// The token scan: recognises the same forms as the AST path from keywords alone, for
/// statements sqlparser cannot parse (dialect extensions, `DO` blocks).
pub fn from_tokens(toks: &[Token]) -> Vec<OpKind> {
    let w = |i: usize| word_at(toks, i).unwrap_or("");
    let skip_if_exists = |mut i: usize| {
        if w(i) == "if" && w(i + 1) == "exists" {
            i += 2;
        }
        if w(i) == "only" {
            i += 1;
        }
        i
    };
    match (w(0), w(1)) {
        ("do", _) => return vec![do_block(toks)],
        ("drop", "table") => {
            let i = skip_if_exists(2);
            let mut tables = Vec::new();
            let mut j = i;
            while let Some(n) = qualified_name(toks, j) {
                tables.push(n);
                match toks[j..].iter().position(|t| t.is_sym(",")) {
                    Some(k) => j += k + 1,
                    None => break,
                }
            }
            return vec![OpKind::DropTable { tables }];
        }
        // MySQL: RENAME TABLE a TO b [, c TO d …].
        ("rename", "table") => {
            let mut out = Vec::new();
            let mut j = 2;
            while let Some(from) = qualified_name(toks, j) {
                let Some(to_at) = toks[j..].iter().position(|t| t.is_word("to")).map(|k| j + k + 1) else {
                    break;
                };
                let Some(to) = qualified_name(toks, to_at) else { break };
                out.push(OpKind::RenameTable { from, to });
                match toks[to_at..].iter().position(|t| t.is_sym(",")) {
                    Some(k) => j = to_at + k + 1,
                    None => break,
                }
            }
            return out;
        }
        ("drop", "schema") => {
            return vec![OpKind::DropSchema {
                names: qualified_name(toks, skip_if_exists(2)).into_iter().collect(),
            }]
        }
        ("truncate", _) => {
            let i = if w(1) == "table" { 2 } else { 1 };
            return vec![OpKind::Truncate {
                tables: qualified_name(toks, skip_if_exists(i)).into_iter().collect(),
            }];
        }
        ("delete", "from") => {
            let table = qualified_name(toks, skip_if_exists(2)).unwrap_or_default();
            return vec![OpKind::Delete {
                table,
                filter: token_filter(toks),
            }];
        }
        ("update", _) => {
            let table = qualified_name(toks, skip_if_exists(1)).unwrap_or_default();
            let set = set_clause(toks);
            let columns = set
                .windows(2)
                .filter(|p| p[1].is_sym("="))
                .filter_map(|p| p[0].name())
                .collect();
            return vec![OpKind::Update {
                table,
                columns,
                filter: token_filter(toks),
                json: json_functions(set),
            }];
        }
        ("create", _) => return create_from_tokens(toks),
        ("insert", _) if toks.iter().any(|t| t.is_word("select")) => {
            // MySQL's modifiers come before `INTO`: `INSERT LOW_PRIORITY IGNORE INTO`.
            let modifiers = ["low_priority", "delayed", "high_priority", "ignore"];
            let into = 1 + (1..4).take_while(|&i| modifiers.contains(&w(i))).count();
            if w(into) != "into" {
                return vec![OpKind::Other];
            }
            let text = tokens_text(toks);
            return vec![OpKind::InsertSelect {
                table: qualified_name(toks, into + 1).unwrap_or_default(),
                sources: tables_read(&text),
                columns: select_columns(&text),
            }];
        }
        ("alter", "table") => return alter_from_tokens(toks),
        _ => {}
    }
    vec![OpKind::Other]
}

fn token_filter(toks: &[Token]) -> Filter {
    let Some(at) = toks.iter().position(|t| t.is_word("where")) else {
        return if toks.iter().any(|t| t.is_word("limit")) {
            Filter::Batched
        } else {
            Filter::None
        };
    };
    let rest = &toks[at + 1..];
    let simple_true = match rest {
        [t] => t.is_word("true") || matches!(&t.tok, Tok::Num(n) if n != "0"),
        [a, eq, b] => eq.is_sym("=") && a.tok == b.tok,
        _ => false,
    };
    if simple_true {
        Filter::Tautology
    } else if rest.iter().any(|t| t.is_word("limit") || t.is_word("between")) {
        Filter::Batched
    } else {
        Filter::Real
    }
}

fn create_from_tokens(toks: &[Token]) -> Vec<OpKind> {
    let mut i = 1;
    while ["unique", "temporary", "temp", "or", "replace", "unlogged"].contains(&word_at(toks, i).unwrap_or("")) {
        i += 1;
    }
    match word_at(toks, i) {
        Some("view") | Some("materialized") => {
            let mut j = if word_at(toks, i) == Some("materialized") {
                i + 2
            } else {
                i + 1
            };
            if word_at(toks, j) == Some("if") {
                j += 3;
            }
            vec![OpKind::CreateTable {
                table: qualified_name(toks, j).unwrap_or_default(),
                columns: Vec::new(),
            }]
        }
        Some("index") => {
            let concurrently = word_at(toks, i + 1) == Some("concurrently");
            let on = toks.iter().position(|t| t.is_word("on"));
            let table = on.and_then(|o| qualified_name(toks, o + 1)).unwrap_or_default();
            vec![OpKind::CreateIndex { table, concurrently }]
        }
        Some("table") => {
            let mut j = i + 1;
            if word_at(toks, j) == Some("if") {
                j += 3;
            }
            let table = qualified_name(toks, j).unwrap_or_default();
            if let Some(as_at) = toks
                .iter()
                .position(|t| t.is_word("as"))
                .filter(|_| toks.iter().any(|t| t.is_word("select")))
            {
                let text = tokens_text(&toks[as_at + 1..]);
                let with_data = !has_seq(toks, &["with", "no", "data"]);
                vec![OpKind::CreateTableAs {
                    table,
                    sources: tables_read(&text),
                    columns: select_columns(&text),
                    with_data,
                }]
            } else if let Some(like) = toks.iter().position(|t| t.is_word("like")) {
                vec![OpKind::CreateTableLike {
                    table,
                    source: qualified_name(toks, like + 1).unwrap_or_default(),
                }]
            } else {
                vec![OpKind::CreateTable {
                    table,
                    columns: Vec::new(),
                }]
            }
        }
        _ => vec![OpKind::Other],
    }
}

fn alter_from_tokens(toks: &[Token]) -> Vec<OpKind> {
    let mut i = 2;
    if word_at(toks, i) == Some("if") {
        i += 2;
    }
    if word_at(toks, i) == Some("only") {
        i += 1;
    }
    let Some(table) = qualified_name(toks, i) else {
        return vec![OpKind::Other];
    };
    // Each comma-separated action at depth 0 after the table name.
    let mut actions: Vec<&[Token]> = Vec::new();
    let body_start = toks
        .iter()
        .enumerate()
        .skip(i)
        .find(|(_, t)| t.name().as_deref() == Some(table.as_str()))
        .map_or(i + 1, |(k, _)| k + 1);
    let (mut depth, mut from) = (0, body_start);
    for (k, t) in toks.iter().enumerate().skip(body_start) {
        if t.is_sym("(") {
            depth += 1;
        } else if t.is_sym(")") {
            depth -= 1;
        } else if t.is_sym(",") && depth == 0 {
            actions.push(&toks[from..k]);
            from = k + 1;
        }
    }
    actions.push(&toks[from..]);
    let not_valid = has_seq(toks, &["not", "valid"]);
    actions
        .into_iter()
        .map(|a| {
            let w = |k: usize| word_at(a, k).unwrap_or("");
            let col_at = |k: usize| if w(k) == "column" { k + 1 } else { k };
            match (w(0), w(1)) {
                // Constraints and keys: reserved words, never a column. MySQL's `DROP INDEX name`,
                // `DROP KEY name`, `DROP PARTITION p`: a name follows; PostgreSQL's `DROP key`
                // (no name after) drops a column called `key`.
                ("drop", "constraint" | "primary" | "foreign") => OpKind::Other,
                ("drop", "index" | "key" | "check" | "partition")
                    if a.get(2)
                        .and_then(Token::name)
                        .is_some_and(|n| !matches!(n.as_str(), "cascade" | "restrict")) =>
                {
                    OpKind::Other
                }
                ("drop", _) => {
                    let mut k = col_at(1);
                    if w(k) == "if" {
                        k += 2;
                    }
                    a.get(k)
                        .and_then(Token::name)
                        .map_or(OpKind::Other, |column| OpKind::DropColumn {
                            table: table.clone(),
                            column,
                        })
                }
                ("rename", "to") => OpKind::RenameTable {
                    from: table.clone(),
                    to: a.get(2).and_then(Token::name).unwrap_or_default(),
                },
                // `RENAME CONSTRAINT a TO b`, `RENAME INDEX …`: a name of no column.
                ("rename", "constraint" | "index" | "key") => OpKind::Other,
                ("rename", _) => {
                    let k = col_at(1);
                    match (a.get(k).and_then(Token::name), a.get(k + 2).and_then(Token::name)) {
                        (Some(from), Some(to)) => OpKind::RenameColumn {
                            table: table.clone(),
                            from,
                            to,
                        },
                        _ => OpKind::Other,
                    }
                }
                ("validate", "constraint") => OpKind::ValidateConstraint { table: table.clone() },
                ("add", _) if ["constraint", "foreign", "check", "unique", "primary"].contains(&w(1)) => {
                    let kind = if a.iter().any(|t| t.is_word("foreign") || t.is_word("references")) {
                        "foreign key"
                    } else if a.iter().any(|t| t.is_word("check")) {
                        "check"
                    } else if a.iter().any(|t| t.is_word("unique")) {
                        "unique"
                    } else {
                        "primary key"
                    };
                    OpKind::AddConstraint {
                        table: table.clone(),
                        kind: kind.to_string(),
                        not_valid,
                        check: tokens_text(a),
                    }
                }
                ("add", _) => {
                    let k = col_at(1);
                    let mut k = k;
                    if w(k) == "if" {
                        k += 3;
                    }
                    let column = a.get(k).and_then(Token::name).unwrap_or_default();
                    let not_null = has_seq(a, &["not", "null"]);
                    let default = a
                        .iter()
                        .position(|t| t.is_word("default"))
                        .map(|d| tokens_text(&a[d + 1..]));
                    let references = a.iter().any(|t| t.is_word("references"));
                    OpKind::AddColumn {
                        table: table.clone(),
                        column,
                        not_null,
                        default,
                        references,
                    }
                }
                ("alter", _) => {
                    let k = col_at(1);
                    let column = a.get(k).and_then(Token::name).unwrap_or_default();
                    if has_seq(a, &["set", "not", "null"]) {
                        OpKind::SetNotNull {
                            table: table.clone(),
                            column,
                        }
                    } else if let Some(t) = a.iter().position(|t| t.is_word("type")) {
                        let using = a.iter().position(|t| t.is_word("using"));
                        let type_end = using.unwrap_or(a.len());
                        OpKind::AlterColumnType {
                            table: table.clone(),
                            column,
                            type_name: tokens_text(&a[t + 1..type_end]),
                            using: using.map(|u| tokens_text(&a[u + 1..])),
                        }
                    } else {
                        OpKind::Other
                    }
                }
                ("modify", _) | ("change", _) => {
                    let k = col_at(1);
                    let column = a.get(k).and_then(Token::name).unwrap_or_default();
                    if w(0) == "change" && a.get(k + 1).and_then(Token::name).is_some_and(|n| n != column) {
                        OpKind::RenameColumn {
                            table: table.clone(),
                            from: column,
                            to: a.get(k + 1).and_then(Token::name).unwrap_or_default(),
                        }
                    } else {
                        OpKind::AlterColumnType {
                            table: table.clone(),
                            column,
                            type_name: tokens_text(&a[k + 1..]),
                            using: None,
                        }
                    }
                }
                _ => OpKind::Other,
            }
        })
        .collect()
}

/// The SQL statement of a PL/pgSQL statement's tokens, past the scaffolding (`BEGIN`, `IF … THEN`).
pub fn sql_in_block(tokens: &[Token]) -> Option<&[Token]> {
    let start = tokens.iter().position(|t| {
        ["drop", "delete", "update", "truncate", "alter", "create", "insert"]
            .iter()
            .any(|k| t.is_word(k))
    })?;
    Some(&tokens[start..])
}

/// A `DO` block: static statements inside are analysed; `EXECUTE` of built text cannot be.
fn do_block(toks: &[Token]) -> OpKind {
    let body = toks.iter().find_map(|t| match &t.tok {
        Tok::Dollar(b) => Some(b.clone()),
        _ => None,
    });
    let Some(body) = body else { return OpKind::Other };
    let line = toks
        .iter()
        .find(|t| matches!(t.tok, Tok::Dollar(_)))
        .map_or(1, |t| t.line);
    let inner = split(&body, Dialect::Postgres, line);
    let dynamic = inner.iter().any(|s| s.tokens.iter().any(|t| t.is_word("execute")));
    let mut nested: Vec<OpKind> = super::plpgsql::loop_copies(&inner);
    nested.extend(
        inner
            .iter()
            .flat_map(|s| sql_in_block(&s.tokens).map(from_tokens).unwrap_or_default())
            .filter(|k| !matches!(k, OpKind::Other)),
    );
    OpKind::DoBlock { dynamic, nested }
}
