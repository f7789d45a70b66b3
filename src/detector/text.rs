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

use super::pyclass::RUNS;
use super::{Chrome, Stopwords};

pub(super) const WORD: u8 = 1;
pub(super) const ALPHA: u8 = 2;
pub(super) const DIGIT: u8 = 4;
pub(super) const DECIMAL: u8 = 8;
pub(super) const UPPER: u8 = 16;
pub(super) const SPACE: u8 = 32;

const fn lookup_runs(c: u32) -> u8 {
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

/// Python's character classes of `c` (bits above).
#[inline]
pub(super) fn class(c: char) -> u8 {
    let u = c as u32;
    if (u as usize) < LOW_LEN {
        LOW[u as usize]
    } else {
        lookup_runs(u)
    }
}

/// The character at byte `pos` of `s` (a char boundary), its classes and its length in bytes.
///
/// Fast path: news text is mostly ASCII, and an ASCII byte is a whole character whose classes
/// are one table load; only other bytes go through UTF-8 decoding.
#[inline(always)]
fn char_at(s: &str, pos: usize) -> (char, u8, usize) {
    let b = s.as_bytes()[pos];
    if b < 0x80 {
        return (b as char, LOW[b as usize], 1);
    }
    let c = s[pos..].chars().next().expect("pos is a char boundary");
    (c, class(c), c.len_utf8())
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
#[derive(Debug, Clone, Copy, Default)]
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
    lower: String,
    norm: String,
}

pub(super) const CLOSERS: [char; 11] = ['"', '\'', '”', '’', '»', ')', ']', '*', '」', '』', '）'];
const BULLETS: [char; 17] = [
    '•', '·', '-', '*', '–', '—', '▪', '►', '◦', '●', '○', '■', '□', '✓', '✔', '→', '>',
];

const K: u64 = 0x517c_c1b7_2722_0a95;

#[inline]
fn mix(h: u64, x: u64) -> u64 {
    (h.rotate_left(5) ^ x).wrapping_mul(K)
}

/// Han ideographs and kana: CJK text has no spaces between words, so each of these word
/// characters is a token on its own (detector.py `CJK`).
#[inline]
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
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

/// The lowercase of a token into `buf` (Python `str.lower`, without the final-sigma rule).
fn lower_into<'b>(
    tok: &str,
    ascii: bool,
    stack: &'b mut [u8; 64],
    buf: &'b mut String,
) -> &'b [u8] {
    if ascii && tok.len() <= stack.len() {
        let b = &mut stack[..tok.len()];
        b.copy_from_slice(tok.as_bytes());
        b.make_ascii_lowercase();
        b
    } else {
        buf.clear();
        for c in tok.chars() {
            buf.extend(c.to_lowercase());
        }
        buf.as_bytes()
    }
}

/// The chrome list's normal form of a line into `out`: lowercase, every run of non-word
/// characters or `_` becomes one space, trimmed (detector.py `norm_phrase`).
pub(super) fn norm_phrase_into(s: &str, out: &mut String) {
    out.clear();
    let mut gap = false;
    for c in s.chars() {
        for lc in c.to_lowercase() {
            if class(lc) & WORD != 0 && lc != '_' {
                if gap && !out.is_empty() {
                    out.push(' ');
                }
                gap = false;
                out.push(lc);
            } else {
                gap = true;
            }
        }
    }
}

/// The basics of one stripped, non-blank line.
pub(super) fn line_basic(
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
    let mut tok_start: Option<usize> = None;
    let (mut tok_ascii, mut tok_all_digit, mut tok_upper) = (true, true, false);
    let mut hash = 0u64;
    let mut commas = 0u32;
    let mut stack = [0u8; 64];
    let mut end_token =
        |start: usize, end: usize, ascii: bool, all_digit: bool, upper: bool, b: &mut Basic| {
            b.ntok += 1;
            if !all_digit {
                words += 1;
                upper_words += upper as u32;
            }
            let tok = &l[start..end];
            // Lowercasing shrinks a non-ASCII character to no less than a third of its bytes.
            if tok.len() <= stop.max_len * if ascii { 1 } else { 3 } {
                let low = lower_into(tok, ascii, &mut stack, &mut sc.lower);
                if low.len() <= stop.max_len {
                    let mask = stop.mask(low);
                    if mask != 0 {
                        for (k, n) in b.stop_by_lang.iter_mut().enumerate() {
                            *n += ((mask >> k) & 1) as u32;
                        }
                    }
                }
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
        if len == 1 {
            hash = mix(hash, c.to_ascii_lowercase() as u64);
        } else {
            for lc in c.to_lowercase() {
                hash = mix(hash, lc as u64);
            }
        }
        if c == ',' {
            commas += 1;
        }
        if cls & WORD != 0 && len > 1 && is_cjk(c) {
            // A token of its own (and a word of the normalized line, as any word character).
            if let Some(s) = tok_start.take() {
                end_token(s, pos, tok_ascii, tok_all_digit, tok_upper, &mut b);
            }
            end_token(
                pos,
                pos + len,
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
                tok_start = Some(pos);
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
                end_token(s, pos, tok_ascii, tok_all_digit, tok_upper, &mut b);
            }
        }
        pos += len;
    }
    if let Some(s) = tok_start.take() {
        end_token(s, l.len(), tok_ascii, tok_all_digit, tok_upper, &mut b);
    }
    b.hash = hash;
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
    b.pipe = l.contains(" | ") || l.contains(" · ") || l.contains(" • ");
    if b.ntok > 0 {
        b.comma = commas as f64 / b.ntok as f64;
    }
    b.url = l.contains("http") || l.contains("www.") || l.contains('@');
    if b.ntok as usize <= chrome.max_guard || norm_words as usize <= chrome.max_exact_words + 1 {
        norm_phrase_into(l, &mut sc.norm);
        (b.chrome, b.tail, b.weak) = chrome.matches_weak(&sc.norm, b.ntok as usize);
    }
    b
}

/// Whether two lines are equal after lowercasing (verifies a hash match).
pub(super) fn eq_lower(a: &str, b: &str) -> bool {
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
