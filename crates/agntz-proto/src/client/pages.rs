use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

use super::Client;
use crate::error::{Error, StreamError, StreamErrorCode};
use crate::ops::Paginated;
use crate::transport::Transport;

type PageFuture<O> =
    Pin<Box<dyn Future<Output = Result<<O as crate::ops::Operation>::Output, Error>> + Send>>;

/// Every row of a listing, fetching the next page only when the current one
/// is used up. Yields an error (and then ends) if a page fails or the server
/// hands back the cursor it was just given.
pub struct Pages<T, O: Paginated> {
    client: Client<T>,
    template: O,
    next: Option<O>,
    last_cursor: Option<String>,
    rows: VecDeque<O::Row>,
    pending: Option<PageFuture<O>>,
}

impl<T, O> Stream for Pages<T, O>
where
    T: Transport,
    O: Paginated + Clone + Send + Sync + Unpin + 'static,
    O::Output: Send + 'static,
    O::Row: Unpin,
{
    type Item = Result<O::Row, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_row(cx)
    }
}

impl<T, O: Paginated> std::fmt::Debug for Pages<T, O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pages")
            .field("buffered", &self.rows.len())
            .field("more", &self.next.is_some())
            .finish_non_exhaustive()
    }
}

impl<T, O> Pages<T, O>
where
    T: Transport,
    O: Paginated + Clone + Send + Sync + 'static,
    O::Output: Send + 'static,
    O::Row: Unpin,
{
    pub(crate) fn new(client: Client<T>, first: O) -> Self {
        Pages {
            client,
            template: first.clone(),
            next: Some(first),
            last_cursor: None,
            rows: VecDeque::new(),
            pending: None,
        }
    }

    /// The next row, `None` after the last page.
    pub async fn next(&mut self) -> Option<Result<O::Row, Error>> {
        std::future::poll_fn(|cx| self.poll_row(cx)).await
    }

    /// Reads every remaining row into a `Vec`.
    pub async fn collect_all(mut self) -> Result<Vec<O::Row>, Error> {
        let mut all = Vec::new();
        while let Some(row) = self.next().await {
            all.push(row?);
        }
        Ok(all)
    }

    fn poll_row(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<O::Row, Error>>> {
        loop {
            if let Some(row) = self.rows.pop_front() {
                return Poll::Ready(Some(Ok(row)));
            }
            if self.pending.is_none() {
                let Some(op) = self.next.take() else {
                    return Poll::Ready(None);
                };
                let client = self.client.clone();
                self.pending = Some(Box::pin(async move { client.execute(&op).await }));
            }
            let Some(pending) = self.pending.as_mut() else {
                return Poll::Ready(None);
            };
            let page = std::task::ready!(pending.as_mut().poll(cx));
            self.pending = None;
            let page = match page {
                Ok(page) => page,
                Err(e) => return Poll::Ready(Some(Err(e))),
            };
            let (rows, cursor) = O::into_parts(page);
            self.rows.extend(rows);
            if let Some(cursor) = cursor {
                if self.last_cursor.as_deref() == Some(cursor.as_str()) {
                    self.rows.clear();
                    return Poll::Ready(Some(Err(StreamError::new(
                        StreamErrorCode::InvalidPayload,
                        "the server returned the same page cursor twice",
                    )
                    .into())));
                }
                self.next = Some(self.template.with_cursor(cursor.clone()));
                self.last_cursor = Some(cursor);
            }
        }
    }
}
