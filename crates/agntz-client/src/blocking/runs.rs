use agntz_proto::ops::ListRuns;
use agntz_proto::types::{Run, RunFilter, RunPage, RunRequest};

use super::macros::resource;
use super::{Pages, RunStream};

resource! {
    /// Durable runs. Get one with [`AgntzClient::runs`](super::AgntzClient::runs).
    Runs => runs;
    call fn start(request: RunRequest) -> Run;
    call fn get(run_id: &str) -> Run;
    call fn cancel(run_id: &str) -> Run;
    call fn list(filter: RunFilter) -> RunPage;
    pages fn list_all(filter: RunFilter) -> Pages<T, ListRuns>;
    stream fn stream(run_id: &str) -> RunStream<T>;
    stream fn stream_since(run_id: &str, since: u64) -> RunStream<T>;
}
