//! The conformance suite through the blocking client
//! (`agntz_client::blocking`): each scenario runs over reqwest and over
//! hyper, against the mock worker over real HTTP on 127.0.0.1, from plain
//! `#[test]` threads with no async runtime.

mod harness;
mod resources;
mod seed;
mod surface;
mod threads;
mod tools;

/// `transports!(tests = module; scenario, ...)` makes
/// `tests::reqwest::scenario` and `tests::hyper::scenario` tests that run
/// `module::scenario` on a fresh worker with a blocking client over that
/// transport.
macro_rules! transports {
    ($tests:ident = $module:ident; $($scenario:ident),* $(,)?) => {
        mod $tests {
            mod reqwest {
                $(
                    #[test]
                    fn $scenario() {
                        let h = crate::harness::Harness::start(crate::harness::reqwest);
                        crate::$module::$scenario(h);
                    }
                )*
            }
            mod hyper {
                $(
                    #[test]
                    fn $scenario() {
                        let h = crate::harness::Harness::start(crate::harness::hyper);
                        crate::$module::$scenario(h);
                    }
                )*
            }
        }
    };
}

transports!(api = seed;
    health_sends_no_key_and_calls_carry_sdk_headers,
    run_returns_every_result_field,
    stream_is_an_iterator_of_start_then_complete,
    session_continuity_over_run_and_into_result,
    unknown_agent_is_not_found_on_run_and_stream,
    model_failure_is_500_on_run_and_run_error_on_stream,
    durable_run_start_get_list,
    durable_run_cancel,
    run_stream_replays_and_resumes_with_since,
    run_stream_resumes_exactly_once_after_a_reset,
    list_all_pages_across_cursors,
    trace_get_list_delete_then_not_found,
    trace_stream_of_finished_trace_is_snapshot,
    sessions_import_list_get_delete,
    bad_or_missing_key_is_authentication_error,
    rate_limit_is_typed_and_retried_after_retry_after,
    truncated_stream_is_an_error_after_events,
    dropping_a_stream_cancels_the_run,
    https_run_and_stream_with_generated_certificate,
    timeouts_fire_through_the_blocking_client,
);

transports!(client_tools = tools;
    handler_answers_and_run_completes,
    handler_error_reaches_the_model,
    request_without_handler_is_answered,
    handler_may_use_the_blocking_client,
    panicking_handler_reaches_the_model_as_an_error,
    async_handlers_are_accepted_too,
);

transports!(runtime = threads;
    calls_inside_an_async_runtime_are_a_typed_error,
    one_client_serves_many_threads_at_once,
    streams_move_across_threads_and_outlive_the_client,
    build_and_drop_inside_an_async_runtime_do_not_panic,
);

transports!(every_resource = resources;
    agents_artifacts_and_webhook_secrets,
    memory_and_datasets,
    evals_and_batches,
    execute_and_open_stream,
    manifest_tooling,
    file_content_blocks,
);
