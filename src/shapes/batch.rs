//! Records judged a batch at a time on two threads: what a record came to, owned, so that
//! another thread can compute it and the checker can count it in record order.

use super::{json, Checker, Model, Problem};

/// A record waiting to be judged, or one that could not be read.
pub(super) enum Pending {
    Text(u64, String),
    Unreadable(u64, String),
}

/// What one record came to; everything owned, so a second thread can compute it.
pub(super) enum Outcome {
    /// Not JSON, or not readable as text: why.
    Invalid(u64, String),
    Judged {
        n: u64,
        signature: String,
        problems: Vec<Problem>,
        dropped: Vec<String>,
        newly_rejected: bool,
    },
}

/// Records judged together: enough to pay for a thread, few enough to hold little memory.
pub(super) const BATCH_RECORDS: usize = 4096;
pub(super) const BATCH_BYTES: usize = 8 << 20;
/// Below this many records a batch is judged on the calling thread alone.
pub(super) const PARALLEL_FROM: usize = 512;

/// One record judged against the type (and, when it rejects it, the old type): every record
/// on its own, since a shape seen before can hold other values (a string where a bool belongs).
pub(super) fn judge(model: &Model, old: Option<&Model>, pending: &Pending) -> Outcome {
    let (n, text) = match pending {
        Pending::Unreadable(n, why) => return Outcome::Invalid(*n, why.clone()),
        Pending::Text(n, text) => (*n, text),
    };
    let record = match json::parse(text) {
        Ok(r) => r,
        Err(e) => return Outcome::Invalid(n, e.to_string()),
    };
    let e = Checker::evaluate(model, &record);
    let rejects = e.problems.iter().any(|p| p.rejects);
    let newly_rejected =
        rejects && old.is_some_and(|old| Checker::evaluate(old, &record).problems.iter().all(|p| !p.rejects));
    Outcome::Judged {
        n,
        signature: e.signature,
        problems: e.problems,
        dropped: e.dropped,
        newly_rejected,
    }
}
