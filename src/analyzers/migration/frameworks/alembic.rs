//! Alembic migrations: `op.*` calls in `upgrade()`, and `downgrade()`.

use super::scan::*;
use crate::analyzers::migration::ops::{Op, OpKind, Rollback, Script};
use crate::config::Dialect;
use regex::Regex;
use std::sync::OnceLock;

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
            let args = c.args;
            let arg = |n| positional(args, n).unwrap_or_default();
            let evidence = format!(
                "op.{}({})",
                c.name,
                args.split_whitespace().collect::<Vec<_>>().join(" ")
            );
            let kind = match c.name.as_str() {
                "drop_column" => OpKind::DropColumn {
                    table: arg(0),
                    column: arg(1),
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
                    let (table, column) = (arg(0), arg(1));
                    if let Some(new) = arg_str(args, "new_column_name") {
                        OpKind::RenameColumn {
                            table,
                            from: column,
                            to: new,
                        }
                    } else if args.contains("type_=") {
                        let type_name = args
                            .split("type_=")
                            .nth(1)
                            .unwrap_or("")
                            .split([',', ')'])
                            .next()
                            .unwrap_or("")
                            .trim()
                            .to_lowercase();
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
                    }
                    continue;
                }
                _ => continue,
            };
            ops.push(Op::framework(kind, line, &evidence));
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
