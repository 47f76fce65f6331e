//! `runs().stream()` against a scripted server: whatever the cut points and
//! whatever the server does with `since` (honours it, ignores it and starts
//! over, answers an empty body, answers 503), the stream yields every event
//! exactly once and in order, then either the terminal event or an error,
//! never a silent end; and it gives up only after the allowed number of
//! reconnects in a row without a new event.
//!
//! The transport is in memory (no sockets), so many cases run quickly; the
//! same sequences over real HTTP on both transports are in the conformance
//! suite (`resume.rs`).

use std::collections::VecDeque;
use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::Mutex;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use agntz_proto::events::RunEvent;
use agntz_proto::retry::RetryPolicy;
use agntz_proto::transport::Transport;
use agntz_proto::{Client, Config, Error, StreamErrorCode, TransportError, TransportErrorKind};
use bytes::Bytes;
use futures_core::Stream;
use http::{Request, Response};
use proptest::prelude::*;

const RUN: &str = "run_r";

/// How a connection ends once the events it sends are out.
#[derive(Debug, Clone, Copy)]
enum End {
    /// The body ends cleanly (no terminal event unless it was sent).
    Clean,
    /// Half of the next frame, then a clean end (a cut inside a frame).
    MidFrame,
    /// The body fails (a reset).
    Reset,
}

/// What the server answers to one `GET /runs/{id}/stream[?since=N]`.
#[derive(Debug, Clone, Copy)]
enum Answer {
    /// Events with `seq > since`, at most `take` of them, then `end`.
    Honour { take: usize, end: End },
    /// Events from seq 1 (ignoring `since`), at most `take`, then `end`.
    Ignore { take: usize, end: End },
    /// `200 text/event-stream` with an empty body.
    Empty,
    /// `503` (retried by the open, as reads are).
    Unavailable,
}

/// The wire frame of event `seq` of a run of `n` events (the last one is
/// the run's terminal event; a child's run-complete in the middle is not).
fn frame(seq: u64, n: u64, terminal: u8) -> String {
    let (name, data) = if seq == n {
        match terminal % 3 {
            0 => (
                "run-complete",
                format!(r#"{{"runId":"{RUN}","seq":{seq}}}"#),
            ),
            1 => (
                "run-error",
                format!(r#"{{"runId":"{RUN}","error":"boom","seq":{seq}}}"#),
            ),
            _ => (
                "run-cancelled",
                format!(r#"{{"runId":"{RUN}","seq":{seq}}}"#),
            ),
        }
    } else {
        match seq % 4 {
            0 => (
                "run-complete",
                format!(r#"{{"runId":"child_{seq}","seq":{seq}}}"#),
            ),
            1 => (
                "run-spawn",
                format!(r#"{{"runId":"child_{seq}","agentId":"a","seq":{seq}}}"#),
            ),
            2 => (
                "step-complete",
                format!(r#"{{"runId":"{RUN}","step":1,"seq":{seq}}}"#),
            ),
            _ => (
                "text-delta",
                format!(r#"{{"runId":"{RUN}","text":"t{seq}","seq":{seq}}}"#),
            ),
        }
    };
    format!("event: {name}\ndata: {data}\nid: {seq}\n\n")
}

/// A body: its chunks, then its end (`Some(error)` for a reset).
struct ScriptBody(VecDeque<Result<Bytes, Error>>);

impl Stream for ScriptBody {
    type Item = Result<Bytes, Error>;

    fn poll_next(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Poll::Ready(self.0.pop_front())
    }
}

/// What one connection sent: the seqs of its whole frames, or a 503.
#[derive(Debug, Default, Clone)]
struct Sent {
    seqs: Vec<u64>,
    unavailable: bool,
}

/// The scripted server. Connection `i` gets `answers[i]`; past the end of
/// the script the last answer repeats forever.
struct Scripted {
    n: u64,
    terminal: u8,
    chunk: usize,
    answers: Vec<Answer>,
    log: Mutex<Vec<Sent>>,
}

impl Scripted {
    fn respond(&self, request: &Request<Bytes>) -> Response<ScriptBody> {
        let since: u64 = request
            .uri()
            .query()
            .and_then(|q| q.strip_prefix("since="))
            .map_or(0, |s| s.parse().expect("since is a number"));
        let mut log = self.log.lock().unwrap();
        let answer = *self
            .answers
            .get(log.len())
            .or(self.answers.last())
            .expect("a script");
        let (first, take, end) = match answer {
            Answer::Unavailable => {
                log.push(Sent {
                    seqs: Vec::new(),
                    unavailable: true,
                });
                let body = r#"{"error":"busy"}"#;
                return Response::builder()
                    .status(503)
                    .header("content-type", "application/json")
                    .body(ScriptBody(VecDeque::from([Ok(Bytes::from(body))])))
                    .unwrap();
            }
            Answer::Empty => (self.n + 1, 0, End::Clean),
            Answer::Honour { take, end } => (since + 1, take, end),
            Answer::Ignore { take, end } => (1, take, end),
        };
        let mut wire = String::new();
        let mut sent = Sent::default();
        let mut seq = first;
        while seq <= self.n && sent.seqs.len() < take {
            wire.push_str(&frame(seq, self.n, self.terminal));
            sent.seqs.push(seq);
            seq += 1;
        }
        if let (End::MidFrame, true) = (end, seq <= self.n) {
            let next = frame(seq, self.n, self.terminal);
            wire.push_str(&next[..next.len() / 2]);
        }
        log.push(sent);
        let bytes = Bytes::from(wire);
        let mut chunks: VecDeque<Result<Bytes, Error>> = bytes
            .chunks(self.chunk)
            .map(|c| Ok(bytes.slice_ref(c)))
            .collect();
        if let End::Reset = end {
            chunks.push_back(Err(Error::Transport(TransportError::new(
                TransportErrorKind::Body,
                "connection reset",
            ))));
        }
        Response::builder()
            .status(200)
            .header("content-type", "text/event-stream")
            .body(ScriptBody(chunks))
            .unwrap()
    }
}

impl Transport for Scripted {
    type Body = ScriptBody;

    fn send(
        &self,
        request: Request<Bytes>,
    ) -> impl Future<Output = Result<Response<ScriptBody>, Error>> + Send {
        std::future::ready(Ok(self.respond(&request)))
    }

    fn sleep(&self, _duration: Duration) -> impl Future<Output = ()> + Send {
        std::future::ready(())
    }

    fn jitter(&self) -> f64 {
        0.5
    }
}

/// Drives a future that never waits on anything outside itself.
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

fn client(server: Scripted, reconnects: u32) -> Client<Scripted> {
    let config = Config::builder()
        .base_url("http://127.0.0.1:9")
        .api_key("k")
        .retry_policy(RetryPolicy::default().with_max_stream_reconnects(reconnects))
        .build()
        .unwrap();
    Client::new(config, server)
}

/// What the stream delivered: its events, then the error that ended it.
struct Outcome {
    events: Vec<RunEvent>,
    error: Option<Error>,
}

/// Reads the whole stream (bounded: a stream that does not end fails).
fn drain(client: &Client<Scripted>, since: Option<u64>) -> Outcome {
    block_on(async {
        let opened = match since {
            None => client.runs().stream(RUN).await,
            Some(s) => client.runs().stream_since(RUN, s).await,
        };
        let mut stream = match opened {
            Ok(stream) => stream,
            Err(e) => {
                return Outcome {
                    events: Vec::new(),
                    error: Some(e),
                }
            }
        };
        let mut events = Vec::new();
        for _ in 0..10_000 {
            match stream.next().await {
                Some(Ok(event)) => events.push(event),
                Some(Err(e)) => {
                    assert!(stream.next().await.is_none(), "nothing after an error");
                    return Outcome {
                        events,
                        error: Some(e),
                    };
                }
                None => {
                    return Outcome {
                        events,
                        error: None,
                    }
                }
            }
        }
        panic!("the stream did not end");
    })
}

fn seqs(events: &[RunEvent]) -> Vec<u64> {
    events.iter().map(|e| e.seq().expect("seq")).collect()
}

fn end() -> impl Strategy<Value = End> {
    prop_oneof![Just(End::Clean), Just(End::MidFrame), Just(End::Reset)]
}

fn answer() -> impl Strategy<Value = Answer> {
    prop_oneof![
        4 => (0usize..6, end()).prop_map(|(take, end)| Answer::Honour { take, end }),
        3 => (0usize..12, end()).prop_map(|(take, end)| Answer::Ignore { take, end }),
        2 => Just(Answer::Empty),
        1 => Just(Answer::Unavailable),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn every_event_once_in_order_then_the_end_or_an_error(
        n in 1u64..10,
        terminal in any::<u8>(),
        chunk in 1usize..80,
        answers in proptest::collection::vec(answer(), 1..14),
        reconnects in 0u32..6,
    ) {
        let server = Scripted { n, terminal, chunk, answers, log: Mutex::default() };
        let client = client(server, reconnects);
        let Outcome { events, error } = drain(&client, None);

        // Every event exactly once, in order, from the first.
        let got = seqs(&events);
        let want: Vec<u64> = (1..=got.len() as u64).collect();
        prop_assert_eq!(&got, &want, "each event once, in order");

        let complete = events.last().is_some_and(|e| e.is_terminal_for(RUN));
        match &error {
            None => prop_assert!(complete, "ended silently after {:?}", got),
            Some(e) => {
                prop_assert!(!complete, "an error after the terminal event: {e}");
                // A cut is given up on only once the allowed reconnects
                // in a row brought nothing new.
                let resumable = matches!(e, Error::Transport(_))
                    || matches!(e, Error::Stream(s) if s.code == StreamErrorCode::Truncated);
                if resumable {
                    let log = client.transport().log.lock().unwrap();
                    let delivered = got.last().copied().unwrap_or(0);
                    // The connection that first sent the last event
                    // delivered; every stream opened after it (a 503
                    // retried inside one open is not a new stream) brought
                    // nothing new.
                    let last_progress = log
                        .iter()
                        .position(|c| c.seqs.contains(&delivered))
                        .map_or(0, |i| i + 1);
                    let empty_connects =
                        log[last_progress..].iter().filter(|c| !c.unavailable).count();
                    let first_connect = usize::from(delivered == 0);
                    prop_assert_eq!(
                        empty_connects,
                        reconnects as usize + first_connect,
                        "gave up after the allowed reconnects without progress ({:?})",
                        &*log
                    );
                }
            }
        }
    }
}

/// The caller's own `stream_since` on a finished run: an empty body is a
/// normal end; a server that ignores `since` and resends the run up to its
/// terminal event is a normal end too, with nothing yielded twice.
#[test]
fn own_since_on_a_finished_run_ends_normally() {
    for answer in [
        Answer::Empty,
        Answer::Ignore {
            take: 100,
            end: End::Clean,
        },
    ] {
        let server = Scripted {
            n: 4,
            terminal: 0,
            chunk: 7,
            answers: vec![answer],
            log: Mutex::default(),
        };
        let client = client(server, 5);
        let out = drain(&client, Some(4));
        assert!(out.events.is_empty(), "{answer:?}: {:?}", out.events);
        assert!(out.error.is_none(), "{answer:?}: {:?}", out.error);
        assert_eq!(
            client.transport().log.lock().unwrap().len(),
            1,
            "{answer:?}"
        );
    }
}

/// The caller's `stream_since` on a run that is not finished: events after
/// `since` arrive once, the resend of older ones is skipped, and a cut
/// resumes as usual.
#[test]
fn own_since_skips_older_events_and_resumes() {
    let server = Scripted {
        n: 6,
        terminal: 1,
        chunk: 5,
        answers: vec![
            Answer::Ignore {
                take: 4,
                end: End::Clean,
            },
            Answer::Honour {
                take: 100,
                end: End::Clean,
            },
        ],
        log: Mutex::default(),
    };
    let client = client(server, 5);
    let out = drain(&client, Some(2));
    assert_eq!(seqs(&out.events), vec![3, 4, 5, 6]);
    assert!(out.error.is_none());
}

/// The four sequences of the issue, each pinned (the conformance suite
/// runs them over both real transports).
#[test]
fn pinned_sequences() {
    let cut = Answer::Honour {
        take: 3,
        end: End::Clean,
    };
    let rest = Answer::Honour {
        take: 100,
        end: End::Clean,
    };
    let dups = Answer::Ignore {
        take: 3,
        end: End::Clean,
    };
    let cases: Vec<(&str, Vec<Answer>, Vec<u64>, bool)> = vec![
        (
            "empty resumed body",
            vec![cut, Answer::Empty, rest],
            vec![1, 2, 3, 4, 5],
            true,
        ),
        (
            "duplicates only",
            vec![cut, dups, dups, rest],
            vec![1, 2, 3, 4, 5],
            true,
        ),
        (
            "new events after duplicates",
            vec![
                cut,
                Answer::Ignore {
                    take: 100,
                    end: End::Clean,
                },
            ],
            vec![1, 2, 3, 4, 5],
            true,
        ),
        (
            "limit reached, empty",
            vec![cut, Answer::Empty],
            vec![1, 2, 3],
            false,
        ),
        (
            "limit reached, duplicates",
            vec![cut, dups],
            vec![1, 2, 3],
            false,
        ),
    ];
    for (name, answers, want, complete) in cases {
        let server = Scripted {
            n: 5,
            terminal: 0,
            chunk: 1000,
            answers,
            log: Mutex::default(),
        };
        let client = client(server, 5);
        let out = drain(&client, None);
        assert_eq!(seqs(&out.events), want, "{name}");
        if complete {
            assert!(out.error.is_none(), "{name}: {:?}", out.error);
        } else {
            let err = out
                .error
                .unwrap_or_else(|| panic!("{name}: ended silently"));
            assert_eq!(err.code(), Some("STREAM_TRUNCATED"), "{name}: {err}");
            assert!(err.to_string().contains("5 reconnect(s)"), "{name}: {err}");
            // The first connection and five reconnects.
            assert_eq!(client.transport().log.lock().unwrap().len(), 6, "{name}");
        }
    }
}
