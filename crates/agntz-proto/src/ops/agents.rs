use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};

use super::{Operation, RunIds, StreamOperation};
use crate::body::WholeBody;
use crate::config::Config;
use crate::error::Error;
use crate::request::{self, JSON, SSE};
use crate::response::{decode_error, ensure_success, parse_json};
use crate::retry::CallKind;
use crate::stream::AgentFrames;
use crate::types::{Run, RunRequest, RunResult};

/// `POST /run`: run an agent to completion.
#[derive(Debug, Clone)]
pub struct RunAgent {
    request: RunRequest,
}

impl RunAgent {
    /// The operation for `request`.
    pub fn new(request: RunRequest) -> Self {
        RunAgent { request }
    }

    /// The request, to upload its content in place.
    pub(crate) fn request_mut(&mut self) -> &mut RunRequest {
        &mut self.request
    }
}

impl Operation for RunAgent {
    type Output = RunResult;
    const KIND: CallKind = CallKind::StartsWork;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let body = self.request.to_body(false, false)?;
        request::build(config, Method::POST, "/run", Some(body), JSON)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<RunResult, Error> {
        parse_json(&response)
    }

    fn run_ids<'a>(&'a self, output: &'a RunResult) -> RunIds<'a> {
        RunIds::new(Some(&output.run_id), output.session_id.as_deref())
    }
}

/// `POST /run/stream`: run an agent and receive its events over SSE.
#[derive(Debug, Clone)]
pub struct StreamAgent {
    request: RunRequest,
}

impl StreamAgent {
    /// The operation for `request`.
    pub fn new(request: RunRequest) -> Self {
        StreamAgent { request }
    }
}

impl StreamOperation for StreamAgent {
    type Frames = AgentFrames;
    const KIND: CallKind = CallKind::StartsWork;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let body = self.request.to_body(false, true)?;
        request::build(config, Method::POST, "/run/stream", Some(body), SSE)
    }

    fn frames(&self) -> AgentFrames {
        AgentFrames::new()
    }
}

/// `POST /runs`: start a durable run (answered `201 Created` with a
/// `Location` header and the Run record).
#[derive(Debug, Clone)]
pub struct StartRun {
    request: RunRequest,
}

impl StartRun {
    /// The operation for `request`.
    pub fn new(request: RunRequest) -> Self {
        StartRun { request }
    }
}

impl Operation for StartRun {
    type Output = Run;
    const KIND: CallKind = CallKind::StartsWork;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let body = self.request.to_body(true, false)?;
        request::build(config, Method::POST, "/runs", Some(body), JSON)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<Run, Error> {
        ensure_success(&response)?;
        // The worker always sends `Location: /runs/{id}` with its 201; a
        // missing one means something between us and the worker mangled it.
        if response.status() == StatusCode::CREATED
            && !response.headers().contains_key(http::header::LOCATION)
        {
            return Err(decode_error(
                response.status(),
                "201 Created without a Location header",
                response.body(),
            ));
        }
        parse_json(&response)
    }

    fn run_ids<'a>(&'a self, output: &'a Run) -> RunIds<'a> {
        RunIds::new(Some(&output.id), output.session_id.as_deref())
    }
}
