//! What a tool does to a SQL migration's text before it runs it: Go template actions filled
//! in, one-file formats' rollback sections left for rollback.

use crate::diff::ChangeSet;
use crate::model::FileStatus;

/// Whether the base names a tool that runs only the part of a SQL file before its `Down`
/// marker (goose, sql-migrate, dbmate) in a `go.mod`, `package.json`, `Makefile` or Dockerfile.
/// The base decides: a change cannot add the tool to make a drop read as rollback code.
pub(super) fn one_file_tool_in_base(change: &ChangeSet) -> bool {
    const TOOLS: &[&str] = &["pressly/goose", "rubenv/sql-migrate", "dbmate"];
    let manifest = |p: &str| {
        let name = p.rsplit('/').next().unwrap_or(p);
        matches!(name, "go.mod" | "package.json" | "Makefile") || name.starts_with("Dockerfile")
    };
    change
        .tree
        .iter()
        .filter(|t| manifest(&t.path))
        .filter(|t| {
            !change
                .files
                .iter()
                .any(|f| f.path == t.path && f.status == FileStatus::Added)
        })
        .filter_map(|t| change.text_before_change(t))
        .any(|text| TOOLS.iter().any(|tool| text.contains(tool)))
}

/// SQL without the rollback sections of one-file formats (goose's `-- +goose Down`, sql-migrate's
/// `-- +migrate Down`, dbmate's `-- migrate:down`): they run only on rollback. Their lines stay,
/// blank, so that line numbers do not move.
pub(super) fn without_down_sections(text: &str) -> String {
    let marker = |line: &str| -> Option<bool> {
        // Options may follow: `-- +migrate Up notransaction`, `-- migrate:up transaction:false`.
        let l = line.trim().to_ascii_lowercase().replace(' ', "");
        let starts = |markers: &[&str]| markers.iter().any(|m| l.starts_with(m));
        if starts(&["--+gooseup", "--+migrateup", "--migrate:up"]) {
            Some(false)
        } else if starts(&["--+goosedown", "--+migratedown", "--migrate:down"]) {
            Some(true)
        } else {
            None
        }
    };
    if !text.lines().any(|l| marker(l) == Some(true)) {
        return text.to_string();
    }
    let mut down = false;
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        if let Some(is_down) = marker(line) {
            down = is_down;
        }
        if !down {
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

/// SQL with its one-line Go template actions taken out (`{{ index .Options "Namespace" }}.users`
/// is `users`): tools such as gobuffalo/fizz and supabase/auth fill in a schema name when they
/// run. Lines stay where they are.
pub(super) fn without_templates(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains("{{") {
        return text.into();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        let close = rest[open..].find("}}").map(|c| open + c + 2);
        // An action is a name: one that spans quotes, statements or comments is SQL to keep.
        let action = |c: &usize| !rest[open..*c].contains(['\n', ';', '\'']) && !rest[open..*c].contains("--");
        match close.filter(action) {
            Some(close) => {
                out.push_str(&rest[..open]);
                rest = &rest[close..];
                // The schema the action names is followed by a dot, or written into the name.
                rest = rest.strip_prefix('.').unwrap_or(rest);
            }
            None => {
                out.push_str(&rest[..open + 2]);
                rest = &rest[open + 2..];
            }
        }
    }
    out.push_str(rest);
    out.into()
}

#[cfg(test)]
mod tests {
    use crate::analyzers::migration::testing::sql;

    #[test]
    fn go_template_actions_name_tables_and_hide_no_sql() {
        // A schema filled in when the tool runs: the table is read.
        let found = sql("DROP TABLE {{ index .Options \"Namespace\" }}.audit_log;");
        assert_eq!(found[0].0, "migration-drops-table");
        // Braces that span quotes or statements are SQL to the tool that runs the file: the drop
        // between them stays seen.
        let hidden = "SELECT '{{'; DROP TABLE users; SELECT '}}';";
        assert!(sql(hidden).iter().any(|(rule, ..)| rule == "migration-drops-table"));
    }
}
