//! Agent catalogue and artifact scenarios, written once and generic over the
//! transport.

use agntz_proto::types::{
    AgentImport, AgentImportAction, AgentManifest, AgentOnConflict, ArtifactPurpose,
    ArtifactStatus, ArtifactUpload, ContentBlock, RunRequest,
};
use agntz_proto::{Error, Transport};

use crate::harness::Harness;

const GREETER: &str = "id: greeter\nname: Greeter\ndescription: Says hello\nkind: llm\nmodel:\n  provider: openai\n  name: fake-model\ninstruction: Greet the user.\n";
const HELPER: &str = "id: helper\nname: Assistant\nkind: llm\nmodel:\n  provider: openai\n  name: fake-model\ninstruction: Help.\n";

pub async fn agents_import_list_get_then_run<T: Transport>(h: Harness<T>) {
    let agents = h.client.agents();
    assert!(agents.list().await.expect("list").is_empty());

    let result = agents
        .import(AgentImport::new([
            AgentManifest::new(GREETER)
                .id("greeter")
                .source_path("agents/greeter.yaml"),
            AgentManifest::new(HELPER),
        ]))
        .await
        .expect("import");
    assert!(!result.dry_run);
    let rows: Vec<_> = result
        .results
        .iter()
        .map(|r| (r.id.as_str(), r.action))
        .collect();
    assert_eq!(
        rows,
        [
            ("greeter", AgentImportAction::Create),
            ("helper", AgentImportAction::Create)
        ]
    );
    assert_eq!(
        result.results[0].source_path.as_deref(),
        Some("agents/greeter.yaml")
    );
    assert_eq!(result.counts.get("create"), Some(&2));

    // Sorted by name; description left out when there is none.
    let list = agents.list().await.expect("list");
    let names: Vec<_> = list
        .iter()
        .map(|a| (a.id.as_str(), a.name.as_str()))
        .collect();
    assert_eq!(names, [("helper", "Assistant"), ("greeter", "Greeter")]);
    assert_eq!(list[0].description, None);
    assert_eq!(list[1].description.as_deref(), Some("Says hello"));

    let detail = agents.get("greeter").await.expect("get");
    assert_eq!(detail.id, "greeter");
    assert_eq!(detail.name, "Greeter");
    assert_eq!(detail.manifest(), Some(GREETER));
    let meta = detail.metadata.as_ref().expect("metadata");
    assert_eq!(meta.published_from.as_deref(), Some("cli"));
    assert_eq!(meta.source_path.as_deref(), Some("agents/greeter.yaml"));
    assert!(meta.published_at.is_some());
    assert_eq!(detail.system_prompt.as_deref(), Some(""));
    assert!(detail.model.is_some());
    assert!(detail.created_at.is_some() && detail.updated_at.is_some());

    // The imported agent runs.
    let out = agents
        .run(RunRequest::new("greeter").input("hi"))
        .await
        .expect("run imported agent");
    assert_eq!(out.output, "ECHO: hi");

    // Re-import: a new version by default, skip, or 409 with fail.
    let again = agents
        .import(AgentImport::new([GREETER]))
        .await
        .expect("re-import");
    assert_eq!(again.results[0].action, AgentImportAction::Version);
    let skipped = agents
        .import(AgentImport::new([GREETER]).on_conflict(AgentOnConflict::Skip))
        .await
        .expect("skip");
    assert_eq!(skipped.results[0].action, AgentImportAction::Skip);
    let err = agents
        .import(AgentImport::new([GREETER]).on_conflict(AgentOnConflict::Fail))
        .await
        .expect_err("conflict");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(409));
    assert_eq!(err.api().unwrap().body.as_ref().unwrap()["id"], "greeter");

    // A dry run writes nothing.
    let dry = agents
        .import(AgentImport::new([HELPER.replace("helper", "ghost")]).dry_run(true))
        .await
        .expect("dry run");
    assert!(dry.dry_run);
    assert!(matches!(agents.get("ghost").await, Err(Error::NotFound(_))));

    // A manifest the parser rejects is a plain 400.
    let err = agents
        .import(AgentImport::new(["id: broken\nkind: llm\n"]))
        .await
        .expect_err("invalid manifest");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    assert!(err
        .api()
        .unwrap()
        .message
        .contains("LLM agent must have a 'model' field"));

    let req = h
        .worker
        .requests()
        .into_iter()
        .find(|r| r.path == "/agents/import")
        .expect("import request");
    assert_eq!(req.header("content-type"), Some("application/json"));
}

pub async fn unknown_agent_get_is_not_found<T: Transport>(h: Harness<T>) {
    let err = h
        .client
        .agents()
        .get("no-such-agent")
        .await
        .expect_err("unknown agent");
    match &err {
        Error::NotFound(e) => {
            assert_eq!(e.message, "Agent \"no-such-agent\" not found");
            assert_eq!(e.code, None);
        }
        other => panic!("expected NotFound, got {other:?}"),
    }
    // Ids are encoded as one segment.
    let _ = h.client.agents().get("team/a b").await;
    let req = h.worker.requests().pop().expect("request");
    assert_eq!(req.path, "/agents/team%2Fa%20b");
}

pub async fn other_tenant_sees_no_agents<T: Transport>(h: Harness<T>) {
    h.client
        .agents()
        .import(AgentImport::new([GREETER]))
        .await
        .expect("import");
    let b = h.client_with_key(Some(h.worker.api_key_b()));
    assert!(b.agents().list().await.expect("list as B").is_empty());
    assert!(matches!(
        b.agents().get("greeter").await,
        Err(Error::NotFound(_))
    ));
    assert_eq!(h.client.agents().list().await.expect("list as A").len(), 1);
}

pub async fn artifact_upload_get_download_delete<T: Transport>(h: Harness<T>) {
    let artifacts = h.client.artifacts();
    let bytes = &b"hello artifact bytes\n"[..];
    let stored = artifacts
        .upload(
            ArtifactUpload::new(bytes, "text/plain")
                .filename("notes.txt")
                .expires_in_seconds(600),
        )
        .await
        .expect("upload");
    assert!(stored.id.starts_with("artifact_"));
    assert_eq!(stored.owner_id, agntz_testkit::TENANT_A_USER);
    assert_eq!(stored.purpose, ArtifactPurpose::Input);
    assert_eq!(stored.media_type, "text/plain");
    assert_eq!(stored.size_bytes, 21);
    assert_eq!(
        stored.sha256,
        "61ef15f676b5927d04bcad5be5e95f43e5f3b4a1bd8cc4998dc33b3ac151d10e"
    );
    assert_eq!(stored.status, ArtifactStatus::Ready);
    assert!(stored
        .download_url
        .as_deref()
        .is_some_and(|u| u.contains(&format!("/artifact-download/{}", stored.id))));

    let req = h
        .worker
        .requests()
        .into_iter()
        .find(|r| r.path == "/artifacts")
        .expect("upload request");
    assert!(req
        .header("content-type")
        .is_some_and(|ct| ct.starts_with("multipart/form-data; boundary=")));

    let got = artifacts.get(&stored.id).await.expect("get");
    assert_eq!(got, stored_without_url(&stored, got.download_url.clone()));

    let content = artifacts.download(&stored.id).await.expect("download");
    assert_eq!(content.data.as_ref(), bytes);
    assert_eq!(content.media_type.as_deref(), Some("text/plain"));
    assert_eq!(content.filename.as_deref(), Some(stored.id.as_str()));

    // Output purpose and the worker's clamping of the expiry.
    let out = artifacts
        .upload(
            ArtifactUpload::new(&b"\x00\x01"[..], "application/octet-stream")
                .purpose(ArtifactPurpose::Output)
                .expires_in_seconds(5),
        )
        .await
        .expect("upload output");
    assert_eq!(out.purpose, ArtifactPurpose::Output);

    // Another tenant cannot see it.
    let b = h.client_with_key(Some(h.worker.api_key_b()));
    assert!(matches!(
        b.artifacts().get(&stored.id).await,
        Err(Error::NotFound(_))
    ));

    artifacts.delete(&stored.id).await.expect("delete");
    let err = artifacts.get(&stored.id).await.expect_err("gone");
    assert!(matches!(&err, Error::NotFound(e) if e.message == "Artifact not found"));
    assert!(matches!(
        artifacts.download(&stored.id).await,
        Err(Error::NotFound(_))
    ));
    assert!(matches!(
        artifacts.delete(&stored.id).await,
        Err(Error::NotFound(_))
    ));
}

/// `stored` with another download URL (links are re-signed on every get).
fn stored_without_url(
    stored: &agntz_proto::types::ArtifactRef,
    url: Option<String>,
) -> agntz_proto::types::ArtifactRef {
    let mut copy = stored.clone();
    copy.download_url = url;
    copy
}

pub async fn run_with_artifact_content_block<T: Transport>(h: Harness<T>) {
    let artifacts = h.client.artifacts();
    let image = artifacts
        .upload(ArtifactUpload::new(&b"\x89PNG\r\n\x1a\n"[..], "image/png").filename("p.png"))
        .await
        .expect("upload image");
    let audio = artifacts
        .upload(ArtifactUpload::new(&b"ID3"[..], "audio/mpeg"))
        .await
        .expect("upload audio");

    let out = h
        .client
        .agents()
        .run(RunRequest::new("echo").content([
            ContentBlock::text("describe"),
            ContentBlock::image_artifact(&image.id),
            ContentBlock::audio_artifact(&audio.id),
        ]))
        .await
        .expect("run with artifact blocks");
    assert_eq!(out.output, "ECHO: describe");
    let sent = h
        .worker
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.path == "/run")
        .and_then(|r| r.body_json())
        .expect("run body");
    assert_eq!(
        sent["content"][1],
        serde_json::json!({"type":"image","artifactId": image.id})
    );

    // A missing artifact.
    let err = h
        .client
        .agents()
        .run(RunRequest::new("echo").content([
            ContentBlock::text("x"),
            ContentBlock::image_artifact("artifact_nope"),
        ]))
        .await
        .expect_err("missing artifact");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    assert_eq!(err.code(), Some("BAD_REQUEST"));
    assert_eq!(
        err.api().unwrap().message,
        "Artifact 'artifact_nope' is missing or expired"
    );

    // A deleted one, and one of the wrong kind.
    artifacts.delete(&audio.id).await.expect("delete");
    let err = h
        .client
        .agents()
        .stream(RunRequest::new("echo").content([ContentBlock::audio_artifact(&audio.id)]))
        .await
        .expect_err("deleted artifact");
    assert_eq!(err.code(), Some("BAD_REQUEST"));
    let err = h
        .client
        .agents()
        .run(RunRequest::new("echo").content([ContentBlock::audio_artifact(&image.id)]))
        .await
        .expect_err("not audio");
    assert_eq!(
        err.api().unwrap().message,
        format!("Artifact '{}' is not audio (image/png)", image.id)
    );
}
