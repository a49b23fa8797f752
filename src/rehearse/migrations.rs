//! Which SQL migrations a rehearsal applies, in which order: those of the base tree bring the
//! database to the base; those the head adds are the change. Only formats stored as SQL are
//! read (Diesel, sqlx, golang-migrate, Flyway, Prisma, plain SQL folders); everything else is
//! named as not rehearsed, never passed silently.

use crate::model::{FileKind, MigrationFormat, MigrationRole};
use std::collections::{BTreeMap, BTreeSet};

/// A migration file of a tree, with its kind from the path and its text.
#[derive(Debug, Clone)]
pub struct SqlFile {
    pub path: String,
    pub kind: FileKind,
    pub text: String,
}

/// One migration: its up file and, when there is one, its down file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The version as its folder or file name spells it; steps are applied in its natural order.
    pub version: String,
    pub up_path: String,
    pub up: String,
    pub down_path: Option<String>,
    pub down: Option<String>,
}

impl Step {
    /// sqlx's `-- no-transaction` directive on the first line: the file runs statement by
    /// statement, each committed on its own.
    pub fn outside_transaction(sql: &str) -> bool {
        sql.lines().next().is_some_and(|l| l.trim() == "-- no-transaction")
    }
}

/// The rehearsal's script: the base's migrations, then the change's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Script {
    pub base: Vec<Step>,
    pub change: Vec<Step>,
    /// Files of the change the rehearsal does not run, each with the reason.
    pub not_rehearsed: Vec<(String, String)>,
}

/// One script per migration root (the folder a tool runs: `migrations/`, or a crate's own),
/// for the roots the change adds migrations to: each root is its own database, rehearsed on
/// its own. A root whose folders or files say it is another database's (SQLite, MySQL) is named
/// as not rehearsed.
pub fn scripts(base: &[SqlFile], head: &[SqlFile], changed: &[&str]) -> Vec<(String, Script)> {
    let roots: BTreeSet<String> = head.iter().filter_map(root_of).collect();
    let mut out = Vec::new();
    let mut elsewhere: Vec<(String, String)> = Vec::new();
    for root in roots {
        let of_root = |files: &[SqlFile]| -> Vec<SqlFile> {
            files
                .iter()
                .filter(|f| root_of(f).as_deref() == Some(root.as_str()))
                .cloned()
                .collect()
        };
        let (b, h) = (of_root(base), of_root(head));
        let mut script = script(&b, &h, changed);
        if script.change.is_empty() {
            elsewhere.append(&mut script.not_rehearsed);
            continue;
        }
        if let Some(other) = other_database(&root, &b, &h) {
            for step in &script.change {
                elsewhere.push((
                    step.up_path.clone(),
                    format!("{root} holds {other} migrations; the rehearsal runs PostgreSQL"),
                ));
            }
            elsewhere.append(&mut script.not_rehearsed);
            continue;
        }
        out.push((root, script));
    }
    elsewhere.sort();
    elsewhere.dedup();
    match out.first_mut() {
        Some((_, first)) => first.not_rehearsed.extend(elsewhere),
        None if !elsewhere.is_empty() => out.push((
            String::new(),
            Script {
                not_rehearsed: elsewhere,
                ..Script::default()
            },
        )),
        None => {}
    }
    out
}

/// The folder a migration tool runs (`classify::migration_root`).
fn root_of(file: &SqlFile) -> Option<String> {
    let FileKind::Migration { format, .. } = file.kind else {
        return None;
    };
    Some(crate::classify::migration_root(&file.path, format).to_string())
}

/// "SQLite" or "MySQL" when the root's folders name that database (`server-sqlite/`), or its
/// up files carry that database's own words (`AUTOINCREMENT`, `PRAGMA`, `strftime`,
/// `WITHOUT ROWID`; `ENGINE=`, `AUTO_INCREMENT`) and none of PostgreSQL's (`::`, `$$`,
/// `jsonb`, `serial`, …). A backtick alone is not enough: a PostgreSQL migration that has one is a
/// mistake the rehearsal should show.
fn other_database(root: &str, base: &[SqlFile], head: &[SqlFile]) -> Option<&'static str> {
    let folders = root.to_ascii_lowercase();
    if folders.contains("postgres") {
        return None;
    }
    if folders.contains("sqlite") {
        return Some("SQLite");
    }
    if folders.contains("mysql") || folders.contains("mariadb") {
        return Some("MySQL");
    }
    // The up files: downs are mostly `DROP`s, which every database spells alike.
    let files: Vec<String> = base
        .iter()
        .chain(head)
        .filter(|f| {
            matches!(
                f.kind,
                FileKind::Migration {
                    role: MigrationRole::Up,
                    ..
                }
            )
        })
        .map(|f| f.text.to_ascii_lowercase())
        .collect();
    let any = |words: &[&str]| files.iter().any(|t| words.iter().any(|w| t.contains(w)));
    // Words only PostgreSQL has: with any of them, the root is PostgreSQL's after all.
    if any(&[
        "::",
        "$$",
        "serial",
        "jsonb",
        "timestamptz",
        "create extension",
        "using btree",
        "now()",
    ]) {
        return None;
    }
    if any(&[
        "autoincrement",
        "pragma ",
        "strftime",
        "unixepoch",
        "without rowid",
        "datetime('now",
        "datetime ('now",
    ]) {
        Some("SQLite")
    } else if any(&["engine=", "engine =", "auto_increment"]) {
        Some("MySQL")
    } else {
        None
    }
}

/// Builds the script from the migration files of the base and head trees; `changed` are the
/// paths the change touches (only those are named as not rehearsed).
pub fn script(base: &[SqlFile], head: &[SqlFile], changed: &[&str]) -> Script {
    let base_steps = steps(base, &mut Vec::new());
    let mut not_rehearsed = Vec::new();
    let head_steps = steps(head, &mut not_rehearsed);
    let base_texts: BTreeMap<&str, &str> = base_steps.iter().map(|s| (s.up_path.as_str(), s.up.as_str())).collect();
    let mut change = Vec::new();
    for step in head_steps {
        match base_texts.get(step.up_path.as_str()) {
            None => change.push(step),
            Some(text) if *text != step.up => not_rehearsed.push((
                step.up_path.clone(),
                "an applied migration was edited: databases that ran it will not run it again".to_string(),
            )),
            Some(_) => {}
        }
    }
    // Only the change's own files: the rest of the tree is not what is under review.
    not_rehearsed.retain(|(path, _)| changed.contains(&path.as_str()));
    not_rehearsed.sort();
    Script {
        base: base_steps,
        change,
        not_rehearsed,
    }
}

/// The steps of one tree, in order; files it cannot run go to `skipped` with the reason.
fn steps(files: &[SqlFile], skipped: &mut Vec<(String, String)>) -> Vec<Step> {
    let mut ups: BTreeMap<(String, String), &SqlFile> = BTreeMap::new();
    let mut downs: BTreeMap<(String, String), &SqlFile> = BTreeMap::new();
    for file in files {
        let FileKind::Migration { format, role, .. } = file.kind else {
            continue;
        };
        let Some(key) = version_key(format, &file.path) else {
            skipped.push((
                file.path.clone(),
                format!(
                    "{} migrations are not stored as SQL; the rehearsal runs SQL files only",
                    format.as_str()
                ),
            ));
            continue;
        };
        match role {
            MigrationRole::Up => {
                ups.insert(key, file);
            }
            MigrationRole::Down => {
                downs.insert(key, file);
            }
            MigrationRole::Repeatable => skipped.push((
                file.path.clone(),
                "a repeatable migration; the rehearsal runs versioned ones".to_string(),
            )),
        }
    }
    let mut out: Vec<Step> = ups
        .into_iter()
        .map(|(key, up)| {
            let down = downs.get(&key);
            Step {
                version: order_key(&key.1),
                up_path: up.path.clone(),
                up: up.text.clone(),
                down_path: down.map(|d| d.path.clone()),
                down: down.map(|d| d.text.clone()),
            }
        })
        .collect();
    out.sort_by(|a, b| crate::text::natural(&a.version, &b.version).then_with(|| a.up_path.cmp(&b.up_path)));
    out
}

/// (folder, version) pairing an up file with its down file; `None` for formats not stored as SQL.
fn version_key(format: MigrationFormat, path: &str) -> Option<(String, String)> {
    if !path.ends_with(".sql") {
        return None;
    }
    let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
    let key = |d: &str, v: &str| Some((d.to_string(), v.to_string()));
    match format {
        // <dir>/<version>/{up,down}.sql and <dir>/<version>/migration.sql: the folder is the version.
        MigrationFormat::Diesel | MigrationFormat::Prisma => {
            let (parent, version) = dir.rsplit_once('/').unwrap_or(("", dir));
            key(parent, version)
        }
        MigrationFormat::GolangMigrate => {
            let stem = name
                .strip_suffix(".up.sql")
                .or_else(|| name.strip_suffix(".down.sql"))?;
            key(dir, stem)
        }
        // V1_2__add.sql pairs with U1_2__add.sql.
        MigrationFormat::Flyway => key(dir, &name[1..]),
        MigrationFormat::Sqlx | MigrationFormat::Sql => key(dir, name),
        MigrationFormat::Rails
        | MigrationFormat::Django
        | MigrationFormat::Alembic
        | MigrationFormat::Knex
        | MigrationFormat::Liquibase => None,
    }
}

/// The part of a version that orders it: Flyway's `1_1__add.sql` is version 1.1, after 1
/// (`1__x.sql`) and before 2; other formats order by the whole name.
fn order_key(version: &str) -> String {
    match version.split_once("__") {
        Some((v, _)) if v.chars().all(|c| c.is_ascii_digit() || c == '_' || c == '.') => v.replace('_', "."),
        _ => version.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Dialect, MigrationFormat::*, MigrationRole::*};

    fn file(path: &str, format: MigrationFormat, role: MigrationRole, text: &str) -> SqlFile {
        SqlFile {
            path: path.into(),
            kind: FileKind::Migration {
                format,
                role,
                dialect: None::<Dialect>,
            },
            text: text.into(),
        }
    }

    #[test]
    fn versions_order_as_numbers() {
        let mut v = vec!["10__c.sql", "2__b.sql", "1_1__a.sql", "1__a.sql", "1.2__d.sql"];
        v.sort_by(|a, b| crate::text::natural(&order_key(a), &order_key(b)));
        assert_eq!(v, ["1__a.sql", "1_1__a.sql", "1.2__d.sql", "2__b.sql", "10__c.sql"]);
        let mut d = vec!["2024-02-01-000000_b", "2024-01-01-000000_a"];
        d.sort_by(|a, b| crate::text::natural(&order_key(a), &order_key(b)));
        assert_eq!(d, ["2024-01-01-000000_a", "2024-02-01-000000_b"]);
    }

    #[test]
    fn pairs_ups_with_downs_and_keeps_what_the_head_adds() {
        let base = vec![
            file(
                "migrations/2024-01-01-000000_users/up.sql",
                Diesel,
                Up,
                "CREATE TABLE users (id int);",
            ),
            file(
                "migrations/2024-01-01-000000_users/down.sql",
                Diesel,
                Down,
                "DROP TABLE users;",
            ),
        ];
        let mut head = base.clone();
        head.push(file(
            "migrations/2024-02-01-000000_email/up.sql",
            Diesel,
            Up,
            "ALTER TABLE users ADD email text;",
        ));
        head.push(file(
            "migrations/2024-02-01-000000_email/down.sql",
            Diesel,
            Down,
            "ALTER TABLE users DROP email;",
        ));
        head.push(file("db/changelog.xml", Liquibase, Up, "<x/>"));
        let s = script(
            &base,
            &head,
            &["migrations/2024-02-01-000000_email/up.sql", "db/changelog.xml"],
        );
        assert_eq!(s.base.len(), 1);
        assert_eq!(s.base[0].down.as_deref(), Some("DROP TABLE users;"));
        assert_eq!(s.change.len(), 1);
        assert_eq!(s.change[0].version, "2024-02-01-000000_email");
        assert_eq!(
            s.change[0].down_path.as_deref(),
            Some("migrations/2024-02-01-000000_email/down.sql")
        );
        assert_eq!(s.not_rehearsed[0].0, "db/changelog.xml");
    }

    #[test]
    fn each_root_is_its_own_database_and_sqlite_roots_are_named() {
        let base = vec![
            file(
                "crates/server-postgres/migrations/1_users.sql",
                Sqlx,
                Up,
                "CREATE TABLE users (id bigint);",
            ),
            file(
                "crates/client/migrations/1_history.sql",
                Sqlx,
                Up,
                "CREATE TABLE history (id integer primary key autoincrement);",
            ),
        ];
        let mut head = base.clone();
        head.push(file(
            "crates/server-postgres/migrations/2_nick.sql",
            Sqlx,
            Up,
            "ALTER TABLE users ADD nick text;",
        ));
        head.push(file(
            "crates/client/migrations/2_idx.sql",
            Sqlx,
            Up,
            "CREATE INDEX h ON history (id);",
        ));
        head.push(file(
            "crates/server-sqlite/migrations/1_users.sql",
            Sqlx,
            Up,
            "CREATE TABLE users (id int);",
        ));
        head.push(file(
            "crates/kv/migrations/1_kv.up.sql",
            GolangMigrate,
            Up,
            "CREATE TABLE kv (at integer default (strftime ('%s', 'now')));",
        ));
        head.push(file(
            "crates/kv/migrations/1_kv.down.sql",
            GolangMigrate,
            Down,
            "DROP TABLE kv;",
        ));
        let changed: Vec<&str> = head[2..].iter().map(|f| f.path.as_str()).collect();
        let s = scripts(&base, &head, &changed);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].0, "crates/server-postgres/migrations");
        assert_eq!(s[0].1.base.len(), 1);
        assert_eq!(s[0].1.change[0].up_path, "crates/server-postgres/migrations/2_nick.sql");
        let skipped: Vec<&str> = s[0].1.not_rehearsed.iter().map(|(_, why)| why.as_str()).collect();
        assert_eq!(
            skipped,
            [
                "crates/client/migrations holds SQLite migrations; the rehearsal runs PostgreSQL",
                "crates/kv/migrations holds SQLite migrations; the rehearsal runs PostgreSQL",
                "crates/server-sqlite/migrations holds SQLite migrations; the rehearsal runs PostgreSQL"
            ]
        );
    }

    #[test]
    fn other_backends_and_edited_migrations_are_named_not_run() {
        let base = vec![file("migrations/postgresql/1_a/up.sql", Diesel, Up, "SELECT 1;")];
        let head = vec![
            file("migrations/postgresql/1_a/up.sql", Diesel, Up, "SELECT 2;"),
            file("migrations/mysql/2_b/up.sql", Diesel, Up, "SELECT 1;"),
            file("db/3_c.up.sql", GolangMigrate, Up, "SELECT 3;"),
            file("db/3_c.down.sql", GolangMigrate, Down, "SELECT 4;"),
            file("db/V4__d.sql", Flyway, Up, "SELECT 5;"),
            file("db/U4__d.sql", Flyway, Down, "SELECT 6;"),
        ];
        let changed: Vec<&str> = head.iter().map(|f| f.path.as_str()).collect();
        let scripts = scripts(&base, &head, &changed);
        let s = &scripts[0].1;
        let versions: Vec<&str> = s.change.iter().map(|s| s.version.as_str()).collect();
        assert_eq!(versions, ["3_c", "4"]);
        assert_eq!(s.change[1].down.as_deref(), Some("SELECT 6;"));
        let reasons: Vec<&str> = s.not_rehearsed.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            reasons,
            ["migrations/mysql/2_b/up.sql", "migrations/postgresql/1_a/up.sql"]
        );
    }
}
