//! The transcript cut into the chunks a transport would hand the decoder.
//!
//! Transports deliver body chunks as [`Bytes`], so the benchmarks feed the
//! decoder `Bytes` too (`feed_bytes`, read in place). The chunks are slices
//! of one buffer, made before timing starts, as a transport makes them
//! before the SDK sees them.

use std::hint::black_box;

use agntz_proto::sse::Decoder;
use bytes::Bytes;

use crate::transcript::frame_ranges;

/// The three chunkings the framing benchmarks use.
#[derive(Debug, Clone)]
pub struct Chunkings {
    /// The whole transcript as one chunk.
    pub whole: Vec<Bytes>,
    /// One chunk per frame.
    pub per_frame: Vec<Bytes>,
    /// 64 KiB chunks.
    pub k64: Vec<Bytes>,
}

impl Chunkings {
    /// Cuts `bytes` three ways.
    pub fn new(bytes: &[u8]) -> Self {
        let all = Bytes::copy_from_slice(bytes);
        Chunkings {
            whole: vec![all.clone()],
            per_frame: frame_ranges(bytes)
                .into_iter()
                .map(|f| all.slice(f))
                .collect(),
            k64: fixed(&all, 64 * 1024),
        }
    }
}

/// `all` in chunks of `size` bytes (the last may be shorter).
pub fn fixed(all: &Bytes, size: usize) -> Vec<Bytes> {
    (0..all.len())
        .step_by(size.max(1))
        .map(|s| all.slice(s..(s + size).min(all.len())))
        .collect()
}

/// Feeds `chunks` to a fresh decoder and reads every frame (borrowed, as the
/// SDK's typed streams do); returns how many there were.
pub fn frame_all(chunks: &[Bytes]) -> usize {
    let mut d = Decoder::new();
    let mut n = 0;
    for c in chunks {
        d.feed_bytes(c.clone());
        while let Some(frame) = d.next_frame() {
            black_box(frame.expect("valid transcript").data_bytes());
            n += 1;
        }
    }
    d.finish().expect("complete transcript");
    n
}

/// Like [`frame_all`], taking each event as an owned [`agntz_proto::sse::Event`].
pub fn events_all(chunks: &[Bytes]) -> usize {
    let mut d = Decoder::new();
    let mut n = 0;
    for c in chunks {
        d.feed_bytes(c.clone());
        while let Some(event) = d.next_event() {
            black_box(event.expect("valid transcript"));
            n += 1;
        }
    }
    d.finish().expect("complete transcript");
    n
}
