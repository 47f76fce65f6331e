//! Client tools through the blocking client: plain-function handlers (and
//! the async client's handlers) answer the worker's requests.

use std::sync::{Arc, Mutex};

use agntz_client::blocking::ClientTools;
use agntz_client::{RunRequest, StreamEvent, Transport};
use serde_json::json;

use crate::harness::Harness;

const CALL: &str = r#"CALL_TOOL:get_selection ARGS:{"includeText":true}"#;

fn clientbot() -> RunRequest {
    RunRequest::new("clientbot").input(CALL)
}

/// The body the SDK posted as the answer to the run's tool request.
fn posted_answer<T: Transport>(h: &Harness<T>, run_id: &str) -> serde_json::Value {
    h.last_request_to(&format!("/runs/{run_id}/client-tool-requests/"))
        .body_json()
        .expect("JSON answer")
}

pub fn handler_answers_and_run_completes<T: Transport>(h: Harness<T>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    let tools = ClientTools::new().handler("get_selection", move |input, call| {
        record.lock().expect("lock").push((
            input,
            call.tool_call_id,
            std::thread::current().name().map(str::to_owned),
        ));
        Ok(json!({"selected": "chapter one"}))
    });
    assert_eq!(tools.names().collect::<Vec<_>>(), ["get_selection"]);
    let result = h
        .client
        .agents()
        .run_with_tools(clientbot(), tools)
        .expect("run with tools");
    assert_eq!(result.output, r#"TOOL_RESULT: {"selected":"chapter one"}"#);
    let calls = seen.lock().expect("lock").clone();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].0, json!({"includeText": true}));
    assert!(calls[0].1.starts_with("call_"));
    // Each handler call runs on a thread of its own, outside any runtime.
    assert_eq!(calls[0].2.as_deref(), Some("agntz-client-tool"));

    let start = h.last_request_to("/run/stream").body_json().expect("JSON");
    assert_eq!(start["clientTools"], json!(["get_selection"]));
    assert_eq!(
        posted_answer(&h, &result.run_id),
        json!({"output": {"selected": "chapter one"}})
    );
}

pub fn handler_error_reaches_the_model<T: Transport>(h: Harness<T>) {
    let tools =
        ClientTools::new().handler("get_selection", |_input, _call| Err("app exploded".into()));
    let events = h
        .client
        .agents()
        .stream_with_tools(clientbot(), tools)
        .expect("stream with tools")
        .collect_all()
        .expect("events");
    let names: Vec<_> = events.iter().map(StreamEvent::event_name).collect();
    assert_eq!(
        names,
        ["run-start", "run-complete"],
        "tool requests are hidden"
    );
    let StreamEvent::Complete(done) = &events[1] else {
        panic!("{events:?}");
    };
    let output = done.output.as_str().expect("text output");
    assert!(
        output.contains("Client tool 'get_selection' failed: app exploded"),
        "{output}"
    );
    assert_eq!(
        posted_answer(&h, &done.run_id),
        json!({"error": "app exploded"})
    );
}

pub fn request_without_handler_is_answered<T: Transport>(h: Harness<T>) {
    let result = h
        .client
        .agents()
        .stream(clientbot().client_tools(["get_selection"]))
        .expect("open stream")
        .into_result()
        .expect("complete");
    let output = result.output.as_str().expect("text output");
    assert!(
        output.contains("No handler was supplied for client tool 'get_selection'"),
        "{output}"
    );

    // A manifest with client tools needs them attached.
    let err = h
        .client
        .agents()
        .stream(RunRequest::new("clientbot").input("x"))
        .expect_err("no handlers attached");
    assert_eq!(err.code(), Some("MISSING_CLIENT_TOOLS"), "{err:?}");
}

pub fn handler_may_use_the_blocking_client<T: Transport>(h: Harness<T>) {
    // The handler calls the worker itself with a clone of the client: no
    // deadlock and no "inside a runtime" refusal, since it runs on a thread
    // of its own.
    let client = h.client.clone();
    let tools = ClientTools::new().handler("get_selection", move |_input, _call| {
        let nested = client
            .agents()
            .run(RunRequest::new("echo").input("nested"))
            .map_err(|e| e.to_string())?;
        Ok(json!({"nested": nested.output}))
    });
    let result = h
        .client
        .agents()
        .run_with_tools(clientbot(), tools)
        .expect("run with tools");
    assert_eq!(result.output, r#"TOOL_RESULT: {"nested":"ECHO: nested"}"#);
}

pub fn panicking_handler_reaches_the_model_as_an_error<T: Transport>(h: Harness<T>) {
    let tools = ClientTools::new().handler("get_selection", |_input, _call| {
        panic!("handler bug");
    });
    let result = h
        .client
        .agents()
        .run_with_tools(clientbot(), tools)
        .expect("the run goes on");
    let output = result.output.as_str().expect("text output");
    assert!(
        output.contains("the handler of client tool 'get_selection' panicked"),
        "{output}"
    );
}

pub fn async_handlers_are_accepted_too<T: Transport>(h: Harness<T>) {
    let tools = agntz_client::ClientTools::new()
        .handler("get_selection", |input, _call| async move {
            Ok(json!({"echo": input}))
        });
    let result = h
        .client
        .agents()
        .run_with_tools(clientbot(), tools)
        .expect("run with async tools");
    assert_eq!(
        result.output,
        r#"TOOL_RESULT: {"echo":{"includeText":true}}"#
    );
}
