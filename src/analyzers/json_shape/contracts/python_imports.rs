//! What a Python module imports and binds at its top level: the modules its names come from,
//! and the names it gives other classes, which the model reader follows to a base's declaration.

use super::syntax::{line, named_children, text};
use tree_sitter::Node;

/// `from a.b import C` (and `from .b import C`): C, and the path suffix of its module's file
/// (`a/b`, or the importing file's folder joined with `b`).
pub(super) fn imports(root: Node<'_>, src: &str, path: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let folder = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    for stmt in named_children(root)
        .into_iter()
        .filter(|n| n.kind() == "import_from_statement")
    {
        let Some(module) = stmt.child_by_field_name("module_name") else {
            continue;
        };
        let module_path = match module.kind() {
            "relative_import" => {
                let dots = text(module, src).chars().take_while(|c| *c == '.').count();
                let mut base: Vec<&str> = folder.split('/').filter(|s| !s.is_empty()).collect();
                for _ in 1..dots {
                    base.pop();
                }
                let rest = text(module, src).trim_start_matches('.').replace('.', "/");
                base.push(&rest);
                base.join("/")
            }
            _ => text(module, src).replace('.', "/"),
        };
        let mut cursor = stmt.walk();
        for name in stmt.children_by_field_name("name", &mut cursor) {
            let imported = match name.kind() {
                "aliased_import" => name.child_by_field_name("alias"),
                _ => Some(name),
            };
            if let Some(n) = imported {
                out.push((text(n, src).to_string(), module_path.trim_matches('/').to_string()));
            }
        }
    }
    out
}

/// `import a.b` (the module named `a.b`) and `import a.b as m` (named `m`): each name, and the
/// path suffix of the module's file.
pub(super) fn module_imports(root: Node<'_>, src: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for stmt in named_children(root)
        .into_iter()
        .filter(|n| n.kind() == "import_statement")
    {
        let mut cursor = stmt.walk();
        for name in stmt.children_by_field_name("name", &mut cursor) {
            let (dotted, alias) = match name.kind() {
                "aliased_import" => (name.child_by_field_name("name"), name.child_by_field_name("alias")),
                _ => (Some(name), Some(name)),
            };
            if let (Some(d), Some(a)) = (dotted, alias) {
                out.push((text(a, src).to_string(), text(d, src).replace('.', "/")));
            }
        }
    }
    out
}

/// Module-level names bound to another class (`Base = serializers.Serializer`), for bases.
pub(super) fn base_aliases(root: Node<'_>, src: &str) -> std::collections::HashMap<String, (String, u32)> {
    let mut out = std::collections::HashMap::new();
    for stmt in named_children(root)
        .into_iter()
        .filter(|n| n.kind() == "expression_statement")
    {
        let Some(assignment) = stmt.named_child(0).filter(|a| a.kind() == "assignment") else {
            continue;
        };
        let (Some(left), Some(right)) = (
            assignment.child_by_field_name("left"),
            assignment.child_by_field_name("right"),
        ) else {
            continue;
        };
        if left.kind() == "identifier"
            && matches!(right.kind(), "identifier" | "attribute")
            && assignment.child_by_field_name("type").is_none()
        {
            out.insert(text(left, src).to_string(), (text(right, src).to_string(), line(stmt)));
        }
    }
    // `from pydantic import BaseModel as DispatchBase`: the library's base under another name.
    for stmt in named_children(root)
        .into_iter()
        .filter(|n| n.kind() == "import_from_statement")
    {
        let library = stmt
            .child_by_field_name("module_name")
            .map(|m| text(m, src))
            .is_some_and(|m| m.starts_with("pydantic") || m.starts_with("rest_framework"));
        if !library {
            continue;
        }
        for name in named_children(stmt)
            .into_iter()
            .filter(|n| n.kind() == "aliased_import")
        {
            if let (Some(original), Some(alias)) = (name.child_by_field_name("name"), name.child_by_field_name("alias"))
            {
                out.insert(
                    text(alias, src).to_string(),
                    (text(original, src).to_string(), line(stmt)),
                );
            }
        }
    }
    out
}
