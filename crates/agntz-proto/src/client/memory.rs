use super::{Client, Pages};
use crate::error::Error;
use crate::ops::{
    CorrectMemoryEntry, CurateMemory, DeleteMemoryEntry, DeleteScope, ImportMemory, ListMemory,
    ScanMemory,
};
use crate::transport::Transport;
use crate::types::{
    MemoryCurateResult, MemoryEntry, MemoryEntryDeleted, MemoryImport, MemoryImportResult,
    MemoryPage, MemoryQuery, MemoryScan, ScopeDeleted,
};

/// Memory: the entries agents remember, read and managed through namespace
/// *grants* (`app/user/u_1`). Get one with [`Client::memory`].
///
/// Reads see the granted scopes and their ancestors; writes need a grant
/// that covers the entry's scope. An API-key tenant works only inside the
/// namespace roots its hosting app registered: with none, every call here
/// is an [`Error::Api`] with status 403 (the worker has no route to
/// register roots). A grant outside the roots is a 400; a worker without
/// memory configured answers 503.
#[derive(Debug)]
pub struct Memory<'a, T> {
    client: &'a Client<T>,
}

impl<'a, T: Transport> Memory<'a, T> {
    pub(crate) fn new(client: &'a Client<T>) -> Self {
        Memory { client }
    }

    /// `POST /memory/import`: writes entries with their own ids (an existing
    /// id is replaced and reported as `update`). All or nothing: the worker
    /// checks every entry first.
    pub async fn import(&self, import: MemoryImport) -> Result<MemoryImportResult, Error> {
        self.client.execute(&ImportMemory::new(import)).await
    }

    /// `GET /memory/topics`: the topics visible from `grants`, with counts.
    pub async fn scan<I, S>(&self, grants: I) -> Result<MemoryScan, Error>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.client.execute(&ScanMemory::new(grants)).await
    }

    /// `GET /memory/entries`: one page of entries, with `total`, `limit`
    /// and `offset` so the caller knows when to stop.
    pub async fn list<I, S>(&self, grants: I, query: MemoryQuery) -> Result<MemoryPage, Error>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.client.execute(&ListMemory::new(grants, query)).await
    }

    /// Every entry matching `query` from its offset on, fetching further
    /// pages by offset as the stream is read.
    pub fn list_all<I, S>(&self, grants: I, query: MemoryQuery) -> Pages<T, ListMemory>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Pages::new(self.client.clone(), ListMemory::new(grants, query))
    }

    /// The entries filed under any of `topics` (one page of at most `limit`
    /// entries across all topics; worker default 200).
    pub async fn read<I, S, J, U>(
        &self,
        grants: I,
        topics: J,
        limit: Option<u32>,
    ) -> Result<MemoryPage, Error>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
        J: IntoIterator<Item = U>,
        U: Into<String>,
    {
        let mut query = MemoryQuery::new().topics(topics);
        query.limit = limit;
        if query.topics.is_empty() {
            return Err(Error::invalid("memory read needs at least one topic"));
        }
        self.list(grants, query).await
    }

    /// `DELETE /memory/entries/{id}`: hard-deletes one entry. An unknown id
    /// is [`Error::NotFound`].
    pub async fn delete_entry<I, S>(
        &self,
        grants: I,
        entry_id: &str,
    ) -> Result<MemoryEntryDeleted, Error>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.client
            .execute(&DeleteMemoryEntry::new(grants, entry_id))
            .await
    }

    /// `POST /memory/entries/{id}/correct`: supersedes the entry with a new
    /// one holding `content` (trimmed) and returns the new entry. Blank
    /// content is a 400; correcting an already superseded entry is a 409.
    pub async fn correct<I, S>(
        &self,
        grants: I,
        entry_id: &str,
        content: &str,
    ) -> Result<MemoryEntry, Error>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.client
            .execute(&CorrectMemoryEntry::new(grants, entry_id, content))
            .await
    }

    /// `POST /memory/curate`: curates every topic of the granted scopes
    /// (exactly those scopes, not their ancestors).
    pub async fn curate<I, S>(&self, grants: I) -> Result<MemoryCurateResult, Error>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.client.execute(&CurateMemory::new(grants)).await
    }

    /// `POST /memory/curate` for only `topics` of the granted scopes.
    pub async fn curate_topics<I, S, J, U>(
        &self,
        grants: I,
        topics: J,
    ) -> Result<MemoryCurateResult, Error>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
        J: IntoIterator<Item = U>,
        U: Into<String>,
    {
        self.client
            .execute(&CurateMemory::new(grants).topics(topics))
            .await
    }

    /// `POST /scopes/delete`: deletes what is stored at `scope` (in every
    /// resource that supports it, memory among them), and below it when
    /// `recursive` is `true`.
    ///
    /// The deletion is bounded by the tenant's **namespace roots** alone:
    /// `scope` must lie within one (else [`Error::Api`] 400; no roots at
    /// all: 403). It takes no grants because the worker ignores them here.
    /// Always sends `recursive` explicitly, because the worker deletes the
    /// whole subtree when it is absent.
    pub async fn delete_scope(&self, scope: &str, recursive: bool) -> Result<ScopeDeleted, Error> {
        self.client
            .execute(&DeleteScope::new(scope).recursive(recursive))
            .await
    }
}
