//! The transport tests, written once and generic over the transport: each
//! runs against a raw server that scripts the wire exactly (see
//! `server.rs`).

use std::future::poll_fn;
use std::pin::Pin;
use std::time::Duration;

use agntz_proto::ops::{GetHealth, GetRun, Operation, RunAgent};
use agntz_proto::transport::read_body;
use agntz_proto::types::RunRequest;
use agntz_proto::{Config, Error, TimeoutKind, TransportErrorKind};
use bytes::Bytes;
use futures_core::Stream;

use crate::server::*;
use crate::{Make, Settings, TestTransport};

fn transport<T: TestTransport>(make: Make<T>) -> T {
    make(Settings::default()).unwrap()
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

/// The next item of a body stream.
async fn next<B>(body: &mut B) -> Option<Result<Bytes, agntz_proto::Error>>
where
    B: Stream<Item = Result<Bytes, agntz_proto::Error>> + Unpin,
{
    poll_fn(|cx| Pin::new(&mut *body).poll_next(cx)).await
}

pub async fn get_round_trip<T: TestTransport>(make: Make<T>) {
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
    let response = transport(make).send(request).await.unwrap();
    assert_eq!(response.status(), 200);
    let (_, mut body) = response.into_parts();
    let bytes = read_body(&mut body, 1 << 20).await.unwrap().into_bytes();
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

pub async fn post_round_trip<T: TestTransport>(make: Make<T>) {
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
    let response = transport(make).send(request).await.unwrap();
    assert_eq!(response.status(), 200);
    let (_, mut body) = response.into_parts();
    assert_eq!(
        read_body(&mut body, 1024).await.unwrap(),
        br#"{"ok":true}"#[..]
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

pub async fn chunked_body_streams_chunk_by_chunk<T: TestTransport>(make: Make<T>) {
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
    let (_, mut body) = transport(make).send(request).await.unwrap().into_parts();
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

pub async fn idle_timeout_between_chunks<T: TestTransport>(make: Make<T>) {
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
    let (_, mut body) = transport(make).send(request).await.unwrap().into_parts();
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

pub async fn idle_timeout_before_head<T: TestTransport>(make: Make<T>) {
    let (listener, port) = listen().await;
    let server = tokio::spawn(async move {
        let mut stream = accept(&listener).await;
        read_request(&mut stream).await;
        wait_for_close(&mut stream).await;
    });

    let config = local_with_idle(port, Duration::from_millis(300));
    let request = GetRun::new("r").build(&config).unwrap();
    let err = transport(make).send(request).await.unwrap_err();
    assert_eq!(timeout_kind(&err), TimeoutKind::Idle);
    server.await.unwrap();
}

pub async fn connection_refused_is_connect<T: TestTransport>(make: Make<T>) {
    let (listener, port) = listen().await;
    drop(listener);
    let request = GetRun::new("r").build(&local(port)).unwrap();
    let err = transport(make).send(request).await.unwrap_err();
    assert_eq!(transport_kind(&err), TransportErrorKind::Connect);
    assert_no_key(&err);
}

pub async fn close_before_head_is_request<T: TestTransport>(make: Make<T>) {
    let (listener, port) = listen().await;
    let server = tokio::spawn(async move {
        let mut stream = accept(&listener).await;
        read_request(&mut stream).await;
        drop(stream);
    });

    let request = GetRun::new("r").build(&local(port)).unwrap();
    let err = transport(make).send(request).await.unwrap_err();
    assert_eq!(transport_kind(&err), TransportErrorKind::Request);
    assert_no_key(&err);
    server.await.unwrap();
}

pub async fn redirect_to_another_host_is_not_followed<T: TestTransport>(make: Make<T>) {
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
    let response = transport(make).send(request).await.unwrap();
    assert_eq!(response.status(), 302);
    server.await.unwrap();
    let refused = other.accept().unwrap_err();
    assert_eq!(refused.kind(), std::io::ErrorKind::WouldBlock);
}

pub async fn dropping_the_body_closes_the_connection<T: TestTransport>(make: Make<T>) {
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
    let transport = transport(make);
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

pub async fn health_end_to_end<T: TestTransport>(make: Make<T>) {
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

    let client = agntz_proto::Client::new(local(port), transport(make));
    let health = client.health().await.unwrap();
    assert!(health.is_ok());
    assert_eq!(health.service, "agntz-worker");
    let request = server.await.unwrap();
    assert_eq!(request.line, "GET /health HTTP/1.1");
    assert_eq!(request.header("authorization"), None);
}

pub async fn https_with_a_trusted_private_root<T: TestTransport>(make: Make<T>) {
    let (pem, acceptor) = self_signed();
    let (port, server) = tls_server(acceptor).await;
    let transport = make(Settings {
        root_pem: Some(pem.as_bytes()),
        ..Settings::default()
    })
    .unwrap();
    let client = agntz_proto::Client::new(config(&format!("https://127.0.0.1:{port}")), transport);
    let health = client.health().await.unwrap();
    assert!(health.is_ok());
    server.await.unwrap();
}

pub async fn https_with_an_untrusted_certificate_is_connect<T: TestTransport>(make: Make<T>) {
    let (_pem, acceptor) = self_signed();
    let (port, server) = tls_server(acceptor).await;
    let request = GetHealth::new()
        .build(&config(&format!("https://127.0.0.1:{port}")))
        .unwrap();
    let err = transport(make).send(request).await.unwrap_err();
    assert_eq!(transport_kind(&err), TransportErrorKind::Connect);
    assert_no_key(&err);
    server.await.unwrap();
}

pub async fn stalled_tls_handshake_is_a_connect_timeout<T: TestTransport>(make: Make<T>) {
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
    let transport = make(Settings {
        connect_timeout: Some(Duration::from_millis(300)),
        ..Settings::default()
    })
    .unwrap();
    let request = GetRun::new("r").build(&config).unwrap();
    let err = transport.send(request).await.unwrap_err();
    assert_eq!(timeout_kind(&err), TimeoutKind::Connect);
    server.await.unwrap();
}

pub async fn transport_is_cheap_to_clone_and_debug_prints<T: TestTransport>(make: Make<T>) {
    let transport = transport(make);
    let clone = transport.clone();
    let text = format!("{clone:?}");
    assert!(text.contains("Transport"), "{text}");
    let j = transport.jitter();
    assert!((0.0..1.0).contains(&j));
}

pub async fn transport_default_idle_applies_without_timeouts_extension<T: TestTransport>(
    make: Make<T>,
) {
    let (listener, port) = listen().await;
    let server = tokio::spawn(async move {
        let mut stream = accept(&listener).await;
        read_request(&mut stream).await;
        wait_for_close(&mut stream).await;
    });

    let request = http::Request::get(format!("http://127.0.0.1:{port}/health"))
        .body(bytes::Bytes::new())
        .unwrap();
    let transport = make(Settings {
        idle_timeout: Some(Duration::from_millis(300)),
        ..Settings::default()
    })
    .unwrap();
    let err = transport.send(request).await.unwrap_err();
    assert_eq!(timeout_kind(&err), TimeoutKind::Idle);
    server.await.unwrap();
}

pub async fn invalid_root_pem_is_rejected<T: TestTransport>(make: Make<T>) {
    let settings = Settings {
        root_pem: Some(b"not a certificate"),
        ..Settings::default()
    };
    assert!(make(settings).is_err());
}
