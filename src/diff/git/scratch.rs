//! A scratch repository of riskgate's own (the demo's): the only place that writes git.

use anyhow::{Context, Result};
use git2::Repository;
use std::path::Path;

/// A throwaway repository that riskgate itself writes: used only by `riskgate demo`, in a
/// temporary directory, never in the user's repository.
pub struct Scratch {
    repo: Repository,
    clock: std::cell::Cell<i64>,
}

impl Scratch {
    pub fn init(path: &Path) -> Result<Scratch> {
        let mut opts = git2::RepositoryInitOptions::new();
        opts.initial_head("main");
        let repo = Repository::init_opts(path, &opts).context("creating the demo repository")?;
        Ok(Scratch {
            repo,
            clock: std::cell::Cell::new(1_767_225_600),
        })
    }

    /// Writes the files and commits everything on the current branch.
    pub fn commit(&self, files: &[(&str, &str)], message: &str) -> Result<String> {
        let root = self
            .repo
            .workdir()
            .context("the demo repository has a work tree")?
            .to_path_buf();
        for (path, text) in files {
            let full = root.join(path);
            if let Some(dir) = full.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::write(full, text)?;
        }
        let mut index = self.repo.index()?;
        index.add_all(["*"], git2::IndexAddOption::DEFAULT, None)?;
        index.write()?;
        let tree = self.repo.find_tree(index.write_tree()?)?;
        self.clock.set(self.clock.get() + 3600);
        let sig = git2::Signature::new(
            "riskgate demo",
            "demo@riskgate.invalid",
            &git2::Time::new(self.clock.get(), 0),
        )?;
        let parent = self.repo.head().ok().and_then(|h| h.peel_to_commit().ok());
        let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
        Ok(self
            .repo
            .commit(Some("HEAD"), &sig, &sig, message, &tree, &parents)?
            .to_string())
    }

    /// Creates a branch at HEAD and makes it current.
    pub fn branch(&self, name: &str) -> Result<()> {
        let head = self.repo.head()?.peel_to_commit()?;
        self.repo.branch(name, &head, false)?;
        self.repo.set_head(&format!("refs/heads/{name}"))?;
        Ok(())
    }
}
