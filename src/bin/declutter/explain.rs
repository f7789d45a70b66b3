//! `--explain`: one line per hit, `path:line: [rule-id] verb: original text`, built by the
//! workers into a string and printed by the main thread in input order.

use std::fmt::Write as _;
use std::io::IsTerminal;

use declutter::{Hit, RuleSet};

use crate::args::ColorChoice;

/// Longest text shown for a line, in characters.
const MAX_TEXT: usize = 120;

/// Whether to color stderr: `--color always|never` decides; `auto` colors a terminal unless
/// `NO_COLOR` is set (to anything non-empty).
pub fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stderr().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

/// Formats hits; cheap to copy into each worker.
#[derive(Debug, Clone, Copy)]
pub struct Explainer {
    pub color: bool,
}

impl Explainer {
    /// Append one line per hit to `out`. `location` is the path, or `path:RECORD_LINE` for a
    /// JSONL record; `original` is the text the hit line numbers point into.
    pub fn explain(
        &self,
        out: &mut String,
        rules: &RuleSet,
        location: &str,
        original: &str,
        hits: &[Hit],
    ) {
        if hits.is_empty() {
            return;
        }
        let lines: Vec<&str> = declutter::lines(original).collect();
        for hit in hits {
            let text = hit
                .line
                .checked_sub(1)
                .and_then(|i| lines.get(i))
                .copied()
                .unwrap_or("");
            let label = rules.label(hit.by);
            let label = match hit.score {
                Some(score) => format!("{label} {score:.2}"),
                None => label.to_string(),
            };
            let verb = hit.action.verb();
            let text = shorten(text);
            if self.color {
                let _ = writeln!(
                    out,
                    "\x1b[35m{location}\x1b[0m:\x1b[32m{}\x1b[0m: \x1b[1;33m[{label}]\x1b[0m \x1b[31m{verb}\x1b[0m: {text}",
                    hit.line
                );
            } else {
                let _ = writeln!(out, "{location}:{}: [{label}] {verb}: {text}", hit.line);
            }
        }
    }
}

/// The line as shown: control characters escaped (no terminal escapes from scraped text),
/// cut to [`MAX_TEXT`] characters with `…`.
fn shorten(text: &str) -> String {
    let text = text.trim_end();
    let mut out = String::with_capacity(text.len().min(MAX_TEXT * 4));
    for (count, c) in text.chars().enumerate() {
        if count == MAX_TEXT - 1 && text.chars().nth(MAX_TEXT).is_some() {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortens_long_lines_and_escapes_controls() {
        assert_eq!(shorten("a\u{1b}[31mb  "), "a\\u{1b}[31mb");
        let long = "x".repeat(300);
        let s = shorten(&long);
        assert_eq!(s.chars().count(), MAX_TEXT);
        assert!(s.ends_with('…'));
        let exact = "y".repeat(MAX_TEXT);
        assert_eq!(shorten(&exact), exact);
    }
}
