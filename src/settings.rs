//! Settings: every switch and threshold that is not a rule.
//!
//! They live in one file (`rules/settings.toml` is compiled in; `--settings FILE` replaces it)
//! so that two rule packs can never disagree about them and results never depend on which packs
//! were loaded. Every field has a default, so a settings file only names what it changes.

use serde::{Deserialize, Serialize};

use crate::diag::{Diagnostic, LoadError};
use crate::normalize::NormalizeOptions;

/// The built-in settings file, compiled into the binary.
pub(crate) const BUILTIN_SETTINGS: &str = include_str!("../rules/settings.toml");

/// Everything that tunes the pipeline apart from the rules themselves.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Settings {
    /// Text normalization steps.
    pub normalize: NormalizeOptions,
    /// Defaults for `truncate` rules.
    pub truncate: TruncateSettings,
    /// Where `thread` rules find a reader-comment thread.
    pub thread: ThreadSettings,
    /// The author-box pass: a short name line, repeated, then a bio that starts with the name.
    pub author_box: AuthorBoxSettings,
    /// The pass that collapses repeated adjacent lines to one.
    pub duplicates: DuplicateSettings,
    /// The tail pass: trailing runs of short non-sentence lines (teasers, link lists).
    pub tail: TailSettings,
    /// The content detector (model and phrase lists in `rules/detector/`).
    pub detector: DetectorSettings,
}

/// Defaults for truncate rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct TruncateSettings {
    /// Words of text that must stand before a truncate marker for it to cut (the guard), unless
    /// the rule sets its own `min-words-before`.
    pub min_words_before: usize,
}

/// `thread` rules: a reader-comment thread is cut off only after the article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct ThreadSettings {
    /// Words in lines that end like sentences that must stand before the thread's first entry
    /// (an entry-like line near the top, such as a dated byline, stays).
    pub min_words_before: usize,
}

/// The author-box pass.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct AuthorBoxSettings {
    /// Run the pass.
    pub enabled: bool,
    /// A name line has at most this many words.
    pub max_name_words: usize,
    /// A bio has at most this many words.
    pub max_bio_words: usize,
}

/// The adjacent-duplicates pass.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct DuplicateSettings {
    /// Run the pass.
    pub enabled: bool,
}

/// The tail pass.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct TailSettings {
    /// Run the pass.
    pub enabled: bool,
    /// A line of at most this many words that does not end like a sentence counts as short.
    pub max_words: usize,
    /// A teaser cut off with `...` or `…` counts as short up to this many words.
    pub max_teaser_words: usize,
    /// A trailing run is removed only when it has at least this many short lines.
    pub min_run: usize,
    /// Never let the pass remove more than this share of the document's words.
    pub max_share: f64,
}

/// The content detector. Its model, chrome phrase list and stopword lists are data compiled in
/// from `rules/detector/`; the switch, the decision threshold, the back-off and the keep
/// passes (headline, headings and lists inside the article, its last lines) are here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct DetectorSettings {
    /// Run the detector.
    pub enabled: bool,
    /// Documents with fewer tokens are left alone: too little context to find an article in.
    pub min_tokens: usize,
    /// Keep a line when the model's probability that it is content is at least this
    /// (0 keeps every line, 1 none; lower favours recall).
    pub threshold: f64,
    /// The back-off applies to documents of at least this many tokens.
    pub backoff_min_tokens: usize,
    /// Back off when the kept lines would hold less than this share of the document's tokens.
    pub backoff_min_share: f64,
    /// Keep the headline: the nearest title-like line (4-30 tokens, not chrome, not ending
    /// like a sentence) among this many lines before the first kept sentence (0: off).
    pub headline_lookback: usize,
    /// Keep a dropped run of at most this many lines between two kept lines when every line
    /// of it is a heading or a list item (0: off).
    pub fill_max: usize,
    /// List items: lines of at most this many tokens, not chrome. After a kept line ending
    /// with `:`, the run of list items that follows is kept (0: off).
    pub list_max_tokens: usize,
    /// After the last kept line, keep what still reads like the article: sentences (not
    /// cut off with `...`), a list after a line ending with `:`, and short headings right
    /// before either.
    pub extend: bool,
}

impl Default for DetectorSettings {
    fn default() -> Self {
        DetectorSettings {
            enabled: true,
            min_tokens: 30,
            threshold: 0.5,
            backoff_min_tokens: 30,
            backoff_min_share: 0.1,
            headline_lookback: 3,
            fill_max: 2,
            list_max_tokens: 12,
            extend: true,
        }
    }
}

impl Default for TruncateSettings {
    fn default() -> Self {
        TruncateSettings {
            min_words_before: 40,
        }
    }
}

impl Default for ThreadSettings {
    fn default() -> Self {
        ThreadSettings {
            min_words_before: 100,
        }
    }
}

impl Default for AuthorBoxSettings {
    fn default() -> Self {
        AuthorBoxSettings {
            enabled: true,
            max_name_words: 5,
            max_bio_words: 120,
        }
    }
}

impl Default for DuplicateSettings {
    fn default() -> Self {
        DuplicateSettings { enabled: true }
    }
}

impl Default for TailSettings {
    fn default() -> Self {
        TailSettings {
            enabled: true,
            max_words: 14,
            max_teaser_words: 40,
            min_run: 2,
            max_share: 0.5,
        }
    }
}

impl Settings {
    /// The built-in settings (`rules/settings.toml`, compiled in).
    pub fn builtin() -> Settings {
        Settings::from_toml("<built-in settings>", BUILTIN_SETTINGS)
            .expect("the built-in settings file is checked by the test suite")
    }

    /// Parse a settings file; `name` is used in diagnostics.
    pub fn from_toml(name: &str, text: &str) -> Result<Settings, LoadError> {
        toml::from_str(text)
            .map_err(|e| LoadError::new(vec![Diagnostic::from_toml(name, text, &e)]))
    }

    /// Read and parse a settings file.
    pub fn load(path: &std::path::Path) -> Result<Settings, LoadError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| LoadError::new(vec![Diagnostic::io(&name, &e)]))?;
        Settings::from_toml(&name, &text)
    }

    /// The settings as TOML, every field written out (for reports and `settings show`).
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("settings always serialize")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_settings_parse() {
        let s = Settings::from_toml("settings.toml", BUILTIN_SETTINGS).unwrap();
        assert!(s.tail.enabled);
        assert_eq!(s.detector, DetectorSettings::default());
    }

    #[test]
    fn unknown_key_is_an_error() {
        let err = Settings::from_toml("s.toml", "[tail]\nmax-wrods = 3\n").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("s.toml:2:1"), "{text}");
        assert!(text.contains("max-wrods"), "{text}");
    }

    #[test]
    fn round_trips_through_toml() {
        let s = Settings::default();
        assert_eq!(Settings::from_toml("x", &s.to_toml()).unwrap(), s);
    }
}
