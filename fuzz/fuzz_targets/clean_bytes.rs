//! Arbitrary bytes → decode → clean with the built-in rules (as the CLI does for a file).
//! Checks: no panic; output is "" or ends in exactly one "\n"; cleaning is idempotent.
#![no_main]

use std::sync::LazyLock;

use declutter::RuleSet;
use libfuzzer_sys::fuzz_target;

static RULES: LazyLock<RuleSet> = LazyLock::new(RuleSet::builtin);

fuzz_target!(|data: &[u8]| {
    let Ok(decoded) = declutter::decode(data) else {
        return; // not text (NUL bytes, UTF-32): the CLI skips it
    };
    // The first byte picks the source, so site-scoped rules run too.
    let source = match data.first().map(|b| b % 4) {
        Some(0) => None,
        Some(1) => Some("https://www.example-news.com/politics/1"),
        Some(2) => Some("dailypost.ng"),
        _ => Some("not a url at all"),
    };
    let once = RULES.clean(&decoded.text, source);
    let text = &once.text;
    assert!(
        text.is_empty() || (text.ends_with('\n') && !text.ends_with("\n\n")),
        "output must be empty or end in exactly one newline: {text:?}"
    );
    for hit in &once.hits {
        let _ = RULES.label(hit.by);
    }
    let twice = RULES.clean(text, source);
    assert_eq!(text, &twice.text, "cleaning is not idempotent");
});
