//! Manifest tooling: `POST /validate`, `POST /build-agent`,
//! `POST /edit-agent` (wire-extended §9.1, §9.3, §9.4).

use bytes::Bytes;
use http::{Method, Request, Response};

use super::Operation;
use crate::body::WholeBody;
use crate::config::Config;
use crate::error::Error;
use crate::request::{self, JSON, PUBLIC};
use crate::response::parse_json;
use crate::retry::CallKind;
use crate::types::{
    AgentDraft, BuildAgentRequest, EditAgentRequest, ValidationReport, ValidationRequest,
};

/// `POST /validate`: checks a manifest against the tenant's agents, tools
/// and skills without saving it. Answered 200 also for an invalid manifest
/// (the report says why); nothing is written.
#[derive(Debug, Clone)]
pub struct ValidateManifest {
    request: ValidationRequest,
}

impl ValidateManifest {
    /// The operation for `request`.
    pub fn new(request: ValidationRequest) -> Self {
        ValidateManifest { request }
    }
}

impl Operation for ValidateManifest {
    type Output = ValidationReport;
    // It writes nothing; repeating it only repeats the checks.
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let body = self.request.to_body()?;
        request::build(config, Method::POST, "/validate", Some(body), JSON)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<ValidationReport, Error> {
        parse_json(&response)
    }
}

/// `POST /build-agent`: the worker's agent builder drafts a manifest from a
/// description. Sent **without** the API key (the route is public, limited
/// to 10 requests an hour per client address; over it: [`Error::RateLimited`]
/// with [`ApiError::retry_after`](crate::ApiError::retry_after)).
#[derive(Debug, Clone)]
pub struct BuildAgent {
    request: BuildAgentRequest,
}

impl BuildAgent {
    /// The operation for `request`.
    pub fn new(request: BuildAgentRequest) -> Self {
        BuildAgent { request }
    }
}

impl Operation for BuildAgent {
    type Output = AgentDraft;
    // Each attempt runs the builder's model calls and counts against the
    // hourly limit: only retried when the worker provably did not run it.
    const KIND: CallKind = CallKind::StartsWork;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let body = self.request.to_body()?;
        request::build(config, Method::POST, "/build-agent", Some(body), PUBLIC)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<AgentDraft, Error> {
        parse_json(&response)
    }
}

/// `POST /edit-agent`: the worker's agent editor revises a manifest. Needs
/// the API key (refused before sending without one: the worker counts even
/// unauthenticated attempts against its limit of 10 an hour per client
/// address, and answers them 401).
#[derive(Debug, Clone)]
pub struct EditAgent {
    request: EditAgentRequest,
}

impl EditAgent {
    /// The operation for `request`.
    pub fn new(request: EditAgentRequest) -> Self {
        EditAgent { request }
    }
}

impl Operation for EditAgent {
    type Output = AgentDraft;
    const KIND: CallKind = CallKind::StartsWork;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        if config.api_key().is_none() {
            return Err(Error::invalid(
                "edit-agent needs an API key: the worker answers 401 without one (and counts the attempt against its rate limit)",
            ));
        }
        let body = self.request.to_body()?;
        request::build(config, Method::POST, "/edit-agent", Some(body), JSON)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<AgentDraft, Error> {
        parse_json(&response)
    }
}
