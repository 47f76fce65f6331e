use super::Client;
use crate::error::Error;
use crate::ops::{
    CreateWebhookSecret, DeleteWebhookSecret, ListWebhookSecrets, RegenerateWebhookSecret,
};
use crate::transport::Transport;
use crate::types::{IssuedWebhookSecret, NewWebhookSecret, WebhookSecret};

/// Webhook secrets: the named secrets webhook deliveries are signed with
/// (what `webhookSecretName` on runs and batch runs refers to). Get one
/// with [`Client::webhook_secrets`].
///
/// A value is shown only by [`create`](Self::create) and
/// [`regenerate`](Self::regenerate); it is redacted in `Debug` output
/// (read it with [`SecretValue::expose`](crate::types::SecretValue::expose)).
#[derive(Debug)]
pub struct WebhookSecrets<'a, T> {
    client: &'a Client<T>,
}

impl<'a, T: Transport> WebhookSecrets<'a, T> {
    pub(crate) fn new(client: &'a Client<T>) -> Self {
        WebhookSecrets { client }
    }

    /// `POST /webhook-secrets`: creates a secret and returns its value. An
    /// existing name is an [`Error::Api`] with status `409`. Never retried
    /// after the request may have reached the worker.
    pub async fn create(&self, secret: NewWebhookSecret) -> Result<IssuedWebhookSecret, Error> {
        self.client.execute(&CreateWebhookSecret::new(secret)).await
    }

    /// `GET /webhook-secrets`: every secret, each with its last four
    /// characters only.
    pub async fn list(&self) -> Result<Vec<WebhookSecret>, Error> {
        self.client.execute(&ListWebhookSecrets::new()).await
    }

    /// `POST /webhook-secrets/{name}/regenerate`: a new value (the old one
    /// stops working). An unknown name is [`Error::NotFound`].
    pub async fn regenerate(&self, name: &str) -> Result<IssuedWebhookSecret, Error> {
        self.client
            .execute(&RegenerateWebhookSecret::new(name))
            .await
    }

    /// `DELETE /webhook-secrets/{name}` (succeeds for an unknown name too).
    pub async fn delete(&self, name: &str) -> Result<(), Error> {
        self.client.execute(&DeleteWebhookSecret::new(name)).await
    }
}
