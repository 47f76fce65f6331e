//! `agntz traces list|get|delete` and `agntz eval run|runs|cancel|scores|get`.

mod common;

use agntz_client::{AgntzClient, EvalCriterion, EvalDefinition};
use common::{last_body, Env};
use serde_json::{json, Value};

/// Runs `echo` in a session (so a trace is recorded) and returns the run id.
fn traced_run(env: &Env) -> String {
    let out = env.run(&["run", "echo", "--json", "--session", "s1", "hello"]);
    out.assert_code(0);
    out.json()["runId"].as_str().unwrap().to_owned()
}

#[test]
fn traces_list_get_and_delete() {
    let env = Env::new();
    let id = traced_run(&env);

    let out = env.run(&["traces", "list", "--agent", "echo", "--limit", "10"]);
    out.assert_code(0);
    let page = out.json();
    let rows = page["rows"].as_array().unwrap();
    assert!(rows.iter().any(|r| r["traceId"] == id.as_str()), "{page}");
    assert_eq!(
        env.worker.requests().last().unwrap().path,
        "/traces?agentId=echo&limit=10"
    );

    let out = env.run(&["traces", "get", &id]);
    out.assert_code(0);
    let trace = out.json();
    assert_eq!(trace["summary"]["traceId"], id.as_str());
    assert!(!trace["spans"].as_array().unwrap().is_empty());

    let out = env.run(&["traces", "get", &id, "--format", "table"]);
    out.assert_code(0);
    assert!(
        out.stdout
            .lines()
            .any(|l| l.starts_with("traceId") && l.contains(&id)),
        "{}",
        out.stdout
    );
    let spans = out
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("SPAN"))
        .count();
    assert_eq!(
        spans,
        1 + trace["spans"].as_array().unwrap().len(),
        "{}",
        out.stdout
    );

    let out = env.run(&["traces", "list", "--format", "table"]);
    out.assert_code(0);
    assert!(out.stdout.starts_with("TRACE"), "{}", out.stdout);
    assert!(out.stdout.contains(&id));

    let out = env.run(&["traces", "delete", &id]);
    out.assert_code(0);
    assert!(
        out.stderr.contains(&format!("Deleted trace {id}")),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty());

    let out = env.run(&["traces", "get", &id]);
    out.assert_code(4);
    assert!(
        out.stderr.contains(&format!("trace \"{id}\" not found")),
        "{}",
        out.stderr
    );
}

/// Seeds a dataset of `items` for `echo` and an eval `quality` whose one
/// criterion has `rubric` and a gate at 1.
fn seed_eval(env: &Env, items: &[&str], rubric: &str) {
    let items: Vec<Value> = items.iter().map(|i| json!({ "input": i })).collect();
    env.worker
        .seed_dataset(
            env.worker.api_key(),
            json!({"id": "cases", "agentId": "echo", "items": items}),
        )
        .expect("dataset seeded");
    let client = AgntzClient::new(env.worker.api_key(), env.worker.base_url()).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime
        .block_on(
            client.evals().create(
                EvalDefinition::new("echo")
                    .id("quality")
                    .criterion(EvalCriterion::new("c1", rubric).gate(1.0))
                    .default_dataset("cases"),
            ),
        )
        .expect("eval created");
}

#[test]
fn eval_get_run_runs_and_scores_print_the_workers_json() {
    let env = Env::new();
    seed_eval(&env, &["one", "two"], "CONTAINS:ECHO");

    let out = env.run(&["eval", "get", "quality"]);
    out.assert_code(0);
    assert_eq!(out.json()["agentId"], "echo");

    let out = env.run(&[
        "eval",
        "run",
        "quality",
        "--dataset",
        "cases",
        "--version",
        "latest",
    ]);
    out.assert_code(0);
    let run = out.json();
    assert_eq!(run["evalId"], "quality");
    assert_eq!(run["status"], "running");
    let body = last_body(&env.worker, "/eval-runs");
    assert_eq!(
        body,
        json!({"evalId": "quality", "datasetId": "cases", "agentVersion": "latest"})
    );

    let out = env.run(&["eval", "run", "quality", "--wait"]);
    out.assert_code(0);
    let done = out.json();
    assert_eq!(done["status"], "completed");
    assert_eq!(done["summary"]["passed"], true);
    assert_eq!(done["caseResults"].as_array().unwrap().len(), 2);

    let out = env.run(&["eval", "runs", "--eval", "quality", "--limit", "10"]);
    out.assert_code(0);
    let page = out.json();
    assert_eq!(page["rows"].as_array().unwrap().len(), 2);
    assert_eq!(
        env.worker.requests().last().unwrap().path,
        "/eval-runs?evalId=quality&limit=10"
    );
    let all = env.run(&["eval", "runs", "--limit", "1", "--all"]).json();
    assert_eq!(all["rows"].as_array().unwrap().len(), 2);

    let out = env.run(&["eval", "scores", "--eval", "quality", "--dataset", "cases"]);
    out.assert_code(0);
    let scores = out.json();
    assert_eq!(scores[0]["evalId"], "quality");
    assert_eq!(scores[0]["passed"], true);

    let out = env.run(&["eval", "scores", "--format", "table"]);
    out.assert_code(0);
    assert!(out.stdout.starts_with("EVAL"), "{}", out.stdout);
}

#[test]
fn eval_run_wait_exits_1_when_a_gate_fails() {
    let env = Env::new();
    seed_eval(&env, &["one"], "SCORE:0");
    let out = env.run(&["eval", "run", "quality", "--wait"]);
    out.assert_code(1);
    let done = out.json();
    assert_eq!(done["status"], "completed");
    assert_eq!(done["summary"]["passed"], false);
}

#[test]
fn eval_cancel_prints_the_cancelled_run() {
    let env = Env::new();
    seed_eval(&env, &["SLOW:30", "SLOW:30"], "CONTAINS:ECHO");
    let run = env.run(&["eval", "run", "quality"]).json();
    let id = run["id"].as_str().unwrap();
    let out = env.run(&["eval", "cancel", id]);
    out.assert_code(0);
    let cancelled = out.json();
    assert_eq!(cancelled["id"], id);
    assert_eq!(cancelled["status"], "cancelled");
}

#[test]
fn unknown_evals_exit_4() {
    let env = Env::new();
    let out = env.run(&["eval", "get", "nope"]);
    out.assert_code(4);
    assert!(
        out.stderr.contains("eval \"nope\" not found"),
        "{}",
        out.stderr
    );
    let out = env.run(&["eval", "cancel", "evalrun_nope"]);
    out.assert_code(4);
    assert!(
        out.stderr.contains("eval run \"evalrun_nope\" not found"),
        "{}",
        out.stderr
    );
}
