//! Sessions (`/sessions/*`, wire §10).

use std::collections::BTreeMap;
use std::fmt;

use bytes::Bytes;
use serde::{Deserialize, Deserializer, Serialize};

use super::serde_util::is_false;
use super::{ContentBlock, ToolCallRecord};
use crate::uploads::{self, LocalUpload, Location};
use crate::Error;

/// Summary of a stored session.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SessionSummary {
    /// Session id.
    #[serde(default)]
    pub session_id: String,
    /// Agent id (often absent for sessions created by runs).
    #[serde(default)]
    pub agent_id: Option<String>,
    /// Number of stored messages.
    #[serde(default)]
    pub message_count: u64,
    /// Creation time (ISO-8601).
    #[serde(default)]
    pub created_at: String,
    /// Last update time (ISO-8601).
    #[serde(default)]
    pub updated_at: String,
}

/// The body of `GET /sessions`: `{"sessions": [...]}` (a bare array is
/// accepted too).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionList {
    /// The sessions (unspecified order).
    pub sessions: Vec<SessionSummary>,
}

impl<'de> Deserialize<'de> for SessionList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Wrapped {
            #[serde(default)]
            sessions: Vec<SessionSummary>,
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Wire {
            Wrapped(Wrapped),
            Bare(Vec<SessionSummary>),
        }
        Ok(match Wire::deserialize(d)? {
            Wire::Wrapped(w) => SessionList {
                sessions: w.sessions,
            },
            Wire::Bare(sessions) => SessionList { sessions },
        })
    }
}

impl IntoIterator for SessionList {
    type Item = SessionSummary;
    type IntoIter = std::vec::IntoIter<SessionSummary>;
    fn into_iter(self) -> Self::IntoIter {
        self.sessions.into_iter()
    }
}

/// The role of a message author.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Role {
    /// System prompt.
    System,
    /// The user.
    User,
    /// The agent.
    Assistant,
    /// A tool result.
    Tool,
    /// A role this SDK does not know yet. Serializes as `"unknown"`.
    #[serde(other)]
    Unknown,
}

impl Role {
    /// The wire string (`unknown` for [`Role::Unknown`]).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::Tool => "tool",
            Role::Unknown => "unknown",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The content of a message: a string or content blocks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum MessageContent {
    /// Plain text.
    Text(String),
    /// Multimodal blocks.
    Blocks(Vec<ContentBlock>),
}

impl MessageContent {
    /// The text, for plain-text content.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            MessageContent::Text(t) => Some(t),
            MessageContent::Blocks(_) => None,
        }
    }
}

impl From<String> for MessageContent {
    fn from(s: String) -> Self {
        MessageContent::Text(s)
    }
}

impl From<&str> for MessageContent {
    fn from(s: &str) -> Self {
        MessageContent::Text(s.to_owned())
    }
}

impl From<Vec<ContentBlock>> for MessageContent {
    fn from(b: Vec<ContentBlock>) -> Self {
        MessageContent::Blocks(b)
    }
}

/// One message of a session history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Message {
    /// Author role.
    pub role: Role,
    /// Content.
    pub content: MessageContent,
    /// Tool calls made in this (assistant) message.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCallRecord>,
    /// The tool call this (tool) message answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
    /// When (ISO-8601).
    #[serde(default)]
    pub timestamp: String,
}

impl Message {
    /// A message with any role.
    pub fn new(
        role: Role,
        content: impl Into<MessageContent>,
        timestamp: impl Into<String>,
    ) -> Self {
        Message {
            role,
            content: content.into(),
            tool_calls: Vec::new(),
            tool_call_id: None,
            timestamp: timestamp.into(),
        }
    }

    /// A user message.
    pub fn user(content: impl Into<MessageContent>, timestamp: impl Into<String>) -> Self {
        Self::new(Role::User, content, timestamp)
    }

    /// An assistant message.
    pub fn assistant(content: impl Into<MessageContent>, timestamp: impl Into<String>) -> Self {
        Self::new(Role::Assistant, content, timestamp)
    }

    /// A system message.
    pub fn system(content: impl Into<MessageContent>, timestamp: impl Into<String>) -> Self {
        Self::new(Role::System, content, timestamp)
    }

    /// A tool-result message answering `tool_call_id`.
    pub fn tool(
        content: impl Into<MessageContent>,
        tool_call_id: impl Into<String>,
        timestamp: impl Into<String>,
    ) -> Self {
        let mut m = Self::new(Role::Tool, content, timestamp);
        m.tool_call_id = Some(tool_call_id.into());
        m
    }

    /// Adds a tool call record.
    pub fn tool_call(mut self, call: ToolCallRecord) -> Self {
        self.tool_calls.push(call);
        self
    }
}

/// The body of `GET /sessions/{id}` (unknown ids give no messages).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SessionDetail {
    /// Session id.
    #[serde(default)]
    pub session_id: String,
    /// Messages, oldest first.
    #[serde(default)]
    pub messages: Vec<Message>,
}

/// What to do when an imported session already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum OnConflict {
    /// Keep the existing session (the worker's default).
    Skip,
    /// Fail the import with 409.
    Fail,
}

/// A session to import.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SessionSnapshot {
    /// Session id (required, non-empty).
    pub session_id: String,
    /// Agent id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// Creation time (ISO-8601).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// Last update time (ISO-8601).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    /// Messages, oldest first.
    pub messages: Vec<Message>,
}

impl SessionSnapshot {
    /// An empty snapshot of `session_id`.
    pub fn new(session_id: impl Into<String>) -> Self {
        SessionSnapshot {
            session_id: session_id.into(),
            agent_id: None,
            created_at: None,
            updated_at: None,
            messages: Vec::new(),
        }
    }

    /// Sets the agent id.
    pub fn agent_id(mut self, agent_id: impl Into<String>) -> Self {
        self.agent_id = Some(agent_id.into());
        self
    }

    /// Sets the creation time (ISO-8601).
    pub fn created_at(mut self, iso: impl Into<String>) -> Self {
        self.created_at = Some(iso.into());
        self
    }

    /// Sets the last update time (ISO-8601).
    pub fn updated_at(mut self, iso: impl Into<String>) -> Self {
        self.updated_at = Some(iso.into());
        self
    }

    /// Appends a message.
    pub fn message(mut self, message: Message) -> Self {
        self.messages.push(message);
        self
    }

    /// Appends messages.
    pub fn messages(mut self, messages: impl IntoIterator<Item = Message>) -> Self {
        self.messages.extend(messages);
        self
    }
}

/// The body of `POST /sessions/import`.
///
/// ```
/// use agntz_proto::types::{Message, SessionImport, SessionSnapshot};
/// let import = SessionImport::new([SessionSnapshot::new("s1")
///     .message(Message::user("hello", "2026-01-01T00:00:00Z"))]);
/// let body = import.to_body().unwrap();
/// assert_eq!(
///     serde_json::from_slice::<serde_json::Value>(&body).unwrap(),
///     serde_json::json!({"sessions":[{"sessionId":"s1","messages":[
///         {"role":"user","content":"hello","timestamp":"2026-01-01T00:00:00Z"}]}]})
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SessionImport {
    /// Sessions to import (must not be empty).
    pub sessions: Vec<SessionSnapshot>,
    /// Conflict policy (worker default: skip).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_conflict: Option<OnConflict>,
    /// Validate only; sent only when `true`.
    #[serde(skip_serializing_if = "is_false")]
    pub dry_run: bool,
}

impl SessionImport {
    /// An import of `sessions`.
    pub fn new(sessions: impl IntoIterator<Item = SessionSnapshot>) -> Self {
        SessionImport {
            sessions: sessions.into_iter().collect(),
            on_conflict: None,
            dry_run: false,
        }
    }

    /// Appends a session.
    pub fn session(mut self, session: SessionSnapshot) -> Self {
        self.sessions.push(session);
        self
    }

    /// Sets the conflict policy.
    pub fn on_conflict(mut self, on_conflict: OnConflict) -> Self {
        self.on_conflict = Some(on_conflict);
        self
    }

    /// Validate only, import nothing.
    pub fn dry_run(mut self, dry_run: bool) -> Self {
        self.dry_run = dry_run;
        self
    }

    /// Every content block of every message, with its place.
    fn blocks(&self) -> impl Iterator<Item = (Location, &ContentBlock)> {
        self.sessions.iter().enumerate().flat_map(|(s, session)| {
            session
                .messages
                .iter()
                .enumerate()
                .flat_map(move |(m, message)| {
                    let blocks = match &message.content {
                        MessageContent::Blocks(blocks) => blocks.as_slice(),
                        MessageContent::Text(_) => &[],
                    };
                    blocks
                        .iter()
                        .enumerate()
                        .map(move |(b, block)| (Location::Session(s, m, b), block))
                })
        })
    }

    fn blocks_mut(&mut self) -> Vec<(Location, &mut ContentBlock)> {
        let mut out = Vec::new();
        for (s, session) in self.sessions.iter_mut().enumerate() {
            for (m, message) in session.messages.iter_mut().enumerate() {
                if let MessageContent::Blocks(blocks) = &mut message.content {
                    for (b, block) in blocks.iter_mut().enumerate() {
                        out.push((Location::Session(s, m, b), block));
                    }
                }
            }
        }
        out
    }

    /// Whether any message holds a file or bytes block
    /// ([`ContentBlock::image_file`] and the like) that must be uploaded
    /// before the import is sent.
    pub fn has_local_content(&self) -> bool {
        uploads::any_local(self.blocks().map(|(_, b)| b))
    }

    /// Checks the import and every file or bytes block, then takes those
    /// blocks' sources out to upload (slots count every content block of
    /// every message, in order); each block waits for
    /// [`set_uploaded`](Self::set_uploaded). Uploads get the worker's
    /// default lifetime for inputs (1 hour): the imported messages keep
    /// referencing the artifact after it expires. Nothing is taken when a
    /// check fails. The [`Client`](crate::Client) calls this for you.
    pub fn take_local_content(&mut self) -> Result<Vec<LocalUpload>, Error> {
        self.check_fields()?;
        uploads::take_local(self.blocks_mut(), None)
    }

    /// Points the block of upload `slot` ([`LocalUpload::slot`]) at its
    /// uploaded artifact.
    pub fn set_uploaded(
        &mut self,
        slot: usize,
        artifact_id: impl Into<String>,
    ) -> Result<(), Error> {
        let block = self.blocks_mut().into_iter().nth(slot).map(|(_, b)| b);
        uploads::fill(block, artifact_id.into())
    }

    /// Checks what the worker would reject: no sessions, an empty session
    /// id, an empty message timestamp; and that no content block still waits
    /// for its upload.
    pub fn validate(&self) -> Result<(), Error> {
        self.check_fields()?;
        uploads::check_uploaded(self.blocks())
    }

    fn check_fields(&self) -> Result<(), Error> {
        if self.sessions.is_empty() {
            return Err(Error::invalid("session import needs at least one session"));
        }
        for (i, s) in self.sessions.iter().enumerate() {
            if s.session_id.is_empty() {
                return Err(Error::invalid(format!(
                    "sessions[{i}].sessionId must be a non-empty string"
                )));
            }
            for (j, m) in s.messages.iter().enumerate() {
                if m.timestamp.is_empty() {
                    return Err(Error::invalid(format!(
                        "sessions[{i}].messages[{j}].timestamp must be a non-empty string"
                    )));
                }
            }
        }
        Ok(())
    }

    /// Validates and serializes the request body.
    pub fn to_body(&self) -> Result<Bytes, Error> {
        self.validate()?;
        super::serde_util::json_body(self)
    }
}

/// What the import did (or would do) with one session.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum ImportAction {
    /// Created.
    Create,
    /// Skipped (already existed).
    Skip,
    /// An action this SDK does not know yet.
    #[default]
    #[serde(other)]
    Unknown,
}

/// One row of an [`ImportResult`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ImportRow {
    /// Session id.
    #[serde(default)]
    pub session_id: String,
    /// Agent id (only when the snapshot carried one).
    #[serde(default)]
    pub agent_id: Option<String>,
    /// What happened.
    #[serde(default)]
    pub action: ImportAction,
    /// Messages in the snapshot sent.
    #[serde(default)]
    pub message_count: u64,
}

/// The answer of `POST /sessions/import`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ImportResult {
    /// Whether this was a dry run.
    #[serde(default)]
    pub dry_run: bool,
    /// One row per session.
    #[serde(default)]
    pub results: Vec<ImportRow>,
    /// Counts per action (`create`, `skip`).
    #[serde(default)]
    pub counts: BTreeMap<String, u64>,
}
