//! Datasets from CSV: import a spreadsheet export as a dataset through the
//! worker's staged import, then page through its items and versions.
//!
//! The CSV's header names the columns: `id` and `input` are read (JSON in
//! an input cell is parsed), `name` is kept, every other column becomes
//! string metadata. The source is parsed and checked before anything is
//! sent.
//!
//! ```text
//! cargo run -p agntz-client --example dataset_csv
//! ```

mod support;

use agntz_client::{DatasetImportInput, DatasetItemsQuery};

const CUSTOMERS: &str = "\
id,input,name,tier
c1,\"Hello, I cannot log in\",Ada,gold
c2,\"{\"\"question\"\": \"\"Where is my invoice?\"\"}\",Grace,silver
c3,Please cancel my plan,Linus,bronze
";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let support::Connected {
        client,
        worker: _worker,
    } = support::connect().await?;

    // `std::fs::read_to_string("customers.csv")?` in a real program.
    let dataset = client
        .datasets()
        .import(
            DatasetImportInput::new(CUSTOMERS)
                .dataset_id("example-customers")
                .agent_id("echo"),
        )
        .await?;
    println!(
        "imported dataset {} (version {:?})",
        dataset.id, dataset.version
    );

    // Items page by cursor; `items_all` follows every page.
    let items = client
        .datasets()
        .items_all("example-customers", DatasetItemsQuery::new())
        .collect_all()
        .await?;
    for item in &items {
        println!("  {}: {} {:?}", item.id, item.input, item.metadata);
    }

    // A second import of the same id is a new version; both stay readable.
    client
        .datasets()
        .import(DatasetImportInput::new("id,input\nc4,One more\n").dataset_id("example-customers"))
        .await?;
    let versions = client.datasets().versions("example-customers").await?;
    println!("{} versions, newest first", versions.len());

    client.datasets().delete("example-customers").await?;
    if items.len() != 3 || versions.len() != 2 {
        return Err(format!(
            "expected 3 items and 2 versions, got {} and {}",
            items.len(),
            versions.len()
        )
        .into());
    }
    Ok(())
}
