//! What a postmortem asks of git: when a commit was written and landed, and which commit last
//! changed given lines.

use super::Repo;
use anyhow::Result;
use git2::Oid;
use std::path::Path;

/// One commit's times and words, for a timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitStamp {
    pub sha: String,
    pub summary: String,
    pub message: String,
    pub author: String,
    pub authored: i64,
    pub committed: i64,
    pub parents: Vec<String>,
}

/// One blame never holds a postmortem longer than this (a vendored file rewritten by every
/// upgrade can take git half a minute); the caller's deadline bounds them all.
const BLAME_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// libgit2's blame looks back this many landed changes at most.
const LIBGIT2_BLAME_DEPTH: usize = 1000;

/// How running git went.
enum GitRun {
    /// No git on the path: the caller may use libgit2.
    NotStarted,
    Failed,
    TimedOut,
    Output(String),
}

/// Runs the command, killing it when it outlives `limit`.
fn run_bounded(cmd: &mut std::process::Command, limit: std::time::Duration) -> GitRun {
    use std::io::Read;
    let Ok(mut child) = cmd
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
    else {
        return GitRun::NotStarted;
    };
    let Some(mut stdout) = child.stdout.take() else {
        return GitRun::Failed;
    };
    let reader = std::thread::spawn(move || {
        let mut text = Vec::new();
        stdout.read_to_end(&mut text).map(|_| text)
    });
    let deadline = std::time::Instant::now() + limit;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if std::time::Instant::now() < deadline => std::thread::sleep(std::time::Duration::from_millis(5)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return GitRun::TimedOut;
            }
        }
    };
    match reader.join() {
        Ok(Ok(text)) if status.success() => GitRun::Output(String::from_utf8_lossy(&text).into_owned()),
        _ => GitRun::Failed,
    }
}

impl Repo {
    /// The stamp of the commit `rev` names.
    pub fn commit_stamp(&self, rev: &str) -> Result<CommitStamp> {
        let c = self.resolve_commit(rev, "revision")?;
        let message = String::from_utf8_lossy(c.message_bytes()).into_owned();
        let author = c.author();
        let stamp = CommitStamp {
            sha: c.id().to_string(),
            summary: message.lines().next().unwrap_or("").trim().to_string(),
            author: String::from_utf8_lossy(author.name_bytes()).into_owned(),
            authored: author.when().seconds(),
            committed: c.time().seconds(),
            parents: c.parent_ids().map(|p| p.to_string()).collect(),
            message,
        };
        Ok(stamp)
    }

    /// The first-parent commit of `head` that brought `sha` in: `sha` itself when it landed
    /// directly, the merge otherwise; `None` when `head` does not contain it. Containment only
    /// grows along the first-parent chain, so a binary search over it suffices.
    pub fn landed_by(&self, sha: &str, head: &str, limit: usize) -> Result<Option<String>> {
        let chain = self.first_parents(head, limit)?;
        let contains = |i: usize| self.is_ancestor(sha, &chain[i]);
        if chain.is_empty() || !contains(0) {
            return Ok(None);
        }
        // chain[..=lo] contain it; find the last such index.
        let (mut lo, mut hi) = (0, chain.len());
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if contains(mid) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        // Every commit of a window cut at `limit` contains it: the landing is further back.
        if lo + 1 == chain.len() && chain.len() == limit {
            return Ok(None);
        }
        Ok(Some(chain[lo].clone()))
    }

    /// For each of `lines` (1-based) of `path` at `rev`, the commit that last changed it (lines
    /// past the end of the file are left out), looking through the `ignore`d revisions. git's
    /// own blame answers in milliseconds where libgit2's follows a long file through its whole
    /// history for seconds, so git is asked first, within 5 s and the `deadline`; libgit2 (over
    /// the span asked about, no further back than 1,000 landed changes: its walk is otherwise
    /// unbounded) only when git cannot be run or fails. An error when git ran out of time.
    pub fn blame_lines(
        &self,
        rev: &str,
        path: &str,
        lines: &[u32],
        ignore: &[String],
        deadline: std::time::Instant,
    ) -> Result<Vec<(u32, String)>> {
        let commit = self.resolve_commit(rev, "revision")?.id().to_string();
        let mut sorted = lines.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        if sorted.is_empty() {
            return Ok(Vec::new());
        }
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            anyhow::bail!("out of time for blame");
        }
        // git refuses a whole blame over one revision it cannot find: only full shas it has.
        let ignore: Vec<&str> = ignore
            .iter()
            .map(String::as_str)
            .filter(|r| matches!(r.len(), 40 | 64) && self.has_commit(r))
            .collect();
        let mut cmd = std::process::Command::new("git");
        cmd.arg("--git-dir")
            .arg(self.repo.path())
            .args(["blame", "--porcelain", "--no-textconv", "-w"]);
        for rev in &ignore {
            cmd.arg("--ignore-rev").arg(rev);
        }
        for run in sorted.chunk_by(|a, b| b - a <= 40) {
            cmd.arg("-L").arg(format!("{},{}", run[0], run[run.len() - 1]));
        }
        match run_bounded(cmd.arg(&commit).arg("--").arg(path), left.min(BLAME_TIMEOUT)) {
            GitRun::Output(text) => return Ok(porcelain_lines(&text, &sorted)),
            GitRun::TimedOut => anyhow::bail!("git blame of {path} took too long"),
            GitRun::NotStarted | GitRun::Failed => {}
        }
        let mut opts = git2::BlameOptions::new();
        opts.newest_commit(Oid::from_str(&commit)?)
            .min_line(sorted[0] as usize)
            .max_line(sorted[sorted.len() - 1] as usize);
        if let Some(oldest) = self.first_parents(&commit, LIBGIT2_BLAME_DEPTH)?.pop() {
            opts.oldest_commit(Oid::from_str(&oldest)?);
        }
        let Ok(blame) = self.repo.blame_file(Path::new(path), Some(&mut opts)) else {
            // Past the end of the file, or a file blame cannot read.
            return Ok(Vec::new());
        };
        Ok(sorted
            .iter()
            .filter_map(|&line| {
                let hunk = blame.get_line(line as usize)?;
                (!hunk.is_boundary()).then(|| (line, hunk.final_commit_id().to_string()))
            })
            .collect())
    }

    /// Whether the commit `sha` exists here.
    pub fn has_commit(&self, sha: &str) -> bool {
        Oid::from_str(sha).is_ok_and(|o| self.repo.find_commit(o).is_ok())
    }
}

/// The `wanted` lines of `git blame --porcelain` output, with the commit of each: headers are
/// `<sha> <line in the original> <line in the final file> [<group size>]`, content lines start
/// with a tab.
fn porcelain_lines(text: &str, wanted: &[u32]) -> Vec<(u32, String)> {
    let wanted: std::collections::BTreeSet<u32> = wanted.iter().copied().collect();
    let mut found = Vec::new();
    for line in text.lines() {
        let mut parts = line.split(' ');
        let (Some(sha), Some(_), Some(final_line)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        if sha.len() >= 40 && sha.bytes().all(|b| b.is_ascii_hexdigit()) {
            match final_line.parse::<u32>() {
                Ok(n) if wanted.contains(&n) => found.push((n, sha.to_string())),
                _ => {}
            }
        }
    }
    found
}
