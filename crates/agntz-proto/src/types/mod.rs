//! Wire types: requests, results and records of the worker API.
//!
//! Responses are decoded leniently: unknown fields are ignored, keys the
//! worker omits get defaults, and enums of server vocabulary have an
//! `Unknown` catch-all so a newer server never breaks decoding.

mod agent;
mod agent_builder;
mod artifact;
mod batch;
mod block;
mod client_tool;
mod content;
pub(crate) mod dataset;
mod dataset_source;
mod eval;
mod health;
mod list_query;
pub(crate) mod memory;
mod retention;
mod run;
mod run_request;
mod run_result;
pub(crate) mod serde_util;
mod session;
mod trace;
pub(crate) mod unknown_fields;
mod validation;
mod version;
mod webhook_secret;

pub use agent::{
    AgentDetail, AgentImport, AgentImportAction, AgentImportResult, AgentImportRow, AgentManifest,
    AgentMetadata, AgentModel, AgentOnConflict, AgentSummary, ManifestWarning,
};
pub(crate) use agent_builder::check_agent_ref;
pub use agent_builder::{
    AgentDraft, BuildAgentRequest, BuildPlan, EditAgentRequest, SystemAgent, MAX_DESCRIPTION_UNITS,
    MAX_DRAFT_MANIFEST_UNITS, MAX_EDIT_MANIFEST_UNITS,
};
pub use artifact::{ArtifactContent, ArtifactPurpose, ArtifactRef, ArtifactStatus, ArtifactUpload};
pub use batch::{
    BatchAlias, BatchAliasRemoved, BatchComparison, BatchComparisonRow, BatchDefinition,
    BatchInputItem, BatchItemPage, BatchItemStatus, BatchItemsQuery, BatchRun, BatchRunCounts,
    BatchRunFilter, BatchRunItem, BatchRunPage, BatchRunRequest, BatchRunSnapshot, BatchRunStatus,
    BatchSummary, BatchVersionSummary,
};
pub(crate) use block::block_body;
pub use block::{BlockRunResult, BlockSelection, BlockStart, PathSegment};
pub use client_tool::ClientToolRequest;
pub use content::{AudioBlock, ContentBlock, ImageBlock, ImageDetail, MediaSource};
pub use dataset::{
    Dataset, DatasetDraft, DatasetFormat, DatasetImport, DatasetImportInput, DatasetImportStart,
    DatasetImportStatus, DatasetItem, DatasetItemsPage, DatasetItemsQuery, DatasetSource,
};
pub use eval::{
    DatasetRef, EvalCaseResult, EvalCaseStatus, EvalCriterion, EvalCriterionResult,
    EvalCriterionSummary, EvalDefinition, EvalLatestScore, EvalOutcome, EvalRun, EvalRunFilter,
    EvalRunPage, EvalRunRequest, EvalRunSnapshots, EvalRunStatus, EvalRunSummary, JudgeConfig,
    LatestScoreFilter, LatestScoreQuery, ModelConfig, ScoreGate,
};
pub use health::Health;
pub use memory::{
    CurateReport, CuratedScope, MemoryCurateResult, MemoryEntry, MemoryEntryDeleted,
    MemoryEntryStatus, MemoryEntryType, MemoryImport, MemoryImportAction, MemoryImportResult,
    MemoryImportRow, MemoryPage, MemoryQuery, MemoryScan, MemorySource, MemoryTopic, ScopeDeleted,
};
pub use retention::{Retention, RetentionMode};
pub use run::{InvokeResult, InvokeUsage, Run, RunFilter, RunPage, RunStatus, ToolCallRecord};
pub use run_request::RunRequest;
pub use run_result::{Reply, RunResult, Usage};
pub(crate) use serde_util::json_body;
pub use session::{
    ImportAction, ImportResult, ImportRow, Message, MessageContent, OnConflict, Role,
    SessionDetail, SessionImport, SessionList, SessionSnapshot, SessionSummary,
};
pub use trace::{
    Span, SpanEvent, SpanKind, SpanStatus, TraceDetail, TraceFilter, TracePage, TraceSummary,
};
pub use unknown_fields::ExtraFields;
pub use validation::{
    ValidationIssue, ValidationLevel, ValidationReport, ValidationRequest, ValidationWarning,
};
pub use version::{AliasRemoved, VersionAlias, VersionSummary};
pub use webhook_secret::{IssuedWebhookSecret, NewWebhookSecret, SecretValue, WebhookSecret};
