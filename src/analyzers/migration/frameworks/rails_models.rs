//! Rails models and the tables they name: declared in a migration (`self.table_name`), or by
//! Rails' conventions (plural, engine prefixes).

use super::scan::{code_part, re};
use regex::Regex;
use std::sync::OnceLock;

/// The models a migration declares for itself and the tables they name
/// (`class TaxRate < ActiveRecord::Base; self.table_name = "spree_tax_rates"`); others get
/// the table Rails gives them by convention.
pub struct Models {
    declared: Vec<(String, String)>,
    /// The tables the migration's schema calls name (`remove_column :node, …`).
    named: Vec<String>,
}

impl Models {
    pub fn declared_in(lines: &[&str]) -> Models {
        static CLASS: OnceLock<Regex> = OnceLock::new();
        static TABLE: OnceLock<Regex> = OnceLock::new();
        let class = re(&CLASS, r"^\s*class\s+([A-Z][\w:]*)\s*<");
        let table = re(&TABLE, r#"^\s*self\.table_name\s*=\s*["']([\w.]+)["']"#);
        static NAMED: OnceLock<Regex> = OnceLock::new();
        let named_re = re(
            &NAMED,
            r#"\b(?:remove_columns?|add_column|rename_column|change_column|drop_table|change_column_null|change_column_default|add_index|remove_index|add_reference|remove_reference)\s*\(?\s*[:"'](\w+)"#,
        );
        let mut declared = Vec::new();
        let mut named = Vec::new();
        let mut current: Option<String> = None;
        // Tables named on the way forward: `down` names what the rollback touches.
        let mut in_down = false;
        for line in lines {
            let line = code_part(line, "#");
            match line.trim() {
                "def down" | "def self.down" => in_down = true,
                "def up" | "def change" | "def self.up" => in_down = false,
                _ => {}
            }
            if !in_down {
                named.extend(named_re.captures_iter(line).map(|c| c[1].to_lowercase()));
            }
            if let Some(c) = class.captures(line) {
                current = Some(c[1].to_string());
            } else if let (Some(model), Some(t)) = (&current, table.captures(line)) {
                declared.push((model.clone(), t[1].to_lowercase()));
            }
        }
        Models { declared, named }
    }

    /// A model's table: declared in the migration, else Rails' plural, else the singular or the
    /// namespace-prefixed plural when only that is what the migration names (a model with
    /// `self.table_name = "node"` in the app, `pluralize_table_names = false`, an engine's
    /// `spree_` prefix).
    pub fn table(&self, model: &str) -> String {
        let short = model.rsplit("::").next().unwrap_or(model);
        if let Some((_, t)) = self.declared.iter().find(|(m, _)| m == model || m == short) {
            return t.clone();
        }
        let plural = table_of(model);
        // A namespaced model (`Spree::Product`) under an engine's table prefix: `spree_products`.
        let prefixed = model.rsplit_once("::").map(|(ns, _)| {
            format!(
                "{}_{plural}",
                ns.split("::").map(snake_case).collect::<Vec<_>>().join("_")
            )
        });
        let others = [Some(snake_case(short)), prefixed];
        if !self.named.contains(&plural) {
            if let Some(t) = others.into_iter().flatten().find(|t| self.named.contains(t)) {
                return t;
            }
        }
        plural
    }
}

/// The model a relation starts from: `Vote` in `Vote.where(vote: 0).delete_all`.
pub(super) fn receiver_model(line: &str) -> Option<String> {
    static MODEL: OnceLock<Regex> = OnceLock::new();
    let model = re(&MODEL, r"^\s*([A-Z][\w:]*)\s*[.(]");
    model.captures(line).map(|c| c[1].to_string())
}

/// The model of a relation a loop's receiver holds: `editions.find_each` after `editions =
/// Edition.where(…)` in the same method.
pub(super) fn model_of_local(lines: &[&str], at: usize) -> Option<String> {
    static LOCAL: OnceLock<Regex> = OnceLock::new();
    let local = re(&LOCAL, r"^\s*([a-z_]\w*)\s*\.");
    let name = local.captures(lines[at])?[1].to_string();
    let assigned = format!("{name} =");
    lines[..at]
        .iter()
        .rev()
        .take_while(|l| !l.trim_start().starts_with("def "))
        .find_map(|l| receiver_model(l.trim_start().strip_prefix(&assigned)?))
}

/// `StoryText` → `story_text`.
fn snake_case(model: &str) -> String {
    let mut snake = String::new();
    for (i, c) in model.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            snake.push('_');
        }
        snake.extend(c.to_lowercase());
    }
    snake
}

/// The table Rails gives a model by convention: `Domain` → `domains`, `StoryText` →
/// `story_texts`, `Category` → `categories`.
fn table_of(model: &str) -> String {
    let snake = snake_case(model.rsplit("::").next().unwrap_or(model));
    if uncountable(&snake) {
        return snake;
    }
    if let Some(stem) = snake
        .strip_suffix('y')
        .filter(|s| !s.ends_with(['a', 'e', 'i', 'o', 'u']))
    {
        format!("{stem}ies")
    } else if ["s", "x", "z", "ch", "sh"].iter().any(|e| snake.ends_with(e)) {
        format!("{snake}es")
    } else {
        format!("{snake}s")
    }
}

/// Rails' uncountable words, one name for one row and many: `EditionSeries` is `edition_series`.
fn uncountable(snake: &str) -> bool {
    ["series", "species", "news", "equipment", "information"]
        .iter()
        .any(|w| snake.ends_with(w))
}

/// The singular of a table name, the way `table_of` pluralises: `categories` → `category`,
/// `addresses` → `address`, `people` → `person`.
pub fn singular(table: &str) -> String {
    match table {
        "people" => return "person".to_string(),
        "children" => return "child".to_string(),
        _ if uncountable(table) => return table.to_string(),
        _ => {}
    }
    if let Some(stem) = table.strip_suffix("ies") {
        return format!("{stem}y");
    }
    ["sses", "uses", "xes", "zes", "ches", "shes"]
        .iter()
        .find_map(|e| table.strip_suffix(e).map(|s| format!("{s}{}", &e[..e.len() - 2])))
        .unwrap_or_else(|| table.strip_suffix('s').unwrap_or(table).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_follow_the_rails_convention() {
        assert_eq!(table_of("Domain"), "domains");
        assert_eq!(table_of("StoryText"), "story_texts");
        assert_eq!(table_of("Category"), "categories");
        assert_eq!(table_of("EditionSeries"), "edition_series");
        assert_eq!(singular("edition_series"), "edition_series");
        assert_eq!(table_of("Day"), "days");
        assert_eq!(table_of("Address"), "addresses");
        assert_eq!(table_of("Admin::Batch"), "batches");
    }
}
