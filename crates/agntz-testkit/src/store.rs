//! In-memory state shared by all connections: runs, sessions, traces and
//! pending client-tool requests. Everything is keyed by tenant.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::{broadcast, oneshot, watch};

use bytes::Bytes;

use crate::catalog::StoredAgent;
use crate::model::Agent;
use crate::runs::EventLog;
use crate::wire::{Message, Raw, RunJson, TraceDetail, TraceEvent};

/// Locks a mutex, ignoring poisoning (state stays usable after a panic elsewhere).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A run record plus bookkeeping.
pub(crate) struct RunEntry {
    pub tenant: String,
    pub json: RunJson,
    /// Still held by the live registry (cancel / live stream / client tools work).
    pub in_memory: bool,
    /// Written to the durable store (`result`/`session` mode; children only in session mode).
    pub persisted: bool,
    /// Cancellation signal of the run tree (shared by the root and its children).
    pub cancel: watch::Sender<Option<String>>,
}

/// A conversation.
pub(crate) struct Session {
    pub agent_id: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub messages: Vec<Message>,
    /// Insertion order for listing (oldest first).
    pub order: u64,
}

/// A finished trace.
pub(crate) struct TraceRecord {
    pub tenant: String,
    pub session_key: Option<String>,
    pub started_ms: u64,
    pub detail: TraceDetail,
}

/// A trace still being recorded.
pub(crate) struct LiveTrace {
    pub tenant: String,
    pub tx: broadcast::Sender<Arc<TraceEvent>>,
}

/// What the caller answered for a client tool.
pub(crate) enum ToolAnswer {
    Output(Raw),
    Error(String),
}

/// Lifecycle of a client-tool request.
pub(crate) enum ToolRequestState {
    Pending(oneshot::Sender<ToolAnswer>),
    Answered,
    Inactive,
}

/// A client-tool request emitted by a run.
pub(crate) struct ClientToolRequest {
    pub tenant: String,
    pub root_run_id: String,
    pub state: ToolRequestState,
}

/// Mutable state.
#[derive(Default)]
pub(crate) struct Inner {
    pub runs: HashMap<String, RunEntry>,
    pub logs: HashMap<String, Arc<EventLog>>,
    pub sessions: HashMap<(String, String), Session>,
    pub session_order: u64,
    pub traces: HashMap<String, TraceRecord>,
    pub live_traces: HashMap<String, LiveTrace>,
    pub client_tools: HashMap<String, ClientToolRequest>,
    /// Published agents, keyed by (tenant, agent id).
    pub catalog: HashMap<(String, String), StoredAgent>,
    /// Uploaded artifacts, keyed by id.
    pub artifacts: HashMap<String, Artifact>,
    /// Namespace roots registered by the hosting app, per tenant.
    pub namespace_roots: HashMap<String, Vec<String>>,
    /// Memory entries per tenant, in write order.
    pub memory: HashMap<String, Vec<MemoryRecord>>,
    /// Datasets, keyed by (tenant, dataset id): written by the dataset
    /// routes and `TestWorker::seed_dataset`, read by eval and batch runs.
    pub datasets: HashMap<(String, String), StoredDataset>,
    /// Staged dataset imports, keyed by import id.
    pub dataset_imports: HashMap<String, StagedImport>,
    /// Eval definitions, eval runs and latest scores.
    pub evals: crate::evals::EvalState,
    /// Batch definitions and batch runs.
    pub batches: crate::batches::BatchState,
    /// Webhook secrets, keyed by (tenant, name).
    pub webhook_secrets: HashMap<(String, String), WebhookSecret>,
}

/// A stored webhook secret.
pub(crate) struct WebhookSecret {
    pub description: Option<String>,
    /// `whsec_` + 64 hex.
    pub value: String,
    pub created_at: String,
    pub updated_at: String,
}

/// A memory entry as stored (and sent: the wire shape).
#[derive(serde::Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MemoryRecord {
    pub id: String,
    pub scope: String,
    pub content: String,
    pub topics: Vec<String>,
    #[serde(rename = "type")]
    pub entry_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<serde_json::Value>,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub superseded_by: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// Whether a curation pass has seen it since it was written.
    #[serde(skip)]
    pub curated: bool,
}

/// A dataset item as stored and sent.
#[derive(serde::Serialize, Clone)]
pub(crate) struct DatasetItem {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub input: serde_json::Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<serde_json::Value>,
}

/// The dataset fields a version holds.
#[derive(Clone, Default)]
pub(crate) struct DatasetFields {
    pub id: String,
    pub agent_id: Option<String>,
    pub name: String,
    pub description: Option<String>,
    pub metadata: Option<serde_json::Value>,
    pub items: Vec<DatasetItem>,
}

/// One published version of a dataset.
#[derive(Clone)]
pub(crate) struct DatasetVersion {
    pub version: String,
    pub fields: DatasetFields,
}

/// A dataset: its versions (oldest first) and which one is active.
pub(crate) struct StoredDataset {
    pub created_at: String,
    pub versions: Vec<DatasetVersion>,
    /// The active version, activation times and aliases.
    pub marks: crate::versions::VersionMarks,
}

impl StoredDataset {
    /// The active version.
    pub(crate) fn head(&self) -> &DatasetVersion {
        &self.versions[self.marks.active.min(self.versions.len() - 1)]
    }
}

/// A staged dataset import.
pub(crate) struct StagedImport {
    pub tenant: String,
    pub dataset_id: String,
    pub name: String,
    pub description: Option<String>,
    pub agent_id: Option<String>,
    pub metadata: Option<serde_json::Value>,
    pub items: Vec<DatasetItem>,
    pub created_at: String,
    pub updated_at: String,
    /// The version it published, once completed.
    pub dataset_version: Option<String>,
}

/// An uploaded artifact.
pub(crate) struct Artifact {
    pub tenant: String,
    pub purpose: &'static str,
    pub media_type: String,
    pub data: Bytes,
    pub sha256: String,
    pub created_ms: u64,
    pub expires_ms: u64,
}

/// State shared by the server tasks.
pub(crate) struct Store {
    pub agents: Vec<Agent>,
    pub inner: Mutex<Inner>,
}

impl Store {
    pub(crate) fn new(agents: Vec<Agent>) -> Store {
        Store {
            agents,
            inner: Mutex::new(Inner::default()),
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        lock(&self.inner)
    }

    /// The agent `id` as `tenant` runs it: a published one first, else a
    /// built-in one.
    pub(crate) fn agent(&self, tenant: &str, id: &str) -> Option<Agent> {
        let published = self
            .lock()
            .catalog
            .get(&(tenant.to_string(), id.to_string()))
            .map(StoredAgent::runnable);
        published.or_else(|| self.agents.iter().find(|a| a.id == id).cloned())
    }
}

impl Inner {
    /// A memory entry of `tenant`.
    pub(crate) fn memory_entry(&self, tenant: &str, id: &str) -> Option<&MemoryRecord> {
        self.memory.get(tenant)?.iter().find(|e| e.id == id)
    }

    /// A live (not expired) artifact of `tenant`; expired ones are swept.
    pub(crate) fn artifact(&mut self, tenant: &str, id: &str, now_ms: u64) -> Option<&Artifact> {
        self.artifacts.retain(|_, a| a.expires_ms > now_ms);
        self.artifacts.get(id).filter(|a| a.tenant == tenant)
    }

    /// A run visible to `tenant` through `GET /runs/{id}`.
    pub(crate) fn visible_run(&self, tenant: &str, id: &str) -> Option<&RunEntry> {
        self.runs
            .get(id)
            .filter(|e| e.tenant == tenant && (e.in_memory || e.persisted))
    }

    /// Ensures a session exists, returning its user turns (for RECALL).
    pub(crate) fn touch_session(&mut self, tenant: &str, sid: &str, now_ms: u64) -> Vec<String> {
        let key = (tenant.to_string(), sid.to_string());
        if !self.sessions.contains_key(&key) {
            self.session_order += 1;
            let at = crate::util::iso(now_ms);
            self.sessions.insert(
                key.clone(),
                Session {
                    agent_id: None,
                    created_at: at.clone(),
                    updated_at: at,
                    messages: Vec::new(),
                    order: self.session_order,
                },
            );
        }
        self.sessions
            .get(&key)
            .map(|s| {
                s.messages
                    .iter()
                    .filter(|m| m.role == "user")
                    .map(|m| match &m.content {
                        serde_json::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}
