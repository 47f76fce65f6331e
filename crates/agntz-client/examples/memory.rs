//! Memory: what agents remember about a user, read and managed through
//! namespace grants. Import entries, see their topics, read and correct
//! one, then delete it.
//!
//! Offline, the mock worker first registers the tenant's namespace root
//! (`app`), as the hosting application does on a real worker; against a
//! real worker (`AGNTZ_BASE_URL`, `AGNTZ_API_KEY`) set `AGNTZ_MEMORY_GRANT`
//! to a scope inside your roots.
//!
//! ```text
//! cargo run -p agntz-client --example memory
//! ```

mod support;

use agntz_client::{MemoryEntry, MemoryEntryType, MemoryImport, MemoryQuery};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let support::Connected { client, worker } = support::connect().await?;
    if let Some(worker) = &worker {
        worker.register_namespace_root(agntz_testkit::TENANT_A_USER, "app");
    }
    let grant = std::env::var("AGNTZ_MEMORY_GRANT").unwrap_or_else(|_| "app/user/u_1".to_owned());
    let grants = [grant.as_str()];

    // Import (an upsert by id); `.dry_run(true)` would only validate.
    let imported = client
        .memory()
        .import(MemoryImport::new([
            MemoryEntry::new(
                "mem_example_pref",
                &grant,
                "Prefers dark mode",
                MemoryEntryType::Preference,
                "2026-01-01T00:00:00.000Z",
            )
            .topics(["preferences", "ui"]),
            MemoryEntry::new(
                "mem_example_fact",
                &grant,
                "Works at Example Corp",
                MemoryEntryType::Fact,
                "2026-01-02T00:00:00.000Z",
            )
            .topics(["work"]),
        ]))
        .await?;
    for row in &imported.results {
        println!("imported {} ({:?})", row.id, row.action);
    }

    // What is there, by topic (grants see their scope and its ancestors).
    let scan = client.memory().scan(grants).await?;
    for topic in &scan.topics {
        println!("topic {} ({} entries)", topic.topic, topic.count);
    }

    // Read one topic, then list everything a page at a time.
    let prefs = client.memory().read(grants, ["preferences"], None).await?;
    for entry in &prefs.entries {
        println!("preference: {}", entry.content);
    }
    let page = client
        .memory()
        .list(grants, MemoryQuery::new().limit(10))
        .await?;
    println!(
        "{} of {} entries on the first page",
        page.entries.len(),
        page.total
    );

    // A correction supersedes the entry with a new one.
    let fixed = client
        .memory()
        .correct(grants, "mem_example_pref", "Prefers light mode")
        .await?;
    println!("corrected: {} -> {:?}", fixed.id, fixed.content);

    // Clean up what this example wrote.
    for id in [fixed.id.as_str(), "mem_example_fact"] {
        client.memory().delete_entry(grants, id).await?;
    }
    let left = client.memory().list(grants, MemoryQuery::new()).await?;
    println!("{} entries left in {grant}", left.total);
    Ok(())
}
