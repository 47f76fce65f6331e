//! Durable runs: `POST /runs`, `GET /runs`, `GET /runs/{id}`, cancel, the
//! multiplexed event stream and client-tool results.

use http::{header, HeaderValue, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::broadcast::error::RecvError;

use super::paging::{cut_page, decode_cursor, encode_cursor, started_window};
use super::run::{parse_request, Endpoint};
use super::{parse_limit, Ctx};
use crate::engine;
use crate::faults::Stage;
use crate::respond::{self, Body};
use crate::store::{ToolAnswer, ToolRequestState};
use crate::webhooks::{self, Callback};
use crate::wire::{Raw, RunJson};

/// `POST /runs`.
pub(crate) fn start(ctx: &Ctx<'_>) -> Response<Body> {
    let (spec, _) = match parse_request(ctx, Endpoint::Runs) {
        Ok(x) => x,
        Err(resp) => return *resp,
    };
    let callback = match callback_target(ctx) {
        Ok(callback) => callback,
        Err(msg) => return respond::error(400, &msg),
    };
    let store = ctx.shared.store.clone();
    let prepared = engine::prepare(&store, spec);
    let run = prepared.run_json.clone();
    if let Some(callback) = callback {
        // Subscribed before the run starts, so no reply is missed.
        webhooks::follow(
            ctx.shared.clone(),
            &prepared.log,
            prepared.root_id.clone(),
            callback,
        );
    }
    drop(engine::spawn(store, prepared));
    let mut resp = respond::json(201, &run);
    if let Ok(v) = HeaderValue::from_str(&format!("/runs/{}", run.id)) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp
}

/// The worker's `callbackUrl` checks, in its order: the outbound URL policy
/// first, then the secret name, then the secret itself. Host names are not
/// resolved (names other than the localhost ones are taken as public).
/// Loopback targets pass the policy only when the worker was started with
/// `loopback_callbacks`.
fn callback_target(ctx: &Ctx<'_>) -> Result<Option<Callback>, String> {
    let Ok(body) = serde_json::from_slice::<Value>(&ctx.body) else {
        return Ok(None);
    };
    let url = match body.get("callbackUrl") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) if s.is_empty() => return Ok(None),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    webhooks::check_callback_url(ctx.shared, &url)?;
    let secret_name = match body.get("webhookSecretName") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        _ => return Err("webhookSecretName required with callbackUrl".into()),
    };
    Callback::with_stored_secret(ctx.shared, ctx.tenant, url, secret_name)
        .map(Some)
        .ok_or_else(|| "webhook secret not found".into())
}

/// `GET /runs/{id}`.
pub(crate) fn get(ctx: &Ctx<'_>, id: &str) -> Response<Body> {
    let inner = ctx.shared.store.lock();
    match inner.visible_run(ctx.tenant, id) {
        Some(e) => respond::json(200, &e.json),
        None => respond::error(404, "Run not found"),
    }
}

/// `POST /runs/{id}/cancel`.
pub(crate) fn cancel(ctx: &Ctx<'_>, id: &str) -> Response<Body> {
    let snapshot = {
        let inner = ctx.shared.store.lock();
        match inner.runs.get(id) {
            Some(e) if e.tenant == ctx.tenant && e.in_memory => e.json.clone(),
            _ => return respond::error(404, "Run not found"),
        }
    };
    if !matches!(snapshot.status, "completed" | "failed" | "cancelled") {
        engine::cancel(&ctx.shared.store, id, "cancelled by user");
    }
    respond::json(200, &snapshot)
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RunCursor {
    started_at: u64,
    id: String,
}

/// `GET /runs`.
pub(crate) fn list(ctx: &Ctx<'_>) -> Response<Body> {
    let limit = match parse_limit(ctx) {
        Ok(l) => l,
        Err(resp) => return *resp,
    };
    let roots_only = ctx.query_param("rootsOnly").as_deref() != Some("false");
    let agent = ctx.non_empty_param("agentId");
    let status = ctx.non_empty_param("status");
    let (after, before) = started_window(ctx);
    let cursor: Option<RunCursor> = decode_cursor(ctx);

    let inner = ctx.shared.store.lock();
    let mut rows: Vec<&RunJson> = inner
        .runs
        .values()
        .filter(|e| e.tenant == ctx.tenant && e.persisted)
        .map(|e| &e.json)
        .filter(|r| !roots_only || r.parent_id.is_none())
        .filter(|r| agent.as_ref().is_none_or(|a| &r.agent_id == a))
        .filter(|r| status.as_ref().is_none_or(|s| r.status == s))
        .filter(|r| after.is_none_or(|a| r.started_at >= a))
        .filter(|r| before.is_none_or(|b| r.started_at <= b))
        .collect();
    rows.sort_by(|a, b| (b.started_at, &b.id).cmp(&(a.started_at, &a.id)));
    if let Some(c) = &cursor {
        rows.retain(|r| (r.started_at, &r.id) < (c.started_at, &c.id));
    }
    let next = cut_page(&mut rows, limit, |r| {
        encode_cursor(&RunCursor {
            started_at: r.started_at,
            id: r.id.clone(),
        })
    });
    #[derive(Serialize)]
    struct Page<'a> {
        rows: Vec<&'a RunJson>,
        #[serde(skip_serializing_if = "Option::is_none")]
        cursor: Option<String>,
    }
    respond::json(200, &Page { rows, cursor: next })
}

/// `GET /runs/{id}/stream[?since=N]`.
pub(crate) fn stream(ctx: &Ctx<'_>, id: &str) -> Response<Body> {
    let since = match ctx.query_param("since") {
        None => None,
        Some(s) if s.trim().is_empty() => None,
        Some(s) => match s.trim().parse::<f64>() {
            Ok(n) if n.is_finite() => Some(n.floor() as i64),
            _ => return respond::error(400, "Invalid `since` query param"),
        },
    };
    enum Source {
        Live(std::sync::Arc<crate::runs::EventLog>),
        Snapshot(String),
    }
    let source = {
        let inner = ctx.shared.store.lock();
        match inner.runs.get(id) {
            Some(e) if e.tenant == ctx.tenant && e.in_memory => {
                match inner.logs.get(&e.json.root_id) {
                    Some(log) => Source::Live(log.clone()),
                    None => return respond::error(404, "Run not found"),
                }
            }
            Some(e) if e.tenant == ctx.tenant && e.persisted => {
                Source::Snapshot(serde_json::to_string(&e.json).unwrap_or_default())
            }
            _ => return respond::error(404, "Run not found"),
        }
    };
    let fault = ctx.shared.faults.take(Stage::Stream, ctx.path);
    let (resp, sender) = crate::sse::response(fault);
    match source {
        Source::Snapshot(json) => {
            tokio::spawn(async move {
                let _ = sender.send("snapshot", &json, None, true).await;
            });
        }
        Source::Live(log) => {
            let (replay, live) = log.subscribe(since);
            tokio::spawn(async move {
                let mut last = 0;
                for ev in replay {
                    last = ev.seq;
                    if !sender
                        .send(ev.name, &ev.json, Some(ev.seq), ev.root_terminal)
                        .await
                    {
                        return;
                    }
                    if ev.root_terminal {
                        return;
                    }
                }
                let Some(mut live) = live else { return };
                loop {
                    tokio::select! {
                        ev = live.recv() => match ev {
                            Ok(ev) => {
                                if ev.seq <= last || since.is_some_and(|s| (ev.seq as i64) <= s) {
                                    continue;
                                }
                                last = ev.seq;
                                if !sender.send(ev.name, &ev.json, Some(ev.seq), ev.root_terminal).await {
                                    return;
                                }
                                if ev.root_terminal {
                                    return;
                                }
                            }
                            Err(RecvError::Lagged(_)) => continue,
                            Err(RecvError::Closed) => return,
                        },
                        _ = sender.closed() => return,
                    }
                }
            });
        }
    }
    resp
}

/// `POST /runs/{rootRunId}/client-tool-requests/{requestId}/result`.
pub(crate) fn client_tool_result(ctx: &Ctx<'_>, root: &str, request_id: &str) -> Response<Body> {
    let value: Value = match serde_json::from_slice(&ctx.body) {
        Ok(Value::Null) | Err(_) => return respond::error(400, "Invalid JSON body"),
        Ok(v) => v,
    };
    let Some(obj) = value.as_object() else {
        return respond::error(400, "Provide exactly one of output or error");
    };
    let has_output = obj.contains_key("output");
    let has_error = obj.contains_key("error");
    if has_output == has_error {
        return respond::error(400, "Provide exactly one of output or error");
    }
    let answer = if has_output {
        #[derive(Deserialize)]
        struct OutputOnly {
            output: Raw,
        }
        let raw = match serde_json::from_slice::<OutputOnly>(&ctx.body) {
            Ok(o) => o.output,
            Err(_) => crate::util::raw(&obj["output"]),
        };
        if raw.get().encode_utf16().count() > 40_000 {
            return respond::error(400, "output exceeds 40000 serialized characters");
        }
        ToolAnswer::Output(raw)
    } else {
        match &obj["error"] {
            Value::String(s) => ToolAnswer::Error(s.clone()),
            _ => return respond::error(400, "error must be a string"),
        }
    };
    let mut inner = ctx.shared.store.lock();
    match inner.runs.get(root) {
        Some(e) if e.tenant == ctx.tenant && e.in_memory && e.json.parent_id.is_none() => {}
        _ => return respond::error(404, "Run not found"),
    }
    let Some(req) = inner
        .client_tools
        .get_mut(request_id)
        .filter(|r| r.root_run_id == root && r.tenant == ctx.tenant)
    else {
        return respond::error(404, "Client tool request not found");
    };
    #[derive(Serialize)]
    struct Accepted {
        status: &'static str,
    }
    let accepted = Accepted { status: "accepted" };
    match std::mem::replace(&mut req.state, ToolRequestState::Answered) {
        ToolRequestState::Pending(tx) => {
            if tx.send(answer).is_err() {
                req.state = ToolRequestState::Inactive;
                return respond::error(410, "Client tool request is no longer active");
            }
            respond::json(202, &accepted)
        }
        ToolRequestState::Answered => respond::json(200, &accepted),
        ToolRequestState::Inactive => {
            req.state = ToolRequestState::Inactive;
            respond::error(410, "Client tool request is no longer active")
        }
    }
}
