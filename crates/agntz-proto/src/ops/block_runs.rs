//! Block runs: `POST /run/block` and `POST /run/block/stream`
//! (wire-extended §9.2).

use bytes::Bytes;
use http::{Method, Request, Response};

use super::{Operation, RunIds, StreamOperation};
use crate::body::WholeBody;
use crate::config::Config;
use crate::error::Error;
use crate::request::{self, JSON, SSE};
use crate::response::parse_json;
use crate::retry::CallKind;
use crate::stream::BlockFrames;
use crate::types::{block_body, BlockRunResult, BlockSelection, RunRequest};

/// `POST /run/block`: runs one block of the stored agent named by the
/// request's agent id, to completion. The request's input (and content) is
/// the block's own input: the step's `input:` mapping, `when`, `stateKey`,
/// siblings and the parent's `output:` are not applied.
#[derive(Debug, Clone)]
pub struct RunBlock {
    request: RunRequest,
    selection: BlockSelection,
}

impl RunBlock {
    /// The operation for `request` on the block `selection`.
    pub fn new(request: RunRequest, selection: BlockSelection) -> Self {
        RunBlock { request, selection }
    }
}

impl Operation for RunBlock {
    type Output = BlockRunResult;
    const KIND: CallKind = CallKind::StartsWork;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let body = block_body(&self.request, &self.selection, false)?;
        request::build(config, Method::POST, "/run/block", Some(body), JSON)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<BlockRunResult, Error> {
        parse_json(&response)
    }

    fn run_ids<'a>(&'a self, output: &'a BlockRunResult) -> RunIds<'a> {
        RunIds::new(
            Some(&output.result.run_id),
            output.result.session_id.as_deref(),
        )
    }
}

/// `POST /run/block/stream`: runs one block and streams its events, as
/// `/run/stream` does (closing the connection cancels the run).
#[derive(Debug, Clone)]
pub struct StreamBlock {
    request: RunRequest,
    selection: BlockSelection,
}

impl StreamBlock {
    /// The operation for `request` on the block `selection`.
    pub fn new(request: RunRequest, selection: BlockSelection) -> Self {
        StreamBlock { request, selection }
    }
}

impl StreamOperation for StreamBlock {
    type Frames = BlockFrames;
    const KIND: CallKind = CallKind::StartsWork;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let body = block_body(&self.request, &self.selection, true)?;
        request::build(config, Method::POST, "/run/block/stream", Some(body), SSE)
    }

    fn frames(&self) -> BlockFrames {
        BlockFrames::new()
    }
}
