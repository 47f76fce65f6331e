//! Golden requests and responses for the memory, scope and dataset
//! operations (wire-extended §3 and §4): exact method, URI, headers and
//! body, recorded worker bodies decoded, hostile bodies turned into typed
//! errors.

use agntz_proto::body::WholeBody;
use agntz_proto::config::Config;
use agntz_proto::ops::*;
use agntz_proto::retry::CallKind;
use agntz_proto::types::*;
use agntz_proto::Error;
use bytes::Bytes;
use http::{Request, Response};
use serde_json::{json, Value};

fn config() -> Config {
    Config::builder()
        .base_url("https://worker.example.com/")
        .api_key("ar_test_abc")
        .build()
        .unwrap()
}

fn json_of(request: &Request<Bytes>) -> Value {
    assert_eq!(
        request.headers().get("content-type").unwrap(),
        "application/json"
    );
    serde_json::from_slice(request.body()).unwrap()
}

fn ok(status: u16, body: &str) -> Response<WholeBody> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(body.to_owned().into())
        .unwrap()
}

#[track_caller]
fn get(request: &Request<Bytes>, method: &str, uri: &str) {
    assert_eq!(request.method().as_str(), method);
    assert_eq!(request.uri().to_string(), uri);
    assert_eq!(
        request.headers().get("authorization").unwrap(),
        "Bearer ar_test_abc"
    );
}

#[test]
fn memory_requests() {
    let c = config();
    let r = ScanMemory::new(["app/user/u_1", "team x"])
        .build(&c)
        .unwrap();
    get(
        &r,
        "GET",
        "https://worker.example.com/memory/topics?grants=app%2Fuser%2Fu_1%2Cteam+x",
    );
    assert!(r.body().is_empty());

    let r = ListMemory::new(
        ["a"],
        MemoryQuery::new()
            .topics(["t1", "t2"])
            .include_superseded(true)
            .limit(10)
            .offset(20),
    )
    .build(&c)
    .unwrap();
    get(
        &r,
        "GET",
        "https://worker.example.com/memory/entries?grants=a&topics=t1%2Ct2&includeSuperseded=true&limit=10&offset=20",
    );
    let r = ListMemory::new(["a"], MemoryQuery::new())
        .build(&c)
        .unwrap();
    assert_eq!(
        r.uri().query(),
        Some("grants=a"),
        "false and unset are left out"
    );

    let r = DeleteMemoryEntry::new(["a"], "mem/1").build(&c).unwrap();
    get(
        &r,
        "DELETE",
        "https://worker.example.com/memory/entries/mem%2F1?grants=a",
    );
    assert!(r.body().is_empty() && r.headers().get("content-type").is_none());

    let r = CorrectMemoryEntry::new(["a"], "m1", "new")
        .build(&c)
        .unwrap();
    get(
        &r,
        "POST",
        "https://worker.example.com/memory/entries/m1/correct",
    );
    assert_eq!(json_of(&r), json!({"grants":["a"],"content":"new"}));

    let r = CurateMemory::new(["a"]).build(&c).unwrap();
    assert_eq!(json_of(&r), json!({"grants":["a"]}));
    let r = CurateMemory::new(["a"]).topics(["t"]).build(&c).unwrap();
    assert_eq!(json_of(&r), json!({"grants":["a"],"topics":["t"]}));

    // `recursive` is always explicit, `false` unless asked for; no grants
    // (the worker bounds the deletion by the tenant's roots and ignores them).
    let r = DeleteScope::new("a/b").build(&c).unwrap();
    get(&r, "POST", "https://worker.example.com/scopes/delete");
    assert_eq!(json_of(&r), json!({"scope":"a/b","recursive":false}));
    let r = DeleteScope::new("a/b").recursive(true).build(&c).unwrap();
    assert_eq!(json_of(&r)["recursive"], true);

    let entry = MemoryEntry::new("m1", "a", "c", MemoryEntryType::Event, "t")
        .source(MemorySource::new().run_id("run_1"))
        .status(MemoryEntryStatus::Superseded);
    let r = ImportMemory::new(MemoryImport::new([entry]).dry_run(true))
        .build(&c)
        .unwrap();
    get(&r, "POST", "https://worker.example.com/memory/import");
    assert_eq!(
        json_of(&r),
        json!({"entries":[{"id":"m1","scope":"a","content":"c","topics":[],"type":"event",
            "source":{"runId":"run_1"},"status":"superseded","createdAt":"t","updatedAt":"t"}],
            "dryRun":true})
    );
}

#[test]
fn memory_call_kinds() {
    assert_eq!(ImportMemory::KIND, CallKind::StartsWork);
    assert_eq!(CorrectMemoryEntry::KIND, CallKind::StartsWork);
    assert_eq!(CurateMemory::KIND, CallKind::StartsWork);
    assert_eq!(ScanMemory::KIND, CallKind::Idempotent);
    assert_eq!(ListMemory::KIND, CallKind::Idempotent);
    assert_eq!(DeleteMemoryEntry::KIND, CallKind::Idempotent);
    assert_eq!(DeleteScope::KIND, CallKind::Idempotent);
}

#[test]
fn memory_inputs_rejected_before_sending() {
    let c = config();
    let none: [&str; 0] = [];
    for err in [
        ScanMemory::new(none).build(&c).unwrap_err(),
        ScanMemory::new([" "]).build(&c).unwrap_err(),
        ScanMemory::new(["a,b"]).build(&c).unwrap_err(),
        ListMemory::new(["a"], MemoryQuery::new().topic("x,y"))
            .build(&c)
            .unwrap_err(),
        DeleteMemoryEntry::new(["a"], "").build(&c).unwrap_err(),
        CorrectMemoryEntry::new(["a"], ".", "x")
            .build(&c)
            .unwrap_err(),
        CurateMemory::new(none).build(&c).unwrap_err(),
        DeleteScope::new("").build(&c).unwrap_err(),
        ImportMemory::new(MemoryImport::new(Vec::new()))
            .build(&c)
            .unwrap_err(),
        ImportMemory::new(MemoryImport::new([MemoryEntry::new(
            "m",
            "a",
            "c",
            MemoryEntryType::Unknown,
            "t",
        )]))
        .build(&c)
        .unwrap_err(),
    ] {
        assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    }
}

#[test]
fn memory_recorded_responses_decode() {
    let scan: MemoryScan = ScanMemory::new(["app/user/u_1"])
        .parse(ok(200, r#"{"grants":["app/user/u_1"],"topics":[{"topic":"preferences","count":1,"lastUpdatedAt":"2026-01-01T00:00:00.000Z","hasUncuratedWrites":true},{"topic":"x","count":2,"blurb":"B","lastUpdatedAt":"t","hasUncuratedWrites":false}]}"#))
        .unwrap();
    assert_eq!(scan.grants, ["app/user/u_1"]);
    assert_eq!(scan.topics[0].count, 1);
    assert!(scan.topics[0].has_uncurated_writes);
    assert_eq!(scan.topics[1].blurb.as_deref(), Some("B"));

    let page = ListMemory::new(["a"], MemoryQuery::new())
        .parse(ok(200, r#"{"entries":[{"id":"mem_pref_1","scope":"app/user/u_1","content":"Prefers dark mode","topics":["preferences","ui"],"type":"preference","status":"active","createdAt":"2026-01-01T00:00:00.000Z","updatedAt":"2026-01-01T00:00:00.000Z"},{"id":"x","type":"mood","status":"zombie","supersededBy":"y","source":{"agentId":"echo"}}],"total":5,"limit":2,"offset":0}"#))
        .unwrap();
    assert_eq!(page.entries[0].entry_type, MemoryEntryType::Preference);
    assert_eq!(page.entries[1].entry_type, MemoryEntryType::Unknown);
    assert_eq!(page.entries[1].status, MemoryEntryStatus::Unknown);
    assert_eq!(
        page.entries[1].source.as_ref().unwrap().agent_id.as_deref(),
        Some("echo")
    );
    assert_eq!(page.next_offset(), Some(2));

    let imported = ImportMemory::new(MemoryImport::new([MemoryEntry::default()]))
        .parse(ok(200, r#"{"dryRun":false,"results":[{"id":"a","scope":"app","action":"create","status":"active"},{"id":"b","scope":"app","action":"version","status":"active"}],"counts":{"create":1}}"#))
        .unwrap();
    assert_eq!(imported.results[0].action, MemoryImportAction::Create);
    assert_eq!(imported.results[1].action, MemoryImportAction::Unknown);

    let corrected = CorrectMemoryEntry::new(["a"], "m", "c")
        .parse(ok(200, r#"{"entry":{"id":"mem_2","scope":"a","content":"c","topics":[],"type":"fact","status":"active","createdAt":"t","updatedAt":"t"}}"#))
        .unwrap();
    assert_eq!(corrected.id, "mem_2");

    let curated = CurateMemory::new(["a"])
        .parse(ok(200, r#"{"curateEnabled":true,"report":{"scanned":3,"superseded":1,"created":1,"blurbsUpdated":2}}"#))
        .unwrap();
    assert_eq!(curated.report.unwrap().blurbs_updated, 2);
    let sweep = CurateMemory::new(["a"])
        .parse(ok(200, r#"{"curateEnabled":false,"dirty":0,"scopes":[{"scope":"s","topics":["t"],"error":"boom"}]}"#))
        .unwrap();
    assert_eq!(sweep.dirty, Some(0));
    assert_eq!(sweep.scopes[0].error.as_deref(), Some("boom"));

    let gone = DeleteScope::new("a")
        .parse(ok(
            200,
            r#"{"scope":"a","recursive":true,"total":0,"byResource":{}}"#,
        ))
        .unwrap();
    assert!(gone.recursive && gone.by_resource.is_empty());
    let deleted = DeleteMemoryEntry::new(["a"], "m")
        .parse(ok(200, r#"{"deleted":true,"id":"m"}"#))
        .unwrap();
    assert!(deleted.deleted);
}

#[test]
fn memory_errors_are_typed() {
    let err = ImportMemory::new(MemoryImport::new([MemoryEntry::default()]))
        .parse(ok(403, r#"{"error":"tenant has no registered namespace roots; register one before using memory/scope operations"}"#))
        .unwrap_err();
    assert!(matches!(&err, Error::Api(e) if e.status == 403));
    let err = ScanMemory::new(["a"])
        .parse(ok(503, r#"{"error":"memory resource is not configured"}"#))
        .unwrap_err();
    assert_eq!(
        err.api().unwrap().message,
        "memory resource is not configured"
    );
    let err = DeleteMemoryEntry::new(["a"], "m")
        .parse(ok(404, r#"{"error":"memory entry 'm' not found"}"#))
        .unwrap_err();
    assert!(matches!(err, Error::NotFound(_)));
    // Wrong types and non-JSON 2xx bodies: decode errors, never panics.
    for body in [r#"{"entries":5}"#, r#"{"total":"x"}"#, "nope", ""] {
        let err = ListMemory::new(["a"], MemoryQuery::new())
            .parse(ok(200, body))
            .unwrap_err();
        assert!(matches!(err, Error::Decode(_)), "{body}: {err:?}");
    }
    let err = CorrectMemoryEntry::new(["a"], "m", "c")
        .parse(ok(200, "{}"))
        .unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "missing entry");
}

#[test]
fn dataset_requests() {
    let c = config();
    let r = ListDatasets::new().build(&c).unwrap();
    get(&r, "GET", "https://worker.example.com/datasets");
    let r = ListDatasets::new().agent_id("a b").build(&c).unwrap();
    get(&r, "GET", "https://worker.example.com/datasets?agentId=a+b");

    let r = CreateDataset::new(DatasetDraft::new().name("N"))
        .build(&c)
        .unwrap();
    get(&r, "POST", "https://worker.example.com/datasets");
    assert_eq!(json_of(&r), json!({"name":"N"}));

    let r = GetDataset::new("ds/1").build(&c).unwrap();
    get(&r, "GET", "https://worker.example.com/datasets/ds%2F1");
    let r = UpdateDataset::new("ds", DatasetDraft::new().items(Vec::new()))
        .build(&c)
        .unwrap();
    get(&r, "PUT", "https://worker.example.com/datasets/ds");
    assert_eq!(json_of(&r), json!({"items":[]}));
    let r = DeleteDataset::new("ds").build(&c).unwrap();
    get(&r, "DELETE", "https://worker.example.com/datasets/ds");

    let r = ListDatasetItems::new(
        "ds",
        DatasetItemsQuery::new()
            .version("2026-01-01T00:00:00.000Z")
            .limit(5)
            .cursor("MA"),
    )
    .build(&c)
    .unwrap();
    get(
        &r,
        "GET",
        "https://worker.example.com/datasets/ds/items?version=2026-01-01T00%3A00%3A00.000Z&limit=5&cursor=MA",
    );

    let start = DatasetImportInput::new("x")
        .dataset_id("d")
        .name("D")
        .dataset;
    let r = StartDatasetImport::new(start).build(&c).unwrap();
    get(&r, "POST", "https://worker.example.com/dataset-imports");
    assert_eq!(json_of(&r), json!({"datasetId":"d","name":"D"}));
    let r = AppendDatasetImportItems::new("imp", vec![DatasetItem::new("a").id("1")])
        .build(&c)
        .unwrap();
    get(
        &r,
        "POST",
        "https://worker.example.com/dataset-imports/imp/items",
    );
    assert_eq!(json_of(&r), json!({"items":[{"id":"1","input":"a"}]}));
    let r = CompleteDatasetImport::new("imp").build(&c).unwrap();
    get(
        &r,
        "POST",
        "https://worker.example.com/dataset-imports/imp/complete",
    );
    assert!(r.body().is_empty() && r.headers().get("content-type").is_none());
    let r = AbortDatasetImport::new("imp").build(&c).unwrap();
    get(
        &r,
        "DELETE",
        "https://worker.example.com/dataset-imports/imp",
    );
    let r = GetDatasetImport::new("imp").build(&c).unwrap();
    get(&r, "GET", "https://worker.example.com/dataset-imports/imp");

    let too_many: Vec<DatasetItem> = (0..1001)
        .map(|i| DatasetItem::new("x").id(i.to_string()))
        .collect();
    let err = AppendDatasetImportItems::new("imp", too_many)
        .build(&c)
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)));
    let err = CreateDataset::new(DatasetDraft::new().id(".."))
        .build(&c)
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)));
    let err = CreateDataset::new(DatasetDraft::new().items([DatasetItem::new(Value::Null)]))
        .build(&c)
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)));
}

#[test]
fn dataset_call_kinds() {
    assert_eq!(CreateDataset::KIND, CallKind::StartsWork);
    assert_eq!(UpdateDataset::KIND, CallKind::StartsWork);
    assert_eq!(StartDatasetImport::KIND, CallKind::StartsWork);
    assert_eq!(AppendDatasetImportItems::KIND, CallKind::StartsWork);
    assert_eq!(CompleteDatasetImport::KIND, CallKind::Idempotent);
    assert_eq!(AbortDatasetImport::KIND, CallKind::Idempotent);
    assert_eq!(DeleteDataset::KIND, CallKind::Idempotent);
    assert_eq!(ListDatasetItems::KIND, CallKind::Idempotent);
}

#[test]
fn dataset_recorded_responses_decode() {
    let ds = GetDataset::new("ds_greetings")
        .parse(ok(200, r#"{"id":"ds_greetings","agentId":"echo","name":"ds_greetings","description":"Greeting inputs","items":[{"id":"row_000001","input":"hello"},{"id":"custom","name":"Custom","input":{"q":"hi"},"metadata":{"k":"v"}}],"itemCount":2,"createdAt":"2026-11-28T20:27:03.919Z","version":"2026-11-28T20:27:03.919Z","updatedAt":"2026-11-28T20:27:03.919Z"}"#))
        .unwrap();
    assert_eq!(ds.item_count, Some(2));
    assert_eq!(ds.items[1].name.as_deref(), Some("Custom"));
    assert_eq!(ds.items[1].input, json!({"q":"hi"}));

    let page = ListDatasetItems::new("ds", DatasetItemsQuery::new())
        .parse(ok(
            200,
            r#"{"rows":[{"id":"row_000001","input":"hello"}],"cursor":"MA"}"#,
        ))
        .unwrap();
    assert_eq!(page.cursor.as_deref(), Some("MA"));
    let last = ListDatasetItems::new("ds", DatasetItemsQuery::new())
        .parse(ok(200, r#"{"rows":[]}"#))
        .unwrap();
    assert_eq!(last.cursor, None);

    let list = ListDatasets::new()
        .parse(ok(200, r#"[{"id":"a","items":null},{"id":"b"}]"#))
        .unwrap();
    assert_eq!(list.len(), 2);

    let staged = StartDatasetImport::new(DatasetImportStart::default())
        .parse(ok(201, r#"{"id":"datasetimport_x","datasetId":"d","name":"d","status":"open","itemCount":0,"createdAt":"t","updatedAt":"t"}"#))
        .unwrap();
    assert_eq!(staged.status, DatasetImportStatus::Open);
    DeleteDataset::new("d")
        .parse(
            Response::builder()
                .status(204)
                .body(WholeBody::new())
                .unwrap(),
        )
        .unwrap();

    // The worker's plain-text 500 for a rejected create.
    let err = CreateDataset::new(DatasetDraft::new())
        .parse(
            Response::builder()
                .status(500)
                .header("content-type", "text/plain; charset=UTF-8")
                .body("Internal Server Error".into())
                .unwrap(),
        )
        .unwrap_err();
    assert!(matches!(&err, Error::Api(e) if e.message == "HTTP 500"));
    let err = AppendDatasetImportItems::new("i", Vec::new())
        .parse(ok(
            413,
            r#"{"error":"Each import chunk may contain at most 1,000 items"}"#,
        ))
        .unwrap_err();
    assert_eq!(err.status().unwrap(), 413);
    for body in [
        r#"{"rows":{}}"#,
        r#"{"rows":[{"id":1,"input":"x"}]}"#,
        "<html>",
    ] {
        let err = ListDatasetItems::new("ds", DatasetItemsQuery::new())
            .parse(ok(200, body))
            .unwrap_err();
        assert!(matches!(err, Error::Decode(_)), "{body}: {err:?}");
    }
}

#[test]
fn import_input_detects_formats_and_validates() {
    let csv = DatasetImportInput::new("\u{feff}id,input\na,x\n")
        .parse_items()
        .unwrap();
    assert_eq!(csv[0].id, "a");
    let jsonl = DatasetImportInput::new("  \n{\"input\":\"x\"}\n")
        .parse_items()
        .unwrap();
    assert_eq!(jsonl[0].id, "row_000001");
    let forced = DatasetImportInput::new("{\"input\":\"x\"}\n")
        .format(DatasetFormat::Csv)
        .parse_items()
        .unwrap_err();
    assert!(
        forced.to_string().contains("no items"),
        "as CSV, that line is only a header: {forced}"
    );
    let custom = DatasetImportInput::new("key,text\nk,hello\n")
        .id_column("key")
        .input_column("text")
        .parse_items()
        .unwrap();
    assert_eq!(
        (custom[0].id.as_str(), &custom[0].input),
        ("k", &json!("hello"))
    );

    let dup = DatasetImportInput::new(vec![
        DatasetItem::new("a").id("x"),
        DatasetItem::new("b").id("x"),
    ])
    .parse_items()
    .unwrap_err();
    assert!(dup.to_string().contains("duplicate"));
    let no_id = DatasetImportInput::new(vec![DatasetItem::new("a")])
        .parse_items()
        .unwrap_err();
    assert!(no_id.to_string().contains("no id"));
    let bad_utf8 = DatasetImportInput::new(DatasetSource::Bytes(Bytes::from_static(b"\xff\xfe")))
        .parse_items()
        .unwrap_err();
    assert!(matches!(bad_utf8, Error::InvalidRequest(_)));
    assert!(DatasetImportInput::new("").parse_items().is_err());
}
