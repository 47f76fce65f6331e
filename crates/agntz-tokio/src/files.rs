//! Reading local files for file content blocks, off the runtime's threads.
//!
//! Both transports implement [`Transport::file_len`] and
//! [`Transport::read_file`] with these functions; a custom transport on
//! tokio can call them too.
//!
//! [`Transport::file_len`]: agntz_proto::Transport::file_len
//! [`Transport::read_file`]: agntz_proto::Transport::read_file

use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::path::Path;

use agntz_proto::uploads::{ContentError, FileBuffer};
use agntz_proto::Error;

/// Size of the chunks a file that grew after its length was read is read
/// in (the expected length is read in one piece, straight into the buffer).
const CHUNK: usize = 64 * 1024;

fn regular(path: &Path, meta: Metadata) -> Result<u64, Error> {
    if meta.is_file() {
        Ok(meta.len())
    } else {
        let e = io::Error::other("not a regular file");
        Err(ContentError::io(path, e).into())
    }
}

/// The length of the regular file at `path` (following symbolic links).
pub async fn file_len(path: &Path) -> Result<u64, Error> {
    let meta = tokio::fs::metadata(path)
        .await
        .map_err(|e| ContentError::io(path, e))?;
    regular(path, meta)
}

/// Reads the file at `path` into `buf` on tokio's blocking pool.
pub async fn read_file(path: &Path, buf: FileBuffer) -> Result<FileBuffer, Error> {
    let owned = path.to_owned();
    tokio::task::spawn_blocking(move || read_file_blocking(&owned, buf))
        .await
        .map_err(|e| ContentError::io(path, io::Error::other(e)))?
}

/// Reads the file at `path` into `buf`, blocking the calling thread: the
/// length from the file's metadata is read in one piece straight into the
/// buffer's room for it (no intermediate copy); bytes beyond it (a file
/// that grew meanwhile) are read up to the buffer's limit.
pub fn read_file_blocking(path: &Path, mut buf: FileBuffer) -> Result<FileBuffer, Error> {
    let io = |e| ContentError::io(path, e);
    let mut file = File::open(path).map_err(io)?;
    let len = regular(path, file.metadata().map_err(io)?)?;
    buf.reserve_file(len)?;
    let limit = buf.limit();
    let expected = usize::try_from(len).unwrap_or(usize::MAX);

    let data = buf.data_mut();
    let start = data.len();
    data.resize(start + expected, 0);
    let mut filled = 0;
    while filled < expected {
        match file.read(&mut data[start + filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(io(e).into()),
        }
    }
    data.truncate(start + filled);

    // At most one byte past the limit, so an oversized file is caught.
    let mut rest = file.take(limit.saturating_add(1).saturating_sub(buf.len() as u64));
    let mut chunk = vec![0u8; CHUNK];
    loop {
        let n = match rest.read(&mut chunk) {
            Ok(0) => return Ok(buf),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(io(e).into()),
        };
        buf.data_mut().extend_from_slice(&chunk[..n]);
        buf.check_len(buf.len() as u64)?;
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use agntz_proto::types::{ContentBlock, RunRequest};
    use agntz_proto::uploads::{ContentErrorKind, LocalUpload};

    use super::*;

    /// A fresh directory under the system temp dir, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> Self {
            let dir =
                std::env::temp_dir().join(format!("agntz-tokio-{name}-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn upload_of(path: &Path) -> LocalUpload {
        let mut req = RunRequest::new("a").content([ContentBlock::image_file(path)]);
        req.take_local_content().unwrap().pop().unwrap()
    }

    fn kind(e: Error) -> ContentErrorKind {
        match e {
            Error::Content(e) => e.kind(),
            other => panic!("expected a content error, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn reads_a_file_into_the_form() {
        let dir = TempDir::new("read");
        let path = dir.0.join("cat.png");
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &data).unwrap();

        assert_eq!(file_len(&path).await.unwrap(), data.len() as u64);
        let upload = upload_of(&path);
        let buf = read_file(&path, upload.file_buffer().unwrap())
            .await
            .unwrap();
        assert_eq!(buf.len(), data.len());
        let op = upload.into_operation(Some(buf)).unwrap();
        let body = op.body();
        assert!(body.windows(data.len()).any(|w| w == data.as_slice()));
    }

    #[tokio::test]
    async fn missing_directories_and_oversized_files_are_typed() {
        let dir = TempDir::new("errors");
        let missing = dir.0.join("nope.png");
        assert_eq!(
            kind(file_len(&missing).await.unwrap_err()),
            ContentErrorKind::FileNotFound
        );
        let upload = upload_of(&missing);
        let err = read_file(&missing, upload.file_buffer().unwrap())
            .await
            .unwrap_err();
        assert_eq!(kind(err), ContentErrorKind::FileNotFound);

        assert_eq!(
            kind(file_len(&dir.0).await.unwrap_err()),
            ContentErrorKind::FileUnreadable
        );

        // A sparse file one byte over the limit: refused before it is read.
        let big = dir.0.join("big.png");
        let upload = upload_of(&big);
        let buf = upload.file_buffer().unwrap();
        File::create(&big)
            .unwrap()
            .set_len(buf.limit() + 1)
            .unwrap();
        assert_eq!(
            kind(read_file(&big, buf).await.unwrap_err()),
            ContentErrorKind::TooLarge
        );
    }
}
