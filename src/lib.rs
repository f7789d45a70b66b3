//! declutter: strip site boilerplate ("chrome") from text scraped off news pages.
//!
//! The library does all the work; the `declutter` binary only wires it to files, stdin and
//! JSONL. A [`RuleSet`] is loaded once from TOML rule packs (the built-in ones are compiled in)
//! plus one [`Settings`] file, and then cleans any number of documents from any number of
//! threads:
//!
//! ```
//! let rules = declutter::RuleSet::builtin();
//! let cleaned = rules.clean("Zelensky spoke on Tuesday.\nspot_img\n", None);
//! assert_eq!(cleaned.text, "Zelensky spoke on Tuesday.\n");
//! ```
//!
//! Loading can fail (with [`LoadError`], every problem of every file listed); cleaning cannot.

mod clean;
mod decode;
mod detector;
mod diag;
mod format;
mod matcher;
mod normalize;
mod rules;
mod settings;
mod source;
mod structure;
mod thread;
pub mod verify;
mod words;

pub use crate::{
    clean::{Action, By, Cleaned, Hit, Stage},
    decode::{Decoded, decode},
    diag::{Diagnostic, LoadError, Severity},
    normalize::{NormalizeOptions, normalize},
    rules::{Rule, RuleId, RuleKind, RuleSet, RuleSetBuilder},
    settings::Settings,
    source::domain_of,
};

/// Split text into lines the way the cleaner counts them: `\n`, `\r\n` and a lone `\r` each end
/// a line. Line `i` of this iterator (0-based) is what [`Hit::line`] `i + 1` points at.
pub fn lines(text: &str) -> impl Iterator<Item = &str> {
    crate::normalize::split_lines(text)
}
