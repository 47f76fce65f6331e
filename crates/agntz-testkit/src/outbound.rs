//! The mock's outbound HTTP, as the worker's webhook deliveries and callback
//! tools use it: the outbound URL policy, and a plain HTTP/1.1 client.

use std::time::Duration;

use bytes::Bytes;
use http::header::{HeaderName, HOST};
use http::{Method, Request, Uri};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::rt::TokioIo;

/// Largest response body read (the rest is an error, like a reset).
const MAX_RESPONSE: usize = 8 * 1024 * 1024;

/// Why an outbound request got no answer, with the texts Node's `fetch`
/// gives (the worker reports them as they are).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum OutboundError {
    /// Connection refused, reset, a bad URL, an unreadable answer.
    Failed,
    /// No answer within the timeout.
    TimedOut,
}

impl OutboundError {
    /// The message as the worker sees it.
    pub(crate) fn message(&self) -> &'static str {
        match self {
            OutboundError::Failed => "fetch failed",
            OutboundError::TimedOut => "The operation was aborted due to timeout",
        }
    }
}

/// An answer: status and body.
pub(crate) struct Answer {
    pub status: u16,
    pub body: Bytes,
}

/// Sends one request over plain HTTP/1.1 (the mock speaks no TLS to
/// receivers) and reads the whole answer within `timeout`.
pub(crate) async fn send(
    method: Method,
    url: &str,
    headers: &[(HeaderName, &str)],
    body: Bytes,
    timeout: Duration,
) -> Result<Answer, OutboundError> {
    let uri: Uri = url.parse().map_err(|_| OutboundError::Failed)?;
    if uri.scheme_str() != Some("http") {
        return Err(OutboundError::Failed);
    }
    let authority = uri.authority().ok_or(OutboundError::Failed)?.clone();
    let host = authority
        .host()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = authority.port_u16().unwrap_or(80);
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header(HOST, authority.as_str());
    for (name, value) in headers {
        request = request.header(name, *value);
    }
    let request = request
        .body(Full::new(body))
        .map_err(|_| OutboundError::Failed)?;
    let attempt = async {
        let stream = tokio::net::TcpStream::connect((host.as_str(), port))
            .await
            .map_err(|_| OutboundError::Failed)?;
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|_| OutboundError::Failed)?;
        tokio::spawn(conn);
        let response = sender
            .send_request(request)
            .await
            .map_err(|_| OutboundError::Failed)?;
        let status = response.status().as_u16();
        let body = Limited::new(response.into_body(), MAX_RESPONSE)
            .collect()
            .await
            .map_err(|_| OutboundError::Failed)?
            .to_bytes();
        Ok(Answer { status, body })
    };
    tokio::time::timeout(timeout, attempt)
        .await
        .map_err(|_| OutboundError::TimedOut)?
}

/// The worker's outbound URL policy for literal hosts: http(s) only, no
/// localhost names, no loopback, private, link-local, shared, benchmark,
/// multicast or reserved addresses (loopback ones allowed with
/// `allow_loopback`).
pub(crate) fn outbound_url_policy(url: &str, allow_loopback: bool) -> Result<(), String> {
    let invalid = || format!("Invalid outbound URL: {url}");
    let (scheme, rest) = url.split_once("://").ok_or_else(invalid)?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme.is_empty()
        || !scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    {
        return Err(invalid());
    }
    if scheme != "http" && scheme != "https" {
        return Err(format!("Disallowed URL scheme: {scheme}:"));
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split_once(']').map(|(h, _)| h).ok_or_else(invalid)?
    } else {
        host_port.split(':').next().unwrap_or("")
    };
    let host = host.to_ascii_lowercase();
    let host = host.trim_end_matches('.');
    if host.is_empty() {
        return Err(invalid());
    }
    let loopback_name = matches!(host, "localhost" | "ip6-localhost" | "ip6-loopback")
        || host.ends_with(".localhost");
    if (loopback_name && !allow_loopback) || host == "metadata.google.internal" {
        return Err(format!("Disallowed hostname: {host}"));
    }
    let disallowed_v4 = |ip: std::net::Ipv4Addr| {
        let [a, b, ..] = ip.octets();
        a == 0
            || a == 10
            || (a == 100 && (64..=127).contains(&b))
            || (a == 127 && !allow_loopback)
            || (a == 169 && b == 254)
            || (a == 172 && (16..=31).contains(&b))
            || (a == 192 && b == 168)
            || (a == 198 && (b == 18 || b == 19))
            || a >= 224
    };
    if let Ok(ip) = host.parse::<std::net::Ipv4Addr>() {
        if disallowed_v4(ip) {
            return Err(format!("Disallowed IP address: {host}"));
        }
    } else if let Ok(ip) = host.parse::<std::net::Ipv6Addr>() {
        let first = ip.segments()[0];
        let bad = ip.is_unspecified()
            || (ip.is_loopback() && !allow_loopback)
            || ip.to_ipv4_mapped().is_some_and(disallowed_v4)
            || (first & 0xfe00) == 0xfc00
            || (first & 0xffc0) == 0xfe80
            || (first & 0xff00) == 0xff00;
        if bad {
            return Err(format!("Disallowed IP address: {host}"));
        }
    }
    Ok(())
}
