//! The transport suite: every transport against tiny raw servers on
//! 127.0.0.1 that script the wire exactly (timeouts, resets, redirects,
//! TLS), below the client.
//!
//! Tests are written once, generic over the transport, in `suite.rs`; the
//! `transports!` macro instantiates each of them as a `#[tokio::test]` per
//! transport. Tests of one transport's own API (`from_client`, hyper's
//! per-request connect timeout) stay in that transport's crate.

mod server;
mod suite;

use std::fmt;
use std::time::Duration;

use agntz_proto::{Error, Transport};

/// What the suite needs of a transport.
pub trait TestTransport: Transport<Body: fmt::Debug> + Clone + fmt::Debug {}

impl<T> TestTransport for T
where
    T: Transport + Clone + fmt::Debug,
    T::Body: fmt::Debug,
{
}

/// Builder settings of a transport under test; `None` keeps its default.
#[derive(Clone, Copy, Default)]
pub struct Settings<'a> {
    /// The transport's connect timeout.
    pub connect_timeout: Option<Duration>,
    /// The transport's idle timeout (for requests without `Timeouts`).
    pub idle_timeout: Option<Duration>,
    /// An extra root certificate (PEM) to trust.
    pub root_pem: Option<&'a [u8]>,
}

/// Builds a transport with its builder.
pub type Make<T> = fn(Settings<'_>) -> Result<T, Error>;

/// `make!(name, Transport)` is a [`Make`] for `Transport` called `name`.
macro_rules! make {
    ($name:ident, $transport:ty) => {
        pub fn $name(settings: crate::Settings<'_>) -> Result<$transport, agntz_proto::Error> {
            let mut builder = <$transport>::builder();
            if let Some(timeout) = settings.connect_timeout {
                builder = builder.connect_timeout(timeout);
            }
            if let Some(timeout) = settings.idle_timeout {
                builder = builder.idle_timeout(timeout);
            }
            if let Some(pem) = settings.root_pem {
                builder = builder.add_root_certificate_pem(pem)?;
            }
            builder.build()
        }
    };
}

mod make {
    make!(reqwest, agntz_reqwest::ReqwestTransport);
    make!(hyper, agntz_hyper::HyperTransport);
}

/// `transports!(test, ...)` makes `reqwest::test` and `hyper::test` tests
/// that run `suite::test` with that transport.
macro_rules! transports {
    ($($test:ident),* $(,)?) => {
        mod reqwest {
            $(
                #[tokio::test]
                async fn $test() {
                    crate::suite::$test(crate::make::reqwest).await;
                }
            )*
        }
        mod hyper {
            $(
                #[tokio::test]
                async fn $test() {
                    crate::suite::$test(crate::make::hyper).await;
                }
            )*
        }
    };
}

transports!(
    get_round_trip,
    post_round_trip,
    chunked_body_streams_chunk_by_chunk,
    idle_timeout_between_chunks,
    idle_timeout_before_head,
    connection_refused_is_connect,
    close_before_head_is_request,
    redirect_to_another_host_is_not_followed,
    dropping_the_body_closes_the_connection,
    health_end_to_end,
    https_with_a_trusted_private_root,
    https_with_an_untrusted_certificate_is_connect,
    stalled_tls_handshake_is_a_connect_timeout,
    transport_is_cheap_to_clone_and_debug_prints,
    transport_default_idle_applies_without_timeouts_extension,
    invalid_root_pem_is_rejected,
);
