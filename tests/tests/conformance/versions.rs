//! Dataset and eval versions and aliases, written once and generic over the
//! transport.

use agntz_proto::types::{
    DatasetDraft, DatasetItem, DatasetItemsQuery, EvalCriterion, EvalDefinition, VersionSummary,
};
use agntz_proto::{Error, Transport};
use serde_json::json;

use crate::harness::Harness;

const NO_SUCH_VERSION: &str = "2001-01-01T00:00:00.000Z";

/// The version ids of a listing, in the order given.
fn ids(versions: &[VersionSummary]) -> Vec<&str> {
    versions.iter().map(|v| v.created_at.as_str()).collect()
}

fn is_not_found(result: Result<impl std::fmt::Debug, Error>, message: &str) -> bool {
    matches!(&result, Err(Error::NotFound(e)) if e.message == message)
}

fn is_plain_500(result: Result<impl std::fmt::Debug, Error>) -> bool {
    matches!(&result, Err(Error::Api(e)) if e.status == 500 && e.message == "HTTP 500")
}

fn draft(input: &str) -> DatasetDraft {
    DatasetDraft::new()
        .id("ds_v")
        .agent_id("echo")
        .items([DatasetItem::new(input)])
}

pub async fn dataset_versions_and_aliases<T: Transport>(h: Harness<T>) {
    let datasets = h.client.datasets();
    datasets.create(draft("one")).await.expect("create");
    let v1 = datasets.get("ds_v").await.unwrap().version.expect("v1");
    datasets
        .update("ds_v", DatasetDraft::new().items([DatasetItem::new("two")]))
        .await
        .expect("update");
    let v2 = datasets.get("ds_v").await.unwrap().version.expect("v2");
    assert_ne!(v1, v2);

    // Newest first; each version was activated when it was published.
    let versions = datasets.versions("ds_v").await.expect("versions");
    assert_eq!(ids(&versions), [v2.as_str(), v1.as_str()]);
    assert_eq!(versions[0].activated_at.as_deref(), Some(v2.as_str()));
    assert_eq!(versions[1].activated_at.as_deref(), Some(v1.as_str()));
    assert!(versions.iter().all(|v| v.aliases.is_empty()));
    assert!(datasets
        .versions("ghost")
        .await
        .expect("unknown")
        .is_empty());

    // Lookups by timestamp and `latest`; unknown versions are 404s.
    let old = datasets.get_version("ds_v", &v1).await.expect("v1");
    assert_eq!(old.version.as_deref(), Some(v1.as_str()));
    assert_eq!(old.items[0].input, json!("one"));
    let latest = datasets
        .get_version("ds_v", "latest")
        .await
        .expect("latest");
    assert_eq!(latest.version.as_deref(), Some(v2.as_str()));
    assert_eq!(latest.items[0].input, json!("two"));
    let missing = datasets.get_version("ds_v", NO_SUCH_VERSION).await;
    assert!(is_not_found(missing, "Dataset version not found"));
    let missing = datasets.get_version("ghost", &v1).await;
    assert!(is_not_found(missing, "Dataset version not found"));

    // Aliases: set, resolve, list; the wire carries `{"version"}` under an
    // encoded alias segment.
    let alias = datasets
        .set_alias("ds_v", "prod", &v1)
        .await
        .expect("alias");
    assert_eq!(
        (alias.alias.as_str(), alias.version.as_str()),
        ("prod", v1.as_str())
    );
    let req = h.worker.requests().pop().unwrap();
    assert_eq!(
        (req.method.as_str(), req.path.as_str()),
        ("PUT", "/datasets/ds_v/aliases/prod")
    );
    assert_eq!(req.body_json().unwrap(), json!({"version": v1}));
    let by_alias = datasets
        .get_version("ds_v", "prod")
        .await
        .expect("by alias");
    assert_eq!(by_alias.version.as_deref(), Some(v1.as_str()));
    datasets
        .set_alias("ds_v", "pre prod", &v2)
        .await
        .expect("alias with a space");
    assert_eq!(h.last_call().1, "/datasets/ds_v/aliases/pre%20prod");
    // The items route reads a version by alias too.
    let page = datasets
        .items("ds_v", DatasetItemsQuery::new().version("prod"))
        .await
        .expect("items by alias");
    assert_eq!(page.rows[0].input, json!("one"));

    // An alias called `latest` is accepted, but `latest` still means the
    // newest version.
    let named_latest = datasets
        .set_alias("ds_v", "latest", &v1)
        .await
        .expect("alias latest");
    assert_eq!(named_latest.version, v1);
    let latest = datasets
        .get_version("ds_v", "latest")
        .await
        .expect("latest");
    assert_eq!(latest.version.as_deref(), Some(v2.as_str()));
    let versions = datasets.versions("ds_v").await.expect("versions");
    assert_eq!(versions[0].aliases, ["pre prod"]);
    assert_eq!(versions[1].aliases, ["latest", "prod"]);

    // Aliasing an unknown version is the worker's plain-text 500.
    assert!(is_plain_500(
        datasets.set_alias("ds_v", "x", NO_SUCH_VERSION).await
    ));

    // Re-activating v1 (by alias) makes it the head and moves its
    // activatedAt past v2's.
    let head = datasets
        .activate_version("ds_v", "prod")
        .await
        .expect("activate");
    assert_eq!(head.version.as_deref(), Some(v1.as_str()));
    assert_eq!(head.items[0].input, json!("one"));
    assert_eq!(
        h.last_call(),
        (
            "POST".into(),
            "/datasets/ds_v/versions/prod/activate".into()
        )
    );
    assert_eq!(
        datasets.get("ds_v").await.unwrap().version.as_deref(),
        Some(v1.as_str())
    );
    let page = datasets
        .items("ds_v", DatasetItemsQuery::new())
        .await
        .expect("items");
    assert_eq!(page.rows[0].input, json!("one"));
    let versions = datasets.versions("ds_v").await.expect("versions");
    assert_eq!(
        ids(&versions),
        [v2.as_str(), v1.as_str()],
        "order is by creation"
    );
    let moved = versions[1].activated_at.clone().expect("activatedAt");
    assert_ne!(moved, v1);
    assert!(moved > v2, "{moved} is later than {v2}");
    assert!(is_plain_500(
        datasets.activate_version("ds_v", NO_SUCH_VERSION).await
    ));

    // Removing an alias, also one that no longer exists.
    let removed = datasets.remove_alias("ds_v", "prod").await.expect("remove");
    assert!(removed.deleted && removed.alias == "prod");
    let again = datasets
        .remove_alias("ds_v", "prod")
        .await
        .expect("remove again");
    assert!(again.deleted && again.alias == "prod");
    assert!(is_not_found(
        datasets.get_version("ds_v", "prod").await,
        "Dataset version not found"
    ));

    // Per tenant; path segments that are not ids are refused before sending.
    let b = h.client_with_key(Some(h.worker.api_key_b()));
    assert!(b
        .datasets()
        .versions("ds_v")
        .await
        .expect("b versions")
        .is_empty());
    assert!(is_not_found(
        b.datasets().get_version("ds_v", &v1).await,
        "Dataset version not found"
    ));
    let sent = h.worker.requests().len();
    assert!(matches!(
        datasets.versions("..").await,
        Err(Error::InvalidRequest(_))
    ));
    assert!(matches!(
        datasets.get_version("ds_v", ".").await,
        Err(Error::InvalidRequest(_))
    ));
    assert!(matches!(
        datasets.set_alias("ds_v", "prod", "").await,
        Err(Error::InvalidRequest(_))
    ));
    assert_eq!(h.worker.requests().len(), sent, "nothing was sent");

    // Deleting the dataset removes its versions.
    datasets.delete("ds_v").await.expect("delete");
    assert!(datasets
        .versions("ds_v")
        .await
        .expect("after delete")
        .is_empty());
}

pub async fn eval_versions_and_aliases<T: Transport>(h: Harness<T>) {
    let evals = h.client.evals();
    let def = EvalDefinition::new("echo")
        .id("tone")
        .criterion(EvalCriterion::new("c", "any"));
    evals.create(def).await.expect("create");
    let v1 = evals.get("tone").await.unwrap().version.expect("v1");
    evals
        .update("tone", EvalDefinition::patch().description("second"))
        .await
        .expect("update");
    let v2 = evals.get("tone").await.unwrap().version.expect("v2");
    assert_ne!(v1, v2);

    let versions = evals.versions("tone").await.expect("versions");
    assert_eq!(ids(&versions), [v2.as_str(), v1.as_str()]);
    assert_eq!(versions[1].activated_at.as_deref(), Some(v1.as_str()));
    assert_eq!(h.last_call(), ("GET".into(), "/evals/tone/versions".into()));

    let old = evals.get_version("tone", &v1).await.expect("v1");
    assert_eq!(old.version.as_deref(), Some(v1.as_str()));
    assert_eq!(old.description, None);
    let latest = evals.get_version("tone", "latest").await.expect("latest");
    assert_eq!(latest.description.as_deref(), Some("second"));
    assert!(is_not_found(
        evals.get_version("tone", NO_SUCH_VERSION).await,
        "Eval version not found"
    ));

    let alias = evals
        .set_alias("tone", "baseline", &v1)
        .await
        .expect("alias");
    assert_eq!(
        (alias.alias.as_str(), alias.version.as_str()),
        ("baseline", v1.as_str())
    );
    let by_alias = evals
        .get_version("tone", "baseline")
        .await
        .expect("by alias");
    assert_eq!(by_alias.version.as_deref(), Some(v1.as_str()));
    evals
        .set_alias("tone", "latest", &v1)
        .await
        .expect("alias latest");
    let latest = evals.get_version("tone", "latest").await.expect("latest");
    assert_eq!(latest.version.as_deref(), Some(v2.as_str()));
    assert!(is_plain_500(
        evals.set_alias("tone", "x", NO_SUCH_VERSION).await
    ));
    let versions = evals.versions("tone").await.expect("versions");
    assert_eq!(versions[1].aliases, ["baseline", "latest"]);

    let head = evals.activate_version("tone", &v1).await.expect("activate");
    assert_eq!(head.version.as_deref(), Some(v1.as_str()));
    assert_eq!(head.description, None);
    assert_eq!(
        evals.get("tone").await.unwrap().version.as_deref(),
        Some(v1.as_str())
    );
    let versions = evals.versions("tone").await.expect("versions");
    let moved = versions[1].activated_at.clone().expect("activatedAt");
    assert!(moved > v2, "{moved} is later than {v2}");
    assert!(is_plain_500(
        evals.activate_version("tone", NO_SUCH_VERSION).await
    ));

    let removed = evals
        .remove_alias("tone", "baseline")
        .await
        .expect("remove");
    assert!(removed.deleted && removed.alias == "baseline");
    let again = evals
        .remove_alias("tone", "never-set")
        .await
        .expect("remove missing");
    assert!(again.deleted && again.alias == "never-set");
    assert!(is_not_found(
        evals.get_version("tone", "baseline").await,
        "Eval version not found"
    ));

    let b = h.client_with_key(Some(h.worker.api_key_b()));
    assert!(b
        .evals()
        .versions("tone")
        .await
        .expect("b versions")
        .is_empty());
    assert!(matches!(
        evals.versions(".").await,
        Err(Error::InvalidRequest(_))
    ));
}
