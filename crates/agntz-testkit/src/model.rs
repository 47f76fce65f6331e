//! The built-in agents and the deterministic fake LLM behind them.
//!
//! Before answering, every `REPLY:"<text>"` directive (a JSON string
//! literal) makes the model call the agent's `reply` tool once with that
//! text, in order (see [`reply_texts`]).
//!
//! Reply rules (checked in this order):
//! * text containing `FAIL_LLM` → the model call fails with
//!   `fake LLM forced failure (FAIL_LLM)`;
//! * `SLOW:<seconds>` anywhere → the answer is delayed (cancellable);
//! * `CALL_TOOL:<name> ARGS:<json>` with a tool of that name offered → one tool
//!   call, then `TOOL_RESULT: <tool output JSON>`;
//! * `STRUCTURED:<json>` → that JSON value as the output, as an agent with
//!   an output schema answers: `POST /run` returns it as is, a durable run
//!   stores it stringified (`Run.result.output`), exactly as written;
//! * `CALLBACK:<name> ARGS:<json>` with a callback tool of that manifest name
//!   → one call of `callback__<name>`, then `TOOL_RESULT: <tool output JSON>`;
//! * text containing `RECALL` → `RECALL: <earlier user turns joined by " | ">`;
//! * anything else → `ECHO: <text>`.

use serde::Serialize;
use serde_json::value::RawValue;

use crate::callback_tools::CallbackTool;
use serde_json::Value;

/// Error message of a forced model failure.
pub(crate) const FAIL_MESSAGE: &str = "fake LLM forced failure (FAIL_LLM)";

/// A tool offered to an agent.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ToolDecl {
    /// A worker-side tool that runs in-process.
    Local(String),
    /// A caller-implemented tool answered through the client-tool protocol.
    Client { name: String, timeout_ms: u64 },
    /// A tool the worker calls over HTTP (`kind: callback`).
    Callback(Box<CallbackTool>),
}

impl ToolDecl {
    pub(crate) fn name(&self) -> &str {
        match self {
            ToolDecl::Local(n) => n,
            ToolDecl::Client { name, .. } => name,
            // The model sees `callback__<name>`.
            ToolDecl::Callback(tool) => &tool.model_name,
        }
    }
}

/// A built-in agent.
#[derive(Debug, Clone)]
pub(crate) struct Agent {
    pub id: String,
    pub tool: Option<ToolDecl>,
    /// ISO timestamp of the (only) version.
    pub version: String,
}

/// The agents every tenant sees.
pub(crate) fn builtin_agents(created_ms: u64) -> Vec<Agent> {
    let v = |n: u64| crate::util::iso(created_ms + n);
    vec![
        Agent {
            id: "echo".into(),
            tool: None,
            version: v(0),
        },
        Agent {
            id: "toolbot".into(),
            tool: Some(ToolDecl::Local("validate_manifest".into())),
            version: v(1),
        },
        Agent {
            id: "clientbot".into(),
            tool: Some(ToolDecl::Client {
                name: "get_selection".into(),
                timeout_ms: 30_000,
            }),
            version: v(2),
        },
        Agent {
            id: "clientfast".into(),
            tool: Some(ToolDecl::Client {
                name: "get_selection".into(),
                timeout_ms: 1_000,
            }),
            version: v(3),
        },
    ]
}

/// What the fake model decided to do with a prompt.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Plan {
    /// Fail the model call.
    Fail,
    /// Call the named tool with these arguments, then answer with its output.
    CallTool { name: String, args: Value },
    /// Answer with this text.
    Answer(String),
}

/// The delay requested with `SLOW:<seconds>`, if any (capped at one hour).
pub(crate) fn slow_delay(text: &str) -> Option<std::time::Duration> {
    let idx = text.find("SLOW:")?;
    let rest = &text[idx + 5..];
    let num: String = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let secs: f64 = num.parse().ok()?;
    if !secs.is_finite() || secs < 0.0 {
        return None;
    }
    Some(std::time::Duration::from_secs_f64(secs.min(3600.0)))
}

/// The texts of the `REPLY:"<text>"` directives in `text`, in order. The
/// text is a JSON string literal right after the colon (so it may contain
/// spaces, quotes and escapes); a directive without a valid, non-empty
/// literal is ignored.
pub(crate) fn reply_texts(text: &str) -> Vec<String> {
    const DIRECTIVE: &str = "REPLY:";
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(idx) = rest.find(DIRECTIVE) {
        rest = &rest[idx + DIRECTIVE.len()..];
        if !rest.starts_with('"') {
            continue;
        }
        let mut de = serde_json::Deserializer::from_str(rest).into_iter::<String>();
        if let Some(Ok(reply)) = de.next() {
            let used = de.byte_offset();
            if !reply.is_empty() {
                out.push(reply);
            }
            rest = rest.get(used..).unwrap_or("");
        }
    }
    out
}

/// Decides the model's behaviour for `text` given earlier user turns and offered tools.
pub(crate) fn plan(text: &str, history: &[String], tool: Option<&ToolDecl>) -> Plan {
    if text.contains("FAIL_LLM") {
        return Plan::Fail;
    }
    if let (Some(idx), Some(ToolDecl::Callback(callback))) = (text.find("CALLBACK:"), tool) {
        let rest = &text[idx + "CALLBACK:".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if name == callback.name {
            return Plan::CallTool {
                name: callback.model_name.clone(),
                args: call_args(rest),
            };
        }
    }
    if let (Some(idx), Some(tool)) = (text.find("CALL_TOOL"), tool) {
        let rest = &text[idx + "CALL_TOOL".len()..];
        let name = rest
            .strip_prefix(':')
            .map(|r| {
                r.chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                    .collect::<String>()
            })
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| tool.name().to_string());
        if name == tool.name() {
            let args = call_args(rest);
            return Plan::CallTool { name, args };
        }
    }
    if let Some(value) = structured(text) {
        return Plan::Answer(value.get().to_owned());
    }
    if text.contains("RECALL") {
        return Plan::Answer(format!("RECALL: {}", history.join(" | ")));
    }
    Plan::Answer(format!("ECHO: {text}"))
}

/// The JSON value of a `STRUCTURED:<json>` directive, as written.
fn structured(text: &str) -> Option<Box<RawValue>> {
    let idx = text.find("STRUCTURED:")?;
    let mut de = serde_json::Deserializer::from_str(&text[idx + "STRUCTURED:".len()..])
        .into_iter::<Box<RawValue>>();
    de.next()?.ok()
}

/// The `output` of a run's result (`POST /run`, `run-complete`) for the
/// model's `answer` to `prompt`: the structured value when the answer is the
/// prompt's `STRUCTURED:` value, else the answer as a JSON string.
pub(crate) fn result_output(prompt: &str, answer: &str) -> Box<RawValue> {
    match structured(prompt) {
        Some(value) if value.get() == answer => value,
        _ => crate::util::raw(answer),
    }
}

/// The JSON after `ARGS:` in `rest` (`{}` without one).
fn call_args(rest: &str) -> Value {
    rest.find("ARGS:")
        .and_then(|i| {
            let mut de = serde_json::Deserializer::from_str(&rest[i + 5..]).into_iter();
            de.next().and_then(Result::ok)
        })
        .unwrap_or_else(|| Value::Object(Default::default()))
}

/// How long one item of an eval or batch run takes: its `SLOW:` delay, else
/// 10 ms (long enough for a cancel to land midway).
pub(crate) fn item_delay(text: &str) -> std::time::Duration {
    slow_delay(text).unwrap_or(std::time::Duration::from_millis(10))
}

/// Deterministic token count: whitespace-separated words (at least 1).
pub(crate) fn tokens(text: &str) -> u64 {
    text.split_whitespace().count().max(1) as u64
}

/// The `usage` of an eval case or batch item answered `output` for `prompt`.
pub(crate) fn usage_json(prompt: &str, output: &str) -> Value {
    let (prompt, completion) = (tokens(prompt), tokens(output));
    serde_json::json!({"promptTokens": prompt, "completionTokens": completion,
                       "totalTokens": prompt + completion})
}

/// Text the fake model sees for an eval or batch item input.
pub(crate) fn input_text(input: &Value) -> String {
    match input {
        Value::String(s) => s.clone(),
        Value::Array(blocks) => blocks
            .iter()
            .filter_map(|b| b.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("\n"),
        other => other.to_string(),
    }
}

#[derive(Serialize)]
struct ValidationIssue {
    level: &'static str,
    path: &'static str,
    message: &'static str,
}

#[derive(Serialize)]
struct ValidationReport {
    valid: bool,
    errors: Vec<ValidationIssue>,
    warnings: Vec<ValidationIssue>,
}

/// The local `validate_manifest` tool: a tiny structural check of a YAML manifest.
/// Returned as raw JSON so the key order matches the reference tool.
pub(crate) fn validate_manifest(args: &Value) -> Box<RawValue> {
    let yaml = args.get("yaml").and_then(Value::as_str).unwrap_or("");
    let mut errors = Vec::new();
    if !yaml.lines().any(|l| l.trim_start().starts_with("id:")) {
        errors.push(ValidationIssue {
            level: "structural",
            path: "",
            message: "Manifest must have an 'id' field",
        });
    }
    let is_llm = yaml
        .lines()
        .any(|l| l.trim() == "kind: llm" || !l.contains("kind:"));
    if is_llm && !yaml.lines().any(|l| l.trim_start().starts_with("model:")) {
        errors.push(ValidationIssue {
            level: "structural",
            path: "",
            message: "LLM agent must have a 'model' field",
        });
    }
    let report = ValidationReport {
        valid: errors.is_empty(),
        errors,
        warnings: Vec::new(),
    };
    serde_json::value::to_raw_value(&report).unwrap_or_else(|_| crate::util::raw_null())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans() {
        assert_eq!(plan("hi", &[], None), Plan::Answer("ECHO: hi".into()));
        assert_eq!(
            plan("RECALL x", &["a".into(), "b".into()], None),
            Plan::Answer("RECALL: a | b".into())
        );
        assert_eq!(plan("FAIL_LLM", &[], None), Plan::Fail);
        assert_eq!(
            plan(r#"STRUCTURED:{"b":1,"a":[true]} rest"#, &[], None),
            Plan::Answer(r#"{"b":1,"a":[true]}"#.into())
        );
        let prompt = r#"x STRUCTURED:{"b":1}"#;
        assert_eq!(result_output(prompt, r#"{"b":1}"#).get(), r#"{"b":1}"#);
        assert_eq!(result_output(prompt, "ECHO: y").get(), r#""ECHO: y""#);
        let t = ToolDecl::Local("validate_manifest".into());
        assert_eq!(
            plan(
                r#"CALL_TOOL:validate_manifest ARGS:{"yaml":"id: x"}"#,
                &[],
                Some(&t)
            ),
            Plan::CallTool {
                name: "validate_manifest".into(),
                args: serde_json::json!({"yaml":"id: x"})
            }
        );
        let callback = ToolDecl::Callback(Box::new(CallbackTool {
            name: "find".into(),
            model_name: "callback__find".into(),
            url: "http://127.0.0.1:1/".into(),
            secret: "s".into(),
            timeout_ms: 1000,
            max_retries: 0,
        }));
        assert_eq!(
            plan(r#"CALLBACK:find ARGS:{"q":1}"#, &[], Some(&callback)),
            Plan::CallTool {
                name: "callback__find".into(),
                args: serde_json::json!({"q": 1})
            }
        );
        // Another name, or a longer one, is not this tool.
        assert_eq!(
            plan("CALLBACK:finder", &[], Some(&callback)),
            Plan::Answer("ECHO: CALLBACK:finder".into())
        );
        assert_eq!(
            plan("CALLBACK:find", &[], Some(&t)),
            Plan::Answer("ECHO: CALLBACK:find".into())
        );
        assert_eq!(
            slow_delay("SLOW:2 go"),
            Some(std::time::Duration::from_secs(2))
        );
    }

    #[test]
    fn reply_directives() {
        assert_eq!(
            reply_texts(r#"REPLY:"one" then REPLY:"two \"quoted\"" go"#),
            vec!["one".to_string(), r#"two "quoted""#.to_string()]
        );
        assert!(reply_texts("REPLY: not a literal REPLY:\"\" REPLY:\"open").is_empty());
        assert!(reply_texts("no directive").is_empty());
    }

    #[test]
    fn validate_manifest_matches_transcript() {
        let out = validate_manifest(&serde_json::json!({"yaml":"id: x\nkind: llm"}));
        assert_eq!(
            out.get(),
            r#"{"valid":false,"errors":[{"level":"structural","path":"","message":"LLM agent must have a 'model' field"}],"warnings":[]}"#
        );
        let _ = serde_json::json!({"valid":false,"errors":[{"level":"structural","path":"","message":"LLM agent must have a 'model' field"}],"warnings":[]});
    }
}
