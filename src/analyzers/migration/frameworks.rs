//! Framework migrations read without starting the application: Rails, Django, Alembic and Knex
//! calls become `Op`s, their embedded SQL goes through the SQL reader, and each file's rollback
//! is judged by its framework's convention.

use super::ops::{Op, OpKind};
use super::sql;
use crate::classify::MigrationFormat;
use crate::config::Dialect;
use regex::Regex;
use std::sync::OnceLock;

/// Whether the file's rollback, under its framework's convention, is real.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rollback {
    /// The format has no rollback convention, or it holds.
    Fine,
    /// Missing, empty or a no-op; the text says which and where.
    Missing { line: u32, why: String },
}

/// What a migration file holds, in the common language.
#[derive(Debug, Clone)]
pub struct Script {
    pub ops: Vec<Op>,
    pub rollback: Rollback,
    /// Lines inside `safety_assured` blocks: lock risk acknowledged there.
    pub lock_acknowledged: Vec<(u32, u32)>,
    /// Lines of SQL statements written for another dialect (the token scan read them).
    pub unparsed: Vec<u32>,
}

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("framework regex compiles"))
}

/// Reads a framework file (anything but plain SQL).
pub fn read(format: MigrationFormat, text: &str, dialect: Dialect) -> Script {
    match format {
        MigrationFormat::Rails => rails(text, dialect),
        MigrationFormat::Django => django(text, dialect),
        MigrationFormat::Alembic => alembic(text, dialect),
        MigrationFormat::Knex => knex(text, dialect),
        _ => Script {
            ops: Vec::new(),
            rollback: Rollback::Fine,
            lock_acknowledged: Vec::new(),
            unparsed: Vec::new(),
        },
    }
}

/// 1-based line of a byte offset.
fn line_at(text: &str, offset: usize) -> u32 {
    text[..offset.min(text.len())].matches('\n').count() as u32 + 1
}

/// The code of a line without its trailing `#` or `//` comment (quotes respected roughly).
fn code_part<'a>(line: &'a str, marker: &str) -> &'a str {
    let mut in_quote: Option<char> = None;
    for (i, c) in line.char_indices() {
        match in_quote {
            Some(q) if c == q => in_quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' || c == '`' => in_quote = Some(c),
            None if line[i..].starts_with(marker) => return &line[..i],
            None => {}
        }
    }
    line
}

/// A string literal starting at `at` (after optional spaces and `(`): Python triple quotes and
/// prefixes, Ruby heredocs and `%q`, JavaScript template strings. Returns the content and the
/// line its first character is on.
pub fn string_at(text: &str, at: usize) -> Option<(String, u32)> {
    let rest = &text[at..];
    let skipped = rest.len() - rest.trim_start_matches(|c: char| c.is_whitespace() || c == '(').len();
    let mut start = at + skipped;
    let mut s = &text[start..];
    // Python prefixes r, b, u, f (and `sa.text(`).
    if let Some(inner) = s.strip_prefix("sa.text(").or_else(|| s.strip_prefix("text(")) {
        start += s.len() - inner.len();
        s = inner;
    }
    let prefix = s.chars().take_while(|c| "rRbBuUfF".contains(*c)).count();
    if prefix <= 2 && s[prefix..].starts_with(['"', '\'']) {
        start += prefix;
        s = &text[start..];
    }
    for q in ["\"\"\"", "'''"] {
        if let Some(body) = s.strip_prefix(q) {
            let end = body.find(q)?;
            return Some((body[..end].to_string(), line_at(text, start + q.len())));
        }
    }
    if let Some(h) = s.strip_prefix("<<") {
        let h = h.trim_start_matches(['~', '-']);
        let tag: String = h
            .trim_matches(|c| c == '\'' || c == '"')
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if tag.is_empty() {
            return None;
        }
        let body_start = start + s.find('\n')? + 1;
        let mut content = String::new();
        for line in text[body_start..].lines() {
            if line.trim() == tag {
                return Some((content, line_at(text, body_start)));
            }
            content.push_str(line);
            content.push('\n');
        }
        return None;
    }
    if let Some(body) = s.strip_prefix("%q{").or_else(|| s.strip_prefix("%Q{")) {
        let end = body.find('}')?;
        return Some((body[..end].to_string(), line_at(text, start + 3)));
    }
    let quote = s.chars().next().filter(|c| ['"', '\'', '`'].contains(c))?;
    let mut out = String::new();
    let mut chars = s[1..].chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(if n == 'n' { '\n' } else { n });
            }
        } else if c == quote {
            return Some((out, line_at(text, start + 1)));
        } else {
            out.push(c);
        }
    }
    None
}

/// SQL found in a string literal, as ops with file line numbers.
fn sql_ops(sql_text: &str, first_line: u32, dialect: Dialect) -> Vec<Op> {
    let dialect = if dialect == Dialect::Postgres {
        sql::detect_dialect(sql_text)
    } else {
        dialect
    };
    sql::split(sql_text, dialect, first_line)
        .iter()
        .flat_map(|s| sql::ops_of(s, dialect))
        .collect()
}

/// Start and end lines (inclusive) of each `def name` block, by indentation.
fn python_functions(text: &str) -> Vec<(String, u32, u32, String)> {
    static DEF: OnceLock<Regex> = OnceLock::new();
    let def = re(&DEF, r"^(\s*)(?:async\s+)?def\s+(\w+)\s*\(");
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if let Some(c) = def.captures(line) {
            let indent = c[1].len();
            let mut end = i;
            for (j, l) in lines.iter().enumerate().skip(i + 1) {
                if l.trim().is_empty() {
                    continue;
                }
                if l.len() - l.trim_start().len() <= indent {
                    break;
                }
                end = j;
            }
            let body = lines[i + 1..=end.max(i)]
                .iter()
                .skip(usize::from(end == i))
                .cloned()
                .collect::<Vec<_>>()
                .join("\n");
            out.push((c[2].to_string(), i as u32 + 1, end as u32 + 1, body));
        }
    }
    out
}

/// A Python body that does nothing: empty, `pass`, a docstring, comments.
fn python_body_is_empty(body: &str) -> bool {
    let code: Vec<&str> = body
        .lines()
        .map(|l| code_part(l, "#").trim())
        .filter(|l| !l.is_empty() && *l != "pass" && *l != "..." && !l.starts_with("\"\"\"") && !l.starts_with("'''"))
        .collect();
    code.is_empty()
}

fn arg_str(args: &str, key: &str) -> Option<String> {
    let r = Regex::new(&format!(r#"\b{key}\s*=\s*['"]([^'"]+)['"]"#)).ok()?;
    r.captures(args).map(|c| c[1].to_lowercase())
}

fn positional(args: &str, n: usize) -> Option<String> {
    static S: OnceLock<Regex> = OnceLock::new();
    let s = re(&S, r#"['"]([^'"]*)['"]|:(\w+)"#);
    // Positional string (or Ruby symbol) arguments before the first keyword argument.
    let head = args.split(['=']).next().unwrap_or(args);
    let head = if head.len() < args.len() {
        head.rsplit_once(',').map_or("", |(h, _)| h)
    } else {
        head
    };
    s.captures_iter(head).nth(n).map(|c| {
        c.get(1)
            .or(c.get(2))
            .map_or(String::new(), |m| m.as_str().to_lowercase())
    })
}

/// The text of a call's arguments, balanced parentheses, starting at the `(` at `open`.
fn call_args(text: &str, open: usize) -> &str {
    let mut depth = 0;
    let mut quote: Option<char> = None;
    for (i, c) in text[open..].char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '"' | '\'' => quote = Some(c),
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        return &text[open + 1..open + i];
                    }
                }
                _ => {}
            },
        }
    }
    &text[open + 1..]
}

fn rails(text: &str, dialect: Dialect) -> Script {
    static CALL: OnceLock<Regex> = OnceLock::new();
    static DEF: OnceLock<Regex> = OnceLock::new();
    let call = re(
        &CALL,
        r"^\s*(?:[\w:]+\.)*(remove_column|drop_table|rename_column|rename_table|change_column_null|change_column|add_column|add_index|add_foreign_key|add_reference|create_table|execute|update_all)\b(.*)$",
    );
    let def = re(&DEF, r"^(\s*)def\s+(self\.)?(change|up|down)\b");
    let mut ops = Vec::new();
    let mut section = "";
    let mut section_indent = 0usize;
    let mut ack: Vec<(u32, u32)> = Vec::new();
    let mut ack_open: Option<(u32, usize)> = None;
    let (mut has_up, mut has_down, mut has_change) = (false, false, false);
    let mut up_line = 1;
    let mut down_body = String::new();
    let mut irreversible_in_change: Option<(u32, String)> = None;
    let mut in_reversible = 0usize;
    let mut offset = 0usize;
    for (i, raw) in text.lines().enumerate() {
        let lineno = i as u32 + 1;
        let line_start = offset;
        offset += raw.len() + 1;
        let line = code_part(raw, "#");
        let indent = raw.len() - raw.trim_start().len();
        if let Some(c) = def.captures(line) {
            section = match &c[3] {
                "up" => {
                    has_up = true;
                    up_line = lineno;
                    "up"
                }
                "down" => {
                    has_down = true;
                    "down"
                }
                _ => {
                    has_change = true;
                    "change"
                }
            };
            section_indent = c[1].len();
            continue;
        }
        if line.trim() == "end" && indent == section_indent && !section.is_empty() {
            section = "";
            continue;
        }
        if let Some((start, ind)) = ack_open {
            if line.trim() == "end" && indent == ind {
                ack.push((start, lineno));
                ack_open = None;
            }
        }
        if line.contains("safety_assured") {
            ack_open = Some((lineno, indent));
        }
        if line.contains("reversible do") {
            in_reversible = indent + 1;
        } else if in_reversible > 0 && line.trim() == "end" && indent + 1 == in_reversible {
            in_reversible = 0;
        }
        if section == "down" {
            down_body.push_str(line);
            down_body.push('\n');
            continue;
        }
        if !section.is_empty() {
            if let Some(what) = RAILS_DELETES.iter().find(|d| line.contains(*d)) {
                let what = format!("`{}`", what.trim_start_matches('.').trim_end_matches('('));
                ops.push(Op::framework(OpKind::CodeDelete { what }, lineno, line));
                continue;
            }
        }
        let Some(c) = call.captures(line) else { continue };
        let (name, args) = (&c[1], &c[2]);
        // A table or column in a variable (a loop) is named as the variable: `<table>`.
        let owned;
        let args = if matches!(name, "execute" | "update_all") {
            args
        } else {
            owned = name_variables(args);
            owned.as_str()
        };
        let arg = |n| positional(args, n).unwrap_or_default();
        let kind = match name {
            "remove_column" => OpKind::DropColumn {
                table: arg(0),
                column: arg(1),
            },
            "drop_table" => OpKind::DropTable { tables: vec![arg(0)] },
            "rename_column" => OpKind::RenameColumn {
                table: arg(0),
                from: arg(1),
                to: arg(2),
            },
            "rename_table" => OpKind::RenameTable {
                from: arg(0),
                to: arg(1),
            },
            "change_column_null" if args.contains("false") => OpKind::SetNotNull {
                table: arg(0),
                column: arg(1),
            },
            "change_column_null" => OpKind::Other,
            "change_column" => OpKind::AlterColumnType {
                table: arg(0),
                column: arg(1),
                type_name: arg(2),
                using: None,
            },
            "add_column" => OpKind::AddColumn {
                table: arg(0),
                column: arg(1),
                not_null: args.contains("null: false"),
                default: args.contains("default:").then(|| "constant".to_string()),
                references: false,
            },
            "add_reference" => OpKind::AddColumn {
                table: arg(0),
                column: format!("{}_id", arg(1)),
                not_null: args.contains("null: false"),
                default: None,
                references: args.contains("foreign_key: true"),
            },
            "add_index" => OpKind::CreateIndex {
                table: arg(0),
                concurrently: args.contains(":concurrently"),
            },
            "add_foreign_key" => OpKind::AddConstraint {
                table: arg(0),
                kind: "foreign key".to_string(),
                not_valid: args.contains("validate: false"),
                check: String::new(),
            },
            "create_table" => OpKind::CreateTable {
                table: arg(0),
                columns: Vec::new(),
            },
            "update_all" => OpKind::CodeBackfill {
                what: "update_all".to_string(),
            },
            "execute" => {
                let at = line_start + raw.find("execute").unwrap_or(0) + "execute".len();
                if let Some((sql_text, first)) = string_at(text, at) {
                    ops.extend(sql_ops(&sql_text, first, dialect));
                }
                if section == "change" && in_reversible == 0 && irreversible_in_change.is_none() {
                    irreversible_in_change = Some((lineno, "`execute` in `change` outside `reversible`".to_string()));
                }
                continue;
            }
            _ => OpKind::Other,
        };
        if section == "change" && irreversible_in_change.is_none() {
            let why = match &kind {
                OpKind::DropColumn { .. } if args.matches(',').count() < 2 => {
                    Some("`remove_column` without the column type")
                }
                OpKind::DropTable { .. } if !line.contains(" do") => Some("`drop_table` without its definition block"),
                OpKind::AlterColumnType { .. } => Some("`change_column`"),
                OpKind::CodeBackfill { .. } => Some("`update_all`"),
                _ => None,
            };
            if let Some(why) = why {
                irreversible_in_change = Some((lineno, format!("{why} in `change`, which Rails cannot reverse")));
            }
        }
        ops.push(Op::framework(kind, lineno, line));
    }
    let rollback = if let Some(i) = text.find("ActiveRecord::IrreversibleMigration") {
        Rollback::Missing {
            line: line_at(text, i),
            why: "the rollback raises ActiveRecord::IrreversibleMigration".to_string(),
        }
    } else if has_up && !has_down {
        Rollback::Missing {
            line: up_line,
            why: "`up` has no `down`".to_string(),
        }
    } else if has_down && down_body.trim().is_empty() {
        Rollback::Missing {
            line: 1,
            why: "`down` is empty".to_string(),
        }
    } else if let (true, Some((line, why))) = (has_change, irreversible_in_change) {
        Rollback::Missing { line, why }
    } else {
        Rollback::Fine
    };
    Script {
        ops,
        rollback,
        lock_acknowledged: ack,
        unparsed: Vec::new(),
    }
}

/// Each `migrations.Name(` call with its balanced arguments and line.
fn django_calls(text: &str) -> Vec<(String, String, u32)> {
    static CALL: OnceLock<Regex> = OnceLock::new();
    let call = re(&CALL, r"migrations\.(\w+)\s*\(");
    call.captures_iter(text)
        .filter(|c| {
            // A call on a commented-out line is not code.
            let start = c.get(0).map_or(0, |m| m.start());
            let line_start = text[..start].rfind('\n').map_or(0, |n| n + 1);
            !text[line_start..start].contains('#')
        })
        .map(|c| {
            let m = c.get(0).expect("match");
            let args = call_args(text, m.end() - 1).to_string();
            (c[1].to_string(), args, line_at(text, m.start()))
        })
        .collect()
}

/// A Rails call's positional arguments with every bare variable (`table`, `col`) written as
/// the literal `'<table>'`, so that the names are read in their places; keyword arguments stay.
fn name_variables(args: &str) -> String {
    let inner = args.trim_start().trim_start_matches('(');
    inner
        .split(',')
        .map(|part| {
            let p = part.trim();
            let bare = !p.is_empty()
                && !p.contains(':')
                && !p.starts_with(['"', '\''])
                && p.chars().all(|c| c.is_alphanumeric() || c == '_');
            if bare {
                format!(" '<{p}>'")
            } else {
                part.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Calls that delete rows through ActiveRecord (`.delete` alone is also Ruby's `String#delete`,
/// so it is not one of them).
const RAILS_DELETES: &[&str] = &[".delete_all", ".destroy_all", ".destroy!", ".destroy"];

/// The first line of the body of Python function `name` that deletes rows (`.delete()`).
fn python_function_deletes(text: &str, name: &str) -> Option<u32> {
    let header = format!("def {name}(");
    let start = text.find(&header)?;
    let body_start = start + text[start..].find('\n')? + 1;
    let mut line = line_at(text, start);
    for l in text[body_start..].lines() {
        line += 1;
        if !l.trim().is_empty() && !l.starts_with(' ') && !l.starts_with('\t') {
            break;
        }
        let code = l.split('#').next().unwrap_or("");
        if code.contains(".delete()") {
            return Some(line);
        }
    }
    None
}

fn django(text: &str, dialect: Dialect) -> Script {
    let mut ops = Vec::new();
    let mut rollback = Rollback::Fine;
    for (name, args, line) in django_calls(text) {
        let model = || {
            arg_str(&args, "model_name")
                .or_else(|| positional(&args, 0))
                .unwrap_or_default()
        };
        let evidence = format!(
            "migrations.{name}({})",
            args.split_whitespace().collect::<Vec<_>>().join(" ")
        );
        let kind = match name.as_str() {
            "RemoveField" => OpKind::DropColumn {
                table: model(),
                column: arg_str(&args, "name")
                    .or_else(|| positional(&args, 1))
                    .unwrap_or_default(),
            },
            "DeleteModel" => OpKind::DropTable {
                tables: vec![arg_str(&args, "name")
                    .or_else(|| positional(&args, 0))
                    .unwrap_or_default()],
            },
            "RenameField" => OpKind::RenameColumn {
                table: model(),
                from: arg_str(&args, "old_name").unwrap_or_default(),
                to: arg_str(&args, "new_name").unwrap_or_default(),
            },
            "RenameModel" => OpKind::RenameTable {
                from: arg_str(&args, "old_name").unwrap_or_default(),
                to: arg_str(&args, "new_name").unwrap_or_default(),
            },
            "AlterField" => {
                let field = args.split("field=").nth(1).unwrap_or("");
                let type_name = field.split('(').next().unwrap_or("").trim().to_lowercase();
                OpKind::AlterColumnType {
                    table: model(),
                    column: arg_str(&args, "name").unwrap_or_default(),
                    type_name,
                    using: None,
                }
            }
            "AddField" => {
                let field = args.split("field=").nth(1).unwrap_or("");
                OpKind::AddColumn {
                    table: model(),
                    column: arg_str(&args, "name").unwrap_or_default(),
                    not_null: !field.contains("null=True") && !field.contains("ManyToManyField"),
                    default: (field.contains("default=") || field.contains("db_default="))
                        .then(|| "constant".to_string()),
                    references: field.contains("ForeignKey"),
                }
            }
            "CreateModel" => OpKind::CreateTable {
                table: arg_str(&args, "name").unwrap_or_default(),
                columns: Vec::new(),
            },
            "AddIndex" | "AddConstraint" if name == "AddIndex" => OpKind::CreateIndex {
                table: model(),
                concurrently: false,
            },
            "AddIndexConcurrently" => OpKind::CreateIndex {
                table: model(),
                concurrently: true,
            },
            "RunSQL" => {
                let open = args.find(|c: char| !c.is_whitespace()).unwrap_or(0);
                let abs = text.find(&args).unwrap_or(0) + open;
                if let Some((sql_text, first)) = string_at(text, abs) {
                    ops.extend(sql_ops(&sql_text, first, dialect));
                }
                if !args.contains("reverse_sql") {
                    rollback = Rollback::Missing {
                        line,
                        why: "`RunSQL` without `reverse_sql`".to_string(),
                    };
                } else if args.contains("reverse_sql=migrations.RunSQL.noop") {
                    rollback = Rollback::Missing {
                        line,
                        why: "`RunSQL` reverses with `RunSQL.noop`".to_string(),
                    };
                }
                continue;
            }
            "RunPython" => {
                let reverse = args.split(',').nth(1).map(str::trim).unwrap_or("");
                let reverse = reverse.strip_prefix("reverse_code=").unwrap_or(reverse).trim();
                let reverse_kw = arg_has(&args, "reverse_code");
                if reverse.is_empty() && !reverse_kw {
                    rollback = Rollback::Missing {
                        line,
                        why: "`RunPython` without `reverse_code`".to_string(),
                    };
                } else if reverse.contains("RunPython.noop") {
                    rollback = Rollback::Missing {
                        line,
                        why: "`RunPython` reverses with `RunPython.noop`, leaving the data as changed".to_string(),
                    };
                }
                let forward = args.split(',').next().unwrap_or("").trim().to_string();
                let forward = forward.strip_prefix("code=").unwrap_or(&forward).trim().to_string();
                if let Some(at) = python_function_deletes(text, &forward) {
                    let evidence = text.lines().nth(at as usize - 1).unwrap_or("").trim().to_string();
                    ops.push(Op::framework(
                        OpKind::CodeDelete {
                            what: format!("`{forward}` calls `.delete()`"),
                        },
                        at,
                        &evidence,
                    ));
                }
                OpKind::CodeBackfill {
                    what: format!("RunPython({forward})"),
                }
            }
            _ => continue,
        };
        ops.push(Op::framework(kind, line, &evidence));
    }
    Script {
        ops,
        rollback,
        lock_acknowledged: Vec::new(),
        unparsed: Vec::new(),
    }
}

fn arg_has(args: &str, key: &str) -> bool {
    args.contains(&format!("{key}="))
}

fn alembic(text: &str, dialect: Dialect) -> Script {
    static CALL: OnceLock<Regex> = OnceLock::new();
    let call = re(&CALL, r"\bop\.(\w+)\s*\(");
    let functions = python_functions(text);
    let upgrade = functions.iter().find(|f| f.0 == "upgrade");
    let downgrade = functions.iter().find(|f| f.0 == "downgrade");
    let mut ops = Vec::new();
    if let Some((_, start, end, _)) = upgrade {
        for c in call.captures_iter(text) {
            let m = c.get(0).expect("match");
            let line = line_at(text, m.start());
            if line <= *start || line > *end {
                continue;
            }
            let line_text = text.lines().nth(line as usize - 1).unwrap_or("");
            if code_part(line_text, "#").len() < line_text.find("op.").unwrap_or(0) {
                continue;
            }
            let args = call_args(text, m.end() - 1);
            let arg = |n| positional(args, n).unwrap_or_default();
            let evidence = format!(
                "op.{}({})",
                &c[1],
                args.split_whitespace().collect::<Vec<_>>().join(" ")
            );
            let kind = match &c[1] {
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
                    if let Some((sql_text, first)) = string_at(text, m.end()) {
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
    Script {
        ops,
        rollback,
        lock_acknowledged: Vec::new(),
        unparsed: Vec::new(),
    }
}

fn knex(text: &str, dialect: Dialect) -> Script {
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
    for c in call.captures_iter(text) {
        let m = c.get(0).expect("match");
        if section_at(m.start()) != Some("up") {
            continue;
        }
        let line = line_at(text, m.start());
        let line_text = text.lines().nth(line as usize - 1).unwrap_or("");
        if line_text.trim_start().starts_with("//") {
            continue;
        }
        let args = call_args(text, m.end() - 1);
        let arg = |n| positional(args, n).unwrap_or_default();
        let kind = match &c[1] {
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
                if let Some((sql_text, first)) = string_at(text, m.end()) {
                    ops.extend(sql_ops(&sql_text, first, dialect));
                }
                continue;
            }
            _ => continue,
        };
        ops.push(Op::framework(kind, line, line_text));
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
    Script {
        ops,
        rollback,
        lock_acknowledged: Vec::new(),
        unparsed: Vec::new(),
    }
}

fn brace_body(s: &str) -> &str {
    let mut depth = 0;
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return &s[1..i];
                }
            }
            _ => {}
        }
    }
    &s[1.min(s.len())..]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyzers::migration::ops::Filter;

    fn kinds(s: &Script) -> Vec<&OpKind> {
        s.ops.iter().map(|o| &o.kind).collect()
    }

    #[test]
    fn rails_dsl_and_embedded_sql() {
        let text = "class DropFax < ActiveRecord::Migration[7.1]\n  def change\n    # remove_column :ignored, :col\n    remove_column :customers, :fax, :string\n    execute <<~SQL\n      UPDATE customers SET prefs = prefs - 'fax';\n    SQL\n  end\nend\n";
        let s = rails(text, Dialect::Postgres);
        let k = kinds(&s);
        assert_eq!(
            k[0],
            &OpKind::DropColumn {
                table: "customers".into(),
                column: "fax".into()
            }
        );
        assert!(
            matches!(k[1], OpKind::Update { json, .. } if json == &vec!["-".to_string()]),
            "{k:?}"
        );
        assert_eq!(s.ops[1].line, 6);
        assert_eq!(
            s.rollback,
            Rollback::Missing {
                line: 5,
                why: "`execute` in `change` outside `reversible`, which Rails cannot reverse"
                    .replace(", which Rails cannot reverse", "")
            }
        );
    }

    #[test]
    fn rails_up_without_down_and_irreversible() {
        let s = rails(
            "class A < ActiveRecord::Migration[7.1]\n  def up\n    drop_table :legacy\n  end\nend\n",
            Dialect::Postgres,
        );
        assert!(matches!(s.rollback, Rollback::Missing { .. }));
        let s = rails("class A < ActiveRecord::Migration[7.1]\n  def up\n    drop_table :legacy\n  end\n  def down\n    raise ActiveRecord::IrreversibleMigration\n  end\nend\n", Dialect::Postgres);
        assert!(matches!(&s.rollback, Rollback::Missing { why, .. } if why.contains("IrreversibleMigration")));
        let s = rails(
            "class A < ActiveRecord::Migration[7.1]\n  def change\n    add_column :users, :age, :integer\n  end\nend\n",
            Dialect::Postgres,
        );
        assert_eq!(s.rollback, Rollback::Fine);
    }

    #[test]
    fn django_operations_and_run_python() {
        let text = "class Migration(migrations.Migration):\n    operations = [\n        # migrations.DeleteModel(name='Ghost'),\n        migrations.RemoveField(\n            model_name='customer',\n            name='fax',\n        ),\n        migrations.RunPython(forwards, migrations.RunPython.noop),\n        migrations.RunSQL(\"UPDATE shop_customer SET flags = '{}'::jsonb\", reverse_sql=\"SELECT 1\"),\n    ]\n";
        let s = django(text, Dialect::Postgres);
        let k = kinds(&s);
        assert_eq!(
            k[0],
            &OpKind::DropColumn {
                table: "customer".into(),
                column: "fax".into()
            }
        );
        assert_eq!(s.ops[0].line, 4);
        assert!(matches!(k[1], OpKind::CodeBackfill { .. }));
        assert!(matches!(k[2], OpKind::Update { .. }));
        assert!(matches!(&s.rollback, Rollback::Missing { why, .. } if why.contains("noop")));
    }

    #[test]
    fn alembic_upgrade_only_and_empty_downgrade() {
        let text = "def upgrade():\n    op.drop_column('customers', 'fax')\n    op.execute(\"DELETE FROM sessions\")\n\n\ndef downgrade():\n    pass\n";
        let s = alembic(text, Dialect::Postgres);
        let k = kinds(&s);
        assert_eq!(
            k[0],
            &OpKind::DropColumn {
                table: "customers".into(),
                column: "fax".into()
            }
        );
        assert!(matches!(
            k[1],
            OpKind::Delete {
                filter: Filter::None,
                ..
            }
        ));
        assert_eq!(
            s.rollback,
            Rollback::Missing {
                line: 6,
                why: "`downgrade()` is empty or `pass`".into()
            }
        );
    }

    #[test]
    fn knex_up_and_down() {
        let text = "exports.up = function(knex) {\n  return knex.schema.alterTable('users', (t) => {\n    t.dropColumn('fax');\n  });\n};\nexports.down = function(knex) {\n  return knex.schema.alterTable('users', (t) => { t.string('fax'); });\n};\n";
        let s = knex(text, Dialect::Postgres);
        assert_eq!(
            kinds(&s),
            vec![&OpKind::DropColumn {
                table: "users".into(),
                column: "fax".into()
            }]
        );
        assert_eq!(s.rollback, Rollback::Fine);
    }
}
