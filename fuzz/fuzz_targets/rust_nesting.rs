#![no_main]
use libfuzzer_sys::fuzz_target;

// Any Rust text, as a changed file is read: the depth check, the parser, the function and
// serde readers. Nothing may overflow a stack or panic. riskgate parses on threads with a
// 256 MiB stack (analyzers::run); the fuzz target does the same, so what it finds is what
// riskgate would meet.
fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let text = text.to_string();
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || {
            let _ = riskgate::text::rust_too_deep(&text);
            let _ = riskgate::text::parse_rust(&text);
            let _ = riskgate::analyzers::untested::rust::functions(&text);
            let _ = riskgate::analyzers::json_shape::serde_model::read_types("a.rs", &text);
            let _ = riskgate::text::sql_too_deep(&text);
        })
        .expect("thread")
        .join()
        .expect("no panic");
});
