//! Structural passes: chrome recognised by the shape of the text, not by any site's words.
//!
//! - author box: a short name line, repeated, then a bio paragraph that starts with the name;
//! - duplicates: a line equal to the previous kept line (blank lines between do not count);
//! - tail: a trailing run of short lines that do not end like sentences (link lists, teaser
//!   headlines, `Trending`, teasers cut off with `...`), while a real closing paragraph stays.
//!
//! Each pass only looks at lines still alive and is stable on its own output, so cleaning stays
//! idempotent. Thresholds come from the settings file.

use crate::clean::{Action, By, Hit, Stage, View};
use crate::settings::{AuthorBoxSettings, TailSettings};
use crate::words::{trim, word_count, word_count_up_to};

fn drop(v: &mut View, stage: Stage, hits: &mut Vec<Hit>) {
    v.alive = false;
    hits.push(Hit {
        line: v.line,
        by: By::Stage(stage),
        action: Action::DroppedLine,
        score: None,
    });
}

/// Indices of alive, non-blank lines (allocated once, at the size of the document: a
/// collected filter would grow the vector several times).
fn content_lines(views: &[View]) -> Vec<usize> {
    let mut idx = Vec::with_capacity(views.len());
    idx.extend(
        views
            .iter()
            .enumerate()
            .filter(|(_, v)| v.alive && !v.is_blank())
            .map(|(i, _)| i),
    );
    idx
}

/// Whether the line ends like a sentence: `.`, `!` or `?`, possibly followed by closing quotes
/// or brackets, but not an ellipsis (teasers are cut off with one).
pub(crate) fn ends_like_sentence(text: &str) -> bool {
    let t = text.trim_end_matches(['"', '\'', '”', '’', '»', ')', ']', '*']);
    if t.ends_with("...") || t.ends_with('…') {
        return false;
    }
    t.ends_with(['.', '!', '?'])
}

fn is_teaser(text: &str) -> bool {
    let t = text.trim_end();
    t.ends_with("...") || t.ends_with('…') || t.ends_with("[…]") || t.ends_with("[...]")
}

fn looks_like_name(text: &str, max_words: usize) -> bool {
    let words = text.split_whitespace().count();
    (1..=max_words).contains(&words)
        && !ends_like_sentence(text)
        && text
            .split_whitespace()
            .all(|w| w.chars().next().is_some_and(|c| c.is_uppercase()))
}

/// Name line, the same name again, then a bio starting with the name: all three go.
pub(crate) fn author_box(views: &mut [View], s: &AuthorBoxSettings, hits: &mut Vec<Hit>) {
    let idx = content_lines(views);
    let mut k = 0;
    while k + 2 < idx.len() {
        let (a, b, c) = (idx[k], idx[k + 1], idx[k + 2]);
        let name = trim(views[a].text);
        let bio = trim(views[c].text);
        // Cheapest test first: nearly every line differs from the next one.
        let is_box = trim(views[b].text) == name
            && looks_like_name(name, s.max_name_words)
            && bio.len() > name.len()
            && bio.starts_with(name)
            && word_count(bio) <= s.max_bio_words;
        if is_box {
            for i in [a, b, c] {
                drop(&mut views[i], Stage::AuthorBox, hits);
            }
            k += 3;
        } else {
            k += 1;
        }
    }
}

/// A line equal to the previous kept line is dropped.
pub(crate) fn duplicates(views: &mut [View], hits: &mut Vec<Hit>) {
    let mut prev: Option<&str> = None;
    for v in views.iter_mut() {
        if !v.alive || v.is_blank() {
            continue;
        }
        let t = trim(v.text);
        if prev == Some(t) {
            drop(v, Stage::Duplicate, hits);
        } else {
            prev = Some(t);
        }
    }
}

/// Whether the line introduces a list ("… should have the following supplies ready:"): a
/// clause of several words ending in a colon. A short label such as `Related:` is not one.
fn introduces_list(text: &str) -> bool {
    text.trim_end().ends_with(':') && word_count(text) >= LIST_LEAD_IN_WORDS
}

/// Words a colon-terminated line needs to count as a list's lead-in sentence.
const LIST_LEAD_IN_WORDS: usize = 5;

/// Drop the trailing run of short non-sentence lines and teasers, if it is long enough and does
/// not take too much of the document. A run that follows a line introducing a list is the
/// article's own list and stays.
pub(crate) fn tail(views: &mut [View], s: &TailSettings, hits: &mut Vec<Hit>) {
    let idx = content_lines(views);
    let mut run_words = 0;
    let mut start = idx.len();
    for (k, &i) in idx.iter().enumerate().rev() {
        let t = trim(views[i].text);
        // More words than either limit: not short, and the count no longer matters.
        let words = word_count_up_to(t, s.max_words.max(s.max_teaser_words).saturating_add(1));
        let short = (words <= s.max_words && !ends_like_sentence(t) && !introduces_list(t))
            || (is_teaser(t) && words <= s.max_teaser_words);
        if !short {
            break;
        }
        run_words += words;
        start = k;
    }
    let run = idx.len() - start;
    if run < s.min_run || start == 0 || introduces_list(views[idx[start - 1]].text) {
        // Too short a run, the whole document, or a list with its lead-in.
        return;
    }
    let total: usize = idx.iter().map(|&i| word_count(views[i].text)).sum();
    if (run_words as f64) <= s.max_share * total as f64 {
        for &i in &idx[start..] {
            drop(&mut views[i], Stage::Tail, hits);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clean::test_views::{kept, views};

    const BODY: &str = "The talks will take place in Jeddah next week, officials said on Monday.\nBoth sides hope for progress on a ceasefire and on security guarantees.\n";

    #[test]
    fn author_box_goes_whole() {
        let text = format!(
            "{BODY}Jane Doe\nJane Doe\nJane Doe writes about defence and security for the site.\nEnd of story here.\n"
        );
        let mut v = views(&text);
        let mut hits = vec![];
        author_box(&mut v, &AuthorBoxSettings::default(), &mut hits);
        assert_eq!(kept(&v), format!("{BODY}End of story here.\n"));
        assert_eq!(hits.len(), 3);
    }

    #[test]
    fn a_repeated_heading_without_bio_is_not_an_author_box() {
        let text = format!("Key Points\nKey Points\n{BODY}");
        let mut v = views(&text);
        author_box(&mut v, &AuthorBoxSettings::default(), &mut vec![]);
        assert_eq!(kept(&v), text);
    }

    #[test]
    fn duplicates_ignore_blank_lines_between() {
        let mut v = views("A.\n\nA.\nB.\nA.\n");
        duplicates(&mut v, &mut vec![]);
        assert_eq!(kept(&v), "A.\n\nB.\nA.\n");
    }

    #[test]
    fn tail_drops_teasers_and_keeps_closing_paragraph() {
        let text = format!(
            "{BODY}Trending\nGachagua: Bomas of Kenya Sold to Turkish National\nNAIROBI, Kenya—Kenya’s former Deputy President Rigathi Gachagua is making...\n"
        );
        let mut v = views(&text);
        tail(&mut v, &TailSettings::default(), &mut vec![]);
        assert_eq!(kept(&v), BODY);
    }

    #[test]
    fn tail_keeps_a_single_short_closing_line() {
        let text = format!("{BODY}Reporting by Jane Doe; Editing by John Roe\n");
        let mut v = views(&text);
        tail(&mut v, &TailSettings::default(), &mut vec![]);
        assert_eq!(kept(&v), text);
    }

    #[test]
    fn tail_keeps_a_list_with_its_lead_in() {
        let text = format!(
            "{BODY}Every household should have these supplies ready:\nBottled water\nCanned food\nA flashlight\n"
        );
        let mut v = views(&text);
        tail(&mut v, &TailSettings::default(), &mut vec![]);
        assert_eq!(kept(&v), text);
    }

    #[test]
    fn tail_still_drops_a_labelled_link_list() {
        let text = format!("{BODY}Related:\nCouncil approves budget\nStorm warning issued\n");
        let mut v = views(&text);
        tail(&mut v, &TailSettings::default(), &mut vec![]);
        assert_eq!(kept(&v), BODY);
    }

    #[test]
    fn tail_never_takes_more_than_max_share() {
        let text = "Short intro.\nLink one\nLink two\nLink three\n";
        let mut v = views(text);
        tail(&mut v, &TailSettings::default(), &mut vec![]);
        assert_eq!(kept(&v), text);
    }

    #[test]
    fn sentence_endings() {
        assert!(ends_like_sentence("He said “yes.”"));
        assert!(!ends_like_sentence("Gachagua is making..."));
        assert!(!ends_like_sentence("More like this"));
    }
}
