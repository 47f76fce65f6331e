//! Self-signed TLS for `https://localhost:PORT` (also valid for 127.0.0.1).

use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A generated certificate and the acceptor serving it.
pub(crate) struct Tls {
    pub acceptor: tokio_rustls::TlsAcceptor,
    pub cert_pem: String,
}

fn io_err(e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

/// Generates a fresh self-signed certificate for `localhost` and `127.0.0.1`;
/// ALPN offers `h2` first when `http2` is set.
pub(crate) fn generate(http2: bool) -> std::io::Result<Tls> {
    let ck =
        rcgen::generate_simple_self_signed(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .map_err(io_err)?;
    let cert_pem = ck.cert.pem();
    let cert_der: CertificateDer<'static> = ck.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(ck.signing_key.serialize_der()));
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(io_err)?
    .with_no_client_auth()
    .with_single_cert(vec![cert_der], key)
    .map_err(io_err)?;
    config.alpn_protocols = if http2 {
        vec![b"h2".to_vec(), b"http/1.1".to_vec()]
    } else {
        vec![b"http/1.1".to_vec()]
    };
    Ok(Tls {
        acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)),
        cert_pem,
    })
}
