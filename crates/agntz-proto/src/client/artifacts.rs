use super::Client;
use crate::error::Error;
use crate::ops::{DeleteArtifact, DownloadArtifact, GetArtifact, UploadArtifact};
use crate::transport::Transport;
use crate::types::{ArtifactContent, ArtifactRef, ArtifactUpload};

/// Artifacts: binary objects with a TTL that content blocks can reference by
/// id ([`ContentBlock::image_artifact`](crate::types::ContentBlock::image_artifact),
/// [`ContentBlock::audio_artifact`](crate::types::ContentBlock::audio_artifact)).
/// Get one with [`Client::artifacts`].
///
/// A gone artifact (unknown, deleted, expired, another tenant's) is
/// [`Error::NotFound`], or an [`Error::Api`] with status 410 for an expired
/// one the worker has not swept yet: treat both as gone.
#[derive(Debug)]
pub struct Artifacts<'a, T> {
    client: &'a Client<T>,
}

impl<'a, T: Transport> Artifacts<'a, T> {
    pub(crate) fn new(client: &'a Client<T>) -> Self {
        Artifacts { client }
    }

    /// `POST /artifacts` (multipart): uploads the bytes and returns the
    /// stored artifact's metadata. Uploads over 50 MiB are refused before
    /// sending.
    pub async fn upload(&self, upload: ArtifactUpload) -> Result<ArtifactRef, Error> {
        self.client.execute(&UploadArtifact::new(upload)).await
    }

    /// `GET /artifacts/{id}`: the metadata.
    pub async fn get(&self, artifact_id: &str) -> Result<ArtifactRef, Error> {
        self.client.execute(&GetArtifact::new(artifact_id)).await
    }

    /// `GET /artifacts/{id}/content`: the bytes (buffered, bounded by
    /// [`Limits::max_response_bytes`](crate::config::Limits)) with their
    /// media type. The bytes are one buffer: a download the server sends
    /// without a `Content-Length`, in several chunks, is copied once to
    /// join them (held twice for that moment).
    pub async fn download(&self, artifact_id: &str) -> Result<ArtifactContent, Error> {
        self.client
            .execute(&DownloadArtifact::new(artifact_id))
            .await
    }

    /// `DELETE /artifacts/{id}`. Deleting an artifact that is already gone
    /// is [`Error::NotFound`].
    pub async fn delete(&self, artifact_id: &str) -> Result<(), Error> {
        self.client.execute(&DeleteArtifact::new(artifact_id)).await
    }
}
