//! The blocking client is traced like the async one: each call runs on the
//! calling thread, so the caller's subscriber (a thread default here, no
//! runtime anywhere in the test) sees its spans, with the same fields.

use agntz_client::blocking::AgntzClient;
use agntz_client::{RunRequest, StreamEvent};
use agntz_testkit::TestWorker;

use crate::collect::Collector;
use crate::{one, BODY_TEXT};

#[test]
fn blocking_calls_and_streams_are_traced_with_the_callers_subscriber() {
    let worker = TestWorker::start_blocking().expect("start the mock worker");
    let client = AgntzClient::new(worker.api_key(), worker.base_url()).expect("client");
    let collector = Collector::default();
    let (result, events) = tracing::subscriber::with_default(collector.clone(), || {
        let result = client
            .agents()
            .run(RunRequest::new("echo").input(BODY_TEXT))
            .expect("run");
        let events = client
            .agents()
            .stream(RunRequest::new("echo").input(BODY_TEXT))
            .expect("stream")
            .collect_all()
            .expect("events");
        (result, events)
    });
    let spans = collector.spans();

    let call = one(&spans, "RunAgent");
    assert_eq!(call.name, "agntz.request");
    assert_eq!(call.field("path"), Some("/run"));
    assert_eq!(call.field("status"), Some("200"));
    assert_eq!(call.field("run_id"), Some(result.run_id.as_str()));
    assert!(call.closed);

    let stream = one(&spans, "StreamAgent");
    assert_eq!(stream.name, "agntz.stream");
    assert_eq!(stream.field("path"), Some("/run/stream"));
    assert_eq!(stream.field("status"), Some("200"));
    assert_eq!(events.len(), 2);
    assert!(matches!(events[1], StreamEvent::Complete(_)));
    assert!(stream.closed, "the span ends when the iterator is dropped");

    let text = collector.all_text();
    assert!(!text.contains(worker.api_key()), "the key leaked:\n{text}");
    assert!(!text.contains(BODY_TEXT), "a body leaked:\n{text}");
}
