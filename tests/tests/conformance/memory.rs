//! Memory and scope scenarios, written once and generic over the transport.

use agntz_proto::types::{
    MemoryEntry, MemoryEntryStatus, MemoryEntryType, MemoryImport, MemoryImportAction, MemoryQuery,
    MemorySource,
};
use agntz_proto::{Error, Transport};
use agntz_testkit::{TENANT_A_USER, TENANT_B_USER};

use crate::harness::Harness;

const AT: &str = "2026-01-01T00:00:00.000Z";
const USER: &str = "app/user/u_1";

fn pref() -> MemoryEntry {
    MemoryEntry::new(
        "mem_pref_1",
        USER,
        "Prefers dark mode",
        MemoryEntryType::Preference,
        AT,
    )
    .topics(["preferences", "ui"])
}

fn release() -> MemoryEntry {
    MemoryEntry::new(
        "mem_app_1",
        "app",
        "The app ships weekly",
        MemoryEntryType::Fact,
        AT,
    )
    .topic("release")
    .source(MemorySource::new().agent_id("echo"))
}

fn status(err: &Error) -> Option<u16> {
    err.status().map(|s| s.as_u16())
}

/// Tenant A with the root `app` and the two recorded entries imported.
async fn seeded<T: Transport>(h: &Harness<T>) {
    h.worker.register_namespace_root(TENANT_A_USER, "app");
    h.client
        .memory()
        .import(MemoryImport::new([pref(), release()]))
        .await
        .expect("import");
}

pub async fn memory_without_namespace_roots_is_forbidden<T: Transport>(h: Harness<T>) {
    let memory = h.client.memory();
    let err = memory
        .import(MemoryImport::new([pref()]))
        .await
        .expect_err("no roots");
    match &err {
        Error::Api(e) => {
            assert_eq!(e.status, 403);
            assert_eq!(
                e.message,
                "tenant has no registered namespace roots; register one before using memory/scope operations"
            );
        }
        other => panic!("expected a 403 Api error, got {other:?}"),
    }
    let err = memory.scan([USER]).await.expect_err("scan without roots");
    assert_eq!(status(&err), Some(403));
    let err = memory
        .delete_scope(USER, false)
        .await
        .expect_err("scope delete without roots");
    assert_eq!(status(&err), Some(403));
}

pub async fn memory_import_scan_list_read<T: Transport>(h: Harness<T>) {
    h.worker.register_namespace_root(TENANT_A_USER, "app");
    let memory = h.client.memory();

    // A dry run reports but writes nothing.
    let dry = memory
        .import(MemoryImport::new([pref(), release()]).dry_run(true))
        .await
        .expect("dry run");
    assert!(dry.dry_run);
    assert!(memory.scan([USER]).await.expect("scan").topics.is_empty());

    let result = memory
        .import(MemoryImport::new([pref(), release()]))
        .await
        .expect("import");
    assert!(!result.dry_run);
    let rows: Vec<_> = result
        .results
        .iter()
        .map(|r| (r.id.as_str(), r.scope.as_str(), r.action, r.status))
        .collect();
    assert_eq!(
        rows,
        [
            (
                "mem_pref_1",
                USER,
                MemoryImportAction::Create,
                MemoryEntryStatus::Active
            ),
            (
                "mem_app_1",
                "app",
                MemoryImportAction::Create,
                MemoryEntryStatus::Active
            ),
        ]
    );
    assert_eq!(result.counts.get("create"), Some(&2));
    let req = h
        .worker
        .requests()
        .into_iter()
        .rfind(|r| r.path == "/memory/import")
        .expect("import request");
    let body = req.body_json().expect("JSON body");
    assert_eq!(body["entries"][0]["type"], "preference");
    assert_eq!(
        body["entries"][1]["source"],
        serde_json::json!({"agentId":"echo"})
    );
    assert!(body["entries"][0].get("source").is_none());
    assert!(body.get("dryRun").is_none());

    // The same id again is an update.
    let again = memory
        .import(MemoryImport::new([pref().topic("ui")]))
        .await
        .expect("re-import");
    assert_eq!(again.results[0].action, MemoryImportAction::Update);
    assert_eq!(again.counts.get("update"), Some(&1));

    // Scan: topics of the grant and of its ancestor scope `app`.
    let scan = memory.scan([USER]).await.expect("scan");
    let topics: Vec<_> = scan
        .topics
        .iter()
        .map(|t| (t.topic.as_str(), t.count))
        .collect();
    assert_eq!(topics, [("preferences", 1), ("release", 1), ("ui", 1)]);
    assert!(scan.topics.iter().all(|t| t.has_uncurated_writes));
    assert_eq!(scan.topics[0].last_updated_at, AT);
    assert!(scan.grants.iter().any(|g| g == USER));
    assert!(scan.grants.iter().any(|g| g == "app"));
    let req = h.worker.requests().pop().expect("scan request");
    assert_eq!(req.path, "/memory/topics?grants=app%2Fuser%2Fu_1");

    // Read one topic: only the matching entry, with the page envelope.
    let page = memory
        .read([USER], ["preferences"], None)
        .await
        .expect("read");
    assert_eq!(page.total, 1);
    assert_eq!(page.limit, 200);
    assert_eq!(page.offset, 0);
    assert_eq!(page.entries.len(), 1);
    let entry = &page.entries[0];
    assert_eq!(entry.id, "mem_pref_1");
    assert_eq!(entry.entry_type, MemoryEntryType::Preference);
    assert_eq!(
        entry.topics,
        ["preferences", "ui"],
        "duplicate topics removed"
    );
    assert_eq!(entry.source, None);
    let req = h.worker.requests().pop().expect("read request");
    assert_eq!(
        req.path,
        "/memory/entries?grants=app%2Fuser%2Fu_1&topics=preferences"
    );

    // Paging by offset.
    let first = memory
        .list([USER], MemoryQuery::new().limit(1))
        .await
        .expect("first page");
    assert_eq!((first.total, first.limit, first.entries.len()), (2, 1, 1));
    assert_eq!(first.next_offset(), Some(1));
    let second = memory
        .list([USER], MemoryQuery::new().limit(1).offset(1))
        .await
        .expect("second page");
    assert_eq!(second.next_offset(), None);
    assert_ne!(first.entries[0].id, second.entries[0].id);
    let all = memory
        .list_all([USER], MemoryQuery::new().limit(1))
        .collect_all()
        .await
        .expect("every page");
    let mut ids: Vec<_> = all.iter().map(|e| e.id.as_str()).collect();
    ids.sort_unstable();
    assert_eq!(ids, ["mem_app_1", "mem_pref_1"]);

    // A grant that reaches no entry's scope or ancestor sees nothing of it.
    let other = memory
        .list(["app/user/u_2"], MemoryQuery::new())
        .await
        .expect("other user");
    let ids: Vec<_> = other.entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["mem_app_1"], "only the shared ancestor scope");

    // Outside the roots: 400.
    let err = memory.scan(["elsewhere"]).await.expect_err("outside roots");
    assert_eq!(status(&err), Some(400));
    assert!(err
        .api()
        .unwrap()
        .message
        .contains("grant is not within parent context [app]"));
}

pub async fn memory_correct_delete_curate<T: Transport>(h: Harness<T>) {
    seeded(&h).await;
    let memory = h.client.memory();

    let fixed = memory
        .correct([USER], "mem_pref_1", "  Prefers light mode  ")
        .await
        .expect("correct");
    assert!(fixed.id.starts_with("mem_") && fixed.id != "mem_pref_1");
    assert_eq!(fixed.content, "Prefers light mode");
    assert_eq!(fixed.scope, USER);
    assert_eq!(fixed.topics, ["preferences", "ui"]);
    assert_eq!(fixed.status, MemoryEntryStatus::Active);
    let req = h.worker.requests().pop().expect("correct request");
    assert_eq!(req.path, "/memory/entries/mem_pref_1/correct");
    assert_eq!(
        req.body_json().unwrap(),
        serde_json::json!({"grants":[USER],"content":"  Prefers light mode  "})
    );

    // The original is superseded: hidden by default, listed on request.
    let active = memory
        .read([USER], ["preferences"], None)
        .await
        .expect("read");
    assert_eq!(active.entries.len(), 1);
    assert_eq!(active.entries[0].id, fixed.id);
    let with_old = memory
        .list(
            [USER],
            MemoryQuery::new()
                .topic("preferences")
                .include_superseded(true),
        )
        .await
        .expect("with superseded");
    let old = with_old
        .entries
        .iter()
        .find(|e| e.id == "mem_pref_1")
        .expect("original listed");
    assert_eq!(old.status, MemoryEntryStatus::Superseded);
    assert_eq!(old.superseded_by.as_deref(), Some(fixed.id.as_str()));
    assert!(h
        .worker
        .requests()
        .pop()
        .unwrap()
        .path
        .contains("includeSuperseded=true"));

    // Correcting the superseded original: 409. Blank content: 400.
    let err = memory
        .correct([USER], "mem_pref_1", "again")
        .await
        .expect_err("superseded");
    assert_eq!(status(&err), Some(409));
    assert!(err
        .api()
        .unwrap()
        .message
        .contains("is already superseded by"));
    let err = memory
        .correct([USER], &fixed.id, "   ")
        .await
        .expect_err("blank content");
    assert_eq!(status(&err), Some(400));
    assert_eq!(
        err.api().unwrap().message,
        "Missing required field: content (non-empty string)"
    );
    let err = memory
        .correct([USER], "mem_nope", "x")
        .await
        .expect_err("unknown entry");
    assert!(matches!(&err, Error::NotFound(e) if e.message == "memory entry 'mem_nope' not found"));

    // Curation clears the uncurated flag of the curated scope's topics.
    let curated = memory.curate([USER]).await.expect("curate");
    assert!(curated.curate_enabled);
    let report = curated.report.expect("report");
    assert_eq!(report.scanned, 1);
    let scan = memory.scan([USER]).await.expect("scan");
    let release = scan.topics.iter().find(|t| t.topic == "release").unwrap();
    let ui = scan.topics.iter().find(|t| t.topic == "ui").unwrap();
    assert!(release.has_uncurated_writes, "scope `app` was not curated");
    assert!(!ui.has_uncurated_writes);
    let curated = memory
        .curate_topics(["app"], ["release"])
        .await
        .expect("curate topics");
    assert_eq!(curated.report.unwrap().scanned, 1);
    let req = h.worker.requests().pop().unwrap();
    assert_eq!(
        req.body_json().unwrap(),
        serde_json::json!({"grants":["app"],"topics":["release"]})
    );

    // Delete: the grant must cover the entry's scope for writing.
    let err = memory
        .delete_entry(["app/user/u_2"], &fixed.id)
        .await
        .expect_err("not writable");
    assert_eq!(status(&err), Some(400));
    assert!(err
        .api()
        .unwrap()
        .message
        .contains("is not writable from grants"));
    let deleted = memory
        .delete_entry([USER], &fixed.id)
        .await
        .expect("delete");
    assert!(deleted.deleted);
    assert_eq!(deleted.id, fixed.id);
    let req = h.worker.requests().pop().unwrap();
    assert_eq!(req.method, "DELETE");
    assert_eq!(
        req.path,
        format!("/memory/entries/{}?grants=app%2Fuser%2Fu_1", fixed.id)
    );
    assert!(req.body.is_empty(), "grants travel in the query");
    let err = memory
        .delete_entry([USER], &fixed.id)
        .await
        .expect_err("already deleted");
    assert!(matches!(err, Error::NotFound(_)));
}

pub async fn memory_delete_scope_is_not_recursive_by_default<T: Transport>(h: Harness<T>) {
    seeded(&h).await;
    let memory = h.client.memory();

    // Only exactly `app`: the entry below it survives.
    let gone = memory
        .delete_scope("app", false)
        .await
        .expect("delete scope");
    assert_eq!(gone.scope, "app");
    assert!(!gone.recursive);
    assert_eq!(gone.total, 1);
    assert_eq!(gone.by_resource.get("memory"), Some(&1));
    let req = h.worker.requests().pop().unwrap();
    assert_eq!(req.path, "/scopes/delete");
    assert_eq!(
        req.body_json().unwrap(),
        serde_json::json!({"scope":"app","recursive":false})
    );
    let left = memory.list([USER], MemoryQuery::new()).await.expect("list");
    let ids: Vec<_> = left.entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["mem_pref_1"]);

    // Recursive: the whole subtree.
    let gone = memory
        .delete_scope("app/user", true)
        .await
        .expect("recursive");
    assert!(gone.recursive);
    assert_eq!(gone.total, 1);
    assert!(memory
        .list([USER], MemoryQuery::new())
        .await
        .expect("list")
        .entries
        .is_empty());

    // Outside the roots: 400.
    let err = memory
        .delete_scope("other", true)
        .await
        .expect_err("outside roots");
    assert_eq!(status(&err), Some(400));
    assert!(err
        .api()
        .unwrap()
        .message
        .contains("scope is not within tenant roots [app]"));
}

pub async fn memory_inputs_are_checked_before_sending<T: Transport>(h: Harness<T>) {
    h.worker.register_namespace_root(TENANT_A_USER, "app");
    let memory = h.client.memory();
    h.worker.clear_requests();

    let no_grants: [&str; 0] = [];
    let err = memory.scan(no_grants).await.expect_err("no grants");
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    let err = memory
        .list(["app,other"], MemoryQuery::new())
        .await
        .expect_err("comma in a grant");
    assert!(matches!(err, Error::InvalidRequest(_)));
    let no_topics: [&str; 0] = [];
    let err = memory
        .read([USER], no_topics, None)
        .await
        .expect_err("no topic");
    assert!(matches!(err, Error::InvalidRequest(_)));
    let err = memory
        .import(MemoryImport::new([pref(), pref()]))
        .await
        .expect_err("duplicate ids");
    assert!(
        err.to_string().contains("duplicate memory entry id"),
        "{err}"
    );
    let err = memory
        .import(MemoryImport::new(Vec::new()))
        .await
        .expect_err("no entries");
    assert!(matches!(err, Error::InvalidRequest(_)));
    let blank = MemoryEntry::new("m", USER, " ", MemoryEntryType::Fact, AT);
    let err = memory
        .import(MemoryImport::new([blank]))
        .await
        .expect_err("blank content");
    assert!(err.to_string().contains("entries[0].content"), "{err}");
    let err = memory
        .delete_entry([USER], "..")
        .await
        .expect_err("dot-dot id");
    assert!(matches!(err, Error::InvalidRequest(_)));
    let err = memory
        .delete_scope("  ", false)
        .await
        .expect_err("blank scope");
    assert!(matches!(err, Error::InvalidRequest(_)));
    assert!(h.worker.requests().is_empty(), "nothing was sent");

    // What only the worker can judge: a scope outside the roots.
    let outside = MemoryEntry::new("m", "elsewhere/x", "c", MemoryEntryType::Fact, AT);
    let err = memory
        .import(MemoryImport::new([pref(), outside]))
        .await
        .expect_err("outside roots");
    assert_eq!(status(&err), Some(400));
    assert!(
        memory.scan([USER]).await.expect("scan").topics.is_empty(),
        "nothing written when one entry is refused"
    );
}

pub async fn memory_is_per_tenant<T: Transport>(h: Harness<T>) {
    seeded(&h).await;
    let b = h.client_with_key(Some(h.worker.api_key_b()));
    let err = b.memory().scan([USER]).await.expect_err("B has no roots");
    assert_eq!(status(&err), Some(403));
    h.worker.register_namespace_root(TENANT_B_USER, "app");
    let page = b
        .memory()
        .list([USER], MemoryQuery::new())
        .await
        .expect("B list");
    assert_eq!(page.total, 0);
    let err = b
        .memory()
        .delete_entry([USER], "mem_pref_1")
        .await
        .expect_err("A's entry");
    assert!(matches!(err, Error::NotFound(_)));
    let err = h
        .client_with_key(None)
        .memory()
        .scan([USER])
        .await
        .expect_err("no key");
    assert!(matches!(err, Error::Authentication(_)));
}
