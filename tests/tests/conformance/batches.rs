//! Batch definition and batch run scenarios, written once and generic over
//! the transport.

use std::time::Duration;

use agntz_proto::types::{
    BatchInputItem, BatchItemStatus, BatchItemsQuery, BatchRunFilter, BatchRunRequest,
    BatchRunStatus, DatasetDraft, DatasetImportInput, DatasetItem,
};
use agntz_proto::{Error, TimeoutKind, Transport, Wait};
use agntz_testkit::{Fault, FaultRule};
use serde_json::json;

use crate::harness::Harness;

const POLL_EVERY: Duration = Duration::from_millis(20);
/// Polling until a run ends: bounded, so a run that never ends fails the
/// test instead of hanging it.
const POLL: Wait = Wait::up_to(Duration::from_secs(60)).every(POLL_EVERY);

pub(crate) const SUMMARIES: &str = "id: summaries\nname: Customer summaries\ndescription: One line per customer\nkind: llm\nmodel:\n  provider: openai\n  name: gpt-batch\ninstruction: Summarize the customer.\n";
const SUMMARIES_V2: &str = "id: summaries\nname: Customer summaries v2\nkind: llm\nmodel:\n  provider: anthropic\n  name: claude-batch\ninstruction: Summarize briefly.\ndefaultDataset:\n  id: customers\n";

fn status(e: &Error) -> Option<u16> {
    e.status().map(|s| s.as_u16())
}

fn message(e: &Error) -> String {
    e.api().map(|a| a.message.clone()).unwrap_or_default()
}

pub async fn batch_wait_for_run_is_bounded<T: Transport>(h: Harness<T>) {
    let batches = h.client.batches();
    batches.create(SUMMARIES).await.expect("create");
    let slow = batches
        .run(BatchRunRequest::new("summaries").item(BatchInputItem::new("a", "SLOW:30 long")))
        .await
        .expect("start");
    h.worker.clear_requests();

    let bound = Duration::from_millis(300);
    let e = batches
        .wait_for_run(&slow.id, Wait::up_to(bound).every(POLL_EVERY))
        .await
        .expect_err("the run outlasts the bound");
    assert!(
        matches!(&e, Error::Timeout(t) if t.kind == TimeoutKind::Wait && t.after == bound),
        "{e:?}"
    );
    // It polled (more than once) until the bound, then stopped (a poll
    // in flight at the bound may still arrive: let it land first).
    tokio::time::sleep(POLL_EVERY * 2).await;
    let polls = h.worker.requests().len();
    assert!(polls >= 2, "{polls} polls");
    tokio::time::sleep(POLL_EVERY * 5).await;
    assert_eq!(
        h.worker.requests().len(),
        polls,
        "no poll after the timeout"
    );

    // A zero bound gives up at once (the first poll is dropped).
    let e = batches
        .wait_for_run(&slow.id, Wait::up_to(Duration::ZERO))
        .await
        .expect_err("no time at all");
    assert!(matches!(&e, Error::Timeout(t) if t.kind == TimeoutKind::Wait));

    batches.cancel(&slow.id).await.expect("cancel");
    let done = batches.wait_for_run(&slow.id, POLL).await.expect("ends");
    assert_eq!(done.status, BatchRunStatus::Cancelled);
}

pub async fn batch_definitions_versions_and_aliases<T: Transport>(h: Harness<T>) {
    let batches = h.client.batches();
    assert!(batches.list().await.expect("empty").is_empty());

    let v1 = batches.create(SUMMARIES).await.expect("create");
    assert_eq!(v1.id, "summaries");
    assert_eq!(v1.name.as_deref(), Some("Customer summaries"));
    assert_eq!(v1.description.as_deref(), Some("One line per customer"));
    assert_eq!(
        (v1.provider.as_str(), v1.model.as_str()),
        ("openai", "gpt-batch")
    );
    assert_eq!(v1.manifest, SUMMARIES);
    let v1_version = v1.version.clone().expect("version");

    let e = batches.create(SUMMARIES).await.expect_err("duplicate");
    assert_eq!(status(&e), Some(409));
    assert_eq!(message(&e), "Batch 'summaries' already exists");
    let e = batches
        .create("id: broken\nkind: llm\n")
        .await
        .expect_err("invalid");
    assert_eq!(status(&e), Some(400));
    assert_eq!(message(&e), "LLM agent must have a 'model' field");
    let e = batches
        .create(
            &SUMMARIES
                .replace("id: summaries", "id: chatty")
                .replace("instruction:", "reply: hi\ninstruction:"),
        )
        .await
        .expect_err("reply");
    assert!(message(&e).starts_with("Batch manifest field 'reply' is not supported"));
    assert!(matches!(
        batches.create(" ").await,
        Err(Error::InvalidRequest(_))
    ));

    let list = batches.list().await.expect("list");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].id, "summaries");
    assert_eq!(list[0].provider, "openai");

    // A new version becomes active; the echo carries it.
    let v2 = batches
        .update("summaries", SUMMARIES_V2)
        .await
        .expect("update");
    let v2_version = v2.version.clone().expect("v2 version");
    assert_ne!(v2_version, v1_version);
    assert_eq!(v2.provider, "anthropic");
    assert_eq!(v2.created_at, v1.created_at, "first version's createdAt");
    assert_eq!(
        v2.default_dataset.as_ref().map(|d| d.id.as_str()),
        Some("customers")
    );
    let e = batches
        .update(
            "summaries",
            &SUMMARIES.replace("id: summaries", "id: other"),
        )
        .await
        .expect_err("id mismatch");
    assert_eq!(status(&e), Some(400));
    assert_eq!(
        message(&e),
        "Batch manifest id 'other' must match route id 'summaries'"
    );
    let e = batches
        .update("ghost", SUMMARIES)
        .await
        .expect_err("unknown");
    assert!(matches!(&e, Error::NotFound(a) if a.message == "Batch not found"));

    let versions = batches.versions("summaries").await.expect("versions");
    let ids: Vec<_> = versions.iter().map(|v| v.created_at.as_str()).collect();
    assert_eq!(
        ids,
        [v2_version.as_str(), v1_version.as_str()],
        "newest first"
    );
    assert!(batches.versions("ghost").await.expect("unknown").is_empty());
    let latest = batches
        .get_version("summaries", "latest")
        .await
        .expect("latest");
    assert_eq!(latest.version.as_deref(), Some(v2_version.as_str()));
    let exact = batches
        .get_version("summaries", &v1_version)
        .await
        .expect("exact");
    assert_eq!(exact.model, "gpt-batch");

    // Aliases.
    let alias = batches
        .set_alias("summaries", "baseline", &v1_version)
        .await
        .expect("alias");
    assert_eq!(
        (alias.alias.as_str(), alias.version.as_str()),
        ("baseline", v1_version.as_str())
    );
    let by_alias = batches
        .get_version("summaries", "baseline")
        .await
        .expect("by alias");
    assert_eq!(by_alias.version.as_deref(), Some(v1_version.as_str()));
    let versions = batches.versions("summaries").await.expect("versions");
    assert_eq!(versions[1].aliases, ["baseline"]);
    let e = batches
        .set_alias("summaries", "x", "2001-01-01T00:00:00.000Z")
        .await
        .expect_err("unknown target");
    assert_eq!(status(&e), Some(400));
    let e = batches
        .get_version("summaries", "nope")
        .await
        .expect_err("unknown version");
    assert!(matches!(&e, Error::NotFound(a) if a.message == "Batch version not found"));

    // Activation moves the head back.
    let head = batches
        .activate_version("summaries", "baseline")
        .await
        .expect("activate");
    assert_eq!(head.version.as_deref(), Some(v1_version.as_str()));
    assert_eq!(
        batches.get("summaries").await.expect("get").provider,
        "openai"
    );
    let e = batches
        .activate_version("summaries", "2001-01-01T00:00:00.000Z")
        .await
        .expect_err("bad version");
    assert_eq!(status(&e), Some(400));
    assert!(matches!(
        batches.activate_version("ghost", "latest").await,
        Err(Error::NotFound(_))
    ));

    let removed = batches
        .remove_alias("summaries", "baseline")
        .await
        .expect("rm");
    assert!(removed.deleted);
    let again = batches
        .remove_alias("summaries", "baseline")
        .await
        .expect("rm again");
    assert!(again.deleted && again.alias == "baseline");

    batches.delete("summaries").await.expect("delete");
    batches
        .delete("summaries")
        .await
        .expect("delete is idempotent");
    let e = batches.get("summaries").await.expect_err("gone");
    assert!(matches!(&e, Error::NotFound(a) if a.message == "Batch not found"));
    assert!(batches
        .versions("summaries")
        .await
        .expect("gone")
        .is_empty());
    assert!(h
        .client_with_key(Some(h.worker.api_key_b()))
        .batches()
        .list()
        .await
        .expect("tenant b")
        .is_empty());
}

pub async fn batch_run_inline_items_to_results<T: Transport>(h: Harness<T>) {
    let batches = h.client.batches();
    batches.create(SUMMARIES).await.expect("create");
    let request = BatchRunRequest::new("summaries")
        .item(BatchInputItem::new("c1", "Ada, Inc").name("Ada"))
        .item(BatchInputItem::new("c2", json!({"name": "Bob"})).metadata(json!({"tier": 2})))
        .item(BatchInputItem::new("c3", "FAIL_LLM please"))
        .idempotency_key("nightly-1");
    let run = batches.run(request.clone()).await.expect("start");
    assert!(
        run.id.starts_with("batchrun_") && run.id.len() == 9 + 32,
        "{}",
        run.id
    );
    assert_eq!(run.status, BatchRunStatus::Queued);
    assert!(run.provider_batch_id.is_some());
    assert_eq!(run.counts.total, 3);
    assert_eq!(run.counts.pending, 3);
    assert_eq!(run.dataset_id, None);
    assert!(run.snapshot.as_ref().unwrap().inline_dataset);
    assert_eq!(run.idempotency_key.as_deref(), Some("nightly-1"));
    assert_eq!(
        (run.provider.as_str(), run.model.as_str()),
        ("openai", "gpt-batch")
    );

    // The key went out as a header only; a repeat returns the same run.
    let sent = h
        .worker
        .requests()
        .into_iter()
        .find(|r| r.path == "/batch-runs")
        .expect("request");
    assert_eq!(sent.header("idempotency-key"), Some("nightly-1"));
    assert!(sent.body_json().unwrap().get("idempotencyKey").is_none());
    let replay = batches.run(request).await.expect("replay");
    assert_eq!(replay.id, run.id);

    let done = batches.wait_for_run(&run.id, POLL).await.expect("done");
    assert_eq!(done.status, BatchRunStatus::Completed);
    assert_eq!(done.counts.succeeded, 2);
    assert_eq!(done.counts.failed, 1);
    assert_eq!(done.counts.pending, 0);
    assert!(done.ended_at.is_some() && done.started_at.is_some());

    // Items, paged by ordinal.
    let page = batches
        .items(&run.id, BatchItemsQuery::new().limit(2))
        .await
        .expect("items");
    assert_eq!(page.rows.len(), 2);
    assert_eq!(page.rows[0].item_id, "c1");
    assert_eq!(page.rows[0].ordinal, 0);
    assert_eq!(page.rows[0].name.as_deref(), Some("Ada"));
    assert_eq!(page.rows[0].status, BatchItemStatus::Succeeded);
    assert_eq!(page.rows[0].output_text(), Some("ECHO: Ada, Inc"));
    assert!(page.rows[0].usage.as_ref().unwrap().total_tokens > 0);
    assert_eq!(page.rows[1].metadata, Some(json!({"tier": 2})));
    let cursor = page.next_cursor.clone().expect("more");
    let rest = batches
        .items(&run.id, BatchItemsQuery::new().limit(2).cursor(cursor))
        .await
        .expect("page 2");
    assert_eq!(rest.rows.len(), 1);
    assert_eq!(rest.rows[0].status, BatchItemStatus::Failed);
    assert!(rest.rows[0].error.is_some());
    assert_eq!(rest.next_cursor, None);
    let all = batches
        .all_items(&run.id, BatchItemsQuery::new().limit(1))
        .collect_all()
        .await
        .expect("all items");
    assert_eq!(all.len(), 3);
    let failed = batches
        .items(
            &run.id,
            BatchItemsQuery::new().status(BatchItemStatus::Failed),
        )
        .await
        .expect("failed only");
    assert_eq!(failed.rows.len(), 1);
    assert_eq!(failed.rows[0].item_id, "c3");

    // results.jsonl, buffered and streamed, agree with the items.
    let results = batches.results(&run.id).await.expect("results");
    assert_eq!(results, all);
    let streamed = batches
        .results_stream(&run.id)
        .await
        .expect("open stream")
        .collect_all()
        .await
        .expect("stream");
    assert_eq!(streamed, all);
    let req = h
        .worker
        .requests()
        .into_iter()
        .rfind(|r| r.path.ends_with("/results.jsonl"))
        .expect("results request");
    assert_eq!(req.header("accept"), Some("application/x-ndjson"));

    // A body that is not JSON Lines is a typed error, on both readers.
    for _ in 0..2 {
        h.worker.faults().push_rule(
            FaultRule::new(Fault::HtmlBody).path(format!("/batch-runs/{}/results.jsonl", run.id)),
        );
    }
    let e = batches.results(&run.id).await.expect_err("html");
    assert!(matches!(e, Error::Decode(_)), "{e:?}");
    let mut stream = batches.results_stream(&run.id).await.expect("open");
    let first = stream.next().await.expect("an item or error");
    assert!(matches!(first, Err(Error::Decode(_))), "{first:?}");
    assert!(stream.next().await.is_none(), "ends after the error");
}

pub async fn batch_run_dataset_compare_cancel_delete<T: Transport>(h: Harness<T>) {
    let version = h
        .worker
        .seed_dataset(
            h.worker.api_key(),
            json!({"id": "customers", "items": [
                {"id": "ada", "input": "Ada, Inc"},
                {"id": "bob", "input": "Bob LLC"}
            ]}),
        )
        .expect("seed");
    let batches = h.client.batches();
    batches.create(SUMMARIES).await.expect("create");
    batches
        .update("summaries", SUMMARIES_V2)
        .await
        .expect("v2 with default dataset");

    // The manifest's default dataset.
    let left = batches
        .run(BatchRunRequest::new("summaries"))
        .await
        .expect("left");
    assert_eq!(left.dataset_id.as_deref(), Some("customers"));
    assert_eq!(left.dataset_version.as_deref(), Some(version.as_str()));
    assert!(!left.snapshot.as_ref().unwrap().inline_dataset);
    let right = batches
        .run(
            BatchRunRequest::new("summaries")
                .dataset_id("customers")
                .dataset_version("latest"),
        )
        .await
        .expect("right");
    assert_eq!(right.requested_dataset_version.as_deref(), Some("latest"));
    for id in [&left.id, &right.id] {
        batches.wait_for_run(id, POLL).await.expect("done");
    }

    let cmp = batches
        .compare(&left.id, &right.id, BatchItemsQuery::new())
        .await
        .expect("compare");
    assert_eq!(cmp.left_run.id, left.id);
    assert_eq!(cmp.right_run.id, right.id);
    assert!(cmp.dataset_versions_match);
    assert_eq!(cmp.rows.len(), 2);
    assert_eq!(cmp.rows[0].item_id, "ada");
    assert_eq!(cmp.rows[0].input, json!("Ada, Inc"));
    assert_eq!(
        cmp.rows[0].left.as_ref().unwrap().output_text(),
        cmp.rows[0].right.as_ref().unwrap().output_text()
    );
    let paged = batches
        .compare(&left.id, &right.id, BatchItemsQuery::new().limit(1))
        .await
        .expect("page");
    assert_eq!(paged.rows.len(), 1);
    let next = batches
        .compare(
            &left.id,
            &right.id,
            BatchItemsQuery::new()
                .limit(1)
                .cursor(paged.next_cursor.expect("cursor")),
        )
        .await
        .expect("page 2");
    assert_eq!(next.rows[0].item_id, "bob");

    // Against inline items: different datasets, rows only where ids meet.
    let inline = batches
        .run(BatchRunRequest::new("summaries").item(BatchInputItem::new("bob", "Bob LLC")))
        .await
        .expect("inline");
    let cmp = batches
        .compare(&left.id, &inline.id, BatchItemsQuery::new())
        .await
        .expect("compare inline");
    assert!(!cmp.dataset_versions_match);
    assert!(cmp.rows[0].right.is_none(), "ada only on the left");
    assert_eq!(cmp.rows[1].item_id, "bob");
    assert!(cmp.rows[1].left.is_some() && cmp.rows[1].right.is_some());
    let e = batches
        .compare(&left.id, "batchrun_missing", BatchItemsQuery::new())
        .await
        .expect_err("unknown run");
    assert!(matches!(e, Error::NotFound(_)));

    // Cancel a slow run: cancelling, then cancelled; delete only when done.
    let slow = batches
        .run(
            BatchRunRequest::new("summaries")
                .item(BatchInputItem::new("a", "quick"))
                .item(BatchInputItem::new("b", "SLOW:30 long")),
        )
        .await
        .expect("slow");
    let e = batches
        .delete_run(&slow.id)
        .await
        .expect_err("still running");
    assert_eq!(status(&e), Some(409));
    assert_eq!(
        message(&e),
        "Cancel the provider batch before deleting this run"
    );
    let cancelling = batches.cancel(&slow.id).await.expect("cancel");
    assert_eq!(cancelling.status, BatchRunStatus::Cancelling);
    let cancelled = batches.wait_for_run(&slow.id, POLL).await.expect("ends");
    assert_eq!(cancelled.status, BatchRunStatus::Cancelled);
    assert!(cancelled.counts.cancelled >= 1);
    assert_eq!(cancelled.counts.pending, 0);
    let unchanged = batches.cancel(&slow.id).await.expect("cancel again");
    assert_eq!(unchanged.status, BatchRunStatus::Cancelled);
    batches.delete_run(&slow.id).await.expect("delete");
    assert!(matches!(
        batches.get_run(&slow.id).await,
        Err(Error::NotFound(_))
    ));
    assert!(matches!(
        batches.delete_run(&slow.id).await,
        Err(Error::NotFound(_))
    ));
}

pub async fn batch_run_errors_and_listing<T: Transport>(h: Harness<T>) {
    let batches = h.client.batches();
    batches.create(SUMMARIES).await.expect("create");

    let e = batches
        .run(BatchRunRequest::new("ghost"))
        .await
        .expect_err("unknown");
    assert!(matches!(&e, Error::NotFound(a) if a.message == "Batch 'ghost' not found"));
    let e = batches
        .run(BatchRunRequest::new("summaries").dataset_id("nope"))
        .await
        .expect_err("unknown dataset");
    assert!(matches!(e, Error::NotFound(_)));
    let e = batches
        .run(BatchRunRequest::new("summaries"))
        .await
        .expect_err("no dataset and no items");
    assert_eq!(status(&e), Some(400));
    let e = batches
        .run(
            BatchRunRequest::new("summaries")
                .callback("https://example.com/hook", "missing-secret")
                .item(BatchInputItem::new("a", "x")),
        )
        .await
        .expect_err("unknown secret");
    assert!(matches!(&e, Error::NotFound(a) if a.message == "Webhook secret not found"));
    assert!(matches!(
        batches
            .run(
                BatchRunRequest::new("summaries")
                    .dataset_id("d")
                    .item(BatchInputItem::new("a", "x"))
            )
            .await,
        Err(Error::InvalidRequest(_))
    ));

    // The provider cannot be reached: 502, the run is saved as failed, and
    // a repeat with the same key returns it.
    let down = BatchRunRequest::new("summaries")
        .item(BatchInputItem::new("a", "PROVIDER_DOWN"))
        .idempotency_key("down-1");
    let e = batches.run(down.clone()).await.expect_err("502");
    assert_eq!(status(&e), Some(502));
    assert_eq!(message(&e), "fetch failed");
    let failed = batches
        .list_runs(BatchRunFilter::new().status(BatchRunStatus::Failed))
        .await
        .expect("failed runs");
    assert_eq!(failed.rows.len(), 1);
    assert_eq!(failed.rows[0].error.as_deref(), Some("fetch failed"));
    assert_eq!(failed.rows[0].counts.pending, failed.rows[0].counts.total);
    let replay = batches.run(down).await.expect("replayed failed run");
    assert_eq!(replay.id, failed.rows[0].id);
    assert_eq!(replay.status, BatchRunStatus::Failed);
    // The 502 of a start is not retried: one submission, one replay.
    let starts = h
        .worker
        .requests()
        .iter()
        .filter(|r| r.path == "/batch-runs" && r.method == "POST")
        .count();
    assert_eq!(starts, 6);

    // Listing and paging.
    let mut ids = vec![failed.rows[0].id.clone()];
    for n in 0..2 {
        let run = batches
            .run(BatchRunRequest::new("summaries").item(BatchInputItem::new("a", format!("n{n}"))))
            .await
            .expect("run");
        ids.push(run.id);
    }
    let page = batches
        .list_runs(BatchRunFilter::new().limit(2))
        .await
        .expect("page");
    assert_eq!(page.rows.len(), 2);
    assert_eq!(page.rows[0].id, ids[2], "newest first");
    let all = batches
        .list_all_runs(BatchRunFilter::new().batch_id("summaries").limit(1))
        .collect_all()
        .await
        .expect("all");
    let all_ids: Vec<_> = all.iter().map(|r| r.id.clone()).collect();
    assert_eq!(all_ids, [ids[2].clone(), ids[1].clone(), ids[0].clone()]);
    let none = batches
        .list_runs(BatchRunFilter::new().provider("mistral"))
        .await
        .expect("none");
    assert!(none.rows.is_empty());
    let zero = batches
        .list_runs(BatchRunFilter::new().limit(0))
        .await
        .expect("limit 0");
    assert_eq!(zero.rows.len(), 1);

    for e in [
        batches.get_run("batchrun_missing").await.expect_err("get"),
        batches
            .cancel("batchrun_missing")
            .await
            .expect_err("cancel"),
        batches
            .results("batchrun_missing")
            .await
            .expect_err("results"),
        batches
            .items("batchrun_missing", BatchItemsQuery::new())
            .await
            .expect_err("items"),
    ] {
        assert!(
            matches!(&e, Error::NotFound(a) if a.message == "Batch run not found"),
            "{e:?}"
        );
    }
    let e = batches
        .results_stream("batchrun_missing")
        .await
        .expect_err("stream of unknown run");
    assert!(matches!(e, Error::NotFound(_)));
    assert!(h
        .client_with_key(Some(h.worker.api_key_b()))
        .batches()
        .get_run(&ids[1])
        .await
        .is_err());
}

/// The path a user takes: datasets created and imported through
/// `client.datasets()`, then batch runs over them, with no test-only seeding.
pub async fn batch_run_on_datasets_created_through_the_api<T: Transport>(h: Harness<T>) {
    let datasets = h.client.datasets();
    datasets
        .create(
            DatasetDraft::new().id("customers").items([
                DatasetItem::new("Ada, Inc")
                    .id("ada")
                    .name("Ada")
                    .metadata("segment", "enterprise"),
                DatasetItem::new("Bob LLC").id("bob"),
            ]),
        )
        .await
        .expect("create dataset");
    let v1 = datasets
        .get("customers")
        .await
        .expect("get")
        .version
        .expect("version");
    let batches = h.client.batches();
    batches.create(SUMMARIES).await.expect("create");
    batches
        .update("summaries", SUMMARIES_V2)
        .await
        .expect("v2 with default dataset");

    // The manifest's default dataset, created through the API.
    let run = batches
        .run(BatchRunRequest::new("summaries"))
        .await
        .expect("run on the default dataset");
    assert_eq!(run.dataset_id.as_deref(), Some("customers"));
    assert_eq!(run.dataset_version.as_deref(), Some(v1.as_str()));
    assert_eq!(run.counts.total, 2);
    let snapshot = run.snapshot.as_ref().expect("snapshot");
    assert!(!snapshot.inline_dataset);
    let head = snapshot.dataset.as_ref().expect("dataset snapshot");
    assert_eq!(head["id"], "customers");
    assert_eq!(head["itemCount"], 2);
    assert_eq!(head["version"], json!(v1));
    assert!(head.get("items").is_none(), "the snapshot has no items");
    let done = batches.wait_for_run(&run.id, POLL).await.expect("done");
    assert_eq!(done.status, BatchRunStatus::Completed);
    assert_eq!(done.counts.succeeded, 2);
    let page = batches
        .items(&run.id, BatchItemsQuery::new())
        .await
        .expect("items");
    let ada = &page.rows[0];
    assert_eq!((ada.item_id.as_str(), ada.ordinal), ("ada", 0));
    assert_eq!(ada.name.as_deref(), Some("Ada"));
    assert_eq!(ada.metadata, Some(json!({"segment": "enterprise"})));
    assert_eq!(ada.status, BatchItemStatus::Succeeded);
    assert_eq!(ada.output_text(), Some("ECHO: Ada, Inc"));
    assert_eq!(page.rows[1].item_id, "bob");
    assert_eq!(page.rows[1].name, None);
    assert_eq!(page.rows[1].metadata, None);

    // An upsert publishes a new active version; a pin keeps the old one.
    datasets
        .create(
            DatasetDraft::new()
                .id("customers")
                .items([DatasetItem::new("Cy Corp").id("cy")]),
        )
        .await
        .expect("upsert");
    let active = batches
        .run(BatchRunRequest::new("summaries"))
        .await
        .expect("run on the new active version");
    assert_ne!(active.dataset_version.as_deref(), Some(v1.as_str()));
    assert_eq!(active.counts.total, 1);
    let pinned = batches
        .run(BatchRunRequest::new("summaries").dataset_version(&v1))
        .await
        .expect("run pinned to v1");
    assert_eq!(pinned.dataset_version.as_deref(), Some(v1.as_str()));
    assert_eq!(
        pinned.requested_dataset_version.as_deref(),
        Some(v1.as_str())
    );
    assert_eq!(pinned.counts.total, 2);
    for id in [&active.id, &pinned.id] {
        batches.wait_for_run(id, POLL).await.expect("done");
    }

    // A dataset published by a staged import.
    let imported = datasets
        .import(DatasetImportInput::new("id,input\nc1,Grace\n").dataset_id("imported"))
        .await
        .expect("import");
    let run = batches
        .run(BatchRunRequest::new("summaries").dataset_id("imported"))
        .await
        .expect("run on the imported dataset");
    assert_eq!(run.dataset_version, imported.version);
    batches.wait_for_run(&run.id, POLL).await.expect("done");
    let results = batches.results(&run.id).await.expect("results");
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].item_id, "c1");
    assert_eq!(results[0].input, json!("Grace"));
    assert_eq!(results[0].output_text(), Some("ECHO: Grace"));

    // Unknown versions and deleted datasets are 404s.
    let e = batches
        .run(BatchRunRequest::new("summaries").dataset_version("2001-01-01T00:00:00.000Z"))
        .await
        .expect_err("unknown version");
    assert_eq!(status(&e), Some(404));
    assert_eq!(
        message(&e),
        "Dataset \"customers@2001-01-01T00:00:00.000Z\" not found"
    );
    datasets.delete("customers").await.expect("delete");
    let e = batches
        .run(BatchRunRequest::new("summaries"))
        .await
        .expect_err("deleted dataset");
    assert_eq!(status(&e), Some(404));
    assert_eq!(message(&e), "Dataset \"customers\" not found");
}
