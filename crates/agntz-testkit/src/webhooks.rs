//! Webhook delivery for durable runs started with a `callbackUrl`: one
//! signed `reply` POST per reply of the run tree, then one `complete`.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use hmac::{Hmac, Mac};
use http::header::{HeaderName, CONTENT_TYPE};
use http::Method;
use serde_json::{json, Value};
use sha2::Sha256;
use tokio::sync::broadcast;

use crate::outbound::{self, outbound_url_policy};
use crate::runs::{EventLog, LoggedEvent};
use crate::server::Shared;

/// Waits before each attempt of one delivery. The worker waits 0 s, 5 s
/// and 30 s; the mock keeps the number of attempts and shortens the waits
/// so tests of a failing receiver stay fast.
const RETRY_DELAYS: [Duration; 3] = [
    Duration::ZERO,
    Duration::from_millis(50),
    Duration::from_millis(250),
];
/// Per-attempt timeout (the worker's).
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// How often a batch run's status is looked at, and for how long at most.
const BATCH_POLL: Duration = Duration::from_millis(20);
const BATCH_POLLS_MAX: u32 = 90_000;

/// Where a run's webhooks go.
pub(crate) struct Callback {
    pub url: String,
    pub secret_name: String,
    pub tenant: &'static str,
}

impl Callback {
    /// A callback to `url` signed with the tenant's secret `secret_name`;
    /// `None` when the tenant has no such secret.
    pub(crate) fn with_stored_secret(
        shared: &Shared,
        tenant: &'static str,
        url: String,
        secret_name: String,
    ) -> Option<Callback> {
        let key = (tenant.to_string(), secret_name.clone());
        shared
            .store
            .lock()
            .webhook_secrets
            .contains_key(&key)
            .then_some(Callback {
                url,
                secret_name,
                tenant,
            })
    }
}

/// The outbound URL policy for a `callbackUrl`, with the worker's message
/// (`callbackUrl is not allowed: <reason>`).
pub(crate) fn check_callback_url(shared: &Shared, url: &str) -> Result<(), String> {
    outbound_url_policy(url, shared.loopback_callbacks)
        .map_err(|reason| format!("callbackUrl is not allowed: {reason}"))
}

/// Follows the run tree's events from the start and delivers them. Call
/// before the run starts, so no event is missed.
pub(crate) fn follow(shared: Arc<Shared>, log: &EventLog, root_id: String, callback: Callback) {
    let (replay, live) = log.subscribe(None);
    tokio::spawn(async move {
        let mut events = Events {
            replay: replay.into_iter(),
            live,
        };
        while let Some(event) = events.next().await {
            let Some(payload) = payload(&shared, &root_id, &event) else {
                continue;
            };
            deliver(&shared, &callback, payload.to_string()).await;
            if event.root_terminal {
                return;
            }
        }
    });
}

/// Waits for a batch run to end, then delivers its one `batch.complete`.
pub(crate) fn follow_batch(shared: Arc<Shared>, run_id: String, callback: Callback) {
    tokio::spawn(async move {
        for _ in 0..BATCH_POLLS_MAX {
            let run = {
                let inner = shared.store.lock();
                inner.batches.runs.get(&run_id).map(|e| e.json.clone())
            };
            // A deleted run sends nothing.
            let Some(run) = run else { return };
            let status = run.get("status").and_then(Value::as_str).unwrap_or("");
            if crate::batches::is_terminal(status) {
                deliver(&shared, &callback, batch_payload(&run).to_string()).await;
                return;
            }
            tokio::time::sleep(BATCH_POLL).await;
        }
    });
}

/// `{type, runId, batchId, status, provider, model, counts, error?}`.
fn batch_payload(run: &Value) -> Value {
    let field = |name: &str| run.get(name).cloned().unwrap_or(Value::Null);
    let mut body = json!({
        "type": "batch.complete",
        "runId": field("id"),
        "batchId": field("batchId"),
        "status": field("status"),
        "provider": field("provider"),
        "model": field("model"),
        "counts": field("counts"),
    });
    if let Some(error) = run.get("error").filter(|e| !e.is_null()) {
        body["error"] = error.clone();
    }
    body
}

struct Events {
    replay: std::vec::IntoIter<Arc<LoggedEvent>>,
    live: Option<broadcast::Receiver<Arc<LoggedEvent>>>,
}

impl Events {
    async fn next(&mut self) -> Option<Arc<LoggedEvent>> {
        if let Some(event) = self.replay.next() {
            return Some(event);
        }
        let live = self.live.as_mut()?;
        loop {
            match live.recv().await {
                Ok(e) => return Some(e),
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

/// The webhook body for a logged event, if it makes one: every `reply`, and
/// the root's own terminal event.
fn payload(shared: &Shared, root_id: &str, event: &LoggedEvent) -> Option<Value> {
    let data: Value = serde_json::from_str(&event.json).ok()?;
    let field = |name: &str| data.get(name).cloned().unwrap_or(Value::Null);
    if event.name == "reply" {
        return Some(json!({
            "type": "reply",
            "runId": field("runId"),
            "sessionId": field("sessionId"),
            "text": field("text"),
            "ts": field("ts"),
        }));
    }
    if !event.root_terminal {
        return None;
    }
    let status = match event.name {
        "run-complete" => "completed",
        "run-error" => "failed",
        _ => "cancelled",
    };
    if status != "completed" {
        let mut body = json!({
            "type": "complete",
            "runId": root_id,
            "sessionId": "",
            "status": status,
            "output": null,
        });
        if let Some(error) = data.get("error") {
            body["error"] = error.clone();
        }
        return Some(body);
    }
    let session_id = {
        let inner = shared.store.lock();
        inner
            .runs
            .get(root_id)
            .and_then(|r| r.json.session_id.clone())
            .unwrap_or_default()
    };
    let result = field("result");
    Some(json!({
        "type": "complete",
        "runId": root_id,
        "sessionId": session_id,
        "status": "completed",
        "output": result.get("output").cloned().unwrap_or(Value::Null),
        "replies": result.get("replies").cloned().unwrap_or_else(|| json!([])),
        "result": result,
    }))
}

/// `sha256=<hex HMAC-SHA256 of body>`, keyed with the secret's text.
fn sign(secret: &str, body: &str) -> Option<String> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).ok()?;
    mac.update(body.as_bytes());
    Some(format!(
        "sha256={}",
        hex::encode(mac.finalize().into_bytes())
    ))
}

/// One delivery: the same id on every attempt; the secret is looked up by
/// name at each attempt (a regenerated secret signs the next attempt), and
/// a deleted one ends the delivery. Retries on 429, 5xx and network errors.
async fn deliver(shared: &Shared, callback: &Callback, body: String) {
    let id = format!("whd_{}", crate::util::hex(24));
    for delay in RETRY_DELAYS {
        tokio::time::sleep(delay).await;
        let secret = {
            let inner = shared.store.lock();
            let key = (callback.tenant.to_string(), callback.secret_name.clone());
            inner.webhook_secrets.get(&key).map(|s| s.value.clone())
        };
        let Some(signature) = secret.and_then(|s| sign(&s, &body)) else {
            return;
        };
        let headers = [
            (CONTENT_TYPE, "application/json"),
            (
                HeaderName::from_static("x-agntz-signature"),
                signature.as_str(),
            ),
            (HeaderName::from_static("x-agntz-delivery-id"), id.as_str()),
            (HeaderName::from_static("idempotency-key"), id.as_str()),
        ];
        let sent = outbound::send(
            Method::POST,
            &callback.url,
            &headers,
            Bytes::from(body.clone()),
            ATTEMPT_TIMEOUT,
        )
        .await;
        match sent.map(|answer| answer.status) {
            Ok(status) if (200..300).contains(&status) => return,
            Ok(status) if status == 429 || status >= 500 => continue,
            Ok(_) => return,
            Err(_) => continue,
        }
    }
}
