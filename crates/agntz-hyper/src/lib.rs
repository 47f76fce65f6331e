//! [`Transport`] for the Agntz worker API over [hyper] 1.x and rustls
//! (HTTP/1.1 and HTTP/2): event streams over HTTP/1.1 connections that the
//! reader drives itself, everything else through `hyper-util`'s pooling
//! client (see [`HyperTransport`]).
//!
//! All protocol logic lives in [`agntz_proto`] (re-exported here); this crate
//! only moves bytes: it sends the `http::Request<Bytes>` the core builds,
//! applies the connect timeout and the idle-read timeout, and maps hyper's
//! failures onto [`agntz_proto::Error`].
//!
//! ```no_run
//! use agntz_hyper::agntz_proto::Config;
//! use agntz_hyper::{Client, HyperTransport};
//!
//! # async fn demo() -> Result<(), agntz_hyper::agntz_proto::Error> {
//! let config = Config::builder()
//!     .base_url("https://api.agntz.co")
//!     .api_key("ar_live_example")
//!     .build()?;
//! let client = Client::new(config, HyperTransport::new());
//! let health = client.health().await?;
//! assert!(health.is_ok());
//! # Ok(())
//! # }
//! ```
//!
//! # Behaviour
//!
//! - **Redirects are never followed** (hyper has no redirect support): a
//!   `3xx` answer is returned as it is. (The worker never redirects.)
//! - **Timeouts**: the [`Timeouts`] the core attaches to each request decide
//!   the connect timeout (TCP and TLS together, see [`ConnectTimeout`]) and
//!   the idle timeout; the transport's defaults apply to requests without
//!   them. The overall deadline is applied by the core.
//! - The idle timer starts when the request is sent, so on a fresh connection
//!   it also covers connecting. A body that stays silent longer than the idle
//!   timeout yields `Err(Error::Timeout(..))` of kind `Idle`, then ends. One
//!   timer serves the whole exchange; chunks only move its deadline.
//! - **Trust**: certificates are verified against the Mozilla roots bundled
//!   by `webpki-roots` (so it works in minimal containers), plus any added
//!   with [`HyperTransportBuilder::add_root_certificate_pem`].
//! - **Proxies**: none. Proxy environment variables (`HTTPS_PROXY`, ...)
//!   are ignored; use `agntz-reqwest` if you need a proxy.
//! - **Cancellation**: dropping a [`HyperBody`] before its end closes its
//!   HTTP/1.1 connection (an unfinished connection is never pooled) or
//!   resets its HTTP/2 stream; the worker cancels a `/run/stream` run when
//!   that happens.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod body;
mod connect;
mod driven;
mod error;

use std::fmt;
use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use agntz_proto::uploads::FileBuffer;
use agntz_tokio::{BuilderSettings, IdleTimer};
use bytes::Bytes;
use http::uri::Scheme;
use http_body_util::Full;
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::connect::{Connect, HttpConnector};
use hyper_util::rt::{TokioExecutor, TokioTimer};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;

pub use agntz_proto;
use agntz_proto::{Error, Timeouts, Transport, TransportError, TransportErrorKind};
pub use body::ResponseBody;
pub use connect::ConnectTimeout;
use driven::{Driven, Sent};

/// The body of a response sent by [`HyperTransport`]: hyper's body behind
/// the idle-read timer (see [`agntz_tokio::IdleBody`]).
///
/// Over a connection the reader drives itself (an HTTP/1.1 event stream
/// from a transport made by [`HyperTransport::new`] or its builder, see
/// [`HyperTransport`]), the body is never moved into a read-ahead pump: it
/// already reads on the reader's thread.
///
/// When no chunk arrives for longer than the idle timeout, the stream yields
/// one `Err(Error::Timeout(..))` of kind `Idle` and then ends. Dropping the
/// body early closes the connection (HTTP/1.1) or cancels the stream
/// (HTTP/2), which is how the worker learns that a run's client left.
pub type HyperBody = agntz_tokio::IdleBody<ResponseBody>;

/// An Agntz client over hyper.
pub type Client = agntz_proto::Client<HyperTransport>;

/// The connector of [`HyperTransport::new`]: TCP (nodelay), then TLS for
/// `https://` (plain `http://` is allowed too), under a connect timeout.
pub type DefaultConnector = ConnectTimeout<HttpsConnector<HttpConnector>>;

/// The pooling client a [`HyperTransport`] sends with.
pub type HyperClient<C = DefaultConnector> = hyper_util::client::legacy::Client<C, Full<Bytes>>;

/// Sends the core's requests with hyper.
///
/// A transport made by [`HyperTransport::new`] or its builder reads event
/// streams (requests with `Accept: text/event-stream`) over HTTP/1.1
/// connections that the reader drives itself: the request's future and then
/// the response body poll the connection (no task per connection), so the
/// socket is read on the thread that reads the stream and everything
/// already received is taken without a hand-over between threads. On a
/// multi-thread runtime this keeps a stream read in `#[tokio::main]`'s own
/// future (`block_on`) as fast as one read in a task. Idle stream
/// connections wait in the transport's pool for up to 90 s (while any
/// wait, a small task on the runtime closes those left longer, or closed
/// by the server); a request that finds its pooled connection closed
/// before it was written is sent again on a new one. Other requests (whose
/// bodies are read in one go), and streams to origins that negotiate
/// HTTP/2 over TLS, go through `hyper-util`'s pooling client
/// ([`HyperTransport::client`]). A transport made with
/// [`HyperTransport::from_client`] sends everything through the given
/// client.
///
/// Cheap to clone: clones share the connection pools.
pub struct HyperTransport<C = DefaultConnector> {
    client: HyperClient<C>,
    /// The HTTP/1.1 stream sender of transports built here (not `from_client`).
    driven: Option<Arc<Driven>>,
    /// Connect timeout for requests that carry no [`Timeouts`].
    connect_timeout: Duration,
    /// Idle timeout for requests that carry no [`Timeouts`].
    idle_timeout: Duration,
}

impl HyperTransport {
    /// A transport with the default settings: rustls with the bundled
    /// `webpki-roots`, 10 s connect timeout, TCP nodelay, HTTP/1.1 and
    /// HTTP/2 (negotiated with ALPN over TLS; plain `http://` uses HTTP/1.1).
    pub fn new() -> Self {
        Self::builder()
            .build()
            .expect("agntz-hyper: the default TLS configuration is valid")
    }

    /// A builder for a transport with custom settings.
    pub fn builder() -> HyperTransportBuilder {
        HyperTransportBuilder::default()
    }
}

impl Default for HyperTransport {
    /// Same as [`HyperTransport::new`].
    fn default() -> Self {
        Self::new()
    }
}

impl<C> HyperTransport<C> {
    /// A transport over a pre-built client (to share its pool or use a
    /// custom connector).
    ///
    /// The connect timeout applies only if the connector is wrapped in
    /// [`ConnectTimeout`]; the idle timeout of this transport always applies.
    pub fn from_client(client: HyperClient<C>) -> Self {
        let defaults = Timeouts::default();
        HyperTransport {
            client,
            driven: None,
            connect_timeout: defaults.connect,
            idle_timeout: defaults.idle,
        }
    }

    /// The `hyper-util` client: the one given to [`from_client`](Self::from_client),
    /// or the one a built transport sends HTTP/2 with.
    pub fn client(&self) -> &HyperClient<C> {
        &self.client
    }
}

impl<C: Clone> Clone for HyperTransport<C> {
    fn clone(&self) -> Self {
        HyperTransport {
            client: self.client.clone(),
            driven: self.driven.clone(),
            connect_timeout: self.connect_timeout,
            idle_timeout: self.idle_timeout,
        }
    }
}

impl<C> fmt::Debug for HyperTransport<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HyperTransport")
            .field("connect_timeout", &self.connect_timeout)
            .field("idle_timeout", &self.idle_timeout)
            .finish_non_exhaustive()
    }
}

impl<C> Transport for HyperTransport<C>
where
    C: Connect + Clone + Send + Sync + 'static,
{
    type Body = HyperBody;

    fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> impl Future<Output = Result<http::Response<HyperBody>, Error>> + Send {
        let timeouts = request.extensions().get::<Timeouts>().copied();
        let idle = timeouts.map_or(self.idle_timeout, |t| t.idle);
        let connect = timeouts.map_or(self.connect_timeout, |t| t.connect);
        // hyper fails a request without scheme or host only after trying:
        // refuse it here so that it is not mistaken for a sent request.
        let route = check_uri(request.uri()).map(|()| {
            let request = request.map(Full::new);
            // Streams only: a stream's reader takes its chunks one by one
            // and gains from reading the socket itself; a call's body is
            // read in one go, and its connection task costs less (measured
            // with 64 concurrent callers) than the caller driving its
            // connection.
            match &self.driven {
                Some(driven) if is_event_stream(&request) => Route::Driven(Box::pin(send_driven(
                    Arc::clone(driven),
                    self.client.clone(),
                    request,
                    idle,
                    connect,
                ))),
                _ => Route::Pooled(self.client.request(request)),
            }
        });

        async move {
            let pending = match route? {
                Route::Driven(sending) => return sending.await,
                Route::Pooled(pending) => pending,
            };
            // Inline rather than `send_pooled`: this future lives as long as
            // the caller's, so every byte of it counts per open stream.
            let mut timer = IdleTimer::start(idle);
            let response = timer
                .head(connect::with_connect_timeout(connect, pending))
                .await?
                .map_err(error::send_error)?;
            Ok(pooled_response(timer, response))
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

/// How a request goes.
enum Route<F> {
    /// Over a driven HTTP/1.1 connection (boxed: connecting, TLS, the
    /// exchange and a client for HTTP/2 make a large future, and the
    /// caller's future, which holds this one, lives as long as the stream).
    Driven(Pin<Box<dyn Future<Output = Result<http::Response<HyperBody>, Error>> + Send>>),
    /// Through `hyper-util`'s client (its response future).
    Pooled(F),
}

/// Sends an event-stream request over a driven connection, or through
/// `client` when the origin speaks HTTP/2.
async fn send_driven<C>(
    driven: Arc<Driven>,
    client: HyperClient<C>,
    request: http::Request<Full<Bytes>>,
    idle: Duration,
    connect: Duration,
) -> Result<http::Response<HyperBody>, Error>
where
    C: Connect + Clone + Send + Sync + 'static,
{
    let mut timer = IdleTimer::start(idle);
    let sent = connect::with_connect_timeout(connect, driven.send(request));
    match timer.head(sent).await?? {
        Sent::Answered(response) => {
            let (parts, body) = response.into_parts();
            let body = timer.direct_body(ResponseBody::driven(body));
            Ok(http::Response::from_parts(parts, body))
        }
        Sent::Http2(unsent) => send_pooled(timer, connect, client.request(unsent)).await,
    }
}

/// Waits for the head of a request sent through `hyper-util`'s client.
async fn send_pooled(
    mut timer: IdleTimer,
    connect: Duration,
    pending: hyper_util::client::legacy::ResponseFuture,
) -> Result<http::Response<HyperBody>, Error> {
    let response = timer
        .head(connect::with_connect_timeout(connect, pending))
        .await?
        .map_err(error::send_error)?;
    Ok(pooled_response(timer, response))
}

/// A response of `hyper-util`'s client behind the exchange's idle timer.
fn pooled_response(
    timer: IdleTimer,
    response: http::Response<hyper::body::Incoming>,
) -> http::Response<HyperBody> {
    let (parts, body) = response.into_parts();
    http::Response::from_parts(parts, timer.body(ResponseBody::pooled(body)))
}

/// Whether `request` asks for an event stream (`Accept: text/event-stream`,
/// which the core sets on every streaming request).
fn is_event_stream<B>(request: &http::Request<B>) -> bool {
    request
        .headers()
        .get(http::header::ACCEPT)
        .is_some_and(|accept| accept.as_bytes().starts_with(b"text/event-stream"))
}

fn check_uri(uri: &http::Uri) -> Result<(), Error> {
    let scheme_ok = matches!(uri.scheme(), Some(s) if *s == Scheme::HTTP || *s == Scheme::HTTPS);
    if scheme_ok && uri.authority().is_some() {
        Ok(())
    } else {
        Err(Error::Transport(TransportError::new(
            TransportErrorKind::Other,
            "the request URI must be absolute http:// or https://",
        )))
    }
}

/// Builds a [`HyperTransport`].
#[derive(Clone, Default)]
pub struct HyperTransportBuilder {
    settings: BuilderSettings<CertificateDer<'static>>,
}

impl fmt::Debug for HyperTransportBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.settings.debug_as("HyperTransportBuilder", f)
    }
}

impl HyperTransportBuilder {
    /// Connect timeout (TCP and TLS) for requests that carry no
    /// [`Timeouts`] extension (default 10 s). Requests built by the core
    /// always carry one.
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
    /// `CERTIFICATE` blocks) in addition to the bundled roots, for example
    /// for a self-hosted worker behind a private CA.
    pub fn add_root_certificate_pem(mut self, pem: &[u8]) -> Result<Self, Error> {
        let parsed = CertificateDer::pem_slice_iter(pem).collect::<Result<Vec<_>, _>>();
        self.settings.add_pem_roots(parsed)?;
        Ok(self)
    }

    /// Builds the transport.
    pub fn build(self) -> Result<HyperTransport, Error> {
        let mut roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        for cert in self.settings.roots {
            roots
                .add(cert)
                .map_err(|e| Error::InvalidRequest(format!("invalid root certificate: {e}")))?;
        }
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::InvalidRequest(format!("invalid TLS configuration: {e}")))?
            .with_root_certificates(roots)
            .with_no_client_auth();

        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        let https = HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .wrap_connector(http);
        let connector = ConnectTimeout::new(https, self.settings.connect_timeout);
        let driven = Driven::new(connector.clone());
        let client = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .build(connector);
        Ok(HyperTransport {
            client,
            driven: Some(Arc::new(driven)),
            connect_timeout: self.settings.connect_timeout,
            idle_timeout: self.settings.idle_timeout,
        })
    }
}
