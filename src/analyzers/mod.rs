//! Stage 3: analyzers. Each is a pure function from the classified change to findings.

pub mod file_not_analyzed;
pub mod json_shape;
pub mod migration;
pub mod pattern;
pub mod untested;

use crate::config::JsonColumn;
use crate::coverage::Coverage;
use crate::diff::ChangeSet;
use crate::model::Finding;
use crate::packs::PackRule;

/// What the analyzers need beyond the change itself.
pub struct Inputs<'a> {
    pub packs: &'a [PackRule],
    pub json_columns: &'a [JsonColumn],
    /// Type names configured as stored JSON (`[[json_column]]` and `[[shapes]]` types).
    pub stored_types: Vec<String>,
    pub coverage: Option<&'a Coverage>,
}

/// Each analyzer's thread stack. Parsers recurse over syntax trees; the inputs are bounded
/// before parsing (nesting depth, expression length), and this leaves a wide margin above
/// those bounds. Untouched stack pages cost no memory.
const ANALYZER_STACK: usize = 256 << 20;

fn spawn<'scope, F>(
    s: &'scope std::thread::Scope<'scope, '_>,
    name: &str,
    work: F,
) -> std::thread::ScopedJoinHandle<'scope, Vec<Finding>>
where
    F: FnOnce() -> Vec<Finding> + Send + 'scope,
{
    std::thread::Builder::new()
        .name(format!("{name} analyzer"))
        .stack_size(ANALYZER_STACK)
        .spawn_scoped(s, work)
        .unwrap_or_else(|e| panic!("cannot start the {name} analyzer: {e}"))
}

/// Every worker's findings; a worker that panicked fails the whole run (the panic hook has
/// already said what failed, in one line): never a report with an analyzer missing.
fn join_all<'scope>(
    workers: impl IntoIterator<Item = std::thread::ScopedJoinHandle<'scope, Vec<Finding>>>,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for worker in workers {
        findings.extend(worker.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)));
    }
    findings
}

/// Runs every analyzer over the change. They are independent, so they run on separate threads.
/// A panic in any of them fails the whole run (exit 2): a gate never passes on a partial report.
pub fn run(change: &ChangeSet, inputs: &Inputs<'_>) -> Vec<Finding> {
    let mut findings = std::thread::scope(|s| {
        let workers = [
            spawn(s, "migration", || migration::analyze(change)),
            spawn(s, "json-shape", || json_shape::analyze(change, &inputs.stored_types)),
            spawn(s, "untested", || untested::analyze(change, inputs.coverage)),
            spawn(s, "pattern", || pattern::analyze(change, inputs.packs)),
        ];
        let mut findings = file_not_analyzed::analyze(change);
        findings.extend(join_all(workers));
        findings
    });
    // Correlation across analyzers, once each has spoken.
    let compound = json_shape::rules::json_column_contract_changed::compound(&findings, inputs.json_columns);
    findings.extend(compound);
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panicking_analyzer_fails_the_run_instead_of_dropping_its_findings() {
        let ok = || {
            vec![Finding::new(
                "r",
                crate::model::Analyzer::Pattern,
                crate::model::Severity::Low,
                "m",
            )]
        };
        let run = |fail: bool| {
            std::panic::catch_unwind(|| {
                std::thread::scope(|s| {
                    let good = spawn(s, "good", ok);
                    let other = spawn(s, "other", move || if fail { panic!("boom") } else { ok() });
                    join_all([good, other])
                })
            })
        };
        assert_eq!(run(false).unwrap().len(), 2);
        assert!(run(true).is_err(), "a partial list of findings must never come back");
    }
}
