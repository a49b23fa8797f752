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

/// The database's error and the statement, for a failed file.
pub fn failure(outcome: &Outcome) -> Option<(String, String, u32)> {
    match outcome {
        Outcome::Failed { error, statement, line } => Some((error.clone(), statement.clone(), *line)),
        _ => None,
    }
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
