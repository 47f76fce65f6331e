//! `agntz traces list|get|delete`.

use agntz_client::ops::{DeleteTrace, GetTrace, ListTraces};
use agntz_client::TraceFilter;

use serde_json::Value;

use super::runs::{apply_list_args, print_page};
use super::Ctx;
use crate::cli::{Format, TracesCommand};
use crate::error::{CliError, Exit};
use crate::output;
use crate::raw;

const NOT_FOUND_HINT: &str =
    "list traces with `agntz traces list` (a trace is written when its run ends)";

/// The columns of `traces list --format table`.
const COLUMNS: &[(&str, &str)] = &[
    ("TRACE", "/traceId"),
    ("AGENT", "/agentId"),
    ("STATUS", "/status"),
    ("STARTED", "/startedAt"),
    ("SPANS", "/spanCount"),
    ("TOKENS", "/totalTokens"),
];

/// The span columns of `traces get --format table`.
const SPAN_COLUMNS: &[(&str, &str)] = &[
    ("SPAN", "/spanId"),
    ("PARENT", "/parentId"),
    ("KIND", "/kind"),
    ("NAME", "/name"),
    ("STATUS", "/status"),
    ("MS", "/durationMs"),
];

/// Runs one `traces` subcommand.
pub async fn dispatch(ctx: &Ctx, command: TracesCommand) -> Result<Exit, CliError> {
    match command {
        TracesCommand::List(args) => {
            let op = ListTraces::new(apply_list_args!(TraceFilter::new(), args));
            let page = if args.all {
                raw::fetch_all(&ctx.client, op).await?
            } else {
                raw::fetch(&ctx.client, &op).await?
            };
            print_page(&ctx.styles, &page, args.format.format, COLUMNS);
        }
        TracesCommand::Get { trace_id, format } => {
            let trace = raw::fetch(&ctx.client, &GetTrace::new(&trace_id))
                .await
                .map_err(|e| CliError::from(e).missing("trace", &trace_id, NOT_FOUND_HINT))?;
            match format.format {
                Format::Json => output::print_json(&trace),
                Format::Table => {
                    output::print_fields(&ctx.styles, trace.get("summary").unwrap_or(&trace));
                    output::write_stdout("\n");
                    let spans = trace.get("spans").and_then(Value::as_array);
                    output::print_table(
                        &ctx.styles,
                        spans.map_or(&[][..], Vec::as_slice),
                        SPAN_COLUMNS,
                    );
                }
            }
        }
        TracesCommand::Delete { trace_id } => {
            ctx.client
                .execute(&DeleteTrace::new(&trace_id))
                .await
                .map_err(|e| CliError::from(e).missing("trace", &trace_id, NOT_FOUND_HINT))?;
            output::success(&ctx.styles, &format!("Deleted trace {trace_id}"));
        }
    }
    Ok(Exit::Ok)
}
