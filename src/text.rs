//! Source text that comes from the change, checked before a recursive parser sees it.
//!
//! syn and sqlparser recurse once per nesting level and once per operator of a flat
//! expression; the change under review chooses both. These scans are linear and cheap, and
//! what they refuse is reported as not analysed instead of overflowing a stack.

/// Brackets (or generic angle brackets) nested deeper than this are refused.
pub const MAX_NESTING: usize = 128;
/// Operators and words in one run (between `,` `;` `{` `}`) above this are refused: syn
/// recurses once per prefix operator (`!`, `-`, `&`, `*`), per `return`/`break`, per binary
/// operator and per path segment.
pub const MAX_OPERATORS: usize = 2_000;

/// Why a Rust source is too deep or too long to parse safely, if it is.
pub fn rust_too_deep(source: &str) -> Option<String> {
    let b = source.as_bytes();
    let (mut depth, mut angles, mut ops) = (0usize, 0usize, 0usize);
    let mut i = 0;
    while i < b.len() {
        let next = b.get(i + 1).copied().unwrap_or(0);
        match b[i] {
            b'/' if next == b'/' => {
                i = find(b, i, b"\n");
                continue;
            }
            b'/' if next == b'*' => {
                i = skip_block_comment(b, i);
                continue;
            }
            b'"' => {
                i = skip_quoted(b, i, b'"');
                continue;
            }
            // `r"…"`, `r#"…"#`, and the byte and C forms `br"…"`, `cr"…"`.
            b'r' if (next == b'"' || next == b'#') && raw_prefix_ok(b, i) => {
                if let Some(end) = skip_raw_string(b, i + 1) {
                    i = end;
                    continue;
                }
            }
            b'\'' => {
                i = skip_char_or_lifetime(b, i);
                continue;
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                if b[i] == b'{' {
                    (angles, ops) = (0, 0);
                }
                if depth > MAX_NESTING {
                    return Some(format!("brackets nested more than {MAX_NESTING} deep"));
                }
            }
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                if b[i] == b'}' {
                    (angles, ops) = (0, 0);
                }
            }
            b';' | b',' => {
                if b[i] == b';' {
                    angles = 0;
                }
                ops = 0;
            }
            // Every `<` but `<=` may open generics (`<<T as A>::B as A>::B` opens two).
            b'<' if next != b'=' => {
                angles += 1;
                if angles > MAX_NESTING {
                    return Some(format!("generics nested more than {MAX_NESTING} deep"));
                }
            }
            b'>' if i == 0 || !matches!(b[i - 1], b'-' | b'=') => angles = angles.saturating_sub(1),
            b'+' | b'-' | b'*' | b'/' | b'%' | b'&' | b'|' | b'^' | b'=' | b'.' | b'!' => {
                ops += 1;
                if ops > MAX_OPERATORS {
                    return Some(format!("one expression with more than {MAX_OPERATORS} operators"));
                }
            }
            // A word starts: `return return …` and long paths recurse too.
            c if is_ident(c) && (i == 0 || !is_ident(b[i - 1])) => {
                ops += 1;
                if ops > MAX_OPERATORS {
                    return Some(format!("one expression with more than {MAX_OPERATORS} operators"));
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Why a SQL statement is too deep or too long for the parser, if it is. Strings and comments
/// were already taken out by the statement splitter's tokens; this sees the raw text, so a
/// quoted bracket can only make it more careful.
pub fn sql_too_deep(statement: &str) -> Option<String> {
    let (mut depth, mut ops) = (0usize, 0usize);
    for c in statement.bytes() {
        match c {
            b'(' | b'[' => {
                depth += 1;
                if depth > MAX_NESTING / 2 {
                    return Some(format!("parentheses nested more than {} deep", MAX_NESTING / 2));
                }
            }
            b')' | b']' => depth = depth.saturating_sub(1),
            b',' | b';' => ops = 0,
            b'+' | b'-' | b'*' | b'/' | b'%' | b'|' | b'&' | b'=' | b'<' | b'>' => {
                ops += 1;
                if ops > MAX_OPERATORS {
                    return Some(format!("one expression with more than {MAX_OPERATORS} operators"));
                }
            }
            _ => {}
        }
    }
    None
}

/// Parses a Rust file after the depth check; the error is one line.
pub fn parse_rust(source: &str) -> Result<syn::File, String> {
    if let Some(why) = rust_too_deep(source) {
        return Err(format!("not parsed: {why}"));
    }
    syn::parse_file(source).map_err(|e| format!("line {}: {e}", e.span().start().line))
}

/// The line ranges (1-based, inclusive) of a Rust file's test code: `#[cfg(test)]` modules and
/// `#[test]` functions (`#[tokio::test]` too). Empty when the file does not parse.
pub fn rust_test_lines(source: &str) -> Vec<(usize, usize)> {
    use syn::spanned::Spanned;
    fn is_test(attrs: &[syn::Attribute]) -> bool {
        attrs.iter().any(|a| {
            let path = a.path();
            // `cfg(test)` or `cfg(all(test, …))`: never `cfg(not(test))` or `cfg(any(test, …))`,
            // which also build outside tests.
            let cfg: String = quote::ToTokens::to_token_stream(a)
                .to_string()
                .split_whitespace()
                .collect();
            let only_tests = cfg == "#[cfg(test)]"
                || (cfg.starts_with("#[cfg(all(")
                    && cfg.contains("test")
                    && !cfg.contains("not(")
                    && !cfg.contains("any("));
            (path.is_ident("cfg") && only_tests) || path.segments.last().is_some_and(|s| s.ident == "test")
        })
    }
    fn visit(items: &[syn::Item], out: &mut Vec<(usize, usize)>) {
        for item in items {
            let (attrs, inner) = match item {
                syn::Item::Mod(m) => (&m.attrs, m.content.as_ref().map(|(_, items)| items.as_slice())),
                syn::Item::Fn(f) => (&f.attrs, None),
                _ => continue,
            };
            if is_test(attrs) {
                out.push((item.span().start().line, item.span().end().line));
            } else if let Some(inner) = inner {
                visit(inner, out);
            }
        }
    }
    if !source.contains("test") {
        return Vec::new();
    }
    let mut out = Vec::new();
    if let Ok(file) = parse_rust(source) {
        visit(&file.items, &mut out);
    }
    out
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Whether the `r` at `i` starts a raw string: alone, or after a lone `b` or `c`.
fn raw_prefix_ok(b: &[u8], i: usize) -> bool {
    match i.checked_sub(1).map(|j| b[j]) {
        None => true,
        Some(b'b' | b'c') => i < 2 || !is_ident(b[i - 2]),
        Some(p) => !is_ident(p),
    }
}

/// The index just past the first `needle` at or after `from`, or the end.
fn find(b: &[u8], from: usize, needle: &[u8]) -> usize {
    b[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map_or(b.len(), |p| from + p + needle.len())
}

fn skip_block_comment(b: &[u8], start: usize) -> usize {
    let (mut i, mut level) = (start + 2, 1usize);
    while i < b.len() && level > 0 {
        if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
            level += 1;
            i += 2;
        } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
            level -= 1;
            i += 2;
        } else {
            i += 1;
        }
    }
    i
}

fn skip_quoted(b: &[u8], start: usize, quote: u8) -> usize {
    let mut i = start + 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            c if c == quote => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

/// `r"…"`, `r#"…"#`: `at` is just after the `r`; `None` when it is not a raw string.
fn skip_raw_string(b: &[u8], at: usize) -> Option<usize> {
    let hashes = b[at..].iter().take_while(|c| **c == b'#').count();
    if b.get(at + hashes) != Some(&b'"') {
        return None;
    }
    let mut close = vec![b'"'];
    close.extend(std::iter::repeat_n(b'#', hashes));
    Some(find(b, at + hashes + 1, &close))
}

/// `'x'`, `'\n'`, `'\u{1F600}'` are characters; `'a` in `&'a T` is a lifetime.
fn skip_char_or_lifetime(b: &[u8], start: usize) -> usize {
    if b.get(start + 1) == Some(&b'\\') {
        return skip_quoted(b, start, b'\'');
    }
    let width = match b.get(start + 1) {
        Some(c) if *c < 0x80 => 1,
        Some(c) if *c >= 0xf0 => 4,
        Some(c) if *c >= 0xe0 => 3,
        Some(_) => 2,
        None => return b.len(),
    };
    if b.get(start + 1 + width) == Some(&b'\'') {
        start + 2 + width
    } else {
        start + 1
    }
}

/// The identifier-like words of a text (letters, digits, `_`), in order: names in SQL, Python,
/// Rust and plans.
pub fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
}

/// `abc1234` for a full sha, unchanged otherwise.
pub fn short_sha(sha: &str) -> &str {
    if sha.len() >= 40 && sha.chars().all(|c| c.is_ascii_hexdigit()) {
        &sha[..7]
    } else {
        sha
    }
}

/// Natural order: runs of digits compare as numbers (`V2` before `V10`).
pub fn natural(a: &str, b: &str) -> std::cmp::Ordering {
    let (mut x, mut y) = (a.as_bytes(), b.as_bytes());
    loop {
        match (x.first(), y.first()) {
            (None, None) => return std::cmp::Ordering::Equal,
            (None, Some(_)) => return std::cmp::Ordering::Less,
            (Some(_), None) => return std::cmp::Ordering::Greater,
            (Some(c), Some(d)) if c.is_ascii_digit() && d.is_ascii_digit() => {
                let run = |s: &[u8]| s.iter().take_while(|c| c.is_ascii_digit()).count();
                let (n, m) = (run(x), run(y));
                let trim = |s: &[u8]| {
                    let z = s.iter().take_while(|c| **c == b'0').count();
                    s[z..].to_vec()
                };
                let (p, q) = (trim(&x[..n]), trim(&y[..m]));
                let ord = p.len().cmp(&q.len()).then_with(|| p.cmp(&q));
                if ord != std::cmp::Ordering::Equal {
                    return ord;
                }
                x = &x[n..];
                y = &y[m..];
            }
            (Some(c), Some(d)) => {
                if c != d {
                    return c.cmp(d);
                }
                x = &x[1..];
                y = &y[1..];
            }
        }
    }
}

/// A TOML basic string (`"…"`): quotes, backslashes and control characters escaped.
pub fn toml_basic(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_code_passes() {
        let src = r###"
            fn f<'a>(x: &'a [Vec<Option<u8>>]) -> Result<(), Box<dyn std::error::Error>> {
                let s = "(((( not code";
                let r = r#"[[[[ "also" not code"#;
                let c = '(';
                /* {{{{ /* nested */ comment */
                if a < b && c >= d { x.iter().map(|v| v * 2 - 1).sum::<u8>() } else { 0 }
            }
        "###;
        assert_eq!(rust_too_deep(src), None);
        assert!(parse_rust(src).is_ok());
    }

    #[test]
    fn deep_nesting_and_long_expressions_are_refused() {
        let parens = format!("fn f() {{ let x = {}1{}; }}", "(".repeat(700), ")".repeat(700));
        assert_eq!(rust_too_deep(&parens).unwrap(), "brackets nested more than 128 deep");
        let generics = format!("type T = {}u8{};", "Vec<".repeat(2000), ">".repeat(2000));
        assert_eq!(rust_too_deep(&generics).unwrap(), "generics nested more than 128 deep");
        let flat = format!("fn f() -> u32 {{ {} }}", vec!["1"; 5000].join(" + "));
        assert_eq!(
            rust_too_deep(&flat).unwrap(),
            "one expression with more than 2000 operators"
        );
        assert!(parse_rust(&flat).unwrap_err().starts_with("not parsed: one expression"));
    }

    #[test]
    fn prefix_chains_and_qualified_paths_are_refused() {
        let nots = format!("fn f() -> bool {{ {}true }}", "!".repeat(100_000));
        assert!(rust_too_deep(&nots).is_some());
        let returns = format!("fn f() {{ {}() }}", "return ".repeat(100_000));
        assert!(rust_too_deep(&returns).is_some());
        let qualified = format!("type T = {}u8{};", "<".repeat(10_000), " as A>::B".repeat(10_000));
        assert!(rust_too_deep(&qualified).is_some());
        // A raw byte string ending in a backslash does not hide what follows.
        let hidden = format!(
            "const S: &[u8] = br\"\\\"; fn f() {{ let x = {}1{}; }}",
            "(".repeat(500),
            ")".repeat(500)
        );
        assert_eq!(rust_too_deep(&hidden).unwrap(), "brackets nested more than 128 deep");
    }

    #[test]
    fn a_long_list_is_not_a_long_expression() {
        let table = format!("const T: [i32; 5000] = [{}];", vec!["-1"; 5000].join(", "));
        assert_eq!(rust_too_deep(&table), None);
    }

    #[test]
    fn sql_bounds() {
        let flat = format!("UPDATE t SET a = {};", vec!["1"; 200_000].join("+"));
        assert_eq!(
            sql_too_deep(&flat).unwrap(),
            "one expression with more than 2000 operators"
        );
        let deep = format!("SELECT {}1{};", "(".repeat(100), ")".repeat(100));
        assert_eq!(sql_too_deep(&deep).unwrap(), "parentheses nested more than 64 deep");
        assert_eq!(sql_too_deep("UPDATE t SET a = a + 1 WHERE id IN (1, 2, 3);"), None);
    }
}
