//! `/datasets/{id}/versions…`, `/datasets/{id}/aliases/{alias}` and the
//! same routes under `/evals/{id}`: written once over [`History`]. (The
//! batch routes answer errors differently and keep their own handlers.)

use http::Response;
use serde_json::{json, Value};

use super::Ctx;
use crate::respond::{self, Body};
use crate::store::Inner;
use crate::util::parse_json_body;
use crate::versions::History;

/// Where a resource kind keeps its histories.
pub(crate) struct Kind {
    /// The 404 message of an unknown version.
    pub not_found: &'static str,
    /// The tenant's resource, by store key.
    pub get: for<'a> fn(&'a Inner, &(String, String)) -> Option<&'a dyn History>,
    /// [`Kind::get`], writable.
    pub get_mut: for<'a> fn(&'a mut Inner, &(String, String)) -> Option<&'a mut dyn History>,
}

/// Datasets.
pub(crate) const DATASETS: Kind = Kind {
    not_found: "Dataset version not found",
    get: |inner, key| inner.datasets.get(key).map(|d| d as &dyn History),
    get_mut: |inner, key| inner.datasets.get_mut(key).map(|d| d as &mut dyn History),
};

/// Eval definitions.
pub(crate) const EVALS: Kind = Kind {
    not_found: "Eval version not found",
    get: |inner, key| inner.evals.defs.get(key).map(|h| h as &dyn History),
    get_mut: |inner, key| inner.evals.defs.get_mut(key).map(|h| h as &mut dyn History),
};

/// `GET …/versions`: newest first (`[]` for an unknown id).
pub(crate) fn list(ctx: &Ctx<'_>, kind: &Kind, id: &str) -> Response<Body> {
    let inner = ctx.shared.store.lock();
    let rows = (kind.get)(&inner, &ctx.key(id)).map_or_else(Vec::new, |h| h.summaries());
    respond::json(200, &rows)
}

/// `GET …/versions/{version}`: by timestamp, `latest` or alias.
pub(crate) fn get(ctx: &Ctx<'_>, kind: &Kind, id: &str, version: &str) -> Response<Body> {
    let inner = ctx.shared.store.lock();
    let found =
        (kind.get)(&inner, &ctx.key(id)).and_then(|h| h.resolve(version).map(|i| h.record(i)));
    match found {
        Some(record) => respond::json(200, &record),
        None => respond::error(404, kind.not_found),
    }
}

/// `POST …/versions/{version}/activate`: the new head. The worker does not
/// handle an unknown resource or version: plain-text 500.
pub(crate) fn activate(ctx: &Ctx<'_>, kind: &Kind, id: &str, version: &str) -> Response<Body> {
    let mut inner = ctx.shared.store.lock();
    match (kind.get_mut)(&mut inner, &ctx.key(id)).and_then(|h| h.activate(version)) {
        Some(head) => respond::json(200, &head),
        None => respond::internal_error(),
    }
}

/// `PUT …/aliases/{alias}` with `{"version"}` (or the legacy
/// `{"createdAt"}`). A bad body or an unknown target: plain-text 500.
pub(crate) fn set_alias(ctx: &Ctx<'_>, kind: &Kind, id: &str, alias: &str) -> Response<Body> {
    let Ok(body) = parse_json_body(&ctx.body) else {
        return respond::internal_error();
    };
    let Some(version) = body
        .get("version")
        .or_else(|| body.get("createdAt"))
        .and_then(Value::as_str)
        .filter(|v| !v.is_empty())
    else {
        return respond::internal_error();
    };
    let mut inner = ctx.shared.store.lock();
    match (kind.get_mut)(&mut inner, &ctx.key(id)).and_then(|h| h.set_alias(alias, version)) {
        Some(target) => respond::json(200, &json!({"alias": alias, "version": target})),
        None => respond::internal_error(),
    }
}

/// `DELETE …/aliases/{alias}`: always `{alias, deleted: true}`.
pub(crate) fn remove_alias(ctx: &Ctx<'_>, kind: &Kind, id: &str, alias: &str) -> Response<Body> {
    let mut inner = ctx.shared.store.lock();
    if let Some(h) = (kind.get_mut)(&mut inner, &ctx.key(id)) {
        h.marks_mut().aliases.remove(alias);
    }
    respond::json(200, &json!({"alias": alias, "deleted": true}))
}
