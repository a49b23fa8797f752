//! The SQL lexer: tokens that know comments, strings and dollar quotes, the statement
//! splitter, and small readers over token runs shared by both ways of reading a statement.

use crate::config::Dialect;

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

pub const SYMBOLS: &[&str] = &[
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

pub fn has_seq(toks: &[Token], words: &[&str]) -> bool {
    toks.windows(words.len())
        .any(|w| w.iter().zip(words).all(|(t, x)| t.is_word(x)))
}

/// Tokens of the SET clause of an UPDATE: from SET to WHERE/FROM/RETURNING at depth 0.
pub fn set_clause(toks: &[Token]) -> &[Token] {
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

pub const JSON_FUNCTIONS: &[&str] = &[
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

/// `schema.table` or `table` starting at `at`; the last part, lowercased.
pub fn qualified_name(toks: &[Token], at: usize) -> Option<String> {
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

pub fn word_at(toks: &[Token], i: usize) -> Option<&str> {
    match &toks.get(i)?.tok {
        Tok::Word(w) => Some(w.as_str()),
        _ => None,
    }
}

pub fn tokens_text(toks: &[Token]) -> String {
    toks.iter()
        .map(|t| match &t.tok {
            Tok::Word(w) | Tok::Num(w) | Tok::Sym(w) => w.clone(),
            Tok::Ident(i) => format!("\"{i}\""),
            Tok::Str(_) | Tok::Dollar(_) => "''".to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
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

/// The columns a copy's SELECT carries: every column its list reads and every column it
/// filters on; `None` for `*`.
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
        // Every column the item reads: `story_cache AS body` carries `story_cache`.
        cols.extend(item.iter().filter_map(Token::name).filter(|n| !is_sql_word(n)));
    }
    // A column the copy filters on is carried as which rows were copied
    // (`INSERT INTO favorites … WHERE favorite = TRUE`).
    if let Some(at) = toks.iter().position(|t| t.is_word("where")) {
        let tail = toks[at + 1..]
            .iter()
            .take_while(|t| !(t.is_word("group") || t.is_word("order") || t.is_word("limit")));
        cols.extend(tail.filter_map(Token::name).filter(|n| !is_sql_word(n)));
    }
    Some(cols)
}

/// The columns the `WHERE` of a copy's query names (`… WHERE local = true` → `local`); `None`
/// without a `WHERE`, or with one that always holds.
pub fn where_columns(statement: &str) -> Option<Vec<String>> {
    let toks: Vec<Token> = split(statement, Dialect::Postgres, 1)
        .into_iter()
        .flat_map(|s| s.tokens)
        .collect();
    // The main query's filter, not one of a subquery in its select list (`SELECT a, (SELECT id
    // FROM t WHERE …) FROM src`): the WHERE at the depth of the main FROM (inside parentheses
    // in `COPY (SELECT … FROM t WHERE kept) TO …`; the statement's own for UPDATE and DELETE).
    let mut level = 0usize;
    let depths: Vec<usize> = toks
        .iter()
        .map(|t| {
            if t.is_sym("(") {
                level += 1;
                level - 1
            } else if t.is_sym(")") {
                level = level.saturating_sub(1);
                level
            } else {
                level
            }
        })
        .collect();
    let main = if toks.first().is_some_and(|t| t.is_word("update") || t.is_word("delete")) {
        0
    } else {
        toks.iter()
            .zip(&depths)
            .filter(|(t, _)| t.is_word("from"))
            .map(|(_, d)| *d)
            .min()
            .unwrap_or(0)
    };
    let at = toks
        .iter()
        .zip(&depths)
        .position(|(t, d)| t.is_word("where") && *d == main)?;
    // The filter ends where its query does: `COPY (SELECT … WHERE kept) TO …`.
    let mut depth = 0usize;
    let columns: Vec<String> = toks[at + 1..]
        .iter()
        .take_while(|t| {
            if t.is_sym("(") {
                depth += 1;
            } else if t.is_sym(")") {
                if depth == 0 {
                    return false;
                }
                depth -= 1;
            }
            !(t.is_word("group") || t.is_word("order") || t.is_word("limit") || t.is_sym(";"))
        })
        .filter_map(Token::name)
        .filter(|n| !is_sql_word(n))
        .collect();
    (!columns.is_empty()).then_some(columns)
}

/// Words of a select list or filter that are not column names.
fn is_sql_word(word: &str) -> bool {
    matches!(
        word,
        "as" | "and"
            | "or"
            | "not"
            | "is"
            | "null"
            | "true"
            | "false"
            | "distinct"
            | "case"
            | "when"
            | "then"
            | "else"
            | "end"
            | "in"
            | "like"
            | "between"
            | "exists"
            | "select"
            | "from"
            | "cast"
            | "coalesce"
    )
}

#[cfg(test)]
mod filter_tests {
    use super::where_columns;

    #[test]
    fn the_filter_is_the_main_query_s() {
        // A WHERE inside a scalar subquery of the select list filters no row of the copy.
        assert_eq!(
            where_columns("INSERT INTO q (id, choices, ct) SELECT id, choices, (SELECT id FROM django_content_type WHERE model = 'x') ct FROM old_q"),
            None
        );
        assert_eq!(
            where_columns("INSERT INTO q SELECT id, (SELECT 1 FROM t WHERE a = 1) FROM old_q WHERE kept"),
            Some(vec!["kept".to_string()])
        );
        assert_eq!(
            where_columns("COPY (SELECT * FROM t WHERE kept) TO '/tmp/x'"),
            Some(vec!["kept".to_string()])
        );
        assert_eq!(
            where_columns("DELETE FROM t WHERE banned"),
            Some(vec!["banned".to_string()])
        );
    }
}
