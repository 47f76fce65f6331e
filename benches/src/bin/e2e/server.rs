//! The loopback server, run as a child process (`__serve`) so that its CPU,
//! allocations and memory are not counted in the client.
//!
//! Routes (all bodies prebuilt):
//! - `POST /run`: the ~1.1 KB result;
//! - `GET /runs/{root}/stream`: the transcript, one HTTP chunk per SSE
//!   frame as the worker writes it (`x-bench-body: whole`: one body);
//! - `POST /run/stream`: the agent-replies transcript, likewise;
//! - `GET /runs/{scale root}/stream`: a `scale` delta stream; its first frame
//!   at once, the rest after `POST /gate/{k}` for the `x-bench-gate: k` the
//!   request carried, one frame per `x-bench-interval-ms` if given;
//! - `GET /runs/run_idle_*/stream`: one frame now, then one every 500 ms.

use std::collections::HashMap;
use std::convert::Infallible;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use agntz_bench::transcript::{
    agent_replies_stream, delta_stream, frame_ranges, run_body, transcript,
};
use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::Frame;

use crate::args::Args;

/// Interval between frames of an idle stream.
const IDLE_INTERVAL: Duration = Duration::from_millis(500);

/// Request header: serve the stream as one body instead of a chunk per frame.
pub const BODY_HEADER: &str = "x-bench-body";
/// Request header: wait for this gate before streaming past the first frame.
pub const GATE_HEADER: &str = "x-bench-gate";
/// Request header: milliseconds between frames after the gate.
pub const INTERVAL_HEADER: &str = "x-bench-interval-ms";

type ServerBody = http_body_util::combinators::UnsyncBoxBody<Bytes, Infallible>;

/// A transcript cut into its frames (each a slice of one buffer).
struct Framed {
    whole: Bytes,
    frames: Arc<Vec<Bytes>>,
}

impl Framed {
    fn new(bytes: Vec<u8>) -> Framed {
        let whole = Bytes::from(bytes);
        let frames = frame_ranges(&whole)
            .into_iter()
            .map(|r| whole.slice(r))
            .collect();
        Framed {
            whole,
            frames: Arc::new(frames),
        }
    }
}

struct State {
    run: Bytes,
    agent: Framed,
    /// `GET /runs/{id}/stream` transcripts (the main one and the `scale`
    /// ones) by root run id.
    runs: HashMap<String, Framed>,
    gate: tokio::sync::watch::Sender<u64>,
}

/// The deltas of the `scale` streams (one [`delta_stream`] per size).
pub fn scale_deltas(args: &Args) -> Vec<usize> {
    let mut all: Vec<usize> = args
        .scale
        .iter()
        .map(|n| args.scale_deltas(*n))
        .chain([args.paced_events])
        .collect();
    all.sort_unstable();
    all.dedup();
    all
}

/// The server child: serves prebuilt bytes until its stdin closes.
pub fn serve(args: &Args) {
    let mut runs = HashMap::new();
    let t = transcript(args.deltas);
    runs.insert(t.root_run_id, Framed::new(t.runs_stream));
    for deltas in scale_deltas(args) {
        let (body, run_id) = delta_stream(deltas);
        runs.insert(run_id, Framed::new(body));
    }
    let state = Arc::new(State {
        run: Bytes::from(run_body()),
        agent: Framed::new(agent_replies_stream(args.deltas)),
        runs,
        gate: tokio::sync::watch::channel(0).0,
    });
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
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                // Out of file descriptors, for instance: wait, then go on.
                tokio::time::sleep(Duration::from_millis(10)).await;
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

fn header<T: std::str::FromStr>(
    req: &http::Request<hyper::body::Incoming>,
    name: &str,
) -> Option<T> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

async fn respond(
    req: http::Request<hyper::body::Incoming>,
    state: &State,
) -> http::Response<ServerBody> {
    let path = req.uri().path().to_owned();
    let method = req.method().clone();
    let whole = req.headers().get(BODY_HEADER).is_some_and(|v| v == "whole");
    let gate: Option<u64> = header(&req, GATE_HEADER);
    let interval: Option<u64> = header(&req, INTERVAL_HEADER);
    // Read the request body so the connection stays reusable.
    let _ = req.into_body().collect().await;
    let full = |ct: &'static str, body: Bytes| {
        http::Response::builder()
            .header(CONTENT_TYPE, ct)
            .body(Full::new(body).boxed_unsync())
            .expect("response")
    };
    let sse = |framed: &Framed| {
        let frames = Arc::clone(&framed.frames);
        if whole {
            full("text/event-stream", framed.whole.clone())
        } else if gate.is_some() || interval.is_some() {
            let gate = gate.map(|k| (k, state.gate.subscribe()));
            stream_response(gated(frames, gate, interval.map(Duration::from_millis)))
        } else {
            stream_response(per_frame(frames))
        }
    };
    if method == http::Method::POST && path == "/run" {
        return full("application/json", state.run.clone());
    }
    if method == http::Method::POST && path == "/run/stream" {
        return sse(&state.agent);
    }
    if let Some(k) = path.strip_prefix("/gate/").and_then(|k| k.parse().ok()) {
        state.gate.send_replace(k);
        return full("application/json", Bytes::from_static(b"{}"));
    }
    let Some(id) = path
        .strip_prefix("/runs/")
        .and_then(|p| p.strip_suffix("/stream"))
    else {
        return not_found();
    };
    if let Some(framed) = state.runs.get(id) {
        return sse(framed);
    }
    if id.starts_with("run_idle_") {
        return stream_response(idle(id.to_owned()));
    }
    not_found()
}

fn not_found() -> http::Response<ServerBody> {
    http::Response::builder()
        .status(404)
        .body(Full::new(Bytes::new()).boxed_unsync())
        .expect("response")
}

type Frames = std::pin::Pin<
    Box<dyn futures_util::Stream<Item = Result<Frame<Bytes>, Infallible>> + Send + 'static>,
>;

fn stream_response(frames: Frames) -> http::Response<ServerBody> {
    http::Response::builder()
        .header(CONTENT_TYPE, "text/event-stream")
        .body(BodyExt::boxed_unsync(StreamBody::new(frames)))
        .expect("response")
}

/// One HTTP chunk per SSE frame, as fast as the connection takes them.
fn per_frame(frames: Arc<Vec<Bytes>>) -> Frames {
    let n = frames.len();
    Box::pin(futures_util::stream::iter(
        (0..n).map(move |i| Ok(Frame::data(frames[i].clone()))),
    ))
}

/// The first frame at once; the others once the gate reaches `k`, one per
/// `interval` if given.
fn gated(
    frames: Arc<Vec<Bytes>>,
    gate: Option<(u64, tokio::sync::watch::Receiver<u64>)>,
    interval: Option<Duration>,
) -> Frames {
    Box::pin(futures_util::stream::unfold(
        (0usize, gate, frames),
        move |(i, gate, frames)| async move {
            let frame = frames.get(i)?.clone();
            let mut gate = gate;
            if i == 1 {
                if let Some((k, mut rx)) = gate.take() {
                    let _ = rx.wait_for(|v| *v >= k).await;
                }
            }
            if i >= 1 {
                if let Some(interval) = interval {
                    tokio::time::sleep(interval).await;
                }
            }
            Some((Ok(Frame::data(frame)), (i + 1, gate, frames)))
        },
    ))
}

/// An idle run: one frame now, then one per interval, forever.
fn idle(id: String) -> Frames {
    Box::pin(futures_util::stream::unfold(0u64, move |seq| {
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
    }))
}

/// The server child process.
pub struct Server {
    child: Child,
    pub base: String,
}

impl Server {
    /// Starts the server with the flags of this process.
    pub fn start() -> Server {
        let exe = std::env::current_exe().expect("own path");
        let mut child = Command::new(exe)
            .arg("__serve")
            .args(std::env::args().skip(1))
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
