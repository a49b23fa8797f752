//! The rollback plan: reading its sections and checking that it is real (design §5).

use crate::code_rule;
use crate::model::Finding;
use regex::Regex;
use std::sync::OnceLock;

code_rule! {
    /// ## What it does
    /// Reports a rollback plan that lacks a required section: Rollback steps and Verification
    /// always, Backup when a destructive, data-rewrite or json-reshape finding is unmitigated,
    /// plus any heading listed in `plan.required_sections`. Synonyms count (Backout or Revert
    /// for Rollback, Validation for Verification).
    ///
    /// ## Why is this risky?
    /// A plan without steps or without a way to confirm the rollback worked is a hope, not a plan.
    ///
    /// ## Example
    /// ```markdown
    /// ## Rollback steps
    /// 1. `git revert abc123` and deploy (5 min)
    /// ```
    /// (no Verification section)
    ///
    /// ## How to roll back
    /// Add the missing section; `riskgate plan init` writes a skeleton with every section.
    pub static PLAN_MISSING_SECTION: "plan-missing-section", "gate", Medium, ["plan"], gating = None;
}

code_rule! {
    /// ## What it does
    /// Reports a plan section whose content is only a placeholder: `TODO`, `TBD`, `N/A`,
    /// `none`, `-`, `?`, `xxx`, `<…>`, `lorem`, "same as above".
    ///
    /// ## Why is this risky?
    /// A placeholder passes a glance in review but leaves the on-call engineer with nothing to do
    /// when the rollback is needed.
    ///
    /// ## Example
    /// ```markdown
    /// ## Verification
    /// TBD
    /// ```
    ///
    /// ## How to roll back
    /// Replace the placeholder with the real content.
    pub static PLAN_PLACEHOLDER: "plan-placeholder", "gate", Medium, ["plan"], gating = None;
}

code_rule! {
    /// ## What it does
    /// Reports a plan whose Rollback steps section has neither a numbered or bulleted step nor a
    /// code block, or whose other required sections hold less than one real sentence.
    ///
    /// ## Why is this risky?
    /// "Revert if needed" is not executable at 3 a.m.; steps must be concrete enough to follow.
    ///
    /// ## Example
    /// ```markdown
    /// ## Rollback steps
    /// Revert if needed.
    /// ```
    ///
    /// ## How to roll back
    /// Write numbered steps, each a command or action with its expected duration.
    pub static PLAN_TOO_THIN: "plan-too-thin", "gate", Medium, ["plan"], gating = None;
}

code_rule! {
    /// ## What it does
    /// Reports a plan that is still the text `riskgate plan init` wrote: every section other
    /// than Scope holds only the guidance comments or empty steps.
    ///
    /// ## Why is this risky?
    /// Committing the skeleton satisfies nothing; it only looks like a plan.
    ///
    /// ## Example
    /// ```markdown
    /// ## Rollback steps
    /// <!-- Numbered, executable steps with an estimated time each. -->
    /// 1.
    /// ```
    ///
    /// ## How to roll back
    /// Fill in each section, then run `riskgate plan check`.
    pub static PLAN_TEMPLATE_UNCHANGED: "plan-template-unchanged", "gate", Medium, ["plan"], gating = None;
}

code_rule! {
    /// ## What it does
    /// Reports a plan whose only rollback step is to revert the commit or pull request, while
    /// the change holds a data or schema finding (migration or JSON shape).
    ///
    /// ## Why is this risky?
    /// Reverting code does not revert data: dropped columns stay dropped and rewritten rows
    /// stay rewritten, and the reverted code then meets the new data.
    ///
    /// ## Example
    /// ```markdown
    /// ## Rollback steps
    /// 1. Revert the PR.
    /// ```
    ///
    /// ## How to roll back
    /// Add the data steps: restore from the backup, run the down migration, or the forward fix.
    pub static PLAN_ONLY_REVERT: "plan-only-revert", "gate", Medium, ["plan"], gating = None;
}

code_rule! {
    /// ## What it does
    /// Reports a finding that needs a plan but that the plan does not name: not its rule id,
    /// file, table, column, symbol or type.
    ///
    /// ## Why is this risky?
    /// A plan written for one risk gives false comfort about the others in the same change.
    ///
    /// ## Example
    /// A plan about `orders.total` while the change also drops `customers.fax`.
    ///
    /// ## How to roll back
    /// Name each risky change in the Scope section (`riskgate plan init` lists them).
    pub static PLAN_UNCOVERED_CHANGE: "plan-uncovered-change", "gate", Medium, ["plan"], gating = None;
}

code_rule! {
    /// ## What it does
    /// Reports a plan for a change with an unmitigated destructive, data-rewrite or json-reshape
    /// finding that names no backup (a backup table, a dump file, a snapshot id, a
    /// point-in-time-recovery window) and does not say "irreversible: forward fix".
    ///
    /// ## Why is this risky?
    /// Without a copy of the data, the rollback steps have nothing to restore from.
    ///
    /// ## Example
    /// ```markdown
    /// ## Backup
    /// We have backups.
    /// ```
    ///
    /// ## How to roll back
    /// Name the backup and where it is: `customers_fax_backup`, `s3://…/dump-2026-11-20.sql.gz`,
    /// `snap-0a1b2c`, or the PITR window.
    pub static PLAN_NO_BACKUP_EVIDENCE: "plan-no-backup-evidence", "gate", Medium, ["plan"], gating = None;
}

code_rule! {
    /// ## What it does
    /// Reports a Verification section that names no command, query, URL or check.
    ///
    /// ## Why is this risky?
    /// "Check that it works" cannot tell a successful rollback from a failed one.
    ///
    /// ## Example
    /// ```markdown
    /// ## Verification
    /// Make sure everything is fine again.
    /// ```
    ///
    /// ## How to roll back
    /// Name the query, the dashboard URL, the smoke test or the command to run.
    pub static PLAN_NO_VERIFICATION: "plan-no-verification", "gate", Medium, ["plan"], gating = None;
}

code_rule! {
    /// ## What it does
    /// Reports a plan that names no owner: no person, team or role runs the rollback. This is a
    /// warning: it does not make the plan invalid.
    ///
    /// ## Why is this risky?
    /// In an incident, a plan nobody owns waits for someone to notice it.
    ///
    /// ## Example
    /// A plan without an `## Owner` section.
    ///
    /// ## How to roll back
    /// Add `## Owner` with a person, team or on-call role.
    pub static PLAN_NO_OWNER: "plan-no-owner", "gate", Low, ["plan"], gating = None;
}

/// What the plan must answer for: the findings of the change.
pub struct Needs<'a> {
    pub findings: &'a [Finding],
}

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("plan regex compiles"))
}

/// Whether the plan names a finding: its rule, file, table or column, symbol or type.
fn names(plan: &str, f: &Finding) -> bool {
    let lower = plan.to_lowercase();
    let mut keys: Vec<String> = vec![f.rule.clone()];
    if let Some(file) = &f.file {
        keys.push(file.clone());
        keys.push(file.rsplit('/').next().unwrap_or(file).to_string());
    }
    if let Some(t) = &f.target {
        keys.push(t.clone());
        keys.extend(t.split('.').filter(|p| p.len() > 2).map(str::to_string));
    }
    if let Some(s) = &f.symbol {
        keys.push(s.clone());
        keys.push(s.rsplit("::").next().unwrap_or(s).to_string());
    }
    if keys.iter().any(|k| !k.is_empty() && lower.contains(&k.to_lowercase())) {
        return true;
    }
    // What a person writes: the tables and columns of the statement, in words. Every name the
    // evidence holds (SQL words aside) must appear as a word of the plan.
    let names = statement_names(f.evidence.as_deref().unwrap_or(""));
    let words: std::collections::HashSet<&str> = lower
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .collect();
    !names.is_empty() && names.iter().all(|n| words.contains(n.as_str()))
}

/// The identifiers of a statement, SQL keywords and types left out, lowercased.
fn statement_names(evidence: &str) -> Vec<String> {
    const SQL: &[&str] = &[
        "add",
        "alter",
        "and",
        "as",
        "bigint",
        "boolean",
        "by",
        "cascade",
        "column",
        "constraint",
        "create",
        "default",
        "delete",
        "drop",
        "exists",
        "false",
        "foreign",
        "from",
        "if",
        "in",
        "index",
        "insert",
        "int",
        "integer",
        "into",
        "is",
        "json",
        "jsonb",
        "key",
        "not",
        "null",
        "on",
        "or",
        "primary",
        "references",
        "rename",
        "restrict",
        "schema",
        "select",
        "set",
        "table",
        "text",
        "timestamp",
        "timestamptz",
        "to",
        "true",
        "truncate",
        "type",
        "unique",
        "update",
        "using",
        "values",
        "varchar",
        "where",
        "with",
    ];
    let mut out: Vec<String> = evidence
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .map(str::to_lowercase)
        .filter(|w| w.len() > 2 && !w.chars().all(|c| c.is_ascii_digit()) && !SQL.contains(&w.as_str()))
        .collect();
    out.dedup();
    out
}

/// The checks that depend on the change's findings.
fn check_against(
    plan: &PlanDoc,
    raw: &str,
    needs: &Needs<'_>,
    at: &dyn Fn(Finding) -> Finding,
    out: &mut Vec<Finding>,
) {
    static REVERT: OnceLock<Regex> = OnceLock::new();
    static STEP: OnceLock<Regex> = OnceLock::new();
    static BACKUP: OnceLock<Regex> = OnceLock::new();
    static FORWARD: OnceLock<Regex> = OnceLock::new();
    static VERIFY: OnceLock<Regex> = OnceLock::new();
    static OWNER: OnceLock<Regex> = OnceLock::new();
    let active = || needs.findings.iter().filter(|f| f.is_active() && f.analyzer != "gate");
    let data_or_schema = active().any(|f| f.analyzer == "migration" || f.analyzer == "json-shape");
    if let Some(steps) = plan.section("rollback") {
        let step = re(&STEP, r"(?m)^\s*(?:\d+[.)]|[-*+])\s+(.+)$");
        let list: Vec<&str> = step
            .captures_iter(steps)
            .filter_map(|c| c.get(1).map(|m| m.as_str()))
            .collect();
        let revert = re(
            &REVERT,
            r"(?i)\b(revert|roll ?back the (pr|commit|deploy)|git revert|redeploy the previous)",
        );
        if data_or_schema && !list.is_empty() && list.iter().all(|s| revert.is_match(s)) {
            out.push(at(PLAN_ONLY_REVERT
                .finding(
                    "the plan's only rollback step reverts the code, but this change alters data or a data contract",
                )
                .help(
                    "add the data steps: restore from the backup, run the down migration, or the forward fix",
                )));
        }
    }
    let text = meaningful(raw);
    for f in active().filter(|f| f.needs_plan) {
        if !names(&text, f) {
            out.push(at(PLAN_UNCOVERED_CHANGE
                .finding(format!(
                    "the plan does not name `{}` at {} ({})",
                    f.rule,
                    f.location(),
                    f.message
                ))
                .help(
                    "name each risky change in the Scope section: its rule id, file, table or type",
                )));
        }
    }
    let data_loss = active().any(|f| {
        f.tags
            .iter()
            .any(|t| matches!(t.as_str(), "destructive" | "data-rewrite" | "json-reshape"))
    });
    if data_loss {
        let backup = re(
            &BACKUP,
            r"(?i)(\b\w+_(backup|bak|copy|snapshot|old|archive)\b|\bbackup table\b|pg_dump|mysqldump|\.(sql|dump|csv|gz|tar|bak)\b|s3://|gs://|\bsnap-[0-9a-f]+|snapshot id|point[- ]in[- ]time|\bpitr\b)",
        );
        let forward = re(&FORWARD, r"(?i)irreversible\W+(\w+\W+){0,3}forward[- ]fix");
        let where_ = plan.section("backup").unwrap_or(&text);
        if !backup.is_match(where_) && !forward.is_match(&text) {
            out.push(at(PLAN_NO_BACKUP_EVIDENCE
                .finding("data is destroyed or rewritten, and the plan names no backup (table, dump, snapshot id, PITR window) nor says \"irreversible: forward fix\"")
                .help("name the backup and where it is, or state that the change is irreversible and describe the forward fix")));
        }
    }
    if let Some(v) = plan.section("verification") {
        let verify = re(
            &VERIFY,
            r"(?i)(`[^`]+`|\bselect\b|https?://|\bcurl\b|dashboard|smoke[- ]test|health ?check|\balert\b|\bmetric|\bquery\b|\btest\b)",
        );
        let v_text = meaningful(v);
        if !v_text.is_empty() && !is_placeholder(&v_text) && !verify.is_match(v) {
            out.push(at(PLAN_NO_VERIFICATION
                .finding("the Verification section names no command, query, URL or check")
                .help(
                    "name the query, dashboard URL, smoke test or command that shows the rollback worked",
                )));
        }
    }
    let owner = re(
        &OWNER,
        r"(?i)(@[\w-]+|\bteam\b|on[- ]call|\b[A-Z][a-z]+ [A-Z][a-z]+\b|\bsre\b|\bdba\b|engineer|lead|owner)",
    );
    let owner_text = plan.section("owner").map(meaningful).unwrap_or_default();
    if owner_text.is_empty() || !owner.is_match(&owner_text) {
        out.push(at(PLAN_NO_OWNER
            .finding("the plan names no owner (person, team or role)")
            .help("add an Owner section naming who runs the rollback")));
    }
}

/// Marks text written by `riskgate plan init`.
pub const TEMPLATE_MARKER: &str = "<!-- riskgate plan init:";

/// The skeleton `riskgate plan init` writes, with one scope line per finding that needs a plan.
pub fn template(scope: &[String]) -> String {
    let scope = if scope.is_empty() {
        "<!-- No finding needs a plan right now; name the risky changes this plan covers. -->\n".to_string()
    } else {
        scope.iter().map(|s| format!("- {s}\n")).collect()
    };
    format!(
        "# Rollback plan\n\n{TEMPLATE_MARKER} fill in every section and delete the comments; a section left as written is not valid. -->\n\n\
## Trigger\n<!-- A measurable signal and who decides: metric or alert name, threshold, window. -->\n\n\
## Scope\n{scope}\n\
## Backup\n<!-- What was saved before the change and where: backup table, dump path and timestamp, snapshot id, PITR window. -->\n\n\
## Rollback steps\n<!-- Numbered, executable steps, each with an estimated time: commands, a down-migration target, a flag flip, a redeploy. -->\n1.\n\n\
## Data\n<!-- What cannot be undone, and the forward fix for it. -->\n\n\
## Verification\n<!-- How to confirm the rollback worked: a query, a dashboard, a smoke test. -->\n\n\
## Owner\n<!-- Who runs the rollback: a person, team or role. -->\n"
    )
}

/// Adds to an existing plan's Scope the lines it does not name yet (by rule and place), keeping
/// everything written; a plan without a Scope section gets one at the end. Returns the new text
/// and how many lines were added.
pub fn add_to_scope(existing: &str, scope: &[String]) -> (String, usize) {
    let new: Vec<&String> = scope
        .iter()
        .filter(|s| {
            // `rule` at `place`: the part a person would keep when editing the line.
            let key = s.split(": ").next().unwrap_or(s);
            !existing.contains(key)
        })
        .collect();
    if new.is_empty() {
        return (existing.to_string(), 0);
    }
    let lines: String = new.iter().map(|s| format!("- {s}\n")).collect();
    let mut out = Vec::new();
    let mut in_scope = false;
    let mut added = false;
    for line in existing.lines() {
        let heading = atx_heading(line);
        if in_scope && heading.is_some() && !added {
            // Right after the section's last line, before the blank lines that end it.
            let blanks = out.iter().rev().take_while(|l: &&String| l.trim().is_empty()).count();
            let at = out.len() - blanks;
            out.insert(at, lines.trim_end().to_string());
            added = true;
        }
        if let Some((_, h)) = heading {
            in_scope = matches!(normalise(h).as_str(), "scope" | "covers");
        }
        out.push(line.to_string());
    }
    let mut text = out.join("\n");
    text.push('\n');
    if !added {
        if !in_scope {
            text.push_str("\n## Scope\n");
        }
        text.push_str(&lines);
    }
    (text, new.len())
}

fn is_unchanged_template(plan: &PlanDoc, raw: &str) -> bool {
    raw.contains(TEMPLATE_MARKER)
        && plan
            .sections
            .iter()
            .filter(|(h, _)| normalise(h) != "scope")
            .all(|(_, body)| {
                meaningful(body).lines().all(|l| {
                    l.trim_end_matches(['.', ')'])
                        .chars()
                        .all(|c| c.is_ascii_digit() || c == '-' || c == '*')
                })
            })
}

/// The sections riskgate knows, with the headings accepted for each.
pub const SECTIONS: &[(&str, &[&str])] = &[
    ("trigger", &["trigger", "triggers", "when to roll back"]),
    ("scope", &["scope", "covers"]),
    ("backup", &["backup", "backups", "snapshot"]),
    (
        "rollback",
        &[
            "rollback steps",
            "rollback",
            "roll back",
            "backout",
            "back out",
            "revert",
            "rollback procedure",
        ],
    ),
    ("data", &["data", "data loss", "irreversible"]),
    (
        "verification",
        &["verification", "verify", "validation", "how to verify"],
    ),
    ("owner", &["owner", "owners", "contact", "on call", "on-call"]),
];

#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlanDoc {
    /// (heading as written, body)
    pub sections: Vec<(String, String)>,
    /// The first heading is the document's title (a level above every other heading), whatever
    /// it says: "# Rollback plan: drop customers.fax" is a title, not the steps.
    pub titled: bool,
}

impl PlanDoc {
    pub fn parse(text: &str) -> PlanDoc {
        let mut sections: Vec<(String, String)> = Vec::new();
        let mut levels = Vec::new();
        let mut in_code = false;
        for line in text.lines() {
            if line.trim_start().starts_with("```") {
                in_code = !in_code;
            }
            if !in_code {
                if let Some((level, heading)) = atx_heading(line) {
                    sections.push((heading.to_string(), String::new()));
                    levels.push(level);
                    continue;
                }
            }
            if let Some((_, body)) = sections.last_mut() {
                body.push_str(line);
                body.push('\n');
            }
        }
        let titled = levels.len() > 1 && levels[1..].iter().all(|l| *l > levels[0]);
        PlanDoc { sections, titled }
    }

    /// The body of a known section (by canonical name) or of any heading equal to `name`:
    /// a heading that says exactly that first, then one that starts with it.
    pub fn section(&self, name: &str) -> Option<&str> {
        let synonyms: Vec<&str> = SECTIONS
            .iter()
            .find(|(n, _)| *n == name)
            .map_or_else(|| vec![name], |(_, s)| s.to_vec());
        let candidates: Vec<(String, &str)> = self
            .sections
            .iter()
            .skip(usize::from(self.titled))
            .map(|(heading, body)| (normalise(heading), body.as_str()))
            .filter(|(h, _)| h != "rollback plan")
            .collect();
        let exact = candidates.iter().find(|(h, _)| synonyms.contains(&h.as_str()));
        exact
            .or_else(|| {
                candidates
                    .iter()
                    .find(|(h, _)| synonyms.iter().any(|s| h.starts_with(&format!("{s} "))))
            })
            .map(|(_, body)| *body)
    }
}

/// `## Heading` → (2, "Heading").
fn atx_heading(line: &str) -> Option<(usize, &str)> {
    let t = line.trim_start();
    let hashes = t.chars().take_while(|c| *c == '#').count();
    if (1..=6).contains(&hashes) && t[hashes..].starts_with(' ') {
        Some((hashes, t[hashes..].trim().trim_end_matches('#').trim()))
    } else {
        None
    }
}

fn normalise(heading: &str) -> String {
    let cleaned: String = heading
        .to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() || c == '-' { c } else { ' ' })
        .collect();
    cleaned.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Section text without HTML comments and blank lines.
fn meaningful(body: &str) -> String {
    static COMMENT: OnceLock<Regex> = OnceLock::new();
    let re = COMMENT.get_or_init(|| Regex::new(r"(?s)<!--.*?-->").expect("regex compiles"));
    re.replace_all(body, "")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_placeholder(text: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(r"(?i)^([-*+]|\d+[.)])?\s*(todo|tbd|n/?a|none|-+|\?+|x{3,}|<[^>]*>|lorem\b.*|same as above|\.\.\.|…)[.!]?\s*$")
            .expect("regex compiles")
    });
    !text.is_empty() && text.lines().all(|l| re.is_match(l.trim()))
}

fn has_step(body: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| Regex::new(r"(?m)^\s*(\d+[.)]|[-*+])\s+\S").expect("regex compiles"));
    re.is_match(body) || body.contains("```")
}

/// Checks a plan; returns one finding per failed check, pointing at the plan's source.
pub fn validate(raw: &str, source: &str, required: &[String]) -> Vec<Finding> {
    validate_for(raw, source, required, &Needs { findings: &[] })
}

/// Checks a plan against the change's findings.
pub fn validate_for(raw: &str, source: &str, required: &[String], needs: &Needs<'_>) -> Vec<Finding> {
    let plan = &PlanDoc::parse(raw);
    let mut problems = Vec::new();
    let at = |f: Finding| f.at(source, None);
    if is_unchanged_template(plan, raw) {
        problems.push(at(PLAN_TEMPLATE_UNCHANGED
            .finding("the rollback plan is still the `riskgate plan init` skeleton")
            .help("fill in every section, then run `riskgate plan check`")));
        return problems;
    }
    for name in required {
        let label = SECTIONS
            .iter()
            .find(|(n, _)| n == name)
            .map_or(name.as_str(), |(_, s)| s[0]);
        let Some(body) = plan.section(name) else {
            problems.push(at(PLAN_MISSING_SECTION
                .finding(format!("the rollback plan has no `{label}` section"))
                .help(format!("add a `## {}` section", capitalise(label)))));
            continue;
        };
        let text = meaningful(body);
        if is_placeholder(&text) {
            problems.push(at(PLAN_PLACEHOLDER
                .finding(format!(
                    "the `{label}` section is only a placeholder: {}",
                    text.lines().next().unwrap_or("")
                ))
                .help("replace the placeholder with the real content")));
        } else if name == "rollback" && !has_step(&text) {
            problems.push(at(PLAN_TOO_THIN
                .finding("the rollback steps have no numbered or bulleted step and no code block")
                .help("write numbered steps, each a command or action with an estimated time")));
        } else if name != "rollback" && text.split_whitespace().count() < 3 {
            problems.push(at(PLAN_TOO_THIN
                .finding(format!(
                    "the `{label}` section is too thin: {}",
                    if text.is_empty() { "empty" } else { text.as_str() }
                ))
                .help("write at least one real sentence")));
        }
    }
    if !needs.findings.is_empty() {
        check_against(plan, raw, needs, &at, &mut problems);
    }
    problems
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    const GOOD: &str = "# Rollback plan\n\n## Rollback steps\n1. Run `psql -f down.sql` (2 min)\n2. Redeploy v1.4.2 (10 min)\n\n## Verification\nRun `SELECT count(*) FROM customers WHERE fax IS NOT NULL` and compare with the backup.\n";

    #[test]
    fn a_complete_plan_passes() {
        assert_eq!(
            validate(GOOD, "ROLLBACK.md", &req(&["rollback", "verification"])),
            vec![]
        );
    }

    #[test]
    fn synonyms_are_accepted() {
        let plan = "## Backout\n- revert the deploy (5 min)\n## Validation\nThe smoke test `make smoke` passes.\n";
        assert!(validate(plan, "p", &req(&["rollback", "verification"])).is_empty());
    }

    #[test]
    fn each_failed_check_is_a_finding() {
        let plan = "## Rollback steps\nRevert if needed.\n## Verification\nTBD\n";
        let found = validate(plan, "p.md", &req(&["rollback", "verification", "backup"]));
        let rules: Vec<_> = found.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(rules, vec!["plan-too-thin", "plan-placeholder", "plan-missing-section"]);
        assert_eq!(found[2].message, "the rollback plan has no `backup` section");
        assert_eq!(found[0].file.as_deref(), Some("p.md"));
    }

    #[test]
    fn the_unchanged_skeleton_is_one_finding_and_a_filled_one_is_valid() {
        let skeleton = template(&["`migration-drops-column` at `db/m.sql:3`".to_string()]);
        let found = validate(&skeleton, "ROLLBACK.md", &req(&["rollback", "verification"]));
        let rules: Vec<_> = found.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(rules, vec!["plan-template-unchanged"]);
        let filled = skeleton
            .replace("1.\n", "1. Run `psql -f restore.sql` (5 min)\n")
            .replace(
                "## Verification\n",
                "## Verification\nRun `SELECT count(*) FROM customers` and compare.\n",
            );
        assert!(validate(&filled, "ROLLBACK.md", &req(&["rollback", "verification"])).is_empty());
    }

    #[test]
    fn headings_inside_code_blocks_are_not_sections() {
        let plan = PlanDoc::parse("## Rollback steps\n```sh\n# Verification\npsql -f down.sql\n```\n");
        assert!(plan.section("verification").is_none());
        assert!(plan.section("rollback").unwrap().contains("psql"));
    }

    #[test]
    fn a_title_of_any_wording_is_a_title_not_a_section() {
        let plan = "# Rollback plan: drop customers.fax\nWhy this plan exists.\n\n## Rollback\n1. Restore the column from `customers_fax_backup` (5 min)\n\n## Backup\n`CREATE TABLE customers_fax_backup AS SELECT id, fax FROM customers` before the deploy.\n\n## Verification\nRun `SELECT count(*) FROM customers WHERE fax IS NOT NULL` and compare with the backup.\n";
        let required = req(&["rollback", "verification", "backup"]);
        assert_eq!(validate(plan, "ROLLBACK.md", &required), Vec::<Finding>::new());
        // A placeholder in the steps is named as one.
        let todo = plan.replace("1. Restore the column from `customers_fax_backup` (5 min)", "TODO");
        let rules: Vec<String> = validate(&todo, "ROLLBACK.md", &required)
            .into_iter()
            .map(|f| f.rule)
            .collect();
        assert_eq!(rules, vec!["plan-placeholder"]);
        // Without a title, the first heading is a section like the others.
        let untitled = PlanDoc::parse("## Rollback steps\n1. revert\n## Verification\nok\n");
        assert!(!untitled.titled);
        assert!(untitled.section("rollback").is_some());
    }

    #[test]
    fn a_new_risk_is_added_to_the_scope_and_nothing_written_is_lost() {
        let plan = "# Rollback plan: fax\n\n## Scope\n- `migration-drops-column` at `db/m.sql:3`: DROP COLUMN fax (our words)\n\n## Rollback steps\n1. restore (5 min)\n";
        let scope = [
            "`migration-drops-column` at `db/m.sql:3`: DROP COLUMN customers.fax discards every stored value"
                .to_string(),
            "`migration-drops-table` at `db/n.sql:1`: DROP TABLE t discards every row".to_string(),
        ];
        let (text, added) = add_to_scope(plan, &scope);
        assert_eq!(added, 1);
        assert_eq!(
            text,
            "# Rollback plan: fax\n\n## Scope\n- `migration-drops-column` at `db/m.sql:3`: DROP COLUMN fax (our words)\n- `migration-drops-table` at `db/n.sql:1`: DROP TABLE t discards every row\n\n## Rollback steps\n1. restore (5 min)\n"
        );
        assert_eq!(add_to_scope(&text, &scope), (text.clone(), 0));
        let (appended, n) = add_to_scope("## Rollback steps\n1. x\n", &scope[1..]);
        assert_eq!(n, 1);
        assert!(
            appended
                .ends_with("## Scope\n- `migration-drops-table` at `db/n.sql:1`: DROP TABLE t discards every row\n"),
            "{appended}"
        );
    }

    #[test]
    fn a_risk_named_in_words_is_covered() {
        let mut f = Finding::new(
            "migration-drops-column",
            "migration",
            crate::model::Severity::High,
            "DROP COLUMN customers.fax discards every stored value",
        )
        .at("db/migrations/0042_drop_fax.sql", Some(1))
        .evidence("ALTER TABLE customers DROP COLUMN fax;");
        f.needs_plan = true;
        let named = |plan: &str| names(&meaningful(plan), &f);
        assert!(named("## Scope\nWe drop the fax column of the customers table.\n"));
        assert!(!named("## Scope\nWe drop the total column of the orders table.\n"));
        assert!(
            !named("## Scope\nWe drop a column of the customers table.\n"),
            "the column must be named too"
        );
    }
}
