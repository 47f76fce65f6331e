//! Webhook secret scenarios, written once and generic over the transport.

use agntz_proto::body::WholeBody;
use agntz_proto::ops::{ListWebhookSecrets, Operation};
use agntz_proto::retry::CallKind;
use agntz_proto::types::NewWebhookSecret;
use agntz_proto::{Config, Error, Transport};
use bytes::Bytes;
use http::{Request, Response};
use serde_json::{json, Value};

use crate::harness::Harness;

/// `whsec_` followed by 64 lowercase hex digits.
fn is_secret_value(value: &str) -> bool {
    value.strip_prefix("whsec_").is_some_and(|hex| {
        hex.len() == 64
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// `GET /webhook-secrets` read as raw JSON, to see what the wire carries.
struct RawListing;

impl Operation for RawListing {
    type Output = Value;
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        ListWebhookSecrets::new().build(config)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<Value, Error> {
        Ok(serde_json::from_reader(response.body().reader()).expect("a JSON listing"))
    }
}

pub async fn webhook_secrets_lifecycle<T: Transport>(h: Harness<T>) {
    let secrets = h.client.webhook_secrets();
    assert!(secrets.list().await.expect("empty list").is_empty());

    let created = secrets
        .create(NewWebhookSecret::new("hooks").description("Run callbacks"))
        .await
        .expect("create");
    assert_eq!(created.name, "hooks");
    assert!(
        is_secret_value(created.value.expose()),
        "{}",
        created.value.expose()
    );
    assert!(created.created_at.is_some());
    assert!(!format!("{created:?}").contains(created.value.expose()));
    let req = h.worker.requests().pop().unwrap();
    assert_eq!(
        (req.method.as_str(), req.path.as_str()),
        ("POST", "/webhook-secrets")
    );
    assert_eq!(
        req.body_json().unwrap(),
        json!({"name": "hooks", "description": "Run callbacks"})
    );

    // An existing name is a 409, not a rotation.
    let err = secrets
        .create(NewWebhookSecret::new("hooks"))
        .await
        .expect_err("duplicate");
    assert!(
        matches!(&err, Error::Api(e) if e.status == 409 && e.message == r#"Secret "hooks" already exists"#),
        "{err:?}"
    );

    // The listing shows the last four characters, never the value.
    secrets
        .create(NewWebhookSecret::new("alerts"))
        .await
        .expect("second");
    let listed = secrets.list().await.expect("list");
    let names: Vec<_> = listed.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["alerts", "hooks"]);
    let hooks = &listed[1];
    let value = created.value.expose();
    assert_eq!(hooks.last_four, value[value.len() - 4..]);
    assert_eq!(hooks.description.as_deref(), Some("Run callbacks"));
    assert_eq!(listed[0].description, None);
    assert!(hooks.created_at.is_some() && hooks.updated_at.is_some());
    // On the wire too: no key of the listing holds the value.
    let wire = h.client.execute(&RawListing).await.expect("raw list");
    assert!(!wire.to_string().contains(value));
    assert_eq!(wire[1]["lastFour"], json!(hooks.last_four));
    assert!(wire[1].get("value").is_none());

    // Regenerate: a new value, the old one gone from the listing.
    let fresh = secrets.regenerate("hooks").await.expect("regenerate");
    assert_eq!(fresh.name, "hooks");
    assert!(is_secret_value(fresh.value.expose()));
    assert_ne!(fresh.value, created.value);
    assert_eq!(fresh.created_at, created.created_at);
    assert!(fresh.updated_at.is_some());
    assert_eq!(
        h.last_call(),
        ("POST".into(), "/webhook-secrets/hooks/regenerate".into())
    );
    let listed = secrets.list().await.expect("list after regenerate");
    let new_value = fresh.value.expose();
    assert_eq!(listed[1].last_four, new_value[new_value.len() - 4..]);
    let err = secrets.regenerate("ghost").await.expect_err("unknown");
    assert!(
        matches!(&err, Error::NotFound(e) if e.message == "webhook secret not found"),
        "{err:?}"
    );

    // Per tenant.
    let b = h.client_with_key(Some(h.worker.api_key_b()));
    assert!(b.webhook_secrets().list().await.expect("b list").is_empty());
    assert!(matches!(
        b.webhook_secrets().regenerate("hooks").await,
        Err(Error::NotFound(_))
    ));

    // Delete: 204, also for an unknown name.
    secrets.delete("hooks").await.expect("delete");
    assert_eq!(
        h.last_call(),
        ("DELETE".into(), "/webhook-secrets/hooks".into())
    );
    secrets.delete("hooks").await.expect("delete again");
    secrets
        .delete("never-created")
        .await
        .expect("delete unknown");
    let names: Vec<_> = secrets
        .list()
        .await
        .expect("list after delete")
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, ["alerts"]);
    assert!(matches!(
        secrets.delete("..").await,
        Err(Error::InvalidRequest(_))
    ));
}
