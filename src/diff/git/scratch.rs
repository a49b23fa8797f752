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

    /// The demo's author, an hour after the previous commit: the timeline reads like a day.
    fn next_signature(&self) -> Result<git2::Signature<'static>> {
        self.clock.set(self.clock.get() + 3600);
        Ok(git2::Signature::new(
            "riskgate demo",
            "demo@riskgate.invalid",
            &git2::Time::new(self.clock.get(), 0),
        )?)
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
        let sig = self.next_signature()?;
        let parent = self.repo.head().ok().and_then(|h| h.peel_to_commit().ok());
        let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
        Ok(self
            .repo
            .commit(Some("HEAD"), &sig, &sig, message, &tree, &parents)?
            .to_string())
    }

    /// Merges the current branch into `into` with a merge commit (`into` has not moved since
    /// the branch left it, so the merged tree is the branch's) and makes `into` current.
    pub fn merge_into(&self, into: &str, message: &str) -> Result<String> {
        let theirs = self.repo.head()?.peel_to_commit()?;
        let ours = self
            .repo
            .find_branch(into, git2::BranchType::Local)?
            .get()
            .peel_to_commit()?;
        anyhow::ensure!(
            self.repo.graph_descendant_of(theirs.id(), ours.id())?,
            "{into} moved since the branch left it"
        );
        let sig = self.next_signature()?;
        let id = self.repo.commit(
            Some(&format!("refs/heads/{into}")),
            &sig,
            &sig,
            message,
            &theirs.tree()?,
            &[&ours, &theirs],
        )?;
        self.repo.set_head(&format!("refs/heads/{into}"))?;
        Ok(id.to_string())
    }

    /// Creates a branch at HEAD and makes it current.
    pub fn branch(&self, name: &str) -> Result<()> {
        let head = self.repo.head()?.peel_to_commit()?;
        self.repo.branch(name, &head, false)?;
        self.repo.set_head(&format!("refs/heads/{name}"))?;
        Ok(())
    }
}
