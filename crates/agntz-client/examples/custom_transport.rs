//! A custom transport: implement `Transport` to put your own HTTP stack (or
//! a layer around one) under the whole SDK. This one wraps the reqwest
//! transport and logs each request line and status, a typical place for
//! metrics, request ids or a test recorder. Every resource method, retry
//! and stream works through it unchanged.
//!
//! ```text
//! cargo run -p agntz-client --example custom_transport
//! ```

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use agntz_client::bytes::Bytes;
use agntz_client::transport::ReqwestTransport;
use agntz_client::{http, AgntzClient, Error, RunRequest, StreamEvent, Transport};

/// Logs every request and counts them; the wrapped transport does the IO.
#[derive(Debug, Clone)]
struct Logged<T> {
    inner: T,
    sent: Arc<AtomicUsize>,
}

impl<T: Transport> Transport for Logged<T> {
    type Body = T::Body;

    async fn send(&self, request: http::Request<Bytes>) -> Result<http::Response<T::Body>, Error> {
        self.sent.fetch_add(1, Ordering::Relaxed);
        // The method and path only: headers carry the API key.
        let line = format!("{} {}", request.method(), request.uri().path());
        let response = self.inner.send(request).await;
        match &response {
            Ok(response) => println!("  -> {line}: {}", response.status()),
            Err(e) => println!("  -> {line}: {e}"),
        }
        response
    }

    fn sleep(&self, duration: Duration) -> impl std::future::Future<Output = ()> + Send {
        self.inner.sleep(duration)
    }

    fn jitter(&self) -> f64 {
        self.inner.jitter()
    }

    // A layer forwards the file reads too: the defaults refuse file
    // content blocks (`ContentBlock::image_file`).
    fn file_len(
        &self,
        path: &std::path::Path,
    ) -> impl std::future::Future<Output = Result<u64, Error>> + Send {
        self.inner.file_len(path)
    }

    fn read_file(
        &self,
        path: &std::path::Path,
        buf: agntz_client::uploads::FileBuffer,
    ) -> impl std::future::Future<Output = Result<agntz_client::uploads::FileBuffer, Error>> + Send
    {
        self.inner.read_file(path, buf)
    }

    fn now(&self) -> Option<std::time::Instant> {
        self.inner.now()
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The mock worker (or AGNTZ_BASE_URL), but our own client over it.
    let support::Connected {
        client: plain,
        worker: _worker,
    } = support::connect().await?;
    let config = plain.config();

    let sent = Arc::new(AtomicUsize::new(0));
    let transport = Logged {
        inner: ReqwestTransport::builder().build()?,
        sent: sent.clone(),
    };
    let client: AgntzClient<Logged<ReqwestTransport>> =
        AgntzClient::from_client(agntz_client::Client::new(config.clone(), transport));
    // (Starting from a builder instead: `AgntzClient::builder()...build_with(transport)`.)

    let result = client
        .agents()
        .run(RunRequest::new("echo").input("through my transport"))
        .await?;
    println!("run output: {}", result.output);

    let mut events = client
        .agents()
        .stream(RunRequest::new("echo").input("streamed through it"))
        .await?;
    while let Some(event) = events.next().await {
        if let StreamEvent::Complete(done) = event? {
            println!("stream output: {}", done.output);
        }
    }

    let sent = sent.load(Ordering::Relaxed);
    println!("{sent} requests went through the custom transport");
    if sent < 2 {
        return Err("the custom transport was bypassed".into());
    }
    Ok(())
}
