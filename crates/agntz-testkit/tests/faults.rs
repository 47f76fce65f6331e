//! Every fault knob puts its misbehaviour on the wire.

mod common;

use std::time::{Duration, Instant};

use agntz_testkit::{Fault, FaultRule, TestWorker};
use common::{call, parse_sse, send};

const STREAM_BODY: &str = r#"{"agentId":"echo","input":"hi"}"#;

async fn stream(w: &TestWorker) -> common::Resp<tokio::net::TcpStream> {
    let auth = format!("Bearer {}", w.api_key());
    let mut r = send(
        w.addr(),
        "POST",
        "/run/stream",
        &[("Authorization", auth.as_str())],
        Some(STREAM_BODY.as_bytes()),
    )
    .await;
    r.read_to_end().await;
    r
}

#[tokio::test(flavor = "multi_thread")]
async fn stream_faults() {
    let w = TestWorker::start().await.unwrap();
    let normal = stream(&w).await;
    let names: Vec<_> = parse_sse(&normal.body_str())
        .into_iter()
        .map(|f| f.event.unwrap())
        .collect();
    assert_eq!(names, ["run-start", "run-complete"]);
    assert!(!normal.aborted);

    w.faults().push(Fault::TruncateBeforeTerminal);
    let r = stream(&w).await;
    let frames = parse_sse(&r.body_str());
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0].event.as_deref(), Some("run-start"));
    assert!(!r.aborted, "clean end of body");

    w.faults().push(Fault::CutAfterBytes(10));
    let r = stream(&w).await;
    assert_eq!(r.body, b"event: run");
    assert!(r.aborted);

    w.faults().push(Fault::ResetAfterEvents(1));
    let r = stream(&w).await;
    assert!(r.body_str().starts_with("event: run-start\n") && r.body_str().ends_with("\n\n"));
    assert_eq!(parse_sse(&r.body_str()).len(), 1);
    assert!(r.aborted);

    w.faults().push(Fault::StallAfterEvents {
        events: 1,
        duration: Some(Duration::from_millis(400)),
    });
    let t = Instant::now();
    let r = stream(&w).await;
    assert!(t.elapsed() >= Duration::from_millis(400));
    assert_eq!(parse_sse(&r.body_str()).len(), 2);

    w.faults().push(Fault::Drip {
        delay: Duration::from_millis(1),
    });
    let t = Instant::now();
    let r = stream(&w).await;
    assert_eq!(parse_sse(&r.body_str()).len(), 2);
    assert!(t.elapsed() >= Duration::from_millis(r.body.len() as u64));

    w.faults().push(Fault::Garbage { len: 64 });
    let r = stream(&w).await;
    assert_eq!(r.body.len(), 64);
    assert!(!r.body.contains(&b'\n'));

    w.faults().push(Fault::InvalidUtf8);
    let r = stream(&w).await;
    assert!(r.body.windows(8).any(|x| x == b"data: \xFF\xFE"));
    assert!(std::str::from_utf8(&r.body).is_err());

    w.faults().push(Fault::EnormousLine { len: 200_000 });
    let r = stream(&w).await;
    assert_eq!(r.body.len(), 200_000);
    assert!(r.body.iter().all(|b| *b == b'x'));

    w.faults().push(Fault::InvalidJsonData);
    let r = stream(&w).await;
    let frames = parse_sse(&r.body_str());
    assert_eq!(frames[0].data, r#"{"truncated":"#);
    assert!(serde_json::from_str::<serde_json::Value>(&frames[1].data).is_ok());

    w.faults().push(Fault::HtmlContentType);
    let r = stream(&w).await;
    assert_eq!(r.header("content-type"), Some("text/html; charset=UTF-8"));

    // Queue drained: back to normal.
    assert_eq!(w.faults().pending(), 0);
    assert_eq!(
        stream(&w).await.header("content-type"),
        Some("text/event-stream")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn request_faults() {
    let w = TestWorker::start().await.unwrap();
    let a = Some(w.api_key());

    w.faults().push(Fault::Status {
        status: 429,
        retry_after: Some(2),
        times: 2,
    });
    for _ in 0..2 {
        let r = call(w.addr(), "GET", "/runs", a, None).await;
        assert_eq!((r.status, r.header("retry-after")), (429, Some("2")));
        assert_eq!(
            r.body_str(),
            r#"{"error":"rate limit exceeded","retryAfterSeconds":2}"#
        );
    }
    assert_eq!(call(w.addr(), "GET", "/runs", a, None).await.status, 200);

    w.faults().push(Fault::Status {
        status: 503,
        retry_after: None,
        times: 1,
    });
    let r = call(w.addr(), "GET", "/runs", a, None).await;
    assert_eq!((r.status, r.header("retry-after")), (503, None));
    assert_eq!(call(w.addr(), "GET", "/runs", a, None).await.status, 200);

    w.faults().push(Fault::PlainText500);
    let r = call(w.addr(), "POST", "/run", a, Some(STREAM_BODY)).await;
    assert_eq!(
        (r.status, r.header("content-type")),
        (500, Some("text/plain; charset=UTF-8"))
    );
    assert_eq!(r.body_str(), "Internal Server Error");

    w.faults().push(Fault::HtmlBody);
    let r = call(w.addr(), "GET", "/runs", a, None).await;
    assert_eq!(
        (r.status, r.header("content-type")),
        (200, Some("text/html; charset=UTF-8"))
    );
    assert!(r.body_str().starts_with("<!DOCTYPE html>"));

    w.faults().push(Fault::CloseBeforeHead);
    let r = call(w.addr(), "GET", "/health", None, None).await;
    assert_eq!(r.status, 0, "no response head at all");
    assert!(r.body.is_empty());

    w.faults().push(Fault::MissingLocation);
    let r = call(w.addr(), "POST", "/runs", a, Some(STREAM_BODY)).await;
    assert_eq!((r.status, r.header("location")), (201, None));
    let r = call(w.addr(), "POST", "/runs", a, Some(STREAM_BODY)).await;
    assert!(r.header("location").is_some());

    // Path filters and persistent rules.
    w.faults().push_rule(
        FaultRule::new(Fault::PlainText500)
            .path("/run/stream")
            .always(),
    );
    assert_eq!(
        call(w.addr(), "GET", "/health", None, None).await.status,
        200
    );
    for _ in 0..3 {
        assert_eq!(
            call(w.addr(), "POST", "/run/stream", a, Some(STREAM_BODY))
                .await
                .status,
            500
        );
    }
    w.faults().clear();
    assert_eq!(
        call(w.addr(), "POST", "/run/stream", a, Some(STREAM_BODY))
            .await
            .status,
        200
    );

    // Requests are recorded, faulted or not.
    let reqs = w.requests();
    assert!(reqs
        .iter()
        .any(|r| r.path == "/run/stream" && r.body_json().is_some()));
    w.clear_requests();
    assert!(w.requests().is_empty());
}
