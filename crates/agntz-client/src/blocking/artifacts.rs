use agntz_proto::types::{ArtifactContent, ArtifactRef, ArtifactUpload};

use super::macros::resource;

resource! {
    /// Artifacts: binary objects with a TTL that content blocks reference
    /// by id. Get one with [`AgntzClient::artifacts`](super::AgntzClient::artifacts).
    Artifacts => artifacts;
    call fn upload(upload: ArtifactUpload) -> ArtifactRef;
    call fn get(artifact_id: &str) -> ArtifactRef;
    call fn download(artifact_id: &str) -> ArtifactContent;
    call fn delete(artifact_id: &str) -> ();
}
