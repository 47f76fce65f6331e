//! Recording how the runs of a tree ended: the run records, the closing
//! events, and the stored trace.

use std::sync::Arc;

use super::spans::SpanBuilder;
use super::RunSpec;
use crate::runs::EventLog;
use crate::store::{Store, ToolRequestState, TraceRecord};
use crate::util::{iso, now_ms};
use crate::wire::{InvokeResult, RunEvent, TraceDetail, TraceEvent, TraceSummary};

pub(super) fn finish_child(
    store: &Store,
    child_id: &str,
    status: &'static str,
    error: Option<String>,
    result: Option<InvokeResult>,
) {
    let mut inner = store.lock();
    if let Some(e) = inner.runs.get_mut(child_id) {
        e.json.status = status;
        e.json.error = error;
        e.json.result = result;
        e.json.ended_at = Some(now_ms());
    }
}

pub(super) enum RootEnd {
    Completed(Box<(InvokeResult, InvokeResult)>),
    Failed(String),
    Cancelled(String),
}

pub(super) fn finish_root(
    store: &Store,
    spec: &RunSpec,
    root_id: &str,
    log: &EventLog,
    end: RootEnd,
    started_ms: u64,
    spans: Option<(SpanBuilder, u64)>,
) {
    let ended = now_ms();
    let (status, trace_status, error, event) = match end {
        RootEnd::Completed(results) => {
            let (live, stored) = *results;
            set_root(store, root_id, "completed", None, Some(stored), ended);
            (
                "completed",
                "ok",
                None,
                RunEvent::RunComplete {
                    run_id: root_id.to_string(),
                    result: live,
                    seq: 0,
                },
            )
        }
        RootEnd::Failed(msg) => {
            set_root(store, root_id, "failed", Some(msg.clone()), None, ended);
            (
                "failed",
                "error",
                Some(msg.clone()),
                RunEvent::RunError {
                    run_id: root_id.to_string(),
                    error: msg,
                    seq: 0,
                },
            )
        }
        RootEnd::Cancelled(reason) => {
            set_root(store, root_id, "cancelled", Some(reason), None, ended);
            (
                "cancelled",
                "cancelled",
                None,
                RunEvent::RunCancelled {
                    run_id: root_id.to_string(),
                    seq: 0,
                },
            )
        }
    };
    let _ = (status, error);
    // Close out any client-tool requests of this tree.
    {
        let mut inner = store.lock();
        for r in inner.client_tools.values_mut() {
            if r.root_run_id == root_id && matches!(r.state, ToolRequestState::Pending(_)) {
                r.state = ToolRequestState::Inactive;
            }
        }
    }
    // Traces: written when the run finishes (session mode only).
    if let Some((mut spans, total_tokens)) = spans {
        if spec.retention.mode == "session" {
            spans.end_all(trace_status, None);
            let summary = TraceSummary {
                trace_id: root_id.to_string(),
                owner_id: spec.tenant.clone(),
                root_name: spec.agent_ref.clone(),
                agent_id: Some(spec.agent_ref.clone()),
                started_at: iso(started_ms),
                ended_at: Some(iso(ended)),
                duration_ms: Some(ended.saturating_sub(started_ms)),
                span_count: spans.spans.len() as u64,
                status: trace_status,
                total_tokens,
                total_cost_usd: None,
            };
            let detail = TraceDetail {
                summary: summary.clone(),
                spans: spans.spans.into_iter().map(|(s, _)| s).collect(),
            };
            let mut inner = store.lock();
            inner.traces.insert(
                root_id.to_string(),
                TraceRecord {
                    tenant: spec.tenant.clone(),
                    session_key: Some(spec.session_id.clone()),
                    started_ms,
                    detail,
                },
            );
            if let Some(live) = inner.live_traces.remove(root_id) {
                let _ = live.tx.send(Arc::new(TraceEvent::TraceDone { summary }));
            }
        }
    }
    store.lock().live_traces.remove(root_id);
    log.emit(event);
}

fn set_root(
    store: &Store,
    root_id: &str,
    status: &'static str,
    error: Option<String>,
    result: Option<InvokeResult>,
    ended: u64,
) {
    let mut inner = store.lock();
    if let Some(e) = inner.runs.get_mut(root_id) {
        e.json.status = status;
        e.json.error = error;
        e.json.result = result;
        e.json.ended_at = Some(ended);
    }
}
