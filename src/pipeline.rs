//! Runs the stages in order over one range: diff, classify, analyze, suppress, score, gate.

use crate::analyzers;
use crate::classify::Classifier;
use crate::config::{Config, SourceText};
use crate::diff::git::{Loaded, PolicyBytes, Repo};
use crate::diff::ChangeSet;
use crate::gate::{self, PlanInput};
use crate::policy::{Policy, PolicyChoice};
use crate::registry::RuleSet;
use crate::report::Report;
use crate::score::{self, ChangeFacts};
use crate::suppress;
use anyhow::{anyhow, bail, Context, Result};
use std::path::{Path, PathBuf};

/// Which change to read.
#[derive(Debug, Clone)]
pub enum RangeSpec {
    Revisions {
        base: Option<String>,
        head: String,
    },
    /// Everything up to `head`, against the empty tree (a pushed root commit).
    FromRoot {
        head: String,
    },
    Staged,
}

/// What the command line brings to a run: where plans are, coverage, and how far to read.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    pub plan_file: Option<PathBuf>,
    pub pr_body: Option<String>,
    pub coverage: Option<crate::coverage::Coverage>,
    /// Skip the history scan (`--no-history`).
    pub no_history: bool,
    /// A run by hand (`check`, `audit`, `plan check` without an event file): the plan being
    /// written in the working tree counts. The hook and CI read committed plans only.
    pub work_tree_plan: bool,
    /// `--show-values`, `--allow-superuser`: for `[[shapes]]` checks that read a database.
    pub show_values: bool,
    pub allow_superuser: bool,
    /// `check` and `audit` rehearse when the policy's `[rehearse]` names a set variable; the
    /// hook never does (a push must not wait for a database).
    pub rehearse: bool,
}

/// What `run` works out from the repository before the pure stages.
#[derive(Debug, Clone, Default)]
pub struct Computed {
    pub baseline: Option<crate::baseline::Baseline>,
    /// The history factor (none when it was not read).
    pub history: Option<f64>,
    /// Findings of checks that read beyond the change: the policy it edits, `[[shapes]]`
    /// samples, the rehearsal.
    pub findings: Vec<crate::model::Finding>,
    /// The rehearsal the policy asked for, or why it did not run.
    pub rehearsal: Option<crate::rehearse::InCheck>,
    /// The committed plan's Backup section had SQL, which the rehearsal ran.
    pub plan_backup_rehearsed: bool,
}

/// The outcome of analysing one range.
pub enum Outcome {
    Report(Box<Report>),
    Nothing(String),
}

pub fn read_change(repo: &Repo, config: &Config, range: &RangeSpec) -> Result<Loaded> {
    let limit = config.diff.max_file_size;
    match range {
        RangeSpec::Staged => repo.read_staged(limit),
        RangeSpec::FromRoot { head } => repo.read_from_root(head, limit),
        RangeSpec::Revisions { base, head } => {
            let base = match base {
                Some(b) => b.clone(),
                None => repo.default_base()?,
            };
            repo.read_range(&base, head, limit)
        }
    }
}

/// The policy that judges `range`: the base revision's (the index's base is `HEAD`; a pushed
/// root commit has none, so the defaults), or the working tree's when asked for.
pub fn policy_for(repo: &Repo, range: &RangeSpec, choice: PolicyChoice, explicit: Option<&Path>) -> Result<Policy> {
    if choice == PolicyChoice::Worktree {
        return Policy::work_tree(repo, explicit);
    }
    let rev = match range {
        RangeSpec::Staged => repo.commit_sha("HEAD"),
        RangeSpec::FromRoot { .. } => None,
        RangeSpec::Revisions { base, .. } => {
            let base = match base {
                Some(b) => b.clone(),
                None => repo.default_base()?,
            };
            match repo.commit_sha(&base) {
                Some(sha) => Some(sha),
                None => bail!("base `{base}` not found; fetch it or run with fetch-depth: 0"),
            }
        }
    };
    match rev {
        Some(rev) => Policy::at_revision(repo, &rev, explicit),
        None => Policy::without_base(repo, explicit),
    }
}

/// Runs the whole pipeline over a range, judged by `policy` and the `rules` it puts in force
/// (`RuleSet::of(policy)`, loaded once by the caller, who also renders with it).
pub fn run(repo: &Repo, policy: &Policy, rules: &RuleSet, range: &RangeSpec, inputs: &Inputs) -> Result<Outcome> {
    let config = &policy.config;
    let mut change = match read_change(repo, config, range)? {
        Loaded::Empty(msg) => return Ok(Outcome::Nothing(msg)),
        Loaded::Change(c) => c,
    };
    // A coverage report the change itself commits is the change's word about its own tests.
    if let Some(p) = config.tests.coverage.iter().find(|p| {
        change
            .files
            .iter()
            .any(|f| &f.path == *p && f.status != crate::diff::FileStatus::Deleted)
    }) {
        bail!("the coverage report {p} is part of this change; riskgate does not take a report the change under review wrote (generate it in CI, and keep it out of git)");
    }
    // What is binary, not diffed or generated is the policy's word, not the change's.
    change.gitattributes = policy.gitattributes.clone();
    mark_by_attributes(&mut change);
    let plan = find_plan(&change, config, inputs, &repo.root())?;
    let mut computed = Computed {
        baseline: policy.baseline.clone(),
        ..Default::default()
    };
    let head = change.range.head.clone();
    computed.findings.extend(crate::policy::policy_changed::findings(
        &change,
        policy,
        // The head's policy as a later run would load it: its config, and its rules and packs.
        || {
            let head_policy = match range {
                RangeSpec::Staged => Policy::work_tree(repo, policy.explicit.as_deref()),
                _ => Policy::at_revision(repo, &head, policy.explicit.as_deref()),
            }?;
            RuleSet::of(&head_policy)?;
            Ok(head_policy)
        },
    ));
    // The history factor reads the history cache (a whole scan at a merge base not seen
    // before): on its own thread, with its own handle on the repository, while the change is
    // analysed; it is needed only for the score.
    let history_job = (!inputs.no_history
        && !config.score.no_history
        && !config.score.no_context
        && change.range.merge_base.len() == 40
        && !change.range.merge_base.starts_with("0000"))
    .then(|| {
        (
            repo.git_dir(),
            change.files.iter().map(|f| f.path.clone()).collect::<Vec<_>>(),
            change.range.merge_base.clone(),
        )
    });
    std::thread::scope(|s| {
        let mut history = history_job.map(|(git_dir, files, merge_base)| {
            s.spawn(move || -> Result<f64> {
                let repo = Repo::discover(&git_dir)?;
                history_factor(&repo, &files, &merge_base, config, &policy.incidents)
            })
        });
        let rest = || -> Result<Report> {
            computed.findings.extend(shape_checks(repo, &change, config, inputs)?);
            rehearsal(repo, &change, config, inputs, range, &mut computed)?;
            analyze(
                change,
                config,
                rules,
                plan.as_ref(),
                inputs.coverage.as_ref(),
                &computed,
                || match history.take() {
                    // A panic there is the run's: it fails, never scores without the factor.
                    Some(h) => h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)).map(Some),
                    None => Ok(None),
                },
            )
        };
        let report = rest();
        // A run that failed before the score still waits for the thread (scoped), and reports
        // its own error, not a panic of the history's.
        if let Some(h) = history.take() {
            let _ = h.join();
        }
        Ok(Outcome::Report(Box::new(report?)))
    })
}

/// The rehearsal `[rehearse]` asks for, when the change adds SQL migrations: its findings
/// join the others; when its variable is not set the report says it did not run.
fn rehearsal(
    repo: &Repo,
    change: &ChangeSet,
    config: &Config,
    inputs: &Inputs,
    range: &RangeSpec,
    computed: &mut Computed,
) -> Result<()> {
    let Some(var) = config.rehearse.postgres_url_env.as_deref() else {
        return Ok(());
    };
    if !inputs.rehearse {
        return Ok(());
    }
    let classifier = Classifier::new(config)?;
    let none = globset::GlobSet::empty();
    let adds_sql = change.files.iter().any(|f| {
        f.status != crate::diff::FileStatus::Deleted
            && f.path.ends_with(".sql")
            && matches!(
                classifier.kind_of_path(&f.path, &none),
                crate::model::FileKind::Migration { .. }
            )
    });
    if !adds_sql {
        return Ok(());
    }
    let not_rehearsed = |reason: String| Some(crate::rehearse::InCheck::NotRehearsed { reason });
    if matches!(range, RangeSpec::Staged) {
        computed.rehearsal = not_rehearsed("staged changes are not rehearsed; commit them first".into());
        return Ok(());
    }
    let Some(url) = std::env::var(var).ok().filter(|u| !u.is_empty()) else {
        computed.rehearsal = not_rehearsed(format!("{var}, which [rehearse] postgres_url_env names, is not set"));
        return Ok(());
    };
    let script = crate::rehearse::scripts_of(repo, config, change)?;
    if script.is_empty() {
        return Ok(());
    }
    // `--allow-superuser` on check is for [[shapes]] reads; the change's own SQL never runs
    // with more than CREATEDB from check (`riskgate rehearse --allow-superuser` is explicit).
    let options = crate::rehearse::options_of(repo, config, change, url)?;
    computed.plan_backup_rehearsed = !options.plan_backup.is_empty();
    let r = crate::rehearse::rehearse_all(&script, &options).map_err(|e| anyhow!("[rehearse]: {e}"))?;
    computed.findings.extend(crate::rehearse::rules::findings(&r));
    computed.rehearsal = Some(crate::rehearse::InCheck::Rehearsed(Box::new(r)));
    Ok(())
}

/// Files the policy's `.gitattributes` marks `binary` or `-diff` are not analysed, and say so.
fn mark_by_attributes(change: &mut ChangeSet) {
    let attrs = change.gitattributes.as_deref();
    for meaning in ["binary", "not diffed"] {
        let set = crate::classify::attribute_globs(attrs, meaning);
        if set.is_empty() {
            continue;
        }
        for file in change.files.iter_mut().filter(|f| f.skipped.is_none()) {
            if set.is_match(&file.path) {
                let what = if meaning == "binary" { "binary" } else { "-diff" };
                file.skipped = Some(crate::diff::SkipReason::Attribute(what.to_string()));
                file.hunks.clear();
                file.old_text = crate::diff::LazyText::absent();
                file.new_text = crate::diff::LazyText::absent();
            }
        }
    }
}

/// The stages after `diff`, over an already-read change: pure, no repository needed.
/// The history factor is asked for only when the findings are in (`run` reads it meanwhile).
pub fn analyze(
    change: ChangeSet,
    config: &Config,
    rules: &RuleSet,
    plan: Option<&PlanInput>,
    coverage: Option<&crate::coverage::Coverage>,
    computed: &Computed,
    history: impl FnOnce() -> Result<Option<f64>>,
) -> Result<Report> {
    let change = Classifier::new(config)?.classify(change);
    let inputs = analyzers::Inputs {
        packs: &rules.packs,
        json_columns: &config.json_column,
        stored_types: config
            .json_column
            .iter()
            .map(|c| c.type_name.as_str())
            .chain(config.shapes.iter().map(|s| s.type_spec.as_str()))
            .map(|t| t.rsplit("::").next().unwrap_or(t).trim().to_string())
            .collect(),
        coverage,
    };
    let mut findings = analyzers::run(&change, &inputs);
    if let Some(crate::rehearse::InCheck::Rehearsed(r)) = &computed.rehearsal {
        crate::rehearse::reconcile(&mut findings, r);
    }
    findings.extend(computed.findings.iter().cloned());
    findings.retain(|f| !rules.disabled.contains(&f.rule));
    let mut findings = suppress::apply(&change, config, &rules.known, computed.baseline.as_ref(), findings)?;
    findings.retain(|f| !rules.disabled.contains(&f.rule));
    let mut facts = ChangeFacts::of(&change);
    facts.history = history()?.unwrap_or(0.0);
    // An author's name is the change's to choose: it lowers no score that gates.
    if matches!(config.gate.block_on_score, crate::config::Threshold::At(_)) {
        facts.bot = false;
    }
    let score = score::score(&findings, &facts, &config.score);
    let (plan_status, gate) = gate::decide(
        &score,
        &mut findings,
        plan,
        &config.gate,
        &config.plan.required_sections,
    );
    let mut plan_status = plan_status;
    if let (Some(crate::rehearse::InCheck::Rehearsed(r)), true) = (&computed.rehearsal, computed.plan_backup_rehearsed)
    {
        // Verified when every value the change removes or rewrites is held by a checked copy,
        // and the plan's SQL made at least one of them.
        plan_status.backup_verified =
            Some(r.backups.iter().all(|b| b.kept_in.is_some()) && r.backups.iter().any(|b| b.from_plan));
    }
    let mut report = Report::new(&change, findings, score, plan_status, gate);
    report.rehearsal = computed.rehearsal.clone();
    if let Some(c) = coverage {
        let (covered, coverable) = analyzers::untested::patch_coverage(&change, c);
        report.stats.patch_coverage = Some(crate::report::PatchCoverage { covered, coverable });
    }
    Ok(report)
}

/// Plan sources in the order of design §5; the first one found is the one validated.
fn find_plan(change: &ChangeSet, config: &Config, inputs: &Inputs, root: &Path) -> Result<Option<PlanInput>> {
    if let Some(path) = &inputs.plan_file {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read plan {}", path.display()))?;
        let shown = path.strip_prefix(root).unwrap_or(path).display().to_string();
        return Ok(Some(PlanInput {
            source: format!("file:{shown}"),
            text,
        }));
    }
    if inputs.work_tree_plan {
        for pattern in &config.plan.paths {
            if crate::policy::check_relative(pattern.get_ref()).is_err() {
                continue;
            }
            let found = crate::policy::expand(root, pattern.get_ref()).unwrap_or_default();
            if let Some(file) = found.first() {
                let text = crate::policy::read_inside(root, file, crate::policy::MAX_POLICY_FILE)
                    .with_context(|| format!("cannot read plan {file}"))?;
                // The same text as committed in the range is the committed plan; anything
                // else is the plan being written, and the report says where it came from.
                let committed = change
                    .files
                    .iter()
                    .find(|f| &f.path == file && f.status != crate::diff::FileStatus::Deleted)
                    .and_then(|f| f.new_text.get());
                if committed != Some(text.as_str()) {
                    return Ok(Some(PlanInput {
                        source: format!("worktree:{file}"),
                        text,
                    }));
                }
                break;
            }
        }
    }
    let src = config.source.as_ref();
    let plan_paths = crate::config::glob_set(&config.plan.paths, src)?;
    for file in &change.files {
        if file.status != crate::diff::FileStatus::Deleted && plan_paths.is_match(&file.path) {
            if let Some(text) = file.new_text.get() {
                return Ok(Some(PlanInput {
                    source: format!("file:{}", file.path),
                    text: text.to_string(),
                }));
            }
        }
    }
    if let Some(body) = &inputs.pr_body {
        if let Some(section) = rollback_section(body) {
            return Ok(Some(PlanInput {
                source: "pr-body".to_string(),
                text: section,
            }));
        }
    }
    for commit in change.commits.iter().rev() {
        for (key, value) in &commit.trailers {
            if key.eq_ignore_ascii_case("Rollback-Plan") {
                let value = value.trim();
                let from_file = change
                    .files
                    .iter()
                    .find(|f| f.path == value)
                    .and_then(|f| f.new_text.get().map(str::to_string));
                let text = from_file.unwrap_or_else(|| value.to_string());
                return Ok(Some(PlanInput {
                    source: format!("trailer:{}", crate::text::short_sha(&commit.sha)),
                    text,
                }));
            }
        }
    }
    Ok(None)
}

/// The part of a PR body under a heading "Rollback plan", down to the next heading of the same
/// or a higher level; its subsections are the plan's sections.
pub fn rollback_section(body: &str) -> Option<String> {
    let mut level = None;
    let mut out = String::new();
    for line in body.lines() {
        let t = line.trim_start();
        let hashes = t.chars().take_while(|c| *c == '#').count();
        let is_heading = (1..=6).contains(&hashes) && t[hashes..].starts_with(' ');
        match level {
            None => {
                if is_heading
                    && t[hashes..]
                        .trim()
                        .trim_end_matches('#')
                        .trim()
                        .eq_ignore_ascii_case("rollback plan")
                {
                    level = Some(hashes);
                }
            }
            Some(l) => {
                if is_heading && hashes <= l {
                    break;
                }
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    level.map(|_| out)
}

/// A sample committed in the repository is read whole from the base tree; this bounds it.
const MAX_TREE_SAMPLE: u64 = 512 << 20;

/// `[[shapes]]` checks for the types this change touches; nothing runs without a sample.
fn shape_checks(
    repo: &Repo,
    change: &ChangeSet,
    config: &Config,
    inputs: &Inputs,
) -> Result<Vec<crate::model::Finding>> {
    let mut out = Vec::new();
    for entry in &config.shapes {
        let (file, _) = crate::shapes::source::split_type(&entry.type_spec)?;
        let Some(changed) = change
            .files
            .iter()
            .find(|f| f.path == file && f.status != crate::diff::FileStatus::Deleted)
        else {
            continue;
        };
        let url = entry
            .postgres_url_env
            .as_ref()
            .and_then(|v| std::env::var(v).ok())
            .filter(|u| !u.is_empty());
        // A sample the policy names is read as the base holds it: a regular file of the tree,
        // never the change's version of it.
        let sample_blob = match &entry.sample {
            Some(rel) => {
                crate::policy::check_relative(rel).map_err(|e| anyhow!("[[shapes]] sample: {e}"))?;
                match repo.regular_file_at(&change.range.base, rel, MAX_TREE_SAMPLE)? {
                    PolicyBytes::Bytes(bytes) => Some((rel.clone(), bytes)),
                    PolicyBytes::Absent => bail!("[[shapes]] sample `{rel}` is not in the base revision"),
                    PolicyBytes::Refused(why) => bail!("[[shapes]] sample: {why}"),
                }
            }
            None => None,
        };
        let input = crate::shapes::source::Input {
            sample: None,
            sample_blob,
            postgres: if entry.sample.is_none() { url } else { None },
            query: entry.query.clone(),
            limit: entry.limit,
            show_values: inputs.show_values,
            allow_superuser: inputs.allow_superuser,
        };
        if input.sample_blob.is_none() && input.postgres.is_none() {
            continue;
        }
        let report = crate::shapes::source::run(repo, &entry.type_spec, &change.range.head, None, &input)?;
        out.extend(crate::shapes::json_sample_rejected::check(
            &entry.type_spec,
            &report,
            changed,
        ));
    }
    Ok(out)
}

/// The history factor of a change: touched files' earlier commits that were reverted or fixed,
/// as known at the merge base, and the incidents the base's policy records.
pub fn history_factor(
    repo: &Repo,
    files: &[String],
    base: &str,
    config: &Config,
    incidents: &[crate::incidents::Incident],
) -> Result<f64> {
    let limit = config.score.history_limit.unwrap_or(crate::history::DEFAULT_LIMIT);
    // The base's list: a change cannot declare its way out of its files' history.
    let ignore = repo.blame_ignore_revs(base);
    // What the result depends on besides the merge base: remembered under this key.
    let recorded: Vec<String> = incidents
        .iter()
        .map(|i| {
            format!(
                "{}>{}@{}",
                i.cause,
                i.fixed_by.as_deref().unwrap_or(""),
                i.recorded.as_deref().unwrap_or("")
            )
        })
        .collect();
    let key = format!(
        "limit={limit} ignore={} incidents={}",
        ignore.join(","),
        recorded.join(",")
    );
    if let Some(known) = crate::history::Known::load(repo, base, &key) {
        return Ok(known.risk(files));
    }
    let history = crate::history::scan(repo, base, limit, crate::history::Cache::load(repo))?;
    let at = history.first().map_or(0, |(_, f)| f.time) + 1;
    let bad = crate::history::bad_commits(&history, &ignore, incidents);
    let known = crate::history::Known::of(&history, &bad, at);
    known.save(repo, base, &key);
    Ok(known.risk(files))
}

/// Coverage from `--coverage` files (which must exist) and `[tests] coverage` (when present).
pub fn load_coverage(config: &Config, root: &Path, explicit: &[PathBuf]) -> Result<Option<crate::coverage::Coverage>> {
    let mut reports = Vec::new();
    for path in explicit {
        reports.push(crate::coverage::read(path)?);
    }
    // Paths from the policy: inside the repository, regular files, no links; absent is fine.
    for rel in &config.tests.coverage {
        crate::policy::check_relative(rel).map_err(|e| anyhow!("[tests] coverage: {e}"))?;
        if std::fs::symlink_metadata(root.join(rel)).is_err() {
            continue;
        }
        let file = crate::policy::open_inside(root, rel)?;
        reports.push(crate::coverage::read_from(rel, file)?);
    }
    Ok(reports.into_iter().reduce(|mut all, c| {
        all.merge(c);
        all
    }))
}

/// Reads a file the user named, for messages that must name it.
pub fn read_source(path: &Path) -> Result<SourceText> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(SourceText {
        name: path.display().to_string(),
        text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rollback_section_stops_at_the_next_heading_of_its_level() {
        let body = "## Summary\nx\n## Rollback plan\n### Rollback steps\n1. revert\n## Notes\ny\n";
        assert_eq!(rollback_section(body).unwrap(), "### Rollback steps\n1. revert\n");
        assert!(rollback_section("## Summary\nnothing").is_none());
    }
}
