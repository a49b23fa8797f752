//! `migration-does-not-parse`: SQL written for another dialect than the migration's.

use crate::analyzers::migration::ops::Script;
use crate::code_rule;
use crate::config::Dialect;
use crate::model::Finding;

code_rule! {
    /// ## What it does
    /// Reports a SQL migration with statements that the parser rejects in the migration's
    /// dialect but accepts in another one (MySQL, PostgreSQL, SQLite), once per file, with the
    /// line of the first. riskgate still reads their operations with its token scan, and any
    /// finding from them says so. SQL that no dialect of the parser knows (PostgreSQL's `NOT
    /// VALID`, for one) is not reported: the parser's gaps are not the author's mistakes.
    ///
    /// ## Why is this risky?
    /// The database will most likely reject the statement (MySQL's `LOCK TABLES` or backticks
    /// in a PostgreSQL migration), and the deploy stops half-way through the migrations. It is `medium`: a
    /// hint, never a reason to block on its own.
    ///
    /// ## Example
    /// ```sql
    /// -- a PostgreSQL migration; LOCK TABLES … WRITE is MySQL's
    /// LOCK TABLES accounts WRITE;
    /// ```
    ///
    /// ## How to roll back
    /// Nothing ran if the database rejected it; fix the statement. Test migrations against the
    /// database they run on (`riskgate rehearse`, or the application's own migration tests).
    pub static MIGRATION_DOES_NOT_PARSE: "migration-does-not-parse", Migration, Medium, [], gating = NotAnalyzed;
}

pub fn check(path: &str, script: &Script, dialect: Dialect) -> Option<Finding> {
    let first = *script.unparsed.first()?;
    let n = script.unparsed.len();
    let mut f = MIGRATION_DOES_NOT_PARSE
        .finding(format!(
            "{n} statement{} do{} not parse as {dialect:?} SQL but do{} in another dialect (first at line {first}); read by the token scan",
            if n == 1 { "" } else { "s" },
            if n == 1 { "es" } else { "" },
            if n == 1 { "es" } else { "" },
        ))
        .at(path, Some(first))
        .help("check the statement against the database it runs on; a rejected statement stops the deploy half-way");
    f.end_line = Some(first);
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::MigrationFormat;

    fn run(sql: &str, dialect: Dialect) -> Option<Finding> {
        let script = crate::analyzers::migration::read_file(MigrationFormat::Sql, sql, dialect);
        check("db/migrations/0007.sql", &script, dialect)
    }

    #[test]
    fn fires_on_sql_the_dialect_rejects() {
        let f = run(
            "ALTER TABLE accounts ADD COLUMN x int;\nALTER TABLE `accounts` ADD COLUMN `flags` int;\n",
            Dialect::Postgres,
        )
        .expect("a finding");
        assert_eq!(f.rule, "migration-does-not-parse");
        assert_eq!(f.line, Some(2));
        assert_eq!(
            f.message,
            "1 statement does not parse as Postgres SQL but does in another dialect (first at line 2); read by the token scan"
        );
    }

    #[test]
    fn quiet_on_sql_that_parses() {
        assert!(run(
            "ALTER TABLE accounts ADD COLUMN flags int;\nCREATE INDEX CONCURRENTLY i ON accounts (flags);\n",
            Dialect::Postgres
        )
        .is_none());
        assert!(run("ALTER TABLE `accounts` ADD COLUMN `flags` int;\n", Dialect::Mysql).is_none());
        // Valid PostgreSQL the parser does not know is the parser's gap, not the author's.
        assert!(run(
            "ALTER TABLE a ADD CONSTRAINT c CHECK (x > 0) NOT VALID;\n",
            Dialect::Postgres
        )
        .is_none());
    }

    #[test]
    fn a_backends_own_folder_decides_its_dialect() {
        // vaultwarden's layout: the MySQL folder's `DROP PRIMARY KEY` is MySQL, not a mistake.
        let file = crate::diff::ChangedFile::from_lines(
            "migrations/mysql/2022-03-02-210038_update_devices_primary_key/up.sql",
            crate::diff::FileStatus::Added,
            &[],
            &["ALTER TABLE devices DROP PRIMARY KEY;"],
        );
        let change = crate::diff::ChangeSet {
            files: vec![file],
            ..Default::default()
        };
        let change = crate::classify::Classifier::new(&crate::config::Config::default())
            .unwrap()
            .classify(change);
        let rules: Vec<String> = crate::analyzers::migration::analyze(&change)
            .into_iter()
            .map(|f| f.rule)
            .collect();
        assert!(!rules.contains(&"migration-does-not-parse".to_string()), "{rules:?}");
        assert_eq!(
            crate::analyzers::migration::sql::dialect_from_path("db/postgresql/1/up.sql"),
            Some(Dialect::Postgres)
        );
        assert_eq!(
            crate::analyzers::migration::sql::dialect_from_path("db/migrate/1.sql"),
            None
        );
    }
}
