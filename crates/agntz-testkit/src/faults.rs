//! Fault injection: knobs that make the next matching response misbehave on the wire.
//!
//! Faults are queued as [`FaultRule`]s. Each rule has an optional path prefix and a
//! number of uses (`times`, `None` = until [`Faults::clear`]). When a request or
//! response reaches the point where a fault kind applies (see [`Fault`]), the first
//! queued rule of that kind whose path matches is used and its count decremented.

use std::sync::Mutex;
use std::time::Duration;

use crate::store::lock;

/// One way to misbehave.
///
/// *Request-level* faults ([`Fault::Status`], [`Fault::PlainText500`],
/// [`Fault::HtmlBody`], [`Fault::CloseBeforeHead`]) replace the response of the next
/// matching request of any kind. *Stream* faults (all others except
/// [`Fault::MissingLocation`]) apply to the next matching SSE response
/// (`/run/stream`, `/runs/{id}/stream`, `/traces/{id}/stream`).
/// [`Fault::MissingLocation`] applies to the next response that carries a `Location`
/// header (`POST /runs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// End the SSE body cleanly right before the terminal frame (`run-complete`,
    /// `run-error`, the root's terminal event, `trace-done`, `snapshot`).
    TruncateBeforeTerminal,
    /// Write the first `n` bytes of the SSE body, then abort the connection
    /// (the chunked body never terminates).
    CutAfterBytes(usize),
    /// Write `n` complete SSE frames, then abort the connection.
    ResetAfterEvents(usize),
    /// Write `events` frames, then go silent for `duration` (`None` = until the
    /// client disconnects), then continue normally.
    StallAfterEvents {
        /// Frames written before stalling.
        events: usize,
        /// How long to stall; `None` stalls forever.
        duration: Option<Duration>,
    },
    /// Write the SSE body one byte per chunk, sleeping `delay` between bytes.
    Drip {
        /// Delay between bytes.
        delay: Duration,
    },
    /// Replace the SSE body with `len` random bytes (not valid UTF-8 or SSE), then end it.
    Garbage {
        /// Number of bytes.
        len: usize,
    },
    /// Insert the bytes `FF FE` (invalid UTF-8) right after `data: ` in the first frame.
    InvalidUtf8,
    /// Replace the SSE body with one line of `len` `x` bytes and no newline, then end it.
    EnormousLine {
        /// Line length in bytes.
        len: usize,
    },
    /// Replace the `data:` of the first frame with invalid JSON (`{"truncated":`).
    InvalidJsonData,
    /// Send `content-type: text/html; charset=UTF-8` on the SSE response (body unchanged).
    HtmlContentType,
    /// Answer the request with 200 `text/html` (an HTML error page) instead of the real response.
    HtmlBody,
    /// Answer the request with 500 `text/plain; charset=UTF-8` `Internal Server Error`.
    PlainText500,
    /// Answer the next `times` matching requests with `status` and a JSON error body
    /// (`{"error":"rate limit exceeded","retryAfterSeconds":n}` for 429), adding
    /// `Retry-After: <n>` when `retry_after` is set; then behave normally.
    Status {
        /// HTTP status to send.
        status: u16,
        /// Value of the `Retry-After` header, in seconds.
        retry_after: Option<u64>,
        /// How many requests get this status.
        times: u32,
    },
    /// Close the connection after reading the request, before any response head.
    CloseBeforeHead,
    /// Drop the `Location` header from the next `201` that would carry one.
    MissingLocation,
}

/// Where a fault takes effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    Request,
    Stream,
    Location,
}

impl Fault {
    pub(crate) fn stage(&self) -> Stage {
        match self {
            Fault::HtmlBody
            | Fault::PlainText500
            | Fault::Status { .. }
            | Fault::CloseBeforeHead => Stage::Request,
            Fault::MissingLocation => Stage::Location,
            _ => Stage::Stream,
        }
    }
}

/// A queued fault with its filter and remaining uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRule {
    /// The fault.
    pub fault: Fault,
    /// Only requests whose path (without query) starts with this prefix match; `None` = all.
    pub path_prefix: Option<String>,
    /// Remaining uses; `None` = unlimited (until [`Faults::clear`]).
    pub times: Option<u32>,
}

impl FaultRule {
    /// A rule used once for any path (`Fault::Status` uses its own `times`).
    pub fn new(fault: Fault) -> FaultRule {
        let times = match &fault {
            Fault::Status { times, .. } => *times,
            _ => 1,
        };
        FaultRule {
            fault,
            path_prefix: None,
            times: Some(times),
        }
    }

    /// Restricts the rule to paths starting with `prefix` (e.g. `"/run/stream"`).
    pub fn path(mut self, prefix: impl Into<String>) -> FaultRule {
        self.path_prefix = Some(prefix.into());
        self
    }

    /// Sets the number of uses.
    pub fn times(mut self, n: u32) -> FaultRule {
        self.times = Some(n);
        self
    }

    /// Makes the rule apply until [`Faults::clear`].
    pub fn always(mut self) -> FaultRule {
        self.times = None;
        self
    }
}

/// The fault knobs of a running [`crate::TestWorker`]; safe to change at any time.
#[derive(Debug, Default)]
pub struct Faults {
    rules: Mutex<Vec<FaultRule>>,
}

impl Faults {
    /// Queues `fault` for the next matching request/response (once; `Fault::Status`
    /// is used `times` times).
    pub fn push(&self, fault: Fault) {
        self.push_rule(FaultRule::new(fault));
    }

    /// Queues a rule (with path filter / use count).
    pub fn push_rule(&self, rule: FaultRule) {
        if rule.times == Some(0) {
            return;
        }
        lock(&self.rules).push(rule);
    }

    /// Applies `fault` to every matching request/response until [`Faults::clear`].
    pub fn set(&self, fault: Fault) {
        self.push_rule(FaultRule::new(fault).always());
    }

    /// Removes every queued fault.
    pub fn clear(&self) {
        lock(&self.rules).clear();
    }

    /// Number of rules still queued.
    pub fn pending(&self) -> usize {
        lock(&self.rules).len()
    }

    /// Takes one use of the first rule of `stage` matching `path`.
    pub(crate) fn take(&self, stage: Stage, path: &str) -> Option<Fault> {
        let mut rules = lock(&self.rules);
        let idx = rules.iter().position(|r| {
            r.fault.stage() == stage && r.path_prefix.as_deref().is_none_or(|p| path.starts_with(p))
        })?;
        let fault = rules[idx].fault.clone();
        if let Some(t) = rules[idx].times.as_mut() {
            *t -= 1;
            if *t == 0 {
                rules.remove(idx);
            }
        }
        Some(fault)
    }
}
