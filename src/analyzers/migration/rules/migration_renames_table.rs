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
    /// `stats` → `stats_old`, `stats_new` → `stats`) keeps the name deployed code uses. A
    /// rebuild's temporary table taking the name it was built for (`_users_tmp` → `users`) is the
    /// last step of a rebuild split over several migrations: a medium hint.
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
    let mut f = finding(
        &RENAMES_TABLE,
        ctx,
        op,
        format!("table {from} is renamed to {to}: deployed code still uses `{from}`"),
        "keep a view named after the old table during the transition, or expand and contract",
    );
    if is_temporary_of(from, to) {
        // The last step of a rebuild split over several migrations (SQLite's create, copy,
        // drop, rename): code names the table it ends as, not the scaffolding.
        f.severity = crate::model::Severity::Medium;
        f.message = format!(
            "table {from} is renamed to {to}: by its name a rebuild's temporary table, which deployed code does not use; check that no code reads `{from}`"
        );
    }
    vec![f]
}

/// `from` is the temporary table of a rebuild of `to`: `to`'s name with a `tmp` or `temp` part
/// (`_users_tmp`, `tmp_users`, `users_temp` for `users`).
fn is_temporary_of(from: &str, to: &str) -> bool {
    let bare = |n: &str| {
        n.rsplit('.')
            .next()
            .unwrap_or(n)
            .trim_matches(['"', '`'])
            .to_lowercase()
    };
    let from = bare(from);
    let marker = |p: &str| p == "tmp" || p == "temp";
    let rest: Vec<&str> = from.split('_').filter(|p| !p.is_empty() && !marker(p)).collect();
    from.split('_').any(marker) && rest.join("_") == bare(to)
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
    fn a_temporary_table_taking_its_final_name_is_a_hint() {
        use crate::analyzers::migration::testing::run;
        let found = run(&[(
            "db/migrations/0042_rebuild.sql",
            "ALTER TABLE \"_identity_addresses_tmp\" RENAME TO \"identity_addresses\";",
        )]);
        let got: Vec<_> = found.iter().map(|f| (f.rule.as_str(), f.severity)).collect();
        assert_eq!(got, vec![("migration-renames-table", crate::model::Severity::Medium)]);
        // A table whose name only holds the letters is a real table, and so is a temporary-named
        // one that takes another table's name: code may read `temp_readings`.
        for other in [
            "ALTER TABLE templates RENAME TO layouts;",
            "ALTER TABLE temp_readings RENAME TO sensor_readings;",
        ] {
            let found = run(&[("db/migrations/0042_rename.sql", other)]);
            assert_eq!(found[0].severity, crate::model::Severity::High, "{other}");
        }
    }

    #[test]
    fn mysql_rename_table_renames_each_pair() {
        assert_eq!(
            rules("RENAME TABLE users TO members, `orders` TO purchases;"),
            vec!["migration-renames-table", "migration-renames-table"]
        );
    }
}
