//! Accept loop, per-connection HTTP/1.1 serving (optionally over TLS), request
//! recording and request-level fault injection.

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::{header, HeaderValue, Request, Response};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

use crate::faults::{Fault, Faults, Stage};
use crate::respond::{self, Body};
use crate::store::{lock, Store};
use crate::RecordedRequest;

/// Largest request body accepted (bigger bodies close the connection).
const MAX_BODY: usize = 64 * 1024 * 1024;

/// Everything the request handlers share.
pub(crate) struct Shared {
    pub store: Arc<Store>,
    pub faults: Faults,
    pub requests: Mutex<Vec<RecordedRequest>>,
    /// Served over HTTPS (for absolute URLs such as artifact download links).
    pub tls: bool,
    /// `callbackUrl`s on loopback pass the outbound URL policy.
    pub loopback_callbacks: bool,
    /// Serve HTTP/2 as well as HTTP/1.1.
    pub http2: bool,
    /// The rate limit of `/build-agent` and `/edit-agent`.
    pub rate_limits: crate::rate_limit::RateLimits,
}

/// Accepts connections until the task is aborted; aborting also drops (and so
/// aborts) every connection task.
pub(crate) async fn accept_loop(
    listener: TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    shared: Arc<Shared>,
) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    conns.spawn(serve_connection(stream, tls.clone(), shared.clone()));
                }
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(10)).await,
            },
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
}

async fn serve_connection(
    stream: TcpStream,
    tls: Option<tokio_rustls::TlsAcceptor>,
    shared: Arc<Shared>,
) {
    let _ = stream.set_nodelay(true);
    match tls {
        Some(acceptor) => {
            let accept =
                tokio::time::timeout(std::time::Duration::from_secs(10), acceptor.accept(stream));
            if let Ok(Ok(tls_stream)) = accept.await {
                serve_io(TokioIo::new(tls_stream), shared).await;
            }
        }
        None => serve_io(TokioIo::new(stream), shared).await,
    }
}

/// HTTP/1.1 only, or (with `http2`) whichever of HTTP/1.1 and HTTP/2 the
/// client speaks: ALPN over TLS, the connection preface in clear text.
async fn serve_io<I>(io: TokioIo<I>, shared: Arc<Shared>)
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let http2 = shared.http2;
    let svc = service_fn(move |req| handle(shared.clone(), req));
    if http2 {
        let builder =
            hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new());
        let _ = builder.serve_connection(io, svc).await;
    } else {
        let _ = hyper::server::conn::http1::Builder::new()
            .serve_connection(io, svc)
            .await;
    }
}

async fn handle(
    shared: Arc<Shared>,
    req: Request<Incoming>,
) -> Result<Response<Body>, std::io::Error> {
    let (parts, body) = req.into_parts();
    let body: Bytes = match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) => return Err(std::io::Error::other(e.to_string())),
    };
    let path_and_query = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".to_string());
    lock(&shared.requests).push(RecordedRequest {
        version: parts.version,
        method: parts.method.to_string(),
        path: path_and_query.clone(),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: body.clone(),
    });
    let path = parts.uri.path().to_string();
    if let Some(fault) = shared.faults.take(Stage::Request, &path) {
        return request_fault(fault);
    }
    let mut resp = crate::routes::route(&shared, &parts, &path, parts.uri.query(), body).await;
    if resp.headers().contains_key(header::LOCATION)
        && shared.faults.take(Stage::Location, &path).is_some()
    {
        resp.headers_mut().remove(header::LOCATION);
    }
    Ok(resp)
}

fn request_fault(fault: Fault) -> Result<Response<Body>, std::io::Error> {
    match fault {
        Fault::CloseBeforeHead => Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "fault injection: close before response head",
        )),
        Fault::PlainText500 => Ok(respond::internal_error()),
        Fault::HtmlBody => {
            let mut resp = Response::new(respond::full(Bytes::from_static(
                b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1><p>The upstream worker is unavailable.</p></body></html>\n",
            )));
            resp.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=UTF-8"),
            );
            Ok(resp)
        }
        Fault::Status {
            status,
            retry_after,
            ..
        } => {
            let mut resp = if status == 429 {
                #[derive(serde::Serialize)]
                #[serde(rename_all = "camelCase")]
                struct RateLimited {
                    error: &'static str,
                    #[serde(skip_serializing_if = "Option::is_none")]
                    retry_after_seconds: Option<u64>,
                }
                respond::json(
                    429,
                    &RateLimited {
                        error: "rate limit exceeded",
                        retry_after_seconds: retry_after,
                    },
                )
            } else {
                let reason = http::StatusCode::from_u16(status)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .unwrap_or("injected fault");
                respond::error(status, reason)
            };
            if let Some(secs) = retry_after {
                resp.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            Ok(resp)
        }
        // Not request-stage faults; never returned by `take(Stage::Request, ..)`.
        _ => Ok(respond::internal_error()),
    }
}
