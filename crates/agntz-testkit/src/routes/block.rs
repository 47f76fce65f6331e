//! `POST /run/block` and `POST /run/block/stream`: one block of a stored
//! agent's manifest, run on its own, and the system agents reached through
//! the run routes.
//!
//! The selected block runs as one agent on the fake model (whatever its
//! kind: the mock does not execute pipelines), with the request's input as
//! its input, the block's first tool, and the root agent's version.

use http::Response;
use serde::Serialize;
use serde_json::Value;

use super::live::{self, error_json};
use super::run::{parse_request, run_to_end, Endpoint};
use super::tooling::NO_OBJECT;
use super::{Ctx, Rejection};
use crate::engine;
use crate::faults::Stage;
use crate::manifests::{self, Picked};
use crate::model::{Agent, ToolDecl};
use crate::respond::{self, Body};
use crate::util::{nanoid, parse_json_body};
use crate::wire::RetentionMode;

fn bad_request(msg: &str) -> Rejection {
    Box::new(respond::error_code(400, msg, "BAD_REQUEST"))
}

fn not_found(agent_ref: &str) -> Rejection {
    Box::new(respond::error_code(
        404,
        &format!("Agent \"{agent_ref}\" not found"),
        "NOT_FOUND",
    ))
}

/// The block that runs.
struct Block {
    id: String,
    kind: String,
    tool: Option<ToolDecl>,
}

/// The first tool of a block (a local `validate_manifest`, or a client tool).
fn tool_of(block: &Value) -> Option<ToolDecl> {
    let tool = block.get("tools")?.as_array()?.first()?;
    match tool.get("kind")?.as_str()? {
        "local" => tool
            .get("tools")?
            .as_array()?
            .iter()
            .any(|t| t == "validate_manifest")
            .then(|| ToolDecl::Local("validate_manifest".into())),
        "client" => Some(ToolDecl::Client {
            name: tool.get("name")?.as_str()?.to_owned(),
            timeout_ms: tool
                .get("timeoutMs")
                .and_then(Value::as_u64)
                .unwrap_or(30_000),
        }),
        _ => None,
    }
}

fn block_of(agent: &Value) -> Block {
    Block {
        id: agent
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned(),
        kind: agent
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or("llm")
            .to_owned(),
        tool: tool_of(agent),
    }
}

/// The stored manifest of agent `id` (built-in agents have a one-line one).
fn manifest_of(ctx: &Ctx<'_>, id: &str) -> Option<Value> {
    let stored = {
        let inner = ctx.shared.store.lock();
        inner
            .catalog
            .get(&(ctx.tenant.to_string(), id.to_string()))
            .map(|a| a.manifest.clone())
    };
    match stored {
        Some(yaml) => manifests::parse_yaml(&yaml).ok(),
        None => ctx
            .shared
            .store
            .agent(ctx.tenant, id)
            .map(|a| serde_json::json!({"id": a.id, "kind": "llm"})),
    }
}

/// The worker's checks in its order: `agentId`, selection shape, agent,
/// block, the block's client tools; then the `/run` checks (retention,
/// input). Returns the run spec with the block as its agent.
fn prepare_block(ctx: &Ctx<'_>, endpoint: Endpoint) -> Result<(engine::RunSpec, Block), Rejection> {
    let body = parse_json_body(&ctx.body).map_err(|m| Box::new(respond::error(500, &m)))?;
    if body.is_null() {
        return Err(Box::new(respond::error(
            500,
            "Cannot destructure property 'agentId' of 'body' as it is null.",
        )));
    }
    let agent_ref = match body.get("agentId") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        None | Some(Value::Null | Value::String(_) | Value::Bool(false)) => {
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
    let selection =
        manifests::selection_shape(body.get("selection")).map_err(|m| bad_request(&m))?;
    let root_id = agent_ref.split('@').next().unwrap_or(&agent_ref);
    let manifest = manifest_of(ctx, root_id).ok_or_else(|| not_found(&agent_ref))?;
    let block = match manifests::pick(&manifest, selection.as_ref()) {
        Some(Picked::Agent(agent)) => block_of(agent),
        Some(Picked::Ref(r)) => {
            let id = r.split('@').next().unwrap_or(&r);
            let referenced = manifest_of(ctx, id).ok_or_else(|| not_found(&r))?;
            block_of(&referenced)
        }
        None => {
            return Err(bad_request(
                "selected block path was not found in the agent manifest",
            ))
        }
    };
    client_tool_preflight(&body, &block, endpoint)?;
    let (mut spec, _) = parse_request(ctx, endpoint)?;
    let version = spec
        .agent
        .as_ref()
        .map(|a| a.version.clone())
        .unwrap_or_default();
    spec.agent = Some(Agent {
        id: block.id.clone(),
        tool: block.tool.clone(),
        version,
    });
    Ok((spec, block))
}

/// The client-tool preflight, on the block only.
fn client_tool_preflight(body: &Value, block: &Block, endpoint: Endpoint) -> Result<(), Rejection> {
    let Some(ToolDecl::Client { name, .. }) = &block.tool else {
        return Ok(());
    };
    if endpoint != Endpoint::Stream {
        return Err(Box::new(respond::error_code(
            400,
            "Manifest-declared client tools require agents.run() or agents.stream() with attached handlers",
            "CLIENT_TOOLS_REQUIRE_ATTACHED_RUN",
        )));
    }
    let attached: Option<Vec<&str>> = body
        .get("clientTools")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect());
    let message = match attached {
        None => "Missing client tool handlers: pass clientTools on this invocation".to_owned(),
        Some(list) if !list.contains(&name.as_str()) => {
            format!("Missing client tool handlers: {name}")
        }
        Some(_) => return Ok(()),
    };
    Err(Box::new(respond::json(
        400,
        &serde_json::json!({"error": message, "code": "MISSING_CLIENT_TOOLS", "details": [name]}),
    )))
}

/// The `/run` result with the block fields added.
fn with_block_fields(result: &impl Serialize, block: &Block) -> Value {
    let mut value = serde_json::to_value(result).unwrap_or(Value::Null);
    if let Some(obj) = value.as_object_mut() {
        obj.insert("target".into(), "block".into());
        obj.insert("blockId".into(), block.id.clone().into());
        obj.insert("blockKind".into(), block.kind.clone().into());
    }
    value
}

/// `POST /run/block`.
pub(crate) async fn run_block(ctx: &Ctx<'_>) -> Response<Body> {
    let (spec, block) = match prepare_block(ctx, Endpoint::Run) {
        Ok(x) => x,
        Err(resp) => return *resp,
    };
    match run_to_end(ctx, spec).await {
        Ok(result) => respond::json(200, &with_block_fields(&*result, &block)),
        Err(resp) => resp,
    }
}

/// The `run-start` of a block stream, in the worker's key order.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BlockStart<'a> {
    agent_id: &'a str,
    kind: &'a str,
    target: &'static str,
    block_id: &'a str,
    run_id: &'a str,
    retention: RetentionMode,
    #[serde(skip_serializing_if = "Option::is_none")]
    trace_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    session_id: Option<&'a str>,
}

/// `POST /run/block/stream`.
pub(crate) async fn run_block_stream(ctx: &Ctx<'_>) -> Response<Body> {
    let (spec, block) = match prepare_block(ctx, Endpoint::Stream) {
        Ok(x) => x,
        Err(resp) => return *resp,
    };
    let store = ctx.shared.store.clone();
    let session_mode = spec.retention.mode == "session";
    let prepared = engine::prepare(&store, spec);
    let root_id = prepared.root_id.clone();
    let start = serde_json::to_string(&BlockStart {
        agent_id: &prepared.run_json.agent_id,
        kind: &block.kind,
        target: "block",
        block_id: &block.id,
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
    live::stream(store, prepared, start, fault, move |result| {
        with_block_fields(result, &block).to_string()
    })
}

/// Which run route a request came in on, for [`system_agent`].
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum RunRoute {
    /// `/run`, `/run/block`.
    Sync,
    /// `/run/stream`, `/run/block/stream`.
    Stream,
    /// `/runs`.
    Durable,
}

/// The system agents reached through a run route's `agentId`, as the
/// worker with its fake model answers them: a version pin is 500
/// `INVALID_AGENT_REF`, an unknown name 404, and a run of
/// `system:agent-builder` / `system:agent-editor` fails in its first model
/// step (`/run` → 500; a stream → `run-start` then `run-error`). `None`
/// when the request is not for a system agent (or is a durable run of a
/// known one, which the ordinary path serves).
pub(crate) fn system_agent(ctx: &Ctx<'_>, route: RunRoute) -> Option<Response<Body>> {
    let body = parse_json_body(&ctx.body).ok()?;
    let agent_ref = body.get("agentId")?.as_str()?.to_owned();
    if !agent_ref.starts_with("system:") {
        return None;
    }
    if agent_ref.contains('@') {
        return Some(respond::error_code(
            500,
            &format!("System agent \"{agent_ref}\" cannot be version-pinned"),
            "INVALID_AGENT_REF",
        ));
    }
    if !matches!(
        agent_ref.as_str(),
        "system:agent-builder" | "system:agent-editor"
    ) {
        return Some(respond::error_code(
            404,
            &format!("Unknown system agent: {agent_ref}"),
            "NOT_FOUND",
        ));
    }
    match route {
        RunRoute::Durable => None,
        RunRoute::Sync => Some(respond::error(500, NO_OBJECT)),
        RunRoute::Stream => {
            let run_id = format!("run_{}", nanoid(12));
            let session_id = format!("sess_{}", nanoid(12));
            let start = serde_json::json!({
                "agentId": agent_ref, "kind": "sequential", "runId": run_id,
                "retention": {"mode": "session"}, "traceId": run_id, "sessionId": session_id,
            })
            .to_string();
            let (resp, sender) = crate::sse::response(None);
            tokio::spawn(async move {
                if sender.send("run-start", &start, None, false).await {
                    let _ = sender
                        .send("run-error", &error_json(NO_OBJECT), None, true)
                        .await;
                }
            });
            Some(resp)
        }
    }
}
