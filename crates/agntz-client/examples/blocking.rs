//! The blocking client: a synchronous program (no `async`, no runtime of
//! its own) runs an agent, streams one, follows a durable run, answers a
//! client tool with a plain function, and shares one client across threads.
//!
//! Without `AGNTZ_BASE_URL` this starts the in-process mock worker
//! (`agntz-testkit`) on a runtime thread of its own, so it runs offline.
//! With `AGNTZ_BASE_URL`, `AGNTZ_API_KEY` (and optionally `AGNTZ_AGENT_ID`,
//! default `echo`) it talks to that worker instead (the client-tool step
//! needs the mock's `clientbot` agent and is skipped there).
//!
//! ```text
//! cargo run -p agntz-client --example blocking
//! ```

use agntz_client::blocking::{AgntzClient, ClientTools};
use agntz_client::{RunEvent, RunFilter, RunRequest, StreamEvent};
use agntz_testkit::TestWorker;
use serde_json::json;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Keep the mock worker alive for the whole example.
    let (client, agent, worker) = match std::env::var("AGNTZ_BASE_URL") {
        Ok(url) if !url.trim().is_empty() => {
            let agent = std::env::var("AGNTZ_AGENT_ID").unwrap_or_else(|_| "echo".to_owned());
            println!("worker: {url}");
            (AgntzClient::from_env()?, agent, None)
        }
        _ => {
            // The mock worker is async: it runs on its own runtime thread.
            let worker = TestWorker::start_blocking()?;
            println!("worker: in-process mock at {}", worker.base_url());
            let client = AgntzClient::new(worker.api_key(), worker.base_url())?;
            (client, "echo".to_owned(), Some(worker))
        }
    };

    let health = client.health()?;
    println!("health: {} ({})", health.status, health.service);

    // 1. Run to completion: a plain call.
    let result = client
        .agents()
        .run(RunRequest::new(&agent).input("hello world"))?;
    println!(
        "run {}: output {} | {} tokens",
        result.run_id, result.output, result.usage.total_tokens
    );

    // 2. Stream a run: the events are an iterator.
    let events = client
        .agents()
        .stream(RunRequest::new(&agent).input(r#"REPLY:"on it" stream me"#))?;
    for event in events {
        match event? {
            StreamEvent::Start(start) => println!("stream start: run {:?}", start.run_id),
            StreamEvent::Reply(reply) => println!("stream reply: {}", reply.text),
            StreamEvent::Complete(done) => println!("stream complete: {}", done.output),
            StreamEvent::Error(failed) => println!("stream error: {}", failed.error),
            _ => {}
        }
    }

    // 3. A durable run, followed (the stream resumes by itself after a
    //    dropped connection), then listed lazily across pages.
    let run = client
        .runs()
        .start(RunRequest::new(&agent).input("durable hello"))?;
    let mut follow = client.runs().stream(&run.id)?;
    for event in follow.by_ref() {
        // The stream carries the whole run tree; the root's end is ours.
        match event? {
            RunEvent::Complete(done) if done.run_id == run.id => {
                println!(
                    "durable run {} complete: {}",
                    done.run_id, done.result.output
                )
            }
            other => println!("durable run event: {}", other.event_name()),
        }
    }
    println!("followed up to seq {:?}", follow.last_seq());
    let recent: Vec<_> = client
        .runs()
        .list_all(RunFilter::new().limit(2))
        .take(3)
        .collect::<Result<_, _>>()?;
    println!("{} recent runs (pages fetched as read)", recent.len());

    // 4. A client tool answered by a plain function.
    if worker.is_some() {
        let tools = ClientTools::new().handler("get_selection", |input, _call| {
            Ok(json!({ "selected": "chapter one", "asked": input }))
        });
        let answered = client.agents().run_with_tools(
            RunRequest::new("clientbot")
                .input(r#"CALL_TOOL:get_selection ARGS:{"includeText":true}"#),
            tools,
        )?;
        println!("client tool: {}", answered.output);
    }

    // 5. One client, several threads at once.
    std::thread::scope(|scope| -> Result<(), agntz_client::Error> {
        let calls: Vec<_> = (0..4)
            .map(|i| {
                let client = &client;
                let agent = &agent;
                scope.spawn(move || {
                    client
                        .agents()
                        .run(RunRequest::new(agent).input(format!("thread {i}")))
                })
            })
            .collect();
        for call in calls {
            let result = call.join().expect("thread")?;
            println!("from a thread: {}", result.output);
        }
        Ok(())
    })?;

    Ok(())
}
