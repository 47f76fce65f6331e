//! `agntz publish`: every manifest below a directory in one import call.

use std::io::{BufRead, IsTerminal, Write};

use agntz_client::ops::ImportAgents;
use agntz_client::{AgentImport, AgentManifest, AgentOnConflict, Error};
use serde_json::Value;

use super::manifests::{find_manifests, ManifestFile};
use super::Ctx;
use crate::cli::PublishArgs;
use crate::error::{CliError, Exit};
use crate::output::{self, Styles, DIM, GREEN, RED, YELLOW};
use crate::raw;

/// `agntz publish [agents] [--agents-dir DIR]`.
pub async fn publish(ctx: &Ctx, args: &PublishArgs) -> Result<Exit, CliError> {
    if !args.agents_dir.is_dir() {
        return Err(
            CliError::usage(format!("{} is not a directory", args.agents_dir.display()))
                .hint("pass the manifests' directory with --agents-dir DIR"),
        );
    }
    let files = find_manifests(&args.agents_dir)?;
    let mut import = AgentImport::new(
        files
            .iter()
            .map(|f| AgentManifest::new(f.text.clone()).source_path(f.source_path.clone())),
    )
    .dry_run(args.dry_run);
    if args.skip_existing {
        import = import.on_conflict(AgentOnConflict::Skip);
    } else if args.fail_existing {
        import = import.on_conflict(AgentOnConflict::Fail);
    }
    if !args.dry_run && !args.yes && !confirm(files.len(), &ctx.url)? {
        output::note("Aborted: nothing was published.");
        return Ok(Exit::Failed);
    }
    let spinner = output::spinner(if args.dry_run {
        format!("Validating {} manifests", files.len())
    } else {
        format!("Publishing {} manifests", files.len())
    });
    let result = raw::fetch(&ctx.client, &ImportAgents::new(import)).await;
    spinner.finish_and_clear();
    match result {
        Ok(response) => {
            if args.json {
                output::print_json(&response);
            } else {
                print_results(&ctx.styles, &response, &ctx.url);
            }
            Ok(Exit::Ok)
        }
        Err(error) => rejected(ctx, args, &files, error),
    }
}

/// Asks on a terminal; refuses to publish unattended without `--yes`.
fn confirm(count: usize, url: &str) -> Result<bool, CliError> {
    if !std::io::stdin().is_terminal() {
        return Err(
            CliError::usage("not a terminal, so publishing needs confirmation by flag")
                .hint("pass --yes to publish, or --dry-run to validate only"),
        );
    }
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "Publish {count} manifests to {url}? [y/N] ");
    let _ = err.flush();
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

fn print_results(styles: &Styles, response: &Value, url: &str) {
    let dry_run = response.get("dryRun").and_then(Value::as_bool) == Some(true);
    let rows = response
        .get("results")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    for row in rows {
        let text = |key: &str| row.get(key).and_then(Value::as_str).unwrap_or("");
        let action = text("action");
        output::note(&format!(
            "{} {:<8} {}  {}",
            styles.err(GREEN, "✓"),
            action,
            text("id"),
            styles.err(DIM, text("sourcePath"))
        ));
        print_warnings(styles, row);
    }
    let counts = response
        .get("counts")
        .and_then(Value::as_object)
        .map(|counts| {
            counts
                .iter()
                .map(|(action, n)| format!("{action} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    if dry_run {
        output::note(&format!(
            "Dry run: {} manifests valid ({counts}); nothing written",
            rows.len()
        ));
    } else {
        output::note(&format!(
            "Published {} manifests to {url} ({counts})",
            rows.len()
        ));
    }
}

fn print_warnings(styles: &Styles, row: &Value) {
    for warning in row
        .get("warnings")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let text = |key: &str| warning.get(key).and_then(Value::as_str).unwrap_or("");
        output::note(&format!(
            "    {} {}: {}",
            styles.err(YELLOW, "warning"),
            text("path"),
            text("message")
        ));
    }
}

/// The worker refused the import: each rejected manifest with its file
/// (400 `Invalid manifest`), an existing id (409), or the error as is.
fn rejected(
    ctx: &Ctx,
    args: &PublishArgs,
    files: &[ManifestFile],
    error: Error,
) -> Result<Exit, CliError> {
    let body = error.api().and_then(|api| api.body.clone());
    let status = error.status().map(|s| s.as_u16());
    if args.json {
        if let Some(body) = &body {
            output::print_json(body);
        }
    }
    let results = body
        .as_ref()
        .and_then(|b| b.get("results"))
        .and_then(Value::as_array);
    if let (Some(400), Some(results)) = (status, results) {
        let styles = &ctx.styles;
        let mut failed = 0;
        for row in results {
            let file = row
                .get("sourcePath")
                .and_then(Value::as_str)
                .or_else(|| row.get("id").and_then(Value::as_str))
                .unwrap_or("?");
            for e in row
                .get("errors")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                failed += 1;
                let text = |key: &str| e.get(key).and_then(Value::as_str).unwrap_or("");
                output::note(&format!(
                    "{file}: {} [{}] {}: {}",
                    styles.err(RED, "error"),
                    text("level"),
                    text("path"),
                    text("message")
                ));
            }
            print_warnings(styles, row);
        }
        return Err(CliError::failed(format!(
            "the worker rejected {failed} problem(s) in the manifests; nothing was published"
        )));
    }
    // A plain 400 names the manifest by index (`agents[2].manifest could
    // not be parsed: ...`): name its file.
    let file = error
        .api()
        .and_then(|api| manifest_index(&api.message))
        .and_then(|i| files.get(i))
        .map(|f| f.source_path.clone());
    let mut error = CliError::from(error);
    if let Some(file) = file {
        error = error.prefix(&file);
    }
    Err(match status {
        Some(409) => error.hint("pass --skip-existing to keep existing agents, or leave out --fail-existing to add versions"),
        Some(400) => error.hint("fix the manifest named in the message"),
        _ => error,
    })
}

/// `N` of a message starting `agents[N]`.
fn manifest_index(message: &str) -> Option<usize> {
    let rest = message.strip_prefix("agents[")?;
    rest[..rest.find(']')?].parse().ok()
}

#[cfg(test)]
mod tests {
    use super::manifest_index;

    #[test]
    fn finds_the_manifest_index_of_a_plain_error() {
        assert_eq!(
            manifest_index("agents[2].manifest could not be parsed: x"),
            Some(2)
        );
        assert_eq!(
            manifest_index("Body must include a non-empty agents array."),
            None
        );
    }
}
