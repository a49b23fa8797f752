//! Compares two versions of a serde type by wire name, never by Rust name, and says which
//! readers each change breaks: new code reading stored data, or old code (the release you
//! would roll back to) reading what new code writes.

use super::serde_model::{holds_untagged, inline_flattened, proxy_wire, Body, Field, Kind, SerdeType, Shape, Variant};
use crate::model::ShapeChange as SC;

/// One breaking change, with the directions it breaks before derives are considered.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub kind: SC,
    /// New code fails on data old code wrote.
    pub reads_old: bool,
    /// Old code fails on data new code writes.
    pub old_readers: bool,
    /// Only optional data is lost (an `Option` or `default` field removed or renamed): readers
    /// do not fail, they silently see nothing; a hint, never more than medium.
    pub soft: bool,
    /// `Type.field`, `Type::Variant`, …
    pub subject: String,
    pub message: String,
    pub line: u32,
}

/// Looks up the other versions of named types, to see through Rust-only renames.
pub trait Types {
    fn old_type(&self, name: &str) -> Option<&SerdeType>;
    fn new_type(&self, name: &str) -> Option<&SerdeType>;
}

struct Ctx<'a> {
    old: &'a SerdeType,
    new: &'a SerdeType,
    types: &'a dyn Types,
    out: Vec<Change>,
    depth: u8,
}

impl Ctx<'_> {
    fn soften_last(&mut self) {
        if let Some(c) = self.out.last_mut() {
            c.soft = true;
        }
    }

    fn push(&mut self, kind: SC, reads_old: bool, old_readers: bool, subject: String, message: String, line: u32) {
        self.record(kind, reads_old, old_readers, subject, message, line);
    }

    /// Like `push`, and says whether a change was recorded.
    fn record(
        &mut self,
        kind: SC,
        reads_old: bool,
        old_readers: bool,
        subject: String,
        message: String,
        line: u32,
    ) -> bool {
        if reads_old || old_readers {
            self.out.push(Change {
                kind,
                reads_old,
                old_readers,
                soft: false,
                subject,
                message,
                line,
            });
            return true;
        }
        false
    }
}

#[derive(PartialEq, Debug)]
enum Repr {
    External,
    Internal(String),
    Adjacent(String, String),
    Untagged,
}

fn repr(t: &SerdeType) -> Repr {
    let c = &t.container;
    match (&c.tag, &c.content, c.untagged) {
        (_, _, true) => Repr::Untagged,
        (Some(t), Some(c), _) => Repr::Adjacent(t.clone(), c.clone()),
        (Some(t), None, _) => Repr::Internal(t.clone()),
        _ => Repr::External,
    }
}

/// The changes between two versions of one type.
pub fn compare(old: &SerdeType, new: &SerdeType, types: &dyn Types) -> Vec<Change> {
    compare_at(old, new, types, 0)
}

fn compare_at(old: &SerdeType, new: &SerdeType, types: &dyn Types, depth: u8) -> Vec<Change> {
    let mut cx = Ctx {
        old,
        new,
        types,
        out: Vec::new(),
        depth,
    };
    compare_into(&mut cx);
    cx.out
}

fn compare_into(cx: &mut Ctx<'_>) {
    let (old, new) = (cx.old, cx.new);
    let name = new.name.clone();
    let (oc, nc) = (&old.container, &new.container);
    // The same wire read as leniently (`try_from = "&str"` → `from = "String"`) changes nothing.
    let same_proxy =
        proxy_wire(oc.proxy.as_deref()) == proxy_wire(nc.proxy.as_deref()) && (oc.fallible_proxy || !nc.fallible_proxy);
    if !same_proxy {
        cx.push(
            SC::CustomCodecChanged,
            true,
            true,
            name.clone(),
            format!(
                "{name} is (de)serialized through `{}` instead of `{}`",
                nc.proxy.as_deref().unwrap_or("itself"),
                oc.proxy.as_deref().unwrap_or("itself")
            ),
            new.line,
        );
        return;
    }
    if oc.transparent != nc.transparent {
        let how = if nc.transparent {
            "now serializes as its only field (transparent)"
        } else {
            "no longer serializes transparently: it becomes an object"
        };
        cx.push(
            SC::TransparentChanged,
            true,
            true,
            name.clone(),
            format!("{name} {how}"),
            new.line,
        );
        return;
    }
    if !oc.deny_unknown_fields && nc.deny_unknown_fields {
        cx.push(SC::DenyUnknownAdded, true, false, name.clone(), format!("{name} now denies unknown fields: stored documents with any extra key (older versions, other writers, jsonb_set) are rejected"), new.line);
    }
    match (&old.kind, &new.kind) {
        (Kind::Struct(ob), Kind::Struct(nb)) => compare_bodies(
            cx,
            &name,
            ob,
            nb,
            (oc.default, nc.default),
            (oc.deny_unknown_fields, nc.deny_unknown_fields),
            new.line,
        ),
        (Kind::Enum(ov), Kind::Enum(nv)) => compare_enums(cx, &name, ov, nv),
        _ => cx.push(
            SC::TypeChanged,
            true,
            true,
            name.clone(),
            format!("{name} changes between a struct and an enum"),
            new.line,
        ),
    }
}

fn body_kind(b: &Body) -> &'static str {
    match b {
        Body::Named(_) => "an object",
        Body::Tuple(f) if f.len() == 1 => "its inner value",
        Body::Tuple(_) => "an array",
        Body::Unit => "a unit",
    }
}

#[allow(clippy::too_many_arguments)]
fn compare_bodies(
    cx: &mut Ctx<'_>,
    subject: &str,
    ob: &Body,
    nb: &Body,
    defaults: (bool, bool),
    deny: (bool, bool),
    line: u32,
) {
    match (ob, nb) {
        (Body::Named(of), Body::Named(nf)) => compare_fields(cx, subject, of, nf, defaults, deny),
        (Body::Tuple(of), Body::Tuple(nf)) if of.len() == 1 && nf.len() == 1 => {
            compare_shapes(cx, subject, &of[0].shape, &nf[0].shape, nf[0].line);
        }
        (Body::Tuple(of), Body::Tuple(nf)) => {
            let (os, ns): (Vec<_>, Vec<_>) = (
                of.iter().map(|f| &f.shape).collect(),
                nf.iter().map(|f| &f.shape).collect(),
            );
            if os != ns {
                let mut sorted_o: Vec<String> = os.iter().map(|s| s.describe()).collect();
                let mut sorted_n: Vec<String> = ns.iter().map(|s| s.describe()).collect();
                sorted_o.sort();
                sorted_n.sort();
                let what = if sorted_o == sorted_n {
                    "elements are reordered"
                } else {
                    "elements change"
                };
                let desc = |v: &[&Shape]| v.iter().map(|s| s.describe()).collect::<Vec<_>>().join(", ");
                cx.push(
                    SC::TupleOrderChanged,
                    true,
                    true,
                    subject.to_string(),
                    format!("{subject}: tuple {what}: ({}) → ({})", desc(&os), desc(&ns)),
                    line,
                );
            }
        }
        (Body::Unit, Body::Unit) => {}
        _ => cx.push(
            SC::TypeChanged,
            true,
            true,
            subject.to_string(),
            format!("{subject} changes from {} to {}", body_kind(ob), body_kind(nb)),
            line,
        ),
    }
}

fn compare_fields(
    cx: &mut Ctx<'_>,
    subject: &str,
    of: &[Field],
    nf: &[Field],
    defaults: (bool, bool),
    deny: (bool, bool),
) {
    let live = |f: &&Field| !(f.skip_ser && f.skip_de);
    // A flattened struct's keys sit in the parent: compare them there.
    let (of, nf) = (
        inline_flattened(of, &|name| cx.types.old_type(name), 0),
        inline_flattened(nf, &|name| cx.types.new_type(name), 0),
    );
    let of: Vec<&Field> = of.iter().filter(live).collect();
    let nf: Vec<&Field> = nf.iter().filter(live).collect();
    let mut old_used = vec![false; of.len()];
    let mut new_used = vec![false; nf.len()];
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    for (j, n) in nf.iter().enumerate() {
        if let Some(i) = of
            .iter()
            .enumerate()
            .position(|(i, o)| !old_used[i] && o.wire_de == n.wire_de && o.wire_ser == n.wire_ser)
        {
            old_used[i] = true;
            new_used[j] = true;
            pairs.push((i, j));
        }
    }
    // Renames: the same Rust field under another wire name (explicit `rename` or `rename_all`).
    let rename_all_changed = cx.old.container.rename_all_ser != cx.new.container.rename_all_ser
        || cx.old.container.rename_all_de != cx.new.container.rename_all_de;
    let mut renamed_by_rule = Vec::new();
    for (j, n) in nf.iter().enumerate() {
        if new_used[j] {
            continue;
        }
        // A new field that reads an old key through `alias` is that field renamed.
        let by_alias = of
            .iter()
            .enumerate()
            .position(|(i, o)| !old_used[i] && n.aliases.contains(&o.wire_ser));
        let by_rust = by_alias.or_else(|| {
            of.iter()
                .enumerate()
                .position(|(i, o)| !old_used[i] && o.rust == n.rust)
        });
        let by_shape = || {
            let old_left: Vec<usize> = (0..of.len()).filter(|i| !old_used[*i]).collect();
            let new_left = (0..nf.len()).filter(|k| !new_used[*k]).count();
            (old_left.len() == 1 && new_left == 1 && of[old_left[0]].shape == n.shape).then(|| old_left[0])
        };
        if let Some(i) = by_rust.or_else(by_shape) {
            old_used[i] = true;
            new_used[j] = true;
            let o = of[i];
            let reads_old = !n.aliases.contains(&o.wire_ser) && n.wire_de != o.wire_ser;
            let old_readers = !o.aliases.contains(&n.wire_ser) && o.wire_de != n.wire_ser;
            if rename_all_changed && o.rust == n.rust && !n.aliases.contains(&o.wire_ser) {
                renamed_by_rule.push(format!("{} → {}", o.wire_ser, n.wire_ser));
            } else {
                let via = if reads_old {
                    ""
                } else {
                    " (the old name stays readable through an alias)"
                };
                let pushed = cx.record(
                    SC::FieldRenamed,
                    reads_old,
                    old_readers,
                    format!("{subject}.{}", n.wire_ser),
                    format!("{subject}.{} is renamed to `{}`{via}", o.wire_ser, n.wire_ser),
                    n.line,
                );
                if pushed && !o.required_on_read(defaults.0) && !n.required_on_read(defaults.1) {
                    cx.soften_last();
                }
            }
            pairs.push((i, j));
        }
    }
    if !renamed_by_rule.is_empty() {
        cx.push(
            SC::RenameAllChanged,
            true,
            true,
            subject.to_string(),
            format!("{subject}: rename_all changes the keys {}", renamed_by_rule.join(", ")),
            cx.new.line,
        );
    }
    for (j, n) in nf.iter().enumerate().filter(|(j, _)| !new_used[*j]) {
        let required = n.required_on_read(defaults.1);
        let written = !n.skip_ser;
        let why = if required {
            "new code requires it, and stored documents lack it"
        } else {
            "the old type denies unknown fields"
        };
        cx.push(
            SC::FieldAddedRequired,
            required,
            deny.0 && written,
            format!("{subject}.{}", n.wire_ser),
            format!("{subject}.{} is added ({}): {why}", n.wire_ser, n.shape.describe()),
            nf[j].line,
        );
    }
    for (i, o) in of.iter().enumerate().filter(|(i, _)| !old_used[*i]) {
        // Never written (`skip_serializing`): what old code wrote does not change, and only a
        // type that denies unknown fields minds a reader that still sends it.
        if o.skip_ser && !deny.1 {
            continue;
        }
        let old_required = o.required_on_read(defaults.0);
        let line = cx.new.line;
        let why = match (old_required, deny.1) {
            (true, true) => "old code requires it, and the new type rejects stored documents that still have it",
            (true, false) => "old code requires it; new code stops writing it and drops it on every read-modify-write",
            _ => "the new type denies unknown fields and stored documents still have it",
        };
        if !old_required && !deny.1 {
            // Old readers take the missing key as None and lose the data without failing.
            cx.push(
                SC::FieldRemoved,
                false,
                true,
                format!("{subject}.{}", o.wire_de),
                format!(
                    "{subject}.{} ({}) is removed: old readers see it as absent and silently lose the data",
                    o.wire_de,
                    of[i].shape.describe()
                ),
                line,
            );
            cx.soften_last();
            continue;
        }
        cx.push(
            SC::FieldRemoved,
            deny.1,
            old_required,
            format!("{subject}.{}", o.wire_de),
            format!("{subject}.{} ({}) is removed: {why}", o.wire_de, of[i].shape.describe()),
            line,
        );
    }
    for (i, j) in pairs {
        compare_field(cx, subject, of[i], nf[j], defaults);
    }
}

fn compare_field(cx: &mut Ctx<'_>, subject: &str, o: &Field, n: &Field, defaults: (bool, bool)) {
    let before = cx.out.len();
    compare_field_sides(cx, subject, o, n, defaults);
    // A field new code never reads (`skip_deserializing`) cannot fail a read; one it never
    // writes (`skip_serializing`) cannot fail an old reader.
    for c in &mut cx.out[before..] {
        c.reads_old &= !n.skip_de;
        c.old_readers &= !n.skip_ser;
    }
    let mut i = before;
    while i < cx.out.len() {
        if cx.out[i].reads_old || cx.out[i].old_readers {
            i += 1;
        } else {
            cx.out.remove(i);
        }
    }
}

fn compare_field_sides(cx: &mut Ctx<'_>, subject: &str, o: &Field, n: &Field, defaults: (bool, bool)) {
    let at = format!("{subject}.{}", n.wire_ser);
    if o.flatten != n.flatten {
        let how = if n.flatten {
            "now flattened into its parent"
        } else {
            "no longer flattened: its keys move under one key"
        };
        cx.push(
            SC::NestingChanged,
            true,
            true,
            at.clone(),
            format!("{at} is {how}"),
            n.line,
        );
        return;
    }
    // What a hand-written codec accepts, or writes for another Rust type, is not visible here:
    // a hint to test it on real data.
    // Under the same codec a new Rust type says nothing of the JSON: the checks of presence
    // below still hold.
    let retyped_under_codec = o.codec == n.codec && o.codec.is_some() && o.shape != n.shape;
    if o.codec != n.codec || retyped_under_codec {
        let codec = |c: &Option<String>| c.clone().unwrap_or_else(|| "serde's default".to_string());
        let what = if o.codec != n.codec {
            format!("changes its codec from `{}` to `{}`", codec(&o.codec), codec(&n.codec))
        } else {
            let (was, is) = (o.shape.describe(), n.shape.describe());
            format!(
                "changes its Rust type ({was} → {is}) under the same codec `{}`",
                codec(&o.codec)
            )
        };
        cx.record(
            SC::CustomCodecChanged,
            true,
            true,
            at.clone(),
            format!("{at} {what}; what it reads and writes is not visible here"),
            n.line,
        );
        cx.soften_last();
        if !retyped_under_codec {
            return;
        }
    }
    let (old_req, new_req) = (o.required_on_read(defaults.0), n.required_on_read(defaults.1));
    if !old_req && new_req {
        cx.push(
            SC::OptionalityTightened,
            true,
            false,
            at.clone(),
            format!(
                "{at} becomes required ({} → {}): stored documents with null or no key fail",
                o.shape.describe(),
                n.shape.describe()
            ),
            n.line,
        );
    }
    if !o.may_be_absent_on_write() && n.may_be_absent_on_write() && old_req {
        cx.push(
            SC::OptionalityLoosened,
            false,
            true,
            at.clone(),
            format!(
                "{at} may now be null or absent ({} → {}): old code requires it",
                o.shape.describe(),
                n.shape.describe()
            ),
            n.line,
        );
    }
    let strip = |s: &Shape| match s {
        Shape::Option(inner) => (**inner).clone(),
        other => other.clone(),
    };
    if !retyped_under_codec {
        compare_shapes(cx, &at, &strip(&o.shape), &strip(&n.shape), n.line);
    }
}

fn is_unit_enum(t: Option<&SerdeType>) -> bool {
    matches!(t.map(|t| &t.kind), Some(Kind::Enum(v)) if v.iter().all(|v| v.body == Body::Unit))
}

/// The JSON of a newtype (`struct Id(i32)`, or `transparent`) is its one field's: that shape.
fn newtype_inner(t: Option<&SerdeType>) -> Option<Shape> {
    let t = t?;
    let fields = match &t.kind {
        Kind::Struct(Body::Tuple(f)) if f.len() == 1 => f,
        Kind::Struct(Body::Named(f)) if f.len() == 1 && t.container.transparent => f,
        _ => return None,
    };
    // `struct Id(String)` read through `from = "String"` reads any JSON string and writes its
    // string. `try_from` may refuse some; a proxy of another type is that type's JSON.
    let string_proxy =
        !t.container.fallible_proxy && proxy_wire(t.container.proxy.as_deref()).as_deref() == Some("string");
    let inner = &fields[0].shape;
    let string_inner = matches!(inner, Shape::String | Shape::BorrowedStr);
    ((t.container.proxy.is_none() || (string_proxy && string_inner)) && fields[0].codec.is_none())
        .then(|| inner.clone())
}

fn compare_shapes(cx: &mut Ctx<'_>, at: &str, o: &Shape, n: &Shape, line: u32) {
    if o == n {
        return;
    }
    // A primitive wrapped in a newtype, or unwrapped from one, writes the same JSON.
    if cx.depth < 4 {
        let (on, nn) = (matches!(o, Shape::Named(_)), matches!(n, Shape::Named(_)));
        if on != nn {
            let unwrap = |s: &Shape, new: bool| match s {
                Shape::Named(name) => {
                    let base = Shape::base_name(name);
                    newtype_inner(if new {
                        cx.types.new_type(base)
                    } else {
                        cx.types.old_type(base)
                    })
                }
                _ => None,
            };
            let (o2, n2) = (unwrap(o, false), unwrap(n, true));
            if o2.is_some() || n2.is_some() {
                cx.depth += 1;
                compare_shapes(cx, at, o2.as_ref().unwrap_or(o), n2.as_ref().unwrap_or(n), line);
                cx.depth -= 1;
                return;
            }
        }
    }
    let (od, nd) = (o.describe(), n.describe());
    let change = |kind, reads_old, old_readers, what: String| (kind, reads_old, old_readers, what);
    // Set when the two types differ only in ways that are themselves hints.
    let mut soft_inner = false;
    let verdict = match (o, n) {
        (Shape::Option(a), Shape::Option(b)) => return compare_shapes(cx, at, a, b, line),
        (Shape::Option(a), b) | (b, Shape::Option(a)) if **a == *b => return,
        (Shape::Seq(a), Shape::Seq(b)) => return compare_shapes(cx, &format!("{at}[]"), a, b, line),
        // Any JSON reads arrays too: a widening, not a change of cardinality.
        (Shape::Seq(_), Shape::Any) => change(
            SC::TypeWidened,
            false,
            true,
            format!("{at} widens from {od} to any JSON"),
        ),
        (Shape::Map(a), Shape::Map(b)) => return compare_shapes(cx, &format!("{at}{{}}"), a, b, line),
        (Shape::Seq(_), _) | (_, Shape::Seq(_)) => change(
            SC::CardinalityChanged,
            true,
            true,
            format!("{at} changes between one value and an array ({od} → {nd})"),
        ),
        (Shape::Int { signed: s1, bits: b1 }, Shape::Int { signed: s2, bits: b2 }) => {
            let widened = b2 >= b1 && (s1 == s2 || (!s1 && *s2 && b2 > b1));
            if widened {
                change(
                    SC::TypeWidened,
                    false,
                    true,
                    format!("{at} widens from {od} to {nd}: old code rejects values out of its range"),
                )
            } else {
                change(
                    SC::TypeNarrowed,
                    true,
                    false,
                    format!("{at} narrows from {od} to {nd}: stored values out of range (or negative) fail"),
                )
            }
        }
        (Shape::Float, Shape::Int { .. }) => change(
            SC::TypeNarrowed,
            true,
            false,
            format!("{at} narrows from float to {nd}: serde_json wrote floats as 3.0, which an integer rejects"),
        ),
        (Shape::Int { .. }, Shape::Float) => change(
            SC::TypeWidened,
            false,
            true,
            format!("{at} widens from {od} to float: new code writes 3.0, which old integer readers reject"),
        ),
        (Shape::String, Shape::BorrowedStr) => change(
            SC::TypeNarrowed,
            true,
            false,
            format!("{at} becomes &str: stored strings with escapes (\\n, \\\", \\u…) cannot be borrowed"),
        ),
        (Shape::BorrowedStr, Shape::String) => return,
        (Shape::Any, _) => change(
            SC::TypeNarrowed,
            true,
            false,
            format!("{at} narrows from any JSON to {nd}"),
        ),
        (_, Shape::Any) => change(
            SC::TypeWidened,
            false,
            true,
            format!("{at} widens from {od} to any JSON"),
        ),
        (Shape::String, Shape::Named(e)) if is_unit_enum(cx.types.new_type(Shape::base_name(e))) => change(
            SC::TypeNarrowed,
            true,
            false,
            format!("{at} becomes the enum {e}: any stored string that is not one of its variants fails"),
        ),
        (Shape::Named(a), Shape::Named(b))
            if b.contains(&format!("<{a}>")) || b.contains(&format!("<{a},")) || b.contains(&format!(", {a}>")) =>
        {
            // A generic wrapper around the old type (`IdOrNestedObject<Follow>`): it reads what
            // the old type read, but may write a form old readers do not know.
            change(SC::TypeWidened, false, true, format!("{at} changes from {a} to {b}, which wraps it: old code cannot read the other forms the wrapper may write"))
        }
        // An enum with an untagged variant holding the old type reads all the old type read
        // (`enum Filter { All, #[serde(untagged)] Kind(Kind) }`); old code may not read the rest.
        (_, Shape::Named(b)) if holds_untagged(cx.types.new_type(Shape::base_name(b)), o) => change(
            SC::TypeWidened,
            false,
            true,
            format!("{at} changes from {od} to {b}, which accepts every {od} and more: old code cannot read the other values new code may write"),
        ),
        (Shape::Named(a), Shape::Named(b)) => {
            let mut verdict = change(
                SC::TypeChanged,
                true,
                true,
                format!("{at} changes type from {a} to {b}"),
            );
            if cx.depth < 4 {
                if let (Some(ot), Some(nt)) = (
                    cx.types.old_type(Shape::base_name(a)),
                    cx.types.new_type(Shape::base_name(b)),
                ) {
                    // Another type in Rust: what the two put on the wire decides, and who
                    // fails on it (a field dropped from a request type fails no new reader).
                    let inner = compare_at(ot, nt, cx.types, cx.depth + 1);
                    let Some(first) = inner.first() else { return };
                    // One change, or only keys gained (a subclass in its place): that kind.
                    if inner.len() == 1 || inner.iter().all(|c| c.kind == SC::FieldAddedRequired) {
                        verdict.0 = first.kind;
                    }
                    (soft_inner, verdict.1) = (inner.iter().all(|c| c.soft), inner.iter().any(|c| c.reads_old));
                    verdict.2 = inner.iter().any(|c| c.old_readers);
                    let more = (inner.len() > 1).then(|| format!(" (and {} more)", inner.len() - 1));
                    verdict.3.push_str(&format!(": {}{}", first.message, more.unwrap_or_default()));
                }
            }
            verdict
        }
        _ => change(
            SC::TypeChanged,
            true,
            true,
            format!("{at} changes JSON type from {od} to {nd}"),
        ),
    };
    let (kind, reads_old, old_readers, mut message) = verdict;
    // A named type whose definition is not in the change (a newtype from a macro, another
    // crate) may write the same JSON as before: say so, and keep it a hint.
    let unknown = |s: &Shape, new: bool| match s {
        Shape::Named(n) if new => cx.types.new_type(Shape::base_name(n)).is_none(),
        Shape::Named(n) => cx.types.old_type(Shape::base_name(n)).is_none(),
        _ => false,
    };
    // Also any JSON made a type not defined here: what that type accepts is not known either.
    let unsure = (kind == SC::TypeNarrowed && matches!(o, Shape::Any) && unknown(n, true))
        || matches!(kind, SC::TypeChanged | SC::CardinalityChanged) && (unknown(o, false) || unknown(n, true));
    if unsure {
        message.push_str(" (a type whose JSON is not defined in this change: it may write the same JSON)");
    }
    if cx.record(kind, reads_old, old_readers, at.to_string(), message, line) && (unsure || soft_inner) {
        cx.soften_last();
    }
}

fn compare_enums(cx: &mut Ctx<'_>, name: &str, ov: &[Variant], nv: &[Variant]) {
    let (ro, rn) = (repr(cx.old), repr(cx.new));
    if ro != rn {
        cx.push(
            SC::EnumReprChanged,
            true,
            true,
            name.to_string(),
            format!("{name} changes representation from {ro:?} to {rn:?}: every stored value changes layout"),
            cx.new.line,
        );
        return;
    }
    let ov: Vec<&Variant> = ov.iter().filter(|v| !v.skip).collect();
    let nv: Vec<&Variant> = nv.iter().filter(|v| !v.skip).collect();
    let old_has_other = ov.iter().any(|v| v.other);
    let new_has_other = nv.iter().any(|v| v.other);
    let mut old_used = vec![false; ov.len()];
    let mut pairs = Vec::new();
    let mut added = Vec::new();
    for n in &nv {
        if let Some(i) = ov.iter().position(|o| o.wire_de == n.wire_de) {
            old_used[i] = true;
            pairs.push((ov[i], *n));
        } else if let Some(i) = ov
            .iter()
            .enumerate()
            .position(|(i, o)| !old_used[i] && (o.rust == n.rust || n.aliases.contains(&o.wire_ser)))
        {
            old_used[i] = true;
            let o = ov[i];
            let reads_old = !n.aliases.contains(&o.wire_ser);
            cx.push(
                SC::VariantRenamed,
                reads_old,
                true,
                format!("{name}::{}", n.rust),
                format!("{name} variant `{}` is renamed to `{}`", o.wire_ser, n.wire_ser),
                n.line,
            );
            pairs.push((o, *n));
        } else {
            added.push(*n);
        }
    }
    for n in added {
        let why = if old_has_other {
            ""
        } else {
            ": old code rejects it (no #[serde(other)] variant)"
        };
        cx.push(
            SC::VariantAdded,
            false,
            !old_has_other,
            format!("{name}::{}", n.rust),
            format!("{name} gains variant `{}`{why}", n.wire_ser),
            n.line,
        );
    }
    for (_, o) in ov.iter().enumerate().filter(|(i, _)| !old_used[*i]) {
        let how = if new_has_other {
            "stored values are silently read as the #[serde(other)] variant"
        } else {
            "stored values with it fail to read"
        };
        cx.push(
            SC::VariantRemoved,
            true,
            false,
            format!("{name}::{}", o.rust),
            format!("{name} loses variant `{}`: {how}", o.wire_de),
            cx.new.line,
        );
    }
    if rn == Repr::Untagged {
        let order = |v: &[&Variant]| v.iter().map(|v| v.rust.clone()).collect::<Vec<_>>();
        let common_old: Vec<String> = order(&ov)
            .into_iter()
            .filter(|r| nv.iter().any(|n| &n.rust == r))
            .collect();
        let common_new: Vec<String> = order(&nv)
            .into_iter()
            .filter(|r| ov.iter().any(|o| &o.rust == r))
            .collect();
        if common_old != common_new {
            cx.push(
                SC::UntaggedOrderChanged,
                true,
                false,
                name.to_string(),
                format!(
                    "{name}: untagged variants are tried in a new order ({} → {}); the first match wins, silently",
                    common_old.join(", "),
                    common_new.join(", ")
                ),
                cx.new.line,
            );
        }
    }
    for (o, n) in pairs {
        let subject = format!("{name}::{}", n.rust);
        cx.depth += 1;
        compare_bodies(cx, &subject, &o.body, &n.body, (false, false), (false, false), n.line);
        cx.depth -= 1;
    }
}
