//! A server (or a proxy in front of it) that echoes the client's API key in
//! its own text: the key never reaches an error's or an event's `Display`
//! or `Debug`, nor an error's sources.

use agntz_proto::events::RunEvent;
use agntz_proto::types::RunRequest;
use agntz_proto::{Error, Transport};

use crate::server::{Reply, Server};
use crate::{client, Make, KEY};

#[track_caller]
fn assert_hidden(what: &str, text: &str) {
    assert!(!text.contains(KEY), "{what} leaks the key: {text}");
    assert!(
        !text.contains("s3cr3t"),
        "{what} leaks part of the key: {text}"
    );
}

/// Display and Debug (plain and pretty) of the error and of each source.
#[track_caller]
fn assert_error_hidden(what: &str, err: &Error) {
    assert_hidden(what, &format!("{err} {err:?} {err:#?}"));
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        assert_hidden(what, &format!("{s} {s:?}"));
        source = s.source();
    }
}

pub async fn key_echoed_in_a_json_401<T: Transport>(make: Make<T>) {
    let server = Server::start(|_, _| {
        Reply::with(
            401,
            "application/json",
            format!(
                r#"{{"error":"invalid key Bearer {KEY}","details":{{"authorization":"Bearer {KEY}"}}}}"#
            ),
        )
    })
    .await;
    let client = client(make, &server.base_url(), 0);
    let errors = [
        client.runs().get("run_1").await.expect_err("401"),
        client.runs().stream("run_1").await.expect_err("401"),
        client
            .agents()
            .stream(RunRequest::new("a1"))
            .await
            .expect_err("401"),
    ];
    for err in &errors {
        let Error::Authentication(api) = err else {
            panic!("{err:?}")
        };
        assert_eq!(api.message, "invalid key Bearer [REDACTED]");
        assert_error_hidden("JSON 401", err);
    }
}

pub async fn key_echoed_in_a_plain_text_500<T: Transport>(make: Make<T>) {
    let server = Server::start(|_, _| {
        Reply::with(
            500,
            "text/plain",
            format!("upstream: Authorization: Bearer {KEY}"),
        )
    })
    .await;
    let client = client(make, &server.base_url(), 0);
    let err = client.runs().get("run_1").await.expect_err("500");
    assert!(matches!(&err, Error::Api(a) if a.status == 500), "{err:?}");
    assert_error_hidden("plain-text 500", &err);
}

pub async fn key_echoed_in_an_html_200_on_a_json_call<T: Transport>(make: Make<T>) {
    let server = Server::start(|_, _| {
        Reply::with(
            200,
            "text/html",
            format!("<html><p>Signed in as Bearer {KEY}</p></html>"),
        )
    })
    .await;
    let client = client(make, &server.base_url(), 0);
    let err = client.runs().get("run_1").await.expect_err("HTML");
    let Error::Decode(d) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        d.body.as_ref(),
        b"<html><p>Signed in as Bearer [REDACTED]</p></html>",
        "the raw body is kept, scrubbed"
    );
    assert_error_hidden("HTML 200", &err);
}

pub async fn key_echoed_in_a_run_error_event<T: Transport>(make: Make<T>) {
    let server = Server::start(|_, path| {
        if path.starts_with("/runs/") {
            Reply::sse(format!(
                "event: run-error\ndata: {{\"runId\":\"run_1\",\"error\":\"provider refused Bearer {KEY}\",\"seq\":1}}\n\n"
            ))
        } else {
            Reply::sse(format!(
                "event: run-error\ndata: {{\"error\":\"provider refused Bearer {KEY}\"}}\n\n"
            ))
        }
    })
    .await;
    let client = client(make, &server.base_url(), 0);
    let mut stream = client.runs().stream("run_1").await.expect("open");
    let event = stream.next().await.expect("an event").expect("run-error");
    let RunEvent::Error(failed) = &event else {
        panic!("{event:?}")
    };
    assert_eq!(failed.error, "provider refused Bearer [REDACTED]");
    assert_hidden("run-error event", &format!("{event:?} {event:#?}"));
    assert!(stream.next().await.is_none());

    let mut stream = client
        .agents()
        .stream(RunRequest::new("a1"))
        .await
        .expect("open");
    let event = stream.next().await.expect("an event").expect("run-error");
    assert_hidden("agent run-error event", &format!("{event:?} {event:#?}"));
    let stream = client
        .agents()
        .stream(RunRequest::new("a1"))
        .await
        .expect("open");
    let err = stream.into_result().await.expect_err("RUN_FAILED");
    assert_eq!(err.code(), Some("RUN_FAILED"));
    assert_error_hidden("RUN_FAILED", &err);
}

pub async fn key_echoed_in_a_truncated_body_kept_for_a_decode_error<T: Transport>(make: Make<T>) {
    // A JSON body cut off inside the key (the response itself is complete).
    let cut = &KEY[..KEY.len() - 4];
    let server = Server::start(move |_, _| {
        Reply::with(
            200,
            "application/json",
            format!(r#"{{"id":"run_1","error":"Bearer {cut}"#),
        )
    })
    .await;
    let client = client(make, &server.base_url(), 0);
    let err = client
        .runs()
        .get("run_1")
        .await
        .expect_err("truncated JSON");
    let Error::Decode(d) = &err else {
        panic!("{err:?}")
    };
    assert!(d.body.ends_with(b"Bearer [REDACTED]"), "{:?}", d.body);
    assert_error_hidden("truncated body", &err);
}
