//! A minimal raw HTTP/1.1 client over TCP (or any async stream), for tests that
//! must see exactly what the mock worker puts on the wire.
#![allow(dead_code)]

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

/// Upper bound for any single read in tests.
pub const READ_TIMEOUT: Duration = Duration::from_secs(15);

/// A response whose body is read incrementally.
pub struct Resp<S> {
    stream: S,
    raw: Vec<u8>,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    chunked: bool,
    content_length: Option<usize>,
    /// De-chunked body bytes received so far.
    pub body: Vec<u8>,
    pub eof: bool,
    /// The connection ended without a clean end of body.
    pub aborted: bool,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Resp<S> {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    async fn fill(&mut self) -> bool {
        let mut buf = [0u8; 16384];
        match tokio::time::timeout(READ_TIMEOUT, self.stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => {
                self.eof = true;
                false
            }
            Ok(Ok(n)) => {
                self.raw.extend_from_slice(&buf[..n]);
                true
            }
            Err(_) => panic!("read timed out"),
        }
    }

    /// Moves complete chunks (or plain bytes) from `raw` to `body`; true when the body is complete.
    fn decode(&mut self) -> bool {
        if !self.chunked {
            self.body.append(&mut self.raw);
            return self.content_length.is_some_and(|n| self.body.len() >= n);
        }
        loop {
            let Some(line_end) = find(&self.raw, b"\r\n") else {
                return false;
            };
            let size_str = String::from_utf8_lossy(&self.raw[..line_end]).to_string();
            let size = usize::from_str_radix(size_str.trim(), 16).expect("chunk size");
            if size == 0 {
                return true;
            }
            if self.raw.len() < line_end + 2 + size + 2 {
                return false;
            }
            self.body
                .extend_from_slice(&self.raw[line_end + 2..line_end + 2 + size]);
            self.raw.drain(..line_end + 2 + size + 2);
        }
    }

    /// Reads until the body is complete or the connection closes.
    pub async fn read_to_end(&mut self) {
        loop {
            if self.decode() {
                return;
            }
            if !self.fill().await {
                let done = self.decode();
                if !done && (self.chunked || self.content_length.is_some()) {
                    self.aborted = true;
                }
                return;
            }
        }
    }

    /// Reads until `pred(body)` holds; false if the body ended first.
    pub async fn read_until(&mut self, pred: impl Fn(&[u8]) -> bool) -> bool {
        loop {
            let done = self.decode();
            if pred(&self.body) {
                return true;
            }
            if done || !self.fill().await {
                return pred(&self.body);
            }
        }
    }

    pub fn body_str(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body_str()))
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Sends a request on `stream` and reads the response head.
pub async fn send_on<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Resp<S> {
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\n");
    if !headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("connection"))
    {
        req.push_str("Connection: close\r\n");
    }
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some(b) = body {
        req.push_str(&format!("Content-Length: {}\r\n", b.len()));
    }
    req.push_str("\r\n");
    let mut bytes = req.into_bytes();
    if let Some(b) = body {
        bytes.extend_from_slice(b);
    }
    stream.write_all(&bytes).await.expect("write request");
    let mut resp = Resp {
        stream,
        raw: Vec::new(),
        status: 0,
        headers: Vec::new(),
        chunked: false,
        content_length: None,
        body: Vec::new(),
        eof: false,
        aborted: false,
    };
    loop {
        if let Some(end) = find(&resp.raw, b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&resp.raw[..end]).to_string();
            resp.raw.drain(..end + 4);
            let mut lines = head.split("\r\n");
            let status_line = lines.next().unwrap_or("");
            resp.status = status_line
                .split(' ')
                .nth(1)
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            for l in lines {
                if let Some((k, v)) = l.split_once(':') {
                    resp.headers
                        .push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
                }
            }
            resp.chunked = resp
                .header("transfer-encoding")
                .is_some_and(|v| v.contains("chunked"));
            resp.content_length = resp.header("content-length").and_then(|v| v.parse().ok());
            if resp.status == 204 || resp.status == 304 {
                resp.content_length = Some(0);
            }
            return resp;
        }
        if !resp.fill().await {
            return resp; // status 0: no response head
        }
    }
}

/// Connects to `addr` and sends a request.
pub async fn send(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Resp<TcpStream> {
    let stream = tokio::time::timeout(READ_TIMEOUT, TcpStream::connect(addr))
        .await
        .expect("connect timeout")
        .expect("connect");
    send_on(stream, method, path, headers, body).await
}

/// Convenience: a complete request/response.
pub async fn call(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    key: Option<&str>,
    body: Option<&str>,
) -> Resp<TcpStream> {
    let auth = key.map(|k| format!("Bearer {k}"));
    let mut headers = vec![];
    if let Some(a) = &auth {
        headers.push(("Authorization", a.as_str()));
    }
    if body.is_some() {
        headers.push(("Content-Type", "application/json"));
    }
    let mut r = send(addr, method, path, &headers, body.map(str::as_bytes)).await;
    r.read_to_end().await;
    r
}

/// One parsed SSE frame.
#[derive(Debug, Clone)]
pub struct Frame {
    pub event: Option<String>,
    pub data: String,
    pub id: Option<String>,
}

/// Parses a complete SSE body (LF framing as the worker emits it).
pub fn parse_sse(body: &str) -> Vec<Frame> {
    body.split("\n\n")
        .filter(|f| !f.trim().is_empty())
        .map(|f| {
            let mut fr = Frame {
                event: None,
                data: String::new(),
                id: None,
            };
            for line in f.lines() {
                if let Some(v) = line.strip_prefix("event: ") {
                    fr.event = Some(v.to_string());
                } else if let Some(v) = line.strip_prefix("data: ") {
                    fr.data = v.to_string();
                } else if let Some(v) = line.strip_prefix("id: ") {
                    fr.id = Some(v.to_string());
                }
            }
            fr
        })
        .collect()
}
