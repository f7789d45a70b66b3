//! From `--rules`, `--no-default-rules`, `--disable`, `--settings` and the `--no-*` switches to
//! the effective [`Settings`] and a loaded [`RuleSet`], printing every load problem.

use declutter::{LoadError, RuleSet, Settings};

use crate::args::{NormalizeStep, RuleArgs, StageSwitch};
use crate::messages::Reporter;

/// The settings file (or the built-in one) with the command-line switches applied.
pub fn settings(args: &RuleArgs) -> Result<Settings, LoadError> {
    let mut s = match &args.settings {
        Some(path) => Settings::load(path)?,
        None => Settings::builtin(),
    };
    for step in &args.no_normalize {
        let n = &mut s.normalize;
        match step {
            NormalizeStep::Nfc => n.nfc = false,
            NormalizeStep::LineEndings => n.line_endings = false,
            NormalizeStep::UnicodeSpaces => n.unicode_spaces = false,
            NormalizeStep::ZeroWidth => n.zero_width = false,
            NormalizeStep::HtmlEntities => n.html_entities = false,
            NormalizeStep::CollapseSpaces => n.collapse_spaces = false,
            NormalizeStep::TrimLines => n.trim_lines = false,
            NormalizeStep::BlankLines => n.blank_lines = false,
        }
    }
    for stage in &args.no_stage {
        match stage {
            StageSwitch::AuthorBox => s.author_box.enabled = false,
            StageSwitch::Duplicates => s.duplicates.enabled = false,
            StageSwitch::Tail => s.tail.enabled = false,
            StageSwitch::Detector => s.detector.enabled = false,
        }
    }
    Ok(s)
}

/// Load the rules. On failure every diagnostic has been printed and `None` comes back: the
/// caller exits with code 2 before reading any input. Load warnings are printed and counted
/// (as errors with `--strict`, which also makes them fatal).
pub fn load(args: &RuleArgs, reporter: &mut Reporter) -> Option<RuleSet> {
    let loaded = settings(args).and_then(|settings| {
        let mut builder = RuleSet::builder()
            .default_rules(!args.no_default_rules)
            .settings(settings);
        for path in &args.rules {
            builder = builder.add_path(path);
        }
        for id in &args.disable {
            builder = builder.disable(id);
        }
        builder.build()
    });
    let rules = match loaded {
        Ok(rules) => rules,
        Err(err) => {
            reporter.print(&format!("{err}\n"));
            reporter.errors += err.error_count().max(1) as u64;
            return None;
        }
    };
    let warnings = rules.warnings();
    for diag in warnings {
        reporter.print(&format!("{diag}\n"));
    }
    if !warnings.is_empty() {
        let n = warnings.len();
        let msg = format!("rule files: {n} warning{}", if n == 1 { "" } else { "s" });
        if args.strict {
            reporter.error(format!("{msg} (--strict makes them errors)"));
            return None;
        }
        reporter.warnings += n as u64;
    }
    Some(rules)
}
