//! `riskgate init`: a commented `riskgate.toml` suited to the frameworks in the working tree.

use std::path::Path;

/// A framework found in the working tree, and where its migrations live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Framework {
    pub name: &'static str,
    pub migrations: Option<&'static str>,
}

fn read(root: &Path, file: &str) -> String {
    std::fs::read_to_string(root.join(file)).unwrap_or_default()
}

/// Looks for the marker files of common frameworks; reads only a few small files.
pub fn detect(root: &Path) -> Vec<Framework> {
    let has = |p: &str| root.join(p).exists();
    let cargo = read(root, "Cargo.toml");
    let package = read(root, "package.json");
    let mut found = Vec::new();
    let mut add = |name, migrations| found.push(Framework { name, migrations });
    if has("Cargo.toml") {
        add("rust", None);
    }
    if has("diesel.toml") || cargo.contains("diesel") {
        add("diesel", Some("migrations/**"));
    }
    if cargo.contains("sqlx") {
        add("sqlx", Some("migrations/**"));
    }
    if has("manage.py") {
        add("django", Some("**/migrations/*.py"));
    }
    if has("alembic.ini") {
        add("alembic", Some("**/versions/*.py"));
    }
    if has("Gemfile") && has("db/migrate") {
        add("rails", Some("db/migrate/**"));
    }
    if package.contains("\"prisma\"") || package.contains("@prisma/client") {
        add("prisma", Some("prisma/migrations/**"));
    }
    if package.contains("\"knex\"") {
        add("knex", Some("migrations/**"));
    }
    if has("go.mod") {
        add("go", None);
    }
    if has("flyway.conf") || has("src/main/resources/db/migration") {
        add("flyway", Some("src/main/resources/db/migration/**"));
    }
    found
}

/// The SQL dialects the project's dependencies and migration folders name (`postgres`,
/// `mysql`, `sqlite`), sorted; reads only a few small files.
pub fn detect_dialects(root: &Path) -> Vec<&'static str> {
    let manifests = [
        "Cargo.toml",
        "package.json",
        "Gemfile",
        "requirements.txt",
        "pyproject.toml",
        "go.mod",
    ]
    .iter()
    .map(|f| read(root, f).to_lowercase())
    .collect::<Vec<_>>()
    .join("\n");
    let folder = |names: &[&str]| {
        names.iter().any(|n| {
            ["migrations", "db/migrations", "db/migrate"]
                .iter()
                .any(|m| root.join(m).join(n).is_dir())
        })
    };
    let mut found = Vec::new();
    let markers: [(&str, &[&str], &[&str]); 3] = [
        ("mysql", &["mysql", "mariadb"], &["mysql", "mariadb"]),
        (
            "postgres",
            &["postgres", "psycopg", "\"pg\"", "gem \"pg\"", "pgx", "lib/pq"],
            &["postgres", "postgresql", "pg"],
        ),
        ("sqlite", &["sqlite"], &["sqlite", "sqlite3"]),
    ];
    for (dialect, words, folders) in markers {
        if words.iter().any(|w| manifests.contains(w)) || folder(folders) {
            found.push(dialect);
        }
    }
    found
}

/// Folders that hold JSON examples of data (two or more `.json` files side by side, such as
/// `assets/payloads`), as globs for `[classify] json_fixtures`. Not the folders riskgate already
/// reads as fixtures, translations, build output, dependencies or hidden folders. The walk is
/// bounded (depth 6, 20,000 entries) so `init` stays quick on a large tree.
pub fn detect_json_folders(root: &Path) -> Vec<String> {
    const SKIP: &[&str] = &[
        "node_modules",
        "target",
        "vendor",
        "dist",
        "build",
        "out",
        "coverage",
        "__pycache__",
        "venv",
        "env",
        "site-packages",
        // Configuration, not data.
        "config",
        "conf",
        "settings",
        // Read as fixtures already.
        "test-data",
        "fixtures",
        "samples",
        "examples",
        "testdata",
        // Text for people.
        "locales",
        "locale",
        "i18n",
        "translations",
        "lang",
    ];
    let mut found = Vec::new();
    let mut budget = 20_000usize;
    let mut stack = vec![(root.to_path_buf(), 0usize)];
    while let Some((dir, depth)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        let mut json = 0;
        for entry in entries.flatten() {
            if budget == 0 {
                break;
            }
            budget -= 1;
            let name = entry.file_name().to_string_lossy().to_string();
            let Ok(kind) = entry.file_type() else { continue };
            if kind.is_dir() {
                if depth < 6 && !name.starts_with('.') && !SKIP.contains(&name.to_lowercase().as_str()) {
                    stack.push((entry.path(), depth + 1));
                }
            } else if kind.is_file()
                && name.ends_with(".json")
                && !name.starts_with("package")
                && !name.starts_with("tsconfig")
            {
                json += 1;
            }
        }
        if json >= 2 && depth > 0 {
            if let Ok(relative) = dir.strip_prefix(root) {
                let folder = relative.to_string_lossy().replace('\\', "/");
                // Only names a glob reads as themselves (no `*`, `[`, `{`).
                let plain = folder
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | ' '));
                if plain {
                    found.push(format!("{folder}/*.json"));
                }
            }
        }
    }
    found.sort();
    found.truncate(8);
    found
}

/// The commented config; `dialects` decides the `[migrations] dialect` line: one dialect is
/// set, none or several leave each file's dialect to be read from its content; `json_folders`
/// (from `detect_json_folders`) are proposed as `[classify] json_fixtures`.
pub fn template_with(frameworks: &[Framework], dialects: &[&str], json_folders: &[String]) -> String {
    let fixtures = if json_folders.is_empty() {
        "# json_fixtures = [\"assets/payloads/*.json\"]  # JSON examples of stored or exchanged data, compared like fixtures".to_string()
    } else {
        format!(
            "json_fixtures = [{}]  # folders of JSON found here: keep those that hold examples of stored or exchanged data",
            json_folders
                .iter()
                .map(|g| crate::text::toml_basic(g))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let dialect = match dialects {
        [one] => format!("dialect = \"{one}\"          # postgres | mysql | sqlite | generic (found in the project's dependencies)"),
        [] => "# dialect = \"postgres\"      # postgres | mysql | sqlite | generic; unset, each file's dialect is read from its content".to_string(),
        many => format!(
            "# dialect = \"postgres\"      # not set: this project uses {}; each file's dialect is read from its content",
            many.join(", ")
        ),
    };
    let names: Vec<&str> = frameworks.iter().map(|f| f.name).collect();
    let detected = if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    };
    let mut migration_paths: Vec<&str> = frameworks.iter().filter_map(|f| f.migrations).collect();
    migration_paths.dedup();
    let paths = if migration_paths.is_empty() {
        "# paths = [\"db/migrations/**\"]        # added to the built-in conventions".to_string()
    } else {
        format!(
            "paths = [{}]   # already covered by the built-in conventions; listed so you can narrow them",
            migration_paths
                .iter()
                .map(|p| format!("\"{p}\""))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    format!(
        r#"# riskgate configuration. Every key is optional; riskgate works with none of them.
# Frameworks detected: {detected}
# Documentation: docs/rules.md (rules), docs/scoring.md (score), README.md (everything else).

[gate]
require_plan_at = "high"      # low | medium | high | critical | never: from this level a valid rollback plan is required
block_at = "never"            # a level blocked even with a plan, or "never"

[plan]
paths = ["ROLLBACK.md", "docs/rollback/*.md", ".riskgate/rollback/*.md"]
# required_sections = ["rollback", "verification", "owner"]

[migrations]
{paths}
{dialect}

[tests]
# coverage = ["target/lcov.info"]
# paths = ["integration/**"]  # test files beyond the built-in conventions

[classify]
{fixtures}
# generated = ["src/schema.rs"]
# ignore = ["vendor/**"]

[diff]
max_file_size = 1048576       # bytes; larger files are reported as not analysed

[score]
# severity = {{ low = 0.05, medium = 0.15, high = 0.40, critical = 0.80 }}
# confidence = {{ "config-default-changed" = 0.5 }}

[rules]
# disable = ["ci-pipeline-changed"]
# packs = ["riskgate/rules/*.toml"]

# [[waiver]]
# rule = "applied-migration-edited"
# path = "db/migrations/0001_*.sql"
# reason = "fixing a typo in a comment only, see #812"
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{parse_toml, Config, SourceText};

    #[test]
    fn templates_parse_as_config() {
        for fw in [
            vec![],
            vec![Framework {
                name: "django",
                migrations: Some("**/migrations/*.py"),
            }],
        ] {
            let src = SourceText {
                name: "riskgate.toml".into(),
                text: template_with(&fw, &[], &[]),
            };
            parse_toml::<Config>(&src).unwrap();
        }
    }

    #[test]
    fn the_dialect_line_follows_what_the_project_uses() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("Cargo.toml"),
            "[dependencies]\ndiesel = { version = \"2\", features = [\"sqlite\"] }\n",
        )
        .unwrap();
        assert_eq!(detect_dialects(dir.path()), vec!["sqlite"]);
        assert!(template_with(&[], &["sqlite"], &[]).contains("\ndialect = \"sqlite\""));
        for d in ["mysql", "postgresql", "sqlite"] {
            std::fs::create_dir_all(dir.path().join("migrations").join(d)).unwrap();
        }
        let all = detect_dialects(dir.path());
        assert_eq!(all, vec!["mysql", "postgres", "sqlite"]);
        let text = template_with(&[], &all, &[]);
        assert!(!text.contains("\ndialect ="), "{text}");
        assert!(text.contains("this project uses mysql, postgres, sqlite"), "{text}");
        let src = SourceText {
            name: "riskgate.toml".into(),
            text,
        };
        parse_toml::<Config>(&src).unwrap();
    }

    #[test]
    fn detects_frameworks_from_marker_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("manage.py"), "").unwrap();
        std::fs::write(dir.path().join("Cargo.toml"), "[dependencies]\nsqlx = \"0.8\"\n").unwrap();
        let names: Vec<_> = detect(dir.path()).iter().map(|f| f.name).collect();
        assert_eq!(names, vec!["rust", "sqlx", "django"]);
    }
}
