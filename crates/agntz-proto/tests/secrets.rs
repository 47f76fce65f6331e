//! The API key never shows up in `Debug` or `Display` output: not of the key,
//! the configuration, the client, a built request, its `Authorization`
//! header, nor of the errors a rejected key produces. And it is not sent over
//! plain HTTP to a remote host unless the caller insists.

use std::future::Future;
use std::pin::pin;
use std::sync::Mutex;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use agntz_proto::config::{ApiKey, Config, ConfigBuilder};
use agntz_proto::ops::*;
use agntz_proto::transport::{FullBody, Transport};
use agntz_proto::types::*;
use agntz_proto::{Client, Error};
use bytes::Bytes;
use http::header::AUTHORIZATION;
use http::{Request, Response};
use serde_json::json;

const SECRET: &str = "ar_live_SECRET_123";

#[track_caller]
fn assert_hidden(what: &str, text: &str) {
    assert!(!text.contains(SECRET), "{what} leaks the key: {text}");
    assert!(
        !text.contains("SECRET_123"),
        "{what} leaks part of the key: {text}"
    );
}

#[track_caller]
fn assert_hidden_debug(what: &str, value: &impl std::fmt::Debug) {
    assert_hidden(what, &format!("{value:?}"));
    assert_hidden(what, &format!("{value:#?}"));
}

#[track_caller]
fn assert_hidden_both(what: &str, value: &(impl std::fmt::Debug + std::fmt::Display)) {
    assert_hidden_debug(what, value);
    assert_hidden(what, &value.to_string());
}

fn builder() -> ConfigBuilder {
    Config::builder()
        .base_url("https://worker.example.com")
        .api_key(SECRET)
}

fn config() -> Config {
    builder().build().unwrap()
}

#[test]
fn api_key() {
    let key = ApiKey::new(SECRET);
    assert_hidden_both("ApiKey", &key);
    assert_eq!(key.expose(), SECRET);
    // A pasted key with a newline is trimmed, and still hidden.
    let key = ApiKey::new(format!("  {SECRET}\n"));
    assert_eq!(key.expose(), SECRET);
    assert_hidden_both("ApiKey", &key);
}

#[test]
fn config_and_builder() {
    assert_hidden_debug("ConfigBuilder", &Config::builder().api_key(SECRET));
    assert_hidden_debug("ConfigBuilder", &builder().header("x-team", "a"));
    let config = config();
    assert_hidden_debug("Config", &config);
    assert_hidden_debug("Config::api_key", &config.api_key());
    assert_eq!(config.api_key().unwrap().expose(), SECRET);
    assert_hidden_debug("Config::clone", &config.clone());
}

fn every_request(config: &Config) -> Vec<(&'static str, Request<Bytes>)> {
    let run = || RunRequest::new("a1").input("hello");
    vec![
        ("GetHealth", GetHealth::new().build(config).unwrap()),
        ("RunAgent", RunAgent::new(run()).build(config).unwrap()),
        (
            "StreamAgent",
            StreamAgent::new(run()).build(config).unwrap(),
        ),
        ("StartRun", StartRun::new(run()).build(config).unwrap()),
        ("GetRun", GetRun::new("r").build(config).unwrap()),
        ("CancelRun", CancelRun::new("r").build(config).unwrap()),
        (
            "ListRuns",
            ListRuns::new(RunFilter::new()).build(config).unwrap(),
        ),
        ("StreamRun", StreamRun::new("r").build(config).unwrap()),
        ("GetTrace", GetTrace::new("t").build(config).unwrap()),
        (
            "ListTraces",
            ListTraces::new(TraceFilter::new()).build(config).unwrap(),
        ),
        ("DeleteTrace", DeleteTrace::new("t").build(config).unwrap()),
        ("StreamTrace", StreamTrace::new("t").build(config).unwrap()),
        (
            "ImportSessions",
            ImportSessions::new(SessionImport::new([SessionSnapshot::new("s")]))
                .build(config)
                .unwrap(),
        ),
        ("ListSessions", ListSessions::new().build(config).unwrap()),
        ("GetSession", GetSession::new("s").build(config).unwrap()),
        (
            "DeleteSession",
            DeleteSession::new("s").build(config).unwrap(),
        ),
        (
            "SubmitToolResult",
            SubmitToolResult::new("r", "c", ToolOutcome::Output(json!(1)))
                .build(config)
                .unwrap(),
        ),
    ]
}

#[test]
fn built_requests_and_the_authorization_header() {
    let config = config();
    let requests = every_request(&config);
    assert_eq!(requests.len(), 17);
    for (name, request) in requests {
        assert_hidden_debug(name, &request);
        assert_hidden_debug(name, request.headers());
        match request.headers().get(AUTHORIZATION) {
            Some(auth) => {
                assert!(auth.is_sensitive(), "{name}: Authorization not sensitive");
                assert_hidden_debug(name, auth);
                // The real value is still what goes on the wire.
                assert_eq!(auth.to_str().unwrap(), format!("Bearer {SECRET}"));
            }
            None => assert_eq!(name, "GetHealth", "{name} has no Authorization"),
        }
    }
}

/// A key that cannot be a header value is refused without echoing it.
#[test]
fn invalid_key_is_not_echoed() {
    for bad in [format!("{SECRET}\u{7f}"), format!("{SECRET}\nX-Evil: 1")] {
        let err = Config::builder()
            .base_url("https://worker.example.com")
            .api_key(bad)
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::InvalidRequest(_)));
        assert_hidden_both("key error", &err);
    }
}

#[test]
fn plain_http_to_a_remote_host_is_refused() {
    for remote in [
        "http://worker.example.com",
        "http://worker.example.com:4001/agntz",
        "http://10.0.0.7:4001",
        "http://127.0.0.1.example.com",
        "http://localhost.example.com",
    ] {
        let err = Config::builder()
            .base_url(remote)
            .api_key(SECRET)
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::InvalidRequest(_)), "{remote}: {err:?}");
        assert_hidden_both(remote, &err);
        // Opting in allows it.
        let config = Config::builder()
            .base_url(remote)
            .api_key(SECRET)
            .allow_insecure_http(true)
            .build()
            .unwrap();
        let request = GetRun::new("r").build(&config).unwrap();
        assert!(request.uri().to_string().starts_with("http://"));
        // Without a key there is nothing to protect.
        Config::builder().base_url(remote).build().unwrap();
    }
    for local in [
        "http://127.0.0.1:4001",
        "http://localhost:4001",
        "http://LOCALHOST",
        "http://[::1]:4001",
        "http://127.1.2.3",
        "https://worker.example.com",
    ] {
        Config::builder()
            .base_url(local)
            .api_key(SECRET)
            .build()
            .unwrap_or_else(|e| panic!("{local}: {e}"));
    }
}

// ---------------------------------------------------------------------------
// Through the generic client, with a tiny in-test transport
// ---------------------------------------------------------------------------

/// Answers every request with a canned response and keeps the requests.
struct Canned {
    status: u16,
    body: &'static str,
    seen: Mutex<Vec<Request<Bytes>>>,
}

impl Canned {
    fn new(status: u16, body: &'static str) -> Self {
        Canned {
            status,
            body,
            seen: Mutex::new(Vec::new()),
        }
    }
}

impl Transport for Canned {
    type Body = FullBody;

    fn send(
        &self,
        request: Request<Bytes>,
    ) -> impl Future<Output = Result<Response<FullBody>, Error>> + Send {
        self.seen.lock().unwrap().push(request);
        let response = Response::builder()
            .status(self.status)
            .header("content-type", "application/json")
            .body(FullBody::new(self.body))
            .unwrap();
        std::future::ready(Ok(response))
    }

    fn sleep(&self, _duration: Duration) -> impl Future<Output = ()> + Send {
        std::future::ready(())
    }

    fn jitter(&self) -> f64 {
        0.0
    }
}

/// Drives a future that never waits on anything outside itself.
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

#[test]
fn client_debug() {
    let client = Client::new(config(), Canned::new(200, "{}"));
    assert_hidden_debug("Client", &client);
    assert_hidden_debug("Client::config", client.config());
    assert_hidden_debug("Client::clone", &client.clone());
}

#[test]
fn errors_of_a_rejected_key() {
    let client = Client::new(
        config(),
        Canned::new(401, r#"{"error":"invalid or revoked API key"}"#),
    );
    let errors = vec![
        block_on(client.runs().get("run_1")).unwrap_err(),
        block_on(client.agents().run(RunRequest::new("a1"))).unwrap_err(),
        block_on(client.sessions().list()).unwrap_err(),
        block_on(client.open_stream(&StreamAgent::new(RunRequest::new("a1")))).unwrap_err(),
        block_on(client.open_stream(&StreamRun::new("run_1"))).unwrap_err(),
    ];
    for err in &errors {
        assert!(matches!(err, Error::Authentication(_)), "{err:?}");
        assert_hidden_both("401 error", err);
        assert_hidden_both("401 ApiError", err.api().unwrap());
        let mut source = std::error::Error::source(err);
        while let Some(s) = source {
            assert_hidden("401 error source", &format!("{s} {s:?}"));
            source = s.source();
        }
    }
    // The key did go out, once per call (a 401 is not retried).
    let seen = client.transport().seen.lock().unwrap();
    assert_eq!(seen.len(), errors.len());
    for request in seen.iter() {
        assert_eq!(
            request.headers()[AUTHORIZATION].to_str().unwrap(),
            format!("Bearer {SECRET}")
        );
        assert_hidden_debug("sent request", request);
    }

    // The sans-IO parse path gives the same.
    let response = Response::builder()
        .status(401)
        .body(Bytes::from_static(br#"{"error":"missing authentication"}"#))
        .unwrap();
    let err = GetRun::new("r").parse(response).unwrap_err();
    assert_hidden_both("parsed 401", &err);
}
