//! The plan rules, one file each, named after the rule id: what makes a rollback plan not
//! real. `plan.rs` runs them in order over the plan document.

pub mod plan_missing_section;
pub mod plan_no_backup_evidence;
pub mod plan_no_owner;
pub mod plan_no_verification;
pub mod plan_only_revert;
pub mod plan_placeholder;
pub mod plan_template_unchanged;
pub mod plan_too_thin;
pub mod plan_uncovered_change;
