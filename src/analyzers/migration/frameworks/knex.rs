//! Knex migrations: `knex.schema` calls in `up`, and `down`.

use super::scan::*;
use crate::analyzers::migration::ops::{Op, OpKind, Rollback, Script};
use crate::config::Dialect;
use regex::Regex;
use std::sync::OnceLock;

pub fn knex(text: &str, dialect: Dialect) -> Script {
    static CALL: OnceLock<Regex> = OnceLock::new();
    static FN: OnceLock<Regex> = OnceLock::new();
    let call = re(
        &CALL,
        r"\.(dropTable|dropTableIfExists|dropColumn|dropColumns|renameColumn|renameTable|alterTable|table|createTable|raw)\s*\(",
    );
    let func = re(
        &FN,
        r"(?m)^\s*(?:exports\.|export\s+(?:async\s+)?function\s+|(?:async\s+)?function\s+)(up|down)\b",
    );
    let starts: Vec<(String, usize)> = func
        .captures_iter(text)
        .map(|c| (c[1].to_string(), c.get(0).expect("match").start()))
        .collect();
    let section_at = |pos: usize| starts.iter().rev().find(|(_, s)| *s <= pos).map(|(n, _)| n.as_str());
    let mut ops = Vec::new();
    let mut current_table = String::new();
    for c in calls(text, call, "//") {
        if section_at(c.start) != Some("up") {
            continue;
        }
        let line = c.line;
        let args = c.args;
        let arg = |n| positional(args, n).unwrap_or_default();
        let kind = match c.name.as_str() {
            "alterTable" | "table" => {
                current_table = arg(0);
                continue;
            }
            "createTable" => OpKind::CreateTable {
                table: arg(0),
                columns: Vec::new(),
            },
            "dropTable" | "dropTableIfExists" => OpKind::DropTable { tables: vec![arg(0)] },
            "dropColumn" | "dropColumns" => OpKind::DropColumn {
                table: current_table.clone(),
                column: arg(0),
            },
            "renameColumn" => OpKind::RenameColumn {
                table: current_table.clone(),
                from: arg(0),
                to: arg(1),
            },
            "renameTable" => OpKind::RenameTable {
                from: arg(0),
                to: arg(1),
            },
            "raw" => {
                if let Some((sql_text, first)) = string_at(text, c.after) {
                    ops.extend(sql_ops(&sql_text, first, dialect));
                }
                continue;
            }
            _ => continue,
        };
        ops.push(Op::framework(kind, line, c.line_text));
    }
    let rollback = match starts.iter().find(|(n, _)| n == "down") {
        None => Rollback::Missing {
            line: 1,
            why: "no `down` function".to_string(),
        },
        Some((_, at)) => {
            let body_start = text[*at..].find('{').map_or(text.len(), |b| at + b);
            let body = if body_start < text.len() {
                brace_body(&text[body_start..])
            } else {
                ""
            };
            let code: String = body
                .lines()
                .map(|l| code_part(l, "//").trim())
                .collect::<Vec<_>>()
                .join("");
            if code.is_empty() || code == "returnPromise.resolve();" || code == "return;" {
                Rollback::Missing {
                    line: line_at(text, *at),
                    why: "`down` is empty".to_string(),
                }
            } else {
                Rollback::Fine
            }
        }
    };
    Script::read(ops, rollback)
}
