//! The seed surface through the blocking client: run, stream, durable runs
//! (start, get, list, cancel, stream with resume), traces, sessions, and
//! typed errors.

use std::time::{Duration, Instant};

use agntz_client::{
    Error, Message, Retention, RetentionMode, RunEvent, RunFilter, RunRequest, RunStatus,
    SessionImport, SessionSnapshot, StreamErrorCode, StreamEvent, TimeoutKind, TraceEvent,
    TraceFilter, Transport, TransportErrorKind,
};
use agntz_testkit::{Fault, FaultRule, TestWorkerConfig};

use crate::harness::Harness;

pub fn health_sends_no_key_and_calls_carry_sdk_headers<T: Transport>(h: Harness<T>) {
    let health = h.client.health().expect("health");
    assert_eq!(health.status, "ok");
    assert!(h
        .last_request_to("/health")
        .header("authorization")
        .is_none());

    h.client
        .agents()
        .run(RunRequest::new("echo").input("hi"))
        .expect("run");
    let req = h.last_request_to("/run");
    assert_eq!(req.method, "POST");
    assert_eq!(
        req.header("authorization"),
        Some(format!("Bearer {}", h.worker.api_key()).as_str())
    );
    assert!(req
        .header("user-agent")
        .is_some_and(|ua| ua.starts_with("agntz-rust/")));
    assert_eq!(
        req.body_json().expect("JSON body"),
        serde_json::json!({"agentId": "echo", "input": "hi"})
    );
}

pub fn run_returns_every_result_field<T: Transport>(h: Harness<T>) {
    let result = h
        .client
        .agents()
        .run(RunRequest::new("echo").input("hello world"))
        .expect("run");
    assert_eq!(result.output, "ECHO: hello world");
    assert!(result.run_id.starts_with("run_"), "{}", result.run_id);
    assert_eq!(result.trace_id.as_deref(), Some(result.run_id.as_str()));
    assert_eq!(result.model, "fake-model");
    assert!(result
        .session_id
        .as_deref()
        .is_some_and(|s| s.starts_with("sess_")));
    assert_eq!(
        result.usage.total_tokens,
        result.usage.input_tokens + result.usage.output_tokens
    );
    assert!(result.usage.total_tokens > 0);

    let forgotten = h
        .client
        .agents()
        .run(
            RunRequest::new("echo")
                .input("forget me")
                .retention(Retention::mode(RetentionMode::None)),
        )
        .expect("run without retention");
    assert_eq!(forgotten.session_id, None);
    assert_eq!(forgotten.trace_id, None);
}

pub fn stream_is_an_iterator_of_start_then_complete<T: Transport>(h: Harness<T>) {
    let mut stream = h
        .client
        .agents()
        .stream(RunRequest::new("echo").input("stream me please"))
        .expect("open stream");
    let events: Vec<StreamEvent> = stream
        .by_ref()
        .collect::<Result<_, _>>()
        .expect("every event");
    assert_eq!(events.len(), 2, "{events:?}");
    let StreamEvent::Start(start) = &events[0] else {
        panic!("first event {:?}", events[0]);
    };
    assert_eq!(start.agent_id, "echo");
    let StreamEvent::Complete(done) = &events[1] else {
        panic!("last event {:?}", events[1]);
    };
    assert_eq!(done.output, "ECHO: stream me please");
    assert_eq!(Some(&done.run_id), start.run_id.as_ref());
    assert!(done.usage.total_tokens > 0);
    assert!(stream.next().is_none(), "nothing after the terminal event");
    assert_eq!(
        h.last_request_to("/run/stream").header("accept"),
        Some("text/event-stream")
    );

    // `for` works as with any iterator.
    let mut names = Vec::new();
    for event in h
        .client
        .agents()
        .stream(RunRequest::new("echo").input(r#"REPLY:"hi" and more"#))
        .expect("open stream")
    {
        names.push(event.expect("event").event_name().to_owned());
    }
    assert_eq!(names, ["run-start", "reply", "run-complete"]);
}

pub fn session_continuity_over_run_and_into_result<T: Transport>(h: Harness<T>) {
    let first = h
        .client
        .agents()
        .run(
            RunRequest::new("echo")
                .input("my name is Ada")
                .session_id("sess_blocking"),
        )
        .expect("turn 1");
    assert_eq!(first.session_id.as_deref(), Some("sess_blocking"));
    let second = h
        .client
        .agents()
        .run(
            RunRequest::new("echo")
                .input("RECALL what did I say?")
                .session_id("sess_blocking"),
        )
        .expect("turn 2");
    assert_eq!(second.output, "RECALL: my name is Ada");
    let done = h
        .client
        .agents()
        .stream(
            RunRequest::new("echo")
                .input("RECALL again")
                .session_id("sess_blocking"),
        )
        .expect("stream")
        .into_result()
        .expect("complete");
    assert!(
        done.output
            .as_str()
            .is_some_and(|o| o.contains("my name is Ada")),
        "{}",
        done.output
    );
}

pub fn unknown_agent_is_not_found_on_run_and_stream<T: Transport>(h: Harness<T>) {
    let err = h
        .client
        .agents()
        .run(RunRequest::new("no-such-agent").input("x"))
        .expect_err("unknown agent");
    match err {
        Error::NotFound(e) => {
            assert_eq!(e.status, 404);
            assert_eq!(e.code.as_deref(), Some("NOT_FOUND"));
            assert_eq!(e.message, "Agent \"no-such-agent\" not found");
        }
        other => panic!("expected NotFound, got {other:?}"),
    }
    let err = h
        .client
        .agents()
        .stream(RunRequest::new("no-such-agent").input("x"))
        .expect_err("unknown agent");
    assert!(matches!(&err, Error::NotFound(_)), "{err:?}");
    let err = h.client.runs().stream("run_nope").expect_err("404");
    assert!(
        matches!(&err, Error::NotFound(e) if e.message == "Run not found"),
        "{err:?}"
    );
}

pub fn model_failure_is_500_on_run_and_run_error_on_stream<T: Transport>(h: Harness<T>) {
    let err = h
        .client
        .agents()
        .run(RunRequest::new("echo").input("FAIL_LLM please"))
        .expect_err("model failure");
    assert!(
        matches!(&err, Error::Api(e) if e.status == 500 && e.message == "fake LLM forced failure (FAIL_LLM)"),
        "{err:?}"
    );
    let mut stream = h
        .client
        .agents()
        .stream(RunRequest::new("echo").input("FAIL_LLM please"))
        .expect("open stream");
    assert!(matches!(stream.next(), Some(Ok(StreamEvent::Start(_)))));
    match stream.next() {
        Some(Ok(StreamEvent::Error(failed))) => {
            assert_eq!(failed.error, "fake LLM forced failure (FAIL_LLM)")
        }
        other => panic!("expected the error event, got {other:?}"),
    }
    assert!(stream.next().is_none());
    let err = h
        .client
        .agents()
        .stream(RunRequest::new("echo").input("FAIL_LLM again"))
        .expect("open stream")
        .into_result()
        .expect_err("run-error");
    assert_eq!(err.code(), Some(StreamErrorCode::RunFailed.as_str()));
}

pub fn durable_run_start_get_list<T: Transport>(h: Harness<T>) {
    let run = h
        .client
        .agents()
        .start(RunRequest::new("echo").input("durable hello"))
        .expect("start");
    assert!(run.id.starts_with("run_"));
    assert_eq!(run.input, "durable hello");
    let done = h.wait_terminal(&run.id);
    assert_eq!(done.status, RunStatus::Completed);
    assert_eq!(done.result.expect("result").output, "ECHO: durable hello");

    let page = h
        .client
        .runs()
        .list(
            RunFilter::new()
                .agent_id("echo")
                .status(RunStatus::Completed),
        )
        .expect("list");
    assert!(page.rows.iter().any(|r| r.id == run.id));
    assert!(page.rows.iter().all(|r| r.status == RunStatus::Completed));

    let doomed = h
        .client
        .runs()
        .start(RunRequest::new("no-such-agent").input("x"))
        .expect("start unknown agent");
    let failed = h.wait_terminal(&doomed.id);
    assert_eq!(failed.status, RunStatus::Failed);
}

pub fn durable_run_cancel<T: Transport>(h: Harness<T>) {
    let run = h
        .client
        .runs()
        .start(RunRequest::new("echo").input("SLOW:20 this one will be cancelled"))
        .expect("start");
    let now = h.client.runs().cancel(&run.id).expect("cancel");
    assert_eq!(now.id, run.id);
    assert_eq!(h.wait_terminal(&run.id).status, RunStatus::Cancelled);
    let last = h
        .client
        .runs()
        .stream(&run.id)
        .expect("stream")
        .collect_all()
        .expect("events")
        .pop();
    assert!(
        matches!(&last, Some(RunEvent::Cancelled(c)) if c.run_id == run.id),
        "{last:?}"
    );
}

/// A finished durable run (with a tool call) and its full event list.
fn finished_run<T: Transport>(h: &Harness<T>) -> (String, Vec<RunEvent>) {
    let run = h
        .client
        .runs()
        .start(
            RunRequest::new("toolbot")
                .input(r#"CALL_TOOL:validate_manifest ARGS:{"yaml":"id: x\nkind: llm"}"#),
        )
        .expect("start");
    let events = h
        .client
        .runs()
        .stream(&run.id)
        .expect("stream")
        .collect_all()
        .expect("clean replay");
    assert!(events.len() >= 6, "{events:?}");
    (run.id, events)
}

pub fn run_stream_replays_and_resumes_with_since<T: Transport>(h: Harness<T>) {
    let (id, _) = finished_run(&h);
    let mut stream = h.client.runs().stream(&id).expect("stream");
    let mut seqs = Vec::new();
    let mut last = None;
    for event in stream.by_ref() {
        let event = event.expect("event");
        seqs.push(event.seq().expect("seq"));
        last = Some(event);
    }
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    assert!(last.expect("events").is_terminal_for(&id));
    assert_eq!(stream.last_seq(), seqs.last().copied());
    assert_eq!(stream.reconnects(), 0);

    let replayed: Vec<u64> = h
        .client
        .runs()
        .stream_since(&id, 2)
        .expect("resume")
        .map(|e| e.expect("event").seq().expect("seq"))
        .collect();
    assert_eq!(replayed, seqs[2..]);
    assert!(h
        .last_request_to(&format!("/runs/{id}/stream"))
        .path
        .ends_with("?since=2"));
    let past_end = seqs.last().copied().expect("seq");
    assert!(h
        .client
        .runs()
        .stream_since(&id, past_end)
        .expect("past the end")
        .next()
        .is_none());
}

pub fn run_stream_resumes_exactly_once_after_a_reset<T: Transport>(h: Harness<T>) {
    let (id, all) = finished_run(&h);
    h.worker
        .faults()
        .push_rule(FaultRule::new(Fault::ResetAfterEvents(2)).path(format!("/runs/{id}/stream")));
    let resumed = h
        .client
        .runs()
        .stream(&id)
        .expect("stream")
        .collect_all()
        .expect("the stream resumes by itself");
    assert_eq!(resumed, all, "every event exactly once, in order");
    assert!(
        h.count("GET", &format!("/runs/{id}/stream?since=")) >= 1,
        "reconnected with ?since="
    );
}

pub fn list_all_pages_across_cursors<T: Transport>(h: Harness<T>) {
    let mut ids = Vec::new();
    for i in 0..7 {
        let run = h
            .client
            .runs()
            .start(RunRequest::new("echo").input(format!("page {i}")))
            .expect("start");
        ids.push(run.id);
    }
    let first = h
        .client
        .runs()
        .list(RunFilter::new().agent_id("echo").limit(3))
        .expect("page 1");
    assert_eq!(first.rows.len(), 3);
    assert!(first.next_cursor.is_some());

    let all: Vec<_> = h
        .client
        .runs()
        .list_all(RunFilter::new().agent_id("echo").limit(3))
        .collect::<Result<_, _>>()
        .expect("all pages");
    let mut seen: Vec<&str> = all.iter().map(|r| r.id.as_str()).collect();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), all.len(), "no duplicates across pages");
    assert!(ids.iter().all(|id| seen.contains(&id.as_str())));
    assert!(h.count("GET", "/runs?") >= 4, "pages fetched lazily");

    // Lazily: taking two rows fetches one page.
    let before = h.count("GET", "/runs?");
    let two: Vec<_> = h
        .client
        .runs()
        .list_all(RunFilter::new().agent_id("echo").limit(3))
        .take(2)
        .collect();
    assert_eq!(two.len(), 2);
    assert_eq!(h.count("GET", "/runs?"), before + 1);
}

pub fn trace_get_list_delete_then_not_found<T: Transport>(h: Harness<T>) {
    let result = h
        .client
        .agents()
        .run(RunRequest::new("echo").input("trace me"))
        .expect("run");
    let trace_id = result.trace_id.expect("trace id");
    let trace = h.client.traces().get(&trace_id).expect("get trace");
    assert_eq!(trace.summary.trace_id, trace_id);
    assert!(trace.spans.iter().any(|s| s.name == "agent.run"));
    let page = h
        .client
        .traces()
        .list(TraceFilter::new().agent_id("echo").limit(50))
        .expect("list");
    assert!(page.rows.iter().any(|t| t.trace_id == trace_id));
    let all = h
        .client
        .traces()
        .list_all(TraceFilter::new().limit(1))
        .collect_all()
        .expect("list all");
    assert!(all.iter().any(|t| t.trace_id == trace_id));

    h.client.traces().delete(&trace_id).expect("delete");
    let err = h.client.traces().get(&trace_id).expect_err("deleted");
    assert!(
        matches!(&err, Error::NotFound(e) if e.message == "Trace not found"),
        "{err:?}"
    );
}

pub fn trace_stream_of_finished_trace_is_snapshot<T: Transport>(h: Harness<T>) {
    let result = h
        .client
        .agents()
        .run(RunRequest::new("echo").input("trace stream"))
        .expect("run");
    let trace_id = result.trace_id.expect("trace id");
    let events = h
        .client
        .traces()
        .stream(&trace_id)
        .expect("stream")
        .collect_all()
        .expect("events");
    match events.as_slice() {
        [TraceEvent::Snapshot(detail)] => {
            assert_eq!(detail.summary.trace_id, trace_id);
            assert!(!detail.spans.is_empty());
        }
        other => panic!("expected one snapshot, got {other:?}"),
    }
    let err = h.client.traces().stream("run_nope").expect_err("404");
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");
}

pub fn sessions_import_list_get_delete<T: Transport>(h: Harness<T>) {
    let import = SessionImport::new(vec![SessionSnapshot::new("sess_imported_1")
        .agent_id("echo")
        .message(Message::user(
            "hello from import",
            "2026-01-01T00:00:00.000Z",
        ))
        .message(Message::assistant(
            "ECHO: hello from import",
            "2026-01-01T00:00:01.000Z",
        ))]);
    let imported = h.client.sessions().import(import).expect("import");
    assert_eq!(imported.results[0].session_id, "sess_imported_1");
    assert_eq!(imported.results[0].message_count, 2);
    let by_agent = h
        .client
        .sessions()
        .list_for_agent("echo")
        .expect("list by agent");
    assert!(by_agent.iter().any(|s| s.session_id == "sess_imported_1"));
    let detail = h.client.sessions().get("sess_imported_1").expect("get");
    assert_eq!(
        detail.messages[0].content.as_text(),
        Some("hello from import")
    );
    let recall = h
        .client
        .agents()
        .run(
            RunRequest::new("echo")
                .input("RECALL")
                .session_id("sess_imported_1"),
        )
        .expect("recall");
    assert_eq!(recall.output, "RECALL: hello from import");

    h.client
        .sessions()
        .delete("sess_imported_1")
        .expect("delete");
    let gone = h.client.sessions().get("sess_imported_1").expect("get");
    assert!(gone.messages.is_empty());
    let all = h.client.sessions().list().expect("list");
    assert!(all.iter().all(|s| s.session_id != "sess_imported_1"));
}

pub fn bad_or_missing_key_is_authentication_error<T: Transport>(h: Harness<T>) {
    let client = h.client_with_key(Some("ar_live_not_a_real_key"));
    let err = client
        .agents()
        .run(RunRequest::new("echo").input("x"))
        .expect_err("401");
    assert!(
        matches!(&err, Error::Authentication(e) if e.status == 401 && e.message == "invalid or revoked API key"),
        "{err:?}"
    );
    assert!(!format!("{err:?} {err} {client:?}").contains("ar_live_not_a_real_key"));
    let err = client
        .agents()
        .stream(RunRequest::new("echo"))
        .expect_err("401 on stream");
    assert!(matches!(err, Error::Authentication(_)), "{err:?}");
    client.health().expect("health needs no key");

    let err = h
        .client_with_key(None)
        .runs()
        .list(RunFilter::new())
        .expect_err("401");
    assert!(
        matches!(&err, Error::Authentication(e) if e.message == "missing authentication"),
        "{err:?}"
    );
}

pub fn rate_limit_is_typed_and_retried_after_retry_after<T: Transport>(h: Harness<T>) {
    let rate_limit = |retry_after: u64, path: &str| {
        h.worker.faults().push_rule(
            FaultRule::new(Fault::Status {
                status: 429,
                retry_after: Some(retry_after),
                times: 1,
            })
            .path(path),
        );
    };
    // Beyond the retry cap: a typed error at once.
    rate_limit(3600, "/run");
    let err = h
        .client
        .agents()
        .run(RunRequest::new("echo").input("x"))
        .expect_err("429");
    match &err {
        Error::RateLimited(e) => assert_eq!(e.retry_after, Some(Duration::from_secs(3600))),
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert_eq!(h.count("POST", "/run"), 1);

    // Within it: the blocking call sleeps and retries.
    let run = h
        .client
        .runs()
        .start(RunRequest::new("echo").input("x"))
        .expect("start");
    let path = format!("/runs/{}", run.id);
    rate_limit(1, &path);
    let started = Instant::now();
    let fetched = h.client.runs().get(&run.id).expect("retried after the 429");
    assert_eq!(fetched.id, run.id);
    assert!(started.elapsed() >= Duration::from_millis(900));
    assert_eq!(h.count("GET", &path), 2);
}

pub fn truncated_stream_is_an_error_after_events<T: Transport>(h: Harness<T>) {
    h.worker.faults().push(Fault::TruncateBeforeTerminal);
    let mut stream = h
        .client
        .agents()
        .stream(RunRequest::new("echo").input("cut me off"))
        .expect("open stream");
    assert!(matches!(stream.next(), Some(Ok(StreamEvent::Start(_)))));
    let err = stream
        .next()
        .expect("an error, not a silent end")
        .expect_err("truncated");
    assert_eq!(err.code(), Some(StreamErrorCode::Truncated.as_str()));
    assert!(stream.next().is_none());
}

pub fn dropping_a_stream_cancels_the_run<T: Transport>(h: Harness<T>) {
    let mut stream = h
        .client
        .agents()
        .stream(RunRequest::new("echo").input("SLOW:10 abandon me"))
        .expect("open stream");
    let Some(Ok(StreamEvent::Start(start))) = stream.next() else {
        panic!("expected the start event");
    };
    drop(stream);
    let run = h.wait_terminal(&start.run_id.expect("run id"));
    assert_eq!(run.status, RunStatus::Cancelled);
}

pub fn https_run_and_stream_with_generated_certificate<T: Transport>(h: Harness<T>) {
    let (worker, client) = h.tls_with(TestWorkerConfig::default());
    assert!(worker.base_url().starts_with("https://"));
    let result = client
        .agents()
        .run(RunRequest::new("echo").input("over tls"))
        .expect("run over https");
    assert_eq!(result.output, "ECHO: over tls");
    let done = client
        .agents()
        .stream(RunRequest::new("echo").input("stream over tls"))
        .expect("stream over https")
        .into_result()
        .expect("complete");
    assert_eq!(done.output, "ECHO: stream over tls");

    let untrusted = h.client_from(
        agntz_client::blocking::AgntzClient::builder()
            .base_url(worker.base_url())
            .api_key(worker.api_key()),
    );
    let err = untrusted.health().expect_err("untrusted certificate");
    assert!(
        matches!(&err, Error::Transport(t) if t.kind == TransportErrorKind::Connect),
        "{err:?}"
    );
}

pub fn timeouts_fire_through_the_blocking_client<T: Transport>(h: Harness<T>) {
    // The idle timer between stream chunks.
    let client = h.client_from(h.builder().idle_timeout(Duration::from_millis(400)));
    h.worker.faults().push(Fault::StallAfterEvents {
        events: 1,
        duration: None,
    });
    let mut stream = client
        .agents()
        .stream(RunRequest::new("echo").input("stall"))
        .expect("open stream");
    assert!(matches!(stream.next(), Some(Ok(StreamEvent::Start(_)))));
    match stream.next() {
        Some(Err(Error::Timeout(t))) => {
            assert_eq!(t.kind, TimeoutKind::Idle);
            assert_eq!(t.after, Duration::from_millis(400));
        }
        other => panic!("expected an idle timeout, got {other:?}"),
    }
    assert!(stream.next().is_none());

    // A durable run's stream resumes after the same stall.
    let (id, all) = finished_run(&h);
    h.worker.faults().push_rule(
        FaultRule::new(Fault::StallAfterEvents {
            events: 3,
            duration: None,
        })
        .path(format!("/runs/{id}/stream")),
    );
    let resumed = client
        .runs()
        .stream(&id)
        .expect("stream")
        .collect_all()
        .expect("resumed after the stall");
    assert_eq!(resumed, all);

    // The overall deadline of a call.
    let client = h.client_from(h.builder().deadline(Duration::from_millis(300)));
    let err = client
        .agents()
        .run(RunRequest::new("echo").input("SLOW:5 too slow"))
        .expect_err("deadline");
    assert!(
        matches!(&err, Error::Timeout(t) if t.kind == TimeoutKind::Deadline),
        "{err:?}"
    );
}
