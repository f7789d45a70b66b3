//! Arbitrary bytes as a JSONL stream, through the binary's own code: `read_line` (the bounded
//! line reader) and `clean_record` (one line → one output line) from
//! `src/bin/declutter/record.rs`, included here as it is. Checks: no panic; lines put back
//! together give the input; every written record is one line of valid JSON, an object with the
//! same keys in the same order, and its cleaned text field is a fixed point of cleaning.
#![no_main]

use std::io::BufReader;
use std::sync::LazyLock;

use declutter::RuleSet;
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};

#[allow(dead_code)]
#[path = "../../src/bin/declutter/record.rs"]
mod record;

use record::{Fields, Line, Record, clean_record, read_line};

static RULES: LazyLock<RuleSet> = LazyLock::new(RuleSet::builtin);

fuzz_target!(|data: &[u8]| {
    // The first byte picks the reader's buffer size and line limit, so lines cross buffer
    // boundaries and the too-long path runs.
    let Some((&knob, data)) = data.split_first() else {
        return;
    };
    let capacity = 1 + usize::from(knob & 0x0f) * 7;
    let max = if knob & 0x80 != 0 { 64 } else { 1 << 20 };
    let fields = Fields {
        text: "text",
        output: (knob & 0x40 != 0).then_some("clean"),
        source: "url",
        default_source: (knob & 0x20 != 0).then_some("example-news.com"),
    };
    let mut input = BufReader::with_capacity(capacity, data);
    let mut buf = Vec::new();
    let mut consumed = 0usize;
    let mut line_no = 0u64;
    loop {
        let line = read_line(&mut input, &mut buf, max).expect("reading a slice cannot fail");
        let len = match line {
            Line::Eof => break,
            Line::TooLong(len) => {
                assert!(len > max + 2 && buf.is_empty());
                len as usize
            }
            Line::Some(len) => {
                assert_eq!(&data[consumed..consumed + len as usize], &buf[..]);
                len as usize
            }
        };
        consumed += len;
        line_no += 1;
        if !matches!(line, Line::Some(_)) {
            continue;
        }
        match clean_record(&RULES, &buf, line_no == 1, &fields, |_, _| {}) {
            Record::Blank | Record::Malformed { .. } => {}
            Record::Written { json, unchanged, .. } => check(&buf, &json, &fields, unchanged),
        }
    }
    assert_eq!(consumed, data.len(), "lines must add up to the input");
});

fn check(line: &[u8], json: &[u8], fields: &Fields<'_>, unchanged: Option<String>) {
    assert_eq!(json.last(), Some(&b'\n'));
    assert!(!json[..json.len() - 1].contains(&b'\n'), "one record, one line");
    let out: Map<String, Value> = serde_json::from_slice(json).expect("output is a JSON object");
    let mut body = line.strip_suffix(b"\n").unwrap_or(line);
    body = body.strip_suffix(b"\r").unwrap_or(body);
    body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let inp: Map<String, Value> = serde_json::from_slice(body).expect("input was an object");
    let in_keys: Vec<&String> = inp.keys().collect();
    let out_keys: Vec<&String> = out.keys().collect();
    if unchanged.is_some() {
        assert_eq!(inp, out, "passed through unchanged");
        return;
    }
    let key = fields.output.unwrap_or(fields.text);
    if inp.contains_key(key) {
        assert_eq!(in_keys, out_keys, "keys and their order are kept");
    } else {
        assert_eq!(in_keys[..], out_keys[..out_keys.len() - 1]);
        assert_eq!(out_keys.last().map(|k| k.as_str()), Some(key));
    }
    for (k, v) in &inp {
        if k != key {
            assert_eq!(Some(v), out.get(k), "field {k} kept");
        }
    }
    let Some(Value::String(text)) = out.get(key) else {
        panic!("the cleaned field is a string");
    };
    assert!(!text.ends_with('\n'));
    let source = match out.get(fields.source) {
        Some(Value::String(s)) => Some(s.as_str()),
        _ => fields.default_source,
    };
    let again = RULES.clean(text, source).text;
    let expect = if text.is_empty() {
        String::new()
    } else {
        format!("{text}\n")
    };
    assert_eq!(again, expect, "the cleaned field is already clean");
}
