#![no_main]
use libfuzzer_sys::fuzz_target;
use riskgate::shapes::{Checker, Model};

const TYPES: &str = r#"
#[derive(serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event { Paid { amount: u64, at: String }, Refunded(Refund), #[serde(other)] Unknown }
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Refund { pub amount: i32, #[serde(default)] pub reason: Option<String>, pub lines: Vec<Line> }
#[derive(serde::Deserialize)]
#[serde(untagged)]
pub enum Line { Id(u32), Named { name: String, qty: f64 } }
"#;

// Sample records as a sample file holds them, one per line, checked against a fixed model:
// any bytes, any depth, any size; bad lines are records, never the end of the run.
fuzz_target!(|data: &[u8]| {
    let types = riskgate::analyzers::json_shape::serde_model::read_types("m.rs", TYPES).unwrap();
    let model = Model {
        root: "Event".to_string(),
        types: types.into_iter().map(|t| (t.name.clone(), t)).collect(),
    };
    let mut checker = Checker::new(&model, None);
    checker.hide_values = data.first().is_some_and(|b| b % 2 == 0);
    for (i, line) in data.split(|b| *b == b'\n').enumerate() {
        match std::str::from_utf8(line) {
            Ok(text) => checker.add(i as u64 + 1, text),
            Err(_) => checker.add_unreadable(i as u64 + 1, "not UTF-8"),
        }
    }
    let report = checker.finish("m.rs::Event", "HEAD", "fuzz", Vec::new());
    let _ = riskgate::shapes::summary(&report);
    let _ = riskgate::shapes::render_text(&report);
});
