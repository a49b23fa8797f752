//! The structure holds: `lib.rs` lists the modules in pipeline order and no file of a module
//! uses a module listed after it (so there is no import cycle between modules either); the
//! vocabulary in `model/` imports nothing of the crate; no source file outgrows 800 lines of
//! code (its test module aside).

mod common;
use common::rust_files;
use std::collections::BTreeMap;
use std::path::Path;

/// The modules of `lib.rs`, in the order listed.
fn stages() -> Vec<String> {
    std::fs::read_to_string("src/lib.rs")
        .unwrap()
        .lines()
        .filter_map(|l| l.strip_prefix("pub mod ").and_then(|m| m.strip_suffix(';')))
        .map(str::to_string)
        .collect()
}

/// The top-level module a source file belongs to.
fn module_of(file: &Path) -> Option<String> {
    let rel = file.strip_prefix("src").ok()?;
    let first = rel.components().next()?.as_os_str().to_string_lossy().into_owned();
    Some(first.trim_end_matches(".rs").to_string())
}

/// Code before the file's `#[cfg(test)]` module, comments removed.
fn code_of(text: &str) -> String {
    let code = text.split("\n#[cfg(test)]").next().unwrap_or(text);
    code.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn no_module_uses_a_later_stage() {
    let stages = stages();
    assert!(stages.len() >= 20, "lib.rs lists {} modules", stages.len());
    let rank: BTreeMap<&str, usize> = stages.iter().enumerate().map(|(i, s)| (s.as_str(), i)).collect();
    let path = regex::Regex::new(r"\bcrate::([a-z_]+)").unwrap();
    let grouped = regex::Regex::new(r"\buse crate::\{([^}]*)\}").unwrap();
    let mut files = Vec::new();
    rust_files(Path::new("src"), &mut files);
    let mut wrong = Vec::new();
    for file in &files {
        let Some(module) = module_of(file) else { continue };
        let Some(&own) = rank.get(module.as_str()) else {
            continue;
        };
        let code = code_of(&std::fs::read_to_string(file).unwrap());
        let mut used: Vec<String> = path.captures_iter(&code).map(|c| c[1].to_string()).collect();
        for g in grouped.captures_iter(&code) {
            used.extend(
                g[1].split(',')
                    .map(|s| s.trim().split("::").next().unwrap_or("").to_string()),
            );
        }
        for m in used {
            // `crate::code_rule!` is the rule macro, part of the vocabulary.
            let m = if m == "code_rule" { "model".to_string() } else { m };
            if let Some(&other) = rank.get(m.as_str()) {
                if other > own {
                    wrong.push(format!("{} ({module}) uses {m}, a later stage", file.display()));
                }
            }
        }
        if module == "model" {
            let outside = code.contains("crate::") && !code.replace("$crate::model", "").contains("crate::");
            assert!(!outside, "{} imports outside model/", file.display());
        }
    }
    wrong.sort();
    wrong.dedup();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn no_source_file_is_over_800_lines_of_code() {
    let mut files = Vec::new();
    rust_files(Path::new("src"), &mut files);
    let mut long = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let code = text.split("\n#[cfg(test)]").next().unwrap_or(&text);
        let n = code.lines().count();
        if n > 800 {
            long.push(format!("{}: {n} lines", file.display()));
        }
    }
    assert!(long.is_empty(), "{}", long.join("\n"));
}
