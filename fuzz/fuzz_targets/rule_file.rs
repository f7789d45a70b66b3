//! Arbitrary text as a rule file: `RuleSet::from_toml` returns Ok or Err, never panics; a rule
//! set that loads cleans a fixed text, runs its own examples (`rules test` without fixtures) and lists its rules
//! without panicking. Errors must render.
#![no_main]

use declutter::RuleSet;
use libfuzzer_sys::fuzz_target;

const TEXT: &str = "spot_imgThe minister spoke on Tuesday.\r\nRead Also: more\n\n\
    Share this:\nTwitter\nLike this:\nLEAVE A REPLY\nPlease enter your comment!\n\
    caf\u{e9} &amp; \u{a0}\u{200b} end\n";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match RuleSet::from_toml("fuzz.toml", text) {
        Err(err) => {
            let _ = err.to_string();
        }
        Ok(rules) => {
            for source in [None, Some("https://example-news.com/a"), Some("a.b.c")] {
                // Idempotence is not asserted: a strip rule can leave new matches behind
                // ("aabb" less "ab" is "ab"), so it holds for the built-in packs, not any file.
                let once = rules.clean(TEXT, source);
                let _ = rules.clean(&once.text, source);
                for hit in &once.hits {
                    let _ = rules.label(hit.by);
                }
            }
            for rule in rules.rules() {
                let _ = (rule.id(), rule.kind(), rule.sources(), rule.path(), rule.line());
            }
            let _ = declutter::verify::run(&rules, None, false);
        }
    }
});
