//! Properties of the whole pipeline with the built-in rules, on generated documents made of
//! article sentences, chrome lines and odd characters: cleaning is idempotent, it only
//! removes (every output line is a line of the normalized input, less what strip rules took
//! out), and it never panics.

use declutter::{NormalizeOptions, RuleSet, normalize};
use proptest::prelude::*;

const PIECES: &[&str] = &[
    "Talks between US and Ukrainian officials are set to take place in Saudi Arabia next week.",
    "“We don’t need anything that belongs to others,” Putin said on Thursday.",
    "CONCESSIONS ON TERRITORY?",
    "US-Ukraine Relations Under Pressure",
    "spot_img",
    "spot_imgspot_img",
    "spot_imgHeadline glued to a token",
    "LEAVE A REPLY",
    "Please enter your comment!",
    "Share post:",
    "Subscribe",
    "Trending",
    "Read Also: Zelenskyy calls for truce",
    "Discover more from Defence Talks",
    "Anthony Kinyua",
    "Anthony Kinyua brings a unique blend of analytical skills.",
    "NAIROBI, Kenya—Two days after signing a deal with...",
    "Leave A Comment",
    "",
    "   ",
    "Читайте также: новости",
    "Der Bundestag hat am Donnerstag das Gesetz beschlossen.",
    "caf\u{e9} cafe\u{301} &amp; &nbsp; &#8217; \u{a0}\u{200b}\t tab",
];

fn document() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        4 => proptest::sample::select(PIECES).prop_map(str::to_string),
        1 => "[a-zA-Z .,!?&;#0-9\u{a0}\u{200b}\u{301}\t-]{0,40}",
    ];
    let sep = proptest::sample::select(&["\n", "\r\n", "\r", "\n\n"][..]);
    proptest::collection::vec((line, sep), 0..40)
        .prop_map(|parts| parts.into_iter().map(|(l, s)| format!("{l}{s}")).collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn cleaning_is_idempotent(doc in document()) {
        let rules = RuleSet::builtin();
        let once = rules.clean(&doc, None).text;
        let twice = rules.clean(&once, None).text;
        prop_assert_eq!(&once, &twice);
    }

    #[test]
    fn cleaning_only_removes(doc in document()) {
        let rules = RuleSet::builtin();
        let normalized = normalize(&doc, &NormalizeOptions::default());
        let out = rules.clean(&doc, None).text;
        // Every output line is an input line, or an input line less stripped tokens: its words
        // are a sub-sequence of that line's words.
        let inputs: Vec<&str> = normalized.lines().collect();
        for line in out.lines().filter(|l| !l.is_empty()) {
            let found = inputs.iter().any(|i| *i == line || is_word_subsequence(line, i));
            prop_assert!(found, "output line {:?} is not from the input:\n{}", line, normalized);
        }
        prop_assert!(out.is_empty() || out.ends_with('\n'));
        prop_assert!(!out.starts_with('\n') && !out.contains("\n\n\n"));
    }

    #[test]
    fn never_panics_on_any_text(doc in "\\PC{0,300}") {
        let _ = RuleSet::builtin().clean(&doc, Some("https://example.com/x"));
    }
}

fn is_word_subsequence(small: &str, big: &str) -> bool {
    // Strip rules remove spans inside words too ("spot_imgTitle"), so compare characters.
    let mut big = big.chars();
    small
        .chars()
        .filter(|c| !c.is_whitespace())
        .all(|c| big.any(|b| b == c))
}
