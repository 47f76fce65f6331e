//! Building a blocking client: the async builder's settings, then a
//! runtime of the client's own.

use std::sync::Arc;
use std::time::Duration;

use agntz_proto::error::Error;
use agntz_proto::retry::RetryPolicy;
use agntz_proto::transport::Transport;

use super::runtime::BlockingRuntime;
use super::AgntzClient;

/// Builds a blocking [`AgntzClient`] over reqwest
/// ([`build`](Self::build)), hyper ([`build_hyper`](Self::build_hyper),
/// feature `hyper`) or a transport of your own
/// ([`build_with`](Self::build_with)). The settings are those of
/// [`crate::AgntzClientBuilder`] (and an async builder converts into this
/// one with `From`).
#[derive(Debug, Default)]
pub struct AgntzClientBuilder {
    inner: crate::AgntzClientBuilder,
}

/// Forwards a setter to the async builder.
macro_rules! settings {
    ($($(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),*);)*) => {
        $(
            $(#[$doc])*
            pub fn $name(self, $($arg: $ty),*) -> Self {
                AgntzClientBuilder { inner: self.inner.$name($($arg),*) }
            }
        )*
    };
}

impl AgntzClientBuilder {
    /// A builder with defaults.
    pub fn new() -> Self {
        Self::default()
    }

    settings! {
        /// The API key (`ar_live_...`), sent as `Authorization: Bearer <key>`.
        fn api_key(key: impl Into<String>);
        /// The worker's base URL (default `https://api.agntz.co`). A path
        /// prefix is kept; trailing slashes are stripped.
        fn base_url(url: impl Into<String>);
        /// An extra header sent on every request.
        fn header(name: impl Into<String>, value: impl Into<String>);
        /// Connect timeout (default 10 s).
        fn connect_timeout(timeout: Duration);
        /// Longest silence while waiting for a response or between stream
        /// chunks (default 5 minutes; the worker sends no heartbeats).
        fn idle_timeout(timeout: Duration);
        /// Overall deadline of each non-streaming call, retries included.
        fn deadline(deadline: Duration);
        /// Retry policy (default: 2 retries where safe; `RetryPolicy::none()`
        /// turns retries off).
        fn retry_policy(policy: RetryPolicy);
        /// Largest JSON response read into memory (default 64 MiB).
        fn max_response_bytes(bytes: usize);
        /// Largest single SSE event (default 16 MiB).
        fn max_event_bytes(bytes: usize);
        /// Allow sending the key over plain `http://` to a non-loopback host.
        fn allow_insecure_http(allow: bool);
        /// Trusts an extra root certificate (PEM), e.g. for a self-hosted
        /// worker behind a private CA.
        fn add_root_certificate_pem(pem: impl Into<Vec<u8>>);
        /// Uses a pre-built reqwest client (shared pool, proxies). Its own
        /// TLS, redirect and timeout settings apply; the idle timeout still
        /// does.
        fn reqwest_client(client: agntz_reqwest::reqwest::Client);
    }

    /// Reads `AGNTZ_API_KEY` (required) and the base URL from
    /// `AGNTZ_BASE_URL`, else `AGNTZ_API_URL`; see
    /// [`crate::AgntzClientBuilder::from_env`].
    pub fn from_env(self) -> Result<Self, Error> {
        Ok(AgntzClientBuilder {
            inner: self.inner.from_env()?,
        })
    }

    /// Builds the reqwest-backed client.
    pub fn build(self) -> Result<AgntzClient, Error> {
        self.build_by(crate::AgntzClientBuilder::build)
    }

    /// Builds a client over a transport of your own, as
    /// [`crate::AgntzClientBuilder::build_with`]. The transport is used
    /// from this client's runtime (a tokio runtime), so a transport built
    /// on tokio works as it does in async code.
    pub fn build_with<T: Transport>(self, transport: T) -> Result<AgntzClient<T>, Error> {
        self.build_by(|builder| builder.build_with(transport))
    }

    /// Builds a client over the raw hyper 1.x transport (feature `hyper`).
    #[cfg(feature = "hyper")]
    #[cfg_attr(docsrs, doc(cfg(feature = "hyper")))]
    pub fn build_hyper(self) -> Result<AgntzClient<agntz_hyper::HyperTransport>, Error> {
        self.build_by(crate::AgntzClientBuilder::build_hyper)
    }

    /// Starts the runtime, then builds the async client inside its context
    /// (so a transport that looks for a runtime when built finds this one).
    fn build_by<T: Transport>(
        self,
        build: impl FnOnce(crate::AgntzClientBuilder) -> Result<crate::AgntzClient<T>, Error>,
    ) -> Result<AgntzClient<T>, Error> {
        let runtime = Arc::new(BlockingRuntime::start()?);
        let inner = {
            let _context = runtime.enter();
            build(self.inner)?
        };
        Ok(AgntzClient::from_parts(inner, runtime))
    }
}

impl From<crate::AgntzClientBuilder> for AgntzClientBuilder {
    fn from(inner: crate::AgntzClientBuilder) -> Self {
        AgntzClientBuilder { inner }
    }
}
