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

/// The module path of a source file: `src/a/b.rs` and `src/a/b/mod.rs` are `a::b`.
fn module_path(file: &Path) -> Vec<String> {
    let rel = file.strip_prefix("src").unwrap();
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let last = parts.pop().unwrap_or_default();
    if last != "mod.rs" && last != "lib.rs" && last != "main.rs" {
        parts.push(last.trim_end_matches(".rs").to_string());
    }
    parts
}

/// The top-level modules a file's code names: `crate::x…`, `use crate::{x, y::{…}}`, and
/// `super::…` paths that climb to the crate root.
fn modules_used(file: &Path, code: &str) -> Vec<String> {
    let mut used = Vec::new();
    let path = regex::Regex::new(r"(?:^|[^$\w])crate::([a-z_]+)").unwrap();
    used.extend(path.captures_iter(code).map(|c| c[1].to_string()));
    // Grouped imports, nested braces included: the first segment of each top-level item.
    let mut rest = code;
    while let Some(at) = rest.find("crate::{") {
        let body = &rest[at + "crate::{".len()..];
        let (mut depth, mut item, mut end) = (0usize, String::new(), body.len());
        for (i, c) in body.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => {
                    end = i;
                    break;
                }
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    used.push(item.trim().split("::").next().unwrap_or("").to_string());
                    item.clear();
                    continue;
                }
                _ => {}
            }
            if depth == 0 {
                item.push(c);
            }
        }
        used.push(item.trim().split("::").next().unwrap_or("").to_string());
        rest = &body[end..];
    }
    // `super::super::x` from `a::b::c` is `a::x`; from a top-level module, `x` is the crate's.
    let own = module_path(file);
    let supers = regex::Regex::new(r"\b((?:super::)+)([a-z_]+)").unwrap();
    for c in supers.captures_iter(code) {
        let climbs = c[1].len() / "super::".len();
        if climbs >= own.len() {
            used.push(c[2].to_string());
        }
    }
    used
}

#[test]
fn no_module_uses_a_later_stage() {
    let stages = stages();
    assert!(stages.len() >= 20, "lib.rs lists {} modules", stages.len());
    let rank: BTreeMap<&str, usize> = stages.iter().enumerate().map(|(i, s)| (s.as_str(), i)).collect();
    let mut files = Vec::new();
    rust_files(Path::new("src"), &mut files);
    let mut wrong = Vec::new();
    for file in &files {
        let Some(module) = module_of(file) else { continue };
        let Some(&own) = rank.get(module.as_str()) else {
            continue;
        };
        let code = code_of(&std::fs::read_to_string(file).unwrap());
        for m in modules_used(file, &code) {
            // The macros `code_rule!` and `vocabulary!` are exported at the crate root; they
            // are the vocabulary's.
            let m = if m == "code_rule" || m == "vocabulary" {
                "model".to_string()
            } else {
                m
            };
            if module == "model" && m != "model" {
                wrong.push(format!("{} (model) uses {m}: the vocabulary is a leaf", file.display()));
            }
            if let Some(&other) = rank.get(m.as_str()) {
                if other > own {
                    wrong.push(format!("{} ({module}) uses {m}, a later stage", file.display()));
                }
            }
        }
    }
    wrong.sort();
    wrong.dedup();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_import_reader_sees_every_form() {
    let code = "use crate::{model::{Finding, Severity}, score};\nlet x = crate::gate::decide();\nuse super::super::report;\n$crate::model::X";
    let used = modules_used(Path::new("src/analyzers/migration.rs"), code);
    assert_eq!(used, vec!["gate", "model", "score", "report"]);
    // From `analyzers::migration::rules::x`, two `super`s stay inside `analyzers`.
    assert!(modules_used(
        Path::new("src/analyzers/migration/rules/x.rs"),
        "use super::super::context;"
    )
    .is_empty());
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

#[test]
fn every_print_goes_through_the_writer() {
    let mut files = Vec::new();
    rust_files(Path::new("src"), &mut files);
    let print = regex::Regex::new(r"\b(e?println|e?print)!\(").unwrap();
    let mut found = Vec::new();
    for file in files {
        let code = code_of(&std::fs::read_to_string(&file).unwrap());
        for (n, line) in code.lines().enumerate() {
            if print.is_match(line) {
                found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "print through cli/output.rs (emit, say, note), which handles a closed pipe:\n{}",
        found.join("\n")
    );
}
