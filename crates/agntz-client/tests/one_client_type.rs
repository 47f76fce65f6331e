//! One facade type for every transport: code generic over `AgntzClient<T>`
//! runs unchanged over reqwest, hyper and a transport built by hand.

use agntz_client::transport::ReqwestTransport;
use agntz_client::{AgntzClient, RunRequest, StreamEvent, Transport};
use agntz_testkit::TestWorker;

/// What a user writes once: a run and a stream through any transport.
async fn echo_twice<T: Transport>(client: &AgntzClient<T>, text: &str) -> (String, String) {
    let result = client
        .agents()
        .run(RunRequest::new("echo").input(text))
        .await
        .unwrap();
    let mut events = client
        .agents()
        .stream(RunRequest::new("echo").input(text))
        .await
        .unwrap();
    let mut streamed = None;
    while let Some(event) = events.next().await {
        if let StreamEvent::Complete(done) = event.unwrap() {
            streamed = Some(done.output.to_string());
        }
    }
    (
        result.output.to_string(),
        streamed.expect("no complete event"),
    )
}

#[tokio::test]
async fn generic_code_runs_over_every_transport() {
    let worker = TestWorker::start().await.unwrap();
    let builder = || {
        AgntzClient::builder()
            .api_key(worker.api_key())
            .base_url(worker.base_url())
    };

    let reqwest: AgntzClient = builder().build().unwrap();
    let (run, stream) = echo_twice(&reqwest, "over reqwest").await;
    assert!(run.contains("ECHO: over reqwest"), "{run}");
    assert_eq!(run, stream);

    let custom: AgntzClient<ReqwestTransport> = builder()
        .build_with(ReqwestTransport::builder().build().unwrap())
        .unwrap();
    let (run, _) = echo_twice(&custom, "over a transport built by hand").await;
    assert!(
        run.contains("ECHO: over a transport built by hand"),
        "{run}"
    );

    #[cfg(feature = "hyper")]
    {
        let hyper: AgntzClient<agntz_client::transport::HyperTransport> =
            builder().build_hyper().unwrap();
        let (run, stream) = echo_twice(&hyper, "over hyper").await;
        assert!(run.contains("ECHO: over hyper"), "{run}");
        assert_eq!(run, stream);
    }
}

#[test]
fn from_env_reads_the_official_cli_url_name() {
    // The only test in this binary that touches the environment.
    std::env::set_var("AGNTZ_API_KEY", "ar_live_from_env");
    std::env::remove_var("AGNTZ_BASE_URL");
    std::env::set_var("AGNTZ_API_URL", "http://127.0.0.1:4999/cli-url");
    let client = AgntzClient::from_env().unwrap();
    assert_eq!(client.config().base_url(), "http://127.0.0.1:4999/cli-url");

    // AGNTZ_BASE_URL, the SDK's own name, wins when both are set.
    std::env::set_var("AGNTZ_BASE_URL", "http://127.0.0.1:4998");
    let client = AgntzClient::from_env().unwrap();
    assert_eq!(client.config().base_url(), "http://127.0.0.1:4998");

    std::env::set_var("AGNTZ_API_KEY", "  ");
    let err = AgntzClient::from_env().unwrap_err();
    assert!(err.to_string().contains("AGNTZ_API_KEY"), "{err}");
}
