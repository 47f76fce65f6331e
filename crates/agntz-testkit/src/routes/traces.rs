//! `GET /traces`, `GET|DELETE /traces/{id}`, `GET /traces/{id}/stream`.

use http::Response;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast::error::RecvError;

use super::paging::{cut_page, decode_cursor, encode_cursor};
use super::{parse_limit, Ctx};
use crate::faults::Stage;
use crate::respond::{self, Body};
use crate::wire::TraceSummary;

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TraceCursor {
    started_at: String,
    trace_id: String,
}

/// `GET /traces`.
pub(crate) fn list(ctx: &Ctx<'_>) -> Response<Body> {
    let limit = match parse_limit(ctx) {
        Ok(l) => l,
        Err(resp) => return *resp,
    };
    let agent = ctx.query_param("agentId");
    let status = ctx.query_param("status");
    let after = ctx.query_param("startedAfter");
    let before = ctx.query_param("startedBefore");
    let cursor: Option<TraceCursor> = decode_cursor(ctx);
    let inner = ctx.shared.store.lock();
    let mut rows: Vec<(u64, &TraceSummary)> = inner
        .traces
        .values()
        .filter(|t| t.tenant == ctx.tenant)
        .map(|t| (t.started_ms, &t.detail.summary))
        .filter(|(_, s)| {
            agent
                .as_ref()
                .is_none_or(|a| s.agent_id.as_ref() == Some(a))
        })
        .filter(|(_, s)| status.as_ref().is_none_or(|st| s.status == st))
        .filter(|(_, s)| after.as_ref().is_none_or(|a| &s.started_at >= a))
        .filter(|(_, s)| before.as_ref().is_none_or(|b| &s.started_at <= b))
        .collect();
    rows.sort_by(|a, b| (b.0, &b.1.trace_id).cmp(&(a.0, &a.1.trace_id)));
    if let Some(c) = &cursor {
        rows.retain(|(_, s)| (&s.started_at, &s.trace_id) < (&c.started_at, &c.trace_id));
    }
    let next = cut_page(&mut rows, limit, |(_, s)| {
        encode_cursor(&TraceCursor {
            started_at: s.started_at.clone(),
            trace_id: s.trace_id.clone(),
        })
    });
    #[derive(Serialize)]
    struct Page<'a> {
        rows: Vec<&'a TraceSummary>,
        #[serde(skip_serializing_if = "Option::is_none")]
        cursor: Option<String>,
    }
    respond::json(
        200,
        &Page {
            rows: rows.into_iter().map(|(_, s)| s).collect(),
            cursor: next,
        },
    )
}

/// `GET /traces/{id}` (only finished traces exist here).
pub(crate) fn get(ctx: &Ctx<'_>, id: &str) -> Response<Body> {
    let inner = ctx.shared.store.lock();
    match inner.traces.get(id).filter(|t| t.tenant == ctx.tenant) {
        Some(t) => respond::json(200, &t.detail),
        None => respond::error(404, "Trace not found"),
    }
}

/// `DELETE /traces/{id}`.
pub(crate) fn delete(ctx: &Ctx<'_>, id: &str) -> Response<Body> {
    let mut inner = ctx.shared.store.lock();
    if inner.traces.get(id).is_some_and(|t| t.tenant == ctx.tenant) {
        inner.traces.remove(id);
        respond::no_content()
    } else {
        respond::error(404, "Trace not found")
    }
}

/// `GET /traces/{id}/stream`: a snapshot for finished traces, live span events otherwise.
pub(crate) fn stream(ctx: &Ctx<'_>, id: &str) -> Response<Body> {
    enum Source {
        Snapshot(String),
        Live(tokio::sync::broadcast::Receiver<std::sync::Arc<crate::wire::TraceEvent>>),
    }
    let source = {
        let inner = ctx.shared.store.lock();
        if let Some(t) = inner.traces.get(id).filter(|t| t.tenant == ctx.tenant) {
            Source::Snapshot(serde_json::to_string(&t.detail).unwrap_or_default())
        } else if let Some(l) = inner.live_traces.get(id).filter(|l| l.tenant == ctx.tenant) {
            Source::Live(l.tx.subscribe())
        } else {
            return respond::error(404, "Trace not found");
        }
    };
    let fault = ctx.shared.faults.take(Stage::Stream, ctx.path);
    let (resp, sender) = crate::sse::response(fault);
    tokio::spawn(async move {
        match source {
            Source::Snapshot(json) => {
                let _ = sender.send("snapshot", &json, None, true).await;
            }
            Source::Live(mut rx) => loop {
                tokio::select! {
                    ev = rx.recv() => match ev {
                        Ok(ev) => {
                            let done = matches!(*ev, crate::wire::TraceEvent::TraceDone { .. });
                            let json = serde_json::to_string(&*ev).unwrap_or_default();
                            if !sender.send(ev.name(), &json, None, done).await || done {
                                return;
                            }
                        }
                        Err(RecvError::Lagged(_)) => continue,
                        Err(RecvError::Closed) => return,
                    },
                    _ = sender.closed() => return,
                }
            },
        }
    });
    resp
}
