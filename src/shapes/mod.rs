//! `riskgate shapes`: checks a serde type against samples of the JSON actually stored, with
//! serde's own rules — which records the type would reject or misread, grouped by failure with
//! counts and examples, which keys a read-modify-write would drop, and (with a base revision)
//! what changed between the old type and the new one.

mod batch;
pub mod json;
pub mod json_sample_rejected;
pub mod source;

use crate::analyzers::json_shape::serde_model::{Body, Field, Kind, SerdeType, Shape};
use crate::model::SampleFailure;
use batch::{judge, Outcome, Pending, BATCH_BYTES, BATCH_RECORDS, PARALLEL_FROM};
use json::Record;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};

/// The serde types a check can reach, by Rust name.
pub struct Model {
    pub root: String,
    pub types: HashMap<String, SerdeType>,
}

/// One problem in one record.
#[derive(Debug, Clone, PartialEq)]
struct Problem {
    kind: SampleFailure,
    path: String,
    value: Value,
    /// Rejects the record (silent misreads do not).
    rejects: bool,
}

struct Eval<'a> {
    model: &'a Model,
    duplicates: &'a [String],
    problems: Vec<Problem>,
    dropped: Vec<String>,
    /// The record's shape as the type sees it: what decides the outcome.
    signature: String,
}

impl Eval<'_> {
    fn fail(&mut self, kind: SampleFailure, path: &str, value: &Value) {
        self.problems.push(Problem {
            kind,
            path: path.to_string(),
            value: value.clone(),
            rejects: kind.rejects(),
        });
    }

    fn sig(&mut self, s: &str) {
        self.signature.push_str(s);
    }

    fn named(&mut self, v: &Value, name: &str, path: &str) {
        match self.model.types.get(Shape::base_name(name)) {
            Some(t) => self.ty(v, t, path),
            None => self.sig("?"),
        }
    }

    fn ty(&mut self, v: &Value, t: &SerdeType, path: &str) {
        if t.container.proxy.is_some() {
            self.sig("P");
            return;
        }
        match &t.kind {
            Kind::Struct(body) => self.body(v, body, t, path, None),
            Kind::Enum(variants) => self.enumeration(v, t, variants, path),
        }
    }

    fn body(&mut self, v: &Value, body: &Body, t: &SerdeType, path: &str, skip_key: Option<&str>) {
        match body {
            Body::Unit => {
                self.sig("u");
                if !v.is_null() {
                    self.fail(SampleFailure::WrongType, path, v);
                }
            }
            Body::Tuple(fields) if fields.len() == 1 || t.container.transparent => {
                self.shape(v, &fields[0].shape, path)
            }
            Body::Tuple(fields) => match v.as_array() {
                Some(items) if items.len() == fields.len() => {
                    self.sig("(");
                    for (k, (item, f)) in items.iter().zip(fields).enumerate() {
                        self.shape(item, &f.shape, &format!("{path}[{k}]"));
                    }
                    self.sig(")");
                }
                _ => {
                    self.sig("!t");
                    self.fail(SampleFailure::WrongType, path, v);
                }
            },
            Body::Named(fields) if t.container.transparent && fields.len() == 1 => {
                self.shape(v, &fields[0].shape, path)
            }
            Body::Named(fields) => {
                let Some(obj) = v.as_object() else {
                    self.sig("!o");
                    self.fail(
                        if v.is_null() {
                            SampleFailure::NullNotAllowed
                        } else {
                            SampleFailure::WrongType
                        },
                        path,
                        v,
                    );
                    return;
                };
                self.sig("{");
                let mut consumed: Vec<&str> = skip_key.into_iter().collect();
                self.fields(obj, fields, t.container.default, path, &mut consumed);
                for (k, val) in obj {
                    // The key's path is written out only when something is said about it.
                    let at = || format!("{path}.{k}");
                    if !self.duplicates.is_empty() && self.duplicates.contains(&at()) {
                        self.sig("D");
                        self.fail(SampleFailure::DuplicateKey, &at(), val);
                    }
                    if consumed.contains(&k.as_str()) {
                        continue;
                    }
                    let at = at();
                    self.sig("+");
                    self.sig(k);
                    if t.container.deny_unknown_fields {
                        self.fail(SampleFailure::UnknownField, &at, val);
                    } else {
                        self.dropped.push(at);
                    }
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
        path: &str,
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
                        if let Some(Kind::Struct(Body::Named(inner))) = self.model.types.get(n).map(|t| t.kind.clone())
                        {
                            let d = self.model.types.get(n).is_some_and(|t| t.container.default);
                            self.fields(obj, &inner, d, path, consumed);
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
                        self.fail(
                            SampleFailure::MissingField,
                            &format!("{path}.{}", f.wire_de),
                            &Value::Null,
                        );
                    }
                }
                Some((k, val)) => {
                    consumed.push(k.as_str());
                    self.sig(&f.wire_de);
                    self.sig(":");
                    let at = format!("{path}.{}", f.wire_de);
                    if f.codec.is_some() {
                        self.sig("C");
                        continue;
                    }
                    self.shape(val, &f.shape, &at);
                }
            }
        }
    }

    fn shape(&mut self, v: &Value, shape: &Shape, path: &str) {
        match shape {
            Shape::Option(inner) => {
                if v.is_null() {
                    self.sig("n");
                } else {
                    self.shape(v, inner, path);
                }
            }
            Shape::Any => self.sig("a"),
            Shape::Unit => {
                self.sig("u");
                if !v.is_null() {
                    self.fail(SampleFailure::WrongType, path, v);
                }
            }
            Shape::Named(n) => self.named(v, n, path),
            _ if v.is_null() => {
                self.sig("N");
                self.fail(SampleFailure::NullNotAllowed, path, v);
            }
            Shape::Seq(inner) => match v.as_array() {
                Some(items) => {
                    self.sig("[");
                    let at = format!("{path}[]");
                    for item in items {
                        self.shape(item, inner, &at);
                    }
                    self.sig("]");
                }
                None => {
                    self.sig("!a");
                    self.fail(SampleFailure::WrongType, path, v);
                }
            },
            Shape::Map(inner) => match v.as_object() {
                Some(map) => {
                    self.sig("<");
                    for (k, item) in map {
                        self.shape(item, inner, &format!("{path}.{k}"));
                    }
                    self.sig(">");
                }
                None => {
                    self.sig("!m");
                    self.fail(SampleFailure::WrongType, path, v);
                }
            },
            Shape::Int { signed, bits } => match v.as_number() {
                Some(n) if json::is_float(n) => {
                    self.sig("f");
                    self.fail(SampleFailure::FloatIntoInteger, path, v);
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
                        self.fail(SampleFailure::WrongType, path, v);
                    }
                }
                None => {
                    self.sig("!i");
                    self.fail(SampleFailure::WrongType, path, v);
                }
            },
            Shape::Float => {
                self.sig("d");
                if !v.is_number() {
                    self.fail(SampleFailure::WrongType, path, v);
                }
            }
            Shape::Bool => {
                self.sig("b");
                if !v.is_boolean() {
                    self.fail(SampleFailure::WrongType, path, v);
                }
            }
            Shape::String => {
                self.sig("s");
                if !v.is_string() {
                    self.fail(SampleFailure::WrongType, path, v);
                }
            }
            Shape::BorrowedStr => match v.as_str() {
                Some(s) => {
                    // Only strings with no escape in their JSON text can be borrowed.
                    let escaped = s.chars().any(|c| c == '"' || c == '\\' || c.is_control());
                    self.sig(if escaped { "E" } else { "s" });
                    if escaped {
                        self.fail(SampleFailure::EscapedIntoBorrowed, path, v);
                    }
                }
                None => {
                    self.sig("!s");
                    self.fail(SampleFailure::WrongType, path, v);
                }
            },
            Shape::Tuple(items) => match v.as_array() {
                Some(a) if a.len() == items.len() => {
                    for (k, (x, s)) in a.iter().zip(items).enumerate() {
                        self.shape(x, s, &format!("{path}[{k}]"));
                    }
                }
                _ => self.fail(SampleFailure::WrongType, path, v),
            },
        }
    }

    fn enumeration(
        &mut self,
        v: &Value,
        t: &SerdeType,
        variants: &[crate::analyzers::json_shape::serde_model::Variant],
        path: &str,
    ) {
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
            for (i, var) in live.iter().enumerate() {
                let mut probe = Eval {
                    model: self.model,
                    duplicates: &[],
                    problems: Vec::new(),
                    dropped: Vec::new(),
                    signature: String::new(),
                };
                probe.body(v, &var.body, t, path, None);
                if probe.problems.iter().all(|p| !p.rejects) {
                    let keys = v.as_object().map_or(0, |o| o.len())
                        - probe.dropped.len().min(v.as_object().map_or(0, |o| o.len()));
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
                    self.fail(SampleFailure::WrongType, path, v);
                }
                (Some(f), Some(b)) => {
                    self.sig(&format!("U{}", f.0));
                    if b.1 > f.1 {
                        self.fail(
                            SampleFailure::UntaggedOtherVariant,
                            path,
                            &Value::String(format!("read as {} instead of {}", live[f.0].rust, live[b.0].rust)),
                        );
                    }
                    let chosen = live[f.0];
                    self.body(v, &chosen.body, t, path, None);
                }
                _ => {}
            }
            return;
        }
        match (&c.tag, &c.content) {
            (None, _) => match v {
                Value::String(s) => {
                    self.sig(&format!("={s}"));
                    match find(s) {
                        Some(var) if var.body == Body::Unit => {}
                        Some(_) => self.fail(SampleFailure::WrongType, path, v),
                        None if other.is_some() => {}
                        None => self.fail(SampleFailure::UnknownVariant, path, v),
                    }
                }
                Value::Object(o) if o.len() == 1 => {
                    let (k, inner) = o.iter().next().expect("one entry");
                    self.sig(&format!("={k}"));
                    match find(k) {
                        Some(var) => self.body(inner, &var.body, t, &format!("{path}.{k}"), None),
                        None => self.fail(SampleFailure::UnknownVariant, path, &Value::String(k.clone())),
                    }
                }
                _ => {
                    self.sig("!e");
                    self.fail(SampleFailure::WrongType, path, v);
                }
            },
            (Some(tag), content) => {
                let Some(obj) = v.as_object() else {
                    self.sig("!e");
                    self.fail(SampleFailure::WrongType, path, v);
                    return;
                };
                let Some(name) = obj.get(tag) else {
                    self.sig("-tag");
                    self.fail(SampleFailure::MissingField, &format!("{path}.{tag}"), &Value::Null);
                    return;
                };
                let name_str = name.as_str().unwrap_or("");
                self.sig(&format!("={name_str}"));
                match (find(name_str), content) {
                    (None, _) if other.is_some() => {}
                    (None, _) => self.fail(SampleFailure::UnknownVariant, &format!("{path}.{tag}"), name),
                    (Some(var), Some(content_key)) => match obj.get(content_key) {
                        Some(inner) => self.body(inner, &var.body, t, &format!("{path}.{content_key}"), None),
                        None if var.body == Body::Unit => {}
                        None => self.fail(
                            SampleFailure::MissingField,
                            &format!("{path}.{content_key}"),
                            &Value::Null,
                        ),
                    },
                    (Some(var), None) => match &var.body {
                        Body::Unit => {}
                        body => self.body(v, body, t, path, Some(tag.as_str())),
                    },
                }
            }
        }
    }
}

/// One failure group: a kind at a path, with counts and up to five examples.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Failure {
    pub kind: SampleFailure,
    pub path: String,
    pub count: u64,
    pub examples: Vec<Example>,
    /// Distinct values and how often each occurs (the most frequent first), for messages.
    #[serde(skip)]
    pub values: Vec<(String, u64)>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Example {
    pub record: u64,
    pub value: Value,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PathCount {
    pub path: String,
    pub count: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OldReader {
    pub kind: String,
    pub path: String,
    pub message: String,
}

/// The `shapes` report of design §3.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema_version: u32,
    #[serde(rename = "type")]
    pub type_name: String,
    pub rev: String,
    pub source: String,
    pub records: u64,
    pub distinct_shapes: u64,
    pub accepted: u64,
    pub rejected: u64,
    pub failures: Vec<Failure>,
    pub dropped_on_rewrite: Vec<PathCount>,
    pub old_readers: Vec<OldReader>,
    /// With `--base`: records the old type accepted and the new one rejects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub newly_rejected: Option<u64>,
}

/// Accumulates records; memory grows with distinct shapes and failure groups, not records.
pub struct Checker<'a> {
    model: &'a Model,
    old: Option<&'a Model>,
    /// The distinct shapes seen, as the type sees them.
    shapes: HashSet<String>,
    records: u64,
    rejected: u64,
    newly_rejected: u64,
    failures: BTreeMap<(String, String), Failure>,
    dropped: BTreeMap<String, u64>,
    /// Values are replaced by `HIDDEN` in the report (records read from a database).
    pub hide_values: bool,
    /// Records read and not yet judged, in order: judged a batch at a time on two threads,
    /// then counted in record order, so the report is the one a single thread gives.
    pending: Vec<Pending>,
    pending_bytes: usize,
}

impl<'a> Checker<'a> {
    pub fn new(model: &'a Model, old: Option<&'a Model>) -> Checker<'a> {
        Checker {
            model,
            old,
            shapes: HashSet::new(),
            records: 0,
            rejected: 0,
            newly_rejected: 0,
            failures: BTreeMap::new(),
            hide_values: false,
            dropped: BTreeMap::new(),
            pending: Vec::new(),
            pending_bytes: 0,
        }
    }

    fn evaluate<'m>(model: &'m Model, record: &'m Record) -> Eval<'m> {
        let root = &model.types[&model.root];
        let mut e = Eval {
            model,
            duplicates: &record.duplicates,
            problems: Vec::new(),
            dropped: Vec::new(),
            signature: String::new(),
        };
        e.ty(&record.value, root, "$");
        e
    }

    fn note(&mut self, kind: SampleFailure, path: &str, record: u64, value: &Value) {
        let value = &if self.hide_values && kind != SampleFailure::InvalidJson {
            Value::String(HIDDEN.to_string())
        } else {
            shorten(value)
        };
        let f = self
            .failures
            .entry((kind.to_string(), path.to_string()))
            .or_insert_with(|| Failure {
                kind,
                path: path.to_string(),
                count: 0,
                examples: Vec::new(),
                values: Vec::new(),
            });
        f.count += 1;
        if f.examples.len() < 5 {
            f.examples.push(Example {
                record,
                value: value.clone(),
            });
        }
        let shown = match value {
            Value::String(s) => format!("\"{s}\""),
            Value::Null => "missing".to_string(),
            other => other.to_string(),
        };
        if let Some(i) = f.values.iter().position(|(v, _)| *v == shown) {
            f.values[i].1 += 1;
        } else if f.values.len() < 20 {
            f.values.push((shown, 1));
        }
    }

    /// A record that could not be read as text (not UTF-8, over the size limit): rejected as
    /// `invalid-json`, and the run goes on.
    pub fn add_unreadable(&mut self, n: u64, why: &str) {
        self.pending.push(Pending::Unreadable(n, why.to_string()));
        self.flush_if_full();
    }

    /// Adds one record (1-based number `n`).
    pub fn add(&mut self, n: u64, text: &str) {
        self.pending_bytes += text.len();
        self.pending.push(Pending::Text(n, text.to_string()));
        self.flush_if_full();
    }

    fn flush_if_full(&mut self) {
        if self.pending.len() >= BATCH_RECORDS || self.pending_bytes >= BATCH_BYTES {
            self.flush();
        }
    }

    /// Judges the pending records, the second half on another thread, and counts them in order.
    fn flush(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        self.pending_bytes = 0;
        let (model, old) = (self.model, self.old);
        let judge_all =
            |records: &[Pending]| -> Vec<Outcome> { records.iter().map(|p| judge(model, old, p)).collect() };
        let outcomes: Vec<Outcome> = if pending.len() < PARALLEL_FROM {
            judge_all(&pending)
        } else {
            let (first, second) = pending.split_at(pending.len() / 2);
            std::thread::scope(|scope| {
                let other = scope.spawn(|| judge_all(second));
                let mut outcomes = judge_all(first);
                // A panic on the other thread is one here too, as it would be on one thread.
                outcomes.extend(other.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
                outcomes
            })
        };
        for outcome in outcomes {
            self.count(outcome);
        }
    }

    fn count(&mut self, outcome: Outcome) {
        self.records += 1;
        match outcome {
            Outcome::Invalid(n, why) => {
                self.rejected += 1;
                self.note(SampleFailure::InvalidJson, "$", n, &Value::String(why));
            }
            Outcome::Judged {
                n,
                signature,
                problems,
                dropped,
                newly_rejected,
            } => {
                self.shapes.insert(signature);
                if problems.iter().any(|p| p.rejects) {
                    self.rejected += 1;
                    self.newly_rejected += u64::from(newly_rejected);
                }
                for p in &problems {
                    self.note(p.kind, &p.path, n, &p.value);
                }
                for d in dropped {
                    *self.dropped.entry(d).or_insert(0) += 1;
                }
            }
        }
    }

    pub fn finish(mut self, type_name: &str, rev: &str, source: &str, old_readers: Vec<OldReader>) -> Report {
        self.flush();
        let mut failures: Vec<Failure> = self.failures.into_values().collect();
        for f in &mut failures {
            f.values.sort_by_key(|v| std::cmp::Reverse(v.1));
        }
        failures.sort_by(|a, b| b.count.cmp(&a.count).then(a.path.cmp(&b.path)));
        Report {
            schema_version: 1,
            type_name: type_name.to_string(),
            rev: rev.to_string(),
            source: source.to_string(),
            records: self.records,
            distinct_shapes: self.shapes.len() as u64,
            accepted: self.records - self.rejected,
            rejected: self.rejected,
            failures,
            dropped_on_rewrite: self
                .dropped
                .into_iter()
                .map(|(path, count)| PathCount { path, count })
                .collect(),
            old_readers,
            newly_rejected: self.old.map(|_| self.newly_rejected),
        }
    }
}

/// `status: 312 of 10,000 records would fail: "awaiting_payment" (301), "ACTIVE" (11)`.
pub fn summary(report: &Report) -> Vec<String> {
    let mut by_path: BTreeMap<&str, Vec<&Failure>> = BTreeMap::new();
    for f in report
        .failures
        .iter()
        .filter(|f| f.kind != SampleFailure::UntaggedOtherVariant)
    {
        by_path.entry(f.path.as_str()).or_default().push(f);
    }
    by_path
        .into_iter()
        .map(|(path, fs)| {
            let count: u64 = fs.iter().map(|f| f.count).sum();
            let values: Vec<String> = fs
                .iter()
                .flat_map(|f| {
                    f.values
                        .iter()
                        .take(3)
                        .map(move |(v, n)| format!("{v} ({n}, {})", f.kind))
                })
                .collect();
            // One record can fail more than once at a path (each element of an array).
            let how_many = if count <= report.records {
                format!("{count} of {} records would fail", report.records)
            } else {
                format!("{count} failures in {} records", report.records)
            };
            format!("{}: {how_many}: {}", path.trim_start_matches("$."), values.join(", "))
        })
        .collect()
}

pub fn render_text(r: &Report) -> String {
    let mut s = format!(
        "{} at {} ({}): {} records, {} distinct shapes, {} accepted, {} rejected\n",
        r.type_name,
        crate::text::short_sha(&r.rev),
        r.source,
        r.records,
        r.distinct_shapes,
        r.accepted,
        r.rejected
    );
    for line in summary(r) {
        s.push_str(&format!("  {line}\n"));
    }
    for f in &r.failures {
        let ex: Vec<String> = f
            .examples
            .iter()
            .map(|e| format!("{} (record {})", e.value, e.record))
            .collect();
        s.push_str(&format!(
            "  {:<22} {:<28} {:>8}  e.g. {}\n",
            f.kind,
            f.path,
            f.count,
            ex.join(", ")
        ));
    }
    if let Some(n) = r.newly_rejected {
        s.push_str(&format!(
            "records the old type accepted and the new type rejects: {n}\n"
        ));
    }
    for d in &r.dropped_on_rewrite {
        s.push_str(&format!(
            "  dropped on read-modify-write: {} ({} records)\n",
            d.path, d.count
        ));
    }
    for o in &r.old_readers {
        s.push_str(&format!("  old readers: {} {}: {}\n", o.kind, o.path, o.message));
    }
    s
}

/// What stands for a value read from a database unless `--show-values`.
pub const HIDDEN: &str = "(hidden: read from a database; --show-values shows it)";

/// Example values are shown, never dumped: past `MAX_SHOWN` characters a value is cut.
pub const MAX_SHOWN: usize = 200;

fn shorten(value: &Value) -> Value {
    let text = match value {
        Value::String(s) if s.chars().count() <= MAX_SHOWN => return value.clone(),
        Value::String(s) => s.clone(),
        Value::Array(_) | Value::Object(_) => value.to_string(),
        _ => return value.clone(),
    };
    if text.chars().count() <= MAX_SHOWN {
        return value.clone();
    }
    let cut: String = text.chars().take(MAX_SHOWN).collect();
    Value::String(format!("{cut}… ({} bytes)", text.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyzers::json_shape::serde_model::read_types;

    fn model(src: &str, root: &str) -> Model {
        let types = read_types("src/m.rs", src)
            .unwrap()
            .into_iter()
            .map(|t| (t.name.clone(), t))
            .collect();
        Model {
            root: root.to_string(),
            types,
        }
    }

    const SRC: &str = r#"
        #[derive(Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Status { Active, AwaitingPayment }
        #[derive(Serialize, Deserialize)]
        pub struct Order<'a> {
            pub id: u32,
            pub status: Status,
            pub note: Option<String>,
            pub code: &'a str,
            pub total: i64,
        }
    "#;

    fn check(lines: &[&str]) -> Report {
        let m = model(SRC, "Order");
        let mut c = Checker::new(&m, None);
        for (i, l) in lines.iter().enumerate() {
            c.add(i as u64 + 1, l);
        }
        c.finish("src/m.rs::Order", "abc", "test", Vec::new())
    }

    fn kinds(r: &Report) -> Vec<(&str, &str, u64)> {
        r.failures
            .iter()
            .map(|f| (f.kind.as_str(), f.path.as_str(), f.count))
            .collect()
    }

    #[test]
    fn many_records_are_counted_in_order_across_threads() {
        // 20,000 records: several batches, each judged on two threads. Every 7th is refused,
        // an unreadable record sits between them, and the examples are still the first five.
        let ok = r#"{"id": 1, "status": "active", "note": null, "code": "x", "total": 5}"#;
        let bad = r#"{"id": 1, "status": "refunded", "code": "x", "total": 5}"#;
        let m = model(SRC, "Order");
        let mut c = Checker::new(&m, None);
        for n in 1..=20_000u64 {
            if n == 10_001 {
                c.add_unreadable(n, "not UTF-8");
            } else {
                c.add(n, if n % 7 == 0 { bad } else { ok });
            }
        }
        let r = c.finish("src/m.rs::Order", "abc", "test", Vec::new());
        assert_eq!((r.records, r.rejected), (20_000, 2_857 + 1));
        let refused = r
            .failures
            .iter()
            .find(|f| f.kind.as_str() == "unknown-variant")
            .unwrap();
        assert_eq!(refused.count, 2_857);
        let first: Vec<u64> = refused.examples.iter().map(|e| e.record).collect();
        assert_eq!(first, vec![7, 14, 21, 28, 35]);
        let unreadable = r.failures.iter().find(|f| f.kind.as_str() == "invalid-json").unwrap();
        assert_eq!(unreadable.examples[0].record, 10_001);
    }

    #[test]
    fn every_failure_kind() {
        let ok = r#"{"id": 1, "status": "active", "note": null, "code": "x", "total": 5}"#;
        let r = check(&[
            ok,
            ok,
            r#"{"id": 1, "status": "active", "code": "x"}"#,
            r#"{"id": null, "status": "active", "code": "x", "total": 1}"#,
            r#"{"id": "1", "status": "active", "code": "x", "total": 1}"#,
            r#"{"id": 1, "status": "active", "code": "x", "total": 3.0}"#,
            r#"{"id": 1, "status": "refunded", "code": "x", "total": 1}"#,
            r#"{"id": 1, "status": "active", "code": "a\nb", "total": 1}"#,
            r#"{"id": 1, "id": 2, "status": "active", "code": "x", "total": 1}"#,
            r#"{"id": 1, "status": "active", "code": "x", "total": 1, "legacy": true}"#,
            r#"{"id": 1,"#,
            r#"{"id": -1, "status": "active", "code": "x", "total": 1}"#,
        ]);
        assert_eq!(r.records, 12);
        assert_eq!(r.rejected, 9);
        let k = kinds(&r);
        for expected in [
            ("missing-field", "$.total", 1),
            ("null-not-allowed", "$.id", 1),
            ("wrong-type", "$.id", 2),
            ("float-into-integer", "$.total", 1),
            ("unknown-variant", "$.status", 1),
            ("escaped-into-borrowed", "$.code", 1),
            ("duplicate-key", "$.id", 1),
            ("invalid-json", "$", 1),
        ] {
            assert!(k.contains(&expected), "{expected:?} missing from {k:?}");
        }
        assert_eq!(
            r.dropped_on_rewrite,
            vec![PathCount {
                path: "$.legacy".into(),
                count: 1
            }]
        );
        let line = summary(&r).into_iter().find(|l| l.starts_with("status")).unwrap();
        assert_eq!(
            line,
            "status: 1 of 12 records would fail: \"refunded\" (1, unknown-variant)"
        );
    }

    #[test]
    fn deny_unknown_fields_and_untagged_misreads() {
        let m = model(
            "#[derive(Deserialize)]\n#[serde(deny_unknown_fields)]\npub struct A { pub x: u8 }\n",
            "A",
        );
        let mut c = Checker::new(&m, None);
        c.add(1, r#"{"x": 1, "y": 2}"#);
        c.add(2, r#"{"x": 300}"#);
        let r = c.finish("A", "r", "t", vec![]);
        assert_eq!(kinds(&r), vec![("wrong-type", "$.x", 1), ("unknown-field", "$.y", 1)]);
        let m = model(
            "#[derive(Deserialize)]\n#[serde(untagged)]\npub enum V { Poor { a: i32 }, Rich { a: i32, b: i32 } }\n",
            "V",
        );
        let mut c = Checker::new(&m, None);
        c.add(1, r#"{"a": 1, "b": 2}"#);
        let r = c.finish("V", "r", "t", vec![]);
        assert_eq!(r.rejected, 0, "a silent misread is not a rejection");
        assert_eq!(kinds(&r), vec![("untagged-other-variant", "$", 1)]);
    }

    #[test]
    fn shapes_are_grouped() {
        let ok = r#"{"id": 1, "status": "active", "code": "x", "total": 5}"#;
        let ok2 = r#"{"id": 7, "status": "active", "code": "y", "total": 9}"#;
        let r = check(&[
            ok,
            ok2,
            ok,
            r#"{"id": 1, "status": "awaiting_payment", "code": "x", "total": 5}"#,
        ]);
        assert_eq!((r.records, r.distinct_shapes, r.rejected), (4, 2, 0));
    }
}
