//! `rehearsal-rewrites-table`: the migration rewrote a table (new storage in `pg_class`).

use super::{at_production, duration};
use crate::code_rule;
use crate::model::Finding;
use crate::rehearse::Rehearsal;

code_rule! {
    /// ## What it does
    /// Compares each table's `pg_class.relfilenode` before and after the migration: a new
    /// storage file means PostgreSQL rewrote every row (a type change that is not binary
    /// compatible, a volatile default, `VACUUM FULL`, `CLUSTER`). A static finding that
    /// predicted a rewrite the rehearsal did not see is downgraded in `check`.
    ///
    /// ## Why is this risky?
    /// A rewrite holds `ACCESS EXCLUSIVE` for as long as it takes to copy the table and its
    /// indexes: on a large table, minutes of downtime, and twice the disk.
    ///
    /// ## Example
    /// ```sql migrations/2024-01-01-000000_users/up.sql (base)
    /// CREATE TABLE users (id bigint PRIMARY KEY, visits int NOT NULL);
    /// ```
    /// ```sql migrations/2024-02-01-000000_visits/up.sql
    /// ALTER TABLE users ALTER COLUMN visits TYPE bigint;
    /// ```
    /// ```sql migrations/2024-02-01-000000_visits/down.sql
    /// ALTER TABLE users ALTER COLUMN visits TYPE int;
    /// ```
    /// ```console
    /// $ riskgate rehearse --base main
    /// ```
    ///
    /// ## How to roll back
    /// Add a new column, backfill it in batches, and switch over; or accept the downtime in a
    /// maintenance window.
    pub static REWRITES_TABLE: "rehearsal-rewrites-table", Rehearsal, Medium, [Locking], gating = None;
}

pub fn check(r: &Rehearsal) -> Vec<Finding> {
    let mut out = Vec::new();
    for step in &r.steps {
        for rewrite in &step.rewrites {
            let mut f = REWRITES_TABLE
                .finding(format!(
                    "{} rewrote {} ({} rows in {}{})",
                    step.up_file,
                    rewrite.table,
                    rewrite.rows,
                    duration(rewrite.statement_ms),
                    at_production(rewrite.estimated_production_ms)
                ))
                .at(&step.up_file, Some(rewrite.line))
                .help("add a column, backfill it in batches and switch over, or plan the downtime");
            f.target = Some(rewrite.table.clone());
            out.push(f);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rehearse::rules::testing::*;
    use crate::rehearse::Rewrite;

    #[test]
    fn names_the_table_and_its_rows() {
        let mut r = one_step();
        assert!(check(&r).is_empty());
        r.steps[0].rewrites.push(Rewrite {
            table: "users".into(),
            rows: 1000,
            line: 2,
            statement_ms: 25.0,
            estimated_production_ms: None,
        });
        let f = &check(&r)[0];
        assert_eq!(
            f.message,
            "migrations/2_email/up.sql rewrote users (1000 rows in 25 ms)"
        );
        assert_eq!(f.location(), "migrations/2_email/up.sql:2");
    }
}
