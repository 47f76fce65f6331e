//! The SDK clients under test, over either transport.

use agntz_hyper::HyperTransport;
use agntz_proto::config::Config;
use agntz_proto::types::RunRequest;
use agntz_proto::{Client, Transport};
use agntz_reqwest::ReqwestTransport;

use crate::raw::API_KEY;

/// The transports, by name.
pub const TRANSPORTS: [&str; 2] = ["reqwest", "hyper"];

/// A config for `base` sending `headers` with every request.
pub fn config(base: &str, headers: &[(&str, String)]) -> Config {
    let mut b = Config::builder().base_url(base).api_key(API_KEY);
    for (k, v) in headers {
        b = b.header(*k, v.clone());
    }
    b.build().expect("config")
}

pub fn sdk_reqwest(base: &str) -> Client<ReqwestTransport> {
    sdk_reqwest_with(base, &[])
}

pub fn sdk_hyper(base: &str) -> Client<HyperTransport> {
    sdk_hyper_with(base, &[])
}

pub fn sdk_reqwest_with(base: &str, headers: &[(&str, String)]) -> Client<ReqwestTransport> {
    Client::new(
        config(base, headers),
        ReqwestTransport::builder().build().expect("transport"),
    )
}

pub fn sdk_hyper_with(base: &str, headers: &[(&str, String)]) -> Client<HyperTransport> {
    Client::new(
        config(base, headers),
        HyperTransport::builder().build().expect("transport"),
    )
}

/// An SDK client over either transport.
#[derive(Clone)]
pub enum Sdk {
    Reqwest(Client<ReqwestTransport>),
    Hyper(Client<HyperTransport>),
}

impl Sdk {
    /// The client over the transport `name`, sending `headers`.
    pub fn by_name(name: &str, base: &str, headers: &[(&str, String)]) -> Sdk {
        if name == "reqwest" {
            Sdk::Reqwest(sdk_reqwest_with(base, headers))
        } else {
            Sdk::Hyper(sdk_hyper_with(base, headers))
        }
    }

    /// Reads `runs().stream(run_id)` to its end; returns the events and the
    /// time to the first one from `start`.
    pub async fn read_runs(
        &self,
        run_id: &str,
        start: std::time::Instant,
    ) -> (usize, std::time::Duration) {
        match self {
            Sdk::Reqwest(c) => read_runs(c, run_id, start).await,
            Sdk::Hyper(c) => read_runs(c, run_id, start).await,
        }
    }

    /// Reads `agents().stream(request)` to its end; returns the events and
    /// the time to the first one from `start`.
    pub async fn read_agent(
        &self,
        request: RunRequest,
        start: std::time::Instant,
    ) -> (usize, std::time::Duration) {
        match self {
            Sdk::Reqwest(c) => read_agent(c, request, start).await,
            Sdk::Hyper(c) => read_agent(c, request, start).await,
        }
    }

    /// Opens `runs().stream(run_id)`, reads its first event, calls
    /// `opened`, then reads the rest; returns the events after the first.
    pub async fn runs_after_first(&self, run_id: &str, opened: impl FnOnce()) -> usize {
        match self {
            Sdk::Reqwest(c) => runs_after_first(c, run_id, opened).await,
            Sdk::Hyper(c) => runs_after_first(c, run_id, opened).await,
        }
    }
}

async fn read_runs<T: Transport>(
    client: &Client<T>,
    run_id: &str,
    start: std::time::Instant,
) -> (usize, std::time::Duration) {
    let mut stream = client.runs().stream(run_id).await.expect("open stream");
    let mut first = None;
    let mut n = 0;
    while let Some(event) = stream.next().await {
        std::hint::black_box(event.expect("event"));
        first.get_or_insert_with(|| start.elapsed());
        n += 1;
    }
    (n, first.unwrap_or_default())
}

async fn read_agent<T: Transport>(
    client: &Client<T>,
    request: RunRequest,
    start: std::time::Instant,
) -> (usize, std::time::Duration) {
    let mut stream = client.agents().stream(request).await.expect("open stream");
    let mut first = None;
    let mut n = 0;
    while let Some(event) = stream.next().await {
        std::hint::black_box(event.expect("event"));
        first.get_or_insert_with(|| start.elapsed());
        n += 1;
    }
    (n, first.unwrap_or_default())
}

async fn runs_after_first<T: Transport>(
    client: &Client<T>,
    run_id: &str,
    opened: impl FnOnce(),
) -> usize {
    let mut stream = client.runs().stream(run_id).await.expect("open stream");
    std::hint::black_box(stream.next().await.expect("first event").expect("event"));
    opened();
    let mut n = 0;
    while let Some(event) = stream.next().await {
        std::hint::black_box(event.expect("event"));
        n += 1;
    }
    n
}

pub fn run_request() -> RunRequest {
    RunRequest::new("research-writer")
        .input(serde_json::json!({ "topic": "SSE client performance", "depth": 3 }))
        .session_id("sess_1kq9Wc7xR2pM")
}
