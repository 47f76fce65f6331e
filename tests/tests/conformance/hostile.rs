//! The hostile-server suite: the mock worker misbehaves on purpose (fault
//! knobs put the bad bytes on the wire) and every case must end in a typed
//! error, with the events received before it delivered first, and no panic.

use std::time::{Duration, Instant};

use agntz_proto::events::{RunEvent, StreamEvent};
use agntz_proto::types::{Run, RunRequest};
use agntz_proto::{
    Client, Config, Error, StreamErrorCode, TimeoutKind, Transport, TransportErrorKind,
};
use agntz_testkit::{Fault, FaultRule};

use crate::harness::Harness;

fn tuned<T: Transport>(
    h: &Harness<T>,
    tweak: impl FnOnce(agntz_proto::ConfigBuilder) -> agntz_proto::ConfigBuilder,
) -> Client<T> {
    let builder = Config::builder()
        .base_url(h.worker.base_url())
        .api_key(h.worker.api_key());
    h.client_with(tweak(builder).build().expect("config"))
}

fn count(h: &Harness<impl Transport>, method: &str, path_prefix: &str) -> usize {
    h.worker
        .requests()
        .iter()
        .filter(|r| r.method == method && r.path.starts_with(path_prefix))
        .count()
}

/// The next request under `path` gets `status` (with `Retry-After` when
/// given) instead of its real answer.
fn answer_once<T: Transport>(
    h: &Harness<T>,
    status: u16,
    retry_after: Option<u64>,
    path: impl Into<String>,
) {
    h.worker.faults().push_rule(
        FaultRule::new(Fault::Status {
            status,
            retry_after,
            times: 1,
        })
        .path(path),
    );
}

/// Drains an agent stream: the events, then the error that ended it (if any).
async fn drain_agent<T: Transport>(
    client: &Client<T>,
    input: &str,
) -> (Vec<StreamEvent>, Option<Error>) {
    let mut stream = client
        .agents()
        .stream(RunRequest::new("echo").input(input))
        .await
        .expect("open stream");
    let mut events = Vec::new();
    while let Some(item) = stream.next().await {
        match item {
            Ok(event) => events.push(event),
            Err(e) => {
                assert!(stream.next().await.is_none(), "nothing after an error");
                return (events, Some(e));
            }
        }
    }
    (events, None)
}

/// A finished durable run and its full event list.
async fn finished_run<T: Transport>(h: &Harness<T>) -> (Run, Vec<RunEvent>) {
    let run = h
        .client
        .runs()
        .start(
            RunRequest::new("toolbot")
                .input(r#"CALL_TOOL:validate_manifest ARGS:{"yaml":"id: x"}"#),
        )
        .await
        .expect("start");
    let mut stream = h.client.runs().stream(&run.id).await.expect("stream");
    let mut events = Vec::new();
    while let Some(event) = stream.next().await {
        events.push(event.expect("clean replay"));
    }
    assert!(events.len() >= 6, "{events:?}");
    (run, events)
}

async fn collect_run<T: Transport>(client: &Client<T>, id: &str) -> Vec<RunEvent> {
    let mut stream = client.runs().stream(id).await.expect("stream");
    let mut events = Vec::new();
    while let Some(event) = stream.next().await {
        events.push(event.expect("resumed stream delivers every event"));
    }
    events
}

pub async fn truncated_mid_frame_is_an_error_after_events<T: Transport>(h: Harness<T>) {
    // Enough bytes for the whole run-start frame and part of run-complete.
    h.worker.faults().push(Fault::CutAfterBytes(260));
    let (events, err) = drain_agent(&h.client, "cut mid frame").await;
    assert!(
        matches!(events.as_slice(), [StreamEvent::Start(_)]),
        "{events:?}"
    );
    let err = err.expect("an error, not a silent end");
    assert!(
        matches!(&err, Error::Transport(t) if t.kind == TransportErrorKind::Body)
            || err.code() == Some(StreamErrorCode::Truncated.as_str()),
        "{err:?}"
    );
}

pub async fn reset_after_events_on_agent_stream_is_an_error<T: Transport>(h: Harness<T>) {
    h.worker.faults().push(Fault::ResetAfterEvents(1));
    let (events, err) = drain_agent(&h.client, "reset me").await;
    assert_eq!(events.len(), 1, "{events:?}");
    let err = err.expect("error after the reset");
    assert!(
        matches!(&err, Error::Transport(_)) || err.code() == Some("STREAM_TRUNCATED"),
        "{err:?}"
    );
    // /run/stream is never reconnected (that would run the agent again).
    assert_eq!(count(&h, "POST", "/run/stream"), 1);
}

pub async fn reset_after_events_on_run_stream_resumes_exactly_once<T: Transport>(h: Harness<T>) {
    let (run, all) = finished_run(&h).await;
    h.worker.faults().push_rule(
        FaultRule::new(Fault::ResetAfterEvents(2)).path(format!("/runs/{}/stream", run.id)),
    );
    let resumed = collect_run(&h.client, &run.id).await;
    assert_eq!(resumed, all, "every event exactly once, in order");
    let since = h
        .worker
        .requests()
        .iter()
        .filter(|r| {
            r.path
                .starts_with(&format!("/runs/{}/stream?since=", run.id))
        })
        .count();
    assert!(since >= 1, "reconnected with ?since=");
}

pub async fn stall_past_idle_timeout_is_a_timeout<T: Transport>(h: Harness<T>) {
    let client = tuned(&h, |b| b.idle_timeout(Duration::from_millis(400)));
    h.worker.faults().push(Fault::StallAfterEvents {
        events: 1,
        duration: None,
    });
    let (events, err) = drain_agent(&client, "stall").await;
    assert_eq!(events.len(), 1);
    match err {
        Some(Error::Timeout(t)) => {
            assert_eq!(t.kind, TimeoutKind::Idle);
            assert_eq!(t.after, Duration::from_millis(400));
        }
        other => panic!("expected an idle timeout, got {other:?}"),
    }
}

pub async fn stall_on_run_stream_resumes<T: Transport>(h: Harness<T>) {
    let (run, all) = finished_run(&h).await;
    let client = tuned(&h, |b| b.idle_timeout(Duration::from_millis(400)));
    h.worker.faults().push_rule(
        FaultRule::new(Fault::StallAfterEvents {
            events: 3,
            duration: None,
        })
        .path(format!("/runs/{}/stream", run.id)),
    );
    let resumed = collect_run(&client, &run.id).await;
    assert_eq!(resumed, all);
}

pub async fn one_byte_drip_decodes_the_same_events<T: Transport>(h: Harness<T>) {
    h.worker.faults().push(Fault::Drip {
        delay: Duration::from_micros(50),
    });
    let (events, err) = drain_agent(&h.client, "drip").await;
    assert!(err.is_none(), "{err:?}");
    assert!(
        matches!(events.as_slice(), [StreamEvent::Start(_), StreamEvent::Complete(done)] if done.output == "ECHO: drip"),
        "{events:?}"
    );
}

pub async fn random_garbage_is_a_typed_error<T: Transport>(h: Harness<T>) {
    h.worker.faults().push(Fault::Garbage { len: 64 * 1024 });
    let (_events, err) = drain_agent(&h.client, "garbage").await;
    let err = err.expect("garbage cannot complete a run");
    assert!(matches!(err, Error::Stream(_)), "{err:?}");
}

pub async fn invalid_utf8_in_frame_is_invalid_payload<T: Transport>(h: Harness<T>) {
    h.worker.faults().push(Fault::InvalidUtf8);
    let (events, err) = drain_agent(&h.client, "bad utf8").await;
    assert!(events.is_empty(), "{events:?}");
    assert_eq!(err.expect("error").code(), Some("INVALID_SSE_PAYLOAD"));
}

pub async fn enormous_line_is_event_too_large_with_bounded_memory<T: Transport>(h: Harness<T>) {
    let client = tuned(&h, |b| b.max_event_bytes(1024 * 1024));
    h.worker.faults().push(Fault::EnormousLine {
        len: 100 * 1024 * 1024,
    });
    let (events, err) = drain_agent(&client, "huge").await;
    assert!(events.is_empty());
    assert_eq!(err.expect("error").code(), Some("EVENT_TOO_LARGE"));
}

pub async fn invalid_json_in_data_is_invalid_payload<T: Transport>(h: Harness<T>) {
    h.worker.faults().push(Fault::InvalidJsonData);
    let (events, err) = drain_agent(&h.client, "bad json").await;
    assert!(events.is_empty());
    let err = err.expect("error");
    assert_eq!(err.code(), Some("INVALID_SSE_PAYLOAD"), "{err:?}");
}

pub async fn html_body_on_json_call_is_decode_error<T: Transport>(h: Harness<T>) {
    h.worker
        .faults()
        .push_rule(FaultRule::new(Fault::HtmlBody).path("/run"));
    let err = h
        .client
        .agents()
        .run(RunRequest::new("echo").input("x"))
        .await
        .expect_err("HTML is not a run result");
    assert_decode_keeps_body(err, 200, "<html");
}

/// A decode error with `status` whose raw body (kept for the caller)
/// contains `needle`.
fn assert_decode_keeps_body(err: Error, status: u16, needle: &str) {
    match err {
        Error::Decode(d) => {
            assert_eq!(d.status, status);
            let body = String::from_utf8_lossy(&d.body);
            assert!(body.contains(needle), "raw body kept: {body}");
        }
        other => panic!("expected Decode, got {other:?}"),
    }
}

pub async fn plain_text_500_is_api_error<T: Transport>(h: Harness<T>) {
    h.worker.faults().push_rule(
        FaultRule::new(Fault::PlainText500)
            .path("/runs/run_x")
            .always(),
    );
    let err = h.client.runs().get("run_x").await.expect_err("500");
    match &err {
        Error::Api(e) => {
            assert_eq!(e.status, 500);
            assert_eq!(e.message, "HTTP 500");
            assert_eq!(e.code, None);
        }
        other => panic!("expected Api, got {other:?}"),
    }
    // A read is retried on 500: 1 + 2 retries by default.
    assert_eq!(count(&h, "GET", "/runs/run_x"), 3);
}

pub async fn html_content_type_on_sse_endpoint_is_rejected<T: Transport>(h: Harness<T>) {
    h.worker.faults().push(Fault::HtmlContentType);
    let err = h
        .client
        .agents()
        .stream(RunRequest::new("echo").input("x"))
        .await
        .expect_err("not an event stream");
    assert_eq!(err.code(), Some("UNEXPECTED_CONTENT_TYPE"), "{err:?}");
}

pub async fn rate_limit_is_retried_after_retry_after<T: Transport>(h: Harness<T>) {
    let run = h
        .client
        .runs()
        .start(RunRequest::new("echo").input("x"))
        .await
        .expect("start");
    let path = format!("/runs/{}", run.id);
    answer_once(&h, 429, Some(1), path.clone());
    let started = Instant::now();
    let fetched = h
        .client
        .runs()
        .get(&run.id)
        .await
        .expect("retried after the 429");
    assert_eq!(fetched.id, run.id);
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "Retry-After was honoured"
    );
    assert_eq!(count(&h, "GET", &path), 2);
}

pub async fn rate_limit_beyond_cap_gives_up_at_once<T: Transport>(h: Harness<T>) {
    answer_once(&h, 429, Some(3600), "/run");
    let err = h
        .client
        .agents()
        .run(RunRequest::new("echo").input("x"))
        .await
        .expect_err("429");
    match err {
        Error::RateLimited(e) => assert_eq!(e.retry_after, Some(Duration::from_secs(3600))),
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert_eq!(count(&h, "POST", "/run"), 1);
}

pub async fn service_unavailable_on_start_is_retried<T: Transport>(h: Harness<T>) {
    answer_once(&h, 503, None, "/run");
    let result = h
        .client
        .agents()
        .run(RunRequest::new("echo").input("after 503"))
        .await
        .expect("retried after 503");
    assert_eq!(result.output, "ECHO: after 503");
    assert_eq!(count(&h, "POST", "/run"), 2);
}

pub async fn server_error_on_start_is_not_retried<T: Transport>(h: Harness<T>) {
    answer_once(&h, 500, None, "/run");
    let err = h
        .client
        .agents()
        .run(RunRequest::new("echo").input("x"))
        .await
        .expect_err("500");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
    // A blind retry could run the agent twice.
    assert_eq!(count(&h, "POST", "/run"), 1);
}

pub async fn close_before_head_retries_reads_but_not_starts<T: Transport>(h: Harness<T>) {
    h.worker
        .faults()
        .push_rule(FaultRule::new(Fault::CloseBeforeHead).path("/run"));
    let err = h
        .client
        .agents()
        .run(RunRequest::new("echo").input("x"))
        .await
        .expect_err("closed before the head");
    assert!(
        matches!(&err, Error::Transport(t) if t.kind != TransportErrorKind::Connect),
        "{err:?}"
    );
    assert_eq!(count(&h, "POST", "/run"), 1);

    h.worker
        .faults()
        .push_rule(FaultRule::new(Fault::CloseBeforeHead).path("/sessions"));
    h.client.sessions().list().await.expect("a read is retried");
    assert_eq!(count(&h, "GET", "/sessions"), 2);
}

pub async fn missing_location_on_201_is_decode_error<T: Transport>(h: Harness<T>) {
    h.worker.faults().push(Fault::MissingLocation);
    let err = h
        .client
        .runs()
        .start(RunRequest::new("echo").input("x"))
        .await
        .expect_err("no Location");
    // The run record is kept in the raw body.
    assert_decode_keeps_body(err, 201, "\"id\":\"run_");
}

pub async fn evicted_run_stream_ends_with_snapshot<T: Transport>(h: Harness<T>) {
    let (run, _) = finished_run(&h).await;
    assert!(h.worker.evict_run(&run.id));
    let events = collect_run(&h.client, &run.id).await;
    match events.as_slice() {
        [RunEvent::Snapshot(stored)] => {
            assert_eq!(stored.id, run.id);
            assert!(stored.status.is_terminal());
        }
        other => panic!("expected one snapshot, got {other:?}"),
    }
}

pub async fn deadline_bounds_a_whole_call<T: Transport>(h: Harness<T>) {
    let client = tuned(&h, |b| b.deadline(Duration::from_millis(300)));
    let err = client
        .agents()
        .run(RunRequest::new("echo").input("SLOW:5 too slow"))
        .await
        .expect_err("deadline");
    match err {
        Error::Timeout(t) => {
            assert_eq!(t.kind, TimeoutKind::Deadline);
            assert_eq!(t.after, Duration::from_millis(300));
        }
        other => panic!("expected a deadline timeout, got {other:?}"),
    }
}

pub async fn silent_run_hits_idle_timeout_and_is_not_retried<T: Transport>(h: Harness<T>) {
    let client = tuned(&h, |b| b.idle_timeout(Duration::from_millis(300)));
    let err = client
        .agents()
        .run(RunRequest::new("echo").input("SLOW:3 silent"))
        .await
        .expect_err("idle");
    assert!(
        matches!(&err, Error::Timeout(t) if t.kind == TimeoutKind::Idle),
        "{err:?}"
    );
    // The run may have started: a blind retry could run the agent twice.
    assert_eq!(count(&h, "POST", "/run"), 1);
}

pub async fn oversized_response_is_a_typed_error<T: Transport>(h: Harness<T>) {
    let client = tuned(&h, |b| b.max_response_bytes(64));
    let err = client
        .agents()
        .run(RunRequest::new("echo").input("a result larger than 64 bytes"))
        .await
        .expect_err("too large");
    assert!(matches!(err, Error::BodyTooLarge { limit: 64 }), "{err:?}");
}
