//! Counting words, which the truncate guard, `max-words`, the structural passes and their
//! thresholds all rely on. A word is a whitespace-separated token with a letter or digit, so
//! `–`, `|` and `—` do not count. Hot: it runs on most lines, so ASCII bytes take a fast path
//! and counting stops as soon as the caller's question is answered.

/// `text.trim()`, without a scan from each end when the text has nothing to trim (normalized
/// lines never have): two byte compares when both ends are ASCII and not whitespace, else the
/// first and last characters looked at in their bytes ([`trim_slow`]).
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

/// [`trim`] when an end of `text` is not a printable ASCII byte: lines that begin or end with
/// a quotation mark or in another script, which `str::trim` would decode and scan; it runs
/// only when the first or last character is whitespace.
#[inline(never)]
fn trim_slow(text: &str) -> &str {
    let bytes = text.as_bytes();
    if first_is_whitespace(bytes) || last_is_whitespace(bytes) {
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
/// ASCII text goes sixteen bytes at a time (SSE2, which every x86_64 CPU has).
#[cfg(target_arch = "x86_64")]
fn count_words(text: &str, stop_at: usize) -> usize {
    let bytes = text.as_bytes();
    let mut state = Count::default();
    let mut i = 0;
    while let Some(chunk) = bytes.get(i..i + 16) {
        match ascii_words_16(chunk, &mut state) {
            true => i += 16,
            // Non-ASCII bytes: character by character, to the first character boundary past
            // the chunk.
            false => {
                let end = (i + 16..=bytes.len())
                    .find(|&e| text.is_char_boundary(e))
                    .unwrap_or(bytes.len());
                if let Some(words) = count_from(text, i, end, stop_at, &mut state) {
                    return words;
                }
                i = end;
            }
        }
        if state.words >= stop_at {
            return stop_at;
        }
    }
    // The last bytes, padded with spaces: a space after the text ends its last token as the
    // end of the text does.
    let mut padded = [b' '; 16];
    padded[..bytes.len() - i].copy_from_slice(&bytes[i..]);
    if ascii_words_16(&padded, &mut state) {
        return state.words.min(stop_at);
    }
    count_from(text, i, bytes.len(), stop_at, &mut state)
        .unwrap_or_else(|| state.finish())
        .min(stop_at)
}

#[cfg(not(target_arch = "x86_64"))]
fn count_words(text: &str, stop_at: usize) -> usize {
    count_words_scalar(text, stop_at)
}

/// Words counted so far, and whether the last byte seen is in a token (with a letter or digit).
#[derive(Debug, Default, Clone, Copy)]
struct Count {
    words: usize,
    in_word: bool,
    has_alnum: bool,
}

impl Count {
    fn finish(self) -> usize {
        self.words + usize::from(self.in_word && self.has_alnum)
    }
}

/// Count the tokens of 16 ASCII bytes into `state`; `false` (and `state` untouched) when a byte
/// is not ASCII. Tokens are runs of non-whitespace; one counts when it ends (at a whitespace
/// byte) having a letter or digit, found by spreading the letter-or-digit bits along each run
/// (a segmented prefix OR, in four shifts).
#[cfg(target_arch = "x86_64")]
fn ascii_words_16(chunk: &[u8], state: &mut Count) -> bool {
    use std::arch::x86_64::{
        __m128i, _mm_and_si128, _mm_cmpeq_epi8, _mm_cmpgt_epi8, _mm_cmplt_epi8, _mm_loadu_si128,
        _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    assert!(chunk.len() >= 16, "a chunk of 16 bytes");
    // SAFETY: SSE2 is part of the x86_64 baseline; the load reads 16 bytes, which `chunk` has
    // (checked above), and needs no alignment.
    let (non_ascii, space, alnum) = unsafe {
        let v = _mm_loadu_si128(chunk.as_ptr().cast::<__m128i>());
        let between = |lo: u8, hi: u8, x: __m128i| {
            _mm_and_si128(
                _mm_cmpgt_epi8(x, _mm_set1_epi8(lo as i8 - 1)),
                _mm_cmplt_epi8(x, _mm_set1_epi8(hi as i8 + 1)),
            )
        };
        // ASCII whitespace as `char::is_whitespace` has it: \t \n \x0B \x0C \r and space.
        let space = _mm_or_si128(
            _mm_cmpeq_epi8(v, _mm_set1_epi8(b' ' as i8)),
            between(0x09, 0x0D, v),
        );
        let lower = _mm_or_si128(v, _mm_set1_epi8(0x20));
        let alnum = _mm_or_si128(between(b'0', b'9', v), between(b'a', b'z', lower));
        (
            _mm_movemask_epi8(v) as u32,
            _mm_movemask_epi8(space) as u32,
            _mm_movemask_epi8(alnum) as u32,
        )
    };
    if non_ascii != 0 {
        return false;
    }
    let run = !space & 0xFFFF;
    // A token that goes on from the previous chunk: its letter or digit counts at bit 0.
    let carried = u32::from(state.in_word && state.has_alnum) & run;
    if run & 1 == 0 && state.in_word && state.has_alnum {
        // It ended right at the chunk boundary.
        state.words += 1;
    }
    let mut has = (alnum | carried) & run;
    let mut joined = run & (run << 1);
    for shift in [1, 2, 4, 8] {
        has |= (has << shift) & joined;
        joined &= joined << shift;
    }
    // Tokens ending inside the chunk: the last byte of a run followed by whitespace.
    let ends = run & !(run >> 1) & 0x7FFF;
    state.words += (ends & has).count_ones() as usize;
    state.in_word = run & 0x8000 != 0;
    state.has_alnum = has & 0x8000 != 0;
    true
}

/// Count `text[start..end]` (character boundaries) into `state`: `Some(stop_at)` as soon as
/// the count reaches `stop_at`.
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
        fn wide_chunks_count_as_one_character_at_a_time(
            text in "([a-zA-Z0-9]{1,9}|[ .,\t\n\x0B\r|–-]{1,3}|é|’|\u{a0}|\u{2003}){0,80}",
            stop in 1usize..40,
        ) {
            prop_assert_eq!(count_words(&text, usize::MAX), count_words_scalar(&text, usize::MAX));
            prop_assert_eq!(count_words(&text, stop), count_words_scalar(&text, stop));
        }
    }
}
