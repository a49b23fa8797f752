//! The untested rules, one file each, named after the rule id.

pub mod coverage_report_stale;
pub mod coverage_unmeasured;
pub mod test_assertions_removed;
pub mod test_disabled;
pub mod test_removed;
pub mod uncovered_lines_changed;
pub mod untested_file_changed;
pub mod untested_function_changed;
