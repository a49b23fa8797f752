//! The floor `bench/shapes` compares `riskgate shapes` with: each line of a JSON Lines file
//! parsed into a `serde_json::Value`, nothing else (issue #17: shapes ≤ 1.5 × this).
//!
//!     cargo build --release --example json_value_floor
//!     target/release/examples/json_value_floor FILE.jsonl

use std::io::BufRead;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: json_value_floor FILE.jsonl");
        std::process::exit(2);
    };
    let file = match std::fs::File::open(&path) {
        Ok(f) => std::io::BufReader::new(f),
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(2);
        }
    };
    let (mut objects, mut bad) = (0usize, 0usize);
    for line in file.lines().map_while(Result::ok) {
        match serde_json::from_str::<serde_json::Value>(&line) {
            Ok(v) if v.is_object() => objects += 1,
            _ => bad += 1,
        }
    }
    println!("{objects} objects, {bad} other lines");
}
