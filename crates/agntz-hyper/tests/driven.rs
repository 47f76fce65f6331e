//! The HTTP/1.1 connections a built transport drives from the reader for
//! event streams (requests with `Accept: text/event-stream`): reuse, stale
//! pooled connections, `Connection: close`, drop = close, and reading from
//! `block_on` on a multi-thread runtime. Against a raw loopback server that
//! counts its connections.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use agntz_hyper::HyperTransport;
use agntz_proto::transport::read_body;
use agntz_proto::{Error, Transport};
use bytes::Bytes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// An upper bound for waits that must end; never asserted as a duration.
const BOUND: Duration = Duration::from_secs(20);

/// What the server does after each answer.
#[derive(Clone, Copy)]
enum After {
    /// Keeps the connection for the next request.
    KeepAlive,
    /// Answers with `Connection: close` and closes.
    SayClose,
    /// Closes without saying so (as a server whose idle timeout fired).
    SilentClose,
}

struct Server {
    port: u16,
    connections: Arc<AtomicUsize>,
}

/// A server answering every `GET` with `hello <n>` (n counts answers).
async fn server(after: After) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let connections = Arc::new(AtomicUsize::new(0));
    let answers = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&connections);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(answer_all(stream, after, Arc::clone(&answers)));
        }
    });
    Server { port, connections }
}

async fn answer_all(mut stream: TcpStream, after: After, answers: Arc<AtomicUsize>) {
    while read_head(&mut stream).await.is_some() {
        let n = answers.fetch_add(1, Ordering::SeqCst);
        let body = format!("hello {n}");
        let close = if matches!(after, After::SayClose) {
            "Connection: close\r\n"
        } else {
            ""
        };
        let answer = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\n{close}\r\n{body}",
            body.len()
        );
        if stream.write_all(answer.as_bytes()).await.is_err() {
            return;
        }
        match after {
            After::KeepAlive => {}
            After::SayClose => return,
            // Closes after the client had time to pool the connection.
            After::SilentClose => {
                tokio::time::sleep(Duration::from_millis(20)).await;
                return;
            }
        }
    }
}

/// Reads one request head (the tests send no bodies); `None` at EOF.
async fn read_head(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte).await {
            Ok(1) => head.push(byte[0]),
            _ => return None,
        }
    }
    Some(head)
}

/// A request for an event stream (the requests the driven sender takes).
fn get(port: u16, path: &str) -> http::Request<Bytes> {
    http::Request::get(format!("http://127.0.0.1:{port}{path}"))
        .header("accept", "text/event-stream")
        .body(Bytes::new())
        .unwrap()
}

async fn fetch(transport: &HyperTransport, port: u16) -> Result<String, Error> {
    let response = transport.send(get(port, "/hello")).await?;
    assert_eq!(response.status(), 200);
    let mut body = response.into_body();
    let whole = read_body(&mut body, 1 << 20).await?;
    Ok(String::from_utf8(whole.into_bytes().to_vec()).unwrap())
}

/// `count` event-stream requests one after the other, `pause` before each,
/// each answered with the server's next `hello <n>`.
async fn fetch_in_turn(transport: &HyperTransport, port: u16, count: usize, pause: Duration) {
    for n in 0..count {
        tokio::time::sleep(pause).await;
        let text = fetch(transport, port).await.unwrap();
        assert_eq!(text, format!("hello {n}"));
    }
}

#[tokio::test]
async fn sequential_requests_reuse_one_connection() {
    let server = server(After::KeepAlive).await;
    let transport = HyperTransport::new();
    fetch_in_turn(&transport, server.port, 5, Duration::ZERO).await;
    assert_eq!(server.connections.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn clones_share_the_pool() {
    let server = server(After::KeepAlive).await;
    let transport = HyperTransport::new();
    fetch(&transport, server.port).await.unwrap();
    fetch(&transport.clone(), server.port).await.unwrap();
    assert_eq!(server.connections.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_answer_saying_close_is_not_pooled() {
    let server = server(After::SayClose).await;
    let transport = HyperTransport::new();
    fetch_in_turn(&transport, server.port, 3, Duration::ZERO).await;
    assert_eq!(server.connections.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_pooled_connection_the_server_closed_is_not_used() {
    let server = server(After::SilentClose).await;
    let transport = HyperTransport::new();
    // The server closes its side 20 ms after answering: each request
    // after the first finds the pooled connection closed.
    fetch_in_turn(&transport, server.port, 3, Duration::from_millis(60)).await;
    assert_eq!(server.connections.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn concurrent_requests_open_their_own_connections_then_reuse_them() {
    let server = server(After::KeepAlive).await;
    let transport = HyperTransport::new();
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let transport = transport.clone();
        let port = server.port;
        tasks.push(tokio::spawn(async move { fetch(&transport, port).await }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let opened = server.connections.load(Ordering::SeqCst);
    assert!((1..=4).contains(&opened), "opened {opened}");
    for _ in 0..4 {
        fetch(&transport, server.port).await.unwrap();
    }
    assert_eq!(server.connections.load(Ordering::SeqCst), opened);
}

/// A server that answers with a chunked body that never ends, one chunk
/// per `tick`, and reports when the client closed the connection.
async fn endless_server(closed: mpsc::Sender<()>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        read_head(&mut stream).await.unwrap();
        let head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n";
        stream.write_all(head.as_bytes()).await.unwrap();
        let (mut reader, mut writer) = stream.into_split();
        let writing = tokio::spawn(async move {
            loop {
                if writer.write_all(b"6\r\ndata:x\r\n").await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        });
        // The client sends nothing more: a read that ends means it closed.
        let mut rest = [0u8; 64];
        while matches!(reader.read(&mut rest).await, Ok(n) if n > 0) {}
        writing.abort();
        let _ = closed.send(()).await;
    });
    port
}

#[tokio::test]
async fn dropping_a_body_before_its_end_closes_the_connection() {
    let (closed_tx, mut closed) = mpsc::channel(1);
    let port = endless_server(closed_tx).await;
    let transport = HyperTransport::new();
    let response = transport.send(get(port, "/stream")).await.unwrap();
    let mut body = response.into_body();
    let first = std::future::poll_fn(|cx| {
        futures_core::Stream::poll_next(std::pin::Pin::new(&mut body), cx)
    })
    .await;
    assert!(matches!(first, Some(Ok(_))));
    drop(body);
    tokio::time::timeout(BOUND, closed.recv())
        .await
        .expect("the connection stayed open after the body was dropped")
        .unwrap();
}

#[test]
fn a_body_read_in_block_on_of_a_multi_thread_runtime_reads_to_its_end() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // Outside any task, as `#[tokio::main]` runs its body.
    runtime.block_on(async {
        let server = server(After::KeepAlive).await;
        let transport = HyperTransport::new();
        let reads = fetch_in_turn(&transport, server.port, 3, Duration::ZERO);
        tokio::time::timeout(BOUND, reads).await.unwrap();
        assert_eq!(server.connections.load(Ordering::SeqCst), 1);
    });
}

/// A server that answers an event stream of `chunks` chunks, `gap` apart,
/// then ends it.
async fn paced_server(chunks: usize, gap: Duration) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        read_head(&mut stream).await.unwrap();
        let head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n";
        stream.write_all(head.as_bytes()).await.unwrap();
        for n in 0..chunks {
            tokio::time::sleep(gap).await;
            let data = format!("data:{n:04}\n\n");
            let chunk = format!("{:x}\r\n{data}\r\n", data.len());
            stream.write_all(chunk.as_bytes()).await.unwrap();
        }
        stream.write_all(b"0\r\n\r\n").await.unwrap();
    });
    port
}

/// Every chunk of a paced stream arrives and the body ends: no wake of
/// the socket is lost while the reader polls the connection itself.
async fn read_paced_stream() {
    const CHUNKS: usize = 30;
    let port = paced_server(CHUNKS, Duration::from_millis(3)).await;
    let transport = HyperTransport::new();
    let response = transport.send(get(port, "/paced")).await.unwrap();
    let mut body = response.into_body();
    // The bound is checked first: a stalled read woken only by the bound's
    // own timer must not pass (`timeout` would poll the read first).
    let whole = tokio::select! {
        biased;
        () = tokio::time::sleep(BOUND) => panic!("a wake was lost: the stream stalled"),
        whole = read_body(&mut body, 1 << 20) => whole.unwrap(),
    };
    let text = String::from_utf8(whole.into_bytes().to_vec()).unwrap();
    let expected: String = (0..CHUNKS).map(|n| format!("data:{n:04}\n\n")).collect();
    assert_eq!(text, expected);
}

#[test]
fn a_paced_stream_is_read_whole_in_block_on_and_in_a_task() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(read_paced_stream());
    runtime.block_on(async { tokio::spawn(read_paced_stream()).await.unwrap() });
    let current = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    current.block_on(read_paced_stream());
}
