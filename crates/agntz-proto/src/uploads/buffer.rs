//! The buffer a transport reads a local file into.

use std::fmt;
use std::path::{Path, PathBuf};

use bytes::BytesMut;

use super::error::{ContentError, ContentErrorKind};
use crate::error::Error;

/// The buffer a [`Transport`](crate::Transport) reads a file block's file
/// into ([`Transport::read_file`](crate::Transport::read_file)).
///
/// The core lays the upload's `multipart/form-data` form out around the
/// file's bytes in one allocation, so the file is held in memory once:
/// call [`reserve_file`](Self::reserve_file) with the file's length (from
/// its metadata) before reading, then append the bytes to
/// [`data_mut`](Self::data_mut), stopping with an error past
/// [`limit`](Self::limit). A reader that skips `reserve_file` still works
/// (the form is then assembled with one copy).
pub struct FileBuffer {
    head: BytesMut,
    data: BytesMut,
    head_len: usize,
    tail_len: usize,
    limit: u64,
    path: PathBuf,
}

impl FileBuffer {
    pub(crate) fn new(path: &Path, head_len: usize, tail_len: usize, limit: u64) -> Self {
        FileBuffer {
            head: BytesMut::new(),
            data: BytesMut::new(),
            head_len,
            tail_len,
            limit,
            path: path.to_owned(),
        }
    }

    /// Makes room for a file of `len` bytes (one allocation holding the
    /// form's head, the file and the form's tail). Fails with
    /// [`ContentErrorKind::TooLarge`] past [`limit`](Self::limit).
    pub fn reserve_file(&mut self, len: u64) -> Result<(), Error> {
        self.check_len(len)?;
        // `len <= limit`, which fits in memory sizes the worker accepts.
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        if self.head.is_empty() && self.data.is_empty() {
            let mut all = BytesMut::with_capacity(self.head_len + len + self.tail_len);
            all.resize(self.head_len, 0);
            self.data = all.split_off(self.head_len);
            self.head = all;
        } else {
            self.data.reserve(len + self.tail_len);
        }
        Ok(())
    }

    /// The file's bytes read so far; append the rest.
    pub fn data_mut(&mut self) -> &mut BytesMut {
        &mut self.data
    }

    /// How many bytes have been read.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether nothing has been read yet.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The largest file accepted (the worker's 50 MiB upload limit).
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// The file being read (for error messages).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Fails with [`ContentErrorKind::TooLarge`] when `len` exceeds the
    /// limit (call it as the bytes come in).
    pub fn check_len(&self, len: u64) -> Result<(), Error> {
        if len > self.limit {
            return Err(too_large(len, self.limit).with_path(&self.path).into());
        }
        Ok(())
    }

    pub(crate) fn into_parts(self) -> Result<(BytesMut, BytesMut), Error> {
        self.check_len(self.data.len() as u64)?;
        Ok((self.head, self.data))
    }
}

pub(crate) fn too_large(len: u64, limit: u64) -> ContentError {
    ContentError::new(
        ContentErrorKind::TooLarge,
        format!("{len} bytes exceed the worker's upload limit of {limit} bytes"),
    )
}

impl fmt::Debug for FileBuffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileBuffer")
            .field("path", &self.path)
            .field("len", &self.data.len())
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}
