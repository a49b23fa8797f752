//! What a tool does to a SQL migration's text before it runs it: Go template actions filled
//! in, one-file formats' rollback sections left for rollback.

use crate::diff::ChangeSet;
use crate::model::FileStatus;

/// A one-file migration tool: what names it in a manifest, and its Down marker, exactly as the
/// tool reads it (anything else is a comment to it).
struct OneFileTool {
    named_by: &'static str,
    up: &'static str,
    down: &'static str,
}

const ONE_FILE_TOOLS: &[OneFileTool] = &[
    OneFileTool {
        named_by: "pressly/goose",
        up: "-- +goose Up",
        down: "-- +goose Down",
    },
    OneFileTool {
        named_by: "rubenv/sql-migrate",
        up: "-- +migrate Up",
        down: "-- +migrate Down",
    },
    OneFileTool {
        named_by: "dbmate",
        up: "-- migrate:up",
        down: "-- migrate:down",
    },
];

/// The one-file tools the base names in a `go.mod`, `package.json`, `Makefile` or Dockerfile of
/// its own (not a vendored copy). The base decides: a change cannot add a tool to make a drop
/// read as rollback code.
pub(super) fn one_file_tools_in_base(change: &ChangeSet) -> Vec<usize> {
    let manifest = |p: &str| {
        let name = p.rsplit('/').next().unwrap_or(p);
        let vendored = p
            .split('/')
            .any(|d| matches!(d, "node_modules" | "vendor" | "third_party"));
        !vendored && (matches!(name, "go.mod" | "package.json" | "Makefile") || name.starts_with("Dockerfile"))
    };
    let texts: Vec<&str> = change
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
        .collect();
    (0..ONE_FILE_TOOLS.len())
        .filter(|i| texts.iter().any(|t| t.contains(ONE_FILE_TOOLS[*i].named_by)))
        .collect()
}

/// SQL without the rollback sections of the one-file tools `tools` (indexes into
/// `ONE_FILE_TOOLS`): goose's `-- +goose Down`, sql-migrate's `-- +migrate Down`, dbmate's
/// `-- migrate:down`, each written exactly as its tool reads it. Those lines run only on rollback.
/// They stay, blank, so that line numbers do not move.
pub(super) fn without_down_sections(text: &str, tools: &[usize]) -> String {
    let is = |line: &str, marker: &str| {
        // Options may follow, after a space: `-- +migrate Up notransaction`.
        line.strip_prefix(marker)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
    };
    let marker = |line: &str| -> Option<bool> {
        let line = line.trim_end();
        tools.iter().map(|i| &ONE_FILE_TOOLS[*i]).find_map(|t| {
            if is(line, t.up) {
                Some(false)
            } else if is(line, t.down) {
                Some(true)
            } else {
                None
            }
        })
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

/// Whether the text between `{{` and `}}` is a template action that names something (`index
/// .Options "Namespace"`), and not SQL that braces inside comments or strings would hide.
fn is_name_action(action: &str) -> bool {
    const SQL: &[&str] = &[
        "drop", "delete", "alter", "truncate", "update", "insert", "create", "rename", "grant", "revoke",
    ];
    let lower = action.to_ascii_lowercase();
    !action.contains(['\n', ';', '\'', '$', '#', '`'])
        && !["--", "/*", "*/"].iter().any(|m| action.contains(m))
        && !crate::text::words(&lower).any(|w| SQL.contains(&w))
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
        // No closing braces left: nothing more to take out (and no rescans of the rest).
        let Some(close) = rest[open..].find("}}").map(|c| open + c + 2) else {
            break;
        };
        if is_name_action(&rest[open + 2..close - 2]) {
            out.push_str(&rest[..open]);
            rest = &rest[close..];
            // The schema the action names is followed by a dot, or written into the name.
            rest = rest.strip_prefix('.').unwrap_or(rest);
        } else {
            out.push_str(&rest[..open + 2]);
            rest = &rest[open + 2..];
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
        // Nor inside comments.
        for hidden in ["/* {{ */ DROP TABLE users /* }} */;", "-- {{\nDROP TABLE users;\n-- }}"] {
            let found = sql(hidden);
            assert!(
                found.iter().any(|(rule, ..)| rule == "migration-drops-table"),
                "{hidden}: {found:?}"
            );
        }
    }

    #[test]
    fn down_markers_count_only_as_their_tool_writes_them() {
        let goose = [0];
        let text = "-- +goose Up\nALTER TABLE t ADD COLUMN c int;\n-- +goose Down\nDROP TABLE t;\n";
        assert!(!super::without_down_sections(text, &goose).contains("DROP"));
        // goose reads these as comments: the drop runs forward.
        for spoof in [
            "-- + goose Down",
            "--+goose Down",
            "-- +goose Downgrade",
            "-- +migrate Down",
        ] {
            let text = format!("-- +goose Up\nALTER TABLE t ADD COLUMN c int;\n{spoof}\nDROP TABLE t;\n");
            assert!(super::without_down_sections(&text, &goose).contains("DROP"), "{spoof}");
        }
        // A tool the base does not name sets nothing aside.
        assert!(super::without_down_sections(text, &[2]).contains("DROP"));
    }
}
