//! One logical migration written once per database backend (`migrations/{mysql,postgresql,
//! sqlite}/<version>_<name>/up.sql`) is one risk: its findings are reported once, in the
//! PostgreSQL file when there is one, naming the other backends' files.

use super::sql::dialect_from_path;
use crate::config::Dialect;
use crate::model::{Finding, Severity};
use std::collections::{HashMap, HashSet};

/// The logical migration a file of a multi-backend layout belongs to: its path with the backend
/// folder replaced and the version dropped from every name after it (each backend's copy of a
/// migration gets its own timestamp). `None` outside a backend folder.
fn logical_path(path: &str) -> Option<(String, Dialect)> {
    let dialect = dialect_from_path(path)?;
    let segments: Vec<&str> = path.split('/').collect();
    let backend = segments[..segments.len() - 1]
        .iter()
        .rposition(|s| dialect_from_path(&format!("{s}/x")).is_some())?;
    let unversioned = |s: &str| -> String {
        let name = s.trim_start_matches(|c: char| c.is_ascii_digit() || c == '-' || c == '_' || c == '.');
        if name.is_empty() { s } else { name }.to_string()
    };
    let mut key: Vec<String> = segments[..backend].iter().map(|s| s.to_string()).collect();
    key.push("*".to_string());
    key.extend(segments[backend + 1..].iter().map(|s| unversioned(s)));
    Some((key.join("/"), dialect))
}

/// A message with each quoted backend path replaced by its logical path.
fn unversioned_message(message: &str) -> String {
    message
        .split('`')
        .enumerate()
        .map(|(i, piece)| match logical_path(piece) {
            Some((logical, _)) if i % 2 == 1 => logical,
            _ => piece.to_string(),
        })
        .collect::<Vec<_>>()
        .join("`")
}

/// Merges the findings each backend's copy of a migration repeats: same rule, same logical
/// file, same target, the same judgement (mitigated or not, gating class, tags), the k-th of its
/// kind in each copy, one copy per backend. The kept finding is the PostgreSQL copy's (else the
/// first path's), at the highest severity of the group. A copy judged otherwise (backed up in
/// one backend, not in another) stays its own finding.
pub fn group(found: Vec<Finding>) -> Vec<Finding> {
    type Key = (String, String, Option<String>, String, usize);
    let mut seen: HashMap<(String, String, String, Option<String>), usize> = HashMap::new();
    let mut groups: HashMap<Key, Vec<usize>> = HashMap::new();
    let mut keys: Vec<Option<Key>> = Vec::with_capacity(found.len());
    for f in &found {
        let key = f.file.as_deref().and_then(logical_path).map(|(logical, _)| {
            let path = f.file.clone().unwrap_or_default();
            // Without a target, the message names what the finding is about.
            let about = f.target.clone().or_else(|| Some(unversioned_message(&f.message)));
            let judged = format!("{} {:?} {:?}", f.mitigated_by.is_empty(), f.gating, f.tags);
            let nth = seen
                .entry((f.rule.clone(), logical.clone(), path, about.clone()))
                .or_default();
            *nth += 1;
            (f.rule.clone(), logical, about, judged, *nth)
        });
        keys.push(key);
    }
    for (i, key) in keys.iter().enumerate() {
        if let Some(key) = key {
            groups.entry(key.clone()).or_default().push(i);
        }
    }
    let dialect = |i: &usize| found[*i].file.as_deref().and_then(dialect_from_path);
    // Copies of one migration: each from another backend's folder.
    let one_per_backend = |members: &&Vec<usize>| {
        let mut seen: Vec<Option<Dialect>> = members.iter().map(dialect).collect();
        seen.sort_by_key(|d| format!("{d:?}"));
        seen.dedup();
        seen.len() == members.len()
    };
    // The kept finding of each group: its group's highest severity and the others' paths.
    let mut merged: HashMap<usize, (Severity, Vec<String>)> = HashMap::new();
    let mut dropped: HashSet<usize> = HashSet::new();
    for members in groups.values().filter(|m| m.len() > 1).filter(one_per_backend) {
        let kept = members
            .iter()
            .find(|i| dialect(i) == Some(Dialect::Postgres))
            .or_else(|| members.iter().min_by_key(|i| found[**i].file.clone()))
            .copied()
            .unwrap_or(members[0]);
        let others: Vec<usize> = members.iter().copied().filter(|i| *i != kept).collect();
        let top = others
            .iter()
            .map(|i| found[*i].severity)
            .fold(found[kept].severity, Ord::max);
        let mut paths: Vec<String> = others.iter().filter_map(|i| found[*i].file.clone()).collect();
        paths.sort();
        dropped.extend(others);
        merged.insert(kept, (top, paths));
    }
    found
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !dropped.contains(i))
        .map(|(i, mut f)| {
            if let Some((top, paths)) = merged.remove(&i) {
                f.severity = top;
                let list: Vec<String> = paths.iter().map(|p| format!("`{p}`")).collect();
                f.message.push_str(&format!(
                    " (the same migration for the other backends: {})",
                    list.join(", ")
                ));
            }
            f
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyzers::migration::testing::run;

    #[test]
    fn backend_copies_share_a_logical_path() {
        let pg = logical_path("migrations/postgresql/2024-02-14-135953_change_time/up.sql");
        let my = logical_path("migrations/mysql/2024-02-14-135828_change_time/up.sql");
        assert_eq!(
            pg.as_ref().map(|p| p.0.as_str()),
            Some("migrations/*/change_time/up.sql")
        );
        assert_eq!(pg.map(|p| p.0), my.map(|p| p.0));
        assert_eq!(logical_path("migrations/2024-02-14_change_time/up.sql"), None);
    }

    #[test]
    fn one_finding_per_logical_migration_in_the_postgres_file() {
        let files = [
            (
                "migrations/mysql/2024-01-01-000001_drop_fax/up.sql",
                "ALTER TABLE users DROP COLUMN fax;",
            ),
            (
                "migrations/postgresql/2024-01-01-000002_drop_fax/up.sql",
                "ALTER TABLE users DROP COLUMN fax;",
            ),
            (
                "migrations/sqlite/2024-01-01-000003_drop_fax/up.sql",
                "ALTER TABLE users DROP COLUMN fax;",
            ),
        ];
        let drops: Vec<Finding> = run(&files)
            .into_iter()
            .filter(|f| f.rule == "migration-drops-column")
            .collect();
        assert_eq!(drops.len(), 1);
        assert_eq!(
            drops[0].file.as_deref(),
            Some("migrations/postgresql/2024-01-01-000002_drop_fax/up.sql")
        );
        assert!(drops[0].message.ends_with(
            "(the same migration for the other backends: `migrations/mysql/2024-01-01-000001_drop_fax/up.sql`, `migrations/sqlite/2024-01-01-000003_drop_fax/up.sql`)"
        ));
    }

    #[test]
    fn empty_rollbacks_of_each_backend_are_one_finding() {
        let mut files = Vec::new();
        for (backend, version) in [("mysql", "01"), ("postgresql", "02"), ("sqlite", "03")] {
            let folder = format!("migrations/{backend}/2024-01-01-0000{version}_add_age");
            files.push((
                format!("{folder}/up.sql"),
                "ALTER TABLE users ADD COLUMN age int;".to_string(),
            ));
            files.push((format!("{folder}/down.sql"), String::new()));
        }
        let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
        let missing: Vec<Finding> = run(&files)
            .into_iter()
            .filter(|f| f.rule == "migration-rollback-missing")
            .collect();
        assert_eq!(missing.len(), 1);
        assert_eq!(
            missing[0].file.as_deref(),
            Some("migrations/postgresql/2024-01-01-000002_add_age/down.sql")
        );
    }

    #[test]
    fn a_copy_judged_otherwise_stays_its_own_finding() {
        let files = [
            (
                "migrations/mysql/2024-01-01-000001_drop_fax/up.sql",
                "ALTER TABLE users DROP COLUMN fax;",
            ),
            (
                "migrations/postgresql/2024-01-01-000002_drop_fax/up.sql",
                "CREATE TABLE users_fax_backup AS SELECT id, fax FROM users;\nALTER TABLE users DROP COLUMN fax;",
            ),
        ];
        let drops: Vec<(String, bool)> = run(&files)
            .into_iter()
            .filter(|f| f.rule == "migration-drops-column")
            .map(|f| (f.file.unwrap_or_default(), f.mitigated_by.is_empty()))
            .collect();
        assert_eq!(
            drops,
            vec![
                ("migrations/mysql/2024-01-01-000001_drop_fax/up.sql".to_string(), true),
                (
                    "migrations/postgresql/2024-01-01-000002_drop_fax/up.sql".to_string(),
                    false
                ),
            ]
        );
        // Two versions in one backend's folder are two migrations.
        let files = [
            (
                "migrations/postgres/20240101120000.sql",
                "ALTER TABLE users DROP COLUMN fax;",
            ),
            (
                "migrations/postgres/20240102120000.sql",
                "ALTER TABLE users DROP COLUMN fax;",
            ),
        ];
        assert_eq!(
            run(&files)
                .iter()
                .filter(|f| f.rule == "migration-drops-column")
                .count(),
            2
        );
    }

    #[test]
    fn different_columns_and_single_backends_stay_apart() {
        let files = [
            (
                "migrations/mysql/2024-01-01-000001_drop/up.sql",
                "ALTER TABLE users DROP COLUMN fax;",
            ),
            (
                "migrations/postgresql/2024-01-01-000002_drop/up.sql",
                "ALTER TABLE users DROP COLUMN pager;",
            ),
        ];
        let drops = run(&files)
            .into_iter()
            .filter(|f| f.rule == "migration-drops-column")
            .count();
        assert_eq!(drops, 2);
        let one = [(
            "migrations/postgresql/2024-01-01-000002_drop/up.sql",
            "ALTER TABLE users DROP COLUMN fax;\nALTER TABLE teams DROP COLUMN pager;",
        )];
        let drops: Vec<Finding> = run(&one)
            .into_iter()
            .filter(|f| f.rule == "migration-drops-column")
            .collect();
        assert_eq!(drops.len(), 2);
        assert!(drops.iter().all(|f| !f.message.contains("other backends")));
    }
}
