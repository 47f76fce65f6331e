//! Timing, CPU time, memory and medians.

use std::time::{Duration, Instant};

use agntz_bench::alloc::Counts;

/// CPU time this thread has run (`/proc/thread-self/schedstat`, ns), zero
/// where unavailable. On a current-thread runtime this is all of the
/// client's work: SDK, transport and connection tasks.
pub fn thread_cpu() -> Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|n| n.parse().ok()))
        .map_or(Duration::ZERO, Duration::from_nanos)
}

/// CPU time of every live thread of this process (the sum of
/// `/proc/self/task/*/schedstat`, ns). The server is another process, so
/// this is the client's work on any runtime.
pub fn process_cpu() -> Duration {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return Duration::ZERO;
    };
    let ns: u64 = tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| {
            s.split_whitespace()
                .next()
                .and_then(|n| n.parse::<u64>().ok())
        })
        .sum();
    Duration::from_nanos(ns)
}

/// A line of `/proc/self/status`, in KiB (0 where unavailable).
pub fn rss_kib(field: &str) -> u64 {
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

/// What one call cost: wall time, client CPU time, heap allocations.
#[derive(Debug, Clone, Copy, Default)]
pub struct Cost {
    pub wall: Duration,
    pub cpu: Duration,
    pub allocations: f64,
}

impl Cost {
    /// Starts measuring.
    pub fn start() -> (Instant, Duration, Counts) {
        (Instant::now(), thread_cpu(), Counts::now())
    }

    /// Per call, for `calls` calls since `start`.
    pub fn per_call(start: (Instant, Duration, Counts), calls: usize) -> Cost {
        let allocations = Counts::since(start.2).allocations;
        let calls = calls.max(1);
        Cost {
            wall: start.0.elapsed() / calls as u32,
            cpu: thread_cpu().saturating_sub(start.1) / calls as u32,
            allocations: allocations as f64 / calls as f64,
        }
    }
}

/// Runs side `true` and side `false` alternately `rounds` times; returns
/// the median of each, wall and CPU time taken separately (a round hit by
/// the shared VM's steal time does not move it).
pub async fn interleaved<F, Fut>(rounds: usize, mut measure: F) -> (Cost, Cost)
where
    F: FnMut(bool) -> Fut,
    Fut: std::future::Future<Output = Cost>,
{
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for round in 0..rounds.max(1) {
        // Each side goes first in every other round, so neither always
        // meets the machine as the other left it.
        if round % 2 == 0 {
            a.push(measure(true).await);
            b.push(measure(false).await);
        } else {
            b.push(measure(false).await);
            a.push(measure(true).await);
        }
    }
    (median_cost(a), median_cost(b))
}

/// Median wall time and median CPU time of `costs`.
pub fn median_cost(costs: Vec<Cost>) -> Cost {
    let mut allocations: Vec<f64> = costs.iter().map(|c| c.allocations).collect();
    allocations.sort_by(f64::total_cmp);
    Cost {
        wall: median(costs.iter().map(|c| c.wall).collect()),
        cpu: median(costs.iter().map(|c| c.cpu).collect()),
        allocations: allocations[allocations.len() / 2],
    }
}

/// The median of `v` (the upper one of an even count).
pub fn median<T: Ord + Copy>(mut v: Vec<T>) -> T {
    v.sort();
    v[v.len() / 2]
}

/// Median time of each of `fs` over `rounds` rounds, each round running
/// every one of them once, in order.
pub fn interleaved_medians(rounds: usize, fs: &mut [&mut dyn FnMut()]) -> Vec<Duration> {
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
    times.into_iter().map(median).collect()
}

/// SDK time / raw time.
pub fn ratio(sdk: Duration, raw: Duration) -> f64 {
    sdk.as_secs_f64() / raw.as_secs_f64()
}

pub fn us(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}

pub fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}
