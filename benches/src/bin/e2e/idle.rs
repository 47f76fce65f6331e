//! Idle streams: memory per open stream on one client (current-thread
//! runtime), against the raw clients holding their responses open.

use std::time::Duration;

use agntz_bench::alloc::live_bytes;
use agntz_proto::{Client, Transport};

use crate::args::Args;
use crate::clients::{sdk_hyper, sdk_reqwest};
use crate::measure::rss_kib;
use crate::raw::{Raw, RawOpen, Target};
use crate::table::Table;

/// Growth while `n` streams were open: RSS in KiB, live heap in bytes.
#[derive(Debug, Clone, Copy)]
struct Idle {
    rss: u64,
    heap: u64,
}

pub async fn section(args: &Args, base: &str, table: &mut Table) {
    let n = args.streams;
    let sdk_r = idle_sdk(sdk_reqwest(base), n).await;
    let sdk_h = idle_sdk(sdk_hyper(base), n).await;
    let raw_r = idle_raw(Raw::reqwest(), base, n).await;
    let raw_h = idle_raw(Raw::hyper(), base, n).await;
    for (name, sdk, raw) in [("reqwest", sdk_r, raw_r), ("hyper", sdk_h, raw_h)] {
        let heap = sdk.heap as f64 / 1024.0 / n as f64;
        let heap_raw = raw.heap as f64 / 1024.0 / n as f64;
        table.row(
            &format!("{n} idle streams, {name}: client heap per open stream (live heap delta / streams; ratio to 32 KiB)"),
            format!("{heap:.1} KiB"),
            format!("{heap_raw:.1} KiB (raw client, response held open)"),
            heap / 32.0,
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

/// Opens a raw stream and reads its first chunk; the response is kept open.
async fn open_idle(raw: &Raw, base: &str, run_id: &str) -> RawOpen {
    let mut open = raw.open(base, &Target::Runs(run_id.to_owned()), &[]).await;
    open.next().await.expect("first chunk");
    open
}

async fn idle_raw(raw: Raw, base: &str, n: usize) -> Idle {
    drop(open_idle(&raw, base, "run_idle_warm").await);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = rss_kib("VmRSS");
    let heap_before = live_bytes();
    let mut handles = Vec::with_capacity(n);
    for i in 0..n {
        let raw = raw.clone();
        let base = base.to_owned();
        handles.push(tokio::spawn(async move {
            open_idle(&raw, &base, &format!("run_idle_{i}")).await
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
