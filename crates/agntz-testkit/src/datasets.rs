//! Datasets: normalization, publishing a version, the stored record's JSON,
//! and version lookups. The one dataset store (`Inner::datasets`) is written
//! by `/datasets…`, `/dataset-imports…` and
//! [`TestWorker::seed_dataset`](crate::TestWorker::seed_dataset), and read by
//! the dataset routes, eval runs and batch runs.

use std::collections::HashSet;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::store::{DatasetFields, DatasetItem, DatasetVersion, Inner, StoredDataset};
use crate::util::{iso, monotonic_ms, nanoid};
use crate::versions::{marks_in_field, History, VersionMarks};

/// A blank-trimmed string field, or `None`.
pub(crate) fn non_blank(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .map(str::to_owned)
}

/// Normalizes items: objects only, input a string, object or array, ids
/// defaulted by position (`row_000001`, …), only `id`, `name`, `input`,
/// `metadata` kept. `Err` carries the worker's message.
pub(crate) fn normalize_items(raw: &[Value]) -> Result<Vec<DatasetItem>, String> {
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(raw.len());
    for (i, v) in raw.iter().enumerate() {
        let Some(obj) = v.as_object() else {
            return Err(format!("items[{i}] must be an object"));
        };
        let input = match obj.get("input") {
            Some(x @ (Value::String(_) | Value::Object(_) | Value::Array(_))) => x.clone(),
            _ => {
                return Err(format!(
                    "items[{i}].input must be a string, object, or content blocks"
                ))
            }
        };
        let id = non_blank(obj.get("id")).unwrap_or_else(|| format!("row_{:06}", i + 1));
        if !seen.insert(id.clone()) {
            return Err(format!("Duplicate dataset item id '{id}'"));
        }
        out.push(DatasetItem {
            id,
            name: obj.get("name").and_then(Value::as_str).map(str::to_owned),
            input,
            metadata: obj.get("metadata").filter(|m| m.is_object()).cloned(),
        });
    }
    Ok(out)
}

/// A create or update body, normalized as `POST /datasets` does (`Err`: the
/// worker answers with its plain-text 500).
pub(crate) fn normalize(body: &Map<String, Value>) -> Result<DatasetFields, String> {
    let id = non_blank(body.get("id")).unwrap_or_else(|| format!("dataset_{}", nanoid(12)));
    let items = match body.get("items") {
        Some(Value::Array(a)) => normalize_items(a)?,
        _ => Vec::new(),
    };
    Ok(DatasetFields {
        name: non_blank(body.get("name")).unwrap_or_else(|| id.clone()),
        id,
        agent_id: body
            .get("agentId")
            .and_then(Value::as_str)
            .map(str::to_owned),
        description: body
            .get("description")
            .and_then(Value::as_str)
            .map(str::to_owned),
        metadata: body.get("metadata").filter(|m| m.is_object()).cloned(),
        items,
    })
}

/// The dataset JSON: the fields, plus whichever stored values are given.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DatasetJson<'a> {
    pub id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<&'a str>,
    pub name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'a str>,
    pub items: &'a [DatasetItem],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item_count: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Stamp<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<Stamp<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<Stamp<'a>>,
}

/// A stored timestamp, or whatever a request body sent in its place (the
/// worker echoes it back as given).
#[derive(Serialize, Clone, Copy)]
#[serde(untagged)]
pub(crate) enum Stamp<'a> {
    Stored(&'a str),
    Echoed(&'a Value),
}

impl<'a> DatasetJson<'a> {
    /// The fields alone (no stored values).
    pub(crate) fn fields(f: &'a DatasetFields) -> Self {
        DatasetJson {
            id: &f.id,
            agent_id: f.agent_id.as_deref(),
            name: &f.name,
            description: f.description.as_deref(),
            items: &f.items,
            metadata: f.metadata.as_ref(),
            item_count: None,
            created_at: None,
            version: None,
            updated_at: None,
        }
    }

    /// The fields echoed as a create or update answers: with `createdAt`,
    /// `version` and `updatedAt` only as `body` has them.
    pub(crate) fn echo(f: &'a DatasetFields, body: &'a Map<String, Value>) -> Self {
        DatasetJson {
            created_at: body.get("createdAt").map(Stamp::Echoed),
            version: body.get("version").map(Stamp::Echoed),
            updated_at: body.get("updatedAt").map(Stamp::Echoed),
            ..Self::fields(f)
        }
    }

    /// The record of `d` as stored at version `v` (with `itemCount`,
    /// `version`, `createdAt` and `updatedAt`).
    pub(crate) fn stored(d: &'a StoredDataset, v: &'a DatasetVersion) -> Self {
        DatasetJson {
            item_count: Some(v.fields.items.len()),
            created_at: Some(Stamp::Stored(&d.created_at)),
            version: Some(Stamp::Stored(&v.version)),
            updated_at: Some(Stamp::Stored(&v.version)),
            ..Self::fields(&v.fields)
        }
    }
}

impl Inner {
    /// Writes `fields` as the new active version of the tenant's dataset.
    pub(crate) fn publish_dataset(
        &mut self,
        tenant: &str,
        fields: DatasetFields,
    ) -> &StoredDataset {
        let version = iso(monotonic_ms());
        let key = (tenant.to_string(), fields.id.clone());
        let entry = self.datasets.entry(key).or_insert_with(|| StoredDataset {
            created_at: version.clone(),
            versions: Vec::new(),
            marks: VersionMarks::default(),
        });
        entry.marks.published(entry.versions.len(), &version);
        entry.versions.push(DatasetVersion { version, fields });
        entry
    }

    /// The tenant's dataset `id` at `version`, as eval and batch runs pin
    /// it: `None` is the active version, anything else as a version lookup
    /// resolves it (exact timestamp, `latest` or alias). `Err`
    /// carries the worker's 404 message (`Dataset "<id>[@<version>]" not
    /// found`).
    pub(crate) fn dataset_at(
        &self,
        tenant: &str,
        id: &str,
        version: Option<&str>,
    ) -> Result<PinnedDataset, String> {
        let stored = self
            .datasets
            .get(&(tenant.to_string(), id.to_string()))
            .filter(|d| !d.versions.is_empty());
        let found = stored.and_then(|d| {
            let v = match version {
                None => Some(d.head()),
                Some(v) => d.resolve(v).map(|i| &d.versions[i]),
            };
            v.map(|v| (d, v))
        });
        let Some((d, v)) = found else {
            let shown = match version {
                Some(v) => format!("{id}@{v}"),
                None => id.to_string(),
            };
            return Err(format!("Dataset \"{shown}\" not found"));
        };
        Ok(PinnedDataset {
            record: serde_json::to_value(DatasetJson::stored(d, v)).unwrap_or(Value::Null),
            version: v.version.clone(),
            fields: v.fields.clone(),
        })
    }
}

/// One version of a dataset, copied out of the store for a run.
pub(crate) struct PinnedDataset {
    /// The resolved version timestamp.
    pub version: String,
    /// The fields of that version (agent affinity, items).
    pub fields: DatasetFields,
    /// The stored record at that version, items inline (the run snapshot).
    pub record: Value,
}

impl History for StoredDataset {
    fn version_ids(&self) -> Vec<&str> {
        self.versions.iter().map(|v| v.version.as_str()).collect()
    }

    marks_in_field!();

    fn record(&self, index: usize) -> Value {
        self.versions.get(index).map_or(Value::Null, |v| {
            serde_json::to_value(DatasetJson::stored(self, v)).unwrap_or(Value::Null)
        })
    }
}
