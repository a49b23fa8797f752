//! Building the wire model (`serde_model`'s types) from other languages' declarations: every
//! reader fills the same structs, so one comparison serves Rust, Python, TypeScript and Go.

use crate::analyzers::json_shape::serde_model::{Body, Container, Field, Kind, SerdeType, Shape, Variant};

/// A struct-like type read and written as a JSON object.
pub fn object(name: &str, file: &str, line: u32, fields: Vec<Field>) -> SerdeType {
    SerdeType {
        name: name.to_string(),
        item_path: name.to_string(),
        file: file.to_string(),
        line,
        ser: true,
        de: true,
        row: false,
        hand_written: None,
        container: Container::default(),
        kind: Kind::Struct(Body::Named(fields)),
    }
}

/// A set of allowed values (an enum, `Literal`, `z.enum`, a union of string literals), each
/// written as itself.
pub fn values(name: &str, file: &str, line: u32, values: Vec<(String, u32)>) -> SerdeType {
    let variants = values
        .into_iter()
        .map(|(v, line)| Variant {
            rust: v.clone(),
            wire_ser: v.clone(),
            wire_de: v,
            aliases: Vec::new(),
            body: Body::Unit,
            other: false,
            untagged: false,
            skip: false,
            line,
        })
        .collect();
    SerdeType {
        kind: Kind::Enum(variants),
        ..object(name, file, line, Vec::new())
    }
}

/// A key required on read, written always, until the reader says otherwise.
pub fn field(key: &str, shape: Shape, line: u32) -> Field {
    Field {
        rust: key.to_string(),
        wire_ser: key.to_string(),
        wire_de: key.to_string(),
        aliases: Vec::new(),
        shape,
        default: false,
        skip_ser: false,
        skip_de: false,
        skip_ser_if: false,
        flatten: false,
        codec: None,
        line,
    }
}

/// The fields of an object type (none for a set of values).
pub fn fields_of(t: &SerdeType) -> &[Field] {
    match &t.kind {
        Kind::Struct(Body::Named(f)) => f,
        _ => &[],
    }
}

/// The fields of an object type, to edit.
pub fn fields_mut(t: &mut SerdeType) -> Option<&mut Vec<Field>> {
    match &mut t.kind {
        Kind::Struct(Body::Named(f)) => Some(f),
        _ => None,
    }
}

/// `T | null`: nullable, never doubly.
pub fn nullable(shape: Shape) -> Shape {
    match shape {
        Shape::Option(_) | Shape::Any => shape,
        s => Shape::Option(Box::new(s)),
    }
}

/// A 64-bit signed integer: what the JSON numbers of Python, TypeScript and Go APIs hold.
pub fn int() -> Shape {
    Shape::Int { signed: true, bits: 64 }
}

/// Most keys one file's types may hold in all (inheritance copies a base's keys into each
/// subclass, so a long chain of them would otherwise cost its square).
pub const MAX_KEYS: usize = 20_000;

/// How many keys (fields and values) `types` hold.
pub fn keys(types: &[SerdeType]) -> usize {
    types
        .iter()
        .map(|t| match &t.kind {
            Kind::Struct(Body::Named(f)) => f.len(),
            Kind::Enum(v) => v.len(),
            _ => 0,
        })
        .sum()
}
