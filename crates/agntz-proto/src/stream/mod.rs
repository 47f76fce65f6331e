//! Sans-IO stream state machines: SSE frames in, typed items out, with each
//! endpoint's terminal rules.
//!
//! Feed body chunks with [`StreamDecoder::feed`], drain
//! [`StreamDecoder::next`] until `None`, and call [`StreamDecoder::finish`]
//! at end of body. Items decoded before an error are always returned before
//! it; after a terminal item or an error the decoder yields nothing more.

mod block;
mod decoder;
mod frames;

pub use block::{BlockFrame, BlockFrames};
pub use decoder::StreamDecoder;
pub use frames::{AgentFrame, AgentFrames, Frames, RunFrames, TraceFrames};
