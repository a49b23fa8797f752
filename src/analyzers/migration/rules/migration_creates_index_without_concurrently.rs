//! `migration-creates-index-without-concurrently`: an index build that blocks writes.

use crate::analyzers::migration::context::{finding, Context};
use crate::analyzers::migration::ops::{Op, OpKind};
use crate::code_rule;
use crate::config::Dialect;
use crate::model::Finding;

code_rule! {
    /// ## What it does
    /// Finds an index built on an existing PostgreSQL table without `CONCURRENTLY` (Rails
    /// without `algorithm: :concurrently`, Django `AddIndex`, Alembic without
    /// `postgresql_concurrently=True`).
    ///
    /// ## Why is this risky?
    /// A plain `CREATE INDEX` blocks every write to the table until the index is built, which on
    /// a large table means minutes of failed requests.
    ///
    /// ## Example
    /// ```sql
    /// CREATE INDEX orders_customer_idx ON orders (customer_id);
    /// ```
    ///
    /// ## How to roll back
    /// `CREATE INDEX CONCURRENTLY` outside a transaction; drop a half-built index with
    /// `DROP INDEX CONCURRENTLY`.
    pub static CREATES_INDEX_WITHOUT_CONCURRENTLY: "migration-creates-index-without-concurrently", Migration, Medium, [Locking], gating = None;
}

pub fn check(op: &Op, kind: &OpKind, ctx: &Context) -> Vec<Finding> {
    let OpKind::CreateIndex {
        table,
        concurrently: false,
    } = kind
    else {
        return Vec::new();
    };
    if ctx.is_new_table(table) || !matches!(ctx.dialect, Dialect::Postgres | Dialect::Generic) {
        return Vec::new();
    }
    vec![finding(
        &CREATES_INDEX_WITHOUT_CONCURRENTLY,
        ctx,
        op,
        format!("index on existing table {table} is built without CONCURRENTLY and blocks writes"),
        "CREATE INDEX CONCURRENTLY, in a migration that does not run in a transaction",
    )]
}

#[cfg(test)]
mod tests {
    use crate::analyzers::migration::testing::rules;

    #[test]
    fn fires_on_existing_tables_without_concurrently() {
        assert_eq!(
            rules("CREATE INDEX orders_customer_idx ON orders (customer_id);"),
            vec!["migration-creates-index-without-concurrently"]
        );
        assert!(rules("CREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id);").is_empty());
        assert!(rules("CREATE TABLE orders (id bigint, customer_id bigint);\nCREATE INDEX orders_customer_idx ON orders (customer_id);").is_empty());
        assert!(rules("CREATE MATERIALIZED VIEW recent (id) AS SELECT id FROM orders;\nCREATE UNIQUE INDEX recent_id ON recent (id);").is_empty());
    }
}
