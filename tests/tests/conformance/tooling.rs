//! Manifest tooling scenarios (validation, block runs, the agent builder
//! and editor, system agents), written once and generic over the transport.

use std::time::Duration;

use agntz_proto::events::{AgentKind, BlockEvent, StreamEvent};
use agntz_proto::types::{
    AgentImport, AgentManifest, BlockSelection, EditAgentRequest, RunRequest, SystemAgent,
    ValidationLevel, ValidationRequest,
};
use agntz_proto::{ClientTools, Error, RetryPolicy, Transport};
use serde_json::json;

use crate::harness::Harness;

/// A sequential agent: two inline `llm` steps, then a `ref:` to `echo`.
const PIPELINE: &str = "id: wxblk\nname: Block test\nkind: sequential\nsteps:\n  - agent:\n      id: wxblk-first\n      kind: llm\n      model:\n        provider: openai\n        name: fake-model\n      instruction: First.\n  - agent:\n      id: wxblk-second\n      kind: llm\n      model:\n        provider: openai\n        name: fake-model\n      instruction: Second {{userQuery}}.\n  - ref: echo\n";

/// A sequential agent whose first step has a client tool.
const WITH_CLIENT_TOOL: &str = "id: picker\nname: Picker\nkind: sequential\nsteps:\n  - agent:\n      id: picker-select\n      kind: llm\n      model:\n        provider: openai\n        name: fake-model\n      instruction: Read the selection.\n      tools:\n        - kind: client\n          name: get_selection\n  - agent:\n      id: picker-plain\n      kind: llm\n      model:\n        provider: openai\n        name: fake-model\n      instruction: Plain.\n";

/// The builder's and editor's failure with the fake model.
const NO_OBJECT: &str = "No object generated: could not parse the response.";

async fn publish<T: Transport>(h: &Harness<T>, yaml: &str) {
    h.client
        .agents()
        .import(AgentImport::new([AgentManifest::new(yaml)]))
        .await
        .expect("import");
}

fn api_status(err: &Error) -> Option<u16> {
    err.status().map(|s| s.as_u16())
}

pub async fn validate_reports_every_level<T: Transport>(h: Harness<T>) {
    let agents = h.client.agents();

    // A reference to an agent the tenant does not have: external, with the
    // normalized manifest kept.
    let report = agents
        .validate("id: v4\nkind: sequential\nsteps:\n  - ref: nope-agent\n")
        .await
        .expect("validate");
    assert!(!report.is_valid() && !report.valid);
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    let e = &report.errors[0];
    assert_eq!(
        (e.level, e.path.as_str(), e.message.as_str()),
        (
            ValidationLevel::External,
            "steps[0].ref",
            "Referenced agent 'nope-agent' not found"
        )
    );
    assert_eq!(
        e.to_string(),
        "[external] steps[0].ref: Referenced agent 'nope-agent' not found"
    );
    assert_eq!(report.manifest.as_ref().unwrap()["id"], "v4");
    let req = h.worker.requests().pop().unwrap();
    assert_eq!(
        (req.method.as_str(), req.path.as_str()),
        ("POST", "/validate")
    );
    assert!(req.header("authorization").is_some());
    assert_eq!(
        req.body_json().unwrap(),
        json!({"manifest": "id: v4\nkind: sequential\nsteps:\n  - ref: nope-agent\n"})
    );

    // A manifest the parser rejects: one structural error, no manifest.
    let report = agents
        .validate("id: x\nkind: llm\n")
        .await
        .expect("validate");
    assert!(report.is_unparseable());
    assert_eq!(
        report.errors[0].message,
        "LLM agent must have a 'model' field"
    );
    assert!(report.manifest.is_none());

    // A template variable out of scope.
    let report = agents
        .validate(PIPELINE.replace("{{userQuery}}", "{{zzz}}"))
        .await
        .expect("validate");
    let refs: Vec<_> = report.errors_of(ValidationLevel::Reference).collect();
    assert_eq!(refs.len(), 1, "{:?}", report.errors);
    assert_eq!(refs[0].path, "steps[1].agent.instruction");
    assert!(refs[0].message.starts_with("Template variable '{{zzz}}'"));

    // The pipeline itself is valid (its `ref: echo` exists for everyone).
    let report = agents.validate(PIPELINE).await.expect("validate");
    assert!(report.is_valid(), "{:?}", report.errors);

    // An MCP server the worker cannot reach: a warning, an error in strict mode.
    let mcp = "id: m\nkind: llm\nmodel:\n  provider: openai\n  name: fake-model\ninstruction: Hi.\ntools:\n  - kind: mcp\n    server: https://mcp.example.com/sse\n";
    let loose = agents.validate(mcp).await.expect("validate");
    assert!(loose.is_valid());
    assert_eq!(loose.warnings.len(), 1);
    assert_eq!(loose.warnings[0].path, "tools[0]");
    let strict = agents
        .validate(
            ValidationRequest::new(mcp)
                .strict(true)
                .mcp_timeout(Duration::from_millis(1500)),
        )
        .await
        .expect("validate");
    assert!(!strict.is_valid());
    assert_eq!(strict.errors[0].level, ValidationLevel::External);
    let req = h.worker.requests().pop().unwrap();
    assert_eq!(req.body_json().unwrap()["strict"], true);
    assert_eq!(req.body_json().unwrap()["mcpTimeoutMs"], 1500);

    // Nothing is sent for an empty manifest.
    let before = h.worker.requests().len();
    assert!(matches!(
        agents.validate("  ").await,
        Err(Error::InvalidRequest(_))
    ));
    assert_eq!(h.worker.requests().len(), before);
}

pub async fn validate_looks_up_the_callers_tenant<T: Transport>(h: Harness<T>) {
    publish(&h, PIPELINE).await;
    let uses_it = "id: outer\nkind: sequential\nsteps:\n  - ref: wxblk\n";
    let mine = h.client.agents().validate(uses_it).await.expect("validate");
    assert!(mine.is_valid(), "{:?}", mine.errors);
    let other = h.client_with_key(Some(h.worker.api_key_b()));
    let theirs = other.agents().validate(uses_it).await.expect("validate");
    assert_eq!(
        theirs.errors[0].message,
        "Referenced agent 'wxblk' not found"
    );
}

pub async fn run_block_runs_the_selected_block<T: Transport>(h: Harness<T>) {
    publish(&h, PIPELINE).await;
    let agents = h.client.agents();

    let second = agents
        .run_block(
            RunRequest::new("wxblk").input("two hi"),
            BlockSelection::root().step(1),
        )
        .await
        .expect("block run");
    assert_eq!(second.block_id, "wxblk-second");
    assert_eq!(second.block_kind, AgentKind::Llm);
    assert_eq!(second.result.output, "ECHO: two hi");
    assert!(second.result.run_id.starts_with("run_"));
    // The root's version, and no block keys left over in `extra`.
    assert!(second.result.resolved_agent_version.is_some());
    assert!(second.result.extra.is_empty(), "{:?}", second.result.extra);
    let req = h.worker.requests().pop().unwrap();
    assert_eq!(req.path, "/run/block");
    assert_eq!(
        req.body_json().unwrap(),
        json!({"agentId": "wxblk", "input": "two hi",
               "selection": {"agentPath": ["steps", 1, "agent"], "stepPath": ["steps", 1]}})
    );

    // A `ref:` step runs the referenced agent; the root runs as itself.
    let referenced = agents
        .run_block(
            RunRequest::new("wxblk").input("x"),
            "steps[2]".parse().unwrap(),
        )
        .await
        .expect("ref step");
    assert_eq!(referenced.block_id, "echo");
    let root = agents
        .run_block(RunRequest::new("wxblk").input("x"), BlockSelection::root())
        .await
        .expect("root");
    assert_eq!(
        (root.block_id.as_str(), root.block_kind),
        ("wxblk", AgentKind::Sequential)
    );

    // A path that lands on nothing, and an unknown agent.
    let err = agents
        .run_block(
            RunRequest::new("wxblk").input("x"),
            BlockSelection::root().step(7),
        )
        .await
        .expect_err("no such step");
    assert_eq!(api_status(&err), Some(400));
    assert_eq!(err.code(), Some("BAD_REQUEST"));
    assert_eq!(
        err.api().unwrap().message,
        "selected block path was not found in the agent manifest"
    );
    let err = agents
        .run_block(RunRequest::new("nope").input("x"), BlockSelection::root())
        .await
        .expect_err("unknown agent");
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");
}

pub async fn stream_block_keeps_the_block_fields<T: Transport>(h: Harness<T>) {
    publish(&h, PIPELINE).await;
    let mut events = h
        .client
        .agents()
        .stream_block(
            RunRequest::new("wxblk").input("hey"),
            BlockSelection::root().step(1),
        )
        .await
        .expect("open");
    let Some(Ok(BlockEvent::Start(start))) = events.next().await else {
        panic!("run-start first")
    };
    assert_eq!(start.agent_id, "wxblk");
    assert_eq!(start.kind, AgentKind::Llm);
    assert_eq!(start.block_id, "wxblk-second");
    assert_eq!(start.extra["target"], "block");
    let Some(Ok(BlockEvent::Complete(done))) = events.next().await else {
        panic!("run-complete")
    };
    assert_eq!(done.block_id, "wxblk-second");
    assert_eq!(done.result.output, "ECHO: hey");
    assert_eq!(done.result.run_id, start.run_id.clone().unwrap());
    assert!(events.next().await.is_none());
    assert_eq!(h.worker.requests().pop().unwrap().path, "/run/block/stream");

    // A failing block ends the stream with its error.
    let failed = h
        .client
        .agents()
        .stream_block(
            RunRequest::new("wxblk").input("FAIL_LLM"),
            BlockSelection::root().step(0),
        )
        .await
        .expect("open")
        .into_result()
        .await
        .expect_err("run-error");
    assert_eq!(failed.code(), Some("RUN_FAILED"));
}

pub async fn block_client_tools_are_checked_on_the_block_only<T: Transport>(h: Harness<T>) {
    publish(&h, WITH_CLIENT_TOOL).await;
    let agents = h.client.agents();
    let err = agents
        .run_block(
            RunRequest::new("picker").input("x"),
            BlockSelection::root().step(0),
        )
        .await
        .expect_err("client tool without a stream");
    assert_eq!(err.code(), Some("CLIENT_TOOLS_REQUIRE_ATTACHED_RUN"));
    // The sibling runs without handlers.
    let plain = agents
        .run_block(
            RunRequest::new("picker").input("x"),
            BlockSelection::root().step(1),
        )
        .await
        .expect("sibling");
    assert_eq!(plain.block_id, "picker-plain");

    // On the stream, attached handlers answer the block's tool requests.
    let tools = ClientTools::new().handler("get_selection", |_input, _call| async move {
        Ok(json!({"selected": "chapter one"}))
    });
    let done = agents
        .stream_block_with_tools(
            RunRequest::new("picker").input("CALL_TOOL:get_selection ARGS:{}"),
            BlockSelection::root().step(0),
            tools,
        )
        .await
        .expect("open")
        .into_result()
        .await
        .expect("completes");
    assert_eq!(done.block_id, "picker-select");
    let out = done.result.output_text().unwrap();
    assert!(out.contains("chapter one"), "{out}");
    let sent = h
        .worker
        .requests()
        .into_iter()
        .find(|r| r.path == "/run/block/stream")
        .unwrap();
    assert_eq!(
        sent.body_json().unwrap()["clientTools"],
        json!(["get_selection"])
    );
}

pub async fn build_agent_needs_no_key_and_is_rate_limited<T: Transport>(h: Harness<T>) {
    // No API key at all: the builder is public.
    let anonymous = h.client_with_key(None);
    let draft = anonymous
        .agents()
        .build("Greet the user by name")
        .await
        .expect("draft");
    assert!(draft.is_usable(), "{draft:?}");
    let yaml = draft.yaml.as_deref().unwrap();
    assert!(yaml.starts_with("id: greet-the-user-by\n"), "{yaml}");
    assert_eq!(
        draft.explanation.as_deref(),
        Some("A single llm agent, as planned.")
    );
    assert!(draft.validation.as_ref().unwrap().manifest.is_none());
    let req = h.worker.requests().pop().unwrap();
    assert_eq!(
        (req.method.as_str(), req.path.as_str()),
        ("POST", "/build-agent")
    );
    assert_eq!(
        req.body_json().unwrap(),
        json!({"description": "Greet the user by name"})
    );
    // With a key configured, the builder still gets none.
    h.client.agents().build("Count words").await.expect("draft");
    assert_eq!(
        h.worker.requests().pop().unwrap().header("authorization"),
        None
    );

    // Too long in UTF-16 code units (2,049 four-byte characters are 4,098
    // units): refused before sending, so it does not use up the allowance.
    let before = h.worker.requests().len();
    let err = h
        .client
        .agents()
        .build("😀".repeat(2049))
        .await
        .expect_err("too long");
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    assert_eq!(h.worker.requests().len(), before);

    // A failed build counts too. With two used, eight more succeed.
    let err = h
        .client
        .agents()
        .build("FAIL_LLM now")
        .await
        .expect_err("fails");
    assert_eq!(api_status(&err), Some(500));
    assert_eq!(err.api().unwrap().message, NO_OBJECT);
    for i in 0..7 {
        h.client
            .agents()
            .build(format!("Agent number {i}"))
            .await
            .expect("within the limit");
    }
    let err = h
        .client
        .agents()
        .build("One too many")
        .await
        .expect_err("limited");
    let Error::RateLimited(limited) = &err else {
        panic!("expected RateLimited, got {err:?}")
    };
    let wait = limited.retry_after.expect("retry time");
    assert!(
        wait > Duration::from_secs(3500) && wait <= Duration::from_secs(3600),
        "{wait:?}"
    );
    assert_eq!(limited.message, "rate limit exceeded");
    // Not retried: the wait is beyond the policy's cap.
    let limited_requests = h
        .worker
        .requests()
        .iter()
        .filter(|r| r.path == "/build-agent")
        .count();
    assert_eq!(limited_requests, 11);

    // The editor has its own allowance.
    h.client
        .agents()
        .edit(EditAgentRequest::new(
            "id: a\nkind: llm\nmodel:\n  provider: openai\n  name: fake-model\ninstruction: Hi.\n",
            "Be brief",
        ))
        .await
        .expect("edit is counted separately");
}

pub async fn edit_agent_revises_the_block_in_focus<T: Transport>(h: Harness<T>) {
    let agents = h.client.agents();
    let draft = agents
        .edit(
            EditAgentRequest::new(PIPELINE, "Answer in French.")
                .selection(BlockSelection::root().step(1)),
        )
        .await
        .expect("edit");
    assert!(draft.is_usable(), "{draft:?}");
    assert_eq!(
        draft.explanation.as_deref(),
        Some("Applied the change to wxblk-second.")
    );
    let yaml = draft.yaml.unwrap();
    assert!(yaml.contains("Second {{userQuery}}.\n"), "{yaml}");
    assert!(yaml.contains("Answer in French."), "{yaml}");
    let req = h.worker.requests().pop().unwrap();
    assert_eq!(req.path, "/edit-agent");
    assert!(req.header("authorization").is_some());
    assert_eq!(
        req.body_json().unwrap()["selection"],
        json!({"agentPath": ["steps", 1, "agent"], "stepPath": ["steps", 1]})
    );

    let err = agents
        .edit(EditAgentRequest::new(PIPELINE, "x").selection(BlockSelection::root().branch(0)))
        .await
        .expect_err("no such block");
    assert_eq!(api_status(&err), Some(400));
    assert_eq!(
        err.api().unwrap().message,
        "selected block path was not found in currentManifest"
    );
    let err = agents
        .edit(EditAgentRequest::new("id: x\nkind: llm\n", "x"))
        .await
        .expect_err("unparseable manifest");
    assert_eq!(api_status(&err), Some(500));
    assert_eq!(
        err.api().unwrap().message,
        "LLM agent must have a 'model' field"
    );

    // Without a key: refused before sending (the worker would count the 401).
    let before = h.worker.requests().len();
    let err = h
        .client_with_key(None)
        .agents()
        .edit(EditAgentRequest::new(PIPELINE, "x"))
        .await
        .expect_err("no key");
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    assert_eq!(h.worker.requests().len(), before);
}

pub async fn system_agents_refuse_pins_before_sending<T: Transport>(h: Harness<T>) {
    let agents = h.client.agents();
    let before = h.worker.requests().len();
    let pinned = SystemAgent::builder_run("Greet").version("latest");
    let err = agents.run(pinned.clone()).await.expect_err("pinned");
    assert!(matches!(&err, Error::InvalidRequest(m) if m.contains("cannot be version-pinned")));
    assert!(matches!(
        agents.stream(pinned.clone()).await,
        Err(Error::InvalidRequest(_))
    ));
    assert!(matches!(
        agents.start(pinned.clone()).await,
        Err(Error::InvalidRequest(_))
    ));
    assert!(matches!(
        agents.run_block(pinned, BlockSelection::root()).await,
        Err(Error::InvalidRequest(_))
    ));
    assert_eq!(h.worker.requests().len(), before);

    // Sent as the worker's fake model answers them: the builder fails in
    // its first model step (a 500 is not retried for a run).
    let no_retry = h.client.with_retry_policy(RetryPolicy::none());
    let err = no_retry
        .agents()
        .run(SystemAgent::builder_run("Greet the user"))
        .await
        .expect_err("fake model");
    assert_eq!(api_status(&err), Some(500));
    assert_eq!(err.api().unwrap().message, NO_OBJECT);
    let req = h.worker.requests().pop().unwrap();
    assert_eq!(
        req.body_json().unwrap(),
        json!({"agentId": "system:agent-builder", "input": {"description": "Greet the user"}})
    );
    let mut events = agents
        .stream(SystemAgent::editor_run(
            "id: a",
            "The whole manifest.",
            "Be brief",
        ))
        .await
        .expect("open");
    let Some(Ok(StreamEvent::Start(start))) = events.next().await else {
        panic!("run-start")
    };
    assert_eq!(start.agent_id, "system:agent-editor");
    let Some(Ok(StreamEvent::Error(failed))) = events.next().await else {
        panic!("run-error")
    };
    assert_eq!(failed.error, NO_OBJECT);
    let err = agents
        .run(RunRequest::new("system:nope").input("x"))
        .await
        .expect_err("unknown");
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");
    assert_eq!(
        err.api().unwrap().message,
        "Unknown system agent: system:nope"
    );
}
