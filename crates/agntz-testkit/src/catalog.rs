//! The per-tenant agent catalogue written by `POST /agents/import`, and the
//! reader of the manifest fields the mock understands (top-level `id`,
//! `name`, `description`, `kind`, `model`, and `tools`: the first entry of
//! `kind: local` with `validate_manifest`, `kind: client` with `name` and
//! `timeoutMs`, or `kind: callback`), over a YAML parser.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::callback_tools::{self, CallbackTool, Issue};
use crate::model::{Agent, ToolDecl};

/// A published agent of one tenant.
#[derive(Debug, Clone)]
pub(crate) struct StoredAgent {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub manifest: String,
    pub source_path: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub tool: Option<ToolDecl>,
}

impl StoredAgent {
    /// The runnable agent (its version is the latest publish time).
    pub(crate) fn runnable(&self) -> Agent {
        Agent {
            id: self.id.clone(),
            tool: self.tool.clone(),
            version: self.updated_at.clone(),
        }
    }
}

/// `GET /agents` row.
#[derive(Serialize)]
pub(crate) struct SummaryJson<'a> {
    pub id: &'a str,
    pub name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'a str>,
}

#[derive(Serialize)]
struct ModelJson {
    provider: &'static str,
    name: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MetadataJson<'a> {
    manifest: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_path: Option<&'a str>,
    published_from: &'static str,
    published_at: &'a str,
}

/// `GET /agents/{id}` body: the stored definition, with the worker's
/// placeholder model.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DetailJson<'a> {
    id: &'a str,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    system_prompt: &'static str,
    model: ModelJson,
    metadata: MetadataJson<'a>,
    created_at: &'a str,
    updated_at: &'a str,
}

impl<'a> From<&'a StoredAgent> for DetailJson<'a> {
    fn from(a: &'a StoredAgent) -> Self {
        DetailJson {
            id: &a.id,
            name: &a.name,
            description: a.description.as_deref(),
            system_prompt: "",
            model: ModelJson {
                provider: crate::engine::PROVIDER,
                name: crate::engine::MODEL,
            },
            metadata: MetadataJson {
                manifest: &a.manifest,
                source_path: a.source_path.as_deref(),
                published_from: "cli",
                published_at: &a.updated_at,
            },
            created_at: &a.created_at,
            updated_at: &a.updated_at,
        }
    }
}

/// What the mock reads from a manifest.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Manifest {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    /// The first tool entry the mock can run.
    pub tool: Option<ToolDecl>,
    /// Every well-formed `kind: callback` entry, with its path
    /// (`tools[i]`), for the import-time checks.
    pub callbacks: Vec<(String, CallbackTool)>,
    /// Structural problems the worker's validator reports (not the
    /// parser's): `Invalid manifest` at import.
    pub issues: Vec<Issue>,
}

/// A YAML document's top-level mapping, as JSON; `Err` carries the
/// parser's message.
pub(crate) fn read_document(yaml: &str) -> Result<Map<String, Value>, String> {
    match crate::manifests::parse_yaml(yaml)? {
        Value::Object(top) => Ok(top),
        _ => Err("Manifest must be a YAML mapping".into()),
    }
}

/// A scalar as text (strings as they are, numbers and booleans written
/// out), as the worker's string fields read them.
pub(crate) fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Reads a manifest; `Err` carries the parser's message.
pub(crate) fn parse_manifest(yaml: &str) -> Result<Manifest, String> {
    let top = read_document(yaml)?;
    let get = |k: &str| top.get(k).and_then(scalar_text);
    let Some(id) = get("id").filter(|s| !s.is_empty()) else {
        return Err("Manifest must have an 'id' field".into());
    };
    let kind = get("kind").unwrap_or_else(|| "llm".into());
    if kind == "llm" && top.get("model").is_none_or(Value::is_null) {
        return Err("LLM agent must have a 'model' field".into());
    }
    let description = get("description").filter(|d| !d.is_empty());
    let name = get("name")
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| id.clone());

    let mut tool = None;
    let mut callbacks = Vec::new();
    let mut issues = Vec::new();
    let entries = top.get("tools").and_then(Value::as_array);
    for (i, entry) in entries.into_iter().flatten().enumerate() {
        let Some(entry) = entry.as_object() else {
            continue;
        };
        let path = format!("tools[{i}]");
        let field = |k: &str| entry.get(k).and_then(scalar_text);
        let decl = match field("kind").as_deref() {
            Some("local") => entry
                .get("tools")
                .and_then(Value::as_array)
                .filter(|names| names.iter().any(|n| n == "validate_manifest"))
                .map(|_| ToolDecl::Local("validate_manifest".into())),
            Some("client") => field("name").map(|name| ToolDecl::Client {
                name,
                timeout_ms: field("timeoutMs")
                    .and_then(|t| t.parse().ok())
                    .unwrap_or(30_000),
            }),
            Some("callback") => match callback_tools::read_entry(entry, &path) {
                Ok(callback) => {
                    callbacks.push((path, callback.clone()));
                    Some(ToolDecl::Callback(Box::new(callback)))
                }
                Err(found) => {
                    issues.extend(found);
                    None
                }
            },
            _ => None,
        };
        if tool.is_none() {
            tool = decl;
        }
    }
    Ok(Manifest {
        id,
        name,
        description,
        tool,
        callbacks,
        issues,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_transcript_manifests() {
        let m = parse_manifest("id: echo\nname: Echo\ndescription: Echo agent backed by the fake LLM\nkind: llm\nmodel:\n  provider: openai\n  name: fake-model\ninstruction: |\n  You are an echo bot.\n").unwrap();
        assert_eq!(m.id, "echo");
        assert_eq!(
            m.description.as_deref(),
            Some("Echo agent backed by the fake LLM")
        );
        assert_eq!(m.tool, None);
        let m = parse_manifest("id: toolbot\nname: Tool bot\nkind: llm\nmodel:\n  provider: openai\n  name: fake-model\ninstruction: You can validate manifests.\ntools:\n  - kind: local\n    tools: [validate_manifest]\n").unwrap();
        assert_eq!(m.tool, Some(ToolDecl::Local("validate_manifest".into())));
        let m = parse_manifest("id: clientfast\nname: Client tool bot (1 s timeout)\nkind: llm\nmodel:\n  provider: openai\n  name: fake-model\ninstruction: Use the application selection.\ntools:\n  - kind: client\n    name: get_selection\n    description: Read the current application selection\n    inputSchema:\n      type: object\n      properties:\n        includeText: { type: boolean }\n      additionalProperties: false\n    timeoutMs: 1000\n").unwrap();
        assert_eq!(
            m.tool,
            Some(ToolDecl::Client {
                name: "get_selection".into(),
                timeout_ms: 1000
            })
        );
        assert!(parse_manifest("name: x\n").is_err());
        assert_eq!(
            parse_manifest("- a\n- b\n").unwrap_err(),
            "Manifest must be a YAML mapping"
        );
        assert!(parse_manifest("id: [unclosed\n").is_err());
        assert_eq!(
            parse_manifest("id: x\nkind: llm\n").unwrap_err(),
            "LLM agent must have a 'model' field"
        );
    }

    #[test]
    fn reads_nested_callback_entries() {
        let yaml = "id: cooks\nkind: llm\nmodel: { provider: openai, name: fake-model }\ndescription: |\n  Finds recipes.\ninstruction: Cook.\ntools:\n  - kind: callback\n    name: find_recipes\n    description: Search recipes.\n    url: https://api.example.com/agntz/tools\n    secret: recipes_callback\n    timeoutMs: 10000\n    inputSchema:\n      type: object\n      properties:\n        query: { type: string }\n      required: [query]\n  - kind: callback\n    name: bad name\n    url: https://api.example.com/x\n    secret: s\n    maxRetries: 9\n";
        let m = parse_manifest(yaml).unwrap();
        assert_eq!(m.description.as_deref(), Some("Finds recipes.\n"));
        let Some(ToolDecl::Callback(tool)) = &m.tool else {
            panic!("a callback tool: {:?}", m.tool)
        };
        assert_eq!(
            (
                tool.name.as_str(),
                tool.secret.as_str(),
                tool.timeout_ms,
                tool.max_retries
            ),
            ("find_recipes", "recipes_callback", 10_000, 2)
        );
        assert_eq!(m.callbacks.len(), 1);
        let paths: Vec<&str> = m.issues.iter().map(|i| i.path.as_str()).collect();
        assert_eq!(paths, ["tools[1].name", "tools[1].maxRetries"]);
    }
}
