//! Artifacts: owner-scoped binary objects with a TTL (`/artifacts`,
//! wire-extended §2).

use std::fmt;

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use super::serde_util::null_as_default;

/// What an artifact is for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum ArtifactPurpose {
    /// Supplied to a run (the default; TTL default 1 hour).
    #[default]
    Input,
    /// Produced by a run (TTL default 24 hours).
    Output,
    /// A purpose this SDK does not know yet. Serializes as `"unknown"`.
    #[serde(other)]
    Unknown,
}

impl ArtifactPurpose {
    /// The wire string (`unknown` for [`ArtifactPurpose::Unknown`]).
    pub fn as_str(self) -> &'static str {
        match self {
            ArtifactPurpose::Input => "input",
            ArtifactPurpose::Output => "output",
            ArtifactPurpose::Unknown => "unknown",
        }
    }
}

impl fmt::Display for ArtifactPurpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Lifecycle state of an artifact.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum ArtifactStatus {
    /// Stored and readable.
    Ready,
    /// Deleted.
    Deleted,
    /// The upload failed.
    Failed,
    /// A status this SDK does not know yet. Serializes as `"unknown"`.
    #[default]
    #[serde(other)]
    Unknown,
}

/// An artifact's metadata (`POST /artifacts`, `GET /artifacts/{id}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ArtifactRef {
    /// Artifact id (`artifact_<base64url>`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub id: String,
    /// The owning tenant.
    #[serde(default, deserialize_with = "null_as_default")]
    pub owner_id: String,
    /// Input or output.
    #[serde(default)]
    pub purpose: ArtifactPurpose,
    /// The media type given at upload (`application/octet-stream` if none).
    #[serde(default, deserialize_with = "null_as_default")]
    pub media_type: String,
    /// Size in bytes.
    #[serde(default)]
    pub size_bytes: u64,
    /// Hex SHA-256 of the bytes.
    #[serde(default, deserialize_with = "null_as_default")]
    pub sha256: String,
    /// Creation time (ISO-8601).
    #[serde(default, deserialize_with = "null_as_default")]
    pub created_at: String,
    /// Expiry time (ISO-8601).
    #[serde(default, deserialize_with = "null_as_default")]
    pub expires_at: String,
    /// Lifecycle state.
    #[serde(default)]
    pub status: ArtifactStatus,
    /// Signed, unauthenticated download URL, valid for at most 15 minutes
    /// (always sent by the worker). Treat it as a secret: anyone holding it
    /// can read the bytes until it expires.
    #[serde(default)]
    pub download_url: Option<String>,
}

/// An upload for `POST /artifacts`: bytes plus the metadata sent with them.
///
/// The media type is required: the worker stores it as given and checks it
/// when a run references the artifact (an `image` block needs `image/*`, an
/// `audio` block `audio/*`).
///
/// ```
/// use agntz_proto::types::{ArtifactPurpose, ArtifactUpload};
/// let upload = ArtifactUpload::new(&b"\x89PNG..."[..], "image/png")
///     .filename("frame.png")
///     .expires_in_seconds(600);
/// assert_eq!(upload.purpose, ArtifactPurpose::Input);
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ArtifactUpload {
    /// The bytes (at most 50 MiB; the worker answers 413 beyond).
    pub data: Bytes,
    /// Media type of the bytes, e.g. `image/png`.
    pub media_type: String,
    /// File name of the multipart part (default `artifact`; the worker does
    /// not store it).
    pub filename: String,
    /// Input (default) or output.
    pub purpose: ArtifactPurpose,
    /// Requested lifetime; the worker clamps it to 60 s ..= 7 days.
    pub expires_in_seconds: Option<u64>,
}

impl ArtifactUpload {
    /// Largest upload the worker accepts (50 MiB).
    pub const MAX_BYTES: usize = 52_428_800;

    /// An input artifact of `data` with `media_type`.
    pub fn new(data: impl Into<Bytes>, media_type: impl Into<String>) -> Self {
        ArtifactUpload {
            data: data.into(),
            media_type: media_type.into(),
            filename: "artifact".to_owned(),
            purpose: ArtifactPurpose::Input,
            expires_in_seconds: None,
        }
    }

    /// Sets the part's file name.
    pub fn filename(mut self, filename: impl Into<String>) -> Self {
        self.filename = filename.into();
        self
    }

    /// Sets the purpose.
    pub fn purpose(mut self, purpose: ArtifactPurpose) -> Self {
        self.purpose = purpose;
        self
    }

    /// Sets the lifetime in seconds (clamped by the worker to 60 ..= 604800).
    pub fn expires_in_seconds(mut self, seconds: u64) -> Self {
        self.expires_in_seconds = Some(seconds);
        self
    }
}

impl fmt::Debug for ArtifactUpload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ArtifactUpload")
            .field("len", &self.data.len())
            .field("media_type", &self.media_type)
            .field("filename", &self.filename)
            .field("purpose", &self.purpose)
            .field("expires_in_seconds", &self.expires_in_seconds)
            .finish()
    }
}

/// The bytes of an artifact (`GET /artifacts/{id}/content`).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ArtifactContent {
    /// The bytes.
    pub data: Bytes,
    /// The stored media type (the response's `Content-Type`).
    pub media_type: Option<String>,
    /// The file name from `Content-Disposition` (the worker names downloads
    /// after the artifact id, not the uploaded file name).
    pub filename: Option<String>,
}

impl ArtifactContent {
    /// Bundles downloaded bytes with their metadata.
    pub fn new(data: Bytes, media_type: Option<String>, filename: Option<String>) -> Self {
        ArtifactContent {
            data,
            media_type,
            filename,
        }
    }
}

impl fmt::Debug for ArtifactContent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ArtifactContent")
            .field("len", &self.data.len())
            .field("media_type", &self.media_type)
            .field("filename", &self.filename)
            .finish()
    }
}
