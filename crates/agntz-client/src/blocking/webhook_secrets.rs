use agntz_proto::types::{IssuedWebhookSecret, NewWebhookSecret, WebhookSecret};

use super::macros::resource;

resource! {
    /// Webhook secrets: the named secrets webhook deliveries are signed
    /// with. Get one with
    /// [`AgntzClient::webhook_secrets`](super::AgntzClient::webhook_secrets).
    WebhookSecrets => webhook_secrets;
    call fn create(secret: NewWebhookSecret) -> IssuedWebhookSecret;
    call fn list() -> Vec<WebhookSecret>;
    call fn regenerate(name: &str) -> IssuedWebhookSecret;
    call fn delete(name: &str) -> ();
}
