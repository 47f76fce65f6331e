use futures_core::Stream;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use super::wait::poll_until;
use super::{Client, Pages, Wait};
use crate::config::{ApiKey, Config};
use crate::error::Error;
use crate::jsonl::JsonLines;
use crate::ops::{
    ActivateBatchVersion, CancelBatchRun, CompareBatchRuns, CreateBatch, DeleteBatch,
    DeleteBatchRun, GetBatch, GetBatchResults, GetBatchRun, GetBatchVersion, ListBatchItems,
    ListBatchRuns, ListBatchVersions, ListBatches, Operation, RemoveBatchAlias, SetBatchAlias,
    StartBatchRun, UpdateBatch,
};
use crate::redact::Redactor;
use crate::response::api_error_of;
use crate::trace::Trace;
use crate::transport::Transport;
use crate::types::{
    BatchAlias, BatchAliasRemoved, BatchComparison, BatchDefinition, BatchItemPage,
    BatchItemsQuery, BatchRun, BatchRunFilter, BatchRunItem, BatchRunPage, BatchRunRequest,
    BatchSummary, BatchVersionSummary,
};

/// Provider-native batches: definitions (versioned YAML manifests) and
/// batch runs. Get one with [`Client::batches`].
#[derive(Debug)]
pub struct Batches<'a, T> {
    client: &'a Client<T>,
}

impl<'a, T: Transport> Batches<'a, T> {
    pub(crate) fn new(client: &'a Client<T>) -> Self {
        Batches { client }
    }

    /// `GET /batches`: every batch, newest update first.
    pub async fn list(&self) -> Result<Vec<BatchSummary>, Error> {
        self.client.execute(&ListBatches::new()).await
    }

    /// `POST /batches`: creates a batch from its YAML manifest.
    pub async fn create(&self, manifest: &str) -> Result<BatchDefinition, Error> {
        self.client.execute(&CreateBatch::new(manifest)).await
    }

    /// `GET /batches/{id}`: the active definition.
    pub async fn get(&self, batch_id: &str) -> Result<BatchDefinition, Error> {
        self.client.execute(&GetBatch::new(batch_id)).await
    }

    /// `PUT /batches/{id}`: publishes a new active version.
    pub async fn update(&self, batch_id: &str, manifest: &str) -> Result<BatchDefinition, Error> {
        self.client
            .execute(&UpdateBatch::new(batch_id, manifest))
            .await
    }

    /// `DELETE /batches/{id}` (succeeds for an unknown id too).
    pub async fn delete(&self, batch_id: &str) -> Result<(), Error> {
        self.client.execute(&DeleteBatch::new(batch_id)).await
    }

    /// `GET /batches/{id}/versions`: newest first.
    pub async fn versions(&self, batch_id: &str) -> Result<Vec<BatchVersionSummary>, Error> {
        self.client.execute(&ListBatchVersions::new(batch_id)).await
    }

    /// `GET /batches/{id}/versions/{version}` (`version`: a timestamp,
    /// `latest`, or an alias).
    pub async fn get_version(
        &self,
        batch_id: &str,
        version: &str,
    ) -> Result<BatchDefinition, Error> {
        self.client
            .execute(&GetBatchVersion::new(batch_id, version))
            .await
    }

    /// `POST /batches/{id}/versions/{version}/activate`: the new head.
    pub async fn activate_version(
        &self,
        batch_id: &str,
        version: &str,
    ) -> Result<BatchDefinition, Error> {
        self.client
            .execute(&ActivateBatchVersion::new(batch_id, version))
            .await
    }

    /// `PUT /batches/{id}/aliases/{alias}`: points `alias` at `version`.
    pub async fn set_alias(
        &self,
        batch_id: &str,
        alias: &str,
        version: &str,
    ) -> Result<BatchAlias, Error> {
        self.client
            .execute(&SetBatchAlias::new(batch_id, alias, version))
            .await
    }

    /// `DELETE /batches/{id}/aliases/{alias}`.
    pub async fn remove_alias(
        &self,
        batch_id: &str,
        alias: &str,
    ) -> Result<BatchAliasRemoved, Error> {
        self.client
            .execute(&RemoveBatchAlias::new(batch_id, alias))
            .await
    }

    /// `POST /batch-runs`: submits a run. Never retried after the request
    /// may have reached the worker; set
    /// [`BatchRunRequest::idempotency_key`] to make your own retries safe.
    pub async fn run(&self, request: BatchRunRequest) -> Result<BatchRun, Error> {
        self.client.execute(&StartBatchRun::new(request)).await
    }

    /// `GET /batch-runs/{id}`.
    pub async fn get_run(&self, run_id: &str) -> Result<BatchRun, Error> {
        self.client.execute(&GetBatchRun::new(run_id)).await
    }

    /// Polls `GET /batch-runs/{id}` until the run is terminal, and returns
    /// it. `wait` bounds the whole wait (an [`Error::Timeout`] of kind
    /// [`TimeoutKind::Wait`](crate::TimeoutKind::Wait) when it runs out;
    /// the run goes on) and sets the pause between polls. Provider batches
    /// can take hours: choose the bound to match.
    pub async fn wait_for_run(&self, run_id: &str, wait: Wait) -> Result<BatchRun, Error> {
        poll_until(
            self.client,
            wait,
            || self.get_run(run_id),
            BatchRun::is_terminal,
        )
        .await
    }

    /// `GET /batch-runs`: one page, newest first.
    pub async fn list_runs(&self, filter: BatchRunFilter) -> Result<BatchRunPage, Error> {
        self.client.execute(&ListBatchRuns::new(filter)).await
    }

    /// Every batch run matching `filter`, across pages, fetched lazily.
    pub fn list_all_runs(&self, filter: BatchRunFilter) -> Pages<T, ListBatchRuns> {
        Pages::new(self.client.clone(), ListBatchRuns::new(filter))
    }

    /// `POST /batch-runs/{id}/cancel`.
    pub async fn cancel(&self, run_id: &str) -> Result<BatchRun, Error> {
        self.client.execute(&CancelBatchRun::new(run_id)).await
    }

    /// `DELETE /batch-runs/{id}` (`409` unless the run is finished).
    pub async fn delete_run(&self, run_id: &str) -> Result<(), Error> {
        self.client.execute(&DeleteBatchRun::new(run_id)).await
    }

    /// `GET /batch-runs/{id}/items`: one page, by ordinal.
    pub async fn items(
        &self,
        run_id: &str,
        query: BatchItemsQuery,
    ) -> Result<BatchItemPage, Error> {
        self.client
            .execute(&ListBatchItems::new(run_id, query))
            .await
    }

    /// Every item of a run, across pages, fetched lazily.
    pub fn all_items(&self, run_id: &str, query: BatchItemsQuery) -> Pages<T, ListBatchItems> {
        Pages::new(self.client.clone(), ListBatchItems::new(run_id, query))
    }

    /// `GET /batch-runs/{id}/results.jsonl`, read whole (bounded by
    /// [`Limits::max_response_bytes`](crate::config::Limits)) and decoded.
    pub async fn results(&self, run_id: &str) -> Result<Vec<BatchRunItem>, Error> {
        self.client.execute(&GetBatchResults::new(run_id)).await
    }

    /// `GET /batch-runs/{id}/results.jsonl` as a stream of items, decoded
    /// line by line as the body arrives (memory bounded by the longest line,
    /// at most [`Limits::max_event_bytes`](crate::config::Limits)). Failures
    /// before the body starts are retried like any read.
    pub async fn results_stream(&self, run_id: &str) -> Result<BatchResults<T>, Error> {
        let op = GetBatchResults::new(run_id);
        let trace = Trace::stream::<GetBatchResults>();
        let opening = async {
            let mut retries = 0;
            loop {
                let request = op.build(&self.client.config)?;
                trace.sending(&self.client.config, &request, retries + 1);
                match self.open_results(request, &trace).await {
                    Ok(body) => return Ok(body),
                    Err(e) => {
                        retries = self
                            .client
                            .backoff(<GetBatchResults as Operation>::KIND, retries, e, &trace)
                            .await?
                    }
                }
            }
        };
        match trace.instrument(opening).await {
            Ok(body) => {
                let max = self.client.config.limits().max_event_bytes;
                Ok(BatchResults {
                    body: Some(body),
                    lines: JsonLines::new(max),
                    config: self.client.config.clone(),
                    trace,
                })
            }
            Err(e) => {
                let e = self.client.redactor().error(e);
                trace.failed(&e);
                Err(e)
            }
        }
    }

    async fn open_results(
        &self,
        request: http::Request<bytes::Bytes>,
        trace: &Trace,
    ) -> Result<T::Body, Error> {
        let response = self.client.send(request, trace).await?;
        let (parts, mut body) = response.into_parts();
        if parts.status.is_success() {
            return Ok(body);
        }
        let whole = self.client.read_whole(&mut body, &parts.headers).await?;
        Err(api_error_of(parts.status, &parts.headers, &whole))
    }

    /// `GET /batch-runs/compare`: one page of two runs joined by item id.
    pub async fn compare(
        &self,
        left_run_id: &str,
        right_run_id: &str,
        query: BatchItemsQuery,
    ) -> Result<BatchComparison, Error> {
        self.client
            .execute(&CompareBatchRuns::new(left_run_id, right_run_id, query))
            .await
    }
}

/// The items of `results.jsonl`, decoded one line at a time while the body
/// streams in. Ends after the last line; a bad line is an
/// [`Error::Decode`] naming it, after which the stream ends.
pub struct BatchResults<T: Transport> {
    body: Option<T::Body>,
    lines: JsonLines<BatchRunItem>,
    /// The key to scrub from server text.
    config: Arc<Config>,
    trace: Trace,
}

impl<T: Transport> std::fmt::Debug for BatchResults<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchResults")
            .field("lines", &self.lines)
            .field("open", &self.body.is_some())
            .finish()
    }
}

impl<T: Transport> BatchResults<T> {
    /// The next item, `None` at the end.
    pub async fn next(&mut self) -> Option<Result<BatchRunItem, Error>> {
        std::future::poll_fn(|cx| self.poll_item(cx)).await
    }

    /// Reads every remaining item into a `Vec`.
    pub async fn collect_all(mut self) -> Result<Vec<BatchRunItem>, Error> {
        let mut all = Vec::new();
        while let Some(item) = self.next().await {
            all.push(item?);
        }
        Ok(all)
    }

    /// The next item with the client's key scrubbed from its server text.
    fn poll_item(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<BatchRunItem, Error>>> {
        let item = std::task::ready!(self.poll_raw(cx));
        let redactor = Redactor::new(self.config.api_key().map(ApiKey::expose));
        Poll::Ready(item.map(|item| redactor.item(item)))
    }

    fn poll_raw(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<BatchRunItem, Error>>> {
        loop {
            if let Some(item) = self.lines.next() {
                match &item {
                    Ok(_) => self.trace.item(),
                    Err(e) => {
                        self.trace.failed(e);
                        self.body = None;
                    }
                }
                return Poll::Ready(Some(item));
            }
            let Some(body) = self.body.as_mut() else {
                return Poll::Ready(None);
            };
            match Pin::new(body).poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Ok(chunk))) => self.lines.feed(&chunk),
                Poll::Ready(Some(Err(e))) => {
                    self.trace.failed(&e);
                    self.body = None;
                    return Poll::Ready(Some(Err(e)));
                }
                Poll::Ready(None) => {
                    self.body = None;
                    let last = self.lines.finish();
                    match &last {
                        Some(Ok(_)) => self.trace.item(),
                        Some(Err(e)) => self.trace.failed(e),
                        None => {}
                    }
                    return Poll::Ready(last);
                }
            }
        }
    }
}

impl<T: Transport> Stream for BatchResults<T> {
    type Item = Result<BatchRunItem, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_item(cx)
    }
}
