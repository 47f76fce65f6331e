//! Datasets seeded by tests with [`TestWorker::seed_dataset`](crate::TestWorker::seed_dataset),
//! read by eval runs and batch runs.
//!
//! Every seed of an id writes a new version (an ISO timestamp) that becomes
//! the active one, as a dataset upsert does on the worker. All dataset
//! lookups of evals and batches go through [`DatasetFixtures::resolve`].

use std::collections::HashMap;

use serde_json::{Map, Value};

/// One stored version of a dataset.
#[derive(Clone)]
pub(crate) struct DatasetVersion {
    pub version: String,
    /// The head record as the worker stores it (`id`, `agentId?`, `name`,
    /// `items`, `itemCount`, `version`, `createdAt`, `updatedAt`, ...).
    pub record: Value,
}

impl DatasetVersion {
    pub(crate) fn agent_id(&self) -> Option<&str> {
        self.record.get("agentId").and_then(Value::as_str)
    }

    pub(crate) fn items(&self) -> Vec<Value> {
        self.record
            .get("items")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    }
}

/// The versions of one dataset, oldest first.
#[derive(Default)]
pub(crate) struct DatasetHistory {
    pub versions: Vec<DatasetVersion>,
}

/// Seeded datasets keyed by (tenant, id).
#[derive(Default)]
pub(crate) struct DatasetFixtures {
    pub datasets: HashMap<(String, String), DatasetHistory>,
}

/// Why a dataset lookup failed (the worker's messages).
pub(crate) enum DatasetLookup {
    NotFound(String),
}

impl DatasetFixtures {
    /// Stores a new active version of `dataset` (its `id` is required; item
    /// ids default to `row_000001`, ...). Returns the version.
    pub(crate) fn seed(
        &mut self,
        tenant: &str,
        mut dataset: Map<String, Value>,
        at: &str,
    ) -> String {
        let id = dataset
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let items: Vec<Value> = dataset
            .get("items")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .map(|(i, mut item)| {
                if let Some(obj) = item.as_object_mut() {
                    if obj
                        .get("id")
                        .and_then(Value::as_str)
                        .is_none_or(str::is_empty)
                    {
                        obj.insert("id".into(), Value::String(format!("row_{:06}", i + 1)));
                    }
                }
                item
            })
            .collect();
        let history = self
            .datasets
            .entry((tenant.to_string(), id.clone()))
            .or_default();
        let created = history
            .versions
            .first()
            .and_then(|v| v.record.get("createdAt").cloned())
            .unwrap_or_else(|| Value::String(at.to_string()));
        dataset.entry("name").or_insert_with(|| Value::String(id));
        dataset.insert("itemCount".into(), Value::from(items.len()));
        dataset.insert("items".into(), Value::Array(items));
        dataset.insert("version".into(), Value::String(at.to_string()));
        dataset.insert("createdAt".into(), created);
        dataset.insert("updatedAt".into(), Value::String(at.to_string()));
        history.versions.push(DatasetVersion {
            version: at.to_string(),
            record: Value::Object(dataset),
        });
        at.to_string()
    }

    /// Resolves `id` at `version` (`None`: the active one; `latest`; or an
    /// exact version timestamp).
    pub(crate) fn resolve(
        &self,
        tenant: &str,
        id: &str,
        version: Option<&str>,
    ) -> Result<DatasetVersion, DatasetLookup> {
        let history = self
            .datasets
            .get(&(tenant.to_string(), id.to_string()))
            .filter(|h| !h.versions.is_empty());
        let Some(history) = history else {
            let shown = match version {
                Some(v) => format!("{id}@{v}"),
                None => id.to_string(),
            };
            return Err(DatasetLookup::NotFound(format!(
                "Dataset \"{shown}\" not found"
            )));
        };
        let found = match version {
            None | Some("latest") => history.versions.last(),
            Some(v) => history.versions.iter().find(|d| d.version == v),
        };
        found.cloned().ok_or_else(|| {
            DatasetLookup::NotFound(format!(
                "Dataset \"{id}@{}\" not found",
                version.unwrap_or("")
            ))
        })
    }
}
