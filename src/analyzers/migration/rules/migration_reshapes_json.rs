//! `migration-reshapes-json`: stored JSON changes structure (JSON functions in an `UPDATE`, a conversion to `json`/`jsonb`).

use crate::analyzers::migration::context::{finding, json_update, Context, JSON_KEY_REMOVERS};
use crate::analyzers::migration::ops::{Op, OpKind};
use crate::code_rule;
use crate::model::Finding;

code_rule! {
    /// ## What it does
    /// Finds statements that change the structure of stored JSON or move values between JSON
    /// and columns: `jsonb_set`, `||` merges, objects rebuilt with `jsonb_build_object` or from
    /// `->>`, `json` to `jsonb` conversions, MySQL `JSON_SET`/`JSON_INSERT`/`JSON_REPLACE`. An
    /// `UPDATE` that only fills a column the change adds, or only rows that hold no document
    /// (`WHERE doc IS NULL`), changes no stored JSON; a column made an
    /// array of JSON values (`json[]`) changes type (`migration-changes-column-type`).
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
    pub static RESHAPES_JSON: "migration-reshapes-json", Migration, High, [JsonReshape], gating = DataRewrite;
}

/// Every column the UPDATE sets was added by this change: it fills new columns, no stored JSON
/// is reshaped. The UPDATE lowercases names a quoted `ADD COLUMN "emailSettings"` keeps.
fn fills_new_columns(ctx: &Context, table: &str, columns: &[String]) -> bool {
    let added = |c: &str| {
        ctx.added_columns
            .iter()
            .chain(&ctx.added_by_other_files)
            .any(|(t, col)| t.eq_ignore_ascii_case(table) && col.eq_ignore_ascii_case(c))
    };
    !columns.is_empty() && columns.iter().all(|c| ctx.is_new_column(table, c) || added(c))
}

/// The UPDATE only writes rows that hold no document (`WHERE amounts IS NULL`): no stored
/// JSON is changed. (An empty one, `'{}'`, is a stored document the readers may rely on.)
fn fills_empty_documents(statement: &str, columns: &[String]) -> bool {
    let squashed: String = statement
        .to_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let Some((_, filter)) = squashed.rsplit_once("where") else {
        return false;
    };
    !columns.is_empty()
        && columns.iter().all(|c| {
            let c = c.to_lowercase();
            filter.contains(&format!("{c}isnull"))
        })
}

pub fn check(op: &Op, kind: &OpKind, ctx: &Context) -> Vec<Finding> {
    match kind {
        OpKind::Update {
            table,
            columns,
            filter,
            json,
        } if !ctx.is_new_table(table)
            && !json.is_empty()
            && !fills_new_columns(ctx, table, columns)
            && !fills_empty_documents(&op.statement, columns) =>
        {
            if json.iter().any(|j| JSON_KEY_REMOVERS.contains(&j.as_str())) {
                return Vec::new();
            }
            vec![json_update(
                &RESHAPES_JSON,
                "reshapes the JSON in",
                ctx,
                op,
                (table, columns, filter, json),
            )]
        }
        OpKind::AlterColumnType {
            table,
            column,
            type_name,
            ..
        } if type_name.contains("json")
            && !ctx.is_new_column(table, column)
            // An integer array made JSON holds no JSON text to reshape: `migration-changes-column-type`'s.
            && !ctx.converts_non_json_to_json(table, column, type_name)
            // Made an array of JSON values (`json[]`): the column's type changes, no document is reshaped.
            && !Context::is_json_array(type_name)
            // Django restates whole fields: only a known type that changes converts values.
            && (!ctx.restates_fields || ctx.earlier_retyped.contains_key(&(table.to_lowercase(), column.to_lowercase())))
            // `jsonb` made `json`: the text stored is the one `jsonb` already gave its readers
            // (keys sorted, no duplicates, its own spacing), so nothing reads differently.
            && !from_jsonb_to_json(ctx, table, column, type_name) =>
        {
            let mut f = finding(
                &RESHAPES_JSON,
                ctx,
                op,
                format!("{table}.{column} is converted to {type_name}: key order, duplicate keys and whitespace of stored JSON change"),
                "copy the column first and check the converted values against real rows",
            );
            f.tags.push(crate::model::Tag::Locking);
            f.target = Some(format!("{table}.{column}"));
            vec![ctx.judge_backup(f, table, Some(column), op.line)]
        }
        _ => Vec::new(),
    }
}

/// An earlier migration left the column `jsonb`, and this makes it `json`.
fn from_jsonb_to_json(ctx: &Context, table: &str, column: &str, type_name: &str) -> bool {
    type_name.trim().eq_ignore_ascii_case("json")
        && ctx
            .earlier_retyped
            .get(&(table.to_lowercase(), column.to_lowercase()))
            .is_some_and(|(old, _)| old.trim().eq_ignore_ascii_case("jsonb"))
}

#[cfg(test)]
mod tests {
    use crate::analyzers::migration::testing::{rules, run, sql};

    #[test]
    fn json_functions_in_updates_and_conversions_fire() {
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
        assert!(rules("UPDATE users SET note = 'jsonb_set(prefs)' WHERE id = 1;").is_empty());
    }

    #[test]
    fn filling_a_column_the_change_adds_reshapes_nothing() {
        let fill = "UPDATE \"Settings\" SET \"mailPrefs\" = '{\"a\": true}'::jsonb;";
        let added = format!("ALTER TABLE \"Settings\" ADD COLUMN \"mailPrefs\" JSONB;\n{fill}");
        assert!(
            !rules(&added).contains(&"migration-reshapes-json".to_string()),
            "{:?}",
            rules(&added)
        );
        assert_eq!(rules(fill), vec!["migration-reshapes-json"]);
        // Only rows without a document are written; an empty document is one, and stays.
        let update =
            "UPDATE discounts SET amounts = jsonb_build_object('usd', 0) WHERE kind = 'fixed' AND amounts IS NULL;";
        assert!(rules(update).is_empty(), "{:?}", rules(update));
        for kept in ["WHERE amounts = '{}'", "WHERE kind = 'fixed'"] {
            let update = format!("UPDATE discounts SET amounts = jsonb_build_object('usd', 0) {kept};");
            assert_eq!(rules(&update), vec!["migration-reshapes-json"], "{update}");
        }
    }

    #[test]
    fn tags_class_and_backup() {
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
