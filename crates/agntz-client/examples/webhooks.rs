//! Webhooks: start a durable run with a callback URL and receive its signed
//! events on a small HTTP server, checking each with `WebhookVerifier`.
//!
//! Runs offline against the in-process mock worker, started so that it may
//! call back to `127.0.0.1` (a real worker refuses loopback callback URLs:
//! give it a public HTTPS endpoint instead, and the same handler code).
//!
//! ```text
//! cargo run -p agntz-client --example webhooks
//! ```

use std::convert::Infallible;
use std::time::Duration;

use agntz_client::webhooks::{WebhookEvent, WebhookVerifier};
use agntz_client::{AgntzClient, NewWebhookSecret, RunRequest};
use agntz_testkit::{TestWorker, TestWorkerConfig};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::sync::mpsc;

/// The webhook handler: verify the signature on the raw body, then hand the
/// event over. A bad signature is refused with 401 (the worker does not
/// retry a 4xx).
async fn handle(
    verifier: WebhookVerifier,
    events: mpsc::UnboundedSender<WebhookEvent>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = request.into_parts();
    let body = match body.collect().await {
        Ok(body) => body.to_bytes(),
        Err(_) => return Ok(status(StatusCode::BAD_REQUEST)),
    };
    match verifier.verify(&parts.headers, &body) {
        Ok(delivery) => {
            // A real handler would skip a delivery id it has already seen:
            // the worker retries on 429/5xx with the same id.
            println!("delivery {}", delivery.id.as_deref().unwrap_or("(no id)"));
            let _ = events.send(delivery.event);
            Ok(status(StatusCode::OK))
        }
        Err(e) => {
            eprintln!("refused a webhook: {e}");
            Ok(status(StatusCode::UNAUTHORIZED))
        }
    }
}

fn status(code: StatusCode) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = code;
    response
}

/// Serves `handle` on 127.0.0.1; returns the callback URL.
async fn serve(
    verifier: WebhookVerifier,
    events: mpsc::UnboundedSender<WebhookEvent>,
) -> std::io::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/agntz/webhooks", listener.local_addr()?);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (verifier, events) = (verifier.clone(), events.clone());
            let service = hyper::service::service_fn(move |request| {
                handle(verifier.clone(), events.clone(), request)
            });
            tokio::spawn(
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service),
            );
        }
    });
    Ok(url)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let worker =
        TestWorker::start_with(TestWorkerConfig::default().loopback_callbacks(true)).await?;
    let client = AgntzClient::new(worker.api_key(), worker.base_url())?;

    // The secret's value is shown once: keep it where the handler can read it.
    let secret = client
        .webhook_secrets()
        .create(NewWebhookSecret::new("example-hooks"))
        .await?;
    println!("secret {} created (value {})", secret.name, secret.value);
    let verifier = WebhookVerifier::new(secret.value.clone());

    let (tx, mut events) = mpsc::unbounded_channel();
    let url = serve(verifier, tx).await?;
    println!("receiving webhooks at {url}");

    let run = client
        .runs()
        .start(
            RunRequest::new("echo")
                .input(r#"REPLY:"Looking into it" REPLY:"Nearly there" summarize"#)
                .callback_url(&url)
                .webhook_secret_name("example-hooks"),
        )
        .await?;
    println!("started run {}", run.id);

    loop {
        let event = tokio::time::timeout(Duration::from_secs(10), events.recv())
            .await
            .map_err(|_| "no webhook within 10 s")?
            .ok_or("the receiver stopped")?;
        match event {
            WebhookEvent::Reply(reply) => println!("  reply from {}: {}", reply.run_id, reply.text),
            WebhookEvent::Complete(done) => {
                println!(
                    "  complete: {:?}, output {}, {} replies",
                    done.status,
                    done.output,
                    done.replies.len()
                );
                break;
            }
            other => println!("  {} event", other.kind()),
        }
    }
    Ok(())
}
