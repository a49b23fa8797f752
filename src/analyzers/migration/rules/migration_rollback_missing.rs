//! `migration-rollback-missing`: a migration without a working way back.

use crate::analyzers::migration::ops::OpKind;
use crate::analyzers::migration::ops::{Rollback, Script};
use crate::analyzers::migration::sql;
use crate::classify::MigrationFormat;
use crate::code_rule;
use crate::config::Dialect;
use crate::diff::{ChangedFile, FileStatus};
use crate::model::Finding;

code_rule! {
    /// ## What it does
    /// Where the format has a rollback convention, finds the rollback missing, empty or a no-op:
    /// a Diesel `up.sql` or golang-migrate `.up.sql` added without its down file, or with a down
    /// file holding no statement that changes anything; Rails `up` without `down`, an empty
    /// `down`, `ActiveRecord::IrreversibleMigration`, or an operation in `change` that Rails cannot
    /// reverse; Django `RunSQL` without `reverse_sql` and `RunPython` without `reverse_code` or
    /// with `RunPython.noop`; an Alembic `downgrade()` that is empty or `pass`; a Knex migration
    /// without a real `down`.
    ///
    /// ## Why is this risky?
    /// When the release has to be rolled back, the schema cannot follow, and the old code meets
    /// the new schema.
    ///
    /// ## Example
    /// ```python alembic/versions/0002_add_age.py
    /// from alembic import op
    /// import sqlalchemy as sa
    ///
    ///
    /// def upgrade():
    ///     op.add_column("users", sa.Column("age", sa.Integer()))
    ///
    ///
    /// def downgrade():
    ///     pass
    /// ```
    ///
    /// ## How to roll back
    /// Write the reverse operations; where data cannot come back, say so in the rollback plan's
    /// Data section and name the forward fix.
    pub static ROLLBACK_MISSING: "migration-rollback-missing", Migration, Medium, [Irreversible], gating = None;
}

/// A down file that changes nothing: only comments, `SELECT`s and the like.
fn is_noop_sql(text: &str, dialect: Dialect) -> bool {
    sql::split(text, dialect, 1)
        .iter()
        .flat_map(|s| sql::ops_of(s, dialect))
        .all(|o| {
            matches!(o.kind, OpKind::Other) && o.evidence.to_lowercase().starts_with("select")
                || o.evidence.trim_matches(';').is_empty()
        })
}

pub fn check(
    file: &ChangedFile,
    format: MigrationFormat,
    script: &Script,
    down_path: Option<&str>,
    down: Option<&ChangedFile>,
    dialect: Dialect,
) -> Option<Finding> {
    let (line, why, at) = match &script.rollback {
        Rollback::Missing { line, why } => (*line, why.clone(), file.path.clone()),
        Rollback::Fine => match (format, down_path, down) {
            (MigrationFormat::Diesel | MigrationFormat::GolangMigrate, Some(path), None)
                if file.status == FileStatus::Added =>
            {
                (
                    1,
                    format!("no rollback: `{path}` is not part of this change"),
                    file.path.clone(),
                )
            }
            (MigrationFormat::Diesel | MigrationFormat::GolangMigrate, Some(path), Some(down)) => {
                let text = down.new_text.get().unwrap_or("");
                if is_noop_sql(text, dialect) {
                    (1, format!("the rollback `{path}` changes nothing"), path.to_string())
                } else {
                    return None;
                }
            }
            _ => return None,
        },
    };
    let f = ROLLBACK_MISSING
        .finding(format!("rollback missing, empty or a no-op: {why}"))
        .at(&at, Some(line))
        .help("write the reverse operations; where data cannot come back, say so in the plan's Data section");
    Some(f)
}

#[cfg(test)]
mod tests {
    use crate::analyzers::migration::testing::run;

    fn rollback_findings(files: &[(&str, &str)]) -> Vec<(String, String)> {
        run(files)
            .into_iter()
            .filter(|f| f.rule == "migration-rollback-missing")
            .map(|f| (f.file.unwrap(), f.message))
            .collect()
    }

    #[test]
    fn diesel_and_golang_migrate_pairs() {
        let up = (
            "migrations/2024-01-01-000000_add_age/up.sql",
            "ALTER TABLE users ADD COLUMN age int;",
        );
        assert_eq!(
            rollback_findings(&[up]),
            vec![(up.0.to_string(), "rollback missing, empty or a no-op: no rollback: `migrations/2024-01-01-000000_add_age/down.sql` is not part of this change".to_string())]
        );
        let empty = (
            "migrations/2024-01-01-000000_add_age/down.sql",
            "-- nothing to do\nSELECT 1;",
        );
        assert_eq!(rollback_findings(&[up, empty]).len(), 1);
        let real = (
            "migrations/2024-01-01-000000_add_age/down.sql",
            "ALTER TABLE users DROP COLUMN age;",
        );
        assert!(rollback_findings(&[up, real]).is_empty());
        let up = ("db/20240101_add_age.up.sql", "ALTER TABLE users ADD COLUMN age int;");
        assert_eq!(rollback_findings(&[up]).len(), 1);
    }

    #[test]
    fn down_files_may_drop_what_their_up_created() {
        let up = (
            "migrations/2024-01-01-000000_add_age/up.sql",
            "ALTER TABLE users ADD COLUMN age int;\nCREATE TABLE pets (id int);",
        );
        let down = (
            "migrations/2024-01-01-000000_add_age/down.sql",
            "DROP TABLE pets;\nALTER TABLE users DROP COLUMN age;",
        );
        assert!(run(&[up, down]).is_empty());
        // Dropping something the up did not create is still destructive.
        let down = (
            "migrations/2024-01-01-000000_add_age/down.sql",
            "DROP TABLE pets;\nALTER TABLE users DROP COLUMN email;",
        );
        let rules: Vec<_> = run(&[up, down]).into_iter().map(|f| f.rule).collect();
        assert_eq!(rules, vec!["migration-drops-column"]);
    }
}
