//! `kind: callback` tools: read from a manifest, probed at import, and
//! called in a run as the worker calls them (signed POSTs, retried with the
//! worker's backoff, the answer cut to 40,000 characters).

use std::time::Duration;

use bytes::Bytes;
use hmac::{Hmac, Mac};
use http::header::{HeaderName, CONTENT_TYPE};
use http::Method;
use serde::Serialize;
use serde_json::{Map, Value};
use sha2::Sha256;

use crate::outbound::{self, OutboundError};
use crate::store::Store;
use crate::util::{iso, nanoid, now_ms, raw};
use crate::wire::Raw;

/// The model sees a callback tool as `callback__<name>`.
pub(crate) const MODEL_PREFIX: &str = "callback__";
/// The cut applied to every answer (in UTF-16 code units, as the worker's
/// JavaScript `slice` counts).
const MAX_ANSWER: usize = 40_000;
/// The import probe's timeout.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// A callback tool as declared in a manifest.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CallbackTool {
    /// The manifest `name`.
    pub name: String,
    /// `callback__<name>`.
    pub model_name: String,
    pub url: String,
    /// The name of the webhook secret that signs the calls.
    pub secret: String,
    /// `timeoutMs`, clamped to 1000..=120000 (default 30000).
    pub timeout_ms: u64,
    /// `maxRetries`, clamped to 0..=5 (default 2).
    pub max_retries: u32,
}

/// A problem with a manifest field, as the worker's validator reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Issue {
    pub path: String,
    pub message: String,
}

impl Issue {
    fn new(path: &str, field: &str, message: impl Into<String>) -> Issue {
        Issue {
            path: format!("{path}.{field}"),
            message: message.into(),
        }
    }
}

/// `^[a-zA-Z_][a-zA-Z0-9_]*$`, the worker's HTTP tool name pattern.
fn is_tool_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// An integer field within bounds (absent: the default).
fn bounded(
    entry: &Map<String, Value>,
    path: &str,
    field: &str,
    (min, max, default): (u64, u64, u64),
    issues: &mut Vec<Issue>,
) -> u64 {
    let Some(value) = entry.get(field) else {
        return default;
    };
    match value.as_u64().filter(|v| (min..=max).contains(v)) {
        Some(v) => v,
        None => {
            issues.push(Issue::new(
                path,
                field,
                format!("{field} must be an integer between {min} and {max}"),
            ));
            default
        }
    }
}

/// Reads the tools entry at `path` (`tools[i]`), with the worker's
/// structural checks (the URL policy is the caller's, as it depends on the
/// mock's options; `inputSchema` is not checked).
pub(crate) fn read_entry(
    entry: &Map<String, Value>,
    path: &str,
) -> Result<CallbackTool, Vec<Issue>> {
    let mut issues = Vec::new();
    let text = |field: &str| {
        entry
            .get(field)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let name = text("name").filter(|n| is_tool_name(n));
    if name.is_none() {
        issues.push(Issue::new(
            path,
            "name",
            "Callback tool name must match ^[a-zA-Z_][a-zA-Z0-9_]*$",
        ));
    }
    let url = text("url");
    if url.is_none() {
        issues.push(Issue::new(
            path,
            "url",
            "Callback tool entry must have a url string",
        ));
    }
    let secret = text("secret");
    if secret.is_none() {
        issues.push(Issue::new(
            path,
            "secret",
            "Callback tool entry must name a signing secret",
        ));
    }
    let timeout_ms = bounded(
        entry,
        path,
        "timeoutMs",
        (1000, 120_000, 30_000),
        &mut issues,
    );
    let max_retries = bounded(entry, path, "maxRetries", (0, 5, 2), &mut issues);
    match (name, url, secret) {
        (Some(name), Some(url), Some(secret)) if issues.is_empty() => Ok(CallbackTool {
            name: name.to_owned(),
            model_name: format!("{MODEL_PREFIX}{name}"),
            url: url.to_owned(),
            secret: secret.to_owned(),
            timeout_ms,
            max_retries: max_retries as u32,
        }),
        _ => Err(issues),
    }
}

/// The outbound URL policy for a callback URL, as a structural issue.
pub(crate) fn check_url(tool: &CallbackTool, path: &str, allow_loopback: bool) -> Option<Issue> {
    let reason = outbound::outbound_url_policy(&tool.url, allow_loopback).err()?;
    let message = if reason.starts_with("Invalid outbound URL") {
        format!("Callback tool url is not a valid URL: '{}'", tool.url)
    } else {
        format!("Callback tool url is not an allowed outbound URL: {reason}")
    };
    Some(Issue::new(path, "url", message))
}

/// The import-time reachability probe: `OPTIONS <url>`; any HTTP answer
/// means alive.
pub(crate) async fn probe(tool: &CallbackTool, path: &str) -> Option<Issue> {
    let sent = outbound::send(Method::OPTIONS, &tool.url, &[], Bytes::new(), PROBE_TIMEOUT).await;
    let error = sent.err()?;
    Some(Issue::new(
        path,
        "url",
        format!(
            "Could not reach callback endpoint '{}': {}",
            tool.url,
            error.message()
        ),
    ))
}

/// Where the call comes from (`runtime` of the body).
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Runtime<'a> {
    pub session_id: &'a str,
    pub run_id: &'a str,
    pub agent_id: &'a str,
}

/// The body, keys in the worker's order.
#[derive(Serialize)]
struct Delivery<'a> {
    tool: &'a str,
    args: &'a Value,
    runtime: Runtime<'a>,
    delivery: DeliveryRef<'a>,
}

#[derive(Serialize)]
struct DeliveryRef<'a> {
    id: &'a str,
    timestamp: &'a str,
}

/// `{"error", "deliveryId"}` in this order.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Failed<'a> {
    error: String,
    delivery_id: &'a str,
}

/// Calls `tool` with `args` as the worker does, and returns the tool
/// result: the answer's JSON (or text), or the worker's failure shape.
pub(crate) async fn call(
    store: &Store,
    tenant: &str,
    tool: &CallbackTool,
    args: &Value,
    runtime: Runtime<'_>,
) -> Raw {
    let secret = {
        let inner = store.lock();
        let key = (tenant.to_owned(), tool.secret.clone());
        inner.webhook_secrets.get(&key).map(|s| s.value.clone())
    };
    let Some(secret) = secret else {
        let error = format!(
            "Callback signing secret '{}' is not configured",
            tool.secret
        );
        return raw(&serde_json::json!({ "error": error }));
    };
    // `cbd_` + 18 random bytes in base64url.
    let id = format!("cbd_{}", nanoid(24));
    let timestamp = iso(now_ms());
    let body = serde_json::to_string(&Delivery {
        tool: &tool.name,
        args,
        runtime,
        delivery: DeliveryRef {
            id: &id,
            timestamp: &timestamp,
        },
    })
    .unwrap_or_default();
    let signature = sign(&secret, &timestamp, &id, &body);
    let headers = [
        (CONTENT_TYPE, "application/json"),
        (
            HeaderName::from_static("x-agntz-signature"),
            signature.as_str(),
        ),
        (
            HeaderName::from_static("x-agntz-timestamp"),
            timestamp.as_str(),
        ),
        (HeaderName::from_static("x-agntz-delivery-id"), id.as_str()),
        (HeaderName::from_static("idempotency-key"), id.as_str()),
    ];
    let timeout = Duration::from_millis(tool.timeout_ms.clamp(1000, 120_000));
    let max_retries = tool.max_retries.min(5);
    let mut last_error = String::new();
    for attempt in 0..=max_retries {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_millis(100 << (attempt - 1))).await;
        }
        let sent = outbound::send(
            Method::POST,
            &tool.url,
            &headers,
            Bytes::from(body.clone()),
            timeout,
        )
        .await;
        let answer = match sent {
            Ok(answer) => answer,
            Err(e @ (OutboundError::Failed | OutboundError::TimedOut)) => {
                last_error = e.message().to_owned();
                continue;
            }
        };
        let text = answer_text(&answer.body);
        if (200..300).contains(&answer.status) {
            return tool_result(text);
        }
        last_error = format!("HTTP {}: {text}", answer.status);
        let retried = answer.status >= 500 || answer.status == 408 || answer.status == 429;
        if !retried {
            break;
        }
    }
    raw(&Failed {
        error: format!("Callback delivery failed: {last_error}"),
        delivery_id: &id,
    })
}

/// `sha256=<hex HMAC-SHA256 of timestamp.id.body>`, keyed with the secret.
fn sign(secret: &str, timestamp: &str, id: &str, body: &str) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(format!("{timestamp}.{id}.{body}").as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// The body as `fetch`'s `text()` reads it (UTF-8, invalid bytes replaced,
/// a leading byte-order mark dropped), cut to its first 40,000 UTF-16 code
/// units (a character that would straddle the cut is left out).
fn answer_text(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut units = 0;
    let mut end = text.len();
    for (i, c) in text.char_indices() {
        units += c.len_utf16();
        if units > MAX_ANSWER {
            end = i;
            break;
        }
    }
    text[..end].to_owned()
}

/// The tool result of a 2xx answer: its JSON when it parses (kept as sent,
/// without the whitespace), else the text.
fn tool_result(text: String) -> Raw {
    match serde_json::from_str::<Box<serde_json::value::RawValue>>(&text) {
        Ok(json) => serde_json::value::RawValue::from_string(compact(json.get())).unwrap_or(json),
        Err(_) => raw(&Value::String(text)),
    }
}

/// Valid JSON without the whitespace between tokens.
fn compact(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in json.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !matches!(c, ' ' | '\t' | '\n' | '\r') {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(yaml_json: Value) -> Map<String, Value> {
        yaml_json.as_object().cloned().unwrap()
    }

    #[test]
    fn reads_entries_with_the_worker_checks() {
        let tool = read_entry(
            &entry(serde_json::json!({"kind":"callback","name":"find_recipes",
                "url":"https://api.example.com/t","secret":"s","timeoutMs":1000,"maxRetries":0})),
            "tools[0]",
        )
        .unwrap();
        assert_eq!(tool.model_name, "callback__find_recipes");
        assert_eq!((tool.timeout_ms, tool.max_retries), (1000, 0));
        let defaults = read_entry(
            &entry(serde_json::json!({"name":"t","url":"https://x.example/","secret":"s"})),
            "tools[0]",
        )
        .unwrap();
        assert_eq!((defaults.timeout_ms, defaults.max_retries), (30_000, 2));

        let issues = read_entry(
            &entry(serde_json::json!({"name":"9bad","timeoutMs":999,"maxRetries":6})),
            "tools[1]",
        )
        .unwrap_err();
        let messages: Vec<(&str, &str)> = issues
            .iter()
            .map(|i| (i.path.as_str(), i.message.as_str()))
            .collect();
        assert_eq!(
            messages,
            [
                (
                    "tools[1].name",
                    "Callback tool name must match ^[a-zA-Z_][a-zA-Z0-9_]*$"
                ),
                ("tools[1].url", "Callback tool entry must have a url string"),
                (
                    "tools[1].secret",
                    "Callback tool entry must name a signing secret"
                ),
                (
                    "tools[1].timeoutMs",
                    "timeoutMs must be an integer between 1000 and 120000"
                ),
                (
                    "tools[1].maxRetries",
                    "maxRetries must be an integer between 0 and 5"
                ),
            ]
        );
    }

    #[test]
    fn loopback_urls_need_the_opt_in() {
        let tool = read_entry(
            &entry(serde_json::json!({"name":"t","url":"http://127.0.0.1:9/x","secret":"s"})),
            "tools[0]",
        )
        .unwrap();
        assert_eq!(
            check_url(&tool, "tools[0]", false).map(|i| i.message),
            Some("Callback tool url is not an allowed outbound URL: Disallowed IP address: 127.0.0.1".into())
        );
        assert_eq!(check_url(&tool, "tools[0]", true), None);
    }

    #[test]
    fn answers_are_cut_and_read_like_the_worker() {
        assert_eq!(answer_text(b"\xef\xbb\xbfhi"), "hi");
        assert_eq!(answer_text(b"a\xffb"), "a\u{fffd}b");
        let long = "x".repeat(MAX_ANSWER + 10);
        assert_eq!(answer_text(long.as_bytes()).len(), MAX_ANSWER);
        // An emoji is two UTF-16 units: one that straddles the cut is left out.
        let straddling = format!("{}🍮", "y".repeat(MAX_ANSWER - 1));
        assert_eq!(
            answer_text(straddling.as_bytes()).chars().count(),
            MAX_ANSWER - 1
        );
        assert_eq!(
            tool_result("{ \"a\" : [1, 2],\n \"b\": \"x y\\\" z\" }".into()).get(),
            r#"{"a":[1,2],"b":"x y\" z"}"#
        );
        assert_eq!(tool_result("plain words".into()).get(), r#""plain words""#);
        assert_eq!(tool_result(String::new()).get(), r#""""#);
    }

    #[test]
    fn signs_like_the_sdk_verifier_expects() {
        // The same known answer as the SDK's verifier tests (computed with
        // Python's hmac module).
        let body = r#"{"tool":"find_recipes","args":{"query":"tomato pasta"},"runtime":{"sessionId":"sess_9","runId":"run_9","agentId":"nutritionist"},"delivery":{"id":"cbd_u-7IvmaHkpp5jb_ZfnhZRtDy","timestamp":"2026-12-06T07:28:21.126Z"}}"#;
        assert_eq!(
            sign(
                "whsec_00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
                "2026-12-06T07:28:21.126Z",
                "cbd_u-7IvmaHkpp5jb_ZfnhZRtDy",
                body
            ),
            "sha256=a94d5b84ffdb8b58731cf6677255007372a5a1561b8c1c8070c3f4e07a8981cc"
        );
        // And the body is built in the worker's key order.
        let args = serde_json::json!({"query": "tomato pasta"});
        let built = serde_json::to_string(&Delivery {
            tool: "find_recipes",
            args: &args,
            runtime: Runtime {
                session_id: "sess_9",
                run_id: "run_9",
                agent_id: "nutritionist",
            },
            delivery: DeliveryRef {
                id: "cbd_u-7IvmaHkpp5jb_ZfnhZRtDy",
                timestamp: "2026-12-06T07:28:21.126Z",
            },
        })
        .unwrap();
        assert_eq!(built, body);
    }
}
