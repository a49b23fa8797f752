//! `api-type-changed`: a JSON API type in Python, TypeScript or Go changes so that a reader
//! of its JSON breaks, weighed by the type's role as `serde-shape-changed` weighs Rust's.

use super::serde_shape_changed::{reported, severity_for};
use crate::analyzers::json_shape::contracts::{self, Contracts};
use crate::analyzers::json_shape::roles::{Evidence, Role};
use crate::analyzers::json_shape::serde_diff::{self, Change, Types};
use crate::analyzers::json_shape::serde_model::{Body, Kind, SerdeType, Shape};
use crate::analyzers::json_shape::serde_types::{added_schema_words, direction, Models};
use crate::code_rule;
use crate::diff::ChangeSet;
use crate::model::ShapeChange as SC;
use crate::model::{Direction, Finding, Severity};
use std::collections::{BTreeMap, BTreeSet};

code_rule! {
    /// ## What it does
    /// Reads the JSON API types of every changed Python, TypeScript and Go file, before and
    /// after, with tree-sitter: Django REST Framework serializers (`Meta.fields`, declared
    /// fields, `read_only`, `write_only`, `required`, `allow_null`, `many`), Pydantic models
    /// (`Field(alias=…)`, `Optional`, defaults, `Literal`, `extra="forbid"`), `dataclasses_json`
    /// classes, exported TypeScript interfaces and object types, zod schemas (`.optional()`,
    /// `.nullable()`, `.strict()`, `z.enum`, `.extend`, `.pick`, `.omit`) and Go structs with
    /// `json` tags (`omitempty`, `-`, `string`, pointers, embedded structs). It compares them by
    /// wire key as `serde-shape-changed` compares Rust's serde types, with the same kinds and
    /// directions, and weighs each change by who reads the JSON: a DRF serializer is the API's
    /// requests and responses; a FastAPI route's parameters and `response_model`, a Go handler
    /// that decodes or encodes a struct, a zod schema that parses a request show theirs; a type
    /// named in `[[json_column]]` is stored. With no role seen, a change is a hint (medium).
    /// Types whose keys are computed (`fields = '__all__'`, `.extend` of a schema defined
    /// elsewhere) are reported as not analysed when the change edits them.
    ///
    /// ## Why is this risky?
    /// Clients built against the old API, and documents stored by the old code, keep arriving
    /// after the deploy: a key they read that is gone, renamed or retyped breaks them, and a
    /// rollback meets what the new code wrote.
    ///
    /// ## Example
    /// ```python api/serializers.py (before)
    /// from rest_framework import serializers
    ///
    /// class SiteSerializer(serializers.Serializer):
    ///     name = serializers.CharField()
    ///     asn = serializers.IntegerField()
    /// ```
    /// ```python api/serializers.py
    /// from rest_framework import serializers
    ///
    /// class SiteSerializer(serializers.Serializer):
    ///     name = serializers.CharField()
    /// ```
    ///
    /// ## How to roll back
    /// Keep the old key for a release (read both names, keep writing the old one, accept both
    /// types), tell clients, and remove it once no client of the old version is left.
    pub static API_TYPE_CHANGED: "api-type-changed", JsonShape, High, [], gating = BrokenContract;
}

/// Whether `base` has subclasses in the change and each still writes the key `key`.
fn kept_by_every_subclass(models: &Models, bases: &[(String, String)], base: &SerdeType, key: &str) -> bool {
    let mut subclasses = bases
        .iter()
        .filter(|(_, b)| *b == base.name)
        .map(|(class, _)| class)
        .peekable();
    subclasses.peek().is_some()
        && subclasses.all(|class| {
            models.new.iter().any(|t| {
                t.name == *class
                    && t.file == base.file
                    && contracts::model::fields_of(t)
                        .iter()
                        .any(|f| f.wire_ser == key && !f.skip_ser)
            })
        })
}

/// The safe pattern, in words that fit every language.
fn help(kind: SC) -> &'static str {
    match kind {
        SC::FieldRemoved => {
            "keep the key for a release (optional, still written), tell clients, remove it once no old client is left"
        }
        SC::FieldRenamed | SC::RenameAllChanged | SC::VariantRenamed => {
            "accept both names on input and keep writing the old one until every client has moved"
        }
        SC::FieldAddedRequired | SC::OptionalityTightened => {
            "make the key optional (a default) until every client sends it and stored documents carry it"
        }
        SC::OptionalityLoosened => "keep writing a value until clients accept null or a missing key",
        SC::VariantAdded => "ship readers that accept the new value one release before writers use it",
        SC::VariantRemoved => "keep accepting the old value until no client or stored document uses it",
        SC::DenyUnknownAdded => "keep ignoring unknown keys until every client stops sending them",
        _ => "accept both shapes for a release, then move clients and stored data, then retire the old one",
    }
}

/// A message in words that fit every language: the comparison describes types as serde's
/// (`i64`, `Option<T>`) and speaks of serde's attributes.
fn in_json_words(message: &str) -> String {
    let mut out = message.replace(" (no #[serde(other)] variant)", "").replace(
        ": serde_json wrote floats as 3.0, which an integer rejects",
        ": numbers with a fraction are rejected",
    );
    static INTEGER: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let integer = INTEGER.get_or_init(|| regex::Regex::new(r"\b[iu](8|16|32|64|128)\b").expect("a valid pattern"));
    out = integer.replace_all(&out, "integer").into_owned();
    // `Option<T>` → `T or null`, innermost first.
    while let Some(start) = out.find("Option<") {
        let inner = &out[start + 7..];
        let mut depth = 1;
        let Some(end) = inner.char_indices().find_map(|(i, c)| {
            match c {
                '<' => depth += 1,
                '>' => depth -= 1,
                _ => {}
            }
            (depth == 0).then_some(i)
        }) else {
            break;
        };
        let replaced = format!("{} or null", &inner[..end]);
        out = format!("{}{replaced}{}", &out[..start], &inner[end + 1..]);
    }
    static FLOAT: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let float = FLOAT.get_or_init(|| regex::Regex::new(r"\bfloat\b").expect("a valid pattern"));
    float.replace_all(&out, "number").into_owned()
}

/// Old and new versions of the same type: same name in the same (or renamed) file first,
/// else the only type of that name.
fn counterpart<'a>(change: &ChangeSet, models: &'a Models, n: &SerdeType) -> Option<&'a SerdeType> {
    let same_place = |o: &SerdeType, n: &SerdeType| {
        o.name == n.name
            && (o.file == n.file
                || change
                    .files
                    .iter()
                    .any(|f| f.old_path.as_deref() == Some(o.file.as_str()) && f.path == n.file))
    };
    models.old.iter().find(|o| same_place(o, n)).or_else(|| {
        // A type moved to another file: the only old one of its name, and only when no new
        // type stayed where it was (a new module's namesake is another type).
        let same: Vec<&SerdeType> = models.old.iter().filter(|o| o.name == n.name).collect();
        (same.len() == 1 && !models.new.iter().any(|m| same_place(same[0], m))).then(|| same[0])
    })
}

/// The shapes of the field a change is about, before and after (`Type.field`).
fn field_shapes<'a>(o: &'a SerdeType, n: &'a SerdeType, c: &Change) -> Option<(&'a Shape, &'a Shape)> {
    let key = c.subject.strip_prefix(&format!("{}.", n.name))?.trim_end_matches("[]");
    let find = |t: &'a SerdeType| match &t.kind {
        Kind::Struct(Body::Named(fs)) => fs
            .iter()
            .find(|f| f.wire_de == key || f.wire_ser == key)
            .map(|f| &f.shape),
        _ => None,
    };
    Some((find(o)?, find(n)?))
}

/// A set of values (`Literal`, `z.enum`) that becomes a plain string, or a float that becomes
/// an integer: JSON has one number type and a string reads every value. Widenings for readers.
fn widens(models: &Models, shapes: Option<(&Shape, &Shape)>) -> bool {
    let values = |s: &Shape| match s {
        Shape::Named(name) => models
            .old_type(Shape::base_name(name))
            .is_some_and(|t| matches!(t.kind, Kind::Enum(_))),
        _ => false,
    };
    let inner = |s: &Shape| match s {
        Shape::Option(i) => (**i).clone(),
        s => s.clone(),
    };
    match shapes.map(|(a, b)| (inner(a), inner(b))) {
        Some((a, Shape::String)) => values(&a),
        Some((Shape::Float, Shape::Int { .. })) => true,
        _ => false,
    }
}

/// An enum or set of values matters only as the type of some field.
fn is_held(t: &SerdeType, held: &BTreeSet<String>) -> bool {
    let is_values = matches!(t.kind, Kind::Enum(_));
    !is_values || t.name.contains('.') || held.contains(&t.name)
}

pub fn check(change: &ChangeSet, stored: &[String]) -> Vec<Finding> {
    let Contracts {
        old,
        new,
        roles: direct,
        unread,
        bases,
        unreadable,
    } = contracts::read(change);
    let mut out = unread;
    out.extend(contracts::weigh_unreadable(change, unreadable, &direct));
    if old.is_empty() || new.is_empty() {
        return out;
    }
    let models = Models { old, new };
    let mut candidates: Vec<(&SerdeType, &SerdeType, Change, Direction)> = Vec::new();
    let held: BTreeSet<String> = models
        .old
        .iter()
        .chain(&models.new)
        .flat_map(|t| t.held_names())
        .collect();
    for n in models.new.iter().filter(|n| is_held(n, &held)) {
        let Some(o) = counterpart(change, &models, n) else {
            continue;
        };
        for c in serde_diff::compare(o, n, &models) {
            if let Some(dir) = direction(&c, n) {
                candidates.push((o, n, c, dir));
            }
        }
    }
    if candidates.is_empty() {
        return out;
    }
    let mut wanted: BTreeSet<String> = candidates
        .iter()
        .map(|(_, n, _, _)| n.name.split('.').next().unwrap_or(&n.name).to_string())
        .collect();
    // A route may name only a type that holds the changed one (`route_in: RouteRequest`, whose
    // `context` is the `ContextBase` that changed), or a subclass of it: the files that name
    // those show the changed type's readers too. A few levels, as roles pass down.
    for _ in 0..4 {
        let holders: Vec<String> = models
            .new
            .iter()
            .filter(|t| !wanted.contains(&t.name))
            .filter(|t| {
                t.held_names().iter().any(|h| wanted.contains(h))
                    || bases
                        .iter()
                        .any(|(class, base)| *class == t.name && wanted.contains(base))
            })
            .map(|t| t.name.clone())
            .collect();
        if holders.is_empty() {
            break;
        }
        wanted.extend(holders);
    }
    let mut roles = direct;
    roles.extend(contracts::tree_roles(change, &wanted));
    // A serializer whose views say which way its JSON goes (`write_serializer_class = S`,
    // `S(data=…)`) takes those roles, not the family's guess of both.
    let used: BTreeSet<String> = roles
        .iter()
        .filter(|r| r.2.starts_with(contracts::drf::USE_ROLE))
        .map(|r| r.0.clone())
        .collect();
    roles.retain(|r| !(r.2 == contracts::drf::FAMILY_ROLE && used.contains(&r.0)));
    // Each language's types take the roles its own code gives them.
    let language = |path: &str| contracts::syntax::Grammar::of_path(path).map(|g| g.family());
    let mut evidence_by_language: Vec<(crate::model::Language, BTreeMap<String, Vec<Evidence>>)> = Vec::new();
    for lang in candidates.iter().filter_map(|(_, n, _, _)| language(&n.file)) {
        if evidence_by_language.iter().any(|(l, _)| *l == lang) {
            continue;
        }
        let types: Vec<SerdeType> = models
            .old
            .iter()
            .chain(&models.new)
            .filter(|t| language(&t.file) == Some(lang))
            .cloned()
            .collect();
        let roles: Vec<_> = roles.iter().filter(|r| r.4 == lang).cloned().collect();
        evidence_by_language.push((lang, contracts::evidence(&types, &bases, &roles, stored)));
    }
    let no_evidence = BTreeMap::new();
    let schema_words = added_schema_words(change);
    for (o, n, c, dir) in candidates {
        let owner = n.name.split('.').next().unwrap_or(&n.name);
        let evidence = language(&n.file)
            .and_then(|l| evidence_by_language.iter().find(|(x, _)| *x == l))
            .map_or(&no_evidence, |(_, e)| e);
        let mut list: Vec<Evidence> = evidence
            .get(&n.name)
            .or_else(|| evidence.get(owner))
            .cloned()
            .unwrap_or_default();
        if n.file.ends_with(".go") {
            for key in contracts::go::scope_keys(&n.file, &n.name) {
                list.extend(evidence.get(&key).into_iter().flatten().cloned());
            }
        }
        if n.row {
            list.push(Evidence {
                role: Role::Row,
                why: format!("its fields carry database column tags ({}:{})", n.file, n.line),
                new_in_change: false,
            });
        }
        let (known, new_only): (Vec<Evidence>, Vec<Evidence>) = list.into_iter().partition(|e| !e.new_in_change);
        let unknown_why = match new_only.first() {
            Some(e) if known.is_empty() => format!(
                "role unknown before this change: {} ({}), so no client of the base depends on it; a hint",
                e.role.describe(),
                e.why
            ),
            _ => {
                "role unknown: no request, response or storage use of the type was found, so this is a hint".to_string()
            }
        };
        // A key moved from one base to another of the same subclasses (LNbits' settings mixins):
        // a base read only through its subclasses loses nothing while each of them keeps it.
        if c.kind == SC::FieldRemoved
            && !known.is_empty()
            && known.iter().all(|e| e.why.starts_with("a base of `"))
            && kept_by_every_subclass(&models, &bases, n, c.subject.rsplit('.').next().unwrap_or(""))
        {
            continue;
        }
        let field = c.subject.rsplit('.').next().unwrap_or("").to_lowercase();
        let column_added = !field.is_empty() && schema_words.contains(&field);
        let old_de = models.old_type(&n.name).is_some_and(|o| o.de);
        let Some((mut severity, role, mut why)) = severity_for(&c, dir, old_de, &known, column_added, &unknown_why)
        else {
            continue;
        };
        // A key now required breaks only who sends the JSON: clients of a request type, or
        // stored documents. A response type, or one whose readers were not seen, gains a key.
        if matches!(c.kind, SC::FieldAddedRequired | SC::OptionalityTightened)
            && !known.iter().any(|e| matches!(e.role, Role::WireInput | Role::Stored))
        {
            severity = severity.min(Severity::Low);
            why.push_str("; no request or storage use of the type was seen, so nobody may send it without the key");
        }
        // A type not defined in the change may write the same JSON: the reader cannot tell.
        // A wider type reads all the old one did; the values written come from the same data.
        // (A soft type change is one whose types, or whose inner changes, are only hints.)
        let unsure = c.soft && matches!(c.kind, SC::TypeChanged | SC::CardinalityChanged | SC::TypeNarrowed);
        // An optional key added to a type that denies unknown keys fails only an old server
        // after a rollback, and only for clients that already send it; stored documents are
        // another matter (old code reads what new code stored).
        let rollback_only = c.kind == SC::FieldAddedRequired && !c.reads_old && role != Role::Stored;
        if unsure || rollback_only || widens(&models, field_shapes(o, n, &c)) || c.kind == SC::TypeWidened {
            severity = severity.min(Severity::Low);
        }
        // Values the base already read by hand (Python's `_missing_`), and still does, may
        // still take the old ones: a hint. One the change adds or drops is no such evidence.
        if n.hand_written.is_some() && o.hand_written.is_some() {
            severity = severity.min(Severity::Medium);
            why.push_str(&format!(
                "; `{}` maps other values to its members by hand (`_missing_`), so old values may still be read",
                n.name
            ));
        }
        let c = Change {
            message: in_json_words(&c.message),
            ..c
        };
        let weighed = (severity, role, why.as_str());
        out.push(reported(&API_TYPE_CHANGED, change, n, &c, dir, weighed, help(c.kind)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::in_json_words;

    #[test]
    fn messages_speak_json() {
        assert_eq!(
            in_json_words("S.a (i64) is removed; S.b narrows from Option<array of i64> to u8: x"),
            "S.a (integer) is removed; S.b narrows from array of integer or null to integer: x"
        );
        assert_eq!(
            in_json_words("E.kind gains variant `x`: old code rejects it (no #[serde(other)] variant)"),
            "E.kind gains variant `x`: old code rejects it"
        );
        assert_eq!(
            in_json_words("Option<Option<"),
            "Option<Option<",
            "unbalanced text is left alone"
        );
    }
}
