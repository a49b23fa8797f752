//! `migration-removes-json-key`: keys are deleted from stored JSON.

use crate::analyzers::migration::context::{json_update, Context, JSON_KEY_REMOVERS};
use crate::analyzers::migration::ops::{Op, OpKind};
use crate::code_rule;
use crate::model::Finding;

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
    pub static REMOVES_JSON_KEY: "migration-removes-json-key", Migration, High, [Destructive, JsonReshape], gating = DataLoss;
}

pub fn check(op: &Op, kind: &OpKind, ctx: &Context) -> Vec<Finding> {
    let OpKind::Update {
        table,
        columns,
        filter,
        json,
    } = kind
    else {
        return Vec::new();
    };
    if ctx.is_new_table(table) || !json.iter().any(|j| JSON_KEY_REMOVERS.contains(&j.as_str())) {
        return Vec::new();
    }
    vec![json_update(
        &REMOVES_JSON_KEY,
        "removes JSON keys from",
        ctx,
        op,
        (table, columns, filter, json),
    )]
}

#[cfg(test)]
mod tests {
    use crate::analyzers::migration::testing::rules;

    #[test]
    fn key_removal_fires() {
        assert_eq!(
            rules("UPDATE customers SET profile = profile - 'fax';"),
            vec!["migration-removes-json-key"]
        );
        assert_eq!(
            rules("UPDATE customers SET profile = profile #- '{address,fax}';"),
            vec!["migration-removes-json-key"]
        );
        assert!(rules("UPDATE customers SET visits = visits - 1 WHERE id = 7;").is_empty());
    }
}
