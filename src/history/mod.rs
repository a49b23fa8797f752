//! History facts: which earlier commits were later reverted or fixed, per file, with a
//! 90-day half-life; and the labels `calibrate` scores against. Computed from git history
//! before the base (no leakage), bounded, and cached incrementally under `.git/riskgate/`.

use crate::diff::git::history::HistoryCommit;
use crate::diff::git::Repo;
use crate::incidents::Incident;
use anyhow::Result;
use regex::Regex;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::OnceLock;

pub mod szz;

pub const DAY: i64 = 86_400;
pub const HALF_LIFE_DAYS: f64 = 90.0;
pub const LABEL_WINDOW: i64 = 90 * DAY;
pub const DEFAULT_LIMIT: usize = 5000;

/// What the history knows about one commit.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    pub time: i64,
    pub parents: Vec<String>,
    pub files: Vec<String>,
    /// Commits this one reverts (`This reverts commit <sha>`).
    pub reverts: Vec<String>,
    /// Its message says it fixes something.
    pub fix: bool,
    pub bot: bool,
}

fn revert_pattern() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"(?i)this reverts commit ([0-9a-f]{7,40})").expect("regex compiles"))
}

fn fix_pattern() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)^(fix|hotfix|bugfix)\b|\b(fix(es|ed)?|bug|hotfix|regression|broke|broken|crash|incident)\b")
            .expect("regex compiles")
    })
}

pub fn is_bot(author: &str) -> bool {
    let a = author.to_lowercase();
    a.contains("[bot]") || a.contains("dependabot") || a.contains("renovate") || a.ends_with("bot")
}

pub fn facts_of(c: &HistoryCommit, files: Vec<String>) -> Facts {
    let summary = c.message.lines().next().unwrap_or("");
    Facts {
        time: c.time,
        parents: c.parents.clone(),
        files,
        reverts: reverted_by_message(&c.message),
        fix: is_fix_message(summary),
        bot: is_bot(&c.author),
    }
}

/// sha → facts, for the commits scanned so far.
#[derive(Debug, Clone, Default)]
pub struct Cache {
    pub version: u32,
    pub commits: HashMap<String, Facts>,
}

// The fix flag is cached: any change to `is_fix_message` bumps this (4: tracker prefixes and
// chores are not fixes; 5: nor issue references after the summary's words).
const CACHE_VERSION: u32 = 5;

impl Cache {
    fn path(repo: &Repo) -> std::path::PathBuf {
        repo.cache_dir().join("history.tsv")
    }

    /// One line per commit: sha, time, parents, reverted shas, flags, files (tab-separated;
    /// lists joined by `,`, files by the unit separator). Read on every push, so kept cheap.
    fn to_text(&self) -> String {
        let mut out = format!("riskgate-history {CACHE_VERSION}\n");
        for (sha, f) in &self.commits {
            let flags = format!("{}{}", if f.fix { "f" } else { "" }, if f.bot { "b" } else { "" });
            out.push_str(&format!(
                "{sha}\t{}\t{}\t{}\t{flags}\t{}\n",
                f.time,
                f.parents.join(","),
                f.reverts.join(","),
                f.files.join("\u{1f}")
            ));
        }
        out
    }

    fn from_text(text: &str) -> Option<Cache> {
        let mut lines = text.lines();
        if lines.next()? != format!("riskgate-history {CACHE_VERSION}") {
            return None;
        }
        let split = |s: &str, sep: char| -> Vec<String> {
            if s.is_empty() {
                Vec::new()
            } else {
                s.split(sep).map(str::to_string).collect()
            }
        };
        // About 200 bytes a commit: one allocation for the map instead of a dozen regrowths.
        let mut commits = HashMap::with_capacity(text.len() / 200);
        for line in lines {
            let mut p = line.splitn(6, '\t');
            let mut next = || p.next();
            let (sha, time, parents, reverts, flags, files) = (next()?, next()?, next()?, next()?, next()?, next()?);
            if files.contains('\t') {
                return None;
            }
            let facts = Facts {
                time: time.parse().ok()?,
                parents: split(parents, ','),
                reverts: split(reverts, ','),
                fix: flags.contains('f'),
                bot: flags.contains('b'),
                files: split(files, '\u{1f}'),
            };
            commits.insert(sha.to_string(), facts);
        }
        Some(Cache {
            version: CACHE_VERSION,
            commits,
        })
    }

    /// The cache if it is a regular file of sane size; anything else (a link, a device, a
    /// file grown past the bound) is ignored and rebuilt.
    pub fn load(repo: &Repo) -> Cache {
        Cache::read_bounded(&Cache::path(repo))
            .and_then(|t| Cache::from_text(&t))
            .unwrap_or_else(|| Cache {
                version: CACHE_VERSION,
                commits: HashMap::new(),
            })
    }

    fn read_bounded(path: &std::path::Path) -> Option<String> {
        use std::io::Read;
        let meta = std::fs::symlink_metadata(path).ok()?;
        if !meta.is_file() || meta.len() > MAX_CACHE_BYTES {
            return None;
        }
        let mut text = String::new();
        std::fs::File::open(path)
            .ok()?
            .take(MAX_CACHE_BYTES)
            .read_to_string(&mut text)
            .ok()?;
        Some(text)
    }

    /// Saving is best effort: a read-only `.git` only costs the next run the scan again. The
    /// new file is created exclusively under a random name in the cache folder (never through
    /// a link someone left there) and renamed over the old one.
    pub fn save(&self, repo: &Repo) {
        use std::io::Write;
        let dir = repo.cache_dir();
        if std::fs::create_dir_all(&dir).is_err() || std::fs::symlink_metadata(&dir).is_ok_and(|m| !m.is_dir()) {
            return;
        }
        if let Ok(mut tmp) = tempfile::Builder::new()
            .prefix("history.")
            .suffix(".tmp")
            .tempfile_in(&dir)
        {
            if tmp.write_all(self.to_text().as_bytes()).is_ok() {
                let _ = tmp.persist(Cache::path(repo));
            }
        }
    }
}

/// The history before `rev`: up to `limit` commits, with their facts, newest first (by commit
/// time, as `git log` orders them). The walk runs over the cache's parent links; git is only
/// asked about commits the cache has not seen, so a warm scan reads no objects at all.
/// A cache larger than this is not read (about 300,000 commits' facts).
const MAX_CACHE_BYTES: u64 = 256 << 20;

pub fn scan(repo: &Repo, rev: &str, limit: usize, mut cache: Cache) -> Result<Vec<(String, Facts)>> {
    use std::collections::{BinaryHeap, HashSet};
    let start = repo
        .commit_sha(rev)
        .ok_or_else(|| anyhow::anyhow!("`{rev}` not found"))?;
    let mut dirty = prefill(repo, &start, limit, &mut cache);
    // The commit's time, its facts read into the cache if they were not there.
    let mut time_of = |sha: &str, cache: &mut Cache| -> Result<i64> {
        if let Some(f) = cache.commits.get(sha) {
            return Ok(f.time);
        }
        let c = repo.history_commit(sha)?;
        let f = facts_of(&c, repo.paths_changed(sha).unwrap_or_default());
        let time = f.time;
        cache.commits.insert(sha.to_string(), f);
        dirty = true;
        Ok(time)
    };
    let mut order: Vec<String> = Vec::with_capacity(limit.min(1 << 16));
    let mut seen: HashSet<String> = HashSet::new();
    let mut queue: BinaryHeap<(i64, String)> = BinaryHeap::new();
    let first = time_of(&start, &mut cache)?;
    seen.insert(start.clone());
    queue.push((first, start));
    while let Some((_, sha)) = queue.pop() {
        if order.len() >= limit {
            break;
        }
        let parents = cache.commits.get(&sha).map(|f| f.parents.clone()).unwrap_or_default();
        for p in parents {
            if seen.insert(p.clone()) {
                // A parent missing from a shallow clone ends that line of history.
                if let Ok(time) = time_of(&p, &mut cache) {
                    queue.push((time, p));
                }
            }
        }
        order.push(sha);
    }
    if dirty {
        cache.save(repo);
    }
    // The walk's facts move out of the cache, which is done with: no copy of each file list.
    Ok(order
        .into_iter()
        .filter_map(|sha| cache.commits.remove(&sha).map(|f| (sha, f)))
        .collect())
}

/// Commits missing from the cache below which one thread reads them as the walk goes.
const PREFILL_FROM: usize = 256;

/// On a cold cache (the first push in a repository), the facts of the commits the walk will
/// visit, read on two threads, each with its own handle on the repository. Returns whether
/// it added any.
fn prefill(repo: &Repo, start: &str, limit: usize, cache: &mut Cache) -> bool {
    // A warm cache reads no objects: listing the history would itself read every commit.
    if cache.commits.len() >= PREFILL_FROM {
        return false;
    }
    let Ok(ids) = repo.commits_by_time(start, limit) else {
        return false;
    };
    let missing: Vec<String> = ids.into_iter().filter(|s| !cache.commits.contains_key(s)).collect();
    if missing.len() < PREFILL_FROM {
        return false;
    }
    let read = |repo: &Repo, shas: &[String]| -> Vec<(String, Facts)> {
        shas.iter()
            .filter_map(|sha| {
                let c = repo.history_commit(sha).ok()?;
                Some((sha.clone(), facts_of(&c, repo.paths_changed(sha).unwrap_or_default())))
            })
            .collect()
    };
    let (mine, theirs) = missing.split_at(missing.len() / 2);
    let git_dir = repo.git_dir();
    let read_facts = std::thread::scope(|s| {
        let other = s.spawn(|| Repo::discover(&git_dir).map(|r| read(&r, theirs)).unwrap_or_default());
        let mut facts = read(repo, mine);
        facts.extend(other.join().unwrap_or_default());
        facts
    });
    let added = !read_facts.is_empty();
    cache.commits.extend(read_facts);
    added
}

/// A commit that turned out bad, and when that became known.
#[derive(Debug, Clone, PartialEq)]
pub struct Bad {
    pub time: i64,
    pub known_at: i64,
    /// The commit that revealed it (the revert, the fix, or the incident's fix).
    pub by: String,
    pub reverted: bool,
    /// Recorded in `.riskgate/incidents.toml`: a positive whatever the delay.
    pub incident: bool,
}

fn matches_sha(full: &str, short: &str) -> bool {
    full.starts_with(short)
}

/// file → (time, sha) of the non-merge commits to it, oldest first, the ignored revisions
/// (`.git-blame-ignore-revs`) left out.
pub struct FileCommits<'h> {
    by_file: HashMap<&'h str, Vec<(i64, &'h str)>>,
}

impl<'h> FileCommits<'h> {
    pub fn of(history: &'h [(String, Facts)], ignore: &[String]) -> FileCommits<'h> {
        FileCommits::of_files(history, ignore, None)
    }

    /// The same for `only` these files (all when `None`).
    pub fn of_files(
        history: &'h [(String, Facts)],
        ignore: &[String],
        only: Option<&std::collections::HashSet<&str>>,
    ) -> FileCommits<'h> {
        let mut by_file: HashMap<&str, Vec<(i64, &str)>> = HashMap::new();
        for (sha, f) in history.iter().filter(|(_, f)| f.parents.len() <= 1) {
            if ignore.iter().any(|i| matches_sha(sha, i)) {
                continue;
            }
            for file in f.files.iter().filter(|p| only.is_none_or(|o| o.contains(p.as_str()))) {
                by_file.entry(file.as_str()).or_default().push((f.time, sha.as_str()));
            }
        }
        by_file.values_mut().for_each(|v| v.sort_unstable());
        FileCommits { by_file }
    }

    /// The commits to `file` from `from` (inclusive) to `to` (exclusive).
    pub fn between(&self, file: &str, from: i64, to: i64) -> &[(i64, &'h str)] {
        let Some(list) = self.by_file.get(file) else { return &[] };
        let (lo, hi) = (
            list.partition_point(|(t, _)| *t < from),
            list.partition_point(|(t, _)| *t < to),
        );
        &list[lo..hi]
    }

    /// The last commit to `file` before `at` other than `not`, if it is at most `window` older.
    pub fn last_before(&self, file: &str, at: i64, not: &str, window: i64) -> Option<(i64, &'h str)> {
        self.between(file, i64::MIN, at)
            .iter()
            .rev()
            .find(|(_, s)| *s != not)
            .filter(|(t, _)| *t >= at - window)
            .copied()
    }
}

/// Marks commits reverted by a later commit, or "fix-inducing": the last earlier commit that
/// touched a file a fix commit changes, within 90 days (an SZZ approximation without blame);
/// and the causes of recorded incidents, known from their fix (or from the cause itself when
/// the fix is not named or not in the history).
pub fn bad_commits(history: &[(String, Facts)], ignore: &[String], incidents: &[Incident]) -> BTreeMap<String, Bad> {
    marked(history, ignore, incidents, true)
}

/// Only the reverted commits and the causes of recorded incidents: what `calibrate`'s labels
/// start from before they blame the lines each fix changes.
pub fn recorded_bad(history: &[(String, Facts)], incidents: &[Incident]) -> BTreeMap<String, Bad> {
    marked(history, &[], incidents, false)
}

fn marked(
    history: &[(String, Facts)],
    ignore: &[String],
    incidents: &[Incident],
    file_fixes: bool,
) -> BTreeMap<String, Bad> {
    let mut bad: BTreeMap<String, Bad> = BTreeMap::new();
    // Only the files a fix changes are looked up: index those, not every file of the history.
    let fixed: std::collections::HashSet<&str> = history
        .iter()
        .filter(|(_, f)| f.fix && !f.bot && f.parents.len() <= 1)
        .flat_map(|(_, f)| f.files.iter().map(String::as_str))
        .collect();
    let commits = file_fixes.then(|| FileCommits::of_files(history, ignore, Some(&fixed)));
    let index: HashMap<&str, &Facts> = history.iter().map(|(s, f)| (s.as_str(), f)).collect();
    for (sha, f) in history {
        for r in &f.reverts {
            let target = index.get(r.as_str()).map(|t| (r.clone(), *t)).or_else(|| {
                history
                    .iter()
                    .find(|(s, _)| matches_sha(s, r))
                    .map(|(s, t)| (s.clone(), t))
            });
            if let Some((target, tf)) = target {
                bad.insert(
                    target,
                    Bad {
                        time: tf.time,
                        known_at: f.time,
                        by: sha.clone(),
                        reverted: true,
                        incident: false,
                    },
                );
            }
        }
        // A merge's fix is its branch's commits, which label on their own; the merge would
        // blame its own branch.
        let Some(commits) = commits.as_ref().filter(|_| f.fix && !f.bot && f.parents.len() <= 1) else {
            continue;
        };
        {
            for file in &f.files {
                // The last commit to this file before the fix, within the window.
                if let Some((t, s)) = commits.last_before(file, f.time, sha, LABEL_WINDOW) {
                    // Known bad from its first fix, whichever order the history is read in.
                    bad.entry(s.to_string())
                        .and_modify(|b| {
                            if f.time < b.known_at {
                                b.known_at = f.time;
                                b.by = sha.clone();
                            }
                        })
                        .or_insert(Bad {
                            time: t,
                            known_at: f.time,
                            by: sha.clone(),
                            reverted: false,
                            incident: false,
                        });
                }
            }
        }
    }
    let find = |short: &str| history.iter().find(|(s, _)| matches_sha(s, short));
    for incident in incidents {
        let Some((cause, cf)) = find(&incident.cause) else {
            continue;
        };
        let fix = incident.fixed_by.as_deref().and_then(find);
        let known_at = fix.map_or(cf.time, |(_, ff)| ff.time.max(cf.time));
        // A merge recorded as the cause counts with every file it brought in.
        bad.insert(
            cause.clone(),
            Bad {
                time: cf.time,
                known_at,
                by: fix.map_or_else(|| cause.clone(), |(s, _)| s.clone()),
                reverted: true,
                incident: true,
            },
        );
    }
    bad
}

/// Whether a commit summary says it fixes a defect: not a revert, not a tracker reference
/// alone (treeherder writes "Bug 1234567 - Add a column" on every change), and not a fix of a
/// typo, lint warnings, formatting or tests.
pub fn is_fix_message(summary: &str) -> bool {
    let summary = without_issue_references(without_tracker_prefix(summary));
    let summary = summary.as_ref();
    fix_pattern().is_match(summary)
        && !summary.to_lowercase().starts_with("revert")
        && !chore_pattern().is_match(summary)
}

/// The summary without a leading tracker reference: `Bug 1234 - `, `[ABC-12] `, `ABC-12: `.
fn without_tracker_prefix(summary: &str) -> &str {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(r"^\s*(?:(?i:bug)\s*#?\d+\s*[-:,]?|\[[A-Z][A-Z0-9]*-\d+\]|[A-Z][A-Z0-9]*-\d+\s*:)\s*")
            .expect("regex compiles")
    });
    re.find(summary).map_or(summary, |m| &summary[m.end()..])
}

/// The summary without the issue references that follow its words: "Add attachments (fixes
/// #6229)" closes an issue that may be a feature request, and says nothing of a defect. A summary
/// that begins with one ("Fixes #42: broken login") keeps it.
fn without_issue_references(summary: &str) -> std::borrow::Cow<'_, str> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(r"(?i)\b(?:fix(?:es|ed)?|close[sd]?|resolve[sd]?)\s*:?\s+(?:[\w.-]+/[\w.-]+)?#\d+|\b(?:fix(?:es|ed)?|close[sd]?|resolve[sd]?)\s*:?\s+https?://\S+")
            .expect("regex compiles")
    });
    re.replace_all(summary, |c: &regex::Captures<'_>| {
        let m = c.get(0).expect("the whole match");
        if summary[..m.start()].trim().is_empty() {
            m.as_str().to_string()
        } else {
            String::new()
        }
    })
}

/// Fixes that repair no behaviour.
fn chore_pattern() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(&format!(
            r"(?i)\b({TIDYING}|spelling|warnings?)\b|\bfix(es|ed)? (the )?(tests?|ci|docs?)\b|\bfix(es|ed)? (the )?build\s*$"
        ))
        .expect("regex compiles")
    })
}

/// Words of commits that tidy code without changing what it does (a regex alternation): the
/// fixes that are no defects' here, the commits blame looks through in `postmortem`.
pub const TIDYING: &str = "typos?|lint(s|ing)?|clippy|ruff|mypy|flake8|pylint|eslint|rustfmt|formatting|whitespace";

/// The commits a message says it reverts (`This reverts commit <sha>`), lowercased.
pub fn reverted_by_message(message: &str) -> Vec<String> {
    revert_pattern()
        .captures_iter(message)
        .map(|m| m[1].to_lowercase())
        .collect()
}

/// The history factor of a change at time `at`: for each touched file, the time-decayed count
/// of earlier commits to it known to be bad before `at`; summed, then `ln(1 + x)`.
pub fn file_risk(history: &[(String, Facts)], bad: &BTreeMap<String, Bad>, files: &[String], at: i64) -> f64 {
    Known::of(history, bad, at).risk(files)
}

/// What the history factor needs at one merge base: the bad commits known by then, with their
/// times and files. A few hundred lines where the history is thousands, so `check` and the hook
/// keep one per merge base beside the cache and read it instead of the whole history.
#[derive(Debug, Clone, PartialEq)]
pub struct Known {
    pub at: i64,
    pub bad: Vec<(i64, Vec<String>)>,
}

/// Merge bases remembered; the oldest are removed beyond this.
const KNOWN_KEPT: usize = 16;

impl Known {
    pub fn of(history: &[(String, Facts)], bad: &BTreeMap<String, Bad>, at: i64) -> Known {
        let bad = history
            .iter()
            .filter(|(sha, f)| f.time < at && bad.get(sha).is_some_and(|b| b.known_at < at))
            .map(|(_, f)| (f.time, f.files.clone()))
            .collect();
        Known { at, bad }
    }

    pub fn risk(&self, files: &[String]) -> f64 {
        let touched: BTreeSet<&str> = files.iter().map(String::as_str).collect();
        let mut total = 0.0;
        for (time, changed) in &self.bad {
            let hits = changed.iter().filter(|p| touched.contains(p.as_str())).count();
            if hits > 0 {
                let age_days = (self.at - time) as f64 / DAY as f64;
                total += hits as f64 * 0.5f64.powf(age_days / HALF_LIFE_DAYS);
            }
        }
        (1.0 + total).ln()
    }

    fn path(repo: &Repo, merge_base: &str) -> Option<std::path::PathBuf> {
        // A merge base is a full hex sha; anything else is never a file name.
        (merge_base.len() == 40 && merge_base.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| repo.cache_dir().join("known").join(format!("{merge_base}.tsv")))
    }

    /// `key` says what else the result depends on (the limit, the ignored revisions, the
    /// incidents): a file written under another key is not used.
    fn to_text(&self, key: &str) -> String {
        let mut out = format!("riskgate-known {CACHE_VERSION} {}\n{}\n", digest(key), self.at);
        for (time, files) in &self.bad {
            out.push_str(&format!("{time}\t{}\n", files.join("\u{1f}")));
        }
        out
    }

    fn from_text(text: &str, key: &str) -> Option<Known> {
        let mut lines = text.lines();
        if lines.next()? != format!("riskgate-known {CACHE_VERSION} {}", digest(key)) {
            return None;
        }
        let at = lines.next()?.parse().ok()?;
        let mut bad = Vec::new();
        for line in lines {
            let (time, files) = line.split_once('\t')?;
            let files = if files.is_empty() {
                Vec::new()
            } else {
                files.split('\u{1f}').map(str::to_string).collect()
            };
            bad.push((time.parse().ok()?, files));
        }
        Some(Known { at, bad })
    }

    pub fn load(repo: &Repo, merge_base: &str, key: &str) -> Option<Known> {
        Cache::read_bounded(&Known::path(repo, merge_base)?).and_then(|t| Known::from_text(&t, key))
    }

    /// Best effort, as the cache: created exclusively and renamed into place, never through a
    /// link; the oldest files beyond `KNOWN_KEPT` are removed.
    pub fn save(&self, repo: &Repo, merge_base: &str, key: &str) {
        use std::io::Write;
        let Some(path) = Known::path(repo, merge_base) else {
            return;
        };
        let Some(dir) = path.parent() else { return };
        if std::fs::create_dir_all(dir).is_err() || std::fs::symlink_metadata(dir).is_ok_and(|m| !m.is_dir()) {
            return;
        }
        if let Ok(mut tmp) = tempfile::Builder::new()
            .prefix("known.")
            .suffix(".tmp")
            .tempfile_in(dir)
        {
            if tmp.write_all(self.to_text(key).as_bytes()).is_ok() {
                let _ = tmp.persist(&path);
            }
        }
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        let mut files: Vec<(std::time::SystemTime, std::path::PathBuf)> = entries
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tsv"))
            .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
            .collect();
        files.sort();
        let excess = files.len().saturating_sub(KNOWN_KEPT);
        for (_, old) in files.into_iter().take(excess) {
            let _ = std::fs::remove_file(old);
        }
    }
}

/// FNV-1a, in hex: names what a remembered result depends on without storing it.
fn digest(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(sha: &str, day: i64, files: &[&str], msg: &str) -> (String, Facts) {
        let hc = HistoryCommit {
            sha: sha.into(),
            time: day * DAY,
            parents: vec!["p".into()],
            message: msg.into(),
            author: "dev".into(),
        };
        (sha.into(), facts_of(&hc, files.iter().map(|s| s.to_string()).collect()))
    }

    #[test]
    fn fix_messages_are_defects_not_tracker_numbers_or_chores() {
        for fix in [
            "Fix crash when the cache is empty",
            "Bug 1234567 - Fix the job filter regression",
            "[PAY-12] hotfix: double charge",
            "fixes #42: broken login",
            "fix build performance tracing",
            "Fix for accepting Mitra create activity (fixes #6577) (#6601)",
            "Fixes #42",
        ] {
            assert!(is_fix_message(fix), "{fix}");
        }
        for not_a_fix in [
            "Bug 1234567 - Add a column to the jobs table",
            "ABC-12: add retries",
            "Fix typo in README",
            "Fix clippy warnings",
            "fix ruff lints",
            "Fix the tests on CI",
            "Fix the build",
            "Revert \"Fix crash\"",
            "Adds additional attachments to end of post (fixes #6229) (#6585)",
            "Federate warnings (closes LemmyNet/lemmy#6326)",
            "Add retries, fixes https://github.com/o/r/issues/7",
        ] {
            assert!(!is_fix_message(not_a_fix), "{not_a_fix}");
        }
    }

    #[test]
    fn what_is_known_at_a_merge_base_round_trips_under_its_key() {
        let history = vec![
            c("aaa1111", 0, &["src/a.rs", "src/b.rs"], "Add caching"),
            c(
                "ccc3333",
                20,
                &["src/a.rs"],
                "Revert \"Add caching\"\n\nThis reverts commit aaa1111.",
            ),
        ];
        let bad = bad_commits(&history, &[], &[]);
        let at = 31 * DAY;
        let known = Known::of(&history, &bad, at);
        let files = vec!["src/a.rs".to_string()];
        assert_eq!(known.risk(&files), file_risk(&history, &bad, &files, at));
        assert!(known.risk(&files) > 0.0);
        let text = known.to_text("limit=5000");
        assert_eq!(Known::from_text(&text, "limit=5000"), Some(known));
        assert_eq!(Known::from_text(&text, "limit=100"), None);
    }

    #[test]
    fn the_cache_round_trips() {
        let mut cache = Cache {
            version: CACHE_VERSION,
            commits: HashMap::new(),
        };
        let (sha, f) = c(
            "aaa1111",
            3,
            &["src/a b.rs", "x"],
            "Fix crash\n\nThis reverts commit bbb2222.",
        );
        cache.commits.insert(sha, f.clone());
        let back = Cache::from_text(&cache.to_text()).unwrap();
        assert_eq!(back.commits["aaa1111"], f);
        assert!(
            Cache::from_text("riskgate-history 1\n").is_none(),
            "an old version is ignored"
        );
    }

    #[test]
    fn reverts_and_fixes_mark_commits_bad_when_known() {
        let h = vec![
            c("aaa1111", 0, &["src/a.rs"], "Add caching"),
            c("bbb2222", 10, &["src/b.rs"], "Tidy"),
            c(
                "ccc3333",
                20,
                &["src/a.rs"],
                "Revert \"Add caching\"\n\nThis reverts commit aaa1111.",
            ),
            c("ddd4444", 30, &["src/b.rs"], "Fix crash in b"),
        ];
        let bad = bad_commits(&h, &[], &[]);
        assert_eq!(
            bad["aaa1111"],
            Bad {
                time: 0,
                known_at: 20 * DAY,
                by: "ccc3333".into(),
                reverted: true,
                incident: false
            }
        );
        assert_eq!(bad["bbb2222"].known_at, 30 * DAY);
        assert!(!bad.contains_key("ddd4444"));
        // Before the revert was known, a.rs looks clean: no leakage from the future.
        assert_eq!(file_risk(&h, &bad, &["src/a.rs".into()], 15 * DAY), 0.0);
        let later = file_risk(&h, &bad, &["src/a.rs".into()], 25 * DAY);
        let much_later = file_risk(&h, &bad, &["src/a.rs".into()], 400 * DAY);
        assert!(later > much_later && much_later > 0.0, "{later} {much_later}");
        // A recorded incident marks its cause, known from its fix, even without a fix message.
        let incident = Incident {
            cause: "bbb2".into(),
            fixed_by: Some("ccc3333".into()),
            summary: "outage".into(),
            recorded: None,
        };
        let with = bad_commits(&h, &[], &[incident]);
        assert_eq!(
            with["bbb2222"],
            Bad {
                time: 10 * DAY,
                known_at: 20 * DAY,
                by: "ccc3333".into(),
                reverted: true,
                incident: true
            }
        );
        // Fixed twice: known bad from the first fix, as `check` at that time would see it,
        // whichever order the history comes in (the scan gives it newest first).
        let twice = vec![
            c("aaa1111", 0, &["src/a.rs", "src/x.rs"], "Add caching"),
            c("bbb2222", 10, &["src/a.rs"], "Fix crash in caching"),
            c("ccc3333", 30, &["src/x.rs"], "Fix another crash"),
        ];
        let newest_first: Vec<_> = twice.iter().rev().cloned().collect();
        assert_eq!(bad_commits(&newest_first, &[], &[])["aaa1111"].known_at, 10 * DAY);
        assert_eq!(bad_commits(&twice, &[], &[])["aaa1111"].known_at, 10 * DAY);
        // Ignored revisions (.git-blame-ignore-revs) are never blamed.
        assert!(!bad_commits(&h, &["bbb2222".into()], &[]).contains_key("bbb2222"));
    }
}
