//! Rows a PL/pgSQL loop copies: `FOR r IN SELECT … FROM t LOOP INSERT INTO u … VALUES (r.a, …);
//! END LOOP` writes each row of `t` into `u`, as an `INSERT … SELECT` would (Harbor's schema
//! upgrades move tables this way before dropping them).

use super::lex::{Stmt, Token};
use crate::analyzers::migration::ops::OpKind;

/// A loop open at a point of the block: its record variable, the table it reads, and whether
/// its query picks rows (`WHERE`, a join).
struct Loop {
    var: String,
    of: String,
    filtered: bool,
}

/// The copies the loops of a `DO` block's statements take, in order.
pub(super) fn loop_copies(statements: &[Stmt]) -> Vec<OpKind> {
    let mut out = Vec::new();
    let (mut loops, mut branches): (Vec<Loop>, usize) = (Vec::new(), 0);
    for s in statements {
        let t = &s.tokens;
        let mut i = 0;
        while i < t.len() {
            let after_end = i > 0 && t[i - 1].is_word("end");
            if t[i].is_word("end") && t.get(i + 1).is_some_and(|n| n.is_word("loop")) {
                loops.pop();
                i += 2;
                continue;
            }
            if t[i].is_word("if") && !after_end {
                branches += 1;
            } else if t[i].is_word("if") && after_end {
                branches = branches.saturating_sub(1);
            } else if let Some(l) = loop_at(t, i) {
                loops.push(l);
            } else if let Some((into, moved)) = write_at(t, i) {
                // The statement runs to its end: the record's columns it names are what it carries.
                for l in &loops {
                    let columns = fields_of(&t[i..], &l.var);
                    if !columns.is_empty() && into != l.of {
                        out.push(OpKind::LoopCopy {
                            of: l.of.clone(),
                            into: into.clone(),
                            columns,
                            moved,
                            filtered: l.filtered || branches > 0,
                        });
                    }
                }
                break;
            }
            i += 1;
        }
    }
    out
}

/// `FOR r IN SELECT … FROM t … LOOP` at `i`.
fn loop_at(t: &[Token], i: usize) -> Option<Loop> {
    if !(t[i].is_word("for") && t.get(i + 2)?.is_word("in") && t.get(i + 3)?.is_word("select")) {
        return None;
    }
    let var = t.get(i + 1)?.name()?;
    let end = (i + 4..t.len()).find(|&k| t[k].is_word("loop"))?;
    let query = &t[i + 4..end];
    let from = query.iter().position(|x| x.is_word("from"))?;
    let of = query.get(from + 1)?.name()?;
    let filtered = query.iter().any(|x| x.is_word("where") || x.is_word("join"));
    Some(Loop { var, of, filtered })
}

/// `INSERT INTO u` or `UPDATE u` at `i`: the table written, and whether values are moved into
/// existing rows (an update) rather than copied as new rows.
fn write_at(t: &[Token], i: usize) -> Option<(String, bool)> {
    if t[i].is_word("insert") && t.get(i + 1)?.is_word("into") {
        return Some((t.get(i + 2)?.name()?, false));
    }
    if t[i].is_word("update") {
        return Some((t.get(i + 1)?.name()?, true));
    }
    None
}

/// The columns of record `var` a statement names (`var.col`).
fn fields_of(t: &[Token], var: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in t.windows(3) {
        if w[0].name().as_deref() == Some(var) && w[1].is_sym(".") {
            if let Some(c) = w[2].name().filter(|c| !out.contains(c)) {
                out.push(c);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::analyzers::migration::testing::{run, sql};

    const COPY: &str = "DO $$\nDECLARE\n    a RECORD;\nBEGIN\n    FOR a IN SELECT * FROM access_log\n    LOOP\n        INSERT INTO audit_log (project_id, operation, username) VALUES (a.project_id, a.operation, a.username);\n    END LOOP;\nEND $$;\n";

    /// Harbor's upgrades: every row of `access_log` written into `audit_log` by a loop, then the
    /// table dropped: backed up. An `IF` around the write keeps only some rows: still a loss, and
    /// the message says why. Without the loop, a loss.
    #[test]
    fn a_loop_that_writes_every_row_elsewhere_backs_the_table_up() {
        let drop = "DROP TABLE IF EXISTS access_log;\n";
        assert_eq!(
            sql(&format!("{COPY}{drop}")),
            vec![("migration-drops-table".to_string(), 10, true)]
        );
        let branch = COPY
            .replace(
                "        INSERT INTO audit_log",
                "        IF a.operation = 'push' THEN\n        INSERT INTO audit_log",
            )
            .replace("    END LOOP;", "        END IF;\n    END LOOP;");
        let found = run(&[("make/migrations/postgresql/0030.up.sql", &format!("{branch}{drop}"))]);
        let f = found
            .iter()
            .find(|f| f.rule == "migration-drops-table")
            .expect("reported");
        assert_eq!(f.severity, crate::model::Severity::High, "{}", f.message);
        assert!(f.message.contains("keeps only the rows"), "{}", f.message);
        assert_eq!(sql(drop), vec![("migration-drops-table".to_string(), 1, false)]);
    }

    /// A column a loop writes into another table before it is dropped (`schedule.job_id` into
    /// `task.job_id`) is kept; one the loop does not name is not.
    #[test]
    fn a_loop_carries_the_columns_it_names() {
        let copy = "DO $$\nDECLARE s RECORD;\nBEGIN\n  FOR s IN SELECT * FROM schedule\n  LOOP\n    INSERT INTO task (job_id, status) VALUES (s.job_id, s.status);\n  END LOOP;\nEND $$;\n";
        let kept = sql(&format!("{copy}ALTER TABLE schedule DROP COLUMN job_id;\n"));
        assert_eq!(kept, vec![("migration-drops-column".to_string(), 9, true)]);
        let lost = sql(&format!("{copy}ALTER TABLE schedule DROP COLUMN cron;\n"));
        assert_eq!(lost, vec![("migration-drops-column".to_string(), 9, false)]);
    }
}
