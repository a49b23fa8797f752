//! How bad things are: a finding's severity, a score's level, a rule's gating class.

crate::vocabulary! {
    /// How bad one finding is on its own. Ordered from harmless to worst.
    pub enum Severity {
        Info,
        Low,
        Medium,
        High,
        Critical,
    }
}

crate::vocabulary! {
    /// A score's level, and the thresholds of `[gate]`.
    pub enum Level {
        Low,
        Medium,
        High,
        Critical,
    }
}

impl Level {
    pub fn from_score(value: u8) -> Level {
        match value {
            0..=14 => Level::Low,
            15..=39 => Level::Medium,
            40..=69 => Level::High,
            _ => Level::Critical,
        }
    }

    /// The finding severity a threshold at this level compares against.
    pub fn severity(self) -> Severity {
        match self {
            Level::Low => Severity::Low,
            Level::Medium => Severity::Medium,
            Level::High => Severity::High,
            Level::Critical => Severity::Critical,
        }
    }
}

crate::vocabulary! {
    /// Why a finding may hold a change until it has a rollback plan: the risk is to data or to a
    /// contract, not merely to code. Findings without a class rank and explain, never gate.
    pub enum GatingClass {
        /// Stored data is deleted: a dropped table or column, a truncate, a removed JSON key.
        DataLoss,
        /// Stored data is rewritten in place, so the old values are gone unless backed up.
        DataRewrite,
        /// A contract of stored or wire data breaks: a schema, a serde type, a renamed column.
        BrokenContract,
        /// A file that holds data or a contract could not be read, so its risk is unknown.
        NotAnalyzed,
        /// The change weakens the policy that judges it.
        PolicyWeakened,
        /// A credential is committed: it must be rotated, which no revert undoes.
        SecretExposed,
    }
}

crate::vocabulary! {
    /// The verdict of the gate.
    pub enum Verdict {
        Passed,
        PassedWithPlan,
        Blocked,
    }
}

impl Verdict {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_forms_are_the_contract() {
        let sev: Vec<&str> = Severity::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(sev, ["info", "low", "medium", "high", "critical"]);
        let classes: Vec<String> = GatingClass::ALL.iter().map(|c| c.to_string()).collect();
        assert_eq!(
            classes,
            [
                "data-loss",
                "data-rewrite",
                "broken-contract",
                "not-analyzed",
                "policy-weakened",
                "secret-exposed"
            ]
        );
        assert_eq!(Level::parse("high"), Some(Level::High));
        assert_eq!(Level::parse("never"), None);
        assert_eq!(Verdict::PassedWithPlan.as_str(), "passed-with-plan");
        assert_eq!(Severity::parse("High"), None, "the contract is lowercase");
    }
}
