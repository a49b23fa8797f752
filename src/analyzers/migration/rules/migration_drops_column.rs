//! `migration-drops-column`: a column the migration did not add is dropped.

use crate::analyzers::migration::context::{finding, Context};
use crate::analyzers::migration::ops::{Op, OpKind};
use crate::code_rule;
use crate::model::Finding;

code_rule! {
    /// ## What it does
    /// Finds a dropped column (`ALTER TABLE … DROP COLUMN`, `remove_column`, `RemoveField`,
    /// `op.drop_column`, `dropColumn`) that this migration did not add. A copy taken earlier in
    /// the migration (SQL, a Rails loop, a SQLAlchemy update) or an `UPDATE` that sets another
    /// column from it makes it info; an `UPDATE` that only picks rows by it (`SET flag = false
    /// WHERE old = 'x'`) converts some values, so it is medium. Data code that reads the column
    /// first (a forward `RunPython` step of the migration or a helper it calls, or the `up` code
    /// of an earlier migration or `db/data/` migration of the change, naming the column and its
    /// table outside comments and strings, where that code writes) has most likely moved the
    /// values somewhere riskgate cannot follow: medium, for the reviewer to check. Rails'
    /// `where(flag: true).update_all(kind: 2)` is an `UPDATE` that picks rows by a flag (a
    /// filter on values of another kind keeps only what it names, and stays high);
    /// Globalize's `create_translation_table!(…, migrate_data: true)` copies the columns it
    /// names. `remove_column … if_exists: true` of a column the base's `db/schema.rb` does not
    /// show in that table is low: there may be nothing to lose.
    ///
    /// ## Why is this risky?
    /// The column's values are discarded for every row, and the release you would roll back to
    /// still reads the column.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE customers DROP COLUMN fax;
    /// ```
    ///
    /// ## How to roll back
    /// Copy the column first (`CREATE TABLE customers_fax_backup AS SELECT id, fax FROM
    /// customers;`), stop using it in one release and drop it in the next.
    pub static DROPS_COLUMN: "migration-drops-column", Migration, High, [Destructive], gating = DataLoss;
}

pub fn check(op: &Op, kind: &OpKind, ctx: &Context) -> Vec<Finding> {
    let OpKind::DropColumn { table, column } = kind else {
        return Vec::new();
    };
    if ctx.is_new_column(table, column) {
        return Vec::new();
    }
    // `remove_column … if_exists: true` of a column the base's schema file does not show.
    if ctx.unknown_to_base_schema.contains(&(table.clone(), column.clone())) {
        let mut f = finding(
            &DROPS_COLUMN,
            ctx,
            op,
            format!("DROP COLUMN {table}.{column} if it exists: the base's db/schema.rb shows no such column in {table}, so what it held is not known"),
            "check on a production copy whether the column exists and holds data",
        );
        f.severity = crate::model::Severity::Low;
        return vec![f];
    }
    let f = finding(
        &DROPS_COLUMN,
        ctx,
        op,
        format!("DROP COLUMN {table}.{column} discards every stored value"),
        "copy the column first (CREATE TABLE … AS SELECT id, column FROM …), stop reading it in one release and drop it in the next",
    );
    let mut f = ctx.judge_backup(f, table, Some(column), op.line);
    if f.mitigated_by.is_empty() {
        match ctx.moved_before(table, column, op.line) {
            Some((into, false)) => {
                f.mitigated_by = vec!["backup".to_string()];
                f.severity = crate::model::Severity::Info;
                f.message = format!(
                    "DROP COLUMN {table}.{column}: its values were moved into {table}.{into} earlier in this migration"
                );
            }
            // Converted by a filter: riskgate cannot tell whether every value is.
            Some((into, true)) => {
                f.severity = crate::model::Severity::Medium;
                f.message = format!(
                    "DROP COLUMN {table}.{column}: an UPDATE earlier in this migration converts the values it picks by `{column}` into {table}.{into}; values it does not pick are lost"
                );
            }
            None => {}
        }
    }
    // Read by data code first: moved somewhere riskgate cannot follow, or not; a question.
    if f.mitigated_by.is_empty() && f.severity > crate::model::Severity::Medium {
        if let Some((read, name)) = ctx.code_read_before(table, column, op.line) {
            let place = match &read.file {
                Some(file) if read.imported => {
                    format!(
                        "data code at line {} of `{file}`, which a `RunPython` step imports,",
                        read.line
                    )
                }
                Some(file) => format!("`{file}`, a migration of this change that runs first,"),
                None => format!("data code at line {} of this migration", read.line),
            };
            f.severity = crate::model::Severity::Medium;
            f.message = format!(
                "DROP COLUMN {table}.{column}: {place} reads `{name}` of `{table}` before the drop, most likely to move its values; riskgate cannot follow where they go, so check that every value is kept"
            );
        }
    }
    vec![f]
}

#[cfg(test)]
mod tests {
    use crate::analyzers::migration::testing::{first, rules, run, sql};

    #[test]
    fn fires_on_existing_columns_only() {
        assert_eq!(
            rules("ALTER TABLE customers DROP COLUMN fax;"),
            vec!["migration-drops-column"]
        );
        assert!(rules("ALTER TABLE customers ADD COLUMN tmp int;\nALTER TABLE customers DROP COLUMN tmp;").is_empty());
        assert!(rules("COMMENT ON TABLE customers IS 'we never DROP COLUMN fax';").is_empty());
    }

    #[test]
    fn a_real_copy_taken_first_mitigates() {
        let got = sql("CREATE TABLE customers_fax_backup AS SELECT id, fax FROM customers;\nALTER TABLE customers DROP COLUMN fax;");
        assert_eq!(got, vec![("migration-drops-column".to_string(), 2, true)]);
    }

    #[test]
    fn an_update_moves_what_its_set_reads_and_converts_what_it_picks_by() {
        use crate::model::Severity;
        let drop = |text: &str| first("migration-drops-column", text).unwrap();
        // Read in the SET's value, in a subquery with a WHERE of its own: moved.
        let f = drop("UPDATE person SET person_id = (SELECT id FROM p WHERE p.name = person.nick);\nALTER TABLE person DROP COLUMN nick;");
        assert_eq!(f.severity, Severity::Info, "{f:?}");
        // Read only in the UPDATE's WHERE: some values converted.
        let f = drop("UPDATE users SET active = false WHERE status = 'closed';\nALTER TABLE users DROP COLUMN status;");
        assert_eq!(f.severity, Severity::Medium, "{f:?}");
        // A string literal that spells the column reads nothing.
        let f = drop("UPDATE users SET tier = 'premium' WHERE kind = 'x';\nALTER TABLE users DROP COLUMN premium;");
        assert_eq!(f.severity, Severity::High, "{f:?}");
    }

    #[test]
    fn fake_backups_are_rejected_and_say_why() {
        let msg = |text: &str| run(&[("db/migrations/1.sql", text)]).into_iter().next().unwrap();
        let f = msg("CREATE TABLE orders_backup AS SELECT * FROM orders;\nALTER TABLE customers DROP COLUMN fax;");
        assert!(f.mitigated_by.is_empty());
        assert!(
            f.message
                .ends_with("not backed up: the copy at line 1 is of `orders`, not `customers`"),
            "{}",
            f.message
        );
        let f = msg("CREATE TABLE customers_backup (LIKE customers);\nALTER TABLE customers DROP COLUMN fax;");
        assert!(f.mitigated_by.is_empty(), "{f:?}");
        let f = msg("CREATE TABLE customers_backup AS SELECT * FROM customers WITH NO DATA;\nALTER TABLE customers DROP COLUMN fax;");
        assert!(f.message.contains("copies the structure only"), "{}", f.message);
        let f =
            msg("ALTER TABLE customers DROP COLUMN fax;\nCREATE TABLE customers_backup AS SELECT * FROM customers;");
        assert!(f.message.contains("is taken after this statement"), "{}", f.message);
        let f = msg(
            "CREATE TABLE customers_backup AS SELECT id, name FROM customers;\nALTER TABLE customers DROP COLUMN fax;",
        );
        assert!(f.message.contains("does not include column `fax`"), "{}", f.message);
    }
}
