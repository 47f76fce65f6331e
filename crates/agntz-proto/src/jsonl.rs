//! An incremental JSON Lines decoder (for `results.jsonl`).
//!
//! Feed it bytes as they arrive; it yields one decoded value per complete
//! line. Blank lines are skipped, `\r\n` is accepted, and a line that is not
//! valid JSON of the expected shape, or that grows past the size limit, is a
//! typed [`Error::Decode`] naming the line (never a panic). Memory stays
//! bounded by the longest line.
//!
//! ```
//! use agntz_proto::jsonl::JsonLines;
//! let mut lines = JsonLines::<serde_json::Value>::new(1024);
//! lines.feed(b"{\"a\":1}\n{\"a\"");
//! assert_eq!(lines.next().unwrap().unwrap()["a"], 1);
//! assert!(lines.next().is_none());
//! lines.feed(b":2}");
//! assert_eq!(lines.finish().unwrap().unwrap()["a"], 2);
//! ```

use std::marker::PhantomData;

use bytes::{Bytes, BytesMut};
use http::StatusCode;
use serde::de::DeserializeOwned;

use crate::body::WholeBody;
use crate::error::{DecodeError, Error};

/// The most a whole-body decode feeds at once.
const FEED: usize = 64 * 1024;

/// Decodes a JSON Lines body into values of `T`, one per line.
pub struct JsonLines<T> {
    buf: BytesMut,
    /// Bytes of `buf` already searched for a newline.
    scanned: usize,
    line: u64,
    max_line_bytes: usize,
    failed: bool,
    _item: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for JsonLines<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsonLines")
            .field("buffered", &self.buf.len())
            .field("line", &self.line)
            .field("failed", &self.failed)
            .finish()
    }
}

impl<T: DeserializeOwned> JsonLines<T> {
    /// A decoder refusing lines longer than `max_line_bytes`.
    pub fn new(max_line_bytes: usize) -> Self {
        JsonLines {
            buf: BytesMut::new(),
            scanned: 0,
            line: 0,
            max_line_bytes,
            failed: false,
            _item: PhantomData,
        }
    }

    /// Decodes a whole body at once.
    pub fn decode_all(body: &[u8], max_line_bytes: usize) -> Result<Vec<T>, Error> {
        Self::decode_pieces(std::iter::once(body), max_line_bytes)
    }

    /// Decodes a whole body held as its chunks.
    pub(crate) fn decode_whole(body: &WholeBody, max_line_bytes: usize) -> Result<Vec<T>, Error> {
        Self::decode_pieces(body.chunks().map(|c| &c[..]), max_line_bytes)
    }

    /// Feeds the pieces at most [`FEED`] bytes at a time, taking the lines
    /// out as they complete: the decoder holds one line and one feed, not
    /// a second copy of the body.
    fn decode_pieces<'a>(
        pieces: impl Iterator<Item = &'a [u8]>,
        max_line_bytes: usize,
    ) -> Result<Vec<T>, Error> {
        let mut lines = JsonLines::new(max_line_bytes);
        let mut out = Vec::new();
        for piece in pieces.flat_map(|p| p.chunks(FEED)) {
            lines.feed(piece);
            while let Some(item) = lines.next() {
                out.push(item?);
            }
        }
        if let Some(item) = lines.finish() {
            out.push(item?);
        }
        Ok(out)
    }

    /// Appends received bytes (ignored after an error).
    pub fn feed(&mut self, chunk: &[u8]) {
        if !self.failed {
            self.buf.extend_from_slice(chunk);
        }
    }

    /// The next complete line's value, or `None` until more bytes arrive.
    /// After an error it yields nothing more.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Option<Result<T, Error>> {
        while !self.failed {
            let Some(pos) = memchr::memchr(b'\n', &self.buf[self.scanned..]) else {
                self.scanned = self.buf.len();
                if self.buf.len() > self.max_line_bytes {
                    return Some(Err(self.too_long()));
                }
                return None;
            };
            let end = self.scanned + pos;
            let line = self.buf.split_to(end + 1).freeze();
            self.scanned = 0;
            self.line += 1;
            if let Some(item) = self.decode(line.slice(..end)) {
                return Some(item);
            }
        }
        None
    }

    /// Ends the body: the value of a last line without a trailing newline,
    /// if any.
    pub fn finish(&mut self) -> Option<Result<T, Error>> {
        if self.failed || self.buf.is_empty() {
            return None;
        }
        if self.buf.len() > self.max_line_bytes {
            return Some(Err(self.too_long()));
        }
        let rest = std::mem::take(&mut self.buf).freeze();
        self.scanned = 0;
        self.line += 1;
        self.decode(rest)
    }

    /// Lines seen so far (including blank ones).
    pub fn lines_read(&self) -> u64 {
        self.line
    }

    fn decode(&mut self, mut line: Bytes) -> Option<Result<T, Error>> {
        if line.last() == Some(&b'\r') {
            line.truncate(line.len() - 1);
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            return None;
        }
        if line.len() > self.max_line_bytes {
            return Some(Err(self.too_long()));
        }
        match crate::json::from_bytes(&line) {
            Ok(v) => Some(Ok(v)),
            Err(e) => {
                self.failed = true;
                self.buf.clear();
                Some(Err(Error::Decode(DecodeError::new(
                    StatusCode::OK,
                    format!("JSON Lines line {}: {e}", self.line),
                    line,
                ))))
            }
        }
    }

    fn too_long(&mut self) -> Error {
        self.failed = true;
        let mut head = std::mem::take(&mut self.buf);
        head.truncate(256);
        Error::Decode(DecodeError::new(
            StatusCode::OK,
            format!(
                "JSON Lines line {} exceeds the limit of {} bytes",
                self.line + 1,
                self.max_line_bytes
            ),
            head.freeze(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn splits_lines_across_chunks_and_skips_blank_ones() {
        let body = b"{\"n\":1}\r\n\n  \n{\"n\":2}\n{\"n\":3}";
        for split in 0..body.len() {
            let mut d = JsonLines::<Value>::new(64);
            let mut out = Vec::new();
            for chunk in [&body[..split], &body[split..]] {
                d.feed(chunk);
                while let Some(v) = d.next() {
                    out.push(v.unwrap()["n"].as_u64().unwrap());
                }
            }
            if let Some(v) = d.finish() {
                out.push(v.unwrap()["n"].as_u64().unwrap());
            }
            assert_eq!(out, [1, 2, 3], "split at {split}");
        }
        assert!(JsonLines::<Value>::decode_all(b"", 8).unwrap().is_empty());
    }

    #[test]
    fn a_whole_body_decodes_the_same_whatever_its_chunks() {
        let body = b"{\"n\":1}\r\n\n{\"n\":2}\n{\"n\":3}";
        let bytes = Bytes::from_static(body);
        for a in 0..body.len() {
            for b in a..=body.len() {
                let whole =
                    WholeBody::from(vec![bytes.slice(..a), bytes.slice(a..b), bytes.slice(b..)]);
                let got: Vec<u64> = JsonLines::<Value>::decode_whole(&whole, 64)
                    .unwrap()
                    .iter()
                    .map(|v| v["n"].as_u64().unwrap())
                    .collect();
                assert_eq!(got, [1, 2, 3], "cut at {a} and {b}");
            }
        }
        // A long contiguous body is fed a piece at a time, lines across
        // the pieces included.
        let line = format!("{{\"n\":\"{}\"}}\n", "x".repeat(1000));
        let many = WholeBody::from(line.repeat(200));
        let rows = JsonLines::<Value>::decode_whole(&many, 2048).unwrap();
        assert_eq!(rows.len(), 200);
        let err = JsonLines::<Value>::decode_whole(&"{}\nnot json\n".into(), 64).unwrap_err();
        assert!(matches!(err, Error::Decode(d) if d.message.starts_with("JSON Lines line 2:")));
    }

    #[test]
    fn a_bad_line_is_a_typed_error_naming_the_line() {
        let err = JsonLines::<Value>::decode_all(b"{\"n\":1}\nnot json\n{}\n", 64).unwrap_err();
        match err {
            Error::Decode(d) => {
                assert!(d.message.starts_with("JSON Lines line 2:"), "{}", d.message);
                assert_eq!(&d.body[..], b"not json");
            }
            other => panic!("{other:?}"),
        }
        // Wrong shape for the target type.
        #[derive(serde::Deserialize, Debug)]
        struct Row {
            #[allow(dead_code)]
            n: u64,
        }
        assert!(JsonLines::<Row>::decode_all(b"{\"n\":\"x\"}\n", 64).is_err());
    }

    #[test]
    fn overlong_lines_are_refused_without_buffering_more() {
        let mut d = JsonLines::<Value>::new(8);
        d.feed(b"[1,2,3,4,5,6,7");
        assert!(matches!(d.next(), Some(Err(Error::Decode(_)))));
        d.feed(b"more bytes\n");
        assert!(d.next().is_none());
        assert!(d.finish().is_none());
    }
}
