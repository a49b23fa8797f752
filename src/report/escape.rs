//! Text that came from the change (paths, lines, identifiers, commit messages, the PR body),
//! escaped for where it is shown. The change under review is written by someone who may want
//! it merged: its text must not move a terminal's cursor, start a workflow command in the
//! runner's log, or become HTML in a job summary.

/// For a terminal or a CI log: every control character (escape sequences, carriage returns,
/// bells, line breaks) is shown as an escape, so a file name cannot recolour, retitle or
/// rewrite the screen; and a runner reads no workflow command in it (`::` at the start, `##[`
/// anywhere), because the default text format is what CI logs show too.
pub fn terminal(s: &str) -> String {
    let mut out = if s.chars().any(char::is_control) {
        s.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_default().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect()
    } else {
        s.to_string()
    };
    if out.contains("##[") {
        out = out.replace("##[", "#\u{200b}#[");
    }
    if out.trim_start().starts_with("::") {
        out = out.replacen("::", ":\u{200b}:", 1);
    }
    out
}

/// For markdown prose (a job summary, a PR comment, a table cell): one line, HTML and markdown
/// syntax escaped, and nothing the runner could read as a workflow command.
pub fn markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' | '`' | '[' | ']' | '*' | '_' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// For a markdown code span (`` `…` ``): one line, no backtick to close it early, pipes escaped
/// for tables, and `##[` broken so no runner reads it as a command.
pub fn code(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| match c {
            '`' => '\'',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    if out.contains('|') {
        out = out.replace('|', "\\|");
    }
    if out.contains("##[") {
        out = out.replace("##[", "#\u{200b}#[");
    }
    out
}

/// Workflow-command data, as GitHub's runner decodes it; `##[` (the runner's older command
/// syntax) is broken with a zero-width space so no log line carries one riskgate did not mean.
pub fn workflow_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
        .replace("##[", "#\u{200b}#[")
}

/// A workflow-command property (`file=…`, `title=…`): data rules plus `:` and `,`.
pub fn workflow_property(s: &str) -> String {
    workflow_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// A path as a SARIF `uri`: percent-encoded (RFC 3986), `/` kept.
pub fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_shows_control_characters() {
        assert_eq!(terminal("db/\u{1b}]0;owned\u{7}x.sql"), "db/\\u{1b}]0;owned\\u{7}x.sql");
        assert_eq!(terminal("a\r\nb"), "a\\r\\nb");
        assert_eq!(terminal("plain/path.rs"), "plain/path.rs");
        assert!(!terminal("::error::approved").starts_with("::"));
        assert!(!terminal("x ##[warning]y").contains("##["));
    }

    #[test]
    fn markdown_is_one_line_of_text() {
        assert_eq!(
            markdown("ok\n::notice::riskgate-approved <img src=x> | [x](y)"),
            "ok ::notice::riskgate-approved &lt;img src=x&gt; \\| \\[x\\](y)"
        );
        assert_eq!(markdown("##[warning]x"), "##\\[warning\\]x");
    }

    #[test]
    fn code_spans_cannot_be_closed_or_carry_commands() {
        assert_eq!(code("a`b|c\nd"), "a'b\\|c d");
        assert!(!code("t\"##[warning]x\"").contains("##["));
    }

    #[test]
    fn workflow_commands_follow_githubs_rules() {
        assert_eq!(workflow_data("a%b\nc\r##[x"), "a%25b%0Ac%0D#\u{200b}#[x");
        assert_eq!(workflow_property("db/a,b:c.sql"), "db/a%2Cb%3Ac.sql");
    }

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(uri("db/my file#1%.sql"), "db/my%20file%231%25.sql");
        assert_eq!(uri("src/é.rs"), "src/%C3%A9.rs");
    }
}
