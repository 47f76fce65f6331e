//! Every scenario, written once and generic over the transport.

use std::time::Duration;

use agntz_proto::events::{RunEvent, StreamEvent, TraceEvent};
use agntz_proto::types::{
    Message, Retention, RetentionMode, RunFilter, RunRequest, RunStatus, SessionImport,
    SessionSnapshot, TraceFilter,
};
use agntz_proto::{Error, StreamErrorCode, Transport};
use serde::Deserialize;

use crate::harness::{config, Harness};

/// Waits (bounded) until the durable run is terminal.
async fn wait_terminal<T: Transport>(h: &Harness<T>, id: &str) -> agntz_proto::types::Run {
    for _ in 0..200 {
        let run = h.client.runs().get(id).await.expect("get run");
        if run.status.is_terminal() {
            return run;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("run {id} did not finish in time");
}

fn header<'a>(req: &'a agntz_testkit::RecordedRequest, name: &str) -> Option<&'a str> {
    req.header(name)
}

fn last_request_to<T: Transport>(
    h: &Harness<T>,
    path_prefix: &str,
) -> agntz_testkit::RecordedRequest {
    h.worker
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.path.starts_with(path_prefix))
        .unwrap_or_else(|| panic!("no request to {path_prefix}"))
}

pub async fn health_sends_no_key<T: Transport>(h: Harness<T>) {
    let health = h.client.health().await.expect("health");
    assert_eq!(health.status, "ok");
    assert_eq!(health.service, "agntz-worker");
    let req = last_request_to(&h, "/health");
    assert_eq!(req.method, "GET");
    assert!(
        header(&req, "authorization").is_none(),
        "health must not send the key"
    );
}

pub async fn requests_carry_sdk_headers<T: Transport>(h: Harness<T>) {
    h.client
        .agents()
        .run(RunRequest::new("echo").input("hi"))
        .await
        .expect("run");
    let req = last_request_to(&h, "/run");
    assert_eq!(req.method, "POST");
    assert_eq!(
        header(&req, "authorization"),
        Some(format!("Bearer {}", h.worker.api_key()).as_str())
    );
    assert_eq!(header(&req, "content-type"), Some("application/json"));
    assert!(header(&req, "user-agent").is_some_and(|ua| ua.starts_with("agntz-rust/")));
    let body: serde_json::Value = serde_json::from_slice(&req.body).expect("JSON body");
    assert_eq!(body, serde_json::json!({"agentId": "echo", "input": "hi"}));

    // A body-less POST sends no content type; SSE calls ask for event streams.
    let run = h
        .client
        .runs()
        .start(RunRequest::new("echo").input("x"))
        .await
        .expect("start");
    h.client.runs().cancel(&run.id).await.expect("cancel");
    let cancel = last_request_to(&h, &format!("/runs/{}/cancel", run.id));
    assert!(header(&cancel, "content-type").is_none());
    let mut stream = h.client.runs().stream(&run.id).await.expect("stream");
    while let Some(event) = stream.next().await {
        event.expect("event");
    }
    let sse = last_request_to(&h, &format!("/runs/{}/stream", run.id));
    assert_eq!(header(&sse, "accept"), Some("text/event-stream"));
}

pub async fn run_returns_every_result_field<T: Transport>(h: Harness<T>) {
    let result = h
        .client
        .agents()
        .run(RunRequest::new("echo").input("hello world"))
        .await
        .expect("run");
    assert_eq!(result.output, "ECHO: hello world");
    assert_eq!(result.output_text(), Some("ECHO: hello world"));
    assert!(result.run_id.starts_with("run_"), "{}", result.run_id);
    assert_eq!(result.trace_id.as_deref(), Some(result.run_id.as_str()));
    assert_eq!(result.status, "completed");
    assert_eq!(result.model, "fake-model");
    assert_eq!(result.provider.as_deref(), Some("openai"));
    assert_eq!(result.finish_reason.as_deref(), Some("stop"));
    assert!(result
        .response_id
        .as_deref()
        .is_some_and(|r| r.starts_with("resp_")));
    assert!(result.resolved_agent_version.is_some());
    assert!(result
        .session_id
        .as_deref()
        .is_some_and(|s| s.starts_with("sess_")));
    assert_eq!(
        result.retention.as_ref().and_then(|r| r.mode),
        Some(RetentionMode::Session)
    );
    assert!(result.usage.total_tokens > 0);
    assert_eq!(
        result.usage.total_tokens,
        result.usage.input_tokens + result.usage.output_tokens
    );
    assert_eq!(result.state["userQuery"], "hello world");
}

pub async fn run_output_deserializes_into_user_type<T: Transport>(h: Harness<T>) {
    #[derive(Deserialize, Debug, PartialEq)]
    struct Out(String);
    let result = h
        .client
        .agents()
        .run(RunRequest::new("echo").input(serde_json::json!({"message": "hi", "n": 1})))
        .await
        .expect("run");
    let out: Out = result.output_as().expect("string output");
    assert!(out.0.starts_with("ECHO: "), "{out:?}");
    assert!(out.0.contains("\"message\":\"hi\""), "{out:?}");
}

pub async fn stream_yields_start_then_full_complete<T: Transport>(h: Harness<T>) {
    let mut stream = h
        .client
        .agents()
        .stream(RunRequest::new("echo").input("stream me please"))
        .await
        .expect("open stream");
    let mut events = Vec::new();
    while let Some(event) = stream.next().await {
        events.push(event.expect("event"));
    }
    assert_eq!(events.len(), 2, "{events:?}");
    let StreamEvent::Start(start) = &events[0] else {
        panic!("first event {:?}", events[0]);
    };
    assert_eq!(start.agent_id, "echo");
    let run_id = start.run_id.clone().expect("run id on start");
    let StreamEvent::Complete(done) = &events[1] else {
        panic!("last event {:?}", events[1]);
    };
    // The official clients drop all of this; we keep it.
    assert_eq!(done.output, "ECHO: stream me please");
    assert_eq!(done.run_id, run_id);
    assert_eq!(done.model, "fake-model");
    assert!(done.usage.total_tokens > 0);
    assert_eq!(done.session_id, start.session_id);
    assert!(
        stream.next().await.is_none(),
        "nothing after the terminal event"
    );

    let req = last_request_to(&h, "/run/stream");
    assert_eq!(header(&req, "accept"), Some("text/event-stream"));
}

pub async fn session_continuity_recalls_turn_one<T: Transport>(h: Harness<T>) {
    let first = h
        .client
        .agents()
        .run(
            RunRequest::new("echo")
                .input("my name is Ada")
                .session_id("sess_conf_demo"),
        )
        .await
        .expect("turn 1");
    assert_eq!(first.session_id.as_deref(), Some("sess_conf_demo"));
    let second = h
        .client
        .agents()
        .run(
            RunRequest::new("echo")
                .input("RECALL what did I say?")
                .session_id("sess_conf_demo"),
        )
        .await
        .expect("turn 2");
    assert_eq!(second.output, "RECALL: my name is Ada");

    // The same holds through the streaming endpoint.
    let done = h
        .client
        .agents()
        .stream(
            RunRequest::new("echo")
                .input("RECALL again")
                .session_id("sess_conf_demo"),
        )
        .await
        .expect("stream")
        .into_result()
        .await
        .expect("complete");
    assert!(
        done.output
            .as_str()
            .is_some_and(|o| o.contains("my name is Ada")),
        "{}",
        done.output
    );
}

pub async fn context_grants_are_sent<T: Transport>(h: Harness<T>) {
    h.client
        .agents()
        .run(
            RunRequest::new("echo")
                .input(serde_json::json!({"message": "hi", "customerId": "c_1"}))
                .context(["app/user/u_123", "app/org/o_9"]),
        )
        .await
        .expect("run");
    let req = last_request_to(&h, "/run");
    let body: serde_json::Value = serde_json::from_slice(&req.body).expect("JSON body");
    assert_eq!(
        body["context"],
        serde_json::json!(["app/user/u_123", "app/org/o_9"])
    );
    assert_eq!(body["input"]["customerId"], "c_1");
}

pub async fn retention_none_omits_session<T: Transport>(h: Harness<T>) {
    let result = h
        .client
        .agents()
        .run(
            RunRequest::new("echo")
                .input("forget me")
                .retention(Retention::mode(RetentionMode::None)),
        )
        .await
        .expect("run");
    assert!(result.run_id.starts_with("run_"));
    assert_eq!(result.session_id, None);
    assert_eq!(result.trace_id, None);
    assert_eq!(
        result.retention.as_ref().and_then(|r| r.mode),
        Some(RetentionMode::None)
    );
}

pub async fn unknown_agent_is_not_found_on_run<T: Transport>(h: Harness<T>) {
    let err = h
        .client
        .agents()
        .run(RunRequest::new("no-such-agent").input("x"))
        .await
        .expect_err("unknown agent");
    match err {
        Error::NotFound(e) => {
            assert_eq!(e.status, 404);
            assert_eq!(e.code.as_deref(), Some("NOT_FOUND"));
            assert_eq!(e.message, "Agent \"no-such-agent\" not found");
        }
        other => panic!("expected NotFound, got {other:?}"),
    }
}

pub async fn unknown_agent_is_not_found_on_stream<T: Transport>(h: Harness<T>) {
    let err = h
        .client
        .agents()
        .stream(RunRequest::new("no-such-agent").input("x"))
        .await
        .expect_err("unknown agent");
    assert!(
        matches!(&err, Error::NotFound(e) if e.code.as_deref() == Some("NOT_FOUND")),
        "{err:?}"
    );
}

pub async fn model_failure_is_500_on_run<T: Transport>(h: Harness<T>) {
    let err = h
        .client
        .agents()
        .run(RunRequest::new("echo").input("FAIL_LLM please"))
        .await
        .expect_err("model failure");
    match err {
        Error::Api(e) => {
            assert_eq!(e.status, 500);
            assert_eq!(e.message, "fake LLM forced failure (FAIL_LLM)");
        }
        other => panic!("expected Api, got {other:?}"),
    }
}

pub async fn model_failure_is_run_error_on_stream<T: Transport>(h: Harness<T>) {
    let mut stream = h
        .client
        .agents()
        .stream(RunRequest::new("echo").input("FAIL_LLM please"))
        .await
        .expect("open stream");
    let first = stream.next().await.expect("start").expect("start ok");
    assert!(matches!(first, StreamEvent::Start(_)), "{first:?}");
    let second = stream.next().await.expect("error event").expect("event ok");
    match second {
        StreamEvent::Error(failed) => {
            assert_eq!(failed.error, "fake LLM forced failure (FAIL_LLM)")
        }
        other => panic!("expected Error event, got {other:?}"),
    }
    assert!(stream.next().await.is_none());
}

pub async fn durable_run_start_get_list<T: Transport>(h: Harness<T>) {
    let run = h
        .client
        .agents()
        .start(RunRequest::new("echo").input("durable hello"))
        .await
        .expect("start");
    assert!(run.id.starts_with("run_"));
    assert_eq!(run.root_id, run.id);
    assert!(
        matches!(run.status, RunStatus::Running | RunStatus::Pending),
        "{:?}",
        run.status
    );
    assert!(run.started_at > 1_600_000_000_000, "epoch milliseconds");
    assert_eq!(run.input, "durable hello");

    let done = wait_terminal(&h, &run.id).await;
    assert_eq!(done.status, RunStatus::Completed);
    let result = done.result.expect("result");
    assert_eq!(result.output, "ECHO: durable hello");
    assert!(result.usage.prompt_tokens > 0, "promptTokens naming");
    assert!(done.ended_at.is_some());

    let page = h
        .client
        .runs()
        .list(
            RunFilter::new()
                .agent_id("echo")
                .status(RunStatus::Completed)
                .limit(20),
        )
        .await
        .expect("list");
    assert!(page.rows.iter().any(|r| r.id == run.id));
    assert!(page.rows.iter().all(|r| r.status == RunStatus::Completed));

    // Unknown agents still start (201) and then fail asynchronously.
    let doomed = h
        .client
        .runs()
        .start(RunRequest::new("no-such-agent").input("x"))
        .await
        .expect("start unknown agent");
    let failed = wait_terminal(&h, &doomed.id).await;
    assert_eq!(failed.status, RunStatus::Failed);
    assert_eq!(
        failed.error.as_deref(),
        Some("Agent \"no-such-agent\" not found")
    );
}

pub async fn durable_run_cancel<T: Transport>(h: Harness<T>) {
    let run = h
        .client
        .runs()
        .start(RunRequest::new("echo").input("SLOW:20 this one will be cancelled"))
        .await
        .expect("start");
    let now = h.client.runs().cancel(&run.id).await.expect("cancel");
    assert_eq!(now.id, run.id);
    let after = wait_terminal(&h, &run.id).await;
    assert_eq!(after.status, RunStatus::Cancelled);
    // Cancelling again is idempotent.
    let again = h.client.runs().cancel(&run.id).await.expect("cancel again");
    assert_eq!(again.status, RunStatus::Cancelled);
    // The run's own stream ends with its cancellation.
    let mut stream = h.client.runs().stream(&run.id).await.expect("stream");
    let mut last = None;
    while let Some(event) = stream.next().await {
        last = Some(event.expect("event"));
    }
    assert!(
        matches!(last, Some(RunEvent::Cancelled(ref c)) if c.run_id == run.id),
        "{last:?}"
    );
}

pub async fn run_stream_replays_and_resumes_with_since<T: Transport>(h: Harness<T>) {
    let run = h
        .client
        .runs()
        .start(
            RunRequest::new("toolbot")
                .input(r#"CALL_TOOL:validate_manifest ARGS:{"yaml":"id: x\nkind: llm"}"#),
        )
        .await
        .expect("start");
    let mut stream = h.client.runs().stream(&run.id).await.expect("stream");
    let mut events = Vec::new();
    while let Some(event) = stream.next().await {
        events.push(event.expect("event"));
    }
    let seqs: Vec<u64> = events.iter().map(|e| e.seq().expect("seq")).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    assert!(
        matches!(&events[0], RunEvent::Spawn(s) if s.run_id == run.id && s.parent_id.is_none())
    );
    assert!(events
        .iter()
        .any(|e| matches!(e, RunEvent::ToolCallStart(_))));
    assert!(events.iter().any(|e| matches!(e, RunEvent::ToolCallEnd(_))));
    assert!(events
        .iter()
        .any(|e| matches!(e, RunEvent::StepComplete(_))));
    let last = events.last().expect("events");
    assert!(last.is_terminal_for(&run.id));
    assert!(matches!(last, RunEvent::Complete(c) if c.result.output.starts_with("TOOL_RESULT: ")));
    assert_eq!(stream.last_seq(), Some(*seqs.last().expect("seq")));

    // `since` is exclusive: replay starts right after it.
    let mut resumed = h
        .client
        .runs()
        .stream_since(&run.id, 2)
        .await
        .expect("resume");
    let mut replayed = Vec::new();
    while let Some(event) = resumed.next().await {
        replayed.push(event.expect("event").seq().expect("seq"));
    }
    assert_eq!(replayed, seqs[2..].to_vec());
    let req = last_request_to(&h, &format!("/runs/{}/stream", run.id));
    assert!(req.path.ends_with("?since=2"), "{}", req.path);

    // Past the end of a finished run: an empty stream, not an error.
    let last_seq = *seqs.last().expect("seq");
    let mut past = h
        .client
        .runs()
        .stream_since(&run.id, last_seq)
        .await
        .expect("past end");
    assert!(past.next().await.is_none());
}

pub async fn run_stream_of_unknown_run_is_not_found<T: Transport>(h: Harness<T>) {
    let err = h
        .client
        .runs()
        .stream("run_doesnotexist")
        .await
        .expect_err("404");
    assert!(
        matches!(&err, Error::NotFound(e) if e.message == "Run not found"),
        "{err:?}"
    );
    let err = h
        .client
        .runs()
        .get("run_doesnotexist")
        .await
        .expect_err("404");
    assert!(matches!(err, Error::NotFound(_)));
}

pub async fn list_all_pages_across_cursors<T: Transport>(h: Harness<T>) {
    let mut ids = Vec::new();
    for i in 0..7 {
        let run = h
            .client
            .runs()
            .start(RunRequest::new("echo").input(format!("page {i}")))
            .await
            .expect("start");
        ids.push(run.id);
    }
    let first = h
        .client
        .runs()
        .list(RunFilter::new().agent_id("echo").limit(3))
        .await
        .expect("page 1");
    assert_eq!(first.rows.len(), 3);
    let cursor = first.next_cursor.clone().expect("more pages");
    let second = h
        .client
        .runs()
        .list(RunFilter::new().agent_id("echo").limit(3).cursor(cursor))
        .await
        .expect("page 2");
    assert!(second
        .rows
        .iter()
        .all(|r| !first.rows.iter().any(|f| f.id == r.id)));

    let all = h
        .client
        .runs()
        .list_all(RunFilter::new().agent_id("echo").limit(3))
        .collect_all()
        .await
        .expect("all pages");
    let mut seen: Vec<&str> = all.iter().map(|r| r.id.as_str()).collect();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), all.len(), "no duplicates across pages");
    for id in &ids {
        assert!(seen.contains(&id.as_str()), "missing {id}");
    }
    // Newest first.
    assert!(all.windows(2).all(|w| w[0].started_at >= w[1].started_at));
    let list_calls = h
        .worker
        .requests()
        .iter()
        .filter(|r| r.path.starts_with("/runs?"))
        .count();
    assert!(list_calls >= 5, "list_all fetched {list_calls} pages");
}

pub async fn trace_get_list_delete_then_not_found<T: Transport>(h: Harness<T>) {
    let result = h
        .client
        .agents()
        .run(RunRequest::new("echo").input("trace me"))
        .await
        .expect("run");
    let trace_id = result.trace_id.expect("session retention has a trace");
    let trace = h.client.traces().get(&trace_id).await.expect("get trace");
    assert_eq!(trace.summary.trace_id, trace_id);
    assert_eq!(trace.summary.span_count as usize, trace.spans.len());
    assert!(trace
        .spans
        .iter()
        .any(|s| s.name == "agent.run" && s.parent_id.is_none()));

    let page = h
        .client
        .traces()
        .list(TraceFilter::new().agent_id("echo").limit(50))
        .await
        .expect("list traces");
    assert!(page.rows.iter().any(|t| t.trace_id == trace_id));

    h.client.traces().delete(&trace_id).await.expect("delete");
    let err = h.client.traces().get(&trace_id).await.expect_err("deleted");
    assert!(
        matches!(&err, Error::NotFound(e) if e.message == "Trace not found"),
        "{err:?}"
    );
    let err = h
        .client
        .traces()
        .delete(&trace_id)
        .await
        .expect_err("deleted twice");
    assert!(matches!(err, Error::NotFound(_)));
}

pub async fn trace_stream_of_finished_trace_is_snapshot<T: Transport>(h: Harness<T>) {
    let result = h
        .client
        .agents()
        .run(RunRequest::new("echo").input("trace stream"))
        .await
        .expect("run");
    let trace_id = result.trace_id.expect("trace id");
    let mut stream = h.client.traces().stream(&trace_id).await.expect("stream");
    let event = stream.next().await.expect("one event").expect("ok");
    match event {
        TraceEvent::Snapshot(detail) => {
            assert_eq!(detail.summary.trace_id, trace_id);
            assert!(!detail.spans.is_empty());
        }
        other => panic!("expected snapshot, got {other:?}"),
    }
    assert!(stream.next().await.is_none());
    let err = h.client.traces().stream("run_nope").await.expect_err("404");
    assert!(matches!(err, Error::NotFound(_)));
}

pub async fn sessions_import_list_get_delete<T: Transport>(h: Harness<T>) {
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
    let imported = h.client.sessions().import(import).await.expect("import");
    assert!(!imported.dry_run);
    assert_eq!(imported.results.len(), 1);
    assert_eq!(imported.results[0].session_id, "sess_imported_1");
    assert_eq!(imported.results[0].message_count, 2);
    assert_eq!(imported.counts.get("create"), Some(&1));

    let by_agent = h
        .client
        .sessions()
        .list_for_agent("echo")
        .await
        .expect("list by agent");
    assert!(by_agent.iter().any(|s| s.session_id == "sess_imported_1"));
    let detail = h
        .client
        .sessions()
        .get("sess_imported_1")
        .await
        .expect("get");
    assert_eq!(detail.messages.len(), 2);
    assert_eq!(
        detail.messages[0].content.as_text(),
        Some("hello from import")
    );

    // The imported history feeds the model.
    let recall = h
        .client
        .agents()
        .run(
            RunRequest::new("echo")
                .input("RECALL")
                .session_id("sess_imported_1"),
        )
        .await
        .expect("recall");
    assert_eq!(recall.output, "RECALL: hello from import");

    h.client
        .sessions()
        .delete("sess_imported_1")
        .await
        .expect("delete");
    let gone = h
        .client
        .sessions()
        .get("sess_imported_1")
        .await
        .expect("get after delete");
    assert!(gone.messages.is_empty(), "unknown sessions read as empty");
    let all = h.client.sessions().list().await.expect("list");
    assert!(all.iter().all(|s| s.session_id != "sess_imported_1"));
    h.client
        .sessions()
        .delete("sess_imported_1")
        .await
        .expect("delete is idempotent");
}

pub async fn bad_key_is_authentication_error<T: Transport>(h: Harness<T>) {
    let client = h.client_with_key(Some("ar_live_not_a_real_key"));
    let err = client
        .agents()
        .run(RunRequest::new("echo").input("x"))
        .await
        .expect_err("401");
    match &err {
        Error::Authentication(e) => {
            assert_eq!(e.status, 401);
            assert_eq!(e.message, "invalid or revoked API key");
            assert_eq!(e.code, None);
        }
        other => panic!("expected Authentication, got {other:?}"),
    }
    assert!(!format!("{err:?} {err}").contains("ar_live_not_a_real_key"));
    let err = client
        .agents()
        .stream(RunRequest::new("echo"))
        .await
        .expect_err("401 on stream");
    assert!(matches!(err, Error::Authentication(_)));
    // Health needs no key.
    client.health().await.expect("health without a valid key");
}

pub async fn missing_key_is_authentication_error<T: Transport>(h: Harness<T>) {
    let client = h.client_with_key(None);
    let err = client.runs().list(RunFilter::new()).await.expect_err("401");
    assert!(
        matches!(&err, Error::Authentication(e) if e.message == "missing authentication"),
        "{err:?}"
    );
}

pub async fn other_tenant_sees_not_found<T: Transport>(h: Harness<T>) {
    let run = h
        .client
        .runs()
        .start(RunRequest::new("echo").input("tenant a"))
        .await
        .expect("start");
    wait_terminal(&h, &run.id).await;
    let b = h.client_with_key(Some(h.worker.api_key_b()));
    assert!(matches!(
        b.runs().get(&run.id).await,
        Err(Error::NotFound(_))
    ));
    assert!(matches!(
        b.runs().cancel(&run.id).await,
        Err(Error::NotFound(_))
    ));
    assert!(matches!(
        b.runs().stream(&run.id).await,
        Err(Error::NotFound(_))
    ));
    assert!(matches!(
        b.traces().get(&run.id).await,
        Err(Error::NotFound(_))
    ));
    let page = b.runs().list(RunFilter::new()).await.expect("list as b");
    assert!(page.rows.iter().all(|r| r.id != run.id));
}

pub async fn ids_are_percent_encoded<T: Transport>(h: Harness<T>) {
    let odd = "s/has slash ?x#y";
    let result = h
        .client
        .agents()
        .run(RunRequest::new("echo").input("odd id").session_id(odd))
        .await
        .expect("run");
    assert_eq!(result.session_id.as_deref(), Some(odd));
    let detail = h.client.sessions().get(odd).await.expect("get");
    assert_eq!(detail.session_id, odd);
    assert_eq!(detail.messages.len(), 2);
    let req = last_request_to(&h, "/sessions/");
    assert_eq!(req.path, "/sessions/s%2Fhas%20slash%20%3Fx%23y");

    for id in ["../admin", "a/b", "x?y#z", "%2E%2E", "..."] {
        let err = h.client.runs().get(id).await.expect_err("no such run");
        assert!(
            matches!(&err, Error::NotFound(e) if e.message == "Run not found"),
            "{id}: {err:?}"
        );
        let err = h.client.traces().get(id).await.expect_err("no such trace");
        assert!(
            matches!(&err, Error::NotFound(e) if e.message == "Trace not found"),
            "{id}: {err:?}"
        );
    }
    let req = last_request_to(&h, "/traces/");
    assert_eq!(req.path, "/traces/...");
    let req = last_request_to(&h, "/runs/%25");
    assert_eq!(req.path, "/runs/%252E%252E");
    // `.` and `..` cannot be one path segment: refused before sending.
    for id in [".", "..", ""] {
        let err = h.client.runs().get(id).await.expect_err("refused");
        assert!(matches!(err, Error::InvalidRequest(_)), "{id:?}: {err:?}");
    }
    h.client.sessions().delete(odd).await.expect("delete");
}

pub async fn truncated_stream_is_an_error_after_events<T: Transport>(h: Harness<T>) {
    h.worker
        .faults()
        .push(agntz_testkit::Fault::TruncateBeforeTerminal);
    let mut stream = h
        .client
        .agents()
        .stream(RunRequest::new("echo").input("cut me off"))
        .await
        .expect("open stream");
    let first = stream
        .next()
        .await
        .expect("start")
        .expect("start is delivered first");
    assert!(matches!(first, StreamEvent::Start(_)), "{first:?}");
    let err = stream
        .next()
        .await
        .expect("an error, not a silent end")
        .expect_err("truncated");
    assert_eq!(
        err.code(),
        Some(StreamErrorCode::Truncated.as_str()),
        "{err:?}"
    );
    assert!(stream.next().await.is_none());
}

pub async fn client_tool_request_is_answered_without_handler<T: Transport>(h: Harness<T>) {
    let mut stream = h
        .client
        .agents()
        .stream(
            RunRequest::new("clientbot")
                .input(r#"CALL_TOOL:get_selection ARGS:{"includeText":true}"#)
                .client_tools(["get_selection"]),
        )
        .await
        .expect("open stream");
    let mut events = Vec::new();
    while let Some(event) = stream.next().await {
        events.push(event.expect("event"));
    }
    assert_eq!(events.len(), 2, "tool requests are not events: {events:?}");
    let StreamEvent::Complete(done) = &events[1] else {
        panic!("{:?}", events[1]);
    };
    let output = done.output.as_str().expect("text output");
    assert!(
        output.contains("No handler was supplied for client tool 'get_selection'"),
        "{output}"
    );
    let answer = last_request_to(&h, &format!("/runs/{}/client-tool-requests/", done.run_id));
    let body: serde_json::Value = serde_json::from_slice(&answer.body).expect("JSON");
    assert_eq!(
        body,
        serde_json::json!({"error": "No handler was supplied for client tool 'get_selection'"})
    );
}

pub async fn https_run_and_stream_with_generated_certificate<T: Transport>(h: Harness<T>) {
    let (worker, client) = h.tls().await;
    assert!(worker.base_url().starts_with("https://"));
    let result = client
        .agents()
        .run(RunRequest::new("echo").input("over tls"))
        .await
        .expect("run over https");
    assert_eq!(result.output, "ECHO: over tls");
    let done = client
        .agents()
        .stream(RunRequest::new("echo").input("stream over tls"))
        .await
        .expect("stream over https")
        .into_result()
        .await
        .expect("complete");
    assert_eq!(done.output, "ECHO: stream over tls");

    // Without trusting the generated certificate the handshake fails.
    let untrusted = h.client_with(config(&worker.base_url(), Some(worker.api_key())));
    let err = untrusted.health().await.expect_err("untrusted certificate");
    assert!(
        matches!(&err, Error::Transport(t) if t.kind == agntz_proto::TransportErrorKind::Connect),
        "{err:?}"
    );
}

pub async fn http2_over_tls_runs_streams_and_resumes<T: Transport>(h: Harness<T>) {
    let (worker, client) = h
        .tls_with(agntz_testkit::TestWorkerConfig::default().http2(true))
        .await;
    client.health().await.expect("health over h2");
    let result = client
        .agents()
        .run(RunRequest::new("echo").input("over h2"))
        .await
        .expect("run over h2");
    assert_eq!(result.output, "ECHO: over h2");
    let done = client
        .agents()
        .stream(RunRequest::new("echo").input(r#"REPLY:"hi" stream over h2"#))
        .await
        .expect("stream over h2")
        .into_result()
        .await
        .expect("complete");
    assert_eq!(done.output, r#"ECHO: REPLY:"hi" stream over h2"#);

    // A durable run's event stream, then a resume after its second event.
    let run = client
        .runs()
        .start(RunRequest::new("echo").input("durable over h2"))
        .await
        .expect("start");
    let mut stream = client.runs().stream(&run.id).await.expect("stream");
    let mut seqs = Vec::new();
    while let Some(event) = stream.next().await {
        seqs.push(event.expect("event").seq().expect("seq"));
    }
    assert!(seqs.len() >= 3, "{seqs:?}");
    let mut resumed = client
        .runs()
        .stream_since(&run.id, seqs[1])
        .await
        .expect("resume");
    let mut again = Vec::new();
    while let Some(event) = resumed.next().await {
        again.push(event.expect("event").seq().expect("seq"));
    }
    assert_eq!(again, seqs[2..]);

    // Several calls at once share the connection's streams.
    let calls: Vec<_> = (0..8)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move {
                client
                    .agents()
                    .run(RunRequest::new("echo").input(format!("call {i}")))
                    .await
            })
        })
        .collect();
    for (i, call) in calls.into_iter().enumerate() {
        let result = call.await.expect("task").expect("concurrent run");
        assert_eq!(result.output, format!("ECHO: call {i}"));
    }

    // A stream cut mid-frame is an error after the events received, over
    // HTTP/2 as over HTTP/1.1.
    worker
        .faults()
        .push(agntz_testkit::Fault::CutAfterBytes(260));
    let mut cut = client
        .agents()
        .stream(RunRequest::new("echo").input("cut over h2"))
        .await
        .expect("open");
    assert!(matches!(cut.next().await, Some(Ok(StreamEvent::Start(_)))));
    let err = match cut.next().await {
        Some(Err(e)) => e,
        other => panic!("expected an error, got {other:?}"),
    };
    assert!(
        matches!(&err, Error::Transport(t) if t.kind == agntz_proto::TransportErrorKind::Body)
            || err.code() == Some(StreamErrorCode::Truncated.as_str()),
        "{err:?}"
    );
    assert!(cut.next().await.is_none());

    let requests = worker.requests();
    assert!(requests.len() >= 14, "{}", requests.len());
    assert!(
        requests.iter().all(|r| r.version == http::Version::HTTP_2),
        "{:?}",
        requests.iter().map(|r| r.version).collect::<Vec<_>>()
    );
}

pub async fn dropping_a_stream_cancels_the_run<T: Transport>(h: Harness<T>) {
    let mut stream = h
        .client
        .agents()
        .stream(RunRequest::new("echo").input("SLOW:10 abandon me"))
        .await
        .expect("open stream");
    let Some(Ok(StreamEvent::Start(start))) = stream.next().await else {
        panic!("expected the start event");
    };
    let run_id = start.run_id.expect("run id");
    drop(stream);
    // The worker notices the closed connection and cancels the run.
    let run = wait_terminal(&h, &run_id).await;
    assert_eq!(run.status, RunStatus::Cancelled);
}

pub async fn client_tool_handler_answers_and_run_completes<T: Transport>(h: Harness<T>) {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = seen.clone();
    let tools = agntz_proto::ClientTools::new().handler("get_selection", move |input, call| {
        let record = record.clone();
        async move {
            record
                .lock()
                .expect("lock")
                .push((input, call.tool_call_id.clone()));
            Ok(serde_json::json!({"selected": "chapter one"}))
        }
    });
    let result = h
        .client
        .agents()
        .run_with_tools(
            RunRequest::new("clientbot")
                .input(r#"CALL_TOOL:get_selection ARGS:{"includeText":true}"#),
            tools,
        )
        .await
        .expect("run with tools");
    assert_eq!(result.output, r#"TOOL_RESULT: {"selected":"chapter one"}"#);
    assert!(
        result.usage.total_tokens > 0,
        "the whole result is returned"
    );
    let calls = seen.lock().expect("lock").clone();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].0, serde_json::json!({"includeText": true}));
    assert!(calls[0].1.starts_with("call_"));

    let start = last_request_to(&h, "/run/stream");
    let body: serde_json::Value = serde_json::from_slice(&start.body).expect("JSON");
    assert_eq!(body["clientTools"], serde_json::json!(["get_selection"]));
    let answer = last_request_to(
        &h,
        &format!("/runs/{}/client-tool-requests/", result.run_id),
    );
    let posted: serde_json::Value = serde_json::from_slice(&answer.body).expect("JSON");
    assert_eq!(
        posted,
        serde_json::json!({"output": {"selected": "chapter one"}})
    );
}

pub async fn client_tool_handler_error_reaches_the_model<T: Transport>(h: Harness<T>) {
    let tools = agntz_proto::ClientTools::new().handler("get_selection", |_input, _call| async {
        Err("app exploded".to_owned())
    });
    let mut stream = h
        .client
        .agents()
        .stream_with_tools(
            RunRequest::new("clientbot")
                .input(r#"CALL_TOOL:get_selection ARGS:{"includeText":false}"#),
            tools,
        )
        .await
        .expect("stream with tools");
    let mut names = Vec::new();
    let mut output = None;
    while let Some(event) = stream.next().await {
        let event = event.expect("event");
        names.push(event.event_name().to_owned());
        if let StreamEvent::Complete(done) = event {
            output = done.output.as_str().map(str::to_owned);
        }
    }
    assert_eq!(
        names,
        ["run-start", "run-complete"],
        "tool requests are hidden"
    );
    let output = output.expect("complete");
    assert!(
        output.contains("Client tool 'get_selection' failed: app exploded"),
        "{output}"
    );
    let answer = last_request_to(&h, "/runs/");
    let posted: serde_json::Value = serde_json::from_slice(&answer.body).expect("JSON");
    assert_eq!(posted, serde_json::json!({"error": "app exploded"}));
}

pub async fn client_tool_manifests_need_attached_handlers<T: Transport>(h: Harness<T>) {
    let err = h
        .client
        .agents()
        .stream(RunRequest::new("clientbot").input("x"))
        .await
        .expect_err("no handlers attached");
    match &err {
        Error::Api(e) => {
            assert_eq!(e.status, 400);
            assert_eq!(e.code.as_deref(), Some("MISSING_CLIENT_TOOLS"));
            assert_eq!(e.details, Some(serde_json::json!(["get_selection"])));
        }
        other => panic!("expected a 400, got {other:?}"),
    }
    let err = h
        .client
        .agents()
        .run(RunRequest::new("clientbot").input("x"))
        .await
        .expect_err("/run cannot serve client tools");
    assert_eq!(err.code(), Some("CLIENT_TOOLS_REQUIRE_ATTACHED_RUN"));
}
