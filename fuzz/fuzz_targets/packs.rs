#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(rules) = riskgate::packs::load("pack.toml", text) {
            for rule in &rules {
                let _ = riskgate::analyzers::pattern::check_examples(rule);
            }
        }
    }
});
