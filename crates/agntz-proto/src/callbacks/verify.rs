//! Checking a delivery: signature, timestamp window, payload.

use std::fmt;
use std::time::{Duration, SystemTime};

use hmac::{Hmac, Mac};
use http::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE};
use http::StatusCode;
use sha2::Sha256;

use super::request::CallbackRequest;
use super::{DELIVERY_ID_HEADER, IDEMPOTENCY_KEY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use crate::types::SecretValue;

/// How far a delivery's timestamp may be from the current time, either
/// way, unless [`CallbackVerifier::tolerance`] says otherwise.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(5 * 60);

const SCHEME: &str = "sha256=";

/// Why a callback delivery was refused. Never quotes the secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CallbackError {
    /// A header the worker always sends is missing.
    #[error("the callback request has no {0} header")]
    MissingHeader(HeaderName),
    /// The timestamp is not an ISO-8601 UTC time, or the delivery id is not
    /// text.
    #[error("the {0} header of the callback request is malformed")]
    MalformedHeader(HeaderName),
    /// `X-Agntz-Signature` is not `sha256=` followed by 64 hex digits.
    #[error("the X-Agntz-Signature header is not `sha256=<64 hex digits>`")]
    MalformedSignature,
    /// The signature is not that of this timestamp, delivery id and body
    /// under the secret: another secret signed it, something was changed on
    /// the way, or the worker did not send it.
    #[error("the callback signature does not match under this secret")]
    SignatureMismatch,
    /// The timestamp is older than the tolerance: a replay, or a retry
    /// that came too late.
    #[error("the callback timestamp is {}s old, past the tolerance", age.as_secs())]
    StaleTimestamp {
        /// How old it is.
        age: Duration,
    },
    /// The timestamp is further in the future than the tolerance (a clock
    /// out of step, or a forged time).
    #[error("the callback timestamp is {}s in the future, past the tolerance", ahead.as_secs())]
    FutureTimestamp {
        /// How far ahead it is.
        ahead: Duration,
    },
    /// The signed body is not a callback delivery (`{tool, args, runtime,
    /// delivery}`), or its delivery id or timestamp differs from the
    /// headers'.
    #[error("the callback body is not a delivery: {0}")]
    InvalidPayload(String),
    /// The arguments do not decode into the type the tool expects.
    #[error("the callback arguments do not decode: {0}")]
    InvalidArguments(String),
}

impl CallbackError {
    /// Whether the request failed authentication (missing or malformed
    /// headers, bad signature, timestamp out of the window), as opposed to a
    /// signed request whose content is wrong.
    pub fn is_authentication(&self) -> bool {
        !matches!(
            self,
            CallbackError::InvalidPayload(_) | CallbackError::InvalidArguments(_)
        )
    }

    /// The status to answer with: 401 for authentication failures, 400 for
    /// a bad payload or arguments. Neither is retried by the worker.
    pub fn status(&self) -> StatusCode {
        if self.is_authentication() {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::BAD_REQUEST
        }
    }
}

/// Checks and decodes callback deliveries signed with one secret (or
/// several, while a secret is being rotated).
///
/// `Debug` does not show the secrets.
#[derive(Clone)]
pub struct CallbackVerifier {
    secrets: Vec<SecretValue>,
    tolerance: Duration,
}

impl fmt::Debug for CallbackVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackVerifier")
            .field("secrets", &self.secrets)
            .field("tolerance", &self.tolerance)
            .finish()
    }
}

impl CallbackVerifier {
    /// A verifier for deliveries signed with `secret` (the `whsec_…`
    /// value of the secret the manifest names), with the default tolerance
    /// of five minutes.
    pub fn new(secret: impl Into<SecretValue>) -> Self {
        CallbackVerifier {
            secrets: vec![secret.into()],
            tolerance: DEFAULT_TOLERANCE,
        }
    }

    /// Accepts deliveries signed with `secret` as well: while a secret is
    /// regenerated, calls may be signed with the old value or the new one.
    pub fn also_accept(mut self, secret: impl Into<SecretValue>) -> Self {
        self.secrets.push(secret.into());
        self
    }

    /// How far a delivery's timestamp may be from the time passed to
    /// [`verify`](Self::verify), in the past or the future.
    pub fn tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// The tolerance in force.
    pub fn tolerance_window(&self) -> Duration {
        self.tolerance
    }

    /// The MAC of the signed bytes under `secret`. `None` cannot happen
    /// (HMAC takes a key of any length), but is answered, not unwrapped.
    fn mac(
        secret: &SecretValue,
        timestamp: &str,
        delivery_id: &str,
        body: &[u8],
    ) -> Option<Hmac<Sha256>> {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes()).ok()?;
        mac.update(timestamp.as_bytes());
        mac.update(b".");
        mac.update(delivery_id.as_bytes());
        mac.update(b".");
        mac.update(body);
        Some(mac)
    }

    /// The `X-Agntz-Signature` value the worker sends (`sha256=<hex>`),
    /// signed with the first secret: for tests of a callback handler.
    pub fn signature(&self, timestamp: &str, delivery_id: &str, body: &[u8]) -> String {
        let digest = self
            .secrets
            .first()
            .and_then(|s| Self::mac(s, timestamp, delivery_id, body))
            .map(|mac| hex::encode(mac.finalize().into_bytes()));
        format!("{SCHEME}{}", digest.unwrap_or_default())
    }

    /// The headers the worker sends with `body`: content type, signature,
    /// timestamp, delivery id and idempotency key. For tests of a handler.
    pub fn signed_headers(&self, timestamp: &str, delivery_id: &str, body: &[u8]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        let text = |s: &str| HeaderValue::from_str(s).ok();
        let values = [
            (
                SIGNATURE_HEADER,
                text(&self.signature(timestamp, delivery_id, body)),
            ),
            (TIMESTAMP_HEADER, text(timestamp)),
            (DELIVERY_ID_HEADER, text(delivery_id)),
            (IDEMPOTENCY_KEY_HEADER, text(delivery_id)),
        ];
        for (name, value) in values {
            if let Some(value) = value {
                headers.insert(name, value);
            }
        }
        headers
    }

    /// Checks `signature` (the header's value) against the signed bytes
    /// under each secret, comparing in constant time.
    pub fn verify_signature(
        &self,
        timestamp: &str,
        delivery_id: &str,
        body: &[u8],
        signature: &[u8],
    ) -> Result<(), CallbackError> {
        let hex_digits = signature
            .trim_ascii()
            .strip_prefix(SCHEME.as_bytes())
            .ok_or(CallbackError::MalformedSignature)?;
        let mut expected = [0u8; 32];
        hex::decode_to_slice(hex_digits, &mut expected)
            .map_err(|_| CallbackError::MalformedSignature)?;
        let matches = self.secrets.iter().any(|secret| {
            Self::mac(secret, timestamp, delivery_id, body)
                .is_some_and(|mac| mac.verify_slice(&expected).is_ok())
        });
        if matches {
            Ok(())
        } else {
            Err(CallbackError::SignatureMismatch)
        }
    }

    /// Checks that `timestamp` lies within the tolerance of `now`.
    pub fn check_timestamp(&self, timestamp: &str, now: SystemTime) -> Result<(), CallbackError> {
        let sent =
            parse_timestamp(timestamp).ok_or(CallbackError::MalformedHeader(TIMESTAMP_HEADER))?;
        match now.duration_since(sent) {
            Ok(age) if age > self.tolerance => Err(CallbackError::StaleTimestamp { age }),
            Ok(_) => Ok(()),
            Err(ahead) => {
                let ahead = ahead.duration();
                if ahead > self.tolerance {
                    Err(CallbackError::FutureTimestamp { ahead })
                } else {
                    Ok(())
                }
            }
        }
    }

    /// Checks a delivery and decodes it: the headers are present, the
    /// signature is that of the raw `body` (checked before anything is
    /// parsed), the timestamp lies within the tolerance of `now` (the
    /// caller's clock: the core never reads one), and the body is a
    /// delivery whose id and timestamp are the headers'.
    pub fn verify(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: SystemTime,
    ) -> Result<CallbackRequest, CallbackError> {
        let signature = headers
            .get(SIGNATURE_HEADER)
            .ok_or(CallbackError::MissingHeader(SIGNATURE_HEADER))?;
        let timestamp = header_text(headers, &TIMESTAMP_HEADER)?;
        let delivery_id = match header_text(headers, &DELIVERY_ID_HEADER) {
            Err(CallbackError::MissingHeader(_)) => {
                header_text(headers, &IDEMPOTENCY_KEY_HEADER)
                    .map_err(|_| CallbackError::MissingHeader(DELIVERY_ID_HEADER))?
            }
            other => other?,
        };
        self.verify_signature(timestamp, delivery_id, body, signature.as_bytes())?;
        self.check_timestamp(timestamp, now)?;
        let request = CallbackRequest::from_json(body)?;
        if request.delivery.id != delivery_id || request.delivery.timestamp != timestamp {
            return Err(CallbackError::InvalidPayload(
                "the delivery id or timestamp in the body differs from the headers".into(),
            ));
        }
        Ok(request)
    }
}

/// A header's value as text.
fn header_text<'h>(headers: &'h HeaderMap, name: &HeaderName) -> Result<&'h str, CallbackError> {
    headers
        .get(name)
        .ok_or_else(|| CallbackError::MissingHeader(name.clone()))?
        .to_str()
        .map(str::trim)
        .map_err(|_| CallbackError::MalformedHeader(name.clone()))
}

/// Parses the worker's timestamp (`2026-12-06T07:28:21.126Z`: RFC 3339 in
/// UTC; fractional seconds optional).
pub(crate) fn parse_timestamp(text: &str) -> Option<SystemTime> {
    humantime::parse_rfc3339(text).ok()
}

#[cfg(test)]
mod tests;
