#![no_main]
use libfuzzer_sys::fuzz_target;

// Two versions of a YAML OpenAPI document, separated by a NUL byte: read and compared as
// contracts, in both directions.
fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(2, |b| *b == 0);
    let (Some(a), Some(b)) = (parts.next(), parts.next()) else { return };
    let (Ok(a), Ok(b)) = (std::str::from_utf8(a), std::str::from_utf8(b)) else { return };
    use riskgate::analyzers::json_shape::{documents, yaml};
    if let (Ok(old), Ok(new)) = (yaml::to_json(a), yaml::to_json(b)) {
        let _ = documents::openapi_changes(&old, &new);
        let _ = documents::schema_changes(&new, &old, "$");
        let _ = documents::sample_changes(&old, &new);
    }
});
