#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let required = vec!["rollback".to_string(), "verification".to_string(), "backup".to_string()];
        let _ = riskgate::gate::plan::validate(text, "ROLLBACK.md", &required);
        let _ = riskgate::pipeline::rollback_section(text);
    }
});
