//! `agntz validate`, `agntz create` and `agntz edit`: the worker's
//! validator, agent builder and agent editor.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::Duration;

use agntz_client::ops::ValidateManifest;
use agntz_client::{
    AgentDraft, BlockSelection, BuildAgentRequest, EditAgentRequest, ValidationRequest,
};
use serde_json::{json, Value};

use super::manifests::{self, find_manifests};
use super::Ctx;
use crate::cli::{CreateArgs, EditArgs, ValidateArgs};
use crate::error::{CliError, Exit};
use crate::output::{self, Styles, GREEN, RED, YELLOW};
use crate::raw;

/// `agntz validate [PATH]`: every manifest, one `/validate` call each; exit
/// code 1 when any has an error.
pub async fn validate(ctx: &Ctx, args: &ValidateArgs) -> Result<Exit, CliError> {
    let files = find_manifests(&args.path)?;
    let spinner = output::spinner(format!("Validating {} manifests", files.len()));
    let mut results = Vec::with_capacity(files.len());
    for file in &files {
        let request = ValidationRequest::new(file.text.clone()).strict(args.strict);
        let report = raw::fetch(&ctx.client, &ValidateManifest::new(request))
            .await
            .map_err(|e| CliError::from(e).prefix(&file.source_path))?;
        results.push((file.source_path.clone(), report));
    }
    spinner.finish_and_clear();
    let invalid = results
        .iter()
        .filter(|(_, report)| report.get("valid").and_then(Value::as_bool) != Some(true))
        .count();
    if args.json {
        let results: Vec<Value> = results
            .into_iter()
            .map(|(path, report)| {
                let mut object = match report {
                    Value::Object(map) => map,
                    _ => serde_json::Map::new(),
                };
                object.insert("sourcePath".into(), Value::String(path));
                Value::Object(object)
            })
            .collect();
        output::print_json(&json!({ "valid": invalid == 0, "results": results }));
    } else {
        let mut text = String::new();
        for (path, report) in &results {
            text.push_str(&report_lines(&ctx.styles, path, report));
        }
        text.push_str(&format!(
            "{} manifests: {} valid, {invalid} with errors\n",
            results.len(),
            results.len() - invalid
        ));
        output::write_stdout(&text);
    }
    Ok(if invalid == 0 { Exit::Ok } else { Exit::Failed })
}

/// `✓ path` or `✗ path` and one line per error and warning.
fn report_lines(styles: &Styles, path: &str, report: &Value) -> String {
    let valid = report.get("valid").and_then(Value::as_bool) == Some(true);
    let mark = if valid {
        styles.out(GREEN, "✓")
    } else {
        styles.out(RED, "✗")
    };
    let mut text = format!("{mark} {path}\n");
    let list = |key: &str| {
        report
            .get(key)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    for error in list("errors") {
        let field = |k: &str| {
            error
                .get(k)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned()
        };
        text.push_str(&format!(
            "    {} [{}] {}: {}\n",
            styles.out(RED, "error"),
            field("level"),
            display_path(&field("path")),
            field("message")
        ));
    }
    for warning in list("warnings") {
        let field = |k: &str| {
            warning
                .get(k)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned()
        };
        text.push_str(&format!(
            "    {} {}: {}\n",
            styles.out(YELLOW, "warning"),
            display_path(&field("path")),
            field("message")
        ));
    }
    text
}

/// `""` (the whole document) shown as `(manifest)`.
fn display_path(path: &str) -> &str {
    if path.is_empty() {
        "(manifest)"
    } else {
        path
    }
}

/// Runs `work` behind a spinner whose label moves through `stages`
/// (seconds, label): the builder and editor report no progress, so the
/// labels are estimates, as in the official CLI.
async fn with_stages<F: Future>(stages: &[(u64, &str)], work: F) -> F::Output {
    let bar = output::spinner(stages.first().map_or("Working", |s| s.1));
    let labels = async {
        let start = tokio::time::Instant::now();
        for (at, label) in stages.iter().skip(1) {
            tokio::time::sleep_until(start + Duration::from_secs(*at)).await;
            bar.set_message(label.to_string());
        }
    };
    tokio::pin!(work);
    let out = tokio::select! {
        out = &mut work => out,
        () = labels => work.await,
    };
    bar.finish_and_clear();
    out
}

fn read(path: &Path) -> Result<String, CliError> {
    std::fs::read_to_string(path)
        .map_err(|e| CliError::usage(format!("cannot read {}: {e}", path.display())))
}

fn write(path: &Path, yaml: &str) -> Result<(), CliError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| CliError::failed(format!("cannot create {}: {e}", dir.display())))?;
    }
    let mut text = yaml.to_owned();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    std::fs::write(path, text)
        .map_err(|e| CliError::failed(format!("cannot write {}: {e}", path.display())))
}

/// The draft's YAML, or the error naming what the worker sent instead.
fn require_yaml(draft: AgentDraft, who: &str) -> Result<(String, Option<String>), CliError> {
    match draft.yaml {
        Some(yaml) if !yaml.trim().is_empty() => Ok((yaml, draft.explanation)),
        _ => {
            let errors: Vec<String> = draft
                .validation
                .iter()
                .flat_map(|v| v.errors.iter().map(ToString::to_string))
                .collect();
            let mut message = format!("the {who} did not return a YAML manifest");
            if !errors.is_empty() {
                message.push_str(&format!(" (validation: {})", errors.join("; ")));
            }
            Err(CliError::failed(message))
        }
    }
}

/// `agntz create "<description>"`.
pub async fn create(ctx: &Ctx, args: &CreateArgs) -> Result<Exit, CliError> {
    let description = args.description.join(" ").trim().to_owned();
    if description.is_empty() {
        return Err(CliError::usage("the description is empty"));
    }
    let mut request = BuildAgentRequest::new(description);
    if let Some(path) = &args.current_manifest {
        request = request.current_manifest(read(path)?);
    }
    let stages = [
        (0, "Planning structure"),
        (6, "Generating YAML"),
        (14, "Validating"),
        (22, "Finalizing"),
    ];
    let draft = with_stages(&stages, ctx.client.agents().build(request)).await?;
    let (yaml, explanation) = require_yaml(draft, "agent builder")?;
    if args.stdout {
        output::write_stdout(&if yaml.ends_with('\n') {
            yaml
        } else {
            format!("{yaml}\n")
        });
        return Ok(Exit::Ok);
    }
    let parsed = manifests::parse(&yaml).unwrap_or(Value::Null);
    let id = manifests::field(&parsed, "id");
    let path = match (&args.output, &id) {
        (Some(path), _) => path.clone(),
        (None, Some(id)) if is_file_name(id) => PathBuf::from("agents").join(format!("{id}.yaml")),
        _ => {
            output::write_stdout(&yaml);
            return Err(CliError::failed(
                "the draft has no id usable as a file name; it is printed above",
            )
            .hint("pass -o FILE to choose where to write it"));
        }
    };
    write(&path, &yaml)?;
    output::success(&ctx.styles, &format!("Wrote {}", path.display()));
    if let Some(id) = &id {
        output::note(&format!("  id: {id}"));
    }
    if let Some(name) = manifests::field(&parsed, "name") {
        output::note(&format!("  name: {name}"));
    }
    if let Some(explanation) = explanation.filter(|e| !e.trim().is_empty()) {
        output::note(&format!("\n{}", explanation.trim()));
    }
    output::note(&format!(
        "\nPublish and run it:\n  agntz publish && agntz run {} \"...\"",
        id.as_deref().unwrap_or("<id>")
    ));
    Ok(Exit::Ok)
}

/// An id that is safe as a file name below `agents/`.
fn is_file_name(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('.')
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// `agntz edit FILE "<change>"`.
pub async fn edit(ctx: &Ctx, args: &EditArgs) -> Result<Exit, CliError> {
    let change = args.change.join(" ").trim().to_owned();
    if change.is_empty() {
        return Err(CliError::usage("the change request is empty"));
    }
    let current = read(&args.file)?;
    let mut request = EditAgentRequest::new(current.clone(), change);
    if let Some(select) = &args.select {
        request = request.selection(selection(&current, select, &args.file)?);
    }
    let stages = [
        (0, "Reading YAML"),
        (4, "Editing draft"),
        (14, "Validating"),
        (22, "Finalizing"),
    ];
    let draft = with_stages(&stages, ctx.client.agents().edit(request)).await?;
    let (yaml, explanation) = require_yaml(draft, "agent editor")?;
    let target = if args.write {
        Some(args.file.clone())
    } else {
        args.output.clone()
    };
    match target {
        Some(path) => {
            write(&path, &yaml)?;
            output::success(&ctx.styles, &format!("Wrote {}", path.display()));
            if let Some(explanation) = explanation.filter(|e| !e.trim().is_empty()) {
                output::note(&format!("\n{}", explanation.trim()));
            }
        }
        None => output::write_stdout(&if yaml.ends_with('\n') {
            yaml
        } else {
            format!("{yaml}\n")
        }),
    }
    Ok(Exit::Ok)
}

/// `--select`: a block path (`root`, `steps[1]`, `steps[0].branches[2]`),
/// else the one block whose id or ref it is.
fn selection(yaml: &str, select: &str, file: &Path) -> Result<BlockSelection, CliError> {
    let looks_like_path =
        select == "root" || select.starts_with("steps[") || select.starts_with("branches[");
    if looks_like_path {
        return select
            .parse::<BlockSelection>()
            .map_err(|e| CliError::usage(format!("--select {select}: {e}")));
    }
    let manifest = manifests::parse(yaml).ok_or_else(|| {
        CliError::usage(format!(
            "{} is not valid YAML, so --select {select} cannot be looked up",
            file.display()
        ))
    })?;
    let mut found = manifests::blocks_with_id(&manifest, select);
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(CliError::usage(format!(
            "no block with id or ref {select:?} found in {}",
            file.display()
        ))),
        n => Err(CliError::usage(format!(
            "--select {select:?} matched {n} blocks ({})",
            found
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .hint("select one by its path, e.g. --select steps[1]")),
    }
}
