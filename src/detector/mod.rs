//! The content detector: a text-only keep/drop decision per line, learned from the dev pages.
//!
//! For every line still alive it computes text features (length, sentence punctuation, share
//! of stopwords in the line's best language, letters vs digits, capitalization, chrome-phrase
//! hints, position, context windows) and a main-region pass (the maximum-sum span of a hand
//! score); 100 depth-3 boosted trees turn them into a logit, and a line is kept when
//! `logit >= ln(threshold / (1 - threshold))`. When the model would leave less than a set share
//! of a long enough document, the back-off keeps the hand-score regions instead (minus chrome
//! lines), or failing that every line that is not chrome.
//!
//! Everything the decision uses is data compiled in from `rules/detector/` (`model.toml`,
//! `chrome.toml`, `stopwords/*.txt`); the switch, the threshold and the back-off are settings
//! (`[detector]`). It is an exact port of `scripts/detector/detector.py` (see `compare.sh`
//! there): same tokens, same features bit for bit, same decisions.

mod features;
mod pyclass;
mod text;

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;
use regex::bytes::{Regex as BytesRegex, RegexBuilder as BytesRegexBuilder};
use rustc_hash::FxBuildHasher;
use serde::Deserialize;

use crate::clean::{Action, By, Hit, KEEP_BYTES, Stage, View};
use crate::matcher::{PairGate, has_bit, is_start_anchored, pair, set_bit};
use crate::settings::DetectorSettings;

pub(crate) use features::{FEATURES, XLEN};
use text::{Basic, LineScratch, line_basic, py_strip};

/// Stopword languages, in the order that breaks ties.
pub(crate) const LANGS: [&str; 8] = ["en", "de", "fr", "es", "pt", "it", "ru", "cjk"];

const MODEL_TOML: &str = include_str!("../../rules/detector/model.toml");
const CHROME_TOML: &str = include_str!("../../rules/detector/chrome.toml");
const STOPWORDS: [&str; LANGS.len()] = [
    include_str!("../../rules/detector/stopwords/en.txt"),
    include_str!("../../rules/detector/stopwords/de.txt"),
    include_str!("../../rules/detector/stopwords/fr.txt"),
    include_str!("../../rules/detector/stopwords/es.txt"),
    include_str!("../../rules/detector/stopwords/pt.txt"),
    include_str!("../../rules/detector/stopwords/it.txt"),
    include_str!("../../rules/detector/stopwords/ru.txt"),
    include_str!("../../rules/detector/stopwords/cjk.txt"),
];

/// Most rounds of the structural fixed point (see `clean.rs`).
pub(crate) const MAX_ROUNDS: usize = 32;

/// A map with short string keys (stopwords, chrome phrases), hashed with FxHash.
type FastMap<V> = HashMap<Box<[u8]>, V, FxBuildHasher>;

/// The stopword lists: word → bit mask of the languages that list it.
#[derive(Debug)]
pub(crate) struct Stopwords {
    /// Words of at most 8 bytes, packed into a `u64` (see [`pack8`]).
    short: Perfect<u64, SHORT_SLOTS, SHORT_BUCKETS>,
    /// Words of 9 to 16 bytes as two integers (the first 8 bytes, then the rest packed, see
    /// [`pack16`]).
    mid: Perfect<(u64, u64), MID_SLOTS, MID_BUCKETS>,
    /// Longer words.
    map: HashMap<Box<[u8]>, u8, FxBuildHasher>,
    /// Longest word in bytes (longer tokens are not looked up).
    max_len: usize,
}

/// Slots and buckets of the two [`Perfect`] tables: at most three quarters of the slots hold a
/// word (checked for the built-in lists at compile time), and buckets hold about two.
const SHORT_SLOTS: usize = 2048;
const SHORT_BUCKETS: usize = 512;
const MID_SLOTS: usize = 128;
const MID_BUCKETS: usize = 32;

/// How many words of `lo..=hi` bytes the lists hold (a word in several lists counts as often).
const fn count_words(lists: &[&str], lo: usize, hi: usize) -> usize {
    let mut count = 0;
    let mut k = 0;
    while k < lists.len() {
        let b = lists[k].as_bytes();
        let (mut i, mut start) = (0, 0);
        while i <= b.len() {
            if i == b.len() || b[i].is_ascii_whitespace() {
                let n = i - start;
                count += (n > 0 && lo <= n && n <= hi) as usize;
                start = i + 1;
            }
            i += 1;
        }
        k += 1;
    }
    count
}

const _: () = assert!(count_words(&STOPWORDS, 1, 8) <= SHORT_SLOTS / 4 * 3);
const _: () = assert!(count_words(&STOPWORDS, 9, 16) <= MID_SLOTS / 4 * 3);

/// A perfect hash table of stopwords: each key has a slot of its own, found from one multiply
/// and its bucket's displacement, so a look-up is one compare and no probing (most tokens are
/// no stopword, and a probe loop costs a branch per slot). Each slot holds a key and its
/// languages' mask spread to bytes ([`text::spread_bits`]), which the token counts add as it
/// is. `S` slots and `B` buckets, both powers of two.
///
/// A key's hash ([`PerfectKey::hash`]) is taken with the multiplier `mult`; its top bits pick
/// the bucket, the bits below them its position, and the slot is the position xor the bucket's
/// displacement (chosen at build time so that no two keys share a slot).
#[derive(Debug)]
struct Perfect<K, const S: usize, const B: usize> {
    mult: u64,
    /// Per bucket, what its keys' positions are xor-ed with (below `S`).
    disp: Box<[u32; B]>,
    /// `(key, spread mask)`; an empty slot holds a key no look-up asks for (0) and mask 0.
    slots: Box<[(K, u64); S]>,
}

/// A key of a [`Perfect`] table.
trait PerfectKey: Copy + PartialEq + Default {
    /// The key's hash with multiplier `mult` (odd): two different keys have different hashes
    /// for most multipliers.
    fn hash(self, mult: u64) -> u64;
}

impl PerfectKey for u64 {
    #[inline(always)]
    fn hash(self, mult: u64) -> u64 {
        self.wrapping_mul(mult)
    }
}

impl PerfectKey for (u64, u64) {
    #[inline(always)]
    fn hash(self, mult: u64) -> u64 {
        (self.0.wrapping_mul(mult) ^ self.1).wrapping_mul(mult)
    }
}

impl<K: PerfectKey, const S: usize, const B: usize> Perfect<K, S, B> {
    const BUCKET_SHIFT: u32 = 64 - B.trailing_zeros();
    const POS_SHIFT: u32 = 64 - B.trailing_zeros() - S.trailing_zeros();

    /// The table of `(key, spread mask)` pairs (distinct keys, none equal to `K::default()`).
    ///
    /// # Panics
    ///
    /// When more than three quarters of the slots would be taken (the built-in lists are
    /// checked at compile time).
    fn build(keys: &[(K, u64)]) -> Self {
        const { assert!(S.is_power_of_two() && B.is_power_of_two() && S <= 1 << 32) };
        assert!(
            keys.len() <= S / 4 * 3,
            "{} stopwords for {S} slots",
            keys.len()
        );
        let mut state = 0x243f_6a88_85a3_08d3u64;
        loop {
            // The next odd multiplier of a fixed sequence (splitmix64): the table is the same in
            // every run. With a quarter of the slots free, a few tries find one that works.
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            let mut t = Perfect {
                mult: (z ^ (z >> 31)) | 1,
                disp: Box::new([0; B]),
                slots: Box::new([(K::default(), 0); S]),
            };
            if t.place(keys) {
                return t;
            }
        }
    }

    /// Choose every bucket's displacement and fill the slots; `false` when some bucket's keys
    /// fit in no displacement (or two of them share a position: no displacement separates
    /// them), and another multiplier is needed.
    fn place(&mut self, keys: &[(K, u64)]) -> bool {
        let mut buckets: Vec<Vec<(usize, K, u64)>> = vec![Vec::new(); B];
        for &(key, spread) in keys {
            let (b, pos) = self.bucket_pos(key);
            buckets[b].push((pos, key, spread));
        }
        // Largest buckets first, ties by bucket number (deterministic).
        let mut order: Vec<usize> = (0..B).collect();
        order.sort_by_key(|&b| (std::cmp::Reverse(buckets[b].len()), b));
        let mut used = vec![false; S];
        for b in order {
            let keys = &buckets[b];
            if keys.is_empty() {
                break;
            }
            let Some(d) = (0..S).find(|&d| {
                keys.iter().enumerate().all(|(i, &(pos, ..))| {
                    !used[pos ^ d] && keys[..i].iter().all(|&(other, ..)| other != pos)
                })
            }) else {
                return false;
            };
            self.disp[b] = d as u32;
            for &(pos, key, spread) in keys {
                used[pos ^ d] = true;
                self.slots[pos ^ d] = (key, spread);
            }
        }
        true
    }

    /// The bucket and the position of a key.
    #[inline(always)]
    fn bucket_pos(&self, key: K) -> (usize, usize) {
        let h = key.hash(self.mult);
        (
            (h >> Self::BUCKET_SHIFT) as usize,
            (h >> Self::POS_SHIFT) as usize & (S - 1),
        )
    }

    /// The spread mask of `key`, 0 when it is not in the table.
    #[inline(always)]
    fn get(&self, key: K) -> u64 {
        let (b, pos) = self.bucket_pos(key);
        // (Both indexes are in bounds by their widths: no checks.)
        let (k, spread) = self.slots[(pos ^ self.disp[b % B] as usize) & (S - 1)];
        if k == key { spread } else { 0 }
    }
}

/// A word of at most 8 bytes as one integer: its bytes little-endian, zero-padded. Words are
/// `\w` runs, which never contain a NUL byte, so two different words never pack alike (and no
/// word packs to 0).
///
/// Why: nearly every token is short, and a lookup keyed by one integer is a multiply and a
/// compare instead of hashing a byte slice and comparing memory.
#[inline]
pub(super) fn pack8(word: &[u8]) -> u64 {
    // Two overlapping loads cover any length from 2 to 8 (the overlapping bytes are equal, so
    // or-ing them changes nothing); no copy into a padded buffer.
    let n = word.len();
    let le32 = |i: usize| u32::from_le_bytes(word[i..i + 4].try_into().expect("4 bytes")) as u64;
    let le16 = |i: usize| u16::from_le_bytes(word[i..i + 2].try_into().expect("2 bytes")) as u64;
    match n {
        0 => 0,
        1 => word[0] as u64,
        2..=3 => le16(0) | le16(n - 2) << (8 * (n - 2)),
        4..=8 => le32(0) | le32(n - 4) << (8 * (n - 4)),
        _ => panic!("pack8 takes at most 8 bytes"),
    }
}

/// [`pack8`] of `buf[start..end]` (at most 8 bytes): when 8 bytes from `start` are inside
/// `buf`, one load and a mask instead of a branch on the length.
#[inline(always)]
pub(super) fn pack8_at(buf: &[u8], start: usize, end: usize) -> u64 {
    let n = end - start;
    match buf.get(start..start + 8) {
        Some(w) if (1..=8).contains(&n) => {
            u64::from_le_bytes(w.try_into().expect("8 bytes")) & (u64::MAX >> (64 - 8 * n))
        }
        _ => pack8(&buf[start..end]),
    }
}

/// A word of 9 to 16 bytes as two integers: its first 8 bytes, then [`pack8`] of the rest (not
/// 0, as the rest is not empty and holds no NUL byte).
#[inline]
fn pack16(word: &[u8]) -> (u64, u64) {
    let (head, rest) = word.split_at(8);
    (
        u64::from_le_bytes(head.try_into().expect("8 bytes")),
        pack8(rest),
    )
}

/// The languages' mask of a spread mask ([`text::spread_bits`]).
fn mask_of_spread(spread: u64) -> u8 {
    (0..8).fold(0, |m, k| m | (((spread >> (8 * k)) & 1) as u8) << k)
}

impl Stopwords {
    fn parse(lists: &[&str; LANGS.len()]) -> Stopwords {
        let mut map: HashMap<Box<[u8]>, u8, _> = HashMap::default();
        let mut short: HashMap<u64, u8> = HashMap::default();
        let mut mid: HashMap<(u64, u64), u8> = HashMap::default();
        let mut max_len = 0;
        for (k, list) in lists.iter().enumerate() {
            for w in list.split_whitespace() {
                let w = w.as_bytes();
                max_len = max_len.max(w.len());
                match w.len() {
                    ..=8 => *short.entry(pack8(w)).or_insert(0) |= 1u8 << k,
                    9..=16 => *mid.entry(pack16(w)).or_insert(0) |= 1u8 << k,
                    _ => *map.entry(w.into()).or_insert(0) |= 1u8 << k,
                }
            }
        }
        // Sorted: the tables do not depend on the maps' iteration order.
        let mut short: Vec<(u64, u64)> = short
            .into_iter()
            .map(|(k, m)| (k, text::spread_bits(m)))
            .collect();
        short.sort_unstable();
        let mut mid: Vec<((u64, u64), u64)> = mid
            .into_iter()
            .map(|(k, m)| (k, text::spread_bits(m)))
            .collect();
        mid.sort_unstable();
        Stopwords {
            short: Perfect::build(&short),
            mid: Perfect::build(&mid),
            map,
            max_len,
        }
    }

    #[inline]
    fn mask(&self, word: &[u8]) -> u8 {
        match word.len() {
            ..=8 => self.mask_packed(pack8(word)),
            9..=16 => mask_of_spread(self.mid.get(pack16(word))),
            _ => self.map.get(word).copied().unwrap_or(0),
        }
    }

    /// The spread mask ([`text::spread_bits`]) of a word of 9 to 16 bytes given packed
    /// ([`pack16`]).
    #[inline(always)]
    pub(super) fn spread_mid(&self, lo: u64, hi: u64) -> u64 {
        self.mid.get((lo, hi))
    }

    /// The spread mask ([`text::spread_bits`]) of a word of at most 8 bytes given packed
    /// ([`pack8`]).
    #[inline(always)]
    pub(super) fn spread_packed(&self, key: u64) -> u64 {
        self.short.get(key)
    }

    /// The mask of a word of at most 8 bytes given packed ([`pack8`]).
    #[inline]
    pub(super) fn mask_packed(&self, key: u64) -> u8 {
        mask_of_spread(self.spread_packed(key))
    }
}

const EXACT: u8 = 1;
const PREFIX: u8 = 2;
const TAIL: u8 = 4;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChromeFile {
    prefix_max_tokens: usize,
    regex_max_tokens: usize,
    #[serde(default = "default_tail_regex_max")]
    tail_regex_max_tokens: usize,
    exact: Vec<String>,
    prefix: Vec<String>,
    regex: Vec<String>,
    tail: Vec<String>,
    #[serde(default)]
    tail_regex: Vec<String>,
}

fn default_tail_regex_max() -> usize {
    8
}

/// The chrome phrase list (`chrome.toml`), matched on the normalized line.
#[derive(Debug)]
pub(crate) struct Chrome {
    phrases: FastMap<u8>,
    // One `Regex` each rather than a `RegexSet`: single regexes get literal prefilters and
    // fast anchored searches (a set falls back to the PikeVM on non-ASCII lines).
    regex: Vec<Regex>,
    tail_regex: Vec<Regex>,
    /// Each list as alternations (of the regexes anchored at the start, and of the others),
    /// for ASCII lines: two lazy-DFA searches instead of one per regex (on other lines `\b`
    /// and `\w` are Unicode, which the DFA cannot do, and the single regexes with their own
    /// prefilters are faster). Unicode mode off: on an ASCII line its classes answer alike,
    /// and it compiles in a fraction of the time.
    regex_any: Option<Vec<Alternation>>,
    tail_regex_any: Option<Vec<Alternation>>,
    pmax: usize,
    rmax: usize,
    tmax: usize,
    /// The largest of the token guards: longer lines can only match an exact phrase.
    max_guard: usize,
    /// Words of the longest exact phrase.
    max_exact_words: usize,
    /// Bytes of the longest exact phrase (normalized).
    max_exact_len: usize,
    /// Words of the longest prefix phrase (a line's longer prefixes are not looked up).
    max_prefix_words: usize,
    /// The first words of the prefix phrases (a line starting with another word has no
    /// prefix phrase).
    prefix_first: FastMap<()>,
    /// Bytes of the longest phrase of any list (longer lines match none whole).
    max_phrase_len: usize,
}

impl Chrome {
    fn parse(text: &str) -> Result<Chrome, String> {
        let f: ChromeFile = toml::from_str(text).map_err(|e| format!("chrome.toml: {e}"))?;
        let mut phrases = FastMap::default();
        let mut norm = String::new();
        let (mut max_exact_words, mut max_exact_len, mut max_prefix_words) = (0, 0, 0);
        let mut prefix_first = FastMap::default();
        let mut max_phrase_len = 0;
        for (list, bit) in [(&f.exact, EXACT), (&f.prefix, PREFIX), (&f.tail, TAIL)] {
            for p in list {
                text::norm_phrase_into(p, &mut norm);
                if bit == EXACT {
                    max_exact_words = max_exact_words.max(norm.split(' ').count());
                    max_exact_len = max_exact_len.max(norm.len());
                }
                if bit == PREFIX {
                    max_prefix_words = max_prefix_words.max(norm.split(' ').count());
                    let first = norm.split(' ').next().unwrap_or_default();
                    prefix_first.insert(first.as_bytes().into(), ());
                }
                max_phrase_len = max_phrase_len.max(norm.len());
                *phrases.entry(norm.as_bytes().into()).or_insert(0) |= bit;
            }
        }
        let set = |res: &[String]| -> Result<Vec<Regex>, String> {
            res.iter()
                .map(|r| Regex::new(r).map_err(|e| format!("chrome.toml: {e}")))
                .collect()
        };
        // ASCII classes, `\b` and `.` (Unicode mode off) give the same answers as the Unicode
        // ones on an ASCII line, and compile to a much smaller automaton; a list that does not
        // compile so (a Unicode class) is matched with the single regexes.
        // Two alternations: the regexes anchored at the line's start, whose search stops
        // after the first bytes that fit none, and the others, which can use a literal
        // prefilter (a single alternation of both must run the automaton over the whole line).
        let any = |res: &[String]| -> Result<Option<Vec<Alternation>>, String> {
            let parse = |r: &str| {
                regex_syntax::ParserBuilder::new()
                    .unicode(false)
                    .utf8(false)
                    .build()
                    .parse(r)
                    .ok()
            };
            // Each regex, whether it is anchored at the start, its gate of first bytes and the
            // keys of its gate of word beginnings.
            type Keys = Vec<(u32, u32)>;
            let parsed: Vec<(&String, bool, Option<PairGate>, Option<Keys>)> = res
                .iter()
                .map(|r| match parse(r) {
                    Some(h) => (
                        r,
                        is_start_anchored(&h),
                        PairGate::of(&h, false),
                        WordGate::keys_of(&h),
                    ),
                    None => (r, false, None, None),
                })
                .collect();
            let (start, rest): (Vec<_>, Vec<_>) = parsed.iter().partition(|(_, a, ..)| *a);
            let mut groups = Vec::new();
            for group in [start, rest] {
                if group.is_empty() {
                    continue;
                }
                let alt: Vec<String> = group.iter().map(|(r, ..)| format!("(?:{r})")).collect();
                match BytesRegexBuilder::new(&alt.join("|"))
                    .unicode(false)
                    .build()
                {
                    Ok(re) => groups.push(Alternation {
                        re,
                        start: PairGate::union(group.iter().map(|(_, _, g, _)| g.as_ref())),
                        words: group
                            .iter()
                            .map(|(.., keys)| keys.as_deref())
                            .collect::<Option<Vec<_>>>()
                            .and_then(WordGate::union),
                    }),
                    Err(_) => return Ok(None),
                }
            }
            Ok((!groups.is_empty()).then_some(groups))
        };
        Ok(Chrome {
            phrases,
            regex: set(&f.regex)?,
            tail_regex: set(&f.tail_regex)?,
            regex_any: any(&f.regex)?,
            tail_regex_any: any(&f.tail_regex)?,
            pmax: f.prefix_max_tokens,
            rmax: f.regex_max_tokens,
            tmax: f.tail_regex_max_tokens,
            max_guard: f
                .prefix_max_tokens
                .max(f.regex_max_tokens)
                .max(f.tail_regex_max_tokens),
            max_exact_words,
            max_exact_len,
            max_prefix_words,
            prefix_first,
            max_phrase_len,
        })
    }

    /// `(chrome, tail)` for a normalized line with `ntok` tokens (detector.py `Chrome.match`).
    #[cfg(test)]
    fn matches(&self, n: &str, ntok: usize) -> (bool, bool) {
        let (c, t, _) = self.matches_weak(n, ntok);
        (c, t)
    }

    /// `(chrome, tail, weak)`: `weak` when only a prefix phrase followed by more words matched
    /// (`Related costs`, `Comments on the proposal`), which a heading can look like.
    #[cfg(test)]
    fn matches_weak(&self, n: &str, ntok: usize) -> (bool, bool, bool) {
        let mut starts = Vec::new();
        word_starts_into(n.as_bytes(), &mut starts);
        self.matches_weak_bytes(n.as_bytes(), &starts, ntok)
    }

    /// [`Chrome::matches_weak`] of a normalized line given as its UTF-8 bytes (the window walk
    /// builds it so: an ASCII line is never validated as UTF-8) and the starts of its words
    /// ([`word_starts_into`]).
    fn matches_weak_bytes(&self, n: &[u8], starts: &[u32], ntok: usize) -> (bool, bool, bool) {
        if n.is_empty() {
            return (false, false, false);
        }
        let whole = match n.len() <= self.max_phrase_len {
            true => self.phrases.get(n).copied().unwrap_or(0),
            false => 0,
        };
        if whole & EXACT != 0 {
            return (true, whole & TAIL != 0, false);
        }
        if ntok <= self.pmax {
            // Matching prefixes are nested; the prototype takes the first in sorted order,
            // which is the shortest.
            // (The prefix before the k-th space has k words; a word after the first starts
            // after a space.)
            let spaces = starts.iter().skip(1).map(|&s| s as usize - 1);
            let first = spaces.clone().next().map(|pos| &n[..pos]);
            if first.is_some_and(|first| self.prefix_first.contains_key(first)) {
                for pos in spaces.take(self.max_prefix_words) {
                    let b = self.phrases.get(&n[..pos]).copied().unwrap_or(0);
                    if b & PREFIX != 0 {
                        return (true, b & TAIL != 0, true);
                    }
                }
            }
            if whole & PREFIX != 0 {
                return (true, whole & TAIL != 0, false);
            }
        }
        let ascii = n.is_ascii();
        if ntok <= self.tmax
            && Self::any_match_at(&self.tail_regex, &self.tail_regex_any, n, starts, ascii)
        {
            return (true, true, false);
        }
        if ntok <= self.rmax && Self::any_match_at(&self.regex, &self.regex_any, n, starts, ascii) {
            return (true, false, false);
        }
        (false, false, false)
    }

    /// [`Chrome::any_match_at`] of a normalized line alone.
    #[cfg(test)]
    fn any_match(res: &[Regex], any: &Option<Vec<Alternation>>, n: &[u8], ascii: bool) -> bool {
        let mut starts = Vec::new();
        word_starts_into(n, &mut starts);
        Self::any_match_at(res, any, n, &starts, ascii)
    }

    /// Whether any of `res` matches the normalized line `n` whose words start at `starts`
    /// (through `any`, their alternations, on an ASCII line).
    fn any_match_at(
        res: &[Regex],
        any: &Option<Vec<Alternation>>,
        n: &[u8],
        starts: &[u32],
        ascii: bool,
    ) -> bool {
        match any {
            Some(any) if ascii => any.iter().any(|a| a.is_match(n, starts)),
            _ => {
                let n = std::str::from_utf8(n).expect("a normalized line is whole characters");
                res.iter().any(|r| r.is_match(n))
            }
        }
    }
}

/// Chrome regexes as one alternation (Unicode mode off, for ASCII lines).
#[derive(Debug)]
struct Alternation {
    re: BytesRegex,
    /// The pairs of first bytes of the lines it can match, when it only matches at the start
    /// (checked before the engine runs: a call costs a few hundred instructions even where it
    /// stops at the first byte, and most short lines begin with no chrome word).
    start: Option<PairGate>,
    /// The first bytes of its matches, when they only begin at the start of a word (checked
    /// before the engine runs, like `start`, for the unanchored regexes).
    words: Option<WordGate>,
}

impl Alternation {
    /// Whether it matches the normalized line `n`, whose words start at `starts`.
    #[inline]
    fn is_match(&self, n: &[u8], starts: &[u32]) -> bool {
        self.start.as_ref().is_none_or(|g| g.allows_first(n))
            && self.words.as_ref().is_none_or(|g| g.allows(n, starts))
            && self.re.is_match(n)
    }
}

/// The possible beginnings of the matches of unanchored regexes that only match from the start
/// of a word (`\b` first, then a word character): the first (up to) four bytes of each of
/// their prefix literals (regex-syntax's extraction), as a value and a mask of its bytes, and
/// the set of their first two bytes.
///
/// Why: most short lines hold no word that begins like `all rights reserved` or `leave a
/// comment`; looking at their few words costs a fraction of a regex search.
#[derive(Debug, Clone, PartialEq)]
struct WordGate {
    /// `(mask, value)`: a word beginning with bytes `b` (four little-endian bytes, zero past the
    /// line) passes when `b & mask == value` for one of them.
    keys: Vec<(u32, u32)>,
    /// Bit `a << 8 | b` is set when a key may begin with the bytes `a`, `b` (a word's second
    /// byte is 0 at the line's end): most words are turned away by one bit test.
    pairs: Box<[u64; 1024]>,
}

impl WordGate {
    /// The keys of the gate of one regex (parsed with Unicode mode off); `None` when its
    /// matches may begin elsewhere than at the start of a word, or with anything.
    fn keys_of(hir: &regex_syntax::hir::Hir) -> Option<Vec<(u32, u32)>> {
        use regex_syntax::hir::Look;
        use regex_syntax::hir::literal::{ExtractKind, Extractor};
        // `\b` before a word character: the byte before the match is no word character (or
        // there is none). In a normalized line (word characters and single spaces) that is
        // the line's start or a space.
        if !hir.properties().look_set_prefix().contains(Look::WordAscii) {
            return None;
        }
        let seq = Extractor::new().kind(ExtractKind::Prefix).extract(hir);
        let mut keys = Vec::new();
        for lit in seq.literals()? {
            let b = lit.as_bytes();
            if !b.first()?.is_ascii_alphanumeric() && b[0] != b'_' {
                return None;
            }
            let k = b.len().min(4);
            let mut v = [0u8; 4];
            v[..k].copy_from_slice(&b[..k]);
            keys.push((u32::MAX >> (32 - 8 * k), u32::from_le_bytes(v)));
        }
        Some(keys)
    }

    /// A gate passing the beginnings `keys`.
    fn from_keys(mut keys: Vec<(u32, u32)>) -> WordGate {
        keys.sort_unstable();
        keys.dedup();
        let mut pairs = Box::new([0u64; 1024]);
        for &(mask, value) in &keys {
            let [a, b, ..] = value.to_le_bytes();
            let seconds = if mask & 0xff00 != 0 { b..=b } else { 0..=255 };
            for b in seconds {
                set_bit(&mut *pairs, pair(a, b));
            }
        }
        WordGate { keys, pairs }
    }

    /// The gate of an alternation of regexes, from the keys of theirs.
    fn union(keys: Vec<&[(u32, u32)]>) -> Option<WordGate> {
        let keys: Vec<_> = keys.concat();
        (!keys.is_empty()).then(|| WordGate::from_keys(keys))
    }

    /// Whether a word of the normalized line `n` (word characters and single spaces), at one
    /// of `starts` ([`word_starts_into`]), begins like one of the matches.
    #[inline]
    fn allows(&self, n: &[u8], starts: &[u32]) -> bool {
        starts.iter().any(|&p| self.allows_at(n, p as usize))
    }

    /// Whether a word at `p` begins like one of the matches (none at the line's end).
    #[inline(always)]
    fn allows_at(&self, n: &[u8], p: usize) -> bool {
        let Some(&a) = n.get(p) else {
            return false;
        };
        let second = n.get(p + 1).copied().unwrap_or(0);
        has_bit(&*self.pairs, pair(a, second)) && self.keys_at(n, p)
    }

    /// [`WordGate::allows_at`] past the pair test.
    #[inline(never)]
    fn keys_at(&self, n: &[u8], p: usize) -> bool {
        let b = match n.get(p..p + 4) {
            Some(b) => u32::from_le_bytes(b.try_into().expect("4 bytes")),
            None => pack8(&n[p..]) as u32,
        };
        self.keys.iter().any(|&(mask, value)| b & mask == value)
    }
}

/// The starts of the words of a normalized line `n` into `out`: 0 (when `n` is not empty) and
/// each position after a space (as the window walk writes them while it builds the line; a
/// normalized line does not end with a space).
fn word_starts_into(n: &[u8], out: &mut Vec<u32>) {
    out.clear();
    if !n.is_empty() {
        out.push(0);
    }
    out.extend(
        n.iter()
            .enumerate()
            .filter(|&(_, &c)| c == b' ')
            .map(|(p, _)| p as u32 + 1),
    );
}

/// Parameters of the main-region hand score (`[region]` of `model.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RegionParams {
    pub long_tokens: f64,
    pub long_gain: f64,
    pub short_pen: f64,
    pub bad_slope: f64,
    pub bad_const: f64,
    pub chrome_slope: f64,
    pub chrome_const: f64,
    pub second_ratio: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelFile {
    region: RegionParams,
    model: ModelSection,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelSection {
    kind: String,
    depth: usize,
    bias: f64,
    features: Vec<String>,
    trees: Vec<TreeFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TreeFile {
    f: Vec<usize>,
    t: Vec<f64>,
    v: Vec<f64>,
}

/// Boosted trees, complete binary trees of one depth stored flat.
#[derive(Debug)]
pub(crate) struct Model {
    bias: f64,
    depth: usize,
    /// Per tree `2^depth - 1` internal nodes (breadth first): feature (index into
    /// [`FEATURES`]) and threshold; a node goes right when `x[feature] >= threshold`.
    feat: Vec<u8>,
    thr: Vec<f64>,
    /// Per tree `2^depth` leaf values.
    leaf: Vec<f64>,
    trees: usize,
    /// The same trees laid out for [`Model::eval_block`] when the depth is 3 (the shipped
    /// model).
    d3: Option<Depth3>,
    /// The model was trained with the feature `ruled`: it sees, in a document's first round,
    /// the lines the rules and structural passes dropped (see [`Detector::apply`]).
    sees_dropped: bool,
}

/// Depth-3 trees evaluated a block of lines at a time.
///
/// Why: line by line, a tree is three dependent loads and compares (~30 instructions). Over a
/// block of lines stored by feature, each distinct (feature, threshold) test of the model is
/// computed once for all lines, vectorized, as a byte mask per line (0xff when the line passes);
/// a tree is then a few bitwise selections of its seven tests' masks, giving the leaf of each
/// line as a byte (vectorized by the compiler); the logits are the leaf values summed per line
/// in tree order, exactly as [`Model::logit`] sums them. When the CPU has AVX2 (detected at
/// run time), the tests compare 4 lines per instruction, and the leaf values are gathered for
/// 4 lines per instruction from their leaf bytes (each line's sum still in tree order).
#[derive(Debug)]
struct Depth3 {
    /// The features the trees use, each once: the columns of a [`Block`] the tests read.
    used: Vec<u8>,
    /// The distinct tests: per test the column (index into `used`) and the threshold, sorted
    /// by column.
    tests: Vec<(u8, f64)>,
    /// Runs of `tests` on one column: `(column, start, end, per_document)`, `per_document`
    /// when the feature has one value for all lines of a document ([`PER_DOCUMENT`]).
    runs: Vec<(usize, usize, usize, bool)>,
    /// The thresholds of `tests`.
    thresholds: Vec<f64>,
    /// Per tree, the test (index into `tests`, so below `tests.len()`) of each of its 7 nodes.
    nodes: Vec<[u16; 7]>,
    /// Per tree, its 8 leaf values.
    leaves: Vec<[f64; 8]>,
    /// The CPU has AVX2: [`Model::eval_block`] takes the AVX2 kernels (same results).
    avx2: bool,
}

impl Depth3 {
    fn new(feat: &[u8], thr: &[f64], leaf: &[f64]) -> Option<Depth3> {
        let mut used = feat.to_vec();
        used.sort_unstable();
        used.dedup();
        let col = |f: u8| used.binary_search(&f).expect("a used feature") as u8;
        // Tests are equal when their feature and their threshold's bits are.
        let mut tests: Vec<(u8, f64)> = feat.iter().zip(thr).map(|(&f, &t)| (col(f), t)).collect();
        tests.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
        tests.dedup_by(|a, b| a.0 == b.0 && a.1.to_bits() == b.1.to_bits());
        if tests.len() > u16::MAX as usize {
            return None;
        }
        let test = |f: u8, t: f64| {
            let key = (col(f), t);
            tests
                .binary_search_by(|p| p.0.cmp(&key.0).then(p.1.total_cmp(&key.1)))
                .expect("a test of the model") as u16
        };
        let mut runs = Vec::new();
        let mut start = 0;
        for i in 1..=tests.len() {
            if i == tests.len() || tests[i].0 != tests[start].0 {
                let c = tests[start].0 as usize;
                let per_doc = PER_DOCUMENT.contains(&FEATURES[used[c] as usize]);
                runs.push((c, start, i, per_doc));
                start = i;
            }
        }
        let nodes = feat
            .chunks_exact(7)
            .zip(thr.chunks_exact(7))
            .map(|(f, t)| std::array::from_fn(|j| test(f[j], t[j])))
            .collect();
        let leaves = leaf
            .chunks_exact(8)
            .map(|v| v.try_into().expect("8 leaves"))
            .collect();
        Some(Depth3 {
            used,
            thresholds: tests.iter().map(|t| t.1).collect(),
            tests,
            runs,
            nodes,
            leaves,
            #[cfg(target_arch = "x86_64")]
            avx2: std::arch::is_x86_feature_detected!("avx2"),
            #[cfg(not(target_arch = "x86_64"))]
            avx2: false,
        })
    }
}

impl Depth3 {
    /// The lane of `b.cols` for the block's line `line`: the AVX2 test kernel gives the mask of
    /// lane [`AVX2_LANE`]`[j]` as byte `j`, so line `j` goes there; otherwise lane `j`.
    #[inline]
    fn lane(&self, line: usize) -> usize {
        if self.avx2 {
            AVX2_LANE[line % BLOCK] as usize
        } else {
            line % BLOCK
        }
    }
}

/// The lane whose test result [`test_kernel_avx2`] leaves in byte `j` (for each 32 lanes: its
/// packs interleave the 128-bit halves of their inputs, pairs of lanes `4i, 4i + 1` in the
/// first 16 bytes, `4i + 2, 4i + 3` in the last 16).
static AVX2_LANE: [u8; BLOCK] = {
    let mut t = [0u8; BLOCK];
    let mut j = 0;
    while j < BLOCK {
        let (half, i) = (j / 32, j % 32);
        let pair = i / 2;
        let lane = if pair < 8 {
            4 * pair + i % 2
        } else {
            4 * (pair - 8) + 2 + i % 2
        };
        t[j] = (32 * half + lane) as u8;
        j += 1;
    }
    t
};

/// Lane `j` for line `j`: [`Model::lane`] without the AVX2 kernels (and for a model evaluated
/// line by line, whose block length stays 0).
static IDENTITY_LANE: [u8; BLOCK] = {
    let mut t = [0u8; BLOCK];
    let mut j = 0;
    while j < BLOCK {
        t[j] = j as u8;
        j += 1;
    }
    t
};

/// Features with one value for all lines of a document (computed once per document in
/// `features.rs`): their tests are computed once per block.
const PER_DOCUMENT: [&str; 3] = ["r_share", "doc_logtok", "doc_goodshare"];

/// Lines whose trees are evaluated together (see [`Model::eval_block`]).
pub(crate) const BLOCK: usize = 64;
/// Lines per vectorized step of the tests (`BLOCK` is a multiple).
const LANES: usize = 32;

/// Up to [`BLOCK`] consecutive lines of a document on their way through [`Model::eval_block`].
#[derive(Debug, Default)]
struct Block {
    /// `cols[f][k]`: feature `f` (index into [`FEATURES`]) of the block's line `k`, written
    /// there by [`features::doc_features`].
    cols: Vec<[f64; BLOCK]>,
    /// `tests[p][k]`: 0xff when line `k` passes test `p` (`x >= threshold`), else 0.
    tests: Vec<[u8; BLOCK]>,
    /// `leaf[t][k]`: the leaf (0..8) of tree `t` for line `k`.
    leaf: Vec<[u8; BLOCK]>,
    /// Lines in the block.
    len: usize,
    /// Index of the block's first line in the document.
    first: usize,
}

impl Model {
    fn from_section(m: ModelSection) -> Result<Model, String> {
        if m.kind != "gbdt" {
            return Err(format!("model.toml: unknown model kind {:?}", m.kind));
        }
        if !(1..=10).contains(&m.depth) {
            return Err(format!("model.toml: depth {} out of 1..=10", m.depth));
        }
        // Map the model's feature order onto the features this code computes.
        let map: Vec<u8> = m
            .features
            .iter()
            .map(|name| {
                FEATURES
                    .iter()
                    .position(|f| f == name)
                    .map(|p| p as u8)
                    .ok_or_else(|| format!("model.toml: unknown feature {name:?}"))
            })
            .collect::<Result<_, _>>()?;
        let inner = (1 << m.depth) - 1;
        let (mut feat, mut thr, mut leaf) = (vec![], vec![], vec![]);
        for (k, t) in m.trees.iter().enumerate() {
            if t.f.len() != inner || t.t.len() != inner || t.v.len() != inner + 1 {
                return Err(format!(
                    "model.toml: tree {k} is not complete of depth {}",
                    m.depth
                ));
            }
            for &f in &t.f {
                feat.push(*map.get(f).ok_or_else(|| {
                    format!("model.toml: tree {k} uses feature {f} of {}", map.len())
                })?);
            }
            if t.v.iter().any(|v| !v.is_finite()) || t.t.iter().any(|t| t.is_nan()) {
                return Err(format!("model.toml: tree {k} has a non-finite value"));
            }
            thr.extend(&t.t);
            leaf.extend(&t.v);
        }
        if !m.bias.is_finite() {
            return Err("model.toml: the bias is not finite".into());
        }
        let d3 = (m.depth == 3)
            .then(|| Depth3::new(&feat, &thr, &leaf))
            .flatten();
        Ok(Model {
            bias: m.bias,
            depth: m.depth,
            feat,
            thr,
            leaf,
            trees: m.trees.len(),
            d3,
            sees_dropped: m.features.iter().any(|f| f == "ruled"),
        })
    }

    /// Make `b` empty, with room for this model's columns, at the start of a document.
    fn start_block(&self, b: &mut Block) {
        (b.first, b.len) = (0, 0);
        b.cols.resize(FEATURES.len(), [0.0; BLOCK]);
        if let Some(d3) = &self.d3 {
            b.tests.resize(d3.tests.len(), [0; BLOCK]);
            b.leaf.resize(d3.nodes.len(), [0; BLOCK]);
        }
    }

    /// Add the features `x` of the next line of a document to `b` (made ready by
    /// [`Model::start_block`]), and write the logits of the block's lines into `logit`
    /// when it is full. Call [`Model::finish_block`] after the last line.
    #[cfg(test)]
    fn push_line(&self, b: &mut Block, x: &[f64; XLEN], logit: &mut [f64]) {
        let k = self.lane(b);
        for (f, col) in b.cols.iter_mut().enumerate() {
            col[k] = x[f];
        }
        self.line_written(b, logit);
    }

    /// The lane of `b.cols` for each value of `b.len` ([`Model::lane`] as a table).
    fn lanes(&self) -> &'static [u8; BLOCK] {
        match &self.d3 {
            Some(d3) if d3.avx2 => &AVX2_LANE,
            _ => &IDENTITY_LANE,
        }
    }

    /// The lane of `b.cols` for the next line of `b` (see [`Depth3::lane`]).
    #[inline]
    fn lane(&self, b: &Block) -> usize {
        match &self.d3 {
            Some(d3) => d3.lane(b.len),
            None => b.len,
        }
    }

    /// Count the line written into lane [`Model::lane`] of `b.cols`, and write the logits of the
    /// block's lines into `logit` when it is full (or at once, for a model evaluated line by
    /// line).
    #[inline]
    fn line_written(&self, b: &mut Block, logit: &mut [f64]) {
        let Some(d3) = &self.d3 else {
            let mut x = [0.0; XLEN];
            for (f, col) in b.cols.iter().enumerate() {
                x[f] = col[b.len];
            }
            logit[b.first] = self.logit(&x);
            b.first += 1;
            return;
        };
        b.len += 1;
        if b.len == BLOCK {
            self.eval_block(d3, b, logit);
        }
    }

    /// Write the logits of the lines left in `b` into `logit`.
    fn finish_block(&self, b: &mut Block, logit: &mut [f64]) {
        if let (Some(d3), 1..) = (&self.d3, b.len) {
            self.eval_block(d3, b, logit);
        }
    }

    /// The logits of the block's lines (see [`Depth3`]).
    fn eval_block(&self, d3: &Depth3, b: &mut Block, logit: &mut [f64]) {
        // Lanes past `len` hold stale features: their results are computed and ignored.
        let lanes = b.len.div_ceil(LANES) * LANES;
        kernels(d3, b, lanes, d3.avx2);
        let out = &mut logit[b.first..b.first + b.len];
        #[cfg(target_arch = "x86_64")]
        if d3.avx2 {
            // SAFETY: `avx2` is only set when the CPU has AVX2 (see `Depth3::new`).
            unsafe { leaf_sum_avx2(self.bias, &d3.leaves, &b.leaf, out) };
        } else {
            leaf_sum(self.bias, &d3.leaves, &b.leaf, out);
        }
        #[cfg(not(target_arch = "x86_64"))]
        leaf_sum(self.bias, &d3.leaves, &b.leaf, out);
        b.first += b.len;
        b.len = 0;
    }

    /// The logit of one feature vector: bias plus one leaf per tree, summed in tree order.
    pub(crate) fn logit(&self, x: &[f64; XLEN]) -> f64 {
        let mut s = self.bias;
        let inner = (1usize << self.depth) - 1;
        for t in 0..self.trees {
            let f = &self.feat[t * inner..(t + 1) * inner];
            let th = &self.thr[t * inner..(t + 1) * inner];
            let mut node = 0;
            for _ in 0..self.depth {
                node = 2 * node + 1 + (x[f[node] as usize] >= th[node]) as usize;
            }
            s += self.leaf[t * (inner + 1) + node - inner];
        }
        s
    }
}

/// The tests and then the trees of a block's lines: `b.tests` and `b.leaf` for the first
/// `lanes` lines (a multiple of [`LANES`]; the bytes of the lines after are left as they
/// come). `avx2`: the CPU has AVX2, take the kernels compiled for it.
#[cfg_attr(not(target_arch = "x86_64"), allow(unused_variables))]
fn kernels(d3: &Depth3, b: &mut Block, lanes: usize, avx2: bool) {
    #[cfg(target_arch = "x86_64")]
    if avx2 {
        // SAFETY: the caller checked that the CPU has AVX2.
        unsafe { kernels_avx2(d3, b, lanes) };
        return;
    }
    kernels_with(d3, b, lanes, test_kernel, tree_kernel);
}

/// [`kernels`] with the AVX2 kernels, in one function (one call per block, not per column).
///
/// # Safety
///
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn kernels_avx2(d3: &Depth3, b: &mut Block, lanes: usize) {
    kernels_with(
        d3,
        b,
        lanes,
        // SAFETY: the CPU has AVX2 (this function's contract).
        |col, thr, out, lanes| unsafe { test_kernel_avx2(col, thr, out, lanes) },
        |d3, tests, leaf, lanes| unsafe { tree_kernel_avx2(d3, tests, leaf, lanes) },
    );
}

/// [`kernels`] with the given test kernel (one column, its thresholds) and tree kernel.
#[inline(always)]
fn kernels_with(
    d3: &Depth3,
    b: &mut Block,
    lanes: usize,
    test: impl Fn(&[f64; BLOCK], &[f64], &mut [[u8; BLOCK]], usize),
    tree: impl Fn(&Depth3, &[[u8; BLOCK]], &mut [[u8; BLOCK]], usize),
) {
    for &(c, start, end, per_doc) in &d3.runs {
        let (col, thr, out) = (
            &b.cols[d3.used[c] as usize],
            &d3.thresholds[start..end],
            &mut b.tests[start..end],
        );
        if per_doc {
            // One value for the whole block (a block never spans two documents).
            let v = col[d3.lane(0)];
            debug_assert!((0..b.len).all(|j| col[d3.lane(j)].to_bits() == v.to_bits()));
            for (t, o) in thr.iter().zip(out) {
                *o = [if v >= *t { 0xff } else { 0 }; BLOCK];
            }
        } else {
            test(col, thr, out, lanes);
        }
    }
    tree(d3, &b.tests, &mut b.leaf, lanes);
}

/// The leaves of a depth-3 tree from its nodes' test masks (`p[j]` for node `j`, breadth
/// first, a byte per line, 0xff when the test passes): a byte per line, `4 * p0 + 2 * l1 + l2`
/// as bits, where node `j` goes right when its test passes and its children are `2j + 1` and
/// `2j + 2`. Bitwise, so it takes 8 lines at once in a `u64` (or, with the AVX2 operations in
/// [`tree_kernel_avx2`], 32 lines in a vector): `sel(m, a, b)` is `b` where `m` is set, else
/// `a`; `bit[i]` is the byte `1 << i` in every line.
macro_rules! tree_leaf {
    ($p:expr, $sel:expr, $and:expr, $or:expr, $bit:expr) => {{
        let (p, bit) = ($p, $bit);
        let l1 = $sel(p[0], p[1], p[2]);
        let l2 = $sel(p[0], $sel(l1, p[3], p[4]), $sel(l1, p[5], p[6]));
        $or($or($and(p[0], bit[2]), $and(l1, bit[1])), $and(l2, bit[0]))
    }};
}

/// `leaf[t][k]`: the leaf of tree `t` (see [`tree_leaf`]) for the first `lanes` lines `k` (a
/// multiple of [`LANES`]; the bytes after are left as they come), 8 lines at a time.
#[inline(never)]
fn tree_kernel(d3: &Depth3, tests: &[[u8; BLOCK]], leaf: &mut [[u8; BLOCK]], lanes: usize) {
    let word =
        |t: &[u8; BLOCK], k: usize| u64::from_le_bytes(t[k..k + 8].try_into().expect("8 lines"));
    for (nodes, out) in d3.nodes.iter().zip(leaf.iter_mut()) {
        for k in (0..lanes.min(BLOCK)).step_by(8) {
            let p: [u64; 7] = nodes.map(|p| word(&tests[p as usize], k));
            let v: u64 = tree_leaf!(
                p,
                |m: u64, a: u64, b: u64| a ^ (m & (a ^ b)),
                |a: u64, b: u64| a & b,
                |a: u64, b: u64| a | b,
                [0, 1, 2].map(|i| 0x0101_0101_0101_0101u64 << i)
            );
            out[k..k + 8].copy_from_slice(&v.to_le_bytes());
        }
    }
}

/// [`tree_kernel`] with AVX2: 32 lines per operation, a byte blend per selection.
///
/// # Safety
///
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn tree_kernel_avx2(
    d3: &Depth3,
    tests: &[[u8; BLOCK]],
    leaf: &mut [[u8; BLOCK]],
    lanes: usize,
) {
    use std::arch::x86_64::{
        __m256i, _mm256_and_si256, _mm256_blendv_epi8, _mm256_loadu_si256, _mm256_or_si256,
        _mm256_set1_epi8, _mm256_storeu_si256,
    };
    let bit = [1, 2, 4].map(|b| _mm256_set1_epi8(b));
    // Every node's test is below `d3.tests.len()` (see `Depth3::nodes`), so below
    // `tests.len()`: the loads below need no bounds check.
    assert_eq!(tests.len(), d3.tests.len());
    let base = tests.as_ptr().cast::<u8>();
    for (nodes, out) in d3.nodes.iter().zip(leaf.iter_mut()) {
        for k in (0..lanes.min(BLOCK)).step_by(LANES) {
            // SAFETY: `p < tests.len()` (checked above) and `k + LANES <= BLOCK`: each load
            // reads the 32 bytes of lines `k..k + 32` of test `p`.
            let p: [__m256i; 7] = nodes
                .map(|p| unsafe { _mm256_loadu_si256(base.add(p as usize * BLOCK + k).cast()) });
            let v = tree_leaf!(
                p,
                |m, a, b| _mm256_blendv_epi8(a, b, m),
                |a, b| _mm256_and_si256(a, b),
                |a, b| _mm256_or_si256(a, b),
                bit
            );
            let o: &mut [u8; LANES] = (&mut out[k..k + LANES]).try_into().expect("LANES");
            // SAFETY: the store writes the 32 bytes of `o`.
            unsafe { _mm256_storeu_si256(o.as_mut_ptr().cast(), v) };
        }
    }
}

/// `out[k]`: `bias` plus the leaf value of each tree for line `k` (`leaf[t][k]`), summed in
/// tree order (as [`Model::logit`] sums them).
fn leaf_sum(bias: f64, leaves: &[[f64; 8]], leaf: &[[u8; BLOCK]], out: &mut [f64]) {
    for (k, l) in out.iter_mut().enumerate().take(BLOCK) {
        let mut s = bias;
        for (v, m) in leaves.iter().zip(leaf) {
            s += v[usize::from(m[k] & 7)];
        }
        *l = s;
    }
}

/// [`leaf_sum`] for eight lines at a time: per tree, the eight lines' leaf bytes widened to
/// two vectors of four indices, two 4-lane gathers of its leaf values and two 4-lane adds
/// (each lane's sum in tree order, the same additions as line by line).
///
/// # Safety
///
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn leaf_sum_avx2(bias: f64, leaves: &[[f64; 8]], leaf: &[[u8; BLOCK]], out: &mut [f64]) {
    use std::arch::x86_64::{
        _mm_cvtepu8_epi32, _mm_cvtsi32_si128, _mm256_add_pd, _mm256_i32gather_pd, _mm256_set1_pd,
        _mm256_storeu_pd,
    };
    let n = out.len().min(BLOCK);
    for k0 in (0..n).step_by(8) {
        let (mut lo, mut hi) = (_mm256_set1_pd(bias), _mm256_set1_pd(bias));
        for (v, m) in leaves.iter().zip(leaf) {
            // The leaves of lines `k0..k0 + 8`, each at most 7 (three bits, see `tree_leaf`).
            let w: &[u8; 8] = m[k0..k0 + 8].try_into().expect("8 lines");
            let i0 = i32::from_le_bytes([w[0], w[1], w[2], w[3]]);
            let i1 = i32::from_le_bytes([w[4], w[5], w[6], w[7]]);
            let x0 = _mm_cvtepu8_epi32(_mm_cvtsi32_si128(i0));
            let x1 = _mm_cvtepu8_epi32(_mm_cvtsi32_si128(i1));
            // SAFETY: every index is in 0..8, and `v` holds 8 values.
            let (g0, g1) = unsafe {
                (
                    _mm256_i32gather_pd::<8>(v.as_ptr(), x0),
                    _mm256_i32gather_pd::<8>(v.as_ptr(), x1),
                )
            };
            lo = _mm256_add_pd(lo, g0);
            hi = _mm256_add_pd(hi, g1);
        }
        if let Some(o) = out.get_mut(k0..k0 + 8) {
            // SAFETY: `o` holds 8 values, 4 written by each store.
            unsafe {
                _mm256_storeu_pd(o.as_mut_ptr(), lo);
                _mm256_storeu_pd(o.as_mut_ptr().add(4), hi);
            }
        } else {
            let mut sums = [0.0f64; 8];
            // SAFETY: `sums` holds 8 values, 4 written by each store.
            unsafe {
                _mm256_storeu_pd(sums.as_mut_ptr(), lo);
                _mm256_storeu_pd(sums.as_mut_ptr().add(4), hi);
            }
            out[k0..n].copy_from_slice(&sums[..n - k0]);
        }
    }
}

/// `out[p][k]`: 0xff when `col[k] >= thr[p]`, else 0, for the first `lanes` lines (a multiple
/// of [`LANES`]; the other bytes are left as they come).
#[inline(never)]
fn test_kernel(col: &[f64; BLOCK], thr: &[f64], out: &mut [[u8; BLOCK]], lanes: usize) {
    let lanes = lanes.min(BLOCK);
    for (t, o) in thr.iter().zip(out.iter_mut()) {
        for (c, o) in col[..lanes].iter().zip(&mut o[..lanes]) {
            *o = if *c >= *t { 0xff } else { 0 };
        }
    }
}

/// [`test_kernel`] with AVX2, except for the order of the bytes: per 32 lanes, eight 4-lane
/// compares, their masks packed to a byte per lane, the byte of lane [`AVX2_LANE`]`[j]` in
/// byte `j` (the packs interleave the 128-bit halves of their inputs; the lines are written to
/// the lanes in that order instead of permuting the bytes back).
///
/// # Safety
///
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn test_kernel_avx2(col: &[f64; BLOCK], thr: &[f64], out: &mut [[u8; BLOCK]], lanes: usize) {
    use std::arch::x86_64::{
        __m256i, _CMP_GE_OQ, _mm256_castpd_si256, _mm256_cmp_pd, _mm256_loadu_pd,
        _mm256_packs_epi16, _mm256_packs_epi32, _mm256_set1_pd, _mm256_storeu_si256,
    };
    let pack32 = |a: __m256i, b: __m256i| _mm256_packs_epi32(a, b);
    for k0 in (0..lanes.min(BLOCK)).step_by(LANES) {
        let c: &[f64; LANES] = col[k0..k0 + LANES].try_into().expect("LANES");
        // SAFETY: each load reads 4 values inside `c`.
        let x: [_; 8] = std::array::from_fn(|i| unsafe { _mm256_loadu_pd(c[4 * i..].as_ptr()) });
        for (t, o) in thr.iter().zip(out.iter_mut()) {
            let t = _mm256_set1_pd(*t);
            // A 64-bit mask per line (`>=` ordered: false on NaN, as in Rust).
            let m: [__m256i; 8] =
                std::array::from_fn(|i| _mm256_castpd_si256(_mm256_cmp_pd::<_CMP_GE_OQ>(x[i], t)));
            let d0 = pack32(m[0], m[1]);
            let d1 = pack32(m[2], m[3]);
            let d2 = pack32(m[4], m[5]);
            let d3 = pack32(m[6], m[7]);
            let bytes = _mm256_packs_epi16(pack32(d0, d1), pack32(d2, d3));
            let o: &mut [u8; LANES] = (&mut o[k0..k0 + LANES]).try_into().expect("LANES");
            // SAFETY: the store writes the 32 bytes of `o`.
            unsafe { _mm256_storeu_si256(o.as_mut_ptr().cast(), bytes) };
        }
    }
}

/// [`features::doc_features`] writing into the model's block: each line's features go
/// straight into the block's columns (no feature vector copied line by line).
struct ModelSink<'a> {
    model: &'a Model,
    /// The lane of each line of a block ([`Model::lane`], looked up once per document).
    lanes: &'static [u8; BLOCK],
    block: &'a mut Block,
    logit: &'a mut [f64],
}

impl features::FeatureSink for ModelSink<'_> {
    #[inline]
    fn lane(&mut self, _line: usize) -> (&mut features::Cols, usize) {
        let lane = usize::from(self.lanes[self.block.len % BLOCK]);
        debug_assert_eq!(lane, self.model.lane(self.block));
        let cols = (&mut self.block.cols[..])
            .try_into()
            .expect("start_block makes a column per feature");
        (cols, lane)
    }

    #[inline]
    fn done(&mut self) {
        self.model.line_written(self.block, self.logit);
    }
}

/// The detector's data, parsed once.
#[derive(Debug)]
pub(crate) struct Detector {
    chrome: Chrome,
    stop: Stopwords,
    region: RegionParams,
    model: Model,
}

/// The built-in detector (`rules/detector/`), parsed on first use. Its data is checked by the
/// unit tests, so the panic cannot happen in a released build.
pub(crate) static BUILTIN: LazyLock<Detector> = LazyLock::new(|| {
    Detector::builtin().unwrap_or_else(|e| panic!("built-in detector data is broken: {e}"))
});

/// Buffers reused from document to document on one thread.
#[derive(Debug, Default)]
struct Scratch {
    line: LineScratch,
    /// Per-line basics of the current document by view index, computed in its first round
    /// (they depend on the line's text only; later rounds only recompute the document part).
    cache: Vec<Basic>,
    /// The class of equal lines (`features::repeated`) of each line of the current document
    /// by view index, and how many classes there are: found in the round that computed
    /// `cache` (`None` until then), counted again in later rounds.
    class_by_view: Vec<u32>,
    nclasses: Option<usize>,
    /// The classes of this round's lines, in order.
    round_class: Vec<u32>,
    basics: Vec<Basic>,
    /// The view index of each line of this round.
    idx: Vec<usize>,
    /// Per line of this round: already dropped by the rules or the structural passes (context
    /// only, first round).
    ruled: Vec<bool>,
    bufs: features::Buffers,
    block: Block,
    logit: Vec<f64>,
    keep: Vec<bool>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

impl Scratch {
    /// Whether the buffers sized by the document (per line) or by its longest line grew past
    /// [`KEEP_BYTES`] (then they are freed when the next document starts). Every per-line
    /// buffer has at most one entry per line of the document, as `cache` has, so its size
    /// stands for theirs.
    fn oversized(&self) -> bool {
        self.cache.capacity() * size_of::<Basic>() > KEEP_BYTES || self.line.capacity() > KEEP_BYTES
    }
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

impl Detector {
    /// Whether a document's first round shows the model the lines already dropped.
    pub(crate) fn sees_dropped(&self) -> bool {
        self.model.sees_dropped
    }

    /// Parse the compiled-in data.
    pub(crate) fn builtin() -> Result<Detector, String> {
        Detector::parse(MODEL_TOML, CHROME_TOML, &STOPWORDS)
    }

    fn parse(
        model: &str,
        chrome: &str,
        stopwords: &[&str; LANGS.len()],
    ) -> Result<Detector, String> {
        let m: ModelFile = toml::from_str(model).map_err(|e| format!("model.toml: {e}"))?;
        Ok(Detector {
            chrome: Chrome::parse(chrome)?,
            stop: Stopwords::parse(stopwords),
            region: m.region,
            model: Model::from_section(m.model)?,
        })
    }

    /// Keep/drop for non-blank, stripped lines into `sc.keep`, logits into `sc.logit`
    /// (detector.py `decide` without the blank-line handling). `sc.basics` holds the lines'
    /// basics.
    ///
    /// Lines marked in `sc.ruled` (already dropped) are context for the model only: they are
    /// then removed from `lines`, `idx` and the per-line buffers, so the keep passes and the
    /// back-off see the document as it stands.
    ///
    /// (Not inlined: once per round, and a profile then shows what the decision costs.)
    #[inline(never)]
    fn decide(
        &self,
        lines: &mut Vec<&str>,
        idx: &mut Vec<usize>,
        s: &DetectorSettings,
        sc: &mut Scratch,
    ) {
        let n = lines.len();
        // The model decides the lines not yet dropped only: their logits, in order.
        let live = sc.ruled.iter().filter(|&&r| !r).count();
        sc.logit.clear();
        sc.logit.resize(live, 0.0);
        let model = &self.model;
        model.start_block(&mut sc.block);
        let mut sink = ModelSink {
            model,
            lanes: model.lanes(),
            block: &mut sc.block,
            logit: &mut sc.logit,
        };
        let known = match sc.nclasses {
            Some(nc) => {
                sc.round_class.clear();
                sc.round_class
                    .extend(idx.iter().map(|&i| sc.class_by_view[i]));
                Some((&sc.round_class[..], nc))
            }
            None => None,
        };
        features::doc_features(
            lines,
            &mut sc.basics,
            &sc.ruled,
            known,
            &self.region,
            &mut sc.bufs,
            &mut sink,
        );
        if sc.nclasses.is_none() {
            // The classes hold for the lines of the later rounds (some of these).
            sc.class_by_view.clear();
            sc.class_by_view.resize(sc.cache.len(), 0);
            for (&i, &c) in idx.iter().zip(&sc.bufs.class_of) {
                sc.class_by_view[i] = c;
            }
            sc.nclasses = Some(sc.bufs.classes.len());
        }
        model.finish_block(&mut sc.block, &mut sc.logit);
        if live < n {
            // `bufs.hs` holds the hand scores of all `n` lines (a function of each line's
            // basics alone): the kept lines keep theirs.
            let hs = &mut sc.bufs.hs;
            let mut j = 0;
            for i in 0..n {
                if !sc.ruled[i] {
                    lines[j] = lines[i];
                    idx[j] = idx[i];
                    sc.basics[j] = sc.basics[i];
                    hs[j] = hs[i];
                    j += 1;
                }
            }
            lines.truncate(j);
            idx.truncate(j);
            sc.basics.truncate(j);
            hs.truncate(j);
        }
        let thr = (s.threshold / (1.0 - s.threshold)).ln();
        sc.keep.clear();
        sc.keep.extend(sc.logit.iter().map(|&l| l >= thr));
        protect(lines, s, sc);
        // Back-off: never leave a long enough document almost empty.
        let total: u64 = sc.basics.iter().map(|b| b.ntok as u64).sum();
        let kept = |keep: &[bool], basics: &[Basic]| -> u64 {
            keep.iter()
                .zip(basics)
                .filter(|(k, _)| **k)
                .map(|(_, b)| b.ntok as u64)
                .sum()
        };
        let share = s.backoff_min_share * total as f64;
        if total >= s.backoff_min_tokens as u64 && (kept(&sc.keep, &sc.basics) as f64) < share {
            // `bufs.hs` still holds the hand scores of these lines.
            let (spans, ns) = features::regions(&sc.bufs.hs, self.region.second_ratio);
            sc.keep.fill(false);
            for &(a, e) in &spans[..ns] {
                for i in a..e {
                    sc.keep[i] = !sc.basics[i].chrome;
                }
            }
            if (kept(&sc.keep, &sc.basics) as f64) < share {
                for (k, b) in sc.keep.iter_mut().zip(&sc.basics) {
                    *k = !b.chrome;
                }
            }
        }
    }

    /// Run on the alive lines of a document: drop the lines the detector rejects (one hit
    /// each, with the model's probability as the score) and the blank lines that are no
    /// longer between two kept lines. Returns whether any line was removed.
    ///
    /// `first_round` starts a new document: if the model was trained for it
    /// (`sees_dropped`), the lines no longer alive are shown to it as context (feature
    /// `ruled`), never kept. Later rounds on the same document (same lines, some
    /// of them no longer alive) see only the alive lines and reuse the per-line basics of the
    /// first.
    pub(crate) fn apply(
        &self,
        views: &mut [View],
        s: &DetectorSettings,
        hits: &mut Vec<Hit>,
        first_round: bool,
    ) -> bool {
        SCRATCH.with_borrow_mut(|sc| self.apply_with(views, s, hits, first_round, sc))
    }

    fn apply_with(
        &self,
        views: &mut [View],
        s: &DetectorSettings,
        hits: &mut Vec<Hit>,
        first_round: bool,
        sc: &mut Scratch,
    ) -> bool {
        // In a document's first round the model also sees the lines the rules and the
        // structural passes already dropped, marked as such (feature `ruled`): chrome around a
        // line is strong evidence about it. Later rounds see the surviving lines only; the
        // caller runs rounds until one without that context removes nothing, so cleaning stays
        // idempotent (a second cleaning's first round has no dropped lines to show).
        if first_round && sc.oversized() {
            *sc = Scratch::default();
        }
        // Reused from round to round (`lines` borrows from `views`, so it is sized once).
        let mut idx = std::mem::take(&mut sc.idx);
        idx.clear();
        let mut lines = Vec::with_capacity(views.len());
        sc.ruled.clear();
        for (i, v) in views.iter().enumerate() {
            if v.alive || (first_round && self.model.sees_dropped) {
                let t = py_strip(v.text);
                // A dropped copy of the line before it tells nothing about its neighbours
                // (and would make that line look repeated).
                if !t.is_empty() && (v.alive || lines.last() != Some(&t)) {
                    idx.push(i);
                    lines.push(t);
                    sc.ruled.push(!v.alive);
                }
            }
        }
        if first_round || sc.cache.len() != views.len() {
            sc.cache.clear();
            sc.cache.resize(views.len(), Basic::default());
            sc.nclasses = None;
            for (&i, l) in idx.iter().zip(&lines) {
                sc.cache[i] = line_basic(l, &self.chrome, &self.stop, &mut sc.line);
                features::derive(&mut sc.cache[i]);
            }
        }
        sc.basics.clear();
        sc.basics.extend(idx.iter().map(|&i| sc.cache[i]));
        let total: u64 = sc.basics.iter().map(|b| b.ntok as u64).sum();
        if total < s.min_tokens as u64 {
            sc.idx = idx;
            return false;
        }
        self.decide(&mut lines, &mut idx, s, sc);
        let mut changed = false;
        let (mut first, mut last) = (usize::MAX, 0);
        for (j, &i) in idx.iter().enumerate() {
            if sc.keep[j] {
                first = first.min(i);
                last = i;
            } else {
                views[i].alive = false;
                hits.push(Hit {
                    line: views[i].line,
                    by: By::Stage(Stage::Detector),
                    action: Action::DroppedLine,
                    score: Some(sigmoid(sc.logit[j]) as f32),
                });
                changed = true;
            }
        }
        // A blank line stays only between two kept lines.
        for (i, v) in views.iter_mut().enumerate() {
            if v.alive && !(first < i && i < last) && py_strip(v.text).is_empty() {
                v.alive = false;
                changed = true;
            }
        }
        sc.idx = idx;
        changed
    }
}

/// A line that is chrome-hinted or noise (repeated, mostly symbols, ` | ` rows, URLs): never
/// restored by [`protect`].
fn noise(b: &Basic) -> bool {
    b.chrome || b.rep || b.pipe || b.url || b.alpha < 0.5
}

/// The last character of a line, closing quotes and brackets skipped.
fn last_char(line: &str) -> Option<char> {
    line.trim_end_matches(text::CLOSERS).chars().next_back()
}

/// A headline: 4 to 30 tokens, not noise, not ending like a sentence or a label (a question
/// or an exclamation is fine).
fn title_like(b: &Basic, line: &str) -> bool {
    (4..=30).contains(&b.ntok)
        && !noise(b)
        && !matches!(last_char(line), Some('.' | '…' | ',' | ':' | ';'))
}

/// The keep passes after the model's decision (`sc.keep`): they only ever turn a dropped line
/// back into a kept one, from the lines and the decision of this round alone, so the stage
/// stays a function of the alive lines (and cleaning stays idempotent).
fn protect(lines: &[&str], s: &DetectorSettings, sc: &mut Scratch) {
    let (b, keep) = (&sc.basics, &mut sc.keep);
    let n = b.len();
    // A list after a kept line ending with `:`.
    if s.list_max_tokens > 0 {
        let mut i = 0;
        while i < n {
            if keep[i] && b[i].endc && last_char(lines[i]) == Some(':') {
                let mut j = i + 1;
                while j < n
                    && !keep[j]
                    && b[j].ntok as usize <= s.list_max_tokens
                    && b[j].ntok > 0
                    && !noise(&b[j])
                {
                    keep[j] = true;
                    j += 1;
                }
                i = j;
            } else {
                i += 1;
            }
        }
    }
    // The headline: the nearest title-like line among the few before the first kept sentence.
    if s.headline_lookback > 0 {
        if let Some(first) = (0..n).find(|&i| keep[i] && b[i].endp && b[i].ntok >= 8) {
            for i in (first.saturating_sub(s.headline_lookback)..first).rev() {
                if title_like(&b[i], lines[i]) {
                    keep[i] = true;
                    break;
                }
            }
        }
    }
    // Gaps of at most `fill_max` dropped lines between two kept lines, each a heading, a list
    // item or a sentence.
    if s.fill_max > 0 {
        let mut prev: Option<usize> = None;
        for i in 0..n {
            if !keep[i] {
                continue;
            }
            if let Some(p) = prev {
                let gap = p + 1..i;
                if !gap.is_empty()
                    && gap.len() <= s.fill_max
                    && gap.clone().all(|k| {
                        inner_heading(&b[k], lines[k])
                            || is_item(&b[k], s)
                            || sentence(&b[k], lines[k])
                    })
                {
                    for k in gap {
                        keep[k] = true;
                    }
                }
            }
            prev = Some(i);
        }
    }
    // The article goes on after the last kept line while it reads like one: sentences, a
    // list after a line ending with `:`, and a heading right before either.
    if s.extend {
        if let Some(last) = (0..n).rev().find(|&i| keep[i]) {
            let mut list = last_char(lines[last]) == Some(':');
            let mut i = last + 1;
            while i < n {
                let ok = if list && is_item(&b[i], s) {
                    true
                } else if sentence(&b[i], lines[i]) || intro(&b[i], lines[i]) {
                    list = intro(&b[i], lines[i]);
                    true
                } else {
                    let next = i + 1 < n
                        && (sentence(&b[i + 1], lines[i + 1]) || intro(&b[i + 1], lines[i + 1]));
                    list = false;
                    next && heading(&b[i], lines[i])
                };
                if !ok {
                    break;
                }
                keep[i] = true;
                i += 1;
            }
        }
    }
}

/// Prose: ends like a sentence (not with an ellipsis: a cut-off teaser), at least 4 tokens,
/// a fifth of them stopwords, not noise.
fn sentence(b: &Basic, line: &str) -> bool {
    b.endp
        && b.ntok >= 4
        && b.stop >= 0.2
        && !noise(b)
        && !line.ends_with("...")
        && last_char(line) != Some('…')
}

/// A line introducing a list: ends with `:`, at least 4 tokens, not noise.
fn intro(b: &Basic, line: &str) -> bool {
    b.ntok >= 4 && b.stop >= 0.2 && !noise(b) && last_char(line) == Some(':')
}

/// A list item: at most `list-max-tokens` tokens (none when 0), not noise.
fn is_item(b: &Basic, s: &DetectorSettings) -> bool {
    b.ntok > 0 && (b.ntok as usize) <= s.list_max_tokens && !noise(b)
}

/// A heading between two kept lines: at most 12 tokens, not ending like a sentence or a
/// label (a question is fine), not noise except a weak chrome hint.
fn inner_heading(b: &Basic, line: &str) -> bool {
    (1..=12).contains(&b.ntok)
        && !matches!(last_char(line), Some('.' | '…' | ',' | ':' | ';'))
        && !(b.rep || b.pipe || b.url || b.alpha < 0.5 || (b.chrome && !b.weak))
}

/// A heading: at most 8 tokens, no sentence or label punctuation at the end, not in title
/// case when it has 4 or more tokens (a teaser headline), not noise, except a weak chrome
/// hint (`Related costs`).
fn heading(b: &Basic, line: &str) -> bool {
    (1..=8).contains(&b.ntok)
        && !matches!(
            last_char(line),
            Some('.' | '!' | '?' | '…' | ',' | ':' | ';')
        )
        && (b.ntok < 4 || b.title < 0.8)
        && !(b.rep || b.pipe || b.url || b.alpha < 0.5 || (b.chrome && !b.weak))
}

#[cfg(test)]
mod tests;
