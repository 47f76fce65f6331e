//! Client tools: tools a manifest declares with `kind: client` run in your
//! process. Attach a handler per tool; the SDK answers each request the run
//! makes and the worker feeds the result to the model.
//!
//! Offline, the mock worker's `clientbot` agent declares `get_selection` and
//! its model calls it when the input says `CALL_TOOL:get_selection`.
//!
//! ```text
//! cargo run -p agntz-client --example client_tools
//! ```

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use agntz_client::{ClientTools, RunRequest, StreamEvent};
use serde_json::json;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let support::Connected {
        client,
        worker: _worker,
    } = support::connect().await?;
    let agent = std::env::var("AGNTZ_AGENT_ID").unwrap_or_else(|_| "clientbot".to_owned());

    // A handler gets the model's arguments and the request (run id, tool
    // call id); `Err(message)` reaches the model as a tool failure.
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let tools = move || {
        let counter = counter.clone();
        ClientTools::new().handler("get_selection", move |input, request| {
            let counter = counter.clone();
            async move {
                counter.fetch_add(1, Ordering::SeqCst);
                println!("  tool call {} with {input}", request.tool_call_id);
                let with_text = input["includeText"].as_bool().unwrap_or(false);
                Ok(json!({
                    "selected": "chapter one",
                    "text": with_text.then_some("It was a dark and stormy night."),
                }))
            }
        })
    };
    let input = r#"CALL_TOOL:get_selection ARGS:{"includeText":true} Summarize my selection"#;

    // Run to completion; the SDK streams under the hood to answer the tool.
    let result = client
        .agents()
        .run_with_tools(RunRequest::new(&agent).input(input), tools())
        .await?;
    println!("run output: {}", result.output);

    // Or watch the run's events while the SDK answers the tool requests.
    let mut events = client
        .agents()
        .stream_with_tools(RunRequest::new(&agent).input(input), tools())
        .await?;
    while let Some(event) = events.next().await {
        match event? {
            StreamEvent::Start(start) => println!("stream: run {:?} started", start.run_id),
            StreamEvent::Complete(done) => println!("stream output: {}", done.output),
            _ => {}
        }
    }

    let calls = calls.load(Ordering::SeqCst);
    println!("the handler ran {calls} times");
    if calls != 2 {
        return Err(format!("expected one tool call per run, saw {calls}").into());
    }
    Ok(())
}
