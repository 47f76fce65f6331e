//! Manifests as trees: parsing YAML, picking a block by selection, and the
//! mock's manifest validator (`POST /validate`, and the builder's and
//! editor's validation rounds).
//!
//! The validator covers the checks the reference worker is documented to
//! make, with its messages, at each level: structural (parse and
//! normalization errors at path `""`, then field checks), reference
//! (template variables in scope) and external (look-ups in the caller's
//! store). The mock opens no network connections, so every MCP server and
//! HTTP tool endpoint counts as unreachable (a warning, or an `external`
//! error in strict mode), and no skill exists.

use serde::Serialize;
use serde_json::{Map, Value};

/// Agent kinds a manifest may declare.
const KINDS: &[&str] = &[
    "llm",
    "tool",
    "sequential",
    "parallel",
    "image",
    "transcription",
];
/// Kinds a block selection can land on.
pub(crate) const RUNNABLE: &[&str] = &["llm", "tool", "sequential", "parallel"];
/// Local tools the mock registers.
pub(crate) const LOCAL_TOOLS: &[&str] = &["validate_manifest"];

/// Parses YAML text into a JSON tree; `Err` carries the parser's message.
pub(crate) fn parse_yaml(yaml: &str) -> Result<Value, String> {
    serde_yaml_ng::from_str::<Value>(yaml).map_err(|e| e.to_string())
}

/// The normalization errors the worker's manifest parser throws (checked
/// recursively through inline step agents), or `Ok`.
pub(crate) fn normalize(manifest: &Value) -> Result<(), String> {
    let Some(obj) = manifest.as_object() else {
        return Err("YAML must be an object".into());
    };
    let kind = match obj.get("kind") {
        Some(Value::String(k)) => k.as_str(),
        _ => return Err("Agent manifest must have a 'kind' field".into()),
    };
    if !KINDS.contains(&kind) {
        return Err(format!("Unknown agent kind: {kind}"));
    }
    if !obj.get("id").is_some_and(Value::is_string) {
        return Err("Missing required string field 'id'".into());
    }
    if kind == "llm" && obj.get("model").is_none_or(Value::is_null) {
        return Err("LLM agent must have a 'model' field".into());
    }
    for list in ["steps", "branches"] {
        for step in obj
            .get(list)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(agent) = step.get("agent").filter(|a| a.is_object()) {
                normalize(agent)?;
            }
        }
    }
    Ok(())
}

/// One validation error.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub(crate) struct Issue {
    pub level: &'static str,
    pub path: String,
    pub message: String,
}

/// One validation warning.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub(crate) struct Warning {
    pub path: String,
    pub message: String,
}

/// A validation report, as `POST /validate` answers it (`manifest` only
/// without structural errors).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Report {
    pub valid: bool,
    pub errors: Vec<Issue>,
    pub warnings: Vec<Warning>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manifest: Option<Value>,
}

/// What the external checks may look up.
pub(crate) struct Lookups<'a> {
    /// Whether the caller has a stored agent with this id.
    pub agent_exists: &'a dyn Fn(&str) -> bool,
    /// Strict mode: unreachable endpoints are errors.
    pub strict: bool,
}

fn p(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// Validates `yaml`; `lookups` `None` runs structural and reference checks
/// only (the builder's and editor's rounds).
pub(crate) fn validate(yaml: &str, lookups: Option<&Lookups<'_>>) -> Report {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let fail = |message: String| Report {
        valid: false,
        errors: vec![Issue {
            level: "structural",
            path: String::new(),
            message,
        }],
        warnings: Vec::new(),
        manifest: None,
    };
    let manifest = match parse_yaml(yaml) {
        Ok(m) => m,
        Err(e) => return fail(format!("YAML syntax error: {e}")),
    };
    if let Err(message) = normalize(&manifest) {
        return fail(message);
    }
    structural(&manifest, "", &mut errors, &mut warnings);
    if errors.is_empty() {
        references(&manifest, "", &mut errors);
    }
    let structurally_sound = !errors.iter().any(|e| e.level == "structural");
    if structurally_sound {
        if let Some(lookups) = lookups {
            external(&manifest, "", lookups, &mut errors, &mut warnings);
        }
    }
    Report {
        valid: errors.is_empty(),
        errors,
        warnings,
        manifest: structurally_sound.then_some(manifest),
    }
}

fn structural(m: &Value, path: &str, errors: &mut Vec<Issue>, warnings: &mut Vec<Warning>) {
    let mut err = |path: String, message: &str| {
        errors.push(Issue {
            level: "structural",
            path,
            message: message.to_owned(),
        })
    };
    if let Some(v) = m.get("maxSteps") {
        if v.as_u64().is_none_or(|n| n == 0) {
            err(p(path, "maxSteps"), "maxSteps must be a positive integer");
        }
    }
    if let Some(mode) = m.get("retention").and_then(|r| r.get("mode")) {
        if !matches!(mode.as_str(), Some("none" | "result" | "session")) {
            err(
                p(path, "retention.mode"),
                "retention.mode must be one of: none, result, session",
            );
        }
    }
    match m.get("kind").and_then(Value::as_str) {
        Some("llm") => {
            match m.get("instruction").and_then(Value::as_str) {
                Some(text) => template_syntax(text, &p(path, "instruction"), errors),
                None => errors.push(Issue {
                    level: "structural",
                    path: p(path, "instruction"),
                    message: "LLM agent must have an instruction string".into(),
                }),
            }
            let tools = m.get("tools").and_then(Value::as_array);
            for (i, tool) in tools.into_iter().flatten().enumerate() {
                if tool.get("kind").and_then(Value::as_str) != Some("http") {
                    continue;
                }
                let Some(url) = tool.get("url").and_then(Value::as_str) else {
                    continue;
                };
                let stub = stub_placeholders(url);
                if let Err(reason) = crate::outbound::outbound_url_policy(&stub, false) {
                    errors.push(Issue {
                        level: "structural",
                        path: format!("{}[{i}].url", p(path, "tools")),
                        message: format!("HTTP tool url is not an allowed outbound URL: {reason}"),
                    });
                }
            }
        }
        Some(kind @ ("sequential" | "parallel")) => {
            let (list, what) = if kind == "sequential" {
                ("steps", "Sequential agent must have at least one step")
            } else {
                ("branches", "Parallel agent must have at least one branch")
            };
            let steps = m
                .get(list)
                .and_then(Value::as_array)
                .filter(|s| !s.is_empty());
            let Some(steps) = steps else {
                errors.push(Issue {
                    level: "structural",
                    path: p(path, list),
                    message: what.into(),
                });
                return;
            };
            if kind == "sequential" && m.get("maxIterations").is_some() && m.get("until").is_none()
            {
                warnings.push(Warning {
                    path: p(path, "maxIterations"),
                    message: "maxIterations has no effect without 'until'".into(),
                });
            }
            for (i, step) in steps.iter().enumerate() {
                let step_path = p(path, &format!("{list}[{i}]"));
                match (step.get("ref"), step.get("agent")) {
                    (None, None) => errors.push(Issue {
                        level: "structural",
                        path: step_path,
                        message: "Step must have either 'ref' or 'agent'".into(),
                    }),
                    (Some(_), Some(_)) => errors.push(Issue {
                        level: "structural",
                        path: step_path,
                        message: "Step cannot have both 'ref' and 'agent'".into(),
                    }),
                    (_, Some(agent)) => {
                        structural(agent, &p(&step_path, "agent"), errors, warnings)
                    }
                    (Some(_), None) => {}
                }
            }
        }
        _ => {}
    }
}

/// `{name}` placeholders of an HTTP tool URL become `_` before the policy
/// check, as on the worker.
fn stub_placeholders(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    let mut in_placeholder = false;
    for c in url.chars() {
        match c {
            '{' => in_placeholder = true,
            '}' if in_placeholder => {
                in_placeholder = false;
                out.push('_');
            }
            _ if in_placeholder => {}
            _ => out.push(c),
        }
    }
    out
}

fn template_syntax(text: &str, path: &str, errors: &mut Vec<Issue>) {
    let opens = text.matches("{{").count();
    let closes = text.matches("}}").count();
    let message = if closes > opens {
        "Unmatched closing '}}'"
    } else if opens > closes {
        "Unmatched opening '{{'"
    } else {
        return;
    };
    errors.push(Issue {
        level: "structural",
        path: path.to_owned(),
        message: message.into(),
    });
}

/// The variables a manifest's own templates may use: `userQuery` and its
/// input schema's properties.
fn input_vars(m: &Value) -> Vec<String> {
    let mut vars = vec!["userQuery".to_owned()];
    let props = m
        .get("inputSchema")
        .and_then(|s| s.get("properties").or(Some(s)))
        .and_then(Value::as_object);
    for key in props.into_iter().flat_map(Map::keys) {
        if !vars.contains(key) {
            vars.push(key.clone());
        }
    }
    vars
}

/// The state key a step writes: its `stateKey`, else its ref or inline id.
fn state_key(step: &Value) -> String {
    let raw = step
        .get("stateKey")
        .or_else(|| step.get("ref"))
        .or_else(|| step.get("agent").and_then(|a| a.get("id")))
        .and_then(Value::as_str)
        .unwrap_or("");
    raw.split('@').next().unwrap_or(raw).to_owned()
}

fn template_refs(text: &str, vars: &[String], path: &str, errors: &mut Vec<Issue>) {
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        rest = &rest[start + 2..];
        let Some(end) = rest.find("}}") else { break };
        let inner = rest[..end].trim();
        rest = &rest[end + 2..];
        if inner.starts_with('#') || inner.starts_with('/') || inner.is_empty() {
            continue;
        }
        let root = inner.split('.').next().unwrap_or(inner);
        if root == "secrets" || root == "env" || vars.iter().any(|v| v == root) {
            continue;
        }
        errors.push(Issue {
            level: "reference",
            path: path.to_owned(),
            message: format!(
                "Template variable '{{{{{inner}}}}}' references '{root}' which is not in scope. Available: {}",
                vars.join(", ")
            ),
        });
    }
}

fn mapping_refs(mapping: &Value, vars: &[String], path: &str, errors: &mut Vec<Issue>) {
    for (key, val) in mapping.as_object().into_iter().flatten() {
        match val {
            Value::String(s) => template_refs(s, vars, &p(path, key), errors),
            Value::Object(_) => mapping_refs(val, vars, &p(path, key), errors),
            _ => {}
        }
    }
}

fn references(m: &Value, path: &str, errors: &mut Vec<Issue>) {
    let inputs = input_vars(m);
    match m.get("kind").and_then(Value::as_str) {
        Some("llm") => {
            for field in ["instruction", "prompt"] {
                if let Some(text) = m.get(field).and_then(Value::as_str) {
                    template_refs(text, &inputs, &p(path, field), errors);
                }
            }
        }
        Some(kind @ ("sequential" | "parallel")) => {
            let list = if kind == "sequential" {
                "steps"
            } else {
                "branches"
            };
            let steps = m.get(list).and_then(Value::as_array);
            let mut vars = inputs.clone();
            for (i, step) in steps.into_iter().flatten().enumerate() {
                let step_path = p(path, &format!("{list}[{i}]"));
                // Branches see only the input; steps also what ran before.
                let scope = if kind == "sequential" { &vars } else { &inputs };
                if let Some(input) = step.get("input") {
                    mapping_refs(input, scope, &p(&step_path, "input"), errors);
                }
                if let Some(when) = step.get("when").and_then(Value::as_str) {
                    template_refs(when, scope, &p(&step_path, "when"), errors);
                }
                let key = state_key(step);
                if !key.is_empty() && !vars.contains(&key) {
                    vars.push(key);
                }
                if let Some(agent) = step.get("agent") {
                    references(agent, &p(&step_path, "agent"), errors);
                }
            }
            if let Some(output) = m.get("output") {
                mapping_refs(output, &vars, &p(path, "output"), errors);
            }
        }
        _ => {}
    }
}

fn external(
    m: &Value,
    path: &str,
    lookups: &Lookups<'_>,
    errors: &mut Vec<Issue>,
    warnings: &mut Vec<Warning>,
) {
    // An unreachable endpoint: an error in strict mode, else a warning.
    fn unreachable(
        strict: bool,
        errors: &mut Vec<Issue>,
        warnings: &mut Vec<Warning>,
        path: String,
        message: String,
    ) {
        if strict {
            errors.push(Issue {
                level: "external",
                path,
                message,
            });
        } else {
            warnings.push(Warning { path, message });
        }
    }
    const NO_NETWORK: &str = "the mock worker opens no network connections";
    match m.get("kind").and_then(Value::as_str) {
        Some("llm") => {
            let tools = m.get("tools").and_then(Value::as_array);
            for (i, tool) in tools.into_iter().flatten().enumerate() {
                let tool_path = format!("{}[{i}]", p(path, "tools"));
                match tool.get("kind").and_then(Value::as_str) {
                    Some("local") => {
                        let names = tool.get("tools").and_then(Value::as_array);
                        for name in names.into_iter().flatten().filter_map(Value::as_str) {
                            if !LOCAL_TOOLS.contains(&name) {
                                errors.push(Issue {
                                    level: "external",
                                    path: tool_path.clone(),
                                    message: format!("Local tool '{name}' is not registered"),
                                });
                            }
                        }
                    }
                    Some("mcp") => {
                        let server = tool.get("server").and_then(Value::as_str).unwrap_or("");
                        unreachable(
                            lookups.strict,
                            errors,
                            warnings,
                            tool_path,
                            format!("Could not connect to MCP server '{server}': {NO_NETWORK}"),
                        );
                    }
                    Some("http") => {
                        if let Some(url) = tool.get("url").and_then(Value::as_str) {
                            unreachable(
                                lookups.strict,
                                errors,
                                warnings,
                                p(&tool_path, "url"),
                                format!("Could not reach HTTP endpoint '{url}': {NO_NETWORK}"),
                            );
                        }
                    }
                    Some("agent") => {
                        let id = tool.get("agent").and_then(Value::as_str).unwrap_or("");
                        if !(lookups.agent_exists)(id) {
                            errors.push(Issue {
                                level: "external",
                                path: p(&tool_path, "agent"),
                                message: format!("Referenced agent '{id}' not found"),
                            });
                        }
                    }
                    _ => {}
                }
            }
            let skills = m.get("skills").and_then(Value::as_array);
            for (i, name) in skills.into_iter().flatten().enumerate() {
                errors.push(Issue {
                    level: "external",
                    path: format!("{}[{i}]", p(path, "skills")),
                    message: format!(
                        "Skill '{}' not found in store",
                        name.as_str().unwrap_or_default()
                    ),
                });
            }
        }
        Some(kind @ ("sequential" | "parallel")) => {
            let list = if kind == "sequential" {
                "steps"
            } else {
                "branches"
            };
            let steps = m.get(list).and_then(Value::as_array);
            for (i, step) in steps.into_iter().flatten().enumerate() {
                let step_path = p(path, &format!("{list}[{i}]"));
                if let Some(r) = step.get("ref").and_then(Value::as_str) {
                    let id = r.split('@').next().unwrap_or(r);
                    if !(lookups.agent_exists)(id) {
                        errors.push(Issue {
                            level: "external",
                            path: p(&step_path, "ref"),
                            message: format!("Referenced agent '{r}' not found"),
                        });
                    }
                }
                if let Some(agent) = step.get("agent") {
                    external(agent, &p(&step_path, "agent"), lookups, errors, warnings);
                }
            }
        }
        _ => {}
    }
}

/// Why a `selection` is refused before any look-up (the worker's shape
/// messages), or `Ok` with its paths.
pub(crate) fn selection_shape(selection: Option<&Value>) -> Result<Option<Selection>, String> {
    let Some(sel) = selection.filter(|s| !s.is_null()) else {
        return Ok(None);
    };
    let Some(obj) = sel.as_object() else {
        return Err("selection must be an object when provided".into());
    };
    let path_of = |name: &str, v: &Value| -> Result<Vec<Value>, String> {
        let items = v.as_array().cloned().unwrap_or_default();
        for (i, item) in items.iter().enumerate() {
            if !(item.is_string() || item.as_u64().is_some()) {
                return Err(format!(
                    "selection.{name}[{i}] must be a string or non-negative integer"
                ));
            }
        }
        Ok(items)
    };
    let agent_path = match obj.get("agentPath") {
        Some(v @ Value::Array(_)) => path_of("agentPath", v)?,
        _ => return Err("selection.agentPath must be an array".into()),
    };
    let step_path = match obj.get("stepPath") {
        None | Some(Value::Null) => None,
        Some(v @ Value::Array(_)) => Some(path_of("stepPath", v)?),
        Some(_) => return Err("selection.stepPath must be an array when provided".into()),
    };
    Ok(Some(Selection {
        agent_path,
        step_path,
    }))
}

/// A checked selection.
#[derive(Debug, Clone)]
pub(crate) struct Selection {
    pub agent_path: Vec<Value>,
    pub step_path: Option<Vec<Value>>,
}

/// Where a selection lands.
pub(crate) enum Picked<'a> {
    /// An agent object inside the manifest.
    Agent(&'a Value),
    /// A step that references a stored agent by id (with any `@version`).
    Ref(String),
}

fn walk<'a>(root: &'a Value, path: &[Value]) -> Option<&'a Value> {
    path.iter().try_fold(root, |node, seg| match seg {
        Value::String(key) => node.as_object()?.get(key),
        Value::Number(n) => node.as_array()?.get(usize::try_from(n.as_u64()?).ok()?),
        _ => None,
    })
}

fn runnable(agent: &Value) -> bool {
    agent.is_object()
        && agent
            .get("kind")
            .and_then(Value::as_str)
            .is_some_and(|k| RUNNABLE.contains(&k))
}

/// Picks the block of `manifest` a selection names, by the worker's rules:
/// no selection is the root; an `agentPath` landing on a runnable agent wins
/// over `stepPath`; else the step's inline agent or its `ref`.
pub(crate) fn pick<'a>(manifest: &'a Value, selection: Option<&Selection>) -> Option<Picked<'a>> {
    let Some(sel) = selection else {
        return Some(Picked::Agent(manifest));
    };
    if let Some(agent) = walk(manifest, &sel.agent_path).filter(|a| runnable(a)) {
        return Some(Picked::Agent(agent));
    }
    let step = walk(manifest, sel.step_path.as_deref()?)?;
    if let Some(agent) = step.get("agent").filter(|a| runnable(a)) {
        return Some(Picked::Agent(agent));
    }
    step.get("ref")
        .and_then(Value::as_str)
        .map(|r| Picked::Ref(r.to_owned()))
}

/// The agent object at a selection of the editor (paths into the given
/// YAML; a `ref` step is not looked up, so it is the step itself).
pub(crate) fn pick_mut<'a>(
    manifest: &'a mut Value,
    selection: Option<&Selection>,
) -> Option<&'a mut Value> {
    let Some(sel) = selection else {
        return Some(manifest);
    };
    let path = if walk(manifest, &sel.agent_path).is_some_and(runnable) {
        sel.agent_path.clone()
    } else {
        let step_path = sel.step_path.clone()?;
        let step = walk(manifest, &step_path)?;
        if step.get("agent").is_some_and(runnable) {
            let mut p = step_path;
            p.push(Value::String("agent".into()));
            p
        } else if step.get("ref").is_some() {
            step_path
        } else {
            return None;
        }
    };
    path.iter().try_fold(manifest, |node, seg| match seg {
        Value::String(key) => node.as_object_mut()?.get_mut(key),
        Value::Number(n) => node
            .as_array_mut()?
            .get_mut(usize::try_from(n.as_u64()?).ok()?),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SEQ: &str = "id: seq\nkind: sequential\nsteps:\n  - agent:\n      id: first\n      kind: llm\n      model: {provider: openai, name: fake-model}\n      instruction: One {{userQuery}}\n  - ref: echo\n";

    #[test]
    fn validation_levels() {
        let none = |_: &str| false;
        let lookups = Lookups {
            agent_exists: &none,
            strict: false,
        };
        let r = validate("id: [", Some(&lookups));
        assert!(r.errors[0].message.starts_with("YAML syntax error: "));
        let r = validate("id: x\nkind: llm\n", Some(&lookups));
        assert_eq!(r.errors[0].message, "LLM agent must have a 'model' field");
        assert!(r.manifest.is_none());
        let r = validate(SEQ, Some(&lookups));
        assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
        assert_eq!(r.errors[0].level, "external");
        assert_eq!(r.errors[0].path, "steps[1].ref");
        assert!(r.manifest.is_some());
        let r = validate(&SEQ.replace("{{userQuery}}", "{{zzz}}"), None);
        assert_eq!(r.errors[0].path, "steps[0].agent.instruction");
        assert_eq!(
            r.errors[0].message,
            "Template variable '{{zzz}}' references 'zzz' which is not in scope. Available: userQuery"
        );
    }

    #[test]
    fn selections() {
        let m = parse_yaml(SEQ).unwrap();
        let sel = selection_shape(Some(&json!({"agentPath": ["steps", 0, "agent"]})))
            .unwrap()
            .unwrap();
        assert!(matches!(pick(&m, Some(&sel)), Some(Picked::Agent(a)) if a["id"] == "first"));
        let sel = selection_shape(Some(
            &json!({"agentPath": ["steps", 1, "agent"], "stepPath": ["steps", 1]}),
        ))
        .unwrap()
        .unwrap();
        assert!(matches!(pick(&m, Some(&sel)), Some(Picked::Ref(r)) if r == "echo"));
        let sel = selection_shape(Some(&json!({"agentPath": ["steps", "0", "agent"]})))
            .unwrap()
            .unwrap();
        assert!(pick(&m, Some(&sel)).is_none());
        assert_eq!(
            selection_shape(Some(&json!({"agentPath": [-1]}))).unwrap_err(),
            "selection.agentPath[0] must be a string or non-negative integer"
        );
        assert_eq!(
            selection_shape(Some(&json!("x"))).unwrap_err(),
            "selection must be an object when provided"
        );
    }
}
