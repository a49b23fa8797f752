//! Records judged a batch at a time on two worker threads while the calling thread reads the
//! next batch: what a record came to is owned, so a worker can compute it and the checker can
//! count it in record order. Memory holds a few batches at most, whatever the input's size.

use super::eval::{Eval, Problem};
use super::{json, Model};
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::sync::{mpsc, Arc, Mutex};
use std::thread::JoinHandle;

/// Records judged together: enough to pay for handing them over, few enough to hold little memory.
const BATCH_RECORDS: usize = 4096;
const BATCH_BYTES: usize = 4 << 20;
const WORKERS: usize = 2;
/// Batches handed over and not yet taken by a worker: reading waits beyond this.
const QUEUED: usize = 2;
/// Batches out (queued, being judged, or judged and waiting for an earlier one) before reading
/// waits for the next in order.
pub(super) const OUT: u64 = (QUEUED + WORKERS) as u64;

/// A record waiting to be judged (its text in the batch's buffer), or one that could not be read.
enum Pending {
    Text(u64, Range<usize>),
    Unreadable(u64, String),
}

/// Records read and not yet judged: their texts in one buffer, kept between batches.
#[derive(Default)]
pub(super) struct Batch {
    text: String,
    records: Vec<Pending>,
}

/// What one record came to; everything owned, so a second thread can compute it.
pub(super) enum Outcome {
    /// Not JSON, or not readable as text: why.
    Invalid(u64, String),
    Judged {
        n: u64,
        /// The record's shape, hashed.
        shape: u64,
        problems: Vec<Problem>,
        newly_rejected: bool,
    },
}

impl Batch {
    pub fn add(&mut self, n: u64, text: &str) {
        let start = self.text.len();
        self.text.push_str(text);
        self.records.push(Pending::Text(n, start..self.text.len()));
    }

    pub fn add_unreadable(&mut self, n: u64, why: &str) {
        self.records.push(Pending::Unreadable(n, why.to_string()));
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_full(&self) -> bool {
        self.records.len() >= BATCH_RECORDS || self.text.len() >= BATCH_BYTES
    }

    /// An empty batch with room for one like this.
    pub fn like(&self) -> Batch {
        Batch {
            text: String::with_capacity(self.text.len()),
            records: Vec::with_capacity(self.records.len()),
        }
    }

    /// Every record's outcome in record order, and the keys a rewrite would drop, counted.
    pub fn judge(&self, model: &Model, old: Option<&Model>) -> Judged {
        let mut dropped = HashMap::new();
        let outcomes = self
            .records
            .iter()
            .map(|p| judge(model, old, &self.text, p, &mut dropped))
            .collect();
        (outcomes, dropped)
    }
}

/// A batch's outcomes in record order, and the keys a rewrite would drop, counted.
pub(super) type Judged = (Vec<Outcome>, HashMap<String, u64>);

/// Two workers judging whole batches, numbered so their outcomes come back in order.
pub(super) struct Pool {
    jobs: Option<mpsc::SyncSender<(u64, Batch)>>,
    done: mpsc::Receiver<(u64, Judged)>,
    workers: Vec<JoinHandle<()>>,
    sent: u64,
    next: u64,
    /// Batches judged out of turn, kept until the ones before them are in.
    early: BTreeMap<u64, Judged>,
}

impl Pool {
    pub fn new(model: Arc<Model>, old: Option<Arc<Model>>) -> Pool {
        let (jobs, queue) = mpsc::sync_channel::<(u64, Batch)>(QUEUED);
        let queue = Arc::new(Mutex::new(queue));
        let (report, done) = mpsc::channel();
        let workers = (0..WORKERS)
            .map(|_| {
                let (queue, report, model, old) = (queue.clone(), report.clone(), model.clone(), old.clone());
                std::thread::spawn(move || loop {
                    let job = queue.lock().map(|q| q.recv());
                    let Ok(Ok((seq, batch))) = job else { return };
                    if report.send((seq, batch.judge(&model, old.as_deref()))).is_err() {
                        return;
                    }
                })
            })
            .collect();
        Pool {
            jobs: Some(jobs),
            done,
            workers,
            sent: 0,
            next: 0,
            early: BTreeMap::new(),
        }
    }

    /// Hands a batch over; waits while the queue is full.
    pub fn send(&mut self, batch: Batch) {
        let sent = self.jobs.as_ref().map(|jobs| jobs.send((self.sent, batch)));
        if !matches!(sent, Some(Ok(()))) {
            self.worker_died();
        }
        self.sent += 1;
    }

    /// The judged batches that are next in order. Waits while more than `behind` batches are
    /// out (`0`: until all are in, after which no batch can be sent); never holds more than a
    /// few judged batches out of turn.
    pub fn ready(&mut self, behind: u64) -> Vec<Judged> {
        if behind == 0 {
            self.jobs = None;
        }
        let mut ready = Vec::new();
        while self.next < self.sent {
            if let Some(judged) = self.early.remove(&self.next) {
                ready.push(judged);
                self.next += 1;
                continue;
            }
            let wait = self.sent - self.next > behind;
            let patience = std::time::Duration::from_millis(if wait { 50 } else { 0 });
            match self.done.recv_timeout(patience) {
                Ok((seq, judged)) => {
                    self.early.insert(seq, judged);
                }
                // While batches can still be sent, a worker only stops by panicking.
                Err(mpsc::RecvTimeoutError::Timeout)
                    if self.jobs.is_some() && self.workers.iter().any(|w| w.is_finished()) =>
                {
                    self.worker_died()
                }
                Err(mpsc::RecvTimeoutError::Timeout) if wait => {}
                Err(mpsc::RecvTimeoutError::Timeout) => break,
                Err(mpsc::RecvTimeoutError::Disconnected) => self.worker_died(),
            }
        }
        ready
    }

    /// A worker only stops early by panicking: the panic is this thread's too, as it would be
    /// on one thread.
    fn worker_died(&mut self) -> ! {
        self.jobs = None;
        for w in self.workers.drain(..) {
            if let Err(panic) = w.join() {
                std::panic::resume_unwind(panic);
            }
        }
        unreachable!("a shapes worker stopped without a panic")
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.jobs = None;
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }
}

/// One record judged against the type (and, when it rejects it, the old type): every record
/// on its own, since a shape seen before can hold other values (a string where a bool belongs).
fn judge(
    model: &Model,
    old: Option<&Model>,
    text: &str,
    pending: &Pending,
    dropped: &mut HashMap<String, u64>,
) -> Outcome {
    let (n, range) = match pending {
        Pending::Unreadable(n, why) => return Outcome::Invalid(*n, why.clone()),
        Pending::Text(n, range) => (*n, range.clone()),
    };
    let record = match json::parse(&text[range]) {
        Ok(r) => r,
        Err(e) => return Outcome::Invalid(n, e.to_string()),
    };
    let e = Eval::record(model, &record, Some(dropped));
    let rejects = e.rejects();
    let newly_rejected = rejects && old.is_some_and(|old| !Eval::record(old, &record, None).rejects());
    Outcome::Judged {
        n,
        shape: e.shape_id(),
        problems: e.problems,
        newly_rejected,
    }
}
