//! The rule-file format, as serde types that mirror the TOML one to one. No logic here:
//! `rules.rs` validates these raw values and compiles them into [`crate::Rule`]s.
//!
//! Strict on purpose: unknown keys are errors (a typo must not silently disable a rule), and
//! `match = { prefix = "…" }` is an externally tagged enum so "exactly one matcher" is enforced
//! by the type, with a precise span.

use serde::Deserialize;
use toml::Spanned;

/// One rule file. Unknown keys are errors.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawFile {
    /// `sources` for every rule in this file that has none of its own. Named differently from
    /// the rule key on purpose: written below a `[[rule]]` header by mistake, it is rejected as
    /// an unknown field of that rule rather than silently scoping only that rule.
    #[serde(default)]
    pub default_sources: Vec<Spanned<String>>,
    /// The rules, in file order (order never changes results).
    #[serde(default, rename = "rule")]
    pub rules: Vec<RawRule>,
}

/// One `[[rule]]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawRule {
    /// Unique across all loaded files, kebab-case.
    pub id: Spanned<String>,
    /// One sentence: what this chrome is and where it comes from.
    pub description: Spanned<String>,
    /// What happens to a matching line.
    pub kind: Spanned<RawKind>,
    /// Which lines (or, for `strip`, which spans) the rule matches.
    #[serde(rename = "match")]
    pub pattern: Spanned<RawPattern>,
    /// End marker; required for `drop-block`, forbidden otherwise.
    pub until: Option<Spanned<RawPattern>>,
    /// Match without regard to case (Unicode case folding).
    #[serde(default)]
    pub ignore_case: bool,
    /// Truncate only: words of text that must stand before the marker (the guard).
    pub min_words_before: Option<Spanned<usize>>,
    /// The rule applies only to lines of at most this many words (not for `strip`).
    pub max_words: Option<Spanned<usize>>,
    /// Domains this rule is limited to (a domain also matches its subdomains). Absent: the
    /// file's `default-sources`; absent there too: every source.
    pub sources: Option<Vec<Spanned<String>>>,
    /// Examples that this rule alone must change.
    #[serde(default)]
    pub must_remove: Vec<Spanned<String>>,
    /// Examples that no rule may change.
    #[serde(default)]
    pub must_keep: Vec<Spanned<String>>,
}

/// `kind = "…"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum RawKind {
    DropLine,
    Strip,
    Truncate,
    DropBlock,
    Thread,
}

/// `{ exact = "…" }`, `{ prefix = "…" }`, `{ contains = "…" }` or `{ regex = "…" }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum RawPattern {
    Exact(String),
    Prefix(String),
    Contains(String),
    Regex(String),
}

/// `fixtures/<case>/meta.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawFixtureMeta {
    /// URL or domain the fixture's page came from (scopes site rules).
    pub source: Option<String>,
    /// What the case shows.
    #[allow(dead_code)]
    pub note: Option<String>,
}
