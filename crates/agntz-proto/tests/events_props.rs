//! Property tests: frame decoding never panics, whatever the bytes.

use agntz_proto::events::{RunEvent, StreamEvent, TraceEvent};
use agntz_proto::types::RunRequest;
use proptest::prelude::*;

const NAMES: &[&str] = &[
    "run-start",
    "reply",
    "run-complete",
    "run-error",
    "run-spawn",
    "text-delta",
    "tool-call-start",
    "tool-call-end",
    "step-complete",
    "draining",
    "client-tool-request",
    "run-cancelled",
    "snapshot",
    "stream-error",
    "span-start",
    "span-end",
    "trace-done",
    "something-new",
];

proptest! {
    #[test]
    fn from_frame_never_panics(idx in 0..NAMES.len(), data in proptest::collection::vec(any::<u8>(), 0..256)) {
        let name = NAMES[idx];
        let _ = StreamEvent::from_frame(name, &data);
        let _ = RunEvent::from_frame(name, &data);
        let _ = TraceEvent::from_frame(name, &data);
    }

    #[test]
    fn text_delta_round_trips(run_id in ".*", text in ".*", seq in any::<u64>()) {
        let data = serde_json::json!({"type": "text-delta", "runId": run_id, "text": text, "seq": seq});
        let bytes = serde_json::to_vec(&data).unwrap();
        let RunEvent::TextDelta(t) = RunEvent::from_frame("text-delta", &bytes).unwrap() else {
            panic!("not a text delta");
        };
        prop_assert_eq!(t.run_id, run_id);
        prop_assert_eq!(t.text, text);
        prop_assert_eq!(t.seq, Some(seq));
    }

    #[test]
    fn request_body_is_valid_json(agent in "[a-z][a-z0-9_-]{0,20}", input in ".*", session in proptest::option::of(".*")) {
        let mut req = RunRequest::new(agent.clone()).input(input.clone());
        if let Some(s) = &session {
            req = req.session_id(s.clone());
        }
        let body: serde_json::Value = serde_json::from_slice(&req.to_body(false, false).unwrap()).unwrap();
        prop_assert_eq!(&body["agentId"], &serde_json::Value::String(agent));
        prop_assert_eq!(&body["input"], &serde_json::Value::String(input));
        prop_assert_eq!(body.get("sessionId").and_then(|v| v.as_str()), session.as_deref());
    }
}
