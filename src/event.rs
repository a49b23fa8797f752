//! GitHub event payloads (`--github-event`): the range and the PR body, read from the event
//! file so that untrusted text never passes through a shell.

use anyhow::{anyhow, Result};
use serde_json::Value;
use std::path::Path;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Event {
    pub base: Option<String>,
    pub head: Option<String>,
    pub pr_body: Option<String>,
}

fn is_zero(sha: &str) -> bool {
    !sha.is_empty() && sha.chars().all(|c| c == '0')
}

pub fn read(path: &Path) -> Result<Event> {
    let text =
        std::fs::read_to_string(path).map_err(|e| anyhow!("cannot read GitHub event {}: {e}", path.display()))?;
    parse(&text).map_err(|e| anyhow!("GitHub event {}: {e}", path.display()))
}

pub fn parse(text: &str) -> Result<Event> {
    let v: Value = serde_json::from_str(text).map_err(|e| anyhow!("not valid JSON ({e})"))?;
    let s = |v: &Value| v.as_str().map(str::to_string);
    if let Some(pr) = v.get("pull_request") {
        let base = pr.pointer("/base/sha").and_then(s);
        let head = pr.pointer("/head/sha").and_then(s);
        if base.is_none() || head.is_none() {
            return Err(anyhow!("pull_request event without base.sha and head.sha"));
        }
        return Ok(Event {
            base,
            head,
            pr_body: pr.get("body").and_then(s),
        });
    }
    if let Some(group) = v.get("merge_group") {
        let (base, head) = (group.get("base_sha").and_then(s), group.get("head_sha").and_then(s));
        // Never fall back to the default range: the queue's commit is what must be checked.
        if base.is_none() || head.is_none() {
            return Err(anyhow!("merge_group event without base_sha and head_sha"));
        }
        return Ok(Event {
            base,
            head,
            pr_body: None,
        });
    }
    if let (Some(before), Some(after)) = (v.get("before").and_then(s), v.get("after").and_then(s)) {
        return Ok(Event {
            base: (!is_zero(&before)).then_some(before),
            head: Some(after),
            pr_body: None,
        });
    }
    Err(anyhow!(
        "not a pull_request, pull_request_target, merge_group or push event"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pull_request_gives_shas_and_body() {
        let e = parse(r#"{"action":"opened","pull_request":{"body":"hi","base":{"sha":"aaa"},"head":{"sha":"bbb"}}}"#)
            .unwrap();
        assert_eq!(
            e,
            Event {
                base: Some("aaa".into()),
                head: Some("bbb".into()),
                pr_body: Some("hi".into())
            }
        );
    }

    #[test]
    fn push_of_a_new_branch_has_no_base() {
        let e = parse(r#"{"before":"0000000000000000000000000000000000000000","after":"bbb"}"#).unwrap();
        assert_eq!((e.base, e.head.as_deref()), (None, Some("bbb")));
    }

    #[test]
    fn a_merge_group_without_shas_is_an_error() {
        let err = parse(r#"{"merge_group":{"head_ref":"refs/heads/gh-readonly-queue/main/pr-1-abc"}}"#)
            .unwrap_err()
            .to_string();
        assert_eq!(err, "merge_group event without base_sha and head_sha");
        let e = parse(r#"{"merge_group":{"base_sha":"aaa","head_sha":"bbb"}}"#).unwrap();
        assert_eq!((e.base.as_deref(), e.head.as_deref()), (Some("aaa"), Some("bbb")));
    }

    #[test]
    fn truncated_payload_is_an_error() {
        let err = parse(r#"{"pull_request": {"base": "#).unwrap_err().to_string();
        assert!(err.starts_with("not valid JSON"), "{err}");
    }
}
