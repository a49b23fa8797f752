//! JSON Schema and OpenAPI documents compared as contracts, in both directions: a document
//! valid under the old schema and invalid under the new one breaks readers of old data; the
//! reverse breaks old readers.

use super::documents::DocChange;
use crate::model::Direction;
use crate::model::ShapeChange as SC;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

fn types_of(schema: &Value) -> BTreeSet<String> {
    match schema.get("type") {
        Some(Value::String(s)) => BTreeSet::from([s.clone()]),
        Some(Value::Array(a)) => a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
        _ => BTreeSet::new(),
    }
}

fn string_set(v: Option<&Value>) -> BTreeSet<String> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().map(|x| x.to_string()).collect())
        .unwrap_or_default()
}

fn closed(schema: &Value) -> bool {
    schema.get("additionalProperties") == Some(&Value::Bool(false))
}

/// The documents a comparison's `$ref`s point into, and the pairs of differing references
/// already followed: a recursive schema refers to itself, and each pair is compared once.
struct Roots<'a> {
    old: &'a Value,
    new: &'a Value,
    /// The document's file name: a reference to `openapi.yaml#/…` from `openapi.yaml` is local.
    file: &'a str,
    followed: std::cell::RefCell<std::collections::HashSet<(String, String)>>,
}

/// At most this many pairs of differing references are followed in one document.
const MAX_REFERENCE_PAIRS: usize = 2_000;

/// Keywords that describe a schema, or hold schemas for references, without constraining
/// documents.
const ANNOTATIONS: &[&str] = &[
    "$ref",
    "$comment",
    "$schema",
    "$id",
    "$anchor",
    "$defs",
    "definitions",
    "title",
    "description",
    "examples",
    "example",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
    "externalDocs",
    "xml",
];

/// The JSON pointer a reference names in its own document, if it names one there (`#/a/b`, or
/// `this-file.yaml#/a/b`).
fn local_pointer<'r>(reference: &'r str, file: &str) -> Option<&'r str> {
    let (uri, fragment) = reference.split_once('#')?;
    let name = file.rsplit('/').next().unwrap_or(file);
    (uri.is_empty() || (!name.is_empty() && uri.trim_start_matches("./") == name)).then_some(fragment)
}

/// What `schema` stands for in `root`: itself, or what its local `$ref` points to, through at
/// most 16 references. `None`: a reference that points nowhere here, or too long a chain.
fn target<'a>(root: &'a Value, schema: &'a Value, file: &str) -> Option<&'a Value> {
    let mut at = schema;
    for _ in 0..=16 {
        let Some(reference) = at.get("$ref") else {
            return Some(at);
        };
        at = root.pointer(local_pointer(reference.as_str()?, file)?)?;
    }
    None
}

/// The keys of `keyword` (`required`: the names listed; `properties`: the names declared) of a
/// schema and of the parts it is composed of with `allOf`, references followed in the document.
fn composed(root: &Value, schema: &Value, file: &str, keyword: &str, depth: u8) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = match schema.get(keyword) {
        Some(Value::Object(m)) => m.keys().cloned().collect(),
        Some(v) => string_set(Some(v))
            .into_iter()
            .map(|k| k.trim_matches('"').to_string())
            .collect(),
        None => BTreeSet::new(),
    };
    if depth < 8 {
        for part in schema.get("allOf").and_then(Value::as_array).into_iter().flatten() {
            if let Some(part) = target(root, part, file) {
                out.extend(composed(root, part, file, keyword, depth + 1));
            }
        }
    }
    out
}

/// An object schema composed with `allOf` written as one: its parts' properties and required
/// keys beside its own (other schemas are returned as they are).
fn flattened(root: &Value, schema: &Value, file: &str) -> Value {
    if schema
        .get("allOf")
        .and_then(Value::as_array)
        .is_none_or(|parts| parts.is_empty())
    {
        return schema.clone();
    }
    let mut properties = serde_json::Map::new();
    let mut parts: Vec<&Value> = Vec::new();
    let mut pending: Vec<(&Value, u8)> = vec![(schema, 0)];
    while let Some((s, depth)) = pending.pop() {
        parts.push(s);
        if depth < 8 {
            for part in s.get("allOf").and_then(Value::as_array).into_iter().flatten() {
                if let Some(part) = target(root, part, file) {
                    pending.push((part, depth + 1));
                }
            }
        }
    }
    // Only an object's parts are merged here; other compositions are compared as written.
    if !parts.iter().any(|p| p.get("properties").is_some()) {
        return schema.clone();
    }
    for part in parts.iter().rev() {
        if let Some(p) = part.get("properties").and_then(Value::as_object) {
            properties.extend(p.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
    }
    let mut out = schema.as_object().cloned().unwrap_or_default();
    out.remove("allOf");
    out.insert("type".to_string(), Value::String("object".to_string()));
    out.insert("properties".to_string(), Value::Object(properties));
    let required: Vec<Value> = composed(root, schema, file, "required", 0)
        .into_iter()
        .map(Value::String)
        .collect();
    out.insert("required".to_string(), Value::Array(required));
    Value::Object(out)
}

/// Both directions of a schema change: a document valid under the old schema and invalid
/// under the new one is `reads-old-data`; the reverse is `old-readers`. References within the
/// document (`#/definitions/…`, `#/components/schemas/…`) are followed where they differ.
pub fn schema_changes(old: &Value, new: &Value, path: &str) -> Vec<DocChange> {
    schema_changes_in("", old, new, path)
}

/// `schema_changes` of the document in `file`.
pub fn schema_changes_in(file: &str, old: &Value, new: &Value, path: &str) -> Vec<DocChange> {
    let roots = Roots {
        old,
        new,
        file,
        followed: Default::default(),
    };
    compare(&roots, old, new, path)
}

fn compare(roots: &Roots, old: &Value, new: &Value, path: &str) -> Vec<DocChange> {
    let mut out = Vec::new();
    let mut push = |kind: SC, reads: bool, olds: bool, message: String| {
        let direction = match (reads, olds) {
            (true, true) => Direction::Both,
            (true, false) => Direction::ReadsOldData,
            (false, true) => Direction::OldReaders,
            _ => return,
        };
        out.push(DocChange {
            kind,
            direction,
            path: path.to_string(),
            message,
            unsure: false,
        });
    };
    if old.get("$ref") != new.get("$ref") {
        let name = |s: &Value| {
            s.get("$ref")
                .map_or_else(|| format!("the schema written at {path}"), Value::to_string)
        };
        let pair = (name(old), name(new));
        let refers = |why: &str| DocChange {
            kind: SC::TypeChanged,
            direction: Direction::Both,
            path: path.to_string(),
            message: format!("{path} now refers to {} instead of {}{why}", pair.1, pair.0),
            unsure: false,
        };
        // Keywords beside a `$ref` constrain too (JSON Schema 2019-09 on, OpenAPI 3.1): such a
        // schema is not only what it refers to.
        let beside = |s: &Value| {
            s.get("$ref").is_some()
                && s.as_object()
                    .is_some_and(|m| m.keys().any(|k| !ANNOTATIONS.contains(&k.as_str())))
        };
        // Another name for the same schema (an enum copied under a new name), with the same
        // keywords beside it: nothing a document can hold changes. Annotations (`title`,
        // `description`, …) constrain nothing.
        fn constraints(s: &Value) -> Option<Vec<(&String, &Value)>> {
            s.as_object()
                .map(|m| m.iter().filter(|(k, _)| !ANNOTATIONS.contains(&k.as_str())).collect())
        }
        if let (Some(o), Some(n)) = (target(roots.old, old, roots.file), target(roots.new, new, roots.file)) {
            if constraints(o) == constraints(n) && constraints(old) == constraints(new) {
                return out;
            }
        }
        if beside(old) || beside(new) {
            return vec![refers(", with other keywords beside the reference")];
        }
        fn is_ref(s: &Value) -> Option<&str> {
            s.get("$ref").and_then(Value::as_str)
        }
        let external = |s: &Value| is_ref(s).is_some_and(|r| local_pointer(r, roots.file).is_none());
        if external(old) || external(new) {
            return vec![DocChange {
                unsure: true,
                ..refers(", which riskgate cannot read (another file): compare the two by hand")
            }];
        }
        // A pair of references is followed once (a recursive schema refers to itself); an
        // inline side cannot recur, and its path alone would not name it.
        if is_ref(old).is_some() && is_ref(new).is_some() {
            let mut followed = roots.followed.borrow_mut();
            if followed.contains(&pair) {
                return out;
            }
            if followed.len() >= MAX_REFERENCE_PAIRS {
                return vec![refers(" (too many references to compare them)")];
            }
            followed.insert(pair.clone());
        }
        let (Some(o), Some(n)) = (target(roots.old, old, roots.file), target(roots.new, new, roots.file)) else {
            return vec![refers(", and one of them does not resolve in this document")];
        };
        // Another schema in its place that lacks keys the old one requires: what readers
        // of either side rely on is not there (a response wrapper replaced by what it held).
        // Keys an `allOf` part brings count as the schema's own.
        let required = composed(roots.old, o, roots.file, "required", 0);
        let props = composed(roots.new, n, roots.file, "properties", 0);
        let lacks: Vec<&str> = required
            .iter()
            .map(|k| k.trim_matches('"'))
            .filter(|k| !props.contains(*k))
            .collect();
        if lacks.is_empty() {
            let (o, n) = (flattened(roots.old, o, roots.file), flattened(roots.new, n, roots.file));
            return compare(roots, &o, &n, path);
        }
        push(
            SC::TypeChanged,
            true,
            true,
            format!(
                "{path} now refers to {} instead of {}, which lacks `{}` that the old schema requires",
                pair.1,
                pair.0,
                lacks.join("`, `")
            ),
        );
        return out;
    }
    let (ot, nt) = (types_of(old), types_of(new));
    if !ot.is_empty() && !nt.is_empty() && ot != nt {
        let allows = |set: &BTreeSet<String>, t: &str| set.contains(t) || (t == "integer" && set.contains("number"));
        let narrowed = ot.iter().any(|t| !allows(&nt, t));
        let widened = nt.iter().any(|t| !allows(&ot, t));
        let kind = match (narrowed, widened) {
            (true, false) if ot.contains("null") && !nt.contains("null") => SC::OptionalityTightened,
            (false, true) if nt.contains("null") && !ot.contains("null") => SC::OptionalityLoosened,
            (true, false) => SC::TypeNarrowed,
            (false, true) => SC::TypeWidened,
            _ if ot.contains("array") != nt.contains("array") => SC::CardinalityChanged,
            _ => SC::TypeChanged,
        };
        push(
            kind,
            narrowed,
            widened,
            format!(
                "{path}: type {} → {}",
                ot.iter().cloned().collect::<Vec<_>>().join("|"),
                nt.iter().cloned().collect::<Vec<_>>().join("|")
            ),
        );
    }
    let (oe, ne) = (string_set(old.get("enum")), string_set(new.get("enum")));
    if !oe.is_empty() || !ne.is_empty() {
        let removed: Vec<_> = oe.difference(&ne).cloned().collect();
        let added: Vec<_> = ne.difference(&oe).cloned().collect();
        if !removed.is_empty() && !ne.is_empty() {
            push(
                SC::VariantRemoved,
                true,
                false,
                format!("{path}: enum loses {}", removed.join(", ")),
            );
        }
        if !added.is_empty() && !oe.is_empty() {
            push(
                SC::VariantAdded,
                false,
                true,
                format!("{path}: enum gains {}", added.join(", ")),
            );
        }
    }
    let (or, nr) = (string_set(old.get("required")), string_set(new.get("required")));
    for r in nr.difference(&or) {
        push(
            SC::FieldAddedRequired,
            true,
            false,
            format!("{path}.{} becomes required", r.trim_matches('"')),
        );
    }
    for r in or.difference(&nr) {
        push(
            SC::OptionalityLoosened,
            false,
            true,
            format!("{path}.{} is no longer required", r.trim_matches('"')),
        );
    }
    if !closed(old) && closed(new) {
        push(
            SC::DenyUnknownAdded,
            true,
            false,
            format!("{path} now forbids additional properties"),
        );
    }
    let empty = serde_json::Map::new();
    let op = old.get("properties").and_then(Value::as_object).unwrap_or(&empty);
    let np = new.get("properties").and_then(Value::as_object).unwrap_or(&empty);
    for (k, ov) in op {
        let at = format!("{path}.{k}");
        match np.get(k) {
            Some(nv) => out.extend(compare(roots, ov, nv, &at)),
            None => {
                let was_required = or.contains(&format!("\"{k}\""));
                let (reads, olds) = (closed(new), was_required);
                let d = match (reads, olds) {
                    (true, true) => Some(Direction::Both),
                    (true, false) => Some(Direction::ReadsOldData),
                    (false, true) => Some(Direction::OldReaders),
                    _ => None,
                };
                if let Some(direction) = d {
                    out.push(DocChange {
                        kind: SC::FieldRemoved,
                        direction,
                        path: at.clone(),
                        message: format!("{at} is removed from the schema"),
                        unsure: false,
                    });
                }
            }
        }
    }
    for k in np.keys().filter(|k| !op.contains_key(*k)) {
        if closed(old) {
            out.push(DocChange {
                kind: SC::FieldAddedRequired,
                direction: Direction::OldReaders,
                path: format!("{path}.{k}"),
                message: format!("{path}.{k} is added, and the old schema forbids additional properties"),
                unsure: false,
            });
        }
    }
    if let (Some(oi), Some(ni)) = (old.get("items"), new.get("items")) {
        out.extend(compare(roots, oi, ni, &format!("{path}[]")));
    }
    for key in ["oneOf", "anyOf"] {
        let count = |v: &Value| v.get(key).and_then(Value::as_array).map_or(0, Vec::len);
        if count(old) != count(new) {
            let fewer = count(new) < count(old);
            out.push(DocChange {
                kind: if fewer { SC::VariantRemoved } else { SC::VariantAdded },
                direction: if fewer {
                    Direction::ReadsOldData
                } else {
                    Direction::OldReaders
                },
                path: path.to_string(),
                message: format!(
                    "{path}: {key} has {} alternatives instead of {}",
                    count(new),
                    count(old)
                ),
                unsure: false,
            });
        }
    }
    out
}

/// Every schema of an OpenAPI document: components, request and response bodies; of a Swagger
/// 2.0 one, its `definitions`, `in: body` parameters and responses' schemas.
fn openapi_schemas(doc: &Value) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for (pointer, prefix) in [
        ("/components/schemas", "$.components.schemas"),
        ("/definitions", "$.definitions"),
    ] {
        for (name, s) in doc.pointer(pointer).and_then(Value::as_object).into_iter().flatten() {
            out.insert(format!("{prefix}.{name}"), s.clone());
        }
    }
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (route, ops) in paths {
            for (method, op) in ops.as_object().into_iter().flatten() {
                let body = op
                    .get("parameters")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .find(|p| p.get("in").and_then(Value::as_str) == Some("body"));
                if let Some(s) = body.and_then(|p| p.get("schema")) {
                    out.insert(format!("$.paths.{route}.{method}.request.body"), s.clone());
                }
                if let Some(content) = op.pointer("/requestBody/content").and_then(Value::as_object) {
                    for (mime, c) in content {
                        if let Some(s) = c.get("schema") {
                            out.insert(format!("$.paths.{route}.{method}.request.{mime}"), s.clone());
                        }
                    }
                }
                for (status, resp) in op.get("responses").and_then(Value::as_object).into_iter().flatten() {
                    if let Some(s) = resp.get("schema") {
                        out.insert(format!("$.paths.{route}.{method}.{status}"), s.clone());
                    }
                    for (mime, c) in resp.get("content").and_then(Value::as_object).into_iter().flatten() {
                        if let Some(s) = c.get("schema") {
                            out.insert(format!("$.paths.{route}.{method}.{status}.{mime}"), s.clone());
                        }
                    }
                }
            }
        }
    }
    out
}

/// The component schemas the paths use (`requests`: only what a request can carry, its
/// `requestBody` and `parameters`), with what those refer to, transitively.
fn used_components(doc: &Value, requests: bool) -> BTreeSet<String> {
    // Every string that points at a schema: `$ref`, and a discriminator's `mapping` values.
    fn refs(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => map.values().for_each(|v| refs(v, out)),
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            Value::String(r) => {
                if let Some(name) = r
                    .strip_prefix("#/components/schemas/")
                    .or_else(|| r.strip_prefix("#/definitions/"))
                {
                    out.push(name.to_string());
                }
            }
            _ => {}
        }
    }
    let mut todo = Vec::new();
    for path_item in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|p| p.values())
    {
        if !requests {
            refs(path_item, &mut todo);
            continue;
        }
        if let Some(v) = path_item.get("parameters") {
            refs(v, &mut todo);
        }
        for op in path_item.as_object().into_iter().flat_map(|o| o.values()) {
            // A callback's responses are written by the client too.
            for key in ["requestBody", "parameters", "callbacks"] {
                if let Some(v) = op.get(key) {
                    refs(v, &mut todo);
                }
            }
        }
    }
    // Shared request bodies and parameters, or (for every use) the response and body sections.
    let sections: &[&str] = if requests {
        &["requestBodies", "parameters"]
    } else {
        &["requestBodies", "parameters", "responses"]
    };
    for key in sections {
        // Swagger 2.0 keeps shared parameters and responses at the top.
        for pointer in [format!("/components/{key}"), format!("/{key}")] {
            if let Some(v) = doc.pointer(&pointer) {
                refs(v, &mut todo);
            }
        }
    }
    let mut seen = BTreeSet::new();
    while let Some(name) = todo.pop() {
        if seen.insert(name.clone()) {
            if let Some(s) = doc
                .pointer(&format!("/components/schemas/{name}"))
                .or_else(|| doc.pointer(&format!("/definitions/{name}")))
            {
                refs(s, &mut todo);
            }
        }
    }
    seen
}

pub fn openapi_changes(old: &Value, new: &Value) -> Vec<DocChange> {
    openapi_changes_in("", old, new)
}

/// `openapi_changes` of the document in `file`.
pub fn openapi_changes_in(file: &str, old: &Value, new: &Value) -> Vec<DocChange> {
    let (o, n) = (openapi_schemas(old), openapi_schemas(new));
    let requests: BTreeSet<String> = used_components(old, true)
        .into_iter()
        .chain(used_components(new, true))
        .collect();
    let used: BTreeSet<String> = used_components(old, false)
        .into_iter()
        .chain(used_components(new, false))
        .collect();
    // What only the server writes (a response): a stricter schema promises clients more and
    // breaks no reader. A component no path uses keeps both directions.
    let written_only = |path: &str| match path
        .strip_prefix("$.components.schemas.")
        .or_else(|| path.strip_prefix("$.definitions."))
    {
        Some(name) => used.contains(name) && !requests.contains(name),
        None => !path.contains(".request."),
    };
    let mut out = Vec::new();
    for (path, os) in &o {
        if let Some(ns) = n.get(path) {
            // Followed references are remembered per path: a request and a response that
            // share one are judged differently.
            let roots = Roots {
                old,
                new,
                file,
                followed: Default::default(),
            };
            let mut changes = compare(&roots, os, ns, path);
            // A change both ways (string → array) still breaks the clients that read it.
            if written_only(path) {
                changes.retain(|c| c.direction != Direction::ReadsOldData);
            }
            out.extend(changes);
        }
    }
    out
}
