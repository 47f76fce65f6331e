//! The worker's JSON as it was sent, through the SDK's operations.
//!
//! The official CLI prints what the worker answered (its client passes the
//! JSON through), so scripts rely on every field. [`Raw`] runs an SDK
//! operation (request building, retries, typed errors) and keeps the body
//! as a `serde_json::Value` instead of the typed result, which may not
//! carry fields this SDK does not know yet.

use agntz_client::body::WholeBody;
use agntz_client::bytes::Bytes;
use agntz_client::http::{Request, Response};
use agntz_client::ops::{Operation, Paginated};
use agntz_client::proto::retry::CallKind;
use agntz_client::{AgntzClient, Config, Error};
use serde_json::Value;

/// Runs `O` and returns the body as JSON. The typed parse still runs, so
/// errors and malformed bodies are reported as the SDK reports them.
pub struct Raw<'a, O>(pub &'a O);

impl<O: Operation> Operation for Raw<'_, O> {
    type Output = Value;
    const KIND: CallKind = O::KIND;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        self.0.build(config)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<Value, Error> {
        let (parts, body) = response.into_parts();
        // A clone of the body shares its chunks (no copy).
        self.0
            .parse(Response::from_parts(parts, body.clone()))
            .map(drop)?;
        if body.chunks().flatten().all(u8::is_ascii_whitespace) {
            return Ok(Value::Null);
        }
        // The typed parse accepted the body, so it is JSON; read across
        // its chunks, it is never joined into a second copy.
        let value = match body.as_contiguous() {
            Some(bytes) => serde_json::from_slice(bytes),
            None => serde_json::from_reader(body.reader()),
        };
        Ok(value.unwrap_or(Value::Null))
    }
}

/// One call of `op`, as JSON.
pub async fn fetch<O: Operation>(client: &AgntzClient, op: &O) -> Result<Value, Error> {
    client.execute(&Raw(op)).await
}

/// Every page of a `{rows, cursor?}` listing, as `{"rows": [...]}`.
pub async fn fetch_all<O: Paginated>(client: &AgntzClient, first: O) -> Result<Value, Error> {
    let mut rows = Vec::new();
    let mut op = first;
    let mut last_cursor: Option<String> = None;
    loop {
        let page = fetch(client, &op).await?;
        let Value::Object(mut page) = page else {
            break;
        };
        if let Some(Value::Array(more)) = page.remove("rows") {
            rows.extend(more);
        }
        let cursor = match page.remove("cursor") {
            Some(Value::String(cursor)) if !cursor.is_empty() => cursor,
            _ => break,
        };
        // A worker handing back the cursor it was given would loop forever.
        if last_cursor.as_deref() == Some(cursor.as_str()) {
            return Err(Error::InvalidRequest(
                "the worker returned the same page cursor twice".into(),
            ));
        }
        last_cursor = Some(cursor.clone());
        op = op.with_cursor(cursor);
    }
    Ok(serde_json::json!({ "rows": rows }))
}
