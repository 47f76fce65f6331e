//! The blocking surface stays complete: every public method of the async
//! resource API (read from the sources of `agntz-proto`'s client and the
//! facade's builder) has a blocking counterpart of the same name, so a
//! method added to the async API without one fails here.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `type name -> public method names` of the inherent `impl` blocks of
/// `source` (trait impls such as `impl Stream for` are skipped).
fn public_methods(source: &str) -> BTreeMap<String, Vec<String>> {
    let mut found: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in source.lines() {
        if let Some(rest) = line.strip_prefix("impl") {
            current = inherent_impl_type(rest);
            continue;
        }
        if line == "}" {
            current = None;
            continue;
        }
        let Some(ty) = &current else { continue };
        let Some(decl) = line.strip_prefix("    pub ") else {
            continue;
        };
        let decl = decl.strip_prefix("async ").unwrap_or(decl);
        if let Some(sig) = decl.strip_prefix("fn ") {
            let name: String = sig
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            found.entry(ty.clone()).or_default().push(name);
        }
    }
    found
}

/// The type of `impl<..> Type<..> {`, `None` for a trait impl.
fn inherent_impl_type(rest: &str) -> Option<String> {
    if rest.contains(" for ") {
        return None;
    }
    let mut rest = rest.trim_start();
    if rest.starts_with('<') {
        // Skip the impl's own generics (balanced angle brackets).
        let mut depth = 0;
        let end = rest.char_indices().find_map(|(i, c)| {
            match c {
                '<' => depth += 1,
                '>' => depth -= 1,
                _ => {}
            }
            (depth == 0).then_some(i)
        })?;
        rest = rest[end + 1..].trim_start();
    }
    let name: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then_some(name)
}

fn has_fn(source: &str, name: &str) -> bool {
    source.lines().any(|line| {
        line.split("fn ").skip(1).any(|after| {
            after.starts_with(name)
                && !after[name.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_')
        })
    })
}

/// What kind of client type an async type is, read from the sources.
struct Kinds {
    /// `pub struct Name<'a, T>`: a resource borrowing the client.
    resources: Vec<String>,
    /// `impl ... Stream for Name<..>`: a stream.
    streams: Vec<String>,
}

impl Kinds {
    fn read(sources: &[(String, String)]) -> Self {
        let mut kinds = Kinds {
            resources: Vec::new(),
            streams: Vec::new(),
        };
        for (_, source) in sources {
            for line in source.lines() {
                if let Some(rest) = line.strip_prefix("pub struct ") {
                    if let Some(name) = rest.strip_suffix("<'a, T> {") {
                        kinds.resources.push(name.to_owned());
                    }
                }
                if let Some((_, rest)) = line.split_once(" Stream for ") {
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    kinds.streams.push(name);
                }
            }
        }
        kinds
    }

    /// The blocking file holding the counterparts of `ty`'s methods
    /// (declared in the async `file`), or `None` for a type that is not
    /// part of the client's surface (a plain value such as a query).
    fn blocking_file(&self, ty: &str, file: &str) -> Option<String> {
        let ty = ty.to_owned();
        if ty == "Client" {
            Some("client.rs".into())
        } else if ty == "ClientTools" {
            Some("tools.rs".into())
        } else if self.streams.contains(&ty) {
            Some("iter.rs".into())
        } else if self.resources.contains(&ty) {
            Some(file.into())
        } else {
            None
        }
    }
}

#[test]
fn every_async_resource_method_has_a_blocking_counterpart() {
    let root = root();
    let async_dir = root.join("crates/agntz-proto/src/client");
    let blocking_dir = root.join("crates/agntz-client/src/blocking");
    let mut sources: Vec<(String, String)> = std::fs::read_dir(&async_dir)
        .expect("the async client's sources")
        .map(|entry| entry.expect("entry").path())
        .map(|path| {
            let file = path.file_name().and_then(|f| f.to_str()).expect("name");
            let file = if file == "mod.rs" { "client.rs" } else { file };
            (file.to_owned(), read(&path))
        })
        .collect();
    sources.sort();
    let kinds = Kinds::read(&sources);
    assert!(kinds.resources.len() >= 10, "{:?}", kinds.resources);
    assert!(kinds.streams.len() >= 5, "{:?}", kinds.streams);
    let mut missing = Vec::new();
    let mut checked = 0;
    for (file, source) in &sources {
        for (ty, methods) in public_methods(source) {
            let Some(target) = kinds.blocking_file(&ty, file) else {
                continue;
            };
            let blocking = std::fs::read_to_string(blocking_dir.join(&target)).unwrap_or_default();
            for method in methods {
                // `Client::new(config, transport)` is the builder's
                // `build_with`; every stream's `next` is `Iterator::next`.
                let exempt = (ty == "Client" && method == "new") || method == "next";
                if exempt {
                    continue;
                }
                checked += 1;
                if !has_fn(&blocking, &method) {
                    missing.push(format!("{ty}::{method} (expected in blocking/{target})"));
                }
            }
        }
    }
    assert!(checked > 100, "the parser found only {checked} methods");
    assert!(
        missing.is_empty(),
        "async methods without a blocking counterpart:\n{}",
        missing.join("\n")
    );
}

#[test]
fn every_builder_setting_has_a_blocking_counterpart() {
    let root = root();
    let builder = public_methods(&read(&root.join("crates/agntz-client/src/builder.rs")));
    let blocking = read(&root.join("crates/agntz-client/src/blocking/builder.rs"));
    let methods = builder
        .get("AgntzClientBuilder")
        .expect("the async builder's methods");
    assert!(methods.len() > 10, "{methods:?}");
    let missing: Vec<_> = methods.iter().filter(|m| !has_fn(&blocking, m)).collect();
    assert!(missing.is_empty(), "builder methods missing: {missing:?}");
}

#[test]
fn the_parser_sees_what_it_should() {
    let source = "impl<'a, T: Transport> Runs<'a, T> {\n    pub async fn get(&self) {}\n    pub fn list_all(&self) {}\n    pub(crate) fn new() {}\n    fn open() {}\n}\nimpl<T: Transport> Stream for RunStream<T> {\n    pub fn poll_next() {}\n}\n";
    let found = public_methods(source);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found["Runs"], ["get", "list_all"]);
    assert!(has_fn("    call fn list_all(filter: X) -> Y;", "list_all"));
    assert!(!has_fn("    call fn list_all(filter: X) -> Y;", "list"));
}
