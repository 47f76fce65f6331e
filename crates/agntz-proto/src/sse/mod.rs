//! Server-sent-events decoding (WHATWG rules).
//!
//! [`Decoder`] is an incremental, sans-IO decoder: feed it body chunks as
//! they arrive and drain borrowed [`Frame`]s with [`Decoder::next_frame`]
//! (or owned [`Event`]s with [`Decoder::next_event`]). It follows
//! the WHATWG HTML "server-sent events" parsing rules, runs in linear time for
//! any chunking and bounds its memory by a configurable maximum event size.
//!
//! ```
//! use agntz_proto::sse::Decoder;
//!
//! let mut decoder = Decoder::new();
//! decoder.feed(b"event: run-spawn\ndata: {\"seq\":1}\nid: 1\n\n");
//! let event = decoder.next_event().unwrap().unwrap();
//! assert_eq!(event.event_type(), "run-spawn");
//! assert_eq!(event.data(), "{\"seq\":1}");
//! assert_eq!(event.id(), Some("1"));
//! assert!(decoder.next_event().is_none());
//! assert_eq!(decoder.finish(), Ok(()));
//! ```

mod decoder;
mod error;
mod event;
mod frame;
mod simple;
mod type_cache;

pub use decoder::Decoder;
pub use error::SseError;
pub use event::Event;
pub use frame::Frame;

/// Default maximum size of one event (sum of its field bytes while accumulating): 16 MiB.
pub const DEFAULT_MAX_EVENT_SIZE: usize = 16 * 1024 * 1024;
