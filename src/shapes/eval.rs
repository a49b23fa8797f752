//! One record judged against a serde type with serde's own rules: what it rejects or misreads,
//! which keys a read-modify-write would drop, and the record's shape as the type sees it.
//!
//! A run judges millions of records, so the walk allocates only when it has something to say:
//! the place being read is one buffer per record, written out for a problem or a new dropped
//! key, and the shape is hashed as it is walked instead of spelled out.

use super::json::{self, Record};
use super::Model;
use crate::analyzers::json_shape::serde_model::{Body, Field, Kind, SerdeType, Shape, Variant};
use crate::model::SampleFailure;
use serde_json::Value;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::hash::{DefaultHasher, Hasher};

/// One problem in one record.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Problem {
    pub kind: SampleFailure,
    pub path: String,
    pub value: Value,
    /// Rejects the record (silent misreads do not).
    pub rejects: bool,
}

pub(super) struct Eval<'a> {
    model: &'a Model,
    duplicates: &'a [String],
    pub problems: Vec<Problem>,
    /// Where the dropped keys are counted, by path; a probe of an untagged variant only counts.
    dropped: Option<&'a mut HashMap<String, u64>>,
    dropped_here: usize,
    /// The place being read (`$.address.city`).
    path: String,
    /// The record's shape as the type sees it: what decides the outcome.
    signature: DefaultHasher,
}

impl<'a> Eval<'a> {
    /// Judges `record` against the model's root type; its dropped keys are counted in `dropped`.
    pub fn record(model: &'a Model, record: &'a Record, dropped: Option<&'a mut HashMap<String, u64>>) -> Eval<'a> {
        let mut e = Eval::new(model, &record.duplicates, dropped, "$");
        e.ty(&record.value, &model.types[&model.root]);
        e
    }

    fn new(
        model: &'a Model,
        duplicates: &'a [String],
        dropped: Option<&'a mut HashMap<String, u64>>,
        path: &str,
    ) -> Self {
        Eval {
            model,
            duplicates,
            problems: Vec::new(),
            dropped,
            dropped_here: 0,
            path: path.to_string(),
            signature: DefaultHasher::new(),
        }
    }

    pub fn rejects(&self) -> bool {
        self.problems.iter().any(|p| p.rejects)
    }

    /// The shape, as a 64-bit hash of what the walk saw (records of one shape hash alike).
    pub fn shape_id(&self) -> u64 {
        self.signature.finish()
    }

    fn fail(&mut self, kind: SampleFailure, value: &Value) {
        self.problems.push(Problem {
            kind,
            path: self.path.clone(),
            value: value.clone(),
            rejects: kind.rejects(),
        });
    }

    /// A problem at `key` under the current place.
    fn fail_at(&mut self, kind: SampleFailure, key: &str, value: &Value) {
        let at = self.enter(key);
        self.fail(kind, value);
        self.path.truncate(at);
    }

    fn enter(&mut self, key: &str) -> usize {
        let at = self.path.len();
        self.path.push('.');
        self.path.push_str(key);
        at
    }

    fn enter_index(&mut self, k: usize) -> usize {
        let at = self.path.len();
        let _ = write!(self.path, "[{k}]");
        at
    }

    fn sig(&mut self, s: &str) {
        self.signature.write(s.as_bytes());
    }

    fn named(&mut self, v: &Value, name: &str) {
        match self.model.types.get(Shape::base_name(name)) {
            Some(t) => self.ty(v, t),
            None => self.sig("?"),
        }
    }

    fn ty(&mut self, v: &Value, t: &SerdeType) {
        if t.container.proxy.is_some() {
            self.sig("P");
            return;
        }
        match &t.kind {
            Kind::Struct(body) => self.body(v, body, t, None),
            Kind::Enum(variants) => self.enumeration(v, t, variants),
        }
    }

    fn body(&mut self, v: &Value, body: &Body, t: &SerdeType, skip_key: Option<&str>) {
        match body {
            Body::Unit => {
                self.sig("u");
                if !v.is_null() {
                    self.fail(SampleFailure::WrongType, v);
                }
            }
            Body::Tuple(fields) if fields.len() == 1 || t.container.transparent => self.shape(v, &fields[0].shape),
            Body::Tuple(fields) => match v.as_array() {
                Some(items) if items.len() == fields.len() => {
                    self.sig("(");
                    for (k, (item, f)) in items.iter().zip(fields).enumerate() {
                        let at = self.enter_index(k);
                        self.shape(item, &f.shape);
                        self.path.truncate(at);
                    }
                    self.sig(")");
                }
                _ => {
                    self.sig("!t");
                    self.fail(SampleFailure::WrongType, v);
                }
            },
            Body::Named(fields) if t.container.transparent && fields.len() == 1 => self.shape(v, &fields[0].shape),
            Body::Named(fields) => {
                let Some(obj) = v.as_object() else {
                    self.sig("!o");
                    let kind = if v.is_null() {
                        SampleFailure::NullNotAllowed
                    } else {
                        SampleFailure::WrongType
                    };
                    self.fail(kind, v);
                    return;
                };
                self.sig("{");
                let mut consumed: Vec<&str> = Vec::with_capacity(fields.len() + 1);
                consumed.extend(skip_key);
                self.fields(obj, fields, t.container.default, &mut consumed);
                for (k, val) in obj {
                    let at = self.enter(k);
                    if !self.duplicates.is_empty() && self.duplicates.contains(&self.path) {
                        self.sig("D");
                        self.fail(SampleFailure::DuplicateKey, val);
                    }
                    if !consumed.contains(&k.as_str()) {
                        self.sig("+");
                        self.sig(k);
                        if t.container.deny_unknown_fields {
                            self.fail(SampleFailure::UnknownField, val);
                        } else {
                            self.dropped_here += 1;
                            if let Some(counts) = self.dropped.as_deref_mut() {
                                match counts.get_mut(self.path.as_str()) {
                                    Some(n) => *n += 1,
                                    None => {
                                        counts.insert(self.path.clone(), 1);
                                    }
                                }
                            }
                        }
                    }
                    self.path.truncate(at);
                }
                self.sig("}");
            }
        }
    }

    fn fields<'v>(
        &mut self,
        obj: &'v serde_json::Map<String, Value>,
        fields: &[Field],
        container_default: bool,
        consumed: &mut Vec<&'v str>,
    ) {
        for f in fields.iter().filter(|f| !f.skip_de) {
            if f.flatten {
                // Flattened: its keys sit in this same object.
                match &f.shape {
                    Shape::Map(_) | Shape::Any => {
                        consumed.extend(obj.keys().map(String::as_str));
                        self.sig("F*");
                    }
                    Shape::Named(n) => {
                        let model = self.model;
                        if let Some(t) = model.types.get(n) {
                            if let Kind::Struct(Body::Named(inner)) = &t.kind {
                                self.fields(obj, inner, t.container.default, consumed);
                            }
                        }
                    }
                    _ => {}
                }
                continue;
            }
            let key = std::iter::once(&f.wire_de)
                .chain(f.aliases.iter())
                .find_map(|k| obj.get_key_value(k.as_str()));
            match key {
                None => {
                    self.sig("-");
                    self.sig(&f.wire_de);
                    if f.required_on_read(container_default) {
                        self.fail_at(SampleFailure::MissingField, &f.wire_de, &Value::Null);
                    }
                }
                Some((k, val)) => {
                    consumed.push(k.as_str());
                    self.sig(&f.wire_de);
                    self.sig(":");
                    if f.codec.is_some() {
                        self.sig("C");
                        continue;
                    }
                    let at = self.enter(&f.wire_de);
                    self.shape(val, &f.shape);
                    self.path.truncate(at);
                }
            }
        }
    }

    fn shape(&mut self, v: &Value, shape: &Shape) {
        match shape {
            Shape::Option(inner) => {
                if v.is_null() {
                    self.sig("n");
                } else {
                    self.shape(v, inner);
                }
            }
            Shape::Any => self.sig("a"),
            Shape::Unit => {
                self.sig("u");
                if !v.is_null() {
                    self.fail(SampleFailure::WrongType, v);
                }
            }
            Shape::Named(n) => self.named(v, n),
            _ if v.is_null() => {
                self.sig("N");
                self.fail(SampleFailure::NullNotAllowed, v);
            }
            Shape::Seq(inner) => match v.as_array() {
                Some(items) => {
                    self.sig("[");
                    let at = self.path.len();
                    self.path.push_str("[]");
                    for item in items {
                        self.shape(item, inner);
                    }
                    self.path.truncate(at);
                    self.sig("]");
                }
                None => {
                    self.sig("!a");
                    self.fail(SampleFailure::WrongType, v);
                }
            },
            Shape::Map(inner) => match v.as_object() {
                Some(map) => {
                    self.sig("<");
                    for (k, item) in map {
                        let at = self.enter(k);
                        self.shape(item, inner);
                        self.path.truncate(at);
                    }
                    self.sig(">");
                }
                None => {
                    self.sig("!m");
                    self.fail(SampleFailure::WrongType, v);
                }
            },
            Shape::Int { signed, bits } => match v.as_number() {
                Some(n) if json::is_float(n) => {
                    self.sig("f");
                    self.fail(SampleFailure::FloatIntoInteger, v);
                }
                Some(n) => {
                    let fits = match (n.as_i64(), n.as_u64()) {
                        (_, Some(u)) => {
                            !*signed && (*bits >= 64 || u < (1u64 << bits))
                                || *signed
                                    && (*bits >= 64 && u <= i64::MAX as u64 || *bits < 64 && u < (1u64 << (bits - 1)))
                        }
                        (Some(i), None) => *signed && (*bits >= 64 || (i >= -(1i64 << (bits - 1)))),
                        _ => false,
                    };
                    self.sig(if fits { "i" } else { "I" });
                    if !fits {
                        self.fail(SampleFailure::WrongType, v);
                    }
                }
                None => {
                    self.sig("!i");
                    self.fail(SampleFailure::WrongType, v);
                }
            },
            Shape::Float => {
                self.sig("d");
                if !v.is_number() {
                    self.fail(SampleFailure::WrongType, v);
                }
            }
            Shape::Bool => {
                self.sig("b");
                if !v.is_boolean() {
                    self.fail(SampleFailure::WrongType, v);
                }
            }
            Shape::String => {
                self.sig("s");
                if !v.is_string() {
                    self.fail(SampleFailure::WrongType, v);
                }
            }
            Shape::BorrowedStr => match v.as_str() {
                Some(s) => {
                    // Only strings with no escape in their JSON text can be borrowed.
                    let escaped = s.chars().any(|c| c == '"' || c == '\\' || c.is_control());
                    self.sig(if escaped { "E" } else { "s" });
                    if escaped {
                        self.fail(SampleFailure::EscapedIntoBorrowed, v);
                    }
                }
                None => {
                    self.sig("!s");
                    self.fail(SampleFailure::WrongType, v);
                }
            },
            Shape::Tuple(items) => match v.as_array() {
                Some(a) if a.len() == items.len() => {
                    for (k, (x, s)) in a.iter().zip(items).enumerate() {
                        let at = self.enter_index(k);
                        self.shape(x, s);
                        self.path.truncate(at);
                    }
                }
                _ => self.fail(SampleFailure::WrongType, v),
            },
        }
    }

    fn enumeration(&mut self, v: &Value, t: &SerdeType, variants: &[Variant]) {
        let c = &t.container;
        let live: Vec<_> = variants.iter().filter(|v| !v.skip).collect();
        let find = |name: &str| {
            live.iter()
                .find(|x| x.wire_de == name || x.aliases.iter().any(|a| a == name))
                .copied()
        };
        let other = live.iter().find(|x| x.other).copied();
        if c.untagged {
            // The first variant that reads the value wins; a later one that reads more keys
            // means the data is silently misread.
            let mut first: Option<(usize, usize)> = None;
            let mut best: Option<(usize, usize)> = None;
            let keys_in = v.as_object().map_or(0, |o| o.len());
            for (i, var) in live.iter().enumerate() {
                let mut probe = Eval::new(self.model, &[], None, &self.path);
                probe.body(v, &var.body, t, None);
                if !probe.rejects() {
                    let keys = keys_in - probe.dropped_here.min(keys_in);
                    if first.is_none() {
                        first = Some((i, keys));
                    }
                    if best.is_none_or(|b| keys > b.1) {
                        best = Some((i, keys));
                    }
                }
            }
            match (first, best) {
                (None, _) => {
                    self.sig("!U");
                    self.fail(SampleFailure::WrongType, v);
                }
                (Some(f), Some(b)) => {
                    self.sig("U");
                    self.sig(&f.0.to_string());
                    if b.1 > f.1 {
                        let why = format!("read as {} instead of {}", live[f.0].rust, live[b.0].rust);
                        self.fail(SampleFailure::UntaggedOtherVariant, &Value::String(why));
                    }
                    self.body(v, &live[f.0].body, t, None);
                }
                _ => {}
            }
            return;
        }
        match (&c.tag, &c.content) {
            (None, _) => match v {
                Value::String(s) => {
                    self.sig("=");
                    self.sig(s);
                    match find(s) {
                        Some(var) if var.body == Body::Unit => {}
                        Some(_) => self.fail(SampleFailure::WrongType, v),
                        None if other.is_some() => {}
                        None => self.fail(SampleFailure::UnknownVariant, v),
                    }
                }
                Value::Object(o) if o.len() == 1 => {
                    let (k, inner) = o.iter().next().expect("one entry");
                    self.sig("=");
                    self.sig(k);
                    match find(k) {
                        Some(var) => {
                            let at = self.enter(k);
                            self.body(inner, &var.body, t, None);
                            self.path.truncate(at);
                        }
                        None => self.fail(SampleFailure::UnknownVariant, &Value::String(k.clone())),
                    }
                }
                _ => {
                    self.sig("!e");
                    self.fail(SampleFailure::WrongType, v);
                }
            },
            (Some(tag), content) => {
                let Some(obj) = v.as_object() else {
                    self.sig("!e");
                    self.fail(SampleFailure::WrongType, v);
                    return;
                };
                let Some(name) = obj.get(tag) else {
                    self.sig("-tag");
                    self.fail_at(SampleFailure::MissingField, tag, &Value::Null);
                    return;
                };
                let name_str = name.as_str().unwrap_or("");
                self.sig("=");
                self.sig(name_str);
                match (find(name_str), content) {
                    (None, _) if other.is_some() => {}
                    (None, _) => self.fail_at(SampleFailure::UnknownVariant, tag, name),
                    (Some(var), Some(content_key)) => match obj.get(content_key) {
                        Some(inner) => {
                            let at = self.enter(content_key);
                            self.body(inner, &var.body, t, None);
                            self.path.truncate(at);
                        }
                        None if var.body == Body::Unit => {}
                        None => self.fail_at(SampleFailure::MissingField, content_key, &Value::Null),
                    },
                    (Some(var), None) => match &var.body {
                        Body::Unit => {}
                        body => self.body(v, body, t, Some(tag.as_str())),
                    },
                }
            }
        }
    }
}
