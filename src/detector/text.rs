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
use super::{Chrome, Stopwords, pack8, pack8_at};

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
    // Fast path (run on every alive line in every round): a line whose first and last bytes are
    // ASCII and not spaces strips to itself, with no UTF-8 decoding.
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (None, _) => s,
        (Some(&a), Some(&z)) if a < 0x80 && z < 0x80 && !ascii_space(a) && !ascii_space(z) => s,
        _ => s.trim_matches(|c| class(c) & SPACE != 0),
    }
}

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
    norm: String,
}

impl LineScratch {
    /// Bytes held by the buffers.
    pub(super) fn capacity(&self) -> usize {
        self.lower.capacity() + self.norm.capacity()
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
fn is_bullet(l: &str) -> bool {
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
static BYTE_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 128 {
        t[c] = lookup_runs(c as u32);
        c += 1;
    }
    t
};

/// The ASCII lowercase of 8 packed bytes, other bytes unchanged (SWAR).
#[inline]
fn ascii_lower8(x: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    // High bit set for bytes >= 'A' (0x41), and for bytes > 'Z' (0x5a), computed on the low 7
    // bits (no carry between bytes); bytes >= 0x80 are left alone.
    let x7 = x & (0x7f * ONES);
    let ge_a = x7.wrapping_add(0x3f * ONES);
    let gt_z = x7.wrapping_add(0x25 * ONES);
    x | ((ge_a & !gt_z & !x & (0x80 * ONES)) >> 2)
}

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

/// [`hash_lower`] of an ASCII line's lowercase, without a lowercased copy.
pub(super) fn hash_ascii_lower(bytes: &[u8]) -> u64 {
    let mut h = FxHasher::default();
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        h.write_u64(ascii_lower8(u64::from_le_bytes(
            c.try_into().expect("8 bytes"),
        )));
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        h.write_u64(ascii_lower8(pack8(rest)));
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
    );
    if b.ntok as usize <= chrome.max_guard || norm_words as usize <= chrome.max_exact_words + 1 {
        norm_lowered_into(low, &mut sc.norm, usize::MAX);
        (b.chrome, b.tail, b.weak) = chrome.matches_weak(&sc.norm, b.ntok as usize);
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

/// Per language mask, one byte per language holding its bit (`SPREAD[m]` byte `k` is bit `k`
/// of `m`).
static SPREAD: [u64; 256] = {
    let mut t = [0u64; 256];
    let mut m = 0;
    while m < 256 {
        let mut k = 0;
        while k < 8 {
            t[m] |= (((m >> k) & 1) as u64) << (8 * k);
            k += 1;
        }
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
/// `[letters, digits, nonspace, words, upper_words, commas]`.
fn finish(
    l: &str,
    b: &mut Basic,
    [letters, digits, nonspace, words, upper_words, commas]: [u32; 6],
) {
    let t = l.trim_end_matches(|c| class(c) & SPACE != 0);
    let t = t.trim_end_matches(CLOSERS);
    let last = t.chars().next_back();
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
    let by = l.as_bytes();
    if may_be_url_or_pipe(by) {
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
    use std::arch::x86_64::{
        __m256i, _mm256_and_si256, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_movemask_epi8,
        _mm256_or_si256, _mm256_set1_epi8,
    };
    // Whether any of positions `i..i + 32` of `w` starts a hint (`w` holds 33 bytes from `i`).
    let step = |w: &[u8; 33]| {
        // SAFETY: both loads read 32 bytes inside `w` and need no alignment.
        let (v0, v1) = unsafe {
            (
                _mm256_loadu_si256(w.as_ptr().cast::<__m256i>()),
                _mm256_loadu_si256(w.as_ptr().add(1).cast::<__m256i>()),
            )
        };
        let eq = |v: __m256i, c: u8| _mm256_cmpeq_epi8(v, _mm256_set1_epi8(c as i8));
        let pair = |a: u8, b: u8| _mm256_and_si256(eq(v0, a), eq(v1, b));
        let one = _mm256_or_si256(eq(v0, b'@'), eq(v0, b'|'));
        let two = _mm256_or_si256(
            _mm256_or_si256(pair(b't', b'p'), pair(b'w', b'w')),
            _mm256_or_si256(pair(0xc2, 0xb7), pair(0x80, 0xa2)),
        );
        _mm256_movemask_epi8(_mm256_or_si256(one, two)) != 0
    };
    any_window(by, step)
}

/// [`may_be_url_or_pipe`] 16 positions at a time with SSE2 (which every x86_64 CPU has): each
/// byte compared at once with the single bytes and the first bytes of the pairs, and the byte
/// after it with their second bytes.
#[cfg(target_arch = "x86_64")]
pub(super) fn hint_bytes_sse2(by: &[u8]) -> bool {
    use std::arch::x86_64::{
        __m128i, _mm_and_si128, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8,
    };
    // Whether any of positions `i..i + 16` of `w` starts a hint (`w` holds 17 bytes from `i`).
    let step = |w: &[u8; 17]| {
        // SAFETY: SSE2 is part of the x86_64 baseline; both loads read 16 bytes inside `w` and
        // need no alignment.
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
    };
    any_window(by, step)
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
/// classes of ASCII bytes: a word character, a digit, a letter, a space, a comma; and a UTF-8
/// continuation byte; a byte of a non-ASCII character (from 0x80). Bytes of non-ASCII
/// characters are none of the first five.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Masks {
    pub word: u64,
    pub digit: u64,
    pub alpha: u64,
    pub space: u64,
    pub comma: u64,
    pub cont: u64,
    pub high: u64,
}

/// [`Masks`] of `chunk` (at most 64 bytes), one table load per byte.
#[cfg(any(test, not(target_arch = "x86_64")))]
pub(super) fn masks_scalar(chunk: &[u8]) -> Masks {
    let mut m = Masks::default();
    for (i, &c) in chunk.iter().enumerate().take(64) {
        let cls = BYTE_CLASS[c as usize];
        let bit = |yes: bool| (yes as u64) << i;
        m.word |= bit(cls & WORD != 0);
        m.digit |= bit(cls & DIGIT != 0);
        m.alpha |= bit(cls & ALPHA != 0);
        m.space |= bit(cls & SPACE != 0);
        m.comma |= bit(c == b',');
        m.cont |= bit(c & 0xc0 == 0x80);
        m.high |= bit(c >= 0x80);
    }
    m
}

/// The [`Masks`] kernel of this CPU: the CPU is asked once per line, not once per 64-byte
/// window.
#[derive(Debug, Clone, Copy)]
pub(super) struct MaskKernel {
    /// Whether the CPU has AVX2 (set only by [`MaskKernel::detect`]).
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
    /// (which every x86_64 CPU has). The ASCII classes are ranges: letters `A-Z a-z`, digits
    /// `0-9`, word characters those and `_`, spaces `\t-\r`, `\x1c-\x1f` and ` ` (checked
    /// against the table by a test).
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    pub(super) fn masks(self, chunk: &[u8]) -> Masks {
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
            unsafe { masks_avx2(window) }
        } else {
            masks_sse2(window)
        }
    }

    /// [`Masks`] of `chunk` (at most 64 bytes).
    #[cfg(not(target_arch = "x86_64"))]
    #[inline(always)]
    pub(super) fn masks(self, chunk: &[u8]) -> Masks {
        masks_scalar(chunk)
    }
}

/// [`MaskKernel::masks`] of a whole window with SSE2.
#[cfg(target_arch = "x86_64")]
pub(super) fn masks_sse2(window: &[u8; 64]) -> Masks {
    use std::arch::x86_64::{
        __m128i, _mm_and_si128, _mm_cmpeq_epi8, _mm_cmpgt_epi8, _mm_cmplt_epi8, _mm_loadu_si128,
        _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    let mut m = Masks::default();
    for (k, part) in window.chunks_exact(16).enumerate() {
        // SAFETY: SSE2 is part of the x86_64 baseline; the load reads the 16 bytes of `part`
        // and needs no alignment. The compares are signed: bytes from 0x80 are negative, so no
        // ASCII range below takes them.
        let (word, digit, alpha, space, comma, cont, high) = unsafe {
            let v = _mm_loadu_si128(part.as_ptr().cast::<__m128i>());
            let set = |c: u8| _mm_set1_epi8(c as i8);
            let within = |v: __m128i, lo: u8, hi: u8| {
                _mm_and_si128(
                    _mm_cmpgt_epi8(v, set(lo - 1)),
                    _mm_cmplt_epi8(v, set(hi + 1)),
                )
            };
            let alpha = within(_mm_or_si128(v, set(0x20)), b'a', b'z');
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
        m.space |= space << sh;
        m.comma |= comma << sh;
        m.cont |= cont << sh;
        m.high |= high << sh;
    }
    m
}

/// [`MaskKernel::masks`] of a whole window, 32 bytes at a time with AVX2 (the same compares).
///
/// # Safety
///
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
pub(super) unsafe fn masks_avx2(window: &[u8; 64]) -> Masks {
    use std::arch::x86_64::{
        __m256i, _mm256_and_si256, _mm256_cmpeq_epi8, _mm256_cmpgt_epi8, _mm256_loadu_si256,
        _mm256_movemask_epi8, _mm256_or_si256, _mm256_set1_epi8,
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
    for (k, part) in window.chunks_exact(32).enumerate() {
        // SAFETY: the load reads the 32 bytes of `part` and needs no alignment.
        let v = unsafe { _mm256_loadu_si256(part.as_ptr().cast::<__m256i>()) };
        let alpha = within!(_mm256_or_si256(v, _mm256_set1_epi8(0x20)), b'a', b'z');
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
        m.space |= mask!(space) << sh;
        m.comma |= mask!(eq!(v, b',')) << sh;
        m.cont |= mask!(cont) << sh;
        m.high |= mask!(v) << sh;
    }
    m
}

/// The token counts of [`line_basic_ascii`] and [`line_basic_mixed`].
#[derive(Default)]
struct Tokens {
    ntok: u32,
    words: u32,
    upper_words: u32,
    sw: StopCount,
}

impl Tokens {
    /// Count one token, and a word (not all digits) with whether it starts uppercase.
    #[inline(always)]
    fn count(&mut self, all_digit: bool, upper: impl FnOnce() -> bool) {
        self.ntok += 1;
        if !all_digit {
            self.words += 1;
            self.upper_words += upper() as u32;
        }
    }

    /// Count the token `bytes[start..end]` (ASCII word characters).
    #[inline(always)]
    fn add_ascii(
        &mut self,
        bytes: &[u8],
        start: usize,
        end: usize,
        all_digit: bool,
        stop: &Stopwords,
    ) {
        self.count(all_digit, || BYTE_CLASS[bytes[start] as usize] & UPPER != 0);
        let tok = &bytes[start..end];
        if tok.len() <= 8 {
            self.sw
                .add(stop.mask_packed(ascii_lower8(pack8_at(bytes, start, end))));
        } else if tok.len() <= 16 {
            let lo = ascii_lower8(pack8_at(bytes, start, start + 8));
            let hi = ascii_lower8(pack8_at(bytes, start + 8, end));
            self.sw.add(stop.mask_mid(lo, hi));
        } else if tok.len() <= stop.max_len {
            let mut low = [0u8; 64];
            let low = &mut low[..tok.len()];
            low.copy_from_slice(tok);
            low.make_ascii_lowercase();
            self.sw.add(stop.mask(low));
        }
    }

    /// Count the token `low[start..end]` (lowercased) whose first character has the classes
    /// `first`.
    #[inline(always)]
    fn add_lowered(
        &mut self,
        low: &[u8],
        start: usize,
        end: usize,
        all_digit: bool,
        first: u8,
        stop: &Stopwords,
    ) {
        self.count(all_digit, || first & UPPER != 0);
        let n = end - start;
        let mask = if n <= 8 {
            stop.mask_packed(pack8_at(low, start, end))
        } else if n <= stop.max_len {
            stop.mask(&low[start..end])
        } else {
            0
        };
        self.sw.add(mask);
    }

    /// Write the counts into `b`, with the fields [`finish`] derives from them. `counts` are
    /// the line's `[letters, digits, spaces, commas, continuation bytes]`.
    #[inline(always)]
    fn write(self, l: &str, b: &mut Basic, hash: u64, counts: [u32; 5]) {
        let [letters, digits, spaces, commas, conts] = counts;
        b.ntok = self.ntok;
        b.nchar = l.len() as u32 - conts;
        b.hash = hash;
        b.stop_by_lang = self.sw.finish();
        let nonspace = b.nchar - spaces;
        finish(
            l,
            b,
            [
                letters,
                digits,
                nonspace,
                self.words,
                self.upper_words,
                commas,
            ],
        );
    }
}

/// The tokens of one 64-byte window of a line (`word` and `digit` bits; the window starts at
/// byte `base`): each token that ends in it goes to `emit` as `(start, end, all_digit)`. A token
/// running on from the window before is `open`; a token still running at its end is returned.
#[inline(always)]
fn window_tokens(
    mut word: u64,
    digit: u64,
    base: usize,
    open: Option<(usize, bool)>,
    mut emit: impl FnMut(usize, usize, bool),
) -> Option<(usize, bool)> {
    if let Some((start, all_digit)) = open {
        // The token goes on through the low run of word bits.
        let run = (!word).trailing_zeros();
        let low = if run == 64 {
            u64::MAX
        } else {
            (1u64 << run) - 1
        };
        let all_digit = all_digit && digit & low == low;
        if run == 64 {
            return Some((start, all_digit));
        }
        emit(start, base + run as usize, all_digit);
        word &= !low;
    }
    while word != 0 {
        let s = word.trailing_zeros();
        let run = (!(word >> s)).trailing_zeros();
        let e = s + run;
        // `run` is 1 to 64 (bit `s` is set).
        let span = (u64::MAX >> (64 - run)) << s;
        let all_digit = digit & span == span;
        if e == 64 {
            return Some((base + s as usize, all_digit));
        }
        emit(base + s as usize, base + e as usize, all_digit);
        word &= !span;
    }
    None
}

/// [`line_basic`] for an ASCII line: tokens, letters and digits are all ASCII, so the line is classified 64 bytes at a time into bit masks ([`MaskKernel::masks`]); the
/// counts are their popcounts, and each token a run of word bits.
#[inline(never)]
fn line_basic_ascii(l: &str, chrome: &Chrome, stop: &Stopwords, sc: &mut LineScratch) -> Basic {
    let bytes = l.as_bytes();
    let mut b = Basic::default();
    let (mut spaces, mut letters, mut digits, mut commas, mut conts) =
        (0u32, 0u32, 0u32, 0u32, 0u32);
    let mut toks = Tokens::default();
    // The open token: its start and whether it is all digits so far.
    let mut open: Option<(usize, bool)> = None;
    // Bytes that are word characters but neither letters nor digits: `_` (no second pass over
    // the line to look for one).
    let mut underscores = 0u64;
    let kernel = MaskKernel::detect();
    for (w, chunk) in bytes.chunks(64).enumerate() {
        let base = 64 * w;
        let m = kernel.masks(chunk);
        underscores |= m.word & !(m.alpha | m.digit);
        spaces += m.space.count_ones();
        letters += m.alpha.count_ones();
        digits += m.digit.count_ones();
        commas += m.comma.count_ones();
        conts += m.cont.count_ones();
        open = window_tokens(
            m.word,
            m.digit,
            base,
            open,
            #[inline(always)]
            |start, end, all_digit| toks.add_ascii(bytes, start, end, all_digit, stop),
        );
    }
    if let Some((start, all_digit)) = open {
        toks.add_ascii(bytes, start, bytes.len(), all_digit, stop);
    }
    let counts = [letters, digits, spaces, commas, conts];
    toks.write(l, &mut b, hash_ascii_lower(bytes), counts);
    let guard = b.ntok as usize <= chrome.max_guard || {
        // An ASCII token without `_` is one word of the normalized line.
        let norm_words = if underscores != 0 {
            count_norm_words(bytes)
        } else {
            b.ntok as usize
        };
        norm_words <= chrome.max_exact_words + 1
    };
    if guard {
        norm_ascii(bytes, &mut sc.norm);
        (b.chrome, b.tail, b.weak) = chrome.matches_weak(&sc.norm, b.ntok as usize);
    }
    b
}

/// The Python classes of the character starting at byte `pos` of `bytes` (valid UTF-8).
#[inline(always)]
fn class_at(bytes: &[u8], pos: usize) -> u8 {
    match bytes[pos] {
        b @ 0..0x80 => BYTE_CLASS[b as usize],
        _ => char_at_bytes(bytes, pos).1,
    }
}

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

/// [`line_basic_any`] for a line with non-ASCII characters (curly quotes and dashes, accented
/// letters, other scripts), the [`line_basic_ascii`] way: the ASCII bytes are classified 64 at
/// a time into bit masks, and each other character is decoded once and added to them (all its
/// bytes marked as a word character or a digit, by its Python classes), or counted as a
/// token of its own (a CJK character). `None` when a character's lowercase is not one
/// character of the same UTF-8 length (`İ`): the lowercased line would not line up with the
/// line, and [`line_basic_any`] takes it.
///
/// The token order differs from [`line_basic_any`] (a CJK character is counted when it is
/// met), which changes no count.
#[inline(never)]
pub(super) fn line_basic_mixed(
    l: &str,
    chrome: &Chrome,
    stop: &Stopwords,
    sc: &mut LineScratch,
) -> Option<Basic> {
    let bytes = l.as_bytes();
    // The lowercased line, byte for byte aligned with the line.
    let low = &mut sc.lower;
    low.clear();
    low.extend_from_slice(bytes);
    low.make_ascii_lowercase();
    let mut b = Basic::default();
    let (mut spaces, mut letters, mut digits, mut commas, mut conts) =
        (0u32, 0u32, 0u32, 0u32, 0u32);
    let mut toks = Tokens::default();
    // The open token: its start and whether it is all digits so far.
    let mut open: Option<(usize, bool)> = None;
    // The bits of a character across the end of a window, for the next window: word (not
    // CJK), digit, and word of the normalized line.
    let (mut carry_word, mut carry_digit, mut carry_nw) = (0u64, 0u64, 0u64);
    // Runs of word characters other than `_`: the words of the normalized line.
    let mut norm_words = 0u32;
    let mut nw_last = 0u64;
    let kernel = MaskKernel::detect();
    for (w, chunk) in bytes.chunks(64).enumerate() {
        let base = 64 * w;
        let mut m = kernel.masks(chunk);
        spaces += m.space.count_ones();
        letters += m.alpha.count_ones();
        digits += m.digit.count_ones();
        commas += m.comma.count_ones();
        conts += m.cont.count_ones();
        // ASCII word characters other than `_` are the letters and the digits.
        let mut nw = m.alpha | m.digit | carry_nw;
        m.word |= carry_word;
        m.digit |= carry_digit;
        (carry_word, carry_digit, carry_nw) = (0, 0, 0);
        let mut lead = m.high & !m.cont;
        while lead != 0 {
            let p = lead.trailing_zeros() as usize;
            lead &= lead - 1;
            let pos = base + p;
            let (c, cls, len) = char_at_bytes(bytes, pos);
            if !lower_in_place(c, &mut low[pos..pos + len]) {
                return None;
            }
            if cls & SPACE != 0 {
                spaces += 1;
            } else if cls & ALPHA != 0 {
                letters += 1;
            } else if cls & DIGIT != 0 {
                digits += 1;
            }
            if cls & WORD != 0 {
                // The character's bytes, in this window and past its end.
                let ones = (1u64 << len) - 1;
                let here = ones << p;
                let next = if p + len > 64 { ones >> (64 - p) } else { 0 };
                nw |= here;
                carry_nw |= next;
                if is_cjk(c) {
                    toks.add_lowered(low, pos, pos + len, cls & DIGIT != 0, cls, stop);
                } else {
                    m.word |= here;
                    carry_word |= next;
                    if cls & DIGIT != 0 {
                        m.digit |= here;
                        carry_digit |= next;
                    }
                }
            }
        }
        norm_words += (nw & !(nw << 1 | nw_last)).count_ones();
        nw_last = nw >> 63;
        open = window_tokens(
            m.word,
            m.digit,
            base,
            open,
            #[inline(always)]
            |start, end, all_digit| {
                toks.add_lowered(low, start, end, all_digit, class_at(bytes, start), stop)
            },
        );
    }
    if let Some((start, all_digit)) = open {
        toks.add_lowered(
            low,
            start,
            bytes.len(),
            all_digit,
            class_at(bytes, start),
            stop,
        );
    }
    let counts = [letters, digits, spaces, commas, conts];
    toks.write(l, &mut b, hash_lower(low), counts);
    if b.ntok as usize <= chrome.max_guard {
        norm_lowered_into(low, &mut sc.norm, usize::MAX);
        (b.chrome, b.tail, b.weak) = chrome.matches_weak(&sc.norm, b.ntok as usize);
    } else if norm_words as usize <= chrome.max_exact_words + 1 {
        // Too many tokens for anything but an exact phrase (a long CJK line, few words): a
        // normal form longer than every exact phrase matches none, and is not built in full.
        if norm_lowered_into(low, &mut sc.norm, chrome.max_exact_len) {
            (b.chrome, b.tail, b.weak) = chrome.matches_weak(&sc.norm, b.ntok as usize);
        }
    }
    Some(b)
}

/// Runs of ASCII letters and digits (word characters other than `_`).
fn count_norm_words(bytes: &[u8]) -> usize {
    let mut n = 0;
    let mut prev = false;
    for &c in bytes {
        let nw = c.is_ascii_alphanumeric();
        n += (nw && !prev) as usize;
        prev = nw;
    }
    n
}

/// [`norm_phrase_into`] for an ASCII line: runs of letters and digits, lowercased, joined by
/// one space.
fn norm_ascii(line: &[u8], out: &mut String) {
    out.clear();
    let mut gap = false;
    for &c in line {
        if c.is_ascii_alphanumeric() {
            if gap && !out.is_empty() {
                out.push(' ');
            }
            gap = false;
            out.push(c.to_ascii_lowercase() as char);
        } else {
            gap = true;
        }
    }
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
