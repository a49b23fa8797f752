//! The policy that judges a change: `riskgate.toml`, the repository's rule packs, the baseline
//! and the `.gitattributes` entries riskgate honours.
//!
//! `check` and the pre-push hook read it from the base revision's tree (git objects), as
//! GitHub reads CODEOWNERS from the base branch: the change under review cannot change the
//! rules it is judged by. A change to any policy file is reported as `policy-changed`, saying
//! what it changes; one that weakens the gate needs a rollback plan like any other risk.

pub mod policy_changed;

use crate::baseline::{self, Baseline};
use crate::config::{self, Config, SourceText};
use crate::diff::git::{PolicyBlob, Repo};
use anyhow::{anyhow, bail, Context, Result};
use std::path::{Component, Path, PathBuf};

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
    /// Incidents recorded in `.riskgate/incidents.toml`: the history factor counts them.
    pub incidents: Vec<crate::incidents::Incident>,
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

    /// The rest of a policy once its config and packs are read: the baseline and attributes as
    /// `read` finds them. (The rules the config and packs put in force are `RuleSet::of`.)
    fn assemble(
        at: &ConfigAt,
        explicit: Option<&Path>,
        (config, origin): (Config, String),
        pack_files: Vec<(String, String)>,
        read: &dyn Fn(&str) -> Result<Option<String>>,
    ) -> Result<Policy> {
        let baseline = read(baseline::FILE_NAME)?.map(|t| Baseline::parse(&t)).transpose()?;
        let gitattributes = read(".gitattributes")?;
        let incidents = match read(crate::incidents::PATH)? {
            Some(text) => crate::incidents::parse(&SourceText {
                name: crate::incidents::PATH.to_string(),
                text,
            })?,
            None => Vec::new(),
        };
        Ok(Policy {
            config,
            pack_files,
            baseline,
            gitattributes,
            incidents,
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
            incidents: Vec::new(),
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

#[cfg(test)]
mod tests {
    use super::*;

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
