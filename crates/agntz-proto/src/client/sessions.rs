use super::Client;
use crate::error::Error;
use crate::ops::{DeleteSession, GetSession, ImportSessions, ListSessions};
use crate::transport::Transport;
use crate::types::{ImportResult, SessionDetail, SessionImport, SessionSummary};

/// Conversation sessions. Get one with [`Client::sessions`].
#[derive(Debug)]
pub struct Sessions<'a, T> {
    client: &'a Client<T>,
}

impl<'a, T: Transport> Sessions<'a, T> {
    pub(crate) fn new(client: &'a Client<T>) -> Self {
        Sessions { client }
    }

    /// `GET /sessions`: every session of the tenant.
    pub async fn list(&self) -> Result<Vec<SessionSummary>, Error> {
        self.client.execute(&ListSessions::new()).await
    }

    /// `GET /sessions?agentId=`: sessions recorded for `agent_id` (sessions
    /// created by runs carry no agent id; imported ones keep theirs).
    pub async fn list_for_agent(&self, agent_id: &str) -> Result<Vec<SessionSummary>, Error> {
        self.client
            .execute(&ListSessions::new().agent_id(agent_id))
            .await
    }

    /// `GET /sessions/{id}`: the messages (empty for an unknown id).
    pub async fn get(&self, session_id: &str) -> Result<SessionDetail, Error> {
        self.client.execute(&GetSession::new(session_id)).await
    }

    /// `DELETE /sessions/{id}`: erases the session and everything linked to
    /// it (messages, runs, traces). Idempotent.
    pub async fn delete(&self, session_id: &str) -> Result<(), Error> {
        self.client.execute(&DeleteSession::new(session_id)).await
    }

    /// `POST /sessions/import`. File and bytes content blocks in the
    /// messages are uploaded first, with the worker's default lifetime for
    /// input artifacts (1 hour): the imported messages keep their
    /// `artifactId` after it expires.
    pub async fn import(&self, import: SessionImport) -> Result<ImportResult, Error> {
        let import = self.client.upload_import_content(import).await?;
        self.client.execute(&ImportSessions::new(import)).await
    }
}
