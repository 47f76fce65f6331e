//! Agent catalogue: list, get and import (`/agents`, wire-extended §1).

use std::collections::BTreeMap;
use std::fmt;

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::serde_util::{is_false, null_as_default};
use crate::Error;

/// One row of `GET /agents`: `{id, name, description?}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AgentSummary {
    /// Agent id.
    #[serde(default, deserialize_with = "null_as_default")]
    pub id: String,
    /// Display name.
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
    /// Description (left out by the worker when there is none).
    #[serde(default)]
    pub description: Option<String>,
}

/// The model block of a stored agent definition.
///
/// For agents published by [`AgentImport`] the worker stores its own default
/// provider and model here as a placeholder; the manifest's real model is in
/// the manifest text ([`AgentMetadata::manifest`]).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AgentModel {
    /// Provider (`openai`, `anthropic`, ...).
    #[serde(default, deserialize_with = "null_as_default")]
    pub provider: String,
    /// Model name.
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
    /// Sampling temperature.
    #[serde(default)]
    pub temperature: Option<f64>,
    /// Output token cap.
    #[serde(default)]
    pub max_tokens: Option<u64>,
    /// Nucleus sampling.
    #[serde(default)]
    pub top_p: Option<f64>,
    /// Provider-specific options.
    #[serde(default)]
    pub options: Option<Value>,
}

/// `metadata` of a stored agent definition.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AgentMetadata {
    /// The raw YAML manifest the agent was published from.
    #[serde(default)]
    pub manifest: Option<String>,
    /// The `sourcePath` given at import.
    #[serde(default)]
    pub source_path: Option<String>,
    /// Who published it (`cli` for [`AgentImport`]).
    #[serde(default)]
    pub published_from: Option<String>,
    /// When it was published (ISO-8601).
    #[serde(default)]
    pub published_at: Option<String>,
    /// Any other metadata keys, verbatim.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// The stored, active definition of an agent (`GET /agents/{id}`).
///
/// Only what the worker sends is filled in: no defaults are invented for
/// `systemPrompt` or `model`. Definition fields this type does not model
/// (`tools`, `maxSteps`, `tags`, ... written by other paths such as the web
/// app) are kept in [`extra`](Self::extra).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AgentDetail {
    /// Agent id.
    #[serde(default, deserialize_with = "null_as_default")]
    pub id: String,
    /// Display name.
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// System prompt (`""` for imported agents).
    #[serde(default)]
    pub system_prompt: Option<String>,
    /// Model block (a placeholder for imported agents, see [`AgentModel`]).
    #[serde(default)]
    pub model: Option<AgentModel>,
    /// Publishing metadata, including the raw manifest.
    #[serde(default)]
    pub metadata: Option<AgentMetadata>,
    /// Creation time (ISO-8601).
    #[serde(default)]
    pub created_at: Option<String>,
    /// Last update time (ISO-8601).
    #[serde(default)]
    pub updated_at: Option<String>,
    /// Every other key of the definition, verbatim.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

impl AgentDetail {
    /// The raw YAML manifest, when the agent was published from one.
    pub fn manifest(&self) -> Option<&str> {
        self.metadata.as_ref()?.manifest.as_deref()
    }
}

/// What an import does when an agent id already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum AgentOnConflict {
    /// Publish a new version of the existing agent (the worker's default).
    Version,
    /// Keep the existing agent.
    Skip,
    /// Answer 409 (items before the conflicting one are already written).
    Fail,
}

/// One manifest of an [`AgentImport`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AgentManifest {
    /// Expected id: when given, it must equal the manifest's `id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The YAML manifest.
    pub manifest: String,
    /// Where the manifest came from (kept in the agent's metadata).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_path: Option<String>,
}

impl AgentManifest {
    /// A manifest given as YAML text.
    pub fn new(manifest: impl Into<String>) -> Self {
        AgentManifest {
            id: None,
            manifest: manifest.into(),
            source_path: None,
        }
    }

    /// Sets the expected id (checked by the worker against the manifest).
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// Sets the source path (e.g. `agents/support.yaml`).
    pub fn source_path(mut self, path: impl Into<String>) -> Self {
        self.source_path = Some(path.into());
        self
    }
}

impl<S: Into<String>> From<S> for AgentManifest {
    fn from(manifest: S) -> Self {
        AgentManifest::new(manifest)
    }
}

/// The body of `POST /agents/import`.
///
/// ```
/// use agntz_proto::types::{AgentImport, AgentManifest, AgentOnConflict};
/// let import = AgentImport::new([AgentManifest::new("id: echo\nkind: llm\n").id("echo")])
///     .on_conflict(AgentOnConflict::Skip);
/// assert_eq!(
///     serde_json::from_slice::<serde_json::Value>(&import.to_body().unwrap()).unwrap(),
///     serde_json::json!({"agents":[{"id":"echo","manifest":"id: echo\nkind: llm\n"}],
///                        "onConflict":"skip"})
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AgentImport {
    /// The manifests (must not be empty).
    pub agents: Vec<AgentManifest>,
    /// Conflict policy (worker default: [`AgentOnConflict::Version`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_conflict: Option<AgentOnConflict>,
    /// Validate only, write nothing; sent only when `true`.
    #[serde(skip_serializing_if = "is_false")]
    pub dry_run: bool,
    /// Strict reference validation (worker default: on); sent only when set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strict: Option<bool>,
}

impl AgentImport {
    /// An import of `agents`.
    pub fn new<I>(agents: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<AgentManifest>,
    {
        AgentImport {
            agents: agents.into_iter().map(Into::into).collect(),
            on_conflict: None,
            dry_run: false,
            strict: None,
        }
    }

    /// Appends a manifest.
    pub fn agent(mut self, agent: impl Into<AgentManifest>) -> Self {
        self.agents.push(agent.into());
        self
    }

    /// Sets the conflict policy.
    pub fn on_conflict(mut self, on_conflict: AgentOnConflict) -> Self {
        self.on_conflict = Some(on_conflict);
        self
    }

    /// Validate only, write nothing.
    pub fn dry_run(mut self, dry_run: bool) -> Self {
        self.dry_run = dry_run;
        self
    }

    /// Turns strict reference validation on or off.
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = Some(strict);
        self
    }

    /// Checks what the worker would reject without parsing YAML: no agents,
    /// an empty manifest.
    pub fn validate(&self) -> Result<(), Error> {
        if self.agents.is_empty() {
            return Err(Error::invalid("agent import needs at least one manifest"));
        }
        for (i, a) in self.agents.iter().enumerate() {
            if a.manifest.trim().is_empty() {
                return Err(Error::invalid(format!(
                    "agents[{i}].manifest must be a non-empty string"
                )));
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

/// What an import did (or would do) with one manifest.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum AgentImportAction {
    /// A new agent.
    Create,
    /// A new version of an existing agent.
    Version,
    /// Left as it was (`onConflict: skip`).
    Skip,
    /// Updated in place (in the official TS types; not sent by the worker).
    Update,
    /// An action this SDK does not know yet.
    #[default]
    #[serde(other)]
    Unknown,
}

impl AgentImportAction {
    /// The wire string (`unknown` for [`AgentImportAction::Unknown`]).
    pub fn as_str(self) -> &'static str {
        match self {
            AgentImportAction::Create => "create",
            AgentImportAction::Version => "version",
            AgentImportAction::Skip => "skip",
            AgentImportAction::Update => "update",
            AgentImportAction::Unknown => "unknown",
        }
    }
}

impl fmt::Display for AgentImportAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A validation warning about a manifest: `{path, message}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ManifestWarning {
    /// Where in the manifest.
    #[serde(default, deserialize_with = "null_as_default")]
    pub path: String,
    /// What is wrong.
    #[serde(default, deserialize_with = "null_as_default")]
    pub message: String,
}

/// One row of an [`AgentImportResult`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AgentImportRow {
    /// Agent id (from the manifest).
    #[serde(default, deserialize_with = "null_as_default")]
    pub id: String,
    /// The `sourcePath` sent with the manifest.
    #[serde(default)]
    pub source_path: Option<String>,
    /// What happened.
    #[serde(default)]
    pub action: AgentImportAction,
    /// Validation warnings.
    #[serde(default, deserialize_with = "null_as_default")]
    pub warnings: Vec<ManifestWarning>,
}

/// The answer of `POST /agents/import`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AgentImportResult {
    /// Whether this was a dry run.
    #[serde(default)]
    pub dry_run: bool,
    /// One row per manifest, in request order.
    #[serde(default, deserialize_with = "null_as_default")]
    pub results: Vec<AgentImportRow>,
    /// Counts per action that occurred (e.g. `{"create": 2}`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub counts: BTreeMap<String, u64>,
}
