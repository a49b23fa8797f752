//! `policy-changed`: the change edits the policy that judges it (config, packs, baseline,
//! attributes, recorded incidents); what weakens the gate is said, and holds the change.

use super::Policy;
use crate::baseline;
use crate::classify::honoured_attributes;
use crate::code_rule;
use crate::config::{self, Config, Threshold};
use crate::diff::ChangeSet;
use crate::model::{Finding, Severity};
use anyhow::Result;
use std::collections::{BTreeMap, BTreeSet};

code_rule! {
    /// ## What it does
    /// Reports a change to riskgate's own policy: `riskgate.toml`, a rule pack it names, the
    /// baseline (`.riskgate-baseline.json`), the `.gitattributes` entries riskgate honours
    /// (`binary`, `-diff`, `linguist-generated`) or the incidents recorded in
    /// `.riskgate/incidents.toml`. The message lists each effective difference, such as
    /// "disables migration-drops-schema", "ignores db/**" or "drops the recorded 1 incident".
    ///
    /// ## Why is this risky?
    /// `check` and the hook judge a change by the policy of its base, so a change cannot switch
    /// the gate off for itself; but once merged, its policy judges every later change. A change
    /// that weakens the gate (disables a rule, ignores or reclassifies paths, raises a
    /// threshold, lowers a severity or a size limit, adds a waiver or a baseline entry, drops a
    /// recorded incident, which lowers the history factor of later changes) is
    /// `high` and needs a rollback plan that names `policy-changed` and says why. One that only
    /// strengthens it is `info`, as is a `.gitattributes` mark on paths already hidden or on
    /// formats that are binary anyway (`*.png`, `*.woff2`, `*.whl`): riskgate reads no less.
    ///
    /// ## Example
    /// ```toml riskgate.toml (before)
    /// [gate]
    /// require_plan_at = "high"
    /// ```
    /// ```toml riskgate.toml
    /// [gate]
    /// require_plan_at = "critical"
    /// ```
    ///
    /// ## How to roll back
    /// Revert the policy file; the base policy is back in force at once. Put the policy files
    /// under CODEOWNERS so that the people who own the gate review changes to it.
    pub static POLICY_CHANGED: "policy-changed", Policy, High, [], gating = PolicyWeakened;
}

/// One effective difference between two policies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyChange {
    pub file: String,
    pub weakens: bool,
    pub what: String,
}

/// `policy-changed` findings for a change that touches a policy file: the policy at the head
/// (`head_policy`, loaded only when needed) against the base policy in force.
pub fn findings(change: &ChangeSet, base: &Policy, head_policy: impl FnOnce() -> Result<Policy>) -> Vec<Finding> {
    let pack_paths: BTreeSet<&str> = base.pack_files.iter().map(|(p, _)| p.as_str()).collect();
    let is_policy = |path: &str| {
        base.config_path.as_deref() == Some(path)
            || matches!(
                path,
                config::FILE_NAME | baseline::FILE_NAME | ".gitattributes" | crate::incidents::PATH
            )
            || pack_paths.contains(path)
            || looks_like_pack(path)
    };
    // A policy file renamed away is a policy change too.
    let touched: Vec<&crate::diff::ChangedFile> = change
        .files
        .iter()
        .filter(|f| is_policy(&f.path) || f.old_path.as_deref().is_some_and(is_policy))
        .collect();
    if touched.is_empty() {
        return Vec::new();
    }
    let line_of = |file: &str| {
        touched
            .iter()
            .find(|f| f.path == file)
            .and_then(|f| f.first_changed_line())
    };
    let head = match head_policy() {
        Ok(h) => h,
        Err(e) => {
            let file = touched[0].path.clone();
            let mut f = POLICY_CHANGED
                .finding(format!(
                    "the policy this change commits does not load, so every later run would stop with an error: {}",
                    format!("{e:#}").replace('\n', " ")
                ))
                .at(&file, line_of(&file))
                .help("fix the policy file; until then the base policy stays in force");
            f.severity = Severity::Medium;
            f.gating = None;
            return vec![f];
        }
    };
    let mut by_file: BTreeMap<String, Vec<PolicyChange>> = BTreeMap::new();
    for c in compare(base, &head) {
        by_file.entry(c.file.clone()).or_default().push(c);
    }
    by_file
        .into_iter()
        .map(|(file, changes)| {
            let weakens = changes.iter().any(|c| c.weakens);
            let (strong, weak): (Vec<&PolicyChange>, Vec<&PolicyChange>) = changes.iter().partition(|c| !c.weakens);
            let mut parts: Vec<String> = weak.iter().map(|c| c.what.clone()).collect();
            parts.extend(strong.iter().map(|c| c.what.clone()));
            let mut f = POLICY_CHANGED
                .finding(format!("{}: {}", if weakens { "weakens the gate" } else { "strengthens the gate" }, parts.join("; ")))
                .at(&file, line_of(&file))
                .help(if weakens {
                    "a change that weakens the gate needs a rollback plan that names policy-changed and says why; the base policy judges this change"
                } else {
                    "takes effect for the changes after this one"
                })
                .evidence(format!("policy of this check: {}", base.origin));
            if !weakens {
                f.severity = Severity::Info;
                f.gating = None;
            }
            f
        })
        .collect()
}

/// A rule pack the change adds or edits under a conventional folder, named by no base glob.
fn looks_like_pack(path: &str) -> bool {
    path.ends_with(".toml")
        && (path.starts_with("riskgate/") || path.starts_with(".riskgate/") || path.starts_with("rules/"))
}

/// Every effective difference from `base` to `head`, each saying whether it weakens the gate.
pub fn compare(base: &Policy, head: &Policy) -> Vec<PolicyChange> {
    let mut out = Vec::new();
    let toml = base.config_path.as_deref().unwrap_or(config::FILE_NAME);
    let mut say = |file: &str, weakens: bool, what: String| {
        out.push(PolicyChange {
            file: file.to_string(),
            weakens,
            what,
        })
    };
    let (b, h) = (&base.config, &head.config);
    let spanned = |v: &[toml::Spanned<String>]| v.iter().map(|s| s.get_ref().clone()).collect::<BTreeSet<_>>();

    for (word, bt, ht) in [
        ("require_plan_at", b.gate.require_plan_at, h.gate.require_plan_at),
        ("block_at", b.gate.block_at, h.gate.block_at),
        ("block_on_score", b.gate.block_on_score, h.gate.block_on_score),
    ] {
        if bt != ht {
            let raised = rank(ht) > rank(bt);
            say(
                toml,
                raised,
                format!(
                    "{} [gate] {word} from {} to {}",
                    if raised { "raises" } else { "lowers" },
                    threshold(bt),
                    threshold(ht)
                ),
            );
        }
    }
    for (added, ids) in set_changes(&spanned(&b.rules.disable), &spanned(&h.rules.disable)) {
        for id in ids {
            say(
                toml,
                added,
                format!("{} {id}", if added { "disables" } else { "enables" }),
            );
        }
    }
    for (label, bs, hs) in [
        ("ignores", &b.classify.ignore, &h.classify.ignore),
        ("marks as generated", &b.classify.generated, &h.classify.generated),
        ("counts as tests", &b.tests.paths, &h.tests.paths),
    ] {
        for (added, globs) in set_changes(&spanned(bs), &spanned(hs)) {
            for g in globs {
                say(
                    toml,
                    added,
                    format!("{}{label} {g}", if added { "" } else { "no longer " }),
                );
            }
        }
    }
    for (added, globs) in set_changes(&spanned(&b.classify.json_fixtures), &spanned(&h.classify.json_fixtures)) {
        for g in globs {
            say(
                toml,
                !added,
                format!(
                    "{} {g} as JSON fixtures",
                    if added { "reads" } else { "no longer reads" }
                ),
            );
        }
    }
    for (added, globs) in set_changes(&spanned(&b.migrations.paths), &spanned(&h.migrations.paths)) {
        for g in globs {
            say(
                toml,
                !added,
                format!("{} {g} as migrations", if added { "reads" } else { "no longer reads" }),
            );
        }
    }
    if b.migrations.dialect != h.migrations.dialect {
        say(
            toml,
            true,
            format!(
                "changes the migration dialect from {:?} to {:?}",
                b.migrations.dialect, h.migrations.dialect
            ),
        );
    }
    if h.diff.max_file_size != b.diff.max_file_size {
        let lowered = h.diff.max_file_size < b.diff.max_file_size;
        say(
            toml,
            lowered,
            format!(
                "{} [diff] max_file_size from {} to {} bytes",
                if lowered { "lowers" } else { "raises" },
                b.diff.max_file_size,
                h.diff.max_file_size
            ),
        );
    }
    if b.hook.tags && !h.hook.tags {
        say(toml, true, "stops checking pushed tags".to_string());
    }
    // The rehearsal: switched off, or pointed at another variable (which CI may not set).
    match (&b.rehearse.postgres_url_env, &h.rehearse.postgres_url_env) {
        (Some(_), None) => say(
            toml,
            true,
            "stops rehearsing migrations ([rehearse] postgres_url_env)".to_string(),
        ),
        (Some(old), Some(new)) if old != new => say(
            toml,
            true,
            format!("moves [rehearse] postgres_url_env from {old} to {new}"),
        ),
        (None, Some(new)) => say(toml, false, format!("rehearses migrations on the server in {new}")),
        _ => {}
    }
    let skips = |c: &Config| {
        c.rehearse
            .skip
            .iter()
            .map(|g| g.get_ref().clone())
            .collect::<BTreeSet<_>>()
    };
    for glob in skips(h).difference(&skips(b)) {
        say(
            toml,
            true,
            format!("stops rehearsing the migrations in {glob} ([rehearse] skip)"),
        );
    }
    if h.rehearse.postgres_url_env.is_some() && h.rehearse.rows() < b.rehearse.rows() {
        say(
            toml,
            true,
            format!(
                "lowers [rehearse] rows from {} to {}",
                b.rehearse.rows(),
                h.rehearse.rows()
            ),
        );
    }
    // The gate compares the score's level, so every weight of the score can open it.
    let weights = |m: &BTreeMap<String, toml::Spanned<f64>>| {
        m.iter()
            .map(|(k, v)| (k.clone(), *v.get_ref()))
            .collect::<BTreeMap<_, _>>()
    };
    for (table, bm, hm) in [
        ("severity", weights(&b.score.severity), weights(&h.score.severity)),
        ("confidence", weights(&b.score.confidence), weights(&h.score.confidence)),
    ] {
        for key in bm.keys().chain(hm.keys()).collect::<BTreeSet<_>>() {
            let (bv, hv) = (bm.get(key), hm.get(key));
            if bv != hv {
                let lowered = match (bv, hv) {
                    (Some(x), Some(y)) => y < x,
                    (None, Some(_)) => true,
                    _ => false,
                };
                let shown = |v: Option<&f64>| v.map_or("the default".to_string(), |v| v.to_string());
                say(
                    toml,
                    lowered,
                    format!("sets [score.{table}] {key} from {} to {}", shown(bv), shown(hv)),
                );
            }
        }
    }
    for (word, bv, hv) in [
        ("no_context", b.score.no_context, h.score.no_context),
        ("no_history", b.score.no_history, h.score.no_history),
    ] {
        if bv != hv {
            say(
                toml,
                hv,
                format!("{} [score] {word}", if hv { "sets" } else { "clears" }),
            );
        }
    }
    if b.score.context != h.score.context || b.score.history_limit != h.score.history_limit {
        say(toml, true, "changes the score's context weights".to_string());
    }
    if b.tests.coverage != h.tests.coverage {
        say(
            toml,
            true,
            format!(
                "reads coverage from {:?} instead of {:?}",
                h.tests.coverage, b.tests.coverage
            ),
        );
    }
    let sections = |c: &Config| {
        c.plan
            .required_sections
            .iter()
            .map(|s| s.to_lowercase())
            .collect::<BTreeSet<_>>()
    };
    for (added, names) in set_changes(&sections(b), &sections(h)) {
        for n in names {
            say(
                toml,
                !added,
                format!(
                    "{} the plan section `{n}`",
                    if added { "requires" } else { "no longer requires" }
                ),
            );
        }
    }
    if spanned(&b.plan.paths) != spanned(&h.plan.paths) {
        say(toml, false, "changes where plans are looked for".to_string());
    }
    let waiver = |c: &Config| {
        c.waivers
            .iter()
            .map(|w| {
                let w = w.get_ref();
                let at = w
                    .path
                    .as_ref()
                    .map_or("every path".to_string(), |p| p.get_ref().clone());
                format!(
                    "{} at {at} (\"{}\")",
                    w.rule.get_ref(),
                    w.reason.as_deref().unwrap_or("")
                )
            })
            .collect::<BTreeSet<_>>()
    };
    for (added, ws) in set_changes(&waiver(b), &waiver(h)) {
        for w in ws {
            say(
                toml,
                added,
                format!("{} {w}", if added { "waives" } else { "removes the waiver of" }),
            );
        }
    }
    let columns = |c: &Config| {
        c.json_column
            .iter()
            .map(|j| format!("{}.{} as {}", j.table, j.column, j.type_name))
            .collect::<BTreeSet<_>>()
    };
    let shapes = |c: &Config| c.shapes.iter().map(|s| s.type_spec.clone()).collect::<BTreeSet<_>>();
    for (label, bs, hs) in [
        ("the JSON column", columns(b), columns(h)),
        ("the [[shapes]] check of", shapes(b), shapes(h)),
    ] {
        for (added, items) in set_changes(&bs, &hs) {
            for i in items {
                say(
                    toml,
                    !added,
                    format!("{} {label} {i}", if added { "adds" } else { "removes" }),
                );
            }
        }
    }
    pack_changes(base, head, &mut out);
    baseline_changes(base, head, &mut out);
    attribute_changes(base, head, &mut out);
    incident_changes(base, head, &mut out);
    out
}

/// A recorded incident dropped lowers the history factor of every later change to its files.
fn incident_changes(base: &Policy, head: &Policy, out: &mut Vec<PolicyChange>) {
    let causes = |p: &Policy| p.incidents.iter().map(|i| i.cause.clone()).collect::<BTreeSet<_>>();
    for (added, items) in set_changes(&causes(base), &causes(head)) {
        out.push(PolicyChange {
            file: crate::incidents::PATH.to_string(),
            weakens: !added,
            what: counted(
                if added { "records" } else { "drops the recorded" },
                "incident",
                items.iter().map(|c| crate::text::short_sha(c)),
            ),
        });
    }
}

fn rank(t: Threshold) -> u8 {
    match t {
        Threshold::At(level) => level as u8,
        Threshold::Never => u8::MAX,
    }
}

fn threshold(t: Threshold) -> String {
    match t {
        Threshold::At(level) => level.as_str().to_string(),
        Threshold::Never => "never".to_string(),
    }
}

/// `(true, added)` and `(false, removed)`, each only when not empty.
fn set_changes(base: &BTreeSet<String>, head: &BTreeSet<String>) -> Vec<(bool, Vec<String>)> {
    let added: Vec<String> = head.difference(base).cloned().collect();
    let removed: Vec<String> = base.difference(head).cloned().collect();
    [(true, added), (false, removed)]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect()
}

/// Each pack rule by id, as its TOML table, with the file it is in.
fn pack_rules(policy: &Policy) -> BTreeMap<String, (String, toml::Value)> {
    let mut out = BTreeMap::new();
    for (file, text) in &policy.pack_files {
        let Ok(value) = text.parse::<toml::Table>() else {
            continue;
        };
        for rule in value.get("rule").and_then(|r| r.as_array()).into_iter().flatten() {
            if let Some(id) = rule.get("id").and_then(|i| i.as_str()) {
                out.insert(id.to_string(), (file.clone(), rule.clone()));
            }
        }
    }
    out
}

fn pack_changes(base: &Policy, head: &Policy, out: &mut Vec<PolicyChange>) {
    let (b, h) = (pack_rules(base), pack_rules(head));
    for (id, (file, rule)) in &b {
        match h.get(id) {
            None => out.push(PolicyChange {
                file: file.clone(),
                weakens: true,
                what: format!("removes the rule {id}"),
            }),
            Some((hfile, hrule)) if hrule != rule => out.push(PolicyChange {
                file: hfile.clone(),
                weakens: true,
                what: format!("changes the rule {id}"),
            }),
            _ => {}
        }
    }
    for (id, (file, _)) in h.iter().filter(|(id, _)| !b.contains_key(*id)) {
        out.push(PolicyChange {
            file: file.clone(),
            weakens: false,
            what: format!("adds the rule {id}"),
        });
    }
}

fn baseline_changes(base: &Policy, head: &Policy, out: &mut Vec<PolicyChange>) {
    let entries = |p: &Policy| {
        p.baseline
            .iter()
            // The hash is compared too: an entry re-pointed at other content is a new entry.
            .flat_map(|b| {
                b.findings
                    .iter()
                    .map(|e| format!("{} at {}\t{}", e.rule, e.path, e.hash))
            })
            .collect::<BTreeSet<_>>()
    };
    for (added, items) in set_changes(&entries(base), &entries(head)) {
        out.push(PolicyChange {
            file: baseline::FILE_NAME.to_string(),
            weakens: added,
            what: counted(
                if added { "baselines" } else { "drops from the baseline" },
                "finding",
                items.iter().map(|i| i.split('\t').next().unwrap_or(i)),
            ),
        });
    }
}

/// `drops from the baseline 2 findings (a, b)`: the count and the first five named.
fn counted<'a>(verb: &str, noun: &str, items: impl ExactSizeIterator<Item = &'a str>) -> String {
    let n = items.len();
    let named: Vec<&str> = items.take(5).collect();
    format!(
        "{verb} {n} {noun}{} ({})",
        if n == 1 { "" } else { "s" },
        named.join(", ")
    )
}

/// Formats that are binary whatever `.gitattributes` says (images, fonts, archives, media,
/// compiled code): marking them hides no text riskgate reads.
const BINARY_FORMATS: &[&str] = &[
    "png", "jpg", "jpeg", "gif", "bmp", "ico", "icns", "webp", "tif", "tiff", "psd", "ai", "eps", "pdf", "woff",
    "woff2", "ttf", "otf", "eot", "zip", "gz", "tgz", "bz2", "xz", "zst", "7z", "rar", "jar", "war", "whl", "egg",
    "so", "dylib", "dll", "exe", "class", "pyc", "o", "a", "wasm", "mp3", "mp4", "m4a", "ogg", "oga", "wav", "flac",
    "webm", "mov", "avi", "mkv", "xls", "xlsx", "doc", "docx", "ppt", "pptx", "odt", "ods", "tar", "heic", "avif",
    "mpg", "mpeg", "ogv", "aac", "opus", "ttc", "dmg", "iso", "apk", "deb", "rpm", "msi",
];

/// `*.png`, `static/**/*.woff2`: a pattern that names files of one binary format by extension.
fn names_binary_format(pattern: &str) -> bool {
    let name = pattern.rsplit('/').next().unwrap_or(pattern);
    name.strip_prefix("*.").is_some_and(|ext| {
        let ext = ext.to_ascii_lowercase();
        BINARY_FORMATS.contains(&ext.as_str())
    })
}

fn attribute_changes(base: &Policy, head: &Policy, out: &mut Vec<PolicyChange>) {
    let (b, h) = (
        honoured_attributes(base.gitattributes.as_deref()),
        honoured_attributes(head.gitattributes.as_deref()),
    );
    // Every honoured mark hides a path from riskgate's reading alike: a new mark on paths the
    // base already hid (`.sqlx/*.json` under `.sqlx/*`, `generated` beside `binary`) hides nothing new.
    let hidden_before = crate::classify::attribute_globs_any(base.gitattributes.as_deref());
    for (pattern, meaning) in h.difference(&b) {
        let already_hidden = hidden_before.is_match(pattern.trim_start_matches("**/"));
        out.push(PolicyChange {
            file: ".gitattributes".to_string(),
            weakens: !already_hidden && !names_binary_format(pattern),
            what: format!("marks {pattern} as {meaning}"),
        });
    }
    // A mark dropped for a wider one (`**/openapi.json` for `**/openapi*.json`) unmarks nothing.
    let hidden_after = crate::classify::attribute_globs_any(head.gitattributes.as_deref());
    for (pattern, meaning) in b.difference(&h) {
        if hidden_after.is_match(pattern.trim_start_matches("**/")) {
            continue;
        }
        out.push(PolicyChange {
            file: ".gitattributes".to_string(),
            weakens: false,
            what: format!("no longer marks {pattern} as {meaning}"),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SourceText;

    fn policy(toml_text: &str) -> Policy {
        let config = Config::parse(SourceText {
            name: "riskgate.toml".into(),
            text: toml_text.into(),
        })
        .unwrap();
        Policy {
            config,
            pack_files: Vec::new(),
            baseline: None,
            gitattributes: None,
            incidents: Vec::new(),
            origin: "test".into(),
            explicit: None,
            config_path: Some(config::FILE_NAME.to_string()),
        }
    }

    fn said(base: &str, head: &str) -> Vec<(bool, String)> {
        compare(&policy(base), &policy(head))
            .into_iter()
            .map(|c| (c.weakens, c.what))
            .collect()
    }

    #[test]
    fn switching_the_rehearsal_off_weakens() {
        let on = "[rehearse]\npostgres_url_env = \"REHEARSE_URL\"\nrows = 1000\n";
        assert_eq!(
            said(on, ""),
            vec![(
                true,
                "stops rehearsing migrations ([rehearse] postgres_url_env)".to_string()
            )]
        );
        assert_eq!(
            said(on, "[rehearse]\npostgres_url_env = \"UNSET\"\nrows = 10\n"),
            vec![
                (
                    true,
                    "moves [rehearse] postgres_url_env from REHEARSE_URL to UNSET".to_string()
                ),
                (true, "lowers [rehearse] rows from 1000 to 10".to_string())
            ]
        );
        assert_eq!(
            said("", on),
            vec![(false, "rehearses migrations on the server in REHEARSE_URL".to_string())]
        );
        assert_eq!(
            said("[classify]\njson_fixtures = [\"assets/**\"]\n", ""),
            vec![(true, "no longer reads assets/** as JSON fixtures".to_string())]
        );
        assert_eq!(
            said(on, &format!("{on}skip = [\"db/client/**\"]\n")),
            vec![(
                true,
                "stops rehearsing the migrations in db/client/** ([rehearse] skip)".to_string()
            )]
        );
    }

    #[test]
    fn weakening_settings_are_named() {
        assert_eq!(
            said(
                "",
                "[rules]\ndisable = [\"migration-drops-schema\"]\n[classify]\nignore = [\"db/**\"]\n"
            ),
            vec![
                (true, "disables migration-drops-schema".to_string()),
                (true, "ignores db/**".to_string())
            ]
        );
        assert_eq!(
            said("", "[gate]\nrequire_plan_at = \"never\"\n[diff]\nmax_file_size = 1\n"),
            vec![
                (true, "raises [gate] require_plan_at from high to never".to_string()),
                (true, "lowers [diff] max_file_size from 1048576 to 1 bytes".to_string())
            ]
        );
        assert_eq!(
            said(
                "",
                "[score.severity]\ncritical = 0.0\n[score.confidence]\nmigration-drops-schema = 0.0\n"
            ),
            vec![
                (true, "sets [score.severity] critical from the default to 0".to_string()),
                (
                    true,
                    "sets [score.confidence] migration-drops-schema from the default to 0".to_string()
                )
            ]
        );
    }

    #[test]
    fn dropping_a_recorded_incident_weakens_and_recording_one_does_not() {
        let incident = |cause: &str| crate::incidents::Incident {
            cause: cause.into(),
            fixed_by: None,
            summary: "s".into(),
            recorded: None,
        };
        let mut base = policy("");
        base.incidents = vec![incident("aaaaaaa1"), incident("bbbbbbb2")];
        let mut head = policy("");
        head.incidents = vec![incident("bbbbbbb2"), incident("ccccccc3")];
        let said: Vec<(bool, String)> = compare(&base, &head).into_iter().map(|c| (c.weakens, c.what)).collect();
        assert_eq!(
            said,
            vec![
                (false, "records 1 incident (ccccccc3)".to_string()),
                (true, "drops the recorded 1 incident (aaaaaaa1)".to_string())
            ]
        );
    }

    #[test]
    fn strengthening_is_not_weakening() {
        assert_eq!(
            said(
                "[gate]\nrequire_plan_at = \"critical\"\n[rules]\ndisable = [\"rust-unsafe-added\"]\n",
                ""
            ),
            vec![
                (false, "lowers [gate] require_plan_at from critical to high".to_string()),
                (false, "enables rust-unsafe-added".to_string())
            ]
        );
        assert!(said("[gate]\nblock_at = \"never\"\n", "[gate]\nblock_at = \"never\"\n").is_empty());
        // Turning the score gate off weakens the gate like any threshold.
        assert_eq!(
            said(
                "[gate]\nblock_on_score = \"high\"\n",
                "[gate]\nblock_on_score = \"never\"\n"
            ),
            vec![(true, "raises [gate] block_on_score from high to never".to_string())]
        );
    }

    /// What weakens when `.gitattributes` goes from `base` to `head`.
    fn attributes_weakened(base: &str, head: &str) -> Vec<String> {
        let (mut b, mut h) = (policy(""), policy(""));
        b.gitattributes = Some(base.into());
        h.gitattributes = Some(head.into());
        compare(&b, &h)
            .into_iter()
            .filter(|c| c.weakens)
            .map(|c| c.what)
            .collect()
    }

    #[test]
    fn a_mark_widened_is_not_a_mark_dropped() {
        let (mut b, mut h) = (policy(""), policy(""));
        b.gitattributes = Some("**/openapi.json linguist-generated\n".into());
        h.gitattributes = Some("**/openapi*.json linguist-generated\n".into());
        let mut out = Vec::new();
        attribute_changes(&b, &h, &mut out);
        let said: Vec<&str> = out.iter().map(|c| c.what.as_str()).collect();
        assert_eq!(said, ["marks **/openapi*.json as generated"]);
    }

    #[test]
    fn marking_binary_formats_binary_weakens_nothing() {
        assert!(attributes_weakened(
            "",
            "*.png binary\n*.woff2 binary\nstatic/**/*.TTF binary\n*.whl -diff\n*.tar binary\n*.7z binary\n"
        )
        .is_empty());
        assert_eq!(
            attributes_weakened("", "*.svg binary\n*.png.json binary\n"),
            ["marks *.png.json as binary", "marks *.svg as binary"]
        );
    }

    #[test]
    fn attributes_that_hide_files_are_weakening() {
        assert_eq!(
            attributes_weakened(
                "*.png binary\n",
                "*.png binary\n*.sql binary\ndb/** -diff linguist-generated\n"
            ),
            [
                "marks *.sql as binary",
                "marks db/** as generated",
                "marks db/** as not diffed"
            ]
        );
    }

    #[test]
    fn a_leading_slash_on_a_pattern_with_a_slash_changes_nothing() {
        let anchored = "/.sqlx/*.json binary linguist-generated\n";
        assert!(attributes_weakened(anchored, ".sqlx/*.json binary linguist-generated\n").is_empty());
        assert!(attributes_weakened(".sqlx/*.json binary linguist-generated\n", anchored).is_empty());
        // Without a slash the pattern matches at any depth: dropping the anchor widens it.
        assert_eq!(
            attributes_weakened(anchored, "*.json binary\n"),
            ["marks *.json as binary"]
        );
    }

    #[test]
    fn a_mark_on_paths_already_hidden_hides_nothing_new() {
        let all = ".sqlx/* binary\n";
        assert!(attributes_weakened(all, ".sqlx/* binary linguist-generated\n").is_empty());
        assert!(attributes_weakened(all, ".sqlx/*.json binary\n").is_empty());
        assert_eq!(
            attributes_weakened(all, "db/*.sql binary\n"),
            ["marks db/*.sql as binary"]
        );
    }
}
