//! Python type annotations read from their text (`Optional[list[str]]`, `str | None`,
//! `Literal["a"]`, `Annotated[int, Field(…)]`), and a module's type aliases expanded into them,
//! within a budget.

use super::syntax::{named_children, text, MAX_DEPTH};
use tree_sitter::Node;

/// A Python type annotation, read from its text.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Annotation {
    Name(String, Vec<Annotation>),
    Literal(String),
    Union(Vec<Annotation>),
    None,
}

pub(super) fn parse_annotation(text: &str) -> Option<Annotation> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(i, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '#' {
            // A comment, to the end of its line.
            for (_, d) in chars.by_ref() {
                if d == '\n' {
                    break;
                }
            }
        } else if c == '(' {
            // A call inside `Annotated[…]` (`Field(min_length=1)`) says nothing of the type;
            // its strings may hold parentheses.
            let (mut open, mut quote) = (0usize, None);
            for (_, d) in chars.by_ref() {
                match (quote, d) {
                    (Some(q), d) if d == q => quote = None,
                    (Some(_), _) => {}
                    (None, '"' | '\'') => quote = Some(d),
                    (None, '(') => open += 1,
                    (None, ')') => open = open.saturating_sub(1),
                    _ => {}
                }
                if open == 0 && quote.is_none() {
                    break;
                }
            }
        } else if "[],|".contains(c) {
            tokens.push(c.to_string());
            chars.next();
        } else if c == '"' || c == '\'' {
            chars.next();
            let mut s = String::from("\u{1}");
            for (_, d) in chars.by_ref() {
                if d == c {
                    break;
                }
                s.push(d);
            }
            tokens.push(s);
        } else {
            let start = i;
            let mut end = i;
            while let Some(&(j, d)) = chars.peek() {
                if d.is_alphanumeric() || d == '_' || d == '.' || d == '-' {
                    end = j + d.len_utf8();
                    chars.next();
                } else {
                    break;
                }
            }
            if end == start {
                return None;
            }
            tokens.push(text[start..end].to_string());
        }
    }
    let mut pos = 0;
    let a = union(&tokens, &mut pos, 0)?;
    (pos == tokens.len()).then_some(a)
}

fn union(tokens: &[String], pos: &mut usize, depth: u8) -> Option<Annotation> {
    let mut parts = vec![atom(tokens, pos, depth)?];
    while tokens.get(*pos).is_some_and(|t| t == "|") {
        *pos += 1;
        parts.push(atom(tokens, pos, depth)?);
    }
    Some(if parts.len() == 1 {
        parts.pop()?
    } else {
        Annotation::Union(parts)
    })
}

fn atom(tokens: &[String], pos: &mut usize, depth: u8) -> Option<Annotation> {
    if depth > MAX_DEPTH {
        return None;
    }
    let t = tokens.get(*pos)?.clone();
    *pos += 1;
    if let Some(s) = t.strip_prefix('\u{1}') {
        // A forward reference (`"Product"`) names a type; a string inside `Literal[…]` is a value.
        return Some(Annotation::Literal(s.to_string()));
    }
    if t == "None" {
        return Some(Annotation::None);
    }
    if "[],|".contains(t.as_str()) {
        return None;
    }
    let mut args = Vec::new();
    if tokens.get(*pos).is_some_and(|t| t == "[") {
        *pos += 1;
        loop {
            if tokens.get(*pos).is_some_and(|t| t == "]") {
                *pos += 1;
                break;
            }
            args.push(union(tokens, pos, depth + 1)?);
            match tokens.get(*pos).map(String::as_str) {
                Some(",") => *pos += 1,
                Some("]") => {}
                _ => return None,
            }
        }
    }
    Some(Annotation::Name(t, args))
}

/// Module-level type aliases (`Name = Annotated[str, …]`, `type Name = …`), by name.
pub(super) type Aliases = std::collections::BTreeMap<String, Annotation>;

pub(super) fn aliases(root: Node<'_>, src: &str) -> Aliases {
    let mut out = Aliases::new();
    for stmt in named_children(root) {
        let node = match stmt.kind() {
            "expression_statement" => stmt.named_child(0).filter(|a| a.kind() == "assignment"),
            "type_alias_statement" => Some(stmt),
            _ => None,
        };
        let Some(node) = node else { continue };
        let (left, right) = match node.kind() {
            "assignment" => (node.child_by_field_name("left"), node.child_by_field_name("right")),
            _ => (node.named_child(0), node.named_child(1)),
        };
        let (Some(left), Some(right)) = (left, right) else {
            continue;
        };
        let name = text(left, src);
        let value = text(right, src);
        // Only what reads as a type: a capitalised name bound to a generic or another type.
        if !name.starts_with(|c: char| c.is_ascii_uppercase()) || node.child_by_field_name("type").is_some() {
            continue;
        }
        if !matches!(
            right.kind(),
            "subscript" | "identifier" | "attribute" | "binary_operator" | "type" | "generic_type"
        ) {
            continue;
        }
        if let Some(a) = parse_annotation(value) {
            out.insert(name.to_string(), a);
        }
    }
    out
}

/// Most nodes an annotation may grow to by expanding aliases: each alias is copied wherever it
/// is used, so nested aliases could grow exponentially.
pub(super) const MAX_EXPANDED: usize = 2_000;

/// An annotation with the file's aliases replaced by what they stand for; `None` when that
/// grows past `MAX_EXPANDED` nodes.
pub(super) fn expand(a: &Annotation, aliases: &Aliases) -> Option<Annotation> {
    let mut budget = MAX_EXPANDED;
    expand_within(a, aliases, 0, &mut budget)
}

fn expand_within(a: &Annotation, aliases: &Aliases, depth: u8, budget: &mut usize) -> Option<Annotation> {
    *budget = budget.checked_sub(1)?;
    if depth > 8 {
        return Some(a.clone());
    }
    Some(match a {
        Annotation::Name(n, args) if args.is_empty() => match aliases.get(n) {
            Some(target) => expand_within(target, aliases, depth + 1, budget)?,
            None => a.clone(),
        },
        Annotation::Name(n, args) => Annotation::Name(
            n.clone(),
            args.iter()
                .map(|x| expand_within(x, aliases, depth + 1, budget))
                .collect::<Option<_>>()?,
        ),
        Annotation::Union(parts) => Annotation::Union(
            parts
                .iter()
                .map(|x| expand_within(x, aliases, depth + 1, budget))
                .collect::<Option<_>>()?,
        ),
        other => other.clone(),
    })
}
