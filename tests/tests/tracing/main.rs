//! The `tracing` feature, over real HTTP to the mock worker through each
//! transport: a subscriber collects the SDK's spans and events and the
//! tests check their fields, and that neither the API key nor any body
//! shows up in them.

#[allow(dead_code)]
#[path = "../conformance/harness.rs"]
mod harness;

mod collect;

use std::time::Duration;

use agntz_proto::events::StreamEvent;
use agntz_proto::types::{RunRequest, RunStatus};
use agntz_proto::{ClientTools, Config, Error, RetryPolicy, Transport};
use agntz_testkit::{Fault, FaultRule};
use tracing::instrument::WithSubscriber;

use collect::{Collector, EventRec, SpanRec};
use harness::Harness;

/// Words sent in request bodies only: they must never reach a span.
const BODY_TEXT: &str = "confidential-body-words";

macro_rules! transports {
    ($($scenario:ident),* $(,)?) => {
        mod reqwest {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    let h = crate::harness::Harness::start(crate::harness::reqwest).await;
                    crate::$scenario(h).await;
                }
            )*
        }
        mod hyper {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    let h = crate::harness::Harness::start(crate::harness::hyper).await;
                    crate::$scenario(h).await;
                }
            )*
        }
    };
}

transports!(
    calls_have_one_span_each_with_route_ids_and_status,
    retries_are_events_and_add_up_on_the_span,
    streams_have_one_span_with_ids_items_and_reconnects,
    client_tool_answers_are_children_of_their_stream,
);

/// A client of the harness's worker that retries quickly.
fn quick_client<T: Transport>(h: &Harness<T>) -> agntz_proto::Client<T> {
    let config = Config::builder()
        .base_url(h.worker.base_url())
        .api_key(h.worker.api_key())
        .retry_policy(
            RetryPolicy::default()
                .with_backoff(Duration::from_millis(5), Duration::from_millis(20)),
        )
        .build()
        .expect("config");
    h.client_with(config)
}

fn by_op(spans: &[SpanRec], op: &str) -> Vec<SpanRec> {
    spans
        .iter()
        .filter(|s| s.field("op") == Some(op))
        .cloned()
        .collect()
}

fn one(spans: &[SpanRec], op: &str) -> SpanRec {
    let found = by_op(spans, op);
    assert_eq!(found.len(), 1, "one {op} span in {spans:#?}");
    found.into_iter().next().unwrap()
}

fn number(value: Option<&str>) -> u64 {
    value
        .unwrap_or_else(|| panic!("a number field"))
        .parse()
        .expect("a number")
}

fn millis(value: Option<&str>) -> f64 {
    let ms: f64 = value
        .unwrap_or_else(|| panic!("a time field"))
        .parse()
        .expect("fractional milliseconds");
    assert!((0.0..10_000.0).contains(&ms), "{ms} ms");
    ms
}

/// Neither the key nor the request bodies were recorded anywhere.
fn assert_no_secrets<T: Transport>(h: &Harness<T>, collector: &Collector) {
    let text = collector.all_text();
    assert!(!text.is_empty());
    assert!(
        !text.contains(h.worker.api_key()),
        "the API key leaked:\n{text}"
    );
    assert!(!text.contains("Bearer"), "an auth header leaked:\n{text}");
    assert!(!text.contains(BODY_TEXT), "a body leaked:\n{text}");
}

async fn calls_have_one_span_each_with_route_ids_and_status<T: Transport>(h: Harness<T>) {
    let collector = Collector::default();
    let client = h.client.clone();
    let (result, run) = async {
        let result = client
            .agents()
            .run(
                RunRequest::new("echo")
                    .input(BODY_TEXT)
                    .session_id("sess_traced"),
            )
            .await
            .expect("run");
        let run = client
            .runs()
            .start(RunRequest::new("echo").input(BODY_TEXT))
            .await
            .expect("start");
        let e = client
            .runs()
            .get("run missing/1")
            .await
            .expect_err("unknown");
        assert!(matches!(e, Error::NotFound(_)));
        client.sessions().get("sess_traced").await.expect("session");
        let e = client.runs().stream("run_gone").await.expect_err("unknown");
        assert!(matches!(e, Error::NotFound(_)));
        (result, run)
    }
    .with_subscriber(collector.clone())
    .await;
    let spans = collector.spans();

    let call = one(&spans, "RunAgent");
    assert_eq!(call.name, "agntz.request");
    assert_eq!(call.field("method"), Some("POST"));
    assert_eq!(call.field("path"), Some("/run"));
    assert_eq!(call.field("otel.name"), Some("POST /run"));
    assert_eq!(call.field("otel.kind"), Some("client"));
    assert_eq!(call.field("status"), Some("200"));
    assert_eq!(call.field("attempt"), Some("1"));
    assert_eq!(call.field("run_id"), Some(result.run_id.as_str()));
    assert!(result.run_id.starts_with("run_"));
    assert_eq!(call.field("session_id"), Some("sess_traced"));
    millis(call.field("ttfb_ms"));
    assert_eq!(call.field("error"), None);
    assert_eq!(call.field("retry_wait_ms"), None, "no retry");
    assert!(call.closed, "the span ends with the call");

    let start = one(&spans, "StartRun");
    assert_eq!(start.field("path"), Some("/runs"));
    assert_eq!(start.field("status"), Some("201"));
    assert_eq!(start.field("run_id"), Some(run.id.as_str()));

    // Ids are fields, never part of the name or the path template.
    let missing = one(&spans, "GetRun");
    assert_eq!(missing.field("path"), Some("/runs/{id}"));
    assert_eq!(missing.field("otel.name"), Some("GET /runs/{id}"));
    assert_eq!(missing.field("run_id"), Some("run missing/1"), "decoded");
    assert_eq!(missing.field("status"), Some("404"));
    assert_eq!(missing.field("error"), Some("not_found"));

    let session = one(&spans, "GetSession");
    assert_eq!(session.field("path"), Some("/sessions/{id}"));
    assert_eq!(session.field("session_id"), Some("sess_traced"));

    let stream = one(&spans, "StreamRun");
    assert_eq!(stream.name, "agntz.stream");
    assert_eq!(stream.field("path"), Some("/runs/{id}/stream"));
    assert_eq!(stream.field("run_id"), Some("run_gone"));
    assert_eq!(stream.field("status"), Some("404"));
    assert_eq!(stream.field("error"), Some("not_found"));
    assert!(stream.closed, "a stream that never opened ends at once");

    assert!(spans.iter().all(|s| s.parent.is_none()), "top-level calls");
    assert_no_secrets(&h, &collector);
}

async fn retries_are_events_and_add_up_on_the_span<T: Transport>(h: Harness<T>) {
    let client = quick_client(&h);
    let run = client
        .runs()
        .start(RunRequest::new("echo").input("retry me"))
        .await
        .expect("start");
    h.worker.faults().push_rule(
        FaultRule::new(Fault::Status {
            status: 503,
            retry_after: None,
            times: 2,
        })
        .path(format!("/runs/{}", run.id)),
    );
    let collector = Collector::default();
    let got = client
        .runs()
        .get(&run.id)
        .with_subscriber(collector.clone())
        .await
        .expect("third time lucky");
    assert_eq!(got.id, run.id);

    let spans = collector.spans();
    let call = one(&spans, "GetRun");
    assert_eq!(call.field("attempt"), Some("3"));
    assert_eq!(call.field("status"), Some("200"), "the last response");
    assert_eq!(call.field("run_id"), Some(run.id.as_str()));
    assert_eq!(call.field("error"), None, "it succeeded");
    let retries: Vec<EventRec> = collector
        .events()
        .into_iter()
        .filter(|e| e.field("message") == Some("retry"))
        .collect();
    assert_eq!(retries.len(), 2, "{retries:#?}");
    let mut waited = 0;
    for (i, retry) in retries.iter().enumerate() {
        assert_eq!(retry.parent, Some(call.id), "inside the call's span");
        assert_eq!(retry.field("attempt"), Some((i + 1).to_string().as_str()));
        assert_eq!(retry.field("status"), Some("503"));
        assert_eq!(retry.field("error"), Some("api"));
        waited += number(retry.field("wait_ms"));
    }
    assert_eq!(number(call.field("retry_wait_ms")), waited);
    assert_no_secrets(&h, &collector);
}

async fn streams_have_one_span_with_ids_items_and_reconnects<T: Transport>(h: Harness<T>) {
    let client = quick_client(&h);
    let collector = Collector::default();
    let (events, run_id, resumed) = async {
        let mut stream = client
            .agents()
            .stream(
                RunRequest::new("echo")
                    .input(BODY_TEXT)
                    .session_id("sess_streamed"),
            )
            .await
            .expect("stream");
        let mut events = Vec::new();
        while let Some(event) = stream.next().await {
            events.push(event.expect("event"));
        }
        drop(stream);

        // A durable run, then its stream with the connection reset after
        // two events: the stream resumes with `since`.
        let run = client
            .runs()
            .start(RunRequest::new("echo").input("durable"))
            .await
            .expect("start");
        loop {
            let now = client.runs().get(&run.id).await.expect("get");
            if now.status == RunStatus::Completed {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        h.worker.faults().push_rule(
            FaultRule::new(Fault::ResetAfterEvents(2)).path(format!("/runs/{}/stream", run.id)),
        );
        let mut stream = client.runs().stream(&run.id).await.expect("run stream");
        let mut resumed = 0;
        while let Some(event) = stream.next().await {
            event.expect("every event, once");
            resumed += 1;
        }
        drop(stream);
        (events, run.id, resumed)
    }
    .with_subscriber(collector.clone())
    .await;
    let spans = collector.spans();

    let agent = one(&spans, "StreamAgent");
    assert_eq!(agent.name, "agntz.stream");
    assert_eq!(agent.field("path"), Some("/run/stream"));
    assert_eq!(agent.field("method"), Some("POST"));
    assert_eq!(agent.field("status"), Some("200"));
    millis(agent.field("ttfb_ms"));
    let Some(StreamEvent::Start(start)) = events.first() else {
        panic!("run-start first: {events:?}");
    };
    assert_eq!(agent.field("run_id"), start.run_id.as_deref());
    assert_eq!(agent.field("session_id"), Some("sess_streamed"));
    assert_eq!(number(agent.field("items")), events.len() as u64);
    assert!(agent.closed, "the span ends when the stream is dropped");

    let run_stream = one(&spans, "StreamRun");
    assert_eq!(run_stream.field("path"), Some("/runs/{id}/stream"));
    assert_eq!(run_stream.field("run_id"), Some(run_id.as_str()));
    assert_eq!(run_stream.field("reconnects"), Some("1"));
    assert_eq!(number(run_stream.field("items")), resumed);
    let since = number(run_stream.field("since"));
    assert!(since >= 1, "the reconnect asked for events after {since}");
    assert_eq!(run_stream.field("error"), None, "the stream recovered");
    let reconnects: Vec<EventRec> = collector
        .events()
        .into_iter()
        .filter(|e| e.field("message") == Some("reconnect"))
        .collect();
    assert_eq!(reconnects.len(), 1, "{reconnects:#?}");
    assert_eq!(reconnects[0].parent, Some(run_stream.id));
    assert_eq!(reconnects[0].field("reconnect"), Some("1"));
    assert_eq!(number(reconnects[0].field("since")), since);
    number(reconnects[0].field("wait_ms"));
    assert!(reconnects[0].field("error").is_some());
    assert_no_secrets(&h, &collector);
}

async fn client_tool_answers_are_children_of_their_stream<T: Transport>(h: Harness<T>) {
    let tools = ClientTools::new().handler("get_selection", |_input, _call| async {
        Ok(serde_json::json!({ "selected": BODY_TEXT }))
    });
    let collector = Collector::default();
    let result = h
        .client
        .agents()
        .run_with_tools(
            RunRequest::new("clientbot").input(r#"CALL_TOOL:get_selection ARGS:{}"#),
            tools,
        )
        .with_subscriber(collector.clone())
        .await
        .expect("run with tools");
    assert!(result
        .output
        .as_str()
        .unwrap_or_default()
        .contains(BODY_TEXT));

    let spans = collector.spans();
    let stream = one(&spans, "StreamAgent");
    let answer = one(&spans, "SubmitToolResult");
    assert_eq!(
        answer.parent,
        Some(stream.id),
        "the answer is the stream's child"
    );
    assert_eq!(
        answer.field("path"),
        Some("/runs/{id}/client-tool-requests/{request_id}/result")
    );
    assert_eq!(answer.field("run_id"), Some(result.run_id.as_str()));
    assert!(answer.field("request_id").is_some());
    assert_eq!(answer.field("status"), Some("202"));
    assert_no_secrets(&h, &collector);
}
