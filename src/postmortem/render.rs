//! The postmortem draft in Markdown. Everything git or the change wrote (summaries, paths,
//! messages, the plan) is escaped or fenced: a commit message cannot forge a section.

use super::remedies::Remedy;
use super::{CauseFrom, Landing, Postmortem};
use crate::diff::git::blame::CommitStamp;
use crate::model::{Analyzer, Verdict};
use crate::report::escape::{code, markdown};
use crate::text::{short_sha, toml_basic};
use std::fmt::Write;

/// How many findings and files are listed before "and N more".
const LIST_LIMIT: usize = 30;

/// `YYYY-MM-DD HH:MM` in UTC, from seconds since the epoch.
pub fn utc(seconds: i64) -> String {
    let (y, m, d) = civil_day(seconds.div_euclid(86_400));
    let s = seconds.rem_euclid(86_400);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}", s / 3600, s % 3600 / 60)
}

/// `YYYY-MM-DD` in UTC.
pub fn utc_day(seconds: i64) -> String {
    utc(seconds)[..10].to_string()
}

/// The proleptic Gregorian date of a day count since 1970-01-01.
fn civil_day(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// `45 min`, `3 h 5 min`, `4 days 2 h`; negative spans (clock skew) as `-…`.
pub fn duration(seconds: i64) -> String {
    let sign = if seconds < 0 { "-" } else { "" };
    let seconds = seconds.unsigned_abs();
    let (days, hours, minutes) = (seconds / 86_400, seconds % 86_400 / 3600, seconds % 3600 / 60);
    match (days, hours) {
        (0, 0) => format!("{sign}{minutes} min"),
        (0, h) => format!("{sign}{h} h {minutes} min"),
        (1, h) => format!("{sign}1 day {h} h"),
        (d, h) => format!("{sign}{d} days {h} h"),
    }
}

/// A fenced block that the text cannot close early; control characters other than newlines
/// and tabs (a terminal's escape sequences) are dropped.
fn fenced(lang: &str, text: &str) -> String {
    let text: String = text
        .chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect();
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    format!("{fence}{lang}\n{}\n{fence}\n", text.trim_end())
}

/// `file:ROLLBACK.md` reads as `ROLLBACK.md`; a trailer or PR body keeps its word.
fn plan_source(source: &str) -> &str {
    source.strip_prefix("file:").unwrap_or(source)
}

fn commit(c: &CommitStamp) -> String {
    format!("`{}` “{}”", short_sha(&c.sha), markdown(&c.summary))
}

pub fn render(pm: &Postmortem, today: &str) -> String {
    let mut out = String::new();
    let title = pm.fix.as_ref().map_or(&pm.cause.summary, |f| &f.summary);
    let _ = writeln!(out, "# Postmortem: {}\n", markdown(title));
    let _ = writeln!(
        out,
        "_A draft by `riskgate postmortem`, {today}. Blameless: it asks what let the change through, not who wrote it. Fill in the sections marked for people._\n"
    );
    summary(&mut out, pm);
    timeline(&mut out, pm);
    what_changed(&mut out, pm);
    seen_at_merge(&mut out, pm);
    gap(&mut out, pm);
    remedies(&mut out, pm);
    for (heading, prompt) in [
        (
            "Impact",
            "Who and what was affected, for how long; data lost or rewritten, and whether it came back.",
        ),
        (
            "Detection",
            "How it was noticed (alert, user report, a colleague), and how it could have been noticed sooner.",
        ),
        (
            "Response",
            "What was done, by whom, in what order; whether the rollback plan was followed and whether it worked.",
        ),
        ("What went well", "What to keep."),
    ] {
        let _ = writeln!(out, "## {heading}\n\n_To fill in: {prompt}_\n");
    }
    out.push_str("## Action items\n\n| action | owner | due |\n|---|---|---|\n| _the remedies above that the team takes_ | | |\n");
    out
}

fn summary(out: &mut String, pm: &Postmortem) {
    out.push_str("## Summary\n\n");
    let found = match &pm.cause_from {
        CauseFrom::Given => "named on the command line".to_string(),
        CauseFrom::RevertMessage => "the revert names it".to_string(),
        CauseFrom::Blame(e) => {
            let mut why = if e.removed == 0 {
                format!(
                    "the fix only adds lines, and {} of the lines beside them were last changed there",
                    e.beside
                )
            } else {
                format!(
                    "{} of the lines the fix removes or rewrites were last changed there",
                    e.removed
                )
            };
            if e.tied {
                why.push_str(", and as many in another change");
            }
            if e.long_standing {
                why.push_str(
                    "; it is more than a year older than the fix, so the defect may have been there from the start",
                );
            }
            if !e.unread.is_empty() {
                let names: Vec<String> = e.unread.iter().take(5).map(|p| format!("`{}`", code(p))).collect();
                why.push_str(&format!(
                    "; not blamed (too large, or blame too slow): {}",
                    names.join(", ")
                ));
            }
            format!(
                "**a candidate, not a finding**: {why}. Read blind on 24 real fixes, blame's best candidate was the cause 2 times; confirm it and record the incident with `riskgate postmortem CAUSE --fixed-by {}`",
                pm.fix.as_ref().map_or("FIX", |f| short_sha(&f.sha))
            )
        }
    };
    let _ = writeln!(out, "- **Cause:** {} ({found})", commit(&pm.cause));
    if let CauseFrom::Blame(e) = &pm.cause_from {
        if !e.others.is_empty() {
            let others: Vec<String> = e
                .others
                .iter()
                .map(|(c, n)| format!("{} ({n} line{})", commit(c), if *n == 1 { "" } else { "s" }))
                .collect();
            let _ = writeln!(out, "- **Other candidates:** {}", others.join(", "));
        }
    }
    match &pm.fix {
        Some(f) => {
            let what = if pm.fix_is_revert { "reverted by" } else { "fixed by" };
            let _ = writeln!(out, "- **Fix:** {what} {}", commit(f));
        }
        None => out.push_str("- **Fix:** not found (no later commit reverts it); name it with `--fixed-by REV`\n"),
    }
    let verdict = match &pm.report {
        Err(why) => format!("unknown: riskgate could not judge the change ({})", markdown(why)),
        Ok(r) => match r.gate.verdict {
            Verdict::Blocked => format!("**yes**: the gate blocked it ({})", markdown(&r.gate.reason)),
            Verdict::PassedWithPlan => format!(
                "**no, with a plan**: the gate required a rollback plan, and it passed with the plan in `{}`",
                code(plan_source(r.plan.source.as_deref().unwrap_or("?")))
            ),
            Verdict::Passed => format!("**no**: {}", markdown(&r.gate.reason)),
        },
    };
    let it = if pm.cause_is_known() { "it" } else { "the candidate" };
    let _ = writeln!(out, "- **Would riskgate have blocked {it}?** {verdict}");
    if let Ok(r) = &pm.report {
        let _ = writeln!(
            out,
            "- **Risk score at merge time:** {} ({})",
            r.score.value, r.score.level
        );
    }
    if let Some(fix) = &pm.fix {
        let landed = match &pm.landing {
            Landing::Merge(m) => m.committed,
            _ => pm.cause.committed,
        };
        let _ = writeln!(
            out,
            "- **Time to detect** (landed → fixed): {}",
            duration(fix.committed.saturating_sub(landed))
        );
    }
    out.push('\n');
}

fn timeline(out: &mut String, pm: &Postmortem) {
    out.push_str("## Timeline (UTC)\n\n| when | what | commit | after the previous |\n|---|---|---|---|\n");
    // A merge named as the cause is the landing itself.
    let committed = if pm.cause.parents.len() > 1 {
        "merged"
    } else {
        "committed"
    };
    let mut rows: Vec<(i64, &str, &CommitStamp)> = vec![
        (pm.cause.authored, "authored", &pm.cause),
        (pm.cause.committed, committed, &pm.cause),
    ];
    match &pm.landing {
        Landing::Merge(m) if m.sha != pm.cause.sha => rows.push((m.committed, "merged", m)),
        Landing::Merge(_) | Landing::Direct => {}
        Landing::Unknown => {}
    }
    if let Some(f) = &pm.fix {
        rows.push((f.committed, if pm.fix_is_revert { "reverted" } else { "fixed" }, f));
    }
    let mut previous: Option<i64> = None;
    for (when, what, c) in rows {
        let after = previous.map(|p| duration(when.saturating_sub(p))).unwrap_or_default();
        let _ = writeln!(out, "| {} | {what} | {} | {after} |", utc(when), commit(c));
        previous = Some(when);
    }
    match &pm.landing {
        Landing::Direct => out.push_str("\nIt landed on the first-parent line directly (no merge commit).\n"),
        Landing::Unknown => {
            out.push_str("\nIt is not on the first-parent line of the fix or of `HEAD`: no merge time.\n")
        }
        Landing::Merge(_) => {}
    }
    out.push('\n');
}

fn what_changed(out: &mut String, pm: &Postmortem) {
    out.push_str("## What changed\n\n");
    let (base, head) = &pm.range;
    let Ok(r) = &pm.report else {
        let _ = writeln!(
            out,
            "The range `{}..{}` could not be read.\n",
            short_sha(base),
            short_sha(head)
        );
        return;
    };
    let _ = writeln!(
        out,
        "The change as a check saw it at merge time: `{}..{}`, {} commit{}, {} file{}, +{} −{} lines.\n",
        short_sha(&r.range.merge_base),
        short_sha(head),
        r.commits.len(),
        if r.commits.len() == 1 { "" } else { "s" },
        r.stats.files_changed,
        if r.stats.files_changed == 1 { "" } else { "s" },
        r.stats.lines_added,
        r.stats.lines_removed
    );
    for (path, added, removed) in pm.changed_files.iter().take(LIST_LIMIT) {
        let _ = writeln!(out, "- `{}` +{added} −{removed}", code(path));
    }
    more(out, pm.changed_files.len());
    out.push('\n');
    let contracts: Vec<_> = r
        .findings
        .iter()
        .filter(|f| matches!(f.analyzer, Analyzer::Migration | Analyzer::JsonShape))
        .collect();
    if contracts.is_empty() {
        out.push_str("No migration or JSON contract was involved, as far as riskgate can tell.\n\n");
    } else {
        out.push_str("Migrations and JSON contracts involved:\n\n");
        for f in contracts.iter().take(LIST_LIMIT) {
            let _ = writeln!(out, "- {}: {}", place(f), markdown(&f.message));
        }
        more(out, contracts.len());
        out.push('\n');
    }
}

/// `` `rule` at `file:line` ``.
fn place(f: &crate::model::Finding) -> String {
    match location(f) {
        Some(at) => format!("`{}` at {at}", f.rule),
        None => format!("`{}`", f.rule),
    }
}

/// `` `file:line` `` or `` `file` ``, when the finding has a file.
fn location(f: &crate::model::Finding) -> Option<String> {
    let file = code(f.file.as_deref()?);
    Some(match f.line {
        Some(l) => format!("`{file}:{l}`"),
        None => format!("`{file}`"),
    })
}

fn more(out: &mut String, n: usize) {
    if n > LIST_LIMIT {
        let _ = writeln!(out, "- … and {} more", n - LIST_LIMIT);
    }
}

fn seen_at_merge(out: &mut String, pm: &Postmortem) {
    out.push_str("## What riskgate saw at merge time\n\n");
    let r = match &pm.report {
        Ok(r) => r,
        Err(why) => {
            let _ = writeln!(out, "Nothing: {}\n", markdown(why));
            return;
        }
    };
    let _ = writeln!(
        out,
        "Judged under the policy of the base `{}`, as `check` in CI would have: score {} ({}), verdict **{}**: {}\n",
        short_sha(&pm.range.0),
        r.score.value,
        r.score.level,
        r.gate.verdict.as_str(),
        markdown(&r.gate.reason)
    );
    if r.findings.is_empty() {
        out.push_str("No findings.\n\n");
    } else {
        out.push_str("| severity | rule | where | message |\n|---|---|---|---|\n");
        for f in r.findings.iter().take(LIST_LIMIT) {
            let waived = f
                .suppressed
                .as_ref()
                .map(|s| format!(" (waived: {})", markdown(&s.source)))
                .unwrap_or_default();
            let at = location(f).unwrap_or_default();
            let _ = writeln!(
                out,
                "| {}{waived} | `{}` | {at} | {} |",
                f.severity,
                f.rule,
                markdown(&f.message)
            );
        }
        more(out, r.findings.len());
        out.push('\n');
    }
    match (&r.plan.source, r.plan.found) {
        (Some(source), true) => {
            let state = if r.plan.valid {
                "valid".to_string()
            } else {
                format!("not valid: {}", markdown(&r.plan.problems.join("; ")))
            };
            let _ = writeln!(out, "Rollback plan: `{}` ({state}).\n", code(plan_source(source)));
            if let Some(text) = &pm.plan_text {
                let _ = writeln!(
                    out,
                    "<details><summary>The plan as committed</summary>\n\n{}\n</details>\n",
                    fenced("markdown", text)
                );
            }
        }
        _ if r.plan.required => out.push_str("Rollback plan: required, and none was committed.\n\n"),
        _ => out.push_str("Rollback plan: none (none was required).\n\n"),
    }
}

fn gap(out: &mut String, pm: &Postmortem) {
    out.push_str("## The gap\n\n");
    if pm.fix.is_none() {
        out.push_str("Without the fix, riskgate cannot tell what the findings missed.\n\n");
        return;
    }
    out.push_str("What the fix changed, and whether a finding pointed at it when the change was merged:\n\n| file the fix changed | lines | findings at merge time |\n|---|---|---|\n");
    for f in pm.fixed_files.iter().take(LIST_LIMIT) {
        let listed = f
            .findings
            .iter()
            .map(|s| format!("`{}`", code(s)))
            .collect::<Vec<_>>()
            .join(", ");
        let seen = match (f.seen, f.findings.is_empty()) {
            (true, _) => listed,
            (false, true) => "**none**".to_string(),
            (false, false) => format!("**none but untested:** {listed}"),
        };
        let _ = writeln!(
            out,
            "| `{}` | +{} −{} | {seen} |",
            code(&f.path),
            f.lines_added,
            f.lines_removed
        );
    }
    more(out, pm.fixed_files.len());
    if pm.fixed_files.is_empty() {
        out.push_str("\nThe fix changed no file riskgate could read.\n\n");
        return;
    }
    let missed = pm.gap().count();
    let _ = writeln!(
        out,
        "\n{}\n",
        match missed {
            0 =>
                "Every file the fix changed had a finding at merge time: riskgate saw where it would break.".to_string(),
            n => format!(
                "{n} of {} files the fix changed had no finding at merge time.",
                pm.fixed_files.len()
            ),
        }
    );
}

fn remedies(out: &mut String, pm: &Postmortem) {
    out.push_str("## Proposed remedies\n\n");
    if !pm.cause_is_known() {
        out.push_str("None until the cause is named: remedies from a candidate would be about another change.\n\n");
        return;
    }
    if pm.remedies.is_empty() {
        out.push_str("None that riskgate can write for you.\n\n");
        return;
    }
    for (i, remedy) in pm.remedies.iter().enumerate() {
        let n = i + 1;
        match remedy {
            Remedy::JsonColumn {
                table,
                column,
                symbol,
                column_named,
                shapes_configured,
            } => {
                let type_name = symbol.rsplit("::").next().unwrap_or(symbol);
                let _ = writeln!(
                    out,
                    "### {n}. Name the type stored in `{}.{}`\n\nIn `riskgate.toml`, so that a change to either raises `json-column-contract-changed` whatever the names, and so that real rows are checked against the type when a change touches it:\n",
                    code(table),
                    code(column)
                );
                let mut toml = String::new();
                if !column_named {
                    let _ = write!(
                        toml,
                        "[[json_column]]\ntable = {}\ncolumn = {}\ntype = {}\n\n",
                        toml_basic(table),
                        toml_basic(column),
                        toml_basic(type_name)
                    );
                }
                if !shapes_configured {
                    let _ = write!(
                        toml,
                        "[[shapes]]\ntype = {}\npostgres_url_env = \"RISKGATE_SHAPES_URL\"   # a read-only role's URL, set in CI\nquery = {}\n",
                        toml_basic(symbol),
                        toml_basic(&format!(
                            "SELECT {} FROM {}",
                            sql_identifier(column),
                            table.split('.').map(sql_identifier).collect::<Vec<_>>().join(".")
                        ))
                    );
                }
                out.push_str(&fenced("toml", &toml));
                out.push('\n');
            }
            Remedy::PackRule { path, id, toml, .. } => {
                let _ = writeln!(
                    out,
                    "### {n}. A rule for the repository's own pack: `{id}`\n\nThe fix changed `{}`, where no finding pointed. This rule fires when a change adds the same word there again; riskgate loaded it and ran its two examples (one from this change, which fires, and one that does not) before proposing it. Save it in a pack file that `[rules] packs` in `riskgate.toml` names (for example `.riskgate/rules/incidents.toml` with `packs = [\".riskgate/rules/*.toml\"]`):\n",
                    code(path)
                );
                out.push_str(&fenced("toml", toml));
                out.push('\n');
            }
            Remedy::RemoveWaiver {
                finding,
                source,
                reason,
            } => {
                let _ = writeln!(
                    out,
                    "### {n}. Remove the waiver\n\n`{}` was waived (`{}`, reason: {}) on a file the fix had to change. Remove the waiver so the finding counts again.\n",
                    code(finding),
                    code(source),
                    markdown(reason)
                );
            }
            Remedy::AddTest { functions } => {
                let listed: Vec<String> = functions
                    .iter()
                    .take(10)
                    .map(|(file, name)| format!("`{}` in `{}`", code(name), code(file)))
                    .collect();
                let more = match functions.len() {
                    n if n > 10 => format!(", and {} more", n - 10),
                    _ => String::new(),
                };
                let _ = writeln!(
                    out,
                    "### {n}. Add a test\n\nNo test referred to {}{more} when the change was merged, and the fix had to change those files. A test that feeds them what broke (data written before the change, the input that failed) keeps the next change honest.\n",
                    listed.join(", ")
                );
            }
        }
    }
}

/// A SQL identifier, double-quoted when it is not plain lower-case (a quote inside doubled).
fn sql_identifier(name: &str) -> String {
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    if plain {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_durations_read_as_people_write_them() {
        assert_eq!(utc(0), "1970-01-01 00:00");
        assert_eq!(utc(1_767_229_200), "2026-01-01 01:00");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00");
        assert_eq!(utc_day(1_796_515_200), "2026-12-06");
        assert_eq!(duration(59 * 60), "59 min");
        assert_eq!(duration(3 * 3600 + 5 * 60), "3 h 5 min");
        assert_eq!(duration(86_400 + 7200), "1 day 2 h");
        assert_eq!(duration(4 * 86_400), "4 days 0 h");
        assert_eq!(duration(-120), "-2 min");
        assert_eq!(duration(i64::MIN), "-106751991167300 days 15 h");
        assert_eq!(sql_identifier("prefs"), "prefs");
        assert_eq!(sql_identifier("Prefs;drop"), "\"Prefs;drop\"");
    }

    #[test]
    fn a_fence_is_longer_than_any_backtick_run_inside() {
        let text = "a ```` b";
        assert!(fenced("md", text).starts_with("`````md\n"));
        assert!(fenced("toml", "x").starts_with("```toml\n"));
    }
}
