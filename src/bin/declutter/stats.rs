//! Counting a run (`--stats` summary on stderr, `--report FILE.json`).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use declutter::{Action, By, Hit, RuleSet};
use serde_json::{Map, Value, json};

/// Hits of one rule or stage.
#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    /// Lines removed (dropped, truncated, in a dropped block).
    pub removed: u64,
    /// Lines changed but kept (stripped tokens, normalization).
    pub changed: u64,
}

#[derive(Debug)]
pub struct Stats {
    started: Instant,
    /// Input files (a JSONL file counts once; stdin counts as one).
    pub files: u64,
    /// JSONL records cleaned.
    pub records: u64,
    /// Inputs skipped by `--skip-existing`.
    pub skipped: u64,
    pub bytes_in: u64,
    pub bytes_out: u64,
    /// Counts by rule (by [`declutter::RuleId::index`]), with the label they are reported
    /// under: an index, not a hash of the label, for every hit of the run.
    by_rule: Vec<Option<(String, Counts)>>,
    /// The same by stage.
    by_stage: Vec<Option<(String, Counts)>>,
}

impl Stats {
    pub fn new() -> Stats {
        Stats {
            started: Instant::now(),
            files: 0,
            records: 0,
            skipped: 0,
            bytes_in: 0,
            bytes_out: 0,
            by_rule: Vec::new(),
            by_stage: Vec::new(),
        }
    }

    pub fn add_hits(&mut self, rules: &RuleSet, hits: &[Hit]) {
        for hit in hits {
            let (slots, i) = match hit.by {
                By::Rule(id) => (&mut self.by_rule, id.index()),
                By::Stage(stage) => (&mut self.by_stage, stage as usize),
            };
            if slots.len() <= i {
                slots.resize(i + 1, None);
            }
            let counts = &mut slots[i]
                .get_or_insert_with(|| (rules.label(hit.by).to_string(), Counts::default()))
                .1;
            if hit.action.removes_line() {
                counts.removed += 1;
            } else if hit.action != Action::UnterminatedBlock {
                // Stripped or normalized. (An unterminated block changed nothing.)
                counts.changed += 1;
            }
        }
    }

    /// The counts of every rule and stage with a hit.
    fn counts(&self) -> impl Iterator<Item = &Counts> {
        self.by_rule
            .iter()
            .chain(&self.by_stage)
            .flatten()
            .map(|(_, c)| c)
    }

    /// The counts by label (a rule's id or a stage's name).
    fn by_label(&self) -> HashMap<&str, Counts> {
        let mut by_label: HashMap<&str, Counts> = HashMap::new();
        for (label, counts) in self.by_rule.iter().chain(&self.by_stage).flatten() {
            let sum = by_label.entry(label).or_default();
            sum.removed += counts.removed;
            sum.changed += counts.changed;
        }
        by_label
    }

    /// Per rule or stage, most lines removed first, then most changed, then by name.
    fn sorted(&self) -> Vec<(&str, Counts)> {
        let mut v: Vec<(&str, Counts)> = self
            .by_label()
            .into_iter()
            .filter(|(_, c)| c.removed + c.changed > 0)
            .collect();
        v.sort_by(|a, b| {
            b.1.removed
                .cmp(&a.1.removed)
                .then(b.1.changed.cmp(&a.1.changed))
                .then(a.0.cmp(b.0))
        });
        v
    }

    fn lines_removed(&self) -> u64 {
        self.counts().map(|c| c.removed).sum()
    }

    fn lines_changed(&self) -> u64 {
        self.counts().map(|c| c.changed).sum()
    }

    fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    fn mb_per_s(&self) -> f64 {
        let secs = self.elapsed().as_secs_f64();
        if secs > 0.0 {
            self.bytes_in as f64 / 1e6 / secs
        } else {
            0.0
        }
    }

    /// The `--stats` text.
    pub fn summary(&self, warnings: u64, errors: u64) -> String {
        let mut s = String::new();
        let mut head = format!("{} file{}", self.files, plural(self.files));
        if self.records > 0 {
            head += &format!(", {} record{}", self.records, plural(self.records));
        }
        if self.skipped > 0 {
            head += &format!(" ({} skipped, output up to date)", self.skipped);
        }
        s += &format!("declutter: {head}\n");
        s += &format!(
            "  {} in, {} out ({} line{} removed, {} changed)\n",
            human_bytes(self.bytes_in),
            human_bytes(self.bytes_out),
            self.lines_removed(),
            plural(self.lines_removed()),
            self.lines_changed()
        );
        s += &format!(
            "  {} warning{}, {} error{}\n",
            warnings,
            plural(warnings),
            errors,
            plural(errors)
        );
        s += &format!(
            "  {:.2} s, {:.1} MB/s\n",
            self.elapsed().as_secs_f64(),
            self.mb_per_s()
        );
        let rows = self.sorted();
        if !rows.is_empty() {
            let width = rows
                .iter()
                .map(|(_, c)| c.removed.to_string().len())
                .max()
                .unwrap_or(1)
                .max("removed".len());
            let cwidth = rows
                .iter()
                .map(|(_, c)| c.changed.to_string().len())
                .max()
                .unwrap_or(1)
                .max("changed".len());
            s += &format!(
                "  {:>width$}  {:>cwidth$}  rule or stage\n",
                "removed", "changed"
            );
            for (label, c) in rows {
                s += &format!("  {:>width$}  {:>cwidth$}  {label}\n", c.removed, c.changed);
            }
        }
        s
    }

    /// The `--report` JSON.
    pub fn report(&self, rules: &RuleSet, warnings: u64, errors: u64) -> Value {
        let mut by_rule = Map::new();
        for (label, c) in self.sorted() {
            by_rule.insert(
                label.to_string(),
                json!({ "removed": c.removed, "changed": c.changed }),
            );
        }
        json!({
            "version": env!("CARGO_PKG_VERSION"),
            "rules_fingerprint": rules.fingerprint(),
            "files": self.files,
            "records": self.records,
            "skipped": self.skipped,
            "bytes_in": self.bytes_in,
            "bytes_out": self.bytes_out,
            "lines_removed": self.lines_removed(),
            "lines_changed": self.lines_changed(),
            "rules": Value::Object(by_rule),
            "warnings": warnings,
            "errors": errors,
            "elapsed_seconds": self.elapsed().as_secs_f64(),
            "mb_per_second": self.mb_per_s(),
        })
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if n < 1000 {
        return format!("{n} B");
    }
    let mut v = n as f64;
    let mut unit = "B";
    for u in UNITS {
        if v < 1000.0 {
            break;
        }
        v /= 1000.0;
        unit = u;
    }
    format!("{v:.1} {unit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes() {
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(1500), "1.5 KB");
        assert_eq!(human_bytes(2_500_000), "2.5 MB");
    }
}
