//! What every example shares: a client for a real worker when
//! `AGNTZ_BASE_URL` is set, else for the in-process mock worker.

use agntz_client::AgntzClient;
use agntz_testkit::{TestWorker, TestWorkerConfig};

/// A client and, when running offline, the mock worker behind it (keep it
/// alive for as long as the client is used).
pub struct Connected {
    /// The client.
    pub client: AgntzClient,
    /// The mock worker, or `None` against a real worker.
    pub worker: Option<TestWorker>,
}

/// Connects to `AGNTZ_BASE_URL` with `AGNTZ_API_KEY`, or starts the mock
/// worker with `config` and connects to it.
#[allow(dead_code)] // not every example passes a configuration
pub async fn connect_with(
    config: TestWorkerConfig,
) -> Result<Connected, Box<dyn std::error::Error>> {
    match std::env::var("AGNTZ_BASE_URL") {
        Ok(url) if !url.trim().is_empty() => {
            println!("worker: {url}");
            Ok(Connected {
                client: AgntzClient::from_env()?,
                worker: None,
            })
        }
        _ => {
            let worker = TestWorker::start_with(config).await?;
            println!("worker: in-process mock at {}", worker.base_url());
            let client = AgntzClient::new(worker.api_key(), worker.base_url())?;
            Ok(Connected {
                client,
                worker: Some(worker),
            })
        }
    }
}

/// [`connect_with`] the mock worker's defaults.
#[allow(dead_code)] // not every example uses the defaults
pub async fn connect() -> Result<Connected, Box<dyn std::error::Error>> {
    connect_with(TestWorkerConfig::default()).await
}
