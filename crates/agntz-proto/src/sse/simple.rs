//! Recognition of a whole "simple" frame in one pass.
//!
//! Nearly every frame a worker sends is `event: <type>`, one `data: <json>`
//! and `id: <n>` lines ended by LF, then a blank line. Recognising that shape
//! directly, instead of running the general line machine, is what keeps the
//! decoder near memory speed; anything else falls back to the line machine.

use memchr::memchr2;

/// A byte range `(start, end)` of the input.
pub(super) type Span = (usize, usize);

/// A whole simple frame at the start of the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Simple {
    /// Bytes of the frame, through its blank line.
    pub(super) len: usize,
    /// Value of the last `event:` line.
    pub(super) event_type: Option<Span>,
    /// Value of the `data:` line.
    pub(super) data: Option<Span>,
    /// Value of the last `id:` line.
    pub(super) id: Option<Span>,
}

/// Recognises a simple frame at the start of `input`: only `data: ` (at
/// most once), `event: ` and `id: ` lines ended by LF, then an empty line,
/// all within `max` bytes. `None` means "use the line machine": another
/// shape, a CR, or a frame not yet complete.
#[inline(always)]
pub(super) fn scan(input: &[u8], max: usize, ends: &LineEnds) -> Option<Simple> {
    worker_order(input, max, ends).or_else(|| any_order(input, max, ends))
}

/// [`scan`] for the fields in any order (the general loop).
#[inline(always)]
fn any_order(input: &[u8], max: usize, ends: &LineEnds) -> Option<Simple> {
    let mut frame = Simple {
        len: 0,
        event_type: None,
        data: None,
        id: None,
    };
    let mut pos = 0;
    loop {
        let line = input.get(pos..)?;
        let (value_at, end) = match field(line) {
            Field::Blank => break,
            Field::Data if frame.data.is_none() => {
                let end = ends.lf(line.get(6..)?)?;
                frame.data = Some((pos + 6, pos + 6 + end));
                (6, end)
            }
            Field::Event => {
                let end = short_line_end(line.get(7..)?)?;
                frame.event_type = Some((pos + 7, pos + 7 + end));
                (7, end)
            }
            Field::Id => {
                let end = short_line_end(line.get(4..)?)?;
                frame.id = Some((pos + 4, pos + 4 + end));
                (4, end)
            }
            Field::Data | Field::Other => return None,
        };
        pos += value_at + end + 1;
    }
    frame.len = pos + 1;
    // Data and type are within the frame, so the event's size is too.
    (frame.len <= max).then_some(frame)
}

/// The frame in the order the worker writes it, `event: `, `data: `, an
/// optional `id: `, then the blank line, read as straight-line code: no
/// per-line dispatch. Whatever it takes, [`scan`]'s loop would take too,
/// with the same result; `None` leaves the frame to that loop.
#[inline(always)]
pub(super) fn worker_order(input: &[u8], max: usize, ends: &LineEnds) -> Option<Simple> {
    if word_at(input, 0)? & EVENT_MASK != EVENT {
        return None;
    }
    let type_end = 7 + short_line_end(input.get(7..)?)?;
    let data_at = type_end + 1 + 6;
    if word_at(input, type_end + 1)? & DATA_MASK != DATA {
        return None;
    }
    let data_end = data_at + ends.lf(input.get(data_at..)?)?;
    let mut blank = data_end + 1;
    let mut id = None;
    if *input.get(blank)? != b'\n' {
        // Four bytes, not a word: the id line often ends the chunk.
        if input.get(blank..blank + 4)? != b"id: " {
            return None;
        }
        let id_at = blank + 4;
        let id_end = id_at + short_line_end(input.get(id_at..)?)?;
        id = Some((id_at, id_end));
        blank = id_end + 1;
        if *input.get(blank)? != b'\n' {
            return None;
        }
    }
    let len = blank + 1;
    (len <= max).then_some(Simple {
        len,
        event_type: Some((7, type_end)),
        data: Some((data_at, data_end)),
        id,
    })
}

/// The eight bytes at `at`, as one little-endian word.
#[inline(always)]
fn word_at(input: &[u8], at: usize) -> Option<u64> {
    let bytes = input.get(at..at.checked_add(8)?)?;
    Some(u64::from_le_bytes(bytes.try_into().unwrap_or_default()))
}

const DATA: u64 = u64::from_le_bytes(*b"data: \0\0");
const DATA_MASK: u64 = 0xFFFF_FFFF_FFFF;
const EVENT: u64 = u64::from_le_bytes(*b"event: \0");
const EVENT_MASK: u64 = 0x00FF_FFFF_FFFF_FFFF;
const ID: u64 = u64::from_le_bytes(*b"id: \0\0\0\0");
const ID_MASK: u64 = 0xFFFF_FFFF;

/// How a line starts, as far as the fast path cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    /// An empty line (LF): the end of the frame.
    Blank,
    /// `data: `
    Data,
    /// `event: `
    Event,
    /// `id: `
    Id,
    /// Anything else, or too short to tell.
    Other,
}

/// Classifies a line by its first bytes, compared as one word when eight
/// bytes are there (they are, but at the end of the input).
#[inline(always)]
fn field(line: &[u8]) -> Field {
    if let Some(word) = word_at(line, 0) {
        return if word & DATA_MASK == DATA {
            Field::Data
        } else if word & EVENT_MASK == EVENT {
            Field::Event
        } else if word & ID_MASK == ID {
            Field::Id
        } else if word & 0xFF == u64::from(b'\n') {
            Field::Blank
        } else {
            Field::Other
        };
    }
    if line.starts_with(b"\n") {
        Field::Blank
    } else if line.starts_with(b"data: ") {
        Field::Data
    } else if line.starts_with(b"event: ") {
        Field::Event
    } else if line.starts_with(b"id: ") {
        Field::Id
    } else {
        Field::Other
    }
}

/// Searches for line ends (CR or LF) in long lines, with the vector search
/// picked once per decoder instead of on every call.
#[derive(Debug, Clone, Copy)]
pub(super) struct LineEnds {
    #[cfg(target_arch = "x86_64")]
    avx2: Option<memchr::arch::x86_64::avx2::memchr::Two>,
}

impl LineEnds {
    pub(super) fn new() -> Self {
        LineEnds {
            #[cfg(target_arch = "x86_64")]
            avx2: memchr::arch::x86_64::avx2::memchr::Two::new(b'\r', b'\n'),
        }
    }

    /// Index of the first CR or LF in `s`.
    #[inline(always)]
    pub(super) fn find(&self, s: &[u8]) -> Option<usize> {
        #[cfg(target_arch = "x86_64")]
        if let Some(two) = &self.avx2 {
            return two.find(s);
        }
        memchr2(b'\r', b'\n', s)
    }

    /// Index of the LF ending a line; `None` if a CR comes first or the
    /// line is not complete.
    #[inline(always)]
    fn lf(&self, s: &[u8]) -> Option<usize> {
        let i = self.find(s)?;
        (s.get(i) == Some(&b'\n')).then_some(i)
    }
}

impl Default for LineEnds {
    fn default() -> Self {
        Self::new()
    }
}

/// Longest type or id the fast path takes; longer ones use the line machine.
pub(super) const MAX_SHORT: usize = 64;

/// Index of the LF ending a short line (a type or an id). `None` if the line
/// is not complete, is longer than [`MAX_SHORT`], or holds a byte below 14
/// (CR, NUL, other controls) or above 127: such values take the line
/// machine, so a value taken here is ASCII, valid UTF-8 without checking.
/// Scanned a word at a time, cheaper than setting up a vectorized search.
#[inline(always)]
fn short_line_end(s: &[u8]) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let mut i = 0;
    while i < MAX_SHORT {
        let Some(word) = s.get(i..i + 8) else { break };
        let x = u64::from_le_bytes(word.try_into().unwrap_or_default());
        // Flags bytes below 14 and bytes above 127; the lowest flag is exact
        // (a false "below 14" only appears above a true one).
        let flags = (x.wrapping_sub(LO * 14) & !x & HI) | (x & HI);
        if flags == 0 {
            i += 8;
            continue;
        }
        let j = i + (flags.trailing_zeros() / 8) as usize;
        return (s.get(j) == Some(&b'\n')).then_some(j);
    }
    if i >= MAX_SHORT {
        return None;
    }
    let tail = s.get(i..)?;
    for (k, &b) in tail.iter().enumerate().take(8) {
        if b == b'\n' {
            return Some(i + k);
        }
        if !(14..=127).contains(&b) {
            return None;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(input: &[u8], span: Option<Span>) -> Option<&[u8]> {
        span.map(|(a, b)| &input[a..b])
    }

    #[test]
    fn recognises_the_worker_shape() {
        let input = b"event: text-delta\ndata: {\"a\":1}\nid: 7\n\nevent: x\n";
        let f = scan(input, 1 << 20, &LineEnds::new()).unwrap();
        assert_eq!(f.len, 39);
        assert_eq!(value(input, f.event_type), Some(&b"text-delta"[..]));
        assert_eq!(value(input, f.data), Some(&b"{\"a\":1}"[..]));
        assert_eq!(value(input, f.id), Some(&b"7"[..]));
    }

    #[test]
    fn worker_order_agrees_with_the_loop() {
        // Each frame, and whether it is in the worker's order.
        let frames: [(&[u8], bool); 8] = [
            (b"event: text-delta\ndata: {\"a\":1}\nid: 7\n\n", true),
            (b"event: run-spawn\ndata: {}\n\n", true),
            (b"event: a\ndata: \nid: \n\n", true),
            (b"event: a\ndata: x\nid: 1\nid: 2\n\n", false),
            (b"event: a\ndata: x\nevent: b\n\n", false),
            (b"event: a\ndata: x\r\n\n", false),
            (b"event: a\ndata: x\nid: 1\r\n\n", false),
            (b"event: \xC3\xA9\ndata: x\n\n", false),
        ];
        let ends = LineEnds::new();
        for (frame, in_order) in frames {
            let mut input = frame.to_vec();
            input.extend_from_slice(b"event: next\n");
            // Every prefix: a frame cut anywhere, or followed by more input.
            for n in 0..=input.len() {
                let cut = &input[..n];
                for max in [1 << 20, frame.len() - 1] {
                    let fast = worker_order(cut, max, &ends);
                    if fast.is_some() {
                        assert_eq!(fast, any_order(cut, max, &ends), "{cut:?}");
                    }
                    assert_eq!(scan(cut, max, &ends), any_order(cut, max, &ends));
                }
            }
            let whole = worker_order(&input, 1 << 20, &ends);
            assert_eq!(whole.is_some(), in_order, "{frame:?}");
        }
    }

    #[test]
    fn later_type_and_id_lines_win() {
        let input = b"event: a\nid: 1\nevent: b\nid: 2\ndata: x\n\n";
        let f = scan(input, 1 << 20, &LineEnds::new()).unwrap();
        assert_eq!(value(input, f.event_type), Some(&b"b"[..]));
        assert_eq!(value(input, f.id), Some(&b"2"[..]));
    }

    #[test]
    fn falls_back_on_anything_else() {
        for input in [
            &b"data: a\ndata: b\n\n"[..],
            b"data: a\r\n\r\n",
            b"data:a\n\n",
            b": comment\ndata: a\n\n",
            b"retry: 5\ndata: a\n\n",
            b"event: a\r\ndata: a\n\n",
            b"data: a\n",
            b"data: a",
            b"",
            b"id: 1234567890123456789012345678901234567890\r\n\n",
        ] {
            assert_eq!(scan(input, 1 << 20, &LineEnds::new()), None, "{input:?}");
        }
    }

    #[test]
    fn fields_by_word_and_by_bytes() {
        for (line, want) in [
            (&b"data: {}\n"[..], Field::Data),
            (b"data: \n", Field::Data),
            (b"event: a\n", Field::Event),
            (b"event: ", Field::Event),
            (b"id: 12345\n", Field::Id),
            (b"id: 1\n", Field::Id),
            (b"\nevent: x", Field::Blank),
            (b"\n", Field::Blank),
            (b"data:x\n\n\n", Field::Other),
            (b"Data: x\n\n", Field::Other),
            (b"events: x\n", Field::Other),
            (b"id:1\n\n\n\n", Field::Other),
            (b"\r\n", Field::Other),
            (b"", Field::Other),
        ] {
            assert_eq!(field(line), want, "{line:?}");
        }
    }

    #[test]
    fn frames_over_the_limit_fall_back() {
        let input = b"data: 0123456789\n\n";
        assert!(scan(input, input.len(), &LineEnds::new()).is_some());
        assert_eq!(scan(input, input.len() - 1, &LineEnds::new()), None);
    }

    #[test]
    fn short_lines_of_every_length() {
        for n in 0..80 {
            let mut line = vec![b'x'; n];
            line.push(b'\n');
            let want = (n < MAX_SHORT).then_some(n);
            assert_eq!(short_line_end(&line), want, "{n}");
            *line.last_mut().unwrap() = b'\r';
            assert_eq!(short_line_end(&line), None);
            line.pop();
            assert_eq!(short_line_end(&line), None);
        }
    }

    #[test]
    fn short_values_are_plain_ascii() {
        for bad in [
            &b"a\tb\n"[..],
            b"a\0\n",
            b"\xC3\xA9\n",
            b"0123456789\x7f\xff\n",
        ] {
            assert_eq!(short_line_end(bad), None, "{bad:?}");
        }
        assert_eq!(short_line_end(b"run-spawn 42 ~\n"), Some(14));
    }
}
