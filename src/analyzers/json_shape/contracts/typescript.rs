//! TypeScript's JSON types: exported `interface` and object `type` declarations, and zod
//! schemas (`z.object`, `.optional()`, `.nullable()`, `.strict()`, `z.enum`, `.extend`, …).

use super::model::{field, int, nullable, object, values};
use super::syntax::{self, line, named_children, string_value, text, Grammar, MAX_DEPTH};
use super::{Read, Unresolved};
use crate::analyzers::json_shape::roles::Role;
use crate::analyzers::json_shape::serde_model::{Field, Kind, Shape};
use std::collections::{BTreeMap, BTreeSet};
use tree_sitter::Node;

struct Cx<'a> {
    path: &'a str,
    src: &'a str,
    read: Read,
    /// Interfaces read so far.
    interfaces: BTreeSet<String>,
    /// Zod schemas of this file that are no object (`const ids = z.array(…)`): a field that
    /// names one holds what it holds, not a type of that name.
    consts: BTreeMap<String, Shape>,
}

impl Cx<'_> {
    fn fields_of(&self, name: &str) -> Option<Vec<Field>> {
        self.read
            .types
            .iter()
            .find(|t| t.name == name && matches!(t.kind, Kind::Struct(_)))
            .map(|t| super::model::fields_of(t).to_vec())
    }

    fn literal_type(&mut self, owner: &str, line: u32, vals: Vec<String>) -> Shape {
        self.read.types.push(values(
            owner,
            self.path,
            line,
            vals.into_iter().map(|v| (v, line)).collect(),
        ));
        Shape::Named(owner.to_string())
    }
}

/// The JSON types of one TypeScript file.
pub fn read(path: &str, src: &str) -> Result<Read, String> {
    let grammar = if path.ends_with(".tsx") {
        Grammar::Tsx
    } else {
        Grammar::TypeScript
    };
    let tree = syntax::parse(grammar, src)?;
    let root = tree.root_node();
    let mut cx = Cx {
        path,
        src,
        read: Read::default(),
        interfaces: BTreeSet::new(),
        consts: BTreeMap::new(),
    };
    let uses_zod = src.contains("zod");
    let mut counted = (0, 0);
    // Interfaces wait until the others are read, then go bases first: `extends` may name one
    // declared further down.
    let mut pending = Vec::new();
    for stmt in named_children(root) {
        // Keys counted as they come: `extends` chains copy keys, and a file may not make that quadratic.
        counted.1 += super::model::keys(&cx.read.types[counted.0..]);
        counted.0 = cx.read.types.len();
        if counted.1 > super::model::MAX_KEYS {
            return Err(format!("its types hold more than {} keys", super::model::MAX_KEYS));
        }
        let (decl, exported) = match stmt.kind() {
            "export_statement" => match stmt.child_by_field_name("declaration") {
                Some(d) => (d, true),
                None => continue,
            },
            _ => (stmt, false),
        };
        match decl.kind() {
            "interface_declaration" if exported => pending.push(decl),
            "type_alias_declaration" if exported => alias(&mut cx, decl),
            "lexical_declaration" if uses_zod => {
                for d in named_children(decl)
                    .into_iter()
                    .filter(|d| d.kind() == "variable_declarator")
                {
                    let (Some(name), Some(value)) = (d.child_by_field_name("name"), d.child_by_field_name("value"))
                    else {
                        continue;
                    };
                    let name = text(name, src).to_string();
                    zod_schema(&mut cx, &name, value);
                }
            }
            _ => {}
        }
    }
    let declared: BTreeSet<String> = pending
        .iter()
        .filter_map(|d| d.child_by_field_name("name"))
        .map(|n| text(n, src).to_string())
        .collect();
    while !pending.is_empty() {
        let ready = |d: &Node<'_>| {
            extended(*d, src)
                .iter()
                .all(|b| !declared.contains(b) || cx.interfaces.contains(b))
        };
        // A cycle of `extends` has no first: take the next one as it comes.
        let next = pending.iter().position(ready).unwrap_or(0);
        interface(&mut cx, pending.remove(next));
        if super::model::keys(&cx.read.types) > super::model::MAX_KEYS {
            return Err(format!("its types hold more than {} keys", super::model::MAX_KEYS));
        }
    }
    cx.read.roles.extend(roles(src));
    Ok(cx.read)
}

fn optional_marker(node: Node<'_>) -> bool {
    let mut cursor = node.walk();
    // Bound first: the iterator borrows the cursor, which must outlive it.
    let found = node.children(&mut cursor).any(|c| c.kind() == "?");
    found
}

fn members(cx: &mut Cx<'_>, owner: &str, body: Node<'_>, depth: u8) -> Vec<Field> {
    let mut fields = Vec::new();
    for p in named_children(body)
        .into_iter()
        .filter(|p| p.kind() == "property_signature")
    {
        let Some(name) = p.child_by_field_name("name") else {
            continue;
        };
        let key = string_value(name, cx.src).unwrap_or_else(|| text(name, cx.src).to_string());
        let ty = p.child_by_field_name("type").and_then(|t| t.named_child(0));
        let shape = ty
            .map(|t| ts_shape(cx, &format!("{owner}.{key}"), t, depth))
            .unwrap_or(Shape::Any);
        let mut f = field(&key, shape, line(p));
        if optional_marker(p) {
            f.default = true;
            f.skip_ser_if = true;
        }
        fields.push(f);
    }
    fields
}

/// Component props, callbacks and state are not JSON: a type with a function member (a
/// method, or a key typed as a function) is code's, not a wire contract.
fn has_functions(body: Node<'_>) -> bool {
    named_children(body).into_iter().any(|m| {
        m.kind() == "method_signature"
            || m.child_by_field_name("type")
                .and_then(|t| t.named_child(0))
                .is_some_and(|t| t.kind() == "function_type")
    })
}

/// The names an interface `extends`.
fn extended(decl: Node<'_>, src: &str) -> Vec<String> {
    named_children(decl)
        .into_iter()
        .filter(|c| c.kind() == "extends_type_clause")
        .flat_map(named_children)
        .map(|b| text(b, src).to_string())
        .collect()
}

fn interface(cx: &mut Cx<'_>, decl: Node<'_>) {
    let (Some(name), Some(body)) = (decl.child_by_field_name("name"), decl.child_by_field_name("body")) else {
        return;
    };
    if has_functions(body) {
        return;
    }
    let name = text(name, cx.src).to_string();
    let mut fields = Vec::new();
    // `extends` of interfaces of this file: their members come first.
    for base in extended(decl, cx.src) {
        if let Some(fs) = cx.fields_of(&base) {
            fields.extend(fs);
        }
    }
    let own = members(cx, &name, body, 0);
    fields.retain(|f| !own.iter().any(|o| o.wire_de == f.wire_de));
    fields.extend(own);
    // A second declaration of an interface merges into the first, as TypeScript does.
    if !cx.interfaces.insert(name.clone()) {
        if let Some(t) = cx.read.types.iter_mut().find(|t| t.name == name) {
            if let Some(existing) = super::model::fields_mut(t) {
                fields.retain(|f| !existing.iter().any(|e| e.wire_de == f.wire_de));
                existing.extend(fields);
            }
            return;
        }
    }
    let t = object(&name, cx.path, line(decl), fields);
    cx.read.types.push(t);
}

fn alias(cx: &mut Cx<'_>, decl: Node<'_>) {
    let (Some(name), Some(value)) = (decl.child_by_field_name("name"), decl.child_by_field_name("value")) else {
        return;
    };
    let name = text(name, cx.src).to_string();
    match value.kind() {
        "object_type" if !has_functions(value) => {
            let fields = members(cx, &name, value, 0);
            cx.read.types.push(object(&name, cx.path, line(decl), fields));
        }
        "union_type" => {
            // A union of string literals is an enum.
            if let Some(vals) = string_union(value, cx.src) {
                cx.read.types.push(values(
                    &name,
                    cx.path,
                    line(decl),
                    vals.into_iter().map(|v| (v, line(decl))).collect(),
                ));
            }
        }
        _ => {}
    }
}

/// `'a' | 'b'`: the strings; `None` when any member is something else.
fn string_union(node: Node<'_>, src: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        if out.len() > 10_000 {
            return None;
        }
        match n.kind() {
            "union_type" => stack.extend(named_children(n).into_iter().rev()),
            "literal_type" => out.push(string_value(n.named_child(0)?, src)?),
            _ => return None,
        }
    }
    Some(out)
}

fn ts_shape(cx: &mut Cx<'_>, owner: &str, ty: Node<'_>, depth: u8) -> Shape {
    if depth > MAX_DEPTH {
        return Shape::Any;
    }
    let src = cx.src;
    match ty.kind() {
        "predefined_type" => match text(ty, src) {
            "string" => Shape::String,
            "number" => Shape::Float,
            "boolean" => Shape::Bool,
            "bigint" => int(),
            "null" | "undefined" | "void" => Shape::Unit,
            _ => Shape::Any,
        },
        "literal_type" => match ty.named_child(0).map(|c| c.kind()) {
            Some("null") | Some("undefined") => Shape::Unit,
            Some("string") => {
                let v = ty.named_child(0).and_then(|c| string_value(c, src)).unwrap_or_default();
                cx.literal_type(owner, line(ty), vec![v])
            }
            Some("true") | Some("false") => Shape::Bool,
            _ => Shape::Float,
        },
        "type_identifier" | "nested_type_identifier" => match text(ty, src) {
            "Date" => Shape::String,
            name => Shape::Named(name.rsplit('.').next().unwrap_or(name).to_string()),
        },
        "array_type" => Shape::Seq(Box::new(
            ty.named_child(0)
                .map(|t| ts_shape(cx, owner, t, depth + 1))
                .unwrap_or(Shape::Any),
        )),
        "parenthesized_type" => ty
            .named_child(0)
            .map(|t| ts_shape(cx, owner, t, depth + 1))
            .unwrap_or(Shape::Any),
        "generic_type" => {
            let name = ty.child_by_field_name("name").map(|n| text(n, src)).unwrap_or("");
            let args: Vec<Node<'_>> = ty
                .child_by_field_name("type_arguments")
                .map(named_children)
                .unwrap_or_default();
            match (name, args.as_slice()) {
                ("Array" | "ReadonlyArray", [t]) => Shape::Seq(Box::new(ts_shape(cx, owner, *t, depth + 1))),
                ("Record", [_, v]) => Shape::Map(Box::new(ts_shape(cx, owner, *v, depth + 1))),
                _ => Shape::Named(name.to_string()),
            }
        }
        "object_type" => {
            let fields = members(cx, owner, ty, depth + 1);
            cx.read.types.push(object(owner, cx.path, line(ty), fields));
            Shape::Named(owner.to_string())
        }
        "union_type" => {
            if let Some(vals) = string_union(ty, src) {
                return cx.literal_type(owner, line(ty), vals);
            }
            let mut parts = Vec::new();
            let mut stack = vec![ty];
            while let Some(n) = stack.pop() {
                if n.kind() == "union_type" {
                    stack.extend(named_children(n).into_iter().rev());
                } else {
                    parts.push(n);
                }
            }
            let shapes: Vec<Shape> = parts.iter().map(|p| ts_shape(cx, owner, *p, depth + 1)).collect();
            let has_null = shapes.contains(&Shape::Unit);
            let rest: Vec<&Shape> = shapes.iter().filter(|s| **s != Shape::Unit).collect();
            let inner = match rest.as_slice() {
                [one] => (*one).clone(),
                _ => Shape::Any,
            };
            if has_null {
                nullable(inner)
            } else {
                inner
            }
        }
        _ => Shape::Any,
    }
}

/// What a zod expression reads.
struct Zod {
    shape: Shape,
    /// `.optional()`, `.default()`, `.nullish()`: the key may be missing.
    optional: bool,
    /// For `z.object`: its fields, and whether unknown keys are rejected.
    object: Option<(Vec<Field>, bool)>,
}

impl Zod {
    fn of(shape: Shape) -> Zod {
        Zod {
            shape,
            optional: false,
            object: None,
        }
    }
}

fn zod_schema(cx: &mut Cx<'_>, name: &str, value: Node<'_>) {
    let before = cx.read.unresolved.len();
    let Some(z) = zod(cx, name, value, 0) else {
        return;
    };
    if let Some((fields, strict)) = z.object {
        let mut t = object(name, cx.path, line(value), fields);
        t.container.deny_unknown_fields = strict;
        cx.read.types.push(t);
    } else {
        cx.consts.insert(name.to_string(), z.shape);
        if cx.read.unresolved.len() > before {
            cx.read.unresolved.truncate(before);
        }
    }
}

fn args(call: Node<'_>) -> Vec<Node<'_>> {
    call.child_by_field_name("arguments")
        .map(named_children)
        .unwrap_or_default()
}

/// Reads a zod expression; `None` when it is not one.
fn zod(cx: &mut Cx<'_>, owner: &str, node: Node<'_>, depth: u8) -> Option<Zod> {
    if depth > MAX_DEPTH {
        return None;
    }
    let src = cx.src;
    match node.kind() {
        "identifier" => {
            let name = text(node, src);
            if let Some(shape) = cx.consts.get(name) {
                return Some(Zod::of(shape.clone()));
            }
            // Another schema of this file, or one imported: by name.
            let object = cx.fields_of(name).map(|f| {
                let strict = cx
                    .read
                    .types
                    .iter()
                    .any(|t| t.name == name && t.container.deny_unknown_fields);
                (f, strict)
            });
            Some(Zod {
                shape: Shape::Named(name.to_string()),
                optional: false,
                object,
            })
        }
        "call_expression" => {
            let function = node.child_by_field_name("function")?;
            let a = args(node);
            if function.kind() != "member_expression" {
                return None;
            }
            let object = function.child_by_field_name("object")?;
            let method = text(function.child_by_field_name("property")?, src);
            if text(object, src) == "z" || text(object, src) == "z.coerce" {
                return zod_base(cx, owner, method, &a, node, depth);
            }
            let mut inner = zod(cx, owner, object, depth + 1)?;
            match method {
                "optional" => inner.optional = true,
                "default" | "catch" => inner.optional = true,
                "nullable" => inner.shape = nullable(inner.shape),
                "nullish" => {
                    inner.shape = nullable(inner.shape);
                    inner.optional = true;
                }
                "array" => {
                    inner = Zod::of(Shape::Seq(Box::new(named_or_shape(cx, owner, inner, line(node)))));
                }
                "int" => inner.shape = int(),
                "strict" => {
                    if let Some((_, strict)) = &mut inner.object {
                        *strict = true;
                    }
                }
                "passthrough" | "strip" => {
                    if let Some((_, strict)) = &mut inner.object {
                        *strict = false;
                    }
                }
                "partial" => {
                    if let Some((fields, _)) = &mut inner.object {
                        fields.iter_mut().for_each(|f| f.default = true);
                    }
                }
                "required" => {
                    if let Some((fields, _)) = &mut inner.object {
                        fields.iter_mut().for_each(|f| f.default = false);
                    }
                }
                "extend" | "merge" | "and" => {
                    let extra = a.first().and_then(|x| {
                        if x.kind() == "object" {
                            Some(object_fields(cx, owner, *x, depth + 1))
                        } else {
                            zod(cx, owner, *x, depth + 1).and_then(|z| z.object.map(|(f, _)| f))
                        }
                    });
                    match (&mut inner.object, extra) {
                        (Some((fields, _)), Some(extra)) => {
                            fields.retain(|f| !extra.iter().any(|e| e.wire_de == f.wire_de));
                            fields.extend(extra);
                        }
                        _ => {
                            unresolved(
                                cx,
                                owner,
                                node,
                                &format!("`.{method}` of a schema not defined in this file"),
                            );
                            return None;
                        }
                    }
                }
                "pick" | "omit" => {
                    let keys: Vec<String> = a
                        .first()
                        .map(|o| {
                            named_children(*o)
                                .into_iter()
                                .filter_map(|p| p.child_by_field_name("key"))
                                .map(|k| string_value(k, src).unwrap_or_else(|| text(k, src).to_string()))
                                .collect()
                        })
                        .unwrap_or_default();
                    match &mut inner.object {
                        Some((fields, _)) => fields.retain(|f| keys.contains(&f.wire_de) == (method == "pick")),
                        None => {
                            unresolved(
                                cx,
                                owner,
                                node,
                                &format!("`.{method}` of a schema not defined in this file"),
                            );
                            return None;
                        }
                    }
                }
                // Checks and descriptions: the same JSON type.
                _ => {}
            }
            Some(inner)
        }
        _ => None,
    }
}

fn unresolved(cx: &mut Cx<'_>, owner: &str, node: Node<'_>, why: &str) {
    cx.read.unresolved.push(Unresolved {
        type_name: owner.to_string(),
        line: line(node),
        why: why.to_string(),
    });
}

/// An inline object becomes a type named after its place, so that its keys are compared.
/// `at`: the line of the expression, for an object with no keys to point at.
fn named_or_shape(cx: &mut Cx<'_>, owner: &str, z: Zod, at: u32) -> Shape {
    match z.object {
        Some((fields, strict)) if !matches!(z.shape, Shape::Named(_)) => {
            let first = fields.first().map_or(at, |f| f.line);
            let mut t = object(owner, cx.path, first.max(1), fields);
            t.container.deny_unknown_fields = strict;
            cx.read.types.retain(|t| t.name != owner);
            cx.read.types.push(t);
            Shape::Named(owner.to_string())
        }
        _ => z.shape,
    }
}

fn object_fields(cx: &mut Cx<'_>, owner: &str, obj: Node<'_>, depth: u8) -> Vec<Field> {
    let mut fields = Vec::new();
    for pair in named_children(obj) {
        if pair.kind() != "pair" {
            continue;
        }
        let (Some(k), Some(v)) = (pair.child_by_field_name("key"), pair.child_by_field_name("value")) else {
            continue;
        };
        let key = string_value(k, cx.src).unwrap_or_else(|| text(k, cx.src).to_string());
        let here = format!("{owner}.{key}");
        let Some(z) = zod(cx, &here, v, depth + 1) else {
            let mut f = field(&key, Shape::Any, line(pair));
            f.default = true;
            fields.push(f);
            continue;
        };
        let optional = z.optional;
        let shape = named_or_shape(cx, &here, z, line(pair));
        let mut f = field(&key, shape, line(pair));
        f.default = optional;
        f.skip_ser_if = optional;
        fields.push(f);
    }
    fields
}

fn zod_base(cx: &mut Cx<'_>, owner: &str, method: &str, a: &[Node<'_>], node: Node<'_>, depth: u8) -> Option<Zod> {
    let src = cx.src;
    Some(match method {
        "string" | "date" | "email" | "url" | "uuid" | "datetime" => Zod::of(Shape::String),
        "number" => Zod::of(Shape::Float),
        "bigint" => Zod::of(int()),
        "boolean" => Zod::of(Shape::Bool),
        "null" | "undefined" | "void" => Zod::of(Shape::Unit),
        "object" | "strictObject" | "looseObject" => {
            let fields = a
                .first()
                .map(|o| object_fields(cx, owner, *o, depth + 1))
                .unwrap_or_default();
            Zod {
                shape: Shape::Any,
                optional: false,
                object: Some((fields, method == "strictObject")),
            }
        }
        "array" | "set" => {
            let inner = a.first().and_then(|x| zod(cx, owner, *x, depth + 1));
            let shape = inner
                .map(|z| named_or_shape(cx, owner, z, line(node)))
                .unwrap_or(Shape::Any);
            Zod::of(Shape::Seq(Box::new(shape)))
        }
        "record" => {
            let inner = a.last().and_then(|x| zod(cx, owner, *x, depth + 1));
            let shape = inner
                .map(|z| named_or_shape(cx, owner, z, line(node)))
                .unwrap_or(Shape::Any);
            Zod::of(Shape::Map(Box::new(shape)))
        }
        "enum" => {
            let vals: Option<Vec<String>> = a
                .first()
                .filter(|l| l.kind() == "array")
                .and_then(|l| named_children(*l).into_iter().map(|v| string_value(v, src)).collect());
            match vals {
                Some(vals) => Zod::of(cx.literal_type(owner, line(node), vals)),
                None => Zod::of(Shape::String),
            }
        }
        "literal" => match a.first().and_then(|v| string_value(*v, src)) {
            Some(v) => Zod::of(cx.literal_type(owner, line(node), vec![v])),
            None => Zod::of(Shape::Any),
        },
        "nativeEnum" => Zod::of(Shape::Named(
            a.first().map(|e| text(*e, src).to_string()).unwrap_or_default(),
        )),
        _ => Zod::of(Shape::Any),
    })
}

/// Schemas parsed from requests (`S.parse(await req.json())`, tRPC `.input(S)`) are read from
/// clients; tRPC `.output(S)` is written to them.
fn roles(src: &str) -> Vec<(String, Role, String)> {
    let mut out = Vec::new();
    // `params` is the route's path parameters unless the file binds the name itself
    // (`const params = await req.json()`).
    let assigns_params = ["const params", "let params", "var params", "params ="]
        .iter()
        .any(|w| src.contains(w));
    for (i, l) in src.lines().enumerate() {
        for call in [".parse(", ".safeParse(", ".parseAsync(", ".safeParseAsync("] {
            if let Some(at) = l.find(call) {
                let before = &l[..at];
                let name: String = before
                    .chars()
                    .rev()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                let arg = &l[at + call.len()..];
                // Path parameters (`params`, `req.params`, `await props.params`) are named by the
                // route's file or pattern, not sent as keys: renaming one is a new URL, which no
                // JSON contract describes.
                let whole = arg.split([')', ',']).next().unwrap_or("").trim();
                let whole = whole.trim_start_matches("await ").trim();
                if (whole == "params" && !assigns_params) || whole.ends_with(".params") {
                    continue;
                }
                let from_request = [
                    "req",
                    "request",
                    "body",
                    "json()",
                    "searchParams",
                    "query",
                    "params",
                    "formData",
                ]
                .iter()
                .any(|w| arg.contains(w));
                if !name.is_empty() && from_request {
                    out.push((name, Role::WireInput, format!("it parses a request (line {})", i + 1)));
                }
            }
        }
        for (call, role) in [(".input(", Role::WireInput), (".output(", Role::WireOutput)] {
            if let Some(at) = l.find(call) {
                let name: String = l[at + call.len()..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() && name != "z" {
                    out.push((
                        name,
                        role,
                        format!("a tRPC procedure's {} (line {})", &call[1..call.len() - 1], i + 1),
                    ));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyzers::json_shape::serde_model::Body;

    fn fields(read: &Read, name: &str) -> Vec<(String, String, bool)> {
        let t = read.types.iter().find(|t| t.name == name).unwrap();
        let Kind::Struct(Body::Named(fs)) = &t.kind else {
            panic!()
        };
        fs.iter()
            .map(|f| (f.wire_de.clone(), f.shape.describe(), f.default))
            .collect()
    }

    #[test]
    fn interfaces_and_types() {
        let src = "export interface A { a: string; b?: number | null; c: Array<B>; d: 'x' | 'y'; e: { f: string }[] }\nexport type T = { a: string };\nexport type K = 'p' | 'q';\ninterface Private { x: string }\nexport interface Props { a: string; onClose: () => void }\nexport type P = { a: string; render(): void };\n";
        let read = read("a.ts", src).unwrap();
        assert_eq!(
            fields(&read, "A"),
            vec![
                ("a".into(), "string".into(), false),
                ("b".into(), "Option<float>".into(), true),
                ("c".into(), "array of B".into(), false),
                ("d".into(), "A.d".into(), false),
                ("e".into(), "array of A.e".into(), false),
            ]
        );
        assert!(read
            .types
            .iter()
            .any(|t| t.name == "K" && matches!(t.kind, Kind::Enum(_))));
        assert!(!read.types.iter().any(|t| t.name == "Private"));
        assert!(
            !read.types.iter().any(|t| t.name == "Props" || t.name == "P"),
            "a type with functions is code's, not JSON"
        );
    }

    #[test]
    fn extends_before_declaration_and_merging() {
        let src = "export interface Link extends Base { url: string }\nexport interface Base { id: string }\nexport interface Settings { locale: string }\nexport interface Settings { tz?: string }\n";
        let read = read("a.ts", src).unwrap();
        let names: Vec<String> = fields(&read, "Link").into_iter().map(|f| f.0).collect();
        assert_eq!(names, vec!["id", "url"]);
        assert_eq!(fields(&read, "Settings").len(), 2);
        assert_eq!(read.types.iter().filter(|t| t.name == "Settings").count(), 1);
    }

    #[test]
    fn zod_objects_chains_and_extension() {
        let src = "import { z } from 'zod';\nconst Base = z.object({ id: z.string() });\nexport const S = Base.extend({ a: z.string().optional(), b: z.enum(['x', 'y']), n: z.number().int().nullable(), o: z.object({ p: z.boolean() }) }).strict();\nconst R = S.omit({ a: true });\nconst U = Other.pick({ a: true });\n";
        let read = read("a.ts", src).unwrap();
        assert_eq!(
            fields(&read, "S"),
            vec![
                ("id".into(), "string".into(), false),
                ("a".into(), "string".into(), true),
                ("b".into(), "S.b".into(), false),
                ("n".into(), "Option<i64>".into(), false),
                ("o".into(), "S.o".into(), false),
            ]
        );
        assert!(
            read.types
                .iter()
                .find(|t| t.name == "S")
                .unwrap()
                .container
                .deny_unknown_fields
        );
        assert_eq!(fields(&read, "R").len(), 4);
        assert_eq!(read.unresolved[0].type_name, "U");
    }

    #[test]
    fn request_parsing_gives_roles() {
        // Path parameters are no keys a client sends (trigger.dev's Remix routes): no role.
        let src = "const body = CreateLink.parse(await req.json());\nexport const r = t.procedure.input(Filter).query(() => 1);\nconst { runId } = ParamsSchema.parse(params);\nconst p = RouteParams.safeParse(req.params);\nconst q = Query.parse(Object.fromEntries(url.searchParams));\n";
        // A body bound to the name `params` is a request all the same.
        let bound = "const params = await req.json();\nconst body = Create.parse(params);\n";
        assert_eq!(read("b.ts", bound).unwrap().roles.len(), 1);
        let roles: Vec<(String, Role)> = read("a.ts", src)
            .unwrap()
            .roles
            .into_iter()
            .map(|(n, r, _)| (n, r))
            .collect();
        assert_eq!(
            roles,
            vec![
                ("CreateLink".into(), Role::WireInput),
                ("Filter".into(), Role::WireInput),
                ("Query".into(), Role::WireInput)
            ]
        );
    }
}
