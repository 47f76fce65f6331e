//! The retry policy: a pure decision from (call kind, attempt, failure,
//! jitter) to "retry after D" or "give up". The caller sleeps.
//!
//! | Call | Retried on |
//! |---|---|
//! | idempotent (`GET`, `DELETE`, cancel) | connection failures, timeouts before a response, 408, 429, 500, 502, 503, 504 |
//! | starts work (`POST /run`, `/run/stream`, `/runs`) | connect failures (the request provably never left), 429, 503 |
//!
//! A blind retry of a call that starts work could run the agent twice, so
//! those are retried only when the server provably did not start it.

use std::time::Duration;

use crate::error::{Error, TimeoutKind, TransportErrorKind};

/// Whether repeating a call is safe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CallKind {
    /// Repeating has no extra effect (reads, deletes, cancel).
    Idempotent,
    /// The call starts an agent run; repeating it could run the agent twice.
    StartsWork,
}

/// What the policy decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Sleep this long, then try again.
    RetryAfter(Duration),
    /// Return the error to the caller.
    GiveUp,
}

/// Retry policy. Plain data; [`RetryPolicy::decide`] is pure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Retries after the first attempt (default 2; 0 turns retries off).
    pub max_retries: u32,
    /// Backoff before the first retry, doubled each time (default 200 ms).
    pub initial_backoff: Duration,
    /// Cap on the computed backoff (default 10 s).
    pub max_backoff: Duration,
    /// The longest server-requested wait (`Retry-After`) the client will
    /// honour; a longer one gives up at once with the 429/503 error (default
    /// 30 s).
    pub max_retry_after: Duration,
    /// Consecutive reconnects of a dropped `runs().stream()` before giving up
    /// (default 5; the count resets whenever a new event arrives, and a
    /// reconnect that brings nothing new counts).
    pub max_stream_reconnects: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(30),
            max_stream_reconnects: 5,
        }
    }
}

impl RetryPolicy {
    /// No retries and no stream reconnects at all.
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            max_stream_reconnects: 0,
            ..RetryPolicy::default()
        }
    }

    /// Sets the number of consecutive stream reconnects.
    pub fn with_max_stream_reconnects(mut self, reconnects: u32) -> Self {
        self.max_stream_reconnects = reconnects;
        self
    }

    /// The full-jitter backoff before retry number `retries_done + 1`:
    /// `jitter * min(max_backoff, initial_backoff * 2^retries_done)`.
    pub fn backoff(&self, retries_done: u32, jitter: f64) -> Duration {
        let factor = 2u32.saturating_pow(retries_done.min(31));
        let backoff = self
            .initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff);
        let jitter = if jitter.is_finite() {
            jitter.clamp(0.0, 1.0)
        } else {
            0.5
        };
        backoff.mul_f64(jitter)
    }

    /// Sets the number of retries.
    pub fn with_max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// Sets the initial and maximum backoff.
    pub fn with_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max;
        self
    }

    /// Sets the longest `Retry-After` honoured.
    pub fn with_max_retry_after(mut self, max: Duration) -> Self {
        self.max_retry_after = max;
        self
    }

    /// Decides what to do after `error` on attempt number `retries_done + 1`.
    ///
    /// `jitter` is a number in `[0, 1)` supplied by the caller (full jitter:
    /// the backoff is `jitter * min(max_backoff, initial * 2^retries_done)`).
    /// A server-given `Retry-After` replaces the backoff.
    pub fn decide(
        &self,
        kind: CallKind,
        retries_done: u32,
        error: &Error,
        jitter: f64,
    ) -> RetryDecision {
        if retries_done >= self.max_retries || !is_retryable(kind, error) {
            return RetryDecision::GiveUp;
        }
        if let Some(wait) = error.api().and_then(|e| e.retry_after) {
            return if wait > self.max_retry_after {
                RetryDecision::GiveUp
            } else {
                RetryDecision::RetryAfter(wait)
            };
        }
        RetryDecision::RetryAfter(self.backoff(retries_done, jitter))
    }
}

/// Whether `error` may be retried for a call of `kind` (ignoring counts).
pub fn is_retryable(kind: CallKind, error: &Error) -> bool {
    match (kind, error) {
        (_, Error::Transport(t)) if t.kind == TransportErrorKind::Connect => true,
        (_, Error::Timeout(t)) if t.kind == TimeoutKind::Connect => true,
        (CallKind::Idempotent, Error::Transport(t)) => {
            matches!(
                t.kind,
                TransportErrorKind::Request | TransportErrorKind::Body
            )
        }
        (CallKind::Idempotent, Error::Timeout(t)) => t.kind == TimeoutKind::Idle,
        (_, Error::RateLimited(_)) => true,
        (CallKind::Idempotent, Error::Api(e)) => {
            matches!(e.status.as_u16(), 408 | 500 | 502 | 503 | 504)
        }
        (CallKind::StartsWork, Error::Api(e)) => e.status.as_u16() == 503,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ApiError, TimeoutError, TransportError};
    use http::StatusCode;

    fn api(status: u16) -> Error {
        Error::from_api(ApiError::new(StatusCode::from_u16(status).unwrap(), "x"))
    }

    #[test]
    fn idempotent_calls_retry_on_transient_statuses() {
        let p = RetryPolicy::default();
        for s in [408, 429, 500, 502, 503, 504] {
            assert!(matches!(
                p.decide(CallKind::Idempotent, 0, &api(s), 0.5),
                RetryDecision::RetryAfter(_)
            ));
        }
        for s in [400, 401, 403, 404, 409, 501] {
            assert_eq!(
                p.decide(CallKind::Idempotent, 0, &api(s), 0.5),
                RetryDecision::GiveUp
            );
        }
    }

    #[test]
    fn calls_that_start_work_retry_only_when_safe() {
        let p = RetryPolicy::default();
        let starts = CallKind::StartsWork;
        assert!(matches!(
            p.decide(starts, 0, &api(429), 0.5),
            RetryDecision::RetryAfter(_)
        ));
        assert!(matches!(
            p.decide(starts, 0, &api(503), 0.5),
            RetryDecision::RetryAfter(_)
        ));
        for s in [500, 502, 504, 408] {
            assert_eq!(p.decide(starts, 0, &api(s), 0.5), RetryDecision::GiveUp);
        }
        let connect = Error::Transport(TransportError::new(TransportErrorKind::Connect, "refused"));
        assert!(matches!(
            p.decide(starts, 0, &connect, 0.5),
            RetryDecision::RetryAfter(_)
        ));
        let reset = Error::Transport(TransportError::new(TransportErrorKind::Request, "reset"));
        assert_eq!(p.decide(starts, 0, &reset, 0.5), RetryDecision::GiveUp);
        let idle = Error::Timeout(TimeoutError::new(TimeoutKind::Idle, Duration::from_secs(1)));
        assert_eq!(p.decide(starts, 0, &idle, 0.5), RetryDecision::GiveUp);
    }

    #[test]
    fn backoff_is_exponential_capped_and_jittered() {
        let p = RetryPolicy::default()
            .with_max_retries(10)
            .with_backoff(Duration::from_millis(100), Duration::from_millis(500));
        let e = api(503);
        let d = |n, j| match p.decide(CallKind::Idempotent, n, &e, j) {
            RetryDecision::RetryAfter(d) => d,
            RetryDecision::GiveUp => panic!("gave up"),
        };
        assert_eq!(d(0, 1.0), Duration::from_millis(100));
        assert_eq!(d(1, 1.0), Duration::from_millis(200));
        assert_eq!(d(2, 1.0), Duration::from_millis(400));
        assert_eq!(d(3, 1.0), Duration::from_millis(500));
        assert_eq!(p.backoff(40, 1.0), Duration::from_millis(500));
        assert_eq!(d(1, 0.5), Duration::from_millis(100));
        assert_eq!(d(1, 0.0), Duration::ZERO);
        assert_eq!(d(1, f64::NAN), Duration::from_millis(100));
    }

    #[test]
    fn retry_after_is_honoured_up_to_the_cap() {
        let p = RetryPolicy::default();
        let mut e = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "slow down");
        e.retry_after = Some(Duration::from_secs(3));
        let err = Error::from_api(e.clone());
        assert_eq!(
            p.decide(CallKind::StartsWork, 0, &err, 0.1),
            RetryDecision::RetryAfter(Duration::from_secs(3))
        );
        e.retry_after = Some(Duration::from_secs(3600));
        assert_eq!(
            p.decide(CallKind::StartsWork, 0, &Error::from_api(e), 0.1),
            RetryDecision::GiveUp
        );
    }

    #[test]
    fn stops_after_max_retries_and_none_disables() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.decide(CallKind::Idempotent, 2, &api(503), 0.5),
            RetryDecision::GiveUp
        );
        assert_eq!(
            RetryPolicy::none().decide(CallKind::Idempotent, 0, &api(503), 0.5),
            RetryDecision::GiveUp
        );
    }
}
