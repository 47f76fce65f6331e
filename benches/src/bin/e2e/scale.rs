//! Many streams at once from one client on a multi-thread runtime, each read
//! by its own task: 1, 10, 100, 1,000, 10,000 concurrent `runs().stream`.
//!
//! Every stream is opened and has its first event before the measurement
//! starts (the server holds the rest behind a gate), so the figures are
//! about streaming, not about opening connections:
//! - memory per open stream: live heap and RSS growth with every stream
//!   open and idle, divided by the streams (it includes the task reading
//!   each stream);
//! - unpaced: the server sends the rest of each transcript as fast as the
//!   connections take it; aggregate events/s and client CPU time per event
//!   (all of the process's threads);
//! - paced: a realistic model rate, one event per `--paced-interval-ms`
//!   on every stream; client CPU time per event and the delivered rate.
//!
//! The raw clients read the same streams the same way (raw bytes); they
//! are the floors.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use agntz_bench::alloc::live_bytes;
use agntz_bench::transcript::{delta_stream, frame_ranges};
use tokio::runtime::Runtime;
use tokio::sync::{Notify, Semaphore};

use crate::args::Args;
use crate::clients::{Sdk, TRANSPORTS};
use crate::measure::{process_cpu, rss_kib};
use crate::raw::{Raw, Target};
use crate::server::{GATE_HEADER, INTERVAL_HEADER};
use crate::table::Table;

/// Gate numbers: each measurement opens the next one.
static GATE: AtomicU64 = AtomicU64::new(0);

/// At most this many streams being opened at once (the listener's backlog
/// is finite; opening is not what is measured).
const OPENING: usize = 256;

/// A reader of the curve.
#[derive(Debug, Clone, Copy)]
struct Reader {
    sdk: bool,
    transport: usize,
}

impl Reader {
    fn label(self) -> String {
        let who = if self.sdk { "SDK" } else { "raw" };
        format!("{who} {}", TRANSPORTS[self.transport])
    }
}

const READERS: [Reader; 4] = [
    Reader {
        sdk: true,
        transport: 0,
    },
    Reader {
        sdk: true,
        transport: 1,
    },
    Reader {
        sdk: false,
        transport: 0,
    },
    Reader {
        sdk: false,
        transport: 1,
    },
];

/// The figures of one point of the curve.
#[derive(Debug, Clone, Copy)]
struct Point {
    /// Live heap growth per open stream, bytes.
    heap: f64,
    /// RSS growth per open stream, KiB.
    rss: f64,
    events_per_s: f64,
    cpu_ns_per_event: f64,
}

struct Streams {
    run_id: String,
    /// Frames after the first (what is counted).
    events: usize,
    /// Bytes after the first frame.
    bytes: usize,
}

impl Streams {
    fn of(deltas: usize) -> Streams {
        let (body, run_id) = delta_stream(deltas);
        let frames = frame_ranges(&body);
        Streams {
            run_id,
            events: frames.len() - 1,
            bytes: body.len() - frames[0].len(),
        }
    }
}

/// Opens `n` streams, waits until each has its first event, measures the
/// memory, opens the gate, and waits for every stream to end.
fn point(
    rt: &Runtime,
    base: &str,
    reader: Reader,
    n: usize,
    streams: &Streams,
    interval: Option<u64>,
) -> Point {
    let gate = GATE.fetch_add(1, Ordering::SeqCst) + 1;
    let mut headers = vec![(GATE_HEADER, gate.to_string())];
    if let Some(ms) = interval {
        headers.push((INTERVAL_HEADER, ms.to_string()));
    }
    rt.block_on(async {
        let name = TRANSPORTS[reader.transport];
        let sdk = Sdk::by_name(name, base, &headers);
        let raw = Raw::by_name(name);
        // Settle, then take the baseline.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let heap_before = live_bytes();
        let rss_before = rss_kib("VmRSS");
        let opened = Arc::new((AtomicUsize::new(0), Notify::new()));
        let opening = Arc::new(Semaphore::new(OPENING));
        let mut tasks = Vec::with_capacity(n);
        for _ in 0..n {
            let (sdk, raw, opened, opening) = (
                sdk.clone(),
                raw.clone(),
                Arc::clone(&opened),
                Arc::clone(&opening),
            );
            let (base, run_id, headers) =
                (base.to_owned(), streams.run_id.clone(), headers.clone());
            tasks.push(tokio::spawn(async move {
                let permit = opening.acquire_owned().await.expect("semaphore");
                let signal = move || {
                    drop(permit);
                    if opened.0.fetch_add(1, Ordering::SeqCst) + 1 == n {
                        opened.1.notify_one();
                    }
                };
                if reader.sdk {
                    sdk.runs_after_first(&run_id, signal).await
                } else {
                    let mut open = raw.open(&base, &Target::Runs(run_id), &headers).await;
                    open.next().await.expect("first chunk");
                    signal();
                    let mut bytes = 0;
                    while let Some(len) = open.next().await {
                        bytes += len;
                    }
                    bytes
                }
            }));
        }
        while opened.0.load(Ordering::SeqCst) < n {
            let _ = tokio::time::timeout(Duration::from_millis(50), opened.1.notified()).await;
        }
        let heap = live_bytes().saturating_sub(heap_before) as f64 / n as f64;
        let rss = rss_kib("VmRSS").saturating_sub(rss_before) as f64 / n as f64;
        let cpu = process_cpu();
        let start = Instant::now();
        let control = Raw::hyper();
        let _ = control.open(base, &Target::Gate(gate), &[]).await;
        let expected = if reader.sdk {
            streams.events
        } else {
            streams.bytes
        };
        for t in tasks {
            assert_eq!(t.await.expect("reader task"), expected);
        }
        let elapsed = start.elapsed();
        let cpu = process_cpu().saturating_sub(cpu);
        let events = (n * streams.events) as f64;
        drop((sdk, raw, control));
        // Let the dropped pools close their connections before the next point.
        tokio::time::sleep(Duration::from_millis(200)).await;
        Point {
            heap,
            rss,
            events_per_s: events / elapsed.as_secs_f64(),
            cpu_ns_per_event: cpu.as_secs_f64() * 1e9 / events,
        }
    })
}

pub fn section(args: &Args, base: &str, table: &mut Table) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("multi-thread runtime");
    let paced = Streams::of(args.paced_events);
    let mut unpaced_at = Vec::new();
    for &n in &args.scale {
        let streams = Streams::of(args.scale_deltas(n));
        for reader in READERS {
            eprintln!("  {n} streams, {} ...", reader.label());
            let p = point(&rt, base, reader, n, &streams, None);
            let q = point(&rt, base, reader, n, &paced, Some(args.paced_interval_ms));
            let label = reader.label();
            let x = n as f64;
            table
                .curve(
                    "scale-events",
                    "Aggregate events/s, unpaced streams",
                    "streams",
                    "events/s",
                )
                .point(&label, x, p.events_per_s);
            table
                .curve(
                    "scale-cpu",
                    "Client CPU time per event, unpaced streams",
                    "streams",
                    "CPU µs per event",
                )
                .point(&label, x, p.cpu_ns_per_event / 1e3);
            table
                .curve(
                    "scale-heap",
                    "Client heap per open idle stream",
                    "streams",
                    "KiB per stream",
                )
                .point(&label, x, p.heap / 1024.0);
            table
                .curve(
                    "paced-cpu",
                    &format!(
                        "Client CPU time per event, streams paced at one event per {} ms",
                        args.paced_interval_ms
                    ),
                    "streams",
                    "CPU µs per event",
                )
                .point(&label, x, q.cpu_ns_per_event / 1e3);
            let offered = n as f64 * 1000.0 / args.paced_interval_ms as f64;
            table
                .curve(
                    "paced-rate",
                    "Delivered / offered events/s, paced streams",
                    "streams",
                    "ratio",
                )
                .point(&label, x, q.events_per_s / offered);
            unpaced_at.push((n, reader, p, q));
        }
    }
    let at = |n: usize, r: usize| {
        unpaced_at
            .iter()
            .find(|(m, reader, _, _)| {
                *m == n && reader.sdk == READERS[r].sdk && reader.transport == READERS[r].transport
            })
            .map(|(_, _, p, q)| (*p, *q))
    };
    let first = args.scale.first().copied().unwrap_or(1);
    for (r, reader) in READERS.iter().enumerate().filter(|(_, r)| r.sdk) {
        let floor = r + 2;
        let name = TRANSPORTS[reader.transport];
        for &n in args.scale.iter().filter(|n| **n >= 1000) {
            let (Some((one, _)), Some((many, paced)), Some((floor_one, _)), Some((floor_many, _))) =
                (at(first, r), at(n, r), at(first, floor), at(n, floor))
            else {
                continue;
            };
            table.row(
                &format!("{n} concurrent `runs().stream`, {name}, multi-thread runtime: aggregate events/s vs {first} stream"),
                format!("{:.0}", many.events_per_s),
                format!("{:.0} (raw {name}: {:.0} vs {:.0}, {:.2}x)", one.events_per_s, floor_many.events_per_s, floor_one.events_per_s, floor_many.events_per_s / floor_one.events_per_s),
                many.events_per_s / one.events_per_s,
                if n == 1000 { "≥ 0.8x" } else { "-" },
            );
            table.row(
                &format!("{n} concurrent `runs().stream`, {name}: client heap per open idle stream (ratio to 32 KiB)"),
                format!("{:.1} KiB (RSS {:.1} KiB)", many.heap / 1024.0, many.rss),
                format!("{:.1} KiB (raw {name}; RSS {:.1} KiB)", floor_many.heap / 1024.0, floor_many.rss),
                many.heap / 1024.0 / 32.0,
                "≤ 1.00x",
            );
            table.info(
                &format!("{n} concurrent `runs().stream`, {name}: client CPU time per event, unpaced / paced at {} ms", args.paced_interval_ms),
                format!("{:.2} / {:.2} µs", many.cpu_ns_per_event / 1e3, paced.cpu_ns_per_event / 1e3),
                format!("raw {name} {:.2} µs unpaced", floor_many.cpu_ns_per_event / 1e3),
            );
        }
    }
    drop(rt);
}
