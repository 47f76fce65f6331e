//! Command-line flags of the e2e binary.

/// Every section, in the order they run.
pub const SECTIONS: &[&str] = &[
    "inproc",
    "run",
    "concurrent",
    "stream",
    "flavours",
    "scale",
    "idle",
];

#[derive(Debug, Clone)]
pub struct Args {
    pub deltas: usize,
    pub calls: usize,
    pub concurrency: usize,
    pub calls_per_task: usize,
    pub stream_reps: usize,
    /// Idle streams of the `idle` section.
    pub streams: usize,
    pub rounds: usize,
    /// Whole measurements repeated; the table shows the median ratio and range.
    pub runs: usize,
    /// Concurrent streams of the `scale` curve.
    pub scale: Vec<usize>,
    /// Events of the whole `scale` measurement at each point (split among
    /// the streams, at least `scale_min_events` deltas each).
    pub scale_events: usize,
    pub scale_min_events: usize,
    /// Deltas per stream and interval of the paced `scale` curve.
    pub paced_events: usize,
    pub paced_interval_ms: u64,
    /// Where to write the figures as JSON (for the plot binary).
    pub json: Option<String>,
    pub only: Option<Vec<String>>,
}

impl Args {
    /// The flags of this process (after the program name).
    pub fn parse() -> Args {
        Args::parse_from(std::env::args().skip(1).collect())
    }

    /// The flags in `raw`.
    pub fn parse_from(raw: Vec<String>) -> Args {
        let mut a = Args {
            deltas: 100_000,
            calls: 3_000,
            concurrency: 64,
            calls_per_task: 60,
            stream_reps: 5,
            streams: 1_000,
            rounds: 3,
            runs: 1,
            scale: vec![1, 10, 100, 1_000, 10_000],
            scale_events: 400_000,
            scale_min_events: 20,
            paced_events: 20,
            paced_interval_ms: 50,
            json: None,
            only: None,
        };
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
                "--scale" => {
                    a.scale = value
                        .split(',')
                        .map(|v| v.parse().unwrap_or_else(|_| usage(flag)))
                        .collect()
                }
                "--scale-events" => a.scale_events = n(),
                "--scale-min-events" => a.scale_min_events = n().max(1),
                "--paced-events" => a.paced_events = n().max(1),
                "--paced-interval-ms" => a.paced_interval_ms = n() as u64,
                "--json" => a.json = Some(value.clone()),
                "--only" => {
                    let only: Vec<String> = value.split(',').map(str::to_owned).collect();
                    if only.iter().any(|s| !SECTIONS.contains(&s.as_str())) {
                        usage(flag)
                    }
                    a.only = Some(only)
                }
                _ => usage(flag),
            }
        }
        a
    }

    pub fn wants(&self, section: &str) -> bool {
        self.only
            .as_ref()
            .is_none_or(|o| o.iter().any(|s| s == section))
    }

    /// Deltas per stream of the unpaced `scale` point with `n` streams.
    pub fn scale_deltas(&self, n: usize) -> usize {
        (self.scale_events / n.max(1)).max(self.scale_min_events)
    }
}

fn usage(flag: &str) -> ! {
    eprintln!(
        "bad flag {flag}; flags: --deltas N --calls N --concurrency N --calls-per-task N \
         --stream-reps N --streams N --rounds N --runs N --scale N,N,.. --scale-events N \
         --scale-min-events N --paced-events N --paced-interval-ms N --json PATH \
         --only {}",
        SECTIONS.join(",")
    );
    std::process::exit(2)
}
