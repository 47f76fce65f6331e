//! Every other resource answers through the blocking client (their own
//! scenarios are in the async suite; here, that the wrappers reach the
//! right calls and wrap their streams).

use std::time::Duration;

use agntz_client::blocking::ClientTools;
use agntz_client::ops::{GetHealth, StreamRun};
use agntz_client::{
    AgentImport, ArtifactUpload, BatchInputItem, BatchItemsQuery, BatchRunRequest, BatchRunStatus,
    BlockEvent, BlockSelection, ContentBlock, DatasetDraft, DatasetImportInput, DatasetItem,
    DatasetItemsQuery, EditAgentRequest, Error, EvalCriterion, EvalDefinition, EvalRunRequest,
    EvalRunStatus, MemoryEntry, MemoryEntryType, MemoryImport, MemoryQuery, NewWebhookSecret,
    RunRequest, Transport, Wait,
};
use serde_json::json;

use crate::harness::Harness;

/// Poll often; give up (a typed timeout) long before the test harness would.
const WAIT: Wait = Wait::up_to(Duration::from_secs(30)).every(Duration::from_millis(20));
const GREETER: &str = "id: greeter\nname: Greeter\nkind: llm\nmodel:\n  provider: openai\n  name: fake-model\ninstruction: Greet the user.\n";
const PIPELINE: &str = "id: wxblk\nname: Block test\nkind: sequential\nsteps:\n  - agent:\n      id: wxblk-first\n      kind: llm\n      model:\n        provider: openai\n        name: fake-model\n      instruction: First.\n  - agent:\n      id: wxblk-second\n      kind: llm\n      model:\n        provider: openai\n        name: fake-model\n      instruction: Second {{userQuery}}.\n";
const PICKER: &str = "id: picker\nname: Picker\nkind: sequential\nsteps:\n  - agent:\n      id: picker-select\n      kind: llm\n      model:\n        provider: openai\n        name: fake-model\n      instruction: Read the selection.\n      tools:\n        - kind: client\n          name: get_selection\n";
const SUMMARIES: &str = "id: summaries\nname: Customer summaries\nkind: llm\nmodel:\n  provider: openai\n  name: gpt-batch\ninstruction: Summarize the customer.\n";

pub fn agents_artifacts_and_webhook_secrets<T: Transport>(h: Harness<T>) {
    let agents = h.client.agents();
    assert!(agents.list().expect("list").is_empty());
    agents.import(AgentImport::new([GREETER])).expect("import");
    assert_eq!(agents.get("greeter").expect("get").name, "Greeter");
    assert_eq!(agents.list().expect("list").len(), 1);

    let artifacts = h.client.artifacts();
    let stored = artifacts
        .upload(ArtifactUpload::new(&b"blocking bytes"[..], "text/plain").filename("b.txt"))
        .expect("upload");
    assert_eq!(artifacts.get(&stored.id).expect("get").id, stored.id);
    let content = artifacts.download(&stored.id).expect("download");
    assert_eq!(&content.data[..], b"blocking bytes");
    artifacts.delete(&stored.id).expect("delete");
    assert!(artifacts.get(&stored.id).is_err(), "gone");

    let secrets = h.client.webhook_secrets();
    let issued = secrets
        .create(NewWebhookSecret::new("deploys"))
        .expect("create");
    assert!(!issued.value.expose().is_empty());
    let renewed = secrets.regenerate("deploys").expect("regenerate");
    assert_ne!(renewed.value.expose(), issued.value.expose());
    assert_eq!(secrets.list().expect("list").len(), 1);
    secrets.delete("deploys").expect("delete");
    assert!(secrets.list().expect("list").is_empty());
}

pub fn memory_and_datasets<T: Transport>(h: Harness<T>) {
    h.worker
        .register_namespace_root(agntz_testkit::TENANT_A_USER, "app");
    let memory = h.client.memory();
    let entry = MemoryEntry::new(
        "mem_1",
        "app/user/u_1",
        "Prefers dark mode",
        MemoryEntryType::Preference,
        "2026-01-01T00:00:00.000Z",
    )
    .topic("ui");
    memory.import(MemoryImport::new([entry])).expect("import");
    let scan = memory.scan(["app/user/u_1"]).expect("scan");
    assert_eq!(scan.topics.len(), 1);
    assert_eq!(scan.topics[0].topic, "ui");
    let read = memory
        .read(["app/user/u_1"], ["ui"], Some(10))
        .expect("read");
    assert_eq!(read.entries.len(), 1);
    let all = memory
        .list_all(["app/user/u_1"], MemoryQuery::new().limit(1))
        .collect_all()
        .expect("list all");
    assert_eq!(all.len(), 1);
    let corrected = memory
        .correct(["app/user/u_1"], "mem_1", "Prefers light mode")
        .expect("correct");
    assert_eq!(corrected.content, "Prefers light mode");
    memory.curate(["app/user/u_1"]).expect("curate");
    memory
        .delete_scope("app/user/u_1", false)
        .expect("delete scope");

    let datasets = h.client.datasets();
    datasets
        .create(
            DatasetDraft::new()
                .id("cases")
                .agent_id("echo")
                .items((0..5).map(|i| DatasetItem::new(format!("case {i}")))),
        )
        .expect("create");
    let items = datasets
        .items_all("cases", DatasetItemsQuery::new().limit(2))
        .collect_all()
        .expect("all items");
    assert_eq!(items.len(), 5);
    let imported = datasets
        .import(DatasetImportInput::new("id,input\nc1,Ada\nc2,Grace\n").dataset_id("people"))
        .expect("import CSV");
    assert_eq!(imported.item_count, Some(2));
    assert_eq!(datasets.list().expect("list").len(), 2);
    datasets.delete("people").expect("delete");
}

pub fn evals_and_batches<T: Transport>(h: Harness<T>) {
    h.worker
        .seed_dataset(
            h.worker.api_key(),
            json!({"id": "tickets", "agentId": "echo", "items": [{"id": "t1", "input": "hi"}]}),
        )
        .expect("seed dataset");
    let evals = h.client.evals();
    evals
        .create(
            EvalDefinition::new("echo")
                .id("tone")
                .criterion(EvalCriterion::new("echoes", "Mentions CONTAINS:ECHO"))
                .default_dataset("tickets"),
        )
        .expect("create eval");
    let started = evals.run(EvalRunRequest::new("tone")).expect("start");
    let run = evals.wait_for_run(&started.id, WAIT).expect("finished");
    assert_eq!(run.status, EvalRunStatus::Completed);
    assert_eq!(run.case_results.len(), 1);
    let runs = evals
        .list_all_runs(Default::default())
        .collect_all()
        .expect("all runs");
    assert!(runs.iter().any(|r| r.id == started.id));

    let batches = h.client.batches();
    batches.create(SUMMARIES).expect("create batch");
    let submitted = batches
        .run(
            BatchRunRequest::new("summaries")
                .item(BatchInputItem::new("c1", "Ada"))
                .item(BatchInputItem::new("c2", "Grace")),
        )
        .expect("submit");
    let done = batches.wait_for_run(&submitted.id, WAIT).expect("finished");
    assert_eq!(done.status, BatchRunStatus::Completed);
    let streamed = batches
        .results_stream(&submitted.id)
        .expect("results")
        .collect_all()
        .expect("every line");
    let ids: Vec<_> = streamed.iter().map(|r| r.item_id.as_str()).collect();
    assert_eq!(ids, ["c1", "c2"]);
    assert_eq!(streamed[0].output_text(), Some("ECHO: Ada"));
    let items = batches
        .all_items(&submitted.id, BatchItemsQuery::new().limit(1))
        .collect_all()
        .expect("all items");
    assert_eq!(items.len(), 2);
}

pub fn execute_and_open_stream<T: Transport>(h: Harness<T>) {
    let health = h.client.execute(&GetHealth::new()).expect("execute");
    assert_eq!(health.status, "ok");
    let run = h
        .client
        .runs()
        .start(RunRequest::new("echo").input("raw"))
        .expect("start");
    h.wait_terminal(&run.id);
    let body: Vec<u8> = h
        .client
        .open_stream(&StreamRun::new(run.id.as_str()))
        .expect("open")
        .collect_all()
        .expect("whole body")
        .concat();
    let text = String::from_utf8(body).expect("UTF-8");
    assert!(text.contains("event: run-complete"), "{text}");

    // The escape hatch runs any async call of the wrapped client.
    let listed = h
        .client
        .block_on(h.client.as_async().sessions().list())
        .expect("not inside a runtime")
        .expect("list");
    assert!(listed.iter().all(|s| !s.session_id.is_empty()));

    // Derived clients share the runtime and transport.
    let strict = h
        .client
        .with_retry_policy(agntz_client::RetryPolicy::none());
    assert_eq!(strict.health().expect("health").status, "ok");
    assert_eq!(strict.config().base_url(), h.client.config().base_url());
}

pub fn manifest_tooling<T: Transport>(h: Harness<T>) {
    let agents = h.client.agents();
    let report = agents
        .validate("id: v4\nkind: sequential\nsteps:\n  - ref: nope-agent\n")
        .expect("validate");
    assert!(!report.is_valid());
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);

    agents
        .import(AgentImport::new([PIPELINE, PICKER]))
        .expect("publish");
    let second = agents
        .run_block(
            RunRequest::new("wxblk").input("two hi"),
            BlockSelection::root().step(1),
        )
        .expect("block run");
    assert_eq!(second.block_id, "wxblk-second");
    assert_eq!(second.result.output, "ECHO: two hi");

    let events = agents
        .stream_block(
            RunRequest::new("wxblk").input("hey"),
            BlockSelection::root().step(1),
        )
        .expect("open")
        .collect_all()
        .expect("events");
    match events.as_slice() {
        [BlockEvent::Start(start), BlockEvent::Complete(done)] => {
            assert_eq!(start.block_id, "wxblk-second");
            assert_eq!(done.result.output, "ECHO: hey");
        }
        other => panic!("expected start then complete, got {other:?}"),
    }
    let failed = agents
        .stream_block(
            RunRequest::new("wxblk").input("FAIL_LLM"),
            BlockSelection::root().step(0),
        )
        .expect("open")
        .into_result()
        .expect_err("run-error");
    assert_eq!(failed.code(), Some("RUN_FAILED"));

    let tools = ClientTools::new().handler("get_selection", |_input, _call| {
        Ok(json!({"selected": "chapter one"}))
    });
    let done = agents
        .stream_block_with_tools(
            RunRequest::new("picker").input("CALL_TOOL:get_selection ARGS:{}"),
            BlockSelection::root().step(0),
            tools,
        )
        .expect("open")
        .into_result()
        .expect("completes");
    assert_eq!(done.block_id, "picker-select");
    assert!(done
        .result
        .output_text()
        .is_some_and(|out| out.contains("chapter one")));

    let draft = h
        .client_with_key(None)
        .agents()
        .build("Greet the user by name")
        .expect("draft without a key");
    assert!(draft.is_usable(), "{draft:?}");
    let edited = agents
        .edit(
            EditAgentRequest::new(PIPELINE, "Answer in French.")
                .selection(BlockSelection::root().step(1)),
        )
        .expect("edit");
    assert!(edited
        .yaml
        .as_deref()
        .is_some_and(|yaml| yaml.contains("Answer in French.")));
}

pub fn file_content_blocks<T: Transport>(h: Harness<T>) {
    // The transport reads the file on the client runtime's blocking pool.
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR fake image bytes";
    // Removed with everything in it when dropped, whatever the outcome.
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let image = dir.join("frame.png");
    std::fs::write(&image, PNG).expect("write the image");

    let out = h
        .client
        .agents()
        .run(RunRequest::new("echo").content([
            ContentBlock::text("describe"),
            ContentBlock::image_file(&image),
        ]))
        .expect("run with a file");
    assert_eq!(out.output, "ECHO: describe");
    let sent = h.last_request_to("/run").body_json().expect("JSON");
    let artifact = sent["content"][1]["artifactId"]
        .as_str()
        .expect("the file went up as an artifact")
        .to_owned();
    let stored = h.client.artifacts().download(&artifact).expect("download");
    assert_eq!(&stored.data[..], PNG);

    let streamed = h
        .client
        .agents()
        .stream(RunRequest::new("echo").content([
            ContentBlock::text("again"),
            ContentBlock::image_bytes(PNG, "image/png"),
        ]))
        .expect("stream with bytes")
        .into_result()
        .expect("complete");
    assert_eq!(streamed.output, "ECHO: again");
    assert_eq!(h.count("POST", "/artifacts"), 2);

    // By hand, for an operation sent with `execute`.
    let uploaded = h
        .client
        .upload_run_content(
            RunRequest::new("echo").content([ContentBlock::image_bytes(PNG, "image/png")]),
        )
        .expect("upload");
    assert_eq!(h.count("POST", "/artifacts"), 3);
    let out = h
        .client
        .execute(&agntz_client::ops::RunAgent::new(uploaded))
        .expect("run the uploaded request");
    assert_eq!(out.output, "ECHO: ");

    let before = h.worker.requests().len();
    let err = h
        .client
        .agents()
        .run(RunRequest::new("echo").content([ContentBlock::image_file(dir.join("gone.png"))]))
        .expect_err("a missing file");
    assert!(matches!(err, Error::Content(_)), "{err:?}");
    assert_eq!(h.worker.requests().len(), before, "nothing was sent");
}
