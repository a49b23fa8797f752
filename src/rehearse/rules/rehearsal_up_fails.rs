//! `rehearsal-up-fails`: an up migration fails on a database at the base's schema.

use super::{failure, judge_rows};
use crate::code_rule;
use crate::model::Finding;
use crate::rehearse::Rehearsal;

code_rule! {
    /// ## What it does
    /// Applies the change's up migrations to a throwaway PostgreSQL database brought to the
    /// base's schema and filled with synthetic rows, and reports the one that fails, with the
    /// database's error and the statement.
    ///
    /// ## Why is this risky?
    /// The deploy runs the same SQL against the same schema: it fails there too, and a
    /// migration that runs outside a transaction leaves the statements before the failing one
    /// applied.
    ///
    /// ## Example
    /// ```sql migrations/2024-01-01-000000_users/up.sql (base)
    /// CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL);
    /// ```
    /// ```sql migrations/2024-01-01-000000_users/down.sql (base)
    /// DROP TABLE users;
    /// ```
    /// ```sql migrations/2024-02-01-000000_owner/up.sql
    /// ALTER TABLE users ADD COLUMN owner_id bigint REFERENCES accounts (id);
    /// ```
    /// ```console
    /// $ riskgate rehearse --base main
    /// ```
    ///
    /// ## How to roll back
    /// Nothing ran in production yet: fix the migration (the error names the statement) and
    /// rehearse again.
    pub static UP_FAILS: "rehearsal-up-fails", Rehearsal, High, [Breaking], gating = BrokenContract;
}

pub fn check(r: &Rehearsal) -> Vec<Finding> {
    r.steps
        .iter()
        .filter_map(|step| {
            let failed = failure(&step.up)?;
            let (error, statement, line) = (&failed.error, failed.statement.clone(), failed.line);
            let found = UP_FAILS
                .finding(format!("{} fails on the base's schema: {error}", step.up_file))
                .at(&step.up_file, Some(line))
                .evidence(statement)
                .help("fix the statement the error names; the rehearsal ran it on a copy of the base's schema with synthetic rows");
            Some(judge_rows(found, &failed))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rehearse::rules::testing::*;
    use crate::rehearse::Outcome;

    #[test]
    fn names_the_file_the_statement_and_the_error() {
        let mut r = one_step();
        assert!(check(&r).is_empty());
        r.steps[0].up = failed("relation \"accounts\" does not exist");
        let f = &check(&r)[0];
        assert_eq!(f.rule, "rehearsal-up-fails");
        assert_eq!(f.location(), "migrations/2_email/up.sql:2");
        assert!(
            f.message.ends_with("relation \"accounts\" does not exist"),
            "{}",
            f.message
        );
        assert_eq!(f.severity, crate::model::Severity::High);
    }

    #[test]
    fn a_refusal_of_the_synthetic_rows_is_a_hint() {
        let mut r = one_step();
        r.steps[0].up = Outcome::Failed {
            error: "null value in column \"prefs\" of relation \"users\" violates not-null constraint".into(),
            statement: "UPDATE users SET prefs = jsonb_set(prefs, '{theme}', prefs->'color')".into(),
            line: 2,
            on_rows: true,
        };
        let f = &check(&r)[0];
        assert_eq!((f.severity, f.gating), (crate::model::Severity::Medium, None));
        assert!(f
            .message
            .ends_with("(on the rehearsal's synthetic rows: check whether real rows can fail the same way)"));
    }
}
