//! `riskgate install` and `uninstall`: the only commands that write into the repository's
//! hooks directory, and only our own hook.

use crate::diff::git::Repo;
use anyhow::{bail, Context, Result};
use std::path::Path;

pub const HOOK: &str = include_str!("../hooks/pre-push");
const MARKER: &str = "riskgate-managed-hook";
const CHAINED: &str = "pre-push.riskgate-chained";

fn is_ours(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|t| t.contains(MARKER))
}

#[cfg(unix)]
fn make_executable(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mut perms = std::fs::metadata(path)?.permissions();
    perms.set_mode(0o755);
    std::fs::set_permissions(path, perms)?;
    Ok(())
}

#[cfg(not(unix))]
fn make_executable(_: &Path) -> Result<()> {
    Ok(())
}

/// Installs the hook; returns what was done, for the user.
pub fn install(repo: &Repo, force: bool, chain: bool) -> Result<String> {
    let dir = repo.hooks_dir();
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let hook = dir.join("pre-push");
    let mut note = String::new();
    if hook.exists() && !is_ours(&hook) {
        if chain {
            let chained = dir.join(CHAINED);
            std::fs::rename(&hook, &chained).with_context(|| format!("cannot move {}", hook.display()))?;
            note = format!(" (the existing hook now runs first, from {})", chained.display());
        } else if force {
            note = " (replacing the existing hook)".to_string();
        } else {
            bail!(
                "{} exists and is not riskgate's; pass --chain to run it before riskgate, or --force to replace it",
                hook.display()
            );
        }
    }
    std::fs::write(&hook, HOOK).with_context(|| format!("cannot write {}", hook.display()))?;
    make_executable(&hook)?;
    Ok(format!("installed {}{note}", hook.display()))
}

/// Removes our hook only, and puts a chained hook back in its place.
pub fn uninstall(repo: &Repo) -> Result<String> {
    let dir = repo.hooks_dir();
    let hook = dir.join("pre-push");
    if !hook.exists() {
        return Ok("no pre-push hook installed".to_string());
    }
    if !is_ours(&hook) {
        bail!("{} is not riskgate's hook; leaving it alone", hook.display());
    }
    std::fs::remove_file(&hook).with_context(|| format!("cannot remove {}", hook.display()))?;
    let chained = dir.join(CHAINED);
    if chained.exists() {
        std::fs::rename(&chained, &hook)?;
        return Ok(format!(
            "removed riskgate's hook and restored the previous {}",
            hook.display()
        ));
    }
    Ok(format!("removed {}", hook.display()))
}
