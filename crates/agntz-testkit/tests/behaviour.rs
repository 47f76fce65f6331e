//! Behaviour of the mock beyond the recorded exchanges: tenancy, cancellation,
//! resume with `since`, eviction, client tools, retention, paging, start modes, TLS.

mod common;

use std::sync::Arc;
use std::time::Duration;

use agntz_testkit::{TestWorker, TestWorkerConfig};
use common::{call, parse_sse, send_on};
use serde_json::Value;

async fn wait_status(w: &TestWorker, id: &str, status: &str) -> Value {
    for _ in 0..100 {
        let r = call(
            w.addr(),
            "GET",
            &format!("/runs/{id}"),
            Some(w.api_key()),
            None,
        )
        .await;
        let v = r.json();
        if v["status"] == status {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("run {id} never reached {status}");
}

#[tokio::test(flavor = "multi_thread")]
async fn tenancy_is_enforced() {
    let w = TestWorker::start().await.unwrap();
    let a = Some(w.api_key());
    let b = Some(w.api_key_b());
    let run = call(
        w.addr(),
        "POST",
        "/runs",
        a,
        Some(r#"{"agentId":"echo","input":"mine"}"#),
    )
    .await
    .json();
    let id = run["id"].as_str().unwrap().to_string();
    wait_status(&w, &id, "completed").await;
    for (m, p) in [
        ("GET", format!("/runs/{id}")),
        ("POST", format!("/runs/{id}/cancel")),
        ("GET", format!("/runs/{id}/stream")),
    ] {
        let r = call(w.addr(), m, &p, b, None).await;
        assert_eq!(
            (r.status, r.body_str()),
            (404, r#"{"error":"Run not found"}"#.to_string()),
            "{m} {p}"
        );
    }
    for (m, p) in [
        ("GET", format!("/traces/{id}")),
        ("DELETE", format!("/traces/{id}")),
        ("GET", format!("/traces/{id}/stream")),
    ] {
        let r = call(w.addr(), m, &p, b, None).await;
        assert_eq!(
            (r.status, r.body_str()),
            (404, r#"{"error":"Trace not found"}"#.to_string()),
            "{m} {p}"
        );
    }
    let rows = call(w.addr(), "GET", "/runs", b, None).await.json();
    assert_eq!(rows["rows"], serde_json::json!([]));
    let sessions = call(w.addr(), "GET", "/sessions", b, None).await.json();
    assert_eq!(sessions["sessions"], serde_json::json!([]));
    let sid = run["sessionId"].as_str().unwrap();
    let s = call(w.addr(), "GET", &format!("/sessions/{sid}"), b, None)
        .await
        .json();
    assert_eq!(s["messages"], serde_json::json!([]));
    let mine = call(w.addr(), "GET", &format!("/sessions/{sid}"), a, None)
        .await
        .json();
    assert_eq!(mine["messages"].as_array().unwrap().len(), 2);
    // Auth failures.
    let r = call(w.addr(), "GET", "/runs", None, None).await;
    assert_eq!(
        (r.status, r.body_str()),
        (401, r#"{"error":"missing authentication"}"#.into())
    );
    let r = call(w.addr(), "GET", "/runs", Some("nope"), None).await;
    assert_eq!(
        (r.status, r.body_str()),
        (401, r#"{"error":"invalid or revoked API key"}"#.into())
    );
    let r = call(w.addr(), "GET", "/nothing-here", None, None).await;
    assert_eq!(
        (r.status, r.header("content-type")),
        (404, Some("text/plain; charset=UTF-8"))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn cancel_since_and_eviction() {
    let w = TestWorker::start().await.unwrap();
    let a = Some(w.api_key());
    let run = call(
        w.addr(),
        "POST",
        "/runs",
        a,
        Some(r#"{"agentId":"echo","input":"SLOW:30 later"}"#),
    )
    .await;
    assert_eq!(run.status, 201);
    let id = run.json()["id"].as_str().unwrap().to_string();
    assert_eq!(run.header("location"), Some(format!("/runs/{id}").as_str()));
    let c = call(w.addr(), "POST", &format!("/runs/{id}/cancel"), a, None)
        .await
        .json();
    assert_eq!(c["status"], "running");
    let done = wait_status(&w, &id, "cancelled").await;
    assert_eq!(done["error"], "cancelled by user");
    assert!(done["endedAt"].is_u64());
    let again = call(w.addr(), "POST", &format!("/runs/{id}/cancel"), a, None)
        .await
        .json();
    assert_eq!(again["status"], "cancelled");

    let stream = call(w.addr(), "GET", &format!("/runs/{id}/stream"), a, None).await;
    let names: Vec<_> = parse_sse(&stream.body_str())
        .into_iter()
        .map(|f| f.event.unwrap())
        .collect();
    assert_eq!(
        names,
        ["run-spawn", "run-spawn", "run-cancelled", "run-cancelled"]
    );
    let since = call(
        w.addr(),
        "GET",
        &format!("/runs/{id}/stream?since=2"),
        a,
        None,
    )
    .await;
    let frames = parse_sse(&since.body_str());
    assert_eq!(
        frames
            .iter()
            .map(|f| f.id.clone().unwrap())
            .collect::<Vec<_>>(),
        ["3", "4"]
    );
    let past = call(
        w.addr(),
        "GET",
        &format!("/runs/{id}/stream?since=4"),
        a,
        None,
    )
    .await;
    assert_eq!((past.status, past.body.len()), (200, 0));
    let bad = call(
        w.addr(),
        "GET",
        &format!("/runs/{id}/stream?since=abc"),
        a,
        None,
    )
    .await;
    assert_eq!(
        (bad.status, bad.body_str()),
        (400, r#"{"error":"Invalid `since` query param"}"#.into())
    );

    assert!(w.evict_run(&id));
    let snap = call(
        w.addr(),
        "GET",
        &format!("/runs/{id}/stream?since=1"),
        a,
        None,
    )
    .await;
    let frames = parse_sse(&snap.body_str());
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0].event.as_deref(), Some("snapshot"));
    assert!(frames[0].id.is_none());
    let run_json: Value = serde_json::from_str(&frames[0].data).unwrap();
    assert_eq!(run_json["status"], "cancelled");
    let c = call(w.addr(), "POST", &format!("/runs/{id}/cancel"), a, None).await;
    assert_eq!(c.status, 404);
    assert_eq!(
        call(w.addr(), "GET", &format!("/runs/{id}"), a, None)
            .await
            .status,
        200
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn live_stream_follows_a_running_run_and_trace() {
    let w = TestWorker::start().await.unwrap();
    let a = Some(w.api_key());
    let run = call(
        w.addr(),
        "POST",
        "/runs",
        a,
        Some(r#"{"agentId":"echo","input":"SLOW:0.3 hi"}"#),
    )
    .await
    .json();
    let id = run["id"].as_str().unwrap();
    let auth = format!("Bearer {}", w.api_key());
    let h = [("Authorization", auth.as_str())];
    let tcp = tokio::net::TcpStream::connect(w.addr()).await.unwrap();
    let mut trace = send_on(tcp, "GET", &format!("/traces/{id}/stream"), &h, None).await;
    assert_eq!(trace.status, 200);
    let stream = call(w.addr(), "GET", &format!("/runs/{id}/stream"), a, None).await;
    let frames = parse_sse(&stream.body_str());
    assert_eq!(
        frames.last().unwrap().event.as_deref(),
        Some("run-complete")
    );
    let last: Value = serde_json::from_str(&frames.last().unwrap().data).unwrap();
    assert_eq!(last["runId"], id);
    assert_eq!(last["result"]["output"], "ECHO: SLOW:0.3 hi");
    trace.read_to_end().await;
    let names: Vec<_> = parse_sse(&trace.body_str())
        .into_iter()
        .map(|f| f.event.unwrap())
        .collect();
    assert_eq!(names.last().map(String::as_str), Some("trace-done"));
    assert!(names.iter().any(|n| n == "span-end"));
    assert!(parse_sse(&trace.body_str()).iter().all(|f| f.id.is_none()));
}

#[tokio::test(flavor = "multi_thread")]
async fn client_tools_round_trip_and_errors() {
    let w = TestWorker::start().await.unwrap();
    let a = Some(w.api_key());
    let r = call(
        w.addr(),
        "POST",
        "/run",
        a,
        Some(r#"{"agentId":"clientbot","input":"x"}"#),
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["code"], "CLIENT_TOOLS_REQUIRE_ATTACHED_RUN");
    let r = call(
        w.addr(),
        "POST",
        "/run/stream",
        a,
        Some(r#"{"agentId":"clientbot","input":"x","clientTools":[]}"#),
    )
    .await;
    assert_eq!(
        r.body_str(),
        r#"{"error":"Missing client tool handlers: get_selection","code":"MISSING_CLIENT_TOOLS","details":["get_selection"]}"#
    );
    let r = call(
        w.addr(),
        "POST",
        "/run/stream",
        a,
        Some(r#"{"agentId":"clientbot","input":"x"}"#),
    )
    .await;
    assert_eq!(
        r.json()["error"],
        "Missing client tool handlers: pass clientTools on this invocation"
    );

    let auth = format!("Bearer {}", w.api_key());
    let h = [
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/json"),
    ];
    let tcp = tokio::net::TcpStream::connect(w.addr()).await.unwrap();
    let body = r#"{"agentId":"clientbot","input":"CALL_TOOL:get_selection ARGS:{\"includeText\":true}","clientTools":["get_selection"]}"#;
    let mut s = send_on(tcp, "POST", "/run/stream", &h, Some(body.as_bytes())).await;
    assert!(
        s.read_until(
            |b| String::from_utf8_lossy(b).contains("client-tool-request")
                && String::from_utf8_lossy(b).matches("\n\n").count() >= 2
        )
        .await
    );
    let frames = parse_sse(&s.body_str());
    let req: Value = serde_json::from_str(&frames[1].data).unwrap();
    assert_eq!(frames[1].id.as_deref(), Some("4"));
    let path = format!(
        "/runs/{}/client-tool-requests/{}/result",
        req["rootRunId"].as_str().unwrap(),
        req["requestId"].as_str().unwrap()
    );
    for (body, status, text) in [
        ("", 400, r#"{"error":"Invalid JSON body"}"#),
        ("null", 400, r#"{"error":"Invalid JSON body"}"#),
        (
            "[1]",
            400,
            r#"{"error":"Provide exactly one of output or error"}"#,
        ),
        (
            r#"{"output":1,"error":"x"}"#,
            400,
            r#"{"error":"Provide exactly one of output or error"}"#,
        ),
        (
            r#"{"error":5}"#,
            400,
            r#"{"error":"error must be a string"}"#,
        ),
    ] {
        let r = call(w.addr(), "POST", &path, a, Some(body)).await;
        assert_eq!(
            (r.status, r.body_str().as_str()),
            (status, text),
            "body {body}"
        );
    }
    let other = format!(
        "/runs/{}/client-tool-requests/ctr_nope/result",
        req["rootRunId"].as_str().unwrap()
    );
    let r = call(w.addr(), "POST", &other, a, Some(r#"{"output":1}"#)).await;
    assert_eq!(r.body_str(), r#"{"error":"Client tool request not found"}"#);
    let r = call(
        w.addr(),
        "POST",
        &path,
        Some(w.api_key_b()),
        Some(r#"{"output":1}"#),
    )
    .await;
    assert_eq!(
        (r.status, r.body_str()),
        (404, r#"{"error":"Run not found"}"#.into())
    );
    let r = call(
        w.addr(),
        "POST",
        &path,
        a,
        Some(r#"{"error":"No handler was supplied for client tool 'get_selection'"}"#),
    )
    .await;
    assert_eq!(
        (r.status, r.body_str()),
        (202, r#"{"status":"accepted"}"#.into())
    );
    let r = call(
        w.addr(),
        "POST",
        &path,
        a,
        Some(r#"{"output":{"late":true}}"#),
    )
    .await;
    assert_eq!(r.status, 200);
    s.read_to_end().await;
    let frames = parse_sse(&s.body_str());
    let done: Value = serde_json::from_str(&frames[2].data).unwrap();
    assert_eq!(
        done["output"],
        r#"TOOL_RESULT: {"error":"Client tool 'get_selection' failed: No handler was supplied for client tool 'get_selection'"}"#
    );
    let posted = w
        .requests()
        .into_iter()
        .filter(|r| r.path == path)
        .map(|r| r.body_json())
        .collect::<Vec<_>>();
    assert!(posted.contains(&Some(
        serde_json::json!({"error":"No handler was supplied for client tool 'get_selection'"})
    )));
}

#[tokio::test(flavor = "multi_thread")]
async fn disconnecting_a_stream_cancels_the_run() {
    let w = TestWorker::start().await.unwrap();
    let auth = format!("Bearer {}", w.api_key());
    // Keep-alive, as real clients use: the server notices the socket closing.
    let h = [
        ("Authorization", auth.as_str()),
        ("Connection", "keep-alive"),
    ];
    let tcp = tokio::net::TcpStream::connect(w.addr()).await.unwrap();
    let mut s = send_on(
        tcp,
        "POST",
        "/run/stream",
        &h,
        Some(br#"{"agentId":"echo","input":"SLOW:30 x"}"#),
    )
    .await;
    assert!(s.read_until(|b| b.ends_with(b"\n\n")).await);
    let start: Value = serde_json::from_str(&parse_sse(&s.body_str())[0].data).unwrap();
    drop(s);
    let id = start["runId"].as_str().unwrap();
    let run = wait_status(&w, id, "cancelled").await;
    assert_eq!(run["error"], "request aborted");
}

#[tokio::test(flavor = "multi_thread")]
async fn retention_paging_and_validation() {
    let w = TestWorker::start().await.unwrap();
    let a = Some(w.api_key());
    let r = call(
        w.addr(),
        "POST",
        "/run",
        a,
        Some(r#"{"agentId":"echo","input":"x","retention":{"mode":"none"}}"#),
    )
    .await
    .json();
    assert!(r.get("sessionId").is_none() && r.get("traceId").is_none());
    let r = call(
        w.addr(),
        "POST",
        "/runs",
        a,
        Some(r#"{"agentId":"echo","retention":{"mode":"none"}}"#),
    )
    .await;
    assert_eq!(
        r.json()["error"],
        "retention.mode='none' is only supported by synchronous /run endpoints"
    );
    let r = call(
        w.addr(),
        "POST",
        "/run",
        a,
        Some(r#"{"agentId":"echo","retention":{"mode":"all"}}"#),
    )
    .await;
    assert_eq!(
        (r.status, r.json()["code"].clone()),
        (400, "BAD_REQUEST".into())
    );
    let r = call(
        w.addr(),
        "POST",
        "/run",
        a,
        Some(r#"{"agentId":"echo","retention":{"ttlSeconds":5}}"#),
    )
    .await;
    assert_eq!(
        r.json()["error"],
        "retention.ttlSeconds must be an integer between 60 and 31536000 seconds"
    );
    let r = call(
        w.addr(),
        "POST",
        "/run",
        a,
        Some(r#"{"agentId":"echo@latest","input":"v"}"#),
    )
    .await
    .json();
    assert_eq!(r["requestedAgentVersion"], "latest");
    let v = r["resolvedAgentVersion"].as_str().unwrap().to_string();
    let r = call(
        w.addr(),
        "POST",
        "/run",
        a,
        Some(&format!(r#"{{"agentId":"echo@{v}"}}"#)),
    )
    .await;
    assert_eq!(r.status, 200);
    let r = call(
        w.addr(),
        "POST",
        "/run",
        a,
        Some(r#"{"agentId":"echo@2001-01-01T00:00:00.000Z"}"#),
    )
    .await;
    assert_eq!(r.status, 404);
    for _ in 0..7 {
        call(
            w.addr(),
            "POST",
            "/run",
            a,
            Some(r#"{"agentId":"echo","input":"page"}"#),
        )
        .await;
    }
    let mut seen = std::collections::HashSet::new();
    let mut cursor: Option<String> = None;
    for _ in 0..20 {
        let q = cursor
            .as_ref()
            .map(|c| format!("&cursor={c}"))
            .unwrap_or_default();
        let page = call(w.addr(), "GET", &format!("/runs?limit=3{q}"), a, None)
            .await
            .json();
        for row in page["rows"].as_array().unwrap() {
            assert!(seen.insert(row["id"].as_str().unwrap().to_string()));
        }
        match page.get("cursor") {
            Some(c) => cursor = Some(c.as_str().unwrap().to_string()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 9, "none-mode run is not listed; 9 others are");
    for bad in ["0", "-1", "abc", ""] {
        let r = call(w.addr(), "GET", &format!("/runs?limit={bad}"), a, None).await;
        assert_eq!(r.body_str(), r#"{"error":"Invalid `limit` query param"}"#);
    }
    let imp = call(
        w.addr(),
        "POST",
        "/sessions/import",
        a,
        Some(r#"{"sessions":[{"sessionId":"run/has slash","messages":[]}],"onConflict":"fail"}"#),
    )
    .await;
    assert_eq!(imp.status, 200);
    let again = call(
        w.addr(),
        "POST",
        "/sessions/import",
        a,
        Some(r#"{"sessions":[{"sessionId":"run/has slash","messages":[]}],"onConflict":"fail"}"#),
    )
    .await;
    assert_eq!(again.status, 409);
    let got = call(w.addr(), "GET", "/sessions/run%2Fhas%20slash", a, None)
        .await
        .json();
    assert_eq!(got["sessionId"], "run/has slash");
    let del = call(w.addr(), "DELETE", "/sessions/run%2Fhas%20slash", a, None).await;
    assert_eq!(
        (del.status, del.header("content-type")),
        (204, Some("text/plain; charset=UTF-8"))
    );
}

#[test]
fn blocking_start_works_without_a_runtime() {
    let w = TestWorker::start_blocking().unwrap();
    let addr = w.addr();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let body = rt.block_on(async { call(addr, "GET", "/health", None, None).await.body_str() });
    assert_eq!(body, r#"{"status":"ok","service":"agntz-worker"}"#);
    drop(w);
    let refused = rt.block_on(async { tokio::net::TcpStream::connect(addr).await });
    assert!(refused.is_err(), "listener closed on drop");
}

#[tokio::test(flavor = "multi_thread")]
async fn tls_handshake_with_generated_certificate() {
    let w = TestWorker::start_with(TestWorkerConfig::default().tls(true))
        .await
        .unwrap();
    assert!(w.base_url().starts_with("https://localhost:"));
    let pem = w.ca_certificate_pem().unwrap();
    let der = pem_to_der(&pem);
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(rustls_pki_types::CertificateDer::from(der))
        .unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    for name in ["localhost", "127.0.0.1"] {
        let tcp = tokio::net::TcpStream::connect(w.addr()).await.unwrap();
        let server_name = rustls_pki_types::ServerName::try_from(name.to_string()).unwrap();
        let tls = connector
            .connect(server_name, tcp)
            .await
            .expect("handshake");
        let mut r = send_on(tls, "GET", "/health", &[], None).await;
        r.read_to_end().await;
        assert_eq!(r.status, 200, "{name}");
        assert_eq!(r.body_str(), r#"{"status":"ok","service":"agntz-worker"}"#);
    }
}

fn pem_to_der(pem: &str) -> Vec<u8> {
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in b64.bytes().filter(|c| *c != b'=') {
        acc = (acc << 6) | alphabet.iter().position(|x| *x == c).unwrap() as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}
