//! Datasets (`/datasets…`) and staged dataset imports (`/dataset-imports…`),
//! with the in-memory store's behaviour (items always inline).

use http::Response;
use serde::Serialize;
use serde_json::{Map, Value};

use super::paging::{decode_cursor, encode_cursor, lenient_limit};
use super::{reject, settle, Ctx, Rejection};
use crate::datasets::{self, non_blank, normalize_items, DatasetJson};
use crate::respond::{self, Body};
use crate::store::{DatasetFields, DatasetItem, StagedImport, StoredDataset};
use crate::util::{iso, monotonic_ms, nanoid, parse_json_body};

/// Hono's plain-text 500 (the worker's unhandled validation errors).
fn crash() -> Rejection {
    Box::new(respond::internal_error())
}

fn dataset_not_found() -> Rejection {
    reject(404, "Dataset not found")
}

/// A create or update body, normalized (`Err` = the worker's plain 500).
fn normalize(body: &Map<String, Value>) -> Result<DatasetFields, Rejection> {
    datasets::normalize(body).map_err(|_| crash())
}

fn head_response(status: u16, d: &StoredDataset) -> Response<Body> {
    respond::json(status, &DatasetJson::stored(d, d.head()))
}

fn object_body(ctx: &Ctx<'_>) -> Result<Map<String, Value>, Rejection> {
    match parse_json_body(&ctx.body) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(crash()),
    }
}

/// `GET /datasets[?agentId=]` (newest update first).
pub(crate) fn list(ctx: &Ctx<'_>) -> Response<Body> {
    let agent = ctx.query_param("agentId");
    let inner = ctx.shared.store.lock();
    let mut rows: Vec<&StoredDataset> = inner
        .datasets
        .iter()
        .filter(|((t, _), _)| t == ctx.tenant)
        .map(|(_, d)| d)
        .filter(|d| {
            agent
                .as_deref()
                .is_none_or(|a| d.head().fields.agent_id.as_deref() == Some(a))
        })
        .collect();
    rows.sort_by(|a, b| b.head().version.cmp(&a.head().version));
    let json: Vec<DatasetJson<'_>> = rows
        .iter()
        .map(|d| DatasetJson::stored(d, d.head()))
        .collect();
    respond::json(200, &json)
}

/// `POST /datasets` (an upsert; 201 with the normalized echo).
pub(crate) fn create(ctx: &Ctx<'_>) -> Response<Body> {
    settle((|| {
        let body = object_body(ctx)?;
        let fields = normalize(&body)?;
        let resp = respond::json(201, &DatasetJson::echo(&fields, &body));
        ctx.shared.store.lock().publish_dataset(ctx.tenant, fields);
        Ok(resp)
    })())
}

/// `GET /datasets/{id}`.
pub(crate) fn get(ctx: &Ctx<'_>, id: &str) -> Response<Body> {
    let inner = ctx.shared.store.lock();
    match inner.datasets.get(&ctx.key(id)) {
        Some(d) => head_response(200, d),
        None => *dataset_not_found(),
    }
}

/// `PUT /datasets/{id}` (shallow merge over the stored head; the echo keeps
/// the previous version's `version` and `updatedAt`).
pub(crate) fn update(ctx: &Ctx<'_>, id: &str) -> Response<Body> {
    settle((|| {
        let patch = object_body(ctx)?;
        let mut inner = ctx.shared.store.lock();
        let key = ctx.key(id);
        let Some(stored) = inner.datasets.get(&key) else {
            return Err(dataset_not_found());
        };
        let mut base = match serde_json::to_value(DatasetJson::stored(stored, stored.head())) {
            Ok(Value::Object(m)) => m,
            _ => return Err(crash()),
        };
        base.remove("itemCount");
        base.extend(patch);
        base.insert("id".into(), Value::String(id.to_string()));
        let fields = normalize(&base)?;
        let resp = respond::json(200, &DatasetJson::echo(&fields, &base));
        inner.publish_dataset(ctx.tenant, fields);
        Ok(resp)
    })())
}

/// `DELETE /datasets/{id}` (204, idempotent).
pub(crate) fn delete(ctx: &Ctx<'_>, id: &str) -> Response<Body> {
    ctx.shared.store.lock().datasets.remove(&ctx.key(id));
    respond::no_content()
}

/// `GET /datasets/{id}/items[?version=&limit=&cursor=]`.
pub(crate) fn items(ctx: &Ctx<'_>, id: &str) -> Response<Body> {
    let inner = ctx.shared.store.lock();
    let Some(d) = inner.datasets.get(&ctx.key(id)) else {
        return *dataset_not_found();
    };
    let items: &[DatasetItem] = match ctx.query_param("version") {
        None => &d.head().fields.items,
        // An exact version or an alias; `latest` is not special here.
        Some(v) => {
            let target = d.marks.aliases.get(&v).unwrap_or(&v);
            d.versions
                .iter()
                .find(|x| &x.version == target)
                .map_or(&[][..], |x| &x.fields.items)
        }
    };
    let limit = lenient_limit(ctx, 100, 1000);
    // The cursor is the base64url JSON ordinal of the last row sent.
    let start = decode_cursor::<u64>(ctx).map_or(0, |last| last as usize + 1);
    let rows: Vec<&DatasetItem> = items.iter().skip(start).take(limit).collect();
    let end = start + rows.len();
    #[derive(Serialize)]
    struct Page<'a> {
        rows: Vec<&'a DatasetItem>,
        #[serde(skip_serializing_if = "Option::is_none")]
        cursor: Option<String>,
    }
    let cursor = (end < items.len() && !rows.is_empty()).then(|| encode_cursor(&(end - 1)));
    respond::json(200, &Page { rows, cursor })
}

// ---------------------------------------------------------- staged imports

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ImportJson<'a> {
    id: &'a str,
    dataset_id: &'a str,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    agent_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<&'a Value>,
    status: &'static str,
    item_count: usize,
    created_at: &'a str,
    updated_at: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    dataset_version: Option<&'a str>,
}

fn import_json(status: u16, id: &str, s: &StagedImport) -> Response<Body> {
    respond::json(
        status,
        &ImportJson {
            id,
            dataset_id: &s.dataset_id,
            name: &s.name,
            description: s.description.as_deref(),
            agent_id: s.agent_id.as_deref(),
            metadata: s.metadata.as_ref(),
            status: if s.dataset_version.is_some() {
                "completed"
            } else {
                "open"
            },
            item_count: s.items.len(),
            created_at: &s.created_at,
            updated_at: &s.updated_at,
            dataset_version: s.dataset_version.as_deref(),
        },
    )
}

fn import_not_found() -> Rejection {
    reject(404, "Dataset import not found")
}

/// `POST /dataset-imports`.
pub(crate) fn start_import(ctx: &Ctx<'_>) -> Response<Body> {
    settle((|| {
        let body = parse_json_body(&ctx.body).map_err(|m| reject(500, &m))?;
        let dataset_id =
            non_blank(body.get("datasetId")).unwrap_or_else(|| format!("dataset_{}", nanoid(12)));
        let now = iso(monotonic_ms());
        let staged = StagedImport {
            tenant: ctx.tenant.to_string(),
            name: non_blank(body.get("name")).unwrap_or_else(|| dataset_id.clone()),
            dataset_id,
            description: non_blank(body.get("description")),
            agent_id: non_blank(body.get("agentId")),
            metadata: body.get("metadata").filter(|m| m.is_object()).cloned(),
            items: Vec::new(),
            created_at: now.clone(),
            updated_at: now,
            dataset_version: None,
        };
        let id = format!("datasetimport_{}", nanoid(12));
        let resp = import_json(201, &id, &staged);
        ctx.shared.store.lock().dataset_imports.insert(id, staged);
        Ok(resp)
    })())
}

/// `POST /dataset-imports/{id}/items`.
pub(crate) fn append_items(ctx: &Ctx<'_>, id: &str) -> Response<Body> {
    settle((|| {
        let body = parse_json_body(&ctx.body).map_err(|m| reject(500, &m))?;
        let Some(raw) = body.get("items").and_then(Value::as_array) else {
            return Err(reject(400, "Missing required field: items (array)"));
        };
        if raw.len() > 1000 {
            return Err(reject(
                413,
                "Each import chunk may contain at most 1,000 items",
            ));
        }
        let mut inner = ctx.shared.store.lock();
        let Some(staged) = inner
            .dataset_imports
            .get_mut(id)
            .filter(|s| s.tenant == ctx.tenant)
        else {
            return Err(reject(404, &format!("Dataset import '{id}' not found")));
        };
        if staged.dataset_version.is_some() {
            return Err(reject(
                400,
                &format!("Dataset import '{id}' is already completed"),
            ));
        }
        let items = normalize_items(raw).map_err(|m| reject(400, &m))?;
        if let Some(dup) = items
            .iter()
            .find(|i| staged.items.iter().any(|x| x.id == i.id))
        {
            return Err(reject(
                400,
                &format!("Duplicate dataset item id '{}'", dup.id),
            ));
        }
        staged.items.extend(items);
        staged.updated_at = iso(monotonic_ms());
        Ok(import_json(200, id, staged))
    })())
}

/// `POST /dataset-imports/{id}/complete` (201 with the published dataset;
/// idempotent).
pub(crate) fn complete_import(ctx: &Ctx<'_>, id: &str) -> Response<Body> {
    settle((|| {
        let mut inner = ctx.shared.store.lock();
        let Some(staged) = inner
            .dataset_imports
            .get(id)
            .filter(|s| s.tenant == ctx.tenant)
        else {
            return Err(import_not_found());
        };
        let key = ctx.key(&staged.dataset_id);
        if staged.dataset_version.is_some() {
            return match inner.datasets.get(&key) {
                Some(d) => Ok(head_response(201, d)),
                None => Err(dataset_not_found()),
            };
        }
        if staged.items.is_empty() {
            return Err(reject(
                400,
                "Upload at least one item before completing the import",
            ));
        }
        let fields = DatasetFields {
            id: staged.dataset_id.clone(),
            agent_id: staged.agent_id.clone(),
            name: staged.name.clone(),
            description: staged.description.clone(),
            metadata: staged.metadata.clone(),
            items: staged.items.clone(),
        };
        let version = inner
            .publish_dataset(ctx.tenant, fields)
            .head()
            .version
            .clone();
        if let Some(s) = inner.dataset_imports.get_mut(id) {
            s.updated_at = version.clone();
            s.dataset_version = Some(version);
        }
        match inner.datasets.get(&key) {
            Some(d) => Ok(head_response(201, d)),
            None => Err(dataset_not_found()),
        }
    })())
}

/// `GET /dataset-imports/{id}`.
pub(crate) fn get_import(ctx: &Ctx<'_>, id: &str) -> Response<Body> {
    let inner = ctx.shared.store.lock();
    match inner
        .dataset_imports
        .get(id)
        .filter(|s| s.tenant == ctx.tenant)
    {
        Some(s) => import_json(200, id, s),
        None => *import_not_found(),
    }
}

/// `DELETE /dataset-imports/{id}` (204, also for unknown ids).
pub(crate) fn abort_import(ctx: &Ctx<'_>, id: &str) -> Response<Body> {
    let mut inner = ctx.shared.store.lock();
    if inner
        .dataset_imports
        .get(id)
        .is_some_and(|s| s.tenant == ctx.tenant)
    {
        inner.dataset_imports.remove(id);
    }
    respond::no_content()
}
