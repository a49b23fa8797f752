//! `applied-migration-edited`: a migration that existed before the change was edited.

use crate::analyzers::migration::frameworks::scan::code_part;
use crate::analyzers::migration::ops::Script;
use crate::analyzers::migration::sql;
use crate::classify::MigrationFormat;
use crate::code_rule;
use crate::config::Dialect;
use crate::diff::ChangedFile;
use crate::model::{Finding, Severity};

code_rule! {
    /// ## What it does
    /// Reports an edit of a migration file that existed before the change, and says what the
    /// edit changes: the operations it adds and removes, compared with the file before. An
    /// edit that changes no code (whitespace, line breaks, comments, quotes, trailing commas,
    /// the order of Python imports) is `info`. Under a tool that checksums applied migrations
    /// (sqlx, Flyway) the edit is `migration-checksum-changed` instead.
    ///
    /// ## Why is this risky?
    /// Databases where the migration already ran never see the edit, fresh ones do:
    /// environments drift apart silently.
    ///
    /// ## Example
    /// ```sql db/migrations/0001_init.sql (before)
    /// CREATE TABLE users (id int);
    /// ```
    /// ```sql db/migrations/0001_init.sql
    /// CREATE TABLE users (id bigint);
    /// ```
    ///
    /// ## How to roll back
    /// Revert the edit and write a new migration that makes the change.
    pub static APPLIED_MIGRATION_EDITED: "applied-migration-edited", Migration, Medium, [Drift], gating = None;
}

/// The finding for an edited migration: medium with what changed, `info` when the code is the
/// same; none when the old text is unknown to both sides or nothing but line endings changed.
pub fn check(
    file: &ChangedFile,
    format: MigrationFormat,
    dialect: Dialect,
    script: &Script,
    old_script: &Script,
) -> Option<Finding> {
    let (old, new) = (file.old_text.get()?, file.new_text.get()?);
    if old.lines().eq(new.lines()) {
        return None;
    }
    let line = file.first_edit_line();
    let same_code = code_of(old, format, dialect) == code_of(new, format, dialect);
    let statements = |s: &Script| -> Vec<String> { s.ops.iter().map(|op| op.statement.trim().to_string()).collect() };
    let (before, after) = (statements(old_script), statements(script));
    let squash = |s: &String| normal(&s.to_lowercase());
    let added: Vec<&String> = after
        .iter()
        .filter(|s| !before.iter().any(|b| squash(b) == squash(s)))
        .collect();
    let removed: Vec<&String> = before
        .iter()
        .filter(|s| !after.iter().any(|a| squash(a) == squash(s)))
        .collect();
    // Where one statement was rewritten, show both from where they differ.
    let from = match (added.first(), removed.first()) {
        (Some(a), Some(r)) => {
            let (a, r) = (one_line(a), one_line(r));
            let same = a.chars().zip(r.chars()).take_while(|(x, y)| x == y).count();
            let longest = a.chars().count().max(r.chars().count());
            if longest <= 80 {
                0
            } else {
                same.saturating_sub(24)
            }
        }
        _ => 0,
    };
    let quote = |list: &[&String]| -> String {
        let mut shown: Vec<String> = list.iter().take(2).map(|s| format!("`{}`", shorten(s, from))).collect();
        if list.len() > 2 {
            shown.push(format!("{} more", list.len() - 2));
        }
        shown.join(", ")
    };
    // Info only when the code is the same once formatting is taken out (a framework's ops are
    // read line by line, so a reformat changes their text and cannot decide).
    let (severity, what) = if same_code {
        (
            Severity::Info,
            "the edit changes no code (formatting, comments or import order)".to_string(),
        )
    } else {
        let what = match (added.is_empty(), removed.is_empty()) {
            (true, true) => "the edit changes its code, though no operation riskgate reads".to_string(),
            (false, true) => format!("the edit adds {}", quote(&added)),
            (true, false) => format!("the edit removes {}", quote(&removed)),
            (false, false) => format!("the edit adds {} and removes {}", quote(&added), quote(&removed)),
        };
        (Severity::Medium, what)
    };
    let mut f = APPLIED_MIGRATION_EDITED
        .finding(format!(
            "`{}` existed before this change: {what}; databases that already ran it never see the edit, fresh ones do",
            file.path
        ))
        .at(&file.path, Some(line))
        .help("revert the edit and make the change in a new migration");
    f.severity = severity;
    f.end_line = Some(line);
    Some(f)
}

fn one_line(statement: &str) -> String {
    let line = statement.split_whitespace().collect::<Vec<_>>().join(" ");
    line.trim_end_matches(';').to_string()
}

/// At most 80 characters of a statement on one line, starting `from` characters in.
fn shorten(statement: &str, from: usize) -> String {
    let line = one_line(statement);
    let chars: Vec<char> = line.chars().collect();
    let from = from.min(chars.len());
    let end = (from + 80).min(chars.len());
    let mut shown: String = chars[from..end].iter().collect();
    if from > 0 {
        shown.insert(0, '…');
    }
    if end < chars.len() {
        shown.push('…');
    }
    shown
}

/// The file's code with formatting taken out: SQL as its tokens (comments, case and spacing
/// gone); Python and Ruby as their comment-free text without whitespace, with one kind of quote
/// and no trailing commas, Python's imports as a sorted list of the names they bring in.
fn code_of(text: &str, format: MigrationFormat, dialect: Dialect) -> (String, Vec<String>) {
    let comment = match format {
        MigrationFormat::Django | MigrationFormat::Alembic | MigrationFormat::Rails => "#",
        MigrationFormat::Knex => "//",
        _ => {
            let tokens: Vec<String> = sql::split(text, dialect, 1)
                .iter()
                .flat_map(|s| s.tokens.iter().map(|t| format!("{:?}", t.tok)))
                .collect();
            return (tokens.join(" "), Vec::new());
        }
    };
    let python = matches!(format, MigrationFormat::Django | MigrationFormat::Alembic);
    // A heredoc or triple-quoted string may hold `#` that is not a comment: keep every `#`.
    let multiline_strings = ["<<~", "<<-", "\"\"\"", "\'\'\'"].iter().any(|m| text.contains(m));
    let (mut code, mut imports, mut depth) = (String::new(), Vec::new(), 0i32);
    // Python's indentation is code: each statement that starts outside brackets keeps its own.
    let mut brackets = 0i32;
    for line in text.lines() {
        let raw = if multiline_strings {
            line
        } else {
            code_part(line, comment)
        };
        let c = raw.trim();
        if c.is_empty() {
            continue;
        }
        let starts_import = c.starts_with("import ") || (c.starts_with("from ") && c.contains(" import"));
        if python && !(starts_import || depth > 0) && brackets == 0 {
            let indent = raw.len() - raw.trim_start().len();
            code.push_str(&format!("\n{indent}:"));
        }
        if python && (starts_import || depth > 0) {
            imports.extend(
                c.split(|ch: char| !(ch.is_alphanumeric() || ch == '_' || ch == '.'))
                    .filter(|w| !w.is_empty() && !["import", "from", "as"].contains(w))
                    .map(str::to_string),
            );
            depth += c.matches('(').count() as i32 - c.matches(')').count() as i32;
            continue;
        }
        if python {
            brackets += c.matches(['(', '[', '{']).count() as i32 - c.matches([')', ']', '}']).count() as i32;
            brackets = brackets.max(0);
        }
        code.push_str(&normal(c));
        code.push('\n');
    }
    imports.sort();
    (normal(&code), imports)
}

/// Code without the choices a formatter makes: whitespace, the kind of quote, trailing commas,
/// Ruby's old hash syntax (`:key => v` is `key: v`).
fn normal(code: &str) -> String {
    let mut out: String = code
        .chars()
        .filter(|ch| !ch.is_whitespace())
        .map(|ch| if ch == '\'' { '"' } else { ch })
        .collect();
    for close in [")", "]", "}"] {
        out = out.replace(&format!(",{close}"), close);
    }
    let mut ruby = String::with_capacity(out.len());
    let mut rest = out.as_str();
    while let Some(at) = rest.find(':') {
        let (before, after) = rest.split_at(at);
        ruby.push_str(before);
        let name_len = after[1..]
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(after.len() - 1);
        let name = &after[1..1 + name_len];
        let previous = before.chars().last();
        if !name.is_empty()
            && after[1 + name_len..].starts_with("=>")
            && previous.is_none_or(|p| !p.is_alphanumeric() && p != ':')
        {
            ruby.push_str(name);
            ruby.push(':');
            rest = &after[1 + name_len + 2..];
        } else {
            ruby.push(':');
            rest = &after[1..];
        }
    }
    ruby.push_str(rest);
    ruby
}

#[cfg(test)]
mod tests {
    use crate::analyzers::migration::analyze;
    use crate::classify::Classifier;
    use crate::config::Config;
    use crate::diff::{ChangeSet, ChangedFile, FileStatus};

    fn edited(path: &str, old: &str, new: &str) -> Vec<(String, String, String)> {
        let old_lines: Vec<&str> = old.lines().collect();
        let new_lines: Vec<&str> = new.lines().collect();
        let file = ChangedFile::from_lines(path, FileStatus::Modified, &old_lines, &new_lines);
        let change = ChangeSet {
            files: vec![file],
            ..Default::default()
        };
        let change = Classifier::new(&Config::default()).unwrap().classify(change);
        analyze(&change)
            .into_iter()
            .filter(|f| f.rule == "applied-migration-edited")
            .map(|f| (f.rule, f.severity.to_string(), f.message))
            .collect()
    }

    #[test]
    fn reformatted_sql_is_info_and_a_new_statement_is_named() {
        let old = "CREATE TABLE users (id int);\n";
        let new = "-- the users\ncreate table users (\n    id int\n);\n";
        let f = edited("db/migrations/0001_init.sql", old, new);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].1, "info");
        let new = "CREATE TABLE users (id int);\nALTER TABLE users ADD COLUMN email text;\n";
        let f = edited("db/migrations/0001_init.sql", old, new);
        assert_eq!(f[0].1, "medium");
        assert!(
            f[0].2
                .contains("the edit adds `ALTER TABLE users ADD COLUMN email text`"),
            "{}",
            f[0].2
        );
    }

    #[test]
    fn sorted_python_imports_and_quotes_are_info() {
        let old = "from django.db import models, migrations\nimport uuid\n\n\nclass Migration(migrations.Migration):\n    operations = [migrations.AddField('check', 'code', models.UUIDField(null=True),)]\n";
        let new = "import uuid\n\nfrom django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    operations = [\n        migrations.AddField(\"check\", \"code\", models.UUIDField(null=True))\n    ]\n";
        let f = edited("hc/api/migrations/0042_code.py", old, new);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].1, "info", "{}", f[0].2);
        // Indentation is Python's code: a statement moved out of its loop is a change.
        let looped = "def forward(apps, schema_editor):\n    for c in Check.objects.all():\n        c.save()\n        c.delete()\n";
        let unlooped =
            "def forward(apps, schema_editor):\n    for c in Check.objects.all():\n        c.save()\n    c.delete()\n";
        let f = edited("hc/api/migrations/0043_loop.py", looped, unlooped);
        assert_eq!(f[0].1, "medium", "{}", f[0].2);
        let changed = new.replace("null=True", "null=False");
        let f = edited("hc/api/migrations/0042_code.py", old, &changed);
        assert_eq!(f[0].1, "medium");
    }
}
