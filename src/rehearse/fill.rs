//! Synthetic rows for every table of the base, generated in the database from each column's
//! type, nullability, default and foreign key: one `INSERT … SELECT … FROM generate_series`
//! per table, parents before children. Every column gets a value (NULLs would hide what a
//! dropped or rewritten column loses); values are distinct per row so that keys hold.

use super::catalog::{quote, USER_SCHEMAS};
use super::database::db_message;
use super::{display_table, TableFill};
use anyhow::{anyhow, Result};
use postgres::Client;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone)]
struct Col {
    name: String,
    type_name: String,
    /// The base type's name for domains, else `type_name`.
    base: String,
    category: String,
    element_category: Option<String>,
    not_null: bool,
    default: Option<String>,
    identity: String,
    generated: String,
}

#[derive(Debug, Clone, Default)]
struct Tbl {
    quoted: String,
    columns: Vec<Col>,
    /// column → (referenced table, the same quoted, referenced column)
    references: BTreeMap<String, (String, String, String)>,
}

/// Fills every table; returns the rows each got and why one got none.
pub fn fill(
    client: &mut Client,
    rows_for: &dyn Fn(&str) -> u64,
    documents: &BTreeMap<String, Vec<String>>,
) -> Result<Vec<TableFill>> {
    let mut tables = read_tables(client)?;
    let order = parents_first(&tables);
    let mut out = Vec::new();
    for (index, name) in order.into_iter().enumerate() {
        let Some(table) = tables.remove(&name) else { continue };
        let rows = rows_for(&name);
        let mut problem = None;
        let mut filled = 0;
        if rows > 0 {
            // Then without the optional columns, whose checks synthetic values may not meet.
            for keep_optional in [true, false] {
                let sql = insert(&name, &table, index, rows, keep_optional, documents);
                match client.execute(sql.as_str(), &[]) {
                    Ok(n) => {
                        filled = n;
                        problem = None;
                        break;
                    }
                    Err(e) => problem = Some(format!("not filled: {}", db_message(&e))),
                }
            }
        }
        out.push(TableFill {
            table: name,
            rows: filled,
            problem,
        });
    }
    Ok(out)
}

fn read_tables(client: &mut Client) -> Result<BTreeMap<String, Tbl>> {
    let rows = client
        .query(
            &format!(
                "SELECT n.nspname::text, c.relname::text, a.attname::text, pg_catalog.format_type(a.atttypid, a.atttypmod),
                        CASE WHEN t.typtype = 'd' THEN pg_catalog.format_type(t.typbasetype, t.typtypmod) ELSE pg_catalog.format_type(a.atttypid, a.atttypmod) END,
                        coalesce(bt.typcategory, t.typcategory)::text, et.typcategory::text,
                        a.attnotnull, pg_catalog.pg_get_expr(d.adbin, d.adrelid), a.attidentity::text, a.attgenerated::text
                 FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                 JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
                 LEFT JOIN pg_catalog.pg_type bt ON t.typtype = 'd' AND bt.oid = t.typbasetype
                 LEFT JOIN pg_catalog.pg_type et ON et.oid = coalesce(bt.typelem, t.typelem) AND coalesce(bt.typelem, t.typelem) <> 0
                 LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                 WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND a.attnum > 0 AND NOT a.attisdropped AND {USER_SCHEMAS}
                 ORDER BY 1, 2, a.attnum"
            ),
            &[],
        )
        .map_err(|e| anyhow!("cannot read the tables to fill: {}", db_message(&e)))?;
    let mut tables: BTreeMap<String, Tbl> = BTreeMap::new();
    for r in rows {
        let (schema, name): (String, String) = (r.get(0), r.get(1));
        let table = tables.entry(display_table(&schema, &name)).or_insert_with(|| Tbl {
            quoted: format!("{}.{}", quote(&schema), quote(&name)),
            ..Tbl::default()
        });
        table.columns.push(Col {
            name: r.get(2),
            type_name: r.get(3),
            base: r.get(4),
            category: r.get(5),
            element_category: r.get(6),
            not_null: r.get(7),
            default: r.get(8),
            identity: r.get(9),
            generated: r.get(10),
        });
    }
    let fks = client
        .query(
            &format!(
                "SELECT n.nspname::text, c.relname::text, a.attname::text, fn.nspname::text, f.relname::text, fa.attname::text
                 FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_class c ON c.oid = k.conrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                 JOIN pg_catalog.pg_class f ON f.oid = k.confrelid JOIN pg_catalog.pg_namespace fn ON fn.oid = f.relnamespace
                 CROSS JOIN LATERAL unnest(k.conkey, k.confkey) AS u(ck, fk)
                 JOIN pg_catalog.pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.ck
                 JOIN pg_catalog.pg_attribute fa ON fa.attrelid = k.confrelid AND fa.attnum = u.fk
                 WHERE k.contype = 'f' AND {USER_SCHEMAS}"
            ),
            &[],
        )
        .map_err(|e| anyhow!("cannot read the foreign keys: {}", db_message(&e)))?;
    for r in fks {
        let from = display_table(&r.get::<_, String>(0), &r.get::<_, String>(1));
        let (to_schema, to_name): (String, String) = (r.get(3), r.get(4));
        let to = display_table(&to_schema, &to_name);
        let quoted_to = format!("{}.{}", quote(&to_schema), quote(&to_name));
        if let Some(t) = tables.get_mut(&from) {
            t.references.insert(r.get(2), (to, quoted_to, r.get(5)));
        }
    }
    Ok(tables)
}

/// Tables in an order where each comes after the tables it references (cycles broken by name).
fn parents_first(tables: &BTreeMap<String, Tbl>) -> Vec<String> {
    let mut done: Vec<String> = Vec::new();
    let mut left: BTreeSet<&String> = tables.keys().collect();
    while !left.is_empty() {
        let ready: Vec<&String> = left
            .iter()
            .filter(|name| {
                tables[name.as_str()]
                    .references
                    .values()
                    .all(|(to, _, _)| to == name.as_str() || !left.contains(to) || !tables.contains_key(to))
            })
            .copied()
            .collect();
        let next = if ready.is_empty() {
            vec![*left.iter().next().expect("left is not empty")]
        } else {
            ready
        };
        for name in next {
            left.remove(name);
            done.push(name.clone());
        }
    }
    done
}

/// The `INSERT … SELECT` for one table.
fn insert(
    name: &str,
    table: &Tbl,
    index: usize,
    rows: u64,
    keep_optional: bool,
    documents: &BTreeMap<String, Vec<String>>,
) -> String {
    let mut columns = Vec::new();
    let mut values = Vec::new();
    let mut joins = Vec::new();
    for col in &table.columns {
        let sequence = col.default.as_deref().is_some_and(|d| d.contains("nextval("));
        if col.generated == "s" || !col.identity.is_empty() || sequence {
            continue;
        }
        if !keep_optional && !col.not_null {
            continue;
        }
        let expr = match table.references.get(&col.name) {
            Some((to, _, _)) if to == name => {
                if col.not_null {
                    continue;
                }
                "NULL".to_string()
            }
            Some((_, quoted_to, to_col)) => {
                let alias = format!("ref{}", joins.len());
                joins.push(format!(
                    "LEFT JOIN (SELECT x.{c} AS v, pg_catalog.row_number() OVER (ORDER BY x.{c}) AS rn FROM {quoted_to} x) AS {alias} ON {alias}.rn = 1 + (g - 1) % (SELECT greatest(pg_catalog.count(*), 1) FROM {quoted_to})",
                    c = quote(to_col)
                ));
                format!("{alias}.v")
            }
            None if documents.contains_key(&format!("{name}.{}", col.name)) => {
                let docs = &documents[&format!("{name}.{}", col.name)];
                // Dollar quotes read the same whatever standard_conforming_strings says.
                let literals: Vec<String> = docs
                    .iter()
                    .filter(|d| !d.contains("$riskgate_doc$"))
                    .map(|d| format!("$riskgate_doc${d}$riskgate_doc$"))
                    .collect();
                format!(
                    "(ARRAY[{}])[1 + g % {}]::{}",
                    literals.join(", "),
                    docs.len(),
                    col.type_name
                )
            }
            None => match value(col, index) {
                Some(v) => v,
                None if col.not_null && col.default.is_none() => "NULL".to_string(),
                None => continue,
            },
        };
        columns.push(quote(&col.name));
        values.push(expr);
    }
    if columns.is_empty() {
        return format!(
            "INSERT INTO {} SELECT FROM pg_catalog.generate_series(1, {rows}) AS g",
            table.quoted
        );
    }
    format!(
        "INSERT INTO {} ({}) SELECT {} FROM pg_catalog.generate_series(1, {rows}) AS g {}",
        table.quoted,
        columns.join(", "),
        values.join(", "),
        joins.join(" ")
    )
}

/// A distinct value per row `g`, cast to the column's type; `None` when no value is known.
/// Text and integers also differ from table to table (`index`), so that a copy of a column is
/// told apart from a same-named column of another table.
fn value(col: &Col, index: usize) -> Option<String> {
    let t = &col.type_name;
    let base = col.base.as_str();
    let bare = base.split('(').next().unwrap_or(base).trim();
    // `k` sets this table's values apart from every other table's.
    let k = format!("'{index}:' || g");
    Some(match col.category.as_str() {
        "N" if bare == "smallint" => format!("(g % 32767)::{t}"),
        "N" if bare == "numeric" && base.contains('(') => format!("(g % 10)::{t}"),
        "N" if bare == "integer" || bare == "bigint" => format!("(g + {})::{t}", index * 1_000_000),
        "N" => format!("g::{t}"),
        // Each column its own values, so that a copy is told apart from a sibling column.
        "S" => format!("('{}{index}_' || g)::{t}", prefix(&col.name)),
        // Two values, in a proportion of the table's own.
        "B" => format!("(g % {} = 0)", index + 2),
        "D" if bare == "date" => format!("(date '2024-01-01' + g + {index})::{t}"),
        "D" => format!("(timestamp '2024-01-01' + g * interval '1 minute' + {index} * interval '1 second')::{t}"),
        "T" => format!("(g * interval '1 second' + {index} * interval '1 millisecond')::{t}"),
        "E" => format!(
            "(pg_catalog.enum_range(NULL::{t}))[1 + (g + {index}) % pg_catalog.cardinality(pg_catalog.enum_range(NULL::{t}))]"
        ),
        "I" => format!("('10.' || {index} % 256 || '.' || (g / 256) % 256 || '.' || g % 256)::{t}"),
        "U" if bare == "uuid" => format!("pg_catalog.md5({k})::{t}"),
        "U" if bare == "json" || bare == "jsonb" => format!(
            "pg_catalog.json_build_object('id', {k}, 'name', '{}' || g, 'tags', pg_catalog.json_build_array('a', 'b'))::{t}",
            prefix(&col.name)
        ),
        "U" if bare == "bytea" => format!("pg_catalog.decode(pg_catalog.md5({k}), 'hex')::{t}"),
        "A" => match col.element_category.as_deref() {
            Some("N") => format!("ARRAY[g + {}]::{t}", index * 1_000_000),
            Some("S") => format!("ARRAY['{}{index}_' || g]::{t}", prefix(&col.name)),
            _ => format!("'{{}}'::{t}"),
        },
        _ => return None,
    })
}

/// Up to three letters of a column's name, safe inside a SQL literal.
fn prefix(name: &str) -> String {
    let p: String = name.chars().filter(char::is_ascii_alphanumeric).take(3).collect();
    if p.is_empty() {
        "v".into()
    } else {
        p.to_ascii_lowercase()
    }
}
