//! The incremental SSE decoder.

use std::mem;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use memchr::{memchr, memchr2};

use super::event::{Event, Text, INLINE};
use super::type_cache::TypeCache;
use super::{SseError, DEFAULT_MAX_EVENT_SIZE};

const BOM: &[u8] = b"\xEF\xBB\xBF";
/// A colon past this offset cannot end a known field name (`retry`, `event`).
const MAX_FIELD_NAME: usize = 5;

/// A field value, either still a range of the input buffer (so it can be
/// cut out without copying once the frame ends) or already cut out.
#[derive(Debug)]
enum Piece {
    Range(usize, usize),
    Cut(Bytes),
}

/// The data buffer of the current frame.
#[derive(Debug, Default)]
enum Data {
    #[default]
    Empty,
    /// One `data` line: dispatched as a zero-copy slice.
    One(Piece),
    /// Several lines, joined with `'\n'`.
    Many(BytesMut),
}

/// Incremental server-sent-events decoder (sans-IO).
///
/// Call [`feed`](Self::feed) with each body chunk, then
/// [`next_event`](Self::next_event) until it returns `None`; at the end of
/// the body call [`finish`](Self::finish). Work is done in `next_event`, so
/// memory stays bounded only if the caller drains between feeds.
#[derive(Debug)]
pub struct Decoder {
    /// Processed lines of the current frame, then unprocessed input.
    buf: BytesMut,
    /// Start of the first unprocessed line in `buf`.
    line_start: usize,
    /// `buf[line_start..scan]` is known to hold no CR or LF.
    scan: usize,
    /// The last line ended with a CR at the end of the buffer; a LF next is part of it.
    skip_lf: bool,
    /// Nothing of the stream has been looked at yet, so a BOM may come.
    bom_pending: bool,
    failed: bool,
    max: usize,

    data: Data,
    /// Length of the data buffer (with joining newlines).
    data_len: usize,
    event_type: Option<Text>,
    /// `id` field of the current frame, committed at the blank line.
    pending_id: Option<Piece>,
    /// Bytes of the field lines of the current frame (for `Truncated`).
    frame_bytes: usize,

    /// Kept inline when short, so each event copies it without a reference count.
    last_event_id: Option<Text>,
    retry: Option<u64>,
    types: TypeCache,
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
            buf: BytesMut::new(),
            line_start: 0,
            scan: 0,
            skip_lf: false,
            bom_pending: true,
            failed: false,
            max,
            data: Data::Empty,
            data_len: 0,
            event_type: None,
            pending_id: None,
            frame_bytes: 0,
            last_event_id: None,
            retry: None,
            types: TypeCache::default(),
            scanned: 0,
        }
    }

    /// Appends a chunk of the body. Never fails; input after a failure is dropped.
    pub fn feed(&mut self, chunk: &[u8]) {
        if !self.failed {
            self.buf.extend_from_slice(chunk);
        }
    }

    /// Returns the next complete event, an error, or `None` when more input
    /// is needed. Drain it until `None` after each [`feed`](Self::feed).
    pub fn next_event(&mut self) -> Option<Result<Event, SseError>> {
        if self.failed {
            return None;
        }
        loop {
            if self.bom_pending && !self.strip_bom() {
                return None;
            }
            if self.skip_lf {
                match self.buf.get(self.line_start) {
                    None => return self.exhausted(),
                    Some(&b) => {
                        self.skip_lf = false;
                        if b == b'\n' {
                            self.line_start += 1;
                            self.scan = self.scan.max(self.line_start);
                        }
                    }
                }
            }
            if self.scan <= self.line_start && self.at_frame_start() {
                match self.fast_frame() {
                    Fast::Event(event) => return Some(Ok(event)),
                    Fast::Consumed => continue,
                    Fast::Fallback => {}
                }
            }
            let from = self.scan.max(self.line_start);
            let rest = self.buf.get(from..).unwrap_or_default();
            let Some(i) = memchr2(b'\r', b'\n', rest) else {
                self.scanned += rest.len() as u64;
                self.scan = self.buf.len();
                return self.exhausted();
            };
            self.scanned += i as u64 + 1;
            let end = from + i;
            let next = match (self.buf.get(end), self.buf.get(end + 1)) {
                (Some(b'\r'), Some(b'\n')) => end + 2,
                (Some(b'\r'), None) => {
                    self.skip_lf = true;
                    end + 1
                }
                _ => end + 1,
            };
            let start = self.line_start;
            self.line_start = next;
            self.scan = next;
            if let Some(result) = self.process_line(start, end) {
                return Some(result);
            }
        }
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
        let mut rest = self.buf.len().saturating_sub(self.line_start);
        if self.skip_lf && self.buf.get(self.line_start) == Some(&b'\n') {
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
        self.last_event_id.as_ref().map(Text::as_str)
    }

    /// Bytes held: buffered input plus accumulated multi-line data.
    pub fn buffered_len(&self) -> usize {
        let data = match &self.data {
            Data::Many(m) => m.len(),
            _ => 0,
        };
        self.buf.len() + data
    }

    /// Bytes examined while searching for line ends (for linearity tests).
    #[doc(hidden)]
    pub fn scanned_bytes(&self) -> u64 {
        self.scanned
    }

    /// Skips a BOM at the start of the stream; `false` while undecided.
    fn strip_bom(&mut self) -> bool {
        let head = self.buf.get(self.line_start..).unwrap_or_default();
        let n = head.len().min(BOM.len());
        if head.get(..n) != BOM.get(..n) {
            self.bom_pending = false;
            return true;
        }
        if n < BOM.len() {
            return false;
        }
        self.line_start += BOM.len();
        self.scan = self.scan.max(self.line_start);
        self.bom_pending = false;
        true
    }

    /// Whether no line of the current frame has been processed.
    #[inline]
    fn at_frame_start(&self) -> bool {
        !self.bom_pending
            && !self.skip_lf
            && self.frame_bytes == 0
            && matches!(self.data, Data::Empty)
            && self.event_type.is_none()
            && self.pending_id.is_none()
    }

    /// Fast path for a whole, simple frame at `line_start`: only `data: `
    /// (once), `event: ` and `id: ` lines ended by LF, then a blank line.
    /// Anything else (CR, comments, other fields, several data lines, a long
    /// id, the size limit, an incomplete frame) falls back to the line path,
    /// which then re-examines at most the bytes looked at here; this path
    /// runs again only at a later frame start, on bytes not yet examined.
    #[inline]
    fn fast_frame(&mut self) -> Fast {
        let base = self.line_start;
        let rest = self.buf.get(base..).unwrap_or_default();
        let mut pos = 0;
        let mut data: Option<(usize, usize)> = None;
        let mut event_type: Option<Text> = None;
        let mut id: Option<(usize, usize)> = None;
        loop {
            let line = rest.get(pos..).unwrap_or_default();
            let (value_at, field) = match line {
                [b'\n', ..] => break,
                [b'd', b'a', b't', b'a', b':', b' ', ..] => (6, Field::Data),
                [b'i', b'd', b':', b' ', ..] => (4, Field::Id),
                [b'e', b'v', b'e', b'n', b't', b':', b' ', ..] => (7, Field::Type),
                _ => return Fast::Fallback,
            };
            let value = line.get(value_at..).unwrap_or_default();
            let Some(len) = line_end(value) else {
                return Fast::Fallback;
            };
            let data_len = data.map_or(0, |(a, b)| b - a);
            // The limit counts the type as decoded (lossy), like the line path.
            let type_len = event_type.as_ref().map_or(0, Text::len);
            if data_len + type_len + value_at + len > self.max {
                return Fast::Fallback;
            }
            let span = (pos + value_at, pos + value_at + len);
            match field {
                Field::Data if data.is_some() => return Fast::Fallback,
                Field::Data => data = Some(span),
                Field::Type => {
                    let raw = value.get(..len).unwrap_or_default();
                    event_type = (!raw.is_empty()).then(|| self.types.get(raw));
                }
                Field::Id if len > INLINE => return Fast::Fallback,
                // An id containing NUL is ignored.
                Field::Id if value.iter().take(len).any(|&b| b == 0) => {}
                Field::Id => id = Some(span),
            }
            pos = span.1 + 1;
        }
        let end = base + pos + 1;
        self.scanned += pos as u64 + 1;
        let field = |(a, b): (usize, usize)| rest.get(a..b).unwrap_or_default();
        if let Some(raw) = id.map(field) {
            self.last_event_id = (!raw.is_empty()).then(|| Text::from_lossy(raw));
        }
        let Some((a, b)) = data else {
            self.line_start = end;
            self.scan = end;
            return Fast::Consumed;
        };
        let frame = self.buf.split_to(end).freeze();
        self.line_start = 0;
        self.scan = 0;
        Fast::Event(Event::from_parts(
            event_type,
            slice_owned(frame, base + a, base + b),
            self.last_event_id.clone(),
        ))
    }

    /// Size of the current event so far, for the limit.
    fn pending_size(&self) -> usize {
        self.data_len + self.event_type.as_ref().map_or(0, |t| t.len())
    }

    /// No line end in the buffer: check the partial line, release processed input.
    fn exhausted(&mut self) -> Option<Result<Event, SseError>> {
        let partial = self.buf.len().saturating_sub(self.line_start);
        if self.pending_size().saturating_add(partial) > self.max {
            return Some(Err(self.fail()));
        }
        let keep = matches!(self.data, Data::One(Piece::Range(..)))
            || matches!(self.pending_id, Some(Piece::Range(..)));
        if let Some(frame) = self.cut_processed(keep) {
            // Ranges lie in the processed prefix; cut them out so the buffer can move on.
            if let Data::One(piece) = &mut self.data {
                *piece = Piece::Cut(piece_bytes(piece, &frame));
            }
            if let Some(piece) = &mut self.pending_id {
                *piece = Piece::Cut(piece_bytes(piece, &frame));
            }
        }
        None
    }

    /// Removes the processed prefix of `buf`, returning it if `keep`.
    fn cut_processed(&mut self, keep: bool) -> Option<Bytes> {
        let n = self.line_start;
        if n == 0 {
            return None;
        }
        self.line_start = 0;
        self.scan = self.scan.saturating_sub(n);
        if keep {
            Some(self.buf.split_to(n).freeze())
        } else {
            self.buf.advance(n);
            None
        }
    }

    /// Handles the line `buf[start..end]`; returns a dispatched event or an error.
    fn process_line(&mut self, start: usize, end: usize) -> Option<Result<Event, SseError>> {
        let line = self.buf.get(start..end).unwrap_or_default();
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
        let value = (start + value_at, end);
        match line.get(..name_len).unwrap_or_default() {
            b"data" => self.push_data(value),
            b"event" => {
                let raw = self.buf.get(value.0..value.1).unwrap_or_default();
                self.event_type = (!raw.is_empty()).then(|| self.types.get(raw));
            }
            b"id" => {
                let raw = self.buf.get(value.0..value.1).unwrap_or_default();
                if memchr(0, raw).is_none() {
                    self.pending_id = Some(Piece::Range(value.0, value.1));
                }
            }
            b"retry" => {
                let raw = self.buf.get(value.0..value.1).unwrap_or_default();
                if !raw.is_empty() && raw.iter().all(u8::is_ascii_digit) {
                    let ms = raw.iter().fold(0u64, |ms, d| {
                        ms.saturating_mul(10).saturating_add(u64::from(d - b'0'))
                    });
                    self.retry = Some(ms);
                }
            }
            _ => {}
        }
        None
    }

    /// Appends a `data` value (`buf[value.0..value.1]`) to the data buffer.
    fn push_data(&mut self, value: (usize, usize)) {
        let (start, end) = value;
        let new = self.buf.get(start..end).unwrap_or_default();
        self.data = match mem::take(&mut self.data) {
            Data::Empty => {
                self.data_len = new.len();
                Data::One(Piece::Range(start, end))
            }
            Data::One(first) => {
                let first = match &first {
                    Piece::Range(a, b) => self.buf.get(*a..*b).unwrap_or_default(),
                    Piece::Cut(bytes) => bytes,
                };
                let mut joined = BytesMut::with_capacity(first.len() + 1 + new.len());
                joined.extend_from_slice(first);
                joined.put_u8(b'\n');
                joined.extend_from_slice(new);
                self.data_len = joined.len();
                Data::Many(joined)
            }
            Data::Many(mut joined) => {
                joined.put_u8(b'\n');
                joined.extend_from_slice(new);
                self.data_len = joined.len();
                Data::Many(joined)
            }
        };
    }

    /// Blank line: commits the id and dispatches the event if there is data.
    fn dispatch(&mut self) -> Option<Event> {
        let data = mem::take(&mut self.data);
        let pending_id = self.pending_id.take();
        let event_type = self.event_type.take();
        self.data_len = 0;
        self.frame_bytes = 0;
        let keep = matches!(data, Data::One(Piece::Range(..)))
            || matches!(pending_id, Some(Piece::Range(..)));
        let frame = self.cut_processed(keep).unwrap_or_default();
        if let Some(id) = pending_id {
            let id = piece_bytes(&id, &frame);
            self.last_event_id = (!id.is_empty()).then(|| Text::from_lossy_bytes(id));
        }
        let data = match data {
            Data::Empty => return None,
            Data::One(Piece::Range(a, b)) => slice_owned(frame, a, b),
            Data::One(Piece::Cut(bytes)) => bytes,
            Data::Many(joined) => joined.freeze(),
        };
        Some(Event::from_parts(
            event_type,
            data,
            self.last_event_id.clone(),
        ))
    }

    /// Enters the failed state, dropping all buffered input.
    fn fail(&mut self) -> SseError {
        self.reset_stream();
        self.buf = BytesMut::new();
        self.failed = true;
        SseError::EventTooLarge { limit: self.max }
    }

    /// Forgets the current stream's input and frame, keeping stream state.
    fn reset_stream(&mut self) {
        self.buf.clear();
        self.line_start = 0;
        self.scan = 0;
        self.skip_lf = false;
        self.bom_pending = true;
        self.data = Data::Empty;
        self.data_len = 0;
        self.event_type = None;
        self.pending_id = None;
        self.frame_bytes = 0;
    }
}

/// Outcome of [`Decoder::fast_frame`].
enum Fast {
    /// A frame with data, dispatched.
    Event(Event),
    /// A frame without data, consumed (its id committed).
    Consumed,
    /// Not a whole simple frame: use the line path.
    Fallback,
}

/// A field handled by the fast path.
#[derive(Clone, Copy)]
enum Field {
    Data,
    Type,
    Id,
}

/// Index of the LF ending the line `s`, or `None` if a CR comes first or
/// there is no line end. The head of the line is scanned a word at a time,
/// cheaper than setting up a vectorized search for short lines.
#[inline]
fn line_end(s: &[u8]) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    const SHORT: usize = 32;
    let mut i = 0;
    while i < SHORT {
        let Some(word) = s.get(i..i + 8) else { break };
        let x = u64::from_le_bytes(word.try_into().unwrap_or_default());
        // Flags bytes below 14 (LF, CR and a few other controls); the lowest
        // flag is exact.
        let below = x.wrapping_sub(LO * 14) & !x & HI;
        if below == 0 {
            i += 8;
            continue;
        }
        let j = i + (below.trailing_zeros() / 8) as usize;
        match s.get(j) {
            Some(b'\n') => return Some(j),
            Some(b'\r') => return None,
            _ => i = j + 1,
        }
    }
    let tail = s.get(i..)?;
    let k = memchr2(b'\r', b'\n', tail)?;
    (tail.get(k) == Some(&b'\n')).then_some(i + k)
}

/// The bytes of `piece`, slicing `frame` for a range.
fn piece_bytes(piece: &Piece, frame: &Bytes) -> Bytes {
    match piece {
        Piece::Range(a, b) if a <= b && *b <= frame.len() => frame.slice(*a..*b),
        Piece::Range(..) => Bytes::new(),
        Piece::Cut(bytes) => bytes.clone(),
    }
}

/// `frame[a..b]` without touching the reference count.
fn slice_owned(mut frame: Bytes, a: usize, b: usize) -> Bytes {
    if a > b || b > frame.len() {
        return Bytes::new();
    }
    frame.truncate(b);
    frame.advance(a);
    frame
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
                d.feed(piece);
                out.extend(std::iter::from_fn(|| d.next_event()));
            }
            out
        };
        [run(input.len()), run(1)]
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
}
