//! `json-column-contract-changed`, the compound risk: a migration reshapes a JSON column while the serde type stored in that
//! column changes incompatibly in the same change.

use crate::code_rule;
use crate::config::JsonColumn;
use crate::model::{Direction, Finding};
use std::collections::BTreeSet;

code_rule! {
    /// ## What it does
    /// Fires when one change both reshapes a JSON column in a migration and breaks the serde type
    /// stored in that column, matched through table, column, type and field names, or through a
    /// `[[json_column]]` entry in `riskgate.toml` (`table`, `column`, `type`).
    ///
    /// ## Why is this risky?
    /// This is the incident riskgate exists for: the migration rewrites stored documents while
    /// the code that reads them changes at the same time, so edge cases in the data (old shapes,
    /// nulls, odd types) hit both at once, and rolling back the code meets rewritten data.
    ///
    /// ## Example
    /// The base says which type the column stores; the change renames a field of the type and
    /// moves the key in the stored documents.
    /// ```toml riskgate.toml (base)
    /// [[json_column]]
    /// table = "users"
    /// column = "prefs"
    /// type = "UserPrefs"
    /// ```
    /// ```rust src/prefs.rs (before)
    /// #[derive(serde::Serialize, serde::Deserialize)]
    /// pub struct UserPrefs {
    ///     pub color: String,
    /// }
    /// ```
    /// ```rust src/prefs.rs
    /// #[derive(serde::Serialize, serde::Deserialize)]
    /// pub struct UserPrefs {
    ///     pub theme: String,
    /// }
    /// ```
    /// ```sql db/migrations/0043_theme.sql
    /// UPDATE users SET prefs = jsonb_set(prefs - 'color', '{theme}', prefs->'color');
    /// ```
    ///
    /// ## How to roll back
    /// Split the change: make the type read both shapes first, migrate the data, then stop
    /// writing the old shape; back up the column before the migration and check real rows with
    /// `riskgate shapes`.
    pub static JSON_COLUMN_CONTRACT_CHANGED: "json-column-contract-changed", JsonShape, Critical, [JsonReshape], gating = BrokenContract;
}

/// Column names that say nothing about what they hold; the table name must match too.
const GENERIC_COLUMNS: &[&str] = &[
    "data",
    "payload",
    "json",
    "attrs",
    "attributes",
    "metadata",
    "meta",
    "doc",
    "document",
    "body",
    "content",
    "details",
    "extra",
    "properties",
    "value",
    "info",
];

fn singular(w: &str) -> String {
    w.strip_suffix("ies")
        .map(|s| format!("{s}y"))
        .or_else(|| w.strip_suffix('s').filter(|s| s.len() > 2).map(str::to_string))
        .unwrap_or_else(|| w.to_string())
}

/// `UserPrefs` → {user, pref}; `user_prefs` → {user, pref}.
fn words(name: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut cur = String::new();
    for c in name.chars() {
        if c == '_' || c == '-' || c == '.' || (c.is_uppercase() && !cur.is_empty()) {
            if !cur.is_empty() {
                out.insert(singular(&cur.to_lowercase()));
            }
            cur.clear();
            if c == '_' || c == '-' || c == '.' {
                continue;
            }
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        out.insert(singular(&cur.to_lowercase()));
    }
    out
}

/// Does this table column plausibly hold this Rust type?
pub fn matches(table: &str, column: &str, type_name: &str, mapping: &[JsonColumn]) -> bool {
    if mapping
        .iter()
        .any(|m| m.table.eq_ignore_ascii_case(table) && m.column.eq_ignore_ascii_case(column))
    {
        return mapping.iter().any(|m| {
            m.table.eq_ignore_ascii_case(table)
                && m.column.eq_ignore_ascii_case(column)
                && type_name.ends_with(&m.type_name)
        });
    }
    let (t, c, ty) = (words(table), words(column), words(type_name));
    if !c.is_subset(&ty) {
        return false;
    }
    !GENERIC_COLUMNS.contains(&column.to_lowercase().as_str()) || !t.is_disjoint(&ty)
}

/// One critical finding per JSON-reshaping migration finding and changed type stored in it.
pub fn compound(findings: &[Finding], mapping: &[JsonColumn]) -> Vec<Finding> {
    let reshapes: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.analyzer == crate::model::Analyzer::Migration && f.tags.contains(&crate::model::Tag::JsonReshape))
        .collect();
    let shapes: Vec<&Finding> = findings
        .iter()
        .filter(|f| {
            f.rule == super::serde_shape_changed::SERDE_SHAPE_CHANGED.id
                || f.rule == super::api_type_changed::API_TYPE_CHANGED.id
        })
        .collect();
    let mut out = Vec::new();
    for m in reshapes {
        let Some((table, column)) = m.target.as_deref().and_then(|t| t.split_once('.')) else {
            continue;
        };
        let mut by_type: Vec<(String, Vec<&Finding>)> = Vec::new();
        for s in &shapes {
            let Some(symbol) = &s.symbol else { continue };
            let type_name = symbol.rsplit("::").next().unwrap_or(symbol);
            let keys_in_sql = s
                .evidence
                .as_deref()
                .and_then(|e| e.rsplit('.').next())
                .is_some_and(|key| {
                    m.evidence.as_deref().is_some_and(|sql| {
                        sql.contains(&format!("'{key}'"))
                            || sql.contains(&format!("{{{key}}}"))
                            || sql.contains(&format!("{{{key},"))
                    })
                });
            if matches(table, column, type_name, mapping) || keys_in_sql {
                match by_type.iter_mut().find(|(t, _)| t == symbol) {
                    Some((_, list)) => list.push(s),
                    None => by_type.push((symbol.clone(), vec![s])),
                }
            }
        }
        for (symbol, list) in by_type {
            let type_name = symbol.rsplit("::").next().unwrap_or(&symbol).to_string();
            let dirs: BTreeSet<String> = list
                .iter()
                .filter_map(|f| f.direction)
                .map(|d| format!("{d:?}"))
                .collect();
            let direction = if dirs.len() == 1 {
                list[0].direction
            } else {
                Some(Direction::Both)
            };
            let what: Vec<String> = list.iter().map(|f| f.message.clone()).collect();
            let mut f = JSON_COLUMN_CONTRACT_CHANGED
                .finding(format!(
                    "the migration reshapes {table}.{column} while {type_name}, stored in it, changes: {}",
                    what.join("; ")
                ))
                .at(m.file.as_deref().unwrap_or(""), m.line)
                .help("split the change: make the type read both shapes, migrate the data, then stop writing the old shape; back up the column first and check real rows with riskgate shapes")
                .evidence(m.evidence.clone().unwrap_or_default());
            f.symbol = Some(symbol.clone());
            f.target = m.target.clone();
            f.direction = direction;
            let mut tags = vec![crate::model::Tag::JsonReshape];
            for l in &list {
                for t in &l.tags {
                    if !tags.contains(t) {
                        tags.push(t.clone());
                    }
                }
            }
            f.tags = tags;
            out.push(f);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_tables_columns_and_types() {
        assert!(matches("users", "prefs", "UserPrefs", &[]));
        assert!(matches("users", "preferences", "Preferences", &[]));
        assert!(!matches("users", "prefs", "OrderLine", &[]));
        assert!(matches("events", "payload", "EventPayload", &[]));
        assert!(
            !matches("orders", "payload", "EventPayload", &[]),
            "a generic column needs the table in the type name"
        );
        let mapping = vec![JsonColumn {
            table: "orders".into(),
            column: "payload".into(),
            type_name: "Checkout".into(),
        }];
        assert!(matches("orders", "payload", "Checkout", &mapping));
        assert!(
            !matches("orders", "payload", "OrderPayload", &mapping),
            "an explicit mapping wins over names"
        );
    }
}
