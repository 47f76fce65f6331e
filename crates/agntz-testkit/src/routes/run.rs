//! `POST /run`, `POST /run/stream` and the run-request parsing shared with `POST /runs`.

use std::sync::Arc;

use http::Response;
use serde::Serialize;
use serde_json::{Map, Value};

use super::live;
use super::{Ctx, Rejection};
use crate::engine::{self, Outcome, RunSpec};
use crate::faults::Stage;
use crate::respond::{self, Body};
use crate::store::Store;
use crate::util::{nanoid, parse_json_body};
use crate::wire::{Retention, RetentionMode, RunResult, RunStart};

/// Which endpoint a run request arrived on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Endpoint {
    Run,
    Stream,
    Runs,
}

const TTL_MIN: u64 = 60;
const TTL_MAX: u64 = 31_536_000;

fn bad_request(msg: &str) -> Rejection {
    Box::new(respond::error_code(400, msg, "BAD_REQUEST"))
}

fn parse_retention(v: Option<&Value>, endpoint: Endpoint) -> Result<Retention, Rejection> {
    let obj = match v {
        Some(Value::Object(o)) => o.clone(),
        _ => Map::new(),
    };
    let mode = match obj.get("mode") {
        None | Some(Value::Null) => "session",
        Some(Value::String(s)) if s == "none" => "none",
        Some(Value::String(s)) if s == "result" => "result",
        Some(Value::String(s)) if s == "session" => "session",
        Some(_) => {
            return Err(bad_request(
                "retention.mode must be one of: none, result, session",
            ))
        }
    };
    let ttl = |name: &str| -> Result<Option<u64>, Rejection> {
        match obj.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => match n.as_u64() {
                Some(t) if (TTL_MIN..=TTL_MAX).contains(&t) => Ok(Some(t)),
                _ => match n.as_f64() {
                    Some(f)
                        if f.fract() == 0.0 && (TTL_MIN as f64..=TTL_MAX as f64).contains(&f) =>
                    {
                        Ok(Some(f as u64))
                    }
                    _ => Err(bad_request(&format!(
                        "retention.{name} must be an integer between 60 and 31536000 seconds"
                    ))),
                },
            },
            Some(_) => Err(bad_request(&format!(
                "retention.{name} must be an integer between 60 and 31536000 seconds"
            ))),
        }
    };
    let ttl_seconds = ttl("ttlSeconds")?;
    let artifact_ttl_seconds = ttl("artifactTtlSeconds")?;
    if mode == "none" && endpoint == Endpoint::Runs {
        return Err(bad_request(
            "retention.mode='none' is only supported by synchronous /run endpoints",
        ));
    }
    Ok(Retention {
        mode,
        ttl_seconds,
        artifact_ttl_seconds,
    })
}

/// `true` for a non-empty array of well-formed text/image/audio blocks.
fn is_content_blocks(v: &Value) -> bool {
    let Some(items) = v.as_array() else {
        return false;
    };
    !items.is_empty()
        && items
            .iter()
            .all(|b| match b.get("type").and_then(Value::as_str) {
                Some("text") => b.get("text").is_some_and(Value::is_string),
                Some("image") | Some("audio") => ["url", "base64", "artifactId"]
                    .iter()
                    .any(|k| b.get(*k).is_some_and(Value::is_string)),
                _ => false,
            })
}

fn input_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Validates a run request body the way the worker does, in the worker's order.
pub(crate) fn parse_request(
    ctx: &Ctx<'_>,
    endpoint: Endpoint,
) -> Result<(RunSpec, Option<Vec<String>>), Rejection> {
    let body = parse_json_body(&ctx.body).map_err(|msg| Box::new(respond::error(500, &msg)))?;
    let empty = Map::new();
    let obj = body.as_object().unwrap_or(&empty);
    let agent_ref = match obj.get("agentId") {
        None | Some(Value::Null) => {
            return Err(Box::new(respond::error(
                400,
                "Missing required field: agentId",
            )))
        }
        Some(Value::String(s)) if s.is_empty() => {
            return Err(Box::new(respond::error(
                400,
                "Missing required field: agentId",
            )))
        }
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(false)) => {
            return Err(Box::new(respond::error(
                400,
                "Missing required field: agentId",
            )))
        }
        Some(Value::Number(n)) if n.as_f64() == Some(0.0) => {
            return Err(Box::new(respond::error(
                400,
                "Missing required field: agentId",
            )))
        }
        Some(_) => {
            return Err(Box::new(respond::error(
                500,
                "agentId.startsWith is not a function",
            )))
        }
    };
    let retention = parse_retention(obj.get("retention"), endpoint)?;

    // Agent resolution: `<id>`, `<id>@latest` or `<id>@<created-at version>`.
    let (agent, requested_version) = resolve_agent(&ctx.shared.store, ctx.tenant, &agent_ref);
    if agent.is_none() && endpoint != Endpoint::Runs {
        return Err(Box::new(respond::error_code(
            404,
            &format!("Agent \"{agent_ref}\" not found"),
            "NOT_FOUND",
        )));
    }

    // Client-tool preflight.
    let mut client_tools = None;
    if let Some(crate::model::ToolDecl::Client { name, .. }) =
        agent.as_ref().and_then(|a| a.tool.as_ref())
    {
        match endpoint {
            Endpoint::Run | Endpoint::Runs => {
                return Err(Box::new(respond::error_code(
                    400,
                    "Manifest-declared client tools require agents.run() or agents.stream() with attached handlers",
                    "CLIENT_TOOLS_REQUIRE_ATTACHED_RUN",
                )))
            }
            Endpoint::Stream => {
                let attached: Option<Vec<String>> = obj.get("clientTools").and_then(|v| {
                    v.as_array().and_then(|a| {
                        a.iter()
                            .map(|x| x.as_str().map(str::to_string))
                            .collect::<Option<Vec<_>>>()
                    })
                });
                let missing = |msg: String| -> Rejection {
                    #[derive(Serialize)]
                    struct Missing<'a> {
                        error: String,
                        code: &'static str,
                        details: [&'a str; 1],
                    }
                    Box::new(respond::json(
                        400,
                        &Missing {
                            error: msg,
                            code: "MISSING_CLIENT_TOOLS",
                            details: [name],
                        },
                    ))
                };
                match &attached {
                    None => {
                        return Err(missing(
                            "Missing client tool handlers: pass clientTools on this invocation".into(),
                        ))
                    }
                    Some(list) if !list.iter().any(|n| n == name) => {
                        return Err(missing(format!("Missing client tool handlers: {name}")))
                    }
                    Some(_) => {}
                }
                client_tools = attached;
            }
        }
    }

    // Input and content.
    let content = obj.get("content").filter(|c| c.is_array()).cloned();
    let raw_input = obj.get("input").cloned();
    let (user_query, content) = match (raw_input, content) {
        (Some(i), None) if is_content_blocks(&i) => (String::new(), Some(i)),
        (Some(i), Some(c)) if is_content_blocks(&i) => (String::new(), Some(c)),
        (Some(i), c) => (input_text(&i), c),
        (None, c) => (String::new(), c),
    };
    if let Some(blocks) = content.as_ref().and_then(Value::as_array) {
        resolve_artifacts(ctx, blocks)?;
    }
    let mut parts = Vec::new();
    if !user_query.is_empty() {
        parts.push(user_query.clone());
    }
    if let Some(blocks) = content.as_ref().and_then(Value::as_array) {
        for b in blocks {
            if let Some(t) = b.get("text").and_then(Value::as_str) {
                parts.push(t.to_string());
            }
        }
    }
    let session_id = match obj.get("sessionId") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        _ => format!("sess_{}", nanoid(12)),
    };
    Ok((
        RunSpec {
            tenant: ctx.tenant.to_string(),
            agent_ref,
            agent,
            requested_version,
            user_query,
            model_text: parts.join("\n"),
            session_id,
            retention,
        },
        client_tools,
    ))
}

/// Checks every `artifactId` block the way the worker resolves them: the
/// artifact must be the tenant's, ready and unexpired, and of the block's
/// kind (`image/*` for images, `audio/*` for audio).
fn resolve_artifacts(ctx: &Ctx<'_>, blocks: &[Value]) -> Result<(), Rejection> {
    let now = crate::util::now_ms();
    let mut inner = ctx.shared.store.lock();
    for block in blocks {
        let Some(id) = block.get("artifactId").and_then(Value::as_str) else {
            continue;
        };
        let kind = block.get("type").and_then(Value::as_str).unwrap_or("");
        let Some(artifact) = inner.artifact(ctx.tenant, id, now) else {
            return Err(bad_request(&format!(
                "Artifact '{id}' is missing or expired"
            )));
        };
        let mt = &artifact.media_type;
        match kind {
            "image" if !mt.starts_with("image/") => {
                return Err(bad_request(&format!(
                    "Artifact '{id}' is not an image ({mt})"
                )))
            }
            "audio" if !mt.starts_with("audio/") => {
                return Err(bad_request(&format!("Artifact '{id}' is not audio ({mt})")))
            }
            _ => {}
        }
    }
    Ok(())
}

fn resolve_agent(
    store: &Store,
    tenant: &str,
    agent_ref: &str,
) -> (Option<crate::model::Agent>, Option<String>) {
    if agent_ref.chars().any(char::is_whitespace) || agent_ref.matches('@').count() > 1 {
        return (None, None);
    }
    let (id, version) = match agent_ref.split_once('@') {
        Some((id, v)) => (id, Some(v)),
        None => (agent_ref, None),
    };
    let Some(agent) = store.agent(tenant, id) else {
        return (None, None);
    };
    match version {
        None => (Some(agent), None),
        Some(v) if v == "latest" || v == agent.version => (Some(agent), Some(v.to_string())),
        Some(_) => (None, None),
    }
}

/// Cancels the run if the request future is dropped (client disconnect).
struct CancelOnDrop {
    store: Arc<Store>,
    run_id: String,
    armed: bool,
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if self.armed {
            engine::cancel(&self.store, &self.run_id, "request aborted");
        }
    }
}

/// Runs `spec` to its end for a request that waits for the result (`POST
/// /run`, `POST /run/block`): the result, or the error response the worker
/// gives for a failed or cancelled run. A client that disconnects first
/// cancels the run, as on the worker.
pub(crate) async fn run_to_end(
    ctx: &Ctx<'_>,
    spec: RunSpec,
) -> Result<Box<RunResult>, Response<Body>> {
    let store = ctx.shared.store.clone();
    let prepared = engine::prepare(&store, spec);
    let mut guard = CancelOnDrop {
        store: store.clone(),
        run_id: prepared.root_id.clone(),
        armed: true,
    };
    let outcome = engine::spawn(store, prepared).await;
    guard.armed = false;
    match outcome {
        Ok(Outcome::Completed(result)) => Ok(result),
        Ok(Outcome::Failed(msg)) => Err(respond::error(500, &msg)),
        Ok(Outcome::Cancelled) | Err(_) => Err(respond::error(500, "Run cancelled")),
    }
}

/// `POST /run`.
pub(crate) async fn run_sync(ctx: &Ctx<'_>) -> Response<Body> {
    let (spec, _) = match parse_request(ctx, Endpoint::Run) {
        Ok(x) => x,
        Err(resp) => return *resp,
    };
    match run_to_end(ctx, spec).await {
        Ok(result) => respond::json(200, &*result),
        Err(resp) => resp,
    }
}

/// `POST /run/stream`.
pub(crate) async fn run_stream(ctx: &Ctx<'_>) -> Response<Body> {
    let (spec, _) = match parse_request(ctx, Endpoint::Stream) {
        Ok(x) => x,
        Err(resp) => return *resp,
    };
    let store = ctx.shared.store.clone();
    let session_mode = spec.retention.mode == "session";
    let prepared = engine::prepare(&store, spec);
    let root_id = prepared.root_id.clone();
    let start = serde_json::to_string(&RunStart {
        agent_id: &prepared.run_json.agent_id,
        kind: "llm",
        run_id: &root_id,
        retention: RetentionMode {
            mode: prepared.run_json.retention_mode,
        },
        trace_id: session_mode.then_some(root_id.as_str()),
        session_id: if session_mode {
            prepared.run_json.session_id.as_deref()
        } else {
            None
        },
    })
    .unwrap_or_default();
    let fault = ctx.shared.faults.take(Stage::Stream, ctx.path);
    live::stream(store, prepared, start, fault, |result| {
        serde_json::to_string(result).unwrap_or_default()
    })
}
