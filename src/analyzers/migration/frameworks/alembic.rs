//! Alembic migrations: `op.*` calls in `upgrade()`, and `downgrade()`.

use super::scan::*;
use crate::analyzers::migration::ops::{Filter, Op, OpKind, Rollback, Script};
use crate::config::Dialect;
use regex::Regex;
use std::sync::OnceLock;

/// SQLAlchemy core's `t.update().values({'new': t.c.old})` (or `new=t.c.old`), `t` made by
/// `table('name', …)`: an `UPDATE` that sets `new` from `old`, written as SQL so that a drop of
/// `old` after it sees where its values went.
fn core_update(text: &str, args: &str, line: u32, evidence: &str) -> Option<Op> {
    static UPDATE: OnceLock<Regex> = OnceLock::new();
    static SET: OnceLock<Regex> = OnceLock::new();
    let update = re(&UPDATE, r"(\w+)\s*\.\s*update\s*\(\s*\)");
    let set = re(&SET, r#"['"]?(\w+)['"]?\s*[:=]\s*(\w+)\.(?:c\.)?(\w+)"#);
    let var = update.captures(args)?[1].to_string();
    // Rows read in a loop over the table (`for ds in conn.execute(t.select()):`) give their
    // columns as `ds.options`.
    // A select with its own `.where(…)` reads only some rows: not a copy of the column.
    let rows = Regex::new(&format!(
        r"\bfor\s+(\w+)\s+in\s+.*\b{}\s*\.\s*select\s*\(\s*\)(.*)",
        regex::escape(&var)
    ))
    .ok()?;
    let row_vars: Vec<String> = rows
        .captures_iter(text)
        .filter(|c| !c[2].contains(".where("))
        .map(|c| c[1].to_string())
        .collect();
    let definition = Regex::new(&format!(
        r#"\b{}\s*=\s*(?:sa\.)?table\(\s*['"](\w+)['"]"#,
        regex::escape(&var)
    ))
    .ok()?;
    let table = definition.captures(text)?[1].to_lowercase();
    let values = args.split_once(".values(")?.1;
    let pairs: Vec<(String, String)> = set
        .captures_iter(values)
        .filter(|c| {
            let through_c = c[0].contains(".c.");
            (through_c && c[2] == var) || (!through_c && row_vars.iter().any(|r| *r == c[2]))
        })
        .map(|c| (c[1].to_lowercase(), c[3].to_lowercase()))
        .collect();
    if pairs.is_empty() {
        return None;
    }
    let sets: Vec<String> = pairs.iter().map(|(to, from)| format!("{to} = {from}")).collect();
    let filter = if args.contains(".where(") {
        Filter::Real
    } else {
        Filter::None
    };
    let mut op = Op::framework(
        OpKind::Update {
            table: table.clone(),
            columns: pairs.into_iter().map(|(to, _)| to).collect(),
            filter,
            json: Vec::new(),
        },
        line,
        evidence,
    );
    op.statement = format!("UPDATE {table} SET {}", sets.join(", "));
    Some(op)
}

/// The SQLAlchemy type an `alter_column` keyword names (`existing_type=sa.TEXT()`), lowercased
/// and without spaces, up to its closing parenthesis.
fn sa_type(args: &str, key: &str) -> Option<String> {
    let at = args.match_indices(key).find(|(i, _)| {
        // `type_=` is not the end of `existing_type_=`-like longer keywords.
        *i == 0 || !args[..*i].ends_with(|c: char| c.is_alphanumeric() || c == '_')
    })?;
    let rest = &args[at.0 + key.len()..];
    let end = match (rest.find('('), rest.find([',', '\n'])) {
        (Some(open), comma) if comma.is_none_or(|c| open < c) => open + call_args(&rest[open..], 0).len() + 2,
        (_, Some(comma)) => comma,
        (_, None) => rest.len(),
    };
    Some(
        rest[..end]
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_lowercase(),
    )
}

/// A SQLAlchemy text type, bounded or not (`sa.String(length=40)`, `sa.VARCHAR(40)`, `sa.TEXT()`).
fn text_kind(ty: &str) -> bool {
    let path = ty.split_once('(').map_or(ty, |(p, _)| p);
    let class = path.rsplit('.').next().unwrap_or(path);
    [
        "text",
        "unicodetext",
        "string",
        "varchar",
        "unicode",
        "nvarchar",
        "char",
        "nchar",
    ]
    .contains(&class)
}

/// `sa.Text()`, `sa.UnicodeText()`, `sa.String()` or `VARCHAR()` without a length: PostgreSQL's
/// `text` and unbounded `varchar`, which it stores and compares alike.
fn unbounded_text(ty: &str) -> bool {
    let (path, args) = ty.split_once('(').unwrap_or((ty, ""));
    let class = path.rsplit('.').next().unwrap_or(path);
    let args = args.trim_end_matches(')');
    match class {
        "text" | "unicodetext" => !args.contains("length="),
        "string" | "varchar" | "unicode" => args.is_empty() || args == "length=none",
        _ => false,
    }
}

pub fn alembic(text: &str, dialect: Dialect) -> Script {
    static CALL: OnceLock<Regex> = OnceLock::new();
    let call = re(&CALL, r"\bop\.(\w+)\s*\(");
    let functions = python_functions(text);
    let upgrade = functions.iter().find(|f| f.0 == "upgrade");
    let downgrade = functions.iter().find(|f| f.0 == "downgrade");
    let mut ops = Vec::new();
    if let Some((_, start, end, _)) = upgrade {
        for c in calls(text, call, "#") {
            let line = c.line;
            if line <= *start || line > *end {
                continue;
            }
            // A name in a variable (a loop over columns) is named as the variable: `<col>`.
            let owned = name_variables(c.args);
            let args = owned.as_str();
            let arg = |n| positional(args, n).unwrap_or_default();
            // Alembic's names by keyword (`column_name="key_type"`) or in signature order.
            let named = |key: &str, n| named_arg(args, key, n).unwrap_or_default();
            let evidence = format!(
                "op.{}({})",
                c.name,
                c.args.split_whitespace().collect::<Vec<_>>().join(" ")
            );
            let kind = match c.name.as_str() {
                "drop_column" => OpKind::DropColumn {
                    table: named("table_name", 0),
                    column: named("column_name", 1),
                },
                "drop_table" => OpKind::DropTable { tables: vec![arg(0)] },
                "rename_table" => OpKind::RenameTable {
                    from: arg(0),
                    to: arg(1),
                },
                "create_table" => OpKind::CreateTable {
                    table: arg(0),
                    columns: Vec::new(),
                },
                "create_index" => OpKind::CreateIndex {
                    table: arg(1),
                    concurrently: args.contains("postgresql_concurrently=True"),
                },
                "create_foreign_key" => OpKind::AddConstraint {
                    table: arg(1),
                    kind: "foreign key".to_string(),
                    not_valid: args.contains("postgresql_not_valid=True"),
                    check: String::new(),
                },
                "add_column" => OpKind::AddColumn {
                    table: arg(0),
                    column: positional(args.split_once("Column(").map_or("", |p| p.1), 0).unwrap_or_default(),
                    not_null: args.contains("nullable=False"),
                    default: args.contains("server_default").then(|| "constant".to_string()),
                    references: args.contains("ForeignKey("),
                },
                "alter_column" => {
                    let (table, column) = (named("table_name", 0), named("column_name", 1));
                    if let Some(new) = arg_str(args, "new_column_name") {
                        OpKind::RenameColumn {
                            table,
                            from: column,
                            to: new,
                        }
                    } else if sa_type(args, "existing_type=").is_some_and(|old| {
                        sa_type(args, "type_=").is_some_and(|new| unbounded_text(&old) && unbounded_text(&new))
                    }) {
                        // `TEXT` ↔ an unbounded `VARCHAR` is one type to PostgreSQL: nothing is rewritten.
                        OpKind::Other
                    } else if args.contains("type_=") {
                        // The whole type, to its closing parenthesis (`sa.varchar(length=40)`).
                        let mut type_name = sa_type(args, "type_=").unwrap_or_default();
                        // Bounded text made unbounded (`existing_type=sa.VARCHAR(length=10000)`,
                        // `type_=sa.Text()`): PostgreSQL's `text`, which the rule knows widens.
                        if unbounded_text(&type_name)
                            && sa_type(args, "existing_type=").is_some_and(|old| text_kind(&old))
                        {
                            type_name = "text".to_string();
                        }
                        OpKind::AlterColumnType {
                            table,
                            column,
                            type_name,
                            using: arg_str(args, "postgresql_using"),
                        }
                    } else if args.contains("nullable=False") {
                        OpKind::SetNotNull { table, column }
                    } else {
                        OpKind::Other
                    }
                }
                "execute" => {
                    if let Some((sql_text, first)) = string_at(text, c.after) {
                        ops.extend(sql_ops(&sql_text, first, dialect));
                    } else if let Some(update) = core_update(text, args, line, &evidence) {
                        ops.push(update);
                    }
                    continue;
                }
                _ => continue,
            };
            ops.push(Op::framework(kind, line, &evidence));
        }
    }
    // SQL or a SQLAlchemy core update run through a connection (`conn.execute("INSERT …")`,
    // `conn.execute(t.update()…)`): the same statements as `op.execute`.
    if let Some((_, start, end, _)) = upgrade {
        static EXECUTE: OnceLock<Regex> = OnceLock::new();
        let execute = re(&EXECUTE, r"\b(\w+)\s*\.\s*execute\s*\(");
        let mut through_connection: Vec<Op> = calls(text, execute, "#")
            .into_iter()
            .filter(|c| c.line > *start && c.line <= *end && c.name != "op")
            .flat_map(|c| {
                if let Some((sql_text, first)) = string_at(text, c.after) {
                    // Only a literal that is the whole argument is the SQL that runs: one joined
                    // to a variable (`+ where`), formatted or an f-string may say anything more.
                    return if literal_is_whole(c.args, &sql_text) {
                        sql_ops(&sql_text, first, dialect)
                    } else {
                        Vec::new()
                    };
                }
                let evidence = format!(
                    "{}.execute({})",
                    c.name,
                    c.args.split_whitespace().collect::<Vec<_>>().join(" ")
                );
                core_update(text, c.args, c.line, &evidence).into_iter().collect()
            })
            .collect();
        if !through_connection.is_empty() {
            ops.append(&mut through_connection);
            ops.sort_by_key(|op| op.line);
        }
    }
    let rollback = match downgrade {
        None => Rollback::Missing {
            line: 1,
            why: "no `downgrade()`".to_string(),
        },
        Some((_, line, _, body)) if python_body_is_empty(body) => Rollback::Missing {
            line: *line,
            why: "`downgrade()` is empty or `pass`".to_string(),
        },
        _ => Rollback::Fine,
    };
    Script::read(ops, rollback)
}

/// Whether `args` (a call's arguments) are the string literal holding `literal` and nothing
/// else, optionally inside `text(…)`: no concatenation, `%` or `.format(…)` after it, no f-string.
fn literal_is_whole(args: &str, literal: &str) -> bool {
    let Some(at) = args.find(literal) else {
        return false;
    };
    let before = args[..at].trim_end_matches(['"', '\'']);
    // The string's prefix letters (`f`, `rf`, `fr`): with an `f`, it interpolates.
    let prefix: String = before.chars().rev().take_while(char::is_ascii_alphabetic).collect();
    let prefix_f = prefix.len() <= 2 && prefix.contains(['f', 'F']);
    let after = args[at + literal.len()..]
        .trim_matches(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == ')' || c == ',');
    !prefix_f && after.is_empty()
}

#[cfg(test)]
mod literal_tests {
    use super::literal_is_whole;

    #[test]
    fn only_a_whole_literal_is_the_sql_that_runs() {
        let sql = "INSERT INTO s SELECT * FROM s_tmp";
        assert!(literal_is_whole(&format!("'''{sql}'''"), sql));
        assert!(literal_is_whole(&format!("sa.text(\"{sql}\")"), sql));
        // Joined to a variable, formatted, or an f-string: (argument, literal).
        for (args, literal) in [
            (format!("\"{sql} \" + keep_recent"), format!("{sql} ")),
            (format!("\"{sql} %s\" % cutoff"), format!("{sql} %s")),
            (format!("\"{sql} {{}}\".format(cutoff)"), format!("{sql} {{}}")),
            (format!("f\"{sql} {{cutoff}}\""), format!("{sql} {{cutoff}}")),
            (format!("fr\"{sql} {{cutoff}}\""), format!("{sql} {{cutoff}}")),
        ] {
            assert!(!literal_is_whole(&args, &literal), "{args}");
        }
    }
}

#[cfg(test)]
mod type_tests {
    use super::sa_type;

    #[test]
    fn a_type_is_read_to_its_closing_parenthesis() {
        let args = "'repositories', 'homepage', existing_type=sa.VARCHAR(length=128), type_=postgresql.ARRAY(sa.JSON()), existing_nullable=True";
        assert_eq!(
            sa_type(args, "existing_type=").as_deref(),
            Some("sa.varchar(length=128)")
        );
        assert_eq!(sa_type(args, "type_=").as_deref(), Some("postgresql.array(sa.json())"));
    }
}
