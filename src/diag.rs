//! Diagnostics for rule and settings files: `path:line:col`, the offending line with a caret,
//! the rule id, a message and a hint. A [`Diagnostic`] owns everything it needs to print itself.
//!
//! Loading collects every problem of every file into one [`LoadError`], so a user fixes them all
//! in one go instead of one per run.

use std::fmt;

/// How bad a problem is. Errors stop loading; warnings are printed and loading goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// Loading fails.
    Error,
    /// Printed, loading goes on.
    Warning,
}

/// One problem in a rule or settings file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The file, as the user named it (or `<built-in>/…` for compiled-in packs).
    pub path: String,
    /// 1-based line, 0 when the problem has no position (an unreadable file).
    pub line: usize,
    /// 1-based column in characters.
    pub column: usize,
    /// The source line the problem is on (empty when `line` is 0).
    pub snippet: String,
    /// How many characters to underline (at least 1 when there is a snippet).
    pub width: usize,
    /// The rule the problem belongs to, when known.
    pub rule: Option<String>,
    /// What is wrong.
    pub message: String,
    /// Extra context lines (`= note: …`), e.g. the regex crate's own error.
    pub notes: Vec<String>,
    /// How to fix it.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A diagnostic pointing at byte range `span` of `src` (the text of file `path`).
    pub(crate) fn at(
        path: &str,
        src: &str,
        span: std::ops::Range<usize>,
        message: impl Into<String>,
    ) -> Self {
        let start = span.start.min(src.len());
        let (line, column) = line_col(src, start);
        let line_start = src[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = src[start..].find('\n').map_or(src.len(), |i| start + i);
        let snippet = src[line_start..line_end].trim_end_matches('\r').to_string();
        let end = span.end.clamp(start, line_end);
        let width = src[start..end].chars().count().max(1);
        Diagnostic {
            severity: Severity::Error,
            path: path.to_string(),
            line,
            column,
            snippet,
            width,
            rule: None,
            message: message.into(),
            notes: Vec::new(),
            help: None,
        }
    }

    /// A diagnostic with no position (an unreadable file, a problem with the whole set).
    pub(crate) fn plain(path: &str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            path: path.to_string(),
            line: 0,
            column: 0,
            snippet: String::new(),
            width: 0,
            rule: None,
            message: message.into(),
            notes: Vec::new(),
            help: None,
        }
    }

    /// An I/O error reading `path`.
    pub(crate) fn io(path: &str, err: &std::io::Error) -> Self {
        Diagnostic::plain(path, format!("cannot read: {err}"))
    }

    /// A TOML syntax or shape error, with the toml crate's span and a clearer message for the
    /// cryptic cases.
    pub(crate) fn from_toml(path: &str, src: &str, err: &toml::de::Error) -> Self {
        let raw = err.message().trim().to_string();
        let (message, help) = if raw.starts_with("wanted exactly 1 element") {
            (
                "`match` and `until` take exactly one of `exact`, `prefix`, `contains`, `regex`"
                    .to_string(),
                Some("write e.g. match = { prefix = \"Read Also:\" }".to_string()),
            )
        } else if raw.starts_with("unknown field") {
            (
                raw,
                Some(
                    "keys are kebab-case; file-level keys go before the first [[rule]]".to_string(),
                ),
            )
        } else {
            (raw, None)
        };
        let mut d = match err.span() {
            Some(span) => Diagnostic::at(path, src, span, message),
            None => Diagnostic::plain(path, message),
        };
        d.help = help;
        d
    }

    /// Attach the rule id.
    pub(crate) fn rule(mut self, id: &str) -> Self {
        self.rule = Some(id.to_string());
        self
    }

    /// Attach a hint.
    pub(crate) fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Attach a note.
    pub(crate) fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Make it a warning.
    pub(crate) fn warning(mut self) -> Self {
        self.severity = Severity::Warning;
        self
    }
}

/// 1-based line and column (in characters) of byte `offset` in `src`.
pub(crate) fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(src.len());
    while !src.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &src[..offset];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        match &self.rule {
            Some(id) => writeln!(f, "{level}[rule {id}]: {}", self.message)?,
            None => writeln!(f, "{level}: {}", self.message)?,
        }
        if self.line == 0 {
            writeln!(f, "  --> {}", self.path)?;
        } else {
            let num = self.line.to_string();
            let pad = " ".repeat(num.len());
            writeln!(f, "{pad}--> {}:{}:{}", self.path, self.line, self.column)?;
            writeln!(f, "{pad} |")?;
            writeln!(f, "{num} | {}", self.snippet)?;
            let caret_pad: String = self
                .snippet
                .chars()
                .take(self.column - 1)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            writeln!(f, "{pad} | {caret_pad}{}", "^".repeat(self.width.max(1)))?;
        }
        for note in &self.notes {
            let mut lines = note.lines();
            if let Some(first) = lines.next() {
                writeln!(f, "   = note: {first}")?;
            }
            for l in lines {
                writeln!(f, "           {l}")?;
            }
        }
        if let Some(help) = &self.help {
            writeln!(f, "   = help: {help}")?;
        }
        Ok(())
    }
}

/// Rule or settings files that could not be loaded: every problem found, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    /// Every diagnostic (errors, and the warnings found along the way).
    pub diagnostics: Vec<Diagnostic>,
}

impl LoadError {
    pub(crate) fn new(diagnostics: Vec<Diagnostic>) -> Self {
        LoadError { diagnostics }
    }

    /// Number of errors (not warnings).
    pub fn error_count(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.diagnostics {
            writeln!(f, "{d}")?;
        }
        let mut files: Vec<&str> = self
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| d.path.as_str())
            .collect();
        files.sort_unstable();
        files.dedup();
        let n = self.error_count();
        write!(
            f,
            "error: {n} problem{} in {} file{}",
            if n == 1 { "" } else { "s" },
            files.len(),
            if files.len() == 1 { "" } else { "s" }
        )
    }
}

impl std::error::Error for LoadError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        let src = "ab\nçd = 1\n";
        assert_eq!(line_col(src, 0), (1, 1));
        assert_eq!(line_col(src, 3), (2, 1));
        // 'ç' is two bytes but one column.
        assert_eq!(line_col(src, 5), (2, 2));
        assert_eq!(line_col(src, 999), (3, 1));
    }

    #[test]
    fn renders_path_line_col_caret_and_help() {
        let src = "[[rule]]\nid = \"x\"\nkind = \"drop-lines\"\n";
        let start = src.find("\"drop-lines\"").unwrap();
        let d = Diagnostic::at("r.toml", src, start..start + 12, "unknown kind")
            .rule("x")
            .help("use drop-line");
        let text = d.to_string();
        assert_eq!(
            text,
            "error[rule x]: unknown kind\n --> r.toml:3:8\n  |\n3 | kind = \"drop-lines\"\n  |        ^^^^^^^^^^^^\n   = help: use drop-line\n"
        );
    }

    #[test]
    fn load_error_counts_problems_and_files() {
        let e = LoadError::new(vec![
            Diagnostic::plain("a.toml", "x"),
            Diagnostic::plain("b.toml", "y"),
            Diagnostic::plain("b.toml", "z"),
            Diagnostic::plain("c.toml", "w").warning(),
        ]);
        assert!(
            e.to_string().ends_with("error: 3 problems in 2 files"),
            "{e}"
        );
    }
}
