//! Request routing (Hono-like: exact paths, path parameters decoded once,
//! auth middleware on the API prefixes, plain-text 404 for everything else).

mod agents;
mod artifacts;
mod batches;
mod block;
mod datasets;
mod evals;
mod live;
mod memory;
mod paging;
mod run;
mod runs;
mod sessions;
mod tooling;
mod traces;
mod versions;
mod webhook_secrets;

use std::sync::Arc;

use bytes::Bytes;
use http::{header, request::Parts, Method, Response};
use percent_encoding::percent_decode_str;

use crate::auth;
use crate::respond::{self, Body};
use crate::server::Shared;
use versions::{DATASETS, EVALS};

/// Path prefixes guarded by the auth middleware.
const AUTH_PREFIXES: &[&str] = &[
    "run",
    "runs",
    "traces",
    "sessions",
    "agents",
    "artifacts",
    "memory",
    "evals",
    "datasets",
    "dataset-imports",
    "scopes",
    "batch-runs",
    "eval-runs",
    "eval-scores",
    "batches",
    "webhook-secrets",
    "validate",
];

/// An early error response (boxed: responses are large).
pub(crate) type Rejection = Box<Response<Body>>;

/// A `{"error": msg}` rejection.
pub(crate) fn reject(status: u16, msg: &str) -> Rejection {
    Box::new(respond::error(status, msg))
}

/// The response of a handler body written with `?`: its answer or its
/// rejection.
pub(crate) fn settle(r: Result<Response<Body>, Rejection>) -> Response<Body> {
    r.unwrap_or_else(|e| *e)
}

/// Per-request context handed to the handlers.
pub(crate) struct Ctx<'a> {
    pub shared: &'a Arc<Shared>,
    pub tenant: &'static str,
    pub headers: &'a http::HeaderMap,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub body: Bytes,
}

impl Ctx<'_> {
    /// First value of a query parameter (form-decoded).
    pub(crate) fn query_param(&self, name: &str) -> Option<String> {
        form_urlencoded::parse(self.query.unwrap_or("").as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    /// A query parameter, unless it is empty (the worker treats `?k=` as absent).
    pub(crate) fn non_empty_param(&self, name: &str) -> Option<String> {
        self.query_param(name).filter(|s| !s.is_empty())
    }

    /// A query parameter read as a finite number.
    pub(crate) fn number_param(&self, name: &str) -> Option<f64> {
        self.query_param(name)
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|n| n.is_finite())
    }

    /// The store key of the tenant's resource `id`.
    pub(crate) fn key(&self, id: &str) -> (String, String) {
        (self.tenant.to_string(), id.to_string())
    }
}

pub(crate) async fn route(
    shared: &Arc<Shared>,
    parts: &Parts,
    path: &str,
    query: Option<&str>,
    body: Bytes,
) -> Response<Body> {
    let segs: Vec<String> = path
        .strip_prefix('/')
        .unwrap_or(path)
        .split('/')
        .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
        .collect();
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    let method = &parts.method;

    if method == Method::GET && segs == ["health"] {
        #[derive(serde::Serialize)]
        struct Health {
            status: &'static str,
            service: &'static str,
        }
        return respond::json(
            200,
            &Health {
                status: "ok",
                service: "agntz-worker",
            },
        );
    }
    if method == Method::GET {
        if let ["artifact-download", id] = segs.as_slice() {
            return artifacts::signed_download(shared, id, query);
        }
    }
    // The agent builder and editor: rate limited per client before auth
    // (the builder needs none).
    if method == Method::POST && matches!(segs.as_slice(), ["build-agent"] | ["edit-agent"]) {
        let route = if segs[0] == "build-agent" {
            "build-agent"
        } else {
            "edit-agent"
        };
        if let Err(limited) = tooling::limit(shared, route, &parts.headers) {
            return *limited;
        }
        let mut ctx = Ctx {
            shared,
            tenant: "",
            headers: &parts.headers,
            path,
            query,
            body,
        };
        if route == "build-agent" {
            return tooling::build_agent(&ctx);
        }
        match authenticate(parts) {
            Ok(t) => ctx.tenant = t,
            Err(resp) => return *resp,
        }
        return tooling::edit_agent(&ctx);
    }
    let guarded = segs.first().is_some_and(|s| AUTH_PREFIXES.contains(s));
    if !guarded {
        return respond::not_found();
    }
    let tenant = match authenticate(parts) {
        Ok(t) => t,
        Err(resp) => return *resp,
    };
    let ctx = Ctx {
        shared,
        tenant,
        headers: &parts.headers,
        path,
        query,
        body,
    };
    let get = method == Method::GET;
    let post = method == Method::POST;
    let delete = method == Method::DELETE;
    let put = method == Method::PUT;
    let system = |route| block::system_agent(&ctx, route);
    match segs.as_slice() {
        ["run"] | ["run", "block"] if post => {
            if let Some(resp) = system(block::RunRoute::Sync) {
                return resp;
            }
            if segs.len() == 1 {
                run::run_sync(&ctx).await
            } else {
                block::run_block(&ctx).await
            }
        }
        ["run", "stream"] | ["run", "block", "stream"] if post => {
            if let Some(resp) = system(block::RunRoute::Stream) {
                return resp;
            }
            if segs.len() == 2 {
                run::run_stream(&ctx).await
            } else {
                block::run_block_stream(&ctx).await
            }
        }
        ["validate"] if post => tooling::validate(&ctx),
        ["runs"] if post => match system(block::RunRoute::Durable) {
            Some(resp) => resp,
            None => runs::start(&ctx),
        },
        ["runs"] if get => runs::list(&ctx),
        ["runs", id] if get => runs::get(&ctx, id),
        ["runs", id, "cancel"] if post => runs::cancel(&ctx, id),
        ["runs", id, "stream"] if get => runs::stream(&ctx, id),
        ["runs", root, "client-tool-requests", req, "result"] if post => {
            runs::client_tool_result(&ctx, root, req)
        }
        ["traces"] if get => traces::list(&ctx),
        ["traces", id] if get => traces::get(&ctx, id),
        ["traces", id] if delete => traces::delete(&ctx, id),
        ["traces", id, "stream"] if get => traces::stream(&ctx, id),
        ["agents"] if get => agents::list(&ctx),
        ["agents", "import"] if post => agents::import(&ctx).await,
        ["agents", id] if get => agents::get(&ctx, id),
        ["artifacts"] if post => artifacts::upload(&ctx).await,
        ["artifacts", id] if get => artifacts::get(&ctx, id),
        ["artifacts", id] if delete => artifacts::delete(&ctx, id),
        ["artifacts", id, "content"] if get => artifacts::content(&ctx, id),
        ["sessions"] if get => sessions::list(&ctx),
        ["sessions", "import"] if post => sessions::import(&ctx),
        ["sessions", id] if get => sessions::get(&ctx, id),
        ["sessions", id] if delete => sessions::delete(&ctx, id),
        ["memory", "import"] if post => memory::import(&ctx),
        ["memory", "topics"] if get => memory::topics(&ctx),
        ["memory", "entries"] if get => memory::entries(&ctx),
        ["memory", "entries", id] if delete => memory::delete_entry(&ctx, id),
        ["memory", "entries", id, "correct"] if post => memory::correct(&ctx, id),
        ["memory", "curate"] if post => memory::curate(&ctx),
        ["scopes", "delete"] if post => memory::delete_scope(&ctx),
        ["datasets"] if get => datasets::list(&ctx),
        ["datasets"] if post => datasets::create(&ctx),
        ["datasets", id] if get => datasets::get(&ctx, id),
        ["datasets", id] if put => datasets::update(&ctx, id),
        ["datasets", id] if delete => datasets::delete(&ctx, id),
        ["datasets", id, "items"] if get => datasets::items(&ctx, id),
        ["datasets", id, "versions"] if get => versions::list(&ctx, &DATASETS, id),
        ["datasets", id, "versions", v] if get => versions::get(&ctx, &DATASETS, id, v),
        ["datasets", id, "versions", v, "activate"] if post => {
            versions::activate(&ctx, &DATASETS, id, v)
        }
        ["datasets", id, "aliases", a] if put => versions::set_alias(&ctx, &DATASETS, id, a),
        ["datasets", id, "aliases", a] if delete => versions::remove_alias(&ctx, &DATASETS, id, a),
        ["dataset-imports"] if post => datasets::start_import(&ctx),
        ["dataset-imports", id] if get => datasets::get_import(&ctx, id),
        ["dataset-imports", id] if delete => datasets::abort_import(&ctx, id),
        ["dataset-imports", id, "items"] if post => datasets::append_items(&ctx, id),
        ["dataset-imports", id, "complete"] if post => datasets::complete_import(&ctx, id),
        ["evals"] if get => evals::list(&ctx),
        ["evals"] if post => evals::create(&ctx),
        ["evals", id] if get => evals::get(&ctx, id),
        ["evals", id] if put => evals::update(&ctx, id),
        ["evals", id] if delete => evals::delete(&ctx, id),
        ["evals", id, "versions"] if get => versions::list(&ctx, &EVALS, id),
        ["evals", id, "versions", v] if get => versions::get(&ctx, &EVALS, id, v),
        ["evals", id, "versions", v, "activate"] if post => versions::activate(&ctx, &EVALS, id, v),
        ["evals", id, "aliases", a] if put => versions::set_alias(&ctx, &EVALS, id, a),
        ["evals", id, "aliases", a] if delete => versions::remove_alias(&ctx, &EVALS, id, a),
        ["eval-runs"] if post => evals::start_run(&ctx),
        ["eval-runs"] if get => evals::list_runs(&ctx),
        ["eval-runs", id] if get => evals::get_run(&ctx, id),
        ["eval-runs", id, "cancel"] if post => evals::cancel_run(&ctx, id),
        ["eval-scores"] if get => evals::list_scores(&ctx),
        ["eval-scores", "latest"] if get => evals::latest_score(&ctx),
        ["batches"] if get => batches::list(&ctx),
        ["batches"] if post => batches::create(&ctx),
        ["batches", id] if get => batches::get(&ctx, id),
        ["batches", id] if put => batches::update(&ctx, id),
        ["batches", id] if delete => batches::delete(&ctx, id),
        ["batches", id, "versions"] if get => batches::versions(&ctx, id),
        ["batches", id, "versions", v] if get => batches::get_version(&ctx, id, v),
        ["batches", id, "versions", v, "activate"] if post => batches::activate(&ctx, id, v),
        ["batches", id, "aliases", a] if put => batches::set_alias(&ctx, id, a),
        ["batches", id, "aliases", a] if delete => batches::remove_alias(&ctx, id, a),
        ["batch-runs"] if post => batches::start_run(&ctx),
        ["batch-runs"] if get => batches::list_runs(&ctx),
        ["batch-runs", "compare"] if get => batches::compare(&ctx),
        ["batch-runs", id] if get => batches::get_run(&ctx, id),
        ["batch-runs", id] if delete => batches::delete_run(&ctx, id),
        ["batch-runs", id, "cancel"] if post => batches::cancel(&ctx, id),
        ["batch-runs", id, "items"] if get => batches::items(&ctx, id),
        ["batch-runs", id, "results.jsonl"] if get => batches::results(&ctx, id),
        ["webhook-secrets"] if post => webhook_secrets::create(&ctx),
        ["webhook-secrets"] if get => webhook_secrets::list(&ctx),
        ["webhook-secrets", name] if delete => webhook_secrets::delete(&ctx, name),
        ["webhook-secrets", name, "regenerate"] if post => webhook_secrets::regenerate(&ctx, name),
        _ => respond::not_found(),
    }
}

/// The tenant of the request's API key, or the 401.
fn authenticate(parts: &Parts) -> Result<&'static str, Rejection> {
    auth::authenticate(
        parts
            .headers
            .get(header::AUTHORIZATION)
            .map(|v| v.as_bytes()),
    )
    .map_err(|e| reject(401, e.message()))
}

/// Shared list-endpoint `limit` parsing: default 50, max 200, must be a finite number ≥ 1.
pub(crate) fn parse_limit(ctx: &Ctx<'_>) -> Result<usize, Rejection> {
    match ctx.query_param("limit") {
        None => Ok(50),
        Some(v) => match v.trim().parse::<f64>() {
            Ok(n) if n.is_finite() && n >= 1.0 => Ok((n.floor() as usize).min(200)),
            _ => Err(reject(400, "Invalid `limit` query param")),
        },
    }
}
