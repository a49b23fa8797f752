//! Everything the commands print goes through here: a closed pipe (`riskgate … | head`) ends
//! the output quietly instead of failing the command, and files are never written through a
//! link the change may have committed.

use anyhow::{bail, Context, Result};
use std::io::{IsTerminal, Write};
use std::path::Path;

/// Writes to the file, or to stdout where a closed pipe is not an error.
pub fn emit(text: &str, output: Option<&Path>) -> Result<()> {
    match output {
        // A link at the path may have been committed by the change under review: never write
        // through one.
        Some(path) if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) => {
            bail!("cannot write {}: it is a symbolic link", path.display())
        }
        Some(path) => std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display())),
        None => {
            let mut out = std::io::stdout().lock();
            match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
                _ => Ok(()),
            }
        }
    }
}

/// A status line on stderr that appears only if the work takes over a second, and only on a
/// terminal outside CI; it is erased when dropped.
pub struct Progress {
    done: std::sync::Arc<std::sync::atomic::AtomicBool>,
    shown: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Progress {
    pub fn start(message: &'static str) -> Option<Progress> {
        use std::sync::atomic::{AtomicBool, Ordering};
        use std::sync::Arc;
        if !std::io::stderr().is_terminal() || std::env::var_os("CI").is_some() {
            return None;
        }
        let (done, shown) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)));
        let (d, sh) = (done.clone(), shown.clone());
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_secs(1));
            if !d.load(Ordering::SeqCst) {
                note(message);
                sh.store(true, Ordering::SeqCst);
            }
        });
        Some(Progress { done, shown })
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        use std::sync::atomic::Ordering;
        self.done.store(true, Ordering::SeqCst);
        if self.shown.load(Ordering::SeqCst) {
            note("\r\x1b[K");
        }
    }
}

/// Text for the user on stderr (progress, messages, the hook's report). A closed stderr has
/// nowhere to say so: the text is dropped, and the command goes on.
pub fn note(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes()).and_then(|_| err.flush());
}

/// A line for the user on stdout, through `emit`.
pub fn say(line: &str) -> Result<()> {
    emit(&format!("{line}\n"), None)
}
