//! The same streams read on each runtime flavour and from each place:
//! a current-thread runtime, and a multi-thread runtime read either by a
//! spawned task or by the future given to `block_on` (what `#[tokio::main]`
//! runs). One HTTP chunk per SSE frame, as the worker writes its streams.
//! The raw clients read the same bodies the same way: their figures are the
//! floors.

use std::time::{Duration, Instant};

use agntz_bench::alloc::Counts;
use agntz_bench::transcript::frame_ranges;
use bytes::Bytes;
use tokio::runtime::Runtime;

use crate::args::Args;
use crate::clients::{run_request, Sdk, TRANSPORTS};
use crate::measure::process_cpu;
use crate::raw::{Raw, Target};
use crate::table::Table;

/// Where the stream is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// The future of a current-thread runtime's `block_on`.
    Current,
    /// A task spawned on a multi-thread runtime.
    Spawned,
    /// The future of a multi-thread runtime's `block_on`.
    BlockOn,
}

const PLACES: [Place; 3] = [Place::Current, Place::Spawned, Place::BlockOn];

/// What reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Consumer {
    SdkRuns,
    SdkAgent,
    RawRuns,
    RawAgent,
}

const CONSUMERS: [Consumer; 4] = [
    Consumer::SdkRuns,
    Consumer::SdkAgent,
    Consumer::RawRuns,
    Consumer::RawAgent,
];

/// One measured read.
#[derive(Debug, Clone, Copy)]
struct Reading {
    time: Duration,
    cpu: Duration,
    allocations: u64,
}

/// Clients made for one runtime (a pool's connections belong to the
/// runtime they were opened on).
struct Clients {
    sdk: Vec<Sdk>,
    raw: Vec<Raw>,
}

impl Clients {
    fn new(base: &str) -> Clients {
        Clients {
            sdk: TRANSPORTS
                .iter()
                .map(|t| Sdk::by_name(t, base, &[]))
                .collect(),
            raw: TRANSPORTS.iter().map(|t| Raw::by_name(t)).collect(),
        }
    }
}

struct Setup<'a> {
    base: &'a str,
    run_id: String,
    agent_body: Bytes,
    runs_frames: usize,
    runs_bytes: usize,
    agent_frames: usize,
    agent_bytes: usize,
}

impl Setup<'_> {
    /// Events (SDK) or bytes (raw) a read must see.
    fn expected(&self, consumer: Consumer) -> usize {
        match consumer {
            Consumer::SdkRuns => self.runs_frames,
            Consumer::SdkAgent => self.agent_frames,
            Consumer::RawRuns => self.runs_bytes,
            Consumer::RawAgent => self.agent_bytes,
        }
    }

    /// Events of the stream `consumer` reads.
    fn events(&self, consumer: Consumer) -> usize {
        match consumer {
            Consumer::SdkRuns | Consumer::RawRuns => self.runs_frames,
            Consumer::SdkAgent | Consumer::RawAgent => self.agent_frames,
        }
    }
}

/// One read of `consumer` over transport `t`, from `place`.
fn read(
    rts: &(Runtime, Runtime),
    clients: &(Clients, Clients),
    setup: &Setup<'_>,
    place: Place,
    consumer: Consumer,
    t: usize,
) -> Reading {
    let (rt, clients) = match place {
        Place::Current => (&rts.0, &clients.0),
        _ => (&rts.1, &clients.1),
    };
    let sdk = clients.sdk[t].clone();
    let raw = clients.raw[t].clone();
    let base = setup.base.to_owned();
    let run_id = setup.run_id.clone();
    let agent_body = setup.agent_body.clone();
    let work = async move {
        let start = Instant::now();
        match consumer {
            Consumer::SdkRuns => sdk.read_runs(&run_id, start).await.0,
            Consumer::SdkAgent => sdk.read_agent(run_request(), start).await.0,
            Consumer::RawRuns => raw.read(&base, &Target::Runs(run_id), &[]).await.0,
            Consumer::RawAgent => raw.read(&base, &Target::Agent(agent_body), &[]).await.0,
        }
    };
    let counts = Counts::now();
    let cpu = process_cpu();
    let start = Instant::now();
    let n = match place {
        Place::Spawned => rt.block_on(async { tokio::spawn(work).await.expect("reader task") }),
        Place::Current | Place::BlockOn => rt.block_on(work),
    };
    let reading = Reading {
        time: start.elapsed(),
        cpu: process_cpu().saturating_sub(cpu),
        allocations: Counts::since(counts).allocations,
    };
    assert_eq!(n, setup.expected(consumer), "{consumer:?} from {place:?}");
    reading
}

pub fn section(
    args: &Args,
    base: &str,
    runs_stream: &[u8],
    run_id: &str,
    agent_stream: &[u8],
    table: &mut Table,
) {
    let rts = (
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("current-thread runtime"),
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("multi-thread runtime"),
    );
    let clients = (Clients::new(base), Clients::new(base));
    let setup = Setup {
        base,
        run_id: run_id.to_owned(),
        agent_body: Bytes::from(serde_json::to_vec(&run_request()).expect("body")),
        runs_frames: frame_ranges(runs_stream).len(),
        runs_bytes: runs_stream.len(),
        agent_frames: frame_ranges(agent_stream).len(),
        agent_bytes: agent_stream.len(),
    };
    let cells: Vec<(usize, Consumer, Place)> = (0..TRANSPORTS.len())
        .flat_map(|t| {
            CONSUMERS
                .iter()
                .flat_map(move |c| PLACES.iter().map(move |p| (t, *c, *p)))
        })
        .collect();
    for &(t, c, p) in &cells {
        read(&rts, &clients, &setup, p, c, t); // warm-up
    }
    let mut readings = vec![Vec::new(); cells.len()];
    for rep in 0..args.stream_reps {
        for k in 0..cells.len() {
            // Rotate the order so that no cell always follows the same one.
            let i = (rep * 7 + k) % cells.len();
            let (t, c, p) = cells[i];
            readings[i].push(read(&rts, &clients, &setup, p, c, t));
        }
    }
    // Medians by time (the CPU time and allocations of the median read).
    let get = |t: usize, c: Consumer, p: Place| -> Reading {
        let i = cells.iter().position(|x| *x == (t, c, p)).expect("cell");
        let mut v = readings[i].clone();
        v.sort_by_key(|r| r.time);
        v[v.len() / 2]
    };
    for (t, name) in TRANSPORTS.iter().enumerate() {
        for (sdk, raw, what, unit) in [
            (
                Consumer::SdkRuns,
                Consumer::RawRuns,
                "`runs().stream`",
                "events",
            ),
            (
                Consumer::SdkAgent,
                Consumer::RawAgent,
                "`agents().stream`",
                "events",
            ),
        ] {
            let events = setup.events(sdk) as f64;
            let rate = |r: Reading| events / r.time.as_secs_f64();
            let (ct, sp, bo) = (
                get(t, sdk, Place::Current),
                get(t, sdk, Place::Spawned),
                get(t, sdk, Place::BlockOn),
            );
            let (rct, rsp, rbo) = (
                get(t, raw, Place::Current),
                get(t, raw, Place::Spawned),
                get(t, raw, Place::BlockOn),
            );
            table.row(
                &format!("{what} {name}, one chunk per frame: multi-thread runtime, read in `block_on`'s future, vs current-thread runtime ({unit}/s)"),
                format!("{:.0}", rate(bo)),
                format!("{:.0} (raw read: {:.0} vs {:.0}, {:.2}x)", rate(ct), rate(rbo), rate(rct), rate(rbo) / rate(rct)),
                rate(bo) / rate(ct),
                "≥ 0.8x",
            );
            table.row(
                &format!("{what} {name}, one chunk per frame: multi-thread runtime, read by a spawned task, vs current-thread runtime ({unit}/s)"),
                format!("{:.0}", rate(sp)),
                format!("{:.0} (raw read: {:.0} vs {:.0}, {:.2}x)", rate(ct), rate(rsp), rate(rct), rate(rsp) / rate(rct)),
                rate(sp) / rate(ct),
                "-",
            );
            let target = if sdk == Consumer::SdkRuns {
                "≥ 0.75x"
            } else {
                "-"
            };
            table.row(
                &format!("{what} {name}, one chunk per frame, current-thread runtime: SDK vs raw read of the same bytes ({unit}/s)"),
                format!("{:.0}", rate(ct)),
                format!("{:.0}", rate(rct)),
                rate(ct) / rate(rct),
                target,
            );
            let per_event = |r: Reading| r.cpu.as_secs_f64() * 1e9 / events;
            table.info(
                &format!("{what} {name}, one chunk per frame: client CPU time per event (current-thread / spawned / `block_on`)"),
                format!("{:.0} / {:.0} / {:.0} ns", per_event(ct), per_event(sp), per_event(bo)),
                format!("raw read {:.0} / {:.0} / {:.0} ns", per_event(rct), per_event(rsp), per_event(rbo)),
            );
            let allocs = |r: Reading| r.allocations as f64 / events;
            table.info(
                &format!("{what} {name}, one chunk per frame: heap allocations per event (current-thread / spawned / `block_on`)"),
                format!("{:.2} / {:.2} / {:.2}", allocs(ct), allocs(sp), allocs(bo)),
                format!("raw read {:.2} / {:.2} / {:.2}", allocs(rct), allocs(rsp), allocs(rbo)),
            );
        }
    }
    drop(clients);
    drop(rts);
}
