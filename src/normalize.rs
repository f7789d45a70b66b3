//! Text normalization: the steps that make scraped text comparable before any rule sees it.
//!
//! Rules always see normalized lines, so rule authors never think about `\r`, NBSP or
//! `&amp;`. Every step can be switched off in the settings file. Normalization is idempotent:
//! normalizing normalized text changes nothing.
//!
//! All steps of a line run in one pass that already reaches that fixpoint, with no re-running
//! until nothing changes; `normalize_line_slow` explains why, and property tests check it.

use serde::{Deserialize, Serialize};
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// Which normalization steps run. All are on by default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct NormalizeOptions {
    /// Unicode NFC.
    pub nfc: bool,
    /// CRLF and lone CR end lines (output uses LF). Off: only LF ends a line and CR is an
    /// ordinary character.
    pub line_endings: bool,
    /// NBSP, tabs and the other Unicode space characters become an ASCII space.
    pub unicode_spaces: bool,
    /// Drop zero-width characters, the BOM, soft hyphens and other invisible format/control
    /// characters.
    pub zero_width: bool,
    /// Decode leftover HTML entities (`&amp;`, `&nbsp;`, `&#8217;`, `&#x2014;`).
    pub html_entities: bool,
    /// Collapse runs of spaces and tabs into one space.
    pub collapse_spaces: bool,
    /// Trim whitespace at both ends of every line.
    pub trim_lines: bool,
    /// At most one blank line between paragraphs, none at the start or end.
    pub blank_lines: bool,
}

impl Default for NormalizeOptions {
    fn default() -> Self {
        NormalizeOptions {
            nfc: true,
            line_endings: true,
            unicode_spaces: true,
            zero_width: true,
            html_entities: true,
            collapse_spaces: true,
            trim_lines: true,
            blank_lines: true,
        }
    }
}

/// Split into lines: `\n`, `\r\n` and a lone `\r` each end a line. A final line ending does not
/// start another (empty) line. Never allocates.
pub(crate) fn split_lines(text: &str) -> impl Iterator<Item = &str> {
    Lines { rest: text }
}

/// Split on `\n` only (used when `line_endings` is off). A final `\n` does not start another
/// (empty) line; `\r` stays in the line.
pub(crate) fn split_lines_lf(text: &str) -> impl Iterator<Item = &str> {
    // `split_terminator` has exactly the semantics we want ("" → no lines, "a\n" → "a") and
    // searches with memchr internally.
    text.split_terminator('\n')
}

/// Iterator behind [`split_lines`].
struct Lines<'a> {
    rest: &'a str,
}

impl<'a> Iterator for Lines<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        // An empty rest means either empty input or that the previous line ending was the last
        // thing in the text: in both cases there is no further line.
        if self.rest.is_empty() {
            return None;
        }
        let bytes = self.rest.as_bytes();
        let Some(i) = memchr::memchr2(b'\n', b'\r', bytes) else {
            let line = self.rest;
            self.rest = "";
            return Some(line);
        };
        let ending = if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
            2
        } else {
            1
        };
        let line = &self.rest[..i];
        self.rest = &self.rest[i + ending..];
        Some(line)
    }
}

impl std::iter::FusedIterator for Lines<'_> {}

/// Normalize one line (it contains no line break) into `out`, which is cleared first.
/// Returns `true` when the text changed in more than leading/trailing whitespace (the caller
/// reports such lines in `--explain`). Idempotent: normalizing `out` again gives `out`.
/// Fast path: a line that no step can change ([`is_plain`]) is copied as is.
pub(crate) fn normalize_line(line: &str, opts: &NormalizeOptions, out: &mut String) -> bool {
    out.clear();
    if is_plain(line) {
        out.push_str(line);
        return false;
    }
    normalize_not_plain(line, opts, out)
}

/// Append the normalized `line` to `out`, which keeps what it holds; otherwise the same as
/// [`normalize_line`]. A line that no step changes is copied once, straight into `out`;
/// `scratch` holds the others on the way.
pub(crate) fn append_normalized(
    line: &str,
    opts: &NormalizeOptions,
    scratch: &mut String,
    out: &mut String,
) -> bool {
    append_judged(line, is_plain(line), opts, scratch, out)
}

/// [`append_normalized`] of a line whose [`is_plain`] verdict is known (`plain`).
#[inline(always)]
fn append_judged(
    line: &str,
    plain: bool,
    opts: &NormalizeOptions,
    scratch: &mut String,
    out: &mut String,
) -> bool {
    if plain {
        out.push_str(line);
        return false;
    }
    // Not plain: straight to the slow path (`normalize_line` would check `is_plain` again).
    scratch.clear();
    let changed = normalize_not_plain(line, opts, scratch);
    out.push_str(scratch);
    changed
}

/// Split `text` into lines ([`split_lines`], or [`split_lines_lf`] with `line_endings` off)
/// and append each one normalized to `out` as [`append_normalized`] does, calling
/// `each(out, start, changed)` after each line: the line is `out[start..]`.
///
/// With AVX2 the end of a line and whether it is plain are found in one pass over its bytes
/// ([`plain_line_avx2`]), rather than a search for the line break and then a plain check.
pub(crate) fn append_normalized_lines(
    text: &str,
    opts: &NormalizeOptions,
    scratch: &mut String,
    out: &mut String,
    mut each: impl FnMut(&mut String, usize, bool),
) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        let bytes = text.as_bytes();
        let mut pos = 0;
        while pos < bytes.len() {
            // SAFETY: the CPU has AVX2 (checked above); `pos` is a character boundary, the
            // start of a line.
            let (end, plain) = unsafe { plain_line_avx2(text, pos, opts.line_endings) };
            let line = &text[pos..end];
            let start = out.len();
            let plain = plain && !has_outer_space(line);
            let changed = append_judged(line, plain, opts, scratch, out);
            each(out, start, changed);
            let crlf = opts.line_endings && bytes[end..].starts_with(b"\r\n");
            pos = end + 1 + usize::from(crlf);
        }
        return;
    }
    append_normalized_lines_simple(text, opts, scratch, out, each);
}

/// [`append_normalized_lines`] line by line: a search for the line break, then
/// [`append_normalized`].
fn append_normalized_lines_simple(
    text: &str,
    opts: &NormalizeOptions,
    scratch: &mut String,
    out: &mut String,
    mut each: impl FnMut(&mut String, usize, bool),
) {
    let mut push = |line: &str| {
        let start = out.len();
        let changed = append_normalized(line, opts, scratch, out);
        each(out, start, changed);
    };
    if opts.line_endings {
        split_lines(text).for_each(&mut push);
    } else {
        split_lines_lf(text).for_each(&mut push);
    }
}

/// The end of the line that starts at `bytes[pos]` (the next `\n`, or `\r` when `cr_ends`, or
/// the end of the text), and whether the line is plain but perhaps for its outer spaces: the
/// bytes of [`is_plain_avx2`] and the line break found in the same chunks of thirty-two bytes.
/// A chunk's first ASCII control, DEL or `&` ends the plain bytes; it ends the line when it is
/// a line break, else the rest of the line is only searched for its end.
///
/// # Safety
///
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn plain_line_avx2(text: &str, pos: usize, cr_ends: bool) -> (usize, bool) {
    let bytes = text.as_bytes();
    let len = bytes.len();
    let find_end = |from: usize| {
        let found = if cr_ends {
            memchr::memchr2(b'\n', b'\r', &bytes[from..])
        } else {
            memchr::memchr(b'\n', &bytes[from..])
        };
        found.map_or(len, |n| from + n)
    };
    // SAFETY: AVX2 is there (the caller's promise).
    let masks = |chunk: &[u8; 32]| unsafe { plain_masks_avx2(chunk) };
    let mut prev_space = 0;
    let mut i = pos;
    loop {
        let (m, last) = if i + 32 <= len {
            (
                masks(bytes[i..i + 32].try_into().expect("32 bytes")),
                i + 32 == len,
            )
        } else if len >= 32 {
            // The last 32 bytes of the text, the ones before `i` shifted out.
            (crate::words::tail_masks(bytes, i, b'a', masks), true)
        } else {
            // A text shorter than one chunk.
            let end = find_end(pos);
            return (end, is_plain_sse2(&text[pos..end]));
        };
        let [non_ascii, lead, bad, spaces] = m;
        let stops = bad & !non_ascii;
        // The bytes of the line in this chunk: those below the first stop, if any (bits past
        // the text are clear in every mask).
        let keep = !stops & stops.wrapping_sub(1);
        let plain = chunk_is_plain(
            bytes,
            i,
            [non_ascii, lead & keep, 0, spaces & keep],
            prev_space,
        );
        if stops != 0 {
            let at = i + stops.trailing_zeros() as usize;
            let b = bytes[at];
            return match b == b'\n' || (cr_ends && b == b'\r') {
                true => (at, plain),
                false => (find_end(at), false),
            };
        }
        if last {
            return (len, plain);
        }
        if !plain {
            return (find_end(i + 32), false);
        }
        prev_space = spaces >> 31;
        i += 32;
    }
}

/// The byte masks of [`is_plain_avx2`] for one chunk: `[non-ASCII, lead byte, control/DEL/&,
/// space]`.
///
/// # Safety
///
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn plain_masks_avx2(chunk: &[u8; 32]) -> [u32; 4] {
    use std::arch::x86_64::{
        __m256i, _mm256_cmpeq_epi8, _mm256_cmpgt_epi8, _mm256_loadu_si256, _mm256_movemask_epi8,
        _mm256_or_si256, _mm256_set1_epi8,
    };
    // SAFETY: the load reads the 32 bytes of `chunk` and needs no alignment; AVX2 is there
    // (the caller's promise). Compares as in `is_plain_sse2`.
    unsafe {
        let v = _mm256_loadu_si256(chunk.as_ptr().cast::<__m256i>());
        let bad = _mm256_or_si256(
            _mm256_cmpgt_epi8(_mm256_set1_epi8(0x20), v),
            _mm256_or_si256(
                _mm256_cmpeq_epi8(v, _mm256_set1_epi8(0x7F)),
                _mm256_cmpeq_epi8(v, _mm256_set1_epi8(b'&' as i8)),
            ),
        );
        [
            _mm256_movemask_epi8(v) as u32,
            _mm256_movemask_epi8(_mm256_cmpgt_epi8(v, _mm256_set1_epi8(-65))) as u32,
            _mm256_movemask_epi8(bad) as u32,
            _mm256_movemask_epi8(_mm256_cmpeq_epi8(v, _mm256_set1_epi8(b' ' as i8))) as u32,
        ]
    }
}

/// The slow path of [`normalize_line`] into the empty `out`, and whether the line changed
/// (beyond its outer whitespace).
fn normalize_not_plain(line: &str, opts: &NormalizeOptions, out: &mut String) -> bool {
    normalize_line_slow(line, opts, out);
    out.trim() != line.trim()
}

/// Whether `line` begins or ends with a space (such a line is never plain).
#[inline(always)]
fn has_outer_space(line: &str) -> bool {
    let bytes = line.as_bytes();
    bytes.first() == Some(&b' ') || bytes.last() == Some(&b' ')
}

/// `true` for a line that no step can change: printable ASCII without `&`, double spaces or
/// outer spaces, and non-ASCII characters that every step passes through ([`is_inert_char`]).
/// Most lines of real text are like this, so they are checked sixteen bytes at a time.
fn is_plain(line: &str) -> bool {
    if has_outer_space(line) {
        return false;
    }
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2 (checked just above).
            unsafe { is_plain_avx2(line) }
        } else {
            is_plain_sse2(line)
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        is_plain_words(line)
    }
}

/// [`is_plain`] on x86_64, without its outer-space check: sixteen bytes at a time (SSE2, which
/// every x86_64 CPU has).
#[cfg(target_arch = "x86_64")]
fn is_plain_sse2(line: &str) -> bool {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_cmpgt_epi8, _mm_cmplt_epi8, _mm_loadu_si128,
        _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    plain_chunks::<16>(line.as_bytes(), |chunk| {
        // SAFETY: SSE2 is part of the x86_64 baseline; the load reads the 16 bytes of `chunk`
        // and needs no alignment.
        unsafe {
            let v = _mm_loadu_si128(chunk.as_ptr().cast::<__m128i>());
            // Signed compares: bytes from 0x80 are negative. Below 0x20 (controls) is also
            // true for them, so `bad` counts ASCII bytes only; lead bytes (0xC0 and up, as i8
            // above -65) start a character, continuation bytes (0x80..0xC0) do not.
            let bad = _mm_or_si128(
                _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
                _mm_or_si128(
                    _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7F)),
                    _mm_cmpeq_epi8(v, _mm_set1_epi8(b'&' as i8)),
                ),
            );
            [
                _mm_movemask_epi8(v) as u32,
                _mm_movemask_epi8(_mm_cmpgt_epi8(v, _mm_set1_epi8(-65))) as u32,
                _mm_movemask_epi8(bad) as u32,
                _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(b' ' as i8))) as u32,
            ]
        }
    })
}

/// [`is_plain_sse2`] thirty-two bytes at a time.
///
/// # Safety
///
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn is_plain_avx2(line: &str) -> bool {
    plain_chunks::<32>(
        line.as_bytes(),
        #[inline(always)]
        // SAFETY: AVX2 is there (the caller's promise).
        |chunk| unsafe { plain_masks_avx2(chunk) },
    )
}

/// The loop of [`is_plain_sse2`] and [`is_plain_avx2`]: `W` bytes at a time, the last ones
/// copied into a chunk padded with a plain letter. `masks` gives a chunk's byte masks
/// `[non-ASCII, lead byte, control/DEL/&, space]` (bit `k` for byte `k`).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn plain_chunks<const W: usize>(bytes: &[u8], masks: impl Fn(&[u8; W]) -> [u32; 4]) -> bool {
    let mut prev_space = 0u32;
    let mut i = 0;
    while let Some(chunk) = bytes.get(i..i + W) {
        let m = masks(chunk.try_into().expect("W bytes"));
        if !chunk_is_plain(bytes, i, m, prev_space) {
            return false;
        }
        prev_space = m[3] >> (W - 1);
        i += W;
    }
    if i == bytes.len() {
        return true;
    }
    // The tail, padded (if at all) with a plain letter.
    let m = crate::words::tail_masks(bytes, i, b'a', masks);
    chunk_is_plain(bytes, i, m, prev_space)
}

/// The verdict on one chunk of [`is_plain_sse2`] / [`is_plain_avx2`] from its byte masks (bit
/// `k` for `bytes[i + k]`): no ASCII control, DEL or `&`, no space after a space
/// (`prev_space`: the previous chunk ended with one), and every character starting in the chunk
/// inert.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn chunk_is_plain(
    bytes: &[u8],
    i: usize,
    [non_ascii, lead, bad, spaces]: [u32; 4],
    prev_space: u32,
) -> bool {
    if bad & !non_ascii != 0 || spaces & ((spaces << 1) | prev_space) != 0 {
        return false;
    }
    let mut leads = lead & non_ascii;
    while leads != 0 {
        let at = i + leads.trailing_zeros() as usize;
        leads &= leads - 1;
        if !is_inert_at(bytes, at) {
            return false;
        }
    }
    true
}

/// [`is_inert_char`] of the character whose first byte is `bytes[at]` (a lead byte of valid
/// UTF-8), read from its bytes for the most common ones: the quotes and dashes U+2010 to
/// U+2027 (`E2 80 90` to `E2 80 A7`), U+00C0 to U+02FF (leads `C3` to `CB`), U+0400 to
/// U+047F and U+04C0 to U+04FF (leads `D0`, `D1`, `D3`), the ideographs U+5000 to U+9FFF
/// (leads `E5` to `E9`) and the Hangul syllables U+B000 to U+CFFF (leads `EB`, `EC`), all
/// inert. Other characters go to [`is_inert_other_at`].
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn is_inert_at(bytes: &[u8], at: usize) -> bool {
    match bytes[at] {
        0xC3..=0xCB | 0xD0 | 0xD1 | 0xD3 | 0xE5..=0xE9 | 0xEB | 0xEC => true,
        0xE2 if bytes[at + 1] == 0x80 && (0x90..=0xA7).contains(&bytes[at + 2]) => true,
        _ => is_inert_other_at(bytes, at),
    }
}

/// [`is_inert_at`] for the characters it does not read inline: U+3000 to U+3FFF (lead `E3`:
/// CJK punctuation, kana, ideographs) from a table, U+4000 to U+4DBF and U+4E00 to U+4FFF
/// (lead `E4` but `E4 B7`) inert, the fullwidth forms U+FF01 to U+FF60 (`EF BC 81` to
/// `EF BD A0`) inert; the rest decoded and looked up.
#[cfg(target_arch = "x86_64")]
fn is_inert_other_at(bytes: &[u8], at: usize) -> bool {
    match bytes[at] {
        0xE3 => match bytes[at + 1] {
            b1 @ 0x80..=0x83 => INERT_3000[usize::from(b1 & 3)] >> (bytes[at + 2] & 0x3F) & 1 != 0,
            0x90..=0xBF => true,
            _ => false,
        },
        0xE4 => bytes[at + 1] != 0xB7,
        0xEF => matches!(
            (bytes[at + 1], bytes[at + 2]),
            (0xBC, 0x81..=0xBF) | (0xBD, 0x80..=0xA0)
        ),
        _ => is_inert_char(crate::words::char_at(bytes, at)),
    }
}

/// [`is_inert_char`] of U+3000 to U+30FF (CJK punctuation, hiragana, katakana), bit `k` for
/// U+3000 + 64 * `i` + `k` in word `i`; the rest of U+3000 to U+3FFF (leads `E3 84` to `E3 8F`
/// are not inert, `E3 90` to `E3 BF` are).
#[cfg(target_arch = "x86_64")]
const INERT_3000: [u64; 4] = {
    let mut t = [0u64; 4];
    let mut k = 0;
    while k < 256 {
        if matches!(
            0x3000 + k,
            0x3001..=0x3029 | 0x3030..=0x303F | 0x3041..=0x3096 | 0x309B..=0x30FF
        ) {
            t[k as usize / 64] |= 1 << (k % 64);
        }
        k += 1;
    }
    t
};

/// 0x01 and 0x80 in every byte of a word: for checking eight bytes at a time.
const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// 0x80 in every byte of `x` that is zero, 0 elsewhere (exact: no carry crosses bytes).
fn zero_bytes(x: u64) -> u64 {
    !(((x & !HI) + !HI) | x) & HI
}

/// [`is_plain`] without SIMD, without its outer-space check: ASCII eight bytes at a time.
#[cfg_attr(target_arch = "x86_64", cfg(test))]
fn is_plain_words(line: &str) -> bool {
    let bytes = line.as_bytes();
    let mut prev_space = false;
    let mut i = 0;
    while i < bytes.len() {
        if let Some(chunk) = bytes.get(i..i + 8) {
            let w = u64::from_le_bytes(chunk.try_into().expect("a slice of 8 bytes"));
            if w & HI == 0 {
                let spaces = zero_bytes(w ^ (LO * u64::from(b' ')));
                let bad = zero_bytes(w & (LO * 0xE0)) // controls: below 0x20
                    | zero_bytes(w ^ (LO * 0x7F))
                    | zero_bytes(w ^ (LO * u64::from(b'&')))
                    | (spaces & (spaces << 8));
                if bad != 0 || (prev_space && spaces & 0x80 != 0) {
                    return false;
                }
                prev_space = spaces >> 63 != 0;
                i += 8;
                continue;
            }
        }
        // One byte or character at a time: near the end, and where non-ASCII text starts.
        let b = bytes[i];
        if b < 0x80 {
            if !(b' '..=b'~').contains(&b) || b == b'&' {
                return false;
            }
            let space = b == b' ';
            if space && prev_space {
                return false;
            }
            prev_space = space;
            i += 1;
        } else {
            let Some(c) = line[i..].chars().next() else {
                return false;
            };
            if !is_inert_char(c) {
                return false;
            }
            prev_space = false;
            i += c.len_utf8();
        }
    }
    true
}

/// The plain definition that [`is_plain`] computes faster (for tests).
#[cfg(test)]
fn is_plain_simple(line: &str) -> bool {
    !line.starts_with(' ')
        && !line.ends_with(' ')
        && !line.contains("  ")
        && line
            .chars()
            .all(|c| (c.is_ascii() && (' '..='~').contains(&c) && c != '&') || is_inert_char(c))
}

/// Non-ASCII characters that no step changes, wherever they stand: not a space, invisible or
/// control character, not whitespace (trimming), and NFC-stable next to anything that is itself
/// plain (quick check `Yes` and canonical combining class 0, so nothing composes with or
/// reorders around them). Latin-1 and Latin Extended letters and signs, basic Cyrillic, the
/// General Punctuation quotes and dashes, CJK punctuation, kana, ideographs, Hangul syllables
/// and fullwidth forms: the characters news text is made of.
fn is_inert_char(c: char) -> bool {
    // The quotes and dashes of English text first: most non-ASCII characters are those.
    matches!(c as u32, 0x2010..=0x2027)
        || matches!(
                c as u32,
                0xA1..=0xAC
                | 0xAE..=0x2FF
                | 0x400..=0x482
                | 0x48A..=0x4FF
                | 0x2030..=0x205E
                | 0x3001..=0x3029
                | 0x3030..=0x303F
                | 0x3041..=0x3096
                | 0x309B..=0x30FF
                | 0x3400..=0x4DBF
                | 0x4E00..=0x9FFF
                | 0xAC00..=0xD7A3
                | 0xFF01..=0xFF60
        )
}

/// All steps, in one left-to-right pass followed by NFC and trimming.
///
/// Why one pass reaches the fixpoint (so `normalize_line` is idempotent without re-running the
/// steps until nothing changes, which would be quadratic on `&amp;amp;amp;…`):
/// - every character, from the input or from a decoded entity, goes through the same filter
///   ([`push_char`]) before it lands in `out`, so decoded NBSPs become spaces, decoded
///   zero-width characters vanish and decoded `;` can complete an entity;
/// - `out` is used as a stack: an entity is decoded the moment its `;` is pushed, looking back
///   at what is already in `out`, so entities formed by a decoded `&` (`&amp;lt;`), by a
///   dropped invisible character (`&am\u{200B}p;`) or by a decoded `;` are all caught;
/// - NFC creates nothing the other steps act on, except three singletons that map to ASCII
///   (U+037E → `;`, …); the filter applies those itself, before the entity check;
/// - trimming only removes characters at the ends, which no other step looks at.
fn normalize_line_slow(line: &str, opts: &NormalizeOptions, out: &mut String) {
    let bytes = line.as_bytes();
    let mut i = 0;
    // Whether NFC could change anything: only characters from U+0300 on can (combining marks,
    // Hangul, singletons), apart from the common punctuation below, and an entity (decoded at
    // its `;`) can produce any character.
    let mut may_need_nfc = false;
    while i < bytes.len() {
        // Copy runs of characters that no filter changes in one go. A space right after a
        // character of the run is one of them: it cannot be a second space to collapse.
        let run_end = inert_run_end(line, i);
        out.push_str(&line[i..run_end]);
        i = run_end;
        if let Some(c) = line[i..].chars().next() {
            may_need_nfc |= c == ';' || (c >= '\u{300}' && !('\u{2010}'..='\u{205E}').contains(&c));
            push_char(out, c, opts);
            i += c.len_utf8();
        }
    }
    if opts.nfc && may_need_nfc && !is_nfc_quick_yes(out) {
        let mut composed = String::with_capacity(out.len() + 8);
        push_nfc(out, &mut composed);
        // Copy back rather than replace, so the caller's reused buffer keeps its capacity.
        out.clear();
        out.push_str(&composed);
    }
    if opts.trim_lines {
        // With `line_endings` off, CR is an ordinary character and is kept.
        let trimmed = |c: char| c.is_whitespace() && (opts.line_endings || c != '\r');
        let end = out.trim_end_matches(trimmed).len();
        out.truncate(end);
        let start = out.len() - out.trim_start_matches(trimmed).len();
        out.drain(..start);
    }
}

/// `is_nfc_quick(text.chars()) == IsNormalized::Yes`, checking only the runs of non-ASCII
/// characters: an ASCII character is a starter with quick check Yes, so the check's state
/// starts afresh after it, and the whole text passes exactly when every run passes.
fn is_nfc_quick_yes(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(start) = bytes[i..].iter().position(|&b| !b.is_ascii()) {
        let start = i + start;
        let end = bytes[start..]
            .iter()
            .position(u8::is_ascii)
            .map_or(bytes.len(), |n| start + n);
        // Runs of non-ASCII bytes are whole characters: UTF-8 encodes them with bytes from 0x80.
        if is_nfc_quick(text[start..end].chars()) != IsNormalized::Yes {
            return false;
        }
        i = end;
    }
    true
}

/// The quick check on the whole text that [`is_nfc_quick_yes`] computes faster (for tests).
#[cfg(test)]
fn is_nfc_quick_yes_simple(text: &str) -> bool {
    is_nfc_quick(text.chars()) == IsNormalized::Yes
}

/// Append the NFC form of `text` to `out`, composing only the stretches that need it: text is
/// cut before characters that nothing before them interacts with (canonical combining class 0
/// and NFC quick check Yes: such a character neither composes with nor reorders around what
/// precedes it, so NFC of the whole is NFC of the pieces), and only the pieces holding another
/// character go through the composer; the rest is copied.
fn push_nfc(text: &str, out: &mut String) {
    use unicode_normalization::char::canonical_combining_class;
    let starts_piece = |c: char| {
        c.is_ascii()
            || (canonical_combining_class(c) == 0
                && is_nfc_quick(std::iter::once(c)) == IsNormalized::Yes)
    };
    // `text[..copied]` is in `out`; `piece` is where the current piece starts.
    let (mut copied, mut piece) = (0, 0);
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if starts_piece(c) {
            piece = i;
            continue;
        }
        let mut end = text.len();
        while let Some(&(j, d)) = chars.peek() {
            if starts_piece(d) {
                end = j;
                break;
            }
            chars.next();
        }
        out.push_str(&text[copied..piece]);
        out.extend(text[piece..end].nfc());
        (copied, piece) = (end, end);
    }
    out.push_str(&text[copied..]);
}

/// The end of the run of characters from `line[i..]` that [`push_char`] would push unchanged:
/// [`is_inert`] bytes, inert non-ASCII characters ([`is_inert_char`]), and single spaces after
/// one of them (so the run never starts with a space). Eight bytes at a time while they are
/// ASCII, then one byte or character at a time; the same as [`inert_run_end_simple`].
///
/// Leaving inert non-ASCII characters out of [`normalize_line_slow`]'s NFC flag is exact: they
/// are starters that the quick check passes, so NFC changes a line only where another character
/// stands (a combining mark after them, say), and that one raises the flag.
fn inert_run_end(line: &str, i: usize) -> usize {
    let bytes = line.as_bytes();
    let mut run_end = i;
    // Whether the byte before `run_end` is a space of the run (or the run is empty).
    let mut after_space = true;
    loop {
        while let Some(chunk) = bytes.get(run_end..run_end + 8) {
            let w = u64::from_le_bytes(chunk.try_into().expect("a slice of 8 bytes"));
            if w & HI != 0 {
                break;
            }
            let spaces = zero_bytes(w ^ (LO * u64::from(b' ')));
            let bad = zero_bytes(w & (LO * 0xE0)) // controls: below 0x20
                | zero_bytes(w ^ (LO * 0x7F))
                | zero_bytes(w ^ (LO * u64::from(b';')))
                | (spaces & ((spaces << 8) | u64::from(after_space) << 7));
            if bad != 0 {
                break;
            }
            after_space = spaces >> 63 != 0;
            run_end += 8;
        }
        // One byte at a time to the end of the run, or past an inert non-ASCII character and
        // back to eight at a time.
        loop {
            let Some(&b) = bytes.get(run_end) else {
                return run_end;
            };
            if is_inert(b) {
                after_space = false;
                run_end += 1;
            } else if b == b' ' && !after_space {
                after_space = true;
                run_end += 1;
            } else if b >= 0x80 {
                let Some(len) = inert_char_len(line, run_end) else {
                    return run_end;
                };
                after_space = false;
                run_end += len;
                break;
            } else {
                return run_end;
            }
        }
    }
}

/// The length of the character at `line[at..]` (non-ASCII) if it is inert ([`is_inert_char`]).
fn inert_char_len(line: &str, at: usize) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    {
        let bytes = line.as_bytes();
        is_inert_at(bytes, at).then_some(match bytes[at] {
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            _ => 4,
        })
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let c = line[at..].chars().next()?;
        is_inert_char(c).then_some(c.len_utf8())
    }
}

/// [`inert_run_end`] one character at a time (for tests).
#[cfg(test)]
fn inert_run_end_simple(line: &str, i: usize) -> usize {
    let mut after_space = true;
    let mut end = i;
    for c in line[i..].chars() {
        if (c.is_ascii() && is_inert(c as u8)) || (!c.is_ascii() && is_inert_char(c)) {
            after_space = false;
        } else if c == ' ' && !after_space {
            after_space = true;
        } else {
            break;
        }
        end += c.len_utf8();
    }
    end
}

/// Bytes that [`push_char`] would push unchanged: printable ASCII other than space and `;`.
fn is_inert(b: u8) -> bool {
    (b'!'..=b'~').contains(&b) && b != b';'
}

/// Push one character through the per-character steps; a `;` may complete an entity at the end
/// of `out`, whose decoded character then goes through the same steps.
fn push_char(out: &mut String, mut c: char, opts: &NormalizeOptions) {
    loop {
        if opts.nfc {
            c = nfc_ascii_singleton(c);
        }
        // Spaces before invisibles: VT and FF are controls, but dropping them would join words.
        if opts.unicode_spaces && is_unicode_space(c) {
            c = ' ';
        }
        if opts.zero_width && is_invisible(c, opts.line_endings) {
            return;
        }
        if opts.collapse_spaces && (c == ' ' || c == '\t') {
            // Tabs never reach `out` when collapsing, so the last char is the only one to check.
            if out.ends_with(' ') {
                return;
            }
            c = ' ';
        }
        out.push(c);
        if c != ';' || !opts.html_entities {
            return;
        }
        match decode_entity_at_end(out) {
            Some((start, decoded)) => {
                out.truncate(start);
                c = decoded;
            }
            None => return,
        }
    }
}

/// The characters whose NFC form is ASCII (singleton decompositions). Applying them before the
/// entity check means NFC can never complete an entity after the fact.
fn nfc_ascii_singleton(c: char) -> char {
    match c {
        '\u{037E}' => ';', // GREEK QUESTION MARK
        '\u{1FEF}' => '`', // GREEK VARIA
        '\u{212A}' => 'K', // KELVIN SIGN
        _ => c,
    }
}

/// Characters that `unicode_spaces` turns into an ASCII space.
fn is_unicode_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\u{0B}' | '\u{0C}' | '\u{A0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}'
    )
}

/// Characters that `zero_width` drops: zero-width and bidi format characters, the BOM, the soft
/// hyphen, and control characters other than tab (and CR when it is an ordinary character).
fn is_invisible(c: char, line_endings: bool) -> bool {
    match c {
        '\t' => false,
        '\r' => line_endings,
        '\u{AD}'
        | '\u{061C}'
        | '\u{180E}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}'
        | '\u{FEFF}' => true,
        _ => c.is_control(),
    }
}

/// Longest entity body we look back for (`#x0010FFFF` and the longest names fit easily).
const MAX_ENTITY_BODY: usize = 32;

/// If `out` ends with a decodable entity (`&name;`, `&#123;`, `&#x1F;`), its start and the
/// character it stands for.
fn decode_entity_at_end(out: &str) -> Option<(usize, char)> {
    let bytes = out.as_bytes();
    let semi = bytes.len().checked_sub(1)?;
    let floor = semi.saturating_sub(MAX_ENTITY_BODY + 1);
    let mut k = semi;
    while k > floor {
        k -= 1;
        match bytes[k] {
            b'&' => return entity_char(&out[k + 1..semi]).map(|c| (k, c)),
            b if b.is_ascii_alphanumeric() || b == b'#' => {}
            _ => return None,
        }
    }
    None
}

/// The character an entity body (between `&` and `;`) stands for.
fn entity_char(body: &str) -> Option<char> {
    let Some(num) = body.strip_prefix('#') else {
        return named_entity(body);
    };
    let (digits, radix) = match num.strip_prefix(['x', 'X']) {
        Some(hex) => (hex, 16),
        None => (num, 10),
    };
    // `from_str_radix` would also accept a leading `+`.
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let n = u32::from_str_radix(digits, radix).ok()?;
    match n {
        // Tab is the only control a line may gain; NUL, line breaks and the rest stay as text.
        0x09 => Some('\t'),
        0x00..=0x1F | 0x7F => None,
        // Browsers read these as Windows-1252, and scraped text has `&#146;` for `’`.
        0x80..=0x9F => WINDOWS_1252_80_9F[(n - 0x80) as usize],
        // `from_u32` rejects surrogates and values above U+10FFFF.
        _ => char::from_u32(n),
    }
}

/// Windows-1252 bytes 0x80..=0x9F; `None` where the code page leaves a byte undefined.
const WINDOWS_1252_80_9F: [Option<char>; 32] = [
    Some('\u{20AC}'),
    None,
    Some('\u{201A}'),
    Some('\u{0192}'),
    Some('\u{201E}'),
    Some('\u{2026}'),
    Some('\u{2020}'),
    Some('\u{2021}'),
    Some('\u{02C6}'),
    Some('\u{2030}'),
    Some('\u{0160}'),
    Some('\u{2039}'),
    Some('\u{0152}'),
    None,
    Some('\u{017D}'),
    None,
    None,
    Some('\u{2018}'),
    Some('\u{2019}'),
    Some('\u{201C}'),
    Some('\u{201D}'),
    Some('\u{2022}'),
    Some('\u{2013}'),
    Some('\u{2014}'),
    Some('\u{02DC}'),
    Some('\u{2122}'),
    Some('\u{0161}'),
    Some('\u{203A}'),
    Some('\u{0153}'),
    None,
    Some('\u{017E}'),
    Some('\u{0178}'),
];

/// HTML entity names for U+00A0..=U+00FF, in code point order.
const LATIN1_NAMES: [&str; 96] = [
    "nbsp", "iexcl", "cent", "pound", "curren", "yen", "brvbar", "sect", "uml", "copy", "ordf",
    "laquo", "not", "shy", "reg", "macr", "deg", "plusmn", "sup2", "sup3", "acute", "micro",
    "para", "middot", "cedil", "sup1", "ordm", "raquo", "frac14", "frac12", "frac34", "iquest",
    "Agrave", "Aacute", "Acirc", "Atilde", "Auml", "Aring", "AElig", "Ccedil", "Egrave", "Eacute",
    "Ecirc", "Euml", "Igrave", "Iacute", "Icirc", "Iuml", "ETH", "Ntilde", "Ograve", "Oacute",
    "Ocirc", "Otilde", "Ouml", "times", "Oslash", "Ugrave", "Uacute", "Ucirc", "Uuml", "Yacute",
    "THORN", "szlig", "agrave", "aacute", "acirc", "atilde", "auml", "aring", "aelig", "ccedil",
    "egrave", "eacute", "ecirc", "euml", "igrave", "iacute", "icirc", "iuml", "eth", "ntilde",
    "ograve", "oacute", "ocirc", "otilde", "ouml", "divide", "oslash", "ugrave", "uacute", "ucirc",
    "uuml", "yacute", "thorn", "yuml",
];

/// Named entities (case-sensitive, as in HTML). Covers Latin-1 and the punctuation, spaces and
/// marks that show up in news text; `&Tab;` and `&NewLine;` are left out on purpose.
fn named_entity(name: &str) -> Option<char> {
    let c = match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "ndash" => '\u{2013}',
        "mdash" => '\u{2014}',
        "hellip" => '\u{2026}',
        "lsquo" => '\u{2018}',
        "rsquo" => '\u{2019}',
        "sbquo" => '\u{201A}',
        "ldquo" => '\u{201C}',
        "rdquo" => '\u{201D}',
        "bdquo" => '\u{201E}',
        "lsaquo" => '\u{2039}',
        "rsaquo" => '\u{203A}',
        "bull" => '\u{2022}',
        "dagger" => '\u{2020}',
        "Dagger" => '\u{2021}',
        "permil" => '\u{2030}',
        "prime" => '\u{2032}',
        "Prime" => '\u{2033}',
        "minus" => '\u{2212}',
        "trade" => '\u{2122}',
        "euro" => '\u{20AC}',
        "larr" => '\u{2190}',
        "uarr" => '\u{2191}',
        "rarr" => '\u{2192}',
        "darr" => '\u{2193}',
        "ensp" => '\u{2002}',
        "emsp" => '\u{2003}',
        "thinsp" => '\u{2009}',
        "hairsp" => '\u{200A}',
        "zwnj" => '\u{200C}',
        "zwj" => '\u{200D}',
        "lrm" => '\u{200E}',
        "rlm" => '\u{200F}',
        "OElig" => '\u{0152}',
        "oelig" => '\u{0153}',
        "Scaron" => '\u{0160}',
        "scaron" => '\u{0161}',
        "Yuml" => '\u{0178}',
        "fnof" => '\u{0192}',
        "circ" => '\u{02C6}',
        "tilde" => '\u{02DC}',
        _ => {
            let i = LATIN1_NAMES.iter().position(|&n| n == name)?;
            // i < 96, so the code point is in U+00A0..=U+00FF.
            return char::from_u32(0xA0 + i as u32);
        }
    };
    Some(c)
}

/// Join already-normalized lines into a document: with `blank_lines`, runs of blank lines
/// become one and leading/trailing blank lines go; every line ends with `\n`; a document with
/// no text (only blank lines) is the empty string. Appends to `out`.
///
/// A line is blank when it is empty or only whitespace; with `blank_lines` a run of them is
/// emitted as one empty line. With `blank_lines` off every line is kept as it is, except that a
/// document of only blank lines still gives the empty string (an output with no text is an
/// empty file).
pub(crate) fn join_lines<'a>(
    lines: impl Iterator<Item = &'a str>,
    opts: &NormalizeOptions,
    out: &mut String,
) {
    let mut joiner = Joiner::new(opts, out);
    for line in lines {
        joiner.push(line, out);
    }
    joiner.finish(out);
}

/// The state of [`join_lines`], so that [`normalize`] can feed it one line at a time from a
/// reused buffer.
struct Joiner {
    blank_lines: bool,
    /// Length of `out` before the document, to take back a document with no text.
    start: usize,
    seen_text: bool,
    pending_blank: bool,
}

impl Joiner {
    fn new(opts: &NormalizeOptions, out: &str) -> Joiner {
        Joiner {
            blank_lines: opts.blank_lines,
            start: out.len(),
            seen_text: false,
            pending_blank: false,
        }
    }

    fn push(&mut self, line: &str, out: &mut String) {
        let blank = crate::words::trim(line).is_empty();
        if self.blank_lines {
            if blank {
                // Only a blank line between two text lines is written, and only once.
                self.pending_blank = self.seen_text;
                return;
            }
            if self.pending_blank {
                out.push('\n');
                self.pending_blank = false;
            }
        }
        self.seen_text |= !blank;
        out.push_str(line);
        out.push('\n');
    }

    fn finish(self, out: &mut String) {
        if !self.seen_text {
            out.truncate(self.start);
        }
    }
}

/// Normalize a whole document: split into lines, normalize each, join.
///
/// The result is idempotent, and is either empty or ends with `\n`. With `blank_lines` it
/// neither starts nor ends with a blank line and never holds two blank lines in a row.
pub fn normalize(text: &str, opts: &NormalizeOptions) -> String {
    let mut out = String::with_capacity(text.len() + 1);
    let (mut scratch, mut line) = (String::new(), String::new());
    let mut joiner = Joiner::new(opts, &out);
    append_normalized_lines(text, opts, &mut scratch, &mut line, |line, _, _| {
        joiner.push(line, &mut out);
        line.clear();
    });
    joiner.finish(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn lines(text: &str) -> Vec<&str> {
        split_lines(text).collect()
    }

    fn line(s: &str) -> String {
        line_with(s, &NormalizeOptions::default())
    }

    fn line_with(s: &str, opts: &NormalizeOptions) -> String {
        let mut out = String::new();
        normalize_line(s, opts, &mut out);
        out
    }

    fn all_off() -> NormalizeOptions {
        NormalizeOptions {
            nfc: false,
            line_endings: false,
            unicode_spaces: false,
            zero_width: false,
            html_entities: false,
            collapse_spaces: false,
            trim_lines: false,
            blank_lines: false,
        }
    }

    fn options_from(b: [bool; 8]) -> NormalizeOptions {
        NormalizeOptions {
            nfc: b[0],
            line_endings: b[1],
            unicode_spaces: b[2],
            zero_width: b[3],
            html_entities: b[4],
            collapse_spaces: b[5],
            trim_lines: b[6],
            blank_lines: b[7],
        }
    }

    #[test]
    fn plain_check_at_every_position_of_the_wide_chunks() {
        for at in 1..46 {
            let with = |mid: &str| format!("{}{mid}{}", "a".repeat(at), "b".repeat(48 - at));
            for (mid, plain) in [
                (" ", true),
                ("  ", false),
                ("&", false),
                ("\u{7F}", false),
                ("\t", false),
                ("\u{1F}", false),
                ("~", true),
                ("\u{E9}", true),
                ("\u{A0}", false),
                (" \u{2019} ", true),
                ("\u{4E2D}\u{6587}", true),
                ("\u{1F600}", false),
                ("e\u{301}", false),
                ("\u{2028}", false),
            ] {
                let s = with(mid);
                assert_eq!(is_plain(&s), plain, "{s:?}");
                assert_eq!(is_plain(&s), is_plain_simple(&s), "{s:?}");
                for n in 0..=s.len() {
                    let Some(part) = s.get(n..) else { continue };
                    let outer = part.starts_with(' ') || part.ends_with(' ');
                    assert_eq!(is_plain(part), is_plain_simple(part), "{part:?}");
                    assert_eq!(is_plain_words(part) && !outer, is_plain(part), "{part:?}");
                    #[cfg(target_arch = "x86_64")]
                    assert_eq!(is_plain_sse2(part) && !outer, is_plain(part), "{part:?}");
                }
            }
        }
    }

    /// What [`append_normalized_lines`] gives (the text and each line's start and change
    /// flag), and the same from the line-by-line reference.
    fn lines_both_ways(text: &str, opts: &NormalizeOptions) -> [(String, Vec<(usize, bool)>); 2] {
        let run = |fast: bool| {
            let (mut scratch, mut out) = (String::new(), String::from("prefix|"));
            let mut seen = Vec::new();
            let each = |out: &mut String, start: usize, changed: bool| {
                out.push('|');
                seen.push((start, changed));
            };
            if fast {
                append_normalized_lines(text, opts, &mut scratch, &mut out, each);
            } else {
                append_normalized_lines_simple(text, opts, &mut scratch, &mut out, each);
            }
            (out, seen)
        };
        [run(true), run(false)]
    }

    #[test]
    fn fused_lines_at_every_position_of_the_wide_chunks() {
        let lf_only = NormalizeOptions {
            line_endings: false,
            ..NormalizeOptions::default()
        };
        for at in 0..70 {
            for mid in [
                "\n",
                "\r\n",
                "\r",
                "\n\n",
                " \n",
                "\n ",
                "  ",
                "&amp;",
                "&",
                "\t",
                "\u{7F}",
                "\u{E9}",
                "\u{A0}",
                "\u{2019}\n",
                "e\u{301}",
                "\u{3042}",
                "\u{1F600}",
                "\r\r\n",
            ] {
                let text = format!(
                    "{}{mid}{}",
                    "ab c".repeat(at / 4) + &"d".repeat(at % 4),
                    "x y\n".repeat(3)
                );
                for n in 0..=text.len() {
                    let Some(part) = text.get(n..) else { continue };
                    for cut in [part.len(), part.len().saturating_sub(1), part.len() / 2] {
                        let Some(part) = part.get(..cut) else {
                            continue;
                        };
                        for opts in [&NormalizeOptions::default(), &lf_only] {
                            let [fast, simple] = lines_both_ways(part, opts);
                            assert_eq!(fast, simple, "{part:?}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn inert_runs_at_every_position() {
        for at in 0..20 {
            for mid in [
                " ",
                "  ",
                ";",
                "&",
                "\u{7F}",
                "\t",
                "\u{1F}",
                "~",
                "!",
                "\u{E9}",
                "\u{A0}",
                " ;",
                "; ",
                " x ",
                "x  y",
                "\u{E9} \u{E9}",
                "\u{2019} ",
                " \u{4E2D}\u{6587}",
                "e\u{301}",
                "\u{3042}\u{3099}",
                "\u{1F600}",
                "\u{2028}",
                "\u{436}  ",
            ] {
                let s = format!(
                    "{}{mid}{}",
                    "ab c".repeat(at / 4) + &"d".repeat(at % 4),
                    "e f".repeat(6)
                );
                for i in (0..=s.len()).filter(|&i| s.is_char_boundary(i)) {
                    assert_eq!(
                        inert_run_end(&s, i),
                        inert_run_end_simple(&s, i),
                        "{s:?} from {i}"
                    );
                }
            }
        }
        // A run stops at the second of two spaces, also across the eight-byte steps.
        assert_eq!(inert_run_end("abcdefg  hijklmnopq", 0), 8);
        assert_eq!(inert_run_end("abcdefgh hijklmnop", 0), 18);
        assert_eq!(inert_run_end(" abcdefghijklmnop", 0), 0);
        assert_eq!(inert_run_end("abcdefghijklmno;p", 0), 15);
        // Inert characters are part of the run, and the eight-byte steps go on after them.
        assert_eq!(inert_run_end("abc\u{E9}defghijk l;", 0), 15);
        assert_eq!(inert_run_end("abc\u{E9}e\u{301}", 0), 6);
    }

    #[test]
    fn nfc_quick_check_by_runs_agrees_with_whole_text() {
        let parts = [
            "a", " ", "e\u{301}", "\u{301}", "\u{327}", "\u{E9}", "\u{2019}", "\u{1100}",
            "\u{1161}", "\u{F900}", "x", "\u{340}", "\u{4E2D}",
        ];
        for a in parts {
            for b in parts {
                for c in parts {
                    let s = format!("{a}{b}{c}");
                    assert_eq!(is_nfc_quick_yes(&s), is_nfc_quick_yes_simple(&s), "{s:?}");
                }
            }
        }
        assert!(!is_nfc_quick_yes("ab \u{E9} cd e\u{301}"));
        assert!(is_nfc_quick_yes("ab \u{E9} cd \u{E9}x"));
    }

    #[test]
    fn split_lines_endings() {
        assert_eq!(lines(""), Vec::<&str>::new());
        assert_eq!(lines("a"), ["a"]);
        assert_eq!(lines("a\n"), ["a"]);
        assert_eq!(lines("\n"), [""]);
        assert_eq!(lines("a\n\nb"), ["a", "", "b"]);
        assert_eq!(lines("a\r\nb\r\n"), ["a", "b"]);
        assert_eq!(lines("a\rb\r"), ["a", "b"]);
        assert_eq!(lines("a\r\r\nb"), ["a", "", "b"]);
        assert_eq!(lines("a\n\rb"), ["a", "", "b"]);
        assert_eq!(lines("\r\n\r\n"), ["", ""]);
    }

    #[test]
    fn split_lines_lf_keeps_cr() {
        let lf = |t| split_lines_lf(t).collect::<Vec<_>>();
        assert_eq!(lf(""), Vec::<&str>::new());
        assert_eq!(lf("a\n"), ["a"]);
        assert_eq!(lf("a\r\nb\rc"), ["a\r", "b\rc"]);
        assert_eq!(lf("a\n\nb\n"), ["a", "", "b"]);
    }

    #[test]
    fn named_entities() {
        assert_eq!(line("Tom &amp; Jerry"), "Tom & Jerry");
        assert_eq!(
            line("&lt;p&gt; &quot;hi&quot; &apos;x&apos;"),
            "<p> \"hi\" 'x'"
        );
        assert_eq!(line("a&nbsp;b"), "a b");
        assert_eq!(
            line("&ldquo;Yes&rdquo; &ndash; &mdash;&hellip;"),
            "“Yes” – —…"
        );
        assert_eq!(
            line("caf&eacute; &Uuml;ber &szlig; &yuml;"),
            "café Über ß ÿ"
        );
        assert_eq!(
            line("&copy; &reg; &trade; &euro;5 &pound; &deg;"),
            "© ® ™ €5 £ °"
        );
        assert_eq!(
            line("&laquo;x&raquo; &bull; &middot; &times; &divide;"),
            "«x» • · × ÷"
        );
    }

    #[test]
    fn numeric_entities() {
        assert_eq!(line("it&#8217;s"), "it’s");
        assert_eq!(line("a&#x2014;b &#X2014;"), "a—b —");
        assert_eq!(line("&#65;&#x42;&#0067;"), "ABC");
        // Windows-1252 reading of C1 references, as browsers do.
        assert_eq!(line("it&#146;s &#150;"), "it’s –");
    }

    #[test]
    fn invalid_entities_stay_text() {
        for s in [
            "&#0;",
            "&#1;",
            "&#10;",
            "&#13;",
            "&#x7F;",
            "&#129;",
            "&#xD800;",
            "&#x110000;",
            "&#99999999999999999999;",
            "&#;",
            "&#x;",
            "&#+65;",
            "&#1a;",
            "&bogus;",
            "&AMP;",
        ] {
            assert_eq!(line(s), s);
        }
        // The `;` is required.
        assert_eq!(line("AT&T &amp and &lt"), "AT&T &amp and &lt");
        assert_eq!(
            line("&#9;x"),
            "x",
            "tab decodes, then is a space and is trimmed"
        );
    }

    #[test]
    fn entities_interact_with_other_steps() {
        assert_eq!(line("&amp;amp;"), "&");
        assert_eq!(line("&amp;lt;b&amp;gt;"), "<b>");
        assert_eq!(line("&#38;#38;"), "&");
        assert_eq!(line("&am\u{200B}p;"), "&");
        assert_eq!(line("&am&#8203;p;"), "&");
        assert_eq!(line("&amp&#59;"), "&");
        assert_eq!(
            line("&amp\u{37E}"),
            "&",
            "GREEK QUESTION MARK is ; under NFC"
        );
        assert_eq!(line("a &nbsp; b"), "a b");
        assert_eq!(line("e&#x301;"), "é");
        assert_eq!(line("soft&shy;ware"), "software");
    }

    #[test]
    fn zero_width_and_controls() {
        assert_eq!(line("\u{FEFF}Hello"), "Hello");
        assert_eq!(
            line("zero\u{200B}width\u{200C}\u{200D}\u{2060}"),
            "zerowidth"
        );
        assert_eq!(line("soft\u{AD}ware"), "software");
        assert_eq!(
            line("\u{200E}bidi\u{202A}\u{202E}\u{2066}\u{2069}\u{200F}"),
            "bidi"
        );
        assert_eq!(line("a\u{1}b\u{7F}c\u{85}d\u{9F}"), "abcd");
        assert_eq!(line("a\u{180E}b"), "ab");
    }

    #[test]
    fn unicode_spaces_and_collapse() {
        assert_eq!(line("a\u{A0}b\u{2009}c\u{202F}d\u{3000}e"), "a b c d e");
        assert_eq!(line("a\tb \t c"), "a b c");
        assert_eq!(
            line("a\u{B}b\u{C}c"),
            "a b c",
            "VT and FF are spaces, not dropped"
        );
        assert_eq!(line("  lots   of    space  "), "lots of space");
        assert_eq!(line("\u{A0}\u{A0}x\u{2003}"), "x");
    }

    #[test]
    fn nfc() {
        assert_eq!(line("e\u{301}"), "é");
        // Dropping the zero-width space lets the accent compose.
        assert_eq!(line("Ame\u{301}lie\u{200B}\u{301}"), "Amélié");
        assert_eq!(line("\u{212B}"), "\u{C5}");
        let opts = NormalizeOptions {
            nfc: false,
            ..NormalizeOptions::default()
        };
        assert_eq!(line_with("e\u{301}", &opts), "e\u{301}");
    }

    #[test]
    fn options_off_keep_text() {
        let d = NormalizeOptions::default;
        let entities_off = NormalizeOptions {
            html_entities: false,
            ..d()
        };
        assert_eq!(
            line_with("a &amp; b&nbsp;", &entities_off),
            "a &amp; b&nbsp;"
        );
        let zw_off = NormalizeOptions {
            zero_width: false,
            ..d()
        };
        assert_eq!(line_with("a\u{200B}b\u{AD}", &zw_off), "a\u{200B}b\u{AD}");
        let spaces_off = NormalizeOptions {
            unicode_spaces: false,
            ..d()
        };
        assert_eq!(line_with("a\u{A0}b\tc", &spaces_off), "a\u{A0}b c");
        let collapse_off = NormalizeOptions {
            collapse_spaces: false,
            ..d()
        };
        assert_eq!(line_with(" a  b\t", &collapse_off), "a  b");
        let trim_off = NormalizeOptions {
            trim_lines: false,
            ..d()
        };
        assert_eq!(line_with("  a  b ", &trim_off), " a b ");
        let s = "  &amp;\u{A0}\u{200B}e\u{301}\t\tx ";
        assert_eq!(line_with(s, &all_off()), s);
    }

    #[test]
    fn cr_is_ordinary_without_line_endings() {
        let opts = NormalizeOptions {
            line_endings: false,
            ..NormalizeOptions::default()
        };
        assert_eq!(line_with(" a\rb \r", &opts), "a\rb \r");
        assert_eq!(
            line("a\rb"),
            "ab",
            "with line_endings a stray CR is a control"
        );
        assert_eq!(normalize("a\r\nb\r\n", &opts), "a\r\nb\r\n");
    }

    #[test]
    fn changed_flag() {
        let mut out = String::new();
        let d = NormalizeOptions::default();
        assert!(!normalize_line("plain text", &d, &mut out));
        assert!(!normalize_line("  outer only\t", &d, &mut out));
        assert_eq!(out, "outer only");
        assert!(normalize_line("a&amp;b", &d, &mut out));
        assert!(normalize_line("a  b", &d, &mut out));
        assert!(normalize_line("a\u{A0}b", &d, &mut out));
        assert!(!normalize_line("", &d, &mut out));
        assert_eq!(out, "");
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn inert_at_agrees_with_inert_char() {
        for c in (0x80u32..=0x10FFFF).filter_map(char::from_u32) {
            let bytes = c.to_string().into_bytes();
            assert_eq!(
                is_inert_at(&bytes, 0),
                is_inert_char(c),
                "U+{:04X}",
                c as u32
            );
        }
    }

    #[test]
    fn inert_characters_pass_every_step_unchanged() {
        let inert: Vec<char> = (0x80u32..=0x10FFFF)
            .filter_map(char::from_u32)
            .filter(|&c| is_inert_char(c))
            .collect();
        assert!(inert.contains(&'é') && inert.contains(&'’') && inert.contains(&'ж'));
        assert!(inert.contains(&'の') && inert.contains(&'。') && inert.contains(&'한'));
        let option_sets: Vec<NormalizeOptions> = (0..=255u8)
            .map(|b| options_from(std::array::from_fn(|i| b & (1 << i) != 0)))
            .collect();
        for (n, &c) in inert.iter().enumerate() {
            assert!(!c.is_whitespace() && !c.is_control(), "{c:?}");
            assert_eq!(is_nfc_quick(std::iter::once(c)), IsNormalized::Yes, "{c:?}");
            assert_eq!(
                unicode_normalization::char::canonical_combining_class(c),
                0,
                "{c:?}"
            );
            // Every option set for a sample, the defaults and all-off for every character.
            let sets = if n % 64 == 0 {
                &option_sets[..]
            } else {
                &[option_sets[0].clone(), option_sets[255].clone()][..]
            };
            for opts in sets {
                for s in [format!("{c}"), format!("a{c}b"), format!("{c} {c}{c};")] {
                    let mut slow = String::new();
                    normalize_line_slow(&s, opts, &mut slow);
                    assert_eq!(slow, s, "{c:?} U+{:04X}", c as u32);
                    assert!(is_plain(&s));
                }
            }
        }
        let all: String = inert.iter().collect();
        assert_eq!(all.nfc().collect::<String>(), all);
        assert!(!is_plain("e\u{301}") && !is_plain("a\u{A0}b") && !is_plain("a\u{2028}"));
        assert!(!is_plain("か\u{3099}") && !is_plain("a\u{3000}b"));
    }

    #[test]
    fn append_normalized_appends() {
        let d = NormalizeOptions::default();
        let (mut scratch, mut out) = (String::new(), String::from("x|"));
        assert!(!append_normalized(
            "caf\u{E9} \u{2014} ok",
            &d,
            &mut scratch,
            &mut out
        ));
        assert!(append_normalized("a&amp;b", &d, &mut scratch, &mut out));
        assert!(!append_normalized(" t ", &d, &mut scratch, &mut out));
        assert_eq!(out, "x|caf\u{E9} \u{2014} oka&bt");
    }

    #[test]
    fn join_lines_blank_runs() {
        let join = |ls: &[&str], blank_lines| {
            let opts = NormalizeOptions {
                blank_lines,
                ..NormalizeOptions::default()
            };
            let mut out = String::from("prefix|");
            join_lines(ls.iter().copied(), &opts, &mut out);
            out
        };
        assert_eq!(
            join(&["", " ", "a", "", "", "b", "", ""], true),
            "prefix|a\n\nb\n"
        );
        assert_eq!(join(&["a", "b"], true), "prefix|a\nb\n");
        assert_eq!(join(&["", "  ", ""], true), "prefix|");
        assert_eq!(join(&[], true), "prefix|");
        assert_eq!(
            join(&["", "a", "", "", "b", " "], false),
            "prefix|\na\n\n\nb\n \n"
        );
        assert_eq!(join(&["", " ", ""], false), "prefix|");
    }

    #[test]
    fn normalize_documents() {
        let n = |t| normalize(t, &NormalizeOptions::default());
        assert_eq!(n(""), "");
        assert_eq!(n("\n \n\t\r\n\u{A0}\n"), "");
        assert_eq!(n("a\r\nb\r\n"), "a\nb\n");
        assert_eq!(n("a\rb\r\rc"), "a\nb\n\nc\n");
        assert_eq!(n("\u{FEFF}Title\n\n\n\nBody"), "Title\n\nBody\n");
        assert_eq!(n("\n\nx\n\n"), "x\n");
        assert_eq!(n("soft\u{AD}ware and&nbsp;more"), "software and more\n");
        assert_eq!(
            n("it&#8217;s &amp;amp; caf\u{A0}e\u{301}"),
            "it’s & caf é\n"
        );
        assert_eq!(n("\tindented\t\ttext\t"), "indented text\n");
        let all_off = all_off();
        assert_eq!(normalize("a\r\n\n\nb", &all_off), "a\r\n\n\nb\n");
        assert_eq!(normalize("\n\n", &all_off), "");
    }

    /// Strings rich in what the steps act on, so their interactions actually get exercised.
    fn tricky_string() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("&"),
            Just(";"),
            Just("#"),
            Just("x"),
            Just("amp"),
            Just("lt"),
            Just("nbsp"),
            Just("shy"),
            Just("&amp;"),
            Just("&am"),
            Just("p;"),
            Just("&#"),
            Just("#38"),
            Just("#x26"),
            Just("#59"),
            Just("#894"),
            Just("#8203"),
            Just("#160"),
            Just("#9"),
            Just("#769"),
            Just("0"),
            Just("3"),
            Just("8"),
            Just("e"),
            Just("A"),
            Just(" "),
            Just("  "),
            Just("\t"),
            Just("\r"),
            Just("\n"),
            Just("\u{B}"),
            Just("\u{A0}"),
            Just("\u{2000}"),
            Just("\u{3000}"),
            Just("\u{200B}"),
            Just("\u{200D}"),
            Just("\u{FEFF}"),
            Just("\u{AD}"),
            Just("\u{85}"),
            Just("\u{2028}"),
            Just("\u{301}"),
            Just("\u{308}"),
            Just("\u{327}"),
            Just("\u{338}"),
            Just("<"),
            Just("\u{37E}"),
            Just("\u{212A}"),
            Just("\u{212B}"),
            Just("\u{958}"),
            Just("\u{1100}\u{1161}"),
            Just("\u{E9}"),
            Just("\u{2019}"),
            Just("\u{436}"),
            Just("\u{2014}"),
        ];
        prop::collection::vec(piece, 0..24).prop_map(|v| v.concat())
    }

    fn any_text() -> impl Strategy<Value = String> {
        prop_oneof![any::<String>(), tricky_string()]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        #[test]
        fn normalize_line_is_idempotent(s in any_text(), b in any::<[bool; 8]>()) {
            let opts = options_from(b);
            let once = line_with(&s, &opts);
            let mut twice = String::new();
            let changed = normalize_line(&once, &opts, &mut twice);
            prop_assert_eq!(&twice, &once);
            prop_assert!(!changed);
        }

        #[test]
        fn nfc_by_pieces_is_nfc(
            v in prop::collection::vec(
                prop_oneof![
                    4 => "[a-zA-Z ;]",
                    2 => "[\u{300}-\u{345}\u{0327}\u{0328}\u{05B0}-\u{05BD}\u{0F71}-\u{0F75}]",
                    2 => "[\u{C0}-\u{17F}\u{1E00}-\u{1E20}\u{1F00}-\u{1F10}\u{0390}-\u{03B0}]",
                    2 => "[\u{1100}-\u{1112}\u{1161}-\u{1175}\u{11A8}-\u{11C2}\u{AC00}-\u{AC30}]",
                    1 => "[\u{2126}\u{212A}\u{212B}\u{0344}\u{0F73}\u{F900}-\u{F910}\u{0958}-\u{095F}\u{0915}\u{093C}\u{09C7}\u{09BE}\u{09D7}\u{0CC6}\u{0CD5}\u{0CC2}\u{3099}\u{309A}\u{304B}\u{30A6}]",
                ],
                0..30,
            )
        ) {
            let s = v.concat();
            let mut pieces = String::new();
            push_nfc(&s, &mut pieces);
            prop_assert_eq!(pieces, s.nfc().collect::<String>());
        }

        #[test]
        fn plain_check_agrees_with_its_definition(
            v in prop::collection::vec(
                prop_oneof![
                    8 => "[a-z .;~]",
                    1 => "[&\\x00-\\x1F\\x7F\u{E9}\u{2019}\u{A0}\u{301}\u{436} ]",
                ],
                0..40,
            )
        ) {
            let s = v.concat();
            prop_assert_eq!(is_plain(&s), is_plain_simple(&s));
        }

        #[test]
        fn fast_path_agrees_with_slow_path(s in any_text(), b in any::<[bool; 8]>()) {
            let opts = options_from(b);
            let mut slow = String::new();
            normalize_line_slow(&s, &opts, &mut slow);
            prop_assert_eq!(line_with(&s, &opts), slow);
        }

        #[test]
        fn fused_lines_agree_with_line_by_line(s in any_text(), b in any::<[bool; 8]>()) {
            let [fast, simple] = lines_both_ways(&s, &options_from(b));
            prop_assert_eq!(fast, simple);
        }

        #[test]
        fn normalize_is_idempotent(s in any_text(), b in any::<[bool; 8]>()) {
            let opts = options_from(b);
            let once = normalize(&s, &opts);
            prop_assert_eq!(normalize(&once, &opts), once.clone());
            prop_assert!(once.is_empty() || once.ends_with('\n'));
            if opts.blank_lines {
                prop_assert!(!once.starts_with('\n'));
                prop_assert!(!once.ends_with("\n\n"));
                prop_assert!(!once.contains("\n\n\n"));
            }
        }

        #[test]
        fn split_lines_rejoins(s in any_text()) {
            let joined: String = split_lines(&s).map(|l| format!("{l}\n")).collect();
            let expected = s.replace("\r\n", "\n").replace('\r', "\n");
            let expected = if expected.is_empty() || expected.ends_with('\n') {
                expected
            } else {
                expected + "\n"
            };
            prop_assert_eq!(joined, expected);
        }
    }
}
