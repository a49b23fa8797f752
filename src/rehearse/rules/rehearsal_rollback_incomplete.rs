//! `rehearsal-rollback-incomplete`: after the rollback, the schema is not the base's.

use crate::code_rule;
use crate::model::Finding;
use crate::rehearse::Rehearsal;

code_rule! {
    /// ## What it does
    /// Compares the catalog after the down migrations with the base's: tables, columns,
    /// types, nullability, defaults, constraints and indexes left behind or not restored.
    ///
    /// ## Why is this risky?
    /// The rolled-back database is not the one the previous release was tested against: a
    /// leftover NOT NULL column breaks its inserts, a missing index slows it down, a leftover
    /// table makes the next deploy fail.
    ///
    /// ## Example
    /// ```sql migrations/2024-01-01-000000_users/up.sql (base)
    /// CREATE TABLE users (id bigint PRIMARY KEY, email text);
    /// ```
    /// ```sql migrations/2024-02-01-000000_email_index/up.sql
    /// CREATE UNIQUE INDEX users_email ON users (email);
    /// ```
    /// ```sql migrations/2024-02-01-000000_email_index/down.sql
    /// SELECT 1;
    /// ```
    /// ```console
    /// $ riskgate rehearse --base main
    /// ```
    ///
    /// ## How to roll back
    /// Have the down migration undo each statement of the up migration, in reverse order.
    pub static ROLLBACK_INCOMPLETE: "rehearsal-rollback-incomplete", Rehearsal, Medium, [Drift], gating = None;
}

pub fn check(r: &Rehearsal) -> Vec<Finding> {
    if r.rollback.schema_differences.is_empty() {
        return Vec::new();
    }
    let file = r
        .steps
        .first()
        .and_then(|s| s.down_file.clone().or_else(|| Some(s.up_file.clone())))
        .unwrap_or_default();
    let list = &r.rollback.schema_differences;
    let shown: Vec<&str> = list.iter().take(5).map(String::as_str).collect();
    let more = if list.len() > 5 {
        format!(" (and {} more)", list.len() - 5)
    } else {
        String::new()
    };
    vec![ROLLBACK_INCOMPLETE
        .finding(format!(
            "after the rollback the schema differs from the base: {}{more}",
            shown.join("; ")
        ))
        .at(&file, None)
        .help("undo each statement of the up migration in the down migration, in reverse order")]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rehearse::rules::testing::*;

    #[test]
    fn lists_what_differs() {
        let mut r = one_step();
        assert!(check(&r).is_empty());
        r.rollback
            .schema_differences
            .push("index left behind: CREATE UNIQUE INDEX users_email ON public.users USING btree (email)".into());
        let f = &check(&r)[0];
        assert_eq!(f.location(), "migrations/2_email/down.sql");
        assert!(f.message.contains("index left behind"), "{}", f.message);
    }
}
