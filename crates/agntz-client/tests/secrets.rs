//! The API key never shows up in `Debug` or `Display` output of the facade:
//! the client, its builder, the transports, and the errors of a rejected key
//! or an unreachable worker.

use agntz_client::proto::ops::GetRun;
use agntz_client::{AgntzClient, AgntzClientBuilder, Error, ReqwestTransport, RunRequest};
use agntz_testkit::TestWorker;

const SECRET: &str = "ar_live_SECRET_123";

#[track_caller]
fn assert_hidden(what: &str, text: &str) {
    assert!(!text.contains("SECRET_123"), "{what} leaks the key: {text}");
}

#[track_caller]
fn assert_hidden_debug(what: &str, value: &impl std::fmt::Debug) {
    assert_hidden(what, &format!("{value:?}"));
    assert_hidden(what, &format!("{value:#?}"));
}

/// Display, Debug and every source of an error.
#[track_caller]
fn assert_hidden_error(what: &str, err: &Error) {
    assert_hidden_debug(what, err);
    assert_hidden(what, &err.to_string());
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        assert_hidden(what, &format!("{s} {s:?}"));
        source = s.source();
    }
}

#[test]
fn builder_before_and_after_the_key() {
    let builder = AgntzClientBuilder::new().base_url("https://worker.example.com");
    assert_hidden_debug("AgntzClientBuilder", &builder);
    let builder = builder.api_key(SECRET);
    assert_hidden_debug("AgntzClientBuilder", &builder);
    let builder = builder
        .header("x-team", "a")
        .add_root_certificate_pem("not a pem")
        .allow_insecure_http(true);
    assert_hidden_debug("AgntzClientBuilder", &builder);
}

#[test]
fn client_and_reqwest_transport() {
    let client = AgntzClient::new(SECRET, "https://worker.example.com").unwrap();
    assert_hidden_debug("AgntzClient", &client);
    assert_hidden_debug("AgntzClient::clone", &client.clone());
    assert_hidden_debug("Config", client.config());
    assert_hidden_debug("ReqwestTransport", client.transport());
    let inner = client.into_inner();
    assert_hidden_debug("Client<ReqwestTransport>", &inner);

    let client = AgntzClient::builder()
        .api_key(SECRET)
        .base_url("https://worker.example.com")
        .build()
        .unwrap();
    assert_hidden_debug("AgntzClient", &client);
    let standalone = ReqwestTransport::builder().build().unwrap();
    assert_hidden_debug("ReqwestTransport", &standalone);

    // The request the client would send carries the key, hidden.
    let request = agntz_client::ops::Operation::build(&GetRun::new("r"), client.config()).unwrap();
    assert_hidden_debug("request", &request);
    assert!(request.headers()["authorization"].is_sensitive());
}

#[test]
fn plain_http_to_a_remote_host_is_refused() {
    let err = AgntzClient::new(SECRET, "http://worker.example.com").unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    assert_hidden_error("refusal", &err);
    AgntzClient::builder()
        .api_key(SECRET)
        .base_url("http://worker.example.com")
        .allow_insecure_http(true)
        .build()
        .unwrap();
    AgntzClient::new(SECRET, "http://127.0.0.1:4001").unwrap();
}

#[tokio::test]
async fn errors_of_a_rejected_key() {
    let worker = TestWorker::start().await.unwrap();
    let client = AgntzClient::new(SECRET, worker.base_url()).unwrap();
    let errors = [
        client.runs().get("run_1").await.unwrap_err(),
        client
            .agents()
            .run(RunRequest::new("echo").input("hi"))
            .await
            .unwrap_err(),
        client.sessions().list().await.unwrap_err(),
        client
            .agents()
            .stream(RunRequest::new("echo").input("hi"))
            .await
            .map(|_| ())
            .unwrap_err(),
    ];
    for err in &errors {
        assert!(matches!(err, Error::Authentication(_)), "{err:?}");
        assert_hidden_error("401", err);
    }
    // The key was sent, and only as the bearer token.
    let requests = worker.requests();
    assert!(!requests.is_empty());
    for r in &requests {
        assert_eq!(
            r.header("authorization"),
            Some(format!("Bearer {SECRET}").as_str())
        );
    }
}

/// A failure below HTTP (nothing listening) does not echo the key either.
#[tokio::test]
async fn transport_errors() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let client = AgntzClient::builder()
        .api_key(SECRET)
        .base_url(format!("http://127.0.0.1:{port}"))
        .retry_policy(agntz_client::RetryPolicy::none())
        .build()
        .unwrap();
    let err = client.runs().get("run_1").await.unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert_hidden_error("connect error", &err);
}

#[cfg(feature = "hyper")]
mod hyper {
    use super::*;
    use agntz_client::transport::HyperTransport;
    use agntz_client::AgntzClient;

    type HyperClient = AgntzClient<HyperTransport>;

    fn client(base: &str) -> HyperClient {
        AgntzClientBuilder::new()
            .api_key(SECRET)
            .base_url(base)
            .retry_policy(agntz_client::RetryPolicy::none())
            .build_hyper()
            .unwrap()
    }

    #[test]
    fn hyper_transport_and_client() {
        let c = client("https://worker.example.com");
        assert_hidden_debug("HyperClient", &c);
        assert_hidden_debug("HyperTransport", c.transport());
        let standalone = HyperTransport::builder().build().unwrap();
        assert_hidden_debug("HyperTransport", &standalone);
    }

    #[tokio::test]
    async fn hyper_errors_of_a_rejected_key() {
        let worker = TestWorker::start().await.unwrap();
        let c = client(&worker.base_url());
        let err = c.runs().get("run_1").await.unwrap_err();
        assert!(matches!(err, Error::Authentication(_)), "{err:?}");
        assert_hidden_error("hyper 401", &err);
        let err = c
            .agents()
            .stream(RunRequest::new("echo"))
            .await
            .map(|_| ())
            .unwrap_err();
        assert!(matches!(err, Error::Authentication(_)), "{err:?}");
        assert_hidden_error("hyper stream 401", &err);
    }

    #[tokio::test]
    async fn hyper_transport_errors() {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let c = client(&format!("http://127.0.0.1:{port}"));
        let err = c.runs().get("run_1").await.unwrap_err();
        assert!(matches!(err, Error::Transport(_)), "{err:?}");
        assert_hidden_error("hyper connect error", &err);
    }
}
