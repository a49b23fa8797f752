//! Which part of riskgate reports a finding: an analyzer, or a later stage that judges the
//! change's own policy, waivers and plan.

crate::vocabulary! {
    pub enum Analyzer {
        /// The change itself: files that could not be read.
        Diff,
        Migration,
        JsonShape,
        Untested,
        /// Declarative rule packs.
        Pattern,
        /// The migrations applied to a real PostgreSQL (`riskgate rehearse`).
        Rehearsal,
        /// Waivers.
        Suppress,
        /// The policy that judges the change.
        Policy,
        /// The rollback plan.
        Gate,
    }
}

impl Analyzer {
    /// What the data and its contracts are about: migrations and JSON shapes.
    pub fn is_about_data(self) -> bool {
        matches!(self, Analyzer::Migration | Analyzer::JsonShape | Analyzer::Rehearsal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_contract() {
        let names: Vec<&str> = Analyzer::ALL.iter().map(|a| a.as_str()).collect();
        assert_eq!(
            names,
            [
                "diff",
                "migration",
                "json-shape",
                "untested",
                "pattern",
                "rehearsal",
                "suppress",
                "policy",
                "gate"
            ]
        );
    }
}
