//! Executes runs: a root run with one internal manifest-step child, driven by
//! the fake model, emitting registry events, session turns and trace spans.

mod finish;
mod spans;
mod tool_call;

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::{oneshot, watch};

use finish::{finish_child, finish_root, RootEnd};
use spans::SpanBuilder;
use tool_call::{reply_call, CallSite};

use crate::model::{self, Agent, Plan};
use crate::runs::EventLog;
use crate::store::{LiveTrace, RunEntry, Store};
use crate::util::{hex, iso, monotonic_ms, nanoid, now_ms};
use crate::wire::{
    InputTokenDetails, InvokeResult, InvokeUsage, Message, OutputTokenDetails, PublicUsage, Reply,
    Retention, RunEvent, RunJson, RunResult, State, ToolCallRecord,
};

/// Model name reported for every run.
pub(crate) const MODEL: &str = "fake-model";
/// Provider reported for every run.
pub(crate) const PROVIDER: &str = "openai";

/// A validated run request.
pub(crate) struct RunSpec {
    pub tenant: String,
    /// The agent reference as sent (may carry `@version`).
    pub agent_ref: String,
    /// `None` for an unknown agent (only reachable through `POST /runs`).
    pub agent: Option<Agent>,
    pub requested_version: Option<String>,
    /// Manifest input (`state.userQuery`).
    pub user_query: String,
    /// Text the fake model sees.
    pub model_text: String,
    /// Session id (caller's or generated).
    pub session_id: String,
    pub retention: Retention,
}

/// How a run ended.
pub(crate) enum Outcome {
    Completed(Box<RunResult>),
    Failed(String),
    Cancelled,
}

/// A registered but not yet started run.
pub(crate) struct Prepared {
    pub root_id: String,
    pub log: Arc<EventLog>,
    pub run_json: RunJson,
    spec: RunSpec,
    cancel_rx: watch::Receiver<Option<String>>,
    started_ms: u64,
    /// Event logs of the session's active runs this run supersedes.
    superseded: Vec<Arc<EventLog>>,
}

fn run_id() -> String {
    format!("run_{}", nanoid(12))
}

/// Registers the root run (status `running`) and its event log.
pub(crate) fn prepare(store: &Store, spec: RunSpec) -> Prepared {
    let root_id = run_id();
    let started_ms = monotonic_ms();
    let session_mode = spec.retention.mode == "session";
    let run_json = RunJson {
        id: root_id.clone(),
        root_id: root_id.clone(),
        parent_id: None,
        agent_id: spec.agent_ref.clone(),
        agent_version: spec.agent.as_ref().map(|a| a.version.clone()),
        requested_agent_version: spec.requested_version.clone(),
        user_id: spec.tenant.clone(),
        session_id: session_mode.then(|| spec.session_id.clone()),
        retention_mode: spec.retention.mode,
        expires_at: spec
            .retention
            .ttl_seconds
            .map(|t| iso(started_ms + t * 1000)),
        input: if session_mode {
            spec.user_query.clone()
        } else {
            String::new()
        },
        status: "running",
        started_at: started_ms,
        depth: 0,
        result: None,
        error: None,
        ended_at: None,
    };
    let (cancel_tx, cancel_rx) = watch::channel(None);
    let log = EventLog::new(&root_id);
    let mut superseded = Vec::new();
    {
        let mut inner = store.lock();
        if session_mode {
            // Cancel-and-replace: the session's active root runs are
            // cancelled (`superseded`); this run starts once they ended.
            for e in inner.runs.values() {
                let active = e.in_memory
                    && e.json.depth == 0
                    && e.tenant == spec.tenant
                    && e.json.session_id.as_deref() == Some(spec.session_id.as_str())
                    && !matches!(e.json.status, "completed" | "failed" | "cancelled");
                if !active {
                    continue;
                }
                e.cancel.send_if_modified(|r| {
                    if r.is_none() {
                        *r = Some("superseded".into());
                        true
                    } else {
                        false
                    }
                });
                if let Some(old) = inner.logs.get(&e.json.id) {
                    superseded.push(old.clone());
                }
            }
        }
        inner.runs.insert(
            root_id.clone(),
            RunEntry {
                tenant: spec.tenant.clone(),
                json: run_json.clone(),
                in_memory: true,
                persisted: spec.retention.mode != "none",
                cancel: cancel_tx,
            },
        );
        inner.logs.insert(root_id.clone(), log.clone());
        if session_mode {
            inner.touch_session(&spec.tenant, &spec.session_id, started_ms);
            if spec.agent.is_some() {
                let (tx, _) = tokio::sync::broadcast::channel(64);
                inner.live_traces.insert(
                    root_id.clone(),
                    LiveTrace {
                        tenant: spec.tenant.clone(),
                        tx,
                    },
                );
            }
        }
    }
    Prepared {
        root_id,
        log,
        run_json,
        spec,
        cancel_rx,
        started_ms,
        superseded,
    }
}

/// Starts executing a prepared run on the current runtime.
pub(crate) fn spawn(store: Arc<Store>, prepared: Prepared) -> oneshot::Receiver<Outcome> {
    let (tx, rx) = oneshot::channel();
    tokio::spawn(async move {
        let outcome = execute(&store, prepared).await;
        let _ = tx.send(outcome);
    });
    rx
}

/// Requests cancellation of the run tree containing `run_id`. Returns `false` if
/// the run is not live in memory.
pub(crate) fn cancel(store: &Store, run_id: &str, reason: &str) -> bool {
    let inner = store.lock();
    match inner.runs.get(run_id) {
        Some(e) if e.in_memory => {
            e.cancel.send_if_modified(|r| {
                if r.is_none() {
                    *r = Some(reason.to_string());
                    true
                } else {
                    false
                }
            });
            true
        }
        _ => false,
    }
}

pub(crate) async fn cancelled(rx: &mut watch::Receiver<Option<String>>) -> String {
    let reason = match rx.wait_for(|r| r.is_some()).await {
        Ok(r) => Ok(r.clone().unwrap_or_else(|| "cancelled".into())),
        Err(_) => Err(()),
    };
    match reason {
        Ok(r) => r,
        // The sender lives in the registry; if it is gone the run can never be cancelled.
        Err(_) => std::future::pending().await,
    }
}

enum StepEnd {
    Answer {
        text: String,
        tool_calls: Vec<ToolCallRecord>,
        /// Model steps taken (1, plus one per step that called tools).
        steps: u32,
        replies: Vec<Reply>,
        input_tokens: u64,
        output_tokens: u64,
    },
    Fail(String),
    Cancel(String),
}

async fn execute(store: &Arc<Store>, p: Prepared) -> Outcome {
    let Prepared {
        root_id,
        log,
        spec,
        mut cancel_rx,
        started_ms,
        superseded,
        ..
    } = p;
    for old in superseded {
        tokio::select! {
            _ = old.ended() => {}
            // Superseded in turn while waiting: the step sees the reason.
            _ = cancelled(&mut cancel_rx) => break,
        }
    }
    let session_mode = spec.retention.mode == "session";
    let persisted_children = session_mode;
    log.emit(RunEvent::RunSpawn {
        run_id: root_id.clone(),
        parent_id: None,
        agent_id: spec.agent_ref.clone(),
        seq: 0,
    });
    let Some(agent) = spec.agent.clone() else {
        let msg = format!("Agent \"{}\" not found", spec.agent_ref);
        finish_root(
            store,
            &spec,
            &root_id,
            &log,
            RootEnd::Failed(msg.clone()),
            started_ms,
            None,
        );
        return Outcome::Failed(msg);
    };

    // History for RECALL (earlier user turns of this session).
    let history = if session_mode {
        store
            .lock()
            .touch_session(&spec.tenant, &spec.session_id, now_ms())
    } else {
        Vec::new()
    };

    // The internal manifest-step child run.
    let child_id = run_id();
    let child_agent = format!(
        "__manifest_step_{}_{}_{}",
        agent.id,
        nanoid(8).to_lowercase(),
        3
    );
    let invocation_id = format!("inv_{}", nanoid(12));
    let child_started = monotonic_ms();
    {
        let mut inner = store.lock();
        let cancel = inner
            .runs
            .get(&root_id)
            .map(|e| e.cancel.clone())
            .unwrap_or_else(|| watch::channel(None).0);
        inner.runs.insert(
            child_id.clone(),
            RunEntry {
                tenant: spec.tenant.clone(),
                json: RunJson {
                    id: child_id.clone(),
                    root_id: root_id.clone(),
                    parent_id: Some(root_id.clone()),
                    agent_id: child_agent.clone(),
                    agent_version: None,
                    requested_agent_version: None,
                    user_id: spec.tenant.clone(),
                    session_id: session_mode.then(|| spec.session_id.clone()),
                    retention_mode: spec.retention.mode,
                    expires_at: None,
                    input: if session_mode {
                        spec.user_query.clone()
                    } else {
                        String::new()
                    },
                    status: "running",
                    started_at: child_started,
                    depth: 1,
                    result: None,
                    error: None,
                    ended_at: None,
                },
                in_memory: true,
                persisted: persisted_children,
                cancel,
            },
        );
    }
    log.emit(RunEvent::RunSpawn {
        run_id: child_id.clone(),
        parent_id: Some(root_id.clone()),
        agent_id: child_agent.clone(),
        seq: 0,
    });

    let live = if session_mode {
        store.lock().live_traces.get(&root_id).map(|t| t.tx.clone())
    } else {
        None
    };
    let mut spans = SpanBuilder {
        trace_id: root_id.clone(),
        owner: spec.tenant.clone(),
        session: spec.session_id.clone(),
        live,
        spans: Vec::new(),
    };
    let run_span = spans.start(
        None,
        "agent.run",
        "run",
        Some(root_id.clone()),
        true,
        serde_json::json!({"agent.id": agent.id, "agent.run.id": root_id}),
    );
    let manifest_span = spans.start(
        Some(run_span),
        "agent.manifest",
        "manifest",
        None,
        false,
        serde_json::json!({"agent.id": agent.id, "manifest.kind": "llm"}),
    );
    let invoke_span = spans.start(
        Some(manifest_span),
        "agent.invoke",
        "invoke",
        None,
        true,
        serde_json::json!({"agent.id": child_agent, "agent.invocation.id": invocation_id}),
    );
    let model_span = spans.start(
        Some(invoke_span),
        "agent.model.call",
        "model",
        None,
        true,
        serde_json::json!({"agent.model": MODEL, "agent.step": 1}),
    );

    let step = run_step(
        store,
        &spec,
        &agent,
        &history,
        &root_id,
        &child_id,
        &log,
        &mut cancel_rx,
        &mut spans,
    )
    .await;

    let child_ended = now_ms();
    match step {
        StepEnd::Answer {
            text,
            tool_calls,
            steps,
            replies,
            input_tokens,
            output_tokens,
        } => {
            let total = input_tokens + output_tokens;
            spans.set_attributes(
                invoke_span,
                serde_json::json!({
                    "agent.id": child_agent,
                    "agent.invocation.id": invocation_id,
                    "agent.model": format!("{PROVIDER}/{MODEL}"),
                    "agent.session.id": spec.session_id,
                    "agent.resolved_via": "registered",
                    "agent.usage.prompt_tokens": input_tokens,
                    "agent.usage.completion_tokens": output_tokens,
                    "agent.usage.total_tokens": total,
                    "agent.duration_ms": child_ended.saturating_sub(child_started),
                    "agent.tool_call_count": tool_calls.len(),
                    "agent.step_count": steps,
                }),
            );
            spans.set_attributes(
                model_span,
                serde_json::json!({
                    "agent.model": MODEL,
                    "agent.step": 1,
                    "agent.usage.prompt_tokens": input_tokens,
                    "agent.usage.completion_tokens": output_tokens,
                    "agent.usage.total_tokens": total,
                    "agent.tool_call_count": tool_calls.len(),
                    "agent.finish_reason": "stop",
                }),
            );
            for idx in [model_span, invoke_span, manifest_span] {
                spans.end(idx);
            }
            let response_id = format!("resp_{}", hex(24));
            let redact = spec.retention.mode != "session";
            let stored_session = if redact {
                String::new()
            } else {
                spec.session_id.clone()
            };
            let child_result = InvokeResult {
                output: text.clone(),
                invocation_id: invocation_id.clone(),
                session_id: spec.session_id.clone(),
                tool_calls: tool_calls.clone(),
                usage: InvokeUsage {
                    prompt_tokens: input_tokens,
                    completion_tokens: output_tokens,
                    total_tokens: total,
                    model: MODEL,
                    reasoning_tokens: Some(0),
                    cached_input_tokens: Some(0),
                    input_token_details: Some(InputTokenDetails {
                        no_cache_tokens: input_tokens,
                        cache_read_tokens: 0,
                    }),
                    output_token_details: Some(OutputTokenDetails {
                        text_tokens: output_tokens,
                        reasoning_tokens: 0,
                    }),
                },
                duration: child_ended.saturating_sub(child_started),
                model: MODEL,
                provider: PROVIDER,
                requested_model: MODEL,
                response_id: response_id.clone(),
                finish_reason: "stop",
                replies: replies.clone(),
            };
            finish_child(
                store,
                &child_id,
                "completed",
                None,
                Some(child_result.clone()),
            );
            log.emit(RunEvent::RunComplete {
                run_id: child_id.clone(),
                result: child_result,
                seq: 0,
            });
            let root_ended = now_ms();
            let root_result = InvokeResult {
                output: text.clone(),
                invocation_id: root_id.clone(),
                session_id: spec.session_id.clone(),
                tool_calls: tool_calls.clone(),
                usage: InvokeUsage {
                    prompt_tokens: input_tokens,
                    completion_tokens: output_tokens,
                    total_tokens: total,
                    model: MODEL,
                    reasoning_tokens: None,
                    cached_input_tokens: None,
                    input_token_details: None,
                    output_token_details: None,
                },
                duration: root_ended.saturating_sub(started_ms),
                model: MODEL,
                provider: PROVIDER,
                requested_model: MODEL,
                response_id: response_id.clone(),
                finish_reason: "stop",
                replies: replies.clone(),
            };
            let mut stored = root_result.clone();
            if redact {
                stored.session_id = stored_session;
                stored.tool_calls = Vec::new();
            }
            if session_mode {
                let mut inner = store.lock();
                let key = (spec.tenant.clone(), spec.session_id.clone());
                if let Some(s) = inner.sessions.get_mut(&key) {
                    let at = iso(root_ended);
                    s.messages.push(Message {
                        role: "user".into(),
                        content: Value::String(spec.model_text.clone()),
                        timestamp: at.clone(),
                    });
                    s.messages.push(Message {
                        role: "assistant".into(),
                        content: Value::String(text.clone()),
                        timestamp: at.clone(),
                    });
                    s.updated_at = at;
                }
            }
            let result = RunResult {
                output: model::result_output(&spec.model_text, &text),
                state: State {
                    user_query: spec.user_query.clone(),
                },
                retention: spec.retention.clone(),
                run_id: root_id.clone(),
                trace_id: session_mode.then(|| root_id.clone()),
                status: "completed",
                requested_agent_version: spec.requested_version.clone(),
                resolved_agent_version: agent.version.clone(),
                provider: PROVIDER,
                model: MODEL,
                usage: PublicUsage {
                    input_tokens,
                    output_tokens,
                    total_tokens: total,
                },
                finish_reason: "stop",
                response_id,
                session_id: session_mode.then(|| spec.session_id.clone()),
                replies,
            };
            spans.end(run_span);
            finish_root(
                store,
                &spec,
                &root_id,
                &log,
                RootEnd::Completed(Box::new((root_result, stored))),
                started_ms,
                Some((spans, total)),
            );
            Outcome::Completed(Box::new(result))
        }
        StepEnd::Fail(msg) => {
            spans.end_all("error", Some(msg.clone()));
            finish_child(store, &child_id, "failed", Some(msg.clone()), None);
            log.emit(RunEvent::RunError {
                run_id: child_id.clone(),
                error: msg.clone(),
                seq: 0,
            });
            finish_root(
                store,
                &spec,
                &root_id,
                &log,
                RootEnd::Failed(msg.clone()),
                started_ms,
                Some((spans, 0)),
            );
            Outcome::Failed(msg)
        }
        StepEnd::Cancel(reason) => {
            spans.end_all("cancelled", Some(reason.clone()));
            finish_child(store, &child_id, "cancelled", Some(reason.clone()), None);
            log.emit(RunEvent::RunCancelled {
                run_id: child_id.clone(),
                seq: 0,
            });
            finish_root(
                store,
                &spec,
                &root_id,
                &log,
                RootEnd::Cancelled(reason.clone()),
                started_ms,
                Some((spans, 0)),
            );
            Outcome::Cancelled
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn run_step(
    store: &Arc<Store>,
    spec: &RunSpec,
    agent: &Agent,
    history: &[String],
    root_id: &str,
    child_id: &str,
    log: &EventLog,
    cancel_rx: &mut watch::Receiver<Option<String>>,
    spans: &mut SpanBuilder,
) -> StepEnd {
    let already = cancel_rx.borrow().clone();
    if let Some(reason) = already {
        return StepEnd::Cancel(reason);
    }
    let text = &spec.model_text;
    // Step 1 (when the prompt asks for replies): the model calls `reply`.
    let mut tool_calls = Vec::new();
    let mut replies = Vec::new();
    for reply_text in model::reply_texts(text) {
        let record = reply_call(store, spec, child_id, log, spans, &replies, reply_text);
        if let Some(reply) = record.1 {
            replies.push(reply);
        }
        tool_calls.push(record.0);
    }
    let mut steps = 1;
    if !tool_calls.is_empty() {
        log.emit(RunEvent::StepComplete {
            run_id: child_id.to_string(),
            step: steps,
            tool_calls: tool_calls.clone(),
            seq: 0,
        });
        steps += 1;
    }
    if let Some(delay) = model::slow_delay(text) {
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            reason = cancelled(cancel_rx) => return StepEnd::Cancel(reason),
        }
    } else {
        // Yield once so that the start of the run is observable before it ends.
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let input_tokens = model::tokens(text);
    match model::plan(text, history, agent.tool.as_ref()) {
        Plan::Fail => StepEnd::Fail(model::FAIL_MESSAGE.to_string()),
        Plan::Answer(answer) => StepEnd::Answer {
            output_tokens: model::tokens(&answer),
            text: answer,
            tool_calls,
            steps,
            replies,
            input_tokens,
        },
        Plan::CallTool { name, args } => {
            let site = CallSite {
                store,
                spec,
                agent,
                root_id,
                child_id,
                log,
            };
            let record = match tool_call::call(&site, cancel_rx, spans, name, args).await {
                Ok(record) => record,
                Err(reason) => return StepEnd::Cancel(reason),
            };
            log.emit(RunEvent::StepComplete {
                run_id: child_id.to_string(),
                step: steps,
                tool_calls: vec![record.clone()],
                seq: 0,
            });
            let answer = format!("TOOL_RESULT: {}", record.output.get());
            let input_tokens = input_tokens + model::tokens(record.output.get());
            tool_calls.push(record);
            StepEnd::Answer {
                output_tokens: model::tokens(&answer),
                input_tokens,
                text: answer,
                tool_calls,
                steps: steps + 1,
                replies,
            }
        }
    }
}
