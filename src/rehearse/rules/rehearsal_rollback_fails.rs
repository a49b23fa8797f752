//! `rehearsal-rollback-fails`: a down migration fails after its up migration ran.

use super::{failure, judge_rows};
use crate::code_rule;
use crate::model::Finding;
use crate::rehearse::Rehearsal;

code_rule! {
    /// ## What it does
    /// After the change's up migrations ran on the rehearsal database, runs their down
    /// migrations, last first, and reports the one that fails.
    ///
    /// ## Why is this risky?
    /// The down migration is the rollback most plans count on. One that fails is found in the
    /// middle of an incident, when the rollback is needed.
    ///
    /// ## Example
    /// ```sql migrations/2024-01-01-000000_users/up.sql (base)
    /// CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL);
    /// ```
    /// ```sql migrations/2024-01-01-000000_users/down.sql (base)
    /// DROP TABLE users;
    /// ```
    /// ```sql migrations/2024-02-01-000000_email/up.sql
    /// ALTER TABLE users ADD COLUMN email text;
    /// ```
    /// ```sql migrations/2024-02-01-000000_email/down.sql
    /// ALTER TABLE users DROP COLUMN mail;
    /// ```
    /// ```console
    /// $ riskgate rehearse --base main
    /// ```
    ///
    /// ## How to roll back
    /// Fix the down migration until the rehearsal runs it; until then the plan's rollback
    /// steps must not rely on it.
    pub static ROLLBACK_FAILS: "rehearsal-rollback-fails", Rehearsal, High, [Irreversible], gating = None;
}

pub fn check(r: &Rehearsal) -> Vec<Finding> {
    r.steps
        .iter()
        .filter_map(|step| {
            let failed = failure(&step.down)?;
            let (error, statement, line) = (&failed.error, failed.statement.clone(), failed.line);
            let file = step.down_file.as_deref().unwrap_or(&step.up_file);
            let found = ROLLBACK_FAILS
                .finding(format!("the rollback {file} fails after {} ran: {error}", step.up_file))
                .at(file, Some(line))
                .evidence(statement)
                .help("make the down migration undo exactly what the up migration did; rehearse again");
            Some(judge_rows(found, &failed))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rehearse::rules::testing::*;

    #[test]
    fn names_the_down_file_and_the_error() {
        let mut r = one_step();
        assert!(check(&r).is_empty());
        r.steps[0].down = failed("column \"mail\" of relation \"users\" does not exist");
        let f = &check(&r)[0];
        assert_eq!(f.location(), "migrations/2_email/down.sql:2");
        assert!(
            f.message.contains("after migrations/2_email/up.sql ran"),
            "{}",
            f.message
        );
    }
}
