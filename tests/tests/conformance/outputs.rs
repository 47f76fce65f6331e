//! One output, two types: `POST /run` returns a run's output as JSON, its
//! durable record stores it stringified. Both decode alike with
//! `output_as`.

use std::time::Duration;

use agntz_proto::events::RunEvent;
use agntz_proto::types::{Run, RunRequest};
use agntz_proto::Transport;
use serde::Deserialize;
use serde_json::json;

use crate::harness::Harness;

#[derive(Debug, PartialEq, Deserialize)]
struct Answer {
    answer: String,
    score: u32,
}

const STRUCTURED: &str = r#"STRUCTURED:{"answer":"yes","score":2}"#;

async fn finished<T: Transport>(h: &Harness<T>, request: RunRequest) -> Run {
    let run = h.client.runs().start(request).await.expect("start");
    for _ in 0..200 {
        let run = h.client.runs().get(&run.id).await.expect("get run");
        if run.is_terminal() {
            return run;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("run {} did not finish in time", run.id);
}

pub async fn structured_output_is_json_on_run_and_text_on_the_record<T: Transport>(h: Harness<T>) {
    let expected = Answer {
        answer: "yes".into(),
        score: 2,
    };

    // POST /run and the run-complete of /run/stream: the JSON value itself.
    let result = h
        .client
        .agents()
        .run(RunRequest::new("echo").input(STRUCTURED))
        .await
        .expect("run");
    assert_eq!(result.output, json!({"answer": "yes", "score": 2}));
    assert_eq!(result.output_as::<Answer>().expect("decode"), expected);
    assert_eq!(result.output_text(), None, "not a text output");
    let done = h
        .client
        .agents()
        .stream(RunRequest::new("echo").input(STRUCTURED))
        .await
        .expect("stream")
        .into_result()
        .await
        .expect("complete");
    assert_eq!(done.output, result.output);

    // The durable record of such a run: the same value, stringified.
    let run = finished(&h, RunRequest::new("echo").input(STRUCTURED)).await;
    let stored = run.result.expect("completed with a result");
    assert_eq!(stored.output, r#"{"answer":"yes","score":2}"#);
    assert_eq!(stored.output_as::<Answer>().expect("decode"), expected);
    // ... and on the run's own stream.
    let mut events = h.client.runs().stream(&run.id).await.expect("stream");
    let mut complete = None;
    while let Some(event) = events.next().await {
        match event.expect("event") {
            RunEvent::Complete(c) if c.run_id == run.id => complete = Some(c.result),
            RunEvent::Snapshot(s) => complete = s.result,
            _ => {}
        }
    }
    let complete = complete.expect("the root's result");
    assert_eq!(complete.output, stored.output);
    assert_eq!(complete.output_as::<Answer>().expect("decode"), expected);
}

pub async fn text_output_reads_the_same_from_run_and_record<T: Transport>(h: Harness<T>) {
    let result = h
        .client
        .agents()
        .run(RunRequest::new("echo").input("42"))
        .await
        .expect("run");
    assert_eq!(result.output, json!("ECHO: 42"));
    let run = finished(&h, RunRequest::new("echo").input("42")).await;
    let stored = run.result.expect("result");
    assert_eq!(stored.output, "ECHO: 42");
    assert_eq!(
        stored.output_as::<String>().expect("text"),
        result.output_as::<String>().expect("text")
    );
    // Text that is not JSON cannot become a struct: a clear decode error.
    let e = stored.output_as::<Answer>().expect_err("text is no Answer");
    assert!(e.to_string().contains("expected struct Answer"), "{e}");

    // A stored text output that looks like JSON still reads as text.
    let result = h
        .client
        .agents()
        .run(RunRequest::new("echo").input(r#"STRUCTURED:"quoted""#))
        .await
        .expect("run");
    assert_eq!(result.output, json!("quoted"));
    let run = finished(&h, RunRequest::new("echo").input(r#"STRUCTURED:7"#)).await;
    let stored = run.result.expect("result");
    assert_eq!(stored.output, "7");
    assert_eq!(stored.output_as::<u32>().expect("number"), 7);
    assert_eq!(stored.output_as::<String>().expect("text"), "7");
}
