//! The rule authors' contract, enforced by `cargo test` through the same code as
//! `declutter rules test`: every built-in rule's examples hold and every fixture matches.
//! `BLESS=1 cargo test --test rules` rewrites the fixtures' expected output (review the diff!).

use std::path::Path;

use declutter::{RuleSet, Settings, verify};

#[test]
fn builtin_rules_and_fixtures_hold() {
    let bless = std::env::var_os("BLESS").is_some_and(|v| v == "1");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let report = verify::run(&RuleSet::builtin(), Some(&fixtures), bless);
    println!("{report}");
    assert_eq!(report.failed(), 0, "\n{report}");
    assert!(
        report.rules.len() > 20,
        "the built-in packs should hold real rules"
    );
    assert!(report.fixtures.len() >= 5, "one fixture per seed at least");
}

#[test]
fn builtin_rules_load_without_warnings() {
    let rules = RuleSet::builder().build().expect("built-in packs load");
    let warnings: Vec<String> = rules.warnings().iter().map(|d| d.to_string()).collect();
    assert!(warnings.is_empty(), "{}", warnings.join("\n"));
}

#[test]
fn builtin_settings_file_sets_every_key() {
    // The shipped settings file documents every knob: it must spell out the defaults exactly.
    let text = include_str!("../rules/settings.toml");
    let parsed: toml::Value = toml::from_str(text).unwrap();
    let full: toml::Value = toml::from_str(&Settings::default().to_toml()).unwrap();
    assert_eq!(
        parsed, full,
        "rules/settings.toml and Settings::default() disagree"
    );
}
