//! `migration-runs-dynamic-sql`: a `DO` block runs SQL built at run time.

use crate::analyzers::migration::context::{finding, Context};
use crate::analyzers::migration::ops::Op;
use crate::code_rule;
use crate::model::Finding;

code_rule! {
    /// ## What it does
    /// Finds SQL built at run time (`EXECUTE` in a PL/pgSQL `DO` block), which no static tool
    /// can read. The static statements of the block are still analysed.
    ///
    /// ## Why is this risky?
    /// Whatever the built statement does — drop, rewrite, lock — passes review unseen.
    ///
    /// ## Example
    /// ```sql
    /// DO $$ BEGIN EXECUTE format('DROP TABLE %I', 'events_' || to_char(now(), 'YYYY')); END $$;
    /// ```
    ///
    /// ## How to roll back
    /// Write the statements out, or list what they do in the rollback plan.
    pub static RUNS_DYNAMIC_SQL: "migration-runs-dynamic-sql", Migration, Medium, [], gating = None;
}

/// The finding for a `DO` block that runs `EXECUTE`d SQL; its statements are not read.
pub fn dynamic(ctx: &Context, op: &Op) -> Finding {
    let mut f = finding(
        &RUNS_DYNAMIC_SQL,
        ctx,
        op,
        "DO block runs SQL built at run time (EXECUTE): riskgate cannot analyse it".to_string(),
        "write the statements out, or list what they do in the rollback plan",
    );
    f.message = f.message.replace(
        " (sqlparser could not parse this statement; found by the token scan)",
        "",
    );
    f
}

#[cfg(test)]
mod tests {
    use crate::analyzers::migration::testing::run;

    #[test]
    fn dynamic_sql_in_do_blocks() {
        let got = run(&[(
            "db/migrations/1.sql",
            "DO $$\nBEGIN\n  EXECUTE format('DROP TABLE %I', 'x');\nEND\n$$;",
        )]);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].rule, "migration-runs-dynamic-sql");
        let got = run(&[("db/migrations/1.sql", "DO $$\nBEGIN\n  DELETE FROM sessions;\nEND\n$$;")]);
        assert_eq!(got[0].rule, "migration-deletes-all-rows");
        assert!(
            got.iter().all(|f| f.rule != "migration-runs-dynamic-sql"),
            "static SQL in a DO block is read, not reported as dynamic"
        );
    }
}
