//! The conformance suite: every scenario runs against every transport, over
//! real HTTP to the in-process mock worker on 127.0.0.1.
//!
//! Scenarios are written once, generic over the transport, in
//! `scenarios.rs`; the `transports!` macro instantiates each of them as a
//! `#[tokio::test]` per transport.

mod batches;
mod callbacks;
mod catalog;
mod content;
mod datasets;
mod evals;
mod harness;
mod hostile;
mod memory;
mod outputs;
mod replies;
mod scenarios;
mod tooling;
mod versions;
mod webhook_secrets;
mod webhooks;

/// `transports!(tests = module; scenario, ...)` makes `tests::reqwest::scenario`
/// and `tests::hyper::scenario` tests that run `module::scenario` on a fresh
/// worker with a client over that transport.
macro_rules! transports {
    ($tests:ident = $module:ident; $($scenario:ident),* $(,)?) => {
        mod $tests {
            mod reqwest {
                $(
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $scenario() {
                        let h = crate::harness::Harness::start(crate::harness::reqwest).await;
                        crate::$module::$scenario(h).await;
                    }
                )*
            }
            mod hyper {
                $(
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $scenario() {
                        let h = crate::harness::Harness::start(crate::harness::hyper).await;
                        crate::$module::$scenario(h).await;
                    }
                )*
            }
        }
    };
}

transports!(api = scenarios;
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
    http2_over_tls_runs_streams_and_resumes,
    dropping_a_stream_cancels_the_run,
    client_tool_handler_answers_and_run_completes,
    client_tool_handler_error_reaches_the_model,
    client_tool_manifests_need_attached_handlers,
);

transports!(outputs_api = outputs;
    structured_output_is_json_on_run_and_text_on_the_record,
    text_output_reads_the_same_from_run_and_record,
);

transports!(replies_api = replies;
    stream_yields_replies_in_order,
    run_and_run_records_expose_replies,
    run_stream_resume_sees_replies_once,
    cancel_and_replace_supersedes_the_active_run,
    durable_run_callback_url_policy,
);

transports!(webhooks_api = webhooks;
    durable_run_webhooks_are_signed_and_decoded,
    webhooks_of_a_failed_run_and_a_retried_delivery,
    batch_run_webhook_is_signed_and_decoded,
);
transports!(callback_tools = callbacks;
    callback_tool_result_reaches_the_model_and_the_output,
    failing_handler_is_retried_and_runs_once_per_delivery_after,
    a_4xx_is_not_retried_and_the_model_sees_the_error,
    tampered_stale_and_foreign_deliveries_are_refused,
    import_probes_the_callback_url_with_options,
);

transports!(resources = catalog;
    agents_import_list_get_then_run,
    unknown_agent_get_is_not_found,
    other_tenant_sees_no_agents,
    artifact_upload_get_download_delete,
    run_with_artifact_content_block,
);

transports!(content_api = content;
    run_with_image_file_and_audio_bytes,
    stream_and_durable_starts_upload_first,
    bad_blocks_fail_before_any_request,
    session_import_uploads_message_files,
    every_run_route_checks_referenced_artifacts,
    an_expired_artifact_is_gone_from_every_route,
);

transports!(memory_api = memory;
    memory_without_namespace_roots_is_forbidden,
    memory_import_scan_list_read,
    memory_correct_delete_curate,
    memory_delete_scope_is_not_recursive_by_default,
    memory_inputs_are_checked_before_sending,
    memory_is_per_tenant,
);

transports!(datasets_api = datasets;
    dataset_create_get_list_update_delete,
    dataset_items_paginate,
    dataset_inputs_are_checked_before_sending,
    dataset_import_csv_end_to_end,
    dataset_import_sends_chunks_of_1000,
    dataset_import_failure_abandons_the_staged_import,
);

transports!(faults = hostile;
    truncated_mid_frame_is_an_error_after_events,
    reset_after_events_on_agent_stream_is_an_error,
    reset_after_events_on_run_stream_resumes_exactly_once,
    stall_past_idle_timeout_is_a_timeout,
    stall_on_run_stream_resumes,
    one_byte_drip_decodes_the_same_events,
    random_garbage_is_a_typed_error,
    invalid_utf8_in_frame_is_invalid_payload,
    enormous_line_is_event_too_large_with_bounded_memory,
    invalid_json_in_data_is_invalid_payload,
    html_body_on_json_call_is_decode_error,
    plain_text_500_is_api_error,
    html_content_type_on_sse_endpoint_is_rejected,
    rate_limit_is_retried_after_retry_after,
    rate_limit_beyond_cap_gives_up_at_once,
    service_unavailable_on_start_is_retried,
    server_error_on_start_is_not_retried,
    close_before_head_retries_reads_but_not_starts,
    missing_location_on_201_is_decode_error,
    evicted_run_stream_ends_with_snapshot,
    deadline_bounds_a_whole_call,
    silent_run_hits_idle_timeout_and_is_not_retried,
    oversized_response_is_a_typed_error,
);

transports!(evaluation = evals;
    eval_crud_round_trip,
    eval_run_completes_with_scores,
    eval_run_errors,
    eval_run_cancel_and_partial,
    eval_wait_for_run_is_bounded,
    eval_runs_list_and_paginate,
    eval_run_on_datasets_created_through_the_api,
);

transports!(batching = batches;
    batch_wait_for_run_is_bounded,
    batch_definitions_versions_and_aliases,
    batch_run_inline_items_to_results,
    batch_run_dataset_compare_cancel_delete,
    batch_run_errors_and_listing,
    batch_run_on_datasets_created_through_the_api,
);

transports!(versioning = versions;
    dataset_versions_and_aliases,
    eval_versions_and_aliases,
);

transports!(secrets = webhook_secrets;
    webhook_secrets_lifecycle,
);

transports!(manifest_tooling = tooling;
    validate_reports_every_level,
    validate_looks_up_the_callers_tenant,
    run_block_runs_the_selected_block,
    stream_block_keeps_the_block_fields,
    block_client_tools_are_checked_on_the_block_only,
    build_agent_needs_no_key_and_is_rate_limited,
    edit_agent_revises_the_block_in_focus,
    system_agents_refuse_pins_before_sending,
);
