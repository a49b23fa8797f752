//! The scanner the framework readers share: code without comments, string literals, call
//! arguments, Python function bodies, embedded SQL.

use crate::analyzers::migration::ops::Op;
use crate::analyzers::migration::sql;
use crate::config::Dialect;
use regex::Regex;
use std::sync::OnceLock;

pub fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("framework regex compiles"))
}

/// 1-based line of a byte offset.
pub fn line_at(text: &str, offset: usize) -> u32 {
    text[..offset.min(text.len())].matches('\n').count() as u32 + 1
}

/// The code of a line without its trailing `#` or `//` comment (quotes respected roughly).
pub fn code_part<'a>(line: &'a str, marker: &str) -> &'a str {
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

/// A call the framework's pattern matches, in code (not in a comment): its name (the
/// pattern's first group), its balanced arguments, where it starts and its line.
pub struct Call<'t> {
    pub name: String,
    pub args: &'t str,
    pub start: usize,
    /// Just after the opening parenthesis.
    pub after: usize,
    pub line: u32,
    /// The whole line the call starts on.
    pub line_text: &'t str,
}

/// Every match of `pattern` (ending at the call's `(`) that is code by the language's line
/// comment `marker`: one comment rule for every framework reader.
pub fn calls<'t>(text: &'t str, pattern: &Regex, marker: &str) -> Vec<Call<'t>> {
    pattern
        .captures_iter(text)
        .filter_map(|c| {
            let m = c.get(0)?;
            let line_start = text[..m.start()].rfind('\n').map_or(0, |n| n + 1);
            let line_end = text[m.start()..].find('\n').map_or(text.len(), |n| m.start() + n);
            let code = code_part(&text[line_start..line_end], marker);
            if m.start() - line_start >= code.len() {
                return None;
            }
            Some(Call {
                name: c.get(1).map_or("", |g| g.as_str()).to_string(),
                args: call_args(text, m.end() - 1),
                start: m.start(),
                after: m.end(),
                line: line_at(text, m.start()),
                line_text: &text[line_start..line_end],
            })
        })
        .collect()
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
    let (mut out, end) = quoted_at(s)?;
    // Literals written next to each other are one string: Ruby's `"UPDATE t " \` and `+`
    // across lines, Python's adjacent literals inside the call's parentheses.
    let mut rest = &s[end..];
    for _ in 0..MAX_CONCATENATED {
        let mut next = rest.trim_start_matches([' ', '\t', '\r', '\n', '\\', '+']);
        // A comment between two pieces (`"UPDATE t "  # why` on its own line) ends at its line.
        while let Some(comment) = next.strip_prefix('#') {
            let Some(eol) = comment.find('\n') else {
                break;
            };
            next = comment[eol..].trim_start_matches([' ', '\t', '\r', '\n', '\\', '+']);
        }
        let prefix = next.chars().take_while(|c| "rRbBuUfF".contains(*c)).count();
        let Some((piece, used)) = (prefix <= 2).then(|| quoted_at(&next[prefix..])).flatten() else {
            break;
        };
        out.push_str(&piece);
        rest = &next[prefix + used..];
    }
    Some((out, line_at(text, start + 1)))
}

/// At most this many literals are read as one concatenated string.
const MAX_CONCATENATED: usize = 256;

/// A one-line-quoted literal at the start of `s` (`"…"`, `'…'`, `` `…` ``): its content and the
/// byte length it spans, closing quote included.
fn quoted_at(s: &str) -> Option<(String, usize)> {
    let quote = s.chars().next().filter(|c| ['"', '\'', '`'].contains(c))?;
    let mut out = String::new();
    let mut chars = s.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        if c == '\\' {
            if let Some((_, n)) = chars.next() {
                out.push(if n == 'n' { '\n' } else { n });
            }
        } else if c == quote {
            return Some((out, i + c.len_utf8()));
        } else {
            out.push(c);
        }
    }
    None
}

/// SQL found in a string literal, as ops with file line numbers.
pub fn sql_ops(sql_text: &str, first_line: u32, dialect: Dialect) -> Vec<Op> {
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
pub fn python_functions(text: &str) -> Vec<(String, u32, u32, String)> {
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
pub fn python_body_is_empty(body: &str) -> bool {
    let code: Vec<&str> = body
        .lines()
        .map(|l| code_part(l, "#").trim())
        .filter(|l| !l.is_empty() && *l != "pass" && *l != "..." && !l.starts_with("\"\"\"") && !l.starts_with("'''"))
        .collect();
    code.is_empty()
}

pub fn arg_str(args: &str, key: &str) -> Option<String> {
    let r = Regex::new(&format!(r#"\b{key}\s*=\s*['"]([^'"]+)['"]"#)).ok()?;
    r.captures(args).map(|c| c[1].to_lowercase())
}

/// A string argument by keyword, or the `n`th positional one (`RenameField("m", "a", "b")`).
pub fn named_arg(args: &str, key: &str, n: usize) -> Option<String> {
    arg_str(args, key).or_else(|| positional(args, n))
}

pub fn positional(args: &str, n: usize) -> Option<String> {
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
pub fn call_args(text: &str, open: usize) -> &str {
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

/// A Rails call's positional arguments with every bare variable (`table`, `col`) written as
/// the literal `'<table>'`, so that the names are read in their places; keyword arguments stay.
pub fn name_variables(args: &str) -> String {
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

/// What the deletes of a Python function are, the weakest kind first met deciding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PythonDelete {
    /// Rows of the project's own.
    Rows,
    /// Each row deleted after its values were read into another row the function saves
    /// (`New(name=old.name).save()` … `old.delete()`): moved, as far as code can say.
    AfterCopy,
    /// The stale content type of a model the file deletes: Django's bookkeeping.
    ContentTypes,
}

/// The first line of the body of Python function `name` that deletes rows (`.delete()`), and
/// what its deletes are: `Rows` as soon as one is, else `AfterCopy` when one is, else
/// `ContentTypes`.
pub fn python_function_deletes(text: &str, name: &str) -> Option<(u32, PythonDelete)> {
    let (_, def_line, _, body) = python_functions(text).into_iter().find(|f| f.0 == name)?;
    // Names bound to Django's content types: the stale type of a model this file deletes,
    // deleted, is Django's bookkeeping (`remove_stale_contenttypes` does the same).
    let mut content_types = django_content_type_models(text);
    let lower = body.to_lowercase();
    let names_deleted_model = django_deleted_models(text)
        .iter()
        .any(|m| lower.contains(&format!("'{m}'")) || lower.contains(&format!("\"{m}\"")));
    // Calls that reach the rows a content type stands for: deleting those deletes data.
    let reaches_rows = |code: &str| {
        [
            "get_all_objects_for_this_type",
            "get_object_for_this_type",
            "model_class",
        ]
        .iter()
        .any(|c| code.contains(c))
    };
    static ASSIGN: OnceLock<Regex> = OnceLock::new();
    let assign = re(&ASSIGN, r"^\s*(\w+)\s*=\s*(.*)$");
    let (mut first_bookkeeping, mut first_after_copy) = (None, None);
    let mut before: Vec<&str> = Vec::new();
    for (line, l) in (def_line + 1..).zip(body.lines()) {
        let code = l.split('#').next().unwrap_or("");
        if let Some(c) = assign.captures(code) {
            // A name is a content type while it is bound to one: reassigned, it is not.
            let (var, value) = (c[1].to_string(), c[2].trim());
            let from_content_type = content_types
                .iter()
                .any(|n| value == *n || value.starts_with(&format!("{n}.objects.")))
                || value.starts_with("apps.get_model(") && value.contains("contenttypes");
            content_types.retain(|n| *n != var);
            if from_content_type && !reaches_rows(value) {
                content_types.push(var);
            }
        }
        if let Some(at) = code.find(".delete()") {
            // Only `ct.delete()` or `ContentType.objects.filter(…).delete()`, of the stale type
            // of a model the file deletes: anything reached through a content type is data.
            let receiver = code[..at].trim();
            let on_content_type = !reaches_rows(receiver)
                && content_types
                    .iter()
                    .any(|n| receiver == *n || receiver.starts_with(&format!("{n}.objects.")));
            if on_content_type && names_deleted_model {
                first_bookkeeping.get_or_insert(line);
            } else if copied_before_delete(&before, receiver) {
                first_after_copy.get_or_insert(line);
            } else {
                return Some((line, PythonDelete::Rows));
            }
        }
        before.push(code);
    }
    first_after_copy
        .map(|line| (line, PythonDelete::AfterCopy))
        .or(first_bookkeeping.map(|line| (line, PythonDelete::ContentTypes)))
}

/// Whether the lines before `var.delete()` read `var`'s values into another row they save:
/// `var.attr` as a value (`= var.attr`, `(var.attr`, `, var.attr`) and a save or create of
/// something other than `var` itself.
fn copied_before_delete(before: &[&str], var: &str) -> bool {
    if var.is_empty() || !var.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return false;
    }
    let Ok(read) = Regex::new(&format!(r"[=(,]\s*{}\.\w+", regex::escape(var))) else {
        return false;
    };
    const SAVES: &[&str] = &[
        ".save()",
        ".create(",
        "bulk_create(",
        "get_or_create(",
        "update_or_create(",
    ];
    let reads = before.iter().any(|l| read.is_match(l));
    let saves_other = before
        .iter()
        .any(|l| SAVES.iter().any(|s| l.contains(s)) && !l.trim_start().starts_with(&format!("{var}.")));
    reads && saves_other
}

/// The models a Django migration file deletes (`migrations.DeleteModel(name="X")`), lower case.
fn django_deleted_models(text: &str) -> Vec<String> {
    static DELETE: OnceLock<Regex> = OnceLock::new();
    let delete = re(&DELETE, r#"DeleteModel\(\s*(?:name\s*=\s*)?["'](\w+)["']"#);
    delete.captures_iter(text).map(|c| c[1].to_lowercase()).collect()
}

/// The names a migration file gives Django's `ContentType` model
/// (`apps.get_model("contenttypes", "ContentType")`, or imported from `django.contrib`).
fn django_content_type_models(text: &str) -> Vec<String> {
    static GET: OnceLock<Regex> = OnceLock::new();
    let get = re(
        &GET,
        r#"(\w+)\s*=\s*apps\.get_model\(\s*["']contenttypes["']\s*,\s*["']ContentType["']"#,
    );
    let mut names: Vec<String> = get.captures_iter(text).map(|c| c[1].to_string()).collect();
    if text.contains("django.contrib.contenttypes.models import ContentType") {
        names.push("ContentType".to_string());
    }
    names
}

/// Whether a Python function of the file only reads the data: its body is found and no line
/// of it writes (saves, updates, creates, deletes, runs SQL). A function that is not in the
/// file (imported) is not known to read only.
pub fn python_function_only_reads(text: &str, name: &str) -> bool {
    const WRITES: &[&str] = &[
        ".save(",
        ".update(",
        ".create(",
        ".delete(",
        "bulk_create(",
        "bulk_update(",
        "update_or_create(",
        "get_or_create(",
        ".execute(",
        "RunSQL",
        ".set(",
        ".add(",
        ".remove(",
        ".clear(",
    ];
    // Values written out to a file the function opens (an export before the drop); not to
    // standard output or a buffer.
    const FILE_WRITES: &[&str] = &[
        ".write(",
        ".writelines(",
        ".writerow(",
        ".writerows(",
        "json.dump(",
        "pickle.dump(",
        "yaml.dump(",
    ];
    let Some((_, _, _, body)) = python_functions(text).into_iter().find(|f| f.0 == name) else {
        return false;
    };
    let code: Vec<&str> = body.lines().map(|l| code_part(l, "#")).collect();
    let opens_file = code.iter().any(|c| {
        c.contains("open(") && (c.contains("\"w") || c.contains("'w") || c.contains("\"a") || c.contains("'a"))
    }) || code
        .iter()
        .any(|c| c.contains(".write_text(") || c.contains(".write_bytes("));
    !code.iter().any(|c| {
        WRITES.iter().any(|w| c.contains(w))
            || (opens_file && FILE_WRITES.iter().any(|w| c.contains(w)))
            || c.contains(".write_text(")
            || c.contains(".write_bytes(")
    })
}

/// Bracket depth outside string literals, fed one character at a time.
#[derive(Default)]
struct Nesting {
    depth: i32,
    quote: Option<char>,
}

impl Nesting {
    /// The depth after `c` when `c` is code; `None` inside (or opening, or closing) a string.
    fn feed(&mut self, c: char) -> Option<i32> {
        if let Some(q) = self.quote {
            if c == q {
                self.quote = None;
            }
            return None;
        }
        match c {
            '"' | '\'' => {
                self.quote = Some(c);
                return None;
            }
            '(' | '[' | '{' => self.depth += 1,
            ')' | ']' | '}' => self.depth -= 1,
            _ => {}
        }
        Some(self.depth)
    }
}

/// The arguments of a call split at its top-level commas (nested calls, lists and strings
/// kept whole).
pub fn top_level_args(args: &str) -> Vec<&str> {
    let (mut out, mut nesting, mut start) = (Vec::new(), Nesting::default(), 0);
    for (i, c) in args.char_indices() {
        let depth = nesting.feed(c);
        if c == ',' && depth == Some(0) {
            out.push(args[start..i].trim());
            start = i + 1;
        }
    }
    let last = args[start..].trim();
    if !last.is_empty() {
        out.push(last);
    }
    out
}

/// The expression of a top-level keyword argument (`field=ArrayField(…, default=list)` for
/// `field`), not a keyword of the same name inside a nested call.
pub fn keyword_arg<'a>(args: &'a str, key: &str) -> Option<&'a str> {
    top_level_args(args).into_iter().find_map(|a| {
        let (k, v) = a.split_once('=')?;
        (k.trim() == key).then(|| v.trim())
    })
}

/// A call's argument by keyword, or the `n`th (from 0) when it is passed in signature order.
pub fn keyword_or_positional<'a>(args: &'a str, key: &str, n: usize) -> Option<&'a str> {
    keyword_arg(args, key).or_else(|| {
        let all = top_level_args(args);
        let is_keyword = |a: &str| {
            a.split_once('=')
                .is_some_and(|(k, _)| k.trim().chars().all(|c| c.is_alphanumeric() || c == '_'))
        };
        all[..all.len().min(n + 1)]
            .iter()
            .all(|a| !is_keyword(a))
            .then(|| all.get(n).copied())
            .flatten()
    })
}

/// The top-level arguments of the call an expression makes (`ArrayField(base_field=…, default=list)`).
pub fn call_arguments(expr: &str) -> &str {
    match expr.find('(') {
        Some(open) => call_args(expr, open),
        None => "",
    }
}

/// The spans of `key=[…]` lists in `text` (Django's `state_operations`).
pub fn keyword_lists(text: &str, key: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut from = 0;
    while let Some(at) = text[from..].find(key).map(|i| i + from) {
        from = at + key.len();
        let rest = text[from..].trim_start();
        let Some(list) = rest
            .strip_prefix('=')
            .map(str::trim_start)
            .filter(|r| r.starts_with('['))
        else {
            continue;
        };
        let open = text.len() - list.len();
        let mut nesting = Nesting::default();
        let close = text[open..]
            .char_indices()
            .find(|(_, c)| nesting.feed(*c) == Some(0))
            .map(|(i, _)| open + i);
        spans.extend(close.map(|close| (open, close)));
    }
    spans
}

pub fn arg_has(args: &str, key: &str) -> bool {
    args.contains(&format!("{key}="))
}

pub fn brace_body(s: &str) -> &str {
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

    #[test]
    fn literals_written_next_to_each_other_are_one_string() {
        // Ruby's `\` continuation, Python's adjacent literals with a comment between, and a
        // literal after a comma, which is another argument.
        let ruby = "execute(\"UPDATE t \"\\\n        \"SET a = 1 \"\\\n        \"WHERE b = 2\")";
        assert_eq!(string_at(ruby, 8).unwrap().0, "UPDATE t SET a = 1 WHERE b = 2");
        let python = "op.execute(\n    \"UPDATE t SET a = 1 \"  # only the old rows\n    \"WHERE b = 2\"\n)";
        assert_eq!(string_at(python, 11).unwrap().0, "UPDATE t SET a = 1 WHERE b = 2");
        let two_arguments = "execute(\"DELETE FROM t\", \"other\")";
        assert_eq!(string_at(two_arguments, 8).unwrap().0, "DELETE FROM t");
    }

    #[test]
    fn calls_in_comments_are_not_code_in_any_framework() {
        let python = re_for(r"migrations\.(\w+)\s*\(");
        let text = "    migrations.RemoveField('a', 'b'),\n    # migrations.DeleteModel('c'),\n    x = '#'; migrations.DeleteModel('d')\n";
        let names: Vec<(String, u32)> = calls(text, &python, "#")
            .into_iter()
            .map(|c| (c.name, c.line))
            .collect();
        assert_eq!(
            names,
            vec![("RemoveField".to_string(), 1), ("DeleteModel".to_string(), 3)]
        );
        let js = re_for(r"\.(dropTable)\s*\(");
        let text =
            "  await knex.schema.dropTable('a'); // knex.schema.dropTable('b')\n  // knex.schema.dropTable('c')\n";
        let got: Vec<&str> = calls(text, &js, "//").iter().map(|c| c.args).collect();
        assert_eq!(got, vec!["'a'"]);
    }

    #[test]
    fn keyword_arguments_at_the_top_level_only() {
        let args = "model_name='check', name='tags', field=ArrayField(base_field=models.CharField(max_length=50), default=list, size=None)";
        let field = keyword_arg(args, "field").unwrap();
        assert!(field.starts_with("ArrayField(base_field="), "{field}");
        assert_eq!(keyword_arg(call_arguments(field), "default"), Some("list"));
        assert_eq!(keyword_arg(call_arguments(field), "null"), None);
        let text = "ops = [SeparateDatabaseAndState(state_operations=[a(), b('x]')], database_operations=[c()])]";
        let spans = keyword_lists(text, "state_operations");
        assert_eq!(spans.len(), 1);
        assert_eq!(&text[spans[0].0..=spans[0].1], "[a(), b('x]')]");
    }

    fn re_for(pattern: &str) -> Regex {
        Regex::new(pattern).unwrap()
    }
}
