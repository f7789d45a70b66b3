//! Compiled line matchers: one combined matcher per phase, never one per rule.
//!
//! A [`LineMatcher`] answers "does any rule of this phase match this line, and which one?" with
//! a hash lookup for `exact`, one anchored Aho-Corasick automaton for all `prefix` patterns, one
//! unanchored automaton for all `contains` patterns and one regex set for all regexes. Each
//! literal part comes twice, case-sensitive and case-folded; the folded line is computed once
//! per line by the caller ([`fold_case`]) and shared by every ignore-case matcher.
//!
//! When several rules match, the one reported is decided by the patterns alone (exact before
//! prefix before contains before regex; longest literal; lowest rule id for equal patterns), so
//! results never depend on the order rule files were loaded in.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Anchored, Input, MatchKind, StartKind};
use regex::{Regex, RegexBuilder};
use regex_automata::hybrid;
use regex_automata::nfa::thompson::{self, WhichCaptures, pikevm::PikeVM};
use regex_automata::util::prefilter::Prefilter;
use regex_automata::{
    Input as RegexInput, MatchKind as RegexMatchKind, PatternSet as RegexPatterns,
};
use regex_syntax::hir::literal::{ExtractKind, Extractor, Seq};
use regex_syntax::hir::{Hir, Look};
use rustc_hash::FxBuildHasher;

use crate::rules::RuleId;
use crate::words::at_most_words;

/// Compiled regexes may use at most this much memory each (the regex crate's size limit):
/// a hostile rule file cannot make us build a huge automaton.
pub(crate) const REGEX_SIZE_LIMIT: usize = 2 << 20;
/// The combined regex set of one phase may use at most this much.
const REGEX_SET_SIZE_LIMIT: usize = 64 << 20;
/// Memory a regex set's lazy DFA may use for the states it builds, per thread. On real text,
/// unlike the repetitive benchmark corpus, lines keep adding states, so without a bound the
/// cache grows with the corpus; when full it is cleared and states are built again. Measured on
/// the dev pages (6.3 MB) with 2 threads: a 64 MiB bound let peak RSS reach 68 MB, 8 MiB keeps
/// it at 43 MB.
const DFA_CACHE_CAPACITY: usize = 8 << 20;

/// How a pattern matches a line.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Pattern {
    /// The whole trimmed line equals the text.
    Exact(String),
    /// The trimmed line starts with the text.
    Prefix(String),
    /// The line contains the text.
    Contains(String),
    /// The regex matches somewhere in the line (write `^…$` to anchor).
    Regex(String),
}

impl Pattern {
    /// The pattern's text.
    pub fn text(&self) -> &str {
        match self {
            Pattern::Exact(s) | Pattern::Prefix(s) | Pattern::Contains(s) | Pattern::Regex(s) => s,
        }
    }

    /// `exact`, `prefix`, `contains` or `regex`.
    pub fn mode(&self) -> &'static str {
        match self {
            Pattern::Exact(_) => "exact",
            Pattern::Prefix(_) => "prefix",
            Pattern::Contains(_) => "contains",
            Pattern::Regex(_) => "regex",
        }
    }

    /// The pattern as a regex source (literals escaped), with `(?i)` for ignore-case.
    pub(crate) fn to_regex_source(&self, ignore_case: bool) -> String {
        let body = match self {
            Pattern::Exact(s) => format!("^{}$", regex::escape(s)),
            Pattern::Prefix(s) => format!("^{}", regex::escape(s)),
            Pattern::Contains(s) => regex::escape(s),
            Pattern::Regex(s) => s.clone(),
        };
        if ignore_case {
            format!("(?i:{body})")
        } else {
            body
        }
    }
}

/// Compile one regex with the size limit; the error text is the regex crate's own.
pub(crate) fn compile_regex(source: &str) -> Result<Regex, String> {
    RegexBuilder::new(source)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| e.to_string())
}

/// Case folding used for ignore-case matching, on patterns and lines alike: ASCII lowercase for
/// ASCII text (the fast path), Unicode lowercase otherwise. Writes into `out` (cleared first).
pub(crate) fn fold_case(text: &str, out: &mut String) {
    out.clear();
    if text.is_ascii() {
        out.push_str(text);
        out.make_ascii_lowercase();
    } else {
        for c in text.chars() {
            if c.is_ascii() {
                out.push(c.to_ascii_lowercase());
            } else {
                out.extend(c.to_lowercase());
            }
        }
    }
}

fn folded(text: &str) -> String {
    let mut s = String::new();
    fold_case(text, &mut s);
    s
}

/// What matching needs besides the matchers: the case-folded copy of the current line,
/// computed at most once per line and only when a matcher needs it, and the search caches of
/// the regex sets. Call [`Folded::reset`] before matching a new line.
///
/// The caches belong to one rule set (see [`Folded::start`]): the lazy DFAs keep the states they
/// have built in them, so a worker that keeps its `Folded` from one document to the next
/// builds each state once, and two workers never share one.
#[derive(Debug, Default)]
pub(crate) struct Folded {
    folded: String,
    done: bool,
    caches: Caches,
}

/// A folded line longer than this is not kept from one document to the next.
const KEEP_FOLDED: usize = 64 << 10;

impl Folded {
    /// Forget the previous line (the buffer is reused).
    pub(crate) fn reset(&mut self) {
        self.done = false;
        self.caches.digit = None;
    }

    /// Ready for a document cleaned with the rule set `owner` (a [`crate::RuleSet`]'s unique
    /// number): the caches are kept when they are that rule set's, the buffer when it is not
    /// larger than [`KEEP_FOLDED`]. `clean_with` keeps one `Folded` per thread.
    pub(crate) fn start(&mut self, owner: u64) {
        if self.caches.owner != owner {
            self.caches = Caches {
                owner,
                ..Caches::default()
            };
        }
        if self.folded.capacity() > KEEP_FOLDED {
            self.folded = String::new();
        }
        self.reset();
    }

    fn get(&mut self, line: &str) -> &str {
        if !self.done {
            fold_case(line, &mut self.folded);
            self.done = true;
        }
        &self.folded
    }
}

/// The search state of every [`RegexGroup`] of one rule set, by the group's slot.
#[derive(Debug, Default)]
struct Caches {
    /// The rule set these caches belong to.
    owner: u64,
    groups: Vec<Option<GroupCache>>,
    /// Whether the current line has an ASCII digit, once a set that needs one has asked: one
    /// scan of the line serves every phase.
    digit: Option<bool>,
}

impl Caches {
    /// Whether `line` (the current line) has an ASCII digit.
    #[inline]
    fn line_has_digit(&mut self, line: &[u8]) -> bool {
        *self.digit.get_or_insert_with(|| has_digit(line))
    }
}

/// Whether `bytes` has an ASCII digit. Bytes are checked in blocks of fixed size without an
/// early exit inside, so that the compiler checks each block's bytes side by side (vector
/// instructions): most lines have no digit and are read to their end. A line's last bytes are
/// checked as one block that overlaps the one before. Out of line: it runs at most once a
/// line, and inlined it would make the matcher's loop too large to inline in turn.
#[inline(never)]
fn has_digit(bytes: &[u8]) -> bool {
    fn any<const N: usize>(block: &[u8; N]) -> bool {
        block
            .iter()
            .fold(false, |any, &b| any | (b.wrapping_sub(b'0') < 10))
    }
    fn ends<const N: usize>(bytes: &[u8]) -> (&[u8; N], &[u8; N]) {
        let first = bytes[..N].try_into().expect("at least N bytes");
        let last = bytes[bytes.len() - N..]
            .try_into()
            .expect("at least N bytes");
        (first, last)
    }
    match bytes.len() {
        0..8 => bytes.iter().any(|b| b.is_ascii_digit()),
        8..16 => {
            let (first, last) = ends::<8>(bytes);
            any(first) || any(last)
        }
        16..32 => {
            let (first, last) = ends::<16>(bytes);
            any(first) || any(last)
        }
        n => {
            let mut blocks = bytes.chunks_exact(32);
            blocks.any(|b| any::<32>(b.try_into().expect("32 bytes")))
                || any::<32>(bytes[n - 32..].try_into().expect("32 bytes"))
        }
    }
}

/// Whether every match of `hir` has an ASCII digit in it. (Exact for literals, ASCII classes,
/// concatenations, alternations and repetitions; `false` when unsure, e.g. for `\d`, which also
/// matches other digits.)
fn needs_digit(hir: &Hir) -> bool {
    use regex_syntax::hir::{Class, HirKind};
    match hir.kind() {
        HirKind::Literal(lit) => lit.0.iter().any(|b| b.is_ascii_digit()),
        HirKind::Class(Class::Unicode(c)) => {
            !c.ranges().is_empty()
                && c.ranges()
                    .iter()
                    .all(|r| r.start().is_ascii_digit() && r.end().is_ascii_digit())
        }
        HirKind::Class(Class::Bytes(c)) => {
            !c.ranges().is_empty()
                && c.ranges()
                    .iter()
                    .all(|r| r.start().is_ascii_digit() && r.end().is_ascii_digit())
        }
        HirKind::Repetition(r) => r.min > 0 && needs_digit(&r.sub),
        HirKind::Capture(c) => needs_digit(&c.sub),
        HirKind::Concat(subs) => subs.iter().any(needs_digit),
        HirKind::Alternation(subs) => subs.iter().all(needs_digit),
        HirKind::Empty | HirKind::Look(_) => false,
    }
}

/// The search state of one [`RegexGroup`].
#[derive(Debug)]
struct GroupCache {
    dfa: Option<hybrid::dfa::Cache>,
    /// Made when the lazy DFA first gives up (rare).
    pikevm: Option<thompson::pikevm::Cache>,
    matched: RegexPatterns,
    /// The lazy DFA's start state for [`walk_is_match`], with the cache's clear count when it
    /// was found: a cleared cache forgets its states, and then the start state is found again.
    start: Option<(usize, hybrid::LazyStateID)>,
}

/// A set of literal patterns in one automaton, with the rules that own each pattern.
#[derive(Debug, Clone)]
struct LiteralSet {
    automaton: AhoCorasick,
    /// Lowest rule id per pattern (patterns are deduplicated).
    owners: Vec<RuleId>,
    anchored: bool,
}

impl LiteralSet {
    fn build(
        patterns: Vec<(String, RuleId)>,
        anchored: bool,
        ascii_case_insensitive: bool,
    ) -> Option<LiteralSet> {
        if patterns.is_empty() {
            return None;
        }
        let mut dedup: HashMap<String, RuleId> = HashMap::new();
        for (p, id) in patterns {
            keep_lowest(&mut dedup, p, id);
        }
        let mut pairs: Vec<(String, RuleId)> = dedup.into_iter().collect();
        pairs.sort();
        let automaton = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .ascii_case_insensitive(ascii_case_insensitive)
            .start_kind(if anchored {
                StartKind::Anchored
            } else {
                StartKind::Unanchored
            })
            .build(pairs.iter().map(|(p, _)| p.as_str()))
            .expect("literal automata of validated rules always build");
        Some(LiteralSet {
            automaton,
            owners: pairs.into_iter().map(|(_, id)| id).collect(),
            anchored,
        })
    }

    fn find(&self, line: &str) -> Option<RuleId> {
        let input = Input::new(line).anchored(if self.anchored {
            Anchored::Yes
        } else {
            Anchored::No
        });
        self.automaton
            .find(input)
            .map(|m| self.owners[m.pattern().as_usize()])
    }
}

/// Exact-line patterns, with the longest pattern's length and the first bytes a matching line
/// can have, so that most lines (long ones, and short ones that begin otherwise) skip the
/// lookup, and the case-folding work, entirely.
#[derive(Debug, Clone, Default)]
struct ExactSet {
    /// FxHash, not the default SipHash, whose flooding resistance buys nothing here: the table
    /// holds rule patterns, which input lines cannot add to, and every short line is looked up.
    lines: HashMap<String, RuleId, FxBuildHasher>,
    max_len: usize,
    /// A bit per byte a matching line can begin with.
    first: [u64; 4],
}

impl ExactSet {
    /// Add a pattern as the line must be (`folded` false) or as [`fold_case`] makes it.
    fn insert(&mut self, key: String, id: RuleId, folded: bool) {
        self.max_len = self.max_len.max(key.len());
        if let Some(&b) = key.as_bytes().first() {
            self.allow_first(b);
            if folded {
                // An ASCII byte of the line folds to its ASCII lowercase, and a line beginning
                // with a non-ASCII character can fold to one beginning with this byte (the
                // Kelvin sign folds to `k`): bytes 0x80 to 0xFF are bits 128 to 255.
                self.allow_first(b.to_ascii_uppercase());
                self.first[2..].fill(u64::MAX);
            }
        }
        keep_lowest(&mut self.lines, key, id);
    }

    fn allow_first(&mut self, b: u8) {
        set_bit(&mut self.first, usize::from(b));
    }

    /// Whether `line` is short enough, and begins with a byte that a pattern allows, to be
    /// looked up (`slack`: how many times longer than a pattern the line may be).
    #[inline]
    fn may_hold(&self, line: &str, slack: usize) -> bool {
        match line.as_bytes().first() {
            Some(&b) => line.len() <= slack * self.max_len && has_bit(&self.first, usize::from(b)),
            None => false,
        }
    }
}

/// Rule regexes already parsed (while the rules were validated), by their source as compiled
/// (with the ignore-case wrapper), so that building the sets does not parse them again.
/// It also numbers the regex sets of one rule set as they are built (their slots in
/// [`Caches`]).
#[derive(Debug, Default)]
pub(crate) struct ParsedRegexes {
    hirs: HashMap<String, Hir>,
    slots: usize,
}

impl ParsedRegexes {
    /// Keep a parsed regex for the set that will compile it.
    pub(crate) fn insert(&mut self, source: String, hir: Hir) {
        self.hirs.insert(source, hir);
    }

    /// The parsed regex of this source: the kept one if there is one (it is handed out once),
    /// else parsed now.
    fn take(&mut self, source: &str) -> Result<Hir, String> {
        match self.hirs.remove(source) {
            Some(hir) => Ok(hir),
            None => regex_syntax::parse(source).map_err(|e| e.to_string()),
        }
    }

    /// A new slot for a regex set.
    fn slot(&mut self) -> usize {
        self.slots += 1;
        self.slots - 1
    }
}

/// A necessary condition for some regexes to match anywhere in a text: one of the literals
/// that begin every match (regex-syntax's prefix-literal extraction, what the regex crate's own
/// prefilters rely on) occurs in it. Checked once on a whole document, it lets a document with
/// none of them skip those regexes on every line.
#[derive(Debug, Clone)]
pub(crate) struct DocGate(AhoCorasick);

impl DocGate {
    /// The gate of these regexes; `None` when one of them can begin with anything.
    pub(crate) fn of(hirs: &[&Hir]) -> Option<DocGate> {
        let mut seq = Seq::empty();
        for hir in hirs {
            seq.union(&mut Extractor::new().kind(ExtractKind::Prefix).extract(hir));
        }
        // Shortens literals to shared prefixes (still prefixes of every match), so that there
        // are few enough for a fast packed search.
        seq.optimize_for_prefix_by_preference();
        let literals = seq.literals()?;
        if literals.iter().any(|l| l.as_bytes().is_empty()) {
            return None;
        }
        AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build(literals.iter().map(|l| l.as_bytes()))
            .ok()
            .map(DocGate)
    }

    /// Whether one of the regexes may match somewhere in `text` (`false`: none can).
    pub(crate) fn may_match(&self, text: &str) -> bool {
        self.0.is_match(text)
    }
}

/// Regexes compiled together: which of them match a line (set semantics, as `RegexSet`), with
/// the rule of each, and cheap necessary conditions checked before the set runs: most lines
/// fail one of them and never reach the regex engine.
///
/// Only "does any match, and which" is asked, never where, so the set is one forward NFA
/// searched by a lazy DFA, the engine the regex crate's own `RegexSet` runs (same
/// configuration), without the reverse NFA and the other engines it also builds; a PikeVM
/// answers when the lazy DFA gives up (as in the regex crate). The DFA's cache is per thread
/// ([`Folded`]), never shared.
#[derive(Debug, Clone)]
struct RegexGroup {
    dfa: Option<hybrid::dfa::DFA>,
    pikevm: PikeVM,
    /// This group's cache in [`Caches`].
    slot: usize,
    ids: Vec<RuleId>,
    /// Every regex matches whole lines only (`^…$`) of at most this many bytes (`usize::MAX`:
    /// no such bound).
    max_len: usize,
    /// No regex matches fewer bytes.
    min_len: usize,
    /// Every regex only matches lines that begin with one of these pairs of bytes.
    start: Option<PairGate>,
    /// Every regex only matches lines that end with one of these pairs of bytes.
    end: Option<PairGate>,
    /// Every regex only matches lines with an ASCII digit.
    digit: bool,
    /// Whether [`walk_is_match`] answers "does any match" (the set has no prefilter).
    walk: bool,
}

/// The pairs of first (or last) two bytes that a line can have for one of some regexes to match
/// it: 64 Ki bits, one per pair. A necessary condition checked with one lookup, before the
/// regex engine runs. Whether the pairs are a line's first or last bytes is known from where
/// the gate is kept ([`RegexGroup::start`] or [`RegexGroup::end`]).
#[derive(Debug, Clone)]
pub(crate) struct PairGate {
    bits: Box<[u64; 1024]>,
}

impl PairGate {
    /// The gate of one regex, judged by the regex crate's own literal extraction: with
    /// `at_end` false, the first two bytes of a line it matches at the start (`^…`: the prefix
    /// literals begin every match, and so the line); with `at_end` true, the last two bytes of
    /// a line it matches at the end (`…$`, likewise with the suffix literals). `None` when the
    /// regex can begin (end) with anything or with an empty match, or is not anchored there.
    pub(crate) fn of(hir: &Hir, at_end: bool) -> Option<PairGate> {
        let anchored = if at_end {
            hir.properties().look_set_suffix().contains(Look::End)
        } else {
            is_start_anchored(hir)
        };
        if !anchored {
            return None;
        }
        let mut extractor = Extractor::new();
        extractor
            .kind(if at_end {
                ExtractKind::Suffix
            } else {
                ExtractKind::Prefix
            })
            .limit_literal_len(2)
            .limit_total(4096);
        let mut bits = Box::new([0u64; 1024]);
        for lit in extractor.extract(hir).literals()? {
            // The pair is indexed by the outer byte first (the first byte, or the last), so
            // that a one-byte literal allows a contiguous range: any byte next to it.
            match *lit.as_bytes() {
                [a, b] if !at_end => set_bit(&mut *bits, pair(a, b)),
                [b, a] if at_end => set_bit(&mut *bits, pair(a, b)),
                [a] => bits[usize::from(a) * 4..usize::from(a) * 4 + 4].fill(u64::MAX),
                _ => return None,
            }
        }
        Some(PairGate { bits })
    }

    /// The gate of a set of regexes, from their own: `None` when one of them has none.
    pub(crate) fn union<'a>(
        mut gates: impl Iterator<Item = Option<&'a PairGate>>,
    ) -> Option<PairGate> {
        let mut all = gates.next()??.clone();
        for gate in gates {
            for (a, b) in all.bits.iter_mut().zip(gate?.bits.iter()) {
                *a |= b;
            }
        }
        Some(all)
    }

    /// Whether one of the regexes of a gate of first bytes may match `line`. (A one-byte line
    /// is not checked.) The caller knows which kind of gate it holds: no branch on it.
    #[inline(always)]
    pub(crate) fn allows_first(&self, line: &[u8]) -> bool {
        match *line {
            [] => false,
            [_] => true,
            [a, b, ..] => self.has(pair(a, b)),
        }
    }

    /// [`PairGate::allows_first`] for a gate of last bytes.
    #[inline(always)]
    fn allows_last(&self, line: &[u8]) -> bool {
        match *line {
            [] => false,
            [_] => true,
            [.., b, a] => self.has(pair(a, b)),
        }
    }

    /// Whether the pair with this index is allowed.
    #[inline(always)]
    fn has(&self, p: usize) -> bool {
        has_bit(&*self.bits, p)
    }
}

/// The index of the byte pair `outer`, `inner` in a bit set of pairs.
#[inline(always)]
pub(crate) fn pair(outer: u8, inner: u8) -> usize {
    usize::from(outer) << 8 | usize::from(inner)
}

/// Set bit `i` of a bit set kept in words.
pub(crate) fn set_bit(bits: &mut [u64], i: usize) {
    bits[i / 64] |= 1 << (i % 64);
}

/// Whether bit `i` of a bit set kept in words is set.
#[inline(always)]
pub(crate) fn has_bit(bits: &[u64], i: usize) -> bool {
    bits[i / 64] & (1 << (i % 64)) != 0
}

/// The lazy DFA configuration of the regex crate's `RegexSet`, with the prefilter `pre` and a
/// cache of `capacity` bytes.
fn lazy_dfa_config(pre: Option<Prefilter>, capacity: usize) -> hybrid::dfa::Config {
    hybrid::dfa::Config::new()
        .match_kind(RegexMatchKind::All)
        .specialize_start_states(pre.is_some())
        .prefilter(pre)
        .starts_for_each_pattern(true)
        .byte_classes(true)
        .unicode_word_boundary(true)
        .cache_capacity(capacity)
        .skip_cache_capacity_check(false)
        .minimum_cache_clear_count(Some(3))
        .minimum_bytes_per_state(Some(10))
}

/// The NFA configuration of the regex crate's `RegexSet`: no capture groups, empty matches only
/// at character boundaries, the set's size limit.
fn nfa_config() -> thompson::Config {
    thompson::Config::new()
        .utf8(true)
        .nfa_size_limit(Some(REGEX_SET_SIZE_LIMIT))
        .shrink(false)
        .which_captures(WhichCaptures::None)
}

/// A set's build error, in the regex crate's wording for a set too large.
fn too_big(e: thompson::BuildError) -> String {
    match e.size_limit() {
        Some(limit) => regex::Error::CompiledTooBig(limit).to_string(),
        None => e.to_string(),
    }
}

/// The longest line a regex can match when it only matches whole lines (`^…$`), if bounded.
fn whole_line_max_len(hir: &Hir) -> Option<usize> {
    let props = hir.properties();
    let whole = props.look_set_prefix().contains(Look::Start)
        && props.look_set_suffix().contains(Look::End);
    whole.then(|| props.maximum_len()).flatten()
}

/// A parsed regex of a rule, with its gates, computed once: the literal extraction behind them
/// is a noticeable part of start-up, so the end gate is only looked for when there is no start
/// gate (`None` then also means "not looked for").
struct Gated {
    hir: Hir,
    id: RuleId,
    start: Option<PairGate>,
    end: Option<PairGate>,
    /// Every match has an ASCII digit ([`needs_digit`]).
    digit: bool,
}

impl Gated {
    fn new(hir: Hir, id: RuleId) -> Gated {
        let start = PairGate::of(&hir, false);
        let end = start.is_none().then(|| PairGate::of(&hir, true)).flatten();
        Gated {
            start,
            end,
            digit: needs_digit(&hir),
            hir,
            id,
        }
    }
}

impl RegexGroup {
    /// Build the set from parsed patterns, as `RegexSet` would from their sources (same
    /// configuration), without parsing them again. Sorted by rule id, so the first match is the
    /// lowest id. `slot` numbers the group's cache.
    #[cfg(test)]
    fn build(regexes: Vec<(Hir, RuleId)>, slot: usize) -> Result<Option<RegexGroup>, String> {
        let gated = regexes.into_iter().map(|(h, id)| Gated::new(h, id));
        RegexGroup::build_gated(gated.collect(), slot)
    }

    /// [`RegexGroup::build`] from regexes whose gates are known.
    fn build_gated(mut regexes: Vec<Gated>, slot: usize) -> Result<Option<RegexGroup>, String> {
        if regexes.is_empty() {
            return Ok(None);
        }
        regexes.sort_by_key(|g| g.id);
        let hirs: Vec<&Hir> = regexes.iter().map(|g| &g.hir).collect();
        let nfa = thompson::Compiler::new()
            .configure(nfa_config())
            .build_many_from_hir(&hirs)
            .map_err(too_big)?;
        // The regex crate also builds the reverse NFA, and refuses a set whose reverse NFA is
        // over the limit: so does this, to accept exactly the rule sets it accepts. The reverse
        // NFA is at most about three times the forward one (measured on wide Unicode classes,
        // the worst case), so only a forward NFA over a quarter of the limit needs the check.
        if nfa.memory_usage() > REGEX_SET_SIZE_LIMIT / 4 {
            thompson::Compiler::new()
                .configure(nfa_config().reverse(true))
                .build_many_from_hir(&hirs)
                .map_err(too_big)?;
        }
        let all_anchored = hirs.iter().all(|h| is_start_anchored(h));
        // A literal prefilter for unanchored sets, as the regex crate makes one.
        let pre = if all_anchored {
            None
        } else {
            Prefilter::from_hirs_prefix(RegexMatchKind::All, &hirs)
        };
        let pikevm = PikeVM::builder()
            .configure(
                PikeVM::config()
                    .match_kind(RegexMatchKind::All)
                    .prefilter(pre.clone()),
            )
            .build_from_nfa(nfa.clone())
            .map_err(|e| e.to_string())?;
        // The regex crate's lazy DFA configuration. It fails to build only when its cache is
        // too small for the NFA: then a set too big for the usual bound gets the largest cache,
        // and if even that fails the PikeVM does every search.
        let lazy_dfa = |capacity: usize| {
            hybrid::dfa::Builder::new()
                .configure(lazy_dfa_config(pre.clone(), capacity))
                .build_from_nfa(nfa.clone())
                .ok()
        };
        let dfa = lazy_dfa(DFA_CACHE_CAPACITY).or_else(|| lazy_dfa(REGEX_SET_SIZE_LIMIT));
        let max_len = hirs
            .iter()
            .map(|h| whole_line_max_len(h))
            .try_fold(0, |m, n| Some(m.max(n?)));
        let min_len = hirs
            .iter()
            .map(|h| h.properties().minimum_len().unwrap_or(0))
            .min()
            .unwrap_or(0);
        let start = PairGate::union(regexes.iter().map(|g| g.start.as_ref()));
        let end = PairGate::union(regexes.iter().map(|g| g.end.as_ref()));
        Ok(Some(RegexGroup {
            dfa,
            pikevm,
            slot,
            ids: regexes.iter().map(|g| g.id).collect(),
            max_len: max_len.unwrap_or(usize::MAX),
            min_len,
            start,
            end,
            digit: regexes.iter().all(|g| g.digit),
            // Only start-anchored sets: the walk does not check that an empty match falls on a
            // character boundary, which only matters away from the line's start.
            walk: all_anchored,
        }))
    }

    /// The lowest rule id whose regex matches `line`. The gates are inlined into the caller,
    /// so that the lines they turn away (most lines) cost no call.
    #[inline]
    fn find(&self, line: &str, caches: &mut Caches) -> Option<RuleId> {
        let bytes = line.as_bytes();
        if bytes.len() > self.max_len
            || bytes.len() < self.min_len
            || self.start.as_ref().is_some_and(|g| !g.allows_first(bytes))
            || self.end.as_ref().is_some_and(|g| !g.allows_last(bytes))
            || (self.digit && !caches.line_has_digit(bytes))
        {
            return None;
        }
        self.search(line, caches)
    }

    /// [`RegexGroup::find`] past the gates.
    #[inline(never)]
    fn search(&self, line: &str, caches: &mut Caches) -> Option<RuleId> {
        if caches.groups.len() <= self.slot {
            caches.groups.resize_with(self.slot + 1, || None);
        }
        let cache = caches.groups[self.slot].get_or_insert_with(|| GroupCache {
            dfa: self.dfa.as_ref().map(|d| d.create_cache()),
            pikevm: None,
            matched: RegexPatterns::new(self.ids.len()),
            start: None,
        });
        if !self.is_match(cache, line) {
            return None;
        }
        if self.ids.len() == 1 {
            return Some(self.ids[0]);
        }
        cache.matched.clear();
        self.which_matches(cache, &RegexInput::new(line));
        cache.matched.iter().next().map(|p| self.ids[p.as_usize()])
    }

    /// Whether any of the regexes matches `line`.
    fn is_match(&self, cache: &mut GroupCache, line: &str) -> bool {
        if let (Some(dfa), Some(c)) = (&self.dfa, cache.dfa.as_mut()) {
            let answer = if self.walk {
                walk_is_match(dfa, c, &mut cache.start, line.as_bytes())
            } else {
                let input = RegexInput::new(line).earliest(true);
                dfa.try_search_fwd(c, &input).map(|m| m.is_some()).ok()
            };
            if let Some(m) = answer {
                return m;
            }
        }
        let vm = &self.pikevm;
        let input = RegexInput::new(line).earliest(true);
        vm.is_match(cache.pikevm.get_or_insert_with(|| vm.create_cache()), input)
    }

    /// Every pattern that matches, into `cache.matched` (empty).
    fn which_matches(&self, cache: &mut GroupCache, input: &RegexInput) {
        if let (Some(dfa), Some(c)) = (&self.dfa, cache.dfa.as_mut()) {
            if dfa
                .try_which_overlapping_matches(c, input, &mut cache.matched)
                .is_ok()
            {
                return;
            }
            cache.matched.clear();
        }
        let vm = &self.pikevm;
        let c = cache.pikevm.get_or_insert_with(|| vm.create_cache());
        vm.which_overlapping_matches(c, input, &mut cache.matched);
    }
}

/// Whether the lazy DFA of a set without prefilter matches somewhere in `line`, or `None` when
/// it gives up (a quit byte, or a cache too inefficient): the answer of its own
/// `try_search_fwd` with `earliest`, by a plain walk over the bytes. Most lines leave the
/// automaton after a few bytes, and then the search's setup (the input's checks, the
/// prefilter and unrolled-loop dispatch) costs more than the walk; a set without prefilter
/// never needs them. Empty matches need no UTF-8 care: only start-anchored sets (matches at
/// 0) come here (an unanchored set without a prefilter takes the crate's search). `known_start` keeps the start
/// state from one line to the next (see [`GroupCache::start`]).
fn walk_is_match(
    dfa: &hybrid::dfa::DFA,
    cache: &mut hybrid::dfa::Cache,
    known_start: &mut Option<(usize, hybrid::LazyStateID)>,
    line: &[u8],
) -> Option<bool> {
    let start = match *known_start {
        Some((clears, sid)) if clears == cache.clear_count() => sid,
        _ => {
            let sid = dfa
                .start_state(cache, &regex_automata::util::start::Config::new())
                .ok()?;
            *known_start = Some((cache.clear_count(), sid));
            sid
        }
    };
    // Start states are tagged only when specialized, which needs a prefilter: a tagged start
    // state here is dead or quit (never a match: matches show one byte late).
    if start.is_tagged() {
        return if start.is_dead() { Some(false) } else { None };
    }
    // Progress is tracked as the crate's own searches do, so that the cache's efficiency
    // check (bytes searched per state built) sees these searches.
    cache.search_start(0);
    let mut sid = start;
    let mut at = 0;
    loop {
        // Known transitions from untagged states: one lookup a byte, the cache unchanged.
        let known: &hybrid::dfa::Cache = cache;
        let mut next = sid;
        while let Some(&b) = line.get(at) {
            // SAFETY: `sid` is untagged and valid for `known`: it is the start state or a
            // state returned by `next_state*` on this cache, which has not changed since.
            next = unsafe { dfa.next_state_untagged_unchecked(known, sid, b) };
            if next.is_tagged() {
                break;
            }
            sid = next;
            at += 1;
        }
        let Some(&b) = line.get(at) else { break };
        if next.is_unknown() {
            cache.search_update(at);
            next = match dfa.next_state(cache, sid, b) {
                Ok(n) => n,
                Err(_) => {
                    cache.search_finish(at);
                    return None;
                }
            };
        }
        if next.is_tagged() {
            cache.search_finish(at);
            return if next.is_match() {
                Some(true)
            } else if next.is_dead() {
                Some(false)
            } else {
                // Quit (or a start state, which is untagged here).
                None
            };
        }
        sid = next;
        at += 1;
    }
    cache.search_finish(line.len());
    dfa.next_eoi_state(cache, sid).ok().map(|s| s.is_match())
}

/// Patterns compiled together (one group of a [`LineMatcher`]).
///
/// Ignore-case literals take the ASCII fast path when the folded pattern is ASCII: the
/// automaton compares ASCII letters without case on the line as it is, so no folded copy of the
/// line is needed. Patterns with non-ASCII letters go to automata over the folded line, which
/// is computed only for non-ASCII lines (an ASCII line folds to ASCII and cannot match them).
#[derive(Debug, Clone, Default)]
struct PatternSet {
    /// Whether the set has any literal pattern (most built-in sets have none): else the line
    /// goes straight to the regexes.
    literals: bool,
    exact: ExactSet,
    exact_folded: ExactSet,
    prefix: Option<LiteralSet>,
    prefix_ascii_ci: Option<LiteralSet>,
    prefix_folded: Option<LiteralSet>,
    contains: Option<LiteralSet>,
    contains_ascii_ci: Option<LiteralSet>,
    contains_folded: Option<LiteralSet>,
    /// Regexes anchored at the line start, in up to three sets by the gate they allow (see
    /// [`split_by_gate`]): the set's automaton gives up after a few bytes on most lines. Then,
    /// when `anywhere` is set, the set of the regexes that may match anywhere: kept apart so
    /// that they do not make the anchored sets scan whole lines, and so that their own literal
    /// prefilter can skip lines. One slice, so that a line costs one loop over it.
    regexes: Vec<RegexGroup>,
    /// Whether the last of `regexes` is the set that may match anywhere.
    anywhere: bool,
    /// A document-level gate for the regexes that may match anywhere.
    anywhere_gate: Option<DocGate>,
}

/// Anchored regexes split into the sets that get a gate: those whose first two bytes are known
/// (most rules begin with a word list), those that only match at the line's end (`…$`) with
/// known last two bytes, those that need an ASCII digit (dates, times, counts: most lines have
/// none, and such a regex, which can begin with any word, would otherwise run on every line),
/// and the rest. A regex that can begin with any word or capital letter
/// would take the first gate away from all the others, and in one lazy DFA its states multiply
/// with theirs: on real pages (unlike the repetitive benchmark corpus) that made the set's
/// states overflow the cache again and again.
fn split_by_gate(regexes: Vec<(Hir, RuleId)>) -> [Vec<Gated>; 4] {
    let mut groups: [Vec<Gated>; 4] = Default::default();
    for (hir, id) in regexes {
        let gated = Gated::new(hir, id);
        let g = if gated.start.is_some() {
            0
        } else if gated.end.is_some() {
            1
        } else if gated.digit {
            2
        } else {
            3
        };
        groups[g].push(gated);
    }
    groups
}

/// Whether a regex can only match at the start of the line (`^…`). (The answer only decides
/// which set or gate a regex gets, for speed: results are the same either way.)
pub(crate) fn is_start_anchored(hir: &Hir) -> bool {
    hir.properties().look_set_prefix().contains(Look::Start)
}

impl PatternSet {
    fn build(
        patterns: &[(&Pattern, bool, RuleId)],
        parsed: &mut ParsedRegexes,
    ) -> Result<PatternSet, String> {
        let mut m = PatternSet::default();
        let mut lit: [Vec<(String, RuleId)>; 6] = Default::default();
        let mut regexes: Vec<(Hir, RuleId)> = vec![];
        for &(pattern, ignore_case, id) in patterns {
            let text = pattern.text();
            let (f, ascii) = if ignore_case {
                let f = folded(text);
                let ascii = f.is_ascii();
                (f, ascii)
            } else {
                (String::new(), false)
            };
            let group = |base: usize| {
                if !ignore_case {
                    base
                } else if ascii {
                    base + 1
                } else {
                    base + 2
                }
            };
            match pattern {
                Pattern::Exact(s) if !ignore_case => m.exact.insert(s.clone(), id, false),
                Pattern::Exact(_) => m.exact_folded.insert(f, id, true),
                Pattern::Prefix(s) => {
                    lit[group(0)].push((if ignore_case { f } else { s.clone() }, id))
                }
                Pattern::Contains(s) => {
                    lit[group(3)].push((if ignore_case { f } else { s.clone() }, id))
                }
                Pattern::Regex(_) => {
                    // Validated at load time; one parse serves the set and its anchoring.
                    let hir = parsed.take(&pattern.to_regex_source(ignore_case))?;
                    regexes.push((hir, id))
                }
            }
        }
        let [p, p_ci, p_f, c, c_ci, c_f] = lit;
        m.prefix = LiteralSet::build(p, true, false);
        m.prefix_ascii_ci = LiteralSet::build(p_ci, true, true);
        m.prefix_folded = LiteralSet::build(p_f, true, false);
        m.contains = LiteralSet::build(c, false, false);
        m.contains_ascii_ci = LiteralSet::build(c_ci, false, true);
        m.contains_folded = LiteralSet::build(c_f, false, false);
        m.literals = !m.literals_are_empty();
        let (anchored, anywhere): (Vec<_>, Vec<_>) = regexes
            .into_iter()
            .partition(|(hir, _)| is_start_anchored(hir));
        for group in split_by_gate(anchored)
            .into_iter()
            .filter(|g| !g.is_empty())
        {
            m.regexes
                .extend(RegexGroup::build_gated(group, parsed.slot())?);
        }
        if !anywhere.is_empty() {
            m.anywhere_gate = DocGate::of(&anywhere.iter().map(|(h, _)| h).collect::<Vec<_>>());
            let gated = anywhere
                .into_iter()
                .map(|(h, id)| Gated::new(h, id))
                .collect();
            if let Some(group) = RegexGroup::build_gated(gated, parsed.slot())? {
                m.regexes.push(group);
                m.anywhere = true;
            }
        }
        Ok(m)
    }

    fn is_empty(&self) -> bool {
        self.literals_are_empty() && self.regexes.is_empty()
    }

    /// The sets of regexes anchored at the line start.
    #[cfg(test)]
    fn regex_anchored(&self) -> &[RegexGroup] {
        &self.regexes[..self.regexes.len() - usize::from(self.anywhere)]
    }

    /// The set of regexes that may match anywhere.
    #[cfg(test)]
    fn regex_anywhere(&self) -> Option<&RegexGroup> {
        self.regexes.last().filter(|_| self.anywhere)
    }

    fn literals_are_empty(&self) -> bool {
        self.exact.lines.is_empty()
            && self.exact_folded.lines.is_empty()
            && [
                &self.prefix,
                &self.prefix_ascii_ci,
                &self.prefix_folded,
                &self.contains,
                &self.contains_ascii_ci,
                &self.contains_folded,
            ]
            .iter()
            .all(|s| s.is_none())
    }

    /// Whether the regexes that may match anywhere in a line can match in `doc` at all.
    fn anywhere_may_match(&self, doc: &str) -> bool {
        self.anywhere && self.anywhere_gate.as_ref().is_none_or(|g| g.may_match(doc))
    }

    /// The lowest-id match; `anywhere` false skips the regexes that may match anywhere.
    fn find(&self, line: &str, folded: &mut Folded, anywhere: bool) -> Option<RuleId> {
        if self.literals {
            if let Some(id) = self.find_literal(line, folded) {
                return Some(id);
            }
        }
        let mut best: Option<RuleId> = None;
        let skip = usize::from(self.anywhere && !anywhere);
        for group in &self.regexes[..self.regexes.len() - skip] {
            if let Some(id) = group.find(line, &mut folded.caches) {
                best = Some(best.map_or(id, |b| b.min(id)));
            }
        }
        best
    }

    /// The match of a literal pattern, in the order exact, prefix, contains. Not inlined: most
    /// sets have no literals, and inlined its setup would run for every line.
    #[inline(never)]
    fn find_literal(&self, line: &str, folded: &mut Folded) -> Option<RuleId> {
        if self.exact.may_hold(line, 1) {
            if let Some(&id) = self.exact.lines.get(line) {
                return Some(id);
            }
        }
        // Folding shrinks a line to at least a third of its bytes (the three bytes of the
        // Kelvin sign fold to `k`); longer lines cannot match.
        if self.exact_folded.may_hold(line, 3) {
            if let Some(&id) = self.exact_folded.lines.get(folded.get(line)) {
                return Some(id);
            }
        }
        for set in [&self.prefix, &self.prefix_ascii_ci] {
            if let Some(id) = set.as_ref().and_then(|s| s.find(line)) {
                return Some(id);
            }
        }
        // An ASCII line folds to ASCII, which patterns with other letters cannot match.
        if let Some(set) = self.prefix_folded.as_ref().filter(|_| !line.is_ascii()) {
            if let Some(id) = set.find(folded.get(line)) {
                return Some(id);
            }
        }
        for set in [&self.contains, &self.contains_ascii_ci] {
            if let Some(id) = set.as_ref().and_then(|s| s.find(line)) {
                return Some(id);
            }
        }
        if let Some(set) = self.contains_folded.as_ref().filter(|_| !line.is_ascii()) {
            if let Some(id) = set.find(folded.get(line)) {
                return Some(id);
            }
        }
        None
    }
}

/// One pattern of a phase: what to match, whether case is ignored, the rule's `max-words`
/// limit, and the rule.
pub(crate) type Entry<'a> = (&'a Pattern, bool, Option<usize>, RuleId);

/// One phase's rules, compiled: one [`PatternSet`] for rules without a `max-words` limit and one
/// per distinct limit, so a limit is checked once per line, before its patterns run, and no
/// match of a limited rule can hide another rule's match.
#[derive(Debug, Clone, Default)]
pub(crate) struct LineMatcher {
    /// `(max words, patterns)`, unlimited first (as `usize::MAX`).
    groups: Vec<(usize, PatternSet)>,
}

impl LineMatcher {
    /// Compile the given patterns, taking their parsed regexes from `parsed` where it has them.
    /// Regexes are assumed valid (checked at load time); an error here means a combined set is
    /// too large.
    pub(crate) fn build(
        entries: &[Entry],
        parsed: &mut ParsedRegexes,
    ) -> Result<LineMatcher, String> {
        let mut limits: Vec<usize> = entries.iter().map(|e| e.2.unwrap_or(usize::MAX)).collect();
        limits.sort_unstable_by(|a, b| b.cmp(a));
        limits.dedup();
        let mut groups = Vec::with_capacity(limits.len());
        for limit in limits {
            let members: Vec<(&Pattern, bool, RuleId)> = entries
                .iter()
                .filter(|e| e.2.unwrap_or(usize::MAX) == limit)
                .map(|&(p, ic, _, id)| (p, ic, id))
                .collect();
            groups.push((limit, PatternSet::build(&members, parsed)?));
        }
        Ok(LineMatcher { groups })
    }

    /// Whether the matcher has no patterns at all.
    pub(crate) fn is_empty(&self) -> bool {
        self.groups.iter().all(|(_, set)| set.is_empty())
    }

    /// The lowest-id rule that matches `line` (trimmed, normalized), if any. `folded` must have
    /// been [`reset`](Folded::reset) since it was last used with another line.
    pub(crate) fn find(&self, line: &str, folded: &mut Folded) -> Option<RuleId> {
        self.find_in(line, folded, DocMask::ALL)
    }

    /// Which parts of the matcher can match somewhere in `doc`, for [`LineMatcher::find_in`]
    /// on lines of `doc` (any text that holds every line to be matched, e.g. all of them
    /// concatenated).
    pub(crate) fn doc_mask(&self, doc: &str) -> DocMask {
        let mut mask = DocMask::ALL;
        for (i, (_, set)) in self.groups.iter().enumerate().take(64) {
            if !set.anywhere_may_match(doc) {
                mask.0 &= !(1 << i);
            }
        }
        mask
    }

    /// [`LineMatcher::find`] for a line of the document that `mask` was made for.
    #[inline(always)]
    pub(crate) fn find_in(&self, line: &str, folded: &mut Folded, mask: DocMask) -> Option<RuleId> {
        let mut best: Option<RuleId> = None;
        for (i, (limit, set)) in self.groups.iter().enumerate() {
            // Patterns first: most lines match none, and then the words need no counting.
            let anywhere = i >= 64 || mask.0 & (1 << i) != 0;
            let Some(id) = set.find(line, folded, anywhere) else {
                continue;
            };
            if *limit != usize::MAX && !within_words(line, *limit) {
                // Groups are sorted by falling limit: the rest are stricter still.
                break;
            }
            best = Some(best.map_or(id, |b| b.min(id)));
        }
        best
    }
}

/// [`at_most_words`], out of line: it runs only for the few lines a limited rule matches, and
/// inlined into [`LineMatcher::find_in`] its setup would run for every line.
#[inline(never)]
fn within_words(line: &str, limit: usize) -> bool {
    at_most_words(line, limit)
}

/// Which groups of a [`LineMatcher`] may match their unanchored regexes in one document: a
/// bit per group (groups past the 64th are always searched).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DocMask(u64);

impl DocMask {
    /// Search everything.
    pub(crate) const ALL: DocMask = DocMask(u64::MAX);
}

fn keep_lowest<S: std::hash::BuildHasher>(
    map: &mut HashMap<String, RuleId, S>,
    key: String,
    id: RuleId,
) {
    map.entry(key)
        .and_modify(|o| *o = (*o).min(id))
        .or_insert(id);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u32) -> RuleId {
        RuleId(n)
    }

    fn build(entries: &[Entry]) -> Result<LineMatcher, String> {
        LineMatcher::build(entries, &mut ParsedRegexes::default())
    }

    /// A matcher of `(pattern, ignore case, rule)` entries, none limited to some sources.
    fn matcher(pats: &[(Pattern, bool, RuleId)]) -> LineMatcher {
        let refs: Vec<_> = pats.iter().map(|(p, ic, i)| (p, *ic, None, *i)).collect();
        build(&refs).unwrap()
    }

    fn find(m: &LineMatcher, line: &str) -> Option<RuleId> {
        m.find(line, &mut Folded::default())
    }

    #[test]
    fn each_mode_matches_what_it_says() {
        let pats = [
            (Pattern::Exact("Subscribe".into()), false, id(0)),
            (Pattern::Prefix("Read Also:".into()), true, id(1)),
            (
                Pattern::Contains("(opens in new window)".into()),
                false,
                id(2),
            ),
            (Pattern::Regex(r"^\d+ Comments?$".into()), false, id(3)),
        ];
        let m = matcher(&pats);
        assert_eq!(find(&m, "Subscribe"), Some(id(0)));
        assert_eq!(find(&m, "Subscribe now"), None);
        assert_eq!(find(&m, "READ ALSO: x"), Some(id(1)));
        assert_eq!(find(&m, "We read also: x"), None);
        assert_eq!(find(&m, "Share on X (opens in new window)"), Some(id(2)));
        assert_eq!(find(&m, "12 Comments"), Some(id(3)));
        assert_eq!(find(&m, "12 Comments were made"), None);
    }

    #[test]
    fn unicode_case_folding() {
        let pats = [(Pattern::Prefix("Читайте также:".into()), true, id(0))];
        let m = matcher(&pats);
        assert_eq!(find(&m, "ЧИТАЙТЕ ТАКЖЕ: новости"), Some(id(0)));
    }

    #[test]
    fn exact_lines_skipped_by_their_first_byte_still_match_every_case() {
        let pats = [
            (Pattern::Exact("Kelvin scale".into()), true, id(0)),
            (Pattern::Exact("Ünter".into()), true, id(1)),
            (Pattern::Exact("Trending".into()), false, id(2)),
        ];
        let m = matcher(&pats);
        assert_eq!(find(&m, "kelvin SCALE"), Some(id(0)));
        // The Kelvin sign folds to an ASCII `k`.
        assert_eq!(find(&m, "\u{212A}elvin scale"), Some(id(0)));
        assert_eq!(find(&m, "üNTER"), Some(id(1)));
        assert_eq!(find(&m, "Trending"), Some(id(2)));
        assert_eq!(find(&m, "trending"), None);
        assert_eq!(find(&m, ""), None);
        assert_eq!(find(&m, "Selvin scale"), None);
    }

    #[test]
    fn exact_lines_that_fold_to_a_third_of_their_bytes_still_match() {
        let pats = [(Pattern::Exact("kkk".into()), true, id(0))];
        let m = matcher(&pats);
        // Nine bytes that fold to the three of the pattern.
        assert_eq!(find(&m, "\u{212A}\u{212A}\u{212A}"), Some(id(0)));
        assert_eq!(find(&m, "\u{212A}\u{212A}\u{212A}k"), None);
    }

    #[test]
    fn ascii_fast_path_and_folded_path_agree() {
        let pats = [
            (Pattern::Exact("Share post:".into()), true, id(0)),
            (Pattern::Contains("all rights reserved".into()), true, id(1)),
            (Pattern::Exact("ВСЕ НОВОСТИ".into()), true, id(2)),
            (
                Pattern::Contains("Tous droits réservés".into()),
                true,
                id(3),
            ),
        ];
        let m = matcher(&pats);
        assert_eq!(find(&m, "SHARE POST:"), Some(id(0)));
        assert_eq!(find(&m, "© 2024 Foo. All Rights Reserved."), Some(id(1)));
        assert_eq!(find(&m, "© 2024 Foo — “All Rights Reserved”"), Some(id(1)));
        assert_eq!(find(&m, "Все новости"), Some(id(2)));
        assert_eq!(find(&m, "© Le Monde. TOUS DROITS RÉSERVÉS"), Some(id(3)));
        assert_eq!(find(&m, "Share post: now"), None);
    }

    #[test]
    fn anchored_and_unanchored_regexes_both_match_lowest_id_first() {
        let pats = [
            (Pattern::Regex("^Photo:".into()), false, id(3)),
            (
                Pattern::Regex("All rights reserved\\.?$".into()),
                true,
                id(1),
            ),
        ];
        let m = matcher(&pats);
        let set = &m.groups[0].1;
        assert!(set.regex_anchored().len() == 1 && set.regex_anywhere().is_some());
        assert_eq!(find(&m, "Photo: AP"), Some(id(3)));
        assert_eq!(find(&m, "© 2024 Foo. ALL RIGHTS RESERVED."), Some(id(1)));
        assert_eq!(find(&m, "Photo: AP. All rights reserved"), Some(id(1)));
        assert_eq!(find(&m, "All rights reserved to the crown, he said"), None);
    }

    #[test]
    fn anchored_regexes_split_by_gate_still_match_lowest_id_first() {
        let pats = [
            (Pattern::Regex("^Photo: .+$".into()), false, id(5)),
            (
                Pattern::Regex(r"^(?:\S+ ){0,3}\d+ min read.*".into()),
                false,
                id(2),
            ),
            (Pattern::Regex(r"^\S+ says:$".into()), false, id(7)),
            (Pattern::Regex(r"^(?:\S+ )*says:$".into()), false, id(1)),
        ];
        let m = matcher(&pats);
        let set = &m.groups[0].1;
        // One set with start bytes, one with end bytes, one with neither.
        let gates: Vec<_> = set
            .regex_anchored()
            .iter()
            .map(|g| (g.start.is_some(), g.end.is_some(), g.ids.clone()))
            .collect();
        assert_eq!(
            gates,
            [
                (true, false, vec![id(5)]),
                (false, true, vec![id(1), id(7)]),
                (false, false, vec![id(2)]),
            ]
        );
        assert_eq!(find(&m, "Photo: 5 min read"), Some(id(2)));
        assert_eq!(find(&m, "Photo: AP"), Some(id(5)));
        assert_eq!(find(&m, "Jane says:"), Some(id(1)));
        assert_eq!(find(&m, "Photo: says:"), Some(id(1)));
        assert_eq!(find(&m, "Jane Doe, 5 min read"), Some(id(2)));
        assert_eq!(find(&m, "Nothing to see here."), None);
    }

    #[test]
    fn line_gates_never_hide_a_match() {
        let sources = [
            r"^(?:[-–—] *)?(?:Advertisement|Sponsored|Реклама) *$",
            r"(?i)^(?:share|teilen|поделиться):?$",
            r"^(?:©|\([cC]\) ?[0-9]{4})",
            r"^\w+ said$",
            r"^a?$",
            r"^(?:x|yz)",
            r"^\w+ (?:says|wrote):$",
            r"(?i)said(?:\.\.\.|…)$",
            r"^.*[0-9]{2}(?: ?[ap]m)?$",
            r"^.*b$",
        ];
        let lines = [
            "Advertisement",
            "— Sponsored",
            "-Реклама ",
            "SHARE:",
            "ПОДЕЛИТЬСЯ",
            "Teilen",
            "© 2024",
            "(c) 2024 Foo",
            "(C)2024",
            "Кто said",
            "a",
            "",
            "x",
            "yz",
            "yzz",
            "y",
            "The Advertisement",
            "Share this",
            "Sponsored content",
            "ab",
            "Jane says:",
            "Jane wrote:",
            "Jane says: hi",
            "Jane says",
            "He SAID...",
            "Anna said…",
            "He said.",
            "at 10:42 pm",
            "at 10:42pm",
            "at 10:42 p",
            "10",
            "b",
            "bb",
            "Bob",
        ];
        for (n, src) in sources.iter().enumerate() {
            let group = RegexGroup::build(vec![(regex_syntax::parse(src).unwrap(), id(7))], 0)
                .unwrap()
                .unwrap();
            let re = Regex::new(src).unwrap();
            for line in lines {
                let want = re.is_match(line).then_some(id(7));
                assert_eq!(
                    group.find(line, &mut Caches::default()),
                    want,
                    "{src} on {line:?}"
                );
            }
            // Which gates apply: a length bound for bounded whole-line regexes (` *$` is not
            // bounded), start bytes for all but the `\w`, `.*` and possibly-empty ones, end
            // bytes (only looked for without start bytes) for the `…$` ones that end in
            // literals.
            assert_eq!(group.max_len != usize::MAX, [1, 4].contains(&n), "{src}");
            assert_eq!(
                group.start.is_some(),
                ![3, 4, 6, 7, 8, 9].contains(&n),
                "{src}"
            );
            assert_eq!(group.end.is_some(), [3, 6, 7, 8, 9].contains(&n), "{src}");
        }
    }

    #[test]
    fn walking_the_lazy_dfa_answers_as_the_regexes_do() {
        // Start-anchored sets (no prefilter), as the walk is used for. `\b` makes non-ASCII
        // bytes quit bytes; a tiny cache makes states be rebuilt again and again.
        let sets: [&[&str]; 4] = [
            &[
                r"^(?:Share|Tweet)$",
                r"^(?:\S+ ){0,3}[0-9]+ min read",
                r"^a?$",
            ],
            &[r"^\bword\b", r"^.*b$", r"^(?:x|yz)"],
            &[r"^(?:Фото|Photo): .{1,20}$", r"^[|•/]+(?: +[|•/]+)*$"],
            &[r"^[a-z]+@[a-z]+\.com$"],
        ];
        let lines = [
            "",
            "a",
            "b",
            "ab",
            "Share",
            "Shares",
            "Tweet",
            "Jane Doe 5 min read",
            "5 min read",
            "One two three four 5 min read",
            "word",
            "word up",
            "wordy",
            "x",
            "yz",
            "yzz",
            "y",
            "Фото: ТАСС",
            "Photo: AP",
            "Photo: ",
            "| • |",
            "|",
            "||  /",
            "über word",
            "wörd",
            "a@b.com",
            "a@b.co",
            "The quick brown fox jumps over the lazy dog.",
        ];
        for sources in sets {
            let any = regex::RegexSet::new(sources).unwrap();
            for (clears, give_up) in [(false, false), (true, false), (true, true)] {
                // The configuration of `RegexGroup::build`, with a cache small enough to be
                // cleared on every line, and one that gives up.
                let capacity = if clears { 0 } else { DFA_CACHE_CAPACITY };
                let dfa = hybrid::dfa::DFA::builder()
                    .configure(
                        lazy_dfa_config(None, capacity)
                            .skip_cache_capacity_check(true)
                            .minimum_cache_clear_count(give_up.then_some(0)),
                    )
                    .build_many(sources)
                    .unwrap();
                let mut cache = dfa.create_cache();
                let mut start = None;
                for _ in 0..3 {
                    for line in lines {
                        let want = any.is_match(line);
                        let got = walk_is_match(&dfa, &mut cache, &mut start, line.as_bytes());
                        // It may give up (then the PikeVM answers), never answer wrong.
                        assert!(got.is_none_or(|m| m == want), "{sources:?} on {line:?}");
                        if !give_up && line.is_ascii() {
                            assert_eq!(got, Some(want), "{sources:?} on {line:?}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn has_digit_finds_a_digit_anywhere() {
        for len in 0..100 {
            let plain = vec![b'a'; len];
            assert!(!has_digit(&plain), "{len}");
            // Neighbours of the digits, and digits with the high bit set, are no digits.
            let near: Vec<u8> = (0..len)
                .map(|i| [b'/', b':', 0xB0, 0xB9, b' '][i % 5])
                .collect();
            assert!(!has_digit(&near), "{len}");
            for at in 0..len {
                let mut line = plain.clone();
                line[at] = b'0' + (at % 10) as u8;
                assert!(has_digit(&line), "{len} {at}");
            }
        }
    }

    #[test]
    fn digit_gate_never_hides_a_match() {
        let sources = [
            (
                r"^(?:[^ !?]+ ){0,7}(?:Read time:? ?[0-9]{1,3}|[0-9]{1,3} min read)$",
                true,
            ),
            (r"(?i)^(?:updated )?[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{4}$", true),
            (r"^(?:x[0-9]|[0-9]y)+$", true),
            (r"^(?:[0-9]x)*$", false),
            (r"^\d+ comments$", false),
            (r"^(?:Photo: .+|[0-9]+ photos)$", false),
        ];
        let lines = [
            "Jane Doe · 12 min read",
            "12 min read",
            "Read time: 7",
            "Read time: seven",
            "min read",
            "Updated 1.2.2024",
            "UPDATED 12.12.2024",
            "1.2.24",
            "x1",
            "1y",
            "x1x2",
            "xy",
            "",
            "1x",
            "12 comments",
            "١٢ comments",
            "comments",
            "Photo: AP",
            "3 photos",
            "Text with no number at all, and long enough to need more than one block of bytes.",
        ];
        for (src, digit) in sources {
            let hir = regex_syntax::parse(src).unwrap();
            assert_eq!(needs_digit(&hir), digit, "{src}");
            let group = RegexGroup::build(vec![(hir, id(7))], 0).unwrap().unwrap();
            assert_eq!(group.digit, digit, "{src}");
            let re = Regex::new(src).unwrap();
            let mut caches = Caches::default();
            for line in lines {
                caches.digit = None;
                let want = re.is_match(line).then_some(id(7));
                assert_eq!(group.find(line, &mut caches), want, "{src} on {line:?}");
            }
        }
    }

    #[test]
    fn unanchored_empty_matches_fall_on_character_boundaries() {
        // No prefix literal, so no prefilter: the set must still not be walked, since `\B`
        // matches (empty) between the two bytes of `é` only when UTF-8 is ignored.
        for src in [r"(?-u:\B)", r"(?-u:\B)x?"] {
            let hir = regex_syntax::parse(src).unwrap();
            let group = RegexGroup::build(vec![(hir, id(7))], 0).unwrap().unwrap();
            assert!(!group.walk, "{src}");
            let re = Regex::new(src).unwrap();
            for line in ["a\u{e9}b", "\u{e9}", "ab", "a b"] {
                let want = re.is_match(line).then_some(id(7));
                assert_eq!(
                    group.find(line, &mut Caches::default()),
                    want,
                    "{src} on {line:?}"
                );
            }
        }
    }

    #[test]
    fn doc_gate_is_a_necessary_condition() {
        let gate = |src: &str| DocGate::of(&[&regex_syntax::parse(src).unwrap()]);
        let g = gate(r"(?:All [Rr]ights [Rr]eserved|Tous droits réservés)\.?$").unwrap();
        assert!(!g.may_match("Nothing here.\nAll rights are reserved"));
        assert!(g.may_match("x\n© 2024 Foo. All Rights reserved."));
        assert!(g.may_match("Tous droits réservés"));
        let g = gate(r"(?i)^(?:spot_img)+|(?:spot_img)+$").unwrap();
        assert!(g.may_match("Headline SPOT_IMG"));
        // Case variants are many: the literals may be cut short, but stay necessary.
        assert!(!g.may_match("Quick brown"));
        assert!(gate(r"\w+ said").is_none());
        assert!(gate(r"x?").is_none());
    }

    #[test]
    fn an_anywhere_regex_gated_out_by_the_document_is_skipped_only_there() {
        let rights = Pattern::Regex("All rights reserved".into());
        let anchored = Pattern::Regex("^Photo:".into());
        let m = build(&[
            (&rights, false, None, id(0)),
            (&anchored, false, None, id(1)),
        ])
        .unwrap();
        let mut folded = Folded::default();
        let without = m.doc_mask("Photo: AP\nText.");
        assert_ne!(without, DocMask::ALL);
        assert_eq!(m.find_in("Photo: AP", &mut folded, without), Some(id(1)));
        let with = m.doc_mask("Photo: AP\n(c) All rights reserved");
        assert_eq!(
            m.find_in("(c) All rights reserved", &mut folded, with),
            Some(id(0))
        );
    }

    #[test]
    fn max_words_limits_a_rule_without_hiding_others() {
        let short = Pattern::Contains("all rights reserved".into());
        let any = Pattern::Contains("rights".into());
        let m = build(&[(&short, true, Some(6), id(0)), (&any, false, None, id(1))]).unwrap();
        assert_eq!(find(&m, "© 2024 Foo. All rights reserved."), Some(id(0)));
        let long = "The union said that all rights reserved for members would be kept in the deal.";
        assert_eq!(find(&m, long), Some(id(1)));
        let m = build(&[(&short, true, Some(6), id(0))]).unwrap();
        assert_eq!(find(&m, long), None);
    }

    #[test]
    fn lowest_id_wins_for_equal_patterns_whatever_the_order() {
        let a = Pattern::Exact("Trending".into());
        let m1 = build(&[(&a, false, None, id(5)), (&a, false, None, id(2))]).unwrap();
        let m2 = build(&[(&a, false, None, id(2)), (&a, false, None, id(5))]).unwrap();
        assert_eq!(find(&m1, "Trending"), Some(id(2)));
        assert_eq!(find(&m2, "Trending"), Some(id(2)));
    }

    #[test]
    fn longest_prefix_wins() {
        let a = Pattern::Prefix("Read".into());
        let b = Pattern::Prefix("Read Also:".into());
        let m = build(&[(&a, false, None, id(1)), (&b, false, None, id(0))]).unwrap();
        assert_eq!(find(&m, "Read Also: x"), Some(id(0)));
        let m = build(&[(&b, false, None, id(0)), (&a, false, None, id(1))]).unwrap();
        assert_eq!(find(&m, "Read Also: x"), Some(id(0)));
    }

    #[test]
    fn a_large_set_still_gets_a_lazy_dfa_under_the_cache_bound() {
        // 300 date-like regexes with counted repetitions: a set much larger than the built-in
        // ones. Its lazy DFA must build (within the bound, or with the fallback capacity),
        // or every search would go to the PikeVM.
        let sources: Vec<String> = (0..300)
            .map(|i| format!(r"^(?:Updated|Posted{i}) [0-9]{{1,2}} [A-Za-z]{{3,9}} [0-9]{{4}}(?: [^.!?]{{0,40}})?$"))
            .collect();
        let regexes = sources
            .iter()
            .zip(0..)
            .map(|(s, i)| (regex_syntax::parse(s).unwrap(), RuleId(i)))
            .collect();
        let group = RegexGroup::build(regexes, 0).unwrap().unwrap();
        assert!(group.dfa.is_some());
    }
}
