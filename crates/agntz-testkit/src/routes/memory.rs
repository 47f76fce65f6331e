//! Memory (`/memory/import`, `/memory/topics`, `/memory/entries…`,
//! `/memory/curate`) and `POST /scopes/delete`, bounded by the tenant's
//! namespace roots like the worker does for API-key callers.

use std::collections::{BTreeMap, HashSet};

use http::Response;
use serde::Serialize;
use serde_json::Value;

use super::paging::lenient_limit;
use super::{reject, settle, Ctx, Rejection};
use crate::respond::{self, Body};
use crate::store::{Inner, MemoryRecord};
use crate::util::{hex, iso, monotonic_ms, parse_json_body};

const NO_ROOTS: &str =
    "tenant has no registered namespace roots; register one before using memory/scope operations";

fn grant_error(grant: &str, detail: &str) -> Rejection {
    reject(
        400,
        &format!("Invalid namespace grant \"{grant}\": {detail}"),
    )
}

/// Checks one namespace path (`a/b/c`: no blank, padded, traversal or
/// wildcard segments).
fn check_namespace(g: &str) -> Result<(), Rejection> {
    let detail = if g.is_empty() {
        Some("grant must not be empty")
    } else if g.trim() != g {
        Some("grant must not contain leading or trailing whitespace")
    } else if g.starts_with('/') || g.ends_with('/') {
        Some("grant must not start or end with '/'")
    } else if g.contains("//") {
        Some("grant must not contain empty path segments")
    } else if g.split('/').any(|s| s == "." || s == "..") {
        Some("grant must not contain traversal segments")
    } else if g.contains('*') {
        Some("grant must not contain wildcards")
    } else if g.chars().any(char::is_whitespace) {
        Some("grant segments must not contain whitespace")
    } else {
        None
    };
    match detail {
        Some(d) => Err(grant_error(g, d)),
        None => Ok(()),
    }
}

/// `candidate` is `root` or below it.
fn within(candidate: &str, root: &str) -> bool {
    candidate == root
        || candidate
            .strip_prefix(root)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// `a`, `a/b`, `a/b/c` for `a/b/c`.
fn ancestors(grant: &str) -> Vec<String> {
    let segs: Vec<&str> = grant.split('/').collect();
    (1..=segs.len()).map(|n| segs[..n].join("/")).collect()
}

/// The tenant's roots; 403 when it has none.
fn roots(inner: &Inner, tenant: &str) -> Result<Vec<String>, Rejection> {
    match inner.namespace_roots.get(tenant) {
        Some(r) if !r.is_empty() => Ok(r.clone()),
        _ => Err(reject(403, NO_ROOTS)),
    }
}

/// Validates the requested grants (deduplicated) and checks each lies
/// within a root.
fn narrow(roots: &[String], grants: &[String]) -> Result<Vec<String>, Rejection> {
    let mut out: Vec<String> = Vec::new();
    for g in grants {
        check_namespace(g)?;
        if !roots.iter().any(|r| within(g, r)) {
            return Err(grant_error(
                g,
                &format!("grant is not within parent context [{}]", roots.join(", ")),
            ));
        }
        if !out.contains(g) {
            out.push(g.clone());
        }
    }
    Ok(out)
}

/// The scopes a bounded caller reads: the grants plus their ancestors,
/// clamped to the roots.
fn read_scopes(roots: &[String], grants: &[String]) -> Result<Vec<String>, Rejection> {
    let mut scopes: Vec<String> = Vec::new();
    for g in narrow(roots, grants)? {
        for a in ancestors(&g) {
            if !scopes.contains(&a) && roots.iter().any(|r| within(&a, r)) {
                scopes.push(a);
            }
        }
    }
    Ok(scopes)
}

/// Every `grants` query value, split on commas, trimmed, blanks dropped.
fn query_grants(ctx: &Ctx<'_>) -> Vec<String> {
    csv_param(ctx, "grants")
}

fn csv_param(ctx: &Ctx<'_>, name: &str) -> Vec<String> {
    form_urlencoded::parse(ctx.query.unwrap_or("").as_bytes())
        .filter(|(k, _)| k == name)
        .flat_map(|(_, v)| {
            v.split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
        })
        .collect()
}

fn required_query_grants(ctx: &Ctx<'_>) -> Result<Vec<String>, Rejection> {
    let grants = query_grants(ctx);
    if grants.is_empty() {
        return Err(reject(400, "Missing required query param: grants"));
    }
    Ok(grants)
}

/// A JSON array of strings, or `None`.
fn string_array(v: Option<&Value>) -> Option<Vec<String>> {
    v?.as_array()?
        .iter()
        .map(|s| s.as_str().map(str::to_owned))
        .collect()
}

fn not_writable(scope: &str, grants: &[String]) -> Rejection {
    reject(
        400,
        &format!(
            "scope '{scope}' is not writable from grants [{}] with ancestorPromotion=none",
            grants.join(", ")
        ),
    )
}

// ---------------------------------------------------------------- import

/// `POST /memory/import`.
pub(crate) fn import(ctx: &Ctx<'_>) -> Response<Body> {
    settle(do_import(ctx))
}

#[derive(Serialize)]
struct ImportRow<'a> {
    id: &'a str,
    scope: &'a str,
    action: &'static str,
    status: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ImportResult<'a> {
    dry_run: bool,
    results: Vec<ImportRow<'a>>,
    counts: BTreeMap<&'static str, u64>,
}

fn entry_from(i: usize, v: &Value) -> Result<MemoryRecord, Rejection> {
    let field = |name: &str| -> Result<String, Rejection> {
        match v.get(name).and_then(Value::as_str) {
            Some(s) if !s.trim().is_empty() => Ok(s.to_owned()),
            _ => Err(reject(
                400,
                &format!("entries[{i}].{name} must be a non-empty string."),
            )),
        }
    };
    if !v.is_object() {
        return Err(reject(400, &format!("entries[{i}] must be an object.")));
    }
    let id = field("id")?;
    let scope = field("scope")?;
    let content = field("content")?;
    let topics = string_array(v.get("topics")).ok_or_else(|| {
        reject(
            400,
            &format!("entries[{i}].topics must be an array of strings."),
        )
    })?;
    let mut unique: Vec<String> = Vec::new();
    for t in topics {
        if !unique.contains(&t) {
            unique.push(t);
        }
    }
    let entry_type = match v.get("type").and_then(Value::as_str) {
        Some(t @ ("fact" | "preference" | "event" | "summary")) => t.to_owned(),
        _ => {
            return Err(reject(
                400,
                &format!("entries[{i}].type must be fact, preference, event, or summary."),
            ))
        }
    };
    let status = match v.get("status").and_then(Value::as_str) {
        Some(s @ ("active" | "superseded")) => s.to_owned(),
        _ => {
            return Err(reject(
                400,
                &format!("entries[{i}].status must be active or superseded."),
            ))
        }
    };
    let created_at = field("createdAt")?;
    let updated_at = field("updatedAt")?;
    let source = match v.get("source") {
        None | Some(Value::Null) => None,
        Some(s @ Value::Object(_)) => Some(s.clone()),
        Some(_) => {
            return Err(reject(
                400,
                &format!("entries[{i}].source must be an object."),
            ))
        }
    };
    Ok(MemoryRecord {
        id,
        scope,
        content,
        topics: unique,
        entry_type,
        source,
        status,
        superseded_by: v
            .get("supersededBy")
            .and_then(Value::as_str)
            .map(str::to_owned),
        created_at,
        updated_at,
        curated: false,
    })
}

fn do_import(ctx: &Ctx<'_>) -> Result<Response<Body>, Rejection> {
    let body = parse_json_body(&ctx.body).map_err(|m| reject(500, &m))?;
    let mut inner = ctx.shared.store.lock();
    let roots = roots(&inner, ctx.tenant)?;
    let raw = match body.get("entries").and_then(Value::as_array) {
        Some(a) if !a.is_empty() => a,
        _ => return Err(reject(400, "Body must include a non-empty entries array.")),
    };
    let dry_run = body.get("dryRun").and_then(Value::as_bool).unwrap_or(false);
    let mut entries = Vec::with_capacity(raw.len());
    let mut seen = HashSet::new();
    for (i, v) in raw.iter().enumerate() {
        let e = entry_from(i, v)?;
        if !seen.insert(e.id.clone()) {
            return Err(reject(400, &format!("Duplicate memory entry id: {}", e.id)));
        }
        narrow(&roots, std::slice::from_ref(&e.scope))?;
        if let Some(existing) = inner.memory_entry(ctx.tenant, &e.id) {
            narrow(&roots, std::slice::from_ref(&existing.scope))?;
        }
        entries.push(e);
    }
    let mut rows = Vec::with_capacity(entries.len());
    let mut counts = BTreeMap::new();
    for e in &entries {
        let exists = inner.memory_entry(ctx.tenant, &e.id).is_some();
        let action = if exists { "update" } else { "create" };
        *counts.entry(action).or_insert(0) += 1;
        rows.push((e.id.clone(), e.scope.clone(), action, e.status.clone()));
    }
    if !dry_run {
        let list = inner.memory.entry(ctx.tenant.to_string()).or_default();
        for e in entries {
            match list.iter_mut().find(|x| x.id == e.id) {
                Some(slot) => *slot = e,
                None => list.push(e),
            }
        }
    }
    drop(inner);
    Ok(respond::json(
        200,
        &ImportResult {
            dry_run,
            results: rows
                .iter()
                .map(|(id, scope, action, status)| ImportRow {
                    id,
                    scope,
                    action,
                    status,
                })
                .collect(),
            counts,
        },
    ))
}

// ---------------------------------------------------------------- reads

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Topic {
    topic: String,
    count: u64,
    last_updated_at: String,
    has_uncurated_writes: bool,
}

#[derive(Serialize)]
struct Scan {
    grants: Vec<String>,
    topics: Vec<Topic>,
}

/// `GET /memory/topics?grants=…`.
pub(crate) fn topics(ctx: &Ctx<'_>) -> Response<Body> {
    settle((|| {
        let grants = required_query_grants(ctx)?;
        let inner = ctx.shared.store.lock();
        let roots = roots(&inner, ctx.tenant)?;
        let scopes = read_scopes(&roots, &grants)?;
        let mut by_topic: BTreeMap<String, Topic> = BTreeMap::new();
        for e in inner.memory.get(ctx.tenant).into_iter().flatten() {
            if e.status != "active" || !scopes.contains(&e.scope) {
                continue;
            }
            for t in &e.topics {
                let row = by_topic.entry(t.clone()).or_insert_with(|| Topic {
                    topic: t.clone(),
                    count: 0,
                    last_updated_at: String::new(),
                    has_uncurated_writes: false,
                });
                row.count += 1;
                if e.updated_at > row.last_updated_at {
                    row.last_updated_at = e.updated_at.clone();
                }
                row.has_uncurated_writes |= !e.curated;
            }
        }
        Ok(respond::json(
            200,
            &Scan {
                grants: scopes,
                topics: by_topic.into_values().collect(),
            },
        ))
    })())
}

#[derive(Serialize)]
struct Page<'a> {
    entries: Vec<&'a MemoryRecord>,
    total: usize,
    limit: usize,
    offset: usize,
}

/// `GET /memory/entries?grants=…[&topics=…&includeSuperseded=…&limit=…&offset=…]`.
pub(crate) fn entries(ctx: &Ctx<'_>) -> Response<Body> {
    settle((|| {
        let grants = required_query_grants(ctx)?;
        let topics = csv_param(ctx, "topics");
        let superseded = ctx.query_param("includeSuperseded").is_some_and(|v| {
            matches!(v.trim().to_ascii_lowercase().as_str(), "1" | "true" | "yes")
        });
        let limit = lenient_limit(ctx, 200, 1000);
        let offset = ctx
            .number_param("offset")
            .map_or(0, |n| n.floor().max(0.0) as usize);
        let inner = ctx.shared.store.lock();
        let roots = roots(&inner, ctx.tenant)?;
        let scopes = read_scopes(&roots, &grants)?;
        let matches: Vec<&MemoryRecord> = inner
            .memory
            .get(ctx.tenant)
            .into_iter()
            .flatten()
            .filter(|e| scopes.contains(&e.scope))
            .filter(|e| superseded || e.status == "active")
            .filter(|e| topics.is_empty() || e.topics.iter().any(|t| topics.contains(t)))
            .collect();
        let total = matches.len();
        let page = matches.into_iter().skip(offset).take(limit).collect();
        Ok(respond::json(
            200,
            &Page {
                entries: page,
                total,
                limit,
                offset,
            },
        ))
    })())
}

// ---------------------------------------------------------------- writes

/// `DELETE /memory/entries/{id}` (grants from a JSON body, else the query).
pub(crate) fn delete_entry(ctx: &Ctx<'_>, id: &str) -> Response<Body> {
    settle((|| {
        let from_body = serde_json::from_slice::<Value>(&ctx.body)
            .ok()
            .and_then(|b| string_array(b.get("grants")));
        let grants = match from_body {
            Some(g) if !g.is_empty() => g,
            _ => required_query_grants(ctx)?,
        };
        let mut inner = ctx.shared.store.lock();
        let roots = roots(&inner, ctx.tenant)?;
        let grants = narrow(&roots, &grants)?;
        let Some(entry) = inner.memory_entry(ctx.tenant, id) else {
            return Err(reject(404, &format!("memory entry '{id}' not found")));
        };
        if !grants.iter().any(|g| within(&entry.scope, g)) {
            return Err(not_writable(&entry.scope, &grants));
        }
        if let Some(list) = inner.memory.get_mut(ctx.tenant) {
            list.retain(|e| e.id != id);
        }
        #[derive(Serialize)]
        struct Deleted<'a> {
            deleted: bool,
            id: &'a str,
        }
        Ok(respond::json(200, &Deleted { deleted: true, id }))
    })())
}

/// `POST /memory/entries/{id}/correct`.
pub(crate) fn correct(ctx: &Ctx<'_>, id: &str) -> Response<Body> {
    settle((|| {
        let body = parse_json_body(&ctx.body).map_err(|m| reject(500, &m))?;
        let grants = match string_array(body.get("grants")) {
            Some(g) if !g.is_empty() => g,
            _ => return Err(reject(400, "Missing required field: grants (string array)")),
        };
        let content = match body.get("content").and_then(Value::as_str) {
            Some(c) if !c.trim().is_empty() => c.trim().to_owned(),
            _ => {
                return Err(reject(
                    400,
                    "Missing required field: content (non-empty string)",
                ))
            }
        };
        let mut inner = ctx.shared.store.lock();
        let roots = roots(&inner, ctx.tenant)?;
        let grants = narrow(&roots, &grants)?;
        let Some(original) = inner.memory_entry(ctx.tenant, id) else {
            return Err(reject(404, &format!("memory entry '{id}' not found")));
        };
        if !grants.iter().any(|g| within(&original.scope, g)) {
            return Err(not_writable(&original.scope, &grants));
        }
        if original.status == "superseded" {
            let by = original.superseded_by.clone().unwrap_or_default();
            return Err(reject(
                409,
                &format!(
                    "entry '{id}' is already superseded by '{by}'; correct the active entry instead"
                ),
            ));
        }
        let now = iso(monotonic_ms());
        let new_id = format!(
            "mem_{}-{}-4{}-a{}-{}",
            hex(8),
            hex(4),
            hex(3),
            hex(3),
            hex(12)
        );
        let entry = MemoryRecord {
            id: new_id.clone(),
            scope: original.scope.clone(),
            content,
            topics: original.topics.clone(),
            entry_type: original.entry_type.clone(),
            source: None,
            status: "active".into(),
            superseded_by: None,
            created_at: now.clone(),
            updated_at: now.clone(),
            curated: false,
        };
        let list = inner.memory.entry(ctx.tenant.to_string()).or_default();
        if let Some(o) = list.iter_mut().find(|e| e.id == id) {
            o.status = "superseded".into();
            o.superseded_by = Some(new_id);
            o.updated_at = now;
        }
        #[derive(Serialize)]
        struct Corrected<'a> {
            entry: &'a MemoryRecord,
        }
        let resp = respond::json(200, &Corrected { entry: &entry });
        list.push(entry);
        Ok(resp)
    })())
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Report {
    scanned: u64,
    superseded: u64,
    created: u64,
    blurbs_updated: u64,
}

/// `POST /memory/curate`. The mock curates by marking the entries of the
/// exact granted scopes as curated (it never merges or rewrites entries).
pub(crate) fn curate(ctx: &Ctx<'_>) -> Response<Body> {
    settle((|| {
        let body = parse_json_body(&ctx.body).map_err(|m| reject(500, &m))?;
        let Some(raw) = body.get("grants").filter(|g| !g.is_null()) else {
            return Err(reject(
                403,
                "global curation sweep (no grants) requires super-admin; pass grants to curate your own scopes",
            ));
        };
        let grants = match string_array(Some(raw)) {
            Some(g) if !g.is_empty() => g,
            _ => return Err(reject(400, "grants must be a non-empty string array")),
        };
        let topics = string_array(body.get("topics"));
        let mut inner = ctx.shared.store.lock();
        let roots = roots(&inner, ctx.tenant)?;
        let scopes = narrow(&roots, &grants)?;
        let mut report = Report {
            scanned: 0,
            superseded: 0,
            created: 0,
            blurbs_updated: 0,
        };
        let mut touched: HashSet<String> = HashSet::new();
        for e in inner.memory.get_mut(ctx.tenant).into_iter().flatten() {
            let topic_match = topics
                .as_ref()
                .is_none_or(|ts| e.topics.iter().any(|t| ts.contains(t)));
            if e.status != "active" || !scopes.contains(&e.scope) || !topic_match {
                continue;
            }
            report.scanned += 1;
            if !e.curated {
                touched.extend(e.topics.iter().cloned());
            }
            e.curated = true;
        }
        report.blurbs_updated = touched.len() as u64;
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Curated {
            curate_enabled: bool,
            report: Report,
        }
        Ok(respond::json(
            200,
            &Curated {
                curate_enabled: true,
                report,
            },
        ))
    })())
}

/// `POST /scopes/delete` (`recursive` defaults to `true`; `grants` ignored).
pub(crate) fn delete_scope(ctx: &Ctx<'_>) -> Response<Body> {
    settle((|| {
        let body = parse_json_body(&ctx.body).map_err(|m| reject(500, &m))?;
        let scope = match body.get("scope").and_then(Value::as_str) {
            Some(s) if !s.trim().is_empty() => s.to_owned(),
            _ => return Err(reject(400, "Missing required field: scope (string)")),
        };
        let recursive = body.get("recursive") != Some(&Value::Bool(false));
        let mut inner = ctx.shared.store.lock();
        check_namespace(&scope)?;
        let roots = roots(&inner, ctx.tenant)?;
        if !roots.iter().any(|r| within(&scope, r)) {
            return Err(grant_error(
                &scope,
                &format!("scope is not within tenant roots [{}]", roots.join(", ")),
            ));
        }
        let mut removed = 0u64;
        if let Some(list) = inner.memory.get_mut(ctx.tenant) {
            let before = list.len();
            list.retain(|e| !(e.scope == scope || (recursive && within(&e.scope, &scope))));
            removed = (before - list.len()) as u64;
        }
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Deleted {
            scope: String,
            recursive: bool,
            total: u64,
            by_resource: BTreeMap<&'static str, u64>,
        }
        Ok(respond::json(
            200,
            &Deleted {
                scope,
                recursive,
                total: removed,
                by_resource: BTreeMap::from([("memory", removed)]),
            },
        ))
    })())
}
