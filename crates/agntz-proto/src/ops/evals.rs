use bytes::Bytes;
use http::{Method, Request, Response};

use super::{expect_no_content, get_with_query, require_id, Operation, Paginated};
use crate::body::WholeBody;
use crate::config::Config;
use crate::encode::Segment;
use crate::error::Error;
use crate::request::{self, JSON};
use crate::response::parse_json;
use crate::retry::CallKind;
use crate::types::{
    EvalDefinition, EvalLatestScore, EvalRun, EvalRunFilter, EvalRunPage, EvalRunRequest,
    LatestScoreFilter, LatestScoreQuery,
};

fn eval_path(id: &str) -> Result<String, Error> {
    let id = require_id("eval id", id)?;
    Ok(format!("/evals/{}", Segment(id)))
}

fn eval_run_path(id: &str, suffix: &str) -> Result<String, Error> {
    let id = require_id("eval run id", id)?;
    Ok(format!("/eval-runs/{}{suffix}", Segment(id)))
}

/// `GET /evals[?agentId=]`: every eval definition (a bare array, no paging).
#[derive(Debug, Clone, Default)]
pub struct ListEvals {
    agent_id: Option<String>,
}

impl ListEvals {
    /// All evals.
    pub fn new() -> Self {
        ListEvals::default()
    }

    /// Only evals of agent `agent_id`.
    pub fn agent_id(mut self, agent_id: impl Into<String>) -> Self {
        self.agent_id = Some(agent_id.into());
        self
    }
}

impl Operation for ListEvals {
    type Output = Vec<EvalDefinition>;
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let pairs: Vec<_> = self
            .agent_id
            .iter()
            .map(|a| ("agentId", a.clone()))
            .collect();
        get_with_query(config, "/evals", &pairs)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<Vec<EvalDefinition>, Error> {
        parse_json(&response)
    }
}

/// `POST /evals`: create an eval, answered `201` with the normalized echo
/// (without `version`/`createdAt`). An existing id gets a new version (it
/// upserts). Validation failures (no `agentId`, an unknown default dataset)
/// come back as a plain-text `500`.
#[derive(Debug, Clone)]
pub struct CreateEval {
    definition: EvalDefinition,
}

impl CreateEval {
    /// The operation for `definition`.
    pub fn new(definition: EvalDefinition) -> Self {
        CreateEval { definition }
    }
}

impl Operation for CreateEval {
    type Output = EvalDefinition;
    // Without an id every repeat creates another eval.
    const KIND: CallKind = CallKind::StartsWork;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        if self.definition.agent_id.is_empty() {
            return Err(Error::invalid("an eval needs an agent id"));
        }
        let body = self.definition.to_body()?;
        request::build(config, Method::POST, "/evals", Some(body), JSON)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<EvalDefinition, Error> {
        parse_json(&response)
    }
}

/// `GET /evals/{id}`: the stored definition (`404 Eval not found`).
#[derive(Debug, Clone)]
pub struct GetEval {
    id: String,
}

impl GetEval {
    /// The operation for eval `id`.
    pub fn new(id: impl Into<String>) -> Self {
        GetEval { id: id.into() }
    }
}

impl Operation for GetEval {
    type Output = EvalDefinition;
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        request::build(config, Method::GET, &eval_path(&self.id)?, None, JSON)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<EvalDefinition, Error> {
        parse_json(&response)
    }
}

/// `PUT /evals/{id}`: shallow-merges the set fields over the stored
/// definition and writes a new version. The echo carries the *previous*
/// version's `version`/`updatedAt`; `get` shows the new ones.
#[derive(Debug, Clone)]
pub struct UpdateEval {
    id: String,
    patch: EvalDefinition,
}

impl UpdateEval {
    /// The operation for eval `id` with `patch`.
    pub fn new(id: impl Into<String>, patch: EvalDefinition) -> Self {
        UpdateEval {
            id: id.into(),
            patch,
        }
    }
}

impl Operation for UpdateEval {
    type Output = EvalDefinition;
    // Repeating the same merge gives the same definition.
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let path = eval_path(&self.id)?;
        let body = self.patch.to_body()?;
        request::build(config, Method::PUT, &path, Some(body), JSON)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<EvalDefinition, Error> {
        parse_json(&response)
    }
}

/// `DELETE /evals/{id}` (`204`, also for an unknown id).
#[derive(Debug, Clone)]
pub struct DeleteEval {
    id: String,
}

impl DeleteEval {
    /// The operation for eval `id`.
    pub fn new(id: impl Into<String>) -> Self {
        DeleteEval { id: id.into() }
    }
}

impl Operation for DeleteEval {
    type Output = ();
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        request::build(config, Method::DELETE, &eval_path(&self.id)?, None, JSON)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<(), Error> {
        expect_no_content(&response)
    }
}

/// `POST /eval-runs`: starts an eval run, answered `201` with the run in
/// status `running` (cases and summary fill in as it progresses; poll
/// [`GetEvalRun`]).
#[derive(Debug, Clone)]
pub struct StartEvalRun {
    request: EvalRunRequest,
}

impl StartEvalRun {
    /// The operation for `request`.
    pub fn new(request: EvalRunRequest) -> Self {
        StartEvalRun { request }
    }
}

impl Operation for StartEvalRun {
    type Output = EvalRun;
    // Every call runs the agent and the judge over the whole dataset.
    const KIND: CallKind = CallKind::StartsWork;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let body = self.request.to_body()?;
        request::build(config, Method::POST, "/eval-runs", Some(body), JSON)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<EvalRun, Error> {
        parse_json(&response)
    }
}

/// `GET /eval-runs/{id}` (`404 Eval run not found`).
#[derive(Debug, Clone)]
pub struct GetEvalRun {
    id: String,
}

impl GetEvalRun {
    /// The operation for eval run `id`.
    pub fn new(id: impl Into<String>) -> Self {
        GetEvalRun { id: id.into() }
    }
}

impl Operation for GetEvalRun {
    type Output = EvalRun;
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let path = eval_run_path(&self.id, "")?;
        request::build(config, Method::GET, &path, None, JSON)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<EvalRun, Error> {
        parse_json(&response)
    }
}

/// `POST /eval-runs/{id}/cancel` (no body): a pending or running run becomes
/// `cancelled` (unfinished cases are recorded as cancelled and the summary
/// recomputed); a finished run comes back unchanged.
#[derive(Debug, Clone)]
pub struct CancelEvalRun {
    id: String,
}

impl CancelEvalRun {
    /// The operation for eval run `id`.
    pub fn new(id: impl Into<String>) -> Self {
        CancelEvalRun { id: id.into() }
    }
}

impl Operation for CancelEvalRun {
    type Output = EvalRun;
    // Cancelling a finished run returns it unchanged.
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let path = eval_run_path(&self.id, "/cancel")?;
        request::build(config, Method::POST, &path, None, JSON)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<EvalRun, Error> {
        parse_json(&response)
    }
}

/// `GET /eval-runs` with filters; one page, newest first.
#[derive(Debug, Clone, Default)]
pub struct ListEvalRuns {
    filter: EvalRunFilter,
}

impl ListEvalRuns {
    /// The operation for `filter`.
    pub fn new(filter: EvalRunFilter) -> Self {
        ListEvalRuns { filter }
    }
}

impl Operation for ListEvalRuns {
    type Output = EvalRunPage;
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        get_with_query(config, "/eval-runs", &self.filter.to_query_pairs())
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<EvalRunPage, Error> {
        parse_json(&response)
    }
}

impl Paginated for ListEvalRuns {
    type Row = EvalRun;

    fn with_cursor(&self, cursor: String) -> Self {
        ListEvalRuns {
            filter: self.filter.clone().cursor(cursor),
        }
    }

    fn into_parts(page: EvalRunPage) -> (Vec<EvalRun>, Option<String>) {
        (page.rows, page.next_cursor)
    }
}

/// `GET /eval-scores/latest`: one latest score, or `None` (the worker
/// answers the JSON literal `null`) when there is none for that exact key.
#[derive(Debug, Clone)]
pub struct GetLatestScore {
    query: LatestScoreQuery,
}

impl GetLatestScore {
    /// The operation for `query`.
    pub fn new(query: LatestScoreQuery) -> Self {
        GetLatestScore { query }
    }
}

impl Operation for GetLatestScore {
    type Output = Option<EvalLatestScore>;
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        if self.query.eval_id.is_empty() || self.query.dataset_id.is_empty() {
            return Err(Error::invalid(
                "a latest-score lookup needs an eval id and a dataset id",
            ));
        }
        get_with_query(config, "/eval-scores/latest", &self.query.to_query_pairs())
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<Option<EvalLatestScore>, Error> {
        parse_json(&response)
    }
}

/// `GET /eval-scores`: every latest score matching the filter (a bare
/// array, `[]` when nothing matches).
#[derive(Debug, Clone, Default)]
pub struct ListLatestScores {
    filter: LatestScoreFilter,
}

impl ListLatestScores {
    /// The operation for `filter`.
    pub fn new(filter: LatestScoreFilter) -> Self {
        ListLatestScores { filter }
    }
}

impl Operation for ListLatestScores {
    type Output = Vec<EvalLatestScore>;
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        get_with_query(config, "/eval-scores", &self.filter.to_query_pairs())
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<Vec<EvalLatestScore>, Error> {
        parse_json(&response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::EvalRunStatus;

    use crate::ops::test_config as config;

    #[test]
    fn paths_and_queries() {
        let c = config();
        let r = ListEvals::new().agent_id("a b").build(&c).unwrap();
        assert_eq!(r.uri(), "https://api.agntz.co/evals?agentId=a+b");
        let r = GetEval::new("e/1").build(&c).unwrap();
        assert_eq!(r.uri(), "https://api.agntz.co/evals/e%2F1");
        let r = CancelEvalRun::new("evalrun_x").build(&c).unwrap();
        assert_eq!(r.method(), Method::POST);
        assert_eq!(r.uri(), "https://api.agntz.co/eval-runs/evalrun_x/cancel");
        assert!(r.headers().get(http::header::CONTENT_TYPE).is_none());
        let r = ListEvalRuns::new(EvalRunFilter::new().status(EvalRunStatus::Running))
            .with_cursor("MA".into())
            .build(&c)
            .unwrap();
        assert_eq!(
            r.uri(),
            "https://api.agntz.co/eval-runs?status=running&cursor=MA"
        );
        let r = UpdateEval::new("e", EvalDefinition::patch().name("n"))
            .build(&c)
            .unwrap();
        assert_eq!(r.method(), Method::PUT);
        assert_eq!(r.body().as_ref(), br#"{"name":"n"}"#);
        assert!(GetEvalRun::new("..").build(&c).is_err());
        assert!(CreateEval::new(EvalDefinition::patch()).build(&c).is_err());
        assert!(GetLatestScore::new(LatestScoreQuery::new("e", ""))
            .build(&c)
            .is_err());
    }

    #[test]
    fn latest_score_null_is_none() {
        let op = GetLatestScore::new(LatestScoreQuery::new("e", "d"));
        let resp = Response::builder()
            .status(200)
            .body(WholeBody::from(Bytes::from_static(b"null")))
            .unwrap();
        assert_eq!(op.parse(resp).unwrap(), None);
    }
}
