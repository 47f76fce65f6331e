//! The per-client rate limit of `/build-agent` and `/edit-agent`: 10
//! requests per sliding hour per route and client key, in memory.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use http::HeaderMap;

use crate::store::lock;

/// Requests allowed per window.
pub(crate) const LIMIT: usize = 10;
/// The window, in milliseconds.
const WINDOW_MS: u64 = 3_600_000;

/// Request times per (route, client key).
#[derive(Debug, Default)]
pub(crate) struct RateLimits {
    seen: Mutex<HashMap<(&'static str, String), VecDeque<u64>>>,
}

/// The client key, as the worker picks it: `CF-Connecting-IP`, the first
/// entry of `X-Forwarded-For`, `X-Real-IP`, else `unknown` (never the TCP
/// peer address).
pub(crate) fn client_key(headers: &HeaderMap) -> String {
    let get = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    if let Some(ip) = get("cf-connecting-ip") {
        return ip.to_owned();
    }
    if let Some(first) = get("x-forwarded-for").and_then(|v| v.split(',').next()) {
        let first = first.trim();
        if !first.is_empty() {
            return first.to_owned();
        }
    }
    get("x-real-ip").unwrap_or("unknown").to_owned()
}

impl RateLimits {
    /// Counts a request of `route` from `key` at `now_ms`, or refuses it
    /// with the seconds until the oldest counted request leaves the window
    /// (rounded up, at least 1). Refused requests are not counted.
    pub(crate) fn check(&self, route: &'static str, key: String, now_ms: u64) -> Result<(), u64> {
        let mut seen = lock(&self.seen);
        let times = seen.entry((route, key)).or_default();
        while times
            .front()
            .is_some_and(|t| now_ms.saturating_sub(*t) >= WINDOW_MS)
        {
            times.pop_front();
        }
        if times.len() >= LIMIT {
            let oldest = times.front().copied().unwrap_or(now_ms);
            let wait_ms = (oldest + WINDOW_MS).saturating_sub(now_ms);
            return Err(wait_ms.div_ceil(1000).max(1));
        }
        times.push_back(now_ms);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sliding_window_per_route_and_key() {
        let limits = RateLimits::default();
        for i in 0..LIMIT as u64 {
            assert!(limits.check("build", "k".into(), i * 1000).is_ok());
        }
        assert_eq!(limits.check("build", "k".into(), 5_000), Err(3_595));
        assert!(limits.check("edit", "k".into(), 5_000).is_ok());
        assert!(limits.check("build", "other".into(), 5_000).is_ok());
        assert!(limits.check("build", "k".into(), 3_600_000).is_ok());
    }

    #[test]
    fn key_precedence() {
        let mut h = HeaderMap::new();
        assert_eq!(client_key(&h), "unknown");
        h.insert("x-real-ip", "3.3.3.3".parse().unwrap());
        assert_eq!(client_key(&h), "3.3.3.3");
        h.insert("x-forwarded-for", " 2.2.2.2 , 9.9.9.9".parse().unwrap());
        assert_eq!(client_key(&h), "2.2.2.2");
        h.insert("cf-connecting-ip", "1.1.1.1".parse().unwrap());
        assert_eq!(client_key(&h), "1.1.1.1");
    }
}
