//! `riskgate hook pre-push`: checks every ref git is about to push, each over the range it adds.

use crate::diff::git::Repo;
use crate::gate::Verdict;
use crate::model::Severity;
use crate::pipeline::{self, Inputs, Outcome, RangeSpec};
use crate::policy::{Policy, PolicyChoice};
use crate::registry::RuleSet;
use crate::report::escape::terminal;
use anyhow::{Context, Result};
use std::fmt::Write;
use std::path::Path;

/// One line of git's pre-push input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushedRef {
    pub local_ref: String,
    pub local_sha: String,
    pub remote_ref: String,
    pub remote_sha: String,
}

fn is_zero(sha: &str) -> bool {
    !sha.is_empty() && sha.bytes().all(|b| b == b'0')
}

/// Parses git's stdin: `<local ref> <local sha> <remote ref> <remote sha>` per line.
pub fn parse_lines(input: &str) -> Result<Vec<PushedRef>> {
    let mut refs = Vec::new();
    for (i, line) in input.lines().enumerate() {
        let parts: Vec<&str> = line.split_whitespace().collect();
        match parts.as_slice() {
            [] => continue,
            [lr, ls, rr, rs] => refs.push(PushedRef {
                local_ref: lr.to_string(),
                local_sha: ls.to_string(),
                remote_ref: rr.to_string(),
                remote_sha: rs.to_string(),
            }),
            _ => anyhow::bail!(
                "pre-push input line {} is not `<local ref> <local sha> <remote ref> <remote sha>`: {line}",
                i + 1
            ),
        }
    }
    Ok(refs)
}

/// The range a pushed ref adds, or why it is skipped.
pub fn range_of(repo: &Repo, pushed: &PushedRef, remote: &str, check_tags: bool) -> Result<Result<RangeSpec, String>> {
    if is_zero(&pushed.local_sha) {
        return Ok(Err("deleted".to_string()));
    }
    if !check_tags && repo.is_tag(&pushed.local_ref, &pushed.local_sha) {
        return Ok(Err("tag (set hook.tags = true to check tags)".to_string()));
    }
    let head = pushed.local_sha.clone();
    if !is_zero(&pushed.remote_sha)
        && repo.commit_sha(&pushed.remote_sha).is_some()
        && repo.is_ancestor(&pushed.remote_sha, &head)
    {
        return Ok(Ok(RangeSpec::Revisions {
            base: Some(pushed.remote_sha.clone()),
            head,
        }));
    }
    if is_zero(&pushed.remote_sha) {
        if let Some(default) = repo.remote_default(remote) {
            if default != head {
                return Ok(Ok(RangeSpec::Revisions {
                    base: Some(default),
                    head,
                }));
            }
        }
    }
    // A force push, a remote sha not fetched, or no default branch known: the commits no
    // remote-tracking ref of this remote has, from the parent of the first one.
    Ok(match repo.first_unpushed(&head, remote)? {
        None => Err("every commit is already on the remote".to_string()),
        Some((_, Some(parent))) => Ok(RangeSpec::Revisions {
            base: Some(parent),
            head,
        }),
        Some((_, None)) => Ok(RangeSpec::FromRoot { head }),
    })
}

/// Runs the check for each pushed ref; returns the exit code and what to print on stderr.
/// Each ref is judged by the policy of its own base; whether tags are checked is the working
/// tree's setting (it only decides what this machine checks before pushing).
pub fn pre_push(
    repo: &Repo,
    explicit_config: Option<&Path>,
    remote: &str,
    input: &str,
    quiet: bool,
) -> Result<(bool, String)> {
    let check_tags = Policy::work_tree(repo, explicit_config).is_ok_and(|p| p.config.hook.tags);
    let mut refs = parse_lines(input)?;
    // The pre-commit framework consumes stdin and passes the range in variables instead.
    if refs.is_empty() {
        if let Ok(to) = std::env::var("PRE_COMMIT_TO_REF") {
            let local_sha = repo
                .commit_sha(&to)
                .with_context(|| format!("PRE_COMMIT_TO_REF `{to}` not found"))?;
            let remote_sha = std::env::var("PRE_COMMIT_FROM_REF")
                .ok()
                .and_then(|f| repo.commit_sha(&f))
                .unwrap_or_else(|| "0".repeat(40));
            refs.push(PushedRef {
                local_ref: to.clone(),
                local_sha,
                remote_ref: to,
                remote_sha,
            });
        }
    }
    let remote = std::env::var("PRE_COMMIT_REMOTE_NAME").unwrap_or_else(|_| remote.to_string());
    let mut out = String::new();
    let mut blocked = false;
    for pushed in &refs {
        let name = pushed.remote_ref.trim_start_matches("refs/heads/");
        let range = match range_of(repo, pushed, &remote, check_tags)? {
            Ok(r) => r,
            Err(why) => {
                if !quiet {
                    let _ = writeln!(out, "riskgate: {name}: skipped ({why})");
                }
                continue;
            }
        };
        let policy = pipeline::policy_for(repo, &range, PolicyChoice::Base, explicit_config)?;
        let report = match pipeline::run(repo, &policy, &RuleSet::of(&policy)?, &range, &Inputs::default())? {
            Outcome::Nothing(msg) => {
                if !quiet {
                    let _ = writeln!(out, "riskgate: {name}: {msg}");
                }
                continue;
            }
            Outcome::Report(r) => r,
        };
        if report.gate.verdict != Verdict::Blocked {
            if !quiet {
                let _ = writeln!(
                    out,
                    "riskgate: {name}: {} — risk {} ({})",
                    report.gate.verdict.as_str(),
                    report.score.value,
                    report.score.level
                );
            }
            continue;
        }
        blocked = true;
        let _ = writeln!(
            out,
            "riskgate: push of {name} blocked — {}",
            terminal(&report.gate.reason)
        );
        let top: Vec<_> = report
            .ranked()
            .into_iter()
            .filter(|f| f.mitigated_by.is_empty() && f.severity > Severity::Info)
            .collect();
        for f in top.iter().take(5) {
            let _ = writeln!(
                out,
                "  {:<8} {}  {}  {}",
                f.severity.as_str(),
                terminal(&f.rule),
                terminal(&f.location()),
                terminal(&f.message)
            );
        }
        if top.len() > 5 {
            let _ = writeln!(
                out,
                "  … and {} more: riskgate audit --base {} --head {}",
                top.len() - 5,
                crate::text::short_sha(&report.range.merge_base),
                name
            );
        }
        if !report.plan.found {
            // A pushed root commit has no base to name.
            let base = if is_zero(&report.range.merge_base) || report.range.merge_base.is_empty() {
                String::new()
            } else {
                format!("--base {} ", crate::text::short_sha(&report.range.merge_base))
            };
            let _ = writeln!(
                out,
                "  To pass: `riskgate plan init {base}--head {}` writes ROLLBACK.md naming each risk; fill it in, commit it on this branch, and push again.",
                crate::text::short_sha(&report.range.head)
            );
        } else {
            let _ = writeln!(
                out,
                "  The plan {} is not valid yet; fix it, commit it on this branch, and push again:",
                terminal(report.plan.source.as_deref().unwrap_or(""))
            );
            for p in &report.plan.problems {
                let _ = writeln!(out, "    - {}", terminal(p));
            }
        }
    }
    if blocked {
        let _ = writeln!(out, "  To push without this check once: git push --no-verify");
    }
    Ok((blocked, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_line_and_rejects_garbage() {
        let z = "0".repeat(40);
        let input = format!(
            "refs/heads/a {} refs/heads/a {z}\n\nrefs/heads/b {} refs/heads/b {}\n",
            "1".repeat(40),
            "2".repeat(40),
            "3".repeat(40)
        );
        let refs = parse_lines(&input).unwrap();
        assert_eq!(refs.len(), 2);
        assert_eq!(refs[1].remote_sha, "3".repeat(40));
        assert!(parse_lines("only three fields").is_err());
        assert!(parse_lines("").unwrap().is_empty());
        assert!(is_zero(&"0".repeat(64)));
    }
}
