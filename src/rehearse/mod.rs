//! `riskgate rehearse`: the change's SQL migrations applied to a throwaway database on a real
//! PostgreSQL. The base's migrations bring it to the base, synthetic rows fill every table,
//! then each up migration runs while its locks are read from `pg_locks` with its transaction
//! still open, rewrites are seen in `pg_class.relfilenode`, the down migrations run and the
//! catalog and a checksum of every column are compared with the base, and the ups run again.
//! What is measured becomes findings (`rules/`) that confirm or refute the static ones.

pub mod documents;
pub mod migrations;
pub mod rules;

#[cfg(feature = "postgres")]
mod catalog;
#[cfg(feature = "postgres")]
mod database;
#[cfg(feature = "postgres")]
mod fill;
#[cfg(feature = "postgres")]
mod run;

use migrations::Script;
use serde::Serialize;
use std::collections::BTreeMap;

/// What a rehearsal needs besides the script.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub url: String,
    pub allow_superuser: bool,
    /// Synthetic rows per table.
    pub rows: u64,
    /// Rows for named tables (`schema.table` or `table`), overriding `rows`.
    pub table_rows: BTreeMap<String, u64>,
    /// Production row counts, for estimates of how long a lock would be held there.
    pub production_rows: BTreeMap<String, u64>,
    /// A schema to load instead of the base's migrations (`pg_dump --schema-only`).
    pub schema: Option<String>,
    /// SQL blocks of the committed plan's Backup section, run before the up migrations.
    pub plan_backup: Vec<String>,
    /// JSON documents for named columns (`table.column`), and where they came from.
    pub documents: BTreeMap<String, Vec<String>>,
    pub document_sources: Vec<documents::DocumentSource>,
    /// The whole rehearsal's time limit.
    pub timeout_seconds: u64,
}

pub const DEFAULT_ROWS: u64 = crate::config::RehearseConfig::DEFAULT_ROWS;

/// Where `riskgate rehearse` and the demo find the server when no flag or policy names one.
pub const URL_VARIABLE: &str = "RISKGATE_REHEARSE_URL";

/// The rehearsal's result: what was applied, measured and compared.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Rehearsal {
    /// The server, without credentials.
    pub server: String,
    pub server_version: String,
    pub base_migrations: usize,
    pub tables: Vec<TableFill>,
    /// Where the documents of each `[[json_column]]` came from.
    pub json_documents: Vec<documents::DocumentSource>,
    pub steps: Vec<StepReport>,
    /// Columns whose values the change removes or rewrites, and where a copy was found.
    pub backups: Vec<BackupCheck>,
    /// The whole change rolled back: what differs from the base.
    pub rollback: RollbackReport,
    /// Files of the change the rehearsal did not run, with the reason.
    pub not_rehearsed: Vec<NotRehearsed>,
    pub elapsed_ms: u64,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct TableFill {
    pub table: String,
    pub rows: u64,
    /// Why the table is empty or short, when it is.
    pub problem: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct NotRehearsed {
    pub file: String,
    pub reason: String,
}

/// How one SQL file ran.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum Outcome {
    Applied {
        elapsed_ms: f64,
    },
    Failed {
        /// The database's own words.
        error: String,
        statement: String,
        line: u32,
        /// The error is about the rows (a constraint they break: SQLSTATE class 23), which are
        /// synthetic: real rows may or may not fail the same way.
        on_rows: bool,
    },
    /// Not run, and why (an earlier step failed, no down migration).
    #[default]
    NotRun,
    Skipped {
        reason: String,
    },
}

impl Outcome {
    pub fn failed(&self) -> bool {
        matches!(self, Outcome::Failed { .. })
    }
}

/// A relation lock the migration held, and for how long.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct LockHeld {
    pub relation: String,
    /// PostgreSQL's name for the mode (`AccessExclusiveLock`).
    pub mode: String,
    pub held_ms: f64,
    pub blocks_writes: bool,
    pub blocks_reads: bool,
    /// The migration read every row of the table (or rewrote it) while holding the lock: the
    /// wait grows with the table. A lock for a catalog-only change (a nullable column added,
    /// a column dropped) is momentary whatever the size.
    pub scans_table: bool,
    /// The line of the statement that took it.
    pub line: u32,
    /// How long it would be held at the production size `[rehearse.production_rows]` gives.
    pub estimated_production_ms: Option<f64>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Rewrite {
    pub table: String,
    pub rows: u64,
    /// The line of the statement that rewrote it, and how long that statement ran.
    pub line: u32,
    pub statement_ms: f64,
    pub estimated_production_ms: Option<f64>,
}

/// One migration of the change.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct StepReport {
    pub version: String,
    pub up_file: String,
    pub down_file: Option<String>,
    pub up: Outcome,
    pub locks: Vec<LockHeld>,
    pub rewrites: Vec<Rewrite>,
    pub down: Outcome,
    /// The up migration applied again after the rollback.
    pub rerun: Outcome,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct BackupCheck {
    /// `table.column` whose values the change removes or rewrites.
    pub column: String,
    pub values: u64,
    /// `table.column` holding the same values after the change, when one does.
    pub kept_in: Option<String>,
    /// The copy came from the committed plan's Backup section.
    pub from_plan: bool,
}

/// After every down migration ran: the base compared with what came back.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct RollbackReport {
    pub rehearsed: bool,
    /// Why not, when it was not.
    pub reason: Option<String>,
    /// Columns or tables whose data did not come back.
    pub lost: Vec<DataLost>,
    /// Schema that differs from the base (left behind, or not restored).
    pub schema_differences: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct DataLost {
    /// `table.column`, or `table` for rows.
    pub what: String,
    pub detail: String,
    /// Gone for sure (rows, a column empty, not restored, or one default for every row);
    /// `false` when the down recomputed values that differ on synthetic rows, which real data
    /// may hold consistently.
    pub certain: bool,
    /// The down file the last step rolled back with.
    pub down_file: Option<String>,
}

/// What `check` says about the rehearsal its policy asked for.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum InCheck {
    Rehearsed(Box<Rehearsal>),
    NotRehearsed { reason: String },
}

/// Runs the rehearsal. The database is created, used and dropped here.
#[cfg(feature = "postgres")]
pub fn rehearse(script: &Script, options: &Options) -> anyhow::Result<Rehearsal> {
    run::rehearse(script, options)
}

/// A build without the PostgreSQL client says so instead of failing to connect.
#[cfg(not(feature = "postgres"))]
pub fn rehearse(_script: &Script, _options: &Options) -> anyhow::Result<Rehearsal> {
    anyhow::bail!(
        "this riskgate was built without the `postgres` feature; rebuild with default features to rehearse migrations"
    )
}

/// `"public"."users"` → `users`; other schemas stay qualified.
pub fn display_table(schema: &str, table: &str) -> String {
    if schema == "public" {
        table.to_string()
    } else {
        format!("{schema}.{table}")
    }
}

/// Time at production size, scaled linearly from the rehearsal's rows.
pub fn estimate(ms: f64, rehearsal_rows: u64, production_rows: Option<u64>) -> Option<f64> {
    let production = production_rows?;
    (rehearsal_rows > 0).then(|| ms * production as f64 / rehearsal_rows as f64)
}

/// The scripts for a range, one per migration root: the SQL migrations of the merge base's
/// tree, and those the head's tree adds. `changed` are the paths the change touches.
pub fn script_for(
    repo: &crate::diff::git::Repo,
    classifier: &crate::classify::Classifier,
    config: &crate::config::Config,
    merge_base: &str,
    head: &str,
    changed: &[&str],
) -> anyhow::Result<Scripts> {
    let none = globset::GlobSet::empty();
    let read = |rev: &str| -> anyhow::Result<Vec<migrations::SqlFile>> {
        let mut out = Vec::new();
        for file in repo.files_at(rev)? {
            let kind = classifier.kind_of_path(&file.path, &none);
            if !matches!(kind, crate::model::FileKind::Migration { .. }) {
                continue;
            }
            // Files over the tree reader's bound have no text: named, not run.
            let text = file.text.get().unwrap_or_default().to_string();
            out.push(migrations::SqlFile {
                path: file.path.clone(),
                kind,
                text,
            });
        }
        Ok(out)
    };
    let base = if merge_base.is_empty() || merge_base.starts_with("0000") {
        Vec::new()
    } else {
        read(merge_base)?
    };
    let mut scripts = migrations::scripts(&base, &read(head)?, changed);
    // Folders the policy says are another database's.
    let skip = crate::config::glob_set(&config.rehearse.skip, config.source.as_ref())?;
    let mut skipped = Vec::new();
    scripts.retain_mut(|(root, script)| {
        if root.is_empty() || !skip.is_match(root.as_str()) {
            return true;
        }
        for step in &script.change {
            skipped.push((step.up_path.clone(), format!("[rehearse] skip names {root}")));
        }
        skipped.append(&mut script.not_rehearsed);
        false
    });
    if !skipped.is_empty() {
        scripts.push((
            String::new(),
            Script {
                not_rehearsed: skipped,
                ..Script::default()
            },
        ));
    }
    Ok(Scripts(scripts))
}

/// The scripts of a change, one per migration root.
#[derive(Debug, Clone, Default)]
pub struct Scripts(pub Vec<(String, Script)>);

impl Scripts {
    /// Whether the change adds a migration the rehearsal can run.
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|(_, s)| s.change.is_empty())
    }

    /// The change's files not rehearsed, with the reasons.
    pub fn not_rehearsed(&self) -> Vec<(String, String)> {
        self.0.iter().flat_map(|(_, s)| s.not_rehearsed.clone()).collect()
    }
}

/// Rehearses each root in a database of its own, and puts the results together.
pub fn rehearse_all(scripts: &Scripts, options: &Options) -> anyhow::Result<Rehearsal> {
    let mut all: Option<Rehearsal> = None;
    for (root, script) in scripts.0.iter().filter(|(_, s)| !s.change.is_empty()) {
        let r = rehearse(script, options)?;
        all = Some(match all {
            None => r,
            Some(mut a) => {
                a.base_migrations += r.base_migrations;
                a.tables.extend(r.tables);
                a.steps.extend(r.steps);
                a.backups.extend(r.backups);
                a.rollback.rehearsed &= r.rollback.rehearsed;
                if let Some(reason) = r.rollback.reason {
                    let reason = format!("{root}: {reason}");
                    a.rollback.reason = Some(
                        a.rollback
                            .reason
                            .map_or(reason.clone(), |old| format!("{old}; {reason}")),
                    );
                }
                a.rollback.lost.extend(r.rollback.lost);
                a.rollback.schema_differences.extend(r.rollback.schema_differences);
                a.not_rehearsed.extend(r.not_rehearsed);
                a.elapsed_ms += r.elapsed_ms;
                a
            }
        });
    }
    let mut all = all.unwrap_or_default();
    // Files the roots that were not run hold.
    for (file, reason) in scripts
        .0
        .iter()
        .filter(|(_, s)| s.change.is_empty())
        .flat_map(|(_, s)| s.not_rehearsed.clone())
    {
        all.not_rehearsed.push(NotRehearsed { file, reason });
    }
    Ok(all)
}

/// The scripts of a read change, as `rehearse` and `check` run them.
pub fn scripts_of(
    repo: &crate::diff::git::Repo,
    config: &crate::config::Config,
    change: &crate::diff::ChangeSet,
) -> anyhow::Result<Scripts> {
    let classifier = crate::classify::Classifier::new(config)?;
    let changed: Vec<&str> = change.files.iter().map(|f| f.path.as_str()).collect();
    script_for(
        repo,
        &classifier,
        config,
        &change.range.merge_base,
        &change.range.head,
        &changed,
    )
}

/// The options the policy, the base's JSON columns and the plan the change commits give a
/// rehearsal of `change` on the server at `url`.
pub fn options_of(
    repo: &crate::diff::git::Repo,
    config: &crate::config::Config,
    change: &crate::diff::ChangeSet,
    url: String,
) -> anyhow::Result<Options> {
    let mut options = options_from(&config.rehearse, url)?;
    (options.documents, options.document_sources) = documents::for_columns(repo, config, &change.range.merge_base);
    options.plan_backup = committed_plan(change, config)?
        .map(|text| plan_backup_sql(&text))
        .unwrap_or_default();
    Ok(options)
}

/// The fenced SQL blocks of a plan's Backup section: the only SQL a plan can make the
/// rehearsal run (never a shell command, never text from a pull request's body).
pub fn plan_backup_sql(plan: &str) -> Vec<String> {
    let doc = crate::gate::plan_doc::PlanDoc::parse(plan);
    let Some(body) = doc.section("backup") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in body.lines() {
        let fence = line.trim_start().strip_prefix("```");
        match (fence, current.as_mut()) {
            (Some(_), Some(_)) => out.extend(current.take()),
            (Some(info), None) if info.trim().eq_ignore_ascii_case("sql") => current = Some(String::new()),
            (None, Some(block)) => {
                block.push_str(line);
                block.push('\n');
            }
            _ => {}
        }
    }
    out.retain(|b| !b.trim().is_empty());
    out
}

/// The options a policy's `[rehearse]` gives, with the server's URL.
pub fn options_from(config: &crate::config::RehearseConfig, url: String) -> anyhow::Result<Options> {
    const MAX_ROWS: u64 = 1_000_000;
    let rows = config.rows();
    if rows > MAX_ROWS || config.table_rows.values().any(|r| *r > MAX_ROWS) {
        anyhow::bail!("[rehearse] rows: at most {MAX_ROWS} synthetic rows per table");
    }
    Ok(Options {
        url,
        rows,
        table_rows: config.table_rows.clone(),
        production_rows: config.production_rows.clone(),
        timeout_seconds: config.timeout_seconds(),
        ..Options::default()
    })
}

/// Static findings the rehearsal measured: a predicted rewrite it saw says how long it took;
/// one it did not see says so, and a finding that does not gate is lowered to low (one that
/// gates keeps its severity: its reason is the contract, not the rewrite).
pub fn reconcile(findings: &mut [crate::model::Finding], rehearsal: &Rehearsal) {
    const PREDICTS_REWRITE: &[&str] = &["migration-changes-column-type", "migration-adds-volatile-default"];
    for f in findings
        .iter_mut()
        .filter(|f| PREDICTS_REWRITE.contains(&f.rule.as_str()))
    {
        let Some(step) = rehearsal
            .steps
            .iter()
            .find(|s| Some(&s.up_file) == f.file.as_ref() && matches!(s.up, Outcome::Applied { .. }))
        else {
            continue;
        };
        let Some(table) = f
            .target
            .as_deref()
            .and_then(|t| t.rsplit_once('.'))
            .map(|(t, _)| t.to_string())
        else {
            continue;
        };
        // The static rules name tables as written, lowercased and maybe schema-qualified.
        let same = |measured: &str| {
            let last = |t: &str| t.rsplit('.').next().unwrap_or(t).trim_matches('"').to_lowercase();
            last(measured) == last(&table)
        };
        if let Some(rw) = step.rewrites.iter().find(|r| same(&r.table) && Some(r.line) == f.line) {
            f.message.push_str(&format!(
                "; the rehearsal saw {table} rewritten ({} rows in {})",
                rw.rows,
                rules::duration(rw.statement_ms)
            ));
        } else if step.locks.iter().any(|l| same(&l.relation)) {
            // The statement ran and locked the table, and its storage stayed where it was.
            if f.gating.is_none() {
                f.severity = crate::model::Severity::Low;
            }
            f.message
                .push_str(&format!("; the rehearsal on PostgreSQL saw no rewrite of {table}"));
        }
    }
}

/// A plan file the change commits: the only plan whose SQL a rehearsal runs in CI (never a
/// pull request's body, never a working-tree file).
pub fn committed_plan(
    change: &crate::diff::ChangeSet,
    config: &crate::config::Config,
) -> anyhow::Result<Option<String>> {
    let paths = crate::config::glob_set(&config.plan.paths, config.source.as_ref())?;
    Ok(change
        .files
        .iter()
        .find(|f| f.status != crate::diff::FileStatus::Deleted && paths.is_match(&f.path))
        .and_then(|f| f.new_text.get().map(str::to_string)))
}

impl InCheck {
    /// One line for reports: what the rehearsal showed, or why it did not run.
    pub fn summary(&self) -> String {
        let r = match self {
            InCheck::NotRehearsed { reason } => return format!("not rehearsed: {reason}"),
            InCheck::Rehearsed(r) => r,
        };
        let n = r.steps.len();
        let applied = r
            .steps
            .iter()
            .filter(|s| matches!(s.up, Outcome::Applied { .. }))
            .count();
        let head = format!(
            "rehearsed on PostgreSQL {}: {applied} of {n} migration(s) applied",
            r.server_version
        );
        let tail = if applied < n {
            "an up migration failed or was not run".to_string()
        } else if let Some(reason) = &r.rollback.reason {
            format!("rollback not rehearsed ({reason})")
        } else if r.rollback.lost.is_empty() && r.rollback.schema_differences.is_empty() {
            "the rollback restores schema and data".to_string()
        } else if !r.rollback.lost.is_empty() {
            let what: Vec<&str> = r.rollback.lost.iter().take(3).map(|l| l.what.as_str()).collect();
            format!("the rollback loses {}", what.join(", "))
        } else {
            "the rollback leaves the schema different".to_string()
        };
        format!("{head}; {tail}")
    }
}
