//! A fast path for the most frequent small events (`text-delta`, `reply`),
//! in exactly the shape the worker writes them: compact JSON, keys in the
//! worker's order, plain strings and a `seq`.
//!
//! Why: a stream is mostly these events, and a general JSON parse of their
//! ~150 bytes costs several times the framing and the two strings handed
//! to the user. The reader here only follows that one shape: one check of
//! the whole payload (UTF-8, no control character), then piece after
//! piece. At the first byte that does not fit (another key order,
//! whitespace, a `\u` escape, a number serde_json would refuse...) it gives
//! up and the caller parses the payload with serde_json as before. So
//! whatever it accepts, it decodes exactly as serde_json does (tests
//! compare the two on generated payloads), and everything else, errors
//! included, is serde_json's.

use crate::types::Reply;

use super::TextDelta;

/// Reads a payload from the start, one expected piece after the other.
struct Cursor<'a> {
    rest: &'a str,
}

impl<'a> Cursor<'a> {
    /// A cursor over `data` when it is UTF-8 without control characters
    /// (checked once for the whole payload: JSON wants them escaped, and
    /// the compact JSON of the worker has no whitespace to allow).
    #[inline]
    fn new(data: &'a [u8]) -> Option<Self> {
        if !no_control(data) {
            return None;
        }
        Some(Cursor {
            rest: simdutf8::basic::from_utf8(data).ok()?,
        })
    }

    /// Consumes `literal`, or fails.
    #[inline]
    fn lit(&mut self, literal: &str) -> Option<()> {
        self.rest = self.rest.strip_prefix(literal)?;
        Some(())
    }

    /// A JSON string (quotes included) with no `\u` escape, as an owned
    /// `String`.
    #[inline]
    fn string(&mut self) -> Option<String> {
        let body = self.rest.strip_prefix('"')?;
        // The plain run up to the closing quote or the first escape (both
        // ASCII, so the cuts below are on character boundaries).
        let mut end = memchr::memchr2(b'"', b'\\', body.as_bytes())?;
        if body.as_bytes()[end] == b'"' {
            self.rest = &body[end + 1..];
            return Some(body[..end].to_owned());
        }
        // Escapes: copy the plain runs and the escaped characters.
        let mut out = String::with_capacity(end + 64);
        let mut start = 0;
        loop {
            out.push_str(&body[start..end]);
            if body.as_bytes()[end] == b'"' {
                self.rest = &body[end + 1..];
                return Some(out);
            }
            out.push(match *body.as_bytes().get(end + 1)? {
                b'"' => '"',
                b'\\' => '\\',
                b'/' => '/',
                b'b' => '\u{8}',
                b'f' => '\u{c}',
                b'n' => '\n',
                b'r' => '\r',
                b't' => '\t',
                // `\u` (and anything invalid): leave it to serde_json.
                _ => return None,
            });
            start = end + 2;
            end = start + memchr::memchr2(b'"', b'\\', body.get(start..)?.as_bytes())?;
        }
    }

    /// A JSON number that is a `u64` as serde_json reads it: `0`, or a
    /// non-zero digit then digits, not followed by `.`, `e` or `E`.
    #[inline]
    fn uint(&mut self) -> Option<u64> {
        let bytes = self.rest.as_bytes();
        let mut value: u64 = 0;
        let mut digits = 0;
        while let Some(d) = bytes.get(digits).map(|b| b.wrapping_sub(b'0')) {
            if d > 9 {
                break;
            }
            value = value.checked_mul(10)?.checked_add(u64::from(d))?;
            digits += 1;
        }
        let leading_zero = digits > 1 && bytes[0] == b'0';
        if digits == 0 || leading_zero || matches!(bytes.get(digits), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        self.rest = self.rest.get(digits..)?;
        Some(value)
    }

    /// The payload ends here.
    #[inline]
    fn end(&self) -> Option<()> {
        self.rest.is_empty().then_some(())
    }
}

/// Whether `bytes` holds no control character. Written as a minimum so
/// that it compiles to a vector loop.
#[inline]
fn no_control(bytes: &[u8]) -> bool {
    bytes.iter().fold(u8::MAX, |low, &b| low.min(b)) >= 0x20
}

/// `{"type":"text-delta","runId":S,"text":S,"seq":N}`, or `None` for any
/// other shape.
#[inline]
pub(crate) fn text_delta(data: &[u8]) -> Option<TextDelta> {
    let mut c = Cursor::new(data)?;
    c.lit(r#"{"type":"text-delta","runId":"#)?;
    let run_id = c.string()?;
    c.lit(r#","text":"#)?;
    let text = c.string()?;
    c.lit(r#","seq":"#)?;
    let seq = c.uint()?;
    c.lit("}")?;
    c.end()?;
    Some(TextDelta {
        run_id,
        text,
        seq: Some(seq),
    })
}

/// `{"type":"reply","runId":S,"sessionId":S,"text":S,"ts":S,"seq":N}`, or
/// `None` for any other shape.
#[inline]
pub(crate) fn reply(data: &[u8]) -> Option<Reply> {
    let mut c = Cursor::new(data)?;
    c.lit(r#"{"type":"reply","runId":"#)?;
    let run_id = c.string()?;
    c.lit(r#","sessionId":"#)?;
    let session_id = c.string()?;
    c.lit(r#","text":"#)?;
    let text = c.string()?;
    c.lit(r#","ts":"#)?;
    let ts = c.string()?;
    c.lit(r#","seq":"#)?;
    let seq = c.uint()?;
    c.lit("}")?;
    c.end()?;
    Some(Reply {
        text,
        ts,
        session_id,
        run_id,
        seq: Some(seq),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn serde_delta(data: &[u8]) -> Option<TextDelta> {
        serde_json::from_slice(data).ok()
    }

    #[test]
    fn reads_the_worker_shape() {
        let d = text_delta(br#"{"type":"text-delta","runId":"run_1","text":" hello","seq":7}"#)
            .unwrap();
        assert_eq!(
            (d.run_id.as_str(), d.text.as_str(), d.seq),
            ("run_1", " hello", Some(7))
        );
        let d = text_delta(
            br#"{"type":"text-delta","runId":"run_1","text":"a\"b\\c\/d\n\t\r\b\f","seq":0}"#,
        )
        .unwrap();
        assert_eq!(d.text, "a\"b\\c/d\n\t\r\u{8}\u{c}");
        let r = reply(
            br#"{"type":"reply","runId":"run_c","sessionId":"sess_x","text":"Working on it","ts":"2026-05-24T00:00:00.000Z","seq":3}"#,
        )
        .unwrap();
        assert_eq!(
            (
                r.run_id.as_str(),
                r.session_id.as_str(),
                r.text.as_str(),
                r.ts.as_str(),
                r.seq
            ),
            (
                "run_c",
                "sess_x",
                "Working on it",
                "2026-05-24T00:00:00.000Z",
                Some(3)
            )
        );
    }

    #[test]
    fn gives_up_on_anything_else() {
        let other: &[&[u8]] = &[
            br#"{"type":"text-delta","runId":"r","text":"caf\u00e9","seq":1}"#,
            br#"{"type":"text-delta","runId":"r","text":"x","seq":01}"#,
            br#"{"type":"text-delta","runId":"r","text":"x","seq":1.0}"#,
            br#"{"type":"text-delta","runId":"r","text":"x","seq":1e2}"#,
            br#"{"type":"text-delta","runId":"r","text":"x","seq":-1}"#,
            br#"{"type":"text-delta","runId":"r","text":"x","seq":18446744073709551616}"#,
            br#"{"type":"text-delta","runId":"r","text":"x","seq":1,"extra":2}"#,
            br#"{"type":"text-delta","runId":"r","text":"x","seq":1} "#,
            br#"{"type":"text-delta", "runId":"r","text":"x","seq":1}"#,
            br#"{"type":"text-delta","text":"x","runId":"r","seq":1}"#,
            br#"{"type":"text-delta","runId":"r","text":"x"}"#,
            br#"{"type":"text-delta","runId":"r","text":"x\q","seq":1}"#,
            b"{\"type\":\"text-delta\",\"runId\":\"r\",\"text\":\"a\nb\",\"seq\":1}",
            b"{\"type\":\"text-delta\",\"runId\":\"r\",\"text\":\"\xff\",\"seq\":1}",
            br#"{"type":"text-delta","runId":"r","text":"x","seq":1"#,
            br#"{"type":"text-delta","runId":"r","text":"x"#,
        ];
        for data in other {
            assert!(
                text_delta(data).is_none(),
                "{}",
                String::from_utf8_lossy(data)
            );
        }
        // The largest u64 is read.
        let max = format!(
            r#"{{"type":"text-delta","runId":"r","text":"x","seq":{}}}"#,
            u64::MAX
        );
        assert_eq!(text_delta(max.as_bytes()).unwrap().seq, Some(u64::MAX));
    }

    /// Strings made of the characters that matter: plain ASCII, quotes,
    /// backslashes, escapes of every kind, control characters, multi-byte
    /// UTF-8, and raw bytes that are not UTF-8.
    fn json_string() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop_oneof![
            Just(b"a".to_vec()),
            Just(b" word".to_vec()),
            Just(b"\\\"".to_vec()),
            Just(b"\\\\".to_vec()),
            Just(b"\\/".to_vec()),
            Just(b"\\n".to_vec()),
            Just(b"\\t".to_vec()),
            Just(b"\\b".to_vec()),
            Just(b"\\u00e9".to_vec()),
            Just(b"\\ud83d\\ude80".to_vec()),
            Just(b"\\x".to_vec()),
            Just(b"\\".to_vec()),
            Just(b"\"".to_vec()),
            Just(b"\n".to_vec()),
            Just(b"\x1f".to_vec()),
            Just(b"\x7f".to_vec()),
            Just("é日本語🚀".as_bytes().to_vec()),
            Just(b"\xc3".to_vec()),
            Just(b"\xff".to_vec()),
        ];
        prop::collection::vec(piece, 0..8).prop_map(|p| p.concat())
    }

    fn number() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            any::<u64>().prop_map(|n| n.to_string().into_bytes()),
            Just(b"0".to_vec()),
            Just(b"007".to_vec()),
            Just(b"-3".to_vec()),
            Just(b"1.5".to_vec()),
            Just(b"2e3".to_vec()),
            Just(b"99999999999999999999".to_vec()),
            Just(b"".to_vec()),
        ]
    }

    proptest! {
        /// Whatever the fast path accepts, serde_json decodes to the same
        /// value.
        #[test]
        fn agrees_with_serde_json(
            run_id in json_string(),
            text in json_string(),
            seq in number(),
            tail in prop_oneof![Just(b"}".to_vec()), Just(b"} ".to_vec()), Just(b",\"x\":1}".to_vec()), Just(b"".to_vec())],
        ) {
            let mut data = b"{\"type\":\"text-delta\",\"runId\":\"".to_vec();
            data.extend_from_slice(&run_id);
            data.extend_from_slice(b"\",\"text\":\"");
            data.extend_from_slice(&text);
            data.extend_from_slice(b"\",\"seq\":");
            data.extend_from_slice(&seq);
            data.extend_from_slice(&tail);
            if let Some(fast) = text_delta(&data) {
                prop_assert_eq!(Some(fast), serde_delta(&data));
            }

            let mut data = b"{\"type\":\"reply\",\"runId\":\"".to_vec();
            for (key, value) in [(&b"\",\"sessionId\":\""[..], &run_id), (b"\",\"text\":\"", &text), (b"\",\"ts\":\"", &run_id)] {
                data.extend_from_slice(value);
                data.extend_from_slice(key);
            }
            data.extend_from_slice(&text);
            data.extend_from_slice(b"\",\"seq\":");
            data.extend_from_slice(&seq);
            data.extend_from_slice(&tail);
            if let Some(fast) = reply(&data) {
                prop_assert_eq!(Some(fast), serde_json::from_slice::<Reply>(&data).ok());
            }
        }
    }

    #[test]
    fn the_common_payloads_take_the_fast_path() {
        // Plain and escaped text, as the worker writes it.
        for text in [
            " plain words",
            "\\n\\n## Heading",
            "`\\\"key\\\": \\\"value\\\"`",
            "naïve 日本語 🚀",
        ] {
            let data =
                format!(r#"{{"type":"text-delta","runId":"run_abc","text":"{text}","seq":12}}"#);
            let fast = text_delta(data.as_bytes()).expect("fast path");
            assert_eq!(Some(fast), serde_delta(data.as_bytes()));
        }
    }
}
