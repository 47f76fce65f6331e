//! Memory entries, topics and scopes (`/memory/*`, `/scopes/delete`,
//! wire-extended §3).
//!
//! Memory is addressed by *grants*: namespace paths such as `app/user/u_1`.
//! Reads see the granted scopes and their ancestors; writes need a grant
//! that covers the entry's scope. API-key tenants are bounded to the
//! namespace roots their hosting app registered; a tenant without roots gets
//! 403 on every memory call.

use std::collections::{BTreeMap, HashSet};
use std::fmt;

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use super::serde_util::{is_false, null_as_default};
use crate::Error;

/// The kind of a memory entry.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum MemoryEntryType {
    /// A fact.
    #[default]
    Fact,
    /// A preference.
    Preference,
    /// Something that happened.
    Event,
    /// A summary of other entries.
    Summary,
    /// A type this SDK does not know yet. Serializes as `"unknown"` (the
    /// worker rejects it on import).
    #[serde(other)]
    Unknown,
}

impl MemoryEntryType {
    /// The wire string (`unknown` for [`MemoryEntryType::Unknown`]).
    pub fn as_str(self) -> &'static str {
        match self {
            MemoryEntryType::Fact => "fact",
            MemoryEntryType::Preference => "preference",
            MemoryEntryType::Event => "event",
            MemoryEntryType::Summary => "summary",
            MemoryEntryType::Unknown => "unknown",
        }
    }
}

impl fmt::Display for MemoryEntryType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether an entry is current or was replaced by a correction or curation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum MemoryEntryStatus {
    /// Current.
    #[default]
    Active,
    /// Replaced; see [`MemoryEntry::superseded_by`].
    Superseded,
    /// A status this SDK does not know yet. Serializes as `"unknown"`.
    #[serde(other)]
    Unknown,
}

impl MemoryEntryStatus {
    /// The wire string (`unknown` for [`MemoryEntryStatus::Unknown`]).
    pub fn as_str(self) -> &'static str {
        match self {
            MemoryEntryStatus::Active => "active",
            MemoryEntryStatus::Superseded => "superseded",
            MemoryEntryStatus::Unknown => "unknown",
        }
    }
}

impl fmt::Display for MemoryEntryStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where an entry came from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MemorySource {
    /// The agent that wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// The session it was written in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// The run that wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
}

impl MemorySource {
    /// An empty source.
    pub fn new() -> Self {
        MemorySource::default()
    }

    /// Sets the agent id.
    pub fn agent_id(mut self, agent_id: impl Into<String>) -> Self {
        self.agent_id = Some(agent_id.into());
        self
    }

    /// Sets the session id.
    pub fn session_id(mut self, session_id: impl Into<String>) -> Self {
        self.session_id = Some(session_id.into());
        self
    }

    /// Sets the run id.
    pub fn run_id(mut self, run_id: impl Into<String>) -> Self {
        self.run_id = Some(run_id.into());
        self
    }
}

/// One memory entry, as stored and as imported.
///
/// ```
/// use agntz_proto::types::{MemoryEntry, MemoryEntryType};
/// let entry = MemoryEntry::new("mem_1", "app/user/u_1", "Prefers dark mode",
///         MemoryEntryType::Preference, "2026-01-01T00:00:00.000Z")
///     .topics(["preferences", "ui"]);
/// assert_eq!(entry.updated_at, entry.created_at);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MemoryEntry {
    /// Entry id (`mem_<uuid>` for entries the worker made).
    #[serde(default, deserialize_with = "null_as_default")]
    pub id: String,
    /// The namespace path it is stored at, e.g. `app/user/u_1`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub scope: String,
    /// The remembered text.
    #[serde(default, deserialize_with = "null_as_default")]
    pub content: String,
    /// Topics it is filed under.
    #[serde(default, deserialize_with = "null_as_default")]
    pub topics: Vec<String>,
    /// Fact, preference, event or summary.
    #[serde(rename = "type", default)]
    pub entry_type: MemoryEntryType,
    /// Where it came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<MemorySource>,
    /// Active or superseded.
    #[serde(default)]
    pub status: MemoryEntryStatus,
    /// The entry that replaced this one (superseded entries only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub superseded_by: Option<String>,
    /// Creation time (ISO-8601).
    #[serde(default, deserialize_with = "null_as_default")]
    pub created_at: String,
    /// Last update time (ISO-8601).
    #[serde(default, deserialize_with = "null_as_default")]
    pub updated_at: String,
}

impl MemoryEntry {
    /// An active entry with no topics, created and updated at `timestamp`.
    pub fn new(
        id: impl Into<String>,
        scope: impl Into<String>,
        content: impl Into<String>,
        entry_type: MemoryEntryType,
        timestamp: impl Into<String>,
    ) -> Self {
        let timestamp = timestamp.into();
        MemoryEntry {
            id: id.into(),
            scope: scope.into(),
            content: content.into(),
            topics: Vec::new(),
            entry_type,
            source: None,
            status: MemoryEntryStatus::Active,
            superseded_by: None,
            created_at: timestamp.clone(),
            updated_at: timestamp,
        }
    }

    /// Adds a topic.
    pub fn topic(mut self, topic: impl Into<String>) -> Self {
        self.topics.push(topic.into());
        self
    }

    /// Adds topics.
    pub fn topics<I, S>(mut self, topics: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.topics.extend(topics.into_iter().map(Into::into));
        self
    }

    /// Sets the source.
    pub fn source(mut self, source: MemorySource) -> Self {
        self.source = Some(source);
        self
    }

    /// Sets the status.
    pub fn status(mut self, status: MemoryEntryStatus) -> Self {
        self.status = status;
        self
    }

    /// Sets the last update time (ISO-8601).
    pub fn updated_at(mut self, iso: impl Into<String>) -> Self {
        self.updated_at = iso.into();
        self
    }
}

/// The body of `POST /memory/import`.
///
/// The worker checks every entry before writing any, so one bad entry means
/// nothing is written. An entry whose id already exists is replaced
/// (reported as `update`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MemoryImport {
    /// Entries to write (must not be empty).
    pub entries: Vec<MemoryEntry>,
    /// Validate only; sent only when `true`.
    #[serde(skip_serializing_if = "is_false")]
    pub dry_run: bool,
}

impl MemoryImport {
    /// An import of `entries`.
    pub fn new(entries: impl IntoIterator<Item = MemoryEntry>) -> Self {
        MemoryImport {
            entries: entries.into_iter().collect(),
            dry_run: false,
        }
    }

    /// Appends an entry.
    pub fn entry(mut self, entry: MemoryEntry) -> Self {
        self.entries.push(entry);
        self
    }

    /// Validate only, write nothing.
    pub fn dry_run(mut self, dry_run: bool) -> Self {
        self.dry_run = dry_run;
        self
    }

    /// Checks what the worker would reject regardless of the tenant's
    /// roots: no entries, an empty id, scope, content or timestamp, an
    /// unknown type or status, a repeated id.
    pub fn validate(&self) -> Result<(), Error> {
        if self.entries.is_empty() {
            return Err(Error::invalid("memory import needs at least one entry"));
        }
        let mut seen = HashSet::new();
        for (i, e) in self.entries.iter().enumerate() {
            let fields = [
                ("id", &e.id),
                ("scope", &e.scope),
                ("content", &e.content),
                ("createdAt", &e.created_at),
                ("updatedAt", &e.updated_at),
            ];
            for (name, value) in fields {
                if value.trim().is_empty() {
                    return Err(Error::invalid(format!(
                        "entries[{i}].{name} must be a non-empty string"
                    )));
                }
            }
            if e.entry_type == MemoryEntryType::Unknown {
                return Err(Error::invalid(format!(
                    "entries[{i}].type must be fact, preference, event, or summary"
                )));
            }
            if e.status == MemoryEntryStatus::Unknown {
                return Err(Error::invalid(format!(
                    "entries[{i}].status must be active or superseded"
                )));
            }
            if !seen.insert(e.id.as_str()) {
                return Err(Error::invalid(format!(
                    "duplicate memory entry id: {}",
                    e.id
                )));
            }
        }
        Ok(())
    }

    /// Validates and serializes the request body.
    pub fn to_body(&self) -> Result<Bytes, Error> {
        self.validate()?;
        super::serde_util::json_body(self)
    }
}

/// What a memory import did (or would do) with one entry.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum MemoryImportAction {
    /// A new entry.
    Create,
    /// An existing id, replaced.
    Update,
    /// An action this SDK does not know yet.
    #[default]
    #[serde(other)]
    Unknown,
}

/// One row of a [`MemoryImportResult`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MemoryImportRow {
    /// Entry id.
    #[serde(default, deserialize_with = "null_as_default")]
    pub id: String,
    /// Its scope.
    #[serde(default, deserialize_with = "null_as_default")]
    pub scope: String,
    /// Created or updated.
    #[serde(default)]
    pub action: MemoryImportAction,
    /// The entry's status as written.
    #[serde(default)]
    pub status: MemoryEntryStatus,
}

/// The answer of `POST /memory/import`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MemoryImportResult {
    /// Whether this was a dry run.
    #[serde(default)]
    pub dry_run: bool,
    /// One row per entry, in request order.
    #[serde(default, deserialize_with = "null_as_default")]
    pub results: Vec<MemoryImportRow>,
    /// Counts per action (`create`, `update`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub counts: BTreeMap<String, u64>,
}

/// One topic of a [`MemoryScan`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MemoryTopic {
    /// The topic.
    #[serde(default, deserialize_with = "null_as_default")]
    pub topic: String,
    /// Active entries filed under it.
    #[serde(default)]
    pub count: u64,
    /// A curated one-line summary, once curation wrote one.
    #[serde(default)]
    pub blurb: Option<String>,
    /// Newest `updatedAt` among its entries (ISO-8601).
    #[serde(default, deserialize_with = "null_as_default")]
    pub last_updated_at: String,
    /// Whether entries changed since the last curation.
    #[serde(default)]
    pub has_uncurated_writes: bool,
}

/// The answer of `GET /memory/topics`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MemoryScan {
    /// The scopes the worker actually read: for a bounded tenant, the
    /// requested grants narrowed to its roots plus their ancestors within
    /// the roots (not a copy of the request).
    #[serde(default, deserialize_with = "null_as_default")]
    pub grants: Vec<String>,
    /// Topics visible from those scopes.
    #[serde(default, deserialize_with = "null_as_default")]
    pub topics: Vec<MemoryTopic>,
}

/// Filters and paging of `GET /memory/entries`.
///
/// ```
/// use agntz_proto::types::MemoryQuery;
/// let q = MemoryQuery::new().topic("preferences").include_superseded(true).limit(50);
/// assert_eq!(q.limit, Some(50));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MemoryQuery {
    /// Only entries filed under one of these topics (none: all topics).
    pub topics: Vec<String>,
    /// Include superseded entries (sent only when `true`).
    pub include_superseded: bool,
    /// Page size (worker default 200, clamped to 1..=1000).
    pub limit: Option<u32>,
    /// Entries to skip (worker default 0).
    pub offset: Option<u64>,
}

impl MemoryQuery {
    /// Every active entry, first page.
    pub fn new() -> Self {
        MemoryQuery::default()
    }

    /// Adds a topic filter.
    pub fn topic(mut self, topic: impl Into<String>) -> Self {
        self.topics.push(topic.into());
        self
    }

    /// Adds topic filters.
    pub fn topics<I, S>(mut self, topics: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.topics.extend(topics.into_iter().map(Into::into));
        self
    }

    /// Includes superseded entries.
    pub fn include_superseded(mut self, include: bool) -> Self {
        self.include_superseded = include;
        self
    }

    /// Sets the page size.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Sets the number of entries to skip.
    pub fn offset(mut self, offset: u64) -> Self {
        self.offset = Some(offset);
        self
    }
}

/// One page of `GET /memory/entries`: the entries plus the paging envelope
/// the official clients drop (`total` counts every match).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MemoryPage {
    /// This page's entries.
    #[serde(default, deserialize_with = "null_as_default")]
    pub entries: Vec<MemoryEntry>,
    /// Matches before paging.
    #[serde(default)]
    pub total: u64,
    /// The page size the worker used (after clamping).
    #[serde(default)]
    pub limit: u64,
    /// The offset the worker used.
    #[serde(default)]
    pub offset: u64,
}

impl MemoryPage {
    /// The offset of the next page, `None` on the last one (or when a page
    /// came back empty, so a paging loop always ends).
    pub fn next_offset(&self) -> Option<u64> {
        let next = self.offset.checked_add(self.entries.len() as u64)?;
        (!self.entries.is_empty() && next < self.total).then_some(next)
    }
}

/// The answer of `DELETE /memory/entries/{id}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct MemoryEntryDeleted {
    /// Whether an entry was removed.
    #[serde(default)]
    pub deleted: bool,
    /// The entry id.
    #[serde(default, deserialize_with = "null_as_default")]
    pub id: String,
}

/// What one curation pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CurateReport {
    /// Entries looked at.
    #[serde(default)]
    pub scanned: u64,
    /// Entries marked superseded.
    #[serde(default)]
    pub superseded: u64,
    /// Entries created (merged summaries).
    #[serde(default)]
    pub created: u64,
    /// Topic blurbs rewritten.
    #[serde(default)]
    pub blurbs_updated: u64,
}

/// One scope of a global curation sweep (super-admins only).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CuratedScope {
    /// The scope.
    #[serde(default, deserialize_with = "null_as_default")]
    pub scope: String,
    /// Its curated topics.
    #[serde(default, deserialize_with = "null_as_default")]
    pub topics: Vec<String>,
    /// The report, when the scope was curated.
    #[serde(default)]
    pub report: Option<CurateReport>,
    /// The failure, when it was not.
    #[serde(default)]
    pub error: Option<String>,
}

/// The answer of `POST /memory/curate`.
///
/// With grants (always, from this SDK) the worker sends `curateEnabled` and
/// `report`; the global sweep of super-admins sends `dirty` and `scopes`
/// instead.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MemoryCurateResult {
    /// Whether curation is enabled on the worker.
    #[serde(default)]
    pub curate_enabled: bool,
    /// What curating the granted scopes did.
    #[serde(default)]
    pub report: Option<CurateReport>,
    /// Scopes waiting for curation (global sweep only).
    #[serde(default)]
    pub dirty: Option<u64>,
    /// Per-scope results (global sweep only).
    #[serde(default, deserialize_with = "null_as_default")]
    pub scopes: Vec<CuratedScope>,
}

/// The answer of `POST /scopes/delete`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ScopeDeleted {
    /// The scope as the worker normalized it.
    #[serde(default, deserialize_with = "null_as_default")]
    pub scope: String,
    /// Whether the whole subtree was deleted.
    #[serde(default)]
    pub recursive: bool,
    /// Records deleted across every resource.
    #[serde(default)]
    pub total: u64,
    /// Records deleted per resource (`memory`, ...).
    #[serde(default, deserialize_with = "null_as_default")]
    pub by_resource: BTreeMap<String, u64>,
}

/// Checks a grant list for the query-string form `grants=a,b`: at least one
/// grant, none blank, none containing a comma (the worker splits on commas).
pub(crate) fn check_grants(grants: &[String]) -> Result<(), Error> {
    if grants.is_empty() {
        return Err(Error::invalid("memory calls need at least one grant"));
    }
    for g in grants {
        if g.trim().is_empty() {
            return Err(Error::invalid("grants must not be blank"));
        }
        if g.contains(',') {
            return Err(Error::invalid(format!(
                "grant {g:?} must not contain a comma"
            )));
        }
    }
    Ok(())
}
