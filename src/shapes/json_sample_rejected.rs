//! `json-sample-rejected`: a changed type named in `[[shapes]]` would reject records of the
//! configured sample. `riskgate shapes` reads the sample; this turns its report into the finding.

use super::{summary, Report};
use crate::code_rule;
use crate::diff::ChangedFile;
use crate::model::{Direction, Finding};

code_rule! {
    /// ## What it does
    /// When a change touches a type listed in a `[[shapes]]` entry of `riskgate.toml`, runs
    /// `riskgate shapes` on it against the configured sample (a file, or a PostgreSQL query in a
    /// READ ONLY transaction) and reports the stored records the new type would reject, with
    /// counts and examples. Without a sample nothing runs.
    ///
    /// ## Why is this risky?
    /// Every rejected record is a request that fails in production as soon as the code ships.
    ///
    /// ## Example
    /// ```toml riskgate.toml (base)
    /// [[shapes]]
    /// type = "src/order.rs::Order"
    /// sample = "samples/orders.jsonl"
    /// ```
    /// ```json samples/orders.jsonl (base)
    /// {"id": 1, "status": "active"}
    /// {"id": 2, "status": "awaiting_payment"}
    /// ```
    /// ```rust src/order.rs (before)
    /// #[derive(serde::Deserialize)]
    /// pub struct Order {
    ///     pub id: u64,
    ///     pub status: String,
    /// }
    /// ```
    /// ```rust src/order.rs
    /// #[derive(serde::Deserialize)]
    /// #[serde(rename_all = "snake_case")]
    /// pub enum Status {
    ///     Active,
    ///     Cancelled,
    /// }
    ///
    /// #[derive(serde::Deserialize)]
    /// pub struct Order {
    ///     pub id: u64,
    ///     pub status: Status,
    /// }
    /// ```
    ///
    /// ## How to roll back
    /// Make the type accept the stored values (`#[serde(other)]`, `alias`, `Option`, `default`),
    /// or migrate the data first, with a backup.
    pub static SAMPLE_REJECTED: "json-sample-rejected", JsonShape, Critical, [], gating = BrokenContract;
}

/// The finding for `type_spec`, changed in `file`, when its sample report has rejected records.
pub fn check(type_spec: &str, report: &Report, file: &ChangedFile) -> Option<Finding> {
    if report.rejected == 0 {
        return None;
    }
    let mut f = SAMPLE_REJECTED
        .finding(format!(
            "{type_spec}: {} of {} sampled records would be rejected — {}",
            report.rejected,
            report.records,
            summary(report).join("; ")
        ))
        .at(&file.path, file.first_changed_line())
        .help("make the type accept the stored values (#[serde(other)], alias, Option, default) or migrate the data first, with a backup")
        .evidence(format!("sample: {}", report.source));
    f.symbol = Some(type_spec.to_string());
    f.direction = Some(Direction::ReadsOldData);
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::{ChangedFile, FileStatus};

    fn report(rejected: u64) -> Report {
        Report {
            schema_version: 1,
            type_name: "Order".to_string(),
            rev: "HEAD".to_string(),
            source: "samples/orders.jsonl".to_string(),
            records: 2,
            distinct_shapes: 2,
            accepted: 2 - rejected,
            rejected,
            failures: Vec::new(),
            dropped_on_rewrite: Vec::new(),
            old_readers: Vec::new(),
            newly_rejected: None,
        }
    }

    #[test]
    fn rejected_records_fire_and_a_clean_sample_does_not() {
        let file = ChangedFile::from_lines("src/order.rs", FileStatus::Modified, &["a"], &["b"]);
        let f = check("src/order.rs::Order", &report(1), &file).unwrap();
        assert_eq!(f.rule, "json-sample-rejected");
        assert!(
            f.message
                .starts_with("src/order.rs::Order: 1 of 2 sampled records would be rejected"),
            "{}",
            f.message
        );
        assert_eq!(f.evidence.as_deref(), Some("sample: samples/orders.jsonl"));
        assert!(check("src/order.rs::Order", &report(0), &file).is_none());
    }
}
