//! Quickstart: run an agent, stream one, start a durable run and follow it.
//!
//! Without `AGNTZ_BASE_URL` this starts the in-process mock worker
//! (`agntz-testkit`), so it runs offline. With `AGNTZ_BASE_URL`,
//! `AGNTZ_API_KEY` (and optionally `AGNTZ_AGENT_ID`, default `echo`) it
//! talks to that worker instead.
//!
//! ```text
//! cargo run -p agntz-client --example quickstart
//! ```

use agntz_client::{AgntzClient, RunEvent, RunRequest, StreamEvent};
use agntz_testkit::TestWorker;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Keep the mock worker alive for the whole example.
    let (client, agent, _worker) = match std::env::var("AGNTZ_BASE_URL") {
        Ok(url) if !url.trim().is_empty() => {
            let agent = std::env::var("AGNTZ_AGENT_ID").unwrap_or_else(|_| "echo".to_owned());
            println!("worker: {url}");
            (AgntzClient::from_env()?, agent, None)
        }
        _ => {
            let worker = TestWorker::start().await?;
            println!("worker: in-process mock at {}", worker.base_url());
            let client = AgntzClient::new(worker.api_key(), worker.base_url())?;
            (client, "echo".to_owned(), Some(worker))
        }
    };

    let health = client.health().await?;
    println!("health: {} ({})", health.status, health.service);

    // 1. Run to completion.
    let result = client
        .agents()
        .run(RunRequest::new(&agent).input("hello world"))
        .await?;
    println!(
        "run {} {}: output {} | model {} | tokens {} | session {:?}",
        result.run_id,
        result.status,
        result.output,
        result.model,
        result.usage.total_tokens,
        result.session_id
    );

    // 2. Stream a run: start, replies, then complete (or error).
    let mut events = client
        .agents()
        .stream(RunRequest::new(&agent).input("stream me please"))
        .await?;
    while let Some(event) = events.next().await {
        match event? {
            StreamEvent::Start(start) => {
                println!(
                    "stream start: agent {} run {:?}",
                    start.agent_id, start.run_id
                )
            }
            StreamEvent::Reply(reply) => println!("stream reply: {}", reply.text),
            StreamEvent::Complete(done) => println!(
                "stream complete: run {} output {} ({} tokens)",
                done.run_id, done.output, done.usage.total_tokens
            ),
            StreamEvent::Error(failed) => println!("stream error: {}", failed.error),
            other => println!("stream event: {other:?}"),
        }
    }

    // 3. A durable run: start it, follow its event stream, read it back.
    let run = client
        .runs()
        .start(RunRequest::new(&agent).input("durable hello"))
        .await?;
    println!("durable run {} started: {}", run.id, run.status);
    let mut run_events = client.runs().stream(&run.id).await?;
    while let Some(event) = run_events.next().await {
        match event? {
            RunEvent::Spawn(spawn) => println!("  spawn {} ({})", spawn.run_id, spawn.agent_id),
            RunEvent::Complete(done) => {
                println!("  complete {}: {}", done.run_id, done.result.output)
            }
            RunEvent::Error(failed) => println!("  error {}: {}", failed.run_id, failed.error),
            other => println!("  event seq {:?}", other.seq()),
        }
    }
    let fresh = client.runs().get(&run.id).await?;
    println!(
        "durable run {}: {} -> {}",
        fresh.id,
        fresh.status,
        fresh.result.as_ref().map_or("", |r| r.output.as_str())
    );
    Ok(())
}
