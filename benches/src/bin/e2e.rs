//! End-to-end benchmark over loopback.
//!
//! Starts a minimal HTTP/1.1 server (hyper, prebuilt response bytes) in a
//! child process, so its CPU, allocations and memory are not counted here,
//! then measures, for each transport (reqwest, hyper):
//!
//! - sequential `agents().run` vs the same request made with the raw client
//!   of that transport (same headers and body, response parsed into
//!   `RunResult` with serde_json, same pooled keep-alive connections);
//! - the same with 64 concurrent callers;
//! - `runs().stream` of the 100k-delta transcript (events/s, MB/s, time to
//!   first event, allocations per event, peak RSS) vs reading the raw body
//!   with the same client plus the floor parse of the same bytes;
//! - 1,000 idle streams open on one client: memory per open stream.
//!
//! Flags (all optional): `--deltas N` (100000), `--calls N` sequential calls
//! per variant (3000), `--concurrency N` (64), `--calls-per-task N` (60),
//! `--stream-reps N` (5), `--streams N` idle streams (1000), `--rounds N`
//! (3), `--only inproc|run|concurrent|stream|idle`.
//!
//! The `inproc` section repeats the criterion benches' framing and typed
//! decoding measurements with the SDK and its floor interleaved round by
//! round (median of `--rounds` x 3), so that drift of a shared machine hits
//! both sides of each ratio alike; it also counts allocations per event.

use std::convert::Infallible;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use agntz_bench::alloc::{live_bytes, peak_bytes, reset_peak, CountingAlloc, Counts};
use agntz_bench::floor::floor_parse;
use agntz_bench::transcript::{frame_ranges, run_body, transcript};
use agntz_hyper::HyperTransport;
use agntz_proto::config::Config;
use agntz_proto::types::{RunRequest, RunResult};
use agntz_proto::{Client, Transport};
use agntz_reqwest::ReqwestTransport;
use bytes::Bytes;
use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::Frame;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

const API_KEY: &str = "ar_live_bench_0123456789abcdef";
const AUTH: &str = "Bearer ar_live_bench_0123456789abcdef";
const UA: &str = "agntz-rust/0.1.0";
/// Interval between frames of an idle stream.
const IDLE_INTERVAL: Duration = Duration::from_millis(500);

#[derive(Debug, Clone)]
struct Args {
    deltas: usize,
    calls: usize,
    concurrency: usize,
    calls_per_task: usize,
    stream_reps: usize,
    streams: usize,
    rounds: usize,
    /// Whole measurements repeated; the table shows the median ratio and range.
    runs: usize,
    only: Option<String>,
}

impl Args {
    fn parse() -> Args {
        let mut a = Args {
            deltas: 100_000,
            calls: 3_000,
            concurrency: 64,
            calls_per_task: 60,
            stream_reps: 5,
            streams: 1_000,
            rounds: 3,
            runs: 1,
            only: None,
        };
        let raw: Vec<String> = std::env::args().skip(1).collect();
        let mut it = raw.iter();
        while let Some(flag) = it.next() {
            let value = it.next().unwrap_or_else(|| usage(flag));
            let n = || value.parse::<usize>().unwrap_or_else(|_| usage(flag));
            match flag.as_str() {
                "--deltas" => a.deltas = n(),
                "--calls" => a.calls = n(),
                "--concurrency" => a.concurrency = n(),
                "--calls-per-task" => a.calls_per_task = n(),
                "--stream-reps" => a.stream_reps = n().max(1),
                "--streams" => a.streams = n(),
                "--rounds" => a.rounds = n().max(1),
                "--runs" => a.runs = n().max(1),
                "--only" => a.only = Some(value.clone()),
                _ => usage(flag),
            }
        }
        a
    }

    fn wants(&self, section: &str) -> bool {
        self.only.as_deref().is_none_or(|o| o == section)
    }
}

fn usage(flag: &str) -> ! {
    eprintln!(
        "bad flag {flag}; flags: --deltas N --calls N --concurrency N --calls-per-task N \
         --stream-reps N --streams N --rounds N --runs N --only inproc|run|concurrent|stream|idle"
    );
    std::process::exit(2)
}

// ---------------------------------------------------------------- server --

type ServerBody = http_body_util::combinators::BoxBody<Bytes, Infallible>;

/// The server child: serves prebuilt bytes until its stdin closes.
fn serve(deltas: usize) {
    let t = transcript(deltas);
    let runs = Bytes::from(t.runs_stream);
    let run = Bytes::from(run_body());
    let stream_path = format!("/runs/{}/stream", t.root_run_id);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("server runtime");
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        println!("PORT {port}");
        std::io::stdout().flush().expect("stdout");
        std::thread::spawn(|| {
            // The parent holds our stdin; EOF means it is done (or died).
            let _ = std::io::stdin().read_to_end(&mut Vec::new());
            std::process::exit(0);
        });
        let state = Arc::new((runs, run, stream_path));
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                continue;
            };
            let _ = tcp.set_nodelay(true);
            let state = Arc::clone(&state);
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req| {
                    let state = Arc::clone(&state);
                    async move { Ok::<_, Infallible>(respond(req, &state).await) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(tcp), service)
                    .await;
            });
        }
    });
}

async fn respond(
    req: http::Request<hyper::body::Incoming>,
    (runs, run, stream_path): &(Bytes, Bytes, String),
) -> http::Response<ServerBody> {
    let path = req.uri().path().to_owned();
    let method = req.method().clone();
    // Read the request body so the connection stays reusable.
    let _ = req.into_body().collect().await;
    let full = |ct: &'static str, body: Bytes| {
        http::Response::builder()
            .header(CONTENT_TYPE, ct)
            .body(Full::new(body).boxed())
            .expect("response")
    };
    if method == http::Method::POST && path == "/run" {
        full("application/json", run.clone())
    } else if path == *stream_path {
        full("text/event-stream", runs.clone())
    } else if let Some(id) = path
        .strip_prefix("/runs/")
        .and_then(|p| p.strip_suffix("/stream"))
    {
        // An idle run: one frame now, then one per interval, forever.
        let id = id.to_owned();
        let frames = futures_util::stream::unfold(0u64, move |seq| {
            let id = id.clone();
            async move {
                if seq > 0 {
                    tokio::time::sleep(IDLE_INTERVAL).await;
                }
                let seq = seq + 1;
                let frame = format!(
                    "event: text-delta\ndata: {{\"type\":\"text-delta\",\"runId\":\"{id}\",\
                     \"text\":\" still working\",\"seq\":{seq}}}\nid: {seq}\n\n"
                );
                Some((Ok::<_, Infallible>(Frame::data(Bytes::from(frame))), seq))
            }
        });
        http::Response::builder()
            .header(CONTENT_TYPE, "text/event-stream")
            .body(BodyExt::boxed(StreamBody::new(frames)))
            .expect("response")
    } else {
        http::Response::builder()
            .status(404)
            .body(Full::new(Bytes::new()).boxed())
            .expect("response")
    }
}

struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(deltas: usize) -> Server {
        let exe = std::env::current_exe().expect("own path");
        let mut child = Command::new(exe)
            .arg("__serve")
            .arg(deltas.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("server port");
        let port = line.trim().strip_prefix("PORT ").expect("PORT line");
        Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

// ------------------------------------------------------------ raw clients --

type RawHyper = hyper_util::client::legacy::Client<
    hyper_util::client::legacy::connect::HttpConnector,
    Full<Bytes>,
>;

/// The transport's underlying client, used directly.
#[derive(Clone)]
enum Raw {
    Reqwest(reqwest::Client),
    Hyper(Box<RawHyper>),
}

impl Raw {
    fn reqwest() -> Raw {
        // Configured like agntz-reqwest's default client.
        Raw::Reqwest(
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .tcp_nodelay(true)
                .build()
                .expect("reqwest client"),
        )
    }

    fn hyper() -> Raw {
        // Configured like agntz-hyper's default client (minus TLS).
        let mut http = hyper_util::client::legacy::connect::HttpConnector::new();
        http.set_nodelay(true);
        Raw::Hyper(Box::new(
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .pool_timer(hyper_util::rt::TokioTimer::new())
                .build(http),
        ))
    }

    /// `POST /run` by hand: same headers and body; parse into `RunResult`.
    async fn run(&self, base: &str, request: &RunRequest) -> RunResult {
        let body = serde_json::to_vec(request).expect("request body");
        let bytes = match self {
            Raw::Reqwest(c) => {
                let resp = c
                    .post(format!("{base}/run"))
                    .header(USER_AGENT, UA)
                    .header(AUTHORIZATION, AUTH)
                    .header(CONTENT_TYPE, "application/json")
                    .body(body)
                    .send()
                    .await
                    .expect("send");
                assert!(resp.status().is_success());
                resp.bytes().await.expect("body")
            }
            Raw::Hyper(c) => {
                let req = http::Request::post(format!("{base}/run"))
                    .header(USER_AGENT, UA)
                    .header(AUTHORIZATION, AUTH)
                    .header(CONTENT_TYPE, "application/json")
                    .body(Full::new(Bytes::from(body)))
                    .expect("request");
                let resp = c.request(req).await.expect("send");
                assert!(resp.status().is_success());
                resp.into_body().collect().await.expect("body").to_bytes()
            }
        };
        serde_json::from_slice(&bytes).expect("RunResult")
    }

    /// `GET /runs/{id}/stream` by hand, reading the raw body to the end.
    /// Returns (bytes, time to first chunk).
    async fn read_stream(&self, base: &str, run_id: &str) -> (usize, Duration) {
        let start = Instant::now();
        let url = format!("{base}/runs/{run_id}/stream");
        let mut first = None;
        let mut n = 0;
        match self {
            Raw::Reqwest(c) => {
                let mut resp = c
                    .get(url)
                    .header(USER_AGENT, UA)
                    .header(AUTHORIZATION, AUTH)
                    .header(ACCEPT, "text/event-stream")
                    .send()
                    .await
                    .expect("send");
                while let Some(chunk) = resp.chunk().await.expect("chunk") {
                    first.get_or_insert_with(|| start.elapsed());
                    n += chunk.len();
                }
            }
            Raw::Hyper(c) => {
                let req = http::Request::get(url)
                    .header(USER_AGENT, UA)
                    .header(AUTHORIZATION, AUTH)
                    .header(ACCEPT, "text/event-stream")
                    .body(Full::new(Bytes::new()))
                    .expect("request");
                let mut body = c.request(req).await.expect("send").into_body();
                while let Some(frame) = body.frame().await {
                    if let Ok(data) = frame.expect("frame").into_data() {
                        first.get_or_insert_with(|| start.elapsed());
                        n += data.len();
                    }
                }
            }
        }
        (n, first.unwrap_or_default())
    }

    /// Opens a stream and reads its first chunk; the response is kept open.
    async fn open_idle(&self, base: &str, run_id: &str) -> RawOpen {
        let url = format!("{base}/runs/{run_id}/stream");
        match self {
            Raw::Reqwest(c) => {
                let mut resp = c
                    .get(url)
                    .header(AUTHORIZATION, AUTH)
                    .header(ACCEPT, "text/event-stream")
                    .send()
                    .await
                    .expect("send");
                resp.chunk().await.expect("chunk").expect("first chunk");
                RawOpen::Reqwest(resp)
            }
            Raw::Hyper(c) => {
                let req = http::Request::get(url)
                    .header(AUTHORIZATION, AUTH)
                    .header(ACCEPT, "text/event-stream")
                    .body(Full::new(Bytes::new()))
                    .expect("request");
                let mut body = c.request(req).await.expect("send").into_body();
                body.frame().await.expect("first frame").expect("frame");
                RawOpen::Hyper(body)
            }
        }
    }
}

enum RawOpen {
    Reqwest(reqwest::Response),
    Hyper(hyper::body::Incoming),
}

impl RawOpen {
    async fn next(&mut self) {
        match self {
            RawOpen::Reqwest(r) => {
                r.chunk().await.expect("chunk").expect("chunk");
            }
            RawOpen::Hyper(b) => {
                b.frame().await.expect("frame").expect("frame");
            }
        }
    }
}

// ------------------------------------------------------------ SDK clients --

fn config(base: &str) -> Config {
    Config::builder()
        .base_url(base)
        .api_key(API_KEY)
        .build()
        .expect("config")
}

fn sdk_reqwest(base: &str) -> Client<ReqwestTransport> {
    Client::new(
        config(base),
        ReqwestTransport::builder().build().expect("transport"),
    )
}

fn sdk_hyper(base: &str) -> Client<HyperTransport> {
    Client::new(
        config(base),
        HyperTransport::builder().build().expect("transport"),
    )
}

fn run_request() -> RunRequest {
    RunRequest::new("research-writer")
        .input(serde_json::json!({ "topic": "SSE client performance", "depth": 3 }))
        .session_id("sess_1kq9Wc7xR2pM")
}

// --------------------------------------------------------------- measures --

/// One caller's calls, SDK or raw.
enum Caller<T: Transport> {
    Sdk(Client<T>),
    Raw(Raw, String),
}

impl<T: Transport> Clone for Caller<T> {
    fn clone(&self) -> Self {
        match self {
            Caller::Sdk(c) => Caller::Sdk(c.clone()),
            Caller::Raw(r, b) => Caller::Raw(r.clone(), b.clone()),
        }
    }
}

impl<T: Transport> Caller<T> {
    async fn call(&self, request: &RunRequest) {
        let result = match self {
            Caller::Sdk(c) => c.agents().run(request.clone()).await.expect("run"),
            Caller::Raw(raw, base) => raw.run(base, request).await,
        };
        assert_eq!(result.status, "completed");
    }

    /// Mean cost per call of `n` sequential calls.
    async fn sequential(&self, n: usize) -> Cost {
        let request = run_request();
        let start = Cost::start();
        for _ in 0..n {
            self.call(&request).await;
        }
        Cost::per_call(start, n)
    }

    /// Cost per call (wall time: elapsed / calls) of `tasks` concurrent
    /// callers making `each` calls.
    async fn concurrent(&self, tasks: usize, each: usize) -> Cost {
        let start = Cost::start();
        let handles: Vec<_> = (0..tasks)
            .map(|_| {
                let me = self.clone();
                tokio::spawn(async move {
                    let request = run_request();
                    for _ in 0..each {
                        me.call(&request).await;
                    }
                })
            })
            .collect();
        for h in handles {
            h.await.expect("caller task");
        }
        Cost::per_call(start, tasks * each)
    }
}

/// Runs `sdk` and `raw` alternately `rounds` times; returns the median of
/// each, wall and CPU time taken separately (a round hit by the shared VM's
/// steal time does not move it).
async fn interleaved<F, Fut>(rounds: usize, mut measure: F) -> (Cost, Cost)
where
    F: FnMut(bool) -> Fut,
    Fut: std::future::Future<Output = Cost>,
{
    let (mut sdk, mut raw) = (Vec::new(), Vec::new());
    for round in 0..rounds.max(1) {
        // Each side goes first in every other round, so neither always
        // meets the machine as the other left it.
        if round % 2 == 0 {
            sdk.push(measure(true).await);
            raw.push(measure(false).await);
        } else {
            raw.push(measure(false).await);
            sdk.push(measure(true).await);
        }
    }
    (median_cost(sdk), median_cost(raw))
}

/// Median wall time and median CPU time of `costs`.
fn median_cost(costs: Vec<Cost>) -> Cost {
    let mid = |mut v: Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let mut allocations: Vec<f64> = costs.iter().map(|c| c.allocations).collect();
    allocations.sort_by(f64::total_cmp);
    Cost {
        wall: mid(costs.iter().map(|c| c.wall).collect()),
        cpu: mid(costs.iter().map(|c| c.cpu).collect()),
        allocations: allocations[allocations.len() / 2],
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct StreamFigures {
    time: Duration,
    first: Duration,
    allocations: u64,
    /// Peak live heap above the live heap at the start, in bytes.
    peak_heap: u64,
}

async fn sdk_stream<T: Transport>(
    client: &Client<T>,
    run_id: &str,
    expected: usize,
) -> StreamFigures {
    let heap_start = live_bytes();
    reset_peak();
    let counts = Counts::now();
    let start = Instant::now();
    let mut stream = client.runs().stream(run_id).await.expect("open stream");
    let mut first = None;
    let mut n = 0;
    while let Some(event) = stream.next().await {
        std::hint::black_box(event.expect("event"));
        first.get_or_insert_with(|| start.elapsed());
        n += 1;
    }
    let time = start.elapsed();
    let allocations = Counts::since(counts).allocations;
    assert_eq!(n, expected, "events of the SDK stream");
    StreamFigures {
        time,
        first: first.unwrap_or_default(),
        allocations,
        peak_heap: peak_bytes() - heap_start,
    }
}

async fn raw_stream(raw: &Raw, base: &str, run_id: &str, expected_bytes: usize) -> StreamFigures {
    let heap_start = live_bytes();
    reset_peak();
    let counts = Counts::now();
    let start = Instant::now();
    let (n, first) = raw.read_stream(base, run_id).await;
    let time = start.elapsed();
    let allocations = Counts::since(counts).allocations;
    assert_eq!(n, expected_bytes, "bytes of the raw stream");
    StreamFigures {
        time,
        first,
        allocations,
        peak_heap: peak_bytes() - heap_start,
    }
}

fn median(mut v: Vec<StreamFigures>) -> StreamFigures {
    v.sort_by_key(|f| f.time);
    v[v.len() / 2]
}

/// CPU time this thread has run (`/proc/thread-self/schedstat`, ns), zero
/// where unavailable. The client runs on a current-thread runtime, so this
/// is all of the client's work: SDK, transport and connection tasks.
fn thread_cpu() -> Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|n| n.parse().ok()))
        .map_or(Duration::ZERO, Duration::from_nanos)
}

/// What one call cost: wall time, client CPU time, heap allocations.
#[derive(Debug, Clone, Copy, Default)]
struct Cost {
    wall: Duration,
    cpu: Duration,
    allocations: f64,
}

impl Cost {
    /// Starts measuring.
    fn start() -> (Instant, Duration, Counts) {
        (Instant::now(), thread_cpu(), Counts::now())
    }

    /// Per call, for `calls` calls since `start`.
    fn per_call(start: (Instant, Duration, Counts), calls: usize) -> Cost {
        let allocations = Counts::since(start.2).allocations;
        let calls = calls.max(1);
        Cost {
            wall: start.0.elapsed() / calls as u32,
            cpu: thread_cpu().saturating_sub(start.1) / calls as u32,
            allocations: allocations as f64 / calls as f64,
        }
    }
}

/// A line of `/proc/self/status`, in KiB (0 where unavailable).
fn rss_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

// ------------------------------------------------------------------ table --

/// One figure of a run.
struct Row {
    figure: String,
    sdk: String,
    base: String,
    /// `None` for information rows.
    ratio: Option<f64>,
    target: String,
}

impl Row {
    /// Whether `ratio` meets the target (`None` when there is none).
    fn meets(&self, ratio: f64) -> Option<bool> {
        let (op, t) = self.target.split_once(' ')?;
        let t = t.trim_end_matches('x').parse::<f64>().ok()?;
        match op {
            "≥" => Some(ratio >= t),
            "≤" => Some(ratio <= t),
            _ => None,
        }
    }
}

#[derive(Default)]
struct Table {
    rows: Vec<Row>,
}

impl Table {
    fn row(&mut self, figure: &str, sdk: String, base: String, ratio: f64, target: &str) {
        self.rows.push(Row {
            figure: figure.to_owned(),
            sdk,
            base,
            ratio: Some(ratio),
            target: target.to_owned(),
        });
    }

    fn info(&mut self, figure: &str, sdk: String, base: String) {
        self.rows.push(Row {
            figure: figure.to_owned(),
            sdk,
            base,
            ratio: None,
            target: "-".into(),
        });
    }
}

/// Prints the figures of one or more runs: absolute figures from the first
/// run; with several runs, the median ratio with its range, and a verdict
/// that says in how many runs the target was met.
fn print_runs(runs: &[Table]) {
    let Some(first) = runs.first() else { return };
    let ratio_head = if runs.len() > 1 {
        format!("ratio, median of {} runs [range]", runs.len())
    } else {
        "ratio".to_owned()
    };
    println!(
        "| figure | SDK (run 1) | floor / raw client (run 1) | {ratio_head} | target | verdict |"
    );
    println!("|---|---|---|---|---|---|");
    for (i, row) in first.rows.iter().enumerate() {
        let mut ratios: Vec<f64> = runs
            .iter()
            .filter_map(|t| t.rows.get(i).and_then(|r| r.ratio))
            .collect();
        ratios.sort_by(f64::total_cmp);
        let (ratio, verdict) = match ratios.as_slice() {
            [] => ("-".to_owned(), "-".to_owned()),
            [only] => (
                format!("{only:.2}x"),
                verdict(row.meets(*only).into_iter().collect()),
            ),
            all => (
                format!(
                    "{:.2}x [{:.2}–{:.2}]",
                    (all[(all.len() - 1) / 2] + all[all.len() / 2]) / 2.0,
                    all[0],
                    all[all.len() - 1]
                ),
                verdict(all.iter().filter_map(|r| row.meets(*r)).collect()),
            ),
        };
        println!(
            "| {} | {} | {} | {} | {} | {} |",
            row.figure, row.sdk, row.base, ratio, row.target, verdict
        );
    }
}

/// "met", "MISSED", or "met in k of n runs"; "-" without a target.
fn verdict(met: Vec<bool>) -> String {
    let k = met.iter().filter(|m| **m).count();
    match (k, met.len()) {
        (_, 0) => "-".to_owned(),
        (k, n) if k == n => "met".to_owned(),
        (0, _) => "MISSED".to_owned(),
        (k, n) => format!("met in {k} of {n} runs"),
    }
}

fn us(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

// ------------------------------------------------------------------- main --

fn main() {
    let raw_args: Vec<String> = std::env::args().collect();
    if raw_args.get(1).map(String::as_str) == Some("__serve") {
        serve(
            raw_args
                .get(2)
                .and_then(|d| d.parse().ok())
                .unwrap_or(100_000),
        );
        return;
    }
    let args = Args::parse();
    let started = Instant::now();
    eprintln!("generating the {}-delta transcript...", args.deltas);
    let t = transcript(args.deltas);
    let server = Server::start(args.deltas);
    let base = server.base.clone();
    eprintln!("server at {base}");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    let mut tables = Vec::new();
    for run in 0..args.runs {
        if args.runs > 1 {
            eprintln!("run {} of {}", run + 1, args.runs);
        }
        let mut table = Table::default();
        rt.block_on(async {
            let reqwest_sdk = sdk_reqwest(&base);
            let hyper_sdk = sdk_hyper(&base);
            let reqwest_raw = Raw::reqwest();
            let hyper_raw = Raw::hyper();

            if args.wants("inproc") {
                eprintln!("in-process decoding (interleaved with its floors)...");
                inproc_section(&args, &t, &mut table);
            }
            if args.wants("run") {
                eprintln!("sequential agents().run...");
                for (name, pair) in [
                    (
                        "reqwest",
                        run_pair(&args, &reqwest_sdk, &reqwest_raw, &base, false).await,
                    ),
                    (
                        "hyper",
                        run_pair(&args, &hyper_sdk, &hyper_raw, &base, false).await,
                    ),
                ] {
                    let (sdk, raw) = pair;
                    table.row(
                        &format!("`agents().run` sequential, {name} (per call)"),
                        us(sdk.wall),
                        us(raw.wall),
                        ratio(sdk.wall, raw.wall),
                        "≤ 1.15x",
                    );
                    table.row(
                        &format!("`agents().run` sequential, {name}: heap allocations per call"),
                        format!("{:.1}", sdk.allocations),
                        format!("{:.1}", raw.allocations),
                        sdk.allocations / raw.allocations.max(1.0),
                        "-",
                    );
                }
                aa_rows(&args, &base, [&reqwest_raw, &hyper_raw], false, &mut table).await;
            }
            if args.wants("concurrent") {
                eprintln!("{} concurrent agents().run callers...", args.concurrency);
                let n = args.concurrency;
                for (name, pair) in [
                    (
                        "reqwest",
                        run_pair(&args, &reqwest_sdk, &reqwest_raw, &base, true).await,
                    ),
                    (
                        "hyper",
                        run_pair(&args, &hyper_sdk, &hyper_raw, &base, true).await,
                    ),
                ] {
                    let (sdk, raw) = pair;
                    table.row(
                        &format!("`agents().run` {n} concurrent, {name} (wall time per call)"),
                        us(sdk.wall),
                        us(raw.wall),
                        ratio(sdk.wall, raw.wall),
                        "≤ 1.15x",
                    );
                    // Where the wall time goes on the client: its own CPU time.
                    table.row(
                        &format!("`agents().run` {n} concurrent, {name}: client CPU time per call"),
                        us(sdk.cpu),
                        us(raw.cpu),
                        ratio(sdk.cpu, raw.cpu),
                        "-",
                    );
                }
                aa_rows(&args, &base, [&reqwest_raw, &hyper_raw], true, &mut table).await;
            }
            if args.wants("stream") {
                eprintln!("runs().stream of the transcript...");
                stream_section(
                    &args,
                    &t,
                    &base,
                    &mut table,
                    &reqwest_sdk,
                    &reqwest_raw,
                    "reqwest",
                )
                .await;
                stream_section(
                    &args, &t, &base, &mut table, &hyper_sdk, &hyper_raw, "hyper",
                )
                .await;
            }
            if args.wants("idle") {
                eprintln!("{} idle streams...", args.streams);
                drop((reqwest_sdk, hyper_sdk, reqwest_raw, hyper_raw));
                idle_section(&args, &base, &mut table).await;
            }
        });
        tables.push(table);
    }
    drop(rt);
    drop(server);
    println!();
    println!(
        "e2e: {} run(s) of {} deltas ({} bytes, {} frames), {} sequential calls x {} rounds, \
         {} callers x {} calls, {} stream reps, {} idle streams; {:.0} s",
        args.runs,
        args.deltas,
        t.runs_stream.len(),
        frame_ranges(&t.runs_stream).len(),
        args.calls,
        args.rounds,
        args.concurrency,
        args.calls_per_task,
        args.stream_reps,
        args.streams,
        started.elapsed().as_secs_f64()
    );
    println!(
        "peak RSS of the client process over the whole run (VmHWM): {:.1} MiB \
         (includes the transcript and the in-process one-chunk decoding copies)",
        rss_kib("VmHWM") as f64 / 1024.0
    );
    println!();
    print_runs(&tables);
}

/// Median time of `f` over rounds interleaved with the others of `fs`.
fn interleaved_medians(rounds: usize, fs: &mut [&mut dyn FnMut()]) -> Vec<Duration> {
    let mut times = vec![Vec::with_capacity(rounds); fs.len()];
    for f in fs.iter_mut() {
        f(); // warm-up
    }
    for _ in 0..rounds {
        for (f, t) in fs.iter_mut().zip(&mut times) {
            let start = Instant::now();
            f();
            t.push(start.elapsed());
        }
    }
    times
        .into_iter()
        .map(|mut t| {
            t.sort();
            t[t.len() / 2]
        })
        .collect()
}

fn inproc_section(args: &Args, t: &agntz_bench::transcript::Transcript, table: &mut Table) {
    use agntz_bench::chunks::{frame_all, Chunkings};
    use agntz_bench::floor::{
        count_frames, count_frames_chunked, parse_payload_with, payloads, Parse,
    };
    use agntz_proto::stream::{RunFrames, StreamDecoder};
    use std::hint::black_box;

    let bytes = t.runs_stream.as_slice();
    let frames = frame_ranges(bytes);
    let expected = frames.len();
    let payloads = payloads(bytes);
    let chunks = Chunkings::new(bytes);
    let all = Bytes::copy_from_slice(bytes);
    let framing = |chunks: &[Bytes]| assert_eq!(frame_all(chunks), expected);
    let typed = |chunk: usize| {
        let mut d = StreamDecoder::new(
            RunFrames::new(t.root_run_id.clone(), false),
            agntz_proto::sse::DEFAULT_MAX_EVENT_SIZE,
        );
        let mut n = 0;
        for c in agntz_bench::chunks::fixed(&all, chunk) {
            d.feed_bytes(c);
            while let Some(e) = d.next() {
                black_box(e.expect("event"));
                n += 1;
            }
        }
        assert!(d.finish().is_none());
        assert_eq!(n, expected);
    };
    let serde_floor = |how: Parse| {
        let mut n = 0;
        for (kind, data) in &payloads {
            n += usize::from(parse_payload_with(
                how,
                *kind,
                black_box(&bytes[data.clone()]),
            ));
        }
        assert_eq!(n, expected);
    };
    let rounds = args.rounds * 3;
    let m = interleaved_medians(
        rounds,
        &mut [
            &mut || assert_eq!(count_frames(black_box(bytes)), expected),
            &mut || framing(&chunks.whole),
            &mut || framing(&chunks.per_frame),
            &mut || framing(&chunks.k64),
            &mut || assert_eq!(count_frames_chunked(&chunks.per_frame), expected),
        ],
    );
    let gbs = |d: Duration| format!("{:.2} GB/s", bytes.len() as f64 / 1e9 / d.as_secs_f64());
    for (name, d) in [
        ("one chunk", m[1]),
        ("one chunk per frame", m[2]),
        ("64 KiB chunks", m[3]),
    ] {
        table.row(
            &format!("SSE framing, {name} (throughput vs memchr `\\n\\n` scan)"),
            format!("{} ({})", ms(d), gbs(d)),
            format!("{} ({})", ms(m[0]), gbs(m[0])),
            ratio(m[0], d),
            "≥ 0.5x",
        );
    }
    // What the floor itself costs when fed one chunk per frame: the bound
    // for any decoder fed those chunks.
    table.row(
        "framing floor itself on one chunk per frame (memchr `\\n\\n` scan of each chunk as handed over) vs on one chunk",
        format!("{} ({})", ms(m[4]), gbs(m[4])),
        format!("{} ({})", ms(m[0]), gbs(m[0])),
        ratio(m[0], m[4]),
        "-",
    );
    table.row(
        "SSE framing, one chunk per frame, vs the floor on the same chunks",
        format!("{} ({})", ms(m[2]), gbs(m[2])),
        format!("{} ({})", ms(m[4]), gbs(m[4])),
        ratio(m[4], m[2]),
        "-",
    );
    let m = interleaved_medians(
        rounds,
        &mut [
            &mut || serde_floor(Parse::Slice),
            &mut || typed(bytes.len()),
            &mut || typed(64 * 1024),
            &mut || assert_eq!(floor_parse(black_box(bytes)), expected),
            &mut || serde_floor(Parse::Str),
        ],
    );
    for (name, d) in [("one chunk", m[1]), ("64 KiB chunks", m[2])] {
        table.row(
            &format!("typed decoding (framing + `RunEvent`), {name}, vs serde_json floor"),
            format!("{} ({})", ms(d), gbs(d)),
            format!("{} ({})", ms(m[0]), gbs(m[0])),
            ratio(m[0], d),
            "≥ 0.8x",
        );
    }
    // The least framing there is (not a conforming SSE decoder: it splits
    // at `\n\n` and cuts the two lines of this exact format) plus the same
    // parsing: how much room the typed target leaves for framing.
    table.row(
        "typed floor plus the least framing (memchr `\\n\\n` split, fixed-format cut, serde_json) vs serde_json floor",
        format!("{} ({})", ms(m[3]), gbs(m[3])),
        format!("{} ({})", ms(m[0]), gbs(m[0])),
        ratio(m[0], m[3]),
        "-",
    );
    // The SDK checks each payload's UTF-8 once and parses it as a `&str`
    // (`from_slice` checks every string on its own): what that alone is
    // worth, with no framing.
    table.row(
        "typed floor parsing as the SDK does (one UTF-8 check per payload, then `serde_json::from_str`) vs serde_json floor",
        format!("{} ({})", ms(m[4]), gbs(m[4])),
        format!("{} ({})", ms(m[0]), gbs(m[0])),
        ratio(m[0], m[4]),
        "-",
    );
    // Allocations: the decoder path vs the floor (which allocates exactly
    // the owned strings, vectors and boxes handed to the user).
    let heap_start = live_bytes();
    reset_peak();
    let c = Counts::now();
    typed(64 * 1024);
    let sdk_allocs = Counts::since(c).allocations;
    let sdk_peak = peak_bytes() - heap_start;
    let heap_start = live_bytes();
    reset_peak();
    typed(1024);
    let sdk_peak_1k = peak_bytes() - heap_start;
    let c = Counts::now();
    serde_floor(Parse::Slice);
    let floor_allocs = Counts::since(c).allocations;
    let per = |a: u64| a as f64 / expected as f64;
    table.row(
        "decoder path: heap allocations per event beyond the owned strings (64 KiB chunks)",
        format!(
            "{:.3} ({:.2} in all)",
            per(sdk_allocs.saturating_sub(floor_allocs)),
            per(sdk_allocs)
        ),
        format!("{:.2} (serde floor: the owned strings)", per(floor_allocs)),
        per(sdk_allocs.saturating_sub(floor_allocs)) / 2.0,
        "≤ 1.00x",
    );
    table.info(
        "decoder path: peak heap growth while decoding the transcript",
        format!(
            "{:.0} KiB in 64 KiB chunks, {:.0} KiB in 1 KiB chunks",
            sdk_peak as f64 / 1024.0,
            sdk_peak_1k as f64 / 1024.0
        ),
        "(largest frame: the root `run-complete`, ~1.9 MB)".into(),
    );
}

/// SDK time / raw time.
fn ratio(sdk: Duration, raw: Duration) -> f64 {
    sdk.as_secs_f64() / raw.as_secs_f64()
}

/// [`run_pair`]'s concurrent measurement with the raw client on both sides.
/// The raw clients (reqwest, hyper) measured against themselves, the way
/// `agents().run` is measured: how far two identical callers drift apart
/// on this machine.
async fn aa_rows(args: &Args, base: &str, raws: [&Raw; 2], concurrent: bool, table: &mut Table) {
    let how = if concurrent {
        format!("{} concurrent", args.concurrency)
    } else {
        "sequential".to_owned()
    };
    for (name, raw) in ["reqwest", "hyper"].into_iter().zip(raws) {
        let raw: Caller<ReqwestTransport> = Caller::Raw(raw.clone(), base.to_owned());
        let (a, b) = measure_pair(args, raw.clone(), raw, concurrent).await;
        table.row(
            &format!("`agents().run` {how}, {name}: raw client vs itself (A/A)"),
            us(a.wall),
            us(b.wall),
            ratio(a.wall, b.wall),
            "-",
        );
    }
}

async fn run_pair<T: Transport>(
    args: &Args,
    sdk: &Client<T>,
    raw: &Raw,
    base: &str,
    concurrent: bool,
) -> (Cost, Cost) {
    let raw = Caller::Raw(raw.clone(), base.to_owned());
    measure_pair(args, Caller::Sdk(sdk.clone()), raw, concurrent).await
}

/// Warms up `a` and `b`, then measures them in interleaved rounds.
async fn measure_pair<T: Transport>(
    args: &Args,
    a: Caller<T>,
    b: Caller<T>,
    concurrent: bool,
) -> (Cost, Cost) {
    // Warm up both (connections, caches).
    for c in [&a, &b] {
        if concurrent {
            c.concurrent(args.concurrency, 5).await;
        } else {
            c.sequential(200).await;
        }
    }
    interleaved(args.rounds, |first| {
        let c = if first { a.clone() } else { b.clone() };
        async move {
            if concurrent {
                c.concurrent(args.concurrency, args.calls_per_task).await
            } else {
                c.sequential(args.calls / args.rounds).await
            }
        }
    })
    .await
}

#[allow(clippy::too_many_arguments)]
async fn stream_section<T: Transport>(
    args: &Args,
    t: &agntz_bench::transcript::Transcript,
    base: &str,
    table: &mut Table,
    sdk: &Client<T>,
    raw: &Raw,
    name: &str,
) {
    let frames = frame_ranges(&t.runs_stream).len();
    let bytes = t.runs_stream.len();
    // Floor parse of the same bytes, in this process, same run.
    let floor_counts = Counts::now();
    assert_eq!(floor_parse(&t.runs_stream), frames);
    let floor_allocs = Counts::since(floor_counts).allocations;
    let mut floor_times = Vec::new();
    let (mut s, mut r) = (Vec::new(), Vec::new());
    // Warm-up.
    sdk_stream(sdk, &t.root_run_id, frames).await;
    raw_stream(raw, base, &t.root_run_id, bytes).await;
    for _ in 0..args.stream_reps {
        s.push(sdk_stream(sdk, &t.root_run_id, frames).await);
        r.push(raw_stream(raw, base, &t.root_run_id, bytes).await);
        let start = Instant::now();
        std::hint::black_box(floor_parse(std::hint::black_box(&t.runs_stream)));
        floor_times.push(start.elapsed());
    }
    floor_times.sort();
    let floor = floor_times[floor_times.len() / 2];
    let (s, r) = (median(s), median(r));
    let base_time = r.time + floor;
    let per_s = |n: usize, d: Duration| n as f64 / d.as_secs_f64();
    let mb_s = |d: Duration| bytes as f64 / 1e6 / d.as_secs_f64();
    table.row(
        &format!("`runs().stream` {name}: events/s"),
        format!("{:.0}", per_s(frames, s.time)),
        format!(
            "{:.0} (raw read {} + floor parse {})",
            per_s(frames, base_time),
            ms(r.time),
            ms(floor)
        ),
        base_time.as_secs_f64() / s.time.as_secs_f64(),
        "≥ 0.8x",
    );
    table.info(
        &format!("`runs().stream` {name}: MB/s"),
        format!("{:.1}", mb_s(s.time)),
        format!(
            "{:.1} with floor parse; raw read alone {:.1}",
            mb_s(base_time),
            mb_s(r.time)
        ),
    );
    table.info(
        &format!("`runs().stream` {name}: time to first event"),
        ms(s.first),
        format!("{} (first raw chunk)", ms(r.first)),
    );
    let per_event = |a: u64| a as f64 / frames as f64;
    table.info(
        &format!("`runs().stream` {name}: heap allocations per event"),
        format!("{:.2}", per_event(s.allocations)),
        format!(
            "raw read {:.2} + floor parse {:.2} (the owned strings)",
            per_event(r.allocations),
            per_event(floor_allocs)
        ),
    );
    table.info(
        &format!("`runs().stream` {name}: peak heap growth while streaming"),
        format!("{:.0} KiB", s.peak_heap as f64 / 1024.0),
        format!("{:.0} KiB (raw read)", r.peak_heap as f64 / 1024.0),
    );
}

/// Growth while `n` streams were open: RSS in KiB, live heap in bytes.
#[derive(Debug, Clone, Copy)]
struct Idle {
    rss: u64,
    heap: u64,
}

async fn idle_section(args: &Args, base: &str, table: &mut Table) {
    let n = args.streams;
    let sdk_r = idle_sdk(sdk_reqwest(base), n).await;
    let sdk_h = idle_sdk(sdk_hyper(base), n).await;
    let raw_r = idle_raw(Raw::reqwest(), base, n).await;
    let raw_h = idle_raw(Raw::hyper(), base, n).await;
    for (name, sdk, raw) in [("reqwest", sdk_r, raw_r), ("hyper", sdk_h, raw_h)] {
        let heap = sdk.heap as f64 / 1024.0 / n as f64;
        let heap_raw = raw.heap as f64 / 1024.0 / n as f64;
        table.row(
            &format!("{n} idle streams, {name}: client heap per open stream (live heap delta / streams; ratio to 64 KiB)"),
            format!("{heap:.1} KiB"),
            format!("{heap_raw:.1} KiB (raw client, response held open)"),
            heap / 64.0,
            "≤ 1.00x",
        );
        table.info(
            &format!("{n} idle streams, {name}: RSS delta / streams"),
            format!("{:.1} KiB", sdk.rss as f64 / n as f64),
            format!("{:.1} KiB (raw client)", raw.rss as f64 / n as f64),
        );
    }
}

/// Opens `n` SDK streams, waits for two events on each; returns RSS before
/// and (max) after, in KiB.
async fn idle_sdk<T: Transport>(client: Client<T>, n: usize) -> Idle {
    // One stream first, so one-time setup is not counted per stream.
    let mut warm = client.runs().stream("run_idle_warm").await.expect("open");
    warm.next().await.expect("event").expect("event");
    drop(warm);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = rss_kib("VmRSS");
    let heap_before = live_bytes();
    let mut handles = Vec::with_capacity(n);
    for i in 0..n {
        let client = client.clone();
        handles.push(tokio::spawn(async move {
            let mut s = client
                .runs()
                .stream(&format!("run_idle_{i}"))
                .await
                .expect("open");
            s.next().await.expect("event").expect("event");
            s
        }));
    }
    let mut streams = Vec::with_capacity(n);
    for h in handles {
        streams.push(h.await.expect("task"));
    }
    let open = rss_kib("VmRSS");
    let heap_open = live_bytes();
    for s in &mut streams {
        s.next().await.expect("event").expect("event");
    }
    let idle = Idle {
        rss: rss_kib("VmRSS").max(open).saturating_sub(before),
        heap: live_bytes().max(heap_open).saturating_sub(heap_before),
    };
    drop(streams);
    idle
}

async fn idle_raw(raw: Raw, base: &str, n: usize) -> Idle {
    drop(raw.open_idle(base, "run_idle_warm").await);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = rss_kib("VmRSS");
    let heap_before = live_bytes();
    let mut handles = Vec::with_capacity(n);
    for i in 0..n {
        let raw = raw.clone();
        let base = base.to_owned();
        handles.push(tokio::spawn(async move {
            raw.open_idle(&base, &format!("run_idle_{i}")).await
        }));
    }
    let mut open = Vec::with_capacity(n);
    for h in handles {
        open.push(h.await.expect("task"));
    }
    let first = rss_kib("VmRSS");
    let heap_first = live_bytes();
    for o in &mut open {
        o.next().await;
    }
    let idle = Idle {
        rss: rss_kib("VmRSS").max(first).saturating_sub(before),
        heap: live_bytes().max(heap_first).saturating_sub(heap_before),
    };
    drop(open);
    idle
}
