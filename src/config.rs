//! `riskgate.toml`: optional, strict (unknown keys are errors with line and column).

pub use crate::model::Dialect;
use crate::model::Level;
use anyhow::{anyhow, Context, Result};
use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;

pub const FILE_NAME: &str = "riskgate.toml";
pub const DEFAULT_MAX_FILE_SIZE: u64 = 1024 * 1024;

/// A level threshold in `[gate]`, or `never`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Threshold {
    At(Level),
    Never,
}

impl<'de> Deserialize<'de> for Threshold {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s == "never" {
            return Ok(Threshold::Never);
        }
        Level::parse(&s).map(Threshold::At).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown level `{s}`, expected one of `low`, `medium`, `high`, `critical`, `never`"
            ))
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GateConfig {
    /// A gating finding at this severity or above needs a valid rollback plan.
    pub require_plan_at: Threshold,
    /// A gating finding at this severity or above blocks whatever the plan.
    pub block_at: Threshold,
    /// The score at this level or above needs a plan too; off by default, because context
    /// alone is not evidence (`riskgate calibrate` says whether the history supports it).
    pub block_on_score: Threshold,
}

impl Default for GateConfig {
    fn default() -> Self {
        GateConfig {
            require_plan_at: Threshold::At(Level::High),
            block_at: Threshold::Never,
            block_on_score: Threshold::Never,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PlanConfig {
    pub paths: Vec<Spanned<String>>,
    pub required_sections: Vec<String>,
}

impl Default for PlanConfig {
    fn default() -> Self {
        let paths = ["ROLLBACK.md", "docs/rollback/*.md", ".riskgate/rollback/*.md"];
        PlanConfig {
            paths: paths.iter().map(|p| Spanned::new(0..0, p.to_string())).collect(),
            required_sections: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MigrationsConfig {
    pub paths: Vec<Spanned<String>>,
    pub dialect: Option<Dialect>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TestsConfig {
    pub coverage: Vec<String>,
    /// Globs of test files, added to the built-in conventions.
    pub paths: Vec<Spanned<String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScoreConfig {
    /// Probability weight per severity, replacing the defaults of `docs/scoring.md`.
    pub severity: BTreeMap<String, Spanned<f64>>,
    /// Confidence per rule id, from 0 to 1 (default 1).
    pub confidence: BTreeMap<String, Spanned<f64>>,
    /// Turns the change-size factor off.
    pub no_context: bool,
    /// Turns the history factor off (and its scan of earlier commits).
    pub no_history: bool,
    /// How many earlier commits the history scan reads (default 5000).
    pub history_limit: Option<usize>,
    /// Weights of the context term; `riskgate calibrate --write` fits them.
    pub context: ContextWeights,
}

/// `R_ctx = cap · σ(intercept + size·ln(1+lines) + spread·ln(1+dirs) + entropy·H + no_tests·[..] + history·h)`;
/// `findings` scales each finding's hazard (`1 − (1 − p)^findings`), so that a fit can say how
/// much this history's findings tell beside the context.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ContextWeights {
    pub intercept: f64,
    pub size: f64,
    pub spread: f64,
    pub entropy: f64,
    pub no_tests: f64,
    pub history: f64,
    pub cap: f64,
    pub findings: f64,
    /// Added to the intercept when every commit of the change was written by a bot.
    pub bot: f64,
}

impl Default for ContextWeights {
    fn default() -> Self {
        ContextWeights {
            intercept: -4.2,
            size: 0.45,
            spread: 0.4,
            entropy: 0.15,
            no_tests: 0.3,
            history: 0.6,
            cap: 0.35,
            findings: 1.0,
            bot: -2.0,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RulesConfig {
    pub disable: Vec<Spanned<String>>,
    pub packs: Vec<Spanned<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaiverConfig {
    pub rule: Spanned<String>,
    pub path: Option<Spanned<String>>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClassifyConfig {
    /// Globs of generated files, added to `@generated` markers and `linguist-generated`.
    pub generated: Vec<Spanned<String>>,
    /// Globs of files to leave out of the analysis entirely.
    pub ignore: Vec<Spanned<String>>,
    /// Globs of JSON files that are examples of stored or exchanged data (compared as JSON
    /// fixtures), beyond `fixtures/`, `samples/`, `examples/`, `testdata/`.
    pub json_fixtures: Vec<Spanned<String>>,
}

/// `[[shapes]]`: a serde type and where samples of its stored JSON come from.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShapesCheck {
    #[serde(rename = "type")]
    pub type_spec: String,
    /// A JSON Lines or JSON array file, relative to the repository root.
    pub sample: Option<String>,
    /// The environment variable holding a PostgreSQL URL (never the URL itself).
    pub postgres_url_env: Option<String>,
    pub query: Option<String>,
    pub limit: Option<u64>,
}

/// `[[json_column]]`: which Rust type is stored in which JSON column.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonColumn {
    pub table: String,
    pub column: String,
    #[serde(rename = "type")]
    pub type_name: String,
}

/// `[rehearse]`: `check` applies the change's SQL migrations to a throwaway database when the
/// variable `postgres_url_env` names is set (a CI service container).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct RehearseConfig {
    pub postgres_url_env: Option<String>,
    /// Synthetic rows per table (default 1,000).
    pub rows: Option<u64>,
    /// Synthetic rows for named tables.
    pub table_rows: BTreeMap<String, u64>,
    /// Each named table's size in production, for estimates of lock and rewrite times there.
    pub production_rows: BTreeMap<String, u64>,
    /// The whole rehearsal's time limit (default 600).
    pub timeout_seconds: Option<u64>,
    /// Migration folders not to rehearse: another database's, written in SQL PostgreSQL also
    /// reads (globs matched against the folder, e.g. `crates/client/migrations`).
    pub skip: Vec<Spanned<String>>,
}

impl RehearseConfig {
    pub const DEFAULT_ROWS: u64 = 1000;

    /// Synthetic rows per table.
    pub fn rows(&self) -> u64 {
        self.rows.unwrap_or(Self::DEFAULT_ROWS)
    }

    pub fn timeout_seconds(&self) -> u64 {
        self.timeout_seconds.unwrap_or(600)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HookConfig {
    /// Check pushed tags too (skipped by default).
    pub tags: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DiffConfig {
    pub max_file_size: u64,
}

impl Default for DiffConfig {
    fn default() -> Self {
        DiffConfig {
            max_file_size: DEFAULT_MAX_FILE_SIZE,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub gate: GateConfig,
    pub plan: PlanConfig,
    pub migrations: MigrationsConfig,
    pub tests: TestsConfig,
    pub score: ScoreConfig,
    pub rules: RulesConfig,
    #[serde(rename = "waiver")]
    pub waivers: Vec<Spanned<WaiverConfig>>,
    pub classify: ClassifyConfig,
    pub diff: DiffConfig,
    pub hook: HookConfig,
    pub json_column: Vec<JsonColumn>,
    pub shapes: Vec<ShapesCheck>,
    pub rehearse: RehearseConfig,
    /// Where the config came from, for messages that point into it.
    #[serde(skip)]
    pub source: Option<SourceText>,
}

/// A file's name and text, kept so that later checks can name a line and column.
#[derive(Debug, Clone, Default)]
pub struct SourceText {
    pub name: String,
    pub text: String,
}

impl SourceText {
    /// `name:line:column: message`, one line.
    pub fn error_at(&self, span: Range<usize>, message: impl std::fmt::Display) -> anyhow::Error {
        let (line, col) = line_col(&self.text, span.start);
        anyhow!("{}:{line}:{col}: {message}", self.name)
    }

    pub fn line_of(&self, span: Range<usize>) -> usize {
        line_col(&self.text, span.start).0
    }
}

/// Where each line of a text starts, for many offset-to-line look-ups (one per waiver).
pub struct LineIndex(Vec<usize>);

impl LineIndex {
    pub fn of(text: &str) -> LineIndex {
        LineIndex(
            std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .collect(),
        )
    }

    /// The 1-based line of a byte offset.
    pub fn line(&self, offset: usize) -> usize {
        self.0.partition_point(|start| *start <= offset)
    }
}

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rfind('\n')
        .map_or(before.chars().count(), |nl| before[nl + 1..].chars().count())
        + 1;
    (line, col)
}

/// Parses TOML into `T`, turning parse errors into one line with the file, line and column.
pub fn parse_toml<T: serde::de::DeserializeOwned>(source: &SourceText) -> Result<T> {
    toml::from_str::<T>(&source.text).map_err(|err| {
        let message = err.message().replace('\n', " ");
        match err.span() {
            Some(span) => source.error_at(span, message.trim()),
            None => anyhow!("{}: {}", source.name, message.trim()),
        }
    })
}

impl Config {
    /// Loads `--config FILE`, or `riskgate.toml` at the repository root when present.
    pub fn load(explicit: Option<&Path>, repo_root: &Path) -> Result<Config> {
        let path: PathBuf = match explicit {
            Some(p) => p.to_path_buf(),
            None => {
                let p = repo_root.join(FILE_NAME);
                if !p.is_file() {
                    return Ok(Config::default());
                }
                p
            }
        };
        let bytes = std::fs::read(&path).with_context(|| format!("cannot read config {}", path.display()))?;
        let text = String::from_utf8(bytes).map_err(|_| anyhow!("{}: config is not valid UTF-8", path.display()))?;
        let name = match path.strip_prefix(repo_root) {
            Ok(rel) => rel.display().to_string(),
            Err(_) => path.display().to_string(),
        };
        Config::parse(SourceText { name, text })
    }

    /// Parses and checks a config text; `source.name` is how messages name it.
    pub fn parse(source: SourceText) -> Result<Config> {
        let mut config: Config = parse_toml(&source)?;
        for (sev, weight) in &config.score.severity {
            if crate::model::Severity::parse(sev).is_none() {
                return Err(source.error_at(weight.span(), format!("unknown severity `{sev}` in [score.severity]")));
            }
            if !(0.0..=1.0).contains(weight.get_ref()) {
                return Err(source.error_at(weight.span(), "a severity weight is a probability from 0 to 1"));
            }
        }
        let c = &config.score.context;
        let weights = [
            ("intercept", c.intercept),
            ("size", c.size),
            ("spread", c.spread),
            ("entropy", c.entropy),
            ("no_tests", c.no_tests),
            ("history", c.history),
            ("bot", c.bot),
        ];
        if let Some((name, _)) = weights.iter().find(|(_, v)| !v.is_finite()) {
            anyhow::bail!("{}: [score.context] {name} is not a number", source.name);
        }
        if !(0.0..=1.0).contains(&c.cap) || !(0.0..=10.0).contains(&c.findings) {
            anyhow::bail!(
                "{}: [score.context] cap is a probability from 0 to 1, and findings a weight from 0 to 10",
                source.name
            );
        }
        for waiver in &config.waivers {
            let w = waiver.get_ref();
            if w.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
                return Err(source.error_at(
                    waiver.span(),
                    format!("waiver for `{}` has no reason; add reason = \"…\"", w.rule.get_ref()),
                ));
            }
        }
        config.source = Some(source);
        Ok(config)
    }

    /// An error pointing at a span of the config file.
    pub fn error_at(&self, span: Range<usize>, message: impl std::fmt::Display) -> anyhow::Error {
        match &self.source {
            Some(src) => src.error_at(span, message),
            None => anyhow!("{FILE_NAME}: {message}"),
        }
    }

    pub fn name(&self) -> &str {
        self.source.as_ref().map_or(FILE_NAME, |s| s.name.as_str())
    }
}

/// Compiles globs the way riskgate reads them everywhere: `*` stops at `/`, `**` crosses it.
pub fn glob(pattern: &str) -> std::result::Result<globset::Glob, globset::Error> {
    globset::GlobBuilder::new(pattern).literal_separator(true).build()
}

/// Compiles a list of spanned globs from a TOML file into one set, pointing at a bad one.
pub fn glob_set(patterns: &[Spanned<String>], source: Option<&SourceText>) -> Result<globset::GlobSet> {
    let mut builder = globset::GlobSetBuilder::new();
    for p in patterns {
        let g = glob(p.get_ref()).map_err(|e| {
            let msg = format!("bad glob `{}`: {}", p.get_ref(), e.kind());
            match source {
                Some(src) => src.error_at(p.span(), msg),
                None => anyhow!(msg),
            }
        })?;
        builder.add(g);
    }
    Ok(builder.build()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config> {
        let src = SourceText {
            name: "riskgate.toml".into(),
            text: text.into(),
        };
        parse_toml(&src)
    }

    #[test]
    fn context_weights_must_be_numbers_in_range() {
        let config = |text: &str| {
            Config::parse(SourceText {
                name: "riskgate.toml".into(),
                text: text.into(),
            })
        };
        assert!(config("[score.context]\nfindings = 0.6\nbot = -1.5\n").is_ok());
        for bad in ["findings = 20.0", "cap = 1.5", "size = nan", "bot = inf"] {
            let err = config(&format!("[score.context]\n{bad}\n")).unwrap_err().to_string();
            assert!(err.starts_with("riskgate.toml: [score.context]"), "{bad}: {err}");
        }
    }

    #[test]
    fn unknown_key_names_line_and_column() {
        let err = parse("[gate]\nrequire_plan_at = \"high\"\nfoo = 1\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("riskgate.toml:3:1: unknown field `foo`"), "{err}");
        assert!(!err.contains('\n'));
    }

    #[test]
    fn bad_level_is_rejected() {
        let err = parse("[gate]\nrequire_plan_at = \"huge\"\n").unwrap_err().to_string();
        assert!(
            err.contains("riskgate.toml:2:19") && err.contains("unknown level `huge`"),
            "{err}"
        );
    }

    #[test]
    fn defaults_require_a_plan_from_high_and_never_block_outright() {
        let c = parse("").unwrap();
        assert_eq!(c.gate.require_plan_at, Threshold::At(Level::High));
        assert_eq!(c.gate.block_at, Threshold::Never);
        assert_eq!(c.diff.max_file_size, DEFAULT_MAX_FILE_SIZE);
    }

    #[test]
    fn line_col_counts_from_one() {
        let index = LineIndex::of("ab\ncd\n");
        assert_eq!(
            (index.line(0), index.line(2), index.line(3), index.line(5)),
            (1, 1, 2, 2)
        );
        assert_eq!(line_col("ab\ncd", 0), (1, 1));
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
    }
}
