//! `declutter rules test`, `declutter rules list` and `declutter settings`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use declutter::RuleSet;

use crate::args::{RuleArgs, RulesListArgs, RulesTestArgs, SettingsArgs};
use crate::messages::Reporter;
use crate::setup;

fn load(args: &RuleArgs) -> (Option<RuleSet>, Reporter) {
    let mut reporter = Reporter::new(args.strict);
    let rules = setup::load(args, &mut reporter);
    (rules, reporter)
}

/// Run every rule's examples and every fixture; 0 all passed, 1 something failed, 2 the rules
/// did not load.
pub fn test(args: RulesTestArgs) -> Result<ExitCode> {
    let (Some(rules), _) = load(&args.rules) else {
        return Ok(ExitCode::from(2));
    };
    let fixtures: Option<PathBuf> = match args.fixtures {
        Some(dir) => {
            if !dir.is_dir() {
                anyhow::bail!("{}: no such fixture directory", dir.display());
            }
            Some(dir)
        }
        None => Some(PathBuf::from("fixtures")).filter(|d| d.is_dir()),
    };
    let report = declutter::verify::run(&rules, fixtures.as_deref(), args.bless);
    let mut out = std::io::stdout().lock();
    write!(out, "{report}")?;
    if !report.to_string().ends_with('\n') {
        writeln!(out)?;
    }
    out.flush()?;
    Ok(if report.failed() > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// One aligned line per rule: id, kind, sources (or `*`), path:line, description.
pub fn list(args: RulesListArgs) -> Result<ExitCode> {
    let (Some(rules), _) = load(&args.rules) else {
        return Ok(ExitCode::from(2));
    };
    let rows: Vec<[String; 5]> = rules
        .rules()
        .iter()
        .map(|rule| {
            let sources = if rule.sources().is_empty() {
                "*".to_string()
            } else {
                rule.sources().join(",")
            };
            [
                rule.id().to_string(),
                rule.kind().to_string(),
                sources,
                format!("{}:{}", rule.path(), rule.line()),
                rule.description().to_string(),
            ]
        })
        .collect();
    let mut out = std::io::stdout().lock();
    out.write_all(table(&rows).as_bytes())?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Columns padded to their widest cell, the last one not padded.
fn table(rows: &[[String; 5]]) -> String {
    let mut widths = [0usize; 5];
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut s = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(cell);
                let pad = widths[i] - cell.chars().count() + 2;
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        s.push_str(line.trim_end());
        s.push('\n');
    }
    s
}

/// Print the effective settings as TOML.
pub fn settings(args: SettingsArgs) -> Result<ExitCode> {
    let settings = match setup::settings(&args.rules) {
        Ok(s) => s,
        Err(err) => {
            eprintln!("{err}");
            return Ok(ExitCode::from(2));
        }
    };
    let mut out = std::io::stdout().lock();
    out.write_all(settings.to_toml().as_bytes())?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_aligns_columns() {
        let row = |a: &str, b: &str| [a.into(), b.into(), "*".into(), "f:1".into(), "d".into()];
        let t = table(&[row("a", "drop-line"), row("longer-id", "strip")]);
        assert_eq!(
            t,
            "a          drop-line  *  f:1  d\nlonger-id  strip      *  f:1  d\n"
        );
    }
}
