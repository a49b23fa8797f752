//! Coverage reports: lcov, Cobertura XML and llvm-cov JSON, read into line hit counts and
//! matched to repository paths whatever form the report uses (absolute, `./`, a source root).

use anyhow::{anyhow, Context, Result};
use regex::Regex;
use std::collections::BTreeMap;
use std::path::Path;

/// Line number to hit count, for one file of a report.
pub type Lines = BTreeMap<u32, u64>;

#[derive(Debug, Clone, Default)]
pub struct Coverage {
    /// Which report(s) this came from, for messages.
    pub sources: Vec<String>,
    /// Paths as the report writes them, `/`-separated.
    pub files: BTreeMap<String, Lines>,
}

impl Coverage {
    /// The hits of a repository path: the report path equal to it, or ending in `/<path>`.
    pub fn lines_of(&self, repo_path: &str) -> Option<&Lines> {
        self.files.get(repo_path).or_else(|| {
            let suffix = format!("/{repo_path}");
            let mut hits = self.files.iter().filter(|(p, _)| p.ends_with(&suffix));
            let first = hits.next();
            // Two report files ending the same way cannot be told apart.
            if hits.next().is_some() {
                None
            } else {
                first.map(|(_, l)| l)
            }
        })
    }

    pub fn merge(&mut self, other: Coverage) {
        self.sources.extend(other.sources);
        for (path, lines) in other.files {
            let entry = self.files.entry(path).or_default();
            for (line, hits) in lines {
                *entry.entry(line).or_insert(0) += hits;
            }
        }
    }
}

fn normalise(path: &str) -> String {
    let p = path.replace('\\', "/");
    p.strip_prefix("./").unwrap_or(&p).to_string()
}

/// Line numbers above this are not lines of a file riskgate analyses (a 1 MiB file has at
/// most this many).
pub const MAX_LINE: u32 = 1 << 20;
/// Lines an llvm-cov report may fill in all, regions spanning lines included: eight million
/// lines of measured code is above any one repository's, and keeps the worst case near 300 MiB.
pub const MAX_FILLED_LINES: u64 = 8 << 20;
/// A coverage report larger than this is refused.
pub const MAX_REPORT: u64 = 512 << 20;

/// Reads one report, recognising its format from its content. Only a regular file is read,
/// and at most `MAX_REPORT` bytes of it.
pub fn read(path: &Path) -> Result<Coverage> {
    let meta = std::fs::metadata(path).with_context(|| format!("cannot read coverage report {}", path.display()))?;
    if !meta.is_file() {
        return Err(anyhow!("coverage report {} is not a regular file", path.display()));
    }
    read_from(&path.display().to_string(), std::fs::File::open(path)?)
}

/// Reads a report from an open file, bounded by `MAX_REPORT`.
pub fn read_from(name: &str, file: std::fs::File) -> Result<Coverage> {
    use std::io::Read;
    let mut text = String::new();
    file.take(MAX_REPORT + 1)
        .read_to_string(&mut text)
        .with_context(|| format!("cannot read coverage report {name} (not UTF-8?)"))?;
    if text.len() as u64 > MAX_REPORT {
        return Err(anyhow!("coverage report {name} is over {MAX_REPORT} bytes"));
    }
    parse(name, &text)
}

pub fn parse(name: &str, text: &str) -> Result<Coverage> {
    let trimmed = text.trim_start();
    let files = if trimmed.starts_with('{') {
        llvm_cov(text).map_err(|e| anyhow!("coverage report {name}: {e}"))?
    } else if trimmed.starts_with("<?xml") || trimmed.starts_with("<coverage") || trimmed.contains("<coverage") {
        cobertura(text)
    } else if text.lines().any(|l| l.starts_with("SF:")) {
        lcov(text)
    } else {
        return Err(anyhow!(
            "coverage report {name}: not lcov, Cobertura XML or llvm-cov JSON"
        ));
    };
    Ok(Coverage {
        sources: vec![name.to_string()],
        files,
    })
}

fn lcov(text: &str) -> BTreeMap<String, Lines> {
    let mut out: BTreeMap<String, Lines> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if let Some(p) = line.strip_prefix("SF:") {
            current = Some(normalise(p.trim()));
        } else if let (Some(data), Some(file)) = (line.strip_prefix("DA:"), &current) {
            let mut parts = data.split(',');
            if let (Some(Ok(n)), Some(Ok(h))) = (
                parts.next().map(str::parse::<u32>),
                parts.next().map(|h| h.trim().parse::<u64>()),
            ) {
                *out.entry(file.clone()).or_default().entry(n).or_insert(0) += h;
            }
        } else if line.trim() == "end_of_record" {
            current = None;
        }
    }
    out
}

fn cobertura(text: &str) -> BTreeMap<String, Lines> {
    let source = Regex::new(r"<source>([^<]*)</source>").expect("regex compiles");
    let class = Regex::new(r#"(?s)<class\b[^>]*?\bfilename="([^"]*)"[^>]*>(.*?)</class>"#).expect("regex compiles");
    let line = Regex::new(r"<line\b[^>]*>").expect("regex compiles");
    let number = Regex::new(r#"\bnumber="(\d+)""#).expect("regex compiles");
    let hits = Regex::new(r#"\bhits="(\d+)""#).expect("regex compiles");
    let root = source.captures(text).map(|c| normalise(c[1].trim()));
    let mut out: BTreeMap<String, Lines> = BTreeMap::new();
    for c in class.captures_iter(text) {
        let file = normalise(&c[1]);
        let file = match &root {
            Some(r) if !file.starts_with('/') && !r.is_empty() && r != "." => {
                format!("{}/{file}", r.trim_end_matches('/'))
            }
            _ => file,
        };
        let entry = out.entry(file).or_default();
        for l in line.find_iter(&c[2]) {
            let tag = l.as_str();
            if let (Some(n), Some(h)) = (number.captures(tag), hits.captures(tag)) {
                if let (Ok(n), Ok(h)) = (n[1].parse::<u32>(), h[1].parse::<u64>()) {
                    *entry.entry(n).or_insert(0) += h;
                }
            }
        }
    }
    out
}

/// llvm-cov's JSON export: per file, segments `[line, col, count, has_count, is_entry, …]`.
/// As llvm-cov counts lines: the count of the region wrapping the line's start, raised by any
/// region that starts on the line.
fn llvm_cov(text: &str) -> std::result::Result<BTreeMap<String, Lines>, String> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON ({e})"))?;
    let data = v
        .get("data")
        .and_then(|d| d.as_array())
        .ok_or("no `data` array (llvm-cov export format)")?;
    // Every file's segments first, so the whole report's span is known before any line is filled.
    let mut files = Vec::new();
    for export in data {
        for file in export.get("files").and_then(|f| f.as_array()).into_iter().flatten() {
            let Some(name) = file.get("filename").and_then(|f| f.as_str()) else {
                continue;
            };
            // A line past the largest file riskgate reads cannot be a source line: such segments
            // are dropped, so a crafted report cannot make the walk below allocate per line.
            let segments: Vec<(u32, u32, u64, bool, bool)> = file
                .get("segments")
                .and_then(|s| s.as_array())
                .into_iter()
                .flatten()
                .filter_map(|s| {
                    let s = s.as_array()?;
                    Some((
                        u32::try_from(s.first()?.as_u64()?).ok()?,
                        u32::try_from(s.get(1)?.as_u64()?).unwrap_or(u32::MAX),
                        s.get(2)?.as_u64()?,
                        s.get(3)?.as_bool()?,
                        s.get(4)?.as_bool()?,
                    ))
                })
                .filter(|s| s.0 <= MAX_LINE)
                .collect();
            files.push((name, segments));
        }
    }
    let span = |segments: &[(u32, u32, u64, bool, bool)]| match (segments.first(), segments.last()) {
        (Some(f), Some(l)) => u64::from(l.0.saturating_sub(f.0)) + 1,
        _ => 0,
    };
    if files.iter().map(|(_, s)| span(s)).sum::<u64>() > MAX_FILLED_LINES {
        return Err(format!(
            "regions span more than {MAX_FILLED_LINES} lines in all; not a report of this repository"
        ));
    }
    let mut out: BTreeMap<String, Lines> = BTreeMap::new();
    for (name, segments) in files {
        let entry = out.entry(normalise(name)).or_default();
        let mut wrapping: Option<u64> = None;
        let mut i = 0;
        let last = segments.last().map_or(0, |s| s.0);
        let first = segments.first().map_or(0, |s| s.0);
        for line in first..=last {
            let starting: Vec<&(u32, u32, u64, bool, bool)> =
                segments[i..].iter().take_while(|s| s.0 == line).collect();
            // A segment at column 1 is what is active at the line's start.
            if let Some(s) = starting.iter().find(|s| s.1 <= 1) {
                wrapping = s.3.then_some(s.2);
            }
            let starts = starting.iter().filter(|s| s.3 && s.4).map(|s| s.2).max();
            let count = match (wrapping, starts) {
                (Some(w), Some(s)) => Some(w.max(s)),
                (w, s) => w.or(s),
            };
            if let Some(c) = count {
                let e = entry.entry(line).or_insert(0);
                *e = (*e).max(c);
            }
            i += starting.len();
            if let Some(lastseg) = starting.last() {
                wrapping = lastseg.3.then_some(lastseg.2);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lcov_records() {
        let c = parse(
            "lcov.info",
            "TN:\nSF:/home/ci/work/shop/src/vat.rs\nDA:3,1\nDA:4,0\nend_of_record\n",
        )
        .unwrap();
        let l = c.lines_of("src/vat.rs").unwrap();
        assert_eq!((l[&3], l[&4]), (1, 0));
        assert!(c.lines_of("vat.rs").is_some());
        assert!(c.lines_of("src/other.rs").is_none());
    }

    #[test]
    fn cobertura_with_a_source_root() {
        let xml = r#"<?xml version="1.0"?><coverage><sources><source>/ci/app</source></sources><packages><package><classes>
            <class name="x" filename="shop/vat.py"><lines><line number="1" hits="2"/><line hits="0" number="2"/></lines></class>
            </classes></package></packages></coverage>"#;
        let c = parse("coverage.xml", xml).unwrap();
        let l = c.lines_of("shop/vat.py").unwrap();
        assert_eq!((l[&1], l[&2]), (2, 0));
    }

    #[test]
    fn llvm_cov_segments() {
        // fn at line 1 runs 5 times; an `if` body on lines 3–4 never runs; line 6 is after the end.
        let json = r#"{"data":[{"files":[{"filename":"/w/src/lib.rs","segments":[[1,1,5,true,true,false],[3,9,0,true,true,false],[5,1,5,true,false,false],[5,2,0,false,false,false]]}]}]}"#;
        let c = parse("cov.json", json).unwrap();
        let l = c.lines_of("src/lib.rs").unwrap();
        assert_eq!(l.get(&1), Some(&5));
        assert_eq!(
            l.get(&3),
            Some(&5),
            "the line starts inside the counted function region"
        );
        assert_eq!(l.get(&4), Some(&0), "inside the region that never ran");
        assert_eq!(l.get(&5), Some(&5));
        assert_eq!(l.get(&6), None);
    }

    #[test]
    fn unknown_format_is_an_error() {
        assert!(parse("x.txt", "hello")
            .unwrap_err()
            .to_string()
            .contains("not lcov, Cobertura XML or llvm-cov JSON"));
        assert!(parse("x.json", "{\"nope\": 1}").is_err());
    }

    #[test]
    fn line_numbers_past_any_file_are_dropped_and_the_total_is_bounded() {
        // 2^32 + 1 must not wrap around to line 1.
        let json = r#"{"data":[{"files":[{"filename":"a.rs","segments":[[4294967297,1,7,true,true,false],[2,1,0,true,true,false]]}]}]}"#;
        let c = parse("r", json).unwrap();
        assert_eq!(c.lines_of("a.rs").unwrap().get(&1), None);
        let files: Vec<String> = (0..10)
            .map(|i| {
                format!(
                    r#"{{"filename":"f{i}.rs","segments":[[1,1,1,true,true,false],[1048576,1,0,true,true,false]]}}"#
                )
            })
            .collect();
        let big = format!(r#"{{"data":[{{"files":[{}]}}]}}"#, files.join(","));
        let err = parse("r", &big).unwrap_err().to_string();
        assert!(err.contains("regions span more than"), "{err}");
    }
}
