//! Which version a migration file is to its tool: renaming a file to another version makes it
//! new to every database (it runs again where the old one ran); moving it keeps it.

use crate::diff::ChangedFile;
use crate::model::{FileKind, MigrationFormat};

/// The old path of a migration this change renames to another version (`2023-10-24_x/up.sql`
/// → `2025-08-01_x/up.sql`, `0004_a.py` → `0005_a.py`): the tool keys what it applied by that
/// version, so databases that applied the old one run it again.
pub(super) fn reversioned_from(file: &ChangedFile) -> Option<&str> {
    let (old, format) = renamed_migration(file)?;
    // Alembic keys a migration by the `revision` it declares, whatever its file is called.
    if format == MigrationFormat::Alembic {
        if let (Some(a), Some(b)) = (
            file.old_text.get().and_then(alembic_revision),
            file.new_text.get().and_then(alembic_revision),
        ) {
            return (a != b).then_some(old);
        }
    }
    (version_key(old, format) != version_key(&file.path, format)
        && versions_folder(old, format) == versions_folder(&file.path, format))
    .then_some(old)
}

/// The revision id an Alembic migration declares (`revision = "795f46f656c0"`, also annotated
/// `revision: str = …`).
fn alembic_revision(text: &str) -> Option<&str> {
    // Python keeps the last assignment.
    text.lines().rev().find_map(|line| {
        let rest = line.strip_prefix("revision")?;
        let value = rest.split_once('=')?.1.trim();
        let quote = value.chars().next().filter(|c| *c == '"' || *c == '\'')?;
        let value = &value[1..];
        Some(&value[..value.find(quote)?])
    })
}

/// A file git paired with one of another version in another folder (a new migration and an
/// emptied `__init__.py`, say): a new migration, not an edit of that file. One that keeps its
/// version is the same migration moved (`migrations/X/` → `migrations/sqlite/X/`, archived
/// migrations put back into `db/migrate/`), which databases already ran.
pub(super) fn arrived_from_elsewhere(file: &ChangedFile) -> bool {
    renamed_migration(file).is_some_and(|(old, format)| {
        version_key(old, format) != version_key(&file.path, format)
            && versions_folder(old, format) != versions_folder(&file.path, format)
    })
}

fn renamed_migration(file: &ChangedFile) -> Option<(&str, MigrationFormat)> {
    let old = file.old_path.as_deref()?;
    let FileKind::Migration { format, .. } = file.kind else {
        return None;
    };
    Some((old, format))
}

/// What a tool keys an applied migration by: Django the whole name, the others the version
/// before the first `_` (a new description is the same migration).
pub(super) fn version_key(path: &str, format: MigrationFormat) -> String {
    let mut parts = path.rsplit('/');
    let name = parts.next().unwrap_or("");
    // Diesel's and Prisma's version is the folder.
    let name = match name {
        "up.sql" | "down.sql" | "migration.sql" => parts.next().unwrap_or(""),
        _ => name,
    };
    match format {
        MigrationFormat::Django => name.to_string(),
        // Flyway's version is what comes before `__` (`V1_2__add.sql`).
        _ if name.contains("__") => name.split("__").next().unwrap_or(name).to_string(),
        _ => {
            // A number, `V` and a number: its digits are the version, whatever follows
            // (`V0002.WebAuthn.postgres.up.sql`, `000002_users.up.sql`, Diesel's dated
            // `2017-07-27-105423_users`).
            // Tools that key by the whole file name (Liquibase, Knex, a plain folder) keep it,
            // unless it is Flyway's `V<number>` form.
            let by_number = matches!(
                format,
                MigrationFormat::Flyway
                    | MigrationFormat::GolangMigrate
                    | MigrationFormat::Diesel
                    | MigrationFormat::Sqlx
                    | MigrationFormat::Rails
                    | MigrationFormat::Prisma
                    | MigrationFormat::Alembic
            );
            let flyway_form = name.starts_with(['V', 'v']) && name[1..].starts_with(|c: char| c.is_ascii_digit());
            if !by_number && !flyway_form {
                return name.split('_').next().unwrap_or(name).to_string();
            }
            let digits_from = usize::from(name.starts_with(['V', 'v']));
            let digits = name[digits_from..]
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '-')
                .count();
            if digits > 0 {
                name[..digits_from + digits].to_string()
            } else {
                name.split('_').next().unwrap_or(name).to_string()
            }
        }
    }
}

/// The folder the tool reads versions from (for Diesel and Prisma, the one above each version's).
pub(super) fn versions_folder(path: &str, format: MigrationFormat) -> String {
    let mut parts: Vec<&str> = path.split('/').collect();
    let file = parts.pop().unwrap_or("");
    if matches!(format, MigrationFormat::Diesel | MigrationFormat::Prisma)
        || matches!(file, "up.sql" | "down.sql" | "migration.sql")
    {
        parts.pop();
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_is_the_number_a_name_starts_with() {
        let key = |path: &str, format| version_key(path, format);
        assert_eq!(
            key(
                "internal/storage/migrations/V0002.Webauthn.postgres.up.sql",
                MigrationFormat::Sql
            ),
            "V0002"
        );
        assert_eq!(
            key(
                "internal/storage/migrations/V0002.WebAuthn.postgres.up.sql",
                MigrationFormat::Sql
            ),
            key(
                "internal/storage/migrations/V0002.Webauthn.postgres.up.sql",
                MigrationFormat::Sql
            )
        );
        assert_eq!(
            key("db/migrate/20150101000000_add_x.rb", MigrationFormat::Rails),
            "20150101000000"
        );
        assert_eq!(
            key("migrations/2017-07-27-105423_users/up.sql", MigrationFormat::Diesel),
            "2017-07-27-105423"
        );
        assert_eq!(key("sql/V1_2__add_users.sql", MigrationFormat::Sql), "V1_2");
        assert_eq!(
            key("app/migrations/0013_remove_uuid.py", MigrationFormat::Django),
            "0013_remove_uuid.py"
        );
        assert_ne!(
            key("sql/000002_users.up.sql", MigrationFormat::Sql),
            key("sql/000003_users.up.sql", MigrationFormat::Sql)
        );
    }
}
