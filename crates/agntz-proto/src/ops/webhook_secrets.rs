//! `/webhook-secrets`: create, list, regenerate and delete the named
//! secrets webhooks are signed with.

use bytes::Bytes;
use http::{Method, Request, Response};

use super::{expect_no_content, get_with_query, require_id, Operation};
use crate::body::WholeBody;
use crate::config::Config;
use crate::encode::Segment;
use crate::error::{DecodeError, Error};
use crate::request::{self, JSON};
use crate::response::parse_json;
use crate::retry::CallKind;
use crate::types::{IssuedWebhookSecret, NewWebhookSecret, WebhookSecret};

fn secret_path(name: &str, suffix: &str) -> Result<String, Error> {
    let name = require_id("webhook secret name", name)?;
    Ok(format!("/webhook-secrets/{}{suffix}", Segment(name)))
}

/// Parses an answer carrying a secret value. A decode failure keeps
/// neither the raw body nor the parser's message: both may quote the value.
fn parse_issued(response: &Response<WholeBody>) -> Result<IssuedWebhookSecret, Error> {
    parse_json(response).map_err(|error| match error {
        Error::Decode(e) => Error::Decode(DecodeError::new(
            e.status,
            "the webhook secret answer did not decode (body withheld: it holds the secret)",
            Bytes::new(),
        )),
        other => other,
    })
}

/// `POST /webhook-secrets` with `{name, description?}`: `201` with the new
/// value, shown only here. An existing name answers `409`.
#[derive(Debug, Clone)]
pub struct CreateWebhookSecret {
    secret: NewWebhookSecret,
}

impl CreateWebhookSecret {
    /// The operation for `secret`.
    pub fn new(secret: NewWebhookSecret) -> Self {
        CreateWebhookSecret { secret }
    }
}

impl Operation for CreateWebhookSecret {
    type Output = IssuedWebhookSecret;
    // A repeat after a lost answer is a 409, and the value of the first
    // call is gone: never retried blindly.
    const KIND: CallKind = CallKind::StartsWork;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        if self.secret.name.trim().is_empty() {
            return Err(Error::invalid("a webhook secret needs a name"));
        }
        let body = crate::types::json_body(&self.secret)?;
        request::build(config, Method::POST, "/webhook-secrets", Some(body), JSON)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<IssuedWebhookSecret, Error> {
        parse_issued(&response)
    }
}

/// `GET /webhook-secrets`: every secret of the tenant (last four
/// characters only; `[]` when there are none).
#[derive(Debug, Clone, Default)]
pub struct ListWebhookSecrets {
    _priv: (),
}

impl ListWebhookSecrets {
    /// The operation.
    pub fn new() -> Self {
        ListWebhookSecrets::default()
    }
}

impl Operation for ListWebhookSecrets {
    type Output = Vec<WebhookSecret>;
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        get_with_query(config, "/webhook-secrets", &[])
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<Vec<WebhookSecret>, Error> {
        parse_json(&response)
    }
}

/// `POST /webhook-secrets/{name}/regenerate` (no body): a new value for the
/// secret (the old one stops working). An unknown name is
/// [`Error::NotFound`].
#[derive(Debug, Clone)]
pub struct RegenerateWebhookSecret {
    name: String,
}

impl RegenerateWebhookSecret {
    /// The operation for secret `name`.
    pub fn new(name: impl Into<String>) -> Self {
        RegenerateWebhookSecret { name: name.into() }
    }
}

impl Operation for RegenerateWebhookSecret {
    type Output = IssuedWebhookSecret;
    // Each call replaces the value; a lost answer would lose the new one.
    const KIND: CallKind = CallKind::StartsWork;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let path = secret_path(&self.name, "/regenerate")?;
        request::build(config, Method::POST, &path, None, JSON)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<IssuedWebhookSecret, Error> {
        parse_issued(&response)
    }
}

/// `DELETE /webhook-secrets/{name}` (`204`, also for an unknown name).
#[derive(Debug, Clone)]
pub struct DeleteWebhookSecret {
    name: String,
}

impl DeleteWebhookSecret {
    /// The operation for secret `name`.
    pub fn new(name: impl Into<String>) -> Self {
        DeleteWebhookSecret { name: name.into() }
    }
}

impl Operation for DeleteWebhookSecret {
    type Output = ();
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let path = secret_path(&self.name, "")?;
        request::build(config, Method::DELETE, &path, None, JSON)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<(), Error> {
        expect_no_content(&response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::ops::test_config as config;

    #[test]
    fn requests() {
        let c = config();
        let r = CreateWebhookSecret::new(NewWebhookSecret::new("hooks"))
            .build(&c)
            .unwrap();
        assert_eq!(&r.body()[..], br#"{"name":"hooks"}"#);
        let r = CreateWebhookSecret::new(NewWebhookSecret::new("h").description("d"))
            .build(&c)
            .unwrap();
        assert_eq!(&r.body()[..], br#"{"name":"h","description":"d"}"#);
        assert!(CreateWebhookSecret::new(NewWebhookSecret::new(" "))
            .build(&c)
            .is_err());
        let r = RegenerateWebhookSecret::new("a/b").build(&c).unwrap();
        assert_eq!(
            r.uri(),
            "https://api.agntz.co/webhook-secrets/a%2Fb/regenerate"
        );
        assert!(DeleteWebhookSecret::new("..").build(&c).is_err());
    }

    #[test]
    fn a_bad_answer_does_not_leak_the_value_into_the_error() {
        let body = r#"{"name":"h","value":"whsec_0123abcd","createdAt":{"not":"a string"}}"#;
        let response = Response::builder()
            .status(201)
            .body(WholeBody::from(Bytes::from(body)))
            .unwrap();
        let err = CreateWebhookSecret::new(NewWebhookSecret::new("h"))
            .parse(response)
            .unwrap_err();
        assert!(matches!(err, Error::Decode(_)));
        assert!(!format!("{err:?} {err}").contains("whsec_"));
    }
}
