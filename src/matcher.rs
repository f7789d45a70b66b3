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
use std::sync::Arc;

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
/// unlike the repetitive benchmark corpus, lines keep adding states (one set holds the regexes
/// of every phase, and its states combine theirs), so without a bound the cache grows with
/// the corpus; when full it is cleared and states are built again. Measured on the dev pages
/// (6.9 MB) with 2 threads: 64 MiB let peak RSS reach 60 MB, 16 MiB 57 MB, 8 MiB 42 MB for
/// 1.3-1.5x the user time; 2 MiB thrashes.
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
    /// Numbers the current line, for the per-line answers of shared regex sets
    /// ([`RegexGroup::matches`]).
    line: u64,
    caches: Caches,
}

/// A folded line longer than this is not kept from one document to the next.
const KEEP_FOLDED: usize = 64 << 10;

impl Folded {
    /// Forget the previous line (the buffer is reused).
    pub(crate) fn reset(&mut self) {
        self.done = false;
        self.line = self.line.wrapping_add(1);
    }

    /// Ready for a document cleaned with the rule set `owner` (a [`crate::RuleSet`]'s unique
    /// number): the caches are kept when they are that rule set's, the buffer when it is not
    /// larger than [`KEEP_FOLDED`]. `clean_with` keeps one `Folded` per thread.
    pub(crate) fn start(&mut self, owner: u64) {
        if self.caches.owner != owner {
            self.caches = Caches {
                owner,
                groups: Vec::new(),
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
}

/// The search state of one [`RegexGroup`].
#[derive(Debug)]
struct GroupCache {
    dfa: Option<hybrid::dfa::Cache>,
    /// Made when the lazy DFA first gives up (rare).
    pikevm: Option<thompson::pikevm::Cache>,
    matched: RegexPatterns,
    /// For a shared set: the line (its [`Folded`] number) that `matched` and `any` answer for.
    line: Option<u64>,
    /// Whether any regex matches that line (then `matched` has them all).
    any: bool,
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

/// Exact-line patterns, with the longest pattern's length so that long lines (most lines of an
/// article) skip the lookup, and the case-folding work, entirely.
#[derive(Debug, Clone, Default)]
struct ExactSet {
    /// FxHash, not the default SipHash, whose flooding resistance buys nothing here: the table
    /// holds rule patterns, which input lines cannot add to, and every short line is looked up.
    lines: HashMap<String, RuleId, FxBuildHasher>,
    max_len: usize,
}

impl ExactSet {
    fn insert(&mut self, key: String, id: RuleId) {
        self.max_len = self.max_len.max(key.len());
        keep_lowest(&mut self.lines, key, id);
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
    gates: LineGates,
}

/// Cheap necessary conditions for some regexes to match a line, checked before they run: most
/// lines fail one of them and never reach the regex engine.
#[derive(Debug, Clone)]
struct LineGates {
    /// Every regex matches whole lines only (`^…$`) of at most this many bytes.
    max_len: Option<usize>,
    /// No regex matches fewer bytes.
    min_len: usize,
    /// Every regex only matches at the line start, and only after one of these first two bytes.
    start: Option<StartBytes>,
}

impl LineGates {
    fn of(hirs: &[&Hir]) -> LineGates {
        let all_anchored = hirs.iter().all(|h| is_start_anchored(h));
        LineGates {
            max_len: hirs
                .iter()
                .map(|h| whole_line_max_len(h))
                .try_fold(0, |m, n| Some(m.max(n?))),
            min_len: hirs
                .iter()
                .map(|h| h.properties().minimum_len().unwrap_or(0))
                .min()
                .unwrap_or(0),
            start: all_anchored.then(|| StartBytes::of(hirs)).flatten(),
        }
    }

    /// Whether the regexes may match `line` (`false`: none can).
    #[inline]
    fn allow(&self, line: &str) -> bool {
        !(self.max_len.is_some_and(|n| line.len() > n)
            || line.len() < self.min_len
            || self.start.as_ref().is_some_and(|s| !s.allows(line)))
    }
}

/// The pairs of first two bytes that a match at the start of a line can begin with (64 Ki
/// bits, one per pair).
#[derive(Debug, Clone)]
struct StartBytes(Box<[u64; 1024]>);

impl StartBytes {
    /// The pairs of every regex: `None` when one of them can start with anything (or with an
    /// empty match), judged by the regex crate's own prefix-literal extraction, whose literals
    /// begin every match.
    fn of(hirs: &[&Hir]) -> Option<StartBytes> {
        let mut extractor = Extractor::new();
        extractor
            .kind(ExtractKind::Prefix)
            .limit_literal_len(2)
            .limit_total(4096);
        let mut bits = Box::new([0u64; 1024]);
        for hir in hirs {
            let seq = extractor.extract(hir);
            for lit in seq.literals()? {
                match *lit.as_bytes() {
                    [a, b, ..] => {
                        let pair = usize::from(a) << 8 | usize::from(b);
                        bits[pair / 64] |= 1 << (pair % 64);
                    }
                    // One byte: any second byte.
                    [a] => bits[usize::from(a) * 4..usize::from(a) * 4 + 4].fill(u64::MAX),
                    [] => return None,
                }
            }
        }
        Some(StartBytes(bits))
    }

    /// Whether a match can start at the start of `line`. (A one-byte line is not checked.)
    fn allows(&self, line: &str) -> bool {
        match *line.as_bytes() {
            [a, b, ..] => {
                let pair = usize::from(a) << 8 | usize::from(b);
                self.0[pair / 64] & (1 << (pair % 64)) != 0
            }
            [_] => true,
            [] => false,
        }
    }
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

impl RegexGroup {
    /// Build the set from parsed patterns, as `RegexSet` would from their sources (same
    /// configuration), without parsing them again. Sorted by rule id, so the first match is the
    /// lowest id. `slot` numbers the group's cache.
    fn build(mut regexes: Vec<(&Hir, RuleId)>, slot: usize) -> Result<Option<RegexGroup>, String> {
        if regexes.is_empty() {
            return Ok(None);
        }
        regexes.sort_by_key(|(_, id)| *id);
        let hirs: Vec<&Hir> = regexes.iter().map(|&(h, _)| h).collect();
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
                .configure(
                    hybrid::dfa::Config::new()
                        .match_kind(RegexMatchKind::All)
                        .prefilter(pre.clone())
                        .starts_for_each_pattern(true)
                        .byte_classes(true)
                        .unicode_word_boundary(true)
                        .specialize_start_states(pre.is_some())
                        .cache_capacity(capacity)
                        .skip_cache_capacity_check(false)
                        .minimum_cache_clear_count(Some(3))
                        .minimum_bytes_per_state(Some(10)),
                )
                .build_from_nfa(nfa.clone())
                .ok()
        };
        let dfa = lazy_dfa(DFA_CACHE_CAPACITY).or_else(|| lazy_dfa(REGEX_SET_SIZE_LIMIT));
        Ok(Some(RegexGroup {
            dfa,
            pikevm,
            slot,
            ids: regexes.into_iter().map(|(_, id)| id).collect(),
            gates: LineGates::of(&hirs),
        }))
    }

    /// The lowest rule id whose regex matches `line`. The gates are inlined into the caller,
    /// so that the lines they turn away (most lines) cost no call.
    #[inline]
    fn find(&self, line: &str, caches: &mut Caches) -> Option<RuleId> {
        if !self.gates.allow(line) {
            return None;
        }
        self.search(line, caches)
    }

    /// This group's search state in `caches`.
    fn cache<'c>(&self, caches: &'c mut Caches) -> &'c mut GroupCache {
        if caches.groups.len() <= self.slot {
            caches.groups.resize_with(self.slot + 1, || None);
        }
        caches.groups[self.slot].get_or_insert_with(|| GroupCache {
            dfa: self.dfa.as_ref().map(|d| d.create_cache()),
            pikevm: None,
            matched: RegexPatterns::new(self.ids.len()),
            line: None,
            any: false,
        })
    }

    /// Every regex of the group that matches `line`, `None` when none does: searched once for
    /// the line numbered `line_no` ([`Folded::reset`]), then answered from `caches`, so that
    /// the sets sharing the group search each line once between them.
    fn matches<'c>(
        &self,
        line: &str,
        caches: &'c mut Caches,
        line_no: u64,
    ) -> Option<&'c RegexPatterns> {
        let cache = self.cache(caches);
        if cache.line != Some(line_no) {
            cache.line = Some(line_no);
            // (Clearing walks the whole set: only after a line that matched.)
            if !cache.matched.is_empty() {
                cache.matched.clear();
            }
            let input = RegexInput::new(line);
            cache.any = self.is_match(cache, input.clone().earliest(true));
            if cache.any {
                self.which_matches(cache, &input);
            }
        }
        cache.any.then_some(&cache.matched)
    }

    /// [`RegexGroup::find`] past the gates.
    #[inline(never)]
    fn search(&self, line: &str, caches: &mut Caches) -> Option<RuleId> {
        let cache = self.cache(caches);
        let input = RegexInput::new(line);
        if !self.is_match(cache, input.clone().earliest(true)) {
            return None;
        }
        if self.ids.len() == 1 {
            return Some(self.ids[0]);
        }
        cache.matched.clear();
        self.which_matches(cache, &input);
        cache.matched.iter().next().map(|p| self.ids[p.as_usize()])
    }

    fn is_match(&self, cache: &mut GroupCache, input: RegexInput) -> bool {
        if let (Some(dfa), Some(c)) = (&self.dfa, cache.dfa.as_mut()) {
            if let Ok(m) = dfa.try_search_fwd(c, &input) {
                return m.is_some();
            }
        }
        let vm = &self.pikevm;
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

/// The regexes of a [`PatternSet`] that only match at the line start: a group of their own, or
/// their part of a group shared with the other sets of the phases built together
/// ([`LineMatcher::build_phases`]), which searches each line once for all of them.
#[derive(Debug, Clone)]
enum AnchoredRegexes {
    Own(Box<RegexGroup>),
    Shared(SharedPart),
}

impl AnchoredRegexes {
    #[inline]
    fn find(&self, line: &str, folded: &mut Folded) -> Option<RuleId> {
        match self {
            AnchoredRegexes::Own(g) => g.find(line, &mut folded.caches),
            AnchoredRegexes::Shared(p) => p.find(line, folded),
        }
    }
}

/// One set's regexes in a shared [`RegexGroup`], with the gates of these regexes alone.
#[derive(Debug, Clone)]
struct SharedPart {
    group: Arc<RegexGroup>,
    /// Which of the group's regexes (by index) are this set's.
    members: Box<[bool]>,
    gates: LineGates,
}

impl SharedPart {
    /// The lowest rule id of this part whose regex matches `line`. As [`RegexGroup::find`]: the
    /// gates inlined, the search not.
    #[inline]
    fn find(&self, line: &str, folded: &mut Folded) -> Option<RuleId> {
        if !self.gates.allow(line) {
            return None;
        }
        // Most lines: another part has searched this line already and nothing matched.
        if let Some(Some(c)) = folded.caches.groups.get(self.group.slot) {
            if c.line == Some(folded.line) && !c.any {
                return None;
            }
        }
        self.search(line, folded)
    }

    #[inline(never)]
    fn search(&self, line: &str, folded: &mut Folded) -> Option<RuleId> {
        let matched = self.group.matches(line, &mut folded.caches, folded.line)?;
        // The group is sorted by rule id: the first member that matches has the lowest.
        matched
            .iter()
            .find(|p| self.members[p.as_usize()])
            .map(|p| self.group.ids[p.as_usize()])
    }
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
    /// Regexes anchored at the line start: the set's automaton gives up after a few bytes on
    /// most lines.
    regex_anchored: Option<AnchoredRegexes>,
    /// Regexes that may match anywhere: kept apart so that they do not make the anchored set
    /// scan whole lines, and so that their own literal prefilter can skip lines.
    regex_anywhere: Option<RegexGroup>,
    /// A document-level gate for `regex_anywhere`.
    anywhere_gate: Option<DocGate>,
}

/// Whether a regex can only match at the start of the line (`^…`). (The answer only decides
/// which set a regex goes to, for speed: results are the same either way.)
fn is_start_anchored(hir: &Hir) -> bool {
    hir.properties().look_set_prefix().contains(Look::Start)
}

/// A pattern of a [`PatternSet`] being built: the pattern, whether case is ignored, the rule,
/// and for a regex its parse and its index in the shared group, if it is in one.
type Member<'a> = (&'a Pattern, bool, RuleId, Option<(&'a Hir, Option<usize>)>);

impl PatternSet {
    fn build(
        patterns: &[Member],
        shared: Option<&Arc<RegexGroup>>,
        parsed: &mut ParsedRegexes,
    ) -> Result<PatternSet, String> {
        let mut m = PatternSet::default();
        let mut lit: [Vec<(String, RuleId)>; 6] = Default::default();
        let mut regexes: Vec<(&Hir, RuleId, Option<usize>)> = vec![];
        for &(pattern, ignore_case, id, regex) in patterns {
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
                Pattern::Exact(s) if !ignore_case => m.exact.insert(s.clone(), id),
                Pattern::Exact(_) => m.exact_folded.insert(f, id),
                Pattern::Prefix(s) => {
                    lit[group(0)].push((if ignore_case { f } else { s.clone() }, id))
                }
                Pattern::Contains(s) => {
                    lit[group(3)].push((if ignore_case { f } else { s.clone() }, id))
                }
                Pattern::Regex(_) => {
                    let (hir, at) = regex.expect("every regex comes with its parse");
                    regexes.push((hir, id, at))
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
            .partition(|(hir, _, _)| is_start_anchored(hir));
        fn hirs<'h>(v: &[(&'h Hir, RuleId, Option<usize>)]) -> Vec<&'h Hir> {
            v.iter().map(|r| r.0).collect()
        }
        fn ids<'h>(v: &[(&'h Hir, RuleId, Option<usize>)]) -> Vec<(&'h Hir, RuleId)> {
            v.iter().map(|r| (r.0, r.1)).collect()
        }
        match shared {
            Some(group) if !anchored.is_empty() && anchored.iter().all(|r| r.2.is_some()) => {
                let mut members = vec![false; group.ids.len()];
                for r in &anchored {
                    members[r.2.expect("checked above")] = true;
                }
                m.regex_anchored = Some(AnchoredRegexes::Shared(SharedPart {
                    group: Arc::clone(group),
                    members: members.into(),
                    gates: LineGates::of(&hirs(&anchored)),
                }));
            }
            _ if !anchored.is_empty() => {
                let slot = parsed.slot();
                m.regex_anchored = RegexGroup::build(ids(&anchored), slot)?
                    .map(|g| AnchoredRegexes::Own(Box::new(g)));
            }
            _ => {}
        }
        if !anywhere.is_empty() {
            m.anywhere_gate = DocGate::of(&hirs(&anywhere));
            let slot = parsed.slot();
            m.regex_anywhere = RegexGroup::build(ids(&anywhere), slot)?;
        }
        Ok(m)
    }

    fn is_empty(&self) -> bool {
        self.literals_are_empty() && self.regex_anchored.is_none() && self.regex_anywhere.is_none()
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
        self.regex_anywhere.is_some()
            && self.anywhere_gate.as_ref().is_none_or(|g| g.may_match(doc))
    }

    /// The lowest-id match; `anywhere` false skips the regexes that may match anywhere.
    fn find(&self, line: &str, folded: &mut Folded, anywhere: bool) -> Option<RuleId> {
        if self.literals {
            if let Some(id) = self.find_literal(line, folded) {
                return Some(id);
            }
        }
        match (
            self.regex_anchored
                .as_ref()
                .and_then(|g| g.find(line, folded)),
            self.regex_anywhere
                .as_ref()
                .filter(|_| anywhere)
                .and_then(|g| g.find(line, &mut folded.caches)),
        ) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The match of a literal pattern, in the order exact, prefix, contains.
    fn find_literal(&self, line: &str, folded: &mut Folded) -> Option<RuleId> {
        if line.len() <= self.exact.max_len {
            if let Some(&id) = self.exact.lines.get(line) {
                return Some(id);
            }
        }
        // Unicode lowercase at most doubles a line's bytes; longer lines cannot match.
        if line.len() <= 2 * self.exact_folded.max_len {
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
        let mut built = LineMatcher::build_phases(&[entries], parsed)?;
        Ok(built.pop().expect("one matcher per phase"))
    }

    /// [`LineMatcher::build`] for several phases at once, one matcher each. The regexes that
    /// only match at the line start, of every group of every phase, also go into one shared
    /// set, which each line is searched with once, however many groups ask about it (the
    /// classification of a line asks every phase); each group keeps its own gates in front.
    /// When that set cannot be built (too large together), each group gets its own, with the
    /// errors of those.
    pub(crate) fn build_phases(
        phases: &[&[Entry]],
        parsed: &mut ParsedRegexes,
    ) -> Result<Vec<LineMatcher>, String> {
        // Every regex parsed once: validated at load time, where its parse was kept.
        let mut hirs: Vec<Vec<Option<Hir>>> = Vec::with_capacity(phases.len());
        for entries in phases {
            let mut parses = Vec::with_capacity(entries.len());
            for &(pattern, ignore_case, _, _) in entries.iter() {
                parses.push(match pattern {
                    Pattern::Regex(_) => Some(parsed.take(&pattern.to_regex_source(ignore_case))?),
                    _ => None,
                });
            }
            hirs.push(parses);
        }
        let limit = |e: &Entry| e.2.unwrap_or(usize::MAX);
        // (phase, entry) of every anchored regex, by rule id as the set orders them.
        let mut anchored: Vec<(usize, usize)> = vec![];
        for (p, parses) in hirs.iter().enumerate() {
            for (e, hir) in parses.iter().enumerate() {
                if hir.as_ref().is_some_and(is_start_anchored) {
                    anchored.push((p, e));
                }
            }
        }
        anchored.sort_by_key(|&(p, e)| phases[p][e].3);
        let mut owners: Vec<(usize, usize)> = anchored
            .iter()
            .map(|&(p, e)| (p, limit(&phases[p][e])))
            .collect();
        owners.sort_unstable();
        owners.dedup();
        let mut at: Vec<Vec<Option<usize>>> = hirs.iter().map(|h| vec![None; h.len()]).collect();
        let mut shared = None;
        if owners.len() > 1 {
            let members = anchored
                .iter()
                .map(|&(p, e)| (hirs[p][e].as_ref().expect("a regex"), phases[p][e].3))
                .collect();
            let slot = parsed.slot();
            if let Ok(Some(group)) = RegexGroup::build(members, slot) {
                for (i, &(p, e)) in anchored.iter().enumerate() {
                    at[p][e] = Some(i);
                }
                shared = Some(Arc::new(group));
            }
        }
        let mut matchers = Vec::with_capacity(phases.len());
        for (p, entries) in phases.iter().enumerate() {
            let mut limits: Vec<usize> = entries.iter().map(limit).collect();
            limits.sort_unstable_by(|a, b| b.cmp(a));
            limits.dedup();
            let mut groups = Vec::with_capacity(limits.len());
            for l in limits {
                let members: Vec<Member> = entries
                    .iter()
                    .enumerate()
                    .filter(|(_, e)| limit(e) == l)
                    .map(|(i, &(pattern, ic, _, id))| {
                        (pattern, ic, id, hirs[p][i].as_ref().map(|h| (h, at[p][i])))
                    })
                    .collect();
                groups.push((l, PatternSet::build(&members, shared.as_ref(), parsed)?));
            }
            matchers.push(LineMatcher { groups });
        }
        Ok(matchers)
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
    pub(crate) fn find_in(&self, line: &str, folded: &mut Folded, mask: DocMask) -> Option<RuleId> {
        let mut best: Option<RuleId> = None;
        for (i, (limit, set)) in self.groups.iter().enumerate() {
            // Patterns first: most lines match none, and then the words need no counting.
            let anywhere = i >= 64 || mask.0 & (1 << i) != 0;
            let Some(id) = set.find(line, folded, anywhere) else {
                continue;
            };
            if *limit != usize::MAX && !at_most_words(line, *limit) {
                // Groups are sorted by falling limit: the rest are stricter still.
                break;
            }
            best = Some(best.map_or(id, |b| b.min(id)));
        }
        best
    }
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
        let refs: Vec<_> = pats.iter().map(|(p, ic, i)| (p, *ic, None, *i)).collect();
        let m = build(&refs).unwrap();
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
        let refs: Vec<_> = pats.iter().map(|(p, ic, i)| (p, *ic, None, *i)).collect();
        let m = build(&refs).unwrap();
        assert_eq!(find(&m, "ЧИТАЙТЕ ТАКЖЕ: новости"), Some(id(0)));
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
        let refs: Vec<_> = pats.iter().map(|(p, ic, i)| (p, *ic, None, *i)).collect();
        let m = build(&refs).unwrap();
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
        let refs: Vec<_> = pats.iter().map(|(p, ic, i)| (p, *ic, None, *i)).collect();
        let m = build(&refs).unwrap();
        let set = &m.groups[0].1;
        assert!(set.regex_anchored.is_some() && set.regex_anywhere.is_some());
        assert_eq!(find(&m, "Photo: AP"), Some(id(3)));
        assert_eq!(find(&m, "© 2024 Foo. ALL RIGHTS RESERVED."), Some(id(1)));
        assert_eq!(find(&m, "Photo: AP. All rights reserved"), Some(id(1)));
        assert_eq!(find(&m, "All rights reserved to the crown, he said"), None);
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
        ];
        for (n, src) in sources.iter().enumerate() {
            let hir = regex_syntax::parse(src).unwrap();
            let group = RegexGroup::build(vec![(&hir, id(7))], 0).unwrap().unwrap();
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
            // bounded), start bytes for all but the `\w` and possibly-empty ones.
            assert_eq!(group.gates.max_len.is_some(), [1, 4].contains(&n), "{src}");
            assert_eq!(group.gates.start.is_some(), ![3, 4].contains(&n), "{src}");
        }
    }

    #[test]
    fn shared_set_answers_as_each_regex_alone() {
        // Two phases, one with two `max-words` groups: their anchored regexes share one set.
        let pats = [
            (r"^(?:Share|Tweet)(?: this)? *:?$", None, 0),
            (r"^Read (?:more|also):", None, 0),
            (r"^[^ a-z0-9][^ ]* (?:says|said):$", Some(4), 0),
            (r"^(?:[^!?]{0,20}[ ·])?[0-9]{1,2} min read$", None, 0),
            (r"All rights reserved", Some(8), 0),
            (r"^(?:Share|Leave a Reply)", None, 1),
            (r"^[0-9]+ [Cc]omments?:?$", Some(3), 1),
            (r"^Ad$", None, 1),
        ];
        let patterns: Vec<Pattern> = pats.iter().map(|p| Pattern::Regex(p.0.into())).collect();
        let entries: Vec<Vec<Entry>> = (0..2)
            .map(|phase| {
                (0..pats.len())
                    .filter(|&i| pats[i].2 == phase)
                    .map(|i| (&patterns[i], false, pats[i].1, id(i as u32)))
                    .collect()
            })
            .collect();
        let matchers = LineMatcher::build_phases(
            &[entries[0].as_slice(), entries[1].as_slice()],
            &mut ParsedRegexes::default(),
        )
        .unwrap();
        assert!(matches!(
            matchers[0].groups[0].1.regex_anchored,
            Some(AnchoredRegexes::Shared(_))
        ));
        let lines = [
            "Share this:",
            "Share",
            "Share the news, he said.",
            "Jane Doe says:",
            "Jane Doe of the Big Town says:",
            "Nov 8, 2025 · 7 min read",
            "7 min read",
            "Read more: the story",
            "© 2024 Foo. All rights reserved.",
            "© 2024 Foo, a very long name of a company. All rights reserved.",
            "12 Comments",
            "12 Comments:",
            "Ad",
            "Leave a Reply",
            "",
            "Кто says:",
            "The minister said on Monday that the plan would go ahead.",
        ];
        let words = |l: &str| l.split_whitespace().count();
        let mut folded = Folded::default();
        // Every line against both phases, in both orders: answers never leak between lines.
        for round in 0..2 {
            for line in lines {
                folded.reset();
                let order: [usize; 2] = if round == 0 { [0, 1] } else { [1, 0] };
                for phase in order {
                    let want = (0..pats.len())
                        .filter(|&i| pats[i].2 == phase)
                        .filter(|&i| pats[i].1.is_none_or(|m| words(line) <= m))
                        .find(|&i| Regex::new(pats[i].0).unwrap().is_match(line))
                        .map(|i| id(i as u32));
                    let got = matchers[phase].find_in(line, &mut folded, DocMask::ALL);
                    assert_eq!(got, want, "phase {phase} on {line:?}");
                }
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
        folded.reset();
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
}

#[cfg(test)]
mod dfa_cache_tests {
    use super::*;

    #[test]
    fn a_large_set_still_gets_a_lazy_dfa_under_the_cache_bound() {
        // 300 date-like regexes with counted repetitions: a set much larger than the built-in
        // ones. Its lazy DFA must build (within the bound, or with the fallback capacity),
        // or every search would go to the PikeVM.
        let sources: Vec<String> = (0..300)
            .map(|i| format!(r"^(?:Updated|Posted{i}) [0-9]{{1,2}} [A-Za-z]{{3,9}} [0-9]{{4}}(?: [^.!?]{{0,40}})?$"))
            .collect();
        let hirs: Vec<Hir> = sources
            .iter()
            .map(|s| regex_syntax::parse(s).unwrap())
            .collect();
        let regexes = hirs.iter().zip(0..).map(|(h, i)| (h, RuleId(i))).collect();
        let group = RegexGroup::build(regexes, 0).unwrap().unwrap();
        assert!(group.dfa.is_some());
    }
}
