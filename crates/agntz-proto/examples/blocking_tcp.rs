//! Driving the sans-IO core from plain blocking code: no async runtime, no
//! HTTP library, just `std::net::TcpStream` and the core's request builders,
//! response parsers and stream decoder. This is how to embed the protocol in
//! a custom runtime.
//!
//! It talks plain HTTP/1.1 to the in-process mock worker on loopback.
//!
//! ```text
//! cargo run -p agntz-proto --example blocking_tcp
//! ```

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;

use agntz_proto::config::Config;
use agntz_proto::events::StreamEvent;
use agntz_proto::ops::{
    Operation, RunAgent, StreamAgent, StreamOperation, SubmitToolResult, ToolOutcome,
};
use agntz_proto::response::{api_error, classify, unexpected_content_type, HeadKind};
use agntz_proto::stream::{AgentFrame, StreamDecoder};
use agntz_proto::types::RunRequest;
use agntz_testkit::TestWorker;
use bytes::Bytes;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn main() -> Result<(), BoxError> {
    // The mock worker runs on its own background runtime; this thread stays
    // fully blocking.
    let worker = TestWorker::start_blocking()?;
    let config = Config::builder()
        .base_url(worker.base_url())
        .api_key(worker.api_key())
        .build()?;

    // 1. Request/response: build, send, parse.
    let op = RunAgent::new(RunRequest::new("echo").input("hello from a blocking runtime"));
    let (head, body) = send(&op.build(&config)?)?;
    // `parse` takes the body as a `WholeBody`; `Bytes` converts for free.
    let result = op.parse(head.into_full(body.read_all()?).map(Into::into))?;
    println!("run {}: {}", result.run_id, result.output);

    // 2. A stream: feed body chunks to the decoder, drain items until None.
    let op = StreamAgent::new(RunRequest::new("echo").input("stream me, blocking"));
    let (head, mut body) = send(&op.build(&config)?)?;
    match classify(head.status, &head.headers, true) {
        HeadKind::Error => {
            let bytes = body.read_all()?;
            return Err(api_error(head.status, &head.headers, &bytes).into());
        }
        HeadKind::UnexpectedContentType => {
            return Err(unexpected_content_type(&head.headers).into())
        }
        _ => {}
    }
    let mut decoder = StreamDecoder::new(op.frames(), config.limits().max_event_bytes);
    while !decoder.is_done() {
        match body.next_chunk()? {
            Some(chunk) => decoder.feed(&chunk),
            None => {
                if let Some(e) = decoder.finish() {
                    return Err(e.into());
                }
            }
        }
        while let Some(item) = decoder.next() {
            match item? {
                AgentFrame::Event(StreamEvent::Start(start)) => {
                    println!("stream start: run {:?}", start.run_id)
                }
                AgentFrame::Event(StreamEvent::Complete(done)) => {
                    println!(
                        "stream complete: {} ({} tokens)",
                        done.output, done.usage.total_tokens
                    )
                }
                AgentFrame::Event(StreamEvent::Error(failed)) => {
                    println!("stream error: {}", failed.error)
                }
                AgentFrame::Event(other) => println!("stream event: {other:?}"),
                AgentFrame::ToolRequest(request) => {
                    // The worker waits for an answer; this example has no tools.
                    let answer = SubmitToolResult::new(
                        request.root_run_id.clone(),
                        request.request_id.clone(),
                        ToolOutcome::no_handler(&request.name),
                    );
                    let (head, body) = send(&answer.build(&config)?)?;
                    answer.parse(head.into_full(body.read_all()?).map(Into::into))?;
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// A response head.
struct Head {
    status: http::StatusCode,
    headers: http::HeaderMap,
}

impl Head {
    fn into_full(self, body: Bytes) -> http::Response<Bytes> {
        let mut response = http::Response::new(body);
        *response.status_mut() = self.status;
        *response.headers_mut() = self.headers;
        response
    }
}

/// Writes `request` as HTTP/1.1 on a fresh connection and reads the head.
fn send(request: &http::Request<Bytes>) -> Result<(Head, Body), BoxError> {
    let uri = request.uri();
    let host = uri.host().ok_or("no host")?;
    let port = uri.port_u16().unwrap_or(80);
    let mut stream = TcpStream::connect((host, port))?;
    let target = uri.path_and_query().map_or("/", |pq| pq.as_str());
    let mut head = format!(
        "{} {} HTTP/1.1\r\nhost: {host}:{port}\r\nconnection: close\r\n",
        request.method(),
        target
    );
    for (name, value) in request.headers() {
        head.push_str(&format!("{}: {}\r\n", name, value.to_str()?));
    }
    head.push_str(&format!("content-length: {}\r\n\r\n", request.body().len()));
    stream.write_all(head.as_bytes())?;
    stream.write_all(request.body())?;

    let mut reader = BufReader::new(stream);
    let mut raw = Vec::new();
    while !raw.ends_with(b"\r\n\r\n") {
        if reader.read_until(b'\n', &mut raw)? == 0 {
            return Err("connection closed before the response head".into());
        }
    }
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut parsed = httparse::Response::new(&mut headers);
    parsed.parse(&raw)?;
    let status = http::StatusCode::from_u16(parsed.code.ok_or("no status")?)?;
    let mut map = http::HeaderMap::new();
    for h in parsed.headers.iter() {
        map.append(
            http::HeaderName::from_bytes(h.name.as_bytes())?,
            http::HeaderValue::from_bytes(h.value)?,
        );
    }
    let chunked = map
        .get(http::header::TRANSFER_ENCODING)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"chunked"));
    let length = map
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    let body = Body {
        reader,
        chunked,
        remaining: length,
        done: false,
    };
    Ok((
        Head {
            status,
            headers: map,
        },
        body,
    ))
}

/// A response body: chunked, sized, or read to EOF.
struct Body {
    reader: BufReader<TcpStream>,
    chunked: bool,
    remaining: Option<usize>,
    done: bool,
}

impl Body {
    /// The next piece of the body, `None` at its end.
    fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, BoxError> {
        if self.done {
            return Ok(None);
        }
        if self.chunked {
            let mut size_line = String::new();
            self.reader.read_line(&mut size_line)?;
            let size_hex = size_line.trim().split(';').next().unwrap_or("");
            let size = usize::from_str_radix(size_hex, 16)?;
            let mut chunk = vec![0; size];
            self.reader.read_exact(&mut chunk)?;
            let mut crlf = [0; 2];
            self.reader.read_exact(&mut crlf)?;
            if size == 0 {
                self.done = true;
                return Ok(None);
            }
            return Ok(Some(chunk));
        }
        let mut chunk = vec![0; 16 * 1024];
        let want = self.remaining.map_or(chunk.len(), |r| r.min(chunk.len()));
        let n = self.reader.read(&mut chunk[..want])?;
        if let Some(r) = self.remaining.as_mut() {
            *r -= n;
            self.done = *r == 0;
        }
        if n == 0 {
            self.done = true;
            return Ok(None);
        }
        chunk.truncate(n);
        Ok(Some(chunk))
    }

    fn read_all(mut self) -> Result<Bytes, BoxError> {
        let mut all = Vec::new();
        while let Some(chunk) = self.next_chunk()? {
            all.extend_from_slice(&chunk);
        }
        Ok(all.into())
    }
}
