//! The error of a file or bytes content block that cannot be uploaded.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// What was wrong with a file or bytes content block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ContentErrorKind {
    /// The file does not exist.
    FileNotFound,
    /// The file exists but could not be read (permissions, a directory,
    /// another IO error; see [`std::error::Error::source`]).
    FileUnreadable,
    /// No media type was given and none is known for the file's extension.
    UnknownMediaType,
    /// The media type is not of the form `type/subtype`.
    InvalidMediaType,
    /// The media type is not one the worker accepts for the block: an image
    /// block needs `image/*`, an audio block `audio/*`.
    WrongMediaType,
    /// The file or bytes exceed the worker's 50 MiB upload limit.
    TooLarge,
    /// The transport cannot read local files (its
    /// [`Transport::read_file`](crate::Transport::read_file) is the default).
    FilesUnsupported,
    /// A file or bytes block was about to be serialized before its upload
    /// (only when driving the operations by hand; the client uploads first).
    NotUploaded,
}

/// A file or bytes content block that cannot be uploaded, found before any
/// request was sent (or, for a file that changed in between, before its own
/// upload).
///
/// Carries the block's place in the request (`content[1]`,
/// `sessions[0].messages[2].content[0]`) and the file's path.
#[derive(Debug)]
pub struct ContentError {
    kind: ContentErrorKind,
    location: Option<String>,
    path: Option<PathBuf>,
    detail: String,
    source: Option<io::Error>,
}

impl ContentError {
    pub(crate) fn new(kind: ContentErrorKind, detail: impl Into<String>) -> Self {
        ContentError {
            kind,
            location: None,
            path: None,
            detail: detail.into(),
            source: None,
        }
    }

    /// An IO error while reading the file at `path` (for transports
    /// implementing [`Transport::read_file`](crate::Transport::read_file)):
    /// `NotFound` becomes [`ContentErrorKind::FileNotFound`], anything else
    /// [`ContentErrorKind::FileUnreadable`].
    pub fn io(path: &Path, error: io::Error) -> Self {
        let kind = if error.kind() == io::ErrorKind::NotFound {
            ContentErrorKind::FileNotFound
        } else {
            ContentErrorKind::FileUnreadable
        };
        let detail = match kind {
            ContentErrorKind::FileNotFound => "file not found".to_owned(),
            _ => format!("file could not be read: {error}"),
        };
        ContentError {
            source: Some(error),
            ..ContentError::new(kind, detail).with_path(path)
        }
    }

    /// The transport cannot read local files.
    pub fn files_unsupported() -> Self {
        ContentError::new(
            ContentErrorKind::FilesUnsupported,
            "this transport cannot read local files (implement Transport::file_len and \
             Transport::read_file, or send the bytes with ContentBlock::image_bytes / audio_bytes)",
        )
    }

    pub(crate) fn with_path(mut self, path: &Path) -> Self {
        self.path = Some(path.to_owned());
        self
    }

    /// Sets the block's place in the request, unless already set.
    pub(crate) fn at(mut self, location: &str) -> Self {
        if self.location.is_none() {
            self.location = Some(location.to_owned());
        }
        self
    }

    /// What was wrong.
    pub fn kind(&self) -> ContentErrorKind {
        self.kind
    }

    /// The block's place in the request, e.g. `content[1]`.
    pub fn location(&self) -> Option<&str> {
        self.location.as_deref()
    }

    /// The file's path, for file blocks.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }
}

impl fmt::Display for ContentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("content block")?;
        if let Some(location) = &self.location {
            write!(f, " {location}")?;
        }
        if let Some(path) = &self.path {
            write!(f, " ({})", path.display())?;
        }
        write!(f, ": {}", self.detail)
    }
}

impl std::error::Error for ContentError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_ref().map(|e| e as _)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_keep_the_path_and_the_cause() {
        let missing = io::Error::from(io::ErrorKind::NotFound);
        let e = ContentError::io(Path::new("a/b.png"), missing).at("content[2]");
        assert_eq!(e.kind(), ContentErrorKind::FileNotFound);
        assert_eq!(
            e.to_string(),
            "content block content[2] (a/b.png): file not found"
        );
        assert!(std::error::Error::source(&e).is_some());

        let denied = io::Error::from(io::ErrorKind::PermissionDenied);
        let e = ContentError::io(Path::new("x"), denied).at("a").at("b");
        assert_eq!(e.kind(), ContentErrorKind::FileUnreadable);
        assert_eq!(e.location(), Some("a"));
    }
}
