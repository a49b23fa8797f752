//! Python's JSON types: Django REST Framework serializers, Pydantic models (v1 and v2),
//! dataclasses made JSON by `dataclasses_json`, and the enums they hold.

use super::annotations::{aliases, expand, parse_annotation, Aliases, Annotation, MAX_EXPANDED};
use super::model::{field, fields_mut, int, nullable, object, values};
use super::python_imports::{base_aliases, imports, module_imports};
use super::syntax::{self, line, named_children, string_value, text, Grammar};
use super::{Read, Unresolved};
use crate::analyzers::json_shape::roles::Role;
use crate::analyzers::json_shape::serde_model::{Field, SerdeTrait, SerdeType, Shape};
use std::collections::BTreeSet;
use tree_sitter::Node;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Drf,
    Pydantic,
    DataclassJson,
    Enum,
}

pub(super) struct Class<'t> {
    pub name: String,
    pub bases: Vec<String>,
    pub decorators: Vec<String>,
    pub body: Node<'t>,
    pub line: u32,
}

/// The last segment of a dotted name, without generic arguments: `serializers.ModelSerializer`
/// → `ModelSerializer`, `Generic[T]` → `Generic`.
pub(super) fn last_segment(name: &str) -> &str {
    let name = name.split('[').next().unwrap_or(name);
    name.rsplit('.').next().unwrap_or(name).trim()
}

fn classes<'t>(root: Node<'t>, src: &str) -> Vec<Class<'t>> {
    let mut out = Vec::new();
    for stmt in named_children(root) {
        let (node, decorators) = match stmt.kind() {
            "decorated_definition" => {
                let decorators = named_children(stmt)
                    .into_iter()
                    .filter(|c| c.kind() == "decorator")
                    .map(|d| text(d, src).trim_start_matches('@').to_string())
                    .collect();
                match stmt.child_by_field_name("definition") {
                    Some(def) => (def, decorators),
                    None => continue,
                }
            }
            _ => (stmt, Vec::new()),
        };
        if node.kind() != "class_definition" {
            continue;
        }
        let (Some(name), Some(body)) = (node.child_by_field_name("name"), node.child_by_field_name("body")) else {
            continue;
        };
        let bases = node
            .child_by_field_name("superclasses")
            .map(|s| {
                named_children(s)
                    .into_iter()
                    .filter(|b| b.kind() != "keyword_argument")
                    .map(|b| text(b, src).to_string())
                    .collect()
            })
            .unwrap_or_default();
        out.push(Class {
            name: text(name, src).to_string(),
            bases,
            decorators,
            body,
            line: line(node),
        });
    }
    out
}

fn family(c: &Class<'_>, known: &[(String, Family)], mentions_pydantic: bool) -> Option<Family> {
    let known_family = |b: &str| known.iter().find(|(n, _)| n == last_segment(b)).map(|(_, f)| *f);
    if c.decorators.iter().any(|d| d.contains("dataclass_json"))
        || c.bases.iter().any(|b| last_segment(b) == "DataClassJsonMixin")
    {
        return Some(Family::DataclassJson);
    }
    for b in &c.bases {
        let seg = last_segment(b);
        if matches!(seg, "Enum" | "StrEnum" | "IntEnum") {
            return Some(Family::Enum);
        }
        if seg.ends_with("Serializer") && seg != "BaseSerializer" {
            return Some(Family::Drf);
        }
        // Settings read the environment, not JSON.
        if seg == "BaseSettings" {
            return None;
        }
        if matches!(seg, "BaseModel" | "RootModel" | "GenericModel") {
            return Some(Family::Pydantic);
        }
        if let Some(f) = known_family(b) {
            return Some(f);
        }
        // A project's own base (`class Product(Schema)`) in a file that uses pydantic.
        if mentions_pydantic && (seg.ends_with("Schema") || seg.ends_with("Model")) {
            return Some(Family::Pydantic);
        }
    }
    None
}

/// A Pydantic base class declared in another module, and the settings its subclasses inherit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Base {
    pub name: String,
    /// A DRF serializer (else a Pydantic model).
    pub serializer: bool,
    /// Its alias generator writes keys in camelCase.
    pub camel: bool,
    /// It forbids unknown keys.
    pub forbid: bool,
    /// The keys it declares, which its subclasses inherit.
    pub fields: Vec<Field>,
}

/// Bases every module may name without declaring them: the libraries' own.
const LIBRARY_BASES: &[&str] = &[
    "BaseModel",
    "RootModel",
    "GenericModel",
    "Generic",
    "Serializer",
    "ModelSerializer",
    "HyperlinkedModelSerializer",
    "ListSerializer",
    "BaseSerializer",
    "Enum",
    "StrEnum",
    "IntEnum",
    "DataClassJsonMixin",
    "BaseSettings",
    "SQLModel",
    "Base",
];

/// An alias generator to camelCase (pydantic's `to_camel`, pyhumps' `camelize`, dataclasses_json's).
fn sets_camel(body: &str) -> bool {
    body.contains("to_camel") || body.contains("camelize") || body.contains("LetterCase.CAMEL")
}

/// The JSON types of one Python file, with what could not be resolved.
pub fn read(path: &str, src: &str) -> Result<Read, String> {
    read_with_bases(path, src, &[])
}

/// Like `read`, knowing Pydantic bases that other modules declare.
pub fn read_with_bases(path: &str, src: &str, external: &[Base]) -> Result<Read, String> {
    let tree = syntax::parse(Grammar::Python, src)?;
    let root = tree.root_node();
    let mut all = classes(root, src);
    // `Base = serializers.Serializer` at the top of a module: classes on `Base` are serializers.
    let base_aliases = base_aliases(root, src);
    for c in all.iter_mut() {
        for b in c.bases.iter_mut() {
            // Python binds the base when the class statement runs: a later assignment is not it.
            if let Some((target, _)) = base_aliases.get(b.as_str()).filter(|(_, line)| *line < c.line) {
                *b = target.clone();
            }
        }
    }
    let mentions_pydantic = src.contains("pydantic");
    let imports = imports(root, src, path);
    let modules = module_imports(root, src);
    let mut known: Vec<(String, Family)> = external
        .iter()
        .map(|b| {
            (
                b.name.clone(),
                if b.serializer { Family::Drf } else { Family::Pydantic },
            )
        })
        .collect();
    let mut camel: BTreeSet<String> = external.iter().filter(|b| b.camel).map(|b| b.name.clone()).collect();
    // Families to a fixed point: a class may derive from one declared further down.
    loop {
        let before = known.len();
        for c in &all {
            if known.iter().any(|(n, _)| *n == c.name) {
                continue;
            }
            if let Some(f) = family(c, &known, mentions_pydantic) {
                known.push((c.name.clone(), f));
            }
        }
        if known.len() == before {
            break;
        }
    }
    let mut read = Read::default();
    let v1 = src.contains("pydantic.v1") || src.contains("class Config:");
    let file_aliases = aliases(root, src);
    let mut counted = (0, 0);
    for c in &all {
        counted.1 += super::model::keys(&read.types[counted.0..]);
        counted.0 = read.types.len();
        if counted.1 > super::model::MAX_KEYS {
            return Err(format!("its models hold more than {} keys", super::model::MAX_KEYS));
        }
        let family = known.iter().find(|(n, _)| *n == c.name).map(|(_, f)| *f);
        let module_of = |name: &str| imports.iter().find(|(n, _)| n == name).map(|(_, m)| m.clone());
        // `a.b.Base` after `import a.b` (or `m.Base` after `import a.b as m`, or after `from a
        // import b`): the module is the prefix's; a bare name is imported by itself.
        let module_of_base = |base: &str| match base.rsplit_once('.') {
            Some((prefix, _)) => modules
                .iter()
                .find(|(n, _)| n == prefix)
                .map(|(_, m)| m.clone())
                .or_else(|| module_of(prefix).map(|m| format!("{m}/{prefix}"))),
            None => module_of(base),
        };
        // A base this module does not declare may be a model or serializer of another one,
        // whose keys its subclasses inherit.
        read.unknown_bases.extend(
            c.bases
                .iter()
                .filter(|b| {
                    let name = last_segment(b);
                    !LIBRARY_BASES.contains(&name) && !all.iter().any(|c| c.name == name)
                })
                .filter_map(|b| {
                    module_of_base(b.split('[').next().unwrap_or(b)).map(|m| (last_segment(b).to_string(), m))
                }),
        );
        let Some(f) = family else {
            continue;
        };
        if f == Family::Drf {
            read.serializers.push(c.name.clone());
        }
        if sets_camel(&config_text(c, src)) || c.bases.iter().any(|b| camel.contains(last_segment(b))) {
            camel.insert(c.name.clone());
            read.camel.push(c.name.clone());
        }
        match f {
            Family::Enum => read.types.push(enumeration(path, c, src)),
            Family::Drf => super::drf::read_serializer(path, c, src, external, &mut read),
            Family::Pydantic | Family::DataclassJson => {
                if f == Family::Pydantic {
                    read.pydantic.push(c.name.clone());
                }
                let mut t = annotated(path, c, src, (f, v1, camel.contains(&c.name)), &file_aliases, &mut read);
                t.container.deny_unknown_fields |= external
                    .iter()
                    .any(|b| b.forbid && c.bases.iter().any(|x| last_segment(x) == b.name));
                // Fields a base of this file declares come first, as Python resolves them.
                let mut inherited = Vec::new();
                for b in &c.bases {
                    read.bases.push((c.name.clone(), last_segment(b).to_string()));
                    if let Some(base) = external.iter().find(|x| x.name == last_segment(b)) {
                        inherited.extend(base.fields.iter().cloned());
                    }
                    if let Some(base) = read.types.iter().find(|t| t.name == last_segment(b)) {
                        inherited.extend(super::model::fields_of(base).iter().cloned());
                        t.container.deny_unknown_fields |= base.container.deny_unknown_fields;
                    }
                }
                if let Some(fs) = fields_mut(&mut t) {
                    inherited.retain(|i| !fs.iter().any(|f| f.rust == i.rust));
                    inherited.append(fs);
                    *fs = inherited;
                }
                read.types.push(t);
            }
        }
        if f == Family::Drf {
            let why = super::drf::FAMILY_ROLE.to_string();
            read.roles.push((c.name.clone(), Role::WireOutput, why.clone()));
            read.roles.push((c.name.clone(), Role::WireInput, why));
        }
    }
    // A class defined twice in a module is its last definition.
    let mut seen = std::collections::BTreeSet::new();
    read.types.reverse();
    read.types.retain(|t| seen.insert(t.name.clone()));
    read.types.reverse();
    read.roles.extend(fastapi_roles(root, src));
    read.roles.extend(super::drf::uses(src));
    Ok(read)
}

fn enumeration(path: &str, c: &Class<'_>, src: &str) -> SerdeType {
    let mut out = Vec::new();
    for stmt in named_children(c.body) {
        let Some(a) = stmt.named_child(0).filter(|a| a.kind() == "assignment") else {
            continue;
        };
        let (Some(left), Some(right)) = (a.child_by_field_name("left"), a.child_by_field_name("right")) else {
            continue;
        };
        let name = text(left, src);
        if left.kind() != "identifier" || name.starts_with('_') {
            continue;
        }
        let value = string_value(right, src).unwrap_or_else(|| {
            // `auto()` and computed values: the member's name stands for it.
            if right.kind() == "integer" {
                text(right, src).to_string()
            } else {
                name.to_string()
            }
        });
        out.push((value, line(stmt)));
    }
    let mut t = values(&c.name, path, c.line, out);
    // `_missing_` maps values that are no member (an old spelling, another case) by code.
    if named_children(c.body)
        .into_iter()
        .any(|stmt| defines(stmt, "_missing_", src))
    {
        t.hand_written = Some(SerdeTrait::Deserialize);
    }
    t
}

/// Whether a statement defines the function `name` (decorated or not).
fn defines(stmt: Node<'_>, name: &str, src: &str) -> bool {
    let def = match stmt.kind() {
        "decorated_definition" => stmt.child_by_field_name("definition"),
        _ => Some(stmt),
    };
    def.filter(|d| d.kind() == "function_definition")
        .and_then(|d| d.child_by_field_name("name"))
        .is_some_and(|n| text(n, src) == name)
}

/// The wire shape of an annotation; `Literal[…]` values become a type of their own, named
/// after the field, pushed to `extra`.
fn shape_of(a: &Annotation, owner: &str, extra: &mut Vec<(String, Vec<String>)>) -> Shape {
    match a {
        Annotation::None => Shape::Unit,
        Annotation::Literal(name) => Shape::Named(last_segment(name).to_string()),
        Annotation::Union(parts) => {
            let has_none = parts.contains(&Annotation::None);
            let rest: Vec<&Annotation> = parts.iter().filter(|p| **p != Annotation::None).collect();
            let inner = match rest.as_slice() {
                [one] => shape_of(one, owner, extra),
                _ => Shape::Any,
            };
            if has_none {
                nullable(inner)
            } else {
                inner
            }
        }
        Annotation::Name(name, args) => {
            let arg = |i: usize, extra: &mut Vec<(String, Vec<String>)>| {
                args.get(i).map(|a| shape_of(a, owner, extra)).unwrap_or(Shape::Any)
            };
            match last_segment(name) {
                "str" | "EmailStr" | "HttpUrl" | "AnyUrl" | "AnyHttpUrl" | "UUID" | "UUID4" | "datetime" | "date"
                | "time" | "timedelta" | "Decimal" | "SecretStr" | "constr" | "IPvAnyAddress" | "Path" => Shape::String,
                "int" | "conint" | "PositiveInt" | "NonNegativeInt" => int(),
                "float" | "confloat" | "PositiveFloat" => Shape::Float,
                "bool" | "StrictBool" => Shape::Bool,
                "Any" | "object" | "Json" | "JsonValue" => Shape::Any,
                "dict" | "Dict" | "Mapping" | "MutableMapping" => {
                    if args.len() == 2 {
                        Shape::Map(Box::new(arg(1, extra)))
                    } else {
                        Shape::Map(Box::new(Shape::Any))
                    }
                }
                "list" | "List" | "Sequence" | "set" | "Set" | "frozenset" | "FrozenSet" | "Iterable" | "conlist" => {
                    Shape::Seq(Box::new(arg(0, extra)))
                }
                "tuple" | "Tuple" => {
                    if args.len() == 2 && args[1] == Annotation::Name("...".into(), vec![]) {
                        Shape::Seq(Box::new(arg(0, extra)))
                    } else {
                        Shape::Tuple((0..args.len()).map(|i| arg(i, extra)).collect())
                    }
                }
                "Optional" => nullable(arg(0, extra)),
                "Union" => shape_of(&Annotation::Union(args.clone()), owner, extra),
                // `Annotated[T, …]` is a `T`.
                "Annotated" | "Required" | "NotRequired" | "ReadOnly" => arg(0, extra),
                "Literal" => {
                    let vals: Vec<String> = args
                        .iter()
                        .map(|a| match a {
                            Annotation::Literal(s) => s.clone(),
                            Annotation::Name(n, _) => n.clone(),
                            _ => "None".into(),
                        })
                        .collect();
                    extra.push((owner.to_string(), vals));
                    Shape::Named(owner.to_string())
                }
                other => Shape::Named(other.to_string()),
            }
        }
    }
}

/// A keyword argument's value node.
pub(super) fn keyword<'t>(call: Node<'t>, src: &str, name: &str) -> Option<Node<'t>> {
    let args = call.child_by_field_name("arguments")?;
    named_children(args).into_iter().find_map(|a| {
        (a.kind() == "keyword_argument" && a.child_by_field_name("name").is_some_and(|n| text(n, src) == name))
            .then(|| a.child_by_field_name("value"))
            .flatten()
    })
}

pub(super) fn is_true(node: Option<Node<'_>>, src: &str) -> bool {
    node.is_some_and(|n| text(n, src) == "True")
}

pub(super) fn call_name<'s>(call: Node<'_>, src: &'s str) -> &'s str {
    call.child_by_field_name("function").map(|f| text(f, src)).unwrap_or("")
}

/// Pydantic models and JSON dataclasses: annotated class attributes.
/// A model's settings: its `model_config = …`, its `class Config:` (v1) and its decorators, not
/// its comments or docstrings.
fn config_text(c: &Class<'_>, src: &str) -> String {
    named_children(c.body)
        .into_iter()
        .filter(|stmt| {
            let first = stmt.named_child(0);
            let config_assignment = first.is_some_and(|a| {
                a.kind() == "assignment"
                    && a.child_by_field_name("left")
                        .is_some_and(|l| text(l, src) == "model_config")
            });
            let config_class = stmt.kind() == "class_definition"
                && stmt
                    .child_by_field_name("name")
                    .is_some_and(|n| text(n, src) == "Config");
            config_assignment || config_class
        })
        .map(|stmt| text(stmt, src))
        .chain(c.decorators.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `(family, v1, camel)`: the class's family, whether the module is Pydantic v1, and whether
/// its keys are camelCased (by its own alias generator or a base's).
fn annotated(
    path: &str,
    c: &Class<'_>,
    src: &str,
    (family, v1, camel): (Family, bool, bool),
    file_aliases: &Aliases,
    read: &mut Read,
) -> SerdeType {
    let mut fields = Vec::new();
    let mut extra = Vec::new();
    let mut t = object(&c.name, path, c.line, Vec::new());
    let body = config_text(c, src);
    let body = body.as_str();
    let pascal = body.contains("to_pascal");
    t.container.deny_unknown_fields = body.contains("extra=\"forbid\"")
        || body.contains("extra='forbid'")
        || body.contains("Extra.forbid")
        || body.contains("extra = \"forbid\"")
        || body.contains("extra = 'forbid'");
    let populate_by_name = body.contains("populate_by_name=True") || body.contains("allow_population_by_field_name");
    for stmt in named_children(c.body) {
        let Some(a) = stmt.named_child(0).filter(|a| a.kind() == "assignment") else {
            continue;
        };
        let (Some(left), Some(ty)) = (a.child_by_field_name("left"), a.child_by_field_name("type")) else {
            continue;
        };
        let name = text(left, src);
        let ty_text = text(ty, src);
        if left.kind() != "identifier"
            || name.starts_with('_')
            || name == "model_config"
            || ty_text.contains("ClassVar")
        {
            continue;
        }
        let Some(annotation) = parse_annotation(ty_text) else {
            read.unresolved.push(Unresolved {
                type_name: c.name.clone(),
                line: line(stmt),
                why: format!("the type of `{name}` is not read ({ty_text})"),
            });
            continue;
        };
        let owner = format!("{}.{name}", c.name);
        let Some(annotation) = expand(&annotation, file_aliases) else {
            read.unresolved.push(Unresolved {
                type_name: c.name.clone(),
                line: line(stmt),
                why: format!("the type aliases of `{name}` expand past {MAX_EXPANDED} parts"),
            });
            continue;
        };
        let mut shape = shape_of(&annotation, &owner, &mut extra);
        let right = a.child_by_field_name("right");
        let field_call = right.filter(|r| r.kind() == "call" && last_segment(call_name(*r, src)) == "Field");
        // `Annotated[T, Field(alias=…)]` carries its options in the annotation.
        let annotated_field = (|| {
            let sub = ty.named_child(0)?;
            let found = named_children(sub)
                .into_iter()
                .flat_map(named_children)
                .flat_map(named_children);
            let mut found = found.filter(|n| n.kind() == "call" && last_segment(call_name(*n, src)) == "Field");
            found.next()
        })();
        let options = field_call.or(annotated_field);
        let mut has_default = match (right, field_call) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(call), Some(_)) => {
                let first = call
                    .child_by_field_name("arguments")
                    .and_then(|a| a.named_child(0))
                    .filter(|a| a.kind() != "keyword_argument");
                let positional_default = first.is_some_and(|f| text(f, src) != "...");
                positional_default
                    || keyword(call, src, "default").is_some()
                    || keyword(call, src, "default_factory").is_some()
            }
        };
        if let Some(o) = options {
            if keyword(o, src, "default").is_some() || keyword(o, src, "default_factory").is_some() {
                has_default = true;
            }
        }
        // Pydantic v1 and dataclasses: an Optional with no default reads as None.
        if matches!(shape, Shape::Option(_)) && (v1 || family == Family::DataclassJson) && right.is_none() {
            has_default = true;
        }
        let mut key = name.to_string();
        if camel {
            key = crate::analyzers::json_shape::serde_model::convert_case(name, "camelCase", false);
        } else if pascal {
            key = crate::analyzers::json_shape::serde_model::convert_case(name, "PascalCase", false);
        }
        let mut f = field(&key, Shape::Unit, line(stmt));
        f.rust = name.to_string();
        if let Some(o) = options {
            let alias = keyword(o, src, "alias").and_then(|a| string_value(a, src));
            let ser = keyword(o, src, "serialization_alias").and_then(|a| string_value(a, src));
            // `validation_alias=AliasChoices("a", "b")`: the first name, the others as aliases.
            let choices: Vec<String> = keyword(o, src, "validation_alias")
                .filter(|a| a.kind() == "call" && last_segment(call_name(*a, src)) == "AliasChoices")
                .and_then(|a| a.child_by_field_name("arguments"))
                .map(|a| {
                    named_children(a)
                        .into_iter()
                        .filter_map(|v| string_value(v, src))
                        .collect()
                })
                .unwrap_or_default();
            let de = keyword(o, src, "validation_alias")
                .and_then(|a| string_value(a, src))
                .or_else(|| choices.first().cloned());
            f.aliases.extend(choices.iter().skip(1).cloned());
            if let Some(a) = &alias {
                f.wire_ser = a.clone();
                f.wire_de = a.clone();
            }
            if let Some(s) = ser {
                f.wire_ser = s;
            }
            if let Some(d) = de {
                f.wire_de = d;
            }
            if keyword(o, src, "exclude").is_some_and(|e| text(e, src) == "True") {
                f.skip_ser = true;
            }
        }
        if populate_by_name && f.wire_de != name {
            f.aliases.push(name.to_string());
        }
        if let Shape::Unit = shape {
            shape = Shape::Any;
        }
        f.shape = shape;
        f.default = has_default;
        fields.push(f);
    }
    for (owner, vals) in extra {
        read.types.push(values(
            &owner,
            path,
            c.line,
            vals.into_iter().map(|v| (v, c.line)).collect(),
        ));
    }
    if let Some(fs) = fields_mut(&mut t) {
        *fs = fields;
    }
    t
}

/// FastAPI routes: request bodies and parameters are read from clients, `response_model` and
/// return annotations are written to them.
fn fastapi_roles(root: Node<'_>, src: &str) -> Vec<(String, Role, String)> {
    let mut out = Vec::new();
    let mut stack = vec![(root, 0u8)];
    while let Some((node, depth)) = stack.pop() {
        if depth > 6 {
            continue;
        }
        if node.kind() != "decorated_definition" {
            if matches!(node.kind(), "module" | "class_definition" | "block") {
                stack.extend(named_children(node).into_iter().map(|c| (c, depth + 1)));
            }
            if node.kind() == "class_definition" {
                if let Some(b) = node.child_by_field_name("body") {
                    stack.push((b, depth + 1));
                }
            }
            continue;
        }
        let Some(def) = node
            .child_by_field_name("definition")
            .filter(|d| d.kind() == "function_definition")
        else {
            continue;
        };
        let fn_name = def.child_by_field_name("name").map(|n| text(n, src)).unwrap_or("");
        let route = named_children(node)
            .into_iter()
            .filter(|d| d.kind() == "decorator")
            .find_map(|d| {
                let call = d.named_child(0).filter(|c| c.kind() == "call")?;
                let f = call_name(call, src);
                let verb = f.rsplit('.').next()?;
                matches!(verb, "get" | "post" | "put" | "patch" | "delete" | "api_route").then_some((call, line(d)))
            });
        let Some((call, at)) = route else { continue };
        let mut names = |t: &str, role: Role, how: &str| {
            if let Some(a) = parse_annotation(t) {
                let mut extra = Vec::new();
                let shape = shape_of(&a, "", &mut extra);
                let mut held = Vec::new();
                shape.held_names(&mut held);
                for n in held.into_iter().filter(|n| !n.is_empty()) {
                    out.push((n, role, format!("{how} of the FastAPI route `{fn_name}` (line {at})")));
                }
            }
        };
        if let Some(m) = keyword(call, src, "response_model") {
            names(text(m, src), Role::WireOutput, "the response model");
        }
        if let Some(r) = def.child_by_field_name("return_type") {
            names(text(r, src), Role::WireOutput, "the return type");
        }
        if let Some(params) = def.child_by_field_name("parameters") {
            for p in named_children(params) {
                if !matches!(p.kind(), "typed_parameter" | "typed_default_parameter") {
                    continue;
                }
                let default = p.child_by_field_name("value").map(|v| text(v, src)).unwrap_or("");
                if default.starts_with("Depends") || default.contains(".Depends") {
                    continue;
                }
                let Some(t) = p.child_by_field_name("type") else {
                    continue;
                };
                // `auth.Checkout` names a type of another module, which a schema of the same
                // name is not; a module of schemas is the exception.
                let ty = text(t, src);
                if let Some((module, _)) = ty.split('[').next().unwrap_or(ty).rsplit_once('.') {
                    let module = module.to_lowercase();
                    if !["schema", "model", "serializer", "dto", "types"]
                        .iter()
                        .any(|w| module.contains(w))
                    {
                        continue;
                    }
                }
                names(ty, Role::WireInput, "a request parameter");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyzers::json_shape::serde_model::{Body, Kind};

    fn fields(src: &str, name: &str) -> Vec<(String, String, bool, bool, bool)> {
        let read = read("a.py", src).unwrap();
        let t = read.types.iter().find(|t| t.name == name).unwrap();
        let Kind::Struct(Body::Named(fs)) = &t.kind else {
            panic!()
        };
        fs.iter()
            .map(|f| (f.wire_de.clone(), f.shape.describe(), f.default, f.skip_de, f.skip_ser))
            .collect()
    }

    #[test]
    fn bases_named_through_aliases_and_module_imports() {
        // A module-level alias of a library base.
        let src = "from rest_framework import serializers\nBase = serializers.Serializer\nclass S(Base):\n    name = serializers.CharField()\n";
        let r = read("api/s.py", src).unwrap();
        assert_eq!(r.serializers, vec!["S".to_string()]);
        // Bound after the class: not the class's base.
        let late = "from rest_framework.serializers import CharField, Serializer\nclass S(Serializer):\n    name = CharField()\nSerializer = object\n";
        assert_eq!(read("api/s.py", late).unwrap().serializers, vec!["S".to_string()]);
        // `import a.b` and `import a.b as m`: the base's module is the one imported.
        let src = "import pydantic\nimport app.models\nimport app.schemas as s\nfrom app import base\nclass A(app.models.AppBase):\n    x: int\nclass B(s.Shared):\n    y: int\nclass C(base.Root):\n    z: int\n";
        assert_eq!(
            read("api/a.py", src).unwrap().unknown_bases,
            vec![
                ("AppBase".to_string(), "app/models".to_string()),
                ("Shared".to_string(), "app/schemas".to_string()),
                ("Root".to_string(), "app/base".to_string()),
            ]
        );
    }

    #[test]
    fn pydantic_fields_aliases_and_defaults() {
        let src = "from pydantic import BaseModel, Field\nclass A(BaseModel):\n    x: Optional[list[str]] = None\n    y: str | None = Field(alias=\"why\")\n    z: Literal['a', 'b']\n    _p: int\n    model_config = ConfigDict(extra='forbid')\nclass B(A):\n    n: int = Field(..., ge=0)\n";
        assert_eq!(
            fields(src, "A"),
            vec![
                ("x".into(), "Option<array of string>".into(), true, false, false),
                ("why".into(), "Option<string>".into(), false, false, false),
                ("z".into(), "A.z".into(), false, false, false),
            ]
        );
        let b = fields(src, "B");
        assert_eq!(b.len(), 4);
        assert_eq!(b[3], ("n".into(), "i64".into(), false, false, false));
        let read = read("a.py", src).unwrap();
        assert!(
            read.types
                .iter()
                .find(|t| t.name == "B")
                .unwrap()
                .container
                .deny_unknown_fields
        );
        assert!(read.types.iter().any(|t| t.name == "A.z"));
    }

    #[test]
    fn bases_of_other_modules() {
        let src = "from pydantic import Field\nfrom app.models import AppBase\nclass A(AppBase):\n    user_name: str\n";
        let plain = read("a.py", src).unwrap();
        assert!(plain.types.is_empty());
        assert_eq!(
            plain.unknown_bases,
            vec![("AppBase".to_string(), "app/models".to_string())]
        );
        // A module that names no library asks for its bases all the same: they may be models.
        let relative = read(
            "pkg/api/a.py",
            "from ..base import B\nfrom .m import S\nclass A(B):\n    x: int\nclass C(S):\n    y: int\n",
        );
        assert_eq!(
            relative.unwrap().unknown_bases,
            vec![
                ("B".to_string(), "pkg/base".to_string()),
                ("S".to_string(), "pkg/api/m".to_string())
            ]
        );
        let base = Base {
            name: "AppBase".into(),
            serializer: false,
            camel: true,
            forbid: true,
            fields: Vec::new(),
        };
        let known = read_with_bases("a.py", src, &[base]).unwrap();
        let t = &known.types[0];
        assert!(t.container.deny_unknown_fields);
        let Kind::Struct(Body::Named(fs)) = &t.kind else {
            panic!()
        };
        assert_eq!(fs[0].wire_de, "userName");
    }

    #[test]
    fn module_aliases_are_seen_through() {
        let src = "from pydantic import BaseModel\nEvents = Annotated[list[Kind], Field(min_length=1)]\nclass A(BaseModel):\n    events: Events\n";
        assert_eq!(
            fields(src, "A"),
            vec![("events".into(), "array of Kind".into(), false, false, false)]
        );
    }

    #[test]
    fn drf_meta_fields_and_declared_options() {
        let src = "class S(serializers.ModelSerializer):\n    tags = TagSerializer(many=True, read_only=True)\n    note = serializers.CharField(required=False, allow_null=True)\n    class Meta:\n        model = X\n        fields = ('id', 'tags', 'note') + ('url',)\n        read_only_fields = ['url']\n";
        assert_eq!(
            fields(src, "S"),
            vec![
                (
                    "id".into(),
                    "a value typed outside this file".into(),
                    true,
                    false,
                    false
                ),
                ("tags".into(), "array of TagSerializer".into(), false, true, false),
                ("note".into(), "Option<string>".into(), true, false, false),
                (
                    "url".into(),
                    "a value typed outside this file".into(),
                    true,
                    true,
                    false
                ),
            ]
        );
        let all = "class S(serializers.ModelSerializer):\n    class Meta:\n        fields = '__all__'\n";
        assert_eq!(
            read("a.py", all).unwrap().unresolved[0].why,
            "`fields = '__all__'` takes every model field"
        );
    }

    #[test]
    fn fastapi_routes_give_roles() {
        let src = "@router.post('/x', response_model=list[Out])\nasync def create(body: In, session: S = Depends(get)) -> Out:\n    pass\n";
        let roles: Vec<(String, Role)> = read("a.py", src)
            .unwrap()
            .roles
            .into_iter()
            .map(|(n, r, _)| (n, r))
            .collect();
        assert!(roles.contains(&("Out".into(), Role::WireOutput)));
        assert!(roles.contains(&("In".into(), Role::WireInput)));
        assert!(!roles.iter().any(|(n, _)| n == "S"));
    }

    #[test]
    fn annotations_parse_and_fail_cleanly() {
        assert!(parse_annotation("dict[str, list[int]]").is_some());
        assert!(
            parse_annotation("Callable[[int], str]").is_none(),
            "a list of types is not read"
        );
        assert!(parse_annotation("a[").is_none());
        let deep = format!("{}int{}", "list[".repeat(200), "]".repeat(200));
        assert!(parse_annotation(&deep).is_none());
    }
}
