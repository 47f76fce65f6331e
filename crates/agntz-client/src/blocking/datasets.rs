use agntz_proto::ops::ListDatasetItems;
use agntz_proto::types::{AliasRemoved, VersionAlias, VersionSummary};
use agntz_proto::types::{
    Dataset, DatasetDraft, DatasetImport, DatasetImportInput, DatasetItemsPage, DatasetItemsQuery,
};

use super::macros::resource;
use super::Pages;

resource! {
    /// Datasets: the cases evals run an agent on. Get one with
    /// [`AgntzClient::datasets`](super::AgntzClient::datasets).
    Datasets => datasets;
    call fn list() -> Vec<Dataset>;
    call fn list_for_agent(agent_id: &str) -> Vec<Dataset>;
    call fn create(draft: DatasetDraft) -> Dataset;
    call fn get(dataset_id: &str) -> Dataset;
    call fn update(dataset_id: &str, patch: DatasetDraft) -> Dataset;
    call fn delete(dataset_id: &str) -> ();
    call fn items(dataset_id: &str, query: DatasetItemsQuery) -> DatasetItemsPage;
    pages fn items_all(dataset_id: &str, query: DatasetItemsQuery) -> Pages<T, ListDatasetItems>;
    call fn versions(dataset_id: &str) -> Vec<VersionSummary>;
    call fn get_version(dataset_id: &str, version: &str) -> Dataset;
    call fn activate_version(dataset_id: &str, version: &str) -> Dataset;
    call fn set_alias(dataset_id: &str, alias: &str, version: &str) -> VersionAlias;
    call fn remove_alias(dataset_id: &str, alias: &str) -> AliasRemoved;
    call fn get_import(import_id: &str) -> DatasetImport;
    call fn import(input: DatasetImportInput) -> Dataset;
}
