//! `GET /agents`, `GET /agents/{id}`, `POST /agents/import` (per tenant).

use std::collections::{BTreeMap, HashSet};

use http::Response;
use percent_encoding::percent_decode_str;
use serde::Serialize;
use serde_json::Value;

use super::Ctx;
use crate::catalog::{parse_manifest, DetailJson, StoredAgent, SummaryJson};
use crate::respond::{self, Body};
use crate::util::{iso, now_ms, parse_json_body};

/// `GET /agents`: the tenant's published agents, sorted by name.
pub(crate) fn list(ctx: &Ctx<'_>) -> Response<Body> {
    let inner = ctx.shared.store.lock();
    let mut rows: Vec<&StoredAgent> = inner
        .catalog
        .iter()
        .filter(|((tenant, _), _)| tenant == ctx.tenant)
        .map(|(_, a)| a)
        .collect();
    rows.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
    let rows: Vec<SummaryJson<'_>> = rows
        .into_iter()
        .map(|a| SummaryJson {
            id: &a.id,
            name: &a.name,
            description: a.description.as_deref(),
        })
        .collect();
    respond::json(200, &rows)
}

/// `GET /agents/{id}`. Like the worker, the (already decoded) id is decoded
/// a second time.
pub(crate) fn get(ctx: &Ctx<'_>, id: &str) -> Response<Body> {
    let id = percent_decode_str(id).decode_utf8_lossy().into_owned();
    if id.contains('@') {
        return respond::error(400, "Agent CRUD ids must not include a version suffix");
    }
    let inner = ctx.shared.store.lock();
    match inner.catalog.get(&(ctx.tenant.to_string(), id.clone())) {
        Some(agent) => respond::json(200, &DetailJson::from(agent)),
        None => respond::error(404, &format!("Agent \"{id}\" not found")),
    }
}

#[derive(Serialize)]
struct Warning {
    path: String,
    message: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Row {
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_path: Option<String>,
    action: &'static str,
    warnings: Vec<Warning>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ImportResponse {
    dry_run: bool,
    results: Vec<Row>,
    counts: BTreeMap<&'static str, u64>,
}

/// `POST /agents/import`: validates every manifest first, then writes one at
/// a time (so `onConflict: fail` can stop half-way, like the worker).
pub(crate) fn import(ctx: &Ctx<'_>) -> Response<Body> {
    let body = match parse_json_body(&ctx.body) {
        Ok(v) => v,
        Err(msg) => return respond::error(400, &msg),
    };
    let items = match body.get("agents").and_then(Value::as_array) {
        Some(a) if !a.is_empty() => a,
        _ => return respond::error(400, "Body must include a non-empty agents array."),
    };
    let on_conflict = match body.get("onConflict") {
        None | Some(Value::Null) => "version",
        Some(Value::String(s)) if ["version", "skip", "fail"].contains(&s.as_str()) => s.as_str(),
        Some(_) => return respond::error(400, "onConflict must be one of: version, skip, fail."),
    };
    let dry_run = body.get("dryRun") == Some(&Value::Bool(true));

    let mut parsed = Vec::with_capacity(items.len());
    let mut seen = HashSet::new();
    for (i, item) in items.iter().enumerate() {
        let Some(manifest) = item.get("manifest").and_then(Value::as_str) else {
            return respond::error(400, &format!("agents[{i}].manifest must be a string."));
        };
        let m = match parse_manifest(manifest) {
            Ok(m) => m,
            Err(e) => {
                return respond::error(
                    400,
                    &format!("agents[{i}].manifest could not be parsed: {e}"),
                )
            }
        };
        if let Some(id) = item.get("id").and_then(Value::as_str) {
            if id.trim() != m.id {
                return respond::error(
                    400,
                    &format!(
                        "agents[{i}].id \"{}\" does not match manifest id \"{}\".",
                        id.trim(),
                        m.id
                    ),
                );
            }
        }
        if !seen.insert(m.id.clone()) {
            return respond::error(400, &format!("Duplicate agent id \"{}\" in import.", m.id));
        }
        let source_path = item
            .get("sourcePath")
            .and_then(Value::as_str)
            .map(str::to_string);
        parsed.push((m, manifest.to_string(), source_path));
    }

    let mut results = Vec::new();
    let mut counts = BTreeMap::new();
    let now = iso(now_ms());
    for (m, manifest, source_path) in parsed {
        let key = (ctx.tenant.to_string(), m.id.clone());
        let mut inner = ctx.shared.store.lock();
        let existing = inner.catalog.get(&key).map(|a| a.created_at.clone());
        let action = match (&existing, on_conflict) {
            (None, _) => "create",
            (Some(_), "skip") => "skip",
            (Some(_), "fail") => {
                #[derive(Serialize)]
                struct Conflict<'a> {
                    error: String,
                    id: &'a str,
                }
                return respond::json(
                    409,
                    &Conflict {
                        error: format!("Agent \"{}\" already exists", m.id),
                        id: &m.id,
                    },
                );
            }
            (Some(_), _) => "version",
        };
        if !dry_run && action != "skip" {
            inner.catalog.insert(
                key,
                StoredAgent {
                    id: m.id.clone(),
                    name: m.name,
                    description: m.description,
                    manifest,
                    source_path: source_path.clone(),
                    created_at: existing.unwrap_or_else(|| now.clone()),
                    updated_at: now.clone(),
                    tool: m.tool,
                },
            );
        }
        *counts.entry(action).or_insert(0) += 1;
        results.push(Row {
            id: m.id,
            source_path,
            action,
            warnings: Vec::new(),
        });
    }
    respond::json(
        200,
        &ImportResponse {
            dry_run,
            results,
            counts,
        },
    )
}
