//! Decoding of response bodies recorded from the reference worker.

use agntz_proto::types::*;
use serde_json::json;

#[test]
fn health() {
    let h: Health = serde_json::from_str(include_str!("data/health.json")).unwrap();
    assert_eq!(h.status, "ok");
    assert_eq!(h.service, "agntz-worker");
    assert!(h.is_ok());
}

#[test]
fn run_result_session_mode() {
    let r: RunResult = serde_json::from_str(include_str!("data/run_result.json")).unwrap();
    assert_eq!(r.output, json!("ECHO: hello world"));
    assert_eq!(r.output_text(), Some("ECHO: hello world"));
    assert_eq!(r.state, json!({"userQuery": "hello world"}));
    assert_eq!(r.retention, Some(Retention::mode(RetentionMode::Session)));
    assert_eq!(r.run_id, "run_BZRUlk5Va1bl");
    assert_eq!(r.trace_id.as_deref(), Some("run_BZRUlk5Va1bl"));
    assert_eq!(r.status, "completed");
    assert_eq!(r.requested_agent_version, None);
    assert_eq!(
        r.resolved_agent_version.as_deref(),
        Some("2026-11-28T20:08:33.997Z")
    );
    assert_eq!(r.provider.as_deref(), Some("openai"));
    assert_eq!(r.model, "fake-model");
    assert_eq!(r.usage.input_tokens, 2);
    assert_eq!(r.usage.output_tokens, 3);
    assert_eq!(r.usage.total_tokens, 5);
    assert_eq!(r.finish_reason.as_deref(), Some("stop"));
    assert_eq!(
        r.response_id.as_deref(),
        Some("resp_55e8b236b5c54e988a513325")
    );
    assert_eq!(r.session_id.as_deref(), Some("sess_ri5_FHidLlHh"));
    assert!(r.warnings.is_empty());
    assert!(r.replies.is_empty());
}

#[test]
fn run_result_tool_output_is_string() {
    let r: RunResult = serde_json::from_str(include_str!("data/run_result_tool.json")).unwrap();
    assert!(r.output_text().unwrap().starts_with("TOOL_RESULT: {"));
    assert_eq!(r.usage.total_tokens, 19);
}

#[test]
fn run_result_defaults_and_replies() {
    // C3: a minimal body gets the documented defaults.
    let r: RunResult = serde_json::from_str(r#"{"output":null,"state":{}}"#).unwrap();
    assert_eq!(r.output, serde_json::Value::Null);
    assert_eq!(r.run_id, "");
    assert_eq!(r.status, "completed");
    assert_eq!(r.model, "");
    assert_eq!(r.usage, Usage::default());
    assert_eq!(r.retention, None);
    assert_eq!(r, RunResult::default());

    // C11: structured output, replies.
    let r: RunResult = serde_json::from_value(json!({
        "output": {"answer": "done"},
        "state": {"support": {"answer": "done"}},
        "sessionId": "sess_abc",
        "replies": [{"text": "Working on it", "ts": "2026-05-24T00:00:00.000Z",
                     "sessionId": "sess_abc", "runId": "run_abc"}],
        "somethingNew": [1, 2, 3]
    }))
    .unwrap();
    #[derive(serde::Deserialize, PartialEq, Debug)]
    struct Answer {
        answer: String,
    }
    assert_eq!(
        r.output_as::<Answer>().unwrap(),
        Answer {
            answer: "done".into()
        }
    );
    assert!(r.output_as::<Vec<u8>>().is_err());
    assert_eq!(r.output_text(), None);
    assert_eq!(r.replies.len(), 1);
    assert_eq!(r.replies[0].run_id, "run_abc");
    assert_eq!(r.replies[0].session_id, "sess_abc");
    assert_eq!(r.replies[0].seq, None);

    // A non-object state is normalized to {}.
    let r: RunResult = serde_json::from_str(r#"{"output":1,"state":[1]}"#).unwrap();
    assert_eq!(r.state, json!({}));
}

#[test]
fn run_result_c4_retention_none() {
    let r: RunResult = serde_json::from_value(json!({
        "output": {"text": "hello"}, "state": {}, "runId": "run_1", "status": "completed",
        "model": "gpt-4o-mini-transcribe",
        "usage": {"inputTokens": 0, "outputTokens": 0, "totalTokens": 0},
        "retention": {"mode": "none", "artifactTtlSeconds": 3600}
    }))
    .unwrap();
    assert_eq!(r.session_id, None);
    let ret = r.retention.unwrap();
    assert_eq!(ret.mode, Some(RetentionMode::None));
    assert_eq!(ret.artifact_ttl_seconds, Some(3600));
    assert_eq!(ret.ttl_seconds, None);
}

#[test]
fn run_started_record() {
    let r: Run = serde_json::from_str(include_str!("data/run_started.json")).unwrap();
    assert_eq!(r.id, "run_spiC2IDZoD1c");
    assert_eq!(r.root_id, "run_spiC2IDZoD1c");
    assert_eq!(r.parent_id, None);
    assert_eq!(r.agent_id, "echo");
    assert_eq!(r.agent_version.as_deref(), Some("2026-11-28T20:08:33.997Z"));
    assert_eq!(r.user_id.as_deref(), Some("user_ref_a"));
    assert_eq!(r.session_id.as_deref(), Some("sess_YfDlVZliYKAa"));
    assert_eq!(r.retention_mode, Some(RetentionMode::Session));
    assert_eq!(r.status, RunStatus::Running);
    assert_eq!(r.input, "durable hello");
    assert_eq!(r.started_at, 1795896514194);
    assert_eq!(r.ended_at, None);
    assert_eq!(r.depth, 0);
    assert!(r.result.is_none());
    assert!(!r.is_terminal());
    assert!(r.is_root());
    assert_eq!(
        r.started_at_time(),
        std::time::UNIX_EPOCH + std::time::Duration::from_millis(1795896514194)
    );
    assert_eq!(r.ended_at_time(), None);
}

#[test]
fn run_completed_record_with_result() {
    let r: Run = serde_json::from_str(include_str!("data/run_completed.json")).unwrap();
    assert_eq!(r.status, RunStatus::Completed);
    assert!(r.is_terminal());
    assert_eq!(r.ended_at, Some(1795896514202));
    assert_eq!(r.duration(), Some(std::time::Duration::from_millis(8)));
    let res = r.result.unwrap();
    assert_eq!(res.output, "ECHO: durable hello");
    assert_eq!(res.invocation_id, "run_spiC2IDZoD1c");
    assert_eq!(res.session_id, "sess_YfDlVZliYKAa");
    assert!(res.tool_calls.is_empty());
    assert_eq!(res.usage.prompt_tokens, 2);
    assert_eq!(res.usage.completion_tokens, 3);
    assert_eq!(res.usage.total_tokens, 5);
    assert_eq!(res.usage.model.as_deref(), Some("fake-model"));
    assert_eq!(res.usage.reasoning_tokens, None);
    assert_eq!(res.duration, Some(8));
    assert_eq!(res.model, "fake-model");
    assert_eq!(res.provider.as_deref(), Some("openai"));
    assert_eq!(res.requested_model.as_deref(), Some("fake-model"));
    assert_eq!(
        res.response_id.as_deref(),
        Some("resp_bc780a3b794348328861e8bf")
    );
    assert_eq!(res.finish_reason.as_deref(), Some("stop"));
    assert_eq!(res.raw_finish_reason, None);
}

#[test]
fn run_cancelled_and_failed_records() {
    let r: Run = serde_json::from_str(include_str!("data/run_cancelled.json")).unwrap();
    assert_eq!(r.status, RunStatus::Cancelled);
    assert_eq!(r.error.as_deref(), Some("cancelled by user"));
    assert!(r.is_terminal());

    let r: Run = serde_json::from_str(include_str!("data/run_failed.json")).unwrap();
    assert_eq!(r.status, RunStatus::Failed);
    assert_eq!(r.agent_id, "no-such-agent");
    assert_eq!(r.agent_version, None);
    assert_eq!(
        r.error.as_deref(),
        Some("Agent \"no-such-agent\" not found")
    );
}

#[test]
fn run_lenient_input_and_output() {
    let r: Run = serde_json::from_value(json!({
        "id": "r", "rootId": "r", "agentId": "a", "status": "completed",
        "input": {"x": 1}, "startedAt": 1, "depth": 0,
        "result": {"output": {"a": [1, true]}, "duration": 12.6, "usage": {"promptTokens": 1}}
    }))
    .unwrap();
    assert_eq!(r.input, r#"{"x":1}"#);
    let res = r.result.unwrap();
    assert_eq!(res.output, r#"{"a":[1,true]}"#);
    assert_eq!(res.duration, Some(13));
    assert_eq!(res.usage.prompt_tokens, 1);
    assert_eq!(res.usage.completion_tokens, 0);

    let r: Run =
        serde_json::from_value(json!({"id": "r", "input": 5, "status": "running"})).unwrap();
    assert_eq!(r.input, "5");
    let r: Run = serde_json::from_value(json!({"id": "r", "input": null})).unwrap();
    assert_eq!(r.input, "");
    let r: Run = serde_json::from_value(json!({"id": "r"})).unwrap();
    assert_eq!(r.input, "");
    assert_eq!(r.status, RunStatus::Unknown);
}

#[test]
fn runs_list_with_cursor() {
    let p: RunPage = serde_json::from_str(include_str!("data/runs_list.json")).unwrap();
    assert_eq!(p.rows.len(), 3);
    assert_eq!(p.rows[0].status, RunStatus::Cancelled);
    assert_eq!(p.rows[1].status, RunStatus::Completed);
    assert_eq!(
        p.rows[1].result.as_ref().unwrap().output,
        "ECHO: durable hello"
    );
    assert_eq!(p.rows[2].id, "run_RbO5hHdQP-2m");
    assert_eq!(
        p.next_cursor.as_deref(),
        Some("eyJzdGFydGVkQXQiOjE3OTU4OTY1MTQxMzcsImlkIjoicnVuX1JiTzVoSGRRUC0ybSJ9")
    );

    let p: RunPage = serde_json::from_str(r#"{"rows":[]}"#).unwrap();
    assert!(p.rows.is_empty());
    assert_eq!(p.next_cursor, None);

    // C41
    let p: RunPage = serde_json::from_str(
        r#"{"rows":[{"id":"r1","rootId":"r1","agentId":"a","status":"completed","input":"x","startedAt":1,"depth":0}],"cursor":"abc"}"#,
    )
    .unwrap();
    assert_eq!(p.next_cursor.as_deref(), Some("abc"));
    assert_eq!(p.rows[0].id, "r1");
}

#[test]
fn run_status_vocabulary() {
    for (s, v) in [
        ("pending", RunStatus::Pending),
        ("running", RunStatus::Running),
        ("draining", RunStatus::Draining),
        ("completed", RunStatus::Completed),
        ("failed", RunStatus::Failed),
        ("cancelled", RunStatus::Cancelled),
    ] {
        assert_eq!(serde_json::from_value::<RunStatus>(json!(s)).unwrap(), v);
        assert_eq!(v.as_str(), s);
        assert_eq!(v.to_string(), s);
    }
    let archived: RunStatus = serde_json::from_value(json!("archived")).unwrap();
    assert_eq!(archived, RunStatus::Unknown);
    assert!(!archived.is_terminal());
    assert!(RunStatus::Failed.is_terminal());
    assert!(!RunStatus::Draining.is_terminal());
}

#[test]
fn traces_list() {
    let p: TracePage = serde_json::from_str(include_str!("data/traces_list.json")).unwrap();
    assert_eq!(p.rows.len(), 2);
    let t = &p.rows[0];
    assert_eq!(t.trace_id, "run_vPha7v_6mNS6");
    assert_eq!(t.owner_id, "user_ref_a");
    assert_eq!(t.root_name, "echo");
    assert_eq!(t.agent_id.as_deref(), Some("echo"));
    assert_eq!(t.started_at, "2026-11-28T20:08:34.761Z");
    assert_eq!(t.ended_at.as_deref(), Some("2026-11-28T20:08:35.300Z"));
    assert_eq!(t.duration_ms, Some(539.0));
    assert_eq!(t.span_count, 4);
    assert_eq!(t.status, SpanStatus::Cancelled);
    assert_eq!(t.total_tokens, 0);
    assert_eq!(t.total_cost_usd, None);
    assert_eq!(p.rows[1].status, SpanStatus::Ok);
    assert_eq!(p.rows[1].total_tokens, 5);
    assert!(p.next_cursor.unwrap().starts_with("eyJzdGFydGVkQXQi"));
}

#[test]
fn trace_detail() {
    let d: TraceDetail = serde_json::from_str(include_str!("data/trace_detail.json")).unwrap();
    assert_eq!(d.summary.trace_id, "run_spiC2IDZoD1c");
    assert_eq!(d.spans.len(), 4);
    let kinds: Vec<SpanKind> = d.spans.iter().map(|s| s.kind).collect();
    assert_eq!(
        kinds,
        [
            SpanKind::Run,
            SpanKind::Manifest,
            SpanKind::Invoke,
            SpanKind::Model
        ]
    );
    let root = &d.spans[0];
    assert_eq!(root.span_id, "sp_6lsv95whqrmx0ueyz6");
    assert_eq!(root.parent_id, None);
    assert_eq!(root.run_id.as_deref(), Some("run_spiC2IDZoD1c"));
    assert_eq!(root.name, "agent.run");
    assert_eq!(root.status, SpanStatus::Ok);
    assert_eq!(root.duration_ms, Some(8.0));
    assert_eq!(root.error, None);
    assert_eq!(root.attributes["agent.id"], json!("echo"));
    assert!(root.events.is_empty());
    assert!(root.scores.is_empty());
    assert_eq!(root.cost_usd, None);
    let model = &d.spans[3];
    assert_eq!(model.parent_id.as_deref(), Some("sp_m7oaxw2bhqmx0ueyz6"));
    assert_eq!(model.run_id, None);
    assert_eq!(model.attributes["agent.usage.total_tokens"], json!(5));

    // C42: nullable summary fields, empty spans.
    let d: TraceDetail = serde_json::from_value(json!({
        "summary": {"traceId": "trace_abc", "ownerId": "u", "rootName": "a", "agentId": null,
                    "startedAt": "2026-01-01T00:00:00.000Z", "endedAt": null, "durationMs": null,
                    "spanCount": 0, "status": "running", "totalTokens": 0, "totalCostUsd": null},
        "spans": []
    }))
    .unwrap();
    assert_eq!(d.summary.trace_id, "trace_abc");
    assert_eq!(d.summary.status, SpanStatus::Running);
    assert_eq!(d.summary.ended_at, None);
}

#[test]
fn span_unknown_vocabulary_and_events() {
    let s: Span = serde_json::from_value(json!({
        "spanId": "s", "traceId": "t", "kind": "retrieval", "status": "paused",
        "events": [{"ts": "2026-01-01T00:00:00Z", "name": "retry", "data": {"n": 1}}, {"ts": "x", "name": "y"}],
        "scores": {"quality": {"value": 0.5}}, "costUsd": 0.01, "brandNew": true
    }))
    .unwrap();
    assert_eq!(s.kind, SpanKind::Unknown);
    assert_eq!(s.status, SpanStatus::Unknown);
    assert_eq!(s.events.len(), 2);
    assert_eq!(s.events[0].name, "retry");
    assert_eq!(s.events[0].data, Some(json!({"n": 1})));
    assert_eq!(s.events[1].data, None);
    assert_eq!(s.scores["quality"], json!({"value": 0.5}));
    assert_eq!(s.cost_usd, Some(0.01));
}

#[test]
fn sessions_list() {
    let l: SessionList = serde_json::from_str(include_str!("data/sessions_list.json")).unwrap();
    assert_eq!(l.sessions.len(), 5);
    assert_eq!(l.sessions[0].session_id, "sess_ri5_FHidLlHh");
    assert_eq!(l.sessions[0].agent_id, None);
    assert_eq!(l.sessions[0].message_count, 2);
    assert_eq!(l.sessions[0].created_at, "2026-11-28T20:08:34.055Z");
    assert_eq!(l.sessions[3].message_count, 0);
    assert_eq!(l.sessions[4].session_id, "sess_ref_demo");
    assert_eq!(l.sessions[4].message_count, 4);

    let l: SessionList = serde_json::from_str(r#"{"sessions":[]}"#).unwrap();
    assert!(l.sessions.is_empty());

    // A bare array is accepted too.
    let l: SessionList = serde_json::from_str(
        r#"[{"sessionId":"s1","agentId":"a1","messageCount":2,"createdAt":"c","updatedAt":"u"}]"#,
    )
    .unwrap();
    let v: Vec<SessionSummary> = l.into_iter().collect();
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].agent_id.as_deref(), Some("a1"));
}

#[test]
fn session_detail() {
    let d: SessionDetail = serde_json::from_str(include_str!("data/session_detail.json")).unwrap();
    assert_eq!(d.session_id, "sess_ref_demo");
    assert_eq!(d.messages.len(), 4);
    assert_eq!(d.messages[0].role, Role::User);
    assert_eq!(d.messages[0].content.as_text(), Some("my name is Ada"));
    assert_eq!(d.messages[0].timestamp, "2026-11-28T20:08:35.946Z");
    assert!(d.messages[0].tool_calls.is_empty());
    assert_eq!(d.messages[3].role, Role::Assistant);
    assert_eq!(
        d.messages[3].content,
        MessageContent::Text("RECALL: my name is Ada".into())
    );

    let d: SessionDetail =
        serde_json::from_str(include_str!("data/session_imported.json")).unwrap();
    assert_eq!(d.messages[1].timestamp, "2026-01-01T00:00:01.000Z");
}

#[test]
fn message_with_blocks_tool_calls_and_unknown_role() {
    let m: Message = serde_json::from_value(json!({
        "role": "critic",
        "content": [
            {"type": "text", "text": "look"},
            {"type": "image", "base64": "AAAA", "mediaType": "image/png", "detail": "high"},
            {"type": "video", "url": "https://x/v.mp4"}
        ],
        "toolCalls": [{"id": "c1", "name": "t", "input": {"a": 1}, "output": "ok", "duration": 1.5}],
        "toolCallId": "c0",
        "timestamp": "2026-01-01T00:00:00Z"
    }))
    .unwrap();
    assert_eq!(m.role, Role::Unknown);
    let MessageContent::Blocks(blocks) = &m.content else {
        panic!("expected blocks: {:?}", m.content)
    };
    assert_eq!(blocks[0], ContentBlock::text("look"));
    assert_eq!(
        blocks[1],
        ContentBlock::image_base64("AAAA", "image/png").detail(ImageDetail::High)
    );
    assert_eq!(
        blocks[2],
        ContentBlock::Other(json!({"type": "video", "url": "https://x/v.mp4"}))
    );
    assert_eq!(blocks[2].kind(), Some("video"));
    assert_eq!(m.tool_calls[0].name, "t");
    assert_eq!(m.tool_calls[0].duration, Some(1.5));
    assert_eq!(m.tool_call_id.as_deref(), Some("c0"));
}

#[test]
fn import_result() {
    let r: ImportResult = serde_json::from_str(include_str!("data/session_import.json")).unwrap();
    assert!(!r.dry_run);
    assert_eq!(r.results.len(), 1);
    assert_eq!(r.results[0].session_id, "sess_imported_1");
    assert_eq!(r.results[0].agent_id.as_deref(), Some("echo"));
    assert_eq!(r.results[0].action, ImportAction::Create);
    assert_eq!(r.results[0].message_count, 2);
    assert_eq!(r.counts.get("create"), Some(&1));

    // C48 canned body, and an unknown action.
    let r: ImportResult = serde_json::from_str(
        r#"{"dryRun":true,"results":[{"action":"create"},{"sessionId":"s","action":"merge"}],"counts":{"create":1}}"#,
    )
    .unwrap();
    assert!(r.dry_run);
    assert_eq!(r.results[0].session_id, "");
    assert_eq!(r.results[1].action, ImportAction::Unknown);
}

#[test]
fn client_tool_request() {
    let c: ClientToolRequest = serde_json::from_str(
        r#"{"type":"client-tool-request","runId":"run_Pu2XmAIWtAkJ","rootRunId":"run_vkY8Jao-4Nic","requestId":"ctr_122b430419db671a58616b04","toolCallId":"call_b0d3153a54ec459183b2ab6c","name":"get_selection","input":{"includeText":true},"deadlineAt":"2026-11-28T20:27:30.541Z","seq":4}"#,
    )
    .unwrap();
    assert_eq!(c.run_id, "run_Pu2XmAIWtAkJ");
    assert_eq!(c.root_run_id, "run_vkY8Jao-4Nic");
    assert_eq!(c.request_id, "ctr_122b430419db671a58616b04");
    assert_eq!(c.tool_call_id, "call_b0d3153a54ec459183b2ab6c");
    assert_eq!(c.name, "get_selection");
    assert_eq!(c.input, json!({"includeText": true}));
    assert_eq!(c.deadline_at, "2026-11-28T20:27:30.541Z");
    assert_eq!(c.seq, Some(4));
}
