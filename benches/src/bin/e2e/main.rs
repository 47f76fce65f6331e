//! End-to-end benchmark over loopback.
//!
//! Starts a minimal HTTP/1.1 server (hyper, prebuilt response bytes) in a
//! child process, so its CPU, allocations and memory are not counted here,
//! then measures, for each transport (reqwest, hyper), each next to its
//! floor measured in the same run:
//!
//! - `inproc`: framing and typed decoding in process, against memchr and
//!   serde_json floors;
//! - `run`, `concurrent`: sequential and 64-caller `agents().run` against
//!   the transport's own client used by hand and against the least
//!   hand-written HTTP/1.1 client;
//! - `stream`: `runs().stream` of the transcript served as one body,
//!   against reading the raw body plus the floor parse;
//! - `flavours`: `runs().stream` and `agents().stream` served one chunk per
//!   frame, read on a current-thread runtime, by a spawned task of a
//!   multi-thread runtime, and in a multi-thread runtime's `block_on`
//!   future; the raw clients read the same bodies the same ways;
//! - `scale`: 1 to 10,000 concurrent streams on one client: aggregate
//!   events/s, client CPU time per event, memory per open stream;
//! - `idle`: memory per idle open stream (1,000 on a current-thread
//!   runtime).
//!
//! See `BENCHMARKS.md` and `args.rs` for the flags; `--json
//! PATH` writes the figures for the `plot` binary.

mod args;
mod calls;
mod clients;
mod flavours;
mod idle;
mod inproc;
mod measure;
mod raw;
mod scale;
mod server;
mod stream;
mod table;

use std::time::Instant;

use agntz_bench::alloc::CountingAlloc;
use agntz_bench::transcript::{agent_replies_stream, frame_ranges, transcript};

use crate::args::Args;
use crate::calls::WirePool;
use crate::clients::{sdk_hyper, sdk_reqwest};
use crate::measure::rss_kib;
use crate::raw::Raw;
use crate::server::Server;
use crate::table::{print_runs, write_json, Table};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

fn main() {
    let raw_args: Vec<String> = std::env::args().collect();
    if raw_args.get(1).map(String::as_str) == Some("__serve") {
        server::serve(&Args::parse_from(raw_args[2..].to_vec()));
        return;
    }
    let args = Args::parse();
    let started = Instant::now();
    eprintln!("generating the {}-delta transcripts...", args.deltas);
    let t = transcript(args.deltas);
    let agent = agent_replies_stream(args.deltas);
    let server = Server::start();
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
            let wire = WirePool::new(&base);

            if args.wants("inproc") {
                eprintln!("in-process decoding (interleaved with its floors)...");
                inproc::section(&args, &t, &mut table);
            }
            for concurrent in [false, true] {
                if !args.wants(if concurrent { "concurrent" } else { "run" }) {
                    continue;
                }
                eprintln!(
                    "{} agents().run...",
                    if concurrent {
                        "concurrent"
                    } else {
                        "sequential"
                    }
                );
                calls::section(
                    &args,
                    "reqwest",
                    &reqwest_sdk,
                    &reqwest_raw,
                    &wire,
                    &base,
                    concurrent,
                    &mut table,
                )
                .await;
                calls::section(
                    &args, "hyper", &hyper_sdk, &hyper_raw, &wire, &base, concurrent, &mut table,
                )
                .await;
                calls::aa_rows(
                    &args,
                    &base,
                    [&reqwest_raw, &hyper_raw],
                    concurrent,
                    &mut table,
                )
                .await;
            }
            if args.wants("stream") {
                eprintln!("runs().stream of the transcript as one body...");
                for name in clients::TRANSPORTS {
                    stream::section(&args, &t, &base, &mut table, name).await;
                }
            }
        });
        if args.wants("flavours") {
            eprintln!("streams one chunk per frame, by runtime flavour and reader placement...");
            flavours::section(
                &args,
                &base,
                &t.runs_stream,
                &t.root_run_id,
                &agent,
                &mut table,
            );
        }
        if args.wants("scale") {
            eprintln!("concurrent streams...");
            scale::section(&args, &base, &mut table);
        }
        if args.wants("idle") {
            eprintln!("{} idle streams...", args.streams);
            rt.block_on(idle::section(&args, &base, &mut table));
        }
        tables.push(table);
    }
    drop(rt);
    drop(server);
    let conditions = format!(
        "{} run(s) of {} deltas ({} bytes, {} frames; agent stream {} bytes), {} sequential calls x {} rounds, \
         {} callers x {} calls, {} stream reps, {} idle streams, scale {:?} ({} events split, at least {} deltas each; \
         paced {} deltas at {} ms); {:.0} s",
        args.runs,
        args.deltas,
        t.runs_stream.len(),
        frame_ranges(&t.runs_stream).len(),
        agent.len(),
        args.calls,
        args.rounds,
        args.concurrency,
        args.calls_per_task,
        args.stream_reps,
        args.streams,
        args.scale,
        args.scale_events,
        args.scale_min_events,
        args.paced_events,
        args.paced_interval_ms,
        started.elapsed().as_secs_f64()
    );
    println!();
    println!("e2e: {conditions}");
    println!(
        "peak RSS of the client process over the whole run (VmHWM): {:.1} MiB \
         (includes the transcripts and the in-process one-chunk decoding copies)",
        rss_kib("VmHWM") as f64 / 1024.0
    );
    println!();
    print_runs(&tables);
    if let Some(path) = &args.json {
        write_json(path, &tables, &conditions);
        eprintln!("figures written to {path}");
    }
}
