//! Stage 2: give every changed file a kind, from built-in conventions plus config globs.

use crate::config::{glob, glob_set, Config};
use crate::diff::{ChangeSet, ChangedFile};
pub use crate::model::{Dialect, FileKind, Language, MigrationFormat, MigrationRole};
use anyhow::Result;
use globset::{GlobSet, GlobSetBuilder};
use std::collections::BTreeSet;

const MIGRATION_CONVENTIONS: &[(&str, MigrationFormat, MigrationRole)] = &[
    ("**/db/migrate/*.rb", MigrationFormat::Rails, MigrationRole::Up),
    ("**/alembic/versions/*.py", MigrationFormat::Alembic, MigrationRole::Up),
    (
        "**/migrations/versions/*.py",
        MigrationFormat::Alembic,
        MigrationRole::Up,
    ),
    ("**/migrations/*.py", MigrationFormat::Django, MigrationRole::Up),
    ("**/migrations/*/up.sql", MigrationFormat::Diesel, MigrationRole::Up),
    ("**/migrations/*/down.sql", MigrationFormat::Diesel, MigrationRole::Down),
    // One folder per backend: migrations/{sqlite,mysql,postgresql}/<version>/up.sql.
    ("**/migrations/*/*/up.sql", MigrationFormat::Diesel, MigrationRole::Up),
    (
        "**/migrations/*/*/down.sql",
        MigrationFormat::Diesel,
        MigrationRole::Down,
    ),
    (
        "**/migrations/*/migration.sql",
        MigrationFormat::Prisma,
        MigrationRole::Up,
    ),
    ("**/*.up.sql", MigrationFormat::GolangMigrate, MigrationRole::Up),
    ("**/*.down.sql", MigrationFormat::GolangMigrate, MigrationRole::Down),
    ("**/V[0-9]*__*.sql", MigrationFormat::Flyway, MigrationRole::Up),
    ("**/U[0-9]*__*.sql", MigrationFormat::Flyway, MigrationRole::Down),
    ("**/R__*.sql", MigrationFormat::Flyway, MigrationRole::Repeatable),
    (
        "**/migrations/*.{js,ts,cjs,mjs}",
        MigrationFormat::Knex,
        MigrationRole::Up,
    ),
    (
        "**/{changelog,db.changelog}*.{xml,yaml,yml,json}",
        MigrationFormat::Liquibase,
        MigrationRole::Up,
    ),
    (
        "**/changelogs/**/*.{xml,yaml,yml,json,sql}",
        MigrationFormat::Liquibase,
        MigrationRole::Up,
    ),
    ("**/migrations/[0-9]*.sql", MigrationFormat::Sqlx, MigrationRole::Up),
    (
        "**/{migrations,migration,migrate,schema-migrations}/**/*.sql",
        MigrationFormat::Sql,
        MigrationRole::Up,
    ),
];

const TEST_CONVENTIONS: &[&str] = &[
    "**/tests/**/*.rs",
    "**/test_*.py",
    "**/*_test.py",
    "**/tests/**/*.py",
    "**/conftest.py",
    "**/*.{test,spec}.{js,jsx,ts,tsx,mjs,cjs}",
    "**/__tests__/**",
    "**/*_test.go",
    "**/src/test/**",
    "**/*{Test,Tests,IT}.{java,kt}",
    "**/spec/**/*_spec.rb",
    "**/test/**/*_test.rb",
    "**/*{Test,Tests}.cs",
    "**/*.Tests/**",
    "**/*Test.php",
    "**/tests/**/*.php",
];

const CI_CONVENTIONS: &[&str] = &[
    ".github/workflows/**",
    ".github/actions/**",
    ".gitlab-ci.yml",
    ".gitlab-ci/**",
    ".circleci/**",
    "**/Jenkinsfile",
    "azure-pipelines.yml",
    ".buildkite/**",
    ".travis.yml",
    "bitbucket-pipelines.yml",
];

const LOCKFILES: &[&str] = &[
    "**/Cargo.lock",
    "**/package-lock.json",
    "**/npm-shrinkwrap.json",
    "**/yarn.lock",
    "**/pnpm-lock.yaml",
    "**/poetry.lock",
    "**/Pipfile.lock",
    "**/uv.lock",
    "**/Gemfile.lock",
    "**/go.sum",
    "**/composer.lock",
    "**/flake.lock",
];

const GENERATED_CONVENTIONS: &[&str] = &[
    "**/*.pb.go",
    "**/*_pb2.py",
    "**/*_pb2_grpc.py",
    "**/*.min.js",
    "**/*.min.css",
    "**/generated/**",
    "**/__generated__/**",
    // Python packages installed into the tree (awx kept Django REST Framework there): another
    // project's code, changed by upgrading it.
    "**/site-packages/**",
];

const JSON_SCHEMA: &[&str] = &["**/*.schema.json", "**/schemas/**/*.json", "**/schema/**/*.json"];
/// Tool settings that sit in a `schemas/` package (logto's `packages/schemas/tsconfig.json`):
/// not schemas, and often JSON with comments and trailing commas.
const TOOL_SETTINGS: &[&str] = &[
    "**/{tsconfig,jsconfig}*.json",
    "**/{package,package-lock,composer,turbo,nx,project,tslint,deno,lerna}.json",
    "**/.eslintrc*.json",
    "**/.vscode/*.json",
];
const OPENAPI: &[&str] = &["**/{openapi,swagger}*.{json,yaml,yml}", "**/*.openapi.{json,yaml,yml}"];
const JSON_FIXTURES: &[&str] = &[
    "**/{fixtures,samples,examples,testdata,test-data}/**/*.json",
    "**/*.{fixture,sample,example}.json",
];
/// Folders of tests: an OpenAPI or JSON Schema document in one is a test's input or expected
/// output (a snapshot), not the contract clients read.
const TEST_FOLDERS: &[&str] = &["**/{tests,test,__tests__,__snapshots__,testdata,test-data}/**"];
/// Folders whose contracts stand in for the real ones in tests. Not for migrations: a Django app
/// may be called `stubs` (pay stubs) and its migrations are real.
const CONTRACT_STAND_INS: &[&str] = &["**/{stub,stubs,__fixtures__,__mocks__}/**"];
const DOCS: &[&str] = &[
    "**/*.{md,markdown,rst,adoc,txt}",
    // Translations are text for people, not settings.
    "**/{locales,locale,i18n,translations,lang}/**/*.{yml,yaml,json,properties,po,ftl}",
    "docs/**",
    "doc/**",
    "**/LICENSE*",
    "**/CHANGELOG*",
];
const CONFIG: &[&str] = &[
    "**/*.{toml,yaml,yml,ini,cfg,conf,properties,json,env}",
    "**/.env*",
    "**/Dockerfile",
    "**/*.tf",
];

fn set(patterns: &[&str]) -> GlobSet {
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        b.add(glob(p).expect("built-in glob compiles"));
    }
    b.build().expect("built-in glob set builds")
}

/// Compiled conventions; build once per run.
pub struct Classifier {
    migrations: GlobSet,
    user_migrations: GlobSet,
    dialect: Option<Dialect>,
    tests: GlobSet,
    user_tests: GlobSet,
    ci: GlobSet,
    lockfiles: GlobSet,
    generated: GlobSet,
    user_generated: GlobSet,
    ignored: GlobSet,
    json_schema: GlobSet,
    tool_settings: GlobSet,
    openapi: GlobSet,
    json_fixtures: GlobSet,
    test_folders: GlobSet,
    contract_stand_ins: GlobSet,
    user_json_fixtures: GlobSet,
    docs: GlobSet,
    config: GlobSet,
}

impl Classifier {
    pub fn new(config: &Config) -> Result<Classifier> {
        let src = config.source.as_ref();
        Ok(Classifier {
            migrations: set(&MIGRATION_CONVENTIONS.iter().map(|(g, _, _)| *g).collect::<Vec<_>>()),
            user_migrations: glob_set(&config.migrations.paths, src)?,
            dialect: config.migrations.dialect,
            tests: set(TEST_CONVENTIONS),
            user_tests: glob_set(&config.tests.paths, src)?,
            ci: set(CI_CONVENTIONS),
            lockfiles: set(LOCKFILES),
            generated: set(GENERATED_CONVENTIONS),
            user_generated: glob_set(&config.classify.generated, src)?,
            ignored: glob_set(&config.classify.ignore, src)?,
            json_schema: set(JSON_SCHEMA),
            tool_settings: set(TOOL_SETTINGS),
            openapi: set(OPENAPI),
            json_fixtures: set(JSON_FIXTURES),
            test_folders: set(TEST_FOLDERS),
            contract_stand_ins: set(CONTRACT_STAND_INS),
            user_json_fixtures: glob_set(&config.classify.json_fixtures, src)?,
            docs: set(DOCS),
            config: set(CONFIG),
        })
    }

    /// Stage entry point: the same change, every file with its kind.
    pub fn classify(&self, mut change: ChangeSet) -> ChangeSet {
        let generated_attrs = attribute_globs(change.gitattributes.as_deref(), "generated");
        for file in &mut change.files {
            file.kind = self.kind_of(file, &generated_attrs);
        }
        // The analyzers read the tree's files by kind only for code, tests of code and
        // migrations: the rest (images, snippets, data; most of a large tree) stays `Other`
        // without a dozen glob matches on every path of every run.
        let wanted = |path: &str| {
            Language::from_path(path).is_some()
                || (is_changelog_extension(path) && self.migrations.is_match(path))
                || self.user_migrations.is_match(path)
        };
        for file in change.tree.iter_mut().filter(|f| wanted(&f.path)) {
            file.kind = self.kind_of_path(&file.path, &generated_attrs);
        }
        change
    }

    /// The kind from the path alone (no content markers), for files of the tree.
    pub fn kind_of_path(&self, path: &str, generated_attrs: &GlobSet) -> FileKind {
        let probe = ChangedFile::from_lines(path, crate::diff::FileStatus::Modified, &[], &[]);
        let mut probe = probe;
        probe.skipped = Some(crate::diff::SkipReason::Binary);
        self.kind_of(&probe, generated_attrs)
    }

    fn kind_of(&self, file: &ChangedFile, generated_attrs: &GlobSet) -> FileKind {
        let path = file.path.as_str();
        // One candidate for every glob set below: each `is_match(path)` would build its own.
        let path_c = globset::Candidate::new(path);
        if self.ignored.is_match_candidate(&path_c) {
            return FileKind::Ignored;
        }
        if self.lockfiles.is_match_candidate(&path_c) {
            return FileKind::Lockfile;
        }
        // A migration changes stored data whoever wrote it: generated markers never exempt one.
        if let Some(kind) = self.migration_kind(path, &path_c) {
            return kind;
        }
        // Contracts are contracts whoever generated them: an OpenAPI or JSON Schema document,
        // or Rust with serde derives, is never set aside as generated.
        let tool_settings = self.tool_settings.is_match_candidate(&path_c);
        let in_tests = self.test_folders.is_match_candidate(&path_c)
            || self.contract_stand_ins.is_match_candidate(&path_c)
            || tool_settings;
        let contract = !in_tests
            && (self.openapi.is_match_candidate(&path_c) || self.json_schema.is_match_candidate(&path_c))
            || defines_serde_types(file);
        if !contract
            && (self.generated.is_match_candidate(&path_c)
                || self.user_generated.is_match_candidate(&path_c)
                || generated_attrs.is_match_candidate(&path_c)
                || has_generated_marker(file))
        {
            return FileKind::Generated;
        }
        if self.ci.is_match_candidate(&path_c) {
            return FileKind::Ci;
        }
        if self.tests.is_match_candidate(&path_c) || self.user_tests.is_match_candidate(&path_c) {
            return FileKind::Test {
                language: Language::from_path(path),
            };
        }
        if path.ends_with(".json") || path.ends_with(".yaml") || path.ends_with(".yml") {
            if self.openapi.is_match_candidate(&path_c) && !in_tests {
                return FileKind::OpenApi;
            }
            if self.json_schema.is_match_candidate(&path_c) && !in_tests {
                return FileKind::JsonSchema;
            }
            if in_tests && !tool_settings && path.ends_with(".json") {
                return FileKind::JsonFixture;
            }
            if self.json_fixtures.is_match_candidate(&path_c)
                || (path.ends_with(".json") && self.user_json_fixtures.is_match_candidate(&path_c))
            {
                return FileKind::JsonFixture;
            }
        }
        if let Some(language) = Language::from_path(path) {
            if language != Language::Sql {
                return FileKind::Source { language };
            }
        }
        if self.docs.is_match_candidate(&path_c) {
            return FileKind::Docs;
        }
        if self.config.is_match_candidate(&path_c) {
            return FileKind::Config;
        }
        FileKind::Other
    }

    fn migration_kind(&self, path: &str, path_c: &globset::Candidate<'_>) -> Option<FileKind> {
        let name = path.rsplit('/').next().unwrap_or(path);
        if name == "__init__.py" {
            return None;
        }
        if let Some(i) = self.migrations.matches_candidate(path_c).into_iter().min() {
            // A test app's migrations (Django's `tests/testapp/migrations`, a Rails engine's
            // `spec/dummy/db/migrate`) run only against throwaway test databases; one the
            // configuration names is still a migration (below).
            let test_app = self.test_folders.is_match_candidate(path_c)
                || path.starts_with("spec/dummy/")
                || path.contains("/spec/dummy/");
            if test_app && !self.user_migrations.is_match_candidate(path_c) {
                return Some(FileKind::Test {
                    language: Language::from_path(path),
                });
            }
            let (_, format, role) = MIGRATION_CONVENTIONS[i];
            // The whole schema kept beside the migrations (memos' `LATEST.sql`, a `schema.sql`)
            // sets up new databases only: no statement of it runs on one that holds data.
            let stem = name.rsplit_once('.').map_or(name, |(s, _)| s).to_lowercase();
            if format == MigrationFormat::Sql
                && (stem == "latest" || stem.starts_with("latest__") || stem == "schema" || stem == "structure")
            {
                return None;
            }
            return Some(FileKind::Migration {
                format,
                role,
                dialect: self.dialect,
            });
        }
        if self.user_migrations.is_match_candidate(path_c) {
            let format = match Language::from_path(path) {
                Some(Language::Ruby) => MigrationFormat::Rails,
                Some(Language::Python) => MigrationFormat::Django,
                Some(Language::JavaScript | Language::TypeScript) => MigrationFormat::Knex,
                _ => MigrationFormat::Sql,
            };
            let role = if name.contains("down") {
                MigrationRole::Down
            } else {
                MigrationRole::Up
            };
            return Some(FileKind::Migration {
                format,
                role,
                dialect: self.dialect,
            });
        }
        None
    }
}

/// Every migration convention names its files' extensions: those with a language, and
/// Liquibase's changelogs (these). Spares the tree's images and data a glob match on every run.
fn is_changelog_extension(path: &str) -> bool {
    let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
    matches!(ext, "xml" | "yaml" | "yml" | "json")
}

/// `@generated` in the first lines is the common marker of generated code.
fn has_generated_marker(file: &ChangedFile) -> bool {
    if file.skipped.is_some() {
        return false;
    }
    file.new_text
        .get()
        .map(|t| t.lines().take(5).any(|l| l.contains("@generated")))
        .unwrap_or(false)
}

/// A changed Rust file that derives serde traits (its old or new text mentions them).
fn defines_serde_types(file: &ChangedFile) -> bool {
    let serde = |t: &str| t.contains("Serialize") || t.contains("Deserialize");
    file.path.ends_with(".rs")
        && file.skipped.is_none()
        && (file.new_text.get().is_some_and(serde) || file.old_text.get().is_some_and(serde))
}

/// The `.gitattributes` entries riskgate honours: what is binary, not diffed, or generated.
pub fn honoured_attributes(text: Option<&str>) -> BTreeSet<(String, &'static str)> {
    let mut out = BTreeSet::new();
    for line in text.unwrap_or("").lines() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        let mut parts = line.split_whitespace();
        let Some(pattern) = parts.next() else { continue };
        for attr in parts {
            let meaning = match attr {
                "binary" => "binary",
                "-diff" | "diff=false" => "not diffed",
                "linguist-generated" | "linguist-generated=true" => "generated",
                _ => continue,
            };
            // `/a/*.json` and `a/*.json` are one pattern to git: a slash anchors it to the root.
            out.insert((pattern.trim_start_matches('/').to_string(), meaning));
        }
    }
    out
}

/// The paths `.gitattributes` gives any honoured meaning: what riskgate does not read as text.
pub fn attribute_globs_any(attributes: Option<&str>) -> GlobSet {
    globs_of(honoured_attributes(attributes).into_iter().map(|(p, _)| p))
}

/// The paths `.gitattributes` gives one meaning (`binary`, `not diffed`, `generated`).
pub fn attribute_globs(attributes: Option<&str>, meaning: &str) -> GlobSet {
    globs_of(
        honoured_attributes(attributes)
            .into_iter()
            .filter(|(_, m)| *m == meaning)
            .map(|(p, _)| p),
    )
}

fn globs_of(patterns: impl Iterator<Item = String>) -> GlobSet {
    let mut b = GlobSetBuilder::new();
    for pattern in patterns {
        // As git reads them: a pattern without a slash matches a name at any depth.
        let pattern = if pattern.contains('/') {
            pattern.trim_start_matches('/').to_string()
        } else {
            format!("**/{pattern}")
        };
        if let Ok(g) = glob(&pattern) {
            b.add(g);
        }
    }
    b.build().unwrap_or_else(|_| GlobSet::empty())
}

/// The folder a migration tool runs, where a migration's earlier and later siblings live: a
/// Diesel or Prisma version folder's parent (`migrations/` of `migrations/2024-…/up.sql`), else
/// the file's folder.
pub fn migration_root(path: &str, format: MigrationFormat) -> &str {
    let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
    match format {
        MigrationFormat::Diesel | MigrationFormat::Prisma => dir.rsplit_once('/').map_or("", |(p, _)| p),
        _ => dir,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::FileStatus;

    fn kind(path: &str) -> FileKind {
        let c = Classifier::new(&Config::default()).unwrap();
        let f = ChangedFile::from_lines(path, FileStatus::Added, &[], &["x"]);
        c.kind_of(&f, &GlobSet::empty())
    }

    fn migration(path: &str) -> (MigrationFormat, MigrationRole) {
        match kind(path) {
            FileKind::Migration { format, role, .. } => (format, role),
            other => panic!("{path} classified as {other:?}"),
        }
    }

    #[test]
    fn migration_conventions() {
        use MigrationFormat::*;
        use MigrationRole::*;
        assert_eq!(migration("db/migrate/20240101_add_fax.rb"), (Rails, Up));
        assert_eq!(migration("shop/migrations/0042_remove_fax.py"), (Django, Up));
        assert_eq!(migration("alembic/versions/ab12_drop.py"), (Alembic, Up));
        assert_eq!(migration("migrations/2024-01-01-000000_init/up.sql"), (Diesel, Up));
        assert_eq!(migration("migrations/2024-01-01-000000_init/down.sql"), (Diesel, Down));
        assert_eq!(
            migration("migrations/mysql/2021-03-11-190243_add_sends/down.sql"),
            (Diesel, Down)
        );
        assert_eq!(
            migration("migrations/postgresql/2021-03-11-190243_add_sends/up.sql"),
            (Diesel, Up)
        );
        assert_eq!(migration("db/20240101_init.up.sql"), (GolangMigrate, Up));
        assert_eq!(migration("db/20240101_init.down.sql"), (GolangMigrate, Down));
        assert_eq!(migration("sql/V3__drop_fax.sql"), (Flyway, Up));
        assert_eq!(migration("sql/U3__drop_fax.sql"), (Flyway, Down));
        assert_eq!(migration("sql/R__views.sql"), (Flyway, Repeatable));
        assert_eq!(migration("prisma/migrations/20240101_init/migration.sql"), (Prisma, Up));
        assert_eq!(migration("migrations/20240101_users.js"), (Knex, Up));
        assert_eq!(migration("db/changelog-master.xml"), (Liquibase, Up));
        assert_eq!(migration("migrations/20240101120000_users.sql"), (Sqlx, Up));
        assert_eq!(migration("db/migrations/archive/drop.sql"), (Sql, Up));
        // The whole schema for new databases, beside the migrations: no migration (memos).
        for path in [
            "store/migration/sqlite/LATEST.sql",
            "store/db/migration/prod/LATEST__SCHEMA.sql",
            "db/migrations/schema.sql",
        ] {
            assert!(!matches!(kind(path), FileKind::Migration { .. }), "{path}");
        }
        // Only those names: a migration that merely starts with the word is one.
        assert_eq!(migration("db/migrations/latest_drop_users.sql"), (Sql, Up));
        assert_eq!(
            kind("shop/migrations/__init__.py"),
            FileKind::Source {
                language: Language::Python
            }
        );
        // A test app's migrations run against test databases only.
        for path in [
            "wagtail/test/testapp/migrations/0054_delete_setting.py",
            "core/spec/dummy/db/migrate/20240101_add_fax.rb",
            "tests/migrations/V3__drop_fax.sql",
        ] {
            assert!(matches!(kind(path), FileKind::Test { .. }), "{path}");
        }
    }

    #[test]
    fn tests_per_language() {
        for p in [
            "tests/api.rs",
            "pkg/test_models.py",
            "src/app.test.ts",
            "web/__tests__/x.js",
            "svc/handler_test.go",
            "app/src/test/java/FooTest.java",
            "spec/models/user_spec.rb",
            "Billing.Tests/InvoiceTests.cs",
            "tests/Unit/UserTest.php",
        ] {
            assert!(matches!(kind(p), FileKind::Test { .. }), "{p}");
        }
        assert_eq!(
            kind("src/lib.rs"),
            FileKind::Source {
                language: Language::Rust
            }
        );
    }

    #[test]
    fn other_kinds() {
        assert_eq!(kind(".github/workflows/ci.yml"), FileKind::Ci);
        assert_eq!(kind("Cargo.lock"), FileKind::Lockfile);
        assert_eq!(kind("web/yarn.lock"), FileKind::Lockfile);
        assert_eq!(kind("api/user.schema.json"), FileKind::JsonSchema);
        assert_eq!(kind("api/openapi.yaml"), FileKind::OpenApi);
        // A test's snapshot of a schema is its expected output, not a contract.
        assert_eq!(
            kind("wagtail/api/v3/tests/snapshots/openapi.json"),
            FileKind::JsonFixture
        );
        assert_eq!(kind("test/data/user.schema.json"), FileKind::JsonFixture);
        assert_eq!(
            kind("awx/lib/site-packages/rest_framework/serializers.py"),
            FileKind::Generated
        );
        // A stub stands in for the real schema in tests (ory/kratos keeps dozens).
        assert_eq!(
            kind("selfservice/strategy/oidc/stub/settings.schema.json"),
            FileKind::JsonFixture
        );
        assert_eq!(kind("identity/stubs/extension/schema.json"), FileKind::JsonFixture);
        // A tool's settings in a `schemas/` package are not a schema.
        assert_eq!(kind("packages/schemas/tsconfig.json"), FileKind::Config);
        assert_eq!(
            kind("packages/schemas/tsconfig.build.alterations.json"),
            FileKind::Config
        );
        assert_eq!(kind("packages/schemas/user.json"), FileKind::JsonSchema);
        // Only contracts: a Django app called `stubs` has real migrations.
        assert!(matches!(
            kind("payroll/stubs/migrations/0004_remove_ssn.py"),
            FileKind::Migration { .. }
        ));
        assert_eq!(kind("docs/spec/openapi.yaml"), FileKind::OpenApi);
        assert_eq!(kind("app/schemas/user.json"), FileKind::JsonSchema);
        assert_eq!(kind("tests/fixtures/user.json"), FileKind::JsonFixture);
        assert_eq!(kind("data/fixtures/user.json"), FileKind::JsonFixture);
        assert_eq!(kind("README.md"), FileKind::Docs);
        assert_eq!(kind("config/app.yaml"), FileKind::Config);
        assert_eq!(kind("config/locales/en.yml"), FileKind::Docs);
        // JSON examples where the team keeps them, named in [classify] json_fixtures.
        let config = Config::parse(crate::config::SourceText {
            name: "riskgate.toml".into(),
            text: "[classify]\njson_fixtures = [\"assets/payloads/**\"]\n".into(),
        })
        .unwrap();
        let c = Classifier::new(&config).unwrap();
        let file = |p: &str| ChangedFile::from_lines(p, FileStatus::Added, &[], &["{}"]);
        assert_eq!(
            c.kind_of(&file("assets/payloads/order.json"), &GlobSet::empty()),
            FileKind::JsonFixture
        );
        assert_eq!(kind("assets/payloads/order.json"), FileKind::Config);
        assert_eq!(kind("src/i18n/de/messages.json"), FileKind::Docs);
        assert_eq!(kind("api/gen.pb.go"), FileKind::Generated);
    }

    #[test]
    fn generated_by_marker_and_gitattributes() {
        let c = Classifier::new(&Config::default()).unwrap();
        let marked = ChangedFile::from_lines(
            "src/schema.rs",
            FileStatus::Added,
            &[],
            &["// @generated by diesel", "x"],
        );
        assert_eq!(c.kind_of(&marked, &GlobSet::empty()), FileKind::Generated);
        let attrs = attribute_globs(
            Some("# comment\nschema.rs linguist-generated\n/vendor/** -diff\n"),
            "generated",
        );
        let plain = ChangedFile::from_lines("src/schema.rs", FileStatus::Added, &[], &["x"]);
        assert_eq!(c.kind_of(&plain, &attrs), FileKind::Generated);
    }
}
