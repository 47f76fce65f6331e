//! `runs().stream()` never ends silently: a reconnect that brings nothing
//! new (an empty body, or only events already delivered) is a failed
//! attempt, and after 5 in a row the stream ends with `STREAM_TRUNCATED`
//! after every event received.

use agntz_proto::{Client, Error, Transport, TransportErrorKind};

use crate::server::{End, Reply, Server};
use crate::{client, Make};

const RUN: &str = "run_resume";

/// The run has events 1..=5; event 5 is its `run-complete`.
const LAST: u64 = 5;

/// Frames of events `from..=to`.
fn events(from: u64, to: u64) -> String {
    (from..=to.min(LAST))
        .map(|seq| {
            if seq == LAST {
                format!("event: run-complete\ndata: {{\"runId\":\"{RUN}\",\"seq\":{seq}}}\n\n")
            } else {
                format!(
                    "event: text-delta\ndata: {{\"runId\":\"{RUN}\",\"text\":\"t{seq}\",\"seq\":{seq}}}\n\n"
                )
            }
        })
        .collect()
}

/// The `since` of a request path (0 without one).
fn since(path: &str) -> u64 {
    path.split_once("?since=")
        .map_or(0, |(_, s)| s.parse().expect("since is a number"))
}

/// The events delivered, then the error that ended the stream, if any.
async fn drain<T: Transport>(
    client: &Client<T>,
    own_since: Option<u64>,
) -> (Vec<u64>, Option<Error>) {
    let mut stream = match own_since {
        None => client.runs().stream(RUN).await,
        Some(s) => client.runs().stream_since(RUN, s).await,
    }
    .expect("open the stream");
    let mut seqs = Vec::new();
    let outcome = tokio::time::timeout(crate::server::BOUND, async {
        while let Some(item) = stream.next().await {
            match item {
                Ok(event) => seqs.push(event.seq().expect("seq")),
                Err(e) => return Some(e),
            }
        }
        None
    })
    .await
    .expect("the stream ends");
    if outcome.is_some() {
        assert!(stream.next().await.is_none(), "nothing after the error");
    }
    (seqs, outcome)
}

fn is_complete(seqs: &[u64]) -> bool {
    seqs == (1..=LAST).collect::<Vec<_>>()
}

pub async fn empty_resumed_body_is_a_failed_attempt<T: Transport>(make: Make<T>) {
    let server = Server::start(|n, path| match n {
        0 => Reply::sse(events(1, 3)),
        1 => Reply::sse(""),
        _ => Reply::sse(events(since(path) + 1, LAST)),
    })
    .await;
    let client = client(make, &server.base_url(), 0);
    let (seqs, err) = drain(&client, None).await;
    assert!(err.is_none(), "{err:?}");
    assert!(is_complete(&seqs), "{seqs:?}");
    let paths = server.paths();
    assert_eq!(
        paths,
        [
            format!("/runs/{RUN}/stream"),
            format!("/runs/{RUN}/stream?since=3"),
            format!("/runs/{RUN}/stream?since=3"),
        ]
    );
}

pub async fn duplicates_only_are_a_failed_attempt<T: Transport>(make: Make<T>) {
    // The server ignores `since`: it resends 1-3 and closes, then once
    // sends the whole run.
    let server = Server::start(|n, _| match n {
        0 | 1 => Reply::sse(events(1, 3)),
        _ => Reply::sse(events(1, LAST)),
    })
    .await;
    let client = client(make, &server.base_url(), 0);
    let (seqs, err) = drain(&client, None).await;
    assert!(err.is_none(), "{err:?}");
    assert!(is_complete(&seqs), "each event once, in order: {seqs:?}");
    assert_eq!(server.paths().len(), 3);
}

pub async fn new_events_after_duplicates_arrive_once<T: Transport>(make: Make<T>) {
    let server = Server::start(|n, _| match n {
        0 => Reply::sse(events(1, 3)),
        _ => Reply::sse(events(1, LAST)),
    })
    .await;
    let client = client(make, &server.base_url(), 0);
    let (seqs, err) = drain(&client, None).await;
    assert!(err.is_none(), "{err:?}");
    assert!(is_complete(&seqs), "each event once, in order: {seqs:?}");
    assert_eq!(server.paths().len(), 2);
}

/// After events 1-3, every reconnect gets `resend`: the stream gives up
/// after the 5 allowed reconnects with the last failure, `cut` saying
/// whether that is the transport's cut body or a clean early end.
async fn limit_reached<T: Transport>(make: Make<T>, resend: fn(&str) -> Reply, cut: bool) {
    let server = Server::start(move |n, path| match n {
        0 => Reply::sse(events(1, 3)),
        _ => resend(path),
    })
    .await;
    let client = client(make, &server.base_url(), 0);
    let (seqs, err) = drain(&client, None).await;
    assert_eq!(seqs, [1, 2, 3], "every event received, before the error");
    let err = err.expect("an error, not a silent end");
    if cut {
        assert!(
            matches!(&err, Error::Transport(t) if t.kind == TransportErrorKind::Body),
            "{err:?}"
        );
    } else {
        assert_eq!(err.code(), Some("STREAM_TRUNCATED"), "{err:?}");
        assert!(err.to_string().contains("5 reconnect(s)"), "{err}");
    }
    // The first connection, then the 5 allowed reconnects.
    let paths = server.paths();
    assert_eq!(paths.len(), 6, "{paths:?}");
    assert!(
        paths[1..].iter().all(|p| p.ends_with("?since=3")),
        "{paths:?}"
    );
}

pub async fn empty_bodies_up_to_the_limit_end_with_an_error<T: Transport>(make: Make<T>) {
    limit_reached(make, |_| Reply::sse(""), false).await;
}

pub async fn duplicates_up_to_the_limit_end_with_an_error<T: Transport>(make: Make<T>) {
    limit_reached(make, |_| Reply::sse(events(1, 3)), false).await;
}

pub async fn cut_resumed_body_then_nothing_ends_with_an_error<T: Transport>(make: Make<T>) {
    // Duplicates on a connection that is then cut (no last chunk): still
    // no progress, still counted.
    let cut = |_: &str| Reply {
        end: End::Cut,
        ..Reply::sse(events(1, 2))
    };
    limit_reached(make, cut, true).await;
}

pub async fn own_since_on_a_finished_run_ends_normally<T: Transport>(make: Make<T>) {
    let server = Server::start(|_, _| Reply::sse("")).await;
    let client = client(make, &server.base_url(), 0);
    let (seqs, err) = drain(&client, Some(LAST)).await;
    assert!(seqs.is_empty(), "{seqs:?}");
    assert!(
        err.is_none(),
        "an empty answer to the caller's since is a normal end: {err:?}"
    );
    assert_eq!(server.paths(), [format!("/runs/{RUN}/stream?since={LAST}")]);
}
