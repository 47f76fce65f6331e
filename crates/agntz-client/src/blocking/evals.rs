use agntz_proto::client::Wait;

use agntz_proto::ops::ListEvalRuns;
use agntz_proto::types::{AliasRemoved, VersionAlias, VersionSummary};
use agntz_proto::types::{
    EvalDefinition, EvalLatestScore, EvalRun, EvalRunFilter, EvalRunPage, EvalRunRequest,
    LatestScoreFilter, LatestScoreQuery,
};

use super::macros::resource;
use super::Pages;

resource! {
    /// Evals, eval runs and eval scores. Get one with
    /// [`AgntzClient::evals`](super::AgntzClient::evals).
    Evals => evals;
    call fn list() -> Vec<EvalDefinition>;
    call fn list_for_agent(agent_id: &str) -> Vec<EvalDefinition>;
    call fn create(definition: EvalDefinition) -> EvalDefinition;
    call fn get(eval_id: &str) -> EvalDefinition;
    call fn update(eval_id: &str, patch: EvalDefinition) -> EvalDefinition;
    call fn delete(eval_id: &str) -> ();
    call fn versions(eval_id: &str) -> Vec<VersionSummary>;
    call fn get_version(eval_id: &str, version: &str) -> EvalDefinition;
    call fn activate_version(eval_id: &str, version: &str) -> EvalDefinition;
    call fn set_alias(eval_id: &str, alias: &str, version: &str) -> VersionAlias;
    call fn remove_alias(eval_id: &str, alias: &str) -> AliasRemoved;
    call fn run(request: EvalRunRequest) -> EvalRun;
    call fn get_run(run_id: &str) -> EvalRun;
    call fn wait_for_run(run_id: &str, wait: Wait) -> EvalRun;
    call fn cancel_run(run_id: &str) -> EvalRun;
    call fn list_runs(filter: EvalRunFilter) -> EvalRunPage;
    pages fn list_all_runs(filter: EvalRunFilter) -> Pages<T, ListEvalRuns>;
    call fn latest_score(query: LatestScoreQuery) -> Option<EvalLatestScore>;
    call fn list_latest_scores(filter: LatestScoreFilter) -> Vec<EvalLatestScore>;
}
