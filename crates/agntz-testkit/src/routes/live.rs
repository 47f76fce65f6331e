//! The body of a streamed run (`POST /run/stream`, `POST /run/block/stream`):
//! `run-start`, the live replies and client-tool requests, then one
//! terminal event; a client that goes away cancels the run.

use std::sync::Arc;

use http::Response;
use tokio::sync::broadcast::error::RecvError;

use crate::engine::{self, Outcome, Prepared};
use crate::faults::Fault;
use crate::respond::Body;
use crate::store::Store;
use crate::wire::RunResult;

/// Starts `prepared` and streams it: `start` is the `run-start` payload,
/// `complete` renders the `run-complete` payload.
pub(super) fn stream(
    store: Arc<Store>,
    prepared: Prepared,
    start: String,
    fault: Option<Fault>,
    complete: impl FnOnce(&RunResult) -> String + Send + 'static,
) -> Response<Body> {
    let root_id = prepared.root_id.clone();
    let (_, live) = prepared.log.subscribe(None);
    let (resp, sender) = crate::sse::response(fault);
    let mut outcome = engine::spawn(store.clone(), prepared);
    tokio::spawn(async move {
        let mut live = live;
        if !sender.send("run-start", &start, None, false).await {
            engine::cancel(&store, &root_id, "stream disconnected");
            return;
        }
        loop {
            tokio::select! {
                biased;
                ev = async {
                    match live.as_mut() {
                        Some(rx) => rx.recv().await,
                        None => std::future::pending().await,
                    }
                } => match ev {
                    // Only replies and client-tool requests are forwarded, with `id: <seq>`.
                    Ok(ev) if ev.name == "client-tool-request" || ev.name == "reply" => {
                        if !sender.send(ev.name, &ev.json, Some(ev.seq), false).await {
                            engine::cancel(&store, &root_id, "stream disconnected");
                            return;
                        }
                    }
                    Ok(_) | Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => live = None,
                },
                out = &mut outcome => {
                    let (name, data) = match out {
                        Ok(Outcome::Completed(result)) => ("run-complete", complete(&result)),
                        Ok(Outcome::Failed(msg)) => ("run-error", error_json(&msg)),
                        Ok(Outcome::Cancelled) | Err(_) => ("run-error", error_json("Run cancelled")),
                    };
                    let _ = sender.send(name, &data, None, true).await;
                    return;
                }
                _ = sender.closed() => {
                    engine::cancel(&store, &root_id, "request aborted");
                    return;
                }
            }
        }
    });
    resp
}

/// A worker error body, `{"error": msg}`.
pub(super) fn error_json(msg: &str) -> String {
    serde_json::to_string(&crate::wire::ErrorBody { error: msg }).unwrap_or_default()
}
