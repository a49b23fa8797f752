//! Go's JSON types: structs whose fields carry `json:"…"` tags, as `encoding/json` reads and
//! writes them (exported fields only, `-` hides, `omitempty` may leave out, pointers may be
//! null, untagged embedded structs put their fields inline).

use super::model::{field, int, nullable, object};
use super::syntax::{self, line, named_children, string_value, text, Grammar, MAX_DEPTH};
use super::Read;
use crate::analyzers::json_shape::roles::Role;
use crate::analyzers::json_shape::serde_model::Shape;
use std::collections::BTreeMap;
use tree_sitter::Node;

fn shape_of(ty: Node<'_>, src: &str, depth: u8) -> Shape {
    if depth > MAX_DEPTH {
        return Shape::Any;
    }
    let child = |name: &str| ty.child_by_field_name(name);
    match ty.kind() {
        "pointer_type" => ty
            .named_child(0)
            .map(|t| nullable(shape_of(t, src, depth + 1)))
            .unwrap_or(Shape::Any),
        "slice_type" | "array_type" => {
            let element = child("element")
                .map(|e| shape_of(e, src, depth + 1))
                .unwrap_or(Shape::Any);
            // `[]byte` is written as a base64 string.
            if element == (Shape::Int { signed: false, bits: 8 }) {
                Shape::String
            } else {
                Shape::Seq(Box::new(element))
            }
        }
        "map_type" => Shape::Map(Box::new(
            child("value")
                .map(|v| shape_of(v, src, depth + 1))
                .unwrap_or(Shape::Any),
        )),
        "interface_type" | "struct_type" => Shape::Any,
        "qualified_type" | "type_identifier" | "generic_type" => {
            let name = text(ty, src);
            let name = name.split('[').next().unwrap_or(name);
            match name.rsplit('.').next().unwrap_or(name) {
                "string" => Shape::String,
                "bool" => Shape::Bool,
                "byte" | "uint8" => Shape::Int { signed: false, bits: 8 },
                "int" | "int8" | "int16" | "int32" | "int64" | "uint" | "uint16" | "uint32" | "uint64" | "rune" => {
                    int()
                }
                "float32" | "float64" => Shape::Float,
                "Time" | "Duration" if name.contains('.') => Shape::String,
                "RawMessage" | "any" => Shape::Any,
                "UUID" => Shape::String,
                short => Shape::Named(short.to_string()),
            }
        }
        _ => Shape::Any,
    }
}

/// The `json` key of a struct tag: (name, options); `None` when the tag has no `json` key.
fn json_tag(tag: &str) -> Option<(String, Vec<String>)> {
    let i = tag.find("json:\"")?;
    let rest = &tag[i + 6..];
    let value = &rest[..rest.find('"')?];
    let mut parts = value.split(',');
    let name = parts.next().unwrap_or("").to_string();
    Some((name, parts.map(str::to_string).collect()))
}

/// The JSON keys of a struct's fields, whether any carries a `json` tag, and whether any
/// carries a database column tag; anonymous structs inside become types of their own.
fn struct_fields(
    path: &str,
    owner: &str,
    ty: Node<'_>,
    src: &str,
    read: &mut Read,
    depth: u8,
) -> Option<(Vec<crate::analyzers::json_shape::serde_model::Field>, bool, bool)> {
    let list = named_children(ty)
        .into_iter()
        .find(|n| n.kind() == "field_declaration_list")?;
    let mut fields = Vec::new();
    let mut tagged = false;
    let mut row = false;
    for decl in named_children(list)
        .into_iter()
        .filter(|d| d.kind() == "field_declaration")
    {
        let Some(fty) = decl.child_by_field_name("type") else {
            continue;
        };
        let tag = decl
            .child_by_field_name("tag")
            .and_then(|t| string_value(t, src).or_else(|| Some(text(t, src).trim_matches('`').to_string())))
            .unwrap_or_default();
        row |= tag.contains("xorm:") || tag.contains("gorm:") || tag.contains("db:") || tag.contains("bun:");
        let json = json_tag(&tag);
        tagged |= json.is_some();
        // An untagged field bound to a query, path or form parameter is not a JSON key.
        if json.is_none()
            && ["query:", "param:", "form:", "uri:", "header:", "url:"]
                .iter()
                .any(|t| tag.contains(t))
        {
            continue;
        }
        let (key, options) = json.unwrap_or_default();
        if key == "-" && options.is_empty() {
            continue;
        }
        let names: Vec<String> = {
            let mut cursor = decl.walk();
            decl.children_by_field_name("name", &mut cursor)
                .map(|n| text(n, src).to_string())
                .collect()
        };
        let mut shape = if fty.kind() == "struct_type" && depth < MAX_DEPTH {
            // An anonymous struct is an object of its own, named after its place.
            let owner = format!("{owner}.{}", if key.is_empty() { "-" } else { &key });
            let (inner, _, _) = struct_fields(path, &owner, fty, src, read, depth + 1).unwrap_or_default();
            read.types.push(object(&owner, path, line(fty), inner));
            Shape::Named(owner)
        } else {
            shape_of(fty, src, 0)
        };
        if options.iter().any(|o| o == "string") {
            shape = Shape::String;
        }
        let omitempty = options.iter().any(|o| o == "omitempty" || o == "omitzero");
        if names.is_empty() {
            // Embedded: its fields are inline unless a tag names it.
            let mut f = field(
                if key.is_empty() {
                    text(fty, src).trim_start_matches('*')
                } else {
                    &key
                },
                shape,
                line(decl),
            );
            f.flatten = key.is_empty();
            f.default = true;
            fields.push(f);
            continue;
        }
        for n in names {
            if !n.starts_with(|c: char| c.is_uppercase()) {
                continue;
            }
            let wire = if key.is_empty() { n.clone() } else { key.clone() };
            let mut f = field(&wire, shape.clone(), line(decl));
            f.rust = n;
            // encoding/json never requires a key; a missing one leaves the zero value.
            f.default = true;
            f.skip_ser_if = omitempty;
            fields.push(f);
        }
    }
    Some((fields, tagged, row))
}

/// The JSON types of one Go file: structs with at least one `json` tag.
pub fn read(path: &str, src: &str) -> Result<Read, String> {
    let tree = syntax::parse(Grammar::Go, src)?;
    let root = tree.root_node();
    let mut read = Read::default();
    for decl in named_children(root)
        .into_iter()
        .filter(|d| d.kind() == "type_declaration")
    {
        for spec in named_children(decl).into_iter().filter(|s| s.kind() == "type_spec") {
            let (Some(name), Some(ty)) = (spec.child_by_field_name("name"), spec.child_by_field_name("type")) else {
                continue;
            };
            if ty.kind() != "struct_type" {
                continue;
            }
            let name = text(name, src);
            if let Some((fields, tagged, row)) = struct_fields(path, name, ty, src, &mut read, 0) {
                if tagged {
                    let mut t = object(name, path, line(spec), fields);
                    t.row = row;
                    read.types.push(t);
                }
            }
        }
    }
    let dir = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    read.roles.extend(roles(root, src, dir));
    Ok(read)
}

/// Within each function: which local variables hold which struct, and whether they are decoded
/// from a request (`Decode(&v)`, `Bind(&v)`, `ShouldBindJSON(&v)`) or written to a response
/// (`Encode(v)`, `c.JSON(code, v)`).
/// A Go type is its package's: a role is keyed `DIR::T` for an unqualified `T` of the file's
/// directory, and `*PKG::T` for a qualified `pkg.T` (any directory named `pkg`).
pub fn scoped(dir: &str, ty: &str) -> String {
    match ty.rsplit_once('.') {
        Some((pkg, t)) => format!("*{}::{t}", pkg.rsplit('.').next().unwrap_or(pkg)),
        None => format!("{dir}::{ty}"),
    }
}

/// The keys a role of the Go type `name` declared in `file` may be found under.
pub fn scope_keys(file: &str, name: &str) -> [String; 2] {
    let dir = file.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    let pkg = dir.rsplit('/').next().unwrap_or(dir);
    [format!("{dir}::{name}"), format!("*{pkg}::{name}")]
}

fn roles(root: Node<'_>, src: &str, dir: &str) -> Vec<(String, Role, String)> {
    let mut out = Vec::new();
    for f in named_children(root)
        .into_iter()
        .filter(|f| matches!(f.kind(), "function_declaration" | "method_declaration"))
    {
        let name = f.child_by_field_name("name").map(|n| text(n, src)).unwrap_or("");
        let body = text(f, src);
        let mut vars: BTreeMap<String, String> = BTreeMap::new();
        let words: Vec<&str> = body
            .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '&' || c == '{' || c == '*' || c == '.'))
            .filter(|w| !w.is_empty())
            .collect();
        // `var v T`, `v := T{`, `v := &T{`, `v := new(T)`.
        for w in words.windows(3) {
            if w[0] == "var" {
                vars.insert(
                    w[1].to_string(),
                    w[2].trim_start_matches(['*', '&']).trim_end_matches('{').to_string(),
                );
            }
        }
        for l in body.lines() {
            if let Some((lhs, rhs)) = l.split_once(":=") {
                let var = lhs.trim().rsplit(',').next().unwrap_or("").trim();
                let rhs = rhs.trim().trim_start_matches('&');
                let ty = rhs
                    .strip_prefix("new(")
                    .map(|r| r.trim_end_matches(')'))
                    .or_else(|| rhs.split_once('{').map(|(t, _)| t))
                    .unwrap_or("");
                if !ty.is_empty() && ty.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '.') {
                    vars.insert(var.to_string(), ty.to_string());
                }
            }
        }
        let mut mark = |var: &str, role: Role, how: &str| {
            if let Some(ty) = vars.get(var) {
                out.push((scoped(dir, ty), role, format!("{how} in `{name}` (line {})", line(f))));
            }
        };
        for l in body.lines() {
            for (call, role) in [
                ("Decode(&", Role::WireInput),
                ("Bind(&", Role::WireInput),
                ("BindJSON(&", Role::WireInput),
                ("ShouldBindJSON(&", Role::WireInput),
                ("Encode(", Role::WireOutput),
                (".JSON(", Role::WireOutput),
            ] {
                // Only JSON: a YAML or gob decoder reads files, not requests.
                let json =
                    l.contains("json.") || l.contains(".Body") || call.contains("JSON") || call.starts_with("Bind");
                if let (Some(i), true) = (l.find(call), json) {
                    let args = &l[i + call.len()..];
                    let arg = args.split(')').next().unwrap_or("");
                    let var = arg.rsplit(',').next().unwrap_or("").trim().trim_start_matches('&');
                    let how = if role == Role::WireInput {
                        "decoded from a request"
                    } else {
                        "written as JSON"
                    };
                    mark(var, role, how);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyzers::json_shape::serde_model::{Body, Kind};

    #[test]
    fn tags_pointers_embedding_and_hidden_fields() {
        let src = "package m\ntype A struct {\n\tB\n\tName string `json:\"name,omitempty\" xorm:\"x\"`\n\tP *int64 `json:\"p\"`\n\tHidden string `json:\"-\"`\n\tlower string `json:\"lower\"`\n\tM map[string][]T\n\tQ string `query:\"q\"`\n\tID int64 `json:\"id,string\"`\n}\ntype Plain struct { X int }\n";
        let read = read("a.go", src).unwrap();
        assert_eq!(read.types.len(), 1, "a struct with no json tag is not a JSON type");
        let t = &read.types[0];
        assert!(t.row);
        let Kind::Struct(Body::Named(fs)) = &t.kind else {
            panic!()
        };
        let got: Vec<(String, String, bool, bool)> = fs
            .iter()
            .map(|f| (f.wire_ser.clone(), f.shape.describe(), f.flatten, f.skip_ser_if))
            .collect();
        assert_eq!(
            got,
            vec![
                ("B".into(), "B".into(), true, false),
                ("name".into(), "string".into(), false, true),
                ("p".into(), "Option<i64>".into(), false, false),
                ("M".into(), "map of array of T".into(), false, false),
                ("id".into(), "string".into(), false, false),
            ]
        );
    }

    #[test]
    fn handlers_give_roles() {
        let src = "package m\nfunc Create(w http.ResponseWriter, r *http.Request) {\n\tvar in CreateReq\n\tjson.NewDecoder(r.Body).Decode(&in)\n\tout := &Resp{}\n\tjson.NewEncoder(w).Encode(out)\n}\n";
        let roles: Vec<(String, Role)> = read("a.go", src)
            .unwrap()
            .roles
            .into_iter()
            .map(|(n, r, _)| (n, r))
            .collect();
        assert_eq!(
            roles,
            vec![
                ("::CreateReq".into(), Role::WireInput),
                ("::Resp".into(), Role::WireOutput)
            ]
        );
        let yaml = "package m\nfunc Load(f *os.File) {\n\tvar c Config\n\tyaml.NewDecoder(f).Decode(&c)\n}\n";
        assert!(
            read("a.go", yaml).unwrap().roles.is_empty(),
            "a YAML decoder reads no request"
        );
    }
}
