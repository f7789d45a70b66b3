//! Counting words, which the truncate guard, `max-words`, the structural passes and their
//! thresholds all rely on. A word is a whitespace-separated token with a letter or digit, so
//! `–`, `|` and `—` do not count. Hot: it runs on most lines, so ASCII bytes take a fast path
//! and counting stops as soon as the caller's question is answered.

/// Words in `text`.
pub(crate) fn word_count(text: &str) -> usize {
    count_words(text, usize::MAX)
}

/// Whether `text` has at most `limit` words. A line of at most `limit` whitespace-separated
/// ASCII tokens passes at once (a byte count the compiler vectorizes); otherwise counting stops
/// at `limit + 1`.
pub(crate) fn at_most_words(text: &str, limit: usize) -> bool {
    if text.is_ascii() && text.bytes().filter(u8::is_ascii_whitespace).count() < limit {
        return true;
    }
    count_words(text, limit.saturating_add(1)) <= limit
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
            (c.is_whitespace(), c.is_alphanumeric(), c.len_utf8())
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
    fn at_most_words_agrees_at_the_edges() {
        assert!(at_most_words("one two three", 3));
        assert!(!at_most_words("one two three four", 3));
        assert!(at_most_words("one – two | three", 3));
        assert!(!at_most_words("eins zwei drei vier fünf", 4));
        assert!(at_most_words("", 0));
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
        }
    }
}
