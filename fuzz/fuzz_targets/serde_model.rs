#![no_main]
use libfuzzer_sys::fuzz_target;

// Two versions of a Rust file, separated by a NUL byte: modelled and compared.
fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(2, |b| *b == 0);
    let (Some(a), Some(b)) = (parts.next(), parts.next()) else { return };
    if let (Ok(old), Ok(new)) = (std::str::from_utf8(a), std::str::from_utf8(b)) {
        let _ = riskgate::analyzers::json_shape::serde_types::compare_sources(old, new);
        let _ = riskgate::analyzers::json_shape::serde_types::compare_sources(new, new);
    }
});
