//! Datasets and staged dataset imports (`/datasets…`, `/dataset-imports…`,
//! wire-extended §4).

use std::fmt;

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::serde_util::null_as_default;
use crate::Error;

/// One item (case) of a dataset.
///
/// `input` is a string, a JSON object, or an array of content blocks; the
/// worker rejects numbers, booleans and `null`. The worker keeps only `id`,
/// `name`, `input` and `metadata` (an `expected` key, for example, is
/// dropped).
///
/// ```
/// use agntz_proto::types::DatasetItem;
/// let item = DatasetItem::new("hello").id("case_1").name("Greeting");
/// assert_eq!(item.input, serde_json::json!("hello"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DatasetItem {
    /// Item id. Left empty in a create or update, the worker numbers it
    /// `row_000001`, `row_000002`, … by position.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub id: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The input given to the agent.
    #[serde(default)]
    pub input: Value,
    /// Free-form metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Map<String, Value>>,
}

impl DatasetItem {
    /// An item with this input and no id (the worker numbers it).
    pub fn new(input: impl Into<Value>) -> Self {
        DatasetItem {
            id: String::new(),
            name: None,
            input: input.into(),
            metadata: None,
        }
    }

    /// Sets the id.
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = id.into();
        self
    }

    /// Sets the display name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Adds one metadata key.
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.metadata
            .get_or_insert_with(Map::new)
            .insert(key.into(), value.into());
        self
    }

    /// Whether the input is a kind the worker accepts (string, object,
    /// array).
    pub fn has_valid_input(&self) -> bool {
        matches!(
            self.input,
            Value::String(_) | Value::Object(_) | Value::Array(_)
        )
    }
}

/// A dataset as the worker stores it (its active version's head record).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Dataset {
    /// Dataset id (`dataset_<nanoid>` when the worker made it).
    #[serde(default, deserialize_with = "null_as_default")]
    pub id: String,
    /// The agent it belongs to (evals refuse a dataset of another agent).
    #[serde(default)]
    pub agent_id: Option<String>,
    /// Name (defaults to the id).
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Items stored inline. **May be empty even when the dataset has
    /// items** (SQL stores keep imported items out of the head record): page
    /// through [`Datasets::items`](crate::client::Datasets::items) to read
    /// them reliably.
    #[serde(default, deserialize_with = "null_as_default")]
    pub items: Vec<DatasetItem>,
    /// Number of items (set by the store; absent from create and update
    /// echoes).
    #[serde(default)]
    pub item_count: Option<u64>,
    /// Free-form metadata.
    #[serde(default)]
    pub metadata: Option<Map<String, Value>>,
    /// The active version (an ISO-8601 timestamp).
    #[serde(default)]
    pub version: Option<String>,
    /// Creation time (ISO-8601).
    #[serde(default)]
    pub created_at: Option<String>,
    /// Last update time (ISO-8601).
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// The body of a dataset create (`POST /datasets`) or update
/// (`PUT /datasets/{id}`). Fields left `None` are not sent.
///
/// * **create** replaces the whole dataset (an existing id gets a new
///   version holding exactly these fields: what is left out is gone);
/// * **update** merges these fields over the stored dataset (shallow), so
///   what is left out is kept. Leaving `items` out keeps the head record's
///   inline items, which are empty for an imported dataset on SQL stores.
///
/// ```
/// use agntz_proto::types::{DatasetDraft, DatasetItem};
/// let draft = DatasetDraft::new()
///     .id("greetings")
///     .agent_id("echo")
///     .items([DatasetItem::new("hello"), DatasetItem::new("hi").id("custom")]);
/// let body = draft.to_body().unwrap();
/// assert_eq!(
///     serde_json::from_slice::<serde_json::Value>(&body).unwrap(),
///     serde_json::json!({"id":"greetings","agentId":"echo",
///         "items":[{"input":"hello"},{"id":"custom","input":"hi"}]})
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DatasetDraft {
    /// Dataset id (create only; generated when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Agent id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Items.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<DatasetItem>>,
    /// Metadata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Map<String, Value>>,
}

impl DatasetDraft {
    /// An empty draft.
    pub fn new() -> Self {
        DatasetDraft::default()
    }

    /// Sets the id.
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// Sets the agent id.
    pub fn agent_id(mut self, agent_id: impl Into<String>) -> Self {
        self.agent_id = Some(agent_id.into());
        self
    }

    /// Sets the name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets the items.
    pub fn items(mut self, items: impl IntoIterator<Item = DatasetItem>) -> Self {
        self.items = Some(items.into_iter().collect());
        self
    }

    /// Sets the metadata.
    pub fn metadata(mut self, metadata: Map<String, Value>) -> Self {
        self.metadata = Some(metadata);
        self
    }

    /// Checks what the worker would reject (with an unhelpful plain-text
    /// 500): an input that is not a string, object or array, a repeated
    /// item id.
    pub fn validate(&self) -> Result<(), Error> {
        if let Some(items) = &self.items {
            check_items(items, false)?;
        }
        Ok(())
    }

    /// Validates and serializes the request body.
    pub fn to_body(&self) -> Result<Bytes, Error> {
        self.validate()?;
        super::serde_util::json_body(self)
    }
}

/// Checks item inputs and id uniqueness; with `require_ids`, every item
/// needs an id (staged imports).
pub(crate) fn check_items(items: &[DatasetItem], require_ids: bool) -> Result<(), Error> {
    let mut seen = std::collections::HashSet::new();
    for (i, item) in items.iter().enumerate() {
        if !item.has_valid_input() {
            return Err(Error::invalid(format!(
                "items[{i}].input must be a string, object, or content blocks"
            )));
        }
        if item.id.is_empty() {
            if require_ids {
                return Err(Error::invalid(format!("items[{i}] has no id")));
            }
            continue;
        }
        if !seen.insert(item.id.as_str()) {
            return Err(Error::invalid(format!(
                "duplicate dataset item id '{}'",
                item.id
            )));
        }
    }
    Ok(())
}

/// Paging of `GET /datasets/{id}/items`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DatasetItemsQuery {
    /// An exact version timestamp or an alias (`latest` is **not** special
    /// here); `None` reads the active version.
    pub version: Option<String>,
    /// Page size (worker default 100, clamped to 1..=1000).
    pub limit: Option<u32>,
    /// Continue after the page that returned this cursor.
    pub cursor: Option<String>,
}

impl DatasetItemsQuery {
    /// The first page of the active version.
    pub fn new() -> Self {
        DatasetItemsQuery::default()
    }

    /// Reads this version (timestamp or alias).
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = Some(version.into());
        self
    }

    /// Sets the page size.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Sets the cursor.
    pub fn cursor(mut self, cursor: impl Into<String>) -> Self {
        self.cursor = Some(cursor.into());
        self
    }
}

/// One page of `GET /datasets/{id}/items`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct DatasetItemsPage {
    /// This page's items.
    #[serde(default, deserialize_with = "null_as_default")]
    pub rows: Vec<DatasetItem>,
    /// Cursor of the next page; `None` on the last one.
    #[serde(default)]
    pub cursor: Option<String>,
}

/// State of a staged import.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum DatasetImportStatus {
    /// Accepting items.
    Open,
    /// Published as a dataset version.
    Completed,
    /// A status this SDK does not know yet.
    #[default]
    #[serde(other)]
    Unknown,
}

impl fmt::Display for DatasetImportStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DatasetImportStatus::Open => "open",
            DatasetImportStatus::Completed => "completed",
            DatasetImportStatus::Unknown => "unknown",
        })
    }
}

/// A staged dataset import (`/dataset-imports/{id}`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DatasetImport {
    /// Import id (`datasetimport_<nanoid>`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub id: String,
    /// The dataset it publishes to.
    #[serde(default, deserialize_with = "null_as_default")]
    pub dataset_id: String,
    /// Dataset name.
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
    /// Dataset description.
    #[serde(default)]
    pub description: Option<String>,
    /// Agent id.
    #[serde(default)]
    pub agent_id: Option<String>,
    /// Dataset metadata.
    #[serde(default)]
    pub metadata: Option<Map<String, Value>>,
    /// Open or completed.
    #[serde(default)]
    pub status: DatasetImportStatus,
    /// Items appended so far.
    #[serde(default)]
    pub item_count: u64,
    /// Creation time (ISO-8601).
    #[serde(default, deserialize_with = "null_as_default")]
    pub created_at: String,
    /// Last update time (ISO-8601).
    #[serde(default, deserialize_with = "null_as_default")]
    pub updated_at: String,
    /// The published version (completed imports).
    #[serde(default)]
    pub dataset_version: Option<String>,
}

/// The body of `POST /dataset-imports` (blank strings count as absent).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DatasetImportStart {
    /// Target dataset id (generated when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dataset_id: Option<String>,
    /// Name (defaults to the dataset id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Agent id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// Metadata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Map<String, Value>>,
}

/// Format of a dataset import source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DatasetFormat {
    /// Comma-separated values with a header row (RFC 4180 quoting).
    Csv,
    /// One JSON value per line.
    Jsonl,
}

/// What a dataset import reads its items from. This crate does no IO: read
/// a file yourself (`std::fs::read_to_string`) and pass its text.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum DatasetSource {
    /// CSV or JSONL text.
    Text(String),
    /// CSV or JSONL bytes (must be UTF-8).
    Bytes(Bytes),
    /// Items, sent as given after validation.
    Items(Vec<DatasetItem>),
}

impl From<String> for DatasetSource {
    fn from(s: String) -> Self {
        DatasetSource::Text(s)
    }
}

impl From<&str> for DatasetSource {
    fn from(s: &str) -> Self {
        DatasetSource::Text(s.to_owned())
    }
}

impl From<Bytes> for DatasetSource {
    fn from(b: Bytes) -> Self {
        DatasetSource::Bytes(b)
    }
}

impl From<Vec<u8>> for DatasetSource {
    fn from(b: Vec<u8>) -> Self {
        DatasetSource::Bytes(Bytes::from(b))
    }
}

impl From<Vec<DatasetItem>> for DatasetSource {
    fn from(items: Vec<DatasetItem>) -> Self {
        DatasetSource::Items(items)
    }
}

/// Everything `datasets().import()` needs: the target dataset's fields and
/// the source of its items.
///
/// ```
/// use agntz_proto::types::{DatasetFormat, DatasetImportInput};
/// let input = DatasetImportInput::new("id,input,segment\nc1,Ada,enterprise\n")
///     .dataset_id("customers")
///     .agent_id("support");
/// let items = input.parse_items().unwrap();
/// assert_eq!(items[0].id, "c1");
/// assert_eq!(items[0].metadata.as_ref().unwrap()["segment"], "enterprise");
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DatasetImportInput {
    /// The dataset's fields.
    pub dataset: DatasetImportStart,
    /// Where the items come from.
    pub source: DatasetSource,
    /// Format of a text source; `None` detects it (first non-blank line
    /// starting with `{` means JSONL, anything else CSV).
    pub format: Option<DatasetFormat>,
    /// CSV column holding item ids (default `id`).
    pub id_column: String,
    /// CSV column holding inputs (default `input`).
    pub input_column: String,
}

impl DatasetImportInput {
    /// An import of `source` into a new dataset with a generated id.
    pub fn new(source: impl Into<DatasetSource>) -> Self {
        DatasetImportInput {
            dataset: DatasetImportStart::default(),
            source: source.into(),
            format: None,
            id_column: "id".to_owned(),
            input_column: "input".to_owned(),
        }
    }

    /// Publishes to this dataset id (a new version when it exists).
    pub fn dataset_id(mut self, id: impl Into<String>) -> Self {
        self.dataset.dataset_id = Some(id.into());
        self
    }

    /// Sets the dataset name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.dataset.name = Some(name.into());
        self
    }

    /// Sets the dataset description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.dataset.description = Some(description.into());
        self
    }

    /// Sets the agent id.
    pub fn agent_id(mut self, agent_id: impl Into<String>) -> Self {
        self.dataset.agent_id = Some(agent_id.into());
        self
    }

    /// Sets the dataset metadata.
    pub fn metadata(mut self, metadata: Map<String, Value>) -> Self {
        self.dataset.metadata = Some(metadata);
        self
    }

    /// Sets the source format instead of detecting it.
    pub fn format(mut self, format: DatasetFormat) -> Self {
        self.format = Some(format);
        self
    }

    /// Sets the CSV id column.
    pub fn id_column(mut self, column: impl Into<String>) -> Self {
        self.id_column = column.into();
        self
    }

    /// Sets the CSV input column.
    pub fn input_column(mut self, column: impl Into<String>) -> Self {
        self.input_column = column.into();
        self
    }

    /// Parses the source into items and validates them: at least one item,
    /// every item with an id and a string, object or array input, no
    /// repeated id. Errors are [`Error::InvalidRequest`].
    pub fn parse_items(&self) -> Result<Vec<DatasetItem>, Error> {
        let items = match &self.source {
            DatasetSource::Items(items) => items.clone(),
            DatasetSource::Text(text) => self.parse_text(text)?,
            DatasetSource::Bytes(bytes) => {
                let text = std::str::from_utf8(bytes)
                    .map_err(|e| Error::invalid(format!("dataset source is not UTF-8: {e}")))?;
                self.parse_text(text)?
            }
        };
        if items.is_empty() {
            return Err(Error::invalid("dataset import contains no items"));
        }
        check_items(&items, true)?;
        Ok(items)
    }

    fn parse_text(&self, text: &str) -> Result<Vec<DatasetItem>, Error> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        match self.format.unwrap_or_else(|| detect_format(text)) {
            DatasetFormat::Jsonl => super::dataset_source::parse_jsonl(text),
            DatasetFormat::Csv => {
                super::dataset_source::parse_csv(text, &self.id_column, &self.input_column)
            }
        }
    }
}

/// JSONL when the first line, after leading whitespace, starts with `{`.
fn detect_format(text: &str) -> DatasetFormat {
    if text.trim_start().starts_with('{') {
        DatasetFormat::Jsonl
    } else {
        DatasetFormat::Csv
    }
}
