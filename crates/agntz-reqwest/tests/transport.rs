//! Tests of this transport's own API. The behaviour shared with the other
//! transports (timeouts, errors, redirects, TLS) is tested once for all of
//! them by the `transport` suite of the conformance package.

use agntz_proto::Config;
use agntz_reqwest::ReqwestTransport;
use agntz_testkit::TestWorker;

#[tokio::test]
async fn from_client_accepts_a_prebuilt_client() {
    let worker = TestWorker::start().await.unwrap();
    let config = Config::builder()
        .base_url(worker.base_url())
        .api_key(worker.api_key())
        .build()
        .unwrap();

    let reqwest_client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let transport = ReqwestTransport::from_client(reqwest_client);
    let client = agntz_reqwest::Client::new(config, transport);
    assert!(client.health().await.unwrap().is_ok());
    assert_eq!(worker.requests().len(), 1);
}
