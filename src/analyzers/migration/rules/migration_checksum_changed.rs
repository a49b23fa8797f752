//! `migration-checksum-changed`: an applied migration edited under a tool that checksums it.

use crate::classify::MigrationFormat;
use crate::code_rule;
use crate::diff::ChangedFile;
use crate::model::Finding;

code_rule! {
    /// ## What it does
    /// Reports an edit of a migration that existed before the change when the migration tool
    /// records a checksum of every migration it applied and checks it on the next run: sqlx
    /// (a flat `migrations/<version>_<name>.sql` folder in a repository that depends on the
    /// `sqlx` crate) and Flyway (`V<version>__<name>.sql`, `U…` rollbacks; not the repeatable
    /// `R__` scripts, which Flyway re-applies when they change by design). Line endings aside,
    /// any byte changes the checksum, so comments and whitespace count.
    ///
    /// ## Why is this risky?
    /// Every database that already ran the migration stops migrating: sqlx fails with
    /// "migration … was previously applied but has been modified", Flyway's validation fails
    /// with a checksum mismatch, and the deploy halts before any later migration runs. Fresh
    /// databases run the edited version, so environments drift apart. Where other tools only
    /// drift (`applied-migration-edited`, medium), these break the next deploy: `high`. When
    /// the repository tags its releases and no tag holds the migration yet, only databases that
    /// ran a development build refuse: `medium`, not gating.
    ///
    /// ## Example
    /// ```toml Cargo.toml (base)
    /// [dependencies]
    /// sqlx = { version = "0.8", features = ["postgres", "migrate"] }
    /// ```
    /// ```sql migrations/20240101000000_users.sql (before)
    /// ALTER TABLE users DROP COLUMN IF EXISTS email_verified;
    /// ```
    /// ```sql migrations/20240101000000_users.sql
    /// ALTER TABLE users DROP COLUMN email_verified;
    /// ```
    ///
    /// ## How to roll back
    /// Restore the file byte for byte and make the change in a new migration. Where the edit
    /// has already been deployed somewhere, repair the recorded checksum there (`flyway repair`,
    /// or update `_sqlx_migrations.checksum`) rather than editing again.
    pub static MIGRATION_CHECKSUM_CHANGED: "migration-checksum-changed", Migration, High, [Drift], gating = BrokenContract;
}

/// The checksumming tool that applies `format` in this repository, if any; whether the
/// repository depends on sqlx is asked only for the layouts sqlx uses.
pub fn checksummed(format: MigrationFormat, depends_on_sqlx: impl Fn() -> bool) -> Option<&'static str> {
    match format {
        MigrationFormat::Flyway => Some("Flyway"),
        // sqlx's reversible migrations (`.up.sql`) are read as golang-migrate's layout.
        MigrationFormat::Sqlx | MigrationFormat::GolangMigrate if depends_on_sqlx() => Some("sqlx"),
        _ => None,
    }
}

/// The finding for an edited migration `file` under `tool`, at its first changed line; none
/// when only line endings changed. `released`: whether a release tag holds the file (`None`:
/// the repository has no tags, so what is on its branch has run).
pub fn check(file: &ChangedFile, tool: &str, released: Option<bool>) -> Option<Finding> {
    let (old, new) = (file.old_text.get()?, file.new_text.get()?);
    if old.lines().eq(new.lines()) {
        return None;
    }
    let line = file.first_edit_line();
    let mut f = MIGRATION_CHECKSUM_CHANGED
        .finding(format!(
            "{tool} records a checksum of every migration it applied: databases that ran `{}` refuse to migrate until the file is restored",
            file.path
        ))
        .at(&file.path, Some(line))
        .help("restore the applied migration byte for byte and make the change in a new migration");
    f.end_line = Some(line);
    if released == Some(false) {
        f.severity = crate::model::Severity::Medium;
        f.gating = None;
        f.message
            .push_str("; no release tag holds it yet, so only databases that ran a development build refuse");
    }
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::{FileStatus, LazyText};

    fn edited(old: &str, new: &str) -> ChangedFile {
        let mut f = ChangedFile::from_lines("migrations/1_a.sql", FileStatus::Modified, &[old], &[new]);
        f.old_text = LazyText::loaded(old.to_string());
        f.new_text = LazyText::loaded(new.to_string());
        f
    }

    #[test]
    fn only_checksumming_tools_count() {
        assert_eq!(checksummed(MigrationFormat::Flyway, || false), Some("Flyway"));
        assert_eq!(checksummed(MigrationFormat::Sqlx, || true), Some("sqlx"));
        assert_eq!(checksummed(MigrationFormat::Sqlx, || false), None);
        assert_eq!(checksummed(MigrationFormat::Diesel, || true), None);
        assert_eq!(checksummed(MigrationFormat::Rails, || true), None);
        // Other tools never ask whether the repository depends on sqlx.
        assert_eq!(checksummed(MigrationFormat::Flyway, || unreachable!()), Some("Flyway"));
    }

    #[test]
    fn any_edit_fires_but_line_endings_do_not() {
        let f = check(&edited("DROP TABLE a;\n", "-- why\nDROP TABLE a;\n"), "sqlx", None).expect("a finding");
        assert_eq!((f.rule.as_str(), f.line), ("migration-checksum-changed", Some(1)));
        assert_eq!(f.severity, crate::model::Severity::High);
        assert!(check(&edited("DROP TABLE a;\n", "DROP TABLE a;\r\n"), "sqlx", None).is_none());
        let released = check(
            &edited("DROP TABLE a;\n", "-- why\nDROP TABLE a;\n"),
            "sqlx",
            Some(true),
        )
        .expect("a finding");
        assert_eq!(released.severity, crate::model::Severity::High);
        let unreleased = check(
            &edited("DROP TABLE a;\n", "-- why\nDROP TABLE a;\n"),
            "sqlx",
            Some(false),
        )
        .expect("a finding");
        assert_eq!(
            (unreleased.severity, unreleased.gating),
            (crate::model::Severity::Medium, None)
        );
        assert!(unreleased
            .message
            .ends_with("only databases that ran a development build refuse"));
    }
}
