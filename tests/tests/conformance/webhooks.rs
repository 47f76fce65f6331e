//! Webhooks of durable runs: the worker (started with loopback callbacks
//! allowed) POSTs signed events to a receiver on 127.0.0.1, and the SDK's
//! `WebhookVerifier` checks and decodes them.

use std::time::Duration;

use agntz_proto::types::{
    BatchInputItem, BatchRunRequest, BatchRunStatus, NewWebhookSecret, RunRequest, RunStatus,
};
use agntz_proto::webhooks::{
    WebhookError, WebhookEvent, WebhookVerifier, DELIVERY_ID_HEADER, IDEMPOTENCY_KEY_HEADER,
};
use agntz_proto::{Client, Transport};
use agntz_testkit::{TestWorker, TestWorkerConfig};
use http::{HeaderMap, HeaderName, HeaderValue};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use crate::harness::Harness;

/// One POST the receiver got.
struct Received {
    path: String,
    headers: HeaderMap,
    body: Vec<u8>,
}

/// A receiver on 127.0.0.1 answering each request with the next status of
/// `statuses` (then 200), and handing every request over.
async fn receiver(statuses: Vec<u16>) -> (String, mpsc::UnboundedReceiver<Received>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/hooks/agntz", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut statuses = statuses.into_iter();
        // Bounded: the test ends long before this many connections.
        for _ in 0..64 {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let Some(request) = read_request(&mut socket).await else {
                continue;
            };
            let status = statuses.next().unwrap_or(200);
            let answer =
                format!("HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
            let _ = socket.write_all(answer.as_bytes()).await;
            if tx.send(request).is_err() {
                return;
            }
        }
    });
    (url, rx)
}

/// Reads one HTTP/1.1 request with a `content-length` body.
async fn read_request(socket: &mut tokio::net::TcpStream) -> Option<Received> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        if buf.len() > 64 * 1024 {
            return None;
        }
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = std::str::from_utf8(&buf[..head_end]).ok()?.to_owned();
    let mut lines = head.split("\r\n");
    let path = lines.next()?.split(' ').nth(1)?.to_owned();
    let mut headers = HeaderMap::new();
    for line in lines {
        let (name, value) = line.split_once(':')?;
        headers.append(
            HeaderName::from_bytes(name.trim().as_bytes()).ok()?,
            HeaderValue::from_str(value.trim()).ok()?,
        );
    }
    let len: usize = headers.get("content-length")?.to_str().ok()?.parse().ok()?;
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < len {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Received {
        path,
        headers,
        body,
    })
}

async fn next(rx: &mut mpsc::UnboundedReceiver<Received>) -> Received {
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("a webhook within 10 s")
        .expect("receiver running")
}

/// A worker that accepts loopback callbacks, a client of it, a secret
/// named `secret` with its verifier, and a receiver answering `statuses`.
struct Hooked<T: Transport> {
    /// Held so the worker lives as long as the scenario.
    _worker: TestWorker,
    client: Client<T>,
    verifier: WebhookVerifier,
    url: String,
    rx: mpsc::UnboundedReceiver<Received>,
}

async fn hooked<T: Transport>(h: &Harness<T>, secret: &str, statuses: Vec<u16>) -> Hooked<T> {
    let (worker, client) = h
        .with_worker(TestWorkerConfig::default().loopback_callbacks(true))
        .await;
    let secret = client
        .webhook_secrets()
        .create(NewWebhookSecret::new(secret))
        .await
        .expect("create the secret");
    let (url, rx) = receiver(statuses).await;
    Hooked {
        _worker: worker,
        client,
        verifier: WebhookVerifier::new(secret.value.clone()),
        url,
        rx,
    }
}

pub async fn durable_run_webhooks_are_signed_and_decoded<T: Transport>(h: Harness<T>) {
    let mut hook = hooked(&h, "hooks", Vec::new()).await;

    let run = hook
        .client
        .runs()
        .start(
            RunRequest::new("echo")
                .input(r#"REPLY:"first" REPLY:"second" done"#)
                .callback_url(&hook.url)
                .webhook_secret_name("hooks"),
        )
        .await
        .expect("start with a callback");

    let mut replies = Vec::new();
    let complete = loop {
        let got = next(&mut hook.rx).await;
        assert_eq!(got.path, "/hooks/agntz");
        assert_eq!(got.headers["content-type"], "application/json");
        let delivery = hook
            .verifier
            .verify(&got.headers, &got.body)
            .expect("signed with the secret");
        let id = delivery.id.clone().expect("a delivery id");
        assert!(id.starts_with("whd_"), "{id}");
        assert_eq!(got.headers[IDEMPOTENCY_KEY_HEADER], id.as_str());
        assert_eq!(got.headers[DELIVERY_ID_HEADER], id.as_str());
        // Another secret does not verify it.
        assert_eq!(
            WebhookVerifier::new("whsec_other").verify(&got.headers, &got.body),
            Err(WebhookError::SignatureMismatch)
        );
        match delivery.event {
            WebhookEvent::Reply(reply) => replies.push(reply),
            WebhookEvent::Complete(done) => break done,
            other => panic!("unexpected event {other:?}"),
        }
    };
    let texts: Vec<&str> = replies.iter().map(|r| r.text.as_str()).collect();
    assert_eq!(texts, ["first", "second"]);
    assert!(replies
        .iter()
        .all(|r| !r.run_id.is_empty() && !r.ts.is_empty()));
    assert_eq!(complete.run_id, run.id);
    assert_eq!(complete.status, RunStatus::Completed);
    assert!(
        complete
            .output
            .as_str()
            .is_some_and(|o| o.starts_with("ECHO:")),
        "{:?}",
        complete.output
    );
    assert_eq!(complete.replies.len(), 2);
    assert!(complete.result.is_some() && complete.error.is_none());
}

pub async fn webhooks_of_a_failed_run_and_a_retried_delivery<T: Transport>(h: Harness<T>) {
    // The first attempt is answered 503: the worker tries again with the
    // same delivery id and body.
    let mut hook = hooked(&h, "hooks", vec![503]).await;
    let run = hook
        .client
        .runs()
        .start(
            RunRequest::new("echo")
                .input("FAIL_LLM")
                .callback_url(&hook.url)
                .webhook_secret_name("hooks"),
        )
        .await
        .expect("start with a callback");
    let first = next(&mut hook.rx).await;
    let again = next(&mut hook.rx).await;
    assert_eq!(first.body, again.body);
    assert_eq!(
        first.headers[DELIVERY_ID_HEADER],
        again.headers[DELIVERY_ID_HEADER]
    );
    let delivery = hook
        .verifier
        .verify(&again.headers, &again.body)
        .expect("signed");
    let WebhookEvent::Complete(done) = delivery.event else {
        panic!("expected the complete event, got {:?}", delivery.event)
    };
    assert_eq!(done.run_id, run.id);
    assert_eq!(done.status, RunStatus::Failed);
    assert!(done.output.is_null());
    assert_eq!(done.session_id, "");
    assert!(done.error.is_some_and(|e| !e.is_empty()));
    // Nothing more is sent for this run.
    assert!(
        tokio::time::timeout(Duration::from_millis(400), hook.rx.recv())
            .await
            .is_err(),
        "one complete event only"
    );
}

pub async fn batch_run_webhook_is_signed_and_decoded<T: Transport>(h: Harness<T>) {
    let mut hook = hooked(&h, "batch-hooks", Vec::new()).await;
    let batches = hook.client.batches();
    batches
        .create(crate::batches::SUMMARIES)
        .await
        .expect("create");
    let run = batches
        .run(
            BatchRunRequest::new("summaries")
                .item(BatchInputItem::new("c1", "Ada"))
                .item(BatchInputItem::new("c2", "FAIL_LLM please"))
                .callback(&hook.url, "batch-hooks"),
        )
        .await
        .expect("start with a callback");
    assert_eq!(run.callback_url.as_deref(), Some(hook.url.as_str()));
    assert_eq!(run.webhook_secret_name.as_deref(), Some("batch-hooks"));

    let got = next(&mut hook.rx).await;
    let delivery = hook
        .verifier
        .verify(&got.headers, &got.body)
        .expect("signed");
    let WebhookEvent::BatchComplete(done) = delivery.event else {
        panic!("expected batch.complete, got {:?}", delivery.event)
    };
    assert_eq!(
        (done.run_id.as_str(), done.batch_id.as_str()),
        (run.id.as_str(), "summaries")
    );
    assert_eq!(done.status, BatchRunStatus::Completed);
    assert_eq!(
        (done.provider.as_str(), done.model.as_str()),
        ("openai", "gpt-batch")
    );
    assert_eq!(
        (done.counts.total, done.counts.succeeded, done.counts.failed),
        (2, 1, 1)
    );
    assert!(
        tokio::time::timeout(Duration::from_millis(300), hook.rx.recv())
            .await
            .is_err(),
        "one batch.complete only"
    );
}
