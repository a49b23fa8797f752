//! `migration-renames-column`: a column that stays is renamed under deployed code.

use crate::analyzers::migration::context::{finding, Context};
use crate::analyzers::migration::ops::{Op, OpKind};
use crate::code_rule;
use crate::model::Finding;

code_rule! {
    /// ## What it does
    /// Finds a renamed column (`RENAME COLUMN`, MySQL `CHANGE`, `rename_column`, `RenameField`,
    /// `alter_column(new_column_name=…)`, Knex `renameColumn`).
    ///
    /// ## Why is this risky?
    /// Every running instance of the current release reads and writes the old name; between the
    /// migration and the deploy, and after a rollback of the code, queries fail.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE customers RENAME COLUMN fax TO fax_number;
    /// ```
    ///
    /// ## How to roll back
    /// Expand and contract: add the new column, write both, backfill, switch reads, drop the old
    /// one in a later release. Rolling back is the reverse rename.
    pub static RENAMES_COLUMN: "migration-renames-column", Migration, High, [Breaking], gating = BrokenContract;
}

pub fn check(op: &Op, kind: &OpKind, ctx: &Context) -> Vec<Finding> {
    let OpKind::RenameColumn { table, from, to } = kind else {
        return Vec::new();
    };
    if ctx.is_new_column(table, from) {
        return Vec::new();
    }
    // Renamed away only to make room: the file adds the name back and drops the temporary
    // column (a retype through a copy), so deployed code still finds its column.
    let key = |c: &str| (table.clone(), c.to_string());
    if ctx.added_in_file.contains(&key(from)) && ctx.dropped_in_file.contains(&key(to)) {
        return Vec::new();
    }
    // Another column takes the old name in the same file (`new_x` renamed to `x`): deployed
    // code still finds `x`, now holding the other column's values (a retype through a copy).
    // Only a column the file adds and fills from the old one: any other is another column's data.
    let filled_from_old = |other: &String| {
        ctx.added_in_file.contains(&key(other))
            && ctx.updates.iter().any(|(t, columns, statement, _)| {
                t.eq_ignore_ascii_case(table)
                    && columns.iter().any(|c| c.eq_ignore_ascii_case(other))
                    && crate::text::words(statement).any(|w| w.eq_ignore_ascii_case(from))
            })
    };
    if let Some(other) = ctx
        .renamed_into_in_file
        .get(&key(from))
        .filter(|o| *o != to && filled_from_old(o))
    {
        let mut f = finding(
            &RENAMES_COLUMN,
            ctx,
            op,
            format!("column {table}.{from} is renamed to {to}, and `{other}` takes the name `{from}` in the same file: deployed code reads `{from}` from the new column (the old values stay in `{to}`); check that it reads the new values"),
            "make sure the code running during the deploy reads the new column's values, or write both until it does",
        );
        f.severity = f.severity.min(crate::model::Severity::Medium);
        f.gating = None;
        f.tags.retain(|t| *t != crate::model::Tag::Breaking);
        return vec![f];
    }
    vec![finding(
        &RENAMES_COLUMN,
        ctx,
        op,
        format!("column {table}.{from} is renamed to {to}: deployed code still uses `{from}`"),
        "expand and contract: add the new column, write both, backfill, switch reads, drop the old column later",
    )]
}

#[cfg(test)]
mod tests {
    use crate::analyzers::migration::testing::rules;

    #[test]
    fn a_renamed_constraint_or_index_is_no_column() {
        assert!(rules(
            "ALTER TABLE report RENAME CONSTRAINT status_report_incident_id_fkey TO report_incident_id_fkey;"
        )
        .is_empty());
        assert!(rules("ALTER TABLE report RENAME INDEX status_idx TO report_idx;").is_empty());
        assert_eq!(
            rules("ALTER TABLE report RENAME status TO state;"),
            vec!["migration-renames-column"]
        );
    }

    #[test]
    fn a_name_made_room_for_and_given_back_is_no_rename() {
        let through = "ALTER TABLE t RENAME COLUMN a TO a_old;\nALTER TABLE t ADD COLUMN a boolean;\n";
        let rules_of = |sql: &str| {
            rules(sql)
                .into_iter()
                .filter(|r| r == "migration-renames-column")
                .count()
        };
        assert_eq!(rules_of(&format!("{through}ALTER TABLE t DROP COLUMN a_old;")), 0);
        // The old values stay under the other name while the code reads an empty column: a rename.
        assert_eq!(rules_of(through), 1);
    }

    #[test]
    fn a_column_swapped_in_under_the_old_name_is_a_hint() {
        let swap = "ALTER TABLE t ADD COLUMN d_new json;\nUPDATE t SET d_new = to_json(d);\nALTER TABLE t RENAME COLUMN d TO d_old;\nALTER TABLE t RENAME COLUMN d_new TO d;\n";
        let f = crate::analyzers::migration::testing::first("migration-renames-column", swap).expect("reported");
        assert_eq!(f.severity, crate::model::Severity::Medium);
        assert!(f.message.contains("`d_new` takes the name `d`"), "{}", f.message);
        // A column swapped in that the file neither adds nor fills from the old one holds other
        // data: still a high rename.
        let other = "ALTER TABLE users RENAME COLUMN email TO email_old;\nALTER TABLE users RENAME COLUMN recovery_email TO email;\n";
        let f = crate::analyzers::migration::testing::first("migration-renames-column", other).expect("reported");
        assert_eq!(f.severity, crate::model::Severity::High, "{}", f.message);
        // The control: renamed away with nothing in its place stays high.
        let away = "ALTER TABLE t RENAME COLUMN d TO d_old;\n";
        let f = crate::analyzers::migration::testing::first("migration-renames-column", away).expect("reported");
        assert_eq!(f.severity, crate::model::Severity::High);
    }

    #[test]
    fn fires_on_existing_columns_only() {
        assert_eq!(
            rules("ALTER TABLE customers RENAME COLUMN fax TO fax_number;"),
            vec!["migration-renames-column"]
        );
        assert!(
            rules("ALTER TABLE customers ADD COLUMN fx text;\nALTER TABLE customers RENAME COLUMN fx TO fax;")
                .is_empty()
        );
    }
}
