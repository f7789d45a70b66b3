//! Where a reader-comment thread starts, from the lines `thread` rules mark as its entries (the
//! thread's title, an author line, a date stamp).
//!
//! One entry-like line proves nothing: a dated byline, a quoted "Jane says:". A thread is an
//! entry that is followed by a sentence (someone's comment) and then by another entry, after
//! enough sentences of article text. Its first entry (the title, when the thread has one) cuts
//! the rest of the document.
//!
//! Every condition only weakens when lines are removed (fewer sentences, fewer entries), so a
//! second cleaning of the output finds no new cut: cleaning stays idempotent.

use crate::clean::View;
use crate::rules::RuleId;
use crate::settings::ThreadSettings;
use crate::structure::ends_like_sentence;
use crate::words::{trim, word_count_up_to};

/// The line where the thread starts and the rule of its confirmed entry, if there is a thread.
/// `entry[i]` is the `thread` rule line `i` matched; only alive lines count.
pub(crate) fn thread_start(
    views: &[View],
    entry: &[Option<RuleId>],
    s: &ThreadSettings,
) -> Option<(usize, RuleId)> {
    let is_entry = |i: usize| views[i].alive && entry[i].is_some();
    let is_sentence = |i: usize| {
        views[i].alive && !views[i].is_blank() && ends_like_sentence(trim(views[i].text))
    };
    let last_entry = (0..views.len()).rev().find(|&i| is_entry(i))?;
    // An entry before this line is followed by a sentence and then by another entry.
    let last_sentence = (0..last_entry).rev().find(|&i| is_sentence(i))?;
    let mut words = 0;
    for i in 0..last_sentence {
        if is_entry(i) && words >= s.min_words_before {
            return Some((i, entry[i]?));
        }
        if words < s.min_words_before && is_sentence(i) {
            words += word_count_up_to(views[i].text, s.min_words_before - words);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clean::test_views::views as test_views;

    const SENTENCE: &str = "The council approved the new budget after a long debate on Tuesday.";

    /// `E` marks an entry line, `S` a sentence, anything else is a short non-sentence line.
    fn doc(article_sentences: usize, tail: &[&str]) -> (Vec<String>, Vec<Option<RuleId>>) {
        let mut lines: Vec<String> = (0..article_sentences).map(|_| SENTENCE.into()).collect();
        lines.extend(tail.iter().map(|t| match *t {
            "S" => "Great piece, thanks for writing it.".to_string(),
            other => other.to_string(),
        }));
        let entry = lines
            .iter()
            .map(|l| l.starts_with('E').then_some(RuleId(0)))
            .collect();
        (lines, entry)
    }

    fn start(article_sentences: usize, tail: &[&str]) -> Option<usize> {
        let (lines, entry) = doc(article_sentences, tail);
        let text = lines.join("\n");
        let views = test_views(&text);
        let s = ThreadSettings::default();
        thread_start(&views, &entry, &s).map(|(i, _)| i)
    }

    #[test]
    fn a_thread_after_the_article_starts_at_its_title() {
        // 10 sentences of 12 words: 120 words before the thread.
        let tail = ["E 3 comments", "E Jane says:", "S", "E Tom says:", "S"];
        assert_eq!(start(10, &tail), Some(10));
    }

    #[test]
    fn entries_need_not_alternate_with_comments() {
        // An author line, a control line and a date stamp, then the comment.
        let tail = [
            "E Jane says:",
            "Reply",
            "E May 1, 2020 at 9:14 am",
            "S",
            "E x",
        ];
        assert_eq!(start(10, &tail), Some(10));
    }

    #[test]
    fn one_entry_or_entries_without_a_comment_between_them_are_no_thread() {
        assert_eq!(start(10, &["E Jane says:", "S"]), None);
        assert_eq!(start(10, &["E Jane says:", "E Tom says:"]), None);
        assert_eq!(
            start(10, &["E Jane says:", "short line", "E Tom says:", "S"]),
            None
        );
    }

    #[test]
    fn an_entry_without_enough_sentences_before_it_stays() {
        // 8 sentences: 96 words, under the guard of 100.
        assert_eq!(start(8, &["E Jane says:", "S", "E Tom says:", "S"]), None);
        // A dated byline near the top stays; the thread after the article is cut.
        let (mut lines, mut entry) = doc(10, &["E Jane says:", "S", "E Tom says:", "S"]);
        lines.insert(0, "E By Ann Lee on May 1, 2020 at 9:14 am".into());
        entry.insert(0, Some(RuleId(0)));
        let text = lines.join("\n");
        let views = test_views(&text);
        let got = thread_start(&views, &entry, &ThreadSettings::default());
        assert_eq!(got.map(|(i, _)| i), Some(11));
    }

    #[test]
    fn dropped_lines_do_not_count() {
        let (lines, entry) = doc(10, &["E Jane says:", "S", "E Tom says:", "S"]);
        let text = lines.join("\n");
        let mut views = test_views(&text);
        // Without the last entry there is no second entry after a comment.
        views[12].alive = false;
        assert_eq!(
            thread_start(&views, &entry, &ThreadSettings::default()),
            None
        );
    }
}
