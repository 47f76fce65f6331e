//! The floors' clients: each transport's own client used by hand, and the
//! least client there is (a hand-written HTTP/1.1 exchange over a tokio
//! `TcpStream`).

use std::time::{Duration, Instant};

use agntz_proto::types::{RunRequest, RunResult};
use bytes::Bytes;
use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use http_body_util::{BodyExt, Full};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub const API_KEY: &str = "ar_live_bench_0123456789abcdef";
pub const AUTH: &str = "Bearer ar_live_bench_0123456789abcdef";
pub const UA: &str = "agntz-rust/0.1.0";

type RawHyper = hyper_util::client::legacy::Client<
    hyper_util::client::legacy::connect::HttpConnector,
    Full<Bytes>,
>;

/// What a stream reads.
#[derive(Debug, Clone)]
pub enum Target {
    /// `GET /runs/{id}/stream`.
    Runs(String),
    /// `POST /run/stream` with this JSON body.
    Agent(Bytes),
    /// `POST /gate/{k}` (the bench server's gate of held streams).
    Gate(u64),
}

/// The transport's underlying client, used directly.
#[derive(Clone)]
pub enum Raw {
    Reqwest(reqwest::Client),
    Hyper(Box<RawHyper>),
}

impl Raw {
    pub fn reqwest() -> Raw {
        // Configured like agntz-reqwest's default client.
        Raw::Reqwest(
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .tcp_nodelay(true)
                .build()
                .expect("reqwest client"),
        )
    }

    pub fn hyper() -> Raw {
        // Configured like agntz-hyper's default client (minus TLS).
        let mut http = hyper_util::client::legacy::connect::HttpConnector::new();
        http.set_nodelay(true);
        Raw::Hyper(Box::new(
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .pool_timer(hyper_util::rt::TokioTimer::new())
                .build(http),
        ))
    }

    pub fn by_name(name: &str) -> Raw {
        if name == "reqwest" {
            Raw::reqwest()
        } else {
            Raw::hyper()
        }
    }

    /// `POST /run` by hand: same headers and body; parse into `RunResult`.
    pub async fn run(&self, base: &str, request: &RunRequest) -> RunResult {
        let body = serde_json::to_vec(request).expect("request body");
        let bytes = match self {
            Raw::Reqwest(c) => {
                let resp = c
                    .post(format!("{base}/run"))
                    .header(USER_AGENT, UA)
                    .header(AUTHORIZATION, AUTH)
                    .header(CONTENT_TYPE, "application/json")
                    .body(body)
                    .send()
                    .await
                    .expect("send");
                assert!(resp.status().is_success());
                resp.bytes().await.expect("body")
            }
            Raw::Hyper(c) => {
                let req = http::Request::post(format!("{base}/run"))
                    .header(USER_AGENT, UA)
                    .header(AUTHORIZATION, AUTH)
                    .header(CONTENT_TYPE, "application/json")
                    .body(Full::new(Bytes::from(body)))
                    .expect("request");
                let resp = c.request(req).await.expect("send");
                assert!(resp.status().is_success());
                resp.into_body().collect().await.expect("body").to_bytes()
            }
        };
        serde_json::from_slice(&bytes).expect("RunResult")
    }

    /// Sends the stream request of `target` with `headers` added; the
    /// response is returned once its head has arrived.
    pub async fn open(&self, base: &str, target: &Target, headers: &[(&str, String)]) -> RawOpen {
        let (method, url, body) = match target {
            Target::Runs(id) => (
                http::Method::GET,
                format!("{base}/runs/{id}/stream"),
                Bytes::new(),
            ),
            Target::Agent(body) => (
                http::Method::POST,
                format!("{base}/run/stream"),
                body.clone(),
            ),
            Target::Gate(k) => (http::Method::POST, format!("{base}/gate/{k}"), Bytes::new()),
        };
        match self {
            Raw::Reqwest(c) => {
                let mut req = c
                    .request(method, url)
                    .header(USER_AGENT, UA)
                    .header(AUTHORIZATION, AUTH)
                    .header(ACCEPT, "text/event-stream");
                if !body.is_empty() {
                    req = req.header(CONTENT_TYPE, "application/json").body(body);
                }
                for (k, v) in headers {
                    req = req.header(*k, v);
                }
                let resp = req.send().await.expect("send");
                assert!(resp.status().is_success());
                RawOpen::Reqwest(resp)
            }
            Raw::Hyper(c) => {
                let mut req = http::Request::builder()
                    .method(method)
                    .uri(url)
                    .header(USER_AGENT, UA)
                    .header(AUTHORIZATION, AUTH)
                    .header(ACCEPT, "text/event-stream");
                if !body.is_empty() {
                    req = req.header(CONTENT_TYPE, "application/json");
                }
                for (k, v) in headers {
                    req = req.header(*k, v);
                }
                let req = req.body(Full::new(body)).expect("request");
                let resp = c.request(req).await.expect("send");
                assert!(resp.status().is_success());
                RawOpen::Hyper(resp.into_body())
            }
        }
    }

    /// Reads the raw body of `target` to the end, chunk by chunk as the
    /// client hands them over. Returns (bytes, time to first chunk).
    pub async fn read(
        &self,
        base: &str,
        target: &Target,
        headers: &[(&str, String)],
    ) -> (usize, Duration) {
        let start = Instant::now();
        let mut open = self.open(base, target, headers).await;
        let mut first = None;
        let mut n = 0;
        while let Some(len) = open.next().await {
            first.get_or_insert_with(|| start.elapsed());
            n += len;
        }
        (n, first.unwrap_or_default())
    }
}

/// An open raw response.
pub enum RawOpen {
    Reqwest(reqwest::Response),
    Hyper(hyper::body::Incoming),
}

impl RawOpen {
    /// The length of the next data chunk; `None` at the end.
    pub async fn next(&mut self) -> Option<usize> {
        match self {
            RawOpen::Reqwest(r) => r.chunk().await.expect("chunk").map(|c| c.len()),
            RawOpen::Hyper(b) => loop {
                match b.frame().await {
                    None => return None,
                    Some(frame) => {
                        if let Ok(data) = frame.expect("frame").into_data() {
                            return Some(data.len());
                        }
                    }
                }
            },
        }
    }
}

/// The least HTTP/1.1 client: one keep-alive connection, the request
/// written from prebuilt bytes, the response head parsed with `httparse`,
/// the body read by its `Content-Length` and parsed into `RunResult`. No
/// pool, no header map, no body abstraction, no timer: a `wrk`-class floor
/// that still does the one thing a caller needs (the typed result).
pub struct Wire {
    tcp: tokio::net::TcpStream,
    buf: Vec<u8>,
}

impl Wire {
    pub async fn connect(base: &str) -> Wire {
        let addr = base.strip_prefix("http://").expect("http base");
        let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
        tcp.set_nodelay(true).expect("nodelay");
        Wire {
            tcp,
            buf: Vec::with_capacity(8 * 1024),
        }
    }

    /// The bytes of a `POST /run` with the SDK's headers and `request`.
    pub fn request_bytes(base: &str, request: &RunRequest) -> Vec<u8> {
        let host = base.strip_prefix("http://").expect("http base");
        let body = serde_json::to_vec(request).expect("request body");
        let mut out = format!(
            "POST /run HTTP/1.1\r\nhost: {host}\r\nuser-agent: {UA}\r\nauthorization: {AUTH}\r\n\
             content-type: application/json\r\ncontent-length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        out.extend_from_slice(&body);
        out
    }

    /// One call: writes `request`, reads and parses the response.
    pub async fn call(&mut self, request: &[u8]) -> RunResult {
        self.tcp.write_all(request).await.expect("write");
        self.buf.clear();
        loop {
            let mut headers = [httparse::EMPTY_HEADER; 16];
            let mut head = httparse::Response::new(&mut headers);
            if let httparse::Status::Complete(at) = head.parse(&self.buf).expect("response head") {
                assert_eq!(head.code, Some(200));
                let len: usize = head
                    .headers
                    .iter()
                    .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                    .and_then(|h| std::str::from_utf8(h.value).ok())
                    .and_then(|v| v.parse().ok())
                    .expect("content-length");
                while self.buf.len() < at + len {
                    self.fill().await;
                }
                return serde_json::from_slice(&self.buf[at..at + len]).expect("RunResult");
            }
            self.fill().await;
        }
    }

    async fn fill(&mut self) {
        if self.buf.capacity() - self.buf.len() < 4096 {
            self.buf.reserve(8192);
        }
        let n = self.tcp.read_buf(&mut self.buf).await.expect("read");
        assert!(n > 0, "connection closed");
    }
}
