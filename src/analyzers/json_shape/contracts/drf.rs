//! Django REST Framework serializers: `Meta.fields` (literal lists, `+` of them), declared
//! fields and their options (`read_only`, `write_only`, `required`, `default`, `allow_null`,
//! `many`), `read_only_fields` and `extra_kwargs`. What a model decides (the JSON type of a
//! field the serializer does not declare) is not in the file and is compared by name only.

use super::model::{field, int, nullable, object};
use super::python::{call_name, is_true, keyword, last_segment, Base, Class};
use super::syntax::{line, named_children, string_value, text, MAX_DEPTH};
use super::{Read, Unresolved};
use crate::analyzers::json_shape::serde_model::{Field, Shape};
use std::collections::BTreeSet;
use tree_sitter::Node;

/// Why a serializer is taken for both a request and a response when no use of it says which.
pub const FAMILY_ROLE: &str = "a Django REST Framework serializer: the API's requests and responses";

/// What a use of a serializer says of its direction; the roles such uses give replace
/// `FAMILY_ROLE`'s guess (`api-type-changed`).
pub const USE_ROLE: &str = "used by a view as its";

/// Views' uses of serializers that say which way the JSON goes: `write_serializer_class = S`,
/// `S(data=…)` and drf-spectacular's `extend_schema(request=S)` read requests;
/// `read_serializer_class = S` and `responses=S` write responses; `serializer_class = S` both.
pub fn uses(src: &str) -> Vec<(String, super::Role, String)> {
    use super::Role::{WireInput, WireOutput};
    let ident = |s: &str| -> String { s.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect() };
    let mut out = Vec::new();
    for (i, l) in src.lines().enumerate() {
        let l = l.trim();
        let mut push = |name: String, role, what: &str| {
            if name.chars().next().is_some_and(char::is_uppercase) {
                out.push((name, role, format!("{USE_ROLE} {what} (line {})", i + 1)));
            }
        };
        for (prefix, roles, what) in [
            ("write_serializer_class = ", &[WireInput][..], "request serializer"),
            ("read_serializer_class = ", &[WireOutput][..], "response serializer"),
            ("serializer_class = ", &[WireInput, WireOutput][..], "serializer"),
        ] {
            if let Some(rest) = l.strip_prefix(prefix) {
                for role in roles {
                    push(ident(rest), *role, what);
                }
            }
        }
        for (key, role, what) in [
            ("request=", WireInput, "documented request"),
            ("responses=", WireOutput, "documented response"),
        ] {
            for (at, _) in l.match_indices(key) {
                let before = l[..at].chars().next_back();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    continue;
                }
                let rest = &l[at + key.len()..];
                // `responses={200: S, 404: E}`: each value.
                if let Some(map) = rest.strip_prefix('{') {
                    let map = map.split('}').next().unwrap_or("");
                    for (_, value) in map.split(',').filter_map(|kv| kv.split_once(':')) {
                        push(ident(value.trim()), role, what);
                    }
                } else {
                    push(ident(rest), role, what);
                }
            }
        }
        // `S(instance).data`, `S(rows, many=True).data`: written to a response.
        if let Some(at) = l.find(").data").filter(|_| !l.contains("(data=")) {
            if let Some(open) = l[..at].rfind('(') {
                push(
                    called_before(l, open),
                    WireOutput,
                    "response serializer (its data is returned)",
                );
            }
        }
        if let Some(at) = l.find("(data=") {
            push(
                called_before(l, at),
                WireInput,
                "request serializer (it validates request data)",
            );
        }
    }
    out
}

/// The name called at `open`, the byte of its `(`: `S` in `Response(S(obj).data)`.
fn called_before(line: &str, open: usize) -> String {
    let name: Vec<char> = line[..open]
        .chars()
        .rev()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    name.into_iter().rev().collect()
}

/// A value whose JSON type is not in the file (a model field, a method's result): compared
/// by name only, so a change of it is a hint.
fn unknown_value() -> Shape {
    Shape::Named("a value typed outside this file".to_string())
}

/// DRF field classes and the JSON they write.
fn drf_shape(class: &str) -> Shape {
    match class {
        "IntegerField" | "PrimaryKeyRelatedField" | "BigIntegerField" => int(),
        "FloatField" => Shape::Float,
        "BooleanField" | "NullBooleanField" => Shape::Bool,
        "ListField" | "MultipleChoiceField" => Shape::Seq(Box::new(Shape::Any)),
        "DictField" | "HStoreField" => Shape::Map(Box::new(Shape::Any)),
        "JSONField" => Shape::Any,
        // DRF's fields that write a string (a decimal too, by default).
        "CharField"
        | "EmailField"
        | "RegexField"
        | "SlugField"
        | "URLField"
        | "UUIDField"
        | "FilePathField"
        | "IPAddressField"
        | "GenericIPAddressField"
        | "DateTimeField"
        | "DateField"
        | "TimeField"
        | "DurationField"
        | "DecimalField"
        | "FileField"
        | "ImageField"
        | "HyperlinkedRelatedField"
        | "HyperlinkedIdentityField"
        | "SlugRelatedField"
        | "StringRelatedField" => Shape::String,
        c if c.ends_with("Serializer") => Shape::Named(c.to_string()),
        // Computed by code, or typed by the model, the choices (a `ChoiceField` writes its keys,
        // integers as often as strings) or a field class of the project's own: what it writes
        // is not in this file.
        c if c.ends_with("Field") => unknown_value(),
        _ => Shape::Any,
    }
}

/// A tuple or list of strings, with `+` between them; `None` when any part is computed.
fn string_list(node: Node<'_>, src: &str, depth: u8) -> Option<Vec<String>> {
    if depth > MAX_DEPTH {
        return None;
    }
    match node.kind() {
        "tuple" | "list" => named_children(node).into_iter().map(|n| string_value(n, src)).collect(),
        "parenthesized_expression" => string_list(node.named_child(0)?, src, depth + 1),
        "binary_operator" => {
            let mut l = string_list(node.child_by_field_name("left")?, src, depth + 1)?;
            l.extend(string_list(node.child_by_field_name("right")?, src, depth + 1)?);
            Some(l)
        }
        _ => None,
    }
}

pub(super) fn read_serializer(path: &str, c: &Class<'_>, src: &str, external: &[Base], read: &mut Read) {
    let mut declared: Vec<Field> = Vec::new();
    let mut meta_fields: Option<Vec<String>> = None;
    let mut computed: Option<String> = None;
    let mut read_only: BTreeSet<String> = BTreeSet::new();
    let mut extra_kwargs: Vec<(String, String)> = Vec::new();
    // Declared fields of serializers this one derives from, in this module or another.
    for b in &c.bases {
        if let Some(base) = external.iter().find(|x| x.name == last_segment(b)) {
            declared.extend(base.fields.iter().cloned());
        }
        if let Some(t) = read.types.iter().find(|t| t.name == last_segment(b)) {
            declared.extend(super::model::fields_of(t).iter().cloned());
        }
    }
    for stmt in named_children(c.body) {
        if stmt.kind() == "class_definition" && stmt.child_by_field_name("name").is_some_and(|n| text(n, src) == "Meta")
        {
            let Some(body) = stmt.child_by_field_name("body") else {
                continue;
            };
            for m in named_children(body) {
                let Some(a) = m.named_child(0).filter(|a| a.kind() == "assignment") else {
                    continue;
                };
                let (Some(l), Some(r)) = (a.child_by_field_name("left"), a.child_by_field_name("right")) else {
                    continue;
                };
                match text(l, src) {
                    "fields" => match string_value(r, src) {
                        Some(all) if all == "__all__" => {
                            computed = Some("`fields = '__all__'` takes every model field".into())
                        }
                        _ => match string_list(r, src, 0) {
                            Some(list) => meta_fields = Some(list),
                            None => computed = Some("its `Meta.fields` is computed".into()),
                        },
                    },
                    "exclude" => computed = Some("its fields are the model's minus `Meta.exclude`".into()),
                    "read_only_fields" => read_only.extend(string_list(r, src, 0).unwrap_or_default()),
                    "extra_kwargs" if r.kind() == "dictionary" => {
                        for pair in named_children(r).into_iter().filter(|p| p.kind() == "pair") {
                            let (Some(k), Some(v)) =
                                (pair.child_by_field_name("key"), pair.child_by_field_name("value"))
                            else {
                                continue;
                            };
                            if let Some(k) = string_value(k, src) {
                                extra_kwargs.push((k, text(v, src).replace(' ', "")));
                            }
                        }
                    }
                    _ => {}
                }
            }
            continue;
        }
        let Some(a) = stmt.named_child(0).filter(|a| a.kind() == "assignment") else {
            continue;
        };
        let (Some(l), Some(r)) = (a.child_by_field_name("left"), a.child_by_field_name("right")) else {
            continue;
        };
        if l.kind() != "identifier" || r.kind() != "call" {
            continue;
        }
        let name = text(l, src);
        let class = last_segment(call_name(r, src));
        if !(class.ends_with("Field") || class.ends_with("Serializer")) || class == "HiddenField" {
            continue;
        }
        let mut shape = drf_shape(class);
        if let (Some(child), true) = (keyword(r, src, "child"), class == "ListField") {
            if child.kind() == "call" {
                shape = Shape::Seq(Box::new(drf_shape(last_segment(call_name(child, src)))));
            }
        }
        if is_true(keyword(r, src, "many"), src) {
            shape = Shape::Seq(Box::new(shape));
        }
        if is_true(keyword(r, src, "allow_null"), src) {
            shape = nullable(shape);
        }
        let mut f = field(name, shape, line(stmt));
        f.skip_de =
            is_true(keyword(r, src, "read_only"), src) || class == "SerializerMethodField" || class == "ReadOnlyField";
        f.skip_ser = is_true(keyword(r, src, "write_only"), src);
        f.default = keyword(r, src, "required").is_some_and(|v| text(v, src) == "False")
            || keyword(r, src, "default").is_some();
        declared.retain(|d| d.rust != name);
        declared.push(f);
    }
    let mut fields = match &meta_fields {
        // Meta.fields is the list; what it names but does not declare comes from the model,
        // whose JSON type and requiredness are not in this file.
        Some(list) => list
            .iter()
            .map(|name| {
                declared.iter().find(|d| d.rust == *name).cloned().unwrap_or_else(|| {
                    let mut f = field(name, unknown_value(), c.line);
                    f.default = true;
                    f
                })
            })
            .collect(),
        None => declared,
    };
    for f in &mut fields {
        if read_only.contains(&f.rust) {
            f.skip_de = true;
        }
        for (k, v) in &extra_kwargs {
            if *k == f.rust {
                f.skip_de |= v.contains("'read_only':True") || v.contains("\"read_only\":True");
                f.skip_ser |= v.contains("'write_only':True") || v.contains("\"write_only\":True");
                f.default |= v.contains("'required':False") || v.contains("\"required\":False");
            }
        }
    }
    // Keys the file does not list are not compared: every declared one would look removed.
    if let Some(why) = computed {
        read.unresolved.push(Unresolved {
            type_name: c.name.clone(),
            line: c.line,
            why,
        });
        return;
    }
    read.types.push(object(&c.name, path, c.line, fields));
}
