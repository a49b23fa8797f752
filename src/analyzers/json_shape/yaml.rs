//! YAML documents (OpenAPI specs, JSON Schemas written in YAML) read into JSON values.
//!
//! Built on the event stream of `yaml-rust2` and driven by a loop with an explicit stack, so
//! nesting cannot overflow the thread's stack. Handles what real specs use: several documents
//! (`---`), anchors and aliases, merge keys (`<<`), tags (standard ones resolve the value,
//! custom ones such as `!Ref` are read as untagged) and a UTF-8 byte-order mark. Depth and
//! the number of nodes (aliases counted at their expanded size) are bounded, so an alias bomb
//! is refused instead of filling memory.

use serde_json::{Map, Number, Value};
use std::collections::HashMap;
use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::TScalarStyle;
use yaml_rust2::Yaml;

/// Deeper than any real spec; past it the document is not analysed.
pub const MAX_DEPTH: usize = 256;
/// Nodes in the whole stream, aliases counted at their expanded size.
pub const MAX_NODES: usize = 2_000_000;

/// Reads every document of `text`. One document gives its value; several give an array of
/// them, empty documents (a trailing `---`) left out; none gives `null`.
pub fn to_json(text: &str) -> Result<Value, String> {
    let mut docs = documents(text)?;
    Ok(match docs.len() {
        0 => Value::Null,
        1 => docs.remove(0),
        _ => Value::Array(docs),
    })
}

/// The documents of a YAML stream, empty ones (a trailing `---`) left out.
pub fn documents(text: &str) -> Result<Vec<Value>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match read_documents(text) {
        // libyaml (PyYAML, go-yaml) reads a quoted scalar whose next lines are no deeper than its
        // key, which the spec forbids and yaml-rust2 refuses; Harbor's API descriptions are
        // written so. A flow scalar's line breaks fold and its lines' indentation is dropped, so
        // indenting them changes no value.
        Err(e) if e.contains("invalid indentation in quoted scalar") => {
            read_documents(&indent_quoted_continuations(text)).map_err(|_| e)
        }
        read => read,
    }
}

/// `text` with each continuation line of a quoted scalar indented past the key the scalar is
/// the value of.
fn indent_quoted_continuations(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 1024);
    // The quote being continued and the indentation its lines need.
    let mut open: Option<(char, usize)> = None;
    for line in text.split_inclusive('\n') {
        match open {
            Some((quote, indent)) => {
                let body = line.trim_start_matches([' ', '\t']);
                if body.trim().is_empty() {
                    out.push_str(line);
                } else {
                    out.push_str(&" ".repeat(indent));
                    out.push_str(body);
                }
                if closes(body, quote) {
                    open = None;
                }
            }
            None => {
                out.push_str(line);
                let key_indent = line.len() - line.trim_start_matches(' ').len();
                // `key: 'text…` or `- key: "text…`, the quote not closed on this line.
                let Some((_, value)) = line.split_once(": ") else {
                    continue;
                };
                let value = value.trim_start();
                let Some(quote) = value.chars().next().filter(|c| *c == '\'' || *c == '"') else {
                    continue;
                };
                if !closes(&value[1..], quote) {
                    open = Some((quote, key_indent + 2));
                }
            }
        }
    }
    out
}

/// Whether `rest` (text inside a quoted scalar) ends the scalar: a quote not escaped (`''` in
/// single quotes, `\"` in double ones).
fn closes(rest: &str, quote: char) -> bool {
    let chars: Vec<char> = rest.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match (quote, chars[i]) {
            ('"', '\\') => i += 2,
            ('\'', '\'') if chars.get(i + 1) == Some(&'\'') => i += 2,
            (q, c) if c == q => return true,
            _ => i += 1,
        }
    }
    false
}

fn read_documents(text: &str) -> Result<Vec<Value>, String> {
    let mut parser = Parser::new_from_str(text);
    let mut builder = Builder::default();
    loop {
        let (event, mark) = parser.next_token().map_err(|e| e.to_string())?;
        let at = || format!("line {}, column {}", mark.line(), mark.col() + 1);
        match event {
            Event::StreamEnd => break,
            Event::StreamStart | Event::DocumentStart | Event::DocumentEnd | Event::Nothing => {}
            Event::Scalar(value, style, anchor, tag) => {
                let node = scalar(&value, style, tag.as_ref());
                builder.node(node, 1, anchor).map_err(|e| format!("{e} at {}", at()))?;
            }
            Event::Alias(anchor) => {
                let (node, size) = builder
                    .anchors
                    .get(&anchor)
                    .cloned()
                    .ok_or_else(|| format!("unknown alias at {}", at()))?;
                builder.node(node, size, 0).map_err(|e| format!("{e} at {}", at()))?;
            }
            Event::SequenceStart(anchor, _) => builder
                .open(Frame::seq(anchor))
                .map_err(|e| format!("{e} at {}", at()))?,
            Event::MappingStart(anchor, _) => builder
                .open(Frame::map(anchor))
                .map_err(|e| format!("{e} at {}", at()))?,
            Event::SequenceEnd | Event::MappingEnd => builder.close().map_err(|e| format!("{e} at {}", at()))?,
        }
    }
    Ok(builder.documents.into_iter().filter(|d| !d.is_null()).collect())
}

/// A collection being built: its items so far, its anchor, and (for a mapping) the key
/// waiting for its value and the sources of `<<` merges, applied when it closes.
struct Frame {
    anchor: usize,
    size: usize,
    body: Body,
}

enum Body {
    Seq(Vec<Value>),
    Map {
        entries: Map<String, Value>,
        key: Option<String>,
        merges: Vec<Value>,
    },
}

impl Frame {
    fn seq(anchor: usize) -> Frame {
        Frame {
            anchor,
            size: 1,
            body: Body::Seq(Vec::new()),
        }
    }

    fn map(anchor: usize) -> Frame {
        Frame {
            anchor,
            size: 1,
            body: Body::Map {
                entries: Map::new(),
                key: None,
                merges: Vec::new(),
            },
        }
    }
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    documents: Vec<Value>,
    anchors: HashMap<usize, (Value, usize)>,
    nodes: usize,
}

impl Builder {
    fn open(&mut self, frame: Frame) -> Result<(), &'static str> {
        if self.stack.len() >= MAX_DEPTH {
            return Err("nested too deeply");
        }
        self.count(1)?;
        self.stack.push(frame);
        Ok(())
    }

    fn close(&mut self) -> Result<(), &'static str> {
        let frame = self.stack.pop().ok_or("unbalanced collection")?;
        let value = match frame.body {
            Body::Seq(items) => Value::Array(items),
            Body::Map {
                mut entries, merges, ..
            } => {
                // Explicit keys win over merged ones, and earlier merge sources over later ones.
                for source in merges {
                    let maps = match source {
                        Value::Array(items) => items,
                        other => vec![other],
                    };
                    for map in maps {
                        let Value::Object(map) = map else {
                            return Err("a merge key (<<) takes a mapping or a list of mappings");
                        };
                        for (k, v) in map {
                            entries.entry(k).or_insert(v);
                        }
                    }
                }
                Value::Object(entries)
            }
        };
        self.place(value, frame.size, frame.anchor)
    }

    /// A finished scalar or alias.
    fn node(&mut self, value: Value, size: usize, anchor: usize) -> Result<(), &'static str> {
        self.count(size)?;
        self.place(value, size, anchor)
    }

    fn count(&mut self, size: usize) -> Result<(), &'static str> {
        self.nodes = self.nodes.saturating_add(size);
        if self.nodes > MAX_NODES {
            return Err("too many nodes (aliases expanded)");
        }
        Ok(())
    }

    /// Puts a finished node into its parent, or makes it a document.
    fn place(&mut self, value: Value, size: usize, anchor: usize) -> Result<(), &'static str> {
        if anchor != 0 {
            self.anchors.insert(anchor, (value.clone(), size));
        }
        let Some(parent) = self.stack.last_mut() else {
            self.documents.push(value);
            return Ok(());
        };
        parent.size = parent.size.saturating_add(size);
        match &mut parent.body {
            Body::Seq(items) => items.push(value),
            Body::Map { entries, key, merges } => match key.take() {
                None => *key = Some(key_text(value)?),
                Some(k) if k == "<<" => merges.push(value),
                Some(k) => {
                    entries.insert(k, value);
                }
            },
        }
        Ok(())
    }
}

/// JSON keys are strings: a scalar key keeps its text; a collection as a key is refused.
fn key_text(value: Value) -> Result<String, &'static str> {
    match value {
        Value::String(s) => Ok(s),
        Value::Null => Ok("null".to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Array(_) | Value::Object(_) => Err("a collection used as a mapping key"),
    }
}

/// A scalar's JSON value: quoted and block scalars are strings; plain ones resolve as YAML's
/// core schema does; a standard tag (`!!str`, `!!int`, …) decides; a custom tag is ignored.
fn scalar(text: &str, style: TScalarStyle, tag: Option<&Tag>) -> Value {
    let standard = tag.filter(|t| t.handle == "tag:yaml.org,2002:" || t.handle == "!!");
    match standard.map(|t| t.suffix.as_str()) {
        Some("str") | Some("binary") | Some("timestamp") => return Value::String(text.to_string()),
        Some("int") | Some("float") | Some("bool") | Some("null") => return resolve(text),
        _ => {}
    }
    if style == TScalarStyle::Plain {
        resolve(text)
    } else {
        Value::String(text.to_string())
    }
}

fn resolve(text: &str) -> Value {
    match Yaml::from_str(text) {
        Yaml::Null => Value::Null,
        Yaml::Boolean(b) => Value::Bool(b),
        Yaml::Integer(i) => Value::Number(i.into()),
        Yaml::Real(r) => r
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map_or_else(|| Value::String(text.to_string()), Value::Number),
        _ => Value::String(text.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Harbor's API description: a quoted description whose next line is no deeper than its
    /// key. libyaml reads it (the lines fold into one with a space); so does riskgate, with the
    /// same value. Nothing else is loosened: a mapping mis-indented still fails.
    #[test]
    fn a_quoted_scalar_continued_at_its_key_s_indentation_reads_as_libyaml_does() {
        let text = "definitions:\n  P:\n    properties:\n      reuse:\n        type: string\n        description: 'Whether to reuse.  The valid\n        values are \"true\", \"false\"; it''s kept.'\n      name:\n        type: string\n";
        let v = to_json(text).expect("read");
        assert_eq!(
            v["definitions"]["P"]["properties"]["reuse"]["description"],
            "Whether to reuse.  The valid values are \"true\", \"false\"; it's kept."
        );
        assert_eq!(v["definitions"]["P"]["properties"]["name"]["type"], "string");
        assert!(to_json("a:\n  b: 1\n c: 2\n").is_err());
    }

    #[test]
    fn reads_a_plain_document_with_core_schema_scalars() {
        let doc = "a: 1\nb: 2.5\nc: true\nd: ~\ne: '1'\nf: text\ng: [x, y]\n";
        assert_eq!(
            to_json(doc).unwrap(),
            json!({"a": 1, "b": 2.5, "c": true, "d": null, "e": "1", "f": "text", "g": ["x", "y"]})
        );
    }

    #[test]
    fn a_trailing_document_marker_and_a_bom_change_nothing() {
        assert_eq!(
            to_json("\u{feff}type: object\n---\n").unwrap(),
            json!({"type": "object"})
        );
    }

    #[test]
    fn several_documents_are_an_array() {
        assert_eq!(
            to_json("type: object\n---\ntype: string\n").unwrap(),
            json!([{"type": "object"}, {"type": "string"}])
        );
    }

    #[test]
    fn merge_keys_fill_what_the_mapping_does_not_say() {
        let doc = "base: &b {type: object, title: Base}\nuser:\n  <<: *b\n  title: User\n";
        assert_eq!(
            to_json(doc).unwrap()["user"],
            json!({"type": "object", "title": "User"})
        );
        let list = "a: &a {x: 1}\nb: &b {x: 2, y: 2}\nc:\n  <<: [*a, *b]\n";
        assert_eq!(to_json(list).unwrap()["c"], json!({"x": 1, "y": 2}));
    }

    #[test]
    fn tags_resolve_or_are_ignored() {
        let doc = "a: !!str 12\nb: !Ref Thing\nc: !!int '7'\n";
        assert_eq!(to_json(doc).unwrap(), json!({"a": "12", "b": "Thing", "c": 7}));
    }

    #[test]
    fn deep_nesting_is_refused_without_overflowing() {
        // The scanner refuses deep flow nesting itself; block nesting reaches our own bound.
        let flow = "[".repeat(200_000) + &"]".repeat(200_000);
        let err = to_json(&flow).unwrap_err();
        assert!(err.contains("recursion limit"), "{err}");
        let block: String = (0..300).map(|i| format!("{}k:\n", " ".repeat(i))).collect();
        let err = to_json(&(block + &" ".repeat(300) + "v\n")).unwrap_err();
        assert!(err.contains("nested too deeply"), "{err}");
    }

    #[test]
    fn an_alias_bomb_is_refused() {
        let mut doc = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            doc.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let err = to_json(&doc).unwrap_err();
        assert!(err.contains("too many nodes"), "{err}");
    }

    #[test]
    fn syntax_errors_say_where() {
        let err = to_json("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(err.contains("line"), "{err}");
    }
}
