//! Fuzzes the response parsers: every operation's `parse`, plus `api_error`
//! and `classify`, on arbitrary status, header and body bytes. They must
//! return (a value or a typed error) and never panic. Webhook bodies and
//! signature headers are fuzzed the same way. Every error, once redacted
//! with a key, holds that key in none of its texts.
#![no_main]

use agntz_proto::body::WholeBody;
use agntz_proto::ops::*;
use agntz_proto::response::{api_error, classify, unexpected_content_type};
use agntz_proto::types::{
    NewWebhookSecret, RunFilter, RunRequest, SessionImport, SessionSnapshot, TraceFilter,
};
use agntz_proto::Error;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Response, StatusCode};
use libfuzzer_sys::fuzz_target;

/// Input layout: status (2 bytes, mapped into 100..=599), then the lengths
/// of the content-type, retry-after and date header values (1 byte each), a
/// flags byte (bit 0: send a Location header; bits 1-7: when not zero, the
/// body is held in chunks of that many bytes, as a body read without a
/// declared length is), the three header values, and the body (everything
/// left).
struct Input<'a> {
    status: StatusCode,
    headers: HeaderMap,
    body: &'a [u8],
    chunk: usize,
}

fn split(data: &[u8]) -> Option<Input<'_>> {
    let (head, mut rest) = data.split_at_checked(6)?;
    let status = 100 + u16::from_le_bytes([head[0], head[1]]) % 500;
    let status = StatusCode::from_u16(status).ok()?;
    let mut headers = HeaderMap::new();
    for (name, len) in [
        ("content-type", head[2]),
        ("retry-after", head[3]),
        ("date", head[4]),
    ] {
        let (value, tail) = rest
            .split_at_checked(usize::from(len))
            .unwrap_or((rest, &[]));
        rest = tail;
        // Values `http` refuses cannot reach a parser; skip them.
        if let Ok(v) = HeaderValue::from_bytes(value) {
            headers.insert(name, v);
        }
    }
    if head[5] & 1 == 1 {
        headers.insert("location", HeaderValue::from_static("/runs/run_1"));
    }
    Some(Input {
        status,
        headers,
        body: rest,
        chunk: usize::from(head[5] >> 1),
    })
}

fn response(input: &Input<'_>) -> Response<WholeBody> {
    let body = match input.chunk {
        0 => WholeBody::from(Bytes::copy_from_slice(input.body)),
        n => input
            .body
            .chunks(n)
            .map(Bytes::copy_from_slice)
            .collect::<Vec<_>>()
            .into(),
    };
    let mut r = Response::new(body);
    *r.status_mut() = input.status;
    *r.headers_mut() = input.headers.clone();
    r
}

/// Formats the outcome (exercising `Display`/`Debug` too) and checks that a
/// non-2xx status never parses as a success.
fn check<T>(input: &Input<'_>, result: Result<T, Error>, gone_is_ok: bool) {
    match result {
        Ok(_) => assert!(
            input.status.is_success() || (gone_is_ok && input.status == StatusCode::GONE),
            "{} parsed as success",
            input.status
        ),
        Err(e) => {
            let _ = (
                e.to_string(),
                format!("{e:?}"),
                e.code(),
                e.status(),
                e.api(),
            );
            assert_redacted(e);
        }
    }
}

/// The key the seeds echo in bodies (and the fuzzer learns from them).
const KEY: &str = "ar_live_FUZZKEY_0123";

/// Once redacted, no text of the error (nor of its sources) holds the key.
fn assert_redacted(e: Error) {
    let e = e.redact(KEY);
    let mut text = format!("{e} {e:?}");
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        text.push_str(&format!("{s} {s:?}"));
        source = s.source();
    }
    assert!(!text.contains(KEY), "the key survived redaction: {text}");
}

/// Webhook bodies and signatures: decoded or refused with a typed error; a
/// body decodes under `verify` only if it decodes alone.
fn webhooks(input: &Input<'_>) {
    use agntz_proto::webhooks::{WebhookEvent, WebhookVerifier, SIGNATURE_HEADER};
    let alone = WebhookEvent::from_json(input.body);
    let verifier = WebhookVerifier::new("whsec_fuzz");
    let mut headers = input.headers.clone();
    if let Ok(value) = HeaderValue::from_str(&verifier.signature(input.body)) {
        headers.insert(SIGNATURE_HEADER, value);
    }
    let verified = verifier.verify(&headers, input.body);
    assert_eq!(verified.map(|d| d.event), alone);
    // Whatever the header says, a foreign value never passes.
    if let Some(raw) = input.headers.get("date") {
        let _ = verifier.verify_signature(input.body, raw.as_bytes());
    }
}

fuzz_target!(|data: &[u8]| {
    let Some(input) = split(data) else { return };
    webhooks(&input);
    let run = || RunRequest::new("a");
    check(&input, GetHealth::new().parse(response(&input)), false);
    check(&input, RunAgent::new(run()).parse(response(&input)), false);
    check(&input, StartRun::new(run()).parse(response(&input)), false);
    check(&input, GetRun::new("r").parse(response(&input)), false);
    check(&input, CancelRun::new("r").parse(response(&input)), false);
    check(
        &input,
        ListRuns::new(RunFilter::new()).parse(response(&input)),
        false,
    );
    check(&input, GetTrace::new("t").parse(response(&input)), false);
    check(
        &input,
        ListTraces::new(TraceFilter::new()).parse(response(&input)),
        false,
    );
    check(&input, DeleteTrace::new("t").parse(response(&input)), false);
    check(
        &input,
        ImportSessions::new(SessionImport::new([SessionSnapshot::new("s")]))
            .parse(response(&input)),
        false,
    );
    check(&input, ListSessions::new().parse(response(&input)), false);
    check(&input, GetSession::new("s").parse(response(&input)), false);
    check(
        &input,
        DeleteSession::new("s").parse(response(&input)),
        false,
    );
    check(
        &input,
        SubmitToolResult::new("r", "c", ToolOutcome::Output(serde_json::Value::Null))
            .parse(response(&input)),
        true,
    );
    // Catalogue, artifacts, datasets, evals, batches, versions and webhook
    // secrets: the calls whose answer depends only on the response.
    check(&input, ListAgents::new().parse(response(&input)), false);
    check(&input, GetAgent::new("a").parse(response(&input)), false);
    check(&input, GetArtifact::new("f").parse(response(&input)), false);
    check(
        &input,
        DownloadArtifact::new("f").parse(response(&input)),
        false,
    );
    check(
        &input,
        DeleteArtifact::new("f").parse(response(&input)),
        false,
    );
    check(&input, ListDatasets::new().parse(response(&input)), false);
    check(&input, GetDataset::new("d").parse(response(&input)), false);
    check(
        &input,
        DeleteDataset::new("d").parse(response(&input)),
        false,
    );
    check(
        &input,
        GetDatasetImport::new("i").parse(response(&input)),
        false,
    );
    check(
        &input,
        CompleteDatasetImport::new("i").parse(response(&input)),
        false,
    );
    check(&input, ListEvals::new().parse(response(&input)), false);
    check(&input, GetEval::new("e").parse(response(&input)), false);
    check(&input, GetEvalRun::new("r").parse(response(&input)), false);
    check(&input, ListBatches::new().parse(response(&input)), false);
    check(&input, GetBatchRun::new("r").parse(response(&input)), false);
    check(
        &input,
        GetBatchResults::new("r").parse(response(&input)),
        false,
    );
    check(
        &input,
        ListDatasetVersions::new("d").parse(response(&input)),
        false,
    );
    check(
        &input,
        GetEvalVersion::new("e", "v").parse(response(&input)),
        false,
    );
    check(
        &input,
        ActivateDatasetVersion::new("d", "v").parse(response(&input)),
        false,
    );
    check(
        &input,
        SetEvalAlias::new("e", "a", "v").parse(response(&input)),
        false,
    );
    check(
        &input,
        RemoveBatchAlias::new("b", "a").parse(response(&input)),
        false,
    );
    check(
        &input,
        CreateWebhookSecret::new(NewWebhookSecret::new("s")).parse(response(&input)),
        false,
    );
    check(
        &input,
        ListWebhookSecrets::new().parse(response(&input)),
        false,
    );
    check(
        &input,
        RegenerateWebhookSecret::new("s").parse(response(&input)),
        false,
    );
    check(
        &input,
        DeleteWebhookSecret::new("s").parse(response(&input)),
        false,
    );

    let err = api_error(input.status, &input.headers, input.body);
    let api = err.api().expect("api_error always builds an API error");
    assert_eq!(api.status, input.status);
    let _ = (err.to_string(), format!("{err:?}"));
    assert_redacted(err);
    let _ = classify(input.status, &input.headers, false);
    let _ = classify(input.status, &input.headers, true);
    let _ = unexpected_content_type(&input.headers).to_string();
});
