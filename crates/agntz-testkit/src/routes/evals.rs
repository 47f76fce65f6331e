//! `/evals` (definition CRUD), `/eval-runs` (start, get, cancel, list) and
//! `/eval-scores` (latest scores).

use http::Response;
use serde_json::{json, Map, Value};

use super::paging::{sort_newest_update_first, FieldFilters, RunListQuery};
use super::Ctx;
use crate::evals::{self, EvalHistory, EvalRunEntry};
use crate::respond::{self, Body};
use crate::util::{iso, monotonic_ms, nanoid, non_empty_str};
use crate::versions::History;

/// Checks the default dataset of a normalized definition: it must exist
/// and must not belong to another agent.
fn check_default_dataset(ctx: &Ctx<'_>, def: &Map<String, Value>) -> bool {
    let def = Value::Object(def.clone());
    let (Some(id), version) = evals::default_dataset(&def) else {
        return true;
    };
    let inner = ctx.shared.store.lock();
    inner
        .dataset_at(ctx.tenant, &id, version.as_deref())
        .is_ok_and(|ds| {
            ds.fields
                .agent_id
                .is_none_or(|a| Some(a.as_str()) == def.get("agentId").and_then(Value::as_str))
        })
}

fn store_version(ctx: &Ctx<'_>, def: &Map<String, Value>) {
    let id = def.get("id").and_then(Value::as_str).unwrap_or("");
    let at = iso(monotonic_ms());
    let mut inner = ctx.shared.store.lock();
    let history = inner.evals.defs.entry(ctx.key(id)).or_default();
    let created = history
        .versions
        .first()
        .and_then(|(_, v)| v.get("createdAt").cloned())
        .unwrap_or_else(|| Value::String(at.clone()));
    let mut stored = def.clone();
    stored.insert("version".into(), Value::String(at.clone()));
    stored.insert("createdAt".into(), created);
    stored.insert("updatedAt".into(), Value::String(at.clone()));
    history.publish(at, Value::Object(stored));
}

/// `GET /evals[?agentId=]`: newest update first.
pub(crate) fn list(ctx: &Ctx<'_>) -> Response<Body> {
    let agent = ctx.non_empty_param("agentId");
    let inner = ctx.shared.store.lock();
    let mut rows: Vec<&Value> = inner
        .evals
        .defs
        .iter()
        .filter(|((t, _), _)| t == ctx.tenant)
        .filter_map(|(_, h)| h.head())
        .filter(|d| {
            agent
                .as_deref()
                .is_none_or(|a| d.get("agentId").and_then(Value::as_str) == Some(a))
        })
        .collect();
    sort_newest_update_first(&mut rows);
    respond::json(200, &rows)
}

/// `POST /evals`: upsert, `201` with the normalized echo.
pub(crate) fn create(ctx: &Ctx<'_>) -> Response<Body> {
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&ctx.body) else {
        return respond::internal_error();
    };
    let Ok(def) = evals::normalize(body) else {
        return respond::internal_error();
    };
    if !check_default_dataset(ctx, &def) {
        return respond::internal_error();
    }
    store_version(ctx, &def);
    respond::json(201, &def)
}

/// `GET /evals/{id}`.
pub(crate) fn get(ctx: &Ctx<'_>, id: &str) -> Response<Body> {
    let inner = ctx.shared.store.lock();
    match inner
        .evals
        .defs
        .get(&ctx.key(id))
        .and_then(EvalHistory::head)
    {
        Some(def) => respond::json(200, def),
        None => respond::error(404, "Eval not found"),
    }
}

/// `PUT /evals/{id}`: shallow merge over the stored head, new version; the
/// echo carries the previous version's `version`/`updatedAt`.
pub(crate) fn update(ctx: &Ctx<'_>, id: &str) -> Response<Body> {
    let head = {
        let inner = ctx.shared.store.lock();
        inner
            .evals
            .defs
            .get(&ctx.key(id))
            .and_then(EvalHistory::head)
            .cloned()
    };
    let Some(Value::Object(mut merged)) = head else {
        return respond::error(404, "Eval not found");
    };
    let Ok(Value::Object(patch)) = serde_json::from_slice::<Value>(&ctx.body) else {
        return respond::internal_error();
    };
    merged.extend(patch);
    merged.insert("id".into(), Value::String(id.to_string()));
    let Ok(def) = evals::normalize(merged) else {
        return respond::internal_error();
    };
    if !check_default_dataset(ctx, &def) {
        return respond::internal_error();
    }
    let mut stored = def.clone();
    for k in ["version", "createdAt", "updatedAt"] {
        stored.remove(k);
    }
    store_version(ctx, &stored);
    respond::json(200, &def)
}

/// `DELETE /evals/{id}` (`204`, idempotent).
pub(crate) fn delete(ctx: &Ctx<'_>, id: &str) -> Response<Body> {
    ctx.shared.store.lock().evals.defs.remove(&ctx.key(id));
    respond::no_content()
}

/// `POST /eval-runs`.
pub(crate) fn start_run(ctx: &Ctx<'_>) -> Response<Body> {
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&ctx.body) else {
        return respond::internal_error();
    };
    let Some(eval_id) = non_empty_str(body.get("evalId")) else {
        return respond::error(400, "Missing required field: evalId");
    };
    let req_eval_version = non_empty_str(body.get("evalVersion"));
    let req_dataset_id = non_empty_str(body.get("datasetId"));
    let req_dataset_version = non_empty_str(body.get("datasetVersion"));
    let req_agent_version = non_empty_str(body.get("agentVersion"));
    let wanted: Vec<String> = body
        .get("criterionIds")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();

    // The eval (at a version).
    let resolved = {
        let inner = ctx.shared.store.lock();
        inner.evals.defs.get(&ctx.key(&eval_id)).and_then(|h| {
            let index = match req_eval_version.as_deref() {
                None => Some(h.marks.active),
                Some(v) => h.resolve(v),
            };
            index.and_then(|i| h.versions.get(i).cloned())
        })
    };
    let Some((eval_version, def)) = resolved else {
        let shown = match &req_eval_version {
            Some(v) => format!("{eval_id}@{v}"),
            None => eval_id.clone(),
        };
        return respond::error(404, &format!("Eval \"{shown}\" not found"));
    };
    let all: Vec<Value> = def
        .get("criteria")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if all.is_empty() {
        return respond::error(
            500,
            &format!("Eval \"{eval_id}\" must define at least one criterion"),
        );
    }
    let selected: Vec<Value> = if wanted.is_empty() {
        all.clone()
    } else {
        all.iter()
            .filter(|c| {
                c.get("id")
                    .and_then(Value::as_str)
                    .is_some_and(|id| wanted.iter().any(|w| w == id))
            })
            .cloned()
            .collect()
    };
    if selected.is_empty() {
        return respond::error(
            500,
            &format!("Eval \"{eval_id}\" did not match any criterionIds"),
        );
    }
    let (default_id, default_version) = evals::default_dataset(&def);
    let Some(dataset_id) = req_dataset_id.clone().or(default_id) else {
        return respond::error(
            500,
            &format!("Eval \"{eval_id}\" does not specify a default dataset; pass datasetId"),
        );
    };
    let requested_dataset_version = req_dataset_version.clone().or(if req_dataset_id.is_some() {
        None
    } else {
        default_version
    });
    let dataset = ctx.shared.store.lock().dataset_at(
        ctx.tenant,
        &dataset_id,
        requested_dataset_version.as_deref(),
    );
    let dataset = match dataset {
        Ok(d) => d,
        Err(msg) => return respond::error(404, &msg),
    };
    let agent_id = def
        .get("agentId")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let dataset_agent = dataset.fields.agent_id.as_deref();
    if dataset_agent != Some(agent_id.as_str()) {
        return respond::error(
            500,
            &format!(
                "Dataset \"{dataset_id}\" belongs to agent \"{}\", not \"{agent_id}\"",
                dataset_agent.unwrap_or("undefined")
            ),
        );
    }
    let Some(agent) = ctx.shared.store.agent(ctx.tenant, &agent_id) else {
        return respond::error(404, &format!("Agent \"{agent_id}\" not found"));
    };
    if let Some(v) = &req_agent_version {
        if v != "latest" && v != &agent.version {
            return respond::error(404, &format!("Agent \"{agent_id}@{v}\" not found"));
        }
    }

    let started_ms = monotonic_ms();
    let run_id = format!("evalrun_{}", nanoid(12));
    let criterion_ids: Vec<Value> = selected
        .iter()
        .filter_map(|c| c.get("id").cloned())
        .collect();
    let partial = !wanted.is_empty() && selected.len() != all.len();
    let agent_snapshot = json!({
        "id": agent.id, "name": agent.id,
        "model": {"provider": crate::engine::PROVIDER, "name": crate::engine::MODEL},
        "createdAt": agent.version,
    });
    let mut snapshots = json!({
        "eval": def, "dataset": dataset.record, "agent": agent_snapshot,
        "evalVersion": eval_version, "datasetVersion": dataset.version,
        "agentVersion": agent.version,
    });
    let mut run = json!({
        "id": run_id, "evalId": eval_id, "evalVersion": eval_version,
        "datasetId": dataset_id, "datasetVersion": dataset.version,
        "agentId": agent_id, "agentVersion": agent.version,
        "criterionIds": criterion_ids, "partial": partial, "status": "running",
        "startedAt": iso(started_ms), "caseResults": [],
    });
    for (k, v) in [
        ("requestedEvalVersion", &req_eval_version),
        ("requestedDatasetVersion", &requested_dataset_version),
        ("requestedAgentVersion", &req_agent_version),
    ] {
        if let Some(v) = v {
            run[k] = Value::String(v.clone());
            snapshots[k] = Value::String(v.clone());
        }
    }
    run["snapshots"] = snapshots;
    let items = dataset.fields.items;
    ctx.shared.store.lock().evals.runs.insert(
        run_id.clone(),
        EvalRunEntry {
            tenant: ctx.tenant.to_string(),
            started_ms,
            json: run.clone(),
            items,
        },
    );
    evals::spawn(ctx.shared.store.clone(), run_id);
    respond::json(201, &run)
}

fn run_not_found() -> Response<Body> {
    respond::error(404, "Eval run not found")
}

/// `GET /eval-runs/{id}`.
pub(crate) fn get_run(ctx: &Ctx<'_>, id: &str) -> Response<Body> {
    let inner = ctx.shared.store.lock();
    match inner.evals.runs.get(id).filter(|e| e.tenant == ctx.tenant) {
        Some(e) => respond::json(200, &e.json),
        None => run_not_found(),
    }
}

/// `POST /eval-runs/{id}/cancel`.
pub(crate) fn cancel_run(ctx: &Ctx<'_>, id: &str) -> Response<Body> {
    let mut inner = ctx.shared.store.lock();
    let Some(entry) = inner
        .evals
        .runs
        .get_mut(id)
        .filter(|e| e.tenant == ctx.tenant)
    else {
        return run_not_found();
    };
    let status = entry
        .json
        .get("status")
        .and_then(Value::as_str)
        .unwrap_or("");
    if matches!(status, "pending" | "running") {
        let done: Vec<Value> = entry
            .json
            .get("caseResults")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|c| c.get("itemId").cloned()).collect())
            .unwrap_or_default();
        let missing: Vec<Value> = entry
            .items
            .iter()
            .filter(|i| !done.iter().any(|d| d.as_str() == Some(i.id.as_str())))
            .map(evals::cancelled_case)
            .collect();
        if let Some(cases) = entry
            .json
            .get_mut("caseResults")
            .and_then(Value::as_array_mut)
        {
            cases.extend(missing);
        }
        evals::finish(&mut inner.evals, id, "cancelled");
    }
    match inner.evals.runs.get(id) {
        Some(e) => respond::json(200, &e.json),
        None => run_not_found(),
    }
}

/// `GET /eval-runs`: newest first, opaque `{startedAt,id}` cursor.
pub(crate) fn list_runs(ctx: &Ctx<'_>) -> Response<Body> {
    // Unlike the batch routes, a `limit` that is not a number is a 400 here.
    let limit = match ctx.query_param("limit") {
        None => 50,
        Some(v) => match v.trim().parse::<f64>() {
            Ok(n) if n.is_finite() => (n.floor().max(1.0) as usize).min(200),
            _ => return respond::error(400, "Invalid `limit` query param"),
        },
    };
    let query = RunListQuery::from_query(
        ctx,
        &["agentId", "evalId", "datasetId", "status"],
        "startedAt",
    );
    let inner = ctx.shared.store.lock();
    let runs = inner
        .evals
        .runs
        .iter()
        .filter(|(_, e)| e.tenant == ctx.tenant)
        .map(|(id, e)| (id.as_str(), e.started_ms, &e.json));
    respond::json(200, &query.page(runs, limit))
}

/// `GET /eval-scores/latest`: exact key match, or `null`.
pub(crate) fn latest_score(ctx: &Ctx<'_>) -> Response<Body> {
    let param = |k: &str| ctx.non_empty_param(k);
    let (Some(eval_id), Some(dataset_id)) = (param("evalId"), param("datasetId")) else {
        return respond::error(400, "Missing required query params: evalId, datasetId");
    };
    let wanted = vec![
        Some(eval_id),
        param("evalVersion"),
        Some(dataset_id),
        param("datasetVersion"),
        param("resolvedAgentVersion"),
    ];
    let inner = ctx.shared.store.lock();
    let found = inner
        .evals
        .scores
        .iter()
        .find(|(t, s)| t == ctx.tenant && evals::score_key(s) == wanted)
        .map(|(_, s)| s.clone());
    respond::json(200, &found.unwrap_or(Value::Null))
}

/// `GET /eval-scores`: every latest score matching the filters.
pub(crate) fn list_scores(ctx: &Ctx<'_>) -> Response<Body> {
    let filters = FieldFilters::from_query(
        ctx,
        &[
            "agentId",
            "evalId",
            "datasetId",
            "resolvedAgentVersion",
            "status",
            "evalVersion",
            "datasetVersion",
        ],
    );
    let inner = ctx.shared.store.lock();
    let rows: Vec<&Value> = inner
        .evals
        .scores
        .iter()
        .filter(|(t, _)| t == ctx.tenant)
        .map(|(_, s)| s)
        .filter(|s| filters.matches(s))
        .collect();
    respond::json(200, &rows)
}
