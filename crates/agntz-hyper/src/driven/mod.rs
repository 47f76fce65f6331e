//! HTTP/1.1 connections driven by the reader: how a built
//! [`HyperTransport`](crate::HyperTransport) sends event-stream requests.
//!
//! `hyper-util`'s pooling client runs every connection in a task of its own.
//! On a multi-thread runtime that task runs on a worker thread, so a reader
//! that is not one of the workers (the future given to `block_on`, which is
//! what `#[tokio::main]` runs) gets each chunk from another thread. The
//! worker writes one chunk per event, and those hand-overs cost more than
//! decoding the event.
//!
//! Here an HTTP/1.1 connection has no task: whoever waits for the response
//! (the request's future, then the [`DrivenBody`]) polls the connection
//! itself, so the socket is read on the reader's own thread and everything
//! already received is taken without waking anybody. Between exchanges the
//! connection waits in a [`Pool`]. Dropping the body before its end drops
//! the connection, which closes the socket (the worker then cancels a
//! `/run/stream` run).
//!
//! Origins that negotiate HTTP/2 (ALPN over TLS) are remembered and sent
//! through `hyper-util`'s client, which multiplexes them over one connection.

mod body;
mod pool;

use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use agntz_proto::{BoxError, Error, TimeoutError, TimeoutKind, TransportError, TransportErrorKind};
use bytes::Bytes;
use http::header::{HeaderValue, HOST};
use http::uri::{PathAndQuery, Scheme};
use http::{Request, Response, Uri};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::client::conn::http1;
use hyper_util::client::legacy::connect::Connection as _;
use tower_service::Service;

pub(crate) use body::DrivenBody;
pub(crate) use pool::{Origin, Pool};

use crate::connect::ConnectTimedOut;
use crate::DefaultConnector;

/// The connection of the default connector.
type Io = <DefaultConnector as Service<Uri>>::Response;

/// One HTTP/1.1 connection: the handle that sends on it and the future that
/// does its IO.
pub(crate) struct Link {
    pub(crate) send: http1::SendRequest<Full<Bytes>>,
    pub(crate) conn: Pin<Box<http1::Connection<Io, Full<Bytes>>>>,
}

/// Sends requests over driven HTTP/1.1 connections.
pub(crate) struct Driven {
    connector: DefaultConnector,
    pool: Arc<Pool>,
}

/// What [`Driven::send`] did with a request.
pub(crate) enum Sent {
    /// Answered over a driven HTTP/1.1 connection.
    Answered(Response<DrivenBody>),
    /// The origin speaks HTTP/2: send it through the multiplexing client.
    Http2(Request<Full<Bytes>>),
}

impl Driven {
    pub(crate) fn new(connector: DefaultConnector) -> Self {
        Driven {
            connector,
            pool: Arc::new(Pool::default()),
        }
    }

    /// Sends `request` (an absolute `http(s)://` URI, checked by the caller)
    /// on an idle connection to its origin or a new one.
    pub(crate) async fn send(&self, request: Request<Full<Bytes>>) -> Result<Sent, Error> {
        let origin = origin_of(request.uri())?;
        if self.pool.is_http2(&origin) {
            return Ok(Sent::Http2(request));
        }
        let (mut request, added_host) = for_http1(request, &origin);
        loop {
            let (link, reused) = match self.pool.checkout(&origin) {
                Some(link) => (link, true),
                None => match self.connect(&origin).await? {
                    Connected::Http1(link) => (link, false),
                    Connected::Http2 => {
                        self.pool.set_http2(origin.clone());
                        return Ok(Sent::Http2(back_to_absolute(request, &origin, added_host)));
                    }
                },
            };
            match exchange(link, request).await {
                Ok((response, link)) => {
                    let pool = Arc::clone(&self.pool);
                    return Ok(Sent::Answered(
                        response.map(|incoming| DrivenBody::new(incoming, link, pool, origin)),
                    ));
                }
                // A pooled connection that the server closed just before
                // the request went out: the request was not sent, so it is
                // safe to send it again on a new connection.
                Err(Failed::NotSent(error, unsent)) if reused => {
                    drop(error);
                    request = unsent;
                }
                Err(Failed::NotSent(error, _)) => {
                    return Err(crate::error::request_error(
                        TransportErrorKind::Connect,
                        error,
                    ))
                }
                Err(Failed::Sent(error)) => return Err(error),
            }
        }
    }

    /// Opens a connection to `origin` (under the connect timeout of the
    /// request, see [`crate::ConnectTimeout`]).
    async fn connect(&self, origin: &Origin) -> Result<Connected, Error> {
        let uri = Uri::builder()
            .scheme(origin.scheme.clone())
            .authority(origin.authority.clone())
            .path_and_query("/")
            .build()
            .map_err(|e| invalid_uri(e.to_string()))?;
        let mut connector = self.connector.clone();
        poll_fn(|cx| connector.poll_ready(cx))
            .await
            .map_err(connect_error)?;
        let io = connector.call(uri).await.map_err(connect_error)?;
        if io.connected().is_negotiated_h2() {
            return Ok(Connected::Http2);
        }
        let (send, conn) = http1::Builder::new().handshake(io).await.map_err(|e| {
            agntz_tokio::transport_error(
                TransportErrorKind::Connect,
                "connecting to the worker failed",
                e,
            )
        })?;
        Ok(Connected::Http1(Link {
            send,
            conn: Box::pin(conn),
        }))
    }
}

enum Connected {
    Http1(Link),
    Http2,
}

/// How an exchange failed before the response head.
enum Failed {
    /// The request never left: it comes back.
    NotSent(hyper::Error, Request<Full<Bytes>>),
    /// The request may have been sent.
    Sent(Error),
}

/// Sends `request` on `link` and drives the connection until the response
/// head arrives. The link comes back with the head unless its connection
/// ended with it (then there is nothing more to read from it).
async fn exchange(
    link: Link,
    request: Request<Full<Bytes>>,
) -> Result<(Response<Incoming>, Option<Link>), Failed> {
    let Link { mut send, conn } = link;
    let mut conn = Some(conn);
    let mut answer = std::pin::pin!(send.try_send_request(request));
    let answered = poll_fn(|cx: &mut Context<'_>| {
        // The connection first: it writes the request and reads the head.
        if let Some(running) = &mut conn {
            if running.as_mut().poll(cx).is_ready() {
                // Ended or failed. Dropping it answers a request it still
                // held (with the request, if it was never written).
                conn = None;
            }
        }
        match answer.as_mut().poll(cx) {
            Poll::Ready(answer) => Poll::Ready(Some(answer)),
            // hyper answers every request when its connection goes; this
            // only guards against waiting forever.
            Poll::Pending if conn.is_none() => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    })
    .await;
    match answered {
        Some(Ok(response)) => Ok((response, conn.map(|conn| Link { send, conn }))),
        Some(Err(mut failed)) => match failed.take_message() {
            Some(request) => Err(Failed::NotSent(failed.into_error(), request)),
            None => Err(Failed::Sent(crate::error::request_error(
                TransportErrorKind::Request,
                failed.into_error(),
            ))),
        },
        None => Err(Failed::Sent(Error::Transport(TransportError::new(
            TransportErrorKind::Request,
            "the connection closed before the response head",
        )))),
    }
}

/// The scheme and authority of an absolute URI.
fn origin_of(uri: &Uri) -> Result<Origin, Error> {
    match (uri.scheme(), uri.authority()) {
        (Some(scheme), Some(authority)) => Ok(Origin {
            scheme: scheme.clone(),
            authority: authority.clone(),
        }),
        _ => Err(invalid_uri(
            "the request URI must be absolute http:// or https://".into(),
        )),
    }
}

/// The request as HTTP/1.1 sends it: a `Host` header (what the URI named,
/// without a default port) and the URI in origin form (`/path?query`).
/// Also says whether the `Host` header was added.
fn for_http1(mut request: Request<Full<Bytes>>, origin: &Origin) -> (Request<Full<Bytes>>, bool) {
    let add_host = !request.headers().contains_key(HOST);
    if add_host {
        let host = origin.authority.host();
        let default_port = if origin.scheme == Scheme::HTTPS {
            443
        } else {
            80
        };
        let value = match origin.authority.port_u16() {
            Some(port) if port != default_port => format!("{host}:{port}"),
            _ => host.to_owned(),
        };
        if let Ok(value) = HeaderValue::from_str(&value) {
            request.headers_mut().insert(HOST, value);
        }
    }
    let path = request
        .uri()
        .path_and_query()
        .cloned()
        .unwrap_or_else(|| PathAndQuery::from_static("/"));
    *request.uri_mut() = Uri::from(path);
    (request, add_host)
}

/// Undoes [`for_http1`]'s URI change, for the HTTP/2 client (which takes
/// absolute URIs and sets `:authority` itself).
fn back_to_absolute(
    mut request: Request<Full<Bytes>>,
    origin: &Origin,
    added_host: bool,
) -> Request<Full<Bytes>> {
    let mut parts = request.uri().clone().into_parts();
    parts.scheme = Some(origin.scheme.clone());
    parts.authority = Some(origin.authority.clone());
    if let Ok(uri) = Uri::from_parts(parts) {
        *request.uri_mut() = uri;
    }
    if added_host {
        request.headers_mut().remove(HOST);
    }
    request
}

/// A connector's failure.
fn connect_error(err: BoxError) -> Error {
    if let Some(timed_out) = crate::error::find::<ConnectTimedOut>(&*err) {
        return Error::Timeout(TimeoutError::new(TimeoutKind::Connect, timed_out.0));
    }
    agntz_tokio::transport_error(
        TransportErrorKind::Connect,
        "connecting to the worker failed",
        err,
    )
}

fn invalid_uri(message: String) -> Error {
    Error::Transport(TransportError::new(TransportErrorKind::Other, message))
}
