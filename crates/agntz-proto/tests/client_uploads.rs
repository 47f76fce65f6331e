//! File and bytes content blocks through the generic client, over small
//! in-test transports (no runtime): the default transport refuses files
//! before sending anything, a bring-your-own transport that reads files
//! works, and uploads run concurrently within `Limits::max_concurrent_uploads`.

use std::collections::HashMap;
use std::future::Future;
use std::path::Path;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use agntz_proto::config::Config;
use agntz_proto::transport::{FullBody, Transport};
use agntz_proto::types::{ContentBlock, RunRequest};
use agntz_proto::uploads::{ContentError, FileBuffer};
use agntz_proto::{Client, ContentErrorKind, Error};
use bytes::Bytes;
use http::{Request, Response};
use serde_json::{json, Value};

const RUN_RESULT: &str = r#"{"output":"ok","state":{},"runId":"run_1","status":"completed","model":"m","usage":{"inputTokens":1,"outputTokens":1,"totalTokens":2}}"#;

/// Yields once before completing, so that concurrent futures overlap.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// A fake worker: `/artifacts` answers `artifact_<n>`, anything else a run
/// result. Records requests and the most uploads in flight at once; with
/// `files`, also reads "files" from memory.
#[derive(Default)]
struct Fake {
    seen: Mutex<Vec<Request<Bytes>>>,
    uploads: AtomicUsize,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    files: Option<HashMap<&'static str, &'static [u8]>>,
}

impl Fake {
    fn paths(&self) -> Vec<String> {
        let seen = self.seen.lock().unwrap();
        seen.iter().map(|r| r.uri().path().to_owned()).collect()
    }

    fn last_json(&self) -> Value {
        let seen = self.seen.lock().unwrap();
        serde_json::from_slice(seen.last().unwrap().body()).unwrap()
    }

    fn file(&self, path: &Path) -> Result<&'static [u8], Error> {
        let Some(files) = &self.files else {
            return Err(ContentError::files_unsupported().into());
        };
        let name = path.to_str().unwrap_or_default();
        files
            .get(name)
            .copied()
            .ok_or_else(|| ContentError::io(path, std::io::ErrorKind::NotFound.into()).into())
    }
}

impl Transport for Fake {
    type Body = FullBody;

    fn send(
        &self,
        request: Request<Bytes>,
    ) -> impl Future<Output = Result<Response<FullBody>, Error>> + Send {
        let upload = request.uri().path() == "/artifacts";
        self.seen.lock().unwrap().push(request);
        let body = if upload {
            let n = self.uploads.fetch_add(1, Ordering::SeqCst);
            let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            self.max_in_flight.fetch_max(now, Ordering::SeqCst);
            json!({"id": format!("artifact_{n}"), "status": "ready"}).to_string()
        } else {
            RUN_RESULT.to_owned()
        };
        async move {
            YieldOnce(false).await;
            if upload {
                self.in_flight.fetch_sub(1, Ordering::SeqCst);
            }
            Ok(Response::builder()
                .status(if upload { 201 } else { 200 })
                .header("content-type", "application/json")
                .body(FullBody::new(body))
                .unwrap())
        }
    }

    fn sleep(&self, _duration: Duration) -> impl Future<Output = ()> + Send {
        std::future::ready(())
    }

    fn jitter(&self) -> f64 {
        0.0
    }

    fn file_len(&self, path: &Path) -> impl Future<Output = Result<u64, Error>> + Send {
        std::future::ready(self.file(path).map(|f| f.len() as u64))
    }

    fn read_file(
        &self,
        path: &Path,
        mut buf: FileBuffer,
    ) -> impl Future<Output = Result<FileBuffer, Error>> + Send {
        let read = self.file(path).and_then(|data| {
            buf.reserve_file(data.len() as u64)?;
            buf.data_mut().extend_from_slice(data);
            Ok(buf)
        });
        std::future::ready(read)
    }
}

/// A transport that keeps the trait's default file methods.
#[derive(Default)]
struct NoFiles(Fake);

impl Transport for NoFiles {
    type Body = FullBody;

    fn send(
        &self,
        request: Request<Bytes>,
    ) -> impl Future<Output = Result<Response<FullBody>, Error>> + Send {
        self.0.send(request)
    }

    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send {
        self.0.sleep(duration)
    }

    fn jitter(&self) -> f64 {
        0.0
    }
}

fn config(uploads: usize) -> Config {
    Config::builder()
        .base_url("http://127.0.0.1:1")
        .api_key("k")
        .max_concurrent_uploads(uploads)
        .build()
        .unwrap()
}

/// Drives a future that never waits on anything outside itself.
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

#[test]
fn default_transport_refuses_files_before_sending_but_uploads_bytes() {
    let client = Client::new(config(4), NoFiles::default());
    let request = RunRequest::new("a").content([
        ContentBlock::image_bytes(&b"png"[..], "image/png"),
        ContentBlock::image_file("cat.png"),
    ]);
    let err = block_on(client.agents().run(request)).unwrap_err();
    let Error::Content(err) = err else {
        panic!("expected a content error, got {err:?}");
    };
    assert_eq!(err.kind(), ContentErrorKind::FilesUnsupported);
    assert_eq!(err.location(), Some("content[1]"));
    assert!(client.transport().0.paths().is_empty());

    let request =
        RunRequest::new("a").content([ContentBlock::audio_bytes(&b"ID3"[..], "audio/mpeg")]);
    block_on(client.agents().run(request)).unwrap();
    assert_eq!(client.transport().0.paths(), ["/artifacts", "/run"]);
    assert_eq!(
        client.transport().0.last_json()["content"],
        json!([{"type":"audio","artifactId":"artifact_0","mediaType":"audio/mpeg"}])
    );
}

#[test]
fn a_transport_that_reads_files_gets_the_whole_flow() {
    let fake = Fake {
        files: Some(HashMap::from([("a/cat.webp", &b"RIFF....WEBP"[..])])),
        ..Fake::default()
    };
    let client = Client::new(config(4), fake);
    let request = RunRequest::new("a").content([
        ContentBlock::text("hi"),
        ContentBlock::image_file("a/cat.webp"),
    ]);
    block_on(client.agents().run(request)).unwrap();
    let fake = client.transport();
    assert_eq!(fake.paths(), ["/artifacts", "/run"]);
    {
        let seen = fake.seen.lock().unwrap();
        let form = String::from_utf8_lossy(seen[0].body());
        assert!(form
            .contains("filename=\"cat.webp\"\r\nContent-Type: image/webp\r\n\r\nRIFF....WEBP\r\n"));
    }
    assert_eq!(
        fake.last_json()["content"][1],
        json!({"type":"image","artifactId":"artifact_0"})
    );

    // A missing file: nothing sent, not even the good file's upload.
    fake.seen.lock().unwrap().clear();
    let request = RunRequest::new("a").content([
        ContentBlock::image_file("a/cat.webp"),
        ContentBlock::image_file("a/dog.webp"),
    ]);
    let err = block_on(client.agents().run(request)).unwrap_err();
    assert!(
        matches!(&err, Error::Content(e) if e.kind() == ContentErrorKind::FileNotFound
            && e.location() == Some("content[1]")),
        "{err:?}"
    );
    assert!(fake.paths().is_empty());
}

#[test]
fn uploads_run_concurrently_within_the_limit() {
    for limit in [1, 2, 4] {
        let client = Client::new(config(limit), Fake::default());
        let blocks = (0..6).map(|i| ContentBlock::image_bytes(vec![i as u8; 16], "image/png"));
        block_on(client.agents().run(RunRequest::new("a").content(blocks))).unwrap();
        let fake = client.transport();
        assert_eq!(fake.uploads.load(Ordering::SeqCst), 6);
        assert_eq!(
            fake.max_in_flight.load(Ordering::SeqCst),
            limit,
            "limit {limit}"
        );
        // Every block points at the artifact of its own bytes, whatever
        // order the uploads finished in.
        let sent = fake.last_json();
        let seen = fake.seen.lock().unwrap();
        for (i, block) in sent["content"].as_array().unwrap().iter().enumerate() {
            let id = block["artifactId"].as_str().unwrap();
            let n: usize = id.strip_prefix("artifact_").unwrap().parse().unwrap();
            let form = seen[n].body();
            assert!(
                form.windows(16).any(|w| w == [i as u8; 16]),
                "block {i} got {id}"
            );
        }
    }
}
