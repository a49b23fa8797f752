//! The `json-shape` analyzer: breaking changes to the JSON a change's code reads and writes —
//! serde types (old blob against new blob of every changed `.rs` file), the API types of
//! Python, TypeScript and Go (`contracts`), JSON fixtures and
//! samples, JSON Schemas and OpenAPI specs — each with the direction it breaks, plus the
//! compound finding when a migration reshapes the JSON column that a changed type is stored in.

//!
//! The readers (`serde_model`, `serde_diff`, `serde_types`, `roles`, `documents`, `yaml`)
//! compare; the rules under `rules/`, one file per rule id, weigh and report.

pub mod contract_diff;
pub mod contracts;
pub mod documents;
pub mod roles;
pub mod rules;
pub mod serde_diff;
pub mod serde_model;
pub mod serde_types;
pub mod yaml;

use crate::diff::ChangeSet;
use crate::model::Finding;

/// `stored`: type names the config says are stored JSON (`[[json_column]]`, `[[shapes]]`).
pub fn analyze(change: &ChangeSet, stored: &[String]) -> Vec<Finding> {
    let mut out = rules::serde_shape_changed::check(change, stored);
    out.extend(rules::api_type_changed::check(change, stored));
    let (documents, unread) = documents::read(change);
    out.extend(unread);
    for c in &documents {
        out.extend(rules::json_schema_changed::check(c));
        out.extend(rules::json_sample_shape_changed::check(c));
    }
    out
}

#[cfg(test)]
pub mod testing {
    use crate::diff::{ChangeSet, ChangedFile, FileStatus};
    #[allow(unused_imports)]
    use crate::model::ShapeChange as SC;
    use crate::model::{Direction, FileKind, Language};

    /// (kind, direction, subject) for one Rust file changed from `old` to `new`.
    pub fn serde_changes(old: &str, new: &str) -> Vec<(String, Direction, String)> {
        let old_lines: Vec<&str> = old.lines().collect();
        let new_lines: Vec<&str> = new.lines().collect();
        let mut f = ChangedFile::from_lines("src/model.rs", FileStatus::Modified, &old_lines, &new_lines);
        f.kind = FileKind::Source {
            language: Language::Rust,
        };
        let change = ChangeSet {
            files: vec![f],
            ..Default::default()
        };
        super::rules::serde_shape_changed::check(&change, &[])
            .into_iter()
            .map(|f| (f.tags[0].to_string(), f.direction.unwrap(), f.evidence.unwrap()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::testing::serde_changes;
    use crate::model::Direction::*;
    #[allow(unused_imports)]
    use crate::model::ShapeChange as SC;

    const BASE: &str = "#[derive(Serialize, Deserialize)]\npub struct UserPrefs {\n    pub color: String,\n    pub newsletter: bool,\n    pub limit: i32,\n    pub nick: Option<String>,\n}\n";

    fn with(from: &str, to: &str) -> Vec<(String, crate::model::Direction, String)> {
        serde_changes(BASE, &BASE.replace(from, to))
    }

    fn kinds(v: &[(String, crate::model::Direction, String)]) -> Vec<(SC, crate::model::Direction)> {
        v.iter().map(|(k, d, _)| (k.parse().unwrap(), *d)).collect()
    }

    #[test]
    fn harmless_changes_are_silent() {
        assert!(
            with(
                "    pub newsletter: bool,\n    pub limit: i32,\n",
                "    pub limit: i32,\n    pub newsletter: bool,\n"
            )
            .is_empty(),
            "reorder"
        );
        assert!(
            with(
                "    pub nick: Option<String>,\n",
                "    pub nick: Option<String>,\n    pub bio: Option<String>,\n"
            )
            .is_empty(),
            "optional added"
        );
        assert!(
            with(
                "    pub color: String,",
                "    #[serde(alias = \"colour\")]\n    pub color: String,"
            )
            .is_empty(),
            "alias"
        );
        assert!(
            with(
                "    pub color: String,",
                "    #[serde(rename = \"color\")]\n    pub colour: String,"
            )
            .is_empty(),
            "Rust-only rename"
        );
        assert!(
            with("    pub color: String,", "    /// The colour.\n    pub color: String,").is_empty(),
            "comment"
        );
        assert!(
            with(
                "pub struct UserPrefs {",
                "#[serde(rename_all = \"lowercase\")]\npub struct UserPrefs {"
            )
            .is_empty(),
            "no-op rename_all"
        );
        assert!(
            with("    pub color: String,", "    pub color: Box<String>,").is_empty(),
            "wrapper"
        );
        assert!(
            with(
                "    pub color: String,",
                "    #[serde(default)]\n    pub color: String,"
            )
            .is_empty(),
            "default added"
        );
    }

    #[test]
    fn fields() {
        assert_eq!(
            kinds(&with("    pub color: String,", "    pub theme: String,")),
            vec![(SC::FieldRenamed, Both)]
        );
        assert_eq!(
            kinds(&with(
                "    pub color: String,",
                "    #[serde(alias = \"color\")]\n    pub theme: String,"
            )),
            vec![(SC::FieldRenamed, OldReaders)]
        );
        assert_eq!(
            kinds(&with("    pub newsletter: bool,\n", "")),
            vec![(SC::FieldRemoved, OldReaders)]
        );
        assert_eq!(
            kinds(&with(
                "    pub nick: Option<String>,\n",
                "    pub nick: Option<String>,\n    pub tz: String,\n"
            )),
            vec![(SC::FieldAddedRequired, ReadsOldData)]
        );
        assert_eq!(
            kinds(&with("pub nick: Option<String>", "pub nick: String")),
            vec![(SC::OptionalityTightened, ReadsOldData)]
        );
        assert_eq!(
            kinds(&with("pub color: String", "pub color: Option<String>")),
            vec![(SC::OptionalityLoosened, OldReaders)]
        );
    }

    #[test]
    fn types() {
        assert_eq!(
            kinds(&with("pub limit: i32", "pub limit: i64")),
            vec![(SC::TypeWidened, OldReaders)]
        );
        assert_eq!(
            kinds(&with("pub limit: i32", "pub limit: i16")),
            vec![(SC::TypeNarrowed, ReadsOldData)]
        );
        assert_eq!(
            kinds(&with("pub limit: i32", "pub limit: f64")),
            vec![(SC::TypeWidened, OldReaders)]
        );
        assert_eq!(
            kinds(&with("pub limit: i32", "pub limit: String")),
            vec![(SC::TypeChanged, Both)]
        );
        assert_eq!(
            kinds(&with("pub color: String", "pub color: Vec<String>")),
            vec![(SC::CardinalityChanged, Both)]
        );
        assert_eq!(
            kinds(&with("pub color: String", "pub color: &'a str")),
            vec![(SC::TypeNarrowed, ReadsOldData)]
        );
    }

    #[test]
    fn container_attributes() {
        assert_eq!(
            kinds(&with(
                "pub struct UserPrefs {",
                "#[serde(deny_unknown_fields)]\npub struct UserPrefs {"
            )),
            vec![(SC::DenyUnknownAdded, ReadsOldData)]
        );
        let renamed = with(
            "pub struct UserPrefs {",
            "#[serde(rename_all = \"camelCase\")]\npub struct UserPrefs {\n    pub dark_mode: bool,",
        );
        assert!(
            renamed.iter().any(|(k, _, _)| *k == SC::FieldAddedRequired.as_str()),
            "{renamed:?}"
        );
        let base = "#[derive(Serialize, Deserialize)]\npub struct A {\n    pub dark_mode: bool,\n}\n";
        let got = serde_changes(
            base,
            &base.replace("pub struct A {", "#[serde(rename_all = \"camelCase\")]\npub struct A {"),
        );
        assert_eq!(kinds(&got), vec![(SC::RenameAllChanged, Both)]);
        let got = serde_changes(
            base,
            &base.replace("pub struct A {", "#[serde(transparent)]\npub struct A {"),
        );
        assert_eq!(kinds(&got), vec![(SC::TransparentChanged, Both)]);
        let got = serde_changes(
            base,
            &base.replace(
                "    pub dark_mode: bool,",
                "    #[serde(with = \"flag\")]\n    pub dark_mode: bool,",
            ),
        );
        assert_eq!(kinds(&got), vec![(SC::CustomCodecChanged, Both)]);
        let got = serde_changes(
            base,
            &base.replace(
                "    pub dark_mode: bool,",
                "    #[serde(flatten)]\n    pub dark_mode: Extra,",
            ),
        );
        assert_eq!(kinds(&got)[0].0, SC::NestingChanged);
    }

    #[test]
    fn only_directions_the_derives_allow() {
        let ser_only = BASE.replace("Serialize, Deserialize", "Serialize");
        let got = serde_changes(
            &ser_only,
            &ser_only.replace(
                "    pub nick: Option<String>,\n",
                "    pub nick: Option<String>,\n    pub tz: String,\n",
            ),
        );
        assert!(
            got.is_empty(),
            "a Serialize-only type cannot fail to read old data: {got:?}"
        );
    }

    #[test]
    fn enums() {
        let e = "#[derive(Serialize, Deserialize)]\n#[serde(rename_all = \"snake_case\")]\npub enum Status {\n    Active,\n    AwaitingPayment,\n}\n";
        assert_eq!(
            kinds(&serde_changes(
                e,
                &e.replace("    AwaitingPayment,\n", "    AwaitingPayment,\n    Refunded,\n")
            )),
            vec![(SC::VariantAdded, OldReaders)]
        );
        assert_eq!(
            kinds(&serde_changes(e, &e.replace("    AwaitingPayment,\n", ""))),
            vec![(SC::VariantRemoved, ReadsOldData)]
        );
        assert_eq!(
            kinds(&serde_changes(
                e,
                &e.replace(
                    "    AwaitingPayment,",
                    "    #[serde(rename = \"awaiting\")]\n    AwaitingPayment,"
                )
            )),
            vec![(SC::VariantRenamed, Both)]
        );
        assert_eq!(
            kinds(&serde_changes(
                e,
                &e.replace(
                    "#[serde(rename_all = \"snake_case\")]",
                    "#[serde(rename_all = \"snake_case\", tag = \"t\")]"
                )
            )),
            vec![(SC::EnumReprChanged, Both)]
        );
        let u = "#[derive(Serialize, Deserialize)]\n#[serde(untagged)]\npub enum V {\n    Rich { a: i32, b: i32 },\n    Poor { a: i32 },\n}\n";
        let swapped = "#[derive(Serialize, Deserialize)]\n#[serde(untagged)]\npub enum V {\n    Poor { a: i32 },\n    Rich { a: i32, b: i32 },\n}\n";
        assert_eq!(
            kinds(&serde_changes(u, swapped)),
            vec![(SC::UntaggedOrderChanged, ReadsOldData)]
        );
        let t = "#[derive(Serialize, Deserialize)]\npub struct P(pub String, pub i32);\n";
        assert_eq!(
            kinds(&serde_changes(
                t,
                &t.replace("(pub String, pub i32)", "(pub i32, pub String)")
            )),
            vec![(SC::TupleOrderChanged, Both)]
        );
    }

    #[test]
    fn a_generic_wrapper_of_the_old_type_only_risks_old_readers() {
        let base = "#[derive(Serialize, Deserialize)]\npub struct Undo {\n    pub object: Follow,\n}\n";
        let wrapped = base.replace("pub object: Follow", "pub object: IdOrNestedObject<Follow>");
        assert_eq!(
            kinds(&serde_changes(base, &wrapped)),
            vec![(SC::TypeWidened, OldReaders)]
        );
        let other = base.replace("pub object: Follow", "pub object: Vote");
        assert_eq!(kinds(&serde_changes(base, &other)), vec![(SC::TypeChanged, Both)]);
    }

    #[test]
    fn more_field_attributes() {
        let base = "#[derive(Serialize, Deserialize)]\npub struct A {\n    pub name: String,\n    pub age: u8,\n}\n";
        let edit = |from: &str, to: &str| {
            kinds(&serde_changes(base, &base.replace(from, to)))
                .into_iter()
                .map(|(k, d)| (k.to_string(), d))
                .collect::<Vec<_>>()
        };
        // skip_serializing_if: the key may be left out, which old readers require.
        assert_eq!(
            edit(
                "    pub name: String,",
                "    #[serde(skip_serializing_if = \"String::is_empty\")]\n    pub name: String,"
            ),
            vec![(SC::OptionalityLoosened.to_string(), OldReaders)]
        );
        // skip: the key is neither read nor written any more.
        assert_eq!(
            edit("    pub age: u8,", "    #[serde(skip)]\n    pub age: u8,"),
            vec![(SC::FieldRemoved.to_string(), OldReaders)]
        );
        // skip_deserializing: new code ignores the stored key; nothing breaks a reader.
        assert_eq!(
            edit("    pub age: u8,", "    #[serde(skip_deserializing)]\n    pub age: u8,"),
            vec![]
        );
        // rename(deserialize = …) only: reads a new key, still writes the old one.
        assert_eq!(
            edit(
                "    pub name: String,",
                "    #[serde(rename(deserialize = \"full_name\"))]\n    pub name: String,"
            ),
            vec![(SC::FieldRenamed.to_string(), ReadsOldData)]
        );
        // from: the shape is another type's.
        assert_eq!(
            edit("pub struct A {", "#[serde(from = \"RawA\")]\npub struct A {"),
            vec![(SC::CustomCodecChanged.to_string(), Both)]
        );
        // container default: missing keys are filled, so a new field is not required.
        let with_default = base.replace("pub struct A {", "#[serde(default)]\npub struct A {");
        assert!(serde_changes(
            &with_default,
            &with_default.replace("    pub age: u8,\n", "    pub age: u8,\n    pub city: String,\n")
        )
        .is_empty());
    }

    #[test]
    fn more_enum_attributes() {
        let e = "#[derive(Serialize, Deserialize)]\n#[serde(tag = \"t\", content = \"c\")]\npub enum E {\n    A { x: i32 },\n    #[serde(other)]\n    Unknown,\n}\n";
        // The old enum has #[serde(other)]: a new variant does not break old readers.
        assert!(serde_changes(
            e,
            &e.replace("    #[serde(other)]", "    B { y: i32 },\n    #[serde(other)]")
        )
        .is_empty());
        // content key renamed: every stored value changes layout.
        assert_eq!(
            kinds(&serde_changes(e, &e.replace("content = \"c\"", "content = \"data\""))),
            vec![(SC::EnumReprChanged, Both)]
        );
        // rename_all_fields renames the fields of struct variants.
        let f = "#[derive(Serialize, Deserialize)]\npub enum F {\n    Move { dest_x: i32 },\n}\n";
        let got = serde_changes(
            f,
            &f.replace(
                "pub enum F {",
                "#[serde(rename_all_fields = \"camelCase\")]\npub enum F {",
            ),
        );
        assert_eq!(got.len(), 1, "{got:?}");
        // A variant alias keeps old data readable.
        let g = "#[derive(Serialize, Deserialize)]\npub enum G {\n    Old,\n}\n";
        assert_eq!(
            kinds(&serde_changes(
                g,
                &g.replace("    Old,", "    #[serde(alias = \"Old\")]\n    New,")
            )),
            vec![(SC::VariantRenamed, OldReaders)]
        );
    }

    #[test]
    fn string_to_enum_narrows() {
        let old = "#[derive(Serialize, Deserialize)]\npub struct O { pub status: String }\n";
        let new = "#[derive(Serialize, Deserialize)]\npub enum Status { Active }\n#[derive(Serialize, Deserialize)]\npub struct O { pub status: Status }\n";
        assert_eq!(kinds(&serde_changes(old, new)), vec![(SC::TypeNarrowed, ReadsOldData)]);
    }
}
