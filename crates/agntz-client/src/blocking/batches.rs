use agntz_proto::client::Wait;

use agntz_proto::ops::{ListBatchItems, ListBatchRuns};
use agntz_proto::types::{
    BatchAlias, BatchAliasRemoved, BatchComparison, BatchDefinition, BatchItemPage,
    BatchItemsQuery, BatchRun, BatchRunFilter, BatchRunItem, BatchRunPage, BatchRunRequest,
    BatchSummary, BatchVersionSummary,
};

use super::macros::resource;
use super::{BatchResults, Pages};

resource! {
    /// Provider-native batches: definitions (versioned YAML manifests) and
    /// batch runs. Get one with [`AgntzClient::batches`](super::AgntzClient::batches).
    Batches => batches;
    call fn list() -> Vec<BatchSummary>;
    call fn create(manifest: &str) -> BatchDefinition;
    call fn get(batch_id: &str) -> BatchDefinition;
    call fn update(batch_id: &str, manifest: &str) -> BatchDefinition;
    call fn delete(batch_id: &str) -> ();
    call fn versions(batch_id: &str) -> Vec<BatchVersionSummary>;
    call fn get_version(batch_id: &str, version: &str) -> BatchDefinition;
    call fn activate_version(batch_id: &str, version: &str) -> BatchDefinition;
    call fn set_alias(batch_id: &str, alias: &str, version: &str) -> BatchAlias;
    call fn remove_alias(batch_id: &str, alias: &str) -> BatchAliasRemoved;
    call fn run(request: BatchRunRequest) -> BatchRun;
    call fn get_run(run_id: &str) -> BatchRun;
    call fn wait_for_run(run_id: &str, wait: Wait) -> BatchRun;
    call fn list_runs(filter: BatchRunFilter) -> BatchRunPage;
    pages fn list_all_runs(filter: BatchRunFilter) -> Pages<T, ListBatchRuns>;
    call fn cancel(run_id: &str) -> BatchRun;
    call fn delete_run(run_id: &str) -> ();
    call fn items(run_id: &str, query: BatchItemsQuery) -> BatchItemPage;
    pages fn all_items(run_id: &str, query: BatchItemsQuery) -> Pages<T, ListBatchItems>;
    call fn results(run_id: &str) -> Vec<BatchRunItem>;
    stream fn results_stream(run_id: &str) -> BatchResults<T>;
    call fn compare(
        left_run_id: &str,
        right_run_id: &str,
        query: BatchItemsQuery,
    ) -> BatchComparison;
}
