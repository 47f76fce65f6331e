use super::wait::poll_until;
use super::{Client, Pages, Wait};
use crate::error::Error;
use crate::ops::{
    ActivateEvalVersion, GetEvalVersion, ListEvalVersions, RemoveEvalAlias, SetEvalAlias,
};
use crate::ops::{
    CancelEvalRun, CreateEval, DeleteEval, GetEval, GetEvalRun, GetLatestScore, ListEvalRuns,
    ListEvals, ListLatestScores, StartEvalRun, UpdateEval,
};
use crate::transport::Transport;
use crate::types::{AliasRemoved, VersionAlias, VersionSummary};
use crate::types::{
    EvalDefinition, EvalLatestScore, EvalRun, EvalRunFilter, EvalRunPage, EvalRunRequest,
    LatestScoreFilter, LatestScoreQuery,
};

/// Evals, eval runs and eval scores. Get one with [`Client::evals`].
///
/// Validation failures of `create` and `update` (a missing agent id, an
/// unknown default dataset) come back from the worker as a plain-text
/// `500`, so they surface as [`Error::Api`] with the message `HTTP 500`.
#[derive(Debug)]
pub struct Evals<'a, T> {
    client: &'a Client<T>,
}

impl<'a, T: Transport> Evals<'a, T> {
    pub(crate) fn new(client: &'a Client<T>) -> Self {
        Evals { client }
    }

    /// `GET /evals`: every eval definition.
    pub async fn list(&self) -> Result<Vec<EvalDefinition>, Error> {
        self.client.execute(&ListEvals::new()).await
    }

    /// `GET /evals?agentId=`: the evals of one agent.
    pub async fn list_for_agent(&self, agent_id: &str) -> Result<Vec<EvalDefinition>, Error> {
        self.client
            .execute(&ListEvals::new().agent_id(agent_id))
            .await
    }

    /// `POST /evals`: creates an eval (or a new version of an existing id)
    /// and returns the normalized echo.
    pub async fn create(&self, definition: EvalDefinition) -> Result<EvalDefinition, Error> {
        self.client.execute(&CreateEval::new(definition)).await
    }

    /// `GET /evals/{id}`.
    pub async fn get(&self, eval_id: &str) -> Result<EvalDefinition, Error> {
        self.client.execute(&GetEval::new(eval_id)).await
    }

    /// `PUT /evals/{id}`: merges `patch` (see [`EvalDefinition::patch`])
    /// over the stored definition.
    pub async fn update(
        &self,
        eval_id: &str,
        patch: EvalDefinition,
    ) -> Result<EvalDefinition, Error> {
        self.client.execute(&UpdateEval::new(eval_id, patch)).await
    }

    /// `DELETE /evals/{id}` (succeeds for an unknown id too).
    pub async fn delete(&self, eval_id: &str) -> Result<(), Error> {
        self.client.execute(&DeleteEval::new(eval_id)).await
    }

    /// `GET /evals/{id}/versions`: every version, newest first, with
    /// its aliases and when it was last activated.
    pub async fn versions(&self, eval_id: &str) -> Result<Vec<VersionSummary>, Error> {
        self.client.execute(&ListEvalVersions::new(eval_id)).await
    }

    /// `GET /evals/{id}/versions/{version}`: the record at `version`
    /// (an exact timestamp, `latest` for the newest version, or an alias).
    /// An unknown version is [`Error::NotFound`].
    pub async fn get_version(&self, eval_id: &str, version: &str) -> Result<EvalDefinition, Error> {
        self.client
            .execute(&GetEvalVersion::new(eval_id, version))
            .await
    }

    /// `POST /evals/{id}/versions/{version}/activate`: makes `version`
    /// the active one and returns the new head record.
    pub async fn activate_version(
        &self,
        eval_id: &str,
        version: &str,
    ) -> Result<EvalDefinition, Error> {
        self.client
            .execute(&ActivateEvalVersion::new(eval_id, version))
            .await
    }

    /// `PUT /evals/{id}/aliases/{alias}`: points `alias` at `version`.
    /// (An alias named `latest` is accepted but never wins over the newest
    /// version in a lookup.)
    pub async fn set_alias(
        &self,
        eval_id: &str,
        alias: &str,
        version: &str,
    ) -> Result<VersionAlias, Error> {
        self.client
            .execute(&SetEvalAlias::new(eval_id, alias, version))
            .await
    }

    /// `DELETE /evals/{id}/aliases/{alias}` (succeeds for an unknown
    /// alias too).
    pub async fn remove_alias(&self, eval_id: &str, alias: &str) -> Result<AliasRemoved, Error> {
        self.client
            .execute(&RemoveEvalAlias::new(eval_id, alias))
            .await
    }

    /// `POST /eval-runs`: starts a run and returns it in status `running`.
    /// Never retried after the request may have reached the worker.
    pub async fn run(&self, request: EvalRunRequest) -> Result<EvalRun, Error> {
        self.client.execute(&StartEvalRun::new(request)).await
    }

    /// `GET /eval-runs/{id}`.
    pub async fn get_run(&self, run_id: &str) -> Result<EvalRun, Error> {
        self.client.execute(&GetEvalRun::new(run_id)).await
    }

    /// Polls `GET /eval-runs/{id}` until the run is terminal, and returns
    /// it. `wait` bounds the whole wait (an [`Error::Timeout`] of kind
    /// [`TimeoutKind::Wait`](crate::TimeoutKind::Wait) when it runs out;
    /// the run goes on) and sets the pause between polls.
    pub async fn wait_for_run(&self, run_id: &str, wait: Wait) -> Result<EvalRun, Error> {
        poll_until(
            self.client,
            wait,
            || self.get_run(run_id),
            EvalRun::is_terminal,
        )
        .await
    }

    /// `POST /eval-runs/{id}/cancel`: the run as it is after cancelling
    /// (a finished run comes back unchanged).
    pub async fn cancel_run(&self, run_id: &str) -> Result<EvalRun, Error> {
        self.client.execute(&CancelEvalRun::new(run_id)).await
    }

    /// `GET /eval-runs`: one page, newest first. Pass `page.next_cursor`
    /// back with [`EvalRunFilter::cursor`], or use
    /// [`list_all_runs`](Self::list_all_runs).
    pub async fn list_runs(&self, filter: EvalRunFilter) -> Result<EvalRunPage, Error> {
        self.client.execute(&ListEvalRuns::new(filter)).await
    }

    /// Every eval run matching `filter`, across pages, fetched lazily.
    pub fn list_all_runs(&self, filter: EvalRunFilter) -> Pages<T, ListEvalRuns> {
        Pages::new(self.client.clone(), ListEvalRuns::new(filter))
    }

    /// `GET /eval-scores/latest`: the latest score for an exact key, or
    /// `None`. See [`LatestScoreQuery`]: without the eval and dataset
    /// versions the worker finds nothing ([`LatestScoreQuery::for_run`]
    /// fills them in).
    pub async fn latest_score(
        &self,
        query: LatestScoreQuery,
    ) -> Result<Option<EvalLatestScore>, Error> {
        self.client.execute(&GetLatestScore::new(query)).await
    }

    /// `GET /eval-scores`: every latest score matching `filter`.
    pub async fn list_latest_scores(
        &self,
        filter: LatestScoreFilter,
    ) -> Result<Vec<EvalLatestScore>, Error> {
        self.client.execute(&ListLatestScores::new(filter)).await
    }
}
