//! `rules test`: do the rules hold? One implementation, used by the CLI and by `cargo test`.
//!
//! - Every `must-remove` example goes through its rule alone (structural passes off) and must
//!   change; a truncate or thread rule's example is checked as the tail of a document long
//!   enough to pass its guard. A thread needs two entries, which may be other thread rules':
//!   a thread rule's example runs with all thread rules and must come out otherwise than
//!   without the rule. A failure is *Missing*.
//! - Every `must-keep` example goes through all rules (structural passes off) for the rule's
//!   first source and must come out as it went in. A failure is *Noisy* and names the rules that
//!   changed it.
//! - Every fixture `DIR/<case>/input.txt` is cleaned with the whole pipeline and must equal
//!   `expected.txt` byte for byte; a mismatch shows a unified diff. `bless` writes the current
//!   output as expected instead.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use similar::TextDiff;

use crate::clean::{Passes, clean_with};
use crate::format::RawFixtureMeta;
use crate::normalize::normalize;
use crate::rules::{Rule, RuleKind, RuleSet};

/// The outcome of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It holds.
    Pass,
    /// It does not; the text says how (with a diff for fixtures).
    Fail(String),
    /// A fixture's expected output was (re)written.
    Blessed,
}

/// One checked rule or fixture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// `rule <id>` or `fixture <name>`.
    pub name: String,
    /// What happened.
    pub outcome: Outcome,
}

/// Everything `rules test` checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Rule checks, by rule id.
    pub rules: Vec<Check>,
    /// Fixture checks, by case name.
    pub fixtures: Vec<Check>,
    /// Number of examples run.
    pub examples: usize,
}

impl Report {
    fn all(&self) -> impl Iterator<Item = &Check> {
        self.rules.iter().chain(&self.fixtures)
    }
    /// Checks that failed.
    pub fn failed(&self) -> usize {
        self.all()
            .filter(|c| matches!(c.outcome, Outcome::Fail(_)))
            .count()
    }
    /// Checks that passed (blessed fixtures count as passed).
    pub fn passed(&self) -> usize {
        self.all().count() - self.failed()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "running {} rule examples of {} rules, {} fixtures",
            self.examples,
            self.rules.len(),
            self.fixtures.len()
        )?;
        for c in self.all() {
            match &c.outcome {
                Outcome::Pass => {}
                Outcome::Blessed => writeln!(f, "BLESSED {}", c.name)?,
                Outcome::Fail(why) => {
                    writeln!(f, "FAIL {}", c.name)?;
                    for line in why.lines() {
                        writeln!(f, "    {line}")?;
                    }
                }
            }
        }
        write!(f, "{} passed, {} failed", self.passed(), self.failed())
    }
}

/// Check every rule's examples and, when `fixtures` is given, every fixture under it.
pub fn run(rules: &RuleSet, fixtures: Option<&Path>, bless: bool) -> Report {
    let mut report = Report::default();
    let mut settings = rules.settings().clone();
    settings.normalize = Default::default();
    let all_rules = rules.with_settings(settings.clone());
    for rule in rules.rules() {
        let (outcome, n) = check_rule(rule, &all_rules);
        report.examples += n;
        report.rules.push(Check {
            name: format!("rule {}", rule.id()),
            outcome,
        });
    }
    if let Some(dir) = fixtures {
        report.fixtures = check_fixtures(rules, dir, bless);
    }
    report
}

/// Filler prose put before a truncate or thread rule's examples so that the guard lets it cut.
fn filler(words: usize) -> String {
    let sentence = "The committee met on Tuesday and agreed to publish its annual report in full.";
    let per = sentence.split_whitespace().count();
    (0..words.div_ceil(per) + 1)
        .map(|_| format!("{sentence}\n"))
        .collect()
}

fn check_rule(rule: &Rule, all: &RuleSet) -> (Outcome, usize) {
    let source = rule.sources().first().map(String::as_str);
    // The rule set the examples run through, and for a thread rule the same set without it: a
    // thread needs two entries, often of different rules (a title, then author lines), so a
    // thread rule's example runs with the other thread rules and must come out otherwise than
    // without this rule.
    let (with, without) = if rule.kind() == RuleKind::Thread {
        let others: Vec<Rule> = all
            .rules()
            .iter()
            .filter(|r| r.kind() == RuleKind::Thread && r.id() != rule.id())
            .cloned()
            .collect();
        let mut with = others.clone();
        with.push(rule.clone());
        (
            RuleSet::of(with, all.settings().clone()),
            Some(RuleSet::of(others, all.settings().clone())),
        )
    } else {
        (RuleSet::single(rule, all.settings().clone()), None)
    };
    let prefix = match rule.kind() {
        RuleKind::Truncate => filler(
            rule.min_words_before()
                .unwrap_or(all.settings().truncate.min_words_before),
        ),
        RuleKind::Thread => filler(all.settings().thread.min_words_before),
        _ => String::new(),
    };
    let no_passes = Passes { structural: false };
    let mut problems = Vec::new();
    for ex in rule.must_remove() {
        let doc = format!("{prefix}{ex}\n");
        let before = normalize(&doc, &all.settings().normalize);
        let after = clean_with(&with, &doc, source, no_passes).text;
        let missing = after == before
            || without
                .as_ref()
                .is_some_and(|w| after == clean_with(w, &doc, source, no_passes).text);
        if missing {
            problems.push(format!(
                "Missing: must-remove example is not removed: {ex:?}"
            ));
        }
    }
    for ex in rule.must_keep() {
        let doc = format!("{prefix}{ex}\n");
        let before = normalize(&doc, &all.settings().normalize);
        let after = clean_with(all, &doc, source, no_passes);
        if after.text != before {
            let mut by: Vec<&str> = after
                .hits
                .iter()
                .filter(|h| h.action != crate::Action::Changed)
                .map(|h| all.label(h.by))
                .collect();
            by.sort_unstable();
            by.dedup();
            problems.push(format!(
                "Noisy: must-keep example is changed by {}: {ex:?}",
                by.join(", ")
            ));
        }
    }
    let n = rule.must_remove().len() + rule.must_keep().len();
    if problems.is_empty() {
        (Outcome::Pass, n)
    } else {
        (Outcome::Fail(problems.join("\n")), n)
    }
}

fn check_fixtures(rules: &RuleSet, dir: &Path, bless: bool) -> Vec<Check> {
    let mut cases: Vec<PathBuf> = match fs::read_dir(dir) {
        Ok(entries) => entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect(),
        Err(e) => {
            return vec![Check {
                name: format!("fixtures {}", dir.display()),
                outcome: Outcome::Fail(format!("cannot read the fixtures directory: {e}")),
            }];
        }
    };
    cases.sort();
    cases
        .iter()
        .map(|case| {
            let name = case
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            Check {
                name: format!("fixture {name}"),
                outcome: check_fixture(rules, case, bless),
            }
        })
        .collect()
}

fn check_fixture(rules: &RuleSet, case: &Path, bless: bool) -> Outcome {
    let bytes = match fs::read(case.join("input.txt")) {
        Ok(b) => b,
        Err(e) => return Outcome::Fail(format!("cannot read input.txt: {e}")),
    };
    let meta: RawFixtureMeta = match fs::read_to_string(case.join("meta.toml")) {
        Ok(text) => match toml::from_str(&text) {
            Ok(m) => m,
            Err(e) => return Outcome::Fail(format!("meta.toml: {}", e.message())),
        },
        Err(_) => RawFixtureMeta::default(),
    };
    let text = match crate::decode(&bytes) {
        Ok(d) => d.text.into_owned(),
        Err(why) => return Outcome::Fail(format!("input.txt is not text: {why}")),
    };
    let got = rules.clean(&text, meta.source.as_deref()).text;
    let expected_path = case.join("expected.txt");
    let expected = fs::read_to_string(&expected_path);
    if bless && expected.as_ref().ok() != Some(&got) {
        // Only mismatching or missing cases are written, so `git diff` shows just those.
        return match fs::write(&expected_path, &got) {
            Ok(()) => Outcome::Blessed,
            Err(e) => Outcome::Fail(format!("cannot write expected.txt: {e}")),
        };
    }
    match expected {
        Ok(expected) if expected == got => Outcome::Pass,
        Ok(expected) => Outcome::Fail(
            TextDiff::from_lines(&expected, &got)
                .unified_diff()
                .context_radius(2)
                .header("expected.txt", "actual output")
                .to_string(),
        ),
        Err(_) => {
            Outcome::Fail("no expected.txt: run `declutter rules test --bless` to create it".into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: &str = r#"
[[rule]]
id = "trending"
description = "d"
kind = "drop-line"
match = { exact = "Trending" }
must-remove = ["Trending"]
must-keep = ["Trending topics were discussed."]

[[rule]]
id = "leave-a-reply"
description = "d"
kind = "truncate"
match = { exact = "LEAVE A REPLY" }
must-remove = ["LEAVE A REPLY\nPlease enter your comment!"]
must-keep = ["He did not leave a reply."]
"#;

    #[test]
    fn good_examples_pass() {
        let rs = RuleSet::from_toml("t.toml", RULES).unwrap();
        let r = run(&rs, None, false);
        assert_eq!((r.passed(), r.failed()), (2, 0), "{r}");
        assert_eq!(r.examples, 4);
    }

    #[test]
    fn missing_and_noisy_are_reported_with_the_rule_that_fired() {
        let bad = RULES
            .replace(
                "must-remove = [\"Trending\"]",
                "must-remove = [\"Trending now\"]",
            )
            .replace(
                "must-keep = [\"He did not leave a reply.\"]",
                "must-keep = [\"Trending\"]",
            );
        let rs = RuleSet::from_toml("t.toml", &bad).unwrap();
        let r = run(&rs, None, false);
        let text = r.to_string();
        assert!(text.contains("FAIL rule trending\n    Missing: must-remove example is not removed: \"Trending now\""), "{text}");
        assert!(
            text.contains("Noisy: must-keep example is changed by trending: \"Trending\""),
            "{text}"
        );
        assert!(text.ends_with("0 passed, 2 failed"), "{text}");
    }

    #[test]
    fn fixtures_diff_and_bless() {
        let rs = RuleSet::from_toml("t.toml", RULES).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let case = dir.path().join("generic-trending");
        fs::create_dir(&case).unwrap();
        fs::write(case.join("input.txt"), "Body text.\nTrending\n").unwrap();
        let r = run(&rs, Some(dir.path()), false);
        assert!(r.to_string().contains("no expected.txt"), "{r}");
        fs::write(case.join("expected.txt"), "Body text.\nTrending\n").unwrap();
        let r = run(&rs, Some(dir.path()), false);
        assert!(r.to_string().contains("-Trending"), "{r}");
        let r = run(&rs, Some(dir.path()), true);
        assert_eq!(r.failed(), 0);
        assert!(
            r.to_string().contains("BLESSED fixture generic-trending"),
            "{r}"
        );
        assert_eq!(
            fs::read_to_string(case.join("expected.txt")).unwrap(),
            "Body text.\n"
        );
        assert_eq!(run(&rs, Some(dir.path()), false).failed(), 0);
        // Blessing again writes nothing: the case already matches.
        assert!(
            !run(&rs, Some(dir.path()), true)
                .to_string()
                .contains("BLESSED")
        );
    }
}
