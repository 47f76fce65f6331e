//! The conformance suite: every scenario runs against every transport, over
//! real HTTP to the in-process mock worker on 127.0.0.1.
//!
//! Scenarios are written once, generic over the transport, in
//! `scenarios.rs`; the `transports!` macro instantiates each of them as a
//! `#[tokio::test]` per transport.

mod harness;
mod scenarios;

macro_rules! transports {
    ($($scenario:ident),* $(,)?) => {
        mod reqwest_transport {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    let h = crate::harness::Harness::start(crate::harness::reqwest).await;
                    crate::scenarios::$scenario(h).await;
                }
            )*
        }
        mod hyper_transport {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    let h = crate::harness::Harness::start(crate::harness::hyper).await;
                    crate::scenarios::$scenario(h).await;
                }
            )*
        }
    };
}

transports!(
    health_sends_no_key,
    requests_carry_sdk_headers,
    run_returns_every_result_field,
    run_output_deserializes_into_user_type,
    stream_yields_start_then_full_complete,
    session_continuity_recalls_turn_one,
    context_grants_are_sent,
    retention_none_omits_session,
    unknown_agent_is_not_found_on_run,
    unknown_agent_is_not_found_on_stream,
    model_failure_is_500_on_run,
    model_failure_is_run_error_on_stream,
    durable_run_start_get_list,
    durable_run_cancel,
    run_stream_replays_and_resumes_with_since,
    run_stream_of_unknown_run_is_not_found,
    list_all_pages_across_cursors,
    trace_get_list_delete_then_not_found,
    trace_stream_of_finished_trace_is_snapshot,
    sessions_import_list_get_delete,
    bad_key_is_authentication_error,
    missing_key_is_authentication_error,
    other_tenant_sees_not_found,
    ids_are_percent_encoded,
    truncated_stream_is_an_error_after_events,
    client_tool_request_is_answered_without_handler,
    https_run_and_stream_with_generated_certificate,
);
