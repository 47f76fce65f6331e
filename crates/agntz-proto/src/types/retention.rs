//! Retention of a run's input, result, session history and trace (wire §4.5).

use serde::{Deserialize, Serialize};

/// How much of a run the worker keeps.
///
/// `none` is the strictest mode, then `result`, then `session` (the default,
/// which keeps everything).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum RetentionMode {
    /// Nothing is persisted (synchronous `/run` endpoints only).
    None,
    /// A redacted run record is kept; no session history, no trace.
    Result,
    /// Everything is kept: run record, session history and trace.
    Session,
    /// A mode this SDK does not know yet. Serializes as `"unknown"`.
    #[serde(other)]
    Unknown,
}

impl RetentionMode {
    /// The wire string (`none`, `result`, `session`; `unknown` for
    /// [`RetentionMode::Unknown`]).
    pub fn as_str(self) -> &'static str {
        match self {
            RetentionMode::None => "none",
            RetentionMode::Result => "result",
            RetentionMode::Session => "session",
            RetentionMode::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for RetentionMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Retention settings: sent with a run request, and echoed (normalized) by
/// the worker in run results and `run-start` events.
///
/// Wire form: `{"mode"?, "ttlSeconds"?, "artifactTtlSeconds"?}`; absent
/// settings are omitted.
///
/// ```
/// use agntz_proto::types::{Retention, RetentionMode};
/// let r = Retention::mode(RetentionMode::Result).ttl_seconds(3600);
/// assert_eq!(r.mode, Some(RetentionMode::Result));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Retention {
    /// The retention mode; the worker's default is the manifest default or
    /// `session`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<RetentionMode>,
    /// Lifetime of the durable run record, in seconds (60 ..= 31 536 000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl_seconds: Option<u32>,
    /// Lifetime of uploaded input artifacts, in seconds (60 ..= 31 536 000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_ttl_seconds: Option<u32>,
}

impl Retention {
    /// Empty settings (everything left to the worker).
    pub fn new() -> Self {
        Self::default()
    }

    /// Settings with just a mode.
    pub fn mode(mode: RetentionMode) -> Self {
        Retention {
            mode: Some(mode),
            ..Self::default()
        }
    }

    /// Sets the mode.
    pub fn with_mode(mut self, mode: RetentionMode) -> Self {
        self.mode = Some(mode);
        self
    }

    /// Sets the lifetime of the durable run record, in seconds.
    pub fn ttl_seconds(mut self, seconds: u32) -> Self {
        self.ttl_seconds = Some(seconds);
        self
    }

    /// Sets the lifetime of uploaded input artifacts, in seconds.
    pub fn artifact_ttl_seconds(mut self, seconds: u32) -> Self {
        self.artifact_ttl_seconds = Some(seconds);
        self
    }
}
