//! Tokio glue shared by the Agntz transports (`agntz-reqwest` and
//! `agntz-hyper`).
//!
//! Both transports apply the idle-read timeout the same way, draw retry
//! jitter the same way, describe failures the same way and keep the same
//! builder settings; this crate holds that code once so the transports
//! cannot drift apart:
//!
//! - [`IdleTimer`] races the response head against the idle timeout and
//!   then hands its timer to an [`IdleBody`], the response body behind the
//!   same idle-read timer;
//! - [`jitter`] is a `[0, 1)` number for [`Transport::jitter`], and
//!   [`now`] the clock for [`Transport::now`];
//! - [`transport_error`] and [`body_error`] map an HTTP library's error onto
//!   [`agntz_proto::Error`];
//! - [`BuilderSettings`] holds the timeouts and extra root certificates of a
//!   transport builder;
//! - [`file_len`] and [`read_file`] read local files for file content
//!   blocks on the blocking pool ([`Transport::file_len`],
//!   [`Transport::read_file`]).
//!
//! [`Transport::jitter`]: agntz_proto::Transport::jitter
//! [`Transport::file_len`]: agntz_proto::Transport::file_len
//! [`Transport::read_file`]: agntz_proto::Transport::read_file
//! [`Transport::now`]: agntz_proto::Transport::now
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod body;
mod error;
mod files;
mod settings;

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

pub use body::{IdleBody, IdleTimer};
pub use error::{body_error, transport_error};
pub use files::{file_len, read_file, read_file_blocking};
pub use settings::BuilderSettings;

/// A number in `[0, 1)`: a per-process random hash of a counter.
pub fn jitter() -> f64 {
    static STATE: OnceLock<RandomState> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = STATE.get_or_init(RandomState::new).build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    // 53 random bits make an exactly representable fraction below 1.
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// The time now on tokio's clock (so that a paused test clock pauses the
/// SDK's timings too).
pub fn now() -> std::time::Instant {
    tokio::time::Instant::now().into_std()
}

#[cfg(test)]
mod tests {
    use super::jitter;

    #[test]
    fn jitter_is_in_unit_interval_and_varies() {
        let values: Vec<f64> = (0..1000).map(|_| jitter()).collect();
        assert!(values.iter().all(|v| (0.0..1.0).contains(v)));
        let first = values[0];
        assert!(values.iter().any(|v| *v != first));
    }
}
