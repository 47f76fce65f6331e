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

/// Where the blocking counterpart of an async type's methods lives.
fn blocking_file(ty: &str, async_file: &str) -> String {
    match ty {
        "Client" => "client.rs".into(),
        "ClientTools" => "tools.rs".into(),
        "AgentStream" | "RunStream" | "TraceStream" | "Pages" | "BatchResults" => "iter.rs".into(),
        _ => async_file.into(),
    }
}

#[test]
fn every_async_resource_method_has_a_blocking_counterpart() {
    let root = root();
    let async_dir = root.join("crates/agntz-proto/src/client");
    let blocking_dir = root.join("crates/agntz-client/src/blocking");
    let mut missing = Vec::new();
    let mut checked = 0;
    let mut files: Vec<_> = std::fs::read_dir(&async_dir)
        .expect("the async client's sources")
        .map(|entry| entry.expect("entry").path())
        .collect();
    files.sort();
    for path in files {
        let file = path.file_name().and_then(|f| f.to_str()).expect("name");
        let file = if file == "mod.rs" { "client.rs" } else { file };
        for (ty, methods) in public_methods(&read(&path)) {
            let target = blocking_dir.join(blocking_file(&ty, file));
            let blocking = std::fs::read_to_string(&target).unwrap_or_default();
            for method in methods {
                // `Client::new(config, transport)` is the builder's
                // `build_with`; every stream's `next` is `Iterator::next`.
                let exempt = (ty == "Client" && method == "new") || method == "next";
                if exempt {
                    continue;
                }
                checked += 1;
                if !has_fn(&blocking, &method) {
                    missing.push(format!(
                        "{ty}::{method} (expected in blocking/{})",
                        target.file_name().and_then(|f| f.to_str()).unwrap_or("?")
                    ));
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
