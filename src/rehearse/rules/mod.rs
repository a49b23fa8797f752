//! The rehearsal's rules: each turns one kind of measurement into findings.

pub mod rehearsal_blocks_writes;
pub mod rehearsal_not_rerunnable;
pub mod rehearsal_rewrites_table;
pub mod rehearsal_rollback_fails;
pub mod rehearsal_rollback_incomplete;
pub mod rehearsal_rollback_loses_data;
pub mod rehearsal_up_fails;

use super::{Outcome, Rehearsal};
use crate::model::Finding;

/// Every finding the rehearsal's measurements give, in the order of the steps.
pub fn findings(r: &Rehearsal) -> Vec<Finding> {
    let mut out = Vec::new();
    out.extend(rehearsal_up_fails::check(r));
    out.extend(rehearsal_blocks_writes::check(r));
    out.extend(rehearsal_rewrites_table::check(r));
    out.extend(rehearsal_rollback_fails::check(r));
    out.extend(rehearsal_rollback_loses_data::check(r));
    out.extend(rehearsal_rollback_incomplete::check(r));
    out.extend(rehearsal_not_rerunnable::check(r));
    out
}

/// A failed file: the database's error, the statement, its line, and whether the error is
/// about the synthetic rows rather than the schema.
pub struct Failure {
    pub error: String,
    pub statement: String,
    pub line: u32,
    pub on_rows: bool,
}

pub fn failure(outcome: &Outcome) -> Option<Failure> {
    match outcome {
        Outcome::Failed {
            error,
            statement,
            line,
            on_rows,
        } => Some(Failure {
            error: error.clone(),
            statement: statement.clone(),
            line: *line,
            on_rows: *on_rows,
        }),
        _ => None,
    }
}

/// A failure about rows is measured on synthetic ones: a hint (medium) that says so.
pub fn judge_rows(mut f: Finding, failed: &Failure) -> Finding {
    if failed.on_rows && f.severity > crate::model::Severity::Medium {
        f.severity = crate::model::Severity::Medium;
        f.gating = None;
        f.message
            .push_str(" (on the rehearsal's synthetic rows: check whether real rows can fail the same way)");
    }
    f
}

/// `1234.5` ms as `1.2 s` or `12 ms`.
pub fn duration(ms: f64) -> String {
    if ms >= 1000.0 {
        format!("{:.1} s", ms / 1000.0)
    } else if ms >= 10.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{ms:.1} ms")
    }
}

/// ", about 40 s at production size" when `[rehearse.production_rows]` names the table.
pub fn at_production(estimate: Option<f64>) -> String {
    estimate.map_or_else(String::new, |ms| format!(", about {} at production size", duration(ms)))
}

#[cfg(test)]
pub mod testing {
    use crate::rehearse::*;

    pub fn applied() -> Outcome {
        Outcome::Applied { elapsed_ms: 3.0 }
    }

    pub fn failed(error: &str) -> Outcome {
        Outcome::Failed {
            error: error.into(),
            statement: "ALTER TABLE users ADD COLUMN email text".into(),
            line: 2,
            on_rows: false,
        }
    }

    /// One step, applied, with a down file.
    pub fn one_step() -> Rehearsal {
        Rehearsal {
            steps: vec![StepReport {
                version: "2".into(),
                up_file: "migrations/2_email/up.sql".into(),
                down_file: Some("migrations/2_email/down.sql".into()),
                up: applied(),
                down: applied(),
                rerun: applied(),
                ..StepReport::default()
            }],
            rollback: RollbackReport {
                rehearsed: true,
                ..RollbackReport::default()
            },
            ..Rehearsal::default()
        }
    }
}
