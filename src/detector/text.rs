//! Per-line text basics, computed exactly as `scripts/detector/detector.py` computes them.
//!
//! Python's notion of a word character (`re` `\w`), of a letter (`str.isalpha`), a digit
//! (`str.isdigit`), a decimal digit (`\d`), an uppercase letter and a space differ from Rust's
//! `char` methods for some code points (combining marks are `\w` for the `regex` crate but not
//! for Python, `½` is numeric for Rust but not a digit for Python, ...). The classes come from a
//! table generated from Python (`pyclass.rs`) so both tokenize alike; the first 2048 code points
//! (Latin, Greek, Cyrillic, Hebrew, Arabic) are looked up in a flat array built at compile time.
//!
//! Nothing here allocates per line: lowercased tokens and the normalized line go into reusable
//! buffers.

use std::sync::LazyLock;

use std::hash::Hasher;

use memchr::memmem::Finder;
use rustc_hash::FxHasher;

use super::pyclass::RUNS;
use super::{Chrome, Stopwords, pack8, pack8_at, word_starts_into};

pub(super) const WORD: u8 = 1;
pub(super) const ALPHA: u8 = 2;
pub(super) const DIGIT: u8 = 4;
pub(super) const DECIMAL: u8 = 8;
pub(super) const UPPER: u8 = 16;
pub(super) const SPACE: u8 = 32;

pub(super) const fn lookup_runs(c: u32) -> u8 {
    // The last run starting at or before `c` (RUNS[0] starts at 0).
    let (mut lo, mut hi) = (0, RUNS.len());
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if RUNS[mid].0 <= c {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    RUNS[lo].1
}

const LOW_LEN: usize = 0x800;

static LOW: [u8; LOW_LEN] = {
    let mut t = [0u8; LOW_LEN];
    let mut c = 0;
    while c < LOW_LEN {
        t[c] = lookup_runs(c as u32);
        c += 1;
    }
    t
};

/// The General Punctuation block (curly quotes, dashes, the ellipsis, bullets), frequent in
/// news text, also from a flat array.
const PUNCT_START: u32 = 0x2000;
const PUNCT_LEN: usize = 0x70;

static PUNCT: [u8; PUNCT_LEN] = {
    let mut t = [0u8; PUNCT_LEN];
    let mut c = 0;
    while c < PUNCT_LEN {
        t[c] = lookup_runs(PUNCT_START + c as u32);
        c += 1;
    }
    t
};

/// Per 256-code-point page of the Basic Multilingual Plane, the classes shared by the whole
/// page, or [`MIXED`] when a run starts inside it (CJK ideographs, Hangul and most other
/// scripts' letters come in whole pages: one load instead of a binary search).
static PAGES: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut r = 0;
    while r < RUNS.len() {
        let start = RUNS[r].0;
        if start < 0x1_0000 && start % 256 != 0 {
            t[(start / 256) as usize] = MIXED;
        }
        r += 1;
    }
    let mut p = 0;
    while p < 256 {
        if t[p] != MIXED {
            t[p] = lookup_runs(p as u32 * 256);
        }
        p += 1;
    }
    t
};

/// A [`PAGES`] entry for a page of several classes (no class has all bits set).
const MIXED: u8 = 0xff;

/// Python's character classes of `c` (bits above).
#[inline]
pub(super) fn class(c: char) -> u8 {
    let u = c as u32;
    if (u as usize) < LOW_LEN {
        LOW[u as usize]
    } else if let Some(&cls) = PUNCT.get(u.wrapping_sub(PUNCT_START) as usize) {
        cls
    } else {
        match PAGES.get((u >> 8) as usize) {
            Some(&cls) if cls != MIXED => cls,
            Some(_) => MIXED_PAGES[SLOT[(u >> 8) as usize] as usize * 256 + (u & 0xff) as usize],
            None => lookup_runs(u),
        }
    }
}

/// Per [`MIXED`] page of [`PAGES`], its index among them (in page order).
static SLOT: [u8; 256] = {
    let mut t = [0u8; 256];
    let (mut p, mut k) = (0, 0);
    while p < 256 {
        if PAGES[p] == MIXED {
            t[p] = k;
            k += 1;
        }
        p += 1;
    }
    t
};

/// The classes of every code point of the [`MIXED`] pages, page after page in [`SLOT`]
/// order, built on first use: a binary search for each is slow where scripts mix in one page
/// (kana, fullwidth forms, Vietnamese letters).
static MIXED_PAGES: LazyLock<Box<[u8]>> = LazyLock::new(|| {
    (0..256u32)
        .filter(|&p| PAGES[p as usize] == MIXED)
        .flat_map(|p| (p * 256..(p + 1) * 256).map(lookup_runs))
        .collect()
});

// Every slot fits a `u8`.
const _: () = {
    let (mut p, mut k) = (0, 0);
    while p < 256 {
        k += (PAGES[p] == MIXED) as usize;
        p += 1;
    }
    assert!(k <= 256);
};

/// The character at byte `pos` of `s` (a char boundary), its classes and its length in bytes.
///
/// Fast path: news text is mostly ASCII, and an ASCII byte is a whole character whose classes
/// are one table load; only other bytes go through UTF-8 decoding.
#[inline(always)]
fn char_at(s: &str, pos: usize) -> (char, u8, usize) {
    char_at_bytes(s.as_bytes(), pos)
}

/// [`char_at`] in valid UTF-8 given as bytes.
#[inline(always)]
fn char_at_bytes(by: &[u8], pos: usize) -> (char, u8, usize) {
    let b = by[pos];
    if b < 0x80 {
        return (b as char, LOW[b as usize], 1);
    }
    // Decoded by hand: `by` is valid UTF-8 and `pos` a boundary, so `b` leads a sequence of 2
    // to 4 bytes (no re-slicing of the string, no validity checks).
    let cont = |k: usize| (by[pos + k] & 0x3f) as u32;
    let (u, len) = if b < 0xe0 {
        (((b & 0x1f) as u32) << 6 | cont(1), 2)
    } else if b < 0xf0 {
        (((b & 0x0f) as u32) << 12 | cont(1) << 6 | cont(2), 3)
    } else {
        (
            ((b & 0x07) as u32) << 18 | cont(1) << 12 | cont(2) << 6 | cont(3),
            4,
        )
    };
    let c = char::from_u32(u).unwrap_or(char::REPLACEMENT_CHARACTER);
    (c, class(c), len)
}

/// Whether an ASCII byte is a Python space.
#[inline]
fn ascii_space(b: u8) -> bool {
    LOW[b as usize] & SPACE != 0
}

/// Python's `str.strip()`.
pub(super) fn py_strip(s: &str) -> &str {
    // Fast path (run on every alive line in every round): a line whose first character is no
    // space and whose last byte ends no space character strips to itself (a line ending in a
    // curly quote too, with no decoding at its end).
    let by = s.as_bytes();
    match (by.first(), by.last()) {
        (None, _) => s,
        (Some(&a), Some(&z))
            if !SPACE_LAST[z as usize]
                && (if a < 0x80 {
                    !ascii_space(a)
                } else {
                    char_at_bytes(by, 0).1 & SPACE == 0
                }) =>
        {
            s
        }
        _ => py_strip_slow(s),
    }
}

/// [`py_strip`] character by character.
#[inline(never)]
fn py_strip_slow(s: &str) -> &str {
    s.trim_matches(|c| class(c) & SPACE != 0)
}

/// Per byte, whether it is the last UTF-8 byte of a Python space (from the space runs of
/// [`RUNS`]).
static SPACE_LAST: [bool; 256] = {
    let mut t = [false; 256];
    let mut r = 0;
    while r < RUNS.len() {
        if RUNS[r].1 & SPACE != 0 {
            let end = if r + 1 < RUNS.len() {
                RUNS[r + 1].0
            } else {
                0x11_0000
            };
            let mut c = RUNS[r].0;
            while c < end {
                // The last byte of `c`'s UTF-8 form: `c` itself below 0x80, else a
                // continuation byte of its low six bits.
                let last = if c < 0x80 { c } else { 0x80 | (c & 0x3f) };
                t[last as usize] = true;
                c += 1;
            }
        }
        r += 1;
    }
    t
};

/// The per-line basics (detector.py `line_basic`, plus what the document pass derives).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct Basic {
    pub ntok: u32,
    pub nchar: u32,
    pub endp: bool,
    pub endc: bool,
    pub alpha: f64,
    pub digit: f64,
    pub title: f64,
    pub bullet: bool,
    pub pipe: bool,
    pub comma: f64,
    pub url: bool,
    pub chrome: bool,
    pub tail: bool,
    /// Chrome only by a prefix phrase followed by more words (not a model feature).
    pub weak: bool,
    /// Tokens found in each language's stopword list.
    pub stop_by_lang: [u32; super::LANGS.len()],
    /// Hash of the lowercased line (for `rep`).
    pub hash: u64,
    // Filled by the document pass:
    pub stop: f64,
    pub rep: bool,
    pub logtok: f64,
    pub short: bool,
    pub good: bool,
}

/// Buffers reused from line to line.
#[derive(Debug, Default)]
pub(super) struct LineScratch {
    /// The lowercase of the current line (UTF-8).
    lower: Vec<u8>,
    /// Per 64 bytes of the line, the bytes of word characters other than `_` (lowercased).
    nw: Vec<u64>,
    norm: String,
    /// The normalized line of [`line_basic_windows`].
    norm_bytes: Vec<u8>,
    /// The starts of the words of the normalized line.
    starts: Vec<u32>,
}

impl LineScratch {
    /// Bytes held by the buffers.
    pub(super) fn capacity(&self) -> usize {
        self.lower.capacity()
            + 8 * self.nw.capacity()
            + self.norm.capacity()
            + self.norm_bytes.capacity()
            + 4 * self.starts.capacity()
    }
}

pub(super) const CLOSERS: [char; 11] = ['"', '\'', '”', '’', '»', ')', ']', '*', '」', '』', '）'];
const BULLETS: [char; 17] = [
    '•', '·', '-', '*', '–', '—', '▪', '►', '◦', '●', '○', '■', '□', '✓', '✔', '→', '>',
];

/// Han ideographs and kana: CJK text has no spaces between words, so each of these word
/// characters is a token on its own (detector.py `CJK`).
#[inline]
fn is_cjk(c: char) -> bool {
    // Most characters come before the first range (Latin, Cyrillic, Greek, Arabic).
    (c as u32) >= 0x3040
        && matches!(c as u32,
        0x3040..=0x30FF | 0x31F0..=0x31FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
        | 0xF900..=0xFAFF | 0xFF66..=0xFF9F | 0x2_0000..=0x2_FA1F)
}

/// `^(?:[•·\-*–—▪►◦●○■□✓✔→>]\s|\d{1,3}[.)]\s)` with Python's `\s` and `\d`.
#[inline(always)]
fn is_bullet(l: &str) -> bool {
    // Most lines start with an ASCII character that is no bullet and no digit (checked here,
    // inlined: a call per line costs more).
    match l.as_bytes().first() {
        Some(&a) if a < 0x80 && !matches!(a, b'-' | b'*' | b'>') && !a.is_ascii_digit() => false,
        _ => is_bullet_rest(l),
    }
}

/// [`is_bullet`] of a line that may be one.
#[inline(never)]
fn is_bullet_rest(l: &str) -> bool {
    let mut it = l.chars();
    let Some(first) = it.next() else {
        return false;
    };
    let is_space = |c: Option<char>| c.is_some_and(|c| class(c) & SPACE != 0);
    if BULLETS.contains(&first) {
        return is_space(it.next());
    }
    let mut digits = 0;
    let mut c = Some(first);
    while let Some(ch) = c {
        if class(ch) & DECIMAL == 0 {
            break;
        }
        digits += 1;
        c = it.next();
    }
    (1..=3).contains(&digits) && matches!(c, Some('.' | ')')) && is_space(it.next())
}

/// The lowercase of the first 2048 code points when it is one character (else `u32::MAX`).
static LOWER_LOW: LazyLock<Box<[u32]>> = LazyLock::new(|| {
    (0..LOW_LEN as u32)
        .map(|u| {
            let mut low = char::from_u32(u).map(char::to_lowercase);
            match low.as_mut().map(|l| (l.next(), l.next())) {
                Some((Some(lc), None)) => lc as u32,
                _ => u32::MAX,
            }
        })
        .collect()
});

/// Call `f` on each character of `c.to_lowercase()` (the common ones from a table; Han and
/// kana have no case).
#[inline]
pub(super) fn for_lower(c: char, mut f: impl FnMut(char)) {
    if let Some(&lc) = LOWER_LOW.get(c as usize) {
        if let Some(lc) = char::from_u32(lc) {
            f(lc);
            return;
        }
    } else if is_cjk(c) {
        f(c);
        return;
    }
    c.to_lowercase().for_each(f);
}

/// The chrome list's normal form of a line into `out`: lowercase, every run of non-word
/// characters or `_` becomes one space, trimmed (detector.py `norm_phrase`).
pub(super) fn norm_phrase_into(s: &str, out: &mut String) {
    out.clear();
    let mut gap = false;
    for c in s.chars() {
        for_lower(c, |lc| push_phrase_char(out, &mut gap, lc, class(lc)));
    }
}

/// One lowercased character (of Python class `cls`) of the chrome list's normal form: a word
/// character is written, after one space when a gap of non-word characters or `_` separates
/// it from the last one written.
#[inline(always)]
fn push_phrase_char(out: &mut String, gap: &mut bool, lc: char, cls: u8) {
    if cls & WORD != 0 && lc != '_' {
        if *gap && !out.is_empty() {
            out.push(' ');
        }
        *gap = false;
        out.push(lc);
    } else {
        *gap = true;
    }
}

/// Python classes per byte: an ASCII byte's own, none for the bytes of other characters.
#[cfg(any(test, not(target_arch = "x86_64")))]
static BYTE_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 128 {
        t[c] = lookup_runs(c as u32);
        c += 1;
    }
    t
};

/// The hash of a lowercased line (its UTF-8 bytes), for `rep`. Any function of the lowercased
/// characters works: equal hashes are confirmed with [`eq_lower`].
/// FxHash of its bytes taken 8 at a time (little-endian, the last word zero-padded), then of
/// the length.
pub(super) fn hash_lower(bytes: &[u8]) -> u64 {
    let mut h = FxHasher::default();
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        h.write_u64(u64::from_le_bytes(c.try_into().expect("8 bytes")));
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        h.write_u64(pack8(rest));
    }
    h.write_usize(bytes.len());
    h.finish()
}

/// The basics of one stripped, non-blank line.
pub(super) fn line_basic(
    l: &str,
    chrome: &Chrome,
    stop: &Stopwords,
    sc: &mut LineScratch,
) -> Basic {
    if l.is_ascii() {
        line_basic_ascii(l, chrome, stop, sc)
    } else {
        line_basic_mixed(l, chrome, stop, sc).unwrap_or_else(|| line_basic_any(l, chrome, stop, sc))
    }
}

/// [`line_basic`] for any line, character by character.
///
/// The line is lowercased once, character by character, into `sc.lower`: a token's lowercase
/// (for the stopword lists) is then a slice of it, the line's hash is its hash, and its
/// normalized form for the chrome list is built from it.
///
/// Not inlined (nor [`line_basic_ascii`]): a line takes thousands of instructions, and inlined
/// into the caller their code changed with unrelated edits.
#[inline(never)]
pub(super) fn line_basic_any(
    l: &str,
    chrome: &Chrome,
    stop: &Stopwords,
    sc: &mut LineScratch,
) -> Basic {
    let mut b = Basic::default();
    let (mut letters, mut digits, mut nonspace) = (0u32, 0u32, 0u32);
    let (mut words, mut upper_words) = (0u32, 0u32);
    // Runs of word characters other than `_`: the words of the normalized line (a bound used
    // to skip the chrome list for long lines).
    let mut norm_words = 0u32;
    let mut in_norm_word = false;
    // The open token: where its lowercase starts in `low`.
    let mut tok_start: Option<usize> = None;
    let (mut tok_ascii, mut tok_all_digit, mut tok_upper) = (true, true, false);
    let mut commas = 0u32;
    let mut sw = StopCount::default();
    let low = &mut sc.lower;
    low.clear();
    low.reserve(l.len());
    let mut end_token = |tok: &[u8], ascii: bool, all_digit: bool, upper: bool, b: &mut Basic| {
        b.ntok += 1;
        if !all_digit {
            words += 1;
            upper_words += upper as u32;
        }
        if ascii && tok.len() <= 8 {
            sw.add(stop.mask_packed(pack8(tok)));
        } else if tok.len() <= stop.max_len {
            sw.add(stop.mask(tok));
        }
    };
    let mut pos = 0;
    while pos < l.len() {
        let (c, cls, len) = char_at(l, pos);
        b.nchar += 1;
        if cls & SPACE == 0 {
            nonspace += 1;
            if cls & ALPHA != 0 {
                letters += 1;
            } else if cls & DIGIT != 0 {
                digits += 1;
            }
        }
        let low_start = low.len();
        if len == 1 {
            low.push(c.to_ascii_lowercase() as u8);
            if c == ',' {
                commas += 1;
            }
        } else {
            for_lower(c, |lc| {
                let mut buf = [0u8; 4];
                low.extend_from_slice(lc.encode_utf8(&mut buf).as_bytes());
            });
        }
        if cls & WORD != 0 && len > 1 && is_cjk(c) {
            // A token of its own (and a word of the normalized line, as any word character).
            if let Some(s) = tok_start.take() {
                end_token(
                    &low[s..low_start],
                    tok_ascii,
                    tok_all_digit,
                    tok_upper,
                    &mut b,
                );
            }
            end_token(
                &low[low_start..],
                false,
                cls & DIGIT != 0,
                cls & UPPER != 0,
                &mut b,
            );
            if !in_norm_word {
                norm_words += 1;
            }
            in_norm_word = true;
        } else if cls & WORD != 0 {
            if tok_start.is_none() {
                tok_start = Some(low_start);
                tok_ascii = true;
                tok_all_digit = true;
                tok_upper = cls & UPPER != 0;
            }
            tok_ascii &= len == 1;
            tok_all_digit &= cls & DIGIT != 0;
            let nw = c != '_';
            if nw && !in_norm_word {
                norm_words += 1;
            }
            in_norm_word = nw;
        } else {
            in_norm_word = false;
            if let Some(s) = tok_start.take() {
                end_token(
                    &low[s..low_start],
                    tok_ascii,
                    tok_all_digit,
                    tok_upper,
                    &mut b,
                );
            }
        }
        pos += len;
    }
    if let Some(s) = tok_start.take() {
        end_token(&low[s..], tok_ascii, tok_all_digit, tok_upper, &mut b);
    }
    b.stop_by_lang = sw.finish();
    b.hash = hash_lower(low);
    finish(
        l,
        &mut b,
        [letters, digits, nonspace, words, upper_words, commas],
        may_be_url_or_pipe(l.as_bytes()),
    );
    if b.ntok as usize <= chrome.max_guard || norm_words as usize <= chrome.max_exact_words + 1 {
        norm_lowered_into(low, &mut sc.norm, usize::MAX);
        word_starts_into(sc.norm.as_bytes(), &mut sc.starts);
        (b.chrome, b.tail, b.weak) =
            chrome.matches_weak_bytes(sc.norm.as_bytes(), &sc.starts, b.ntok as usize);
    }
    b
}

/// [`norm_phrase_into`] of a line given lowercased ([`for_lower`] of each character, as
/// `lowered` holds it). Stops and returns `false` once `out` is longer than `cap` bytes.
fn norm_lowered_into(lowered: &[u8], out: &mut String, cap: usize) -> bool {
    out.clear();
    let mut gap = false;
    let mut pos = 0;
    while pos < lowered.len() {
        let (lc, cls, len) = char_at_bytes(lowered, pos);
        push_phrase_char(out, &mut gap, lc, cls);
        if out.len() > cap {
            return false;
        }
        pos += len;
    }
    true
}

/// The 8 bits of `m` as 8 bytes: byte `k` is bit `k` of `m` (0 or 1).
pub(super) const fn spread_bits(m: u8) -> u64 {
    let mut v = 0;
    let mut k = 0;
    while k < 8 {
        v |= (((m >> k) & 1) as u64) << (8 * k);
        k += 1;
    }
    v
}

/// Per language mask, one byte per language holding its bit ([`spread_bits`]).
static SPREAD: [u64; 256] = {
    let mut t = [0u64; 256];
    let mut m = 0;
    while m < 256 {
        t[m] = spread_bits(m as u8);
        m += 1;
    }
    t
};

/// Stopword counts per language, as 8 byte-wide counters in one integer (one add per
/// stopword instead of one per language), flushed to 32-bit counts before a byte can overflow.
#[derive(Default)]
struct StopCount {
    // (One byte per language: at most 8 of them.)
    packed: u64,
    pending: u32,
    total: [u32; super::LANGS.len()],
}

const _: () = assert!(super::LANGS.len() <= 8);

impl StopCount {
    #[inline]
    fn add(&mut self, mask: u8) {
        if mask != 0 {
            self.packed += SPREAD[mask as usize];
            self.pending += 1;
            if self.pending == 255 {
                self.flush();
            }
        }
    }

    fn flush(&mut self) {
        for (k, n) in self.total.iter_mut().enumerate() {
            *n += ((self.packed >> (8 * k)) & 0xff) as u32;
        }
        self.packed = 0;
        self.pending = 0;
    }

    fn finish(mut self) -> [u32; super::LANGS.len()] {
        self.flush();
        self.total
    }
}

/// Substring searchers for the URL hint, built once.
static URL_FINDERS: LazyLock<[Finder<'static>; 2]> =
    LazyLock::new(|| [Finder::new("http"), Finder::new("www.")]);

/// The fields both paths derive the same way from the counts
/// `[letters, digits, nonspace, words, upper_words, commas]`; `hint` is
/// [`may_be_url_or_pipe`] of the line (or `true` when it may hold a hint).
#[inline(always)]
fn finish(
    l: &str,
    b: &mut Basic,
    [letters, digits, nonspace, words, upper_words, commas]: [u32; 6],
    hint: bool,
) {
    let last = match l.as_bytes().last() {
        // Most lines end in an ASCII character that is neither a space nor a closer.
        Some(&z)
            if z < 0x80 && !ascii_space(z) && !matches!(z, b'"' | b'\'' | b')' | b']' | b'*') =>
        {
            Some(z as char)
        }
        _ => {
            let t = l.trim_end_matches(|c| class(c) & SPACE != 0);
            t.trim_end_matches(CLOSERS).chars().next_back()
        }
    };
    b.endp = matches!(last, Some('.' | '!' | '?' | '…' | '。' | '！' | '？'));
    b.endc = matches!(last, Some(',' | ':' | ';'));
    if nonspace > 0 {
        b.alpha = letters as f64 / nonspace as f64;
        b.digit = digits as f64 / nonspace as f64;
    }
    if words > 0 {
        b.title = upper_words as f64 / words as f64;
    }
    b.bullet = is_bullet(l);
    if b.ntok > 0 {
        b.comma = commas as f64 / b.ntok as f64;
    }
    // Most lines have none of the bytes the two hints need: one pass over the line rules them
    // out, instead of four searches.
    if hint {
        let by = l.as_bytes();
        (b.url, b.pipe) = (is_url(by), is_pipe(by));
    }
}

/// `" | "`, `" · "` or `" • "`: found from their rare last non-space byte.
pub(super) fn is_pipe(by: &[u8]) -> bool {
    memchr::memchr3_iter(b'|', 0xb7, 0xa2, by).any(|i| {
        let head: &[u8] = match by[i] {
            b'|' => b" |",
            0xb7 => " ·".as_bytes(),
            _ => " •".as_bytes(),
        };
        by[..=i].ends_with(head) && by.get(i + 1) == Some(&b' ')
    })
}

/// An `@`, `http` or `www.`.
pub(super) fn is_url(by: &[u8]) -> bool {
    memchr::memchr(b'@', by).is_some() || URL_FINDERS.iter().any(|f| f.find(by).is_some())
}

/// Whether `by` may hold a URL or pipe hint ([`is_url`], [`is_pipe`]): it has an `@` or a `|`,
/// or one of the byte pairs `tp` (of `http`), `ww` (of `www.`), `C2 B7` (`·`) or `80 A2`
/// (the end of `•`). `false` means neither hint.
#[inline]
pub(super) fn may_be_url_or_pipe(by: &[u8]) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2 (checked just above).
            unsafe { hint_bytes_avx2(by) }
        } else {
            hint_bytes_sse2(by)
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        hint_bytes_scalar(by)
    }
}

/// [`may_be_url_or_pipe`] byte by byte.
#[cfg(any(test, not(target_arch = "x86_64")))]
pub(super) fn hint_bytes_scalar(by: &[u8]) -> bool {
    by.iter().any(|&c| c == b'@' || c == b'|')
        || by.windows(2).any(|p| {
            matches!(
                (p[0], p[1]),
                (b't', b'p') | (b'w', b'w') | (0xc2, 0xb7) | (0x80, 0xa2)
            )
        })
}

/// [`hint_bytes_sse2`] 32 positions at a time.
///
/// # Safety
///
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
pub(super) unsafe fn hint_bytes_avx2(by: &[u8]) -> bool {
    // SAFETY: the CPU has AVX2 (as this function's caller guarantees).
    any_window(by, |w| unsafe { hint_block_avx2(w) })
}

/// Whether any of the first 32 positions of `w` starts a hint ([`may_be_url_or_pipe`]), with
/// AVX2.
///
/// # Safety
///
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn hint_block_avx2(w: &[u8; 33]) -> bool {
    use std::arch::x86_64::{
        __m128i, __m256i, _mm_loadu_si128, _mm256_and_si256, _mm256_broadcastsi128_si256,
        _mm256_loadu_si256, _mm256_or_si256, _mm256_set1_epi8, _mm256_shuffle_epi8,
        _mm256_srli_epi16, _mm256_testz_si256,
    };
    // Each byte's class bits, as the low nibble's entry and the high nibble's entry of a table
    // (one bit per byte of the set, so the two entries share a bit only for that byte): the
    // byte's class as the first byte of a hint, and the next byte's as its second byte.
    // SAFETY: the loads read 16 bytes of a 16-byte table, or 32 bytes inside `w`, and need no
    // alignment.
    let (table, v0, v1) = unsafe {
        let table = |t: &[u8; 16]| {
            _mm256_broadcastsi128_si256(_mm_loadu_si128(t.as_ptr().cast::<__m128i>()))
        };
        (
            [
                table(&HINT_FIRST_LO),
                table(&HINT_FIRST_HI),
                table(&HINT_SECOND_LO),
                table(&HINT_SECOND_HI),
            ],
            _mm256_loadu_si256(w.as_ptr().cast::<__m256i>()),
            _mm256_loadu_si256(w.as_ptr().add(1).cast::<__m256i>()),
        )
    };
    let nibble = _mm256_set1_epi8(0x0f);
    let class = |v: __m256i, lo: __m256i, hi: __m256i| {
        let l = _mm256_shuffle_epi8(lo, _mm256_and_si256(v, nibble));
        let h = _mm256_shuffle_epi8(hi, _mm256_and_si256(_mm256_srli_epi16::<4>(v), nibble));
        _mm256_and_si256(l, h)
    };
    let first = class(v0, table[0], table[1]);
    // The single-byte hints need no second byte.
    let second = _mm256_or_si256(
        class(v1, table[2], table[3]),
        _mm256_set1_epi8(HINT_ONE as i8),
    );
    _mm256_testz_si256(first, second) == 0
}

/// Class bits of the hint bytes ([`hint_block_avx2`]): first bytes of the pairs `tp`, `ww`,
/// `C2 B7`, `80 A2` (bits 0 to 3, their second bytes the same bits), and the single bytes `@`
/// and `|` (bits 4 and 5, [`HINT_ONE`]).
const fn hint_table(bytes: &[(u8, u8)], high: bool) -> [u8; 16] {
    let mut t = [0u8; 16];
    let mut k = 0;
    while k < bytes.len() {
        let (b, bit) = bytes[k];
        let nib = if high { b >> 4 } else { b & 0x0f };
        t[nib as usize] |= bit;
        k += 1;
    }
    t
}

const HINT_FIRST: [(u8, u8); 6] = [
    (b't', 1),
    (b'w', 2),
    (0xc2, 4),
    (0x80, 8),
    (b'@', 16),
    (b'|', 32),
];
const HINT_SECOND: [(u8, u8); 4] = [(b'p', 1), (b'w', 2), (0xb7, 4), (0xa2, 8)];
const HINT_ONE: u8 = 16 | 32;
static HINT_FIRST_LO: [u8; 16] = hint_table(&HINT_FIRST, false);
static HINT_FIRST_HI: [u8; 16] = hint_table(&HINT_FIRST, true);
static HINT_SECOND_LO: [u8; 16] = hint_table(&HINT_SECOND, false);
static HINT_SECOND_HI: [u8; 16] = hint_table(&HINT_SECOND, true);

/// [`may_be_url_or_pipe`] of a line from its lowercase as the window walk leaves it: `low`
/// holds the `len` lowered bytes, zeros after them up to a multiple of 64 bytes, and at least
/// one byte more. The hints' bytes are the same lowercased (ASCII letters lowercase, `·` and
/// `•` are caseless): a line with a hint passes; lowercasing may only let more lines through
/// (`HTTP`), which [`is_url`] and [`is_pipe`] then rule out. A zero byte is in no hint, so the
/// byte after the windows only meets a pair that starts past the line. The blocks are read in
/// place: no copy of the line's last bytes into a padded buffer.
///
/// # Safety
///
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn hint_lowered_avx2(low: &[u8], len: usize) -> bool {
    let mut i = 0;
    while i < len {
        // SAFETY: the CPU has AVX2 (as this function's caller guarantees).
        if unsafe { hint_block_avx2(low[i..i + 33].try_into().expect("33 bytes")) } {
            return true;
        }
        i += 32;
    }
    false
}

/// [`may_be_url_or_pipe`] 16 positions at a time with SSE2 (which every x86_64 CPU has): each
/// byte compared at once with the single bytes and the first bytes of the pairs, and the byte
/// after it with their second bytes.
#[cfg(target_arch = "x86_64")]
pub(super) fn hint_bytes_sse2(by: &[u8]) -> bool {
    any_window(by, hint_block_sse2)
}

/// [`hint_lowered_avx2`] 16 positions at a time with SSE2.
#[cfg(target_arch = "x86_64")]
fn hint_lowered_sse2(low: &[u8], len: usize) -> bool {
    (0..len)
        .step_by(16)
        .any(|i| hint_block_sse2(low[i..i + 17].try_into().expect("17 bytes")))
}

/// Whether any of the first 16 positions of `w` starts a hint ([`may_be_url_or_pipe`]), with
/// SSE2.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn hint_block_sse2(w: &[u8; 17]) -> bool {
    use std::arch::x86_64::{
        __m128i, _mm_and_si128, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8,
    };
    // SAFETY: SSE2 is part of the x86_64 baseline; both loads read 16 bytes inside `w` and need
    // no alignment.
    unsafe {
        let v0 = _mm_loadu_si128(w.as_ptr().cast::<__m128i>());
        let v1 = _mm_loadu_si128(w.as_ptr().add(1).cast::<__m128i>());
        let eq = |v: __m128i, c: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(c as i8));
        let pair = |a: u8, b: u8| _mm_and_si128(eq(v0, a), eq(v1, b));
        let one = _mm_or_si128(eq(v0, b'@'), eq(v0, b'|'));
        let two = _mm_or_si128(
            _mm_or_si128(pair(b't', b'p'), pair(b'w', b'w')),
            _mm_or_si128(pair(0xc2, 0xb7), pair(0x80, 0xa2)),
        );
        _mm_movemask_epi8(_mm_or_si128(one, two)) != 0
    }
}

/// Whether `step` finds a hint starting in any of the positions of `by`. It sees windows of `W`
/// bytes, `W - 1` apart (a window's last byte starts the next one; it is there for the second
/// byte of a pair); the last positions come from a zero-padded copy (NUL is in no hint, so a
/// pair cannot start at the line's last byte).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn any_window<const W: usize>(by: &[u8], step: impl Fn(&[u8; W]) -> bool) -> bool {
    let mut i = 0;
    while let Some(w) = by.get(i..i + W) {
        if step(w.try_into().expect("W bytes")) {
            return true;
        }
        i += W - 1;
    }
    let mut buf = [0u8; W];
    let rest = &by[i..];
    buf[..rest.len()].copy_from_slice(rest);
    step(&buf)
}

/// Per-byte class masks of up to 64 bytes of a line (bit `i` for byte `i`), by Python's
/// classes of ASCII bytes: a word character, a digit, a letter, an uppercase letter, a space, a
/// comma; and a UTF-8 continuation byte; a byte of a non-ASCII character (from 0x80). Bytes of
/// non-ASCII characters are none of the first six.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Masks {
    pub word: u64,
    pub digit: u64,
    pub alpha: u64,
    pub upper: u64,
    pub space: u64,
    pub comma: u64,
    pub cont: u64,
    pub high: u64,
}

/// [`Masks`] of `chunk` (at most 64 bytes), one table load per byte, and its ASCII lowercase
/// into `out` (zeros past the chunk).
#[cfg(any(test, not(target_arch = "x86_64")))]
pub(super) fn masks_scalar(chunk: &[u8], out: &mut [u8; 64]) -> Masks {
    let mut m = Masks::default();
    *out = [0; 64];
    for (i, &c) in chunk.iter().enumerate().take(64) {
        let cls = BYTE_CLASS[c as usize];
        let bit = |yes: bool| (yes as u64) << i;
        m.word |= bit(cls & WORD != 0);
        m.digit |= bit(cls & DIGIT != 0);
        m.alpha |= bit(cls & ALPHA != 0);
        m.upper |= bit(cls & UPPER != 0);
        m.space |= bit(cls & SPACE != 0);
        m.comma |= bit(c == b',');
        m.cont |= bit(c & 0xc0 == 0x80);
        m.high |= bit(c >= 0x80);
        out[i] = c.to_ascii_lowercase();
    }
    m
}

/// The [`Masks`] kernel of this CPU: the CPU is asked once per line, not once per 64-byte
/// window.
#[derive(Debug, Clone, Copy)]
pub(super) struct MaskKernel {
    /// Whether the CPU has AVX2 (set only where the CPU was asked: [`MaskKernel::detect`] and
    /// [`AVX2_AND_BITS`]).
    #[cfg(target_arch = "x86_64")]
    avx2: bool,
}

impl MaskKernel {
    /// The kernel for this CPU.
    #[inline]
    pub(super) fn detect() -> Self {
        MaskKernel {
            #[cfg(target_arch = "x86_64")]
            avx2: std::arch::is_x86_feature_detected!("avx2"),
        }
    }

    /// [`Masks`] of `chunk` (at most 64 bytes), 32 bytes at a time with AVX2 or 16 with SSE2
    /// (which every x86_64 CPU has), and its ASCII lowercase into `out` (zeros past the
    /// chunk). The ASCII classes are ranges: letters `A-Z a-z`, digits `0-9`, word characters
    /// those and `_`, spaces `\t-\r`, `\x1c-\x1f` and ` ` (checked against the table by a
    /// test).
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    pub(super) fn masks_lower(self, chunk: &[u8], out: &mut [u8; 64]) -> Masks {
        // A whole window is read in place; a shorter one (the end of a line) from a zero-padded
        // copy (NUL is in no class).
        let buf;
        let window: &[u8; 64] = match chunk.first_chunk::<64>() {
            Some(w) => w,
            None => {
                let mut padded = [0u8; 64];
                padded[..chunk.len()].copy_from_slice(chunk);
                buf = padded;
                &buf
            }
        };
        if self.avx2 {
            // SAFETY: the CPU has AVX2 (`avx2` is only set by `detect`, which checked it).
            unsafe { masks_avx2(window, out) }
        } else {
            masks_sse2(window, out)
        }
    }

    /// [`may_be_url_or_pipe`] of a line from its lowercase as the window walk leaves it
    /// ([`hint_lowered_avx2`]: `low` holds the `len` lowered bytes, zeros after them up to a
    /// multiple of 64 bytes, and at least one byte more).
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    pub(super) fn may_hint_lowered(self, low: &[u8], len: usize) -> bool {
        if self.avx2 {
            // SAFETY: the CPU has AVX2 (`avx2` is only set by `detect`, which checked it).
            unsafe { hint_lowered_avx2(low, len) }
        } else {
            hint_lowered_sse2(low, len)
        }
    }

    /// [`may_be_url_or_pipe`] of a line from its lowercase as the window walk leaves it.
    #[cfg(not(target_arch = "x86_64"))]
    #[inline(always)]
    pub(super) fn may_hint_lowered(self, low: &[u8], len: usize) -> bool {
        hint_bytes_scalar(&low[..len])
    }

    /// [`Masks`] of `chunk` (at most 64 bytes) and its ASCII lowercase into `out`.
    #[cfg(not(target_arch = "x86_64"))]
    #[inline(always)]
    pub(super) fn masks_lower(self, chunk: &[u8], out: &mut [u8; 64]) -> Masks {
        masks_scalar(chunk, out)
    }
}

/// [`MaskKernel::masks_lower`] of a whole window with SSE2.
#[cfg(target_arch = "x86_64")]
pub(super) fn masks_sse2(window: &[u8; 64], out: &mut [u8; 64]) -> Masks {
    use std::arch::x86_64::{
        __m128i, _mm_and_si128, _mm_cmpeq_epi8, _mm_cmpgt_epi8, _mm_cmplt_epi8, _mm_loadu_si128,
        _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8, _mm_setzero_si128, _mm_storeu_si128,
    };
    let mut m = Masks::default();
    for (k, (part, dst)) in window
        .chunks_exact(16)
        .zip(out.chunks_exact_mut(16))
        .enumerate()
    {
        // SAFETY: SSE2 is part of the x86_64 baseline; the load reads the 16 bytes of `part`,
        // the store writes the 16 bytes of `dst`, and neither needs alignment. The compares are
        // signed: bytes from 0x80 are negative, so no ASCII range below takes them.
        let (word, digit, alpha, upper, space, comma, cont, high) = unsafe {
            let v = _mm_loadu_si128(part.as_ptr().cast::<__m128i>());
            let set = |c: u8| _mm_set1_epi8(c as i8);
            let within = |v: __m128i, lo: u8, hi: u8| {
                _mm_and_si128(
                    _mm_cmpgt_epi8(v, set(lo - 1)),
                    _mm_cmplt_epi8(v, set(hi + 1)),
                )
            };
            let alpha = within(_mm_or_si128(v, set(0x20)), b'a', b'z');
            // A letter without the 0x20 bit is uppercase.
            let upper = _mm_and_si128(
                alpha,
                _mm_cmpeq_epi8(_mm_and_si128(v, set(0x20)), _mm_setzero_si128()),
            );
            _mm_storeu_si128(
                dst.as_mut_ptr().cast::<__m128i>(),
                _mm_or_si128(v, _mm_and_si128(upper, set(0x20))),
            );
            let digit = within(v, b'0', b'9');
            let word = _mm_or_si128(_mm_or_si128(alpha, digit), _mm_cmpeq_epi8(v, set(b'_')));
            let space = _mm_or_si128(
                _mm_or_si128(within(v, 0x09, 0x0d), within(v, 0x1c, 0x1f)),
                _mm_cmpeq_epi8(v, set(b' ')),
            );
            let comma = _mm_cmpeq_epi8(v, set(b','));
            let cont = _mm_cmplt_epi8(v, set(0xc0));
            let mask = |x: __m128i| _mm_movemask_epi8(x) as u16 as u64;
            (
                mask(word),
                mask(digit),
                mask(alpha),
                mask(upper),
                mask(space),
                mask(comma),
                mask(cont),
                mask(v),
            )
        };
        let sh = 16 * k;
        m.word |= word << sh;
        m.digit |= digit << sh;
        m.alpha |= alpha << sh;
        m.upper |= upper << sh;
        m.space |= space << sh;
        m.comma |= comma << sh;
        m.cont |= cont << sh;
        m.high |= high << sh;
    }
    m
}

/// [`MaskKernel::masks_lower`] of a whole window, 32 bytes at a time with AVX2 (the same
/// compares).
///
/// # Safety
///
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
pub(super) unsafe fn masks_avx2(window: &[u8; 64], out: &mut [u8; 64]) -> Masks {
    use std::arch::x86_64::{
        __m256i, _mm256_and_si256, _mm256_cmpeq_epi8, _mm256_cmpgt_epi8, _mm256_loadu_si256,
        _mm256_movemask_epi8, _mm256_or_si256, _mm256_set1_epi8, _mm256_setzero_si256,
        _mm256_storeu_si256,
    };
    // `lo <= v <= hi` for ASCII bounds (signed compares: bytes from 0x80 are negative).
    macro_rules! within {
        ($v:expr, $lo:expr, $hi:expr) => {
            _mm256_and_si256(
                _mm256_cmpgt_epi8($v, _mm256_set1_epi8(($lo - 1) as i8)),
                _mm256_cmpgt_epi8(_mm256_set1_epi8(($hi + 1) as i8), $v),
            )
        };
    }
    macro_rules! eq {
        ($v:expr, $c:expr) => {
            _mm256_cmpeq_epi8($v, _mm256_set1_epi8($c as i8))
        };
    }
    macro_rules! mask {
        ($x:expr) => {
            _mm256_movemask_epi8($x) as u32 as u64
        };
    }
    let mut m = Masks::default();
    for (k, (part, dst)) in window
        .chunks_exact(32)
        .zip(out.chunks_exact_mut(32))
        .enumerate()
    {
        // SAFETY: the load reads the 32 bytes of `part` and needs no alignment.
        let v = unsafe { _mm256_loadu_si256(part.as_ptr().cast::<__m256i>()) };
        let alpha = within!(_mm256_or_si256(v, _mm256_set1_epi8(0x20)), b'a', b'z');
        // A letter without the 0x20 bit is uppercase.
        let upper = _mm256_and_si256(
            alpha,
            _mm256_cmpeq_epi8(
                _mm256_and_si256(v, _mm256_set1_epi8(0x20)),
                _mm256_setzero_si256(),
            ),
        );
        let lowered = _mm256_or_si256(v, _mm256_and_si256(upper, _mm256_set1_epi8(0x20)));
        // SAFETY: the store writes the 32 bytes of `dst` and needs no alignment.
        unsafe { _mm256_storeu_si256(dst.as_mut_ptr().cast::<__m256i>(), lowered) };
        let digit = within!(v, b'0', b'9');
        let word = _mm256_or_si256(_mm256_or_si256(alpha, digit), eq!(v, b'_'));
        let space = _mm256_or_si256(
            _mm256_or_si256(within!(v, 0x09u8, 0x0du8), within!(v, 0x1cu8, 0x1fu8)),
            eq!(v, b' '),
        );
        // Continuation bytes 0x80..=0xbf: signed, below 0xc0 (-64).
        let cont = _mm256_cmpgt_epi8(_mm256_set1_epi8(0xc0u8 as i8), v);
        let sh = 32 * k;
        m.word |= mask!(word) << sh;
        m.digit |= mask!(digit) << sh;
        m.alpha |= mask!(alpha) << sh;
        m.upper |= mask!(upper) << sh;
        m.space |= mask!(space) << sh;
        m.comma |= mask!(eq!(v, b',')) << sh;
        m.cont |= mask!(cont) << sh;
        m.high |= mask!(v) << sh;
    }
    m
}

/// `KEEP[k]` keeps the first `k + 1` bytes of a little-endian word.
static KEEP: [u64; 8] = {
    let mut t = [0u64; 8];
    let mut k = 0;
    while k < 8 {
        t[k] = u64::MAX >> (56 - 8 * k);
        k += 1;
    }
    t
};

/// Stopword lookups of lowercased tokens, read from the lowercased line `low` (padded with at
/// least 16 bytes past the line: a token's 8- and 16-byte loads stay inside it): the spread
/// mask ([`spread_bits`] of its languages' mask) of the token of bytes `start..=last`.
#[inline(always)]
fn stop_spread(stop: &Stopwords, low: &[u8], start: usize, last: usize) -> u64 {
    let load = |i: usize| u64::from_le_bytes(low[i..i + 8].try_into().expect("8 bytes"));
    // The mask keeps the token's bytes (as `pack8` pads with zeros).
    let k = last - start;
    if k < 8 {
        stop.spread_packed(load(start) & KEEP[k])
    } else if k < 16 {
        stop.spread_mid(load(start), load(start + 8) & KEEP[k - 8])
    } else if k < stop.max_len {
        SPREAD[stop.mask(&low[start..=last]) as usize]
    } else {
        0
    }
}

/// Per class of a non-ASCII character, what it adds to the counts of one window: spaces
/// (byte 0), letters (byte 1) or digits (byte 2), as `line_basic_any` counts them.
static TALLY: [u64; 256] = {
    let mut t = [0u64; 256];
    let mut c = 0;
    while c < 256 {
        let cls = c as u8;
        t[c] = if cls & SPACE != 0 {
            1
        } else if cls & ALPHA != 0 {
            1 << 8
        } else if cls & DIGIT != 0 {
            1 << 16
        } else {
            0
        };
        c += 1;
    }
    t
};

// No character is both a digit and uppercase: a token starting with an uppercase character
// is never all digits (the window walk counts uppercase words by their first byte alone).
const _: () = {
    let mut r = 0;
    while r < RUNS.len() {
        assert!(RUNS[r].1 & (DIGIT | UPPER) != DIGIT | UPPER);
        r += 1;
    }
};

/// Pages (256 code points) of the Basic Multilingual Plane holding a character whose
/// lowercase is not itself (checked against `char::to_lowercase` by a test); the other pages'
/// characters lowercase to themselves.
const CASED_PAGES: [u64; 4] = {
    let pages = [
        0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x10, 0x13, 0x1c, 0x1e, 0x1f, 0x21, 0x24, 0x2c, 0xa6,
        0xa7, 0xff,
    ];
    let mut t = [0u64; 4];
    let mut k = 0;
    while k < pages.len() {
        t[pages[k] / 64] |= 1 << (pages[k] % 64);
        k += 1;
    }
    t
};

/// Whether the BMP code point `u` lies in one of [`CASED_PAGES`].
#[inline(always)]
pub(super) fn in_cased_page(u: u32) -> bool {
    let p = (u >> 8) as usize;
    CASED_PAGES[p / 64] >> (p % 64) & 1 != 0
}

/// For each code point below U+0800 of two UTF-8 bytes: its classes (bits 0-7), the classes
/// of its lowercase (bits 8-15) and its lowercase (bits 16-31), or [`NO_LOWER2`] in bits
/// 16-31 when the lowercase is not one character of two bytes.
static LOWER2: LazyLock<Box<[u32]>> = LazyLock::new(|| {
    (0..LOW_LEN as u32)
        .map(|u| {
            let Some(c) = char::from_u32(u) else {
                return NO_LOWER2 << 16;
            };
            let mut low = c.to_lowercase();
            match (low.next(), low.next()) {
                (Some(lc), None) if lc.len_utf8() == 2 && c.len_utf8() == 2 => {
                    class(c) as u32 | (class(lc) as u32) << 8 | (lc as u32) << 16
                }
                _ => NO_LOWER2 << 16,
            }
        })
        .collect()
});

/// A [`LOWER2`] entry's lowercase for characters lowercasing to something else than one
/// character of two bytes.
const NO_LOWER2: u32 = 0xffff;

/// Write the lowercase of `c` ([`for_lower`]) over `out` (`c`'s own UTF-8 bytes); `false`,
/// leaving `out` unspecified, when it is not one character of the same length.
#[inline]
fn lower_in_place(c: char, out: &mut [u8]) -> bool {
    let mut n = 0;
    let mut fits = true;
    for_lower(c, |lc| {
        n += 1;
        if n == 1 && lc.len_utf8() == out.len() {
            lc.encode_utf8(out);
        } else {
            fits = false;
        }
    });
    fits
}

/// One non-ASCII character of a line, decoded and lowercased.
struct Wide {
    c: char,
    /// Its classes.
    cls: u8,
    /// The classes of its lowercase.
    lower_cls: u8,
    len: usize,
}

/// Decode the non-ASCII character at byte `pos` of `bytes` (valid UTF-8, `pos` a boundary)
/// and write its lowercase over its bytes in `low`; `None` when the lowercase is not one
/// character of the same length. `lower2` is [`LOWER2`].
#[inline(always)]
fn lower_wide(bytes: &[u8], pos: usize, low: &mut [u8], lower2: &[u32]) -> Option<Wide> {
    let b = bytes[pos];
    let cont = |k: usize| (bytes[pos + k] & 0x3f) as u32;
    if b < 0xe0 {
        // Latin-1 and Latin Extended letters, Greek, Cyrillic, Hebrew, Arabic: one table load.
        let u = ((b & 0x1f) as u32) << 6 | cont(1);
        let e = lower2[u as usize];
        let lu = e >> 16;
        if lu == NO_LOWER2 {
            return None;
        }
        if lu != u {
            low[pos] = 0xc0 | (lu >> 6) as u8;
            low[pos + 1] = 0x80 | (lu & 0x3f) as u8;
        }
        let c = char::from_u32(u).unwrap_or(char::REPLACEMENT_CHARACTER);
        return Some(Wide {
            c,
            cls: e as u8,
            lower_cls: (e >> 8) as u8,
            len: 2,
        });
    }
    let (u, len) = if b < 0xf0 {
        (((b & 0x0f) as u32) << 12 | cont(1) << 6 | cont(2), 3)
    } else {
        (
            ((b & 0x07) as u32) << 18 | cont(1) << 12 | cont(2) << 6 | cont(3),
            4,
        )
    };
    let c = char::from_u32(u).unwrap_or(char::REPLACEMENT_CHARACTER);
    // [`class`], the General Punctuation block and whole pages inline.
    let cls = match (
        PUNCT.get(u.wrapping_sub(PUNCT_START) as usize),
        PAGES.get((u >> 8) as usize),
    ) {
        (Some(&cls), _) => cls,
        (None, Some(&cls)) if cls != MIXED => cls,
        _ => class(c),
    };
    if len == 3 && !in_cased_page(u) {
        // Punctuation, CJK, most scripts: no case.
        return Some(Wide {
            c,
            cls,
            lower_cls: cls,
            len,
        });
    }
    let out = &mut low[pos..pos + len];
    if !lower_in_place(c, out) {
        return None;
    }
    let lower_cls = match std::str::from_utf8(out).ok().and_then(|s| s.chars().next()) {
        Some(lc) if lc == c => cls,
        Some(lc) => class(lc),
        None => return None,
    };
    Some(Wide {
        c,
        cls,
        lower_cls,
        len,
    })
}

/// [`line_basic`] 64 bytes at a time, for any line ([`line_basic_ascii`] and
/// [`line_basic_mixed`] are its two instances; `ASCII` says the line is ASCII).
///
/// Each window is classified into bit masks and lowercased into `sc.lower` by
/// [`MaskKernel::masks_lower`]; each non-ASCII character is decoded once, lowercased in place
/// and added to the masks (all its bytes marked as a word character or a digit, by its Python
/// classes), or counted as a token of its own (a CJK character). Tokens are the runs of word
/// bits: their number, the all-digit ones and the uppercase ones come from popcounts of the
/// masks (a run is all digits when the carry of adding its start bit to the digit bits runs
/// through it); only the stopword lookup is per token. `None` when a character's lowercase
/// is not one character of the same UTF-8 length (`İ`): the lowercased line would not line
/// up with the line, and [`line_basic_any`] takes it.
#[inline(always)]
fn line_basic_windows<const ASCII: bool>(
    kernel: MaskKernel,
    l: &str,
    chrome: &Chrome,
    stop: &Stopwords,
    sc: &mut LineScratch,
) -> Option<Basic> {
    let bytes = l.as_bytes();
    let nwin = bytes.len().div_ceil(64);
    let low = &mut sc.lower;
    // Every byte read is written first (the kernel writes whole windows; the 16 bytes after
    // them are only read past a token's end, and masked off): the buffer only grows.
    if low.len() < 64 * nwin + 16 {
        low.resize(64 * nwin + 16, 0);
    }
    // One mask per window, written by index (no capacity check per window).
    let nws = &mut sc.nw;
    nws.resize(nwin, 0);
    let lower2: &[u32] = if ASCII { &[] } else { &LOWER2 };
    let (mut spaces, mut letters, mut digits, mut commas, mut conts) =
        (0u32, 0u32, 0u32, 0u32, 0u32);
    let (mut ntok, mut words, mut upper_words, mut norm_words) = (0u32, 0u32, 0u32, 0u32);
    let mut sw = StopCount::default();
    // Windows until the byte-wide stopword counters are flushed.
    let mut until_flush = 3;
    // The open token (running on into the next window): start, all digits so far, whether
    // its first character is uppercase.
    let mut open: Option<(usize, bool, bool)> = None;
    // The bits of a character across the end of a window, for the next window: word (not
    // CJK), digit, and word of the normalized line; and the character to lowercase again
    // once the next window's bytes are written.
    let (mut carry_word, mut carry_digit, mut carry_nw) = (0u64, 0u64, 0u64);
    let mut across: Option<(usize, char)> = None;
    let mut nw_last = 0u64;
    for (w, chunk) in bytes.chunks(64).enumerate() {
        let base = 64 * w;
        let out: &mut [u8; 64] = (&mut low[base..base + 64]).try_into().expect("64 bytes");
        let m = kernel.masks_lower(chunk, out);
        spaces += m.space.count_ones();
        letters += m.alpha.count_ones();
        digits += m.digit.count_ones();
        commas += m.comma.count_ones();
        if !ASCII {
            conts += m.cont.count_ones();
        }
        // ASCII word characters other than `_` are the letters and the digits.
        let mut nw = m.alpha | m.digit | carry_nw;
        let mut word = m.word | carry_word;
        let mut digit = m.digit | carry_digit;
        let mut upper = m.upper;
        if !ASCII {
            (carry_word, carry_digit, carry_nw) = (0, 0, 0);
            if let Some((pos, c)) = across.take() {
                let len = c.len_utf8();
                lower_in_place(c, &mut low[pos..pos + len]);
            }
            let mut lead = m.high & !m.cont;
            let mut tally = 0u64;
            while lead != 0 {
                let p = lead.trailing_zeros() as usize;
                lead &= lead - 1;
                let pos = base + p;
                let Wide {
                    c,
                    cls,
                    lower_cls,
                    len,
                } = lower_wide(bytes, pos, low, lower2)?;
                tally += TALLY[cls as usize];
                if p + len > 64 {
                    across = Some((pos, c));
                }
                if cls & WORD != 0 {
                    // The character's bytes, in this window and past its end.
                    let ones = (1u64 << len) - 1;
                    let here = ones << p;
                    let next = if p + len > 64 { ones >> (64 - p) } else { 0 };
                    if lower_cls & WORD != 0 {
                        nw |= here;
                        carry_nw |= next;
                    }
                    if is_cjk(c) {
                        // A token of its own.
                        ntok += 1;
                        if cls & DIGIT == 0 {
                            words += 1;
                            upper_words += (cls & UPPER != 0) as u32;
                        }
                        // (From the line: a CJK character is caseless, and its bytes past the
                        // window are not lowercased yet.)
                        sw.packed += stop.spread_packed(pack8_at(bytes, pos, pos + len));
                    } else {
                        word |= here;
                        carry_word |= next;
                        if cls & DIGIT != 0 {
                            digit |= here;
                            carry_digit |= next;
                        }
                        upper |= ((cls & UPPER != 0) as u64) << p;
                    }
                }
            }
            spaces += (tally & 0xff) as u32;
            letters += (tally >> 8 & 0xff) as u32;
            digits += (tally >> 16 & 0xff) as u32;
        }
        norm_words += (nw & !(nw << 1 | nw_last)).count_ones();
        nw_last = nw >> 63;
        nws[w] = nw;
        // The open token goes on through the low run of word bits.
        if let Some((start, all_digit, up)) = open {
            let run = (!word).trailing_zeros();
            if run == 64 {
                open = Some((start, all_digit && digit == u64::MAX, up));
                word = 0;
            } else {
                let low_bits = (1u64 << run) - 1;
                let all_digit = all_digit && digit & low_bits == low_bits;
                ntok += 1;
                if !all_digit {
                    words += 1;
                    upper_words += up as u32;
                }
                sw.packed += stop_spread(stop, low, start, base + run as usize - 1);
                open = None;
                word &= !low_bits;
            }
        }
        // A run up to the window's end stays open.
        if word >> 63 != 0 {
            let s = 64 - (!word).leading_zeros();
            let top = u64::MAX << s;
            open = Some((base + s as usize, digit & top == top, upper >> s & 1 != 0));
            word &= !top;
        }
        // The runs inside the window (none reaches bit 63, so no sum below carries out).
        let starts = word & !(word << 1);
        let all_digit = ((word & digit).wrapping_add(starts) & !word).count_ones();
        let n = starts.count_ones();
        ntok += n;
        words += n - all_digit;
        upper_words += (starts & upper).count_ones();
        let (mut st, mut en) = (starts, word & !(word >> 1));
        // The window and the 16 bytes after it: with positions below 64, the compiler sees
        // that the loads of a token stay inside (no bounds checks per token).
        let win: &[u8; 80] = low[base..base + 80].try_into().expect("80 bytes");
        // (Summed in a local, which stays in a register.)
        let mut packed = 0u64;
        while st != 0 {
            let (s, last) = (st.trailing_zeros() as usize, en.trailing_zeros() as usize);
            st &= st - 1;
            en &= en - 1;
            packed += stop_spread(stop, win, s, last);
        }
        sw.packed += packed;
        // At most 64 tokens end in a window: the byte-wide counters take three.
        until_flush -= 1;
        if until_flush == 0 {
            sw.flush();
            until_flush = 3;
        }
    }
    if let Some((start, all_digit, up)) = open {
        ntok += 1;
        if !all_digit {
            words += 1;
            upper_words += up as u32;
        }
        sw.packed += stop_spread(stop, low, start, bytes.len() - 1);
    }
    let mut b = Basic {
        ntok,
        nchar: bytes.len() as u32 - conts,
        hash: hash_lower(&sc.lower[..bytes.len()]),
        stop_by_lang: sw.finish(),
        ..Basic::default()
    };
    let nonspace = b.nchar - spaces;
    let hint = kernel.may_hint_lowered(&sc.lower, bytes.len());
    finish(
        l,
        &mut b,
        [letters, digits, nonspace, words, upper_words, commas],
        hint,
    );
    let cap = if b.ntok as usize <= chrome.max_guard {
        usize::MAX
    } else if norm_words as usize <= chrome.max_exact_words + 1 {
        // Too many tokens for anything but an exact phrase (a long CJK line, few words): a
        // normal form longer than every exact phrase matches none, and is not built in full.
        chrome.max_exact_len
    } else {
        return Some(b);
    };
    if let Some((n, words)) = norm_runs_into(
        &sc.lower,
        bytes.len(),
        &sc.nw,
        (&mut sc.norm_bytes, &mut sc.starts),
        cap,
    ) {
        // Runs of whole characters of a valid line, and spaces: valid UTF-8.
        (b.chrome, b.tail, b.weak) =
            chrome.matches_weak_bytes(&sc.norm_bytes[..n], &sc.starts[..words], b.ntok as usize);
    }
    Some(b)
}

/// [`norm_phrase_into`] of a line given lowercased (`lowered[..len]`, whose characters'
/// lowercase are all of the same length; `lowered` holds at least 8 bytes more) from `nw`, its
/// bit masks (one per 64 bytes) of the bytes of word characters other than `_` after
/// lowercasing: their runs joined by one space, into the first bytes of `out`, whose number is
/// returned with the number of runs, and where each run starts in it into the first bytes of
/// `starts` (as [`word_starts_into`] finds them); `None` when it would be more than `cap` (and
/// `out` and `starts` are then unspecified).
#[inline(always)]
fn norm_runs_into(
    lowered: &[u8],
    len: usize,
    nw: &[u64],
    (out, starts): (&mut Vec<u8>, &mut Vec<u32>),
    cap: usize,
) -> Option<(usize, usize)> {
    // Runs are copied 8 bytes at a time into a buffer 8 bytes longer than any normal form
    // (each space stands for at least one byte of the line); what lies past the returned
    // length is left over.
    if out.len() < len + 8 {
        out.resize(len + 8, 0);
    }
    // (At most one run per two bytes, and one more.)
    if starts.len() < len / 2 + 1 {
        starts.resize(len / 2 + 1, 0);
    }
    let (mut wp, mut words) = (0, 0);
    // (A function, not a closure: the closure was not inlined.)
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn push_run(
        lowered: &[u8],
        out: &mut [u8],
        starts: &mut [u32],
        wp: &mut usize,
        words: &mut usize,
        cap: usize,
        s: usize,
        e: usize,
    ) -> bool {
        if *wp > 0 {
            out[*wp] = b' ';
            *wp += 1;
        }
        starts[*words] = *wp as u32;
        *words += 1;
        let mut k = 0;
        while k < e - s {
            out[*wp + k..*wp + k + 8].copy_from_slice(&lowered[s + k..s + k + 8]);
            k += 8;
        }
        *wp += e - s;
        *wp <= cap
    }
    let mut push =
        |s: usize, e: usize| push_run(lowered, out, starts, &mut wp, &mut words, cap, s, e);
    let mut open: Option<usize> = None;
    let mut fits = true;
    'windows: for (w, &m) in nw.iter().enumerate() {
        let base = 64 * w;
        let mut m = m;
        if let Some(s) = open {
            let run = (!m).trailing_zeros();
            if run == 64 {
                continue;
            }
            open = None;
            if !push(s, base + run as usize) {
                fits = false;
                break 'windows;
            }
            m &= !((1u64 << run) - 1);
        }
        while m != 0 {
            let s = m.trailing_zeros();
            let run = (!(m >> s)).trailing_zeros();
            if s + run == 64 {
                open = Some(base + s as usize);
                break;
            }
            if !push(base + s as usize, base + (s + run) as usize) {
                fits = false;
                break 'windows;
            }
            m &= !((u64::MAX >> (64 - run)) << s);
        }
    }
    if let Some(s) = open {
        fits = fits && push(s, len);
    }
    fits.then_some((wp, words))
}

/// [`line_basic_windows`] on this CPU: where it has AVX2 (and POPCNT, BMI1, BMI2 and LZCNT,
/// which CPUs with AVX2 have), compiled for them ([`line_basic_windows_avx2`]).
#[inline(always)]
fn line_basic_windows_here<const ASCII: bool>(
    l: &str,
    chrome: &Chrome,
    stop: &Stopwords,
    sc: &mut LineScratch,
) -> Option<Basic> {
    #[cfg(target_arch = "x86_64")]
    if *AVX2_AND_BITS {
        // SAFETY: the CPU has these features (`AVX2_AND_BITS` checked them).
        return unsafe {
            line_basic_windows_avx2::<ASCII>(MaskKernel { avx2: true }, l, chrome, stop, sc)
        };
    }
    line_basic_windows::<ASCII>(MaskKernel::detect(), l, chrome, stop, sc)
}

/// Whether the CPU has AVX2, POPCNT, BMI1, BMI2 and LZCNT ([`line_basic_windows_avx2`]), asked
/// once: one load per line instead of six feature checks.
#[cfg(target_arch = "x86_64")]
static AVX2_AND_BITS: LazyLock<bool> = LazyLock::new(|| {
    std::arch::is_x86_feature_detected!("avx2")
        && std::arch::is_x86_feature_detected!("popcnt")
        && std::arch::is_x86_feature_detected!("bmi1")
        && std::arch::is_x86_feature_detected!("bmi2")
        && std::arch::is_x86_feature_detected!("lzcnt")
});

/// [`line_basic_windows`] compiled for CPUs with AVX2: a popcount, a bit scan or a variable
/// shift is one instruction (without POPCNT, each of the dozen popcounts per window takes 15),
/// and the AVX2 kernel is inlined.
///
/// # Safety
///
/// The CPU must support AVX2, POPCNT, BMI1, BMI2 and LZCNT.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,popcnt,bmi1,bmi2,lzcnt")]
unsafe fn line_basic_windows_avx2<const ASCII: bool>(
    kernel: MaskKernel,
    l: &str,
    chrome: &Chrome,
    stop: &Stopwords,
    sc: &mut LineScratch,
) -> Option<Basic> {
    line_basic_windows::<ASCII>(kernel, l, chrome, stop, sc)
}

/// [`line_basic_windows`] with the SSE2 kernel and no other CPU feature, for tests.
#[cfg(all(test, target_arch = "x86_64"))]
pub(super) fn line_basic_sse2(
    l: &str,
    chrome: &Chrome,
    stop: &Stopwords,
    sc: &mut LineScratch,
) -> Option<Basic> {
    let kernel = MaskKernel { avx2: false };
    if l.is_ascii() {
        line_basic_windows::<true>(kernel, l, chrome, stop, sc)
    } else {
        line_basic_windows::<false>(kernel, l, chrome, stop, sc)
    }
}

/// [`line_basic`] for an ASCII line ([`line_basic_windows`]).
///
/// Not inlined (nor [`line_basic_mixed`]): a line takes thousands of instructions, and
/// inlined into the caller their code changed with unrelated edits.
#[inline(never)]
fn line_basic_ascii(l: &str, chrome: &Chrome, stop: &Stopwords, sc: &mut LineScratch) -> Basic {
    // An ASCII character lowercases to one ASCII character: never `None`.
    line_basic_windows_here::<true>(l, chrome, stop, sc)
        .unwrap_or_else(|| line_basic_any(l, chrome, stop, sc))
}

/// [`line_basic`] for a line with non-ASCII characters ([`line_basic_windows`]); `None` when
/// a character's lowercase is not one character of the same UTF-8 length.
#[inline(never)]
pub(super) fn line_basic_mixed(
    l: &str,
    chrome: &Chrome,
    stop: &Stopwords,
    sc: &mut LineScratch,
) -> Option<Basic> {
    line_basic_windows_here::<false>(l, chrome, stop, sc)
}

/// Whether two lines are equal after lowercasing (verifies a hash match).
pub(super) fn eq_lower(a: &str, b: &str) -> bool {
    // Equal bytes are equal lowercased; ASCII lines lowercase byte by byte.
    if a == b {
        return true;
    }
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

/// The tokens of a line (`\w+` runs, a CJK character alone), for tests.
#[cfg(test)]
pub(super) fn tokens(l: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = None;
    for (pos, c) in l.char_indices() {
        if class(c) & WORD != 0 && is_cjk(c) {
            if let Some(s) = start.take() {
                out.push(&l[s..pos]);
            }
            out.push(&l[pos..pos + c.len_utf8()]);
        } else if class(c) & WORD != 0 {
            start.get_or_insert(pos);
        } else if let Some(s) = start.take() {
            out.push(&l[s..pos]);
        }
    }
    if let Some(s) = start {
        out.push(&l[s..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::tests::chrome_sample_lines;
    use super::super::{Alternation, Detector, WordGate, word_starts_into};

    /// The unanchored alternations of the built-in chrome regexes (one per list).
    fn unanchored(d: &Detector) -> Vec<&Alternation> {
        [&d.chrome.regex_any, &d.chrome.tail_regex_any]
            .into_iter()
            .flatten()
            .flatten()
            .filter(|a| a.start.is_none())
            .collect()
    }

    /// [`WordGate::allows`] the simple way: the words after the line's start and after each
    /// space, compared byte by byte with each beginning.
    fn allows_simply(g: &WordGate, n: &[u8]) -> bool {
        let starts = (0..n.len()).filter(|&p| p == 0 || n[p - 1] == b' ');
        starts.into_iter().any(|p| {
            g.keys.iter().any(|&(mask, value)| {
                let k = (mask.count_ones() / 8) as usize;
                mask != 0 && n[p..].starts_with(&value.to_le_bytes()[..k])
            })
        })
    }

    #[test]
    fn word_gates_agree_with_the_simple_check_and_never_turn_a_match_away() {
        let d = Detector::builtin().unwrap();
        let alts = unanchored(&d);
        // Both lists have an unanchored alternation, and each has a gate.
        assert_eq!(alts.len(), 2);
        let mut lines = chrome_sample_lines(&d.chrome);
        // Each line also after a word of every length from 0 to 9 (the words cross the 8-byte
        // steps of the space search at every offset), and cut after each of its bytes.
        // (Only ASCII lines meet the alternations.)
        lines.retain(|n| n.is_ascii());
        let mut more = Vec::new();
        for n in &lines {
            for k in 0..10 {
                more.push(format!("{} {n}", "w".repeat(k)));
            }
            for cut in 0..n.len() {
                more.push(n[..cut].to_string());
            }
        }
        lines.extend(more);
        let (mut passed, mut turned) = (0, 0);
        for a in &alts {
            let g = a.words.as_ref().expect("a word gate");
            for n in &lines {
                let n = n.as_bytes();
                let mut starts = Vec::new();
                word_starts_into(n, &mut starts);
                let allows = g.allows(n, &starts);
                assert_eq!(
                    allows,
                    allows_simply(g, n),
                    "{:?}",
                    String::from_utf8_lossy(n)
                );
                assert!(
                    allows || !a.re.is_match(n),
                    "{:?}",
                    String::from_utf8_lossy(n)
                );
                passed += a.re.is_match(n) as usize;
                turned += !allows as usize;
            }
        }
        assert!(passed > 100, "{passed}");
        assert!(turned > 1000, "{turned}");
    }

    #[test]
    fn the_window_walk_finds_the_word_starts_of_the_normalized_line() {
        let d = Detector::builtin().unwrap();
        let mut sc = super::LineScratch::default();
        let mut norm = String::new();
        let mut want = Vec::new();
        let mut seen = 0;
        for l in [
            "Leave a comment",
            "  Related:  stories -- here ",
            "a_b c__d _e_ f",
            "Été – à la une, l'été ça va",
            "x",
            "Share: Facebook | Twitter | Email",
            "word ".repeat(14).as_str(),
            &format!("{} {}", "long".repeat(20), "tail".repeat(9)),
        ] {
            let b = super::line_basic(l, &d.chrome, &d.stop, &mut sc);
            assert!(b.ntok as usize <= d.chrome.max_guard, "{l}");
            super::norm_phrase_into(l, &mut norm);
            word_starts_into(norm.as_bytes(), &mut want);
            assert_eq!(sc.starts[..want.len()], want, "{l}");
            seen += want.len();
        }
        assert!(seen > 30, "{seen}");
    }

    #[test]
    fn py_strip_agrees_with_stripping_character_by_character() {
        fn slow(s: &str) -> &str {
            s.trim_matches(|c| super::class(c) & super::SPACE != 0)
        }
        let mut fast_taken = 0;
        for u in 0..0x11_0000u32 {
            let Some(c) = char::from_u32(u) else {
                continue;
            };
            for l in [
                format!("{c}"),
                format!("x{c}"),
                format!("{c}x"),
                format!("{c} x {c}"),
            ] {
                let got = super::py_strip(&l);
                assert_eq!(got, slow(&l), "U+{u:04X}");
                fast_taken += (got.len() == l.len()) as usize;
            }
        }
        assert!(fast_taken > 1_000_000, "{fast_taken}");
        for l in ["", " ", "\u{a0}a\u{3000}", "“Quoted.”", "tab\t", "\u{2003}"] {
            assert_eq!(super::py_strip(l), slow(l), "{l:?}");
        }
    }

    #[test]
    fn word_gates_need_a_word_boundary_before_a_word_character() {
        let gate = |r: &str| {
            let hir = regex_syntax::ParserBuilder::new()
                .unicode(false)
                .utf8(false)
                .build()
                .parse(r)
                .unwrap();
            WordGate::keys_of(&hir)
        };
        assert!(gate(r"\ball rights\b").is_some());
        assert!(gate(r"\b(leave|post) a comment").is_some());
        // Matches that may begin inside a word, with a space, or with anything.
        assert!(gate("all rights").is_none());
        assert!(gate(r"\b all").is_none());
        assert!(gate(r"\b\w+ comments").is_none());
        assert!(gate(r"(\ball|rights)").is_none());
    }
}
