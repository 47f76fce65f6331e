use bytes::Bytes;
use http::{Method, Request, Response};

use super::{get_with_query, require_id, Operation, Paginated, RunIds, StreamOperation};
use crate::body::WholeBody;
use crate::config::Config;
use crate::encode::{append_query, Segment};
use crate::error::Error;
use crate::request::{self, JSON, SSE};
use crate::response::parse_json;
use crate::retry::CallKind;
use crate::stream::RunFrames;
use crate::types::{Run, RunFilter, RunPage};

/// `GET /runs/{id}`.
#[derive(Debug, Clone)]
pub struct GetRun {
    id: String,
}

impl GetRun {
    /// The operation for run `id`.
    pub fn new(id: impl Into<String>) -> Self {
        GetRun { id: id.into() }
    }
}

impl Operation for GetRun {
    type Output = Run;
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let id = require_id("run id", &self.id)?;
        request::build(
            config,
            Method::GET,
            &format!("/runs/{}", Segment(id)),
            None,
            JSON,
        )
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<Run, Error> {
        parse_json(&response)
    }

    fn run_ids<'a>(&'a self, output: &'a Run) -> RunIds<'a> {
        RunIds::new(Some(&output.id), output.session_id.as_deref())
    }
}

/// `POST /runs/{id}/cancel` (no body). Answers with the run as it is now;
/// the status flips to `cancelled` asynchronously.
#[derive(Debug, Clone)]
pub struct CancelRun {
    id: String,
}

impl CancelRun {
    /// The operation for run `id`.
    pub fn new(id: impl Into<String>) -> Self {
        CancelRun { id: id.into() }
    }
}

impl Operation for CancelRun {
    type Output = Run;
    // Cancelling twice is a no-op on the worker.
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let id = require_id("run id", &self.id)?;
        let path = format!("/runs/{}/cancel", Segment(id));
        request::build(config, Method::POST, &path, None, JSON)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<Run, Error> {
        parse_json(&response)
    }

    fn run_ids<'a>(&'a self, output: &'a Run) -> RunIds<'a> {
        RunIds::new(Some(&output.id), output.session_id.as_deref())
    }
}

/// `GET /runs` with filters; one page.
#[derive(Debug, Clone, Default)]
pub struct ListRuns {
    filter: RunFilter,
}

impl ListRuns {
    /// The operation for `filter`.
    pub fn new(filter: RunFilter) -> Self {
        ListRuns { filter }
    }
}

impl Operation for ListRuns {
    type Output = RunPage;
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        get_with_query(config, "/runs", &self.filter.to_query_pairs())
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<RunPage, Error> {
        parse_json(&response)
    }
}

impl Paginated for ListRuns {
    type Row = Run;

    fn with_cursor(&self, cursor: String) -> Self {
        ListRuns {
            filter: self.filter.clone().cursor(cursor),
        }
    }

    fn into_parts(page: RunPage) -> (Vec<Run>, Option<String>) {
        (page.rows, page.next_cursor)
    }
}

/// `GET /runs/{id}/stream[?since=N]`: the multiplexed events of a run tree.
#[derive(Debug, Clone)]
pub struct StreamRun {
    id: String,
    since: Option<u64>,
}

impl StreamRun {
    /// The operation for run `id`, replaying from the start.
    pub fn new(id: impl Into<String>) -> Self {
        StreamRun {
            id: id.into(),
            since: None,
        }
    }

    /// Replays only events with `seq > since` (exclusive).
    pub fn since(mut self, since: u64) -> Self {
        self.since = Some(since);
        self
    }

    /// The run id.
    pub fn run_id(&self) -> &str {
        &self.id
    }

    /// The `since` value, if set.
    pub fn since_seq(&self) -> Option<u64> {
        self.since
    }
}

impl StreamOperation for StreamRun {
    type Frames = RunFrames;
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let id = require_id("run id", &self.id)?;
        let mut path = format!("/runs/{}/stream", Segment(id));
        let since = self.since.map(|s| s.to_string());
        append_query(&mut path, since.as_deref().map(|s| ("since", s)));
        request::build(config, Method::GET, &path, None, SSE)
    }

    fn frames(&self) -> RunFrames {
        match self.since {
            Some(since) => RunFrames::since(self.id.clone(), since),
            None => RunFrames::new(self.id.clone(), false),
        }
    }
}
