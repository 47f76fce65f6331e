use bytes::Bytes;
use http::{Method, Request, Response};

use super::Operation;
use crate::body::WholeBody;
use crate::config::Config;
use crate::error::Error;
use crate::request::{self, PUBLIC};
use crate::response::parse_json;
use crate::retry::CallKind;
use crate::types::Health;

/// `GET /health` (no authentication).
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct GetHealth;

impl GetHealth {
    /// The operation.
    pub fn new() -> Self {
        GetHealth
    }
}

impl Operation for GetHealth {
    type Output = Health;
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        request::build(config, Method::GET, "/health", None, PUBLIC)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<Health, Error> {
        parse_json(&response)
    }
}
