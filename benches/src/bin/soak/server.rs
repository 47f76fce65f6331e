//! The misbehaving run-stream server of the soak, run in a child process so
//! that its memory and CPU are not the client's.
//!
//! `GET /runs/{id}/stream[?since=N]` serves run `id` (its events are a pure
//! function of the id), and each answer, drawn from an RNG seeded with the
//! soak's seed, the run id and the attempt number, is one of: the rest of
//! the run; a cut (FIN without the last chunk, possibly inside a frame); an
//! early clean end; a stall past the client's idle timeout; a resend from
//! before `since` (duplicates); an empty body; a `503`. Bodies go out in
//! pieces of random size with random pauses. One run in a hundred is stuck:
//! no answer after its first gets past the first cut.
//!
//! `GET /sent/{id}` answers the highest seq whose whole frame went out for
//! that run (once its connections are closed) and forgets the run, so the
//! client can check what it delivered against it without keeping records.
//! When stdin closes the server prints its counters and exits.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::{events_of, frame, hash_str, is_stuck, mix, STALL};

/// What one answer does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    Rest,
    Cut,
    EarlyEnd,
    Stall,
    Duplicates,
    Empty,
    Unavailable,
}

const ANSWERS: [(Answer, &str); 7] = [
    (Answer::Rest, "rest"),
    (Answer::Cut, "cut"),
    (Answer::EarlyEnd, "early_end"),
    (Answer::Stall, "stall"),
    (Answer::Duplicates, "duplicates"),
    (Answer::Empty, "empty"),
    (Answer::Unavailable, "503"),
];

fn draw(rng: &mut fastrand::Rng) -> Answer {
    match rng.u32(0..100) {
        0..50 => Answer::Rest,
        50..64 => Answer::Cut,
        64..72 => Answer::EarlyEnd,
        72..78 => Answer::Stall,
        78..90 => Answer::Duplicates,
        90..94 => Answer::Empty,
        _ => Answer::Unavailable,
    }
}

#[derive(Default)]
struct RunState {
    attempts: u64,
    sent_max: u64,
    active: u32,
}

#[derive(Default)]
struct Shared {
    seed: u64,
    runs: Mutex<HashMap<String, RunState>>,
    answers: [AtomicU64; 7],
    frames: AtomicU64,
    resent: AtomicU64,
    stuck: AtomicU64,
}

/// Runs the server until stdin closes.
pub fn serve(seed: u64) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("server runtime");
    let shared = Arc::new(Shared {
        seed,
        ..Shared::default()
    });
    let done = Arc::clone(&shared);
    std::thread::spawn(move || {
        // The parent holds our stdin; EOF means it is done (or died).
        let _ = std::io::stdin().read_to_end(&mut Vec::new());
        let mut out = std::io::stdout().lock();
        for (i, (_, name)) in ANSWERS.iter().enumerate() {
            let _ = writeln!(out, "STAT answer_{name} {}", done.answers[i].load(Relaxed));
        }
        let _ = writeln!(out, "STAT frames {}", done.frames.load(Relaxed));
        let _ = writeln!(out, "STAT resent {}", done.resent.load(Relaxed));
        let _ = writeln!(out, "STAT stuck_runs {}", done.stuck.load(Relaxed));
        let left = done.runs.lock().map(|r| r.len()).unwrap_or(0);
        let _ = writeln!(out, "STAT unqueried_runs {left}");
        let _ = writeln!(out, "END");
        let _ = out.flush();
        std::process::exit(0);
    });
    rt.block_on(async move {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        println!("PORT {port}");
        std::io::stdout().flush().expect("stdout");
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                continue;
            };
            let _ = tcp.set_nodelay(true);
            let shared = Arc::clone(&shared);
            tokio::spawn(async move {
                let _ = connection(tcp, &shared).await;
            });
        }
    });
}

/// Decrements a run's open connections when its answer is over.
struct Active<'a> {
    shared: &'a Shared,
    id: String,
}

impl Drop for Active<'_> {
    fn drop(&mut self) {
        if let Some(run) = self.shared.runs.lock().unwrap().get_mut(&self.id) {
            run.active -= 1;
        }
    }
}

async fn connection(mut tcp: TcpStream, shared: &Shared) -> std::io::Result<()> {
    let path = read_path(&mut tcp).await?;
    if let Some(id) = path.strip_prefix("/sent/") {
        return sent(tcp, shared, id).await;
    }
    let Some((id, since)) = stream_path(&path) else {
        return respond(&mut tcp, "404 Not Found", "text/plain", "no").await;
    };
    let attempt = {
        let mut runs = shared.runs.lock().unwrap();
        let run = runs.entry(id.clone()).or_default();
        run.attempts += 1;
        run.active += 1;
        run.attempts
    };
    let _active = Active {
        shared,
        id: id.clone(),
    };
    let mut rng = fastrand::Rng::with_seed(mix(&[shared.seed, hash_str(&id), attempt]));
    let n = events_of(&id);
    // One run in a hundred is stuck: its first answer ends early, and no
    // later one gets past that point (empty, duplicates only, or cut before
    // the next whole frame), so the client must give up with an error once
    // its reconnects in a row are spent.
    let stuck = is_stuck(&id);
    let answer = match (stuck, attempt) {
        (false, _) => draw(&mut rng),
        (true, 1) => Answer::EarlyEnd,
        (true, _) => [Answer::Empty, Answer::Duplicates, Answer::Cut][rng.usize(0..3)],
    };
    if stuck && attempt == 1 {
        shared.stuck.fetch_add(1, Relaxed);
    }
    let slot = ANSWERS.iter().position(|(a, _)| *a == answer).unwrap_or(0);
    shared.answers[slot].fetch_add(1, Relaxed);
    if answer == Answer::Unavailable {
        let body = r#"{"error":"Service unavailable, try again"}"#;
        return respond(
            &mut tcp,
            "503 Service Unavailable",
            "application/json",
            body,
        )
        .await;
    }
    let first = match answer {
        Answer::Duplicates => rng.u64(1..=since + 1).min(n + 1),
        _ => since + 1,
    };
    let last = match answer {
        _ if stuck && attempt == 1 => first + rng.u64(0..n - 1) - 1,
        _ if stuck => since,
        Answer::Empty => first.saturating_sub(1),
        // Anywhere in the run, often early.
        Answer::Cut | Answer::EarlyEnd | Answer::Stall => {
            let k = if rng.bool() {
                rng.u64(0..8)
            } else {
                rng.u64(0..=n)
            };
            (first + k).min(n + 1) - 1
        }
        _ => n,
    };
    // The bytes to send, and where each whole frame ends in them.
    let mut wire = Vec::new();
    let mut ends = Vec::new();
    for seq in first..=last {
        wire.extend_from_slice(frame(&id, seq, n).as_bytes());
        ends.push((wire.len(), seq));
    }
    if answer == Answer::Cut && last < n {
        // Part of the next frame, cut anywhere in it.
        let next = frame(&id, last + 1, n);
        wire.extend_from_slice(&next.as_bytes()[..rng.usize(0..next.len())]);
    }
    tcp.write_all(
        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n",
    )
    .await?;
    let mut written = 0;
    let mut next_end = 0;
    while written < wire.len() {
        let piece = rng.usize(1..=700).min(wire.len() - written);
        let chunk = &wire[written..written + piece];
        let mut out = format!("{piece:x}\r\n").into_bytes();
        out.extend_from_slice(chunk);
        out.extend_from_slice(b"\r\n");
        tcp.write_all(&out).await?;
        written += piece;
        // Whole frames now out: that is what the client must deliver.
        while next_end < ends.len() && ends[next_end].0 <= written {
            let seq = ends[next_end].1;
            shared.frames.fetch_add(1, Relaxed);
            let mut runs = shared.runs.lock().unwrap();
            let run = runs.entry(id.clone()).or_default();
            if seq <= run.sent_max {
                shared.resent.fetch_add(1, Relaxed);
            }
            run.sent_max = run.sent_max.max(seq);
            next_end += 1;
        }
        tokio::time::sleep(Duration::from_millis(rng.u64(5..=25))).await;
    }
    match answer {
        Answer::Cut => {}
        Answer::Stall => tokio::time::sleep(STALL).await,
        _ => tcp.write_all(b"0\r\n\r\n").await?,
    }
    tcp.flush().await?;
    tcp.shutdown().await
}

/// Answers the highest seq sent for a run once it has no open connection,
/// and forgets the run.
async fn sent(mut tcp: TcpStream, shared: &Shared, id: &str) -> std::io::Result<()> {
    for _ in 0..5_000 {
        let idle = shared
            .runs
            .lock()
            .unwrap()
            .get(id)
            .is_none_or(|r| r.active == 0);
        if idle {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let max = shared
        .runs
        .lock()
        .unwrap()
        .remove(id)
        .map_or(0, |r| r.sent_max);
    respond(&mut tcp, "200 OK", "text/plain", &max.to_string()).await
}

async fn respond(
    tcp: &mut TcpStream,
    status: &str,
    content_type: &str,
    body: &str,
) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    tcp.write_all(head.as_bytes()).await?;
    tcp.shutdown().await
}

/// `/runs/{id}/stream[?since=N]` as (id, since).
fn stream_path(path: &str) -> Option<(String, u64)> {
    let rest = path.strip_prefix("/runs/")?;
    let (id, query) = match rest.split_once("/stream") {
        Some((id, q)) => (id, q),
        None => return None,
    };
    let since = match query.strip_prefix("?since=") {
        Some(s) => s.parse().ok()?,
        None if query.is_empty() => 0,
        None => return None,
    };
    Some((id.to_owned(), since))
}

/// Reads a request head (GET, no body) and returns its path.
async fn read_path(tcp: &mut TcpStream) -> std::io::Result<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 2048];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = tokio::time::timeout(Duration::from_secs(30), tcp.read(&mut chunk)).await??;
        if n == 0 || buf.len() > 64 * 1024 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let head = String::from_utf8_lossy(&buf);
    let line = head.lines().next().unwrap_or_default();
    Ok(line.split(' ').nth(1).unwrap_or_default().to_owned())
}
