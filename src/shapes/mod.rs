//! `riskgate shapes`: checks a serde type against samples of the JSON actually stored, with
//! serde's own rules — which records the type would reject or misread, grouped by failure with
//! counts and examples, which keys a read-modify-write would drop, and (with a base revision)
//! what changed between the old type and the new one.

mod batch;
mod eval;
pub mod json;
pub mod json_sample_rejected;
pub mod source;

use crate::analyzers::json_shape::serde_model::SerdeType;
use crate::model::SampleFailure;
use batch::{Batch, Judged, Outcome, Pool};
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

/// The serde types a check can reach, by Rust name.
#[derive(Clone)]
pub struct Model {
    pub root: String,
    pub types: HashMap<String, SerdeType>,
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
    /// The distinct shapes seen, as the type sees them (by a 64-bit hash of each).
    shapes: HashSet<u64>,
    records: u64,
    rejected: u64,
    newly_rejected: u64,
    failures: BTreeMap<(String, String), Failure>,
    dropped: BTreeMap<String, u64>,
    /// Values are replaced by `HIDDEN` in the report (records read from a database).
    pub hide_values: bool,
    /// Records read and not yet judged, in order: judged a batch at a time on two worker
    /// threads, then counted in record order, so the report is the one a single thread gives.
    batch: Batch,
    /// Started at the first full batch: a short sample is judged on the calling thread.
    pool: Option<Pool>,
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
            batch: Batch::default(),
            pool: None,
        }
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
        self.batch.add_unreadable(n, why);
        self.flush_if_full();
    }

    /// Adds one record (1-based number `n`).
    pub fn add(&mut self, n: u64, text: &str) {
        self.batch.add(n, text);
        self.flush_if_full();
    }

    fn flush_if_full(&mut self) {
        if !self.batch.is_full() {
            return;
        }
        let (model, old) = (self.model, self.old);
        let pool = self
            .pool
            .get_or_insert_with(|| Pool::new(Arc::new(model.clone()), old.map(|m| Arc::new(m.clone()))));
        let next = self.batch.like();
        pool.send(std::mem::replace(&mut self.batch, next));
        for judged in pool.ready(batch::OUT) {
            self.count_batch(judged);
        }
    }

    /// Judges what is left and counts every batch still out, in order.
    fn flush(&mut self) {
        let rest = std::mem::take(&mut self.batch);
        match &mut self.pool {
            Some(pool) => {
                if rest.len() > 0 {
                    pool.send(rest);
                }
                for judged in pool.ready(0) {
                    self.count_batch(judged);
                }
            }
            None => self.count_batch(rest.judge(self.model, self.old)),
        }
    }

    fn count_batch(&mut self, (outcomes, dropped): Judged) {
        for (path, n) in dropped {
            *self.dropped.entry(path).or_insert(0) += n;
        }
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
                shape,
                problems,
                newly_rejected,
            } => {
                self.shapes.insert(shape);
                if problems.iter().any(|p| p.rejects) {
                    self.rejected += 1;
                    self.newly_rejected += u64::from(newly_rejected);
                }
                for p in &problems {
                    self.note(p.kind, &p.path, n, &p.value);
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
        // 20,000 records: several batches, judged on two worker threads. Every 7th is refused,
        // an unreadable record sits between them, and the examples are still the first five.
        let ok = r#"{"id": 1, "status": "active", "note": null, "code": "x", "total": 5, "extra": [1]}"#;
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
        // Dropped keys are counted per batch and summed: every accepted record holds one.
        let dropped: Vec<(&str, u64)> = r
            .dropped_on_rewrite
            .iter()
            .map(|d| (d.path.as_str(), d.count))
            .collect();
        assert_eq!(dropped, vec![("$.extra", 20_000 - 2_857 - 1)]);
        assert_eq!(r.distinct_shapes, 2);
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
