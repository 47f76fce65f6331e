//! `agntz run`: run an agent to completion, or stream it.

use std::io::{IsTerminal, Read};

use agntz_client::ops::{RunAgent, StreamAgent, StreamOperation, SubmitToolResult, ToolOutcome};
use agntz_client::proto::stream::{AgentFrame, StreamDecoder};
use agntz_client::{ContentBlock, RunRequest, StreamEvent};
use serde_json::Value;

use super::Ctx;
use crate::cli::{InputArgs, RunArgs};
use crate::error::{CliError, Exit};
use crate::output::{self, CYAN, RED};
use crate::raw;
use crate::stream::{next_item, RawFrames, RawItem};

const NOT_FOUND_HINT: &str = "check the id, or publish the manifest with `agntz publish`";

/// Refuses a local manifest path (the official CLI runs those in-process).
pub fn check_target(args: &RunArgs) -> Result<(), CliError> {
    let target = args.agent.as_str();
    let lower = target.to_ascii_lowercase();
    let looks_local = args.local
        || target.contains('/')
        || target.contains('\\')
        || target.starts_with('.')
        || lower.ends_with(".yaml")
        || lower.ends_with(".yml");
    if looks_local {
        return Err(CliError::usage(format!(
            "{target:?} is a local manifest: local runs are not supported by this CLI, only published agents"
        ))
        .hint("publish it with `agntz publish`, then run it with `agntz run <id>`"));
    }
    Ok(())
}

/// The input text: `--input` (`-` reads stdin) > trailing words > piped
/// stdin > empty, as the official CLI decides.
pub fn resolve_input(flag: Option<&str>, words: &[String]) -> Result<String, CliError> {
    match flag.filter(|f| !f.is_empty()) {
        Some("-") => read_stdin(),
        Some(text) => Ok(text.to_owned()),
        None => {
            let joined = words.join(" ");
            let trailing = joined.trim();
            if !trailing.is_empty() {
                Ok(trailing.to_owned())
            } else if !std::io::stdin().is_terminal() {
                read_stdin()
            } else {
                Ok(String::new())
            }
        }
    }
}

fn read_stdin() -> Result<String, CliError> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .read_to_end(&mut bytes)
        .map_err(|e| CliError::usage(format!("cannot read stdin: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|_| CliError::usage("stdin is not UTF-8 text"))?;
    Ok(text.trim().to_owned())
}

/// The run request of `run` and `runs start`.
pub fn build_request(
    agent: &str,
    words: &[String],
    args: &InputArgs,
) -> Result<RunRequest, CliError> {
    let input = resolve_input(args.input.as_deref(), words)?;
    let mut request = RunRequest::new(agent).input(input);
    if let Some(version) = &args.version {
        request = request.version(version);
    }
    if let Some(session) = &args.session {
        request = request.session_id(session);
    }
    if !args.context.is_empty() {
        request = request.context(args.context.iter().cloned());
    }
    for path in &args.image {
        request = request.push_content(ContentBlock::image_file(path));
    }
    for path in &args.audio {
        request = request.push_content(ContentBlock::audio_file(path));
    }
    Ok(request)
}

/// Uploads the `--image` / `--audio` files (the SDK's run methods do this
/// themselves; the CLI sends the run operations directly).
pub async fn upload_files(ctx: &Ctx, request: RunRequest) -> Result<RunRequest, CliError> {
    if !request.has_local_content() {
        return Ok(request);
    }
    let spinner = output::spinner("Uploading files");
    let uploaded = ctx.client.upload_run_content(request).await;
    spinner.finish_and_clear();
    Ok(uploaded?)
}

/// `agntz run`. Ctrl-C drops the request or stream, which cancels the run
/// on the worker, and exits with 130.
pub async fn run(ctx: &Ctx, args: RunArgs) -> Result<Exit, CliError> {
    let request = build_request(&args.agent, &args.words, &args.input)?;
    let work = async {
        let request = upload_files(ctx, request).await?;
        if args.stream {
            stream(ctx, request, args.json).await
        } else {
            complete(ctx, request, args.json).await
        }
    };
    let result = tokio::select! {
        result = work => result,
        _ = tokio::signal::ctrl_c() => {
            output::note("interrupted: the run was cancelled");
            return Ok(Exit::Interrupted);
        }
    };
    result.map_err(|e| e.missing("agent", &args.agent, NOT_FOUND_HINT))
}

async fn complete(ctx: &Ctx, request: RunRequest, json: bool) -> Result<Exit, CliError> {
    let spinner = output::spinner(format!("Running {}", request.agent_id()));
    let result = raw::fetch(&ctx.client, &RunAgent::new(request)).await;
    spinner.finish_and_clear();
    let result = result?;
    if json {
        output::print_json(&result);
        return Ok(Exit::Ok);
    }
    print_output(result.get("output"));
    if let Some(replies) = result.get("replies").and_then(Value::as_array) {
        for reply in replies {
            let text = reply
                .get("text")
                .and_then(Value::as_str)
                .unwrap_or_default();
            output::note(&format!("\n{} {text}", ctx.styles.err(CYAN, "[reply]")));
        }
    }
    if let Some(session) = result.get("sessionId").and_then(Value::as_str) {
        output::note(&format!("\n--- session {session}"));
    }
    Ok(Exit::Ok)
}

/// The output as the official CLI prints it: text as is, anything else as
/// indented JSON, ending with a newline.
fn output_text(output: Option<&Value>) -> String {
    let text = match output {
        Some(Value::String(text)) => text.clone(),
        Some(other) => serde_json::to_string_pretty(other).unwrap_or_default(),
        // `JSON.stringify(undefined)` in the official CLI.
        None => "undefined".to_owned(),
    };
    if text.ends_with('\n') {
        text
    } else {
        format!("{text}\n")
    }
}

fn print_output(output: Option<&Value>) {
    output::write_stdout(&output_text(output));
}

async fn stream(ctx: &Ctx, request: RunRequest, json: bool) -> Result<Exit, CliError> {
    let op = StreamAgent::new(request);
    let mut body = ctx.client.open_stream(&op).await?;
    let max = ctx.client.config().limits().max_event_bytes;
    let mut decoder = StreamDecoder::new(RawFrames { inner: op.frames() }, max);
    let mut exit = Exit::Ok;
    while let Some(item) = next_item(&mut body, &mut decoder).await {
        let RawItem { item, name, data } = item?;
        match item {
            AgentFrame::ToolRequest(request) => {
                // No client tools here: answer at once so the run does not wait.
                let outcome = ToolOutcome::no_handler(&request.name);
                let op = SubmitToolResult::new(&request.root_run_id, &request.request_id, outcome);
                ctx.client.execute(&op).await?;
            }
            AgentFrame::Event(event) => {
                if matches!(event, StreamEvent::Error(_)) {
                    exit = Exit::Failed;
                }
                if json {
                    output::print_json_line(&public_event(&event, &name, data));
                } else {
                    print_event(ctx, &event, &data);
                }
            }
            _ => {}
        }
    }
    Ok(exit)
}

/// An event as the official client names it (`start`, `reply`, `complete`,
/// `error`) with the whole payload the worker sent; other events keep their
/// wire name.
fn public_event(event: &StreamEvent, name: &str, data: Value) -> Value {
    let kind = match event {
        StreamEvent::Start(_) => "start",
        StreamEvent::Reply(_) => "reply",
        StreamEvent::Complete(_) => "complete",
        StreamEvent::Error(_) => "error",
        _ => name,
    };
    let mut object = match data {
        Value::Object(map) => map,
        Value::Null => serde_json::Map::new(),
        other => {
            let mut map = serde_json::Map::new();
            map.insert("data".into(), other);
            map
        }
    };
    object.insert("type".into(), Value::String(kind.to_owned()));
    Value::Object(object)
}

fn print_event(ctx: &Ctx, event: &StreamEvent, data: &Value) {
    match event {
        StreamEvent::Reply(reply) => {
            output::write_stdout(&format!(
                "{} {}\n",
                ctx.styles.out(CYAN, "[reply]"),
                reply.text
            ));
        }
        StreamEvent::Complete(_) => {
            output::write_stdout(&format!("\n{}", output_text(data.get("output"))));
        }
        StreamEvent::Error(failed) => {
            output::note(&format!(
                "\n{} {}",
                ctx.styles.err(RED, "[error]"),
                failed.error
            ));
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::output_text;

    #[test]
    fn output_is_printed_like_the_official_cli() {
        assert_eq!(output_text(Some(&json!("hi"))), "hi\n");
        assert_eq!(output_text(Some(&json!("hi\n"))), "hi\n");
        assert_eq!(output_text(Some(&json!({"a": 1}))), "{\n  \"a\": 1\n}\n");
    }
}
