//! The callback receiver through its service interfaces: every rejection
//! path, de-duplication, and the answers the worker acts on.

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use agntz_client::callbacks::{
    CallbackRequest, CallbackRouter, CallbackVerifier, Failure, MemoryDeliveryStore, ToolError,
};
use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use serde::{Deserialize, Serialize};
use tower_service::Service;

const SECRET: &str = "whsec_00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

#[derive(Deserialize)]
struct Find {
    query: String,
}

#[derive(Serialize)]
struct Found {
    titles: Vec<String>,
}

fn iso(at: SystemTime) -> String {
    humantime::format_rfc3339_millis(at).to_string()
}

/// A delivery of `tool` with `args`, as the worker builds it.
fn body(tool: &str, args: serde_json::Value, id: &str, ts: &str) -> String {
    format!(
        r#"{{"tool":"{tool}","args":{args},"runtime":{{"sessionId":"s1","runId":"run_1","agentId":"cooks"}},"delivery":{{"id":"{id}","timestamp":"{ts}"}}}}"#
    )
}

/// A POST signed with `secret`, stamped `at`.
fn signed_at(
    secret: &str,
    at: SystemTime,
    tool: &str,
    args: serde_json::Value,
    id: &str,
) -> Request<Full<Bytes>> {
    let ts = iso(at);
    let body = body(tool, args, id, &ts);
    let headers = CallbackVerifier::new(secret).signed_headers(&ts, id, body.as_bytes());
    let mut request = Request::post("/agntz/tools")
        .body(Full::new(Bytes::from(body)))
        .unwrap();
    *request.headers_mut() = headers;
    request
}

fn signed(tool: &str, args: serde_json::Value, id: &str) -> Request<Full<Bytes>> {
    signed_at(SECRET, SystemTime::now(), tool, args, id)
}

struct Answer {
    status: StatusCode,
    headers: http::HeaderMap,
    body: String,
}

async fn send<S>(service: &mut S, request: Request<Full<Bytes>>) -> Answer
where
    S: Service<Request<Full<Bytes>>, Response = Response<Full<Bytes>>, Error = Infallible>,
{
    let response = service.call(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let body = body.collect().await.unwrap().to_bytes();
    Answer {
        status: parts.status,
        headers: parts.headers,
        body: String::from_utf8(body.to_vec()).unwrap(),
    }
}

/// A router with `find` (counting its runs) and the tools of one scenario.
fn router(runs: Arc<AtomicUsize>) -> agntz_client::callbacks::CallbackRouterBuilder {
    CallbackRouter::builder(CallbackVerifier::new(SECRET)).tool(
        "find",
        move |call: CallbackRequest<Find>| {
            let runs = runs.clone();
            async move {
                runs.fetch_add(1, Ordering::SeqCst);
                if call.args.query.is_empty() {
                    return Err(ToolError::invalid_arguments("query must not be empty"));
                }
                assert_eq!(call.runtime.run_id, "run_1");
                Ok(Found {
                    titles: vec![format!("{} al forno", call.args.query)],
                })
            }
        },
    )
}

#[tokio::test]
async fn answers_the_import_probe_and_refuses_other_methods() {
    let mut service = router(Arc::default()).build();
    let probe = send(
        &mut service,
        Request::options("/agntz/tools")
            .body(Full::default())
            .unwrap(),
    )
    .await;
    assert_eq!(probe.status, StatusCode::NO_CONTENT);
    assert_eq!(probe.headers["allow"], "POST, OPTIONS");
    let get = send(
        &mut service,
        Request::get("/agntz/tools").body(Full::default()).unwrap(),
    )
    .await;
    assert_eq!(get.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn a_call_is_routed_to_its_tool_and_answered_as_json() {
    let runs = Arc::new(AtomicUsize::new(0));
    let mut service = router(runs.clone()).build();
    let ok = send(
        &mut service,
        signed("find", serde_json::json!({"query": "crème"}), "cbd_ok"),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.headers["content-type"], "application/json");
    assert_eq!(ok.body, r#"{"titles":["crème al forno"]}"#);
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn unsigned_tampered_and_foreign_calls_are_401() {
    let runs = Arc::new(AtomicUsize::new(0));
    let mut service = router(runs.clone()).build();
    let args = serde_json::json!({"query": "x"});

    let mut unsigned = signed("find", args.clone(), "cbd_1");
    unsigned.headers_mut().remove("x-agntz-signature");
    let r = send(&mut service, unsigned).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(
        r.body.contains("X-Agntz-Signature") || r.body.contains("x-agntz-signature"),
        "{}",
        r.body
    );

    let mut no_timestamp = signed("find", args.clone(), "cbd_1");
    no_timestamp.headers_mut().remove("x-agntz-timestamp");
    assert_eq!(
        send(&mut service, no_timestamp).await.status,
        StatusCode::UNAUTHORIZED
    );

    let good = signed("find", args.clone(), "cbd_1");
    let (parts, body) = good.into_parts();
    let mut bytes = body.collect().await.unwrap().to_bytes().to_vec();
    let at = bytes.iter().position(|b| *b == b'x').unwrap();
    bytes[at] = b'y';
    let tampered = Request::from_parts(parts, Full::new(Bytes::from(bytes)));
    assert_eq!(
        send(&mut service, tampered).await.status,
        StatusCode::UNAUTHORIZED
    );

    let foreign = signed_at(
        "whsec_someone_else",
        SystemTime::now(),
        "find",
        args.clone(),
        "cbd_1",
    );
    let r = send(&mut service, foreign).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.body.contains("does not match"), "{}", r.body);

    let mut malformed = signed("find", args, "cbd_1");
    malformed.headers_mut().insert(
        "x-agntz-signature",
        http::HeaderValue::from_static("sha256=nothex"),
    );
    assert_eq!(
        send(&mut service, malformed).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(runs.load(Ordering::SeqCst), 0, "no handler ran");
}

#[tokio::test]
async fn stale_and_future_timestamps_are_401() {
    let runs = Arc::new(AtomicUsize::new(0));
    let mut service = router(runs.clone()).build();
    let args = serde_json::json!({"query": "x"});
    let now = SystemTime::now();
    let stale = signed_at(
        SECRET,
        now - Duration::from_secs(6 * 60),
        "find",
        args.clone(),
        "cbd_old",
    );
    let r = send(&mut service, stale).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.body.contains("old"), "{}", r.body);
    let future = signed_at(
        SECRET,
        now + Duration::from_secs(6 * 60),
        "find",
        args.clone(),
        "cbd_new",
    );
    let r = send(&mut service, future).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.body.contains("future"), "{}", r.body);
    // Within the five minutes either way.
    let recent = signed_at(
        SECRET,
        now - Duration::from_secs(4 * 60),
        "find",
        args,
        "cbd_recent",
    );
    assert_eq!(send(&mut service, recent).await.status, StatusCode::OK);
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn signed_bodies_that_are_not_deliveries_and_unknown_tools_are_4xx() {
    let runs = Arc::new(AtomicUsize::new(0));
    let mut service = router(runs.clone()).build();
    let ts = iso(SystemTime::now());
    let junk = b"[1,2,3]";
    let mut request = Request::post("/")
        .body(Full::new(Bytes::from_static(junk)))
        .unwrap();
    *request.headers_mut() = CallbackVerifier::new(SECRET).signed_headers(&ts, "cbd_j", junk);
    assert_eq!(
        send(&mut service, request).await.status,
        StatusCode::BAD_REQUEST
    );

    let r = send(
        &mut service,
        signed("delete_everything", serde_json::json!({}), "cbd_u"),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.body, r#"{"error":"unknown tool"}"#);

    // Arguments that do not decode into the tool's type: 400, handler not run.
    let r = send(
        &mut service,
        signed("find", serde_json::json!({"query": 7}), "cbd_bad"),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("do not decode"), "{}", r.body);
    assert_eq!(runs.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_body_over_the_limit_is_413() {
    let mut service = router(Arc::default()).max_body_bytes(64).build();
    let big = serde_json::json!({"query": "x".repeat(200)});
    assert_eq!(
        send(&mut service, signed("find", big, "cbd_big"))
            .await
            .status,
        StatusCode::PAYLOAD_TOO_LARGE
    );
}

#[derive(Debug)]
struct DbDown;

impl std::fmt::Display for DbDown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("postgres://admin:hunter2@db/recipes is down")
    }
}

impl std::error::Error for DbDown {}

#[tokio::test]
async fn failing_and_panicking_handlers_are_500_without_details_and_run_again_on_retry() {
    let runs = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(Mutex::new(Vec::<String>::new()));
    let (r1, r2, seen) = (runs.clone(), runs.clone(), failures.clone());
    let mut service = CallbackRouter::builder(CallbackVerifier::new(SECRET))
        .tool("fails", move |_: CallbackRequest<serde_json::Value>| {
            let runs = r1.clone();
            async move {
                runs.fetch_add(1, Ordering::SeqCst);
                Err::<(), _>(DbDown)?;
                Ok(())
            }
        })
        .tool("panics", move |_: CallbackRequest<serde_json::Value>| {
            r2.fetch_add(1, Ordering::SeqCst);
            async move {
                if true {
                    panic!("secret sauce: hunter2");
                }
                Ok::<_, ToolError>(())
            }
        })
        .on_failure(move |tool, id, failure| {
            let what = match failure {
                Failure::Error(e) => format!("error {e}"),
                Failure::Panic(m) => format!("panic {m}"),
                _ => "other".into(),
            };
            seen.lock().unwrap().push(format!("{tool} {id} {what}"));
        })
        .build();
    for tool in ["fails", "panics"] {
        for _ in 0..2 {
            // The same delivery twice: a 500 is not stored, so the retry runs.
            let r = send(
                &mut service,
                signed(tool, serde_json::json!({}), &format!("cbd_{tool}")),
            )
            .await;
            assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{tool}");
            assert_eq!(r.body, r#"{"error":"the tool failed"}"#);
        }
    }
    assert_eq!(runs.load(Ordering::SeqCst), 4);
    let seen = failures.lock().unwrap().clone();
    assert_eq!(seen.len(), 4);
    assert!(
        seen[0].starts_with("fails cbd_fails error the tool failed: postgres"),
        "{seen:?}"
    );
    assert!(
        seen[2].starts_with("panics cbd_panics panic secret sauce"),
        "{seen:?}"
    );
}

#[tokio::test]
async fn a_retried_delivery_gets_the_stored_answer_without_running_again() {
    let runs = Arc::new(AtomicUsize::new(0));
    let mut service = router(runs.clone())
        .deliveries(MemoryDeliveryStore::new(16))
        .build();
    let request = || signed("find", serde_json::json!({"query": "soup"}), "cbd_once");
    let first = send(&mut service, request()).await;
    let again = send(&mut service, request()).await;
    assert_eq!(
        (first.status, again.status),
        (StatusCode::OK, StatusCode::OK)
    );
    assert_eq!(first.body, again.body);
    // A final 4xx is stored too.
    let refused = || signed("find", serde_json::json!({"query": ""}), "cbd_refused");
    let first = send(&mut service, refused()).await;
    let again = send(&mut service, refused()).await;
    assert_eq!(
        (first.status, again.status),
        (StatusCode::BAD_REQUEST, StatusCode::BAD_REQUEST)
    );
    assert_eq!(again.body, r#"{"error":"query must not be empty"}"#);
    assert_eq!(runs.load(Ordering::SeqCst), 2, "one run per delivery id");
}

#[tokio::test]
async fn a_delivery_still_running_gets_try_again() {
    let gate = Arc::new(tokio::sync::Notify::new());
    let runs = Arc::new(AtomicUsize::new(0));
    let (g, r) = (gate.clone(), runs.clone());
    let service = CallbackRouter::builder(CallbackVerifier::new(SECRET))
        .tool("slow", move |_: CallbackRequest<serde_json::Value>| {
            let (gate, runs) = (g.clone(), r.clone());
            async move {
                runs.fetch_add(1, Ordering::SeqCst);
                gate.notified().await;
                Ok::<_, ToolError>("done")
            }
        })
        .build();
    let request = signed("slow", serde_json::json!({}), "cbd_slow");
    let mut first = service.clone();
    let running = tokio::spawn(async move { send(&mut first, request).await });
    // Bounded wait for the first call to be inside the handler.
    for _ in 0..500 {
        if runs.load(Ordering::SeqCst) == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let mut second = service.clone();
    let busy = send(
        &mut second,
        signed("slow", serde_json::json!({}), "cbd_slow"),
    )
    .await;
    assert_eq!(busy.status, StatusCode::SERVICE_UNAVAILABLE);
    gate.notify_one();
    let done = running.await.unwrap();
    assert_eq!(
        (done.status, done.body.as_str()),
        (StatusCode::OK, r#""done""#)
    );
    let replay = send(
        &mut second,
        signed("slow", serde_json::json!({}), "cbd_slow"),
    )
    .await;
    assert_eq!(
        (replay.status, replay.body.as_str()),
        (StatusCode::OK, r#""done""#)
    );
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn the_secret_never_shows() {
    let service = router(Arc::default()).build();
    assert!(
        !format!("{service:?}").contains("whsec_0011"),
        "{service:?}"
    );
    let mut s = service.clone();
    let foreign = signed_at(
        "whsec_other",
        SystemTime::now(),
        "find",
        serde_json::json!({}),
        "cbd_x",
    );
    let r = send(&mut s, foreign).await;
    assert!(!r.body.contains("whsec_"), "{}", r.body);
}

/// What axum's `Router::route_service` and hyper's `serve_connection` ask
/// of a service, checked at compile time.
#[test]
fn is_a_tower_and_a_hyper_service() {
    fn tower<S, B>(_: &S)
    where
        S: Service<Request<B>, Error = Infallible> + Clone + Send + Sync + 'static,
        S::Response: Send,
        S::Future: Send + 'static,
    {
    }
    fn hyper_service<S, B>(_: &S)
    where
        S: hyper::service::Service<
            Request<B>,
            Response = Response<Full<Bytes>>,
            Error = Infallible,
        >,
    {
    }
    let router = CallbackRouter::builder(CallbackVerifier::new(SECRET)).build();
    tower::<_, Full<Bytes>>(&router);
    tower::<_, hyper::body::Incoming>(&router);
    hyper_service::<_, hyper::body::Incoming>(&router);
    let _ = Method::POST;
}
