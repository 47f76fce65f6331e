//! Content blocks from local files and in-memory bytes: the sans-IO half.
//!
//! [`ContentBlock::image_file`], [`ContentBlock::audio_file`],
//! [`ContentBlock::image_bytes`] and [`ContentBlock::audio_bytes`] make
//! blocks the worker never sees as such: before a run request (or a session
//! import) is sent, each is uploaded with `POST /artifacts` and rewritten to
//! an `artifactId` block. [`Client`](crate::Client) does all of it; this
//! module is the part without IO, for driving the operations by hand:
//!
//! 1. [`RunRequest::take_local_content`](crate::types::RunRequest::take_local_content)
//!    (or [`SessionImport::take_local_content`](crate::types::SessionImport::take_local_content))
//!    checks every such block (media type known and of the block's kind,
//!    bytes within 50 MiB) and returns one [`LocalUpload`] each, before
//!    anything is sent;
//! 2. for a file, check its length with [`LocalUpload::check_file_len`],
//!    then read it into [`LocalUpload::file_buffer`];
//! 3. [`LocalUpload::into_operation`] gives the `POST /artifacts`
//!    operation ([`UploadLocal`]);
//! 4. put the artifact id back with
//!    [`RunRequest::set_uploaded`](crate::types::RunRequest::set_uploaded).
//!
//! ```
//! use agntz_proto::config::Config;
//! use agntz_proto::ops::Operation;
//! use agntz_proto::types::{ContentBlock, Retention, RunRequest};
//!
//! let config = Config::builder().base_url("http://127.0.0.1:4001").api_key("k").build()?;
//! let mut request = RunRequest::new("describe")
//!     .content([ContentBlock::image_bytes(&b"\x89PNG"[..], "image/png")])
//!     .retention(Retention::new().artifact_ttl_seconds(600));
//! let uploads = request.take_local_content()?;
//! assert_eq!(uploads[0].expires_in_seconds(), Some(600));
//! let slot = uploads[0].slot();
//! let op = uploads.into_iter().next().unwrap().into_operation(None)?;
//! let http = op.build(&config)?;
//! assert_eq!(http.uri().path(), "/artifacts");
//! // ...send it, parse the ArtifactRef, then:
//! request.set_uploaded(slot, "artifact_abc")?;
//! assert_eq!(
//!     serde_json::to_value(&request)?["content"][0],
//!     serde_json::json!({"type":"image","artifactId":"artifact_abc","mediaType":"image/png"})
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod buffer;
mod error;

use std::fmt;
use std::path::{Path, PathBuf};

use bytes::{Bytes, BytesMut};

pub use buffer::FileBuffer;
pub use error::{ContentError, ContentErrorKind};

use crate::error::Error;
use crate::multipart::FileForm;
use crate::ops::UploadLocal;
use crate::types::{ArtifactUpload, ContentBlock, MediaSource};

/// The kind of a media block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MediaKind {
    /// An `image` block (its artifact must be `image/*`).
    Image,
    /// An `audio` block (its artifact must be `audio/*`).
    Audio,
}

impl MediaKind {
    /// The wire `type` of the block.
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Image => "image",
            MediaKind::Audio => "audio",
        }
    }

    fn type_prefix(self) -> &'static str {
        match self {
            MediaKind::Image => "image/",
            MediaKind::Audio => "audio/",
        }
    }
}

/// Where a local block's bytes are.
#[derive(Clone, PartialEq, Eq)]
enum LocalSource {
    File(PathBuf),
    Bytes(Bytes),
}

/// One file or bytes content block to upload, with everything checked that
/// can be checked without IO (see the [module docs](self)).
pub struct LocalUpload {
    slot: usize,
    location: String,
    kind: MediaKind,
    source: LocalSource,
    media_type: String,
    expires_in_seconds: Option<u64>,
}

impl fmt::Debug for LocalUpload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("LocalUpload");
        s.field("slot", &self.slot)
            .field("location", &self.location)
            .field("kind", &self.kind);
        match &self.source {
            LocalSource::File(path) => s.field("path", path),
            LocalSource::Bytes(data) => s.field("len", &data.len()),
        };
        s.field("media_type", &self.media_type)
            .field("expires_in_seconds", &self.expires_in_seconds)
            .finish()
    }
}

impl LocalUpload {
    /// The block's slot, for `set_uploaded` once the artifact exists.
    pub fn slot(&self) -> usize {
        self.slot
    }

    /// The block's place in the request, e.g. `content[1]`.
    pub fn location(&self) -> &str {
        &self.location
    }

    /// Image or audio.
    pub fn kind(&self) -> MediaKind {
        self.kind
    }

    /// The media type the artifact is stored with (given, or guessed from
    /// the file's extension).
    pub fn media_type(&self) -> &str {
        &self.media_type
    }

    /// The file to read, for a file block (`None` for bytes).
    pub fn path(&self) -> Option<&Path> {
        match &self.source {
            LocalSource::File(path) => Some(path),
            LocalSource::Bytes(_) => None,
        }
    }

    /// The requested lifetime (`retention.artifactTtlSeconds` of a run).
    pub fn expires_in_seconds(&self) -> Option<u64> {
        self.expires_in_seconds
    }

    /// Checks a file's length (from its metadata) against the worker's
    /// 50 MiB limit.
    pub fn check_file_len(&self, len: u64) -> Result<(), Error> {
        if len > ArtifactUpload::MAX_BYTES as u64 {
            let mut e = buffer::too_large(len, ArtifactUpload::MAX_BYTES as u64);
            if let Some(path) = self.path() {
                e = e.with_path(path);
            }
            return Err(e.at(&self.location).into());
        }
        Ok(())
    }

    fn form(&self) -> FileForm {
        let filename = match &self.source {
            LocalSource::File(path) => path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "artifact".to_owned()),
            LocalSource::Bytes(_) => "artifact".to_owned(),
        };
        let mut fields = vec![("purpose", "input".to_owned())];
        if let Some(ttl) = self.expires_in_seconds {
            fields.push(("expiresInSeconds", ttl.to_string()));
        }
        FileForm::new(filename, self.media_type.clone(), fields)
    }

    /// The buffer to read a file block's file into (`None` for bytes).
    pub fn file_buffer(&self) -> Option<FileBuffer> {
        let path = self.path()?;
        let form = self.form();
        Some(FileBuffer::new(
            path,
            form.head_len(),
            form.tail_len(),
            ArtifactUpload::MAX_BYTES as u64,
        ))
    }

    /// The `POST /artifacts` operation. A file block needs its `file`, read
    /// into [`file_buffer`](Self::file_buffer); a bytes block takes `None`.
    /// The form is encoded once, around the bytes, so retries resend it
    /// without copying.
    pub fn into_operation(self, file: Option<FileBuffer>) -> Result<UploadLocal, Error> {
        let form = self.form();
        let (head, data) = match (self.source, file) {
            (LocalSource::File(_), Some(file)) => {
                file.into_parts().map_err(|e| locate(e, &self.location))?
            }
            (LocalSource::File(path), None) => return Err(ContentError::new(
                ContentErrorKind::NotUploaded,
                "the file has not been read (pass the FileBuffer filled by Transport::read_file)",
            )
            .with_path(&path)
            .at(&self.location)
            .into()),
            (LocalSource::Bytes(bytes), _) => {
                let (head_len, tail_len) = (form.head_len(), form.tail_len());
                let mut all = BytesMut::with_capacity(head_len + bytes.len() + tail_len);
                all.resize(head_len, 0);
                let mut data = all.split_off(head_len);
                data.extend_from_slice(&bytes);
                (all, data)
            }
        };
        let encoded = form.finish(head, data)?;
        Ok(UploadLocal::new(encoded.body, encoded.content_type))
    }
}

/// Adds the block's place to a content error.
pub(crate) fn locate(error: Error, location: &str) -> Error {
    match error {
        Error::Content(e) => Error::Content(e.at(location)),
        other => other,
    }
}

/// A block's place in a request.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Location {
    /// `content[i]` of a run request.
    Content(usize),
    /// `sessions[s].messages[m].content[b]` of a session import.
    Session(usize, usize, usize),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Content(i) => write!(f, "content[{i}]"),
            Location::Session(s, m, b) => write!(f, "sessions[{s}].messages[{m}].content[{b}]"),
        }
    }
}

fn media_source(block: &ContentBlock) -> Option<(MediaKind, &MediaSource, Option<&str>)> {
    match block {
        ContentBlock::Image(b) => Some((MediaKind::Image, &b.source, b.media_type.as_deref())),
        ContentBlock::Audio(b) => Some((MediaKind::Audio, &b.source, b.media_type.as_deref())),
        _ => None,
    }
}

/// The media type to store a local block with: the block's own, else the
/// one registered for the file's extension; it must be `image/*` for an
/// image block and `audio/*` for an audio block, as the worker checks.
fn resolve_media_type(
    kind: MediaKind,
    source: &MediaSource,
    given: Option<&str>,
) -> Result<String, ContentError> {
    let path = match source {
        MediaSource::File(path) => Some(path.as_path()),
        _ => None,
    };
    let with_path = |e: ContentError| match path {
        Some(p) => e.with_path(p),
        None => e,
    };
    let media_type = match given.map(str::trim) {
        Some(given) => given.to_owned(),
        None => match path.and_then(|p| mime_guess::from_path(p).first_raw()) {
            Some(guess) => guess.to_owned(),
            None => {
                return Err(with_path(ContentError::new(
                    ContentErrorKind::UnknownMediaType,
                    format!(
                        "no media type is known for this file's extension; set one with \
                         ContentBlock::media_type (e.g. \"{}png\")",
                        kind.type_prefix()
                    ),
                )))
            }
        },
    };
    let printable = media_type.bytes().all(|b| (b' '..=b'~').contains(&b));
    if !printable || media_type.parse::<mime_guess::Mime>().is_err() {
        return Err(with_path(ContentError::new(
            ContentErrorKind::InvalidMediaType,
            format!("invalid media type {media_type:?}"),
        )));
    }
    if !media_type.starts_with(kind.type_prefix()) {
        return Err(with_path(ContentError::new(
            ContentErrorKind::WrongMediaType,
            format!(
                "media type {media_type:?} is not {}*, which the worker requires for an {} block",
                kind.type_prefix(),
                kind.as_str()
            ),
        )));
    }
    Ok(media_type)
}

/// Whether any block is a file or bytes block.
pub(crate) fn any_local<'a>(mut blocks: impl Iterator<Item = &'a ContentBlock>) -> bool {
    blocks.any(ContentBlock::is_local)
}

/// Checks every file or bytes block of `blocks` (slot = index), then takes
/// their sources out, leaving an empty artifact id until
/// [`fill`] puts the real one in. Nothing is taken when a check fails.
pub(crate) fn take_local(
    mut blocks: Vec<(Location, &mut ContentBlock)>,
    expires_in_seconds: Option<u64>,
) -> Result<Vec<LocalUpload>, Error> {
    let mut planned = Vec::new();
    for (slot, (location, block)) in blocks.iter().enumerate() {
        let Some((kind, source, given)) = media_source(block).filter(|(_, s, _)| s.is_local())
        else {
            continue;
        };
        let at = |e: ContentError| Error::from(e.at(&location.to_string()));
        let media_type = resolve_media_type(kind, source, given).map_err(at)?;
        if let MediaSource::Bytes(data) = source {
            if data.len() > ArtifactUpload::MAX_BYTES {
                let limit = ArtifactUpload::MAX_BYTES as u64;
                return Err(at(buffer::too_large(data.len() as u64, limit)));
            }
        }
        planned.push((slot, kind, media_type));
    }
    let uploads = planned
        .into_iter()
        .map(|(slot, kind, media_type)| {
            let (location, block) = &mut blocks[slot];
            let source = match block {
                ContentBlock::Image(b) => &mut b.source,
                ContentBlock::Audio(b) => &mut b.source,
                _ => unreachable!("planned blocks are media blocks"),
            };
            let source = match std::mem::replace(source, MediaSource::Artifact(String::new())) {
                MediaSource::File(path) => LocalSource::File(path),
                MediaSource::Bytes(data) => LocalSource::Bytes(data),
                _ => unreachable!("planned blocks have local sources"),
            };
            LocalUpload {
                slot,
                location: location.to_string(),
                kind,
                source,
                media_type,
                expires_in_seconds,
            }
        })
        .collect();
    Ok(uploads)
}

/// Points a media block at its uploaded artifact.
pub(crate) fn fill(block: Option<&mut ContentBlock>, artifact_id: String) -> Result<(), Error> {
    let source = match block {
        Some(ContentBlock::Image(b)) => &mut b.source,
        Some(ContentBlock::Audio(b)) => &mut b.source,
        _ => {
            return Err(Error::invalid(
                "no image or audio block at this upload slot",
            ))
        }
    };
    if artifact_id.is_empty() {
        return Err(Error::invalid("an uploaded artifact id must not be empty"));
    }
    *source = MediaSource::Artifact(artifact_id);
    Ok(())
}

/// Fails on a block that still needs its upload: a file or bytes source, or
/// the empty artifact id [`take_local`] leaves until [`fill`].
pub(crate) fn check_uploaded<'a>(
    blocks: impl Iterator<Item = (Location, &'a ContentBlock)>,
) -> Result<(), Error> {
    for (location, block) in blocks {
        let pending = match media_source(block) {
            Some((_, MediaSource::Artifact(id), _)) => id.is_empty(),
            Some((_, source, _)) => source.is_local(),
            None => false,
        };
        if pending {
            return Err(ContentError::new(
                ContentErrorKind::NotUploaded,
                "a file or bytes block must be uploaded as an artifact before the request is \
                 built (Client does this; see agntz_proto::uploads)",
            )
            .at(&location.to_string())
            .into());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
