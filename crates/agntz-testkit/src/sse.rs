//! Server-sent events: framing identical to the worker's (`event`, `data`, optional
//! `id`, blank line; LF only) and the streaming response plumbing, including the
//! byte-level stream faults.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::{header, HeaderValue, Response};
use tokio::sync::mpsc;

use crate::faults::Fault;
use crate::respond::{channel_body, Body};

/// Formats one frame.
pub(crate) fn frame(event: &str, data: &str, id: Option<u64>) -> Bytes {
    let mut s = String::with_capacity(event.len() + data.len() + 32);
    s.push_str("event: ");
    s.push_str(event);
    s.push_str("\ndata: ");
    s.push_str(data);
    s.push('\n');
    if let Some(id) = id {
        s.push_str("id: ");
        s.push_str(&id.to_string());
        s.push('\n');
    }
    s.push('\n');
    Bytes::from(s)
}

struct SseMsg {
    bytes: Bytes,
    terminal: bool,
}

/// Producer side of an SSE response.
pub(crate) struct SseSender {
    tx: mpsc::Sender<SseMsg>,
}

impl SseSender {
    /// Sends a frame; `false` once the client has gone away.
    pub(crate) async fn send(
        &self,
        event: &str,
        data: &str,
        id: Option<u64>,
        terminal: bool,
    ) -> bool {
        self.tx
            .send(SseMsg {
                bytes: frame(event, data, id),
                terminal,
            })
            .await
            .is_ok()
    }

    /// Resolves when the client has gone away.
    pub(crate) async fn closed(&self) {
        self.tx.closed().await
    }
}

/// A 200 `text/event-stream` response and the sender feeding it, with `fault`
/// (a stream-stage fault, if any) applied to the bytes.
pub(crate) fn response(fault: Option<Fault>) -> (Response<Body>, SseSender) {
    let (tx, rx) = mpsc::channel::<SseMsg>(64);
    let (out_tx, out_rx) = mpsc::channel(16);
    let html = fault == Some(Fault::HtmlContentType);
    tokio::spawn(pump(rx, out_tx, fault));
    let mut resp = Response::new(channel_body(out_rx));
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(if html {
            "text/html; charset=UTF-8"
        } else {
            "text/event-stream"
        }),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(header::CONNECTION, HeaderValue::from_static("keep-alive"));
    (resp, SseSender { tx })
}

type Out = mpsc::Sender<Result<Bytes, std::io::Error>>;

fn abort() -> Result<Bytes, std::io::Error> {
    Err(std::io::Error::new(
        std::io::ErrorKind::ConnectionReset,
        "fault injection: connection aborted",
    ))
}

/// Aborts the connection after giving hyper time to flush what was written.
async fn abort_after_flush(out: &Out) {
    tokio::time::sleep(Duration::from_millis(50)).await;
    let _ = out.send(abort()).await;
}

async fn stall(out: &Out, duration: Option<Duration>) {
    match duration {
        Some(d) => {
            tokio::select! {
                _ = tokio::time::sleep(d) => {}
                _ = out.closed() => {}
            }
        }
        None => out.closed().await,
    }
}

async fn pump(mut rx: mpsc::Receiver<SseMsg>, out: Out, fault: Option<Fault>) {
    match &fault {
        Some(Fault::Garbage { len }) => {
            let bytes: Vec<u8> = (0..*len)
                .map(|_| (crate::util::random_u64() % 256) as u8)
                .map(|b| if b == b'\n' { 0xFF } else { b })
                .collect();
            let _ = out.send(Ok(Bytes::from(bytes))).await;
            return;
        }
        Some(Fault::EnormousLine { len }) => {
            let mut left = *len;
            while left > 0 {
                let n = left.min(64 * 1024);
                if out.send(Ok(Bytes::from(vec![b'x'; n]))).await.is_err() {
                    return;
                }
                left -= n;
            }
            return;
        }
        Some(Fault::CutAfterBytes(0)) | Some(Fault::ResetAfterEvents(0)) => {
            let _ = out.send(abort()).await;
            return;
        }
        Some(Fault::StallAfterEvents {
            events: 0,
            duration,
        }) => stall(&out, *duration).await,
        _ => {}
    }
    let mut frames = 0usize;
    let mut bytes_sent = 0usize;
    let mut first = true;
    loop {
        // Watch the client side too, so that a disconnect reaches the producer
        // even while no frames are flowing.
        let msg = tokio::select! {
            msg = rx.recv() => match msg {
                Some(m) => m,
                None => return,
            },
            _ = out.closed() => return,
        };
        let mut bytes = msg.bytes;
        match &fault {
            Some(Fault::TruncateBeforeTerminal) if msg.terminal => return,
            Some(Fault::InvalidUtf8) if first => {
                bytes = splice_data(&bytes, |data| {
                    let mut v = BytesMut::from(&b"\xFF\xFE"[..]);
                    v.extend_from_slice(data);
                    v.freeze()
                });
            }
            Some(Fault::InvalidJsonData) if first => {
                bytes = splice_data(&bytes, |_| Bytes::from_static(b"{\"truncated\":"));
            }
            _ => {}
        }
        first = false;
        match &fault {
            Some(Fault::CutAfterBytes(n)) => {
                let remain = n.saturating_sub(bytes_sent);
                if bytes.len() >= remain {
                    if remain > 0 {
                        let _ = out.send(Ok(bytes.slice(..remain))).await;
                    }
                    abort_after_flush(&out).await;
                    return;
                }
                bytes_sent += bytes.len();
                if out.send(Ok(bytes)).await.is_err() {
                    return;
                }
            }
            Some(Fault::Drip { delay }) => {
                for i in 0..bytes.len() {
                    if out.send(Ok(bytes.slice(i..i + 1))).await.is_err() {
                        return;
                    }
                    tokio::time::sleep(*delay).await;
                }
            }
            _ => {
                if out.send(Ok(bytes)).await.is_err() {
                    return;
                }
            }
        }
        frames += 1;
        match &fault {
            Some(Fault::ResetAfterEvents(n)) if frames >= *n => {
                abort_after_flush(&out).await;
                return;
            }
            Some(Fault::StallAfterEvents { events, duration }) if frames == *events => {
                stall(&out, *duration).await;
            }
            _ => {}
        }
    }
}

/// Rewrites the value of the `data:` line of a frame.
fn splice_data(frame: &Bytes, f: impl FnOnce(&[u8]) -> Bytes) -> Bytes {
    let Some(start) = find(frame, b"\ndata: ").map(|i| i + 7) else {
        return frame.clone();
    };
    let end = frame[start..]
        .iter()
        .position(|&b| b == b'\n')
        .map(|i| start + i)
        .unwrap_or(frame.len());
    let mut out = BytesMut::with_capacity(frame.len() + 8);
    out.extend_from_slice(&frame[..start]);
    out.extend_from_slice(&f(&frame[start..end]));
    out.extend_from_slice(&frame[end..]);
    out.freeze()
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    #[test]
    fn framing() {
        assert_eq!(
            &super::frame("run-start", "{}", None)[..],
            b"event: run-start\ndata: {}\n\n"
        );
        assert_eq!(
            &super::frame("reply", "{\"a\":1}", Some(4))[..],
            b"event: reply\ndata: {\"a\":1}\nid: 4\n\n"
        );
    }
}
