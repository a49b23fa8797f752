//! What the database holds, read from its catalog: tables, columns, constraints, indexes, a
//! checksum of every column's values, and where each table's storage lives.

use super::database::db_message;
use super::display_table;
use anyhow::{anyhow, Result};
use postgres::{Client, GenericClient};
use std::collections::{BTreeMap, BTreeSet};

/// The schemas a rehearsal looks at: everything but PostgreSQL's own.
pub const USER_SCHEMAS: &str = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'";

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    pub tables: BTreeMap<String, Table>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    /// `"schema"."name"`, for queries.
    pub quoted: String,
    pub rows: u64,
    pub columns: BTreeMap<String, Column>,
    pub constraints: BTreeSet<String>,
    pub indexes: BTreeSet<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Column {
    pub type_name: String,
    pub not_null: bool,
    pub default: Option<String>,
    /// Values that are not NULL, and how many of them are distinct.
    pub values: u64,
    pub distinct: u64,
    /// md5 of the sorted text of every value: equal when the same values are there, in any order.
    pub checksum: String,
    /// A time column whose every value is within a day of now: stamped by the clock (a
    /// trigger's `updated_at`, a default), not data the rehearsal's rows held.
    pub clock: bool,
}

pub fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

fn err(what: &str) -> impl Fn(postgres::Error) -> anyhow::Error + '_ {
    move |e| anyhow!("cannot read {what}: {}", db_message(&e))
}

/// The whole catalog and a checksum per column.
pub fn snapshot(client: &mut Client) -> Result<Snapshot> {
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    let columns = client
        .query(
            &format!(
                "SELECT n.nspname::text, c.relname::text, a.attname::text, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_catalog.pg_get_expr(d.adbin, d.adrelid)
                 FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                 LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                 WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped AND {USER_SCHEMAS}
                 ORDER BY 1, 2, a.attnum"
            ),
            &[],
        )
        .map_err(err("the columns"))?;
    for row in columns {
        let (schema, name): (String, String) = (row.get(0), row.get(1));
        let table = tables.entry(display_table(&schema, &name)).or_insert_with(|| Table {
            quoted: format!("{}.{}", quote(&schema), quote(&name)),
            ..Table::default()
        });
        table.columns.insert(
            row.get(2),
            Column {
                type_name: row.get(3),
                not_null: row.get(4),
                default: row.get::<_, Option<String>>(5).map(|d| same_default(&d)),
                ..Column::default()
            },
        );
    }
    // (what, the definition's expression, the catalog it comes from joined to its table, the
    // table's set it goes to)
    type Into = fn(&mut Table) -> &mut BTreeSet<String>;
    let definitions: [(&str, &str, &str, Into); 2] = [
        (
            "the constraints",
            "k.conname::text || ' ' || pg_catalog.pg_get_constraintdef(k.oid)",
            "pg_catalog.pg_constraint k JOIN pg_catalog.pg_class c ON c.oid = k.conrelid",
            |t| &mut t.constraints,
        ),
        (
            "the indexes",
            "pg_catalog.pg_get_indexdef(i.indexrelid)",
            "pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indrelid",
            |t| &mut t.indexes,
        ),
    ];
    for (what, definition, from, into) in definitions {
        let rows = client
            .query(
                &format!(
                    "SELECT n.nspname::text, c.relname::text, {definition}
                     FROM {from} JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                     WHERE {USER_SCHEMAS}"
                ),
                &[],
            )
            .map_err(err(what))?;
        for row in rows {
            if let Some(t) = tables.get_mut(&display_table(&row.get::<_, String>(0), &row.get::<_, String>(1))) {
                into(t).insert(row.get(2));
            }
        }
    }
    for table in tables.values_mut() {
        checksums(client, table)?;
    }
    Ok(Snapshot { tables })
}

/// One query per table: the row count, and per column the count of values and their checksum
/// (and, for a time column, whether every value is within a day of now: stamped by the clock).
fn checksums(client: &mut Client, table: &mut Table) -> Result<()> {
    let names: Vec<String> = table.columns.keys().cloned().collect();
    let mut select = vec!["pg_catalog.count(*)".to_string()];
    for name in &names {
        let q = quote(name);
        let v = format!("coalesce({q}::pg_catalog.text, E'\\\\N')");
        select.push(format!("pg_catalog.count({q})"));
        select.push(format!("pg_catalog.count(DISTINCT {q}::pg_catalog.text)"));
        select.push(format!(
            "pg_catalog.md5(coalesce(pg_catalog.string_agg({v}, E'\\x1f' ORDER BY {v}), ''))"
        ));
        let timed = table.columns[name].type_name.starts_with("timestamp") || table.columns[name].type_name == "date";
        select.push(if timed {
            format!("coalesce(pg_catalog.bool_and({q} >= pg_catalog.now() - interval '1 day'), false)")
        } else {
            "false".to_string()
        });
    }
    let sql = format!("SELECT {} FROM {}", select.join(", "), table.quoted);
    let row = client.query_one(&sql, &[]).map_err(err("a table's values"))?;
    table.rows = row.get::<_, i64>(0) as u64;
    for (i, name) in names.iter().enumerate() {
        if let Some(c) = table.columns.get_mut(name) {
            c.values = row.get::<_, i64>(1 + 4 * i) as u64;
            c.distinct = row.get::<_, i64>(2 + 4 * i) as u64;
            c.checksum = row.get(3 + 4 * i);
            c.clock = row.get(4 + 4 * i);
        }
    }
    Ok(())
}

/// A table's storage file, and its names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Storage {
    pub table: String,
    pub quoted: String,
    pub node: u32,
}

/// Each table's storage file, by table oid: a new one after a statement means a rewrite (or a
/// truncation).
pub fn storage(client: &mut impl GenericClient) -> Result<BTreeMap<u32, Storage>> {
    let rows = client
        .query(
            &format!(
                "SELECT c.oid, n.nspname::pg_catalog.text, c.relname::pg_catalog.text, c.relfilenode FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                 WHERE c.relkind IN ('r', 'm') AND {USER_SCHEMAS}"
            ),
            &[],
        )
        .map_err(err("the tables' storage"))?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let (schema, name): (String, String) = (r.get(1), r.get(2));
            let storage = Storage {
                table: display_table(&schema, &name),
                quoted: format!("{}.{}", quote(&schema), quote(&name)),
                node: r.get(3),
            };
            (r.get::<_, u32>(0), storage)
        })
        .collect())
}

/// Whether a table holds no rows, as the connection sees it.
pub fn is_empty(client: &mut impl GenericClient, quoted: &str) -> Result<bool> {
    let row = client
        .query_one(&format!("SELECT NOT EXISTS (SELECT 1 FROM {quoted})"), &[])
        .map_err(err("a table's rows"))?;
    Ok(row.get(0))
}

/// The table locks a backend holds now: (table, mode).
pub fn locks_of(observer: &mut Client, pid: i32) -> Result<Vec<(String, String)>> {
    let rows = observer
        .query(
            &format!(
                "SELECT n.nspname::text, c.relname::text, l.mode FROM pg_catalog.pg_locks l
                 JOIN pg_catalog.pg_class c ON c.oid = l.relation JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                 WHERE l.pid = $1 AND l.locktype = 'relation' AND l.granted AND c.relkind IN ('r', 'p', 'm') AND {USER_SCHEMAS}"
            ),
            &[&pid],
        )
        .map_err(err("the locks"))?;
    Ok(rows
        .into_iter()
        .map(|r| (display_table(&r.get::<_, String>(0), &r.get::<_, String>(1)), r.get(2)))
        .collect())
}

/// Lock modes that make writers wait (and, for the last, readers too).
pub fn blocks_writes(mode: &str) -> bool {
    matches!(
        mode,
        "ShareLock" | "ShareRowExclusiveLock" | "ExclusiveLock" | "AccessExclusiveLock"
    )
}

pub fn blocks_reads(mode: &str) -> bool {
    mode == "AccessExclusiveLock"
}

/// A mode's strength, to keep the strongest per table.
pub fn strength(mode: &str) -> u8 {
    match mode {
        "AccessShareLock" => 1,
        "RowShareLock" => 2,
        "RowExclusiveLock" => 3,
        "ShareUpdateExclusiveLock" => 4,
        "ShareLock" => 5,
        "ShareRowExclusiveLock" => 6,
        "ExclusiveLock" => 7,
        "AccessExclusiveLock" => 8,
        _ => 0,
    }
}

/// Sequential scans per table in the current transaction, from the migration's own connection.
pub fn scans(client: &mut impl GenericClient) -> Result<BTreeMap<String, i64>> {
    let rows = client
        .query(
            "SELECT schemaname::pg_catalog.text, relname::pg_catalog.text, seq_scan FROM pg_catalog.pg_stat_xact_user_tables",
            &[],
        )
        .map_err(err("the scans"))?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                display_table(&r.get::<_, String>(0), &r.get::<_, String>(1)),
                r.get::<_, i64>(2),
            )
        })
        .collect())
}

/// Spellings PostgreSQL keeps apart for one and the same default.
fn same_default(default: &str) -> String {
    match default {
        "CURRENT_TIMESTAMP" | "transaction_timestamp()" => "now()".to_string(),
        _ => default.to_string(),
    }
}
