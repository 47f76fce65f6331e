//! The `Trace` of builds without the `tracing` feature: nothing, inlined.

use std::future::Future;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Request, StatusCode};

use crate::config::Config;
use crate::error::Error;
use crate::ops::RunIds;
use crate::transport::Transport;

/// A span that is not there (zero-sized).
#[derive(Debug, Clone, Default)]
pub(crate) struct Trace;

// The signatures match the real `Trace`, so some parameters go unused.
#[allow(clippy::unused_self, clippy::extra_unused_type_parameters)]
impl Trace {
    #[inline(always)]
    pub(crate) fn request<O: ?Sized>() -> Self {
        Trace
    }

    #[inline(always)]
    pub(crate) fn stream<O: ?Sized>() -> Self {
        Trace
    }

    #[inline(always)]
    pub(crate) fn now<T: Transport>(&self, _transport: &T) -> Option<Instant> {
        None
    }

    #[inline(always)]
    pub(crate) fn sending(&self, _config: &Config, _request: &Request<Bytes>, _attempt: u32) {}

    #[inline(always)]
    pub(crate) fn head(&self, _status: StatusCode, _sent: Option<Instant>, _now: Option<Instant>) {}

    #[inline(always)]
    pub(crate) fn retry(&self, _attempt: u32, _wait: Duration, _error: &Error) {}

    #[inline(always)]
    pub(crate) fn reconnect(
        &self,
        _reconnect: u32,
        _wait: Duration,
        _since: Option<u64>,
        _error: &Error,
    ) {
    }

    #[inline(always)]
    pub(crate) fn run_ids<'a>(&self, _ids: impl FnOnce() -> RunIds<'a>) {}

    #[inline(always)]
    pub(crate) fn item(&self) {}

    #[inline(always)]
    pub(crate) fn failed(&self, _error: &Error) {}

    #[inline(always)]
    pub(crate) fn instrument<F: Future>(&self, fut: F) -> F {
        fut
    }
}
