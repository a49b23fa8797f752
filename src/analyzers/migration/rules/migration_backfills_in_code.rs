//! `migration-backfills-in-code`: a migration changes data from application code.

use crate::analyzers::migration::context::{finding, Context};
use crate::analyzers::migration::ops::{Op, OpKind};
use crate::code_rule;
use crate::model::Finding;

code_rule! {
    /// ## What it does
    /// Finds data changed by application code inside a migration: Django `RunPython`, Rails
    /// `update_all` and loops that save each row. Code that names the columns it writes, all of
    /// them columns the change adds (`add_column` then `update_all` of it), fills new data and
    /// is left out.
    ///
    /// ## Why is this risky?
    /// Code backfills touch every row the code selects, are invisible to SQL review, and usually
    /// cannot be undone by the framework.
    ///
    /// ## Example
    /// ```python shop/migrations/0002_copy_fax.py
    /// from django.db import migrations
    ///
    ///
    /// def copy_fax(apps, schema_editor):
    ///     Customer = apps.get_model("shop", "Customer")
    ///     for customer in Customer.objects.all():
    ///         customer.notes = customer.fax
    ///         customer.save()
    ///
    ///
    /// class Migration(migrations.Migration):
    ///     operations = [migrations.RunPython(copy_fax)]
    /// ```
    ///
    /// ## How to roll back
    /// Copy the affected rows first; give the operation a real `reverse_code` or `down`.
    pub static BACKFILLS_IN_CODE: "migration-backfills-in-code", Migration, Medium, [DataRewrite], gating = DataRewrite;
}

pub fn check(op: &Op, kind: &OpKind, ctx: &Context) -> Vec<Finding> {
    let OpKind::CodeBackfill {
        what,
        table,
        columns,
        calls,
    } = kind
    else {
        return Vec::new();
    };
    // Filling only columns the change adds to that table overwrites nothing that existed.
    if let Some(table) = table {
        if !columns.is_empty() && columns.iter().all(|c| ctx.is_new_column(table, c)) {
            return Vec::new();
        }
        // Rails names a method after the column it computes (`assign_short_id`,
        // `recalculate_hotness!`): calls that each name a column the change adds fill it.
        let added = ctx.columns_added_to(table);
        let names_added = |m: &String| added.iter().any(|c| m == c || m.ends_with(&format!("_{c}")));
        if columns.is_empty() && !calls.is_empty() && calls.iter().all(names_added) {
            return Vec::new();
        }
    }
    vec![finding(
        &BACKFILLS_IN_CODE,
        ctx,
        op,
        format!("{what} changes data from application code"),
        "copy the affected rows first and give the operation a real reverse",
    )]
}

#[cfg(test)]
mod tests {
    use crate::analyzers::migration::testing::run;

    #[test]
    fn django_run_python_fires() {
        let text = "from django.db import migrations\n\ndef copy_fax(apps, schema_editor):\n    Customer = apps.get_model('shop', 'Customer')\n    for c in Customer.objects.all():\n        c.notes = c.fax\n        c.save()\n\nclass Migration(migrations.Migration):\n    operations = [migrations.RunPython(copy_fax)]\n";
        let rules: Vec<String> = run(&[("shop/migrations/0002_copy.py", text)])
            .into_iter()
            .map(|f| f.rule)
            .collect();
        assert!(rules.contains(&"migration-backfills-in-code".to_string()), "{rules:?}");
    }

    #[test]
    fn a_column_added_to_another_table_is_not_the_one_written() {
        let rails = |model: &str| {
            format!("class Status < ActiveRecord::Migration[7.1]\n  def up\n    add_column :teams, :status, :string\n    {model}.update_all(status: \"active\")\n  end\n\n  def down\n    remove_column :teams, :status\n  end\nend\n")
        };
        let fired = |text: String| {
            run(&[("db/migrate/20240101000000_status.rb", &text)])
                .into_iter()
                .any(|f| f.rule == "migration-backfills-in-code")
        };
        assert!(!fired(rails("Team")), "a backfill of the column it adds");
        assert!(fired(rails("User")), "users.status existed: overwritten");
    }

    #[test]
    fn methods_named_after_the_columns_the_change_adds_fill_them() {
        let rails = |call: &str| {
            format!("class AddShortIdHats < ActiveRecord::Migration[7.1]\n  def up\n    add_column :hats, :short_id, :string\n    add_column :hats, :hotness, :decimal\n    Hat.find_each do |hat|\n      hat.{call}\n      hat.save!\n    end\n  end\n\n  def down\n    remove_column :hats, :short_id\n    remove_column :hats, :hotness\n  end\nend\n")
        };
        let fired = |text: String| {
            run(&[("db/migrate/20240822174547_add_short_id_hats.rb", &text)])
                .into_iter()
                .any(|f| f.rule == "migration-backfills-in-code")
        };
        assert!(!fired(rails("assign_short_id")));
        assert!(!fired(rails("give_vote_and_recalculate_hotness!(0, 0)")));
        assert!(fired(rails("recalculate_score!")), "hats.score existed");
        assert!(
            fired(rails("assign_short_id\n      hat.touch_owner")),
            "one call names no new column"
        );
        assert!(
            fired(rails("assign_short_id\n      hat[:name] = hat.name.strip")),
            "a write no call names"
        );
        assert!(
            fired(rails("assign_short_id\n      hat.update(attrs)")),
            "a write of unnamed columns"
        );
    }

    #[test]
    fn schema_operations_alone_are_no_backfill() {
        let text = "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    operations = [migrations.AddField('customer', 'notes', models.TextField(null=True))]\n";
        let rules: Vec<String> = run(&[("shop/migrations/0002_notes.py", text)])
            .into_iter()
            .map(|f| f.rule)
            .collect();
        assert!(!rules.contains(&"migration-backfills-in-code".to_string()), "{rules:?}");
    }
}
