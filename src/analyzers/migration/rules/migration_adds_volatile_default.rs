//! `migration-adds-volatile-default`: a new column whose default rewrites the table.

use crate::analyzers::migration::context::{finding, Context};
use crate::analyzers::migration::ops::{Op, OpKind};
use crate::code_rule;
use crate::model::Finding;

code_rule! {
    /// ## What it does
    /// Finds a new column on an existing table whose default is volatile: `random()`,
    /// `gen_random_uuid()`, `clock_timestamp()`, `nextval(…)`. A constant default, and the
    /// transaction's time (`now()`, `CURRENT_TIMESTAMP`, which are stable), is stored once in
    /// the catalog on PostgreSQL 11 and later; on other databases the time is reported too.
    ///
    /// ## Why is this risky?
    /// A volatile default is computed per row, so PostgreSQL rewrites the whole table under an
    /// exclusive lock.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE events ADD COLUMN uid uuid DEFAULT gen_random_uuid();
    /// ```
    ///
    /// ## How to roll back
    /// Add the column without a default, set the default afterwards, and backfill in batches.
    pub static ADDS_VOLATILE_DEFAULT: "migration-adds-volatile-default", Migration, Medium, [Locking], gating = None;
}

/// Defaults evaluated per row, so PostgreSQL must write every row.
const VOLATILE: &[&str] = &[
    "random",
    "gen_random_uuid",
    "uuid_generate_v4",
    "clock_timestamp",
    "nextval",
    "timeofday",
];

/// The time of the transaction: stable in PostgreSQL, which since version 11 stores it once
/// in the catalog instead of writing every row (a rehearsal on PostgreSQL 15 sees no rewrite).
/// Other databases may copy the table for them.
const STABLE_ELSEWHERE: &[&str] = &[
    "now",
    "current_timestamp",
    "transaction_timestamp",
    "statement_timestamp",
];

pub fn check(op: &Op, kind: &OpKind, ctx: &Context) -> Vec<Finding> {
    let OpKind::AddColumn {
        table,
        column,
        default: Some(d),
        ..
    } = kind
    else {
        return Vec::new();
    };
    let d = d.to_lowercase();
    let postgres = ctx.dialect == crate::model::Dialect::Postgres;
    let volatile =
        VOLATILE.iter().any(|v| d.contains(v)) || (!postgres && STABLE_ELSEWHERE.iter().any(|v| d.contains(v)));
    if ctx.is_new_table(table) || !volatile {
        return Vec::new();
    }
    let mut f = finding(
        &ADDS_VOLATILE_DEFAULT,
        ctx,
        op,
        format!("new column {table}.{column} has the volatile default `{d}`: the whole table is rewritten"),
        "add the column without a default, then set the default, then backfill in batches",
    );
    f.target = Some(format!("{table}.{column}"));
    vec![f]
}

#[cfg(test)]
mod tests {
    use crate::analyzers::migration::testing::rules;

    #[test]
    fn volatile_defaults_fire_and_constants_do_not() {
        assert_eq!(
            rules("ALTER TABLE events ADD COLUMN uid uuid DEFAULT gen_random_uuid();"),
            vec!["migration-adds-volatile-default"]
        );
        assert!(rules("ALTER TABLE events ADD COLUMN kind text DEFAULT 'click';").is_empty());
        // now() is the transaction's time: one value, kept in the catalog.
        assert!(rules("ALTER TABLE events ADD COLUMN seen_at timestamptz DEFAULT now();").is_empty());
        assert!(rules("ALTER TABLE events ADD COLUMN seen_at timestamptz DEFAULT CURRENT_TIMESTAMP;").is_empty());
    }
}
