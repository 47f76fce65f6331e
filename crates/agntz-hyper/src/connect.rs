//! A connector wrapper that bounds connection establishment (TCP and TLS).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use agntz_proto::BoxError;
use http::Uri;
use tower_service::Service;

tokio::task_local! {
    /// The connect timeout of the request being sent, set by
    /// [`HyperTransport::send`](crate::HyperTransport) around the client's
    /// future (which creates new connections from within that future).
    static REQUEST_CONNECT_TIMEOUT: Duration;
}

/// Runs `future` with `timeout` as the connect timeout of any connection it
/// opens through a [`ConnectTimeout`] connector.
pub(crate) async fn with_connect_timeout<F: Future>(timeout: Duration, future: F) -> F::Output {
    REQUEST_CONNECT_TIMEOUT.scope(timeout, future).await
}

/// Wraps a connector (a `tower_service::Service<Uri>`, such as
/// `hyper_rustls::HttpsConnector`) and fails a connection attempt that takes
/// longer than the connect timeout, TCP connect and TLS handshake together.
///
/// The timeout is the one of the request that caused the connection
/// ([`agntz_proto::Timeouts::connect`]), or the wrapper's default for
/// connections opened otherwise. Use it to bring the transport's connect
/// timeout to a custom connector passed to
/// [`HyperTransport::from_client`](crate::HyperTransport::from_client).
#[derive(Clone)]
pub struct ConnectTimeout<C> {
    inner: C,
    default: Duration,
}

impl<C> ConnectTimeout<C> {
    /// Wraps `inner`; `default` applies when no request timeout is known.
    pub fn new(inner: C, default: Duration) -> Self {
        ConnectTimeout { inner, default }
    }

    /// The wrapped connector.
    pub fn inner(&self) -> &C {
        &self.inner
    }
}

impl<C: fmt::Debug> fmt::Debug for ConnectTimeout<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectTimeout")
            .field("inner", &self.inner)
            .field("default", &self.default)
            .finish()
    }
}

impl<C> Service<Uri> for ConnectTimeout<C>
where
    C: Service<Uri>,
    C::Error: Into<BoxError>,
    C::Future: Send + 'static,
    C::Response: Send + 'static,
{
    type Response = C::Response;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<C::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        let timeout = REQUEST_CONNECT_TIMEOUT
            .try_with(|t| *t)
            .unwrap_or(self.default);
        let connecting = self.inner.call(dst);
        Box::pin(async move {
            match tokio::time::timeout(timeout, connecting).await {
                Ok(result) => result.map_err(Into::into),
                Err(_) => Err(Box::new(ConnectTimedOut(timeout)) as BoxError),
            }
        })
    }
}

/// The error of a connection attempt that exceeded its timeout.
#[derive(Debug)]
pub(crate) struct ConnectTimedOut(pub(crate) Duration);

impl fmt::Display for ConnectTimedOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "connecting timed out after {:?}", self.0)
    }
}

impl std::error::Error for ConnectTimedOut {}
