//! `--format github`: workflow-command annotations on the offending lines, then the markdown.

use super::escape::{workflow_data, workflow_property};
use super::{markdown, RenderContext, Report};
use crate::model::Severity;
use std::fmt::Write;

/// GitHub shows at most this many annotations of one kind per step.
const ANNOTATION_LIMIT: usize = 10;

pub fn render(report: &Report, ctx: &RenderContext<'_>) -> String {
    let mut out = String::new();
    let mut counts = [0usize; 3];
    let mut hidden = 0usize;
    for f in report.ranked() {
        if !f.mitigated_by.is_empty() || f.severity == Severity::Info {
            continue;
        }
        let (kind, slot) = match f.severity {
            Severity::Critical | Severity::High => ("error", 0),
            Severity::Medium => ("warning", 1),
            _ => ("notice", 2),
        };
        if counts[slot] == ANNOTATION_LIMIT {
            hidden += 1;
            continue;
        }
        counts[slot] += 1;
        let mut props = Vec::new();
        if let Some(file) = &f.file {
            props.push(format!("file={}", workflow_property(file)));
            if let Some(line) = f.line {
                props.push(format!("line={line}"));
                props.push(format!("endLine={}", f.end_line.unwrap_or(line)));
            }
        }
        props.push(format!(
            "title={}",
            workflow_property(&format!("riskgate {} ({})", f.rule, f.severity))
        ));
        let mut message = f.message.clone();
        if !f.help.is_empty() {
            message.push('\n');
            message.push_str(&f.help);
        }
        let _ = writeln!(out, "::{kind} {}::{}", props.join(","), workflow_data(&message));
    }
    if hidden > 0 {
        let _ = writeln!(
            out,
            "::notice title=riskgate::{hidden} more findings are not annotated (GitHub shows {ANNOTATION_LIMIT} per kind); see the job summary or the SARIF report"
        );
    }
    out.push_str(&markdown::render(report, ctx));
    out
}
