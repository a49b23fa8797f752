//! The json-shape rules, one file each, named after the rule id.

pub mod api_type_changed;
pub mod json_column_contract_changed;
pub mod json_sample_shape_changed;
pub mod json_schema_changed;
pub mod serde_shape_changed;
