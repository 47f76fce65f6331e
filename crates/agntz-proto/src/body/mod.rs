//! A whole response body held in memory as the chunks it arrived in.
//!
//! [`read_body`](crate::transport::read_body) returns a [`WholeBody`] and
//! [`Operation::parse`](crate::ops::Operation::parse) takes one, so a body
//! that arrived in several chunks is decoded from those chunks, never
//! joined into a second copy first: a body near the size limit costs about
//! the limit in memory, not twice it. A body that arrived in one chunk, or
//! was read into one buffer reserved from its `Content-Length`, is one
//! [`Bytes`] and decodes from that slice directly.
//!
//! A sans-IO user with a [`Bytes`] body converts it for free:
//!
//! ```
//! use agntz_proto::body::WholeBody;
//! use agntz_proto::ops::{GetHealth, Operation};
//!
//! let response = http::Response::new(bytes::Bytes::from_static(br#"{"status":"ok"}"#));
//! let health = GetHealth::new().parse(response.map(Into::into))?;
//! assert_eq!(health.status, "ok");
//!
//! // The same body in pieces decodes the same way, and reads as one stream.
//! let body = WholeBody::from(vec![
//!     bytes::Bytes::from_static(br#"{"sta"#),
//!     bytes::Bytes::from_static(br#"tus":"ok"}"#),
//! ]);
//! assert_eq!((body.len(), body.chunks().count()), (15, 2));
//! assert!(body.as_contiguous().is_none());
//! let mut text = String::new();
//! std::io::Read::read_to_string(&mut body.reader(), &mut text).unwrap();
//! assert_eq!(text, r#"{"status":"ok"}"#);
//! # Ok::<(), agntz_proto::Error>(())
//! ```

mod reader;
#[cfg(test)]
mod tests;

use std::fmt;

use bytes::{Bytes, BytesMut};

pub use reader::BodyReader;

/// A whole body held in memory: one contiguous [`Bytes`], or the list of
/// chunks it arrived in (see the [module docs](self)).
///
/// Cloning is cheap (the chunks are reference-counted). Equality compares
/// the bytes, whatever the chunking. `Debug` shows the length and the
/// number of chunks, never the bytes.
#[derive(Clone, Default)]
pub struct WholeBody {
    repr: Repr,
}

#[derive(Clone)]
enum Repr {
    /// One buffer (possibly empty).
    One(Bytes),
    /// At least two chunks, none empty, `len` bytes in all.
    Many { chunks: Vec<Bytes>, len: usize },
}

impl Default for Repr {
    fn default() -> Self {
        Repr::One(Bytes::new())
    }
}

impl WholeBody {
    /// An empty body.
    pub const fn new() -> Self {
        WholeBody {
            repr: Repr::One(Bytes::new()),
        }
    }

    /// The length in bytes.
    #[inline]
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::One(bytes) => bytes.len(),
            Repr::Many { len, .. } => *len,
        }
    }

    /// Whether the body has no bytes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The chunks in order; none is empty (an empty body has none).
    pub fn chunks(&self) -> Chunks<'_> {
        Chunks(self.slices().iter())
    }

    /// The body as one buffer, when it is held as one (no copy); `None`
    /// when it is held in several chunks.
    #[inline]
    pub fn as_contiguous(&self) -> Option<&Bytes> {
        match &self.repr {
            Repr::One(bytes) => Some(bytes),
            Repr::Many { .. } => None,
        }
    }

    /// The body as one buffer. A contiguous body is returned as it is; a
    /// body in several chunks is joined, each chunk freed once it is
    /// copied (so the body is held twice for the moment of the copy, at
    /// most).
    pub fn into_bytes(self) -> Bytes {
        match self.repr {
            Repr::One(bytes) => bytes,
            Repr::Many { chunks, len } => {
                let mut out = BytesMut::with_capacity(len);
                for chunk in chunks {
                    out.extend_from_slice(&chunk);
                }
                out.freeze()
            }
        }
    }

    /// The body as one buffer, keeping this one: a cheap clone when it is
    /// contiguous; else a joined copy (the body is then held twice).
    pub fn to_bytes(&self) -> Bytes {
        match &self.repr {
            Repr::One(bytes) => bytes.clone(),
            Repr::Many { len, .. } => self.prefix(*len),
        }
    }

    /// A reader over the bytes, chunk after chunk ([`std::io::Read`] and
    /// [`std::io::BufRead`]); no copy is made.
    pub fn reader(&self) -> BodyReader<'_> {
        BodyReader::new(self.slices())
    }

    /// The first `max` bytes (all of them when shorter): no copy when they
    /// lie in the first chunk, else a copy of that many bytes only.
    pub(crate) fn prefix(&self, max: usize) -> Bytes {
        let slices = self.slices();
        match slices.first() {
            None => Bytes::new(),
            Some(first) if first.len() >= max || slices.len() == 1 => {
                first.slice(..max.min(first.len()))
            }
            Some(_) => {
                let mut out = BytesMut::with_capacity(max.min(self.len()));
                for chunk in slices {
                    let take = (max - out.len()).min(chunk.len());
                    out.extend_from_slice(&chunk[..take]);
                    if out.len() == max {
                        break;
                    }
                }
                out.freeze()
            }
        }
    }

    /// A body of chunks already checked: none empty, `len` bytes in all.
    pub(crate) fn from_checked(mut chunks: Vec<Bytes>, len: usize) -> Self {
        debug_assert!(chunks.iter().all(|c| !c.is_empty()));
        debug_assert_eq!(chunks.iter().map(Bytes::len).sum::<usize>(), len);
        let repr = match chunks.len() {
            0 => Repr::One(Bytes::new()),
            1 => Repr::One(chunks.pop().unwrap_or_default()),
            _ => Repr::Many { chunks, len },
        };
        WholeBody { repr }
    }

    /// The chunks as a slice (an empty body has none).
    fn slices(&self) -> &[Bytes] {
        match &self.repr {
            Repr::One(bytes) if bytes.is_empty() => &[],
            Repr::One(bytes) => std::slice::from_ref(bytes),
            Repr::Many { chunks, .. } => chunks,
        }
    }
}

impl fmt::Debug for WholeBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WholeBody")
            .field("len", &self.len())
            .field("chunks", &self.slices().len())
            .finish()
    }
}

impl PartialEq for WholeBody {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && same_bytes(self.slices(), other.slices())
    }
}

impl Eq for WholeBody {}

impl PartialEq<[u8]> for WholeBody {
    fn eq(&self, other: &[u8]) -> bool {
        self.len() == other.len() && same_bytes(self.slices(), &[other])
    }
}

impl PartialEq<&[u8]> for WholeBody {
    fn eq(&self, other: &&[u8]) -> bool {
        *self == **other
    }
}

impl PartialEq<str> for WholeBody {
    fn eq(&self, other: &str) -> bool {
        *self == *other.as_bytes()
    }
}

impl PartialEq<&str> for WholeBody {
    fn eq(&self, other: &&str) -> bool {
        *self == *other.as_bytes()
    }
}

impl From<Bytes> for WholeBody {
    fn from(bytes: Bytes) -> Self {
        WholeBody {
            repr: Repr::One(bytes),
        }
    }
}

/// The chunks in order; empty ones are dropped.
impl From<Vec<Bytes>> for WholeBody {
    fn from(mut chunks: Vec<Bytes>) -> Self {
        chunks.retain(|c| !c.is_empty());
        let len = chunks.iter().map(Bytes::len).sum();
        WholeBody::from_checked(chunks, len)
    }
}

impl From<BytesMut> for WholeBody {
    fn from(bytes: BytesMut) -> Self {
        bytes.freeze().into()
    }
}

impl From<Vec<u8>> for WholeBody {
    fn from(bytes: Vec<u8>) -> Self {
        Bytes::from(bytes).into()
    }
}

impl From<String> for WholeBody {
    fn from(text: String) -> Self {
        Bytes::from(text).into()
    }
}

impl From<&'static [u8]> for WholeBody {
    fn from(bytes: &'static [u8]) -> Self {
        Bytes::from_static(bytes).into()
    }
}

impl From<&'static str> for WholeBody {
    fn from(text: &'static str) -> Self {
        Bytes::from_static(text.as_bytes()).into()
    }
}

/// Joins the chunks when there are several ([`WholeBody::into_bytes`]).
impl From<WholeBody> for Bytes {
    fn from(body: WholeBody) -> Self {
        body.into_bytes()
    }
}

/// Whether two chunk lists hold the same bytes (lengths already equal).
fn same_bytes<A: AsRef<[u8]>, B: AsRef<[u8]>>(a: &[A], b: &[B]) -> bool {
    let (mut a, mut b) = (a.iter().map(AsRef::as_ref), b.iter().map(AsRef::as_ref));
    let (mut x, mut y): (&[u8], &[u8]) = (&[], &[]);
    loop {
        if x.is_empty() {
            match a.next() {
                Some(next) => x = next,
                None => return y.is_empty() && b.all(<[u8]>::is_empty),
            }
            continue;
        }
        if y.is_empty() {
            match b.next() {
                Some(next) => y = next,
                None => return false,
            }
            continue;
        }
        let n = x.len().min(y.len());
        if x[..n] != y[..n] {
            return false;
        }
        (x, y) = (&x[n..], &y[n..]);
    }
}

/// The chunks of a [`WholeBody`], in order ([`WholeBody::chunks`]).
#[derive(Debug, Clone)]
pub struct Chunks<'a>(std::slice::Iter<'a, Bytes>);

impl<'a> Iterator for Chunks<'a> {
    type Item = &'a Bytes;

    fn next(&mut self) -> Option<&'a Bytes> {
        self.0.next()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl DoubleEndedIterator for Chunks<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back()
    }
}

impl ExactSizeIterator for Chunks<'_> {}

impl std::iter::FusedIterator for Chunks<'_> {}
