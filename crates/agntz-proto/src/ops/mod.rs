//! One small type per API call. Each builds its `http::Request<Bytes>` and
//! parses the `http::Response<WholeBody>` into its output or a typed error. Pure
//! functions: drive them with any HTTP stack, sync or async.
//!
//! ```
//! use agntz_proto::{config::Config, ops::{Operation, GetRun}};
//!
//! let config = Config::builder()
//!     .base_url("https://api.agntz.co")
//!     .api_key("ar_live_example")
//!     .build()?;
//! let request = GetRun::new("run/has slash").build(&config)?;
//! assert_eq!(request.uri(), "https://api.agntz.co/runs/run%2Fhas%20slash");
//! # Ok::<(), agntz_proto::Error>(())
//! ```

mod agents;
mod artifacts;
mod batches;
mod block_runs;
mod catalog;
mod client_tools;
mod datasets;
mod evals;
mod health;
mod manifest_tools;
mod memory;
mod runs;
mod sessions;
mod traces;
mod versions;
mod webhook_secrets;

pub use agents::{RunAgent, StartRun, StreamAgent};
pub use artifacts::{DeleteArtifact, DownloadArtifact, GetArtifact, UploadArtifact, UploadLocal};
pub use batches::{
    CancelBatchRun, CompareBatchRuns, CreateBatch, DeleteBatch, DeleteBatchRun, GetBatch,
    GetBatchResults, GetBatchRun, ListBatchItems, ListBatchRuns, ListBatches, StartBatchRun,
    UpdateBatch,
};
pub use block_runs::{RunBlock, StreamBlock};
pub use catalog::{GetAgent, ImportAgents, ListAgents};
pub use client_tools::{SubmitToolResult, ToolOutcome, ToolSubmission, MAX_TOOL_OUTPUT_CHARS};
pub use datasets::{
    AbortDatasetImport, AppendDatasetImportItems, CompleteDatasetImport, CreateDataset,
    DeleteDataset, GetDataset, GetDatasetImport, ListDatasetItems, ListDatasets,
    StartDatasetImport, UpdateDataset, MAX_IMPORT_CHUNK,
};
pub use evals::{
    CancelEvalRun, CreateEval, DeleteEval, GetEval, GetEvalRun, GetLatestScore, ListEvalRuns,
    ListEvals, ListLatestScores, StartEvalRun, UpdateEval,
};
pub use health::GetHealth;
pub use manifest_tools::{BuildAgent, EditAgent, ValidateManifest};
pub use memory::{
    CorrectMemoryEntry, CurateMemory, DeleteMemoryEntry, DeleteScope, ImportMemory, ListMemory,
    ScanMemory,
};
pub use runs::{CancelRun, GetRun, ListRuns, StreamRun};
pub use sessions::{DeleteSession, GetSession, ImportSessions, ListSessions};
pub use traces::{DeleteTrace, GetTrace, ListTraces, StreamTrace};
pub use versions::{
    ActivateBatchVersion, ActivateDatasetVersion, ActivateEvalVersion, ActivateVersion,
    BatchResource, DatasetResource, EvalResource, GetBatchVersion, GetDatasetVersion,
    GetEvalVersion, GetVersion, ListBatchVersions, ListDatasetVersions, ListEvalVersions,
    ListVersions, RemoveAlias, RemoveBatchAlias, RemoveDatasetAlias, RemoveEvalAlias, SetAlias,
    SetBatchAlias, SetDatasetAlias, SetEvalAlias, Versioned,
};
pub use webhook_secrets::{
    CreateWebhookSecret, DeleteWebhookSecret, ListWebhookSecrets, RegenerateWebhookSecret,
};

use bytes::Bytes;
use http::{Request, Response};

use crate::body::WholeBody;
use crate::config::Config;
use crate::error::Error;
use crate::retry::CallKind;
use crate::stream::Frames;

/// A request/response API call.
pub trait Operation {
    /// What a successful call returns.
    type Output;
    /// Whether repeating the call is safe (drives the retry policy).
    const KIND: CallKind;

    /// Builds the request.
    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error>;

    /// Parses the whole response (any status) into the output or an error.
    ///
    /// The body is a [`WholeBody`]: `Bytes` converts into it for free
    /// (`response.map(Into::into)`), and a body collected as chunks (what
    /// [`read_body`](crate::transport::read_body) returns) is decoded
    /// across them, never joined into a second copy.
    fn parse(&self, response: Response<WholeBody>) -> Result<Self::Output, Error>;

    /// The run and session a successful call concerns, where its output
    /// names them (a run result, a durable run record). For diagnostics:
    /// the `tracing` feature records them on the call's span. The default
    /// names none.
    fn run_ids<'a>(&'a self, output: &'a Self::Output) -> RunIds<'a> {
        let _ = output;
        RunIds::default()
    }
}

/// The run and session a call concerns (see [`Operation::run_ids`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RunIds<'a> {
    /// The run id, if known.
    pub run_id: Option<&'a str>,
    /// The session id, if known.
    pub session_id: Option<&'a str>,
}

impl<'a> RunIds<'a> {
    /// Ids from their parts.
    pub fn new(run_id: Option<&'a str>, session_id: Option<&'a str>) -> Self {
        RunIds { run_id, session_id }
    }
}

/// An API call answered with a server-sent-events stream.
pub trait StreamOperation {
    /// How this stream's frames decode and when it ends.
    type Frames: Frames;
    /// Whether repeating the call is safe.
    const KIND: CallKind;

    /// Builds the request (with `Accept: text/event-stream`).
    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error>;

    /// A fresh frame interpreter for one response of this call.
    fn frames(&self) -> Self::Frames;
}

/// A list operation answered one page at a time, with a cursor for the next.
pub trait Paginated: Operation + Sized {
    /// One row of a page.
    type Row;

    /// The same listing from `cursor` on.
    fn with_cursor(&self, cursor: String) -> Self;

    /// A page's rows and the next page's cursor (`None` on the last page).
    fn into_parts(page: Self::Output) -> (Vec<Self::Row>, Option<String>);
}

/// Rejects ids that cannot be one path segment: empty, `.` and `..` (URL
/// parsers resolve those, even percent-encoded, as relative references, so
/// they would reach another route).
pub(crate) fn require_id<'a>(what: &str, id: &'a str) -> Result<&'a str, Error> {
    match id {
        "" => Err(Error::invalid(format!("{what} must not be empty"))),
        "." | ".." => Err(Error::invalid(format!("{what} must not be {id:?}"))),
        _ => Ok(id),
    }
}

/// A `GET` of `path` with the query `pairs` (a list's filters).
pub(crate) fn get_with_query(
    config: &Config,
    path: &str,
    pairs: &[(&'static str, String)],
) -> Result<Request<Bytes>, Error> {
    let mut path = path.to_owned();
    crate::encode::append_query(&mut path, pairs.iter().map(|(k, v)| (*k, v.as_str())));
    crate::request::build(config, http::Method::GET, &path, None, crate::request::JSON)
}

/// Status check for calls answered with an empty `204 No Content`.
pub(crate) fn expect_no_content(response: &Response<WholeBody>) -> Result<(), Error> {
    crate::response::ensure_success(response)
}

/// The configuration the request-building unit tests use.
#[cfg(test)]
pub(crate) fn test_config() -> Config {
    Config::builder()
        .base_url("https://api.agntz.co")
        .api_key("ar_live_x")
        .build()
        .unwrap()
}
