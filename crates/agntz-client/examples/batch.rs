//! Batches: run a YAML manifest over many inputs as one provider-native
//! async job, wait for it (bounded), and read `results.jsonl` line by line.
//!
//! ```text
//! cargo run -p agntz-client --example batch
//! ```

mod support;

use std::time::Duration;

use agntz_client::{BatchInputItem, BatchRunRequest, BatchRunStatus, Wait};

const MANIFEST: &str = "\
id: example-summaries
name: Customer summaries
kind: llm
model:
  provider: openai
  name: gpt-batch
instruction: Summarize the customer in one line.
";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let support::Connected {
        client,
        worker: _worker,
    } = support::connect().await?;

    let definition = client.batches().create(MANIFEST).await?;
    println!("batch {} version {:?}", definition.id, definition.version);

    let run = client
        .batches()
        .run(
            BatchRunRequest::new("example-summaries")
                .item(BatchInputItem::new(
                    "c1",
                    "Ada, Inc: 40 seats, renews in May",
                ))
                .item(BatchInputItem::new("c2", "Grace LLC: trial, 3 seats"))
                // Sent as Idempotency-Key: a retried submission returns this run.
                .idempotency_key("example-summaries-2026-12"),
        )
        .await?;
    println!("run {} is {:?}", run.id, run.status);

    // Provider batches can take hours; bound the wait and poll gently.
    let run = client
        .batches()
        .wait_for_run(
            &run.id,
            Wait::up_to(Duration::from_secs(6 * 3600)).every(Duration::from_millis(200)),
        )
        .await?;
    println!("finished {:?}: {:?}", run.status, run.counts);

    // results.jsonl, decoded a line at a time as the body arrives.
    let mut results = client.batches().results_stream(&run.id).await?;
    let mut lines = 0;
    while let Some(item) = results.next().await {
        let item = item?;
        lines += 1;
        println!("  {} {:?}: {:?}", item.item_id, item.status, item.output);
    }

    client.batches().delete_run(&run.id).await?;
    if run.status != BatchRunStatus::Completed || lines != 2 {
        return Err(format!("unexpected run: {:?} with {lines} results", run.status).into());
    }
    Ok(())
}
