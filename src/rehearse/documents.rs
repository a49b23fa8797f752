//! JSON documents for the synthetic rows of a JSON column: the stored samples `[[shapes]]`
//! names when the base has them, else documents written from the serde type `[[json_column]]`
//! stores there, so that a migration that reshapes the documents meets the keys it expects.

use crate::analyzers::json_shape::serde_model::{Body, Field, Kind, SerdeType, Shape};
use crate::config::Config;
use crate::diff::git::{PolicyBytes, Repo};
use crate::shapes::Model;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// At most this many documents per column, each at most this long.
const MAX_DOCUMENTS: usize = 20;
const MAX_DOCUMENT: usize = 64 * 1024;
/// A sample file is read up to this size.
const MAX_SAMPLE_FILE: u64 = 4 * 1024 * 1024;

/// Where one JSON column's synthetic documents came from.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct DocumentSource {
    /// `table.column`.
    pub column: String,
    pub source: String,
    pub documents: usize,
}

/// The documents for each `[[json_column]]` of the policy, read at `rev` (the base).
pub fn for_columns(repo: &Repo, config: &Config, rev: &str) -> (BTreeMap<String, Vec<String>>, Vec<DocumentSource>) {
    let mut documents = BTreeMap::new();
    let mut sources = Vec::new();
    for jc in &config.json_column {
        let table = jc.table.strip_prefix("public.").unwrap_or(&jc.table);
        let column = format!("{table}.{}", jc.column);
        let name = jc.type_name.rsplit("::").next().unwrap_or(&jc.type_name).trim();
        let spec_of_shapes = config
            .shapes
            .iter()
            .find(|s| s.type_spec.rsplit("::").next() == Some(name));
        let (docs, source) = match spec_of_shapes
            .and_then(|s| s.sample.as_deref())
            .map(|p| (p, samples(repo, rev, p)))
        {
            Some((path, Ok(docs))) if !docs.is_empty() => (docs, format!("the samples in {path}")),
            _ => {
                let spec = if jc.type_name.contains(".rs::") {
                    Some(jc.type_name.clone())
                } else {
                    spec_of_shapes
                        .map(|s| s.type_spec.clone())
                        .or_else(|| find_type(repo, rev, name))
                };
                match spec.map(|spec| crate::shapes::source::load_model(repo, rev, &spec).map(|(m, _)| (m, spec))) {
                    Some(Ok((model, spec))) => {
                        let docs: Vec<String> = from_type(&model, 10).iter().map(Value::to_string).collect();
                        (docs, format!("written from {spec}"))
                    }
                    Some(Err(e)) => (Vec::new(), format!("generic documents: {name} could not be read ({e})")),
                    None => (
                        Vec::new(),
                        format!("generic documents: no serde type {name} in the base"),
                    ),
                }
            }
        };
        sources.push(DocumentSource {
            column: column.clone(),
            source,
            documents: docs.len(),
        });
        if !docs.is_empty() {
            documents.insert(column, docs);
        }
    }
    (documents, sources)
}

/// The first records of a JSON Lines file or JSON array of the tree, each bounded.
fn samples(repo: &Repo, rev: &str, path: &str) -> anyhow::Result<Vec<String>> {
    crate::policy::check_relative(path).map_err(|e| anyhow::anyhow!("{e}"))?;
    let bytes = match repo.regular_file_at(rev, path, MAX_SAMPLE_FILE)? {
        PolicyBytes::Bytes(b) => b,
        PolicyBytes::Absent => anyhow::bail!("{path} is not in the base"),
        PolicyBytes::Refused(why) => anyhow::bail!("{why}"),
    };
    let text = String::from_utf8_lossy(&bytes);
    let records: Vec<Value> = match serde_json::from_str::<Value>(&text) {
        Ok(Value::Array(items)) => items,
        _ => text.lines().filter_map(|l| serde_json::from_str(l).ok()).collect(),
    };
    Ok(records
        .iter()
        .map(Value::to_string)
        .filter(|d| d.len() <= MAX_DOCUMENT)
        .take(MAX_DOCUMENTS)
        .collect())
}

/// `path.rs::Name` for the first Rust file of the tree that declares the type.
fn find_type(repo: &Repo, rev: &str, name: &str) -> Option<String> {
    let declared = [format!("struct {name}"), format!("enum {name}")];
    repo.files_at(rev)
        .ok()?
        .into_iter()
        .filter(|f| f.path.ends_with(".rs"))
        .find(|f| {
            f.text
                .get()
                .is_some_and(|t| declared.iter().any(|d| t.contains(d.as_str())))
        })
        .map(|f| format!("{}::{name}", f.path))
}

/// Documents written from a type: `n` variants (optional fields present or null, each enum
/// variant in turn), as serde would serialize them.
pub fn from_type(model: &Model, n: usize) -> Vec<Value> {
    let Some(root) = model.types.get(&model.root) else {
        return Vec::new();
    };
    (0..n).map(|i| of_type(model, root, i, 0)).collect()
}

/// Nesting deeper than this (a recursive type) ends in `null`.
const MAX_DEPTH: usize = 8;

fn of_type(model: &Model, t: &SerdeType, i: usize, depth: usize) -> Value {
    if depth > MAX_DEPTH || t.hand_written.is_some() || t.container.proxy.is_some() {
        return Value::Null;
    }
    match &t.kind {
        Kind::Struct(body) if t.container.transparent => match body {
            Body::Named(f) | Body::Tuple(f) => f.first().map_or(Value::Null, |f| of_shape(model, &f.shape, i, depth)),
            Body::Unit => Value::Null,
        },
        Kind::Struct(body) => of_body(model, body, i, depth),
        Kind::Enum(variants) => {
            let live: Vec<_> = variants.iter().filter(|v| !v.other).collect();
            let Some(v) = live.get(i % live.len().max(1)) else {
                return Value::Null;
            };
            let body = of_body(model, &v.body, i, depth);
            let name = Value::String(v.wire_ser.clone());
            let c = &t.container;
            match (&c.tag, &c.content, c.untagged || v.untagged) {
                (_, _, true) => body,
                (Some(tag), Some(content), _) => {
                    let mut m = Map::new();
                    m.insert(tag.clone(), name);
                    if !matches!(v.body, Body::Unit) {
                        m.insert(content.clone(), body);
                    }
                    Value::Object(m)
                }
                (Some(tag), None, _) => {
                    let mut m = match body {
                        Value::Object(m) => m,
                        _ => Map::new(),
                    };
                    m.insert(tag.clone(), name);
                    Value::Object(m)
                }
                (None, _, _) if matches!(v.body, Body::Unit) => name,
                (None, _, _) => {
                    let mut m = Map::new();
                    m.insert(v.wire_ser.clone(), body);
                    Value::Object(m)
                }
            }
        }
    }
}

fn of_body(model: &Model, body: &Body, i: usize, depth: usize) -> Value {
    match body {
        Body::Unit => Value::Null,
        Body::Tuple(fields) if fields.len() == 1 => of_shape(model, &fields[0].shape, i, depth),
        Body::Tuple(fields) => Value::Array(fields.iter().map(|f| of_shape(model, &f.shape, i, depth)).collect()),
        Body::Named(fields) => {
            let mut m = Map::new();
            for f in fields.iter().filter(|f| !f.skip_ser) {
                field(model, f, i, depth, &mut m);
            }
            Value::Object(m)
        }
    }
}

fn field(model: &Model, f: &Field, i: usize, depth: usize, m: &mut Map<String, Value>) {
    let value = of_shape(model, &f.shape, i, depth);
    match value {
        Value::Object(inner) if f.flatten => m.extend(inner),
        // `skip_serializing_if` leaves an absent optional out, as serde writes it.
        Value::Null if f.skip_ser_if => {}
        value => {
            m.insert(f.wire_ser.clone(), value);
        }
    }
}

fn of_shape(model: &Model, shape: &Shape, i: usize, depth: usize) -> Value {
    match shape {
        Shape::Option(_) if i % 3 == 2 => Value::Null,
        Shape::Option(s) => of_shape(model, s, i, depth),
        Shape::Seq(_) if i % 4 == 3 => Value::Array(Vec::new()),
        Shape::Seq(s) => Value::Array(vec![of_shape(model, s, i, depth)]),
        Shape::Map(s) => {
            let mut m = Map::new();
            m.insert(format!("k{i}"), of_shape(model, s, i, depth));
            Value::Object(m)
        }
        Shape::Int { .. } => Value::from(i as u64 + 1),
        Shape::Float => Value::from(i as f64 + 0.5),
        Shape::Bool => Value::Bool(i.is_multiple_of(2)),
        Shape::String | Shape::BorrowedStr => Value::String(format!("v{i}")),
        Shape::Any => {
            let mut m = Map::new();
            m.insert("n".into(), Value::from(i as u64));
            Value::Object(m)
        }
        Shape::Unit => Value::Null,
        Shape::Tuple(v) => Value::Array(v.iter().map(|s| of_shape(model, s, i, depth)).collect()),
        Shape::Named(name) => match model.types.get(Shape::base_name(name)) {
            Some(t) => of_type(model, t, i, depth + 1),
            None => Value::Null,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyzers::json_shape::serde_model::read_types;
    use std::collections::HashMap;

    fn model(src: &str, root: &str) -> Model {
        let types: HashMap<String, SerdeType> = read_types("src/model.rs", src)
            .unwrap()
            .into_iter()
            .map(|t| (t.name.clone(), t))
            .collect();
        Model {
            root: root.into(),
            types,
        }
    }

    #[test]
    fn writes_what_serde_would_store() {
        let m = model(
            r#"
            #[derive(Serialize, Deserialize)]
            #[serde(rename_all = "camelCase")]
            pub struct UserPrefs { pub color: String, pub dark_mode: bool, pub font: Option<Font>, pub tags: Vec<String> }
            #[derive(Serialize, Deserialize)]
            #[serde(tag = "kind")]
            pub enum Font { Serif { size: u8 }, Mono }
            "#,
            "UserPrefs",
        );
        let docs = from_type(&m, 3);
        assert_eq!(
            docs[0],
            serde_json::json!({"color": "v0", "darkMode": true, "font": {"kind": "Serif", "size": 1}, "tags": ["v0"]})
        );
        assert_eq!(docs[1]["font"], serde_json::json!({"kind": "Mono"}));
        assert_eq!(docs[2]["font"], Value::Null);
    }
}
