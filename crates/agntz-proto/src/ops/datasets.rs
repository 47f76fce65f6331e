use bytes::Bytes;
use http::{Method, Request, Response};
use serde::Serialize;

use super::{expect_no_content, require_id, Operation, Paginated};
use crate::body::WholeBody;
use crate::config::Config;
use crate::encode::{append_query, Segment};
use crate::error::Error;
use crate::request::{self, JSON};
use crate::response::parse_json;
use crate::retry::CallKind;
use crate::types::dataset::check_items;
use crate::types::{
    json_body, Dataset, DatasetDraft, DatasetImport, DatasetImportStart, DatasetItem,
    DatasetItemsPage, DatasetItemsQuery,
};

/// Most items one `POST /dataset-imports/{id}/items` may carry.
pub const MAX_IMPORT_CHUNK: usize = 1_000;

fn dataset_path(id: &str, suffix: &str) -> Result<String, Error> {
    let id = require_id("dataset id", id)?;
    Ok(format!("/datasets/{}{suffix}", Segment(id)))
}

fn import_path(id: &str, suffix: &str) -> Result<String, Error> {
    let id = require_id("dataset import id", id)?;
    Ok(format!("/dataset-imports/{}{suffix}", Segment(id)))
}

/// `GET /datasets[?agentId=]`: every dataset's head record, newest update
/// first (a bare array, no pagination).
#[derive(Debug, Clone, Default)]
pub struct ListDatasets {
    agent_id: Option<String>,
}

impl ListDatasets {
    /// All datasets.
    pub fn new() -> Self {
        ListDatasets::default()
    }

    /// Only datasets of `agent_id`.
    pub fn agent_id(mut self, agent_id: impl Into<String>) -> Self {
        self.agent_id = Some(agent_id.into());
        self
    }
}

impl Operation for ListDatasets {
    type Output = Vec<Dataset>;
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let mut path = String::from("/datasets");
        append_query(&mut path, self.agent_id.as_deref().map(|a| ("agentId", a)));
        request::build(config, Method::GET, &path, None, JSON)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<Vec<Dataset>, Error> {
        parse_json(&response)
    }
}

/// `POST /datasets`: creates a dataset, or replaces an existing id with a
/// new version holding exactly the draft's fields. Answered `201` with the
/// normalized draft (ids filled in), which lacks the stored `version`,
/// `createdAt` and `itemCount`: [`GetDataset`] has them.
#[derive(Debug, Clone)]
pub struct CreateDataset {
    draft: DatasetDraft,
}

impl CreateDataset {
    /// The operation for `draft`.
    pub fn new(draft: DatasetDraft) -> Self {
        CreateDataset { draft }
    }
}

impl Operation for CreateDataset {
    type Output = Dataset;
    // Every write publishes another version; not repeated blindly.
    const KIND: CallKind = CallKind::StartsWork;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        if self
            .draft
            .id
            .as_deref()
            .is_some_and(|id| require_id("dataset id", id).is_err())
        {
            return Err(Error::invalid(
                "dataset id must not be empty, \".\" or \"..\"",
            ));
        }
        let body = self.draft.to_body()?;
        request::build(config, Method::POST, "/datasets", Some(body), JSON)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<Dataset, Error> {
        parse_json(&response)
    }
}

/// `GET /datasets/{id}`: the head record (with `itemCount`, `version`,
/// `createdAt`, `updatedAt`). Unknown and other tenants' ids are 404.
#[derive(Debug, Clone)]
pub struct GetDataset {
    id: String,
}

impl GetDataset {
    /// The operation for dataset `id`.
    pub fn new(id: impl Into<String>) -> Self {
        GetDataset { id: id.into() }
    }
}

impl Operation for GetDataset {
    type Output = Dataset;
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let path = dataset_path(&self.id, "")?;
        request::build(config, Method::GET, &path, None, JSON)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<Dataset, Error> {
        parse_json(&response)
    }
}

/// `PUT /datasets/{id}`: merges the draft's fields over the stored head
/// record and publishes a new version. The echo carries the **previous**
/// version's `version`; the draft's `id`, if any, is overridden by the path.
#[derive(Debug, Clone)]
pub struct UpdateDataset {
    id: String,
    patch: DatasetDraft,
}

impl UpdateDataset {
    /// The operation for dataset `id` with `patch`.
    pub fn new(id: impl Into<String>, patch: DatasetDraft) -> Self {
        UpdateDataset {
            id: id.into(),
            patch,
        }
    }
}

impl Operation for UpdateDataset {
    type Output = Dataset;
    // Publishes another version each time.
    const KIND: CallKind = CallKind::StartsWork;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let path = dataset_path(&self.id, "")?;
        let body = self.patch.to_body()?;
        request::build(config, Method::PUT, &path, Some(body), JSON)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<Dataset, Error> {
        parse_json(&response)
    }
}

/// `DELETE /datasets/{id}` (`204`, also for an unknown id): removes the
/// dataset with its versions and aliases.
#[derive(Debug, Clone)]
pub struct DeleteDataset {
    id: String,
}

impl DeleteDataset {
    /// The operation for dataset `id`.
    pub fn new(id: impl Into<String>) -> Self {
        DeleteDataset { id: id.into() }
    }
}

impl Operation for DeleteDataset {
    type Output = ();
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let path = dataset_path(&self.id, "")?;
        request::build(config, Method::DELETE, &path, None, JSON)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<(), Error> {
        expect_no_content(&response)
    }
}

/// `GET /datasets/{id}/items`: one page of a dataset's items (the reliable
/// way to read them). An unknown version gives an empty page; an unknown
/// dataset is 404.
#[derive(Debug, Clone)]
pub struct ListDatasetItems {
    id: String,
    query: DatasetItemsQuery,
}

impl ListDatasetItems {
    /// The operation for dataset `id` and `query`.
    pub fn new(id: impl Into<String>, query: DatasetItemsQuery) -> Self {
        ListDatasetItems {
            id: id.into(),
            query,
        }
    }
}

impl Operation for ListDatasetItems {
    type Output = DatasetItemsPage;
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let mut path = dataset_path(&self.id, "/items")?;
        let q = &self.query;
        let limit = q.limit.map(|l| l.to_string());
        let pairs = [
            ("version", q.version.as_deref()),
            ("limit", limit.as_deref()),
            ("cursor", q.cursor.as_deref()),
        ];
        append_query(
            &mut path,
            pairs.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))),
        );
        request::build(config, Method::GET, &path, None, JSON)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<DatasetItemsPage, Error> {
        parse_json(&response)
    }
}

impl Paginated for ListDatasetItems {
    type Row = DatasetItem;

    fn with_cursor(&self, cursor: String) -> Self {
        let mut next = self.clone();
        next.query.cursor = Some(cursor);
        next
    }

    fn into_parts(page: DatasetItemsPage) -> (Vec<DatasetItem>, Option<String>) {
        (page.rows, page.cursor)
    }
}

/// `POST /dataset-imports`: opens a staged import (`201`).
#[derive(Debug, Clone)]
pub struct StartDatasetImport {
    start: DatasetImportStart,
}

impl StartDatasetImport {
    /// The operation for `start`.
    pub fn new(start: DatasetImportStart) -> Self {
        StartDatasetImport { start }
    }
}

impl Operation for StartDatasetImport {
    type Output = DatasetImport;
    // Every call opens another import.
    const KIND: CallKind = CallKind::StartsWork;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let body = json_body(&self.start)?;
        request::build(config, Method::POST, "/dataset-imports", Some(body), JSON)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<DatasetImport, Error> {
        parse_json(&response)
    }
}

/// `POST /dataset-imports/{id}/items`: appends one chunk of at most
/// [`MAX_IMPORT_CHUNK`] items, each with an id not used before in the
/// import.
#[derive(Debug, Clone)]
pub struct AppendDatasetImportItems {
    import_id: String,
    items: Vec<DatasetItem>,
}

impl AppendDatasetImportItems {
    /// The operation appending `items` to import `import_id`.
    pub fn new(import_id: impl Into<String>, items: Vec<DatasetItem>) -> Self {
        AppendDatasetImportItems {
            import_id: import_id.into(),
            items,
        }
    }
}

#[derive(Serialize)]
struct ItemsBody<'a> {
    items: &'a [DatasetItem],
}

impl Operation for AppendDatasetImportItems {
    type Output = DatasetImport;
    // A repeated chunk is refused (duplicate ids), so never repeated blindly.
    const KIND: CallKind = CallKind::StartsWork;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let path = import_path(&self.import_id, "/items")?;
        if self.items.len() > MAX_IMPORT_CHUNK {
            return Err(Error::invalid(format!(
                "an import chunk may carry at most {MAX_IMPORT_CHUNK} items, not {}",
                self.items.len()
            )));
        }
        check_items(&self.items, false)?;
        let body = json_body(&ItemsBody { items: &self.items })?;
        request::build(config, Method::POST, &path, Some(body), JSON)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<DatasetImport, Error> {
        parse_json(&response)
    }
}

/// `POST /dataset-imports/{id}/complete`: publishes the staged items as the
/// dataset's new active version (`201`). Completing twice returns the same
/// dataset.
#[derive(Debug, Clone)]
pub struct CompleteDatasetImport {
    import_id: String,
}

impl CompleteDatasetImport {
    /// The operation for import `import_id`.
    pub fn new(import_id: impl Into<String>) -> Self {
        CompleteDatasetImport {
            import_id: import_id.into(),
        }
    }
}

impl Operation for CompleteDatasetImport {
    type Output = Dataset;
    // The worker answers a repeat with the dataset it already published.
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let path = import_path(&self.import_id, "/complete")?;
        request::build(config, Method::POST, &path, None, JSON)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<Dataset, Error> {
        parse_json(&response)
    }
}

/// `GET /dataset-imports/{id}`: a staged import's state.
#[derive(Debug, Clone)]
pub struct GetDatasetImport {
    import_id: String,
}

impl GetDatasetImport {
    /// The operation for import `import_id`.
    pub fn new(import_id: impl Into<String>) -> Self {
        GetDatasetImport {
            import_id: import_id.into(),
        }
    }
}

impl Operation for GetDatasetImport {
    type Output = DatasetImport;
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let path = import_path(&self.import_id, "")?;
        request::build(config, Method::GET, &path, None, JSON)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<DatasetImport, Error> {
        parse_json(&response)
    }
}

/// `DELETE /dataset-imports/{id}` (`204`, also for an unknown id):
/// abandons a staged import.
#[derive(Debug, Clone)]
pub struct AbortDatasetImport {
    import_id: String,
}

impl AbortDatasetImport {
    /// The operation for import `import_id`.
    pub fn new(import_id: impl Into<String>) -> Self {
        AbortDatasetImport {
            import_id: import_id.into(),
        }
    }
}

impl Operation for AbortDatasetImport {
    type Output = ();
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let path = import_path(&self.import_id, "")?;
        request::build(config, Method::DELETE, &path, None, JSON)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<(), Error> {
        expect_no_content(&response)
    }
}
