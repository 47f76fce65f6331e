//! Classifying responses and turning bodies into typed results or errors.

use std::time::{Duration, SystemTime};

use http::header::{HeaderMap, CONTENT_TYPE, DATE, RETRY_AFTER};
use http::{Response, StatusCode};
use serde::de::DeserializeOwned;

use crate::body::WholeBody;
use crate::error::{ApiError, DecodeError, Error, StreamError, StreamErrorCode};

/// How much of a body held in several chunks a [`DecodeError`] keeps: a
/// failed decode must not copy a large body whole (a contiguous body is
/// kept whole, as that costs no copy). Named in `DecodeError::body`'s docs.
pub(crate) const DECODE_ERROR_BODY_PREFIX: usize = 64 * 1024;

/// What to do with a response, decided from its head alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeadKind {
    /// 2xx: read the body and parse it as the operation's output.
    Success,
    /// 2xx `text/event-stream`: start the SSE decoder.
    EventStream,
    /// Non-2xx: read the (bounded) body and build an API error with
    /// [`api_error`].
    Error,
    /// 2xx on an SSE call without `text/event-stream`: a contract violation.
    UnexpectedContentType,
}

/// Classifies a response head. `sse` says whether the call expects a stream.
pub fn classify(status: StatusCode, headers: &HeaderMap, sse: bool) -> HeadKind {
    if !status.is_success() {
        return HeadKind::Error;
    }
    if !sse {
        return HeadKind::Success;
    }
    if is_event_stream(headers) {
        HeadKind::EventStream
    } else {
        HeadKind::UnexpectedContentType
    }
}

fn is_event_stream(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("text/event-stream"))
}

/// The error for a 2xx SSE response that is not `text/event-stream`.
pub fn unexpected_content_type(headers: &HeaderMap) -> Error {
    let ct = headers
        .get(CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .unwrap_or_else(|| "none".to_owned());
    Error::Stream(StreamError::new(
        StreamErrorCode::UnexpectedContentType,
        format!("expected text/event-stream, got content type {ct}"),
    ))
}

/// Builds the typed error for a non-2xx response.
///
/// The worker's body is `{"error": msg, "code"?, "details"?,
/// "retryAfterSeconds"?}`; any other body gives the message `HTTP <status>`.
/// `Retry-After` is read as seconds or as an HTTP date (relative to the
/// response's own `Date` header, so no clock is needed).
pub fn api_error(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Error {
    build_api_error(status, headers, serde_json::from_slice(body).ok())
}

/// [`api_error`] for a body held as its chunks (a large one is read across
/// them, not joined).
pub(crate) fn api_error_of(status: StatusCode, headers: &HeaderMap, body: &WholeBody) -> Error {
    build_api_error(status, headers, crate::json::from_body(body).ok())
}

fn build_api_error(
    status: StatusCode,
    headers: &HeaderMap,
    value: Option<serde_json::Value>,
) -> Error {
    let mut err = ApiError::new(status, format!("HTTP {}", status.as_u16()));
    if let Some(serde_json::Value::Object(map)) = value {
        if let Some(msg) = map.get("error").and_then(|v| v.as_str()) {
            err.message = msg.to_owned();
            err.code = map.get("code").and_then(|v| v.as_str()).map(str::to_owned);
        }
        err.details = map.get("details").cloned();
        err.retry_after = map
            .get("retryAfterSeconds")
            .and_then(|v| v.as_f64())
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(|s| Duration::from_secs_f64(s.min(u32::MAX as f64)));
        err.body = Some(serde_json::Value::Object(map));
    }
    if let Some(header) = retry_after_header(headers) {
        err.retry_after = Some(header);
    }
    Error::from_api(err)
}

fn retry_after_header(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    let now: SystemTime = headers
        .get(DATE)
        .and_then(|d| d.to_str().ok())
        .and_then(|d| httpdate::parse_http_date(d).ok())?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Checks the status, then deserializes a JSON body.
pub fn parse_json<T: DeserializeOwned>(response: &Response<WholeBody>) -> Result<T, Error> {
    ensure_success(response)?;
    decode_json(response.status(), response.body())
}

/// Deserializes a 2xx JSON body; failure keeps the raw body (see
/// [`DecodeError::body`]).
///
/// A contiguous body is parsed in place from its one slice. A body held in
/// several chunks is joined when small (256 KiB at most) and otherwise
/// read across its chunks, so a large body is never held twice. Whatever
/// the chunking, the same inputs are accepted and errors have the same
/// kind and message (read across chunks, an error may name the position
/// one byte further on: the next column, or the next line's start after a
/// line break).
pub fn decode_json<T: DeserializeOwned>(status: StatusCode, body: &WholeBody) -> Result<T, Error> {
    crate::json::from_body(body).map_err(|e| decode_error(status, e.to_string(), body))
}

/// A decode error keeping `body`: whole when it is contiguous (no copy),
/// else its first [`DECODE_ERROR_BODY_PREFIX`] bytes.
pub(crate) fn decode_error(
    status: StatusCode,
    message: impl Into<String>,
    body: &WholeBody,
) -> Error {
    let kept = match body.as_contiguous() {
        Some(bytes) => bytes.clone(),
        None => body.prefix(DECODE_ERROR_BODY_PREFIX),
    };
    Error::Decode(DecodeError::new(status, message, kept))
}

/// `Ok(())` for 2xx, else the typed API error.
pub fn ensure_success(response: &Response<WholeBody>) -> Result<(), Error> {
    if response.status().is_success() {
        Ok(())
    } else {
        Err(api_error_of(
            response.status(),
            response.headers(),
            response.body(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn err(status: u16, headers: &[(&str, &str)], body: &str) -> Error {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.insert(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        api_error(StatusCode::from_u16(status).unwrap(), &map, body.as_bytes())
    }

    #[test]
    fn maps_statuses_to_variants() {
        assert!(
            matches!(err(401, &[], r#"{"error":"missing authentication"}"#), Error::Authentication(e) if e.message == "missing authentication" && e.code.is_none())
        );
        assert!(
            matches!(err(404, &[], r#"{"error":"Agent \"x\" not found","code":"NOT_FOUND"}"#), Error::NotFound(e) if e.code.as_deref() == Some("NOT_FOUND"))
        );
        assert!(
            matches!(err(500, &[], r#"{"error":"nope","code":"STRUCTURED_OUTPUT_INVALID"}"#), Error::Api(e) if e.message == "nope" && e.status == 500)
        );
    }

    #[test]
    fn plain_text_and_empty_bodies_give_http_status_message() {
        for body in ["boom", "", "404 Not Found", "[1,2]", r#"{"error":5}"#] {
            let e = err(500, &[], body);
            assert_eq!(e.api().unwrap().message, "HTTP 500", "{body}");
            assert_eq!(e.code(), None);
        }
    }

    #[test]
    fn details_and_context_keys_are_kept() {
        let e = err(
            400,
            &[],
            r#"{"error":"Missing client tool handlers: a","code":"MISSING_CLIENT_TOOLS","details":["a"]}"#,
        );
        let api = e.api().unwrap();
        assert_eq!(api.details, Some(serde_json::json!(["a"])));
        let e = err(
            409,
            &[],
            r#"{"error":"Session \"s\" already exists","sessionId":"s"}"#,
        );
        assert_eq!(e.api().unwrap().body.as_ref().unwrap()["sessionId"], "s");
    }

    #[test]
    fn retry_after_from_header_seconds_date_or_body() {
        let e = err(
            429,
            &[("retry-after", "3600")],
            r#"{"error":"rate limit exceeded","retryAfterSeconds":3600}"#,
        );
        assert!(
            matches!(&e, Error::RateLimited(a) if a.retry_after == Some(Duration::from_secs(3600)))
        );
        let e = err(429, &[], r#"{"error":"x","retryAfterSeconds":7}"#);
        assert_eq!(e.api().unwrap().retry_after, Some(Duration::from_secs(7)));
        let e = err(
            503,
            &[
                ("retry-after", "Sat, 28 Nov 2026 20:08:43 GMT"),
                ("date", "Sat, 28 Nov 2026 20:08:33 GMT"),
            ],
            "",
        );
        assert_eq!(e.api().unwrap().retry_after, Some(Duration::from_secs(10)));
        let e = err(503, &[("retry-after", "soon")], "");
        assert_eq!(e.api().unwrap().retry_after, None);
    }

    /// A body `len` bytes long that is not JSON, in 16 KiB chunks.
    fn not_json_in_chunks(len: usize) -> WholeBody {
        let bytes = bytes::Bytes::from(vec![b'x'; len]);
        let chunks: Vec<_> = (0..len)
            .step_by(16 * 1024)
            .map(|at| bytes.slice(at..(at + 16 * 1024).min(len)))
            .collect();
        chunks.into()
    }

    #[test]
    fn a_decode_error_keeps_a_contiguous_body_whole_and_a_prefix_of_chunks() {
        let whole = WholeBody::from(vec![b'x'; 300 * 1024]);
        let Err(Error::Decode(e)) = decode_json::<u8>(StatusCode::OK, &whole) else {
            panic!("not a decode error");
        };
        assert_eq!(e.body.as_ptr(), whole.as_contiguous().unwrap().as_ptr());

        for len in [100, 70 * 1024, 300 * 1024] {
            let body = not_json_in_chunks(len);
            let Err(Error::Decode(e)) = decode_json::<u8>(StatusCode::CREATED, &body) else {
                panic!("not a decode error");
            };
            assert_eq!(e.status, StatusCode::CREATED);
            assert_eq!(e.body.len(), len.min(DECODE_ERROR_BODY_PREFIX), "{len}");
            assert!(
                e.message.starts_with("expected value at line 1 column"),
                "{}",
                e.message
            );
        }
    }

    #[test]
    fn chunked_bodies_parse_like_contiguous_ones() {
        let text = format!(
            r#"{{"error":"nope","code":"X","details":"{}"}}"#,
            "d".repeat(400 * 1024)
        );
        let split = |at: usize| -> WholeBody {
            let b = bytes::Bytes::from(text.clone());
            vec![b.slice(..at), b.slice(at..)].into()
        };
        let contiguous = WholeBody::from(text.clone());
        for body in [contiguous, split(10), split(300 * 1024)] {
            let response = Response::builder().status(409).body(body.clone()).unwrap();
            let e = ensure_success(&response).unwrap_err();
            assert_eq!(e.api().unwrap().message, "nope");
            assert_eq!(e.code(), Some("X"));
            let ok = Response::builder().status(200).body(body).unwrap();
            let value: serde_json::Value = parse_json(&ok).unwrap();
            assert_eq!(value["details"].as_str().unwrap().len(), 400 * 1024);
        }
    }

    #[test]
    fn classifies_heads() {
        let mut h = HeaderMap::new();
        assert_eq!(classify(StatusCode::OK, &h, false), HeadKind::Success);
        assert_eq!(classify(StatusCode::NOT_FOUND, &h, true), HeadKind::Error);
        assert_eq!(
            classify(StatusCode::OK, &h, true),
            HeadKind::UnexpectedContentType
        );
        h.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/event-stream; charset=utf-8"),
        );
        assert_eq!(classify(StatusCode::OK, &h, true), HeadKind::EventStream);
        h.insert(CONTENT_TYPE, HeaderValue::from_static("text/html"));
        assert_eq!(
            classify(StatusCode::OK, &h, true),
            HeadKind::UnexpectedContentType
        );
    }
}
