//! The transport against a tiny raw HTTP/1.1 server on 127.0.0.1.

mod common;

use std::time::Duration;

use agntz_proto::ops::{GetHealth, GetRun, Operation, RunAgent};
use agntz_proto::transport::read_body;
use agntz_proto::types::RunRequest;
use agntz_proto::{Config, Error, TimeoutKind, Transport, TransportErrorKind};
use common::*;

use agntz_hyper::HyperTransport as TestTransport;

fn transport() -> TestTransport {
    TestTransport::builder().build().unwrap()
}

fn config(base_url: &str) -> Config {
    Config::builder()
        .base_url(base_url)
        .api_key(API_KEY)
        .build()
        .unwrap()
}

fn local(port: u16) -> Config {
    config(&format!("http://127.0.0.1:{port}"))
}

fn local_with_idle(port: u16, idle: Duration) -> Config {
    Config::builder()
        .base_url(format!("http://127.0.0.1:{port}"))
        .api_key(API_KEY)
        .idle_timeout(idle)
        .build()
        .unwrap()
}

fn transport_kind(err: &Error) -> TransportErrorKind {
    match err {
        Error::Transport(e) => e.kind,
        other => panic!("expected a transport error, got {other:?}"),
    }
}

fn timeout_kind(err: &Error) -> TimeoutKind {
    match err {
        Error::Timeout(e) => e.kind,
        other => panic!("expected a timeout, got {other:?}"),
    }
}

fn assert_no_key(err: &Error) {
    let text = format!("{err} {err:?}");
    assert!(!text.contains(API_KEY), "the API key leaked: {text}");
}

#[tokio::test]
async fn get_round_trip() {
    let (listener, port) = listen().await;
    let server = tokio::spawn(async move {
        let mut stream = accept(&listener).await;
        let request = read_request(&mut stream).await;
        respond_json(
            &mut stream,
            "200 OK",
            r#"{"runId":"a/b","agentId":"x","status":"running"}"#,
        )
        .await;
        request
    });

    let request = GetRun::new("a/b").build(&local(port)).unwrap();
    let response = transport().send(request).await.unwrap();
    assert_eq!(response.status(), 200);
    let (_, mut body) = response.into_parts();
    let bytes = read_body(&mut body, 1 << 20).await.unwrap();
    assert!(bytes.starts_with(br#"{"runId":"a/b""#));

    let request = server.await.unwrap();
    assert_eq!(request.line, "GET /runs/a%2Fb HTTP/1.1");
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {API_KEY}").as_str())
    );
    assert_eq!(
        request.header("host"),
        Some(format!("127.0.0.1:{port}").as_str())
    );
    assert!(request
        .header("user-agent")
        .unwrap()
        .starts_with("agntz-rust/"));
    assert!(request.body.is_empty());
}

#[tokio::test]
async fn post_round_trip() {
    let (listener, port) = listen().await;
    let server = tokio::spawn(async move {
        let mut stream = accept(&listener).await;
        let request = read_request(&mut stream).await;
        respond_json(&mut stream, "200 OK", r#"{"ok":true}"#).await;
        request
    });

    let op = RunAgent::new(RunRequest::new("support-agent").input("Hello"));
    let request = op.build(&local(port)).unwrap();
    let sent_body = request.body().clone();
    let response = transport().send(request).await.unwrap();
    assert_eq!(response.status(), 200);
    let (_, mut body) = response.into_parts();
    assert_eq!(
        read_body(&mut body, 1024).await.unwrap().as_ref(),
        br#"{"ok":true}"#
    );

    let request = server.await.unwrap();
    assert_eq!(request.line, "POST /run HTTP/1.1");
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(
        request.header("content-length"),
        Some(sent_body.len().to_string().as_str())
    );
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {API_KEY}").as_str())
    );
    assert_eq!(request.body, sent_body.as_ref());
}

#[tokio::test]
async fn chunked_body_streams_chunk_by_chunk() {
    let (listener, port) = listen().await;
    let (go_tx, go_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        let mut stream = accept(&listener).await;
        read_request(&mut stream).await;
        start_chunked(&mut stream, "text/event-stream").await;
        write_chunk(&mut stream, "data: one\n\n").await;
        // The second chunk is only sent once the client has seen the first.
        go_rx.await.unwrap();
        write_chunk(&mut stream, "data: two\n\n").await;
        write_chunk(&mut stream, "").await;
    });

    let request = GetRun::new("r").build(&local(port)).unwrap();
    let (_, mut body) = transport().send(request).await.unwrap().into_parts();
    assert_eq!(
        next(&mut body).await.unwrap().unwrap().as_ref(),
        b"data: one\n\n"
    );
    go_tx.send(()).unwrap();
    assert_eq!(
        next(&mut body).await.unwrap().unwrap().as_ref(),
        b"data: two\n\n"
    );
    assert!(next(&mut body).await.is_none());
    server.await.unwrap();
}

#[tokio::test]
async fn idle_timeout_between_chunks() {
    let (listener, port) = listen().await;
    let server = tokio::spawn(async move {
        let mut stream = accept(&listener).await;
        read_request(&mut stream).await;
        start_chunked(&mut stream, "text/event-stream").await;
        write_chunk(&mut stream, "data: one\n\n").await;
        // Stall; the client gives up and closes the connection.
        wait_for_close(&mut stream).await;
    });

    let config = local_with_idle(port, Duration::from_millis(300));
    let request = GetRun::new("r").build(&config).unwrap();
    let (_, mut body) = transport().send(request).await.unwrap().into_parts();
    assert_eq!(
        next(&mut body).await.unwrap().unwrap().as_ref(),
        b"data: one\n\n"
    );
    let err = next(&mut body).await.unwrap().unwrap_err();
    assert_eq!(timeout_kind(&err), TimeoutKind::Idle);
    assert!(
        next(&mut body).await.is_none(),
        "the body ends after a timeout"
    );
    server.await.unwrap();
}

#[tokio::test]
async fn idle_timeout_before_head() {
    let (listener, port) = listen().await;
    let server = tokio::spawn(async move {
        let mut stream = accept(&listener).await;
        read_request(&mut stream).await;
        wait_for_close(&mut stream).await;
    });

    let config = local_with_idle(port, Duration::from_millis(300));
    let request = GetRun::new("r").build(&config).unwrap();
    let err = transport().send(request).await.unwrap_err();
    assert_eq!(timeout_kind(&err), TimeoutKind::Idle);
    server.await.unwrap();
}

#[tokio::test]
async fn connection_refused_is_connect() {
    let (listener, port) = listen().await;
    drop(listener);
    let request = GetRun::new("r").build(&local(port)).unwrap();
    let err = transport().send(request).await.unwrap_err();
    assert_eq!(transport_kind(&err), TransportErrorKind::Connect);
    assert_no_key(&err);
}

#[tokio::test]
async fn close_before_head_is_request() {
    let (listener, port) = listen().await;
    let server = tokio::spawn(async move {
        let mut stream = accept(&listener).await;
        read_request(&mut stream).await;
        drop(stream);
    });

    let request = GetRun::new("r").build(&local(port)).unwrap();
    let err = transport().send(request).await.unwrap_err();
    assert_eq!(transport_kind(&err), TransportErrorKind::Request);
    assert_no_key(&err);
    server.await.unwrap();
}

#[tokio::test]
async fn redirect_to_another_host_is_not_followed() {
    // The other host: nobody may connect to it.
    let other = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    other.set_nonblocking(true).unwrap();
    let other_port = other.local_addr().unwrap().port();

    let (listener, port) = listen().await;
    let server = tokio::spawn(async move {
        let mut stream = accept(&listener).await;
        read_request(&mut stream).await;
        let response = format!(
            "HTTP/1.1 302 Found\r\nlocation: http://localhost:{other_port}/stolen\r\ncontent-length: 0\r\n\r\n"
        );
        tokio::io::AsyncWriteExt::write_all(&mut stream, response.as_bytes())
            .await
            .unwrap();
    });

    let request = GetRun::new("r").build(&local(port)).unwrap();
    let response = transport().send(request).await.unwrap();
    assert_eq!(response.status(), 302);
    server.await.unwrap();
    let refused = other.accept().unwrap_err();
    assert_eq!(refused.kind(), std::io::ErrorKind::WouldBlock);
}

#[tokio::test]
async fn dropping_the_body_closes_the_connection() {
    let (listener, port) = listen().await;
    let (seen_tx, seen_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        let mut stream = accept(&listener).await;
        read_request(&mut stream).await;
        start_chunked(&mut stream, "text/event-stream").await;
        write_chunk(&mut stream, "data: one\n\n").await;
        seen_rx.await.unwrap();
        wait_for_close(&mut stream).await;
    });

    let request = GetRun::new("r").build(&local(port)).unwrap();
    let transport = transport();
    let (_, mut body) = transport.send(request).await.unwrap().into_parts();
    assert_eq!(
        next(&mut body).await.unwrap().unwrap().as_ref(),
        b"data: one\n\n"
    );
    drop(body);
    seen_tx.send(()).unwrap();
    // The server sees EOF although the transport (and its pool) lives on.
    server.await.unwrap();
    drop(transport);
}

#[tokio::test]
async fn health_end_to_end() {
    let (listener, port) = listen().await;
    let server = tokio::spawn(async move {
        let mut stream = accept(&listener).await;
        let request = read_request(&mut stream).await;
        respond_json(
            &mut stream,
            "200 OK",
            r#"{"status":"ok","service":"agntz-worker"}"#,
        )
        .await;
        request
    });

    let client = agntz_proto::Client::new(local(port), transport());
    let health = client.health().await.unwrap();
    assert!(health.is_ok());
    assert_eq!(health.service, "agntz-worker");
    let request = server.await.unwrap();
    assert_eq!(request.line, "GET /health HTTP/1.1");
    assert_eq!(request.header("authorization"), None);
}

async fn tls_server(acceptor: tokio_rustls::TlsAcceptor) -> (u16, tokio::task::JoinHandle<()>) {
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

#[tokio::test]
async fn https_with_a_trusted_private_root() {
    let (pem, acceptor) = self_signed();
    let (port, server) = tls_server(acceptor).await;
    let transport = TestTransport::builder()
        .add_root_certificate_pem(pem.as_bytes())
        .unwrap()
        .build()
        .unwrap();
    let client = agntz_proto::Client::new(config(&format!("https://127.0.0.1:{port}")), transport);
    let health = client.health().await.unwrap();
    assert!(health.is_ok());
    server.await.unwrap();
}

#[tokio::test]
async fn https_with_an_untrusted_certificate_is_connect() {
    let (_pem, acceptor) = self_signed();
    let (port, server) = tls_server(acceptor).await;
    let request = GetHealth::new()
        .build(&config(&format!("https://127.0.0.1:{port}")))
        .unwrap();
    let err = transport().send(request).await.unwrap_err();
    assert_eq!(transport_kind(&err), TransportErrorKind::Connect);
    assert_no_key(&err);
    server.await.unwrap();
}

#[tokio::test]
async fn stalled_tls_handshake_is_a_connect_timeout() {
    let (listener, port) = listen().await;
    let server = tokio::spawn(async move {
        let mut stream = accept(&listener).await;
        // Accept TCP, never answer the ClientHello.
        wait_for_close(&mut stream).await;
    });

    let config = Config::builder()
        .base_url(format!("https://127.0.0.1:{port}"))
        .api_key(API_KEY)
        .connect_timeout(Duration::from_millis(300))
        .idle_timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let transport = TestTransport::builder()
        .connect_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let request = GetRun::new("r").build(&config).unwrap();
    let err = transport.send(request).await.unwrap_err();
    assert_eq!(timeout_kind(&err), TimeoutKind::Connect);
    server.await.unwrap();
}

#[tokio::test]
async fn transport_is_cheap_to_clone_and_debug_prints() {
    let transport = transport();
    let clone = transport.clone();
    let text = format!("{clone:?}");
    assert!(text.contains("Transport"), "{text}");
    let j = transport.jitter();
    assert!((0.0..1.0).contains(&j));
}

#[tokio::test]
async fn transport_default_idle_applies_without_timeouts_extension() {
    let (listener, port) = listen().await;
    let server = tokio::spawn(async move {
        let mut stream = accept(&listener).await;
        read_request(&mut stream).await;
        wait_for_close(&mut stream).await;
    });

    let request = http::Request::get(format!("http://127.0.0.1:{port}/health"))
        .body(bytes::Bytes::new())
        .unwrap();
    let transport = TestTransport::builder()
        .idle_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let err = transport.send(request).await.unwrap_err();
    assert_eq!(timeout_kind(&err), TimeoutKind::Idle);
    server.await.unwrap();
}

#[test]
fn invalid_root_pem_is_rejected() {
    assert!(TestTransport::builder()
        .add_root_certificate_pem(b"not a certificate")
        .is_err());
}

#[tokio::test]
async fn request_connect_timeout_overrides_the_transport_default() {
    let (listener, port) = listen().await;
    let server = tokio::spawn(async move {
        let mut stream = accept(&listener).await;
        wait_for_close(&mut stream).await;
    });

    // The transport's default would wait a minute; the request says 300 ms.
    let transport = TestTransport::builder()
        .connect_timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let config = Config::builder()
        .base_url(format!("https://127.0.0.1:{port}"))
        .api_key(API_KEY)
        .connect_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let request = GetRun::new("r").build(&config).unwrap();
    let err = transport.send(request).await.unwrap_err();
    match err {
        Error::Timeout(e) => {
            assert_eq!(e.kind, TimeoutKind::Connect);
            assert_eq!(e.after, Duration::from_millis(300));
        }
        other => panic!("expected a connect timeout, got {other:?}"),
    }
    server.await.unwrap();
}

#[tokio::test]
async fn from_client_accepts_a_custom_connector() {
    use hyper_util::client::legacy::connect::HttpConnector;
    use hyper_util::rt::TokioExecutor;

    let (listener, port) = listen().await;
    let server = tokio::spawn(async move {
        let mut stream = accept(&listener).await;
        read_request(&mut stream).await;
        respond_json(&mut stream, "200 OK", r#"{"status":"ok","service":"w"}"#).await;
    });

    let connector = agntz_hyper::ConnectTimeout::new(HttpConnector::new(), Duration::from_secs(5));
    let hyper_client =
        hyper_util::client::legacy::Client::builder(TokioExecutor::new()).build(connector);
    let transport = TestTransport::from_client(hyper_client);
    let client = agntz_proto::Client::new(local(port), transport);
    assert!(client.health().await.unwrap().is_ok());
    server.await.unwrap();
}
