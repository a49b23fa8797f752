//! `--format sarif`: SARIF 2.1.0, as GitHub code scanning accepts it.

use super::{RenderContext, Report};
use crate::model::Severity;
use serde_json::{json, Value};
use std::collections::BTreeMap;

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

pub fn render(report: &Report, ctx: &RenderContext<'_>) -> String {
    let mut rule_index: BTreeMap<&str, usize> = BTreeMap::new();
    let mut rules: Vec<Value> = Vec::new();
    for f in &report.findings {
        if rule_index.contains_key(f.rule.as_str()) {
            continue;
        }
        rule_index.insert(&f.rule, rules.len());
        let doc = ctx.doc(&f.rule);
        let description = doc.map_or(f.message.as_str(), |d| d.description.as_str());
        let help_text = doc.map_or_else(
            || f.help.clone(),
            |d| {
                format!(
                    "{}\n\nWhy: {}\n\nHow to roll back: {}",
                    d.description, d.why, d.rollback
                )
            },
        );
        let help_markdown = doc.map_or_else(|| f.help.clone(), |d| d.markdown());
        rules.push(json!({
            "id": f.rule,
            "name": f.rule,
            "shortDescription": {"text": description},
            "fullDescription": {"text": doc.map_or(description, |d| d.why.as_str())},
            "help": {"text": help_text, "markdown": help_markdown},
            "defaultConfiguration": {"level": level(doc.map_or(f.severity, |d| d.severity))},
            "properties": {"tags": f.tags, "analyzer": f.analyzer},
        }));
    }
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let mut text = f.message.clone();
            if !f.help.is_empty() {
                text.push_str(" — ");
                text.push_str(&f.help);
            }
            let mut result = json!({
                "ruleId": f.rule,
                "ruleIndex": rule_index[f.rule.as_str()],
                "level": level(f.severity),
                "message": {"text": text},
                "properties": {
                    "severity": f.severity,
                    "tags": f.tags,
                    "needs_plan": f.needs_plan,
                    "gating": f.gating,
                    "mitigated_by": f.mitigated_by,
                },
            });
            if let Some(file) = &f.file {
                let mut physical = json!({"artifactLocation": {"uri": super::escape::uri(file), "uriBaseId": "%SRCROOT%"}});
                let start = f.line.unwrap_or(1);
                physical["region"] = json!({"startLine": start, "endLine": f.end_line.unwrap_or(start).max(start)});
                result["locations"] = json!([{"physicalLocation": physical}]);
            }
            if let Some(s) = &f.suppressed {
                result["suppressions"] = json!([{"kind": if s.source.starts_with("inline:") {"inSource"} else {"external"}, "justification": s.reason}]);
            }
            result
        })
        .collect();
    let sarif = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "riskgate",
                "version": report.tool.version,
                "informationUri": "https://github.com/riskgate/riskgate",
                "rules": rules,
            }},
            "results": results,
            "properties": {
                "score": report.score.value,
                "level": report.score.level,
                "score_meaning": report.score.meaning,
                "contributions": report.score.contributions,
                "verdict": report.gate.verdict,
                "reason": report.gate.reason,
                "gating": report.gate.gating,
            },
        }],
    });
    let mut s = serde_json::to_string_pretty(&sarif).expect("SARIF serialises");
    s.push('\n');
    s
}
