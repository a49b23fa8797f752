//! `migration-renames-table`: a table that stays is renamed under deployed code.

use crate::analyzers::migration::context::{finding, Context};
use crate::analyzers::migration::ops::{Op, OpKind};
use crate::code_rule;
use crate::model::Finding;

code_rule! {
    /// ## What it does
    /// Finds a renamed table (`ALTER TABLE … RENAME TO`, `rename_table`, `RenameModel`). A
    /// sequence renamed through `ALTER TABLE` (`post_id_seq`, the name `serial` gives it) is no
    /// table, and a table renamed away while another takes its name in the same file (a swap:
    /// `stats` → `stats_old`, `stats_new` → `stats`) keeps the name deployed code uses.
    ///
    /// ## Why is this risky?
    /// Deployed code still queries the old name and fails until the new release is everywhere.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE customers RENAME TO clients;
    /// ```
    ///
    /// ## How to roll back
    /// Create a view with the old name for the transition, or expand and contract; the rollback
    /// is the reverse rename.
    pub static RENAMES_TABLE: "migration-renames-table", Migration, High, [Breaking], gating = BrokenContract;
}

pub fn check(op: &Op, kind: &OpKind, ctx: &Context) -> Vec<Finding> {
    let OpKind::RenameTable { from, to } = kind else {
        return Vec::new();
    };
    // A table renamed away and created again is a rebuild, another rule's. PostgreSQL lets
    // `ALTER TABLE` rename a sequence too: `post_id_seq` is the one `serial` made, no table.
    let sql_alter = op.statement.to_lowercase().starts_with("alter table");
    if ctx.is_new_table(from) || ctx.recreates(from) || (sql_alter && is_sequence_name(from)) {
        return Vec::new();
    }
    vec![finding(
        &RENAMES_TABLE,
        ctx,
        op,
        format!("table {from} is renamed to {to}: deployed code still uses `{from}`"),
        "keep a view named after the old table during the transition, or expand and contract",
    )]
}

/// The name PostgreSQL gives the sequence of a `serial` or identity column (`<table>_<column>_seq`).
fn is_sequence_name(name: &str) -> bool {
    name.ends_with("_seq")
}

#[cfg(test)]
mod tests {
    use crate::analyzers::migration::testing::rules;

    #[test]
    fn fires_on_existing_tables_only() {
        assert_eq!(
            rules("ALTER TABLE customers RENAME TO clients;"),
            vec!["migration-renames-table"]
        );
        assert!(rules("CREATE TABLE drafts (id int);\nALTER TABLE drafts RENAME TO posts;").is_empty());
    }

    #[test]
    fn a_swap_keeps_the_name() {
        // The rebuilt table takes the old name: deployed code still finds a table there.
        let swap =
            "CREATE TABLE stats_new (id int);\nRENAME TABLE stats TO stats_old;\nRENAME TABLE stats_new TO stats;";
        assert!(
            !rules(swap).contains(&"migration-renames-table".to_string()),
            "{:?}",
            rules(swap)
        );
        // Renamed away and nothing takes the name: deployed code breaks.
        assert_eq!(
            rules("RENAME TABLE stats TO stats_old;"),
            vec!["migration-renames-table"]
        );
        // Existing tables trading names is no swap of a new table in: each rename stays.
        let trade = "RENAME TABLE orders TO tmp, invoices TO orders, tmp TO invoices;";
        assert!(
            rules(trade).contains(&"migration-renames-table".to_string()),
            "{:?}",
            rules(trade)
        );
    }

    #[test]
    fn mysql_rename_table_renames_each_pair() {
        assert_eq!(
            rules("RENAME TABLE users TO members, `orders` TO purchases;"),
            vec!["migration-renames-table", "migration-renames-table"]
        );
    }
}
