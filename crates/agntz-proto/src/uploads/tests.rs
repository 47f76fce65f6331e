use bytes::Bytes;
use serde_json::json;

use super::*;
use crate::config::Config;
use crate::ops::Operation;
use crate::types::{ImageDetail, Message, Retention, RunRequest, SessionImport, SessionSnapshot};

fn content_error(e: Error) -> ContentError {
    match e {
        Error::Content(e) => e,
        other => panic!("expected a content error, got {other:?}"),
    }
}

fn config() -> Config {
    Config::builder()
        .base_url("http://127.0.0.1:1")
        .api_key("k")
        .build()
        .unwrap()
}

#[test]
fn media_types_come_from_the_extension_or_the_block() {
    let mut req = RunRequest::new("a").content([
        ContentBlock::text("hi"),
        ContentBlock::image_file("shots/Frame.PNG").detail(ImageDetail::High),
        ContentBlock::audio_file("talk.mp3"),
        ContentBlock::audio_file("raw.bin").media_type("audio/L16"),
        ContentBlock::image_bytes(Bytes::from_static(b"GIF89a"), "image/gif"),
    ]);
    assert!(req.has_local_content());
    let uploads = req.take_local_content().unwrap();
    let got: Vec<_> = uploads
        .iter()
        .map(|u| (u.slot(), u.location(), u.kind(), u.media_type()))
        .collect();
    assert_eq!(
        got,
        [
            (1, "content[1]", MediaKind::Image, "image/png"),
            (2, "content[2]", MediaKind::Audio, "audio/mpeg"),
            (3, "content[3]", MediaKind::Audio, "audio/L16"),
            (4, "content[4]", MediaKind::Image, "image/gif"),
        ]
    );
    assert_eq!(uploads[0].path(), Some(Path::new("shots/Frame.PNG")));
    assert_eq!(uploads[3].path(), None);
    // Taken: the request cannot be built until every block is filled.
    let err = content_error(req.validate().unwrap_err());
    assert_eq!(err.kind(), ContentErrorKind::NotUploaded);
    assert_eq!(err.location(), Some("content[1]"));
    for (i, u) in uploads.iter().enumerate() {
        req.set_uploaded(u.slot(), format!("artifact_{i}")).unwrap();
    }
    let body: serde_json::Value =
        serde_json::from_slice(&req.to_body(false, false).unwrap()).unwrap();
    assert_eq!(
        body["content"],
        json!([
            {"type":"text","text":"hi"},
            {"type":"image","artifactId":"artifact_0","detail":"high"},
            {"type":"audio","artifactId":"artifact_1"},
            {"type":"audio","artifactId":"artifact_2","mediaType":"audio/L16"},
            {"type":"image","artifactId":"artifact_3","mediaType":"image/gif"},
        ])
    );
}

#[test]
fn bad_blocks_fail_before_anything_is_taken() {
    let cases = [
        (
            ContentBlock::image_file("notes.zzqq"),
            ContentErrorKind::UnknownMediaType,
        ),
        (
            ContentBlock::image_file("no_extension"),
            ContentErrorKind::UnknownMediaType,
        ),
        (
            ContentBlock::image_file("talk.mp3"),
            ContentErrorKind::WrongMediaType,
        ),
        (
            ContentBlock::audio_file("cat.png"),
            ContentErrorKind::WrongMediaType,
        ),
        (
            ContentBlock::audio_bytes(&b"x"[..], "image/png"),
            ContentErrorKind::WrongMediaType,
        ),
        (
            ContentBlock::image_bytes(&b"x"[..], "IMAGE/PNG"),
            ContentErrorKind::WrongMediaType,
        ),
        (
            ContentBlock::image_bytes(&b"x"[..], "png"),
            ContentErrorKind::InvalidMediaType,
        ),
        (
            ContentBlock::image_bytes(&b"x"[..], "image/png\r\nX: y"),
            ContentErrorKind::InvalidMediaType,
        ),
        (
            ContentBlock::image_bytes(vec![0u8; ArtifactUpload::MAX_BYTES + 1], "image/png"),
            ContentErrorKind::TooLarge,
        ),
    ];
    for (block, kind) in cases {
        let mut req = RunRequest::new("a")
            .content([ContentBlock::image_bytes(&b"ok"[..], "image/png"), block]);
        let before = req.clone();
        let err = content_error(req.take_local_content().unwrap_err());
        assert_eq!(err.kind(), kind, "{err}");
        assert_eq!(err.location(), Some("content[1]"));
        assert_eq!(req, before, "nothing taken");
    }
    let err = content_error(
        RunRequest::new("a")
            .content([ContentBlock::image_file("dir/a.zzqq")])
            .take_local_content()
            .unwrap_err(),
    );
    assert_eq!(err.path(), Some(Path::new("dir/a.zzqq")));
    assert!(err.to_string().contains("content[0] (dir/a.zzqq)"), "{err}");

    // The request's own checks come first.
    let err = RunRequest::new(" ")
        .content([ContentBlock::image_file("a.png")])
        .take_local_content()
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)));
}

#[test]
fn local_blocks_are_never_serialized() {
    let req = RunRequest::new("a").content([ContentBlock::audio_file("a.wav")]);
    let err = content_error(req.to_body(false, false).unwrap_err());
    assert_eq!(err.kind(), ContentErrorKind::NotUploaded);
    assert!(serde_json::to_value(ContentBlock::audio_file("a.wav")).is_err());
    // Built by hand, an empty artifact id is refused too.
    let err = content_error(
        RunRequest::new("a")
            .content([ContentBlock::image_artifact("")])
            .validate()
            .unwrap_err(),
    );
    assert_eq!(err.kind(), ContentErrorKind::NotUploaded);
}

#[test]
fn bytes_upload_is_the_artifact_form_with_the_run_ttl() {
    let mut req = RunRequest::new("a")
        .content([ContentBlock::audio_bytes(&b"RIFF....WAVE"[..], "audio/wav")])
        .retention(Retention::new().artifact_ttl_seconds(900));
    let upload = req.take_local_content().unwrap().pop().unwrap();
    assert_eq!(upload.expires_in_seconds(), Some(900));
    assert!(upload.file_buffer().is_none());
    let op = upload.into_operation(None).unwrap();
    let http = op.build(&config()).unwrap();
    assert_eq!(http.method(), http::Method::POST);
    assert_eq!(http.uri().path(), "/artifacts");
    let ct = http.headers()[http::header::CONTENT_TYPE].to_str().unwrap();
    let boundary = ct.strip_prefix("multipart/form-data; boundary=").unwrap();
    let expected = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"artifact\"\r\n\
         Content-Type: audio/wav\r\n\r\nRIFF....WAVE\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\ninput\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"expiresInSeconds\"\r\n\r\n900\r\n\
         --{b}--\r\n",
        b = boundary
    );
    assert_eq!(http.body().as_ref(), expected.as_bytes());
    // A retry resends the same bytes, not a copy.
    assert_eq!(
        op.build(&config()).unwrap().body().as_ptr(),
        http.body().as_ptr()
    );
}

#[test]
fn a_file_is_laid_out_in_one_allocation() {
    let mut req = RunRequest::new("a").content([ContentBlock::image_file("/tmp/x/cat.png")]);
    let upload = req.take_local_content().unwrap().pop().unwrap();
    assert!(upload.check_file_len(10).is_ok());
    let err = content_error(
        upload
            .check_file_len(ArtifactUpload::MAX_BYTES as u64 + 1)
            .unwrap_err(),
    );
    assert_eq!(err.kind(), ContentErrorKind::TooLarge);
    assert_eq!(err.location(), Some("content[0]"));

    let data = b"\x89PNG\r\n\x1a\nfake";
    let mut buf = upload.file_buffer().unwrap();
    buf.reserve_file(data.len() as u64).unwrap();
    buf.data_mut().extend_from_slice(data);
    let start = buf.data_mut().as_ptr();
    let op = upload.into_operation(Some(buf)).unwrap();
    let body = op.body();
    let at = body
        .windows(data.len())
        .position(|w| w == data)
        .expect("the file's bytes are in the form");
    // The file's bytes were not moved: the form was written around them.
    assert_eq!(body[at..].as_ptr(), start);
    let text = String::from_utf8_lossy(body);
    assert!(text.contains("filename=\"cat.png\"\r\nContent-Type: image/png\r\n"));
    assert!(!text.contains("expiresInSeconds"));

    // A reader that ignores `reserve_file` gets the same form.
    let mut req = RunRequest::new("a").content([ContentBlock::image_file("/tmp/x/cat.png")]);
    let upload = req.take_local_content().unwrap().pop().unwrap();
    let mut buf = upload.file_buffer().unwrap();
    buf.data_mut().extend_from_slice(data);
    let again = upload.into_operation(Some(buf)).unwrap();
    assert_eq!(again.body(), body);

    // Past the limit, or never read.
    let mut req = RunRequest::new("a").content([ContentBlock::image_file("a.png")]);
    let upload = req.take_local_content().unwrap().pop().unwrap();
    let mut buf = upload.file_buffer().unwrap();
    assert_eq!(
        content_error(buf.reserve_file(buf.limit() + 1).unwrap_err()).kind(),
        ContentErrorKind::TooLarge
    );
    let err = content_error(upload.into_operation(None).unwrap_err());
    assert_eq!(err.kind(), ContentErrorKind::NotUploaded);
}

#[test]
fn session_imports_upload_message_blocks() {
    let mut import = SessionImport::new([
        SessionSnapshot::new("s1").message(Message::user("plain", "2026-01-01T00:00:00Z")),
        SessionSnapshot::new("s2")
            .message(Message::user(
                vec![ContentBlock::text("see"), ContentBlock::image_file("a.jpg")],
                "2026-01-01T00:00:00Z",
            ))
            .message(Message::user(
                vec![ContentBlock::audio_bytes(&b"ID3"[..], "audio/mpeg")],
                "2026-01-01T00:00:01Z",
            )),
    ]);
    assert!(import.has_local_content());
    assert!(matches!(import.to_body(), Err(Error::Content(_))));
    let uploads = import.take_local_content().unwrap();
    let got: Vec<_> = uploads
        .iter()
        .map(|u| {
            (
                u.slot(),
                u.location(),
                u.media_type(),
                u.expires_in_seconds(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (1, "sessions[1].messages[0].content[1]", "image/jpeg", None),
            (2, "sessions[1].messages[1].content[0]", "audio/mpeg", None),
        ]
    );
    import.set_uploaded(1, "artifact_img").unwrap();
    import.set_uploaded(2, "artifact_aud").unwrap();
    assert!(
        import.set_uploaded(0, "artifact_x").is_err(),
        "a text block"
    );
    assert!(
        import.set_uploaded(9, "artifact_x").is_err(),
        "no such slot"
    );
    let body: serde_json::Value = serde_json::from_slice(&import.to_body().unwrap()).unwrap();
    assert_eq!(
        body["sessions"][1]["messages"][0]["content"][1],
        json!({"type":"image","artifactId":"artifact_img"})
    );
    assert_eq!(
        body["sessions"][1]["messages"][1]["content"][0],
        json!({"type":"audio","artifactId":"artifact_aud","mediaType":"audio/mpeg"})
    );
}

#[test]
fn debug_shows_lengths_not_bytes() {
    let block = ContentBlock::image_bytes(vec![7u8; 4096], "image/png");
    let debug = format!("{block:?}");
    assert!(debug.contains("len: 4096"), "{debug}");
    assert!(debug.len() < 200, "{debug}");
}
