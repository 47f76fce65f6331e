//! Manifest validation: `POST /validate` (wire-extended §9.1), and the
//! `validation` report of the agent builder and editor (§9.3, §9.4).

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::serde_util::{is_false, null_as_default};
use super::unknown_fields::keep_unknown_fields;
use super::ExtraFields;
use crate::Error;

/// What a `POST /validate` checks: one YAML manifest, without saving it.
///
/// ```
/// use std::time::Duration;
/// use agntz_proto::types::ValidationRequest;
/// let check = ValidationRequest::new("id: a\nkind: llm\n")
///     .strict(true)
///     .mcp_timeout(Duration::from_secs(3));
/// assert_eq!(
///     check.to_body().unwrap().as_ref(),
///     br#"{"manifest":"id: a\nkind: llm\n","strict":true,"mcpTimeoutMs":3000}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidationRequest {
    manifest: String,
    #[serde(skip_serializing_if = "is_false")]
    strict: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    mcp_timeout_ms: Option<u64>,
}

impl ValidationRequest {
    /// Validates `manifest` (YAML text) with the worker's defaults: not
    /// strict, 10 s per MCP server.
    pub fn new(manifest: impl Into<String>) -> Self {
        ValidationRequest {
            manifest: manifest.into(),
            strict: false,
            mcp_timeout_ms: None,
        }
    }

    /// Strict mode: an unreachable MCP server or HTTP tool endpoint is an
    /// `external` error instead of a warning (what `agents/import` does by
    /// default).
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// The time limit of each MCP server's connect-and-list-tools probe
    /// (wire `mcpTimeoutMs`; the worker's default is 10 s). Sub-millisecond
    /// parts are dropped.
    pub fn mcp_timeout(mut self, timeout: Duration) -> Self {
        self.mcp_timeout_ms = Some(u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX));
        self
    }

    /// The manifest text.
    pub fn manifest(&self) -> &str {
        &self.manifest
    }

    /// Checks and serializes the body. An empty or blank manifest is
    /// refused here: the worker answers it with a 400.
    pub fn to_body(&self) -> Result<Bytes, Error> {
        if self.manifest.trim().is_empty() {
            return Err(Error::invalid("manifest must not be empty"));
        }
        super::json_body(self)
    }
}

impl From<String> for ValidationRequest {
    fn from(manifest: String) -> Self {
        ValidationRequest::new(manifest)
    }
}

impl From<&str> for ValidationRequest {
    fn from(manifest: &str) -> Self {
        ValidationRequest::new(manifest)
    }
}

/// The level of a validation error, in the order the worker checks them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum ValidationLevel {
    /// The YAML does not parse, is not a manifest, or a field is malformed.
    /// With a structural error at path `""` nothing else is checked.
    Structural,
    /// A template variable out of scope (checked only without structural
    /// errors).
    Reference,
    /// A look-up failed: a referenced agent, local tool or skill of the
    /// caller's tenant, or (strict mode) an unreachable MCP server or HTTP
    /// endpoint.
    External,
    /// A level this SDK does not know yet. Serializes as `"unknown"`.
    #[default]
    #[serde(other)]
    Unknown,
}

impl ValidationLevel {
    /// The wire string (`unknown` for [`ValidationLevel::Unknown`]).
    pub fn as_str(self) -> &'static str {
        match self {
            ValidationLevel::Structural => "structural",
            ValidationLevel::Reference => "reference",
            ValidationLevel::External => "external",
            ValidationLevel::Unknown => "unknown",
        }
    }
}

impl fmt::Display for ValidationLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One validation error: `{level, path, message}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ValidationIssue {
    /// What kind of check failed.
    #[serde(default)]
    pub level: ValidationLevel,
    /// Where: `steps[0].ref`, `tools[0].url`, `output.r`…, or `""` for the
    /// whole document.
    #[serde(default, deserialize_with = "null_as_default")]
    pub path: String,
    /// The worker's message.
    #[serde(default, deserialize_with = "null_as_default")]
    pub message: String,
}

/// `[level] path: message`, or `[level] message` for the whole document.
impl fmt::Display for ValidationIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "[{}] {}", self.level, self.message)
        } else {
            write!(f, "[{}] {}: {}", self.level, self.path, self.message)
        }
    }
}

/// One validation warning: `{path, message}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ValidationWarning {
    /// Where (`""` for the whole document).
    #[serde(default, deserialize_with = "null_as_default")]
    pub path: String,
    /// The worker's message.
    #[serde(default, deserialize_with = "null_as_default")]
    pub message: String,
}

/// `path: message`, or `message` for the whole document.
impl fmt::Display for ValidationWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// The answer of `POST /validate` (status 200 also for an invalid
/// manifest), and the `validation` of the agent builder and editor.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct ValidationReport {
    /// `true` exactly when there are no errors.
    pub valid: bool,
    /// The errors, in the worker's order.
    pub errors: Vec<ValidationIssue>,
    /// The warnings (an unreachable MCP server when not strict, a
    /// `{{secrets.NAME}}` that does not exist yet, ...).
    pub warnings: Vec<ValidationWarning>,
    /// The manifest as the worker understood it (parsed YAML, normalized).
    /// `None` whenever there is a structural error, and always in the
    /// builder's and editor's report.
    pub manifest: Option<Value>,
    /// Every other key of the report, verbatim (keys a newer worker adds).
    pub extra: ExtraFields,
}

/// The wire decoding of [`ValidationReport`]'s known fields.
#[derive(Deserialize)]
#[serde(remote = "ValidationReport")]
struct ValidationReportWire {
    #[serde(default)]
    valid: bool,
    #[serde(default, deserialize_with = "null_as_default")]
    errors: Vec<ValidationIssue>,
    #[serde(default, deserialize_with = "null_as_default")]
    warnings: Vec<ValidationWarning>,
    #[serde(default)]
    manifest: Option<Value>,
    #[serde(skip)]
    extra: ExtraFields,
}
keep_unknown_fields!(ValidationReport, ValidationReportWire);

impl ValidationReport {
    /// Whether the manifest passed: no errors. (Checks `errors` rather than
    /// trusting `valid` alone, so a report that contradicts itself counts as
    /// invalid.)
    pub fn is_valid(&self) -> bool {
        self.valid && self.errors.is_empty()
    }

    /// The errors of one level.
    pub fn errors_of(&self, level: ValidationLevel) -> impl Iterator<Item = &ValidationIssue> {
        self.errors.iter().filter(move |e| e.level == level)
    }

    /// Whether the manifest failed to parse as a manifest at all (a
    /// structural error for the whole document, `path` `""`).
    pub fn is_unparseable(&self) -> bool {
        self.errors
            .iter()
            .any(|e| e.level == ValidationLevel::Structural && e.path.is_empty())
    }
}
