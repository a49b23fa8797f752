//! What analyzers derived from blobs, kept in files under `.git/riskgate/memo/<build>/`: one
//! file per blob and derivation, written whole and renamed into place, so that runs side by
//! side never read half an entry. The folder is this build's (its version, size and time):
//! another build may derive otherwise, so a new build starts afresh and removes the others'.
//! Bounded: past `MAX_ENTRIES` or `MAX_BYTES` written, the build's folder is emptied.

use crate::diff::Memo;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Entries and bytes written before the memo starts again: the Rust files of a few hundred
/// commits.
const MAX_ENTRIES: u64 = 20_000;
const MAX_BYTES: u64 = 256 << 20;
/// Entries one run writes at most: a large audit (thousands of new files, read once) would
/// spend more on writing than a later run saves; a push's few files are all kept.
const MAX_PER_RUN: u64 = 256;
/// An entry larger than this is not kept (and one on disk larger than this is not read).
const MAX_ENTRY: usize = 8 << 20;

#[derive(Debug)]
pub struct FileMemo {
    dir: PathBuf,
    entries: AtomicU64,
    bytes: AtomicU64,
}

impl FileMemo {
    /// The memo of this build under a repository's cache folder; `None` when the build cannot
    /// be told apart from another (its executable cannot be read).
    pub fn open(cache_dir: &Path) -> Option<FileMemo> {
        Some(FileMemo {
            dir: cache_dir.join("memo").join(build_key()?),
            entries: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
        })
    }

    fn entry(&self, kind: &str, blob: &str) -> Option<PathBuf> {
        // Ids come from git, kinds from riskgate; anything else never names a path.
        let plain =
            |s: &str, extra: &[u8]| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || extra.contains(&b));
        if blob.len() != 40 || !blob.bytes().all(|b| b.is_ascii_hexdigit()) || !plain(kind, b"-.") {
            return None;
        }
        Some(self.dir.join(kind).join(&blob[..2]).join(&blob[2..]))
    }

    /// Removes the memo folders of other builds, once, when this build writes its first entry.
    fn start(&self) {
        let Some(parent) = self.dir.parent() else { return };
        let Ok(entries) = std::fs::read_dir(parent) else { return };
        for e in entries.flatten() {
            if e.path() != self.dir {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
}

impl Memo for FileMemo {
    fn get(&self, kind: &str, blob: &str) -> Option<Vec<u8>> {
        let path = self.entry(kind, blob)?;
        let meta = std::fs::metadata(&path).ok()?;
        if meta.len() > MAX_ENTRY as u64 {
            return None;
        }
        std::fs::read(path).ok()
    }

    fn put(&self, kind: &str, blob: &str, value: &[u8]) {
        let Some(path) = self.entry(kind, blob) else { return };
        if value.len() > MAX_ENTRY || self.entries.load(Ordering::Relaxed) >= MAX_PER_RUN {
            return;
        }
        if !self.dir.exists() {
            self.start();
        }
        let Some(folder) = path.parent() else { return };
        if std::fs::create_dir_all(folder).is_err() {
            return;
        }
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        if std::fs::write(&tmp, value).is_ok() && std::fs::rename(&tmp, &path).is_ok() {
            self.entries.fetch_add(1, Ordering::Relaxed);
            self.bytes.fetch_add(value.len() as u64, Ordering::Relaxed);
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
        Some(format!(
            "{}-{:x}-{:x}",
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
        let memo = FileMemo::open(dir.path()).unwrap();
        let id = "0123456789abcdef0123456789abcdef01234567";
        assert_eq!(memo.get("rust-functions-1", id), None);
        memo.put("rust-functions-1", id, b"[1]");
        assert_eq!(memo.get("rust-functions-1", id).as_deref(), Some(&b"[1]"[..]));
        // Not an id, or a kind that would climb out of the folder: never a path.
        memo.put("rust-functions-1", "../../x", b"[2]");
        memo.put("../x", id, b"[2]");
        assert_eq!(memo.get("../x", id), None);
        drop(memo);
        let count = std::fs::read_to_string(dir.path().join("memo").join(build_key().unwrap()).join("count")).unwrap();
        assert_eq!(count, "1 3");
    }

    #[test]
    fn one_run_writes_a_bounded_number_of_entries() {
        let dir = tempfile::tempdir().unwrap();
        let memo = FileMemo::open(dir.path()).unwrap();
        for i in 0..MAX_PER_RUN + 10 {
            memo.put("k", &format!("{i:040x}"), b"1");
        }
        assert_eq!(memo.entries.load(Ordering::Relaxed), MAX_PER_RUN);
        assert_eq!(memo.get("k", &format!("{:040x}", MAX_PER_RUN + 1)), None);
    }

    #[test]
    fn past_its_bound_the_memo_starts_again() {
        let dir = tempfile::tempdir().unwrap();
        let memo = FileMemo::open(dir.path()).unwrap();
        let id = "0123456789abcdef0123456789abcdef01234567";
        memo.put("k", id, b"1");
        std::fs::write(memo.dir.join("count"), format!("{MAX_ENTRIES} 10")).unwrap();
        let folder = memo.dir.clone();
        drop(memo);
        assert!(!folder.exists());
        let memo = FileMemo::open(dir.path()).unwrap();
        assert_eq!(memo.get("k", id), None);
    }

    #[test]
    fn another_builds_memo_is_removed_when_this_one_starts() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("memo").join("0.0.1-old");
        std::fs::create_dir_all(&old).unwrap();
        let memo = FileMemo::open(dir.path()).unwrap();
        memo.put("k", "0123456789abcdef0123456789abcdef01234567", b"1");
        assert!(!old.exists());
    }
}
