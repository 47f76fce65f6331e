//! Soak test of the resuming run stream over loopback.
//!
//! `cargo run --release -p agntz-bench --bin soak -- --streams 100 --minutes 10 --seed 1`
//!
//! Runs N concurrent `runs().stream()` readers (half over reqwest, half
//! over hyper) against a local server in a child process that injects cuts
//! (also inside frames), early clean ends, stalls past the idle timeout,
//! resends from before `since` (duplicates), empty bodies and `503`s at
//! random, from a seeded RNG. Each reader streams one run after another
//! until the time is up, and checks every run as it ends: the events it
//! delivered are exactly the events the server sent whole (asked of the
//! server, which then forgets the run), each once and in order, with the
//! payload the server derives from the run id and seq; the stream ends with
//! the run's terminal event or a typed error, never silently.
//!
//! It prints the counts (events sent and delivered, reconnects, answers by
//! kind, typed errors by kind) and the client's RSS and live heap sampled
//! over time, and exits non-zero on any mismatch or hang. Flags (all
//! optional): `--streams N` (100), `--minutes M` (10, fractions allowed),
//! `--seed S` (1), `--sample-secs N` (10).

mod server;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use agntz_bench::alloc::{live_bytes, CountingAlloc};
use agntz_hyper::HyperTransport;
use agntz_proto::events::RunEvent;
use agntz_proto::{Client, Config, Error, RetryPolicy, Transport};
use agntz_reqwest::ReqwestTransport;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

const API_KEY: &str = "ar_live_soak_0123456789abcdef";

/// The client's idle timeout, and how long a stalling answer stays silent.
const IDLE: Duration = Duration::from_millis(300);
pub(crate) const STALL: Duration = Duration::from_millis(700);

/// Longer than any run may take, faults included: a run still going after
/// this is a hang.
const RUN_BOUND: Duration = Duration::from_secs(120);

/// How many events run `id` has (the last is its `run-complete`).
pub(crate) fn events_of(id: &str) -> u64 {
    20 + hash_str(id) % 180
}

/// The frame of event `seq` of run `id` of `n` events: text deltas whose
/// text names the run and seq, a child's `run-complete` now and then (not
/// terminal), and the run's own `run-complete` last.
pub(crate) fn frame(id: &str, seq: u64, n: u64) -> String {
    if seq == n {
        format!("event: run-complete\ndata: {{\"runId\":\"{id}\",\"seq\":{seq}}}\nid: {seq}\n\n")
    } else if seq.is_multiple_of(17) {
        format!(
            "event: run-complete\ndata: {{\"runId\":\"{id}_child\",\"seq\":{seq}}}\nid: {seq}\n\n"
        )
    } else {
        format!(
            "event: text-delta\ndata: {{\"runId\":\"{id}\",\"text\":\"{id}:{seq}\",\"seq\":{seq}}}\nid: {seq}\n\n"
        )
    }
}

/// Whether the server never lets run `id` get past its first cut.
pub(crate) fn is_stuck(id: &str) -> bool {
    mix(&[hash_str(id)]).is_multiple_of(100)
}

/// FNV-1a of a string (stable across processes).
pub(crate) fn hash_str(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// Mixes numbers into one seed.
pub(crate) fn mix(parts: &[u64]) -> u64 {
    parts.iter().fold(0x9e37_79b9_7f4a_7c15, |h, p| {
        let x = (h ^ p).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        x ^ (x >> 31)
    })
}

struct Args {
    streams: usize,
    minutes: f64,
    seed: u64,
    sample_secs: u64,
}

impl Args {
    fn parse() -> Args {
        let mut a = Args {
            streams: 100,
            minutes: 10.0,
            seed: 1,
            sample_secs: 10,
        };
        let raw: Vec<String> = std::env::args().skip(1).collect();
        let mut it = raw.iter();
        while let Some(flag) = it.next() {
            let value = it.next().unwrap_or_else(|| usage(flag));
            let n = || value.parse::<u64>().unwrap_or_else(|_| usage(flag));
            match flag.as_str() {
                "--streams" => a.streams = n() as usize,
                "--minutes" => a.minutes = value.parse().unwrap_or_else(|_| usage(flag)),
                "--seed" => a.seed = n(),
                "--sample-secs" => a.sample_secs = n().max(1),
                _ => usage(flag),
            }
        }
        a
    }
}

fn usage(flag: &str) -> ! {
    eprintln!("bad flag {flag}; flags: --streams N --minutes M --seed S --sample-secs N");
    std::process::exit(2)
}

/// The server child. Closing its stdin makes it print its counters.
struct Server {
    child: Child,
    stdout: BufReader<ChildStdout>,
    base: String,
}

impl Server {
    fn start(seed: u64) -> Server {
        let exe = std::env::current_exe().expect("own path");
        let mut child = Command::new(exe)
            .arg("__serve")
            .arg(seed.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn server");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        stdout.read_line(&mut line).expect("server port");
        let port = line.trim().strip_prefix("PORT ").expect("PORT line");
        Server {
            base: format!("http://127.0.0.1:{port}"),
            child,
            stdout,
        }
    }

    /// Stops the server and returns its counters.
    fn finish(mut self) -> BTreeMap<String, u64> {
        drop(self.child.stdin.take());
        let mut stats = BTreeMap::new();
        let mut line = String::new();
        while self.stdout.read_line(&mut line).unwrap_or(0) > 0 {
            if line.trim() == "END" {
                break;
            }
            if let Some((k, v)) = line
                .trim()
                .strip_prefix("STAT ")
                .and_then(|s| s.split_once(' '))
            {
                stats.insert(k.to_owned(), v.parse().unwrap_or(0));
            }
            line.clear();
        }
        let _ = self.child.wait();
        stats
    }
}

/// Counters shared by the readers (no per-run records are kept, so the
/// client's memory reflects the SDK, not the soak's bookkeeping).
#[derive(Default)]
struct Totals {
    runs: AtomicU64,
    completed: AtomicU64,
    sent: AtomicU64,
    delivered: AtomicU64,
    mismatched_runs: AtomicU64,
    silent: AtomicU64,
    stuck_errors: AtomicU64,
    out_of_order: AtomicU64,
    wrong_payload: AtomicU64,
    hangs: AtomicU64,
    errors: Mutex<BTreeMap<String, u64>>,
    examples: Mutex<Vec<String>>,
}

impl Totals {
    fn error(&self, id: &str, e: &Error) {
        *self
            .errors
            .lock()
            .unwrap()
            .entry(error_kind(e))
            .or_default() += 1;
        if is_stuck(id) {
            self.stuck_errors.fetch_add(1, Relaxed);
        }
    }

    fn problem(&self, what: String) {
        let mut examples = self.examples.lock().unwrap();
        if examples.len() < 10 {
            examples.push(what);
        }
    }
}

fn error_kind(e: &Error) -> String {
    match e {
        Error::Transport(t) => format!("Transport({:?})", t.kind),
        Error::Timeout(t) => format!("Timeout({:?})", t.kind),
        Error::Stream(s) => format!("Stream({})", s.code),
        Error::Api(a) => format!("Api({})", a.status.as_u16()),
        other => format!("{:?}", std::mem::discriminant(other)),
    }
}

fn config(base: &str) -> Config {
    Config::builder()
        .base_url(base)
        .api_key(API_KEY)
        .idle_timeout(IDLE)
        .retry_policy(
            RetryPolicy::default()
                .with_backoff(Duration::from_millis(5), Duration::from_millis(200)),
        )
        .build()
        .expect("config")
}

/// Streams one run and checks what it delivered. Returns the highest seq
/// delivered.
async fn one_run<T: Transport>(client: &Client<T>, id: &str, totals: &Totals) -> u64 {
    let n = events_of(id);
    let mut last = 0u64;
    let mut stream = match client.runs().stream(id).await {
        Ok(stream) => stream,
        Err(e) => {
            totals.error(id, &e);
            return last;
        }
    };
    while let Some(item) = stream.next().await {
        match item {
            Ok(event) => {
                let seq = event.seq().unwrap_or(0);
                if seq != last + 1 {
                    totals.out_of_order.fetch_add(1, Relaxed);
                    totals.problem(format!("{id}: seq {seq} after {last}"));
                }
                last = seq;
                totals.delivered.fetch_add(1, Relaxed);
                let right = match &event {
                    RunEvent::TextDelta(d) => d.text == format!("{id}:{seq}") && d.run_id == id,
                    RunEvent::Complete(c) if seq == n => c.run_id == id,
                    RunEvent::Complete(c) => c.run_id == format!("{id}_child"),
                    _ => false,
                };
                if !right {
                    totals.wrong_payload.fetch_add(1, Relaxed);
                    totals.problem(format!("{id}: unexpected {event:?}"));
                }
                if event.is_terminal_for(id) {
                    totals.completed.fetch_add(1, Relaxed);
                }
            }
            Err(e) => {
                totals.error(id, &e);
                if stream.next().await.is_some() {
                    totals.problem(format!("{id}: an item after the error {e}"));
                }
                return last;
            }
        }
    }
    if last != n {
        totals.problem(format!("{id}: ended silently after seq {last} of {n}"));
        totals.silent.fetch_add(1, Relaxed);
    }
    if is_stuck(id) {
        totals.problem(format!("{id}: a stuck run ended without an error"));
    }
    last
}

/// What the server sent whole for a run (it waits for the run's
/// connections to close, then forgets the run).
async fn sent(control: &reqwest::Client, base: &str, id: &str) -> u64 {
    let body = control
        .get(format!("{base}/sent/{id}"))
        .send()
        .await
        .expect("control request")
        .text()
        .await
        .expect("control body");
    body.trim().parse().expect("a number")
}

async fn reader<T: Transport>(
    client: Client<T>,
    control: reqwest::Client,
    base: String,
    reader: usize,
    until: Instant,
    totals: Arc<Totals>,
) {
    let mut k = 0u64;
    while Instant::now() < until {
        let id = format!("run_{reader}_{k}");
        k += 1;
        totals.runs.fetch_add(1, Relaxed);
        let delivered = match tokio::time::timeout(RUN_BOUND, one_run(&client, &id, &totals)).await
        {
            Ok(last) => last,
            Err(_) => {
                totals.hangs.fetch_add(1, Relaxed);
                totals.problem(format!("{id}: still going after {RUN_BOUND:?}"));
                continue;
            }
        };
        let sent = sent(&control, &base, &id).await;
        totals.sent.fetch_add(sent, Relaxed);
        if sent != delivered {
            totals.mismatched_runs.fetch_add(1, Relaxed);
            totals.problem(format!(
                "{id}: server sent 1..={sent}, client delivered 1..={delivered}"
            ));
        }
    }
}

/// A line of `/proc/self/status`, in KiB (0 where unavailable).
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

struct Sample {
    at: Duration,
    rss_kib: u64,
    live_kib: u64,
    runs: u64,
    delivered: u64,
}

fn main() {
    let raw: Vec<String> = std::env::args().collect();
    if raw.get(1).map(String::as_str) == Some("__serve") {
        server::serve(raw.get(2).and_then(|s| s.parse().ok()).unwrap_or(1));
        return;
    }
    let args = Args::parse();
    let server = Server::start(args.seed);
    let base = server.base.clone();
    eprintln!(
        "soak: {} streams for {} min against {base}, seed {}",
        args.streams, args.minutes, args.seed
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("client runtime");
    let totals = Arc::new(Totals::default());
    let started = Instant::now();
    let until = started + Duration::from_secs_f64(args.minutes * 60.0);
    let samples = rt.block_on(async {
        let reqwest_sdk = Client::new(
            config(&base),
            ReqwestTransport::builder().build().expect("transport"),
        );
        let hyper_sdk = Client::new(
            config(&base),
            HyperTransport::builder().build().expect("transport"),
        );
        let control = reqwest::Client::new();
        let mut tasks = Vec::new();
        for i in 0..args.streams {
            let (control, base, totals) = (control.clone(), base.clone(), Arc::clone(&totals));
            tasks.push(if i % 2 == 0 {
                tokio::spawn(reader(reqwest_sdk.clone(), control, base, i, until, totals))
            } else {
                tokio::spawn(reader(hyper_sdk.clone(), control, base, i, until, totals))
            });
        }
        let sampler_totals = Arc::clone(&totals);
        let every = Duration::from_secs(args.sample_secs);
        let sampler = tokio::spawn(async move {
            let mut samples = Vec::new();
            loop {
                samples.push(Sample {
                    at: started.elapsed(),
                    rss_kib: rss_kib(),
                    live_kib: live_bytes() / 1024,
                    runs: sampler_totals.runs.load(Relaxed),
                    delivered: sampler_totals.delivered.load(Relaxed),
                });
                if Instant::now() >= until {
                    return samples;
                }
                tokio::time::sleep(every).await;
            }
        });
        for task in tasks {
            task.await.expect("reader task");
        }
        let mut samples = sampler.await.expect("sampler");
        samples.push(Sample {
            at: started.elapsed(),
            rss_kib: rss_kib(),
            live_kib: live_bytes() / 1024,
            runs: totals.runs.load(Relaxed),
            delivered: totals.delivered.load(Relaxed),
        });
        samples
    });
    let stats = server.finish();
    let failed = report(&args, &totals, &stats, &samples, started.elapsed());
    std::process::exit(i32::from(failed));
}

/// Prints the result (Markdown) and says whether anything failed.
fn report(
    args: &Args,
    totals: &Totals,
    stats: &BTreeMap<String, u64>,
    samples: &[Sample],
    took: Duration,
) -> bool {
    let get = |a: &AtomicU64| a.load(Relaxed);
    let (runs, sent, delivered) = (get(&totals.runs), get(&totals.sent), get(&totals.delivered));
    let answers: u64 = stats
        .iter()
        .filter(|(k, _)| k.starts_with("answer_"))
        .map(|(_, v)| v)
        .sum();
    let unavailable = stats.get("answer_503").copied().unwrap_or(0);
    println!(
        "soak: {} streams (half reqwest, half hyper), {:.1} min, seed {}, took {:.1} s\n",
        args.streams,
        args.minutes,
        args.seed,
        took.as_secs_f64()
    );
    println!("| Count | Value |\n|---|---|");
    println!("| runs streamed | {runs} |");
    println!(
        "| runs ended by their terminal event | {} |",
        get(&totals.completed)
    );
    println!(
        "| runs ended by a typed error | {} |",
        totals.errors.lock().unwrap().values().sum::<u64>()
    );
    println!(
        "| runs ended silently (no terminal event, no error) | {} |",
        get(&totals.silent)
    );
    println!(
        "| stuck runs (the server never gets past the first cut) / ended by an error | {} / {} |",
        stats.get("stuck_runs").copied().unwrap_or(0),
        get(&totals.stuck_errors)
    );
    println!("| events sent whole by the server (distinct per run) | {sent} |");
    println!("| events delivered | {delivered} |");
    println!(
        "| runs whose delivered events differ from the sent ones | {} |",
        get(&totals.mismatched_runs)
    );
    println!(
        "| events out of order or repeated | {} |",
        get(&totals.out_of_order)
    );
    println!(
        "| events with a wrong payload | {} |",
        get(&totals.wrong_payload)
    );
    println!("| runs that hung | {} |", get(&totals.hangs));
    println!(
        "| frames written (resends included) | {} |",
        stats.get("frames").copied().unwrap_or(0)
    );
    println!(
        "| frames resent (already sent before) | {} |",
        stats.get("resent").copied().unwrap_or(0)
    );
    println!("| stream requests | {answers} |");
    println!(
        "| reconnects (requests after each run's first, 503 retries excluded) | {} |",
        answers.saturating_sub(runs).saturating_sub(unavailable)
    );
    for (k, v) in stats.iter().filter(|(k, _)| k.starts_with("answer_")) {
        println!("| answers: {} | {v} |", &k["answer_".len()..]);
    }
    for (k, v) in totals.errors.lock().unwrap().iter() {
        println!("| typed errors: {k} | {v} |");
    }
    println!("\n| t (s) | runs | events delivered | RSS (MiB) | live heap (MiB) |\n|---|---|---|---|---|");
    let step = (samples.len() / 12).max(1);
    for (i, s) in samples.iter().enumerate() {
        if i % step == 0 || i + 1 == samples.len() {
            println!(
                "| {:.0} | {} | {} | {:.1} | {:.1} |",
                s.at.as_secs_f64(),
                s.runs,
                s.delivered,
                s.rss_kib as f64 / 1024.0,
                s.live_kib as f64 / 1024.0
            );
        }
    }
    // Flat after warm-up: the first sixth of the run (at least one sample).
    let warm = samples.len() / 6;
    let after = &samples[warm.min(samples.len() - 1)..];
    let min_rss = after.iter().map(|s| s.rss_kib).min().unwrap_or(0);
    let max_rss = after.iter().map(|s| s.rss_kib).max().unwrap_or(0);
    let min_live = after.iter().map(|s| s.live_kib).min().unwrap_or(0);
    let max_live = after.iter().map(|s| s.live_kib).max().unwrap_or(0);
    println!(
        "\nafter warm-up ({:.0} s): RSS {:.1}-{:.1} MiB, live heap {:.1}-{:.1} MiB",
        after.first().map_or(0.0, |s| s.at.as_secs_f64()),
        min_rss as f64 / 1024.0,
        max_rss as f64 / 1024.0,
        min_live as f64 / 1024.0,
        max_live as f64 / 1024.0
    );
    let examples = totals.examples.lock().unwrap();
    for e in examples.iter() {
        println!("problem: {e}");
    }
    let failed = sent != delivered
        || get(&totals.mismatched_runs) > 0
        || get(&totals.out_of_order) > 0
        || get(&totals.wrong_payload) > 0
        || get(&totals.hangs) > 0
        || get(&totals.silent) > 0
        || !examples.is_empty();
    println!("\nverdict: {}", if failed { "FAILED" } else { "ok" });
    failed
}
