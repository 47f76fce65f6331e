//! Tests of this transport's own API. The behaviour shared with the other
//! transports (timeouts, errors, redirects, TLS) is tested once for all of
//! them by the `transport` suite of the conformance package.

use std::time::Duration;

use agntz_hyper::HyperTransport;
use agntz_proto::ops::{GetRun, Operation};
use agntz_proto::{Config, Error, TimeoutKind, Transport};
use agntz_testkit::TestWorker;
use tokio::io::AsyncReadExt;

/// An upper bound for waits that must end; never asserted as a duration.
const BOUND: Duration = Duration::from_secs(20);

#[tokio::test]
async fn request_connect_timeout_overrides_the_transport_default() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        // Accept TCP, never answer the ClientHello; wait for the client to
        // give up and close the connection.
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut chunk = [0u8; 1024];
        while matches!(stream.read(&mut chunk).await, Ok(n) if n > 0) {}
    });

    // The transport's default would wait a minute; the request says 300 ms.
    let transport = HyperTransport::builder()
        .connect_timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let config = Config::builder()
        .base_url(format!("https://127.0.0.1:{port}"))
        .api_key("ar_live_secret_test_key")
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
    tokio::time::timeout(BOUND, server)
        .await
        .expect("the client did not close the connection")
        .unwrap();
}

#[tokio::test]
async fn from_client_accepts_a_custom_connector() {
    use hyper_util::client::legacy::connect::HttpConnector;
    use hyper_util::rt::TokioExecutor;

    let worker = TestWorker::start().await.unwrap();
    let config = Config::builder()
        .base_url(worker.base_url())
        .api_key(worker.api_key())
        .build()
        .unwrap();

    let connector = agntz_hyper::ConnectTimeout::new(HttpConnector::new(), Duration::from_secs(5));
    let hyper_client =
        hyper_util::client::legacy::Client::builder(TokioExecutor::new()).build(connector);
    let transport = HyperTransport::from_client(hyper_client);
    let client = agntz_proto::Client::new(config, transport);
    assert!(client.health().await.unwrap().is_ok());
    assert_eq!(worker.requests().len(), 1);
}

/// The future of `send` is part of every caller's future, which lives as
/// long as the stream it opened: it must stay small (the driven path is
/// boxed). It measured 376 bytes; a driven path held inline made it 14 KiB.
#[tokio::test]
async fn the_send_future_stays_small() {
    let transport = HyperTransport::new();
    let request = http::Request::get("http://127.0.0.1:9/")
        .header("accept", "text/event-stream")
        .body(bytes::Bytes::new())
        .unwrap();
    let sending = transport.send(request);
    let size = std::mem::size_of_val(&sending);
    assert!(size <= 512, "the send future is {size} bytes");
}

/// A call's future is moved whole where it is made and written into its
/// caller's, and 64 concurrent callers keep 64 of them: its size costs
/// cache misses on every call (the 64-caller `agents().run` row of
/// BENCHMARKS.md). It measured 1568 bytes; 3440 when the call path kept
/// its request and its futures twice.
#[tokio::test]
async fn a_call_future_stays_small() {
    let config = Config::builder()
        .base_url("http://127.0.0.1:9")
        .api_key("ar_test_key")
        .build()
        .unwrap();
    let client = agntz_proto::Client::new(config, HyperTransport::new());
    let agents = client.agents();
    let running = agents.run(agntz_proto::types::RunRequest::new("agent"));
    let size = std::mem::size_of_val(&running);
    assert!(size <= 2048, "the agents().run future is {size} bytes");
}
