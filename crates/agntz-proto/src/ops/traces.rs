use bytes::Bytes;
use http::{Method, Request, Response};

use super::{expect_no_content, get_with_query, require_id, Operation, Paginated, StreamOperation};
use crate::body::WholeBody;
use crate::config::Config;
use crate::encode::Segment;
use crate::error::Error;
use crate::request::{self, JSON, SSE};
use crate::response::parse_json;
use crate::retry::CallKind;
use crate::stream::TraceFrames;
use crate::types::{TraceDetail, TraceFilter, TracePage, TraceSummary};

/// `GET /traces/{id}`: a finished trace with its spans.
#[derive(Debug, Clone)]
pub struct GetTrace {
    id: String,
}

impl GetTrace {
    /// The operation for trace `id` (the root run id).
    pub fn new(id: impl Into<String>) -> Self {
        GetTrace { id: id.into() }
    }
}

impl Operation for GetTrace {
    type Output = TraceDetail;
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let id = require_id("trace id", &self.id)?;
        request::build(
            config,
            Method::GET,
            &format!("/traces/{}", Segment(id)),
            None,
            JSON,
        )
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<TraceDetail, Error> {
        parse_json(&response)
    }
}

/// `GET /traces` with filters; one page.
#[derive(Debug, Clone, Default)]
pub struct ListTraces {
    filter: TraceFilter,
}

impl ListTraces {
    /// The operation for `filter`.
    pub fn new(filter: TraceFilter) -> Self {
        ListTraces { filter }
    }
}

impl Operation for ListTraces {
    type Output = TracePage;
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        get_with_query(config, "/traces", &self.filter.to_query_pairs())
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<TracePage, Error> {
        parse_json(&response)
    }
}

impl Paginated for ListTraces {
    type Row = TraceSummary;

    fn with_cursor(&self, cursor: String) -> Self {
        ListTraces {
            filter: self.filter.clone().cursor(cursor),
        }
    }

    fn into_parts(page: TracePage) -> (Vec<TraceSummary>, Option<String>) {
        (page.rows, page.next_cursor)
    }
}

/// `DELETE /traces/{id}` (answered `204 No Content`).
#[derive(Debug, Clone)]
pub struct DeleteTrace {
    id: String,
}

impl DeleteTrace {
    /// The operation for trace `id`.
    pub fn new(id: impl Into<String>) -> Self {
        DeleteTrace { id: id.into() }
    }
}

impl Operation for DeleteTrace {
    type Output = ();
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let id = require_id("trace id", &self.id)?;
        request::build(
            config,
            Method::DELETE,
            &format!("/traces/{}", Segment(id)),
            None,
            JSON,
        )
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<(), Error> {
        expect_no_content(&response)
    }
}

/// `GET /traces/{id}/stream`: live span events, or one snapshot when the
/// trace has finished. Not resumable (the worker has no replay here).
#[derive(Debug, Clone)]
pub struct StreamTrace {
    id: String,
}

impl StreamTrace {
    /// The operation for trace `id`.
    pub fn new(id: impl Into<String>) -> Self {
        StreamTrace { id: id.into() }
    }
}

impl StreamOperation for StreamTrace {
    type Frames = TraceFrames;
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let id = require_id("trace id", &self.id)?;
        let path = format!("/traces/{}/stream", Segment(id));
        request::build(config, Method::GET, &path, None, SSE)
    }

    fn frames(&self) -> TraceFrames {
        TraceFrames::new()
    }
}
