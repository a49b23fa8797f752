//! The migration rules, one file each, named after the rule id. Each `check` reads one op
//! against the file's context and returns its findings; the order here is the order findings
//! of one statement are reported in.

pub mod applied_migration_edited;
pub mod migration_adds_required_column;
pub mod migration_adds_volatile_default;
pub mod migration_backfills_in_code;
pub mod migration_changes_column_type;
pub mod migration_checksum_changed;
pub mod migration_creates_index_without_concurrently;
pub mod migration_deletes_all_rows;
pub mod migration_deletes_rows;
pub mod migration_does_not_parse;
pub mod migration_drops_column;
pub mod migration_drops_schema;
pub mod migration_drops_table;
pub mod migration_rebuilds_table;
pub mod migration_removes_json_key;
pub mod migration_renames_column;
pub mod migration_renames_table;
pub mod migration_reshapes_json;
pub mod migration_rewrites_all_rows;
pub mod migration_rewrites_rows;
pub mod migration_rollback_missing;
pub mod migration_runs_dynamic_sql;
pub mod migration_sets_not_null;
pub mod migration_truncates_table;
pub mod migration_validates_constraint_inline;

use super::context::Context;
use super::ops::{Op, OpKind};
use crate::model::Finding;

/// A rule's judgement of one statement.
type OpCheck = fn(&Op, &OpKind, &Context) -> Vec<Finding>;

/// The rules that judge one statement, in reporting order.
const OP_CHECKS: &[OpCheck] = &[
    migration_drops_table::check,
    migration_drops_schema::check,
    migration_drops_column::check,
    migration_truncates_table::check,
    migration_deletes_all_rows::check,
    migration_deletes_rows::check,
    migration_rebuilds_table::check,
    migration_rewrites_all_rows::check,
    migration_rewrites_rows::check,
    migration_reshapes_json::check,
    migration_removes_json_key::check,
    migration_backfills_in_code::check,
    migration_creates_index_without_concurrently::check,
    migration_validates_constraint_inline::check,
    migration_adds_volatile_default::check,
    migration_changes_column_type::check,
    migration_renames_column::check,
    migration_renames_table::check,
    migration_adds_required_column::check,
    migration_sets_not_null::check,
];

/// Every op rule's findings for one statement.
pub fn check_op(op: &Op, kind: &OpKind, ctx: &Context) -> Vec<Finding> {
    OP_CHECKS.iter().flat_map(|check| check(op, kind, ctx)).collect()
}
