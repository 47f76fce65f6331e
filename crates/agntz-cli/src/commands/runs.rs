//! `agntz runs list|get|stream|cancel|start`.

use agntz_client::ops::{CancelRun, GetRun, ListRuns, StartRun, StreamOperation, StreamRun};
use agntz_client::proto::stream::{RunFrames, StreamDecoder};
use agntz_client::{Error, RunEvent, RunFilter, StreamErrorCode, TimeoutKind, Transport};
use serde_json::{json, Value};

use super::Ctx;
use crate::cli::{Format, ListArgs, RunsCommand};
use crate::error::{CliError, Exit};
use crate::output::{self, Styles, BOLD, CYAN, DIM, GREEN, RED};
use crate::raw;
use crate::stream::{next_item, RawFrames, RawItem};

const NOT_FOUND_HINT: &str = "list runs with `agntz runs list`";

/// The columns of `runs list --format table`.
const COLUMNS: &[(&str, &str)] = &[
    ("ID", "/id"),
    ("AGENT", "/agentId"),
    ("STATUS", "/status"),
    ("STARTED", "/startedAt"),
    ("ENDED", "/endedAt"),
];

/// Runs one `runs` subcommand.
pub async fn dispatch(ctx: &Ctx, command: RunsCommand) -> Result<Exit, CliError> {
    match command {
        RunsCommand::List(args) => list(ctx, &args.list).await,
        RunsCommand::Get { run_id, format } => {
            let run = raw::fetch(&ctx.client, &GetRun::new(&run_id))
                .await
                .map_err(|e| missing(e, &run_id))?;
            print_record(&ctx.styles, &run, format.format);
            Ok(Exit::Ok)
        }
        RunsCommand::Cancel { run_id } => {
            let run = raw::fetch(&ctx.client, &CancelRun::new(&run_id))
                .await
                .map_err(|e| missing(e, &run_id))?;
            output::print_json(&run);
            Ok(Exit::Ok)
        }
        RunsCommand::Start(args) => {
            let request = super::run::build_request(&args.agent, &args.words, &args.input)?;
            let request = super::run::upload_files(ctx, request).await?;
            let run = raw::fetch(&ctx.client, &StartRun::new(request)).await?;
            output::print_json(&run);
            Ok(Exit::Ok)
        }
        RunsCommand::Stream {
            run_id,
            since,
            format,
        } => {
            let follow = follow(ctx, &run_id, since, format.format);
            tokio::select! {
                result = follow => result.map_err(|e| e.missing("run", &run_id, NOT_FOUND_HINT)),
                _ = tokio::signal::ctrl_c() => {
                    output::note(&format!("interrupted: run {run_id} goes on (cancel it with `agntz runs cancel {run_id}`)"));
                    Ok(Exit::Interrupted)
                }
            }
        }
    }
}

fn missing(error: Error, run_id: &str) -> CliError {
    CliError::from(error).missing("run", run_id, NOT_FOUND_HINT)
}

/// Applies the list filters to `filter` (shared by runs and traces).
macro_rules! apply_list_args {
    ($filter:expr, $args:expr) => {{
        let mut filter = $filter;
        if let Some(agent) = &$args.agent {
            filter = filter.agent_id(agent);
        }
        if let Some(status) = &$args.status {
            filter = filter.status(status);
        }
        if let Some(limit) = $args.limit {
            filter = filter.limit(limit);
        }
        if let Some(cursor) = &$args.cursor {
            filter = filter.cursor(cursor);
        }
        filter
    }};
}
pub(crate) use apply_list_args;

async fn list(ctx: &Ctx, args: &ListArgs) -> Result<Exit, CliError> {
    let op = ListRuns::new(apply_list_args!(RunFilter::new(), args));
    let page = if args.all {
        raw::fetch_all(&ctx.client, op).await?
    } else {
        raw::fetch(&ctx.client, &op).await?
    };
    print_page(&ctx.styles, &page, args.format.format, COLUMNS);
    Ok(Exit::Ok)
}

/// A `{rows, cursor?}` page as JSON, or as a table (with the cursor on
/// stderr, so a script can still read it).
pub fn print_page(styles: &Styles, page: &Value, format: Format, columns: &[(&str, &str)]) {
    match format {
        Format::Json => output::print_json(page),
        Format::Table => {
            let rows = page
                .get("rows")
                .and_then(Value::as_array)
                .map_or(&[][..], Vec::as_slice);
            output::print_table(styles, rows, columns);
            if let Some(cursor) = page.get("cursor").and_then(Value::as_str) {
                output::note(&format!("next page: --cursor {cursor}"));
            }
        }
    }
}

/// One record as JSON or as `key value` lines.
pub fn print_record(styles: &Styles, record: &Value, format: Format) {
    match format {
        Format::Json => output::print_json(record),
        Format::Table => output::print_fields(styles, record),
    }
}

/// Whether a broken run stream may be resumed with `?since=`.
fn resumable(error: &Error) -> bool {
    match error {
        Error::Transport(_) => true,
        Error::Timeout(t) => t.kind == TimeoutKind::Idle,
        Error::Stream(s) => s.code == StreamErrorCode::Truncated,
        _ => false,
    }
}

/// Follows a run until the requested run ends, reconnecting with
/// `?since=<last seq>` after a dropped connection (as often as the retry
/// policy allows in a row), so each event is printed once.
async fn follow(
    ctx: &Ctx,
    run_id: &str,
    since: Option<u64>,
    format: Format,
) -> Result<Exit, CliError> {
    let client = &ctx.client;
    let max_event = client.config().limits().max_event_bytes;
    let policy = *client.config().retry_policy();
    let mut last_seq = since;
    let mut reconnects = 0u32;
    let mut first = true;
    loop {
        if !first {
            let wait = policy.backoff(reconnects, client.transport().jitter());
            client.transport().sleep(wait).await;
            reconnects += 1;
        }
        let mut op = StreamRun::new(run_id);
        if let Some(seq) = last_seq {
            op = op.since(seq);
        }
        let mut body = match client.open_stream(&op).await {
            Ok(body) => body,
            Err(e) if !first && resumable(&e) && reconnects < policy.max_stream_reconnects => {
                continue
            }
            Err(e) => return Err(e.into()),
        };
        let frames = if first {
            op.frames()
        } else {
            RunFrames::resuming_after(run_id.to_owned(), last_seq)
        };
        first = false;
        let mut decoder = StreamDecoder::new(RawFrames { inner: frames }, max_event);
        loop {
            match next_item(&mut body, &mut decoder).await {
                Some(Ok(raw)) => {
                    reconnects = 0;
                    last_seq = decoder.frames().inner.last_seq().or(last_seq);
                    let ended = raw.item.is_terminal_for(run_id).then(|| outcome(&raw.item));
                    print_run_event(&ctx.styles, raw, format);
                    if let Some(exit) = ended {
                        return Ok(exit);
                    }
                }
                Some(Err(e)) if resumable(&e) && reconnects < policy.max_stream_reconnects => break,
                Some(Err(e)) => return Err(e.into()),
                None => return Ok(Exit::Ok),
            }
        }
    }
}

/// The exit code for the requested run's terminal event.
fn outcome(event: &RunEvent) -> Exit {
    match event {
        RunEvent::Complete(_) => Exit::Ok,
        RunEvent::Snapshot(run) if !matches!(run.status.as_str(), "failed" | "cancelled") => {
            Exit::Ok
        }
        _ => Exit::Failed,
    }
}

/// Prints one event: as the official CLI does (the payload as sent, a
/// snapshot as `{type: "snapshot", run}`, client-tool requests and unknown
/// events skipped), or as one line.
fn print_run_event(styles: &Styles, raw: RawItem<RunEvent>, format: Format) {
    if matches!(
        raw.item,
        RunEvent::ClientToolRequest(_) | RunEvent::Unknown(_)
    ) {
        return;
    }
    match format {
        Format::Json => {
            let value = match raw.item {
                RunEvent::Snapshot(_) => json!({ "type": "snapshot", "run": raw.data }),
                _ => raw.data,
            };
            output::print_json(&value);
        }
        Format::Table => output::write_stdout(&event_line(styles, &raw.name, &raw.data)),
    }
}

fn event_line(styles: &Styles, name: &str, data: &Value) -> String {
    let text = |pointer: &str| data.pointer(pointer).and_then(Value::as_str).unwrap_or("");
    let seq = data
        .get("seq")
        .and_then(Value::as_u64)
        .map_or_else(|| "-".to_owned(), |s| s.to_string());
    let (style, detail) = match name {
        "run-spawn" => (DIM, format!("agent {}", text("/agentId"))),
        "reply" => (CYAN, text("/text").to_owned()),
        "tool-call-start" => (DIM, text("/toolCall/name").to_owned()),
        "tool-call-end" => (DIM, text("/toolCall/name").to_owned()),
        "step-complete" => (
            DIM,
            format!("step {}", data.get("step").unwrap_or(&Value::Null)),
        ),
        "run-complete" => (
            GREEN,
            text("/result/output")
                .lines()
                .next()
                .unwrap_or("")
                .to_owned(),
        ),
        "run-error" => (RED, text("/error").to_owned()),
        "run-cancelled" => (RED, String::new()),
        "snapshot" => (BOLD, format!("status {}", text("/status"))),
        _ => (DIM, String::new()),
    };
    let run = if name == "snapshot" {
        text("/id")
    } else {
        text("/runId")
    };
    format!(
        "{seq:>4}  {}  {run}  {detail}\n",
        styles.out(style, &format!("{name:<15}"))
    )
}
