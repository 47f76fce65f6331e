//! `agntz run`: input precedence, output, JSON, streaming order, failures,
//! and Ctrl-C cancelling the run on the worker.

mod common;

use std::io::{BufRead, BufReader};
use std::time::{Duration, Instant};

use common::{eventually, finish_with_stdin, last_body, wait, Env};
use serde_json::Value;

#[test]
fn runs_an_agent_and_prints_its_output() {
    let env = Env::new();
    let out = env.run(&["run", "echo", "hello", "world"]);
    out.assert_code(0);
    assert_eq!(out.stdout, "ECHO: hello world\n");
    let body = last_body(&env.worker, "/run");
    assert_eq!(body["agentId"], "echo");
    assert_eq!(body["input"], "hello world");
}

#[test]
fn input_precedence_is_flag_then_words_then_piped_stdin_then_empty() {
    let env = Env::new();
    let input = |args: &[&str], stdin: Option<&str>| {
        let out = finish_with_stdin(env.cmd(args), stdin);
        out.assert_code(0);
        last_body(&env.worker, "/run")["input"].clone()
    };
    assert_eq!(
        input(&["run", "echo", "--input", "flag", "words"], Some("piped")),
        "flag"
    );
    assert_eq!(
        input(&["run", "echo", "two", "words"], Some("piped")),
        "two words"
    );
    assert_eq!(
        input(&["run", "echo"], Some("  piped text\n")),
        "piped text"
    );
    assert_eq!(
        input(
            &["run", "echo", "--input", "-", "words"],
            Some("from stdin")
        ),
        "from stdin"
    );
    assert_eq!(input(&["run", "echo"], None), "");
}

#[test]
fn session_context_and_version_reach_the_worker() {
    let env = Env::new();
    let out = env.run(&[
        "run",
        "echo",
        "--session",
        "user-42",
        "--context",
        "app/user/u_1",
        "--context",
        "app/team/t_1",
        "--version",
        "latest",
        "hi",
    ]);
    out.assert_code(0);
    let body = last_body(&env.worker, "/run");
    assert_eq!(body["agentId"], "echo@latest");
    assert_eq!(body["sessionId"], "user-42");
    assert_eq!(
        body["context"],
        serde_json::json!(["app/user/u_1", "app/team/t_1"])
    );
    assert!(out.stderr.contains("--- session user-42"), "{}", out.stderr);
}

#[test]
fn replies_go_to_stderr_and_json_prints_the_whole_result() {
    let env = Env::new();
    let out = env.run(&["run", "echo", r#"REPLY:"on it" answer"#]);
    out.assert_code(0);
    assert!(out.stdout.starts_with("ECHO: "), "{}", out.stdout);
    assert!(out.stderr.contains("[reply] on it"), "{}", out.stderr);

    let out = env.run(&["run", "echo", "--json", r#"REPLY:"on it" answer"#]);
    out.assert_code(0);
    let result = out.json();
    assert!(result["output"].as_str().unwrap().starts_with("ECHO: "));
    assert!(result["runId"].as_str().unwrap().starts_with("run_"));
    assert_eq!(result["status"], "completed");
    assert_eq!(result["replies"][0]["text"], "on it");
    assert!(result["usage"]["totalTokens"].is_u64());
}

#[test]
fn streams_replies_as_they_arrive_then_the_output() {
    let env = Env::new();
    let out = env.run(&["run", "echo", "--stream", r#"REPLY:"one" REPLY:"two" done"#]);
    out.assert_code(0);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines[0], "[reply] one");
    assert_eq!(lines[1], "[reply] two");
    assert_eq!(lines[2], "");
    assert!(lines[3].starts_with("ECHO: "), "{}", out.stdout);
    assert_eq!(lines.len(), 4, "{}", out.stdout);
}

#[test]
fn stream_json_prints_one_object_per_event_in_order() {
    let env = Env::new();
    let out = env.run(&[
        "run",
        "echo",
        "--stream",
        "--json",
        r#"REPLY:"one" REPLY:"two" done"#,
    ]);
    out.assert_code(0);
    let events: Vec<Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["start", "reply", "reply", "complete"]);
    assert_eq!(events[0]["agentId"], "echo");
    assert_eq!(events[1]["text"], "one");
    assert_eq!(events[2]["text"], "two");
    assert!(events[1]["seq"].as_u64().unwrap() < events[2]["seq"].as_u64().unwrap());
    // The whole run-complete payload, not only the official client's subset.
    assert!(events[3]["output"].as_str().unwrap().starts_with("ECHO: "));
    assert_eq!(events[3]["runId"], events[0]["runId"]);
    assert!(events[3]["usage"]["totalTokens"].is_u64());
}

#[test]
fn a_failed_run_exits_1() {
    let env = Env::new();
    let out = env.run(&["run", "echo", "FAIL_LLM"]);
    out.assert_code(1);
    assert!(out.stdout.is_empty());
    assert!(out.stderr.starts_with("error: "), "{}", out.stderr);

    let out = env.run(&["run", "echo", "--stream", "FAIL_LLM"]);
    out.assert_code(1);
    assert!(out.stderr.contains("[error]"), "{}", out.stderr);

    let out = env.run(&["run", "echo", "--stream", "--json", "FAIL_LLM"]);
    out.assert_code(1);
    let last: Value = serde_json::from_str(out.stdout.lines().last().unwrap()).unwrap();
    assert_eq!(last["type"], "error");
}

#[test]
fn an_unknown_agent_exits_4_naming_it() {
    let env = Env::new();
    for args in [
        &["run", "nope", "hi"][..],
        &["run", "nope", "--stream", "hi"][..],
    ] {
        let out = env.run(args);
        out.assert_code(4);
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
        assert!(
            out.stderr.contains("agent \"nope\" not found"),
            "{}",
            out.stderr
        );
        assert!(out.stderr.contains("agntz publish"), "{}", out.stderr);
    }
}

#[test]
fn a_manifest_path_explains_that_local_runs_are_not_supported() {
    let env = Env::new();
    for target in ["./agents/support.yaml", "agents/x.yml", "support.yaml"] {
        let out = env.run(&["run", target, "--input", "hi"]);
        out.assert_code(2);
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
        assert!(
            out.stderr.contains("local runs are not supported"),
            "{}",
            out.stderr
        );
        assert!(out.stderr.contains("agntz publish"), "{}", out.stderr);
        assert!(out.stderr.contains("agntz run <id>"), "{}", out.stderr);
    }
    assert!(env.worker.requests().is_empty());
}

#[cfg(unix)]
#[test]
fn ctrl_c_during_a_stream_cancels_the_run_on_the_worker() {
    let env = Env::new();
    let mut child = env
        .cmd(&["run", "echo", "--stream", r#"REPLY:"started" SLOW:30"#])
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert_eq!(first, "[reply] started\n");

    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let started = Instant::now();
    let out = wait(child);
    out.assert_code(130);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(out.stderr.contains("cancelled"), "{}", out.stderr);

    // The worker saw the connection close and cancelled the run.
    eventually("the run is cancelled on the worker", || {
        let runs = env.run(&["runs", "list", "--agent", "echo"]).json();
        runs["rows"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["status"] == "cancelled")
    });
}

#[cfg(unix)]
#[test]
fn ctrl_c_while_waiting_for_a_result_cancels_the_run_too() {
    let env = Env::new();
    let child = env.cmd(&["run", "echo", "SLOW:30"]).spawn().unwrap();
    eventually("the run reaches the worker", || {
        env.worker.requests().iter().any(|r| r.path == "/run")
    });
    std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let out = wait(child);
    out.assert_code(130);
    assert!(out.stdout.is_empty());
    eventually("the run is cancelled on the worker", || {
        let runs = env.run(&["runs", "list", "--agent", "echo"]).json();
        runs["rows"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["status"] == "cancelled")
    });
}

#[test]
fn image_and_audio_files_are_uploaded_then_sent_as_content() {
    let env = Env::new();
    env.write("photo.png", "\u{89}PNG fake image bytes");
    env.write("call.wav", "RIFF fake audio bytes");
    for args in [
        &[
            "run",
            "echo",
            "--image",
            "photo.png",
            "--audio",
            "call.wav",
            "describe",
        ][..],
        &[
            "run",
            "echo",
            "--stream",
            "--image",
            "photo.png",
            "describe",
        ][..],
        &["runs", "start", "echo", "--image", "photo.png", "describe"][..],
    ] {
        env.worker.clear_requests();
        let out = env.run(args);
        out.assert_code(0);
        let requests = env.worker.requests();
        let uploads = requests.iter().filter(|r| r.path == "/artifacts").count();
        let run = requests
            .iter()
            .find(|r| r.path_only() != "/artifacts")
            .unwrap();
        assert!(
            ["/run", "/run/stream", "/runs"].contains(&run.path_only()),
            "{}",
            run.path
        );
        let body = run.body_json().unwrap();
        assert_eq!(body["input"], "describe");
        let content = body["content"].as_array().unwrap();
        assert_eq!(content.len(), uploads, "{body}");
        assert_eq!(content[0]["type"], "image");
        assert!(content[0]["artifactId"].as_str().is_some(), "{body}");
        if uploads == 2 {
            assert_eq!(content[1]["type"], "audio");
        }
    }
}

#[test]
fn a_missing_or_mistyped_file_is_a_usage_error_and_nothing_is_sent() {
    let env = Env::new();
    env.write("notes.txt", "text");
    for file in ["missing.png", "notes.txt"] {
        let out = env.run(&["run", "echo", "--image", file, "hi"]);
        out.assert_code(2);
        assert!(out.stderr.contains(file), "{}", out.stderr);
    }
    assert!(env.worker.requests().is_empty());
}
