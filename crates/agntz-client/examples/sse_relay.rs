//! Relaying a run to a browser: a small hyper server whose `GET /ask?q=...`
//! starts an agent stream and forwards its events as server-sent events, the
//! shape a web front end reads with `EventSource`. When the browser goes
//! away, hyper drops the body, which drops the agent stream, which closes
//! the worker connection and so cancels the run: nothing runs for nobody.
//!
//! The example then plays the browser itself: it asks one question over
//! plain HTTP on 127.0.0.1 and prints the frames it receives.
//!
//! ```text
//! cargo run -p agntz-client --example sse_relay
//! ```

mod support;

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use agntz_client::bytes::Bytes;
use agntz_client::{AgentStream, AgntzClient, RunRequest, Stream, StreamEvent, Transport};
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// An agent stream as SSE frames for the browser. A failure becomes an
/// `error` frame, so the page learns why the stream ended.
struct Relay<T: Transport> {
    events: AgentStream<T>,
    done: bool,
}

impl<T: Transport> Stream for Relay<T> {
    type Item = Result<Frame<Bytes>, Infallible>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        let (name, data) = match Pin::new(&mut self.events).poll_next(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(None) => return Poll::Ready(None),
            Poll::Ready(Some(Ok(event))) => match event {
                StreamEvent::Start(start) => ("start", json!({ "runId": start.run_id })),
                StreamEvent::Reply(reply) => ("reply", json!({ "text": reply.text })),
                StreamEvent::Complete(done) => ("done", json!({ "output": done.output })),
                StreamEvent::Error(failed) => ("error", json!({ "error": failed.error })),
                _ => return self.poll_next(cx), // nothing the page needs
            },
            Poll::Ready(Some(Err(e))) => {
                self.done = true;
                ("error", json!({ "error": e.to_string() }))
            }
        };
        let frame = format!("event: {name}\ndata: {data}\n\n");
        Poll::Ready(Some(Ok(Frame::data(Bytes::from(frame)))))
    }
}

// Unsync: a stream is read by one task at a time and need not be `Sync`.
type Body = http_body_util::combinators::UnsyncBoxBody<Bytes, Infallible>;

async fn handle(
    client: AgntzClient,
    request: Request<Incoming>,
) -> Result<Response<Body>, Infallible> {
    let question = request.uri().query().and_then(|query| {
        form_urlencoded::parse(query.as_bytes())
            .find_map(|(k, v)| (k == "q").then(|| v.into_owned()))
    });
    let Some(question) = question.filter(|_| request.uri().path() == "/ask") else {
        return Ok(plain(StatusCode::NOT_FOUND, "try /ask?q=hello"));
    };
    match client
        .agents()
        .stream(RunRequest::new("echo").input(question))
        .await
    {
        Ok(events) => Ok(Response::builder()
            .header("content-type", "text/event-stream")
            .header("cache-control", "no-cache")
            .body(
                StreamBody::new(Relay {
                    events,
                    done: false,
                })
                .boxed_unsync(),
            )
            .expect("static head")),
        // Never forward the worker's error text to a browser as is.
        Err(e) => {
            eprintln!("could not start the run: {e}");
            Ok(plain(StatusCode::BAD_GATEWAY, "the agent is unavailable"))
        }
    }
}

fn plain(status: StatusCode, text: &'static str) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from_static(text.as_bytes())).boxed_unsync());
    *response.status_mut() = status;
    response
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let support::Connected {
        client,
        worker: _worker,
    } = support::connect().await?;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    println!("relay on http://{addr}/ask?q=...");
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let client = client.clone();
            let service = hyper::service::service_fn(move |req| handle(client.clone(), req));
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(socket), service)
                    .await;
            });
        }
    });

    // The "browser": one request, read to the end.
    let mut socket = tokio::net::TcpStream::connect(addr).await?;
    let request = format!("GET /ask?q=REPLY:%22thinking%22+hello HTTP/1.1\r\nhost: {addr}\r\naccept: text/event-stream\r\nconnection: close\r\n\r\n");
    socket.write_all(request.as_bytes()).await?;
    let mut response = String::new();
    socket.read_to_string(&mut response).await?;
    let body = response.split_once("\r\n\r\n").map_or("", |(_, body)| body);
    let frames: Vec<&str> = body.lines().filter(|l| l.starts_with("event:")).collect();
    println!("browser received: {frames:?}");
    for line in body.lines().filter(|l| l.starts_with("data:")) {
        println!("  {line}");
    }
    if frames != ["event: start", "event: reply", "event: done"] {
        return Err(format!("the relay did not end with done: {response}").into());
    }
    Ok(())
}
