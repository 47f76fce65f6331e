//! Results keep the keys this SDK does not model, so a newer worker loses
//! nothing: on the `POST /run` body, the `run-complete` payload of both
//! streams, durable run records and their results.

use agntz_proto::body::WholeBody;
use agntz_proto::events::{RunEvent, StreamEvent};
use agntz_proto::ops::{GetRun, Operation, RunAgent};
use agntz_proto::types::*;
use serde_json::json;

fn ok(body: &serde_json::Value) -> http::Response<WholeBody> {
    http::Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(body.to_string().into())
        .unwrap()
}

/// A `/run/block` body: the run result plus three keys `RunResult` does
/// not model, and one a future worker might add.
fn block_body() -> serde_json::Value {
    json!({
        "output": "ECHO: two hi", "state": {"userQuery": "hi"},
        "retention": {"mode": "session"}, "runId": "run_EkPiX-x1k8Cc",
        "traceId": "run_EkPiX-x1k8Cc", "status": "completed",
        "model": "fake-model", "usage": {"inputTokens": 3, "outputTokens": 2, "totalTokens": 5},
        "target": "block", "blockId": "wxblk-second", "blockKind": "llm",
        "costUsd": {"total": 0.25, "currency": "USD"}
    })
}

#[test]
fn run_result_keeps_unknown_keys() {
    let op = RunAgent::new(RunRequest::new("wxblk").input("hi"));
    let r = op.parse(ok(&block_body())).unwrap();
    assert_eq!(r.output, "ECHO: two hi");
    assert_eq!(r.usage.total_tokens, 5);
    assert_eq!(r.extra.len(), 4, "{:?}", r.extra);
    assert_eq!(r.extra["target"], "block");
    assert_eq!(r.extra["blockId"], "wxblk-second");
    assert_eq!(r.extra["blockKind"], "llm");
    assert_eq!(
        r.extra["costUsd"],
        json!({"total": 0.25, "currency": "USD"})
    );
    // Known keys never land in `extra`.
    assert!(!r.extra.contains_key("output") && !r.extra.contains_key("runId"));
}

#[test]
fn run_result_without_unknown_keys_has_empty_extra() {
    let mut body = block_body();
    for k in ["target", "blockId", "blockKind", "costUsd"] {
        body.as_object_mut().unwrap().remove(k);
    }
    let r: RunResult = serde_json::from_value(body).unwrap();
    assert!(r.extra.is_empty());
    assert_eq!(r, {
        let mut again: RunResult = serde_json::from_str(&block_body().to_string()).unwrap();
        again.extra.clear();
        again
    });
}

#[test]
fn agent_stream_complete_keeps_unknown_keys() {
    let data = block_body().to_string();
    let StreamEvent::Complete(done) =
        StreamEvent::from_frame("run-complete", data.as_bytes()).unwrap()
    else {
        panic!("not a completion")
    };
    assert_eq!(done.run_id, "run_EkPiX-x1k8Cc");
    assert_eq!(done.extra["blockKind"], "llm");
    assert_eq!(done.extra["costUsd"]["currency"], "USD");
}

#[test]
fn run_record_and_its_result_keep_unknown_keys() {
    let body = json!({
        "id": "run_1", "rootId": "run_1", "agentId": "echo", "status": "completed",
        "input": "hi", "startedAt": 1, "endedAt": 5, "depth": 0,
        "priority": "high", "labels": ["a"],
        "result": {"output": "ECHO: hi", "invocationId": "run_1", "model": "m",
                   "usage": {"promptTokens": 1, "completionTokens": 2, "totalTokens": 3},
                   "latencyBreakdown": {"model": 3}}
    });
    let run = GetRun::new("run_1").parse(ok(&body)).unwrap();
    assert_eq!(run.status, RunStatus::Completed);
    assert_eq!(run.extra.len(), 2, "{:?}", run.extra);
    assert_eq!(run.extra["priority"], "high");
    assert_eq!(run.extra["labels"], json!(["a"]));
    let result = run.result.as_ref().unwrap();
    assert_eq!(result.output, "ECHO: hi");
    assert_eq!(result.usage.total_tokens, 3);
    assert_eq!(result.extra["latencyBreakdown"], json!({"model": 3}));
    assert_eq!(result.extra.len(), 1);
}

#[test]
fn durable_stream_complete_and_snapshot_keep_unknown_keys() {
    let data = json!({"runId": "run_1", "seq": 4, "shard": 7,
                      "result": {"output": "x", "newMetric": 1.5}})
    .to_string();
    let RunEvent::Complete(done) = RunEvent::from_frame("run-complete", data.as_bytes()).unwrap()
    else {
        panic!("not a completion")
    };
    assert_eq!(done.seq, Some(4));
    assert_eq!(done.extra["shard"], 7);
    assert_eq!(done.result.extra["newMetric"], 1.5);

    let data =
        json!({"id": "run_1", "status": "failed", "error": "boom", "region": "eu"}).to_string();
    let RunEvent::Snapshot(run) = RunEvent::from_frame("snapshot", data.as_bytes()).unwrap() else {
        panic!("not a snapshot")
    };
    assert_eq!(run.error.as_deref(), Some("boom"));
    assert_eq!(run.extra["region"], "eu");
}

#[test]
fn run_pages_keep_unknown_keys_per_row() {
    let page: RunPage = serde_json::from_value(json!({
        "rows": [{"id": "a", "status": "running", "x": 1}, {"id": "b", "status": "pending"}],
        "cursor": "c"
    }))
    .unwrap();
    assert_eq!(page.rows[0].extra["x"], 1);
    assert!(page.rows[1].extra.is_empty());
}

#[test]
fn a_bad_known_field_is_still_an_error() {
    // Keeping unknown keys must not make the decoding of known ones lax.
    assert!(serde_json::from_value::<RunResult>(json!({"runId": 5})).is_err());
    assert!(serde_json::from_value::<Run>(json!({"startedAt": "soon"})).is_err());
    assert!(serde_json::from_str::<RunResult>(r#"{"output":"x","new":}"#).is_err());
    assert!(serde_json::from_str::<RunResult>("[1]").is_err());
}
