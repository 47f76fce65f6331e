//! A small `multipart/form-data` encoder (RFC 7578) for artifact uploads.
//!
//! The core has no random numbers, so the boundary is derived from the
//! content (an FNV-1a hash of every part) plus an attempt counter, and is
//! checked against every part: a boundary that occurs anywhere in the payload
//! is never used.

use bytes::{BufMut, Bytes, BytesMut};
use memchr::memmem;

use crate::error::Error;

/// One part of a form.
pub(crate) enum Part<'a> {
    /// A text field.
    Text { name: &'a str, value: &'a str },
    /// A file field.
    File {
        name: &'a str,
        filename: &'a str,
        content_type: &'a str,
        data: &'a [u8],
    },
}

impl Part<'_> {
    fn chunks(&self) -> [&[u8]; 4] {
        match self {
            Part::Text { name, value } => [name.as_bytes(), value.as_bytes(), b"", b""],
            Part::File {
                name,
                filename,
                content_type,
                data,
            } => [
                name.as_bytes(),
                filename.as_bytes(),
                content_type.as_bytes(),
                data,
            ],
        }
    }
}

/// An encoded form: the body and its `Content-Type` header value.
pub(crate) struct Encoded {
    pub body: Bytes,
    pub content_type: String,
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

fn fnv1a(mut hash: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(FNV_PRIME);
    }
    hash
}

/// Escapes a field name or file name for a quoted `Content-Disposition`
/// parameter the way browsers do (`"` → `%22`, CR → `%0D`, LF → `%0A`).
fn escape_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("%22"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => out.push(c),
        }
    }
    out
}

/// Length of every boundary [`boundary`] picks: `agntz-rust-boundary-`,
/// 16 hex digits of hash, 2 of attempt. Fixed, so that a form's head can be
/// sized before the boundary (which depends on the content) is known.
const BOUNDARY_LEN: usize = 38;

/// Picks a boundary that occurs in none of the parts.
fn boundary(parts: &[Part<'_>]) -> Result<String, Error> {
    let mut seed = FNV_OFFSET;
    for part in parts {
        for chunk in part.chunks() {
            seed = fnv1a(seed, chunk);
            seed = fnv1a(seed, &[0xff]);
        }
    }
    for attempt in 0u32..64 {
        let hash = fnv1a(seed, &attempt.to_le_bytes());
        let candidate = format!("agntz-rust-boundary-{hash:016x}{attempt:02x}");
        debug_assert_eq!(candidate.len(), BOUNDARY_LEN);
        let clash = parts.iter().any(|part| {
            part.chunks()
                .iter()
                .any(|chunk| memmem::find(chunk, candidate.as_bytes()).is_some())
        });
        if !clash {
            return Ok(candidate);
        }
    }
    Err(Error::invalid(
        "could not find a multipart boundary absent from the upload",
    ))
}

/// Everything of a part before its content: the delimiter line and headers.
fn part_head(boundary: &str, part: &Part<'_>) -> String {
    match part {
        Part::Text { name, .. } => format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"\r\n\r\n",
            escape_quoted(name)
        ),
        Part::File {
            name,
            filename,
            content_type,
            ..
        } => format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {}\r\n\r\n",
            escape_quoted(name),
            escape_quoted(filename),
            content_type
        ),
    }
}

fn part_content<'a>(part: &Part<'a>) -> &'a [u8] {
    match part {
        Part::Text { value, .. } => value.as_bytes(),
        Part::File { data, .. } => data,
    }
}

/// Encodes `parts` as `multipart/form-data` with CRLF line ends.
pub(crate) fn encode(parts: &[Part<'_>]) -> Result<Encoded, Error> {
    let boundary = boundary(parts)?;
    let size: usize = parts
        .iter()
        .map(|p| p.chunks().iter().map(|c| c.len()).sum::<usize>() + 128 + boundary.len())
        .sum();
    let mut body = BytesMut::with_capacity(size + boundary.len() + 8);
    for part in parts {
        body.put_slice(part_head(&boundary, part).as_bytes());
        body.put_slice(part_content(part));
        body.put_slice(b"\r\n");
    }
    body.put_slice(b"--");
    body.put_slice(boundary.as_bytes());
    body.put_slice(b"--\r\n");
    Ok(Encoded {
        body: body.freeze(),
        content_type: format!("multipart/form-data; boundary={boundary}"),
    })
}

/// A form whose first part is a file, laid out around the file's bytes in
/// place: the caller fills a buffer that starts `head_len` bytes into one
/// allocation, and [`FileForm::finish`] writes the head in front and the
/// rest of the form after it, so the bytes are never copied into a second
/// buffer. The result is byte for byte what [`encode`] makes of the same
/// parts.
#[derive(Debug, Clone)]
pub(crate) struct FileForm {
    filename: String,
    content_type: String,
    fields: Vec<(&'static str, String)>,
}

impl FileForm {
    /// A `file` part with `filename` and `content_type`, then text `fields`.
    pub(crate) fn new(
        filename: impl Into<String>,
        content_type: impl Into<String>,
        fields: Vec<(&'static str, String)>,
    ) -> Self {
        FileForm {
            filename: filename.into(),
            content_type: content_type.into(),
            fields,
        }
    }

    fn parts<'a>(&'a self, data: &'a [u8]) -> Vec<Part<'a>> {
        let mut parts = vec![Part::File {
            name: "file",
            filename: &self.filename,
            content_type: &self.content_type,
            data,
        }];
        parts.extend(self.fields.iter().map(|(name, value)| Part::Text {
            name,
            value: value.as_str(),
        }));
        parts
    }

    fn head(&self, boundary: &str) -> String {
        part_head(boundary, &self.parts(&[])[0])
    }

    fn tail(&self, boundary: &str) -> String {
        let mut tail = String::from("\r\n");
        for part in &self.parts(&[])[1..] {
            tail.push_str(&part_head(boundary, part));
            tail.push_str(std::str::from_utf8(part_content(part)).unwrap_or_default());
            tail.push_str("\r\n");
        }
        tail.push_str("--");
        tail.push_str(boundary);
        tail.push_str("--\r\n");
        tail
    }

    /// Bytes before the file's content.
    pub(crate) fn head_len(&self) -> usize {
        self.head(&"-".repeat(BOUNDARY_LEN)).len()
    }

    /// Bytes after the file's content.
    pub(crate) fn tail_len(&self) -> usize {
        self.tail(&"-".repeat(BOUNDARY_LEN)).len()
    }

    /// Completes the form around `data`. `head` is the room in front of it
    /// (`head_len` bytes); when `head` and `data` are halves of one
    /// allocation with room for the tail, nothing is copied.
    pub(crate) fn finish(&self, mut head: BytesMut, mut data: BytesMut) -> Result<Encoded, Error> {
        let boundary = boundary(&self.parts(&data))?;
        let front = self.head(&boundary);
        if head.len() == front.len() {
            head.copy_from_slice(front.as_bytes());
        } else {
            head.clear();
            head.extend_from_slice(front.as_bytes());
        }
        data.extend_from_slice(self.tail(&boundary).as_bytes());
        // O(1) when `data` was split off `head` and never reallocated.
        head.unsplit(data);
        Ok(Encoded {
            body: head.freeze(),
            content_type: format!("multipart/form-data; boundary={boundary}"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundary_avoids_the_payload() {
        let parts = [Part::Text {
            name: "a",
            value: "x",
        }];
        let first = boundary(&parts).unwrap();
        // A payload that contains the first candidate gets another boundary.
        let hostile = format!("--{first}\r\n");
        let parts = [Part::File {
            name: "file",
            filename: "f",
            content_type: "text/plain",
            data: hostile.as_bytes(),
        }];
        let chosen = boundary(&parts).unwrap();
        assert!(!hostile.contains(&chosen));
        // Deterministic.
        assert_eq!(chosen, boundary(&parts).unwrap());
    }

    #[test]
    fn file_form_matches_encode_and_fills_in_place() {
        let form = FileForm::new(
            "a\"b.png",
            "image/png",
            vec![
                ("purpose", "input".into()),
                ("expiresInSeconds", "600".into()),
            ],
        );
        let data = b"\x89PNG--agntz-rust-boundary-\r\n\x00\xff".as_slice();
        let expected = encode(&form.parts(data)).unwrap();

        let (head_len, tail_len) = (form.head_len(), form.tail_len());
        let mut all = BytesMut::with_capacity(head_len + data.len() + tail_len);
        all.resize(head_len, 0);
        let mut rest = all.split_off(head_len);
        rest.extend_from_slice(data);
        let start = all.as_ptr();
        let got = form.finish(all, rest).unwrap();
        assert_eq!(got.body, expected.body);
        assert_eq!(got.content_type, expected.content_type);
        assert_eq!(got.body.len(), head_len + data.len() + tail_len);
        // One allocation, never copied.
        assert_eq!(got.body.as_ptr(), start);

        // Separate buffers still give the same form.
        let got = form.finish(BytesMut::new(), BytesMut::from(data)).unwrap();
        assert_eq!(got.body, expected.body);
    }

    #[test]
    fn escapes_quotes_and_line_breaks() {
        assert_eq!(escape_quoted("a\"b\r\nc"), "a%22b%0D%0Ac");
    }
}
