//! Warnings and errors on stderr, ripgrep style (`declutter: error: PATH: message`), counted so
//! the exit code and the summary can tell. Workers never print: they return [`Msg`]s, and the
//! main thread prints them in input order, so a run's messages are deterministic.

use std::io::Write;

use indicatif::ProgressBar;

/// How bad a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Warning,
    Error,
}

/// One message about one input, not printed yet. `text` is `PATH: what happened`.
#[derive(Debug, Clone)]
pub struct Msg {
    pub level: Level,
    pub text: String,
}

impl Msg {
    pub fn warning(text: impl Into<String>) -> Msg {
        Msg {
            level: Level::Warning,
            text: text.into(),
        }
    }

    pub fn error(text: impl Into<String>) -> Msg {
        Msg {
            level: Level::Error,
            text: text.into(),
        }
    }
}

/// Prints messages and other stderr output (explanations) without tearing the progress bar,
/// and counts warnings and errors. With `strict`, a warning is printed and counted as an error.
pub struct Reporter {
    strict: bool,
    pub warnings: u64,
    pub errors: u64,
    progress: ProgressBar,
}

impl Reporter {
    pub fn new(strict: bool) -> Reporter {
        Reporter {
            strict,
            warnings: 0,
            errors: 0,
            progress: ProgressBar::hidden(),
        }
    }

    /// The progress bar output goes around (hidden unless set).
    pub fn set_progress(&mut self, bar: ProgressBar) {
        self.progress = bar;
    }

    pub fn progress(&self) -> &ProgressBar {
        &self.progress
    }

    pub fn emit(&mut self, msg: &Msg) {
        let level = match msg.level {
            Level::Warning if !self.strict => {
                self.warnings += 1;
                "warning"
            }
            _ => {
                self.errors += 1;
                "error"
            }
        };
        self.print(&format!("declutter: {level}: {}\n", msg.text));
    }

    pub fn warning(&mut self, text: impl Into<String>) {
        self.emit(&Msg::warning(text));
    }

    pub fn error(&mut self, text: impl Into<String>) {
        self.emit(&Msg::error(text));
    }

    /// Write text to stderr as is. Errors writing stderr are ignored: there is nowhere left to
    /// report them.
    pub fn print(&self, text: &str) {
        if text.is_empty() {
            return;
        }
        self.progress.suspend(|| {
            let mut err = std::io::stderr().lock();
            let _ = err.write_all(text.as_bytes());
            let _ = err.flush();
        });
    }
}
