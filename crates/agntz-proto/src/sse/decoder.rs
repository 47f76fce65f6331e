//! The incremental SSE decoder.

use bytes::{Buf, Bytes, BytesMut};
use memchr::{memchr, memchr2};

use super::event::{Event, Text};
use super::frame::{Frame, IdRef};
use super::simple::{self, LineEnds};
use super::type_cache::TypeCache;
use super::{SseError, DEFAULT_MAX_EVENT_SIZE};

const BOM: &[u8] = b"\xEF\xBB\xBF";
/// A colon past this offset cannot end a known field name (`retry`, `event`).
const MAX_FIELD_NAME: usize = 5;
/// A joined-data buffer that grew past this is released after its event
/// rather than kept for the next one, so one huge event does not pin memory.
const KEEP_DATA_CAPACITY: usize = 64 * 1024;
/// A chunk of an open `data` line at least this long is held rather than
/// copied. Smaller ones are copied: holding a `Bytes` per tiny chunk would
/// cost more memory than the bytes themselves (a server sending a long
/// line a byte at a time must not multiply the client's memory).
const HOLD_MIN: usize = 4 * 1024;

/// Which input holds the bytes being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// The copied input, read first.
    Pending,
    /// The chunk read in place.
    Chunk,
}

/// The last event id.
#[derive(Debug, Clone)]
enum LastId {
    None,
    Owned(Text),
    /// Still a range of the input (set by the fast path, so plain ASCII);
    /// copied out before that input is released or moved.
    At(Source, usize, usize),
    /// Such a range once copied: the first `n` bytes of `Decoder::id_buf`.
    /// A plain copy, as the input is released after every frame when each
    /// frame comes in its own chunk.
    Pinned(u8),
}

/// A `data` line being read across inputs.
#[derive(Debug, Clone, Copy)]
struct OpenDataLine {
    /// Size of the event before this line (data and type), for the limit.
    size_before: usize,
    /// Bytes of the line so far, field name included.
    line_len: usize,
}

/// Where the data of the event being returned lies.
#[derive(Debug, Clone, Copy)]
enum DataAt {
    /// A range of the input, read in place.
    Input(Source, usize, usize),
    /// The joined-data buffer (the line machine copies field values).
    Joined,
}

/// What the inline path found.
enum Hot {
    /// A frame, read in place.
    Frame(DataAt),
    /// The input is all read and nothing is half read: more is needed.
    Drained,
    /// Anything else: the general path decides.
    Other,
}

/// Incremental server-sent-events decoder (sans-IO).
///
/// Feed each body chunk with [`feed_bytes`](Self::feed_bytes) (or
/// [`feed`](Self::feed) for a borrowed slice), then call
/// [`next_frame`](Self::next_frame) or [`next_event`](Self::next_event)
/// until it returns `None`; at the end of the body call
/// [`finish`](Self::finish). Work is done when events are drained, so memory
/// stays bounded only if the caller drains between feeds.
///
/// Chunks fed as [`Bytes`] are read in place: only a line cut by a chunk
/// boundary is copied, and [`Frame`]s borrow their data from the chunk.
#[derive(Debug)]
pub struct Decoder {
    /// Input that could not be read in place: a line cut by a chunk
    /// boundary, or chunks fed without draining. Read before `chunk`.
    pending: BytesMut,
    /// Start of the unread part of `pending`.
    pending_pos: usize,
    /// `pending[pending_pos..pending_scan]` is known to hold no CR or LF.
    pending_scan: usize,
    /// The chunk read in place.
    chunk: Bytes,
    /// Start of the unread part of `chunk`.
    chunk_pos: usize,
    /// The last line ended with a CR at the end of the input; a LF next is part of it.
    skip_lf: bool,
    /// Nothing of the stream has been looked at yet, so a BOM may come.
    bom_pending: bool,
    failed: bool,
    max: usize,

    /// `data` values of the current frame, joined with `'\n'` (line machine).
    data: Vec<u8>,
    /// Whether the current frame has a `data` line (its value may be empty).
    has_data: bool,
    /// `data` holds the event last returned; clear it on the next call.
    data_returned: bool,
    event_type: Option<Text>,
    /// `id` field of the current frame, committed at the blank line
    /// (`Some(None)`: an empty id, which clears the last event id).
    pending_id: Option<Option<Text>>,
    /// Bytes of the field lines of the current frame (for `Truncated`).
    frame_bytes: usize,
    /// A `data` line cut by the end of the input, whose value is being
    /// gathered as it arrives (in `data` and `data_pieces`).
    open_data_line: Option<OpenDataLine>,
    /// Large whole chunks (at least [`HOLD_MIN`]) of the open `data` line,
    /// held rather than appended to `data`: joined once the line ends (or a
    /// small chunk comes), into a buffer of the right size, so a long
    /// payload is copied once and not moved again by reallocation.
    data_pieces: Vec<Bytes>,
    /// Bytes in `data_pieces`.
    data_pieces_len: usize,

    /// Type of the event last returned.
    frame_type: Option<Text>,
    last_id: LastId,
    /// Bytes of [`LastId::Pinned`].
    id_buf: [u8; simple::MAX_SHORT],
    retry: Option<u64>,
    types: TypeCache,
    ends: LineEnds,
    scanned: u64,
}

impl Default for Decoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Decoder {
    /// Creates a decoder with [`DEFAULT_MAX_EVENT_SIZE`].
    pub fn new() -> Self {
        Self::with_max_event_size(DEFAULT_MAX_EVENT_SIZE)
    }

    /// Creates a decoder that fails with [`SseError::EventTooLarge`] once one
    /// line, or the data and type of one event plus its current line, exceed
    /// `max` bytes.
    pub fn with_max_event_size(max: usize) -> Self {
        Self {
            pending: BytesMut::new(),
            pending_pos: 0,
            pending_scan: 0,
            chunk: Bytes::new(),
            chunk_pos: 0,
            skip_lf: false,
            bom_pending: true,
            failed: false,
            max,
            data: Vec::new(),
            has_data: false,
            data_returned: false,
            event_type: None,
            pending_id: None,
            frame_bytes: 0,
            open_data_line: None,
            data_pieces: Vec::new(),
            data_pieces_len: 0,
            frame_type: None,
            last_id: LastId::None,
            id_buf: [0; simple::MAX_SHORT],
            retry: None,
            types: TypeCache::default(),
            ends: LineEnds::new(),
            scanned: 0,
        }
    }

    /// Appends a chunk of the body, read in place where possible. Never
    /// fails; input after a failure is dropped.
    pub fn feed_bytes(&mut self, chunk: Bytes) {
        if self.failed || chunk.is_empty() {
            return;
        }
        self.release();
        if self.pending.is_empty() && self.chunk_pos >= self.chunk.len() {
            self.chunk = chunk;
            self.chunk_pos = 0;
            return;
        }
        self.move_chunk_to_pending();
        // Copy only through the first line end, so that the lines after it
        // are read in place.
        match memchr2(b'\r', b'\n', &chunk) {
            Some(i) => {
                self.pending
                    .extend_from_slice(chunk.get(..=i).unwrap_or_default());
                self.chunk = chunk.slice(i + 1..);
                self.chunk_pos = 0;
            }
            None => self.pending.extend_from_slice(&chunk),
        }
    }

    /// Appends a chunk of the body (copied). Never fails; input after a
    /// failure is dropped. Prefer [`feed_bytes`](Self::feed_bytes) when the
    /// chunk is already [`Bytes`].
    pub fn feed(&mut self, chunk: &[u8]) {
        if self.failed || chunk.is_empty() {
            return;
        }
        self.release();
        if self.pending.is_empty() && self.chunk_pos >= self.chunk.len() {
            self.chunk = Bytes::copy_from_slice(chunk);
            self.chunk_pos = 0;
        } else {
            self.move_chunk_to_pending();
            self.pending.extend_from_slice(chunk);
        }
    }

    /// Returns the next complete event, borrowed until the next call, an
    /// error, or `None` when more input is needed. Drain it until `None`
    /// after each feed.
    #[inline]
    pub fn next_frame(&mut self) -> Option<Result<Frame<'_>, SseError>> {
        let at = match self.next_in_order() {
            Hot::Frame(at) => at,
            Hot::Drained => return None,
            Hot::Other => match self.advance()? {
                Ok(at) => at,
                Err(e) => return Some(Err(e)),
            },
        };
        Some(Ok(self.frame(at)))
    }

    /// Like [`next_frame`](Self::next_frame), as an owned [`Event`].
    pub fn next_event(&mut self) -> Option<Result<Event, SseError>> {
        Some(self.next_frame()?.map(|frame| frame.to_event()))
    }

    /// Signals the end of the body.
    ///
    /// An unterminated last frame is not dispatched; if it holds a field line
    /// or a partial line this returns [`SseError::Truncated`]. Afterwards the
    /// decoder is ready for a new stream (a reconnection): [`retry`](Self::retry)
    /// and [`last_event_id`](Self::last_event_id) are kept. After
    /// [`SseError::EventTooLarge`] this returns `Ok(())`.
    pub fn finish(&mut self) -> Result<(), SseError> {
        if self.failed {
            return Ok(());
        }
        self.release();
        let mut rest = self.unread();
        let next = self
            .pending
            .get(self.pending_pos)
            .or_else(|| self.chunk.get(self.chunk_pos));
        if self.skip_lf && next == Some(&b'\n') {
            rest -= 1;
        }
        let pending = self.frame_bytes.saturating_add(rest);
        self.reset_stream();
        if pending == 0 {
            Ok(())
        } else {
            Err(SseError::Truncated { pending })
        }
    }

    /// The last valid `retry:` value (reconnection time in milliseconds).
    pub fn retry(&self) -> Option<u64> {
        self.retry
    }

    /// The last event id set by the stream as of the last blank line, if any.
    pub fn last_event_id(&self) -> Option<&str> {
        self.id_ref().and_then(|id| id.as_str())
    }

    /// Bytes held: unread input plus accumulated multi-line data.
    pub fn buffered_len(&self) -> usize {
        let data = if self.data_returned {
            0
        } else {
            self.data.len() + self.data_pieces_len
        };
        self.unread() + data
    }

    /// Bytes examined while searching for line ends (for linearity tests).
    #[doc(hidden)]
    pub fn scanned_bytes(&self) -> u64 {
        self.scanned
    }

    /// Unread input bytes.
    fn unread(&self) -> usize {
        self.pending.len().saturating_sub(self.pending_pos)
            + self.chunk.len().saturating_sub(self.chunk_pos)
    }

    /// The event at `at`, borrowing the decoder.
    #[inline]
    fn frame(&self, at: DataAt) -> Frame<'_> {
        let (data, shared) = match at {
            DataAt::Input(Source::Chunk, a, b) => {
                (self.chunk.get(a..b).unwrap_or_default(), Some(&self.chunk))
            }
            DataAt::Input(Source::Pending, a, b) => {
                (self.pending.get(a..b).unwrap_or_default(), None)
            }
            DataAt::Joined => (self.data.as_slice(), None),
        };
        Frame::new(self.frame_type.as_ref(), data, self.id_ref(), shared)
    }

    /// The last event id, borrowed.
    #[inline]
    fn id_ref(&self) -> Option<IdRef<'_>> {
        match &self.last_id {
            LastId::None => None,
            LastId::Owned(text) => Some(IdRef::Text(text)),
            LastId::Pinned(n) => Some(IdRef::Ascii(
                self.id_buf.get(..usize::from(*n)).unwrap_or_default(),
            )),
            LastId::At(source, a, b) => {
                let input: &[u8] = match source {
                    Source::Pending => &self.pending,
                    Source::Chunk => &self.chunk,
                };
                Some(IdRef::Ascii(input.get(*a..*b).unwrap_or_default()))
            }
        }
    }

    /// Copies the last event id out of `source` before it is released or moved.
    #[cold]
    fn pin_last_id(&mut self, source: Source) {
        if let LastId::At(s, a, b) = self.last_id {
            if s == source {
                let input: &[u8] = match source {
                    Source::Pending => &self.pending,
                    Source::Chunk => &self.chunk,
                };
                let raw = input.get(a..b).unwrap_or_default();
                // The fast path takes ids shorter than the buffer.
                self.last_id = match self.id_buf.get_mut(..raw.len()) {
                    Some(buf) => {
                        buf.copy_from_slice(raw);
                        LastId::Pinned(raw.len() as u8)
                    }
                    None => LastId::Owned(Text::ascii(raw)),
                };
            }
        }
    }

    /// Drops input already read, and what the last returned frame
    /// borrowed. The next call does this anyway; calling it as soon as a
    /// frame is dealt with frees the transport's buffer while the stream
    /// waits for more input (an idle stream then holds no chunk).
    #[inline(always)]
    pub fn release(&mut self) {
        let chunk_read = self.chunk_pos > 0 && self.chunk_pos >= self.chunk.len();
        if self.data_returned || self.pending_pos > 0 || chunk_read {
            self.release_slow();
        }
    }

    #[inline(never)]
    fn release_slow(&mut self) {
        if self.data_returned {
            self.data_returned = false;
            self.data.clear();
            if self.data.capacity() > KEEP_DATA_CAPACITY {
                self.data = Vec::new();
            }
        }
        if self.pending_pos > 0 {
            self.pin_last_id(Source::Pending);
            if self.pending_pos >= self.pending.len() {
                self.pending.clear();
            } else {
                self.pending.advance(self.pending_pos);
            }
            self.pending_scan = self.pending_scan.saturating_sub(self.pending_pos);
            self.pending_pos = 0;
        }
        if self.chunk_pos > 0 && self.chunk_pos >= self.chunk.len() {
            // Frees the transport's buffer as soon as it is read.
            self.pin_last_id(Source::Chunk);
            self.chunk = Bytes::new();
            self.chunk_pos = 0;
        }
    }

    /// Moves the unread part of `chunk` to the end of `pending`.
    fn move_chunk_to_pending(&mut self) {
        self.pin_last_id(Source::Chunk);
        if let Some(rest) = self.chunk.get(self.chunk_pos..) {
            if !rest.is_empty() {
                if self.pending.is_empty() {
                    self.pending_scan = 0;
                }
                self.pending.extend_from_slice(rest);
            }
        }
        self.chunk = Bytes::new();
        self.chunk_pos = 0;
    }

    /// The input to read next and where its unread part starts.
    #[inline]
    fn source(&self) -> (Source, usize) {
        if self.pending_pos < self.pending.len() {
            (Source::Pending, self.pending_pos)
        } else {
            (Source::Chunk, self.chunk_pos)
        }
    }

    #[inline]
    fn set_pos(&mut self, source: Source, pos: usize) {
        match source {
            Source::Pending => self.pending_pos = pos,
            Source::Chunk => self.chunk_pos = pos,
        }
    }

    /// The common case, kept small so that it stays cheap: no state is
    /// pending, and the chunk goes on with a whole frame in the worker's
    /// field order, or is all read.
    #[inline(always)]
    fn next_in_order(&mut self) -> Hot {
        let idle = !self.failed
            && !self.data_returned
            && self.pending.is_empty()
            && self.frame_bytes == 0
            && self.open_data_line.is_none()
            && !self.skip_lf
            && !self.bom_pending;
        if !idle {
            return Hot::Other;
        }
        let pos = self.chunk_pos;
        let rest = self.chunk.get(pos..).unwrap_or_default();
        if rest.is_empty() {
            // Nothing is half read, so there is nothing to check: let the
            // chunk go and wait for the next.
            self.release();
            return Hot::Drained;
        }
        match simple::worker_order(rest, self.max, &self.ends) {
            Some(frame) => match self.take_simple(Source::Chunk, pos, frame) {
                Some(at) => Hot::Frame(at),
                None => Hot::Other,
            },
            None => Hot::Other,
        }
    }

    /// Records a frame the fast path recognised at `pos` of `source`; its
    /// data, if it has any (else the frame only set the id).
    #[inline(always)]
    fn take_simple(&mut self, source: Source, pos: usize, frame: simple::Simple) -> Option<DataAt> {
        if let Some((a, b)) = frame.id {
            // Kept as a range, copied only if the input goes first. (The
            // fast path takes no id with NUL.)
            self.last_id = if a == b {
                LastId::None
            } else {
                LastId::At(source, pos + a, pos + b)
            };
        }
        self.scanned += frame.len as u64;
        self.set_pos(source, pos + frame.len);
        let (a, b) = frame.data?;
        let input: &[u8] = match source {
            Source::Pending => &self.pending,
            Source::Chunk => &self.chunk,
        };
        let raw = frame
            .event_type
            .and_then(|(t, u)| input.get(pos + t..pos + u))
            .unwrap_or_default();
        // Streams repeat a type many times in a row: keep the last one
        // when it matches.
        let same = matches!(&self.frame_type, Some(Text::Static(t)) if short_eq(t.as_bytes(), raw));
        if !same {
            self.frame_type = (!raw.is_empty()).then(|| self.types.get(raw));
        }
        Some(DataAt::Input(source, pos + a, pos + b))
    }

    /// Reads until an event is complete, recording it for [`frame`](Self::frame).
    fn advance(&mut self) -> Option<Result<DataAt, SseError>> {
        if self.failed {
            return None;
        }
        self.release();
        loop {
            let (source, pos) = self.source();
            let input: &[u8] = match source {
                Source::Pending => &self.pending,
                Source::Chunk => &self.chunk,
            };
            let rest = input.get(pos..).unwrap_or_default();
            let Some(&first) = rest.first() else {
                return self.exhausted();
            };
            if let Some(open) = self.open_data_line {
                let found = self.ends.find(rest);
                let take = found.unwrap_or(rest.len());
                let line_len = open.line_len + take;
                self.scanned += found.map_or(take, |i| i + 1) as u64;
                if open.size_before.saturating_add(line_len) > self.max {
                    return Some(Err(self.fail()));
                }
                if found.is_none() && source == Source::Chunk && take >= HOLD_MIN {
                    self.data_pieces.push(self.chunk.slice(pos..pos + take));
                    self.data_pieces_len += take;
                } else {
                    let room = self.data_pieces_len + take;
                    join_pieces(&mut self.data, &mut self.data_pieces, room);
                    self.data_pieces_len = 0;
                    self.data
                        .extend_from_slice(rest.get(..take).unwrap_or_default());
                }
                self.frame_bytes = self.frame_bytes.saturating_add(take);
                let Some(i) = found else {
                    self.open_data_line = Some(OpenDataLine { line_len, ..open });
                    self.set_pos(source, pos + take);
                    return self.exhausted();
                };
                self.open_data_line = None;
                let (next, cr_at_end) = after_line_end(input, pos + i);
                self.skip_lf = cr_at_end;
                self.set_pos(source, next);
                continue;
            }
            if self.skip_lf {
                self.skip_lf = false;
                if first == b'\n' {
                    self.set_pos(source, pos + 1);
                }
                continue;
            }
            if self.bom_pending {
                let n = rest.len().min(BOM.len());
                if rest.get(..n) == BOM.get(..n) {
                    if n < BOM.len() {
                        // Undecided until more input comes; keep it aside.
                        self.move_chunk_to_pending();
                        return None;
                    }
                    self.set_pos(source, pos + BOM.len());
                }
                self.bom_pending = false;
                continue;
            }
            // Bytes of `pending` already searched for a line end belong to a
            // line the fast path has seen; running it again there would be
            // quadratic when a long line arrives in small pieces.
            let fresh = source == Source::Chunk || self.pending_scan <= pos;
            // At a frame start: no field line of this frame processed yet.
            if fresh && self.frame_bytes == 0 {
                if let Some(frame) = simple::scan(rest, self.max, &self.ends) {
                    match self.take_simple(source, pos, frame) {
                        Some(at) => return Some(Ok(at)),
                        None => continue,
                    }
                }
            }
            let from = match source {
                Source::Pending => self.pending_scan.max(pos),
                Source::Chunk => pos,
            };
            let unscanned = input.get(from..).unwrap_or_default();
            let Some(i) = self.ends.find(unscanned) else {
                self.scanned += unscanned.len() as u64;
                if let Some(value_at) = data_value_start(rest) {
                    // The start of the value goes to the data buffer; whole
                    // chunks after it are held until the line ends.
                    let size_before = self.pending_size();
                    if size_before.saturating_add(rest.len()) > self.max {
                        return Some(Err(self.fail()));
                    }
                    if self.has_data {
                        self.data.push(b'\n');
                    }
                    self.has_data = true;
                    self.data
                        .extend_from_slice(rest.get(value_at..).unwrap_or_default());
                    self.frame_bytes = self.frame_bytes.saturating_add(rest.len());
                    self.open_data_line = Some(OpenDataLine {
                        size_before,
                        line_len: rest.len(),
                    });
                    self.set_pos(source, pos + rest.len());
                    return self.exhausted();
                }
                // Keep the partial line aside so the chunk can be released.
                self.move_chunk_to_pending();
                self.pending_scan = self.pending.len();
                return self.exhausted();
            };
            self.scanned += i as u64 + 1;
            let end = from + i;
            let (next, cr_at_end) = after_line_end(input, end);
            self.skip_lf = cr_at_end;
            let line = self.process_line(source, pos, end);
            self.set_pos(source, next);
            if let Some(result) = line {
                return Some(result);
            }
        }
    }

    /// Size of the current event so far, for the limit.
    fn pending_size(&self) -> usize {
        self.data.len() + self.data_pieces_len + self.event_type.as_ref().map_or(0, Text::len)
    }

    /// No line end in the input: check the partial line against the limit.
    fn exhausted(&mut self) -> Option<Result<DataAt, SseError>> {
        if self.pending_size().saturating_add(self.unread()) > self.max {
            return Some(Err(self.fail()));
        }
        None
    }

    /// Handles the line `start..end` of `source`; returns a dispatched event or an error.
    fn process_line(
        &mut self,
        source: Source,
        start: usize,
        end: usize,
    ) -> Option<Result<DataAt, SseError>> {
        let input: &[u8] = match source {
            Source::Pending => &self.pending,
            Source::Chunk => &self.chunk,
        };
        let line = input.get(start..end).unwrap_or_default();
        if self.pending_size().saturating_add(line.len()) > self.max {
            return Some(Err(self.fail()));
        }
        match line.first() {
            None => return self.dispatch().map(Ok),
            Some(b':') => return None,
            Some(_) => {}
        }
        self.frame_bytes = self.frame_bytes.saturating_add(line.len());
        let head = line
            .get(..line.len().min(MAX_FIELD_NAME + 1))
            .unwrap_or_default();
        let (name_len, value_at) = match memchr(b':', head) {
            Some(colon) if line.get(colon + 1) == Some(&b' ') => (colon, colon + 2),
            Some(colon) => (colon, colon + 1),
            None if line.len() <= MAX_FIELD_NAME => (line.len(), line.len()),
            // A longer name cannot be a known field.
            None => return None,
        };
        let value = line.get(value_at..).unwrap_or_default();
        match line.get(..name_len).unwrap_or_default() {
            b"data" => {
                if self.has_data {
                    self.data.push(b'\n');
                }
                self.data.extend_from_slice(value);
                self.has_data = true;
            }
            b"event" => {
                self.event_type = (!value.is_empty()).then(|| self.types.get(value));
            }
            b"id" if memchr(0, value).is_none() => {
                self.pending_id = Some((!value.is_empty()).then(|| Text::from_lossy(value)));
            }
            b"retry" if !value.is_empty() && value.iter().all(u8::is_ascii_digit) => {
                let ms = value.iter().fold(0u64, |ms, d| {
                    ms.saturating_mul(10).saturating_add(u64::from(d - b'0'))
                });
                self.retry = Some(ms);
            }
            _ => {}
        }
        None
    }

    /// Blank line: commits the id and dispatches the event if there is data.
    fn dispatch(&mut self) -> Option<DataAt> {
        let has_data = std::mem::take(&mut self.has_data);
        let event_type = self.event_type.take();
        self.frame_bytes = 0;
        if let Some(id) = self.pending_id.take() {
            self.last_id = id.map_or(LastId::None, LastId::Owned);
        }
        if !has_data {
            return None;
        }
        self.frame_type = event_type;
        self.data_returned = true;
        Some(DataAt::Joined)
    }

    /// Enters the failed state, dropping all buffered input.
    fn fail(&mut self) -> SseError {
        self.reset_stream();
        self.pending = BytesMut::new();
        self.data = Vec::new();
        self.failed = true;
        SseError::EventTooLarge { limit: self.max }
    }

    /// Forgets the current stream's input and frame, keeping stream state.
    fn reset_stream(&mut self) {
        self.pin_last_id(Source::Pending);
        self.pin_last_id(Source::Chunk);
        self.pending.clear();
        self.pending_pos = 0;
        self.pending_scan = 0;
        self.chunk = Bytes::new();
        self.chunk_pos = 0;
        self.skip_lf = false;
        self.bom_pending = true;
        self.data.clear();
        self.has_data = false;
        self.data_returned = false;
        self.event_type = None;
        self.pending_id = None;
        self.frame_bytes = 0;
        self.open_data_line = None;
        self.data_pieces.clear();
        self.data_pieces_len = 0;
    }
}

/// Appends the held `pieces` of an open `data` line to `data`, reserving
/// `room` bytes: the pieces and what comes after them.
fn join_pieces(data: &mut Vec<u8>, pieces: &mut Vec<Bytes>, room: usize) {
    if pieces.is_empty() {
        return;
    }
    data.reserve_exact(room);
    for piece in pieces.drain(..) {
        data.extend_from_slice(&piece);
    }
}

/// Where the input goes on after the line ending at `input[end]` (a CR or
/// LF), and whether that was a CR at the end of the input, whose LF may
/// come next.
fn after_line_end(input: &[u8], end: usize) -> (usize, bool) {
    match (input.get(end), input.get(end + 1)) {
        (Some(b'\r'), Some(b'\n')) => (end + 2, false),
        (Some(b'\r'), None) => (end + 1, true),
        _ => (end + 1, false),
    }
}

/// Where the value of a `data` line starts, if `line` (not yet complete) is
/// one and the byte after the colon is there (it decides the optional space).
fn data_value_start(line: &[u8]) -> Option<usize> {
    match line {
        [b'd', b'a', b't', b'a', b':', b' ', ..] => Some(6),
        [b'd', b'a', b't', b'a', b':', _, ..] => Some(5),
        _ => None,
    }
}

/// `a == b` for short slices (event types), without calling memcmp.
#[inline(always)]
fn short_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let word = |s: &[u8], at: usize| {
        s.get(at..at + 8)
            .map(|w| u64::from_le_bytes(w.try_into().unwrap_or_default()))
    };
    match a.len() {
        // Two overlapping words cover 8 to 16 bytes.
        8..=16 => {
            let tail = a.len() - 8;
            word(a, 0) == word(b, 0) && word(a, tail) == word(b, tail)
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes `input` whole (fast path) and one byte at a time (line path).
    fn both_ways(input: &[u8], max: usize) -> [Vec<Result<Event, SseError>>; 2] {
        let run = |chunk: usize| {
            let mut d = Decoder::with_max_event_size(max);
            let mut out = Vec::new();
            for piece in input.chunks(chunk) {
                d.feed_bytes(Bytes::copy_from_slice(piece));
                out.extend(std::iter::from_fn(|| d.next_event()));
            }
            out
        };
        [run(input.len()), run(1)]
    }

    #[test]
    fn limits_do_not_depend_on_chunking() {
        let inputs: [&[u8]; 4] = [
            b"event: abc\ndata: 0123456789\nid: 7\n\n",
            b"data: 01234\ndata: 56789\n\ndata:x\n\n",
            b"data: 0123456789\r\nevent: e\r\n\r\n",
            b": comment that is long\ndata: abc\n\n",
        ];
        for input in inputs {
            for max in 0..40 {
                let [whole, bytes] = both_ways(input, max);
                assert_eq!(whole, bytes, "{input:?} max {max}");
                let mut d = Decoder::with_max_event_size(max);
                let mut threes = Vec::new();
                for piece in input.chunks(3) {
                    d.feed_bytes(Bytes::copy_from_slice(piece));
                    threes.extend(std::iter::from_fn(|| d.next_event()));
                }
                assert_eq!(whole, threes, "{input:?} max {max}, 3-byte chunks");
            }
        }
    }

    #[test]
    fn fast_path_counts_lossy_types_like_the_line_path() {
        // Three invalid bytes become nine bytes of U+FFFD.
        let input = b"event: \xFF\xFF\xFF\ndata: abc\n\n";
        let [fast, slow] = both_ways(input, 14);
        assert_eq!(fast, slow);
        assert!(matches!(
            fast.as_slice(),
            [Err(SseError::EventTooLarge { .. })]
        ));
    }

    #[test]
    fn fast_path_matches_line_path_on_its_edges() {
        let input: &[u8] = b"id: 1\n\nevent: a\nevent:\ndata: x\nid: \0\n\n\
            data: y\nid: 12345678901234567890123456789\n\nid:\n\ndata: z\n\n\
            event: run-spawn\ndata: {}\n\n";
        let [fast, slow] = both_ways(input, 1 << 20);
        assert_eq!(fast, slow);
        let ids: Vec<_> = fast
            .iter()
            .map(|e| e.as_ref().unwrap().id().map(str::to_owned))
            .collect();
        assert_eq!(
            ids,
            [
                Some("1".to_owned()),
                Some("12345678901234567890123456789".to_owned()),
                None,
                None
            ]
        );
        assert_eq!(fast[0].as_ref().unwrap().event_type(), "message");
        assert_eq!(fast[3].as_ref().unwrap().event_type(), "run-spawn");
    }

    #[test]
    fn frames_read_in_place_share_the_chunk() {
        let chunk = Bytes::from_static(b"event: a\ndata: hello\nid: 3\n\n");
        let mut d = Decoder::new();
        d.feed_bytes(chunk.clone());
        let frame = d.next_frame().unwrap().unwrap();
        assert_eq!(frame.event_type(), "a");
        assert_eq!(frame.data_bytes(), b"hello");
        assert_eq!(frame.id(), Some("3"));
        let start = chunk.as_ptr() as usize;
        let at = frame.data_bytes().as_ptr() as usize;
        assert_eq!(at - start, 15, "data is borrowed from the chunk");
        let event = frame.to_event();
        assert_eq!(
            event.data_bytes().as_ptr() as usize,
            at,
            "and shared by to_event"
        );
        assert!(d.next_frame().is_none());
        assert_eq!(d.buffered_len(), 0);
    }

    #[test]
    fn a_line_cut_by_chunks_is_copied_and_the_rest_read_in_place() {
        let mut d = Decoder::new();
        d.feed_bytes(Bytes::from_static(b"data: one\n\ndata: tw"));
        assert_eq!(d.next_event().unwrap().unwrap().data(), "one");
        assert!(d.next_event().is_none());
        // The cut data value is already in the data buffer.
        assert_eq!(d.buffered_len(), 2);
        let second = Bytes::from_static(b"o\n\ndata: three\n\n");
        d.feed_bytes(second.clone());
        assert_eq!(d.next_event().unwrap().unwrap().data(), "two");
        let frame = d.next_frame().unwrap().unwrap();
        assert_eq!(frame.data_bytes(), b"three");
        let offset = frame.data_bytes().as_ptr() as usize - second.as_ptr() as usize;
        assert_eq!(offset, 9, "the frame after the cut line is read in place");
        assert!(d.next_frame().is_none());
        assert_eq!(d.finish(), Ok(()));
    }

    #[test]
    fn other_cut_lines_wait_aside() {
        let mut d = Decoder::new();
        d.feed_bytes(Bytes::from_static(b"event: long-na"));
        assert!(d.next_event().is_none());
        assert_eq!(d.buffered_len(), 14);
        d.feed_bytes(Bytes::from_static(b"me\ndata: x\n\n"));
        assert_eq!(d.next_event().unwrap().unwrap().event_type(), "long-name");
        assert_eq!(d.finish(), Ok(()));
    }

    #[test]
    fn a_stream_cut_inside_a_held_data_line_is_truncated() {
        let mut d = Decoder::new();
        d.feed_bytes(Bytes::from_static(b"event: e\ndata: 0123"));
        for byte in [b'4', b'8', b'c'] {
            d.feed_bytes(Bytes::from(vec![byte; HOLD_MIN]));
            assert!(d.next_frame().is_none());
        }
        assert!(
            !d.data_pieces.is_empty(),
            "whole chunks of the line are held"
        );
        assert_eq!(d.buffered_len(), 4 + 3 * HOLD_MIN);
        // The type line and the data line so far.
        assert_eq!(
            d.finish(),
            Err(SseError::Truncated {
                pending: 8 + 10 + 3 * HOLD_MIN
            })
        );
        // The decoder starts over cleanly.
        d.feed_bytes(Bytes::from_static(b"data: x\n\n"));
        assert_eq!(d.next_event().unwrap().unwrap().data(), "x");
    }

    #[test]
    fn small_chunks_of_a_data_line_are_copied_not_held() {
        let mut d = Decoder::new();
        d.feed_bytes(Bytes::from_static(b"data: "));
        for _ in 0..1000 {
            d.feed_bytes(Bytes::from_static(b"x"));
            assert!(d.next_frame().is_none());
        }
        assert!(d.data_pieces.is_empty(), "one byte at a time is copied");
        d.feed_bytes(Bytes::from(vec![b'y'; HOLD_MIN]));
        assert!(d.next_frame().is_none());
        assert_eq!(d.data_pieces.len(), 1, "a large chunk is held");
        d.feed_bytes(Bytes::from_static(b"z\n\n"));
        let e = d.next_event().unwrap().unwrap();
        let want = format!("{}{}z", "x".repeat(1000), "y".repeat(HOLD_MIN));
        assert_eq!(e.data(), want);
        assert!(d.data_pieces.is_empty());
    }

    #[test]
    fn a_held_data_line_counts_against_the_limit() {
        let mut d = Decoder::with_max_event_size(20);
        d.feed_bytes(Bytes::from_static(b"data: 0123456789"));
        assert!(d.next_frame().is_none());
        d.feed_bytes(Bytes::from_static(b"abcdefghij"));
        assert!(matches!(
            d.next_frame(),
            Some(Err(SseError::EventTooLarge { limit: 20 }))
        ));
    }

    #[test]
    fn a_long_data_line_is_copied_once_across_many_chunks() {
        let value = "v".repeat(100_000);
        let input = format!("event: big\ndata: {value}\nid: 9\n\n");
        let all = Bytes::from(input);
        let mut d = Decoder::with_max_event_size(200_000);
        let mut got = Vec::new();
        for at in (0..all.len()).step_by(4096) {
            d.feed_bytes(all.slice(at..(at + 4096).min(all.len())));
            // Nothing waits aside: the value is held as it comes.
            assert!(d.pending.is_empty());
            got.extend(std::iter::from_fn(|| d.next_event()));
            let end = (at + 4096).min(all.len());
            if end < 17 + value.len() {
                assert_eq!(d.buffered_len(), end - 17, "the value so far");
            }
        }
        assert_eq!(got.len(), 1);
        let e = got.remove(0).unwrap();
        assert_eq!((e.event_type(), e.id()), ("big", Some("9")));
        assert_eq!(e.data(), value);
        assert_eq!(d.finish(), Ok(()));
    }

    #[test]
    fn release_lets_go_of_a_read_chunk() {
        let chunk = Bytes::from(b"data: a\n\n".to_vec());
        let mut d = Decoder::new();
        d.feed_bytes(chunk.clone());
        assert_eq!(d.next_frame().unwrap().unwrap().data_bytes(), b"a");
        assert!(!chunk.is_unique(), "the frame was read in place");
        d.release();
        assert!(chunk.is_unique(), "the decoder no longer holds the chunk");
    }

    #[test]
    fn the_last_id_outlives_the_chunk_it_came_in() {
        // Ids the fast path takes (up to 63 bytes) are copied out when their
        // chunk is released or moved aside; each must read back whole.
        for len in [1, 23, 24, 25, 63, 64, 200] {
            let id = "7".repeat(len);
            let mut d = Decoder::new();
            let frame = format!("event: e\ndata: x\nid: {id}\n\n");
            d.feed_bytes(Bytes::from(frame.clone()));
            let f = d.next_frame().unwrap().unwrap();
            assert_eq!(f.id(), Some(id.as_str()), "in place, {len}");
            d.release();
            assert!(d.next_frame().is_none());
            assert_eq!(d.last_event_id(), Some(id.as_str()), "released, {len}");
            // The next frame has no id: it reports the pinned one.
            d.feed_bytes(Bytes::from_static(b"event: e\ndata: y\n\n"));
            let f = d.next_frame().unwrap().unwrap();
            assert_eq!((f.data_bytes(), f.id()), (&b"y"[..], Some(id.as_str())));
            // An id read in place, then its chunk's rest moved to pending.
            d.feed_bytes(Bytes::from(format!("{frame}event: e\nda")));
            assert!(d.next_frame().unwrap().is_ok());
            assert!(d.next_frame().is_none());
            d.feed_bytes(Bytes::from_static(b"ta: z\n\n"));
            let f = d.next_frame().unwrap().unwrap();
            assert_eq!((f.data_bytes(), f.id()), (&b"z"[..], Some(id.as_str())));
            assert_eq!(d.finish(), Ok(()));
            assert_eq!(d.last_event_id(), Some(id.as_str()), "after finish, {len}");
        }
    }

    #[test]
    fn feeding_without_draining_keeps_order() {
        let mut d = Decoder::new();
        d.feed_bytes(Bytes::from_static(b"data: a\n\nda"));
        d.feed(b"ta: b\n\ndata: c\n");
        d.feed_bytes(Bytes::from_static(b"\ndata: d\n\n"));
        let got: Vec<_> = std::iter::from_fn(|| d.next_event())
            .map(|e| e.unwrap().data().into_owned())
            .collect();
        assert_eq!(got, ["a", "b", "c", "d"]);
        assert_eq!(d.finish(), Ok(()));
    }

    #[test]
    fn an_id_read_in_place_outlives_its_chunk() {
        let mut d = Decoder::new();
        d.feed_bytes(Bytes::from_static(
            b"id: 41\ndata: a\n\nid: 42\ndata: b\n\nda",
        ));
        let ids: Vec<_> = std::iter::from_fn(|| d.next_event())
            .map(|e| e.unwrap().id().map(str::to_owned))
            .collect();
        assert_eq!(ids, [Some("41".to_owned()), Some("42".to_owned())]);
        assert_eq!(d.last_event_id(), Some("42"));
        // The chunk is released (its tail moved aside); the id stays.
        d.feed_bytes(Bytes::from_static(b"ta: c\n\n"));
        let e = d.next_event().unwrap().unwrap();
        assert_eq!((e.data().as_ref(), e.id()), ("c", Some("42")));
        d.feed(b"id: 43\ndata: d\n\n");
        assert_eq!(d.next_frame().unwrap().unwrap().id(), Some("43"));
        assert!(d.next_frame().is_none());
        assert_eq!(d.finish(), Ok(()));
        // A reconnection keeps it.
        assert_eq!(d.last_event_id(), Some("43"));
        d.feed_bytes(Bytes::from_static(b"data: e\n\n"));
        assert_eq!(d.next_event().unwrap().unwrap().id(), Some("43"));
    }

    #[test]
    fn short_eq_is_slice_equality() {
        let words = [
            "",
            "a",
            "message",
            "run-spawn",
            "text-delta",
            "tool-call-start",
        ];
        let longer = "client-tool-request-with-a-long-name";
        for a in words.iter().chain([&longer]) {
            for b in words.iter().chain([&longer]) {
                assert_eq!(short_eq(a.as_bytes(), b.as_bytes()), a == b, "{a} {b}");
            }
        }
        assert!(!short_eq(b"text-deltA", b"text-delta"));
        assert!(!short_eq(b"Text-delta", b"text-delta"));
    }
}
