//! Provider-native batches: versioned batch definitions and batch runs
//! (`/batches`, `/batch-runs`, wire-extended §6).

use std::collections::BTreeMap;

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::eval::wire_enum;
use super::list_query::set_pairs;
use super::serde_util::{lenient_millis, null_as_default};
use super::{DatasetRef, InvokeUsage};
use crate::Error;

/// A batch definition (`POST/GET/PUT /batches…`, the version routes and
/// activate): the raw YAML manifest plus what the worker read from it.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BatchDefinition {
    /// Batch id (the manifest's `id`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// The raw YAML manifest.
    #[serde(default, deserialize_with = "null_as_default")]
    pub manifest: String,
    /// Provider (`model.provider`: `openai`, `anthropic`, `google`,
    /// `mistral`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub provider: String,
    /// Model name (`model.name`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub model: String,
    /// Default dataset of a run.
    #[serde(default)]
    pub default_dataset: Option<DatasetRef>,
    /// Active version (ISO timestamp).
    #[serde(default)]
    pub version: Option<String>,
    /// Creation time of the first version (ISO-8601).
    #[serde(default)]
    pub created_at: Option<String>,
    /// Last update time (ISO-8601).
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// One row of `GET /batches` (a [`BatchDefinition`] without its manifest).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BatchSummary {
    /// Batch id.
    #[serde(default, deserialize_with = "null_as_default")]
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Provider.
    #[serde(default, deserialize_with = "null_as_default")]
    pub provider: String,
    /// Model name.
    #[serde(default, deserialize_with = "null_as_default")]
    pub model: String,
    /// Default dataset.
    #[serde(default)]
    pub default_dataset: Option<DatasetRef>,
    /// Active version.
    #[serde(default)]
    pub version: Option<String>,
    /// Creation time.
    #[serde(default)]
    pub created_at: Option<String>,
    /// Last update time.
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// One version of a batch (`GET /batches/{id}/versions`, newest first).
pub type BatchVersionSummary = super::VersionSummary;

/// The answer of `PUT /batches/{id}/aliases/{alias}`.
pub type BatchAlias = super::VersionAlias;

/// The answer of `DELETE /batches/{id}/aliases/{alias}` (`deleted` is
/// `true` even when the alias did not exist).
pub type BatchAliasRemoved = super::AliasRemoved;

/// An inline item of a batch run: `{id, name?, input, metadata?}` (the
/// dataset item shape).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BatchInputItem {
    /// Item id (non-empty, unique within the run).
    pub id: String,
    /// Display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The input: a string, an object or content blocks.
    pub input: Value,
    /// Free-form metadata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
}

impl BatchInputItem {
    /// Item `id` with `input` (a `&str`, a `String` or any JSON value).
    pub fn new(id: impl Into<String>, input: impl Into<Value>) -> Self {
        BatchInputItem {
            id: id.into(),
            name: None,
            input: input.into(),
            metadata: None,
        }
    }

    /// Sets the name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the metadata.
    pub fn metadata(mut self, metadata: Value) -> Self {
        self.metadata = Some(metadata);
        self
    }
}

/// The body of `POST /batch-runs`: a batch over a dataset or over inline
/// items (not both).
///
/// The idempotency key travels as the `Idempotency-Key` header, as the
/// official clients send it; a repeat with the same key returns the
/// existing run (status `201`) instead of submitting again.
///
/// ```
/// use agntz_proto::types::{BatchInputItem, BatchRunRequest};
/// let req = BatchRunRequest::new("summaries")
///     .batch_version("baseline")
///     .item(BatchInputItem::new("c1", "Ada, Inc"))
///     .idempotency_key("nightly-2026-07-29");
/// assert_eq!(
///     serde_json::from_slice::<serde_json::Value>(&req.to_body().unwrap()).unwrap(),
///     serde_json::json!({"batchId":"summaries","batchVersion":"baseline",
///                        "items":[{"id":"c1","input":"Ada, Inc"}]})
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BatchRunRequest {
    /// The batch (required).
    pub batch_id: String,
    /// Version: exact timestamp, `latest` or alias (default: active).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch_version: Option<String>,
    /// Dataset (default: the manifest's `defaultDataset`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dataset_id: Option<String>,
    /// Dataset version or alias.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dataset_version: Option<String>,
    /// Inline items instead of a dataset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<BatchInputItem>>,
    /// Where to send the signed `batch.complete` webhook (needs
    /// `webhookSecretName`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callback_url: Option<String>,
    /// The webhook secret that signs the callback.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_secret_name: Option<String>,
    /// Sent as the `Idempotency-Key` header, never in the body.
    #[serde(skip)]
    pub idempotency_key: Option<String>,
}

impl BatchRunRequest {
    /// A run of batch `batch_id` (on its default dataset unless set).
    pub fn new(batch_id: impl Into<String>) -> Self {
        BatchRunRequest {
            batch_id: batch_id.into(),
            ..BatchRunRequest::default()
        }
    }

    /// Pins the batch version.
    pub fn batch_version(mut self, version: impl Into<String>) -> Self {
        self.batch_version = Some(version.into());
        self
    }

    /// Runs over this dataset.
    pub fn dataset_id(mut self, dataset_id: impl Into<String>) -> Self {
        self.dataset_id = Some(dataset_id.into());
        self
    }

    /// Pins the dataset version.
    pub fn dataset_version(mut self, version: impl Into<String>) -> Self {
        self.dataset_version = Some(version.into());
        self
    }

    /// Appends an inline item.
    pub fn item(mut self, item: BatchInputItem) -> Self {
        self.items.get_or_insert_with(Vec::new).push(item);
        self
    }

    /// Sets the callback URL and the secret that signs it.
    pub fn callback(mut self, url: impl Into<String>, secret_name: impl Into<String>) -> Self {
        self.callback_url = Some(url.into());
        self.webhook_secret_name = Some(secret_name.into());
        self
    }

    /// Sets the idempotency key (sent as the `Idempotency-Key` header).
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    /// Checks what the worker would reject with 400: no batch id, inline
    /// items together with a dataset, empty or duplicate item ids, a
    /// callback URL without its secret (or the reverse).
    pub fn validate(&self) -> Result<(), Error> {
        if self.batch_id.is_empty() {
            return Err(Error::invalid("a batch run needs a batch id"));
        }
        if let Some(items) = &self.items {
            if self.dataset_id.is_some() {
                return Err(Error::invalid(
                    "pass either inline items or a dataset id, not both",
                ));
            }
            let mut seen = std::collections::HashSet::new();
            for (i, item) in items.iter().enumerate() {
                if item.id.is_empty() {
                    return Err(Error::invalid(format!("items[{i}].id must not be empty")));
                }
                if !seen.insert(item.id.as_str()) {
                    return Err(Error::invalid(format!(
                        "duplicate item id {:?} in batch items",
                        item.id
                    )));
                }
            }
        }
        if self.callback_url.is_some() != self.webhook_secret_name.is_some() {
            return Err(Error::invalid(
                "callbackUrl and webhookSecretName must be provided together",
            ));
        }
        Ok(())
    }

    /// Validates and serializes the body.
    pub fn to_body(&self) -> Result<Bytes, Error> {
        self.validate()?;
        super::serde_util::json_body(self)
    }
}

wire_enum! {
    /// Status of a batch run.
    BatchRunStatus {
        /// Checking the request.
        Validating => "validating",
        /// Sending it to the provider.
        Submitting => "submitting",
        /// Accepted by the provider, waiting.
        Queued => "queued",
        /// The provider is processing it.
        Running => "running",
        /// A cancel was sent to the provider.
        Cancelling => "cancelling",
        /// Done (some items may still have failed; see the counts).
        Completed => "completed",
        /// The submission or the job failed.
        Failed => "failed",
        /// The provider's window ran out.
        Expired => "expired",
        /// Cancelled.
        Cancelled => "cancelled",
    }
}

impl BatchRunStatus {
    /// `completed`, `failed`, `expired` or `cancelled` (the statuses in
    /// which a run can be deleted).
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            BatchRunStatus::Completed
                | BatchRunStatus::Failed
                | BatchRunStatus::Expired
                | BatchRunStatus::Cancelled
        )
    }
}

wire_enum! {
    /// Status of one item of a batch run.
    BatchItemStatus {
        /// Not finished yet.
        Pending => "pending",
        /// The provider answered.
        Succeeded => "succeeded",
        /// The provider failed this item.
        Failed => "failed",
        /// The provider's window ran out.
        Expired => "expired",
        /// Cancelled.
        Cancelled => "cancelled",
    }
}

/// Item counts of a batch run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct BatchRunCounts {
    /// All items.
    #[serde(default)]
    pub total: u64,
    /// Not finished.
    #[serde(default)]
    pub pending: u64,
    /// Succeeded.
    #[serde(default)]
    pub succeeded: u64,
    /// Failed.
    #[serde(default)]
    pub failed: u64,
    /// Expired.
    #[serde(default)]
    pub expired: u64,
    /// Cancelled.
    #[serde(default)]
    pub cancelled: u64,
}

/// The frozen inputs of a batch run.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BatchRunSnapshot {
    /// The batch definition used.
    #[serde(default)]
    pub batch: Option<BatchDefinition>,
    /// The dataset head used (without items, with `itemCount`), raw JSON.
    #[serde(default)]
    pub dataset: Option<Value>,
    /// Whether the run used inline items.
    #[serde(default)]
    pub inline_dataset: bool,
}

/// A batch run.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BatchRun {
    /// Run id (`batchrun_<32 hex>`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub id: String,
    /// The batch.
    #[serde(default, deserialize_with = "null_as_default")]
    pub batch_id: String,
    /// The batch version asked for (alias, `latest`, ...).
    #[serde(default)]
    pub requested_batch_version: Option<String>,
    /// The resolved batch version.
    #[serde(default, deserialize_with = "null_as_default")]
    pub batch_version: String,
    /// The dataset (absent for inline items).
    #[serde(default)]
    pub dataset_id: Option<String>,
    /// The dataset version asked for.
    #[serde(default)]
    pub requested_dataset_version: Option<String>,
    /// The resolved dataset version.
    #[serde(default)]
    pub dataset_version: Option<String>,
    /// Provider.
    #[serde(default, deserialize_with = "null_as_default")]
    pub provider: String,
    /// Model.
    #[serde(default, deserialize_with = "null_as_default")]
    pub model: String,
    /// The provider's batch id.
    #[serde(default)]
    pub provider_batch_id: Option<String>,
    /// The provider's own status string.
    #[serde(default)]
    pub provider_status: Option<String>,
    /// Status.
    #[serde(default)]
    pub status: BatchRunStatus,
    /// Item counts.
    #[serde(default, deserialize_with = "null_as_default")]
    pub counts: BatchRunCounts,
    /// The frozen batch and dataset.
    #[serde(default)]
    pub snapshot: Option<BatchRunSnapshot>,
    /// Callback URL.
    #[serde(default)]
    pub callback_url: Option<String>,
    /// Webhook secret name.
    #[serde(default)]
    pub webhook_secret_name: Option<String>,
    /// The idempotency key the run was created with.
    #[serde(default)]
    pub idempotency_key: Option<String>,
    /// Creation time (ISO-8601).
    #[serde(default, deserialize_with = "null_as_default")]
    pub created_at: String,
    /// Submission time.
    #[serde(default)]
    pub submitted_at: Option<String>,
    /// Start time.
    #[serde(default)]
    pub started_at: Option<String>,
    /// End time, once terminal.
    #[serde(default)]
    pub ended_at: Option<String>,
    /// When the provider expires the job.
    #[serde(default)]
    pub provider_expires_at: Option<String>,
    /// Error message.
    #[serde(default)]
    pub error: Option<String>,
    /// Every other key (the worker's reconciliation state such as
    /// `nextPollAt`, `lastSyncAt`, `syncAttempts`), verbatim.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

impl BatchRun {
    /// Whether the run is finished.
    pub fn is_terminal(&self) -> bool {
        self.status.is_terminal()
    }
}

/// One item of a batch run (`/batch-runs/{id}/items`, a line of
/// `results.jsonl`, a side of a comparison row).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BatchRunItem {
    /// The run.
    #[serde(default, deserialize_with = "null_as_default")]
    pub run_id: String,
    /// Dataset item id.
    #[serde(default, deserialize_with = "null_as_default")]
    pub item_id: String,
    /// 0-based position in the run.
    #[serde(default)]
    pub ordinal: u64,
    /// Item name.
    #[serde(default)]
    pub name: Option<String>,
    /// The item's input.
    #[serde(default)]
    pub input: Value,
    /// The item's metadata.
    #[serde(default)]
    pub metadata: Option<Value>,
    /// Status.
    #[serde(default)]
    pub status: BatchItemStatus,
    /// The output (text, or parsed JSON with an output schema).
    #[serde(default)]
    pub output: Option<Value>,
    /// The provider's raw output text.
    #[serde(default)]
    pub raw_output: Option<String>,
    /// Error message of a failed item.
    #[serde(default)]
    pub error: Option<String>,
    /// Token usage.
    #[serde(default)]
    pub usage: Option<InvokeUsage>,
    /// Normalized finish reason.
    #[serde(default)]
    pub finish_reason: Option<String>,
    /// The provider's request id.
    #[serde(default)]
    pub provider_request_id: Option<String>,
    /// Duration in milliseconds.
    #[serde(default, deserialize_with = "lenient_millis")]
    pub duration_ms: Option<u64>,
}

impl BatchRunItem {
    /// The output as text, when it is a string.
    pub fn output_text(&self) -> Option<&str> {
        self.output.as_ref().and_then(Value::as_str)
    }
}

/// Filters and paging of `GET /batch-runs`.
///
/// ```
/// use agntz_proto::types::{BatchRunFilter, BatchRunStatus};
/// let f = BatchRunFilter::new().batch_id("b").status(BatchRunStatus::Completed).limit(5);
/// assert_eq!(
///     f.to_query_pairs(),
///     vec![("batchId", "b".to_owned()), ("status", "completed".to_owned()), ("limit", "5".to_owned())]
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct BatchRunFilter {
    /// Only runs of this batch.
    pub batch_id: Option<String>,
    /// Only runs of this resolved batch version.
    pub batch_version: Option<String>,
    /// Only runs over this dataset.
    pub dataset_id: Option<String>,
    /// Only runs over this dataset version.
    pub dataset_version: Option<String>,
    /// Only runs with this provider.
    pub provider: Option<String>,
    /// Only runs with this model.
    pub model: Option<String>,
    /// Only runs with this status.
    pub status: Option<String>,
    /// Created at or after (ISO-8601).
    pub started_after: Option<String>,
    /// Created at or before (ISO-8601).
    pub started_before: Option<String>,
    /// Page size (worker default 50, clamped to 1..=200).
    pub limit: Option<u32>,
    /// Continue after the page that returned this cursor.
    pub cursor: Option<String>,
}

macro_rules! string_setters {
    ($($(#[$m:meta])* $field:ident),* $(,)?) => {
        $(
            $(#[$m])*
            pub fn $field(mut self, value: impl Into<String>) -> Self {
                self.$field = Some(value.into());
                self
            }
        )*
    };
}

impl BatchRunFilter {
    /// No filter.
    pub fn new() -> Self {
        Self::default()
    }

    string_setters!(
        /// Only runs of this batch.
        batch_id,
        /// Only runs of this resolved batch version.
        batch_version,
        /// Only runs over this dataset.
        dataset_id,
        /// Only runs over this dataset version.
        dataset_version,
        /// Only runs with this provider.
        provider,
        /// Only runs with this model.
        model,
        /// Created at or after this ISO-8601 time.
        started_after,
        /// Created at or before this ISO-8601 time.
        started_before,
        /// Continue after the page that returned this cursor.
        cursor,
    );

    /// Only runs with this status (a [`BatchRunStatus`] or any string).
    pub fn status(mut self, status: impl AsRef<str>) -> Self {
        self.status = Some(status.as_ref().to_owned());
        self
    }

    /// Page size.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// The query parameters, in the order `batchId, batchVersion,
    /// datasetId, datasetVersion, provider, model, status, startedAfter,
    /// startedBefore, limit, cursor`; unset ones omitted.
    pub fn to_query_pairs(&self) -> Vec<(&'static str, String)> {
        let limit = self.limit.map(|l| l.to_string());
        set_pairs([
            ("batchId", &self.batch_id),
            ("batchVersion", &self.batch_version),
            ("datasetId", &self.dataset_id),
            ("datasetVersion", &self.dataset_version),
            ("provider", &self.provider),
            ("model", &self.model),
            ("status", &self.status),
            ("startedAfter", &self.started_after),
            ("startedBefore", &self.started_before),
            ("limit", &limit),
            ("cursor", &self.cursor),
        ])
        .collect()
    }
}

/// One page of `GET /batch-runs`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct BatchRunPage {
    /// The runs, newest first.
    #[serde(default, deserialize_with = "null_as_default")]
    pub rows: Vec<BatchRun>,
    /// Cursor of the next page (wire key `cursor`).
    #[serde(default, rename = "cursor")]
    pub next_cursor: Option<String>,
}

/// Paging of `GET /batch-runs/{id}/items` and `/batch-runs/compare`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct BatchItemsQuery {
    /// Only items with this status (items listing only; ignored by
    /// compare).
    pub status: Option<String>,
    /// Page size (worker default 100, clamped to 1..=1000).
    pub limit: Option<u32>,
    /// Continue after the page that returned this cursor.
    pub cursor: Option<String>,
}

impl BatchItemsQuery {
    /// The first page with the worker's defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only items with this status (a [`BatchItemStatus`] or any string).
    pub fn status(mut self, status: impl AsRef<str>) -> Self {
        self.status = Some(status.as_ref().to_owned());
        self
    }

    /// Page size.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Continue after the page that returned this cursor.
    pub fn cursor(mut self, cursor: impl Into<String>) -> Self {
        self.cursor = Some(cursor.into());
        self
    }

    pub(crate) fn push_pairs(&self, q: &mut Vec<(&'static str, String)>, with_status: bool) {
        let status = if with_status { &self.status } else { &None };
        let limit = self.limit.map(|l| l.to_string());
        q.extend(set_pairs([
            ("status", status),
            ("limit", &limit),
            ("cursor", &self.cursor),
        ]));
    }
}

/// One page of `GET /batch-runs/{id}/items`, ordered by ordinal.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct BatchItemPage {
    /// The items.
    #[serde(default, deserialize_with = "null_as_default")]
    pub rows: Vec<BatchRunItem>,
    /// Cursor of the next page (wire key `cursor`).
    #[serde(default, rename = "cursor")]
    pub next_cursor: Option<String>,
}

/// One row of a comparison: the same item in both runs. A side is `None`
/// when that run's page did not hold the item (the worker pages each run
/// separately by ordinal and joins the pages by item id).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BatchComparisonRow {
    /// Item id.
    #[serde(default, deserialize_with = "null_as_default")]
    pub item_id: String,
    /// The item's input.
    #[serde(default)]
    pub input: Value,
    /// The item in the left run.
    #[serde(default)]
    pub left: Option<BatchRunItem>,
    /// The item in the right run.
    #[serde(default)]
    pub right: Option<BatchRunItem>,
}

/// One page of `GET /batch-runs/compare`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BatchComparison {
    /// The left run.
    #[serde(default)]
    pub left_run: BatchRun,
    /// The right run.
    #[serde(default)]
    pub right_run: BatchRun,
    /// The joined rows of this page.
    #[serde(default, deserialize_with = "null_as_default")]
    pub rows: Vec<BatchComparisonRow>,
    /// Cursor of the next page (the left run's, else the right run's).
    #[serde(default, rename = "cursor")]
    pub next_cursor: Option<String>,
    /// Whether both runs used the same dataset id and version.
    #[serde(default)]
    pub dataset_versions_match: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_request_validation() {
        let both = BatchRunRequest::new("b")
            .dataset_id("d")
            .item(BatchInputItem::new("x", "y"));
        assert!(matches!(both.to_body(), Err(Error::InvalidRequest(_))));
        let dup = BatchRunRequest::new("b")
            .item(BatchInputItem::new("x", "1"))
            .item(BatchInputItem::new("x", "2"));
        assert!(dup.to_body().is_err());
        let half = BatchRunRequest {
            callback_url: Some("https://h".into()),
            ..BatchRunRequest::new("b")
        };
        assert!(half.to_body().is_err());
        assert!(BatchRunRequest::new("").to_body().is_err());
        let ok = BatchRunRequest::new("b")
            .callback("https://h", "s")
            .idempotency_key("k");
        assert_eq!(
            &ok.to_body().unwrap()[..],
            br#"{"batchId":"b","callbackUrl":"https://h","webhookSecretName":"s"}"#
        );
    }

    #[test]
    fn runs_keep_unknown_keys_and_statuses() {
        let run: BatchRun = serde_json::from_value(serde_json::json!({
            "id": "batchrun_1", "batchId": "b", "batchVersion": "v", "status": "teleported",
            "counts": {"total": 2, "pending": 2}, "syncAttempts": 3, "snapshot": {"inlineDataset": true}
        }))
        .unwrap();
        assert_eq!(run.status, BatchRunStatus::Unknown);
        assert_eq!(run.counts.total, 2);
        assert_eq!(run.extra["syncAttempts"], 3);
        assert!(run.snapshot.unwrap().inline_dataset);
        assert!(BatchRunStatus::Expired.is_terminal());
        assert!(!BatchRunStatus::Cancelling.is_terminal());
    }
}
