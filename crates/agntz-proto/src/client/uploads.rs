//! Uploading file and bytes content blocks before the request that holds
//! them (the IO half of [`crate::uploads`], over the transport).

use futures_util::stream::{self, StreamExt, TryStreamExt};

use super::Client;
use crate::error::Error;
use crate::transport::Transport;
use crate::types::{RunRequest, SessionImport};
use crate::uploads::{locate, LocalUpload};

impl<T: Transport> Client<T> {
    /// Uploads the file and bytes blocks of a run request and points them at
    /// their artifacts. A request without such blocks is returned as is.
    ///
    /// The run methods (`agents().run`, `stream`, `start`, `runs().start`,
    /// block runs) call this themselves. Call it before sending a run
    /// operation with [`execute`](Self::execute) or
    /// [`open_stream`](Self::open_stream): a request that still holds file
    /// or bytes blocks cannot be built.
    pub async fn upload_run_content(&self, mut request: RunRequest) -> Result<RunRequest, Error> {
        self.upload_run_content_in(&mut request).await?;
        Ok(request)
    }

    /// [`upload_run_content`](Self::upload_run_content) in place.
    pub(crate) async fn upload_run_content_in(
        &self,
        request: &mut RunRequest,
    ) -> Result<(), Error> {
        if !request.has_local_content() {
            return Ok(());
        }
        let uploads = request.take_local_content()?;
        for (slot, id) in self.upload_all(uploads).await? {
            request.set_uploaded(slot, id)?;
        }
        Ok(())
    }

    /// The same for the messages of a session import.
    pub(crate) async fn upload_import_content(
        &self,
        mut import: SessionImport,
    ) -> Result<SessionImport, Error> {
        if !import.has_local_content() {
            return Ok(import);
        }
        let uploads = import.take_local_content()?;
        for (slot, id) in self.upload_all(uploads).await? {
            import.set_uploaded(slot, id)?;
        }
        Ok(import)
    }

    /// Checks every file first (it exists, is readable as a file, within the
    /// limit), so that a bad one fails the call before any request is sent;
    /// then reads and uploads, at most `Limits::max_concurrent_uploads` at a
    /// time (which also bounds how many files are in memory at once). The
    /// first failure cancels the uploads still running. Returns
    /// `(slot, artifact id)` pairs.
    async fn upload_all(&self, uploads: Vec<LocalUpload>) -> Result<Vec<(usize, String)>, Error> {
        for upload in &uploads {
            if let Some(path) = upload.path() {
                let len = self
                    .transport
                    .file_len(path)
                    .await
                    .map_err(|e| locate(e, upload.location()))?;
                upload.check_file_len(len)?;
            }
        }
        let limit = self.config.limits().max_concurrent_uploads.max(1);
        stream::iter(uploads.into_iter().map(|u| self.upload_one(u)))
            .buffer_unordered(limit)
            .try_collect()
            .await
    }

    async fn upload_one(&self, upload: LocalUpload) -> Result<(usize, String), Error> {
        let slot = upload.slot();
        let file = match (upload.path(), upload.file_buffer()) {
            (Some(path), Some(buf)) => Some(
                self.transport
                    .read_file(path, buf)
                    .await
                    .map_err(|e| locate(e, upload.location()))?,
            ),
            _ => None,
        };
        let op = upload.into_operation(file)?;
        let stored = self.execute(&op).await?;
        Ok((slot, stored.id))
    }
}
