//! `hook pre-push`: the check git runs before a push.

use crate::cli::args::*;
use crate::cli::output::note;
use crate::cli::session::*;
use crate::cli::ExitStatus;
use anyhow::{Context, Result};

pub fn pre_push(cli: &Cli, remote: &str) -> Result<ExitStatus> {
    let run = || -> Result<(bool, String)> {
        let repo = open_repo(cli)?;
        let mut input = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut input).context("reading git's pre-push input")?;
        crate::hook::pre_push(&repo, cli.config.as_deref(), remote, &input, cli.quiet)
    };
    match run() {
        Ok((blocked, text)) => {
            note(&text);
            Ok(ExitStatus::blocked_if(blocked))
        }
        Err(e) => Err(e.context("riskgate failed to check this push (this is not a verdict on the change)")),
    }
}
