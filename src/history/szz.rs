//! SZZ: the earlier commits a fix points at, by blaming the lines it removes or rewrites, with
//! the files and commits that say nothing about a defect (lockfiles, prose, formatting passes)
//! left out. `postmortem` names one cause from these; `calibrate` labels every one.

use crate::diff::git::{Loaded, Repo};
use crate::diff::{FileStatus, LineKind};
use anyhow::Result;
use std::collections::BTreeSet;

/// A fix that changes more files than this is a sweep, not a fix: it labels nothing.
const MAX_FIX_FILES: usize = 50;

/// Files larger than this are not blamed: a vendored bundle rewritten by each upgrade.
pub const MAX_BLAMED_BYTES: usize = 256 << 10;

/// How long the blames of one fix may take, all files together.
const FIX_BUDGET: std::time::Duration = std::time::Duration::from_secs(10);

/// What a fix's removed and rewritten lines point at.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Blamed {
    /// The commits that last changed those lines, cosmetic commits looked through.
    pub causes: BTreeSet<String>,
    /// Some file of the fix could not be blamed (too large, or blame too slow).
    pub partial: bool,
    /// More files than a fix changes: a sweep, blamed for nothing.
    pub sweep: bool,
}

/// Every earlier commit whose behaviour-carrying lines the fix `fix` (whose first parent is
/// `parent`) removes or rewrites, in its code files (not lockfiles, manifests, changelogs or
/// prose), looking through the `ignore`d revisions and, once, through the formatting and lint
/// commits the first blame names. A fix that only adds lines blames nothing: SZZ has no lines to
/// follow there.
pub fn fix_inducing(repo: &Repo, fix: &str, parent: &str, ignore: &[String]) -> Result<Blamed> {
    let change = match repo.read_range(parent, fix, crate::config::Config::default().diff.max_file_size)? {
        Loaded::Change(c) => c,
        Loaded::Empty(_) => return Ok(Blamed::default()),
    };
    let files: Vec<&crate::diff::ChangedFile> = change
        .files
        .iter()
        .filter(|f| !matches!(f.status, FileStatus::Added) && !is_bookkeeping(&f.path) && !is_manifest(&f.path))
        .collect();
    if files.len() > MAX_FIX_FILES {
        return Ok(Blamed {
            sweep: true,
            ..Blamed::default()
        });
    }
    let deadline = std::time::Instant::now() + FIX_BUDGET;
    let blame = |ignore: &[String]| -> Blamed {
        let mut out = Blamed::default();
        for file in &files {
            let old_text = file.old_text.get().unwrap_or("");
            if file.skipped.is_some() || old_text.len() > MAX_BLAMED_BYTES {
                out.partial = true;
                continue;
            }
            let lines = behaviour_lines(old_text, touched_old_lines(file).0);
            let old_path = file.old_path.as_deref().unwrap_or(&file.path);
            match repo.blame_lines(parent, old_path, &lines, ignore, deadline) {
                Ok(blamed) => out.causes.extend(blamed.into_iter().map(|(_, sha)| sha)),
                Err(_) => out.partial = true,
            }
        }
        out
    };
    let first = blame(ignore);
    let cosmetic: Vec<String> = first
        .causes
        .iter()
        .filter(|sha| repo.commit_stamp(sha).is_ok_and(|c| is_cosmetic(&c.summary)))
        .cloned()
        .collect();
    if cosmetic.is_empty() {
        return Ok(first);
    }
    let mut wider = ignore.to_vec();
    wider.extend(cosmetic.iter().cloned());
    let mut second = blame(&wider);
    // A cosmetic commit git could not look through (it wrote the lines) is still no cause.
    second.causes.retain(|sha| !cosmetic.contains(sha));
    Ok(second)
}

/// The old lines a file's change removes or rewrites (`removed`), and, where a hunk only adds,
/// the old lines on either side of the addition (`beside`).
pub fn touched_old_lines(change: &crate::diff::ChangedFile) -> (Vec<u32>, Vec<u32>) {
    let (mut removed, mut beside) = (Vec::new(), Vec::new());
    for hunk in &change.hunks {
        let gone: Vec<u32> = hunk
            .lines
            .iter()
            .filter(|l| l.kind == LineKind::Removed)
            .filter_map(|l| l.old_lineno)
            .collect();
        if gone.is_empty() {
            // A pure addition after old line `old_start` (0: at the top).
            beside.extend([hunk.old_start, hunk.old_start + 1].into_iter().filter(|&l| l > 0));
        } else {
            removed.extend(gone);
        }
    }
    for list in [&mut removed, &mut beside] {
        list.sort_unstable();
        list.dedup();
    }
    (removed, beside)
}

/// Files whose history says nothing about a defect: lockfiles, changelogs, prose.
pub fn is_bookkeeping(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    name.ends_with(".lock")
        || matches!(
            name.as_str(),
            "package-lock.json" | "pnpm-lock.yaml" | "go.sum" | "npm-shrinkwrap.json"
        )
        || name.starts_with("changelog")
        || matches!(name.as_str(), "changes" | "news" | "history")
        || [".md", ".rst", ".adoc"].iter().any(|e| name.ends_with(e))
        || (name.ends_with(".txt") && name != "cmakelists.txt")
}

/// Dependency and toolchain manifests: a fix bumps an edition or a version to use a feature,
/// so their lines are evidence only when the fix changes nothing else.
pub fn is_manifest(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    matches!(
        name.as_str(),
        "cargo.toml"
            | "package.json"
            | "pyproject.toml"
            | "setup.py"
            | "setup.cfg"
            | "go.mod"
            | "gemfile"
            | "composer.json"
            | "pom.xml"
            | "build.gradle"
            | "rust-toolchain"
            | "rust-toolchain.toml"
            | ".nvmrc"
            | ".python-version"
    ) || (name.starts_with("requirements") && name.ends_with(".txt"))
}

/// Of the old file's `lines` (1-based), those that carry behaviour: the ones worth blaming.
pub fn behaviour_lines(old_text: &str, lines: Vec<u32>) -> Vec<u32> {
    let before: Vec<&str> = old_text.lines().collect();
    lines
        .into_iter()
        .filter(|l| {
            before
                .get((*l as usize).wrapping_sub(1))
                .is_some_and(|text| !is_trivial(text))
        })
        .collect()
}

/// A line that carries no behaviour: blank, punctuation, a comment, an import.
pub fn is_trivial(line: &str) -> bool {
    let t = line.trim();
    t.chars().all(|c| !c.is_alphanumeric())
        || ["//", "#", "--", "/*", "*", "<!--"].iter().any(|p| t.starts_with(p))
        || ["use ", "import ", "from ", "require(", "extern crate "]
            .iter()
            .any(|p| t.starts_with(p))
}

/// Commits that reshape code without changing what it does: formatting, lint passes,
/// dependency bumps, releases. SZZ's known false causes; never named as the cause. Narrow on
/// purpose: "Pass rustc-args to build dependencies" or "Fix the date format" change behaviour.
pub fn is_cosmetic(summary: &str) -> bool {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        regex::Regex::new(&format!(
            r"(?i)^(chore|style)\b|^merge\b|\b({}|fmt|black|prettier|isort|reformat(ted)?|changelog|bump(s|ed)?)\b|\b(update|upgrade)\b.*\b(deps|dependencies|crates|packages|lock ?file)\b|\(deps\)|\brelease v?\d",
            super::TIDYING
        ))
        .expect("regex compiles")
    })
    .is_match(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bookkeeping_is_prose_and_lockfiles_not_code_named_like_them() {
        for file in [
            "CHANGELOG.md",
            "Cargo.lock",
            "NEWS",
            "docs/CHANGES.rst",
            "notes.txt",
            "go.sum",
        ] {
            assert!(is_bookkeeping(file), "{file}");
        }
        for file in [
            "CMakeLists.txt",
            "src/changeset.rs",
            "app/controllers/news_controller.rb",
            "src/history.rs",
        ] {
            assert!(!is_bookkeeping(file), "{file}");
        }
    }

    #[test]
    fn cosmetic_commits_are_named_narrowly() {
        for chore in [
            "Fix clippy warnings",
            "cargo fmt",
            "Bump serde from 1.0.1 to 1.0.2",
            "fix(deps): update rust crate thiserror to v2.0.20",
            "Update dependencies",
            "chore: tidy",
            "Release v1.4.2",
            "Fix ruff warnings",
        ] {
            assert!(is_cosmetic(chore), "{chore}");
        }
        for change in [
            "Pass `rustc-args` to build dependencies too",
            "Fix the date format in emails",
            "Use the new version of the API",
            "Handle create post activity",
        ] {
            assert!(!is_cosmetic(change), "{change}");
        }
    }
}
