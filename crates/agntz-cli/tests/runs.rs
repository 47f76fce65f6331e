//! `agntz runs list|get|stream|cancel|start`.

mod common;

use agntz_testkit::{Fault, FaultRule};
use common::{eventually, last_body, Env};
use serde_json::Value;

/// Starts a durable run of `echo` with `input` and returns its id.
fn start(env: &Env, input: &str) -> String {
    let out = env.run(&["runs", "start", "echo", input]);
    out.assert_code(0);
    let run = out.json();
    assert_eq!(run["agentId"], "echo");
    run["id"].as_str().unwrap().to_owned()
}

fn status(env: &Env, id: &str) -> String {
    let out = env.run(&["runs", "get", id]);
    out.assert_code(0);
    out.json()["status"].as_str().unwrap().to_owned()
}

#[test]
fn start_get_and_list_print_the_workers_json() {
    let env = Env::new();
    let id = start(&env, "nightly report");
    assert_eq!(last_body(&env.worker, "/runs")["input"], "nightly report");
    eventually("the run completes", || status(&env, &id) == "completed");

    let run = env.run(&["runs", "get", &id]).json();
    assert_eq!(run["id"], id.as_str());
    assert_eq!(run["result"]["output"], "ECHO: nightly report");

    let out = env.run(&[
        "runs",
        "list",
        "--agent",
        "echo",
        "--status",
        "completed",
        "--limit",
        "5",
    ]);
    out.assert_code(0);
    let page = out.json();
    assert!(page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["id"] == id.as_str()));
    let request = env.worker.requests().last().unwrap().path.clone();
    assert_eq!(request, "/runs?agentId=echo&status=completed&limit=5");
}

#[test]
fn list_pages_with_cursor_and_all_follows_every_page() {
    let env = Env::new();
    let ids: Vec<String> = (0..3).map(|i| start(&env, &format!("run {i}"))).collect();

    let first = env.run(&["runs", "list", "--limit", "2"]).json();
    assert_eq!(first["rows"].as_array().unwrap().len(), 2);
    let cursor = first["cursor"].as_str().expect("a next page").to_owned();
    let second = env
        .run(&["runs", "list", "--limit", "2", "--cursor", &cursor])
        .json();
    assert_eq!(second["rows"].as_array().unwrap().len(), 1);
    assert!(second.get("cursor").is_none());

    let all = env.run(&["runs", "list", "--limit", "1", "--all"]).json();
    let listed: Vec<&str> = all["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(listed.len(), 3);
    for id in &ids {
        assert!(listed.contains(&id.as_str()));
    }
    let pages = env
        .worker
        .requests()
        .iter()
        .filter(|r| r.path.starts_with("/runs?limit=1"))
        .count();
    assert_eq!(pages, 3);

    let out = env.run(&["runs", "list", "--format", "table"]);
    out.assert_code(0);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(lines[0].starts_with("ID"), "{}", out.stdout);
    assert!(lines[0].contains("STATUS"));
    assert_eq!(lines.len(), 4, "{}", out.stdout);
}

#[test]
fn stream_prints_each_event_as_json_in_order_until_the_run_ends() {
    let env = Env::new();
    let id = start(&env, r#"REPLY:"a" REPLY:"b" done"#);
    let out = env.run(&["runs", "stream", &id]);
    out.assert_code(0);
    let events = out.json_values();
    let seqs: Vec<u64> = events.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    assert_eq!(seqs[0], 1);
    let replies: Vec<&str> = events
        .iter()
        .filter(|e| e["type"] == "reply")
        .map(|e| e["text"].as_str().unwrap())
        .collect();
    assert_eq!(replies, ["a", "b"]);
    let last = events.last().unwrap();
    assert_eq!(last["type"], "run-complete");
    assert_eq!(last["runId"], id.as_str());
    assert!(last["result"]["output"]
        .as_str()
        .unwrap()
        .starts_with("ECHO:"));

    // --since skips what was seen.
    let since = seqs[2];
    let out = env.run(&["runs", "stream", &id, "--since", &since.to_string()]);
    out.assert_code(0);
    let later = out.json_values();
    assert_eq!(later.len(), events.len() - 3);
    assert!(later.iter().all(|e| e["seq"].as_u64().unwrap() > since));
    assert!(env
        .worker
        .requests()
        .last()
        .unwrap()
        .path
        .ends_with(&format!("?since={since}")));

    let out = env.run(&["runs", "stream", &id, "--format", "table"]);
    out.assert_code(0);
    assert_eq!(out.stdout.lines().count(), events.len());
    assert!(out.stdout.lines().last().unwrap().contains("run-complete"));
}

#[test]
fn stream_resumes_after_a_dropped_connection_without_repeating_events() {
    let env = Env::new();
    let id = start(&env, r#"REPLY:"a" REPLY:"b" SLOW:0.3 done"#);
    let whole = env.run(&["runs", "stream", &id]).json_values();

    env.worker.faults().push_rule(
        FaultRule::new(Fault::ResetAfterEvents(3))
            .path(format!("/runs/{id}/stream"))
            .times(1),
    );
    let out = env.run(&["runs", "stream", &id]);
    out.assert_code(0);
    let events = out.json_values();
    assert_eq!(events, whole, "every event once, in order");
    let opens: Vec<String> = env
        .worker
        .requests()
        .iter()
        .filter(|r| r.path_only() == format!("/runs/{id}/stream"))
        .map(|r| r.path.clone())
        .collect();
    assert_eq!(opens.len(), 3, "{opens:?}");
    assert_eq!(opens[2], format!("/runs/{id}/stream?since=3"));
}

#[test]
fn an_evicted_run_streams_its_snapshot() {
    let env = Env::new();
    let id = start(&env, "hello");
    eventually("the run completes", || status(&env, &id) == "completed");
    assert!(env.worker.evict_run(&id));
    let out = env.run(&["runs", "stream", &id]);
    out.assert_code(0);
    let events = out.json_values();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["type"], "snapshot");
    assert_eq!(events[0]["run"]["id"], id.as_str());
    assert_eq!(events[0]["run"]["status"], "completed");
}

#[test]
fn cancel_prints_the_run_and_a_stream_of_a_cancelled_run_exits_1() {
    let env = Env::new();
    let id = start(&env, "SLOW:30");
    let out = env.run(&["runs", "cancel", &id]);
    out.assert_code(0);
    assert_eq!(out.json()["id"], id.as_str());
    eventually("the run is cancelled", || status(&env, &id) == "cancelled");

    let out = env.run(&["runs", "stream", &id]);
    out.assert_code(1);
    let last: Value = out.json_values().pop().unwrap();
    assert_eq!(last["type"], "run-cancelled");
}

#[test]
fn an_unknown_run_exits_4_naming_its_id() {
    let env = Env::new();
    for args in [
        &["runs", "get", "run_missing"][..],
        &["runs", "cancel", "run_missing"][..],
        &["runs", "stream", "run_missing"][..],
    ] {
        let out = env.run(args);
        out.assert_code(4);
        assert!(
            out.stderr.contains("run \"run_missing\" not found"),
            "{}",
            out.stderr
        );
        assert!(out.stderr.contains("agntz runs list"), "{}", out.stderr);
        assert!(out.stdout.is_empty());
    }
}
