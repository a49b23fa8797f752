//! Tree-sitter, bounded: the grammars riskgate reads Python, TypeScript and Go with, and the
//! limits that keep a hostile file from costing more than a clear "not analysed".

use std::ops::ControlFlow;
use std::time::{Duration, Instant};
use tree_sitter::{Node, ParseOptions, Parser, Tree};

/// Larger files are not read: API types live in files far smaller than this.
pub const MAX_BYTES: usize = 1024 * 1024;
/// A parse that takes longer is abandoned (tree-sitter is linear on sane input).
const MAX_PARSE: Duration = Duration::from_secs(2);
/// How deep the readers follow nested expressions and types before giving up on a value.
pub const MAX_DEPTH: u8 = 48;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grammar {
    Python,
    TypeScript,
    Tsx,
    Go,
}

impl Grammar {
    pub fn of_path(path: &str) -> Option<Grammar> {
        let ext = path.rsplit_once('.')?.1;
        Some(match ext {
            "py" => Grammar::Python,
            "ts" | "mts" | "cts" => Grammar::TypeScript,
            "tsx" => Grammar::Tsx,
            "go" => Grammar::Go,
            _ => return None,
        })
    }

    /// The language a grammar reads: a TypeScript and a TSX file are one language.
    pub fn family(self) -> crate::model::Language {
        match self {
            Grammar::Python => crate::model::Language::Python,
            Grammar::TypeScript | Grammar::Tsx => crate::model::Language::TypeScript,
            Grammar::Go => crate::model::Language::Go,
        }
    }

    fn language(self) -> tree_sitter::Language {
        match self {
            Grammar::Python => tree_sitter_python::LANGUAGE.into(),
            Grammar::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            Grammar::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
            Grammar::Go => tree_sitter_go::LANGUAGE.into(),
        }
    }
}

/// Parses `text`, or says in a few words why it was not read: too large, too slow, or not
/// valid syntax (a tree with errors would be read wrongly, so it is not read at all).
pub fn parse(grammar: Grammar, text: &str) -> Result<Tree, String> {
    if text.len() > MAX_BYTES {
        return Err(format!("larger than {} KiB", MAX_BYTES / 1024));
    }
    let mut parser = Parser::new();
    parser
        .set_language(&grammar.language())
        .map_err(|e| format!("grammar not loaded ({e})"))?;
    let start = Instant::now();
    let mut progress = |_: &tree_sitter::ParseState| {
        if start.elapsed() > MAX_PARSE {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    };
    let bytes = text.as_bytes();
    let mut read = |offset: usize, _| &bytes[offset.min(bytes.len())..];
    let tree = parser
        .parse_with_options(
            &mut read,
            None,
            Some(ParseOptions::new().progress_callback(&mut progress)),
        )
        .ok_or_else(|| format!("parsing took longer than {} s", MAX_PARSE.as_secs()))?;
    if let Some(error) = first_error(tree.root_node()) {
        let line = error.start_position().row + 1;
        return Err(format!("does not parse (line {line})"));
    }
    Ok(tree)
}

/// Where the grammar lags the language in code that declares no JSON type: inside JSX (an `&`
/// in an attribute string) or inside a function's body (a tagged template with type arguments,
/// Go's `new(expr)`). An unexpected token there of at most a few lines is skipped; a missing
/// token is not (the grammar guessed where a block ends, and a declaration may be swallowed).
fn in_body(node: Node<'_>) -> bool {
    if !node.is_error() || node.end_position().row > node.start_position().row + 2 {
        return false;
    }
    let mut at = node.parent();
    while let Some(n) = at {
        if n.is_error() {
            return false;
        }
        let body = match n.kind() {
            "jsx_element" | "jsx_self_closing_element" | "jsx_expression" | "statement_block" => true,
            // Go's and Python's function bodies: a block under a function.
            "block" => n.parent().is_some_and(|p| {
                matches!(
                    p.kind(),
                    "function_declaration" | "method_declaration" | "func_literal" | "function_definition"
                )
            }),
            _ => false,
        };
        if body {
            return true;
        }
        at = n.parent();
    }
    false
}

fn first_error(root: Node<'_>) -> Option<Node<'_>> {
    let mut cursor = root.walk();
    loop {
        let node = cursor.node();
        if (node.is_error() && !in_body(node)) || node.is_missing() {
            return Some(node);
        }
        if node.is_error() {
            // Skipped with what it holds.
            while !cursor.goto_next_sibling() {
                if !cursor.goto_parent() {
                    return None;
                }
            }
            continue;
        }
        // Descend only into subtrees that hold the error.
        if node.has_error() && cursor.goto_first_child() {
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                return None;
            }
        }
    }
}

/// The node's source text.
pub fn text<'a>(node: Node<'_>, src: &'a str) -> &'a str {
    src.get(node.byte_range()).unwrap_or("")
}

/// 1-based line of the node's start.
pub fn line(node: Node<'_>) -> u32 {
    node.start_position().row as u32 + 1
}

/// The node's named children.
pub fn named_children(node: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).collect()
}

/// The text of a string literal without its quotes and prefix; `None` for anything else
/// (an f-string or template with interpolation included).
pub fn string_value(node: Node<'_>, src: &str) -> Option<String> {
    let t = text(node, src);
    if !matches!(
        node.kind(),
        "string" | "interpreted_string_literal" | "raw_string_literal" | "template_string"
    ) {
        return None;
    }
    if t.contains("${") || (node.kind() == "string" && named_children(node).iter().any(|c| c.kind() == "interpolation"))
    {
        return None;
    }
    let t = t.trim_start_matches(|c: char| c.is_ascii_alphabetic());
    let quote = ["\"\"\"", "'''", "\"", "'", "`"]
        .into_iter()
        .find(|q| t.starts_with(q) && t.ends_with(q) && t.len() >= 2 * q.len())?;
    Some(t[quote.len()..t.len() - quote.len()].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_large_files_and_strings() {
        assert!(parse(Grammar::Python, "class A:\n    x: int\n").is_ok());
        assert_eq!(
            parse(Grammar::Python, "class A(:\n").unwrap_err(),
            "does not parse (line 1)"
        );
        assert!(parse(Grammar::Go, &"x".repeat(MAX_BYTES + 1))
            .unwrap_err()
            .starts_with("larger than"));
        let tree = parse(Grammar::Python, "a = 'x'\nb = f'{a}'\n").unwrap();
        let src = "a = 'x'\nb = f'{a}'\n";
        let strings: Vec<Option<String>> = named_children(tree.root_node())
            .iter()
            .map(|s| s.named_child(0).unwrap().child_by_field_name("right").unwrap())
            .map(|n| string_value(n, src))
            .collect();
        assert_eq!(strings, vec![Some("x".to_string()), None]);
    }

    /// Code the grammar lags on, in JSX or a function's body, declares no JSON type: the file
    /// is read. Controls: the same token among declarations, and a body left open (the grammar
    /// guesses where it ends and may swallow the declarations after it), do not parse.
    #[test]
    fn a_lagging_grammar_in_a_body_is_no_unreadable_file() {
        let jsx = "export interface Props { tab: string }\nexport function Page() {\n  return (\n    <p>\n      <TextLink to=\"https://x.dev/gdpr?tab=a&frameworks=gdpr_v1\">GDPR</TextLink>\n    </p>\n  );\n}\n";
        let parsed = parse(Grammar::Tsx, jsx);
        assert!(parsed.is_ok(), "{parsed:?}");
        let body = "export interface Row { id: string }\nexport async function rows() {\n  const r = 1 +* 2;\n  return r;\n}\n";
        assert!(parse(Grammar::TypeScript, body).is_ok());
        let go = "package x\n\ntype A struct {\n\tB string `json:\"b\"`\n}\n\nfunc f() {\n\tx := 1 +* 2\n\t_ = x\n}\n";
        assert!(parse(Grammar::Go, go).is_ok());
        let among = "export interface Row { id: string }\nconst r = 1 +* 2;\nexport interface Other { n: number }\n";
        assert!(parse(Grammar::TypeScript, among).is_err());
        let open = "export async function rows() {\n  const r = 1;\nexport interface Row { id: string }\n";
        assert!(parse(Grammar::TypeScript, open).is_err());
    }

    #[test]
    fn deep_nesting_is_parsed_without_overflow() {
        let deep = format!("x = {}1{}\n", "(".repeat(50_000), ")".repeat(50_000));
        assert!(parse(Grammar::Python, &deep).is_ok());
    }
}
