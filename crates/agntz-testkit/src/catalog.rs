//! The per-tenant agent catalogue written by `POST /agents/import`, and a
//! small reader for the manifest subset the mock understands (top-level
//! `id`, `name`, `description`, `kind`, `model`, and the first entry of
//! `tools`: `kind: local` with `validate_manifest`, or `kind: client` with
//! `name` and `timeoutMs`).

use serde::Serialize;

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
    pub tool: Option<ToolDecl>,
}

fn unquote(v: &str) -> String {
    let v = v.trim();
    let inner = v
        .strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .or_else(|| v.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')));
    inner.unwrap_or(v).to_string()
}

/// Reads a manifest; `Err` carries the parser's message.
pub(crate) fn parse_manifest(yaml: &str) -> Result<Manifest, String> {
    let mut top: Vec<(&str, &str)> = Vec::new();
    let mut tools_block: Vec<&str> = Vec::new();
    let mut in_tools = false;
    for line in yaml.lines() {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let indented = line.starts_with(' ') || line.starts_with('\t') || line.starts_with('-');
        if indented {
            if in_tools {
                tools_block.push(line.trim());
            }
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            return Err("Manifest must be a YAML mapping".into());
        };
        in_tools = key.trim() == "tools";
        top.push((key.trim(), value.trim()));
    }
    let get = |k: &str| {
        top.iter()
            .find(|(key, _)| *key == k)
            .map(|(_, v)| unquote(v))
    };
    let id = get("id").filter(|s| !s.is_empty());
    let Some(id) = id else {
        return Err("Manifest must have an 'id' field".into());
    };
    let kind = get("kind").unwrap_or_else(|| "llm".into());
    if kind == "llm" && get("model").is_none() {
        return Err("LLM agent must have a 'model' field".into());
    }
    let description = get("description").filter(|d| !d.is_empty() && d != "|" && d != ">");
    let name = get("name")
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| id.clone());

    // First tool entry only.
    let mut entry: Vec<(String, String)> = Vec::new();
    for (i, line) in tools_block.iter().enumerate() {
        let (item_start, body) = match line.strip_prefix("- ") {
            Some(rest) => (true, rest),
            None => (false, *line),
        };
        if item_start && i > 0 && !entry.is_empty() {
            break;
        }
        if let Some((k, v)) = body.split_once(':') {
            entry.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let field = |k: &str| {
        entry
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| unquote(v))
    };
    let tool = match field("kind").as_deref() {
        Some("local") => field("tools")
            .filter(|t| t.contains("validate_manifest"))
            .map(|_| ToolDecl::Local("validate_manifest".into())),
        Some("client") => field("name").map(|name| ToolDecl::Client {
            name,
            timeout_ms: field("timeoutMs")
                .and_then(|t| t.parse().ok())
                .unwrap_or(30_000),
        }),
        _ => None,
    };
    Ok(Manifest {
        id,
        name,
        description,
        tool,
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
            parse_manifest("id: x\nkind: llm\n").unwrap_err(),
            "LLM agent must have a 'model' field"
        );
    }
}
