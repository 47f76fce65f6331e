//! Starting the mock worker and building a client over each transport.

use agntz_hyper::HyperTransport;
use agntz_proto::{Client, Config, Transport};
use agntz_reqwest::ReqwestTransport;
use agntz_testkit::{TestWorker, TestWorkerConfig};

/// Builds a client over one transport, optionally trusting an extra root
/// certificate (PEM).
pub type MakeClient<T> = fn(Config, Option<&str>) -> Client<T>;

/// A reqwest-backed client.
pub fn reqwest(config: Config, root_pem: Option<&str>) -> Client<ReqwestTransport> {
    let mut builder = ReqwestTransport::builder();
    if let Some(pem) = root_pem {
        builder = builder
            .add_root_certificate_pem(pem.as_bytes())
            .expect("valid PEM");
    }
    Client::new(config, builder.build().expect("reqwest transport"))
}

/// A hyper-backed client.
pub fn hyper(config: Config, root_pem: Option<&str>) -> Client<HyperTransport> {
    let mut builder = HyperTransport::builder();
    if let Some(pem) = root_pem {
        builder = builder
            .add_root_certificate_pem(pem.as_bytes())
            .expect("valid PEM");
    }
    Client::new(config, builder.build().expect("hyper transport"))
}

/// One scenario's world: a fresh worker and a client of tenant A.
pub struct Harness<T: Transport> {
    pub worker: TestWorker,
    pub client: Client<T>,
    pub make: MakeClient<T>,
}

impl<T: Transport> Harness<T> {
    pub async fn start(make: MakeClient<T>) -> Self {
        let worker = TestWorker::start().await.expect("start the mock worker");
        let client = make(config(&worker.base_url(), Some(worker.api_key())), None);
        Harness {
            worker,
            client,
            make,
        }
    }

    /// A client of this worker with another key (or none).
    pub fn client_with_key(&self, key: Option<&str>) -> Client<T> {
        (self.make)(config(&self.worker.base_url(), key), None)
    }

    /// A client of this worker with a custom configuration.
    pub fn client_with(&self, config: Config) -> Client<T> {
        (self.make)(config, None)
    }

    /// The method and path of the last request the worker saw.
    pub fn last_call(&self) -> (String, String) {
        let req = self.worker.requests().pop().expect("a request was sent");
        (req.method, req.path)
    }

    /// A fresh worker started with `config`, and a client of tenant A.
    pub async fn with_worker(&self, config: TestWorkerConfig) -> (TestWorker, Client<T>) {
        let worker = TestWorker::start_with(config)
            .await
            .expect("start the mock worker");
        let client = (self.make)(config_for(&worker), None);
        (worker, client)
    }

    /// A fresh HTTPS worker and a client that trusts its certificate.
    pub async fn tls(&self) -> (TestWorker, Client<T>) {
        self.tls_with(TestWorkerConfig::default()).await
    }

    /// A fresh HTTPS worker started with `config` (TLS on), and a client
    /// that trusts its certificate.
    pub async fn tls_with(&self, options: TestWorkerConfig) -> (TestWorker, Client<T>) {
        let worker = TestWorker::start_with(options.tls(true))
            .await
            .expect("start the TLS mock worker");
        let pem = worker
            .ca_certificate_pem()
            .expect("TLS worker has a certificate");
        let client = (self.make)(
            config(&worker.base_url(), Some(worker.api_key())),
            Some(&pem),
        );
        (worker, client)
    }
}

fn config_for(worker: &TestWorker) -> Config {
    config(&worker.base_url(), Some(worker.api_key()))
}

pub fn config(base_url: &str, key: Option<&str>) -> Config {
    let mut builder = Config::builder().base_url(base_url);
    if let Some(key) = key {
        builder = builder.api_key(key);
    }
    builder.build().expect("valid config")
}
