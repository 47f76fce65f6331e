//! `GET /sessions`, `GET|DELETE /sessions/{id}`, `POST /sessions/import`.

use std::collections::BTreeMap;

use http::Response;
use serde::Serialize;
use serde_json::Value;

use super::Ctx;
use crate::respond::{self, Body};
use crate::store::Session;
use crate::util::{iso, now_ms, parse_json_body};
use crate::wire::{Message, SessionSummary};

/// `GET /sessions[?agentId=]` (oldest first).
pub(crate) fn list(ctx: &Ctx<'_>) -> Response<Body> {
    let agent = ctx.query_param("agentId");
    let inner = ctx.shared.store.lock();
    let mut rows: Vec<(u64, SessionSummary)> = inner
        .sessions
        .iter()
        .filter(|((t, _), _)| t == ctx.tenant)
        .filter(|(_, s)| {
            agent
                .as_ref()
                .is_none_or(|a| s.agent_id.as_ref() == Some(a))
        })
        .map(|((_, id), s)| {
            (
                s.order,
                SessionSummary {
                    session_id: id.clone(),
                    agent_id: s.agent_id.clone(),
                    message_count: s.messages.len(),
                    created_at: s.created_at.clone(),
                    updated_at: s.updated_at.clone(),
                },
            )
        })
        .collect();
    rows.sort_by_key(|(o, _)| *o);
    #[derive(Serialize)]
    struct List {
        sessions: Vec<SessionSummary>,
    }
    respond::json(
        200,
        &List {
            sessions: rows.into_iter().map(|(_, s)| s).collect(),
        },
    )
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Detail<'a> {
    session_id: &'a str,
    messages: &'a [Message],
}

/// `GET /sessions/{id}` (never 404).
pub(crate) fn get(ctx: &Ctx<'_>, id: &str) -> Response<Body> {
    let inner = ctx.shared.store.lock();
    let messages = inner
        .sessions
        .get(&(ctx.tenant.to_string(), id.to_string()))
        .map(|s| s.messages.as_slice())
        .unwrap_or(&[]);
    respond::json(
        200,
        &Detail {
            session_id: id,
            messages,
        },
    )
}

/// `DELETE /sessions/{id}` (idempotent; also erases the session's traces and finished runs).
pub(crate) fn delete(ctx: &Ctx<'_>, id: &str) -> Response<Body> {
    let mut inner = ctx.shared.store.lock();
    inner
        .sessions
        .remove(&(ctx.tenant.to_string(), id.to_string()));
    inner
        .traces
        .retain(|_, t| !(t.tenant == ctx.tenant && t.session_key.as_deref() == Some(id)));
    inner.runs.retain(|_, r| {
        !(r.tenant == ctx.tenant
            && r.json.session_id.as_deref() == Some(id)
            && r.json.ended_at.is_some())
    });
    respond::no_content()
}

const ROLES: &[&str] = &["system", "user", "assistant", "tool"];

/// `POST /sessions/import`.
pub(crate) fn import(ctx: &Ctx<'_>) -> Response<Body> {
    let body = match parse_json_body(&ctx.body) {
        Ok(v) => v,
        Err(msg) => return respond::error(500, &msg),
    };
    let bad = |m: String| respond::error(400, &m);
    let Some(sessions) = body
        .get("sessions")
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty())
    else {
        return bad("Body must include a non-empty sessions array.".into());
    };
    let on_conflict = match body.get("onConflict") {
        None | Some(Value::Null) => "skip",
        Some(Value::String(s)) if s == "skip" => "skip",
        Some(Value::String(s)) if s == "fail" => "fail",
        Some(_) => return bad("onConflict must be one of: skip, fail.".into()),
    };
    let dry_run = body.get("dryRun") == Some(&Value::Bool(true));

    struct Snapshot {
        id: String,
        agent_id: Option<String>,
        created_at: Option<String>,
        updated_at: Option<String>,
        messages: Vec<Message>,
    }
    let mut snaps = Vec::new();
    for (i, s) in sessions.iter().enumerate() {
        let Some(id) = s
            .get("sessionId")
            .and_then(Value::as_str)
            .filter(|x| !x.is_empty())
        else {
            return bad(format!(
                "sessions[{i}].sessionId must be a non-empty string."
            ));
        };
        let Some(msgs) = s.get("messages").and_then(Value::as_array) else {
            return bad(format!("sessions[{i}].messages must be an array."));
        };
        let mut messages = Vec::new();
        for (j, m) in msgs.iter().enumerate() {
            let role = m.get("role").and_then(Value::as_str).unwrap_or("");
            if !ROLES.contains(&role) {
                return bad(format!(
                    "sessions[{i}].messages[{j}].role must be system, user, assistant, or tool."
                ));
            }
            let content = m.get("content").cloned().unwrap_or(Value::Null);
            if !(content.is_string() || content.is_array()) {
                return bad(format!(
                    "sessions[{i}].messages[{j}].content must be a string or an array of content blocks."
                ));
            }
            let Some(ts) = m
                .get("timestamp")
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty())
            else {
                return bad(format!(
                    "sessions[{i}].messages[{j}].timestamp must be a non-empty string."
                ));
            };
            messages.push(Message {
                role: role.to_string(),
                content,
                timestamp: ts.to_string(),
            });
        }
        let text = |k: &str| s.get(k).and_then(Value::as_str).map(str::to_string);
        snaps.push(Snapshot {
            id: id.to_string(),
            agent_id: text("agentId"),
            created_at: text("createdAt"),
            updated_at: text("updatedAt"),
            messages,
        });
    }

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct ResultRow {
        session_id: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        agent_id: Option<String>,
        action: &'static str,
        message_count: usize,
    }
    let mut inner = ctx.shared.store.lock();
    let mut results = Vec::new();
    let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
    for snap in &snaps {
        let exists = inner
            .sessions
            .contains_key(&(ctx.tenant.to_string(), snap.id.clone()));
        if exists && on_conflict == "fail" {
            #[derive(Serialize)]
            #[serde(rename_all = "camelCase")]
            struct Conflict<'a> {
                error: String,
                session_id: &'a str,
            }
            return respond::json(
                409,
                &Conflict {
                    error: format!("Session \"{}\" already exists", snap.id),
                    session_id: &snap.id,
                },
            );
        }
        let action = if exists { "skip" } else { "create" };
        *counts.entry(action).or_default() += 1;
        results.push(ResultRow {
            session_id: snap.id.clone(),
            agent_id: snap.agent_id.clone(),
            action,
            message_count: snap.messages.len(),
        });
    }
    if !dry_run {
        for snap in snaps {
            let key = (ctx.tenant.to_string(), snap.id.clone());
            if inner.sessions.contains_key(&key) {
                continue;
            }
            inner.session_order += 1;
            let now = iso(now_ms());
            let created_at = snap.created_at.unwrap_or_else(|| {
                snap.messages
                    .first()
                    .map(|m| m.timestamp.clone())
                    .unwrap_or_else(|| now.clone())
            });
            let updated_at = snap.updated_at.unwrap_or_else(|| {
                snap.messages
                    .last()
                    .map(|m| m.timestamp.clone())
                    .unwrap_or_else(|| created_at.clone())
            });
            let order = inner.session_order;
            inner.sessions.insert(
                key,
                Session {
                    agent_id: snap.agent_id,
                    created_at,
                    updated_at,
                    messages: snap.messages,
                    order,
                },
            );
        }
    }
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct ImportResult {
        dry_run: bool,
        results: Vec<ResultRow>,
        counts: BTreeMap<&'static str, usize>,
    }
    respond::json(
        200,
        &ImportResult {
            dry_run,
            results,
            counts,
        },
    )
}
