//! Rails migrations: `create_table`, `remove_column`, `change_column`, `execute` SQL, `down`/`reversible`.

use super::rails_models::{model_of_local, receiver_model, singular, Models};
use super::scan::*;
use crate::analyzers::migration::ops::{Filter, Op, OpKind, Rollback, Script};
use crate::config::Dialect;
use regex::Regex;
use std::sync::OnceLock;

/// The most lines one call's arguments are read across.
const MAX_CONTINUED_LINES: usize = 8;

/// Calls that delete rows through ActiveRecord (`.delete` alone is also Ruby's `String#delete`,
/// so it is not one of them).
const RAILS_DELETES: &[&str] = &[".delete_all", ".destroy_all", ".destroy!", ".destroy"];

pub fn rails(text: &str, dialect: Dialect) -> Script {
    static CALL: OnceLock<Regex> = OnceLock::new();
    static DEF: OnceLock<Regex> = OnceLock::new();
    let call = re(
        &CALL,
        r"^\s*(?:[\w:]+(?:\([^()]*\))?\.)*(remove_column|drop_table|rename_column|rename_table|change_column_null|change_column|add_column|add_index|add_foreign_key|add_reference|create_table|execute|update_all)\b(.*)$",
    );
    let def = re(&DEF, r"^(\s*)def\s+(self\.)?(change|up|down)\b");
    let mut ops = Vec::new();
    let mut section = "";
    let mut section_indent = 0usize;
    let (mut has_up, mut has_down, mut has_change) = (false, false, false);
    let mut up_line = 1;
    let mut down_body = String::new();
    let mut irreversible_in_change: Option<(u32, String)> = None;
    let mut in_reversible = 0usize;
    let lines: Vec<&str> = text.lines().collect();
    let models = Models::declared_in(&lines);
    for (i, raw) in text.lines().enumerate() {
        let lineno = i as u32 + 1;
        // Where the line starts in `text`, whatever its line ends (`\r\n` too).
        let line_start = raw.as_ptr() as usize - text.as_ptr() as usize;
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
                // `destroy!` deletes what `destroy` does (it raises on failure): one name, so
                // that an applied migration edited from one to the other restates its delete.
                let what = format!("`{}`", what.trim_start_matches('.').trim_end_matches(['(', '!']));
                let table = receiver_model(line).map(|m| models.table(&m));
                ops.push(Op::framework(
                    OpKind::CodeDelete {
                        what,
                        table,
                        after_copy: false,
                    },
                    lineno,
                    line,
                ));
                continue;
            }
            if let Some(copy) = translation_copy(text, line_start, line, &models) {
                ops.push(Op::framework(copy, lineno, line));
                continue;
            }
            let kept = rows_kept_in_loop(&lines, i, &models);
            if !kept.is_empty() {
                ops.extend(kept.into_iter().map(|copy| Op::framework(copy, lineno, line)));
                continue;
            }
        }
        // A call whose arguments go on over the next lines (`rename_column :t,` then the
        // names, one a line) is read whole.
        let joined;
        let statement = if line.trim_end().ends_with(',') && call.is_match(line) {
            let mut whole = line.trim_end().to_string();
            for next in lines.iter().skip(i + 1).take(MAX_CONTINUED_LINES) {
                let next = code_part(next, "#").trim();
                whole.push(' ');
                whole.push_str(next);
                if !next.ends_with(',') {
                    break;
                }
            }
            joined = whole;
            joined.as_str()
        } else {
            line
        };
        let unprefixed = without_name_prefixes(one_line_block_body(statement));
        let Some(c) = call.captures(&unprefixed) else {
            continue;
        };
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
                table: receiver_model(line).map(|m| models.table(&m)),
                columns: named_columns(update_all_sets(args)),
                calls: Vec::new(),
            },
            "execute" => {
                let at = line_start + raw.find("execute").unwrap_or(0) + "execute".len();
                if let Some((sql_text, first)) = string_at(text, at) {
                    // `#{table}` names what only the running code knows: read as that name.
                    let condition_interpolated = interpolates_condition(&sql_text);
                    let sql_text = interpolations_as_names(&sql_text, dialect);
                    let mut found = sql_ops(&sql_text, first, dialect);
                    // `#{where}` after the table may hold the condition: not known to pick all rows.
                    if condition_interpolated {
                        for op in &mut found {
                            if let OpKind::Delete { filter, .. } | OpKind::Update { filter, .. } = &mut op.kind {
                                if filter.is_all_rows() {
                                    *filter = Filter::Real;
                                }
                            }
                        }
                    }
                    ops.extend(found);
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
                // Rolling back runs it again on a column that then goes: only values that
                // existed stay changed.
                OpKind::CodeBackfill {
                    table: Some(t), columns, ..
                } if !columns.is_empty()
                    && columns.iter().all(|c| {
                        ops.iter().any(
                            |op: &Op| matches!(&op.kind, OpKind::AddColumn { table, column, .. } if table == t && column == c),
                        )
                    }) =>
                {
                    None
                }
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
    Script::read(ops, rollback)
}

/// What `update_all` sets: a SQL fragment as its first argument is followed by the conditions
/// (`update_all("kind = 'all'", "flag = true")`); a hash is all assignments.
fn update_all_sets(args: &str) -> &str {
    let inner = args.trim().trim_start_matches('(').trim_end().trim_end_matches(')');
    match top_level_args(inner).first() {
        Some(first) if first.starts_with(['"', '\'']) => first,
        _ => args,
    }
}

/// The columns an `update_all` line picks its rows by comparing them to a flag (`where(archived:
/// true)`, `:is_public => true`, `"tier_flag = #{connection.quoted_true}"`); none when the line
/// lifts its conditions (`unscope`).
pub fn flags_filtered(line: &str) -> Vec<String> {
    static FLAG: OnceLock<Regex> = OnceLock::new();
    let flag = re(
        &FLAG,
        r#"(\w+)["']?\s*(?::|=>|==|=)\s*(?:(?:true|false)\b|#\{\s*connection\.quoted_(?:true|false)\s*\})"#,
    );
    let filter = update_all_filter(line);
    if filter.contains("unscope") {
        return Vec::new();
    }
    flag.captures_iter(&filter).map(|c| c[1].to_string()).collect()
}

/// The conditions of an `update_all` line: the receiver's `where(…)` before the call, and the
/// conditions after a SQL fragment (`update_all("kind = 'x'", "flag = true")`), lower case.
fn update_all_filter(line: &str) -> String {
    let lower = line.to_lowercase();
    let Some((before, after)) = lower.split_once("update_all") else {
        return String::new();
    };
    let sets = update_all_sets(after);
    let conditions = if sets.len() < after.len() {
        after.replacen(sets, "", 1)
    } else {
        String::new()
    };
    format!("{before} {conditions}")
}

/// Globalize's `Model.create_translation_table!({title: :string}, {migrate_data: true})`: the
/// named columns' values are copied into the model's translation table (`<model>_translations`)
/// before the migration drops them. Without `migrate_data` the table starts empty.
fn translation_copy(text: &str, line_start: usize, line: &str, models: &Models) -> Option<OpKind> {
    static KEY: OnceLock<Regex> = OnceLock::new();
    let key = re(&KEY, r"(?:\b(\w+):\s*:|:(\w+)\s*=>\s*:)");
    let at = line.find(".create_translation_table!")?;
    let model = receiver_model(line)?;
    let after = line_start + at + ".create_translation_table!".len();
    let rest = &text[after..];
    let args = match rest.trim_start().starts_with('(') {
        true => call_args(text, after + rest.find('(')?),
        false => rest.lines().next().unwrap_or(""),
    };
    let squashed: String = args.chars().filter(|c| !c.is_whitespace()).collect();
    if !(squashed.contains("migrate_data:true") || squashed.contains(":migrate_data=>true")) {
        return None;
    }
    // The columns are the first argument's keys; the options hash follows.
    let first = top_level_args(args.trim()).first().copied().unwrap_or("");
    let columns: Vec<String> = key
        .captures_iter(first)
        .filter_map(|c| c.get(1).or(c.get(2)).map(|m| m.as_str().to_string()))
        .filter(|c| !matches!(c.as_str(), "migrate_data" | "remove_source_columns"))
        .collect();
    let table = models.table(&model);
    let singular = singular(&table);
    Some(OpKind::CodeCopy {
        into: format!("{singular}_translations"),
        of: table,
        columns: Some(columns),
        moved: false,
    })
}

/// A loop over a model's rows (`Vote.where(…).each do |v|`, `find_each`, `in_batches`) that
/// keeps data in code, in each way it does: its body builds rows of another model
/// (`HiddenStory.new`, `.create`, `.insert_all`), a copy of the model's rows; it writes each row
/// (`v.update…`, `v.save`, `v.ban!(…)`) from another model (`Keystore.value_for`), from the row's
/// own columns (`account.balance`), or after a filter on columns (`where(is_tracker: true)`):
/// values moved into the row's other columns.
fn rows_kept_in_loop(lines: &[&str], at: usize, models: &Models) -> Vec<OpKind> {
    static LOOP: OnceLock<Regex> = OnceLock::new();
    static BUILD: OnceLock<Regex> = OnceLock::new();
    static SOURCE: OnceLock<Regex> = OnceLock::new();
    const NOT_MODELS: &[&str] = &[
        "Time",
        "Date",
        "DateTime",
        "Rails",
        "ActiveRecord",
        "JSON",
        "BigDecimal",
        "Integer",
        "Float",
        "String",
        "Kernel",
        "I18n",
        "Money",
    ];
    let each = re(
        &LOOP,
        r"\.(each|find_each|find_in_batches|in_batches)\b.*\bdo\s*\|(\w+)\|",
    );
    let build = re(
        &BUILD,
        r"\b([A-Z][\w:]*)\.(new|create!?|insert|insert!|insert_all!?|upsert|upsert_all|find_or_create_by!?)\b",
    );
    let source = re(&SOURCE, r"\b([A-Z][\w:]*)\.\w+");
    let head = code_part(lines[at], "#");
    let of = receiver_model(head).or_else(|| model_of_local(lines, at));
    let (Some(var), Some(of)) = (each.captures(head).map(|c| c[2].to_string()), of) else {
        return Vec::new();
    };
    let indent = |l: &str| l.len() - l.trim_start().len();
    let depth = indent(lines[at]);
    let body: Vec<&str> = lines[at + 1..]
        .iter()
        .take_while(|l| !(l.trim() == "end" && indent(l) <= depth))
        .map(|l| code_part(l, "#"))
        .collect();
    // A loop over ids that loads each row (`Node.ids.each do |id|` … `node = Node.find(id)`):
    // the row is the loaded one.
    let loaded = format!("= {of}.find({var})");
    let var = body
        .iter()
        .find_map(|l| {
            let (name, rest) = l.split_once('=')?;
            let name = name.trim();
            (format!("= {}", rest.trim()).starts_with(&loaded) && name.chars().all(|c| c.is_alphanumeric() || c == '_'))
                .then(|| name.to_string())
        })
        .unwrap_or(var);
    let moved = |of: String, into: String, columns: Option<Vec<String>>| OpKind::CodeCopy {
        of,
        into,
        columns,
        moved: true,
    };
    let mut out = Vec::new();
    let assigned = assigned_columns(&body, &var);
    if let Some(into) = body
        .iter()
        .filter_map(|l| build.captures(l))
        .map(|c| c[1].to_string())
        .find(|m| *m != of)
    {
        // The row's columns the body reads (`e.series_id`) are what the copy carries; the row
        // passed whole (`v.attributes`, `v.dup`) carries every one.
        let read = format!(r"\b{}\.(\w+)", regex::escape(&var));
        let columns: Option<Vec<String>> = Regex::new(&read).ok().and_then(|read| {
            let mut cols: Vec<String> = Vec::new();
            for c in body.iter().flat_map(|l| read.captures_iter(l)) {
                let col = c[1].to_string();
                if [
                    "attributes",
                    "attributes_before_type_cast",
                    "dup",
                    "as_json",
                    "serializable_hash",
                ]
                .contains(&col.as_str())
                {
                    return None;
                }
                if !cols.contains(&col) {
                    cols.push(col);
                }
            }
            Some(cols).filter(|c| !c.is_empty())
        });
        out.push(OpKind::CodeCopy {
            of: models.table(&of),
            into: models.table(&into),
            columns,
            moved: false,
        });
    }
    let prefix = format!("{var}.");
    let call_name = |call: &str| -> String { call.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect() };
    let is_write = |call: &str| {
        let name = call_name(call);
        call[name.len()..].starts_with('!')
            || ["update", "update_columns", "update_column", "update_attribute", "save"].contains(&name.as_str())
    };
    let writes: Vec<&str> = body
        .iter()
        .copied()
        .filter(|l| l.split(prefix.as_str()).skip(1).any(is_write))
        .collect();
    if writes.is_empty() {
        return out;
    }
    out.push(OpKind::CodeBackfill {
        what: format!("a loop that saves each `{of}` row"),
        table: Some(models.table(&of)),
        calls: if assigned.is_empty() {
            row_calls(&body, &var)
        } else {
            Vec::new()
        },
        columns: assigned,
    });
    // Values of another model move into these rows (`Keystore.value_for(…)`).
    if let Some(from) = writes
        .iter()
        .flat_map(|l| source.captures_iter(l).map(|c| c[1].to_string()).collect::<Vec<_>>())
        .find(|m| *m != of && !NOT_MODELS.contains(&m.as_str()))
    {
        out.push(moved(models.table(&from), models.table(&of), None));
    }
    // The row's own columns read where it is written (`account.balance`), and the columns the
    // loop's filter picks rows by: their values move into the row's other columns.
    let mut columns: Vec<String> = writes
        .iter()
        .flat_map(|l| {
            l.split(prefix.as_str())
                .skip(1)
                .filter(|c| !is_write(c))
                .map(call_name)
                .collect::<Vec<_>>()
        })
        .filter(|c| !c.is_empty())
        .collect();
    columns.extend(where_columns(head).unwrap_or_default());
    // A column copied whole, or converted, into another before the row is saved
    // (`product.size_f = product.size.to_f` … `product.save!`): a test of it
    // (`row.has_notes = row.notes.present?`) or a string built from it keeps nothing.
    let saves = body.iter().any(|l| l.contains(&format!("{var}.save")));
    let copy = Regex::new(&format!(
        r"^\s*{v}\.\w+\s*=\s*{v}\.(\w+)(?:\.to_(?:f|i|s|d|r|c|sym|date|time|datetime|json))?\s*$",
        v = regex::escape(&var)
    ))
    .ok();
    if saves {
        columns.extend(
            body.iter()
                .filter_map(|l| copy.as_ref()?.captures(l))
                .map(|c| c[1].to_string()),
        );
    }
    if !columns.is_empty() {
        let table = models.table(&of);
        out.push(moved(table.clone(), table, Some(columns)));
    }
    out
}

/// The columns a `Model.where(…)` on `line` picks rows by (`where(local: true)`,
/// `where(:vote => 0)`); `None` without a hash filter.
pub fn where_columns(line: &str) -> Option<Vec<String>> {
    static FILTER: OnceLock<Regex> = OnceLock::new();
    let (_, args) = line.split_once(".where(")?;
    let filter = re(&FILTER, r"(?:\b(\w+):\s|:(\w+)\s*=>)");
    let columns: Vec<String> = filter
        .captures_iter(args)
        .filter_map(|c| c.get(1).or(c.get(2)).map(|m| m.as_str().to_string()))
        .collect();
    (!columns.is_empty()).then_some(columns)
}

/// The methods a loop body calls on its row (`hat.assign_short_id`, `s.update_count!`), without
/// the saving ones and `!`/`?`.
fn row_calls(body: &[&str], var: &str) -> Vec<String> {
    let Ok(call) = Regex::new(&format!(r"\b{}\.(\w+)[!?]?(?:\s*[=(]|\s|$)", regex::escape(var))) else {
        return Vec::new();
    };
    // Writes that name no method (`row[:col] = …`, `row.update(attrs)`): the calls do not
    // account for every write, so none is inferred.
    let other_writes = [
        format!("{var}["),
        format!("{var}.update("),
        format!("{var}.update!("),
        format!("{var}.update_columns("),
        format!("{var}.assign_attributes("),
        format!("{var}.attributes ="),
        format!("{var}.write_attribute("),
    ];
    if body.iter().any(|l| other_writes.iter().any(|w| l.contains(w.as_str()))) {
        return Vec::new();
    }
    let saving = [
        "save",
        "update",
        "update_columns",
        "update_column",
        "update_attribute",
        "reload",
    ];
    let mut calls: Vec<String> = body
        .iter()
        .flat_map(|l| call.captures_iter(l).map(|c| c[1].to_string()).collect::<Vec<_>>())
        .filter(|m| !saving.contains(&m.as_str()))
        .collect();
    calls.sort();
    calls.dedup();
    calls
}

/// The columns a loop body sets on its row (`row.col = …`, `row.update(col: …)`,
/// `row.update_column(:col, …)`); empty when it sets none by name.
fn assigned_columns(body: &[&str], var: &str) -> Vec<String> {
    let v = regex::escape(var);
    let assign = Regex::new(&format!(r"\b{v}\.(\w+)\s*=[^=]")).ok();
    // Writes whose columns the list would miss: `+=`, `||=`, `row[:col] =`, attribute helpers,
    // and any bang method but the saving ones (`ban!`, `recalculate!`) — then nothing is known.
    let opaque = Regex::new(&format!(
        r"\b{v}(?:\.\w+\s*(?:[-+*/]|\|\||&&)=|\[|\.(?:write_attribute|assign_attributes|attributes\s*=|increment|decrement|toggle|update_attributes)\b|\.(\w+)!)"
    ))
    .ok();
    let saving = ["save", "update", "update_columns", "update_column", "update_attribute"];
    let unknown = body.iter().any(|line| {
        opaque.as_ref().is_some_and(|o| {
            o.captures_iter(line)
                .any(|c| c.get(1).is_none_or(|bang| !saving.contains(&bang.as_str())))
        })
    });
    if unknown {
        return Vec::new();
    }
    let mut columns: Vec<String> = Vec::new();
    for line in body {
        if let Some(c) = assign.as_ref().and_then(|a| a.captures(line)) {
            columns.push(c[1].to_string());
        }
        for call in [
            "update_column",
            "update_attribute",
            "update_columns",
            "update!",
            "update",
        ] {
            let Some((_, args)) = line.split_once(&format!("{var}.{call}")) else {
                continue;
            };
            // `update_column` is not `update_columns`.
            if args.starts_with(|c: char| c.is_alphanumeric() || c == '_' || c == '!') {
                continue;
            }
            let args = args.trim_start();
            let args = args.strip_prefix('(').unwrap_or(args);
            if call == "update_column" || call == "update_attribute" {
                // Its first argument names the column; what follows is the value.
                let first = args.split(',').next().unwrap_or("").trim();
                let name = first.trim_start_matches(':').trim_matches(|c| c == '"' || c == '\'');
                if !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    columns.push(name.to_string());
                }
            } else {
                // The keys of its hash, not those of a call that computes a value.
                columns.extend(named_columns(&args[..args.find('(').unwrap_or(args.len())]));
            }
            break;
        }
    }
    columns.sort();
    columns.dedup();
    columns
}

/// The columns named in an update's arguments: `col: …`, `:col => …`, `(:col, …)`, or every
/// assignment of a SQL fragment (`"a = 0, b = (select …)"`), outside its parentheses.
fn named_columns(args: &str) -> Vec<String> {
    static ASSIGNED: OnceLock<Regex> = OnceLock::new();
    let assigned = re(&ASSIGNED, r"(\w+)\s*=[^=>]");
    let trimmed = args.trim_start().trim_start_matches('(').trim_start();
    if let Some(fragment) = trimmed.strip_prefix('"').or_else(|| trimmed.strip_prefix('\'')) {
        let mut depth = 0i32;
        let top: String = fragment
            .chars()
            .map(|c| {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                if depth > 0 || c == ')' {
                    ' '
                } else {
                    c
                }
            })
            .collect();
        return assigned.captures_iter(&top).map(|c| c[1].to_string()).collect();
    }
    static NAMED: OnceLock<Regex> = OnceLock::new();
    let named = re(
        &NAMED,
        r#"(?:\b(\w+):\s|:(\w+)\s*(?:=>|,)|^\s*\(?\s*["'](\w+)\s*=[^=])"#,
    );
    named
        .captures_iter(args)
        .filter_map(|c| c.get(1).or(c.get(2)).or(c.get(3)).map(|m| m.as_str().to_string()))
        .collect()
}

/// A call's line without the interpolations that only prefix a name
/// (`"#{PluginRoutes.system_info["db_prefix"]}posts"` is `"posts"`): a table prefix the app
/// configures, like a schema. An interpolation that is the whole name stays.
fn without_name_prefixes(line: &str) -> std::borrow::Cow<'_, str> {
    if !line.contains("#{") {
        return line.into();
    }
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(open) = rest.find("#{") {
        // The closing brace at the same depth; none, and the line stays as written.
        let mut depth = 0usize;
        let close = rest[open + 1..].char_indices().find_map(|(i, ch)| {
            match ch {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(open + 1 + i);
                    }
                }
                _ => {}
            }
            None
        });
        let Some(close) = close else { break };
        let prefixes = rest[close + 1..].starts_with(|c: char| c.is_alphanumeric() || c == '_');
        out.push_str(&rest[..open]);
        if !prefixes {
            out.push_str(&rest[open..=close]);
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out.into()
}

/// The call inside a block written on one line, `safety_assured { rename_column … }`: the
/// strong_migrations acknowledgement around it changes nothing the call does.
fn one_line_block_body(line: &str) -> &str {
    let trimmed = line.trim();
    let Some(rest) = trimmed.strip_prefix("safety_assured") else {
        return line;
    };
    let rest = rest.trim_start();
    let body = rest
        .strip_prefix('{')
        .and_then(|r| r.strip_suffix('}'))
        .or_else(|| rest.strip_prefix("do ").and_then(|r| r.strip_suffix(" end")));
    body.unwrap_or(line)
}

/// `safety_assured do … end` blocks (the strong_migrations convention), also written on one
/// line with braces: the author acknowledged the lock risk of the statements inside.
pub fn safety_assured_blocks(text: &str) -> Vec<(u32, u32)> {
    let mut blocks = Vec::new();
    let mut open: Option<(u32, usize)> = None;
    for (i, raw) in text.lines().enumerate() {
        let lineno = i as u32 + 1;
        let line = code_part(raw, "#");
        let indent = raw.len() - raw.trim_start().len();
        if let Some((start, ind)) = open {
            if line.trim() == "end" && indent == ind {
                blocks.push((start, lineno));
                open = None;
            }
        }
        if line.contains("safety_assured") {
            if one_line_block_body(line) != line {
                blocks.push((lineno, lineno));
            } else {
                open = Some((lineno, indent));
            }
        }
    }
    blocks
}

/// Each bare Ruby `#{…}` of an SQL string as a quoted name (`"#{table}"`, backquoted for
/// MySQL), so that a statement whose table is interpolated names it as written.
fn interpolations_as_names(sql: &str, dialect: Dialect) -> String {
    static INTERPOLATION: OnceLock<Regex> = OnceLock::new();
    let interpolation = re(&INTERPOLATION, r#"(^|[^"'`\w])(#\{[^{}"'`]*\})"#);
    let q = if dialect == Dialect::Mysql { '`' } else { '"' };
    interpolation
        .replace_all(sql, |c: &regex::Captures| format!("{}{q}{}{q}", &c[1], &c[2]))
        .into_owned()
}

/// A bare `#{…}` after the statement's table, outside string literals (`… AS b2 #{where}`): the
/// condition may be in it. One inside quotes (`SET token = '#{x}'`) is a value.
fn interpolates_condition(sql: &str) -> bool {
    // ASCII lowering keeps byte offsets, so they index `sql` too.
    let lower = sql.to_ascii_lowercase();
    let after_table = ["delete from ", "update "]
        .iter()
        .filter_map(|k| lower.find(k).map(|i| i + k.len()))
        .min()
        .and_then(|i| sql.get(i..))
        .map(|rest| rest.trim_start().split_once(char::is_whitespace).map_or("", |(_, r)| r))
        .unwrap_or("");
    let mut quoted = false;
    let bytes = after_table.as_bytes();
    (0..bytes.len()).any(|i| {
        if bytes[i] == b'\'' {
            quoted = !quoted;
        }
        !quoted && bytes[i] == b'#' && bytes.get(i + 1) == Some(&b'{')
    })
}

#[cfg(test)]
mod tests {
    use super::{assigned_columns, flags_filtered};

    #[test]
    fn update_all_picks_rows_by_the_flags_it_compares() {
        assert_eq!(
            flags_filtered("Query.where(:is_public => true).update_all(:visibility => 2)"),
            ["is_public"]
        );
        assert_eq!(
            flags_filtered("User.update_all(\"mail_notification = 'all'\", \"mail_notification_bool = #{connection.quoted_true}\")"),
            ["mail_notification_bool"]
        );
        // Only the flag compared: `region` is picked by a value, `active` is the flag.
        assert_eq!(
            flags_filtered("Warehouse.where(region: \"eu\", active: true).update_all(zone: 1)"),
            ["active"]
        );
        // What the call sets is no filter, and `unscope` lifts the conditions.
        assert!(
            flags_filtered("Spree::PaymentMethod.where('environment != ?', Rails.env).update_all(active: false)")
                .is_empty()
        );
        assert!(flags_filtered("Project.where(archived: true).unscope(:where).update_all(state: 2)").is_empty());
    }

    #[test]
    fn the_columns_a_loop_sets_not_those_its_values_are_computed_from() {
        let body = [
            "      comment.update_column :depth, Comment.where(id: comment.parent_comment_id).pick(:depth) + 1",
            "      account.update_columns(balance_cents: Money.from_amount(account.balance, account.currency).cents)",
            "      user.prefers_contrast = :system",
            "      user.save!",
        ];
        assert_eq!(assigned_columns(&body[..1], "comment"), vec!["depth"]);
        assert_eq!(assigned_columns(&body[1..2], "account"), vec!["balance_cents"]);
        assert_eq!(assigned_columns(&body[2..], "user"), vec!["prefers_contrast"]);
        // A write the list cannot name makes the columns unknown.
        let opaque = ["      u.karma += 1", "      u.score = 0", "      u.save!"];
        assert!(assigned_columns(&opaque, "u").is_empty());
        let custom = ["      c.give_upvote_or_downvote_and_recalculate_confidence!(0, 0)"];
        assert!(assigned_columns(&custom, "c").is_empty());
        assert_eq!(
            super::named_columns("(\"score = 0, karma = 0\")"),
            vec!["score", "karma"]
        );
        assert_eq!(
            super::named_columns(
                "(\"stories_count = (select count(*) from stories s where s.merged_story_id = stories.id)\")"
            ),
            vec!["stories_count"]
        );
    }
}
