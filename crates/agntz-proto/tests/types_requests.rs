//! Golden request bodies and query strings.

use std::collections::BTreeMap;

use agntz_proto::types::*;
use agntz_proto::Error;
use serde_json::{json, Value};

fn body(req: &RunRequest, durable: bool, client_tools: bool) -> Value {
    let bytes = req.to_body(durable, client_tools).unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[test]
fn minimal_body() {
    // C3 / C31
    let req = RunRequest::new("a1");
    assert_eq!(body(&req, false, false), json!({"agentId": "a1"}));
    assert_eq!(
        &req.to_body(true, true).unwrap()[..],
        br#"{"agentId":"a1"}"#
    );
}

#[test]
fn full_body_c2() {
    let req = RunRequest::new("a1")
        .input(json!({"x": 1}))
        .session_id("s1")
        .context(["app/user/u_123"]);
    assert_eq!(
        body(&req, false, false),
        json!({"agentId":"a1","input":{"x":1},"sessionId":"s1","context":["app/user/u_123"]})
    );
    assert_eq!(req.agent_id(), "a1");
    assert_eq!(req.get_input(), Some(&json!({"x": 1})));
    assert_eq!(req.get_session_id(), Some("s1"));
    assert_eq!(req.get_context(), Some(&["app/user/u_123".to_owned()][..]));
}

#[test]
fn string_input_c11() {
    let req = RunRequest::new("support")
        .input("hello")
        .session_id("sess_abc");
    assert_eq!(
        body(&req, false, false),
        json!({"agentId":"support","input":"hello","sessionId":"sess_abc"})
    );
}

#[test]
fn retention_and_durable_fields() {
    let req = RunRequest::new("a1")
        .input_value(json!([1, 2]))
        .retention(Retention::mode(RetentionMode::Result).ttl_seconds(3600))
        .callback_url("https://hooks.example.com/x")
        .webhook_secret_name("main")
        .client_tools(["get_selection"]);
    // POST /run: no durable fields, no clientTools.
    assert_eq!(
        body(&req, false, false),
        json!({"agentId":"a1","input":[1,2],"retention":{"mode":"result","ttlSeconds":3600}})
    );
    // POST /runs
    assert_eq!(
        body(&req, true, false),
        json!({"agentId":"a1","input":[1,2],"retention":{"mode":"result","ttlSeconds":3600},
               "callbackUrl":"https://hooks.example.com/x","webhookSecretName":"main"})
    );
    // POST /run/stream with client tools
    assert_eq!(
        body(&req, false, true),
        json!({"agentId":"a1","input":[1,2],"retention":{"mode":"result","ttlSeconds":3600},
               "clientTools":["get_selection"]})
    );
    // Serialize writes everything that is set.
    assert_eq!(
        serde_json::to_value(&req).unwrap(),
        json!({"agentId":"a1","input":[1,2],"retention":{"mode":"result","ttlSeconds":3600},
               "clientTools":["get_selection"],
               "callbackUrl":"https://hooks.example.com/x","webhookSecretName":"main"})
    );
}

#[test]
fn empty_client_tools_is_sent() {
    let req = RunRequest::new("a1").client_tools(Vec::<String>::new());
    assert_eq!(
        body(&req, false, true),
        json!({"agentId":"a1","clientTools":[]})
    );
}

#[test]
fn retention_full() {
    let r = Retention::new()
        .with_mode(RetentionMode::None)
        .artifact_ttl_seconds(3600);
    assert_eq!(
        serde_json::to_value(&r).unwrap(),
        json!({"mode":"none","artifactTtlSeconds":3600})
    );
    assert_eq!(serde_json::to_value(Retention::new()).unwrap(), json!({}));
    let r: Retention = serde_json::from_value(json!({"mode":"forever","extra":1})).unwrap();
    assert_eq!(r.mode, Some(RetentionMode::Unknown));
}

#[test]
fn version_pinning() {
    let req = RunRequest::new("support").version("latest");
    assert_eq!(req.agent_id(), "support@latest");
    assert_eq!(
        body(&req, false, false),
        json!({"agentId":"support@latest"})
    );
    let req = RunRequest::new("support@old").version("2026-07-28T18:30:00.000Z");
    assert_eq!(req.agent_id(), "support@2026-07-28T18:30:00.000Z");
}

#[test]
fn explicit_null_input_is_sent() {
    let req = RunRequest::new("a1").input_value(Value::Null);
    assert_eq!(
        &req.to_body(false, false).unwrap()[..],
        br#"{"agentId":"a1","input":null}"#
    );
    let req = RunRequest::new("a1").input(Option::<u8>::None);
    assert_eq!(
        body(&req, false, false),
        json!({"agentId":"a1","input":null})
    );
}

#[test]
fn invalid_input_is_reported_not_panicked() {
    let mut bad = BTreeMap::new();
    bad.insert((1u8, 2u8), "x");
    let req = RunRequest::new("a1").input(bad);
    assert!(matches!(req.validate(), Err(Error::InvalidRequest(_))));
    let err = req.to_body(false, false).unwrap_err();
    match err {
        Error::InvalidRequest(msg) => assert!(msg.contains("input"), "{msg}"),
        other => panic!("unexpected {other:?}"),
    }
    // A later valid input clears the error.
    let req = req.input("ok");
    assert!(req.validate().is_ok());
}

#[test]
fn empty_agent_id_is_invalid() {
    assert!(matches!(
        RunRequest::new("").to_body(false, false),
        Err(Error::InvalidRequest(_))
    ));
    assert!(matches!(
        RunRequest::new("  ").validate(),
        Err(Error::InvalidRequest(_))
    ));
}

#[test]
fn content_block_wire_forms() {
    let cases = [
        (ContentBlock::text("hi"), json!({"type":"text","text":"hi"})),
        (
            ContentBlock::image_url("https://x/a.png")
                .header("Authorization", "Bearer t")
                .media_type("image/png")
                .detail(ImageDetail::Low),
            json!({"type":"image","url":"https://x/a.png","headers":{"Authorization":"Bearer t"},
                   "mediaType":"image/png","detail":"low"}),
        ),
        (
            ContentBlock::image_url("https://x/a.png"),
            json!({"type":"image","url":"https://x/a.png"}),
        ),
        (
            ContentBlock::image_base64("AAAA", "image/jpeg").detail(ImageDetail::Auto),
            json!({"type":"image","base64":"AAAA","mediaType":"image/jpeg","detail":"auto"}),
        ),
        (
            ContentBlock::image_artifact("artifact_1").detail(ImageDetail::High),
            json!({"type":"image","artifactId":"artifact_1","detail":"high"}),
        ),
        (
            ContentBlock::audio_url("https://x/a.mp3").header("X-K", "v"),
            json!({"type":"audio","url":"https://x/a.mp3","headers":{"X-K":"v"}}),
        ),
        (
            ContentBlock::audio_base64("BBBB", "audio/wav"),
            json!({"type":"audio","base64":"BBBB","mediaType":"audio/wav"}),
        ),
        // C4 / C13
        (
            ContentBlock::audio_artifact("artifact_audio123").media_type("audio/mpeg"),
            json!({"type":"audio","artifactId":"artifact_audio123","mediaType":"audio/mpeg"}),
        ),
    ];
    for (block, wire) in cases {
        assert_eq!(serde_json::to_value(&block).unwrap(), wire);
        let back: ContentBlock = serde_json::from_value(wire.clone()).unwrap();
        assert_eq!(back, block, "round trip of {wire}");
    }
    // Builders that do not apply are no-ops.
    assert_eq!(
        ContentBlock::text("t")
            .detail(ImageDetail::Low)
            .media_type("x")
            .header("a", "b"),
        ContentBlock::text("t")
    );
    assert_eq!(
        serde_json::to_value(ContentBlock::audio_base64("B", "audio/wav").detail(ImageDetail::Low))
            .unwrap(),
        json!({"type":"audio","base64":"B","mediaType":"audio/wav"})
    );
}

#[test]
fn content_body_c4() {
    let req = RunRequest::new("transcribe")
        .content([ContentBlock::audio_artifact("artifact_audio123").media_type("audio/mpeg")])
        .retention(Retention::mode(RetentionMode::None).artifact_ttl_seconds(3600));
    assert_eq!(
        body(&req, false, false),
        json!({"agentId":"transcribe",
               "content":[{"type":"audio","artifactId":"artifact_audio123","mediaType":"audio/mpeg"}],
               "retention":{"mode":"none","artifactTtlSeconds":3600}})
    );
    let req = RunRequest::new("x")
        .push_content(ContentBlock::text("a"))
        .push_content(ContentBlock::image_artifact("i"));
    assert_eq!(
        body(&req, false, false),
        json!({"agentId":"x","content":[{"type":"text","text":"a"},{"type":"image","artifactId":"i"}]})
    );
    assert_eq!(req.get_content().unwrap().len(), 2);
}

#[test]
fn malformed_blocks_are_kept_as_other() {
    for wire in [
        json!({"type":"image"}),
        json!({"type":"image","url":"u","base64":"b"}),
        json!({"type":"image","url":"u","detail":"ultra"}),
        json!({"type":"text","text":5}),
        json!({"type":"audio","artifactId":"a","file":"x","headers":7,"url":"u"}),
        json!("just a string"),
        json!({"type":"document","documentId":"d"}),
    ] {
        let b: ContentBlock = serde_json::from_value(wire.clone()).unwrap();
        assert_eq!(b, ContentBlock::Other(wire.clone()));
        // Other blocks are written back unchanged.
        assert_eq!(serde_json::to_value(&b).unwrap(), wire);
    }
}

#[test]
fn run_filter_query_pairs() {
    assert!(RunFilter::new().to_query_pairs().is_empty());
    let f = RunFilter::new()
        .cursor("c1")
        .limit(25)
        .started_before("2026-02-01T00:00:00.000Z")
        .started_after("2026-01-01T00:00:00.000Z")
        .status(RunStatus::Completed)
        .agent_id("alpha/beta")
        .roots_only(false);
    let pairs = f.to_query_pairs();
    assert_eq!(
        pairs,
        vec![
            ("rootsOnly", "false".to_owned()),
            ("agentId", "alpha/beta".to_owned()),
            ("status", "completed".to_owned()),
            ("startedAfter", "2026-01-01T00:00:00.000Z".to_owned()),
            ("startedBefore", "2026-02-01T00:00:00.000Z".to_owned()),
            ("limit", "25".to_owned()),
            ("cursor", "c1".to_owned()),
        ]
    );
    // C42
    assert_eq!(
        RunFilter::new().roots_only(true).limit(5).to_query_pairs(),
        vec![("rootsOnly", "true".to_owned()), ("limit", "5".to_owned())]
    );
    // Free-form status strings, and paging.
    let f = RunFilter::new().status("archived");
    let next = f.with_cursor("abc");
    assert_eq!(f.to_query_pairs(), vec![("status", "archived".to_owned())]);
    assert_eq!(
        next.to_query_pairs(),
        vec![
            ("status", "archived".to_owned()),
            ("cursor", "abc".to_owned())
        ]
    );
    assert_eq!(
        next.with_cursor("def").to_query_pairs()[1],
        ("cursor", "def".to_owned())
    );
}

#[test]
fn trace_filter_query_pairs() {
    assert!(TraceFilter::new().to_query_pairs().is_empty());
    // C49
    assert_eq!(
        TraceFilter::new().limit(10).agent_id("a1").to_query_pairs(),
        vec![("agentId", "a1".to_owned()), ("limit", "10".to_owned())]
    );
    let f = TraceFilter::new()
        .cursor("c")
        .started_before("b")
        .started_after("a")
        .status(SpanStatus::Error)
        .agent_id("x");
    assert_eq!(
        f.to_query_pairs(),
        vec![
            ("agentId", "x".to_owned()),
            ("status", "error".to_owned()),
            ("startedAfter", "a".to_owned()),
            ("startedBefore", "b".to_owned()),
            ("cursor", "c".to_owned()),
        ]
    );
    assert_eq!(
        TraceFilter::new().with_cursor("z").to_query_pairs(),
        vec![("cursor", "z".to_owned())]
    );
}

#[test]
fn session_import_body() {
    // The recorded exchange 65 body.
    let import = SessionImport::new([SessionSnapshot::new("sess_imported_1")
        .agent_id("echo")
        .message(Message::user(
            "hello from import",
            "2026-01-01T00:00:00.000Z",
        ))
        .message(Message::assistant(
            "ECHO: hello from import",
            "2026-01-01T00:00:01.000Z",
        ))]);
    let v: Value = serde_json::from_slice(&import.to_body().unwrap()).unwrap();
    assert_eq!(
        v,
        json!({"sessions":[{"sessionId":"sess_imported_1","agentId":"echo","messages":[
            {"role":"user","content":"hello from import","timestamp":"2026-01-01T00:00:00.000Z"},
            {"role":"assistant","content":"ECHO: hello from import","timestamp":"2026-01-01T00:00:01.000Z"}]}]})
    );

    let import = SessionImport::new([])
        .session(
            SessionSnapshot::new("s")
                .created_at("c")
                .updated_at("u")
                .messages([
                    Message::system("be nice", "t0"),
                    Message::assistant(vec![ContentBlock::text("x")], "t1").tool_call(
                        ToolCallRecord::new("c1", "lookup", json!({"q": 1}), json!("r")),
                    ),
                    Message::tool("r", "c1", "t2"),
                ]),
        )
        .on_conflict(OnConflict::Fail)
        .dry_run(true);
    let v: Value = serde_json::from_slice(&import.to_body().unwrap()).unwrap();
    assert_eq!(
        v,
        json!({"sessions":[{"sessionId":"s","createdAt":"c","updatedAt":"u","messages":[
            {"role":"system","content":"be nice","timestamp":"t0"},
            {"role":"assistant","content":[{"type":"text","text":"x"}],
             "toolCalls":[{"id":"c1","name":"lookup","input":{"q":1},"output":"r"}],"timestamp":"t1"},
            {"role":"tool","content":"r","toolCallId":"c1","timestamp":"t2"}]}],
            "onConflict":"fail","dryRun":true})
    );

    assert!(matches!(
        SessionImport::new([]).to_body(),
        Err(Error::InvalidRequest(_))
    ));
    assert!(matches!(
        SessionImport::new([SessionSnapshot::new("")]).to_body(),
        Err(Error::InvalidRequest(_))
    ));
    assert!(matches!(
        SessionImport::new([SessionSnapshot::new("s").message(Message::user("x", ""))]).validate(),
        Err(Error::InvalidRequest(_))
    ));
}
