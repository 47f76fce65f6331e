//! `GET /agents`, `GET /agents/{id}`, `POST /agents/import` (per tenant).

use std::collections::{BTreeMap, HashSet};

use http::Response;
use percent_encoding::percent_decode_str;
use serde::Serialize;
use serde_json::Value;

use super::Ctx;
use crate::callback_tools::{self, Issue};
use crate::catalog::{parse_manifest, DetailJson, Manifest, StoredAgent, SummaryJson};
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

/// A validation error of `Invalid manifest`.
#[derive(Serialize)]
struct ValidationError {
    level: &'static str,
    path: String,
    message: String,
}

impl ValidationError {
    fn new(level: &'static str, issue: Issue) -> Self {
        ValidationError {
            level,
            path: issue.path,
            message: issue.message,
        }
    }
}

/// A row of `Invalid manifest`: a manifest that failed validation.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct InvalidRow {
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_path: Option<String>,
    errors: Vec<ValidationError>,
    warnings: Vec<Issue>,
}

#[derive(Serialize)]
struct InvalidManifest {
    error: &'static str,
    results: Vec<InvalidRow>,
}

/// The validator's checks of a parsed manifest's callback tools: the
/// outbound URL policy (structural), then, without structural errors, the
/// `OPTIONS` probe of each URL (an error when `strict`, else a warning) and
/// the signing secret (a warning when the tenant has none of that name).
async fn check_callbacks(
    ctx: &Ctx<'_>,
    m: &Manifest,
    strict: bool,
) -> (Vec<ValidationError>, Vec<Issue>) {
    let mut errors: Vec<ValidationError> = m
        .issues
        .iter()
        .cloned()
        .map(|i| ValidationError::new("structural", i))
        .collect();
    for (path, tool) in &m.callbacks {
        if let Some(issue) = callback_tools::check_url(tool, path, ctx.shared.loopback_callbacks) {
            errors.push(ValidationError::new("structural", issue));
        }
    }
    let mut warnings = Vec::new();
    if !errors.is_empty() {
        return (errors, warnings);
    }
    for (path, tool) in &m.callbacks {
        if let Some(issue) = callback_tools::probe(tool, path).await {
            if strict {
                errors.push(ValidationError::new("external", issue));
            } else {
                warnings.push(issue);
            }
        }
        let known = ctx
            .shared
            .store
            .lock()
            .webhook_secrets
            .contains_key(&ctx.key(&tool.secret));
        if !known {
            warnings.push(Issue {
                path: format!("{path}.secret"),
                message: format!(
                    "Callback signing secret '{}' does not exist yet",
                    tool.secret
                ),
            });
        }
    }
    (errors, warnings)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Row {
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_path: Option<String>,
    action: &'static str,
    warnings: Vec<Issue>,
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
pub(crate) async fn import(ctx: &Ctx<'_>) -> Response<Body> {
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
    let strict = body.get("strict") != Some(&Value::Bool(false));

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

    // The validator, over every manifest before anything is written.
    let mut invalid = Vec::new();
    let mut all_warnings = Vec::with_capacity(parsed.len());
    for (m, _, source_path) in &parsed {
        let (errors, warnings) = check_callbacks(ctx, m, strict).await;
        if errors.is_empty() {
            all_warnings.push(warnings);
        } else {
            invalid.push(InvalidRow {
                id: m.id.clone(),
                source_path: source_path.clone(),
                errors,
                warnings,
            });
        }
    }
    if !invalid.is_empty() {
        return respond::json(
            400,
            &InvalidManifest {
                error: "Invalid manifest",
                results: invalid,
            },
        );
    }

    let mut results = Vec::new();
    let mut counts = BTreeMap::new();
    let now = iso(now_ms());
    for ((m, manifest, source_path), warnings) in parsed.into_iter().zip(all_warnings) {
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
            warnings,
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
