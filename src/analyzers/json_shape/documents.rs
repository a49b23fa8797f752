//! JSON documents: fixtures and samples (shape inferred from the values), JSON Schemas and
//! OpenAPI specs (compared as contracts, in both directions).

use super::contract_diff::{openapi_changes_in, schema_changes_in};
use crate::analyzers::file_not_analyzed::not_analyzed;
use crate::classify::FileKind;
use crate::diff::{ChangeSet, FileStatus};
use crate::model::ShapeChange as SC;
use crate::model::{CodeRule, Direction, Finding, Severity};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// What a document is to its readers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocKind {
    /// A fixture or sample: its shape is inferred from the values.
    Sample,
    /// A JSON Schema or OpenAPI spec: a contract.
    Contract,
}

/// One change of a document, with the line its key stands on in the new text (1 when the
/// key is gone).
#[derive(Debug, Clone, PartialEq)]
pub struct LocatedChange {
    pub kind: DocKind,
    pub file: String,
    pub line: u32,
    pub change: DocChange,
}

/// Every change of the change's JSON documents, and a `file-not-analyzed` finding for each
/// contract that does not parse.
pub fn read(change: &ChangeSet) -> (Vec<LocatedChange>, Vec<Finding>) {
    let (mut out, mut unread) = (Vec::new(), Vec::new());
    for file in &change.files {
        if file.skipped.is_some() || !matches!(file.status, FileStatus::Modified | FileStatus::Renamed) {
            continue;
        }
        let (Some(old), Some(new)) = (file.old_text.get(), file.new_text.get()) else {
            continue;
        };
        match file.kind {
            FileKind::JsonFixture => {
                if let (Ok(o), Ok(n)) = (parse_json(old), parse_json(new)) {
                    let lines = (KeyLines::of(new), KeyLines::of(old));
                    out.extend(
                        sample_changes(&o, &n)
                            .into_iter()
                            .map(|c| locate(&file.path, &lines, c, DocKind::Sample)),
                    );
                }
            }
            FileKind::JsonSchema | FileKind::OpenApi => {
                match (parse_docs(&file.path, old), parse_docs(&file.path, new)) {
                    (Ok(o), Ok(n)) => {
                        // Each document of a YAML stream is a contract, compared with the one
                        // at its place.
                        let mut changes = Vec::new();
                        for i in 0..o.len().max(n.len()) {
                            let (od, nd) = (o.get(i).unwrap_or(&Value::Null), n.get(i).unwrap_or(&Value::Null));
                            let mut found = if file.kind == FileKind::OpenApi {
                                openapi_changes_in(&file.path, od, nd)
                            } else {
                                schema_changes_in(&file.path, od, nd, "$")
                            };
                            if i > 0 {
                                for c in &mut found {
                                    c.path = c.path.replacen('$', &format!("$(document {})", i + 1), 1);
                                }
                            }
                            changes.extend(found);
                        }
                        let lines = (KeyLines::of(new), KeyLines::of(old));
                        out.extend(
                            changes
                                .into_iter()
                                .map(|c| locate(&file.path, &lines, c, DocKind::Contract)),
                        );
                    }
                    // A contract that cannot be read is not a contract that did not change.
                    (_, Err(e)) => unread.push(not_analyzed(file, &format!("{e} (after the change)"), true)),
                    // Made readable by the change: what it changed cannot be compared, but what
                    // ships is read, and the change that broke it was reported in its time.
                    (Err(e), Ok(_)) => {
                        let why = format!(
                            "{e} (before the change, which makes it parse: what it changed cannot be compared)"
                        );
                        let mut f = not_analyzed(file, &why, false);
                        f.severity = crate::model::Severity::Medium;
                        unread.push(f);
                    }
                }
            }
            _ => {}
        }
    }
    (out, unread)
}

/// The documents of a file: one for JSON (serde_json refuses nesting past 128 levels), each
/// non-empty one of a YAML stream (the YAML reader bounds depth and size). A byte-order mark is
/// allowed; the error says where the text fails.
fn parse_docs(path: &str, text: &str) -> Result<Vec<Value>, String> {
    if path.ends_with(".json") {
        parse_json(text).map(|v| vec![v])
    } else {
        super::yaml::documents(text).map_err(|e| format!("YAML does not parse: {e}"))
    }
}

fn parse_json(text: &str) -> Result<Value, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    serde_json::from_str(text)
        .map_err(|e| format!("JSON does not parse at line {}, column {}: {e}", e.line(), e.column()))
}

/// One change in a document: kind, direction, JSON path, and what happened.
#[derive(Debug, Clone, PartialEq)]
pub struct DocChange {
    pub kind: SC,
    pub direction: Direction,
    pub path: String,
    pub message: String,
    /// The comparison could not see both sides (a reference into another file): a question
    /// for the reviewer, not a break.
    pub unsure: bool,
}

/// `lines`: where keys stand in the new and the old text.
fn locate(file: &str, lines: &(KeyLines, KeyLines), change: DocChange, kind: DocKind) -> LocatedChange {
    let key = change
        .path
        .rsplit(['.', '['])
        .find(|k| !k.is_empty() && *k != "]")
        .unwrap_or("");
    let line = lines.0.line(key).or_else(|| lines.1.line(key).map(|_| 1)).unwrap_or(1);
    LocatedChange {
        kind,
        file: file.to_string(),
        line,
        change,
    }
}

/// The finding of `rule` for one document change; a break for readers of old data is at
/// `high`, one for old readers of new data at medium.
pub fn finding(rule: &CodeRule, c: &LocatedChange, high: Severity) -> Finding {
    let mut f = rule
        .finding(c.change.message.clone())
        .at(&c.file, Some(c.line))
        .tags(&[c.change.kind.into()])
        .help(c.change.kind.help());
    f.symbol = Some(format!("{}::{}", c.file, c.change.path));
    f.evidence = Some(c.change.path.clone());
    weigh(&mut f, c.change.direction, high);
    if c.change.unsure {
        f.severity = f.severity.min(Severity::Medium);
        f.needs_plan = false;
    }
    f
}

/// The first line each key stands on, as `"key"` anywhere in a line or `key:` at its start:
/// built once per text, so a document with thousands of changed keys is read once.
struct KeyLines(HashMap<String, u32>);

impl KeyLines {
    fn of(text: &str) -> KeyLines {
        let mut first = HashMap::new();
        for (i, line) in text.lines().enumerate() {
            let n = i as u32 + 1;
            if let Some((key, _)) = line.trim_start().split_once(':') {
                first.entry(key.to_string()).or_insert(n);
            }
            let mut rest = line;
            while let Some(open) = rest.find('"') {
                let after = &rest[open + 1..];
                let Some(close) = after.find('"') else { break };
                first.entry(after[..close].to_string()).or_insert(n);
                rest = &after[close + 1..];
            }
        }
        KeyLines(first)
    }

    fn line(&self, key: &str) -> Option<u32> {
        (!key.is_empty()).then(|| self.0.get(key).copied()).flatten()
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Paths (`$.a.b[]`) to the JSON types seen there, and the first leaf value at each.
fn infer(
    v: &Value,
    path: &str,
    types: &mut BTreeMap<String, BTreeSet<&'static str>>,
    leaves: &mut BTreeMap<String, Value>,
) {
    types.entry(path.to_string()).or_default().insert(json_type(v));
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                infer(child, &format!("{path}.{k}"), types, leaves);
            }
        }
        Value::Array(items) => {
            for item in items {
                infer(item, &format!("{path}[]"), types, leaves);
            }
        }
        other => {
            leaves.entry(path.to_string()).or_insert_with(|| other.clone());
        }
    }
}

fn parent_and_key(path: &str) -> (&str, &str) {
    path.rsplit_once('.').unwrap_or(("", path))
}

/// Shape changes between two samples; a changed node subsumes its children.
pub fn sample_changes(old: &Value, new: &Value) -> Vec<DocChange> {
    let (mut ot, mut ol, mut nt, mut nl) = (BTreeMap::new(), BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
    infer(old, "$", &mut ot, &mut ol);
    infer(new, "$", &mut nt, &mut nl);
    let mut out = Vec::new();
    let mut reported: BTreeSet<String> = BTreeSet::new();
    // A path under a reported one (`$.a` covers `$.a.b` and `$.a[]`): checked by its ancestors.
    let covered = |p: &str, reported: &BTreeSet<String>| {
        p.char_indices()
            .any(|(i, c)| (c == '.' || (c == '[' && p[i..].starts_with("[]"))) && reported.contains(&p[..i]))
    };
    // The added leaves, indexed so that each removed path is matched in one look-up.
    let added: Vec<&String> = nt.keys().filter(|p| !ot.contains_key(*p)).collect();
    let mut by_parent: HashMap<(&str, String), &String> = HashMap::new();
    let mut by_key: HashMap<(&str, String), Vec<&String>> = HashMap::new();
    for a in &added {
        if let Some(v) = nl.get(a.as_str()) {
            let (parent, key) = parent_and_key(a);
            by_parent.entry((parent, v.to_string())).or_insert(a);
            by_key.entry((key, v.to_string())).or_default().push(a);
        }
    }
    let mut renames = Vec::new();
    for (p, types) in &ot {
        if covered(p, &reported) {
            continue;
        }
        match nt.get(p) {
            None => {
                let (parent, key) = parent_and_key(p);
                let value = ol.get(p).map(Value::to_string);
                // The same value under a new key of the same parent: a rename.
                let renamed = value.as_ref().and_then(|v| by_parent.get(&(parent, v.clone())));
                // The same key and value under a new parent: moved.
                let moved = value
                    .as_ref()
                    .and_then(|v| by_key.get(&(key, v.clone())))
                    .and_then(|list| list.iter().find(|a| parent_and_key(a).0 != parent));
                if let Some(a) = renamed {
                    renames.push((key.to_string(), parent_and_key(a).1.to_string(), p.clone()));
                } else if let Some(a) = moved {
                    out.push(DocChange {
                        kind: SC::NestingChanged,
                        direction: Direction::Both,
                        path: p.clone(),
                        message: format!("{p} moves to {a}"),
                        unsure: false,
                    });
                } else {
                    out.push(DocChange {
                        kind: SC::FieldRemoved,
                        direction: Direction::OldReaders,
                        path: p.clone(),
                        message: format!("{p} is gone from the sample"),
                        unsure: false,
                    });
                }
                reported.insert(p.clone());
            }
            Some(new_types) if new_types != types => {
                let o: BTreeSet<&str> = types.iter().copied().filter(|t| *t != "null").collect();
                let n: BTreeSet<&str> = new_types.iter().copied().filter(|t| *t != "null").collect();
                let desc = |s: &BTreeSet<&str>| s.iter().copied().collect::<Vec<_>>().join("|");
                let change = if o.is_empty() || n.is_empty() || n == o {
                    // Filling a null is harmless; a value becoming null loosens optionality.
                    (!types.contains("null") && new_types.contains("null"))
                        .then_some((SC::OptionalityLoosened, Direction::OldReaders))
                } else if o == BTreeSet::from(["integer"]) && n == BTreeSet::from(["number"]) {
                    Some((SC::TypeWidened, Direction::OldReaders))
                } else if o == BTreeSet::from(["number"]) && n == BTreeSet::from(["integer"]) {
                    Some((SC::TypeNarrowed, Direction::ReadsOldData))
                } else if o.contains("array") != n.contains("array") {
                    Some((SC::CardinalityChanged, Direction::Both))
                } else {
                    Some((SC::TypeChanged, Direction::Both))
                };
                if let Some((kind, direction)) = change {
                    out.push(DocChange {
                        kind,
                        direction,
                        path: p.clone(),
                        message: format!("{p} changes from {} to {}", desc(&ot[p]), desc(new_types)),
                        unsure: false,
                    });
                    reported.insert(p.clone());
                }
            }
            _ => {}
        }
    }
    emit_renames(renames, &mut out);
    out
}

/// Renames of keys; when every renamed key follows one case conversion, one finding says so.
fn emit_renames(renames: Vec<(String, String, String)>, out: &mut Vec<DocChange>) {
    if renames.is_empty() {
        return;
    }
    let rules = [
        "camelCase",
        "PascalCase",
        "snake_case",
        "kebab-case",
        "SCREAMING_SNAKE_CASE",
        "lowercase",
        "UPPERCASE",
    ];
    let to_snake = |k: &str| {
        super::serde_model::convert_case(
            k,
            "snake_case",
            k.chars().next().is_some_and(char::is_uppercase) || k.chars().any(char::is_uppercase),
        )
    };
    let rule = rules.iter().find(|r| {
        renames.len() > 1
            && renames
                .iter()
                .all(|(o, n, _)| super::serde_model::convert_case(&to_snake(o).replace('-', "_"), r, false) == *n)
    });
    if let Some(r) = rule {
        let list: Vec<String> = renames.iter().map(|(o, n, _)| format!("{o} → {n}")).collect();
        out.push(DocChange {
            kind: SC::RenameAllChanged,
            direction: Direction::Both,
            path: "$".into(),
            message: format!("every key is renamed to {r}: {}", list.join(", ")),
            unsure: false,
        });
    } else {
        for (o, n, p) in renames {
            out.push(DocChange {
                kind: SC::FieldRenamed,
                direction: Direction::Both,
                path: p.clone(),
                message: format!("{p} is renamed to `{n}` (was `{o}`, same value)"),
                unsure: false,
            });
        }
    }
}

/// Severity and whether a plan is needed, by direction: new code failing on stored data is the
/// incident; old readers failing is a rollback hazard.
pub fn weigh(f: &mut Finding, dir: Direction, high: Severity) {
    f.direction = Some(dir);
    let (severity, plan) = match dir {
        Direction::ReadsOldData | Direction::Both => (high, true),
        Direction::OldReaders => (Severity::Medium, false),
    };
    f.severity = severity;
    f.needs_plan = plan;
}

#[cfg(test)]
pub mod testing {
    use crate::diff::{ChangeSet, ChangedFile, FileStatus};

    /// The rule ids the document reader reports for `path` changed from `old` to `new`, the
    /// file's kind given by the built-in conventions.
    pub fn rules_for(path: &str, old: &str, new: &str) -> Vec<String> {
        let (o, n): (Vec<&str>, Vec<&str>) = (old.lines().collect(), new.lines().collect());
        let change = ChangeSet {
            files: vec![ChangedFile::from_lines(path, FileStatus::Modified, &o, &n)],
            ..Default::default()
        };
        let change = crate::classify::Classifier::new(&crate::config::Config::default())
            .unwrap()
            .classify(change);
        crate::analyzers::json_shape::analyze(&change, &[])
            .into_iter()
            .map(|f| f.rule)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyzers::json_shape::contract_diff::{openapi_changes, schema_changes, schema_changes_in};
    #[allow(unused_imports)]
    use crate::model::ShapeChange as SC;
    use serde_json::json;

    fn kinds(v: &[DocChange]) -> Vec<(SC, Direction, &str)> {
        v.iter().map(|c| (c.kind, c.direction, c.path.as_str())).collect()
    }

    #[test]
    fn samples() {
        let old = json!({"user": {"id": 7, "color": "blue", "score": 1.5, "tags": ["a"], "nick": "x", "city": "Oslo"}});
        let new = json!({"user": {"id": "7", "theme": "blue", "score": 2, "tags": "a", "nick": null, "address": {"city": "Oslo"}}});
        let got = sample_changes(&old, &new);
        assert_eq!(
            kinds(&got),
            vec![
                (SC::NestingChanged, Direction::Both, "$.user.city"),
                (SC::TypeChanged, Direction::Both, "$.user.id"),
                (SC::OptionalityLoosened, Direction::OldReaders, "$.user.nick"),
                (SC::TypeNarrowed, Direction::ReadsOldData, "$.user.score"),
                (SC::CardinalityChanged, Direction::Both, "$.user.tags"),
                (SC::FieldRenamed, Direction::Both, "$.user.color"),
            ]
        );
    }

    #[test]
    fn harmless_sample_edits() {
        assert!(sample_changes(
            &json!({"a": 1, "b": [], "c": null}),
            &json!({"b": [1, 2], "a": 5, "c": "x", "d": true})
        )
        .is_empty());
    }

    #[test]
    fn case_conversion_of_every_key_is_one_finding() {
        let got = sample_changes(
            &json!({"user_id": 1, "first_name": "a"}),
            &json!({"userId": 1, "firstName": "a"}),
        );
        assert_eq!(kinds(&got), vec![(SC::RenameAllChanged, Direction::Both, "$")]);
    }

    #[test]
    fn schemas_in_both_directions() {
        let old = json!({"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}, "status": {"type": "string", "enum": ["a", "b"]}, "n": {"type": "number"}}});
        let new = json!({"type": "object", "required": ["id", "email"], "additionalProperties": false, "title": "changed", "properties": {"id": {"type": "integer"}, "email": {"type": "string"}, "status": {"type": "string", "enum": ["a", "c"]}, "n": {"type": "integer"}}});
        let got = schema_changes(&old, &new, "$");
        assert_eq!(
            kinds(&got),
            vec![
                (SC::FieldAddedRequired, Direction::ReadsOldData, "$"),
                (SC::DenyUnknownAdded, Direction::ReadsOldData, "$"),
                (SC::TypeNarrowed, Direction::ReadsOldData, "$.n"),
                (SC::VariantRemoved, Direction::ReadsOldData, "$.status"),
                (SC::VariantAdded, Direction::OldReaders, "$.status"),
            ]
        );
        let meta_only = json!({"type": "object", "description": "x", "properties": {"id": {"type": "integer", "description": "the id"}}});
        assert!(schema_changes(
            &json!({"type": "object", "properties": {"id": {"type": "integer"}}}),
            &meta_only,
            "$"
        )
        .is_empty());
    }

    #[test]
    fn openapi_components_and_bodies() {
        let old = json!({"components": {"schemas": {"User": {"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]}}}});
        let new = json!({"components": {"schemas": {"User": {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}}}});
        let got = openapi_changes(&old, &new);
        assert_eq!(
            kinds(&got),
            vec![(SC::TypeChanged, Direction::Both, "$.components.schemas.User.id")]
        );
    }

    #[test]
    fn a_ref_written_out_in_place_is_compared_by_what_it_refers_to() {
        let component = json!({"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]});
        let body = |schema: serde_json::Value| json!({"paths": {"/r": {"get": {"responses": {"200": {"content": {"application/json": {"schema": schema}}}}}}}, "components": {"schemas": {"R": component.clone()}}});
        let old = body(json!({"$ref": "#/components/schemas/R"}));
        assert!(openapi_changes(&old, &body(component.clone())).is_empty());
        // Written out with the field retyped: that is the change reported, not "refers to null".
        let mut retyped = component.clone();
        retyped["properties"]["id"] = json!({"type": "integer"});
        let got = openapi_changes(&old, &body(retyped));
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(got[0].message.contains("type string → integer"), "{}", got[0].message);
    }

    /// A schema composed with `allOf` holds its parts' keys: one that extends the old schema
    /// lacks none of them. An enum copied under another name, with the same keywords beside
    /// the reference, is the same schema.
    #[test]
    fn keys_an_all_of_part_brings_and_renamed_copies_are_no_change() {
        let base = json!({"type": "object", "properties": {"id": {"type": "string"}, "level": {"type": "string"}}, "required": ["id", "level"]});
        let view = json!({"allOf": [{"$ref": "#/definitions/Observation"}, {"type": "object", "properties": {"cost": {"type": "number"}}}]});
        let kinds = json!({"type": "string", "enum": ["A", "B"]});
        let with_title = |k: &serde_json::Value| {
            let mut k = k.clone();
            k["title"] = json!("Source");
            k
        };
        let doc = |item: &str, source: &str| json!({"type": "object", "properties": {"data": {"type": "array", "items": {"$ref": format!("#/definitions/{item}")}}, "source": {"$ref": format!("#/definitions/{source}"), "description": "where"}}, "definitions": {"Observation": base, "ObservationsView": view, "LegacySource": kinds, "Source": with_title(&kinds)}});
        let got = schema_changes(
            &doc("Observation", "LegacySource"),
            &doc("ObservationsView", "Source"),
            "$",
        );
        assert!(got.is_empty(), "{got:?}");
        // The control: a part that lacks `level` is still reported.
        let mut narrower = doc("ObservationsView", "Source");
        narrower["definitions"]["Observation"]["properties"]
            .as_object_mut()
            .unwrap()
            .remove("level");
        let got = schema_changes(&doc("Observation", "LegacySource"), &narrower, "$");
        assert!(got.iter().any(|c| c.message.contains("lacks `level`")), "{got:?}");
    }

    #[test]
    fn references_inside_a_schema_are_followed_where_they_differ() {
        let defs =
            json!({"Meta": {"type": "object", "properties": {"label": {"type": "string"}}, "required": ["label"]}});
        let schema = |items: serde_json::Value, defs: &serde_json::Value| json!({"type": "object", "properties": {"nodes": {"type": "array", "items": items}}, "definitions": defs});
        let old = schema(json!({"$ref": "#/definitions/Meta"}), &defs);
        // Written out in place, nested in `items`: the same schema.
        assert!(schema_changes(&old, &schema(defs["Meta"].clone(), &defs), "$").is_empty());
        // Renamed with the same content.
        let renamed = json!({"NodeMeta": defs["Meta"].clone()});
        assert!(schema_changes(&old, &schema(json!({"$ref": "#/definitions/NodeMeta"}), &renamed), "$").is_empty());
        // Renamed and only loosened: what old documents hold still validates.
        let loosened = json!({"NodeMeta": {"type": "object", "properties": {"label": {"type": "string"}, "hint": {"type": "string"}}, "required": ["label"]}});
        let got = schema_changes(&old, &schema(json!({"$ref": "#/definitions/NodeMeta"}), &loosened), "$");
        assert!(got.iter().all(|c| c.direction == Direction::OldReaders), "{got:?}");
        // Renamed and made stricter: the break is reported where the reference stands.
        let stricter = json!({"NodeMeta": {"type": "object", "properties": {"label": {"type": "integer"}}, "required": ["label"]}});
        let got = schema_changes(&old, &schema(json!({"$ref": "#/definitions/NodeMeta"}), &stricter), "$");
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].path, "$.nodes[].label");
        assert!(!got[0].unsure);
    }

    #[test]
    fn a_response_wrapper_replaced_by_what_it_held_breaks_its_readers() {
        let flow = json!({"type": "object", "properties": {"id": {"type": "string"}, "identity": {"type": "object"}}, "required": ["id"]});
        let wrapper = json!({"type": "object", "properties": {"flow": {"$ref": "#/components/schemas/Flow"}, "identity": {"type": "object"}}, "required": ["flow", "identity"]});
        let doc = |name: &str| {
            json!({"paths": {"/settings": {"get": {"responses": {"200": {"content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{name}")}}}}}}}},
            "components": {"schemas": {"Flow": flow.clone(), "Wrapper": wrapper.clone()}}})
        };
        let got = openapi_changes(&doc("Wrapper"), &doc("Flow"));
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!((got[0].kind, got[0].direction), (SC::TypeChanged, Direction::Both));
        assert!(got[0].message.contains("lacks `flow`"), "{}", got[0].message);
    }

    #[test]
    fn a_reference_into_another_file_is_a_question_not_a_break() {
        let at =
            |v: &str| json!({"properties": {"otel": {"$ref": format!("https://example.com/x/{v}/otel.schema.json")}}});
        let got = schema_changes(&at("v0.0.611"), &at("v0.0.614"), "$");
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(got[0].unsure);
        assert!(got[0].message.contains("cannot read"), "{}", got[0].message);
        let located = LocatedChange {
            kind: DocKind::Contract,
            file: "config.schema.json".into(),
            line: 1,
            change: got[0].clone(),
        };
        let f = crate::analyzers::json_shape::rules::json_schema_changed::check(&located).unwrap();
        assert_eq!((f.severity, f.needs_plan), (Severity::Medium, false));
        // A reference to this very file by name is local.
        let by_name = json!({"properties": {"a": {"$ref": "openapi.yaml#/definitions/A"}}, "definitions": {"A": {"type": "string"}}});
        let inline = json!({"properties": {"a": {"type": "string"}}, "definitions": {"A": {"type": "string"}}});
        assert!(schema_changes_in("api/openapi.yaml", &by_name, &inline, "$").is_empty());
        // A local reference that points nowhere, an anchor riskgate does not resolve, or a
        // chain longer than 16 stays a break, not a question.
        let dangling = json!({"properties": {"a": {"$ref": "#/definitions/Gone"}}});
        let got = schema_changes(&dangling, &inline, "$");
        assert!(!got[0].unsure && got[0].direction == Direction::Both, "{got:?}");
        let anchor = json!({"properties": {"a": {"$ref": "#user"}}});
        assert!(!schema_changes(&inline, &anchor, "$")[0].unsure);
        let mut defs = serde_json::Map::new();
        for i in 0..20 {
            defs.insert(format!("U{i}"), json!({"$ref": format!("#/definitions/U{}", i + 1)}));
        }
        defs.insert("U20".into(), json!({"type": "string"}));
        let chain = json!({"properties": {"a": {"$ref": "#/definitions/U0"}}, "definitions": defs});
        assert!(!schema_changes(&inline, &chain, "$")[0].unsure);
        // Keywords beside a reference constrain too: the change is not hidden behind it.
        let old = json!({"properties": {"c": {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}},
            "$defs": {"C": {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}}});
        let new = json!({"properties": {"c": {"$ref": "#/$defs/C", "required": ["id", "tenant"], "additionalProperties": false}},
            "$defs": {"C": {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}}});
        let got = schema_changes(&old, &new, "$");
        assert_eq!(
            (got.len(), got[0].direction, got[0].unsure),
            (1, Direction::Both, false),
            "{got:?}"
        );
        // A key with a dot and the nested key of the same path are compared each.
        let old = json!({"properties": {"a": {"properties": {"b": {"type": "integer"}}}, "a.b": {"type": "string"}}});
        let new = json!({"properties": {"a": {"properties": {"b": {"$ref": "#/$defs/I"}}}, "a.b": {"$ref": "#/$defs/I"}},
            "$defs": {"I": {"type": "integer"}}});
        assert_eq!(schema_changes(&old, &new, "$").len(), 1);
    }

    #[test]
    fn recursive_schemas_renamed_on_both_sides_are_compared_once() {
        let tree = |name: &str| {
            json!({"$ref": format!("#/definitions/{name}"), "definitions": {name: {"type": "object",
                "properties": {"left": {"$ref": format!("#/definitions/{name}")}, "right": {"$ref": format!("#/definitions/{name}")}}}}})
        };
        assert!(schema_changes(&tree("A"), &tree("B"), "$").is_empty());
    }

    /// Swagger 2.0 (Harbor's API descriptions): `definitions`, `in: body` parameters and
    /// responses' schemas are compared as OpenAPI 3's components and bodies are.
    #[test]
    fn swagger_two_definitions_are_compared() {
        let doc = |id: &str, required: serde_json::Value| {
            json!({
                "swagger": "2.0",
                "paths": {
                    "/projects": {"post": {"parameters": [{"name": "project", "in": "body", "schema": {"$ref": "#/definitions/ProjectReq"}}],
                        "responses": {"201": {"description": "made"}}}},
                    "/projects/{id}": {"get": {"responses": {"200": {"description": "one", "schema": {"$ref": "#/definitions/Project"}}}}}
                },
                "definitions": {
                    "ProjectReq": {"type": "object", "properties": {"name": {"type": "string"}, "public": {"type": "boolean"}}, "required": required.clone()},
                    "Project": {"type": "object", "properties": {"id": {"type": id}, "name": {"type": "string"}}, "required": required}
                }
            })
        };
        let (old, new) = (
            doc("integer", json!(["name"])),
            doc("string", json!(["name", "public"])),
        );
        assert_eq!(
            kinds(&openapi_changes(&old, &new)),
            vec![
                (SC::TypeChanged, Direction::Both, "$.definitions.Project.id"),
                (
                    SC::FieldAddedRequired,
                    Direction::ReadsOldData,
                    "$.definitions.ProjectReq"
                )
            ]
        );
    }

    #[test]
    fn a_schema_only_responses_use_is_stricter_safely() {
        let doc = |strict: bool| {
            let required = |field: &str| if strict { json!([field]) } else { json!([]) };
            json!({
                "paths": {
                    "/models/{id}": {"get": {"responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ModelOut"}}}}}}},
                    "/models": {"post": {"requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ModelIn"}}}}}}
                },
                "components": {"schemas": {
                    "ModelOut": {"type": "object", "properties": {"part": {"$ref": "#/components/schemas/Part"}}, "required": required("part")},
                    "Part": {"type": "object", "properties": {"id": {"type": "string"}}, "required": required("id")},
                    "ModelIn": {"type": "object", "properties": {"name": {"type": "string"}}, "required": required("name")}
                }}
            })
        };
        let (old, new) = (doc(false), doc(true));
        // A response field retyped both ways (string → array) breaks the clients that read it.
        let mut retyped = doc(false);
        retyped["components"]["schemas"]["Part"]["properties"]["id"] = json!({"type": "array"});
        assert_eq!(
            kinds(&openapi_changes(&old, &retyped)),
            vec![(SC::CardinalityChanged, Direction::Both, "$.components.schemas.Part.id")]
        );
        // The request's field becomes required: old clients' requests fail. Response-only
        // schemas (and what they refer to) promise more: no reader breaks.
        assert_eq!(
            kinds(&openapi_changes(&old, &new)),
            vec![(
                SC::FieldAddedRequired,
                Direction::ReadsOldData,
                "$.components.schemas.ModelIn"
            )]
        );
        // A schema a request reaches through a discriminator's mapping is read from clients.
        let mut mapped = new.clone();
        mapped["components"]["schemas"]["ModelIn"]["discriminator"] =
            json!({"propertyName": "kind", "mapping": {"part": "#/components/schemas/Part"}});
        let mut old_mapped = old.clone();
        old_mapped["components"]["schemas"]["ModelIn"]["discriminator"] =
            mapped["components"]["schemas"]["ModelIn"]["discriminator"].clone();
        assert!(kinds(&openapi_changes(&old_mapped, &mapped)).contains(&(
            SC::FieldAddedRequired,
            Direction::ReadsOldData,
            "$.components.schemas.Part"
        )));
        // Loosened, a response drops a promise that old clients read.
        assert_eq!(
            kinds(&openapi_changes(&new, &old)),
            vec![
                (
                    SC::OptionalityLoosened,
                    Direction::OldReaders,
                    "$.components.schemas.ModelIn"
                ),
                (
                    SC::OptionalityLoosened,
                    Direction::OldReaders,
                    "$.components.schemas.ModelOut"
                ),
                (
                    SC::OptionalityLoosened,
                    Direction::OldReaders,
                    "$.components.schemas.Part"
                ),
            ]
        );
    }
}
