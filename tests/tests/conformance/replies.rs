//! The agent `reply` tool, session cancel-and-replace and the `callbackUrl`
//! policy of durable runs, end to end through the SDK.

use std::time::Duration;

use agntz_proto::events::{RunEvent, StreamEvent};
use agntz_proto::types::{Reply, Retention, RetentionMode, Role, Run, RunRequest, RunStatus};
use agntz_proto::{Error, Transport};
use agntz_testkit::{Fault, FaultRule};

use crate::harness::Harness;

/// Two replies, then the answer.
const TWO_REPLIES: &str = r#"REPLY:"Working on it" REPLY:"Almost \"there\"" done"#;

async fn wait_terminal<T: Transport>(h: &Harness<T>, id: &str) -> Run {
    for _ in 0..400 {
        let run = h.client.runs().get(id).await.expect("get run");
        if run.status.is_terminal() {
            return run;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("run {id} did not finish in time");
}

async fn collect_run<T: Transport>(h: &Harness<T>, id: &str) -> Vec<RunEvent> {
    let mut stream = h.client.runs().stream(id).await.expect("run stream");
    let mut events = Vec::new();
    while let Some(event) = stream.next().await {
        events.push(event.expect("run event"));
    }
    events
}

fn replies_of(events: &[RunEvent]) -> Vec<Reply> {
    events
        .iter()
        .filter_map(|e| match e {
            RunEvent::Reply(r) => Some(Reply::clone(r)),
            _ => None,
        })
        .collect()
}

/// The reply without its stream-only `seq` (as listed in results).
fn unsequenced(reply: &Reply) -> Reply {
    let mut r = reply.clone();
    r.seq = None;
    r
}

fn is_iso_ms(ts: &str) -> bool {
    ts.len() == 24 && ts.ends_with('Z') && ts.as_bytes()[10] == b'T'
}

pub async fn stream_yields_replies_in_order<T: Transport>(h: Harness<T>) {
    let mut stream = h
        .client
        .agents()
        .stream(
            RunRequest::new("echo")
                .input(TWO_REPLIES)
                .session_id("sess_replies"),
        )
        .await
        .expect("open stream");
    let mut events = Vec::new();
    while let Some(event) = stream.next().await {
        events.push(event.expect("event"));
    }
    let names: Vec<&str> = events.iter().map(StreamEvent::event_name).collect();
    assert_eq!(
        names,
        ["run-start", "reply", "reply", "run-complete"],
        "{events:?}"
    );
    let StreamEvent::Start(start) = &events[0] else {
        unreachable!()
    };
    let root = start.run_id.clone().expect("run id");
    let replies: Vec<Reply> = events
        .iter()
        .filter_map(|e| match e {
            StreamEvent::Reply(r) => Some(r.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(replies[0].text, "Working on it");
    assert_eq!(replies[1].text, "Almost \"there\"");
    for r in &replies {
        assert_eq!(r.session_id, "sess_replies");
        assert!(is_iso_ms(&r.ts), "{}", r.ts);
        // Emitted by the manifest-step child run, not the root.
        assert!(r.run_id.starts_with("run_") && r.run_id != root, "{r:?}");
    }
    let seqs: Vec<u64> = replies.iter().map(|r| r.seq.expect("seq")).collect();
    assert!(seqs[0] < seqs[1], "{seqs:?}");
    let StreamEvent::Complete(done) = &events[3] else {
        unreachable!()
    };
    assert_eq!(done.output, format!("ECHO: {TWO_REPLIES}"));
    assert_eq!(
        done.replies,
        replies.iter().map(unsequenced).collect::<Vec<_>>(),
        "run-complete aggregates the streamed replies"
    );

    // The same replies, with the same sequence numbers, on the run's own
    // multiplexed stream, each between its tool call's start and end.
    let all = collect_run(&h, &root).await;
    assert_eq!(replies_of(&all), replies);
    for (i, e) in all.iter().enumerate() {
        if let RunEvent::Reply(r) = e {
            assert!(
                matches!(&all[i - 1], RunEvent::ToolCallStart(s) if s.tool_call.name == "reply" && s.run_id == r.run_id),
                "{:?}",
                all[i - 1]
            );
            assert!(
                matches!(&all[i + 1], RunEvent::ToolCallEnd(t) if t.tool_call.name == "reply"),
                "{:?}",
                all[i + 1]
            );
        }
    }
    let child = h
        .client
        .runs()
        .get(&replies[0].run_id)
        .await
        .expect("child");
    assert_eq!(child.parent_id.as_deref(), Some(root.as_str()));

    // Each reply joined the session history as an assistant message.
    let session = h
        .client
        .sessions()
        .get("sess_replies")
        .await
        .expect("session");
    let said: Vec<(Role, Option<&str>)> = session
        .messages
        .iter()
        .map(|m| (m.role, m.content.as_text()))
        .collect();
    assert!(
        said.contains(&(Role::Assistant, Some("Working on it"))),
        "{said:?}"
    );
    assert!(
        said.contains(&(Role::Assistant, Some("Almost \"there\""))),
        "{said:?}"
    );
}

pub async fn run_and_run_records_expose_replies<T: Transport>(h: Harness<T>) {
    let result = h
        .client
        .agents()
        .run(RunRequest::new("echo").input(r#"REPLY:"same" REPLY:"same" REPLY:"other" go"#))
        .await
        .expect("run");
    let texts: Vec<&str> = result.replies.iter().map(|r| r.text.as_str()).collect();
    // The second identical reply is refused as a duplicate.
    assert_eq!(texts, ["same", "other"]);
    for r in &result.replies {
        assert_eq!(Some(r.session_id.as_str()), result.session_id.as_deref());
        assert_ne!(r.run_id, result.run_id);
        assert_eq!(r.seq, None, "results carry no seq");
    }
    let record = h.client.runs().get(&result.run_id).await.expect("record");
    let stored = record.result.expect("stored result");
    assert_eq!(stored.replies, result.replies);
    let calls: Vec<&str> = stored.tool_calls.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(calls, ["reply", "reply", "reply"]);
    assert_eq!(
        stored.tool_calls[0].output,
        serde_json::json!({"delivered": true})
    );
    assert_eq!(
        stored.tool_calls[1].output,
        serde_json::json!({"delivered": false, "reason": "duplicate"})
    );

    // A durable run's record lists them too; a run without replies lists none.
    let run = h
        .client
        .runs()
        .start(RunRequest::new("echo").input(r#"REPLY:"from a durable run""#))
        .await
        .expect("start");
    let done = wait_terminal(&h, &run.id).await;
    assert_eq!(done.status, RunStatus::Completed);
    let replies = done.result.expect("result").replies;
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0].text, "from a durable run");
    let plain = h
        .client
        .agents()
        .run(RunRequest::new("echo").input("no replies"))
        .await
        .expect("run");
    assert!(plain.replies.is_empty());
}

pub async fn run_stream_resume_sees_replies_once<T: Transport>(h: Harness<T>) {
    let run = h
        .client
        .runs()
        .start(RunRequest::new("echo").input(TWO_REPLIES))
        .await
        .expect("start");
    wait_terminal(&h, &run.id).await;
    let all = collect_run(&h, &run.id).await;
    let replies = replies_of(&all);
    assert_eq!(replies.len(), 2, "{all:?}");

    // The connection breaks right after the first reply: the SDK resumes
    // with `?since=` and every event, each reply included, comes once.
    let first_reply_at = all
        .iter()
        .position(|e| matches!(e, RunEvent::Reply(_)))
        .expect("a reply");
    h.worker.faults().push_rule(
        FaultRule::new(Fault::ResetAfterEvents(first_reply_at + 1))
            .path(format!("/runs/{}/stream", run.id)),
    );
    let mut stream = h.client.runs().stream(&run.id).await.expect("stream");
    let mut resumed = Vec::new();
    while let Some(event) = stream.next().await {
        resumed.push(event.expect("event"));
    }
    let resumes: Vec<String> = h
        .worker
        .requests()
        .into_iter()
        .map(|r| r.path)
        .filter(|p| p.starts_with(&format!("/runs/{}/stream?since=", run.id)))
        .collect();
    assert_eq!(
        resumes,
        [format!(
            "/runs/{}/stream?since={}",
            run.id,
            replies[0].seq.expect("seq")
        )],
        "resumed once, right after the first reply"
    );
    assert_eq!(resumed, all, "every event exactly once, in order");
    assert_eq!(replies_of(&resumed), replies);

    // Resuming by hand after the first reply replays only the second.
    let since = replies[0].seq.expect("seq");
    let mut later = h
        .client
        .runs()
        .stream_since(&run.id, since)
        .await
        .expect("resume");
    let mut after = Vec::new();
    while let Some(event) = later.next().await {
        after.push(event.expect("event"));
    }
    assert_eq!(replies_of(&after), replies[1..].to_vec());
}

pub async fn cancel_and_replace_supersedes_the_active_run<T: Transport>(h: Harness<T>) {
    let session = "sess_replace";
    // A durable run that would take 20 s, with a reply sent before it stalls.
    let first = h
        .client
        .runs()
        .start(
            RunRequest::new("echo")
                .input(r#"REPLY:"on it" SLOW:20 first"#)
                .session_id(session),
        )
        .await
        .expect("start first");
    let mut first_events = h
        .client
        .runs()
        .stream(&first.id)
        .await
        .expect("stream first");
    // Wait until the first run sent its reply (it is now in its slow step).
    loop {
        match first_events.next().await {
            Some(Ok(RunEvent::Reply(r))) => {
                assert_eq!(r.text, "on it");
                break;
            }
            Some(Ok(_)) => {}
            other => panic!("first run stream ended early: {other:?}"),
        }
    }

    // A second run on the same session replaces it.
    let second = h
        .client
        .agents()
        .run(RunRequest::new("echo").input("second").session_id(session))
        .await
        .expect("second run");
    assert_eq!(second.output, "ECHO: second");

    let old = wait_terminal(&h, &first.id).await;
    assert_eq!(old.status, RunStatus::Cancelled);
    assert_eq!(old.error.as_deref(), Some("superseded"));
    assert!(old.result.is_none());
    // Its stream ends with the child's cancellation, then its own.
    let mut rest = Vec::new();
    while let Some(event) = first_events.next().await {
        rest.push(event.expect("event"));
    }
    let n = rest.len();
    assert!(n >= 2, "{rest:?}");
    assert!(
        matches!(&rest[n - 2], RunEvent::Cancelled(c) if c.run_id != first.id),
        "{rest:?}"
    );
    assert!(
        matches!(&rest[n - 1], RunEvent::Cancelled(c) if c.run_id == first.id),
        "{rest:?}"
    );
    let replaced = h.client.runs().get(&second.run_id).await.expect("second");
    assert_eq!(replaced.status, RunStatus::Completed);
    assert!(
        replaced.started_at >= old.started_at,
        "{replaced:?} {old:?}"
    );

    // A streaming caller that gets superseded sees the run end in error.
    let mut streaming = h
        .client
        .agents()
        .stream(
            RunRequest::new("echo")
                .input("SLOW:20 streaming")
                .session_id(session),
        )
        .await
        .expect("open stream");
    let Some(Ok(StreamEvent::Start(start))) = streaming.next().await else {
        panic!("no start event");
    };
    let third = h
        .client
        .agents()
        .run(RunRequest::new("echo").input("third").session_id(session))
        .await
        .expect("third run");
    assert_eq!(third.output, "ECHO: third");
    match streaming.next().await {
        Some(Ok(StreamEvent::Error(e))) => assert_eq!(e.error, "Run cancelled"),
        other => panic!("expected the superseded run to fail, got {other:?}"),
    }
    let streamed = h
        .client
        .runs()
        .get(start.run_id.as_deref().expect("run id"))
        .await
        .expect("streamed run");
    assert_eq!(streamed.status, RunStatus::Cancelled);
    assert_eq!(streamed.error.as_deref(), Some("superseded"));

    // Runs that keep no session never collide.
    let kept = h
        .client
        .runs()
        .start(
            RunRequest::new("echo")
                .input("SLOW:0.3 result mode")
                .session_id(session)
                .retention(Retention::mode(RetentionMode::Result)),
        )
        .await
        .expect("start result-mode run");
    h.client
        .agents()
        .run(RunRequest::new("echo").input("fourth").session_id(session))
        .await
        .expect("fourth run");
    assert_eq!(
        wait_terminal(&h, &kept.id).await.status,
        RunStatus::Completed
    );
}

pub async fn durable_run_callback_url_policy<T: Transport>(h: Harness<T>) {
    let refused = |url: &str, secret: Option<&str>| {
        let mut request = RunRequest::new("echo").input("hook").callback_url(url);
        if let Some(secret) = secret {
            request = request.webhook_secret_name(secret);
        }
        let runs = h.client.runs();
        async move {
            match runs.start(request).await {
                Err(Error::Api(e)) if e.status == 400 => e.message,
                other => panic!("expected a 400, got {other:?}"),
            }
        }
    };
    // The URL policy comes first, even without a secret name.
    assert_eq!(
        refused("http://127.0.0.1:9/hook", None).await,
        "callbackUrl is not allowed: Disallowed IP address: 127.0.0.1"
    );
    assert_eq!(
        refused("http://[::1]:9/hook", Some("s")).await,
        "callbackUrl is not allowed: Disallowed IP address: ::1"
    );
    assert_eq!(
        refused("http://localhost:9/hook", Some("s")).await,
        "callbackUrl is not allowed: Disallowed hostname: localhost"
    );
    assert_eq!(
        refused("https://hooks.example.com/agntz", None).await,
        "webhookSecretName required with callbackUrl"
    );
    assert_eq!(
        refused("https://hooks.example.com/agntz", Some("missing")).await,
        "webhook secret not found"
    );
    let sent = h
        .worker
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.path == "/runs")
        .and_then(|r| r.body_json())
        .expect("a POST /runs");
    assert_eq!(sent["callbackUrl"], "https://hooks.example.com/agntz");
    assert_eq!(sent["webhookSecretName"], "missing");
    // Nothing was started.
    let page = h
        .client
        .runs()
        .list(Default::default())
        .await
        .expect("list");
    assert!(page.rows.is_empty(), "{:?}", page.rows);
}
