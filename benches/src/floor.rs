//! The hand-written floors: the least work that does the same job, measured
//! in the same run as the SDK so ratios compare like with like.

use agntz_proto::events::{
    RunCompleted, RunSpawn, StepComplete, TextDelta, ToolCallEnd, ToolCallStart,
};
use serde::de::DeserializeOwned;

use crate::transcript::{frame_parts, frame_ranges};

/// Which payload type a frame decodes into (the types `RunEvent` wraps).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `run-spawn`.
    Spawn,
    /// `text-delta`.
    TextDelta,
    /// `tool-call-start`.
    ToolCallStart,
    /// `tool-call-end`.
    ToolCallEnd,
    /// `step-complete`.
    StepComplete,
    /// `run-complete`.
    Complete,
}

impl Kind {
    /// The kind of an `event:` name of the generated transcripts.
    pub fn of(name: &[u8]) -> Option<Kind> {
        Some(match name {
            b"run-spawn" => Kind::Spawn,
            b"text-delta" => Kind::TextDelta,
            b"tool-call-start" => Kind::ToolCallStart,
            b"tool-call-end" => Kind::ToolCallEnd,
            b"step-complete" => Kind::StepComplete,
            b"run-complete" => Kind::Complete,
            _ => return None,
        })
    }
}

/// How a floor turns payload bytes into a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parse {
    /// `serde_json::from_slice` (the floor the targets are set against).
    Slice,
    /// One `std::str::from_utf8` of the payload, then `serde_json::from_str`
    /// (how the SDK parses; a reference figure).
    Str,
}

fn parse<T: DeserializeOwned>(how: Parse, data: &[u8]) -> bool {
    let parsed: Result<T, _> = match how {
        Parse::Slice => serde_json::from_slice(data),
        Parse::Str => match std::str::from_utf8(data) {
            Ok(text) => serde_json::from_str(text),
            Err(_) => return false,
        },
    };
    std::hint::black_box(parsed).is_ok()
}

/// `serde_json::from_slice` of `data` into the payload type of `kind`
/// (boxed where `RunEvent` boxes it). Returns whether it parsed.
pub fn parse_payload(kind: Kind, data: &[u8]) -> bool {
    parse_payload_with(Parse::Slice, kind, data)
}

/// [`parse_payload`], parsing the way `how` says.
pub fn parse_payload_with(how: Parse, kind: Kind, data: &[u8]) -> bool {
    match kind {
        Kind::Spawn => parse::<Box<RunSpawn>>(how, data),
        Kind::TextDelta => parse::<TextDelta>(how, data),
        Kind::ToolCallStart => parse::<Box<ToolCallStart>>(how, data),
        Kind::ToolCallEnd => parse::<Box<ToolCallEnd>>(how, data),
        Kind::StepComplete => parse::<StepComplete>(how, data),
        Kind::Complete => parse::<Box<RunCompleted>>(how, data),
    }
}

/// Frames of a transcript with their boundaries precomputed: the kind and
/// the byte range of each `data` payload.
pub fn payloads(bytes: &[u8]) -> Vec<(Kind, std::ops::Range<usize>)> {
    frame_ranges(bytes)
        .into_iter()
        .map(|frame| {
            let (name, data) = frame_parts(&bytes[frame.clone()]).expect("generated frame");
            let kind = Kind::of(name).expect("known event name");
            let start = data.as_ptr() as usize - bytes.as_ptr() as usize;
            (kind, start..start + data.len())
        })
        .collect()
}

/// Framing floor: counts the frame boundaries (`\n\n`) with memchr's memmem.
pub fn count_frames(bytes: &[u8]) -> usize {
    memchr::memmem::find_iter(bytes, b"\n\n").count()
}

/// The framing floor on the chunks a transport hands over: each chunk is
/// taken as the SDK takes it (a [`bytes::Bytes`] handed over and dropped)
/// and scanned with one prebuilt memmem finder; a `\n\n` cut by a chunk
/// boundary is counted too. This is what the floor itself costs at a given
/// chunking, the bound for any decoder fed those chunks.
pub fn count_frames_chunked(chunks: &[bytes::Bytes]) -> usize {
    let finder = memchr::memmem::Finder::new(b"\n\n");
    let mut frames = 0;
    let mut after_lf = false;
    for chunk in chunks {
        let chunk = std::hint::black_box(chunk.clone());
        if after_lf && chunk.first() == Some(&b'\n') {
            frames += 1;
        }
        frames += finder.find_iter(&chunk).count();
        after_lf = chunk.last() == Some(&b'\n');
    }
    frames
}

/// The whole-transcript floor parse: split at `\n\n` with memmem, cut out
/// the `event` and `data` lines of this exact format, and deserialize each
/// payload into its type. Returns the number of events.
pub fn floor_parse(bytes: &[u8]) -> usize {
    let mut events = 0;
    let mut start = 0;
    for end in memchr::memmem::find_iter(bytes, b"\n\n") {
        let frame = &bytes[start..end + 2];
        start = end + 2;
        if let Some((name, data)) = frame_parts(frame) {
            if let Some(kind) = Kind::of(name) {
                events += usize::from(parse_payload(kind, data));
            }
        }
    }
    events
}
