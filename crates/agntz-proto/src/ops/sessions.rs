use bytes::Bytes;
use http::{Method, Request, Response};

use super::{expect_no_content, require_id, Operation};
use crate::body::WholeBody;
use crate::config::Config;
use crate::encode::{append_query, Segment};
use crate::error::Error;
use crate::request::{self, JSON};
use crate::response::parse_json;
use crate::retry::CallKind;
use crate::types::{ImportResult, SessionDetail, SessionImport, SessionList, SessionSummary};

/// `POST /sessions/import`: import conversation histories.
#[derive(Debug, Clone)]
pub struct ImportSessions {
    import: SessionImport,
}

impl ImportSessions {
    /// The operation for `import`.
    pub fn new(import: SessionImport) -> Self {
        ImportSessions { import }
    }
}

impl Operation for ImportSessions {
    type Output = ImportResult;
    // With the default `onConflict: skip` a repeat is harmless, but with
    // `fail` it would turn a success into a 409: treat it as starting work.
    const KIND: CallKind = CallKind::StartsWork;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        // `to_body` validates first: an empty import, an empty session id or
        // an empty message timestamp is refused before anything is sent.
        let body = self.import.to_body()?;
        request::build(config, Method::POST, "/sessions/import", Some(body), JSON)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<ImportResult, Error> {
        parse_json(&response)
    }
}

/// `GET /sessions[?agentId=]`: every session (no pagination on the worker).
#[derive(Debug, Clone, Default)]
pub struct ListSessions {
    agent_id: Option<String>,
}

impl ListSessions {
    /// All sessions.
    pub fn new() -> Self {
        ListSessions::default()
    }

    /// Only sessions of `agent_id` (sessions created by runs carry no agent
    /// id; imported ones keep theirs).
    pub fn agent_id(mut self, agent_id: impl Into<String>) -> Self {
        self.agent_id = Some(agent_id.into());
        self
    }
}

impl Operation for ListSessions {
    type Output = Vec<SessionSummary>;
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let mut path = String::from("/sessions");
        append_query(&mut path, self.agent_id.as_deref().map(|a| ("agentId", a)));
        request::build(config, Method::GET, &path, None, JSON)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<Vec<SessionSummary>, Error> {
        parse_json::<SessionList>(&response).map(|list| list.sessions)
    }
}

/// `GET /sessions/{id}`: the messages of a session. An unknown id gives an
/// empty message list (the worker never answers 404 here).
#[derive(Debug, Clone)]
pub struct GetSession {
    id: String,
}

impl GetSession {
    /// The operation for session `id`.
    pub fn new(id: impl Into<String>) -> Self {
        GetSession { id: id.into() }
    }
}

impl Operation for GetSession {
    type Output = SessionDetail;
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let id = require_id("session id", &self.id)?;
        request::build(
            config,
            Method::GET,
            &format!("/sessions/{}", Segment(id)),
            None,
            JSON,
        )
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<SessionDetail, Error> {
        parse_json(&response)
    }
}

/// `DELETE /sessions/{id}` (`204`, idempotent): erases the session and
/// everything linked to it.
#[derive(Debug, Clone)]
pub struct DeleteSession {
    id: String,
}

impl DeleteSession {
    /// The operation for session `id`.
    pub fn new(id: impl Into<String>) -> Self {
        DeleteSession { id: id.into() }
    }
}

impl Operation for DeleteSession {
    type Output = ();
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let id = require_id("session id", &self.id)?;
        let path = format!("/sessions/{}", Segment(id));
        request::build(config, Method::DELETE, &path, None, JSON)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<(), Error> {
        expect_no_content(&response)
    }
}
