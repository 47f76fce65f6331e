//! Provider-native batches: versioned definitions and batch runs executed
//! by a simulated provider.
//!
//! The simulated provider accepts every submission (`queued`, with a
//! `providerBatchId`), starts it shortly after (`running`), answers each
//! item with the fake model (`ECHO: <input>`; `FAIL_LLM` fails the item;
//! `SLOW:<seconds>` delays it; 10 ms otherwise) and then completes the run.
//! An item input containing `PROVIDER_DOWN` makes the submission fail as if
//! the provider could not be reached (`502 {"error":"fetch failed"}`, the run
//! saved as `failed`). A cancel of a submitted run answers `cancelling`; the
//! provider then cancels the remaining items and the run ends `cancelled`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Map, Value};

use crate::catalog;
use crate::model::{self, Plan};
use crate::store::Store;
use crate::util::{hex, iso, monotonic_ms, sleep_while};
use crate::versions::{marks_in_field, History, VersionMarks};

/// One version of a batch definition.
pub(crate) struct BatchVersion {
    pub created_at: String,
    /// The `BatchDefinition` of this version (its `version` = `created_at`).
    pub record: Value,
}

/// The versions and aliases of one batch.
#[derive(Default)]
pub(crate) struct BatchHistory {
    pub versions: Vec<BatchVersion>,
    /// The active version, activation times and aliases.
    pub marks: VersionMarks,
    /// `createdAt` of the first version.
    pub created_at: String,
}

impl BatchHistory {
    /// The active definition, with the first version's `createdAt`.
    pub(crate) fn head(&self) -> Option<Value> {
        let v = self.versions.get(self.marks.active)?;
        Some(self.shown(v))
    }

    fn shown(&self, v: &BatchVersion) -> Value {
        let mut r = v.record.clone();
        r["createdAt"] = Value::String(self.created_at.clone());
        r
    }
}

impl History for BatchHistory {
    fn version_ids(&self) -> Vec<&str> {
        self.versions
            .iter()
            .map(|v| v.created_at.as_str())
            .collect()
    }

    marks_in_field!();

    fn record(&self, index: usize) -> Value {
        self.versions
            .get(index)
            .map_or(Value::Null, |v| self.shown(v))
    }
}

/// A batch run and its items.
pub(crate) struct BatchRunEntry {
    pub tenant: String,
    pub created_ms: u64,
    pub json: Value,
    pub items: Vec<Value>,
}

impl BatchRunEntry {
    pub(crate) fn status(&self) -> &str {
        self.json
            .get("status")
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    /// Recomputes `counts` from the items.
    pub(crate) fn recount(&mut self) {
        let mut counts = json!({"total": self.items.len(), "pending": 0, "succeeded": 0,
                                "failed": 0, "expired": 0, "cancelled": 0});
        for item in &self.items {
            let s = item
                .get("status")
                .and_then(Value::as_str)
                .unwrap_or("pending");
            if let Some(n) = counts.get_mut(s) {
                *n = json!(n.as_u64().unwrap_or(0) + 1);
            }
        }
        self.json["counts"] = counts;
    }
}

/// Is this status terminal (a run in it may be deleted)?
pub(crate) fn is_terminal(status: &str) -> bool {
    matches!(status, "completed" | "failed" | "expired" | "cancelled")
}

/// Batch definitions and runs of all tenants.
#[derive(Default)]
pub(crate) struct BatchState {
    pub defs: HashMap<(String, String), BatchHistory>,
    pub runs: HashMap<String, BatchRunEntry>,
}

impl BatchState {
    /// The tenant's run `id` (another tenant's run counts as missing).
    pub(crate) fn run(&self, tenant: &str, id: &str) -> Option<&BatchRunEntry> {
        self.runs.get(id).filter(|e| e.tenant == tenant)
    }

    /// [`BatchState::run`], writable.
    pub(crate) fn run_mut(&mut self, tenant: &str, id: &str) -> Option<&mut BatchRunEntry> {
        self.runs.get_mut(id).filter(|e| e.tenant == tenant)
    }
}

/// The scalar children of a top-level mapping (`model:`, ...), as text.
fn block(top: &Map<String, Value>, key: &str) -> Map<String, Value> {
    let children = top.get(key).and_then(Value::as_object);
    children
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.clone(), Value::String(catalog::scalar_text(v)?))))
        .collect()
}

/// Reads a batch manifest into a `BatchDefinition` (without version
/// fields); `Err` carries the worker's 400 message.
pub(crate) fn parse_manifest(yaml: &str) -> Result<Map<String, Value>, String> {
    let top = catalog::read_document(yaml)?;
    if top.contains_key("reply") {
        return Err("Batch manifest field 'reply' is not supported: provider-native batches cannot send intermediate replies".into());
    }
    let m = catalog::parse_manifest(yaml)?;
    let model = block(&top, "model");
    let mut def = Map::new();
    def.insert("id".into(), Value::String(m.id));
    def.insert("name".into(), Value::String(m.name));
    if let Some(d) = m.description {
        def.insert("description".into(), Value::String(d));
    }
    def.insert("manifest".into(), Value::String(yaml.to_string()));
    def.insert(
        "provider".into(),
        model.get("provider").cloned().unwrap_or(json!("openai")),
    );
    def.insert(
        "model".into(),
        model.get("name").cloned().unwrap_or(json!("")),
    );
    let ds = block(&top, "defaultDataset");
    if ds.contains_key("id") {
        def.insert("defaultDataset".into(), Value::Object(ds));
    }
    Ok(def)
}

/// Stores a new active version of `def` for `tenant`; returns the stored
/// definition as shown.
pub(crate) fn put_version(
    state: &mut BatchState,
    tenant: &str,
    mut def: Map<String, Value>,
) -> Value {
    let id = def
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let at = iso(monotonic_ms());
    def.insert("version".into(), Value::String(at.clone()));
    def.insert("updatedAt".into(), Value::String(at.clone()));
    let history = state.defs.entry((tenant.to_string(), id)).or_default();
    if history.versions.is_empty() {
        history.created_at = at.clone();
    }
    history.marks.published(history.versions.len(), &at);
    history.versions.push(BatchVersion {
        created_at: at,
        record: Value::Object(def),
    });
    history.head().unwrap_or(Value::Null)
}

fn answer(item: &mut Value, started: u64) {
    let text = model::input_text(item.get("input").unwrap_or(&Value::Null));
    let duration = monotonic_ms().saturating_sub(started);
    match model::plan(&text, &[], None) {
        Plan::Answer(out) => {
            item["status"] = json!("succeeded");
            item["output"] = json!(out);
            item["rawOutput"] = json!(out);
            item["usage"] = model::usage_json(&text, &out);
            item["finishReason"] = json!("stop");
        }
        Plan::Fail | Plan::CallTool { .. } => {
            item["status"] = json!("failed");
            item["error"] = json!(model::FAIL_MESSAGE);
            item["finishReason"] = json!("error");
        }
    }
    item["providerRequestId"] = json!(format!("req_{}", hex(24)));
    item["durationMs"] = json!(duration);
}

fn set_status(entry: &mut BatchRunEntry, status: &str) {
    entry.json["status"] = json!(status);
    entry.json["providerStatus"] = json!(status);
    entry.json["lastSyncAt"] = json!(iso(monotonic_ms()));
    if is_terminal(status) {
        entry.json["endedAt"] = json!(iso(monotonic_ms()));
    }
}

/// Cancels every unfinished item and ends the run `cancelled`.
pub(crate) fn cancel_now(entry: &mut BatchRunEntry) {
    for item in &mut entry.items {
        if item.get("status").and_then(Value::as_str) == Some("pending") {
            item["status"] = json!("cancelled");
        }
    }
    set_status(entry, "cancelled");
    entry.recount();
}

/// Runs a submitted batch in the background on the simulated provider.
pub(crate) fn spawn(store: Arc<Store>, run_id: String) {
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let count = {
            let mut inner = store.lock();
            let Some(e) = inner.batches.runs.get_mut(&run_id) else {
                return;
            };
            match e.status() {
                "queued" => {
                    set_status(e, "running");
                    e.json["startedAt"] = json!(iso(monotonic_ms()));
                }
                "cancelling" => {
                    cancel_now(e);
                    return;
                }
                _ => return,
            }
            e.items.len()
        };
        for i in 0..count {
            let started = monotonic_ms();
            let delay = {
                let inner = store.lock();
                let Some(e) = inner.batches.runs.get(&run_id) else {
                    return;
                };
                let text = model::input_text(e.items[i].get("input").unwrap_or(&Value::Null));
                model::item_delay(&text)
            };
            let running = sleep_while(delay, || {
                let mut inner = store.lock();
                let Some(e) = inner.batches.runs.get_mut(&run_id) else {
                    return false;
                };
                match e.status() {
                    "running" => true,
                    "cancelling" => {
                        cancel_now(e);
                        false
                    }
                    _ => false,
                }
            })
            .await;
            if !running {
                return;
            }
            let mut inner = store.lock();
            let Some(e) = inner.batches.runs.get_mut(&run_id) else {
                return;
            };
            answer(&mut e.items[i], started);
            e.recount();
        }
        let mut inner = store.lock();
        if let Some(e) = inner.batches.runs.get_mut(&run_id) {
            match e.status() {
                "running" => set_status(e, "completed"),
                "cancelling" => cancel_now(e),
                _ => {}
            }
        }
    });
}
