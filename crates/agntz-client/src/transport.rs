//! Transports: the [`Transport`] trait and the implementations this crate
//! ships.
//!
//! [`ReqwestTransport`] is the default. [`HyperTransport`] (feature `hyper`)
//! speaks raw hyper 1.x and ignores proxy environment variables. Implement
//! [`Transport`] to bring your own HTTP stack and pass it to
//! [`AgntzClientBuilder::build_with`](crate::AgntzClientBuilder::build_with).
//!
//! The module is named `transport` rather than after the HTTP crates so it
//! never shadows `reqwest` or `hyper` in user code.

pub use agntz_proto::transport::{read_body, FullBody, Transport, WholeBody};
pub use agntz_reqwest::{ReqwestTransport, ReqwestTransportBuilder};

#[cfg(feature = "hyper")]
#[cfg_attr(docsrs, doc(cfg(feature = "hyper")))]
pub use agntz_hyper::{HyperTransport, HyperTransportBuilder};
