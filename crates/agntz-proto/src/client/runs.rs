use super::{Client, Pages, RunStream};
use crate::error::Error;
use crate::ops::{CancelRun, GetRun, ListRuns, StartRun, StreamRun};
use crate::trace::Trace;
use crate::transport::Transport;
use crate::types::{Run, RunFilter, RunPage, RunRequest};

/// Durable runs. Get one with [`Client::runs`].
#[derive(Debug)]
pub struct Runs<'a, T> {
    client: &'a Client<T>,
}

impl<'a, T: Transport> Runs<'a, T> {
    pub(crate) fn new(client: &'a Client<T>) -> Self {
        Runs { client }
    }

    /// `POST /runs`: starts a durable run (it continues without this
    /// connection). An unknown agent still gives a run, which then fails.
    /// File and bytes content blocks are uploaded first.
    pub async fn start(&self, request: RunRequest) -> Result<Run, Error> {
        let request = self.client.upload_run_content(request).await?;
        self.client.execute(&StartRun::new(request)).await
    }

    /// `GET /runs/{id}`.
    pub async fn get(&self, run_id: &str) -> Result<Run, Error> {
        self.client.execute(&GetRun::new(run_id)).await
    }

    /// `POST /runs/{id}/cancel`: returns the run as it is now (usually still
    /// `running`); the status becomes `cancelled` shortly after.
    pub async fn cancel(&self, run_id: &str) -> Result<Run, Error> {
        self.client.execute(&CancelRun::new(run_id)).await
    }

    /// `GET /runs`: one page, newest first. Pass `page.next_cursor` back
    /// with [`RunFilter::cursor`] for the next page, or use
    /// [`list_all`](Self::list_all).
    pub async fn list(&self, filter: RunFilter) -> Result<RunPage, Error> {
        self.client.execute(&ListRuns::new(filter)).await
    }

    /// Every run matching `filter`, across pages, fetched lazily.
    pub fn list_all(&self, filter: RunFilter) -> Pages<T, ListRuns> {
        Pages::new(self.client.clone(), ListRuns::new(filter))
    }

    /// `GET /runs/{id}/stream`: every event of the run tree from the start
    /// (the worker replays up to its last 1,000 events), then live events.
    pub async fn stream(&self, run_id: &str) -> Result<RunStream<T>, Error> {
        self.open(StreamRun::new(run_id)).await
    }

    /// `GET /runs/{id}/stream?since=N`: only events with `seq > since`.
    pub async fn stream_since(&self, run_id: &str, since: u64) -> Result<RunStream<T>, Error> {
        self.open(StreamRun::new(run_id).since(since)).await
    }

    async fn open(&self, op: StreamRun) -> Result<RunStream<T>, Error> {
        let trace = Trace::stream::<StreamRun>();
        let body = self
            .client
            .open_traced(&op, &trace)
            .await
            .inspect_err(|e| trace.failed(e))?;
        Ok(RunStream::new(self.client.clone(), &op, body, trace))
    }
}
