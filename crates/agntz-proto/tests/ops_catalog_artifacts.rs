//! Golden requests and responses for the agent catalogue and artifact
//! operations (wire-extended §1 and §2): exact method, URI, header set and
//! body, with multipart uploads parsed back part by part.

use std::collections::BTreeMap;

use agntz_proto::body::WholeBody;
use agntz_proto::config::Config;
use agntz_proto::ops::*;
use agntz_proto::types::*;
use agntz_proto::Error;
use bytes::Bytes;
use http::{HeaderMap, Request, Response};
use serde_json::{json, Value};

const BEARER: &str = "Bearer ar_test_abc";
const UA: &str = concat!("agntz-rust/", env!("CARGO_PKG_VERSION"));

fn config() -> Config {
    Config::builder()
        .base_url("https://worker.example.com/")
        .api_key("ar_test_abc")
        .build()
        .unwrap()
}

fn header_set(headers: &HeaderMap) -> BTreeMap<String, String> {
    headers
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap().to_owned()))
        .collect()
}

/// The headers of an authenticated call, plus `extra`.
fn headers(extra: &[(&str, &str)]) -> BTreeMap<String, String> {
    let mut want = BTreeMap::from([
        ("authorization".to_owned(), BEARER.to_owned()),
        ("user-agent".to_owned(), UA.to_owned()),
    ]);
    for (k, v) in extra {
        want.insert((*k).to_owned(), (*v).to_owned());
    }
    want
}

#[track_caller]
fn assert_bodyless(request: Request<Bytes>, method: &str, uri: &str) {
    assert_eq!(request.method().as_str(), method);
    assert_eq!(request.uri().to_string(), uri);
    assert_eq!(header_set(request.headers()), headers(&[]));
    assert!(request.body().is_empty());
}

fn response(status: u16, headers: &[(&str, &str)], body: &'static [u8]) -> Response<WholeBody> {
    let mut b = Response::builder().status(status);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(body.into()).unwrap()
}

// ---------------------------------------------------------------------------
// Agents
// ---------------------------------------------------------------------------

#[test]
fn list_agents_request_and_bare_array() {
    let op = ListAgents::new();
    assert_bodyless(
        op.build(&config()).unwrap(),
        "GET",
        "https://worker.example.com/agents",
    );
    // Exchange 3 of the recorded transcript.
    let list = op
        .parse(response(
            200,
            &[("content-type", "application/json")],
            br#"[{"id":"echo","name":"Echo","description":"Echo agent backed by the fake LLM"},{"id":"toolbot","name":"Tool bot"}]"#,
        ))
        .unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(
        list[0].description.as_deref(),
        Some("Echo agent backed by the fake LLM")
    );
    assert_eq!(list[1].name, "Tool bot");
    assert_eq!(list[1].description, None);
    assert!(op.parse(response(200, &[], b"[]")).unwrap().is_empty());
}

#[test]
fn get_agent_encodes_the_id_once_and_reads_every_field() {
    assert_bodyless(
        GetAgent::new("team/support bot").build(&config()).unwrap(),
        "GET",
        "https://worker.example.com/agents/team%2Fsupport%20bot",
    );
    for bad in ["", "..", "echo@latest"] {
        assert!(
            matches!(
                GetAgent::new(bad).build(&config()),
                Err(Error::InvalidRequest(_))
            ),
            "{bad:?}"
        );
    }
    // Exchange 4, with an extra definition key.
    let detail = GetAgent::new("echo")
        .parse(response(
            200,
            &[],
            br#"{"id":"echo","name":"Echo","description":"Echo agent","systemPrompt":"","model":{"provider":"openai","name":"fake-model"},"metadata":{"manifest":"id: echo\n","publishedFrom":"cli","publishedAt":"2026-11-28T20:08:33.997Z","sourcePath":"agents/echo.yaml","team":"x"},"createdAt":"2026-11-28T20:08:33.997Z","updatedAt":"2026-11-28T20:08:34.000Z","tags":["a"]}"#,
        ))
        .unwrap();
    assert_eq!(detail.id, "echo");
    assert_eq!(detail.system_prompt.as_deref(), Some(""));
    let model = detail.model.as_ref().unwrap();
    assert_eq!(
        (model.provider.as_str(), model.name.as_str()),
        ("openai", "fake-model")
    );
    assert_eq!(detail.manifest(), Some("id: echo\n"));
    let meta = detail.metadata.as_ref().unwrap();
    assert_eq!(meta.published_from.as_deref(), Some("cli"));
    assert_eq!(meta.source_path.as_deref(), Some("agents/echo.yaml"));
    assert_eq!(meta.extra["team"], json!("x"));
    assert_eq!(
        detail.created_at.as_deref(),
        Some("2026-11-28T20:08:33.997Z")
    );
    assert_eq!(
        detail.updated_at.as_deref(),
        Some("2026-11-28T20:08:34.000Z")
    );
    assert_eq!(detail.extra["tags"], json!(["a"]));

    // Exchange 34: 404 without a code.
    let err = GetAgent::new("no-such-agent")
        .parse(response(
            404,
            &[("content-type", "application/json")],
            br#"{"error":"Agent \"no-such-agent\" not found"}"#,
        ))
        .unwrap_err();
    assert!(matches!(&err, Error::NotFound(e) if e.message == "Agent \"no-such-agent\" not found"));
    assert_eq!(err.code(), None);
}

#[test]
fn import_agents_request_and_result() {
    let op = ImportAgents::new(
        AgentImport::new(["id: echo\nkind: llm\n"])
            .agent(
                AgentManifest::new("id: support\n")
                    .id("support")
                    .source_path("agents/support.yaml"),
            )
            .on_conflict(AgentOnConflict::Version)
            .dry_run(true)
            .strict(false),
    );
    let request = op.build(&config()).unwrap();
    assert_eq!(request.method(), "POST");
    assert_eq!(
        request.uri().to_string(),
        "https://worker.example.com/agents/import"
    );
    assert_eq!(
        header_set(request.headers()),
        headers(&[("content-type", "application/json")])
    );
    let body: Value = serde_json::from_slice(request.body()).unwrap();
    assert_eq!(
        body,
        json!({"agents":[{"manifest":"id: echo\nkind: llm\n"},
                         {"id":"support","manifest":"id: support\n","sourcePath":"agents/support.yaml"}],
               "onConflict":"version","dryRun":true,"strict":false})
    );

    // Defaults send only the agents (exchange 2's body shape).
    let minimal = ImportAgents::new(AgentImport::new(["id: a\n"]))
        .build(&config())
        .unwrap();
    assert_eq!(
        serde_json::from_slice::<Value>(minimal.body()).unwrap(),
        json!({"agents":[{"manifest":"id: a\n"}]})
    );
    for (name, on_conflict) in [
        ("skip", AgentOnConflict::Skip),
        ("fail", AgentOnConflict::Fail),
    ] {
        let r = ImportAgents::new(AgentImport::new(["id: a\n"]).on_conflict(on_conflict))
            .build(&config())
            .unwrap();
        assert_eq!(
            serde_json::from_slice::<Value>(r.body()).unwrap()["onConflict"],
            name
        );
    }
    // Nothing to import, or an empty manifest: refused before sending.
    let none: [&str; 0] = [];
    assert!(matches!(
        ImportAgents::new(AgentImport::new(none)).build(&config()),
        Err(Error::InvalidRequest(_))
    ));
    assert!(matches!(
        ImportAgents::new(AgentImport::new(["  "])).build(&config()),
        Err(Error::InvalidRequest(_))
    ));

    let result = op
        .parse(response(
            200,
            &[],
            br#"{"dryRun":false,"results":[{"id":"echo","action":"create","warnings":[]},{"id":"support","sourcePath":"agents/support.yaml","action":"version","warnings":[{"path":"tools","message":"unused"}]},{"id":"x","action":"rewrite"}],"counts":{"create":1,"version":1}}"#,
        ))
        .unwrap();
    assert!(!result.dry_run);
    assert_eq!(result.results[0].action, AgentImportAction::Create);
    assert_eq!(result.results[1].action, AgentImportAction::Version);
    assert_eq!(
        result.results[1].source_path.as_deref(),
        Some("agents/support.yaml")
    );
    assert_eq!(result.results[1].warnings[0].message, "unused");
    assert_eq!(result.results[2].action, AgentImportAction::Unknown);
    assert_eq!(result.counts["create"], 1);

    // 409 under onConflict: fail keeps the `id` context key.
    let err = op
        .parse(response(
            409,
            &[],
            br#"{"error":"Agent \"echo\" already exists","id":"echo"}"#,
        ))
        .unwrap_err();
    assert_eq!(err.status().unwrap(), 409);
    assert_eq!(err.api().unwrap().body.as_ref().unwrap()["id"], "echo");
}

// ---------------------------------------------------------------------------
// Artifacts
// ---------------------------------------------------------------------------

/// A parsed-back multipart part.
#[derive(Debug)]
struct ParsedPart {
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Splits a multipart body strictly (CRLF line ends, closing delimiter last).
fn parse_multipart(content_type: &str, body: &[u8]) -> Vec<ParsedPart> {
    let boundary = content_type
        .strip_prefix("multipart/form-data; boundary=")
        .expect("multipart content type");
    let delimiter = format!("--{boundary}");
    assert!(
        body.starts_with(delimiter.as_bytes()),
        "body starts with the delimiter"
    );
    let closing = format!("\r\n--{boundary}--\r\n");
    assert!(
        body.ends_with(closing.as_bytes()),
        "body ends with the closing delimiter"
    );
    let inner = &body[delimiter.len() + 2..body.len() - closing.len()];
    let separator = format!("\r\n--{boundary}\r\n");
    let mut parts = Vec::new();
    let mut rest = inner;
    loop {
        let (part, next) = match find(rest, separator.as_bytes()) {
            Some(i) => (&rest[..i], Some(&rest[i + separator.len()..])),
            None => (rest, None),
        };
        let head_end = find(part, b"\r\n\r\n").expect("part head");
        let head = std::str::from_utf8(&part[..head_end]).unwrap();
        let headers = head
            .split("\r\n")
            .map(|l| {
                let (k, v) = l.split_once(": ").unwrap();
                (k.to_ascii_lowercase(), v.to_owned())
            })
            .collect();
        parts.push(ParsedPart {
            headers,
            body: part[head_end + 4..].to_vec(),
        });
        match next {
            Some(n) => rest = n,
            None => break,
        }
    }
    parts
}

#[test]
fn upload_artifact_is_a_well_formed_multipart_form() {
    let data = Bytes::from_static(b"hello artifact bytes\n");
    let op = UploadArtifact::new(
        ArtifactUpload::new(data.clone(), "text/plain")
            .filename("notes.txt")
            .expires_in_seconds(600),
    );
    let request = op.build(&config()).unwrap();
    assert_eq!(request.method(), "POST");
    assert_eq!(
        request.uri().to_string(),
        "https://worker.example.com/artifacts"
    );
    let content_type = request.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        header_set(request.headers()),
        headers(&[("content-type", &content_type)])
    );
    let parts = parse_multipart(&content_type, request.body());
    assert_eq!(parts.len(), 3);
    assert_eq!(
        parts[0].headers["content-disposition"],
        r#"form-data; name="file"; filename="notes.txt""#
    );
    assert_eq!(parts[0].headers["content-type"], "text/plain");
    assert_eq!(parts[0].body, data.as_ref());
    assert_eq!(
        parts[1].headers["content-disposition"],
        r#"form-data; name="purpose""#
    );
    assert_eq!(parts[1].body, b"input");
    assert_eq!(
        parts[2].headers["content-disposition"],
        r#"form-data; name="expiresInSeconds""#
    );
    assert_eq!(parts[2].body, b"600");
    // Deterministic: the same upload gives the same bytes.
    assert_eq!(op.build(&config()).unwrap().body(), request.body());

    // Without an expiry there is no expiresInSeconds part; output purpose.
    let request = UploadArtifact::new(
        ArtifactUpload::new(&b"x"[..], "image/png").purpose(ArtifactPurpose::Output),
    )
    .build(&config())
    .unwrap();
    let ct = request.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    let parts = parse_multipart(&ct, request.body());
    assert_eq!(parts.len(), 2);
    assert_eq!(
        parts[0].headers["content-disposition"],
        r#"form-data; name="file"; filename="artifact""#
    );
    assert_eq!(parts[1].body, b"output");
}

#[test]
fn upload_boundary_never_occurs_in_the_payload() {
    // A payload made of a previous boundary (and its likely successors)
    // still gets a boundary it does not contain.
    let first = UploadArtifact::new(ArtifactUpload::new(&b"seed"[..], "text/plain"))
        .build(&config())
        .unwrap();
    let ct = first.headers()["content-type"].to_str().unwrap().to_owned();
    let boundary = ct.rsplit('=').next().unwrap().to_owned();
    let hostile = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\noutput\r\n--{boundary}--\r\n");
    let op = UploadArtifact::new(
        ArtifactUpload::new(Bytes::from(hostile.clone()), "text/plain").filename("a\"b\r\n.txt"),
    );
    let request = op.build(&config()).unwrap();
    let ct = request.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    let chosen = ct.rsplit('=').next().unwrap();
    assert!(!hostile.contains(chosen));
    let parts = parse_multipart(&ct, request.body());
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[0].body, hostile.as_bytes());
    // Quotes and line breaks in the file name are escaped.
    assert_eq!(
        parts[0].headers["content-disposition"],
        r#"form-data; name="file"; filename="a%22b%0D%0A.txt""#
    );
    assert_eq!(parts[1].body, b"input");
}

#[test]
fn upload_refuses_bad_media_types_and_oversized_data() {
    for bad in ["", "text", "text/plain\r\nX-Evil: 1", "/x", "x/"] {
        assert!(
            matches!(
                UploadArtifact::new(ArtifactUpload::new(&b"x"[..], bad)).build(&config()),
                Err(Error::InvalidRequest(_))
            ),
            "{bad:?}"
        );
    }
    let big = Bytes::from(vec![0u8; ArtifactUpload::MAX_BYTES + 1]);
    assert!(matches!(
        UploadArtifact::new(ArtifactUpload::new(big, "application/octet-stream")).build(&config()),
        Err(Error::InvalidRequest(_))
    ));
}

#[test]
fn upload_parses_the_artifact_ref() {
    // Exchange 53's response.
    let r = UploadArtifact::new(ArtifactUpload::new(&b"x"[..], "text/plain"))
        .parse(response(
            201,
            &[("content-type", "application/json")],
            br#"{"id":"artifact_6EnHUz9_OEMQNP-yDe-nVFW7","ownerId":"user_ref_a","purpose":"input","mediaType":"text/plain","sizeBytes":21,"sha256":"61ef15f676b5927d04bcad5be5e95f43e5f3b4a1bd8cc4998dc33b3ac151d10e","createdAt":"2026-11-28T20:27:03.669Z","expiresAt":"2026-11-28T20:37:03.669Z","status":"ready","downloadUrl":"http://127.0.0.1:4001/artifact-download/artifact_6EnHUz9_OEMQNP-yDe-nVFW7?owner=user_ref_a&expires=1795898223669&signature=0vxi"}"#,
        ))
        .unwrap();
    assert_eq!(r.id, "artifact_6EnHUz9_OEMQNP-yDe-nVFW7");
    assert_eq!(r.owner_id, "user_ref_a");
    assert_eq!(r.purpose, ArtifactPurpose::Input);
    assert_eq!(r.media_type, "text/plain");
    assert_eq!(r.size_bytes, 21);
    assert_eq!(r.status, ArtifactStatus::Ready);
    assert_eq!(r.expires_at, "2026-11-28T20:37:03.669Z");
    assert!(r.download_url.unwrap().contains("/artifact-download/"));
    // 413 is an API error.
    let err = UploadArtifact::new(ArtifactUpload::new(&b"x"[..], "text/plain"))
        .parse(response(
            413,
            &[],
            br#"{"error":"artifact exceeds the 50 MiB upload limit"}"#,
        ))
        .unwrap_err();
    assert_eq!(err.status().unwrap(), 413);
}

#[test]
fn get_download_delete_artifact() {
    let id = "artifact_a/b c";
    let enc = "https://worker.example.com/artifacts/artifact_a%2Fb%20c";
    assert_bodyless(GetArtifact::new(id).build(&config()).unwrap(), "GET", enc);
    assert_bodyless(
        DownloadArtifact::new(id).build(&config()).unwrap(),
        "GET",
        &format!("{enc}/content"),
    );
    assert_bodyless(
        DeleteArtifact::new(id).build(&config()).unwrap(),
        "DELETE",
        enc,
    );
    for bad in ["", ".", ".."] {
        assert!(GetArtifact::new(bad).build(&config()).is_err());
        assert!(DownloadArtifact::new(bad).build(&config()).is_err());
        assert!(DeleteArtifact::new(bad).build(&config()).is_err());
    }

    // Exchange 54.
    let content = DownloadArtifact::new("artifact_x")
        .parse(response(
            200,
            &[
                ("cache-control", "private, max-age=60"),
                ("content-disposition", "inline; filename=\"artifact_x\""),
                ("content-type", "text/plain"),
            ],
            b"hello artifact bytes\n",
        ))
        .unwrap();
    assert_eq!(content.data.as_ref(), b"hello artifact bytes\n");
    assert_eq!(content.media_type.as_deref(), Some("text/plain"));
    assert_eq!(content.filename.as_deref(), Some("artifact_x"));

    // Exchange 55 / 56.
    DeleteArtifact::new("artifact_x")
        .parse(response(
            204,
            &[("content-type", "text/plain; charset=UTF-8")],
            b"",
        ))
        .unwrap();
    let gone = response(404, &[], br#"{"error":"Artifact not found"}"#);
    assert!(matches!(
        GetArtifact::new("artifact_x").parse(gone),
        Err(Error::NotFound(e)) if e.message == "Artifact not found"
    ));
    let expired = response(410, &[], br#"{"error":"Artifact expired"}"#);
    assert_eq!(
        DownloadArtifact::new("artifact_x")
            .parse(expired)
            .unwrap_err()
            .status()
            .unwrap(),
        410
    );
}

#[test]
fn upload_debug_does_not_dump_bytes() {
    let upload = ArtifactUpload::new(&b"secret-bytes"[..], "text/plain");
    let dbg = format!("{upload:?}");
    assert!(!dbg.contains("secret"), "{dbg}");
    assert!(dbg.contains("len: 12"));
}
