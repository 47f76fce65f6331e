use super::{Client, Pages, TraceStream};
use crate::error::Error;
use crate::ops::{DeleteTrace, GetTrace, ListTraces, StreamOperation, StreamTrace};
use crate::trace::Trace;
use crate::transport::Transport;
use crate::types::{TraceDetail, TraceFilter, TracePage};

/// Traces (recorded for `session`-retention runs; the trace id is the root
/// run id). Get one with [`Client::traces`].
#[derive(Debug)]
pub struct Traces<'a, T> {
    client: &'a Client<T>,
}

impl<'a, T: Transport> Traces<'a, T> {
    pub(crate) fn new(client: &'a Client<T>) -> Self {
        Traces { client }
    }

    /// `GET /traces/{id}`: the summary and every span. A trace is written
    /// when it finishes, so a running trace is `NotFound`; use
    /// [`stream`](Self::stream) for live data.
    pub async fn get(&self, trace_id: &str) -> Result<TraceDetail, Error> {
        self.client.execute(&GetTrace::new(trace_id)).await
    }

    /// `GET /traces`: one page, newest first.
    pub async fn list(&self, filter: TraceFilter) -> Result<TracePage, Error> {
        self.client.execute(&ListTraces::new(filter)).await
    }

    /// Every trace matching `filter`, across pages, fetched lazily.
    pub fn list_all(&self, filter: TraceFilter) -> Pages<T, ListTraces> {
        Pages::new(self.client.clone(), ListTraces::new(filter))
    }

    /// `DELETE /traces/{id}`.
    pub async fn delete(&self, trace_id: &str) -> Result<(), Error> {
        self.client.execute(&DeleteTrace::new(trace_id)).await
    }

    /// `GET /traces/{id}/stream`: live span events or one snapshot.
    pub async fn stream(&self, trace_id: &str) -> Result<TraceStream<T>, Error> {
        let op = StreamTrace::new(trace_id);
        let trace = Trace::stream::<StreamTrace>();
        let body = self
            .client
            .open_traced(&op, &trace)
            .await
            .inspect_err(|e| trace.failed(e))?;
        Ok(TraceStream::new(
            body,
            op.frames(),
            self.client.config.clone(),
            trace,
        ))
    }
}
