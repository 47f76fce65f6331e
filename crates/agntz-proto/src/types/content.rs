//! Multimodal content blocks (wire §4.2).

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use bytes::Bytes;
use serde::ser::{Error as _, SerializeMap};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// Resolution hint for an image block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum ImageDetail {
    /// Let the model decide.
    Auto,
    /// Low resolution.
    Low,
    /// High resolution.
    High,
}

impl ImageDetail {
    /// The wire string.
    pub fn as_str(self) -> &'static str {
        match self {
            ImageDetail::Auto => "auto",
            ImageDetail::Low => "low",
            ImageDetail::High => "high",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "auto" => Some(ImageDetail::Auto),
            "low" => Some(ImageDetail::Low),
            "high" => Some(ImageDetail::High),
            _ => None,
        }
    }
}

/// Where the bytes of an image or audio block come from.
///
/// [`File`](MediaSource::File) and [`Bytes`](MediaSource::Bytes) exist only
/// on the client: before a run request (or a session import) is sent, the
/// [`Client`](crate::Client) uploads each of them as an artifact and rewrites
/// the block to an [`Artifact`](MediaSource::Artifact) source. They are never
/// serialized.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MediaSource {
    /// A URL the worker fetches, with optional request headers
    /// (wire `url`, `headers`).
    Url {
        /// The URL.
        url: String,
        /// Headers sent when the worker fetches the URL (empty: none sent).
        headers: BTreeMap<String, String>,
    },
    /// Inline base64 data (wire `base64`; `mediaType` is required with it).
    Base64(String),
    /// An uploaded artifact (wire `artifactId`).
    Artifact(String),
    /// A local file, uploaded as an artifact before the request is sent
    /// (client-only).
    File(PathBuf),
    /// Bytes in memory, uploaded as an artifact before the request is sent
    /// (client-only).
    Bytes(Bytes),
}

impl MediaSource {
    /// Whether this source must be uploaded before the block can be sent
    /// ([`File`](MediaSource::File) or [`Bytes`](MediaSource::Bytes)).
    pub fn is_local(&self) -> bool {
        matches!(self, MediaSource::File(_) | MediaSource::Bytes(_))
    }
}

// By hand so that a large byte source prints its length, not its bytes.
impl fmt::Debug for MediaSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MediaSource::Url { url, headers } => f
                .debug_struct("Url")
                .field("url", url)
                .field("headers", headers)
                .finish(),
            MediaSource::Base64(data) => f.debug_tuple("Base64").field(data).finish(),
            MediaSource::Artifact(id) => f.debug_tuple("Artifact").field(id).finish(),
            MediaSource::File(path) => f.debug_tuple("File").field(path).finish(),
            MediaSource::Bytes(data) => f.debug_struct("Bytes").field("len", &data.len()).finish(),
        }
    }
}

/// An image block.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImageBlock {
    /// Where the image comes from.
    pub source: MediaSource,
    /// `image/jpeg`, `image/png`, `image/gif` or `image/webp`.
    pub media_type: Option<String>,
    /// Resolution hint.
    pub detail: Option<ImageDetail>,
}

/// An audio block.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AudioBlock {
    /// Where the audio comes from.
    pub source: MediaSource,
    /// Any audio media type, e.g. `audio/mpeg`, `audio/wav`.
    pub media_type: Option<String>,
}

/// One block of a multimodal user message.
///
/// Serializes to the flat wire form, e.g.
/// `{"type":"image","url":"https://…","detail":"low"}` or
/// `{"type":"audio","artifactId":"artifact_…","mediaType":"audio/mpeg"}`.
/// Deserialization keeps blocks this SDK does not understand (new types,
/// malformed blocks echoed from stored sessions) as [`ContentBlock::Other`].
///
/// ```
/// use agntz_proto::types::{ContentBlock, ImageDetail};
/// let b = ContentBlock::image_url("https://example.com/cat.png").detail(ImageDetail::Low);
/// assert_eq!(
///     serde_json::to_value(&b).unwrap(),
///     serde_json::json!({"type": "image", "url": "https://example.com/cat.png", "detail": "low"})
/// );
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ContentBlock {
    /// Plain text (`{"type":"text","text":…}`).
    Text(String),
    /// An image.
    Image(ImageBlock),
    /// An audio clip.
    Audio(AudioBlock),
    /// A block of a type or shape this SDK does not model, kept verbatim.
    Other(Value),
}

impl ContentBlock {
    /// A text block.
    pub fn text(text: impl Into<String>) -> Self {
        ContentBlock::Text(text.into())
    }

    fn image(source: MediaSource, media_type: Option<String>) -> Self {
        ContentBlock::Image(ImageBlock {
            source,
            media_type,
            detail: None,
        })
    }

    fn audio(source: MediaSource, media_type: Option<String>) -> Self {
        ContentBlock::Audio(AudioBlock { source, media_type })
    }

    fn url_source(url: impl Into<String>) -> MediaSource {
        MediaSource::Url {
            url: url.into(),
            headers: BTreeMap::new(),
        }
    }

    /// An image the worker fetches from `url`.
    pub fn image_url(url: impl Into<String>) -> Self {
        Self::image(Self::url_source(url), None)
    }

    /// An inline base64 image (`media_type` is required by the worker).
    pub fn image_base64(data: impl Into<String>, media_type: impl Into<String>) -> Self {
        Self::image(MediaSource::Base64(data.into()), Some(media_type.into()))
    }

    /// An image stored as an artifact.
    pub fn image_artifact(artifact_id: impl Into<String>) -> Self {
        Self::image(MediaSource::Artifact(artifact_id.into()), None)
    }

    /// An image read from a local file and uploaded as an artifact before the
    /// request is sent.
    ///
    /// The media type comes from the file's extension (`.png` →
    /// `image/png`) unless set with [`media_type`](Self::media_type); an
    /// extension with no known type, a type that is not `image/*`, or a
    /// missing file fails the call before any request is sent. The upload
    /// lives for `retention.artifactTtlSeconds` when the run sets it (the
    /// worker clamps uploads to 60 s ..= 7 days; default 1 hour).
    ///
    /// ```
    /// use agntz_proto::types::{ContentBlock, ImageDetail};
    /// let block = ContentBlock::image_file("frames/0001.png").detail(ImageDetail::High);
    /// assert_eq!(block.kind(), Some("image"));
    /// ```
    pub fn image_file(path: impl Into<PathBuf>) -> Self {
        Self::image(MediaSource::File(path.into()), None)
    }

    /// An image held in memory (`media_type` such as `image/png`), uploaded
    /// as an artifact before the request is sent. A `media_type` that is not
    /// `image/*` fails the call before any request is sent.
    pub fn image_bytes(data: impl Into<Bytes>, media_type: impl Into<String>) -> Self {
        Self::image(MediaSource::Bytes(data.into()), Some(media_type.into()))
    }

    /// Audio read from a local file and uploaded as an artifact before the
    /// request is sent. The media type comes from the extension (`.mp3` →
    /// `audio/mpeg`, `.wav` → `audio/wav`) unless set with
    /// [`media_type`](Self::media_type); it must be `audio/*`. See
    /// [`image_file`](Self::image_file) for the rules.
    pub fn audio_file(path: impl Into<PathBuf>) -> Self {
        Self::audio(MediaSource::File(path.into()), None)
    }

    /// Audio held in memory (`media_type` such as `audio/wav`), uploaded as
    /// an artifact before the request is sent. A `media_type` that is not
    /// `audio/*` fails the call before any request is sent.
    pub fn audio_bytes(data: impl Into<Bytes>, media_type: impl Into<String>) -> Self {
        Self::audio(MediaSource::Bytes(data.into()), Some(media_type.into()))
    }

    /// The source of an image or audio block.
    pub fn source(&self) -> Option<&MediaSource> {
        match self {
            ContentBlock::Image(b) => Some(&b.source),
            ContentBlock::Audio(b) => Some(&b.source),
            _ => None,
        }
    }

    /// Whether this block must be uploaded before it can be sent (a file or
    /// bytes source).
    pub fn is_local(&self) -> bool {
        self.source().is_some_and(MediaSource::is_local)
    }

    /// Audio the worker fetches from `url`.
    pub fn audio_url(url: impl Into<String>) -> Self {
        Self::audio(Self::url_source(url), None)
    }

    /// Inline base64 audio (`media_type` is required by the worker).
    pub fn audio_base64(data: impl Into<String>, media_type: impl Into<String>) -> Self {
        Self::audio(MediaSource::Base64(data.into()), Some(media_type.into()))
    }

    /// Audio stored as an artifact.
    pub fn audio_artifact(artifact_id: impl Into<String>) -> Self {
        Self::audio(MediaSource::Artifact(artifact_id.into()), None)
    }

    /// Sets the media type of an image or audio block (no effect on other
    /// blocks).
    pub fn media_type(mut self, media_type: impl Into<String>) -> Self {
        match &mut self {
            ContentBlock::Image(b) => b.media_type = Some(media_type.into()),
            ContentBlock::Audio(b) => b.media_type = Some(media_type.into()),
            _ => {}
        }
        self
    }

    /// Sets the resolution hint of an image block (no effect on other
    /// blocks).
    pub fn detail(mut self, detail: ImageDetail) -> Self {
        if let ContentBlock::Image(b) = &mut self {
            b.detail = Some(detail);
        }
        self
    }

    /// Adds a header the worker sends when fetching a URL source (no effect
    /// on blocks without a URL source).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let source = match &mut self {
            ContentBlock::Image(b) => &mut b.source,
            ContentBlock::Audio(b) => &mut b.source,
            _ => return self,
        };
        if let MediaSource::Url { headers, .. } = source {
            headers.insert(name.into(), value.into());
        }
        self
    }

    /// The wire `type` of the block (`text`, `image`, `audio`, or the
    /// `type` of an [`ContentBlock::Other`] block when it has one).
    pub fn kind(&self) -> Option<&str> {
        match self {
            ContentBlock::Text(_) => Some("text"),
            ContentBlock::Image(_) => Some("image"),
            ContentBlock::Audio(_) => Some("audio"),
            ContentBlock::Other(v) => v.get("type").and_then(Value::as_str),
        }
    }

    /// The text of a text block.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            ContentBlock::Text(t) => Some(t),
            _ => None,
        }
    }
}

fn serialize_source<M: SerializeMap>(map: &mut M, source: &MediaSource) -> Result<(), M::Error> {
    match source {
        MediaSource::Url { url, headers } => {
            map.serialize_entry("url", url)?;
            if !headers.is_empty() {
                map.serialize_entry("headers", headers)?;
            }
        }
        MediaSource::Base64(data) => map.serialize_entry("base64", data)?,
        MediaSource::Artifact(id) => map.serialize_entry("artifactId", id)?,
        // The client uploads these first; one left here is a usage error,
        // never something to put on the wire.
        MediaSource::File(_) | MediaSource::Bytes(_) => {
            return Err(M::Error::custom(
                "a file or bytes content block must be uploaded as an artifact before it is sent",
            ))
        }
    }
    Ok(())
}

impl Serialize for ContentBlock {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            ContentBlock::Text(text) => {
                let mut map = serializer.serialize_map(Some(2))?;
                map.serialize_entry("type", "text")?;
                map.serialize_entry("text", text)?;
                map.end()
            }
            ContentBlock::Image(b) => {
                let mut map = serializer.serialize_map(None)?;
                map.serialize_entry("type", "image")?;
                serialize_source(&mut map, &b.source)?;
                if let Some(mt) = &b.media_type {
                    map.serialize_entry("mediaType", mt)?;
                }
                if let Some(d) = b.detail {
                    map.serialize_entry("detail", d.as_str())?;
                }
                map.end()
            }
            ContentBlock::Audio(b) => {
                let mut map = serializer.serialize_map(None)?;
                map.serialize_entry("type", "audio")?;
                serialize_source(&mut map, &b.source)?;
                if let Some(mt) = &b.media_type {
                    map.serialize_entry("mediaType", mt)?;
                }
                map.end()
            }
            ContentBlock::Other(v) => v.serialize(serializer),
        }
    }
}

/// Reads the source keys of a media block. `None` unless exactly one source
/// key is present with a string value (and `headers`, if any, is a string
/// map).
fn parse_source(obj: &Map<String, Value>) -> Option<MediaSource> {
    let url = obj.get("url");
    let b64 = obj.get("base64");
    let art = obj.get("artifactId");
    let count = [url, b64, art].iter().filter(|v| v.is_some()).count();
    if count != 1 {
        return None;
    }
    if let Some(url) = url {
        let mut headers = BTreeMap::new();
        match obj.get("headers") {
            None | Some(Value::Null) => {}
            Some(Value::Object(h)) => {
                for (k, v) in h {
                    headers.insert(k.clone(), v.as_str()?.to_owned());
                }
            }
            Some(_) => return None,
        }
        return Some(MediaSource::Url {
            url: url.as_str()?.to_owned(),
            headers,
        });
    }
    if let Some(b) = b64 {
        return Some(MediaSource::Base64(b.as_str()?.to_owned()));
    }
    art.and_then(Value::as_str)
        .map(|a| MediaSource::Artifact(a.to_owned()))
}

fn opt_string(obj: &Map<String, Value>, key: &str) -> Option<Option<String>> {
    match obj.get(key) {
        None | Some(Value::Null) => Some(None),
        Some(Value::String(s)) => Some(Some(s.clone())),
        Some(_) => None,
    }
}

fn parse_block(v: &Value) -> Option<ContentBlock> {
    let obj = v.as_object()?;
    match obj.get("type")?.as_str()? {
        "text" => Some(ContentBlock::Text(obj.get("text")?.as_str()?.to_owned())),
        "image" => {
            let source = parse_source(obj)?;
            let media_type = opt_string(obj, "mediaType")?;
            let detail = match opt_string(obj, "detail")? {
                None => None,
                Some(d) => Some(ImageDetail::parse(&d)?),
            };
            Some(ContentBlock::Image(ImageBlock {
                source,
                media_type,
                detail,
            }))
        }
        "audio" => {
            let source = parse_source(obj)?;
            let media_type = opt_string(obj, "mediaType")?;
            Some(ContentBlock::Audio(AudioBlock { source, media_type }))
        }
        _ => None,
    }
}

impl<'de> Deserialize<'de> for ContentBlock {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(deserializer)?;
        Ok(parse_block(&v).unwrap_or(ContentBlock::Other(v)))
    }
}
