//! What a changed file is: its kind, language and migration format.

use serde::Deserialize;
use strum::{EnumString, IntoStaticStr, VariantArray, VariantNames};

#[derive(Debug, Clone, Copy, PartialEq, Eq, IntoStaticStr, EnumString, VariantArray)]
#[strum(serialize_all = "lowercase")]
pub enum Language {
    Rust,
    Python,
    JavaScript,
    TypeScript,
    Go,
    Java,
    Kotlin,
    Ruby,
    CSharp,
    Php,
    C,
    Cpp,
    Shell,
    Sql,
}

impl Language {
    pub fn from_path(path: &str) -> Option<Language> {
        let ext = path.rsplit_once('.').map(|(_, e)| e)?;
        Some(match ext {
            "rs" => Language::Rust,
            "py" => Language::Python,
            "js" | "jsx" | "mjs" | "cjs" => Language::JavaScript,
            "ts" | "tsx" | "mts" | "cts" => Language::TypeScript,
            "go" => Language::Go,
            "java" => Language::Java,
            "kt" | "kts" => Language::Kotlin,
            "rb" => Language::Ruby,
            "cs" => Language::CSharp,
            "php" => Language::Php,
            "c" | "h" => Language::C,
            "cc" | "cpp" | "cxx" | "hpp" | "hh" => Language::Cpp,
            "sh" | "bash" => Language::Shell,
            "sql" => Language::Sql,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, IntoStaticStr, EnumString, VariantArray)]
#[strum(serialize_all = "kebab-case")]
pub enum MigrationFormat {
    Rails,
    Django,
    Alembic,
    Diesel,
    Sqlx,
    GolangMigrate,
    Flyway,
    Prisma,
    Knex,
    Liquibase,
    Sql,
}

impl MigrationFormat {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

crate::vocabulary! {
    /// How a file changed between the base and the head.
    pub enum FileStatus {
        Added,
        Modified,
        Deleted,
        Renamed,
        Copied,
        TypeChanged,
    }
}

/// The SQL dialect migrations are read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default, IntoStaticStr)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum Dialect {
    #[default]
    Postgres,
    Mysql,
    Sqlite,
    Generic,
}

/// Whether a migration file applies a change or reverts one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MigrationRole {
    /// Applies the change; may contain its own rollback (Rails `down`, Alembic `downgrade`).
    Up,
    /// A separate rollback file (`down.sql`, Flyway `U__`).
    Down,
    /// Flyway `R__`: re-applied whenever it changes.
    Repeatable,
}

/// A file's kind; its name is how rule packs' `kinds` filter spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, IntoStaticStr, VariantNames)]
#[strum(serialize_all = "kebab-case")]
pub enum FileKind {
    Migration {
        format: MigrationFormat,
        role: MigrationRole,
        /// From config; `None` means detect from the file.
        dialect: Option<Dialect>,
    },
    Source {
        language: Language,
    },
    Test {
        language: Option<Language>,
    },
    JsonFixture,
    JsonSchema,
    #[strum(serialize = "openapi")]
    OpenApi,
    Ci,
    Config,
    Docs,
    Lockfile,
    Generated,
    Ignored,
    #[default]
    Other,
}

impl FileKind {
    /// Every kind's name.
    pub const NAMES: &'static [&'static str] = <FileKind as VariantNames>::VARIANTS;

    pub fn name(&self) -> &'static str {
        self.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_contract() {
        assert_eq!(
            FileKind::NAMES,
            [
                "migration",
                "source",
                "test",
                "json-fixture",
                "json-schema",
                "openapi",
                "ci",
                "config",
                "docs",
                "lockfile",
                "generated",
                "ignored",
                "other"
            ]
        );
        assert_eq!(MigrationFormat::GolangMigrate.as_str(), "golang-migrate");
        assert_eq!(Language::JavaScript.as_str(), "javascript");
        assert_eq!(Language::CSharp.as_str(), "csharp");
        assert_eq!(FileKind::OpenApi.name(), "openapi");
    }
}
