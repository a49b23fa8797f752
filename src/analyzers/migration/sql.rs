//! SQL for the migration analyzer: a lexer that knows comments, strings and dollar quotes, a
//! statement splitter, and the translation of each statement into `Op`s — through sqlparser's
//! AST when it parses, through a token scan of our own when it does not.

use super::ops::{Filter, Op, OpKind};
use crate::config::Dialect;
use sqlparser::ast::{self, AlterColumnOperation, AlterTableOperation, ColumnOption, Statement, TableConstraint};
use sqlparser::dialect::{Dialect as SqlDialect, GenericDialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::parser::Parser;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tok {
    /// A bare word, lowercased: keyword or identifier.
    Word(String),
    /// A quoted identifier, as written inside the quotes.
    Ident(String),
    /// A string literal's content; never matched as code.
    Str(String),
    /// A dollar-quoted body (`$$ … $$`), kept for `DO` blocks.
    Dollar(String),
    Num(String),
    /// Operators and punctuation, longest match: `->>`, `#-`, `||`, `::`, `(`, …
    Sym(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub tok: Tok,
    pub line: u32,
}

impl Token {
    pub fn is_word(&self, w: &str) -> bool {
        matches!(&self.tok, Tok::Word(x) if x == w)
    }
    pub fn is_sym(&self, s: &str) -> bool {
        matches!(&self.tok, Tok::Sym(x) if x == s)
    }
    /// The name this token stands for, when it is a word or quoted identifier.
    pub fn name(&self) -> Option<String> {
        match &self.tok {
            Tok::Word(w) => Some(w.clone()),
            Tok::Ident(i) => Some(i.to_lowercase()),
            _ => None,
        }
    }
}

/// One statement: its source text (with comments), tokens (without), and first and last line.
#[derive(Debug, Clone)]
pub struct Stmt {
    pub text: String,
    pub tokens: Vec<Token>,
    pub line: u32,
    pub end_line: u32,
}

const SYMBOLS: &[&str] = &[
    "->>", "#>>", "->", "#>", "#-", "||", "::", "<>", "!=", ">=", "<=", "@>", "<@", "?|", "?&",
];

/// Splits SQL into statements. `first_line` is the line of the text's first character in its
/// file, so that embedded SQL (Rails `execute`, Django `RunSQL`) reports real lines.
pub fn split(sql: &str, dialect: Dialect, first_line: u32) -> Vec<Stmt> {
    let chars: Vec<char> = sql.chars().collect();
    let mut stmts = Vec::new();
    let mut tokens: Vec<Token> = Vec::new();
    let mut start = 0usize;
    let mut line = first_line;
    let mut depth = 0i32;
    let mut i = 0usize;
    let flush = |tokens: &mut Vec<Token>, stmts: &mut Vec<Stmt>, from: usize, to: usize| {
        if !tokens.is_empty() {
            let text: String = chars[from..to].iter().collect();
            let line = tokens[0].line;
            let end_line = tokens.last().map_or(line, |t| t.line);
            stmts.push(Stmt {
                text: text.trim().to_string(),
                tokens: std::mem::take(tokens),
                line,
                end_line,
            });
        }
    };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let (token_start, tokens_before) = (i, tokens.len());
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '-' && next == Some('-')
            || c == '#' && dialect == Dialect::Mysql && next != Some('>') && next != Some('-')
        {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut nest = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    nest += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    nest -= 1;
                    i += 2;
                    if nest == 0 {
                        break;
                    }
                } else {
                    if chars[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
        } else if c == '\'' || (c == '"' && dialect == Dialect::Mysql) || ((c == 'e' || c == 'E') && next == Some('\''))
        {
            let escapes = c != '\'' && c != '"' || dialect == Dialect::Mysql;
            let quote = if c == 'e' || c == 'E' {
                i += 1;
                '\''
            } else {
                c
            };
            let at = line;
            i += 1;
            let mut s = String::new();
            while i < chars.len() {
                let ch = chars[i];
                if ch == '\n' {
                    line += 1;
                }
                if escapes && ch == '\\' && i + 1 < chars.len() {
                    s.push(chars[i + 1]);
                    i += 2;
                    continue;
                }
                if ch == quote {
                    if chars.get(i + 1) == Some(&quote) {
                        s.push(quote);
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                s.push(ch);
                i += 1;
            }
            tokens.push(Token {
                tok: Tok::Str(s),
                line: at,
            });
        } else if c == '"' || c == '`' || (c == '[' && dialect == Dialect::Generic) {
            let close = if c == '[' { ']' } else { c };
            let at = line;
            i += 1;
            let mut s = String::new();
            while i < chars.len() && chars[i] != close {
                if chars[i] == '\n' {
                    line += 1;
                }
                s.push(chars[i]);
                i += 1;
            }
            i += 1;
            tokens.push(Token {
                tok: Tok::Ident(s),
                line: at,
            });
        } else if c == '$' && dialect != Dialect::Mysql && dollar_tag(&chars, i).is_some() {
            let tag = dollar_tag(&chars, i).unwrap_or_default();
            let at = line;
            i += tag.len();
            let mut body = String::new();
            while i < chars.len() && !starts_with(&chars, i, &tag) {
                if chars[i] == '\n' {
                    line += 1;
                }
                body.push(chars[i]);
                i += 1;
            }
            i = (i + tag.len()).min(chars.len());
            tokens.push(Token {
                tok: Tok::Dollar(body),
                line: at,
            });
        } else if c.is_alphabetic() || c == '_' {
            let mut w = String::new();
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$') {
                w.push(chars[i]);
                i += 1;
            }
            tokens.push(Token {
                tok: Tok::Word(w.to_lowercase()),
                line,
            });
        } else if c.is_ascii_digit() {
            let mut n = String::new();
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                n.push(chars[i]);
                i += 1;
            }
            tokens.push(Token { tok: Tok::Num(n), line });
        } else if c == ';' && depth <= 0 {
            flush(&mut tokens, &mut stmts, start, i);
            i += 1;
            start = i;
        } else {
            let sym = SYMBOLS
                .iter()
                .find(|s| starts_with(&chars, i, s))
                .map_or_else(|| c.to_string(), |s| s.to_string());
            if sym == "(" {
                depth += 1;
            } else if sym == ")" {
                depth -= 1;
            }
            i += sym.chars().count();
            tokens.push(Token {
                tok: Tok::Sym(sym),
                line,
            });
        }
        // A statement's text starts at its first token, not at the comments before it.
        if tokens_before == 0 && tokens.len() == 1 {
            start = token_start;
        }
    }
    flush(&mut tokens, &mut stmts, start, chars.len());
    stmts
}

fn starts_with(chars: &[char], at: usize, s: &str) -> bool {
    s.chars().enumerate().all(|(k, c)| chars.get(at + k) == Some(&c))
}

/// `$$` or `$tag$` at `at`.
fn dollar_tag(chars: &[char], at: usize) -> Option<String> {
    let mut j = at + 1;
    while j < chars.len() && (chars[j].is_alphanumeric() || chars[j] == '_') {
        j += 1;
    }
    (chars.get(j) == Some(&'$') && !chars.get(at + 1).is_some_and(|c| c.is_ascii_digit()))
        .then(|| chars[at..=j].iter().collect())
}

/// The dialect a folder of the path names: `mysql/`, `mariadb/`, `postgres/`, `postgresql/`,
/// `pg/`, `sqlite/`, `sqlite3/`.
pub fn dialect_from_path(path: &str) -> Option<Dialect> {
    let mut folders: Vec<&str> = path.split('/').collect();
    folders.pop();
    folders
        .iter()
        .rev()
        .find_map(|f| match f.to_ascii_lowercase().as_str() {
            "mysql" | "mariadb" => Some(Dialect::Mysql),
            "postgres" | "postgresql" | "pg" => Some(Dialect::Postgres),
            "sqlite" | "sqlite3" => Some(Dialect::Sqlite),
            _ => None,
        })
}

/// Guesses the dialect from markers in the file when the config does not say.
pub fn detect_dialect(sql: &str) -> Dialect {
    let lower = sql.to_lowercase();
    if sql.contains('`') || lower.contains("engine=") || lower.contains("auto_increment") || lower.contains("engine =")
    {
        Dialect::Mysql
    } else if lower.contains("autoincrement") || lower.contains("pragma ") {
        Dialect::Sqlite
    } else {
        Dialect::Postgres
    }
}

fn parser_dialect(d: Dialect) -> Box<dyn SqlDialect> {
    match d {
        Dialect::Postgres => Box::new(PostgreSqlDialect {}),
        Dialect::Mysql => Box::new(MySqlDialect {}),
        Dialect::Sqlite => Box::new(SQLiteDialect {}),
        Dialect::Generic => Box::new(GenericDialect {}),
    }
}

/// The operations of one statement, from the AST when sqlparser parses it.
pub fn ops_of(stmt: &Stmt, dialect: Dialect) -> Vec<Op> {
    read_statement(stmt, dialect).0
}

/// The operations of one statement, and whether it is written for another dialect: rejected
/// by the migration's dialect but accepted by another one (MySQL backticks in a PostgreSQL
/// migration). SQL that no dialect of the parser knows (`NOT VALID`, a typo) is not counted:
/// the parser's gaps are not the author's mistakes.
pub fn read_statement(stmt: &Stmt, dialect: Dialect) -> (Vec<Op>, bool) {
    // A statement too deep or too long for the recursive parser goes to the token scan.
    let (kinds, foreign) = if crate::text::sql_too_deep(&stmt.text).is_some() {
        (None, false)
    } else {
        match Parser::parse_sql(parser_dialect(dialect).as_ref(), &stmt.text) {
            Ok(statements) if statements.len() == 1 => (Some(from_ast(&statements[0], stmt)), false),
            Ok(_) => (None, false),
            Err(_) => {
                let elsewhere = [Dialect::Postgres, Dialect::Mysql, Dialect::Sqlite]
                    .into_iter()
                    .filter(|d| *d != dialect)
                    .any(|d| Parser::parse_sql(parser_dialect(d).as_ref(), &stmt.text).is_ok());
                (None, elsewhere)
            }
        }
    };
    let (kinds, parsed) = match kinds {
        // The AST covers the common forms; anything it leaves unclassified gets the token scan,
        // which also knows dialect extensions such as `NOT VALID`.
        Some(k) if !k.is_empty() => (k, true),
        _ => (from_tokens(&stmt.tokens), false),
    };
    let evidence = one_line(&stmt.text);
    let ops = kinds
        .into_iter()
        .map(|kind| Op {
            kind,
            line: stmt.line,
            end_line: stmt.end_line,
            evidence: evidence.clone(),
            parsed,
            sql: true,
        })
        .collect();
    (ops, foreign)
}

/// The statement on one line, shortened for reports.
pub fn one_line(text: &str) -> String {
    let mut s: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() > 200 {
        s = s.chars().take(197).collect::<String>() + "…";
    }
    if !s.ends_with(';') && !s.ends_with('…') {
        s.push(';');
    }
    s
}

fn name(n: &ast::ObjectName) -> String {
    n.0.last().map(|i| i.value.to_lowercase()).unwrap_or_default()
}

fn ident(i: &ast::Ident) -> String {
    i.value.to_lowercase()
}

/// Maps a parsed statement; an empty list means "not a form the AST path knows".
fn from_ast(statement: &Statement, stmt: &Stmt) -> Vec<OpKind> {
    let toks = &stmt.tokens;
    match statement {
        Statement::Drop { object_type, names, .. } => {
            let names: Vec<String> = names.iter().map(name).collect();
            match object_type {
                ast::ObjectType::Table => vec![OpKind::DropTable { tables: names }],
                ast::ObjectType::Schema => vec![OpKind::DropSchema { names }],
                _ => vec![OpKind::Other],
            }
        }
        Statement::Truncate { table_names, .. } => {
            vec![OpKind::Truncate {
                tables: table_names.iter().map(|t| name(&t.name)).collect(),
            }]
        }
        Statement::Delete(delete) => {
            let table = match &delete.from {
                ast::FromTable::WithFromKeyword(t) | ast::FromTable::WithoutKeyword(t) => {
                    t.first().map(|t| relation_name(&t.relation)).unwrap_or_default()
                }
            };
            vec![OpKind::Delete {
                table,
                filter: filter_of(delete.selection.as_ref(), toks),
            }]
        }
        Statement::Update {
            table,
            assignments,
            selection,
            ..
        } => {
            let columns = assignments
                .iter()
                .flat_map(|a| match &a.target {
                    ast::AssignmentTarget::ColumnName(n) => vec![name(n)],
                    ast::AssignmentTarget::Tuple(ns) => ns.iter().map(name).collect(),
                })
                .collect();
            vec![OpKind::Update {
                table: relation_name(&table.relation),
                columns,
                filter: filter_of(selection.as_ref(), toks),
                json: json_functions(set_clause(toks)),
            }]
        }
        Statement::AlterTable {
            name: table,
            operations,
            ..
        } => {
            let table = name(table);
            operations.iter().map(|op| alter_op(&table, op, toks)).collect()
        }
        Statement::CreateTable(ct) => {
            let table = name(&ct.name);
            if let Some(query) = &ct.query {
                let with_data = !has_seq(toks, &["with", "no", "data"]);
                vec![OpKind::CreateTableAs {
                    table,
                    sources: tables_read(&query.to_string()),
                    columns: select_columns(&query.to_string()),
                    with_data,
                }]
            } else if let Some(like) = ct.like.as_ref().or(ct.clone.as_ref()) {
                vec![OpKind::CreateTableLike {
                    table,
                    source: name(like),
                }]
            } else if let Some(at) = toks.windows(2).position(|w| w[0].is_sym("(") && w[1].is_word("like")) {
                // PostgreSQL's `CREATE TABLE b (LIKE a)`.
                vec![OpKind::CreateTableLike {
                    table,
                    source: qualified_name(toks, at + 2).unwrap_or_default(),
                }]
            } else {
                vec![OpKind::CreateTable {
                    table,
                    columns: ct.columns.iter().map(|c| ident(&c.name)).collect(),
                }]
            }
        }
        Statement::Insert(insert) => match &insert.source {
            Some(q) if !matches!(*q.body, ast::SetExpr::Values(_)) => {
                let text = q.to_string();
                vec![OpKind::InsertSelect {
                    table: name(&insert.table_name),
                    sources: tables_read(&text),
                    columns: select_columns(&text),
                }]
            }
            _ => vec![OpKind::Other],
        },
        Statement::CreateIndex(ci) => {
            vec![OpKind::CreateIndex {
                table: name(&ci.table_name),
                concurrently: ci.concurrently,
            }]
        }
        Statement::Copy { source, to: true, .. } => match source {
            ast::CopySource::Table { table_name, columns } => vec![OpKind::CopyTo {
                sources: vec![name(table_name)],
                columns: if columns.is_empty() {
                    None
                } else {
                    Some(columns.iter().map(ident).collect())
                },
            }],
            ast::CopySource::Query(q) => {
                let text = q.to_string();
                vec![OpKind::CopyTo {
                    sources: tables_read(&text),
                    columns: select_columns(&text),
                }]
            }
        },
        // A view created here is new, like a table: indexing or dropping it is safe.
        Statement::CreateView { name: view, .. } => vec![OpKind::CreateTable {
            table: name(view),
            columns: Vec::new(),
        }],
        Statement::Query(_)
        | Statement::Comment { .. }
        | Statement::StartTransaction { .. }
        | Statement::Commit { .. }
        | Statement::SetVariable { .. } => {
            vec![OpKind::Other]
        }
        _ => Vec::new(),
    }
}

fn relation_name(r: &ast::TableFactor) -> String {
    match r {
        ast::TableFactor::Table { name: n, .. } => name(n),
        _ => String::new(),
    }
}

fn alter_op(table: &str, op: &AlterTableOperation, toks: &[Token]) -> OpKind {
    let table = table.to_string();
    match op {
        AlterTableOperation::DropColumn { column_name, .. } => OpKind::DropColumn {
            table,
            column: ident(column_name),
        },
        AlterTableOperation::RenameColumn {
            old_column_name,
            new_column_name,
        } => OpKind::RenameColumn {
            table,
            from: ident(old_column_name),
            to: ident(new_column_name),
        },
        AlterTableOperation::RenameTable { table_name } => OpKind::RenameTable {
            from: table,
            to: name(table_name),
        },
        AlterTableOperation::AlterColumn { column_name, op } => match op {
            AlterColumnOperation::SetNotNull => OpKind::SetNotNull {
                table,
                column: ident(column_name),
            },
            AlterColumnOperation::SetDataType { data_type, using } => OpKind::AlterColumnType {
                table,
                column: ident(column_name),
                type_name: data_type.to_string().to_lowercase(),
                using: using.as_ref().map(|u| u.to_string()),
            },
            _ => OpKind::Other,
        },
        AlterTableOperation::ChangeColumn {
            old_name,
            new_name,
            data_type,
            ..
        } => {
            if ident(old_name) != ident(new_name) {
                OpKind::RenameColumn {
                    table,
                    from: ident(old_name),
                    to: ident(new_name),
                }
            } else {
                OpKind::AlterColumnType {
                    table,
                    column: ident(old_name),
                    type_name: data_type.to_string().to_lowercase(),
                    using: None,
                }
            }
        }
        AlterTableOperation::ModifyColumn {
            col_name, data_type, ..
        } => OpKind::AlterColumnType {
            table,
            column: ident(col_name),
            type_name: data_type.to_string().to_lowercase(),
            using: None,
        },
        AlterTableOperation::AddColumn { column_def, .. } => {
            let not_null = column_def
                .options
                .iter()
                .any(|o| matches!(o.option, ColumnOption::NotNull));
            let default = column_def.options.iter().find_map(|o| match &o.option {
                ColumnOption::Default(e) => Some(e.to_string()),
                _ => None,
            });
            let references = column_def
                .options
                .iter()
                .any(|o| matches!(o.option, ColumnOption::ForeignKey { .. }));
            OpKind::AddColumn {
                table,
                column: ident(&column_def.name),
                not_null,
                default,
                references,
            }
        }
        AlterTableOperation::AddConstraint(c) => {
            let kind = match c {
                TableConstraint::ForeignKey { .. } => "foreign key",
                TableConstraint::Check { .. } => "check",
                TableConstraint::Unique { .. } => "unique",
                TableConstraint::PrimaryKey { .. } => "primary key",
                _ => "constraint",
            };
            OpKind::AddConstraint {
                table,
                kind: kind.to_string(),
                not_valid: has_seq(toks, &["not", "valid"]),
                check: c.to_string().to_lowercase(),
            }
        }
        _ => OpKind::Other,
    }
}

/// Whether a WHERE clause filters for real: absent and tautologies do not, LIMIT or BETWEEN
/// bound a batch.
fn filter_of(selection: Option<&ast::Expr>, toks: &[Token]) -> Filter {
    let Some(expr) = selection else {
        return if toks.iter().any(|t| t.is_word("limit")) {
            Filter::Batched
        } else {
            Filter::None
        };
    };
    if is_tautology(expr) {
        return Filter::Tautology;
    }
    if toks.iter().any(|t| t.is_word("limit") || t.is_word("between")) {
        Filter::Batched
    } else {
        Filter::Real
    }
}

fn is_tautology(expr: &ast::Expr) -> bool {
    use ast::{BinaryOperator, Expr, Value};
    match expr {
        Expr::Value(Value::Boolean(true)) => true,
        Expr::Value(Value::Number(n, _)) => n.parse::<f64>().is_ok_and(|v| v != 0.0),
        Expr::Nested(e) => is_tautology(e),
        Expr::BinaryOp {
            left,
            op: BinaryOperator::Eq,
            right,
        } => left == right && !matches!(**left, Expr::Value(Value::Null)),
        Expr::BinaryOp {
            left,
            op: BinaryOperator::Or,
            right,
        } => is_tautology(left) || is_tautology(right),
        Expr::BinaryOp {
            left,
            op: BinaryOperator::And,
            right,
        } => is_tautology(left) && is_tautology(right),
        _ => false,
    }
}

fn has_seq(toks: &[Token], words: &[&str]) -> bool {
    toks.windows(words.len())
        .any(|w| w.iter().zip(words).all(|(t, x)| t.is_word(x)))
}

/// Tokens of the SET clause of an UPDATE: from SET to WHERE/FROM/RETURNING at depth 0.
fn set_clause(toks: &[Token]) -> &[Token] {
    let Some(start) = toks.iter().position(|t| t.is_word("set")) else {
        return &[];
    };
    let mut depth = 0;
    for (i, t) in toks.iter().enumerate().skip(start + 1) {
        if t.is_sym("(") {
            depth += 1;
        } else if t.is_sym(")") {
            depth -= 1;
        } else if depth == 0
            && (t.is_word("where") || t.is_word("from") || t.is_word("returning") || t.is_word("limit"))
        {
            return &toks[start..i];
        }
    }
    &toks[start..]
}

const JSON_FUNCTIONS: &[&str] = &[
    "jsonb_set",
    "json_set",
    "jsonb_insert",
    "json_insert",
    "json_remove",
    "json_replace",
    "jsonb_build_object",
    "json_build_object",
    "jsonb_strip_nulls",
    "json_object",
    "jsonb_set_lax",
    "to_jsonb",
    "to_json",
    "json_merge_patch",
    "json_array_append",
    "jsonb_delete",
    "jsonb_delete_path",
];

/// The JSON functions and operators used in a token run, for json-reshape detection.
pub fn json_functions(toks: &[Token]) -> Vec<String> {
    let mut found = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        let hit = match &t.tok {
            Tok::Word(w) if JSON_FUNCTIONS.contains(&w.as_str()) && toks.get(i + 1).is_some_and(|n| n.is_sym("(")) => {
                Some(w.clone())
            }
            Tok::Sym(s) if ["->>", "->", "#>", "#>>", "#-"].contains(&s.as_str()) => Some(s.clone()),
            // `col - 'key'` removes a key; `||` with a JSON operand merges.
            Tok::Sym(s) if s == "-" && toks.get(i + 1).is_some_and(|n| matches!(n.tok, Tok::Str(_))) => {
                Some("-".to_string())
            }
            Tok::Sym(s) if s == "||" && toks.iter().any(|t| t.is_word("jsonb") || t.is_word("json")) => {
                Some("||".to_string())
            }
            Tok::Sym(s) if s == "::" && toks.get(i + 1).is_some_and(|n| n.is_word("jsonb") || n.is_word("json")) => {
                Some("::jsonb".to_string())
            }
            _ => None,
        };
        if let Some(h) = hit {
            if !found.contains(&h) {
                found.push(h);
            }
        }
    }
    found
}

/// Tables a query reads: the names after FROM and JOIN.
pub fn tables_read(query: &str) -> Vec<String> {
    let toks: Vec<Token> = split(query, Dialect::Postgres, 1)
        .into_iter()
        .flat_map(|s| s.tokens)
        .collect();
    let mut out = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        if t.is_word("from") || t.is_word("join") {
            if let Some(n) = qualified_name(&toks, i + 1) {
                if !out.contains(&n) {
                    out.push(n);
                }
            }
        }
    }
    out
}

/// The columns a SELECT lists, or `None` for `*` or anything not a plain column list.
pub fn select_columns(query: &str) -> Option<Vec<String>> {
    let toks: Vec<Token> = split(query, Dialect::Postgres, 1)
        .into_iter()
        .flat_map(|s| s.tokens)
        .collect();
    let start = toks.iter().position(|t| t.is_word("select"))? + 1;
    let end = toks.iter().position(|t| t.is_word("from"))?;
    let mut cols = Vec::new();
    for item in toks.get(start..end)?.split(|t| t.is_sym(",")) {
        if item.iter().any(|t| t.is_sym("*")) {
            return None;
        }
        let last = item.iter().rev().find_map(|t| t.name())?;
        cols.push(last);
    }
    Some(cols)
}

/// `schema.table` or `table` starting at `at`; the last part, lowercased.
fn qualified_name(toks: &[Token], at: usize) -> Option<String> {
    let mut i = at;
    let mut last = None;
    loop {
        let t = toks.get(i)?;
        if last.is_none() && (t.is_word("only") || t.is_word("table") || t.is_word("if")) {
            i += 1;
            continue;
        }
        last = Some(t.name()?);
        if toks.get(i + 1).is_some_and(|n| n.is_sym(".")) {
            i += 2;
        } else {
            return last;
        }
    }
}

fn word_at(toks: &[Token], i: usize) -> Option<&str> {
    match &toks.get(i)?.tok {
        Tok::Word(w) => Some(w.as_str()),
        _ => None,
    }
}

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
        ("insert", "into") if toks.iter().any(|t| t.is_word("select")) => {
            let text = tokens_text(toks);
            return vec![OpKind::InsertSelect {
                table: qualified_name(toks, 2).unwrap_or_default(),
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

fn tokens_text(toks: &[Token]) -> String {
    toks.iter()
        .map(|t| match &t.tok {
            Tok::Word(w) | Tok::Num(w) | Tok::Sym(w) => w.clone(),
            Tok::Ident(i) => format!("\"{i}\""),
            Tok::Str(_) | Tok::Dollar(_) => "''".to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
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
                ("drop", "constraint") => OpKind::Other,
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
    let nested: Vec<OpKind> = inner
        .iter()
        .flat_map(|s| {
            // Skip the PL/pgSQL scaffolding to reach each SQL statement.
            let start = s.tokens.iter().position(|t| {
                ["drop", "delete", "update", "truncate", "alter", "create", "insert"]
                    .iter()
                    .any(|k| t.is_word(k))
            });
            start.map(|k| from_tokens(&s.tokens[k..])).unwrap_or_default()
        })
        .filter(|k| !matches!(k, OpKind::Other))
        .collect();
    OpKind::DoBlock { dynamic, nested }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(sql: &str) -> Vec<(OpKind, bool)> {
        split(sql, Dialect::Postgres, 1)
            .iter()
            .flat_map(|s| ops_of(s, Dialect::Postgres))
            .map(|o| (o.kind, o.parsed))
            .collect()
    }

    #[test]
    fn comments_strings_and_dollar_quotes_are_not_code() {
        let stmts = split(
            "-- DROP TABLE a;\n/* DROP TABLE b; /* nested */ still comment */\nINSERT INTO log VALUES ('DROP TABLE c; ok');\nSELECT $x$ DROP TABLE d; $x$;\n",
            Dialect::Postgres,
            1,
        );
        assert_eq!(stmts.len(), 2);
        assert_eq!(stmts[0].line, 3);
        assert!(stmts.iter().all(|s| !s.tokens.iter().any(|t| t.is_word("drop"))));
    }

    #[test]
    fn ast_and_token_paths_agree_on_drop_column() {
        assert_eq!(
            kinds("ALTER TABLE customers DROP COLUMN fax;"),
            vec![(
                OpKind::DropColumn {
                    table: "customers".into(),
                    column: "fax".into()
                },
                true
            )]
        );
        let toks = split(
            "ALTER TABLE public.customers DROP COLUMN IF EXISTS fax",
            Dialect::Postgres,
            1,
        )
        .remove(0)
        .tokens;
        assert_eq!(
            from_tokens(&toks),
            vec![OpKind::DropColumn {
                table: "customers".into(),
                column: "fax".into()
            }]
        );
    }

    #[test]
    fn tautologies_and_batches() {
        let filter = |sql: &str| match kinds(sql).remove(0).0 {
            OpKind::Delete { filter, .. } | OpKind::Update { filter, .. } => filter,
            other => panic!("{other:?}"),
        };
        assert_eq!(filter("DELETE FROM t"), Filter::None);
        assert_eq!(filter("DELETE FROM t WHERE 1 = 1"), Filter::Tautology);
        assert_eq!(filter("DELETE FROM t WHERE true"), Filter::Tautology);
        assert_eq!(filter("DELETE FROM t WHERE id = 3"), Filter::Real);
        assert_eq!(
            filter("UPDATE t SET a = 1 WHERE id IN (SELECT id FROM t WHERE a IS NULL LIMIT 1000)"),
            Filter::Batched
        );
    }

    #[test]
    fn not_valid_falls_back_to_tokens() {
        let got = kinds(
            "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;",
        );
        assert!(
            matches!(&got[0], (OpKind::AddConstraint { not_valid: true, .. }, _)),
            "{got:?}"
        );
    }

    #[test]
    fn json_reshape_functions_are_found_outside_strings() {
        let got = kinds("UPDATE users SET prefs = jsonb_set(prefs, '{theme}', '\"dark\"') WHERE id > 0;");
        match &got[0].0 {
            OpKind::Update { json, .. } => assert_eq!(json, &vec!["jsonb_set".to_string()]),
            other => panic!("{other:?}"),
        }
        let got = kinds("UPDATE users SET note = 'jsonb_set(x)';");
        match &got[0].0 {
            OpKind::Update { json, .. } => assert!(json.is_empty()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn backups_know_their_sources_and_columns() {
        let got = kinds("CREATE TABLE customers_backup AS SELECT id, fax FROM customers;");
        assert_eq!(
            got[0].0,
            OpKind::CreateTableAs {
                table: "customers_backup".into(),
                sources: vec!["customers".into()],
                columns: Some(vec!["id".into(), "fax".into()]),
                with_data: true
            }
        );
        let got = kinds("CREATE TABLE b AS SELECT * FROM customers WITH NO DATA;");
        assert!(
            matches!(&got[0].0, OpKind::CreateTableAs { with_data: false, .. }),
            "{got:?}"
        );
    }

    #[test]
    fn views_created_here_are_new() {
        let view = |sql: &str| match &kinds(sql)[0].0 {
            OpKind::CreateTable { table, .. } => table.clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            view("CREATE MATERIALIZED VIEW recent (id) AS SELECT id FROM t;"),
            "recent"
        );
        assert_eq!(view("CREATE VIEW v AS SELECT 1;"), "v");
    }

    #[test]
    fn do_blocks_with_execute_are_dynamic() {
        let got = kinds("DO $$ BEGIN EXECUTE format('DROP TABLE %I', t); END $$;");
        assert!(matches!(&got[0].0, OpKind::DoBlock { dynamic: true, .. }), "{got:?}");
        let got = kinds("DO $$ BEGIN DELETE FROM sessions; END $$;");
        match &got[0].0 {
            OpKind::DoBlock { dynamic: false, nested } => assert!(matches!(
                nested[0],
                OpKind::Delete {
                    filter: Filter::None,
                    ..
                }
            )),
            other => panic!("{other:?}"),
        }
    }
}
