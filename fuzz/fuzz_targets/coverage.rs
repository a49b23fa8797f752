#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(c) = riskgate::coverage::parse("report", text) {
            let _ = c.lines_of("src/lib.rs");
        }
    }
});
