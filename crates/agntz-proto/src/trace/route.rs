//! A request path as a template and the ids it carries, so that span names
//! and the `path` field stay the same for every id (`/runs/{id}` with
//! `run_id = "run_1"`).

use std::borrow::Cow;

use percent_encoding::percent_decode_str;

/// A collection segment whose next segment is an id: the span field that
/// records the id, its placeholder, and the words that may follow the
/// collection instead of an id.
struct Collection {
    name: &'static str,
    field: &'static str,
    placeholder: &'static str,
    not_ids: &'static [&'static str],
}

const fn c(
    name: &'static str,
    field: &'static str,
    placeholder: &'static str,
    not_ids: &'static [&'static str],
) -> Collection {
    Collection {
        name,
        field,
        placeholder,
        not_ids,
    }
}

const COLLECTIONS: &[Collection] = &[
    c("runs", "run_id", "{id}", &[]),
    c("sessions", "session_id", "{id}", &["import"]),
    c("traces", "trace_id", "{id}", &[]),
    c("agents", "agent_id", "{id}", &["import"]),
    c("artifacts", "artifact_id", "{id}", &[]),
    c("datasets", "dataset_id", "{id}", &[]),
    c("dataset-imports", "import_id", "{id}", &[]),
    c("evals", "eval_id", "{id}", &[]),
    c("eval-runs", "eval_run_id", "{id}", &[]),
    c("batches", "batch_id", "{id}", &[]),
    c("batch-runs", "batch_run_id", "{id}", &["compare"]),
    c("entries", "entry_id", "{id}", &[]),
    c("webhook-secrets", "secret_name", "{name}", &[]),
    c("versions", "version", "{version}", &[]),
    c("aliases", "alias", "{alias}", &[]),
    c("client-tool-requests", "request_id", "{request_id}", &[]),
];

/// Fixed words of the API's paths besides the collections. Any other
/// segment outside an id position becomes `{}`, so an unforeseen path
/// can never put an id into a template.
const WORDS: &[&str] = &[
    "health",
    "run",
    "block",
    "validate",
    "build-agent",
    "edit-agent",
    "stream",
    "cancel",
    "import",
    "compare",
    "content",
    "items",
    "complete",
    "activate",
    "regenerate",
    "results.jsonl",
    "result",
    "memory",
    "topics",
    "curate",
    "scopes",
    "delete",
    "correct",
    "eval-scores",
    "latest",
];

/// A path split into its template and its ids.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Route<'a> {
    /// `/runs/{id}/stream`.
    pub template: String,
    /// `("run_id", "run_1")`, decoded.
    pub ids: Vec<(&'static str, Cow<'a, str>)>,
}

impl<'a> Route<'a> {
    /// The route of `path` (no query, base path prefix removed).
    pub(super) fn of(path: &'a str) -> Self {
        let mut template = String::with_capacity(path.len());
        let mut ids = Vec::new();
        let mut open: Option<&Collection> = None;
        for segment in path.split('/').filter(|s| !s.is_empty()) {
            template.push('/');
            if let Some(coll) = open.take() {
                if !coll.not_ids.contains(&segment) {
                    template.push_str(coll.placeholder);
                    ids.push((coll.field, percent_decode_str(segment).decode_utf8_lossy()));
                    continue;
                }
            }
            if let Some(coll) = COLLECTIONS.iter().find(|c| c.name == segment) {
                open = Some(coll);
                template.push_str(segment);
            } else if WORDS.contains(&segment) {
                template.push_str(segment);
            } else {
                template.push_str("{}");
            }
        }
        if template.is_empty() {
            template.push('/');
        }
        Route { template, ids }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(path: &str) -> (String, Vec<(&'static str, String)>) {
        let r = Route::of(path);
        let ids = r
            .ids
            .into_iter()
            .map(|(f, v)| (f, v.into_owned()))
            .collect();
        (r.template, ids)
    }

    #[test]
    fn ids_become_fields_and_placeholders() {
        assert_eq!(
            route("/runs/run_1"),
            ("/runs/{id}".into(), vec![("run_id", "run_1".into())])
        );
        assert_eq!(
            route("/runs/run%2F1/client-tool-requests/req_9/result"),
            (
                "/runs/{id}/client-tool-requests/{request_id}/result".into(),
                vec![("run_id", "run/1".into()), ("request_id", "req_9".into())]
            )
        );
        assert_eq!(
            route("/evals/tone/versions/2026-01-01T00%3A00%3A00.000Z/activate"),
            (
                "/evals/{id}/versions/{version}/activate".into(),
                vec![
                    ("eval_id", "tone".into()),
                    ("version", "2026-01-01T00:00:00.000Z".into())
                ]
            )
        );
        assert_eq!(
            route("/webhook-secrets/prod/regenerate").0,
            "/webhook-secrets/{name}/regenerate"
        );
        assert_eq!(
            route("/memory/entries/e1/correct").0,
            "/memory/entries/{id}/correct"
        );
    }

    #[test]
    fn fixed_paths_are_kept() {
        for path in [
            "/health",
            "/run",
            "/run/stream",
            "/run/block",
            "/run/block/stream",
            "/validate",
            "/build-agent",
            "/edit-agent",
            "/runs",
            "/agents/import",
            "/sessions/import",
            "/batch-runs/compare",
            "/eval-scores/latest",
            "/memory/topics",
            "/scopes/delete",
        ] {
            let (template, ids) = route(path);
            assert_eq!(template, path);
            assert!(ids.is_empty(), "{path}");
        }
    }

    #[test]
    fn ids_named_like_words_are_still_ids() {
        assert_eq!(
            route("/runs/stream/stream"),
            (
                "/runs/{id}/stream".into(),
                vec![("run_id", "stream".into())]
            )
        );
    }

    #[test]
    fn unknown_segments_never_reach_the_template() {
        assert_eq!(route("/new-thing/abc123").0, "/{}/{}");
        assert_eq!(route("/").0, "/");
    }
}
