//! `migration-rewrites-rows`: an `UPDATE` with a real filter overwrites the values of the
//! rows it picks.

use crate::analyzers::migration::context::{finding, Context};
use crate::analyzers::migration::ops::{Filter, Op, OpKind};
use crate::code_rule;
use crate::model::Finding;
use regex::Regex;
use std::sync::OnceLock;

code_rule! {
    /// ## What it does
    /// Finds an `UPDATE` of columns that existed before the change, filtered by a real
    /// condition (`WHERE theme = 'browser'`, `WHERE author_id = 0`): every row that matches
    /// loses its old value. A single row by its id (`WHERE id = 1`), a bounded batch, and
    /// columns or tables the change adds are left out; an `UPDATE` of every row is
    /// `migration-rewrites-all-rows`.
    ///
    /// ## Why is this risky?
    /// The old values are gone once the migration commits. A down migration that sets them
    /// back by the new value cannot tell the rows that held it before from those the update
    /// changed.
    ///
    /// ## Example
    /// ```sql
    /// UPDATE local_user SET theme = 'instance' WHERE theme = 'browser';
    /// ```
    ///
    /// ## How to roll back
    /// Copy the ids and old values of the rows you change into a table first; the down
    /// migration restores them from it.
    pub static REWRITES_ROWS: "migration-rewrites-rows", Migration, Medium, [DataRewrite], gating = DataRewrite;
}

pub fn check(op: &Op, kind: &OpKind, ctx: &Context) -> Vec<Finding> {
    let OpKind::Update {
        table,
        columns,
        filter,
        json,
    } = kind
    else {
        return Vec::new();
    };
    let existing: Vec<&String> = columns.iter().filter(|c| !ctx.is_new_column(table, c)).collect();
    if *filter != Filter::Real || !json.is_empty() || ctx.is_new_table(table) || existing.is_empty() {
        return Vec::new();
    }
    if picks_one_row_by_id(&op.statement) || fills_only_nulls(&op.statement, table, &existing) {
        return Vec::new();
    }
    let names: Vec<&str> = existing.iter().map(|c| c.as_str()).collect();
    let f = finding(
        &REWRITES_ROWS,
        ctx,
        op,
        format!(
            "UPDATE {table} SET {} overwrites the values of every row its WHERE picks",
            names.join(", ")
        ),
        "copy the ids and old values of the rows you change first, so that the down migration can restore them",
    );
    let column = (existing.len() == 1).then(|| existing[0].as_str());
    vec![ctx.judge_backup(f, table, column, op.line)]
}

/// `WHERE id = 7` (or `id IN (1, 2)`) and nothing else: a hand fix of known rows, not a
/// bulk rewrite.
fn picks_one_row_by_id(statement: &str) -> bool {
    static BY_ID: OnceLock<Regex> = OnceLock::new();
    let by_id = BY_ID.get_or_init(|| {
        // Literals only: `id = parent_id` or `id IN (SELECT …)` pick any number of rows.
        Regex::new(r"(?is)\bwhere\s+(?:\w+\.)?id\s*(?:=\s*(?:\d+|'[^']*')|in\s*\(\s*(?:\d+|'[^']*')(?:\s*,\s*(?:\d+|'[^']*'))*\s*\))\s*;?\s*$")
            .expect("a valid pattern")
    });
    by_id.is_match(statement.trim())
}

/// `WHERE reason IS NULL` for every column it sets (`= NULL`, which picks no row, too): it
/// fills values that were empty, and loses none.
fn fills_only_nulls(statement: &str, table: &str, columns: &[&String]) -> bool {
    let lower = statement.to_lowercase();
    // One WHERE, of the UPDATE itself: a subquery's or a joined table's test says nothing.
    if lower.matches(" where ").count() != 1 || lower.contains(" from ") || lower.contains("select") {
        return false;
    }
    let Some((_, condition)) = lower.split_once(" where ") else {
        return false;
    };
    let condition = condition.trim().trim_end_matches(';').trim();
    let table = table.to_lowercase();
    let parts: Vec<&str> = condition.split(" and ").map(str::trim).collect();
    let null_test = |part: &str, column: &str| {
        let part = part.trim_matches(|c| c == '(' || c == ')').trim();
        // A qualified name counts only for the updated table.
        let part = match part.split_once('.') {
            Some((q, p)) if q == table => p,
            Some(_) => return false,
            None => part,
        };
        part.strip_prefix(column)
            .is_some_and(|rest| matches!(rest.trim(), "is null" | "= null"))
    };
    !columns.is_empty()
        && columns
            .iter()
            .all(|c| parts.iter().any(|p| null_test(p, &c.to_lowercase())))
        && parts
            .iter()
            .all(|p| columns.iter().any(|c| null_test(p, &c.to_lowercase())))
}

#[cfg(test)]
mod tests {
    use crate::analyzers::migration::testing::{rules, run};

    #[test]
    fn filtered_updates_of_existing_columns_fire() {
        assert_eq!(
            rules("UPDATE local_user SET theme = 'instance' WHERE theme = 'browser';"),
            vec!["migration-rewrites-rows"]
        );
        assert_eq!(
            rules("UPDATE messages SET author_user_id = NULL WHERE author_user_id = 0;"),
            vec!["migration-rewrites-rows"]
        );
    }

    #[test]
    fn one_row_by_id_new_columns_batches_and_every_row_do_not() {
        assert!(rules("UPDATE site SET name = 'x' WHERE id = 1;").is_empty());
        assert!(rules("UPDATE site SET name = 'x' WHERE id IN (1, 2);").is_empty());
        // A subquery or a column picks any number of rows.
        assert_eq!(
            rules("UPDATE users SET role = 'user' WHERE id IN (SELECT user_id FROM bans);"),
            vec!["migration-rewrites-rows"]
        );
        assert_eq!(
            rules("UPDATE comment SET depth = 0 WHERE id = parent_id;"),
            vec!["migration-rewrites-rows"]
        );
        assert!(
            rules("ALTER TABLE post ADD COLUMN score int;\nUPDATE post SET score = 0 WHERE score IS NULL;")
                .iter()
                .all(|r| r != "migration-rewrites-rows")
        );
        assert!(rules("UPDATE post SET score = 0 WHERE id BETWEEN 1 AND 1000;").is_empty());
        // Filling empty values loses none; `= NULL` picks no row at all.
        assert!(rules("UPDATE admin_ban SET reason = 'No reason given' WHERE reason IS NULL;").is_empty());
        assert!(rules("UPDATE admin_ban SET reason = 'No reason given' WHERE admin_ban.reason = NULL;").is_empty());
        assert_eq!(
            rules("UPDATE admin_ban SET reason = 'x', expires = now() WHERE reason IS NULL;"),
            vec!["migration-rewrites-rows"],
            "expires is overwritten wherever reason is empty"
        );
        assert_eq!(
            rules("UPDATE admin_ban SET reason = 'x' WHERE reason IS NULL OR reason = '';"),
            vec!["migration-rewrites-rows"]
        );
        assert_eq!(
            rules("UPDATE admin_ban SET reason = 'x' WHERE reason_code IS NULL;"),
            vec!["migration-rewrites-rows"]
        );
        // Another table's empty value, or a subquery's, is no test of the values overwritten.
        assert_eq!(
            rules("UPDATE admin_ban SET reason = o.reason FROM other o WHERE o.reason IS NULL;"),
            vec!["migration-rewrites-rows"]
        );
        assert_eq!(
            rules("UPDATE admin_ban SET reason = 'x' WHERE id IN (SELECT id FROM other WHERE reason IS NULL);"),
            vec!["migration-rewrites-rows"]
        );
        assert_eq!(rules("UPDATE post SET score = 0;"), vec!["migration-rewrites-all-rows"]);
    }

    #[test]
    fn a_copy_of_the_rows_first_mitigates() {
        let f = run(&[(
            "db/migrations/1.sql",
            "CREATE TABLE local_user_theme_backup AS SELECT id, theme FROM local_user;\nUPDATE local_user SET theme = 'instance' WHERE theme = 'browser';",
        )]);
        let rewrite: Vec<_> = f.iter().filter(|f| f.rule == "migration-rewrites-rows").collect();
        assert_eq!(rewrite.len(), 1);
        assert_eq!(rewrite[0].mitigated_by, vec!["backup"]);
    }
}
