//! Dataset and staged dataset import scenarios, written once and generic
//! over the transport.

use agntz_proto::types::{
    DatasetDraft, DatasetFormat, DatasetImportInput, DatasetImportStatus, DatasetItem,
    DatasetItemsQuery, DatasetSource,
};
use agntz_proto::{Error, Transport};
use agntz_testkit::{Fault, FaultRule};
use serde_json::json;

use crate::harness::Harness;

fn greetings() -> DatasetDraft {
    DatasetDraft::new()
        .id("ds_greetings")
        .agent_id("echo")
        .description("Greeting inputs")
        .items([
            DatasetItem::new("hello"),
            DatasetItem::new(json!({"q": "hi"}))
                .id("custom")
                .name("Custom")
                .metadata("k", "v"),
        ])
}

pub async fn dataset_create_get_list_update_delete<T: Transport>(h: Harness<T>) {
    let datasets = h.client.datasets();
    assert!(datasets.list().await.expect("list").is_empty());

    let created = datasets.create(greetings()).await.expect("create");
    assert_eq!(created.id, "ds_greetings");
    assert_eq!(created.name, "ds_greetings", "name defaults to the id");
    assert_eq!(created.items[0].id, "row_000001", "ids are assigned");
    assert_eq!(created.items[1].id, "custom");
    assert_eq!(created.version, None, "the echo has no version");
    assert_eq!(created.item_count, None);
    let req = h.worker.requests().pop().unwrap();
    assert_eq!(
        (req.method.as_str(), req.path.as_str()),
        ("POST", "/datasets")
    );
    assert_eq!(req.header("content-type"), Some("application/json"));
    assert_eq!(
        req.body_json().unwrap(),
        json!({"id":"ds_greetings","agentId":"echo","description":"Greeting inputs",
               "items":[{"input":"hello"},
                        {"id":"custom","name":"Custom","input":{"q":"hi"},"metadata":{"k":"v"}}]})
    );

    let stored = datasets.get("ds_greetings").await.expect("get");
    assert_eq!(stored.item_count, Some(2));
    assert_eq!(stored.agent_id.as_deref(), Some("echo"));
    let first_version = stored.version.clone().expect("version");
    assert!(stored.created_at.is_some() && stored.updated_at.is_some());
    assert_eq!(stored.items[1].metadata.as_ref().unwrap()["k"], "v");

    let other = datasets
        .create(
            DatasetDraft::new()
                .id("ds_other")
                .items([DatasetItem::new("x")]),
        )
        .await
        .expect("second dataset");
    assert_eq!(other.agent_id, None);
    let listed: Vec<_> = datasets
        .list()
        .await
        .expect("list")
        .into_iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(listed, ["ds_other", "ds_greetings"], "newest update first");
    let for_echo = datasets.list_for_agent("echo").await.expect("by agent");
    assert_eq!(for_echo.len(), 1);
    assert_eq!(
        h.worker.requests().pop().unwrap().path,
        "/datasets?agentId=echo"
    );

    // Update merges over the stored dataset and publishes a new version.
    let updated = datasets
        .update("ds_greetings", DatasetDraft::new().description("Updated"))
        .await
        .expect("update");
    assert_eq!(updated.description.as_deref(), Some("Updated"));
    assert_eq!(
        updated.agent_id.as_deref(),
        Some("echo"),
        "kept by the merge"
    );
    assert_eq!(updated.items.len(), 2);
    assert_eq!(updated.version.as_deref(), Some(first_version.as_str()));
    let req = h.worker.requests().pop().unwrap();
    assert_eq!(req.method, "PUT");
    assert_eq!(req.body_json().unwrap(), json!({"description":"Updated"}));
    let stored = datasets.get("ds_greetings").await.expect("get again");
    assert_ne!(stored.version.as_deref(), Some(first_version.as_str()));
    // The first version is still readable by its timestamp.
    let old = datasets
        .items(
            "ds_greetings",
            DatasetItemsQuery::new().version(first_version.clone()),
        )
        .await
        .expect("old version");
    assert_eq!(old.rows.len(), 2);

    // Create on an existing id replaces everything.
    let replaced = datasets
        .create(
            DatasetDraft::new()
                .id("ds_greetings")
                .items([DatasetItem::new("only")]),
        )
        .await
        .expect("replace");
    assert_eq!(replaced.description, None);
    assert_eq!(
        datasets.get("ds_greetings").await.unwrap().item_count,
        Some(1)
    );

    datasets.delete("ds_greetings").await.expect("delete");
    let err = datasets.get("ds_greetings").await.expect_err("deleted");
    assert!(matches!(&err, Error::NotFound(e) if e.message == "Dataset not found"));
    datasets
        .delete("ds_greetings")
        .await
        .expect("delete is idempotent");
    let err = datasets
        .update("ds_greetings", DatasetDraft::new().name("x"))
        .await
        .expect_err("update of a missing dataset");
    assert!(matches!(err, Error::NotFound(_)));
    let b = h.client_with_key(Some(h.worker.api_key_b()));
    assert!(matches!(
        b.datasets().get("ds_other").await,
        Err(Error::NotFound(_))
    ));
}

pub async fn dataset_items_paginate<T: Transport>(h: Harness<T>) {
    let datasets = h.client.datasets();
    datasets.create(greetings()).await.expect("create");

    // The recorded exchange: a page of one, then the last page.
    let first = datasets
        .items("ds_greetings", DatasetItemsQuery::new().limit(1))
        .await
        .expect("first page");
    assert_eq!(first.rows.len(), 1);
    assert_eq!(first.rows[0].id, "row_000001");
    assert_eq!(first.rows[0].input, json!("hello"));
    let cursor = first.cursor.clone().expect("cursor");
    assert_eq!(
        h.worker.requests().pop().unwrap().path,
        "/datasets/ds_greetings/items?limit=1"
    );
    let last = datasets
        .items(
            "ds_greetings",
            DatasetItemsQuery::new().limit(1).cursor(cursor),
        )
        .await
        .expect("last page");
    assert_eq!(last.rows[0].id, "custom");
    assert_eq!(last.cursor, None);

    let many: Vec<DatasetItem> = (0..7)
        .map(|i| DatasetItem::new(format!("case {i}")).id(format!("c{i}")))
        .collect();
    datasets
        .create(DatasetDraft::new().id("many").items(many))
        .await
        .expect("create");
    let all = datasets
        .items_all("many", DatasetItemsQuery::new().limit(3))
        .collect_all()
        .await
        .expect("every page");
    let ids: Vec<_> = all.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, ["c0", "c1", "c2", "c3", "c4", "c5", "c6"]);
    let pages = h
        .worker
        .requests()
        .iter()
        .filter(|r| r.path.starts_with("/datasets/many/items"))
        .count();
    assert_eq!(pages, 3);

    let none = datasets
        .items("many", DatasetItemsQuery::new().version("no-such-version"))
        .await
        .expect("unknown version");
    assert!(none.rows.is_empty() && none.cursor.is_none());
    let err = datasets
        .items("no-such-dataset", DatasetItemsQuery::new())
        .await
        .expect_err("unknown dataset");
    assert!(matches!(err, Error::NotFound(_)));
}

pub async fn dataset_inputs_are_checked_before_sending<T: Transport>(h: Harness<T>) {
    let datasets = h.client.datasets();
    h.worker.clear_requests();
    let err = datasets
        .create(DatasetDraft::new().items([DatasetItem::new(5)]))
        .await
        .expect_err("number input");
    assert!(err.to_string().contains("items[0].input"), "{err}");
    let err = datasets
        .create(
            DatasetDraft::new()
                .items([DatasetItem::new("a").id("x"), DatasetItem::new("b").id("x")]),
        )
        .await
        .expect_err("duplicate ids");
    assert!(
        err.to_string().contains("duplicate dataset item id 'x'"),
        "{err}"
    );
    let err = datasets.get("").await.expect_err("empty id");
    assert!(matches!(err, Error::InvalidRequest(_)));
    let err = datasets
        .import(DatasetImportInput::new("{\"input\":1}\n"))
        .await
        .expect_err("number input in JSONL");
    assert!(matches!(err, Error::InvalidRequest(_)));
    let err = datasets
        .import(DatasetImportInput::new("{oops\n").format(DatasetFormat::Jsonl))
        .await
        .expect_err("bad JSONL");
    assert!(err.to_string().contains("line 1"), "{err}");
    let err = datasets
        .import(DatasetImportInput::new("id,input\n"))
        .await
        .expect_err("no rows");
    assert!(err.to_string().contains("no items"), "{err}");
    assert!(
        h.worker.requests().is_empty(),
        "a bad source opens no staged import"
    );
}

pub async fn dataset_import_csv_end_to_end<T: Transport>(h: Harness<T>) {
    let csv = "id,input,segment\ncustomer_1,\"Ada, Inc\",enterprise\ncustomer_2,Grace,smb\n";
    let dataset = h
        .client
        .datasets()
        .import(
            DatasetImportInput::new(csv)
                .dataset_id("customers")
                .description("Customer names")
                .agent_id("echo"),
        )
        .await
        .expect("import");
    assert_eq!(dataset.id, "customers");
    assert_eq!(dataset.name, "customers");
    assert_eq!(dataset.description.as_deref(), Some("Customer names"));
    assert_eq!(dataset.item_count, Some(2));
    assert!(dataset.version.is_some());

    let reqs = h.worker.requests();
    let calls: Vec<_> = reqs
        .iter()
        .map(|r| (r.method.as_str(), r.path.as_str()))
        .collect();
    let id = reqs[1]
        .path
        .strip_prefix("/dataset-imports/")
        .and_then(|p| p.strip_suffix("/items"))
        .expect("append path")
        .to_owned();
    assert!(id.starts_with("datasetimport_"));
    assert_eq!(
        calls,
        [
            ("POST", "/dataset-imports"),
            ("POST", format!("/dataset-imports/{id}/items").as_str()),
            ("POST", format!("/dataset-imports/{id}/complete").as_str()),
        ]
    );
    assert_eq!(
        reqs[0].body_json().unwrap(),
        json!({"datasetId":"customers","description":"Customer names","agentId":"echo"})
    );
    assert_eq!(
        reqs[1].body_json().unwrap(),
        json!({"items":[{"id":"customer_1","input":"Ada, Inc","metadata":{"segment":"enterprise"}},
                        {"id":"customer_2","input":"Grace","metadata":{"segment":"smb"}}]})
    );
    assert!(reqs[2].body.is_empty());
    assert_eq!(reqs[2].header("content-type"), None);

    let staged = h
        .client
        .datasets()
        .get_import(&id)
        .await
        .expect("staged import");
    assert_eq!(staged.status, DatasetImportStatus::Completed);
    assert_eq!(staged.item_count, 2);
    assert_eq!(staged.dataset_version, dataset.version);

    let items = h
        .client
        .datasets()
        .items_all("customers", DatasetItemsQuery::new())
        .collect_all()
        .await
        .expect("items");
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].input, json!("Ada, Inc"));
}

pub async fn dataset_import_sends_chunks_of_1000<T: Transport>(h: Harness<T>) {
    let jsonl: String = (0..2500)
        .map(|i| format!("{{\"id\":\"r{i}\",\"input\":{{\"n\":{i}}}}}\n"))
        .collect();
    let dataset = h
        .client
        .datasets()
        .import(DatasetImportInput::new(DatasetSource::Bytes(
            jsonl.into_bytes().into(),
        )))
        .await
        .expect("import");
    assert!(dataset.id.starts_with("dataset_"), "{}", dataset.id);
    assert_eq!(dataset.item_count, Some(2500));
    let chunks: Vec<usize> = h
        .worker
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/items"))
        .map(|r| r.body_json().unwrap()["items"].as_array().unwrap().len())
        .collect();
    assert_eq!(chunks, [1000, 1000, 500]);
    let items = h
        .client
        .datasets()
        .items_all(&dataset.id, DatasetItemsQuery::new().limit(1000))
        .collect_all()
        .await
        .expect("items");
    assert_eq!(items.len(), 2500);
    assert_eq!(items[2499].id, "r2499");

    // Items given directly go out as given, into a new version.
    let again = h
        .client
        .datasets()
        .import(
            DatasetImportInput::new(vec![DatasetItem::new("x").id("only")]).dataset_id(&dataset.id),
        )
        .await
        .expect("re-import");
    assert_eq!(again.item_count, Some(1));
    assert_ne!(again.version, dataset.version);
}

pub async fn dataset_import_failure_abandons_the_staged_import<T: Transport>(h: Harness<T>) {
    h.worker
        .faults()
        .push_rule(FaultRule::new(Fault::PlainText500).path("/dataset-imports/"));
    let err = h
        .client
        .datasets()
        .import(DatasetImportInput::new("input\nhello\n").dataset_id("doomed"))
        .await
        .expect_err("append fails");
    match &err {
        Error::Api(e) => assert_eq!((e.status.as_u16(), e.message.as_str()), (500, "HTTP 500")),
        other => panic!("expected the append's 500, got {other:?}"),
    }
    let reqs = h.worker.requests();
    let calls: Vec<_> = reqs.iter().map(|r| r.method.as_str()).collect();
    assert_eq!(
        calls,
        ["POST", "POST", "DELETE"],
        "no retry of the append; then abort"
    );
    let id = reqs[2]
        .path
        .strip_prefix("/dataset-imports/")
        .expect("abort path");
    assert!(reqs[1].path.contains(id));
    let err = h
        .client
        .datasets()
        .get_import(id)
        .await
        .expect_err("abandoned");
    assert!(matches!(&err, Error::NotFound(e) if e.message == "Dataset import not found"));
    assert!(matches!(
        h.client.datasets().get("doomed").await,
        Err(Error::NotFound(_))
    ));
}
