//! What analyzers derived from blobs, kept in files under `.git/riskgate/memo/<build>/`: one
//! file per blob and derivation, written whole and renamed into place, so that runs side by
//! side never read half an entry. The folder is this build's (its version, size, times, inode):
//! another build may derive otherwise, so a new build starts afresh and removes the others'.
//! Bounded: past `MAX_ENTRIES` or `MAX_BYTES` written, the build's folder is emptied.

use crate::diff::Memo;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Entries and bytes written before the memo starts again: the Rust files of a few hundred
/// commits.
const MAX_ENTRIES: u64 = 20_000;
const MAX_BYTES: u64 = 256 << 20;
/// Entries and bytes one process writes at most: a large audit (thousands of new files, read
/// once) would spend more on writing than a later run saves; a push's few files are all kept.
const MAX_PER_RUN: u64 = 256;
const MAX_BYTES_PER_RUN: u64 = 32 << 20;
/// What a process has written, over every memo it opens (the hook opens one per pushed ref).
#[derive(Debug, Default)]
struct Budget {
    entries: AtomicU64,
    bytes: AtomicU64,
}

fn process_budget() -> Arc<Budget> {
    static BUDGET: std::sync::OnceLock<Arc<Budget>> = std::sync::OnceLock::new();
    BUDGET.get_or_init(Arc::default).clone()
}
/// An entry larger than this is not kept (and one on disk larger than this is not read).
const MAX_ENTRY: usize = 8 << 20;

#[derive(Debug)]
pub struct FileMemo {
    dir: PathBuf,
    entries: AtomicU64,
    bytes: AtomicU64,
    /// Names this run's temporary files apart (two threads may write the same blob's entry).
    sequence: AtomicU64,
    budget: Arc<Budget>,
}

impl FileMemo {
    /// The memo of this build under a repository's cache folder; `None` when the build cannot
    /// be told apart from another (its executable cannot be read).
    pub fn open(cache_dir: &Path) -> Option<FileMemo> {
        FileMemo::with_budget(cache_dir, process_budget())
    }

    fn with_budget(cache_dir: &Path, budget: Arc<Budget>) -> Option<FileMemo> {
        Some(FileMemo {
            dir: cache_dir.join("memo").join(build_key()?),
            entries: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            sequence: AtomicU64::new(0),
            budget,
        })
    }

    /// Whether every folder from the memo's down to `path`'s is a real folder, not a link
    /// someone left there: the memo reads and writes under `.git/riskgate/` only.
    fn no_links(&self, path: &Path) -> bool {
        // From `.git/riskgate` down.
        let Some(cache) = self.dir.parent().and_then(Path::parent) else {
            return false;
        };
        path.ancestors()
            .skip(1)
            .take_while(|a| a.starts_with(cache))
            .all(|a| std::fs::symlink_metadata(a).map_or(true, |m| m.is_dir()))
    }

    fn entry(&self, kind: &str, blob: &str) -> Option<PathBuf> {
        // Ids come from git, kinds from riskgate; anything else never names a path.
        let plain =
            |s: &str, extra: &[u8]| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || extra.contains(&b));
        let starts_plain = kind.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric());
        if blob.len() != 40 || !blob.bytes().all(|b| b.is_ascii_hexdigit()) || !starts_plain || !plain(kind, b"-.") {
            return None;
        }
        Some(self.dir.join(kind).join(&blob[..2]).join(&blob[2..]))
    }

    /// Removes the memo folders of other builds, once, when this build writes its first entry:
    /// real folders named as builds name them, nothing else.
    fn start(&self) {
        let Some(parent) = self.dir.parent() else { return };
        if !self.no_links(&self.dir) {
            return;
        }
        let Ok(entries) = std::fs::read_dir(parent) else { return };
        for e in entries.flatten() {
            let build_like = e
                .file_name()
                .to_str()
                .is_some_and(|n| n.contains('-') && n.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.".contains(&b)));
            let real_dir = std::fs::symlink_metadata(e.path()).is_ok_and(|m| m.is_dir());
            if e.path() != self.dir && build_like && real_dir {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
}

impl Memo for FileMemo {
    fn get(&self, kind: &str, blob: &str) -> Option<Vec<u8>> {
        let path = self.entry(kind, blob)?;
        let meta = std::fs::symlink_metadata(&path).ok()?;
        if !meta.is_file() || meta.len() > MAX_ENTRY as u64 || !self.no_links(&path) {
            return None;
        }
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(
            &mut std::io::Read::take(std::fs::File::open(path).ok()?, MAX_ENTRY as u64 + 1),
            &mut bytes,
        )
        .ok()?;
        (bytes.len() <= MAX_ENTRY).then_some(bytes)
    }

    fn put(&self, kind: &str, blob: &str, value: &[u8]) {
        let Some(path) = self.entry(kind, blob) else { return };
        let over = self.budget.entries.load(Ordering::Relaxed) >= MAX_PER_RUN
            || self.budget.bytes.load(Ordering::Relaxed) + value.len() as u64 > MAX_BYTES_PER_RUN;
        if value.len() > MAX_ENTRY || over {
            return;
        }
        if !self.dir.exists() {
            self.start();
        }
        let Some(folder) = path.parent() else { return };
        if !self.no_links(&path) || std::fs::create_dir_all(folder).is_err() || !self.no_links(&path) {
            return;
        }
        let n = self.sequence.fetch_add(1, Ordering::Relaxed);
        let tmp = path.with_extension(format!("tmp{}-{n}", std::process::id()));
        if std::fs::write(&tmp, value).is_ok() && std::fs::rename(&tmp, &path).is_ok() {
            self.entries.fetch_add(1, Ordering::Relaxed);
            self.bytes.fetch_add(value.len() as u64, Ordering::Relaxed);
            self.budget.entries.fetch_add(1, Ordering::Relaxed);
            self.budget.bytes.fetch_add(value.len() as u64, Ordering::Relaxed);
        } else {
            let _ = std::fs::remove_file(&tmp);
        }
    }
}

impl Drop for FileMemo {
    /// Counts what this run wrote (`entries bytes`); past a bound, the folder starts again.
    fn drop(&mut self) {
        let (entries, bytes) = (*self.entries.get_mut(), *self.bytes.get_mut());
        if entries == 0 {
            return;
        }
        let count_file = self.dir.join("count");
        if std::fs::symlink_metadata(&count_file).is_ok_and(|m| !m.is_file()) || !self.no_links(&count_file) {
            return;
        }
        let before = std::fs::read_to_string(&count_file).unwrap_or_default();
        let mut before = before.split_whitespace().map(|n| n.parse::<u64>().unwrap_or(0));
        let entries = before.next().unwrap_or(0).saturating_add(entries);
        let bytes = before.next().unwrap_or(0).saturating_add(bytes);
        if entries > MAX_ENTRIES || bytes > MAX_BYTES {
            let _ = std::fs::remove_dir_all(&self.dir);
        } else {
            let _ = std::fs::write(count_file, format!("{entries} {bytes}"));
        }
    }
}

/// This build, told apart from others by its version and its executable's size and time.
fn build_key() -> Option<String> {
    static KEY: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        let meta = std::env::current_exe().ok()?.metadata().ok()?;
        let modified = meta.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
        // Where builds keep their time (a tar, `cp -p`, Nix's epoch), the file's inode and the
        // time it was written to disk still tell two builds apart.
        #[cfg(unix)]
        let placed = {
            use std::os::unix::fs::MetadataExt;
            format!(
                "-{:x}-{:x}-{:x}",
                meta.dev(),
                meta.ino(),
                meta.ctime_nsec() as u64 ^ ((meta.ctime() as u64) << 30)
            )
        };
        #[cfg(not(unix))]
        let placed = String::new();
        Some(format!(
            "{}-{:x}-{:x}{placed}",
            env!("CARGO_PKG_VERSION"),
            meta.len(),
            modified.as_nanos()
        ))
    })
    .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_and_odd_names_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let memo = FileMemo::with_budget(dir.path(), Arc::default()).unwrap();
        let id = "0123456789abcdef0123456789abcdef01234567";
        assert_eq!(memo.get("rust-functions-1", id), None);
        memo.put("rust-functions-1", id, b"[1]");
        assert_eq!(memo.get("rust-functions-1", id).as_deref(), Some(&b"[1]"[..]));
        // Not an id, or a kind that would climb out of the folder: never a path.
        memo.put("rust-functions-1", "../../x", b"[2]");
        memo.put("../x", id, b"[2]");
        memo.put("..", id, b"[2]");
        assert_eq!(memo.get("../x", id), None);
        assert_eq!(memo.get("..", id), None);
        drop(memo);
        let count = std::fs::read_to_string(dir.path().join("memo").join(build_key().unwrap()).join("count")).unwrap();
        assert_eq!(count, "1 3");
    }

    #[test]
    fn one_run_writes_a_bounded_number_of_entries_and_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let budget = Arc::<Budget>::default();
        // Two memos of one process (two pushed refs) share the bound.
        let (a, b) = (
            FileMemo::with_budget(dir.path(), budget.clone()).unwrap(),
            FileMemo::with_budget(dir.path(), budget.clone()).unwrap(),
        );
        for i in 0..MAX_PER_RUN + 10 {
            let memo = if i % 2 == 0 { &a } else { &b };
            memo.put("k", &format!("{i:040x}"), b"1");
        }
        assert_eq!(budget.entries.load(Ordering::Relaxed), MAX_PER_RUN);
        assert_eq!(a.get("k", &format!("{:040x}", MAX_PER_RUN + 1)), None);
        let dir = tempfile::tempdir().unwrap();
        let memo = FileMemo::with_budget(dir.path(), Arc::default()).unwrap();
        let big = vec![b'x'; 6 << 20];
        for i in 0..8 {
            memo.put("k", &format!("{i:040x}"), &big);
        }
        assert_eq!(memo.bytes.load(Ordering::Relaxed), 5 * (6 << 20), "32 MiB a run");
    }

    #[cfg(unix)]
    #[test]
    fn a_link_in_the_memo_is_never_followed() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let memo = FileMemo::with_budget(dir.path(), Arc::default()).unwrap();
        let id = "0123456789abcdef0123456789abcdef01234567";
        std::fs::create_dir_all(&memo.dir).unwrap();
        std::os::unix::fs::symlink(outside.path(), memo.dir.join("k")).unwrap();
        memo.put("k", id, b"1");
        assert_eq!(
            std::fs::read_dir(outside.path()).unwrap().count(),
            0,
            "nothing written through the link"
        );
        std::fs::create_dir_all(outside.path().join("01")).unwrap();
        std::fs::write(outside.path().join("01").join(&id[2..]), b"1").unwrap();
        assert_eq!(memo.get("k", id), None, "nothing read through it");
    }

    #[test]
    fn past_its_bound_the_memo_starts_again() {
        let dir = tempfile::tempdir().unwrap();
        let memo = FileMemo::with_budget(dir.path(), Arc::default()).unwrap();
        let id = "0123456789abcdef0123456789abcdef01234567";
        memo.put("k", id, b"1");
        std::fs::write(memo.dir.join("count"), format!("{MAX_ENTRIES} 10")).unwrap();
        let folder = memo.dir.clone();
        drop(memo);
        assert!(!folder.exists());
        let memo = FileMemo::with_budget(dir.path(), Arc::default()).unwrap();
        assert_eq!(memo.get("k", id), None);
    }

    #[test]
    fn another_builds_memo_is_removed_when_this_one_starts() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("memo").join("0.0.1-old");
        std::fs::create_dir_all(&old).unwrap();
        let memo = FileMemo::with_budget(dir.path(), Arc::default()).unwrap();
        memo.put("k", "0123456789abcdef0123456789abcdef01234567", b"1");
        assert!(!old.exists());
    }
}
