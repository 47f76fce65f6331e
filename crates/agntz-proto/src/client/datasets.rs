use super::{Client, Pages};
use crate::error::Error;
use crate::ops::{
    AbortDatasetImport, AppendDatasetImportItems, CompleteDatasetImport, CreateDataset,
    DeleteDataset, GetDataset, GetDatasetImport, ListDatasetItems, ListDatasets,
    StartDatasetImport, UpdateDataset, MAX_IMPORT_CHUNK,
};
use crate::ops::{
    ActivateDatasetVersion, GetDatasetVersion, ListDatasetVersions, RemoveDatasetAlias,
    SetDatasetAlias,
};
use crate::transport::Transport;
use crate::types::{AliasRemoved, VersionAlias, VersionSummary};
use crate::types::{
    Dataset, DatasetDraft, DatasetImport, DatasetImportInput, DatasetItem, DatasetItemsPage,
    DatasetItemsQuery,
};

/// Datasets: the cases evals run an agent on. Get one with
/// [`Client::datasets`].
///
/// Validation failures of create and update come back from the worker as
/// a plain-text 500 ([`Error::Api`] with the message `HTTP 500`), so this
/// SDK checks item inputs and ids before sending.
#[derive(Debug)]
pub struct Datasets<'a, T> {
    client: &'a Client<T>,
}

impl<'a, T: Transport> Datasets<'a, T> {
    pub(crate) fn new(client: &'a Client<T>) -> Self {
        Datasets { client }
    }

    /// `GET /datasets`: every dataset's head record, newest update first.
    pub async fn list(&self) -> Result<Vec<Dataset>, Error> {
        self.client.execute(&ListDatasets::new()).await
    }

    /// `GET /datasets?agentId=`: the datasets of one agent.
    pub async fn list_for_agent(&self, agent_id: &str) -> Result<Vec<Dataset>, Error> {
        self.client
            .execute(&ListDatasets::new().agent_id(agent_id))
            .await
    }

    /// `POST /datasets`: creates the dataset, or replaces an existing id
    /// with a new version holding exactly `draft`. Returns the normalized
    /// echo (generated ids filled in, no `version` or `itemCount`).
    pub async fn create(&self, draft: DatasetDraft) -> Result<Dataset, Error> {
        self.client.execute(&CreateDataset::new(draft)).await
    }

    /// `GET /datasets/{id}`: the stored head record. Unknown ids are
    /// [`Error::NotFound`].
    pub async fn get(&self, dataset_id: &str) -> Result<Dataset, Error> {
        self.client.execute(&GetDataset::new(dataset_id)).await
    }

    /// `PUT /datasets/{id}`: merges `patch` over the stored dataset and
    /// publishes a new version. Unknown ids are [`Error::NotFound`].
    pub async fn update(&self, dataset_id: &str, patch: DatasetDraft) -> Result<Dataset, Error> {
        self.client
            .execute(&UpdateDataset::new(dataset_id, patch))
            .await
    }

    /// `DELETE /datasets/{id}`: removes the dataset, its versions and
    /// aliases. Succeeds for unknown ids too.
    pub async fn delete(&self, dataset_id: &str) -> Result<(), Error> {
        self.client.execute(&DeleteDataset::new(dataset_id)).await
    }

    /// `GET /datasets/{id}/items`: one page of items.
    pub async fn items(
        &self,
        dataset_id: &str,
        query: DatasetItemsQuery,
    ) -> Result<DatasetItemsPage, Error> {
        self.client
            .execute(&ListDatasetItems::new(dataset_id, query))
            .await
    }

    /// Every item of the dataset from `query`'s cursor on, fetching pages
    /// as the stream is read.
    pub fn items_all(
        &self,
        dataset_id: &str,
        query: DatasetItemsQuery,
    ) -> Pages<T, ListDatasetItems> {
        Pages::new(
            self.client.clone(),
            ListDatasetItems::new(dataset_id, query),
        )
    }

    /// `GET /datasets/{id}/versions`: every version, newest first, with
    /// its aliases and when it was last activated.
    pub async fn versions(&self, dataset_id: &str) -> Result<Vec<VersionSummary>, Error> {
        self.client
            .execute(&ListDatasetVersions::new(dataset_id))
            .await
    }

    /// `GET /datasets/{id}/versions/{version}`: the record at `version`
    /// (an exact timestamp, `latest` for the newest version, or an alias).
    /// An unknown version is [`Error::NotFound`].
    pub async fn get_version(&self, dataset_id: &str, version: &str) -> Result<Dataset, Error> {
        self.client
            .execute(&GetDatasetVersion::new(dataset_id, version))
            .await
    }

    /// `POST /datasets/{id}/versions/{version}/activate`: makes `version`
    /// the active one and returns the new head record.
    pub async fn activate_version(
        &self,
        dataset_id: &str,
        version: &str,
    ) -> Result<Dataset, Error> {
        self.client
            .execute(&ActivateDatasetVersion::new(dataset_id, version))
            .await
    }

    /// `PUT /datasets/{id}/aliases/{alias}`: points `alias` at `version`.
    /// (An alias named `latest` is accepted but never wins over the newest
    /// version in a lookup.)
    pub async fn set_alias(
        &self,
        dataset_id: &str,
        alias: &str,
        version: &str,
    ) -> Result<VersionAlias, Error> {
        self.client
            .execute(&SetDatasetAlias::new(dataset_id, alias, version))
            .await
    }

    /// `DELETE /datasets/{id}/aliases/{alias}` (succeeds for an unknown
    /// alias too).
    pub async fn remove_alias(&self, dataset_id: &str, alias: &str) -> Result<AliasRemoved, Error> {
        self.client
            .execute(&RemoveDatasetAlias::new(dataset_id, alias))
            .await
    }

    /// `GET /dataset-imports/{id}`: a staged import's state.
    pub async fn get_import(&self, import_id: &str) -> Result<DatasetImport, Error> {
        self.client.execute(&GetDatasetImport::new(import_id)).await
    }

    /// Imports a dataset through a staged import and returns the published
    /// dataset:
    ///
    /// 1. parses and validates the source (nothing is sent if that fails);
    /// 2. `POST /dataset-imports` with the dataset's fields;
    /// 3. `POST /dataset-imports/{id}/items` per chunk of 1,000 items, in
    ///    order;
    /// 4. `POST /dataset-imports/{id}/complete`.
    ///
    /// If step 3 or 4 fails, the staged import is abandoned with a
    /// best-effort `DELETE /dataset-imports/{id}` (its own failure is
    /// ignored) and the original error is returned.
    pub async fn import(&self, input: DatasetImportInput) -> Result<Dataset, Error> {
        let items = input.parse_items()?;
        let staged = self
            .client
            .execute(&StartDatasetImport::new(input.dataset.clone()))
            .await?;
        match self.publish(&staged.id, items).await {
            Ok(dataset) => Ok(dataset),
            Err(error) => {
                let _ = self
                    .client
                    .execute(&AbortDatasetImport::new(staged.id.as_str()))
                    .await;
                Err(error)
            }
        }
    }

    async fn publish(&self, import_id: &str, items: Vec<DatasetItem>) -> Result<Dataset, Error> {
        let mut items = items.into_iter().peekable();
        while items.peek().is_some() {
            let chunk: Vec<DatasetItem> = items.by_ref().take(MAX_IMPORT_CHUNK).collect();
            self.client
                .execute(&AppendDatasetImportItems::new(import_id, chunk))
                .await?;
        }
        self.client
            .execute(&CompleteDatasetImport::new(import_id))
            .await
    }
}
