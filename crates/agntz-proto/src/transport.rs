//! The only seam between the protocol core and IO.
//!
//! A transport sends an `http::Request<Bytes>` and returns the response head
//! with a body that yields `Bytes` chunks. It owns connection pooling, TLS,
//! and timeouts: the configured [`Timeouts`](crate::config::Timeouts) travel
//! with each request as an extension (`request.extensions().get::<Timeouts>()`).
//!
//! Contract for implementors:
//! - map failures to [`Error::Transport`] with the right
//!   [`TransportErrorKind`](crate::TransportErrorKind) (only `Connect` means
//!   the request was certainly not sent) or [`Error::Timeout`];
//! - apply the idle timeout while waiting for the head and between body chunks;
//! - dropping the body closes or releases the connection (the worker cancels
//!   a `/run/stream` run when its connection closes);
//! - never put the `Authorization` header in an error or log line, and never
//!   forward it across a redirect to another host;
//! - to support file content blocks ([`ContentBlock::image_file`] and
//!   [`ContentBlock::audio_file`]), implement [`Transport::file_len`] and
//!   [`Transport::read_file`] without blocking the runtime; the defaults
//!   refuse with [`ContentErrorKind::FilesUnsupported`] (bytes blocks work
//!   with any transport). A layer around another transport forwards them
//!   like `send`.
//!
//! [`ContentBlock::image_file`]: crate::types::ContentBlock::image_file
//! [`ContentBlock::audio_file`]: crate::types::ContentBlock::audio_file
//! [`ContentErrorKind::FilesUnsupported`]: crate::uploads::ContentErrorKind::FilesUnsupported

use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures_core::Stream;

use crate::error::Error;
use crate::uploads::{ContentError, FileBuffer};

/// What [`read_body`] returns (defined in [`crate::body`]).
pub use crate::body::WholeBody;

/// Sends requests and sleeps. Implemented by `agntz-reqwest` and
/// `agntz-hyper`; implement it to bring your own HTTP stack.
pub trait Transport: Send + Sync + 'static {
    /// The response body: a stream of chunks that ends at end of body.
    type Body: Stream<Item = Result<Bytes, Error>> + Send + Unpin + 'static;

    /// Sends one request and resolves when the response head has arrived.
    fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> impl Future<Output = Result<http::Response<Self::Body>, Error>> + Send;

    /// Sleeps (for retry backoff and stream reconnects).
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send;

    /// A random number in `[0, 1)` for retry jitter. The core has no RNG of
    /// its own; a constant works but spreads retries less.
    fn jitter(&self) -> f64;

    /// The length in bytes of the regular file at `path` (following
    /// symbolic links), for a file content block. The client asks for every
    /// file's length before it sends anything, so a missing file fails the
    /// call with no request made.
    ///
    /// Map IO failures with [`ContentError::io`]; a path that is not a
    /// regular file is [`ContentErrorKind::FileUnreadable`](crate::uploads::ContentErrorKind::FileUnreadable)
    /// (also through `ContentError::io`). The default refuses:
    /// [`ContentError::files_unsupported`].
    fn file_len(&self, path: &Path) -> impl Future<Output = Result<u64, Error>> + Send {
        let _ = path;
        std::future::ready(Err(ContentError::files_unsupported().into()))
    }

    /// Reads the file at `path` into `buf` without blocking the runtime (a
    /// blocking-pool thread, or the runtime's file API): call
    /// [`FileBuffer::reserve_file`] with the file's length, then append its
    /// bytes to [`FileBuffer::data_mut`], failing once they exceed
    /// [`FileBuffer::limit`]. Map IO failures with [`ContentError::io`].
    /// The default refuses: [`ContentError::files_unsupported`].
    ///
    /// A blocking implementation with `std` only (run it where blocking is
    /// allowed):
    ///
    /// ```
    /// use std::io::Read;
    /// use agntz_proto::uploads::{ContentError, FileBuffer};
    ///
    /// fn read_into(path: &std::path::Path, buf: &mut FileBuffer) -> Result<(), agntz_proto::Error> {
    ///     let io = |e| ContentError::io(path, e);
    ///     let file = std::fs::File::open(path).map_err(io)?;
    ///     buf.reserve_file(file.metadata().map_err(io)?.len())?;
    ///     // At most one byte past the limit, so an oversized file is caught.
    ///     let mut file = file.take(buf.limit() + 1);
    ///     let mut chunk = [0u8; 64 * 1024];
    ///     loop {
    ///         let n = file.read(&mut chunk).map_err(io)?;
    ///         if n == 0 {
    ///             return Ok(());
    ///         }
    ///         buf.data_mut().extend_from_slice(&chunk[..n]);
    ///         buf.check_len(buf.len() as u64)?;
    ///     }
    /// }
    /// ```
    fn read_file(
        &self,
        path: &Path,
        buf: FileBuffer,
    ) -> impl Future<Output = Result<FileBuffer, Error>> + Send {
        let _ = (path, buf);
        std::future::ready(Err(ContentError::files_unsupported().into()))
    }

    /// The time now on a monotonic clock, for diagnostics only: the
    /// `tracing` feature measures the time to first byte with it. The core
    /// needs no clock to work (deadlines and waits are raced against
    /// [`sleep`](Self::sleep)); the default, `None`, records no timings.
    fn now(&self) -> Option<std::time::Instant> {
        None
    }
}

/// Reads a whole body into memory, failing once it exceeds `limit` bytes.
/// Same as [`read_body_sized`] without a declared length.
pub async fn read_body<B>(body: &mut B, limit: usize) -> Result<WholeBody, Error>
where
    B: Stream<Item = Result<Bytes, Error>> + Unpin,
{
    read_body_sized(body, limit, None).await
}

/// Reads a whole body into memory, failing once it exceeds `limit` bytes,
/// with the body's declared length (its `Content-Length`) when known.
///
/// Memory stays close to the body's own size, never far past the limit:
/// - a declared length over the limit fails at once, before reading;
/// - a declared length within it is reserved once, and the chunks are
///   copied in (at most the body plus one chunk);
/// - without one, chunks of 4 KiB or more are held as they arrive, smaller
///   ones are copied into shared 16 KiB blocks (so a server sending tiny
///   chunks cannot make the client keep one allocation per chunk), and the
///   [`WholeBody`] keeps that list: it is never joined here (decoding reads
///   across the chunks), so a body within the limit is held once. A body
///   over the limit fails once the pieces reach the limit (at most the
///   limit plus one chunk held).
///
/// A body of a single chunk is returned as it is, without a copy, and so is
/// the buffer reserved from a declared length: both are
/// [contiguous](WholeBody::as_contiguous).
pub async fn read_body_sized<B>(
    body: &mut B,
    limit: usize,
    declared: Option<u64>,
) -> Result<WholeBody, Error>
where
    B: Stream<Item = Result<Bytes, Error>> + Unpin,
{
    let declared = match declared.map(usize::try_from) {
        Some(Ok(len)) if len <= limit => Some(len),
        Some(_) => return Err(Error::BodyTooLarge { limit }),
        None => None,
    };
    let mut pieces = Pieces::default();
    loop {
        let next = std::future::poll_fn(|cx| Pin::new(&mut *body).poll_next(cx)).await;
        let chunk = match next {
            None => break,
            Some(chunk) => chunk?,
        };
        if chunk.is_empty() {
            continue;
        }
        if pieces.len + chunk.len() > limit {
            return Err(Error::BodyTooLarge { limit });
        }
        pieces.push(chunk, declared);
    }
    Ok(pieces.finish())
}

/// The `Content-Length` of a response head, when present and valid.
pub(crate) fn declared_length(headers: &http::HeaderMap) -> Option<u64> {
    headers
        .get(http::header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Chunks of at least this size are held as they are; smaller ones are
/// copied (a held chunk may keep a larger read buffer alive).
const HOLD_FROM: usize = 4 * 1024;

/// The block small chunks are copied into.
const BLOCK: usize = 16 * 1024;

/// A body being read: the first chunk alone (no copy yet), or one buffer
/// reserved at the declared length, or a list of pieces.
#[derive(Default)]
struct Pieces {
    len: usize,
    first: Option<Bytes>,
    reserved: Option<BytesMut>,
    held: Vec<Bytes>,
    block: BytesMut,
}

impl Pieces {
    fn push(&mut self, chunk: Bytes, declared: Option<usize>) {
        self.len += chunk.len();
        if let Some(buf) = self.reserved.as_mut() {
            buf.extend_from_slice(&chunk);
            return;
        }
        let Some(first) = self.first.take() else {
            if self.held.is_empty() && self.block.is_empty() {
                // One chunk (the common case for small JSON bodies) needs
                // no copy.
                self.first = Some(chunk);
                return;
            }
            return self.collect(chunk);
        };
        match declared {
            Some(len) => {
                let mut buf = BytesMut::with_capacity(len.max(self.len));
                buf.extend_from_slice(&first);
                buf.extend_from_slice(&chunk);
                self.reserved = Some(buf);
            }
            None => {
                self.collect(first);
                self.collect(chunk);
            }
        }
    }

    fn collect(&mut self, chunk: Bytes) {
        if chunk.len() >= HOLD_FROM {
            self.seal_block();
            self.held.push(chunk);
            return;
        }
        let mut data = &chunk[..];
        while !data.is_empty() {
            if self.block.capacity() == self.block.len() {
                self.seal_block();
                self.block = BytesMut::with_capacity(BLOCK);
            }
            let n = (self.block.capacity() - self.block.len()).min(data.len());
            self.block.extend_from_slice(&data[..n]);
            data = &data[n..];
        }
    }

    /// Moves the filled part of the current block into the list; the block
    /// keeps its spare room for the next small chunks (it is never grown).
    fn seal_block(&mut self) {
        if !self.block.is_empty() {
            let block = self.block.split();
            self.held.push(block.freeze());
        }
    }

    fn finish(mut self) -> WholeBody {
        if let Some(buf) = self.reserved {
            return buf.freeze().into();
        }
        if let Some(first) = self.first {
            return first.into();
        }
        self.seal_block();
        WholeBody::from_checked(self.held, self.len)
    }
}

/// A body that is already in memory (useful for tests and custom transports).
#[derive(Debug, Default)]
pub struct FullBody(Option<Bytes>);

impl FullBody {
    /// A body of `bytes`.
    pub fn new(bytes: impl Into<Bytes>) -> Self {
        FullBody(Some(bytes.into()))
    }
}

impl Stream for FullBody {
    type Item = Result<Bytes, Error>;

    fn poll_next(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Poll::Ready(self.0.take().filter(|b| !b.is_empty()).map(Ok))
    }
}
