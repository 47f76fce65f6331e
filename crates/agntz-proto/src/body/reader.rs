//! Reading a [`WholeBody`](super::WholeBody) as one stream of bytes.

use std::io;

use bytes::{Buf, Bytes};

/// Reads the bytes of a [`WholeBody`](super::WholeBody) in order, across
/// its chunks, without copying them anywhere first. Implements
/// [`io::Read`], [`io::BufRead`] (each chunk is one buffer) and
/// [`bytes::Buf`].
#[derive(Debug, Clone)]
pub struct BodyReader<'a> {
    /// The unread part of the current chunk; empty only at the end.
    current: &'a [u8],
    /// The chunks after the current one.
    rest: &'a [Bytes],
    /// Bytes left in all.
    left: usize,
}

impl<'a> BodyReader<'a> {
    pub(super) fn new(chunks: &'a [Bytes]) -> Self {
        let mut reader = BodyReader {
            current: &[],
            rest: chunks,
            left: chunks.iter().map(Bytes::len).sum(),
        };
        reader.next_chunk();
        reader
    }

    /// Moves past empty chunks to the next one with bytes, if any.
    fn next_chunk(&mut self) {
        while self.current.is_empty() {
            let Some((first, rest)) = self.rest.split_first() else {
                return;
            };
            self.current = first;
            self.rest = rest;
        }
    }

    fn skip(&mut self, n: usize) {
        self.current = &self.current[n..];
        self.left -= n;
        self.next_chunk();
    }
}

impl io::Read for BodyReader<'_> {
    #[inline]
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // serde_json reads one byte at a time.
        if let ([out], [byte, rest @ ..]) = (&mut *buf, self.current) {
            *out = *byte;
            self.current = rest;
            self.left -= 1;
            if rest.is_empty() {
                self.next_chunk();
            }
            return Ok(1);
        }
        // One chunk per call, as `Read` allows: a short read is not the end.
        let n = self.current.len().min(buf.len());
        buf[..n].copy_from_slice(&self.current[..n]);
        self.skip(n);
        Ok(n)
    }
}

impl io::BufRead for BodyReader<'_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        Ok(self.current)
    }

    fn consume(&mut self, amt: usize) {
        self.skip(amt.min(self.current.len()));
    }
}

impl Buf for BodyReader<'_> {
    fn remaining(&self) -> usize {
        self.left
    }

    fn chunk(&self) -> &[u8] {
        self.current
    }

    /// # Panics
    ///
    /// When `cnt` is more than [`remaining`](Buf::remaining), as `Buf`
    /// requires.
    fn advance(&mut self, mut cnt: usize) {
        assert!(cnt <= self.left, "advance past the end of the body");
        while cnt > 0 {
            let n = cnt.min(self.current.len());
            self.skip(n);
            cnt -= n;
        }
    }
}
