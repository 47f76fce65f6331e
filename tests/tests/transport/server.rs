//! Tiny raw-bytes HTTP/1.1 (and TLS) servers on 127.0.0.1 for the
//! transport suite: each test scripts the wire exactly.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::rustls;

pub const API_KEY: &str = "ar_live_secret_test_key";

/// An upper bound for waits that must end; never asserted as a duration.
pub const BOUND: Duration = Duration::from_secs(20);

pub async fn listen() -> (TcpListener, u16) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    (listener, port)
}

pub async fn accept(listener: &TcpListener) -> TcpStream {
    let (stream, _) = tokio::time::timeout(BOUND, listener.accept())
        .await
        .expect("no connection arrived")
        .unwrap();
    stream
}

/// One request as it arrived on the wire.
#[derive(Debug)]
pub struct RawRequest {
    pub line: String,
    /// Lower-cased names.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Reads one request (head and a `content-length` body).
pub async fn read_request<S: AsyncRead + Unpin>(stream: &mut S) -> RawRequest {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = tokio::time::timeout(BOUND, stream.read(&mut chunk))
            .await
            .expect("request head did not arrive")
            .unwrap();
        assert!(n > 0, "connection closed before the request head");
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8(buf[..head_end].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let line = lines.next().unwrap().to_owned();
    let headers: Vec<(String, String)> = lines
        .map(|l| {
            let (n, v) = l.split_once(':').unwrap();
            (n.trim().to_ascii_lowercase(), v.trim().to_owned())
        })
        .collect();
    let mut body = buf[head_end + 4..].to_vec();
    let len: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .map_or(0, |(_, v)| v.parse().unwrap());
    while body.len() < len {
        let n = tokio::time::timeout(BOUND, stream.read(&mut chunk))
            .await
            .expect("request body did not arrive")
            .unwrap();
        assert!(n > 0, "connection closed in the request body");
        body.extend_from_slice(&chunk[..n]);
    }
    RawRequest {
        line,
        headers,
        body,
    }
}

/// Writes a complete response with a JSON body.
pub async fn respond_json<S: AsyncWrite + Unpin>(stream: &mut S, status: &str, body: &str) {
    let response = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).await.unwrap();
    stream.flush().await.unwrap();
}

/// Writes the head of a chunked response.
pub async fn start_chunked<S: AsyncWrite + Unpin>(stream: &mut S, content_type: &str) {
    let head = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: {content_type}\r\ntransfer-encoding: chunked\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.flush().await.unwrap();
}

/// Writes one chunk of a chunked body (`""` ends the body).
pub async fn write_chunk<S: AsyncWrite + Unpin>(stream: &mut S, data: &str) {
    let chunk = format!("{:x}\r\n{data}\r\n", data.len());
    stream.write_all(chunk.as_bytes()).await.unwrap();
    stream.flush().await.unwrap();
}

/// Waits until the peer closes the connection (EOF or a reset), discarding
/// anything it sends. Panics if that does not happen within the bound.
pub async fn wait_for_close<S: AsyncRead + Unpin>(stream: &mut S) {
    let mut chunk = [0u8; 1024];
    tokio::time::timeout(BOUND, async {
        loop {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await
    .expect("the client did not close the connection");
}

/// A self-signed certificate for 127.0.0.1 and localhost: (PEM, TLS acceptor).
pub fn self_signed() -> (String, tokio_rustls::TlsAcceptor) {
    let certified =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .unwrap();
    let cert = certified.cert.der().clone();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(certified.signing_key.serialize_der().into());
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .unwrap();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    (
        certified.cert.pem(),
        tokio_rustls::TlsAcceptor::from(Arc::new(config)),
    )
}

/// A TLS server that answers one `/health` request, or gives up quietly
/// when the handshake fails.
pub async fn tls_server(acceptor: tokio_rustls::TlsAcceptor) -> (u16, tokio::task::JoinHandle<()>) {
    let (listener, port) = listen().await;
    let server = tokio::spawn(async move {
        let stream = accept(&listener).await;
        let Ok(mut tls) = acceptor.accept(stream).await else {
            return;
        };
        read_request(&mut tls).await;
        respond_json(
            &mut tls,
            "200 OK",
            r#"{"status":"ok","service":"agntz-worker"}"#,
        )
        .await;
    });
    (port, server)
}
