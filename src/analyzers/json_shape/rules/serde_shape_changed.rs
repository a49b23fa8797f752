//! `serde-shape-changed`: a serde type changes so that a reader of its JSON breaks, weighed
//! by the type's role.

use crate::analyzers::json_shape::roles::{self, Evidence, Role};
use crate::analyzers::json_shape::serde_diff::{self, Change, Types};
use crate::analyzers::json_shape::serde_model::SerdeType;
use crate::analyzers::json_shape::serde_types::{added_schema_words, change_news, direction, models, Models};
use crate::code_rule;
use crate::diff::ChangeSet;
use crate::model::ShapeChange as SC;
use crate::model::{Direction, Finding, Severity};
use std::collections::BTreeSet;

code_rule! {
    /// ## What it does
    /// Compares every type deriving `Serialize` or `Deserialize` in a changed Rust file with its
    /// previous version, by wire name (after `rename`, `rename_all`, `alias`, `tag`, …), and
    /// reports each change that breaks a reader, tagged with its kind (`field-removed`,
    /// `field-renamed`, `field-added-required`, `type-changed`, `type-narrowed`, `type-widened`,
    /// `cardinality-changed`, `optionality-tightened`, `optionality-loosened`, `nesting-changed`,
    /// `enum-repr-changed`, `variant-added`, `variant-removed`, `variant-renamed`,
    /// `untagged-order-changed`, `rename-all-changed`, `deny-unknown-added`,
    /// `custom-codec-changed`, `transparent-changed`, `tuple-order-changed`) and its direction:
    /// `reads-old-data` (new code cannot read stored data) or `old-readers` (the release you
    /// would roll back to cannot read what new code writes). Only directions that the derives
    /// make possible count; harmless changes (reordering, an optional field or alias added, a
    /// Rust-only rename) are silent.
    ///
    /// ## Why is this risky?
    /// Stored JSON outlives the code that wrote it: rows, caches and queues hold documents of
    /// every past version, and the first one the new type cannot read is an incident.
    ///
    /// ## Example
    /// ```rust src/prefs.rs (before)
    /// #[derive(serde::Serialize, serde::Deserialize)]
    /// pub struct UserPrefs {
    ///     pub color: String,
    /// }
    /// ```
    /// ```rust src/prefs.rs
    /// #[derive(serde::Serialize, serde::Deserialize)]
    /// pub struct UserPrefs {
    ///     pub theme: String, // stored documents have no `theme`
    /// }
    /// ```
    ///
    /// ## How to roll back
    /// Keep reading the old shape (`#[serde(alias = "color")]`, `Option`, `default`), write the
    /// old shape until every reader is upgraded, and check the new type against a sample of real
    /// data with `riskgate shapes`.
    pub static SERDE_SHAPE_CHANGED: "serde-shape-changed", JsonShape, High, [], gating = BrokenContract;
}

/// The severity of one change given the roles of its type; `None` when no reader of that
/// role can break. With several roles, the strongest claim wins.
pub(crate) fn severity_for(
    c: &Change,
    dir: Direction,
    old_de: bool,
    evidence: &[Evidence],
    column_added: bool,
    unknown_why: &str,
) -> Option<(Severity, Role, String)> {
    let reads_old = matches!(dir, Direction::ReadsOldData | Direction::Both);
    let old_readers = matches!(dir, Direction::OldReaders | Direction::Both);
    let mut best: Option<(Severity, Role, String)> = None;
    let mut consider = |sev: Severity, role: Role, why: String| {
        if best.as_ref().is_none_or(|(s, _, _)| sev > *s) {
            best = Some((sev, role, why));
        }
    };
    let mut seen_role = false;
    for e in evidence {
        seen_role = true;
        let (new_fails, old_fails) = match e.role {
            // New code fails on stored documents: the incident. Old code failing is a rollback hazard.
            Role::Stored => (Severity::High, Severity::Medium),
            // Whether old clients send a newly required field is not visible in this code (a
            // server often catches up with its clients): a hint. Removing, renaming or retyping
            // what they send breaks them.
            Role::WireInput if matches!(c.kind, SC::FieldAddedRequired | SC::OptionalityTightened) => {
                (Severity::Medium, Severity::Medium)
            }
            // A new server rejects old clients' requests; an old server (after a rollback) new ones.
            Role::WireInput => (Severity::High, Severity::Medium),
            // Old clients read new responses; nobody reads old responses with new code.
            // A new enum value is a string old clients may not know: worth a look, not a break.
            // A new enum value or a value that may now be null: old clients may mishandle it,
            // but nothing they read is gone.
            Role::WireOutput if matches!(c.kind, SC::VariantAdded | SC::OptionalityLoosened) => {
                (Severity::Info, Severity::Medium)
            }
            Role::WireOutput => (Severity::Info, Severity::High),
            // Serde on a row is incidental: a field added with its column is the normal pattern.
            Role::Row if column_added && c.kind == SC::FieldAddedRequired => (Severity::Info, Severity::Info),
            Role::Row | Role::Unknown => (Severity::Medium, Severity::Medium),
        };
        // Only clients read what old code did not deserialise.
        let old_readers = old_readers && (old_de || e.role == Role::WireOutput);
        if reads_old && new_fails > Severity::Info {
            consider(new_fails, e.role, format!("{}: {}", e.role.describe(), e.why));
        }
        if old_readers && old_fails > Severity::Info {
            consider(old_fails, e.role, format!("{}: {}", e.role.describe(), e.why));
        }
    }
    if !seen_role && (reads_old || old_de) {
        consider(Severity::Medium, Role::Unknown, unknown_why.to_string());
    }
    // A Rust type in place of `Value` is narrower whatever it holds: not softened for that.
    let soft = c.soft && c.kind != SC::TypeNarrowed;
    best.map(|(sev, role, why)| (if soft { sev.min(Severity::Medium) } else { sev }, role, why))
}

/// Every breaking change of the change's serde types, weighed by role; `stored` names the
/// types the config says are stored JSON.
pub fn check(change: &ChangeSet, stored: &[String]) -> Vec<Finding> {
    let (old, new, unread) = models(change);
    if old.is_empty() || new.is_empty() {
        return unread;
    }
    let models = Models { old, new };
    let mut out = unread;
    let mut candidates = Vec::new();
    for n in &models.new {
        // Same name, same file first; a type moved to another file of the change matches too.
        let o = models
            .old
            .iter()
            .find(|o| {
                o.name == n.name
                    && o.item_path == n.item_path
                    && (o.file == n.file
                        || change
                            .files
                            .iter()
                            .any(|f| f.old_path.as_deref() == Some(o.file.as_str()) && f.path == n.file))
            })
            .or_else(|| {
                let same: Vec<&SerdeType> = models.old.iter().filter(|o| o.name == n.name).collect();
                (same.len() == 1).then(|| same[0])
            });
        let Some(o) = o else { continue };
        let hand_written = n.hand_written.or(o.hand_written);
        for c in serde_diff::compare(o, n, &models) {
            if let Some(dir) = direction(&c, n) {
                candidates.push((n, c, dir, hand_written));
            }
        }
    }
    if candidates.is_empty() {
        return out;
    }
    let wanted: BTreeSet<String> = candidates.iter().map(|(n, _, _, _)| n.name.clone()).collect();
    let roles = roles::find(
        &models.new,
        &wanted,
        &change.tree,
        stored,
        &change_news(change, &models.old),
    );
    let schema_words = added_schema_words(change);
    for (n, c, dir, hand_written) in candidates {
        let field = c.subject.rsplit('.').next().unwrap_or("").to_lowercase();
        let column_added = !field.is_empty() && schema_words.contains(&field);
        let old_de = models.old_type(&n.name).is_some_and(|o| o.de);
        let unknown_why = match roles.ambiguous(&n.name) {
            Some(count) => format!(
                "role unknown: {count} serde types are named `{}`, and a use by name cannot tell them apart, so this is a hint",
                n.name
            ),
            None => "role unknown: no request, response or database use of the type was found, so this is a hint".to_string(),
        };
        // A role that only code this change adds shows has no old client to break.
        let (known, new_only): (Vec<Evidence>, Vec<Evidence>) =
            roles.of(&n.name).iter().cloned().partition(|e| !e.new_in_change);
        let unknown_why = match new_only.first() {
            Some(e) if known.is_empty() => format!(
                "role unknown before this change: {} ({}), so no client of the base depends on it; a hint",
                e.role.describe(),
                e.why
            ),
            _ => unknown_why,
        };
        let Some((mut severity, role, mut why)) = severity_for(&c, dir, old_de, &known, column_added, &unknown_why)
        else {
            continue;
        };
        // A hand-written impl writes or reads the JSON: the fields do not show it, so a hint.
        if let Some(trait_name) = hand_written {
            severity = severity.min(Severity::Medium);
            why.push_str(&format!(
                "; `{}` implements {trait_name} by hand, so its JSON is that code's and the fields may not show it",
                n.name
            ));
        }
        out.push(reported(
            &SERDE_SHAPE_CHANGED,
            change,
            n,
            &c,
            dir,
            (severity, role, &why),
            c.kind.help(),
        ));
    }
    out
}

/// The finding for one change of a type, worded for its role: what the user sees of a
/// `serde-shape-changed` or `api-type-changed` finding.
pub(crate) fn reported(
    rule: &'static crate::model::CodeRule,
    change: &ChangeSet,
    n: &SerdeType,
    c: &Change,
    dir: Direction,
    (severity, role, why): (Severity, Role, &str),
    help: &str,
) -> Finding {
    let message = match role {
        Role::Stored => c.message.clone(),
        Role::WireOutput => c
            .message
            .replace(
                "old code requires it; new code stops writing it and drops it on every read-modify-write",
                "old clients that read it no longer get it",
            )
            .replace("stored documents", "data written before this change"),
        _ => c.message.replace("stored documents", "data written before this change"),
    };
    let mut f = rule
        .finding(format!("{message} ({why})"))
        .at(&n.file, Some(c.line))
        .help(help)
        .tags(&[c.kind.into()]);
    f.symbol = Some(format!("{}::{}", n.file, n.item_path));
    let source_line = change
        .files
        .iter()
        .find(|file| file.path == n.file)
        .and_then(|file| file.new_text.get())
        .and_then(|text| text.lines().nth(c.line.saturating_sub(1) as usize))
        .map(|l| l.trim().to_string());
    f.evidence = Some(source_line.unwrap_or_else(|| c.subject.clone()));
    f.target = Some(c.subject.clone());
    f.direction = Some(dir);
    f.severity = severity;
    f
}

#[cfg(test)]
mod tests {
    use crate::analyzers::json_shape::testing::serde_changes;

    const PREFS: &str = "#[derive(Serialize, Deserialize)]\npub struct UserPrefs {\n    pub color: String,\n}\n";

    #[test]
    fn a_renamed_field_fires_and_a_new_optional_one_does_not() {
        let renamed = PREFS.replace("color", "theme");
        let kinds: Vec<String> = serde_changes(PREFS, &renamed).into_iter().map(|c| c.0).collect();
        assert_eq!(kinds, vec!["field-renamed"]);
        let optional = PREFS.replace(
            "    pub color: String,\n",
            "    pub color: String,\n    pub nick: Option<String>,\n",
        );
        assert!(serde_changes(PREFS, &optional).is_empty());
    }
}
