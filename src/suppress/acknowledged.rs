//! Lock risks a migration acknowledges in its own text (Rails `safety_assured do … end`, SQL
//! `-- safety-assured:start` … `-- safety-assured:end`): a finding inside whose only concern is
//! locking is waived there. Data and contract risks inside such a block stay.

use crate::analyzers::migration::acknowledged;
use crate::diff::ChangeSet;
use crate::model::{FileKind, Finding, Suppression, Tag};

/// Marks the lock-only findings of each migration inside its acknowledged blocks.
pub fn apply(change: &ChangeSet, findings: &mut [Finding]) {
    for file in &change.files {
        let FileKind::Migration { format, .. } = file.kind else {
            continue;
        };
        let Some(text) = file.new_text.get() else { continue };
        let blocks = acknowledged(format, text);
        if blocks.is_empty() {
            continue;
        }
        for f in findings
            .iter_mut()
            .filter(|f| f.file.as_deref() == Some(file.path.as_str()) && f.suppressed.is_none())
        {
            let inside = f
                .line
                .is_some_and(|l| blocks.iter().any(|(a, b)| (*a..=*b).contains(&l)));
            if inside && f.tags.iter().all(|t| *t == Tag::Locking) {
                f.suppressed = Some(Suppression {
                    reason: "safety assured: the migration acknowledges the lock risk".to_string(),
                    source: format!("inline:{}:{}", file.path, f.line.unwrap_or(0)),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::analyzers::migration::testing::change_of;

    #[test]
    fn lock_only_findings_inside_the_block_are_acknowledged() {
        let text = "-- safety-assured:start\n-- small table, measured\nCREATE INDEX i ON orders (id);\nALTER TABLE orders ALTER COLUMN customer_id SET NOT NULL;\n-- safety-assured:end\nCREATE INDEX j ON orders (x);\n";
        let change = change_of(&[("db/migrations/1.sql", text)]);
        let mut found = crate::analyzers::migration::analyze(&change);
        super::apply(&change, &mut found);
        let got: Vec<_> = found
            .iter()
            .map(|f| (f.rule.as_str(), f.line.unwrap(), f.suppressed.is_some()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("migration-creates-index-without-concurrently", 3, true),
                ("migration-sets-not-null", 4, false),
                ("migration-creates-index-without-concurrently", 6, false),
            ],
            "lock-only findings inside the block are acknowledged; data and contract risks stay"
        );
    }

    #[test]
    fn rails_safety_assured_blocks_too() {
        let text = "class AddIndex < ActiveRecord::Migration[7.0]\n  def change\n    safety_assured do\n      add_index :orders, :customer_id\n    end\n    add_index :orders, :created_at\n  end\nend\n";
        let change = change_of(&[("db/migrate/20240101000000_add_index.rb", text)]);
        let mut found = crate::analyzers::migration::analyze(&change);
        super::apply(&change, &mut found);
        let got: Vec<_> = found
            .iter()
            .map(|f| (f.line.unwrap(), f.suppressed.is_some()))
            .collect();
        assert_eq!(got, vec![(4, true), (6, false)]);
    }
}
