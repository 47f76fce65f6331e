//! `/webhook-secrets`: create (the value shown once), list (last four
//! characters only), regenerate and delete, per tenant.

use http::Response;
use serde_json::{json, Value};

use super::Ctx;
use crate::respond::{self, Body};
use crate::store::WebhookSecret;
use crate::util::{hex, iso, monotonic_ms, non_empty_str, parse_json_body};

fn new_value() -> String {
    format!("whsec_{}", hex(64))
}

/// The tail a listing shows instead of the value.
fn last_four(value: &str) -> &str {
    let start = value.len().saturating_sub(4);
    value.get(start..).unwrap_or("")
}

/// `POST /webhook-secrets` with `{name, description?}`: `201` with the
/// value; an existing name is `409`.
pub(crate) fn create(ctx: &Ctx<'_>) -> Response<Body> {
    let body = match parse_json_body(&ctx.body) {
        Ok(b) => b,
        Err(m) => return respond::error(400, &m),
    };
    let Some(name) = non_empty_str(body.get("name")) else {
        return respond::error(400, "Missing required field: name");
    };
    let mut inner = ctx.shared.store.lock();
    let key = ctx.key(&name);
    if inner.webhook_secrets.contains_key(&key) {
        return respond::error(409, &format!("Secret \"{name}\" already exists"));
    }
    let at = iso(monotonic_ms());
    let secret = WebhookSecret {
        description: non_empty_str(body.get("description")),
        value: new_value(),
        created_at: at.clone(),
        updated_at: at,
    };
    let answer = json!({"name": name, "value": secret.value, "createdAt": secret.created_at});
    inner.webhook_secrets.insert(key, secret);
    respond::json(201, &answer)
}

/// `GET /webhook-secrets`: by name, without values.
pub(crate) fn list(ctx: &Ctx<'_>) -> Response<Body> {
    let inner = ctx.shared.store.lock();
    let mut rows: Vec<(&str, Value)> = inner
        .webhook_secrets
        .iter()
        .filter(|((t, _), _)| t == ctx.tenant)
        .map(|((_, name), s)| {
            let mut row = json!({
                "name": name,
                "lastFour": last_four(&s.value),
                "createdAt": s.created_at,
                "updatedAt": s.updated_at,
            });
            if let Some(d) = &s.description {
                row["description"] = json!(d);
            }
            (name.as_str(), row)
        })
        .collect();
    rows.sort_by(|a, b| a.0.cmp(b.0));
    let rows: Vec<Value> = rows.into_iter().map(|(_, row)| row).collect();
    respond::json(200, &rows)
}

/// `POST /webhook-secrets/{name}/regenerate`: a new value.
pub(crate) fn regenerate(ctx: &Ctx<'_>, name: &str) -> Response<Body> {
    let mut inner = ctx.shared.store.lock();
    let Some(secret) = inner.webhook_secrets.get_mut(&ctx.key(name)) else {
        return respond::error(404, "webhook secret not found");
    };
    secret.value = new_value();
    secret.updated_at = iso(monotonic_ms());
    respond::json(
        200,
        &json!({"name": name, "value": secret.value,
                "createdAt": secret.created_at, "updatedAt": secret.updated_at}),
    )
}

/// `DELETE /webhook-secrets/{name}` (`204`, also for an unknown name).
pub(crate) fn delete(ctx: &Ctx<'_>, name: &str) -> Response<Body> {
    ctx.shared
        .store
        .lock()
        .webhook_secrets
        .remove(&ctx.key(name));
    respond::no_content()
}
