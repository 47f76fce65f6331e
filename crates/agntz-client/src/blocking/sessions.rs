use agntz_proto::types::{ImportResult, SessionDetail, SessionImport, SessionSummary};

use super::macros::resource;

resource! {
    /// Conversation sessions. Get one with
    /// [`AgntzClient::sessions`](super::AgntzClient::sessions).
    Sessions => sessions;
    call fn list() -> Vec<SessionSummary>;
    call fn list_for_agent(agent_id: &str) -> Vec<SessionSummary>;
    call fn get(session_id: &str) -> SessionDetail;
    call fn delete(session_id: &str) -> ();
    call fn import(import: SessionImport) -> ImportResult;
}
