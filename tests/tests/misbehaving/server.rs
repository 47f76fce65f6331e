//! A purpose-built HTTP/1.1 server on 127.0.0.1 that answers each request
//! as a test scripts it: the n-th request gets the n-th answer, with any
//! body, head and end (clean, or cut without the last chunk), in one HTTP
//! chunk or in many. Bodies never have a `Content-Length`. Every response
//! closes its connection, so each request is a new connection.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// An upper bound for waits that must end; never asserted as a duration.
pub const BOUND: Duration = Duration::from_secs(20);

/// How a body ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// The last chunk is sent: a clean end of body.
    Clean,
    /// The connection closes without the last chunk: the body is cut.
    Cut,
}

/// One scripted answer.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
    pub end: End,
    /// The size of each HTTP chunk the body is written in (each written
    /// on its own); 0: the whole body in one.
    pub chunk: usize,
}

impl Reply {
    /// `200 text/event-stream` with `body`, ended cleanly.
    pub fn sse(body: impl Into<String>) -> Self {
        Reply {
            status: 200,
            content_type: "text/event-stream",
            body: body.into(),
            end: End::Clean,
            chunk: 0,
        }
    }

    /// A response of `status` and `content_type`.
    pub fn with(status: u16, content_type: &'static str, body: impl Into<String>) -> Self {
        Reply {
            status,
            content_type,
            body: body.into(),
            end: End::Clean,
            chunk: 0,
        }
    }

    /// The same answer with its body written in HTTP chunks of `size` bytes.
    pub fn in_chunks(self, size: usize) -> Self {
        Reply {
            chunk: size,
            ..self
        }
    }
}

/// Decides the answer to request number `n` (from 0) for `path`.
pub type Script = dyn Fn(usize, &str) -> Reply + Send + Sync;

/// A running server. Stops when dropped.
pub struct Server {
    pub port: u16,
    paths: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Server {
    pub async fn start(script: impl Fn(usize, &str) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let paths = Arc::new(Mutex::new(Vec::new()));
        let script: Arc<Script> = Arc::new(script);
        let seen = Arc::clone(&paths);
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let script = Arc::clone(&script);
                let seen = Arc::clone(&seen);
                tokio::spawn(async move {
                    let _ = answer(stream, &*script, &seen).await;
                });
            }
        });
        Server { port, paths, task }
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The request paths (with query) in the order they arrived.
    pub fn paths(&self) -> Vec<String> {
        self.paths.lock().unwrap().clone()
    }
}

async fn answer(
    mut stream: TcpStream,
    script: &Script,
    seen: &Mutex<Vec<String>>,
) -> std::io::Result<()> {
    let path = read_request(&mut stream).await?;
    let reply = {
        let mut seen = seen.lock().unwrap();
        seen.push(path.clone());
        script(seen.len() - 1, &path)
    };
    let head = format!(
        "HTTP/1.1 {} X\r\ncontent-type: {}\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n",
        reply.status, reply.content_type
    );
    stream.write_all(head.as_bytes()).await?;
    let size = match reply.chunk {
        0 => reply.body.len().max(1),
        n => n,
    };
    for piece in reply.body.as_bytes().chunks(size) {
        let mut framed = format!("{:x}\r\n", piece.len()).into_bytes();
        framed.extend_from_slice(piece);
        framed.extend_from_slice(b"\r\n");
        stream.write_all(&framed).await?;
    }
    if reply.end == End::Clean {
        stream.write_all(b"0\r\n\r\n").await?;
    }
    stream.flush().await?;
    stream.shutdown().await
}

/// Reads one request head (and a `content-length` body); returns its path.
async fn read_request(stream: &mut TcpStream) -> std::io::Result<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = tokio::time::timeout(BOUND, stream.read(&mut chunk)).await??;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let len: usize = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(n, _)| n.trim().eq_ignore_ascii_case("content-length"))
        .map_or(0, |(_, v)| v.trim().parse().unwrap_or(0));
    let mut have = buf.len() - head_end - 4;
    while have < len {
        let n = tokio::time::timeout(BOUND, stream.read(&mut chunk)).await??;
        if n == 0 {
            break;
        }
        have += n;
    }
    let line = head.lines().next().unwrap_or_default();
    Ok(line.split(' ').nth(1).unwrap_or_default().to_owned())
}
