//! Manifest files on disk: finding them below a directory, and reading the
//! parts of one the CLI needs (its id and name, its blocks by id).

use std::path::{Path, PathBuf};

use agntz_client::BlockSelection;
use serde_json::Value;

use crate::error::CliError;

/// One manifest file.
pub struct ManifestFile {
    /// The path as sent in `sourcePath` and shown in messages: relative to
    /// the current directory when below it, with `/` separators.
    pub source_path: String,
    /// The YAML text.
    pub text: String,
}

/// `path` itself if it is a file, else every `.yaml` / `.yml` file below
/// it, in path order. Empty files are refused with their name.
pub fn find_manifests(path: &Path) -> Result<Vec<ManifestFile>, CliError> {
    if !path.exists() {
        return Err(CliError::usage(format!(
            "{} does not exist",
            path.display()
        )));
    }
    let cwd = std::env::current_dir().ok();
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(path)
        .follow_links(true)
        .sort_by_file_name()
    {
        let entry =
            entry.map_err(|e| CliError::failed(format!("cannot read {}: {e}", path.display())))?;
        let file = entry.path();
        let is_manifest = file
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"));
        // A file named on the command line is read whatever its extension.
        if !entry.file_type().is_file() || !(is_manifest || entry.depth() == 0) {
            continue;
        }
        let text = std::fs::read_to_string(file)
            .map_err(|e| CliError::failed(format!("cannot read {}: {e}", file.display())))?;
        let source_path = source_path(file, cwd.as_deref());
        if text.trim().is_empty() {
            return Err(CliError::usage(format!(
                "{source_path}: the manifest is empty"
            )));
        }
        files.push(ManifestFile { source_path, text });
    }
    if files.is_empty() {
        return Err(CliError::usage(format!(
            "no .yaml or .yml manifests below {}",
            path.display()
        ))
        .hint("pass the manifests' directory with --agents-dir DIR"));
    }
    Ok(files)
}

fn source_path(path: &Path, cwd: Option<&Path>) -> String {
    let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let relative: PathBuf = cwd
        .and_then(|cwd| std::fs::canonicalize(cwd).ok())
        .and_then(|cwd| absolute.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf());
    relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// The YAML as JSON, `None` when it does not parse.
pub fn parse(yaml: &str) -> Option<Value> {
    serde_yaml_ng::from_str::<Value>(yaml).ok()
}

/// A top-level string field (`id`, `name`) of a manifest.
pub fn field(manifest: &Value, key: &str) -> Option<String> {
    manifest
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Every block whose `id` (an agent, inline at any depth) or `ref` (a step)
/// is `id`: the root, `steps[i]` of sequential agents and `branches[i]` of
/// parallel ones, nested.
pub fn blocks_with_id(manifest: &Value, id: &str) -> Vec<BlockSelection> {
    let mut found = Vec::new();
    collect(manifest, BlockSelection::root(), id, &mut found);
    found
}

fn collect(agent: &Value, at: BlockSelection, id: &str, found: &mut Vec<BlockSelection>) {
    if agent.get("id").and_then(Value::as_str) == Some(id) {
        found.push(at.clone());
    }
    for list in ["steps", "branches"] {
        let Some(items) = agent.get(list).and_then(Value::as_array) else {
            continue;
        };
        for (i, item) in items.iter().enumerate() {
            let here = if list == "steps" {
                at.clone().step(i)
            } else {
                at.clone().branch(i)
            };
            match item.get("agent") {
                Some(inner) if inner.is_object() => collect(inner, here, id, found),
                _ => {
                    if item.get("ref").and_then(Value::as_str) == Some(id) {
                        found.push(here);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::{blocks_with_id, parse, source_path};

    #[test]
    fn source_paths_use_forward_slashes() {
        assert_eq!(
            source_path(Path::new("agents/a.yaml"), None),
            "agents/a.yaml"
        );
    }

    #[test]
    fn finds_blocks_by_id_and_ref_at_any_depth() {
        let manifest = parse(
            "id: pipeline\nkind: sequential\nsteps:\n  - ref: classifier\n  - agent:\n      id: fan\n      kind: parallel\n      branches:\n        - agent:\n            id: writer\n            kind: llm\n        - ref: classifier\n",
        )
        .unwrap();
        let paths = |id| -> Vec<String> {
            blocks_with_id(&manifest, id)
                .iter()
                .map(ToString::to_string)
                .collect()
        };
        assert_eq!(paths("pipeline"), ["root"]);
        assert_eq!(paths("fan"), ["steps[1]"]);
        assert_eq!(paths("writer"), ["steps[1].branches[0]"]);
        assert_eq!(paths("classifier"), ["steps[0]", "steps[1].branches[1]"]);
        assert!(paths("nope").is_empty());
    }
}
