//! `IdleBody` on a multi-thread runtime read from `block_on`'s future: the
//! body is read ahead by a pump task. What the reader sees must be what it
//! sees without one: every byte in order, an error after the data before it,
//! the idle timeout, and the body dropped when the reader goes away.

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use agntz_proto::{Error, TimeoutKind, TransportErrorKind};
use agntz_tokio::{IdleBody, IdleTimer};
use bytes::Bytes;
use futures_core::Stream;
use http_body::{Body, Frame};
use tokio::sync::mpsc;

/// A body fed by a channel, which records when it is dropped.
struct ChannelBody {
    rx: mpsc::Receiver<Result<Bytes, std::io::Error>>,
    dropped: Arc<AtomicBool>,
}

impl Body for ChannelBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        self.rx.poll_recv(cx).map(|o| o.map(|r| r.map(Frame::data)))
    }
}

impl Drop for ChannelBody {
    fn drop(&mut self) {
        self.dropped.store(true, Ordering::SeqCst);
    }
}

struct Fixture {
    tx: mpsc::Sender<Result<Bytes, std::io::Error>>,
    dropped: Arc<AtomicBool>,
    body: IdleBody<ChannelBody>,
}

/// A body behind an idle timer of `idle`, made inside `rt`, with a channel of
/// `capacity` chunks.
fn fixture(rt: &tokio::runtime::Runtime, idle: Duration, capacity: usize) -> Fixture {
    let (tx, rx) = mpsc::channel(capacity);
    let dropped = Arc::new(AtomicBool::new(false));
    let inner = ChannelBody {
        rx,
        dropped: Arc::clone(&dropped),
    };
    let body = rt.block_on(async { IdleTimer::start(idle).body(inner) });
    Fixture { tx, dropped, body }
}

fn multi_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

async fn next(body: &mut IdleBody<ChannelBody>) -> Option<Result<Bytes, Error>> {
    std::future::poll_fn(|cx| Pin::new(&mut *body).poll_next(cx)).await
}

/// Sends and reads quick bursts of chunks until the body, finding nothing
/// more, has gone to a pump (bounded: a loaded machine may space a burst
/// out, so it tries again).
async fn burst(tx: &mpsc::Sender<Result<Bytes, std::io::Error>>, body: &mut IdleBody<ChannelBody>) {
    for _ in 0..100 {
        for _ in 0..16 {
            tx.send(Ok(Bytes::from_static(b"burst"))).await.unwrap();
            next(body).await.unwrap().unwrap();
        }
        // Nothing was sent: this read can only find nothing.
        let nothing = tokio::time::timeout(Duration::from_millis(1), next(body)).await;
        assert!(nothing.is_err());
        if format!("{body:?}").contains("pumped: true") {
            return;
        }
    }
    panic!("no pump after 100 bursts");
}

/// Waits (bounded) until `flag` is set.
async fn eventually(flag: &AtomicBool) -> bool {
    for _ in 0..200 {
        if flag.load(Ordering::SeqCst) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    false
}

#[test]
fn every_byte_arrives_in_order_through_the_pump() {
    let rt = multi_thread();
    let Fixture { tx, body, .. } = fixture(&rt, Duration::from_secs(10), 4);
    let mut body = body;
    let mut expected = Vec::new();
    let chunks: Vec<Bytes> = (0..5_000u32)
        .map(|i| Bytes::from(format!("chunk {i} {}\n", "x".repeat((i % 97) as usize))))
        .collect();
    for c in &chunks {
        expected.extend_from_slice(c);
    }
    rt.spawn(async move {
        for (i, c) in chunks.into_iter().enumerate() {
            tx.send(Ok(c)).await.unwrap();
            if i % 50 == 0 {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
    });
    let got = rt.block_on(async {
        let mut got = Vec::new();
        let mut reads = 0;
        while let Some(chunk) = next(&mut body).await {
            got.extend_from_slice(&chunk.unwrap());
            reads += 1;
        }
        assert!(reads > 1);
        got
    });
    assert!(format!("{body:?}").contains("finished: true"));
    assert_eq!(got.len(), expected.len());
    assert!(got == expected, "bytes differ");
}

#[test]
fn an_error_comes_after_the_data_before_it_then_the_end() {
    let rt = multi_thread();
    let Fixture {
        tx, body, dropped, ..
    } = fixture(&rt, Duration::from_secs(10), 64);
    let mut body = body;
    rt.block_on(async {
        // A burst, then nothing: the body goes to the pump.
        burst(&tx, &mut body).await;
        for i in 0..10 {
            tx.send(Ok(Bytes::from(vec![b'a' + i; 10]))).await.unwrap();
        }
        tx.send(Err(std::io::Error::other("connection reset")))
            .await
            .unwrap();
        let mut data = 0;
        let error = loop {
            match next(&mut body).await.expect("an item") {
                Ok(chunk) => data += chunk.len(),
                Err(e) => break e,
            }
        };
        assert_eq!(data, 100);
        match error {
            Error::Transport(t) => {
                assert_eq!(t.kind, TransportErrorKind::Body);
                assert!(t.message.contains("connection reset"), "{}", t.message);
            }
            other => panic!("expected a body error, got {other:?}"),
        }
        assert!(next(&mut body).await.is_none());
        assert!(
            eventually(&dropped).await,
            "body not dropped after its error"
        );
    });
}

#[test]
fn the_idle_timeout_fires_through_the_pump_and_drops_the_body() {
    let rt = multi_thread();
    let Fixture {
        tx, body, dropped, ..
    } = fixture(&rt, Duration::from_millis(200), 4);
    let mut body = body;
    rt.block_on(async {
        burst(&tx, &mut body).await;
        let sender = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            tx.send(Ok(Bytes::from_static(b"one"))).await.unwrap();
            // Stay silent past the idle timeout, holding the channel open.
            tokio::time::sleep(Duration::from_secs(2)).await;
            drop(tx);
        });
        assert_eq!(&next(&mut body).await.unwrap().unwrap()[..], b"one");
        assert!(format!("{body:?}").contains("pumped: true"));
        let started = std::time::Instant::now();
        match next(&mut body).await {
            Some(Err(Error::Timeout(t))) => assert_eq!(t.kind, TimeoutKind::Idle),
            other => panic!("expected an idle timeout, got {other:?}"),
        }
        assert!(started.elapsed() < Duration::from_millis(1500));
        assert!(next(&mut body).await.is_none());
        assert!(
            eventually(&dropped).await,
            "body not dropped after the timeout"
        );
        sender.abort();
    });
}

#[test]
fn dropping_the_reader_drops_the_body_and_the_pump_reads_at_most_its_limit_ahead() {
    let rt = multi_thread();
    let Fixture {
        tx, body, dropped, ..
    } = fixture(&rt, Duration::from_secs(10), 1);
    let mut body = body;
    let sent = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = Arc::clone(&sent);
    rt.spawn(async move {
        // As fast as the body is read, 1,000 bytes at a time, for up to 10 MB.
        for _ in 0..10_000 {
            if tx.send(Ok(Bytes::from(vec![b'x'; 1000]))).await.is_err() {
                return;
            }
            counter.fetch_add(1000, Ordering::SeqCst);
        }
    });
    rt.block_on(async {
        // Read until the burst has moved the body to a pump, then stop
        // reading.
        let mut read = 0;
        for _ in 0..10_000 {
            read += next(&mut body).await.unwrap().unwrap().len();
            if format!("{body:?}").contains("pumped: true") {
                break;
            }
        }
        assert!(format!("{body:?}").contains("pumped: true"));
        tokio::time::sleep(Duration::from_millis(300)).await;
        let ahead = sent.load(Ordering::SeqCst) - read;
        // 64 KiB of read-ahead, plus one chunk past it and the channel's
        // one slot.
        assert!(
            ahead <= 64 * 1024 + 3_000,
            "{ahead} bytes sent while nobody read"
        );
        assert!(!dropped.load(Ordering::SeqCst));
        drop(body);
        assert!(
            eventually(&dropped).await,
            "body not dropped with the reader"
        );
    });
}

#[test]
fn a_current_thread_runtime_pumps_too() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let Fixture { tx, body, .. } = fixture(&rt, Duration::from_secs(10), 4);
    let mut body = body;
    rt.block_on(async {
        let sender = tokio::spawn(async move {
            for i in 0..1000u32 {
                tx.send(Ok(Bytes::from(vec![i as u8; 3]))).await.unwrap();
            }
        });
        let mut n = 0;
        let mut pumped = false;
        while let Some(chunk) = next(&mut body).await {
            n += chunk.unwrap().len();
            pumped |= format!("{body:?}").contains("pumped: true");
        }
        assert_eq!(n, 3000);
        assert!(pumped);
        sender.await.unwrap();
    });
}

#[test]
fn a_task_of_a_multi_thread_runtime_is_pumped_too() {
    let rt = multi_thread();
    let Fixture { tx, body, .. } = fixture(&rt, Duration::from_secs(10), 4);
    let mut body = body;
    let sender = rt.spawn(async move {
        for i in 0..1000u32 {
            tokio::task::yield_now().await;
            tx.send(Ok(Bytes::from(vec![i as u8; 3]))).await.unwrap();
        }
    });
    let reader = rt.spawn(async move {
        let mut n = 0;
        let mut pumped = false;
        while let Some(chunk) = next(&mut body).await {
            n += chunk.unwrap().len();
            pumped |= format!("{body:?}").contains("pumped: true");
        }
        (n, pumped)
    });
    assert_eq!(rt.block_on(reader).unwrap(), (3000, true));
    rt.block_on(sender).unwrap();
}

#[test]
fn a_paced_stream_is_read_directly_without_a_pump() {
    let rt = multi_thread();
    let Fixture { tx, body, .. } = fixture(&rt, Duration::from_secs(10), 4);
    let mut body = body;
    let sender = rt.spawn(async move {
        // Like a model's tokens: well apart.
        for i in 0..20u8 {
            tokio::time::sleep(Duration::from_millis(5)).await;
            tx.send(Ok(Bytes::from(vec![i; 3]))).await.unwrap();
        }
    });
    let n = rt.block_on(async {
        let mut n = 0;
        while let Some(chunk) = next(&mut body).await {
            n += chunk.unwrap().len();
            assert!(!format!("{body:?}").contains("pumped: true"));
        }
        n
    });
    assert_eq!(n, 60);
    rt.block_on(sender).unwrap();
}
