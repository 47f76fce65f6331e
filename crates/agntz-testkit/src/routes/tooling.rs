//! `POST /validate`, `POST /build-agent` and `POST /edit-agent`.
//!
//! The builder and editor answer deterministically from the fake model
//! (the reference worker's fake model cannot produce their structured
//! output): the builder drafts one `llm` agent whose id comes from the
//! description's first words and whose instruction is the description; the
//! editor appends the change description to the instruction of the block in
//! focus (or sets the description of a non-`llm` block). `FAIL_LLM` in the
//! description fails the run as the worker does with its fake model.

use http::{HeaderValue, Response};
use serde::Serialize;
use serde_json::Value;

use super::{reject, settle, Ctx, Rejection};
use crate::manifests::{self, Lookups, Report};
use crate::respond::{self, Body};
use crate::util::{now_ms, parse_json_body};

/// The failure of the builder's first model call with the fake model.
pub(crate) const NO_OBJECT: &str = "No object generated: could not parse the response.";

const MAX_DESCRIPTION: usize = 4_096;
const MAX_DRAFT: usize = 16_384;
const MAX_EDIT: usize = 64_000;

/// `POST /validate`.
pub(crate) fn validate(ctx: &Ctx<'_>) -> Response<Body> {
    settle((|| {
        let body = parse_json_body(&ctx.body).map_err(|m| reject(500, &m))?;
        if body.is_null() {
            return Err(reject(
                500,
                "Cannot destructure property 'manifest' of 'body' as it is null.",
            ));
        }
        let yaml = match body.get("manifest") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            _ => return Err(reject(400, "Missing required field: manifest (string)")),
        };
        let strict = body.get("strict").is_some_and(truthy);
        let store = &ctx.shared.store;
        let tenant = ctx.tenant;
        let exists = |id: &str| store.agent(tenant, id).is_some();
        let report = manifests::validate(
            &yaml,
            Some(&Lookups {
                agent_exists: &exists,
                strict,
            }),
        );
        Ok(respond::json(200, &report))
    })())
}

/// JavaScript truthiness of a JSON value.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0 && !f.is_nan()),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

/// The 429 of an exhausted rate limit.
pub(crate) fn rate_limited(retry_after: u64) -> Response<Body> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Limited {
        error: &'static str,
        retry_after_seconds: u64,
    }
    let mut resp = respond::json(
        429,
        &Limited {
            error: "rate limit exceeded",
            retry_after_seconds: retry_after,
        },
    );
    resp.headers_mut()
        .insert(http::header::RETRY_AFTER, HeaderValue::from(retry_after));
    resp
}

/// Counts a request against the route's limit; `Err` is the 429.
pub(crate) fn limit(
    shared: &crate::server::Shared,
    route: &'static str,
    headers: &http::HeaderMap,
) -> Result<(), Rejection> {
    let key = crate::rate_limit::client_key(headers);
    shared
        .rate_limits
        .check(route, key, now_ms())
        .map_err(|wait| Box::new(rate_limited(wait)))
}

/// JavaScript string length.
fn units(s: &str) -> usize {
    s.encode_utf16().count()
}

/// The body as the builder and editor read it: malformed JSON counts as `{}`.
fn lenient_body(ctx: &Ctx<'_>) -> Value {
    parse_json_body(&ctx.body).unwrap_or(Value::Null)
}

fn required_text(body: &Value, field: &str) -> Result<String, Rejection> {
    match body.get(field) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        _ => Err(reject(
            400,
            &format!("Missing required field: {field} (string)"),
        )),
    }
}

#[derive(Serialize)]
struct Draft {
    yaml: Option<String>,
    explanation: Option<String>,
    validation: Option<Report>,
}

fn draft(yaml: String, explanation: String) -> Response<Body> {
    let mut validation = manifests::validate(&yaml, None);
    validation.manifest = None;
    respond::json(
        200,
        &Draft {
            yaml: Some(yaml),
            explanation: Some(explanation),
            validation: Some(validation),
        },
    )
}

/// An id from the first words of a description (`greet-the-user`).
fn slug(description: &str) -> String {
    let words: Vec<String> = description
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(4)
        .map(str::to_ascii_lowercase)
        .collect();
    if words.is_empty() {
        "agent".into()
    } else {
        words.join("-")
    }
}

/// `POST /build-agent` (no authentication; the rate limit is checked by the
/// router first).
pub(crate) fn build_agent(ctx: &Ctx<'_>) -> Response<Body> {
    settle((|| {
        let body = lenient_body(ctx);
        let description = required_text(&body, "description")?;
        if units(&description) > MAX_DESCRIPTION {
            return Err(reject(
                413,
                "description exceeds max length of 4096 characters",
            ));
        }
        let current = match body.get("currentManifest") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => {
                return Err(reject(
                    400,
                    "currentManifest must be a string when provided",
                ))
            }
        };
        if current.as_deref().is_some_and(|c| units(c) > MAX_DRAFT) {
            return Err(reject(413, "currentManifest exceeds max length"));
        }
        if description.contains("FAIL_LLM") {
            return Err(reject(500, NO_OBJECT));
        }
        if let Some(mut manifest) = current
            .as_deref()
            .and_then(|c| manifests::parse_yaml(c).ok())
            .filter(Value::is_object)
        {
            apply_change(&mut manifest, &description);
            let yaml =
                serde_yaml_ng::to_string(&manifest).map_err(|e| reject(500, &e.to_string()))?;
            return Ok(draft(yaml, "The draft, refined as requested.".into()));
        }
        let id = slug(&description);
        let quoted = serde_json::to_string(&description).unwrap_or_default();
        let yaml = format!(
            "id: {id}\nname: {quoted}\nkind: llm\nmodel:\n  provider: openai\n  name: fake-model\ninstruction: {quoted}\n"
        );
        Ok(draft(yaml, "A single llm agent, as planned.".into()))
    })())
}

/// The editor's deterministic change: append it to the instruction of an
/// `llm` block, else set the block's description.
fn apply_change(block: &mut Value, change: &str) {
    let Some(obj) = block.as_object_mut() else {
        return;
    };
    if obj.get("kind").and_then(Value::as_str) == Some("llm") {
        let old = obj
            .get("instruction")
            .and_then(Value::as_str)
            .unwrap_or("")
            .trim_end()
            .to_owned();
        let new = if old.is_empty() {
            change.to_owned()
        } else {
            format!("{old}\n{change}")
        };
        obj.insert("instruction".into(), Value::String(new));
    } else {
        obj.insert("description".into(), Value::String(change.to_owned()));
    }
}

/// `POST /edit-agent` (the router checks the rate limit, then the API key).
pub(crate) fn edit_agent(ctx: &Ctx<'_>) -> Response<Body> {
    settle((|| {
        let body = lenient_body(ctx);
        let current = required_text(&body, "currentManifest")?;
        let change = required_text(&body, "changeDescription")?;
        if units(&current) > MAX_EDIT {
            return Err(reject(413, "currentManifest exceeds max length"));
        }
        if units(&change) > MAX_DESCRIPTION {
            return Err(reject(
                413,
                "changeDescription exceeds max length of 4096 characters",
            ));
        }
        // Selection shape errors come before the YAML is read (without a
        // code here, unlike the block routes).
        let selection =
            manifests::selection_shape(body.get("selection")).map_err(|m| reject(400, &m))?;
        let mut manifest = manifests::parse_yaml(&current).map_err(|m| reject(500, &m))?;
        manifests::normalize(&manifest).map_err(|m| reject(500, &m))?;
        let Some(block) = manifests::pick_mut(&mut manifest, selection.as_ref()) else {
            return Err(reject(
                400,
                "selected block path was not found in currentManifest",
            ));
        };
        if change.contains("FAIL_LLM") {
            return Err(reject(500, NO_OBJECT));
        }
        apply_change(block, &change);
        let id = block
            .get("id")
            .or_else(|| block.get("ref"))
            .and_then(Value::as_str)
            .unwrap_or("the manifest")
            .to_owned();
        let yaml = serde_yaml_ng::to_string(&manifest).map_err(|e| reject(500, &e.to_string()))?;
        Ok(draft(yaml, format!("Applied the change to {id}.")))
    })())
}
