//! Webhook secrets (`/webhook-secrets`): the named signing secrets that
//! `webhookSecretName` on runs and batch runs refers to.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use super::serde_util::null_as_default;

/// A secret's value (`whsec_…`). Never printed: `Debug` shows
/// `SecretValue(***)` and `Display` `***`; read it with
/// [`expose`](Self::expose) only to store it where it belongs.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretValue(String);

impl SecretValue {
    /// The value itself. The worker shows it only when it is created or
    /// regenerated, so keep it now.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for SecretValue {
    /// A secret value kept elsewhere (an environment variable, a vault), to
    /// verify webhooks with ([`crate::webhooks::WebhookVerifier`]).
    fn from(value: String) -> Self {
        SecretValue(value)
    }
}

impl From<&str> for SecretValue {
    fn from(value: &str) -> Self {
        SecretValue(value.to_owned())
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretValue(***)")
    }
}

impl fmt::Display for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl<'de> Deserialize<'de> for SecretValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        null_as_default(d).map(SecretValue)
    }
}

/// A secret with its value, as `POST /webhook-secrets` (`201`) and
/// `POST /webhook-secrets/{name}/regenerate` answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct IssuedWebhookSecret {
    /// The secret's name.
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
    /// The value (redacted in `Debug`).
    #[serde(default)]
    pub value: SecretValue,
    /// When the secret was first created.
    #[serde(default)]
    pub created_at: Option<String>,
    /// When the value last changed (only in a regenerate answer).
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// A listed secret (`GET /webhook-secrets`): its last four characters,
/// never its value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WebhookSecret {
    /// The secret's name.
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// The value's last four characters, to tell secrets apart.
    #[serde(default, deserialize_with = "null_as_default")]
    pub last_four: String,
    /// When the secret was created.
    #[serde(default)]
    pub created_at: Option<String>,
    /// When the value last changed.
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// The body of `POST /webhook-secrets`: `{name, description?}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct NewWebhookSecret {
    /// The name runs refer to (`webhookSecretName`).
    pub name: String,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl NewWebhookSecret {
    /// A secret called `name`.
    pub fn new(name: impl Into<String>) -> Self {
        NewWebhookSecret {
            name: name.into(),
            description: None,
        }
    }

    /// Sets the description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_redact_the_value() {
        let value = "whsec_00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
        let issued: IssuedWebhookSecret = serde_json::from_str(&format!(
            r#"{{"name":"hooks","value":"{value}","createdAt":"2026-01-01T00:00:00.000Z"}}"#
        ))
        .unwrap();
        assert_eq!(issued.value.expose(), value);
        let debug = format!("{issued:?}");
        assert!(!debug.contains("whsec_"), "{debug}");
        assert!(!debug.contains("ccddeeff"), "{debug}");
        assert!(debug.contains("SecretValue(***)"), "{debug}");
        assert_eq!(issued.value.to_string(), "***");
        assert_eq!(format!("{:#?}", issued.value), "SecretValue(***)");
    }
}
