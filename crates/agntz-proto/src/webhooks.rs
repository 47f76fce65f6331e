//! Receiving the webhooks the worker POSTs to a `callbackUrl`.
//!
//! A durable run started with a callback URL and a stored webhook secret
//! ([`RunRequest::callback_url`](crate::types::RunRequest::callback_url),
//! [`RunRequest::webhook_secret_name`](crate::types::RunRequest::webhook_secret_name))
//! makes the worker POST one JSON event per reply of the run tree and one
//! when the run ends; a batch run with a callback sends one when it ends.
//! Each POST carries:
//!
//! * [`SIGNATURE_HEADER`]: `sha256=<hex>`, the HMAC-SHA256 of the raw body
//!   keyed with the secret's value (`whsec_…`);
//! * [`DELIVERY_ID_HEADER`] and [`IDEMPOTENCY_KEY_HEADER`]: the same stable
//!   delivery id. The worker retries a delivery answered with 429 or 5xx
//!   (or not answered), so deduplicate on it.
//!
//! Check the signature on the raw bytes, before parsing anything:
//!
//! ```
//! use agntz_proto::webhooks::{WebhookEvent, WebhookVerifier, SIGNATURE_HEADER};
//!
//! # fn main() -> Result<(), agntz_proto::webhooks::WebhookError> {
//! // The value shown once by `webhook_secrets().create(..)`, kept in your
//! // configuration.
//! let verifier = WebhookVerifier::new("whsec_0123");
//! # let body = br#"{"type":"reply","runId":"run_1","sessionId":"s","text":"Hi","ts":"2026-01-01T00:00:00Z"}"#;
//! # let mut headers = http::HeaderMap::new();
//! # headers.insert(SIGNATURE_HEADER, verifier.signature(body).parse().unwrap());
//! // In your HTTP handler: the request's headers and raw body.
//! let delivery = verifier.verify(&headers, body)?;
//! match delivery.event {
//!     WebhookEvent::Reply(reply) => println!("{}: {}", reply.run_id, reply.text),
//!     WebhookEvent::Complete(done) => println!("{} ended: {:?}", done.run_id, done.status),
//!     other => println!("other event: {}", other.kind()),
//! }
//! # Ok(())
//! # }
//! ```
//!
//! While a secret is being regenerated, deliveries may be signed with the
//! old value or the new one: keep a verifier for each and accept either.

use std::fmt;

use hmac::{Hmac, Mac};
use http::header::{HeaderMap, HeaderName};
use serde::Deserialize;
use serde_json::Value;
use sha2::Sha256;

use crate::types::{BatchRunCounts, BatchRunStatus, InvokeResult, Reply, RunStatus, SecretValue};

/// `X-Agntz-Signature`: `sha256=<hex HMAC-SHA256 of the body>`.
pub const SIGNATURE_HEADER: HeaderName = HeaderName::from_static("x-agntz-signature");
/// `X-Agntz-Delivery-Id`: stable across the retries of one delivery.
pub const DELIVERY_ID_HEADER: HeaderName = HeaderName::from_static("x-agntz-delivery-id");
/// `Idempotency-Key`: the delivery id again (the standard header).
pub const IDEMPOTENCY_KEY_HEADER: HeaderName = HeaderName::from_static("idempotency-key");

const SCHEME: &str = "sha256=";

/// Why a webhook delivery was refused. Never quotes the secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The request has no `X-Agntz-Signature` header.
    #[error("the webhook request has no X-Agntz-Signature header")]
    MissingSignature,
    /// The header is not `sha256=` followed by 64 hex digits.
    #[error("the X-Agntz-Signature header is not `sha256=<64 hex digits>`")]
    MalformedSignature,
    /// The signature is not the body's under this secret: another secret
    /// signed it, the body was changed, or it was not sent by the worker.
    #[error("the webhook signature does not match the body under this secret")]
    SignatureMismatch,
    /// The signed body is not a JSON event object.
    #[error("the webhook body is not a JSON event: {0}")]
    InvalidPayload(String),
}

/// Checks and decodes webhook deliveries signed with one secret.
///
/// `Debug` does not show the secret.
#[derive(Clone)]
pub struct WebhookVerifier {
    secret: SecretValue,
}

impl fmt::Debug for WebhookVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookVerifier")
            .field("secret", &self.secret)
            .finish()
    }
}

impl WebhookVerifier {
    /// A verifier for deliveries signed with `secret` (the `whsec_…` value).
    pub fn new(secret: impl Into<SecretValue>) -> Self {
        WebhookVerifier {
            secret: secret.into(),
        }
    }

    /// The MAC of `body`. `None` cannot happen (HMAC takes a key of any
    /// length), but is answered rather than unwrapped.
    fn mac(&self, body: &[u8]) -> Option<Hmac<Sha256>> {
        let mut mac = Hmac::<Sha256>::new_from_slice(self.secret.expose().as_bytes()).ok()?;
        mac.update(body);
        Some(mac)
    }

    /// The `X-Agntz-Signature` value the worker sends with `body`
    /// (`sha256=<hex>`): for tests of a webhook handler.
    pub fn signature(&self, body: &[u8]) -> String {
        let digest = self.mac(body).map(|mac| mac.finalize().into_bytes());
        format!("{SCHEME}{}", digest.map(hex::encode).unwrap_or_default())
    }

    /// Checks `signature` (the header's value) against `body`, comparing in
    /// constant time.
    pub fn verify_signature(&self, body: &[u8], signature: &[u8]) -> Result<(), WebhookError> {
        let signature = signature.trim_ascii();
        let hex_digits = signature
            .strip_prefix(SCHEME.as_bytes())
            .ok_or(WebhookError::MalformedSignature)?;
        let mut expected = [0u8; 32];
        hex::decode_to_slice(hex_digits, &mut expected)
            .map_err(|_| WebhookError::MalformedSignature)?;
        self.mac(body)
            .ok_or(WebhookError::SignatureMismatch)?
            .verify_slice(&expected)
            .map_err(|_| WebhookError::SignatureMismatch)
    }

    /// Checks the signature header of a delivery, then decodes its body.
    pub fn verify(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<WebhookDelivery, WebhookError> {
        let signature = headers
            .get(SIGNATURE_HEADER)
            .ok_or(WebhookError::MissingSignature)?;
        self.verify_signature(body, signature.as_bytes())?;
        let id = headers
            .get(DELIVERY_ID_HEADER)
            .or_else(|| headers.get(IDEMPOTENCY_KEY_HEADER))
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Ok(WebhookDelivery {
            id,
            event: WebhookEvent::from_json(body)?,
        })
    }
}

/// A verified delivery.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct WebhookDelivery {
    /// `X-Agntz-Delivery-Id` (or `Idempotency-Key`): the same on every retry
    /// of this delivery. `None` if the request had neither.
    pub id: Option<String>,
    /// The event.
    pub event: WebhookEvent,
}

/// A webhook event, by its `type`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum WebhookEvent {
    /// `reply`: a reply of the run tree.
    Reply(WebhookReply),
    /// `complete`: the run ended (sent once).
    Complete(Box<WebhookComplete>),
    /// `batch.complete`: a batch run ended (sent once).
    BatchComplete(Box<WebhookBatchComplete>),
    /// Any other `type`, kept whole.
    Unknown(UnknownWebhook),
}

/// A webhook event whose `type` this SDK does not know.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct UnknownWebhook {
    /// Its `type`.
    pub kind: String,
    /// The whole body.
    pub payload: Value,
}

impl WebhookEvent {
    /// Decodes a (verified) body. Prefer [`WebhookVerifier::verify`], which
    /// checks the signature first.
    pub fn from_json(body: &[u8]) -> Result<WebhookEvent, WebhookError> {
        #[derive(Deserialize)]
        struct Kind {
            #[serde(rename = "type")]
            kind: String,
        }
        let invalid = |e: serde_json::Error| WebhookError::InvalidPayload(e.to_string());
        let Kind { kind } = crate::json::from_bytes(body).map_err(invalid)?;
        Ok(match kind.as_str() {
            "reply" => WebhookEvent::Reply(crate::json::from_bytes(body).map_err(invalid)?),
            "complete" => {
                WebhookEvent::Complete(Box::new(crate::json::from_bytes(body).map_err(invalid)?))
            }
            "batch.complete" => WebhookEvent::BatchComplete(Box::new(
                crate::json::from_bytes(body).map_err(invalid)?,
            )),
            _ => WebhookEvent::Unknown(UnknownWebhook {
                payload: crate::json::from_bytes(body).map_err(invalid)?,
                kind,
            }),
        })
    }

    /// The event's `type` on the wire.
    pub fn kind(&self) -> &str {
        match self {
            WebhookEvent::Reply(_) => "reply",
            WebhookEvent::Complete(_) => "complete",
            WebhookEvent::BatchComplete(_) => "batch.complete",
            WebhookEvent::Unknown(u) => &u.kind,
        }
    }

    /// The run the event is about (`None` for unknown events).
    pub fn run_id(&self) -> Option<&str> {
        match self {
            WebhookEvent::Reply(e) => Some(&e.run_id),
            WebhookEvent::Complete(e) => Some(&e.run_id),
            WebhookEvent::BatchComplete(e) => Some(&e.run_id),
            WebhookEvent::Unknown(_) => None,
        }
    }
}

/// `reply`: `{type, runId, sessionId, text, ts}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WebhookReply {
    /// The run that replied (may be a child of the run started).
    #[serde(default)]
    pub run_id: String,
    /// Its session.
    #[serde(default)]
    pub session_id: String,
    /// The reply text.
    #[serde(default)]
    pub text: String,
    /// When it was emitted (ISO-8601).
    #[serde(default)]
    pub ts: String,
}

/// `complete`: `{type, runId, sessionId, status, output, replies?, result?,
/// error?}`. A failed or cancelled run has `output: null` and
/// `sessionId: ""`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WebhookComplete {
    /// The run.
    #[serde(default)]
    pub run_id: String,
    /// Its session (`""` for a failed or cancelled run).
    #[serde(default)]
    pub session_id: String,
    /// `completed`, `failed` or `cancelled`.
    #[serde(default)]
    pub status: RunStatus,
    /// The run's output (`null` unless completed).
    #[serde(default)]
    pub output: Value,
    /// The replies of the run tree, when sent.
    #[serde(default)]
    pub replies: Vec<Reply>,
    /// The full result, when sent.
    #[serde(default)]
    pub result: Option<InvokeResult>,
    /// The failure message.
    #[serde(default)]
    pub error: Option<String>,
}

/// `batch.complete`: `{type, runId, batchId, status, provider, model,
/// counts, error?}`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WebhookBatchComplete {
    /// The batch run.
    #[serde(default)]
    pub run_id: String,
    /// Its batch.
    #[serde(default)]
    pub batch_id: String,
    /// How it ended.
    #[serde(default)]
    pub status: BatchRunStatus,
    /// The model provider.
    #[serde(default)]
    pub provider: String,
    /// The model.
    #[serde(default)]
    pub model: String,
    /// Item counts.
    #[serde(default)]
    pub counts: BatchRunCounts,
    /// The failure message.
    #[serde(default)]
    pub error: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    // Known answers computed with another HMAC-SHA256 implementation
    // (the key is the secret's text, the message the raw body).
    const SECRET: &str = "whsec_00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    const REPLY: &[u8] = br#"{"type":"reply","runId":"run_1","sessionId":"sess_1","text":"Hello","ts":"2026-11-29T10:00:00.000Z"}"#;
    const REPLY_SIG: &str =
        "sha256=6125e0fcce642eb260787a6cd2702319187c1c155e1b711b2468fa3830dcb44c";

    fn headers(signature: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(SIGNATURE_HEADER, HeaderValue::from_str(signature).unwrap());
        h.insert(DELIVERY_ID_HEADER, HeaderValue::from_static("whd_1"));
        h
    }

    #[test]
    fn signs_like_the_worker() {
        assert_eq!(WebhookVerifier::new(SECRET).signature(REPLY), REPLY_SIG);
    }

    #[test]
    fn verifies_and_decodes_a_reply() {
        let v = WebhookVerifier::new(SECRET);
        let d = v.verify(&headers(REPLY_SIG), REPLY).unwrap();
        assert_eq!(d.id.as_deref(), Some("whd_1"));
        let WebhookEvent::Reply(r) = d.event else {
            panic!("not a reply: {:?}", d.event)
        };
        assert_eq!((r.run_id.as_str(), r.text.as_str()), ("run_1", "Hello"));
        // Upper-case hex and surrounding spaces are the same signature.
        let upper = format!(" sha256={} ", REPLY_SIG[7..].to_ascii_uppercase());
        assert!(v.verify_signature(REPLY, upper.as_bytes()).is_ok());
    }

    #[test]
    fn refuses_what_it_cannot_trust() {
        let v = WebhookVerifier::new(SECRET);
        assert_eq!(
            v.verify(&HeaderMap::new(), REPLY),
            Err(WebhookError::MissingSignature)
        );
        for bad in ["", "sha256=", "sha1=00", "sha256=zz", &REPLY_SIG[..70]] {
            assert_eq!(
                v.verify_signature(REPLY, bad.as_bytes()),
                Err(WebhookError::MalformedSignature),
                "{bad:?}"
            );
        }
        let mut changed = REPLY.to_vec();
        changed[40] ^= 1;
        assert_eq!(
            v.verify(&headers(REPLY_SIG), &changed),
            Err(WebhookError::SignatureMismatch)
        );
        let other = WebhookVerifier::new("whsec_other");
        assert_eq!(
            other.verify(&headers(REPLY_SIG), REPLY),
            Err(WebhookError::SignatureMismatch)
        );
        // A signed body that is not an event is refused after the check.
        let junk = b"[1,2]";
        let sig = v.signature(junk);
        assert!(matches!(
            v.verify(&headers(&sig), junk),
            Err(WebhookError::InvalidPayload(_))
        ));
    }

    #[test]
    fn the_secret_never_shows() {
        let v = WebhookVerifier::new(SECRET);
        assert!(!format!("{v:?}").contains("whsec_0011"));
        let errors = [
            v.verify_signature(REPLY, b"sha256=00"),
            v.verify_signature(b"x", REPLY_SIG.as_bytes()),
        ];
        for e in errors {
            let e = e.unwrap_err();
            assert!(!format!("{e} {e:?}").contains("whsec_0011"));
        }
    }

    #[test]
    fn decodes_every_event_type() {
        let complete = br#"{"type":"complete","runId":"run_1","sessionId":"","status":"failed","output":null,"error":"boom"}"#;
        let WebhookEvent::Complete(c) = WebhookEvent::from_json(complete).unwrap() else {
            panic!()
        };
        assert_eq!(c.status, RunStatus::Failed);
        assert_eq!(c.error.as_deref(), Some("boom"));
        assert!(c.output.is_null() && c.replies.is_empty());

        let done = br#"{"type":"complete","runId":"run_2","sessionId":"s","status":"completed","output":"hi","replies":[{"text":"hi","ts":"t","sessionId":"s","runId":"run_2"}]}"#;
        let e = WebhookEvent::from_json(done).unwrap();
        assert_eq!((e.kind(), e.run_id()), ("complete", Some("run_2")));
        let WebhookEvent::Complete(c) = e else {
            panic!()
        };
        assert_eq!(c.replies.len(), 1);

        let batch = br#"{"type":"batch.complete","runId":"br_1","batchId":"b","status":"completed","provider":"openai","model":"m","counts":{"total":2}}"#;
        let WebhookEvent::BatchComplete(b) = WebhookEvent::from_json(batch).unwrap() else {
            panic!()
        };
        assert_eq!((b.batch_id.as_str(), b.counts.total), ("b", 2));

        let future = br#"{"type":"run.paused","runId":"run_3"}"#;
        let e = WebhookEvent::from_json(future).unwrap();
        assert_eq!((e.kind(), e.run_id()), ("run.paused", None));

        for bad in [&b"{}"[..], b"not json", b"{\"type\":7}"] {
            assert!(matches!(
                WebhookEvent::from_json(bad),
                Err(WebhookError::InvalidPayload(_))
            ));
        }
    }
}
