//! Eval definition, eval run and eval score scenarios, written once and
//! generic over the transport.

use std::time::Duration;

use agntz_proto::types::{
    DatasetDraft, DatasetImportInput, DatasetItem, DatasetRef, EvalCaseStatus, EvalCriterion,
    EvalDefinition, EvalOutcome, EvalRunFilter, EvalRunRequest, EvalRunStatus, LatestScoreFilter,
    LatestScoreQuery, ModelConfig,
};
use agntz_proto::{Error, TimeoutKind, Transport, Wait};
use serde_json::json;

use crate::harness::Harness;

const POLL_EVERY: Duration = Duration::from_millis(20);
/// Polling until a run ends: bounded, so a run that never ends fails the
/// test instead of hanging it.
const POLL: Wait = Wait::up_to(Duration::from_secs(60)).every(POLL_EVERY);

fn seed_tickets<T: Transport>(h: &Harness<T>, items: serde_json::Value) -> String {
    h.worker
        .seed_dataset(
            h.worker.api_key(),
            json!({"id": "tickets", "agentId": "echo", "items": items}),
        )
        .expect("seed dataset")
}

fn tone_eval() -> EvalDefinition {
    EvalDefinition::new("echo")
        .id("tone")
        .name("Tone")
        .criterion(EvalCriterion::new("echoes", "Mentions CONTAINS:ECHO").gate(0.5))
        .criterion(EvalCriterion::new("style", "Half marks SCORE:0.5").weight(1.0))
        .default_dataset("tickets")
}

pub async fn eval_crud_round_trip<T: Transport>(h: Harness<T>) {
    seed_tickets(&h, json!([{"input": "hi"}]));
    let evals = h.client.evals();
    assert!(evals.list().await.expect("empty list").is_empty());

    let created = evals
        .create(
            tone_eval()
                .pass_threshold(0.6)
                .judge_model(ModelConfig::new("openai", "judge-1")),
        )
        .await
        .expect("create");
    assert_eq!(created.id, "tone");
    assert_eq!(created.agent_id, "echo");
    assert_eq!(created.name.as_deref(), Some("Tone"));
    assert_eq!(created.criteria().len(), 2);
    assert_eq!(created.criteria()[0].gate_minimum(), Some(0.5));
    assert_eq!(created.pass_minimum(), Some(0.6));
    assert_eq!(created.judge_model_config().unwrap().name, "judge-1");
    assert_eq!(
        created.default_dataset_ref(),
        Some(DatasetRef::new("tickets"))
    );
    // The create echo carries no server-assigned version.
    assert_eq!(created.version, None);

    // Both spellings went out on the wire.
    let sent = h
        .worker
        .requests()
        .into_iter()
        .find(|r| r.method == "POST" && r.path == "/evals")
        .and_then(|r| r.body_json())
        .expect("create body");
    assert_eq!(sent["criteria"][0]["threshold"], 0.5);
    assert_eq!(sent["criteria"][0]["gate"]["minimumScore"], 0.5);
    assert_eq!(sent["passThreshold"], 0.6);
    assert_eq!(sent["judge"]["model"]["name"], "judge-1");
    assert_eq!(sent["defaultDatasetId"], "tickets");

    // Server defaults: generated id and criterion ids/names.
    let generated = evals
        .create(EvalDefinition::new("echo").criterion(EvalCriterion::default().rubric("any")))
        .await
        .expect("create with defaults");
    assert!(generated.id.starts_with("eval_"), "{}", generated.id);
    assert_eq!(generated.name.as_deref(), Some(generated.id.as_str()));
    assert_eq!(generated.criteria()[0].id, "criterion_01");
    assert_eq!(generated.criteria()[0].name.as_deref(), Some("Criterion 1"));

    let got = evals.get("tone").await.expect("get");
    let first_version = got.version.clone().expect("stored version");
    assert!(got.created_at.is_some() && got.updated_at.is_some());
    assert_eq!(evals.list().await.expect("list").len(), 2);
    assert_eq!(
        evals.list_for_agent("echo").await.expect("by agent").len(),
        2
    );
    assert!(evals
        .list_for_agent("someone-else")
        .await
        .expect("by other agent")
        .is_empty());

    // Update: a shallow merge; the echo carries the previous version.
    let updated = evals
        .update("tone", EvalDefinition::patch().description("Checks tone"))
        .await
        .expect("update");
    assert_eq!(updated.description.as_deref(), Some("Checks tone"));
    assert_eq!(updated.criteria().len(), 2, "criteria kept by the merge");
    assert_eq!(updated.version.as_deref(), Some(first_version.as_str()));
    let after = evals.get("tone").await.expect("get after update");
    assert_ne!(after.version.as_deref(), Some(first_version.as_str()));
    assert_eq!(after.description.as_deref(), Some("Checks tone"));

    // Errors: unknown ids, and validation failures as plain-text 500s.
    let err = evals
        .update("ghost", EvalDefinition::patch().name("x"))
        .await
        .expect_err("update unknown");
    assert!(matches!(&err, Error::NotFound(e) if e.message == "Eval not found"));
    assert!(matches!(
        evals.create(EvalDefinition::patch()).await,
        Err(Error::InvalidRequest(_))
    ));
    let err = evals
        .create(EvalDefinition::new("echo").default_dataset("no-such-dataset"))
        .await
        .expect_err("unknown default dataset");
    assert!(matches!(&err, Error::Api(e) if e.status == 500 && e.message == "HTTP 500"));
    let err = evals
        .update(
            "tone",
            EvalDefinition::patch().default_dataset("no-such-dataset"),
        )
        .await
        .expect_err("update to an unknown dataset");
    assert!(matches!(&err, Error::Api(e) if e.status == 500));

    evals.delete("tone").await.expect("delete");
    evals.delete("tone").await.expect("delete is idempotent");
    let err = evals.get("tone").await.expect_err("gone");
    assert!(matches!(&err, Error::NotFound(e) if e.message == "Eval not found"));

    // Another tenant sees none of it.
    let other = h.client_with_key(Some(h.worker.api_key_b()));
    assert!(other.evals().list().await.expect("tenant b").is_empty());
    assert!(matches!(
        other.evals().get(&generated.id).await,
        Err(Error::NotFound(_))
    ));
}

pub async fn eval_run_completes_with_scores<T: Transport>(h: Harness<T>) {
    let dataset_version = seed_tickets(
        &h,
        json!([
            {"id": "t1", "input": "refund please"},
            {"id": "t2", "input": {"text": "structured"}},
            {"id": "t3", "input": "FAIL_LLM now"}
        ]),
    );
    let evals = h.client.evals();
    evals.create(tone_eval()).await.expect("create");

    let started = evals
        .run(EvalRunRequest::new("tone"))
        .await
        .expect("start run");
    assert!(started.id.starts_with("evalrun_"), "{}", started.id);
    assert_eq!(started.status, EvalRunStatus::Running);
    assert!(started.case_results.is_empty());
    assert!(started.summary.is_none());
    assert_eq!(started.criterion_ids, ["echoes", "style"]);
    assert_eq!(started.partial, Some(false));
    assert_eq!(started.dataset_id, "tickets");
    assert_eq!(
        started.dataset_version.as_deref(),
        Some(dataset_version.as_str())
    );
    assert_eq!(started.agent_id, "echo");
    assert!(started.agent_version.is_some());
    let snapshots = started.snapshots.as_ref().expect("snapshots");
    assert_eq!(snapshots.eval.as_ref().unwrap().id, "tone");
    assert_eq!(
        snapshots.dataset.as_ref().unwrap()["items"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(snapshots.agent.as_ref().unwrap().id, "echo");

    let run = evals
        .wait_for_run(&started.id, POLL)
        .await
        .expect("run ends");
    assert_eq!(run.status, EvalRunStatus::Completed);
    assert!(run.ended_at.is_some());
    assert_eq!(run.case_results.len(), 3);

    let t1 = &run.case_results[0];
    assert_eq!(t1.item_id, "t1");
    assert_eq!(t1.status, EvalCaseStatus::Completed);
    assert_eq!(t1.output.as_deref(), Some("ECHO: refund please"));
    assert_eq!(t1.input, json!("refund please"));
    assert_eq!(t1.criteria["echoes"].score, 1.0);
    assert_eq!(t1.criteria["echoes"].gate.unwrap().passed, Some(true));
    assert_eq!(t1.criteria["style"].score, 0.5);
    assert!(t1.criteria["style"].gate.is_none());
    assert!((t1.score - 0.75).abs() < 1e-9);
    assert!(t1.passed);
    assert_eq!(t1.outcome, Some(EvalOutcome::Passed));
    assert!(t1.usage.as_ref().unwrap().total_tokens > 0);

    // An object input reaches the agent JSON-encoded.
    let t2 = &run.case_results[1];
    assert_eq!(t2.input, json!({"text": "structured"}));
    assert_eq!(t2.output.as_deref(), Some(r#"ECHO: {"text":"structured"}"#));

    let t3 = &run.case_results[2];
    assert_eq!(t3.status, EvalCaseStatus::Failed);
    assert!(t3
        .error
        .as_deref()
        .unwrap()
        .starts_with("Target agent failed"));
    assert_eq!(t3.score, 0.0);

    let summary = run.summary.as_ref().expect("summary");
    assert_eq!(summary.total_cases, 3);
    assert_eq!(summary.completed_cases, 2);
    assert_eq!(summary.failed_cases, 1);
    assert_eq!(summary.skipped_cases, 0);
    assert!((summary.overall_score - 0.5).abs() < 1e-9);
    assert!(!summary.passed);
    assert_eq!(summary.outcome, Some(EvalOutcome::Failed));
    assert!(summary
        .gate_failures
        .iter()
        .any(|g| g == "1 case(s) failed before scoring"));
    let echoes = &summary.criteria["echoes"];
    assert_eq!(echoes.completed_cases, 2);
    // Failed cases carry no criterion results, so they do not count here.
    assert_eq!(echoes.score, 1.0);
    assert_eq!(echoes.gate.unwrap().passed, Some(true));

    // Latest scores: the exact-key lookup needs all versions.
    assert_eq!(
        evals
            .latest_score(LatestScoreQuery::new("tone", "tickets"))
            .await
            .expect("lookup without versions"),
        None
    );
    let score = evals
        .latest_score(LatestScoreQuery::for_run(&run))
        .await
        .expect("lookup")
        .expect("a latest score");
    assert_eq!(score.run_id, run.id);
    assert_eq!(score.status, EvalRunStatus::Completed);
    assert!((score.overall_score - 0.5).abs() < 1e-9);
    assert!(!score.passed);
    assert_eq!(score.resolved_agent_version, run.agent_version);
    let scores = evals
        .list_latest_scores(LatestScoreFilter::new().eval_id("tone"))
        .await
        .expect("list scores");
    assert_eq!(scores.len(), 1);
    assert!(evals
        .list_latest_scores(LatestScoreFilter::new().agent_id("nobody"))
        .await
        .expect("no scores")
        .is_empty());
    let err = h
        .client_with_key(Some(h.worker.api_key_b()))
        .evals()
        .get_run(&run.id)
        .await
        .expect_err("other tenant");
    assert!(matches!(err, Error::NotFound(_)));
}

pub async fn eval_run_errors<T: Transport>(h: Harness<T>) {
    seed_tickets(&h, json!([{"input": "x"}]));
    h.worker
        .seed_dataset(
            h.worker.api_key(),
            json!({"id": "foreign", "agentId": "toolbot", "items": [{"input": "x"}]}),
        )
        .expect("seed");
    let evals = h.client.evals();
    evals.create(tone_eval()).await.expect("create");
    evals
        .create(
            EvalDefinition::new("echo")
                .id("empty")
                .default_dataset("tickets"),
        )
        .await
        .expect("create without criteria");
    evals
        .create(
            EvalDefinition::new("echo")
                .id("nodefault")
                .criterion(EvalCriterion::new("c", "r")),
        )
        .await
        .expect("create without default dataset");

    let status = |e: &Error| e.status().map(|s| s.as_u16());
    let message = |e: &Error| e.api().map(|a| a.message.clone()).unwrap_or_default();

    let e = evals.run(EvalRunRequest::new("ghost")).await.unwrap_err();
    assert!(matches!(e, Error::NotFound(_)));
    assert_eq!(message(&e), "Eval \"ghost\" not found");
    assert!(matches!(
        evals.run(EvalRunRequest::new("")).await,
        Err(Error::InvalidRequest(_))
    ));
    let e = evals
        .run(EvalRunRequest::new("tone").dataset_id("nope"))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::NotFound(_)));
    assert_eq!(message(&e), "Dataset \"nope\" not found");
    let e = evals.run(EvalRunRequest::new("empty")).await.unwrap_err();
    assert_eq!(status(&e), Some(500));
    assert_eq!(
        message(&e),
        "Eval \"empty\" must define at least one criterion"
    );
    let e = evals
        .run(EvalRunRequest::new("nodefault"))
        .await
        .unwrap_err();
    assert_eq!(
        message(&e),
        "Eval \"nodefault\" does not specify a default dataset; pass datasetId"
    );
    let e = evals
        .run(EvalRunRequest::new("tone").criterion_ids(["nope"]))
        .await
        .unwrap_err();
    assert_eq!(message(&e), "Eval \"tone\" did not match any criterionIds");
    let e = evals
        .run(EvalRunRequest::new("tone").dataset_id("foreign"))
        .await
        .unwrap_err();
    assert_eq!(status(&e), Some(500));
    assert!(message(&e).contains("belongs to agent"), "{}", message(&e));
    let e = evals
        .run(EvalRunRequest::new("tone").agent_version("2001-01-01T00:00:00.000Z"))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::NotFound(_)));
    let e = evals
        .run(EvalRunRequest::new("tone").eval_version("2001-01-01T00:00:00.000Z"))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::NotFound(_)));
    // 500s of a run start are not retried: one request each.
    let starts = h
        .worker
        .requests()
        .iter()
        .filter(|r| r.path == "/eval-runs")
        .count();
    assert_eq!(starts, 8);

    let e = evals.get_run("evalrun_missing").await.unwrap_err();
    assert!(matches!(&e, Error::NotFound(a) if a.message == "Eval run not found"));
    assert!(matches!(
        evals.cancel_run("evalrun_missing").await,
        Err(Error::NotFound(_))
    ));
    let e = evals
        .latest_score(LatestScoreQuery::new("tone", ""))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::InvalidRequest(_)));
}

pub async fn eval_wait_for_run_is_bounded<T: Transport>(h: Harness<T>) {
    seed_tickets(&h, json!([{"id": "slow", "input": "SLOW:30 wait"}]));
    let evals = h.client.evals();
    evals.create(tone_eval()).await.expect("create");
    let started = evals.run(EvalRunRequest::new("tone")).await.expect("start");
    h.worker.clear_requests();

    let bound = Duration::from_millis(300);
    let e = evals
        .wait_for_run(&started.id, Wait::up_to(bound).every(POLL_EVERY))
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
    let run = evals.get_run(&started.id).await.expect("still there");
    assert_eq!(run.status, EvalRunStatus::Running, "the run goes on");

    // Within the bound, the finished run comes back.
    evals.cancel_run(&started.id).await.expect("cancel");
    let done = evals
        .wait_for_run(&started.id, Wait::up_to(bound))
        .await
        .expect("a finished run needs one poll");
    assert_eq!(done.status, EvalRunStatus::Cancelled);
}

pub async fn eval_run_cancel_and_partial<T: Transport>(h: Harness<T>) {
    seed_tickets(
        &h,
        json!([
            {"id": "fast", "input": "quick"},
            {"id": "slow", "input": "SLOW:30 wait"},
            {"id": "never", "input": "later"}
        ]),
    );
    let evals = h.client.evals();
    evals.create(tone_eval()).await.expect("create");
    let started = evals.run(EvalRunRequest::new("tone")).await.expect("start");
    // Wait until the fast case is in, then cancel during the slow one.
    let mut seen = started.clone();
    for _ in 0..200 {
        seen = evals.get_run(&started.id).await.expect("poll");
        if !seen.case_results.is_empty() {
            break;
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
    assert_eq!(
        seen.case_results.len(),
        1,
        "fast case done, slow one pending"
    );
    assert_eq!(seen.status, EvalRunStatus::Running);

    let cancelled = evals.cancel_run(&started.id).await.expect("cancel");
    assert_eq!(cancelled.status, EvalRunStatus::Cancelled);
    assert!(cancelled.ended_at.is_some());
    let statuses: Vec<_> = cancelled
        .case_results
        .iter()
        .map(|c| (c.item_id.as_str(), c.status))
        .collect();
    assert_eq!(
        statuses,
        [
            ("fast", EvalCaseStatus::Completed),
            ("slow", EvalCaseStatus::Cancelled),
            ("never", EvalCaseStatus::Cancelled)
        ]
    );
    assert_eq!(
        cancelled.case_results[1].error.as_deref(),
        Some("Eval run cancelled.")
    );
    let summary = cancelled.summary.as_ref().expect("summary");
    assert_eq!(summary.skipped_cases, 2);
    assert_eq!(summary.outcome, Some(EvalOutcome::Failed));
    assert!(summary
        .gate_failures
        .iter()
        .any(|g| g == "2 case(s) did not complete"));
    // A cancelled non-partial run still writes its latest score.
    let score = evals
        .latest_score(LatestScoreQuery::for_run(&cancelled))
        .await
        .expect("score lookup")
        .expect("score of the cancelled run");
    assert_eq!(score.status, EvalRunStatus::Cancelled);

    // Cancelling again returns the run unchanged.
    let again = evals.cancel_run(&started.id).await.expect("cancel again");
    assert_eq!(again, cancelled);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(evals.get_run(&started.id).await.expect("get"), cancelled);

    // A partial run: only one criterion, no latest-score update.
    h.worker
        .seed_dataset(
            h.worker.api_key(),
            json!({"id": "small", "agentId": "echo", "items": [{"id": "a", "input": "hi"}]}),
        )
        .expect("seed");
    let partial = evals
        .run(
            EvalRunRequest::new("tone")
                .dataset_id("small")
                .criterion_ids(["style"]),
        )
        .await
        .expect("partial run");
    assert_eq!(partial.partial, Some(true));
    assert_eq!(partial.criterion_ids, ["style"]);
    let done = evals.wait_for_run(&partial.id, POLL).await.expect("done");
    assert_eq!(done.status, EvalRunStatus::Completed);
    assert_eq!(
        done.case_results[0].criteria.keys().collect::<Vec<_>>(),
        ["style"]
    );
    let summary = done.summary.as_ref().expect("summary");
    assert_eq!(summary.outcome, Some(EvalOutcome::ScoreOnly));
    assert!(summary.passed);
    assert!(evals
        .latest_score(LatestScoreQuery::for_run(&done))
        .await
        .expect("lookup")
        .is_none());
    let on_small = evals
        .list_latest_scores(LatestScoreFilter::new().dataset_id("small"))
        .await
        .expect("list");
    assert!(on_small.is_empty());
}

pub async fn eval_runs_list_and_paginate<T: Transport>(h: Harness<T>) {
    seed_tickets(&h, json!([{"input": "a"}]));
    let evals = h.client.evals();
    evals.create(tone_eval()).await.expect("create");
    let mut ids = Vec::new();
    for _ in 0..3 {
        let run = evals.run(EvalRunRequest::new("tone")).await.expect("start");
        ids.push(run.id);
    }
    for id in &ids {
        evals.wait_for_run(id, POLL).await.expect("done");
    }

    let page = evals
        .list_runs(EvalRunFilter::new().limit(2))
        .await
        .expect("page 1");
    assert_eq!(page.rows.len(), 2);
    assert_eq!(page.rows[0].id, ids[2], "newest first");
    let cursor = page.next_cursor.clone().expect("more pages");
    let rest = evals
        .list_runs(EvalRunFilter::new().limit(2).cursor(cursor))
        .await
        .expect("page 2");
    assert_eq!(rest.rows.len(), 1);
    assert_eq!(rest.rows[0].id, ids[0]);
    assert_eq!(rest.next_cursor, None);

    let all = evals
        .list_all_runs(EvalRunFilter::new().limit(1))
        .collect_all()
        .await
        .expect("all pages");
    let all_ids: Vec<_> = all.iter().map(|r| r.id.clone()).collect();
    assert_eq!(all_ids, [ids[2].clone(), ids[1].clone(), ids[0].clone()]);

    // `limit=0` is clamped to 1.
    let one = evals
        .list_runs(EvalRunFilter::new().limit(0))
        .await
        .expect("limit 0");
    assert_eq!(one.rows.len(), 1);

    let filtered = evals
        .list_runs(
            EvalRunFilter::new()
                .eval_id("tone")
                .agent_id("echo")
                .dataset_id("tickets")
                .status(EvalRunStatus::Completed),
        )
        .await
        .expect("filtered");
    assert_eq!(filtered.rows.len(), 3);
    for (filter, what) in [
        (
            EvalRunFilter::new().status(EvalRunStatus::Running),
            "status",
        ),
        (EvalRunFilter::new().eval_id("other"), "eval"),
        (
            EvalRunFilter::new().started_after("2999-01-01T00:00:00.000Z"),
            "time",
        ),
    ] {
        let page = evals.list_runs(filter).await.expect(what);
        assert!(page.rows.is_empty(), "{what}");
    }
    let req = h
        .worker
        .requests()
        .into_iter()
        .rfind(|r| r.path.starts_with("/eval-runs?startedAfter"))
        .expect("time-filter request");
    assert_eq!(
        req.path,
        "/eval-runs?startedAfter=2999-01-01T00%3A00%3A00.000Z"
    );
}

/// The path a user takes: a dataset created (then upserted) and another
/// imported through `client.datasets()`, and eval runs on them, with no
/// test-only seeding.
pub async fn eval_run_on_datasets_created_through_the_api<T: Transport>(h: Harness<T>) {
    let datasets = h.client.datasets();
    datasets
        .create(
            DatasetDraft::new()
                .id("api_tickets")
                .agent_id("echo")
                .items([DatasetItem::new("refund please").id("t1")]),
        )
        .await
        .expect("create dataset");
    let v1 = datasets
        .get("api_tickets")
        .await
        .expect("get v1")
        .version
        .expect("v1");
    // The upsert publishes a second version, which becomes the active one.
    datasets
        .create(
            DatasetDraft::new()
                .id("api_tickets")
                .agent_id("echo")
                .items([
                    DatasetItem::new("refund please").id("t1"),
                    DatasetItem::new(json!({"text": "structured"})).id("t2"),
                ]),
        )
        .await
        .expect("upsert dataset");
    let v2 = datasets
        .get("api_tickets")
        .await
        .expect("get v2")
        .version
        .expect("v2");
    assert_ne!(v1, v2);

    // The default dataset is checked against the same store at create.
    let evals = h.client.evals();
    evals
        .create(tone_eval().default_dataset("api_tickets"))
        .await
        .expect("create eval with an API-created default dataset");

    let started = evals
        .run(EvalRunRequest::new("tone"))
        .await
        .expect("run on the active version");
    assert_eq!(started.dataset_id, "api_tickets");
    assert_eq!(started.dataset_version.as_deref(), Some(v2.as_str()));
    let snapshot = started
        .snapshots
        .as_ref()
        .and_then(|s| s.dataset.as_ref())
        .expect("dataset snapshot");
    assert_eq!(snapshot["id"], "api_tickets");
    assert_eq!(snapshot["version"], json!(v2));
    assert_eq!(snapshot["itemCount"], 2);
    assert_eq!(snapshot["items"][1]["input"], json!({"text": "structured"}));
    let run = evals
        .wait_for_run(&started.id, POLL)
        .await
        .expect("run ends");
    assert_eq!(run.status, EvalRunStatus::Completed);
    let ids: Vec<&str> = run
        .case_results
        .iter()
        .map(|c| c.item_id.as_str())
        .collect();
    assert_eq!(ids, ["t1", "t2"]);
    assert_eq!(
        run.case_results[0].output.as_deref(),
        Some("ECHO: refund please")
    );
    assert_eq!(run.case_results[0].criteria["echoes"].score, 1.0);
    assert_eq!(run.case_results[0].criteria["style"].score, 0.5);
    let summary = run.summary.as_ref().expect("summary");
    assert_eq!((summary.total_cases, summary.completed_cases), (2, 2));
    assert!((summary.overall_score - 0.75).abs() < 1e-9);
    assert!(summary.passed);
    let score = evals
        .latest_score(LatestScoreQuery::for_run(&run))
        .await
        .expect("lookup")
        .expect("a latest score for the API-created dataset");
    assert_eq!(score.dataset_id, "api_tickets");
    assert_eq!(score.run_id, run.id);

    // A pin to the first version runs its single item; `latest` is the newest.
    let pinned = evals
        .run(EvalRunRequest::new("tone").dataset_version(&v1))
        .await
        .expect("run pinned to v1");
    assert_eq!(pinned.dataset_version.as_deref(), Some(v1.as_str()));
    assert_eq!(
        pinned.requested_dataset_version.as_deref(),
        Some(v1.as_str())
    );
    let pinned = evals.wait_for_run(&pinned.id, POLL).await.expect("ends");
    assert_eq!(pinned.status, EvalRunStatus::Completed);
    assert_eq!(pinned.case_results.len(), 1);
    let latest = evals
        .run(EvalRunRequest::new("tone").dataset_version("latest"))
        .await
        .expect("run on latest");
    assert_eq!(latest.dataset_version.as_deref(), Some(v2.as_str()));
    assert_eq!(latest.requested_dataset_version.as_deref(), Some("latest"));
    evals.wait_for_run(&latest.id, POLL).await.expect("ends");

    // A dataset published by a staged import runs too.
    let imported = datasets
        .import(
            DatasetImportInput::new("id,input\nc1,Ada\nc2,Grace\n")
                .dataset_id("imported")
                .agent_id("echo"),
        )
        .await
        .expect("import");
    let run = evals
        .run(EvalRunRequest::new("tone").dataset_id("imported"))
        .await
        .expect("run on the imported dataset");
    assert_eq!(run.dataset_version, imported.version);
    let run = evals.wait_for_run(&run.id, POLL).await.expect("ends");
    assert_eq!(run.status, EvalRunStatus::Completed);
    let outputs: Vec<_> = run
        .case_results
        .iter()
        .map(|c| (c.item_id.as_str(), c.output.as_deref()))
        .collect();
    assert_eq!(
        outputs,
        [("c1", Some("ECHO: Ada")), ("c2", Some("ECHO: Grace"))]
    );

    // Unknown versions, and a dataset deleted through the API, are 404s.
    let message = |e: &Error| e.api().map(|a| a.message.clone()).unwrap_or_default();
    let e = evals
        .run(EvalRunRequest::new("tone").dataset_version("2001-01-01T00:00:00.000Z"))
        .await
        .expect_err("unknown version");
    assert!(matches!(e, Error::NotFound(_)), "{e:?}");
    assert_eq!(
        message(&e),
        "Dataset \"api_tickets@2001-01-01T00:00:00.000Z\" not found"
    );
    datasets.delete("api_tickets").await.expect("delete");
    let e = evals
        .run(EvalRunRequest::new("tone"))
        .await
        .expect_err("deleted dataset");
    assert!(matches!(e, Error::NotFound(_)), "{e:?}");
    assert_eq!(message(&e), "Dataset \"api_tickets\" not found");

    // Another tenant's eval runs cannot reach this tenant's datasets.
    let other = h.client_with_key(Some(h.worker.api_key_b()));
    other
        .evals()
        .create(
            EvalDefinition::new("echo")
                .id("tone")
                .criterion(EvalCriterion::new("c", "r")),
        )
        .await
        .expect("tenant b eval");
    let e = other
        .evals()
        .run(EvalRunRequest::new("tone").dataset_id("imported"))
        .await
        .expect_err("tenant b");
    assert!(matches!(e, Error::NotFound(_)), "{e:?}");
}
