//! Evals: score an agent against a dataset with judged criteria. Create the
//! eval, start a run, wait for it (bounded), and read the scores.
//!
//! Offline, the mock worker's judge reads its instructions from the rubric
//! (`CONTAINS:<text>` scores 1 when the output contains the text,
//! `SCORE:<n>` scores n), so the figures below are deterministic.
//!
//! ```text
//! cargo run -p agntz-client --example eval_run
//! ```

mod support;

use std::time::Duration;

use agntz_client::{
    DatasetDraft, DatasetItem, EvalCriterion, EvalDefinition, EvalRunRequest, EvalRunStatus, Wait,
};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let support::Connected {
        client,
        worker: _worker,
    } = support::connect().await?;

    client
        .datasets()
        .create(
            DatasetDraft::new()
                .id("example-tickets")
                .agent_id("echo")
                .items([
                    DatasetItem::new("I want a refund").id("t1"),
                    DatasetItem::new("Where is my parcel?").id("t2"),
                ]),
        )
        .await?;
    client
        .evals()
        .create(
            EvalDefinition::new("echo")
                .id("example-tone")
                .criterion(EvalCriterion::new("echoes", "Mentions CONTAINS:ECHO").gate(0.5))
                .criterion(EvalCriterion::new("style", "Half marks SCORE:0.5"))
                .default_dataset("example-tickets")
                .pass_threshold(0.7),
        )
        .await?;

    let started = client
        .evals()
        .run(EvalRunRequest::new("example-tone"))
        .await?;
    println!("eval run {} is {:?}", started.id, started.status);

    // Bounded: a typed timeout after ten minutes (the run itself goes on).
    let run = client
        .evals()
        .wait_for_run(
            &started.id,
            Wait::up_to(Duration::from_secs(600)).every(Duration::from_millis(200)),
        )
        .await?;
    for case in &run.case_results {
        println!(
            "  {}: score {:.2} {:?} output {:?}",
            case.item_id, case.score, case.outcome, case.output
        );
    }
    let summary = run.summary.as_ref().ok_or("a finished run has a summary")?;
    println!(
        "overall {:.2}, passed: {:?}",
        summary.overall_score, summary.passed
    );

    client.evals().delete("example-tone").await?;
    client.datasets().delete("example-tickets").await?;
    if run.status != EvalRunStatus::Completed || run.case_results.len() != 2 {
        return Err(format!("unexpected run: {:?}", run.status).into());
    }
    Ok(())
}
