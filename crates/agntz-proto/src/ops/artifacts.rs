use bytes::Bytes;
use http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use http::{Method, Request, Response};

use super::{expect_no_content, require_id, Operation};
use crate::body::WholeBody;
use crate::config::Config;
use crate::encode::Segment;
use crate::error::Error;
use crate::multipart::{self, Part};
use crate::request::{self, JSON};
use crate::response::{ensure_success, parse_json};
use crate::retry::CallKind;
use crate::types::{ArtifactContent, ArtifactRef, ArtifactUpload};

/// `POST /artifacts`: upload bytes as a `multipart/form-data` form with the
/// parts `file` (file name and media type), `purpose` and, when set,
/// `expiresInSeconds`. Answered `201` with the [`ArtifactRef`].
#[derive(Debug, Clone)]
pub struct UploadArtifact {
    upload: ArtifactUpload,
}

impl UploadArtifact {
    /// The operation for `upload`.
    pub fn new(upload: ArtifactUpload) -> Self {
        UploadArtifact { upload }
    }
}

fn check_media_type(media_type: &str) -> Result<(), Error> {
    let valid = media_type.contains('/')
        && media_type
            .bytes()
            .all(|b| b == b'\t' || (b' '..=b'~').contains(&b))
        && !media_type.starts_with('/')
        && !media_type.ends_with('/');
    if valid {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "invalid artifact media type {media_type:?}"
        )))
    }
}

impl Operation for UploadArtifact {
    type Output = ArtifactRef;
    // Every upload creates a new artifact.
    const KIND: CallKind = CallKind::StartsWork;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let u = &self.upload;
        check_media_type(&u.media_type)?;
        if u.data.len() > ArtifactUpload::MAX_BYTES {
            return Err(Error::invalid(format!(
                "artifact of {} bytes exceeds the 50 MiB upload limit",
                u.data.len()
            )));
        }
        let expires = u.expires_in_seconds.map(|s| s.to_string());
        let mut parts = vec![
            Part::File {
                name: "file",
                filename: &u.filename,
                content_type: &u.media_type,
                data: &u.data,
            },
            Part::Text {
                name: "purpose",
                value: u.purpose.as_str(),
            },
        ];
        if let Some(expires) = &expires {
            parts.push(Part::Text {
                name: "expiresInSeconds",
                value: expires,
            });
        }
        let form = multipart::encode(&parts)?;
        request::build_with_body(
            config,
            Method::POST,
            "/artifacts",
            form.body,
            &form.content_type,
            JSON,
        )
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<ArtifactRef, Error> {
        parse_json(&response)
    }
}

/// `POST /artifacts` for a file or bytes content block: the form encoded
/// once, around the bytes (made by
/// [`LocalUpload::into_operation`](crate::uploads::LocalUpload::into_operation)).
/// Each attempt sends the same body without copying it.
#[derive(Clone)]
pub struct UploadLocal {
    body: Bytes,
    content_type: String,
}

impl UploadLocal {
    pub(crate) fn new(body: Bytes, content_type: String) -> Self {
        UploadLocal { body, content_type }
    }

    /// The encoded `multipart/form-data` body.
    pub fn body(&self) -> &Bytes {
        &self.body
    }
}

impl std::fmt::Debug for UploadLocal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadLocal")
            .field("len", &self.body.len())
            .field("content_type", &self.content_type)
            .finish()
    }
}

impl Operation for UploadLocal {
    type Output = ArtifactRef;
    const KIND: CallKind = CallKind::StartsWork;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        request::build_with_body(
            config,
            Method::POST,
            "/artifacts",
            self.body.clone(),
            &self.content_type,
            JSON,
        )
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<ArtifactRef, Error> {
        parse_json(&response)
    }
}

fn artifact_path(id: &str, suffix: &str) -> Result<String, Error> {
    let id = require_id("artifact id", id)?;
    Ok(format!("/artifacts/{}{suffix}", Segment(id)))
}

/// `GET /artifacts/{id}`: an artifact's metadata. Missing, deleted, another
/// tenant's or expired artifacts answer 404 (or 410 `Artifact expired`, which
/// means the same).
#[derive(Debug, Clone)]
pub struct GetArtifact {
    id: String,
}

impl GetArtifact {
    /// The operation for artifact `id`.
    pub fn new(id: impl Into<String>) -> Self {
        GetArtifact { id: id.into() }
    }
}

impl Operation for GetArtifact {
    type Output = ArtifactRef;
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let path = artifact_path(&self.id, "")?;
        request::build(config, Method::GET, &path, None, JSON)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<ArtifactRef, Error> {
        parse_json(&response)
    }
}

/// `GET /artifacts/{id}/content`: the bytes, with the stored media type and
/// the file name of `Content-Disposition`.
///
/// The bytes are returned as one [`Bytes`]: a download without a
/// `Content-Length` that arrived in several chunks is joined once (see
/// [`WholeBody::into_bytes`]), so it is held twice for the moment of that
/// copy; one with a `Content-Length` is read into one buffer and not
/// copied again.
#[derive(Debug, Clone)]
pub struct DownloadArtifact {
    id: String,
}

impl DownloadArtifact {
    /// The operation for artifact `id`.
    pub fn new(id: impl Into<String>) -> Self {
        DownloadArtifact { id: id.into() }
    }
}

/// The `filename` parameter of a `Content-Disposition` value (quoted or a
/// token; `filename*` is not used by the worker).
fn disposition_filename(value: &str) -> Option<String> {
    for param in value.split(';').skip(1) {
        let Some((key, val)) = param.split_once('=') else {
            continue;
        };
        if !key.trim().eq_ignore_ascii_case("filename") {
            continue;
        }
        let val = val.trim();
        let name = match val.strip_prefix('"') {
            Some(rest) => {
                let mut out = String::new();
                let mut chars = rest.chars();
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => out.extend(chars.next()),
                        c => out.push(c),
                    }
                }
                out
            }
            None => val.to_owned(),
        };
        return Some(name);
    }
    None
}

impl Operation for DownloadArtifact {
    type Output = ArtifactContent;
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let path = artifact_path(&self.id, "/content")?;
        request::build(config, Method::GET, &path, None, JSON)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<ArtifactContent, Error> {
        ensure_success(&response)?;
        let (parts, body) = response.into_parts();
        let header = |name| {
            parts
                .headers
                .get(name)
                .and_then(|v: &http::HeaderValue| v.to_str().ok())
        };
        let media_type = header(CONTENT_TYPE).map(str::to_owned);
        let filename = header(CONTENT_DISPOSITION).and_then(disposition_filename);
        // The bytes are handed over as one buffer: joined here when they
        // came in several chunks (see the type's docs).
        Ok(ArtifactContent::new(
            body.into_bytes(),
            media_type,
            filename,
        ))
    }
}

/// `DELETE /artifacts/{id}` (`204`). Unlike sessions, a second delete
/// answers 404.
#[derive(Debug, Clone)]
pub struct DeleteArtifact {
    id: String,
}

impl DeleteArtifact {
    /// The operation for artifact `id`.
    pub fn new(id: impl Into<String>) -> Self {
        DeleteArtifact { id: id.into() }
    }
}

impl Operation for DeleteArtifact {
    type Output = ();
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let path = artifact_path(&self.id, "")?;
        request::build(config, Method::DELETE, &path, None, JSON)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<(), Error> {
        expect_no_content(&response)
    }
}

#[cfg(test)]
mod tests {
    use super::disposition_filename;

    #[test]
    fn reads_disposition_file_names() {
        assert_eq!(
            disposition_filename("inline; filename=\"artifact_x\"").as_deref(),
            Some("artifact_x")
        );
        assert_eq!(
            disposition_filename("attachment; filename=a.txt").as_deref(),
            Some("a.txt")
        );
        assert_eq!(
            disposition_filename("inline; filename=\"a\\\"b\"").as_deref(),
            Some("a\"b")
        );
        assert_eq!(disposition_filename("inline"), None);
    }
}
