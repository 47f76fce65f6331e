use bytes::Bytes;
use http::header::{HeaderValue, ACCEPT};
use http::{Method, Request, Response};
use serde::Serialize;

use super::{expect_no_content, get_with_query, require_id, Operation, Paginated};
use crate::body::WholeBody;
use crate::config::Config;
use crate::encode::Segment;
use crate::error::Error;
use crate::jsonl::JsonLines;
use crate::request::{self, JSON};
use crate::response::{ensure_success, parse_json};
use crate::retry::CallKind;
use crate::types::{
    BatchComparison, BatchDefinition, BatchItemPage, BatchItemsQuery, BatchRun, BatchRunFilter,
    BatchRunItem, BatchRunPage, BatchRunRequest, BatchSummary,
};

fn batch_path(id: &str, suffix: &str) -> Result<String, Error> {
    let id = require_id("batch id", id)?;
    Ok(format!("/batches/{}{suffix}", Segment(id)))
}

fn run_path(id: &str, suffix: &str) -> Result<String, Error> {
    let id = require_id("batch run id", id)?;
    Ok(format!("/batch-runs/{}{suffix}", Segment(id)))
}

#[derive(Serialize)]
struct ManifestBody<'a> {
    manifest: &'a str,
}

fn manifest_body(manifest: &str) -> Result<Bytes, Error> {
    if manifest.trim().is_empty() {
        return Err(Error::invalid("a batch manifest must not be empty"));
    }
    crate::types::json_body(&ManifestBody { manifest })
}

/// Declares a simple operation type holding a few string fields.
macro_rules! op_struct {
    ($(#[$m:meta])* $name:ident { $($field:ident),* }) => {
        $(#[$m])*
        #[derive(Debug, Clone)]
        pub struct $name {
            $($field: String,)*
        }
    };
}

/// `GET /batches`: every batch (newest update first, no manifests).
#[derive(Debug, Clone, Default)]
pub struct ListBatches {
    _priv: (),
}

impl ListBatches {
    /// The operation.
    pub fn new() -> Self {
        ListBatches::default()
    }
}

impl Operation for ListBatches {
    type Output = Vec<BatchSummary>;
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        get_with_query(config, "/batches", &[])
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<Vec<BatchSummary>, Error> {
        parse_json(&response)
    }
}

op_struct!(
    /// `POST /batches` with `{"manifest"}`: creates a batch from its YAML
    /// manifest (`201`). An existing id answers `409`; an invalid manifest
    /// `400`.
    CreateBatch { manifest }
);

impl CreateBatch {
    /// The operation for the YAML `manifest`.
    pub fn new(manifest: impl Into<String>) -> Self {
        CreateBatch {
            manifest: manifest.into(),
        }
    }
}

impl Operation for CreateBatch {
    type Output = BatchDefinition;
    // A repeat after a lost answer would be a 409, not a second batch, but
    // it would turn a success into an error: never retried blindly.
    const KIND: CallKind = CallKind::StartsWork;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let body = manifest_body(&self.manifest)?;
        request::build(config, Method::POST, "/batches", Some(body), JSON)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<BatchDefinition, Error> {
        parse_json(&response)
    }
}

op_struct!(
    /// `GET /batches/{id}`: the active definition (`404 Batch not found`).
    GetBatch { id }
);

impl GetBatch {
    /// The operation for batch `id`.
    pub fn new(id: impl Into<String>) -> Self {
        GetBatch { id: id.into() }
    }
}

impl Operation for GetBatch {
    type Output = BatchDefinition;
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        get_with_query(config, &batch_path(&self.id, "")?, &[])
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<BatchDefinition, Error> {
        parse_json(&response)
    }
}

op_struct!(
    /// `PUT /batches/{id}` with `{"manifest"}`: a new version that becomes
    /// active (the echo carries the new `version`). The manifest's `id`
    /// must equal the path id (`400` otherwise).
    UpdateBatch { id, manifest }
);

impl UpdateBatch {
    /// The operation for batch `id` with the YAML `manifest`.
    pub fn new(id: impl Into<String>, manifest: impl Into<String>) -> Self {
        UpdateBatch {
            id: id.into(),
            manifest: manifest.into(),
        }
    }
}

impl Operation for UpdateBatch {
    type Output = BatchDefinition;
    // Every call writes another version.
    const KIND: CallKind = CallKind::StartsWork;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let path = batch_path(&self.id, "")?;
        let body = manifest_body(&self.manifest)?;
        request::build(config, Method::PUT, &path, Some(body), JSON)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<BatchDefinition, Error> {
        parse_json(&response)
    }
}

op_struct!(
    /// `DELETE /batches/{id}` (`204`, also for an unknown id).
    DeleteBatch { id }
);

impl DeleteBatch {
    /// The operation for batch `id`.
    pub fn new(id: impl Into<String>) -> Self {
        DeleteBatch { id: id.into() }
    }
}

impl Operation for DeleteBatch {
    type Output = ();
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        request::build(
            config,
            Method::DELETE,
            &batch_path(&self.id, "")?,
            None,
            JSON,
        )
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<(), Error> {
        expect_no_content(&response)
    }
}

/// `POST /batch-runs`: submits a batch run (`201`). With an idempotency key
/// (sent as the `Idempotency-Key` header) a repeat returns the existing run
/// instead of submitting again.
///
/// A provider that rejects the submission or cannot be reached gives a
/// `502`, but the run is saved as `failed` and can be listed.
#[derive(Debug, Clone)]
pub struct StartBatchRun {
    request: BatchRunRequest,
}

impl StartBatchRun {
    /// The operation for `request`.
    pub fn new(request: BatchRunRequest) -> Self {
        StartBatchRun { request }
    }
}

impl Operation for StartBatchRun {
    type Output = BatchRun;
    // Every call without a key submits a provider job. (With a key a repeat
    // is harmless, but the kind is static: use the key to make your own
    // retries safe.)
    const KIND: CallKind = CallKind::StartsWork;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let body = self.request.to_body()?;
        let mut request = request::build(config, Method::POST, "/batch-runs", Some(body), JSON)?;
        if let Some(key) = &self.request.idempotency_key {
            let value = HeaderValue::from_str(key)
                .map_err(|_| Error::invalid("the idempotency key is not a valid header value"))?;
            request.headers_mut().insert("idempotency-key", value);
        }
        Ok(request)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<BatchRun, Error> {
        parse_json(&response)
    }
}

op_struct!(
    /// `GET /batch-runs/{id}` (`404 Batch run not found`).
    GetBatchRun { id }
);

impl GetBatchRun {
    /// The operation for batch run `id`.
    pub fn new(id: impl Into<String>) -> Self {
        GetBatchRun { id: id.into() }
    }
}

impl Operation for GetBatchRun {
    type Output = BatchRun;
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        get_with_query(config, &run_path(&self.id, "")?, &[])
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<BatchRun, Error> {
        parse_json(&response)
    }
}

/// `GET /batch-runs` with filters; one page, newest first.
#[derive(Debug, Clone, Default)]
pub struct ListBatchRuns {
    filter: BatchRunFilter,
}

impl ListBatchRuns {
    /// The operation for `filter`.
    pub fn new(filter: BatchRunFilter) -> Self {
        ListBatchRuns { filter }
    }
}

impl Operation for ListBatchRuns {
    type Output = BatchRunPage;
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        get_with_query(config, "/batch-runs", &self.filter.to_query_pairs())
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<BatchRunPage, Error> {
        parse_json(&response)
    }
}

impl Paginated for ListBatchRuns {
    type Row = BatchRun;

    fn with_cursor(&self, cursor: String) -> Self {
        ListBatchRuns {
            filter: self.filter.clone().cursor(cursor),
        }
    }

    fn into_parts(page: BatchRunPage) -> (Vec<BatchRun>, Option<String>) {
        (page.rows, page.next_cursor)
    }
}

op_struct!(
    /// `POST /batch-runs/{id}/cancel` (no body): a run not yet submitted
    /// becomes `cancelled`, a submitted one `cancelling` (the provider is
    /// asked to cancel; `502` if that fails); a finished run comes back
    /// unchanged.
    CancelBatchRun { id }
);

impl CancelBatchRun {
    /// The operation for batch run `id`.
    pub fn new(id: impl Into<String>) -> Self {
        CancelBatchRun { id: id.into() }
    }
}

impl Operation for CancelBatchRun {
    type Output = BatchRun;
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let path = run_path(&self.id, "/cancel")?;
        request::build(config, Method::POST, &path, None, JSON)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<BatchRun, Error> {
        parse_json(&response)
    }
}

op_struct!(
    /// `DELETE /batch-runs/{id}` (`204`). A run that is not `completed`,
    /// `failed`, `expired` or `cancelled` answers `409` (cancel it first).
    DeleteBatchRun { id }
);

impl DeleteBatchRun {
    /// The operation for batch run `id`.
    pub fn new(id: impl Into<String>) -> Self {
        DeleteBatchRun { id: id.into() }
    }
}

impl Operation for DeleteBatchRun {
    type Output = ();
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        request::build(config, Method::DELETE, &run_path(&self.id, "")?, None, JSON)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<(), Error> {
        expect_no_content(&response)
    }
}

/// `GET /batch-runs/{id}/items`: one page of items, by ordinal.
#[derive(Debug, Clone)]
pub struct ListBatchItems {
    id: String,
    query: BatchItemsQuery,
}

impl ListBatchItems {
    /// The operation for the items of run `id`.
    pub fn new(id: impl Into<String>, query: BatchItemsQuery) -> Self {
        ListBatchItems {
            id: id.into(),
            query,
        }
    }
}

impl Operation for ListBatchItems {
    type Output = BatchItemPage;
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let mut pairs = Vec::new();
        self.query.push_pairs(&mut pairs, true);
        get_with_query(config, &run_path(&self.id, "/items")?, &pairs)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<BatchItemPage, Error> {
        parse_json(&response)
    }
}

impl Paginated for ListBatchItems {
    type Row = BatchRunItem;

    fn with_cursor(&self, cursor: String) -> Self {
        ListBatchItems {
            id: self.id.clone(),
            query: self.query.clone().cursor(cursor),
        }
    }

    fn into_parts(page: BatchItemPage) -> (Vec<BatchRunItem>, Option<String>) {
        (page.rows, page.next_cursor)
    }
}

/// `GET /batch-runs/{id}/results.jsonl` (sent with `Accept:
/// application/x-ndjson`): every item, one JSON object per line, decoded
/// from the whole (size-bounded) body. For large runs prefer the streaming
/// reader of the high-level client.
#[derive(Debug, Clone)]
pub struct GetBatchResults {
    id: String,
}

impl GetBatchResults {
    /// The operation for run `id`.
    pub fn new(id: impl Into<String>) -> Self {
        GetBatchResults { id: id.into() }
    }

    /// The run id.
    pub fn run_id(&self) -> &str {
        &self.id
    }
}

impl Operation for GetBatchResults {
    type Output = Vec<BatchRunItem>;
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let path = run_path(&self.id, "/results.jsonl")?;
        let mut request = request::build(config, Method::GET, &path, None, JSON)?;
        request
            .headers_mut()
            .insert(ACCEPT, HeaderValue::from_static("application/x-ndjson"));
        Ok(request)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<Vec<BatchRunItem>, Error> {
        ensure_success(&response)?;
        // The decoder names 200 (it also serves streamed bodies); the
        // error should carry this response's own 2xx.
        JsonLines::decode_whole(response.body(), usize::MAX).map_err(|mut e| {
            if let Error::Decode(d) = &mut e {
                d.status = response.status();
            }
            e
        })
    }
}

/// `GET /batch-runs/compare?left=&right=`: one page of two runs joined by
/// item id.
#[derive(Debug, Clone)]
pub struct CompareBatchRuns {
    left: String,
    right: String,
    query: BatchItemsQuery,
}

impl CompareBatchRuns {
    /// The operation comparing run `left` with run `right`.
    pub fn new(left: impl Into<String>, right: impl Into<String>, query: BatchItemsQuery) -> Self {
        CompareBatchRuns {
            left: left.into(),
            right: right.into(),
            query,
        }
    }
}

impl Operation for CompareBatchRuns {
    type Output = BatchComparison;
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        if self.left.is_empty() || self.right.is_empty() {
            return Err(Error::invalid("a comparison needs two run ids"));
        }
        let mut pairs = vec![("left", self.left.clone()), ("right", self.right.clone())];
        self.query.push_pairs(&mut pairs, false);
        get_with_query(config, "/batch-runs/compare", &pairs)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<BatchComparison, Error> {
        parse_json(&response)
    }
}

impl Paginated for CompareBatchRuns {
    type Row = crate::types::BatchComparisonRow;

    fn with_cursor(&self, cursor: String) -> Self {
        CompareBatchRuns {
            left: self.left.clone(),
            right: self.right.clone(),
            query: self.query.clone().cursor(cursor),
        }
    }

    fn into_parts(page: BatchComparison) -> (Vec<Self::Row>, Option<String>) {
        (page.rows, page.next_cursor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::BatchInputItem;

    use crate::ops::test_config as config;

    #[test]
    fn requests() {
        let c = config();
        let r = StartBatchRun::new(
            BatchRunRequest::new("b")
                .item(BatchInputItem::new("i", "x"))
                .idempotency_key("k-1"),
        )
        .build(&c)
        .unwrap();
        assert_eq!(r.headers()["idempotency-key"], "k-1");
        assert!(!String::from_utf8_lossy(r.body()).contains("k-1"));
        let r = super::super::GetBatchVersion::new("b", "2026-01-01T00:00:00.000Z")
            .build(&c)
            .unwrap();
        assert_eq!(
            r.uri(),
            "https://api.agntz.co/batches/b/versions/2026-01-01T00%3A00%3A00.000Z"
        );
        let r = CompareBatchRuns::new("l", "r", BatchItemsQuery::new().status("failed").limit(5))
            .build(&c)
            .unwrap();
        assert_eq!(
            r.uri(),
            "https://api.agntz.co/batch-runs/compare?left=l&right=r&limit=5"
        );
        let r = GetBatchResults::new("batchrun_1").build(&c).unwrap();
        assert_eq!(r.headers()[ACCEPT], "application/x-ndjson");
        assert!(CreateBatch::new("  ").build(&c).is_err());
        assert!(super::super::SetBatchAlias::new("b", "prod", "")
            .build(&c)
            .is_err());
        assert!(ListBatchItems::new(".", BatchItemsQuery::new())
            .build(&c)
            .is_err());
    }

    #[test]
    fn results_parse_lines() {
        let op = GetBatchResults::new("r");
        let body = "{\"runId\":\"r\",\"itemId\":\"a\",\"ordinal\":0,\"status\":\"succeeded\",\"output\":\"x\"}\n";
        let resp = Response::builder()
            .status(200)
            .body(WholeBody::from(Bytes::from(body)))
            .unwrap();
        let items = op.parse(resp).unwrap();
        assert_eq!(items[0].output_text(), Some("x"));
        let resp = Response::builder()
            .status(200)
            .body(WholeBody::from(Bytes::from_static(b"{oops\n")))
            .unwrap();
        assert!(matches!(op.parse(resp), Err(Error::Decode(_))));
    }
}
