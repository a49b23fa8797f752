#![no_main]
use libfuzzer_sys::fuzz_target;
use riskgate::config::{parse_toml, Config, SourceText};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let src = SourceText { name: "riskgate.toml".into(), text: text.into() };
        let _ = parse_toml::<Config>(&src);
    }
});
