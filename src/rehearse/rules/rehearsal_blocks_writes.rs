//! `rehearsal-blocks-writes`: the migration held a lock that makes writers wait.

use super::{at_production, duration};
use crate::code_rule;
use crate::model::Finding;
use crate::rehearse::Rehearsal;

code_rule! {
    /// ## What it does
    /// Reads `pg_locks` for the migration's own connection while its transaction is still open
    /// (or while a statement that runs outside a transaction is running), and reports each
    /// table it held in a mode that blocks writes while it read every row or rewrote the
    /// table (`pg_stat_xact_user_tables`, `relfilenode`): the mode, the statement that took
    /// it, how long it was held on the rehearsal's rows and, with
    /// `[rehearse.production_rows]`, an estimate at production size. A lock for a change to
    /// the catalog alone (a nullable column added, a column dropped) is momentary at any size
    /// and is not reported.
    ///
    /// ## Why is this risky?
    /// While the lock is held every `INSERT`, `UPDATE` and `DELETE` on the table waits (with
    /// `ACCESS EXCLUSIVE`, every read too), and requests queue behind it.
    ///
    /// ## Example
    /// ```sql migrations/2024-01-01-000000_users/up.sql (base)
    /// CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);
    /// ```
    /// ```sql migrations/2024-02-01-000000_email_index/up.sql
    /// CREATE INDEX users_email ON users (email);
    /// ```
    /// ```sql migrations/2024-02-01-000000_email_index/down.sql
    /// DROP INDEX users_email;
    /// ```
    /// ```console
    /// $ riskgate rehearse --base main
    /// ```
    ///
    /// ## How to roll back
    /// Nothing to undo once it finished; to avoid the wait, build indexes `CONCURRENTLY` and
    /// add constraints `NOT VALID` then `VALIDATE` them.
    pub static BLOCKS_WRITES: "rehearsal-blocks-writes", Rehearsal, Medium, [Locking], gating = None;
}

pub fn check(r: &Rehearsal) -> Vec<Finding> {
    let mut out = Vec::new();
    for step in &r.steps {
        for lock in step.locks.iter().filter(|l| l.blocks_writes && l.scans_table) {
            let blocked = if lock.blocks_reads {
                "reads and writes"
            } else {
                "writes"
            };
            let mut f = BLOCKS_WRITES
                .finding(format!(
                    "{} holds {} on {}, which blocks {blocked}, while it reads every row: {}{}",
                    step.up_file,
                    lock.mode,
                    lock.relation,
                    duration(lock.held_ms),
                    at_production(lock.estimated_production_ms)
                ))
                .at(&step.up_file, Some(lock.line))
                .help("build indexes CONCURRENTLY, add constraints NOT VALID and VALIDATE them later, or run it when writes can wait");
            f.target = Some(lock.relation.clone());
            out.push(f);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rehearse::rules::testing::*;
    use crate::rehearse::LockHeld;

    #[test]
    fn reports_write_blocking_modes_only() {
        let mut r = one_step();
        let lock = |mode: &str, writes: bool| LockHeld {
            relation: "users".into(),
            mode: mode.into(),
            held_ms: 12.0,
            blocks_writes: writes,
            blocks_reads: false,
            scans_table: true,
            line: 1,
            estimated_production_ms: Some(480_000.0),
        };
        r.steps[0].locks = vec![lock("ShareUpdateExclusiveLock", false)];
        assert!(check(&r).is_empty());
        r.steps[0].locks.push(lock("ShareLock", true));
        let f = &check(&r)[0];
        assert_eq!(
            f.message,
            "migrations/2_email/up.sql holds ShareLock on users, which blocks writes, while it reads every row: 12 ms, about 480.0 s at production size"
        );
        r.steps[0].locks[1].scans_table = false;
        assert!(check(&r).is_empty());
    }
}
