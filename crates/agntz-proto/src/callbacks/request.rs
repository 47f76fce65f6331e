//! The typed body of a delivery.

use std::time::SystemTime;

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

use super::verify::{parse_timestamp, CallbackError};

/// One call of a callback tool: `{tool, args, runtime, delivery}`.
///
/// `A` is the arguments' type: JSON ([`Value`]) as verified, or the tool's
/// own type after [`decode`](Self::decode).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CallbackRequest<A = Value> {
    /// The manifest `name` of the tool (without the `callback__` prefix the
    /// model sees).
    pub tool: String,
    /// The model's arguments, already checked by the worker against the
    /// tool's `inputSchema`.
    pub args: A,
    /// The run the call comes from, set by the worker (the model cannot
    /// choose it): the trusted context of the call.
    pub runtime: CallbackRuntime,
    /// The delivery's id and time.
    pub delivery: CallbackDelivery,
}

/// `runtime`: where the call comes from. A field the worker did not send
/// is empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CallbackRuntime {
    /// The run's session.
    #[serde(default)]
    pub session_id: String,
    /// The run that called the tool.
    #[serde(default)]
    pub run_id: String,
    /// The agent that called the tool.
    #[serde(default)]
    pub agent_id: String,
}

/// `delivery`: the same on every retry of one call.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct CallbackDelivery {
    /// `cbd_…`: deduplicate on it.
    #[serde(default)]
    pub id: String,
    /// When the call was made (ISO-8601 UTC with milliseconds).
    #[serde(default)]
    pub timestamp: String,
}

impl CallbackDelivery {
    /// [`timestamp`](Self::timestamp) as a time, if it is one.
    pub fn time(&self) -> Option<SystemTime> {
        parse_timestamp(&self.timestamp)
    }
}

/// The wire shape, with every field optional but `tool`.
#[derive(Deserialize)]
struct Wire {
    tool: String,
    #[serde(default)]
    args: Value,
    #[serde(default)]
    runtime: CallbackRuntime,
    #[serde(default)]
    delivery: CallbackDelivery,
}

impl CallbackRequest {
    /// Decodes a (verified) body. Prefer
    /// [`CallbackVerifier::verify`](super::CallbackVerifier::verify), which
    /// checks the signature and timestamp first.
    pub fn from_json(body: &[u8]) -> Result<CallbackRequest, CallbackError> {
        let wire: Wire = crate::json::from_bytes(body)
            .map_err(|e| CallbackError::InvalidPayload(e.to_string()))?;
        Ok(CallbackRequest {
            tool: wire.tool,
            args: wire.args,
            runtime: wire.runtime,
            delivery: wire.delivery,
        })
    }

    /// The arguments decoded into `T`, the request kept whole.
    pub fn args_as<T: DeserializeOwned>(&self) -> Result<T, CallbackError> {
        T::deserialize(&self.args).map_err(|e| CallbackError::InvalidArguments(e.to_string()))
    }

    /// The same request with its arguments decoded into `T`.
    pub fn decode<T: DeserializeOwned>(self) -> Result<CallbackRequest<T>, CallbackError> {
        let args = self.args_as()?;
        Ok(CallbackRequest {
            tool: self.tool,
            args,
            runtime: self.runtime,
            delivery: self.delivery,
        })
    }
}
