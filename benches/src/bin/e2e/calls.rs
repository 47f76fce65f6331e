//! `agents().run`: sequential and concurrent callers, against the
//! transport's own client and against the least client there is.

use std::sync::{Arc, Mutex};

use agntz_proto::types::RunRequest;
use agntz_proto::{Client, Transport};

use crate::args::Args;
use crate::clients::run_request;
use crate::measure::{interleaved, median_cost, ratio, us, Cost};
use crate::raw::{Raw, Wire};
use crate::table::Table;

/// One caller's calls: the SDK, the transport's client by hand, or the
/// least client (a pool of [`Wire`] connections, one per caller).
pub enum Caller<T: Transport> {
    Sdk(Client<T>),
    Raw(Raw, String),
    Wire(Arc<WirePool>),
}

/// Keep-alive connections of the least client, reused across rounds.
pub struct WirePool {
    base: String,
    request: Vec<u8>,
    idle: Mutex<Vec<Wire>>,
}

impl WirePool {
    pub fn new(base: &str) -> Arc<WirePool> {
        Arc::new(WirePool {
            base: base.to_owned(),
            request: Wire::request_bytes(base, &run_request()),
            idle: Mutex::new(Vec::new()),
        })
    }

    async fn take(&self) -> Wire {
        let idle = self.idle.lock().expect("pool").pop();
        match idle {
            Some(w) => w,
            None => Wire::connect(&self.base).await,
        }
    }

    fn give(&self, w: Wire) {
        self.idle.lock().expect("pool").push(w);
    }
}

impl<T: Transport> Clone for Caller<T> {
    fn clone(&self) -> Self {
        match self {
            Caller::Sdk(c) => Caller::Sdk(c.clone()),
            Caller::Raw(r, b) => Caller::Raw(r.clone(), b.clone()),
            Caller::Wire(p) => Caller::Wire(Arc::clone(p)),
        }
    }
}

impl<T: Transport> Caller<T> {
    /// `n` calls one after the other on one connection.
    async fn calls(&self, request: &RunRequest, n: usize) {
        match self {
            Caller::Sdk(c) => {
                for _ in 0..n {
                    let result = c.agents().run(request.clone()).await.expect("run");
                    assert_eq!(result.status, "completed");
                }
            }
            Caller::Raw(raw, base) => {
                for _ in 0..n {
                    // An owned request per call, as the SDK's caller has
                    // (`run` takes its request by value): building or
                    // cloning the request is the caller's work on both sides.
                    let request = request.clone();
                    assert_eq!(raw.run(base, &request).await.status, "completed");
                }
            }
            Caller::Wire(pool) => {
                let mut w = pool.take().await;
                for _ in 0..n {
                    assert_eq!(w.call(&pool.request).await.status, "completed");
                }
                pool.give(w);
            }
        }
    }

    /// Mean cost per call of `n` sequential calls.
    async fn sequential(&self, n: usize) -> Cost {
        let request = run_request();
        let start = Cost::start();
        self.calls(&request, n).await;
        Cost::per_call(start, n)
    }

    /// Cost per call (wall time: elapsed / calls) of `tasks` concurrent
    /// callers making `each` calls.
    async fn concurrent(&self, tasks: usize, each: usize) -> Cost {
        let start = Cost::start();
        let handles: Vec<_> = (0..tasks)
            .map(|_| {
                let me = self.clone();
                tokio::spawn(async move { me.calls(&run_request(), each).await })
            })
            .collect();
        for h in handles {
            h.await.expect("caller task");
        }
        Cost::per_call(start, tasks * each)
    }

    async fn measure(&self, args: &Args, concurrent: bool) -> Cost {
        if concurrent {
            self.concurrent(args.concurrency, args.calls_per_task).await
        } else {
            self.sequential(args.calls / args.rounds).await
        }
    }

    async fn warm_up(&self, args: &Args, concurrent: bool) {
        if concurrent {
            self.concurrent(args.concurrency, 5).await;
        } else {
            self.sequential(200).await;
        }
    }
}

/// Warms up `callers`, then measures them in `args.rounds` rounds, each
/// round every caller once, the first of the round rotating; the median of
/// each.
async fn measure_all<T: Transport>(
    args: &Args,
    callers: &[Caller<T>],
    concurrent: bool,
) -> Vec<Cost> {
    for c in callers {
        c.warm_up(args, concurrent).await;
    }
    let mut costs = vec![Vec::new(); callers.len()];
    for round in 0..args.rounds.max(1) {
        for k in 0..callers.len() {
            let i = (round + k) % callers.len();
            costs[i].push(callers[i].measure(args, concurrent).await);
        }
    }
    costs.into_iter().map(median_cost).collect()
}

/// The SDK, the raw client and the least client, interleaved.
#[allow(clippy::too_many_arguments)]
pub async fn section<T: Transport>(
    args: &Args,
    name: &str,
    sdk: &Client<T>,
    raw: &Raw,
    wire: &Arc<WirePool>,
    base: &str,
    concurrent: bool,
    table: &mut Table,
) {
    let callers = [
        Caller::Sdk(sdk.clone()),
        Caller::Raw(raw.clone(), base.to_owned()),
        Caller::Wire(Arc::clone(wire)),
    ];
    let m = measure_all(args, &callers, concurrent).await;
    let (sdk, raw, wire) = (m[0], m[1], m[2]);
    let how = if concurrent {
        format!("{} concurrent", args.concurrency)
    } else {
        "sequential".to_owned()
    };
    let per = if concurrent {
        "wall time per call"
    } else {
        "per call"
    };
    table.row(
        &format!("`agents().run` {how}, {name} ({per})"),
        us(sdk.wall),
        us(raw.wall),
        ratio(sdk.wall, raw.wall),
        "≤ 1.10x",
    );
    table.row(
        &format!("`agents().run` {how}, {name}: vs the least client (hand-written HTTP/1.1, `wrk`-class floor)"),
        us(sdk.wall),
        format!("{} (raw {name} client: {:.2}x of it)", us(wire.wall), ratio(raw.wall, wire.wall)),
        ratio(sdk.wall, wire.wall),
        "-",
    );
    if concurrent {
        // Where the wall time goes on the client: its own CPU time.
        table.row(
            &format!("`agents().run` {how}, {name}: client CPU time per call"),
            us(sdk.cpu),
            format!("{} (least client {})", us(raw.cpu), us(wire.cpu)),
            ratio(sdk.cpu, raw.cpu),
            "-",
        );
    } else {
        table.row(
            &format!("`agents().run` {how}, {name}: heap allocations per call"),
            format!("{:.1}", sdk.allocations),
            format!(
                "{:.1} (least client {:.1})",
                raw.allocations, wire.allocations
            ),
            sdk.allocations / raw.allocations.max(1.0),
            "-",
        );
    }
}

/// The raw clients (reqwest, hyper) measured against themselves, the way
/// `agents().run` is measured: how far two identical callers drift apart
/// on this machine.
pub async fn aa_rows(
    args: &Args,
    base: &str,
    raws: [&Raw; 2],
    concurrent: bool,
    table: &mut Table,
) {
    let how = if concurrent {
        format!("{} concurrent", args.concurrency)
    } else {
        "sequential".to_owned()
    };
    for (name, raw) in ["reqwest", "hyper"].into_iter().zip(raws) {
        let raw: Caller<agntz_reqwest::ReqwestTransport> =
            Caller::Raw(raw.clone(), base.to_owned());
        for c in [&raw, &raw] {
            c.warm_up(args, concurrent).await;
        }
        let (a, b) = interleaved(args.rounds, |_| {
            let c = raw.clone();
            async move { c.measure(args, concurrent).await }
        })
        .await;
        table.row(
            &format!("`agents().run` {how}, {name}: raw client vs itself (A/A)"),
            us(a.wall),
            us(b.wall),
            ratio(a.wall, b.wall),
            "-",
        );
    }
}
