//! Streaming: follow one run's events as they happen, with the agent's
//! interim replies (the `reply` tool) before the final output.
//!
//! Offline against the in-process mock worker, whose model turns each
//! `REPLY:"..."` in the input into a reply event; against a real worker
//! (`AGNTZ_BASE_URL`, `AGNTZ_API_KEY`, `AGNTZ_AGENT_ID`) the agent decides.
//!
//! ```text
//! cargo run -p agntz-client --example streaming
//! ```

mod support;

use agntz_client::{RunRequest, StreamEvent};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let support::Connected {
        client,
        worker: _worker,
    } = support::connect().await?;
    let agent = std::env::var("AGNTZ_AGENT_ID").unwrap_or_else(|_| "echo".to_owned());

    let request = RunRequest::new(&agent).input(
        r#"REPLY:"Looking that up..." REPLY:"Almost there." What is the capital of France?"#,
    );
    let mut events = client.agents().stream(request).await?;

    let mut replies = 0;
    // `next()` yields every event received, then `None` after the terminal
    // one; a body cut before it is an `Err` (after the events that arrived).
    while let Some(event) = events.next().await {
        match event? {
            StreamEvent::Start(start) => println!("started run {:?}", start.run_id),
            StreamEvent::Reply(reply) => {
                replies += 1;
                println!("reply {replies}: {}", reply.text);
            }
            StreamEvent::Complete(done) => println!(
                "complete: {} ({} tokens, model {})",
                done.output, done.usage.total_tokens, done.model
            ),
            StreamEvent::Error(failed) => {
                return Err(format!("the run failed: {}", failed.error).into())
            }
            // New event kinds never break old code.
            other => println!("event: {other:?}"),
        }
    }
    if _worker.is_some() && replies != 2 {
        return Err(format!("expected 2 replies from the mock, saw {replies}").into());
    }
    Ok(())
}
