//! A JSON reader that keeps what `serde_json::Value` loses: duplicate keys, and whether a
//! number was written as a float (`3.0`).

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::fmt;

/// A parsed record and the paths of objects that repeated a key.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub value: Value,
    pub duplicates: Vec<String>,
}

/// Reads one value; `path` is the place being read, one buffer for the whole record (a string
/// per key and element cost a third of a `shapes` run), written out only for a duplicate.
struct Seed<'a> {
    path: &'a RefCell<String>,
    dups: &'a RefCell<Vec<String>>,
}

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seed<'_> {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        let at = self.path.borrow().len();
        self.path.borrow_mut().push_str("[]");
        while let Some(v) = seq.next_element_seed(Seed {
            path: self.path,
            dups: self.dups,
        })? {
            out.push(v);
        }
        self.path.borrow_mut().truncate(at);
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        let at = self.path.borrow().len();
        while let Some(key) = map.next_key::<String>()? {
            {
                let mut path = self.path.borrow_mut();
                path.truncate(at);
                path.push('.');
                path.push_str(&key);
            }
            let v = map.next_value_seed(Seed {
                path: self.path,
                dups: self.dups,
            })?;
            if out.insert(key, v).is_some() {
                // The child's read has put the buffer back to this key's path.
                self.dups.borrow_mut().push(self.path.borrow().clone());
            }
        }
        self.path.borrow_mut().truncate(at);
        Ok(Value::Object(out))
    }
}

/// Parses one JSON document.
pub fn parse(text: &str) -> Result<Record, serde_json::Error> {
    let dups = RefCell::new(Vec::new());
    let path = RefCell::new(String::from("$"));
    let mut de = serde_json::Deserializer::from_str(text);
    let value = Seed {
        path: &path,
        dups: &dups,
    }
    .deserialize(&mut de)?;
    de.end()?;
    Ok(Record {
        value,
        duplicates: dups.into_inner(),
    })
}

/// Whether the text of a number says float: `3.0`, `1e3`.
pub fn is_float(n: &serde_json::Number) -> bool {
    n.is_f64()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_and_floats_survive() {
        let r = parse(r#"{"a": 1, "b": {"c": 3.0, "c": 4}, "a": 2}"#).unwrap();
        assert_eq!(r.duplicates, vec!["$.b.c".to_string(), "$.a".to_string()]);
        assert_eq!(r.value["a"], 2);
        assert!(!is_float(r.value["b"]["c"].as_number().unwrap()));
        let f = parse("{\"x\": 3.0}").unwrap();
        assert!(is_float(f.value["x"].as_number().unwrap()));
        assert!(parse("{\"x\": ").is_err());
    }
}
