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

/// Encodes `parts` as `multipart/form-data` with CRLF line ends.
pub(crate) fn encode(parts: &[Part<'_>]) -> Result<Encoded, Error> {
    let boundary = boundary(parts)?;
    let size: usize = parts
        .iter()
        .map(|p| p.chunks().iter().map(|c| c.len()).sum::<usize>() + 128 + boundary.len())
        .sum();
    let mut body = BytesMut::with_capacity(size + boundary.len() + 8);
    for part in parts {
        body.put_slice(b"--");
        body.put_slice(boundary.as_bytes());
        body.put_slice(b"\r\n");
        match part {
            Part::Text { name, value } => {
                body.put_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{}\"\r\n\r\n",
                        escape_quoted(name)
                    )
                    .as_bytes(),
                );
                body.put_slice(value.as_bytes());
            }
            Part::File {
                name,
                filename,
                content_type,
                data,
            } => {
                body.put_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {}\r\n\r\n",
                        escape_quoted(name),
                        escape_quoted(filename),
                        content_type
                    )
                    .as_bytes(),
                );
                body.put_slice(data);
            }
        }
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
    fn escapes_quotes_and_line_breaks() {
        assert_eq!(escape_quoted("a\"b\r\nc"), "a%22b%0D%0Ac");
    }
}
