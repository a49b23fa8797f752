//! Django migrations: `operations` (`RemoveField`, `AlterField`, `RunSQL`, `RunPython`, …) and their reverses.

use super::scan::*;
use crate::analyzers::migration::ops::{Op, OpKind, Rollback, Script};
use crate::config::Dialect;
use regex::Regex;
use std::sync::OnceLock;

/// Each `migrations.Name(` call with its balanced arguments and line. Operations listed in a
/// `SeparateDatabaseAndState(state_operations=[…])` change Django's model state only: the
/// database never sees them.
fn django_calls(text: &str) -> Vec<(String, String, u32)> {
    static CALL: OnceLock<Regex> = OnceLock::new();
    let call = re(&CALL, r"migrations\.(\w+)\s*\(");
    let state_only = keyword_lists(text, "state_operations");
    calls(text, call, "#")
        .into_iter()
        .filter(|c| !state_only.iter().any(|(a, b)| (*a..=*b).contains(&c.start)))
        .map(|c| (c.name, c.args.to_string(), c.line))
        .collect()
}

pub fn django(text: &str, dialect: Dialect) -> Script {
    let mut ops = Vec::new();
    let mut rollback = Rollback::Fine;
    let mut noop_reverse_overwrites = None;
    for (name, args, line) in django_calls(text) {
        // Django's operations take their names by keyword or in signature order.
        let named = |key: &str, at: usize| named_arg(&args, key, at).unwrap_or_default();
        let model = || named("model_name", 0);
        let evidence = format!(
            "migrations.{name}({})",
            args.split_whitespace().collect::<Vec<_>>().join(" ")
        );
        let kind = match name.as_str() {
            "RemoveField" => OpKind::DropColumn {
                table: model(),
                column: named("name", 1),
            },
            "DeleteModel" => OpKind::DropTable {
                tables: vec![named("name", 0)],
            },
            "RenameField" => OpKind::RenameColumn {
                table: model(),
                from: named("old_name", 1),
                to: named("new_name", 2),
            },
            "RenameModel" => OpKind::RenameTable {
                from: named("old_name", 0),
                to: named("new_name", 1),
            },
            "AlterField" => {
                let field = keyword_or_positional(&args, "field", 2).unwrap_or("");
                let type_name = field.split('(').next().unwrap_or("").trim().to_lowercase();
                OpKind::AlterColumnType {
                    table: model(),
                    column: named("name", 1),
                    type_name,
                    using: None,
                }
            }
            "AddField" => {
                let field = keyword_or_positional(&args, "field", 2).unwrap_or("");
                // The field's own keywords, not those of a nested `base_field=…(…)`.
                let own = call_arguments(field);
                let says = |key: &str, value: Option<&str>| {
                    keyword_arg(own, key).is_some_and(|v| value.is_none_or(|want| v == want))
                };
                // A unique field is a unique index, built over the whole table as it is added.
                if says("unique", Some("True")) {
                    let index = OpKind::CreateIndex {
                        table: model(),
                        concurrently: false,
                    };
                    ops.push(Op::framework(index, line, &evidence));
                }
                OpKind::AddColumn {
                    table: model(),
                    column: named("name", 1),
                    not_null: !says("null", Some("True")) && !field.contains("ManyToManyField"),
                    default: (says("default", None) || says("db_default", None)).then(|| "constant".to_string()),
                    references: field.contains("ForeignKey"),
                }
            }
            "CreateModel" => OpKind::CreateTable {
                table: named("name", 0),
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
                let base = text.find(&args).unwrap_or(0);
                // `sql` by keyword or first; one string, or a list of statements (each a string
                // or a `(sql, params)` pair).
                for statement in run_sql_statements(&args) {
                    let at = base + (statement.as_ptr() as usize - args.as_ptr() as usize);
                    if let Some((sql_text, first)) = string_at(text, at) {
                        ops.extend(sql_ops(&sql_text, first, dialect));
                    }
                }
                let reverse = keyword_or_positional(&args, "reverse_sql", 1);
                if reverse.is_none() {
                    noop_reverse_overwrites = None;
                    rollback = Rollback::Missing {
                        line,
                        why: "`RunSQL` without `reverse_sql`".to_string(),
                    };
                } else if reverse.is_some_and(|r| r.ends_with("RunSQL.noop")) {
                    noop_reverse_overwrites = None;
                    rollback = Rollback::Missing {
                        line,
                        why: "`RunSQL` reverses with `RunSQL.noop`".to_string(),
                    };
                }
                continue;
            }
            "RunPython" => {
                let forward = args.split(',').next().unwrap_or("").trim().to_string();
                let forward = forward.strip_prefix("code=").unwrap_or(&forward).trim().to_string();
                // A function that only reads (a check, a report) changes no data.
                let only_reads = python_function_only_reads(text, &forward);
                let reverse = args.split(',').nth(1).map(str::trim).unwrap_or("");
                let reverse = reverse.strip_prefix("reverse_code=").unwrap_or(reverse).trim();
                let reverse_kw = arg_has(&args, "reverse_code");
                if reverse.is_empty() && !reverse_kw {
                    noop_reverse_overwrites = None;
                    rollback = Rollback::Missing {
                        line,
                        why: "`RunPython` without `reverse_code`".to_string(),
                    };
                } else if reverse.contains("RunPython.noop") && !only_reads {
                    // The team's stated choice: wrong only when existing values change. Filling
                    // empty values, new rows and columns this migration adds lose nothing.
                    let model = function_model(text, &forward);
                    let added_here = |field: &str| {
                        ops.iter().any(|op| match &op.kind {
                            OpKind::AddColumn { table, column, .. } => {
                                model.as_deref().is_some_and(|m| table.eq_ignore_ascii_case(m)) && column == field
                            }
                            _ => false,
                        })
                    };
                    match function_overwrites(text, &forward) {
                        Some(fields) if fields.iter().all(|f| added_here(f)) => {}
                        // Another operation's missing rollback stands: this one cannot excuse it.
                        _ if !matches!(rollback, Rollback::Fine) => {}
                        overwrites => {
                            // `model.field`, so the change's other migrations can be asked.
                            let qualified = match (&model, overwrites) {
                                (Some(m), Some(fields)) => fields.iter().map(|f| format!("{m}.{f}")).collect(),
                                _ => Vec::new(),
                            };
                            noop_reverse_overwrites = Some(qualified);
                            rollback = Rollback::Missing {
                                line,
                                why: "`RunPython` reverses with `RunPython.noop`, leaving the data as changed"
                                    .to_string(),
                            };
                        }
                    }
                }
                if let Some((at, kind)) = python_function_deletes(text, &forward) {
                    let evidence = text.lines().nth(at as usize - 1).unwrap_or("").trim().to_string();
                    let (what, table) = match kind {
                        PythonDelete::ContentTypes => (
                            format!("`{forward}` deletes `ContentType` rows"),
                            Some("django_content_type".to_string()),
                        ),
                        PythonDelete::AfterCopy | PythonDelete::Rows => {
                            (format!("`{forward}` calls `.delete()`"), None)
                        }
                    };
                    let after_copy = kind == PythonDelete::AfterCopy;
                    ops.push(Op::framework(
                        OpKind::CodeDelete {
                            what,
                            table,
                            after_copy,
                        },
                        at,
                        &evidence,
                    ));
                }
                if only_reads {
                    continue;
                }
                // What the function writes from the models it loads keeps their values: a
                // `RemoveField` after it of a field it reads has moved them.
                for copy in function_moves(text, &forward) {
                    ops.push(Op::framework(copy, line, &evidence));
                }
                OpKind::CodeBackfill {
                    what: format!("RunPython({forward})"),
                    table: function_model(text, &forward),
                    columns: function_writes(text, &forward).unwrap_or_default(),
                    calls: Vec::new(),
                }
            }
            _ => continue,
        };
        ops.push(Op::framework(kind, line, &evidence));
    }
    let mut script = Script::read(ops, rollback);
    script.noop_reverse_overwrites = noop_reverse_overwrites;
    script
}

/// The migrations a squashed migration `replaces = [("app", "0001_initial"), …]`: (app, name).
pub fn replaced(text: &str) -> Vec<(String, String)> {
    static REPLACES: OnceLock<Regex> = OnceLock::new();
    static PAIR: OnceLock<Regex> = OnceLock::new();
    let replaces = re(&REPLACES, r"(?m)^\s+replaces\s*=\s*\[");
    let pair = re(&PAIR, r#"\(\s*['"]([\w.]+)['"]\s*,\s*['"]([\w.]+)['"]\s*\)"#);
    let Some(at) = replaces.find(text) else {
        return Vec::new();
    };
    let list = &text[at.end()..];
    let list = &list[..list.find(']').unwrap_or(list.len())];
    pair.captures_iter(list)
        .map(|c| (c[1].to_string(), c[2].to_string()))
        .collect()
}

/// The fields a data-migration function overwrites on rows that existed: those it writes,
/// less the ones it fills only where empty — every write of the field picks its rows by
/// `filter(f=None)` or `f__isnull=True` on the same line, or sits under an `if obj.f is None:`
/// or a loop over such rows (no value yet; an empty string is a value).
fn function_overwrites(text: &str, name: &str) -> Option<Vec<String>> {
    static EMPTY: OnceLock<Regex> = OnceLock::new();
    let empty = re(
        &EMPTY,
        r#"(\w+?)(?:\s*=\s*None|__isnull\s*=\s*True)\s*[,)]|\.(\w+)\s+is\s+None"#,
    );
    let mut fields = function_writes(text, name)?;
    let (_, _, _, body) = python_functions(text).into_iter().find(|f| f.0 == name)?;
    let lines: Vec<&str> = body.lines().map(|l| code_part(l, "#")).collect();
    let indent = |l: &str| l.len() - l.trim_start().len();
    let empties = |c: &str| -> Vec<String> {
        empty
            .captures_iter(c)
            .filter_map(|m| m.get(1).or_else(|| m.get(2)).map(|g| g.as_str().to_string()))
            .collect()
    };
    // The fields the `if` and `for` lines enclosing line `i` pick as empty (`if c.f is None:`,
    // `for c in M.objects.filter(f=None):`).
    let guards = |i: usize| -> Vec<String> {
        let mut depth = indent(lines[i]);
        let mut out = Vec::new();
        for l in lines[..i].iter().rev().filter(|l| !l.trim().is_empty()) {
            if indent(l) < depth {
                depth = indent(l);
                let t = l.trim_start();
                // `exclude(f=None)` picks the rows that have a value: no guard.
                if t.starts_with("if ") || (t.starts_with("for ") && !t.contains("exclude(")) {
                    out.extend(empties(l));
                }
            }
        }
        out
    };
    let writes_field = |c: &str, f: &str| {
        let assigns = Regex::new(&format!(r"^\s*\w+\.{}\s*=[^=]", regex::escape(f))).is_ok_and(|r| r.is_match(c));
        let updates = c.contains(".update(")
            && Regex::new(&format!(r"\b{}\s*=[^=]", regex::escape(f)))
                .is_ok_and(|r| r.is_match(c.split(".update(").nth(1).unwrap_or("")));
        assigns || updates
    };
    fields.retain(|f| {
        let sites: Vec<usize> = (0..lines.len()).filter(|&i| writes_field(lines[i], f)).collect();
        let filled_where_empty = !sites.is_empty()
            && sites.iter().all(|&i| {
                (lines[i].contains("filter(") && empties(lines[i].split(".update(").next().unwrap_or("")).contains(f))
                    || guards(i).contains(f)
            });
        !filled_where_empty
    });
    Some(fields)
}

/// The fields a data-migration function writes on rows that existed: `.update(f=…)` and
/// `obj.f = …` before a `.save()`; rows it creates are not writes of existing rows. `None` when
/// it does more than set fields (deletes, raw SQL, relation sets, bulk updates) or writes it
/// cannot name.
fn function_writes(text: &str, name: &str) -> Option<Vec<String>> {
    const OPAQUE: &[&str] = &[
        ".delete(",
        ".execute(",
        "RunSQL",
        "bulk_update(",
        "update_or_create(",
        ".set(",
        ".add(",
        ".remove(",
        ".clear(",
        ".raw(",
        "setattr(",
    ];
    static ASSIGN: OnceLock<Regex> = OnceLock::new();
    let assign = re(&ASSIGN, r"^\s*\w+\.(\w+)\s*=[^=]");
    static AUGMENTED: OnceLock<Regex> = OnceLock::new();
    // `c.hits += 1`: a write the list would miss.
    let augmented = re(&AUGMENTED, r"^\s*\w+\.\w+\s*[-+*/|&]=");
    let (_, _, _, body) = python_functions(text).into_iter().find(|f| f.0 == name)?;
    let code: Vec<&str> = body.lines().map(|l| code_part(l, "#")).collect();
    if code
        .iter()
        .any(|c| OPAQUE.iter().any(|w| c.contains(w)) || augmented.is_match(c))
    {
        return None;
    }
    let mut fields: Vec<String> = code
        .iter()
        .filter_map(|c| assign.captures(c).map(|m| m[1].to_string()))
        .collect();
    let saves = code.iter().any(|c| c.contains(".save("));
    if saves && fields.is_empty() {
        return None;
    }
    let joined = code.join("\n");
    let mut from = 0;
    while let Some(at) = joined[from..].find(".update(").map(|i| i + from) {
        from = at + ".update".len();
        for arg in top_level_args(call_arguments(&joined[from..])) {
            match arg.split_once('=') {
                Some((key, _)) if !key.contains(['*', '(', '.']) => fields.push(key.trim().to_string()),
                _ => return None,
            }
        }
    }
    fields.sort();
    fields.dedup();
    Some(fields)
}

/// The one model a data-migration function loads (`apps.get_model("api", "Check")` → `check`,
/// the name Django's operations use); `None` when it loads none or several.
fn function_model(text: &str, name: &str) -> Option<String> {
    static MODEL: OnceLock<Regex> = OnceLock::new();
    static LOOP: OnceLock<Regex> = OnceLock::new();
    static ASSIGN: OnceLock<Regex> = OnceLock::new();
    static UPDATE: OnceLock<Regex> = OnceLock::new();
    let model = re(
        &MODEL,
        r#"(\w+)\s*=\s*apps\.get_model\(\s*["']\w+["']\s*,\s*["'](\w+)["']"#,
    );
    let (_, _, _, body) = python_functions(text).into_iter().find(|f| f.0 == name)?;
    // `Channel = apps.get_model("api", "Channel")`: the binding and Django's model name.
    let bound: Vec<(String, String)> = model
        .captures_iter(&body)
        .map(|c| (c[1].to_string(), c[2].to_lowercase()))
        .collect();
    let mut models: Vec<String> = bound.iter().map(|(_, m)| m.clone()).collect();
    models.sort();
    models.dedup();
    if models.len() == 1 {
        return models.pop();
    }
    // Several loaded: the one whose rows it writes (`for ch in Channel.objects…: ch.f = …`,
    // `Channel.objects….update(…)`), when every write goes to it.
    let looped = re(&LOOP, r"for\s+(\w+)\s+in\s+(\w+)\.objects");
    let assign = re(&ASSIGN, r"^\s*(\w+)\.\w+\s*=[^=]");
    let update = re(&UPDATE, r"(\w+)\.objects\b[^\n]*\.update\(");
    let model_of = |binding: &str| bound.iter().find(|(b, _)| b == binding).map(|(_, m)| m.clone());
    let loops: Vec<(String, String)> = looped
        .captures_iter(&body)
        .filter_map(|c| Some((c[1].to_string(), model_of(&c[2])?)))
        .collect();
    let mut written: Vec<Option<String>> = body
        .lines()
        .filter_map(|l| {
            assign
                .captures(l)
                .map(|c| loops.iter().find(|(v, _)| *v == c[1]).map(|(_, m)| m.clone()))
        })
        .chain(update.captures_iter(&body).map(|c| model_of(&c[1])))
        .collect();
    written.sort();
    written.dedup();
    match written.as_slice() {
        [Some(one)] => Some(one.clone()),
        _ => None,
    }
}

/// The models a `RunPython` function loads (`apps.get_model("app", "Check")`), each as values
/// moved by the function, carrying every name its body mentions.
fn function_moves(text: &str, name: &str) -> Vec<OpKind> {
    static MODEL: OnceLock<Regex> = OnceLock::new();
    let model = re(&MODEL, r#"get_model\(\s*["']\w+["']\s*,\s*["'](\w+)["']"#);
    let Some((_, _, _, body)) = python_functions(text).into_iter().find(|f| f.0 == name) else {
        return Vec::new();
    };
    let words: Vec<String> = crate::text::words(&body).map(str::to_lowercase).collect();
    model
        .captures_iter(&body)
        .map(|c| c[1].to_lowercase())
        .map(|m| OpKind::CodeCopy {
            of: m.clone(),
            into: m,
            columns: Some(words.clone()),
            moved: true,
        })
        .collect()
}

/// Column families of Django's own fields whose column takes no length.
const IGNORES_MAX_LENGTH: &[&str] = &[
    "boolean",
    "text",
    "integer",
    "bigint",
    "smallint",
    "foreign key",
    "manytomany",
    "inet",
    "datefield",
    "datetimefield",
    "timefield",
    "durationfield",
    "floatfield",
    "decimalfield",
    "uuidfield",
    "jsonfield",
];

/// The column type Django builds for a field class (its family: `CharField`, `SlugField` and
/// `EmailField` are all `varchar`); an unknown class is its own family.
fn column_family(class: &str) -> &str {
    match class {
        "booleanfield" | "nullbooleanfield" => "boolean",
        // A file field stores the file's name.
        "charfield" | "slugfield" | "emailfield" | "urlfield" | "filefield" | "imagefield" | "filepathfield" => {
            "varchar"
        }
        "textfield" => "text",
        "integerfield" | "positiveintegerfield" | "autofield" => "integer",
        "bigintegerfield" | "positivebigintegerfield" | "bigautofield" => "bigint",
        "smallintegerfield" | "positivesmallintegerfield" | "smallautofield" => "smallint",
        // Subclasses too (`AutoOneToOneField`, `TreeForeignKey`): the same key column.
        c if c.ends_with("foreignkey") || c.ends_with("onetoonefield") => "foreign key",
        // Links live in a join table, not in a column of the model's table.
        c if c.ends_with("manytomanyfield") => "manytomany",
        // Both are `inet` on PostgreSQL (`char(39)` elsewhere).
        "ipaddressfield" | "genericipaddressfield" => "inet",
        other => other,
    }
}

/// A field's type as Django builds its column: the column family and the arguments that size
/// it (`models.CharField(max_length=50)` → `varchar(max_length=50)`); quotes and case do not
/// matter.
pub fn field_type(expr: &str) -> String {
    let path = expr.split('(').next().unwrap_or("").trim().to_lowercase();
    // A class from a package of its own (`jsonfield.fields.JSONField`, `app.db.fields.X`) builds
    // a column its name does not show: kept whole, so it is no Django class. One-word prefixes
    // (`models.`, `fields.`, `postgres.`) are how Django's own modules are imported.
    let class = match path.rsplit_once('.') {
        Some((module, _)) if module.contains('.') && !module.starts_with("django.") => path.clone(),
        Some((_, class)) => class.to_string(),
        None => path.clone(),
    };
    let args = call_arguments(expr);
    // Not `to`: a foreign key moved to another model keeps its integer column.
    let sized: Vec<String> = ["base_field", "decimal_places", "max_digits", "max_length"]
        .iter()
        .filter_map(|k| {
            let v = keyword_arg(args, k)?;
            let v = v
                .split('(')
                .next()
                .unwrap_or(v)
                .trim()
                .trim_matches(['"', '\''])
                .to_lowercase();
            // A size named by a constant (`max_length=CODE_LENGTH`) is not known here.
            let v = if *k != "base_field" && !v.chars().all(|c| c.is_ascii_digit()) {
                format!("?{v}")
            } else {
                v
            };
            Some(format!("{k}={v}"))
        })
        .collect();
    let family = column_family(&class);
    // Django passes `max_length` to the database only for character columns: on an integer or
    // a text field it is a form's limit, and dropping it changes no column.
    let mut sized = sized;
    if IGNORES_MAX_LENGTH.contains(&family) {
        sized.retain(|s| !s.starts_with("max_length="));
    }
    // `through` a model of the project's own: that model's table holds the links.
    if family == "manytomany" && keyword_arg(args, "through").is_some() {
        return "manytomany through".to_string();
    }
    // The length Django gives these fields when none is written.
    let default_length = match class.as_str() {
        "urlfield" => Some(200),
        "slugfield" => Some(50),
        "emailfield" => Some(254),
        "filefield" | "imagefield" | "filepathfield" => Some(100),
        _ => None,
    };
    if let (Some(n), false) = (default_length, sized.iter().any(|s| s.starts_with("max_length="))) {
        sized.push(format!("max_length={n}"));
        sized.sort();
    }
    if sized.is_empty() {
        family.to_string()
    } else {
        format!("{family}({})", sized.join(", "))
    }
}

/// `varchar(max_length=100)` → `varchar(max_length=200)`, or a decimal with more digits and the
/// same scale: a longer limit on the same type, which PostgreSQL widens without a rewrite.
pub fn only_lengthens(before: &str, after: &str) -> bool {
    let arg = |t: &str, key: &str| -> Option<u64> {
        let rest = t.split_once(&format!("{key}="))?.1;
        rest.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
    };
    let family = |t: &str| t.split('(').next().unwrap_or("").to_string();
    if family(before) != family(after) {
        return false;
    }
    match (arg(before, "max_length"), arg(after, "max_length")) {
        (Some(x), Some(y)) => return y > x,
        (None, None) => {}
        _ => return false,
    }
    matches!(
        (arg(before, "max_digits"), arg(after, "max_digits"), arg(before, "decimal_places"), arg(after, "decimal_places")),
        (Some(x), Some(y), Some(p), Some(q)) if y > x && p == q
    )
}

/// Models a migration file creates without a table of their own: proxies (`options={"proxy":
/// True}`) and models Django does not manage (`"managed": False`, a view or another app's table).
pub fn proxy_models(text: &str) -> Vec<String> {
    static CALL: OnceLock<Regex> = OnceLock::new();
    let call = re(&CALL, r"migrations\.(\w+)\s*\(");
    calls(text, call, "#")
        .into_iter()
        .filter(|c| c.name == "CreateModel")
        .filter(|c| {
            keyword_arg(c.args, "options").is_some_and(|o| {
                let o = o.replace(['"', '\'', ' '], "");
                o.contains("proxy:True") || o.contains("managed:False")
            })
        })
        .filter_map(|c| arg_str(c.args, "name").map(|n| n.to_lowercase()))
        .collect()
}

/// Field classes that hold no column of their model (a generic relation, django-taggit's
/// manager, a many-to-many field `through` a model of its own): removing one drops nothing.
pub fn has_no_column(ty: &str) -> bool {
    let class = ty.split('(').next().unwrap_or("");
    let class = class.rsplit('.').next().unwrap_or(class);
    ["taggablemanager", "genericrelation", "manytomany through"].contains(&class)
}

/// Django's own field classes: a project's subclass (`VersionSlugField`, `ChoiceSetField`)
/// builds a column its class name does not show, so its type is not compared.
pub fn is_known_field(ty: &str) -> bool {
    const KNOWN: &[&str] = &[
        "boolean",
        "varchar",
        "text",
        "integer",
        "bigint",
        "smallint",
        "foreign key",
        "floatfield",
        "decimalfield",
        "datefield",
        "datetimefield",
        "timefield",
        "durationfield",
        "uuidfield",
        "jsonfield",
        "arrayfield",
        "binaryfield",
        "genericipaddressfield",
        "ipaddressfield",
        "filefield",
        "imagefield",
        "filepathfield",
        "hstorefield",
    ];
    KNOWN.contains(&ty.split('(').next().unwrap_or("").trim())
}

/// One field as a migration defines it (`CreateModel`, `AddField`, `AlterField`).
pub struct FieldDefinition {
    /// (model, field), lowercased.
    pub key: (String, String),
    /// As `field_type` gives it.
    pub type_name: String,
    /// The column is named by `db_column`, apart from the field.
    pub db_column: bool,
    /// An `AlterField`: the field existed before it.
    pub alters: bool,
    pub line: u32,
}

/// Each field a migration defines, in its order.
pub fn field_definitions(text: &str) -> Vec<FieldDefinition> {
    static CALL: OnceLock<Regex> = OnceLock::new();
    let call = re(&CALL, r"migrations\.(\w+)\s*\(");
    let define = |key: (String, String), expr: &str, line: u32, alters: bool| FieldDefinition {
        key,
        type_name: field_type(expr),
        db_column: keyword_arg(call_arguments(expr), "db_column").is_some(),
        alters,
        line,
    };
    let mut out = Vec::new();
    for c in calls(text, call, "#") {
        let named = |key: &str, at: usize| named_arg(c.args, key, at);
        match c.name.as_str() {
            "AddField" | "AlterField" => {
                let (Some(model), Some(name), Some(field)) = (
                    named("model_name", 0),
                    named("name", 1),
                    keyword_or_positional(c.args, "field", 2),
                ) else {
                    continue;
                };
                out.push(define((model, name), field, c.line, c.name == "AlterField"));
            }
            "CreateModel" => {
                let (Some(model), Some(fields)) = (named("name", 0), keyword_or_positional(c.args, "fields", 1)) else {
                    continue;
                };
                let list = fields.trim().trim_start_matches('[').trim_end_matches(']');
                for item in top_level_args(list) {
                    let pair = top_level_args(item.trim().trim_start_matches('(').trim_end_matches(')'));
                    if let [name, expr, ..] = pair.as_slice() {
                        let name = name.trim_matches(['"', '\'']).to_lowercase();
                        out.push(define((model.clone(), name), expr, c.line, false));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Each `RenameField` of a migration: (model, old name, new name, line).
pub fn renamed_fields(text: &str) -> Vec<(String, String, String, u32)> {
    static CALL: OnceLock<Regex> = OnceLock::new();
    let call = re(&CALL, r"migrations\.(RenameField)\s*\(");
    calls(text, call, "#")
        .into_iter()
        .filter_map(|c| {
            let named = |key: &str, at: usize| named_arg(c.args, key, at);
            Some((
                named("model_name", 0)?,
                named("old_name", 1)?,
                named("new_name", 2)?,
                c.line,
            ))
        })
        .collect()
}

/// The statements a `RunSQL` runs forward: its `sql` argument, or each item of the list it
/// passes (a `(sql, params)` pair gives its first item). Slices of `args`.
fn run_sql_statements(args: &str) -> Vec<&str> {
    let Some(sql) = keyword_or_positional(args, "sql", 0) else {
        return Vec::new();
    };
    let Some(list) = sql.strip_prefix(['[', '(']).and_then(|l| l.strip_suffix([']', ')'])) else {
        return vec![sql];
    };
    top_level_args(list)
        .into_iter()
        .filter_map(|item| match item.strip_prefix('(') {
            Some(pair) => top_level_args(pair).into_iter().next(),
            None => Some(item),
        })
        .collect()
}
