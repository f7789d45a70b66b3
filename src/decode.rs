//! Turning the bytes of an input file into text, never failing on a stray byte.
//!
//! UTF-8 (with or without BOM) is the norm; invalid sequences are replaced with U+FFFD and
//! reported; UTF-16 with a BOM is decoded; data with NUL bytes and no UTF-16 BOM is not text.

use std::borrow::Cow;

/// Text decoded from bytes, with what the caller should warn about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded<'a> {
    /// The text, without a BOM.
    pub text: Cow<'a, str>,
    /// Set when the bytes were not clean UTF-8 / UTF-16: a short message such as
    /// "invalid UTF-8 (3 bytes replaced with U+FFFD)". `None` for clean input.
    pub warning: Option<String>,
}

/// Decode input bytes. `Err` (with a short reason such as "binary data (NUL byte at offset 12)")
/// when the bytes are not text: the caller skips the file with a warning.
///
/// Clean UTF-8 is borrowed, not copied. A UTF-8 BOM is dropped; a UTF-16 BOM (LE or BE) selects
/// UTF-16, whose unpaired surrogates and odd trailing byte become U+FFFD with a warning. Offsets
/// in errors count from the start of `bytes`, BOM included.
pub fn decode(bytes: &[u8]) -> Result<Decoded<'_>, String> {
    const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";
    let (body, offset) = match bytes {
        [0xEF, 0xBB, 0xBF, ..] => (&bytes[UTF8_BOM.len()..], UTF8_BOM.len()),
        // FF FE 00 00 is the UTF-32 LE BOM: read as UTF-16 it would be text starting with NUL.
        [0xFF, 0xFE, 0, 0, ..] => return Err("UTF-32 text is not supported".to_string()),
        [0xFF, 0xFE, rest @ ..] => return Ok(decode_utf16(rest, u16::from_le_bytes)),
        [0xFE, 0xFF, rest @ ..] => return Ok(decode_utf16(rest, u16::from_be_bytes)),
        _ => (bytes, 0),
    };
    if let Some(i) = memchr::memchr(0, body) {
        return Err(format!("binary data (NUL byte at offset {})", offset + i));
    }
    Ok(decode_utf8(body))
}

/// UTF-8, borrowed when valid, else rebuilt with one U+FFFD per invalid sequence (the same
/// replacement as `String::from_utf8_lossy`), counting the bytes replaced.
fn decode_utf8(bytes: &[u8]) -> Decoded<'_> {
    // (simdutf8 validates 16-32 bytes per step; std's check is several times slower on long
    // text, and valid input is the common case.)
    if let Ok(text) = simdutf8::basic::from_utf8(bytes) {
        return Decoded {
            text: Cow::Borrowed(text),
            warning: None,
        };
    }
    let mut text = String::with_capacity(bytes.len() + 16);
    let mut replaced = 0;
    for chunk in bytes.utf8_chunks() {
        text.push_str(chunk.valid());
        if !chunk.invalid().is_empty() {
            replaced += chunk.invalid().len();
            text.push(char::REPLACEMENT_CHARACTER);
        }
    }
    Decoded {
        text: Cow::Owned(text),
        warning: Some(format!(
            "invalid UTF-8 ({} replaced with U+FFFD)",
            plural(replaced, "byte")
        )),
    }
}

/// UTF-16 after its BOM, with `unit` reading one code unit in the right byte order.
fn decode_utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Decoded<'static> {
    let pairs = bytes.chunks_exact(2);
    let odd_byte = !pairs.remainder().is_empty();
    let units = pairs.map(|p| unit([p[0], p[1]]));
    let mut text = String::with_capacity(bytes.len() + bytes.len() / 2);
    let mut unpaired = 0;
    for c in char::decode_utf16(units) {
        text.push(c.unwrap_or_else(|_| {
            unpaired += 1;
            char::REPLACEMENT_CHARACTER
        }));
    }
    let mut problems = Vec::new();
    if unpaired > 0 {
        problems.push(format!(
            "{} replaced with U+FFFD",
            plural(unpaired, "unpaired surrogate")
        ));
    }
    if odd_byte {
        // Keep a trace of the lost byte in the text, as for invalid UTF-8.
        text.push(char::REPLACEMENT_CHARACTER);
        problems.push("odd trailing byte replaced with U+FFFD".to_string());
    }
    let warning =
        (!problems.is_empty()).then(|| format!("invalid UTF-16 ({})", problems.join("; ")));
    Decoded {
        text: Cow::Owned(text),
        warning,
    }
}

/// "1 byte", "3 bytes".
fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn utf16le(s: &str) -> Vec<u8> {
        let mut v = vec![0xFF, 0xFE];
        v.extend(s.encode_utf16().flat_map(u16::to_le_bytes));
        v
    }

    fn utf16be(s: &str) -> Vec<u8> {
        let mut v = vec![0xFE, 0xFF];
        v.extend(s.encode_utf16().flat_map(u16::to_be_bytes));
        v
    }

    #[test]
    fn clean_utf8_is_borrowed() {
        let bytes = "Zürich ✓\n".as_bytes();
        let d = decode(bytes).expect("text");
        assert!(matches!(d.text, Cow::Borrowed(_)));
        assert_eq!(d.text, "Zürich ✓\n");
        assert_eq!(d.warning, None);
        assert_eq!(decode(b"").expect("text").text, "");
    }

    #[test]
    fn utf8_bom_is_stripped() {
        let d = decode(b"\xEF\xBB\xBFhello").expect("text");
        assert!(matches!(d.text, Cow::Borrowed("hello")));
        assert_eq!(d.warning, None);
        assert_eq!(decode(b"\xEF\xBB\xBF").expect("text").text, "");
    }

    #[test]
    fn invalid_utf8_is_replaced_and_counted() {
        let d = decode(b"a\xFFb\xC3").expect("text");
        assert_eq!(d.text, "a\u{FFFD}b\u{FFFD}");
        assert_eq!(
            d.warning.as_deref(),
            Some("invalid UTF-8 (2 bytes replaced with U+FFFD)")
        );
        // A truncated 3-byte sequence is one replacement character but two bytes.
        let d = decode(b"x\xE2\x82").expect("text");
        assert_eq!(d.text, "x\u{FFFD}");
        assert_eq!(
            d.warning.as_deref(),
            Some("invalid UTF-8 (2 bytes replaced with U+FFFD)")
        );
        let d = decode(b"\x80").expect("text");
        assert_eq!(
            d.warning.as_deref(),
            Some("invalid UTF-8 (1 byte replaced with U+FFFD)")
        );
    }

    #[test]
    fn nul_byte_is_binary() {
        assert_eq!(
            decode(b"PK\x03\x04\x00\x00"),
            Err("binary data (NUL byte at offset 4)".to_string())
        );
        // The offset counts the BOM.
        assert_eq!(
            decode(b"\xEF\xBB\xBFab\x00"),
            Err("binary data (NUL byte at offset 5)".to_string())
        );
    }

    #[test]
    fn utf16_le_and_be() {
        for bytes in [utf16le("Grüße 😀\n"), utf16be("Grüße 😀\n")] {
            let d = decode(&bytes).expect("text");
            assert_eq!(d.text, "Grüße 😀\n");
            assert_eq!(d.warning, None);
        }
        // NUL bytes are normal in UTF-16.
        assert_eq!(decode(&utf16le("abc")).expect("text").text, "abc");
        assert_eq!(decode(b"\xFF\xFE").expect("text").text, "");
    }

    #[test]
    fn utf16_unpaired_surrogate_and_odd_byte() {
        // "a", lone high surrogate, "b", then a stray byte.
        let d = decode(b"\xFF\xFEa\x00\x00\xD8b\x00z").expect("text");
        assert_eq!(d.text, "a\u{FFFD}b\u{FFFD}");
        assert_eq!(
            d.warning.as_deref(),
            Some(
                "invalid UTF-16 (1 unpaired surrogate replaced with U+FFFD; \
                 odd trailing byte replaced with U+FFFD)"
            )
        );
        let d = decode(b"\xFE\xFF\xDC\x00").expect("text");
        assert_eq!(d.text, "\u{FFFD}");
        assert_eq!(
            d.warning.as_deref(),
            Some("invalid UTF-16 (1 unpaired surrogate replaced with U+FFFD)")
        );
    }

    #[test]
    fn utf32_is_refused() {
        assert!(decode(b"\xFF\xFE\x00\x00a\x00\x00\x00").is_err());
    }

    proptest! {
        #[test]
        fn decode_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
            let utf16 = bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF");
            match decode(&bytes) {
                Ok(d) if !utf16 => {
                    // Without a UTF-16 BOM, decoding is exactly std's lossy UTF-8.
                    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
                    prop_assert_eq!(&*d.text, &*String::from_utf8_lossy(body));
                    prop_assert_eq!(d.warning.is_none(), std::str::from_utf8(body).is_ok());
                }
                Ok(_) => {}
                Err(_) => prop_assert!(utf16 || bytes.contains(&0)),
            }
        }

        #[test]
        fn decode_never_panics_with_bom(
            bom in prop_oneof![Just(&b"\xFF\xFE"[..]), Just(&b"\xFE\xFF"[..]), Just(&b"\xEF\xBB\xBF"[..])],
            rest in prop::collection::vec(any::<u8>(), 0..64),
        ) {
            let bytes = [bom, &rest].concat();
            let _ = decode(&bytes);
        }

        #[test]
        fn valid_utf8_round_trips(s in any::<String>()) {
            let s = s.replace('\0', "");
            prop_assume!(!s.starts_with('\u{FEFF}'));
            let d = decode(s.as_bytes()).expect("text");
            prop_assert!(matches!(d.text, Cow::Borrowed(_)));
            prop_assert_eq!(&*d.text, s.as_str());
            prop_assert_eq!(d.warning, None);
        }
    }
}
