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
    /// without a real `down`. A declared no-op reverse (`RunPython.noop`) is the team's choice
    /// and counts only when the forward code changes values that existed: filling fields the
    /// change adds, filling values that are still `NULL`, or creating rows loses nothing. A
    /// Diesel or golang-migrate up that itself changes nothing (comments, a plain `SELECT`, a
    /// `DO` block that only reads and raises) needs no down. A declared no-op reverse of code that does change values
    /// that existed is tagged `data-rewrite`: a rollback plan checked for the change must then
    /// say in its Data section how the data comes back (the finding alone, at medium, asks for
    /// no plan). One migration kept per backend (`migrations/{mysql,postgresql,sqlite}/…`)
    /// is reported once.
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

/// SQL that changes nothing: only comments, `SELECT`s, and `DO` blocks that only read and
/// raise (a guard that stops the migration when data needs a manual step).
fn is_noop_sql(text: &str, dialect: Dialect) -> bool {
    sql::split(text, dialect, 1)
        .iter()
        .flat_map(|s| sql::ops_of(s, dialect))
        .all(|o| {
            let lower = o.statement.to_lowercase();
            let reads = match &o.kind {
                // `SELECT 1` reads; `SELECT setval(…)` or `SELECT … INTO` writes.
                OpKind::Other => lower.starts_with("select") && !lower.contains('(') && !lower.contains(" into "),
                OpKind::DoBlock { dynamic, nested } => !dynamic && nested.is_empty() && is_read_only_do_block(&lower),
                _ => false,
            };
            reads || o.statement.trim_matches(';').is_empty()
        })
}

/// A `DO` block whose code, outside string literals, has no statement that writes.
fn is_read_only_do_block(lower: &str) -> bool {
    const WRITES: &[&str] = &[
        "insert", "update", "delete", "alter", "create", "drop", "truncate", "execute", "perform", "call", "grant",
        "revoke", "comment", "copy", "merge", "refresh", "reindex", "vacuum", "cluster", "lock",
    ];
    let Some(body) = lower.strip_prefix("do") else {
        return false;
    };
    // Comments and single-quoted literals (messages of RAISE) are not code.
    let body: String = body
        .lines()
        .map(|l| l.split("--").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let code: String = body.split('\'').step_by(2).collect::<Vec<_>>().join(" ");
    let words: Vec<&str> = code
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .filter(|w| !w.is_empty())
        .collect();
    // `comment` and `lock` are also table names (`FROM comment`): writes only as `COMMENT ON`
    // and `LOCK TABLE`.
    !words.iter().enumerate().any(|(i, word)| match *word {
        "comment" => words.get(i + 1) == Some(&"on"),
        "lock" => words.get(i + 1) == Some(&"table"),
        w => WRITES.contains(&w),
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
    // Nothing to undo: the up itself changes nothing.
    if matches!(format, MigrationFormat::Diesel | MigrationFormat::GolangMigrate)
        && is_noop_sql(file.new_text.get().unwrap_or(""), dialect)
    {
        return None;
    }
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
    fn an_up_that_changes_nothing_needs_no_rollback() {
        let guard = (
            "migrations/2025-08-01-000002_check_data/up.sql",
            "-- stop when rows need a manual step\nDO $$\nBEGIN\n    IF EXISTS (SELECT FROM person WHERE public_key = '' UNION ALL SELECT id FROM comment WHERE local AND ap_id LIKE 'http://changeme%' UNION ALL SELECT id FROM lock WHERE id = 0) THEN\n        RAISE EXCEPTION 'update the keys first: DELETE nothing';\n    END IF;\nEND\n$$;",
        );
        let down = ("migrations/2025-08-01-000002_check_data/down.sql", "SELECT 1;");
        assert!(rollback_findings(&[guard, down]).is_empty());
        let only_comments = (
            "migrations/2025-12-20-000000_remove_files/up.sql",
            "-- DROP TABLE files;\n",
        );
        assert!(rollback_findings(&[only_comments]).is_empty());
        // A DO block that writes is work to undo.
        let writes = (
            "migrations/2025-08-01-000003_fix/up.sql",
            "DO $$\nBEGIN\n    UPDATE person SET public_key = 'x' WHERE public_key = '';\nEND\n$$;",
        );
        let down = ("migrations/2025-08-01-000003_fix/down.sql", "SELECT 1;");
        assert_eq!(rollback_findings(&[writes, down]).len(), 1);
        let comments_on = (
            "migrations/2025-08-01-000003_fix/up.sql",
            "DO $$\nBEGIN\n    COMMENT ON TABLE person IS 'people';\nEND\n$$;",
        );
        assert_eq!(rollback_findings(&[comments_on, down]).len(), 1);
        // An apostrophe in a comment does not hide the INSERT after it.
        let commented = (
            "migrations/2025-08-01-000004_roles/up.sql",
            "DO $$\nBEGIN\n    -- don't rerun\n    INSERT INTO admin_roles VALUES (1, 'root');\nEND\n$$;",
        );
        let down = ("migrations/2025-08-01-000004_roles/down.sql", "SELECT 1;");
        assert_eq!(rollback_findings(&[commented, down]).len(), 1);
        // A SELECT that calls a function may write.
        let setval = (
            "migrations/2025-08-01-000005_seq/up.sql",
            "SELECT setval('post_id_seq', 1000);",
        );
        let down = ("migrations/2025-08-01-000005_seq/down.sql", "SELECT 1;");
        assert_eq!(rollback_findings(&[setval, down]).len(), 1);
    }

    fn run_python(name: &str, body: &str) -> (String, String) {
        (
            format!("hc/api/migrations/{name}.py"),
            format!(
                "from django.db import migrations\n\n\ndef forward(apps, schema_editor):\n    Check = apps.get_model(\"api\", \"Check\")\n{body}\n\n\nclass Migration(migrations.Migration):\n    dependencies = [(\"api\", \"0001_initial\")]\n    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]\n"
            ),
        )
    }

    #[test]
    fn a_declared_no_op_reverse_of_code_that_only_fills_is_the_teams_choice() {
        let fills_empty = run_python(
            "0117_fill_badge_key",
            "    for c in Check.objects.filter(badge_key=None):\n        c.badge_key = uuid.uuid4()\n        c.save()",
        );
        assert!(rollback_findings(&[(&fills_empty.0, &fills_empty.1)]).is_empty());
        let guarded = run_python(
            "0118_fill_name",
            "    for c in Check.objects.all():\n        if c.name is None:\n            c.name = c.code\n        c.save()\n    Check.objects.filter(desc__isnull=True).update(desc=\"\")",
        );
        assert!(rollback_findings(&[(&guarded.0, &guarded.1)]).is_empty());
        // One write of the field outside the test overwrites values that existed.
        let also_unguarded = run_python(
            "0118_fill_name",
            "    for c in Check.objects.all():\n        if c.name is None:\n            c.name = c.code\n        c.name = c.name.strip()\n        c.save()",
        );
        assert_eq!(rollback_findings(&[(&also_unguarded.0, &also_unguarded.1)]).len(), 1);
        // `exclude(name=None)` loops over the rows that have a value: no guard.
        let excluded = run_python(
            "0118_fill_name",
            "    for c in Check.objects.exclude(name=None):\n        c.name = c.name.strip()\n        c.save()",
        );
        assert_eq!(rollback_findings(&[(&excluded.0, &excluded.1)]).len(), 1);
        // The filter picks rows by another field than the one written.
        let other_field = run_python(
            "0118_fill_name",
            "    Check.objects.filter(desc=None).update(name=\"x\")",
        );
        assert_eq!(rollback_findings(&[(&other_field.0, &other_field.1)]).len(), 1);
        // A field another migration of the change adds holds nothing yet.
        let add = (
            "hc/api/migrations/0035_check_reports.py",
            "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    operations = [\n        migrations.AddField(\n            model_name=\"check\",\n            name=\"reports\",\n            field=models.CharField(default=\"off\", max_length=10),\n        ),\n    ]\n",
        );
        let fill = run_python(
            "0036_fill_reports",
            "    Check.objects.filter(reports_allowed=True).update(reports=\"monthly\")",
        );
        assert!(rollback_findings(&[add, (&fill.0, &fill.1)]).is_empty());
        // Alone, the same code overwrites values that existed.
        assert_eq!(rollback_findings(&[(&fill.0, &fill.1)]).len(), 1);
        // Two models loaded: the rows written are the loop's, a channel's new field.
        let add_error = (
            "hc/api/migrations/0066_channel_last_error.py",
            "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    operations = [\n        migrations.AddField(\n            model_name=\"channel\",\n            name=\"last_error\",\n            field=models.CharField(blank=True, max_length=200),\n        ),\n    ]\n",
        );
        let fill_error = (
            "hc/api/migrations/0067_last_error_values.py",
            "from django.db import migrations\n\n\ndef fill(apps, schema_editor):\n    Channel = apps.get_model(\"api\", \"Channel\")\n    Notification = apps.get_model(\"api\", \"Notification\")\n    for ch in Channel.objects.all():\n        n = Notification.objects.filter(channel=ch).first()\n        ch.last_error = n.error if n else \"\"\n        ch.save()\n\n\nclass Migration(migrations.Migration):\n    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]\n",
        );
        assert!(rollback_findings(&[add_error, fill_error]).is_empty());
        // The same field name added to another model does not count.
        let add_elsewhere = (
            add_error.0,
            add_error.1.replace("model_name=\"channel\"", "model_name=\"check\""),
        );
        assert_eq!(
            rollback_findings(&[(add_elsewhere.0, &add_elsewhere.1), fill_error]).len(),
            1
        );
        let deletes = run_python(
            "0110_delete_hipchat",
            "    Check.objects.filter(kind=\"hipchat\").delete()",
        );
        assert_eq!(rollback_findings(&[(&deletes.0, &deletes.1)]).len(), 1);
        let lowercases = run_python(
            "0049_lowercase",
            "    for c in Check.objects.all():\n        c.email = c.email.lower()\n        c.save()",
        );
        assert_eq!(rollback_findings(&[(&lowercases.0, &lowercases.1)]).len(), 1);
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
