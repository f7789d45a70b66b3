//! One JSONL line in, one JSON line out, and the bounded line reader: pure functions of their
//! arguments (no printing, no files), so the fuzz target `fuzz/fuzz_targets/jsonl_line.rs`
//! includes this very file (`#[path]`) and fuzzes the code the binary runs. Keep it free of
//! `crate::` imports: it may use only `std`, the `declutter` library, `serde_json` and `memchr`.

use std::io::{self, BufRead};

use declutter::{Hit, RuleSet};
use serde_json::{Map, Value};

/// Which fields of a record matter.
#[derive(Debug, Clone, Copy)]
pub struct Fields<'a> {
    /// The field holding the text to clean (`--text-field`).
    pub text: &'a str,
    /// Where the cleaned text goes (`--output-field`); `None` replaces the text field.
    pub output: Option<&'a str>,
    /// The field holding the source URL or domain (`--source-field`).
    pub source: &'a str,
    /// Source of records without a source field (`--source`).
    pub default_source: Option<&'a str>,
}

/// What became of one line.
#[derive(Debug)]
pub enum Record {
    /// Only whitespace: nothing to write.
    Blank,
    /// A JSON object, written back as one line ending in `\n`.
    Written {
        json: Vec<u8>,
        hits: Vec<Hit>,
        /// Why the record was passed through unchanged (no text field, or not a string).
        unchanged: Option<String>,
    },
    /// Not a JSON object: `column` (1-based, in the line) and what is wrong.
    Malformed { column: usize, message: String },
}

/// Clean the text field of one JSONL line (with or without its `\n` / `\r\n`; `first` strips a
/// UTF-8 BOM, which only the first line of a file may carry). `on_clean(text, hits)` sees the
/// original text and the hits of a cleaned record (for `--explain`).
pub fn clean_record(
    rules: &RuleSet,
    line: &[u8],
    first: bool,
    fields: &Fields<'_>,
    mut on_clean: impl FnMut(&str, &[Hit]),
) -> Record {
    let mut bytes = line.strip_suffix(b"\n").unwrap_or(line);
    bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
    if first {
        bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Record::Blank;
    }
    let mut map: Map<String, Value> = match serde_json::from_slice(bytes) {
        Ok(map) => map,
        Err(e) => {
            let text = e.to_string();
            let text = text
                .rsplit_once(" at line ")
                .map_or(text.as_str(), |(msg, _)| msg);
            return Record::Malformed {
                column: e.column(),
                message: text.replace("expected a map", "expected a JSON object"),
            };
        }
    };
    let field = fields.text;
    let cleaned = match map.get(field) {
        Some(Value::String(text)) => {
            let source = match map.get(fields.source) {
                Some(Value::String(s)) => Some(s.as_str()),
                _ => fields.default_source,
            };
            let cleaned = rules.clean(text, source);
            on_clean(text, &cleaned.hits);
            Ok(cleaned)
        }
        Some(other) => Err(format!("field `{field}` is {}, not a string", kind(other))),
        None => Err(format!("no field `{field}`")),
    };
    let (hits, unchanged) = match cleaned {
        Ok(cleaned) => {
            let key = fields.output.unwrap_or(field);
            // An existing key keeps its place; a new one goes last. A text field holds a
            // document, not a file: no final newline.
            let mut text = cleaned.text;
            if text.ends_with('\n') {
                text.pop();
            }
            map.insert(key.to_string(), Value::String(text));
            (cleaned.hits, None)
        }
        Err(why) => (Vec::new(), Some(why)),
    };
    let mut json = serde_json::to_vec(&map).expect("a JSON map always serializes");
    json.push(b'\n');
    Record::Written {
        json,
        hits,
        unchanged,
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Result of reading one line.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    Eof,
    /// A line (with its `\n`, if any) is in the buffer; its length in bytes.
    Some(u64),
    /// A line longer than the limit was read past and dropped; its length in bytes.
    TooLong(u64),
}

/// Read one line into `buf` (cleared first), holding at most `max` bytes of it (plus the line
/// ending): a longer line is consumed but not kept.
pub fn read_line(input: &mut impl BufRead, buf: &mut Vec<u8>, max: u64) -> io::Result<Line> {
    buf.clear();
    let mut total: u64 = 0;
    let mut too_long = false;
    loop {
        let available = match input.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok(match (total, too_long) {
                (0, _) => Line::Eof,
                (_, true) => Line::TooLong(total),
                (_, false) => Line::Some(total),
            });
        }
        let (take, end) = match memchr::memchr(b'\n', available) {
            Some(i) => (i + 1, true),
            None => (available.len(), false),
        };
        total += take as u64;
        if !too_long {
            // Allow for the `\r\n` ending beyond the limit.
            if total > max.saturating_add(2) {
                too_long = true;
                *buf = Vec::new();
            } else {
                buf.extend_from_slice(&available[..take]);
            }
        }
        input.consume(take);
        if end {
            return Ok(if too_long {
                Line::TooLong(total)
            } else {
                Line::Some(total)
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufReader;

    #[test]
    fn reads_lines_and_drops_long_ones() {
        let data = b"ab\nabcdefgh\n\ncd";
        let mut input = BufReader::with_capacity(3, &data[..]);
        let mut buf = Vec::new();
        assert_eq!(read_line(&mut input, &mut buf, 4).unwrap(), Line::Some(3));
        assert_eq!(buf, b"ab\n");
        assert_eq!(
            read_line(&mut input, &mut buf, 4).unwrap(),
            Line::TooLong(9)
        );
        assert_eq!(read_line(&mut input, &mut buf, 4).unwrap(), Line::Some(1));
        assert_eq!(buf, b"\n");
        assert_eq!(read_line(&mut input, &mut buf, 4).unwrap(), Line::Some(2));
        assert_eq!(buf, b"cd");
        assert_eq!(read_line(&mut input, &mut buf, 4).unwrap(), Line::Eof);
    }
}
