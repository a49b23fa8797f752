//! Data rewrites and JSON reshaping: statements that overwrite stored values in bulk or change
//! the structure of stored JSON — the failure riskgate exists for.

use super::ops::{Op, OpKind};
use super::{finding, Context};
use crate::code_rule;
use crate::model::Finding;

code_rule! {
    /// ## What it does
    /// Finds an `UPDATE` over all rows: no `WHERE`, or a tautology. A bounded batch (`LIMIT`,
    /// `BETWEEN`) is not a bulk rewrite.
    ///
    /// ## Why is this risky?
    /// The old values are overwritten everywhere at once and the update holds row locks on the
    /// whole table until it commits.
    ///
    /// ## Example
    /// ```sql
    /// UPDATE accounts SET plan = 'basic';
    /// ```
    ///
    /// ## How to roll back
    /// Copy the affected columns first; backfill in bounded batches with a real condition.
    pub static REWRITES_ALL_ROWS: "migration-rewrites-all-rows", "migration", Medium, ["data-rewrite"], gating = DataRewrite;
}

code_rule! {
    /// ## What it does
    /// Finds data changed by application code inside a migration: Django `RunPython`, Rails
    /// `update_all`.
    ///
    /// ## Why is this risky?
    /// Code backfills touch every row the code selects, are invisible to SQL review, and usually
    /// cannot be undone by the framework.
    ///
    /// ## Example
    /// ```python
    /// migrations.RunPython(copy_fax_to_notes)
    /// ```
    ///
    /// ## How to roll back
    /// Copy the affected rows first; give the operation a real `reverse_code` or `down`.
    pub static BACKFILLS_IN_CODE: "migration-backfills-in-code", "migration", Medium, ["data-rewrite"], gating = DataRewrite;
}

code_rule! {
    /// ## What it does
    /// Finds statements that change the structure of stored JSON or move values between JSON
    /// and columns: `jsonb_set`, `||` merges, objects rebuilt with `jsonb_build_object` or from
    /// `->>`, `json` to `jsonb` conversions, MySQL `JSON_SET`/`JSON_INSERT`/`JSON_REPLACE`.
    ///
    /// ## Why is this risky?
    /// A JSON column's schema lives only in the data: rows written by old code versions, nulls,
    /// missing keys and odd types are the edge cases a reshape misses, and the code that reads
    /// the column breaks on them.
    ///
    /// ## Example
    /// ```sql
    /// UPDATE users SET prefs = jsonb_set(prefs, '{theme}', to_jsonb(prefs->>'color'));
    /// ```
    ///
    /// ## How to roll back
    /// Copy the column first (`CREATE TABLE users_prefs_backup AS SELECT id, prefs FROM users;`),
    /// check the new shape against a sample of real rows (`riskgate shapes`), and restore from
    /// the copy.
    pub static RESHAPES_JSON: "migration-reshapes-json", "migration", High, ["json-reshape"], gating = DataRewrite;
}

code_rule! {
    /// ## What it does
    /// Finds statements that delete keys from stored JSON: the `-` and `#-` operators,
    /// `JSON_REMOVE`, `jsonb_delete`.
    ///
    /// ## Why is this risky?
    /// The removed values are gone from every row touched, and the release you would roll back
    /// to may still read them.
    ///
    /// ## Example
    /// ```sql
    /// UPDATE customers SET profile = profile - 'fax';
    /// ```
    ///
    /// ## How to roll back
    /// Copy the column first and restore the key from the copy.
    pub static REMOVES_JSON_KEY: "migration-removes-json-key", "migration", High, ["destructive", "json-reshape"], gating = DataLoss;
}

const REMOVERS: &[&str] = &["-", "#-", "json_remove", "jsonb_delete", "jsonb_delete_path"];

pub fn check(op: &Op, kind: &OpKind, ctx: &Context) -> Vec<Finding> {
    let mut out = Vec::new();
    match kind {
        OpKind::Update {
            table,
            columns,
            filter,
            json,
        } if !ctx.is_new_table(table) => {
            let cols = columns.join(", ");
            let scope = if filter.is_all_rows() {
                "every row of"
            } else {
                "rows of"
            };
            if !json.is_empty() {
                let removes = json.iter().any(|j| REMOVERS.contains(&j.as_str()));
                let rule = if removes { &REMOVES_JSON_KEY } else { &RESHAPES_JSON };
                let what = if removes {
                    "removes JSON keys from"
                } else {
                    "reshapes the JSON in"
                };
                let mut f = finding(
                    rule,
                    ctx,
                    op,
                    format!("UPDATE {what} {table}.{cols} ({}) for {scope} the table", json.join(", ")),
                    "copy the column first, check the new shape against real rows (riskgate shapes), and make the reading code accept both shapes",
                );
                if filter.is_all_rows() {
                    f.tags.push("data-rewrite".to_string());
                }
                f.target = columns.first().map(|c| format!("{table}.{c}"));
                let column = columns.first().map(String::as_str);
                out.push(ctx.judge_backup(f, table, column, op.line));
            } else if filter.is_all_rows() {
                let f = finding(
                    &REWRITES_ALL_ROWS,
                    ctx,
                    op,
                    format!("UPDATE {table} SET {cols} overwrites every row"),
                    "copy the columns first, and backfill in bounded batches (WHERE id BETWEEN … or LIMIT) with a real condition",
                );
                let column = if columns.len() == 1 {
                    columns.first().map(String::as_str)
                } else {
                    None
                };
                out.push(ctx.judge_backup(f, table, column, op.line));
            }
        }
        OpKind::AlterColumnType {
            table,
            column,
            type_name,
            ..
        } if type_name.contains("json") && !ctx.is_new_column(table, column) => {
            let mut f = finding(
                &RESHAPES_JSON,
                ctx,
                op,
                format!("{table}.{column} is converted to {type_name}: key order, duplicate keys and whitespace of stored JSON change"),
                "copy the column first and check the converted values against real rows",
            );
            f.tags.push("locking".to_string());
            f.target = Some(format!("{table}.{column}"));
            out.push(ctx.judge_backup(f, table, Some(column), op.line));
        }
        OpKind::CodeBackfill { what } => {
            out.push(finding(
                &BACKFILLS_IN_CODE,
                ctx,
                op,
                format!("{what} changes data from application code"),
                "copy the affected rows first and give the operation a real reverse",
            ));
        }
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::testing::{rules, run, sql};

    #[test]
    fn bulk_updates_and_batches() {
        assert_eq!(
            rules("UPDATE accounts SET plan = 'basic';"),
            vec!["migration-rewrites-all-rows"]
        );
        assert_eq!(
            rules("UPDATE accounts SET plan = 'basic' WHERE 1 = 1;"),
            vec!["migration-rewrites-all-rows"]
        );
        assert!(rules("UPDATE accounts SET plan = 'basic' WHERE id = 7;").is_empty());
        assert!(rules(
            "UPDATE accounts SET plan = 'basic' WHERE id IN (SELECT id FROM accounts WHERE plan IS NULL LIMIT 1000);"
        )
        .is_empty());
    }

    #[test]
    fn json_reshapes() {
        assert_eq!(
            rules("UPDATE users SET prefs = jsonb_set(prefs, '{theme}', '\"dark\"');"),
            vec!["migration-reshapes-json"]
        );
        assert_eq!(
            rules("UPDATE users SET prefs = prefs || '{\"v\": 2}'::jsonb WHERE id > 10;"),
            vec!["migration-reshapes-json"]
        );
        assert_eq!(
            rules("UPDATE users SET city = address->>'city';"),
            vec!["migration-reshapes-json"]
        );
        assert_eq!(
            rules("ALTER TABLE events ALTER COLUMN payload TYPE jsonb USING payload::jsonb;"),
            vec!["migration-reshapes-json"]
        );
        assert_eq!(
            rules("UPDATE customers SET profile = profile - 'fax';"),
            vec!["migration-removes-json-key"]
        );
        assert_eq!(
            rules("UPDATE customers SET profile = profile #- '{address,fax}';"),
            vec!["migration-removes-json-key"]
        );
        assert!(rules("UPDATE users SET note = 'jsonb_set(prefs)' WHERE id = 1;").is_empty());
    }

    #[test]
    fn json_reshape_tags_and_backup() {
        let f = run(&[(
            "db/migrations/1.sql",
            "UPDATE users SET prefs = jsonb_set(prefs, '{a}', '1');",
        )])
        .remove(0);
        assert_eq!(f.tags, vec!["json-reshape", "data-rewrite"]);
        assert_eq!(f.gating, Some(crate::model::GatingClass::DataRewrite));
        let got = sql("CREATE TABLE users_prefs_backup AS SELECT id, prefs FROM users;\nUPDATE users SET prefs = jsonb_set(prefs, '{a}', '1');");
        assert_eq!(got, vec![("migration-reshapes-json".to_string(), 2, true)]);
    }
}
