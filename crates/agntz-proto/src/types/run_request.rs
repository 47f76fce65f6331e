//! The shared run input of `POST /run`, `POST /run/stream` and `POST /runs`
//! (wire §4).

use bytes::Bytes;
use serde::{Serialize, Serializer};
use serde_json::Value;

use super::{ContentBlock, Retention};
use crate::uploads::{self, LocalUpload, Location};
use crate::Error;

/// A request to run an agent.
///
/// Built with chainable methods; serialized by [`RunRequest::to_body`] to the
/// exact wire body `{"agentId", "input"?, "content"?, "sessionId"?,
/// "context"?, "retention"?, "clientTools"?, "callbackUrl"?,
/// "webhookSecretName"?}`. Unset fields are omitted (never sent as `null`),
/// except an input explicitly set to [`Value::Null`], which is sent as
/// `"input":null`.
///
/// ```
/// use agntz_proto::types::{RunRequest, Retention, RetentionMode};
/// let req = RunRequest::new("support")
///     .input("hello")
///     .session_id("sess_1")
///     .retention(Retention::mode(RetentionMode::Session));
/// let body = req.to_body(false, false).unwrap();
/// assert_eq!(
///     serde_json::from_slice::<serde_json::Value>(&body).unwrap(),
///     serde_json::json!({"agentId":"support","input":"hello","sessionId":"sess_1","retention":{"mode":"session"}})
/// );
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RunRequest {
    agent_id: String,
    input: Option<Value>,
    input_error: Option<String>,
    content: Option<Vec<ContentBlock>>,
    session_id: Option<String>,
    context: Option<Vec<String>>,
    retention: Option<Retention>,
    client_tools: Option<Vec<String>>,
    callback_url: Option<String>,
    webhook_secret_name: Option<String>,
}

impl RunRequest {
    /// A request to run `agent_id` (`<id>` or `<id>@<version>`).
    pub fn new(agent_id: impl Into<String>) -> Self {
        RunRequest {
            agent_id: agent_id.into(),
            input: None,
            input_error: None,
            content: None,
            session_id: None,
            context: None,
            retention: None,
            client_tools: None,
            callback_url: None,
            webhook_secret_name: None,
        }
    }

    /// Pins the agent version: the agent reference becomes `<id>@<version>`
    /// (any version suffix already present is replaced). `version` is an ISO
    /// timestamp, an alias, or `latest`.
    pub fn version(mut self, version: impl Into<String>) -> Self {
        let base = match self.agent_id.split_once('@') {
            Some((base, _)) => base.to_owned(),
            None => std::mem::take(&mut self.agent_id),
        };
        self.agent_id = format!("{base}@{}", version.into());
        self
    }

    /// Sets the input from any serializable value.
    ///
    /// Never panics: if `input` cannot be represented as JSON (for example a
    /// map with non-string keys), the error is kept and reported by
    /// [`RunRequest::validate`] / [`RunRequest::to_body`] as
    /// [`Error::InvalidRequest`].
    pub fn input(mut self, input: impl Serialize) -> Self {
        match serde_json::to_value(input) {
            Ok(v) => {
                self.input = Some(v);
                self.input_error = None;
            }
            Err(e) => {
                self.input = None;
                self.input_error = Some(e.to_string());
            }
        }
        self
    }

    /// Sets the input from a JSON value (`Value::Null` is sent as
    /// `"input":null`).
    pub fn input_value(mut self, input: Value) -> Self {
        self.input = Some(input);
        self.input_error = None;
        self
    }

    /// Sets the multimodal content blocks (replacing any set before).
    pub fn content(mut self, blocks: impl IntoIterator<Item = ContentBlock>) -> Self {
        self.content = Some(blocks.into_iter().collect());
        self
    }

    /// Appends one content block.
    pub fn push_content(mut self, block: ContentBlock) -> Self {
        self.content.get_or_insert_with(Vec::new).push(block);
        self
    }

    /// Sets the conversation (session) id.
    pub fn session_id(mut self, session_id: impl Into<String>) -> Self {
        self.session_id = Some(session_id.into());
        self
    }

    /// Sets the namespace capability grants (e.g. `app/user/u_123`) passed
    /// to resource providers such as memory.
    pub fn context(mut self, grants: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.context = Some(grants.into_iter().map(Into::into).collect());
        self
    }

    /// Sets the retention settings.
    pub fn retention(mut self, retention: Retention) -> Self {
        self.retention = Some(retention);
        self
    }

    /// Sets the webhook target (durable runs, `POST /runs`, only).
    pub fn callback_url(mut self, url: impl Into<String>) -> Self {
        self.callback_url = Some(url.into());
        self
    }

    /// Sets the name of the stored webhook secret (durable runs only;
    /// required with a callback URL).
    pub fn webhook_secret_name(mut self, name: impl Into<String>) -> Self {
        self.webhook_secret_name = Some(name.into());
        self
    }

    /// Sets the names of the client tools the caller has attached handlers
    /// for (wire `clientTools`). Set by the client-tool plumbing.
    #[doc(hidden)]
    pub fn client_tools(mut self, names: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.client_tools = Some(names.into_iter().map(Into::into).collect());
        self
    }

    /// The agent reference as sent (including any `@version`).
    pub fn agent_id(&self) -> &str {
        &self.agent_id
    }

    /// The input, when set.
    pub fn get_input(&self) -> Option<&Value> {
        self.input.as_ref()
    }

    /// The content blocks, when set.
    pub fn get_content(&self) -> Option<&[ContentBlock]> {
        self.content.as_deref()
    }

    /// The session id, when set.
    pub fn get_session_id(&self) -> Option<&str> {
        self.session_id.as_deref()
    }

    /// The namespace grants, when set.
    pub fn get_context(&self) -> Option<&[String]> {
        self.context.as_deref()
    }

    /// The retention settings, when set.
    pub fn get_retention(&self) -> Option<&Retention> {
        self.retention.as_ref()
    }

    /// The webhook target, when set.
    pub fn get_callback_url(&self) -> Option<&str> {
        self.callback_url.as_deref()
    }

    /// The webhook secret name, when set.
    pub fn get_webhook_secret_name(&self) -> Option<&str> {
        self.webhook_secret_name.as_deref()
    }

    /// The attached client-tool names, when set.
    #[doc(hidden)]
    pub fn get_client_tools(&self) -> Option<&[String]> {
        self.client_tools.as_deref()
    }

    /// Whether any content block is a file or bytes block
    /// ([`ContentBlock::image_file`] and the like) that must be uploaded
    /// before the request is sent.
    pub fn has_local_content(&self) -> bool {
        uploads::any_local(self.content.iter().flatten())
    }

    /// Checks the request and every file or bytes block (media type known
    /// and of the block's kind, bytes within 50 MiB), then takes those
    /// blocks' sources out to upload; each block waits for
    /// [`set_uploaded`](Self::set_uploaded). Uploads get
    /// `retention.artifactTtlSeconds` as their lifetime when it is set.
    /// Nothing is taken when a check fails. The [`Client`](crate::Client)
    /// calls this for you; see [`uploads`](crate::uploads).
    pub fn take_local_content(&mut self) -> Result<Vec<LocalUpload>, Error> {
        self.check_fields()?;
        let ttl = self
            .retention
            .as_ref()
            .and_then(|r| r.artifact_ttl_seconds)
            .map(u64::from);
        let blocks = self
            .content
            .iter_mut()
            .flatten()
            .enumerate()
            .map(|(i, b)| (Location::Content(i), b))
            .collect();
        uploads::take_local(blocks, ttl)
    }

    /// Points the block of upload `slot` ([`LocalUpload::slot`]) at its
    /// uploaded artifact.
    pub fn set_uploaded(
        &mut self,
        slot: usize,
        artifact_id: impl Into<String>,
    ) -> Result<(), Error> {
        let block = self.content.as_mut().and_then(|c| c.get_mut(slot));
        uploads::fill(block, artifact_id.into())
    }

    fn check_fields(&self) -> Result<(), Error> {
        if self.agent_id.trim().is_empty() {
            return Err(Error::invalid("agentId must not be empty"));
        }
        super::check_agent_ref(&self.agent_id)?;
        if let Some(e) = &self.input_error {
            return Err(Error::invalid(format!(
                "input could not be serialized to JSON: {e}"
            )));
        }
        Ok(())
    }

    /// Checks what can be checked before sending: the agent id must not be
    /// empty nor a version-pinned system agent (`system:…@…`, which the
    /// worker answers with a 500), the input must have been serializable,
    /// and no content block may still wait for its upload (an [`Error::Content`] of kind
    /// [`NotUploaded`](crate::uploads::ContentErrorKind::NotUploaded)).
    pub fn validate(&self) -> Result<(), Error> {
        self.check_fields()?;
        let blocks = self.content.iter().flatten().enumerate();
        uploads::check_uploaded(blocks.map(|(i, b)| (Location::Content(i), b)))
    }

    /// Validates and serializes the body for an endpoint: `durable` keeps
    /// `callbackUrl` / `webhookSecretName` (`POST /runs`), `client_tools`
    /// keeps `clientTools` (`POST /run/stream`); otherwise they are omitted.
    pub fn to_body(&self, durable: bool, client_tools: bool) -> Result<Bytes, Error> {
        self.validate()?;
        let body = self.wire(durable, client_tools);
        super::serde_util::json_body(&body)
    }

    pub(crate) fn wire(&self, durable: bool, client_tools: bool) -> WireBody<'_> {
        WireBody {
            agent_id: &self.agent_id,
            input: self.input.as_ref(),
            content: self.content.as_deref(),
            session_id: self.session_id.as_deref(),
            context: self.context.as_deref(),
            retention: self.retention.as_ref(),
            client_tools: self.client_tools.as_deref().filter(|_| client_tools),
            callback_url: self.callback_url.as_deref().filter(|_| durable),
            webhook_secret_name: self.webhook_secret_name.as_deref().filter(|_| durable),
        }
    }
}

/// Serializes every field that is set (as for a durable run with client
/// tools); use [`RunRequest::to_body`] for an endpoint's exact body.
impl Serialize for RunRequest {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.wire(true, true).serialize(serializer)
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireBody<'a> {
    agent_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    input: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content: Option<&'a [ContentBlock]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    session_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    context: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    retention: Option<&'a Retention>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_tools: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    callback_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    webhook_secret_name: Option<&'a str>,
}
