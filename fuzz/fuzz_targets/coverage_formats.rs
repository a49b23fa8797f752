#![no_main]
use libfuzzer_sys::fuzz_target;

// Well-formed reports of each format built from the input's numbers, so the fuzzer spends
// its time on line numbers, counts and orders (a line at 4,000,000,000 once allocated without
// bound) rather than on syntax.
fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let numbers: Vec<u64> = data[1..]
        .chunks(4)
        .map(|c| c.iter().fold(0u64, |n, b| (n << 8) | u64::from(*b)))
        .collect();
    let text = match data[0] % 3 {
        0 => {
            let lines: String = numbers.chunks(2).map(|p| format!("DA:{},{}\n", p[0], p.get(1).unwrap_or(&0))).collect();
            format!("SF:src/lib.rs\n{lines}end_of_record\n")
        }
        1 => {
            let lines: String = numbers
                .chunks(2)
                .map(|p| format!("<line number=\"{}\" hits=\"{}\"/>", p[0], p.get(1).unwrap_or(&0)))
                .collect();
            format!("<?xml version=\"1.0\"?><coverage><packages><package><classes><class filename=\"src/lib.rs\"><lines>{lines}</lines></class></classes></package></packages></coverage>")
        }
        _ => {
            let segments: Vec<String> = numbers
                .chunks(3)
                .map(|s| format!("[{},{},{},true,{},false]", s[0], s.get(1).unwrap_or(&1), s.get(2).unwrap_or(&0), s[0] % 2 == 0))
                .collect();
            format!("{{\"data\":[{{\"files\":[{{\"filename\":\"src/lib.rs\",\"segments\":[{}]}}]}}]}}", segments.join(","))
        }
    };
    if let Ok(mut c) = riskgate::coverage::parse("report", &text) {
        let _ = c.lines_of("src/lib.rs");
        let again = c.clone();
        c.merge(again);
    }
});
