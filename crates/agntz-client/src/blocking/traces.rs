use agntz_proto::ops::ListTraces;
use agntz_proto::types::{TraceDetail, TraceFilter, TracePage};

use super::macros::resource;
use super::{Pages, TraceStream};

resource! {
    /// Traces (recorded for `session`-retention runs; the trace id is the
    /// root run id). Get one with [`AgntzClient::traces`](super::AgntzClient::traces).
    Traces => traces;
    call fn get(trace_id: &str) -> TraceDetail;
    call fn list(filter: TraceFilter) -> TracePage;
    pages fn list_all(filter: TraceFilter) -> Pages<T, ListTraces>;
    call fn delete(trace_id: &str) -> ();
    stream fn stream(trace_id: &str) -> TraceStream<T>;
}
