//! `.riskgate/incidents.toml`: the incidents a team recorded with `riskgate postmortem`. The
//! history factor and `calibrate` count them as bad changes, beside reverts and fix messages.
//! Read from a revision's tree (the base's, for `check`), so a change cannot hide an incident.

use crate::config::{parse_toml, SourceText};
use crate::diff::git::{PolicyBlob, Repo};
use crate::text::toml_basic;
use anyhow::{anyhow, Result};
use serde::Deserialize;

pub const PATH: &str = ".riskgate/incidents.toml";

/// Larger than any file of one-line summaries a team will write; larger is refused.
pub const MAX_BYTES: u64 = 1 << 20;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Incident {
    /// The commit (or merge) that caused it, as a full or abbreviated sha.
    pub cause: String,
    /// The commit that fixed or reverted it.
    #[serde(default)]
    pub fixed_by: Option<String>,
    pub summary: String,
    /// The day it was recorded (`YYYY-MM-DD`).
    #[serde(default)]
    pub recorded: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct IncidentsFile {
    #[serde(default)]
    incident: Vec<Incident>,
}

fn is_sha(s: &str) -> bool {
    (7..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The incidents of a file; a malformed one is an error naming its line.
pub fn parse(source: &SourceText) -> Result<Vec<Incident>> {
    if source.text.len() as u64 > MAX_BYTES {
        return Err(anyhow!("{}: over {MAX_BYTES} bytes", source.name));
    }
    let file: IncidentsFile = parse_toml(source)?;
    for (i, incident) in file.incident.iter().enumerate() {
        for sha in std::iter::once(&incident.cause).chain(incident.fixed_by.iter()) {
            if !is_sha(sha) {
                return Err(anyhow!(
                    "{}: incident {} names `{sha}`, which is not a commit sha (7 to 64 hex digits)",
                    source.name,
                    i + 1
                ));
            }
        }
    }
    Ok(file
        .incident
        .into_iter()
        .map(|mut i| {
            i.cause.make_ascii_lowercase();
            if let Some(f) = &mut i.fixed_by {
                f.make_ascii_lowercase();
            }
            i
        })
        .collect())
}

/// The incidents recorded in the tree at `rev`; none when the file is absent. A file that is
/// not a regular file, too large or malformed is an error: what the team recorded must count.
pub fn at_revision(repo: &Repo, rev: &str) -> Result<Vec<Incident>> {
    match repo.policy_file(rev, PATH, MAX_BYTES)? {
        PolicyBlob::Absent => Ok(Vec::new()),
        PolicyBlob::Refused(why) => Err(anyhow!("{why}")),
        PolicyBlob::Text(text) => parse(&SourceText {
            name: format!("{PATH} (at {})", crate::text::short_sha(rev)),
            text,
        }),
    }
}

/// The file's text with `incident` appended; the existing text (and its comments) is kept.
pub fn append(existing: &str, incident: &Incident) -> String {
    let mut out = if existing.trim().is_empty() {
        String::from("# Incidents recorded by `riskgate postmortem`: the history factor and `calibrate`\n# count each cause as a bad change. Keep it committed.\n")
    } else {
        existing.to_string()
    };
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str("\n[[incident]]\n");
    out.push_str(&format!("cause = {}\n", toml_basic(&incident.cause)));
    if let Some(f) = &incident.fixed_by {
        out.push_str(&format!("fixed_by = {}\n", toml_basic(f)));
    }
    out.push_str(&format!("summary = {}\n", toml_basic(&incident.summary)));
    if let Some(day) = &incident.recorded {
        out.push_str(&format!("recorded = {}\n", toml_basic(day)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(text: &str) -> SourceText {
        SourceText {
            name: PATH.into(),
            text: text.into(),
        }
    }

    #[test]
    fn appended_incidents_read_back() {
        let one = Incident {
            cause: "1a2b3c4d".into(),
            fixed_by: Some("99aa00ff".into()),
            summary: "Settings \"crash\"\\ on old rows\u{7}".into(),
            recorded: Some("2026-12-06".into()),
        };
        let text = append("", &one);
        let two = Incident {
            cause: "abcdef0".into(),
            fixed_by: None,
            summary: "second".into(),
            recorded: None,
        };
        let text = append(&text, &two);
        assert_eq!(parse(&src(&text)).unwrap(), vec![one, two]);
    }

    #[test]
    fn a_cause_that_is_not_a_sha_is_refused_with_the_file_named() {
        let err = parse(&src("[[incident]]\ncause = \"HEAD~1\"\nsummary = \"x\"\n"))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(".riskgate/incidents.toml: incident 1 names `HEAD~1`"),
            "{err}"
        );
        let err = parse(&src("[[incident]]\ncause = \"abcdef0\"\n"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("summary"), "{err}");
        let err = parse(&src(
            "[[incident]]\ncause = \"abcdef0\"\nsummary = \"s\"\nseverity = 1\n",
        ))
        .unwrap_err()
        .to_string();
        assert!(err.starts_with(".riskgate/incidents.toml:4:1"), "{err}");
    }
}
