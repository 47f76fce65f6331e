//! One tool call of the manifest step: the agent's own tool (local, client
//! or callback) and the built-in `reply` tool.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::{oneshot, watch};

use super::spans::SpanBuilder;
use super::{cancelled, RunSpec};
use crate::callback_tools::{self, Runtime};
use crate::model::{self, Agent, ToolDecl};
use crate::runs::EventLog;
use crate::store::{ClientToolRequest, Store, ToolAnswer, ToolRequestState};
use crate::util::{hex, iso, now_ms, raw};
use crate::wire::{Message, Raw, Reply, RunEvent, ToolCallRecord, ToolCallRef};

/// Where a tool call runs.
pub(super) struct CallSite<'a> {
    pub store: &'a Arc<Store>,
    pub spec: &'a RunSpec,
    pub agent: &'a Agent,
    pub root_id: &'a str,
    pub child_id: &'a str,
    pub log: &'a EventLog,
}

/// Calls the agent's tool `name` with `args`: `tool-call-start`, the call,
/// `tool-call-end`. `Err` carries the reason when the run was cancelled
/// during the call.
pub(super) async fn call(
    site: &CallSite<'_>,
    cancel_rx: &mut watch::Receiver<Option<String>>,
    spans: &mut SpanBuilder,
    name: String,
    args: Value,
) -> Result<ToolCallRecord, String> {
    let CallSite {
        store,
        spec,
        agent,
        root_id,
        child_id,
        log,
    } = *site;
    let call_id = format!("call_{}", hex(24));
    log.emit(RunEvent::ToolCallStart {
        run_id: child_id.to_string(),
        tool_call: ToolCallRef {
            id: call_id.clone(),
            name: name.clone(),
        },
        seq: 0,
    });
    let tool_span = spans.start(
        Some(spans.spans.len().saturating_sub(1)),
        "agent.tool.call",
        "tool",
        None,
        true,
        serde_json::json!({"tool.name": name, "tool.call.id": call_id}),
    );
    let started = now_ms();
    let (output, error): (Raw, Option<String>) = match agent.tool.clone() {
        Some(ToolDecl::Client { timeout_ms, .. }) => {
            let request_id = format!("ctr_{}", hex(24));
            let (tx, rx) = oneshot::channel();
            store.lock().client_tools.insert(
                request_id.clone(),
                ClientToolRequest {
                    tenant: spec.tenant.clone(),
                    root_run_id: root_id.to_string(),
                    state: ToolRequestState::Pending(tx),
                },
            );
            log.emit(RunEvent::ClientToolRequest {
                run_id: child_id.to_string(),
                root_run_id: root_id.to_string(),
                request_id: request_id.clone(),
                tool_call_id: call_id.clone(),
                name: name.clone(),
                input: args.clone(),
                deadline_at: iso(now_ms() + timeout_ms),
                seq: 0,
            });
            let answer = tokio::select! {
                a = rx => a.ok(),
                _ = tokio::time::sleep(Duration::from_millis(timeout_ms)) => None,
                reason = cancelled(cancel_rx) => {
                    deactivate(store, &request_id);
                    return Err(reason);
                }
            };
            match answer {
                Some(ToolAnswer::Output(raw_out)) => (raw_out, None),
                Some(ToolAnswer::Error(msg)) => {
                    let msg = format!("Client tool '{name}' failed: {msg}");
                    (raw(&serde_json::json!({"error": msg})), Some(msg))
                }
                None => {
                    deactivate(store, &request_id);
                    let msg = format!("Client tool '{name}' timed out after {timeout_ms}ms");
                    (raw(&serde_json::json!({"error": msg})), Some(msg))
                }
            }
        }
        Some(ToolDecl::Callback(tool)) => {
            let runtime = Runtime {
                session_id: &spec.session_id,
                run_id: child_id,
                agent_id: &agent.id,
            };
            // The tool returns its failures as results: no `error` field.
            tokio::select! {
                out = callback_tools::call(store, &spec.tenant, &tool, &args, runtime) => (out, None),
                reason = cancelled(cancel_rx) => return Err(reason),
            }
        }
        _ => (model::validate_manifest(&args), None),
    };
    let record = ToolCallRecord {
        id: call_id,
        name,
        input: args,
        output,
        duration: now_ms().saturating_sub(started).max(1),
        error,
    };
    spans.end(tool_span);
    log.emit(RunEvent::ToolCallEnd {
        run_id: child_id.to_string(),
        tool_call: record.clone(),
        seq: 0,
    });
    Ok(record)
}

/// Identical consecutive replies this close together are refused as
/// duplicates (as the worker's `reply` tool does).
const REPLY_DEDUPE_MS: u64 = 100;

/// One call of the agent's `reply` tool: `tool-call-start`, the `reply` event
/// (unless refused as a duplicate of the previous reply), `tool-call-end`.
/// In `session` mode the reply is appended to the session as an assistant
/// message at once. Returns the tool call and the accepted reply.
pub(super) fn reply_call(
    store: &Store,
    spec: &RunSpec,
    child_id: &str,
    log: &EventLog,
    spans: &mut SpanBuilder,
    earlier: &[Reply],
    text: String,
) -> (ToolCallRecord, Option<Reply>) {
    let call_id = format!("call_{}", hex(24));
    let name = "reply".to_string();
    log.emit(RunEvent::ToolCallStart {
        run_id: child_id.to_string(),
        tool_call: ToolCallRef {
            id: call_id.clone(),
            name: name.clone(),
        },
        seq: 0,
    });
    let tool_span = spans.start(
        Some(spans.spans.len().saturating_sub(1)),
        "agent.tool.call",
        "tool",
        None,
        true,
        serde_json::json!({"tool.name": name, "tool.call.id": call_id}),
    );
    let started = now_ms();
    let duplicate = earlier.last().is_some_and(|last| {
        last.text == text
            && crate::util::parse_iso(&last.ts)
                .is_some_and(|at| started.saturating_sub(at) < REPLY_DEDUPE_MS)
    });
    let (output, reply) = if duplicate {
        (
            raw(&serde_json::json!({"delivered": false, "reason": "duplicate"})),
            None,
        )
    } else {
        let ts = iso(started);
        if spec.retention.mode == "session" {
            let mut inner = store.lock();
            let key = (spec.tenant.clone(), spec.session_id.clone());
            if let Some(s) = inner.sessions.get_mut(&key) {
                s.messages.push(Message {
                    role: "assistant".into(),
                    content: Value::String(text.clone()),
                    timestamp: ts.clone(),
                });
                s.updated_at = ts.clone();
            }
        }
        log.emit(RunEvent::Reply {
            run_id: child_id.to_string(),
            session_id: spec.session_id.clone(),
            text: text.clone(),
            ts: ts.clone(),
            seq: 0,
        });
        (
            raw(&serde_json::json!({"delivered": true})),
            Some(Reply {
                text: text.clone(),
                ts,
                session_id: spec.session_id.clone(),
                run_id: child_id.to_string(),
            }),
        )
    };
    let record = ToolCallRecord {
        id: call_id,
        name,
        input: serde_json::json!({ "text": text }),
        output,
        duration: now_ms().saturating_sub(started).max(1),
        error: None,
    };
    spans.end(tool_span);
    log.emit(RunEvent::ToolCallEnd {
        run_id: child_id.to_string(),
        tool_call: record.clone(),
        seq: 0,
    });
    (record, reply)
}

fn deactivate(store: &Store, request_id: &str) {
    if let Some(r) = store.lock().client_tools.get_mut(request_id) {
        if matches!(r.state, ToolRequestState::Pending(_)) {
            r.state = ToolRequestState::Inactive;
        }
    }
}
