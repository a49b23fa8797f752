//! Locking: DDL that takes a table-level lock on an existing table for longer than a moment.
//! Objects created earlier in the same migration are new and exempt. Nothing mitigates a lock.

use super::ops::{Op, OpKind};
use super::{finding, Context};
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
    pub static CREATES_INDEX_WITHOUT_CONCURRENTLY: "migration-creates-index-without-concurrently", "migration", Medium, ["locking"], gating = None;
}

code_rule! {
    /// ## What it does
    /// Finds a foreign key or check constraint added to an existing table without `NOT VALID`,
    /// a unique or primary key constraint added in place, and inline `REFERENCES` on a new
    /// column of an existing table.
    ///
    /// ## Why is this risky?
    /// The table is locked while every existing row is checked (and, for unique constraints,
    /// while the index is built).
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);
    /// ```
    ///
    /// ## How to roll back
    /// Add it `NOT VALID`, then `VALIDATE CONSTRAINT` in a later migration; build unique indexes
    /// `CONCURRENTLY` and attach them with `USING INDEX`.
    pub static VALIDATES_CONSTRAINT_INLINE: "migration-validates-constraint-inline", "migration", Medium, ["locking"], gating = None;
}

code_rule! {
    /// ## What it does
    /// Finds a column type change on an existing table (`ALTER COLUMN … TYPE`, MySQL `MODIFY`/
    /// `CHANGE`, Rails `change_column`, Django `AlterField`, Alembic `type_=`). With `USING` it is
    /// also a data rewrite; to a narrower-looking type (`varchar(n)`, `smallint`, `integer`,
    /// `numeric(p,s)`) it is also breaking. It is `high` and gates (broken contract) when the
    /// statement changes the type (`ALTER COLUMN … TYPE`, a widening to `text` included: the way
    /// back may not fit what was written meanwhile), or when the schema file the change updates
    /// (Rails `db/schema.rb`, Diesel `schema.rs`) shows the type changing. It stays a `medium`
    /// hint where the statement restates the whole column whether or not its type changed (MySQL
    /// `MODIFY`/`CHANGE`, Rails `change_column`, Django `AlterField`) and no schema file says.
    ///
    /// ## Why is this risky?
    /// Most type changes rewrite the whole table under an exclusive lock (MySQL copies it), the
    /// code still running reads and writes the old type (a Diesel `i32` cannot read a
    /// `bigint`), a narrower type rejects values old code still writes, and the way back is
    /// another conversion that may not fit the data written meanwhile.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE orders ALTER COLUMN total TYPE numeric(10,2) USING total::numeric;
    /// ```
    ///
    /// ## How to roll back
    /// Add a new column, backfill in batches, switch reads, then drop the old one (expand and
    /// contract).
    pub static CHANGES_COLUMN_TYPE: "migration-changes-column-type", "migration", Medium, ["locking"], gating = None;
}

code_rule! {
    /// ## What it does
    /// Finds a new column on an existing table whose default is volatile: `now()`, `random()`,
    /// `gen_random_uuid()`, `clock_timestamp()`, `nextval(…)`. A constant default is safe on
    /// PostgreSQL 11 and later.
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
    pub static ADDS_VOLATILE_DEFAULT: "migration-adds-volatile-default", "migration", Medium, ["locking"], gating = None;
}

const VOLATILE: &[&str] = &[
    "now",
    "random",
    "gen_random_uuid",
    "uuid_generate_v4",
    "clock_timestamp",
    "nextval",
    "timeofday",
    "current_timestamp",
];

/// A type that probably holds fewer values than what it replaces.
pub fn looks_narrowing(type_name: &str) -> bool {
    let t = type_name.replace(' ', "");
    t.starts_with("varchar(")
        || t.starts_with("charactervarying(")
        || t.starts_with("char(")
        || t.starts_with("numeric(")
        || t.starts_with("decimal(")
        || [
            "smallint",
            "int",
            "integer",
            "int2",
            "int4",
            "real",
            "float4",
            "tinyint",
            "mediumint",
        ]
        .contains(&t.as_str())
}

pub fn check(op: &Op, kind: &OpKind, ctx: &Context) -> Vec<Finding> {
    let mut out = Vec::new();
    match kind {
        OpKind::CreateIndex {
            table,
            concurrently: false,
        } if !ctx.is_new_table(table) && matches!(ctx.dialect, Dialect::Postgres | Dialect::Generic) => {
            out.push(finding(
                &CREATES_INDEX_WITHOUT_CONCURRENTLY,
                ctx,
                op,
                format!("index on existing table {table} is built without CONCURRENTLY and blocks writes"),
                "CREATE INDEX CONCURRENTLY, in a migration that does not run in a transaction",
            ));
        }
        OpKind::AddConstraint {
            table, kind, not_valid, ..
        } if !ctx.is_new_table(table) => {
            let locks = match kind.as_str() {
                "foreign key" | "check" => !not_valid,
                "unique" | "primary key" => true,
                _ => false,
            };
            if locks {
                out.push(finding(
                    &VALIDATES_CONSTRAINT_INLINE,
                    ctx,
                    op,
                    format!("{kind} constraint on existing table {table} is checked against every row under lock"),
                    "add it NOT VALID, then VALIDATE CONSTRAINT in a later migration (unique: build the index CONCURRENTLY first)",
                ));
            }
        }
        OpKind::AddColumn {
            table,
            column,
            references,
            default,
            ..
        } if !ctx.is_new_table(table) => {
            if *references {
                out.push(finding(
                    &VALIDATES_CONSTRAINT_INLINE,
                    ctx,
                    op,
                    format!("new column {table}.{column} references another table and validates under lock"),
                    "add the column first, then the foreign key NOT VALID, then VALIDATE CONSTRAINT",
                ));
            }
            if let Some(d) = default {
                let d = d.to_lowercase();
                if VOLATILE.iter().any(|v| d.contains(v)) {
                    out.push(finding(
                        &ADDS_VOLATILE_DEFAULT,
                        ctx,
                        op,
                        format!(
                            "new column {table}.{column} has the volatile default `{d}`: the whole table is rewritten"
                        ),
                        "add the column without a default, then set the default, then backfill in batches",
                    ));
                }
            }
        }
        OpKind::AlterColumnType {
            table,
            column,
            type_name,
            using,
        } if !type_name.contains("json") && !ctx.is_new_column(table, column) => {
            if op.evidence.to_lowercase().contains("algorithm=instant")
                || op.evidence.to_lowercase().contains("algorithm=inplace")
            {
                return out;
            }
            let how = if ctx.dialect == Dialect::Mysql {
                "copies the table"
            } else {
                "rewrites the table under an exclusive lock"
            };
            let mut f = finding(
                &CHANGES_COLUMN_TYPE,
                ctx,
                op,
                format!("{table}.{column} changes type to {type_name}: this {how}"),
                "expand and contract: add a new column, backfill in batches, switch reads, drop the old column later",
            );
            if using.is_some() {
                f.tags.push("data-rewrite".to_string());
                f.gating = Some(crate::model::GatingClass::DataRewrite);
            }
            if looks_narrowing(type_name) {
                f.tags.push("breaking".to_string());
                f.gating.get_or_insert(crate::model::GatingClass::BrokenContract);
                f.message.push_str("; the new type may reject values old code writes");
            }
            // MySQL `MODIFY`/`CHANGE` and Rails `change_column` restate the whole column (type,
            // null, default, collation): whether the type changed is not known from this file.
            let evidence = op.evidence.to_uppercase();
            let restated = ctx.restates_fields
                || evidence.contains(" MODIFY ")
                || evidence.contains(" CHANGE ")
                || evidence.contains("CHANGE_COLUMN");
            // To `text` or an unbounded `varchar`: a widening that PostgreSQL does in place.
            let t = type_name.to_lowercase();
            let widening = t == "text" || t == "varchar" || t == "character varying" || t == "citext";
            if widening && !restated {
                f.message = format!(
                    "{table}.{column} changes type to {type_name}: a widening that rewrites nothing in PostgreSQL, but the way back may not fit the longer values written meanwhile"
                );
            }
            // The schema file the change updates says whether a restated column's type changed.
            let key = (table.to_lowercase(), column.to_lowercase());
            let schema = ctx.schema_retyped.get(&key);
            if let Some((before, after)) = schema {
                f.message.push_str(&format!(" (the schema file: {before} → {after})"));
            } else if ctx.schema_known.contains_key(&key) {
                f.message = format!(
                    "{table}.{column} is restated as {type_name}; the schema file shows its type unchanged, so this is about null, default or collation"
                );
            }
            // The schema file knows the column and shows no type change: the statement restates it.
            let restated = (restated || ctx.schema_known.contains_key(&key)) && schema.is_none();
            // A widening is still a retype: the way back may not fit what was written meanwhile.
            if !restated {
                // A stored column changes type: the code still running reads and writes the old
                // one, and the way back is another conversion that may not fit the data.
                f.severity = crate::model::Severity::High;
                f.gating.get_or_insert(crate::model::GatingClass::BrokenContract);
                if !f.tags.iter().any(|t| t == "breaking") {
                    f.tags.push("breaking".to_string());
                }
            }
            out.push(f);
        }
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::testing::{rules, run};

    #[test]
    fn index_on_existing_table_without_concurrently() {
        assert_eq!(
            rules("CREATE INDEX orders_customer_idx ON orders (customer_id);"),
            vec!["migration-creates-index-without-concurrently"]
        );
        assert!(rules("CREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id);").is_empty());
        assert!(rules("CREATE TABLE orders (id bigint, customer_id bigint);\nCREATE INDEX orders_customer_idx ON orders (customer_id);").is_empty());
    }

    #[test]
    fn constraints_need_not_valid() {
        assert_eq!(
            rules("ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (customer_id) REFERENCES customers (id);"),
            vec!["migration-validates-constraint-inline"]
        );
        assert!(rules(
            "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;"
        )
        .is_empty());
        assert_eq!(
            rules("ALTER TABLE orders ADD COLUMN customer_id bigint REFERENCES customers (id);"),
            vec!["migration-validates-constraint-inline"]
        );
    }

    #[test]
    fn views_and_safety_assured_blocks() {
        assert!(rules("CREATE MATERIALIZED VIEW recent (id) AS SELECT id FROM orders;\nCREATE UNIQUE INDEX recent_id ON recent (id);").is_empty());
        let text = "-- safety-assured:start\n-- small table, measured\nCREATE INDEX i ON orders (id);\nALTER TABLE orders ALTER COLUMN customer_id SET NOT NULL;\n-- safety-assured:end\nCREATE INDEX j ON orders (x);\n";
        let found = run(&[("db/migrations/1.sql", text)]);
        let got: Vec<_> = found
            .iter()
            .map(|f| (f.rule.as_str(), f.line.unwrap(), f.suppressed.is_some()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("migration-creates-index-without-concurrently", 3, true),
                ("migration-sets-not-null", 4, false),
                ("migration-creates-index-without-concurrently", 6, false),
            ],
            "lock-only findings inside the block are acknowledged; data and contract risks stay"
        );
    }

    #[test]
    fn type_changes_and_defaults() {
        let f = run(&[(
            "db/migrations/1.sql",
            "ALTER TABLE orders ALTER COLUMN total TYPE numeric(10,2) USING total::numeric;",
        )])
        .remove(0);
        assert_eq!(f.rule, "migration-changes-column-type");
        assert_eq!(f.tags, vec!["locking", "data-rewrite", "breaking"]);
        assert_eq!(f.gating, Some(crate::model::GatingClass::DataRewrite));
        assert_eq!(
            rules("ALTER TABLE events ADD COLUMN uid uuid DEFAULT gen_random_uuid();"),
            vec!["migration-adds-volatile-default"]
        );
        assert!(rules("ALTER TABLE events ADD COLUMN kind text DEFAULT 'click';").is_empty());
    }
}
