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
    let err = GetRun::new("r")
        .parse(response.map(Into::into))
        .unwrap_err();
    assert_hidden_both("parsed 401", &err);
}

// ---------------------------------------------------------------------------
// A server that echoes the key back in its own text
// ---------------------------------------------------------------------------

/// Answers every request with one response whose text echoes the key.
struct Echoing {
    status: u16,
    content_type: &'static str,
    body: String,
}

impl Echoing {
    fn new(status: u16, content_type: &'static str, body: impl Into<String>) -> Self {
        Echoing {
            status,
            content_type,
            body: body.into(),
        }
    }
}

impl Transport for Echoing {
    type Body = FullBody;

    fn send(
        &self,
        _request: Request<Bytes>,
    ) -> impl Future<Output = Result<Response<FullBody>, Error>> + Send {
        let response = Response::builder()
            .status(self.status)
            .header("content-type", self.content_type)
            .body(FullBody::new(self.body.clone()))
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

fn echoing(status: u16, content_type: &'static str, body: impl Into<String>) -> Client<Echoing> {
    let config = builder()
        .retry_policy(agntz_proto::RetryPolicy::none())
        .build()
        .unwrap();
    Client::new(config, Echoing::new(status, content_type, body))
}

/// Display, Debug (plain and pretty) of the error and of every source.
#[track_caller]
fn assert_error_hidden(what: &str, err: &Error) {
    assert_hidden_both(what, err);
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        assert_hidden(what, &format!("{s} {s:?}"));
        source = s.source();
    }
}

#[test]
fn key_echoed_in_a_json_401_is_scrubbed() {
    let client = echoing(
        401,
        "application/json",
        format!(
            r#"{{"error":"invalid key Bearer {SECRET}","code":"BAD_KEY {SECRET}","details":["{SECRET}"],"seen":{{"authorization":"Bearer {SECRET}"}}}}"#
        ),
    );
    let errors = [
        block_on(client.runs().get("run_1")).unwrap_err(),
        block_on(client.runs().stream("run_1")).unwrap_err(),
        block_on(client.agents().stream(RunRequest::new("a1"))).unwrap_err(),
    ];
    for err in &errors {
        let Error::Authentication(api) = err else {
            panic!("{err:?}")
        };
        assert_eq!(api.message, "invalid key Bearer [REDACTED]");
        assert_eq!(
            api.body.as_ref().unwrap()["seen"]["authorization"],
            "Bearer [REDACTED]"
        );
        assert_error_hidden("echoing 401", err);
    }
    // The sans-IO path scrubs on request.
    let response = Response::builder()
        .status(401)
        .body(Bytes::from(format!(r#"{{"error":"Bearer {SECRET}"}}"#)))
        .unwrap();
    let err = GetRun::new("r")
        .parse(response.map(Into::into))
        .unwrap_err()
        .redact(SECRET);
    assert_error_hidden("parsed 401", &err);
}

#[test]
fn key_echoed_in_a_plain_text_500_is_not_kept() {
    let client = echoing(
        500,
        "text/plain",
        format!("proxy saw Authorization: Bearer {SECRET}"),
    );
    let err = block_on(client.runs().get("run_1")).unwrap_err();
    assert!(matches!(&err, Error::Api(a) if a.status == 500), "{err:?}");
    assert_error_hidden("plain-text 500", &err);
}

#[test]
fn key_echoed_in_an_html_200_on_a_json_call_is_scrubbed_from_the_kept_body() {
    let client = echoing(
        200,
        "text/html",
        format!("<html><body>Hello, Bearer {SECRET}!</body></html>"),
    );
    let err = block_on(client.runs().get("run_1")).unwrap_err();
    let Error::Decode(d) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        d.body.as_ref(),
        b"<html><body>Hello, Bearer [REDACTED]!</body></html>"
    );
    assert_error_hidden("html 200", &err);
}

#[test]
fn key_in_a_truncated_body_kept_for_a_decode_error_is_scrubbed() {
    // Whole, and cut off inside the key at the end of the body.
    for body in [
        format!(r#"{{"id":"run_1","input":"Bearer {SECRET}","#),
        format!(r#"{{"id":"run_1","input":"Bearer {}"#, &SECRET[..12]),
    ] {
        let client = echoing(200, "application/json", body.clone());
        let err = block_on(client.runs().get("run_1")).unwrap_err();
        let Error::Decode(d) = &err else {
            panic!("{err:?}")
        };
        assert!(
            d.body.ends_with(b"Bearer [REDACTED]") || d.body.ends_with(b"Bearer [REDACTED]\","),
            "{body}: {:?}",
            d.body
        );
        assert_error_hidden("truncated body", &err);
        assert!(!format!("{err:?}").contains(&SECRET[..12]), "{err:?}");
    }
}

#[test]
fn key_in_run_error_and_stream_error_texts_is_scrubbed() {
    let run_error = format!(
        "event: run-error\ndata: {{\"runId\":\"run_1\",\"error\":\"provider rejected Bearer {SECRET}\",\"seq\":1}}\n\n"
    );
    let client = echoing(200, "text/event-stream", run_error);
    let mut stream = block_on(client.runs().stream("run_1")).unwrap();
    let event = block_on(stream.next()).unwrap().unwrap();
    let agntz_proto::events::RunEvent::Error(failed) = &event else {
        panic!("{event:?}")
    };
    assert_eq!(failed.error, "provider rejected Bearer [REDACTED]");
    assert_hidden_debug("run-error event", &event);
    assert!(block_on(stream.next()).is_none());

    let agent_error = format!("event: run-error\ndata: {{\"error\":\"model said {SECRET}\"}}\n\n");
    let client = echoing(200, "text/event-stream", agent_error);
    let mut stream = block_on(client.agents().stream(RunRequest::new("a1"))).unwrap();
    let event = block_on(stream.next()).unwrap().unwrap();
    assert_hidden_debug("agent run-error event", &event);
    let stream = block_on(client.agents().stream(RunRequest::new("a1"))).unwrap();
    let err = block_on(stream.into_result()).unwrap_err();
    assert_eq!(err.code(), Some("RUN_FAILED"));
    assert_error_hidden("RUN_FAILED", &err);

    // An in-band stream error, a payload the SDK cannot decode (its serde
    // message quotes the value), and an unknown event's raw data.
    for body in [
        format!("event: stream-error\ndata: {{\"error\":\"Bearer {SECRET}\"}}\n\n"),
        format!("event: stream-error\ndata: not json {SECRET}\n\n"),
        format!("event: run-spawn\ndata: {{\"runId\":\"c\",\"seq\":\"{SECRET}\"}}\n\n"),
    ] {
        let client = echoing(200, "text/event-stream", body.clone());
        let mut stream = block_on(client.runs().stream("run_1")).unwrap();
        let err = block_on(stream.next()).unwrap().unwrap_err();
        assert!(matches!(err, Error::Stream(_)), "{body}: {err:?}");
        assert_error_hidden(&body, &err);
    }
    let client = echoing(
        200,
        "text/event-stream",
        format!("event: future-thing\ndata: {{\"token\":\"{SECRET}\"}}\n\n"),
    );
    let mut stream = block_on(client.runs().stream("run_1")).unwrap();
    let event = block_on(stream.next()).unwrap().unwrap();
    assert_hidden_debug("unknown event", &event);
}
