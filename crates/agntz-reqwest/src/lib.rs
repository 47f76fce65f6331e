//! [`Transport`] for the Agntz worker API over [reqwest] (rustls, HTTP/1.1
//! and HTTP/2).
//!
//! All protocol logic lives in [`agntz_proto`] (re-exported here); this crate
//! only moves bytes: it sends the `http::Request<Bytes>` the core builds,
//! applies the idle-read timeout while waiting for the response head and
//! between body chunks, and maps reqwest's failures onto
//! [`agntz_proto::Error`].
//!
//! ```no_run
//! use agntz_reqwest::agntz_proto::Config;
//! use agntz_reqwest::{Client, ReqwestTransport};
//!
//! # async fn demo() -> Result<(), agntz_reqwest::agntz_proto::Error> {
//! let config = Config::builder()
//!     .base_url("https://api.agntz.co")
//!     .api_key("ar_live_example")
//!     .build()?;
//! let client = Client::new(config, ReqwestTransport::new());
//! let health = client.health().await?;
//! assert!(health.is_ok());
//! # Ok(())
//! # }
//! ```
//!
//! # Behaviour
//!
//! - **Redirects are never followed**: a `3xx` answer is returned as it is,
//!   so the `Authorization` header can never travel to another host. (The
//!   worker never redirects.)
//! - **Timeouts**: the [`Timeouts`] the core attaches to each request decide
//!   the idle timeout (the transport's own default applies to requests
//!   without them). The connect timeout is a setting of the reqwest client
//!   and so of the transport ([`ReqwestTransportBuilder::connect_timeout`]);
//!   reqwest cannot change it per request. The overall deadline is applied
//!   by the core.
//! - The idle timer starts when the request is sent, so on a fresh connection
//!   it also covers connecting. A body that stays silent longer than the idle
//!   timeout yields `Err(Error::Timeout(..))` of kind `Idle`, then ends. One
//!   timer serves the whole exchange; chunks only move its deadline.
//! - **Trust**: certificates are verified against the operating system's
//!   roots (via `rustls-platform-verifier`), plus any added with
//!   [`ReqwestTransportBuilder::add_root_certificate_pem`].
//! - **Proxies**: reqwest's defaults apply (the `HTTP_PROXY`/`HTTPS_PROXY`/
//!   `NO_PROXY` environment variables are honoured). Use
//!   [`ReqwestTransport::from_client`] for other proxy settings.
//! - **Cancellation**: dropping a [`ReqwestBody`] closes its HTTP/1.1
//!   connection (or resets its HTTP/2 stream); the worker cancels a
//!   `/run/stream` run when that happens.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod error;

use std::fmt;
use std::future::Future;
use std::path::Path;
use std::time::Duration;

use agntz_proto::uploads::FileBuffer;
use agntz_tokio::{BuilderSettings, IdleTimer};
use bytes::Bytes;

pub use agntz_proto;
use agntz_proto::{Error, Timeouts, Transport};
/// The reqwest crate this transport is built on (to build a compatible client).
pub use reqwest;

/// The body of a response sent by [`ReqwestTransport`]: reqwest's body
/// behind the idle-read timer (see [`agntz_tokio::IdleBody`]).
///
/// When no chunk arrives for longer than the idle timeout, the stream yields
/// one `Err(Error::Timeout(..))` of kind `Idle` and then ends. Dropping the
/// body early closes the connection (HTTP/1.1) or cancels the stream
/// (HTTP/2), which is how the worker learns that a run's client left.
pub type ReqwestBody = agntz_tokio::IdleBody<reqwest::Body>;

/// An Agntz client over reqwest.
pub type Client = agntz_proto::Client<ReqwestTransport>;

/// Sends the core's requests with a [`reqwest::Client`].
///
/// Cheap to clone: clones share the connection pool.
#[derive(Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
    /// The connect timeout configured on `client`, when we built it.
    connect_timeout: Option<Duration>,
    /// Idle timeout for requests that carry no [`Timeouts`].
    idle_timeout: Duration,
}

impl ReqwestTransport {
    /// A transport with the default settings: rustls with the system's
    /// roots, no redirects, 10 s connect timeout, TCP nodelay, HTTP/1.1 and
    /// HTTP/2 (negotiated with ALPN).
    ///
    /// # Panics
    ///
    /// When the TLS backend cannot be initialized (for example no root
    /// certificates are installed on the system), like
    /// `reqwest::Client::new`. Use [`ReqwestTransport::builder`] to handle
    /// that as an error.
    pub fn new() -> Self {
        Self::builder()
            .build()
            .expect("agntz-reqwest: cannot build the default reqwest client")
    }

    /// A builder for a transport with custom settings.
    pub fn builder() -> ReqwestTransportBuilder {
        ReqwestTransportBuilder::default()
    }

    /// A transport over a pre-built client (to share its pool, proxies, or
    /// TLS settings).
    ///
    /// The client's redirect policy and timeouts are the caller's
    /// responsibility: configure it with `redirect::Policy::none()` (a
    /// client that follows redirects may carry the `Authorization` header to
    /// wherever the redirect points, within reqwest's own rules) and with a
    /// connect timeout. The idle timeout of this transport still applies.
    pub fn from_client(client: reqwest::Client) -> Self {
        ReqwestTransport {
            client,
            connect_timeout: None,
            idle_timeout: Timeouts::default().idle,
        }
    }

    /// The underlying reqwest client.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }
}

impl Default for ReqwestTransport {
    /// Same as [`ReqwestTransport::new`].
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for ReqwestTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReqwestTransport")
            .field("connect_timeout", &self.connect_timeout)
            .field("idle_timeout", &self.idle_timeout)
            .finish_non_exhaustive()
    }
}

impl Transport for ReqwestTransport {
    type Body = ReqwestBody;

    fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> impl Future<Output = Result<http::Response<ReqwestBody>, Error>> + Send {
        let timeouts = request.extensions().get::<Timeouts>().copied();
        let idle = timeouts.map_or(self.idle_timeout, |t| t.idle);
        // For a user's client we do not know its connect timeout; the
        // request's is the best description of the one that fired.
        let connect_timeout = self
            .connect_timeout
            .or(timeouts.map(|t| t.connect))
            .unwrap_or(Timeouts::default().connect);
        let pending = reqwest::Request::try_from(request).map(|r| self.client.execute(r));

        async move {
            let pending = pending.map_err(|e| error::send_error(e, connect_timeout))?;
            let mut timer = IdleTimer::start(idle);
            let response = timer
                .head(pending)
                .await?
                .map_err(|e| error::send_error(e, connect_timeout))?;
            let (parts, body) = http::Response::<reqwest::Body>::from(response).into_parts();
            Ok(http::Response::from_parts(parts, timer.body(body)))
        }
    }

    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send {
        tokio::time::sleep(duration)
    }

    fn jitter(&self) -> f64 {
        agntz_tokio::jitter()
    }

    fn file_len(&self, path: &Path) -> impl Future<Output = Result<u64, Error>> + Send {
        agntz_tokio::file_len(path)
    }

    fn read_file(
        &self,
        path: &Path,
        buf: FileBuffer,
    ) -> impl Future<Output = Result<FileBuffer, Error>> + Send {
        agntz_tokio::read_file(path, buf)
    }

    fn now(&self) -> Option<std::time::Instant> {
        Some(agntz_tokio::now())
    }
}

/// Builds a [`ReqwestTransport`].
#[derive(Clone, Default)]
pub struct ReqwestTransportBuilder {
    settings: BuilderSettings<reqwest::Certificate>,
}

impl fmt::Debug for ReqwestTransportBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.settings.debug_as("ReqwestTransportBuilder", f)
    }
}

impl ReqwestTransportBuilder {
    /// Timeout for establishing a connection, TCP and TLS (default 10 s).
    /// Applies to every request of the transport.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.settings.connect_timeout = timeout;
        self
    }

    /// Idle-read timeout for requests that carry no [`Timeouts`] extension
    /// (default 5 minutes). Requests built by the core always carry one.
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.settings.idle_timeout = timeout;
        self
    }

    /// Trusts the root certificates in `pem` (one or more PEM
    /// `CERTIFICATE` blocks) in addition to the system's, for example for a
    /// self-hosted worker behind a private CA.
    pub fn add_root_certificate_pem(mut self, pem: &[u8]) -> Result<Self, Error> {
        self.settings
            .add_pem_roots(reqwest::Certificate::from_pem_bundle(pem))?;
        Ok(self)
    }

    /// Builds the transport.
    pub fn build(self) -> Result<ReqwestTransport, Error> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(self.settings.connect_timeout)
            .tcp_nodelay(true)
            .tls_certs_merge(self.settings.roots)
            .build()
            .map_err(|e| Error::InvalidRequest(format!("cannot build the HTTP client: {e}")))?;
        Ok(ReqwestTransport {
            client,
            connect_timeout: Some(self.settings.connect_timeout),
            idle_timeout: self.settings.idle_timeout,
        })
    }
}
