//! Content blocks from local files and in-memory bytes, uploaded as
//! artifacts before the request that holds them; written once and generic
//! over the transport.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use agntz_proto::types::{
    BlockSelection, ContentBlock, MediaSource, Message, MessageContent, Retention, RunRequest,
    SessionImport, SessionSnapshot,
};
use agntz_proto::{ContentErrorKind, Error, Transport};
use agntz_testkit::RecordedRequest;
use serde_json::{json, Value};

use crate::harness::Harness;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR fake image bytes";
const MP3: &[u8] = b"ID3\x04\x00\x00\x00\x00\x00\x00 fake audio bytes";

/// A fresh directory of files for one scenario, removed on drop.
struct Files(PathBuf);

impl Files {
    fn new() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!(
            "agntz-conformance-content-{}-{n}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        Files(dir)
    }

    fn write(&self, name: &str, data: &[u8]) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, data).expect("write file");
        path
    }

    fn dir(&self, name: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::create_dir_all(&path).expect("create dir");
        path
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Files {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The text of a multipart text field in a recorded upload.
fn form_field(upload: &RecordedRequest, name: &str) -> Option<String> {
    let body = String::from_utf8_lossy(&upload.body);
    let marker = format!("name=\"{name}\"\r\n\r\n");
    let start = body.find(&marker)? + marker.len();
    let end = body[start..].find("\r\n")?;
    Some(body[start..start + end].to_owned())
}

fn uploads(requests: &[RecordedRequest]) -> Vec<&RecordedRequest> {
    requests
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/artifacts")
        .collect()
}

fn body_of(requests: &[RecordedRequest], path: &str) -> Value {
    requests
        .iter()
        .rev()
        .find(|r| r.method == "POST" && r.path == path)
        .and_then(RecordedRequest::body_json)
        .unwrap_or_else(|| panic!("a POST {path} was sent"))
}

fn artifact_id(block: &Value) -> String {
    block["artifactId"]
        .as_str()
        .unwrap_or_else(|| panic!("an artifact block: {block}"))
        .to_owned()
}

fn content_error(err: Error) -> agntz_proto::ContentError {
    match err {
        Error::Content(e) => e,
        other => panic!("expected Error::Content, got {other:?}"),
    }
}

pub async fn run_with_image_file_and_audio_bytes<T: Transport>(h: Harness<T>) {
    let files = Files::new();
    let image = files.write("frame.png", PNG);
    let out = h
        .client
        .agents()
        .run(
            RunRequest::new("echo")
                .content([
                    ContentBlock::text("describe"),
                    ContentBlock::image_file(&image),
                    ContentBlock::audio_bytes(MP3, "audio/mpeg"),
                ])
                .retention(Retention::new().artifact_ttl_seconds(600)),
        )
        .await
        .expect("run with a file and bytes");
    assert_eq!(out.output, "ECHO: describe");

    // Two uploads, then the run, which names their artifacts.
    let requests = h.worker.requests();
    let paths: Vec<_> = requests.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(paths, ["/artifacts", "/artifacts", "/run"]);
    let sent = body_of(&requests, "/run");
    let content = sent["content"].as_array().expect("content");
    assert_eq!(content[0], json!({"type":"text","text":"describe"}));
    let image_id = artifact_id(&content[1]);
    let audio_id = artifact_id(&content[2]);
    assert_eq!(content[1], json!({"type":"image","artifactId": image_id}));
    assert_eq!(
        content[2],
        json!({"type":"audio","artifactId": audio_id,"mediaType":"audio/mpeg"})
    );
    assert!(sent.get("input").is_none());
    for upload in uploads(&requests) {
        assert_eq!(form_field(upload, "purpose").as_deref(), Some("input"));
        assert_eq!(
            form_field(upload, "expiresInSeconds").as_deref(),
            Some("600")
        );
    }

    // The artifacts are there, with the guessed and the given media types.
    let artifacts = h.client.artifacts();
    let stored = artifacts.get(&image_id).await.expect("image artifact");
    assert_eq!(stored.media_type, "image/png");
    assert_eq!(stored.size_bytes, PNG.len() as u64);
    let bytes = artifacts.download(&image_id).await.expect("download image");
    assert_eq!(bytes.data.as_ref(), PNG);
    let stored = artifacts.get(&audio_id).await.expect("audio artifact");
    assert_eq!(stored.media_type, "audio/mpeg");
    let bytes = artifacts.download(&audio_id).await.expect("download audio");
    assert_eq!(bytes.data.as_ref(), MP3);
}

/// `stream`, `agents().start`, `runs().start` and block runs upload too.
pub async fn stream_and_durable_starts_upload_first<T: Transport>(h: Harness<T>) {
    let files = Files::new();
    let image = files.write("still.jpg", PNG);
    let request = || {
        RunRequest::new("echo").content([
            ContentBlock::text("look"),
            ContentBlock::image_file(&image),
            ContentBlock::audio_file(files.write("clip.wav", MP3)),
        ])
    };

    let done = h
        .client
        .agents()
        .stream(request())
        .await
        .expect("stream")
        .into_result()
        .await
        .expect("streamed run");
    assert_eq!(done.output, "ECHO: look");
    let started = h.client.agents().start(request()).await.expect("start");
    let durable = h.client.runs().start(request()).await.expect("runs start");
    assert_ne!(started.id, durable.id);
    let block = h
        .client
        .agents()
        .run_block(request(), BlockSelection::root())
        .await
        .expect("block run");
    assert_eq!(block.result.output, "ECHO: look");

    let requests = h.worker.requests();
    assert_eq!(uploads(&requests).len(), 8);
    let artifacts = h.client.artifacts();
    for path in ["/run/stream", "/runs", "/run/block"] {
        let sent = body_of(&requests, path);
        let image_id = artifact_id(&sent["content"][1]);
        let audio_id = artifact_id(&sent["content"][2]);
        let image = artifacts.get(&image_id).await.expect("image artifact");
        assert_eq!(image.media_type, "image/jpeg");
        let audio = artifacts.get(&audio_id).await.expect("audio artifact");
        assert!(
            audio.media_type.starts_with("audio/"),
            "{}",
            audio.media_type
        );
        // No lifetime asked for: none sent.
        assert!(uploads(&requests)
            .iter()
            .all(|u| form_field(u, "expiresInSeconds").is_none()));
    }
}

/// A bad block fails the call before any request reaches the worker: not
/// the run, and not the uploads of the good blocks before it.
pub async fn bad_blocks_fail_before_any_request<T: Transport>(h: Harness<T>) {
    let files = Files::new();
    let good = files.write("ok.png", PNG);
    let missing = files.path("missing.png");
    let request = |bad: ContentBlock| {
        RunRequest::new("echo").content([
            ContentBlock::image_file(&good),
            ContentBlock::audio_bytes(MP3, "audio/mpeg"),
            bad,
        ])
    };
    let cases = [
        (
            ContentBlock::image_file(&missing),
            ContentErrorKind::FileNotFound,
        ),
        (
            ContentBlock::audio_file(files.write("notes.zzqq", b"?")),
            ContentErrorKind::UnknownMediaType,
        ),
        (
            ContentBlock::audio_file(&good),
            ContentErrorKind::WrongMediaType,
        ),
        (
            ContentBlock::image_bytes(MP3, "audio/mpeg"),
            ContentErrorKind::WrongMediaType,
        ),
        (
            ContentBlock::image_file(files.dir("album.png")),
            ContentErrorKind::FileUnreadable,
        ),
    ];
    for (bad, kind) in cases {
        h.worker.clear_requests();
        let err = content_error(
            h.client
                .agents()
                .run(request(bad.clone()))
                .await
                .expect_err("bad block"),
        );
        assert_eq!(err.kind(), kind, "{err}");
        assert_eq!(err.location(), Some("content[2]"));
        let err = h
            .client
            .agents()
            .stream(request(bad.clone()))
            .await
            .expect_err("bad block on stream");
        assert_eq!(content_error(err).kind(), kind);
        let err = h
            .client
            .runs()
            .start(request(bad))
            .await
            .expect_err("bad block on a durable start");
        assert_eq!(content_error(err).kind(), kind);
        assert!(
            h.worker.requests().is_empty(),
            "no request for {kind:?}: {:?}",
            h.worker.requests()
        );
    }

    let err = content_error(
        h.client
            .agents()
            .run(RunRequest::new("echo").content([ContentBlock::image_file(&missing)]))
            .await
            .expect_err("missing file"),
    );
    assert_eq!(err.path(), Some(Path::new(&missing)));
    assert!(err.to_string().contains("file not found"), "{err}");
    assert!(h.worker.requests().is_empty());
}

pub async fn session_import_uploads_message_files<T: Transport>(h: Harness<T>) {
    let files = Files::new();
    let image = files.write("diagram.png", PNG);
    let import =
        SessionImport::new([
            SessionSnapshot::new("sess_with_files").message(Message::user(
                vec![
                    ContentBlock::text("what is this?"),
                    ContentBlock::image_file(&image),
                ],
                "2026-01-01T00:00:00.000Z",
            )),
        ]);
    let imported = h.client.sessions().import(import).await.expect("import");
    assert_eq!(imported.results[0].message_count, 1);

    let detail = h
        .client
        .sessions()
        .get("sess_with_files")
        .await
        .expect("get");
    let MessageContent::Blocks(blocks) = &detail.messages[0].content else {
        panic!("blocks: {:?}", detail.messages[0].content);
    };
    let Some(MediaSource::Artifact(id)) = blocks[1].source() else {
        panic!("an artifact block: {:?}", blocks[1]);
    };
    let stored = h.client.artifacts().get(id).await.expect("artifact");
    assert_eq!(stored.media_type, "image/png");

    // A missing file: no upload, no import.
    h.worker.clear_requests();
    let import = SessionImport::new([SessionSnapshot::new("sess_missing").message(Message::user(
        vec![ContentBlock::image_file(files.path("gone.png"))],
        "2026-01-01T00:00:00.000Z",
    ))]);
    let err = h
        .client
        .sessions()
        .import(import)
        .await
        .expect_err("missing");
    let err = content_error(err);
    assert_eq!(err.kind(), ContentErrorKind::FileNotFound);
    assert_eq!(err.location(), Some("sessions[0].messages[0].content[0]"));
    assert!(h.worker.requests().is_empty());
}

/// The mock checks referenced artifacts on every run route, as the worker
/// does (an artifact uploaded by hand can still be of the wrong kind).
pub async fn every_run_route_checks_referenced_artifacts<T: Transport>(h: Harness<T>) {
    let text = h
        .client
        .artifacts()
        .upload(agntz_proto::types::ArtifactUpload::new(
            &b"notes"[..],
            "text/plain",
        ))
        .await
        .expect("upload");
    let message = |err: Error| {
        assert_eq!(err.status().map(|s| s.as_u16()), Some(400), "{err}");
        assert_eq!(err.code(), Some("BAD_REQUEST"));
        err.api().expect("api error").message.clone()
    };
    let image = || RunRequest::new("echo").content([ContentBlock::image_artifact(&text.id)]);
    let audio = || RunRequest::new("echo").content([ContentBlock::audio_artifact(&text.id)]);
    let missing =
        || RunRequest::new("echo").content([ContentBlock::audio_artifact("artifact_gone")]);

    let not_image = format!("Artifact '{}' is not an image (text/plain)", text.id);
    let not_audio = format!("Artifact '{}' is not audio (text/plain)", text.id);
    let gone = "Artifact 'artifact_gone' is missing or expired";
    let runs = h.client.runs();
    let agents = h.client.agents();
    assert_eq!(
        message(runs.start(image()).await.expect_err("/runs")),
        not_image
    );
    assert_eq!(
        message(runs.start(audio()).await.expect_err("/runs")),
        not_audio
    );
    assert_eq!(
        message(runs.start(missing()).await.expect_err("/runs")),
        gone
    );
    let err = agents.stream(image()).await.expect_err("/run/stream");
    assert_eq!(message(err), not_image);
    assert_eq!(
        message(agents.run(missing()).await.expect_err("/run")),
        gone
    );
}

/// An artifact past its expiry is gone from every route, as the worker's
/// sweep leaves it: the artifact routes answer 404 and a run that
/// references it is refused before it starts.
pub async fn an_expired_artifact_is_gone_from_every_route<T: Transport>(h: Harness<T>) {
    let artifacts = h.client.artifacts();
    let png = &b"\x89PNG\r\n\x1a\n"[..];
    let stored = artifacts
        .upload(agntz_proto::types::ArtifactUpload::new(png, "image/png"))
        .await
        .expect("upload");
    let image = || RunRequest::new("echo").content([ContentBlock::image_artifact(&stored.id)]);
    // Usable before it expires.
    artifacts.get(&stored.id).await.expect("get before expiry");
    h.client
        .runs()
        .start(image())
        .await
        .expect("a run with the artifact before expiry");

    assert!(h.worker.expire_artifact(&stored.id));
    assert!(!h.worker.expire_artifact("artifact_unknown"));

    let not_found = |err: Error, what: &str| {
        assert!(matches!(err, Error::NotFound(_)), "{what}: {err:?}");
    };
    not_found(artifacts.get(&stored.id).await.expect_err("get"), "get");
    not_found(
        artifacts.download(&stored.id).await.expect_err("download"),
        "download",
    );
    not_found(
        artifacts.delete(&stored.id).await.expect_err("delete"),
        "delete",
    );
    let gone = format!("Artifact '{}' is missing or expired", stored.id);
    for err in [
        h.client.runs().start(image()).await.expect_err("/runs"),
        h.client.agents().run(image()).await.expect_err("/run"),
        h.client
            .agents()
            .stream(image())
            .await
            .expect_err("/run/stream"),
    ] {
        assert_eq!(err.status().map(|s| s.as_u16()), Some(400), "{err}");
        assert_eq!(err.code(), Some("BAD_REQUEST"));
        assert_eq!(err.api().expect("api error").message, gone);
    }
}
