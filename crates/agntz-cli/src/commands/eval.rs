//! `agntz eval run|runs|cancel|scores|get`.

use std::time::Duration;

use agntz_client::ops::{
    CancelEvalRun, GetEval, GetEvalRun, ListEvalRuns, ListLatestScores, StartEvalRun,
};
use agntz_client::{EvalRunFilter, EvalRunRequest, LatestScoreFilter};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::Value;

use super::runs::{print_page, print_record};
use super::Ctx;
use crate::cli::{EvalCommand, EvalRunArgs, EvalRunsArgs, EvalScoresArgs, Format};
use crate::error::{CliError, Exit};
use crate::output;
use crate::raw;

const RUN_COLUMNS: &[(&str, &str)] = &[
    ("ID", "/id"),
    ("EVAL", "/evalId"),
    ("AGENT", "/agentId"),
    ("DATASET", "/datasetId"),
    ("STATUS", "/status"),
    ("SCORE", "/summary/overallScore"),
    ("PASSED", "/summary/passed"),
    ("STARTED", "/startedAt"),
];

const SCORE_COLUMNS: &[(&str, &str)] = &[
    ("EVAL", "/evalId"),
    ("DATASET", "/datasetId"),
    ("AGENT", "/agentId"),
    ("AGENT VERSION", "/resolvedAgentVersion"),
    ("STATUS", "/status"),
    ("SCORE", "/overallScore"),
    ("PASSED", "/passed"),
    ("RUN", "/runId"),
];

/// Runs one `eval` subcommand.
pub async fn dispatch(ctx: &Ctx, command: EvalCommand) -> Result<Exit, CliError> {
    match command {
        EvalCommand::Run(args) => run(ctx, &args).await,
        EvalCommand::Runs(args) => {
            list_runs(ctx, &args).await?;
            Ok(Exit::Ok)
        }
        EvalCommand::Cancel { run_id } => {
            let run = raw::fetch(&ctx.client, &CancelEvalRun::new(&run_id))
                .await
                .map_err(|e| {
                    CliError::from(e).missing(
                        "eval run",
                        &run_id,
                        "list eval runs with `agntz eval runs`",
                    )
                })?;
            output::print_json(&run);
            Ok(Exit::Ok)
        }
        EvalCommand::Scores(args) => {
            scores(ctx, &args).await?;
            Ok(Exit::Ok)
        }
        EvalCommand::Get { eval_id, format } => {
            let eval = raw::fetch(&ctx.client, &GetEval::new(&eval_id))
                .await
                .map_err(|e| CliError::from(e).missing("eval", &eval_id, "check the eval id"))?;
            print_record(&ctx.styles, &eval, format.format);
            Ok(Exit::Ok)
        }
    }
}

async fn run(ctx: &Ctx, args: &EvalRunArgs) -> Result<Exit, CliError> {
    let mut request = EvalRunRequest::new(&args.eval_id);
    if let Some(dataset) = &args.dataset {
        request = request.dataset_id(dataset);
    }
    if let Some(version) = &args.version {
        request = request.agent_version(version);
    }
    let started = raw::fetch(&ctx.client, &StartEvalRun::new(request))
        .await
        .map_err(|e| CliError::from(e).hint("check the eval, dataset and agent version"))?;
    if !args.wait {
        print_record(&ctx.styles, &started, args.format.format);
        return Ok(Exit::Ok);
    }
    let run_id = started
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| CliError::failed("the worker returned an eval run without an id"))?
        .to_owned();
    let progress = progress_bar(&run_id);
    let waited = tokio::select! {
        result = wait(ctx, &run_id, &progress) => result,
        _ = tokio::signal::ctrl_c() => {
            progress.finish_and_clear();
            output::note(&format!("interrupted: eval run {run_id} goes on (cancel it with `agntz eval cancel {run_id}`)"));
            return Ok(Exit::Interrupted);
        }
    };
    progress.finish_and_clear();
    let finished = waited?;
    print_record(&ctx.styles, &finished, args.format.format);
    Ok(if passed(&finished) {
        Exit::Ok
    } else {
        Exit::Failed
    })
}

/// Whether a finished eval run passed: completed, and its summary does not
/// say otherwise.
fn passed(run: &Value) -> bool {
    run.get("status").and_then(Value::as_str) == Some("completed")
        && run.pointer("/summary/passed").and_then(Value::as_bool) != Some(false)
}

fn progress_bar(run_id: &str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} eval run {msg} {pos}/{len} cases {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.set_message(run_id.to_owned());
    bar.enable_steady_tick(Duration::from_millis(80));
    bar
}

/// Polls the eval run until it ends, showing the cases done so far.
async fn wait(ctx: &Ctx, run_id: &str, progress: &ProgressBar) -> Result<Value, CliError> {
    let mut interval = Duration::from_millis(200);
    loop {
        let run = raw::fetch(&ctx.client, &GetEvalRun::new(run_id)).await?;
        let done = run
            .get("caseResults")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        let total = run
            .pointer("/snapshots/dataset/items")
            .and_then(Value::as_array)
            .map_or(done, Vec::len);
        progress.set_length(total as u64);
        progress.set_position(done as u64);
        let status = run.get("status").and_then(Value::as_str).unwrap_or("");
        if matches!(status, "completed" | "failed" | "cancelled") {
            return Ok(run);
        }
        tokio::time::sleep(interval).await;
        interval = (interval * 2).min(Duration::from_secs(2));
    }
}

async fn list_runs(ctx: &Ctx, args: &EvalRunsArgs) -> Result<(), CliError> {
    let mut filter = EvalRunFilter::new();
    if let Some(agent) = &args.agent {
        filter = filter.agent_id(agent);
    }
    if let Some(eval) = &args.eval_id {
        filter = filter.eval_id(eval);
    }
    if let Some(dataset) = &args.dataset {
        filter = filter.dataset_id(dataset);
    }
    if let Some(status) = &args.status {
        filter = filter.status(status);
    }
    if let Some(limit) = args.limit {
        filter = filter.limit(limit);
    }
    if let Some(cursor) = &args.cursor {
        filter = filter.cursor(cursor);
    }
    let op = ListEvalRuns::new(filter);
    let page = if args.all {
        raw::fetch_all(&ctx.client, op).await?
    } else {
        raw::fetch(&ctx.client, &op).await?
    };
    print_page(&ctx.styles, &page, args.format.format, RUN_COLUMNS);
    Ok(())
}

async fn scores(ctx: &Ctx, args: &EvalScoresArgs) -> Result<(), CliError> {
    let mut filter = LatestScoreFilter::new();
    if let Some(agent) = &args.agent {
        filter = filter.agent_id(agent);
    }
    if let Some(eval) = &args.eval_id {
        filter = filter.eval_id(eval);
    }
    if let Some(dataset) = &args.dataset {
        filter = filter.dataset_id(dataset);
    }
    if let Some(version) = &args.version {
        filter = filter.resolved_agent_version(version);
    }
    if let Some(status) = &args.status {
        filter = filter.status(status);
    }
    let scores = raw::fetch(&ctx.client, &ListLatestScores::new(filter)).await?;
    match args.format.format {
        Format::Json => output::print_json(&scores),
        Format::Table => output::print_table(
            &ctx.styles,
            scores.as_array().map_or(&[][..], Vec::as_slice),
            SCORE_COLUMNS,
        ),
    }
    Ok(())
}
