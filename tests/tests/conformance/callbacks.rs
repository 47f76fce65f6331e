//! Callback tools end to end: the mock worker (loopback allowed) imports an
//! agent with a `kind: callback` tool, probes the URL, and calls the tool in
//! a run; the SDK's `CallbackRouter`, served by hyper on 127.0.0.1, answers.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use agntz_client::callbacks::{
    CallbackRequest, CallbackRouter, CallbackVerifier, ToolError, DELIVERY_ID_HEADER,
    IDEMPOTENCY_KEY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER,
};
use agntz_proto::types::{AgentImport, NewWebhookSecret, RunRequest};
use agntz_proto::{Client, Error, Transport};
use agntz_testkit::{TestWorker, TestWorkerConfig};
use bytes::Bytes;
use http::{HeaderMap, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::net::TcpListener;

use crate::harness::Harness;

/// One request the receiver got.
#[derive(Clone)]
struct Recorded {
    method: Method,
    headers: HeaderMap,
    body: Bytes,
}

/// `router` served on 127.0.0.1, every request recorded on the way in.
struct Receiver {
    url: String,
    router: CallbackRouter,
    log: Arc<Mutex<Vec<Recorded>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Receiver {
    fn posts(&self) -> Vec<Recorded> {
        let log = self.log.lock().unwrap();
        log.iter()
            .filter(|r| r.method == Method::POST)
            .cloned()
            .collect()
    }

    fn methods(&self) -> Vec<Method> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .map(|r| r.method.clone())
            .collect()
    }
}

async fn serve(router: CallbackRouter) -> Receiver {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/agntz/tools", listener.local_addr().unwrap());
    let log = Arc::new(Mutex::new(Vec::new()));
    let (served, seen) = (router.clone(), log.clone());
    let task = tokio::spawn(async move {
        // Bounded: a scenario opens far fewer connections.
        for _ in 0..256 {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let (router, log) = (served.clone(), seen.clone());
            let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                let (mut router, log) = (router.clone(), log.clone());
                async move {
                    let (parts, body) = request.into_parts();
                    let Ok(body) = body.collect().await.map(|b| b.to_bytes()) else {
                        return Ok::<_, Infallible>(Response::new(Full::new(Bytes::new())));
                    };
                    log.lock().unwrap().push(Recorded {
                        method: parts.method.clone(),
                        headers: parts.headers.clone(),
                        body: body.clone(),
                    });
                    // The router as a tower service.
                    let request = Request::from_parts(parts, Full::new(body));
                    tower_service::Service::call(&mut router, request).await
                }
            });
            tokio::spawn(
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service),
            );
        }
    });
    Receiver {
        url,
        router,
        log,
        task,
    }
}

/// A worker that accepts loopback callbacks, a client of it, and the value
/// of its webhook secret `tools`.
struct World<T: Transport> {
    _worker: TestWorker,
    client: Client<T>,
    secret: String,
}

async fn world<T: Transport>(h: &Harness<T>) -> World<T> {
    let (worker, client) = h
        .with_worker(TestWorkerConfig::default().loopback_callbacks(true))
        .await;
    let secret = client
        .webhook_secrets()
        .create(NewWebhookSecret::new("tools"))
        .await
        .expect("create the secret");
    World {
        _worker: worker,
        client,
        secret: secret.value.expose().to_owned(),
    }
}

/// An agent `cooks` whose tool `find_recipes` is called at `url`.
fn manifest(url: &str, max_retries: u32) -> String {
    format!(
        "id: cooks\nname: Cooks\nkind: llm\nmodel:\n  provider: openai\n  name: fake-model\ninstruction: Find recipes.\ntools:\n  - kind: callback\n    name: find_recipes\n    description: Search recipes.\n    url: {url}\n    secret: tools\n    timeoutMs: 5000\n    maxRetries: {max_retries}\n    inputSchema:\n      type: object\n      properties:\n        query: {{ type: string }}\n      required: [query]\n"
    )
}

async fn import<T: Transport>(client: &Client<T>, url: &str, max_retries: u32) {
    let done = client
        .agents()
        .import(AgentImport::new([manifest(url, max_retries)]))
        .await
        .expect("import the agent");
    assert!(done.results[0].warnings.is_empty(), "{:?}", done.results);
}

/// Runs `cooks` with `input`; the run's output (a string).
async fn run<T: Transport>(client: &Client<T>, input: &str) -> String {
    let result = client
        .agents()
        .run(RunRequest::new("cooks").input(input))
        .await
        .expect("run");
    result.output.as_str().expect("a text output").to_owned()
}

/// The JSON after `TOOL_RESULT: ` in a run's output.
fn tool_result(output: &str) -> Value {
    let json = output
        .strip_prefix("TOOL_RESULT: ")
        .unwrap_or_else(|| panic!("not a tool result: {output}"));
    serde_json::from_str(json).expect("tool result JSON")
}

#[derive(Deserialize)]
struct Find {
    query: String,
}

#[derive(Serialize)]
struct Found {
    titles: Vec<String>,
    run_id: String,
    agent_id: String,
}

/// Handler runs per delivery id.
type Runs = Arc<Mutex<HashMap<String, u32>>>;

fn count(runs: &Runs, id: &str) -> u32 {
    let mut runs = runs.lock().unwrap();
    let n = runs.entry(id.to_owned()).or_default();
    *n += 1;
    *n
}

/// `find_recipes` answering titles, or 400 for an empty query; with
/// `fail_first`, the first run of each delivery fails (a 500).
fn recipes(secret: &str, runs: Runs, fail_first: bool) -> CallbackRouter {
    CallbackRouter::builder(CallbackVerifier::new(secret))
        .tool("find_recipes", move |call: CallbackRequest<Find>| {
            let runs = runs.clone();
            async move {
                let n = count(&runs, &call.delivery.id);
                if fail_first && n == 1 {
                    return Err(ToolError::failed("the recipe index is warming up"));
                }
                if call.args.query.trim().is_empty() {
                    return Err(ToolError::invalid_arguments("query must not be empty"));
                }
                Ok(Found {
                    titles: vec![format!("{} al forno", call.args.query)],
                    run_id: call.runtime.run_id,
                    agent_id: call.runtime.agent_id,
                })
            }
        })
        .build()
}

pub async fn callback_tool_result_reaches_the_model_and_the_output<T: Transport>(h: Harness<T>) {
    let w = world(&h).await;
    let runs = Runs::default();
    let receiver = serve(recipes(&w.secret, runs.clone(), false)).await;
    import(&w.client, &receiver.url, 2).await;

    let output = run(
        &w.client,
        r#"CALLBACK:find_recipes ARGS:{"query":"tomato"}"#,
    )
    .await;
    let result = tool_result(&output);
    assert_eq!(result["titles"], serde_json::json!(["tomato al forno"]));
    assert_eq!(result["agent_id"], "cooks");
    assert!(
        result["run_id"]
            .as_str()
            .is_some_and(|r| r.starts_with("run_")),
        "{result}"
    );

    let posts = receiver.posts();
    assert_eq!(posts.len(), 1);
    let post = &posts[0];
    let id = post.headers[DELIVERY_ID_HEADER].to_str().unwrap();
    assert!(id.starts_with("cbd_") && id.len() == 28, "{id}");
    assert_eq!(post.headers[IDEMPOTENCY_KEY_HEADER], id);
    assert_eq!(post.headers["content-type"], "application/json");
    // The worker's body: keys in order, the timestamp of the header.
    let timestamp = post.headers[TIMESTAMP_HEADER].to_str().unwrap();
    let body = std::str::from_utf8(&post.body).unwrap();
    assert!(
        body.starts_with(
            r#"{"tool":"find_recipes","args":{"query":"tomato"},"runtime":{"sessionId":""#
        ),
        "{body}"
    );
    assert!(
        body.ends_with(&format!(
            r#""delivery":{{"id":"{id}","timestamp":"{timestamp}"}}}}"#
        )),
        "{body}"
    );
    assert_eq!(runs.lock().unwrap().get(id), Some(&1));
}

pub async fn failing_handler_is_retried_and_runs_once_per_delivery_after<T: Transport>(
    h: Harness<T>,
) {
    let w = world(&h).await;
    let runs = Runs::default();
    let receiver = serve(recipes(&w.secret, runs.clone(), true)).await;
    import(&w.client, &receiver.url, 2).await;

    let output = run(&w.client, r#"CALLBACK:find_recipes ARGS:{"query":"soup"}"#).await;
    assert_eq!(
        tool_result(&output)["titles"],
        serde_json::json!(["soup al forno"])
    );

    // The 500 was retried with the same delivery: body, signature, time, id.
    let posts = receiver.posts();
    assert_eq!(posts.len(), 2);
    assert_eq!(posts[0].body, posts[1].body);
    for header in [SIGNATURE_HEADER, TIMESTAMP_HEADER, DELIVERY_ID_HEADER] {
        assert_eq!(
            posts[0].headers[&header], posts[1].headers[&header],
            "{header}"
        );
    }
    let id = posts[0].headers[DELIVERY_ID_HEADER]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        runs.lock().unwrap().get(&id),
        Some(&2),
        "one failure, one success"
    );

    // Delivered again (a retry after a lost answer): the stored answer, and
    // the handler does not run a third time.
    let again = receiver
        .router
        .respond(&Method::POST, &posts[1].headers, &posts[1].body)
        .await;
    assert_eq!(again.status(), StatusCode::OK);
    let again: Value = serde_json::from_slice(again.body()).unwrap();
    assert_eq!(again["titles"], serde_json::json!(["soup al forno"]));
    assert_eq!(runs.lock().unwrap().get(&id), Some(&2));
}

pub async fn a_4xx_is_not_retried_and_the_model_sees_the_error<T: Transport>(h: Harness<T>) {
    let w = world(&h).await;
    let runs = Runs::default();
    let receiver = serve(recipes(&w.secret, runs.clone(), false)).await;
    import(&w.client, &receiver.url, 3).await;

    let output = run(&w.client, r#"CALLBACK:find_recipes ARGS:{"query":" "}"#).await;
    let posts = receiver.posts();
    assert_eq!(posts.len(), 1, "a 400 is final");
    let id = posts[0].headers[DELIVERY_ID_HEADER].to_str().unwrap();
    assert_eq!(
        tool_result(&output),
        serde_json::json!({
            "error": "Callback delivery failed: HTTP 400: {\"error\":\"query must not be empty\"}",
            "deliveryId": id,
        })
    );
}

/// POSTs over plain HTTP/1.1; the answer's status.
async fn post(url: &str, headers: &HeaderMap, body: Bytes) -> StatusCode {
    let uri: http::Uri = url.parse().unwrap();
    let authority = uri.authority().unwrap().clone();
    let stream = tokio::net::TcpStream::connect(authority.as_str())
        .await
        .unwrap();
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(conn);
    let mut request = Request::post(uri.path()).body(Full::new(body)).unwrap();
    *request.headers_mut() = headers.clone();
    request
        .headers_mut()
        .insert(http::header::HOST, authority.as_str().parse().unwrap());
    sender.send_request(request).await.unwrap().status()
}

pub async fn tampered_stale_and_foreign_deliveries_are_refused<T: Transport>(h: Harness<T>) {
    let w = world(&h).await;
    let runs = Runs::default();
    let receiver = serve(recipes(&w.secret, runs.clone(), false)).await;
    import(&w.client, &receiver.url, 2).await;
    run(&w.client, r#"CALLBACK:find_recipes ARGS:{"query":"stew"}"#).await;
    let genuine = receiver.posts().remove(0);
    let handled = || runs.lock().unwrap().values().sum::<u32>();
    assert_eq!(handled(), 1);

    // One byte of the body changed on the way.
    let mut tampered = genuine.body.to_vec();
    let at = tampered.iter().position(|b| *b == b's').unwrap();
    tampered[at] = b'S';
    assert_eq!(
        post(&receiver.url, &genuine.headers, tampered.into()).await,
        StatusCode::UNAUTHORIZED
    );
    // Correctly signed, ten minutes ago.
    let then =
        humantime::format_rfc3339_millis(SystemTime::now() - Duration::from_secs(600)).to_string();
    let id = "cbd_replayed_from_long_ago";
    let body = format!(
        r#"{{"tool":"find_recipes","args":{{"query":"stew"}},"runtime":{{"sessionId":"s","runId":"run_x","agentId":"cooks"}},"delivery":{{"id":"{id}","timestamp":"{then}"}}}}"#
    );
    let headers =
        CallbackVerifier::new(w.secret.as_str()).signed_headers(&then, id, body.as_bytes());
    assert_eq!(
        post(&receiver.url, &headers, body.into()).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(handled(), 1, "no handler ran for the refused calls");

    // A receiver holding another secret refuses the worker's calls: a 401 is
    // final, and the model sees it.
    let other = serve(recipes("whsec_not_the_one", runs.clone(), false)).await;
    import(&w.client, &other.url, 2).await;
    let output = run(&w.client, r#"CALLBACK:find_recipes ARGS:{"query":"stew"}"#).await;
    let result = tool_result(&output);
    let error = result["error"].as_str().unwrap();
    assert!(
        error.starts_with("Callback delivery failed: HTTP 401: "),
        "{error}"
    );
    assert!(!error.contains(&w.secret));
    assert_eq!(other.posts().len(), 1);
    assert_eq!(handled(), 1);
}

pub async fn import_probes_the_callback_url_with_options<T: Transport>(h: Harness<T>) {
    let w = world(&h).await;
    let receiver = serve(recipes(&w.secret, Runs::default(), false)).await;
    import(&w.client, &receiver.url, 2).await;
    assert_eq!(receiver.methods(), [Method::OPTIONS], "one probe, no call");

    // Nothing listening: an `external` error (import is strict by default),
    // or a warning when not strict.
    let closed = {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        format!("http://{}/gone", listener.local_addr().unwrap())
    };
    let err = w
        .client
        .agents()
        .import(AgentImport::new([manifest(&closed, 2)]))
        .await
        .expect_err("an unreachable endpoint");
    let api = err.api().expect("an API error");
    assert_eq!(
        (api.status.as_u16(), api.message.as_str()),
        (400, "Invalid manifest")
    );
    let body = api.body.clone().expect("a body");
    assert_eq!(body["results"][0]["errors"][0]["level"], "external");
    assert_eq!(body["results"][0]["errors"][0]["path"], "tools[0].url");
    assert_eq!(
        body["results"][0]["errors"][0]["message"],
        format!("Could not reach callback endpoint '{closed}': fetch failed")
    );
    let lenient = w
        .client
        .agents()
        .import(AgentImport::new([manifest(&closed, 2)]).strict(false))
        .await
        .expect("a warning only");
    assert_eq!(lenient.results[0].warnings.len(), 1);
    assert_eq!(lenient.results[0].warnings[0].path, "tools[0].url");

    // Out-of-range retries are a structural error.
    let err = w
        .client
        .agents()
        .import(AgentImport::new([manifest(&receiver.url, 9)]))
        .await
        .expect_err("maxRetries 9");
    let body = err.api().and_then(|a| a.body.clone()).unwrap();
    assert_eq!(body["results"][0]["errors"][0]["level"], "structural");
    assert_eq!(
        body["results"][0]["errors"][0]["message"],
        "maxRetries must be an integer between 0 and 5"
    );

    // Without the loopback opt-in, as on the worker, the URL is refused
    // before any probe.
    let before = receiver.methods().len();
    let err = h
        .client
        .agents()
        .import(AgentImport::new([manifest(&receiver.url, 2)]))
        .await
        .expect_err("loopback refused");
    let body = err.api().and_then(|a| a.body.clone()).unwrap();
    assert_eq!(
        body["results"][0]["errors"][0]["message"],
        "Callback tool url is not an allowed outbound URL: Disallowed IP address: 127.0.0.1"
    );
    assert_eq!(receiver.methods().len(), before);
    assert!(matches!(err, Error::Api(_)), "{err:?}");
}
