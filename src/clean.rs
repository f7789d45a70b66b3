//! The cleaning pipeline, and the only module that knows the order of its phases:
//!
//! 1. normalize every line (`normalize.rs`);
//! 2. `strip` rules remove spans inside lines (repeated until nothing changes, so a second run
//!    finds nothing);
//! 3. lines are classified once against the truncate, block and drop-line matchers;
//! 4. `truncate`: the first marker with enough words of text before it cuts the rest; then
//!    `thread`: a reader-comment thread after the article is cut off (`thread.rs`);
//! 5. `drop-block`: start marker through end marker (an unterminated block drops nothing);
//! 6. `drop-line`;
//! 7. structural passes, to a joint fixed point: the content detector (`detector/`), author box,
//!    adjacent duplicates, tail teasers (`structure.rs`);
//! 8. tidy: blank lines collapsed, one final newline.
//!
//! Phases are fixed by rule kind, never by file order, and within a phase the rules act as a
//! set. Every removal is recorded as a [`Hit`] with its line number in the original input.

use crate::matcher::{DocMask, Folded, LineMatcher};
use crate::normalize::{append_normalized_lines, join_lines, normalize_line};
use crate::rules::{Engine, RuleId, RuleSet};
use crate::structure;
use crate::words::{trim, word_count_up_to};

/// A pipeline stage that removes lines without a rule of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stage {
    /// Text normalization (reported for lines whose text changed).
    Normalize,
    /// The author-box pass.
    AuthorBox,
    /// The adjacent-duplicates pass.
    Duplicate,
    /// The tail pass (trailing teasers and link lists).
    Tail,
    /// The content detector.
    Detector,
}

impl Stage {
    /// The stage's name, as `--explain` and reports print it.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Normalize => "normalize",
            Stage::AuthorBox => "author-box",
            Stage::Duplicate => "duplicates",
            Stage::Tail => "tail",
            Stage::Detector => "detector",
        }
    }
}

/// What caused a hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum By {
    /// A rule.
    Rule(RuleId),
    /// A stage of the pipeline.
    Stage(Stage),
}

/// What happened to the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// The line was dropped.
    DroppedLine,
    /// Part of the line was removed.
    Stripped,
    /// The line was cut off by a truncate marker (the marker line included).
    Truncated,
    /// The line was inside a dropped block.
    DroppedBlock,
    /// A block start marker had no end marker, so nothing was dropped.
    UnterminatedBlock,
    /// Normalization changed the line's text.
    Changed,
}

impl Action {
    /// A short verb for reports.
    pub fn verb(self) -> &'static str {
        match self {
            Action::DroppedLine => "dropped",
            Action::Stripped => "stripped",
            Action::Truncated => "truncated",
            Action::DroppedBlock => "dropped block",
            Action::UnterminatedBlock => "unterminated block, kept",
            Action::Changed => "normalized",
        }
    }

    /// Whether the whole line is gone from the output.
    pub fn removes_line(self) -> bool {
        matches!(
            self,
            Action::DroppedLine | Action::Truncated | Action::DroppedBlock
        )
    }
}

/// One thing the cleaner did to one line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    /// 1-based line number in the original input (see [`crate::lines`]).
    pub line: usize,
    /// The rule or stage responsible.
    pub by: By,
    /// What happened.
    pub action: Action,
    /// The detector's score for the line, when the detector decided.
    pub score: Option<f32>,
}

/// The result of cleaning one document.
#[derive(Debug, Clone, PartialEq)]
pub struct Cleaned {
    /// The cleaned text: empty, or lines each ending in `\n`.
    pub text: String,
    /// Everything that was removed or changed, in line order.
    pub hits: Vec<Hit>,
}

/// A line as the later phases see it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct View<'a> {
    /// Normalized (and stripped) text.
    pub text: &'a str,
    /// Still in the output.
    pub alive: bool,
    /// 1-based line in the original input.
    pub line: usize,
}

impl View<'_> {
    pub(crate) fn is_blank(&self) -> bool {
        match self.text.as_bytes().first() {
            None => true,
            // An ASCII first byte that is not whitespace (what `trim` removes): text. One
            // compare for almost every line; the structural passes ask this in every round.
            Some(&b) if b.is_ascii() && !b.is_ascii_whitespace() && b != 0x0B => false,
            _ => trim(self.text).is_empty(),
        }
    }
}

/// Test helpers for the passes that work on views: every line of `text` alive, and the text of
/// the lines still alive.
#[cfg(test)]
pub(crate) mod test_views {
    use super::View;

    pub(crate) fn views(text: &str) -> Vec<View<'_>> {
        text.lines()
            .enumerate()
            .map(|(i, t)| View {
                text: t,
                alive: true,
                line: i + 1,
            })
            .collect()
    }

    pub(crate) fn kept(v: &[View]) -> String {
        v.iter()
            .filter(|v| v.alive)
            .map(|v| format!("{}\n", v.text))
            .collect()
    }
}

fn hit(line: usize, by: By, action: Action) -> Hit {
    Hit {
        line,
        by,
        action,
        score: None,
    }
}

/// The lowest-id rule of any engine whose phase matcher matches, and that engine's index.
/// `masks` has one [`DocMask`] per engine, made for this phase on the document of `line`.
fn find_rule(
    engines: &[&Engine],
    phase: impl Fn(&Engine) -> &LineMatcher,
    masks: &[DocMask],
    line: &str,
    folded: &mut Folded,
) -> Option<(usize, RuleId)> {
    let mut best: Option<(usize, RuleId)> = None;
    for (i, e) in engines.iter().enumerate() {
        if let Some(r) = phase(e).find_in(line, folded, masks[i]) {
            if best.is_none_or(|(_, b)| r < b) {
                best = Some((i, r));
            }
        }
    }
    best
}

/// Drop line `at` and every line after it, for rule `r`.
fn truncate_at(views: &mut [View], at: usize, r: RuleId, hits: &mut Vec<Hit>) {
    for v in &mut views[at..] {
        if v.alive && !v.is_blank() {
            hits.push(hit(v.line, By::Rule(r), Action::Truncated));
        }
        v.alive = false;
    }
}

/// The [`DocMask`]s of one phase, one per engine, for the lines held in `doc`.
fn doc_masks(
    engines: &[&Engine],
    phase: impl Fn(&Engine) -> &LineMatcher,
    doc: &str,
    masks: &mut Vec<DocMask>,
) {
    masks.clear();
    masks.extend(engines.iter().map(|e| phase(e).doc_mask(doc)));
}

/// The buffers of [`clean_with`], kept by each thread from one document to the next so that a
/// document costs no allocation for them once the thread has cleaned a document as large.
#[derive(Default)]
struct Scratch {
    /// The normalized (and stripped) lines, one after the other.
    buf: String,
    /// Each line's span in `buf`.
    spans: Vec<(usize, usize)>,
    /// A line being normalized.
    norm: String,
    /// A line being stripped.
    line: String,
    /// Empty; its allocation holds the next document's views.
    views: Vec<View<'static>>,
    drop_by: Vec<Option<RuleId>>,
    truncate_by: Vec<Option<RuleId>>,
    thread_by: Vec<Option<RuleId>>,
    block_by: Vec<Option<(usize, RuleId)>>,
    drop_masks: Vec<DocMask>,
    truncate_masks: Vec<DocMask>,
    thread_masks: Vec<DocMask>,
    block_masks: Vec<DocMask>,
    /// The hits, before they are sorted and copied out.
    hits: Vec<Hit>,
    /// The case-folded line and the regex search caches (see [`Folded::start`]).
    folded: Option<Box<Folded>>,
}

/// A buffer of more bytes than this is not kept for the next document (a huge document must
/// not hold its memory until the thread ends). The detector's scratch keeps the same bound.
pub(crate) const KEEP_BYTES: usize = 4 << 20;

thread_local! {
    static SCRATCH: std::cell::Cell<Option<Box<Scratch>>> = const { std::cell::Cell::new(None) };
}

/// `v`, emptied, as a vector of another lifetime's views, in the same allocation (the views
/// of the next document borrow another buffer).
fn recycle<'b>(mut v: Vec<View<'_>>) -> Vec<View<'b>> {
    v.clear();
    // Empty, so the map never runs; mapping in place keeps the allocation.
    v.into_iter().map(|v| View { text: "", ..v }).collect()
}

/// Empty `v`, and free it when it holds more than [`KEEP_BYTES`].
fn reset<T>(v: &mut Vec<T>) {
    v.clear();
    if v.capacity() * size_of::<T>() > KEEP_BYTES {
        *v = Vec::new();
    }
}

/// Empty `s`, and free it when it holds more than [`KEEP_BYTES`].
fn reset_string(s: &mut String) {
    s.clear();
    if s.capacity() > KEEP_BYTES {
        *s = String::new();
    }
}

impl Scratch {
    /// This thread's scratch, emptied; give it back with [`Scratch::keep`].
    fn take() -> Box<Scratch> {
        SCRATCH.take().unwrap_or_default()
    }

    /// Keep the buffers for the next document, freeing any grown past [`KEEP_BYTES`].
    fn keep(mut self: Box<Self>) {
        reset_string(&mut self.buf);
        reset(&mut self.spans);
        reset_string(&mut self.norm);
        reset_string(&mut self.line);
        reset(&mut self.views);
        reset(&mut self.drop_by);
        reset(&mut self.truncate_by);
        reset(&mut self.thread_by);
        reset(&mut self.block_by);
        reset(&mut self.hits);
        SCRATCH.set(Some(self));
    }
}

/// Options for one run of the pipeline (the library's `clean` uses all defaults; `rules test`
/// turns the structural passes off).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Passes {
    pub structural: bool,
}

pub(crate) fn clean(rules: &RuleSet, text: &str, source: Option<&str>) -> Cleaned {
    clean_with(rules, text, source, Passes { structural: true })
}

pub(crate) fn clean_with(
    rules: &RuleSet,
    text: &str,
    source: Option<&str>,
    passes: Passes,
) -> Cleaned {
    let settings = rules.settings();
    let opts = &settings.normalize;
    let engines = rules.engines_for(source);
    let mut sc = Scratch::take();
    let mut hits = std::mem::take(&mut sc.hits);

    // 1. Normalize every line into one buffer: no allocation per line.
    let mut buf = std::mem::take(&mut sc.buf);
    buf.reserve(text.len() + text.len() / 8);
    let mut spans = std::mem::take(&mut sc.spans);
    let mut n = 0;
    append_normalized_lines(text, opts, &mut sc.norm, &mut buf, |buf, start, changed| {
        n += 1;
        if changed {
            hits.push(hit(n, By::Stage(Stage::Normalize), Action::Changed));
        }
        spans.push((start, buf.len()));
    });

    // 2. Strip rules, to a fixed point so that cleaning twice changes nothing. A line that
    // stripping empties is dropped: a blank line left by it would split a paragraph.
    let strips: Vec<(&regex::Regex, RuleId)> = engines
        .iter()
        .flat_map(|e| e.strip.iter())
        .map(|(re, id, _)| (re, *id))
        .collect();
    // A strip regex whose literals do not occur in the document cannot match any of its lines
    // as they are; all of them run once a line is being stripped (stripping makes new text).
    let gated: Vec<(&regex::Regex, Option<&crate::matcher::DocGate>)> = engines
        .iter()
        .flat_map(|e| e.strip.iter())
        .filter(|(_, _, gate)| gate.as_ref().is_none_or(|g| g.may_match(&buf)))
        .map(|(re, _, gate)| (re, gate.as_ref()))
        .collect();
    let mut emptied_by: Vec<(usize, RuleId)> = Vec::new();
    let mut folded = sc.folded.take().unwrap_or_default();
    folded.start(rules.inner.id);
    let mut drop_masks = std::mem::take(&mut sc.drop_masks);
    doc_masks(&engines, |e| &e.drop, &buf, &mut drop_masks);
    if !gated.is_empty() {
        let line = &mut sc.line;
        let mut stripped = false;
        for (i, span) in spans.iter_mut().enumerate() {
            let text = &buf[span.0..span.1];
            // The gate is a necessary condition on any text, so the line's own literals
            // are checked first: cheaper than the regex on a line without them.
            if !gated
                .iter()
                .any(|(re, gate)| gate.is_none_or(|g| g.may_match(text)) && re.is_match(text))
            {
                continue;
            }
            line.clear();
            line.push_str(text);
            // A line that a drop-line rule removes whole is left to that rule, so the report
            // names the rule that describes the line.
            folded.reset();
            if find_rule(&engines, |e| &e.drop, &drop_masks, line.trim(), &mut folded).is_some() {
                continue;
            }
            let mut last = None;
            for _round in 0..8 {
                let before = last;
                for &(re, id) in &strips {
                    if re.is_match(line) {
                        let replaced = re.replace_all(line, " ").into_owned();
                        normalize_line(&replaced, opts, line);
                        hits.push(hit(i + 1, By::Rule(id), Action::Stripped));
                        last = Some(id);
                    }
                }
                if last == before {
                    break;
                }
            }
            if let Some(id) = last {
                if line.trim().is_empty() {
                    emptied_by.push((i, id));
                }
                let start = buf.len();
                buf.push_str(line);
                *span = (start, buf.len());
                stripped = true;
            }
        }
        if stripped {
            // Stripped lines are new text (appended to `buf`), where new literals may occur.
            doc_masks(&engines, |e| &e.drop, &buf, &mut drop_masks);
        }
    }
    let mut truncate_masks = std::mem::take(&mut sc.truncate_masks);
    doc_masks(&engines, |e| &e.truncate, &buf, &mut truncate_masks);
    let mut thread_masks = std::mem::take(&mut sc.thread_masks);
    doc_masks(&engines, |e| &e.thread, &buf, &mut thread_masks);
    let mut block_masks = std::mem::take(&mut sc.block_masks);
    doc_masks(&engines, |e| &e.block_start, &buf, &mut block_masks);

    let mut views: Vec<View> = recycle(std::mem::take(&mut sc.views));
    views.extend(spans.iter().enumerate().map(|(i, &(s, e))| View {
        text: &buf[s..e],
        alive: true,
        line: i + 1,
    }));
    for (i, id) in emptied_by {
        views[i].alive = false;
        hits.push(hit(i + 1, By::Rule(id), Action::DroppedLine));
    }

    // 3. Classify each line once. The case-folded line is computed at most once and shared by
    // every ignore-case matcher.
    let any_truncate = engines.iter().any(|e| !e.truncate.is_empty());
    let any_thread = engines.iter().any(|e| !e.thread.is_empty());
    let any_block = engines.iter().any(|e| !e.block_start.is_empty());
    let mut drop_by = std::mem::take(&mut sc.drop_by);
    drop_by.resize(views.len(), None);
    let mut truncate_by = std::mem::take(&mut sc.truncate_by);
    truncate_by.resize(views.len(), None);
    let mut thread_by = std::mem::take(&mut sc.thread_by);
    thread_by.resize(views.len(), None);
    let mut block_by = std::mem::take(&mut sc.block_by);
    block_by.resize(views.len(), None);
    for (i, v) in views.iter().enumerate() {
        if !v.alive || v.is_blank() {
            continue;
        }
        let t = trim(v.text);
        folded.reset();
        drop_by[i] = find_rule(&engines, |e| &e.drop, &drop_masks, t, &mut folded).map(|(_, r)| r);
        if any_truncate {
            truncate_by[i] = find_rule(&engines, |e| &e.truncate, &truncate_masks, t, &mut folded)
                .map(|(_, r)| r);
        }
        // A line some drop-line rule removes is no thread entry: then a second cleaning, which
        // no longer sees it, finds the same entries.
        if any_thread && drop_by[i].is_none() {
            thread_by[i] =
                find_rule(&engines, |e| &e.thread, &thread_masks, t, &mut folded).map(|(_, r)| r);
        }
        if any_block {
            block_by[i] = find_rule(&engines, |e| &e.block_start, &block_masks, t, &mut folded);
        }
    }

    // 4. Truncate at the first marker that has enough words of text before it.
    if any_truncate {
        // Counting stops once every guard is passed: only "enough words" matters.
        let enough = rules
            .rules()
            .iter()
            .filter_map(|r| r.min_words_before())
            .fold(settings.truncate.min_words_before, usize::max);
        let mut words = 0;
        let mut cut: Option<(usize, RuleId)> = None;
        for (i, v) in views.iter().enumerate() {
            if !v.alive {
                continue;
            }
            if let Some(r) = truncate_by[i] {
                let guard = rules
                    .rule(r)
                    .min_words_before()
                    .unwrap_or(settings.truncate.min_words_before);
                if words >= guard {
                    cut = Some((i, r));
                    break;
                }
            }
            if drop_by[i].is_none() && words < enough {
                words += word_count_up_to(v.text, enough - words);
            }
        }
        if let Some((at, r)) = cut {
            truncate_at(&mut views, at, r, &mut hits);
        }
    }

    // 4b. A reader-comment thread after the article.
    if any_thread {
        if let Some((at, r)) = crate::thread::thread_start(&views, &thread_by, &settings.thread) {
            truncate_at(&mut views, at, r, &mut hits);
        }
    }

    // 5. Blocks: start marker through the first later end marker of the same rule.
    if any_block {
        let mut i = 0;
        while i < views.len() {
            let Some((engine, r)) = block_by[i].filter(|_| views[i].alive) else {
                i += 1;
                continue;
            };
            let end_matcher = &engines[engine].block_end[&r];
            let end = (i + 1..views.len()).find(|&j| {
                let v = &views[j];
                if !v.alive || v.is_blank() {
                    return false;
                }
                folded.reset();
                end_matcher.find(trim(v.text), &mut folded).is_some()
            });
            match end {
                Some(j) => {
                    for v in &mut views[i..=j] {
                        if v.alive && !v.is_blank() {
                            hits.push(hit(v.line, By::Rule(r), Action::DroppedBlock));
                        }
                        v.alive = false;
                    }
                    i = j + 1;
                }
                None => {
                    hits.push(hit(views[i].line, By::Rule(r), Action::UnterminatedBlock));
                    i += 1;
                }
            }
        }
    }

    // 6. Drop lines.
    for (i, v) in views.iter_mut().enumerate() {
        if let (true, Some(r)) = (v.alive, drop_by[i]) {
            v.alive = false;
            hits.push(hit(v.line, By::Rule(r), Action::DroppedLine));
        }
    }

    // 7. Structural passes, run together to a joint fixed point: the detector looks at its
    // neighbours' output (a line another pass removed changes the windows and the region of
    // the lines around it) and the passes look at the detector's, so a single sequence would
    // leave lines that a second cleaning removes. Every pass only ever removes lines, so each
    // round either removes at least one line or changes nothing and ends the loop: at most as
    // many rounds as lines, capped at `MAX_ROUNDS` (dev pages need 2-4). At the fixed point no
    // pass removes anything from the kept lines, and a second cleaning sees the same non-blank
    // lines (blank lines count for none of the passes), so cleaning stays idempotent.
    if passes.structural {
        let detector = settings
            .detector
            .enabled
            .then(|| &*crate::detector::BUILTIN);
        // Alive lines when the detector last ran and removed nothing. Passes only remove lines,
        // so the same count means the same alive set, on which the detector (a function of the
        // alive lines) would again remove nothing: that run is skipped.
        let mut detector_stable_at: Option<usize> = None;
        for round in 0..crate::detector::MAX_ROUNDS {
            let before = hits.len();
            let mut changed = false;
            // The detector's first round also sees the dropped lines (see `Detector::apply`):
            // until a round without them has run, "nothing removed" does not mean a fixed point.
            let mut context_round = false;
            if settings.author_box.enabled {
                structure::author_box(&mut views, &settings.author_box, &mut hits);
            }
            if settings.duplicates.enabled {
                structure::duplicates(&mut views, &mut hits);
            }
            if settings.tail.enabled {
                structure::tail(&mut views, &settings.tail, &mut hits);
            }
            // The detector goes last: the author-box pass needs the name lines it would drop.
            if let Some(d) = detector {
                context_round = round == 0 && d.sees_dropped() && views.iter().any(|v| !v.alive);
                let alive = views.iter().filter(|v| v.alive).count();
                if detector_stable_at != Some(alive) {
                    let removed = d.apply(&mut views, &settings.detector, &mut hits, round == 0);
                    detector_stable_at = (!removed && !context_round).then_some(alive);
                    changed |= removed;
                }
            }
            if !changed && hits.len() == before && !context_round {
                break;
            }
        }
    }

    // 8. Tidy.
    let mut out = String::with_capacity(text.len());
    join_lines(
        views.iter().filter(|v| v.alive).map(|v| v.text),
        opts,
        &mut out,
    );
    hits.sort_by_key(|h| h.line);
    let cleaned = Cleaned {
        text: out,
        hits: hits.to_vec(),
    };
    sc.views = recycle(views);
    sc.buf = buf;
    sc.spans = spans;
    sc.drop_by = drop_by;
    sc.truncate_by = truncate_by;
    sc.thread_by = thread_by;
    sc.block_by = block_by;
    sc.hits = hits;
    sc.drop_masks = drop_masks;
    sc.truncate_masks = truncate_masks;
    sc.thread_masks = thread_masks;
    sc.block_masks = block_masks;
    sc.folded = Some(folded);
    sc.keep();
    cleaned
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scratch_is_reused_and_bounded() {
        let text = String::from("a line\n");
        let views = vec![
            View {
                text: &text,
                alive: true,
                line: 1
            };
            100
        ];
        let cap = views.capacity();
        let again: Vec<View<'static>> = recycle(views);
        assert!(again.is_empty());
        assert_eq!(again.capacity(), cap);

        let mut small = Vec::<u64>::with_capacity(16);
        small.push(1);
        reset(&mut small);
        assert!(small.is_empty() && small.capacity() >= 16);
        let mut huge = Vec::<u8>::with_capacity(KEEP_BYTES + 1);
        huge.push(1);
        reset(&mut huge);
        assert_eq!(huge.capacity(), 0);
        let mut s = String::with_capacity(KEEP_BYTES + 1);
        s.push('x');
        reset_string(&mut s);
        assert_eq!(s.capacity(), 0);
    }

    #[test]
    fn cleaning_twice_on_one_thread_gives_the_same_result() {
        let r = rules(RULES);
        let big = "word ".repeat(200) + "\nspot_img\n";
        let first = clean(&r, &big, None);
        let small = clean(&r, "one\nspot_img\ntwo\n", None);
        assert_eq!(small.text, "one\ntwo\n");
        assert_eq!(clean(&r, &big, None), first);
    }

    fn rules(toml: &str) -> RuleSet {
        RuleSet::from_toml("t.toml", toml).unwrap()
    }

    const RULES: &str = r#"
[[rule]]
id = "spot-img"
description = "d"
kind = "drop-line"
match = { exact = "spot_img" }
must-remove = ["spot_img"]

[[rule]]
id = "spot-img-glued"
description = "d"
kind = "strip"
match = { regex = '(?:spot_img)+' }
must-remove = ["spot_imgTitle"]

[[rule]]
id = "leave-a-reply"
description = "d"
kind = "truncate"
match = { exact = "LEAVE A REPLY" }
ignore-case = true
min-words-before = 5
must-remove = ["LEAVE A REPLY"]

[[rule]]
id = "share-block"
description = "d"
kind = "drop-block"
match = { exact = "Share this:" }
until = { prefix = "Like this:" }
must-remove = ["Share this:\nX\nLike this:"]

[[rule]]
id = "trending"
description = "d"
kind = "drop-line"
match = { exact = "Trending" }
must-remove = ["Trending"]
"#;

    fn no_passes(rs: &RuleSet, text: &str) -> Cleaned {
        clean_with(rs, text, None, Passes { structural: false })
    }

    #[test]
    fn blank_means_only_whitespace() {
        let blank = |text| {
            View {
                text,
                alive: true,
                line: 1,
            }
            .is_blank()
        };
        for t in ["", " ", "\t\u{0B}\u{0C}\r", "\u{A0}\u{2003}", "\u{3000} "] {
            assert!(blank(t), "{t:?}");
        }
        for t in ["a", " a", "\u{0B}x", "\u{1}", "\u{A0}é", "é", "-"] {
            assert!(!blank(t), "{t:?}");
        }
    }

    #[test]
    fn drops_strips_truncates_blocks() {
        let rs = rules(RULES);
        let input = "spot_imgThe Title\n\nspot_img\nOne two three four five six.\nShare this:\nTwitter\nLike this:\nLast line.\nLeave a reply\nComment form\n";
        let out = no_passes(&rs, input);
        assert_eq!(
            out.text,
            "The Title\n\nOne two three four five six.\nLast line.\n"
        );
        let lines: Vec<(usize, &str, Action)> = out
            .hits
            .iter()
            .map(|h| (h.line, rs.label(h.by), h.action))
            .collect();
        assert_eq!(
            lines,
            vec![
                (1, "spot-img-glued", Action::Stripped),
                (3, "spot-img", Action::DroppedLine),
                (5, "share-block", Action::DroppedBlock),
                (6, "share-block", Action::DroppedBlock),
                (7, "share-block", Action::DroppedBlock),
                (9, "leave-a-reply", Action::Truncated),
                (10, "leave-a-reply", Action::Truncated),
            ]
        );
    }

    #[test]
    fn truncate_guard_keeps_a_stray_marker_near_the_top() {
        let rs = rules(RULES);
        let input = "Short.\nLEAVE A REPLY\nThe article goes on here with words.\n";
        assert_eq!(no_passes(&rs, input).text, input);
    }

    #[test]
    fn unterminated_block_drops_nothing() {
        let rs = rules(RULES);
        let input = "Share this:\nTwitter\nThe end.\n";
        let out = no_passes(&rs, input);
        assert_eq!(out.text, input);
        assert_eq!(out.hits[0].action, Action::UnterminatedBlock);
    }

    #[test]
    fn stripping_to_nothing_drops_the_line_and_rematches() {
        let rs = rules(RULES);
        let out = no_passes(&rs, "A.\nspot_imgspot_img\nspot_imgTrending\nB.\n");
        assert_eq!(out.text, "A.\nB.\n");
    }

    #[test]
    fn a_strip_gated_out_by_the_document_still_runs_on_text_another_strip_made() {
        let rs = rules(
            r#"
[[rule]]
id = "qs"
description = "d"
kind = "strip"
match = { regex = 'Q+' }
must-remove = ["aQb"]

[[rule]]
id = "photo"
description = "d"
kind = "strip"
match = { regex = '\(Photo [a-z]+\)' }
must-remove = ["A (Photo ap) B"]

[[rule]]
id = "rights"
description = "d"
kind = "drop-line"
match = { regex = 'All rights reserved' }
must-remove = ["(c) All rights reserved"]
"#,
        );
        // "(Photo " only appears once the first strip has run.
        let out = no_passes(&rs, "(PhotoQQap) Text\nMore text.\n");
        assert_eq!(out.text, "Text\nMore text.\n");
        // Stripping can also make a line that a drop rule's literal gate has not seen.
        let out = no_passes(&rs, "All rightsQreserved\nMore text.\n");
        assert_eq!(out.text, "More text.\n");
    }

    #[test]
    fn blank_lines_left_by_drops_collapse() {
        let rs = rules(RULES);
        let out = no_passes(&rs, "\n\nA.\n\nspot_img\n\nB.\n\n\n");
        assert_eq!(out.text, "A.\n\nB.\n");
    }

    #[test]
    fn only_chrome_gives_empty_text() {
        let rs = rules(RULES);
        assert_eq!(no_passes(&rs, "spot_img\n\nTrending\n").text, "");
        assert_eq!(no_passes(&rs, "").text, "");
    }

    #[test]
    fn line_numbers_are_original_even_with_crlf_and_cr() {
        let rs = rules(RULES);
        let out = no_passes(&rs, "A.\r\nB.\rspot_img\r\n");
        assert_eq!(out.text, "A.\nB.\n");
        assert_eq!(
            out.hits
                .iter()
                .find(|h| h.action == Action::DroppedLine)
                .unwrap()
                .line,
            3
        );
    }

    #[test]
    fn site_rules_apply_only_to_their_sources() {
        let rs = rules(
            r#"
default-sources = ["example.com"]
[[rule]]
id = "promo"
description = "d"
kind = "drop-line"
match = { prefix = "Download the app" }
must-remove = ["Download the app now"]
"#,
        );
        let input = "Download the app now\nText.\n";
        assert_eq!(
            rs.clean(input, Some("https://www.example.com/a")).text,
            "Text.\n"
        );
        assert_eq!(
            rs.clean(input, Some("https://badexample.com/a")).text,
            input
        );
        assert_eq!(rs.clean(input, None).text, input);
    }

    #[test]
    fn rule_sets_used_in_turn_on_one_thread_each_match_their_own_rules() {
        let rule = |id: &str, re: &str| {
            format!(
                "[[rule]]\nid = \"{id}\"\ndescription = \"d\"\nkind = \"drop-line\"\nmatch = {{ regex = '{re}' }}\n"
            )
        };
        let a = rules(&rule("alpha", "^Alpha [0-9]+$"));
        let b = rules(&(rule("beta", "^Beta$") + &rule("gamma", "^Gamma [a-z]+$")));
        let input = "Alpha 1\nBeta\nGamma x\nText.\n";
        for _ in 0..2 {
            assert_eq!(no_passes(&a, input).text, "Beta\nGamma x\nText.\n");
            assert_eq!(no_passes(&b, input).text, "Alpha 1\nText.\n");
            assert_eq!(no_passes(&a.clone(), input).text, "Beta\nGamma x\nText.\n");
        }
    }

    #[test]
    fn cleaning_twice_changes_nothing() {
        let rs = rules(RULES);
        let input =
            "spot_imgTitle\nspot_img\nWords words words words words words.\nLEAVE A REPLY\nx\n";
        let once = rs.clean(input, None).text;
        assert_eq!(rs.clean(&once, None).text, once);
    }
}
