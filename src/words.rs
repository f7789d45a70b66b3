//! Counting words, which the truncate guard, `max-words`, the structural passes and their
//! thresholds all rely on. A word is a whitespace-separated token with a letter or digit, so
//! `–`, `|` and `—` do not count. Hot: it runs on most lines, so ASCII bytes take a fast path
//! and counting stops as soon as the caller's question is answered.

/// `text.trim()`, without a scan from each end when the text has nothing to trim (normalized
/// lines never have): two byte compares when both ends are ASCII and not whitespace, else
/// [`trim_slow`].
#[inline(always)]
pub(crate) fn trim(text: &str) -> &str {
    // A byte in `!`..=`~` is a whole character and not whitespace.
    let inert = |b: u8| (b'!'..=b'~').contains(&b);
    match text.as_bytes() {
        [] => text,
        [first, .., last] | [first @ last] if inert(*first) && inert(*last) => text,
        _ => trim_slow(text),
    }
}

/// [`EDGES`] bit of a byte that may be the first byte of a whitespace character: ASCII
/// whitespace and the lead bytes `C2`, `E1`, `E2`, `E3` (see [`first_is_whitespace`]).
const MAY_START: u8 = 1;
/// [`EDGES`] bit of a byte that may be the last byte of a whitespace character: ASCII
/// whitespace and the continuation bytes `80` to `8A`, `9F`, `A0`, `A8`, `A9`, `AF` (see
/// [`last_is_whitespace`]).
const MAY_END: u8 = 2;

/// [`MAY_START`] and [`MAY_END`] of every byte.
static EDGES: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let ascii_space = matches!(b, 0x09..=0x0D | 0x20);
        if ascii_space || matches!(b, 0xC2 | 0xE1 | 0xE2 | 0xE3) {
            t[b] |= MAY_START;
        }
        if ascii_space || matches!(b, 0x80..=0x8A | 0x9F | 0xA0 | 0xA8 | 0xA9 | 0xAF) {
            t[b] |= MAY_END;
        }
        b += 1;
    }
    t
};

/// [`trim`] when an end of `text` is not a printable ASCII byte: lines that begin or end with
/// a quotation mark or in another script. One table look-up for each end byte ([`EDGES`])
/// clears every end but those of whitespace and of a few other characters; only those are
/// looked at in their bytes, and `str::trim` runs only when one is whitespace.
#[inline(never)]
fn trim_slow(text: &str) -> &str {
    let bytes = text.as_bytes();
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return text;
    };
    if (EDGES[usize::from(first)] & MAY_START != 0 && first_is_whitespace(bytes))
        || (EDGES[usize::from(last)] & MAY_END != 0 && last_is_whitespace(bytes))
    {
        text.trim()
    } else {
        text
    }
}

/// Whether the UTF-8 `bytes` begin with a character that `char::is_whitespace` accepts: ASCII
/// tab to carriage return and space, and the other characters of Unicode's `White_Space`
/// (U+0085, U+00A0, U+1680, U+2000 to U+200A, U+2028, U+2029, U+202F, U+205F, U+3000).
fn first_is_whitespace(bytes: &[u8]) -> bool {
    matches!(
        bytes,
        [0x09..=0x0D | b' ', ..]
            | [0xC2, 0x85 | 0xA0, ..]
            | [0xE1, 0x9A, 0x80, ..]
            | [0xE2, 0x80, 0x80..=0x8A | 0xA8 | 0xA9 | 0xAF, ..]
            | [0xE2, 0x81, 0x9F, ..]
            | [0xE3, 0x80, 0x80, ..]
    )
}

/// Whether the UTF-8 `bytes` end with such a character. (The bytes matched begin with a lead
/// byte, so they are the whole last character.)
fn last_is_whitespace(bytes: &[u8]) -> bool {
    matches!(
        bytes,
        [.., 0x09..=0x0D | b' ']
            | [.., 0xC2, 0x85 | 0xA0]
            | [.., 0xE1, 0x9A, 0x80]
            | [.., 0xE2, 0x80, 0x80..=0x8A | 0xA8 | 0xA9 | 0xAF]
            | [.., 0xE2, 0x81, 0x9F]
            | [.., 0xE3, 0x80, 0x80]
    )
}

/// Words in `text`.
pub(crate) fn word_count(text: &str) -> usize {
    count_words(text, usize::MAX)
}

/// Words in `text`, but no more than `stop_at` (at least 1): `min(word_count(text), stop_at)`,
/// without counting past it.
pub(crate) fn word_count_up_to(text: &str, stop_at: usize) -> usize {
    count_words(text, stop_at.max(1))
}

/// Whether `text` has at most `limit` words. A line with fewer than `limit` possible separators
/// passes at once; otherwise counting stops at `limit + 1`.
pub(crate) fn at_most_words(text: &str, limit: usize) -> bool {
    // Tokens are at most the separators plus one. Every non-ASCII whitespace character starts
    // with one of the lead bytes C2, E1, E2, E3, so counting those too bounds the separators
    // of any text, in one pass the compiler vectorizes.
    let separators = text
        .bytes()
        .filter(|&b| b.is_ascii_whitespace() || matches!(b, 0xC2 | 0xE1 | 0xE2 | 0xE3))
        .count();
    separators < limit || count_words(text, limit.saturating_add(1)) <= limit
}

/// Words in `text`, counting no further than `stop_at` (at least 1): `min(words, stop_at)`.
/// Thirty-two bytes at a time with AVX2, else sixteen (SSE2, which every x86_64 CPU has); see
/// [`count_chunks`].
#[cfg(target_arch = "x86_64")]
fn count_words(text: &str, stop_at: usize) -> usize {
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2 (checked just above).
        unsafe { count_words_avx2(text, stop_at) }
    } else {
        count_words_sse2(text, stop_at)
    }
}

/// [`count_words`] sixteen bytes at a time.
#[cfg(target_arch = "x86_64")]
fn count_words_sse2(text: &str, stop_at: usize) -> usize {
    count_chunks::<16>(text.as_bytes(), stop_at, |chunk| {
        use std::arch::x86_64::{
            __m128i, _mm_cmpeq_epi8, _mm_cmpgt_epi8, _mm_loadu_si128, _mm_movemask_epi8,
            _mm_or_si128, _mm_set1_epi8, _mm_sub_epi8,
        };
        // SAFETY: SSE2 is part of the x86_64 baseline; the load reads the 16 bytes of
        // `chunk` and needs no alignment. Compares as in `count_words_avx2`.
        unsafe {
            let v = _mm_loadu_si128(chunk.as_ptr().cast::<__m128i>());
            let below = |x: __m128i, n: u8| _mm_cmpgt_epi8(_mm_set1_epi8(n as i8), x);
            let space = _mm_or_si128(
                _mm_cmpeq_epi8(v, _mm_set1_epi8(b' ' as i8)),
                below(_mm_sub_epi8(v, _mm_set1_epi8(0x89u8 as i8)), 0x85),
            );
            let lower = _mm_or_si128(v, _mm_set1_epi8(0x20));
            let alnum = _mm_or_si128(
                below(_mm_sub_epi8(v, _mm_set1_epi8(0xB0u8 as i8)), 0x8A),
                below(_mm_sub_epi8(lower, _mm_set1_epi8(0xE1u8 as i8)), 0x9A),
            );
            [
                _mm_movemask_epi8(below(_mm_sub_epi8(v, _mm_set1_epi8(0x40)), 0xC0)) as u32,
                _mm_movemask_epi8(space) as u32,
                _mm_movemask_epi8(alnum) as u32,
            ]
        }
    })
}

#[cfg(not(target_arch = "x86_64"))]
fn count_words(text: &str, stop_at: usize) -> usize {
    count_words_scalar(text, stop_at)
}

/// [`count_words`] thirty-two bytes at a time.
///
/// # Safety
///
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn count_words_avx2(text: &str, stop_at: usize) -> usize {
    use std::arch::x86_64::{
        __m256i, _mm256_cmpeq_epi8, _mm256_cmpgt_epi8, _mm256_loadu_si256, _mm256_movemask_epi8,
        _mm256_or_si256, _mm256_set1_epi8, _mm256_sub_epi8,
    };
    count_chunks::<32>(
        text.as_bytes(),
        stop_at,
        #[inline(always)]
        |chunk| {
            // SAFETY: the load reads the 32 bytes of `chunk` and needs no alignment; AVX2 is
            // there (the caller's promise).
            unsafe {
                let v = _mm256_loadu_si256(chunk.as_ptr().cast::<__m256i>());
                // `x` in `lo..lo + n` (n <= 128) is `x - lo - 128 < n - 128` in signed bytes:
                // `below(x - (lo + 128), n - 128)`, all wrapping.
                let below = |x: __m256i, n: u8| _mm256_cmpgt_epi8(_mm256_set1_epi8(n as i8), x);
                // ASCII whitespace as `char::is_whitespace` has it: space and \t..=\r.
                let space = _mm256_or_si256(
                    _mm256_cmpeq_epi8(v, _mm256_set1_epi8(b' ' as i8)),
                    below(_mm256_sub_epi8(v, _mm256_set1_epi8(0x89u8 as i8)), 0x85),
                );
                // Digits, and letters in either case.
                let lower = _mm256_or_si256(v, _mm256_set1_epi8(0x20));
                let alnum = _mm256_or_si256(
                    below(_mm256_sub_epi8(v, _mm256_set1_epi8(0xB0u8 as i8)), 0x8A),
                    below(_mm256_sub_epi8(lower, _mm256_set1_epi8(0xE1u8 as i8)), 0x9A),
                );
                [
                    // Lead bytes of non-ASCII characters: 0xC0 and up.
                    _mm256_movemask_epi8(below(_mm256_sub_epi8(v, _mm256_set1_epi8(0x40)), 0xC0))
                        as u32,
                    _mm256_movemask_epi8(space) as u32,
                    _mm256_movemask_epi8(alnum) as u32,
                ]
            }
        },
    )
}

/// The loop of [`count_words`]: `W` bytes at a time; `masks` gives a chunk's byte masks
/// `[non-ASCII lead byte, ASCII whitespace, ASCII letter or digit]` (bit `k` for byte `k`).
///
/// A non-ASCII character is classified at its lead byte ([`class_at`]); its other bytes are
/// neither whitespace nor letters. That is exact for whitespace too: the other bytes of a
/// whitespace character then join the token after it (or make one of their own), which has a
/// letter or digit exactly when it had one without them.
///
/// A token with a letter or digit is counted at its first one: a letter or digit whose nearest
/// whitespace-or-alphanumeric byte before it is whitespace (or none, at the start of the text).
/// Adding the whitespace bits to the non-alphanumeric bits finds them all at once: a carry
/// starts at each whitespace bit, runs through the bits that are neither, and stops at the
/// first letter or digit, which it sets; the carry out of the chunk goes on into the next.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn count_chunks<const W: usize>(
    bytes: &[u8],
    stop_at: usize,
    masks: impl Fn(&[u8; W]) -> [u32; 3],
) -> usize {
    let mut words = 0;
    // 1 when the nearest whitespace-or-alphanumeric byte so far is whitespace, or there is none.
    let mut carry = 1;
    let mut i = 0;
    while let Some(chunk) = bytes.get(i..i + W) {
        words += count_chunk::<W>(
            bytes,
            i,
            masks(chunk.try_into().expect("W bytes")),
            &mut carry,
        );
        if words >= stop_at {
            return stop_at;
        }
        i += W;
    }
    if i < bytes.len() {
        // A space after the text ends its last token as the end of the text does.
        let m = tail_masks(bytes, i, b' ', masks);
        words += count_chunk::<W>(bytes, i, m, &mut carry);
    }
    words.min(stop_at)
}

/// The byte masks that `masks` gives for a chunk of `W` bytes, for the fewer than `W` last
/// bytes of `bytes` from `i` on (bit 0 for `bytes[i]`): the last `W` bytes of `bytes` with
/// those before `i` shifted out, or, when `bytes` is shorter than `W`, its bytes from `i`
/// padded with `pad`. For the SIMD loops of word counting and normalization, which read whole
/// chunks only.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(crate) fn tail_masks<const W: usize, const N: usize>(
    bytes: &[u8],
    i: usize,
    pad: u8,
    masks: impl Fn(&[u8; W]) -> [u32; N],
) -> [u32; N] {
    match bytes.len().checked_sub(W) {
        Some(start) => masks(bytes[start..].try_into().expect("W bytes")).map(|m| m >> (i - start)),
        None => {
            let mut padded = [pad; W];
            padded[..bytes.len() - i].copy_from_slice(&bytes[i..]);
            masks(&padded)
        }
    }
}

/// The first letters or digits of tokens among `W` bytes from `bytes[base]`, given their
/// masks from [`count_chunks`] (bit `k` for `bytes[base + k]`; bits past the text clear), with
/// `carry` in and out.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn count_chunk<const W: usize>(
    bytes: &[u8],
    base: usize,
    [mut leads, mut space, mut alnum]: [u32; 3],
    carry: &mut u64,
) -> usize {
    while leads != 0 {
        let k = leads.trailing_zeros();
        leads &= leads - 1;
        match class_at(bytes, base + k as usize) {
            Class::Space => space |= 1 << k,
            Class::Alnum => alnum |= 1 << k,
            Class::Other => {}
        }
    }
    let sum = (!u64::from(alnum) & (u64::MAX >> (64 - W))) + u64::from(space) + *carry;
    *carry = sum >> W;
    (sum as u32 & alnum).count_ones() as usize
}

/// What a character counts as in a word count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Space,
    Alnum,
    Other,
}

/// The [`Class`] of the character whose first byte is `bytes[at]` (a lead byte of valid UTF-8),
/// read from its bytes for the blocks news text is made of: U+0100 to U+02BF (leads `C4` to
/// `CA`), U+0400 to U+047F and U+04C0 to U+04FF (`D0`, `D1`, `D3`), U+4000 to U+4DBF and
/// U+4E00 to U+9FFF (`E4` but `E4 B7`, `E5` to `E9`) and U+B000 to U+CFFF (`EB`, `EC`), all
/// letters; U+00C0 to U+00FF (`C3`), letters but for `×` and `÷`; U+2000 to U+203F
/// (`E2 80`), spaces or punctuation; U+3000 to U+30FF (`E3 80` to `E3 83`), from a table.
/// Other characters are decoded and classified.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn class_at(bytes: &[u8], at: usize) -> Class {
    match bytes[at] {
        0xC4..=0xCA | 0xD0 | 0xD1 | 0xD3 | 0xE5..=0xE9 | 0xEB | 0xEC => Class::Alnum,
        0xC3 if matches!(bytes[at + 1], 0x97 | 0xB7) => Class::Other,
        0xC3 => Class::Alnum,
        0xE4 if bytes[at + 1] != 0xB7 => Class::Alnum,
        0xE2 if bytes[at + 1] == 0x80 => match bytes[at + 2] {
            0x80..=0x8A | 0xA8 | 0xA9 | 0xAF => Class::Space,
            _ => Class::Other,
        },
        0xE3 if bytes[at + 1] <= 0x83 => {
            // U+3000 to U+30FF: bit `k` of the word for `k` in the block.
            let k = usize::from(bytes[at + 1] & 0x3F) * 64 + usize::from(bytes[at + 2] & 0x3F);
            if k == 0 {
                Class::Space
            } else if ALNUM_3000[k / 64] >> (k % 64) & 1 != 0 {
                Class::Alnum
            } else {
                Class::Other
            }
        }
        _ => match classify(char_at(bytes, at)) {
            (true, _) => Class::Space,
            (false, true) => Class::Alnum,
            (false, false) => Class::Other,
        },
    }
}

/// Letters and digits among U+3000 to U+30FF (CJK punctuation, hiragana, katakana), bit `k`
/// for U+3000 + `k`. Only U+3000 itself is whitespace.
const ALNUM_3000: [u64; 4] = [
    0x1f3e_03fe_0000_00e0,
    0xffff_ffff_ffff_fffe,
    0xffff_fffe_e07f_ffff,
    0xf7ff_ffff_ffff_ffff,
];

/// The character whose first byte is `bytes[at]`, a lead byte of valid UTF-8.
#[cfg(target_arch = "x86_64")]
pub(crate) fn char_at(bytes: &[u8], at: usize) -> char {
    let cont = |k: usize| u32::from(bytes[at + k] & 0x3F);
    let b = u32::from(bytes[at]);
    let c = match b {
        0xC0..=0xDF => (b & 0x1F) << 6 | cont(1),
        0xE0..=0xEF => (b & 0x0F) << 12 | cont(1) << 6 | cont(2),
        _ => (b & 0x07) << 18 | cont(1) << 12 | cont(2) << 6 | cont(3),
    };
    // Valid UTF-8 always decodes to a char (the fallback is never taken).
    char::from_u32(c).unwrap_or('\u{FFFD}')
}

/// Words counted so far, and whether the last byte seen is in a token (with a letter or digit).
#[cfg_attr(target_arch = "x86_64", cfg(test))]
#[derive(Debug, Default, Clone, Copy)]
struct Count {
    words: usize,
    in_word: bool,
    has_alnum: bool,
}

#[cfg_attr(target_arch = "x86_64", cfg(test))]
impl Count {
    fn finish(self) -> usize {
        self.words + usize::from(self.in_word && self.has_alnum)
    }
}

/// Count `text[start..end]` (character boundaries) into `state`: `Some(stop_at)` as soon as
/// the count reaches `stop_at`.
#[cfg_attr(target_arch = "x86_64", cfg(test))]
fn count_from(
    text: &str,
    start: usize,
    end: usize,
    stop_at: usize,
    state: &mut Count,
) -> Option<usize> {
    let bytes = text.as_bytes();
    let Count {
        mut words,
        mut in_word,
        mut has_alnum,
    } = *state;
    let mut i = start;
    while i < end {
        let b = bytes[i];
        let (space, alnum, len) = if b.is_ascii() {
            ((b as char).is_whitespace(), b.is_ascii_alphanumeric(), 1)
        } else {
            let c = text[i..].chars().next().expect("i is on a char boundary");
            let (space, alnum) = classify(c);
            (space, alnum, c.len_utf8())
        };
        if space {
            if in_word && has_alnum {
                words += 1;
                if words >= stop_at {
                    return Some(words);
                }
            }
            (in_word, has_alnum) = (false, false);
        } else {
            in_word = true;
            has_alnum |= alnum;
        }
        i += len;
    }
    *state = Count {
        words,
        in_word,
        has_alnum,
    };
    None
}

/// [`count_words`] one character at a time ([`count_from`] over the whole text).
#[cfg_attr(target_arch = "x86_64", cfg(test))]
fn count_words_scalar(text: &str, stop_at: usize) -> usize {
    let mut state = Count::default();
    count_from(text, 0, text.len(), stop_at, &mut state).unwrap_or_else(|| state.finish())
}

/// `(is_whitespace, is_alphanumeric)` of a non-ASCII character, with table-free answers for
/// the blocks news text is made of (the standard library's lookups are slow outside Latin-1).
fn classify(c: char) -> (bool, bool) {
    match c as u32 {
        // Latin-1 letters and Latin Extended-A/B, but for × and ÷.
        0xC0..=0x24F => (false, c != '×' && c != '÷'),
        // Basic Cyrillic letters (U+0482..U+0489 are signs and combining marks).
        0x400..=0x481 | 0x48A..=0x4FF => (false, true),
        // General Punctuation: dashes, quotes, ellipsis, spaces; no letters or digits.
        0x2000..=0x206F => (
            matches!(
                c as u32,
                0x2000..=0x200A | 0x2028 | 0x2029 | 0x202F | 0x205F
            ),
            false,
        ),
        _ => (c.is_whitespace(), c.is_alphanumeric()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn counts_tokens_with_letters_or_digits() {
        assert_eq!(word_count("A – b, c 12 — ."), 4);
        assert_eq!(word_count("  Kyiv’s  allies\u{a0}said — “yes.” "), 4);
        assert_eq!(word_count(""), 0);
        assert_eq!(word_count("Ünïcödé wörds"), 2);
    }

    #[test]
    fn trim_is_str_trim() {
        for t in [
            "",
            " ",
            "a",
            " a ",
            "a\t",
            "\u{0B}x",
            "x\u{0C}",
            "\u{A0}é\u{3000}",
            "é",
            "—x—",
            "\u{1}a\u{7F}",
            "a\u{85}",
            "\u{2003}a b\u{2028}",
            "“Quoted,” he said.",
            "Київ",
            "“\u{3000}",
            "\u{3000}”",
        ] {
            assert_eq!(trim(t), t.trim(), "{t:?}");
        }
    }

    #[test]
    fn trim_agrees_with_str_trim_on_every_character() {
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            for t in [
                c.to_string(),
                format!("{c}x"),
                format!("x{c}"),
                format!("é{c}“"),
            ] {
                assert_eq!(trim(&t), t.trim(), "U+{:04X} in {t:?}", c as u32);
            }
        }
    }

    #[test]
    fn at_most_words_agrees_at_the_edges() {
        assert!(at_most_words("one two three", 3));
        assert!(!at_most_words("one two three four", 3));
        assert!(at_most_words("one – two | three", 3));
        assert!(!at_most_words("eins zwei drei vier fünf", 4));
        assert!(at_most_words("", 0));
    }

    #[test]
    fn fast_classification_agrees_with_the_standard_library() {
        for c in (0x80u32..0x3000).filter_map(char::from_u32) {
            assert_eq!(
                classify(c),
                (c.is_whitespace(), c.is_alphanumeric()),
                "{c:?} U+{:04X}",
                c as u32
            );
        }
    }

    /// The definition: tokens split at whitespace with a letter or digit.
    fn plain_count(text: &str) -> usize {
        text.split_whitespace()
            .filter(|w| w.chars().any(char::is_alphanumeric))
            .count()
    }

    /// Every way `count_words` can run on this machine, each against the plain definition.
    fn assert_counts(text: &str) {
        let plain = plain_count(text);
        for stop in [1, 2, plain.max(1), plain + 1, usize::MAX] {
            let want = plain.min(stop);
            assert_eq!(count_words(text, stop), want, "{text:?} stop {stop}");
            assert_eq!(count_words_scalar(text, stop), want, "{text:?} stop {stop}");
            #[cfg(target_arch = "x86_64")]
            {
                assert_eq!(count_words_sse2(text, stop), want, "{text:?} stop {stop}");
                if std::arch::is_x86_feature_detected!("avx2") {
                    // SAFETY: the CPU has AVX2 (checked just above).
                    let avx2 = unsafe { count_words_avx2(text, stop) };
                    assert_eq!(avx2, want, "{text:?} stop {stop}");
                }
            }
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn character_classes_agree_with_the_standard_library() {
        for c in (0x80u32..=0x10FFFF).filter_map(char::from_u32) {
            let want = match (c.is_whitespace(), c.is_alphanumeric()) {
                (true, _) => Class::Space,
                (false, true) => Class::Alnum,
                (false, false) => Class::Other,
            };
            let bytes = c.to_string().into_bytes();
            assert_eq!(class_at(&bytes, 0), want, "{c:?} U+{:04X}", c as u32);
        }
    }

    #[test]
    fn counts_at_every_position_of_the_wide_chunks() {
        for at in 0..70 {
            for mid in [
                " ",
                "  ",
                "\t",
                "\u{0B}",
                "é",
                "×",
                "÷",
                "’",
                "—",
                "“x”",
                "\u{A0}",
                "\u{2003}",
                "\u{3000}",
                "\u{1680}",
                "\u{2028}",
                "\u{205F}",
                "日本",
                "・",
                "ひら",
                "Київ",
                "한",
                "\u{4DC0}",
                "\u{301}",
                "😀",
                "𝟙",
                "٣",
                "a\u{A0}b",
                "x\u{3000}y",
                "-",
            ] {
                for fill in ["a", " ", "-", "é"] {
                    let text = format!("{}{mid}{}", fill.repeat(at), "b c".repeat(8));
                    assert_counts(&text);
                    assert_counts(&format!("{}{mid}", "ab ".repeat(at / 3)));
                    for n in 0..=text.len() {
                        if let Some(part) = text.get(n..) {
                            assert_counts(part);
                        }
                    }
                }
            }
        }
    }

    proptest! {
        #[test]
        fn matches_the_plain_definition(text in "[a-zA-Z0-9 .,–|\u{a0}\u{2003}é’\t-]{0,60}", limit in 0usize..12) {
            let plain = text
                .split_whitespace()
                .filter(|w| w.chars().any(char::is_alphanumeric))
                .count();
            prop_assert_eq!(word_count(&text), plain);
            prop_assert_eq!(at_most_words(&text, limit), plain <= limit);
            prop_assert_eq!(trim(&text), text.trim());
            prop_assert_eq!(word_count_up_to(&text, limit + 1), plain.min(limit + 1));
        }

        #[test]
        fn chunks_count_as_the_definition_on_any_script(
            v in prop::collection::vec(
                prop_oneof![
                    6 => "[a-zA-Z0-9]{1,9}",
                    4 => "[ \t\n\x0B\r]{1,2}",
                    2 => "[.,|–—’“”×÷・。、-]",
                    2 => "[\u{A0}\u{85}\u{1680}\u{2000}-\u{200B}\u{2028}\u{2029}\u{202F}\u{205F}\u{3000}]",
                    3 => "[à-ÿĀ-ʿЀ-ӿ\u{3000}-\u{30FF}\u{4DB0}-\u{4E10}日本語한국\u{0300}-\u{036F}\u{2070}-\u{209F}]{1,6}",
                    1 => any::<char>().prop_map(String::from),
                ],
                0..60,
            ),
            stop in 1usize..40,
        ) {
            let text = v.concat();
            let plain = plain_count(&text);
            prop_assert_eq!(count_words(&text, usize::MAX), plain);
            prop_assert_eq!(count_words(&text, stop), plain.min(stop));
            #[cfg(target_arch = "x86_64")]
            prop_assert_eq!(count_words_sse2(&text, stop), plain.min(stop));
        }

        #[test]
        fn wide_chunks_count_as_one_character_at_a_time(
            text in "([a-zA-Z0-9]{1,9}|[ .,\t\n\x0B\r|–-]{1,3}|é|’|\u{a0}|\u{2003}){0,80}",
            stop in 1usize..40,
        ) {
            prop_assert_eq!(count_words(&text, usize::MAX), count_words_scalar(&text, usize::MAX));
            prop_assert_eq!(count_words(&text, stop), count_words_scalar(&text, stop));
        }
    }
}
