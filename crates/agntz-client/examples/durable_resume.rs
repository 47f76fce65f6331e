//! Durable runs survive the connection: start a run, follow its events, lose
//! the connection, and carry on where you left off without missing or
//! repeating an event.
//!
//! Two kinds of drop are shown. A connection cut under the stream is healed
//! by the SDK itself (it reconnects with `?since=<last seq>`). A reader that
//! goes away (a restarted process) keeps the last `seq` it handled and
//! resumes with `stream_since`. Offline, the mock worker is told to cut the
//! first stream after two events; against a real worker
//! (`AGNTZ_BASE_URL`, `AGNTZ_API_KEY`, `AGNTZ_AGENT_ID`) no cut is injected.
//!
//! ```text
//! cargo run -p agntz-client --example durable_resume
//! ```

mod support;

use agntz_client::{RunEvent, RunRequest};
use agntz_testkit::{Fault, FaultRule};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let support::Connected { client, worker } = support::connect().await?;
    let agent = std::env::var("AGNTZ_AGENT_ID").unwrap_or_else(|_| "echo".to_owned());

    // `POST /runs`: the worker keeps running it whoever listens.
    let run = client
        .runs()
        .start(RunRequest::new(&agent).input(r#"REPLY:"step one" REPLY:"step two" SLOW:1 finish"#))
        .await?;
    println!("started durable run {} ({})", run.id, run.status);

    // 1. The connection is cut after two events: the SDK reconnects with
    //    `?since=` and the events still arrive once each, in order.
    if let Some(worker) = &worker {
        worker
            .faults()
            .push_rule(FaultRule::new(Fault::ResetAfterEvents(2)).path("/runs/"));
    }
    let mut events = client.runs().stream(&run.id).await?;
    let mut handled = Vec::new();
    // 2. Our reader "goes away" after three events, keeping its place.
    while let Some(event) = events.next().await {
        let event = event?;
        println!("  seq {:?}: {}", event.seq(), describe(&event));
        handled.push(event.seq());
        if handled.len() == 3 {
            break;
        }
    }
    let place = events.last_seq().ok_or("no event carried a seq")?;
    drop(events);
    println!("reader stopped after seq {place}; resuming later");

    // 3. Resume from that place: only the events after it, then the end.
    let mut rest = client.runs().stream_since(&run.id, place).await?;
    let mut output = None;
    while let Some(event) = rest.next().await {
        let event = event?;
        println!("  seq {:?}: {}", event.seq(), describe(&event));
        handled.push(event.seq());
        if let RunEvent::Complete(done) = &event {
            output = Some(done.result.output.clone());
        }
    }
    println!("output: {}", output.ok_or("the run did not complete")?);

    // Every event exactly once, in order, across the cut and the restart.
    let seqs: Vec<u64> = handled.into_iter().flatten().collect();
    if seqs.windows(2).any(|w| w[1] != w[0] + 1) {
        return Err(format!("events missing or repeated: {seqs:?}").into());
    }
    println!("{} events, each once, in order", seqs.len());
    Ok(())
}

fn describe(event: &RunEvent) -> String {
    match event {
        RunEvent::Reply(reply) => format!("reply {:?}", reply.text),
        RunEvent::TextDelta(delta) => format!("text {:?}", delta.text),
        RunEvent::Complete(_) => "complete".to_owned(),
        RunEvent::Error(failed) => format!("error {}", failed.error),
        other => format!("{other:?}").chars().take(60).collect(),
    }
}
