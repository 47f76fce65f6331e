use bytes::Bytes;
use http::{Method, Request, Response};
use serde::Serialize;

use super::{get_with_query, require_id, Operation, Paginated};
use crate::body::WholeBody;
use crate::config::Config;
use crate::encode::{append_query, Segment};
use crate::error::Error;
use crate::request::{self, JSON};
use crate::response::parse_json;
use crate::retry::CallKind;
use crate::types::memory::check_grants;
use crate::types::{
    json_body, MemoryCurateResult, MemoryEntry, MemoryEntryDeleted, MemoryImport,
    MemoryImportResult, MemoryPage, MemoryQuery, MemoryScan, ScopeDeleted,
};

fn collect(grants: impl IntoIterator<Item = impl Into<String>>) -> Vec<String> {
    grants.into_iter().map(Into::into).collect()
}

/// `POST /memory/import`: write entries with their ids (an existing id is
/// replaced). Entries are validated before sending.
#[derive(Debug, Clone)]
pub struct ImportMemory {
    import: MemoryImport,
}

impl ImportMemory {
    /// The operation for `import`.
    pub fn new(import: MemoryImport) -> Self {
        ImportMemory { import }
    }
}

impl Operation for ImportMemory {
    type Output = MemoryImportResult;
    // A write; not repeated blindly (like session and agent imports).
    const KIND: CallKind = CallKind::StartsWork;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let body = self.import.to_body()?;
        request::build(config, Method::POST, "/memory/import", Some(body), JSON)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<MemoryImportResult, Error> {
        parse_json(&response)
    }
}

/// `GET /memory/topics?grants=…`: the topics visible from `grants`.
#[derive(Debug, Clone)]
pub struct ScanMemory {
    grants: Vec<String>,
}

impl ScanMemory {
    /// The operation for `grants` (at least one; none may contain a comma).
    pub fn new(grants: impl IntoIterator<Item = impl Into<String>>) -> Self {
        ScanMemory {
            grants: collect(grants),
        }
    }
}

impl Operation for ScanMemory {
    type Output = MemoryScan;
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        check_grants(&self.grants)?;
        let grants = self.grants.join(",");
        let mut path = String::from("/memory/topics");
        append_query(&mut path, [("grants", grants.as_str())]);
        request::build(config, Method::GET, &path, None, JSON)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<MemoryScan, Error> {
        parse_json(&response)
    }
}

/// `GET /memory/entries`: one page of the entries visible from `grants`
/// (ancestor scopes included), with the paging envelope.
///
/// Implements [`Paginated`] with the next offset as the cursor, so
/// [`Memory::list_all`](crate::client::Memory::list_all) can walk every page.
#[derive(Debug, Clone)]
pub struct ListMemory {
    grants: Vec<String>,
    query: MemoryQuery,
}

impl ListMemory {
    /// The operation for `grants` and `query`.
    pub fn new(grants: impl IntoIterator<Item = impl Into<String>>, query: MemoryQuery) -> Self {
        ListMemory {
            grants: collect(grants),
            query,
        }
    }
}

impl Operation for ListMemory {
    type Output = MemoryPage;
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        check_grants(&self.grants)?;
        let q = &self.query;
        if let Some(t) = q.topics.iter().find(|t| t.contains(',')) {
            return Err(Error::invalid(format!(
                "topic {t:?} must not contain a comma"
            )));
        }
        let mut pairs: Vec<(&str, String)> = vec![("grants", self.grants.join(","))];
        if !q.topics.is_empty() {
            pairs.push(("topics", q.topics.join(",")));
        }
        if q.include_superseded {
            pairs.push(("includeSuperseded", "true".to_owned()));
        }
        if let Some(limit) = q.limit {
            pairs.push(("limit", limit.to_string()));
        }
        if let Some(offset) = q.offset {
            pairs.push(("offset", offset.to_string()));
        }
        get_with_query(config, "/memory/entries", &pairs)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<MemoryPage, Error> {
        parse_json(&response)
    }
}

impl Paginated for ListMemory {
    type Row = MemoryEntry;

    fn with_cursor(&self, cursor: String) -> Self {
        let mut next = self.clone();
        next.query.offset = cursor.parse().ok();
        next
    }

    fn into_parts(page: MemoryPage) -> (Vec<MemoryEntry>, Option<String>) {
        let next = page.next_offset().map(|o| o.to_string());
        (page.entries, next)
    }
}

/// `DELETE /memory/entries/{id}?grants=…`: hard-deletes one entry. The
/// grants must cover the entry's scope for writing.
#[derive(Debug, Clone)]
pub struct DeleteMemoryEntry {
    grants: Vec<String>,
    id: String,
}

impl DeleteMemoryEntry {
    /// The operation for entry `id`, authorized by `grants`.
    pub fn new(grants: impl IntoIterator<Item = impl Into<String>>, id: impl Into<String>) -> Self {
        DeleteMemoryEntry {
            grants: collect(grants),
            id: id.into(),
        }
    }
}

impl Operation for DeleteMemoryEntry {
    type Output = MemoryEntryDeleted;
    // Repeating removes nothing more (the second attempt answers 404).
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        check_grants(&self.grants)?;
        let id = require_id("memory entry id", &self.id)?;
        let grants = self.grants.join(",");
        let mut path = format!("/memory/entries/{}", Segment(id));
        append_query(&mut path, [("grants", grants.as_str())]);
        request::build(config, Method::DELETE, &path, None, JSON)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<MemoryEntryDeleted, Error> {
        parse_json(&response)
    }
}

/// `POST /memory/entries/{id}/correct`: replaces an active entry's content.
/// The worker writes a **new** entry (new id, same scope, topics and type)
/// and marks the original superseded; the new entry is returned.
#[derive(Debug, Clone)]
pub struct CorrectMemoryEntry {
    grants: Vec<String>,
    id: String,
    content: String,
}

impl CorrectMemoryEntry {
    /// The operation for entry `id` with the corrected `content`.
    pub fn new(
        grants: impl IntoIterator<Item = impl Into<String>>,
        id: impl Into<String>,
        content: impl Into<String>,
    ) -> Self {
        CorrectMemoryEntry {
            grants: collect(grants),
            id: id.into(),
            content: content.into(),
        }
    }
}

#[derive(Serialize)]
struct CorrectBody<'a> {
    grants: &'a [String],
    content: &'a str,
}

#[derive(serde::Deserialize)]
struct Corrected {
    entry: MemoryEntry,
}

impl Operation for CorrectMemoryEntry {
    type Output = MemoryEntry;
    // A repeat would hit the now-superseded original (409).
    const KIND: CallKind = CallKind::StartsWork;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        check_grants(&self.grants)?;
        let id = require_id("memory entry id", &self.id)?;
        let body = json_body(&CorrectBody {
            grants: &self.grants,
            content: &self.content,
        })?;
        let path = format!("/memory/entries/{}/correct", Segment(id));
        request::build(config, Method::POST, &path, Some(body), JSON)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<MemoryEntry, Error> {
        parse_json::<Corrected>(&response).map(|c| c.entry)
    }
}

/// `POST /memory/curate`: curates the granted scopes (all their topics, or
/// only `topics`).
#[derive(Debug, Clone)]
pub struct CurateMemory {
    grants: Vec<String>,
    topics: Option<Vec<String>>,
}

impl CurateMemory {
    /// The operation for `grants` (curation without grants is a global
    /// sweep for super-admins, which API keys never get).
    pub fn new(grants: impl IntoIterator<Item = impl Into<String>>) -> Self {
        CurateMemory {
            grants: collect(grants),
            topics: None,
        }
    }

    /// Curates only these topics.
    pub fn topics(mut self, topics: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.topics = Some(collect(topics));
        self
    }
}

#[derive(Serialize)]
struct CurateBody<'a> {
    grants: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    topics: Option<&'a [String]>,
}

impl Operation for CurateMemory {
    type Output = MemoryCurateResult;
    // Curation rewrites entries; not repeated blindly.
    const KIND: CallKind = CallKind::StartsWork;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        check_grants(&self.grants)?;
        let body = json_body(&CurateBody {
            grants: &self.grants,
            topics: self.topics.as_deref(),
        })?;
        request::build(config, Method::POST, "/memory/curate", Some(body), JSON)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<MemoryCurateResult, Error> {
        parse_json(&response)
    }
}

/// `POST /scopes/delete`: deletes everything stored at a scope, in every
/// resource that supports purging (memory, ...).
///
/// **What bounds the deletion is the tenant's namespace roots**, which the
/// hosting app registers for the API key's tenant: the scope must lie
/// within one of them (otherwise 400; a tenant with no roots gets 403).
/// There are no grants here: the worker ignores any it is sent (the
/// official clients send them anyway), so grants cannot narrow a deletion.
///
/// `recursive` is always sent and defaults to `false`: the worker's own
/// default, when the field is absent, is to delete the **whole subtree**.
#[derive(Debug, Clone)]
pub struct DeleteScope {
    scope: String,
    recursive: bool,
}

impl DeleteScope {
    /// Deletes exactly `scope` (not its descendants).
    pub fn new(scope: impl Into<String>) -> Self {
        DeleteScope {
            scope: scope.into(),
            recursive: false,
        }
    }

    /// Also deletes every scope below it.
    pub fn recursive(mut self, recursive: bool) -> Self {
        self.recursive = recursive;
        self
    }
}

#[derive(Serialize)]
struct DeleteScopeBody<'a> {
    scope: &'a str,
    recursive: bool,
}

impl Operation for DeleteScope {
    type Output = ScopeDeleted;
    // Deleting what is already gone deletes nothing more.
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        if self.scope.trim().is_empty() {
            return Err(Error::invalid("scope must not be blank"));
        }
        let body = json_body(&DeleteScopeBody {
            scope: &self.scope,
            recursive: self.recursive,
        })?;
        request::build(config, Method::POST, "/scopes/delete", Some(body), JSON)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<ScopeDeleted, Error> {
        parse_json(&response)
    }
}
