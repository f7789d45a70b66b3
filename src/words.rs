//! Counting words, which the truncate guard, `max-words`, the structural passes and their
//! thresholds all rely on. A word is a whitespace-separated token with a letter or digit, so
//! `–`, `|` and `—` do not count. Hot: it runs on most lines, so ASCII bytes take a fast path
//! and counting stops as soon as the caller's question is answered.

/// `text.trim()`, without decoding characters when both ends are ASCII and not whitespace
/// (normalized lines almost always are): two byte compares instead of a scan from each end.
pub(crate) fn trim(text: &str) -> &str {
    // A byte in `!`..=`~` is a whole character and not whitespace; anything else (ASCII
    // whitespace or controls, or the last byte of a multi-byte character) takes the slow path.
    let inert = |b: Option<&u8>| b.is_some_and(|&b| (b'!'..=b'~').contains(&b));
    let bytes = text.as_bytes();
    if inert(bytes.first()) && inert(bytes.last()) {
        text
    } else {
        text.trim()
    }
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

/// Words in `text`, counting no further than `stop_at`.
fn count_words(text: &str, stop_at: usize) -> usize {
    let bytes = text.as_bytes();
    let (mut words, mut in_word, mut has_alnum) = (0, false, false);
    let mut i = 0;
    while i < bytes.len() {
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
                    return words;
                }
            }
            (in_word, has_alnum) = (false, false);
        } else {
            in_word = true;
            has_alnum |= alnum;
        }
        i += len;
    }
    words + usize::from(in_word && has_alnum)
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
        ] {
            assert_eq!(trim(t), t.trim(), "{t:?}");
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
    }
}
