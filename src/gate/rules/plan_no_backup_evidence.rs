//! `plan-no-backup-evidence`: data is destroyed or rewritten and the plan names no backup.

use crate::code_rule;
use crate::gate::plan_doc::{re, PlanDoc};
use crate::model::Finding;
use regex::Regex;
use std::sync::OnceLock;

code_rule! {
    /// ## What it does
    /// Reports a plan for a change with an unmitigated destructive, data-rewrite or json-reshape
    /// finding that names no backup (a backup table, a dump file, a snapshot id, a
    /// point-in-time-recovery window) and does not say "irreversible: forward fix".
    ///
    /// ## Why is this risky?
    /// Without a copy of the data, the rollback steps have nothing to restore from.
    ///
    /// ## Example
    /// ```sql db/migrations/0042_drop_fax.sql
    /// ALTER TABLE customers DROP COLUMN fax;
    /// ```
    /// ```markdown ROLLBACK.md
    /// ## Backup
    /// We have backups.
    /// ```
    ///
    /// ## How to roll back
    /// Name the backup and where it is: `customers_fax_backup`, `s3://…/dump-2026-11-20.sql.gz`,
    /// `snap-0a1b2c`, or the PITR window.
    pub static PLAN_NO_BACKUP_EVIDENCE: "plan-no-backup-evidence", Gate, Medium, [Plan], gating = None;
}

/// `data_loss`: an active finding destroys or rewrites data; `text` is the plan's meaningful text.
pub fn check(plan: &PlanDoc, text: &str, data_loss: bool) -> Option<Finding> {
    static BACKUP: OnceLock<Regex> = OnceLock::new();
    static FORWARD: OnceLock<Regex> = OnceLock::new();
    if !data_loss {
        return None;
    }
    let backup = re(
        &BACKUP,
        r"(?i)(\b\w+_(backup|bak|copy|snapshot|old|archive)\b|\bbackup table\b|pg_dump|mysqldump|\.(sql|dump|csv|gz|tar|bak)\b|s3://|gs://|\bsnap-[0-9a-f]+|snapshot id|point[- ]in[- ]time|\bpitr\b)",
    );
    let forward = re(&FORWARD, r"(?i)irreversible\W+(\w+\W+){0,3}forward[- ]fix");
    let where_ = plan.section("backup").unwrap_or(text);
    (!backup.is_match(where_) && !forward.is_match(text)).then(|| {
        PLAN_NO_BACKUP_EVIDENCE
            .finding("data is destroyed or rewritten, and the plan names no backup (table, dump, snapshot id, PITR window) nor says \"irreversible: forward fix\"")
            .help("name the backup and where it is, or state that the change is irreversible and describe the forward fix")
    })
}

#[cfg(test)]
mod tests {
    use crate::gate::plan::testing::problems_for;

    #[test]
    fn we_have_backups_fires_and_a_named_dump_does_not() {
        assert!(problems_for("## Backup\nWe have backups.\n").contains(&"plan-no-backup-evidence".to_string()));
        assert!(
            !problems_for("## Backup\n`pg_dump --table=customers prod > customers.sql`\n")
                .contains(&"plan-no-backup-evidence".to_string())
        );
    }
}
