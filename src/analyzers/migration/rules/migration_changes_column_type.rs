//! `migration-changes-column-type`: a stored column changes type.

use crate::analyzers::migration::context::{finding, Context};
use crate::analyzers::migration::ops::{Op, OpKind};
use crate::analyzers::migration::schema_state::integer_width;
use crate::code_rule;
use crate::config::Dialect;
use crate::model::Finding;

code_rule! {
    /// ## What it does
    /// Finds a column type change on an existing table (`ALTER COLUMN … TYPE`, MySQL `MODIFY`/
    /// `CHANGE`, Rails `change_column`, Django `AlterField`, Alembic `type_=`; a column made
    /// `json[]` is one). With `USING` it is
    /// also a data rewrite; to a narrower-looking type (`varchar(n)`, `smallint`, `integer`,
    /// `numeric(p,s)`) it is also breaking. It is `high` and gates (broken contract) when the
    /// statement changes the type (`ALTER COLUMN … TYPE`), or when the schema file the change
    /// updates (Rails `db/schema.rb`, Diesel `schema.rs`) or the app's earlier Django migrations
    /// show the type changing. It stays a `medium` hint where the statement restates the whole
    /// column whether or not its type changed (MySQL `MODIFY`/`CHANGE`, Rails `change_column`,
    /// Django `AlterField`) and nothing says, and for a widening of a text column to `text`, an
    /// unbounded `varchar` or `citext` without `USING`: nothing is lost and old code reads it as
    /// before; only the way back may not fit what was written meanwhile (the plan's business).
    /// An integer made wider (the schema file or earlier migrations show the old width) is a
    /// `medium` lock hint too, unless the project decodes rows into fixed Rust types (Diesel,
    /// sqlx, SeaORM): their old binaries cannot read the new width, so it stays `high`.
    ///
    /// ## Why is this risky?
    /// Most type changes rewrite the whole table under an exclusive lock (MySQL copies it), the
    /// code still running reads and writes the old type (a Diesel `i32` cannot read a
    /// `bigint`), a narrower type rejects values old code still writes, and the way back is
    /// another conversion that may not fit the data written meanwhile.
    ///
    /// ## Example
    /// ```sql
    /// ALTER TABLE orders ALTER COLUMN total TYPE numeric(10,2) USING total::numeric;
    /// ```
    ///
    /// ## How to roll back
    /// Add a new column, backfill in batches, switch reads, then drop the old one (expand and
    /// contract).
    pub static CHANGES_COLUMN_TYPE: "migration-changes-column-type", Migration, Medium, [Locking], gating = None;
}

/// The length limit of a bounded text type: `varchar(255)`, `character varying(40)`,
/// `char(36)`, Django's `varchar(max_length=200)`.
fn text_limit(type_name: &str) -> Option<u32> {
    let t = type_name.to_lowercase().replace(' ', "");
    let rest = [
        "varchar(max_length=",
        "varchar(",
        "charactervarying(",
        "char(",
        "character(",
    ]
    .iter()
    .find_map(|p| t.strip_prefix(p))?;
    rest.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
}

/// Why a schema file's old and new type hold the same values, when they do: the same text
/// type with a limit no shorter, or MySQL's `tinyint(1)` (Rails `integer limit: 1`, which only
/// MySQL's schema dumps write) called `boolean`, which MySQL stores as the same type.
fn same_values(before: &str, after: &str, postgres: bool) -> Option<String> {
    let split = |t: &str| -> (String, Option<u32>) {
        let lower = t.to_lowercase();
        let base = lower.split_whitespace().next().unwrap_or("").to_string();
        let limit = lower
            .split("limit:")
            .nth(1)
            .and_then(|r| r.trim().split(|c: char| !c.is_ascii_digit()).next()?.parse().ok());
        (base, limit)
    };
    let ((b, bl), (a, al)) = (split(before), split(after));
    let text = ["string", "text", "varchar", "char"].contains(&b.as_str());
    match (bl, al) {
        // No limit after is not "unbounded": MySQL's `string` is varchar(255).
        (Some(m), Some(n)) if b == a && text && n >= m => Some(format!(
            "widens from {} to {} characters (the schema file: {before} → {after}): nothing is rewritten or rejected; the way back may not fit values written meanwhile",
            m, n
        )),
        // PostgreSQL's dump: no limit is an unbounded `varchar`, which holds every value.
        (Some(m), None) if postgres && b == a && text => Some(format!(
            "widens from {m} characters to no limit (the schema file, PostgreSQL's: {before} → {after}): nothing is rewritten or rejected; the way back may not fit values written meanwhile"
        )),
        (Some(1), None) if b == "integer" && a == "boolean" => Some(format!(
            "is renamed from tinyint(1) to boolean, which MySQL stores as the same type (the schema file: {before} → {after})"
        )),
        _ => None,
    }
}

/// Every value of `before` fits in `after`: a wider integer of the same sign, or an unsigned
/// one for an id column (`id`, `…_id`), whose values are never negative.
fn integer_widens(before: &str, after: &str, column: &str) -> bool {
    let (Some((b, b_unsigned)), Some((a, a_unsigned))) = (integer_width(before), integer_width(after)) else {
        return false;
    };
    let id = column.eq_ignore_ascii_case("id") || column.to_lowercase().ends_with("_id");
    let sign_fits = b_unsigned == a_unsigned || (a_unsigned && id) || (b_unsigned && a > b);
    sign_fits && (a, a_unsigned) != (b, b_unsigned) && a >= b
}

/// A type that probably holds fewer values than what it replaces.
pub fn looks_narrowing(type_name: &str) -> bool {
    let t = type_name.replace(' ', "");
    t.starts_with("varchar(")
        || t.starts_with("charactervarying(")
        || t.starts_with("char(")
        || t.starts_with("numeric(")
        || t.starts_with("decimal(")
        || [
            "smallint",
            "int",
            "integer",
            "int2",
            "int4",
            "real",
            "float4",
            "tinyint",
            "mediumint",
        ]
        .contains(&t.as_str())
}

pub fn check(op: &Op, kind: &OpKind, ctx: &Context) -> Vec<Finding> {
    let OpKind::AlterColumnType {
        table,
        column,
        type_name,
        using,
    } = kind
    else {
        return Vec::new();
    };
    // Conversions to JSON are `migration-reshapes-json`'s, unless the column held no JSON text.
    if (type_name.contains("json")
        && !ctx.converts_non_json_to_json(table, column, type_name)
        && !Context::is_json_array(type_name))
        || ctx.is_new_column(table, column)
    {
        return Vec::new();
    }
    if op.statement.to_lowercase().contains("algorithm=instant")
        || op.statement.to_lowercase().contains("algorithm=inplace")
    {
        return Vec::new();
    }
    let how = if ctx.dialect == Dialect::Mysql {
        "copies the table"
    } else {
        "rewrites the table under an exclusive lock"
    };
    let mut f = finding(
        &CHANGES_COLUMN_TYPE,
        ctx,
        op,
        format!("{table}.{column} changes type to {type_name}: this {how}"),
        "expand and contract: add a new column, backfill in batches, switch reads, drop the old column later",
    );
    f.target = Some(format!("{table}.{column}"));
    if using.is_some() {
        f.tags.push(crate::model::Tag::DataRewrite);
        f.gating = Some(crate::model::GatingClass::DataRewrite);
    }
    if looks_narrowing(type_name) {
        f.tags.push(crate::model::Tag::Breaking);
        f.gating.get_or_insert(crate::model::GatingClass::BrokenContract);
        f.message.push_str("; the new type may reject values old code writes");
    } else if type_name.trim().eq_ignore_ascii_case("date") {
        // A timestamp cast to a date keeps the day and drops the time: no way back.
        f.tags.push(crate::model::Tag::Breaking);
        f.tags.push(crate::model::Tag::DataRewrite);
        f.gating = Some(crate::model::GatingClass::DataRewrite);
        f.message
            .push_str("; a time stored in it is cut to its day, and the way back cannot restore it");
    }
    // MySQL `MODIFY`/`CHANGE` and Rails `change_column` restate the whole column (type,
    // null, default, collation): whether the type changed is not known from this file.
    let evidence = op.statement.to_uppercase();
    let key = (table.to_lowercase(), column.to_lowercase());
    // Django's earlier migrations say what the field was: then it is not a mere restatement.
    let earlier = ctx.earlier_retyped.get(&key);
    let restated = (ctx.restates_fields && earlier.is_none())
        || evidence.contains(" MODIFY ")
        || evidence.contains(" CHANGE ")
        || evidence.contains("CHANGE_COLUMN");
    // The schema file the change updates (or the app's earlier migrations) say what it was.
    let schema = ctx.schema_retyped.get(&key).or(earlier);
    // To `text` or an unbounded `varchar`: a widening that PostgreSQL does in place, when what
    // it was is text too (or not known).
    let lower = type_name.to_lowercase();
    // `TEXT COLLATE "C"`: the collation is no part of the type.
    let (t, collation) = match lower.split_once(" collate ") {
        Some((t, c)) => (t.trim(), Some(c.trim())),
        None => (lower.as_str(), None),
    };
    let to_text = ["text", "varchar", "character varying", "citext"].contains(&t)
        || earlier.is_some_and(|(before, after)| before.starts_with("varchar") && after == "text");
    let from_text = schema.is_none_or(|(before, _)| {
        let b = before.to_lowercase();
        ["char", "text", "string"].iter().any(|k| b.contains(k))
    });
    let widening = to_text && from_text;
    if widening && !restated {
        f.message = match collation {
            Some(c) => format!(
                "{table}.{column} is set to {t} with collation {c}: a text column that stays text is not rewritten in PostgreSQL, but its indexes are rebuilt under a lock, and comparisons and sort order follow the new collation"
            ),
            None => format!(
                "{table}.{column} changes type to {type_name}: a widening that rewrites nothing in PostgreSQL, but the way back may not fit the longer values written meanwhile"
            ),
        };
    }
    if let Some((before, after)) = earlier {
        f.message.push_str(&if ctx.retyped_by_base_schema {
            format!(" (the schema file before the change: {before}; this statement: {after})")
        } else {
            format!(" (the app's earlier migrations: {before} → {after})")
        });
    } else if let Some((before, after)) = schema {
        f.message.push_str(&format!(" (the schema file: {before} → {after})"));
    } else if ctx.schema_known.contains_key(&key) && using.is_some() {
        f.message = format!(
            "{table}.{column} is converted to {type_name} USING an expression, and the schema file shows the same type name: a type recreated under its old name (an enum with other values) converts every row, and a value the new type lacks fails the migration"
        );
    } else if ctx.schema_known.contains_key(&key) {
        f.message = format!(
            "{table}.{column} is restated as {type_name}; the schema file shows its type unchanged, so this is about null, default or collation"
        );
    }
    // The schema file knows the column and shows no type change: the statement restates it.
    let restated = (restated || ctx.schema_known.contains_key(&key)) && schema.is_none();
    // A widening to an unbounded text type loses nothing and old code reads it as before:
    // a hint for the plan (the way back may not fit), not a reason to hold the change.
    if widening && using.is_none() {
        return vec![f];
    }
    // A bounded text type: only the old length says whether it widens or narrows.
    if let (Some(n), None) = (text_limit(type_name), using) {
        let before = schema.and_then(|(before, _)| text_limit(before));
        if schema.is_none() || before.is_some_and(|m| n >= m) {
            f.message = match before {
                Some(m) if m == n => format!(
                    "{table}.{column} is set to {type_name}, the length the schema file shows before the change: nothing is rewritten or rejected"
                ),
                Some(m) => format!("{table}.{column} widens from {m} to {n} characters: PostgreSQL rewrites nothing and rejects nothing; the way back may not fit the longer values written meanwhile"),
                None => format!("{table}.{column} changes type to {type_name}, and the change does not show its old type: a longer limit rewrites and rejects nothing, a shorter one rejects longer values (check the old length)"),
            };
            f.tags.retain(|t| *t != crate::model::Tag::Breaking);
            f.gating = None;
            return vec![f];
        }
    }
    // The schema file shows the same kind of text with a longer limit (Rails `string limit:
    // 200` → `limit: 256`), or MySQL's `tinyint(1)` named `boolean`: nothing is rejected.
    if let (Some((before, after)), None) = (schema, using) {
        // The statement itself sets no limit: the schema file's "no limit" is its own doing.
        let unbounded_here = ctx.schema_postgres && !op.statement.to_lowercase().contains("limit:");
        if let Some(why) = same_values(before, after, unbounded_here) {
            f.message = format!("{table}.{column} {why}");
            f.tags.retain(|t| *t != crate::model::Tag::Breaking);
            f.gating = None;
            return vec![f];
        }
    }
    // A wider integer keeps every value. Code in a language that reads any integer reads it
    // as before; a Rust row type built for the old width cannot decode the new one.
    let statement_width = integer_width(type_name).map(|(w, _)| w);
    if let (Some((before, after)), None) = (schema, using) {
        // A down file retypes back: the schema file's direction is not this statement's. Rails
        // states the width in options (`:integer, limit: 8`): there the schema file decides.
        let widens = integer_widens(before, after, column)
            && (!op.sql || statement_width == integer_width(after).map(|(w, _)| w));
        if widens && !ctx.typed_rows {
            f.message = format!(
                "{table}.{column} widens from {before} to {after}: every value fits and code that reads it as an integer reads it as before; the statement {how} (a long one on a big table)"
            );
            f.tags.retain(|t| *t != crate::model::Tag::Breaking);
            f.gating = None;
            return vec![f];
        }
        if widens {
            f.message = format!(
                "{table}.{column} widens from {before} to {after}: every value fits, but code built for the old type cannot decode the new one (a Rust `i32` does not read an `int8`), so the binary running during the deploy, or rolled back to, fails on it; the statement {how}"
            );
        }
    }
    if !restated {
        // A stored column changes type: the code still running reads and writes the old
        // one, and the way back is another conversion that may not fit the data.
        f.severity = crate::model::Severity::High;
        f.gating.get_or_insert(crate::model::GatingClass::BrokenContract);
        if !f.tags.contains(&crate::model::Tag::Breaking) {
            f.tags.push(crate::model::Tag::Breaking);
        }
    }
    vec![f]
}

#[cfg(test)]
mod tests {
    use crate::analyzers::migration::testing::{rules, run};

    #[test]
    fn a_string_limit_dropped_widens_only_on_postgresql() {
        let (before, after) = ("string limit: 255, null: false", "string null: false");
        assert!(super::same_values(before, after, true)
            .is_some_and(|w| w.starts_with("widens from 255 characters to no limit")));
        // MySQL's `string` with no limit is varchar(255): the schema file does not say more.
        assert_eq!(super::same_values(before, after, false), None);
        assert_eq!(super::same_values("integer limit: 8", "integer", true), None);
    }

    #[test]
    fn to_date_cuts_the_time_of_day() {
        let f = run(&[(
            "db/migrations/1.sql",
            "ALTER TABLE events ALTER COLUMN happened_at TYPE date;",
        )])
        .remove(0);
        assert_eq!(f.rule, "migration-changes-column-type");
        assert_eq!(f.gating, Some(crate::model::GatingClass::DataRewrite));
        assert!(
            f.message
                .ends_with("; a time stored in it is cut to its day, and the way back cannot restore it"),
            "{}",
            f.message
        );
    }

    #[test]
    fn integer_widths() {
        use super::integer_widens;
        assert!(integer_widens("integer", "bigint", "score"));
        assert!(integer_widens("Int4", "BigInt", "size"));
        assert!(integer_widens("integer", "bigint unsigned: true", "user_id"));
        assert!(integer_widens("integer limit: 2", "integer", "rank"));
        assert!(
            !integer_widens("integer", "bigint unsigned: true", "balance"),
            "negatives do not fit"
        );
        assert!(!integer_widens("bigint", "integer", "score"), "narrowing");
        assert!(
            !integer_widens("integer limit: 8", "integer", "score"),
            "Rails bigint to int"
        );
        assert!(!integer_widens("bigint", "bigint", "score"), "the same type");
        assert!(!integer_widens("boolean", "bigint", "flag"), "another kind");
    }

    #[test]
    fn a_retype_with_using_rewrites_data_and_may_narrow() {
        let f = run(&[(
            "db/migrations/1.sql",
            "ALTER TABLE orders ALTER COLUMN total TYPE numeric(10,2) USING total::numeric;",
        )])
        .remove(0);
        assert_eq!(f.rule, "migration-changes-column-type");
        assert_eq!(f.tags, vec!["locking", "data-rewrite", "breaking"]);
        assert_eq!(f.gating, Some(crate::model::GatingClass::DataRewrite));
    }

    /// memos' `ALTER COLUMN username TYPE TEXT COLLATE "C"`: the type stays text, the collation
    /// changes; a medium note, not a retype. Control: a column made `bigint` is a retype.
    #[test]
    fn a_collation_set_on_text_is_no_type_change() {
        let f = run(&[(
            "store/migration/postgres/0.30/01__case_sensitive_username.sql",
            "ALTER TABLE \"user\"\n  ALTER COLUMN username TYPE TEXT COLLATE \"C\";",
        )])
        .remove(0);
        assert_eq!(f.rule, "migration-changes-column-type");
        assert_eq!(f.severity, crate::model::Severity::Medium, "{}", f.message);
        assert!(
            f.message
                .starts_with("user.username is set to text with collation \"c\""),
            "{}",
            f.message
        );
        let f = run(&[(
            "db/migrations/2.sql",
            "ALTER TABLE users ALTER COLUMN code TYPE bigint;",
        )])
        .remove(0);
        assert_eq!(f.severity, crate::model::Severity::High, "{}", f.message);
    }

    #[test]
    fn new_columns_and_json_targets_are_other_rules() {
        assert!(rules(
            "ALTER TABLE orders ADD COLUMN note text;\nALTER TABLE orders ALTER COLUMN note TYPE varchar(20);"
        )
        .is_empty());
        assert_eq!(
            rules("ALTER TABLE events ALTER COLUMN payload TYPE jsonb USING payload::jsonb;"),
            vec!["migration-reshapes-json"]
        );
    }
}
