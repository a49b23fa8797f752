//! Fits the score's default weights on the changes `riskgate calibrate --samples` wrote for
//! other histories (each file's changes oldest first), from the current defaults, and prints them
//! as `[score.context]`; then the mean log-likelihood of those changes' L2 labels for bot weights
//! from 0 to −3, the other weights left at their defaults. The defaults are chosen on histories that the published calibration
//! figures do not use, so that those figures stay out of sample.
//!
//! cargo run --release --example fit_defaults -- a.samples.jsonl b.samples.jsonl …

use riskgate::calibrate::model::{fit, Features, Model};
use riskgate::calibrate::Sample;
use riskgate::config::ContextWeights;

fn main() {
    let mut samples: Vec<Sample> = Vec::new();
    for path in std::env::args().skip(1) {
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        for line in text.lines() {
            samples.push(serde_json::from_str(line).unwrap_or_else(|e| panic!("{path}: {e}")));
        }
    }
    let refs: Vec<&Sample> = samples.iter().collect();
    let positives = samples.iter().filter(|s| s.l2).count();
    let m = fit(&refs, |s| s.l2, Model::of(&ContextWeights::default()), Features::Check);
    let w = m.context();
    println!("# {} changes, {} L2 positives", samples.len(), positives);
    println!(
        "intercept = {:.2}\nsize = {:.2}\nspread = {:.2}\nentropy = {:.2}\nno_tests = {:.2}\nhistory = {:.2}\ncap = {:.2}\nfindings = {:.2}\nbot = {:.2}",
        w.intercept, w.size, w.spread, w.entropy, w.no_tests, w.history, w.cap, w.findings, w.bot
    );
    for bot in [0.0, -0.5, -1.0, -1.5, -2.0, -2.5, -3.0] {
        let m = Model::of(&ContextWeights {
            bot,
            ..ContextWeights::default()
        });
        let ll: f64 = samples
            .iter()
            .map(|s| {
                let p = m.predict(s).clamp(1e-9, 1.0 - 1e-9);
                if s.l2 {
                    p.ln()
                } else {
                    (1.0 - p).ln()
                }
            })
            .sum::<f64>()
            / samples.len().max(1) as f64;
        println!("# bot = {bot:.1}: mean log-likelihood {ll:.5}");
    }
}
