//! Data code that reads a column before it is dropped: a `RunPython` function, a Rails loop or
//! a data migration of the same change (`db/data/`, the data_migrate gem) that names the column
//! and its table has most likely moved the values somewhere riskgate cannot follow (another
//! table through a relation, a role, a file). Whether every value is kept is then a question for
//! the reviewer (medium), not a certain loss (high).

use super::frameworks::rails_models::singular;
use super::frameworks::scan::{code_part, python_function_only_reads, python_functions};
use crate::diff::ChangeSet;
use crate::model::{FileStatus, MigrationFormat};

/// The names one piece of data code mentions, lower case, and the line it starts on.
#[derive(Debug, Clone)]
pub struct CodeMention {
    /// The other file of the change it is in; `None`: the migration being judged.
    pub file: Option<String>,
    pub line: u32,
    pub words: Vec<String>,
    /// In a module a `RunPython` step is imported from, not in a migration.
    pub imported: bool,
}

/// Words of data code that write somewhere: only code that writes moves anything.
const DATA_WRITES: &[&str] = &[
    "update",
    "update_all",
    "update_column",
    "update_columns",
    "update_attribute",
    "save",
    "create",
    "insert",
    "insert_all",
    "upsert",
    "upsert_all",
    "add_role",
    "grant_role",
    "assign",
    "attach",
    "write",
    "binwrite",
];

/// Schema statements of Rails' DSL: they name columns without reading their values.
const RAILS_SCHEMA: &[&str] = &[
    "add_column",
    "remove_column",
    "remove_columns",
    "rename_column",
    "change_column",
    "change_column_null",
    "change_column_default",
    "add_index",
    "remove_index",
    "add_reference",
    "remove_reference",
    "add_belongs_to",
    "remove_belongs_to",
    "add_foreign_key",
    "remove_foreign_key",
    "add_timestamps",
    "remove_timestamps",
    "create_table",
    "drop_table",
    "rename_table",
    "change_table",
    "create_join_table",
    "drop_join_table",
    "add_check_constraint",
    "remove_check_constraint",
];

/// The data code of a migration: the bodies of a Django file's functions (its `RunPython`
/// steps), or a Ruby file's lines that are not schema statements, definitions or comments.
pub fn mentions(format: MigrationFormat, text: &str, file: Option<&str>) -> Vec<CodeMention> {
    let mention = |line: u32, code: &str| CodeMention {
        file: file.map(str::to_string),
        line,
        words: crate::text::words(code).map(str::to_lowercase).collect(),
        imported: false,
    };
    match format {
        // Functions that only read (a guard that aborts while old data is left) move nothing;
        // where one writes, the helpers it calls (`_path_of(page)`) read for it.
        MigrationFormat::Django if text.contains("RunPython") => {
            // The forward steps (`RunPython(forwards, backwards)`, `code=`) and the helpers they
            // call: a reverse step or an unused function moves nothing forward.
            let steps: Vec<String> = forward_steps(text).into_iter().filter(|s| !s.contains('.')).collect();
            step_mentions(text, steps, file)
        }
        MigrationFormat::Rails => {
            // `def down` runs only on rollback; what strings say (`say "…"`) reads nothing.
            let mut down_indent: Option<usize> = None;
            let lines: Vec<CodeMention> = text
                .lines()
                .enumerate()
                .filter_map(|(i, line)| {
                    let indent = line.len() - line.trim_start().len();
                    let trimmed = line.trim();
                    if let Some(at) = down_indent {
                        if trimmed == "end" && indent == at {
                            down_indent = None;
                        }
                        return None;
                    }
                    if trimmed.starts_with("def down") || trimmed.starts_with("def self.down") {
                        down_indent = Some(indent);
                        return None;
                    }
                    let code = without_strings(code_part(line, "#")).trim().to_string();
                    let code = code.as_str();
                    let first = code.split(|c: char| !(c.is_alphanumeric() || c == '_')).next()?;
                    let structural = ["def", "end", "class", "module", "require", "include", "self"];
                    let schema = RAILS_SCHEMA.contains(&first) || code.starts_with("t.");
                    (!code.is_empty() && !schema && !structural.contains(&first)).then(|| mention(i as u32 + 1, code))
                })
                .collect();
            // Another file of the change is a data migration as a whole: its helpers read the
            // column (`row[:address]`) apart from where they name the model.
            // ... and only one that writes something moves anything.
            let writes = lines
                .iter()
                .any(|m| m.words.iter().any(|w| DATA_WRITES.contains(&w.as_str())));
            match (file, lines.first()) {
                (Some(_), _) if !writes => Vec::new(),
                (Some(_), Some(first)) => vec![CodeMention {
                    file: first.file.clone(),
                    line: first.line,
                    words: lines.iter().flat_map(|m| m.words.iter().cloned()).collect(),
                    imported: false,
                }],
                _ => lines,
            }
        }
        _ => Vec::new(),
    }
}

/// The data migrations of the data_migrate gem the change adds (`db/data/<version>_x.rb`),
/// which run with the schema migrations in version order: (version, what their code names).
pub fn data_migrations(change: &ChangeSet) -> Vec<(String, Vec<CodeMention>)> {
    change
        .files
        .iter()
        .filter(|f| f.status == FileStatus::Added && f.skipped.is_none())
        .filter(|f| (f.path.starts_with("db/data/") || f.path.contains("/db/data/")) && f.path.ends_with(".rb"))
        .filter(|f| {
            !f.path
                .split('/')
                .any(|part| matches!(part, "spec" | "test" | "tests" | "fixtures"))
        })
        .filter_map(|f| {
            let name = f.path.rsplit('/').next()?;
            let version = name.split('_').next()?;
            (version.len() >= 3 && version.bytes().all(|b| b.is_ascii_digit())).then(|| {
                let text = f.new_text.get().unwrap_or("");
                (
                    version.to_string(),
                    mentions(MigrationFormat::Rails, text, Some(&f.path)),
                )
            })
        })
        .collect()
}

/// A Ruby line with the text of its string literals left out (`say "users.ssn goes"` reads
/// nothing); interpolations go too.
pub(super) fn without_strings(line: &str) -> String {
    let mut out = String::new();
    let mut quote: Option<char> = None;
    for c in line.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None => out.push(c),
        }
    }
    out
}

/// Python code without its comments and docstrings: what they say is read by no one.
fn without_comments(body: &str) -> String {
    let mut in_docstring = false;
    let mut out = String::new();
    for line in body.lines() {
        let trimmed = line.trim_start();
        let quotes = trimmed.matches("\"\"\"").count() + trimmed.matches("'''").count();
        if in_docstring || trimmed.starts_with("\"\"\"") || trimmed.starts_with("'''") {
            if quotes % 2 == 1 {
                in_docstring = !in_docstring;
            }
            continue;
        }
        out.push_str(code_part(line, "#"));
        out.push('\n');
    }
    out
}

/// Whether `word` names `table` as code does: the model (`RawEmail`, `raw_email`) or the table
/// (`raw_emails`), the Django model name (`profit_center` for `profitcenter`).
fn names_table(word: &str, table: &str) -> bool {
    let bare = table.rsplit('.').next().unwrap_or(table).trim_matches(['"', '`']);
    let table: String = bare.to_lowercase().chars().filter(|c| *c != '_').collect();
    let word: String = word.chars().filter(|c| *c != '_').collect();
    // Method names that spell a table (`Foo.new` for `news`, `.count` for `counts`).
    const CALLS: &[&str] = &["new", "create", "update", "find", "where", "count", "select"];
    if word.len() < 3 || CALLS.contains(&word.as_str()) {
        return false;
    }
    word == table || word == singular(&table) || table.strip_suffix('s') == Some(word.as_str())
}

/// The first piece of data code before `line` of the judged file (or in an earlier file of the
/// change) that names both `table` and `column`: where the values were read.
pub fn read_before<'a>(mentions: &'a [CodeMention], table: &str, column: &str, line: u32) -> Option<&'a CodeMention> {
    let column = column.to_lowercase();
    mentions.iter().find(|m| {
        (m.file.is_some() || m.line < line)
            && m.words.contains(&column)
            && m.words.iter().any(|w| names_table(w, table))
    })
}

/// The line before `line` where the migration's text selects rows of `table` (`SELECT … FROM
/// questions`, in a string its data code runs), when the text before it also writes (an
/// `UPDATE`, an `INSERT`, `save`, `create`): the rows were most likely moved before the drop.
/// Strings count here: that is where data code writes its SQL.
pub fn rows_selected_before(text: &str, table: &str, line: u32) -> Option<u32> {
    // Code lines only: a comment or a Python docstring (an Alembic revision's) runs nothing.
    let mut in_docstring = false;
    let before: Vec<(u32, Vec<String>)> = text
        .lines()
        .enumerate()
        .take(line.saturating_sub(1) as usize)
        .filter(|(_, l)| {
            let quotes = l.matches("\"\"\"").count() + l.matches("\'\'\'").count();
            let skip = in_docstring || quotes > 0;
            in_docstring ^= quotes % 2 == 1;
            let t = l.trim_start();
            !skip && !t.starts_with('#') && !t.starts_with("--") && !t.starts_with("//")
        })
        .map(|(i, l)| (i as u32 + 1, crate::text::words(l).map(str::to_lowercase).collect()))
        .collect();
    // The SELECT is run: a call that executes SQL on its line or the two above it.
    const RUNS: &[&str] = &["select_all", "select_rows", "select_values", "exec_query", "execute"];
    let run_near = |at: u32| {
        before
            .iter()
            .filter(|(n, _)| *n + 2 >= at && *n <= at)
            .any(|(_, words)| words.iter().any(|w| RUNS.contains(&w.as_str())))
    };
    // Rows, not a number of them: `SELECT count(*) FROM t` moves nothing.
    const AGGREGATES: &[&str] = &["count", "sum", "min", "max", "avg", "exists", "1"];
    let selects_rows = |words: &[String]| {
        let Some(from) = words
            .windows(2)
            .position(|w| w[0] == "from" && names_table(&w[1], table))
        else {
            return false;
        };
        match words[..from].iter().rposition(|w| w == "select") {
            Some(select) => words.get(select + 1).is_some_and(|w| !AGGREGATES.contains(&w.as_str())),
            None => true,
        }
    };
    let at = before.iter().find(|(n, words)| selects_rows(words) && run_near(*n))?.0;
    before
        .iter()
        .filter(|(n, _)| *n > at)
        .any(|(_, words)| words.iter().any(|w| DATA_WRITES.contains(&w.as_str())))
        .then_some(at)
}

/// The forward `RunPython` steps a Django migration names: `forwards`, `_utils.forwards`.
fn forward_steps(text: &str) -> Vec<String> {
    static FORWARD: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let forward = FORWARD.get_or_init(|| {
        regex::Regex::new(r"RunPython\(\s*(?:code\s*=\s*)?([A-Za-z_][\w.]*)\s*[,)]").expect("forward regex compiles")
    });
    forward.captures_iter(text).map(|c| c[1].to_string()).collect()
}

/// The code of the functions `steps` in a Python text, and of the helpers they call, as mentions;
/// none when they only read.
fn step_mentions(text: &str, steps: Vec<String>, file: Option<&str>) -> Vec<CodeMention> {
    let mention = |line: u32, code: &str| CodeMention {
        file: file.map(str::to_string),
        line,
        words: crate::text::words(code).map(str::to_lowercase).collect(),
        imported: false,
    };
    let all = python_functions(text);
    let called = |body: &str| crate::text::words(body).map(str::to_string).collect::<Vec<_>>();
    let mut wanted: Vec<String> = steps.clone();
    for (name, .., body) in &all {
        if steps.contains(name) {
            wanted.extend(called(body));
        }
    }
    // Each function below is read again for its writes: at most 32 of them, the steps first.
    let mut functions: Vec<_> = all.into_iter().filter(|(name, ..)| wanted.contains(name)).collect();
    functions.sort_by_key(|(name, ..)| !steps.contains(name));
    functions.truncate(32);
    // `create_node = TreeNode.objects.create` writes too, called by another name.
    let bound_write = |line: &str| {
        let code = code_part(line, "#").trim();
        code.contains('=')
            && [".create", ".bulk_create", ".update", ".bulk_update", ".delete", ".save"]
                .iter()
                .any(|w| code.ends_with(w))
    };
    let writes_by_name = functions.iter().any(|(.., body)| body.lines().any(bound_write));
    if !writes_by_name
        && functions
            .iter()
            .all(|(name, ..)| python_function_only_reads(text, name))
    {
        return Vec::new();
    }
    functions
        .into_iter()
        .map(|(_, start, _, body)| mention(start, &without_comments(&body)))
        .collect()
}

/// At most this many imported steps are followed per migration, in modules of at most this size.
const MAX_IMPORTED_STEPS: usize = 8;
const MAX_STEP_MODULE_BYTES: usize = 1 << 20;

/// The `RunPython` steps a Django migration imports from a module of the repository
/// (`from awx.main.migrations._multi_cred import migrate_to_multi_cred`, or `from a.b import
/// _utils` and `RunPython(_utils.forwards)`): their code, read as the head has it.
pub fn imported_steps(change: &ChangeSet, text: &str) -> Vec<CodeMention> {
    if !text.contains("RunPython") {
        return Vec::new();
    }
    static FROM: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let from = FROM.get_or_init(|| {
        regex::Regex::new(r"(?m)^from\s+([\w.]+)\s+import\s+(\([^)]*\)|[^\n]+)").expect("import regex compiles")
    });
    let local: Vec<String> = python_functions(text).into_iter().map(|f| f.0).collect();
    // Each imported name as the migration calls it, the module it comes from and its own name
    // (`from a import (b as c, d)`).
    let imported: Vec<(String, String, String)> = from
        .captures_iter(text)
        .flat_map(|c| {
            let module = c[1].to_string();
            c[2].trim_matches(|ch: char| ch == '(' || ch == ')' || ch.is_whitespace())
                .split(',')
                .filter_map(|n| {
                    let n = code_part(n, "#").trim();
                    let (own, local) = n.split_once(" as ").unwrap_or((n, n));
                    let (own, local) = (own.trim(), local.trim());
                    (!own.is_empty()).then(|| (local.to_string(), module.clone(), own.to_string()))
                })
                .collect::<Vec<_>>()
        })
        .collect();
    let mut out = Vec::new();
    for step in forward_steps(text)
        .into_iter()
        .filter(|s| !local.contains(s))
        .take(MAX_IMPORTED_STEPS)
    {
        let (module, function) = match step.rsplit_once('.') {
            // `_utils.forwards`: `_utils` is a module imported from a package.
            Some((alias, function)) => match imported.iter().find(|(n, ..)| n == alias) {
                Some((_, package, own)) => (format!("{package}.{own}"), function.to_string()),
                None => continue,
            },
            None => match imported.iter().find(|(n, ..)| *n == step) {
                Some((_, module, own)) => (module.clone(), own.clone()),
                None => continue,
            },
        };
        let path = format!("{}.py", module.replace('.', "/"));
        // The module at that path from the root, else the one nearest the root that ends so.
        let Some(tree_file) = change
            .tree
            .iter()
            .filter(|t| t.path == path || t.path.ends_with(&format!("/{path}")))
            .min_by_key(|t| t.path.len())
        else {
            continue;
        };
        let Some(module_text) = tree_file.text.get().filter(|t| t.len() <= MAX_STEP_MODULE_BYTES) else {
            continue;
        };
        out.extend(
            step_mentions(module_text, vec![function], Some(&tree_file.path))
                .into_iter()
                .map(|m| CodeMention { imported: true, ..m }),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_named_by_model_table_or_django_model() {
        assert!(names_table("RawEmail".to_lowercase().as_str(), "raw_emails"));
        assert!(names_table("raw_email", "raw_emails"));
        assert!(names_table("categories", "categories"));
        assert!(names_table("category", "categories"));
        assert!(names_table("profit_center", "profitcenter"));
        assert!(names_table("person", "people"));
        assert!(names_table("address", "addresses"));
        assert!(names_table("status", "statuses"));
        assert!(!names_table("user", "users_roles"));
        assert!(!names_table("id", "ids"));
        assert!(!names_table("new", "news"));
        assert!(names_table("order", "orders"));
    }

    #[test]
    fn rails_schema_lines_are_not_data_code() {
        let text = "class X < ActiveRecord::Migration[7.0]\n  def up\n    remove_column :users, :admin\n  end\nend\n";
        assert!(read_before(&mentions(MigrationFormat::Rails, text, None), "users", "admin", 10).is_none());
        let text = "  def up\n    User.where(admin: true).find_each { |u| u.add_role :administrator }\n    remove_column :users, :admin\n  end\n";
        let m = mentions(MigrationFormat::Rails, text, None);
        assert_eq!(read_before(&m, "users", "admin", 3).map(|m| m.line), Some(2));
        // Only code before the drop counts in the same file.
        assert!(read_before(&m, "users", "admin", 2).is_none());
        // Another migration of the change counts as a whole: its helper reads `row[:address]`
        // lines away from where it names the model.
        let other = "  def up
    [Person, Group].each { |model| convert(model) }
  end
  def convert(model)
    model.find_each { |row| row.update!(street: row[:address]) }
  end
";
        let m = mentions(MigrationFormat::Rails, other, Some("db/migrate/1_split.rb"));
        assert_eq!(m.len(), 1);
        assert!(read_before(&m, "people", "address", 1).is_some());
        // Only its `up`, only code, and only if it writes: a `say` about the column, an index on
        // it, or a `down` that reads it move nothing.
        let talk = "  def up\n    say \"users.ssn is dropped next\"\n    User.reset_column_information\n    add_index :users,\n      :ssn\n  end\n  def down\n    User.where(ssn: nil).update_all(ssn: '')\n  end\n";
        assert!(read_before(
            &mentions(MigrationFormat::Rails, talk, Some("db/migrate/1_x.rb")),
            "users",
            "ssn",
            1
        )
        .is_none());
    }

    #[test]
    fn django_counts_function_bodies_only() {
        let text = "def forwards(apps, schema_editor):\n    Service = apps.get_model('assets', 'Service')\n    for s in Service.objects.all():\n        s.business_segment = s.profit_center.business_segment\n        s.save()\n\nclass Migration(migrations.Migration):\n    operations = [\n        migrations.RunPython(forwards),\n        migrations.RemoveField(model_name='profitcenter', name='business_segment'),\n    ]\n";
        let m = mentions(MigrationFormat::Django, text, None);
        assert!(read_before(&m, "profitcenter", "business_segment", 10).is_some());
        // A guard that only counts what is left moves nothing.
        let guard = "def check_left(apps, schema_editor):\n    Region = apps.get_model('shops', 'Region')\n    if Region.objects.exclude(currency='').count():\n        raise ValueError('migrate currency first')\n\nclass Migration(migrations.Migration):\n    operations = [migrations.RunPython(check_left), migrations.RemoveField(model_name='region', name='currency')]\n";
        assert!(read_before(&mentions(MigrationFormat::Django, guard, None), "region", "currency", 7).is_none());
        // What the reverse step reads, or a comment says, moves nothing forward.
        let reverse = "def restore(apps, schema_editor):\n    Profile = apps.get_model('accounts', 'Profile')\n    Profile.objects.update(ssn='')\n\nclass Migration(migrations.Migration):\n    operations = [migrations.RunPython(migrations.RunPython.noop, restore), migrations.RemoveField(model_name='profile', name='ssn')]\n";
        assert!(read_before(&mentions(MigrationFormat::Django, reverse, None), "profile", "ssn", 6).is_none());
        let comment = "def tidy(apps, schema_editor):\n    # Profile.ssn goes away below\n    Profile = apps.get_model('accounts', 'Profile')\n    Profile.objects.filter(name='').delete()\n\nclass Migration(migrations.Migration):\n    operations = [migrations.RunPython(tidy), migrations.RemoveField(model_name='profile', name='ssn')]\n";
        assert!(read_before(&mentions(MigrationFormat::Django, comment, None), "profile", "ssn", 7).is_none());
        // A write method bound to a name first still writes.
        let bound = "def make_nodes(apps, schema_editor):\n    Page = apps.get_model('cms', 'Page')\n    create_node = apps.get_model('cms', 'Node').objects.create\n    for page in Page.objects.all():\n        create_node(depth=page.depth)\n\nclass Migration(migrations.Migration):\n    operations = [migrations.RunPython(make_nodes), migrations.RemoveField(model_name='page', name='depth')]\n";
        assert!(read_before(&mentions(MigrationFormat::Django, bound, None), "page", "depth", 8).is_some());
        let schema_only = "class Migration(migrations.Migration):\n    operations = [\n        migrations.RemoveField(model_name='profitcenter', name='business_segment'),\n    ]\n";
        assert!(mentions(MigrationFormat::Django, schema_only, None).is_empty());
    }
}
