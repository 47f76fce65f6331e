//! A mock worker on its own runtime thread and a blocking client over each
//! transport: the test threads themselves have no runtime, like the
//! programs the blocking client is for.

use std::time::Duration;

use agntz_client::blocking::{AgntzClient, AgntzClientBuilder};
use agntz_client::{Error, Run, Transport};
use agntz_testkit::{RecordedRequest, TestWorker, TestWorkerConfig};

/// Builds a blocking client over one transport.
pub type Build<T> = fn(AgntzClientBuilder) -> Result<AgntzClient<T>, Error>;

/// Over reqwest.
pub fn reqwest(builder: AgntzClientBuilder) -> Result<AgntzClient, Error> {
    builder.build()
}

/// Over hyper.
pub fn hyper(
    builder: AgntzClientBuilder,
) -> Result<AgntzClient<agntz_client::transport::HyperTransport>, Error> {
    builder.build_hyper()
}

/// One scenario's world: a fresh worker and a blocking client of tenant A.
pub struct Harness<T: Transport> {
    pub worker: TestWorker,
    pub client: AgntzClient<T>,
    pub build: Build<T>,
}

impl<T: Transport> Harness<T> {
    pub fn start(build: Build<T>) -> Self {
        let worker = TestWorker::start_blocking().expect("start the mock worker");
        let client = build(builder_for(&worker, Some(worker.api_key()))).expect("build the client");
        Harness {
            worker,
            client,
            build,
        }
    }

    /// A builder for this worker with tenant A's key, to tune.
    pub fn builder(&self) -> AgntzClientBuilder {
        builder_for(&self.worker, Some(self.worker.api_key()))
    }

    /// A client of this worker built from `builder`.
    pub fn client_from(&self, builder: AgntzClientBuilder) -> AgntzClient<T> {
        (self.build)(builder).expect("build the client")
    }

    /// A client of this worker with another key (or none).
    pub fn client_with_key(&self, key: Option<&str>) -> AgntzClient<T> {
        self.client_from(builder_for(&self.worker, key))
    }

    /// A fresh HTTPS worker started with `config`, and a client that
    /// trusts its certificate.
    pub fn tls_with(&self, config: TestWorkerConfig) -> (TestWorker, AgntzClient<T>) {
        let worker =
            TestWorker::start_blocking_with(config.tls(true)).expect("start the TLS mock worker");
        let pem = worker.ca_certificate_pem().expect("TLS worker certificate");
        let client = self.client_from(
            builder_for(&worker, Some(worker.api_key())).add_root_certificate_pem(pem),
        );
        (worker, client)
    }

    /// The last request whose path starts with `prefix`.
    pub fn last_request_to(&self, prefix: &str) -> RecordedRequest {
        self.worker
            .requests()
            .into_iter()
            .rev()
            .find(|r| r.path.starts_with(prefix))
            .unwrap_or_else(|| panic!("no request to {prefix}"))
    }

    /// How many requests `method` sent under `prefix`.
    pub fn count(&self, method: &str, prefix: &str) -> usize {
        self.worker
            .requests()
            .iter()
            .filter(|r| r.method == method && r.path.starts_with(prefix))
            .count()
    }

    /// Waits (bounded) until the durable run is terminal.
    pub fn wait_terminal(&self, id: &str) -> Run {
        for _ in 0..200 {
            let run = self.client.runs().get(id).expect("get run");
            if run.status.is_terminal() {
                return run;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("run {id} did not finish in time");
    }
}

fn builder_for(worker: &TestWorker, key: Option<&str>) -> AgntzClientBuilder {
    let builder = AgntzClient::builder().base_url(worker.base_url());
    match key {
        Some(key) => builder.api_key(key),
        None => builder,
    }
}
