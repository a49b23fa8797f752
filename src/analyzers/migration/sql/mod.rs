//! SQL for the migration analyzer: a lexer that knows comments, strings and dollar quotes, a
//! statement splitter, and the translation of each statement into `Op`s — through sqlparser's
//! AST when it parses, through a token scan of our own when it does not.

mod ast;
pub mod lex;
mod plpgsql;
mod scan;

use ast::{from_ast, parser_dialect};
pub use lex::{json_functions, select_columns, split, tables_read, where_columns, Stmt, Tok, Token};
pub use scan::{from_tokens, sql_in_block};

use super::ops::Op;
use crate::config::Dialect;
use sqlparser::parser::Parser;

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

/// A line without its `--` comment (outside single-quoted strings).
fn without_line_comment(line: &str) -> &str {
    let mut quoted = false;
    for (i, c) in line.char_indices() {
        match c {
            '\'' => quoted = !quoted,
            '-' if !quoted && line[i..].starts_with("--") => return &line[..i],
            _ => {}
        }
    }
    line
}

/// Guesses the dialect from markers in the file's code (not its comments) when the config
/// does not say. Dollar-quoted bodies are PostgreSQL's alone.
pub fn detect_dialect(sql: &str) -> Dialect {
    let code: String = sql
        .lines()
        .map(|l| l.split("--").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let mut rest = code.as_str();
    let mut without_blocks = String::with_capacity(code.len());
    while let Some(at) = rest.find("/*") {
        without_blocks.push_str(&rest[..at]);
        rest = rest[at..].find("*/").map_or("", |end| &rest[at + end + 2..]);
    }
    without_blocks.push_str(rest);
    // Nor its string literals: `'$$2b$…'` or a backtick in a message says nothing. Read line
    // by line, so that a quote this scan gets wrong (`"it's"`) hides one line, not the file.
    let mut code_only = String::with_capacity(without_blocks.len());
    for line in without_blocks.lines() {
        let (mut in_string, mut escaped) = (false, false);
        for c in line.chars() {
            if in_string && escaped {
                escaped = false;
            } else if in_string && c == '\\' {
                // MySQL's `'Don\'t'`.
                escaped = true;
            } else if c == '\'' {
                // `''` inside a literal closes and reopens it: the same state after both.
                in_string = !in_string;
            } else if !in_string {
                code_only.push(c);
            }
        }
        code_only.push('\n');
    }
    let without_blocks = code_only;
    let lower = without_blocks.to_lowercase();
    if lower.contains("delimiter ") {
        // MySQL's client command for bodies, often `DELIMITER $$`.
        Dialect::Mysql
    } else if lower.contains("$$") || lower.contains("language plpgsql") {
        Dialect::Postgres
    } else if without_blocks.contains('`')
        || lower.contains("engine=")
        || lower.contains("auto_increment")
        || lower.contains("engine =")
    {
        Dialect::Mysql
    } else if lower.contains("autoincrement") || lower.contains("pragma ") {
        Dialect::Sqlite
    } else {
        Dialect::Postgres
    }
}

/// The column types an SQL migration leaves behind, in order: `CREATE TABLE` columns,
/// `ADD COLUMN`, `ALTER COLUMN … TYPE`; (table, column) → the type as written, lowercased.
/// Statements the parser rejects are skipped: this is context, not judgement.
pub fn column_types(text: &str, dialect: Dialect) -> Vec<((String, String), String)> {
    use sqlparser::ast::{AlterColumnOperation, AlterTableOperation, Statement};
    let key = |t: &sqlparser::ast::ObjectName, c: &sqlparser::ast::Ident| {
        let table = t.0.last().map(|i| i.value.to_lowercase()).unwrap_or_default();
        (table, c.value.to_lowercase())
    };
    let mut out = Vec::new();
    for stmt in split(text, dialect, 1) {
        if crate::text::sql_too_deep(&stmt.text).is_some() {
            continue;
        }
        let Ok(statements) = Parser::parse_sql(parser_dialect(dialect).as_ref(), &stmt.text) else {
            continue;
        };
        for statement in statements {
            match statement {
                Statement::CreateTable(ct) => {
                    for c in &ct.columns {
                        out.push((key(&ct.name, &c.name), c.data_type.to_string().to_lowercase()));
                    }
                }
                Statement::AlterTable { name, operations, .. } => {
                    for op in &operations {
                        match op {
                            AlterTableOperation::AddColumn { column_def, .. } => {
                                out.push((
                                    key(&name, &column_def.name),
                                    column_def.data_type.to_string().to_lowercase(),
                                ));
                            }
                            AlterTableOperation::AlterColumn {
                                column_name,
                                op: AlterColumnOperation::SetDataType { data_type, .. },
                            } => out.push((key(&name, column_name), data_type.to_string().to_lowercase())),
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
    }
    out
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
    let statement = whole_line(&stmt.text);
    let evidence = shortened(&statement);
    let ops = kinds
        .into_iter()
        .map(|kind| Op {
            kind,
            line: stmt.line,
            end_line: stmt.end_line,
            evidence: evidence.clone(),
            statement: statement.clone(),
            parsed,
            sql: true,
        })
        .collect();
    (ops, foreign)
}

/// The statement on one line, shortened for reports. Line comments go first: flattened, a
/// `--` would swallow the rest of the statement for whoever reads the evidence again.
pub fn one_line(text: &str) -> String {
    shortened(&whole_line(text))
}

/// The whole statement on one line, without line comments: what the rules read.
fn whole_line(text: &str) -> String {
    let code: Vec<&str> = text.lines().map(without_line_comment).collect();
    let mut s: String = code.join("\n").split_whitespace().collect::<Vec<_>>().join(" ");
    if !s.ends_with(';') {
        s.push(';');
    }
    s
}

/// At most 200 characters of a statement line, for reports.
fn shortened(line: &str) -> String {
    if line.chars().count() > 200 {
        line.chars().take(197).collect::<String>() + "…"
    } else {
        line.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyzers::migration::ops::{Filter, OpKind};

    fn kinds(sql: &str) -> Vec<(OpKind, bool)> {
        split(sql, Dialect::Postgres, 1)
            .iter()
            .flat_map(|s| ops_of(s, Dialect::Postgres))
            .map(|o| (o.kind, o.parsed))
            .collect()
    }

    #[test]
    fn column_types_follow_the_migrations() {
        let sql = "CREATE TABLE post (id serial PRIMARY KEY, title varchar(200) NOT NULL);\nALTER TABLE post ADD COLUMN score int;\nALTER TABLE post ALTER COLUMN score TYPE bigint;";
        let types = column_types(sql, Dialect::Postgres);
        assert_eq!(
            types
                .iter()
                .map(|((t, c), ty)| format!("{t}.{c} {ty}"))
                .collect::<Vec<_>>(),
            vec![
                "post.id serial",
                "post.title varchar(200)",
                "post.score int",
                "post.score bigint"
            ]
        );
    }

    #[test]
    fn the_dialect_comes_from_code_not_comments() {
        let pg = "-- when both `deleted` and `removed` are set\ncreate function f() returns trigger language plpgsql as $$\nbegin\n  update post_aggregates set comments = comments + 1;\nend $$;\n";
        assert_eq!(detect_dialect(pg), Dialect::Postgres);
        // Its trigger body is not a statement that runs now.
        let ops: Vec<_> = split(pg, detect_dialect(pg), 1)
            .iter()
            .flat_map(|s| ops_of(s, Dialect::Postgres))
            .filter(|o| matches!(o.kind, OpKind::Update { .. }))
            .collect();
        assert!(ops.is_empty(), "{ops:?}");
        assert_eq!(detect_dialect("/* `x` */ ALTER TABLE t ADD c int;"), Dialect::Postgres);
        assert_eq!(detect_dialect("ALTER TABLE `t` ADD `c` int;"), Dialect::Mysql);
        // String literals are data, not dialect markers.
        assert_eq!(
            detect_dialect("INSERT INTO `users` (`hash`) VALUES ('$$2b$$10$$abc');"),
            Dialect::Mysql
        );
        assert_eq!(
            detect_dialect("UPDATE site SET note = 'use `make` and it''s done' WHERE id = 1;"),
            Dialect::Postgres
        );
        // A quote the scan cannot pair hides its own line only.
        assert_eq!(
            detect_dialect("INSERT INTO notes VALUES ('Don\\'t panic');\nINSERT INTO quotes VALUES (\"it's\");\nALTER TABLE `notes` ENGINE=InnoDB;"),
            Dialect::Mysql
        );
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
