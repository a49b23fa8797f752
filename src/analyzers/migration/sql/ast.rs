//! Reading a statement through sqlparser's AST, when it parses.

use super::lex::{has_seq, json_functions, qualified_name, select_columns, set_clause, tables_read, Stmt, Token};
use crate::analyzers::migration::ops::{Filter, OpKind};
use crate::config::Dialect;
use sqlparser::ast::{self, AlterColumnOperation, AlterTableOperation, ColumnOption, Statement, TableConstraint};
use sqlparser::dialect::{Dialect as SqlDialect, GenericDialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect};

pub fn parser_dialect(d: Dialect) -> Box<dyn SqlDialect> {
    match d {
        Dialect::Postgres => Box::new(PostgreSqlDialect {}),
        Dialect::Mysql => Box::new(MySqlDialect {}),
        Dialect::Sqlite => Box::new(SQLiteDialect {}),
        Dialect::Generic => Box::new(GenericDialect {}),
    }
}

fn name(n: &ast::ObjectName) -> String {
    n.0.last().map(|i| i.value.to_lowercase()).unwrap_or_default()
}

fn ident(i: &ast::Ident) -> String {
    i.value.to_lowercase()
}

/// Maps a parsed statement; an empty list means "not a form the AST path knows".
pub fn from_ast(statement: &Statement, stmt: &Stmt) -> Vec<OpKind> {
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
        // `WITH … UPDATE` / `WITH … INSERT`: the statement after the common table expressions.
        Statement::Query(query) => match &*query.body {
            ast::SetExpr::Update(inner) | ast::SetExpr::Insert(inner) => from_ast(inner, stmt),
            _ => vec![OpKind::Other],
        },
        Statement::Comment { .. }
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
