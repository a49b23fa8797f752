//! The policy that judges a change: `riskgate.toml`, the repository's rule packs, the baseline
//! and the `.gitattributes` entries riskgate honours.
//!
//! `check` and the pre-push hook read it from the base revision's tree (git objects), as
//! GitHub reads CODEOWNERS from the base branch: the change under review cannot change the
//! rules it is judged by. A change to any policy file is reported as `policy-changed`, saying
//! what it changes; one that weakens the gate needs a rollback plan like any other risk.

use crate::baseline::{self, Baseline};
use crate::classify::honoured_attributes;
use crate::code_rule;
use crate::config::{self, Config, SourceText, Threshold};
use crate::diff::git::{PolicyBlob, Repo};
use crate::diff::ChangeSet;
use crate::model::{Finding, Severity};
use anyhow::{anyhow, bail, Context, Result};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

code_rule! {
    /// ## What it does
    /// Reports a change to riskgate's own policy: `riskgate.toml`, a rule pack it names, the
    /// baseline (`.riskgate-baseline.json`) or the `.gitattributes` entries riskgate honours
    /// (`binary`, `-diff`, `linguist-generated`). The message lists each effective difference,
    /// such as "disables migration-drops-schema" or "ignores db/**".
    ///
    /// ## Why is this risky?
    /// `check` and the hook judge a change by the policy of its base, so a change cannot switch
    /// the gate off for itself; but once merged, its policy judges every later change. A change
    /// that weakens the gate (disables a rule, ignores or reclassifies paths, raises a
    /// threshold, lowers a severity or a size limit, adds a waiver or a baseline entry) is
    /// `high` and needs a rollback plan that names `policy-changed` and says why. One that only
    /// strengthens it is `info`.
    ///
    /// ## Example
    /// ```text
    /// riskgate.toml: policy-changed (high): disables migration-drops-schema; ignores db/**
    /// ```
    ///
    /// ## How to roll back
    /// Revert the policy file; the base policy is back in force at once. Put the policy files
    /// under CODEOWNERS so that the people who own the gate review changes to it.
    pub static POLICY_CHANGED: "policy-changed", "policy", High, [], gating = PolicyWeakened;
}

/// Policy files are small; a larger one is refused rather than read.
pub const MAX_POLICY_FILE: u64 = 4 << 20;

/// Where a run's policy comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum PolicyChoice {
    /// The base revision's tree (what `check` and the hook always use).
    #[default]
    Base,
    /// The files in the working tree, to try a policy before committing it.
    Worktree,
}

/// The policy in force for a run.
pub struct Policy {
    pub config: Config,
    pub pack_files: Vec<(String, String)>,
    pub baseline: Option<Baseline>,
    pub gitattributes: Option<String>,
    /// Said in reports: `base 1a2b3c4`, `work tree`, `--config FILE`.
    pub origin: String,
    /// `--config FILE`, which replaces `riskgate.toml` wherever a policy is read.
    pub explicit: Option<PathBuf>,
    /// The config's path in the repository (`riskgate.toml` unless `--config` names another
    /// file inside it); `None` for a config outside the repository.
    pub config_path: Option<String>,
}

impl Policy {
    /// The policy of the tree at `rev`. An explicit `--config FILE` (the caller's choice, not
    /// the change's) replaces `riskgate.toml`; packs, baseline and attributes stay the tree's.
    pub fn at_revision(repo: &Repo, rev: &str, explicit: Option<&Path>) -> Result<Policy> {
        let short: String = repo
            .commit_sha(rev)
            .unwrap_or_else(|| rev.to_string())
            .chars()
            .take(7)
            .collect();
        let at = ConfigAt::of(repo, explicit);
        let (config, origin) = match at.clone() {
            ConfigAt::Outside(path) => (load_explicit(&path)?, format!("--config {}", path.display())),
            ConfigAt::InRepo(rel) => {
                let config = match tree_text(repo, rev, &rel)? {
                    Some(text) => Config::parse(SourceText {
                        name: format!("{rel} (at {short})"),
                        text,
                    })?,
                    // A config named with --config that is nowhere is a mistake, not the defaults.
                    None if explicit.is_some() && std::fs::symlink_metadata(repo.root().join(&rel)).is_err() => {
                        bail!("cannot read config {rel}: not in the repository at {short} nor in the working tree")
                    }
                    None => Config::default(),
                };
                (config, format!("base {short}"))
            }
        };
        let mut pack_files = Vec::new();
        for pattern in &config.rules.packs {
            check_relative(pattern.get_ref()).map_err(|e| config.error_at(pattern.span(), e))?;
            let matcher = config::glob(pattern.get_ref())
                .map_err(|e| {
                    config.error_at(
                        pattern.span(),
                        format!("bad glob `{}`: {}", pattern.get_ref(), e.kind()),
                    )
                })?
                .compile_matcher();
            let files = repo.regular_files_at(rev, &literal_folder(pattern.get_ref()), &|p| matcher.is_match(p))?;
            if files.is_empty() {
                return Err(config.error_at(
                    pattern.span(),
                    format!("no rule pack matches `{}` at {short}", pattern.get_ref()),
                ));
            }
            for file in files {
                let text = tree_text(repo, rev, &file)?.ok_or_else(|| anyhow!("rule pack {file} vanished"))?;
                pack_files.push((file, text));
            }
        }
        let read = |path: &str| tree_text(repo, rev, path);
        Policy::assemble(&at, explicit, (config, origin), pack_files, &read)
    }

    /// The rest of a policy once its config and packs are read: the rules, and the baseline and
    /// attributes as `read` finds them.
    fn assemble(
        at: &ConfigAt,
        explicit: Option<&Path>,
        (config, origin): (Config, String),
        pack_files: Vec<(String, String)>,
        read: &dyn Fn(&str) -> Result<Option<String>>,
    ) -> Result<Policy> {
        let baseline = read(baseline::FILE_NAME)?.map(|t| Baseline::parse(&t)).transpose()?;
        let gitattributes = read(".gitattributes")?;
        Ok(Policy {
            config,
            pack_files,
            baseline,
            gitattributes,
            origin,
            explicit: explicit.map(Path::to_path_buf),
            config_path: at.in_repo(),
        })
    }

    /// The policy files as they are in the working tree (`audit --policy worktree`, and the
    /// commands that never gate). Files are read inside the repository only, links refused.
    pub fn work_tree(repo: &Repo, explicit: Option<&Path>) -> Result<Policy> {
        let root = repo.root();
        let at = ConfigAt::of(repo, explicit);
        let (config, origin) = match at.clone() {
            ConfigAt::Outside(path) => (load_explicit(&path)?, format!("--config {}", path.display())),
            ConfigAt::InRepo(rel) => {
                let config = match read_inside_if_present(&root, &rel)? {
                    Some(text) => Config::parse(SourceText { name: rel, text })?,
                    None => Config::default(),
                };
                (config, "work tree".to_string())
            }
        };
        let pack_files = work_tree_packs(&config, &root)?;
        let read = |path: &str| read_inside_if_present(&root, path);
        Policy::assemble(&at, explicit, (config, origin), pack_files, &read)
    }

    /// With no base to read (a pushed root commit): built-in rules and default settings, or
    /// the explicit `--config FILE`.
    pub fn without_base(repo: &Repo, explicit: Option<&Path>) -> Result<Policy> {
        let at = ConfigAt::of(repo, explicit);
        let (config, origin) = match at.clone() {
            ConfigAt::Outside(path) => (load_explicit(&path)?, format!("--config {}", path.display())),
            // A file of the change itself is not a policy yet.
            ConfigAt::InRepo(_) => (Config::default(), "defaults (no base)".to_string()),
        };
        Ok(Policy {
            config,
            pack_files: Vec::new(),
            baseline: None,
            gitattributes: None,
            origin,
            explicit: explicit.map(Path::to_path_buf),
            config_path: at.in_repo(),
        })
    }
}

/// Where the config is read from: a path inside the repository is a policy file like
/// `riskgate.toml` (read from the base tree, never from the change's working tree); a file
/// outside it is the caller's own and is read as it is.
#[derive(Debug, Clone)]
pub enum ConfigAt {
    InRepo(String),
    Outside(PathBuf),
}

impl ConfigAt {
    fn in_repo(&self) -> Option<String> {
        match self {
            ConfigAt::InRepo(rel) => Some(rel.clone()),
            ConfigAt::Outside(_) => None,
        }
    }

    pub fn of(repo: &Repo, explicit: Option<&Path>) -> ConfigAt {
        let Some(path) = explicit else {
            return ConfigAt::InRepo(config::FILE_NAME.to_string());
        };
        let root = repo.root();
        let root = root.canonicalize().unwrap_or(root);
        let cwd = std::env::current_dir().ok().and_then(|d| d.canonicalize().ok());
        let full = match (path.is_absolute(), cwd) {
            (true, _) => path.to_path_buf(),
            (false, Some(cwd)) => cwd.join(path),
            (false, None) => return ConfigAt::Outside(path.to_path_buf()),
        };
        // Lexically: a link inside the repository must not carry the path outside of it.
        let mut normal = PathBuf::new();
        for c in full.components() {
            match c {
                Component::ParentDir => {
                    normal.pop();
                }
                Component::CurDir => {}
                other => normal.push(other),
            }
        }
        match normal.strip_prefix(&root) {
            Ok(rel) if !rel.as_os_str().is_empty() => ConfigAt::InRepo(rel.to_string_lossy().replace('\\', "/")),
            _ => ConfigAt::Outside(path.to_path_buf()),
        }
    }
}

/// The caller's own config file, outside the repository.
fn load_explicit(path: &Path) -> Result<Config> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_POLICY_FILE + 1).read_to_end(&mut bytes))
        .with_context(|| format!("cannot read config {}", path.display()))?;
    if bytes.len() as u64 > MAX_POLICY_FILE {
        bail!("config {} is over {MAX_POLICY_FILE} bytes", path.display());
    }
    let text = String::from_utf8(bytes).map_err(|_| anyhow!("{}: config is not valid UTF-8", path.display()))?;
    Config::parse(SourceText {
        name: path.display().to_string(),
        text,
    })
}

fn tree_text(repo: &Repo, rev: &str, path: &str) -> Result<Option<String>> {
    match repo.policy_file(rev, path, MAX_POLICY_FILE)? {
        PolicyBlob::Text(t) => Ok(Some(t)),
        PolicyBlob::Absent => Ok(None),
        PolicyBlob::Refused(why) => bail!("{why}"),
    }
}

/// The folder a glob's literal leading components name (`riskgate/rules` for
/// `riskgate/rules/*.toml`): nothing outside it can match.
fn literal_folder(pattern: &str) -> String {
    let parts: Vec<&str> = pattern.split('/').collect();
    let literal: Vec<&str> = parts[..parts.len().saturating_sub(1)]
        .iter()
        .take_while(|c| !c.contains(['*', '?', '[', '{']))
        .copied()
        .collect();
    literal.join("/")
}

/// A path that a policy names must stay inside the repository: relative, no `..`.
pub fn check_relative(path: &str) -> std::result::Result<(), String> {
    let p = Path::new(path);
    let outside = path.is_empty()
        || path.contains('\\')
        || p.components()
            .any(|c| matches!(c, Component::ParentDir | Component::RootDir | Component::Prefix(_)));
    if outside {
        Err(format!("`{path}` is not a relative path inside the repository"))
    } else {
        Ok(())
    }
}

/// Opens `rel` under `root` as a regular file, refusing `..`, absolute paths and a link at
/// any step of the path.
pub fn open_inside(root: &Path, rel: &str) -> Result<std::fs::File> {
    check_relative(rel).map_err(|e| anyhow!(e))?;
    let mut at = root.to_path_buf();
    for part in Path::new(rel).components() {
        at.push(part);
        let meta = std::fs::symlink_metadata(&at).with_context(|| format!("cannot read {rel}"))?;
        if meta.file_type().is_symlink() {
            bail!("{rel}: a symbolic link; riskgate reads policy and data files only inside the repository");
        }
    }
    if !std::fs::symlink_metadata(&at)?.is_file() {
        bail!("{rel} is not a regular file");
    }
    std::fs::File::open(&at).with_context(|| format!("cannot read {rel}"))
}

/// Reads `rel` under `root` as `open_inside` does, at most `max` bytes of UTF-8.
pub fn read_inside(root: &Path, rel: &str, max: u64) -> Result<String> {
    use std::io::Read;
    let mut text = String::new();
    open_inside(root, rel)?
        .take(max + 1)
        .read_to_string(&mut text)
        .with_context(|| format!("{rel} is not UTF-8"))?;
    if text.len() as u64 > max {
        bail!("{rel} is over {max} bytes");
    }
    Ok(text)
}

fn read_inside_if_present(root: &Path, rel: &str) -> Result<Option<String>> {
    match std::fs::symlink_metadata(root.join(rel)) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        _ => read_inside(root, rel, MAX_POLICY_FILE).map(Some),
    }
}

/// The repository's packs as `[rules] packs` names them in the working tree: regular files
/// inside the repository only (`audit --policy worktree`, and commands that never gate).
pub fn work_tree_packs(config: &Config, root: &Path) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for pattern in &config.rules.packs {
        check_relative(pattern.get_ref()).map_err(|e| config.error_at(pattern.span(), e))?;
        let files = expand(root, pattern.get_ref()).map_err(|e| config.error_at(pattern.span(), e))?;
        if files.is_empty() {
            return Err(config.error_at(pattern.span(), format!("no rule pack matches `{}`", pattern.get_ref())));
        }
        for file in files {
            let text =
                read_inside(root, &file, MAX_POLICY_FILE).with_context(|| format!("cannot read rule pack {file}"))?;
            out.push((file, text));
        }
    }
    Ok(out)
}

/// Files under `root` matching a glob, relative and `/`-separated, sorted.
pub fn expand(root: &Path, pattern: &str) -> std::result::Result<Vec<String>, String> {
    let matcher = config::glob(pattern)
        .map_err(|e| format!("bad glob `{pattern}`: {}", e.kind()))?
        .compile_matcher();
    let literal: Vec<&str> = pattern
        .split('/')
        .take_while(|c| !c.contains(['*', '?', '[', '{']))
        .collect();
    let start = literal.join("/");
    let mut out = Vec::new();
    let mut stack = vec![root.join(&start)];
    while let Some(dir) = stack.pop() {
        if dir.is_file() {
            if let Ok(rel) = dir.strip_prefix(root) {
                let rel = rel.to_string_lossy().replace('\\', "/");
                if matcher.is_match(&rel) {
                    out.push(rel);
                }
            }
            continue;
        }
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            // Links are never followed: a pack is a file of this repository.
            let link = entry.file_type().map_or(true, |t| t.is_symlink());
            if entry.file_name() != ".git" && !link {
                stack.push(entry.path());
            }
        }
    }
    out.sort();
    Ok(out)
}

/// One effective difference between two policies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyChange {
    pub file: String,
    pub weakens: bool,
    pub what: String,
}

/// `policy-changed` findings for a change that touches a policy file: the policy at the head
/// (`head_policy`, loaded only when needed) against the base policy in force.
pub fn findings(change: &ChangeSet, base: &Policy, head_policy: impl FnOnce() -> Result<Policy>) -> Vec<Finding> {
    let pack_paths: BTreeSet<&str> = base.pack_files.iter().map(|(p, _)| p.as_str()).collect();
    let is_policy = |path: &str| {
        base.config_path.as_deref() == Some(path)
            || matches!(path, config::FILE_NAME | baseline::FILE_NAME | ".gitattributes")
            || pack_paths.contains(path)
            || looks_like_pack(path)
    };
    // A policy file renamed away is a policy change too.
    let touched: Vec<&crate::diff::ChangedFile> = change
        .files
        .iter()
        .filter(|f| is_policy(&f.path) || f.old_path.as_deref().is_some_and(is_policy))
        .collect();
    if touched.is_empty() {
        return Vec::new();
    }
    let line_of = |file: &str| {
        touched
            .iter()
            .find(|f| f.path == file)
            .and_then(|f| f.first_changed_line())
    };
    let head = match head_policy() {
        Ok(h) => h,
        Err(e) => {
            let file = touched[0].path.clone();
            let mut f = POLICY_CHANGED
                .finding(format!(
                    "the policy this change commits does not load, so every later run would stop with an error: {}",
                    format!("{e:#}").replace('\n', " ")
                ))
                .at(&file, line_of(&file))
                .help("fix the policy file; until then the base policy stays in force");
            f.severity = Severity::Medium;
            f.gating = None;
            return vec![f];
        }
    };
    let mut by_file: BTreeMap<String, Vec<PolicyChange>> = BTreeMap::new();
    for c in compare(base, &head) {
        by_file.entry(c.file.clone()).or_default().push(c);
    }
    by_file
        .into_iter()
        .map(|(file, changes)| {
            let weakens = changes.iter().any(|c| c.weakens);
            let (strong, weak): (Vec<&PolicyChange>, Vec<&PolicyChange>) = changes.iter().partition(|c| !c.weakens);
            let mut parts: Vec<String> = weak.iter().map(|c| c.what.clone()).collect();
            parts.extend(strong.iter().map(|c| c.what.clone()));
            let mut f = POLICY_CHANGED
                .finding(format!("{}: {}", if weakens { "weakens the gate" } else { "strengthens the gate" }, parts.join("; ")))
                .at(&file, line_of(&file))
                .help(if weakens {
                    "a change that weakens the gate needs a rollback plan that names policy-changed and says why; the base policy judges this change"
                } else {
                    "takes effect for the changes after this one"
                })
                .evidence(format!("policy of this check: {}", base.origin));
            if !weakens {
                f.severity = Severity::Info;
                f.gating = None;
            }
            f
        })
        .collect()
}

/// A rule pack the change adds or edits under a conventional folder, named by no base glob.
fn looks_like_pack(path: &str) -> bool {
    path.ends_with(".toml")
        && (path.starts_with("riskgate/") || path.starts_with(".riskgate/") || path.starts_with("rules/"))
}

/// Every effective difference from `base` to `head`, each saying whether it weakens the gate.
pub fn compare(base: &Policy, head: &Policy) -> Vec<PolicyChange> {
    let mut out = Vec::new();
    let toml = base.config_path.as_deref().unwrap_or(config::FILE_NAME);
    let mut say = |file: &str, weakens: bool, what: String| {
        out.push(PolicyChange {
            file: file.to_string(),
            weakens,
            what,
        })
    };
    let (b, h) = (&base.config, &head.config);
    let spanned = |v: &[toml::Spanned<String>]| v.iter().map(|s| s.get_ref().clone()).collect::<BTreeSet<_>>();

    for (word, bt, ht) in [
        ("require_plan_at", b.gate.require_plan_at, h.gate.require_plan_at),
        ("block_at", b.gate.block_at, h.gate.block_at),
        ("block_on_score", b.gate.block_on_score, h.gate.block_on_score),
    ] {
        if bt != ht {
            let raised = rank(ht) > rank(bt);
            say(
                toml,
                raised,
                format!(
                    "{} [gate] {word} from {} to {}",
                    if raised { "raises" } else { "lowers" },
                    threshold(bt),
                    threshold(ht)
                ),
            );
        }
    }
    for (added, ids) in set_changes(&spanned(&b.rules.disable), &spanned(&h.rules.disable)) {
        for id in ids {
            say(
                toml,
                added,
                format!("{} {id}", if added { "disables" } else { "enables" }),
            );
        }
    }
    for (label, bs, hs) in [
        ("ignores", &b.classify.ignore, &h.classify.ignore),
        ("marks as generated", &b.classify.generated, &h.classify.generated),
        ("counts as tests", &b.tests.paths, &h.tests.paths),
    ] {
        for (added, globs) in set_changes(&spanned(bs), &spanned(hs)) {
            for g in globs {
                say(
                    toml,
                    added,
                    format!("{}{label} {g}", if added { "" } else { "no longer " }),
                );
            }
        }
    }
    for (added, globs) in set_changes(&spanned(&b.migrations.paths), &spanned(&h.migrations.paths)) {
        for g in globs {
            say(
                toml,
                !added,
                format!("{} {g} as migrations", if added { "reads" } else { "no longer reads" }),
            );
        }
    }
    if b.migrations.dialect != h.migrations.dialect {
        say(
            toml,
            true,
            format!(
                "changes the migration dialect from {:?} to {:?}",
                b.migrations.dialect, h.migrations.dialect
            ),
        );
    }
    if h.diff.max_file_size != b.diff.max_file_size {
        let lowered = h.diff.max_file_size < b.diff.max_file_size;
        say(
            toml,
            lowered,
            format!(
                "{} [diff] max_file_size from {} to {} bytes",
                if lowered { "lowers" } else { "raises" },
                b.diff.max_file_size,
                h.diff.max_file_size
            ),
        );
    }
    if b.hook.tags && !h.hook.tags {
        say(toml, true, "stops checking pushed tags".to_string());
    }
    // The gate compares the score's level, so every weight of the score can open it.
    let weights = |m: &BTreeMap<String, toml::Spanned<f64>>| {
        m.iter()
            .map(|(k, v)| (k.clone(), *v.get_ref()))
            .collect::<BTreeMap<_, _>>()
    };
    for (table, bm, hm) in [
        ("severity", weights(&b.score.severity), weights(&h.score.severity)),
        ("confidence", weights(&b.score.confidence), weights(&h.score.confidence)),
    ] {
        for key in bm.keys().chain(hm.keys()).collect::<BTreeSet<_>>() {
            let (bv, hv) = (bm.get(key), hm.get(key));
            if bv != hv {
                let lowered = match (bv, hv) {
                    (Some(x), Some(y)) => y < x,
                    (None, Some(_)) => true,
                    _ => false,
                };
                let shown = |v: Option<&f64>| v.map_or("the default".to_string(), |v| v.to_string());
                say(
                    toml,
                    lowered,
                    format!("sets [score.{table}] {key} from {} to {}", shown(bv), shown(hv)),
                );
            }
        }
    }
    for (word, bv, hv) in [
        ("no_context", b.score.no_context, h.score.no_context),
        ("no_history", b.score.no_history, h.score.no_history),
    ] {
        if bv != hv {
            say(
                toml,
                hv,
                format!("{} [score] {word}", if hv { "sets" } else { "clears" }),
            );
        }
    }
    if b.score.context != h.score.context || b.score.history_limit != h.score.history_limit {
        say(toml, true, "changes the score's context weights".to_string());
    }
    if b.tests.coverage != h.tests.coverage {
        say(
            toml,
            true,
            format!(
                "reads coverage from {:?} instead of {:?}",
                h.tests.coverage, b.tests.coverage
            ),
        );
    }
    let sections = |c: &Config| {
        c.plan
            .required_sections
            .iter()
            .map(|s| s.to_lowercase())
            .collect::<BTreeSet<_>>()
    };
    for (added, names) in set_changes(&sections(b), &sections(h)) {
        for n in names {
            say(
                toml,
                !added,
                format!(
                    "{} the plan section `{n}`",
                    if added { "requires" } else { "no longer requires" }
                ),
            );
        }
    }
    if spanned(&b.plan.paths) != spanned(&h.plan.paths) {
        say(toml, false, "changes where plans are looked for".to_string());
    }
    let waiver = |c: &Config| {
        c.waivers
            .iter()
            .map(|w| {
                let w = w.get_ref();
                let at = w
                    .path
                    .as_ref()
                    .map_or("every path".to_string(), |p| p.get_ref().clone());
                format!(
                    "{} at {at} (\"{}\")",
                    w.rule.get_ref(),
                    w.reason.as_deref().unwrap_or("")
                )
            })
            .collect::<BTreeSet<_>>()
    };
    for (added, ws) in set_changes(&waiver(b), &waiver(h)) {
        for w in ws {
            say(
                toml,
                added,
                format!("{} {w}", if added { "waives" } else { "removes the waiver of" }),
            );
        }
    }
    let columns = |c: &Config| {
        c.json_column
            .iter()
            .map(|j| format!("{}.{} as {}", j.table, j.column, j.type_name))
            .collect::<BTreeSet<_>>()
    };
    let shapes = |c: &Config| c.shapes.iter().map(|s| s.type_spec.clone()).collect::<BTreeSet<_>>();
    for (label, bs, hs) in [
        ("the JSON column", columns(b), columns(h)),
        ("the [[shapes]] check of", shapes(b), shapes(h)),
    ] {
        for (added, items) in set_changes(&bs, &hs) {
            for i in items {
                say(
                    toml,
                    !added,
                    format!("{} {label} {i}", if added { "adds" } else { "removes" }),
                );
            }
        }
    }
    pack_changes(base, head, &mut out);
    baseline_changes(base, head, &mut out);
    attribute_changes(base, head, &mut out);
    out
}

fn rank(t: Threshold) -> u8 {
    match t {
        Threshold::At(level) => level as u8,
        Threshold::Never => u8::MAX,
    }
}

fn threshold(t: Threshold) -> String {
    match t {
        Threshold::At(level) => level.as_str().to_string(),
        Threshold::Never => "never".to_string(),
    }
}

/// `(true, added)` and `(false, removed)`, each only when not empty.
fn set_changes(base: &BTreeSet<String>, head: &BTreeSet<String>) -> Vec<(bool, Vec<String>)> {
    let added: Vec<String> = head.difference(base).cloned().collect();
    let removed: Vec<String> = base.difference(head).cloned().collect();
    [(true, added), (false, removed)]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect()
}

/// Each pack rule by id, as its TOML table, with the file it is in.
fn pack_rules(policy: &Policy) -> BTreeMap<String, (String, toml::Value)> {
    let mut out = BTreeMap::new();
    for (file, text) in &policy.pack_files {
        let Ok(value) = text.parse::<toml::Table>() else {
            continue;
        };
        for rule in value.get("rule").and_then(|r| r.as_array()).into_iter().flatten() {
            if let Some(id) = rule.get("id").and_then(|i| i.as_str()) {
                out.insert(id.to_string(), (file.clone(), rule.clone()));
            }
        }
    }
    out
}

fn pack_changes(base: &Policy, head: &Policy, out: &mut Vec<PolicyChange>) {
    let (b, h) = (pack_rules(base), pack_rules(head));
    for (id, (file, rule)) in &b {
        match h.get(id) {
            None => out.push(PolicyChange {
                file: file.clone(),
                weakens: true,
                what: format!("removes the rule {id}"),
            }),
            Some((hfile, hrule)) if hrule != rule => out.push(PolicyChange {
                file: hfile.clone(),
                weakens: true,
                what: format!("changes the rule {id}"),
            }),
            _ => {}
        }
    }
    for (id, (file, _)) in h.iter().filter(|(id, _)| !b.contains_key(*id)) {
        out.push(PolicyChange {
            file: file.clone(),
            weakens: false,
            what: format!("adds the rule {id}"),
        });
    }
}

fn baseline_changes(base: &Policy, head: &Policy, out: &mut Vec<PolicyChange>) {
    let entries = |p: &Policy| {
        p.baseline
            .iter()
            // The hash is compared too: an entry re-pointed at other content is a new entry.
            .flat_map(|b| {
                b.findings
                    .iter()
                    .map(|e| format!("{} at {}\t{}", e.rule, e.path, e.hash))
            })
            .collect::<BTreeSet<_>>()
    };
    for (added, items) in set_changes(&entries(base), &entries(head)) {
        out.push(PolicyChange {
            file: baseline::FILE_NAME.to_string(),
            weakens: added,
            what: format!(
                "{} {} finding{} ({})",
                if added { "baselines" } else { "drops from the baseline" },
                items.len(),
                if items.len() == 1 { "" } else { "s" },
                items
                    .iter()
                    .take(5)
                    .map(|i| i.split('\t').next().unwrap_or(i))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }
}

fn attribute_changes(base: &Policy, head: &Policy, out: &mut Vec<PolicyChange>) {
    let (b, h) = (
        honoured_attributes(base.gitattributes.as_deref()),
        honoured_attributes(head.gitattributes.as_deref()),
    );
    for (pattern, meaning) in h.difference(&b) {
        out.push(PolicyChange {
            file: ".gitattributes".to_string(),
            weakens: true,
            what: format!("marks {pattern} as {meaning}"),
        });
    }
    for (pattern, meaning) in b.difference(&h) {
        out.push(PolicyChange {
            file: ".gitattributes".to_string(),
            weakens: false,
            what: format!("no longer marks {pattern} as {meaning}"),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(toml_text: &str) -> Policy {
        let config = Config::parse(SourceText {
            name: "riskgate.toml".into(),
            text: toml_text.into(),
        })
        .unwrap();
        Policy {
            config,
            pack_files: Vec::new(),
            baseline: None,
            gitattributes: None,
            origin: "test".into(),
            explicit: None,
            config_path: Some(config::FILE_NAME.to_string()),
        }
    }

    fn said(base: &str, head: &str) -> Vec<(bool, String)> {
        compare(&policy(base), &policy(head))
            .into_iter()
            .map(|c| (c.weakens, c.what))
            .collect()
    }

    #[test]
    fn weakening_settings_are_named() {
        assert_eq!(
            said(
                "",
                "[rules]\ndisable = [\"migration-drops-schema\"]\n[classify]\nignore = [\"db/**\"]\n"
            ),
            vec![
                (true, "disables migration-drops-schema".to_string()),
                (true, "ignores db/**".to_string())
            ]
        );
        assert_eq!(
            said("", "[gate]\nrequire_plan_at = \"never\"\n[diff]\nmax_file_size = 1\n"),
            vec![
                (true, "raises [gate] require_plan_at from high to never".to_string()),
                (true, "lowers [diff] max_file_size from 1048576 to 1 bytes".to_string())
            ]
        );
        assert_eq!(
            said(
                "",
                "[score.severity]\ncritical = 0.0\n[score.confidence]\nmigration-drops-schema = 0.0\n"
            ),
            vec![
                (true, "sets [score.severity] critical from the default to 0".to_string()),
                (
                    true,
                    "sets [score.confidence] migration-drops-schema from the default to 0".to_string()
                )
            ]
        );
    }

    #[test]
    fn strengthening_is_not_weakening() {
        assert_eq!(
            said(
                "[gate]\nrequire_plan_at = \"critical\"\n[rules]\ndisable = [\"rust-unsafe-added\"]\n",
                ""
            ),
            vec![
                (false, "lowers [gate] require_plan_at from critical to high".to_string()),
                (false, "enables rust-unsafe-added".to_string())
            ]
        );
        assert!(said("[gate]\nblock_at = \"never\"\n", "[gate]\nblock_at = \"never\"\n").is_empty());
        // Turning the score gate off weakens the gate like any threshold.
        assert_eq!(
            said(
                "[gate]\nblock_on_score = \"high\"\n",
                "[gate]\nblock_on_score = \"never\"\n"
            ),
            vec![(true, "raises [gate] block_on_score from high to never".to_string())]
        );
    }

    #[test]
    fn attributes_that_hide_files_are_weakening() {
        let mut base = policy("");
        let mut head = policy("");
        base.gitattributes = Some("*.png binary\n".into());
        head.gitattributes = Some("*.png binary\n*.sql binary\ndb/** -diff linguist-generated\n".into());
        let changes: Vec<String> = compare(&base, &head)
            .into_iter()
            .filter(|c| c.weakens)
            .map(|c| c.what)
            .collect();
        assert_eq!(
            changes,
            [
                "marks *.sql as binary",
                "marks db/** as generated",
                "marks db/** as not diffed"
            ]
        );
    }

    #[test]
    fn a_pack_glob_is_looked_for_under_its_literal_folder() {
        assert_eq!(literal_folder("riskgate/rules/*.toml"), "riskgate/rules");
        assert_eq!(literal_folder("rules/**/own.toml"), "rules");
        assert_eq!(literal_folder("own.toml"), "");
        assert_eq!(literal_folder("*/x.toml"), "");
        assert_eq!(literal_folder("packs/{a,b}/x.toml"), "packs");
    }

    #[test]
    fn paths_must_stay_inside() {
        assert!(check_relative("rules/own.toml").is_ok());
        for bad in ["../outside.jsonl", "/etc/passwd", "a/../../b", "", "a\\b"] {
            assert!(check_relative(bad).is_err(), "{bad}");
        }
    }
}
