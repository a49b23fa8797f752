//! `init`: a commented `riskgate.toml`.

use crate::cli::args::*;
use crate::cli::output::*;
use crate::cli::session::*;
use crate::cli::ExitStatus;
use crate::diff::git::Repo;
use anyhow::{bail, Context, Result};

pub fn init(cli: &Cli, force: bool, stdout: bool) -> Result<ExitStatus> {
    let dir = start_dir(cli);
    let root = Repo::discover(&dir).map(|r| r.root()).unwrap_or(dir);
    let text = crate::init::template_with(
        &crate::init::detect(&root),
        &crate::init::detect_dialects(&root),
        &crate::init::detect_json_folders(&root),
    );
    if stdout {
        emit(&text, None)?;
        return Ok(ExitStatus::Passed);
    }
    let path = root.join(crate::config::FILE_NAME);
    if path.exists() && !force {
        bail!("{} already exists; pass --force to replace it", path.display());
    }
    std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    if !cli.quiet {
        say(&format!("wrote {}", path.display()))?;
    }
    Ok(ExitStatus::Passed)
}
