//! A wire-level model of serde types, read with syn from one version of a Rust file: what keys
//! each type writes and reads, which are required, and what JSON type each holds.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Attribute, Fields, GenericArgument, Item, LitStr, PathArguments, Type};

/// The JSON a Rust type reads and writes, as far as a diff needs to know it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Shape {
    Option(Box<Shape>),
    Seq(Box<Shape>),
    Map(Box<Shape>),
    Int {
        signed: bool,
        bits: u16,
    },
    Float,
    Bool,
    String,
    /// `&str`: fails on strings with escapes.
    BorrowedStr,
    /// `serde_json::Value` and the like: anything.
    Any,
    Unit,
    Tuple(Vec<Shape>),
    /// Another type, by its Rust name with any generic arguments (`Wrapper<Inner>`), resolved
    /// against the other models when compared.
    Named(String),
}

impl Shape {
    /// The type name without generic arguments, for looking the type up.
    pub fn base_name(name: &str) -> &str {
        name.split('<').next().unwrap_or(name).trim()
    }

    pub fn describe(&self) -> String {
        match self {
            Shape::Option(s) => format!("Option<{}>", s.describe()),
            Shape::Seq(s) => format!("array of {}", s.describe()),
            Shape::Map(s) => format!("map of {}", s.describe()),
            Shape::Int { signed: true, bits } => format!("i{bits}"),
            Shape::Int { signed: false, bits } => format!("u{bits}"),
            Shape::Float => "float".into(),
            Shape::Bool => "bool".into(),
            Shape::String => "string".into(),
            Shape::BorrowedStr => "&str".into(),
            Shape::Any => "any JSON".into(),
            Shape::Unit => "unit".into(),
            Shape::Tuple(v) => format!("({})", v.iter().map(Shape::describe).collect::<Vec<_>>().join(", ")),
            Shape::Named(n) => n.clone(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Container {
    pub rename_ser: Option<String>,
    pub rename_de: Option<String>,
    pub rename_all_ser: Option<String>,
    pub rename_all_de: Option<String>,
    pub rename_all_fields: Option<String>,
    pub tag: Option<String>,
    pub content: Option<String>,
    pub untagged: bool,
    pub transparent: bool,
    pub deny_unknown_fields: bool,
    pub default: bool,
    /// `from`, `into`, `try_from`: the wire shape is another type's.
    pub proxy: Option<String>,
    /// The proxy is `try_from`: it may refuse values of its type.
    pub fallible_proxy: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Field {
    pub rust: String,
    pub wire_ser: String,
    pub wire_de: String,
    pub aliases: Vec<String>,
    pub shape: Shape,
    pub default: bool,
    pub skip_ser: bool,
    pub skip_de: bool,
    pub skip_ser_if: bool,
    pub flatten: bool,
    /// `with`, `serialize_with`, `deserialize_with`, as written.
    pub codec: Option<String>,
    pub line: u32,
}

impl Field {
    /// Must a reader find this key?
    pub fn required_on_read(&self, container_default: bool) -> bool {
        if self.skip_de || self.default || container_default || self.flatten {
            return false;
        }
        // A missing `Option` is `None`, except with a custom deserializer.
        !matches!(self.shape, Shape::Option(_)) || self.codec.is_some()
    }

    /// May a writer leave the key out or write null?
    pub fn may_be_absent_on_write(&self) -> bool {
        self.skip_ser || self.skip_ser_if || matches!(self.shape, Shape::Option(_))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Body {
    Named(Vec<Field>),
    Tuple(Vec<Field>),
    Unit,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Variant {
    pub rust: String,
    pub wire_ser: String,
    pub wire_de: String,
    pub aliases: Vec<String>,
    pub body: Body,
    pub other: bool,
    /// `#[serde(untagged)]` on the variant: it reads whatever its content reads.
    pub untagged: bool,
    pub skip: bool,
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Kind {
    Struct(Body),
    Enum(Vec<Variant>),
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SerdeType {
    pub name: String,
    /// `module::Name` inside the file, for the finding's symbol.
    pub item_path: String,
    pub file: String,
    pub line: u32,
    pub ser: bool,
    pub de: bool,
    /// Derives a database row trait (Diesel, sqlx, SeaORM): serde may be incidental.
    pub row: bool,
    /// The file implements `Serialize` or `Deserialize` for it by hand: its JSON is what that
    /// code writes or reads, not its fields. Which trait.
    pub hand_written: Option<SerdeTrait>,
    pub container: Container,
    pub kind: Kind,
}

/// A serde trait a file implements by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, strum::Display)]
pub enum SerdeTrait {
    Serialize,
    Deserialize,
}

fn line_of(span: Span) -> u32 {
    span.start().line as u32
}

/// serde's case conversions for fields (from snake_case) and variants (from PascalCase).
pub fn convert_case(name: &str, rule: &str, is_variant: bool) -> String {
    let words: Vec<String> = if is_variant {
        let mut words = Vec::new();
        let mut cur = String::new();
        for c in name.chars() {
            if c.is_uppercase() && !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
            cur.push(c);
        }
        if !cur.is_empty() {
            words.push(cur);
        }
        words.into_iter().map(|w| w.to_lowercase()).collect()
    } else {
        name.split('_').map(str::to_string).collect()
    };
    let cap = |w: &str| {
        let mut c = w.chars();
        c.next()
            .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
            .unwrap_or_default()
    };
    match rule {
        "lowercase" => {
            if is_variant {
                name.to_lowercase()
            } else {
                name.to_string()
            }
        }
        "UPPERCASE" => name.to_uppercase(),
        "PascalCase" => {
            if is_variant {
                name.to_string()
            } else {
                words.iter().map(|w| cap(w)).collect()
            }
        }
        "camelCase" => {
            let pascal: String = if is_variant {
                name.to_string()
            } else {
                words.iter().map(|w| cap(w)).collect()
            };
            let mut c = pascal.chars();
            c.next()
                .map(|f| f.to_lowercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        }
        "snake_case" => {
            if is_variant {
                words.join("_")
            } else {
                name.to_string()
            }
        }
        "SCREAMING_SNAKE_CASE" => words.join("_").to_uppercase(),
        "kebab-case" => words.join("-"),
        "SCREAMING-KEBAB-CASE" => words.join("-").to_uppercase(),
        _ => name.to_string(),
    }
}

fn unraw(ident: &syn::Ident) -> String {
    let s = ident.to_string();
    s.strip_prefix("r#").map(str::to_string).unwrap_or(s)
}

/// Reads `#[serde(...)]` key-values and flags on one item.
#[derive(Debug, Default)]
struct SerdeAttrs {
    pairs: Vec<(String, String)>,
    flags: Vec<String>,
    /// `rename(serialize = …, deserialize = …)` and `rename_all(…)`.
    split: Vec<(String, String, String)>,
}

impl SerdeAttrs {
    fn read(attrs: &[Attribute]) -> SerdeAttrs {
        let mut out = SerdeAttrs::default();
        for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
            let _ = attr.parse_nested_meta(|meta| {
                let key = meta.path.get_ident().map(|i| i.to_string()).unwrap_or_default();
                if meta.input.peek(syn::Token![=]) {
                    let value = meta.value()?;
                    let text = match value.parse::<LitStr>() {
                        Ok(s) => s.value(),
                        Err(_) => {
                            let _ = value.parse::<syn::Expr>();
                            String::new()
                        }
                    };
                    out.pairs.push((key, text));
                } else if meta.input.peek(syn::token::Paren) {
                    let outer = key.clone();
                    meta.parse_nested_meta(|inner| {
                        let which = inner.path.get_ident().map(|i| i.to_string()).unwrap_or_default();
                        if inner.input.peek(syn::Token![=]) {
                            let v = inner.value()?;
                            let text = v.parse::<LitStr>().map(|s| s.value()).unwrap_or_default();
                            out.split.push((outer.clone(), which, text));
                        }
                        Ok(())
                    })?;
                } else {
                    out.flags.push(key);
                }
                Ok(())
            });
        }
        out
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    fn all(&self, key: &str) -> Vec<String> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .collect()
    }

    fn has(&self, flag: &str) -> bool {
        self.flags.iter().any(|f| f == flag) || self.pairs.iter().any(|(k, _)| k == flag)
    }

    /// (serialize, deserialize) for `rename`/`rename_all`, plain or split.
    fn directional(&self, key: &str) -> (Option<String>, Option<String>) {
        let plain = self.get(key).map(str::to_string);
        let part = |which: &str| {
            self.split
                .iter()
                .find(|(k, w, _)| k == key && w == which)
                .map(|(_, _, v)| v.clone())
        };
        (part("serialize").or(plain.clone()), part("deserialize").or(plain))
    }
}

/// (Serialize, Deserialize, a database row derive), plain or behind `cfg_attr`.
fn derives(attrs: &[Attribute]) -> (bool, bool, bool) {
    let names = derive_names(attrs);
    let has = |n: &str| names.iter().any(|d| d == n);
    let row = names.iter().any(|d| ROW_DERIVES.contains(&d.as_str()));
    (has("Serialize"), has("Deserialize"), row)
}

/// The shape of a Rust type as serde_json sees it.
pub fn shape_of(ty: &Type) -> Shape {
    match ty {
        Type::Reference(r) => match &*r.elem {
            Type::Path(p) if p.path.is_ident("str") => Shape::BorrowedStr,
            Type::Slice(s) => Shape::Seq(Box::new(shape_of(&s.elem))),
            other => shape_of(other),
        },
        Type::Slice(s) => Shape::Seq(Box::new(shape_of(&s.elem))),
        Type::Array(a) => Shape::Seq(Box::new(shape_of(&a.elem))),
        Type::Tuple(t) if t.elems.is_empty() => Shape::Unit,
        Type::Tuple(t) => Shape::Tuple(t.elems.iter().map(shape_of).collect()),
        Type::Paren(p) => shape_of(&p.elem),
        Type::Group(g) => shape_of(&g.elem),
        Type::Path(p) => {
            let Some(last) = p.path.segments.last() else {
                return Shape::Any;
            };
            let args: Vec<&Type> = match &last.arguments {
                PathArguments::AngleBracketed(a) => a
                    .args
                    .iter()
                    .filter_map(|g| match g {
                        GenericArgument::Type(t) => Some(t),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            let first = || args.first().map_or(Shape::Any, |t| shape_of(t));
            let name = last.ident.to_string();
            match name.as_str() {
                "Option" => Shape::Option(Box::new(first())),
                "Vec" | "VecDeque" | "HashSet" | "BTreeSet" | "IndexSet" | "LinkedList" | "SmallVec" => {
                    Shape::Seq(Box::new(first()))
                }
                "HashMap" | "BTreeMap" | "IndexMap" => {
                    Shape::Map(Box::new(args.get(1).map_or(Shape::Any, |t| shape_of(t))))
                }
                "Box" | "Arc" | "Rc" | "Cell" | "RefCell" | "Mutex" | "RwLock" => first(),
                "Cow" => match args.first() {
                    Some(Type::Path(p)) if p.path.is_ident("str") => Shape::String,
                    Some(t) => shape_of(t),
                    None => Shape::Any,
                },
                "String" | "char" | "PathBuf" | "Uuid" | "NaiveDate" | "NaiveDateTime" | "DateTime" | "Url" => {
                    Shape::String
                }
                "bool" => Shape::Bool,
                "f32" | "f64" | "Decimal" => Shape::Float,
                "Value" | "RawValue" => Shape::Any,
                "i8" | "i16" | "i32" | "i64" | "i128" | "isize" | "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => {
                    let signed = name.starts_with('i');
                    let bits = name[1..].parse().unwrap_or(64);
                    Shape::Int { signed, bits }
                }
                // Generic arguments stay in the name, so that a wrapper of the old type shows.
                _ if args.is_empty() => Shape::Named(name),
                _ => Shape::Named(format!(
                    "{name}<{}>",
                    args.iter()
                        .map(|t| shape_of(t).describe())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            }
        }
        _ => Shape::Any,
    }
}

fn fields_of(fields: &Fields, rename_all: (Option<&str>, Option<&str>)) -> Body {
    let read = |i: usize, f: &syn::Field| -> Field {
        let attrs = SerdeAttrs::read(&f.attrs);
        let rust = f.ident.as_ref().map_or(i.to_string(), unraw);
        let (r_ser, r_de) = attrs.directional("rename");
        let conv = |rule: Option<&str>| rule.map_or(rust.clone(), |r| convert_case(&rust, r, false));
        let codec = attrs
            .get("with")
            .or(attrs.get("deserialize_with"))
            .or(attrs.get("serialize_with"))
            .map(str::to_string)
            .or_else(|| serde_as(&f.attrs));
        Field {
            wire_ser: r_ser.unwrap_or_else(|| conv(rename_all.0)),
            wire_de: r_de.unwrap_or_else(|| conv(rename_all.1)),
            aliases: attrs.all("alias"),
            shape: shape_of(&f.ty),
            default: attrs.has("default"),
            skip_ser: attrs.has("skip") || attrs.has("skip_serializing"),
            skip_de: attrs.has("skip") || attrs.has("skip_deserializing"),
            skip_ser_if: attrs.has("skip_serializing_if"),
            flatten: attrs.has("flatten"),
            codec,
            line: line_of(f.span()),
            rust,
        }
    };
    match fields {
        Fields::Named(n) => Body::Named(n.named.iter().enumerate().map(|(i, f)| read(i, f)).collect()),
        Fields::Unnamed(u) => Body::Tuple(u.unnamed.iter().enumerate().map(|(i, f)| read(i, f)).collect()),
        Fields::Unit => Body::Unit,
    }
}

/// serde_with's `#[serde_as(as = "StringWithSeparator<…>")]`: a codec of its own.
fn serde_as(attrs: &[Attribute]) -> Option<String> {
    let mut found = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde_as")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("as") {
                found = Some(format!("serde_as({})", meta.value()?.parse::<LitStr>()?.value()));
            } else if meta.input.peek(syn::Token![=]) {
                let _ = meta.value()?.parse::<syn::Expr>();
            }
            Ok(())
        });
    }
    found
}

/// `from = "String"` and `try_from = "&str"` read the same JSON string: proxies compared by wire.
pub fn proxy_wire(proxy: Option<&str>) -> Option<String> {
    let p = proxy?.replace(' ', "");
    let p = p
        .trim_start_matches('&')
        .trim_start_matches("'static")
        .trim_start_matches("'a");
    let string = [
        "str",
        "String",
        "Cow<str>",
        "Cow<'_,str>",
        "Cow<'a,str>",
        "Box<str>",
        "Arc<str>",
        "Rc<str>",
    ];
    Some(if string.contains(&p) {
        "string".to_string()
    } else {
        p.to_string()
    })
}

fn container_of(attrs: &SerdeAttrs) -> Container {
    let (rename_ser, rename_de) = attrs.directional("rename");
    let (rename_all_ser, rename_all_de) = attrs.directional("rename_all");
    Container {
        rename_ser,
        rename_de,
        rename_all_ser,
        rename_all_de,
        rename_all_fields: attrs.get("rename_all_fields").map(str::to_string),
        tag: attrs.get("tag").map(str::to_string),
        content: attrs.get("content").map(str::to_string),
        untagged: attrs.has("untagged"),
        transparent: attrs.has("transparent"),
        deny_unknown_fields: attrs.has("deny_unknown_fields"),
        default: attrs.has("default"),
        proxy: attrs
            .get("from")
            .or(attrs.get("try_from"))
            .or(attrs.get("into"))
            .map(str::to_string),
        fallible_proxy: attrs.get("from").is_none() && attrs.get("try_from").is_some(),
    }
}

/// Every type in the file that derives `Serialize` or `Deserialize`. A file that does not
/// parse yields `Err` with the parser's message.
pub fn read_types(file: &str, source: &str) -> Result<Vec<SerdeType>, String> {
    let ast = crate::text::parse_rust(source).map_err(|e| format!("{file}: {e}"))?;
    Ok(types_in(file, &ast))
}

/// `read_types` of a file's text, remembered between runs by blob (`ChangeSet::memo`), without
/// the path: a blob may sit at several.
pub fn read_types_of(
    file: &str,
    text: &crate::diff::LazyText,
    memo: Option<&dyn crate::diff::Memo>,
) -> Option<Result<Vec<SerdeType>, String>> {
    let read = text.derived(memo, "serde-types-1", |source| {
        crate::text::parse_rust(source).map(|ast| types_in("", &ast))
    });
    Some(read?.map_err(|e| format!("{file}: {e}")).map(|mut types| {
        for t in &mut types {
            t.file = file.to_string();
        }
        types
    }))
}

/// The serde types of an already parsed file.
pub fn types_in(file: &str, ast: &syn::File) -> Vec<SerdeType> {
    let mut out = Vec::new();
    walk(&ast.items, file, "", &mut out);
    out
}

impl Shape {
    /// The names of other types this shape holds by value: through `Option`, sequences, maps
    /// and tuples, not through the generic arguments of other types (an `ObjectId<T>` is not a `T`).
    pub fn held_names(&self, out: &mut Vec<String>) {
        match self {
            Shape::Option(s) | Shape::Seq(s) | Shape::Map(s) => s.held_names(out),
            Shape::Tuple(v) => v.iter().for_each(|s| s.held_names(out)),
            Shape::Named(n) => out.push(Shape::base_name(n).to_string()),
            _ => {}
        }
    }
}

impl SerdeType {
    /// The types this type's JSON holds, field by field (fields skipped both ways aside).
    pub fn held_names(&self) -> Vec<String> {
        let mut out = Vec::new();
        let body = |b: &Body, out: &mut Vec<String>| {
            let fields = match b {
                Body::Named(f) | Body::Tuple(f) => f.as_slice(),
                Body::Unit => &[],
            };
            for f in fields.iter().filter(|f| !(f.skip_ser && f.skip_de)) {
                f.shape.held_names(out);
            }
        };
        match &self.kind {
            Kind::Struct(b) => body(b, &mut out),
            Kind::Enum(vs) => vs.iter().for_each(|v| body(&v.body, &mut out)),
        }
        out
    }
}

/// `t` is an enum with an untagged variant (or an untagged enum with a variant) whose content
/// has the shape `old`: it reads everything `old` read (`NumberOrString` for a `String`).
pub fn holds_untagged(t: Option<&SerdeType>, old: &Shape) -> bool {
    let Some(t) = t else { return false };
    let Kind::Enum(variants) = &t.kind else {
        return false;
    };
    variants.iter().any(|v| {
        (v.untagged || t.container.untagged)
            && matches!(&v.body, Body::Tuple(f) if f.len() == 1 && (f[0].shape == *old || reads_as(&f[0].shape, old)))
    })
}

/// A variant's content reads what `old` read: any integer for an integer, a string for a string.
fn reads_as(content: &Shape, old: &Shape) -> bool {
    matches!(
        (content, old),
        (Shape::Int { .. }, Shape::Int { .. }) | (Shape::String, Shape::BorrowedStr)
    )
}

/// The fields with each `#[serde(flatten)]` struct whose definition is known replaced by its
/// own fields, as they appear on the wire.
pub fn inline_flattened<'t>(fields: &[Field], lookup: &dyn Fn(&str) -> Option<&'t SerdeType>, depth: u8) -> Vec<Field> {
    let mut out = Vec::new();
    for f in fields {
        let inner = match (&f.shape, f.flatten && depth < 3) {
            (Shape::Named(name), true) => lookup(Shape::base_name(name)).and_then(|t| match &t.kind {
                Kind::Struct(Body::Named(inner)) => Some(inner),
                _ => None,
            }),
            _ => None,
        };
        match inner {
            Some(inner) => out.extend(inline_flattened(inner, lookup, depth + 1)),
            None => out.push(f.clone()),
        }
    }
    out
}

/// The items declared inside a function body, under the function's name.
fn walk_body(block: &syn::Block, file: &str, prefix: &str, out: &mut Vec<SerdeType>) {
    let inner: Vec<Item> = block
        .stmts
        .iter()
        .filter_map(|s| match s {
            syn::Stmt::Item(i) => Some(i.clone()),
            _ => None,
        })
        .collect();
    if !inner.is_empty() {
        walk(&inner, file, prefix, out);
    }
}

fn walk(items: &[Item], file: &str, prefix: &str, out: &mut Vec<SerdeType>) {
    let first = out.len();
    walk_items(items, file, prefix, out);
    // `impl Serialize for Name` beside the type: its JSON is that code's, not its fields'.
    for imp in items.iter().filter_map(|i| match i {
        Item::Impl(imp) => Some(imp),
        _ => None,
    }) {
        let Some((_, path, _)) = &imp.trait_ else { continue };
        let hand_written = match path.segments.last().map(|s| s.ident.to_string()).as_deref() {
            Some("Serialize") => SerdeTrait::Serialize,
            Some("Deserialize") => SerdeTrait::Deserialize,
            _ => continue,
        };
        let syn::Type::Path(p) = &*imp.self_ty else { continue };
        let Some(name) = p.path.segments.last().map(|s| format!("{prefix}{}", s.ident)) else {
            continue;
        };
        for t in out[first..].iter_mut().filter(|t| t.item_path == name) {
            t.hand_written = Some(hand_written);
        }
    }
}

fn walk_items(items: &[Item], file: &str, prefix: &str, out: &mut Vec<SerdeType>) {
    for item in items {
        match item {
            Item::Mod(m) => {
                if let Some((_, inner)) = &m.content {
                    if !m.attrs.iter().any(|a| a.path().is_ident("cfg")) {
                        walk(inner, file, &format!("{prefix}{}::", m.ident), out);
                    }
                }
            }
            Item::Struct(s) => {
                let (ser, de, row) = derives(&s.attrs);
                if ser || de {
                    let attrs = SerdeAttrs::read(&s.attrs);
                    let container = container_of(&attrs);
                    let body = fields_of(
                        &s.fields,
                        (container.rename_all_ser.as_deref(), container.rename_all_de.as_deref()),
                    );
                    out.push(SerdeType {
                        name: s.ident.to_string(),
                        item_path: format!("{prefix}{}", s.ident),
                        file: file.to_string(),
                        line: line_of(s.ident.span()),
                        ser,
                        de,
                        row,
                        hand_written: None,
                        container,
                        kind: Kind::Struct(body),
                    });
                }
            }
            Item::Enum(e) => {
                let (ser, de, row) = derives(&e.attrs);
                if ser || de {
                    let attrs = SerdeAttrs::read(&e.attrs);
                    let container = container_of(&attrs);
                    let variants = e
                        .variants
                        .iter()
                        .map(|v| {
                            let va = SerdeAttrs::read(&v.attrs);
                            let rust = unraw(&v.ident);
                            let (r_ser, r_de) = va.directional("rename");
                            let conv =
                                |rule: Option<&String>| rule.map_or(rust.clone(), |r| convert_case(&rust, r, true));
                            let fields_rule = va.directional("rename_all");
                            let fr = container.rename_all_fields.as_deref();
                            Variant {
                                wire_ser: r_ser.unwrap_or_else(|| conv(container.rename_all_ser.as_ref())),
                                wire_de: r_de.unwrap_or_else(|| conv(container.rename_all_de.as_ref())),
                                aliases: va.all("alias"),
                                body: fields_of(
                                    &v.fields,
                                    (fields_rule.0.as_deref().or(fr), fields_rule.1.as_deref().or(fr)),
                                ),
                                other: va.has("other"),
                                untagged: va.has("untagged"),
                                skip: va.has("skip") || va.has("skip_deserializing"),
                                line: line_of(v.ident.span()),
                                rust,
                            }
                        })
                        .collect();
                    out.push(SerdeType {
                        name: e.ident.to_string(),
                        item_path: format!("{prefix}{}", e.ident),
                        file: file.to_string(),
                        line: line_of(e.ident.span()),
                        ser,
                        de,
                        row,
                        hand_written: None,
                        container,
                        kind: Kind::Enum(variants),
                    });
                }
            }
            // Types declared inside a function are serde types too (`fn::Type` in the path).
            Item::Fn(f) => walk_body(&f.block, file, &format!("{prefix}{}::", f.sig.ident), out),
            Item::Impl(imp) => {
                for item in &imp.items {
                    if let syn::ImplItem::Fn(f) = item {
                        walk_body(&f.block, file, &format!("{prefix}{}::", f.sig.ident), out);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Derives that make a struct a database row.
pub const ROW_DERIVES: &[&str] = &[
    "Queryable",
    "QueryableByName",
    "Selectable",
    "Insertable",
    "AsChangeset",
    "Identifiable",
    "FromRow",
    "DeriveEntityModel",
];

/// Derive names, plain or behind `cfg_attr(…, derive(…))`.
pub fn derive_names(attrs: &[syn::Attribute]) -> Vec<String> {
    let mut out = Vec::new();
    for attr in attrs {
        if attr.path().is_ident("derive") || attr.path().is_ident("cfg_attr") {
            let tokens = match &attr.meta {
                syn::Meta::List(l) => l.tokens.to_string(),
                _ => continue,
            };
            // `cfg_attr(feature = "full", derive(A, B))`: the names after `derive(`.
            let list = if attr.path().is_ident("cfg_attr") {
                match tokens.find("derive") {
                    Some(i) => tokens[i + "derive".len()..].to_string(),
                    None => continue,
                }
            } else {
                tokens
            };
            out.extend(crate::text::words(&list).map(str::to_string));
        }
    }
    out
}

/// A struct deriving a database row trait.
pub fn is_row(attrs: &[syn::Attribute]) -> bool {
    derive_names(attrs).iter().any(|d| ROW_DERIVES.contains(&d.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_conversions_follow_serde() {
        assert_eq!(convert_case("user_id", "camelCase", false), "userId");
        assert_eq!(convert_case("user_id", "PascalCase", false), "UserId");
        assert_eq!(convert_case("user_id", "SCREAMING-KEBAB-CASE", false), "USER-ID");
        assert_eq!(convert_case("name", "camelCase", false), "name");
        assert_eq!(convert_case("AwaitingPayment", "snake_case", true), "awaiting_payment");
        assert_eq!(convert_case("AwaitingPayment", "camelCase", true), "awaitingPayment");
        assert_eq!(convert_case("AwaitingPayment", "kebab-case", true), "awaiting-payment");
        assert_eq!(convert_case("Active", "lowercase", true), "active");
    }

    #[test]
    fn reads_fields_attributes_and_shapes() {
        let src = r#"
            use serde::{Deserialize, Serialize};
            #[derive(Debug, Serialize, serde::Deserialize)]
            #[serde(rename_all = "camelCase", deny_unknown_fields)]
            pub struct UserPrefs {
                pub user_id: u64,
                #[serde(rename = "tz", alias = "timezone")]
                pub time_zone: Option<String>,
                #[serde(default, skip_serializing_if = "Vec::is_empty")]
                pub tags: Vec<Box<str>>,
                pub r#type: Cow<'static, str>,
                #[serde(with = "ts")]
                pub at: Option<i64>,
            }
            struct NotSerde { x: u8 }
        "#;
        let types = read_types("src/model.rs", src).unwrap();
        assert_eq!(types.len(), 1);
        let t = &types[0];
        assert!(t.ser && t.de && t.container.deny_unknown_fields);
        let Kind::Struct(Body::Named(f)) = &t.kind else {
            panic!()
        };
        assert_eq!(
            (f[0].wire_de.as_str(), &f[0].shape),
            (
                "userId",
                &Shape::Int {
                    signed: false,
                    bits: 64
                }
            )
        );
        assert_eq!(
            (f[1].wire_ser.as_str(), f[1].aliases.clone()),
            ("tz", vec!["timezone".to_string()])
        );
        assert!(!f[1].required_on_read(false));
        assert!(!f[2].required_on_read(false) && f[2].skip_ser_if);
        assert_eq!((f[3].wire_ser.as_str(), &f[3].shape), ("type", &Shape::String));
        assert!(
            f[4].required_on_read(false),
            "an Option with a custom codec is required"
        );
    }

    #[test]
    fn enums_with_representation_and_variant_names() {
        let src = r#"
            #[derive(Serialize, Deserialize)]
            #[serde(tag = "kind", rename_all = "snake_case")]
            enum Status { Active, AwaitingPayment { since: String }, #[serde(other)] Unknown }
        "#;
        let t = &read_types("a.rs", src).unwrap()[0];
        assert_eq!(t.container.tag.as_deref(), Some("kind"));
        let Kind::Enum(v) = &t.kind else { panic!() };
        assert_eq!(
            v.iter().map(|v| v.wire_de.as_str()).collect::<Vec<_>>(),
            vec!["active", "awaiting_payment", "unknown"]
        );
        assert!(v[2].other);
    }
}
