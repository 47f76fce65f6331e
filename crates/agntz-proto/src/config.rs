//! Client configuration: where the worker is, how to authenticate, limits.
//!
//! Plain data, no IO. Transports read the timeouts; the core reads the rest.

use std::fmt;
use std::time::Duration;

use http::header::{HeaderMap, HeaderName, HeaderValue};
use http::uri::{Authority, Scheme, Uri};

use crate::error::Error;
use crate::retry::RetryPolicy;

/// The hosted worker's base URL.
pub const DEFAULT_BASE_URL: &str = "https://api.agntz.co";

/// `User-Agent` sent on every request.
pub const USER_AGENT: &str = concat!("agntz-rust/", env!("CARGO_PKG_VERSION"));

/// An API key (`ar_live_...`). Never printed: `Debug` and `Display` show
/// `ApiKey(***)`, and the header built from it is marked sensitive.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key. Surrounding whitespace is trimmed (a pasted key often
    /// carries a newline).
    pub fn new(key: impl Into<String>) -> Self {
        let key = key.into();
        ApiKey(key.trim().to_owned())
    }

    /// The key itself. Call this only to hand it to something that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(***)")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Size limits that keep memory bounded against a misbehaving server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Largest JSON response body read into memory. Default 64 MiB (the worker
    /// can return multi-megabyte outputs).
    pub max_response_bytes: usize,
    /// Largest single SSE event. Default 16 MiB.
    pub max_event_bytes: usize,
    /// Most file and bytes content blocks uploaded at once before a run
    /// (each file is in memory while its upload runs). Default 4.
    pub max_concurrent_uploads: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_response_bytes: 64 * 1024 * 1024,
            max_event_bytes: crate::sse::DEFAULT_MAX_EVENT_SIZE,
            max_concurrent_uploads: 4,
        }
    }
}

/// Timeouts, applied by the transport.
///
/// The worker sends no heartbeats: a long model call leaves a stream (or a
/// `POST /run`) silent for minutes, so the idle timeout is generous.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Timeouts {
    /// Establishing a connection (TCP and TLS). Default 10 s.
    pub connect: Duration,
    /// Longest silence while waiting for the response head or between body
    /// chunks. Default 5 minutes.
    pub idle: Duration,
    /// Optional overall deadline for one call (all attempts, whole body).
    /// Default none. Not applied to streams' bodies, which may last as long
    /// as the run.
    pub deadline: Option<Duration>,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(10),
            idle: Duration::from_secs(300),
            deadline: None,
        }
    }
}

/// Everything the core needs to build requests for one worker.
#[derive(Clone)]
pub struct Config {
    scheme: Scheme,
    authority: Authority,
    /// Path prefix of the base URL without a trailing slash ("" or "/proxy").
    prefix: String,
    api_key: Option<ApiKey>,
    auth_header: Option<HeaderValue>,
    default_headers: HeaderMap,
    limits: Limits,
    timeouts: Timeouts,
    retry: RetryPolicy,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("base_url", &self.base_url())
            .field("api_key", &self.api_key)
            .field(
                "default_headers",
                &self.default_headers.keys().collect::<Vec<_>>(),
            )
            .field("limits", &self.limits)
            .field("timeouts", &self.timeouts)
            .field("retry", &self.retry)
            .finish()
    }
}

impl Config {
    /// Starts a builder.
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::default()
    }

    /// The path prefix of the base URL ("" or "/proxy"), which every
    /// request path starts with.
    #[cfg_attr(not(feature = "tracing"), allow(dead_code))]
    pub(crate) fn path_prefix(&self) -> &str {
        &self.prefix
    }

    /// The base URL, normalized (no trailing slash).
    pub fn base_url(&self) -> String {
        format!("{}://{}{}", self.scheme, self.authority, self.prefix)
    }

    /// The API key, if one was configured.
    pub fn api_key(&self) -> Option<&ApiKey> {
        self.api_key.as_ref()
    }

    /// Size limits.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Timeouts (applied by the transport).
    pub fn timeouts(&self) -> &Timeouts {
        &self.timeouts
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// Extra headers sent on every request.
    pub fn default_headers(&self) -> &HeaderMap {
        &self.default_headers
    }

    /// The absolute URI for `path_and_query` (which starts with `/` and is
    /// already encoded).
    pub(crate) fn uri(&self, path_and_query: &str) -> Result<Uri, Error> {
        let mut pq = String::with_capacity(self.prefix.len() + path_and_query.len());
        pq.push_str(&self.prefix);
        pq.push_str(path_and_query);
        Uri::builder()
            .scheme(self.scheme.clone())
            .authority(self.authority.clone())
            .path_and_query(pq)
            .build()
            .map_err(|e| Error::invalid(format!("cannot build the request URI: {e}")))
    }

    pub(crate) fn set_retry(&mut self, policy: RetryPolicy) {
        self.retry = policy;
    }

    pub(crate) fn set_timeouts(&mut self, timeouts: Timeouts) {
        self.timeouts = timeouts;
    }

    /// The `Authorization` header value (sensitive), if a key is set.
    pub(crate) fn auth_header(&self) -> Option<&HeaderValue> {
        self.auth_header.as_ref()
    }
}

/// Builds a [`Config`].
#[derive(Default)]
pub struct ConfigBuilder {
    base_url: Option<String>,
    api_key: Option<ApiKey>,
    headers: Vec<(String, String)>,
    limits: Limits,
    timeouts: Timeouts,
    retry: Option<RetryPolicy>,
    allow_insecure_http: bool,
}

impl fmt::Debug for ConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfigBuilder")
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key)
            .finish_non_exhaustive()
    }
}

impl ConfigBuilder {
    /// The worker's base URL (default [`DEFAULT_BASE_URL`]). A path prefix
    /// (for a reverse proxy) is kept; trailing slashes are stripped.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The API key sent as `Authorization: Bearer <key>`.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(ApiKey::new(key));
        self
    }

    /// An extra header sent on every request (validated at `build`).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Size limits.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Largest JSON response body read into memory.
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.limits.max_response_bytes = bytes;
        self
    }

    /// Largest single SSE event.
    pub fn max_event_bytes(mut self, bytes: usize) -> Self {
        self.limits.max_event_bytes = bytes;
        self
    }

    /// Most file and bytes content blocks uploaded at once (default 4).
    pub fn max_concurrent_uploads(mut self, uploads: usize) -> Self {
        self.limits.max_concurrent_uploads = uploads;
        self
    }

    /// Connect timeout (applied by the transport).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.connect = timeout;
        self
    }

    /// Idle-read timeout (applied by the transport).
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.idle = timeout;
        self
    }

    /// Overall deadline for each non-streaming call.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.timeouts.deadline = Some(deadline);
        self
    }

    /// The retry policy (default [`RetryPolicy::default`]; use
    /// [`RetryPolicy::none`] to turn retries off).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Allow sending the API key over plain `http://` to a host that is not
    /// loopback. Off by default: the key would cross the network in clear.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Validates and builds the configuration.
    pub fn build(self) -> Result<Config, Error> {
        let raw = self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL).trim();
        let uri: Uri = raw
            .parse()
            .map_err(|e| Error::invalid(format!("base URL {raw:?} is not a valid URL: {e}")))?;
        let scheme = uri
            .scheme()
            .cloned()
            .ok_or_else(|| Error::invalid(format!("base URL {raw:?} needs http:// or https://")))?;
        if scheme != Scheme::HTTP && scheme != Scheme::HTTPS {
            return Err(Error::invalid(format!(
                "base URL scheme must be http or https, not {scheme}"
            )));
        }
        let authority = uri
            .authority()
            .cloned()
            .ok_or_else(|| Error::invalid(format!("base URL {raw:?} has no host")))?;
        if authority.as_str().contains('@') {
            return Err(Error::invalid("base URL must not contain user info"));
        }
        if uri.query().is_some() {
            return Err(Error::invalid("base URL must not contain a query string"));
        }
        let prefix = uri.path().trim_end_matches('/').to_owned();

        if let Some(key) = &self.api_key {
            if key.expose().is_empty() {
                return Err(Error::invalid("API key is empty"));
            }
        }
        if scheme == Scheme::HTTP
            && self.api_key.is_some()
            && !self.allow_insecure_http
            && !is_loopback(authority.host())
        {
            return Err(Error::invalid(format!(
                "refusing to send the API key over plain http to {}; use https, or allow it explicitly with allow_insecure_http(true)",
                authority.host()
            )));
        }

        let auth_header = match &self.api_key {
            Some(key) => {
                let mut value =
                    HeaderValue::try_from(format!("Bearer {}", key.expose())).map_err(|_| {
                        Error::invalid("API key contains characters not allowed in a header")
                    })?;
                value.set_sensitive(true);
                Some(value)
            }
            None => None,
        };

        let mut default_headers = HeaderMap::new();
        for (name, value) in self.headers {
            let header_name = HeaderName::try_from(name.as_str())
                .map_err(|_| Error::invalid(format!("invalid header name {name:?}")))?;
            let header_value = HeaderValue::try_from(value)
                .map_err(|_| Error::invalid(format!("invalid value for header {name:?}")))?;
            default_headers.append(header_name, header_value);
        }
        if self.limits.max_event_bytes == 0
            || self.limits.max_response_bytes == 0
            || self.limits.max_concurrent_uploads == 0
        {
            return Err(Error::invalid("size limits must be greater than zero"));
        }

        Ok(Config {
            scheme,
            authority,
            prefix,
            api_key: self.api_key,
            auth_header,
            default_headers,
            limits: self.limits,
            timeouts: self.timeouts,
            retry: self.retry.unwrap_or_default(),
        })
    }
}

/// `localhost`, `127.0.0.0/8` and `::1` count as loopback.
fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    match host.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_trailing_slashes_and_keeps_prefix() {
        let c = Config::builder()
            .base_url("https://proxy.example.com/agntz///")
            .api_key("k")
            .build()
            .unwrap();
        assert_eq!(c.base_url(), "https://proxy.example.com/agntz");
        assert_eq!(
            c.uri("/runs").unwrap().to_string(),
            "https://proxy.example.com/agntz/runs"
        );
    }

    #[test]
    fn key_is_redacted() {
        let c = Config::builder()
            .base_url("https://x.test")
            .api_key("ar_live_secret")
            .build()
            .unwrap();
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("ar_live_secret"), "{dbg}");
        assert!(c.auth_header().unwrap().is_sensitive());
        assert!(!format!("{:?}", c.auth_header().unwrap()).contains("secret"));
    }

    #[test]
    fn refuses_key_over_plain_http_to_remote_host() {
        let err = Config::builder()
            .base_url("http://worker.example.com")
            .api_key("k")
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::InvalidRequest(_)));
        for ok in [
            "http://127.0.0.1:4001",
            "http://localhost:1",
            "http://[::1]:9",
        ] {
            Config::builder().base_url(ok).api_key("k").build().unwrap();
        }
        Config::builder()
            .base_url("http://worker.example.com")
            .api_key("k")
            .allow_insecure_http(true)
            .build()
            .unwrap();
    }

    #[test]
    fn rejects_bad_base_urls() {
        for bad in [
            "",
            "worker.example.com",
            "ftp://x",
            "https://x/?a=1",
            "https://u:p@x",
        ] {
            assert!(
                Config::builder().base_url(bad).build().is_err(),
                "{bad} accepted"
            );
        }
    }
}
