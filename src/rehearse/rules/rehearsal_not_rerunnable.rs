//! `rehearsal-not-rerunnable`: after the rollback, the up migration cannot run again.

use super::{failure, judge_rows};
use crate::code_rule;
use crate::model::Finding;
use crate::rehearse::Rehearsal;

code_rule! {
    /// ## What it does
    /// After the rollback, applies the change's up migrations again (a deploy rolled back and
    /// retried) and reports the one that fails.
    ///
    /// ## Why is this risky?
    /// A down migration that leaves something behind (a table, a type, an index) makes the
    /// next deploy fail: the rollback worked, the fix cannot ship.
    ///
    /// ## Example
    /// ```sql migrations/2024-01-01-000000_users/up.sql (base)
    /// CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL);
    /// ```
    /// ```sql migrations/2024-01-01-000000_users/down.sql (base)
    /// DROP TABLE users;
    /// ```
    /// ```sql migrations/2024-02-01-000000_audit/up.sql
    /// CREATE TABLE audit (id bigint PRIMARY KEY);
    /// ```
    /// ```sql migrations/2024-02-01-000000_audit/down.sql
    /// SELECT 1;
    /// ```
    /// ```console
    /// $ riskgate rehearse --base main
    /// ```
    ///
    /// ## How to roll back
    /// Make the down migration remove what the up migration creates, or the up migration
    /// idempotent (`IF NOT EXISTS`).
    pub static NOT_RERUNNABLE: "rehearsal-not-rerunnable", Rehearsal, Medium, [Drift], gating = None;
}

pub fn check(r: &Rehearsal) -> Vec<Finding> {
    r.steps
        .iter()
        .filter_map(|step| {
            let failed = failure(&step.rerun)?;
            let (error, statement, line) = (&failed.error, failed.statement.clone(), failed.line);
            let found = NOT_RERUNNABLE
                .finding(format!("{} cannot run again after its rollback: {error}", step.up_file))
                .at(&step.up_file, Some(line))
                .evidence(statement)
                .help("have the down migration remove what the up migration creates, or guard the statement (IF NOT EXISTS)");
            Some(judge_rows(found, &failed))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rehearse::rules::testing::*;

    #[test]
    fn fires_when_the_second_run_fails() {
        let mut r = one_step();
        assert!(check(&r).is_empty());
        r.steps[0].rerun = failed("relation \"audit\" already exists");
        assert_eq!(check(&r)[0].rule, "rehearsal-not-rerunnable");
    }
}
