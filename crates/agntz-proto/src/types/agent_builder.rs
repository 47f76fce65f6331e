//! The worker's agent builder and editor: `POST /build-agent` and
//! `POST /edit-agent` (wire-extended §9.3–§9.5), and the system agents
//! behind them (§9.6).

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use super::serde_util::null_as_default;
use super::unknown_fields::keep_unknown_fields;
use super::{BlockSelection, ExtraFields, RunRequest, ValidationReport};
use crate::Error;

/// The longest `description` / `changeDescription` the worker takes, in
/// UTF-16 code units (JavaScript string length).
pub const MAX_DESCRIPTION_UNITS: usize = 4_096;
/// The longest `currentManifest` of `POST /build-agent`, in UTF-16 code units.
pub const MAX_DRAFT_MANIFEST_UNITS: usize = 16_384;
/// The longest `currentManifest` of `POST /edit-agent`, in UTF-16 code units.
pub const MAX_EDIT_MANIFEST_UNITS: usize = 64_000;

/// Refuses what the worker would answer with 400 or 413. Both routes count
/// every request against a rate limit of 10 an hour, whatever its outcome,
/// so a request that cannot succeed is not sent.
fn check_text(field: &str, text: &str, max_units: usize) -> Result<(), Error> {
    if text.is_empty() {
        return Err(Error::invalid(format!("{field} must not be empty")));
    }
    // The worker counts JavaScript string length; bytes would refuse
    // texts it takes, code points would send texts it refuses.
    let units = text.encode_utf16().count();
    if units > max_units {
        return Err(Error::invalid(format!(
            "{field} is {units} UTF-16 code units long; the worker takes at most {max_units}"
        )));
    }
    Ok(())
}

/// A request to the agent builder (`POST /build-agent`): draft a manifest
/// from a description, or refine an existing draft.
///
/// ```
/// use agntz_proto::types::BuildAgentRequest;
/// let request = BuildAgentRequest::new("Greet the user by name");
/// assert_eq!(request.to_body().unwrap().as_ref(), br#"{"description":"Greet the user by name"}"#);
/// assert!(BuildAgentRequest::new("").to_body().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildAgentRequest {
    description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    current_manifest: Option<String>,
}

impl BuildAgentRequest {
    /// What the agent should do (at most 4,096 UTF-16 code units).
    pub fn new(description: impl Into<String>) -> Self {
        BuildAgentRequest {
            description: description.into(),
            current_manifest: None,
        }
    }

    /// An existing draft to refine (at most 16,384 UTF-16 code units); the
    /// description then says what to change.
    pub fn current_manifest(mut self, yaml: impl Into<String>) -> Self {
        self.current_manifest = Some(yaml.into());
        self
    }

    /// Checks the lengths and serializes the body.
    pub fn to_body(&self) -> Result<Bytes, Error> {
        check_text("description", &self.description, MAX_DESCRIPTION_UNITS)?;
        if let Some(draft) = &self.current_manifest {
            check_text("currentManifest", draft, MAX_DRAFT_MANIFEST_UNITS)?;
        }
        super::json_body(self)
    }
}

impl From<String> for BuildAgentRequest {
    fn from(description: String) -> Self {
        BuildAgentRequest::new(description)
    }
}

impl From<&str> for BuildAgentRequest {
    fn from(description: &str) -> Self {
        BuildAgentRequest::new(description)
    }
}

/// A request to the agent editor (`POST /edit-agent`): revise a manifest
/// as described.
///
/// ```
/// use agntz_proto::types::{BlockSelection, EditAgentRequest};
/// let request = EditAgentRequest::new("id: a\nkind: llm\n", "Answer in French")
///     .selection(BlockSelection::root().step(0));
/// let body: serde_json::Value = serde_json::from_slice(&request.to_body().unwrap()).unwrap();
/// assert_eq!(body["selection"]["stepPath"], serde_json::json!(["steps", 0]));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EditAgentRequest {
    current_manifest: String,
    change_description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    selection: Option<BlockSelection>,
}

impl EditAgentRequest {
    /// Revise `current_manifest` (the full YAML, at most 64,000 UTF-16 code
    /// units) as `change_description` says (at most 4,096).
    pub fn new(current_manifest: impl Into<String>, change_description: impl Into<String>) -> Self {
        EditAgentRequest {
            current_manifest: current_manifest.into(),
            change_description: change_description.into(),
            selection: None,
        }
    }

    /// The block to focus on, with paths into **this** YAML (a `ref:` step
    /// is not looked up). A focus, not a boundary: the editor may change
    /// other parts too.
    pub fn selection(mut self, selection: BlockSelection) -> Self {
        self.selection = Some(selection);
        self
    }

    /// Checks the lengths and serializes the body.
    pub fn to_body(&self) -> Result<Bytes, Error> {
        check_text(
            "currentManifest",
            &self.current_manifest,
            MAX_EDIT_MANIFEST_UNITS,
        )?;
        check_text(
            "changeDescription",
            &self.change_description,
            MAX_DESCRIPTION_UNITS,
        )?;
        super::json_body(self)
    }
}

/// What the builder or editor produced: `{yaml, explanation, validation}`.
///
/// A success status does **not** mean the manifest is usable: the
/// generate-and-validate loop stops after three rounds without failing, so
/// `yaml` can be `None` and the validation can have errors. Check
/// [`is_usable`](Self::is_usable). That validation is structural and
/// reference only (it does not look up referenced agents, tools, skills or
/// secrets): validate with `POST /validate` before importing.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct AgentDraft {
    /// The manifest text.
    pub yaml: Option<String>,
    /// How the YAML follows the builder's plan.
    pub explanation: Option<String>,
    /// The last validation round (without `manifest`).
    pub validation: Option<ValidationReport>,
    /// The builder's plan: only in the output of the `system:agent-builder`
    /// agent run through `/run` (never from `POST /build-agent`).
    pub plan: Option<BuildPlan>,
    /// Every other key, verbatim (keys a newer worker adds).
    pub extra: ExtraFields,
}

/// The wire decoding of [`AgentDraft`]'s known fields.
#[derive(Deserialize)]
#[serde(remote = "AgentDraft")]
struct AgentDraftWire {
    #[serde(default)]
    yaml: Option<String>,
    #[serde(default)]
    explanation: Option<String>,
    #[serde(default)]
    validation: Option<ValidationReport>,
    #[serde(default)]
    plan: Option<BuildPlan>,
    #[serde(skip)]
    extra: ExtraFields,
}
keep_unknown_fields!(AgentDraft, AgentDraftWire);

impl AgentDraft {
    /// Whether there is a manifest and its validation passed.
    pub fn is_usable(&self) -> bool {
        self.yaml.as_deref().is_some_and(|y| !y.trim().is_empty())
            && self.validation.as_ref().is_some_and(|v| v.is_valid())
    }
}

/// The agent builder's plan (every field a string of prose).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BuildPlan {
    /// What the agent does.
    #[serde(default, deserialize_with = "null_as_default")]
    pub overview: String,
    /// The kind of the top-level agent.
    #[serde(default, deserialize_with = "null_as_default")]
    pub top_level_kind: String,
    /// The planned input schema.
    #[serde(default, deserialize_with = "null_as_default")]
    pub input_schema: String,
    /// The planned steps.
    #[serde(default, deserialize_with = "null_as_default")]
    pub steps: String,
    /// Branching, if any.
    #[serde(default, deserialize_with = "null_as_default")]
    pub branching: String,
    /// How data flows between steps.
    #[serde(default, deserialize_with = "null_as_default")]
    pub data_flow: String,
    /// Tools and other integrations.
    #[serde(default, deserialize_with = "null_as_default")]
    pub integrations: String,
    /// The planned output.
    #[serde(default, deserialize_with = "null_as_default")]
    pub output: String,
}

/// The agents that ship with the worker, reached through the `agentId` of
/// the run routes (`/run`, `/run/stream`, `/runs`, `/run/block*`).
///
/// They are not stored per tenant (`agents().get` answers 404 for them),
/// run against a throwaway store (they cannot see your agents), and cannot
/// be version-pinned: the SDK refuses `system:<name>@<version>` before
/// sending (the worker would answer 500 `INVALID_AGENT_REF`). Unlike
/// `POST /build-agent`, such a run is recorded for the caller (`/runs`,
/// `/traces`).
///
/// ```
/// use agntz_proto::types::SystemAgent;
/// let run = SystemAgent::builder_run("Greet the user by name");
/// assert_eq!(run.agent_id(), "system:agent-builder");
/// assert!(run.version("latest").validate().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SystemAgent {
    /// `system:agent-builder`: input `{description}`; output `{plan, yaml,
    /// explanation, validation}` (read it with
    /// [`RunResult::output_as::<AgentDraft>`](super::RunResult::output_as)).
    AgentBuilder,
    /// `system:agent-editor`: input `{currentManifest, selectedContext,
    /// changeDescription}`; output `{yaml, explanation, validation}`.
    AgentEditor,
}

impl SystemAgent {
    /// The prefix of every system agent id.
    pub const PREFIX: &'static str = "system:";

    /// The agent id (`system:agent-builder`, `system:agent-editor`).
    pub fn id(self) -> &'static str {
        match self {
            SystemAgent::AgentBuilder => "system:agent-builder",
            SystemAgent::AgentEditor => "system:agent-editor",
        }
    }

    /// The system agent with this id, if the SDK knows it.
    pub fn from_id(id: &str) -> Option<SystemAgent> {
        [SystemAgent::AgentBuilder, SystemAgent::AgentEditor]
            .into_iter()
            .find(|a| a.id() == id)
    }

    /// A run of `system:agent-builder` drafting an agent from `description`.
    pub fn builder_run(description: impl Into<String>) -> RunRequest {
        RunRequest::new(SystemAgent::AgentBuilder.id()).input_value(serde_json::json!({
            "description": description.into()
        }))
    }

    /// A run of `system:agent-editor`. Through the run routes the caller
    /// writes `selected_context` itself (`POST /edit-agent` builds it from a
    /// selection): a text describing the block in focus, or the whole
    /// manifest.
    pub fn editor_run(
        current_manifest: impl Into<String>,
        selected_context: impl Into<String>,
        change_description: impl Into<String>,
    ) -> RunRequest {
        RunRequest::new(SystemAgent::AgentEditor.id()).input_value(serde_json::json!({
            "currentManifest": current_manifest.into(),
            "selectedContext": selected_context.into(),
            "changeDescription": change_description.into(),
        }))
    }
}

impl std::fmt::Display for SystemAgent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

/// Refuses a version pin on a system agent id (`system:x@v`): the worker
/// answers it with 500 `INVALID_AGENT_REF`, which a retry policy would
/// treat as transient.
pub(crate) fn check_agent_ref(agent_id: &str) -> Result<(), Error> {
    if agent_id.starts_with(SystemAgent::PREFIX) && agent_id.contains('@') {
        return Err(Error::invalid(format!(
            "system agent \"{agent_id}\" cannot be version-pinned: system agents ship with \
             the worker and have no versions; use \"{}\"",
            agent_id.split('@').next().unwrap_or(agent_id)
        )));
    }
    Ok(())
}
