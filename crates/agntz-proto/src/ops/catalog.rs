use bytes::Bytes;
use http::{Method, Request, Response};

use super::{require_id, Operation};
use crate::body::WholeBody;
use crate::config::Config;
use crate::encode::Segment;
use crate::error::Error;
use crate::request::{self, JSON};
use crate::response::parse_json;
use crate::retry::CallKind;
use crate::types::{AgentDetail, AgentImport, AgentImportResult, AgentSummary};

/// `GET /agents`: the tenant's agents (a bare array, no pagination).
#[derive(Debug, Clone, Default)]
pub struct ListAgents {
    _priv: (),
}

impl ListAgents {
    /// The operation.
    pub fn new() -> Self {
        ListAgents::default()
    }
}

impl Operation for ListAgents {
    type Output = Vec<AgentSummary>;
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        request::build(config, Method::GET, "/agents", None, JSON)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<Vec<AgentSummary>, Error> {
        parse_json(&response)
    }
}

/// `GET /agents/{id}`: the stored active definition of an agent.
///
/// The id is percent-encoded once; the worker decodes path parameters twice,
/// so an id containing a literal `%` is not supported. A version suffix
/// (`id@version`) is refused before sending, as the worker would answer 400.
#[derive(Debug, Clone)]
pub struct GetAgent {
    id: String,
}

impl GetAgent {
    /// The operation for agent `id`.
    pub fn new(id: impl Into<String>) -> Self {
        GetAgent { id: id.into() }
    }
}

impl Operation for GetAgent {
    type Output = AgentDetail;
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let id = require_id("agent id", &self.id)?;
        if id.contains('@') {
            return Err(Error::invalid(
                "agent id must not include a version suffix (`@`)",
            ));
        }
        let path = format!("/agents/{}", Segment(id));
        request::build(config, Method::GET, &path, None, JSON)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<AgentDetail, Error> {
        parse_json(&response)
    }
}

/// `POST /agents/import`: publish agents from YAML manifests.
///
/// Not atomic under `onConflict: fail` (items before the conflict are
/// written), and a repeat publishes another version, so it is never retried
/// blindly.
#[derive(Debug, Clone)]
pub struct ImportAgents {
    import: AgentImport,
}

impl ImportAgents {
    /// The operation for `import`.
    pub fn new(import: AgentImport) -> Self {
        ImportAgents { import }
    }
}

impl Operation for ImportAgents {
    type Output = AgentImportResult;
    const KIND: CallKind = CallKind::StartsWork;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let body = self.import.to_body()?;
        request::build(config, Method::POST, "/agents/import", Some(body), JSON)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<AgentImportResult, Error> {
        parse_json(&response)
    }
}
