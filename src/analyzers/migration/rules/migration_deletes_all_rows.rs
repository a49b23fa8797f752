//! `migration-deletes-all-rows`: a `DELETE` with no real filter.

use crate::analyzers::migration::context::{finding, Context, COPY_HELP};
use crate::analyzers::migration::ops::{Op, OpKind};
use crate::code_rule;
use crate::model::Finding;

code_rule! {
    /// ## What it does
    /// Finds `DELETE` without a real filter: no `WHERE`, or a tautology such as `WHERE 1 = 1`
    /// or `WHERE true`.
    ///
    /// ## Why is this risky?
    /// It removes every row, often by mistake (a lost `WHERE` in review), and nothing can bring
    /// them back but a backup.
    ///
    /// ## Example
    /// ```sql
    /// DELETE FROM sessions WHERE 1 = 1;
    /// ```
    ///
    /// ## How to roll back
    /// Copy the rows first; delete in bounded batches with a real condition.
    pub static DELETES_ALL_ROWS: "migration-deletes-all-rows", Migration, High, [Destructive], gating = DataLoss;
}

pub fn check(op: &Op, kind: &OpKind, ctx: &Context) -> Vec<Finding> {
    let OpKind::Delete { table, filter } = kind else {
        return Vec::new();
    };
    // The migration tool's own records are `migration-deletes-rows`' (bookkeeping, medium).
    if !filter.is_all_rows() || ctx.is_new_table(table) || Context::is_bookkeeping(table) {
        return Vec::new();
    }
    let how = if *filter == crate::analyzers::migration::ops::Filter::None {
        "has no WHERE"
    } else {
        "has a WHERE that is always true"
    };
    let f = finding(
        &DELETES_ALL_ROWS,
        ctx,
        op,
        format!("DELETE FROM {table} {how}: every row is removed"),
        COPY_HELP,
    );
    vec![ctx.judge_backup_of_every_row(f, table, op.line)]
}

#[cfg(test)]
mod tests {
    use crate::analyzers::migration::testing::{rules, run};

    #[test]
    fn delete_needs_a_real_filter() {
        assert_eq!(rules("DELETE FROM sessions;"), vec!["migration-deletes-all-rows"]);
        assert_eq!(
            rules("DELETE FROM sessions WHERE 1 = 1;"),
            vec!["migration-deletes-all-rows"]
        );
        assert_eq!(
            rules("DELETE FROM sessions WHERE true;"),
            vec!["migration-deletes-all-rows"]
        );
        // A real filter is the narrower rule's: the rows it matches are still gone.
        assert_eq!(
            rules("DELETE FROM sessions WHERE expires_at < now();"),
            vec!["migration-deletes-rows"]
        );
    }

    #[test]
    fn inside_a_do_block_it_is_found_by_the_token_scan() {
        let got = run(&[("db/migrations/1.sql", "DO $$\nBEGIN\n  DELETE FROM sessions;\nEND\n$$;")]);
        assert_eq!(got[0].rule, "migration-deletes-all-rows");
        assert!(got[0].message.contains("found by the token scan"), "{}", got[0].message);
    }
}
