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
///
/// The output is what serde_json writes for the record parsed into a map (compact, keys in
/// their order, strings escaped its way, numbers as written but for the exponent's form). Most
/// lines take a fast path that gives exactly those bytes without building the map: it rewrites
/// the line token by token into that form and splices the cleaned text in. Anything it is not
/// sure of (malformed JSON, duplicate keys, deep nesting, lone surrogates, a missing or
/// non-string text field) goes through the general path, [`clean_map`].
pub fn clean_record(
    rules: &RuleSet,
    line: &[u8],
    first: bool,
    fields: &Fields<'_>,
    mut on_clean: impl FnMut(&str, &[Hit]),
) -> Record {
    let Some(bytes) = record_body(line, first) else {
        return Record::Blank;
    };
    if let Some(record) = fast::clean(rules, bytes, fields, &mut on_clean) {
        return record;
    }
    clean_map(rules, bytes, fields, on_clean)
}

/// [`clean_record`] through a full `serde_json` map: any line, with serde_json's own error
/// messages. The reference the tests hold the fast path to.
#[cfg(test)]
pub fn clean_record_general(
    rules: &RuleSet,
    line: &[u8],
    first: bool,
    fields: &Fields<'_>,
    on_clean: impl FnMut(&str, &[Hit]),
) -> Record {
    match record_body(line, first) {
        Some(bytes) => clean_map(rules, bytes, fields, on_clean),
        None => Record::Blank,
    }
}

/// The JSON text of a line: without its line ending and (on the `first` line) a UTF-8 BOM;
/// `None` for a blank line.
fn record_body(line: &[u8], first: bool) -> Option<&[u8]> {
    let mut bytes = line.strip_suffix(b"\n").unwrap_or(line);
    bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
    if first {
        bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    }
    (!bytes.iter().all(u8::is_ascii_whitespace)).then_some(bytes)
}

/// The general path on a line's JSON text (see [`record_body`]).
fn clean_map(
    rules: &RuleSet,
    bytes: &[u8],
    fields: &Fields<'_>,
    mut on_clean: impl FnMut(&str, &[Hit]),
) -> Record {
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

/// The fast path of [`clean_record`]: a one-pass rewrite of the line into serde_json's compact
/// form, giving up (`None`) on anything the general path must decide.
mod fast {
    use declutter::{Hit, RuleSet};

    use super::{Fields, Record};

    /// Deeper nesting goes the general way (serde_json stops at 128 levels, with its message).
    const MAX_DEPTH: usize = 100;

    /// Objects with more keys go the general way (duplicates are looked for pair by pair).
    const MAX_KEYS: usize = 64;

    /// A key starting with this is serde_json's private marker for numbers kept as written: a
    /// map holding it is read as a number, so the general path decides.
    const PRIVATE_KEY: &[u8] = b"$serde_json::private::";

    /// One top-level member: the key (escaped, without quotes) and the value, as spans of the
    /// rewritten line.
    struct Member {
        key: (usize, usize),
        value: (usize, usize),
        is_string: bool,
    }

    struct Scan<'a> {
        src: &'a [u8],
        pos: usize,
        out: Vec<u8>,
        /// Keys of the objects being read (spans of `out`), innermost last.
        keys: Vec<(usize, usize)>,
        members: Vec<Member>,
        /// The text field's key, escaped: its value is checked for UTF-8 when it is decoded,
        /// every other string while it is read (bytes outside strings are all ASCII).
        text_key: Vec<u8>,
        /// The text field's value is replaced: it is decoded into `text` as it is read, and
        /// left out of `out` (its span there is empty).
        decode_text: bool,
        text: Vec<u8>,
    }

    pub fn clean(
        rules: &RuleSet,
        bytes: &[u8],
        fields: &Fields<'_>,
        on_clean: &mut impl FnMut(&str, &[Hit]),
    ) -> Option<Record> {
        let mut text_key = Vec::with_capacity(fields.text.len());
        escape_into(&mut text_key, fields.text);
        let text_key_name = fields.text;
        let mut scan = Scan {
            text_key,
            decode_text: fields.output.is_none_or(|key| key == text_key_name),
            text: Vec::new(),
            src: bytes,
            pos: 0,
            out: Vec::with_capacity(bytes.len() + 64),
            keys: Vec::new(),
            members: Vec::new(),
        };
        scan.skip_ws();
        if scan.peek()? != b'{' {
            return None;
        }
        scan.object(1)?;
        scan.skip_ws();
        if scan.pos != bytes.len() {
            return None;
        }
        let Scan {
            out,
            members,
            decode_text,
            text,
            ..
        } = scan;

        let find = |name: &str| {
            let mut key = Vec::with_capacity(name.len());
            escape_into(&mut key, name);
            members
                .iter()
                .position(|m| out[m.key.0..m.key.1] == key[..])
        };
        let text_at = find(fields.text)?;
        let text_member = &members[text_at];
        if !text_member.is_string {
            return None;
        }
        let text = if decode_text {
            // simdutf8 checks many bytes per step, std's `String::from_utf8` a few.
            simdutf8::basic::from_utf8(&text).ok()?;
            // SAFETY: `text` was just checked to be UTF-8.
            unsafe { String::from_utf8_unchecked(text) }
        } else {
            unescape(&out[text_member.value.0 + 1..text_member.value.1 - 1])?
        };
        let source = match find(fields.source) {
            Some(i) if members[i].is_string => Some(unescape(
                &out[members[i].value.0 + 1..members[i].value.1 - 1],
            )?),
            _ => None,
        };
        let source = source.as_deref().or(fields.default_source);
        let cleaned = rules.clean(&text, source);
        on_clean(&text, &cleaned.hits);
        // A text field holds a document, not a file: no final newline.
        let clean_text = cleaned.text.strip_suffix('\n').unwrap_or(&cleaned.text);

        let key = fields.output.unwrap_or(fields.text);
        let mut json = Vec::with_capacity(out.len() + clean_text.len() + key.len() + 8);
        match find(key) {
            // An existing key keeps its place.
            Some(i) => {
                let (start, end) = members[i].value;
                json.extend_from_slice(&out[..start]);
                push_string(&mut json, clean_text);
                json.extend_from_slice(&out[end..]);
            }
            // A new one goes last (the object is not empty: it has the text field).
            None => {
                json.extend_from_slice(&out[..out.len() - 1]);
                json.push(b',');
                push_string(&mut json, key);
                json.push(b':');
                push_string(&mut json, clean_text);
                json.push(b'}');
            }
        }
        json.push(b'\n');
        Some(Record::Written {
            json,
            hits: cleaned.hits,
            unchanged: None,
        })
    }

    impl Scan<'_> {
        fn peek(&self) -> Option<u8> {
            self.src.get(self.pos).copied()
        }

        /// JSON whitespace (serde_json's set: no form feed).
        fn skip_ws(&mut self) {
            while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
                self.pos += 1;
            }
        }

        fn value(&mut self, depth: usize) -> Option<()> {
            match self.peek()? {
                b'{' => self.object(depth + 1),
                b'[' => self.array(depth + 1),
                b'"' => self.string(true),
                b't' => self.literal(b"true"),
                b'f' => self.literal(b"false"),
                b'n' => self.literal(b"null"),
                b'-' | b'0'..=b'9' => self.number(),
                _ => None,
            }
        }

        fn literal(&mut self, word: &[u8]) -> Option<()> {
            if !self.src[self.pos..].starts_with(word) {
                return None;
            }
            self.pos += word.len();
            self.out.extend_from_slice(word);
            Some(())
        }

        /// At `{`. At depth 1 the members are recorded.
        fn object(&mut self, depth: usize) -> Option<()> {
            if depth > MAX_DEPTH {
                return None;
            }
            self.pos += 1;
            self.out.push(b'{');
            let first_key = self.keys.len();
            self.skip_ws();
            if self.peek()? == b'}' {
                self.pos += 1;
                self.out.push(b'}');
                return Some(());
            }
            loop {
                self.skip_ws();
                if self.peek()? != b'"' {
                    return None;
                }
                let key_start = self.out.len();
                self.string(true)?;
                let key = (key_start + 1, self.out.len() - 1);
                let name = &self.out[key.0..key.1];
                if name.starts_with(PRIVATE_KEY)
                    || self.keys.len() - first_key >= MAX_KEYS
                    || self.keys[first_key..]
                        .iter()
                        .any(|k| self.out[k.0..k.1] == *name)
                {
                    // serde_json keeps the last of duplicate keys at the first one's place.
                    return None;
                }
                self.keys.push(key);
                self.skip_ws();
                if self.peek()? != b':' {
                    return None;
                }
                self.pos += 1;
                self.out.push(b':');
                self.skip_ws();
                let value_start = self.out.len();
                let is_string = self.peek()? == b'"';
                if is_string && depth == 1 && self.out[key.0..key.1] == self.text_key[..] {
                    // Checked for UTF-8 as it is decoded.
                    if self.decode_text {
                        self.decode_string()?;
                    } else {
                        self.string(false)?;
                    }
                } else {
                    self.value(depth)?;
                }
                if depth == 1 {
                    self.members.push(Member {
                        key,
                        value: (value_start, self.out.len()),
                        is_string,
                    });
                }
                self.skip_ws();
                match self.peek()? {
                    b',' => {
                        self.pos += 1;
                        self.out.push(b',');
                    }
                    b'}' => {
                        self.pos += 1;
                        self.out.push(b'}');
                        self.keys.truncate(first_key);
                        return Some(());
                    }
                    _ => return None,
                }
            }
        }

        fn array(&mut self, depth: usize) -> Option<()> {
            if depth > MAX_DEPTH {
                return None;
            }
            self.pos += 1;
            self.out.push(b'[');
            self.skip_ws();
            if self.peek()? == b']' {
                self.pos += 1;
                self.out.push(b']');
                return Some(());
            }
            loop {
                self.skip_ws();
                self.value(depth)?;
                self.skip_ws();
                match self.peek()? {
                    b',' => {
                        self.pos += 1;
                        self.out.push(b',');
                    }
                    b']' => {
                        self.pos += 1;
                        self.out.push(b']');
                        return Some(());
                    }
                    _ => return None,
                }
            }
        }

        /// A number as serde_json (`arbitrary_precision`) writes it back: as written, but the
        /// exponent as `e` with an explicit sign.
        fn number(&mut self) -> Option<()> {
            let digits = |scan: &mut Scan<'_>| {
                let start = scan.pos;
                while let Some(b'0'..=b'9') = scan.peek() {
                    scan.pos += 1;
                }
                scan.out.extend_from_slice(&scan.src[start..scan.pos]);
                scan.pos - start
            };
            if self.peek()? == b'-' {
                self.pos += 1;
                self.out.push(b'-');
            }
            match self.peek()? {
                b'0' => {
                    self.pos += 1;
                    self.out.push(b'0');
                    if let Some(b'0'..=b'9') = self.peek() {
                        return None;
                    }
                }
                b'1'..=b'9' => {
                    digits(self);
                }
                _ => return None,
            }
            if self.peek() == Some(b'.') {
                self.pos += 1;
                self.out.push(b'.');
                if digits(self) == 0 {
                    return None;
                }
            }
            if let Some(b'e' | b'E') = self.peek() {
                self.pos += 1;
                self.out.push(b'e');
                match self.peek()? {
                    sign @ (b'+' | b'-') => {
                        self.pos += 1;
                        self.out.push(sign);
                    }
                    _ => self.out.push(b'+'),
                }
                if digits(self) == 0 {
                    return None;
                }
            }
            Some(())
        }

        /// At `"`: the string escaped serde_json's way (only `"`, `\\` and control characters,
        /// the short forms where there is one, `\u00xx` otherwise). `check_utf8`: check that it
        /// is UTF-8 (the text field is checked later, as it is decoded).
        fn string(&mut self, check_utf8: bool) -> Option<()> {
            self.pos += 1;
            self.out.push(b'"');
            loop {
                let run = plain_run(&self.src[self.pos..]);
                let bytes = &self.src[self.pos..self.pos + run];
                // A run ends at an ASCII byte: it cannot split a character.
                if check_utf8 {
                    simdutf8::basic::from_utf8(bytes).ok()?;
                }
                self.out.extend_from_slice(bytes);
                self.pos += run;
                match self.peek()? {
                    b'"' => {
                        self.pos += 1;
                        self.out.push(b'"');
                        return Some(());
                    }
                    b'\\' => {
                        let c = self.escape()?;
                        let mut utf8 = [0; 4];
                        escape_into(&mut self.out, c.encode_utf8(&mut utf8));
                    }
                    // A raw control character: malformed.
                    _ => return None,
                }
            }
        }

        /// At `"`: the string decoded into `self.text` (not checked for UTF-8 yet).
        fn decode_string(&mut self) -> Option<()> {
            self.pos += 1;
            // At most the rest of the line: no reallocation on the way.
            self.text.reserve(self.src.len() - self.pos);
            loop {
                let run = plain_run(&self.src[self.pos..]);
                self.text
                    .extend_from_slice(&self.src[self.pos..self.pos + run]);
                self.pos += run;
                match self.peek()? {
                    b'"' => {
                        self.pos += 1;
                        return Some(());
                    }
                    b'\\' => {
                        let c = self.escape()?;
                        if c.is_ascii() {
                            self.text.push(c as u8);
                        } else {
                            let mut utf8 = [0; 4];
                            self.text
                                .extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
                        }
                    }
                    _ => return None,
                }
            }
        }

        /// At `\`: the character it stands for.
        fn escape(&mut self) -> Option<char> {
            let c = *self.src.get(self.pos + 1)?;
            self.pos += 2;
            Some(match c {
                b'"' | b'\\' | b'/' => char::from(c),
                b'b' => '\x08',
                b'f' => '\x0C',
                b'n' => '\n',
                b'r' => '\r',
                b't' => '\t',
                b'u' => {
                    let unit = self.hex4()?;
                    match unit {
                        0xD800..=0xDBFF => {
                            if self.src.get(self.pos..self.pos + 2)? != b"\\u" {
                                return None;
                            }
                            self.pos += 2;
                            let low = self.hex4()?;
                            if !(0xDC00..=0xDFFF).contains(&low) {
                                return None;
                            }
                            let code = 0x1_0000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                            char::from_u32(code)?
                        }
                        _ => char::from_u32(unit)?,
                    }
                }
                _ => return None,
            })
        }

        fn hex4(&mut self) -> Option<u32> {
            let hex = self.src.get(self.pos..self.pos + 4)?;
            let mut n = 0;
            for &h in hex {
                n = n * 16 + char::from(h).to_digit(16)?;
            }
            self.pos += 4;
            Some(n)
        }
    }

    /// How many bytes at the start of `s` need no escaping (not `"`, `\\` or below 0x20):
    /// sixteen bytes at a time (SSE2, which every x86_64 CPU has), then byte by byte.
    #[cfg(target_arch = "x86_64")]
    pub(super) fn plain_run(s: &[u8]) -> usize {
        use std::arch::x86_64::{
            __m128i, _mm_and_si128, _mm_cmpeq_epi8, _mm_cmpgt_epi8, _mm_cmplt_epi8,
            _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
        };
        let mut i = 0;
        while let Some(chunk) = s.get(i..i + 16) {
            // SAFETY: SSE2 is part of the x86_64 baseline; the load reads the 16 bytes of
            // `chunk` and needs no alignment.
            let stops = unsafe {
                let v = _mm_loadu_si128(chunk.as_ptr().cast::<__m128i>());
                // Below 0x20 as a signed compare, less the bytes from 0x80 (negative).
                let control = _mm_and_si128(
                    _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
                    _mm_cmpgt_epi8(v, _mm_set1_epi8(-1)),
                );
                let quote = _mm_or_si128(
                    _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8)),
                    _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8)),
                );
                _mm_movemask_epi8(_mm_or_si128(control, quote))
            };
            if stops != 0 {
                return i + stops.trailing_zeros() as usize;
            }
            i += 16;
        }
        s[i..]
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
            .map_or(s.len(), |at| i + at)
    }

    /// [`plain_run`] without SIMD: memchr finds the usual ends of a run (`"`, `\\`, a line
    /// break), then the run is checked for other control characters.
    #[cfg_attr(target_arch = "x86_64", cfg(test))]
    pub(super) fn plain_run_memchr(s: &[u8]) -> usize {
        let end = memchr::memchr3(b'"', b'\\', b'\n', s).unwrap_or(s.len());
        s[..end].iter().position(|&b| b < 0x20).unwrap_or(end)
    }

    #[cfg(not(target_arch = "x86_64"))]
    fn plain_run(s: &[u8]) -> usize {
        plain_run_memchr(s)
    }

    /// Append `s` escaped serde_json's way (without quotes).
    pub fn escape_into(out: &mut Vec<u8>, s: &str) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let s = s.as_bytes();
        let mut i = 0;
        loop {
            let run = plain_run(&s[i..]);
            out.extend_from_slice(&s[i..i + run]);
            i += run;
            let Some(&b) = s.get(i) else {
                return;
            };
            out.push(b'\\');
            match b {
                b'"' | b'\\' => out.push(b),
                0x08 => out.push(b'b'),
                0x0C => out.push(b'f'),
                b'\n' => out.push(b'n'),
                b'\r' => out.push(b'r'),
                b'\t' => out.push(b't'),
                _ => out.extend_from_slice(&[
                    b'u',
                    b'0',
                    b'0',
                    HEX[usize::from(b >> 4)],
                    HEX[usize::from(b & 0xF)],
                ]),
            }
            i += 1;
        }
    }

    fn push_string(out: &mut Vec<u8>, s: &str) {
        out.push(b'"');
        escape_into(out, s);
        out.push(b'"');
    }

    /// A string escaped the way [`escape_into`] does it, decoded.
    fn unescape(s: &[u8]) -> Option<String> {
        let mut out = Vec::with_capacity(s.len());
        let mut i = 0;
        while let Some(at) = memchr::memchr(b'\\', &s[i..]) {
            out.extend_from_slice(&s[i..i + at]);
            i += at + 1;
            let c = *s.get(i)?;
            i += 1;
            out.push(match c {
                b'b' => 0x08,
                b'f' => 0x0C,
                b'n' => b'\n',
                b'r' => b'\r',
                b't' => b'\t',
                b'u' => {
                    let hex = std::str::from_utf8(s.get(i..i + 4)?).ok()?;
                    i += 4;
                    u8::from_str_radix(hex, 16).ok()?
                }
                other => other,
            });
        }
        out.extend_from_slice(&s[i..]);
        String::from_utf8(out).ok()
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

/// The fast path against the general one: the same record, byte for byte, on every line.
#[cfg(test)]
mod fast_path_tests {
    use super::*;
    use proptest::prelude::*;
    use std::sync::LazyLock;

    static RULES: LazyLock<RuleSet> = LazyLock::new(RuleSet::builtin);

    const FIELDS: Fields<'static> = Fields {
        text: "text",
        output: None,
        source: "url",
        default_source: None,
    };

    /// Lines the fast path takes.
    const FAST: &[&str] = &[
        r#"{"id": 1, "url": "https://news.example.org/a", "text": "Story.\nspot_img\nRead Also: x\nEnd."}"#,
        r#"{"text":"a\/b \u00e9 \u001F \u001f \uD83D\uDE00 \" \\ \b\f\n\r\t \u0041","k":"\u00E9"}"#,
        r#"{"n":1E5,"m":-0,"k":1.0e+2,"z":0,"b":123456789012345678901234567890,"i":-12,"e":1e-7,"f":0.5E3,"text":"x"}"#,
        "{ \"a\" : [ 1 , { \"b\" : null } , true , false, [], {} ] ,\t\"text\" : \"T.\" }\r\n",
        r#"{"text":"Überschrift\n\nText mit Umlauten.","url":7}"#,
        r#"{"text":"","x":{"y":{"z":[[["deep"]]]}}}"#,
        r#"{"\u0074ext":"key escaped","u":"\u2028"}"#,
    ];

    /// Lines the fast path leaves to the general one.
    const GENERAL: &[&str] = &[
        r#"{"text":"a","text":"b"}"#,
        r#"{"a":{"x":1,"x":2},"text":"A."}"#,
        r#"{"a":{"$serde_json::private::Number":"1"},"text":"a"}"#,
        r#"{"text": "a""#,
        r#"[1]"#,
        r#"{"text":"a"} x"#,
        r#"{"text":"\ud800"}"#,
        r#"{"text":"\udc00x"}"#,
        r#"{"text":"\ud800\u0041"}"#,
        r#"{"text":"a\u00"}"#,
        r#"{"n":01,"text":"a"}"#,
        r#"{"n":1.,"text":"a"}"#,
        r#"{"n":-,"text":"a"}"#,
        r#"{"n":1e,"text":"a"}"#,
        r#"{"n":tru,"text":"a"}"#,
        "{\"text\":\"raw\ttab\"}",
        "{\"text\":\"a\"}\x0C",
        r#"{"text":"a\x"}"#,
        r#"{"text":3}"#,
        r#"{"other":"no text"}"#,
        r#"{"text":"a",}"#,
        r#"{"text":"a" "b":1}"#,
    ];

    fn both(line: &[u8], fields: &Fields<'_>) -> (String, String) {
        let fast = clean_record(&RULES, line, true, fields, |_, _| {});
        let general = clean_record_general(&RULES, line, true, fields, |_, _| {});
        (format!("{fast:?}"), format!("{general:?}"))
    }

    fn fast_taken(line: &str, fields: &Fields<'_>) -> bool {
        let body = line.trim_end_matches(['\r', '\n']).as_bytes();
        fast::clean(&RULES, body, fields, &mut |_: &str, _: &[Hit]| {}).is_some()
    }

    #[test]
    fn fast_path_gives_the_general_paths_bytes() {
        let with_output = Fields {
            output: Some("clean"),
            ..FIELDS
        };
        let onto_existing = Fields {
            output: Some("id"),
            ..FIELDS
        };
        let deep = format!("{}\"text\":\"a\"{}", "{\"a\":[".repeat(60), "]}".repeat(60));
        let deeper = format!(
            "{{\"text\":\"a\",\"x\":{}1{}}}",
            "[".repeat(130),
            "]".repeat(130)
        );
        let many_keys: String = (0..100).map(|i| format!("\"k{i}\":{i},")).collect();
        let many_keys = format!("{{{many_keys}\"text\":\"a\"}}");
        let bom = format!("\u{feff}{}", FAST[0]);
        let extra = [deep.as_str(), &deeper, &many_keys, &bom];
        for fields in [&FIELDS, &with_output, &onto_existing] {
            for line in FAST.iter().chain(GENERAL).chain(&extra) {
                let (fast, general) = both(line.as_bytes(), fields);
                assert_eq!(fast, general, "line {line:?} fields {fields:?}");
            }
            for line in FAST {
                assert!(fast_taken(line, fields), "not fast: {line:?}");
            }
            for line in GENERAL {
                assert!(!fast_taken(line, fields), "fast: {line:?}");
            }
        }
        assert!(matches!(
            clean_record(&RULES, FAST[0].as_bytes(), true, &FIELDS, |_, _| {}),
            Record::Written { ref json, .. } if json.starts_with(b"{\"id\":1,\"url\":")
        ));
        let invalid_utf8 = b"{\"text\":\"a\xff\"}";
        let (fast, general) = both(invalid_utf8, &FIELDS);
        assert_eq!(fast, general);
    }

    #[test]
    fn plain_runs_end_at_the_first_byte_to_escape_at_every_offset() {
        for stop in [b'"', b'\\', b'\n', 0x00, 0x1F, b'\t'] {
            for at in 0..40 {
                let mut s = "é–x ".repeat(10).into_bytes();
                s.truncate(40);
                s[at] = stop;
                assert_eq!(fast::plain_run(&s), at, "{stop:02X} at {at}");
                assert_eq!(fast::plain_run_memchr(&s), at, "{stop:02X} at {at}");
            }
        }
        assert_eq!(fast::plain_run("x\u{7F}é ".repeat(9).as_bytes()), 45);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Lines one edit away from a valid record: the same result either way.
        #[test]
        fn edited_lines_give_the_same_result(
            which in 0..FAST.len(),
            edits in proptest::collection::vec(
                (any::<prop::sample::Index>(), 0..3u8, prop::sample::select(
                    b"{}[]\":,\\ 0123456789-+.eEutfnarl/\x01\n\x0c\xc3\xa9".to_vec())),
                1..4),
        ) {
            let mut line = FAST[which].as_bytes().to_vec();
            for (at, op, byte) in edits {
                let i = at.index(line.len() + 1);
                match op {
                    0 => line.insert(i, byte),
                    1 if i < line.len() => {
                        line.remove(i);
                    }
                    _ if i < line.len() => line[i] = byte,
                    _ => line.push(byte),
                }
            }
            let (fast, general) = both(&line, &FIELDS);
            prop_assert_eq!(fast, general, "line {:?}", String::from_utf8_lossy(&line));
        }
    }
}
