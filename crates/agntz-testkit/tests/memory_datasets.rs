//! Behaviour of the mock's memory, scope and dataset routes that no SDK
//! call reaches (the SDK validates first): raw requests, exact statuses and
//! error bodies as the worker answers them.

mod common;

use agntz_testkit::{TestWorker, TENANT_A_USER};
use common::call;
use serde_json::{json, Value};

const ENTRY: &str = r#"{"id":"m1","scope":"app/u","content":"c","topics":["t","t"],"type":"fact","status":"active","createdAt":"2026-01-01T00:00:00.000Z","updatedAt":"2026-01-01T00:00:00.000Z"}"#;

async fn expect(
    w: &TestWorker,
    method: &str,
    path: &str,
    body: Option<&str>,
    status: u16,
    want: Value,
) {
    let r = call(w.addr(), method, path, Some(w.api_key()), body).await;
    assert_eq!(r.status, status, "{method} {path}: {}", r.body_str());
    assert_eq!(r.json(), want, "{method} {path}");
}

fn err(msg: &str) -> Value {
    json!({ "error": msg })
}

#[tokio::test(flavor = "multi_thread")]
async fn memory_validation_and_grant_transport() {
    let w = TestWorker::start().await.unwrap();
    w.register_namespace_root(TENANT_A_USER, "app");
    let import = |entries: &str| format!(r#"{{"entries":[{entries}]}}"#);

    expect(
        &w,
        "POST",
        "/memory/import",
        Some(r#"{"entries":[]}"#),
        400,
        err("Body must include a non-empty entries array."),
    )
    .await;
    expect(
        &w,
        "POST",
        "/memory/import",
        Some(&import(&ENTRY.replace("fact", "mood"))),
        400,
        err("entries[0].type must be fact, preference, event, or summary."),
    )
    .await;
    expect(
        &w,
        "POST",
        "/memory/import",
        Some(&import(&format!("{ENTRY},{ENTRY}"))),
        400,
        err("Duplicate memory entry id: m1"),
    )
    .await;
    let r = call(
        w.addr(),
        "POST",
        "/memory/import",
        Some(w.api_key()),
        Some("{oops"),
    )
    .await;
    assert_eq!(r.status, 500);
    assert!(r.json()["error"].as_str().unwrap().contains("JSON"));
    expect(
        &w,
        "POST",
        "/memory/import",
        Some(&import(ENTRY)),
        200,
        json!({
            "dryRun": false,
            "results": [{"id":"m1","scope":"app/u","action":"create","status":"active"}],
            "counts": {"create": 1}
        }),
    )
    .await;

    // Repeated and comma-separated grants; blanks dropped; none at all: 400.
    let r = call(
        w.addr(),
        "GET",
        "/memory/entries?grants=+,app/u&grants=app",
        Some(w.api_key()),
        None,
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["entries"][0]["topics"], json!(["t"]));
    let r = call(
        w.addr(),
        "GET",
        "/memory/entries?grants=app/u&limit=0&offset=-3",
        Some(w.api_key()),
        None,
    )
    .await;
    assert_eq!(
        (r.json()["limit"].clone(), r.json()["offset"].clone()),
        (json!(1), json!(0))
    );
    let r = call(
        w.addr(),
        "GET",
        "/memory/entries?grants=app/u&limit=lots",
        Some(w.api_key()),
        None,
    )
    .await;
    assert_eq!(r.json()["limit"], 200);
    expect(
        &w,
        "GET",
        "/memory/topics?grants=,",
        None,
        400,
        err("Missing required query param: grants"),
    )
    .await;
    expect(
        &w,
        "GET",
        "/memory/topics?grants=app//x",
        None,
        400,
        err("Invalid namespace grant \"app//x\": grant must not contain empty path segments"),
    )
    .await;

    // Curation: no grants is the admin sweep (403), empty grants 400.
    expect(&w, "POST", "/memory/curate", Some("{}"), 403,
        err("global curation sweep (no grants) requires super-admin; pass grants to curate your own scopes")).await;
    expect(
        &w,
        "POST",
        "/memory/curate",
        Some(r#"{"grants":[]}"#),
        400,
        err("grants must be a non-empty string array"),
    )
    .await;
    expect(
        &w,
        "POST",
        "/memory/entries/m1/correct",
        Some(r#"{"content":"x"}"#),
        400,
        err("Missing required field: grants (string array)"),
    )
    .await;

    // deleteEntry reads grants from a JSON body first.
    expect(
        &w,
        "DELETE",
        "/memory/entries/m1?grants=app/other",
        Some(r#"{"grants":["app"]}"#),
        200,
        json!({"deleted": true, "id": "m1"}),
    )
    .await;

    // scopes/delete: recursive unless literally false; grants ignored.
    expect(
        &w,
        "POST",
        "/memory/import",
        Some(&import(ENTRY)),
        200,
        json!({
            "dryRun": false,
            "results": [{"id":"m1","scope":"app/u","action":"create","status":"active"}],
            "counts": {"create": 1}
        }),
    )
    .await;
    expect(
        &w,
        "POST",
        "/scopes/delete",
        Some(r#"{"scope":"app"}"#),
        200,
        json!({"scope":"app","recursive":true,"total":1,"byResource":{"memory":1}}),
    )
    .await;
    expect(
        &w,
        "POST",
        "/scopes/delete",
        Some(r#"{"scope":" "}"#),
        400,
        err("Missing required field: scope (string)"),
    )
    .await;

    // Without credentials: 401 before anything else.
    let r = call(w.addr(), "POST", "/scopes/delete", None, Some("{}")).await;
    assert_eq!((r.status, r.json()), (401, err("missing authentication")));
}

#[tokio::test(flavor = "multi_thread")]
async fn dataset_and_staged_import_edges() {
    let w = TestWorker::start().await.unwrap();
    let key = Some(w.api_key());

    // Unhandled validation on create: Hono's plain-text 500.
    for body in [
        r#"{"items":[{"input":5}]}"#,
        r#"{"items":[{"id":"a","input":"x"},{"id":"a","input":"y"}]}"#,
        "{oops",
    ] {
        let r = call(w.addr(), "POST", "/datasets", key, Some(body)).await;
        assert_eq!(
            (r.status, r.body_str().as_str()),
            (500, "Internal Server Error"),
            "{body}"
        );
        assert_eq!(r.header("content-type"), Some("text/plain; charset=UTF-8"));
    }
    // Items that are not an array are stored as [].
    let r = call(
        w.addr(),
        "POST",
        "/datasets",
        key,
        Some(r#"{"id":"d","items":"nope"}"#),
    )
    .await;
    assert_eq!((r.status, r.json()["items"].clone()), (201, json!([])));

    // A bad cursor is ignored; `latest` is not special for items.
    call(
        w.addr(),
        "POST",
        "/datasets",
        key,
        Some(r#"{"id":"d","items":[{"input":"a"},{"input":"b"}]}"#),
    )
    .await;
    let r = call(
        w.addr(),
        "GET",
        "/datasets/d/items?cursor=%%%&limit=0",
        key,
        None,
    )
    .await;
    assert_eq!(
        r.json(),
        json!({"rows":[{"id":"row_000001","input":"a"}],"cursor":"MA"})
    );
    let r = call(
        w.addr(),
        "GET",
        "/datasets/d/items?version=latest",
        key,
        None,
    )
    .await;
    assert_eq!(r.json(), json!({"rows": []}));

    let start = call(
        w.addr(),
        "POST",
        "/dataset-imports",
        key,
        Some(r#"{"datasetId":" ","name":""}"#),
    )
    .await;
    assert_eq!(start.status, 201);
    let imp = start.json();
    let id = imp["id"].as_str().unwrap().to_owned();
    assert!(
        imp["datasetId"].as_str().unwrap().starts_with("dataset_"),
        "blank counts as absent"
    );
    assert_eq!(imp["name"], imp["datasetId"]);
    assert_eq!(
        (imp["status"].clone(), imp["itemCount"].clone()),
        (json!("open"), json!(0))
    );
    let items = format!("/dataset-imports/{id}/items");
    let complete = format!("/dataset-imports/{id}/complete");

    expect(
        &w,
        "POST",
        &complete,
        None,
        400,
        err("Upload at least one item before completing the import"),
    )
    .await;
    expect(
        &w,
        "POST",
        &items,
        Some("{}"),
        400,
        err("Missing required field: items (array)"),
    )
    .await;
    let big = format!(
        r#"{{"items":[{}]}}"#,
        vec![r#"{"input":"x"}"#; 1001].join(",")
    );
    expect(
        &w,
        "POST",
        &items,
        Some(&big),
        413,
        err("Each import chunk may contain at most 1,000 items"),
    )
    .await;
    expect(
        &w,
        "POST",
        &items,
        Some(r#"{"items":[{"input":null}]}"#),
        400,
        err("items[0].input must be a string, object, or content blocks"),
    )
    .await;
    let r = call(
        w.addr(),
        "POST",
        &items,
        key,
        Some(r#"{"items":[{"input":"a"},{"id":"x","input":{"k":1},"expected":"dropped"}]}"#),
    )
    .await;
    assert_eq!((r.status, r.json()["itemCount"].clone()), (200, json!(2)));
    // Id-less chunks are numbered per chunk, so a second one collides.
    expect(
        &w,
        "POST",
        &items,
        Some(r#"{"items":[{"input":"b"}]}"#),
        400,
        err("Duplicate dataset item id 'row_000001'"),
    )
    .await;
    expect(
        &w,
        "POST",
        "/dataset-imports/nope/items",
        Some(r#"{"items":[]}"#),
        404,
        err("Dataset import 'nope' not found"),
    )
    .await;

    let done = call(w.addr(), "POST", &complete, key, None).await;
    assert_eq!(done.status, 201);
    let ds = done.json();
    assert_eq!(ds["itemCount"], 2);
    assert_eq!(ds["items"][1], json!({"id":"x","input":{"k":1}}));
    let again = call(w.addr(), "POST", &complete, key, None).await;
    assert_eq!(
        (again.status, again.json()),
        (201, ds.clone()),
        "completing twice is idempotent"
    );
    expect(
        &w,
        "POST",
        &items,
        Some(r#"{"items":[{"id":"z","input":"c"}]}"#),
        400,
        err(&format!("Dataset import '{id}' is already completed")),
    )
    .await;
    let got = call(
        w.addr(),
        "GET",
        &format!("/dataset-imports/{id}"),
        key,
        None,
    )
    .await
    .json();
    assert_eq!(
        (got["status"].clone(), got["datasetVersion"].clone()),
        (json!("completed"), ds["version"].clone())
    );

    // Other tenants see none of it; aborting an unknown import is a 204.
    let b = Some(w.api_key_b());
    let r = call(w.addr(), "GET", &format!("/dataset-imports/{id}"), b, None).await;
    assert_eq!((r.status, r.json()), (404, err("Dataset import not found")));
    let r = call(w.addr(), "GET", "/datasets/d", b, None).await;
    assert_eq!((r.status, r.json()), (404, err("Dataset not found")));
    let r = call(w.addr(), "DELETE", "/dataset-imports/nope", key, None).await;
    assert_eq!(r.status, 204);
}
