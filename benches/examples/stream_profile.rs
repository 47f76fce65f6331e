//! Reads one stream end to end over loopback on a current-thread runtime,
//! for `valgrind --tool=callgrind` (instruction counts of the client alone,
//! which a busy machine does not move the way it moves times).
//!
//! Start the e2e binary's server, then read from it:
//!
//! ```sh
//! cargo build --profile bench -p agntz-bench --bin e2e --example stream_profile
//! target/release/e2e __serve --deltas 20000 &        # prints PORT n
//! RUN=$(target/release/examples/stream_profile id 20000)
//! for reads in 1 3; do
//!   valgrind --tool=callgrind --callgrind-out-file=cg.$reads \
//!     target/release/examples/stream_profile sdk hyper http://127.0.0.1:n $RUN $reads
//! done
//! ```
//!
//! Readers: `sdk` (`runs().stream`, events counted) or `raw` (the
//! transport's own client, chunks counted), over `reqwest` or `hyper`,
//! reading the stream `reads` times one after the other. The connection
//! task runs outside the reader's future, so count the whole process and
//! take the difference between two numbers of reads: that is what reads
//! cost, setup excluded.

use agntz_bench::transcript::transcript;
use agntz_proto::config::Config;
use agntz_proto::{Client, Transport};
use http_body_util::{BodyExt, Full};

const API_KEY: &str = "ar_live_bench_0123456789abcdef";

#[inline(never)]
async fn profile_read_sdk<T: Transport>(client: &Client<T>, run_id: &str) -> usize {
    let mut stream = client.runs().stream(run_id).await.expect("open");
    let mut n = 0;
    while let Some(event) = stream.next().await {
        std::hint::black_box(event.expect("event"));
        n += 1;
    }
    n
}

#[inline(never)]
async fn profile_read_raw_reqwest(client: &reqwest::Client, url: &str) -> usize {
    let mut resp = client
        .get(url)
        .header("authorization", format!("Bearer {API_KEY}"))
        .header("accept", "text/event-stream")
        .send()
        .await
        .expect("send");
    let mut n = 0;
    while let Some(chunk) = resp.chunk().await.expect("chunk") {
        std::hint::black_box(chunk);
        n += 1;
    }
    n
}

type RawHyper = hyper_util::client::legacy::Client<
    hyper_util::client::legacy::connect::HttpConnector,
    Full<bytes::Bytes>,
>;

#[inline(never)]
async fn profile_read_raw_hyper(client: &RawHyper, url: &str) -> usize {
    let req = http::Request::get(url)
        .header("authorization", format!("Bearer {API_KEY}"))
        .header("accept", "text/event-stream")
        .body(Full::new(bytes::Bytes::new()))
        .expect("request");
    let mut body = client.request(req).await.expect("send").into_body();
    let mut n = 0;
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.expect("frame").into_data() {
            std::hint::black_box(data);
            n += 1;
        }
    }
    n
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("id") {
        let deltas = args.get(1).and_then(|d| d.parse().ok()).unwrap_or(100_000);
        println!("{}", transcript(deltas).root_run_id);
        return;
    }
    let [who, transport, base, run_id, reads] = args.as_slice() else {
        eprintln!(
            "usage: stream_profile sdk|raw reqwest|hyper BASE RUN_ID READS  |  stream_profile id DELTAS"
        );
        std::process::exit(2);
    };
    let reads: usize = reads.parse().expect("reads");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let url = format!("{base}/runs/{run_id}/stream");
    let config = || {
        Config::builder()
            .base_url(base.as_str())
            .api_key(API_KEY)
            .build()
            .expect("config")
    };
    let n = rt.block_on(async {
        let mut n = 0;
        match (who.as_str(), transport.as_str()) {
            ("sdk", "reqwest") => {
                let c = Client::new(config(), agntz_reqwest::ReqwestTransport::new());
                for _ in 0..reads {
                    n = profile_read_sdk(&c, run_id).await;
                }
            }
            ("sdk", "hyper") => {
                let c = Client::new(config(), agntz_hyper::HyperTransport::new());
                for _ in 0..reads {
                    n = profile_read_sdk(&c, run_id).await;
                }
            }
            ("raw", "reqwest") => {
                let c = reqwest::Client::builder()
                    .redirect(reqwest::redirect::Policy::none())
                    .tcp_nodelay(true)
                    .build()
                    .expect("client");
                for _ in 0..reads {
                    n = profile_read_raw_reqwest(&c, &url).await;
                }
            }
            ("raw", "hyper") => {
                let mut http = hyper_util::client::legacy::connect::HttpConnector::new();
                http.set_nodelay(true);
                let c: RawHyper = hyper_util::client::legacy::Client::builder(
                    hyper_util::rt::TokioExecutor::new(),
                )
                .pool_timer(hyper_util::rt::TokioTimer::new())
                .build(http);
                for _ in 0..reads {
                    n = profile_read_raw_hyper(&c, &url).await;
                }
            }
            _ => {
                eprintln!("unknown reader {who} {transport}");
                std::process::exit(2);
            }
        }
        n
    });
    eprintln!("{who} {transport}: {n} items");
}
