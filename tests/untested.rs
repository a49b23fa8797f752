//! The untested analyzer through `riskgate check` on real repositories: Rust symbol-level
//! references (modules, re-exports, trait impls, private helpers), other languages, test
//! health, and coverage reports.

mod common;
use common::*;
use serde_json::Value;

const LIB: &str = "pub mod billing;\npub mod shipping;\npub use billing::compute as invoice_total;\n";
const BILLING: &str = "pub struct Invoice {\n    pub cents: u32,\n}\n\npub trait Summary {\n    fn summarize(&self) -> String;\n}\n\nimpl Summary for Invoice {\n    fn summarize(&self) -> String {\n        format!(\"{} cents\", self.cents)\n    }\n}\n\nimpl Invoice {\n    pub fn total(&self) -> u32 {\n        double(self.cents)\n    }\n}\n\nfn double(x: u32) -> u32 {\n    x * 2\n}\n\npub fn compute(x: u32) -> u32 {\n    x + 1\n}\n\npub fn vat(x: u32) -> u32 {\n    x / 5\n}\n";
const SHIPPING: &str = "pub fn vat(x: u32) -> u32 {\n    x / 4\n}\n";
const TESTS: &str = "use shop::billing::{Invoice, Summary};\nuse shop::invoice_total;\n\n#[test]\nfn totals() {\n    let inv = Invoice { cents: 2 };\n    assert_eq!(inv.total(), 4);\n    assert_eq!(inv.summarize(), \"2 cents\");\n    assert_eq!(invoice_total(1), 2);\n    assert_eq!(shop::shipping::vat(8), 2);\n}\n";

fn crate_repo() -> TestRepo {
    crate_repo_with(&[])
}

/// The crate, with more files in its first commit.
fn crate_repo_with(files: &[(&str, &str)]) -> TestRepo {
    let t = TestRepo::new();
    t.write("Cargo.toml", "[package]\nname = \"shop\"\nversion = \"0.1.0\"\n");
    t.write("src/lib.rs", LIB);
    t.write("src/billing.rs", BILLING);
    t.write("src/shipping.rs", SHIPPING);
    t.write("tests/billing.rs", TESTS);
    for (path, text) in files {
        t.write(path, text);
    }
    t.commit("shop");
    t.branch("feature");
    t
}

fn untested(t: &TestRepo, extra: &[&str]) -> Vec<Value> {
    analyzer_findings(t, "untested", extra)
}

fn symbols(found: &[Value]) -> Vec<(String, String)> {
    found
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["symbol"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
fn tested_code_is_silent_and_untested_code_is_named() {
    let t = crate_repo();
    // Tested through a method call, a trait method, a re-export, and a private helper's caller.
    let edited = BILLING
        .replace("self.cents)\n    }\n}\n\nimpl", "self.cents.max(1))\n    }\n}\n\nimpl")
        .replace("double(self.cents)", "double(self.cents) + 0")
        .replace("x * 2", "x * 2 + 0")
        .replace("x + 1", "x + 1 + 0")
        .replace("x / 5", "x / 5 + 0");
    t.write("src/billing.rs", &edited);
    t.write("src/shipping.rs", SHIPPING.replace("x / 4", "x / 4 + 0"));
    t.commit("edit");
    let found = untested(&t, &[]);
    // billing::vat collides with shipping::vat, which the test calls; billing::vat itself is untested.
    assert_eq!(
        symbols(&found),
        vec![("untested-file-changed".into(), "src/billing.rs::vat".into())]
    );
    assert_eq!(found[0]["symbols"], serde_json::json!(["src/billing.rs::vat"]));
    let f = &found[0];
    assert_eq!(f["line"], 30);
    assert_eq!(f["tags"], serde_json::json!(["untested"]));
    // Missing tests rank and explain; they never hold a change alone.
    assert_eq!(
        (f["gating"].clone(), f["needs_plan"].clone()),
        (serde_json::Value::Null, false.into())
    );
    assert_eq!(f["evidence"], "+ x / 5 + 0");
    assert_eq!(f["message"], "1 changed function no test refers to: pub vat (line 30)");
    assert_eq!(f["severity"], "medium");
}

#[test]
fn one_finding_per_file_lists_every_untested_function() {
    let t = crate_repo();
    let many: String = (0..8)
        .map(|i| format!("pub fn rate_{i}(x: u32) -> u32 {{\n    x + {i}\n}}\n\n"))
        .collect();
    t.write("src/rates.rs", &many);
    t.write("src/lib.rs", format!("{LIB}pub mod rates;\n"));
    t.commit("rates");
    let found = untested(&t, &[]);
    assert_eq!(found.len(), 1, "{found:?}");
    let f = &found[0];
    assert_eq!(f["rule"], "untested-file-changed");
    assert_eq!(f["file"], "src/rates.rs");
    let symbols: Vec<&str> = f["symbols"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(symbols.len(), 8);
    assert_eq!(symbols[0], "src/rates.rs::rate_0");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .starts_with("8 changed functions no test refers to: pub rate_0 (lines 1-3), pub rate_1 (lines 5-7),"),
        "{f}"
    );
    assert!(f["message"].as_str().unwrap().contains(", 3 more"), "{f}");
    // However many there are, they weigh as one medium finding in the score.
    let (_, out, _) = run(t
        .riskgate()
        .args(["check", "--base", "main", "--format", "json", "--no-history"]));
    let r = json(&out);
    let untested_points: u64 = r["score"]["contributions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["rule"] == "untested-file-changed")
        .map(|c| c["points"].as_u64().unwrap())
        .sum();
    assert!(untested_points <= 15, "{}", r["score"]);
    assert_eq!(r["gate"]["verdict"], "passed");
}

#[test]
fn moved_code_and_renames_carried_to_callers_are_not_changes() {
    let t = crate_repo();
    // vat moves to another module, re-indented inside an inline module.
    let without = BILLING.replace("pub fn vat(x: u32) -> u32 {\n    x / 5\n}\n", "");
    t.write("src/billing.rs", &without);
    t.write(
        "src/tax.rs",
        "pub mod eu {\n    pub fn vat(x: u32) -> u32 {\n        x / 5\n    }\n}\n",
    );
    t.write("src/lib.rs", format!("{LIB}pub mod tax;\n"));
    t.commit("move vat");
    assert!(untested(&t, &[]).is_empty(), "{:?}", untested(&t, &[]));
    // A rename carried to every caller (untested ones included): neither is new code.
    let t = TestRepo::new();
    let helper =
        "pub fn fifth(x: u32) -> u32 {\n    x / 5\n}\n\npub fn vat_of(x: u32) -> u32 {\n    fifth(x) + fifth(1)\n}\n";
    t.write("Cargo.toml", "[package]\nname = \"tax\"\nversion = \"0.1.0\"\n");
    t.write("src/lib.rs", helper);
    t.commit("tax");
    t.branch("feature");
    t.write("src/lib.rs", helper.replace("fifth", "one_fifth"));
    t.commit("rename fifth");
    assert!(untested(&t, &[]).is_empty(), "{:?}", untested(&t, &[]));
}

#[test]
fn a_function_whose_only_test_is_deleted_is_untested_and_the_test_is_named() {
    let t = TestRepo::new();
    t.write("Cargo.toml", "[package]\nname = \"calc\"\nversion = \"0.1.0\"\n");
    t.write(
        "src/lib.rs",
        "pub fn add(a: u32, b: u32) -> u32 {\n    a + b\n}\n\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn adds() {\n        assert_eq!(super::add(1, 2), 3);\n    }\n}\n",
    );
    t.commit("calc");
    t.branch("feature");
    t.write(
        "src/lib.rs",
        "pub fn add(a: u32, b: u32) -> u32 {\n    a.wrapping_add(b)\n}\n",
    );
    t.commit("drop the test");
    let found = untested(&t, &[]);
    let file = found
        .iter()
        .find(|f| f["rule"] == "untested-file-changed")
        .expect("untested");
    assert_eq!(file["symbols"], serde_json::json!(["src/lib.rs::add"]));
    assert!(
        file["message"]
            .as_str()
            .unwrap()
            .contains("their tests are gone: src/lib.rs::tests::adds (deleted by this change)"),
        "{file}"
    );
    assert!(found.iter().any(|f| f["rule"] == "test-removed"), "{found:?}");
}

#[test]
fn changes_that_need_no_test_are_exempt() {
    let t = crate_repo();
    let docs = BILLING.replace(
        "pub fn vat(x: u32) -> u32 {\n    x / 5\n}",
        "/// The VAT share.\npub fn vat(x: u32) -> u32 {\n    // integer division on purpose\n    x   /   5\n}",
    );
    t.write("src/billing.rs", &docs);
    t.write("src/schema.rs", "// @generated by diesel\npub fn table() {}\n");
    t.write("README.md", "docs\n");
    t.commit("docs only");
    assert!(untested(&t, &[]).is_empty());
    let renamed = BILLING.replace("pub fn vat(x: u32)", "pub fn value_added_tax(x: u32)");
    t.write("src/billing.rs", &renamed);
    t.commit("rename");
    assert!(untested(&t, &[]).is_empty(), "a pure rename needs no test");
}

#[test]
fn a_test_file_that_changes_without_testing_the_change_is_named() {
    let t = crate_repo();
    t.write("src/billing.rs", BILLING.replace("x / 5", "x / 6"));
    t.write(
        "tests/billing.rs",
        TESTS.replace(
            "assert_eq!(inv.total(), 4);",
            "assert_eq!(inv.total(), 4);\n    assert_eq!(inv.total(), 4);",
        ),
    );
    t.commit("edit");
    let found = untested(&t, &[]);
    let msg = found[0]["message"].as_str().unwrap();
    assert!(msg.contains("tests/billing.rs changed but only refers to "), "{msg}");
}

#[test]
fn test_health_ignore_delete_and_assertions() {
    let t = TestRepo::new();
    t.write("src/lib.rs", "pub fn add(a: u32, b: u32) -> u32 {\n    a + b\n}\n\n#[cfg(test)]\nmod tests {\n    use super::*;\n\n    #[test]\n    fn adds() {\n        assert_eq!(add(1, 2), 3);\n        assert_eq!(add(2, 2), 4);\n    }\n\n    #[test]\n    fn zero() {\n        assert_eq!(add(0, 0), 0);\n    }\n\n    #[test]\n    fn big() {\n        assert!(add(1, 1) > 1);\n    }\n}\n");
    t.commit("base");
    t.branch("feature");
    t.write("src/lib.rs", "pub fn add(a: u32, b: u32) -> u32 {\n    a.wrapping_add(b)\n}\n\n#[cfg(test)]\nmod tests {\n    use super::*;\n\n    #[test]\n    fn adds() {\n        add(1, 2);\n    }\n\n    #[test]\n    #[ignore]\n    fn zero() {\n        assert_eq!(add(0, 0), 0);\n    }\n}\n");
    t.commit("weaken tests");
    let found = untested(&t, &[]);
    let got: Vec<(String, String)> = found
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().into(),
                f["message"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(
        got.contains(&(
            "test-removed".into(),
            "test tests::big is deleted; it referenced add, changed in this change".into()
        )),
        "{got:#?}"
    );
    assert!(
        got.contains(&(
            "test-disabled".into(),
            "test tests::zero is disabled with #[ignore]; it referenced add, changed in this change".into()
        )),
        "{got:#?}"
    );
    assert!(
        got.contains(&(
            "test-assertions-removed".into(),
            "test tests::adds keeps 0 of its 2 assertions; it referenced add, changed in this change".into()
        )),
        "{got:#?}"
    );
}

#[test]
fn other_languages_by_name() {
    let t = TestRepo::new();
    t.write(
        "shop/vat.py",
        "def vat(x):\n    return x / 5\n\n\ndef net(x):\n    return x - vat(x)\n",
    );
    t.write(
        "tests/test_vat.py",
        "from shop.vat import vat\n\ndef test_vat():\n    assert vat(10) == 2\n",
    );
    t.commit("base");
    t.branch("feature");
    t.write(
        "shop/vat.py",
        "def vat(x):\n    return x / 4\n\n\ndef net(x):\n    return x - vat(x) - 0\n",
    );
    t.commit("change");
    let found = untested(&t, &[]);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0]["rule"], "untested-file-changed");
    assert_eq!(found[0]["severity"], "low");
    assert_eq!(found[0]["message"], "shop/vat.py changed and no test file names `net`");
    assert_eq!(found[0]["line"], 6);
}

#[test]
fn coverage_decides_when_given() {
    let t = crate_repo();
    t.write(
        "src/billing.rs",
        BILLING.replace("x / 5", "x / 6").replace("x + 1", "x + 2"),
    );
    t.commit("edit");
    // compute is covered (via invoice_total); vat's changed line never ran.
    let lcov = format!(
        "SF:{}/src/billing.rs\nDA:26,3\nDA:27,3\nDA:30,0\nDA:31,0\nend_of_record\n",
        t.path().display()
    );
    t.write("lcov.info", &lcov);
    let found = untested(&t, &["--coverage", "lcov.info"]);
    assert_eq!(
        symbols(&found),
        vec![("uncovered-lines-changed".to_string(), "src/billing.rs::vat".to_string())]
    );
    assert_eq!(found[0]["evidence"], "+ x / 6");
    assert_eq!(found[0]["tags"], serde_json::json!(["uncovered"]));
    let (_, out, _) =
        run(t
            .riskgate()
            .args(["check", "--base", "main", "--format", "json", "--coverage", "lcov.info"]));
    assert_eq!(
        json(&out)["stats"]["patch_coverage"],
        serde_json::json!({"covered": 1, "coverable": 2})
    );
    let (_, text, _) = run(t
        .riskgate()
        .args(["check", "--base", "main", "--coverage", "lcov.info"]));
    assert!(
        text.contains("Patch coverage 1/2 changed lines covered (50%)"),
        "{text}"
    );
    let (_, md, _) = run(t.riskgate().args([
        "check",
        "--base",
        "main",
        "--coverage",
        "lcov.info",
        "--format",
        "markdown",
    ]));
    assert!(md.contains("Patch coverage: 1/2 changed lines covered (50%)."), "{md}");

    // A coverage report of another version of the file is stale and ignored for it.
    t.write("stale.info", "SF:src/billing.rs\nDA:400,1\nend_of_record\n");
    let found = untested(&t, &["--coverage", "stale.info"]);
    assert!(found.iter().any(|f| f["rule"] == "coverage-report-stale"), "{found:#?}");
    // A file the report does not measure.
    t.write("other.info", "SF:src/shipping.rs\nDA:2,1\nend_of_record\n");
    let found = untested(&t, &["--coverage", "other.info"]);
    assert!(
        found
            .iter()
            .any(|f| f["rule"] == "coverage-unmeasured" && f["file"] == "src/billing.rs"),
        "{found:#?}"
    );
    // A missing --coverage file is an error.
    let (code, _, err) = run(t
        .riskgate()
        .args(["check", "--base", "main", "--coverage", "nope.info"]));
    assert_eq!(code, 2);
    assert!(err.contains("cannot read coverage report nope.info"), "{err}");
}

#[test]
fn trait_methods_reached_through_std_traits_are_tested_when_those_calls_are() {
    let t = TestRepo::new();
    let src = "use std::fmt;\n\npub struct Money(pub u32);\n\nimpl fmt::Display for Money {\n    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {\n        write!(f, \"{} EUR\", self.0)\n    }\n}\n\nimpl From<u32> for Money {\n    fn from(x: u32) -> Money {\n        Money(x)\n    }\n}\n\nimpl std::ops::Add for Money {\n    type Output = Money;\n    fn add(self, o: Money) -> Money {\n        Money(self.0 + o.0)\n    }\n}\n";
    t.write("Cargo.toml", "[package]\nname = \"money\"\nversion = \"0.1.0\"\n");
    t.write("src/lib.rs", src);
    t.write(
        "tests/money.rs",
        "use money::Money;\n\n#[test]\nfn shows() {\n    let m: Money = 2.into();\n    assert_eq!((m + Money(1)).to_string(), \"3 EUR\");\n}\n",
    );
    t.commit("money");
    t.branch("feature");
    t.write(
        "src/lib.rs",
        src.replace("{} EUR", "{} €")
            .replace("Money(x)", "Money(x.min(1_000_000))")
            .replace("self.0 + o.0", "self.0.saturating_add(o.0)"),
    );
    t.commit("euro sign");
    assert!(untested(&t, &[]).is_empty(), "{:?}", untested(&t, &[]));
    // With no test reaching the type, all three are named.
    t.remove("tests/money.rs");
    t.commit("no tests");
    let found = untested(&t, &[]);
    let file = found
        .iter()
        .find(|f| f["rule"] == "untested-file-changed")
        .expect("untested");
    assert_eq!(file["symbols"].as_array().unwrap().len(), 3, "{file}");
}

#[test]
fn a_function_whose_only_test_is_disabled_is_untested_and_the_test_is_named() {
    let t = TestRepo::new();
    t.write("Cargo.toml", "[package]\nname = \"calc\"\nversion = \"0.1.0\"\n");
    let base = "pub fn add(a: u32, b: u32) -> u32 {\n    a + b\n}\n\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn adds() {\n        assert_eq!(super::add(1, 2), 3);\n    }\n}\n";
    t.write("src/lib.rs", base);
    t.commit("calc");
    t.branch("feature");
    t.write(
        "src/lib.rs",
        base.replace("a + b", "a.wrapping_add(b)")
            .replace("    #[test]\n", "    #[test]\n    #[ignore]\n"),
    );
    t.commit("ignore the test");
    let found = untested(&t, &[]);
    let file = found
        .iter()
        .find(|f| f["rule"] == "untested-file-changed")
        .expect("untested");
    assert!(
        file["message"]
            .as_str()
            .unwrap()
            .contains("their tests are gone: src/lib.rs::tests::adds (disabled by this change)"),
        "{file}"
    );
    assert!(found.iter().any(|f| f["rule"] == "test-disabled"), "{found:?}");
}

/// What the analyzers read from each Rust blob (functions, test code, serde types) is
/// remembered under `.git/riskgate/memo/`; a second run reads it back and reports the same, and
/// an entry that no longer reads (a truncated write, another format) is read from the blob again.
#[test]
fn the_memo_of_parsed_files_changes_nothing_a_run_reports() {
    let model = "use serde::{Deserialize, Serialize};\n\n#[derive(Serialize, Deserialize)]\npub struct Order {\n    pub id: u64,\n    pub note: String,\n}\n";
    let t = crate_repo_with(&[("src/model.rs", model)]);
    t.write(
        "src/billing.rs",
        BILLING.replace("x / 5", "x / 5 + 0").replace("x * 2", "x * 2 + 0"),
    );
    t.write("src/model.rs", model.replace("    pub note: String,\n", ""));
    t.commit("edit");
    let findings = || {
        let (code, out, err) = run(t.riskgate().args(["check", "--base", "main", "--format", "json"]));
        assert!(code == 0 || code == 1, "{err}");
        json(&out)["findings"].clone()
    };
    let first = findings();
    let rules: Vec<&str> = first
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(
        rules.contains(&"untested-file-changed") && rules.contains(&"serde-shape-changed"),
        "{rules:?}"
    );
    let memo = t.path().join(".git/riskgate/memo");
    let mut entries = Vec::new();
    memo_entries(&memo, &mut entries);
    let kinds: std::collections::BTreeSet<String> = entries
        .iter()
        .filter_map(|p| {
            p.parent()?
                .parent()?
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
        })
        .collect();
    assert_eq!(
        kinds.iter().map(|k| k.split('.').next().unwrap()).collect::<Vec<_>>(),
        ["rust-functions-1", "rust-test-file-1", "serde-types-1"]
    );
    assert_eq!(findings(), first);
    for e in &entries {
        std::fs::write(e, b"{not json").unwrap();
    }
    assert_eq!(findings(), first);
    // And it is read: a valid entry saying the head's model holds no serde types hides the
    // finding (the memo is riskgate's own, under `.git`, where a change cannot write).
    let head_model = t.repo.revparse_single("HEAD:src/model.rs").unwrap().id().to_string();
    let mut planted = 0;
    for e in entries
        .iter()
        .filter(|e| e.to_string_lossy().contains("/serde-types-1"))
    {
        if e.file_name().is_some_and(|n| n.to_string_lossy() == head_model[2..]) {
            std::fs::write(e, br#"{"Ok":[]}"#).unwrap();
            planted += 1;
        }
    }
    assert_eq!(planted, 1);
    let rules: Vec<String> = findings()
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].to_string())
        .collect();
    assert!(!rules.iter().any(|r| r.contains("serde-shape-changed")), "{rules:?}");
}

fn memo_entries(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            memo_entries(&p, out);
        } else if p.file_name().is_some_and(|n| n != "count") {
            out.push(p);
        }
    }
}
