//! What the `tracing` feature records: one span per call and per stream,
//! and events for retries and stream reconnects.
//!
//! Everything has the target [`TARGET`] (`agntz`), so
//! `RUST_LOG=agntz=info` (with `tracing-subscriber`'s `EnvFilter`) shows
//! it all. Spans and events are at `INFO` level. The API key, other
//! headers and bodies (requests, responses, events) are never recorded;
//! errors are recorded by kind only, as their messages may quote the
//! worker's bodies.
//!
//! # Spans
//!
//! [`REQUEST`] (`agntz.request`) covers one request/response call, retries
//! and waits included; [`STREAM`] (`agntz.stream`) covers an SSE or JSONL
//! stream from its opening until the stream is dropped (a run stream's
//! reconnects included). Calls made while a stream is open on its behalf
//! (answers to client-tool requests) are children of the stream's span.
//!
//! | Field | Value |
//! |---|---|
//! | `op` | the operation's type: `RunAgent`, `GetRun`, `StreamAgent`, `StreamRun`, `GetVersion<EvalResource>`, ... (see [`ops`](crate::ops)) |
//! | `otel.name` | `"{method} {path}"`, e.g. `GET /runs/{id}`, for OpenTelemetry exporters |
//! | `otel.kind` | `client` |
//! | `method` | HTTP method |
//! | `path` | the path template: ids are replaced by `{id}`, `{name}`, `{version}`, `{alias}`, `{request_id}`, never inlined |
//! | `run_id`, `session_id`, `trace_id`, `agent_id`, `artifact_id`, `dataset_id`, `import_id`, `eval_id`, `eval_run_id`, `batch_id`, `batch_run_id`, `entry_id`, `secret_name`, `version`, `alias`, `request_id` | the ids of the path, decoded. `run_id` and `session_id` also come from what the call returns (`POST /run`'s result, a durable run record, a stream's `run-start` or a run's `run-complete`) |
//! | `status` | HTTP status of the last response (an error status too) |
//! | `attempt` | number of the last attempt, from 1 |
//! | `retry_wait_ms` | total time waited before retries |
//! | `ttfb_ms` | time to first byte of the last attempt, in (fractional) milliseconds: from sending to the response head (needs a transport clock, [`Transport::now`](crate::Transport::now); the bundled transports have one) |
//! | `error` | on failure, its kind: `invalid_request`, `transport`, `timeout`, `authentication`, `not_found`, `rate_limited`, `api`, `stream`, `decode`, `body_too_large`, `content` |
//!
//! Stream spans also have:
//!
//! | Field | Value |
//! |---|---|
//! | `since` | the `since` of a run stream's (latest) request |
//! | `reconnects` | how many times a run stream reconnected |
//! | `items` | items (events, JSONL lines) delivered, written when the stream is dropped |
//!
//! # Events
//!
//! | Message | Fields | When |
//! |---|---|---|
//! | `retry` | `attempt` (the failed one), `wait_ms`, `error` (kind), `status` (if any) | before the retry policy's wait |
//! | `reconnect` | `reconnect` (in a row), `wait_ms`, `since`, `error` (kind) | a run stream lost its connection and resumes |

/// The target of every span and event of the SDK.
pub const TARGET: &str = "agntz";

/// Name of the span of a request/response call.
pub const REQUEST: &str = "agntz.request";

/// Name of the span of a stream.
pub const STREAM: &str = "agntz.stream";
