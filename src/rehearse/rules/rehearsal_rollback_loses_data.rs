//! `rehearsal-rollback-loses-data`: after the rollback, a column's values or a table's rows
//! are not what they were.

use crate::code_rule;
use crate::model::{Finding, Severity};
use crate::rehearse::Rehearsal;

code_rule! {
    /// ## What it does
    /// Takes a checksum of every column's values before the change, runs the up migrations
    /// and then the down migrations, and compares: rows that do not come back, a column that
    /// comes back empty, with one value in every row (a default) or not at all is reported at
    /// high. Values the down migration recomputes (from another table) that differ on the
    /// rehearsal's synthetic rows are reported at medium: real data may hold what they are
    /// recomputed from. When the change or the plan's Backup section kept the values in
    /// another table (same values, checked), the finding is mitigated and says where.
    ///
    /// ## Why is this risky?
    /// A down migration that re-creates a dropped column restores the schema, not the data:
    /// the rollback "works" and the values are gone.
    ///
    /// ## Example
    /// ```sql migrations/2024-01-01-000000_users/up.sql (base)
    /// CREATE TABLE users (id bigint PRIMARY KEY, fax text);
    /// ```
    /// ```sql migrations/2024-02-01-000000_drop_fax/up.sql
    /// ALTER TABLE users DROP COLUMN fax;
    /// ```
    /// ```sql migrations/2024-02-01-000000_drop_fax/down.sql
    /// ALTER TABLE users ADD COLUMN fax text;
    /// ```
    /// ```console
    /// $ riskgate rehearse --base main
    /// ```
    ///
    /// ## How to roll back
    /// Copy the values first (`CREATE TABLE users_fax AS SELECT id, fax FROM users`) and have
    /// the down migration restore them from the copy.
    pub static ROLLBACK_LOSES_DATA: "rehearsal-rollback-loses-data", Rehearsal, High, [Destructive, Irreversible], gating = DataLoss;
}

pub fn check(r: &Rehearsal) -> Vec<Finding> {
    let mut out = Vec::new();
    for lost in &r.rollback.lost {
        let file = lost
            .down_file
            .clone()
            .or_else(|| r.steps.first().map(|s| s.up_file.clone()))
            .unwrap_or_default();
        let mut f = ROLLBACK_LOSES_DATA
            .finding(format!("the rollback does not bring back {}: {}", lost.what, lost.detail))
            .at(&file, None)
            .help("copy the values before the change and restore them in the down migration, or state in the plan that this is irreversible and how to fix forward");
        f.target = Some(lost.what.clone());
        if !lost.certain {
            f.severity = Severity::Medium;
        }
        if let Some(kept) = r
            .backups
            .iter()
            .find(|b| b.column == lost.what)
            .and_then(|b| b.kept_in.as_ref().map(|k| (k, b.from_plan)))
        {
            let by = if kept.1 { "the plan's backup" } else { "the change" };
            f.message
                .push_str(&format!(" (its values are kept in {} by {by}: checked)", kept.0));
            f.mitigated_by = vec!["backup".to_string()];
            f.severity = Severity::Info;
        }
        out.push(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rehearse::rules::testing::*;
    use crate::rehearse::{BackupCheck, DataLost};

    #[test]
    fn a_checked_copy_mitigates() {
        let mut r = one_step();
        assert!(check(&r).is_empty());
        r.rollback.lost.push(DataLost {
            what: "users.fax".into(),
            detail: "1000 values before; the column comes back empty".into(),
            certain: true,
            down_file: Some("migrations/2_email/down.sql".into()),
        });
        let f = &check(&r)[0];
        assert_eq!(f.severity, Severity::High);
        assert_eq!(f.location(), "migrations/2_email/down.sql");
        r.rollback.lost[0].certain = false;
        assert_eq!(check(&r)[0].severity, Severity::Medium);
        r.backups.push(BackupCheck {
            column: "users.fax".into(),
            values: 1000,
            kept_in: Some("users_fax.fax".into()),
            from_plan: false,
        });
        let f = &check(&r)[0];
        assert_eq!(f.severity, Severity::Info);
        assert!(
            f.message
                .ends_with("(its values are kept in users_fax.fax by the change: checked)"),
            "{}",
            f.message
        );
    }
}
