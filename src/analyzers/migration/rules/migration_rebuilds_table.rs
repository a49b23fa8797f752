//! `migration-rebuilds-table`: a table rebuilt by copy (SQLite's way to change a column).

use crate::analyzers::migration::context::{finding, Context};
use crate::analyzers::migration::ops::{Op, OpKind};
use crate::code_rule;
use crate::model::Finding;

code_rule! {
    /// ## What it does
    /// Finds a table rebuilt in a migration: the existing table renamed away, created again and
    /// refilled from the old one (`ALTER TABLE t RENAME TO t_old; CREATE TABLE t …; INSERT INTO t
    /// SELECT … FROM t_old; DROP TABLE t_old`), or a new table filled from the old one, the old
    /// one dropped and the new one renamed into its place. SQLite needs this dance for most
    /// column changes; Diesel and sqlx projects write it by hand. A table new in the file
    /// renamed into the old one's name (a swap) is a rebuild too.
    ///
    /// ## Why is this risky?
    /// Every row is rewritten by one `INSERT … SELECT`: a column the copy leaves out, a
    /// conversion in its `SELECT`, or a constraint the new definition adds loses or rejects
    /// data, and the old table that could bring it back is dropped in the same migration.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE devices RENAME TO devices_old;
    /// CREATE TABLE devices (uuid TEXT PRIMARY KEY, name TEXT NOT NULL);
    /// INSERT INTO devices (uuid, name) SELECT uuid, name FROM devices_old;
    /// DROP TABLE devices_old;
    /// ```
    ///
    /// ## How to roll back
    /// Keep the old table (drop it in a later migration), or back the database file up before
    /// the deploy; check the row count of the new table against the old one before dropping it.
    pub static REBUILDS_TABLE: "migration-rebuilds-table", Migration, High, [DataRewrite], gating = DataRewrite;
}

pub fn check(op: &Op, kind: &OpKind, ctx: &Context) -> Vec<Finding> {
    let OpKind::RenameTable { from, to } = kind else {
        return Vec::new();
    };
    // The old table renamed away and created again under its name (or a table new in the file
    // swapped in): deployed code reads the new one, whatever became of the old one's rows.
    let old_away = !ctx.is_new_table(from) && ctx.recreates(from);
    // A new table renamed into the place of one this file dropped.
    let new_in = ctx.created_tables.contains(from) && ctx.dropped_tables.contains(to) && !ctx.is_new_table(to);
    let table = if old_away {
        from
    } else if new_in {
        to
    } else {
        return Vec::new();
    };
    vec![finding(
        &REBUILDS_TABLE,
        ctx,
        op,
        format!("table {table} is rebuilt by copy: every row is rewritten, and what the copy leaves out is gone with the old table"),
        "keep the old table until a later migration, or back the database up first, and compare row counts before dropping it",
    )]
}

#[cfg(test)]
mod tests {
    use crate::analyzers::migration::testing::rules;

    #[test]
    fn both_ways_of_rebuilding_fire_once() {
        let away = "ALTER TABLE devices RENAME TO devices_old;\nCREATE TABLE devices (uuid TEXT PRIMARY KEY, name TEXT);\nINSERT INTO devices (uuid, name) SELECT uuid, name FROM devices_old;\nDROP TABLE devices_old;\n";
        assert!(
            rules(away).contains(&"migration-rebuilds-table".to_string()),
            "{:?}",
            rules(away)
        );
        assert!(!rules(away).contains(&"migration-renames-table".to_string()));
        let into = "CREATE TABLE devices_new (uuid TEXT PRIMARY KEY, name TEXT);\nINSERT INTO devices_new (uuid, name) SELECT uuid, name FROM devices;\nDROP TABLE devices;\nALTER TABLE devices_new RENAME TO devices;\n";
        let got = rules(into);
        assert_eq!(
            got.iter().filter(|r| *r == "migration-rebuilds-table").count(),
            1,
            "{got:?}"
        );
        // A new table swapped in: a rebuild too (its rows are what the copy put there).
        let swap = "CREATE TABLE stats_new (id int);\nINSERT INTO stats_new SELECT id FROM stats;\nRENAME TABLE stats TO stats_old;\nRENAME TABLE stats_new TO stats;\n";
        assert!(
            rules(swap).contains(&"migration-rebuilds-table".to_string()),
            "{:?}",
            rules(swap)
        );
        // A plain rename is the other rule's.
        assert_eq!(
            rules("ALTER TABLE devices RENAME TO machines;"),
            vec!["migration-renames-table"]
        );
    }
}
