//! A faithful in-process mock of the Agntz worker HTTP API, for tests and
//! offline development.
//!
//! [`TestWorker`] serves the core worker API (`/health`, `/run`, `/run/stream`,
//! `/runs…`, `/traces…`, `/sessions…`) plus the agent catalogue (`/agents`,
//! `/agents/{id}`, `/agents/import`), artifacts (`/artifacts…` with
//! multipart uploads, and the signed `/artifact-download/{id}` link), memory
//! and scopes, and datasets with staged imports, on
//! `127.0.0.1` with an ephemeral port,
//! plain HTTP or HTTPS with a generated self-signed certificate. Agents are
//! backed by a deterministic fake model (see below), so results are
//! predictable; [`Faults`] make responses misbehave on the wire to test client
//! error handling.
//!
//! # Agents
//!
//! Every tenant has `echo` (plain), `toolbot` (local tool `validate_manifest`),
//! `clientbot` (client tool `get_selection`, 30 s timeout) and `clientfast`
//! (same, 1 s timeout). `<id>@latest` and `<id>@<version>` are accepted.
//!
//! The catalogue listed by `GET /agents` holds only what a tenant published
//! with `POST /agents/import` (so a fresh tenant lists `[]`, as on the real
//! worker); published agents run too, and shadow a built-in agent of the same
//! id. The mock reads a manifest's top-level `id`, `name`, `description`,
//! `kind` and `model`, and its first tool (`kind: local` with
//! `validate_manifest`, or `kind: client` with `name` and `timeoutMs`).
//!
//! # Manifest tooling
//!
//! `POST /validate` parses the YAML and runs the worker's three levels with
//! its messages: structural (parse and normalization errors alone at path
//! `""`, then field checks such as `maxSteps`, `retention.mode`, missing
//! instructions or steps, disallowed HTTP tool URLs), reference (template
//! variables out of scope) and external (referenced agents of the caller's
//! tenant, local tools other than `validate_manifest`, skills; the mock opens
//! no connections, so every MCP server and HTTP tool endpoint is unreachable:
//! a warning, an error in strict mode). `POST /run/block` and
//! `/run/block/stream` pick the block by the worker's selection rules and
//! checks (in its order, with its messages), run it as one agent on the
//! fake model with the request's input, and add `target`, `blockId` and
//! `blockKind`. `POST /build-agent` (no auth) and `POST /edit-agent`
//! answer deterministically: the builder drafts one `llm` agent (id from the
//! description's first words, the description as its instruction), the
//! editor appends the change to the instruction of the block in focus;
//! `FAIL_LLM` fails them as the worker's fake model does (`No object
//! generated: …`). Both are limited to 10 requests per sliding hour per route
//! and client key (`CF-Connecting-IP`, the first `X-Forwarded-For` entry,
//! `X-Real-IP`, else `unknown`), before auth, answering 429 with
//! `Retry-After`. `system:agent-builder` and `system:agent-editor` on the run
//! routes fail as with the worker's fake model; a version pin on a `system:`
//! id is 500 `INVALID_AGENT_REF` and an unknown one 404.
//!
//! # Artifacts
//!
//! Uploads are stored per tenant with their expiry; run requests whose
//! content blocks reference an artifact are checked like the worker does
//! (missing or expired → 400 `BAD_REQUEST` `Artifact '<id>' is missing or
//! expired`; an `image` block needs `image/*`, an `audio` block `audio/*`).
//!
//! # Memory and datasets
//!
//! `/memory/*` and `/scopes/delete` behave like a worker with memory
//! configured, for API-key tenants bounded by namespace roots: a tenant has
//! none until [`TestWorker::register_namespace_root`] registers one (403
//! before that, as on a fresh real tenant). Reads see the granted scopes
//! plus their ancestors within the roots; curation only marks entries as
//! curated. Datasets and staged imports (`/datasets…`, `/dataset-imports…`)
//! follow the worker's in-memory store: items are kept inline, every write
//! publishes a new version, validation failures of create and update are
//! the worker's plain-text 500. There is one dataset store per worker: a
//! dataset created or imported through the API is the one eval runs and
//! batch runs read, and [`TestWorker::seed_dataset`] is only a shortcut for
//! a `POST /datasets` upsert. The version routes and aliases of datasets and
//! evals (`/{datasets,evals}/{id}/versions…`, `…/aliases/{alias}`) are
//! served: a version is an exact timestamp, `latest` (the newest, whatever
//! an alias is called) or an alias; an unknown one answers 404
//! `Dataset version not found` / `Eval version not found`; activating or
//! aliasing an unknown version is the worker's plain-text 500; removing an
//! alias always answers `{alias, deleted: true}`.
//!
//! # Evals and batches
//!
//! `/evals`, `/eval-runs`, `/eval-scores`, `/batches` and `/batch-runs` are
//! served too. Runs read the datasets of the tenant's dataset store (created
//! with `/datasets` or `/dataset-imports`, or seeded with
//! [`TestWorker::seed_dataset`]): a run without `datasetVersion` uses the
//! active version, `latest` the newest one, and any other value must be an
//! exact version timestamp or a dataset alias; an unknown
//! dataset or version answers 404 `Dataset "<id>[@<version>]" not found`.
//! An eval run needs a dataset whose `agentId` is the eval's agent. An eval
//! run executes each item with the fake model and scores each criterion with
//! a mock judge reading the rubric: `SCORE:<n>` gives `n`, `CONTAINS:<word>`
//! gives 1 when the output contains the word (else 0), `JUDGE_FAIL` makes the
//! judge fail, anything else gives 1. A batch run is submitted to a simulated
//! provider that answers each item with the fake model and completes the run;
//! `PROVIDER_DOWN` in an item input makes the submission fail with 502. Items
//! take 10 ms each unless their input says `SLOW:<seconds>`, so runs can be
//! cancelled midway. A batch run with `callbackUrl` and
//! `webhookSecretName` needs an existing secret (else 404 `Webhook secret
//! not found`) and sends one `batch.complete` webhook when it ends (see
//! [Webhooks](#webhooks)).
//!
//! # Webhook secrets
//!
//! `/webhook-secrets` is served per tenant: create (`201` with
//! `whsec_<64 hex>`, `409` for an existing name, `400` without a name),
//! list (by name, `lastFour` instead of the value), regenerate (`404
//! webhook secret not found`) and delete (`204`, also for an unknown
//! name).
//!
//! # Fake model
//!
//! * `FAIL_LLM` anywhere → the model fails (`/run` → 500, `/run/stream` → `run-error`);
//! * `SLOW:<seconds>` → the answer is delayed (the run stays cancellable);
//! * `CALL_TOOL:<name> ARGS:<json>` → the agent's tool is called, the answer is
//!   `TOOL_RESULT: <tool output JSON>`;
//! * `CALLBACK:<name> ARGS:<json>` → the agent's callback tool of that
//!   manifest name is called (the model's tool name is `callback__<name>`),
//!   the answer is `TOOL_RESULT: <tool output JSON>`;
//! * `RECALL` → `RECALL: <earlier user turns of the session joined by " | ">`;
//! * otherwise `ECHO: <user text>`.
//!
//! Independently of the answer, each `REPLY:"<text>"` (a JSON string
//! literal) makes the agent call its `reply` tool with that text first, in
//! order, in one model step before the answer (and before any `SLOW:`
//! delay). Each call is a `tool-call-start` / `tool-call-end` pair of the
//! manifest-step child run with a `reply` event between them (`runId` = that
//! child run); `POST /run/stream` forwards the `reply` frames with `id: <seq>`;
//! the run's result (`replies` on `/run`, `run-complete`, and the run
//! records' `result`) lists the accepted replies, and in `session` mode each
//! is appended to the session as an assistant message when it is sent. A
//! reply identical to the one just before it (within 100 ms, so always here)
//! is refused as a duplicate (`{"delivered":false,"reason":"duplicate"}`).
//!
//! # Sessions and durable runs
//!
//! Starting a `session`-mode run on a session that has an active root run
//! cancels the older run (error `superseded`) and starts once it ended
//! (cancel-and-replace); `none` and `result` runs never collide.
//! `POST /runs` with a `callbackUrl` is checked like the worker checks it:
//! the outbound URL policy first (`callbackUrl is not allowed: Disallowed IP
//! address: 127.0.0.1`, `… Disallowed hostname: localhost`, …; host names are
//! not resolved), then `webhookSecretName required with callbackUrl`, then
//! `webhook secret not found` unless the tenant created that secret.
//!
//! # Webhooks
//!
//! A durable run started with a `callbackUrl` and an existing
//! `webhookSecretName` gets the worker's webhooks: a `reply` POST for each
//! reply of the run tree, in order, then one `complete` (`status`
//! `completed` with `output`, `replies` and `result`; `failed` or
//! `cancelled` with `output: null`, `sessionId: ""` and the `error`). Each
//! POST is JSON with `X-Agntz-Signature: sha256=<hex HMAC-SHA256 of the
//! body, keyed with the secret's value>` and the same `whd_…` id in
//! `X-Agntz-Delivery-Id` and `Idempotency-Key`. A delivery answered 429 or
//! 5xx, or not answered, is tried again with the same id, three attempts in
//! all (after 50 ms and 250 ms, where the worker waits 5 s and 30 s); the
//! secret is looked up at each attempt, so a regenerated one signs the next
//! attempt and a deleted one ends the delivery. The mock speaks plain HTTP
//! to receivers. As on the worker, loopback URLs are refused by the
//! outbound URL policy; start the mock with
//! [`TestWorkerConfig::loopback_callbacks`] to receive webhooks on
//! `127.0.0.1` in a test.
//!
//! # Callback tools
//!
//! A published agent whose manifest has a `kind: callback` tool calls it as
//! the worker does. At import the entry is checked (`name` matching
//! `^[a-zA-Z_][a-zA-Z0-9_]*$`, `url`, `secret`, `timeoutMs` in
//! 1000..=120000, `maxRetries` in 0..=5; `inputSchema` is not checked), the
//! URL must pass the outbound URL policy, and the URL is probed with
//! `OPTIONS` (5 s): unreachable is an `external` error (`400 Invalid
//! manifest`), or a warning with `strict: false`; a secret the tenant has
//! not created is a warning. In a run, each call is a `POST` of
//! `{tool, args, runtime: {sessionId, runId, agentId}, delivery: {id,
//! timestamp}}` (`runId` is the manifest-step run that called the tool,
//! `agentId` the manifest id) with `X-Agntz-Signature: sha256=<hex
//! HMAC-SHA256 of timestamp.deliveryId.body>` keyed with the named webhook
//! secret's value, `X-Agntz-Timestamp`, and the same `cbd_…` id in
//! `X-Agntz-Delivery-Id` and `Idempotency-Key`. 408, 429, 5xx, network
//! errors and timeouts (`timeoutMs` per attempt) are retried up to
//! `maxRetries` more times after 100 ms, 200 ms, 400 ms…, with the same
//! body and headers. A 2xx body, cut to 40,000 characters, is the tool
//! result (its JSON, without whitespace, or the text). After a final
//! failure the result is
//! `{"error":"Callback delivery failed: HTTP <status>: <body>","deliveryId":"cbd_…"}`
//! (or the network error's text instead of `HTTP …`: `fetch failed`,
//! `The operation was aborted due to timeout`), and without the secret
//! `{"error":"Callback signing secret '<name>' is not configured"}`.
//! The arguments are sent as the model gave them (not checked against
//! `inputSchema`). Loopback URLs need
//! [`TestWorkerConfig::loopback_callbacks`], as webhooks do.
//!
//! # Example
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let worker = agntz_testkit::TestWorker::start().await?;
//! println!("{} with key {}", worker.base_url(), worker.api_key());
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]

mod auth;
mod batches;
mod callback_tools;
mod catalog;
mod datasets;
mod engine;
mod evals;
mod faults;
mod manifests;
mod model;
mod outbound;
mod rate_limit;
mod respond;
mod routes;
mod runs;
mod server;
mod sse;
mod store;
mod tls;
mod util;
mod versions;
mod webhooks;
mod wire;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;

pub use auth::{TENANT_A_KEY, TENANT_A_USER, TENANT_B_KEY, TENANT_B_USER};
pub use faults::{Fault, FaultRule, Faults};

use server::Shared;
use store::{lock, Store};

/// One request as received by the worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// HTTP version the request came in (HTTP/2 only from a worker started
    /// with [`TestWorkerConfig::http2`]).
    pub version: http::Version,
    /// HTTP method (`GET`, `POST`, …).
    pub method: String,
    /// Path and query exactly as sent (still percent-encoded).
    pub path: String,
    /// Headers in arrival order (names lower-case).
    pub headers: Vec<(String, String)>,
    /// The complete request body.
    pub body: Bytes,
}

impl RecordedRequest {
    /// First value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn body_json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The path without its query string.
    pub fn path_only(&self) -> &str {
        self.path.split('?').next().unwrap_or(&self.path)
    }
}

/// Options for [`TestWorker::start_with`].
#[derive(Debug, Clone, Default)]
pub struct TestWorkerConfig {
    tls: bool,
    spawn_runtime: bool,
    loopback_callbacks: bool,
    http2: bool,
}

impl TestWorkerConfig {
    /// Serve HTTPS with a freshly generated self-signed certificate for
    /// `localhost` and `127.0.0.1` (see [`TestWorker::ca_certificate_pem`]).
    pub fn tls(mut self, on: bool) -> Self {
        self.tls = on;
        self
    }

    /// Run the server on its own single-threaded Tokio runtime on a background
    /// thread instead of the caller's runtime.
    pub fn spawn_runtime(mut self, on: bool) -> Self {
        self.spawn_runtime = on;
        self
    }

    /// Serve HTTP/2 as well as HTTP/1.1: over TLS, ALPN offers `h2` first;
    /// in clear text a client that opens with the HTTP/2 preface (prior
    /// knowledge) gets HTTP/2.
    pub fn http2(mut self, on: bool) -> Self {
        self.http2 = on;
        self
    }

    /// Accept `callbackUrl`s and callback-tool URLs on loopback
    /// (`http://127.0.0.1:…`, `http://localhost:…`), which the worker's
    /// outbound URL policy refuses, so a test can receive the run's webhooks
    /// and answer callback tools on a local server.
    pub fn loopback_callbacks(mut self, on: bool) -> Self {
        self.loopback_callbacks = on;
        self
    }
}

enum Driver {
    /// Accept loop on the caller's runtime.
    Task(tokio::task::JoinHandle<()>),
    /// Own runtime on a background thread; dropping the sender stops it.
    Thread {
        stop: Option<tokio::sync::oneshot::Sender<()>>,
        thread: Option<std::thread::JoinHandle<()>>,
    },
}

/// A running mock worker. Dropping it shuts the server down.
pub struct TestWorker {
    addr: SocketAddr,
    cert_pem: Option<String>,
    shared: Arc<Shared>,
    driver: Driver,
}

struct Started {
    addr: SocketAddr,
    cert_pem: Option<String>,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

async fn start_here(config: &TestWorkerConfig) -> std::io::Result<Started> {
    let tls = if config.tls {
        Some(tls::generate(config.http2)?)
    } else {
        None
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    let shared = Arc::new(Shared {
        store: Arc::new(Store::new(model::builtin_agents(util::now_ms()))),
        faults: Faults::default(),
        requests: Mutex::new(Vec::new()),
        tls: tls.is_some(),
        loopback_callbacks: config.loopback_callbacks,
        http2: config.http2,
        rate_limits: Default::default(),
    });
    let acceptor = tls.as_ref().map(|t| t.acceptor.clone());
    let task = tokio::spawn(server::accept_loop(listener, acceptor, shared.clone()));
    Ok(Started {
        addr,
        cert_pem: tls.map(|t| t.cert_pem),
        shared,
        task,
    })
}

impl TestWorker {
    /// Starts a plain-HTTP worker on `127.0.0.1:0` on the current Tokio runtime.
    pub async fn start() -> std::io::Result<TestWorker> {
        Self::start_with(TestWorkerConfig::default()).await
    }

    /// Starts a worker with `config` (on the current runtime unless
    /// [`TestWorkerConfig::spawn_runtime`] is set).
    pub async fn start_with(config: TestWorkerConfig) -> std::io::Result<TestWorker> {
        if config.spawn_runtime {
            return Self::start_blocking_with(config);
        }
        let s = start_here(&config).await?;
        Ok(TestWorker {
            addr: s.addr,
            cert_pem: s.cert_pem,
            shared: s.shared,
            driver: Driver::Task(s.task),
        })
    }

    /// Starts a plain-HTTP worker on its own runtime thread (no Tokio needed by the caller).
    pub fn start_blocking() -> std::io::Result<TestWorker> {
        Self::start_blocking_with(TestWorkerConfig::default())
    }

    /// Starts a worker with `config` on its own runtime thread.
    pub fn start_blocking_with(config: TestWorkerConfig) -> std::io::Result<TestWorker> {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("agntz-testkit".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                rt.block_on(async move {
                    match start_here(&config).await {
                        Ok(s) => {
                            let _ = ready_tx.send(Ok((s.addr, s.cert_pem, s.shared)));
                            let _ = stop_rx.await;
                            s.task.abort();
                        }
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                        }
                    }
                });
                // Dropping the runtime cancels every remaining task (runs, streams).
                drop(rt);
            })?;
        let (addr, cert_pem, shared) = ready_rx
            .recv()
            .map_err(|_| std::io::Error::other("test worker thread exited during start-up"))??;
        Ok(TestWorker {
            addr,
            cert_pem,
            shared,
            driver: Driver::Thread {
                stop: Some(stop_tx),
                thread: Some(thread),
            },
        })
    }

    /// `http://127.0.0.1:PORT`, or `https://localhost:PORT` with TLS.
    pub fn base_url(&self) -> String {
        if self.cert_pem.is_some() {
            format!("https://localhost:{}", self.addr.port())
        } else {
            format!("http://127.0.0.1:{}", self.addr.port())
        }
    }

    /// The bound socket address (always on 127.0.0.1).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Tenant A's API key (user `user_ref_a`).
    pub fn api_key(&self) -> &str {
        TENANT_A_KEY
    }

    /// Tenant B's API key (user `user_ref_b`).
    pub fn api_key_b(&self) -> &str {
        TENANT_B_KEY
    }

    /// With TLS, the self-signed certificate (PEM) clients must trust.
    pub fn ca_certificate_pem(&self) -> Option<String> {
        self.cert_pem.clone()
    }

    /// Fault knobs; changes apply to subsequent requests immediately.
    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).clone()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        lock(&self.shared.requests).clear();
    }

    /// Registers a namespace root for a tenant (a user id such as
    /// [`TENANT_A_USER`]), as the hosting app does in the worker's store:
    /// the worker itself has no route for it. Until a tenant has a root,
    /// every memory and scope call answers 403; afterwards grants and scopes
    /// must lie within its roots (400 otherwise).
    pub fn register_namespace_root(&self, tenant_user: &str, root: &str) {
        let mut inner = self.shared.store.lock();
        let roots = inner
            .namespace_roots
            .entry(tenant_user.to_string())
            .or_default();
        if !roots.iter().any(|r| r == root) {
            roots.push(root.to_string());
        }
    }

    /// Stores a dataset for the tenant of `api_key` exactly as a
    /// `POST /datasets` upsert does, without going through HTTP: `dataset`
    /// is the request body (`{"id", "agentId"?, "name"?, "description"?,
    /// "items": [{"id"?, "name"?, "input", "metadata"?}], "metadata"?}`),
    /// normalized the same way (item ids default to `row_000001`, …; item
    /// keys other than those four are dropped), and written as the new active
    /// version. The dataset is then visible to `/datasets…`, eval runs and
    /// batch runs alike. Returns the new version timestamp, or `None` if the
    /// key is unknown, `dataset` is not an object with a non-blank string
    /// `id`, or the worker would reject it (an item without a string, object
    /// or array `input`, or a duplicate item id).
    pub fn seed_dataset(&self, api_key: &str, dataset: serde_json::Value) -> Option<String> {
        let header = format!("Bearer {api_key}");
        let tenant = auth::authenticate(Some(header.as_bytes())).ok()?;
        let serde_json::Value::Object(body) = dataset else {
            return None;
        };
        datasets::non_blank(body.get("id"))?;
        let fields = datasets::normalize(&body).ok()?;
        let mut inner = self.shared.store.lock();
        Some(inner.publish_dataset(tenant, fields).head().version.clone())
    }

    /// Simulates artifact `id` reaching its expiry (the shortest TTL the
    /// worker allows is a minute): from now on it is gone, as the worker's
    /// sweep leaves it: `GET /artifacts/{id}`, its content and `DELETE`
    /// answer 404, and a run that references it is refused with 400
    /// `Artifact '<id>' is missing or expired`. (The mock sweeps on every
    /// lookup; the worker sweeps at most once a minute per tenant, so it
    /// answers 410 `Artifact expired` instead when its last sweep came just
    /// before the expiry. Treat both as gone.) Returns `false` if no such
    /// artifact.
    pub fn expire_artifact(&self, id: &str) -> bool {
        let mut inner = self.shared.store.lock();
        match inner.artifacts.get_mut(id) {
            Some(artifact) => {
                // Expired already: the next lookup sweeps it.
                artifact.expires_ms = 0;
                true
            }
            None => false,
        }
    }

    /// Simulates the registry evicting a run tree from memory (as the worker does
    /// five minutes after it ends): afterwards `GET /runs/{id}/stream` answers with
    /// a single `snapshot` frame of the stored Run, cancel and client-tool results
    /// get 404, and `none`-retention runs disappear. Returns `false` if no such run.
    pub fn evict_run(&self, run_id: &str) -> bool {
        let mut inner = self.shared.store.lock();
        let Some(root) = inner.runs.get(run_id).map(|e| e.json.root_id.clone()) else {
            return false;
        };
        inner.logs.remove(&root);
        inner
            .runs
            .retain(|_, e| e.json.root_id != root || e.persisted);
        for e in inner.runs.values_mut() {
            if e.json.root_id == root {
                e.in_memory = false;
            }
        }
        true
    }
}

impl Drop for TestWorker {
    fn drop(&mut self) {
        match &mut self.driver {
            Driver::Task(task) => task.abort(),
            Driver::Thread { stop, thread } => {
                if let Some(stop) = stop.take() {
                    let _ = stop.send(());
                }
                if let Some(thread) = thread.take() {
                    let _ = thread.join();
                }
            }
        }
        // Wake every run still waiting so its task ends promptly.
        let inner = self.shared.store.lock();
        for e in inner.runs.values() {
            e.cancel.send_if_modified(|r| {
                if r.is_none() {
                    *r = Some("worker shut down".into());
                    true
                } else {
                    false
                }
            });
        }
    }
}

impl std::fmt::Debug for TestWorker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestWorker")
            .field("base_url", &self.base_url())
            .finish_non_exhaustive()
    }
}
