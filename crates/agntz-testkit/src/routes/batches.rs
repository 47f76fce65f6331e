//! `/batches` (definitions, versions, aliases) and `/batch-runs` (submit,
//! get, list, cancel, delete, items, `results.jsonl`, compare).

use std::collections::HashSet;

use http::{header, HeaderValue, Response};
use serde_json::{json, Map, Value};

use super::paging::{
    cut_page, decode_cursor, encode_cursor, lenient_limit, sort_newest_update_first, RunListQuery,
};
use super::{reject, Ctx, Rejection};
use crate::batches::{self, BatchRunEntry};
use crate::respond::{self, Body};
use crate::store::DatasetItem;
use crate::util::{hex, iso, monotonic_ms, non_empty_str, parse_json_body};
use crate::versions::History;
use crate::webhooks::{self, Callback};

/// Reads `{"manifest": "<yaml>"}` and parses it; every failure is a 400.
fn read_manifest(ctx: &Ctx<'_>) -> Result<Map<String, Value>, Rejection> {
    let body = parse_json_body(&ctx.body).map_err(|m| reject(400, &m))?;
    let Some(manifest) = body.get("manifest").and_then(Value::as_str) else {
        return Err(reject(
            400,
            "Missing required field: manifest (YAML string)",
        ));
    };
    batches::parse_manifest(manifest).map_err(|m| reject(400, &m))
}

fn summary(def: &Value) -> Value {
    let mut s = def.clone();
    if let Some(o) = s.as_object_mut() {
        o.remove("manifest");
    }
    s
}

/// `GET /batches`: summaries, newest update first.
pub(crate) fn list(ctx: &Ctx<'_>) -> Response<Body> {
    let inner = ctx.shared.store.lock();
    let mut rows: Vec<Value> = inner
        .batches
        .defs
        .iter()
        .filter(|((t, _), _)| t == ctx.tenant)
        .filter_map(|(_, h)| h.head())
        .map(|d| summary(&d))
        .collect();
    sort_newest_update_first(&mut rows);
    respond::json(200, &rows)
}

/// `POST /batches`.
pub(crate) fn create(ctx: &Ctx<'_>) -> Response<Body> {
    let def = match read_manifest(ctx) {
        Ok(d) => d,
        Err(resp) => return *resp,
    };
    let id = def
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let mut inner = ctx.shared.store.lock();
    if inner.batches.defs.contains_key(&ctx.key(&id)) {
        return respond::error(409, &format!("Batch '{id}' already exists"));
    }
    let shown = batches::put_version(&mut inner.batches, ctx.tenant, def);
    respond::json(201, &shown)
}

fn batch_not_found() -> Response<Body> {
    respond::error(404, "Batch not found")
}

/// `GET /batches/{id}`.
pub(crate) fn get(ctx: &Ctx<'_>, id: &str) -> Response<Body> {
    let inner = ctx.shared.store.lock();
    match inner.batches.defs.get(&ctx.key(id)).and_then(|h| h.head()) {
        Some(d) => respond::json(200, &d),
        None => batch_not_found(),
    }
}

/// `PUT /batches/{id}`: a new active version.
pub(crate) fn update(ctx: &Ctx<'_>, id: &str) -> Response<Body> {
    if !ctx
        .shared
        .store
        .lock()
        .batches
        .defs
        .contains_key(&ctx.key(id))
    {
        return batch_not_found();
    }
    let def = match read_manifest(ctx) {
        Ok(d) => d,
        Err(resp) => return *resp,
    };
    let manifest_id = def.get("id").and_then(Value::as_str).unwrap_or("");
    if manifest_id != id {
        return respond::error(
            400,
            &format!("Batch manifest id '{manifest_id}' must match route id '{id}'"),
        );
    }
    let mut inner = ctx.shared.store.lock();
    let shown = batches::put_version(&mut inner.batches, ctx.tenant, def);
    respond::json(200, &shown)
}

/// `DELETE /batches/{id}` (`204`, idempotent).
pub(crate) fn delete(ctx: &Ctx<'_>, id: &str) -> Response<Body> {
    ctx.shared.store.lock().batches.defs.remove(&ctx.key(id));
    respond::no_content()
}

/// `GET /batches/{id}/versions`: newest first.
pub(crate) fn versions(ctx: &Ctx<'_>, id: &str) -> Response<Body> {
    let inner = ctx.shared.store.lock();
    let rows = inner
        .batches
        .defs
        .get(&ctx.key(id))
        .map_or_else(Vec::new, |h| h.summaries());
    respond::json(200, &rows)
}

/// `GET /batches/{id}/versions/{version}`.
pub(crate) fn get_version(ctx: &Ctx<'_>, id: &str, version: &str) -> Response<Body> {
    let inner = ctx.shared.store.lock();
    let history = inner.batches.defs.get(&ctx.key(id));
    if history.is_none() && version == "latest" {
        // The worker's `latest` lookup throws for a batch without versions.
        return respond::internal_error();
    }
    match history.and_then(|h| h.resolve(version).map(|i| h.record(i))) {
        Some(d) => respond::json(200, &d),
        None => respond::error(404, "Batch version not found"),
    }
}

/// `POST /batches/{id}/versions/{version}/activate`.
pub(crate) fn activate(ctx: &Ctx<'_>, id: &str, version: &str) -> Response<Body> {
    let mut inner = ctx.shared.store.lock();
    let Some(h) = inner.batches.defs.get_mut(&ctx.key(id)) else {
        return respond::error(404, &format!("Batch '{id}@{version}' not found"));
    };
    match h.activate(version) {
        Some(d) => respond::json(200, &d),
        None => respond::error(400, &format!("Batch version not found: {id}@{version}")),
    }
}

/// `PUT /batches/{id}/aliases/{alias}` with `{"version"}` (or `{"createdAt"}`).
pub(crate) fn set_alias(ctx: &Ctx<'_>, id: &str, alias: &str) -> Response<Body> {
    let body = match parse_json_body(&ctx.body) {
        Ok(b) => b,
        Err(m) => return respond::error(400, &m),
    };
    let Some(version) = body
        .get("version")
        .or_else(|| body.get("createdAt"))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
    else {
        return respond::error(400, "Missing required field: version");
    };
    let mut inner = ctx.shared.store.lock();
    let target = inner
        .batches
        .defs
        .get_mut(&ctx.key(id))
        .and_then(|h| h.set_alias(alias, version));
    match target {
        Some(target) => respond::json(200, &json!({"alias": alias, "version": target})),
        None => respond::error(400, &format!("Batch version not found: {id}@{version}")),
    }
}

/// `DELETE /batches/{id}/aliases/{alias}`: always `{alias, deleted: true}`.
pub(crate) fn remove_alias(ctx: &Ctx<'_>, id: &str, alias: &str) -> Response<Body> {
    if let Some(h) = ctx.shared.store.lock().batches.defs.get_mut(&ctx.key(id)) {
        h.marks.aliases.remove(alias);
    }
    respond::json(200, &json!({"alias": alias, "deleted": true}))
}

/// `POST /batch-runs`.
pub(crate) fn start_run(ctx: &Ctx<'_>) -> Response<Body> {
    let body = match parse_json_body(&ctx.body) {
        Ok(b) => b,
        Err(m) => return respond::error(400, &m),
    };
    let Some(batch_id) = non_empty_str(body.get("batchId")) else {
        return respond::error(400, "Missing required field: batchId");
    };
    let inline = body.get("items").filter(|v| !v.is_null()).cloned();
    let dataset_id = non_empty_str(body.get("datasetId"));
    if inline.is_some() && dataset_id.is_some() {
        return respond::error(400, "Pass either inline items or datasetId, not both");
    }
    let callback = non_empty_str(body.get("callbackUrl"));
    let secret = non_empty_str(body.get("webhookSecretName"));
    if callback.is_some() != secret.is_some() {
        return respond::error(
            400,
            "callbackUrl and webhookSecretName must be provided together",
        );
    }
    let callback = match (callback, secret) {
        (Some(url), Some(secret_name)) => {
            if let Err(msg) = webhooks::check_callback_url(ctx.shared, &url) {
                return respond::error(400, &msg);
            }
            match Callback::with_stored_secret(ctx.shared, ctx.tenant, url, secret_name) {
                Some(callback) => Some(callback),
                None => return respond::error(404, "Webhook secret not found"),
            }
        }
        _ => None,
    };
    let idem = non_empty_str(body.get("idempotencyKey")).or_else(|| {
        ctx.headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    });
    if let Some(k) = &idem {
        let inner = ctx.shared.store.lock();
        let existing = inner.batches.runs.values().find(|e| {
            e.tenant == ctx.tenant
                && e.json.get("idempotencyKey").and_then(Value::as_str) == Some(k.as_str())
        });
        if let Some(e) = existing {
            return respond::json(201, &e.json);
        }
    }

    // The batch at a version.
    let requested_version = non_empty_str(body.get("batchVersion"));
    let def = {
        let inner = ctx.shared.store.lock();
        let Some(h) = inner.batches.defs.get(&ctx.key(&batch_id)) else {
            return respond::error(404, &format!("Batch '{batch_id}' not found"));
        };
        let found = match &requested_version {
            None => h.head(),
            Some(v) => h.resolve(v).map(|i| h.record(i)),
        };
        let Some(def) = found else {
            return respond::error(
                404,
                &format!(
                    "Batch '{batch_id}@{}' not found",
                    requested_version.as_deref().unwrap_or("")
                ),
            );
        };
        def
    };

    // The items: inline, or a dataset (given or the manifest's default).
    let requested_dataset_version = non_empty_str(body.get("datasetVersion"));
    let mut snapshot = json!({ "batch": def });
    let mut run = json!({});
    let items: Vec<DatasetItem> = if let Some(items) = inline {
        let Some(items) = items.as_array() else {
            return respond::error(400, "items must be an array");
        };
        let mut seen = HashSet::new();
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let id = item.get("id").and_then(Value::as_str).unwrap_or("");
            if id.is_empty() {
                return respond::error(400, &format!("items[{i}].id must be a non-empty string"));
            }
            if !seen.insert(id.to_string()) {
                return respond::error(400, &format!("Duplicate item id: {id}"));
            }
            let Some(input) = item.get("input").filter(|v| !v.is_null()) else {
                return respond::error(400, &format!("items[{i}].input is required"));
            };
            out.push(DatasetItem {
                id: id.to_string(),
                name: item.get("name").and_then(Value::as_str).map(str::to_owned),
                input: input.clone(),
                metadata: item.get("metadata").filter(|v| !v.is_null()).cloned(),
            });
        }
        snapshot["inlineDataset"] = json!(true);
        out
    } else {
        let default = def.get("defaultDataset");
        let default_id = default.and_then(|d| non_empty_str(d.get("id")));
        let Some(ds_id) = dataset_id.clone().or(default_id) else {
            return respond::error(
                400,
                "Batch run needs inline items or a datasetId (the batch has no defaultDataset)",
            );
        };
        let version = requested_dataset_version.clone().or_else(|| {
            if dataset_id.is_some() {
                None
            } else {
                default.and_then(|d| non_empty_str(d.get("version")))
            }
        });
        let ds = ctx
            .shared
            .store
            .lock()
            .dataset_at(ctx.tenant, &ds_id, version.as_deref());
        let mut ds = match ds {
            Ok(d) => d,
            Err(m) => return respond::error(404, &m),
        };
        if let Some(o) = ds.record.as_object_mut() {
            o.remove("items");
        }
        snapshot["dataset"] = ds.record;
        run["datasetId"] = json!(ds_id);
        run["datasetVersion"] = json!(ds.version);
        if let Some(v) = &version {
            run["requestedDatasetVersion"] = json!(v);
        }
        ds.fields.items
    };

    let now = monotonic_ms();
    let run_id = format!("batchrun_{}", hex(32));
    let items: Vec<Value> = items
        .into_iter()
        .enumerate()
        .map(|(i, it)| {
            let mut item = json!({
                "runId": run_id, "itemId": it.id, "ordinal": i, "input": it.input,
                "status": "pending",
            });
            if let Some(name) = it.name {
                item["name"] = Value::String(name);
            }
            if let Some(metadata) = it.metadata {
                item["metadata"] = metadata;
            }
            item
        })
        .collect();
    let down = items.iter().any(|i| {
        crate::model::input_text(i.get("input").unwrap_or(&Value::Null)).contains("PROVIDER_DOWN")
    });
    run["id"] = json!(run_id);
    run["batchId"] = json!(batch_id);
    run["batchVersion"] = def.get("version").cloned().unwrap_or(Value::Null);
    if let Some(v) = &requested_version {
        run["requestedBatchVersion"] = json!(v);
    }
    run["provider"] = def.get("provider").cloned().unwrap_or(json!(""));
    run["model"] = def.get("model").cloned().unwrap_or(json!(""));
    run["snapshot"] = snapshot;
    run["createdAt"] = json!(iso(now));
    run["syncAttempts"] = json!(0);
    if let Some(k) = &idem {
        run["idempotencyKey"] = json!(k);
    }
    if let Some(c) = &callback {
        run["callbackUrl"] = json!(c.url);
        run["webhookSecretName"] = json!(c.secret_name);
    }
    if down {
        run["status"] = json!("failed");
        run["error"] = json!("fetch failed");
        run["endedAt"] = json!(iso(now));
    } else {
        run["status"] = json!("queued");
        run["providerStatus"] = json!("validating");
        run["providerBatchId"] = json!(format!("mockbatch_{}", hex(24)));
        run["submittedAt"] = json!(iso(now));
        run["nextPollAt"] = json!(iso(now + 15_000));
    }
    let mut entry = BatchRunEntry {
        tenant: ctx.tenant.to_string(),
        created_ms: now,
        json: run,
        items,
    };
    entry.recount();
    let shown = entry.json.clone();
    ctx.shared
        .store
        .lock()
        .batches
        .runs
        .insert(run_id.clone(), entry);
    if let Some(callback) = callback {
        webhooks::follow_batch(ctx.shared.clone(), run_id.clone(), callback);
    }
    if down {
        return respond::error(502, "fetch failed");
    }
    batches::spawn(ctx.shared.store.clone(), run_id);
    respond::json(201, &shown)
}

fn run_not_found() -> Response<Body> {
    respond::error(404, "Batch run not found")
}

/// `GET /batch-runs/{id}`.
pub(crate) fn get_run(ctx: &Ctx<'_>, id: &str) -> Response<Body> {
    let inner = ctx.shared.store.lock();
    match inner.batches.run(ctx.tenant, id) {
        Some(e) => respond::json(200, &e.json),
        None => run_not_found(),
    }
}

/// `GET /batch-runs`: newest first.
pub(crate) fn list_runs(ctx: &Ctx<'_>) -> Response<Body> {
    let limit = lenient_limit(ctx, 50, 200);
    let query = RunListQuery::from_query(
        ctx,
        &[
            "batchId",
            "batchVersion",
            "datasetId",
            "datasetVersion",
            "provider",
            "model",
            "status",
        ],
        "createdAt",
    );
    let inner = ctx.shared.store.lock();
    let runs = inner
        .batches
        .runs
        .iter()
        .filter(|(_, e)| e.tenant == ctx.tenant)
        .map(|(id, e)| (id.as_str(), e.created_ms, &e.json));
    respond::json(200, &query.page(runs, limit))
}

/// `POST /batch-runs/{id}/cancel`.
pub(crate) fn cancel(ctx: &Ctx<'_>, id: &str) -> Response<Body> {
    let mut inner = ctx.shared.store.lock();
    let Some(e) = inner.batches.run_mut(ctx.tenant, id) else {
        return run_not_found();
    };
    match e.status() {
        s if batches::is_terminal(s) || s == "cancelling" => {}
        "validating" | "submitting" => batches::cancel_now(e),
        _ => {
            e.json["status"] = json!("cancelling");
            e.json["providerStatus"] = json!("cancelling");
        }
    }
    respond::json(200, &e.json)
}

/// `DELETE /batch-runs/{id}`.
pub(crate) fn delete_run(ctx: &Ctx<'_>, id: &str) -> Response<Body> {
    let mut inner = ctx.shared.store.lock();
    let Some(e) = inner.batches.run(ctx.tenant, id) else {
        return run_not_found();
    };
    if !batches::is_terminal(e.status()) {
        return respond::error(409, "Cancel the provider batch before deleting this run");
    }
    inner.batches.runs.remove(id);
    respond::no_content()
}

/// One page of a run's items by ordinal: the rows and the next cursor.
fn item_page<'a>(
    e: &'a BatchRunEntry,
    status: Option<&str>,
    cursor: Option<u64>,
    limit: usize,
) -> (Vec<&'a Value>, Option<String>) {
    let ordinal = |i: &Value| i.get("ordinal").and_then(Value::as_u64).unwrap_or(0);
    let mut rows: Vec<&Value> = e
        .items
        .iter()
        .filter(|i| status.is_none_or(|s| i.get("status").and_then(Value::as_str) == Some(s)))
        .filter(|i| cursor.is_none_or(|c| ordinal(i) > c))
        .collect();
    let next = cut_page(&mut rows, limit, |last| encode_cursor(&ordinal(last)));
    (rows, next)
}

/// `GET /batch-runs/{id}/items`.
pub(crate) fn items(ctx: &Ctx<'_>, id: &str) -> Response<Body> {
    let limit = lenient_limit(ctx, 100, 1000);
    let status = ctx.non_empty_param("status");
    let cursor = decode_cursor::<u64>(ctx);
    let inner = ctx.shared.store.lock();
    let Some(e) = inner.batches.run(ctx.tenant, id) else {
        return run_not_found();
    };
    let (rows, next) = item_page(e, status.as_deref(), cursor, limit);
    let mut page = json!({ "rows": rows });
    if let Some(c) = next {
        page["cursor"] = json!(c);
    }
    respond::json(200, &page)
}

/// `GET /batch-runs/{id}/results.jsonl`.
pub(crate) fn results(ctx: &Ctx<'_>, id: &str) -> Response<Body> {
    let inner = ctx.shared.store.lock();
    let Some(e) = inner.batches.run(ctx.tenant, id) else {
        return run_not_found();
    };
    let mut body = String::new();
    for item in &e.items {
        body.push_str(&item.to_string());
        body.push('\n');
    }
    let mut resp = Response::new(respond::full(body));
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-ndjson; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{id}-results.jsonl\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

/// `GET /batch-runs/compare?left=&right=`.
pub(crate) fn compare(ctx: &Ctx<'_>) -> Response<Body> {
    let (Some(left), Some(right)) = (ctx.non_empty_param("left"), ctx.non_empty_param("right"))
    else {
        return respond::error(400, "Missing required query params: left, right");
    };
    let limit = lenient_limit(ctx, 100, 1000);
    let cursor = decode_cursor::<u64>(ctx);
    let inner = ctx.shared.store.lock();
    let run = |id: &str| inner.batches.run(ctx.tenant, id);
    let (Some(l), Some(r)) = (run(&left), run(&right)) else {
        return run_not_found();
    };
    let (left_rows, left_next) = item_page(l, None, cursor, limit);
    let (right_rows, right_next) = item_page(r, None, cursor, limit);
    let item_id = |i: &Value| i.get("itemId").cloned().unwrap_or(Value::Null);
    let mut rows: Vec<Value> = left_rows
        .iter()
        .map(|li| {
            let mut row = json!({"itemId": item_id(li), "input": li.get("input"), "left": li});
            if let Some(ri) = right_rows.iter().find(|ri| item_id(ri) == item_id(li)) {
                row["right"] = (*ri).clone();
            }
            row
        })
        .collect();
    for ri in &right_rows {
        if !left_rows.iter().any(|li| item_id(li) == item_id(ri)) {
            rows.push(json!({"itemId": item_id(ri), "input": ri.get("input"), "right": ri}));
        }
    }
    let same = |k: &str| l.json.get(k) == r.json.get(k);
    let mut page = json!({
        "leftRun": l.json, "rightRun": r.json, "rows": rows,
        "datasetVersionsMatch": same("datasetId") && same("datasetVersion"),
    });
    if let Some(c) = left_next.or(right_next) {
        page["cursor"] = json!(c);
    }
    respond::json(200, &page)
}
