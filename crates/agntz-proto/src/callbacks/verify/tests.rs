use std::time::{Duration, SystemTime};

use http::{HeaderMap, HeaderValue};

use super::*;
use crate::callbacks::CallbackResponse;

// Known answers computed independently, once, with Python 3's `hmac` and
// `hashlib` modules:
//   hmac.new(SECRET.encode(), (TS + "." + ID + ".").encode() + BODY.encode("utf-8"),
//            hashlib.sha256).hexdigest()
// and pasted here.
const SECRET: &str = "whsec_00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
const TS: &str = "2026-12-06T07:28:21.126Z";
/// `TS` in epoch milliseconds (Python: `datetime(2026,12,6,7,28,21,126000,
/// tzinfo=timezone.utc).timestamp() * 1000`).
const TS_MS: u64 = 1_796_542_101_126;
const ID: &str = "cbd_u-7IvmaHkpp5jb_ZfnhZRtDy";
const BODY: &str = r#"{"tool":"find_recipes","args":{"query":"tomato pasta"},"runtime":{"sessionId":"sess_9","runId":"run_9","agentId":"nutritionist"},"delivery":{"id":"cbd_u-7IvmaHkpp5jb_ZfnhZRtDy","timestamp":"2026-12-06T07:28:21.126Z"}}"#;
const BODY_SIG: &str = "sha256=a94d5b84ffdb8b58731cf6677255007372a5a1561b8c1c8070c3f4e07a8981cc";
/// Multi-byte UTF-8 in the arguments (two-, three- and four-byte sequences).
const UTF8_BODY: &str = r#"{"tool":"find_recipes","args":{"query":"crème brûlée 🍮","note":"日本語"},"runtime":{"sessionId":"sess_9","runId":"run_9","agentId":"nutritionist"},"delivery":{"id":"cbd_u-7IvmaHkpp5jb_ZfnhZRtDy","timestamp":"2026-12-06T07:28:21.126Z"}}"#;
const UTF8_SIG: &str = "sha256=f5a360e8dec98edd55f58933ec4ad98740816754ecb35d9d3b56baa13226240d";
/// The HMAC of `BODY` alone (the run-webhook scheme): not a callback
/// signature.
const BODY_ONLY_SIG: &str =
    "sha256=2fb7043bdb7ee5194259fd018852fa11dafd0c24e3d2eae065d3b87fdc54f3ad";

fn at(ms: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_millis(ms)
}

fn headers(signature: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(SIGNATURE_HEADER, HeaderValue::from_str(signature).unwrap());
    h.insert(TIMESTAMP_HEADER, HeaderValue::from_static(TS));
    h.insert(DELIVERY_ID_HEADER, HeaderValue::from_static(ID));
    h.insert(IDEMPOTENCY_KEY_HEADER, HeaderValue::from_static(ID));
    h
}

#[test]
fn signs_like_the_worker() {
    let v = CallbackVerifier::new(SECRET);
    assert_eq!(v.signature(TS, ID, BODY.as_bytes()), BODY_SIG);
    assert_eq!(v.signature(TS, ID, UTF8_BODY.as_bytes()), UTF8_SIG);
    assert_eq!(v.signed_headers(TS, ID, BODY.as_bytes()), {
        let mut h = headers(BODY_SIG);
        h.insert("content-type", HeaderValue::from_static("application/json"));
        h
    });
}

#[test]
fn verifies_and_decodes_a_delivery() {
    let v = CallbackVerifier::new(SECRET);
    let call = v
        .verify(&headers(BODY_SIG), BODY.as_bytes(), at(TS_MS))
        .unwrap();
    assert_eq!(call.tool, "find_recipes");
    assert_eq!(call.args, serde_json::json!({"query": "tomato pasta"}));
    assert_eq!(
        (
            call.runtime.session_id.as_str(),
            call.runtime.run_id.as_str(),
            call.runtime.agent_id.as_str()
        ),
        ("sess_9", "run_9", "nutritionist")
    );
    assert_eq!(
        (call.delivery.id.as_str(), call.delivery.timestamp.as_str()),
        (ID, TS)
    );
    assert_eq!(call.delivery.time(), Some(at(TS_MS)));

    let call = v
        .verify(&headers(UTF8_SIG), UTF8_BODY.as_bytes(), at(TS_MS))
        .unwrap();
    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Args {
        query: String,
        note: String,
    }
    let call = call.decode::<Args>().unwrap();
    assert_eq!(call.args.query, "crème brûlée 🍮");
    assert_eq!(call.args.note, "日本語");

    // Upper-case hex, surrounding spaces, and the idempotency key standing
    // in for a missing delivery-id header are the same delivery.
    let mut h = headers(&format!(" sha256={} ", BODY_SIG[7..].to_ascii_uppercase()));
    h.remove(DELIVERY_ID_HEADER);
    assert!(v.verify(&h, BODY.as_bytes(), at(TS_MS)).is_ok());
}

#[test]
fn refuses_what_it_cannot_trust() {
    let v = CallbackVerifier::new(SECRET);
    let now = at(TS_MS);
    for missing in [SIGNATURE_HEADER, TIMESTAMP_HEADER] {
        let mut h = headers(BODY_SIG);
        h.remove(&missing);
        assert_eq!(
            v.verify(&h, BODY.as_bytes(), now),
            Err(CallbackError::MissingHeader(missing))
        );
    }
    let mut h = headers(BODY_SIG);
    h.remove(DELIVERY_ID_HEADER);
    h.remove(IDEMPOTENCY_KEY_HEADER);
    assert_eq!(
        v.verify(&h, BODY.as_bytes(), now),
        Err(CallbackError::MissingHeader(DELIVERY_ID_HEADER))
    );
    for bad in ["", "sha256=", "sha1=00", "sha256=zz", &BODY_SIG[..70]] {
        assert_eq!(
            v.verify(&headers(bad), BODY.as_bytes(), now),
            Err(CallbackError::MalformedSignature),
            "{bad:?}"
        );
    }
    // One changed byte anywhere in the body, the timestamp or the id.
    let mut tampered = BODY.as_bytes().to_vec();
    tampered[40] ^= 1;
    assert_eq!(
        v.verify(&headers(BODY_SIG), &tampered, now),
        Err(CallbackError::SignatureMismatch)
    );
    let mut h = headers(BODY_SIG);
    h.insert(
        TIMESTAMP_HEADER,
        HeaderValue::from_static("2026-12-06T07:28:21.127Z"),
    );
    assert_eq!(
        v.verify(&h, BODY.as_bytes(), now),
        Err(CallbackError::SignatureMismatch)
    );
    let mut h = headers(BODY_SIG);
    h.insert(DELIVERY_ID_HEADER, HeaderValue::from_static("cbd_other"));
    assert_eq!(
        v.verify(&h, BODY.as_bytes(), now),
        Err(CallbackError::SignatureMismatch)
    );
    // The webhook scheme (body alone) and another secret do not verify.
    assert_eq!(
        v.verify(&headers(BODY_ONLY_SIG), BODY.as_bytes(), now),
        Err(CallbackError::SignatureMismatch)
    );
    assert_eq!(
        CallbackVerifier::new("whsec_other").verify(&headers(BODY_SIG), BODY.as_bytes(), now),
        Err(CallbackError::SignatureMismatch)
    );
}

#[test]
fn the_timestamp_must_lie_within_the_tolerance() {
    let v = CallbackVerifier::new(SECRET);
    let ok = |now| v.verify(&headers(BODY_SIG), BODY.as_bytes(), now);
    let five_min = 5 * 60 * 1000;
    assert!(ok(at(TS_MS + five_min)).is_ok());
    assert!(ok(at(TS_MS - five_min)).is_ok());
    assert_eq!(
        ok(at(TS_MS + five_min + 1)),
        Err(CallbackError::StaleTimestamp {
            age: Duration::from_millis(five_min + 1)
        })
    );
    assert_eq!(
        ok(at(TS_MS - five_min - 1)),
        Err(CallbackError::FutureTimestamp {
            ahead: Duration::from_millis(five_min + 1)
        })
    );
    let strict = CallbackVerifier::new(SECRET).tolerance(Duration::from_secs(1));
    assert_eq!(strict.tolerance_window(), Duration::from_secs(1));
    assert!(matches!(
        strict.verify(&headers(BODY_SIG), BODY.as_bytes(), at(TS_MS + 1001)),
        Err(CallbackError::StaleTimestamp { .. })
    ));
    // A signed timestamp that is not a time.
    let body = BODY.replace(TS, "yesterday");
    let mut h = headers(&v.signature("yesterday", ID, body.as_bytes()));
    h.insert(TIMESTAMP_HEADER, HeaderValue::from_static("yesterday"));
    assert_eq!(
        v.verify(&h, body.as_bytes(), at(TS_MS)),
        Err(CallbackError::MalformedHeader(TIMESTAMP_HEADER))
    );
}

#[test]
fn a_signed_body_must_be_a_delivery_of_these_headers() {
    let v = CallbackVerifier::new(SECRET);
    let signed = |body: &str| {
        v.verify(
            &headers(&v.signature(TS, ID, body.as_bytes())),
            body.as_bytes(),
            at(TS_MS),
        )
    };
    for junk in ["[1,2]", "not json", "{}", r#"{"tool":7}"#] {
        assert!(
            matches!(signed(junk), Err(CallbackError::InvalidPayload(_))),
            "{junk}"
        );
    }
    // Another delivery's body under these headers.
    let other = BODY.replace(ID, "cbd_another");
    assert!(matches!(
        signed(&other),
        Err(CallbackError::InvalidPayload(_))
    ));
    // Fields the worker left out are empty.
    let call = signed(&format!(
        r#"{{"tool":"t","delivery":{{"id":"{ID}","timestamp":"{TS}"}}}}"#
    ))
    .unwrap();
    assert!(call.args.is_null() && call.runtime.session_id.is_empty());
    // Arguments of the wrong shape.
    let call = signed(BODY).unwrap();
    let err = call.decode::<Vec<u8>>().unwrap_err();
    assert!(matches!(err, CallbackError::InvalidArguments(_)));
    assert_eq!(err.status(), 400);
}

#[test]
fn errors_map_to_statuses_and_never_show_the_secret() {
    let v = CallbackVerifier::new(SECRET).also_accept("whsec_previous");
    assert!(!format!("{v:?}").contains("whsec_0011"));
    assert!(!format!("{v:?}").contains("whsec_previous"));
    // Either secret verifies during a rotation.
    let old = CallbackVerifier::new("whsec_previous");
    let sig = old.signature(TS, ID, BODY.as_bytes());
    assert!(v.verify(&headers(&sig), BODY.as_bytes(), at(TS_MS)).is_ok());

    let errors = [
        CallbackError::MissingHeader(SIGNATURE_HEADER),
        CallbackError::MalformedHeader(TIMESTAMP_HEADER),
        CallbackError::MalformedSignature,
        CallbackError::SignatureMismatch,
        CallbackError::StaleTimestamp {
            age: Duration::from_secs(600),
        },
        CallbackError::FutureTimestamp {
            ahead: Duration::from_secs(600),
        },
        CallbackError::InvalidPayload("x".into()),
        CallbackError::InvalidArguments("y".into()),
    ];
    for e in &errors {
        let text = format!("{e} {e:?}");
        assert!(!text.contains("whsec_"), "{text}");
        let response = CallbackResponse::rejected(e);
        assert_eq!(response.status(), e.status());
        assert!(!response.is_retryable(), "{e}: never retried");
        assert!(!String::from_utf8_lossy(response.body()).contains("whsec_"));
    }
    let statuses: Vec<u16> = errors.iter().map(|e| e.status().as_u16()).collect();
    assert_eq!(statuses, [401, 401, 401, 401, 401, 401, 400, 400]);
}

#[test]
fn responses_say_what_the_worker_will_do() {
    let ok = CallbackResponse::json(&serde_json::json!({"n": 1})).unwrap();
    assert_eq!(
        (ok.status().as_u16(), &ok.body()[..]),
        (200, &br#"{"n":1}"#[..])
    );
    assert!(ok.is_final() && !ok.is_retryable());
    let text = CallbackResponse::text("plain");
    let http = text.clone().into_response();
    assert_eq!(http.headers()["content-type"], "text/plain; charset=utf-8");
    assert_eq!(&http.body()[..], b"plain");
    for (r, status, retried) in [
        (CallbackResponse::invalid_arguments("bad query"), 400, false),
        (CallbackResponse::forbidden("not yours"), 403, false),
        (CallbackResponse::unknown_tool(), 404, false),
        (CallbackResponse::try_again(), 503, true),
        (CallbackResponse::rate_limited(None), 429, true),
        (CallbackResponse::internal_error(), 500, true),
    ] {
        assert_eq!(r.status().as_u16(), status);
        assert_eq!(r.is_retryable(), retried, "{status}");
        assert_eq!(r.is_final(), !retried, "{status}");
    }
    let body: serde_json::Value =
        serde_json::from_slice(CallbackResponse::invalid_arguments("bad \"q\"").body()).unwrap();
    assert_eq!(body, serde_json::json!({"error": "bad \"q\""}));
    let limited = CallbackResponse::rate_limited(Some(Duration::from_millis(1500))).into_response();
    assert_eq!(limited.headers()["retry-after"], "2");
    let options = CallbackResponse::options().into_response();
    assert_eq!(
        (options.status().as_u16(), &options.headers()["allow"]),
        (204, &HeaderValue::from_static("POST, OPTIONS"))
    );
}
