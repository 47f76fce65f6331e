use agntz_proto::ops::ListMemory;
use agntz_proto::types::{
    MemoryCurateResult, MemoryEntry, MemoryEntryDeleted, MemoryImport, MemoryImportResult,
    MemoryPage, MemoryQuery, MemoryScan, ScopeDeleted,
};

use super::macros::resource;
use super::Pages;

resource! {
    /// Memory: the entries agents remember, read and managed through
    /// namespace grants (`app/user/u_1`). Get one with
    /// [`AgntzClient::memory`](super::AgntzClient::memory).
    Memory => memory;
    call fn import(import: MemoryImport) -> MemoryImportResult;
    call fn scan[I: IntoIterator<Item = S>, S: Into<String>](grants: I) -> MemoryScan;
    call fn list[I: IntoIterator<Item = S>, S: Into<String>](
        grants: I,
        query: MemoryQuery,
    ) -> MemoryPage;
    pages fn list_all[I: IntoIterator<Item = S>, S: Into<String>](
        grants: I,
        query: MemoryQuery,
    ) -> Pages<T, ListMemory>;
    call fn read[
        I: IntoIterator<Item = S>,
        S: Into<String>,
        J: IntoIterator<Item = U>,
        U: Into<String>,
    ](grants: I, topics: J, limit: Option<u32>) -> MemoryPage;
    call fn delete_entry[I: IntoIterator<Item = S>, S: Into<String>](
        grants: I,
        entry_id: &str,
    ) -> MemoryEntryDeleted;
    call fn correct[I: IntoIterator<Item = S>, S: Into<String>](
        grants: I,
        entry_id: &str,
        content: &str,
    ) -> MemoryEntry;
    call fn curate[I: IntoIterator<Item = S>, S: Into<String>](grants: I) -> MemoryCurateResult;
    call fn curate_topics[
        I: IntoIterator<Item = S>,
        S: Into<String>,
        J: IntoIterator<Item = U>,
        U: Into<String>,
    ](grants: I, topics: J) -> MemoryCurateResult;
    call fn delete_scope(scope: &str, recursive: bool) -> ScopeDeleted;
}
