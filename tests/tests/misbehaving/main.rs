//! Servers of our own design that misbehave in ways the mock worker's fault
//! knobs do not cover: a resumed run stream that brings nothing new, a
//! server that echoes the client's API key in its own text, and large
//! bodies without a `Content-Length` in many chunks. Each scenario
//! runs over both transports against a purpose-built loopback server
//! (`server.rs`) that scripts every answer.

mod chunked;
mod resume;
mod scrub;
mod server;

use std::time::Duration;

use agntz_hyper::HyperTransport;
use agntz_proto::{Client, Config, RetryPolicy, Transport};
use agntz_reqwest::ReqwestTransport;

/// The key the clients send (and the servers echo).
pub const KEY: &str = "ar_live_ECHOED_s3cr3t_KEY";

/// Builds a client over one transport for a configuration.
pub type Make<T> = fn(Config) -> Client<T>;

fn reqwest(config: Config) -> Client<ReqwestTransport> {
    Client::new(
        config,
        ReqwestTransport::builder().build().expect("reqwest"),
    )
}

fn hyper(config: Config) -> Client<HyperTransport> {
    Client::new(config, HyperTransport::builder().build().expect("hyper"))
}

/// A client of `base_url` with [`KEY`], short reconnect backoff (the
/// default 5 reconnects in a row), and `retries` retries of a failed call.
pub fn client<T: Transport>(make: Make<T>, base_url: &str, retries: u32) -> Client<T> {
    let policy = RetryPolicy::default()
        .with_max_retries(retries)
        .with_backoff(Duration::from_millis(1), Duration::from_millis(5));
    let config = Config::builder()
        .base_url(base_url)
        .api_key(KEY)
        .retry_policy(policy)
        .build()
        .expect("config");
    make(config)
}

/// `transports!(tests = module; scenario, ...)` makes
/// `tests::reqwest::scenario` and `tests::hyper::scenario` tests that run
/// `module::scenario`.
macro_rules! transports {
    ($tests:ident = $module:ident; $($scenario:ident),* $(,)?) => {
        mod $tests {
            mod reqwest {
                $(
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $scenario() {
                        crate::$module::$scenario(crate::reqwest).await;
                    }
                )*
            }
            mod hyper {
                $(
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $scenario() {
                        crate::$module::$scenario(crate::hyper).await;
                    }
                )*
            }
        }
    };
}

transports!(resumes = resume;
    empty_resumed_body_is_a_failed_attempt,
    duplicates_only_are_a_failed_attempt,
    new_events_after_duplicates_arrive_once,
    empty_bodies_up_to_the_limit_end_with_an_error,
    duplicates_up_to_the_limit_end_with_an_error,
    cut_resumed_body_then_nothing_ends_with_an_error,
    own_since_on_a_finished_run_ends_normally,
);

transports!(echoes = scrub;
    key_echoed_in_a_json_401,
    key_echoed_in_a_plain_text_500,
    key_echoed_in_an_html_200_on_a_json_call,
    key_echoed_in_a_run_error_event,
    key_echoed_in_a_truncated_body_kept_for_a_decode_error,
);

transports!(chunks = chunked;
    a_large_json_body_in_chunks_decodes,
    a_large_page_in_chunks_decodes,
    a_large_error_body_in_chunks_is_a_typed_error,
    a_large_bad_body_in_chunks_keeps_a_bounded_scrubbed_prefix,
);
